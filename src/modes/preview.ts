// Pull-request previews against the cluster: deploy, teardown and sweep (src/preview.ts says
// what a preview is). main.ts hands over here for `preview` deploys and the teardown/sweep modes.
import {
  CoordinationV1Api,
  KubernetesObjectApi,
  type KubernetesObject,
  type V1CronJob,
  type V1Job,
  type V1Lease,
  type V1Namespace,
} from '@kubernetes/client-node';
import { connectAzure, resolveClusterAccess } from '../azure/index.js';
import { GitHubAuthError, gitHubClient } from '../github/client.js';
import { findHint, formatHint } from '../report/hints.js';
import { formatEvents, KubeClient } from '../cluster/client.js';
import { statusOf, wrap } from '../cluster/errors.js';
import { endsTheRun } from '../net/retry.js';
import {
  compareRuns,
  decideSweep,
  leaseName,
  parseRunKey,
  PREVIEW_ANNOTATIONS,
  PREVIEW_LABELS,
  previewAccess,
  previewLabels,
  previewSelector,
  refreshJobName,
  renderPreview,
  repositoryPreviewsSelector,
  runKeyText,
  servesPreviewsValue,
  type PreviewFound,
  type PreviewSettings,
  type PullState,
  type RunKey,
} from '../manifests/preview.js';
import {
  ONLY_NAMESPACE_ENV,
  PREVIEW_NAMESPACE_LABEL_ENV,
  PULL_SECRET_FROM_LABEL,
  REFRESHER_CONTAINER,
} from '../manifests/refresher.js';
import type { Core, RunReport } from '../report/report.js';
import { ActionFailure, group, podEvidence } from '../report/report.js';
import { EXPIRES_AT_ANNOTATION, type Settings } from '../config/settings.js';

/** A holder that has not renewed for this long is gone (cancelled, killed runner). */
const LEASE_DURATION_SECONDS = 20;
const LEASE_RENEW_MS = 5_000;
const POLL_MS = 500;
const JOB_TTL_SECONDS = 600;
const SWEEP_CONCURRENCY = 5;
/** Kinds searched for the objects whose finalizers hold a deleted namespace. */
const NAMESPACED_KINDS: { apiVersion: string; kind: string }[] = [
  ...['Pod', 'Service', 'Secret', 'ConfigMap', 'ServiceAccount', 'PersistentVolumeClaim'].map((kind) => ({
    apiVersion: 'v1',
    kind,
  })),
  { apiVersion: 'apps/v1', kind: 'Deployment' },
  { apiVersion: 'apps/v1', kind: 'ReplicaSet' },
  { apiVersion: 'batch/v1', kind: 'Job' },
  { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress' },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role' },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding' },
];

export interface PreviewRun {
  core: Core & { getIDToken: (audience?: string) => Promise<string> };
  settings: Settings;
  report: RunReport;
  deadline: AbortSignal;
  /** When `deadline` fires (ms since the epoch): waits stop a little before, to report. */
  deadlineAt: number;
  env: NodeJS.ProcessEnv;
  now: () => Date;
}

export async function runPreview(run: PreviewRun): Promise<void> {
  const { core, settings, report } = run;
  if (settings.sweep) core.setSecret(settings.sweep.token);
  const kube = await connect(run);
  if (settings.mode === 'sweep') return sweep(run, kube);
  const preview = settings.preview!;
  report.namespace = preview.namespace;
  if (settings.mode === 'teardown') return teardown(run, kube, preview);
  return deployPreview(run, kube, preview);
}

async function connect({ core, settings, env }: PreviewRun): Promise<KubeClient> {
  const access = await resolveClusterAccess(settings, () => {
    const azure = connectAzure(settings, { getIdToken: (audience) => core.getIDToken(audience), env });
    return { arm: azure.arm, credential: azure.login.credential };
  });
  core.info(`Cluster: ${access.description}`);
  return new KubeClient(access.kubeConfig, settings.control.fieldManager);
}

function runKey(settings: Settings, preview: PreviewSettings): RunKey {
  return { runId: settings.control.runId, runAttempt: settings.control.runAttempt, commit: preview.commit };
}

// ---- Deploy -------------------------------------------------------------------------------------

