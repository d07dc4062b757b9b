// The identity chain from the runner, and the registry for real: `node dist/index.js` against the
// local control plane (real TokenRequest), the STS/IAM and Entra emulators, google-auth-library's
// IdentityPoolClient, and Debian's docker-registry 2.8 with token auth (__tests__/support/registry.ts).
// Each hop fails on its own real error → that hop is named, with the catalogue's hint, and
// nothing but the refresher's ServiceAccount is applied; the whole chain passing gives the digest.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  AppsV1Api,
  BatchV1Api,
  CoreV1Api,
  KubeConfig,
  RbacAuthorizationV1Api,
} from '@kubernetes/client-node';
import { visible, type ActionRun } from '../support/action.js';
import { kubeConfig, newNamespace } from '../support/cluster.js';
import { startEntraTokenEmulator, type EntraTokenEmulator } from '../support/emulators/entra-token.js';
import { IDS, startWorld, type World } from '../support/world.js';

const kc = kubeConfig();
const core = kc.makeApiClient(CoreV1Api);
const apps = kc.makeApiClient(AppsV1Api);
const batch = kc.makeApiClient(BatchV1Api);
const rbac = kc.makeApiClient(RbacAuthorizationV1Api);

interface Hop {
  id: string;
  status: string;
  detail: string;
  httpStatus?: number;
  hint?: string;
}
interface Report {
  result: string;
  failure: { title: string; message: string; evidence: string[]; hint: string | null } | null;
  preflight: { hops: Hop[]; requests: number; durationMs: number } | null;
  imageDigest: string | null;
  checks: { id: string; status: string; evidence: string; hint?: string }[];
  applied: { kind: string; name: string; action: string }[];
}
const reportOf = (run: ActionRun): Report => JSON.parse(run.outputs.report) as Report;
const hopStatuses = (run: ActionRun) =>
  Object.fromEntries((reportOf(run).preflight?.hops ?? []).map((h) => [h.id, h.status]));

async function exists(read: () => Promise<unknown>): Promise<boolean> {
  return read().then(
    () => true,
    () => false,
  );
}

/** Nothing but the Namespace and the refresher's ServiceAccount was applied. */
async function expectNothingApplied(namespace: string): Promise<void> {
  expect(await exists(() => apps.readNamespacedDeployment({ name: 'bifrost', namespace }))).toBe(false);
  expect(await exists(() => batch.readNamespacedCronJob({ name: 'refresh-ar-secret', namespace }))).toBe(
    false,
  );
  expect(await exists(() => core.readNamespacedConfigMap({ name: 'gcp-credential-config', namespace }))).toBe(
    false,
  );
  expect(await exists(() => core.readNamespacedSecret({ name: 'bifrost-config', namespace }))).toBe(false);
}

/** The failure names the hop, carries the service's words and the catalogue's hint. */
function expectHopFailure(run: ActionRun, hop: string, words: RegExp, hintWords: RegExp): void {
  expect(run.exitCode).toBe(1);
  const report = reportOf(run);
  expect(report.failure?.title).toBe(`Preflight failed at ${hop}`);
  expect(report.failure?.message).toMatch(words);
  expect(report.failure?.hint ?? '').toMatch(hintWords);
  const failed = report.preflight?.hops.find((h) => h.status === 'fail');
  expect(failed?.id).toBe(hop);
  expect(
    report.applied.map((a) => a.kind).filter((k) => k !== 'Namespace' && k !== 'ServiceAccount'),
  ).toEqual([]);
}

