// `npm run bench:preflight` (BENCH_ROUNDS, default 3): figures for the preflight (src/chain/preflight.ts)
// on the local control plane, with the STS/IAM emulator and the real test registry
// (docker-registry 2.8, __tests__/support/registry.ts). In a fresh namespace per variant:
//   - first deploy with and without the preflight;
//   - then BENCH_ROUNDS re-deploys and verifies, alternating with and without it;
//   - the preflight's own wall time and request count, from each run's `report` output.
// Prints figures only; no thresholds. The namespaces are deleted at the end.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { repoRoot, type ActionRun } from '../__tests__/support/action.js';
import { startWorld, type World } from '../__tests__/support/world.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const middle = sorted.length / 2;
  return sorted.length % 2 ? sorted[Math.floor(middle)] : (sorted[middle - 1] + sorted[middle]) / 2;
}
const stats = (samples: number[]): string =>
  `median ${median(samples).toFixed(0)} ms (${Math.min(...samples).toFixed(0)}–${Math.max(...samples).toFixed(0)}, n=${samples.length})`;

function clusterEnv(): void {
  execFileSync('bash', [path.join(repoRoot, 'scripts/cluster.sh'), 'up'], { stdio: 'inherit' });
  const exports = execFileSync('bash', [path.join(repoRoot, 'scripts/cluster.sh'), 'env'], {
    encoding: 'utf8',
  });
  for (const match of exports.matchAll(/^export (\w+)=(.*)$/gm)) process.env[match[1]] = match[2];
}

async function newNamespace(core: CoreV1Api, prefix: string): Promise<string> {
  const namespace = `${prefix}-${Date.now().toString(36)}`;
  await core.createNamespace({
    body: { metadata: { name: namespace, labels: { 'bifrost-aks.test/e2e': 'true' } } },
  });
  for (let i = 0; i < 60; i++) {
    if (
      await core.readNamespacedServiceAccount({ name: 'default', namespace }).then(
        () => true,
        () => false,
      )
    )
      return namespace;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`ServiceAccount ${namespace}/default did not appear`);
}

async function timed(world: World, inputs: Record<string, string>): Promise<ActionRun> {
  const run = await world.run(inputs);
  if (run.exitCode !== 0)
    throw new Error(`run ${JSON.stringify(inputs)} exited ${run.exitCode}:\n${run.stdout}`);
  return run;
}

interface Preflight {
  durationMs: number;
  requests: number;
}
const preflightOf = (run: ActionRun): Preflight | undefined =>
  (JSON.parse(run.outputs.report) as { preflight: Preflight | null }).preflight ?? undefined;

async function main(): Promise<void> {
  clusterEnv();
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(process.env.KUBECONFIG!);
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const namespaces: string[] = [];
  const worlds: World[] = [];
  try {
    const first: Record<string, number> = {};
    for (const variant of ['true', 'false']) {
      const namespace = await newNamespace(core, `bench-preflight-${variant === 'true' ? 'on' : 'off'}`);
      namespaces.push(namespace);
      const world = await startWorld(namespace, { registry: true });
      worlds.push(world);
      first[variant] = (await timed(world, { preflight: variant })).durationMs;
    }
    console.log(
      `node ${process.version}, ${ROUNDS} rounds, docker-registry ${execFileSync('/usr/bin/docker-registry', ['--version'], { encoding: 'utf8' }).trim().split(' ').at(-1)}`,
    );
    console.log(`first deploy, preflight on / off:  ${first.true} / ${first.false} ms`);

    const world = worlds[0];
    const samples = {
      deployOn: [] as number[],
      deployOff: [] as number[],
      verifyOn: [] as number[],
      verifyOff: [] as number[],
    };
    const preflight: Preflight[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const on = await timed(world, { preflight: 'true' });
      samples.deployOn.push(on.durationMs);
      preflight.push(preflightOf(on)!);
      samples.deployOff.push((await timed(world, { preflight: 'false' })).durationMs);
      const verifyOn = await timed(world, { mode: 'verify', preflight: 'true' });
      samples.verifyOn.push(verifyOn.durationMs);
      preflight.push(preflightOf(verifyOn)!);
      samples.verifyOff.push((await timed(world, { mode: 'verify', preflight: 'false' })).durationMs);
    }
    console.log(`preflight alone (in the action):   ${stats(preflight.map((p) => p.durationMs))}`);
    console.log(
      `preflight requests per run:        ${[...new Set(preflight.map((p) => p.requests))].join(', ')} (TokenRequest, STS, IAM, /v2/, token, HEAD)`,
    );
    console.log(`re-deploy, preflight on:           ${stats(samples.deployOn)}`);
    console.log(`re-deploy, preflight off:          ${stats(samples.deployOff)}`);
    console.log(`verify, preflight on (+ pull check): ${stats(samples.verifyOn)}`);
    console.log(`verify, preflight off:             ${stats(samples.verifyOff)}`);
  } finally {
    for (const world of worlds) await world.close();
    for (const name of namespaces)
      await core.deleteNamespace({ name, propagationPolicy: 'Background' }).catch(() => undefined);
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