async function deployPreview(run: PreviewRun, kube: KubeClient, preview: PreviewSettings): Promise<void> {
  const { core, settings, report, deadline, now } = run;
  const { names } = settings;
  const me = runKey(settings, preview);

  const cronJob = await group(core, 'Production install', () => checkProduction(kube, settings, preview));
  report.phases.push({
    name: 'Production',
    status: 'succeeded',
    detail: `CronJob ${preview.productionNamespace}/${names.cronJob} serves previews as ${names.refresherServiceAccount}`,
  });

  const lock = new PreviewLock(kube, preview, me, core);
  const acquired = await group(core, 'Preview lock', () => lock.acquire(deadline));
  if (acquired !== 'acquired') {
    supersededNotice(core, report, preview, acquired);
    return;
  }
  const signal = AbortSignal.any([deadline, lock.superseded.signal]);
  try {
    const objects = renderPreview(settings, preview, now().toISOString());
    // Server-side apply in dependency tiers (the Namespace first), as a production deploy does.
    const applyEach = async (list: KubernetesObject[]) => {
      const { applied } = await kube.applyAll(list, settings.control.forceConflicts);
      for (const a of applied)
        core.info(`${a.kind} ${a.namespace ? `${a.namespace}/` : ''}${a.name} ${a.action}`);
      return applied;
    };
    report.applied = await group(core, 'Apply preview', async () => {
      await lock.ensureCurrent();
      if (!settings.workload.config) {
        const exists = await kube.secretExists(preview.namespace, names.configSecret);
        if (!exists) {
          throw new ActionFailure(
            'Bifrost config missing',
            `Secret ${preview.namespace}/${names.configSecret} does not exist and the \`config\` input is empty.`,
            [],
            'A preview namespace starts empty: set the `config` input (e.g. a config file of the pull request, or a secret).',
          );
        }
      }
      return applyEach(objects.filter((o) => o.kind !== 'Deployment'));
    });
    report.phases.push({
      name: 'Apply',
      status: 'succeeded',
      detail: `${report.applied.length} object(s) in ${preview.namespace}`,
    });

    const jobName = refreshJobName(preview, me);
    report.jobName = jobName;
    await group(core, 'Pull secret from production', async () => {
      await lock.ensureCurrent();
      await createRefreshJob(kube, settings, preview, cronJob, jobName, me);
      core.info(
        `Job ${preview.productionNamespace}/${jobName} writes ${names.pullSecret} into ${preview.namespace} only`,
      );
      const outcome = await kube.waitForJob(preview.productionNamespace, jobName, signal);
      if (outcome.status !== 'complete')
        throw await refreshFailure(kube, settings, preview, jobName, outcome.status);
      const expiresAt = await freshPullSecret(kube, settings, preview, jobName);
      report.pullSecretExpiresAt = expiresAt;
      report.phases.push({
        name: 'Pull secret',
        status: 'succeeded',
        detail: `Job ${jobName} (production's refresher) wrote ${preview.namespace}/${names.pullSecret}; expires ${expiresAt ?? 'at an unknown time'}`,
      });
    });

    // The gateway only once its pull secret exists: the first image pull then has credentials.
    await group(core, 'Apply gateway', async () => {
      await lock.ensureCurrent();
      report.applied.push(...(await applyEach(objects.filter((o) => o.kind === 'Deployment'))));
    });

    if (settings.control.wait) {
      await group(core, 'Rollout', async () => {
        const outcome = await kube.waitForRollout(preview.namespace, names.deployment, signal);
        if (outcome.status !== 'available') {
          const what =
            outcome.status === 'stuck'
              ? `Pod ${outcome.stuck.pod} is stuck: ${outcome.stuck.reason}${outcome.stuck.message ? `: ${outcome.stuck.message}` : ''}`
              : outcome.status === 'failed'
                ? `${outcome.reason}: ${outcome.message}`
                : 'not available';
          const events =
            outcome.status === 'stuck'
              ? formatEvents(await kube.eventsFor(preview.namespace, outcome.stuck.pod))
              : [];
          const hint = findHint([what, ...events].join('\n'));
          throw new ActionFailure(
            'Preview rollout failed',
            `Deployment ${preview.namespace}/${names.deployment}: ${what}`,
            events.length ? ['Events:', ...events.map((e) => `  ${e}`)] : [],
            (hint && formatHint(hint)) ??
              `kubectl describe deployment ${names.deployment} -n ${preview.namespace} shows which pods hold the rollout back.`,
          );
        }
        report.phases.push({
          name: 'Rollout',
          status: 'succeeded',
          detail: `Deployment ${names.deployment}: ${outcome.deployment.status?.availableReplicas ?? 0} replica(s) available`,
        });
      });
    } else {
      report.phases.push({ name: 'Rollout', status: 'skipped', detail: '`wait` is false' });
    }
    report.preview = previewAccess(settings, preview);
    core.info(report.preview.instructions);
  } catch (error) {
    if (lock.superseded.signal.aborted) {
      supersededNotice(core, report, preview, lock.newer ?? { runId: '?', runAttempt: '?' });
      return;
    }
    throw error;
  } finally {
    await lock.release();
  }
}

