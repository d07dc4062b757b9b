// Judges of the refresher's work: does the CronJob run and succeed often enough, and is the pull
// secret it writes there, shaped for Artifact Registry, and not yet expired?

import { type Settings } from '../config/settings.js';
import { completedAt, newestFirst, outcomeOf, podsOfJob } from './jobs.js';
import { schedulePeriodMinutes } from '../config/schedule.js';
import type { ClusterSnapshot, PullSecretSummary } from './snapshot.js';
import { minutesAgo, newest, toDate } from './time.js';
import { eventsFor, pass, podName, problem, summariseEvents, unreadable, type Check } from './verdict.js';
import { EXPIRES_AT_ANNOTATION, REFRESHED_AT_ANNOTATION } from '../manifests/names.js';

const PULL_SECRET_USERNAME = 'oauth2accesstoken';

/** Warn when the pull secret's token has less left than this. */
const EXPIRY_WARNING_MS = 5 * 60_000;

export function judgeCronJob(snapshot: ClusterSnapshot, settings: Settings, now: Date): Check {
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
    ...jobs.filter((job) => outcomeOf(job, pods).status === 'complete').map((job) => completedAt(job, pods)),
  ]);
  const successText = lastSuccess
    ? `last success ${minutesAgo(lastSuccess, now)} (${lastSuccess.toISOString()})`
    : 'no successful run recorded';
  const scheduleText = `schedule "${schedule}" (every ${periodMinutes} min)`;

  // The newest finished Job decides; a failure not superseded by a success is explained with its
  // log. So is the newest Job while it retries after failed pods (e.g. right after a failed deploy):
  // it may still succeed, so that alone is a warning.
  const newestFinished = jobs.find((job) => outcomeOf(job, pods).status !== 'running');
  const finishedOutcome = newestFinished && outcomeOf(newestFinished, pods);
  const failed = finishedOutcome?.status === 'failed' ? newestFinished : undefined;
  const newestJob = jobs[0];
  const retrying =
    newestJob && outcomeOf(newestJob, pods).status === 'running' && (newestJob.status?.failed ?? 0) > 0
      ? newestJob
      : undefined;
  if (failed || retrying) {
    const failedName = failed?.metadata?.name ?? '';
    const retryingName = retrying?.metadata?.name ?? '';
    const jobNames = [retryingName, failedName].filter(Boolean);
    const condition = finishedOutcome?.status === 'failed' ? finishedOutcome : undefined;
    const events = summariseEvents(
      eventsFor(
        snapshot,
        jobNames.flatMap((jobName) => [jobName, ...podsOfJob(pods, jobName).map(podName)]),
      ),
    );
    // collectSnapshot read the log of the newest Job with failed pods: the retrying one if any.
    const log =
      snapshot.refresherLog && jobNames.includes(snapshot.refresherLog.jobName)
        ? snapshot.refresherLog
        : undefined;
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
      failed
        ? `Job ${failedName} failed: ${condition?.reason ?? 'Failed'}: ${condition?.message ?? ''}`.trim()
        : '',
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
      [
        log?.tail ?? '',
        log?.error ?? '',
        events,
        `${condition?.reason ?? ''} ${condition?.message ?? ''}`,
      ].join('\n'),
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
  const newestText = jobs[0]
    ? `; newest Job ${jobs[0].metadata?.name} ${outcomeOf(jobs[0], pods).status}`
    : '';
  return pass(`${scheduleText}; ${successText}${newestText}`);
}

export function judgePullSecret(snapshot: ClusterSnapshot, settings: Settings, now: Date): Check {
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
    return problem(
      'fail',
      `Secret ${name}: ${secret.parseError}`,
      'Delete it and let the refresher recreate it.',
    );
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
    return problem(
      'warn',
      `Secret ${name} for ${host}: no time to judge its age`,
      'Let the refresher rewrite it.',
    );
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
