// The Kubernetes client: server-side apply, a Job made from the CronJob, watching it and the
// rollout to an outcome, and the evidence (pod log tail, events) a failure report needs.
// Everything goes through @kubernetes/client-node against whatever API server the KubeConfig
// names; tests use a real one (scripts/cluster.sh).
import type {
  CoreV1Event,
  KubeConfig,
  KubernetesObject,
  V1Deployment,
  V1Job,
  V1Pod,
  V1ReplicaSet,
} from '@kubernetes/client-node';
import {
  AppsV1Api,
  BatchV1Api,
  CoreV1Api,
  KubernetesObjectApi,
  PatchStrategy,
  Watch,
} from '@kubernetes/client-node';

export type ApplyAction = 'created' | 'configured' | 'unchanged';

export interface AppliedObject {
  kind: string;
  name: string;
  namespace?: string;
  action: ApplyAction;
}

/** An API call that failed, with what we were doing and what the server said. */
export class KubeError extends Error {
  constructor(
    readonly operation: string,
    readonly status: number | undefined,
    readonly reason: string | undefined,
    readonly serverMessage: string,
  ) {
    super(`${operation}: ${status ? `HTTP ${status} ` : ''}${reason ? `${reason}: ` : ''}${serverMessage}`);
    this.name = 'KubeError';
  }
}

export interface FieldConflict {
  field: string;
  manager: string;
  message: string;
}

/** Server-side apply refused because another field manager owns some of our fields. */
export class ApplyConflictError extends Error {
  constructor(
    readonly object: string,
    readonly conflicts: FieldConflict[],
  ) {
    super(
      `Apply of ${object} conflicts with another field manager: ` +
        conflicts.map((c) => `${c.field} (owned by "${c.manager}")`).join(', '),
    );
    this.name = 'ApplyConflictError';
  }
}

/** A pod stuck in a state that will not resolve by waiting. */
export interface StuckPod {
  pod: string;
  container: string;
  reason: string; // ImagePullBackOff, CreateContainerConfigError, …
  message: string;
}

export type JobOutcome =
  | { status: 'complete'; job: V1Job }
  | { status: 'failed'; job: V1Job | undefined; reason: string; message: string }
  | { status: 'stuck'; job: V1Job | undefined; stuck: StuckPod };

export type RolloutOutcome =
  | { status: 'available'; deployment: V1Deployment }
  | { status: 'failed'; deployment: V1Deployment; reason: string; message: string }
  | { status: 'stuck'; deployment: V1Deployment | undefined; stuck: StuckPod };

/** Waiting reasons that mean "fix something", not "wait longer": the rollout watch stops on
 * them and the pods-healthy check fails on them, so deploy and verify agree. */
export const STUCK_WAITING_REASONS = new Set([
  'ImagePullBackOff',
  'ErrImagePull',
  'InvalidImageName',
  'ErrImageNeverPull',
  'CreateContainerConfigError',
  'CreateContainerError',
  'CrashLoopBackOff',
]);

export class KubeClient {
  readonly core: CoreV1Api;
  readonly apps: AppsV1Api;
  readonly batch: BatchV1Api;
  private readonly objects: KubernetesObjectApi;

  constructor(
    readonly kubeConfig: KubeConfig,
    private readonly fieldManager: string,
  ) {
    this.core = kubeConfig.makeApiClient(CoreV1Api);
    this.apps = kubeConfig.makeApiClient(AppsV1Api);
    this.batch = kubeConfig.makeApiClient(BatchV1Api);
    this.objects = KubernetesObjectApi.makeApiClient(kubeConfig);
  }

  /** Server-side apply each object in order with our one field manager. The action is judged
   * by resourceVersion: unchanged when the server had nothing to change. */
  async applyAll(objects: KubernetesObject[], force: boolean): Promise<AppliedObject[]> {
    const applied: AppliedObject[] = [];
    for (const object of objects) applied.push(await this.apply(object, force));
    return applied;
  }

