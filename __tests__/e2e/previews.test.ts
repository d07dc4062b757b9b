// Pull-request previews end to end, as GitHub runs the action, against the local control plane.
// Production is deployed with `serve-previews: true`; Google STS (emulated) trusts only
// production's ServiceAccount subject, and the host executor runs production's refresher for real.
// Every preview takes its pull secret from production's refresher: it has no trust of its own.
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  AppsV1Api,
  BatchV1Api,
  CoordinationV1Api,
  CoreV1Api,
  KubernetesObjectApi,
  type KubernetesObject,
} from '@kubernetes/client-node';
import type { ActionRun } from '../support/action.js';
import { kubeConfig, newNamespace } from '../support/cluster.js';
import { startGitHubEmulator, type GitHubEmulator } from '../support/emulators/github.js';
import { startWorld, type World } from '../support/world.js';
import { inParallel } from '../support/parallel.js';

const core = kubeConfig().makeApiClient(CoreV1Api);
const apps = kubeConfig().makeApiClient(AppsV1Api);
const batch = kubeConfig().makeApiClient(BatchV1Api);
const leases = kubeConfig().makeApiClient(CoordinationV1Api);
const objects = KubernetesObjectApi.makeApiClient(kubeConfig());

const REPOSITORY = 'acme/bifrost-app';
const REPOSITORY_LABEL = 'bifrost.maximhq.dev/repository=acme.bifrost-app';
const PREVIEWS = 25;
const sha = (pr: number, n = 0) => `${pr.toString(16).padStart(4, '0')}${n}`.padEnd(40, 'c');

let production: World;
let github: GitHubEmulator;
let nextRunId = 7000;

function report(run: ActionRun): {
  result: string;
  failure: { title: string; message: string; evidence: string[]; hint: string | null } | null;
  applied: { kind: string; name: string }[];
  phases: { name: string; status: string; detail: string }[];
  sweep?: {
    dryRun: boolean;
    removed: { pr: number; reason: string }[];
    kept: { pr: number; reason: string }[];
  };
} {
  return JSON.parse(run.outputs.report ?? '{}') as ReturnType<typeof report>;
}

function explain(run: ActionRun): string {
  return `exit ${run.exitCode}\n${run.stdout.slice(-3000)}\n${run.stderr.slice(-1000)}`;
}

interface PreviewRunOptions {
  inputs?: Record<string, string>;
  runId?: number;
  attempt?: number;
  commit?: string;
  onSpawn?: (child: ChildProcess) => void;
}

function runPreview(pr: number, mode: string, options: PreviewRunOptions = {}): Promise<ActionRun> {
  const runId = options.runId ?? nextRunId++;
  return production.run(
    { mode, preview: String(pr), 'preview-commit': options.commit ?? sha(pr), ...options.inputs },
    {
      env: {
        GITHUB_REPOSITORY: REPOSITORY,
        GITHUB_RUN_ID: String(runId),
        GITHUB_RUN_ATTEMPT: String(options.attempt ?? 1),
        GITHUB_SHA: sha(pr),
      },
      ...(options.onSpawn ? { onSpawn: options.onSpawn } : {}),
    },
  );
}

function sweep(inputs: Record<string, string>): Promise<ActionRun> {
  return production.run(
    { mode: 'sweep', 'github-token': github.token, ...inputs },
    {
      env: { GITHUB_REPOSITORY: REPOSITORY, GITHUB_RUN_ID: String(nextRunId++), GITHUB_API_URL: github.url },
    },
  );
}

const previewNamespace = (pr: number) => `${production.namespace}-pr-${pr}`;

async function namespaceExists(name: string): Promise<boolean> {
  try {
    await core.readNamespace({ name });
    return true;
  } catch {
    return false;
  }
}

/** Everything of this repository's previews still on the cluster. */
async function leftovers(): Promise<string[]> {
  const namespaces = await core.listNamespace({ labelSelector: REPOSITORY_LABEL });
  const jobs = await batch.listNamespacedJob({
    namespace: production.namespace,
    labelSelector: REPOSITORY_LABEL,
  });
  const held = await leases.listNamespacedLease({
    namespace: production.namespace,
    labelSelector: REPOSITORY_LABEL,
  });
  return [
    ...namespaces.items.map((n) => `Namespace ${n.metadata?.name}`),
    ...jobs.items.map((j) => `Job ${j.metadata?.name}`),
    ...held.items.map((l) => `Lease ${l.metadata?.name}`),
  ];
}

