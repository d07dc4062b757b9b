// Issue 5 end to end, as GitHub runs the action (`node dist/index.js` with INPUT_*): the action
// signs in to (emulated) Entra ID, asks (emulated) Resource Manager for the cluster's kubeconfig
// and deploys to the local control plane with it, checks the Azure side, manages the
// federated credential, and explains a refused sign-in.
//
// How the action signs in: `azure-credential: environment` with AZURE_TENANT_ID, AZURE_CLIENT_ID
// and AZURE_FEDERATED_TOKEN_FILE, as on a self-hosted runner pod with AKS workload identity.
// The token file holds a real ServiceAccount token of the local cluster (TokenRequest, audience
// api://AzureADTokenExchange); the Entra emulator trusts that issuer and subject for the
// deploying app. The emulators speak HTTPS with a throwaway CA the child trusts through
// NODE_EXTRA_CA_CERTS. The refresher pods run for real (host executor), as in deploy.test.ts.
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AppsV1Api, CoreV1Api } from '@kubernetes/client-node';
import { parse, stringify } from 'yaml';
import { runAction, visible, type ActionRun } from '../support/action.js';
import { clusterIssuer, kubeConfig, newNamespace } from '../support/cluster.js';
import {
  armFixture,
  type EmulatedFederatedCredential,
  type EmulatedIdentity,
} from '../support/emulators/arm.js';
import {
  LOGIN_CLIENT_ID,
  SUBSCRIPTION_ID,
  startAzureWorld,
  type AzureWorld,
} from '../support/emulators/azure-world.js';
import { startEntraTokenEmulator, type EntraTokenEmulator } from '../support/emulators/entra-token.js';
import { startGcpEmulator, type GcpEmulator } from '../support/emulators/gcp.js';
import { createTestCa, type TestCa } from '../support/emulators/test-ca.js';
import { freePort, startTestRegistry, type TestRegistry } from '../support/registry.js';
import { IDENTITY_INPUTS } from '../support/fixtures.js';
import { HOST_EXECUTOR_IMAGE, startHostExecutor, type HostExecutor } from '../support/host-executor.js';
import { BIFROST_CONFIG, IDS, PROVIDER_AUDIENCE, startWorld, type World } from '../support/world.js';

const AKS_SERVER_APP_ID = '6dae42f8-4368-4678-94ff-3960e28e3630';
const AKS_SCOPE = `${AKS_SERVER_APP_ID}/.default`;
const TOKEN_EXCHANGE_AUDIENCE = 'api://AzureADTokenExchange';
const RESOURCE_GROUP = 'rg-bifrost';
const IDENTITY = 'bifrost-pull-identity';
/** The deploying runner's ServiceAccount: its token is the client assertion Entra checks. */
const RUNNER_SA = 'github-runner';

const core = kubeConfig().makeApiClient(CoreV1Api);
const apps = kubeConfig().makeApiClient(AppsV1Api);
const issuer = clusterIssuer();
const subjectIn = (namespace: string) => `system:serviceaccount:${namespace}:bifrost-sa`;

let ca: TestCa;
/** Holds the runners' token files and their empty HOME: outside the runner temp dir. */
let scratch: string;
/** The namespace of the (simulated) self-hosted runner pods. */
let runnerNamespace: string;
/** A token the deploying app's federated credential trusts, and one it does not. */
let trustedRunner: RunnerToken;
let untrustedRunner: RunnerToken;

interface RunnerToken {
  file: string;
  token: string;
  subject: string;
}

beforeAll(async () => {
  ca = createTestCa();
  scratch = mkdtempSync(path.join(os.tmpdir(), 'bifrost-azure-e2e-'));
  runnerNamespace = await newNamespace('azure-runner');
  trustedRunner = await runnerToken(RUNNER_SA);
  untrustedRunner = await runnerToken('someone-else');
});
afterAll(() => {
  ca.cleanup();
  rmSync(scratch, { recursive: true, force: true });
});

/** A real ServiceAccount token for Entra (what AKS workload identity projects into a pod). */
async function runnerToken(serviceAccount: string): Promise<RunnerToken> {
  await core.createNamespacedServiceAccount({
    namespace: runnerNamespace,
    body: { metadata: { name: serviceAccount } },
  });
  const request = await core.createNamespacedServiceAccountToken({
    name: serviceAccount,
    namespace: runnerNamespace,
    body: { spec: { audiences: [TOKEN_EXCHANGE_AUDIENCE], expirationSeconds: 3600 } },
  });
  const token = request.status?.token ?? '';
  const file = path.join(scratch, `${serviceAccount}.token`);
  writeFileSync(file, token, { mode: 0o600 });
  return { file, token, subject: `system:serviceaccount:${runnerNamespace}:${serviceAccount}` };
}

