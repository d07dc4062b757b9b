// `mode: verify` end to end, as GitHub runs it (`node dist/index.js` with INPUT_*), against the
// local control plane. A healthy install (a real deploy: the refresher really runs, Google STS/IAM
// emulated) passes every Kubernetes check and verify changes nothing in the cluster. Then each
// check is broken the way it breaks in real life — kubectl edits by another field manager, a
// refresher refused by IAM, a refused image pull, a gateway answering 503, a missing namespace —
// each in its own fresh namespace, and verify must report it: exit code, the check's status, its
// evidence, its hint and the annotation a user sees. Where the hint names a command or says
// "re-run with mode: deploy", the test follows it and verify must pass again.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import {
  CoreV1Api,
  type CoreV1Event,
  type V1CronJob,
  type V1Deployment,
  type V1EndpointSlice,
  type V1Job,
  type V1Pod,
} from '@kubernetes/client-node';
import type { CheckResult } from '../../src/report/check-result.js';
import { CHECK_IDS } from '../../src/checks/index.js';
import { formatHint, hintById } from '../../src/report/hints.js';
import { visible, type ActionRun } from '../support/action.js';
import { kubeConfig, newNamespace, setPodHttpAnswer, waitForObject } from '../support/cluster.js';
import { IDS, PROVIDER_AUDIENCE, startWorld, type World } from '../support/world.js';

const kc = kubeConfig();
const core = kc.makeApiClient(CoreV1Api);

// ── Reading what the user sees ────────────────────────────────────────────────────────────────

/** The `report` output (schema in README.md, "The report output"). */
interface Report {
  schemaVersion: number;
  mode: string;
  namespace: string;
  result: 'pass' | 'fail';
  failure: { title: string; message: string; evidence: string[]; hint: string | null } | null;
  checks: CheckResult[];
  applied: unknown[];
  phases: unknown[];
}

const reportOf = (run: ActionRun): Report => JSON.parse(run.outputs.report) as Report;
const KUBERNETES_CHECKS = new Set<string>(CHECK_IDS);
const kubernetesChecks = (run: ActionRun) =>
  reportOf(run).checks.filter((check) => KUBERNETES_CHECKS.has(check.id));

function checkOf(run: ActionRun, id: string): CheckResult {
  const check = reportOf(run).checks.find((candidate) => candidate.id === id);
  if (!check) throw new Error(`the report has no check ${id}`);
  return check;
}

/** Kubernetes checks that did not pass, id → status: what a scenario broke, and nothing else. */
function notPassing(run: ActionRun): Record<string, string> {
  return Object.fromEntries(
    kubernetesChecks(run)
      .filter((c) => c.status !== 'pass')
      .map((c) => [c.id, c.status]),
  );
}

/** Rows of the job summary's table under `<h3>heading</h3>`, cells as HTML text. (@actions/core
 * writes an empty cell as a lone `<td>`.) */
