// Annotations: the failure once, titled, with its evidence and fix; one per failed or warning
// check; the rendering warnings.
import type { Core, RunReport } from './report.js';

/** Annotations: one per failed check and for the failure; warnings for warn checks. */
export function annotate(core: Core, report: RunReport): void {
  for (const warning of report.warnings) core.warning(warning, { title: 'bifrost-aks-deploy' });
  for (const check of report.checks) {
    const text = `${check.evidence}${check.hint ? `\nFix: ${check.hint}` : ''}`;
    if (check.status === 'fail') core.error(text, { title: `Check failed: ${check.title}` });
    if (check.status === 'warn') core.warning(text, { title: `Check warning: ${check.title}` });
  }
  const failure = report.failure;
  if (failure) {
    const lines = [failure.message, ...failure.evidence.map((e) => `  ${e}`)];
    if (failure.hint) lines.push(`Fix: ${failure.hint}`);
    core.error(lines.join('\n'), { title: failure.title });
  }
}
