// Pod IPs answer HTTP (scripts/cluster/pod-network.sh): the API server's service and pod proxies
// reach pod-http in the cluster's own network namespace, over the bifrost-pods0 veth, never eth0.
// Default answer GET /health → 200 with Bifrost's healthy body; setPodHttpAnswer overrides it per pod IP.
import { execFileSync } from 'node:child_process';
import { beforeAll, describe, expect, jest, test } from '@jest/globals';
import { ApiException, AppsV1Api, CoreV1Api, type V1Deployment, type V1Pod } from '@kubernetes/client-node';
import { kubeConfig, newNamespace, setPodHttpAnswer, waitForObject } from '../support/cluster.js';

// jest reads testTimeout only from the top-level config, not from a project's.
jest.setTimeout(120_000);

const kc = kubeConfig();
const core = kc.makeApiClient(CoreV1Api);
const apps = kc.makeApiClient(AppsV1Api);

const HEALTHY = { status: 'ok', components: { db_pings: 'ok' } };
// What Bifrost's handlers/health.go sends when a store's ping fails: SendError(ctx, 503, errors[0]),
// a BifrostError whose message is the first failing store.
const STORE_DOWN = {
  is_bifrost_error: false,
  status_code: 503,
  error: { message: 'config store not available' },
  extra_fields: {},
};

let namespace: string;
let pods: V1Pod[];

/** A body as the client returns it (parsed JSON on 2xx, text on errors), parsed. */
function json(body: unknown): unknown {
  return typeof body === 'string' ? JSON.parse(body) : body;
}

/** The status and body of a proxied request, whether it succeeded or the client threw. */
async function answer(request: Promise<unknown>): Promise<{ code: number; body: unknown }> {
  try {
    return { code: 200, body: json(await request) };
  } catch (error) {
    if (!(error instanceof ApiException)) throw error;
    return { code: error.code, body: error.body };
  }
}

/** Asks until `until` holds: the endpoints controller publishes a ready pod a moment after it is Ready. */
async function answerWhen(
  ask: () => Promise<unknown>,
  until: (a: { code: number; body: unknown }) => boolean,
): Promise<{ code: number; body: unknown }> {
  let last = await answer(ask());
  for (let i = 0; i < 40 && !until(last); i++) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    last = await answer(ask());
  }
  return last;
}

const serviceHealth = () =>
  core.connectGetNamespacedServiceProxyWithPath({ name: 'bifrost:80', namespace, path: 'health' });

beforeAll(async () => {
  namespace = await newNamespace('podnet');
  const labels = { app: 'bifrost' };
  await apps.createNamespacedDeployment({
    namespace,
    body: {
      metadata: { name: 'bifrost' },
      spec: {
        replicas: 2,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            containers: [
              { name: 'bifrost', image: 'example.test/bifrost:1', ports: [{ containerPort: 8080 }] },
            ],
          },
        },
      },
    },
  });
  await core.createNamespacedService({
    namespace,
    body: {
      metadata: { name: 'bifrost' },
      spec: { selector: labels, ports: [{ port: 80, targetPort: 8080 }] },
    },
  });
  await waitForObject<V1Deployment>(kc, `/apis/apps/v1/namespaces/${namespace}/deployments`, {
    what: 'Deployment bifrost with 2 ready replicas',
    fieldSelector: 'metadata.name=bifrost',
    until: (d) => d.status?.readyReplicas === 2,
  });
  pods = (await core.listNamespacedPod({ namespace, labelSelector: 'app=bifrost' })).items;
  expect(pods.map((pod) => pod.status?.podIP)).toEqual([expect.any(String), expect.any(String)]);
});

describe('pod IPs answer HTTP through the API server proxies', () => {
  test('pod IPs are routed to the bifrost-pods veth, never eth0', () => {
    // A second control plane (BIFROST_CLUSTER_INSTANCE, scripts/cluster.sh) has its own pod CIDR
    // and veth; the default one is instance 0.
    const instance = Number(process.env.BIFROST_CLUSTER_INSTANCE ?? 0);
    const veth = instance === 0 ? 'bifrost-pods0' : `bifrost-p${instance}h`;
    for (const pod of pods) {
      const podIP = pod.status!.podIP!;
      expect(podIP.startsWith(`10.${244 + instance}.`)).toBe(true);
      const route = execFileSync('ip', ['-4', 'route', 'get', podIP], { encoding: 'utf8' });
      expect(route).toContain(` dev ${veth} `);
      expect(route).not.toMatch(/ dev eth0 /);
    }
  });

  test('the service proxy gets the default /health: 200 with Bifrost healthy body', async () => {
    const result = await answerWhen(serviceHealth, (a) => a.code === 200);
    expect(result).toEqual({ code: 200, body: HEALTHY });
  });

  test('other paths answer 404 from the pod, not from the API server', async () => {
    const pod = pods[0];
    const result = await answer(
      core.connectGetNamespacedPodProxyWithPath({
        name: `${pod.metadata!.name}:8080`,
        namespace,
        path: 'nothing-here',
      }),
    );
    expect(result).toEqual({ code: 404, body: '404 page not found\n' });
  });

  test('setPodHttpAnswer makes that pod IP answer 503 with the body given; the other pod stays healthy', async () => {
    const [failing, healthy] = pods;
    setPodHttpAnswer(failing.status!.podIP!, { status: 503, body: STORE_DOWN });

    const podHealth = (pod: V1Pod) =>
      answer(
        core.connectGetNamespacedPodProxyWithPath({
          name: `${pod.metadata!.name}:8080`,
          namespace,
          path: 'health',
        }),
      );
    const fromFailing = await podHealth(failing);
    expect(fromFailing.code).toBe(503);
    expect(json(fromFailing.body)).toEqual(STORE_DOWN);
    expect(await podHealth(healthy)).toEqual({ code: 200, body: HEALTHY });
  });

  test('the service proxy passes the 503 through: client-node throws ApiException 503 with the body', async () => {
    for (const pod of pods) setPodHttpAnswer(pod.status!.podIP!, { status: 503, body: STORE_DOWN });

    const error = await serviceHealth().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ApiException);
    expect((error as ApiException<unknown>).code).toBe(503);
    expect(json((error as ApiException<unknown>).body)).toEqual(STORE_DOWN);
  });
});
