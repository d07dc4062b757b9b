// The cluster RBAC of docs/SETUP.md, as shipped (docs/rbac/deploy.yaml, docs/rbac/verify.yaml):
// deploy and verify run as ServiceAccounts that hold only those roles (a kubeconfig with the
// ServiceAccount's TokenRequest token, `node dist/index.js` as GitHub runs it), and pass. The
// deployer cannot list Secrets (in its namespace or cluster-wide) nor create namespaces, and an
// identity with only the built-in `view` role fails verify (no Secrets, no services/proxy) with
// the hint that points at docs/rbac/verify.yaml.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import {
  CoreV1Api,
  KubeConfig,
  KubernetesObjectApi,
  RbacAuthorizationV1Api,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { repoRoot } from '../support/action.js';
import { kubeConfig, newNamespace } from '../support/cluster.js';
import { startWorld, type World } from '../support/world.js';

const admin = kubeConfig();
const core = admin.makeApiClient(CoreV1Api);
const rbac = admin.makeApiClient(RbacAuthorizationV1Api);
const objects = KubernetesObjectApi.makeApiClient(admin);
const tmp = mkdtempSync(path.join(os.tmpdir(), 'bifrost-rbac-'));
const clusterScoped: KubernetesObject[] = [];

interface Subject {
  kind: string;
  name: string;
  namespace?: string;
  apiGroup?: string;
}

/** docs/rbac/<file> for `namespace`, bound to `subject`, as a cluster admin would apply it
 * (cluster-scoped names get the namespace as suffix so test files never share them). */
async function applyShipped(file: string, namespace: string, subject: Subject): Promise<void> {
  const text = readFileSync(path.join(repoRoot, 'docs/rbac', file), 'utf8');
  for (const document of parseAllDocuments(text)) {
    const object = document.toJS() as KubernetesObject & {
      rules?: { resourceNames?: string[] }[];
      roleRef?: { kind: string; name: string };
      subjects?: Subject[];
    };
    if (object.kind === 'Namespace') continue; // newNamespace made it, as the admin would
    const cluster = object.kind === 'ClusterRole' || object.kind === 'ClusterRoleBinding';
    object.metadata = {
      ...object.metadata,
      name: cluster ? `${object.metadata?.name}-${namespace}` : object.metadata?.name,
      ...(cluster ? {} : { namespace }),
    };
    for (const rule of object.rules ?? [])
      if (rule.resourceNames) rule.resourceNames = rule.resourceNames.map(() => namespace);
    if (object.roleRef?.kind === 'ClusterRole') object.roleRef.name = `${object.roleRef.name}-${namespace}`;
    if (object.subjects) object.subjects = [subject];
    await objects.create(object);
    if (cluster) clusterScoped.push(object);
  }
}

/** A kubeconfig file that authenticates as the ServiceAccount (TokenRequest, 1 hour). */
async function kubeconfigFor(namespace: string, serviceAccount: string): Promise<string> {
  await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: serviceAccount } } });
  const { status } = await core.createNamespacedServiceAccountToken({
    name: serviceAccount,
    namespace,
    body: { spec: { audiences: [], expirationSeconds: 3600 } },
  });
  const cluster = admin.getCurrentCluster();
  if (!cluster || !status?.token) throw new Error('no cluster or no token');
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [cluster],
    users: [{ name: serviceAccount, token: status.token }],
    contexts: [{ name: serviceAccount, cluster: cluster.name, user: serviceAccount }],
    currentContext: serviceAccount,
  });
  const file = path.join(tmp, `${namespace}-${serviceAccount}.kubeconfig`);
  writeFileSync(file, kc.exportConfig(), { mode: 0o600 });
  return file;
}

const sa = (namespace: string, name: string): Subject => ({ kind: 'ServiceAccount', name, namespace });

let namespace: string;
let world: World;
let deployer: string;

beforeAll(async () => {
  namespace = await newNamespace('rbac');
  world = await startWorld(namespace);
  await applyShipped('deploy.yaml', namespace, sa(namespace, 'deployer'));
  await applyShipped('verify.yaml', namespace, sa(namespace, 'verifier'));
  deployer = await kubeconfigFor(namespace, 'deployer');
  // Both manifests bind within the namespace only: nothing cluster-wide to grant or review.
  expect(clusterScoped).toEqual([]);
}, 60_000);

afterAll(async () => {
  await world?.close();
  for (const object of clusterScoped) await objects.delete(object).catch(() => undefined);
  rmSync(tmp, { recursive: true, force: true });
});

describe('docs/rbac', () => {
  test('deploy passes as a ServiceAccount holding only docs/rbac/deploy.yaml', async () => {
    const run = await world.run({}, { env: { KUBECONFIG: deployer } });
    const report = JSON.parse(run.outputs.report ?? '{}') as { result: string; failure: unknown };
    expect({ exitCode: run.exitCode, result: report.result, failure: report.failure }).toEqual({
      exitCode: 0,
      result: 'pass',
      failure: null,
    });
  }, 180_000);

  test('the deployer cannot list Secrets, in its namespace or cluster-wide, nor create namespaces', async () => {
    const kc = new KubeConfig();
    kc.loadFromFile(deployer);
    const asDeployer = kc.makeApiClient(CoreV1Api);
    const status = (promise: Promise<unknown>) =>
      promise.then(
        () => 200,
        (error: { code?: number }) => error.code,
      );
    expect(await status(asDeployer.listSecretForAllNamespaces())).toBe(403);
    expect(await status(asDeployer.listNamespacedSecret({ namespace }))).toBe(403);
    expect(await status(asDeployer.readNamespacedSecret({ name: 'ar-pull-secret', namespace }))).toBe(200);
    expect(await status(asDeployer.createNamespace({ body: { metadata: { name: `${namespace}-x` } } }))).toBe(
      403,
    );
  });

  test('verify passes as a ServiceAccount holding only docs/rbac/verify.yaml', async () => {
    const run = await world.run(
      { mode: 'verify' },
      { env: { KUBECONFIG: await kubeconfigFor(namespace, 'verifier') } },
    );
    const report = JSON.parse(run.outputs.report ?? '{}') as {
      result: string;
      checks: { id: string; status: string }[];
    };
    expect(report.checks.filter((c) => c.status !== 'pass' && c.status !== 'skipped')).toEqual([]);
    expect(run.exitCode).toBe(0);
  }, 120_000);

  test('the built-in view role fails verify, and the hint points at docs/rbac/verify.yaml', async () => {
    await rbac.createNamespacedRoleBinding({
      namespace,
      body: {
        metadata: { name: 'viewer-view' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
        subjects: [sa(namespace, 'viewer')],
      },
    });
    const run = await world.run(
      { mode: 'verify' },
      { env: { KUBECONFIG: await kubeconfigFor(namespace, 'viewer') } },
    );
    expect(run.exitCode).toBe(1);
    const report = JSON.parse(run.outputs.report) as {
      checks: { id: string; status: string; evidence: string; hint?: string }[];
    };
    const failed = report.checks.filter((c) => c.status === 'fail');
    // What `view` lacks: Secrets, and the service proxy for /health (its own Namespace it can read).
    expect(failed.map((c) => c.id)).toEqual(['pull-secret', 'gateway-health']);
    for (const check of failed.filter((c) => /forbidden/.test(c.evidence)))
      expect(check.hint).toContain('docs/rbac/verify.yaml');
  }, 120_000);
});
