// What the user sees: step outputs, the job summary, annotations. Everything here takes the
// @actions/core functions it needs as an argument so tests can read what was reported.
import type * as actionsCore from '@actions/core';
import { redactSecrets } from './redact.js';
import type { CheckResult } from './check-result.js';
import type { AppliedObject } from '../cluster/client.js';
import type { PreflightResult } from '../chain/preflight.js';
import type { Service } from '../net/retry.js';

export type Core = Pick<
  typeof actionsCore,
  'setOutput' | 'error' | 'warning' | 'notice' | 'info' | 'summary' | 'setSecret' | 'startGroup' | 'endGroup'
>;

/** A failure the user can act on: what failed, what we saw, how to fix it. */
/** A failed pod's evidence: its log tail and events, each line through the one redaction
 * (src/redact.ts), as deploy, previews and verify show them. */
export function podEvidence(pod: string | undefined, log: string, events: string[]): string[] {
  const lines = redactSecrets(log).trimEnd();
  return [
    ...(pod && lines.trim()
      ? [`Log of ${pod} (last lines):`, ...lines.split('\n').map((l) => `  ${l}`)]
      : []),
    ...(events.length ? ['Events:', ...events.map((e) => `  ${redactSecrets(e)}`)] : []),
  ];
}

export class ActionFailure extends Error {
  constructor(
    readonly title: string,
    message: string,
    readonly evidence: string[] = [],
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'ActionFailure';
  }
}

export interface PhaseResult {
  name: string; // "Initial refresh", "Rollout"
  status: 'succeeded' | 'failed' | 'skipped';
  detail: string;
  /** Wall time of the phase, for the phases the run waits on (apply, refresh, rollout). */
  durationMs?: number;
}

export interface RunReport {
  mode: string;
  namespace: string;
  image?: string;
  tenantId: string;
  clientId: string;
  issuerUrl?: string;
  jobName?: string;
  pullSecretExpiresAt?: string;
  manifestsPath?: string;
  applied: AppliedObject[];
  warnings: string[];
  phases: PhaseResult[];
  checks: CheckResult[];
  /** Kubernetes API requests the checks made (they read each object once, in parallel). */
  checkApiRequests?: number;
  /** A preview deploy: how to reach it (src/preview.ts). */
  preview?: { url: string; instructions: string };
  /** `mode: sweep`: each preview with the reason it was removed or kept. */
  sweep?: {
    dryRun: boolean;
    removed: { namespace: string; pr: number; reason: string }[];
    kept: { namespace: string; pr: number; reason: string }[];
  };
  /** Calls repeated by the retry policy (src/retry.ts), by service. */
  retries?: Partial<Record<Service, number>>;
  failure?: ActionFailure;
  /** The identity chain walked from the runner (src/preflight.ts). */
  preflight?: PreflightResult;
  /** The image's manifest digest the preflight read; with `pin-digest` also in `image`. */
  imageDigest?: string;
  /** The image by tag, when `pin-digest` replaced `image` with the digest. */
  imageTag?: string;
}

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

/** Run a phase inside a log group, so each phase folds in the job log. */
export async function group<T>(core: Core, name: string, body: () => Promise<T>): Promise<T> {
  core.startGroup(name);
  try {
    return await body();
  } finally {
    core.endGroup();
  }
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
