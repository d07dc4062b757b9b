// The job summary: the run's record as tables (GitHub renders markdown and a safe subset of HTML,
// so every text the action did not write is HTML-escaped here).
import type { Core, RunReport } from './report.js';

const STATUS_ICON: Record<string, string> = {
  pass: '✅ pass',
  warn: '⚠️ warn',
  fail: '❌ fail',
  skipped: '⏭️ skipped',
  succeeded: '✅ succeeded',
  failed: '❌ failed',
  created: 'created',
  configured: 'configured',
  unchanged: 'unchanged',
};

export async function writeSummary(core: Core, report: RunReport): Promise<void> {
  const summary = core.summary;
  summary.addHeading(
    `Bifrost on AKS — ${report.mode}: ${report.failure || report.checks.some((c) => c.status === 'fail') ? 'failed' : 'succeeded'}`,
    2,
  );
  summary.addTable([
    [{ data: 'Namespace', header: true }, { data: report.namespace }],
    ...(report.image ? [[{ data: 'Image', header: true }, { data: code(report.image) }]] : []),
    ...(report.imageDigest
      ? [
          [
            { data: 'Image digest', header: true },
            { data: `${code(report.imageTag ?? report.image ?? '')} → ${code(report.imageDigest)}` },
          ],
        ]
      : []),
    [{ data: 'Tenant ID', header: true }, { data: code(report.tenantId) }],
    [{ data: 'Managed identity client ID', header: true }, { data: code(report.clientId) }],
    ...(report.issuerUrl
      ? [[{ data: 'Cluster OIDC issuer', header: true }, { data: code(report.issuerUrl) }]]
      : []),
    ...(report.pullSecretExpiresAt
      ? [[{ data: 'Pull secret expires', header: true }, { data: report.pullSecretExpiresAt }]]
      : []),
    ...(report.manifestsPath
      ? [[{ data: 'Manifests', header: true }, { data: code(report.manifestsPath) }]]
      : []),
    ...(retriesText(report)
      ? [[{ data: 'Retried calls', header: true }, { data: retriesText(report) }]]
      : []),
  ]);
  if (report.failure) {
    const f = report.failure;
    summary.addHeading(`❌ ${escapeHtml(f.title)}`, 3);
    summary.addRaw(`<p>${escapeHtml(f.message)}</p>`, true);
    if (f.evidence.length) summary.addCodeBlock(f.evidence.join('\n'));
    if (f.hint) summary.addRaw(`<p><b>Fix:</b> ${escapeHtml(f.hint)}</p>`, true);
  }
  if (report.preview) {
    summary.addHeading('Reach the preview', 3);
    summary.addRaw(`<p>${escapeHtml(report.preview.instructions)}</p>`, true);
  }
  if (report.sweep) {
    const { removed, kept, dryRun } = report.sweep;
    summary.addHeading(`Sweep${dryRun ? ' (dry run: nothing removed)' : ''}`, 3);
    summary.addTable([
      [
        { data: 'Preview', header: true },
        { data: dryRun ? 'Would be' : 'Result', header: true },
        { data: 'Reason', header: true },
      ],
      ...removed.map((p) => [`#${p.pr} ${p.namespace}`, 'removed', escapeHtml(p.reason)]),
      ...kept.map((p) => [`#${p.pr} ${p.namespace}`, 'kept', escapeHtml(p.reason)]),
    ]);
  }
  if (report.phases.length) {
    summary.addHeading('Phases', 3);
    summary.addTable([
      [
        { data: 'Phase', header: true },
        { data: 'Result', header: true },
        { data: 'Detail', header: true },
        { data: 'Time', header: true },
      ],
      ...report.phases.map((p) => [
        p.name,
        STATUS_ICON[p.status] ?? p.status,
        escapeHtml(p.detail),
        p.durationMs === undefined ? '' : `${(p.durationMs / 1000).toFixed(1)} s`,
      ]),
    ]);
  }
  if (report.applied.length) {
    summary.addHeading('Applied objects', 3);
    summary.addTable([
      [
        { data: 'Kind', header: true },
        { data: 'Name', header: true },
        { data: 'Result', header: true },
      ],
      ...report.applied.map((a) => [
        a.kind,
        a.namespace ? `${a.namespace}/${a.name}` : a.name,
        STATUS_ICON[a.action] ?? a.action,
      ]),
    ]);
  }
  if (report.checks.length) {
    summary.addHeading('Checks', 3);
    summary.addTable([
      [
        { data: 'Status', header: true },
        { data: 'Check', header: true },
        { data: 'Evidence', header: true },
        { data: 'Hint', header: true },
      ],
      ...report.checks.map((c) => [
        STATUS_ICON[c.status] ?? c.status,
        escapeHtml(c.title),
        escapeHtml(c.evidence),
        escapeHtml(c.hint ?? ''),
      ]),
    ]);
  }
  if (report.warnings.length) {
    summary.addHeading('Warnings', 3);
    summary.addList(report.warnings.map(escapeHtml));
  }
  await summary.write();
}

/** "kubernetes 3, entra 1" — transient failures the retry policy rode out. */
function retriesText(report: RunReport): string {
  return Object.entries(report.retries ?? {})
    .filter(([, n]) => (n ?? 0) > 0)
    .map(([service, n]) => `${service} ${n}`)
    .join(', ');
}

function code(text: string): string {
  return `<code>${escapeHtml(text)}</code>`;
}

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\n/g, '<br>');
}
