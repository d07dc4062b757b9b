// collectSnapshot + evaluateChecks against the local control plane (scripts/cluster.sh): real
// reads, 404s, RBAC refusals, a failing refresher Job with its pod log, an image pull refusal
// with its kubelet event, and /health through the API server's service proxy.
import { describe, expect, jest, test } from '@jest/globals';
import {
  KubeConfig,
  type CoreV1Event,
  type KubernetesObject,
  type V1CronJob,
  type V1Deployment,
  type V1Job,
  type V1Pod,
} from '@kubernetes/client-node';
import type { CheckResult } from '../../src/report/check-result.js';
import { collectSnapshot, evaluateChecks, type KubeApis } from '../../src/checks/index.js';
import { formatHint, hintById } from '../../src/report/hints.js';
import { KubeClient } from '../../src/cluster/client.js';
import { render } from '../../src/manifests/render.js';
import type { Settings } from '../../src/config/settings.js';
import {
  TEST_ANNOTATIONS,
  kubeConfig,
  newNamespace,
  waitForObject,
  writePodLog,
} from '../support/cluster.js';
import { testSettings } from '../support/fixtures.js';

// jest reads testTimeout only from the top-level config, not from a project's.
jest.setTimeout(120_000);

const kc = kubeConfig();
const client = new KubeClient(kc, 'bifrost-aks-deploy');
const apis: KubeApis = { core: client.core, apps: client.apps, batch: client.batch };

const HOST = 'us-central1-docker.pkg.dev';
const FAKE_TOKEN = 'ya29.c.e2e-fake-access-token-0123456789abcdef';

function settingsFor(namespace: string): Settings {
  return testSettings({ 'image-tag': 'v1.4.2', namespace });
}

function byId(results: CheckResult[], id: string): CheckResult {
  const result = results.find((candidate) => candidate.id === id);
  if (!result) throw new Error(`no check ${id}`);
  return result;
}

const hasCondition = (job: V1Job, type: string) =>
  (job.status?.conditions ?? []).some((condition) => condition.type === type && condition.status === 'True');

