// Azure-side checks read through Resource Manager (HTTPS emulator serving the real example
// payloads), and what the Bifrost team is told.
import { describe, expect, it } from '@jest/globals';
import {
  bifrostTeamDetails,
  connectAzure,
  explainDifference,
  gatherAzureFacts,
  runAzureChecks,
  type ArmClient,
} from '../../src/azure/index.js';
import type { CheckResult } from '../../src/report/check-result.js';
import type { Settings } from '../../src/config/settings.js';
import {
  armFixture,
  armFixtureText,
  type EmulatedFederatedCredential,
  type EmulatedIdentity,
} from '../support/emulators/arm.js';
import {
  IDENTITY_CLIENT_ID,
  azureTestSettings,
  azureWorldPerTest,
  fakeGitHubIdToken,
  type AzureWorld,
} from '../support/emulators/azure-world.js';
import { TENANT_ID } from '../support/fixtures.js';

// From the azure-cli recording: the real issuer URL, trailing slash included.
const ISSUER =
  'https://westus2.oic.prod-aks.azure.com/72f988bf-86f1-41af-91ab-2d7cd011db47/45065001-0dbe-46cc-901d-60273194d53a/';
const SUBJECT = 'system:serviceaccount:bifrost:bifrost-sa';

const emulators = azureWorldPerTest();
let world: AzureWorld | undefined;

/** The spec's IdentityGet example, moved into the emulated tenant (the cluster recording's). */
function identityInOurTenant(): Record<string, any> {
  const body = armFixture('spec-2026-05-31.IdentityGet.json');
  body.properties.tenantId = TENANT_ID;
  return body;
}

const identity = (
  federatedCredentials: EmulatedFederatedCredential[] = [],
  body = identityInOurTenant(),
): EmulatedIdentity => ({
  resourceGroup: 'rg1',
  name: 'bifrost-pull-identity',
  body,
  federatedCredentials,
});

/** The federated credential the seed's Step 3 creates, for the recorded cluster. */
const seedCredential = (
  properties: Partial<EmulatedFederatedCredential['properties']> = {},
  name = 'bifrost-federated-credential',
): EmulatedFederatedCredential => ({
  name,
  properties: { issuer: ISSUER, subject: SUBJECT, audiences: ['api://AzureADTokenExchange'], ...properties },
});

async function checksFor(options: {
  cluster?: Record<string, any>;
  identities?: EmulatedIdentity[];
  azure?: Partial<Settings['azure']>;
  federation?: Settings['identity']['federation'];
}): Promise<{ results: Record<string, CheckResult>; settings: Settings; arm: ArmClient }> {
  world = await emulators.start({
    clusters: options.cluster ? [{ resourceGroup: 'rg1', name: 'aks1', body: options.cluster }] : [],
    identities: options.identities ?? [],
  });
  const settings = azureTestSettings(world, options.azure);
  if (options.federation) settings.identity.federation = options.federation;
  const { arm } = connectAzure(settings, {
    getIdToken: async (aud) => fakeGitHubIdToken(aud),
    agent: emulators.ca.agent(),
  });
  const results = await runAzureChecks(settings, arm);
  return { results: Object.fromEntries(results.map((r) => [r.id, r])), settings, arm };
}

const recordedCluster = () =>
  armFixture('managedclusters-get-200-workload-identity.azure-cli-recording.json');

