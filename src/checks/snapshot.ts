// The snapshot reader: collectSnapshot reads every object the checks need through the API, in
// parallel, each once, and keeps only what the judges use. Secret data never leaves this file: the
// pull secret is summarised to hosts and usernames, and log tails, bodies and API messages pass
// through redactSecrets (report/redact.ts, the action's one redaction).

import type {
  AppsV1Api,
  BatchV1Api,
  CoreV1Api,
  CoreV1Event,
  V1ConfigMap,
  V1CronJob,
  V1Deployment,
  V1Job,
  V1Namespace,
  V1Pod,
  V1Secret,
  V1Service,
  V1ServiceAccount,
} from '@kubernetes/client-node';
import { redactSecrets } from '../report/redact.js';
import { serverMessage, statusOf } from '../cluster/errors.js';
import { endsTheRun } from '../net/retry.js';
import type { Settings } from '../config/settings.js';
import { pickRefresherLogTarget, type RefresherLogTarget } from './jobs.js';
import { newest, toDate } from './time.js';

/** A read: found, absent (HTTP 404), or failed for another reason (kept as evidence). */
export type Observed<T> =
  { state: 'found'; value: T } | { state: 'absent' } | { state: 'error'; status?: number; message: string };

/** All we keep of the pull secret: no token, no `auth`, no password. */
export interface PullSecretSummary {
  type?: string;
  registries: Array<{ host: string; username?: string }>;
  annotations: Record<string, string>;
  createdAt?: Date;
  /** Newest managedFields time: the last write (the refresher's apply). */
  lastWriteAt?: Date;
  parseError?: string;
}

/** The log tail of the refresher pod behind the Job that needs explaining. */
export interface RefresherLog {
  jobName: string;
  podName?: string;
  container?: string;
  tail?: string; // redacted
  error?: string;
}

/** GET /health through the API server's service proxy. */
export interface GatewayHealth {
  path: string;
  status?: number; // absent when the request itself failed
  body: string; // truncated, redacted
  error?: string;
}

export interface ClusterSnapshot {
  namespace: Observed<V1Namespace>;
  serviceAccount: Observed<V1ServiceAccount>;
  credentialConfig: Observed<V1ConfigMap>;
  cronJob: Observed<V1CronJob>;
  /** Jobs controlled by the CronJob (scheduled and the action's manual runs). */
  jobs: Observed<V1Job[]>;
  pullSecret: Observed<PullSecretSummary>;
  deployment: Observed<V1Deployment>;
  service: Observed<V1Service>;
  /** Every pod of the namespace: gateway pods and refresher pods are picked out by label. */
  pods: Observed<V1Pod[]>;
  warningEvents: Observed<CoreV1Event[]>;
  refresherLog?: RefresherLog;
  health?: GatewayHealth;
  /** Number of API requests collectSnapshot made. */
  apiRequests: number;
}

export interface KubeApis {
  core: CoreV1Api;
  apps: AppsV1Api;
  batch: BatchV1Api;
}

const LOG_TAIL_LINES = 30;
const BODY_LIMIT = 600;