describe('preflight: each hop fails on its own real error, nothing else is applied', () => {
  let world: World;

  beforeAll(async () => {
    world = await startWorld(await newNamespace('preflight-fail'), { registry: true });
  });
  afterAll(() => world.close());

  it('STS invalid_target (the provider does not exist)', async () => {
    const run = await world.run({ 'workload-identity-provider': 'deleted-provider' });
    expectHopFailure(
      run,
      'sts',
      /HTTP 400.*invalid_target/,
      /Workload identity pool or provider|invalid_target/,
    );
    expect(hopStatuses(run)).toEqual({
      'token-request': 'pass',
      entra: 'skipped',
      sts: 'fail',
      iam: 'skipped',
      registry: 'skipped',
    });
    await expectNothingApplied(world.namespace);
  });

  it('IAM 403 getAccessToken denied (another service account)', async () => {
    const run = await world.run({ 'gcp-service-account': 'someone-else@acme-hub.iam.gserviceaccount.com' });
    expectHopFailure(
      run,
      'iam',
      /HTTP 403.*iam\.serviceAccounts\.getAccessToken/,
      /roles\/iam\.workloadIdentityUser/,
    );
    await expectNothingApplied(world.namespace);
  });

  it('registry 404 manifest unknown (a tag that does not exist)', async () => {
    const run = await world.run({ 'image-tag': 'v9.9.9' });
    expectHopFailure(run, 'registry', /404 Not Found: manifest unknown/, /image-tag/);
    expect(reportOf(run).preflight?.hops.find((h) => h.id === 'registry')?.httpStatus).toBe(404);
    await expectNothingApplied(world.namespace);
  });

  it('registry 403 downloadArtifacts denied (the service account lost the reader role)', async () => {
    world.gcp.setRegistryReaders([]);
    try {
      const run = await world.run();
      expectHopFailure(
        run,
        'registry',
        /403 Forbidden: denied: Permission "artifactregistry\.repositories\.downloadArtifacts" denied/,
        /roles\/artifactregistry\.reader/,
      );
    } finally {
      world.gcp.setRegistryReaders([IDS.gcpServiceAccount]);
    }
    await expectNothingApplied(world.namespace);
  });

  it('TokenRequest 403 (the deploying identity may not mint ServiceAccount tokens)', async () => {
    const namespace = world.namespace;
    const run = await world.run({ kubeconfig: await restrictedKubeconfig(namespace) });
    expectHopFailure(
      run,
      'token-request',
      /HTTP 403 Forbidden: .*cannot create resource "serviceaccounts\/token"/,
      /forbidden|RBAC/i,
    );
    await expectNothingApplied(namespace);
  });

  it('never shows a token', () => {
    // Checked over every run of this world at the end.
    expect(world.gcp.issuedAccessTokens.length).toBeGreaterThan(0);
  });
});

describe('preflight: Entra ID hop fails with AADSTS700213', () => {
  let world: World;
  let entra: EntraTokenEmulator;

  beforeAll(async () => {
    world = await startWorld(await newNamespace('preflight-entra'), { registry: true });
    entra = await startEntraTokenEmulator({
      tenantId: IDS.tenant,
      clientId: IDS.client,
      federatedCredential: {
        issuer: process.env.BIFROST_CLUSTER_ISSUER ?? '',
        subject: 'system:serviceaccount:another-namespace:bifrost-sa',
        audience: 'api://AzureADTokenExchange',
      },
    });
  });
  afterAll(async () => {
    await entra?.close();
    await world.close();
  });

  it('names the entra hop with the AADSTS700213 hint', async () => {
    const run = await world.run({
      federation: 'entra',
      'entra-resource': 'api://bifrost-hub-gcp',
      'entra-authority-host': entra.url,
    });
    expectHopFailure(run, 'entra', /HTTP 400: invalid_client: AADSTS700213/, /subject/);
    expect(hopStatuses(run)).toMatchObject({ 'token-request': 'pass', entra: 'fail', sts: 'skipped' });
    await expectNothingApplied(world.namespace);
  });
});