/** The child's environment: sign in from the token file, trust the emulators' CA, no KUBECONFIG
 * and an empty HOME (so no ~/.kube/config either). */
function azureEnv(runner: RunnerToken, home: string): Record<string, string | undefined> {
  return {
    KUBECONFIG: undefined,
    HOME: home,
    NODE_EXTRA_CA_CERTS: ca.caFile,
    AZURE_TENANT_ID: IDS.tenant,
    AZURE_CLIENT_ID: LOGIN_CLIENT_ID,
    AZURE_FEDERATED_TOKEN_FILE: runner.file,
  };
}

function emptyHome(): string {
  return mkdtempSync(path.join(scratch, 'home-'));
}

/** Inputs that point the action at the emulators and name the cluster (no kubeconfig). */
function azureInputs(azure: AzureWorld, clusterName: string): Record<string, string> {
  return {
    'subscription-id': SUBSCRIPTION_ID,
    'resource-group': RESOURCE_GROUP,
    'cluster-name': clusterName,
    'azure-credential': 'environment',
    'authority-host': azure.entra.url,
    'resource-manager-url': azure.arm.url,
  };
}

/** The deploying app trusts the runner ServiceAccount's tokens, like a federated credential on
 * an app registration for a self-hosted runner on AKS. */
function loginTrust() {
  return [{ issuer, subject: trustedRunner.subject, audiences: [TOKEN_EXCHANGE_AUDIENCE] }];
}

// ── The local cluster dressed as an AKS cluster ────────────────────────────────────────────

interface LocalCluster {
  server: string;
  caData: string;
  clientCertData: string;
  clientKeyData: string;
}

/** Server, CA and admin client certificate of the local cluster, from $KUBECONFIG. */
function localCluster(): LocalCluster {
  const config = parse(readFileSync(process.env.KUBECONFIG ?? '', 'utf8'));
  const { server, 'certificate-authority-data': caData } = config.clusters[0].cluster;
  const { 'client-certificate-data': clientCertData, 'client-key-data': clientKeyData } =
    config.users[0].user;
  return { server, caData, clientCertData, clientKeyData };
}

/** A kubeconfig shaped like the one listClusterUserCredential returns (az aks get-credentials). */
function aksKubeconfig(clusterName: string, user: Record<string, unknown>): string {
  const local = localCluster();
  const userName = `clusterUser_${RESOURCE_GROUP}_${clusterName}`;
  return stringify({
    apiVersion: 'v1',
    clusters: [
      { cluster: { 'certificate-authority-data': local.caData, server: local.server }, name: clusterName },
    ],
    contexts: [{ context: { cluster: clusterName, user: userName }, name: clusterName }],
    'current-context': clusterName,
    kind: 'Config',
    preferences: {},
    users: [{ name: userName, user }],
  });
}

/** A local-accounts cluster's user: a client certificate (here the local admin's). */
function localAccountUser(): Record<string, unknown> {
  const local = localCluster();
  return { 'client-certificate-data': local.clientCertData, 'client-key-data': local.clientKeyData };
}

/** An Entra-enabled cluster's user: kubelogin, as AKS hands it out (exec format). */
function kubeloginUser(): Record<string, unknown> {
  return {
    exec: {
      apiVersion: 'client.authentication.k8s.io/v1beta1',
      args: [
        'get-token',
        '--environment',
        'AzurePublicCloud',
        '--server-id',
        AKS_SERVER_APP_ID,
        '--client-id',
        '80faf920-1908-4b52-b5ef-a8e7bedfc67a',
        '--tenant-id',
        IDS.tenant,
        '--login',
        'devicecode',
      ],
      command: 'kubelogin',
      env: null,
      installHint: '\nkubelogin is not installed which is required to connect to AAD enabled cluster.\n',
      interactiveMode: 'IfAvailable',
      provideClusterInfo: false,
    },
  };
}

/** The ManagedClusters GET body (the real recording), with the local cluster's issuer. */
function managedCluster(name: string, entra = false): Record<string, any> {
  const body = structuredClone(
    armFixture('managedclusters-get-200-workload-identity.azure-cli-recording.json'),
  );
  body.id = `/subscriptions/${SUBSCRIPTION_ID}/resourcegroups/${RESOURCE_GROUP}/providers/Microsoft.ContainerService/managedClusters/${name}`;
  body.name = name;
  body.properties.oidcIssuerProfile = { enabled: true, issuerURL: issuer };
  if (entra) {
    body.properties.aadProfile = { managed: true, enableAzureRBAC: true, tenantID: IDS.tenant };
    body.properties.disableLocalAccounts = true;
  }
  return body;
}