beforeAll(async () => {
  const namespace = await newNamespace('pv');
  production = await startWorld(namespace);
  github = await startGitHubEmulator();
  const run = await production.run({ 'serve-previews': 'true' });
  expect({ exit: run.exitCode, log: run.exitCode ? explain(run) : '' }).toEqual({ exit: 0, log: '' });
}, 180_000);

afterAll(async () => {
  await Promise.all(
    Array.from({ length: 60 }, (_, i) =>
      core.deleteNamespace({ name: previewNamespace(i + 1) }).catch(() => undefined),
    ),
  );
  await github?.close();
  await production?.close();
});

describe('a preview whose production cannot serve it', () => {
  it('fails with that reason, and applies nothing', async () => {
    const missing = await runPreview(51, 'deploy', { inputs: { namespace: 'no-such-production' } });
    expect(missing.exitCode).toBe(1);
    expect(report(missing).failure).toMatchObject({
      title: 'Production install missing',
      hint: expect.stringContaining('serve-previews: true'),
    });
    const wrongAccount = await runPreview(51, 'deploy', {
      inputs: { 'service-account-name': 'someone-else' },
    });
    expect(report(wrongAccount).failure).toMatchObject({
      title: "Production's refresher runs as another ServiceAccount",
      hint: 'Set `service-account-name: bifrost-sa` on the preview deploy (the same value production was deployed with).',
    });
    expect(await namespaceExists(previewNamespace(51))).toBe(false);
  });
});

