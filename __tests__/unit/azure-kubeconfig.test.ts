// Cluster access through Resource Manager (listClusterUserCredential / listClusterAdminCredential),
// against the HTTPS Entra and Resource Manager emulators.
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import {
  AzureError,
  connectAzure,
  resolveClusterAccess,
  type ResourceManagerAccess,
} from '../../src/azure/index.js';
import type { Settings } from '../../src/config/settings.js';
import { armFixture, armFixtureText } from '../support/emulators/arm.js';
import {
  azureTestSettings,
  azureWorldPerTest,
  fakeGitHubIdToken,
  type AzureWorld,
} from '../support/emulators/azure-world.js';
import { InputError } from '../../src/config/input-reader.js';

const AKS_SCOPE = '6dae42f8-4368-4678-94ff-3960e28e3630/.default';
const SERVER = 'https://aks1-dns-4rz3s385.hcp.westus2.azmk8s.io:443';

const emulators = azureWorldPerTest();
let world: AzureWorld | undefined;

const b64 = (text: string) => Buffer.from(text).toString('base64');

/** The kubeconfig AKS returns for a cluster with local accounts (az aks get-credentials shape). */
function localAccountKubeconfig(user: string): string {
  const client = emulators.ca.issueClient('clusterUser', 'system:masters');
  return `apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: ${b64(emulators.ca.caCert)}
    server: ${SERVER}
  name: aks1
contexts:
- context:
    cluster: aks1
    user: ${user}
  name: aks1
current-context: aks1
kind: Config
preferences: {}
users:
- name: ${user}
  user:
    client-certificate-data: ${b64(client.cert)}
    client-key-data: ${b64(client.key)}
    token: 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
`;
}

/** The kubeconfig AKS returns for a cluster with Entra integration: a kubelogin exec user. */
const entraKubeconfig = () => `apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: ${b64(emulators.ca.caCert)}
    server: ${SERVER}
  name: aks1
contexts:
- context:
    cluster: aks1
    user: clusterUser_rg1_aks1
  name: aks1
current-context: aks1
kind: Config
preferences: null
users:
- name: clusterUser_rg1_aks1
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      args:
      - get-token
      - --environment
      - AzurePublicCloud
      - --server-id
      - 6dae42f8-4368-4678-94ff-3960e28e3630
      - --client-id
      - 80faf920-1908-4b52-b5ef-a8e7bedfc67a
      - --tenant-id
      - 72f988bf-86f1-41af-91ab-2d7cd011db47
      - --login
      - devicecode
      command: kubelogin
      env: null
      installHint: |2

        kubelogin is not installed which is required to connect to AAD enabled cluster.

        To learn more, please go to https://aka.ms/aks/kubelogin
      provideClusterInfo: false
`;

/** The retired format: the `azure` auth-provider. */
const azureAuthProviderKubeconfig = () =>
  entraKubeconfig().replace(
    / {4}exec:[\s\S]*$/,
    `    auth-provider:
      config:
        apiserver-id: 6dae42f8-4368-4678-94ff-3960e28e3630
        client-id: 80faf920-1908-4b52-b5ef-a8e7bedfc67a
        config-mode: '1'
        environment: AzurePublicCloud
        tenant-id: 72f988bf-86f1-41af-91ab-2d7cd011db47
      name: azure
`,
  );

const clusterBody = () => armFixture('managedclusters-get-200-workload-identity.azure-cli-recording.json');

async function startWorld(
  kubeconfigs: { user?: string; admin?: string },
  tokenLifetimeSeconds?: number,
): Promise<AzureWorld> {
  return emulators.start({
    tokenLifetimeSeconds,
    clusters: [
      {
        resourceGroup: 'rg1',
        name: 'aks1',
        body: clusterBody(),
        userKubeconfig: kubeconfigs.user,
        adminKubeconfig: kubeconfigs.admin,
      },
    ],
  });
}

