import { STUCK_WAITING_REASONS } from '../../src/cluster/status.js';
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  loadYaml,
  type CoreV1Event,
  type V1ConfigMap,
  type V1CronJob,
  type V1Deployment,
  type V1Job,
  type V1Pod,
  type V1PodSpec,
  type V1Secret,
  type V1Service,
  type V1ServiceAccount,
} from '@kubernetes/client-node';
import YAML from 'yaml';
import type { CheckResult } from '../../src/report/check-result.js';
import {
  CHECK_IDS,
  evaluateChecks,
  pickRefresherLogTarget,
  schedulePeriodMinutes,
  summarisePullSecret,
  type ClusterSnapshot,
  type Observed,
  type PullSecretSummary,
} from '../../src/checks/index.js';
import { formatHint, hintById } from '../../src/report/hints.js';
import { render } from '../../src/manifests/render.js';
import { type Settings } from '../../src/config/settings.js';
import { CLIENT_ID, testSettings } from '../support/fixtures.js';
import { EXPIRES_AT_ANNOTATION } from '../../src/manifests/names.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const fixturesDir = path.resolve(repoRoot, '__fixtures__');
const fixture = (relative: string): string => readFileSync(path.join(fixturesDir, relative), 'utf8');

// ── Settings and the rendered objects (what a fresh deploy applies) ───────────────────────────

function settingsWith(inputs: Record<string, string> = {}): Settings {
  return testSettings({ 'image-tag': 'v1.4.2', ...inputs });
}

const SETTINGS = settingsWith();
const ENTRA_SETTINGS = settingsWith({ federation: 'entra', 'entra-resource': 'api://bifrost-acme' });
const HOST = 'us-central1-docker.pkg.dev';

/** A rendered object, typed through client-node's own deserialiser (dates become Date). */
function rendered<T>(settings: Settings, kind: string): T {
  const object = render(settings).objects.find((candidate) => candidate.kind === kind);
  if (!object) throw new Error(`render() made no ${kind}`);
  return loadYaml<T>(JSON.stringify(object));
}

const found = <T>(value: T): Observed<T> => ({ state: 'found', value });
const clone = <T>(value: T): T => structuredClone(value);

// ── Objects as the control plane would show them, from the real fixtures ─────────────────────

const CRONJOB_UID = '6f1c2a9e-7d0b-4d35-9c55-2f7f1e0a4b11';

/** A Job of the refresher CronJob whose status is a real fixture's status. */
function refresherJob(name: string, createdAt: string, statusFixture: string): V1Job {
  const parsed = statusFixture.endsWith('.json')
    ? JSON.parse(fixture(statusFixture))
    : YAML.parse(fixture(statusFixture));
  const status = parsed.status ?? parsed; // the k8s-93559 fixture is the bare `.status`
  return loadYaml<V1Job>(
    JSON.stringify({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: {
        name,
        namespace: 'bifrost',
        creationTimestamp: createdAt,
        labels: { 'job-name': name },
        ownerReferences: [
          {
            apiVersion: 'batch/v1',
            kind: 'CronJob',
            name: 'refresh-ar-secret',
            uid: CRONJOB_UID,
            controller: true,
          },
        ],
      },
      status,
    }),
  );
}

/** A refresher pod as the Job controller creates it from the CronJob template. */
function refresherPod(
  jobName: string,
  spec: V1PodSpec,
  phase = 'Succeeded',
  createdAt = '2026-04-26T18:35:43Z',
): V1Pod {
  return loadYaml<V1Pod>(
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: `${jobName}-x7k2p`,
        namespace: 'bifrost',
        creationTimestamp: createdAt,
        labels: {
          'job-name': jobName,
          'batch.kubernetes.io/job-name': jobName,
          'azure.workload.identity/use': 'true',
        },
      },
      spec,
      status: { phase },
    }),
  );
}

/** A gateway pod; `containerStatuses` defaults to a running, ready container. */
function gatewayPod(name: string, containerStatuses?: unknown[]): V1Pod {
  return loadYaml<V1Pod>(
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: 'bifrost', labels: { app: 'bifrost', 'pod-template-hash': '5d8f7c6b9' } },
      spec: { containers: [{ name: 'bifrost', image: `${HOST}/acme-hub/acme/bifrost:v1.4.2` }] },
      status: {
        phase: containerStatuses ? 'Pending' : 'Running',
        containerStatuses: containerStatuses ?? [
          {
            name: 'bifrost',
            ready: true,
            restartCount: 0,
            image: 'bifrost',
            imageID: '',
            state: { running: {} },
          },
        ],
      },
    }),
  );
}

/** The podman-desktop fixture's containerStatuses: a real ImagePullBackOff. */
function imagePullBackOffStatuses(): unknown[] {
  return JSON.parse(fixture('k8s/pod-containerstatuses-imagepullbackoff.podman-desktop-7521.wrapped.json'))
    .containerStatuses;
}

/** A fixture Event, re-pointed at one of our objects. */
function eventAbout(fixtureEvent: Record<string, unknown>, kind: string, name: string): CoreV1Event {
  const event = clone(fixtureEvent) as {
    involvedObject: Record<string, unknown>;
    metadata: Record<string, unknown>;
  };
  event.involvedObject = { ...event.involvedObject, kind, name, namespace: 'bifrost' };
  event.metadata = { ...event.metadata, namespace: 'bifrost' };
  return loadYaml<CoreV1Event>(JSON.stringify({ apiVersion: 'v1', kind: 'Event', ...event }));
}

const FAILED_TO_RETRIEVE_PULL_SECRET = JSON.parse(
  fixture('k8s/event-failedtoretrieveimagepullsecret.aks.json'),
);
const FAILED_TO_PULL = (
  YAML.parse(fixture('k8s/event-failed-to-pull-image.kb8or-68.yaml')) as object[]
)[0] as Record<string, unknown>;

function warningEvent(kind: string, name: string, reason: string, message: string): CoreV1Event {
  return eventAbout({ ...FAILED_TO_RETRIEVE_PULL_SECRET, reason, message, count: 3 }, kind, name);
}

function availableDeployment(settings: Settings): V1Deployment {
  const deployment = rendered<V1Deployment>(settings, 'Deployment');
  deployment.metadata = { ...deployment.metadata, generation: 2 };
  deployment.status = {
    observedGeneration: 2,
    replicas: 1,
    updatedReplicas: 1,
    readyReplicas: 1,
    availableReplicas: 1,
    conditions: [
      {
        type: 'Available',
        status: 'True',
        reason: 'MinimumReplicasAvailable',
        message: 'Deployment has minimum availability.',
      },
      {
        type: 'Progressing',
        status: 'True',
        reason: 'NewReplicaSetAvailable',
        message: 'ReplicaSet "bifrost-5d8f7c6b9" has successfully progressed.',
      },
    ],
  };
  return deployment;
}