  async apply(object: KubernetesObject, force: boolean): Promise<AppliedObject> {
    const { kind = '', metadata = {} } = object;
    const label = describe(object);
    const before = await this.readOrUndefined(object);
    let after: KubernetesObject;
    try {
      after = await this.objects.patch(
        object,
        undefined,
        undefined,
        this.fieldManager,
        force,
        PatchStrategy.ServerSideApply,
      );
    } catch (error) {
      const conflicts = fieldConflicts(error);
      if (conflicts.length > 0) throw new ApplyConflictError(label, conflicts);
      throw wrap(`apply ${label}`, error);
    }
    const action: ApplyAction = !before
      ? 'created'
      : before.metadata?.resourceVersion === after.metadata?.resourceVersion
        ? 'unchanged'
        : 'configured';
    return { kind, name: metadata.name ?? '', namespace: metadata.namespace, action };
  }

  private async readOrUndefined(object: KubernetesObject): Promise<KubernetesObject | undefined> {
    try {
      return await this.objects.read({
        apiVersion: object.apiVersion,
        kind: object.kind,
        metadata: { name: object.metadata?.name ?? '', namespace: object.metadata?.namespace },
      });
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw wrap(`read ${describe(object)}`, error);
    }
  }

  /** True when the Secret exists. Its data is dropped unread. */
  async secretExists(namespace: string, name: string): Promise<boolean> {
    try {
      await this.core.readNamespacedSecret({ name, namespace });
      return true;
    } catch (error) {
      if (statusOf(error) === 404) return false;
      throw wrap(`read Secret ${namespace}/${name}`, error);
    }
  }

