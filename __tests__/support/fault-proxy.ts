// A fault-injecting HTTPS proxy on loopback, in front of the real API server (or a cloud
// emulator). It terminates TLS with a test CA's certificate, forwards each request to the
// upstream over its own TLS connection (with the upstream's CA and client certificate), and
// spoils a configurable share of them the way a throttled or restarting API server does:
//   status-429  429 TooManyRequests with Retry-After (API Priority and Fairness)
//   status-500  500 InternalError
//   status-503  503 ServiceUnavailable (an API server restarting behind its load balancer)
//   reset       the connection is reset before any answer
//   latency     the answer is delayed (then forwarded)
//   watch-cut   a watch stream is cut mid-stream after its first bytes
// The Status bodies are the API server's own words (k8s.io/apiserver responsewriters).
import { KubeConfig } from '@kubernetes/client-node';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createTestCa } from './emulators/test-ca.js';

export const FAULT_KINDS = [
  'status-429',
  'status-500',
  'status-503',
  'reset',
  'latency',
  'watch-cut',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface FaultProxyOptions {
  /** e.g. https://127.0.0.1:16443 */
  upstream: string;
  /** How to reach the upstream: its CA, and the client certificate it expects (if any). */
  upstreamTls: { ca?: string | Buffer; cert?: string | Buffer; key?: string | Buffer };
  /** The certificate served on loopback (a test CA's server certificate for 127.0.0.1). */
  tls: { cert: string; key: string };
  /** Share of requests spoiled, 0..1. */
  rate: number;
  kinds?: readonly FaultKind[];
  latencyMs?: number;
  retryAfterSeconds?: number;
  random?: () => number;
}

export interface FaultProxy {
  url: string;
  /** Requests seen (watches included). */
  readonly requests: number;
  readonly injected: Record<FaultKind, number>;
  setRate(rate: number): void;
  close(): Promise<void>;
}

const STATUS: Record<
  'status-429' | 'status-500' | 'status-503',
  { code: number; reason: string; message: string }
> = {
  'status-429': {
    code: 429,
    reason: 'TooManyRequests',
    message: 'Too many requests, please try again later.',
  },
  'status-500': {
    code: 500,
    reason: 'InternalError',
    message: 'Internal error occurred: etcdserver: request timed out',
  },
  'status-503': {
    code: 503,
    reason: 'ServiceUnavailable',
    message: 'The server is currently unable to handle the request',
  },
};

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const kinds = options.kinds ?? FAULT_KINDS;
  const random = options.random ?? Math.random;
  const latencyMs = options.latencyMs ?? 300;
  const upstream = new URL(options.upstream);
  const agent = new https.Agent({ keepAlive: true, ...options.upstreamTls });
  const injected = Object.fromEntries(FAULT_KINDS.map((kind) => [kind, 0])) as Record<FaultKind, number>;
  let rate = options.rate;
  let requests = 0;
  const sockets = new Set<Socket>();

  const pickFault = (isWatch: boolean): FaultKind | undefined => {
    if (random() >= rate) return undefined;
    const usable = kinds.filter((kind) => isWatch || kind !== 'watch-cut');
    if (usable.length === 0) return undefined;
    return usable[Math.floor(random() * usable.length)];
  };

  const forward = (request: http.IncomingMessage, response: http.ServerResponse, cut: boolean) => {
    const headers = { ...request.headers, host: upstream.host };
    const proxied = https.request(
      new URL(request.url ?? '/', upstream),
      { method: request.method, headers, agent },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        if (!cut) return void answer.pipe(response);
        // Cut the stream after its first bytes (the watch's initial events), as a dropped
        // connection to a restarting API server would.
        answer.once('data', (chunk: Buffer) => {
          response.write(chunk);
          setTimeout(() => {
            answer.destroy();
            response.socket?.destroy();
          }, 50);
        });
      },
    );
    proxied.on('error', () => response.socket?.destroy());
    response.on('close', () => proxied.destroy());
    request.pipe(proxied);
  };

  const server = https.createServer({ cert: options.tls.cert, key: options.tls.key }, (request, response) => {
    requests++;
    const isWatch = /[?&]watch=(true|1)\b/.test(request.url ?? '');
    const fault = pickFault(isWatch);
    if (fault) injected[fault]++;
    switch (fault) {
      case 'reset':
        // TLS sockets cannot send a bare RST; an abrupt close reads as "socket hang up" / ECONNRESET.
        request.resume();
        return void request.socket.destroy();
      case 'status-429':
      case 'status-500':
      case 'status-503': {
        request.resume();
        const { code, reason, message } = STATUS[fault];
        response.writeHead(code, {
          'content-type': 'application/json',
          ...(fault === 'status-429' ? { 'retry-after': String(options.retryAfterSeconds ?? 1) } : {}),
        });
        return void response.end(
          JSON.stringify({
            kind: 'Status',
            apiVersion: 'v1',
            metadata: {},
            status: 'Failure',
            message,
            reason,
            code,
          }),
        );
      }
      case 'latency':
        return void setTimeout(() => forward(request, response, false), latencyMs);
      case 'watch-cut':
        return forward(request, response, true);
      default:
        return forward(request, response, false);
    }
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}`,
    get requests() {
      return requests;
    },
    injected,
    setRate: (next) => (rate = next),
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        agent.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Total faults injected. */
export function injectedTotal(proxy: FaultProxy): number {
  return Object.values(proxy.injected).reduce((a, b) => a + b, 0);
}

export interface FaultyCluster {
  proxy: FaultProxy;
  /** A kubeconfig naming the proxy (trusting the test CA), for the action's KUBECONFIG. */
  kubeconfigPath: string;
  close(): Promise<void>;
}

/** The fault proxy in front of the local API server ($KUBECONFIG), and a kubeconfig through it. */
export async function faultyCluster(
  options: Omit<FaultProxyOptions, 'upstream' | 'upstreamTls' | 'tls'>,
): Promise<FaultyCluster> {
  const kc = new KubeConfig();
  kc.loadFromFile(process.env.KUBECONFIG ?? '');
  const cluster = kc.getCurrentCluster();
  const user = kc.getCurrentUser();
  if (!cluster || !user) throw new Error('KUBECONFIG names no current cluster/user');
  const fromBase64 = (data: string | undefined) => (data ? Buffer.from(data, 'base64') : undefined);
  const ca = createTestCa();
  const proxy = await startFaultProxy({
    ...options,
    upstream: cluster.server,
    upstreamTls: {
      ca: fromBase64(cluster.caData),
      cert: fromBase64(user.certData),
      key: fromBase64(user.keyData),
    },
    tls: ca.server,
  });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bifrost-fault-proxy-'));
  const kubeconfigPath = path.join(dir, 'kubeconfig');
  const b64 = (text: string) => Buffer.from(text).toString('base64');
  writeFileSync(
    kubeconfigPath,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        {
          name: 'through-fault-proxy',
          cluster: { server: proxy.url, 'certificate-authority-data': b64(ca.caCert) },
        },
      ],
      users: [
        {
          name: 'admin',
          user: { 'client-certificate-data': user.certData, 'client-key-data': user.keyData },
        },
      ],
      contexts: [{ name: 'through-fault-proxy', context: { cluster: 'through-fault-proxy', user: 'admin' } }],
      'current-context': 'through-fault-proxy',
    }),
    { mode: 0o600 },
  );
  return {
    proxy,
    kubeconfigPath,
    close: async () => {
      await proxy.close();
      rmSync(dir, { recursive: true, force: true });
      ca.cleanup();
    },
  };
}
