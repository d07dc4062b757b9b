// The retry policy against a loopback server that misbehaves on cue: 503, a reset connection,
// then 200; through retryingFetch and through client-node's generated API clients (src/cluster/http.ts).
import { afterEach, describe, expect, it } from '@jest/globals';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { makeApiClient } from '../../src/cluster/http.js';
import { RetryPolicy, retryAfterMs, retryingFetch, ServiceUnreachableError } from '../../src/net/retry.js';

type Step = 503 | 500 | 429 | 200 | 201 | 'reset';

interface Loopback {
  url: string;
  requests: Array<{ method: string; path: string }>;
  close: () => Promise<void>;
}

const servers: Loopback[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

/** Answers each request with the next step; the last step repeats. */
async function loopback(steps: Step[], retryAfter = '0'): Promise<Loopback> {
  const requests: Loopback['requests'] = [];
  const server = http.createServer((request, response) => {
    request.resume();
    const step = steps[Math.min(requests.length, steps.length - 1)];
    requests.push({ method: request.method ?? '', path: request.url ?? '' });
    if (step === 'reset') return void request.socket.destroy();
    const body =
      step === 200 || step === 201
        ? { kind: 'Namespace', apiVersion: 'v1', metadata: { name: 'x' } }
        : { kind: 'Status', apiVersion: 'v1', status: 'Failure', code: step, message: `answer ${step}` };
    response.writeHead(step, {
      'content-type': 'application/json',
      ...(step === 429 ? { 'retry-after': retryAfter } : {}),
    });
    response.end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const loop: Loopback = {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  servers.push(loop);
  return loop;
}

function kubeConfigFor(server: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server, skipTLSVerify: true }],
    users: [{ name: 'u', token: 'not-a-real-token' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return kc;
}

const quick = (options: ConstructorParameters<typeof RetryPolicy>[0] = {}) =>
  new RetryPolicy({ baseDelayMs: 10, ...options });

describe('retryingFetch', () => {
  it('rides out a 503 and a reset connection, counting 2 retries', async () => {
    const server = await loopback([503, 'reset', 200]);
    const policy = quick();
    const response = await retryingFetch(policy, 'preflight', `${server.url}/token`);
    expect(response.status).toBe(200);
    expect(server.requests).toHaveLength(3);
    expect(policy.retries).toEqual({ preflight: 2 });
  });

  it("gives back the service's last answer when it keeps answering 503", async () => {
    const server = await loopback([503]);
    const policy = quick({ maxAttempts: 3 });
    const response = await retryingFetch(policy, 'preflight', `${server.url}/token`);
    expect(response.status).toBe(503);
    expect(await response.text()).toContain('answer 503');
    expect(server.requests).toHaveLength(3);
    expect(policy.totalRetries).toBe(2);
  });

  it('waits as long as Retry-After asks', async () => {
    const server = await loopback([429, 200], '1');
    const started = Date.now();
    const response = await retryingFetch(quick(), 'entra', `${server.url}/token`);
    expect(response.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });
});

describe('Kubernetes calls through src/cluster/http.ts', () => {
  it('retries a read after 503 and a reset, and counts it as kubernetes', async () => {
    const server = await loopback([503, 'reset', 200]);
    const policy = quick();
    const core = makeApiClient(kubeConfigFor(server.url), CoreV1Api, policy);
    const namespace = await core.readNamespace({ name: 'x' });
    expect(namespace.metadata?.name).toBe('x');
    expect(server.requests.map((r) => r.method)).toEqual(['GET', 'GET', 'GET']);
    expect(policy.retries).toEqual({ kubernetes: 2 });
  });

  it("takes a 503 through the service proxy as the backend's answer, not a reason to retry", async () => {
    const server = await loopback([503, 200]);
    const policy = quick();
    const core = makeApiClient(kubeConfigFor(server.url), CoreV1Api, policy);
    await expect(
      core.connectGetNamespacedServiceProxyWithPath({ name: 'bifrost:80', namespace: 'x', path: 'health' }),
    ).rejects.toMatchObject({ code: 503 });
    expect(server.requests).toHaveLength(1);
    expect(policy.retries).toEqual({});
  });

  it('does not repeat a create the server may have processed (503), but does after 429', async () => {
    const failing = await loopback([503, 201]);
    const core = makeApiClient(kubeConfigFor(failing.url), CoreV1Api, quick());
    await expect(core.createNamespace({ body: { metadata: { name: 'x' } } })).rejects.toMatchObject({
      code: 503,
    });
    expect(failing.requests).toHaveLength(1);

    const throttled = await loopback([429, 201]);
    const policy = quick();
    const again = makeApiClient(kubeConfigFor(throttled.url), CoreV1Api, policy);
    await again.createNamespace({ body: { metadata: { name: 'x' } } });
    expect(throttled.requests).toHaveLength(2);
    expect(policy.retries).toEqual({ kubernetes: 1 });
  });

  it('reports an API server that stays down as unreachable, with its address', async () => {
    const server = await loopback(['reset']);
    const core = makeApiClient(kubeConfigFor(server.url), CoreV1Api, quick({ maxAttempts: 4 }));
    const error = await core.readNamespace({ name: 'x' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServiceUnreachableError);
    expect((error as Error).message).toMatch(
      new RegExp(`^API server unreachable at ${server.url}: ECONNRESET \\(4 attempts\\)`),
    );
  });

  it('gives up before the deadline when connections are refused', async () => {
    const server = await loopback([200]);
    const closedUrl = server.url;
    await server.close();
    servers.length = 0;
    const started = Date.now();
    const policy = new RetryPolicy({ deadline: Date.now() + 2_500, maxAttempts: 100 });
    const core = makeApiClient(kubeConfigFor(closedUrl), CoreV1Api, policy);
    const error = await core.readNamespace({ name: 'x' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServiceUnreachableError);
    expect((error as Error).message).toContain('ECONNREFUSED');
    // The reserve before the deadline is kept for the report.
    expect(Date.now() - started).toBeLessThan(2_500);
    expect(policy.totalRetries).toBeGreaterThan(0);
  });

  it('stops at once when the run is cancelled', async () => {
    const server = await loopback([503]);
    const controller = new AbortController();
    const policy = new RetryPolicy({ signal: controller.signal, baseDelayMs: 5_000 });
    const core = makeApiClient(kubeConfigFor(server.url), CoreV1Api, policy);
    const started = Date.now();
    const pending = core.readNamespace({ name: 'x' }).catch((e: unknown) => e);
    setTimeout(
      () => controller.abort(Object.assign(new Error('received SIGINT'), { name: 'CancelledError' })),
      100,
    );
    const error = await pending;
    expect((error as Error).name).toBe('CancelledError');
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});

describe('the back-off', () => {
  it('is full jitter under an exponential ceiling, and honours Retry-After', () => {
    const top = new RetryPolicy({ random: () => 0.999999 });
    expect(top.delayBefore(1)).toBeCloseTo(200, 0);
    expect(top.delayBefore(3)).toBeCloseTo(800, 0);
    expect(top.delayBefore(7)).toBeCloseTo(5_000, 0); // capped
    expect(top.delayBefore(8)).toBeUndefined(); // attempts used up
    const bottom = new RetryPolicy({ random: () => 0 });
    expect(bottom.delayBefore(5)).toBe(0);
    expect(bottom.delayBefore(1, '3')).toBe(3_000);
    expect(bottom.delayBefore(1, '3600')).toBeUndefined(); // not worth waiting for
  });

  it('never waits past the deadline minus the report reserve', () => {
    const policy = new RetryPolicy({ deadline: Date.now() + 1_500, random: () => 0 });
    expect(policy.delayBefore(1, '1')).toBeUndefined();
    expect(policy.delayBefore(1)).toBe(0);
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfterMs('2', now)).toBe(2_000);
    expect(retryAfterMs('Thu, 01 Jan 2026 00:00:05 GMT', now)).toBe(5_000);
    expect(retryAfterMs('soon', now)).toBeUndefined();
    expect(retryAfterMs(null, now)).toBeUndefined();
  });
});
