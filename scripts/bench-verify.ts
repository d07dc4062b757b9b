// `npx tsx scripts/bench-verify.ts [runs]`: figures for `mode: verify` on the local control plane
// (started here if it is not running). Deploys once into a fresh namespace (the refresher really
// runs; Google STS/IAM emulated), then:
//   - runs `node dist/index.js` in verify mode `runs` times (default 5), as GitHub does, and prints
//     the median/min/max wall time of the process;
//   - collects the verification snapshot in process through API clients whose middleware counts
//     every HTTP request they send, and prints that count next to the snapshot's own
//     `apiRequests`, with the requests made (method and path).
// Prints figures only; no thresholds. The namespace is deleted at the end.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import {
  AppsV1Api,
  BatchV1Api,
  CoreV1Api,
  createConfiguration,
  KubeConfig,
  ServerConfiguration,
  type Middleware,
} from '@kubernetes/client-node';
import { repoRoot } from '../__tests__/support/action.js';
import { startWorld } from '../__tests__/support/world.js';
import { collectSnapshot, evaluateChecks, type KubeApis } from '../src/checks/index.js';
import { readSettings } from '../src/config/inputs.js';

const RUNS = Number(process.argv[2] ?? process.env.BENCH_VERIFY_RUNS ?? 5);

function stats(samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const middle = sorted.length / 2;
  const median = sorted.length % 2 ? sorted[Math.floor(middle)] : (sorted[middle - 1] + sorted[middle]) / 2;
  return `median ${median.toFixed(0)} ms, min ${sorted[0].toFixed(0)} ms, max ${sorted.at(-1)!.toFixed(0)} ms (n=${sorted.length})`;
}

function clusterEnv(): void {
  execFileSync('bash', [path.join(repoRoot, 'scripts/cluster.sh'), 'up'], { stdio: 'inherit' });
  const exports = execFileSync('bash', [path.join(repoRoot, 'scripts/cluster.sh'), 'env'], {
    encoding: 'utf8',
  });
  for (const match of exports.matchAll(/^export (\w+)=(.*)$/gm)) process.env[match[1]] = match[2];
}

/** API clients built as makeApiClient builds them, plus a middleware that records each request. */
function countingApis(kubeConfig: KubeConfig, requests: string[]): KubeApis {
  const count: Middleware = {
    pre: async (context) => {
      const url = new URL(context.getUrl());
      requests.push(`${context.getHttpMethod()} ${url.pathname}`);
      return context;
    },
    post: async (context) => context,
  };
  const configuration = createConfiguration({
    baseServer: new ServerConfiguration(kubeConfig.getCurrentCluster()!.server, {}),
    authMethods: { default: kubeConfig },
    promiseMiddleware: [count],
  });
  return {
    core: new CoreV1Api(configuration),
    apps: new AppsV1Api(configuration),
    batch: new BatchV1Api(configuration),
  };
}

async function waitForDefaultServiceAccount(core: CoreV1Api, namespace: string): Promise<void> {
  for (let i = 0; i < 60; i++) {
    try {
      await core.readNamespacedServiceAccount({ name: 'default', namespace });
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
  throw new Error(`ServiceAccount ${namespace}/default did not appear`);
}

async function main(): Promise<void> {
  clusterEnv();
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(process.env.KUBECONFIG!);
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const namespace = `bench-verify-${Date.now().toString(36)}`;
  await core.createNamespace({
    body: { metadata: { name: namespace, labels: { 'bifrost-aks.test/e2e': 'true' } } },
  });
  const world = await startWorld(namespace);
  try {
    await waitForDefaultServiceAccount(core, namespace);
    const deploy = await world.run();
    if (deploy.exitCode !== 0) throw new Error(`deploy failed:\n${deploy.stdout}`);
    console.log(`namespace ${namespace}: deploy ${deploy.durationMs} ms (exit 0); node ${process.version}`);

    const wallTimes: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const run = await world.run({ mode: 'verify' });
      if (run.exitCode !== 0) throw new Error(`verify run ${i + 1} exited ${run.exitCode}:\n${run.stdout}`);
      wallTimes.push(run.durationMs);
    }
    console.log(`node dist/index.js, mode verify (every Kubernetes check passing): ${stats(wallTimes)}`);

    // In process: the same reads verify makes, counted on the wire side of the client.
    const settings = readSettings((name) => ({ ...world.inputs, mode: 'verify' })[name] ?? '', {});
    const snapshotTimes: number[] = [];
    let requests: string[] = [];
    let counted = 0;
    for (let i = 0; i < RUNS; i++) {
      requests = [];
      const started = process.hrtime.bigint();
      const snapshot = await collectSnapshot(countingApis(kubeConfig, requests), settings);
      snapshotTimes.push(Number(process.hrtime.bigint() - started) / 1e6);
      counted = snapshot.apiRequests;
      const failing = evaluateChecks(snapshot, settings, new Date()).filter(
        (check) => check.status !== 'pass',
      );
      if (failing.length > 0)
        throw new Error(`checks not passing in process: ${failing.map((c) => c.id).join(', ')}`);
    }
    console.log(`collectSnapshot in process: ${stats(snapshotTimes)}`);
    console.log(
      `API requests per verification: ${requests.length} sent (snapshot.apiRequests says ${counted}):`,
    );
    for (const request of requests) console.log(`  ${request.replaceAll(namespace, '<ns>')}`);
  } finally {
    await world.close();
    await core.deleteNamespace({ name: namespace, propagationPolicy: 'Background' }).catch(() => undefined);
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
