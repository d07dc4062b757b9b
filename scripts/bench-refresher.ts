// `npm run bench:refresher`: the refresher, old against new, side by side in one run on the local
// control plane (started here if it is not running), the two alternating so both see the same load:
//   - refresh Job, creation → Complete: the Job made from the CronJob, watched until Complete;
//     its pod runs for real on this host (host executor), under bubblewrap;
//   - container alone: the refresher process's own wall time in those pods;
//   - no-change re-run of `mode: deploy` (`node dist/index.js`, build first): skipped vs forced.
// "Old" is the gcloud + kubectl bash script of OLD_COMMIT (git history), run with this machine's
// gcloud and kubectl; it is left out, and said so, when those or that commit are missing.
// "New" is refresh.mjs under this machine's node. BENCH_ROUNDS rounds (default 5).
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CoreV1Api, KubeConfig, type KubernetesObject, type V1CronJob } from '@kubernetes/client-node';
import { repoRoot } from '../__tests__/support/action.js';
import { startGcpEmulator } from '../__tests__/support/emulators/gcp.js';
import { GCP_SERVICE_ACCOUNT, PROVIDER_AUDIENCE, testSettings } from '../__tests__/support/fixtures.js';
import { HOST_EXECUTOR_IMAGE, startHostExecutor } from '../__tests__/support/host-executor.js';
import { startWorld } from '../__tests__/support/world.js';
import { KubeClient } from '../src/cluster/client.js';
import { render } from '../src/manifests/render.js';
import { loadOldRefresher, OLD_COMMIT, oldCronJob, type OldRefresher } from './seed-refresher.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

function median(samples: number[]): number {
  return [...samples].sort((a, b) => a - b)[Math.floor(samples.length / 2)];
}

function stats(samples: number[]): string {
  if (samples.length === 0) return 'n/a';
  const sorted = [...samples].sort((a, b) => a - b);
  return `median ${median(sorted).toFixed(0)} ms (min ${sorted[0].toFixed(0)}, max ${sorted.at(-1)!.toFixed(0)}, n=${sorted.length})`;
}

function ratio(a: number[], b: number[]): string {
  return a.length && b.length ? `${(median(a) / median(b)).toFixed(2)}x` : '';
}

function useCluster(): void {
  execFileSync('bash', [path.join(repoRoot, 'scripts/cluster.sh'), 'up'], { stdio: 'inherit' });
  const env = execFileSync('bash', [path.join(repoRoot, 'scripts/cluster.sh'), 'env'], { encoding: 'utf8' });
  for (const match of env.matchAll(/^export (\w+)=(.*)$/gm)) process.env[match[1]] = match[2];
}

