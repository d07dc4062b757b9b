// `mode: deploy` end to end, as GitHub runs it (`node dist/index.js` with INPUT_*), against the
// local control plane. The refresher really runs (host executor: the real refresh.mjs under this
// machine's node, Google STS/IAM emulated), so the pull secret comes from the real chain.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  AppsV1Api,
  CoreV1Api,
  KubernetesObjectApi,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { kubeConfig, newNamespace } from '../support/cluster.js';
import { BIFROST_CONFIG, IDS, startWorld, type World } from '../support/world.js';
import { visible, type ActionRun } from '../support/action.js';

const core = kubeConfig().makeApiClient(CoreV1Api);
const apps = kubeConfig().makeApiClient(AppsV1Api);
const objects = KubernetesObjectApi.makeApiClient(kubeConfig());

interface Applied {
  kind: string;
  name: string;
  namespace?: string;
  action: string;
}

/** What our field manager last wrote to each object: the objects' generation (spec changes) and
 * the time of the action's managedFields entry, which server-side apply moves only when the
 * apply changed something. (resourceVersion would also move with the controllers' status.) */
async function ownState(applied: Applied[]): Promise<string[]> {
  return Promise.all(
    applied.map(async (a) => {
      const apiVersion =
        {
          Role: 'rbac.authorization.k8s.io/v1',
          RoleBinding: 'rbac.authorization.k8s.io/v1',
          CronJob: 'batch/v1',
          Deployment: 'apps/v1',
        }[a.kind] ?? 'v1';
      const live = await objects.read({
        apiVersion,
        kind: a.kind,
        metadata: { name: a.name, namespace: a.namespace },
      });
      const ours = live.metadata?.managedFields?.find(
        (f) => f.manager === 'bifrost-aks-deploy' && f.operation === 'Apply',
      );
      const withStatus = a.kind === 'CronJob' || a.kind === 'Deployment';
      const version = withStatus
        ? `generation=${live.metadata?.generation}`
        : `resourceVersion=${live.metadata?.resourceVersion}`;
      return `${a.kind}/${a.name} ${version} applied=${new Date(ours?.time ?? 0).toISOString()}`;
    }),
  );
}