describe('Kubernetes checks against the control plane', () => {
  test('an empty namespace: every object absent, nothing thrown, ten requests', async () => {
    const namespace = await newNamespace('checks-empty');
    const settings = settingsFor(namespace);
    const snapshot = await collectSnapshot(apis, settings);

    expect(snapshot.apiRequests).toBe(10);
    expect(snapshot.namespace.state).toBe('found');
    for (const key of [
      'serviceAccount',
      'credentialConfig',
      'cronJob',
      'pullSecret',
      'deployment',
      'service',
    ] as const) {
      expect({ key, state: snapshot[key].state }).toEqual({ key, state: 'absent' });
    }
    expect(snapshot.jobs).toEqual({ state: 'found', value: [] });
    expect(snapshot.health).toBeUndefined();
    expect(snapshot.refresherLog).toBeUndefined();

    const results = evaluateChecks(snapshot, settings, new Date());
    expect(byId(results, 'namespace').status).toBe('pass');
    expect(byId(results, 'service-account-client-id')).toMatchObject({
      status: 'fail',
      evidence: 'ServiceAccount bifrost-sa not found',
    });
    expect(byId(results, 'gateway-health')).toMatchObject({
      status: 'fail',
      evidence: 'Service bifrost not found',
    });
    expect(byId(results, 'refresher-identity-injection').status).toBe('skipped');
  });

  test('a broken install: the failing refresh, the refused pull and the unready Service, each with its fix', async () => {
    const namespace = await newNamespace('checks');
    const settings = settingsFor(namespace);
    const objects = render(settings).objects.map((object) => structuredClone<KubernetesObject>(object));

    // The refresher fails the way the seed's script does (D3), once (backoffLimit 0 keeps the test short).
    const refresherLog = [
      'step: gcloud login skipped',
      'step: get access token',
      'ERROR: (gcloud.auth.print-access-token) You do not currently have an active account selected.',
      'Please run:',
      '',
      '  $ gcloud auth login',
    ];
    const cronJob = objects.find((object) => object.kind === 'CronJob') as V1CronJob;
    cronJob.spec!.jobTemplate.spec!.backoffLimit = 0;
    cronJob.spec!.jobTemplate.spec!.template.metadata!.annotations = {
      [TEST_ANNOTATIONS.fail]: 'exit 1',
      [TEST_ANNOTATIONS.logFile]: writePodLog(refresherLog),
    };
    // The gateway's pull is refused the way Artifact Registry refuses a reader-less account.
    const pullError =
      'failed to pull and unpack image: denied: Permission "artifactregistry.repositories.downloadArtifacts" denied on ' +
      'resource "projects/acme-hub/locations/us-central1/repositories/acme" (or it may not exist)';
    const deployment = objects.find((object) => object.kind === 'Deployment') as V1Deployment;
    deployment.spec!.template.metadata!.annotations = {
      ...deployment.spec!.template.metadata!.annotations,
      [TEST_ANNOTATIONS.imagePullError]: pullError,
    };
    const { live } = await client.applyAll(objects, true);

    // The pull secret as the refresher writes it, with a fake token that must never reach the snapshot.
    const auth = Buffer.from(`oauth2accesstoken:${FAKE_TOKEN}`).toString('base64');
    const dockerConfig = { auths: { [HOST]: { username: 'oauth2accesstoken', password: FAKE_TOKEN, auth } } };
    await client.core.createNamespacedSecret({
      namespace,
      fieldManager: 'bifrost-refresher',
      body: {
        metadata: { name: 'ar-pull-secret' },
        type: 'kubernetes.io/dockerconfigjson',
        data: { '.dockerconfigjson': Buffer.from(JSON.stringify(dockerConfig)).toString('base64') },
      },
    });

    await client.createJobFromCronJob(
      live.find((object) => object.kind === 'CronJob') as V1CronJob,
      'initial-refresh-e2e',
    );
    await waitForObject<V1Job>(kc, `/apis/batch/v1/namespaces/${namespace}/jobs`, {
      what: 'Job initial-refresh-e2e Failed',
      fieldSelector: 'metadata.name=initial-refresh-e2e',
      until: (job) => hasCondition(job, 'Failed') || hasCondition(job, 'Complete'),
    });
    const pod = await waitForObject<V1Pod>(kc, `/api/v1/namespaces/${namespace}/pods`, {
      what: 'a gateway pod in ImagePullBackOff',
      labelSelector: 'app=bifrost',
      until: (candidate) =>
        candidate.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'ImagePullBackOff',
    });
    await waitForObject<CoreV1Event>(kc, `/api/v1/namespaces/${namespace}/events`, {
      what: `a Failed event for pod ${pod.metadata!.name}`,
      fieldSelector: `involvedObject.name=${pod.metadata!.name},reason=Failed`,
      until: () => true,
    });

    const started = Date.now();
    const snapshot = await collectSnapshot(apis, settings);
    const elapsedMs = Date.now() - started;
    process.stdout.write(
      `collectSnapshot: ${snapshot.apiRequests} API requests in ${elapsedMs} ms; /health → ${snapshot.health?.status} ${snapshot.health?.body}\n`,
    );

    // Ten reads, the failed pod's log and /health.
    expect(snapshot.apiRequests).toBe(12);
    expect(JSON.stringify(snapshot)).not.toContain(FAKE_TOKEN);
    expect(JSON.stringify(snapshot)).not.toContain(auth);
    expect(snapshot.pullSecret).toMatchObject({
      state: 'found',
      value: {
        type: 'kubernetes.io/dockerconfigjson',
        registries: [{ host: HOST, username: 'oauth2accesstoken' }],
      },
    });
    expect(snapshot.refresherLog).toMatchObject({
      jobName: 'initial-refresh-e2e',
      container: 'token-refresh',
    });
    expect(snapshot.refresherLog?.tail).toBe(refresherLog.join('\n'));
    expect(snapshot.health).toMatchObject({
      path: `/api/v1/namespaces/${namespace}/services/bifrost:80/proxy/health`,
      status: 503,
    });

    const results = evaluateChecks(snapshot, settings, new Date());
    const statuses = Object.fromEntries(results.map((result) => [result.id, result.status]));
    expect(statuses).toEqual({
      namespace: 'pass',
      'service-account-client-id': 'pass',
      'refresher-workload-identity-label': 'pass',
      'credential-config': 'pass',
      'cronjob-healthy': 'fail',
      'pull-secret': 'pass',
      'deployment-available': 'fail',
      'pods-healthy': 'fail',
      'refresher-identity-injection': 'pass',
      'gateway-health': 'fail',
    });
    const cron = byId(results, 'cronjob-healthy');
    expect(cron.evidence).toContain('Job initial-refresh-e2e failed: BackoffLimitExceeded');
    expect(cron.evidence).toContain('You do not currently have an active account selected.');
    expect(cron.hint).toBe(formatHint(hintById('gcloud-no-active-account')));

    const pods = byId(results, 'pods-healthy');
    expect(pods.evidence).toContain(`pod ${pod.metadata!.name} container bifrost: ImagePullBackOff`);
    expect(pods.hint).toBe(formatHint(hintById('ar-permission-denied')));

    const health = byId(results, 'gateway-health');
    expect(health.hint).toBe(formatHint(hintById('service-no-endpoints')));
    expect(JSON.stringify(results)).not.toContain(FAKE_TOKEN);
  });

  test('an identity without rights: every read refused, reported as evidence with the RBAC fix', async () => {
    const namespace = await newNamespace('checks-rbac');
    const settings = settingsFor(namespace);
    // The namespace's default ServiceAccount: authenticated, but bound to nothing.
    const { status } = await client.core.createNamespacedServiceAccountToken({
      name: 'default',
      namespace,
      body: { spec: { audiences: [], expirationSeconds: 600 } },
    });
    const cluster = kc.getCurrentCluster()!;
    const restricted = new KubeConfig();
    restricted.loadFromOptions({
      clusters: [cluster],
      users: [{ name: 'restricted', token: status!.token }],
      contexts: [{ name: 'restricted', cluster: cluster.name, user: 'restricted' }],
      currentContext: 'restricted',
    });
    const restrictedClient = new KubeClient(restricted, 'bifrost-aks-deploy');

    const snapshot = await collectSnapshot(
      { core: restrictedClient.core, apps: restrictedClient.apps, batch: restrictedClient.batch },
      settings,
    );
    expect(snapshot.namespace).toMatchObject({ state: 'error', status: 403 });
    expect(snapshot.pullSecret).toMatchObject({ state: 'error', status: 403 });

    const results = evaluateChecks(snapshot, settings, new Date());
    const namespaceCheck = byId(results, 'namespace');
    expect(namespaceCheck.status).toBe('fail');
    expect(namespaceCheck.evidence).toContain(
      `namespaces "${namespace}" is forbidden: User "system:serviceaccount:${namespace}:default" cannot get resource "namespaces"`,
    );
    expect(namespaceCheck.hint).toBe(formatHint(hintById('k8s-forbidden')));
    expect(byId(results, 'pull-secret').hint).toBe(formatHint(hintById('rbac-secrets-forbidden')));
  });
});
