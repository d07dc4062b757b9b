// A cancelled workflow: the runner sends SIGINT (then SIGTERM) to `node dist/index.js`. The run
// stops its watches and calls, reports "Cancelled during <phase>" with what it had applied, and
// exits 1 at once; a re-run then completes. Also: two deploys at once (one namespace, and two).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { AppsV1Api, CoreV1Api, KubernetesObjectApi } from '@kubernetes/client-node';
import { kubeConfig, newNamespace } from '../support/cluster.js';
import type { ActionRun } from '../support/action.js';
import { startWorld, type World } from '../support/world.js';

const apps = kubeConfig().makeApiClient(AppsV1Api);
const core = kubeConfig().makeApiClient(CoreV1Api);
const objects = KubernetesObjectApi.makeApiClient(kubeConfig());

interface Report {
  failure: { title: string; message: string; evidence: string[]; hint: string | null } | null;
  applied: Array<{ kind: string; name: string; action: string }>;
  phases: Array<{ name: string; status: string }>;
}

/** Sends SIGINT once the action's log opens the group `group`; resolves with when it was sent. */
function interruptAt(group: string, sent: { at?: number }) {
  return (child: ChildProcessWithoutNullStreams) => {
    let log = '';
    child.stdout.on('data', (chunk: Buffer) => {
      log += chunk.toString();
      if (sent.at === undefined && log.includes(`::group::${group}`)) {
        // Inside the phase: the watch is open by now.
        setTimeout(() => {
          sent.at = Date.now();
          child.kill('SIGINT');
        }, 500);
      }
    });
  };
}

function report(run: ActionRun): Report {
  return JSON.parse(run.outputs.report) as Report;
}

describe('cancellation', () => {
  let namespace: string;
  let world: World;

  beforeAll(async () => {
    namespace = await newNamespace('cancel');
    world = await startWorld(namespace);
  });
  afterAll(() => world.close());

  it('mid-refresh: reports "Cancelled during" the refresh with what was applied, exits 1 at once; a re-run completes', async () => {
    // No executor runs the refresher's pod, so the refresh waits until cancelled.
    world.executor.stop();
    const sent: { at?: number } = {};
    const started = Date.now();
    const run = await world.run({}, { onStarted: interruptAt('Initial refresh of the pull secret', sent) });
    expect(sent.at).toBeDefined();
    expect(run.exitCode).toBe(1);
    const r = report(run);
    expect(r.failure?.title).toBe('Cancelled during Initial refresh of the pull secret');
    expect(r.failure?.evidence[0]).toMatch(/^Applied before the cancellation: .*\d+ created/);
    expect(r.applied.length).toBeGreaterThan(0);
    expect(r.phases.filter((p) => p.status !== 'skipped').map((p) => p.name)).toEqual(['Apply']);
    expect(run.summary).toContain('Cancelled during Initial refresh of the pull secret');
    expect(
      run.annotations.filter((a) => a.level === 'error' && a.title?.startsWith('Cancelled')),
    ).toHaveLength(1);
    // Exited on the signal, not at the 120 s timeout.
    expect(started + run.durationMs - sent.at!).toBeLessThan(10_000);
    console.log(`exit after SIGINT (mid-refresh): ${started + run.durationMs - sent.at!} ms`);

    await world.close();
    world = await startWorld(namespace);
    const again = await world.run();
    expect(report(again).failure).toBeNull();
    expect(again.exitCode).toBe(0);
  }, 400_000);

  it('mid-rollout: reports "Cancelled during Rollout"; a re-run with schedulable pods completes', async () => {
    // A quota the new pods exceed: the ReplicaSet cannot create them (FailedCreate), so the rollout
    // waits until cancelled. The refresher's 50m fits, and nothing outside this namespace is touched.
    await core.createNamespacedResourceQuota({
      namespace,
      body: { metadata: { name: 'stall-rollout' }, spec: { hard: { 'requests.cpu': '1900m' } } },
    });
    const sent: { at?: number } = {};
    const started = Date.now();
    const run = await world.run(
      { 'cpu-request': '2', 'cpu-limit': '2', 'force-refresh': 'true' },
      { onStarted: interruptAt('Rollout', sent) },
    );
    await core.deleteNamespacedResourceQuota({ name: 'stall-rollout', namespace });
    expect(sent.at).toBeDefined();
    expect(run.exitCode).toBe(1);
    const r = report(run);
    expect(r.failure?.title).toBe('Cancelled during Rollout');
    expect(r.phases.filter((p) => p.status !== 'skipped').map((p) => p.name)).toEqual([
      'Apply',
      'Initial refresh',
    ]);
    expect(r.failure?.evidence.join('\n')).toContain('Done: Initial refresh');
    expect(started + run.durationMs - sent.at!).toBeLessThan(10_000);
    console.log(`exit after SIGINT (mid-rollout): ${started + run.durationMs - sent.at!} ms`);

    const again = await world.run();
    expect(report(again).failure).toBeNull();
    expect(again.exitCode).toBe(0);
  }, 400_000);
});

