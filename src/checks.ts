// Kubernetes-side verification. Two halves:
// - collectSnapshot: reads the objects through the API, in parallel, each once; keeps only what the
//   checks need (never Secret data: the pull secret is summarised to hosts and usernames).
// - evaluateChecks: pure judgement of a snapshot at a given time, one CheckResult per check.
// Evidence is what was seen; hints come from the catalogue in hints.ts when the evidence carries a
// service's words, else a specific fix.

import path from 'node:path';
import type {
  AppsV1Api,
  BatchV1Api,
  CoreV1Api,
  CoreV1Event,
  V1ConfigMap,
  V1Container,
  V1ContainerStatus,
  V1CronJob,
  V1Deployment,
  V1Job,
  V1Namespace,
  V1Pod,
  V1PodSpec,
  V1Secret,
  V1Service,
  V1ServiceAccount,
} from '@kubernetes/client-node';
import type { CheckResult } from './check-result.js';
import { impersonationUrl, JWT_SUBJECT_TOKEN_TYPE, workloadIdentityAudience } from './gcp.js';
import { findHint, formatHint } from './hints.js';
import {
  AZURE_TOKEN_EXCHANGE_AUDIENCE,
  EXPIRES_AT_ANNOTATION,
  REFRESHED_AT_ANNOTATION,
  type Settings,
} from './settings.js';

// ── Snapshot ─────────────────────────────────────────────────────────────────────────────────

/** A read: found, absent (HTTP 404), or failed for another reason (kept as evidence). */
export type Observed<T> =
  | { state: 'found'; value: T }
  | { state: 'absent' }
  | { state: 'error'; status?: number; message: string };

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
      const status = httpStatus(error);
      return status === 404 ? { state: 'absent' } : { state: 'error', status, message: apiErrorMessage(error) };
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

  const jobs = mapObserved(jobList, (list) => list.items.filter((job) => isOwnedByCronJob(job, names.cronJob)));
  // Summarise the secret at once; the V1Secret (with the token) is not kept.
  const pullSecret = mapObserved(secret, summarisePullSecret);
  const pods = mapObserved(podList, (list) => list.items);
  const warningEvents = mapObserved(eventList, (list) => list.items);

  // Round 2: what depends on round 1 — the failing refresher pod's log and the gateway's /health.
  const logTarget =
    jobs.state === 'found' && pods.state === 'found' ? pickRefresherLogTarget(jobs.value, pods.value) : undefined;
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
      const body = await core.connectGetNamespacedServiceProxyWithPath({ name: proxyName, namespace, path: 'health' });
      return { path: proxyPath, status: 200, body: bodyText(body) };
    } catch (error) {
      const status = httpStatus(error);
      if (status === undefined) return { path: proxyPath, body: '', error: apiErrorMessage(error) };
      return { path: proxyPath, status, body: bodyText((error as { body?: unknown }).body) };
    }
  }
}

function mapObserved<T, U>(observed: Observed<T>, map: (value: T) => U): Observed<U> {
  return observed.state === 'found' ? { state: 'found', value: map(observed.value) } : observed;
}

