// The one status model (src/cluster/status.ts), judged on real objects captured from clusters
// (__fixtures__/k8s, listed in __fixtures__/SOURCES.md) and on Deployment states as the
// deployment controller writes them. Deploy's watches and verify's judges both call these.
import { describe, expect, it } from '@jest/globals';
import type { CoreV1Event, V1Deployment, V1Job, V1Pod } from '@kubernetes/client-node';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { repoRoot } from '../support/action.js';
import {
  jobOutcome,
  lastPullFailure,
  podFailure,
  rolloutStatus,
  stalePullError,
  STUCK_WAITING_REASONS,
  stuckContainer,
  stuckContainers,
  unschedulable,
} from '../../src/cluster/status.js';

function fixture<T>(name: string): T {
  return parse(readFileSync(path.join(repoRoot, '__fixtures__/k8s', name), 'utf8')) as T;
}
/** Fixtures that hold only `.status` (from `jq .status` or a fragment). */
const withStatus = <T>(name: string): T => ({ status: fixture<object>(name) }) as T;

describe('jobOutcome on captured Jobs', () => {
  it('complete: modern SuccessCriteriaMet + Complete, and the classic Complete', () => {
    expect(jobOutcome(fixture<V1Job>('job-complete-successcriteriamet.modern-k8s.yaml'))).toEqual({
      status: 'complete',
    });
    expect(jobOutcome(fixture<V1Job>('job-status-complete.k8s-80903.yaml'))).toEqual({ status: 'complete' });
  });

  it('failed: FailureTarget then Failed (k8s ≥ 1.31), and the classic Failed, with the reason', () => {
    for (const job of [
      fixture<V1Job>('job-failed-failuretarget-backofflimitexceeded.modern-k8s.yaml'),
      fixture<V1Job>('job-status-failed-backofflimitexceeded.k8s-92245.yaml'),
      withStatus<V1Job>('job-status-failed-backofflimitexceeded.k8s-93559.json'),
    ]) {
      expect(jobOutcome(job)).toEqual({
        status: 'failed',
        reason: 'BackoffLimitExceeded',
        message: 'Job has reached the specified backoff limit',
      });
    }
  });

  it('running: active Jobs without a final condition', () => {
    expect(jobOutcome(fixture<V1Job>('job-active-in-progress.modern-k8s.yaml'))).toEqual({
      status: 'running',
    });
    expect(jobOutcome(fixture<V1Job>('job-get-yaml-active.k8s-docs-job.yaml'))).toEqual({
      status: 'running',
    });
    expect(jobOutcome(undefined)).toEqual({ status: 'running' });
  });

  it('stuck: a running Job whose pod waits on ImagePullBackOff ends the wait', () => {
    const pod = {
      metadata: { name: 'refresh-abc' },
      ...withStatus<V1Pod>('pod-containerstatuses-imagepullbackoff.podman-desktop-7521.wrapped.json'),
    };
    const job = fixture<V1Job>('job-active-in-progress.modern-k8s.yaml');
    expect(jobOutcome(job, [pod])).toEqual({
      status: 'stuck',
      stuck: {
        pod: 'refresh-abc',
        container: 'helloworld',
        reason: 'ImagePullBackOff',
        message: 'Back-off pulling image "docker.io/cdrage/helloworldasdf"',
      },
    });
    // A final condition decides before the pods.
    expect(jobOutcome(fixture<V1Job>('job-status-complete.k8s-80903.yaml'), [pod]).status).toBe('complete');
  });

  it('complete: a one-completion Job whose pod Succeeded, before the controller adds Complete', () => {
    const active = fixture<V1Job>('job-active-in-progress.modern-k8s.yaml');
    const succeeded: V1Pod = { metadata: { name: 'refresh-abc' }, status: { phase: 'Succeeded' } };
    const running: V1Pod = { metadata: { name: 'refresh-abc' }, status: { phase: 'Running' } };
    const one: V1Job = { ...active, spec: { ...active.spec!, completions: 1 } };
    const unset: V1Job = { ...active, spec: { ...active.spec!, completions: undefined } };
    expect(jobOutcome(one, [succeeded])).toEqual({ status: 'complete' });
    expect(jobOutcome(unset, [succeeded])).toEqual({ status: 'complete' });
    expect(jobOutcome(one, [running])).toEqual({ status: 'running' });
    // Six completions (the fixture's own spec): one succeeded pod is not the end.
    expect(jobOutcome(active, [succeeded])).toEqual({ status: 'running' });
    // Without the Job seen yet, the pods alone do not decide success.
    expect(jobOutcome(undefined, [succeeded])).toEqual({ status: 'running' });
  });

  it('failed: the first failed pod ends the wait with its exit code', () => {
    const pod: V1Pod = {
      metadata: { name: 'refresh-abc' },
      status: {
        phase: 'Failed',
        containerStatuses: [
          {
            name: 'refresh',
            image: 'x',
            imageID: '',
            ready: false,
            restartCount: 0,
            state: { terminated: { exitCode: 3, message: 'STS 400 invalid_target' } },
          },
        ],
      },
    };
    expect(podFailure(pod)).toBe(
      'pod refresh-abc: container refresh exited with code 3: STS 400 invalid_target',
    );
    expect(jobOutcome(fixture<V1Job>('job-active-in-progress.modern-k8s.yaml'), [pod])).toEqual({
      status: 'failed',
      reason: 'PodFailed',
      message: 'pod refresh-abc: container refresh exited with code 3: STS 400 invalid_target',
    });
  });
});