function supersededNotice(
  core: Core,
  report: RunReport,
  preview: PreviewSettings,
  newer: Pick<RunKey, 'runId' | 'runAttempt'> & { commit?: string },
): void {
  const text = `A newer run (${runKeyText(newer)}${newer.commit ? `, commit ${newer.commit}` : ''}) deploys preview #${preview.pr}: this run stops here.`;
  core.notice(text, { title: 'Preview superseded' });
  report.phases.push({ name: 'Preview lock', status: 'skipped', detail: text });
}

/** Production's CronJob must exist, serve previews and run as the ServiceAccount we bind. */
async function checkProduction(
  kube: KubeClient,
  settings: Settings,
  preview: PreviewSettings,
): Promise<V1CronJob> {
  const { names } = settings;
  const where = `${preview.productionNamespace}/${names.cronJob}`;
  let cronJob: V1CronJob;
  try {
    cronJob = await kube.batch.readNamespacedCronJob({
      name: names.cronJob,
      namespace: preview.productionNamespace,
    });
  } catch (error) {
    if (statusOf(error) !== 404) throw wrap(`read CronJob ${where}`, error);
    throw new ActionFailure(
      'Production install missing',
      `CronJob ${where} does not exist: a preview has no refresher of its own and takes its pull secret from production's.`,
      [],
      `Deploy production first (mode: deploy, namespace: ${preview.productionNamespace}, serve-previews: true), or set \`namespace\` to production's namespace.`,
    );
  }
  const pod = cronJob.spec?.jobTemplate.spec?.template.spec;
  const container = pod?.containers.find((c) => c.name === REFRESHER_CONTAINER) ?? pod?.containers[0];
  const label = container?.env?.find((e) => e.name === PREVIEW_NAMESPACE_LABEL_ENV)?.value;
  const expected = servesPreviewsValue(preview.productionNamespace);
  if (label !== expected) {
    throw new ActionFailure(
      'Production does not serve previews',
      `CronJob ${where} has ${PREVIEW_NAMESPACE_LABEL_ENV}=${label ?? '(unset)'}, not ${expected}.`,
      [],
      `Redeploy production with \`serve-previews: true\` (its refresher then writes the pull secret into preview namespaces).`,
    );
  }
  const account = pod?.serviceAccountName ?? 'default';
  if (account !== names.refresherServiceAccount) {
    throw new ActionFailure(
      "Production's refresher runs as another ServiceAccount",
      `CronJob ${where} runs as ServiceAccount ${account}, but the preview's RoleBinding would bind ${names.refresherServiceAccount}.`,
      [],
      `Set \`service-account-name: ${account}\` on the preview deploy (the same value production was deployed with).`,
    );
  }
  return cronJob;
}

/** `kubectl create job --from=cronjob/…` with ONLY_NAMESPACE added, labelled with the preview. */
async function createRefreshJob(
  kube: KubeClient,
  settings: Settings,
  preview: PreviewSettings,
  cronJob: V1CronJob,
  jobName: string,
  me: RunKey,
): Promise<void> {
  const template = structuredClone(cronJob.spec!.jobTemplate);
  const spec = template.spec!;
  for (const container of spec.template.spec?.containers ?? []) {
    container.env = [
      ...(container.env ?? []).filter((e) => e.name !== ONLY_NAMESPACE_ENV),
      { name: ONLY_NAMESPACE_ENV, value: preview.namespace },
    ];
  }
  spec.ttlSecondsAfterFinished = JOB_TTL_SECONDS;
  const labels = { ...template.metadata?.labels, ...previewLabels(preview) };
  spec.template.metadata = {
    ...spec.template.metadata,
    labels: { ...spec.template.metadata?.labels, ...labels },
  };
  const body: V1Job = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: jobName,
      namespace: preview.productionNamespace,
      labels,
      annotations: {
        ...template.metadata?.annotations,
        'cronjob.kubernetes.io/instantiate': 'manual',
        [PREVIEW_ANNOTATIONS.run]: runKeyText(me),
      },
    },
    spec,
  };
  try {
    await kube.batch.createNamespacedJob({
      namespace: preview.productionNamespace,
      body,
      fieldManager: settings.control.fieldManager,
    });
  } catch (error) {
    // A retried create of our own run's Job: adopt it.
    if (statusOf(error) === 409) return;
    throw wrap(`create Job ${preview.productionNamespace}/${jobName}`, error);
  }
}

