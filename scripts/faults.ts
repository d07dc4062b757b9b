// `npm run faults [deploys] [verifies] [rate] [baseline]`: the action through the fault-injecting
// proxy (__tests__/support/fault-proxy.ts) in front of the local API server, healthy and broken
// installs mixed, and the table of verdicts, faults injected, retries and times.
//   - deploy, healthy: a deploy that must pass;
//   - deploy, broken: IAM refuses the refresher, so the deploy must fail as "Initial refresh failed";
//   - verify: of the healthy install (must pass) and of the broken one (must fail exactly the checks
//     it fails without faults).
// A run has the right verdict when its exit code, failure title and failed checks are those of the
// same run without faults. Defaults: 30 deploys and 30 verifications at 10 %, 4 of each at 0 %.
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import type { ActionRun } from '../__tests__/support/action.js';
import { repoRoot } from '../__tests__/support/action.js';
import { faultyCluster, injectedTotal, type FaultyCluster } from '../__tests__/support/fault-proxy.js';
import { startWorld, type World } from '../__tests__/support/world.js';

const [deploys = 30, verifies = 30, rate = 0.1, baseline = 4] = process.argv.slice(2).map(Number);
/** The runs' `timeout` input: generous, so a slow shared machine is not taken for a fault. */
const TIMEOUT = process.env.FAULTS_TIMEOUT ?? '300s';

interface Verdict {
  exitCode: number;
  title: string;
  failedChecks: string;
}

interface Row {
  mode: string;
  rate: number;
  runs: number;
  right: number;
  wrong: string[];
  injected: number;
  requests: number;
  retries: number;
  times: number[];
}

function verdictOf(run: ActionRun): Verdict {
  const report = JSON.parse(run.outputs.report ?? '{}') as {
    failure?: { title: string } | null;
    checks?: Array<{ id: string; status: string }>;
  };
  return {
    exitCode: run.exitCode,
    title: report.failure?.title ?? '',
    failedChecks: (report.checks ?? [])
      .filter((c) => c.status === 'fail')
      .map((c) => c.id)
      .sort()
      .join(','),
  };
}

function retriesOf(run: ActionRun): number {
  const report = JSON.parse(run.outputs.report ?? '{}') as { stats?: { retries?: Record<string, number> } };
  return Object.values(report.stats?.retries ?? {}).reduce((a, b) => a + b, 0);
}

const same = (a: Verdict, b: Verdict) =>
  a.exitCode === b.exitCode && a.title === b.title && a.failedChecks === b.failedChecks;

function percentile(samples: number[], p: number): string {
  if (samples.length === 0) return '-';
  const sorted = [...samples].sort((a, b) => a - b);
  return `${(sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] / 1000).toFixed(1)} s`;
}

interface Case {
  name: string;
  world: World;
  inputs: Record<string, string>;
  expected: Verdict;
}

/** `runs` runs alternating over the cases, two at a time (one per case), through a fresh proxy. */
async function measure(mode: string, faultRate: number, runs: number, cases: Case[]): Promise<Row> {
  const faulty: FaultyCluster = await faultyCluster({ rate: faultRate, latencyMs: 300 });
  const row: Row = {
    mode,
    rate: faultRate,
    runs,
    right: 0,
    wrong: [],
    injected: 0,
    requests: 0,
    retries: 0,
    times: [],
  };
  try {
    const queues = cases.map((c, i) =>
      Array.from({ length: Math.floor(runs / cases.length) + (i < runs % cases.length ? 1 : 0) }, () => c),
    );
    await Promise.all(
      queues.map(async (queue) => {
        for (const c of queue) {
          const run = await c.world.run(c.inputs, { env: { KUBECONFIG: faulty.kubeconfigPath } });
          const verdict = verdictOf(run);
          row.times.push(run.durationMs);
          row.retries += retriesOf(run);
          if (same(verdict, c.expected)) row.right++;
          else
            row.wrong.push(
              `${c.name}: got ${JSON.stringify(verdict)}, expected ${JSON.stringify(c.expected)}`,
            );
        }
      }),
    );
  } finally {
    row.injected = injectedTotal(faulty.proxy);
    row.requests = faulty.proxy.requests;
    console.error(`${mode} at ${faultRate * 100} %: injected ${JSON.stringify(faulty.proxy.injected)}`);
    await faulty.close();
  }
  return row;
}

