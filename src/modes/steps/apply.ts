// Server-side apply of rendered objects as a step: one log group, a line per object, a phase.
import type { KubernetesObject } from '@kubernetes/client-node';
import type { KubeClient } from '../../cluster/client.js';
import { applySummary, group, logApplied, type AppliedObject } from '../../report/report.js';
import type { RunContext } from '../context.js';

/** Applies `objects` in a log group named `title`, records them and an `Apply` phase. Objects the
 * preflight applied already (a first deploy's Namespace and ServiceAccount) keep its action. */
export async function applyStep(
  { core, settings, report }: RunContext,
  kube: KubeClient,
  objects: KubernetesObject[],
  title = 'Apply manifests',
): Promise<KubernetesObject[]> {
  const earlier = report.applied;
  const started = Date.now();
  const { applied, live } = await group(core, title, async () => {
    const result = await kube.applyAll(objects, settings.control.forceConflicts);
    result.applied = result.applied.map(
      (a) => earlier.find((p) => p.kind === a.kind && p.name === a.name) ?? a,
    );
    logApplied(core, result.applied);
    return result;
  });
  report.applied = applied;
  report.phases.push({
    name: 'Apply',
    status: 'succeeded',
    detail: applySummary(applied),
    durationMs: Date.now() - started,
  });
  return live;
}

/** Applies objects held back until after the pull secret exists (no phase of their own). */
export async function applyLater(
  { core, settings, report }: RunContext,
  kube: KubeClient,
  objects: KubernetesObject[],
  note: string,
): Promise<AppliedObject[]> {
  if (objects.length === 0) return [];
  const { applied } = await kube.applyAll(objects, settings.control.forceConflicts);
  logApplied(core, applied, note);
  report.applied.push(...applied);
  return applied;
}