describe('Azure-side checks', () => {
  it('all pass for a cluster with OIDC issuer and Workload Identity, the identity, and the seed credential', async () => {
    const { results } = await checksFor({
      cluster: recordedCluster(),
      identities: [
        identity(armFixture('fic-list-200.azure-cli-recording.json').value.concat(seedCredential())),
      ],
    });

    expect(Object.values(results).map((r) => [r.id, r.status])).toEqual([
      ['aks-oidc-issuer', 'pass'],
      ['aks-workload-identity', 'pass'],
      ['managed-identity', 'pass'],
      ['federated-credential', 'pass'],
    ]);
    expect(results['aks-oidc-issuer'].evidence).toContain(`issuerURL=${ISSUER}`);
    expect(results['federated-credential'].evidence).toContain('bifrost-federated-credential');
  });

  it('fails the OIDC issuer and warns on Workload Identity for a cluster without them (the spec example)', async () => {
    const { results } = await checksFor({
      cluster: armFixture('spec-2026-08-01.ManagedClustersGet.json'),
      identities: [identity([seedCredential()])],
    });

    expect(results['aks-oidc-issuer'].status).toBe('fail');
    expect(results['aks-oidc-issuer'].evidence).toBe(
      'properties.oidcIssuerProfile.enabled=(absent), issuerURL=(absent)',
    );
    expect(results['aks-oidc-issuer'].hint).toContain('--enable-oidc-issuer');
    expect(results['aks-workload-identity'].status).toBe('warn');
    expect(results['aks-workload-identity'].evidence).toBe(
      'properties.securityProfile.workloadIdentity.enabled=(absent)',
    );
    expect(results['federated-credential'].status).toBe('skipped');
  });

  it('reads Workload Identity from securityProfile, not from the OIDC issuer (seed D11)', async () => {
    const cluster = recordedCluster();
    cluster.properties.securityProfile.workloadIdentity.enabled = false; // issuer still enabled
    const { results } = await checksFor({ cluster, identities: [identity([seedCredential()])] });

    expect(results['aks-oidc-issuer'].status).toBe('pass');
    expect(results['aks-workload-identity'].status).toBe('warn');
    expect(results['aks-workload-identity'].evidence).toBe(
      'properties.securityProfile.workloadIdentity.enabled=false',
    );
  });

  it('fails the managed identity when its clientId is not the client-id input', async () => {
    const otherClientId = '5a18d8a1-3e3a-4fac-b332-d95ed68cf31b';
    const { results } = await checksFor({
      cluster: recordedCluster(),
      identities: [
        identity([seedCredential()], armFixture('userassignedidentity-put-201.azure-cli-recording.json')),
      ],
      azure: {},
    });

    expect(results['managed-identity'].status).toBe('fail');
    expect(results['managed-identity'].evidence).toContain(`properties.clientId=${otherClientId}`);
    expect(results['managed-identity'].hint).toContain(
      `client-id input is ${IDENTITY_CLIENT_ID} but the identity's clientId is ${otherClientId}`,
    );
  });

  it('fails the managed identity when it lives in another tenant than tenant-id', async () => {
    const { results } = await checksFor({
      cluster: recordedCluster(),
      identities: [identity([seedCredential()], armFixture('spec-2026-05-31.IdentityGet.json'))],
    });
    expect(results['managed-identity'].status).toBe('fail');
    expect(results['managed-identity'].hint).toContain(
      `tenant-id input is ${TENANT_ID} but the identity lives in tenant b6c948ef-f6b5-4384-8354-da3a15eca969`,
    );
  });

  it('only warns about the identity in kubernetes federation mode, where GCP trusts the cluster directly', async () => {
    const { results } = await checksFor({
      cluster: recordedCluster(),
      identities: [
        identity(
          [seedCredential({ subject: 'system:serviceaccount:default:bifrost-sa' })],
          armFixture('userassignedidentity-put-201.azure-cli-recording.json'),
        ),
      ],
      federation: 'kubernetes',
    });
    expect(results['managed-identity'].status).toBe('warn');
    expect(results['federated-credential'].status).toBe('warn');
  });

  it("fails the managed identity with ARM's ResourceNotFound when it does not exist", async () => {
    const { results } = await checksFor({ cluster: recordedCluster(), identities: [] });

    expect(results['managed-identity'].status).toBe('fail');
    expect(results['managed-identity'].evidence).toContain(
      "HTTP 404 ResourceNotFound: The Resource 'Microsoft.ManagedIdentity/userAssignedIdentities/bifrost-pull-identity' under resource group 'rg1' was not found",
    );
    expect(results['managed-identity'].hint).toContain('identity-name');
  });

  it("points at the trailing slash when the credential's issuer lacks it", async () => {
    const { results } = await checksFor({
      cluster: recordedCluster(),
      identities: [identity([seedCredential({ issuer: ISSUER.slice(0, -1) })])],
    });

    expect(results['federated-credential'].status).toBe('fail');
    expect(results['federated-credential'].hint).toContain(
      'issuer differs only by a trailing slash (expected ends with "/", found does not)',
    );
  });

  it('points at the first differing character of the subject', async () => {
    const { results } = await checksFor({
      cluster: recordedCluster(),
      identities: [identity([seedCredential({ subject: 'system:serviceaccount:bifrots:bifrost-sa' })])],
    });

    const hint = results['federated-credential'].hint!;
    expect(results['federated-credential'].status).toBe('fail');
    expect(hint).toContain('subject differs at character 27 (expected "s", found "t")');
    const caret = ' '.repeat('  found    "'.length + 27) + '^';
    expect(hint).toContain(
      `  expected "system:serviceaccount:bifrost:bifrost-sa"\n  found    "system:serviceaccount:bifrots:bifrost-sa"\n${caret}`,
    );
    expect(hint).not.toContain('issuer');
  });

  it('calls out a difference in letter case and a missing audience', async () => {
    const { results } = await checksFor({
      cluster: recordedCluster(),
      identities: [
        identity([
          seedCredential({ issuer: ISSUER.toUpperCase(), audiences: ['api://AzureADTokenExchange2'] }),
        ]),
      ],
    });

    const hint = results['federated-credential'].hint!;
    expect(hint).toContain('issuer differs only in letter case');
    expect(hint).toContain(
      'audiences ["api://AzureADTokenExchange2"] do not contain api://AzureADTokenExchange',
    );
  });

  it('fails when the identity has no federated credentials at all', async () => {
    const { results } = await checksFor({
      cluster: recordedCluster(),
      identities: [identity(armFixture('fic-list-empty-200.azure-cli-recording.json').value)],
    });

    expect(results['federated-credential'].status).toBe('fail');
    expect(results['federated-credential'].evidence).toBe(
      'identity bifrost-pull-identity has no federated credentials',
    );
    expect(results['federated-credential'].hint).toContain(JSON.stringify(ISSUER));
  });

  it('fails every check with the role to grant when Resource Manager says AuthorizationFailed', async () => {
    world = await emulators.start({
      clusters: [{ resourceGroup: 'rg1', name: 'aks1', body: recordedCluster() }],
      identities: [identity([seedCredential()])],
    });
    world.arm.fail({
      method: 'GET',
      path: /./,
      status: 403,
      body: armFixtureText('arm-error-403-authorizationfailed.azurerm-20843.json'),
    });
    const settings = azureTestSettings(world);
    const { arm } = connectAzure(settings, {
      getIdToken: async (aud) => fakeGitHubIdToken(aud),
      agent: emulators.ca.agent(),
    });

    const results = await runAzureChecks(settings, arm);

    expect(results.map((r) => r.status)).toEqual(['fail', 'fail', 'fail', 'fail']);
    expect(results[0].evidence).toMatch(/^GET managedClusters\/aks1 failed: HTTP 403 AuthorizationFailed/);
    expect(results[0].hint).toContain('"Reader"');
  });

  it('tries once more after Retry-After when Resource Manager throttles', async () => {
    world = await emulators.start({
      clusters: [{ resourceGroup: 'rg1', name: 'aks1', body: recordedCluster() }],
      identities: [identity([seedCredential()])],
    });
    const throttled = JSON.stringify({
      error: { code: 'TooManyRequests', message: 'The request is being throttled.' },
    });
    world.arm.fail({
      method: 'GET',
      path: /managedClusters\/aks1$/,
      status: 429,
      body: throttled,
      headers: { 'retry-after': '0' },
      times: 1,
    });
    const settings = azureTestSettings(world);
    const { arm } = connectAzure(settings, {
      getIdToken: async (aud) => fakeGitHubIdToken(aud),
      agent: emulators.ca.agent(),
    });

    const results = await runAzureChecks(settings, arm);

    expect(results.map((r) => r.status)).toEqual(['pass', 'pass', 'pass', 'pass']);
    expect(world.arm.requests.filter((r) => r.path.endsWith('/aks1')).map((r) => r.status)).toEqual([
      429, 200,
    ]);
  });

  it('skips every check, saying why, when no Azure access is configured', async () => {
    const settings = azureTestSettings(
      { entra: { url: 'https://login.example' }, arm: { url: 'https://arm.example' } },
      { subscriptionId: undefined },
    );
    const results = await runAzureChecks(settings, undefined);
    expect(results.map((r) => r.status)).toEqual(['skipped', 'skipped', 'skipped', 'skipped']);
    expect(results[0].evidence).toContain('no Azure access configured');
  });
});

