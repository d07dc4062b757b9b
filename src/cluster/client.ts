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
import type { KubernetesObjectApi, Middleware as PromiseMiddleware } from '@kubernetes/client-node';
import {
  AppsV1Api,
  BatchV1Api,
  CoordinationV1Api,
  CoreV1Api,
  PatchStrategy,
  ResponseContext,
} from '@kubernetes/client-node';
import { CREATED_BY_RUN_ANNOTATION, INSTANTIATE_ANNOTATION } from '../manifests/names.js';
import { endsTheRun, RetryPolicy } from '../net/retry.js';
import type { ApplyAction, AppliedObject } from '../report/report.js';
import { ApplyConflictError, fieldConflicts, statusOf, wrap } from './errors.js';
import { makeApiClient, makeObjectApi } from './http.js';
import {
  jobOutcome,
  PULL_WAITING_REASONS,
  rolloutStatus,
  stalePullError,
  eventTime,
  stuckContainer,
  type JobOutcome,
  type StuckContainer,
} from './status.js';
import { watchUntil } from './watch.js';

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

/** How the wait for a Job ended (cluster/status.ts judges it), with the last Job seen. */
export type JobWaitResult = Exclude<JobOutcome, { status: 'running' }> & { job: V1Job | undefined };

export type RolloutOutcome =
  | { status: 'available'; deployment: V1Deployment }
  | { status: 'failed'; deployment: V1Deployment; reason: string; message: string }
  | { status: 'stuck'; deployment: V1Deployment | undefined; stuck: StuckContainer };

export class KubeClient {
  readonly core: CoreV1Api;
  readonly apps: AppsV1Api;
  readonly batch: BatchV1Api;
  readonly coordination: CoordinationV1Api;
  private readonly objects: KubernetesObjectApi;
  private readonly applyAnswers = new Map<string, ApplyAnswer>();

  /** Every call goes through `policy` (cluster/http.ts); watches reconnect under it. */
  constructor(
    readonly kubeConfig: KubeConfig,
    private readonly fieldManager: string,
    readonly policy: RetryPolicy = new RetryPolicy(),
    /** Marks the Jobs this run creates (CREATED_BY_RUN_ANNOTATION). */
    private readonly runMarker = '',
  ) {
    this.core = makeApiClient(kubeConfig, CoreV1Api, policy);
    this.apps = makeApiClient(kubeConfig, AppsV1Api, policy);
    this.batch = makeApiClient(kubeConfig, BatchV1Api, policy);
    this.coordination = makeApiClient(kubeConfig, CoordinationV1Api, policy);
    this.objects = makeObjectApi(kubeConfig, policy, [this.applyAnswerMiddleware()]);
  }

  /** A response middleware that notes each answer's HTTP status: an apply answers 201 when it
   * created the object, so no read per object is needed first. */
  private applyAnswerMiddleware(): PromiseMiddleware {
    return {
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
    };
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
    const namespace = objects.find((o) => o.metadata?.namespace)?.metadata?.namespace;
    const before = namespace ? await this.revision(namespace) : undefined;
    const tiers = [...new Set(objects.map((o) => applyTier(o.kind)))].sort((a, b) => a - b);
    for (const tier of tiers) {
      await Promise.all(
        objects.map(async (object, index) => {
          if (applyTier(object.kind) !== tier) return;
          [applied[index], live[index]] = await this.apply(object, force, before);
        }),
      );
    }
    return { applied, live };
  }

  /** The store's revision now: the resourceVersion of a one-item list (one request per apply,
   * not one per object; resourceVersions are etcd revisions on every etcd-backed API server, AKS
   * included, so they order writes). Undefined when the list is refused (the time rule decides). */
  private async revision(namespace: string): Promise<number | undefined> {
    try {
      const list = await this.batch.listNamespacedJob({ namespace, limit: 1 });
      const revision = Number(list.metadata?.resourceVersion);
      return Number.isSafeInteger(revision) ? revision : undefined;
    } catch (error) {
      if (endsTheRun(error)) throw error;
      return undefined;
    }
  }

  /** One server-side apply. Created: the server answered 201. Configured: 200, the object's
   * resourceVersion is newer than the store's revision before the apply (a no-op apply writes
   * nothing, so it keeps its version), and our field manager's entry was written now by the
   * server's clock (one-second resolution, so a re-apply within a second of a real change reads
   * as configured; a controller's status write alone never does). */
  private async apply(
    object: KubernetesObject,
    force: boolean,
    before: number | undefined,
  ): Promise<[AppliedObject, KubernetesObject]> {
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
    const version = Number(after.metadata?.resourceVersion);
    // Newer than the store's revision before the apply: written since, by us or by a controller
    // (a Deployment's status). Our entry's time tells the two apart: a no-op apply leaves it.
    const newer = before !== undefined && Number.isSafeInteger(version) ? version > before : true;
    const oursNow = !answer || !Number.isFinite(answer.date) || time(ours?.time) >= answer.date - 1000;
    const writtenNow = newer && oursNow;
    const action: ApplyAction = answer?.status === 201 ? 'created' : writtenNow ? 'configured' : 'unchanged';
    return [{ kind, name: metadata.name ?? '', namespace: metadata.namespace, action }, after];
  }