/** kubectl create secret docker-registry's shape, with a fake token. */
const FAKE_TOKEN = 'ya29.c.fake-access-token-value-0123456789';
function dockerConfigSecret(
  auths: Record<string, Record<string, string>>,
  extra: Partial<V1Secret> = {},
): V1Secret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'kubernetes.io/dockerconfigjson',
    metadata: { name: 'ar-pull-secret', namespace: 'bifrost', ...extra.metadata },
    data: { '.dockerconfigjson': Buffer.from(JSON.stringify({ auths })).toString('base64') },
    ...(extra.type ? { type: extra.type } : {}),
  };
}
const basicAuth = (user: string, password: string) => Buffer.from(`${user}:${password}`).toString('base64');
const ARTIFACT_REGISTRY_AUTH = {
  [HOST]: {
    username: 'oauth2accesstoken',
    password: FAKE_TOKEN,
    auth: basicAuth('oauth2accesstoken', FAKE_TOKEN),
  },
};

// The modern fixtures' clock: the complete Job finished at 18:37:06Z on 2026-04-26.
const NOW = new Date('2026-04-26T18:47:00Z');
const COMPLETE_JOB = 'job-complete-successcriteriamet.modern-k8s.yaml';
const FAILED_JOB = 'job-failed-failuretarget-backofflimitexceeded.modern-k8s.yaml';

/** Everything healthy: the rendered install, a successful refresh 10 minutes ago, a ready pod. */
function healthySnapshot(settings: Settings = SETTINGS): ClusterSnapshot {
  const cronJob = rendered<V1CronJob>(settings, 'CronJob');
  cronJob.metadata = {
    ...cronJob.metadata,
    creationTimestamp: new Date('2026-04-20T09:00:00Z'),
    uid: CRONJOB_UID,
  };
  cronJob.status = {
    lastScheduleTime: new Date('2026-04-26T18:30:00Z'),
    lastSuccessfulTime: new Date('2026-04-26T18:37:06Z'),
  };
  const job = refresherJob('refresh-ar-secret-29622090', '2026-04-26T18:35:42Z', `k8s/${COMPLETE_JOB}`);
  const podSpec = cronJob.spec!.jobTemplate.spec!.template.spec!;
  const secret = dockerConfigSecret(ARTIFACT_REGISTRY_AUTH, {
    metadata: {
      annotations: { [EXPIRES_AT_ANNOTATION]: '2026-04-26T19:37:05Z' },
      creationTimestamp: new Date('2026-04-20T09:01:00Z'),
      managedFields: [
        { manager: 'bifrost-refresher', operation: 'Apply', time: new Date('2026-04-26T18:37:05Z') },
      ],
    },
  });
  return {
    namespace: found(rendered(settings, 'Namespace')),
    serviceAccount: found(rendered<V1ServiceAccount>(settings, 'ServiceAccount')),
    credentialConfig: found(rendered<V1ConfigMap>(settings, 'ConfigMap')),
    cronJob: found(cronJob),
    jobs: found([job]),
    pullSecret: found(summarisePullSecret(secret)),
    deployment: found(availableDeployment(settings)),
    service: found(rendered<V1Service>(settings, 'Service')),
    pods: found([refresherPod('refresh-ar-secret-29622090', podSpec), gatewayPod('bifrost-5d8f7c6b9-abcde')]),
    warningEvents: found([]),
    health: {
      path: '/api/v1/namespaces/bifrost/services/bifrost:80/proxy/health',
      status: 200,
      body: '{"status":"ok","components":{"db_pings":"ok"}}',
    },
    apiRequests: 11,
  };
}

function check(results: CheckResult[], id: string): CheckResult {
  const result = results.find((candidate) => candidate.id === id);
  if (!result) throw new Error(`no check ${id}`);
  return result;
}

const judge = (snapshot: ClusterSnapshot, id: string, settings = SETTINGS, now = NOW): CheckResult =>
  check(evaluateChecks(snapshot, settings, now), id);

// ── Tests ─────────────────────────────────────────────────────────────────────────────────────

describe('evaluateChecks on a healthy install', () => {
  it('passes every check, in the stable order, with evidence', () => {
    const results = evaluateChecks(healthySnapshot(), SETTINGS, NOW);
    expect(results.map((result) => result.id)).toEqual([...CHECK_IDS]);
    for (const result of results) {
      expect({ id: result.id, status: result.status }).toEqual({ id: result.id, status: 'pass' });
      expect(result.evidence.length).toBeGreaterThan(0);
      expect(result.hint).toBeUndefined();
    }
  });

  it('passes the entra federation mode with its own rendered objects', () => {
    const results = evaluateChecks(healthySnapshot(ENTRA_SETTINGS), ENTRA_SETTINGS, NOW);
    expect(results.filter((result) => result.status !== 'pass')).toEqual([]);
    expect(check(results, 'credential-config').evidence).toContain('/var/run/secrets/entra/token');
  });

  it('is pure: same input, same output, input untouched', () => {
    const snapshot = healthySnapshot();
    const before = JSON.stringify(snapshot);
    expect(evaluateChecks(snapshot, SETTINGS, NOW)).toEqual(evaluateChecks(snapshot, SETTINGS, NOW));
    expect(JSON.stringify(snapshot)).toBe(before);
  });
});

describe('namespace', () => {
  it('fails when absent and skips every other check with that reason', () => {
    const snapshot = { ...healthySnapshot(), namespace: { state: 'absent' } as const };
    const results = evaluateChecks(snapshot, SETTINGS, NOW);
    expect(check(results, 'namespace')).toMatchObject({
      status: 'fail',
      evidence: 'namespace bifrost not found',
    });
    expect(check(results, 'namespace').hint).toContain('mode: deploy');
    for (const result of results.filter((candidate) => candidate.id !== 'namespace')) {
      expect(result).toMatchObject({ status: 'skipped', evidence: 'namespace bifrost does not exist' });
    }
  });

  it('fails while the namespace is Terminating', () => {
    const snapshot = healthySnapshot();
    snapshot.namespace = found({ metadata: { name: 'bifrost' }, status: { phase: 'Terminating' } });
    expect(judge(snapshot, 'namespace')).toMatchObject({
      status: 'fail',
      evidence: 'namespace bifrost is Terminating',
    });
  });
});