describe('deploy into a fresh namespace', () => {
  let world: World;
  let first: ActionRun;

  beforeAll(async () => {
    world = await startWorld(await newNamespace('deploy'));
    first = await world.run();
  });
  afterAll(() => world.close());

  it('succeeds and reports every object created, the refresh Job and the secret expiry', () => {
    expect(first.stderr).toBe('');
    expect(first.exitCode).toBe(0);
    const applied = JSON.parse(first.outputs.applied) as Applied[];
    expect(applied.map((a) => `${a.kind}/${a.name}`)).toEqual([
      `Namespace/${world.namespace}`,
      'ServiceAccount/bifrost-sa',
      'ServiceAccount/bifrost-gateway',
      'ConfigMap/gcp-credential-config',
      'Role/secret-manager',
      'RoleBinding/secret-manager-binding',
      'Secret/bifrost-config',
      'CronJob/refresh-ar-secret',
      'Service/bifrost',
      'Deployment/bifrost', // after the initial refresh wrote the pull secret
    ]);
    // The namespace existed already (the test made it): SSA adds our labels to it.
    expect(applied.slice(1).every((a) => a.action === 'created')).toBe(true);
    expect(first.outputs.namespace).toBe(world.namespace);
    expect(first.outputs.image).toBe(
      `${IDS.region}-docker.pkg.dev/${IDS.gcpProject}/${IDS.hubSlug}/bifrost:v1.4.2`,
    );
    expect(first.outputs['job-name']).toMatch(/^initial-refresh-local-[a-z0-9]+$/);
    expect(Date.parse(first.outputs['pull-secret-expires-at'])).toBeGreaterThan(Date.now() + 50 * 60_000);
    expect(first.outputs['tenant-id']).toBe(IDS.tenant);
    expect(first.outputs['client-id']).toBe(IDS.client);
    const report = JSON.parse(first.outputs.report);
    expect(report.result).toBe('pass');
    expect(report.checks.filter((c: { status: string }) => c.status === 'fail')).toEqual([]);
  });

  it('really refreshed the pull secret through the refresher, with the token IAM issued', async () => {
    expect(world.executor.executed.map((e) => e.pod)).toHaveLength(1);
    const secret = await core.readNamespacedSecret({ name: 'ar-pull-secret', namespace: world.namespace });
    expect(secret.type).toBe('kubernetes.io/dockerconfigjson');
    const config = JSON.parse(Buffer.from(secret.data?.['.dockerconfigjson'] ?? '', 'base64').toString());
    const entry = config.auths[`${IDS.region}-docker.pkg.dev`];
    expect(entry.username).toBe('oauth2accesstoken');
    expect(entry.password).toBe(world.gcp.issuedAccessTokens.at(-1));
    expect(secret.metadata?.annotations?.['bifrost.maximhq.dev/expires-at']).toBe(
      first.outputs['pull-secret-expires-at'],
    );
  });

  it('rolled the gateway out under its own ServiceAccount with the config Secret', async () => {
    const deployment = await apps.readNamespacedDeployment({ name: 'bifrost', namespace: world.namespace });
    expect(deployment.status?.availableReplicas).toBe(1);
    expect(deployment.spec?.template.spec?.serviceAccountName).toBe('bifrost-gateway');
    expect(deployment.spec?.template.spec?.imagePullSecrets).toEqual([{ name: 'ar-pull-secret' }]);
    const config = await core.readNamespacedSecret({ name: 'bifrost-config', namespace: world.namespace });
    expect(Buffer.from(config.data?.['config.json'] ?? '', 'base64').toString()).toBe(BIFROST_CONFIG);
  });

  it('shows the user a summary with phases, objects and checks, and never a secret', () => {
    expect(first.summary).toContain('Bifrost on AKS — deploy: succeeded');
    for (const heading of ['Phases', 'Applied objects', 'Checks'])
      expect(first.summary).toContain(`<h3>${heading}</h3>`);
    expect(first.stdout).toContain('::group::Initial refresh of the pull secret');
    const shown = visible(first);
    expect(shown).not.toContain(BIFROST_CONFIG);
    for (const token of world.gcp.issuedAccessTokens) expect(shown).not.toContain(token);
  });

  it('changes nothing when run again with the same inputs', async () => {
    const applied = JSON.parse(first.outputs.applied) as Applied[];
    const before = await ownState(applied);
    const second = await world.run();
    expect(second.exitCode).toBe(0);
    const again = JSON.parse(second.outputs.applied) as Applied[];
    expect(again.map((a) => a.action)).toEqual(applied.map(() => 'unchanged'));
    expect(await ownState(applied)).toEqual(before);
    // The pull secret is fresh and was written by this refresher spec: no refresh Job this time.
    expect(world.executor.executed).toHaveLength(1);
    expect(second.outputs['job-name'] ?? '').toBe('');
    expect(second.summary).toContain('skipped (fresh, written by this refresher spec)');
    expect(second.outputs['pull-secret-expires-at']).toBe(first.outputs['pull-secret-expires-at']);
  });

  it('force-refresh: true runs the refresh Job anyway and writes a new token', async () => {
    const forced = await world.run({ 'force-refresh': 'true' });
    expect(forced.exitCode).toBe(0);
    expect(world.executor.executed).toHaveLength(2);
    expect(forced.outputs['job-name']).toMatch(/^initial-refresh-local-/);
    const secret = await core.readNamespacedSecret({ name: 'ar-pull-secret', namespace: world.namespace });
    const config = JSON.parse(Buffer.from(secret.data?.['.dockerconfigjson'] ?? '', 'base64').toString());
    expect(config.auths[`${IDS.region}-docker.pkg.dev`].password).toBe(world.gcp.issuedAccessTokens.at(-1));
  });

  it('runs the refresh again when the refresher spec changes (another registry host)', async () => {
    const changed = await world.run({ 'registry-host': '127.0.0.1:5000' });
    expect(changed.exitCode).toBe(0);
    expect(world.executor.executed).toHaveLength(3);
    expect(changed.stdout).toContain('the pull secret was written by another refresher spec');
  });
});

