// One status model, computed from the objects alone, in the style of kstatus
// (kubernetes-sigs/cli-utils, pkg/kstatus/status): a Deployment's rollout, a Job's outcome, a
// pod's stuck containers. The deploy watches (cluster/client.ts) and the verify judges (checks/)
// both call these, so deploy and verify agree by construction (docs/SEED-REVIEW.md).
// Pure functions: no I/O, no clock.
import type { CoreV1Event, V1Deployment, V1Job, V1Pod } from '@kubernetes/client-node';

/** Waiting reasons that mean "fix something", not "wait longer". */
export const STUCK_WAITING_REASONS: ReadonlySet<string> = new Set([
  'ImagePullBackOff',
  'ErrImagePull',
  'InvalidImageName',
  'ErrImageNeverPull',
  'CreateContainerConfigError',
  'CreateContainerError',
  'CrashLoopBackOff',
]);

/** A container waiting for a reason that will not resolve by waiting. */
export interface StuckContainer {
  pod: string;
  container: string;
  reason: string; // ImagePullBackOff, CreateContainerConfigError, …
  message: string;
  /** The previous run's exit, e.g. "last exit 1 Error" (CrashLoopBackOff). */
  lastExit?: string;
}

/** Every stuck container of the pod, init containers first. */
export function stuckContainers(pod: V1Pod): StuckContainer[] {
  const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  const stuck: StuckContainer[] = [];
  for (const status of statuses) {
    const waiting = status.state?.waiting;
    if (!waiting?.reason || !STUCK_WAITING_REASONS.has(waiting.reason)) continue;
    const last = status.lastState?.terminated;
    stuck.push({
      pod: pod.metadata?.name ?? '',
      container: status.name,
      reason: waiting.reason,
      message: waiting.message ?? '',
      ...(last ? { lastExit: `last exit ${last.exitCode}${last.reason ? ` ${last.reason}` : ''}` } : {}),
    });
  }
  return stuck;
}

/** When an event last happened (ms since the epoch; 0 when it carries no time). */
export function eventTime(event: CoreV1Event): number {
  const at =
    event.lastTimestamp ?? event.eventTime ?? event.firstTimestamp ?? event.metadata?.creationTimestamp;
  const ms = at ? new Date(at).getTime() : 0;
  return Number.isFinite(ms) ? ms : 0;
}

/** Waiting reasons of an image pull that failed or is backing off. */
export const PULL_WAITING_REASONS: ReadonlySet<string> = new Set(['ErrImagePull', 'ImagePullBackOff']);

/** When the kubelet last failed to pull an image for this pod (its newest `Failed` pull event),
 * in ms since the epoch; undefined when no such event exists. Event times have second precision. */
export function lastPullFailure(events: readonly CoreV1Event[]): number | undefined {
  let newest: number | undefined;
  for (const event of events) {
    if (event.reason !== 'Failed' || !event.message?.startsWith('Failed to pull image')) continue;
    const at = eventTime(event);
    if (at > 0 && (newest === undefined || at > newest)) newest = at;
  }
  return newest;
}

/**
 * Whether a pull error says nothing about the pull secret as it is now: the kubelet's last failed
 * pull happened no later than `refreshedAt` (the second it falls in included, as event times are
 * whole seconds), so it used the secret from before the refresh. The kubelet retries such a pull
 * with back-off (10 s doubling to 5 min) and reads the secret again each time; the rollout waits
 * for that retry instead of reporting the old failure. A pull error with no event is not stale.
 */
export function stalePullError(
  stuck: StuckContainer,
  events: readonly CoreV1Event[],
  refreshedAt: Date | undefined,
): boolean {
  if (!refreshedAt || !PULL_WAITING_REASONS.has(stuck.reason)) return false;
  const failed = lastPullFailure(events);
  return failed !== undefined && failed <= Math.floor(refreshedAt.getTime() / 1000) * 1000 + 999;
}

/** The first stuck container (init containers first), if any. */
export function stuckContainer(pod: V1Pod): StuckContainer | undefined {
  return stuckContainers(pod)[0];
}

/** "not scheduled: <reason> <message>" when the scheduler could not place the pod. */
export function unschedulable(pod: V1Pod): string | undefined {
  const condition = pod.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False');
  return condition ? `${condition.reason ?? ''} ${condition.message ?? ''}`.trim() : undefined;
}