async function refreshFailure(
  kube: KubeClient,
  settings: Settings,
  preview: PreviewSettings,
  jobName: string,
  status: string,
): Promise<ActionFailure> {
  const ns = preview.productionNamespace;
  const pod = (await kube.jobPods(ns, jobName))[0]?.metadata?.name;
  const log = pod ? await kube.logTail(ns, pod, REFRESHER_CONTAINER) : '';
  const events = formatEvents([
    ...(await kube.eventsFor(ns, jobName)),
    ...(pod ? await kube.eventsFor(ns, pod) : []),
  ]);
  const hint = findHint([log, ...events].join('\n'));
  return new ActionFailure(
    "Production's refresher failed for the preview",
    `Job ${ns}/${jobName} (from production's CronJob ${settings.names.cronJob}) ended ${status}: production's refresher is broken, so no preview can get a pull secret.`,
    podEvidence(pod, log, events),
    (hint && formatHint(hint)) ??
      `Fix production first (kubectl logs -n ${ns} -l job-name=${jobName}; run mode: verify on production).`,
  );
}

/** The Secret in the preview namespace, written by this refresh (refreshed-at not older than it). */
async function freshPullSecret(
  kube: KubeClient,
  settings: Settings,
  preview: PreviewSettings,
  jobName: string,
): Promise<string | undefined> {
  const { pullSecret } = settings.names;
  try {
    const secret = await kube.core.readNamespacedSecret({ name: pullSecret, namespace: preview.namespace });
    const annotations = secret.metadata?.annotations ?? {};
    return annotations[EXPIRES_AT_ANNOTATION];
  } catch (error) {
    if (statusOf(error) !== 404) throw wrap(`read Secret ${preview.namespace}/${pullSecret}`, error);
    throw new ActionFailure(
      'Pull secret missing in the preview',
      `Job ${preview.productionNamespace}/${jobName} completed but Secret ${preview.namespace}/${pullSecret} does not exist.`,
      [],
      `Production's refresher must honour ${ONLY_NAMESPACE_ENV} (redeploy production with this version and \`serve-previews: true\`), and RoleBinding ${preview.namespace}/${settings.names.roleBinding} must bind its ServiceAccount.`,
    );
  }
}

// ---- Lock ---------------------------------------------------------------------------------------

type AcquireResult = 'acquired' | (Pick<RunKey, 'runId' | 'runAttempt'> & { commit?: string });

const LEASE_ANNOTATIONS = {
  newest: 'bifrost.maximhq.dev/newest-run',
  newestCommit: 'bifrost.maximhq.dev/newest-commit',
  renewedAt: 'bifrost.maximhq.dev/renewed-at',
} as const;

/**
 * One Lease per preview in production's namespace orders overlapping runs: each run records
 * itself as the newest run that wants the preview; the newer GitHub run (run id, then attempt)
 * wins. An older run stops with a notice before applying anything more; a newer run waits until
 * the holder releases the Lease or stops renewing it (a cancelled or killed run).
 */
class PreviewLock {
  readonly superseded = new AbortController();
  newer?: Pick<RunKey, 'runId' | 'runAttempt'> & { commit?: string };
  private readonly api: CoordinationV1Api;
  private timer?: NodeJS.Timeout;
  private held = false;
  private readonly name: string;
  private readonly namespace: string;

  constructor(
    kube: KubeClient,
    private readonly preview: PreviewSettings,
    private readonly me: RunKey,
    private readonly core: Core,
  ) {
    this.api = kube.kubeConfig.makeApiClient(CoordinationV1Api);
    this.name = leaseName(preview);
    this.namespace = preview.productionNamespace;
  }

  private get meText(): string {
    return runKeyText(this.me);
  }

  private async read(): Promise<V1Lease | undefined> {
    try {
      return await this.api.readNamespacedLease({ name: this.name, namespace: this.namespace });
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw wrap(`read Lease ${this.namespace}/${this.name}`, error);
    }
  }