describe('service-account-client-id', () => {
  it('passes whatever the GUID case', () => {
    const snapshot = healthySnapshot();
    const serviceAccount = clone((snapshot.serviceAccount as { value: V1ServiceAccount }).value);
    serviceAccount.metadata!.annotations!['azure.workload.identity/client-id'] = CLIENT_ID.toUpperCase();
    snapshot.serviceAccount = found(serviceAccount);
    expect(judge(snapshot, 'service-account-client-id').status).toBe('pass');
  });

  it('warns in kubernetes mode and fails in entra mode on another client id', () => {
    for (const [settings, status] of [
      [SETTINGS, 'warn'],
      [ENTRA_SETTINGS, 'fail'],
    ] as const) {
      const snapshot = healthySnapshot(settings);
      const serviceAccount = clone((snapshot.serviceAccount as { value: V1ServiceAccount }).value);
      serviceAccount.metadata!.annotations!['azure.workload.identity/client-id'] =
        '00000000-0000-0000-0000-000000000000';
      snapshot.serviceAccount = found(serviceAccount);
      const result = judge(snapshot, 'service-account-client-id', settings);
      expect(result.status).toBe(status);
      expect(result.evidence).toContain('00000000-0000-0000-0000-000000000000');
      expect(result.evidence).toContain(CLIENT_ID);
      expect(result.hint).toContain('kubectl annotate serviceaccount bifrost-sa');
    }
  });

  it('fails when the ServiceAccount is missing, naming the webhook consequence', () => {
    const result = judge(
      { ...healthySnapshot(), serviceAccount: { state: 'absent' } },
      'service-account-client-id',
    );
    expect(result).toMatchObject({ status: 'fail', evidence: 'ServiceAccount bifrost-sa not found' });
    expect(result.hint).toContain('webhook');
  });

  it('turns a Forbidden read into evidence with the RBAC hint', () => {
    const snapshot: ClusterSnapshot = {
      ...healthySnapshot(),
      serviceAccount: {
        state: 'error',
        status: 403,
        message:
          'HTTP 403: serviceaccounts "bifrost-sa" is forbidden: User "ci" cannot get resource "serviceaccounts" in API group "" in the namespace "bifrost"',
      },
    };
    const result = judge(snapshot, 'service-account-client-id');
    expect(result.status).toBe('fail');
    expect(result.evidence).toContain('could not read ServiceAccount bifrost-sa: HTTP 403');
    expect(result.hint).toBe(formatHint(hintById('k8s-forbidden')));
  });
});

describe('refresher-workload-identity-label', () => {
  function withTemplate(edit: (cronJob: V1CronJob) => void): ClusterSnapshot {
    const snapshot = healthySnapshot();
    const cronJob = clone((snapshot.cronJob as { value: V1CronJob }).value);
    edit(cronJob);
    snapshot.cronJob = found(cronJob);
    return snapshot;
  }
  const template = (cronJob: V1CronJob) => cronJob.spec!.jobTemplate.spec!.template;

  it('warns when only the ServiceAccount carries the label but the pod mounts its own token (D6)', () => {
    const result = judge(
      withTemplate((cronJob) => delete template(cronJob).metadata!.labels!['azure.workload.identity/use']),
      'refresher-workload-identity-label',
    );
    expect(result.status).toBe('warn');
    expect(result.evidence).toContain('the ServiceAccount has it, but the webhook only reads the pod label');
    expect(result.hint).toContain('spec.jobTemplate.spec.template.metadata.labels');
  });

  it('fails without the label and without an own projected token', () => {
    const result = judge(
      withTemplate((cronJob) => {
        template(cronJob).metadata!.labels!['azure.workload.identity/use'] = 'false';
        template(cronJob).spec!.volumes = template(cronJob).spec!.volumes!.filter(
          (volume) => !volume.projected,
        );
      }),
      'refresher-workload-identity-label',
    );
    expect(result.status).toBe('fail');
    expect(result.evidence).toContain('is "false"');
  });

  it('is skipped when the CronJob is missing', () => {
    expect(
      judge({ ...healthySnapshot(), cronJob: { state: 'absent' } }, 'refresher-workload-identity-label')
        .status,
    ).toBe('skipped');
  });
});

describe('credential-config', () => {
  function withConfig(edit: (config: Record<string, unknown>) => void, settings = SETTINGS): ClusterSnapshot {
    const snapshot = healthySnapshot(settings);
    const configMap = clone((snapshot.credentialConfig as { value: V1ConfigMap }).value);
    const config = JSON.parse(configMap.data!['credential-config.json']);
    edit(config);
    configMap.data!['credential-config.json'] = JSON.stringify(config);
    snapshot.credentialConfig = found(configMap);
    return snapshot;
  }

  it('fails on the seed placeholder audience and a wrong impersonated account', () => {
    const result = judge(
      withConfig((config) => {
        config.audience =
          '//iam.googleapis.com/projects/BIFROST_PROJECT_NUMBER/locations/global/workloadIdentityPools/YOUR_HUB_SLUG-azure-pool/providers/YOUR_HUB_SLUG-azure-provider';
        config.service_account_impersonation_url =
          'https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/BIFROST_SA@BIFROST_PROJECT.iam.gserviceaccount.com:generateAccessToken';
      }),
      'credential-config',
    );
    expect(result.status).toBe('fail');
    expect(result.evidence).toContain('audience is "//iam.googleapis.com/projects/BIFROST_PROJECT_NUMBER');
    expect(result.evidence).toContain(
      'expected "//iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/acme-azure-pool/providers/acme-azure-provider"',
    );
    expect(result.evidence).toContain('service_account_impersonation_url');
    expect(result.hint).toContain('gcp-project-number');
  });

  it('fails when credential_source.file is not the projected token the refresher mounts', () => {
    const result = judge(
      withConfig((config) => {
        config.credential_source = { file: '/var/run/secrets/tokens/other', format: { type: 'text' } };
      }),
      'credential-config',
    );
    expect(result.status).toBe('fail');
    expect(result.evidence).toContain(
      "credential_source.file is /var/run/secrets/tokens/other, but the refresher's projected token is at /var/run/secrets/azure/tokens/azure-identity-token",
    );
  });

  it('fails in entra mode when the config reads the raw ServiceAccount token (D1)', () => {
    const snapshot = healthySnapshot(ENTRA_SETTINGS);
    snapshot.credentialConfig = found(rendered<V1ConfigMap>(SETTINGS, 'ConfigMap')); // the kubernetes-mode config
    const result = judge(snapshot, 'credential-config', ENTRA_SETTINGS);
    expect(result.status).toBe('fail');
    expect(result.evidence).toContain(
      'is the raw ServiceAccount token /var/run/secrets/azure/tokens/azure-identity-token',
    );
  });

  it('warns when the token path depends on the webhook version (no own projected volume, D6)', () => {
    const snapshot = healthySnapshot();
    const cronJob = clone((snapshot.cronJob as { value: V1CronJob }).value);
    const spec = cronJob.spec!.jobTemplate.spec!.template.spec!;
    spec.volumes = spec.volumes!.filter((volume) => !volume.projected);
    spec.containers[0].volumeMounts = spec.containers[0].volumeMounts!.filter(
      (mount) => mount.name !== 'azure-identity-token',
    );
    snapshot.cronJob = found(cronJob);
    const result = judge(snapshot, 'credential-config');
    expect(result.status).toBe('warn');
    expect(result.evidence).toContain("relies on the webhook's injected token path");
  });

  it('fails on text that is not JSON, and on a missing ConfigMap', () => {
    const snapshot = healthySnapshot();
    snapshot.credentialConfig = found({
      metadata: { name: 'gcp-credential-config' },
      data: { 'credential-config.json': '{' },
    });
    expect(judge(snapshot, 'credential-config')).toMatchObject({
      status: 'fail',
      evidence: 'credential-config.json in ConfigMap gcp-credential-config is not valid JSON',
    });
    expect(
      judge({ ...healthySnapshot(), credentialConfig: { state: 'absent' } }, 'credential-config'),
    ).toMatchObject({
      status: 'fail',
      evidence: 'ConfigMap gcp-credential-config not found',
    });
  });
});

