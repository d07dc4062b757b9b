// The refresher's Jobs: how one ended, which of them needs explaining, and which pod and container
// hold the log that explains it. Used by the snapshot reader (to fetch that log) and by the judges.

import type { V1ContainerStatus, V1Job, V1Pod } from '@kubernetes/client-node';
import { jobOutcome, type JobOutcome } from '../cluster/status.js';
import { time, toDate } from './time.js';

export const newestFirst = <T extends { metadata?: { creationTimestamp?: Date } }>(items: T[]): T[] =>
  [...items].sort((a, b) => time(b.metadata?.creationTimestamp) - time(a.metadata?.creationTimestamp));

export function podsOfJob(pods: V1Pod[], jobName: string): V1Pod[] {
  return pods.filter((pod) => {
    const labels = pod.metadata?.labels ?? {};
    return labels['job-name'] === jobName || labels['batch.kubernetes.io/job-name'] === jobName;
  });
}

/**
 * A Job's outcome for the judges: its conditions, and its succeeded pods. A one-completion Job
 * whose pod Succeeded is complete before the controller says so (status.ts), as right after a
 * deploy; its failed pods are left out, because a Job retrying after one is the judges' to weigh.
 */
export function outcomeOf(job: V1Job, pods: V1Pod[]): JobOutcome {
  const succeeded = podsOfJob(pods, job.metadata?.name ?? '').filter((p) => p.status?.phase === 'Succeeded');
  return jobOutcome(job, succeeded);
}

/** When a complete Job finished: its completionTime, else its succeeded pod's container exit. */
export function completedAt(job: V1Job, pods: V1Pod[]): Date | undefined {
  if (job.status?.completionTime) return toDate(job.status.completionTime);
  const finished = podsOfJob(pods, job.metadata?.name ?? '')
    .filter((p) => p.status?.phase === 'Succeeded')
    .flatMap((p) => (p.status?.containerStatuses ?? []).map((c) => toDate(c.state?.terminated?.finishedAt)))
    .filter((d): d is Date => d !== undefined);
  return finished.sort((a, b) => b.getTime() - a.getTime())[0];
}

export interface RefresherLogTarget {
  jobName: string;
  podName?: string;
  container?: string;
}

/**
 * The Job whose log explains the current state: the newest Job that failed (or is failing) with no
 * later success. Its newest failed pod, and the container that failed (an init container first).
 */
export function pickRefresherLogTarget(jobs: V1Job[], pods: V1Pod[]): RefresherLogTarget | undefined {
  for (const job of newestFirst(jobs)) {
    const outcome = outcomeOf(job, pods).status;
    if (outcome === 'complete') return undefined;
    if (outcome === 'running' && !(job.status?.failed && job.status.failed > 0)) continue;
    const jobName = job.metadata?.name ?? '';
    const candidates = newestFirst(podsOfJob(pods, jobName));
    const pod = candidates.find((candidate) => candidate.status?.phase === 'Failed') ?? candidates[0];
    return { jobName, podName: pod?.metadata?.name, container: pod ? failedContainer(pod) : undefined };
  }
  return undefined;
}

function failedContainer(pod: V1Pod): string | undefined {
  const failed = (statuses: V1ContainerStatus[] | undefined) =>
    (statuses ?? []).find(
      (status) =>
        (status.state?.terminated?.exitCode ?? 0) !== 0 ||
        (status.lastState?.terminated?.exitCode ?? 0) !== 0 ||
        status.state?.waiting?.reason === 'CrashLoopBackOff',
    )?.name;
  return (
    failed(pod.status?.initContainerStatuses) ??
    failed(pod.status?.containerStatuses) ??
    pod.spec?.containers[0]?.name
  );
}
