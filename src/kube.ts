// The Kubernetes client: server-side apply, a Job made from the CronJob, watching it and the
// rollout to an outcome, and the evidence (pod log tail, events) a failure report needs.
// Everything goes through @kubernetes/client-node against whatever API server the KubeConfig
// names; tests use a real one (scripts/cluster.sh).
import type {
  CoreV1Event,
  KubeConfig,
  KubernetesObject,
  V1CronJob,
  V1Deployment,
  V1Job,
  V1Pod,
  V1ReplicaSet,
  V1Secret,
} from '@kubernetes/client-node';
import {
  AppsV1Api,
  BatchV1Api,
  CoreV1Api,
  createConfiguration,
  KubernetesObjectApi,
  PatchStrategy,
  ResponseContext,
  ServerConfiguration,
  Watch,
} from '@kubernetes/client-node';

export type ApplyAction = 'created' | 'configured' | 'unchanged';

export interface AppliedObject {
  kind: string;
  name: string;
  namespace?: string;
  action: ApplyAction;
}

/** Kinds applied together, tier by tier: a tier needs only what the tiers before it created
 * (the Namespace; then the ServiceAccounts and the Role a binding or a pod names). Kinds not
 * listed go into the last tier. */
const APPLY_TIERS: readonly (readonly string[])[] = [
  ['Namespace', 'ClusterRole'],
  ['ServiceAccount', 'ConfigMap', 'Secret', 'Role', 'Service'],
];

function applyTier(kind: string | undefined): number {
  const tier = APPLY_TIERS.findIndex((kinds) => kinds.includes(kind ?? ''));
  return tier === -1 ? APPLY_TIERS.length : tier;
}

/** What an apply answered, by the object's uid: 201 Created or 200, and the server's clock. */
interface ApplyAnswer {
  status: number;
  date: number;
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
  private readonly applyAnswers = new Map<string, ApplyAnswer>();

  constructor(
    readonly kubeConfig: KubeConfig,
    private readonly fieldManager: string,
  ) {
    this.core = kubeConfig.makeApiClient(CoreV1Api);
    this.apps = kubeConfig.makeApiClient(AppsV1Api);
    this.batch = kubeConfig.makeApiClient(BatchV1Api);
    this.objects = this.objectsClient(kubeConfig);
  }

  /** The generic client, plus a response middleware that notes each answer's HTTP status: an
   * apply answers 201 when it created the object, so no read per object is needed first. */
  private objectsClient(kubeConfig: KubeConfig): KubernetesObjectApi {
    const cluster = kubeConfig.getCurrentCluster();
    if (!cluster) throw new Error('No active cluster!');
    const configuration = createConfiguration({
      baseServer: new ServerConfiguration(cluster.server, {}),
      authMethods: { default: kubeConfig },
      promiseMiddleware: [
        {
          pre: (context) => Promise.resolve(context),
          post: async (response) => {
            if (response.httpStatusCode !== 200 && response.httpStatusCode !== 201) return response;
            const text = await response.body.text();
            const uid = (safeJson(text) as KubernetesObject | undefined)?.metadata?.uid;
            const date = Date.parse(response.headers.date ?? '');
            if (uid) this.applyAnswers.set(uid, { status: response.httpStatusCode, date });
            return new ResponseContext(response.httpStatusCode, response.headers, {
              text: () => Promise.resolve(text),
              binary: () => Promise.resolve(Buffer.from(text)),
            });
          },
        },
      ],
    });
    return new KubernetesObjectApi(configuration);
  }

  /** Server-side apply every object with our one field manager, tier by tier (APPLY_TIERS), the
   * objects of a tier concurrently. Returns what was done, in the order given, and the objects
   * as the server answered (e.g. the CronJob with its uid, to create the initial Job from). */
  async applyAll(
    objects: KubernetesObject[],
    force: boolean,
  ): Promise<{ applied: AppliedObject[]; live: KubernetesObject[] }> {
    const applied: AppliedObject[] = new Array<AppliedObject>(objects.length);
    const live: KubernetesObject[] = new Array<KubernetesObject>(objects.length);
    const tiers = [...new Set(objects.map((o) => applyTier(o.kind)))].sort((a, b) => a - b);
    for (const tier of tiers) {
      await Promise.all(
        objects.map(async (object, index) => {
          if (applyTier(object.kind) !== tier) return;
          [applied[index], live[index]] = await this.apply(object, force);
        }),
      );
    }
    return { applied, live };
  }

  /** One server-side apply. Created: the server answered 201. Configured: 200, and our field
   * manager's entry was written now (by the server's clock). Unchanged: 200 and that entry is
   * older — a no-op apply writes nothing. */
  private async apply(object: KubernetesObject, force: boolean): Promise<[AppliedObject, KubernetesObject]> {
    const { kind = '', metadata = {} } = object;
    const label = describe(object);
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
    const uid = after.metadata?.uid ?? '';
    const answer = this.applyAnswers.get(uid);
    this.applyAnswers.delete(uid);
    const ours = after.metadata?.managedFields?.find(
      (entry) => entry.manager === this.fieldManager && entry.operation === 'Apply',
    );
    // managedFields times have one-second resolution.
    const writtenNow = !answer || !Number.isFinite(answer.date) || time(ours?.time) >= answer.date - 1000;
    const action: ApplyAction = answer?.status === 201 ? 'created' : writtenNow ? 'configured' : 'unchanged';
    return [{ kind, name: metadata.name ?? '', namespace: metadata.namespace, action }, after];
  }

  /** A Secret's metadata (annotations), or undefined when it does not exist. Its data is dropped. */
  async secretMetadata(namespace: string, name: string): Promise<V1Secret | undefined> {
    try {
      const secret = await this.core.readNamespacedSecret({ name, namespace });
      return { metadata: secret.metadata, type: secret.type };
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw wrap(`read Secret ${namespace}/${name}`, error);
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

  /** What `kubectl create job --from=cronjob/<cronJob> <jobName>` does, over the API, from the
   * CronJob as the apply returned it (no read). */
  async createJobFromCronJob(cronJob: V1CronJob, jobName: string): Promise<V1Job> {
    const namespace = cronJob.metadata?.namespace ?? '';
    const cronJobName = cronJob.metadata?.name ?? '';
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

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function time(value: Date | string | undefined): number {
  return value ? new Date(value).getTime() : 0;
}

function eventTime(event: CoreV1Event): number {
  return time(
    event.lastTimestamp ?? event.eventTime ?? event.firstTimestamp ?? event.metadata?.creationTimestamp,
  );
}