describe('pods', () => {
  it('finds the stuck container of a captured pod, init containers first', () => {
    const pod = withStatus<V1Pod>('pod-containerstatuses-imagepullbackoff.podman-desktop-7521.wrapped.json');
    expect(stuckContainer(pod)?.reason).toBe('ImagePullBackOff');
    const init: V1Pod = {
      metadata: { name: 'p' },
      status: {
        ...pod.status,
        initContainerStatuses: [
          {
            name: 'init',
            image: 'x',
            imageID: '',
            ready: false,
            restartCount: 4,
            state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 40s' } },
            lastState: { terminated: { exitCode: 1, reason: 'Error' } },
          },
        ],
      },
    };
    expect(stuckContainers(init).map((s) => [s.container, s.reason, s.lastExit])).toEqual([
      ['init', 'CrashLoopBackOff', 'last exit 1 Error'],
      ['helloworld', 'ImagePullBackOff', undefined],
    ]);
  });

  it('does not call waiting for a normal start stuck', () => {
    const starting: V1Pod = {
      status: {
        containerStatuses: [
          {
            name: 'c',
            image: 'x',
            imageID: '',
            ready: false,
            restartCount: 0,
            state: { waiting: { reason: 'ContainerCreating' } },
          },
        ],
      },
    };
    expect(STUCK_WAITING_REASONS.has('ContainerCreating')).toBe(false);
    expect(stuckContainer(starting)).toBeUndefined();
  });

  it('reports an unschedulable pod with the scheduler’s words', () => {
    const pod: V1Pod = {
      status: {
        conditions: [
          {
            type: 'PodScheduled',
            status: 'False',
            reason: 'Unschedulable',
            message: '0/1 nodes are available: 1 Insufficient cpu.',
          },
        ],
      },
    };
    expect(unschedulable(pod)).toBe('Unschedulable 0/1 nodes are available: 1 Insufficient cpu.');
  });
});