/** The UserAssignedIdentities GET body (the spec example) for the refresher's identity. */
function identity(name: string, federatedCredentials: EmulatedFederatedCredential[]): EmulatedIdentity {
  const body = structuredClone(armFixture('spec-2026-05-31.IdentityGet.json'));
  body.id = `/subscriptions/${SUBSCRIPTION_ID}/resourcegroups/${RESOURCE_GROUP}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${name}`;
  body.name = name;
  body.properties.clientId = IDS.client;
  body.properties.tenantId = IDS.tenant;
  return { resourceGroup: RESOURCE_GROUP, name, body, federatedCredentials };
}

function federatedCredential(name: string, subject: string): EmulatedFederatedCredential {
  return { name, properties: { issuer, subject, audiences: [TOKEN_EXCHANGE_AUDIENCE] } };
}

// ── What a user sees ───────────────────────────────────────────────────────────────────────

function checksOf(run: ActionRun): Array<{ id: string; status: string; evidence: string; hint?: string }> {
  return JSON.parse(run.outputs.report).checks;
}

const AZURE_CHECKS = ['aks-oidc-issuer', 'aks-workload-identity', 'managed-identity', 'federated-credential'];

function azureCheckStatuses(run: ActionRun): Record<string, string> {
  return Object.fromEntries(
    checksOf(run)
      .filter((c) => AZURE_CHECKS.includes(c.id))
      .map((c) => [c.id, c.status]),
  );
}

/** Every file under dir, relative paths. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)))
    .sort();
}

function failureAnnotation(run: ActionRun, title: string) {
  return run.annotations.find((a) => a.level === 'error' && a.title === title);
}

/** Wall times (ms) of `node dist/index.js` deploys, Resource Manager vs KUBECONFIG. */
const timings = { fresh: [0, 0], againArm: [] as number[], againKubeconfig: [] as number[] };

function timingTable(): string {
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  return [
    'deploy wall time, same jest run (Resource Manager | KUBECONFIG):',
    `  fresh namespace:     ${s(timings.fresh[0])} | ${s(timings.fresh[1])}`,
    `  unchanged, median:   ${s(median(timings.againArm))} | ${s(median(timings.againKubeconfig))}` +
      `   (runs: ${timings.againArm.map(s).join(', ')} | ${timings.againKubeconfig.map(s).join(', ')})`,
  ].join('\n');
}

// ── 1. Local-accounts cluster ──────────────────────────────────────────────────────────────