  /** What `kubectl create job --from=cronjob/<cronJob> <jobName>` does, over the API. */
  async createJobFromCronJob(namespace: string, cronJobName: string, jobName: string): Promise<V1Job> {
    let cronJob;
    try {
      cronJob = await this.batch.readNamespacedCronJob({ name: cronJobName, namespace });
    } catch (error) {
      throw wrap(`read CronJob ${namespace}/${cronJobName}`, error);
    }
    const template = cronJob.spec?.jobTemplate;
    const body: V1Job = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: {
        name: jobName,
        namespace,
        annotations: { 'cronjob.kubernetes.io/instantiate': 'manual', ...template?.metadata?.annotations },
        labels: template?.metadata?.labels,
        ownerReferences: [
          {
            apiVersion: 'batch/v1',
            kind: 'CronJob',
            name: cronJobName,
            uid: cronJob.metadata?.uid ?? '',
            controller: true,
          },
        ],
      },
      spec: template?.spec,
    };
    try {
      return await this.batch.createNamespacedJob({ namespace, body, fieldManager: this.fieldManager });
    } catch (error) {
      throw wrap(`create Job ${namespace}/${jobName} from CronJob ${cronJobName}`, error);
    }
  }

  /** Watch the Job (and its pods) until it completes, fails, or a pod is stuck. */
  async waitForJob(namespace: string, jobName: string, signal: AbortSignal): Promise<JobOutcome> {
    let job: V1Job | undefined;
    return watchUntil<JobOutcome>(
      this.kubeConfig,
      [
        {
          path: `/apis/batch/v1/namespaces/${namespace}/jobs`,
          query: { fieldSelector: `metadata.name=${jobName}` },
          onEvent: (_type, object: V1Job) => {
            job = object;
            const conditions = object.status?.conditions ?? [];
            const isTrue = (type: string) => conditions.find((c) => c.type === type && c.status === 'True');
            if (isTrue('Complete')) return { status: 'complete', job: object };
            // FailureTarget comes first (pods still terminating); Failed follows. Either is final.
            const failed = isTrue('Failed') ?? isTrue('FailureTarget');
            if (failed) {
              return {
                status: 'failed',
                job: object,
                reason: failed.reason ?? 'Failed',
                message: failed.message ?? '',
              };
            }
            return undefined;
          },
        },
        {
          path: `/api/v1/namespaces/${namespace}/pods`,
          query: { labelSelector: `job-name=${jobName}` },
          onEvent: (type, pod: V1Pod) => {
            if (type === 'DELETED') return undefined;
            const stuck = stuckContainer(pod);
            if (stuck) return { status: 'stuck', job, stuck };
            // The first failed attempt ends the wait: the Job's retries back off 10 s, 20 s, …
            // and a refresher failure is almost always configuration, not chance.
            const failed = pod.status?.phase === 'Failed' ? terminatedContainer(pod) : undefined;
            return failed ? { status: 'failed', job, reason: 'PodFailed', message: failed } : undefined;
          },
        },
      ],
      signal,
    );
  }

  /** Watch the Deployment until its current generation is Available with every replica updated,
   * stopping early when a pod of the new ReplicaSet is stuck or progress is exceeded. */
  async waitForRollout(namespace: string, name: string, signal: AbortSignal): Promise<RolloutOutcome> {
    let deployment: V1Deployment | undefined;
    let currentHash: string | undefined;
    const pods = new Map<string, V1Pod>();
    const stuckInCurrentReplicaSet = (): RolloutOutcome | undefined => {
      if (!currentHash) return undefined;
      for (const pod of pods.values()) {
        if (pod.metadata?.labels?.['pod-template-hash'] !== currentHash || pod.metadata?.deletionTimestamp)
          continue;
        const stuck = stuckContainer(pod);
        if (stuck) return { status: 'stuck', deployment, stuck };
      }
      return undefined;
    };
    const selector = await this.deploymentSelector(namespace, name);
    return watchUntil<RolloutOutcome>(
      this.kubeConfig,
      [
        {
          path: `/apis/apps/v1/namespaces/${namespace}/deployments`,
          query: { fieldSelector: `metadata.name=${name}` },
          onEvent: async (_type, object: V1Deployment) => {
            deployment = object;
            const observed = (object.status?.observedGeneration ?? 0) >= (object.metadata?.generation ?? 1);
            if (!observed) return undefined;
            const progressing = object.status?.conditions?.find((c) => c.type === 'Progressing');
            if (progressing?.status === 'False' && progressing.reason === 'ProgressDeadlineExceeded') {
              return {
                status: 'failed',
                deployment: object,
                reason: progressing.reason,
                message: progressing.message ?? '',
              };
            }
            if (rolloutComplete(object)) return { status: 'available', deployment: object };
            currentHash = await this.currentPodTemplateHash(namespace, object);
            return stuckInCurrentReplicaSet();
          },
        },
        {
          path: `/api/v1/namespaces/${namespace}/pods`,
          query: { labelSelector: selector },
          onEvent: (type, pod: V1Pod) => {
            const podName = pod.metadata?.name ?? '';
            if (type === 'DELETED') pods.delete(podName);
            else pods.set(podName, pod);
            return stuckInCurrentReplicaSet();
          },
        },
      ],
      signal,
    );
  }

  private async deploymentSelector(namespace: string, name: string): Promise<string> {
    try {
      const deployment = await this.apps.readNamespacedDeployment({ name, namespace });
      const labels = deployment.spec?.selector?.matchLabels ?? {};
      return Object.entries(labels)
        .map(([key, value]) => `${key}=${value}`)
        .join(',');
    } catch (error) {
      throw wrap(`read Deployment ${namespace}/${name}`, error);
    }
  }

  /** The pod-template-hash of the ReplicaSet holding the Deployment's current revision. */
  private async currentPodTemplateHash(
    namespace: string,
    deployment: V1Deployment,
  ): Promise<string | undefined> {
    const revision = deployment.metadata?.annotations?.['deployment.kubernetes.io/revision'];
    if (!revision) return undefined;
    const list = await this.apps.listNamespacedReplicaSet({
      namespace,
      labelSelector: Object.entries(deployment.spec?.selector?.matchLabels ?? {})
        .map(([key, value]) => `${key}=${value}`)
        .join(','),
    });
    const current = list.items.find(
      (rs: V1ReplicaSet) =>
        rs.metadata?.annotations?.['deployment.kubernetes.io/revision'] === revision &&
        rs.metadata?.ownerReferences?.some((owner) => owner.uid === deployment.metadata?.uid),
    );
    return current?.metadata?.labels?.['pod-template-hash'];
  }

  /** Pods of a Job, newest first. */
  async jobPods(namespace: string, jobName: string): Promise<V1Pod[]> {
    const list = await this.core.listNamespacedPod({ namespace, labelSelector: `job-name=${jobName}` });
    return list.items.sort(
      (a, b) => time(b.metadata?.creationTimestamp) - time(a.metadata?.creationTimestamp),
    );
  }

  /** The last lines a container printed; empty when the log cannot be read (reported, not thrown). */
  async logTail(namespace: string, pod: string, container: string, lines = 30): Promise<string> {
    try {
      return await this.core.readNamespacedPodLog({ name: pod, namespace, container, tailLines: lines });
    } catch (error) {
      return `(log unavailable: ${wrap('read log', error).message})`;
    }
  }

  /** Events about one object, oldest first. */
  async eventsFor(namespace: string, objectName: string): Promise<CoreV1Event[]> {
    const list = await this.core.listNamespacedEvent({
      namespace,
      fieldSelector: `involvedObject.name=${objectName}`,
    });
    return list.items.sort((a, b) => eventTime(a) - eventTime(b));
  }
}