/** A Deployment as the controller reports it; counts default to a finished rollout of 2. */
function deployment(status: V1Deployment['status'] = {}, generation = 2, replicas = 2): V1Deployment {
  return {
    metadata: { name: 'bifrost', generation },
    spec: { replicas, selector: { matchLabels: { app: 'bifrost' } }, template: {} },
    status: {
      observedGeneration: generation,
      replicas,
      updatedReplicas: replicas,
      readyReplicas: replicas,
      availableReplicas: replicas,
      conditions: [
        { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable' },
        { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable' },
      ],
      ...status,
    },
  };
}

describe('rolloutStatus (kstatus rules)', () => {
  it('current when the generation is observed and every replica is updated, ready and available', () => {
    expect(rolloutStatus(deployment())).toEqual({ status: 'current', message: '2 replica(s) available' });
  });

  it('in progress until the controller has seen the generation', () => {
    expect(rolloutStatus(deployment({ observedGeneration: 1 }))).toMatchObject({
      status: 'in-progress',
      available: true,
    });
  });

  it('in progress while an old pod still serves (the new one may be stuck): available, not current', () => {
    expect(rolloutStatus(deployment({ replicas: 3, updatedReplicas: 2, availableReplicas: 3 }))).toEqual({
      status: 'in-progress',
      available: true,
      message: 'pending termination: 1 old pod(s)',
    });
    expect(rolloutStatus(deployment({ updatedReplicas: 1 }))).toMatchObject({ message: 'updated 1/2' });
    expect(rolloutStatus(deployment({ availableReplicas: 1 }))).toMatchObject({ message: 'available 1/2' });
    expect(rolloutStatus(deployment({ readyReplicas: 1 }))).toMatchObject({ message: 'ready 1/2' });
  });

  it('not available when the Available condition is False', () => {
    const result = rolloutStatus(
      deployment({
        availableReplicas: 0,
        readyReplicas: 0,
        conditions: [{ type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable' }],
      }),
    );
    expect(result).toMatchObject({ status: 'in-progress', available: false });
  });

  it('failed on ProgressDeadlineExceeded of the observed generation only', () => {
    const exceeded = {
      conditions: [
        { type: 'Available', status: 'False' },
        {
          type: 'Progressing',
          status: 'False',
          reason: 'ProgressDeadlineExceeded',
          message: 'ReplicaSet "bifrost-7d9f" has timed out progressing.',
        },
      ],
    };
    expect(rolloutStatus(deployment(exceeded))).toEqual({
      status: 'failed',
      reason: 'ProgressDeadlineExceeded',
      message: 'ReplicaSet "bifrost-7d9f" has timed out progressing.',
    });
    expect(rolloutStatus(deployment({ ...exceeded, observedGeneration: 1 })).status).toBe('in-progress');
  });

  it('spec.replicas defaults to 1, and 0 replicas is current once the pods are gone', () => {
    const one = deployment({ replicas: 1, updatedReplicas: 1, readyReplicas: 1, availableReplicas: 1 });
    delete one.spec!.replicas;
    expect(rolloutStatus(one).status).toBe('current');
    expect(
      rolloutStatus(
        deployment({ replicas: 0, updatedReplicas: 0, readyReplicas: 0, availableReplicas: 0 }, 2, 0),
      ).status,
    ).toBe('current');
  });
});

describe('pull errors older than the refresh (stalePullError)', () => {
  // Events as the kubelet writes them: `Failed` with "Failed to pull image …", counted up on each
  // retry with a new lastTimestamp (whole seconds); `BackOff` between retries.
  const event = (reason: string, message: string, lastTimestamp: string): CoreV1Event =>
    ({ reason, message, lastTimestamp: new Date(lastTimestamp), involvedObject: {} }) as CoreV1Event;
  const failedPull = (at: string) => event('Failed', 'Failed to pull image "x": 403 Forbidden', at);
  const stuck = (reason: string) => ({ pod: 'p', container: 'bifrost', reason, message: '' });
  const refreshedAt = new Date('2026-12-07T10:00:05.400Z');

  it('finds the newest failed pull, ignoring back-off and other events', () => {
    const events = [
      failedPull('2026-12-07T10:00:01Z'),
      event('BackOff', 'Back-off pulling image "x"', '2026-12-07T10:00:09Z'),
      failedPull('2026-12-07T10:00:03Z'),
      event('Failed', 'Error: ErrImagePull', '2026-12-07T10:00:08Z'),
    ];
    expect(lastPullFailure(events)).toBe(Date.parse('2026-12-07T10:00:03Z'));
    expect(lastPullFailure([])).toBeUndefined();
  });

  it('a pull that last failed before the refresh, or in its second, is stale', () => {
    expect(stalePullError(stuck('ImagePullBackOff'), [failedPull('2026-12-07T10:00:02Z')], refreshedAt)).toBe(
      true,
    );
    expect(stalePullError(stuck('ErrImagePull'), [failedPull('2026-12-07T10:00:05Z')], refreshedAt)).toBe(
      true,
    );
  });

  it('a pull that failed after the refresh is final, as is one with no event or no refresh', () => {
    expect(stalePullError(stuck('ErrImagePull'), [failedPull('2026-12-07T10:00:06Z')], refreshedAt)).toBe(
      false,
    );
    expect(stalePullError(stuck('ErrImagePull'), [], refreshedAt)).toBe(false);
    expect(stalePullError(stuck('ErrImagePull'), [failedPull('2026-12-07T10:00:02Z')], undefined)).toBe(
      false,
    );
  });

  it('other stuck reasons are never stale', () => {
    expect(stalePullError(stuck('CrashLoopBackOff'), [failedPull('2026-12-07T10:00:02Z')], refreshedAt)).toBe(
      false,
    );
  });
});