describe('a local-accounts cluster reached through Resource Manager', () => {
  const CLUSTER = 'aks-local';
  let azure: AzureWorld;
  let viaArm: World;
  let viaKubeconfig: World;
  let home: string;
  let first: ActionRun;
  let withKubeconfig: ActionRun;
  const reruns: ActionRun[] = [];

  beforeAll(async () => {
    viaArm = await startWorld(await newNamespace('azure-arm'));
    viaKubeconfig = await startWorld(await newNamespace('azure-kubeconfig'));
    azure = await startAzureWorld({
      ca,
      loginFederatedCredentials: loginTrust(),
      clusters: [
        {
          resourceGroup: RESOURCE_GROUP,
          name: CLUSTER,
          body: managedCluster(CLUSTER),
          userKubeconfig: aksKubeconfig(CLUSTER, localAccountUser()),
        },
      ],
      identities: [
        identity(IDENTITY, [
          federatedCredential('bifrost-federated-credential', subjectIn(viaArm.namespace)),
        ]),
      ],
    });
    home = emptyHome();
    const armDeploy = () => viaArm.run(azureInputs(azure, CLUSTER), { env: azureEnv(trustedRunner, home) });
    // The same deploy side by side: the cluster from Resource Manager, then from KUBECONFIG;
    // then unchanged re-deploys, alternating, for the timing figure.
    first = await armDeploy();
    withKubeconfig = await viaKubeconfig.run();
    timings.fresh = [first.durationMs, withKubeconfig.durationMs];
    for (let i = 0; i < 3; i++) {
      const [viaRm, viaFile] = [await armDeploy(), await viaKubeconfig.run()];
      reruns.push(viaRm, viaFile);
      timings.againArm.push(viaRm.durationMs);
      timings.againKubeconfig.push(viaFile.durationMs);
    }
  });
  afterAll(async () => {
    await Promise.all([viaArm?.close(), viaKubeconfig?.close(), azure?.close()]);
  });

  it('deploys with no kubeconfig input and no KUBECONFIG, and says where the cluster came from', async () => {
    expect(first.stderr).toBe('');
    expect(first.exitCode).toBe(0);
    expect(first.stdout).toMatch(
      new RegExp(
        `^Cluster: Resource Manager kubeconfig of ${RESOURCE_GROUP}/${CLUSTER}, cluster user \\(local account\\)$`,
        'm',
      ),
    );
    const deployment = await apps.readNamespacedDeployment({ name: 'bifrost', namespace: viaArm.namespace });
    expect(deployment.status?.availableReplicas).toBe(1);
    const pullSecret = await core.readNamespacedSecret({
      name: 'ar-pull-secret',
      namespace: viaArm.namespace,
    });
    const auths = JSON.parse(
      Buffer.from(pullSecret.data?.['.dockerconfigjson'] ?? '', 'base64').toString(),
    ).auths;
    expect(auths[`${IDS.region}-docker.pkg.dev`].password).toBe(viaArm.gcp.issuedAccessTokens.at(-1));
    expect(JSON.parse(first.outputs.report).result).toBe('pass');
    // The deploy also checked the Azure side, through the same Resource Manager.
    expect(azureCheckStatuses(first)).toEqual({
      'aks-oidc-issuer': 'pass',
      'aks-workload-identity': 'pass',
      'managed-identity': 'pass',
      'federated-credential': 'pass',
    });
  });

  it('asked Resource Manager for the user kubeconfig with the token Entra issued for the Resource Manager scope', () => {
    const armScope = `${azure.arm.url}/.default`;
    const listCredential = azure.arm.requests.filter((r) => /\/listClusterUserCredential$/.test(r.path));
    expect(listCredential[0]).toMatchObject({
      method: 'POST',
      path: `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/${RESOURCE_GROUP}/providers/Microsoft.ContainerService/managedClusters/${CLUSTER}/listClusterUserCredential`,
      apiVersion: '2024-09-01',
      status: 200,
      tokenLabel: armScope, // the emulator accepts only tokens its Entra issued for this scope
    });
    expect(azure.arm.requests.filter((r) => /listClusterAdminCredential/.test(r.path))).toEqual([]);
    // Entra saw the runner's ServiceAccount token as the client assertion, and issued for ARM.
    const signIns = azure.entra.requests.filter((r) => r.method === 'POST');
    expect(signIns[0]).toMatchObject({
      status: 200,
      form: { client_id: LOGIN_CLIENT_ID, grant_type: 'client_credentials', scope: armScope },
      assertionClaims: { iss: issuer, sub: trustedRunner.subject, aud: [TOKEN_EXCHANGE_AUDIENCE] },
    });
    expect(azure.entra.issued.some((t) => t.scope === armScope && t.clientId === LOGIN_CLIENT_ID)).toBe(true);
  });

  it('keeps the kubeconfig and the tokens out of the workspace, HOME and the log', () => {
    const local = localCluster();
    const keyPem = Buffer.from(local.clientKeyData, 'base64').toString();
    expect(filesUnder(first.runnerTemp)).toEqual(['output.txt', 'summary.md']);
    expect(filesUnder(home)).toEqual([]);
    for (const file of filesUnder(first.runnerTemp)) {
      const text = readFileSync(path.join(first.runnerTemp, file), 'utf8');
      expect(text).not.toContain(local.clientKeyData);
      expect(text).not.toContain(keyPem.split('\n')[1]);
      expect(text).not.toContain('client-key-data');
    }
    const shown = visible(first);
    expect(shown).not.toContain(local.clientKeyData);
    expect(shown).not.toContain(trustedRunner.token);
    for (const issued of azure.entra.issued) expect(shown).not.toContain(issued.token);
    expect(shown).not.toContain(BIFROST_CONFIG);
  });

  it('deploys the same objects as with a kubeconfig (timings in the log)', () => {
    expect(withKubeconfig.exitCode).toBe(0);
    expect(withKubeconfig.stdout).toMatch(/^Cluster: default kubeconfig, context bifrost-aks-local$/m);
    const kinds = (run: ActionRun) =>
      JSON.parse(run.outputs.applied).map((a: { kind: string; name: string }) => `${a.kind}/${a.name}`);
    expect(kinds(first).slice(1)).toEqual(kinds(withKubeconfig).slice(1)); // [0] is each run's Namespace
    // Wall time of `node dist/index.js`, the refresher's real run and the rollout included.
    expect(reruns.map((r) => r.exitCode)).toEqual(reruns.map(() => 0));
    console.log(timingTable());
  });
});