describe('cronjob-healthy', () => {
  it('passes with a success within two periods, citing the schedule', () => {
    const result = judge(healthySnapshot(), 'cronjob-healthy');
    expect(result.status).toBe('pass');
    expect(result.evidence).toContain('schedule "*/30 * * * *" (every 30 min)');
    expect(result.evidence).toContain('last success 10 min ago');
  });

  it('passes right after a first deploy: the pod Succeeded, the Complete condition not yet added', () => {
    const snapshot = healthySnapshot();
    const cronJob = clone((snapshot.cronJob as { value: V1CronJob }).value);
    cronJob.status = {}; // the cronjob controller has recorded no success yet
    snapshot.cronJob = found(cronJob);
    const podSpec = cronJob.spec!.jobTemplate.spec!.template.spec!;
    const job = refresherJob(
      'initial-refresh-1',
      '2026-04-26T18:46:58Z',
      'k8s/job-active-in-progress.modern-k8s.yaml',
    );
    job.spec = { ...job.spec, completions: 1, template: { spec: podSpec } };
    const pod = refresherPod('initial-refresh-1', podSpec, 'Succeeded', '2026-04-26T18:46:58Z');
    pod.status!.containerStatuses = [
      {
        name: 'refresh',
        image: 'x',
        imageID: '',
        ready: false,
        restartCount: 0,
        state: { terminated: { exitCode: 0, finishedAt: new Date('2026-04-26T18:46:59Z') } },
      },
    ];
    snapshot.jobs = found([job]);
    snapshot.pods = found([pod]);
    const result = judge(snapshot, 'cronjob-healthy');
    expect(result.status).toBe('pass');
    expect(result.evidence).toContain('last success 0 min ago (2026-04-26T18:46:59.000Z)');
    expect(result.evidence).toContain('newest Job initial-refresh-1 complete');
    // The same Job with its pod still running is no success.
    pod.status!.phase = 'Running';
    expect(judge(snapshot, 'cronjob-healthy').evidence).toContain('no successful run recorded');
  });

  it('fails when the last success is older than two periods (kia2e CronJob status)', () => {
    const snapshot = healthySnapshot();
    const cronJob = clone((snapshot.cronJob as { value: V1CronJob }).value);
    const fixtureStatus = loadYaml<V1CronJob>(
      JSON.stringify({
        apiVersion: 'batch/v1',
        kind: 'CronJob',
        ...YAML.parse(fixture('k8s/cronjob-status-active-lastScheduleTime-lastSuccessfulTime.kia2e.yaml')),
      }),
    ).status!;
    cronJob.status = fixtureStatus; // lastSuccessfulTime 2022-10-09T11:00:41Z
    snapshot.cronJob = found(cronJob);
    snapshot.jobs = found([]);
    const now = new Date('2022-10-09T12:10:00Z'); // 69 min later, schedule every 30 min
    expect(judge(snapshot, 'cronjob-healthy', SETTINGS, now)).toMatchObject({ status: 'fail' });
    expect(judge(snapshot, 'cronjob-healthy', SETTINGS, now).evidence).toContain('last success 69 min ago');
    expect(judge(snapshot, 'cronjob-healthy', SETTINGS, new Date('2022-10-09T11:50:00Z')).status).toBe(
      'pass',
    );
  });

  it('fails on a failed newest Job, showing the condition, log tail and the matching hint', () => {
    const snapshot = healthySnapshot();
    const failed = refresherJob('refresh-ar-secret-29622120', '2026-04-26T18:40:00Z', `k8s/${FAILED_JOB}`);
    snapshot.jobs = found([...(snapshot.jobs as { value: V1Job[] }).value, failed]);
    snapshot.refresherLog = {
      jobName: 'refresh-ar-secret-29622120',
      podName: 'refresh-ar-secret-29622120-x7k2p',
      container: 'token-refresh',
      tail: `step: get access token\n${fixture('scripts/gcloud-print-access-token-no-active-account.reproduced.txt').trim()}`,
    };
    const result = judge(snapshot, 'cronjob-healthy');
    expect(result.status).toBe('fail');
    expect(result.evidence).toContain(
      'Job refresh-ar-secret-29622120 failed: BackoffLimitExceeded: Job has reached the specified backoff limit',
    );
    expect(result.evidence).toContain('You do not currently have an active account selected.');
    expect(result.hint).toBe(formatHint(hintById('gcloud-no-active-account')));
  });

  it('falls back to the Job condition hint when no log explains the failure', () => {
    const snapshot = healthySnapshot();
    snapshot.jobs = found([
      refresherJob(
        'refresh-ar-secret-29622120',
        '2026-04-26T18:40:00Z',
        'k8s/job-status-failed-backofflimitexceeded.k8s-93559.json',
      ),
    ]);
    snapshot.refresherLog = {
      jobName: 'refresh-ar-secret-29622120',
      error: 'no pod of this Job exists any more',
    };
    const result = judge(snapshot, 'cronjob-healthy');
    expect(result.status).toBe('fail');
    expect(result.evidence).toContain('log unavailable: no pod of this Job exists any more');
    expect(result.hint).toBe(formatHint(hintById('job-backoff-limit')));
  });

  it('uses the Job and pod events as evidence (an RBAC Forbidden in the events)', () => {
    const snapshot = healthySnapshot();
    const jobName = 'refresh-ar-secret-29622120';
    snapshot.jobs = found([
      refresherJob(
        jobName,
        '2026-04-26T18:40:00Z',
        'k8s/job-status-failed-backofflimitexceeded.k8s-92245.yaml',
      ),
    ]);
    snapshot.warningEvents = found([
      warningEvent('Job', jobName, 'BackoffLimitExceeded', 'Job has reached the specified backoff limit'),
    ]);
    snapshot.refresherLog = {
      jobName,
      tail: fixture('scripts/forbidden-create-secrets.pgo-1766.txt').trim(),
    };
    const result = judge(snapshot, 'cronjob-healthy');
    expect(result.evidence).toContain(
      'events: BackoffLimitExceeded: Job has reached the specified backoff limit (x3)',
    );
    expect(result.hint).toBe(formatHint(hintById('rbac-secrets-forbidden')));
  });

  it('warns while the newest Job retries after a failed pod, with its log and the matching hint', () => {
    // Right after a deploy whose refresh failed: the Job has one failed pod and backs off before the next.
    const snapshot = healthySnapshot();
    const jobName = 'initial-refresh-12345-1';
    const retrying = refresherJob(
      jobName,
      '2026-04-26T18:40:00Z',
      'k8s/job-active-in-progress.modern-k8s.yaml',
    );
    retrying.status!.failed = 1;
    retrying.spec = { backoffLimit: 2, template: {} };
    snapshot.jobs = found([...(snapshot.jobs as { value: V1Job[] }).value, retrying]);
    snapshot.refresherLog = {
      jobName,
      podName: `${jobName}-x7k2p`,
      container: 'token-refresh',
      tail: `step: get access token\n${fixture('gcp/gcloud-unable-to-acquire-impersonated-credentials.auth-340.txt').trim()}`,
    };
    const result = judge(snapshot, 'cronjob-healthy');
    expect(result.status).toBe('warn');
    expect(result.evidence).toContain(`Job ${jobName} is retrying: 1 pod(s) failed so far (backoffLimit 2)`);
    expect(result.evidence).toContain('last success 10 min ago');
    expect(result.evidence).toContain(`pod ${jobName}-x7k2p log tail:\nstep: get access token`);
    expect(result.hint).toBe(formatHint(hintById('iam-get-access-token-denied')));
  });

  it('fails when a failed Job is followed by one that fails again, showing the newer log', () => {
    const snapshot = healthySnapshot();
    const failed = refresherJob('refresh-ar-secret-29622120', '2026-04-26T18:40:00Z', `k8s/${FAILED_JOB}`);
    const retrying = refresherJob(
      'refresh-now',
      '2026-04-26T18:45:00Z',
      'k8s/job-active-in-progress.modern-k8s.yaml',
    );
    retrying.status!.failed = 2;
    snapshot.jobs = found([failed, retrying]);
    snapshot.refresherLog = {
      jobName: 'refresh-now',
      podName: 'refresh-now-x7k2p',
      tail: fixture('scripts/gcloud-print-access-token-no-active-account.reproduced.txt').trim(),
    };
    const result = judge(snapshot, 'cronjob-healthy');
    expect(result.status).toBe('fail');
    expect(result.evidence).toContain('Job refresh-now is retrying: 2 pod(s) failed so far');
    expect(result.evidence).toContain('Job refresh-ar-secret-29622120 failed: BackoffLimitExceeded');
    expect(result.evidence).toContain('pod refresh-now-x7k2p log tail:');
    expect(result.hint).toBe(formatHint(hintById('gcloud-no-active-account')));
  });

  it('passes while the newest Job runs without a failed pod yet', () => {
    const snapshot = healthySnapshot();
    const running = refresherJob(
      'refresh-ar-secret-29622120',
      '2026-04-26T18:45:00Z',
      'k8s/job-active-in-progress.modern-k8s.yaml',
    );
    snapshot.jobs = found([...(snapshot.jobs as { value: V1Job[] }).value, running]);
    expect(judge(snapshot, 'cronjob-healthy').status).toBe('pass');
  });

  it('passes when a later Job succeeded after a failure', () => {
    const snapshot = healthySnapshot();
    const older = refresherJob('refresh-ar-secret-29622060', '2026-04-26T18:05:00Z', `k8s/${FAILED_JOB}`);
    snapshot.jobs = found([older, ...(snapshot.jobs as { value: V1Job[] }).value]);
    expect(judge(snapshot, 'cronjob-healthy').status).toBe('pass');
  });

  it('warns while a new CronJob has not succeeded yet, fails once it is old', () => {
    const snapshot = healthySnapshot();
    const cronJob = clone((snapshot.cronJob as { value: V1CronJob }).value);
    cronJob.status = {};
    cronJob.metadata!.creationTimestamp = new Date('2026-04-26T18:30:00Z');
    snapshot.cronJob = found(cronJob);
    snapshot.jobs = found([
      refresherJob(
        'refresh-ar-secret-29622090',
        '2026-04-26T18:35:42Z',
        'k8s/job-active-in-progress.modern-k8s.yaml',
      ),
    ]);
    expect(judge(snapshot, 'cronjob-healthy')).toMatchObject({ status: 'warn' });
    expect(judge(snapshot, 'cronjob-healthy', SETTINGS, new Date('2026-04-26T20:00:00Z'))).toMatchObject({
      status: 'fail',
    });
  });

  it('fails when suspended or missing', () => {
    const snapshot = healthySnapshot();
    const cronJob = clone((snapshot.cronJob as { value: V1CronJob }).value);
    cronJob.spec!.suspend = true;
    snapshot.cronJob = found(cronJob);
    const suspended = judge(snapshot, 'cronjob-healthy');
    expect(suspended.status).toBe('fail');
    expect(suspended.hint).toContain('"suspend":false');
    expect(judge({ ...healthySnapshot(), cronJob: { state: 'absent' } }, 'cronjob-healthy').evidence).toBe(
      'CronJob refresh-ar-secret not found',
    );
  });
});