function httpStatus(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

/** The API's own message (a Status body) rather than ApiException's text, which carries headers. */
function apiErrorMessage(error: unknown): string {
  const status = httpStatus(error);
  const body = (error as { body?: unknown } | null)?.body;
  let message: string | undefined;
  if (typeof body === 'string') {
    try {
      message = (JSON.parse(body) as { message?: string }).message ?? body;
    } catch {
      message = body;
    }
  } else if (body && typeof body === 'object' && typeof (body as { message?: unknown }).message === 'string') {
    message = (body as { message: string }).message;
  }
  message ??= error instanceof Error ? error.message.split('\n')[0] : String(error);
  return redactSecrets(status ? `HTTP ${status}: ${message}` : message).slice(0, BODY_LIMIT);
}

function bodyText(body: unknown): string {
  const text = typeof body === 'string' ? body : body === undefined ? '' : JSON.stringify(body);
  return redactSecrets(text.trim()).slice(0, BODY_LIMIT);
}

/** Drop anything token-like before it can reach evidence (a refresher that echoes its token). */
export function redactSecrets(text: string): string {
  return text
    .replace(/ya29\.[\w.-]+/g, 'ya29.***')
    .replace(/eyJ[\w-]{5,}\.[\w-]{5,}\.[\w-]*/g, '***jwt***')
    .replace(/(--docker-password[= ])\S+/g, '$1***')
    .replace(/("(?:password|auth|access_token|accessToken|token)"\s*:\s*")[^"]*"/g, '$1***"');
}

function isOwnedByCronJob(job: V1Job, cronJobName: string): boolean {
  return (job.metadata?.ownerReferences ?? []).some((ref) => ref.kind === 'CronJob' && ref.name === cronJobName);
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

// ── Refresher Jobs ───────────────────────────────────────────────────────────────────────────

type JobOutcome = 'complete' | 'failed' | 'running';

function jobCondition(job: V1Job, type: string) {
  return job.status?.conditions?.find((condition) => condition.type === type && condition.status === 'True');
}

/** Complete/Failed decide; FailureTarget (k8s ≥ 1.31) already means the Job will fail. */
export function jobOutcome(job: V1Job): JobOutcome {
  if (jobCondition(job, 'Complete')) return 'complete';
  if (jobCondition(job, 'Failed') || jobCondition(job, 'FailureTarget')) return 'failed';
  return 'running';
}

function jobFailure(job: V1Job): { reason?: string; message?: string } | undefined {
  const condition = jobCondition(job, 'Failed') ?? jobCondition(job, 'FailureTarget');
  return condition ? { reason: condition.reason, message: condition.message } : undefined;
}

const newestFirst = <T extends { metadata?: { creationTimestamp?: Date } }>(items: T[]): T[] =>
  [...items].sort((a, b) => time(b.metadata?.creationTimestamp) - time(a.metadata?.creationTimestamp));

function podsOfJob(pods: V1Pod[], jobName: string): V1Pod[] {
  return pods.filter((pod) => {
    const labels = pod.metadata?.labels ?? {};
    return labels['job-name'] === jobName || labels['batch.kubernetes.io/job-name'] === jobName;
  });
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
    const outcome = jobOutcome(job);
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
    failed(pod.status?.initContainerStatuses) ?? failed(pod.status?.containerStatuses) ?? pod.spec?.containers[0]?.name
  );
}

// ── Judgement ────────────────────────────────────────────────────────────────────────────────

export const CHECK_IDS = [
  'namespace',
  'service-account-client-id',
  'refresher-workload-identity-label',
  'credential-config',
  'cronjob-healthy',
  'pull-secret',
  'deployment-available',
  'pods-healthy',
  'refresher-identity-injection',
  'gateway-health',
] as const;
export type CheckId = (typeof CHECK_IDS)[number];

const WORKLOAD_IDENTITY_LABEL = 'azure.workload.identity/use';
const CLIENT_ID_ANNOTATION = 'azure.workload.identity/client-id';
const FEDERATED_TOKEN_FILE_ENV = 'AZURE_FEDERATED_TOKEN_FILE';
const PULL_SECRET_USERNAME = 'oauth2accesstoken';
/** Where the azure-workload-identity webhook puts the token when the pod does not mount its own (D6). */
const WEBHOOK_TOKEN_FILES = [
  '/var/run/secrets/azure/tokens/azure-identity-token', // webhook ≤ 1.5
  '/var/run/secrets/azure/wi/token/azure-identity-token', // webhook ≥ 1.6
];
const UNHEALTHY_WAITING_REASONS = new Set([
  'ImagePullBackOff',
  'ErrImagePull',
  'CreateContainerConfigError',
  'CrashLoopBackOff',
  'InvalidImageName',
]);
/** Warn when the pull secret's token has less left than this. */
const EXPIRY_WARNING_MS = 5 * 60_000;

type Check = Omit<CheckResult, 'id' | 'title'>;
const pass = (evidence: string): Check => ({ status: 'pass', evidence });
const skipped = (evidence: string): Check => ({ status: 'skipped', evidence });
/** A fail or warn: the catalogue's hint when the evidence carries a known message, else `fallback`. */
function problem(status: 'fail' | 'warn', evidence: string, fallback: string, hintSource = evidence): Check {
  const known = findHint(hintSource);
  return { status, evidence, hint: known ? formatHint(known) : fallback };
}

const TITLES: Record<CheckId, (settings: Settings) => string> = {
  namespace: (s) => `Namespace ${s.names.namespace} exists`,
  'service-account-client-id': (s) =>
    `ServiceAccount ${s.names.refresherServiceAccount} names the managed identity client id`,
  'refresher-workload-identity-label': (s) =>
    `CronJob ${s.names.cronJob} pod template has ${WORKLOAD_IDENTITY_LABEL}: "true"`,
  'credential-config': (s) => `ConfigMap ${s.names.credentialConfigMap} holds the expected credential config`,
  'cronjob-healthy': (s) => `CronJob ${s.names.cronJob} runs and succeeds`,
  'pull-secret': (s) => `Pull secret ${s.names.pullSecret} is present and fresh`,
  'deployment-available': (s) => `Deployment ${s.names.deployment} is available and rolled out`,
  'pods-healthy': (s) => `Gateway pods of ${s.names.deployment} are healthy`,
  'refresher-identity-injection': () => 'Refresher pod carries the Azure workload identity token',
  'gateway-health': (s) => `Gateway /health answers 200 through Service ${s.names.service}`,
};

type Judge = (snapshot: ClusterSnapshot, settings: Settings, now: Date) => Check;

const JUDGES: Record<CheckId, Judge> = {
  namespace: judgeNamespace,
  'service-account-client-id': judgeServiceAccount,
  'refresher-workload-identity-label': judgeWorkloadIdentityLabel,
  'credential-config': judgeCredentialConfig,
  'cronjob-healthy': judgeCronJob,
  'pull-secret': judgePullSecret,
  'deployment-available': judgeDeployment,
  'pods-healthy': judgePods,
  'refresher-identity-injection': judgeIdentityInjection,
  'gateway-health': judgeGatewayHealth,
};

/** Pure: the same snapshot, settings and time give the same results. */
export function evaluateChecks(snapshot: ClusterSnapshot, settings: Settings, now: Date): CheckResult[] {
  const namespaceMissing = snapshot.namespace.state === 'absent';
  return CHECK_IDS.map((id) => {
    const title = TITLES[id](settings);
    if (namespaceMissing && id !== 'namespace') {
      return { id, title, ...skipped(`namespace ${settings.names.namespace} does not exist`) };
    }
    return { id, title, ...JUDGES[id](snapshot, settings, now) };
  });
}

const REDEPLOY = 'Re-run the action with mode: deploy to create it.';

/** The shared answer for a read that did not succeed. */
function unreadable(observed: Exclude<Observed<unknown>, { state: 'found' }>, what: string): Check {
  if (observed.state === 'absent') return problem('fail', `${what} not found`, REDEPLOY);
  return problem(
    'fail',
    `could not read ${what}: ${observed.message}`,
    'The identity the action runs as could not read this object; give it read access to the namespace.',
  );
}

function judgeNamespace(snapshot: ClusterSnapshot, settings: Settings): Check {
  const observed = snapshot.namespace;
  if (observed.state !== 'found') return unreadable(observed, `namespace ${settings.names.namespace}`);
  const phase = observed.value.status?.phase ?? 'Active';
  if (phase !== 'Active') {
    return problem(
      'fail',
      `namespace ${settings.names.namespace} is ${phase}`,
      'The namespace is being deleted; wait until it is gone, then deploy again.',
    );
  }
  return pass(`namespace ${settings.names.namespace} is Active`);
}

function judgeServiceAccount(snapshot: ClusterSnapshot, settings: Settings): Check {
  const name = settings.names.refresherServiceAccount;
  const observed = snapshot.serviceAccount;
  if (observed.state === 'absent') {
    return problem(
      'fail',
      `ServiceAccount ${name} not found`,
      `The refresher runs as ${name}, and the workload identity webhook refuses pods whose ServiceAccount ` +
        `is missing (D6). ${REDEPLOY}`,
    );
  }
  if (observed.state !== 'found') return unreadable(observed, `ServiceAccount ${name}`);
  const annotated = observed.value.metadata?.annotations?.[CLIENT_ID_ANNOTATION];
  const expected = settings.identity.clientId;
  if (annotated !== undefined && annotated.toLowerCase() === expected.toLowerCase()) {
    return pass(`${CLIENT_ID_ANNOTATION}: ${annotated}`);
  }
  const seen =
    annotated === undefined ? `no ${CLIENT_ID_ANNOTATION} annotation` : `${CLIENT_ID_ANNOTATION}: ${annotated}`;
  // Only the entra mode sends this client id to Entra; in kubernetes mode it is just drift.
  const status = settings.identity.federation === 'entra' ? 'fail' : 'warn';
  return problem(
    status,
    `${seen}; the client-id input is ${expected}`,
    `Set the annotation to the managed identity's client id (input client-id): re-run with mode: deploy, or ` +
      `\`kubectl annotate serviceaccount ${name} -n ${settings.names.namespace} --overwrite ` +
      `${CLIENT_ID_ANNOTATION}=${expected}\`. ` +
      'The webhook injects it as AZURE_CLIENT_ID into the refresher pod.',
  );
}

function cronJobPodSpec(snapshot: ClusterSnapshot): V1PodSpec | undefined {
  return snapshot.cronJob.state === 'found' ? snapshot.cronJob.value.spec?.jobTemplate.spec?.template.spec : undefined;
}

function judgeWorkloadIdentityLabel(snapshot: ClusterSnapshot, settings: Settings): Check {
  const observed = snapshot.cronJob;
  if (observed.state !== 'found') return skipped(`CronJob ${settings.names.cronJob} not readable (see cronjob-healthy)`);
  const template = observed.value.spec?.jobTemplate.spec?.template;
  const value = template?.metadata?.labels?.[WORKLOAD_IDENTITY_LABEL];
  if (value === 'true') return pass(`pod template label ${WORKLOAD_IDENTITY_LABEL}: "true"`);
  const saLabel =
    snapshot.serviceAccount.state === 'found'
      ? snapshot.serviceAccount.value.metadata?.labels?.[WORKLOAD_IDENTITY_LABEL]
      : undefined;
  const evidence =
    `pod template label ${WORKLOAD_IDENTITY_LABEL} is ${value === undefined ? 'missing' : `"${value}"`}` +
    (saLabel !== undefined ? ` (the ServiceAccount has it, but the webhook only reads the pod label — D6)` : '');
  const ownToken = projectedTokenFiles(template?.spec).length > 0;
  return problem(
    ownToken ? 'warn' : 'fail',
    ownToken
      ? `${evidence}; the pod mounts its own projected token, so only the AZURE_* variables are missing`
      : evidence,
    `Put ${WORKLOAD_IDENTITY_LABEL}: "true" on spec.jobTemplate.spec.template.metadata.labels of the CronJob (the label on ` +
      'the ServiceAccount does nothing): re-run with mode: deploy.',
  );
}

/** Files of projected ServiceAccount tokens for the token-exchange audience, as mounted in the containers. */
function projectedTokenFiles(spec: V1PodSpec | undefined): string[] {
  if (!spec) return [];
  const tokenVolumes = new Map<string, string>(); // volume name → token path inside the volume
  for (const volume of spec.volumes ?? []) {
    for (const source of volume.projected?.sources ?? []) {
      const token = source.serviceAccountToken;
      if (token && token.audience === AZURE_TOKEN_EXCHANGE_AUDIENCE) tokenVolumes.set(volume.name, token.path);
    }
  }
  return allContainers(spec).flatMap((container) =>
    (container.volumeMounts ?? [])
      .filter((mount) => tokenVolumes.has(mount.name))
      .map((mount) => path.posix.join(mount.mountPath, tokenVolumes.get(mount.name)!)),
  );
}

/** Mount paths of emptyDir volumes: where the entra mode's refresher writes the Entra token. */
function emptyDirMounts(spec: V1PodSpec | undefined): string[] {
  if (!spec) return [];
  const emptyDirs = new Set((spec.volumes ?? []).filter((volume) => volume.emptyDir).map((volume) => volume.name));
  return allContainers(spec).flatMap((container) =>
    (container.volumeMounts ?? []).filter((mount) => emptyDirs.has(mount.name)).map((mount) => mount.mountPath),
  );
}

function allContainers(spec: V1PodSpec): V1Container[] {
  return [...(spec.initContainers ?? []), ...spec.containers];
}

interface CredentialConfig {
  type?: unknown;
  audience?: unknown;
  subject_token_type?: unknown;
  token_url?: unknown;
  service_account_impersonation_url?: unknown;
  credential_source?: { file?: unknown };
}

function judgeCredentialConfig(snapshot: ClusterSnapshot, settings: Settings): Check {
  const name = settings.names.credentialConfigMap;
  if (snapshot.credentialConfig.state !== 'found') return unreadable(snapshot.credentialConfig, `ConfigMap ${name}`);
  const data = snapshot.credentialConfig.value.data ?? {};
  const key =
    'credential-config.json' in data ? 'credential-config.json' : Object.keys(data).find((k) => k.endsWith('.json'));
  if (!key) return problem('fail', `ConfigMap ${name} has no credential-config.json key`, REDEPLOY);
  let config: CredentialConfig;
  try {
    config = JSON.parse(data[key]) as CredentialConfig;
  } catch {
    return problem('fail', `${key} in ConfigMap ${name} is not valid JSON`, REDEPLOY);
  }

  const wrong: string[] = [];
  const expectField = (field: string, actual: unknown, expected: string, consequence: string) => {
    if (actual === expected) return;
    wrong.push(`${field} is ${JSON.stringify(actual)}, expected "${expected}" (${consequence})`);
  };
  expectField('type', config.type, 'external_account', 'gcloud would not treat it as federation');
  expectField(
    'audience',
    config.audience,
    workloadIdentityAudience(settings.identity),
    'STS answers invalid_request/invalid_target',
  );
  expectField('token_url', config.token_url, settings.identity.stsUrl, 'the exchange goes elsewhere');
  expectField(
    'service_account_impersonation_url',
    config.service_account_impersonation_url,
    impersonationUrl(settings.identity),
    'a different service account is impersonated',
  );
  if (config.subject_token_type !== JWT_SUBJECT_TOKEN_TYPE) {
    wrong.push(`subject_token_type is ${JSON.stringify(config.subject_token_type)}, expected a JWT token type`);
  }

  const file = config.credential_source?.file;
  const spec = cronJobPodSpec(snapshot);
  const notes: string[] = [];
  if (typeof file !== 'string') {
    wrong.push('credential_source.file is missing');
  } else if (!spec) {
    notes.push(`credential_source.file ${file} not compared: CronJob not readable`);
  } else if (settings.identity.federation === 'kubernetes') {
    const ownFiles = projectedTokenFiles(spec);
    if (ownFiles.length > 0 && !ownFiles.includes(file)) {
      wrong.push(`credential_source.file is ${file}, but the refresher's projected token is at ${ownFiles.join(', ')}`);
    } else if (ownFiles.length === 0 && WEBHOOK_TOKEN_FILES.includes(file)) {
      notes.push(`credential_source.file ${file} relies on the webhook's injected token path, which changed in 1.6 (D6)`);
    } else if (ownFiles.length === 0) {
      wrong.push(`credential_source.file is ${file}, and the refresher pod template mounts no projected token`);
    }
  } else {
    // entra: the file is the Entra token the refresher writes into an emptyDir, not the raw SA token.
    if (projectedTokenFiles(spec).includes(file)) {
      wrong.push(
        `credential_source.file is the raw ServiceAccount token ${file}; federation: entra reads the Entra token file`,
      );
    } else if (!emptyDirMounts(spec).some((mount) => file.startsWith(`${mount.replace(/\/+$/, '')}/`))) {
      wrong.push(`credential_source.file ${file} is not inside an emptyDir mounted in the refresher pod`);
    }
  }

  if (wrong.length > 0) {
    return problem(
      'fail',
      `${key}: ${wrong.join('; ')}`,
      'The ConfigMap differs from the inputs (gcp-project-number, workload-identity-pool, workload-identity-provider, ' +
        'gcp-service-account, federation): re-run with mode: deploy to re-render it, or fix the inputs if the ConfigMap ' +
        'is right.',
    );
  }
  const summary =
    `external_account, audience ${config.audience}, ` +
    `impersonates ${settings.identity.gcpServiceAccount}, token file ${file}`;
  if (notes.length > 0) {
    return problem(
      'warn',
      `${summary}; ${notes.join('; ')}`,
      'Mount the projected token in the CronJob yourself (the seed volume azure-identity-token) so the path does not ' +
        'depend on the webhook version: re-run with mode: deploy.',
    );
  }
  return pass(summary);
}

/** Minutes between runs of a 5-field cron schedule; simple cases only, else one hour. */
export function schedulePeriodMinutes(schedule: string): number {
  const macros: Record<string, number> = {
    '@hourly': 60,
    '@daily': 1440,
    '@midnight': 1440,
    '@weekly': 10080,
  };
  const trimmed = schedule.trim();
  if (trimmed in macros) return macros[trimmed];
  const fields = trimmed.split(/\s+/);
  if (fields.length !== 5) return 60;
  const [minute, hour, dayOfMonth, month, dayOfWeek] = fields;
  const step = (field: string) => /^\*\/(\d+)$/.exec(field)?.[1];
  const fixed = (field: string) => /^\d+$/.test(field);
  if (dayOfMonth !== '*' || month !== '*') return 60;
  if (dayOfWeek !== '*') return fixed(minute) && fixed(hour) && fixed(dayOfWeek) ? 10080 : 60;
  if (minute === '*' && hour === '*') return 1;
  const minuteStep = step(minute);
  if (minuteStep && hour === '*') return Number(minuteStep);
  if (/^\d+(,\d+)+$/.test(minute) && hour === '*') return largestGap(minute.split(',').map(Number), 60);
  if (fixed(minute) && hour === '*') return 60;
  const hourStep = step(hour);
  if (fixed(minute) && hourStep) return 60 * Number(hourStep);
  if (fixed(minute) && fixed(hour)) return 1440;
  return 60;
}

function largestGap(points: number[], cycle: number): number {
  const sorted = [...new Set(points)].sort((a, b) => a - b);
  return Math.max(...sorted.map((point, i) => (i + 1 < sorted.length ? sorted[i + 1] : sorted[0] + cycle) - point));
}

function judgeCronJob(snapshot: ClusterSnapshot, settings: Settings, now: Date): Check {
  const name = settings.names.cronJob;
  if (snapshot.cronJob.state !== 'found') return unreadable(snapshot.cronJob, `CronJob ${name}`);
  const cronJob = snapshot.cronJob.value;
  const schedule = cronJob.spec?.schedule ?? '';
  if (cronJob.spec?.suspend) {
    return problem(
      'fail',
      `CronJob ${name} is suspended (schedule ${schedule})`,
      `Resume it: \`kubectl patch cronjob ${name} -n ${settings.names.namespace} -p '{"spec":{"suspend":false}}'\`, ` +
        'or re-run with mode: deploy.',
    );
  }
  const jobs = snapshot.jobs.state === 'found' ? newestFirst(snapshot.jobs.value) : [];
  const pods = snapshot.pods.state === 'found' ? snapshot.pods.value : [];
  const periodMinutes = schedulePeriodMinutes(schedule);
  const staleAfterMs = 2 * periodMinutes * 60_000;

  const lastSuccess = newest([
    toDate(cronJob.status?.lastSuccessfulTime),
    ...jobs.filter((job) => jobOutcome(job) === 'complete').map((job) => toDate(job.status?.completionTime)),
  ]);
  const successText = lastSuccess
    ? `last success ${minutesAgo(lastSuccess, now)} (${lastSuccess.toISOString()})`
    : 'no successful run recorded';
  const scheduleText = `schedule "${schedule}" (every ${periodMinutes} min)`;

  // The newest finished Job decides; a failure not superseded by a success is explained with its
  // log. So is the newest Job while it retries after failed pods (e.g. right after a failed deploy):
  // it may still succeed, so that alone is a warning.
  const newestFinished = jobs.find((job) => jobOutcome(job) !== 'running');
  const failed = newestFinished && jobOutcome(newestFinished) === 'failed' ? newestFinished : undefined;
  const newestJob = jobs[0];
  const retrying =
    newestJob && jobOutcome(newestJob) === 'running' && (newestJob.status?.failed ?? 0) > 0 ? newestJob : undefined;
  if (failed || retrying) {
    const failedName = failed?.metadata?.name ?? '';
    const retryingName = retrying?.metadata?.name ?? '';
    const jobNames = [retryingName, failedName].filter(Boolean);
    const condition = failed ? jobFailure(failed) : undefined;
    const events = summariseEvents(
      eventsFor(snapshot, jobNames.flatMap((jobName) => [jobName, ...podsOfJob(pods, jobName).map(podName)])),
    );
    // collectSnapshot read the log of the newest Job with failed pods: the retrying one if any.
    const log = snapshot.refresherLog && jobNames.includes(snapshot.refresherLog.jobName) ? snapshot.refresherLog : undefined;
    const logText = log?.tail
      ? `pod ${log.podName} log tail:\n${log.tail}`
      : log?.error
        ? `log unavailable: ${log.error}`
        : '';
    const evidence = [
      retrying
        ? `Job ${retryingName} is retrying: ${retrying.status?.failed} pod(s) failed so far ` +
          `(backoffLimit ${retrying.spec?.backoffLimit ?? 6})`
        : '',
      failed ? `Job ${failedName} failed: ${condition?.reason ?? 'Failed'}: ${condition?.message ?? ''}`.trim() : '',
      successText,
      events ? `events: ${events}` : '',
      logText,
    ]
      .filter(Boolean)
      .join('\n');
    // The log and the events say why; the Job condition only says that it failed.
    return problem(
      failed ? 'fail' : 'warn',
      evidence,
      `Read the refresher log: \`kubectl logs -n ${settings.names.namespace} -l job-name=${log?.jobName ?? jobNames[0]}\`.`,
      [log?.tail ?? '', log?.error ?? '', events, `${condition?.reason ?? ''} ${condition?.message ?? ''}`].join('\n'),
    );
  }

  const created = toDate(cronJob.metadata?.creationTimestamp);
  if (!lastSuccess) {
    const young = created !== undefined && now.getTime() - created.getTime() < staleAfterMs;
    return problem(
      young ? 'warn' : 'fail',
      `${successText}; ${scheduleText}; ${jobs.length} Job(s) present`,
      'Start a refresh now and watch it: ' +
        `\`kubectl create job --from=cronjob/${name} refresh-now -n ${settings.names.namespace}\`.`,
    );
  }
  if (now.getTime() - lastSuccess.getTime() > staleAfterMs) {
    return problem(
      'fail',
      `${successText}, more than two periods of ${scheduleText}`,
      'The CronJob has not succeeded for two periods: check that the cronjob controller schedules it ' +
        `(\`kubectl get jobs -n ${settings.names.namespace}\`), that startingDeadlineSeconds is not too short, and start ` +
        `one by hand: \`kubectl create job --from=cronjob/${name} refresh-now -n ${settings.names.namespace}\`.`,
    );
  }
  const newestText = jobs[0] ? `; newest Job ${jobs[0].metadata?.name} ${jobOutcome(jobs[0])}` : '';
  return pass(`${scheduleText}; ${successText}${newestText}`);
}

function judgePullSecret(snapshot: ClusterSnapshot, settings: Settings, now: Date): Check {
  const name = settings.names.pullSecret;
  const observed = snapshot.pullSecret;
  if (observed.state === 'absent') {
    return problem(
      'fail',
      `Secret ${name} not found`,
      'The refresher Job writes it (see cronjob-healthy). Start one: ' +
        `\`kubectl create job --from=cronjob/${settings.names.cronJob} refresh-now -n ${settings.names.namespace}\`, ` +
        'or re-run with mode: deploy.',
    );
  }
  if (observed.state !== 'found') return unreadable(observed, `Secret ${name}`);
  const secret = observed.value;
  const host = settings.identity.registryHost;
  if (secret.type !== 'kubernetes.io/dockerconfigjson') {
    return problem(
      'fail',
      `Secret ${name} has type ${secret.type ?? '(none)'}, not kubernetes.io/dockerconfigjson`,
      `The kubelet ignores it for pulls. Delete it (\`kubectl delete secret ${name} -n ${settings.names.namespace}\`) ` +
        'and let the refresher recreate it.',
    );
  }
  if (secret.parseError) {
    return problem('fail', `Secret ${name}: ${secret.parseError}`, 'Delete it and let the refresher recreate it.');
  }
  const entry = secret.registries.find((registry) => registryHost(registry.host) === host);
  if (!entry) {
    const hosts = secret.registries.map((registry) => registry.host).join(', ') || 'none';
    return problem(
      'fail',
      `Secret ${name} has no entry for ${host} (hosts: ${hosts})`,
      `The refresher's --docker-server must be the image's registry host ${host} (input registry-region): ` +
        're-run with mode: deploy.',
    );
  }
  if (entry.username !== PULL_SECRET_USERNAME) {
    return problem(
      'fail',
      `Secret ${name} entry for ${host} has user ${entry.username ?? '(none)'}, not ${PULL_SECRET_USERNAME}`,
      `Artifact Registry accepts an access token only with the user ${PULL_SECRET_USERNAME}: re-run with mode: deploy.`,
    );
  }

  const expiry = secretExpiry(secret, settings.workload.tokenLifetimeSeconds);
  if (!expiry) {
    return problem('warn', `Secret ${name} for ${host}: no time to judge its age`, 'Let the refresher rewrite it.');
  }
  const written = expiry.writtenAt ? `written ${minutesAgo(expiry.writtenAt, now)}, ` : '';
  const remainingMs = expiry.expiresAt.getTime() - now.getTime();
  const expiryText = `${written}expires ${expiry.expiresAt.toISOString()} (${expiry.source})`;
  const refreshHint =
    `The refresher has not replaced the token in time: see cronjob-healthy, and start one now: ` +
    `\`kubectl create job --from=cronjob/${settings.names.cronJob} refresh-now -n ${settings.names.namespace}\`. ` +
    'GCP access tokens live 60 minutes (D12).';
  if (remainingMs <= 0) {
    const expired = `token expired ${minutesAgo(expiry.expiresAt, now)}`;
    return problem('fail', `Secret ${name} for ${host}: ${expired}; ${expiryText}`, refreshHint);
  }
  if (remainingMs < EXPIRY_WARNING_MS) {
    const soon = `token expires in ${Math.round(remainingMs / 60_000)} min`;
    return problem('warn', `Secret ${name} for ${host}: ${soon}; ${expiryText}`, refreshHint);
  }
  const left = `${Math.round(remainingMs / 60_000)} min left`;
  return pass(`Secret ${name} for ${host} (user ${PULL_SECRET_USERNAME}): ${expiryText}, ${left}`);
}

function registryHost(key: string): string {
  return key.replace(/^https?:\/\//, '').replace(/\/.*$/, '');
}

/** When the token stops working: the refresher's annotation, else the last write + the token lifetime. */
function secretExpiry(
  secret: PullSecretSummary,
  lifetimeSeconds: number,
): { expiresAt: Date; writtenAt?: Date; source: string } | undefined {
  const lifetimeMs = lifetimeSeconds * 1000;
  const annotated = toDate(secret.annotations[EXPIRES_AT_ANNOTATION]);
  const refreshedAt = toDate(secret.annotations[REFRESHED_AT_ANNOTATION]);
  const writtenAt = refreshedAt ?? secret.lastWriteAt ?? secret.createdAt;
  if (annotated) return { expiresAt: annotated, writtenAt, source: `annotation ${EXPIRES_AT_ANNOTATION}` };
  if (!writtenAt) return undefined;
  const source = refreshedAt
    ? `annotation ${REFRESHED_AT_ANNOTATION}`
    : secret.lastWriteAt
      ? 'last write (managedFields)'
      : 'creationTimestamp';
  return {
    expiresAt: new Date(writtenAt.getTime() + lifetimeMs),
    writtenAt,
    source: `${source} + ${Math.round(lifetimeSeconds / 60)} min token lifetime`,
  };
}

function judgeDeployment(snapshot: ClusterSnapshot, settings: Settings): Check {
  const name = settings.names.deployment;
  if (snapshot.deployment.state !== 'found') return unreadable(snapshot.deployment, `Deployment ${name}`);
  const deployment = snapshot.deployment.value;
  const desired = deployment.spec?.replicas ?? 1;
  const status = deployment.status ?? {};
  const condition = (type: string) => status.conditions?.find((c) => c.type === type);
  const available = condition('Available');
  const progressing = condition('Progressing');
  const total = status.replicas ?? 0;
  const updated = status.updatedReplicas ?? 0;
  const counts =
    `replicas ${desired}, updated ${updated}, ready ${status.readyReplicas ?? 0}, ` +
    `available ${status.availableReplicas ?? 0}${total > updated ? `, old ${total - updated}` : ''}; ` +
    `generation ${deployment.metadata?.generation ?? '?'}, observed ${status.observedGeneration ?? '?'}`;
  const seePods = 'See pods-healthy for why the pods are not ready.';
  if (desired === 0) return problem('warn', `Deployment ${name} is scaled to 0`, 'Set the replicas input above 0.');
  if (progressing?.reason === 'ProgressDeadlineExceeded') {
    return problem('fail', `${counts}; Progressing: ${progressing.reason}: ${progressing.message ?? ''}`, seePods);
  }
  if (available?.status !== 'True') {
    const why = available
      ? `Available ${available.status}: ${available.reason ?? ''} ${available.message ?? ''}`.trim()
      : 'no Available condition';
    return problem('fail', `${counts}; ${why}`, seePods);
  }
  // As `kubectl rollout status` judges it: an old pod still serving makes `available` reach
  // `desired` while the new pod is stuck (maxUnavailable 0), so old pods must be gone too.
  const rolledOut =
    (status.observedGeneration ?? 0) >= (deployment.metadata?.generation ?? 0) &&
    updated >= desired &&
    total <= updated &&
    (status.availableReplicas ?? 0) >= updated;
  if (!rolledOut) {
    return problem('warn', `${counts}; Available, but the rollout of the current generation is not complete`, seePods);
  }
  return pass(counts);
}

function podName(pod: V1Pod): string {
  return pod.metadata?.name ?? '';
}

function gatewayPods(snapshot: ClusterSnapshot, settings: Settings): V1Pod[] {
  if (snapshot.pods.state !== 'found') return [];
  const selector =
    (snapshot.deployment.state === 'found' ? snapshot.deployment.value.spec?.selector.matchLabels : undefined) ?? {
      app: settings.names.deployment,
    };
  return snapshot.pods.value.filter((pod) =>
    Object.entries(selector).every(([key, value]) => pod.metadata?.labels?.[key] === value),
  );
}

function judgePods(snapshot: ClusterSnapshot, settings: Settings): Check {
  if (snapshot.pods.state !== 'found') return unreadable(snapshot.pods, `pods in ${settings.names.namespace}`);
  const pods = gatewayPods(snapshot, settings);
  const deploymentName = settings.names.deployment;
  // ReplicaSet events (FailedCreate: quota, admission webhook) explain pods that never appeared.
  const replicaSetEvents = (snapshot.warningEvents.state === 'found' ? snapshot.warningEvents.value : []).filter(
    (event) =>
      event.involvedObject.kind === 'ReplicaSet' && event.involvedObject.name?.startsWith(`${deploymentName}-`),
  );
  const podEvents = summariseEvents([...eventsFor(snapshot, pods.map(podName)), ...replicaSetEvents]);
  const desired = snapshot.deployment.state === 'found' ? (snapshot.deployment.value.spec?.replicas ?? 1) : 1;

  if (pods.length === 0) {
    const evidence = `no pods of Deployment ${deploymentName}${podEvents ? `; events: ${podEvents}` : ''}`;
    if (desired === 0) return pass(evidence);
    return problem('fail', evidence, 'The ReplicaSet could not create pods; its events above say why.');
  }

  const problems: string[] = [];
  for (const pod of pods) {
    const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
    for (const status of statuses) {
      const waiting = status.state?.waiting;
      if (waiting?.reason && UNHEALTHY_WAITING_REASONS.has(waiting.reason)) {
        const last = status.lastState?.terminated;
        const lastText = last ? ` (last exit ${last.exitCode}${last.reason ? ` ${last.reason}` : ''})` : '';
        const what = `${waiting.reason}: ${waiting.message ?? ''}${lastText}`;
        problems.push(`pod ${podName(pod)} container ${status.name}: ${what}`.trim());
      }
    }
    const unschedulable = pod.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False');
    if (unschedulable) {
      const why = `${unschedulable.reason ?? ''} ${unschedulable.message ?? ''}`;
      problems.push(`pod ${podName(pod)} not scheduled: ${why}`.trim());
    }
  }
  if (problems.length === 0) {
    const running = pods.filter((pod) => pod.status?.phase === 'Running').length;
    return pass(`${pods.length} pod(s), ${running} Running, no container waiting on an error`);
  }
  const evidence = [...problems, podEvents ? `events: ${podEvents}` : ''].filter(Boolean).join('\n');
  return problem(
    'fail',
    evidence,
    'Describe a pod for the whole story: ' +
      `\`kubectl describe pod -n ${settings.names.namespace} -l app=${deploymentName}\`.`,
  );
}

function judgeIdentityInjection(snapshot: ClusterSnapshot): Check {
  const jobs = snapshot.jobs.state === 'found' ? snapshot.jobs.value : [];
  const pods = snapshot.pods.state === 'found' ? snapshot.pods.value : [];
  const jobNames = new Set(jobs.map((job) => job.metadata?.name));
  const refresherPods = newestFirst(
    pods.filter((pod) => {
      const labels = pod.metadata?.labels ?? {};
      return jobNames.has(labels['job-name']) || jobNames.has(labels['batch.kubernetes.io/job-name']);
    }),
  );
  const pod = refresherPods[0];
  if (!pod) return skipped('no refresher pod exists now (finished Jobs keep their pods only until the history limit)');
  const spec = pod.spec;
  const files = projectedTokenFiles(spec);
  const envFiles = spec
    ? allContainers(spec).flatMap((container) =>
        (container.env ?? []).filter((env) => env.name === FEDERATED_TOKEN_FILE_ENV).map((env) => env.value ?? ''),
      )
    : [];
  if (files.length > 0 || envFiles.length > 0) {
    const parts = [
      files.length > 0
        ? `projected token (audience ${AZURE_TOKEN_EXCHANGE_AUDIENCE}) at ${[...new Set(files)].join(', ')}`
        : '',
      envFiles.length > 0 ? `${FEDERATED_TOKEN_FILE_ENV}=${[...new Set(envFiles)].join(', ')}` : '',
    ].filter(Boolean);
    return pass(`pod ${podName(pod)}: ${parts.join('; ')}`);
  }
  return problem(
    'fail',
    `pod ${podName(pod)} has no projected token for ${AZURE_TOKEN_EXCHANGE_AUDIENCE} and no ${FEDERATED_TOKEN_FILE_ENV}`,
    `The webhook injects the token only into pods labelled ${WORKLOAD_IDENTITY_LABEL}: "true" (on the pod, not the ` +
      'ServiceAccount — D6) and only when AKS workload identity is enabled (`az aks update --enable-oidc-issuer ' +
      '--enable-workload-identity`). Re-run with mode: deploy: the rendered CronJob mounts its own token.',
  );
}

function judgeGatewayHealth(snapshot: ClusterSnapshot, settings: Settings): Check {
  if (snapshot.service.state !== 'found') return unreadable(snapshot.service, `Service ${settings.names.service}`);
  const health = snapshot.health;
  if (!health) return skipped('the Service was not readable, so /health was not asked');
  if (health.status === undefined) {
    return problem(
      'fail',
      `GET ${health.path} failed: ${health.error ?? 'no answer'}`,
      'The API server could not be asked; check the connection to the cluster.',
    );
  }
  const answer = `GET ${health.path} → ${health.status}${health.body ? ` ${health.body}` : ''}`;
  const gatewayLogs = `kubectl logs deployment/${settings.names.deployment} -n ${settings.names.namespace}`;
  if (health.status === 200) return pass(answer);
  // A Kubernetes Status body means the API server answered for the gateway: it never reached it.
  const proxyRefusal = apiServerStatusMessage(health.body);
  if (proxyRefusal !== undefined) {
    if (/no endpoints available/.test(proxyRefusal)) {
      return problem('fail', answer, `No gateway pod is ready to serve: see deployment-available and pods-healthy.`);
    }
    return {
      status: 'warn',
      evidence: answer,
      hint:
        'The API server could not reach a gateway pod through the service proxy, so /health was not asked ' +
        '(the readiness probes still judge it). Check NetworkPolicies and the API server to node connectivity ' +
        `(konnectivity on AKS), or ask directly: kubectl port-forward svc/${settings.names.service} 8080:80 -n ${settings.names.namespace}.`,
    };
  }
  return problem(
    'fail',
    answer,
    health.status === 503
      ? 'Bifrost answers 503 when a store it needs (config_store, logs_store) cannot be reached: fix its connection in ' +
          `the config input, then check \`${gatewayLogs}\`.`
      : `See pods-healthy and the gateway log: \`${gatewayLogs}\`.`,
  );
}

/** The message of a Kubernetes `Status` object, when the body is one (not the gateway's own answer). */
function apiServerStatusMessage(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { kind?: string; message?: string };
    return parsed?.kind === 'Status' ? (parsed.message ?? '') : undefined;
  } catch {
    return undefined;
  }
}

// ── Small helpers ────────────────────────────────────────────────────────────────────────────

function eventsFor(snapshot: ClusterSnapshot, objectNames: string[]): CoreV1Event[] {
  if (snapshot.warningEvents.state !== 'found') return [];
  const wanted = new Set(objectNames);
  return snapshot.warningEvents.value.filter((event) => wanted.has(event.involvedObject.name ?? ''));
}

/** One line per distinct reason + message, newest first, with counts. */
export function summariseEvents(events: CoreV1Event[]): string {
  const byText = new Map<string, { count: number; last: number }>();
  for (const event of events) {
    const text = `${event.reason ?? ''}: ${redactSecrets(event.message ?? '')}`;
    const seen = byText.get(text) ?? { count: 0, last: 0 };
    seen.count += event.count ?? 1;
    seen.last = Math.max(seen.last, time(event.lastTimestamp ?? event.eventTime ?? event.metadata?.creationTimestamp));
    byText.set(text, seen);
  }
  return [...byText.entries()]
    .sort((a, b) => b[1].last - a[1].last)
    .slice(0, 8)
    .map(([text, { count }]) => (count > 1 ? `${text} (x${count})` : text))
    .join('\n');
}

/** client-node gives Date objects; YAML fixtures and annotations give strings. */
function toDate(value: Date | string | undefined | null): Date | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const date = value instanceof Date ? value : new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

function time(value: Date | string | undefined | null): number {
  return toDate(value)?.getTime() ?? 0;
}

function newest(dates: Array<Date | undefined>): Date | undefined {
  return dates.reduce<Date | undefined>((best, date) => (date && (!best || date > best) ? date : best), undefined);
}

function minutesAgo(date: Date, now: Date): string {
  const minutes = Math.round((now.getTime() - date.getTime()) / 60_000);
  return minutes >= 0 ? `${minutes} min ago` : `in ${-minutes} min`;
}