// ── 2. Entra-enabled cluster ───────────────────────────────────────────────────────────────

/** The kube-apiserver's static bearer token (scripts/cluster.sh `aks-entra`), which stands in
 * for an Entra token of the AKS server app: the emulated Entra issues it for that scope. */
function apiserverStaticToken(): string {
  const file = path.join(process.env.BIFROST_CLUSTER_STATE ?? '', 'pki/static-tokens.csv');
  let line: string;
  try {
    line = readFileSync(file, 'utf8').split('\n')[0];
  } catch {
    throw new Error(
      `${file} is missing: the local cluster predates its --token-auth-file; run scripts/cluster.sh down, then up`,
    );
  }
  return line.split(',')[0];
}

describe('an Entra-enabled cluster: kubelogin replaced by an Entra token for the AKS server app', () => {
  const CLUSTER = 'aks-entra';
  const clusters = [
    {
      resourceGroup: RESOURCE_GROUP,
      name: CLUSTER,
      body: managedCluster(CLUSTER, true),
      userKubeconfig: aksKubeconfig(CLUSTER, kubeloginUser()),
    },
  ];
  let world: World;
  let azure: AzureWorld;
  let run: ActionRun;
  let staticToken: string;

  beforeAll(async () => {
    staticToken = apiserverStaticToken();
    world = await startWorld(await newNamespace('azure-entra'));
    azure = await startAzureWorld({
      ca,
      loginFederatedCredentials: loginTrust(),
      clusters,
      identities: [
        identity(IDENTITY, [federatedCredential('bifrost-federated-credential', subjectIn(world.namespace))]),
      ],
      fixedTokens: { [AKS_SCOPE]: staticToken },
    });
    run = await world.run(azureInputs(azure, CLUSTER), { env: azureEnv(trustedRunner, emptyHome()) });
  });
  afterAll(async () => {
    await Promise.all([world?.close(), azure?.close()]);
  });

  it('deploys with the token Entra issued for the AKS server application scope', async () => {
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toMatch(
      new RegExp(
        `^Cluster: Resource Manager kubeconfig of ${RESOURCE_GROUP}/${CLUSTER}, Entra token for the AKS server application ${AKS_SERVER_APP_ID} \\(replaces kubelogin\\)$`,
        'm',
      ),
    );
    const scopes = azure.entra.requests.filter((r) => r.method === 'POST').map((r) => r.form?.scope);
    expect(scopes).toContain(AKS_SCOPE);
    expect(scopes).toContain(`${azure.arm.url}/.default`);
    const deployment = await apps.readNamespacedDeployment({ name: 'bifrost', namespace: world.namespace });
    expect(deployment.status?.availableReplicas).toBe(1);
    expect(world.executor.executed).toHaveLength(1);
    expect(visible(run)).not.toContain(staticToken);
  });

  it("fails with the API server's 401 when Entra's AKS token is not one the cluster accepts", async () => {
    // The same cluster, but this Entra issues random tokens for the AKS scope: only the static
    // token authenticates, so the first success above came from the token the action fetched.
    const stranger = await startAzureWorld({ ca, loginFederatedCredentials: loginTrust(), clusters });
    try {
      const refused = await world.run(azureInputs(stranger, CLUSTER), {
        env: azureEnv(trustedRunner, emptyHome()),
      });
      expect(refused.exitCode).toBe(1);
      expect(stranger.entra.requests.some((r) => r.form?.scope === AKS_SCOPE && r.status === 200)).toBe(true);
      const failure = refused.annotations.find((a) => a.level === 'error');
      expect(failure?.message).toMatch(/401|Unauthorized/);
      expect(JSON.parse(refused.outputs.report).applied).toEqual([]);
    } finally {
      await stranger.close();
    }
  });
});

// ── 3. Azure-side checks in verify mode (entra federation) ──────────────────────────────────