describe(`${PREVIEWS} previews side by side`, () => {
  const prs = Array.from({ length: PREVIEWS }, (_, i) => i + 1);
  const started = new Map<number, number>();
  let runs: ActionRun[] = [];

  beforeAll(async () => {
    runs = await inParallel(prs, 5, (pr) => {
      started.set(pr, Date.now());
      return runPreview(pr, 'deploy');
    });
  }, 900_000);

  it('each deploy succeeds and says how to reach its preview', () => {
    for (const [i, run] of runs.entries()) {
      expect({ pr: prs[i], exit: run.exitCode, log: run.exitCode ? explain(run) : '' }).toEqual({
        pr: prs[i],
        exit: 0,
        log: '',
      });
      expect(run.outputs['preview-url']).toBe('http://localhost:8080');
      expect(run.summary).toContain(
        `kubectl port-forward -n ${previewNamespace(prs[i])} service/bifrost 8080:80`,
      );
    }
  });

  it('each has a fresh pull secret written by production and an available gateway', async () => {
    for (const pr of prs) {
      const ns = previewNamespace(pr);
      const secret = await core.readNamespacedSecret({ name: 'ar-pull-secret', namespace: ns });
      const refreshedAt = Date.parse(
        secret.metadata?.annotations?.['bifrost.maximhq.dev/refreshed-at'] ?? '',
      );
      expect(refreshedAt).toBeGreaterThanOrEqual(Math.floor((started.get(pr) ?? 0) / 1000) * 1000 - 1000);
      expect(secret.type).toBe('kubernetes.io/dockerconfigjson');
      const deployment = await apps.readNamespacedDeployment({ name: 'bifrost', namespace: ns });
      expect(deployment.status?.availableReplicas).toBe(1);
    }
  });

  it('has no trust of its own: one subject at STS (production), no refresher or credential config', async () => {
    const subjects = new Set(production.gcp.requests.map((r) => r.subjectClaims?.sub).filter(Boolean));
    expect([...subjects]).toEqual([`system:serviceaccount:${production.namespace}:bifrost-sa`]);
    for (const pr of prs) {
      const ns = previewNamespace(pr);
      expect((await batch.listNamespacedCronJob({ namespace: ns })).items).toEqual([]);
      const configMaps = (await core.listNamespacedConfigMap({ namespace: ns })).items.map(
        (c) => c.metadata?.name,
      );
      expect(configMaps).not.toContain('gcp-credential-config');
    }
  });

  it('labels every object it created with repository, pull request, commit and manager', async () => {
    const run = runs[0];
    const applied = report(run).applied as { kind: string; name: string; namespace?: string }[];
    expect(applied.length).toBeGreaterThanOrEqual(7);
    for (const a of applied) {
      const live: KubernetesObject = await objects.read({
        apiVersion:
          {
            Role: 'rbac.authorization.k8s.io/v1',
            RoleBinding: 'rbac.authorization.k8s.io/v1',
            Deployment: 'apps/v1',
          }[a.kind] ?? 'v1',
        kind: a.kind,
        metadata: { name: a.name, namespace: a.namespace },
      });
      expect({ object: `${a.kind}/${a.name}`, labels: live.metadata?.labels }).toMatchObject({
        labels: {
          'app.kubernetes.io/managed-by': 'bifrost-aks-deploy',
          'bifrost.maximhq.dev/preview': '1',
          'bifrost.maximhq.dev/repository': 'acme.bifrost-app',
          'bifrost.maximhq.dev/commit': sha(1),
        },
      });
    }
  });

  it('teardown of one leaves the others untouched; a second teardown succeeds', async () => {
    const before = await Promise.all(
      prs.slice(1).map(async (pr) => {
        const d = await apps.readNamespacedDeployment({ name: 'bifrost', namespace: previewNamespace(pr) });
        return `${pr}:${d.metadata?.uid}:${d.metadata?.generation}`;
      }),
    );
    const first = await runPreview(1, 'teardown');
    expect({ exit: first.exitCode, log: first.exitCode ? explain(first) : '' }).toEqual({ exit: 0, log: '' });
    expect(await namespaceExists(previewNamespace(1))).toBe(false);
    expect((await leftovers()).filter((l) => /pr-1$|preview-1-|bifrost-preview-1$/.test(l))).toEqual([]);
    const after = await Promise.all(
      prs.slice(1).map(async (pr) => {
        const d = await apps.readNamespacedDeployment({ name: 'bifrost', namespace: previewNamespace(pr) });
        return `${pr}:${d.metadata?.uid}:${d.metadata?.generation}`;
      }),
    );
    expect(after).toEqual(before);

    const again = await runPreview(1, 'teardown');
    expect(again.exitCode).toBe(0);
    expect(report(again).phases).toContainEqual(
      expect.objectContaining({ name: 'Teardown', detail: expect.stringContaining('does not exist') }),
    );
    const never = await runPreview(999, 'teardown');
    expect(never.exitCode).toBe(0);
  });

  it('sweep: a refused token removes nothing; dry-run lists; closed and merged pull requests go', async () => {
    for (const pr of prs) github.setPull(REPOSITORY, pr, { state: 'open' });
    github.setPull(REPOSITORY, 2, { state: 'closed' });
    github.setPull(REPOSITORY, 3, { state: 'closed', merged: true });

    const refused = await sweep({ 'github-token': 'ghs_revoked' });
    expect(refused.exitCode).toBe(1);
    expect(report(refused).failure).toMatchObject({
      title: 'GitHub API refused the token',
      message: expect.stringContaining('HTTP 401 Bad credentials'),
    });
    github.refuse('rate-limited');
    const limited = await sweep({});
    github.refuse(undefined);
    expect(report(limited).failure?.title).toBe('GitHub API rate limit');
    expect(await namespaceExists(previewNamespace(2))).toBe(true);

    const dry = await sweep({ 'dry-run': 'true' });
    expect(dry.exitCode).toBe(0);
    expect(
      report(dry)
        .sweep?.removed.map((r) => r.pr)
        .sort(),
    ).toEqual([2, 3]);
    expect(await namespaceExists(previewNamespace(2))).toBe(true);

    const real = await sweep({});
    expect({ exit: real.exitCode, log: real.exitCode ? explain(real) : '' }).toEqual({ exit: 0, log: '' });
    expect(report(real).sweep?.removed).toEqual([
      expect.objectContaining({ pr: 2, reason: expect.stringContaining('is closed') }),
      expect.objectContaining({ pr: 3, reason: expect.stringContaining('is merged') }),
    ]);
    expect(report(real).sweep?.kept).toHaveLength(PREVIEWS - 3);
    expect(real.summary).toContain('Sweep');
    expect((await leftovers()).filter((l) => /pr-[23]$|preview-[23]-|bifrost-preview-[23]$/.test(l))).toEqual(
      [],
    );
  });

  it('sweep by age removes the rest; nothing of any preview is left', async () => {
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const run = await sweep({ 'max-age': '1s', timeout: '5m' });
    expect({ exit: run.exitCode, log: run.exitCode ? explain(run) : '' }).toEqual({ exit: 0, log: '' });
    expect(report(run).sweep?.removed).toHaveLength(PREVIEWS - 3);
    expect(report(run).sweep?.removed[0].reason).toMatch(/more than max-age 1s/);
    expect(await leftovers()).toEqual([]);
  });
});

