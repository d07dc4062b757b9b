// Entra ID and Resource Manager emulators started together and wired the way Azure is:
// Resource Manager accepts only tokens that this Entra issued for the Resource Manager scope.
// Also a fake GitHub OIDC token minter and Settings for unit tests.
// For a subprocess (`node dist/index.js`): pass inputs authority-host=world.entra.url,
// resource-manager-url=world.arm.url, azure-credential=github-oidc, login-client-id=LOGIN_CLIENT_ID,
// and env NODE_EXTRA_CA_CERTS=ca.caFile plus the ACTIONS_ID_TOKEN_REQUEST_* emulation.

import type { Settings } from '../../../src/settings.js';
import { startArmEmulator, type ArmEmulator, type EmulatedCluster, type EmulatedIdentity } from './arm.js';
import { startEntraEmulator, type EmulatedFederatedCredential, type EntraEmulator } from './entra.js';
import type { TestCa } from './test-ca.js';

export const TENANT_ID = '72f988bf-86f1-41af-91ab-2d7cd011db47';
export const SUBSCRIPTION_ID = '00000000-0000-0000-0000-000000000000';
export const LOGIN_CLIENT_ID = '11111111-2222-3333-4444-555555555555'; // the deploying app
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
        federatedCredentials: options.loginFederatedCredentials ?? [{ issuer: GITHUB_ISSUER, subject: GITHUB_SUBJECT }],
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
export function fakeGitHubIdToken(audience: string, claims: { sub?: string; iss?: string; expiresInSeconds?: number } = {}): string {
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

/** Settings as inputs.ts would build them, pointed at the emulators. */
export function azureTestSettings(world: { entra: { url: string }; arm: { url: string } }, azure: Partial<Settings['azure']> = {}, more: Partial<Omit<Settings, 'azure'>> = {}): Settings {
  return {
    mode: 'verify',
    names: {
      namespace: 'bifrost',
      refresherServiceAccount: 'bifrost-sa',
      gatewayServiceAccount: 'bifrost-gateway',
      credentialConfigMap: 'gcp-credential-config',
      cronJob: 'refresh-ar-secret',
      pullSecret: 'ar-pull-secret',
      configSecret: 'bifrost-config',
      role: 'secret-manager',
      roleBinding: 'secret-manager-binding',
      deployment: 'bifrost',
      service: 'bifrost',
    },
    identity: {
      tenantId: TENANT_ID,
      clientId: '4024ab25-56a8-4370-aea6-6389221caf29', // spec IdentityGet example
      hubSlug: 'acme',
      gcpProjectId: 'bifrost-hub',
      gcpProjectNumber: '123456789012',
      gcpServiceAccount: 'puller@bifrost-hub.iam.gserviceaccount.com',
      workloadIdentityPool: 'acme-azure-pool',
      workloadIdentityProvider: 'acme-azure-provider',
      registryRegion: 'us-central1',
      registryHost: 'us-central1-docker.pkg.dev',
      federation: 'entra',
      entraResource: 'api://AzureADTokenExchange',
      entraAuthorityHost: world.entra.url,
      stsUrl: 'https://sts.googleapis.com/v1/token',
      iamCredentialsUrl: 'https://iamcredentials.googleapis.com',
    },
    workload: {
      image: 'us-central1-docker.pkg.dev/bifrost-hub/acme/bifrost:v1',
      imageTag: 'v1',
      replicas: 1,
      resources: { requests: { cpu: '250m', memory: '512Mi' }, limits: { cpu: '1000m', memory: '2Gi' } },
      refreshSchedule: '*/30 * * * *',
      refresherImage: 'gcr.io/google.com/cloudsdktool/google-cloud-cli:stable',
      tokenLifetimeSeconds: 3600,
    },
    azure: {
      subscriptionId: SUBSCRIPTION_ID,
      resourceGroup: 'rg1',
      clusterName: 'aks1',
      admin: false,
      environment: 'AzureCloud',
      resourceManagerUrl: world.arm.url,
      authorityHost: world.entra.url,
      aksServerAppId: '6dae42f8-4368-4678-94ff-3960e28e3630',
      identityName: 'bifrost-pull-identity',
      identityResourceGroup: 'rg1',
      federatedCredentialName: 'bifrost-federated-credential',
      manageFederatedCredential: false,
      credential: 'github-oidc',
      loginClientId: LOGIN_CLIENT_ID,
      ...azure,
    },
    control: {
      timeoutSeconds: 600,
      wait: true,
      forceConflicts: false,
      fieldManager: 'bifrost-aks-deploy',
      runId: '1',
      runAttempt: '1',
    },
    ...more,
  };
}