describe('Azure-side checks in verify mode, entra federation', () => {
  // In entra mode the refresher exchanges its ServiceAccount token at Entra for a token of the
  // managed identity, so that identity's federated credential decides: a mismatch fails (in
  // kubernetes mode GCP trusts the AKS issuer directly and the same mismatch only warns).
  const CLUSTER = 'aks-verify';
  const ENTRA_RESOURCE = 'api://bifrost-gcp-federation';
  const PRINCIPAL_ID = '25cc773c-7f05-40fc-a104-32d2300754ad';
  let namespace: string;
  let azure: AzureWorld;
  let entraForRefresher: EntraTokenEmulator;
  let gcp: GcpEmulator;
  let executor: HostExecutor;
  let inputs: Record<string, string>;
  let deploy: ActionRun;
  let registry: TestRegistry;
  let digest: string;

  const run = (mode: string) =>
    runAction({ inputs: { ...inputs, mode }, env: azureEnv(trustedRunner, emptyHome()) });

  beforeAll(async () => {
    namespace = await newNamespace('azure-verify');
    azure = await startAzureWorld({
      ca,
      loginFederatedCredentials: loginTrust(),
      clusters: [
        {
          resourceGroup: RESOURCE_GROUP,
          name: CLUSTER,
          body: managedCluster(CLUSTER),
          userKubeconfig: aksKubeconfig(CLUSTER, localAccountUser()),
        },
      ],
      identities: [
        identity(IDENTITY, [federatedCredential('bifrost-federated-credential', subjectIn(namespace))]),
      ],
    });
    // Entra as the refresher meets it: the managed identity trusts the same issuer and subject
    // as the federated credential Resource Manager reports.
    entraForRefresher = await startEntraTokenEmulator({
      tenantId: IDS.tenant,
      clientId: IDS.client,
      principalId: PRINCIPAL_ID,
      federatedCredential: { issuer, subject: subjectIn(namespace), audience: TOKEN_EXCHANGE_AUDIENCE },
    });
    gcp = await startGcpEmulator({
      providerAudience: PROVIDER_AUDIENCE,
      allowedServiceAccount: IDS.gcpServiceAccount,
      acceptedIssuer: entraForRefresher.tokenIssuer,
      acceptedSubject: PRINCIPAL_ID,
      allowedSubjectAudiences: [ENTRA_RESOURCE],
    });
    // The registry at the end of the chain (docker-registry, __tests__/support/registry.ts): it
    // takes only IAM tokens this GCP emulator issued, so the preflight walks every hop for real.
    registry = await startTestRegistry({ ca, gcp, location: IDS.region });
    digest = (await registry.seed(`${IDS.gcpProject}/${IDS.hubSlug}/bifrost`, 'v1.4.2')).digest;
    executor = await startHostExecutor({
      kubeConfig: kubeConfig(),
      namespace,
      logDir: path.join(process.env.BIFROST_CLUSTER_STATE ?? '', 'host-executor-logs'),
    });
    inputs = {
      ...IDENTITY_INPUTS,
      'sts-url': gcp.stsTokenUrl,
      'iam-credentials-url': gcp.url,
      federation: 'entra',
      'entra-resource': ENTRA_RESOURCE,
      'entra-authority-host': entraForRefresher.url,
      'refresher-image': HOST_EXECUTOR_IMAGE,
      'image-tag': 'v1.4.2',
      'registry-host': registry.host,
      namespace,
      config: BIFROST_CONFIG,
      timeout: '120s',
      ...azureInputs(azure, CLUSTER),
    };
    deploy = await run('deploy');
  });
  afterAll(async () => {
    executor?.stop();
    await Promise.all([azure?.close(), entraForRefresher?.close(), gcp?.close(), registry?.close()]);
  });

  it('the deploy went through the whole entra chain', () => {
    expect(deploy.stderr).toBe('');
    expect(deploy.exitCode).toBe(0);
    // The preflight's exchange from the runner, then the refresher's own in its pod.
    expect(entraForRefresher.requests.map((r) => [r.status, r.assertionClaims?.sub])).toEqual([
      [200, subjectIn(namespace)],
      [200, subjectIn(namespace)],
    ]);
    // Every hop from the runner passed, the registry's included: TokenRequest, Entra, STS, IAM,
    // then /v2/, the registry token and the manifest HEAD.
    const preflight = (
      JSON.parse(deploy.outputs.report) as {
        preflight: { hops: { id: string; status: string }[]; requests: number };
      }
    ).preflight;
    expect(Object.fromEntries(preflight.hops.map((h) => [h.id, h.status]))).toEqual({
      'token-request': 'pass',
      entra: 'pass',
      sts: 'pass',
      iam: 'pass',
      registry: 'pass',
    });
    expect(preflight.requests).toBe(7);
    expect(deploy.outputs['image-digest']).toBe(digest);
  });

  it('verify passes every Azure-side check and reports the cluster issuer', async () => {
    const verify = await run('verify');
    expect(verify.stderr).toBe('');
    expect(verify.exitCode).toBe(0);
    expect(azureCheckStatuses(verify)).toEqual({
      'aks-oidc-issuer': 'pass',
      'aks-workload-identity': 'pass',
      'managed-identity': 'pass',
      'federated-credential': 'pass',
    });
    expect(checksOf(verify).filter((c) => c.status === 'fail')).toEqual([]);
    expect(verify.outputs['issuer-url']).toBe(issuer);
    // verify reads; it never writes to Azure.
    expect(azure.arm.requests.filter((r) => r.method === 'PUT')).toEqual([]);
  });

  it('verify fails federated-credential with expected vs found when the subject names another namespace', async () => {
    // Someone edits the credential in the portal: the seed page's default namespace.
    const credentials = azure.arm.federatedCredentials(RESOURCE_GROUP, IDENTITY);
    credentials.splice(
      0,
      credentials.length,
      federatedCredential('bifrost-federated-credential', subjectIn('bifrost')),
    );
    const verify = await run('verify');
    expect(verify.exitCode).toBe(1);
    const check = checksOf(verify).find((c) => c.id === 'federated-credential');
    expect(check?.status).toBe('fail');
    const expectedVsFound = `expected ${JSON.stringify(subjectIn(namespace))}, found ${JSON.stringify(subjectIn('bifrost'))}`;
    expect(check?.hint).toContain(expectedVsFound);
    const annotation = failureAnnotation(
      verify,
      'Check failed: Federated credential matches the cluster issuer and ServiceAccount',
    );
    expect(annotation?.message).toContain(expectedVsFound);
    expect(annotation?.message).toContain('Fix: ');
    expect(
      checksOf(verify)
        .filter((c) => c.status === 'fail')
        .map((c) => c.id),
    ).toEqual(['federated-credential']);
    expect(verify.outputs['issuer-url']).toBe(issuer);
  });
});

