// `npm run bench`: the action's figures side by side from one run, as one table (these machines
// are noisy and shared: read the ratios, and CPU time before wall time). Run `npm run build` first.
//   - bundle: dist/*.js in bytes (all chunks);
//   - cold start of `node dist/index.js` on the input-error path (no inputs) and in `mode: render`,
//     against google-github-actions/auth's published dist (its input error; from the local mirror,
//     copied into a temp dir, never committed) and a floor that any JavaScript action pays (an ncc
//     bundle of @actions/core that reads one required input and fails, built here). Each round
//     runs every command once, in a rotating order; the table gives the mean CPU time (user+sys,
//     by GNU time, in 10 ms steps), the median wall time (timed here) and the median peak RSS;
//   - deploy into a fresh namespace vs a no-change re-run, then `mode: verify` (wall time and the
//     API requests of its checks), ROUNDS rounds, each in a new namespace on the local control
//     plane (started if not running). BENCH_COLD_ONLY=1 skips this part;
//   - beside it, in the same rounds (rotating order), the seed page's own kubectl procedure
//     (scripts/seed-procedure.ts) into a fresh namespace: with the seed's refresher (gcloud +
//     kubectl, scripts/seed-refresher.ts) and with refresh.mjs; the ratio is ours / theirs;
//   - the refresh Job: creation → its pod Succeeded (what the action waits for) and → the Job's
//     Complete condition (one Job controller batch later), two Jobs a round from the CronJob;
//   - BENCH_BASELINE=<another checkout>/dist/index.js: that build's cold starts and deploys in the
//     same rounds, with ours / baseline ratios (a change's cost, measured side by side).
import { execFileSync, spawnSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  BatchV1Api,
  CoreV1Api,
  KubeConfig,
  Watch,
  type V1CronJob,
  type V1Job,
  type V1Pod,
} from '@kubernetes/client-node';
import { repoRoot } from '../__tests__/support/action.js';
import { IDENTITY_INPUTS, testSettings } from '../__tests__/support/fixtures.js';
import { startWorld } from '../__tests__/support/world.js';
import { KubeClient } from '../src/cluster/client.js';
import type { PhaseResult } from '../src/report/report.js';
import { seedProcedure } from './seed-procedure.js';
import { loadOldRefresher, OLD_COMMIT, oldCronJob } from './seed-refresher.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const COLD_STARTS = Number(process.env.BENCH_COLD_STARTS ?? 15);
const GOOGLE_AUTH_MIRROR = '/work/.mirror/google-github-actions+auth/repo';
const GOOGLE_AUTH_COMMIT = 'fc21748';
const TIME = '/usr/bin/time';
/** The node that runs the cold starts: this one, or e.g. `BENCH_NODE=$(bash scripts/node24.sh)`, the
 * runtime action.yml names. */
const NODE = process.env.BENCH_NODE ?? process.execPath;
/** Another build's dist/index.js (e.g. main before a change), timed beside ours in the same run. */
const BASELINE = process.env.BENCH_BASELINE ? path.resolve(process.env.BENCH_BASELINE) : undefined;

interface Sample {
  cpuMs: number;
  wallMs: number;
  rssMiB: number;
  exitCode: number;
  stdout: string;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length / 2;
  return sorted.length % 2 ? sorted[Math.floor(middle)] : (sorted[middle - 1] + sorted[middle]) / 2;
};

/** One process under GNU time: CPU = user + sys, peak RSS = max resident set size. GNU time prints
 * seconds to two decimals, so wall time is taken here (the spawn of `time` adds under a
 * millisecond) and CPU is reported as the mean over the samples, where the 10 ms steps average
 * out. */
function measure(script: string, env: NodeJS.ProcessEnv, cwd: string): Sample {
  const started = process.hrtime.bigint();
  const result = spawnSync(TIME, ['-f', 'BENCH %e %U %S %M', NODE, script], {
    env,
    cwd,
    encoding: 'utf8',
  });
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  const line = /BENCH ([\d.]+) ([\d.]+) ([\d.]+) (\d+)\s*$/.exec(result.stderr);
  if (!line) throw new Error(`${TIME} printed no figures for ${script}: ${result.stderr.slice(-500)}`);
  return {
    wallMs,
    cpuMs: (Number(line[2]) + Number(line[3])) * 1000,
    rssMiB: Number(line[4]) / 1024,
    exitCode: result.status ?? -1,
    stdout: result.stdout,
  };
}