describe('deploy failures end the run with evidence and a hint', () => {
  let world: World;

  beforeAll(async () => {
    world = await startWorld(await newNamespace('deploy-fail'));
  });
  afterAll(() => world.close());

  it('without a config and no existing config Secret, fails before applying anything (seed D7)', async () => {
    const run = await world.run({ config: '' });
    expect(run.exitCode).toBe(1);
    const failure = run.annotations.find((a) => a.title === 'Bifrost config missing');
    expect(failure?.message).toContain(`Secret ${world.namespace}/bifrost-config does not exist`);
    expect(failure?.message).toContain('Fix: Set the `config` input');
    expect(JSON.parse(run.outputs.applied)).toEqual([]);
    await expect(
      apps.readNamespacedDeployment({ name: 'bifrost', namespace: world.namespace }),
    ).rejects.toMatchObject({ code: 404 });
  });

  it('a refresher refused by IAM fails the initial refresh with its log and the IAM hint', async () => {
    const run = await world.run({ 'gcp-service-account': 'not-allowed@acme-hub.iam.gserviceaccount.com' });
    expect(run.exitCode).toBe(1);
    const failure = run.annotations.find((a) => a.title === 'Initial refresh failed');
    expect(failure?.level).toBe('error');
    expect(failure?.message).toContain('exited with code 1');
    // The evidence is the refresher's own log, read back through the API (pods/log).
    expect(failure?.message).toContain('step: get access token');
    expect(failure?.message).toMatch(/getAccessToken/);
    expect(failure?.message).toMatch(
      /Fix: .*roles\/iam\.workloadIdentityUser|Fix: .*Service Account Token Creator|Fix: .*Bifrost team/,
    );
    expect(JSON.parse(run.outputs.report).failure.title).toBe('Initial refresh failed');
    expect(run.summary).toContain('Initial refresh failed');
    // One attempt ended the wait; the Job's own retries were not waited for.
    expect(world.executor.executed).toHaveLength(1);
  });

  it('a rollout stuck on ImagePullBackOff stops early with the registry evidence and the pull hint', async () => {
    const ok = await world.run();
    expect(ok.exitCode).toBe(0);
    // Make the gateway's image pull fail the way Artifact Registry refuses it (the test's own field
    // manager adds the pod annotation the local cluster acts on; the action's fields stay its own).
    const denied =
      'denied: Permission "artifactregistry.repositories.downloadArtifacts" denied on resource "projects/acme-hub/locations/us-central1/repositories/acme"';
    await apps.patchNamespacedDeployment(
      {
        name: 'bifrost',
        namespace: world.namespace,
        body: {
          spec: { template: { metadata: { annotations: { 'bifrost-aks.test/image-pull-error': denied } } } },
        },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    const run = await world.run();
    expect(run.exitCode).toBe(1);
    const failure = run.annotations.find((a) => a.title === 'Rollout failed');
    expect(failure?.message).toMatch(/is stuck: (ImagePullBackOff|ErrImagePull)/);
    expect(failure?.message).toContain('artifactregistry.repositories.downloadArtifacts');
    expect(failure?.message).toMatch(/Fix: .*(reader|Reader)/);
    expect(JSON.parse(run.outputs.applied).every((a: Applied) => a.action === 'unchanged')).toBe(true);
  });
});

describe('fields changed by someone else', () => {
  let world: World;

  beforeAll(async () => {
    world = await startWorld(await newNamespace('deploy-conflict'));
  });
  afterAll(() => world.close());

  it('a field another manager changed fails with a conflict naming the field and manager, until force-conflicts', async () => {
    const ok = await world.run();
    expect(ok.exitCode).toBe(0);
    await apps.patchNamespacedDeployment(
      {
        name: 'bifrost',
        namespace: world.namespace,
        fieldManager: 'kubectl-edit',
        body: { spec: { replicas: 3 } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    const refused = await world.run();
    expect(refused.exitCode).toBe(1);
    const conflict = refused.annotations.find((a) => a.title === 'Field conflict');
    expect(conflict?.message).toContain('.spec.replicas');
    expect(conflict?.message).toContain('"kubectl-edit"');
    expect(conflict?.message).toContain('force-conflicts: true');

    const forced = await world.run({ 'force-conflicts': 'true' });
    expect(forced.exitCode).toBe(0);
    const deployment = JSON.parse(forced.outputs.applied).find((a: Applied) => a.kind === 'Deployment');
    expect(deployment.action).toBe('configured');
    expect(
      (await apps.readNamespacedDeployment({ name: 'bifrost', namespace: world.namespace })).spec?.replicas,
    ).toBe(1);
  });
});