/** The first container (init containers included) waiting for a reason that will not resolve. */
export function stuckContainer(pod: V1Pod): StuckPod | undefined {
  const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  for (const status of statuses) {
    const waiting = status.state?.waiting;
    if (waiting?.reason && STUCK_WAITING_REASONS.has(waiting.reason)) {
      return {
        pod: pod.metadata?.name ?? '',
        container: status.name,
        reason: waiting.reason,
        message: waiting.message ?? '',
      };
    }
  }
  return undefined;
}

/** `pod <name>: container <c> exited with code N: <message>` for a Failed pod. */
function terminatedContainer(pod: V1Pod): string {
  const status = pod.status?.containerStatuses?.find(
    (s) => s.state?.terminated && s.state.terminated.exitCode !== 0,
  );
  const terminated = status?.state?.terminated;
  if (!terminated)
    return `pod ${pod.metadata?.name} failed${pod.status?.message ? `: ${pod.status.message}` : ''}`;
  return `pod ${pod.metadata?.name}: container ${status.name} exited with code ${terminated.exitCode}${terminated.message ? `: ${terminated.message}` : ''}`;
}

export function rolloutComplete(deployment: V1Deployment): boolean {
  const want = deployment.spec?.replicas ?? 1;
  const status = deployment.status ?? {};
  const available = status.conditions?.find((c) => c.type === 'Available')?.status === 'True';
  return (
    available &&
    (status.observedGeneration ?? 0) >= (deployment.metadata?.generation ?? 1) &&
    (status.updatedReplicas ?? 0) === want &&
    (status.availableReplicas ?? 0) === want &&
    (status.replicas ?? 0) === want // old pods gone
  );
}

export function formatEvents(events: CoreV1Event[]): string[] {
  return events.map((e) => `${e.type ?? ''} ${e.reason ?? ''}: ${e.message ?? ''}`.trim());
}

interface WatchSpec<R> {
  path: string;
  query: Record<string, string>;
  /** Return a value to finish every watch with it. */
  onEvent: (type: string, object: any) => R | undefined | Promise<R | undefined>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/**
 * Run several watches until one handler returns a value (or the signal aborts). A watch the
 * server closes is resumed from the last resourceVersion it delivered; a 410 Gone restarts it
 * from the current state (the server then replays every object as ADDED).
 */
export function watchUntil<R>(
  kubeConfig: KubeConfig,
  specs: WatchSpec<R>[],
  signal: AbortSignal,
): Promise<R> {
  const watch = new Watch(kubeConfig);
  const controllers = new Set<AbortController>();
  let settled = false;
  return new Promise<R>((resolve, reject) => {
    const finish = (action: () => void) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      for (const controller of controllers) controller.abort();
      action();
    };
    const onAbort = () => finish(() => reject(signal.reason as Error));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });

