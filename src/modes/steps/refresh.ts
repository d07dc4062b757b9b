// The initial refresh of the pull secret: a Job made from the refresh CronJob (what
// `kubectl create job --from=cronjob/…` does), watched until its pod has Succeeded or it fails;
// skipped when the pull secret is fresh and written by the refresher spec being applied.
import type { V1CronJob, V1Secret } from '@kubernetes/client-node';
import type { JobWaitResult, KubeClient } from '../../cluster/client.js';
import { decideInitialRefresh, type RefreshDecision } from '../../cluster/refresh-skip.js';
import type { Settings } from '../../config/settings.js';
import { EXPIRES_AT_ANNOTATION, REFRESHER_CONTAINER } from '../../manifests/names.js';
import { formatEvents, podEvidence } from '../../report/evidence.js';
import { ActionFailure } from '../../report/failure.js';
import { findHint, formatHint } from '../../report/hints.js';
import { redactSecrets } from '../../report/redact.js';
import { group } from '../../report/report.js';
import type { RunContext } from '../context.js';

/**
 * Whether the initial refresh will run: decided before anything is applied, because whenever it
 * runs the Deployment waits for it (deploy.ts). `rendered` is the CronJob as rendered: its
 * refresher spec hash decides the skip.
 */
export function refreshDecision(
  { settings, now }: RunContext,
  rendered: V1CronJob,
  pullSecret: V1Secret | undefined,
): RefreshDecision {
  return decideInitialRefresh(pullSecret, rendered, settings.control.forceRefresh, now());
}

/**
 * Runs the initial refresh unless `decision` makes it moot; `live` is the CronJob as the apply
 * returned it (the Job is made from it, with its uid as owner). Returns when the new pull secret
 * was seen written (the Job complete), or undefined when the refresh was skipped.
 */
export async function initialRefreshStep(
  { core, settings, report, deadline }: RunContext,
  kube: KubeClient,
  live: V1CronJob,
  decision: RefreshDecision,
): Promise<Date | undefined> {
  const { names } = settings;
  if (!decision.run) {
    core.info(`Initial refresh ${decision.reason}; pull secret expires ${decision.expiresAt}`);
    report.pullSecretExpiresAt = decision.expiresAt;
    report.phases.push({
      name: 'Initial refresh',
      status: 'skipped',
      detail: `${decision.reason}; pull secret expires ${decision.expiresAt}`,
    });
    return undefined;
  }
  const jobName = initialJobName(settings);
  report.jobName = jobName;
  const started = Date.now();
  let refreshedAt: Date | undefined;
  await group(core, 'Initial refresh of the pull secret', async () => {
    core.info(
      `Creating Job ${names.namespace}/${jobName} from CronJob ${names.cronJob} (${decision.reason})`,
    );
    const outcome = await runJob(kube, live, jobName, deadline);
    if (outcome.status !== 'complete') throw await refreshFailure(kube, settings, jobName, outcome);
    refreshedAt = new Date();
    report.pullSecretExpiresAt = await pullSecretExpiry(kube, settings, jobName);
    report.phases.push({
      name: 'Initial refresh',
      status: 'succeeded',
      detail: `Job ${jobName} completed; pull secret expires ${report.pullSecretExpiresAt ?? 'at an unknown time'}`,
      durationMs: Date.now() - started,
    });
  });
  return refreshedAt;
}

/** Creates the Job and watches it at once: the watch is open before the Job can change. */
async function runJob(
  kube: KubeClient,
  cronJob: V1CronJob,
  jobName: string,
  deadline: AbortSignal,
): Promise<JobWaitResult> {
  const createFailed = new AbortController();
  const outcome = kube.waitForJob(
    cronJob.metadata?.namespace ?? '',
    jobName,
    AbortSignal.any([deadline, createFailed.signal]),
  );
  try {
    await kube.createJobFromCronJob(cronJob, jobName);
  } catch (error) {
    createFailed.abort(error);
    outcome.catch(() => undefined);
    throw error;
  }
  return outcome;
}

/** Unique per workflow run and attempt; a local run (no GITHUB_RUN_ID) gets a time suffix. */
function initialJobName({ control }: Settings): string {
  const run =
    control.runId === 'local' ? `local-${Date.now().toString(36)}` : `${control.runId}-${control.runAttempt}`;
  return `initial-refresh-${run}`.slice(0, 63).replace(/-+$/, '');
}

async function pullSecretExpiry(
  kube: KubeClient,
  settings: Settings,
  jobName: string,
): Promise<string | undefined> {
  const { namespace, pullSecret } = settings.names;
  const secret = await kube.secretMetadata(namespace, pullSecret);
  if (!secret) {
    throw new ActionFailure(
      'Pull secret missing after refresh',
      `Job ${jobName} completed but Secret ${namespace}/${pullSecret} does not exist.`,
      [],
      `The refresher script (refresh.mjs) writes the Secret through the API server; check that \`refresher-image\` runs the script rendered by this action and that Role ${settings.names.role} allows create/patch on ${pullSecret}.`,
    );
  }
  return secret.metadata?.annotations?.[EXPIRES_AT_ANNOTATION];
}

async function refreshFailure(
  kube: KubeClient,
  settings: Settings,
  jobName: string,
  outcome: JobWaitResult,
): Promise<ActionFailure> {
  const { namespace } = settings.names;
  const pods = await kube.jobPods(namespace, jobName);
  const pod = pods[0]?.metadata?.name;
  const log = redactSecrets(pod ? await kube.logTail(namespace, pod, REFRESHER_CONTAINER) : '');
  const events = formatEvents([
    ...(await kube.eventsFor(namespace, jobName)),
    ...(pod ? await kube.eventsFor(namespace, pod) : []),
  ]).map(redactSecrets);
  const what = redactSecrets(
    outcome.status === 'stuck'
      ? `Refresher pod ${outcome.stuck.pod} is stuck: ${outcome.stuck.reason}: ${outcome.stuck.message}`
      : outcome.status === 'failed'
        ? `Job ${jobName} failed: ${outcome.reason}${outcome.message ? `: ${outcome.message}` : ''}`
        : `Job ${jobName} did not complete`,
  );
  const hint = findHint([what, log, ...events].join('\n'));
  return new ActionFailure(
    'Initial refresh failed',
    what,
    podEvidence(pod, log, events),
    (hint ? formatHint(hint) : undefined) ??
      `Read the log above; run \`kubectl logs -n ${namespace} -l job-name=${jobName}\` for the whole log.`,
  );
}