describe('preflight: the whole chain passes', () => {
  let world: World;
  let first: ActionRun;
  let pinned: ActionRun;

  beforeAll(async () => {
    world = await startWorld(await newNamespace('preflight-ok'), { registry: true, pulls: true });
    first = await world.run();
    pinned = await world.run({ 'pin-digest': 'true' });
  });
  afterAll(() => world.close());

  it('passes every hop and outputs the digest the registry holds', () => {
    expect(first.stderr).toBe('');
    expect(first.exitCode).toBe(0);
    expect(hopStatuses(first)).toEqual({
      'token-request': 'pass',
      entra: 'skipped',
      sts: 'pass',
      iam: 'pass',
      registry: 'pass',
    });
    expect(first.outputs['image-digest']).toBe(world.registry?.digest);
    expect(reportOf(first).imageDigest).toBe(world.registry?.digest);
    // TokenRequest, STS, IAM, /v2/, token, HEAD
    expect(reportOf(first).preflight?.requests).toBe(6);
    const checks = reportOf(first).checks.filter((c) => c.id.startsWith('preflight-'));
    expect(checks.map((c) => [c.id, c.status])).toEqual([
      ['preflight-token-request', 'pass'],
      ['preflight-entra', 'skipped'],
      ['preflight-sts', 'pass'],
      ['preflight-iam', 'pass'],
      ['preflight-registry', 'pass'],
    ]);
  });

  it('pin-digest rolls the Deployment to image@sha256:…, and the summary shows tag → digest', async () => {
    expect(pinned.exitCode).toBe(0);
    const image = `${world.registry?.server.host}/${world.registry?.repository}@${world.registry?.digest}`;
    expect(pinned.outputs.image).toBe(image);
    const deployment = await apps.readNamespacedDeployment({ name: 'bifrost', namespace: world.namespace });
    expect(deployment.spec?.template.spec?.containers[0].image).toBe(image);
    expect(deployment.status?.availableReplicas).toBe(1);
    expect(pinned.summary).toContain(
      `${world.registry?.repository}:v1.4.2</code> → <code>${world.registry?.digest}`,
    );
  });

  it("pods pull from the test registry with the refresher's Secret, by tag and then by digest", () => {
    const decisions = world.pulls?.decisions ?? [];
    const host = world.registry?.server.host;
    expect(decisions.filter((d) => d.image === `${host}/${world.registry?.repository}:v1.4.2`)).not.toEqual(
      [],
    );
    expect(decisions.filter((d) => d.image.endsWith(`@${world.registry?.digest}`))).not.toEqual([]);
    expect(decisions.every((d) => d.result === 'pulled')).toBe(true);
    // The registry saw the refresher's credentials at its token endpoint.
    expect(
      world.registry?.server.tokenRequests.some((r) => r.user === 'oauth2accesstoken' && r.status === 200),
    ).toBe(true);
  });

  it('verify runs the hops as preflight-* checks, and the pull secret opens the registry', async () => {
    const run = await world.run({ mode: 'verify' });
    expect(run.exitCode).toBe(0);
    const checks = reportOf(run).checks;
    expect(checks.filter((c) => c.id.startsWith('preflight-')).map((c) => c.status)).toEqual([
      'pass',
      'skipped',
      'pass',
      'pass',
      'pass',
    ]);
    const pull = checks.find((c) => c.id === 'pull-secret-opens-registry');
    expect(pull?.status).toBe('pass');
    expect(pull?.evidence).toContain(`(user oauth2accesstoken): 200, ${world.registry?.digest}`);
  });

  it('never shows a token the chain issued', () => {
    const shown = [first, pinned].map(visible).join('\n');
    for (const token of world.gcp.issuedAccessTokens) expect(shown).not.toContain(token);
  });

  it('an expired Secret: pull-secret-opens-registry fails with the registry’s 401 while it still looks fresh', async () => {
    world.gcp.expireAccessTokens(); // the token in ar-pull-secret no longer works
    const run = await world.run({ mode: 'verify' });
    expect(run.exitCode).toBe(1);
    const checks = reportOf(run).checks;
    const pull = checks.find((c) => c.id === 'pull-secret-opens-registry');
    expect(pull?.status).toBe('fail');
    expect(pull?.evidence).toMatch(/answered 401 Unauthorized: unauthorized: failed authentication/);
    expect(pull?.hint).toMatch(/oauth2accesstoken/);
    // The annotation still says fresh, and a newly minted chain still works.
    expect(checks.find((c) => c.id === 'pull-secret')?.status).toBe('pass');
    expect(checks.find((c) => c.id === 'preflight-registry')?.status).toBe('pass');
    expect(visible(run)).not.toContain(world.gcp.issuedAccessTokens[0]);

    // …and then the pods do: a new gateway pod gets the registry's 401 as ErrImagePull.
    const namespace = world.namespace;
    await core.deleteCollectionNamespacedPod({ namespace, labelSelector: 'app=bifrost' });
    let message = '';
    for (let i = 0; i < 120 && !/401 Unauthorized/.test(message); i++) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      const pods = await core.listNamespacedPod({ namespace, labelSelector: 'app=bifrost' });
      message = pods.items
        .flatMap((p) => p.status?.containerStatuses ?? [])
        .map((c) => `${c.state?.waiting?.reason ?? ''}: ${c.state?.waiting?.message ?? ''}`)
        .join('\n');
    }
    expect(message).toMatch(
      /(ErrImagePull|ImagePullBackOff): .*failed to fetch oauth token: unexpected status from GET request to https:\/\/127\.0\.0\.1:\d+\/v2\/token\?\S+: 401 Unauthorized/,
    );
  });
});

/** A kubeconfig for a ServiceAccount that may read ServiceAccounts in `namespace` but not mint
 * their tokens (TokenRequest needs `create` on serviceaccounts/token). */
async function restrictedKubeconfig(namespace: string): Promise<string> {
  const name = 'deployer-without-tokens';
  await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name } } });
  await core
    .createNamespacedServiceAccount({ namespace, body: { metadata: { name: 'bifrost-sa' } } })
    .catch(() => undefined);
  await rbac.createNamespacedRole({
    namespace,
    body: {
      metadata: { name },
      rules: [{ apiGroups: [''], resources: ['serviceaccounts'], verbs: ['get'] }],
    },
  });
  await rbac.createNamespacedRoleBinding({
    namespace,
    body: {
      metadata: { name },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
      subjects: [{ kind: 'ServiceAccount', name, namespace }],
    },
  });
  const token = await core.createNamespacedServiceAccountToken({
    name,
    namespace,
    body: { spec: { audiences: [], expirationSeconds: 600 } },
  });
  const cluster = kc.getCurrentCluster();
  const restricted = new KubeConfig();
  restricted.loadFromOptions({
    clusters: [{ ...cluster, name: 'local' }],
    users: [{ name, token: token.status?.token }],
    contexts: [{ name: 'local', cluster: 'local', user: name, namespace }],
    currentContext: 'local',
  });
  return restricted.exportConfig();
}
