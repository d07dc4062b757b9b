// Acceptance tests of the local control plane (scripts/cluster.sh): what the rest of the e2e
// suite relies on — real API semantics, Jobs and Deployments that run (or fail on purpose),
// pod logs, events and ServiceAccount tokens.
import { execFileSync } from 'node:child_process';
import { describe, expect, jest, test } from '@jest/globals';
import {
  AppsV1Api,
  BatchV1Api,
  CoreV1Api,
  KubernetesObjectApi,
  PatchStrategy,
  VersionApi,
  type CoreV1Event,
  type V1ConfigMap,
  type V1CronJob,
  type V1Deployment,
  type V1Job,
  type V1Pod,
} from '@kubernetes/client-node';
import {
  NODE_NAME,
  TEST_ANNOTATIONS,
  clusterIssuer,
  kubeConfig,
  newNamespace,
  waitForObject,
  writePodLog,
} from '../support/cluster.js';

// jest reads testTimeout only from the top-level config, not from a project's: set it here.
jest.setTimeout(120_000);

const kc = kubeConfig();
const core = kc.makeApiClient(CoreV1Api);
const batch = kc.makeApiClient(BatchV1Api);
const apps = kc.makeApiClient(AppsV1Api);

function kubectl(...args: string[]): string {
  return execFileSync('kubectl', args, { encoding: 'utf8', env: process.env });
}

function hasCondition(obj: { status?: { conditions?: { type: string; status: string }[] } }, type: string) {
  return (obj.status?.conditions ?? []).some((c) => c.type === type && c.status === 'True');
}

/** The Job `kubectl create job <name> --from=cronjob/<cronJob>` creates. */
function jobFromCronJob(cronJob: V1CronJob, name: string): V1Job {
  const template = cronJob.spec!.jobTemplate;
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name,
      namespace: cronJob.metadata!.namespace,
      labels: template.metadata?.labels,
      annotations: { ...template.metadata?.annotations, 'cronjob.kubernetes.io/instantiate': 'manual' },
      ownerReferences: [
        {
          apiVersion: 'batch/v1',
          kind: 'CronJob',
          name: cronJob.metadata!.name!,
          uid: cronJob.metadata!.uid!,
          controller: true,
        },
      ],
    },
    spec: template.spec,
  };
}

function cronJob(name: string, podAnnotations: Record<string, string> = {}): V1CronJob {
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name },
    spec: {
      schedule: '0 0 1 1 *',
      suspend: true, // only manual runs
      jobTemplate: {
        metadata: { labels: { app: name } },
        spec: {
          backoffLimit: 0,
          template: {
            metadata: { labels: { app: name }, annotations: podAnnotations },
            spec: {
              restartPolicy: 'Never',
              containers: [{ name: 'refresh', image: 'example.test/refresher:1', command: ['/bin/refresh'] }],
            },
          },
        },
      },
    },
  };
}