  /** Every object of one kind in a namespace (any kind the API serves). */
  async list(apiVersion: string, kind: string, namespace: string): Promise<KubernetesObject[]> {
    return (await this.objects.list(apiVersion, kind, namespace)).items;
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
        annotations: {
          [INSTANTIATE_ANNOTATION]: 'manual',
          ...template?.metadata?.annotations,
          ...(this.runMarker ? { [CREATED_BY_RUN_ANNOTATION]: this.runMarker } : {}),
        },
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
      // A create retried after a lost answer finds the Job it made: ours (same run and attempt) is adopted.
      if (statusOf(error) === 409 && this.runMarker) {
        const existing = await this.batch
          .readNamespacedJob({ name: jobName, namespace })
          .catch(() => undefined);
        if (existing?.metadata?.annotations?.[CREATED_BY_RUN_ANNOTATION] === this.runMarker) return existing;
      }
      throw wrap(`create Job ${namespace}/${jobName} from CronJob ${cronJobName}`, error);
    }
  }

  /** Watch the Job (and its pods) until it completes, fails, or a pod is stuck (cluster/status.ts). */
  async waitForJob(namespace: string, jobName: string, signal: AbortSignal): Promise<JobWaitResult> {
    let job: V1Job | undefined;
    const pods = new Map<string, V1Pod>();
    const judge = (): JobWaitResult | undefined => {
      const outcome = jobOutcome(job, [...pods.values()]);
      return outcome.status === 'running' ? undefined : { ...outcome, job };
    };
    return watchUntil<JobWaitResult>(
      this.kubeConfig,
      this.policy,
      [
        {
          path: `/apis/batch/v1/namespaces/${namespace}/jobs`,
          query: { fieldSelector: `metadata.name=${jobName}` },
          onEvent: (_type, object: V1Job) => {
            job = object;
            return judge();
          },
        },
        {
          path: `/api/v1/namespaces/${namespace}/pods`,
          query: { labelSelector: `job-name=${jobName}` },
          onEvent: (type, pod: V1Pod) => {
            const podName = pod.metadata?.name ?? '';
            if (type === 'DELETED') pods.delete(podName);
            else pods.set(podName, pod);
            return judge();
          },
        },
      ],
      signal,
    );
  }

  /**
   * Watches the Deployment and its pods until the rollout is current (every replica updated and
   * available), fails (progress deadline), or a pod of the current ReplicaSet is stuck. With `refreshedAt` (when this run wrote the pull secret), a pull
   * error whose last failed pull is not newer than that is not final: the kubelet's next retry
   * reads the new secret (status.ts, stalePullError).
   */
  async waitForRollout(
    namespace: string,
    name: string,
    signal: AbortSignal,
    options: { refreshedAt?: Date } = {},
  ): Promise<RolloutOutcome> {
    let deployment: V1Deployment | undefined;
    let currentHash: string | undefined;
    const pods = new Map<string, V1Pod>();
    const staleVersions = new Map<string, { version: string; stale: boolean }>();
    const stuckInCurrentReplicaSet = async (): Promise<RolloutOutcome | undefined> => {
      if (!currentHash) return undefined;
      for (const pod of pods.values()) {
        if (pod.metadata?.labels?.['pod-template-hash'] !== currentHash || pod.metadata?.deletionTimestamp)
          continue;
        const stuck = stuckContainer(pod);
        if (!stuck) continue;
        if (options.refreshedAt && PULL_WAITING_REASONS.has(stuck.reason)) {
          // The pod's events are read once per pod version, not on every watch event.
          const version = `${pod.metadata?.uid}/${pod.metadata?.resourceVersion}`;
          if (staleVersions.get(stuck.pod)?.version !== version)
            staleVersions.set(stuck.pod, {
              version,
              stale: stalePullError(stuck, await this.eventsFor(namespace, stuck.pod), options.refreshedAt),
            });
          if (staleVersions.get(stuck.pod)?.stale) continue;
        }
        return { status: 'stuck', deployment, stuck };
      }
      return undefined;
    };
    const selector = await this.deploymentSelector(namespace, name);
    return watchUntil<RolloutOutcome>(
      this.kubeConfig,
      this.policy,
      [
        {
          path: `/apis/apps/v1/namespaces/${namespace}/deployments`,
          query: { fieldSelector: `metadata.name=${name}` },
          onEvent: async (_type, object: V1Deployment) => {
            deployment = object;
            const rollout = rolloutStatus(object);
            if (rollout.status === 'failed') {
              return {
                status: 'failed',
                deployment: object,
                reason: rollout.reason,
                message: rollout.message,
              };
            }
            if (rollout.status === 'current') return { status: 'available', deployment: object };
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

export function describe(object: KubernetesObject): string {
  const ns = object.metadata?.namespace ? `${object.metadata.namespace}/` : '';
  return `${object.kind} ${ns}${object.metadata?.name}`;
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
