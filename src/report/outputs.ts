// Step outputs: one per value a later step may need, and `report`, the whole run as JSON (its
// schema is documented in README.md and versioned by schemaVersion).
import type { Core, RunReport } from './report.js';

export function setOutputs(core: Core, report: RunReport): void {
  const outputs: Record<string, string | undefined> = {
    namespace: report.namespace,
    image: report.image,
    'tenant-id': report.tenantId,
    'client-id': report.clientId,
    'issuer-url': report.issuerUrl,
    'job-name': report.jobName,
    'pull-secret-expires-at': report.pullSecretExpiresAt,
    'manifests-path': report.manifestsPath,
    'preview-url': report.preview?.url,
    'image-digest': report.imageDigest,
    applied: JSON.stringify(report.applied),
    report: JSON.stringify(reportJson(report)),
  };
  for (const [name, value] of Object.entries(outputs)) {
    if (value !== undefined) core.setOutput(name, value);
  }
}

/** The `report` output: a stable schema documented in README.md ("The report output"). */
export function reportJson(report: RunReport) {
  return {
    schemaVersion: 1,
    mode: report.mode,
    namespace: report.namespace,
    result: report.failure || report.checks.some((c) => c.status === 'fail') ? 'fail' : 'pass',
    failure: report.failure
      ? {
          title: report.failure.title,
          message: report.failure.message,
          evidence: report.failure.evidence,
          hint: report.failure.hint ?? null,
        }
      : null,
    checks: report.checks,
    applied: report.applied,
    phases: report.phases,
    pullSecretExpiresAt: report.pullSecretExpiresAt ?? null,
    imageDigest: report.imageDigest ?? null,
    preflight: report.preflight
      ? {
          hops: report.preflight.hops,
          requests: report.preflight.requests,
          durationMs: report.preflight.durationMs,
        }
      : null,
    stats: { checkApiRequests: report.checkApiRequests ?? null, retries: report.retries ?? {} },
    ...(report.preview ? { preview: report.preview } : {}),
    ...(report.sweep ? { sweep: report.sweep } : {}),
  };
}