  private annotationsFor(holder: string): Record<string, string> {
    return {
      [LEASE_ANNOTATIONS.newest]: this.meText,
      [LEASE_ANNOTATIONS.newestCommit]: this.me.commit,
      [LEASE_ANNOTATIONS.renewedAt]: holder ? new Date().toISOString() : '',
    };
  }

  /** Replace with optimistic concurrency; false on a conflict (someone else wrote first). */
  private async write(lease: V1Lease): Promise<boolean> {
    try {
      if (lease.metadata?.resourceVersion) {
        await this.api.replaceNamespacedLease({ name: this.name, namespace: this.namespace, body: lease });
      } else {
        await this.api.createNamespacedLease({ namespace: this.namespace, body: lease });
      }
      return true;
    } catch (error) {
      if (statusOf(error) === 409) return false;
      throw wrap(`write Lease ${this.namespace}/${this.name}`, error);
    }
  }

  private newestOf(lease: V1Lease): (Pick<RunKey, 'runId' | 'runAttempt'> & { commit?: string }) | undefined {
    const key = parseRunKey(lease.metadata?.annotations?.[LEASE_ANNOTATIONS.newest]);
    return key && { ...key, commit: lease.metadata?.annotations?.[LEASE_ANNOTATIONS.newestCommit] };
  }

  async acquire(deadline: AbortSignal): Promise<AcquireResult> {
    let waitingFor = '';
    for (;;) {
      deadline.throwIfAborted();
      const lease = await this.read();
      if (!lease) {
        const created = await this.write({
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: {
            name: this.name,
            namespace: this.namespace,
            labels: previewLabels(this.preview),
            annotations: this.annotationsFor(this.meText),
          },
          spec: { holderIdentity: this.meText, leaseDurationSeconds: LEASE_DURATION_SECONDS },
        });
        if (created) return this.hold();
        continue;
      }
      const newest = this.newestOf(lease);
      if (newest && compareRuns(newest, this.me) > 0) return newest;
      const holder = lease.spec?.holderIdentity ?? '';
      const renewedAt = Date.parse(lease.metadata?.annotations?.[LEASE_ANNOTATIONS.renewedAt] ?? '');
      const expired = !Number.isFinite(renewedAt) || Date.now() - renewedAt > LEASE_DURATION_SECONDS * 1000;
      const free = !holder || holder === this.meText || expired;
      const next: V1Lease = {
        ...lease,
        metadata: {
          ...lease.metadata,
          labels: { ...lease.metadata?.labels, ...previewLabels(this.preview) },
          annotations: {
            ...lease.metadata?.annotations,
            ...this.annotationsFor(free ? this.meText : ''),
            ...(free
              ? {}
              : {
                  [LEASE_ANNOTATIONS.renewedAt]:
                    lease.metadata?.annotations?.[LEASE_ANNOTATIONS.renewedAt] ?? '',
                }),
          },
        },
        spec: { ...lease.spec, ...(free ? { holderIdentity: this.meText } : {}) },
      };
      if (!(await this.write(next))) continue;
      if (free) return this.hold();
      if (waitingFor !== holder) {
        this.core.info(`Run ${holder} (older) holds preview #${this.preview.pr}: waiting until it stops.`);
        waitingFor = holder;
      }
      await sleep(POLL_MS, deadline);
    }
  }

  private hold(): 'acquired' {
    this.held = true;
    this.core.info(`Run ${this.meText} holds Lease ${this.namespace}/${this.name}`);
    this.timer = setInterval(() => void this.renew().catch(() => undefined), LEASE_RENEW_MS);
    this.timer.unref();
    return 'acquired';
  }

  private async renew(): Promise<void> {
    const lease = await this.read();
    if (!lease || !this.held) return;
    if (this.checkNewest(lease)) return;
    await this.write({
      ...lease,
      metadata: {
        ...lease.metadata,
        annotations: {
          ...lease.metadata?.annotations,
          [LEASE_ANNOTATIONS.renewedAt]: new Date().toISOString(),
        },
      },
    });
  }

  /** True (and the run aborted) when a newer run has asked for the preview. */
  private checkNewest(lease: V1Lease): boolean {
    const newest = this.newestOf(lease);
    if (newest && compareRuns(newest, this.me) > 0) {
      this.newer = newest;
      this.superseded.abort(new Error(`superseded by run ${runKeyText(newest)}`));
      return true;
    }
    return false;
  }

