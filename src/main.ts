// Orchestration only: read settings, then run the mode's phases in order and report.
// Each phase's work lives in its own module (render, kube, checks, azure, report).
import * as actionsCore from '@actions/core';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { AzureConnection, AzureFacts } from './azure/index.js';
import { AzureError } from './azure/errors.js';
import type { CheckResult } from './report/check-result.js';
import { findHint, formatHint, hintById } from './report/hints.js';
import { InputError, readSettings } from './config/inputs.js';
import type * as Kube from './cluster/client.js';
import type { AppliedObject, JobWaitResult, KubeClient, RolloutOutcome } from './cluster/client.js';
import { KubeError } from './cluster/errors.js';
import { maskSecretConfig, maskSecretInputs, redactSecrets } from './report/redact.js';
import { RetryPolicy, ServiceUnreachableError } from './net/retry.js';
import { render, toYamlStream } from './manifests/render.js';
import { isPreviewRun, renderPreview } from './manifests/preview.js';
import { REFRESHER_CONTAINER } from './manifests/refresher.js';
import { decideInitialRefresh } from './cluster/refresh-skip.js';
import type { Core, RunReport } from './report/report.js';
import { ActionFailure, annotate, group, podEvidence, setOutputs, writeSummary } from './report/report.js';
import type { Settings } from './config/settings.js';
import type { V1CronJob } from '@kubernetes/client-node';
import { EXPIRES_AT_ANNOTATION } from './config/settings.js';

// The Kubernetes client, Azure (@azure/identity, MSAL) and the checks load only in the modes that
// reach a cluster: an input error and `mode: render` never parse them (issue 11, cold start).
let kubeModule: typeof Kube | undefined;
const loadKube = async () => (kubeModule ??= await import('./cluster/client.js'));

export interface Dependencies {
  core: Core & { getInput: (name: string) => string; getIDToken: (audience?: string) => Promise<string> };
  env: NodeJS.ProcessEnv;
  now?: () => Date;
}

/** `run()` with no arguments uses the real @actions/core and process.env: that is how
 * GitHub's local runner (`@github/local-action`) calls it. */