/** Every object the action applied, as the API server holds it, without volatile fields. */
async function liveObjects(run: ActionRun, namespace: string): Promise<string[]> {
  const applied = report(run).applied;
  const apiVersions: Record<string, string> = {
    Role: 'rbac.authorization.k8s.io/v1',
    RoleBinding: 'rbac.authorization.k8s.io/v1',
    CronJob: 'batch/v1',
    Deployment: 'apps/v1',
  };
  return Promise.all(
    applied.map(async (a) => {
      const live = await objects.read({
        apiVersion: apiVersions[a.kind] ?? 'v1',
        kind: a.kind,
        metadata: { name: a.name, namespace: a.kind === 'Namespace' ? undefined : namespace },
      });
      const { metadata, status: _status, ...rest } = live as typeof live & { status?: unknown };
      // Who wrote the object, except the controllers: when kube-controller-manager first writes a
      // CronJob's or Deployment's status depends on its own timing, not on the deploys.
      const managers = (metadata?.managedFields ?? [])
        .filter((f) => f.manager !== 'kube-controller-manager')
        .map((f) => `${f.manager}/${f.operation}`)
        .sort();
      return JSON.stringify({
        kind: a.kind,
        name: metadata?.name,
        labels: metadata?.labels,
        annotations: Object.fromEntries(
          Object.entries(metadata?.annotations ?? {}).filter(
            ([k]) => !k.startsWith('deployment.kubernetes.io/'),
          ),
        ),
        managers,
        ...rest,
      });
    }),
  );
}

describe('concurrent deploys', () => {
  // Several deploys in a row: longer than the default test timeout on a loaded machine.
  it('two deploys of one namespace started together both pass; the objects are those of a single deploy', async () => {
    const single = await startWorld(await newNamespace('single'));
    const shared = await startWorld(await newNamespace('together'));
    try {
      const one = await single.run();
      expect(one.exitCode).toBe(0);
      const [a, b] = await Promise.all([shared.run(), shared.run()]);
      expect(report(a).failure).toBeNull();
      expect(report(b).failure).toBeNull();
      expect([a.exitCode, b.exitCode]).toEqual([0, 0]);
      // The worlds differ only in their namespace and their emulator's address.
      const strip = (lines: string[], world: World) =>
        lines
          .map((line) =>
            line
              .replaceAll(world.namespace, '<ns>')
              .replaceAll(new URL(world.gcp.url).host, '<gcp>')
              // The Service's address is the API server's pick in each namespace.
              .replace(/"clusterIPs?":(\[[^\]]*\]|"[^"]*")/g, '"clusterIP":"<ip>"')
              // The refresher spec hash covers the namespace and the emulator's address.
              .replace(/("REFRESHER_SPEC","value":")[0-9a-f]+/, '$1<hash>'),
          )
          .sort();
      expect(strip(await liveObjects(a, shared.namespace), shared)).toEqual(
        strip(await liveObjects(one, single.namespace), single),
      );
      const deployment = await apps.readNamespacedDeployment({
        name: 'bifrost',
        namespace: shared.namespace,
      });
      expect(deployment.metadata?.generation).toBe(1);
    } finally {
      await single.close();
      await shared.close();
    }
  }, 600_000);

  it('deploys into two namespaces at once do not disturb each other', async () => {
    const first = await startWorld(await newNamespace('pair-a'));
    const second = await startWorld(await newNamespace('pair-b'));
    try {
      const [a, b] = await Promise.all([first.run(), second.run()]);
      expect([report(a).failure, report(b).failure]).toEqual([null, null]);
      expect([a.exitCode, b.exitCode]).toEqual([0, 0]);
      const [va, vb] = await Promise.all([first.run({ mode: 'verify' }), second.run({ mode: 'verify' })]);
      expect([va.exitCode, vb.exitCode]).toEqual([0, 0]);
    } finally {
      await first.close();
      await second.close();
    }
  }, 600_000);
});