describe('what the Bifrost team needs', () => {
  it('reads tenant id and client id from the identity and the issuer from the cluster', async () => {
    world = await emulators.start({
      clusters: [{ resourceGroup: 'rg1', name: 'aks1', body: recordedCluster() }],
      identities: [identity()],
    });
    const settings = azureTestSettings(world);
    const { arm } = connectAzure(settings, {
      getIdToken: async (aud) => fakeGitHubIdToken(aud),
      agent: emulators.ca.agent(),
    });

    expect(bifrostTeamDetails(settings, await gatherAzureFacts(settings, arm))).toEqual({
      tenantId: TENANT_ID,
      clientId: IDENTITY_CLIENT_ID,
      issuerUrl: ISSUER,
      source: 'resource-manager',
    });
  });

  it('falls back to the inputs without Azure access', async () => {
    const settings = azureTestSettings({
      entra: { url: 'https://login.example' },
      arm: { url: 'https://arm.example' },
    });
    expect(bifrostTeamDetails(settings, await gatherAzureFacts(settings, undefined))).toEqual({
      tenantId: settings.identity.tenantId,
      clientId: settings.identity.clientId,
      issuerUrl: undefined,
      source: 'inputs',
    });
  });
});

describe('explainDifference', () => {
  it('is empty for equal strings', () => {
    expect(explainDifference('subject', 'a', 'a')).toBe('');
  });
  it('reports a found string that ends early', () => {
    expect(
      explainDifference(
        'subject',
        'system:serviceaccount:bifrost:bifrost-sa',
        'system:serviceaccount:bifrost:bifrost',
      ),
    ).toContain('differs at character 37 (expected "-", found end of text)');
  });
  it('reports surrounding whitespace', () => {
    expect(explainDifference('issuer', 'https://x/', ' https://x/\n')).toContain(
      'has surrounding whitespace',
    );
  });
});