describe('local control plane', () => {
  test('kubectl and @kubernetes/client-node both talk to it', async () => {
    const fromKubectl = JSON.parse(kubectl('version', '-o', 'json')) as {
      serverVersion: { gitVersion: string };
    };
    const fromClient = await kc.makeApiClient(VersionApi).getCode();
    expect(fromClient.gitVersion).toMatch(/^v1\.35\.\d+$/);
    expect(fromKubectl.serverVersion.gitVersion).toBe(fromClient.gitVersion);

    const namespace = await newNamespace('talk');
    const listed = JSON.parse(kubectl('get', 'namespace', namespace, '-o', 'json')) as {
      metadata: { uid: string };
    };
    const read = await core.readNamespace({ name: namespace });
    expect(listed.metadata.uid).toBe(read.metadata!.uid);

    const node = await core.readNode({ name: NODE_NAME });
    expect(hasCondition(node, 'Ready')).toBe(true);
    // Every rendered pod requests ephemeral-storage: the node must report some (cluster.sh up).
    expect(node.status?.capacity?.['ephemeral-storage']).toBe('1Ti');
    expect(node.status?.allocatable?.['ephemeral-storage']).toBe('1Ti');
  });

  test('a Job made from a CronJob completes; a Job selected to fail fails, with a readable log', async () => {
    const namespace = await newNamespace('cron');
    const ok = await batch.createNamespacedCronJob({ namespace, body: cronJob('refresher') });
    await batch.createNamespacedJob({ namespace, body: jobFromCronJob(ok, 'refresher-manual') });
    const completed = await waitForObject<V1Job>(kc, `/apis/batch/v1/namespaces/${namespace}/jobs`, {
      what: 'Job refresher-manual Complete',
      fieldSelector: 'metadata.name=refresher-manual',
      until: (job) => hasCondition(job, 'Complete') || hasCondition(job, 'Failed'),
    });
    expect(hasCondition(completed, 'Complete')).toBe(true);
    expect(completed.status?.succeeded).toBe(1);
    expect(completed.metadata?.annotations?.['cronjob.kubernetes.io/instantiate']).toBe('manual');
    expect(completed.metadata?.ownerReferences?.[0]).toMatchObject({
      kind: 'CronJob',
      uid: ok.metadata!.uid,
    });

    const logLines = [
      'refresh: exchanging the ServiceAccount token',
      'ERROR: PERMISSION_DENIED: iam.serviceAccounts.getAccessToken',
    ];
    const failing = await batch.createNamespacedCronJob({
      namespace,
      body: cronJob('refresher-broken', {
        [TEST_ANNOTATIONS.fail]: 'token exchange refused',
        [TEST_ANNOTATIONS.exitCode]: '3',
        [TEST_ANNOTATIONS.logFile]: writePodLog(logLines),
      }),
    });
    await batch.createNamespacedJob({ namespace, body: jobFromCronJob(failing, 'refresher-broken-manual') });
    const failed = await waitForObject<V1Job>(kc, `/apis/batch/v1/namespaces/${namespace}/jobs`, {
      what: 'Job refresher-broken-manual Failed',
      fieldSelector: 'metadata.name=refresher-broken-manual',
      until: (job) => hasCondition(job, 'Complete') || hasCondition(job, 'Failed'),
    });
    const failedCondition = failed.status?.conditions?.find((c) => c.type === 'Failed');
    expect(failedCondition).toMatchObject({ status: 'True', reason: 'BackoffLimitExceeded' });

    const pods = await core.listNamespacedPod({
      namespace,
      labelSelector: 'batch.kubernetes.io/job-name=refresher-broken-manual',
    });
    expect(pods.items).toHaveLength(1);
    const pod = pods.items[0];
    expect(pod.status?.phase).toBe('Failed');
    expect(pod.status?.containerStatuses?.[0].state?.terminated).toMatchObject({
      exitCode: 3,
      reason: 'Error',
      message: 'token exchange refused',
    });
    const log = await core.readNamespacedPodLog({
      name: pod.metadata!.name!,
      namespace,
      container: 'refresh',
    });
    expect(log).toBe(logLines.map((line) => `${line}\n`).join(''));
  });

  test('a Deployment becomes Available; one selected to fail to pull shows ImagePullBackOff and a Failed event', async () => {
    const namespace = await newNamespace('deploy');
    const deployment = (name: string, podAnnotations: Record<string, string> = {}): V1Deployment => ({
      metadata: { name },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: name } },
        template: {
          metadata: { labels: { app: name }, annotations: podAnnotations },
          spec: {
            containers: [
              { name: 'gateway', image: `example.test/${name}:1`, ports: [{ containerPort: 8080 }] },
            ],
          },
        },
      },
    });

    await apps.createNamespacedDeployment({ namespace, body: deployment('bifrost') });
    const available = await waitForObject<V1Deployment>(
      kc,
      `/apis/apps/v1/namespaces/${namespace}/deployments`,
      {
        what: 'Deployment bifrost Available with 2 replicas',
        fieldSelector: 'metadata.name=bifrost',
        until: (d) => hasCondition(d, 'Available') && d.status?.availableReplicas === 2,
      },
    );
    expect(available.status?.readyReplicas).toBe(2);

    const pullError =
      'failed to authorize: 403 Forbidden: artifactregistry.repositories.downloadArtifacts denied';
    await apps.createNamespacedDeployment({
      namespace,
      body: deployment('unpullable', { [TEST_ANNOTATIONS.imagePullError]: pullError }),
    });
    const waiting = (pod: V1Pod) => pod.status?.containerStatuses?.[0]?.state?.waiting;
    const pod = await waitForObject<V1Pod>(kc, `/api/v1/namespaces/${namespace}/pods`, {
      what: 'a pod of Deployment unpullable in ImagePullBackOff',
      labelSelector: 'app=unpullable',
      until: (p) => waiting(p)?.reason === 'ImagePullBackOff',
    });
    expect(pod.status?.phase).toBe('Pending');
    expect(waiting(pod)?.message).toContain(pullError);

    const event = await waitForObject<CoreV1Event>(kc, `/api/v1/namespaces/${namespace}/events`, {
      what: `a Failed event for pod ${pod.metadata!.name}`,
      fieldSelector: `involvedObject.name=${pod.metadata!.name},reason=Failed`,
      until: () => true,
    });
    expect(event.type).toBe('Warning');
    expect(event.message).toBe(`Failed to pull image "example.test/unpullable:1": ${pullError}`);

    const stuck = await apps.readNamespacedDeployment({ name: 'unpullable', namespace });
    expect(stuck.status?.availableReplicas ?? 0).toBe(0);
  });

  test('TokenRequest returns a JWT with the configured issuer, the audience asked for and the ServiceAccount subject', async () => {
    const namespace = await newNamespace('token');
    await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: 'refresher' } } });
    const audience = 'api://AzureADTokenExchange';
    const response = await core.createNamespacedServiceAccountToken({
      name: 'refresher',
      namespace,
      body: { spec: { audiences: [audience], expirationSeconds: 3600 } },
    });
    const parts = (response.status?.token ?? '').split('.');
    expect(parts).toHaveLength(3); // header.payload.signature; the token itself is never printed
    const [header, payload] = parts
      .slice(0, 2)
      .map((part) => JSON.parse(Buffer.from(part, 'base64url').toString()));
    expect(header.alg).toBe('RS256');
    expect(payload.iss).toBe(clusterIssuer());
    expect(payload.aud).toEqual([audience]);
    expect(payload.sub).toBe(`system:serviceaccount:${namespace}:refresher`);
  });

  test('server-side apply of the same object twice leaves its resourceVersion unchanged', async () => {
    const namespace = await newNamespace('apply');
    const objects = KubernetesObjectApi.makeApiClient(kc);
    const configMap = (value: string): V1ConfigMap => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'bifrost-settings', namespace },
      data: { mode: value },
    });
    const apply = (obj: V1ConfigMap) =>
      objects.patch(obj, undefined, undefined, 'bifrost-aks-e2e', true, PatchStrategy.ServerSideApply);

    const first = await apply(configMap('enterprise'));
    const second = await apply(configMap('enterprise'));
    expect(second.metadata?.resourceVersion).toBe(first.metadata?.resourceVersion);
    // A real change does bump it, so the equality above is the server's no-op, not a stale read.
    const third = await apply(configMap('changed'));
    expect(third.metadata?.resourceVersion).not.toBe(first.metadata?.resourceVersion);
  });
});
