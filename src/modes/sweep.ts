// mode: sweep — removes the previews of this repository whose pull request is closed (or older
// than `max-age`), after asking GitHub about every one of them first. The decision is pure
// (decideSweep); removal goes through the same steps as a teardown.
import { GitHubAuthError, gitHubClient, type PullState } from '../github/client.js';
import { PREVIEW_ANNOTATIONS, PREVIEW_LABELS, PULL_SECRET_FROM_LABEL } from '../manifests/names.js';
import { repositoryPreviewsSelector } from '../manifests/preview.js';
import { ActionFailure } from '../report/failure.js';
import { group } from '../report/report.js';
import type { RunContext } from './context.js';
import { connect } from './steps/connect.js';
import { PreviewLock, runKey } from './steps/preview-lock.js';
import { removePreview } from './steps/remove-preview.js';

const SWEEP_CONCURRENCY = 5;

export async function run(run: RunContext): Promise<void> {
  const { core, settings, report, now } = run;
  const options = settings.sweep!;
  core.setSecret(options.token);
  report.namespace = settings.names.namespace;
  const { kube } = await connect(run);
  const list = await kube.core.listNamespace({
    labelSelector: repositoryPreviewsSelector(options.repository),
  });
  const found: (PreviewFound & { productionNamespace: string })[] = list.items
    .filter((ns) => ns.metadata?.annotations?.[PREVIEW_ANNOTATIONS.repository] === options.repository)
    .map((ns) => ({
      namespace: ns.metadata!.name!,
      pr: Number(ns.metadata?.labels?.[PREVIEW_LABELS.pr]),
      deployedAt:
        ns.metadata?.annotations?.[PREVIEW_ANNOTATIONS.deployedAt] ||
        new Date(ns.metadata?.creationTimestamp ?? 0).toISOString(),
      productionNamespace: ns.metadata?.labels?.[PULL_SECRET_FROM_LABEL] ?? settings.names.namespace,
    }));
  core.info(`${found.length} preview(s) of ${options.repository} on the cluster`);

  // Ask GitHub about every pull request first: a refused token stops the sweep before any removal.
  const github = gitHubClient(options);
  const states = new Map<number, PullState>();
  try {
    for (const pr of new Set(found.map((p) => p.pr))) states.set(pr, await github.pullState(pr));
  } catch (error) {
    if (!(error instanceof GitHubAuthError)) throw error;
    throw new ActionFailure(
      error.kind === 'rate-limited' ? 'GitHub API rate limit' : 'GitHub API refused the token',
      `${error.message}. Nothing was removed.`,
      [],
      error.kind === 'rate-limited'
        ? 'Run the sweep less often or at an offset minute, or wait for the reset time above.'
        : 'Pass the workflow token (`github-token: ${{ github.token }}`) and give the job `permissions: pull-requests: read`.',
    );
  }
  const decision = decideSweep(found, states, now(), options.maxAgeSeconds);
  report.sweep = { dryRun: options.dryRun, removed: decision.removed, kept: decision.kept };
  for (const r of decision.removed)
    core.info(`${options.dryRun ? 'would remove' : 'remove'} #${r.pr} ${r.namespace}: ${r.reason}`);
  for (const k of decision.kept) core.info(`keep #${k.pr} ${k.namespace}: ${k.reason}`);
  if (!options.dryRun) {
    const queue = decision.removed.map((r) => found.find((f) => f.namespace === r.namespace)!);
    const worker = async () => {
      for (let next = queue.shift(); next; next = queue.shift()) {
        const preview = { ...next, repository: options.repository, commit: '' };
        await removePreview(kube, preview, run.deadlineAt, core);
        await new PreviewLock(kube, preview, runKey(settings, preview), core).remove();
      }
    };
    await group(core, 'Remove previews', () =>
      Promise.all(Array.from({ length: SWEEP_CONCURRENCY }, worker)).then(() => undefined),
    );
  }
  report.phases.push({
    name: 'Sweep',
    status: 'succeeded',
    detail: `${decision.removed.length} ${options.dryRun ? 'would be removed' : 'removed'}, ${decision.kept.length} kept; ${github.requests} GitHub request(s)`,
  });
}

// ---- The decision, pure: `now` and the states are given ----------------------------------

export interface PreviewFound {
  namespace: string;
  pr: number;
  deployedAt: string; // RFC 3339
}

export interface SweepDecision {
  namespace: string;
  pr: number;
  reason: string;
}

/** Which previews the sweep removes, each with its reason. Pure: `now` and the states are given. */
export function decideSweep(
  found: PreviewFound[],
  states: Map<number, PullState>,
  now: Date,
  maxAgeSeconds: number | undefined,
): { removed: SweepDecision[]; kept: SweepDecision[] } {
  const removed: SweepDecision[] = [];
  const kept: SweepDecision[] = [];
  for (const preview of found) {
    const state = states.get(preview.pr) ?? { state: 'unknown', detail: 'not asked' };
    const ageSeconds = Math.max(0, (now.getTime() - Date.parse(preview.deployedAt)) / 1000);
    const base = { namespace: preview.namespace, pr: preview.pr };
    if (state.state === 'closed') {
      removed.push({
        ...base,
        reason: `pull request #${preview.pr} is ${state.merged ? 'merged' : 'closed'}${state.closedAt ? ` (${state.closedAt})` : ''}`,
      });
    } else if (maxAgeSeconds !== undefined && Number.isFinite(ageSeconds) && ageSeconds > maxAgeSeconds) {
      removed.push({
        ...base,
        reason: `last deployed ${preview.deployedAt}, ${formatAge(ageSeconds)} ago, more than max-age ${formatAge(maxAgeSeconds)}`,
      });
    } else {
      kept.push({
        ...base,
        reason:
          state.state === 'open'
            ? `pull request #${preview.pr} is open; last deployed ${formatAge(ageSeconds)} ago`
            : `${state.detail}; last deployed ${formatAge(ageSeconds)} ago`,
      });
    }
  }
  return { removed, kept };
}

export function formatAge(seconds: number): string {
  const s = Math.round(seconds);
  if (s >= 86400) return `${Math.floor(s / 86400)}d${Math.floor((s % 86400) / 3600)}h`;
  if (s >= 3600) return `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m${s % 60}s`;
  return `${s}s`;
}