export async function run(
  { core, env, now = () => new Date() }: Dependencies = { core: actionsCore, env: process.env },
): Promise<void> {
  // Secret inputs are masked before anything can print them, even a validation message.
  maskSecretInputs(
    (value) => core.setSecret(value),
    (name) => core.getInput(name),
  );
  let settings: Settings;
  try {
    settings = readSettings((name) => core.getInput(name), env);
  } catch (error) {
    if (error instanceof InputError) {
      // One line per failure: the titled annotation, then the exit code (setFailed would repeat it).
      core.error(error.message, { title: 'Invalid input' });
      process.exitCode = actionsCore.ExitCode.Failure;
      return;
    }
    throw error;
  }
  // A config read from a file is known only now.
  if (settings.workload.config)
    maskSecretConfig((value) => core.setSecret(value), settings.workload.config.json);

  const report: RunReport = {
    mode: settings.mode,
    namespace: settings.names.namespace,
    image: settings.workload.image,
    tenantId: settings.identity.tenantId,
    clientId: settings.identity.clientId,
    applied: [],
    warnings: [],
    phases: [],
    checks: [],
  };
  // The run ends at `timeout` or when the workflow is cancelled (the runner sends SIGINT, then
  // SIGTERM): either aborts every watch, wait and call through one signal.
  const timeoutMs = settings.control.timeoutSeconds * 1000;
  const timedOut = AbortSignal.timeout(timeoutMs);
  const cancellation = onCancel();
  const deadline = AbortSignal.any([timedOut, cancellation.signal]);
  const deadlineAt = Date.now() + timeoutMs;
  const policy = new RetryPolicy({ deadline: Date.now() + timeoutMs, signal: deadline });
  let phase = 'Connecting to the cluster';
  const tracked: typeof core = {
    ...core,
    startGroup: (name: string) => {
      phase = name;
      core.startGroup(name);
    },
  };
  try {
    const { objects, warnings } = render(settings);
    // Rendering warnings are about what is being deployed; a (scheduled) verify deploys nothing.
    if (settings.mode !== 'verify') report.warnings.push(...warnings);
    if (settings.mode === 'render') {
      const previewObjects =
        settings.preview && renderPreview(settings, settings.preview, now().toISOString());
      report.manifestsPath = await writeManifests(settings, previewObjects || objects, env);
    } else if (isPreviewRun(settings)) {
      const { runPreview } = await import('./modes/preview.js');
      await runPreview({ core, settings, report, deadline, deadlineAt, env, now });
    } else {
      const [{ KubeClient }, { bifrostTeamDetails, connectAzure, hasAzureAccess, resolveClusterAccess }] =
        await Promise.all([loadKube(), import('./azure/index.js')]);
      // Signs in to Azure only when something needs Resource Manager.
      let azure: AzureConnection | undefined;
      const connect = () =>
        (azure ??= connectAzure(settings, {
          getIdToken: (audience) => core.getIDToken(audience),
          env,
          policy,
        }));
      const access = await resolveClusterAccess(
        settings,
        () => ({ arm: connect().arm, credential: connect().login.credential }),
        (value) => core.setSecret(value),
      );
      core.info(`Cluster: ${access.description}`);
      const kube = new KubeClient(
        access.kubeConfig,
        settings.control.fieldManager,
        policy,
        runMarker(settings),
      );
      const arm = hasAzureAccess(settings) ? connect().arm : undefined;
      if (settings.mode === 'deploy') {
        if (settings.azure.manageFederatedCredential)
          await ensureFederatedCredential(tracked, settings, arm, report);
        const { preflightBeforeDeploy } = await import('./chain/preflight.js');
        const toApply = await preflightBeforeDeploy(tracked, kube, settings, objects, report);
        await deploy(tracked, kube, settings, toApply, report, deadline, now());
      }
      const { checks, azureFacts, apiRequests } = await group(tracked, 'Verify', () =>
        verify(kube, settings, arm, now()),
      );
      const { preflightVerifyChecks } = await import('./chain/preflight.js');
      report.checks = [...(await preflightVerifyChecks(core, kube, settings, report)), ...checks];
      report.checkApiRequests = apiRequests;
      report.issuerUrl = bifrostTeamDetails(settings, azureFacts).issuerUrl;
      const failed = report.checks.filter((c) => c.status === 'fail');
      if (failed.length > 0 && !report.failure) {
        report.failure = new ActionFailure(
          'Verification failed',
          `${failed.length} check(s) failed: ${failed.map((c) => c.id).join(', ')}`,
        );
      }
    }
  } catch (error) {
    report.failure = cancellation.signal.aborted
      ? cancelled(phase, report)
      : asFailure(error, timedOut, settings);
  } finally {
    cancellation.dispose();
  }
  report.retries = policy.retries;
  setOutputs(core, report);
  annotate(core, report);
  // Runners without job summaries (older GHES, local runs) lack the file: the log says it all.
  if (env.GITHUB_STEP_SUMMARY) await writeSummary(core, report);
  // annotate() has printed the failure once, titled, with its evidence and hint.
  if (report.failure) process.exitCode = actionsCore.ExitCode.Failure;
  // Whatever a cancelled run left open (a socket closing, a timer) must not keep the runner waiting.
  if (cancellation.signal.aborted) setTimeout(() => process.exit(1), 300).unref();
}

/** The run's own cancellation: SIGINT/SIGTERM abort `signal` (with a CancelledError) until disposed. */
function onCancel(): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const handler = (name: NodeJS.Signals) => {
    const error = new Error(`received ${name}`);
    error.name = 'CancelledError';
    controller.abort(error);
  };
  process.once('SIGINT', handler);
  process.once('SIGTERM', handler);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}

function cancelled(phase: string, report: RunReport): ActionFailure {
  const done = report.phases.filter((p) => p.status === 'succeeded').map((p) => `${p.name}: ${p.detail}`);
  const applied = report.applied.length
    ? [`Applied before the cancellation: ${applySummary(report.applied)} (listed under Applied objects).`]
    : ['Nothing was applied in this run before the cancellation.'];
  return new ActionFailure(
    `Cancelled during ${phase}`,
    `The workflow was cancelled during ${phase}; the run stopped its watches and calls.`,
    [...applied, ...done.map((d) => `Done: ${d}`)],
    'Re-run the workflow: server-side apply and the refresh Job are safe to repeat, and the next run completes what this one started.',
  );
}