async function main(): Promise<void> {
  execFileSync('bash', [path.join(repoRoot, 'scripts/cluster.sh'), 'up'], { stdio: 'inherit' });
  for (const match of execFileSync('bash', [path.join(repoRoot, 'scripts/cluster.sh'), 'env'], {
    encoding: 'utf8',
  }).matchAll(/^export (\w+)=(.*)$/gm)) {
    process.env[match[1]] = match[2];
  }
  // The action creates the namespaces (as in `npm run bench`); they are deleted at the end.
  const suffix = Date.now().toString(36);
  const healthy = await startWorld(`faults-healthy-${suffix}`);
  const broken = await startWorld(`faults-broken-${suffix}`);
  // A schedule that does not fire during the run (29 February): scheduled Jobs would change the
  // installs under the verifications (a new failed Job of the broken one, a success of the healthy).
  const schedule = { 'refresh-schedule': '0 0 29 2 *' };
  const brokenInputs = {
    'gcp-service-account': 'not-allowed@acme-hub.iam.gserviceaccount.com',
    timeout: TIMEOUT,
    ...schedule,
  };
  const healthyInputs = { timeout: TIMEOUT, ...schedule };
  try {
    // The verdicts without faults (and the installs the verifications judge).
    const healthyDeploy = verdictOf(await healthy.run(healthyInputs));
    const brokenDeploy = verdictOf(await broken.run(brokenInputs));
    console.error('expected deploy verdicts:', { healthyDeploy, brokenDeploy });
    if (healthyDeploy.exitCode !== 0 || brokenDeploy.exitCode === 0)
      throw new Error('the fault-free runs did not give a healthy and a broken install');

    const deployCases: Case[] = [
      { name: 'deploy healthy', world: healthy, inputs: healthyInputs, expected: healthyDeploy },
      { name: 'deploy broken', world: broken, inputs: brokenInputs, expected: brokenDeploy },
    ];
    const rows: Row[] = [];
    if (deploys > 0) {
      if (baseline > 0) rows.push(await measure('deploy', 0, baseline, deployCases));
      rows.push(await measure('deploy', rate, deploys, deployCases));
    }
    // The verifications judge the installs as the deploys left them (the broken one's failed Jobs
    // pile up, so cronjob-healthy fails too): their expected verdicts are taken now, without faults.
    const verifyInputs = { ...healthyInputs, mode: 'verify' };
    const brokenVerifyInputs = { ...brokenInputs, mode: 'verify' };
    const healthyVerify = verdictOf(await healthy.run(verifyInputs));
    const brokenVerify = verdictOf(await broken.run(brokenVerifyInputs));
    console.error('expected verify verdicts:', { healthyVerify, brokenVerify });
    const verifyCases: Case[] = [
      { name: 'verify healthy', world: healthy, inputs: verifyInputs, expected: healthyVerify },
      { name: 'verify broken', world: broken, inputs: brokenVerifyInputs, expected: brokenVerify },
    ];
    if (baseline > 0) rows.push(await measure('verify', 0, baseline, verifyCases));
    rows.push(await measure('verify', rate, verifies, verifyCases));

    console.log(
      '| mode | fault rate | runs | right verdict | wrong | faults injected | requests | retries | p50 | p95 |',
    );
    console.log('|---|---|---|---|---|---|---|---|---|---|');
    for (const r of rows) {
      console.log(
        `| ${r.mode} | ${Math.round(r.rate * 100)} % | ${r.runs} | ${r.right} | ${r.wrong.length} | ${r.injected} | ${r.requests} | ${r.retries} | ${percentile(r.times, 50)} | ${percentile(r.times, 95)} |`,
      );
    }
    for (const r of rows) for (const w of r.wrong) console.log(`wrong: ${w}`);
    if (rows.some((r) => r.wrong.length > 0)) process.exitCode = 1;
  } finally {
    await healthy.close();
    await broken.close();
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromDefault();
    const core = kubeConfig.makeApiClient(CoreV1Api);
    for (const name of [healthy.namespace, broken.namespace])
      await core.deleteNamespace({ name }).catch(() => undefined);
  }
}

await main();