function summaryTable(summary: string, heading: string): string[][] {
  const at = summary.indexOf(`<h3>${heading}</h3>`);
  if (at < 0) return [];
  const table = /<table>([\s\S]*?)<\/table>/.exec(summary.slice(at))?.[1] ?? '';
  return [...table.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((row) =>
    row[1]
      .split(/<t[hd]>/)
      .slice(1)
      .map((cell) => cell.replace(/<\/t[hd]>$/, '')),
  );
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const html = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\n/g, '<br>');

/**
 * The check has this status and the user sees it three ways: the `report` output, a row of the
 * summary's Checks table, and an annotation titled `Check failed: <title>` (an error) or
 * `Check warning: <title>` whose text is the evidence and the fix.
 */
function expectReported(run: ActionRun, id: string, status: 'fail' | 'warn'): CheckResult {
  const check = checkOf(run, id);
  expect({ id, status: check.status }).toEqual({ id, status });
  expect(check.hint).toEqual(expect.any(String));
  const title = `${status === 'fail' ? 'Check failed' : 'Check warning'}: ${check.title}`;
  expect(run.annotations.filter((annotation) => annotation.title === title)).toEqual([
    {
      level: status === 'fail' ? 'error' : 'warning',
      title,
      message: `${check.evidence}\nFix: ${check.hint}`,
    },
  ]);
  const icon = status === 'fail' ? '❌ fail' : '⚠️ warn';
  expect(summaryTable(run.summary, 'Checks')).toContainEqual([
    icon,
    html(check.title),
    html(check.evidence),
    html(check.hint!),
  ]);
  return check;
}

/** A failed check fails the run (exit 1, "Verification failed" naming it); a warning alone does not. */
function expectVerdict(run: ActionRun, failedIds: string[]): void {
  const report = reportOf(run);
  if (failedIds.length === 0) {
    expect({ exitCode: run.exitCode, result: report.result, failure: report.failure }).toEqual({
      exitCode: 0,
      result: 'pass',
      failure: null,
    });
    return;
  }
  expect(run.exitCode).toBe(1);
  expect(report.result).toBe('fail');
  expect(report.failure?.title).toBe('Verification failed');
  expect(report.failure?.message).toBe(`${failedIds.length} check(s) failed: ${failedIds.join(', ')}`);
}

// ── Acting on the cluster as a user would ─────────────────────────────────────────────────────

/** kubectl on the local cluster (KUBECONFIG from the global setup): its own field managers. */
function kubectl(args: string[], input?: string): string {
  return execFileSync('kubectl', args, {
    encoding: 'utf8',
    input,
    env: process.env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

/** The kubectl command a hint gives between backticks, run as the user would paste it into a shell. */
function runHintCommand(hint: string | undefined): string {
  const command = [...(hint ?? '').matchAll(/`([^`]+)`/g)]
    .map((match) => match[1])
    .find((text) => text.startsWith('kubectl '));
  if (!command) throw new Error(`no kubectl command in the hint: ${hint}`);
  return execFileSync('bash', ['-c', command], { encoding: 'utf8', env: process.env });
}

let namespacedTypes: string[] | undefined;

/**
 * Every object of the namespace (every listable namespaced type) and the Namespace itself, each as
 * `apiVersion kind name uid resourceVersion`: any write, create or delete changes this list.
 */
function clusterState(namespace: string): string[] {
  namespacedTypes ??= kubectl(['api-resources', '--namespaced', '--verbs=list', '-o', 'name'])
    .trim()
    .split('\n');
  const objects = [
    JSON.parse(kubectl(['get', 'namespace', namespace, '-o', 'json'])),
    ...JSON.parse(kubectl(['get', namespacedTypes.join(','), '-n', namespace, '-o', 'json'])).items,
  ] as Array<{
    apiVersion: string;
    kind: string;
    metadata: { name: string; uid: string; resourceVersion: string };
  }>;
  return objects
    .map(
      (o) => `${o.apiVersion} ${o.kind} ${o.metadata.name} ${o.metadata.uid} ${o.metadata.resourceVersion}`,
    )
    .sort();
}

/** The state once the controllers are done (two reads a second apart agree). */
async function settledState(namespace: string): Promise<string[]> {
  let previous = clusterState(namespace);
  for (let i = 0; i < 20; i++) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const current = clusterState(namespace);
    if (JSON.stringify(current) === JSON.stringify(previous)) return current;
    previous = current;
  }
  throw new Error(`namespace ${namespace} did not settle within 20 s`);
}

const hasCondition = (job: V1Job, type: string) =>
  (job.status?.conditions ?? []).some((condition) => condition.type === type && condition.status === 'True');

function waitForJob(
  namespace: string,
  name: string,
  what: string,
  until: (job: V1Job) => boolean,
  timeoutMs = 60_000,
) {
  return waitForObject<V1Job>(kc, `/apis/batch/v1/namespaces/${namespace}/jobs`, {
    what: `Job ${name} ${what}`,
    fieldSelector: `metadata.name=${name}`,
    until,
    timeoutMs,
  });
}

// ── Worlds ────────────────────────────────────────────────────────────────────────────────────

/**
 * Every 30 minutes like the default schedule, but at 15 and 45 minutes from now: no scheduled
 * refresh Job can start while the file runs (one at :00 would, say, repair a stale pull secret
 * mid-scenario, or add a Job between the two reads of the read-only test).
 */
const QUIET_SCHEDULE = (() => {
  const first = (new Date().getUTCMinutes() + 15) % 60;
  return `${[first, (first + 30) % 60].sort((a, b) => a - b).join(',')} * * * *`;
})();

const worlds: World[] = [];

/** A world for `namespace` whose runs all use QUIET_SCHEDULE (world.run reads world.inputs). */
async function newWorld(namespace: string): Promise<World> {
  const world = await startWorld(namespace);
  world.inputs['refresh-schedule'] = QUIET_SCHEDULE;
  worlds.push(world);
  return world;
}

afterAll(async () => {
  await Promise.all(worlds.splice(0).map((world) => world.close()));
});

/** A fresh namespace with a healthy install: `mode: deploy` with the world's inputs, exit 0. */
async function healthyInstall(prefix: string): Promise<World> {
  const world = await newWorld(await newNamespace(prefix));
  const deploy = await world.run();
  if (deploy.exitCode !== 0)
    throw new Error(`deploy into ${world.namespace} failed:\n${deploy.stdout}\n${deploy.stderr}`);
  return world;
}

const verify = (world: World, inputs: Record<string, string> = {}) =>
  world.run({ ...inputs, mode: 'verify' });

/** Verify after a fix: every Kubernetes check passes again. */
async function expectHealthy(world: World, inputs: Record<string, string> = {}): Promise<void> {
  const run = await verify(world, inputs);
  expect(notPassing(run)).toEqual({});
  expect(run.exitCode).toBe(0);
}

// ── The healthy install ───────────────────────────────────────────────────────────────────────

describe('verify on a healthy install', () => {
  let world: World;
  let run: ActionRun;
  let before: string[];
  let after: string[];

  beforeAll(async () => {
    world = await healthyInstall('verify');
    before = await settledState(world.namespace);
    run = await verify(world);
    after = clusterState(world.namespace);
  });

  test('passes every Kubernetes check and exits 0; the Azure checks are skipped without Azure access', () => {
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    expect(kubernetesChecks(run).map((c) => [c.id, c.status])).toEqual(CHECK_IDS.map((id) => [id, 'pass']));
    const azure = reportOf(run).checks.filter((c) => !KUBERNETES_CHECKS.has(c.id));
    expect(azure.length).toBeGreaterThan(0);
    for (const check of azure)
      expect(check).toMatchObject({
        status: 'skipped',
        evidence: expect.stringContaining('no Azure access'),
      });
    expect(run.annotations.filter((a) => a.level !== 'notice')).toEqual([]);
  });

  test('each check shows what it saw', () => {
    const evidence = (id: string) => checkOf(run, id).evidence;
    expect(evidence('namespace')).toBe(`namespace ${world.namespace} is Active`);
    expect(evidence('service-account-client-id')).toBe(`azure.workload.identity/client-id: ${IDS.client}`);
    expect(evidence('credential-config')).toContain(
      `audience ${PROVIDER_AUDIENCE}, impersonates ${IDS.gcpServiceAccount}`,
    );
    expect(evidence('cronjob-healthy')).toMatch(
      new RegExp(
        `^${escapeRegExp(`schedule "${QUIET_SCHEDULE}" (every 30 min); last success `)}\\d+ min ago .*; newest Job initial-refresh-local-\\w+ complete$`,
      ),
    );
    expect(evidence('pull-secret')).toMatch(
      new RegExp(
        `^Secret ar-pull-secret for ${IDS.region}-docker\\.pkg\\.dev \\(user oauth2accesstoken\\): written \\d+ min ago, expires .* \\(annotation bifrost\\.maximhq\\.dev/expires-at\\), (59|60) min left$`,
      ),
    );
    expect(evidence('deployment-available')).toBe(
      'replicas 1, updated 1, ready 1, available 1; generation 1, observed 1',
    );
    expect(evidence('pods-healthy')).toBe('1 pod(s), 1 Running, no container waiting on an error');
    expect(evidence('refresher-identity-injection')).toMatch(
      /projected token \(audience api:\/\/AzureADTokenExchange\) at \/var\/run\/secrets\/azure\/tokens\/azure-identity-token$/,
    );
    // The real answer of the pod, through the API server's service proxy.
    expect(evidence('gateway-health')).toBe(
      `GET /api/v1/namespaces/${world.namespace}/services/bifrost:80/proxy/health → 200 {"status":"ok","components":{"db_pings":"ok"}}`,
    );
  });

  test('the report output: schemaVersion 1, mode verify, result pass, every check, nothing applied', () => {
    const report = reportOf(run);
    expect(report).toMatchObject({
      schemaVersion: 1,
      mode: 'verify',
      namespace: world.namespace,
      result: 'pass',
      failure: null,
      applied: [],
      phases: [],
    });
    expect(report.checks.map((c) => c.id).slice(0, CHECK_IDS.length)).toEqual([...CHECK_IDS]);
    for (const check of report.checks) {
      expect(check).toEqual({
        id: check.id,
        title: expect.any(String),
        status: check.status,
        evidence: expect.any(String),
      });
    }
    expect(run.outputs.namespace).toBe(world.namespace);
    expect(run.outputs.applied).toBe('[]');
    expect(run.outputs['job-name']).toBeUndefined();
  });

  test('the summary has the Checks table, one row per check, and no deploy sections', () => {
    expect(run.summary).toContain('Bifrost on AKS — verify: succeeded');
    const rows = summaryTable(run.summary, 'Checks');
    expect(rows[0]).toEqual(['Status', 'Check', 'Evidence', 'Hint']);
    const checks = reportOf(run).checks;
    expect(rows.slice(1)).toEqual(
      checks.map((c) => [
        c.status === 'pass' ? '✅ pass' : '⏭️ skipped',
        html(c.title),
        html(c.evidence),
        '',
      ]),
    );
    expect(run.summary).not.toContain('<h3>Phases</h3>');
    expect(run.summary).not.toContain('<h3>Applied objects</h3>');
  });

  test('changes nothing in the cluster: same objects, same resourceVersions, no Job created', () => {
    expect(after).toEqual(before);
    const jobs = (state: string[]) => state.filter((line) => line.startsWith('batch/v1 Job '));
    expect(jobs(after)).toHaveLength(1); // the deploy's initial refresh, nothing more
  });

  test('never shows the pull secret token it read', () => {
    expect(world.gcp.issuedAccessTokens.length).toBeGreaterThan(0);
    const shown = visible(run);
    for (const token of world.gcp.issuedAccessTokens) expect(shown).not.toContain(token);
  });
});

// ── Each check, broken ────────────────────────────────────────────────────────────────────────

describe('verify fails each check with its evidence, hint and annotation', () => {
  test('service-account-client-id: another client id set with kubectl warns (kubernetes federation never sends it), deploy then needs force-conflicts, the hint command fixes it', async () => {
    const world = await healthyInstall('verify-sa');
    const otherClientId = '0b5e8f0e-1111-4222-8333-944455556666';
    kubectl([
      'annotate',
      'serviceaccount',
      'bifrost-sa',
      '-n',
      world.namespace,
      '--overwrite',
      `azure.workload.identity/client-id=${otherClientId}`,
    ]);

    const run = await verify(world);
    expect(notPassing(run)).toEqual({ 'service-account-client-id': 'warn' });
    expectVerdict(run, []);
    const check = expectReported(run, 'service-account-client-id', 'warn');
    expect(check.evidence).toBe(
      `azure.workload.identity/client-id: ${otherClientId}; the client-id input is ${IDS.client}`,
    );
    expect(check.hint).toContain(
      `kubectl annotate serviceaccount bifrost-sa -n ${world.namespace} --overwrite azure.workload.identity/client-id=${IDS.client}`,
    );

    // kubectl now owns the field: a plain deploy stops at the conflict, names field and owner, and says how to proceed.
    const deploy = await world.run();
    expect(deploy.exitCode).toBe(1);
    expect(reportOf(deploy).failure).toMatchObject({
      title: 'Field conflict',
      message: expect.stringContaining(
        '.metadata.annotations.azure.workload.identity/client-id (owned by "kubectl-annotate")',
      ),
      hint: expect.stringContaining('force-conflicts: true'),
    });

    runHintCommand(check.hint);
    await expectHealthy(world);
  });

  test('refresher-workload-identity-label: the pod template label removed warns while the CronJob mounts its own token; deploy restores it', async () => {
    const world = await healthyInstall('verify-label');
    const remove = [
      { op: 'remove', path: '/spec/jobTemplate/spec/template/metadata/labels/azure.workload.identity~1use' },
    ];
    kubectl([
      'patch',
      'cronjob',
      'refresh-ar-secret',
      '-n',
      world.namespace,
      '--type=json',
      '-p',
      JSON.stringify(remove),
    ]);

    const run = await verify(world);
    expect(notPassing(run)).toEqual({ 'refresher-workload-identity-label': 'warn' });
    expectVerdict(run, []);
    const check = expectReported(run, 'refresher-workload-identity-label', 'warn');
    expect(check.evidence).toBe(
      'pod template label azure.workload.identity/use is missing (the ServiceAccount has it, but the webhook only reads ' +
        'the pod label — D6); the pod mounts its own projected token, so only the AZURE_* variables are missing',
    );
    expect(check.hint).toContain('re-run with mode: deploy');

    expect((await world.run()).exitCode).toBe(0);
    await expectHealthy(world);
  });

  test('seed-style CronJob (no label, no own token): the label check fails, and its Job pod lacks the token (refresher-identity-injection)', async () => {
    const world = await healthyInstall('verify-seed');
    const template = '/spec/jobTemplate/spec/template';
    const seedStyle = [
      { op: 'remove', path: `${template}/metadata/labels/azure.workload.identity~1use` },
      { op: 'test', path: `${template}/spec/volumes/1/name`, value: 'azure-identity-token' },
      { op: 'remove', path: `${template}/spec/volumes/1` },
      {
        op: 'test',
        path: `${template}/spec/containers/0/volumeMounts/1/name`,
        value: 'azure-identity-token',
      },
      { op: 'remove', path: `${template}/spec/containers/0/volumeMounts/1` },
    ];
    kubectl([
      'patch',
      'cronjob',
      'refresh-ar-secret',
      '-n',
      world.namespace,
      '--type=json',
      '-p',
      JSON.stringify(seedStyle),
    ]);

    const templateOnly = await verify(world);
    expect(notPassing(templateOnly)).toEqual({
      'refresher-workload-identity-label': 'fail',
      'credential-config': 'warn',
    });
    expectVerdict(templateOnly, ['refresher-workload-identity-label']);
    const label = expectReported(templateOnly, 'refresher-workload-identity-label', 'fail');
    expect(label.evidence).toBe(
      'pod template label azure.workload.identity/use is missing (the ServiceAccount has it, but the webhook only reads the pod label — D6)',
    );
    expect(label.hint).toContain(
      'Put azure.workload.identity/use: "true" on spec.jobTemplate.spec.template.metadata.labels',
    );
    expect(expectReported(templateOnly, 'credential-config', 'warn').evidence).toContain(
      "credential_source.file /var/run/secrets/azure/tokens/azure-identity-token relies on the webhook's injected token path",
    );

    // A run of that CronJob: no webhook injects a token (no label), so the pod has none, and the real refresher fails on it.
    kubectl(['create', 'job', '--from=cronjob/refresh-ar-secret', 'seed-style-run', '-n', world.namespace]);
    await waitForJob(
      world.namespace,
      'seed-style-run',
      'with a failed pod',
      (job) => (job.status?.failed ?? 0) > 0,
    );
    const [pod] = (
      await core.listNamespacedPod({ namespace: world.namespace, labelSelector: 'job-name=seed-style-run' })
    ).items;

    const afterRun = await verify(world);
    const injection = expectReported(afterRun, 'refresher-identity-injection', 'fail');
    expect(injection.evidence).toBe(
      `pod ${pod.metadata!.name} has no projected token for api://AzureADTokenExchange and no AZURE_FEDERATED_TOKEN_FILE`,
    );
    expect(injection.hint).toContain(
      'The webhook injects the token only into pods labelled azure.workload.identity/use: "true"',
    );
    // The retrying Job is explained by its own log.
    const cron = expectReported(afterRun, 'cronjob-healthy', 'warn');
    expect(cron.evidence).toMatch(
      /^Job seed-style-run is retrying: [12] pod\(s\) failed so far \(backoffLimit 2\)\n/,
    );
    expect(cron.evidence).toContain(
      'ServiceAccount token /var/run/secrets/azure/tokens/azure-identity-token is missing',
    );
    expectVerdict(afterRun, ['refresher-workload-identity-label', 'refresher-identity-injection']);

    // The fix the hints give: drop the broken run, deploy again (the rendered CronJob mounts its own token).
    kubectl(['delete', 'job', 'seed-style-run', '-n', world.namespace, '--cascade=foreground']);
    expect((await world.run()).exitCode).toBe(0);
    await expectHealthy(world);
  });

  test('credential-config: a wrong audience, then a wrong credential_source path, each fails; deploy with force-conflicts restores it', async () => {
    const world = await healthyInstall('verify-config');
    const configMap = await core.readNamespacedConfigMap({
      name: 'gcp-credential-config',
      namespace: world.namespace,
    });
    const rendered = JSON.parse(configMap.data!['credential-config.json']);
    const patchConfig = (edit: Record<string, unknown>) =>
      kubectl([
        'patch',
        'configmap',
        'gcp-credential-config',
        '-n',
        world.namespace,
        '--type=merge',
        '-p',
        JSON.stringify({
          data: { 'credential-config.json': JSON.stringify({ ...rendered, ...edit }, null, 2) },
        }),
      ]);

    const wrongAudience = PROVIDER_AUDIENCE.replace(IDS.gcpProjectNumber, '999999999999');
    patchConfig({ audience: wrongAudience });
    const audienceRun = await verify(world);
    expect(notPassing(audienceRun)).toEqual({ 'credential-config': 'fail' });
    expectVerdict(audienceRun, ['credential-config']);
    const audience = expectReported(audienceRun, 'credential-config', 'fail');
    expect(audience.evidence).toBe(
      `credential-config.json: audience is "${wrongAudience}", expected "${PROVIDER_AUDIENCE}" (STS answers invalid_request/invalid_target)`,
    );
    expect(audience.hint).toContain('re-run with mode: deploy to re-render it');
    expect((await world.run({ 'force-conflicts': 'true' })).exitCode).toBe(0);
    await expectHealthy(world);

    patchConfig({
      credential_source: { file: '/var/run/secrets/tokens/azure-identity-token', format: { type: 'text' } },
    });
    const pathRun = await verify(world);
    expect(notPassing(pathRun)).toEqual({ 'credential-config': 'fail' });
    expect(expectReported(pathRun, 'credential-config', 'fail').evidence).toBe(
      "credential-config.json: credential_source.file is /var/run/secrets/tokens/azure-identity-token, but the refresher's " +
        'projected token is at /var/run/secrets/azure/tokens/azure-identity-token',
    );
    expect((await world.run({ 'force-conflicts': 'true' })).exitCode).toBe(0);
    await expectHealthy(world);
  });

  test('cronjob-healthy: a suspended CronJob fails, and the command in the hint resumes it', async () => {
    const world = await healthyInstall('verify-suspend');
    kubectl([
      'patch',
      'cronjob',
      'refresh-ar-secret',
      '-n',
      world.namespace,
      '-p',
      '{"spec":{"suspend":true}}',
    ]);

    const run = await verify(world);
    expect(notPassing(run)).toEqual({ 'cronjob-healthy': 'fail' });
    expectVerdict(run, ['cronjob-healthy']);
    const check = expectReported(run, 'cronjob-healthy', 'fail');
    expect(check.evidence).toBe(`CronJob refresh-ar-secret is suspended (schedule ${QUIET_SCHEDULE})`);

    runHintCommand(check.hint);
    await expectHealthy(world);
  });

  test('cronjob-healthy: a refresher refused by IAM (403) shows the real log tail and the IAM hint, while retrying and once failed', async () => {
    const namespace = await newNamespace('verify-iam');
    const world = await newWorld(namespace);
    // A first deploy applies the Deployment only once the pull secret exists; so the gateway comes
    // from a healthy deploy, then the refresher loses its IAM permission and the secret is gone.
    const healthy = await world.run({});
    expect(healthy.exitCode).toBe(0);
    // The deploy ends when the refresher's pod has Succeeded; the CronJob records the success
    // (lastSuccessfulTime) once the Job controller marks the Job Complete, a batch later.
    const firstJob = healthy.outputs['job-name'];
    await waitForJob(namespace, firstJob, 'Complete', (job) => hasCondition(job, 'Complete'));
    await waitForObject<V1CronJob>(kc, `/apis/batch/v1/namespaces/${namespace}/cronjobs`, {
      what: 'CronJob refresh-ar-secret with a recorded success',
      fieldSelector: 'metadata.name=refresh-ar-secret',
      until: (c) => c.status?.lastSuccessfulTime !== undefined,
    });
    kubectl(['delete', 'jobs', '--all', '-n', namespace, '--wait=true']);
    kubectl(['delete', 'secret', 'ar-pull-secret', '-n', namespace]);
    const refused = { 'gcp-service-account': 'not-allowed@acme-hub.iam.gserviceaccount.com' };
    const deploy = await world.run(refused);
    expect(deploy.exitCode).toBe(1);
    expect(reportOf(deploy).failure?.title).toBe('Initial refresh failed');
    const jobName = deploy.outputs['job-name'];
    await waitForJob(namespace, jobName, 'with a failed pod', (job) => (job.status?.failed ?? 0) > 0);
    await waitForObject<V1Deployment>(kc, `/apis/apps/v1/namespaces/${namespace}/deployments`, {
      what: 'Deployment bifrost available',
      fieldSelector: 'metadata.name=bifrost',
      until: (d) => d.status?.availableReplicas === 1,
    });
    await waitForObject<V1EndpointSlice>(
      kc,
      `/apis/discovery.k8s.io/v1/namespaces/${namespace}/endpointslices`,
      {
        what: 'a ready endpoint of Service bifrost',
        labelSelector: 'kubernetes.io/service-name=bifrost',
        until: (slice) => (slice.endpoints ?? []).some((endpoint) => endpoint.conditions?.ready),
      },
    );
    const iamHint = formatHint(hintById('iam-get-access-token-denied'));

    // Right after the deploy: the Job backs off before its next attempt.
    const retrying = await verify(world, refused);
    expect(notPassing(retrying)).toEqual({ 'cronjob-healthy': 'warn', 'pull-secret': 'fail' });
    expectVerdict(retrying, ['pull-secret']);
    const retryingCheck = expectReported(retrying, 'cronjob-healthy', 'warn');
    expect(retryingCheck.evidence).toMatch(
      new RegExp(
        `^Job ${jobName} is retrying: [12] pod\\(s\\) failed so far \\(backoffLimit 2\\)\nlast success \\d+ min ago \\([^)]+\\)\n`,
      ),
    );
    expect(retryingCheck.hint).toBe(iamHint);
    expect(expectReported(retrying, 'pull-secret', 'fail').evidence).toBe('Secret ar-pull-secret not found');

    // Every attempt is refused the same way: the Job fails (backoff 10 s, 20 s).
    await waitForJob(namespace, jobName, 'Failed', (job) => hasCondition(job, 'Failed'), 120_000);
    const failed = await verify(world, refused);
    expect(notPassing(failed)).toEqual({ 'cronjob-healthy': 'fail', 'pull-secret': 'fail' });
    expectVerdict(failed, ['cronjob-healthy', 'pull-secret']);
    const check = expectReported(failed, 'cronjob-healthy', 'fail');
    const [head, ...rest] = check.evidence.split('\n');
    expect(head).toBe(
      `Job ${jobName} failed: BackoffLimitExceeded: Job has reached the specified backoff limit`,
    );
    const log = rest.join('\n');
    // The refresher's own output, read back through pods/log.
    expect(log).toMatch(new RegExp(`pod ${jobName}-\\w+ log tail:\nstep: check inputs\n`));
    expect(log).toContain('step: get access token');
    // IAM Credentials' own answer, printed by refresh.mjs.
    expect(log).toContain('error: IAM Credentials answered HTTP 403');
    expect(log).toContain(
      "Permission 'iam.serviceAccounts.getAccessToken' denied on resource (or it may not exist).",
    );
    expect(check.hint).toBe(iamHint);

    // The fix: the service account the federated identity may impersonate.
    expect((await world.run()).exitCode).toBe(0);
    await expectHealthy(world);
  });

  test('pull-secret: an expiry in the past (set with kubectl) fails, one close at hand warns; the hint command refreshes it', async () => {
    const world = await healthyInstall('verify-stale');
    const annotateExpiry = (at: Date) =>
      kubectl([
        'annotate',
        'secret',
        'ar-pull-secret',
        '-n',
        world.namespace,
        '--overwrite',
        `bifrost.maximhq.dev/expires-at=${at.toISOString()}`,
      ]);

    const expiredAt = new Date(Date.now() - 10 * 60_000);
    annotateExpiry(expiredAt);
    const expired = await verify(world);
    expect(notPassing(expired)).toEqual({ 'pull-secret': 'fail' });
    expectVerdict(expired, ['pull-secret']);
    const check = expectReported(expired, 'pull-secret', 'fail');
    expect(check.evidence).toMatch(
      new RegExp(
        `^${escapeRegExp(`Secret ar-pull-secret for ${IDS.region}-docker.pkg.dev: token expired 10 min ago; written `)}\\d+ min ago, ` +
          `${escapeRegExp(`expires ${expiredAt.toISOString()} (annotation bifrost.maximhq.dev/expires-at)`)}$`,
      ),
    );
    expect(check.hint).toContain(
      `\`kubectl create job --from=cronjob/refresh-ar-secret refresh-now -n ${world.namespace}\``,
    );

    annotateExpiry(new Date(Date.now() + 3 * 60_000));
    const soon = await verify(world);
    expect(notPassing(soon)).toEqual({ 'pull-secret': 'warn' });
    expectVerdict(soon, []);
    expect(expectReported(soon, 'pull-secret', 'warn').evidence).toMatch(
      /: token expires in [23] min; written /,
    );

    runHintCommand(check.hint);
    await waitForJob(world.namespace, 'refresh-now', 'Complete', (job) => hasCondition(job, 'Complete'));
    await expectHealthy(world);
  });

  test('pull-secret: a deleted pull secret fails, and the command in the hint recreates it', async () => {
    const world = await healthyInstall('verify-nosecret');
    kubectl(['delete', 'secret', 'ar-pull-secret', '-n', world.namespace]);

    const run = await verify(world);
    expect(notPassing(run)).toEqual({ 'pull-secret': 'fail' });
    expectVerdict(run, ['pull-secret']);
    const check = expectReported(run, 'pull-secret', 'fail');
    expect(check.evidence).toBe('Secret ar-pull-secret not found');
    expect(check.hint).toContain('The refresher Job writes it');

    runHintCommand(check.hint);
    await waitForJob(world.namespace, 'refresh-now', 'Complete', (job) => hasCondition(job, 'Complete'));
    await expectHealthy(world);
  });

  test('pods-healthy and deployment-available: a refused image pull fails the pods and holds the rollout (warn), then exceeds its progress deadline (fail)', async () => {
    const world = await healthyInstall('verify-pull');
    const namespace = world.namespace;
    const denied =
      'denied: Permission "artifactregistry.repositories.downloadArtifacts" denied on resource ' +
      '"projects/acme-hub/locations/us-central1/repositories/acme" (or it may not exist)';
    // The local cluster's kwok acts on the annotation; 10 s instead of the default 600 s deadline keeps the test short.
    kubectl([
      'patch',
      'deployment',
      'bifrost',
      '-n',
      namespace,
      '--type=merge',
      '-p',
      JSON.stringify({
        spec: {
          progressDeadlineSeconds: 10,
          template: { metadata: { annotations: { 'bifrost-aks.test/image-pull-error': denied } } },
        },
      }),
    ]);
    const stuck = await waitForObject<V1Pod>(kc, `/api/v1/namespaces/${namespace}/pods`, {
      what: 'a gateway pod in ImagePullBackOff',
      labelSelector: 'app=bifrost',
      until: (pod) => pod.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'ImagePullBackOff',
    });
    await waitForObject<CoreV1Event>(kc, `/api/v1/namespaces/${namespace}/events`, {
      what: `a Failed event for pod ${stuck.metadata!.name}`,
      fieldSelector: `involvedObject.name=${stuck.metadata!.name},reason=Failed`,
      until: () => true,
    });
    await waitForObject<V1Deployment>(kc, `/apis/apps/v1/namespaces/${namespace}/deployments`, {
      what: 'Deployment bifrost with the new ReplicaSet observed',
      fieldSelector: 'metadata.name=bifrost',
      until: (d) => d.status?.observedGeneration === d.metadata?.generation && d.status?.replicas === 2,
    });
    const image = `${IDS.region}-docker.pkg.dev/${IDS.gcpProject}/${IDS.hubSlug}/bifrost:v1.4.2`;

    // The old pod still serves (maxUnavailable 0): the gateway answers, the rollout is held.
    const held = await verify(world);
    expect(notPassing(held)).toEqual({ 'pods-healthy': 'fail', 'deployment-available': 'warn' });
    expectVerdict(held, ['pods-healthy']);
    const pods = expectReported(held, 'pods-healthy', 'fail');
    expect(pods.evidence).toMatch(
      new RegExp(
        `^${escapeRegExp(`pod ${stuck.metadata!.name} container bifrost: ImagePullBackOff: Back-off pulling image "${image}": ErrImagePull: ${denied}`)}\n` +
          `events: ${escapeRegExp(`Failed: Failed to pull image "${image}": ${denied}`)}( \\(x\\d+\\))?$`,
      ),
    );
    expect(pods.hint).toBe(formatHint(hintById('ar-permission-denied')));
    expect(expectReported(held, 'deployment-available', 'warn').evidence).toBe(
      'replicas 1, updated 1, ready 1, available 1, old 1; generation 2, observed 2; Available, but the rollout of the current generation is not complete (pending termination: 1 old pod(s))',
    );

    const deadline = await waitForObject<V1Deployment>(
      kc,
      `/apis/apps/v1/namespaces/${namespace}/deployments`,
      {
        what: 'Deployment bifrost past its progress deadline',
        fieldSelector: 'metadata.name=bifrost',
        until: (d) =>
          d.status?.conditions?.some(
            (c) => c.type === 'Progressing' && c.reason === 'ProgressDeadlineExceeded',
          ) ?? false,
      },
    );
    const progressing = deadline.status!.conditions!.find((c) => c.type === 'Progressing')!;
    const exceeded = await verify(world);
    expect(notPassing(exceeded)).toEqual({ 'pods-healthy': 'fail', 'deployment-available': 'fail' });
    expectVerdict(exceeded, ['deployment-available', 'pods-healthy']);
    const deployment = expectReported(exceeded, 'deployment-available', 'fail');
    expect(deployment.evidence).toBe(
      `replicas 1, updated 1, ready 1, available 1, old 1; generation 2, observed 2; Progressing: ProgressDeadlineExceeded: ${progressing.message}`,
    );
    expect(progressing.message).toMatch(/^ReplicaSet "bifrost-\w+" has timed out progressing\.$/);
    expect(deployment.hint).toBe('See pods-healthy for why the pods are not ready.');
  });

  test('gateway-health: Bifrost answering /health with 503 fails, with its body; healthy again once it answers 200', async () => {
    const world = await healthyInstall('verify-health');
    const [pod] = (await core.listNamespacedPod({ namespace: world.namespace, labelSelector: 'app=bifrost' }))
      .items;
    // What Bifrost's handlers/health.go sends when a store's ping fails (see pod-network.test.ts).
    const storeDown = {
      is_bifrost_error: false,
      status_code: 503,
      error: { message: 'config store not available' },
      extra_fields: {},
    };
    const answerFile = setPodHttpAnswer(pod.status!.podIP!, { status: 503, body: storeDown });

    const run = await verify(world);
    expect(notPassing(run)).toEqual({ 'gateway-health': 'fail' });
    expectVerdict(run, ['gateway-health']);
    const check = expectReported(run, 'gateway-health', 'fail');
    expect(check.evidence).toBe(
      `GET /api/v1/namespaces/${world.namespace}/services/bifrost:80/proxy/health → 503 ${JSON.stringify(storeDown)}`,
    );
    expect(check.hint).toContain(
      'Bifrost answers 503 when a store it needs (config_store, logs_store) cannot be reached',
    );
    expect(check.hint).toContain(`\`kubectl logs deployment/bifrost -n ${world.namespace}\``);

    rmSync(answerFile);
    await expectHealthy(world);
  });

  test('namespace: a namespace that does not exist fails, and every other check is skipped with that reason', async () => {
    const missing = `verify-missing-${randomBytes(3).toString('hex')}`;
    const world = await newWorld(missing);

    const run = await verify(world);
    expectVerdict(run, ['namespace']);
    const check = expectReported(run, 'namespace', 'fail');
    expect(check.evidence).toBe(`namespace ${missing} not found`);
    expect(check.hint).toBe('Re-run the action with mode: deploy to create it.');
    for (const other of kubernetesChecks(run).filter((c) => c.id !== 'namespace')) {
      expect(other).toMatchObject({ status: 'skipped', evidence: `namespace ${missing} does not exist` });
    }
    expect(run.annotations.filter((a) => a.title?.startsWith('Check '))).toHaveLength(1);
    // Verify never creates what it checks.
    await expect(core.readNamespace({ name: missing })).rejects.toMatchObject({ code: 404 });
  });
});
