// `npm run bench`: figures for the action, printed side by side from one run (these machines are
// noisy: read the ratios). Needs the local control plane (started here if it is not running).
//   - dist/index.js size;
//   - cold start: `node dist/index.js` with no inputs (ends in the input error) vs bare `node -e 0`;
//   - deploy into a fresh namespace vs a no-change re-run, ROUNDS rounds, each in a new namespace.
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { repoRoot } from '../__tests__/support/action.js';
import { startWorld } from '../__tests__/support/world.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const COLD_STARTS = Number(process.env.BENCH_COLD_STARTS ?? 7);

function stats(samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  return `median ${median.toFixed(0)} ms (min ${sorted[0].toFixed(0)}, max ${sorted.at(-1)!.toFixed(0)}, n=${sorted.length})`;
}

function median(samples: number[]): number {
  return [...samples].sort((a, b) => a - b)[Math.floor(samples.length / 2)];
}

function timeCommand(args: string[], env: NodeJS.ProcessEnv): number {
  const started = process.hrtime.bigint();
  spawnSync(process.execPath, args, { env, stdio: 'ignore' });
  return Number(process.hrtime.bigint() - started) / 1e6;
}

async function main(): Promise<void> {
  const dist = path.join(repoRoot, 'dist/index.js');
  const bytes = readdirSync(path.dirname(dist))
    .filter((file) => file.endsWith('.js'))
    .reduce((sum, file) => sum + statSync(path.join(path.dirname(dist), file)).size, 0);
  console.log(
    `dist/*.js: ${(bytes / 1024 / 1024).toFixed(1)} MiB, index.js ${(statSync(dist).size / 1024 / 1024).toFixed(1)} MiB (node ${process.version})`,
  );

  // Interleaved, so both commands see the same machine load.
  const bare: number[] = [];
  const action: number[] = [];
  const env = { PATH: process.env.PATH };
  for (let i = 0; i < COLD_STARTS; i++) {
    bare.push(timeCommand(['-e', '0'], env));
    action.push(timeCommand([dist], env));
  }
  console.log(`cold start, node -e 0:                      ${stats(bare)}`);
  console.log(
    `cold start, node dist/index.js (no inputs):  ${stats(action)}  ratio ${(median(action) / median(bare)).toFixed(1)}x`,
  );

  execFileSync('bash', [path.join(repoRoot, 'scripts/cluster.sh'), 'up'], { stdio: 'inherit' });
  for (const match of execFileSync('bash', [path.join(repoRoot, 'scripts/cluster.sh'), 'env'], {
    encoding: 'utf8',
  }).matchAll(/^export (\w+)=(.*)$/gm)) {
    process.env[match[1]] = match[2];
  }
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromDefault();
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const fresh: number[] = [];
  const rerun: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const namespace = `bench-${Date.now().toString(36)}`;
    const world = await startWorld(namespace);
    try {
      const first = await world.run();
      const second = await world.run();
      if (first.exitCode !== 0 || second.exitCode !== 0) {
        throw new Error(`deploy failed in round ${round}:\n${first.stdout}\n${second.stdout}`);
      }
      fresh.push(first.durationMs);
      rerun.push(second.durationMs);
    } finally {
      await world.close();
      await core.deleteNamespace({ name: namespace }).catch(() => undefined);
    }
  }
  console.log(`deploy, fresh namespace:   ${stats(fresh)}`);
  console.log(
    `deploy, no-change re-run:  ${stats(rerun)}  ratio ${(median(rerun) / median(fresh)).toFixed(2)}x`,
  );
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