// ── 4. manage-federated-credential ─────────────────────────────────────────────────────────

describe('manage-federated-credential', () => {
  const CLUSTER = 'aks-manage';
  const FULL_IDENTITY = 'crowded-identity';
  let world: World;
  let azure: AzureWorld;
  let home: string;
  const puts = () => azure.arm.requests.filter((r) => r.method === 'PUT');
  const manage = (more: Record<string, string> = {}) =>
    world.run(
      { ...azureInputs(azure, CLUSTER), 'manage-federated-credential': 'true', ...more },
      { env: azureEnv(trustedRunner, home) },
    );

  beforeAll(async () => {
    world = await startWorld(await newNamespace('azure-manage'));
    home = emptyHome();
    const previews = Array.from({ length: 20 }, (_, i) =>
      federatedCredential(`bifrost-pr-${i + 1}`, subjectIn(`pr-${i + 1}`)),
    );
    azure = await startAzureWorld({
      ca,
      loginFederatedCredentials: loginTrust(),
      clusters: [
        {
          resourceGroup: RESOURCE_GROUP,
          name: CLUSTER,
          body: managedCluster(CLUSTER),
          userKubeconfig: aksKubeconfig(CLUSTER, localAccountUser()),
        },
      ],
      identities: [
        identity(IDENTITY, [federatedCredential('bifrost-staging', subjectIn('staging'))]),
        identity(FULL_IDENTITY, previews),
      ],
    });
  });
  afterAll(async () => {
    await Promise.all([world?.close(), azure?.close()]);
  });

  it('creates the credential for a new namespace before deploying', async () => {
    const run = await manage();
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    expect(puts()).toEqual([
      expect.objectContaining({
        path: `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/${RESOURCE_GROUP}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${IDENTITY}/federatedIdentityCredentials/bifrost-federated-credential`,
        status: 201,
        tokenLabel: `${azure.arm.url}/.default`,
        body: {
          properties: { issuer, subject: subjectIn(world.namespace), audiences: [TOKEN_EXCHANGE_AUDIENCE] },
        },
      }),
    ]);
    expect(run.stdout).toContain(
      `bifrost-federated-credential: created (subject ${subjectIn(world.namespace)})`,
    );
    // Written before the apply, so the refresher's first token exchange already finds it.
    const putAt = run.stdout.indexOf('::group::Federated credential');
    expect(putAt).toBeGreaterThan(-1);
    expect(putAt).toBeLessThan(run.stdout.indexOf('::group::Apply manifests'));
    expect(azureCheckStatuses(run)['federated-credential']).toBe('pass');
    expect(azure.arm.federatedCredentials(RESOURCE_GROUP, IDENTITY).map((c) => c.name)).toEqual([
      'bifrost-staging',
      'bifrost-federated-credential',
    ]);
  });

  it('makes no PUT when run again', async () => {
    const run = await manage();
    expect(run.exitCode).toBe(0);
    expect(puts()).toHaveLength(1);
    expect(run.stdout).toContain(
      `bifrost-federated-credential: unchanged (subject ${subjectIn(world.namespace)})`,
    );
  });

  it('refuses a 21st credential with the limit hint, before deploying and without a PUT', async () => {
    const run = await manage({ 'identity-name': FULL_IDENTITY });
    expect(run.exitCode).toBe(1);
    const failure = failureAnnotation(run, 'Azure error');
    expect(failure?.message).toContain('already has 20 federated credentials (the limit is 20)');
    expect(failure?.message).toMatch(
      /Fix: Delete an unused one \(existing: bifrost-pr-1, bifrost-pr-2, .*bifrost-pr-20\)/,
    );
    expect(puts().filter((r) => r.path.includes(`/userAssignedIdentities/${FULL_IDENTITY}/`))).toEqual([]);
    expect(azure.arm.federatedCredentials(RESOURCE_GROUP, FULL_IDENTITY)).toHaveLength(20);
    expect(JSON.parse(run.outputs.report).applied).toEqual([]);
  });
});

