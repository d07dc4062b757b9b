// Waiting for the gateway's rollout as a step, and the failure report when it does not become
// available: the stuck pod's reason and events (redacted) with the matching hint.
import type { KubeClient, RolloutOutcome } from '../../cluster/client.js';
import { formatEvents } from '../../report/evidence.js';
import { ActionFailure } from '../../report/failure.js';
import { findHint, formatHint } from '../../report/hints.js';
import { redactSecrets } from '../../report/redact.js';
import { group } from '../../report/report.js';
import type { RunContext } from '../context.js';

/** Waits (unless `wait` is false) for the Deployment in `namespace` to become available. */
export async function rolloutStep(
  { core, settings, report, deadline }: RunContext,
  kube: KubeClient,
  namespace: string,
  options: { title?: string; signal?: AbortSignal; refreshedAt?: Date } = {},
): Promise<void> {
  if (!settings.control.wait) {
    report.phases.push({ name: 'Rollout', status: 'skipped', detail: '`wait` is false' });
    return;
  }
  const { deployment } = settings.names;
  const started = Date.now();
  await group(core, 'Rollout', async () => {
    const outcome = await kube.waitForRollout(namespace, deployment, options.signal ?? deadline, {
      refreshedAt: options.refreshedAt,
    });
    if (outcome.status !== 'available')
      throw await rolloutFailure(kube, settings.names, namespace, outcome, options.title ?? 'Rollout failed');
    report.phases.push({
      name: 'Rollout',
      status: 'succeeded',
      detail: `Deployment ${deployment}: ${outcome.deployment.status?.availableReplicas ?? 0} replica(s) available`,
      durationMs: Date.now() - started,
    });
  });
}

async function rolloutFailure(
  kube: KubeClient,
  names: { deployment: string; pullSecret: string; cronJob: string },
  namespace: string,
  outcome: Exclude<RolloutOutcome, { status: 'available' }>,
  title: string,
): Promise<ActionFailure> {
  const { deployment, pullSecret, cronJob } = names;
  if (outcome.status === 'stuck') {
    const { pod, reason } = outcome.stuck;
    const message = redactSecrets(outcome.stuck.message);
    const events = formatEvents(await kube.eventsFor(namespace, pod)).map(redactSecrets);
    const hint = findHint([reason, message, ...events].join('\n'));
    const pullHint = `Check that Secret ${pullSecret} exists and is fresh (the refresh CronJob ${cronJob} must be succeeding: kubectl get jobs -n ${namespace}), that the image tag exists, and that the GCP service account may read the repository.`;
    return new ActionFailure(
      title,
      `Pod ${pod} of Deployment ${namespace}/${deployment} is stuck: ${reason}${message ? `: ${message}` : ''}`,
      events.length ? ['Events:', ...events.map((e) => `  ${e}`)] : [],
      (hint ? formatHint(hint) : undefined) ??
        (reason.includes('Image')
          ? pullHint
          : `Read the pod's events above (kubectl describe pod ${pod} -n ${namespace}).`),
    );
  }
  if (outcome.status === 'failed') {
    return new ActionFailure(
      title,
      `Deployment ${namespace}/${deployment}: ${outcome.reason}: ${outcome.message}`,
      [],
      `kubectl describe deployment ${deployment} -n ${namespace} shows which pods hold the rollout back.`,
    );
  }
  return new ActionFailure(title, `Deployment ${namespace}/${deployment} did not become available`);
}