  /** Before each step: stop if a newer run wants the preview. */
  async ensureCurrent(): Promise<void> {
    const lease = await this.read();
    if (lease) this.checkNewest(lease);
    this.superseded.signal.throwIfAborted();
  }

  async release(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    if (!this.held) return;
    this.held = false;
    for (let attempt = 0; attempt < 5; attempt++) {
      const lease = await this.read().catch(() => undefined);
      if (!lease || lease.spec?.holderIdentity !== this.meText) return;
      const ok = await this.write({
        ...lease,
        metadata: {
          ...lease.metadata,
          annotations: { ...lease.metadata?.annotations, [LEASE_ANNOTATIONS.renewedAt]: '' },
        },
        spec: { ...lease.spec, holderIdentity: '' },
      }).catch(() => true);
      if (ok) return;
    }
  }

  /** Teardown: the lock is removed with the preview. */
  async remove(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.held = false;
    try {
      await this.api.deleteNamespacedLease({ name: this.name, namespace: this.namespace });
    } catch (error) {
      if (statusOf(error) !== 404) throw wrap(`delete Lease ${this.namespace}/${this.name}`, error);
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason as Error);
      },
      { once: true },
    );
  });
}

// ---- Teardown -----------------------------------------------------------------------------------

async function teardown(run: PreviewRun, kube: KubeClient, preview: PreviewSettings): Promise<void> {
  const { core, settings, report, deadline } = run;
  const lock = new PreviewLock(kube, preview, runKey(settings, preview), core);
  const acquired = await group(core, 'Preview lock', () => lock.acquire(deadline));
  if (acquired !== 'acquired') {
    supersededNotice(core, report, preview, acquired);
    return;
  }
  try {
    const removed = await group(core, 'Teardown', () => removePreview(kube, preview, run.deadlineAt, core));
    report.phases.push({ name: 'Teardown', status: 'succeeded', detail: removed });
  } finally {
    await lock.remove();
  }
}

/** Removes everything of one preview: its Jobs in production, its namespace (waiting until it is
 * gone). The caller removes the Lease. Returns what was done, for the report. */