describe('pull-secret', () => {
  const withSecret = (summary: PullSecretSummary): ClusterSnapshot => ({
    ...healthySnapshot(),
    pullSecret: found(summary),
  });

  it('reports age and expiry from the refresher annotation', () => {
    const result = judge(healthySnapshot(), 'pull-secret');
    expect(result.status).toBe('pass');
    expect(result.evidence).toContain(
      'written 10 min ago, expires 2026-04-26T19:37:05.000Z (annotation bifrost.maximhq.dev/expires-at)',
    );
    expect(result.evidence).toContain('50 min left');
  });

  it('fails when the last write is older than the 60-minute token (managedFields time)', () => {
    const summary = summarisePullSecret(
      dockerConfigSecret(ARTIFACT_REGISTRY_AUTH, {
        metadata: {
          creationTimestamp: new Date('2026-04-20T09:01:00Z'),
          managedFields: [
            { manager: 'kubectl-create', operation: 'Update', time: new Date('2026-04-20T09:01:00Z') },
            {
              manager: 'kubectl-client-side-apply',
              operation: 'Update',
              time: new Date('2026-04-26T17:32:00Z'),
            },
          ],
        },
      }),
    );
    const result = judge(withSecret(summary), 'pull-secret');
    expect(result.status).toBe('fail');
    expect(result.evidence).toContain('token expired 15 min ago');
    expect(result.evidence).toContain('last write (managedFields) + 60 min token lifetime');
    expect(result.hint).toContain('kubectl create job --from=cronjob/refresh-ar-secret');
  });

  it('warns shortly before expiry', () => {
    const summary = {
      ...summarisePullSecret(dockerConfigSecret(ARTIFACT_REGISTRY_AUTH)),
      annotations: { [EXPIRES_AT_ANNOTATION]: '2026-04-26T18:50:00Z' },
    };
    expect(judge(withSecret(summary), 'pull-secret')).toMatchObject({ status: 'warn' });
  });

  it('fails without an entry for the registry host, or with another user', () => {
    const otherHost = summarisePullSecret(
      dockerConfigSecret({ 'us-docker.pkg.dev': ARTIFACT_REGISTRY_AUTH[HOST] }),
    );
    const hostResult = judge(withSecret(otherHost), 'pull-secret');
    expect(hostResult).toMatchObject({
      status: 'fail',
      evidence: `Secret ar-pull-secret has no entry for ${HOST} (hosts: us-docker.pkg.dev)`,
    });
    const otherUser = summarisePullSecret(
      dockerConfigSecret({ [HOST]: { username: '_json_key', password: 'x' } }),
    );
    expect(judge(withSecret(otherUser), 'pull-secret').evidence).toContain(
      'has user _json_key, not oauth2accesstoken',
    );
  });

  it('fails when missing or of the wrong type', () => {
    expect(judge({ ...healthySnapshot(), pullSecret: { state: 'absent' } }, 'pull-secret')).toMatchObject({
      status: 'fail',
      evidence: 'Secret ar-pull-secret not found',
    });
    const opaque = summarisePullSecret(dockerConfigSecret(ARTIFACT_REGISTRY_AUTH, { type: 'Opaque' }));
    expect(judge(withSecret(opaque), 'pull-secret').evidence).toContain('has type Opaque');
  });
});

