// `npm run bench:previews -- [N] [concurrency]`: figures for pull-request previews on the local
// control plane (started here if it is not running). Deploys production once with
// `serve-previews: true` (Google STS/IAM emulated, trusting only production's subject; the
// refresher really runs through the host executor), then, each as `node dist/index.js`:
//   - N preview deploys, `concurrency` at a time (default 5): time per deploy and wall time;
//   - teardown of half of them, one at a time: time per teardown (until the namespace is gone);
//   - a sweep of the rest (their pull requests closed in the GitHub API emulator): wall time,
//     GitHub requests, and the objects of any preview left afterwards (namespaces, Jobs, Leases);
//   - what trust the previews needed: distinct subjects STS saw, and ServiceAccounts carrying a
//     workload-identity client id (the subject a federated credential would need) in previews.
// Prints figures only; no thresholds. Production's namespace is deleted at the end.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { BatchV1Api, CoordinationV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { repoRoot, type ActionRun } from '../__tests__/support/action.js';
import { startGitHubEmulator } from '../__tests__/support/emulators/github.js';
import { startWorld } from '../__tests__/support/world.js';
import { inParallel } from '../__tests__/support/parallel.js';

const N = Number(process.argv[2] ?? 10);
const CONCURRENCY = Number(process.argv[3] ?? 5);
const REPOSITORY = 'acme/bench-previews';
const SELECTOR = 'bifrost.maximhq.dev/repository=acme.bench-previews';

function clusterEnv(): void {
  execFileSync('bash', [path.join(repoRoot, 'scripts/cluster.sh'), 'up'], { stdio: 'inherit' });
  const exports = execFileSync('bash', [path.join(repoRoot, 'scripts/cluster.sh'), 'env'], {
    encoding: 'utf8',
  });
  for (const match of exports.matchAll(/^export (\w+)=(.*)$/gm)) process.env[match[1]] = match[2];
}

function stats(samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const middle = sorted.length / 2;
  const median = sorted.length % 2 ? sorted[Math.floor(middle)] : (sorted[middle - 1] + sorted[middle]) / 2;
  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  return `median ${s(median)}, min ${s(sorted[0])}, max ${s(sorted.at(-1)!)} (n=${sorted.length})`;
}

function check(what: string, run: ActionRun): void {
  if (run.exitCode !== 0)
    throw new Error(`${what} failed (exit ${run.exitCode}):\n${run.stdout.slice(-2000)}`);
}

async function main(): Promise<void> {
  clusterEnv();
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(process.env.KUBECONFIG!);
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const batch = kubeConfig.makeApiClient(BatchV1Api);
  const leases = kubeConfig.makeApiClient(CoordinationV1Api);
  const production = `bench-pv-${Date.now().toString(36)}`;
  await core.createNamespace({ body: { metadata: { name: production } } });
  const world = await startWorld(production);
  const github = await startGitHubEmulator();
  let runId = 1000;
  const env = () => ({
    GITHUB_REPOSITORY: REPOSITORY,
    GITHUB_RUN_ID: String(runId++),
    GITHUB_API_URL: github.url,
  });
  try {
    check('production deploy', await world.run({ 'serve-previews': 'true' }));
    const prs = Array.from({ length: N }, (_, i) => i + 1);

    const wallStart = Date.now();
    const deploys = await inParallel(prs, CONCURRENCY, async (pr) => {
      const run = await world.run({ preview: String(pr), 'preview-commit': 'c'.repeat(40) }, { env: env() });
      check(`preview ${pr} deploy`, run);
      return run.durationMs;
    });
    const deployWall = Date.now() - wallStart;

    let identities = 0;
    for (const pr of prs) {
      const accounts = await core.listNamespacedServiceAccount({ namespace: `${production}-pr-${pr}` });
      identities += accounts.items.filter(
        (a) => a.metadata?.annotations?.['azure.workload.identity/client-id'],
      ).length;
    }
    const subjects = new Set(world.gcp.requests.map((r) => r.subjectClaims?.sub).filter(Boolean));

    const half = prs.slice(0, Math.ceil(N / 2));
    const teardowns: number[] = [];
    for (const pr of half) {
      const run = await world.run({ mode: 'teardown', preview: String(pr) }, { env: env() });
      check(`preview ${pr} teardown`, run);
      teardowns.push(run.durationMs);
    }

    const rest = prs.slice(half.length);
    for (const pr of rest) github.setPull(REPOSITORY, pr, { state: 'closed', merged: pr % 2 === 0 });
    const sweep = await world.run(
      { mode: 'sweep', 'github-token': github.token, timeout: '10m' },
      { env: env() },
    );
    check('sweep', sweep);

    const left = [
      ...(await core.listNamespace({ labelSelector: SELECTOR })).items.map(
        (n) => `Namespace ${n.metadata?.name}`,
      ),
      ...(await batch.listNamespacedJob({ namespace: production, labelSelector: SELECTOR })).items.map(
        (j) => `Job ${j.metadata?.name}`,
      ),
      ...(await leases.listNamespacedLease({ namespace: production, labelSelector: SELECTOR })).items.map(
        (l) => `Lease ${l.metadata?.name}`,
      ),
    ];

    console.log(`\nPreviews bench: N=${N}, ${CONCURRENCY} deploys at a time, federation kubernetes`);
    console.log(`preview deploy (process wall time):  ${stats(deploys)}`);
    console.log(
      `${N} preview deploys, wall:            ${(deployWall / 1000).toFixed(1)} s (${(deployWall / N / 1000).toFixed(1)} s per preview)`,
    );
    console.log(`teardown until namespace gone:        ${stats(teardowns)}`);
    console.log(
      `sweep of ${rest.length} closed pull requests:     ${(sweep.durationMs / 1000).toFixed(1)} s, ${github.requests.length} GitHub request(s)`,
    );
    console.log(
      `objects left after teardowns+sweep:   ${left.length}${left.length ? ` (${left.join(', ')})` : ''}`,
    );
    console.log(`distinct subjects STS saw:            ${subjects.size} (${[...subjects].join(', ')})`);
    console.log(
      `workload identities in previews:      ${identities} (federated credentials needed per preview: ${identities / N})`,
    );
  } finally {
    await github.close();
    await world.close();
    await core.deleteNamespace({ name: production }).catch(() => undefined);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