function connect(settings: Settings, minted: string[] = []): () => ResourceManagerAccess {
  const getIdToken = async (audience: string) => {
    const token = fakeGitHubIdToken(audience);
    minted.push(token);
    return token;
  };
  return () => {
    const { arm, login } = connectAzure(settings, { getIdToken, agent: emulators.ca.agent() });
    return { arm, credential: login.credential };
  };
}

async function authorizationHeader(kubeConfig: KubeConfig): Promise<string | null> {
  const options = await kubeConfig.applyToFetchOptions({});
  return (options.headers as unknown as Headers).get('authorization');
}

describe('kubeconfig from Resource Manager', () => {
  it('uses a local-accounts cluster user kubeconfig as it is', async () => {
    world = await startWorld({ user: localAccountKubeconfig('clusterUser_rg1_aks1') });
    const settings = azureTestSettings(world);

    const access = await resolveClusterAccess(settings, connect(settings));

    expect(access.source).toBe('resource-manager');
    const user = access.kubeConfig.getCurrentUser()!;
    expect(user.name).toBe('clusterUser_rg1_aks1');
    expect(user.certData).toBeTruthy();
    expect(user.exec).toBeUndefined();
    expect(access.kubeConfig.getCurrentCluster()?.server).toBe(SERVER);
    expect(await authorizationHeader(access.kubeConfig)).toBe(
      'Bearer 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
    );
    expect(access.description).toContain('local account');
    expect(world.arm.requests.map((r) => [r.method, r.path, r.apiVersion, r.status, r.tokenLabel])).toEqual([
      [
        'POST',
        `/subscriptions/${settings.azure.subscriptionId}/resourceGroups/rg1/providers/Microsoft.ContainerService/managedClusters/aks1/listClusterUserCredential`,
        '2024-09-01',
        200,
        `${world.arm.url}/.default`,
      ],
    ]);
    // No AKS token was requested: a local account needs none.
    expect(world.entra.issued.filter((t) => t.scope === AKS_SCOPE)).toHaveLength(0);
  });

  it('asks for the admin credential when admin is set', async () => {
    world = await startWorld({
      user: entraKubeconfig(),
      admin: localAccountKubeconfig('clusterAdmin_rg1_aks1'),
    });
    const settings = azureTestSettings(world, { admin: true });

    const access = await resolveClusterAccess(settings, connect(settings));

    expect(access.kubeConfig.getCurrentUser()?.name).toBe('clusterAdmin_rg1_aks1');
    expect(world.arm.requests.map((r) => r.path.split('/').pop())).toEqual(['listClusterAdminCredential']);
    expect(access.description).toContain('cluster admin');
  });

  it('replaces the kubelogin exec plugin of an Entra-enabled cluster with an Entra token for the AKS server app', async () => {
    world = await startWorld({ user: entraKubeconfig() });
    const settings = azureTestSettings(world);

    const access = await resolveClusterAccess(settings, connect(settings));

    const user = access.kubeConfig.getCurrentUser()!;
    const aksTokens = world.entra.issued.filter((t) => t.scope === AKS_SCOPE);
    expect(aksTokens).toHaveLength(1);
    expect(user.name).toBe('clusterUser_rg1_aks1');
    expect(user.exec).toBeUndefined();
    expect(user.authProvider).toBeUndefined();
    expect(user.token).toBe(aksTokens[0].token);
    expect(await authorizationHeader(access.kubeConfig)).toBe(`Bearer ${aksTokens[0].token}`);
    // The token is still fresh: the next request reuses it.
    expect(await authorizationHeader(access.kubeConfig)).toBe(`Bearer ${aksTokens[0].token}`);
    expect(world.entra.issued.filter((t) => t.scope === AKS_SCOPE)).toHaveLength(1);
    // Exported (e.g. for kubectl) it is a plain token user.
    expect(access.kubeConfig.exportConfig()).not.toContain('kubelogin');
    expect(access.description).toContain('replaces kubelogin');
  });

  it('masks the AKS token and the credentials of the Resource Manager kubeconfig', async () => {
    world = await startWorld({
      user: entraKubeconfig(),
      admin: localAccountKubeconfig('clusterAdmin_rg1_aks1'),
    });
    const masked: string[] = [];
    const entra = azureTestSettings(world);
    await resolveClusterAccess(entra, connect(entra), (value) => masked.push(value));
    const aksToken = world.entra.issued.find((t) => t.scope === AKS_SCOPE)!.token;
    expect(masked).toContain(aksToken);

    masked.length = 0;
    const admin = azureTestSettings(world, { admin: true });
    const access = await resolveClusterAccess(admin, connect(admin), (value) => masked.push(value));
    const user = access.kubeConfig.getCurrentUser()!;
    expect(masked).toEqual(expect.arrayContaining([user.token, user.keyData]));
  });

  it('reports a Resource Manager kubeconfig that does not load by line and column only', async () => {
    const broken = `apiVersion: v1\nusers:\n- name: u\n  user:\n    token: secret-token-0123456789\n   bad: [\n`;
    world = await startWorld({ user: broken });
    const settings = azureTestSettings(world);
    const error = (await resolveClusterAccess(settings, connect(settings)).catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(AzureError);
    expect(error.message).toMatch(/does not load \(YAML error at line [0-9]+, column [0-9]+\)$/);
    expect(error.message).not.toContain('0123456789');
  });

  it('replaces the retired azure auth-provider the same way', async () => {
    world = await startWorld({ user: azureAuthProviderKubeconfig() });
    const settings = azureTestSettings(world);

    const access = await resolveClusterAccess(settings, connect(settings));

    const user = access.kubeConfig.getCurrentUser()!;
    expect(user.authProvider).toBeUndefined();
    expect(world.entra.lookup(user.token!)?.scope).toBe(AKS_SCOPE);
  });

  it('fetches a new AKS token before the current one expires', async () => {
    world = await startWorld({ user: entraKubeconfig() }, 60); // inside the 5-minute renewal margin
    const settings = azureTestSettings(world);

    const access = await resolveClusterAccess(settings, connect(settings));
    const first = access.kubeConfig.getCurrentUser()!.token;
    const header = await authorizationHeader(access.kubeConfig);

    const aksTokens = world.entra.issued.filter((t) => t.scope === AKS_SCOPE).map((t) => t.token);
    expect(aksTokens).toHaveLength(2);
    expect(aksTokens[0]).toBe(first);
    expect(header).toBe(`Bearer ${aksTokens[1]}`);
    expect(access.kubeConfig.getCurrentUser()!.token).toBe(aksTokens[1]);
  });

  it('explains a 403 from listClusterUserCredential with the role to grant', async () => {
    world = await startWorld({ user: entraKubeconfig() });
    world.arm.fail({
      method: 'POST',
      path: /listClusterUserCredential$/,
      status: 403,
      body: armFixtureText('arm-error-403-authorizationfailed.azurerm-20843.json'),
    });
    const settings = azureTestSettings(world);

    const error = (await resolveClusterAccess(settings, connect(settings)).catch(
      (e: unknown) => e,
    )) as AzureError;

    expect(error).toBeInstanceOf(AzureError);
    expect(error.status).toBe(403);
    expect(error.code).toBe('AuthorizationFailed');
    expect(error.message).toMatch(
      /^listClusterUserCredential on managedClusters\/aks1 failed: HTTP 403 AuthorizationFailed: The client/,
    );
    expect(error.hint).toContain('Azure Kubernetes Service Cluster User Role');
  });

  it('explains a cluster that does not exist', async () => {
    world = await startWorld({ user: entraKubeconfig() });
    const settings = azureTestSettings(world, { clusterName: 'aks-typo' });

    const error = (await resolveClusterAccess(settings, connect(settings)).catch(
      (e: unknown) => e,
    )) as AzureError;

    expect(error.status).toBe(404);
    expect(error.code).toBe('ResourceNotFound');
    expect(error.message).toContain(
      "The Resource 'Microsoft.ContainerService/managedClusters/aks-typo' under resource group 'rg1' was not found",
    );
    expect(error.hint).toContain('cluster-name');
  });

  it('says why admin credentials are refused on a cluster without local accounts', async () => {
    const body = clusterBody();
    body.properties.disableLocalAccounts = true;
    world = await emulators.start({
      clusters: [{ resourceGroup: 'rg1', name: 'aks1', body, userKubeconfig: entraKubeconfig() }],
    });
    const settings = azureTestSettings(world, { admin: true });

    const error = (await resolveClusterAccess(settings, connect(settings)).catch(
      (e: unknown) => e,
    )) as AzureError;

    expect(error.status).toBe(400);
    expect(error.hint).toMatch(/local accounts disabled.*set admin to false/);
  });
});

describe('which kubeconfig wins', () => {
  const noAzure = () => {
    throw new Error('Azure must not be contacted');
  };
  let dir: string;
  const saved = { KUBECONFIG: process.env.KUBECONFIG, HOME: process.env.HOME };
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'azure-kubeconfig-test-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  afterEach(() => {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  });

  it('the kubeconfig input comes first, even with cluster-name set', async () => {
    const settings = azureTestSettings(
      { entra: { url: 'https://login.example' }, arm: { url: 'https://arm.example' } },
      {},
      {
        kubeconfig: localAccountKubeconfig('from-input'),
      },
    );
    const access = await resolveClusterAccess(settings, noAzure);
    expect(access.source).toBe('input');
    expect(access.kubeConfig.getCurrentUser()?.name).toBe('from-input');
  });

  it('refuses a kubeconfig input that does not parse, by line and column only', async () => {
    const token = 'kubeconfig-input-token-0123456789abcdef';
    const settings = azureTestSettings(
      { entra: { url: 'https://login.example' }, arm: { url: 'https://arm.example' } },
      {},
      { kubeconfig: `apiVersion: v1\nusers:\n- name: u\n  user:\n    token: ${token}\n  x: : [\n` },
    );
    const error = (await resolveClusterAccess(settings, noAzure).catch((e: unknown) => e)) as InputError;
    expect(error).toBeInstanceOf(InputError);
    expect(error.problems).toEqual([
      expect.objectContaining({
        input: 'kubeconfig',
        problem: expect.stringMatching(/line [0-9]+, column [0-9]+\)$/),
      }),
    ]);
    expect(error.message).not.toContain(token.slice(-12));
  });

  it('without cluster-name, KUBECONFIG is used', async () => {
    const file = path.join(dir, 'config');
    writeFileSync(file, localAccountKubeconfig('from-env'));
    process.env.KUBECONFIG = file;
    const settings = azureTestSettings(
      { entra: { url: 'https://login.example' }, arm: { url: 'https://arm.example' } },
      { clusterName: undefined },
    );
    const access = await resolveClusterAccess(settings, noAzure);
    expect(access.source).toBe('default');
    expect(access.kubeConfig.getCurrentUser()?.name).toBe('from-env');
  });

  it('with nothing configured it says what to set', async () => {
    delete process.env.KUBECONFIG;
    process.env.HOME = dir + '/empty-home';
    const settings = azureTestSettings(
      { entra: { url: 'https://login.example' }, arm: { url: 'https://arm.example' } },
      { clusterName: undefined },
    );
    const error = (await resolveClusterAccess(settings, noAzure).catch((e: unknown) => e)) as AzureError;
    expect(error.message).toBe('No cluster is configured.');
    expect(error.hint).toContain('aks-set-context');
  });
});