describe('summarisePullSecret keeps no secret data', () => {
  it('keeps hosts and usernames, drops passwords and auth', () => {
    const full = summarisePullSecret(dockerConfigSecret(ARTIFACT_REGISTRY_AUTH));
    expect(full.registries).toEqual([{ host: HOST, username: 'oauth2accesstoken' }]);
    expect(JSON.stringify(full)).not.toContain(FAKE_TOKEN);
    expect(JSON.stringify(evaluateChecks(healthySnapshot(), SETTINGS, NOW))).not.toContain(FAKE_TOKEN);

    const summary = summarisePullSecret(
      dockerConfigSecret({
        [`https://${HOST}`]: { auth: basicAuth('oauth2accesstoken', FAKE_TOKEN) }, // auth only: the user is decoded
      }),
    );
    expect(summary.registries).toEqual([{ host: `https://${HOST}`, username: 'oauth2accesstoken' }]);
    const serialised = JSON.stringify(summary);
    expect(serialised).not.toContain(FAKE_TOKEN);
    expect(serialised).not.toContain(basicAuth('oauth2accesstoken', FAKE_TOKEN));
    expect(judge({ ...healthySnapshot(), pullSecret: found(summary) }, 'pull-secret').status).not.toBe(
      'fail',
    );
  });

  it('reports a config that is not JSON without echoing it', () => {
    const secret = dockerConfigSecret({});
    secret.data!['.dockerconfigjson'] = Buffer.from(`not json ${FAKE_TOKEN}`).toString('base64');
    const summary = summarisePullSecret(secret);
    expect(summary.parseError).toBe('.dockerconfigjson is not valid base64 JSON');
    expect(JSON.stringify(summary)).not.toContain(FAKE_TOKEN);
  });
});

describe('deployment-available', () => {
  function withDeployment(edit: (deployment: V1Deployment) => void): ClusterSnapshot {
    const snapshot = healthySnapshot();
    const deployment = clone((snapshot.deployment as { value: V1Deployment }).value);
    edit(deployment);
    snapshot.deployment = found(deployment);
    return snapshot;
  }

  it('fails when not Available, with the condition as evidence', () => {
    const result = judge(
      withDeployment((deployment) => {
        deployment.status!.availableReplicas = 0;
        deployment.status!.readyReplicas = 0;
        deployment.status!.conditions![0] = {
          type: 'Available',
          status: 'False',
          reason: 'MinimumReplicasUnavailable',
          message: 'Deployment does not have minimum availability.',
        };
      }),
      'deployment-available',
    );
    expect(result.status).toBe('fail');
    expect(result.evidence).toContain(
      'Available False: MinimumReplicasUnavailable Deployment does not have minimum availability.',
    );
    expect(result.hint).toContain('pods-healthy');
  });

  it('fails on ProgressDeadlineExceeded (not taken for a Job deadline)', () => {
    const result = judge(
      withDeployment((deployment) => {
        deployment.status!.conditions![1] = {
          type: 'Progressing',
          status: 'False',
          reason: 'ProgressDeadlineExceeded',
          message: 'ReplicaSet "bifrost-7c9d8f" has timed out progressing.',
        };
      }),
      'deployment-available',
    );
    expect(result.status).toBe('fail');
    expect(result.hint).not.toBe(formatHint(hintById('job-deadline-exceeded')));
  });

  it('warns while an old pod still serves and the new one is stuck (kubectl rollout status)', () => {
    // maxUnavailable 0: the old pod keeps `available` at 1 while the new ReplicaSet's pod cannot pull.
    const result = judge(
      withDeployment((deployment) => {
        deployment.status!.replicas = 2;
        deployment.status!.updatedReplicas = 1;
        deployment.status!.readyReplicas = 1;
        deployment.status!.availableReplicas = 1;
        deployment.status!.unavailableReplicas = 1;
      }),
      'deployment-available',
    );
    expect(result.status).toBe('warn');
    expect(result.evidence).toContain('replicas 1, updated 1, ready 1, available 1, old 1;');
    expect(result.evidence).toContain('the rollout of the current generation is not complete');
  });

  it('warns while Available but the new generation is not rolled out', () => {
    const result = judge(
      withDeployment((deployment) => {
        deployment.metadata!.generation = 3;
      }),
      'deployment-available',
    );
    expect(result.status).toBe('warn');
    expect(result.evidence).toContain('generation 3, observed 2');
  });
});

