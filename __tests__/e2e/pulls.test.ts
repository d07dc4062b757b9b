// Re-deploys over a stale pull secret, with pulls decided for real: the test registry
// (docker-registry with Artifact Registry's token service) answers every pull of a gateway pod
// with the pod's imagePullSecrets, and failed pulls are retried with the kubelet's back-off
// (__tests__/support/pull-webhook.ts). Whenever the initial refresh runs, the Deployment is
// applied after it; pull errors from before the refresh are left to the kubelet's next retry.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  CoreV1Api,
  PatchStrategy,
  setHeaderOptions,
  type CoreV1Event,
  type V1Pod,
} from '@kubernetes/client-node';
import { EXPIRES_AT_ANNOTATION } from '../../src/manifests/names.js';
import { repoRoot, type ActionRun } from '../support/action.js';
import { kubeConfig, newNamespace, waitForObject } from '../support/cluster.js';
import { pullBackoffMs, PULL_BACKOFF_SCALE } from '../support/pull-webhook.js';
import { IDS, startWorld, type World } from '../support/world.js';

const kc = kubeConfig();
const core = kc.makeApiClient(CoreV1Api);

interface Report {
  result: string;
  failure: { title: string; message: string; hint: string | null } | null;
  applied: { kind: string; name: string; action: string }[];
}
const reportOf = (run: ActionRun): Report => JSON.parse(run.outputs.report) as Report;

/** An old pull secret: IAM's tokens in it no longer work, and its expiry says so. */
async function makePullSecretStale(world: World): Promise<void> {
  world.gcp.expireAccessTokens();
  await core.patchNamespacedSecret(
    {
      name: 'ar-pull-secret',
      namespace: world.namespace,
      body: { metadata: { annotations: { [EXPIRES_AT_ANNOTATION]: '2026-01-01T00:00:00Z' } } },
    },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
}

const waitingReason = (pod: V1Pod) => pod.status?.containerStatuses?.[0]?.state?.waiting?.reason;

describe('the harness pulls like a kubelet', () => {
  it('retries with the kubelet back-off, 10 s doubling to 300 s, scaled by 1/20', () => {
    expect(PULL_BACKOFF_SCALE).toBe(1 / 20);
    expect([1, 2, 3, 4, 5, 6, 7].map(pullBackoffMs)).toEqual([500, 1000, 2000, 4000, 8000, 15000, 15000]);
  });
});

describe('re-deploys over a stale pull secret', () => {
  let world: World;
  let first: ActionRun;

  beforeAll(async () => {
    world = await startWorld(await newNamespace('pulls'), { registry: true, pulls: true });
    first = await world.run();
  });
  afterAll(() => world.close());

  it('a first deploy pulls with the secret the initial refresh wrote', () => {
    expect(first.exitCode).toBe(0);
    expect(world.pulls?.decisions.map((d) => d.result)).toEqual(['pulled']);
  });

  it('an expired secret and a new tag: the Deployment waits for the refresh, and its pods pull', async () => {
    await world.registry!.server.seed(world.registry!.repository, 'v1.4.3');
    await makePullSecretStale(world);
    const decided = world.pulls!.decisions.length;

    const run = await world.run({ 'image-tag': 'v1.4.3' });

    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    const order = run.stdout.indexOf('Initial refresh of the pull secret');
    expect(order).toBeGreaterThan(-1);
    expect(run.stdout.indexOf('Deployment', order)).toBeGreaterThan(order);
    expect(run.stdout).toContain('(after the pull secret)');
    // Every pull of the new image used the new secret: none failed.
    const pulls = world.pulls!.decisions.slice(decided).filter((d) => d.image.endsWith(':v1.4.3'));
    expect(pulls.length).toBeGreaterThan(0);
    expect(pulls.every((d) => d.result === 'pulled')).toBe(true);
  });

  it('a pod that failed to pull before the refresh recovers on the kubelet retry; the deploy passes', async () => {
    await makePullSecretStale(world);
    const [old] = (await core.listNamespacedPod({ namespace: world.namespace, labelSelector: 'app=bifrost' }))
      .items;
    await core.deleteNamespacedPod({ name: old.metadata!.name!, namespace: world.namespace });
    const failed = await waitForObject<V1Pod>(kc, `/api/v1/namespaces/${world.namespace}/pods`, {
      what: 'a gateway pod whose pull failed with the stale secret',
      labelSelector: 'app=bifrost',
      until: (pod) => ['ErrImagePull', 'ImagePullBackOff'].includes(waitingReason(pod) ?? ''),
    });

    // Five failed pulls: the kubelet's next retry is 8 s away (scaled), well after the rollout
    // wait starts, which sees the pod stuck on pull errors older than the refresh.
    await waitForObject<CoreV1Event>(kc, `/api/v1/namespaces/${world.namespace}/events`, {
      what: 'the fifth failed pull of the stale pod',
      fieldSelector: `involvedObject.name=${failed.metadata!.name}`,
      until: (event) => event.reason === 'Failed' && (event.count ?? 0) >= 5,
    });

    // Same inputs: the Deployment is unchanged, so the failed pod is still the current one.
    const run = await world.run({ 'image-tag': 'v1.4.3' });

    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    const after = await core.readNamespacedPod({ name: failed.metadata!.name!, namespace: world.namespace });
    expect(after.metadata?.uid).toBe(failed.metadata?.uid);
    expect(after.status?.containerStatuses?.[0]?.ready).toBe(true);
    expect(after.status?.containerStatuses?.[0]?.state?.waiting).toBeUndefined();
  });

  it('a secret the registry still refuses after the refresh fails the rollout in containerd’s words', async () => {
    await world.registry!.server.seed(world.registry!.repository, 'v1.4.4');
    world.gcp.setRegistryReaders([]);
    try {
      // preflight: false — the preflight would refuse this registry before anything is applied
      // (registry.test.ts); this test is about the pull the kubelet makes after the refresh.
      const run = await world.run({ 'image-tag': 'v1.4.4', 'force-refresh': 'true', preflight: 'false' });

      expect(run.exitCode).toBe(1);
      const { failure } = reportOf(run);
      expect(failure?.title).toBe('Rollout failed');
      expect(failure?.message).toMatch(/ErrImagePull|ImagePullBackOff/);
      expect(failure?.message).toContain('failed to fetch oauth token');
      expect(failure?.message).toContain('403 Forbidden');
      expect(failure?.hint).toContain('roles/artifactregistry.reader');
    } finally {
      world.gcp.setRegistryReaders([IDS.gcpServiceAccount]);
    }
  });
});

describe('npm run local, twice', () => {
  it('the second run over the first one’s install passes too (a new registry, so a refresh)', async () => {
    const namespace = await newNamespace('local-twice');
    const local = () =>
      promisify(execFile)(
        process.execPath,
        [
          path.join(repoRoot, 'node_modules/tsx/dist/cli.mjs'),
          'scripts/local-run.ts',
          `namespace=${namespace}`,
        ],
        { cwd: repoRoot, env: process.env, maxBuffer: 16 * 1024 * 1024 },
      );
    const one = await local();
    const two = await local();
    for (const run of [one, two]) expect(run.stdout).toContain('exit code 0');
    expect(two.stdout).toContain('the pull secret was written by another refresher spec');
    expect(two.stdout).toContain('(after the pull secret)');
  });
});