/** The run (id-attempt) that marks the initial Job it creates, so a retried create adopts it. */
function runMarker({ control }: Settings): string {
  return `${control.runId}-${control.runAttempt}`;
}

async function deploy(
  core: Core,
  kube: KubeClient,
  settings: Settings,
  objects: Awaited<ReturnType<typeof render>>['objects'],
  report: RunReport,
  deadline: AbortSignal,
  now: Date,
): Promise<void> {
  const { names, control } = settings;
  // Both reads at once: the config Secret must exist; the pull secret may make the refresh moot.
  const [configExists, pullSecret] = await Promise.all([
    settings.workload.config ? true : kube.secretExists(names.namespace, names.configSecret),
    kube.secretMetadata(names.namespace, names.pullSecret),
  ]);
  if (!configExists) {
    throw new ActionFailure(
      'Bifrost config missing',
      `Secret ${names.namespace}/${names.configSecret} does not exist and the \`config\` input is empty.`,
      [],
      'Set the `config` input to your Bifrost config.json (a path in the workspace or inline JSON, e.g. from a secret), or create the Secret yourself: kubectl create secret generic bifrost-config --from-file=config.json -n ' +
        names.namespace,
    );
  }

  const appliedByPreflight = report.applied; // a first deploy's Namespace and ServiceAccount
  // First deploy: the Deployment waits for the initial refresh, so its first pull has credentials
  // (a kubelet would otherwise back off for minutes after a pull without the Secret).
  const afterRefresh = pullSecret ? [] : objects.filter((o) => o.kind === 'Deployment');
  let started = Date.now();
  const { applied, live } = await group(core, 'Apply manifests', async () => {
    const first = objects.filter((o) => !afterRefresh.includes(o));
    const result = await kube.applyAll(first, control.forceConflicts);
    result.applied = result.applied.map(
      (a) => appliedByPreflight.find((p) => p.kind === a.kind && p.name === a.name) ?? a,
    );
    for (const a of result.applied)
      core.info(`${a.kind} ${a.namespace ? `${a.namespace}/` : ''}${a.name} ${a.action}`);
    return result;
  });
  report.applied = applied;
  report.phases.push({
    name: 'Apply',
    status: 'succeeded',
    detail: applySummary(report.applied),
    durationMs: Date.now() - started,
  });

  const rendered = objects.find((o): o is V1CronJob => o.kind === 'CronJob')!;
  const decision = decideInitialRefresh(pullSecret, rendered, control.forceRefresh, now);
  if (!decision.run) {
    core.info(`Initial refresh ${decision.reason}; pull secret expires ${decision.expiresAt}`);
    report.pullSecretExpiresAt = decision.expiresAt;
    report.phases.push({
      name: 'Initial refresh',
      status: 'skipped',
      detail: `${decision.reason}; pull secret expires ${decision.expiresAt}`,
    });
  } else {
    const jobName = initialJobName(settings);
    report.jobName = jobName;
    started = Date.now();
    await group(core, 'Initial refresh of the pull secret', async () => {
      core.info(
        `Creating Job ${names.namespace}/${jobName} from CronJob ${names.cronJob} (${decision.reason})`,
      );
      const cronJob = live.find((o): o is V1CronJob => o.kind === 'CronJob')!;
      const outcome = await runJob(kube, cronJob, jobName, deadline);
      if (outcome.status !== 'complete') throw await refreshFailure(kube, settings, jobName, outcome);
      report.pullSecretExpiresAt = await pullSecretExpiry(kube, settings, jobName);
      report.phases.push({
        name: 'Initial refresh',
        status: 'succeeded',
        detail: `Job ${jobName} completed; pull secret expires ${report.pullSecretExpiresAt ?? 'at an unknown time'}`,
        durationMs: Date.now() - started,
      });
    });
  }

  if (afterRefresh.length > 0) {
    const { applied: later } = await kube.applyAll(afterRefresh, control.forceConflicts);
    for (const a of later)
      core.info(`${a.kind} ${a.namespace}/${a.name} ${a.action} (after the pull secret)`);
    report.applied.push(...later);
  }

  if (!control.wait) {
    report.phases.push({ name: 'Rollout', status: 'skipped', detail: '`wait` is false' });
    return;
  }
  started = Date.now();
  await group(core, 'Rollout', async () => {
    const outcome = await kube.waitForRollout(names.namespace, names.deployment, deadline);
    if (outcome.status !== 'available') throw await rolloutFailure(kube, settings, outcome);
    const replicas = outcome.deployment.status?.availableReplicas ?? 0;
    report.phases.push({
      name: 'Rollout',
      status: 'succeeded',
      detail: `Deployment ${names.deployment}: ${replicas} replica(s) available`,
      durationMs: Date.now() - started,
    });
  });
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
  let secret;
  try {
    secret = await kube.core.readNamespacedSecret({ name: pullSecret, namespace });
  } catch {
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
  const { formatEvents } = await loadKube();
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
  const evidence = podEvidence(pod, log, events);
  const hint = findHint([what, log, ...events].join('\n'));
  return new ActionFailure(
    'Initial refresh failed',
    what,
    evidence,
    (hint ? formatHint(hint) : undefined) ??
      `Read the log above; run \`kubectl logs -n ${namespace} -l job-name=${jobName}\` for the whole log.`,
  );
}

async function rolloutFailure(
  kube: KubeClient,
  settings: Settings,
  outcome: RolloutOutcome,
): Promise<ActionFailure> {
  const { namespace, deployment, pullSecret, cronJob } = settings.names;
  if (outcome.status === 'stuck') {
    const { pod, reason } = outcome.stuck;
    const message = redactSecrets(outcome.stuck.message);
    const { formatEvents } = await loadKube();
    const events = formatEvents(await kube.eventsFor(namespace, pod)).map(redactSecrets);
    const hint = findHint([reason, message, ...events].join('\n'));
    const pullHint = `Check that Secret ${pullSecret} exists and is fresh (the refresh CronJob ${cronJob} must be succeeding: kubectl get jobs -n ${namespace}), that the image tag exists, and that the GCP service account may read the repository.`;
    return new ActionFailure(
      'Rollout failed',
      `Pod ${pod} of Deployment ${deployment} is stuck: ${reason}${message ? `: ${message}` : ''}`,
      events.length ? ['Events:', ...events.map((e) => `  ${e}`)] : [],
      (hint ? formatHint(hint) : undefined) ??
        (reason.includes('Image')
          ? pullHint
          : `Read the pod's events above (kubectl describe pod ${pod} -n ${namespace}).`),
    );
  }
  if (outcome.status === 'failed') {
    return new ActionFailure(
      'Rollout failed',
      `Deployment ${deployment}: ${outcome.reason}: ${outcome.message}`,
      [],
      `kubectl describe deployment ${deployment} -n ${namespace} shows which pods hold the rollout back.`,
    );
  }
  return new ActionFailure('Rollout failed', `Deployment ${deployment} did not become available`);
}

/** Kubernetes-side and Azure-side checks, their reads in parallel. */
async function verify(
  kube: KubeClient,
  settings: Settings,
  arm: AzureConnection['arm'] | undefined,
  now: Date,
): Promise<{ checks: CheckResult[]; azureFacts: AzureFacts; apiRequests: number }> {
  const [{ collectSnapshot, evaluateChecks }, { azureChecks, gatherAzureFacts }] = await Promise.all([
    import('./checks/index.js'),
    import('./azure/index.js'),
  ]);
  const [snapshot, azureFacts] = await Promise.all([
    collectSnapshot({ core: kube.core, apps: kube.apps, batch: kube.batch }, settings),
    gatherAzureFacts(settings, arm),
  ]);
  const checks = [...evaluateChecks(snapshot, settings, now), ...azureChecks(settings, azureFacts)];
  return { checks, azureFacts, apiRequests: snapshot.apiRequests };
}

/** Preview namespaces need their own federated credential subject; create it idempotently. */
async function ensureFederatedCredential(
  core: Core,
  settings: Settings,
  arm: AzureConnection['arm'] | undefined,
  report: RunReport,
): Promise<void> {
  if (!arm) {
    throw new ActionFailure(
      'Cannot manage the federated credential',
      '`manage-federated-credential` is true but no Azure access is configured.',
      [],
      'Set `subscription-id` and `resource-group` (or `identity-resource-group`) so the action can reach the managed identity.',
    );
  }
  await group(core, 'Federated credential', async () => {
    const { ensureRefresherFederatedCredential } = await import('./azure/index.js');
    const result = await ensureRefresherFederatedCredential(settings, arm);
    const detail = `${result.name}: ${result.action} (subject ${result.properties.subject})${result.note ? `; ${result.note}` : ''}`;
    core.info(detail);
    report.phases.push({ name: 'Federated credential', status: 'succeeded', detail });
  });
}

async function writeManifests(
  settings: Settings,
  objects: Awaited<ReturnType<typeof render>>['objects'],
  env: NodeJS.ProcessEnv,
): Promise<string> {
  const dir = path.join(env.RUNNER_TEMP ?? path.join(process.cwd(), '.local'), 'bifrost-aks-deploy');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, `manifests-${settings.names.namespace}.yaml`);
  // The config Secret holds provider keys: it never goes into a file (keep it in a secret store).
  const withoutSecretData = objects.filter(
    (o) => !(o.kind === 'Secret' && o.metadata?.name === settings.names.configSecret),
  );
  await writeFile(file, toYamlStream(withoutSecretData), { mode: 0o600 });
  return file;
}