describe('pods-healthy', () => {
  const podName = 'bifrost-5d8f7c6b9-abcde';

  it('fails on ImagePullBackOff and picks the root cause from the events (missing pull secret)', () => {
    const snapshot = healthySnapshot();
    snapshot.pods = found([gatewayPod(podName, imagePullBackOffStatuses())]);
    snapshot.warningEvents = found([
      eventAbout(FAILED_TO_RETRIEVE_PULL_SECRET, 'Pod', podName),
      warningEvent(
        'Pod',
        podName,
        'Failed',
        fixture('registry/k8s-event-bare-statuses.gke-containerd-live.txt').split('\n')[1],
      ),
    ]);
    const result = judge(snapshot, 'pods-healthy');
    expect(result.status).toBe('fail');
    expect(result.evidence).toContain(
      `pod ${podName} container helloworld: ImagePullBackOff: Back-off pulling image "docker.io/cdrage/helloworldasdf"`,
    );
    expect(result.evidence).toContain(
      'FailedToRetrieveImagePullSecret: Unable to retrieve some image pull secrets',
    );
    expect(result.hint).toBe(formatHint(hintById('pull-secret-missing')));
  });

  it('fails on every waiting reason the rollout watch stops on, so deploy and verify agree', () => {
    for (const reason of STUCK_WAITING_REASONS) {
      const snapshot = healthySnapshot();
      const waiting = {
        name: 'bifrost',
        ready: false,
        restartCount: 0,
        image: 'bifrost',
        imageID: '',
        state: { waiting: { reason, message: 'why' } },
      };
      snapshot.pods = found([gatewayPod(podName, [waiting])]);
      const result = judge(snapshot, 'pods-healthy');
      expect({ reason, status: result.status }).toEqual({ reason, status: 'fail' });
      expect(result.evidence).toContain(`container bifrost: ${reason}: why`);
    }
  });

  it('names the registry answer when the pull itself is refused (token endpoint 404)', () => {
    const snapshot = healthySnapshot();
    snapshot.pods = found([gatewayPod(podName, imagePullBackOffStatuses())]);
    snapshot.warningEvents = found([
      warningEvent(
        'Pod',
        podName,
        'Failed',
        fixture('registry/k8s-event-failed-pull-ar-oauth-token-404.gke-containerd-live.txt').trim(),
      ),
    ]);
    expect(judge(snapshot, 'pods-healthy').hint).toBe(formatHint(hintById('registry-token-not-found')));
  });

  it('uses the kb8or Failed event as evidence (tag not found)', () => {
    const snapshot = healthySnapshot();
    snapshot.pods = found([gatewayPod(podName, imagePullBackOffStatuses())]);
    snapshot.warningEvents = found([eventAbout(FAILED_TO_PULL, 'Pod', podName)]);
    const result = judge(snapshot, 'pods-healthy');
    expect(result.evidence).toContain('(x61)');
    expect(result.hint).toBe(formatHint(hintById('image-not-found')));
  });

  it('fails with ReplicaSet events when no pod exists', () => {
    const snapshot = healthySnapshot();
    snapshot.pods = found([]);
    snapshot.warningEvents = found([
      warningEvent(
        'ReplicaSet',
        'bifrost-5d8f7c6b9',
        'FailedCreate',
        'Error creating: pods "bifrost-5d8f7c6b9-" is forbidden: User "system:serviceaccount:kube-system:replicaset-controller" cannot get resource "serviceaccounts"',
      ),
    ]);
    const result = judge(snapshot, 'pods-healthy');
    expect(result.status).toBe('fail');
    expect(result.evidence).toContain('FailedCreate');
    expect(result.hint).toBe(formatHint(hintById('k8s-forbidden')));
  });

  it('ignores refresher pods and passes with only healthy gateway pods', () => {
    const result = judge(healthySnapshot(), 'pods-healthy');
    expect(result).toMatchObject({
      status: 'pass',
      evidence: '1 pod(s), 1 Running, no container waiting on an error',
    });
  });
});

describe('refresher-identity-injection', () => {
  const jobName = 'refresh-ar-secret-29622090';
  function withRefresherPod(spec: V1PodSpec): ClusterSnapshot {
    return {
      ...healthySnapshot(),
      pods: found([refresherPod(jobName, spec), gatewayPod('bifrost-5d8f7c6b9-abcde')]),
    };
  }

  it('passes with the webhook ≥ 1.6 injection (reserved volume + AZURE_FEDERATED_TOKEN_FILE)', () => {
    // What the v1.6.0 webhook adds (awi-webhook-injection.source-excerpts.md).
    const volumeName = 'azure-workload-identity-reserved-3f2a9c4b1e7d6a5b8c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6';
    const result = judge(
      withRefresherPod({
        serviceAccountName: 'bifrost-sa',
        containers: [
          {
            name: 'token-refresh',
            env: [
              {
                name: 'AZURE_FEDERATED_TOKEN_FILE',
                value: '/var/run/secrets/azure/wi/token/azure-identity-token',
              },
            ],
            volumeMounts: [{ name: volumeName, mountPath: '/var/run/secrets/azure/wi', readOnly: true }],
          },
        ],
        volumes: [
          {
            name: volumeName,
            projected: {
              sources: [
                {
                  serviceAccountToken: {
                    path: 'token/azure-identity-token',
                    expirationSeconds: 3600,
                    audience: 'api://AzureADTokenExchange',
                  },
                },
              ],
            },
          },
        ],
      }),
      'refresher-identity-injection',
    );
    expect(result.status).toBe('pass');
    expect(result.evidence).toContain('/var/run/secrets/azure/wi/token/azure-identity-token');
  });

  it('fails when the pod has neither the projected token nor the variable', () => {
    const result = judge(
      withRefresherPod({ serviceAccountName: 'bifrost-sa', containers: [{ name: 'token-refresh' }] }),
      'refresher-identity-injection',
    );
    expect(result.status).toBe('fail');
    expect(result.hint).toContain('azure.workload.identity/use');
  });

  it('is skipped with a reason when no refresher pod exists', () => {
    const result = judge(
      { ...healthySnapshot(), pods: found([gatewayPod('bifrost-5d8f7c6b9-abcde')]) },
      'refresher-identity-injection',
    );
    expect(result.status).toBe('skipped');
    expect(result.evidence).toContain('no refresher pod');
  });
});