/** The floor: @actions/core reading one required input, bundled by the same ncc. Its source lives
 * in the repo's ignored .local/ (only while ncc runs) so that ncc resolves @actions/core from
 * node_modules. */
function buildFloor(out: string): string {
  const source = path.join(repoRoot, '.local/bench-floor');
  mkdirSync(source, { recursive: true });
  writeFileSync(
    path.join(source, 'index.mjs'),
    "import * as core from '@actions/core';\ntry {\n  core.getInput('name', { required: true });\n} catch (error) {\n  core.setFailed(error.message);\n}\n",
  );
  try {
    execFileSync(path.join(repoRoot, 'node_modules/.bin/ncc'), ['build', 'index.mjs', '-o', out, '--quiet'], {
      cwd: source,
      stdio: 'inherit',
    });
  } finally {
    rmSync(source, { recursive: true, force: true }); // else eslint . would find it
  }
  // ncc names the output after the source: index.mjs.
  return path.join(out, 'index.mjs');
}

/** google-github-actions/auth's published dist, from the local mirror; undefined when absent. */
function googleAuth(out: string): string | undefined {
  try {
    const file = path.join(out, 'index.js');
    writeFileSync(
      file,
      execFileSync('git', ['-C', GOOGLE_AUTH_MIRROR, 'show', `${GOOGLE_AUTH_COMMIT}:dist/main/index.js`]),
    );
    return file;
  } catch {
    return undefined;
  }
}

