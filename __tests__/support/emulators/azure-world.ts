// Entra ID and Resource Manager emulators started together and wired the way Azure is:
// Resource Manager accepts only tokens that this Entra issued for the Resource Manager scope.
// Also a fake GitHub OIDC token minter, Settings and a per-test lifecycle for unit tests.
// For a subprocess (`node dist/index.js`): pass inputs authority-host=world.entra.url,
// resource-manager-url=world.arm.url, azure-credential=github-oidc, login-client-id=LOGIN_CLIENT_ID,
// and env NODE_EXTRA_CA_CERTS=ca.caFile plus the ACTIONS_ID_TOKEN_REQUEST_* emulation.

import { afterAll, afterEach, beforeAll } from '@jest/globals';
import { type Settings } from '../../../src/config/settings.js';
import { TENANT_ID, testSettings } from '../fixtures.js';
import { startArmEmulator, type ArmEmulator, type EmulatedCluster, type EmulatedIdentity } from './arm.js';
import { startEntraEmulator, type EmulatedFederatedCredential, type EntraEmulator } from './entra.js';
import { createTestCa, type TestCa } from './test-ca.js';
import { AZURE_TOKEN_EXCHANGE_AUDIENCE } from '../../../src/manifests/names.js';

export const SUBSCRIPTION_ID = '00000000-0000-0000-0000-000000000000';
export const LOGIN_CLIENT_ID = '11111111-2222-3333-4444-555555555555'; // the deploying app
/** The clientId of the spec's IdentityGet example, the identity the unit tests' Resource Manager
 * serves: the client-id input must match it for the identity check to pass. */
export const IDENTITY_CLIENT_ID = '4024ab25-56a8-4370-aea6-6389221caf29';
export const GITHUB_ISSUER = 'https://token.actions.githubusercontent.com';
export const GITHUB_SUBJECT = 'repo:octo-org/octo-repo:ref:refs/heads/main';

export interface AzureWorld {
  entra: EntraEmulator;
  arm: ArmEmulator;
  close(): Promise<void>;
}

export interface AzureWorldOptions {
  ca: TestCa;
  clusters?: EmulatedCluster[];
  identities?: EmulatedIdentity[];
  /** Federated credentials of the deploying app; default: trusts GITHUB_SUBJECT. */
  loginFederatedCredentials?: EmulatedFederatedCredential[];
  tokenLifetimeSeconds?: number;
  pageSize?: number;
  /** Scope → fixed access token (see EntraEmulatorOptions.fixedTokens). */
  fixedTokens?: Record<string, string>;
}

export async function startAzureWorld(options: AzureWorldOptions): Promise<AzureWorld> {
  const tls = options.ca.server;
  const entra = await startEntraEmulator({
    tls,
    tenantId: TENANT_ID,
    clients: [
      {
        clientId: LOGIN_CLIENT_ID,
        federatedCredentials: options.loginFederatedCredentials ?? [
          { issuer: GITHUB_ISSUER, subject: GITHUB_SUBJECT },
        ],
      },
    ],
    tokenLifetimeSeconds: options.tokenLifetimeSeconds,
    fixedTokens: options.fixedTokens,
  });
  let armUrl = '';
  const arm = await startArmEmulator({
    tls,
    subscriptionId: SUBSCRIPTION_ID,
    clusters: options.clusters,
    identities: options.identities,
    pageSize: options.pageSize,
    verifyToken: (token) => {
      const issued = entra.lookup(token);
      return issued && issued.scope === `${armUrl}/.default` ? issued.scope : undefined;
    },
  });
  armUrl = arm.url;
  return { entra, arm, close: async () => void (await Promise.all([entra.close(), arm.close()])) };
}

/** An unsigned JWT shaped like GitHub's OIDC token (the emulator decodes, never verifies). */
export function fakeGitHubIdToken(
  audience: string,
  claims: { sub?: string; iss?: string; expiresInSeconds?: number } = {},
): string {
  const now = Math.floor(Date.now() / 1000);
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return [
    part({ alg: 'RS256', typ: 'JWT', kid: 'test' }),
    part({
      iss: claims.iss ?? GITHUB_ISSUER,
      sub: claims.sub ?? GITHUB_SUBJECT,
      aud: audience,
      repository: 'octo-org/octo-repo',
      jti: Math.random().toString(36).slice(2),
      iat: now,
      nbf: now - 5,
      exp: now + (claims.expiresInSeconds ?? 300),
    }),
    'c2lnbmF0dXJlLW5vdC1jaGVja2Vk',
  ].join('.');
}

/** Settings read from the inputs of a run against these emulators (entra federation, GitHub
 * OIDC sign-in, cluster aks1 in rg1), then `azure` and `more` laid over them: they may hold what
 * readSettings refuses, e.g. a cluster without a subscription. */
export function azureTestSettings(
  world: { entra: { url: string }; arm: { url: string } },
  azure: Partial<Settings['azure']> = {},
  more: Partial<Omit<Settings, 'azure'>> = {},
): Settings {
  const settings = testSettings({
    mode: 'verify',
    'client-id': IDENTITY_CLIENT_ID,
    federation: 'entra',
    'entra-resource': AZURE_TOKEN_EXCHANGE_AUDIENCE,
    'image-tag': 'v1',
    'subscription-id': SUBSCRIPTION_ID,
    'resource-group': 'rg1',
    'cluster-name': 'aks1',
    'resource-manager-url': world.arm.url,
    'authority-host': world.entra.url,
    'azure-credential': 'github-oidc',
    'login-client-id': LOGIN_CLIENT_ID,
  });
  return { ...settings, azure: { ...settings.azure, ...azure }, ...more };
}

/** For one test file: a throwaway CA for the emulators' HTTPS, made before the file's tests and
 * removed after them, and `start()`, whose world is closed when the test that started it ends. */
export function azureWorldPerTest(): {
  readonly ca: TestCa;
  start(options?: Omit<AzureWorldOptions, 'ca'>): Promise<AzureWorld>;
} {
  let ca: TestCa | undefined;
  const open: AzureWorld[] = [];
  beforeAll(() => {
    ca = createTestCa();
  });
  afterAll(() => ca?.cleanup());
  afterEach(async () => {
    await Promise.all(open.splice(0).map((world) => world.close()));
  });
  const current = (): TestCa => {
    if (!ca) throw new Error('the test CA exists only while the test file runs');
    return ca;
  };
  return {
    get ca() {
      return current();
    },
    async start(options = {}) {
      const world = await startAzureWorld({ ...options, ca: current() });
      open.push(world);
      return world;
    },
  };
}