function applySummary(applied: AppliedObject[]): string {
  const counts = new Map<string, number>();
  for (const a of applied) counts.set(a.action, (counts.get(a.action) ?? 0) + 1);
  return [...counts].map(([action, n]) => `${n} ${action}`).join(', ');
}

function asFailure(error: unknown, deadline: AbortSignal, settings: Settings): ActionFailure {
  if (error instanceof ActionFailure) return error;
  if (error instanceof InputError) return new ActionFailure('Invalid input', error.message);
  if (error instanceof ServiceUnreachableError) {
    const hint = findHint(error.message);
    return new ActionFailure(
      `${error.message.split(' at ')[0]}`,
      error.message,
      [`${error.attempts} attempt(s); last: ${error.lastProblem}`],
      hint && formatHint(hint),
    );
  }
  // A KubeError can only exist once kube.js has loaded.
  if (kubeModule && error instanceof kubeModule.ApplyConflictError) {
    return new ActionFailure(
      'Field conflict',
      error.message,
      error.conflicts.map((c) => c.message),
      formatHint(hintById('apply-conflict')),
    );
  }
  if (error instanceof AzureError) {
    const message = error.message.startsWith(error.operation)
      ? error.message
      : `${error.operation}: ${error.message}`;
    return new ActionFailure(
      'Azure error',
      message,
      error.status ? [`HTTP ${error.status}${error.code ? ` ${error.code}` : ''}`] : [],
      error.hint,
    );
  }
  if (deadline.aborted && (error === deadline.reason || (error as Error)?.name === 'TimeoutError')) {
    return new ActionFailure(
      'Timed out',
      `The run did not finish within the \`timeout\` of ${settings.control.timeoutSeconds}s.`,
      [],
      'See the last log group for the phase that was waiting; raise `timeout` if the cluster is just slow.',
    );
  }
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof KubeError && error.status === 401) {
    return new ActionFailure(
      'Cluster credentials refused',
      message,
      [],
      'The API server did not accept the credentials (401). With Resource Manager access on an Entra-enabled cluster, check ' +
        '`aks-server-app-id` and `tenant-id`, and that the signed-in identity has an AKS RBAC role on the cluster; with a ' +
        'kubeconfig, its token or certificate has expired: fetch it again (azure/aks-set-context).',
    );
  }
  const hint = findHint(message);
  return new ActionFailure('Kubernetes API error', message, [], hint && formatHint(hint));
}