describe('gateway-health', () => {
  const path503 = '/api/v1/namespaces/bifrost/services/bifrost:80/proxy/health';

  it('fails on the API server 503 with no endpoints, with that hint', () => {
    const snapshot = healthySnapshot();
    snapshot.health = {
      path: path503,
      status: 503,
      body: '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"no endpoints available for service \\"bifrost\\"","reason":"ServiceUnavailable","code":503}',
    };
    const result = judge(snapshot, 'gateway-health');
    expect(result.status).toBe('fail');
    expect(result.evidence).toContain(`GET ${path503} → 503`);
    expect(result.hint).toBe(formatHint(hintById('service-no-endpoints')));
  });

  it("fails on Bifrost's own 503, showing its body", () => {
    const snapshot = healthySnapshot();
    snapshot.health = {
      path: path503,
      status: 503,
      body: '{"status":"error","error":"config store ping failed: dial tcp 10.0.0.5:5432: connect: connection refused"}',
    };
    const result = judge(snapshot, 'gateway-health');
    expect(result.evidence).toContain('config store ping failed');
    expect(result.hint).toContain('config_store');
    // The command names this install's Deployment and namespace, not the defaults.
    const elsewhere = settingsWith({ namespace: 'bifrost-preview-42' });
    expect(judge(snapshot, 'gateway-health', elsewhere).hint).toContain(
      '`kubectl logs deployment/bifrost -n bifrost-preview-42`',
    );
  });

  it('warns, not fails, when the API server could not reach the pod (its own Status, not the gateway answering)', () => {
    const snapshot = healthySnapshot();
    snapshot.health = {
      path: path503,
      status: 503,
      body: '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"error trying to reach service: dial tcp 10.244.0.5:8080: connect: invalid argument","reason":"ServiceUnavailable","code":503}',
    };
    const result = judge(snapshot, 'gateway-health');
    expect(result.status).toBe('warn');
    expect(result.evidence).toContain('error trying to reach service');
    expect(result.hint).toContain('kubectl port-forward svc/bifrost 8080:80 -n bifrost');
  });

  it('fails when the request itself failed, and when the Service is missing', () => {
    const snapshot = healthySnapshot();
    snapshot.health = { path: path503, body: '', error: 'connect ECONNREFUSED 127.0.0.1:6443' };
    expect(judge(snapshot, 'gateway-health').evidence).toBe(
      `GET ${path503} failed: connect ECONNREFUSED 127.0.0.1:6443`,
    );
    expect(
      judge({ ...healthySnapshot(), service: { state: 'absent' }, health: undefined }, 'gateway-health'),
    ).toMatchObject({
      status: 'fail',
      evidence: 'Service bifrost not found',
    });
  });
});

describe('pickRefresherLogTarget', () => {
  const podSpec = rendered<V1CronJob>(SETTINGS, 'CronJob').spec!.jobTemplate.spec!.template.spec!;

  it('picks the failed pod and its failed container of the newest failed Job', () => {
    const jobName = 'refresh-ar-secret-29622120';
    const failedPod = refresherPod(jobName, podSpec, 'Failed', '2026-04-26T18:41:00Z');
    failedPod.status!.containerStatuses = [
      {
        name: 'token-refresh',
        ready: false,
        restartCount: 0,
        image: 'x',
        imageID: '',
        state: { terminated: { exitCode: 1 } },
      },
    ];
    const target = pickRefresherLogTarget(
      [
        refresherJob('refresh-ar-secret-29622090', '2026-04-26T18:35:42Z', `k8s/${COMPLETE_JOB}`),
        refresherJob(jobName, '2026-04-26T18:40:00Z', `k8s/${FAILED_JOB}`),
      ],
      [failedPod],
    );
    expect(target).toEqual({ jobName, podName: failedPod.metadata!.name, container: 'token-refresh' });
  });

  it('needs no log when the newest finished Job succeeded', () => {
    expect(
      pickRefresherLogTarget(
        [
          refresherJob('old', '2026-04-26T18:00:00Z', `k8s/${FAILED_JOB}`),
          refresherJob('new', '2026-04-26T18:35:42Z', `k8s/${COMPLETE_JOB}`),
        ],
        [],
      ),
    ).toBeUndefined();
  });

  it('reads a running Job that already has failed pods (k8s-93559 progression)', () => {
    const running = refresherJob(
      'running',
      '2026-04-26T18:40:00Z',
      'k8s/job-active-in-progress.modern-k8s.yaml',
    );
    running.status!.failed = JSON.parse(
      fixture('k8s/job-status-progression-jq.k8s-93559.txt').split('\n}\n')[1] + '}',
    ).failed;
    expect(pickRefresherLogTarget([running], [])).toEqual({
      jobName: 'running',
      podName: undefined,
      container: undefined,
    });
  });
});

describe('schedulePeriodMinutes', () => {
  it.each([
    ['*/30 * * * *', 30],
    ['*/5 * * * *', 5],
    ['* * * * *', 1],
    ['0 * * * *', 60],
    ['0,20,40 * * * *', 20],
    ['5,50 * * * *', 45],
    ['0 */6 * * *', 360],
    ['15 3 * * *', 1440],
    ['0 0 * * 1', 10080],
    ['@hourly', 60],
    ['@daily', 1440],
    ['0 9-17 * * 1-5', 60], // not a simple case: assume one hour
    ['nonsense', 60],
  ])('%s → %i min', (schedule, minutes) => {
    expect(schedulePeriodMinutes(schedule)).toBe(minutes);
  });
});