async function refreshJobs(kubeConfig: KubeConfig, old: OldRefresher | string): Promise<void> {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const namespace = `bench-refresher-${Date.now().toString(36)}`;
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  const gcp = await startGcpEmulator({
    providerAudience: PROVIDER_AUDIENCE,
    allowedServiceAccount: GCP_SERVICE_ACCOUNT,
    acceptedIssuer: process.env.BIFROST_CLUSTER_ISSUER,
    acceptedSubject: `system:serviceaccount:${namespace}:bifrost-sa`,
  });
  const executor = await startHostExecutor({
    kubeConfig,
    namespace,
    logDir: path.join(process.env.BIFROST_CLUSTER_STATE ?? tmpdir(), 'host-executor-logs'),
  });
  try {
    const settings = testSettings({
      namespace,
      'sts-url': gcp.stsTokenUrl,
      'iam-credentials-url': gcp.url,
      'refresher-image': HOST_EXECUTOR_IMAGE,
    });
    const objects: KubernetesObject[] = render(settings).objects.filter(
      (o) => o.kind !== 'Deployment' && o.kind !== 'Service',
    );
    const rendered = objects.find((o): o is V1CronJob => o.kind === 'CronJob')!;
    if (typeof old !== 'string')
      objects.push(oldCronJob(rendered, old, settings, `${rendered.metadata?.name}-gcloud`));
    const kube = new KubeClient(kubeConfig, 'bench-refresher');
    const { live } = await kube.applyAll(objects, true);
    const cronJobs = live.filter((o): o is V1CronJob => o.kind === 'CronJob');

    const job: Record<string, number[]> = { old: [], new: [] };
    const container: Record<string, number[]> = { old: [], new: [] };
    for (let round = 0; round < ROUNDS; round++) {
      for (const cronJob of round % 2 ? [...cronJobs].reverse() : cronJobs) {
        const variant = cronJob.metadata?.name?.endsWith('-gcloud') ? 'old' : 'new';
        const jobName = `bench-${variant}-${round}`;
        const started = process.hrtime.bigint();
        const outcome = kube.waitForJob(namespace, jobName, AbortSignal.timeout(120_000));
        await kube.createJobFromCronJob(cronJob, jobName);
        const result = await outcome;
        const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
        const run = executor.executed.find((e) => e.pod.startsWith(`${jobName}-`))?.run;
        if (result.status !== 'complete' || run?.exitCode !== 0) {
          throw new Error(
            `${variant} refresh Job ${jobName} did not complete:\n${run?.stdout}\n${run?.stderr}`,
          );
        }
        job[variant].push(elapsed);
        container[variant].push(run.durationMs ?? NaN);
      }
    }
    const oldLabel = typeof old === 'string' ? `not run: ${old}` : '';
    console.log(`refresh Job, creation → Complete (${ROUNDS} rounds, alternating):`);
    console.log(`  old gcloud + kubectl: ${oldLabel || stats(job.old)}`);
    console.log(`  new refresh.mjs:      ${stats(job.new)}  ${ratio(job.new, job.old)}`);
    console.log('refresher container alone (process wall time, bubblewrap included):');
    console.log(`  old gcloud + kubectl: ${oldLabel || stats(container.old)}`);
    console.log(`  new refresh.mjs:      ${stats(container.new)}  ${ratio(container.new, container.old)}`);
  } finally {
    executor.stop();
    await gcp.close();
    await core.deleteNamespace({ name: namespace }).catch(() => undefined);
  }
}

async function reruns(kubeConfig: KubeConfig): Promise<void> {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const namespace = `bench-rerun-${Date.now().toString(36)}`;
  const world = await startWorld(namespace);
  const skipped: number[] = [];
  const forced: number[] = [];
  try {
    const first = await world.run();
    if (first.exitCode !== 0) throw new Error(`first deploy failed:\n${first.stdout}`);
    for (let round = 0; round < ROUNDS; round++) {
      for (const force of round % 2 ? [true, false] : [false, true]) {
        const run = await world.run(force ? { 'force-refresh': 'true' } : {});
        if (run.exitCode !== 0) throw new Error(`re-run failed:\n${run.stdout}`);
        const wasSkipped = run.summary.includes('skipped (fresh, written by this refresher spec)');
        if (wasSkipped === force) throw new Error(`re-run (force ${force}) skipped=${wasSkipped}`);
        (force ? forced : skipped).push(run.durationMs);
      }
    }
  } finally {
    await world.close();
    await core.deleteNamespace({ name: namespace }).catch(() => undefined);
  }
  console.log(`no-change re-run of mode: deploy (node dist/index.js, ${ROUNDS} rounds):`);
  console.log(`  refresh skipped:          ${stats(skipped)}`);
  console.log(`  force-refresh: true:      ${stats(forced)}  skipped/forced ${ratio(skipped, forced)}`);
}

async function main(): Promise<void> {
  useCluster();
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromDefault();
  const old = await loadOldRefresher();
  console.log(
    `node ${process.version}; old refresher: ${typeof old === 'string' ? old : `${OLD_COMMIT}:src/manifests/refresher.ts`}`,
  );
  await refreshJobs(kubeConfig, old);
  await reruns(kubeConfig);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