    const start = (spec: WatchSpec<R>, resourceVersion: string | undefined, failures: number) => {
      if (settled) return;
      let lastVersion = resourceVersion;
      // Handlers run one at a time so async ones see events in order.
      let queue = Promise.resolve();
      watch
        .watch(
          spec.path,
          {
            ...spec.query,
            allowWatchBookmarks: true,
            ...(lastVersion ? { resourceVersion: lastVersion } : {}),
          },
          (type, object) => {
            if (type === 'ERROR') {
              if ((object as { code?: unknown } | undefined)?.code === 410) lastVersion = undefined;
              return;
            }
            lastVersion = (object as KubernetesObject | undefined)?.metadata?.resourceVersion ?? lastVersion;
            if (type === 'BOOKMARK') return;
            queue = queue.then(async () => {
              if (settled) return;
              try {
                const value = await spec.onEvent(type, object);
                if (value !== undefined) finish(() => resolve(value));
              } catch (error) {
                finish(() => reject(error));
              }
            });
          },
          (error) => {
            if (settled) return;
            // The server ends watches routinely; reconnect. Give up after repeated errors.
            if (error && failures >= 5) return finish(() => reject(wrap(`watch ${spec.path}`, error)));
            setTimeout(
              () => start(spec, lastVersion, error ? failures + 1 : 0),
              error ? 500 * (failures + 1) : 0,
            );
          },
        )
        .then(
          (controller) => (settled ? controller.abort() : controllers.add(controller)),
          (error) => {
            if (settled) return;
            if (failures >= 5) return finish(() => reject(wrap(`watch ${spec.path}`, error)));
            setTimeout(() => start(spec, lastVersion, failures + 1), 500 * (failures + 1));
          },
        );
    };
    for (const spec of specs) start(spec, undefined, 0);
  });
}

export function describe(object: KubernetesObject): string {
  const ns = object.metadata?.namespace ? `${object.metadata.namespace}/` : '';
  return `${object.kind} ${ns}${object.metadata?.name}`;
}

export function statusOf(error: unknown): number | undefined {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'number' ? code : undefined;
}

/** The Kubernetes Status object in an ApiException body (string or parsed). */
export function statusBody(error: unknown): {
  reason?: string;
  message?: string;
  details?: { causes?: Array<{ reason?: string; message?: string; field?: string }> };
} {
  const body = (error as { body?: unknown })?.body;
  if (typeof body === 'string') {
    try {
      return JSON.parse(body) as ReturnType<typeof statusBody>;
    } catch {
      return { message: body };
    }
  }
  return (body as object) ?? {};
}

export function wrap(operation: string, error: unknown): KubeError {
  if (error instanceof KubeError) return error;
  const status = statusOf(error);
  const body = statusBody(error);
  const message = body.message ?? (error instanceof Error ? error.message : String(error));
  return new KubeError(operation, status, body.reason, message);
}

/** Server-side apply conflicts: 409 with causes of type FieldManagerConflict. */
function fieldConflicts(error: unknown): FieldConflict[] {
  if (statusOf(error) !== 409) return [];
  const causes = statusBody(error).details?.causes ?? [];
  return causes
    .filter((cause) => cause.reason === 'FieldManagerConflict')
    .map((cause) => ({
      field: cause.field ?? '',
      manager: /conflict with "([^"]+)"/.exec(cause.message ?? '')?.[1] ?? 'another manager',
      message: cause.message ?? '',
    }));
}

function time(value: Date | string | undefined): number {
  return value ? new Date(value).getTime() : 0;
}

function eventTime(event: CoreV1Event): number {
  return time(
    event.lastTimestamp ?? event.eventTime ?? event.firstTimestamp ?? event.metadata?.creationTimestamp,
  );
}