async function removePreview(
  kube: KubeClient,
  preview: Pick<PreviewSettings, 'pr' | 'repository' | 'namespace' | 'productionNamespace'>,
  deadlineAt: number,
  core: Core,
): Promise<string> {
  const selector = previewSelector(preview);
  const jobs = await kube.batch.listNamespacedJob({
    namespace: preview.productionNamespace,
    labelSelector: selector,
  });
  await Promise.all(
    jobs.items.map((job) =>
      kube.batch
        .deleteNamespacedJob({
          name: job.metadata!.name!,
          namespace: preview.productionNamespace,
          propagationPolicy: 'Background',
        })
        .catch((error: unknown) => {
          if (statusOf(error) !== 404)
            throw wrap(`delete Job ${preview.productionNamespace}/${job.metadata?.name}`, error);
        }),
    ),
  );
  let namespace: V1Namespace | undefined;
  try {
    namespace = await kube.core.readNamespace({ name: preview.namespace });
  } catch (error) {
    if (statusOf(error) !== 404) throw wrap(`read Namespace ${preview.namespace}`, error);
  }
  const parts = [`${jobs.items.length} Job(s) deleted in ${preview.productionNamespace}`];
  if (!namespace) {
    parts.push(`namespace ${preview.namespace} does not exist`);
    core.info(parts.join('; '));
    return parts.join('; ');
  }
  const labels = namespace.metadata?.labels ?? {};
  if (labels[PREVIEW_LABELS.pr] !== String(preview.pr)) {
    throw new ActionFailure(
      'Not a preview namespace',
      `Namespace ${preview.namespace} is not labelled ${PREVIEW_LABELS.pr}=${preview.pr}: teardown removes only what a preview deploy created.`,
      [`labels: ${JSON.stringify(labels)}`],
      'Check `preview` and `preview-namespace`; delete the namespace by hand if it really is a leftover.',
    );
  }
  const started = Date.now();
  try {
    await kube.core.deleteNamespace({ name: preview.namespace, propagationPolicy: 'Background' });
  } catch (error) {
    if (statusOf(error) !== 404) throw wrap(`delete Namespace ${preview.namespace}`, error);
  }
  // The gateway's grace period (60 s, preStop sleep) serves clients of a live service; a preview
  // being removed has none. Only a speed-up: when the pods cannot be listed or deleted (a deployer
  // without those rights), the namespace still goes, after the grace period; the log says why.
  let slow: string | undefined;
  const leaveToGracePeriod = (what: string) => (error: unknown) => {
    if (endsTheRun(error)) throw error;
    if (statusOf(error) !== 404) slow ??= `${what}: ${(error as Error).message}`;
    return undefined;
  };
  const pods = await kube.core
    .listNamespacedPod({ namespace: preview.namespace })
    .catch(leaveToGracePeriod(`list pods in ${preview.namespace}`));
  await Promise.all(
    (pods?.items ?? []).map((pod) =>
      kube.core
        .deleteNamespacedPod({
          name: pod.metadata!.name!,
          namespace: preview.namespace,
          gracePeriodSeconds: 0,
        })
        .catch(leaveToGracePeriod(`delete pod ${preview.namespace}/${pod.metadata?.name}`)),
    ),
  );
  if (slow) core.info(`Pods are left to their grace period (up to 60 s) because ${slow}`);
  await waitUntilGone(kube, preview.namespace, deadlineAt);
  parts.push(`namespace ${preview.namespace} deleted in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  core.info(parts.join('; '));
  return parts.join('; ');
}

async function waitUntilGone(kube: KubeClient, name: string, deadlineAt: number): Promise<void> {
  // Leave time to report what holds the namespace before the run's own deadline.
  const giveUpAt = Math.max(Date.now() + 2_000, deadlineAt - 3_000);
  let last: V1Namespace | undefined;
  while (Date.now() < giveUpAt) {
    try {
      last = await kube.core.readNamespace({ name });
    } catch (error) {
      if (statusOf(error) === 404) return;
      throw wrap(`read Namespace ${name}`, error);
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  throw await stuckNamespace(kube, name, last);
}

/** Names the finalizers and the objects carrying them that hold a namespace in Terminating. */
async function stuckNamespace(
  kube: KubeClient,
  name: string,
  namespace: V1Namespace | undefined,
): Promise<ActionFailure> {
  const conditions = (namespace?.status?.conditions ?? []).filter((c) => c.status === 'True' && c.message);
  const holders: string[] = [];
  for (const { apiVersion, kind } of NAMESPACED_KINDS) {
    for (const item of await listObjects(kube, apiVersion, kind, name)) {
      const finalizers = item.metadata?.finalizers ?? [];
      if (finalizers.length)
        holders.push(`${kind} ${name}/${item.metadata?.name}: finalizers ${finalizers.join(', ')}`);
    }
  }
  const namespaceFinalizers = namespace?.spec?.finalizers ?? [];
  const finalizerNames = [...new Set(holders.flatMap((h) => h.replace(/^.*finalizers /, '').split(', ')))];
  const evidence = [
    ...conditions.map((c) => `${c.type}: ${c.message}`),
    ...(namespaceFinalizers.length ? [`Namespace finalizers: ${namespaceFinalizers.join(', ')}`] : []),
    ...holders,
  ];
  const first = holders[0]?.split(':')[0];
  return new ActionFailure(
    'Preview namespace stuck in Terminating',
    `Namespace ${name} is still being deleted${finalizerNames.length ? `; held by finalizer ${finalizerNames.join(', ')}` : ''}.`,
    evidence,
    first
      ? `The controller that owns ${finalizerNames.join(', ')} must release it (is it still running?). If it is gone: kubectl patch ${first.replace(/^(\w+) [^/]+\//, '$1/').toLowerCase()} -n ${name} --type=merge -p '{"metadata":{"finalizers":null}}'; then run the teardown again.`
      : `kubectl get namespace ${name} -o yaml shows the conditions; run the teardown again once they clear.`,
  );
}

async function listObjects(
  kube: KubeClient,
  apiVersion: string,
  kind: string,
  namespace: string,
): Promise<KubernetesObject[]> {
  try {
    const list = await KubernetesObjectApi.makeApiClient(kube.kubeConfig).list(apiVersion, kind, namespace);
    return list.items;
  } catch {
    return []; // evidence only: a kind we may not list is skipped
  }
}

// ---- Sweep --------------------------------------------------------------------------------------

async function sweep(run: PreviewRun, kube: KubeClient): Promise<void> {
  const { core, settings, report, now } = run;
  const options = settings.sweep!;
  report.namespace = settings.names.namespace;
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