// ── 5. Entra refuses the sign-in, or cannot be reached ─────────────────────────────────────

describe('Entra ID refuses the sign-in (AADSTS70021), or cannot be reached', () => {
  let azure: AzureWorld;
  let run: ActionRun;
  let down: ActionRun;
  let authority: string;

  beforeAll(async () => {
    azure = await startAzureWorld({
      ca,
      loginFederatedCredentials: loginTrust(),
      clusters: [
        {
          resourceGroup: RESOURCE_GROUP,
          name: 'aks-refused',
          body: managedCluster('aks-refused'),
          userKubeconfig: aksKubeconfig('aks-refused', localAccountUser()),
        },
      ],
    });
    // A runner whose ServiceAccount the deploying app has no federated credential for.
    const signIn = (extra: Record<string, string> = {}) =>
      runAction({
        inputs: {
          ...IDENTITY_INPUTS,
          namespace: 'never-created',
          config: BIFROST_CONFIG,
          ...azureInputs(azure, 'aks-refused'),
          ...extra,
        },
        env: azureEnv(untrustedRunner, emptyHome()),
      });
    run = await signIn();
    // Entra ID down: an authority host where nothing listens, every connection refused.
    authority = `https://127.0.0.1:${await freePort()}`;
    down = await signIn({ 'authority-host': authority });
  });
  afterAll(() => azure?.close());

  it("fails before reaching Resource Manager, with Entra's real AADSTS70021 answer", () => {
    expect(run.exitCode).toBe(1);
    expect(azure.entra.requests.filter((r) => r.method === 'POST').map((r) => [r.status, r.aadsts])).toEqual([
      [400, 70021],
    ]);
    expect(azure.arm.requests).toEqual([]);
  });

  it('shows the presented issuer, subject and audience, never the assertion', () => {
    const failure = failureAnnotation(run, 'Azure error');
    expect(failure?.message).toContain(
      'AADSTS70021: No matching federated identity record found for presented assertion',
    );
    // The action's own hint, from the token file's claims (not only Entra's wording).
    expect(failure?.message).toContain(
      `Fix: No federated credential of the Entra application/identity ${LOGIN_CLIENT_ID} matches the token in AZURE_FEDERATED_TOKEN_FILE (${untrustedRunner.file})`,
    );
    expect(failure?.message).toContain(
      `Presented: issuer '${issuer}', subject '${untrustedRunner.subject}', audience '${TOKEN_EXCHANGE_AUDIENCE}'`,
    );
    expect(JSON.parse(run.outputs.report).failure.title).toBe('Azure error');
    const shown = visible(run);
    expect(shown).not.toContain(untrustedRunner.token);
    expect(shown).not.toContain(untrustedRunner.token.split('.')[2]); // not even its signature
  });

  it('says Entra ID is unreachable at its address, after the retries, with the network hint', () => {
    expect(down.exitCode).toBe(1);
    const failure = failureAnnotation(down, 'Entra ID unreachable');
    expect(failure?.message).toContain(
      `Entra ID unreachable at ${authority}: ECONNREFUSED from ${authority}/${IDS.tenant}/v2.0/.well-known/openid-configuration (8 attempts)`,
    );
    expect(failure?.message).toContain('Fix: Every try to get a token from Entra ID failed');
    expect(JSON.parse(down.outputs.report).stats.retries).toEqual({ entra: 7 });
    expect(azure.arm.requests).toEqual([]);
  });
});
