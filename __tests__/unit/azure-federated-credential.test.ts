// manage-federated-credential: create or update the refresher's federated credential
// idempotently, against the HTTPS Resource Manager emulator.
import { describe, expect, it } from '@jest/globals';
import { AzureError, connectAzure, ensureRefresherFederatedCredential } from '../../src/azure/index.js';
import type { Settings } from '../../src/config/settings.js';
import { armFixture, type EmulatedFederatedCredential } from '../support/emulators/arm.js';
import {
  azureTestSettings,
  azureWorldPerTest,
  fakeGitHubIdToken,
  type AzureWorld,
} from '../support/emulators/azure-world.js';

const ISSUER =
  'https://westus2.oic.prod-aks.azure.com/72f988bf-86f1-41af-91ab-2d7cd011db47/45065001-0dbe-46cc-901d-60273194d53a/';
const SUBJECT = 'system:serviceaccount:bifrost:bifrost-sa';
const DESIRED = { issuer: ISSUER, subject: SUBJECT, audiences: ['api://AzureADTokenExchange'] };

const emulators = azureWorldPerTest();
let world: AzureWorld | undefined;

async function setUp(
  existing: EmulatedFederatedCredential[],
  pageSize?: number,
): Promise<{ settings: Settings; ensure: () => ReturnType<typeof ensureRefresherFederatedCredential> }> {
  world = await emulators.start({
    pageSize,
    clusters: [
      {
        resourceGroup: 'rg1',
        name: 'aks1',
        body: armFixture('managedclusters-get-200-workload-identity.azure-cli-recording.json'),
      },
    ],
    identities: [
      {
        resourceGroup: 'rg1',
        name: 'bifrost-pull-identity',
        body: armFixture('spec-2026-05-31.IdentityGet.json'),
        federatedCredentials: existing,
      },
    ],
  });
  const settings = azureTestSettings(world, { manageFederatedCredential: true });
  const { arm } = connectAzure(settings, {
    getIdToken: async (aud) => fakeGitHubIdToken(aud),
    agent: emulators.ca.agent(),
  });
  return { settings, ensure: () => ensureRefresherFederatedCredential(settings, arm) };
}

const puts = () => world!.arm.requests.filter((r) => r.method === 'PUT');
const stored = () => world!.arm.federatedCredentials('rg1', 'bifrost-pull-identity');

/** n unrelated credentials, shaped like the recording's. */
function others(n: number): EmulatedFederatedCredential[] {
  const [template] = armFixture('fic-list-200.azure-cli-recording.json')
    .value as EmulatedFederatedCredential[];
  return Array.from({ length: n }, (_, i) => ({
    name: `fic${i + 1}`,
    properties: { ...template.properties, subject: `system:serviceaccount:ns:svcaccount${i + 1}` },
  }));
}

describe('ensuring the federated credential', () => {
  it('creates it next to other credentials, then leaves it unchanged on a re-run', async () => {
    const { ensure } = await setUp(armFixture('fic-list-200.azure-cli-recording.json').value);

    const first = await ensure();
    expect(first).toEqual({ action: 'created', name: 'bifrost-federated-credential', properties: DESIRED });
    expect(puts()).toHaveLength(1);
    expect(puts()[0].body).toEqual({ properties: DESIRED });
    expect(puts()[0].path).toMatch(
      /\/userAssignedIdentities\/bifrost-pull-identity\/federatedIdentityCredentials\/bifrost-federated-credential$/,
    );
    expect(puts()[0].apiVersion).toBe('2024-11-30');
    expect(puts()[0].status).toBe(201);
    expect(stored().map((c) => c.name)).toEqual(['fic1', 'fic2', 'bifrost-federated-credential']);

    const second = await ensure();
    expect(second.action).toBe('unchanged');
    expect(puts()).toHaveLength(1); // no second PUT
  });

  it('updates it when the subject differs', async () => {
    const { ensure } = await setUp([
      {
        name: 'bifrost-federated-credential',
        properties: { ...DESIRED, subject: 'system:serviceaccount:default:bifrost-sa' },
      },
    ]);

    const result = await ensure();

    expect(result.action).toBe('updated');
    expect(result.note).toContain('system:serviceaccount:default:bifrost-sa');
    expect(puts().map((r) => r.status)).toEqual([200]);
    expect(stored()).toEqual([{ name: 'bifrost-federated-credential', properties: DESIRED }]);
  });

  it('does not create a duplicate when an equivalent credential exists under another name', async () => {
    const { ensure } = await setUp([{ name: 'created-by-hand', properties: DESIRED }]);

    const result = await ensure();

    expect(result).toMatchObject({ action: 'unchanged', name: 'created-by-hand' });
    expect(result.note).toContain('created-by-hand');
    expect(puts()).toHaveLength(0);
  });

  it('refuses at the limit of 20 credentials per identity, counting every page', async () => {
    const { ensure } = await setUp(others(20), 8); // three pages: 8 + 8 + 4

    const error = (await ensure().catch((e: unknown) => e)) as AzureError;

    expect(error).toBeInstanceOf(AzureError);
    expect(error.code).toBe('FederatedCredentialLimit');
    expect(error.message).toContain('already has 20 federated credentials (the limit is 20)');
    expect(error.hint).toContain('fic1, fic2');
    expect(error.hint).toContain('fic20');
    expect(puts()).toHaveLength(0);
    const listPages = world!.arm.requests.filter(
      (r) => r.method === 'GET' && r.path.endsWith('/federatedIdentityCredentials'),
    );
    expect(listPages).toHaveLength(3);
  });

  it('creates the 20th credential (19 exist)', async () => {
    const { ensure } = await setUp(others(19));
    expect((await ensure()).action).toBe('created');
    expect(stored()).toHaveLength(20);
  });

  it('refuses when the cluster has no OIDC issuer', async () => {
    const cluster = armFixture('managedclusters-get-200-workload-identity.azure-cli-recording.json');
    cluster.properties.oidcIssuerProfile = { enabled: false };
    world = await emulators.start({
      clusters: [{ resourceGroup: 'rg1', name: 'aks1', body: cluster }],
      identities: [
        {
          resourceGroup: 'rg1',
          name: 'bifrost-pull-identity',
          body: armFixture('spec-2026-05-31.IdentityGet.json'),
        },
      ],
    });
    const settings = azureTestSettings(world, { manageFederatedCredential: true });
    const { arm } = connectAzure(settings, {
      getIdToken: async (aud) => fakeGitHubIdToken(aud),
      agent: emulators.ca.agent(),
    });

    const error = (await ensureRefresherFederatedCredential(settings, arm).catch(
      (e: unknown) => e,
    )) as AzureError;

    expect(error.message).toContain('has no OIDC issuer');
    expect(error.hint).toContain('--enable-oidc-issuer');
    expect(world.arm.requests.filter((r) => r.method === 'PUT')).toHaveLength(0);
  });
});
