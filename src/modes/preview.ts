// mode: deploy with `preview` — a pull-request preview: its own namespace with the gateway and
// the config, but no trust of its own: production's refresher (deployed with `serve-previews`)
// writes the pull secret into it, through a one-off Job made from production's CronJob. Runs of
// one preview are ordered by the preview lock; a newer run supersedes an older one.
import type { KubernetesObject, V1CronJob, V1Job } from '@kubernetes/client-node';
import type { KubeClient } from '../cluster/client.js';
import { statusOf, wrap } from '../cluster/errors.js';
import type { PreviewSettings, Settings } from '../config/settings.js';
import {
  EXPIRES_AT_ANNOTATION,
  INSTANTIATE_ANNOTATION,
  ONLY_NAMESPACE_ENV,
  PREVIEW_ANNOTATIONS,
  PREVIEW_NAMESPACE_LABEL_ENV,
  REFRESHER_CONTAINER,
} from '../manifests/names.js';
import {
  previewAccess,
  previewLabels,
  refreshJobName,
  renderPreview,
  servesPreviewsValue,
} from '../manifests/preview.js';
import { render } from '../manifests/render.js';
import { formatEvents, podEvidence } from '../report/evidence.js';
import { ActionFailure } from '../report/failure.js';
import { findHint, formatHint } from '../report/hints.js';
import { group, logApplied } from '../report/report.js';
import type { RunContext } from './context.js';
import { connect } from './steps/connect.js';
import { PreviewLock, runKey, runKeyText, supersededNotice, type RunKey } from './steps/preview-lock.js';
import { rolloutStep } from './steps/rollout.js';

const JOB_TTL_SECONDS = 600;

export async function run(run: RunContext): Promise<void> {
  const { core, settings, report, deadline, now } = run;
  const { names } = settings;
  const preview = settings.preview!;
  report.namespace = preview.namespace;
  report.warnings.push(...render(settings).warnings);
  const me = runKey(settings, preview);
  const { kube } = await connect(run);

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
      logApplied(core, applied);
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

    await rolloutStep(run, kube, preview.namespace, { title: 'Preview rollout failed', signal });
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
        [INSTANTIATE_ANNOTATION]: 'manual',
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