function runnerEnv(dir: string, inputs: Record<string, string>): NodeJS.ProcessEnv {
  const runnerTemp = mkdtempSync(path.join(dir, 'runner-'));
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    GITHUB_ACTIONS: 'true',
    RUNNER_TEMP: runnerTemp,
    GITHUB_OUTPUT: path.join(runnerTemp, 'output.txt'),
    GITHUB_STEP_SUMMARY: path.join(runnerTemp, 'summary.md'),
  };
  writeFileSync(env.GITHUB_OUTPUT!, '');
  writeFileSync(env.GITHUB_STEP_SUMMARY!, '');
  for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.toUpperCase()}`] = value;
  return env;
}

type Row = [figure: string, ours: string, reference: string, ratio: string];

function coldStart(rows: Row[]): void {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bifrost-bench-'));
  try {
    const dist = path.join(repoRoot, 'dist/index.js');
    const floor = buildFloor(path.join(dir, 'floor'));
    const google = googleAuth(mkdirSync(path.join(dir, 'google-auth'), { recursive: true })!);
    if (!google)
      console.log(`google auth's dist: mirror ${GOOGLE_AUTH_MIRROR} absent; its ratios are left out`);

    const commands: Record<string, () => Sample> = {
      'input error': () => measure(dist, runnerEnv(dir, {}), dir),
      render: () => measure(dist, runnerEnv(dir, { ...IDENTITY_INPUTS, mode: 'render' }), dir),
      floor: () => measure(floor, runnerEnv(dir, {}), dir),
      ...(BASELINE
        ? {
            'baseline input error': () => measure(BASELINE, runnerEnv(dir, {}), dir),
            'baseline render': () =>
              measure(BASELINE, runnerEnv(dir, { ...IDENTITY_INPUTS, mode: 'render' }), dir),
          }
        : {}),
      ...(google ? { 'google auth': () => measure(google, runnerEnv(dir, {}), dir) } : {}),
    };
    const names = Object.keys(commands);
    const samples: Record<string, Sample[]> = Object.fromEntries(names.map((n) => [n, []]));
    for (let round = 0; round < COLD_STARTS; round++) {
      // Rotate the order, so no command always runs first (or right after another).
      for (let i = 0; i < names.length; i++) {
        const name = names[(round + i) % names.length];
        samples[name].push(commands[name]());
      }
    }
    // Each command must end the way it should (else the figures would time a crash).
    const expected: Record<string, [exitCode: number, stdout: string]> = {
      'input error': [1, '::error title=Invalid input::'],
      render: [0, ''],
      'baseline input error': [1, '::error title=Invalid input::'],
      'baseline render': [0, ''],
      floor: [1, '::error::Input required and not supplied: name'],
      'google auth': [1, '::error::'],
    };
    for (const name of names) {
      const [exitCode, text] = expected[name];
      const wrong = samples[name].find(
        (s) =>
          s.exitCode !== exitCode || !s.stdout.includes(text) || (!exitCode && s.stdout.includes('::error')),
      );
      if (wrong)
        throw new Error(
          `${name}: exited ${wrong.exitCode} (expected ${exitCode}): ${wrong.stdout.slice(-500)}`,
        );
    }
    const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
    const fig = (name: string, key: 'cpuMs' | 'wallMs' | 'rssMiB') =>
      (key === 'cpuMs' ? mean : median)(samples[name].map((s) => s[key]));
    const ms = (value: number) => `${value.toFixed(0)} ms`;
    const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
    for (const path of ['input error', 'render']) {
      for (const [label, key] of [
        ['CPU', 'cpuMs'],
        ['wall', 'wallMs'],
      ] as const) {
        const ours = fig(path, key);
        const reference = [
          google ? `google auth ${ms(fig('google auth', key))}` : 'google auth n/a',
          `floor ${ms(fig('floor', key))}`,
        ].join(' / ');
        const ratios = [
          google ? ratio(ours, fig('google auth', key)) : 'n/a',
          ratio(ours, fig('floor', key)),
        ].join(' / ');
        rows.push([`cold start, ${path}, ${label}`, ms(ours), reference, ratios]);
        if (BASELINE) {
          const base = fig(`baseline ${path}`, key);
          rows.push([
            `cold start, ${path}, ${label}, baseline`,
            ms(base),
            'BENCH_BASELINE',
            ratio(ours, base),
          ]);
        }
      }
      const rss = fig(path, 'rssMiB');
      rows.push([
        `peak RSS, ${path}`,
        `${rss.toFixed(1)} MiB`,
        `${google ? `google auth ${fig('google auth', 'rssMiB').toFixed(1)} MiB / ` : ''}floor ${fig('floor', 'rssMiB').toFixed(1)} MiB`,
        google ? ratio(rss, fig('google auth', 'rssMiB')) : '—',
      ]);
    }
    rows.push([
      'cold start samples',
      `${COLD_STARTS} per command`,
      `node ${execFileSync(NODE, ['--version'], { encoding: 'utf8' }).trim()}`,
      '—',
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function bundle(rows: Row[]): void {
  const dir = path.join(repoRoot, 'dist');
  const files = readdirSync(dir).filter((file) => file.endsWith('.js'));
  const bytes = files.reduce((sum, file) => sum + statSync(path.join(dir, file)).size, 0);
  const index = statSync(path.join(dir, 'index.js')).size;
  rows.push([
    'bundle, dist/*.js',
    `${(bytes / 1e6).toFixed(2)} MB in ${files.length} files`,
    `index.js ${(index / 1e6).toFixed(2)} MB`,
    '—',
  ]);
}

/** Job creation → its pod Succeeded (what the action waits for) and → the Complete condition,
 * for Jobs made from the CronJob the deploy applied; watched from before the create. */
async function refreshJobTimes(
  kubeConfig: KubeConfig,
  namespace: string,
  count: number,
): Promise<{ podSucceeded: number[]; complete: number[] }> {
  const kube = new KubeClient(kubeConfig, 'bench');
  const batch = kubeConfig.makeApiClient(BatchV1Api);
  const cronJob = await batch.readNamespacedCronJob({ name: 'refresh-ar-secret', namespace });
  const podSucceeded: number[] = [];
  const complete: number[] = [];
  for (let i = 0; i < count; i++) {
    const name = `bench-refresh-${i}`;
    let succeededAt: number | undefined;
    let completeAt: number | undefined;
    let resolve = () => {};
    const done = new Promise<void>((r) => (resolve = r));
    const check = () => {
      if (succeededAt !== undefined && completeAt !== undefined) resolve();
    };
    const watch = new Watch(kubeConfig);
    // Watch.watch resolves once the API server has answered: both watches are open before the create.
    const watches = await Promise.all([
      watch.watch(
        `/apis/batch/v1/namespaces/${namespace}/jobs`,
        { fieldSelector: `metadata.name=${name}` },
        (_type, job: V1Job) => {
          if (job.status?.conditions?.some((c) => c.type === 'Complete' && c.status === 'True'))
            completeAt ??= performance.now();
          check();
        },
        () => undefined,
      ),
      watch.watch(
        `/api/v1/namespaces/${namespace}/pods`,
        { labelSelector: `job-name=${name}` },
        (_type, pod: V1Pod) => {
          if (pod.status?.phase === 'Succeeded') succeededAt ??= performance.now();
          check();
        },
        () => undefined,
      ),
    ]);
    const started = performance.now();
    const timeout = new AbortController();
    try {
      await kube.createJobFromCronJob(cronJob, name);
      await Promise.race([
        done,
        sleep(60_000, undefined, { signal: timeout.signal }).then(() => {
          throw new Error(`Job ${name} not complete in 60 s`);
        }),
      ]);
    } finally {
      timeout.abort(); // ends the sleep; the race has settled, so its rejection is handled
      for (const w of watches) w.abort();
    }
    podSucceeded.push(succeededAt! - started);
    complete.push(completeAt! - started);
  }
  return { podSucceeded, complete };
}

async function deployAndVerify(rows: Row[]): Promise<void> {
  execFileSync('bash', [path.join(repoRoot, 'scripts/cluster.sh'), 'up'], { stdio: 'inherit' });
  for (const match of execFileSync('bash', [path.join(repoRoot, 'scripts/cluster.sh'), 'env'], {
    encoding: 'utf8',
  }).matchAll(/^export (\w+)=(.*)$/gm)) {
    process.env[match[1]] = match[2];
  }
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromDefault();
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const old = await loadOldRefresher();
  const samples: Record<string, number[]> = {};
  const add = (key: string, value: number) => (samples[key] ??= []).push(value);
  const requests: number[] = [];
  const stamp = Date.now().toString(36);

  const ours = async (round: number) => {
    const namespace = `bench-${stamp}-${round}`;
    const world = await startWorld(namespace);
    try {
      const first = await world.run();
      const second = await world.run();
      const checked = await world.run({ mode: 'verify' });
      if (first.exitCode !== 0 || second.exitCode !== 0 || checked.exitCode !== 0) {
        throw new Error(
          `a run failed in round ${round}:\n${first.stdout}\n${second.stdout}\n${checked.stdout}`,
        );
      }
      add('fresh', first.durationMs);
      add('rerun', second.durationMs);
      add('verify', checked.durationMs);
      const phases = (JSON.parse(first.outputs.report ?? '{}') as { phases?: PhaseResult[] }).phases ?? [];
      const refresh = phases.find((p) => p.name === 'Initial refresh')?.durationMs;
      if (refresh !== undefined) add('deploy refresh phase', refresh);
      const report = JSON.parse(checked.outputs.report ?? '{}') as { stats?: { checkApiRequests?: number } };
      if (typeof report.stats?.checkApiRequests === 'number') requests.push(report.stats.checkApiRequests);
      const jobs = await refreshJobTimes(kubeConfig, namespace, 2);
      for (const ms of jobs.podSucceeded) add('job pod succeeded', ms);
      for (const ms of jobs.complete) add('job complete', ms);
    } finally {
      await world.close();
      await core.deleteNamespace({ name: namespace }).catch(() => undefined);
    }
  };
  const seed = (variant: 'gcloud' | 'refresh.mjs') => async (round: number) => {
    if (variant === 'gcloud' && typeof old === 'string') return;
    const namespace = `bench-seed-${variant === 'gcloud' ? 'g' : 'm'}-${stamp}-${round}`;
    const world = await startWorld(namespace); // the namespace is the procedure's first step
    try {
      const settings = testSettings(world.inputs);
      const cronJob = (rendered: V1CronJob) =>
        typeof old === 'string' || variant === 'refresh.mjs'
          ? rendered
          : oldCronJob(rendered, old, settings, rendered.metadata?.name ?? '');
      const result = await seedProcedure(settings, cronJob, process.env.KUBECONFIG ?? '');
      add(`seed ${variant}`, result.wallMs);
      add(`seed ${variant} job wait`, result.jobWaitMs);
    } finally {
      await world.close();
      await core.deleteNamespace({ name: namespace }).catch(() => undefined);
    }
  };
  const baseline = async (round: number) => {
    if (!BASELINE) return;
    const namespace = `bench-base-${stamp}-${round}`;
    const world = await startWorld(namespace);
    try {
      const first = await world.run({}, { script: BASELINE });
      const second = await world.run({}, { script: BASELINE });
      if (first.exitCode !== 0 || second.exitCode !== 0)
        throw new Error(`a baseline run failed in round ${round}:\n${first.stdout}\n${second.stdout}`);
      add('baseline fresh', first.durationMs);
      add('baseline rerun', second.durationMs);
    } finally {
      await world.close();
      await core.deleteNamespace({ name: namespace }).catch(() => undefined);
    }
  };
  const contestants = [ours, baseline, seed('gcloud'), seed('refresh.mjs')];
  for (let round = 0; round < ROUNDS; round++) {
    // Rotate the order, so no contestant always runs first.
    for (let i = 0; i < contestants.length; i++) await contestants[(round + i) % contestants.length](round);
  }

  const med = (key: string) => median(samples[key] ?? [NaN]);
  const ms = (key: string) => {
    const values = samples[key] ?? [];
    if (!values.length) return 'n/a';
    return `${med(key).toFixed(0)} ms (${Math.min(...values).toFixed(0)}–${Math.max(...values).toFixed(0)})`;
  };
  const ratio = (a: string, b: string) =>
    samples[a]?.length && samples[b]?.length ? `${(med(a) / med(b)).toFixed(2)}×` : 'n/a';
  rows.push(['deploy, fresh namespace', ms('fresh'), `${ROUNDS} rounds`, '—']);
  if (BASELINE) {
    rows.push([
      'deploy, fresh namespace, baseline',
      ms('baseline fresh'),
      'BENCH_BASELINE',
      ratio('fresh', 'baseline fresh'),
    ]);
    rows.push([
      'deploy, no-change re-run, baseline',
      ms('baseline rerun'),
      'BENCH_BASELINE',
      ratio('rerun', 'baseline rerun'),
    ]);
  }
  rows.push([
    'seed procedure (kubectl), seed refresher',
    ms('seed gcloud'),
    typeof old === 'string'
      ? `not run: ${old}`
      : `gcloud + kubectl (${OLD_COMMIT}); kubectl wait ${ms('seed gcloud job wait')}`,
    `fresh deploy ${ratio('fresh', 'seed gcloud')}`,
  ]);
  rows.push([
    'seed procedure (kubectl), refresh.mjs',
    ms('seed refresh.mjs'),
    `kubectl wait ${ms('seed refresh.mjs job wait')}`,
    `fresh deploy ${ratio('fresh', 'seed refresh.mjs')}`,
  ]);
  rows.push(['deploy, no-change re-run', ms('rerun'), 'fresh deploy', ratio('rerun', 'fresh')]);
  rows.push([
    'refresh Job, creation → pod Succeeded',
    ms('job pod succeeded'),
    `→ Complete condition ${ms('job complete')}`,
    ratio('job pod succeeded', 'job complete'),
  ]);
  rows.push(['deploy, Initial refresh phase', ms('deploy refresh phase'), 'report.phases[].durationMs', '—']);
  rows.push([
    'verify',
    ms('verify'),
    requests.length ? `${median(requests)} API requests (checks)` : 'API requests n/a',
    '—',
  ]);
}

function print(rows: Row[]): void {
  const header: Row = ['figure', 'ours', 'reference', 'ratio'];
  const widths = header.map((_, i) => Math.max(...[header, ...rows].map((row) => row[i].length)));
  const line = (row: Row) => `| ${row.map((cell, i) => cell.padEnd(widths[i])).join(' | ')} |`;
  console.log(
    [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n'),
  );
}

async function main(): Promise<void> {
  if (!existsSync(path.join(repoRoot, 'dist/index.js')))
    throw new Error('no dist/index.js: run `npm run build` first');
  const rows: Row[] = [];
  bundle(rows);
  coldStart(rows);
  if (process.env.BENCH_COLD_ONLY !== '1') {
    print(rows); // the cold-start figures first, in case the cluster part fails
    await deployAndVerify(rows);
  }
  print(rows);
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