/** `pod <name>: container <c> exited with code N: <message>` for a Failed pod, else undefined. */
export function podFailure(pod: V1Pod): string | undefined {
  if (pod.status?.phase !== 'Failed') return undefined;
  const status = pod.status.containerStatuses?.find(
    (s) => s.state?.terminated && s.state.terminated.exitCode !== 0,
  );
  const terminated = status?.state?.terminated;
  if (!status || !terminated)
    return `pod ${pod.metadata?.name} failed${pod.status.message ? `: ${pod.status.message}` : ''}`;
  return `pod ${pod.metadata?.name}: container ${status.name} exited with code ${terminated.exitCode}${terminated.message ? `: ${terminated.message}` : ''}`;
}

export type JobOutcome =
  | { status: 'running' }
  | { status: 'complete' }
  | { status: 'failed'; reason: string; message: string }
  | { status: 'stuck'; stuck: StuckContainer };

function trueCondition(job: V1Job, type: string) {
  return job.status?.conditions?.find((c) => c.type === type && c.status === 'True');
}

/**
 * How a Job ended, or that it is still running. Complete and Failed decide; FailureTarget
 * (Kubernetes ≥ 1.31, pods still terminating) already means Failed. With the Job's pods given, a
 * stuck container or a failed pod ends it too: the Job's retries back off 10 s, 20 s, … and a
 * refresher failure is almost always configuration, not chance.
 *
 * A Job of one completion whose pod Succeeded is complete as well: its container exited 0, which
 * is all a refresh Job has to do, and nothing can undo it. The Complete condition itself comes at
 * least one Job controller batch later (SyncJobBatchPeriod, 1 s, in kubernetes
 * pkg/controller/job: every pod update waits that long), so waiting for it cost every first
 * deploy a second or more.
 */
export function jobOutcome(job: V1Job | undefined, pods: V1Pod[] = []): JobOutcome {
  if (job && trueCondition(job, 'Complete')) return { status: 'complete' };
  const failed = job && (trueCondition(job, 'Failed') ?? trueCondition(job, 'FailureTarget'));
  if (failed) return { status: 'failed', reason: failed.reason ?? 'Failed', message: failed.message ?? '' };
  const oneCompletion = job && (job.spec?.completions ?? 1) === 1;
  if (oneCompletion && pods.some((pod) => pod.status?.phase === 'Succeeded')) return { status: 'complete' };
  for (const pod of pods) {
    if (pod.metadata?.deletionTimestamp) continue;
    const stuck = stuckContainer(pod);
    if (stuck) return { status: 'stuck', stuck };
    const podFailed = podFailure(pod);
    if (podFailed) return { status: 'failed', reason: 'PodFailed', message: podFailed };
  }
  return { status: 'running' };
}

export type RolloutStatus =
  /** The current generation is rolled out: every replica updated and available, old pods gone. */
  | { status: 'current'; message: string }
  /** Still rolling out; `available` tells whether the Deployment serves meanwhile. */
  | { status: 'in-progress'; available: boolean; message: string }
  /** ProgressDeadlineExceeded: waiting longer will not help. */
  | { status: 'failed'; reason: string; message: string };

/**
 * A Deployment's rollout as kstatus judges it (and `kubectl rollout status`): the controller has
 * seen the current generation, spec.replicas (default 1) are all present, updated, ready and
 * available, no old pod is left, and the Available condition is True.
 */
export function rolloutStatus(deployment: V1Deployment): RolloutStatus {
  const status = deployment.status ?? {};
  const condition = (type: string) => status.conditions?.find((c) => c.type === type);
  const available = condition('Available')?.status === 'True';
  const inProgress = (message: string): RolloutStatus => ({ status: 'in-progress', available, message });

  const generation = deployment.metadata?.generation ?? 0;
  if ((status.observedGeneration ?? 0) < generation)
    return inProgress(
      `generation ${generation} not yet observed (observed ${status.observedGeneration ?? 0})`,
    );
  const progressing = condition('Progressing');
  if (progressing?.status === 'False' && progressing.reason === 'ProgressDeadlineExceeded')
    return { status: 'failed', reason: progressing.reason, message: progressing.message ?? '' };

  const desired = deployment.spec?.replicas ?? 1;
  const replicas = status.replicas ?? 0;
  const updated = status.updatedReplicas ?? 0;
  const ready = status.readyReplicas ?? 0;
  const availableReplicas = status.availableReplicas ?? 0;
  if (desired > replicas) return inProgress(`replicas ${replicas}/${desired}`);
  if (desired > updated) return inProgress(`updated ${updated}/${desired}`);
  if (replicas > desired) return inProgress(`pending termination: ${replicas - desired} old pod(s)`);
  if (updated > availableReplicas) return inProgress(`available ${availableReplicas}/${updated}`);
  if (desired > ready) return inProgress(`ready ${ready}/${desired}`);
  if (!available) return inProgress('Deployment not Available');
  return { status: 'current', message: `${availableReplicas} replica(s) available` };
}