export async function collectSnapshot(apis: KubeApis, settings: Settings): Promise<ClusterSnapshot> {
  const { core, apps, batch } = apis;
  const { names } = settings;
  const namespace = names.namespace;
  let apiRequests = 0;
  const observe = async <T>(read: () => Promise<T>): Promise<Observed<T>> => {
    apiRequests++;
    try {
      return { state: 'found', value: await read() };
    } catch (error) {
      // Cancelled, timed out, or the API server stayed down through every retry: not a finding.
      if (endsTheRun(error)) throw error;
      const status = statusOf(error);
      return status === 404
        ? { state: 'absent' }
        : { state: 'error', status, message: apiErrorMessage(error) };
    }
  };

  // Round 1: every object, in parallel.
  const [
    namespaceRead,
    serviceAccount,
    credentialConfig,
    cronJob,
    jobList,
    secret,
    deployment,
    service,
    podList,
    eventList,
  ] = await Promise.all([
    observe(() => core.readNamespace({ name: namespace })),
    observe(() => core.readNamespacedServiceAccount({ name: names.refresherServiceAccount, namespace })),
    observe(() => core.readNamespacedConfigMap({ name: names.credentialConfigMap, namespace })),
    observe(() => batch.readNamespacedCronJob({ name: names.cronJob, namespace })),
    observe(() => batch.listNamespacedJob({ namespace })),
    observe(() => core.readNamespacedSecret({ name: names.pullSecret, namespace })),
    observe(() => apps.readNamespacedDeployment({ name: names.deployment, namespace })),
    observe(() => core.readNamespacedService({ name: names.service, namespace })),
    observe(() => core.listNamespacedPod({ namespace })),
    observe(() => core.listNamespacedEvent({ namespace, fieldSelector: 'type=Warning' })),
  ]);

  const jobs = mapObserved(jobList, (list) =>
    list.items.filter((job) => isOwnedByCronJob(job, names.cronJob)),
  );
  // Summarise the secret at once; the V1Secret (with the token) is not kept.
  const pullSecret = mapObserved(secret, summarisePullSecret);
  const pods = mapObserved(podList, (list) => list.items);
  const warningEvents = mapObserved(eventList, (list) => list.items);

  // Round 2: what depends on round 1 — the failing refresher pod's log and the gateway's /health.
  const logTarget =
    jobs.state === 'found' && pods.state === 'found'
      ? pickRefresherLogTarget(jobs.value, pods.value)
      : undefined;
  const [refresherLog, health] = await Promise.all([
    logTarget ? readRefresherLog(logTarget) : Promise.resolve(undefined),
    service.state === 'found' ? readHealth(service.value) : Promise.resolve(undefined),
  ]);

  return {
    namespace: namespaceRead,
    serviceAccount,
    credentialConfig,
    cronJob,
    jobs,
    pullSecret,
    deployment,
    service,
    pods,
    warningEvents,
    refresherLog,
    health,
    apiRequests,
  };

  async function readRefresherLog(target: RefresherLogTarget): Promise<RefresherLog> {
    const base = { jobName: target.jobName, podName: target.podName, container: target.container };
    if (!target.podName) return { ...base, error: 'no pod of this Job exists any more' };
    apiRequests++;
    try {
      const text = await core.readNamespacedPodLog({
        name: target.podName,
        namespace,
        container: target.container,
        tailLines: LOG_TAIL_LINES,
      });
      return { ...base, tail: redactSecrets(String(text ?? '')).trimEnd() };
    } catch (error) {
      if (endsTheRun(error)) throw error;
      return { ...base, error: apiErrorMessage(error) };
    }
  }

  async function readHealth(svc: V1Service): Promise<GatewayHealth> {
    // Service proxy name is `<service>:<port name or number>`; the port must be given when it is named.
    const port = svc.spec?.ports?.[0];
    const proxyName = port ? `${names.service}:${port.name || port.port}` : names.service;
    const proxyPath = `/api/v1/namespaces/${namespace}/services/${proxyName}/proxy/health`;
    apiRequests++;
    try {
      const body = await core.connectGetNamespacedServiceProxyWithPath({
        name: proxyName,
        namespace,
        path: 'health',
      });
      return { path: proxyPath, status: 200, body: bodyText(body) };
    } catch (error) {
      if (endsTheRun(error)) throw error;
      const status = statusOf(error);
      if (status === undefined) return { path: proxyPath, body: '', error: apiErrorMessage(error) };
      return { path: proxyPath, status, body: bodyText((error as { body?: unknown }).body) };
    }
  }
}

function mapObserved<T, U>(observed: Observed<T>, map: (value: T) => U): Observed<U> {
  return observed.state === 'found' ? { state: 'found', value: map(observed.value) } : observed;
}

/** The API's own message (a Status body), redacted and bounded. */
function apiErrorMessage(error: unknown): string {
  const status = statusOf(error);
  const message = serverMessage(error);
  return redactSecrets(status ? `HTTP ${status}: ${message}` : message).slice(0, BODY_LIMIT);
}

function bodyText(body: unknown): string {
  const text = typeof body === 'string' ? body : body === undefined ? '' : JSON.stringify(body);
  return redactSecrets(text.trim()).slice(0, BODY_LIMIT);
}

function isOwnedByCronJob(job: V1Job, cronJobName: string): boolean {
  return (job.metadata?.ownerReferences ?? []).some(
    (ref) => ref.kind === 'CronJob' && ref.name === cronJobName,
  );
}

/**
 * Summarise a dockerconfigjson Secret: hosts, usernames, annotations and times. The decoded
 * config is parsed in memory and dropped here; passwords and `auth` never leave this function.
 */
export function summarisePullSecret(secret: V1Secret): PullSecretSummary {
  const summary: PullSecretSummary = {
    type: secret.type,
    registries: [],
    annotations: { ...(secret.metadata?.annotations ?? {}) },
    createdAt: toDate(secret.metadata?.creationTimestamp),
    lastWriteAt: newest((secret.metadata?.managedFields ?? []).map((field) => toDate(field.time))),
  };
  const encoded = secret.data?.['.dockerconfigjson'];
  if (encoded === undefined) {
    summary.parseError = 'no .dockerconfigjson key';
    return summary;
  }
  try {
    const config = JSON.parse(Buffer.from(encoded, 'base64').toString('utf8')) as {
      auths?: Record<string, { username?: unknown; auth?: unknown }>;
    };
    for (const [host, entry] of Object.entries(config.auths ?? {})) {
      let username = typeof entry?.username === 'string' ? entry.username : undefined;
      if (username === undefined && typeof entry?.auth === 'string') {
        const userAndPassword = Buffer.from(entry.auth, 'base64').toString('utf8');
        username = userAndPassword.slice(0, Math.max(0, userAndPassword.indexOf(':')));
      }
      summary.registries.push({ host, username });
    }
  } catch {
    summary.parseError = '.dockerconfigjson is not valid base64 JSON';
  }
  return summary;
}