describe('overlapping deploys of one preview', () => {
  it('end with the newer commit deployed; an older run arriving late applies nothing', async () => {
    const pr = 40;
    const [older, newer] = await Promise.all([
      runPreview(pr, 'deploy', { runId: 9000, commit: sha(pr, 1) }),
      new Promise((resolve) => setTimeout(resolve, 300)).then(() =>
        runPreview(pr, 'deploy', { runId: 9001, commit: sha(pr, 2) }),
      ),
    ]);
    expect({ exit: newer.exitCode, log: newer.exitCode ? explain(newer) : '' }).toEqual({ exit: 0, log: '' });
    expect(older.exitCode).toBe(0);
    const deployment = await apps.readNamespacedDeployment({
      name: 'bifrost',
      namespace: previewNamespace(pr),
    });
    expect(deployment.metadata?.labels?.['bifrost.maximhq.dev/commit']).toBe(sha(pr, 2));

    const late = await runPreview(pr, 'deploy', { runId: 8999, commit: sha(pr, 0) });
    expect(late.exitCode).toBe(0);
    expect(late.annotations).toContainEqual(
      expect.objectContaining({ level: 'notice', title: 'Preview superseded' }),
    );
    expect(report(late).applied).toEqual([]);
    const still = await apps.readNamespacedDeployment({ name: 'bifrost', namespace: previewNamespace(pr) });
    expect(still.metadata?.labels?.['bifrost.maximhq.dev/commit']).toBe(sha(pr, 2));
    expect((await runPreview(pr, 'teardown', { runId: 9002 })).exitCode).toBe(0);
  });

  it('a deploy killed mid-run (SIGKILL) is followed by a re-run that succeeds', async () => {
    const pr = 41;
    const killed = await runPreview(pr, 'deploy', {
      runId: 9100,
      commit: sha(pr, 1),
      onSpawn: (child) => {
        const timer = setInterval(() => {
          leases
            .readNamespacedLease({ name: `bifrost-preview-${pr}`, namespace: production.namespace })
            .then((lease) => {
              if (lease.spec?.holderIdentity === '9100-1') {
                clearInterval(timer);
                child.kill('SIGKILL');
              }
            })
            .catch(() => undefined);
        }, 100);
        child.on('exit', () => clearInterval(timer));
      },
    });
    expect(killed.exitCode).not.toBe(0);
    const rerun = await runPreview(pr, 'deploy', { runId: 9100, attempt: 2, commit: sha(pr, 1) });
    expect({ exit: rerun.exitCode, log: rerun.exitCode ? explain(rerun) : '' }).toEqual({ exit: 0, log: '' });
    const secret = await core.readNamespacedSecret({
      name: 'ar-pull-secret',
      namespace: previewNamespace(pr),
    });
    expect(secret.metadata?.annotations?.['bifrost.maximhq.dev/refreshed-at']).toBeDefined();
    expect((await runPreview(pr, 'teardown', { runId: 9101 })).exitCode).toBe(0);
  });
});

describe('teardown held by a finalizer', () => {
  it('names the finalizer and the object holding it, then succeeds once it is released', async () => {
    const pr = 42;
    const deployed = await runPreview(pr, 'deploy');
    expect({ exit: deployed.exitCode, log: deployed.exitCode ? explain(deployed) : '' }).toEqual({
      exit: 0,
      log: '',
    });
    const ns = previewNamespace(pr);
    await core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: 'held', finalizers: ['bifrost-aks.test/hold'] }, data: {} },
    });
    const stuck = await runPreview(pr, 'teardown', { inputs: { timeout: '15s' } });
    expect(stuck.exitCode).toBe(1);
    expect(report(stuck).failure).toMatchObject({
      title: 'Preview namespace stuck in Terminating',
      message: expect.stringContaining('bifrost-aks.test/hold'),
      evidence: expect.arrayContaining([`ConfigMap ${ns}/held: finalizers bifrost-aks.test/hold`]),
      hint: expect.stringContaining(`kubectl patch configmap/held -n ${ns}`),
    });
    await core.patchNamespacedConfigMap({
      name: 'held',
      namespace: ns,
      body: [{ op: 'remove', path: '/metadata/finalizers' }],
    });
    const done = await runPreview(pr, 'teardown');
    expect({ exit: done.exitCode, log: done.exitCode ? explain(done) : '' }).toEqual({ exit: 0, log: '' });
    expect(await namespaceExists(ns)).toBe(false);
  });
});
