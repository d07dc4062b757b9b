// Signing in to Entra ID with the job's GitHub OIDC token, against the HTTPS Entra emulator.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  AzureError,
  chooseCredentialKind,
  connectAzure,
  createAzureCredential,
  resolveAzureCloud,
} from '../../src/azure/index.js';
import {
  GITHUB_SUBJECT,
  LOGIN_CLIENT_ID,
  azureTestSettings,
  azureWorldPerTest,
  fakeGitHubIdToken,
  type AzureWorld,
} from '../support/emulators/azure-world.js';
import { TENANT_ID } from '../support/fixtures.js';
import { freePort } from '../support/registry.js';
import { findHint } from '../../src/report/hints.js';
import { RetryPolicy, ServiceUnreachableError } from '../../src/net/retry.js';

const emulators = azureWorldPerTest();
let world: AzureWorld | undefined;

/** An ID-token getter that mints a new fake GitHub token on each call and remembers them. */
function githubTokens(claims: Parameters<typeof fakeGitHubIdToken>[1] = {}) {
  const minted: Array<{ audience: string; token: string }> = [];
  const getIdToken = async (audience: string) => {
    const token = fakeGitHubIdToken(audience, claims);
    minted.push({ audience, token });
    return token;
  };
  return { minted, getIdToken };
}

describe('GitHub OIDC sign-in', () => {
  it('exchanges the GitHub OIDC token at Entra for tokens of the requested scopes', async () => {
    world = await emulators.start();
    const settings = azureTestSettings(world);
    const github = githubTokens();
    const login = createAzureCredential(settings.azure, TENANT_ID, {
      getIdToken: github.getIdToken,
      agent: emulators.ca.agent(),
    });
    expect(login.kind).toBe('github-oidc');

    const arm = await login.credential.getToken(`${world.arm.url}/.default`);
    const aks = await login.credential.getToken('6dae42f8-4368-4678-94ff-3960e28e3630/.default');

    expect(world.entra.lookup(arm!.token)?.scope).toBe(`${world.arm.url}/.default`);
    expect(world.entra.lookup(aks!.token)?.scope).toBe('6dae42f8-4368-4678-94ff-3960e28e3630/.default');
    const tokenRequests = world.entra.requests.filter((r) => r.path.endsWith('/oauth2/v2.0/token'));
    expect(
      tokenRequests.map((r) => [
        r.status,
        r.form?.client_id,
        r.form?.client_assertion_type,
        r.assertionClaims?.sub,
      ]),
    ).toEqual([
      [200, LOGIN_CLIENT_ID, 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', GITHUB_SUBJECT],
      [200, LOGIN_CLIENT_ID, 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', GITHUB_SUBJECT],
    ]);
    // A GitHub token with minutes to live serves both requests: one call to GitHub.
    expect(github.minted.map((m) => m.audience)).toEqual(['api://AzureADTokenExchange']);
  });

  it('mints a new GitHub OIDC token once the last one is about to expire', async () => {
    world = await emulators.start();
    const settings = azureTestSettings(world);
    const github = githubTokens({ expiresInSeconds: 30 }); // under the one-minute reuse margin
    const login = createAzureCredential(settings.azure, TENANT_ID, {
      getIdToken: github.getIdToken,
      agent: emulators.ca.agent(),
    });

    await login.credential.getToken(`${world.arm.url}/.default`);
    const mintedForFirst = github.minted.length;
    await login.credential.getToken('6dae42f8-4368-4678-94ff-3960e28e3630/.default');

    expect(mintedForFirst).toBeGreaterThanOrEqual(1);
    expect(github.minted.length).toBeGreaterThan(mintedForFirst);
    expect(new Set(github.minted.map((m) => m.token)).size).toBe(github.minted.length);
  });

  it('shows the presented issuer, subject and audience when Entra answers AADSTS70021', async () => {
    world = await emulators.start();
    const settings = azureTestSettings(world);
    const presentedSubject = 'repo:octo-org/octo-repo:environment:production';
    const github = githubTokens({ sub: presentedSubject });
    const login = createAzureCredential(settings.azure, TENANT_ID, {
      getIdToken: github.getIdToken,
      agent: emulators.ca.agent(),
    });

    const error = (await login.credential
      .getToken(`${world.arm.url}/.default`)
      .catch((e: unknown) => e)) as AzureError;

    expect(error).toBeInstanceOf(AzureError);
    expect(error.code).toBe('AADSTS70021');
    expect(error.message).toContain(
      'AADSTS70021: No matching federated identity record found for presented assertion',
    );
    expect(error.hint).toContain(`subject '${presentedSubject}'`);
    expect(error.hint).toContain("issuer 'https://token.actions.githubusercontent.com'");
    expect(error.hint).toContain("audience 'api://AzureADTokenExchange'");
    // The claims are shown, the token never is.
    const token = github.minted[0].token;
    expect(`${error.message}\n${error.hint}`).not.toContain(token);
    expect(`${error.message}\n${error.hint}`).not.toContain(token.split('.')[1]);
    expect(world.entra.requests.find((r) => r.aadsts)?.aadsts).toBe(70021);
  });

  it('names login-client-id when Entra does not know the application (AADSTS700016)', async () => {
    world = await emulators.start();
    const unknownApp = '99999999-9999-9999-9999-999999999999';
    const settings = azureTestSettings(world, { loginClientId: unknownApp });
    const login = createAzureCredential(settings.azure, TENANT_ID, {
      getIdToken: githubTokens().getIdToken,
      agent: emulators.ca.agent(),
    });

    const error = (await login.credential
      .getToken(`${world.arm.url}/.default`)
      .catch((e: unknown) => e)) as AzureError;

    expect(error.code).toBe('AADSTS700016');
    expect(error.message).toContain(`Application with identifier '${unknownApp}' was not found`);
    expect(error.hint).toMatch(/login-client-id and tenant-id/);
  });

  it('asks for id-token: write when the job cannot mint an OIDC token', async () => {
    world = await emulators.start();
    const settings = azureTestSettings(world);
    const getIdToken = async () => {
      throw new Error('Unable to get ACTIONS_ID_TOKEN_REQUEST_URL env variable');
    };
    const login = createAzureCredential(settings.azure, TENANT_ID, {
      getIdToken,
      agent: emulators.ca.agent(),
    });

    const error = (await login.credential
      .getToken(`${world.arm.url}/.default`)
      .catch((e: unknown) => e)) as AzureError;

    expect(error.message).toContain('ACTIONS_ID_TOKEN_REQUEST_URL');
    expect(error.hint).toContain('id-token: write');
    expect(world.entra.requests.filter((r) => r.path.endsWith('/token'))).toHaveLength(0);
  });

  it('names Entra ID unreachable, with the address and attempts, when the authority host refuses connections', async () => {
    world = await emulators.start();
    const authority = `https://127.0.0.1:${await freePort()}`; // nothing listens there
    const settings = azureTestSettings({ entra: { url: authority }, arm: world.arm });
    const policy = new RetryPolicy({ baseDelayMs: 5, maxAttempts: 3 });
    const login = createAzureCredential(settings.azure, TENANT_ID, {
      getIdToken: githubTokens().getIdToken,
      agent: emulators.ca.agent(),
      policy,
    });

    const error = await login.credential.getToken(`${world.arm.url}/.default`).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ServiceUnreachableError);
    expect((error as Error).message).toBe(
      `Entra ID unreachable at ${authority}: ECONNREFUSED from ${authority}/${TENANT_ID}/v2.0/.well-known/openid-configuration (3 attempts)`,
    );
    expect(findHint((error as Error).message)?.id).toBe('entra-unreachable');
    expect(policy.retries).toEqual({ entra: 2 });
  });

  it('still reports a refusal by Entra ID as a refusal, not as unreachable', async () => {
    world = await emulators.start();
    const settings = azureTestSettings(world, { loginClientId: '00000000-0000-4000-8000-00000000dead' });
    const login = createAzureCredential(settings.azure, TENANT_ID, {
      getIdToken: githubTokens().getIdToken,
      agent: emulators.ca.agent(),
      policy: new RetryPolicy({ baseDelayMs: 5, maxAttempts: 3 }),
    });
    const error = await login.credential.getToken(`${world.arm.url}/.default`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AzureError);
    expect((error as AzureError).message).toContain('Entra ID rejected the GitHub OIDC sign-in');
  });

  it('refuses github-oidc without login-client-id', () => {
    const settings = azureTestSettings(
      { entra: { url: 'https://login.example' }, arm: { url: 'https://arm.example' } },
      { loginClientId: undefined },
    );
    expect(() =>
      createAzureCredential(settings.azure, TENANT_ID, { getIdToken: githubTokens().getIdToken }),
    ).toThrow(/login-client-id is empty/);
  });

  it('signs Resource Manager requests with a token for the Resource Manager scope', async () => {
    world = await emulators.start({
      identities: [
        {
          resourceGroup: 'rg1',
          name: 'bifrost-pull-identity',
          body: { name: 'bifrost-pull-identity', properties: { clientId: 'c' } },
        },
      ],
    });
    const settings = azureTestSettings(world);
    const { arm } = connectAzure(settings, {
      getIdToken: githubTokens().getIdToken,
      agent: emulators.ca.agent(),
    });

    await arm.getIdentity({
      subscriptionId: settings.azure.subscriptionId!,
      resourceGroup: 'rg1',
      identityName: 'bifrost-pull-identity',
    });

    expect(world.arm.requests.map((r) => [r.method, r.status, r.tokenLabel, r.apiVersion])).toEqual([
      ['GET', 200, `${world.arm.url}/.default`, '2024-11-30'],
    ]);
  });
});

describe('environment sign-in', () => {
  const keys = [
    'AZURE_TENANT_ID',
    'AZURE_CLIENT_ID',
    'AZURE_FEDERATED_TOKEN_FILE',
    'AZURE_AUTHORITY_HOST',
  ] as const;
  const saved = Object.fromEntries(keys.map((k) => [k, process.env[k]]));
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'azure-env-credential-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    for (const k of keys) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  });

  it('uses a federated token file named by AZURE_* variables (DefaultAzureCredential) at the configured authority', async () => {
    world = await emulators.start({
      loginFederatedCredentials: [{ issuer: 'https://oidc.example/runner', subject: 'self-hosted-runner' }],
    });
    const file = path.join(dir, 'token');
    writeFileSync(
      file,
      fakeGitHubIdToken('api://AzureADTokenExchange', {
        iss: 'https://oidc.example/runner',
        sub: 'self-hosted-runner',
      }),
    );
    Object.assign(process.env, {
      AZURE_TENANT_ID: TENANT_ID,
      AZURE_CLIENT_ID: LOGIN_CLIENT_ID,
      AZURE_FEDERATED_TOKEN_FILE: file,
    });
    const settings = azureTestSettings(world, { credential: 'environment', loginClientId: undefined });

    const login = createAzureCredential(settings.azure, TENANT_ID, { agent: emulators.ca.agent() });
    const token = await login.credential.getToken(`${world.arm.url}/.default`);

    expect(login.kind).toBe('environment');
    expect(world.entra.lookup(token!.token)?.clientId).toBe(LOGIN_CLIENT_ID);
  });

  it('shows what the token file presented when Entra answers AADSTS70021, never the token', async () => {
    world = await emulators.start({
      loginFederatedCredentials: [{ issuer: 'https://oidc.example/runner', subject: 'self-hosted-runner' }],
    });
    const file = path.join(dir, 'untrusted-token');
    const token = fakeGitHubIdToken('api://AzureADTokenExchange', {
      iss: 'https://oidc.example/runner',
      sub: 'system:serviceaccount:ci:other-runner',
    });
    writeFileSync(file, token);
    const env = {
      AZURE_TENANT_ID: TENANT_ID,
      AZURE_CLIENT_ID: LOGIN_CLIENT_ID,
      AZURE_FEDERATED_TOKEN_FILE: file,
    };
    Object.assign(process.env, env); // DefaultAzureCredential reads process.env itself
    const settings = azureTestSettings(world, { credential: 'environment', loginClientId: undefined });

    const login = createAzureCredential(settings.azure, TENANT_ID, { agent: emulators.ca.agent(), env });
    const error = (await login.credential
      .getToken(`${world.arm.url}/.default`)
      .catch((e: unknown) => e)) as AzureError;

    expect(error).toBeInstanceOf(AzureError);
    expect(error.code).toBe('AADSTS70021');
    expect(error.hint).toContain(
      `No federated credential of the Entra application/identity ${LOGIN_CLIENT_ID}`,
    );
    expect(error.hint).toContain(`AZURE_FEDERATED_TOKEN_FILE (${file})`);
    expect(error.hint).toContain(
      "Presented: issuer 'https://oidc.example/runner', subject 'system:serviceaccount:ci:other-runner', audience 'api://AzureADTokenExchange'",
    );
    expect(`${error.message}\n${error.hint}`).not.toContain(token.split('.')[1]);
  });
});

describe('choosing how to sign in', () => {
  const settings = azureTestSettings({
    entra: { url: 'https://login.example' },
    arm: { url: 'https://arm.example' },
  });
  const oidcEnv = { ACTIONS_ID_TOKEN_REQUEST_URL: 'https://pipelines.example/idtoken' };

  it('auto uses GitHub OIDC when the job can mint tokens and login-client-id is set', () => {
    expect(chooseCredentialKind({ ...settings.azure, credential: 'auto' }, oidcEnv)).toBe('github-oidc');
  });

  it('auto falls back to the azure/login session (then the environment) otherwise', () => {
    expect(chooseCredentialKind({ ...settings.azure, credential: 'auto' }, {})).toBe('azure-cli');
    expect(
      chooseCredentialKind({ ...settings.azure, credential: 'auto', loginClientId: undefined }, oidcEnv),
    ).toBe('azure-cli');
  });

  it('an explicit choice wins', () => {
    expect(chooseCredentialKind({ ...settings.azure, credential: 'environment' }, oidcEnv)).toBe(
      'environment',
    );
    expect(chooseCredentialKind({ ...settings.azure, credential: 'azure-cli' }, oidcEnv)).toBe('azure-cli');
  });
});

describe('Azure clouds', () => {
  it('maps each azure-environment to its Resource Manager and authority', () => {
    expect(resolveAzureCloud('AzureCloud')).toEqual({
      resourceManagerUrl: 'https://management.azure.com',
      authorityHost: 'https://login.microsoftonline.com',
    });
    expect(resolveAzureCloud('AzureChinaCloud')).toEqual({
      resourceManagerUrl: 'https://management.chinacloudapi.cn',
      authorityHost: 'https://login.chinacloudapi.cn',
    });
    expect(resolveAzureCloud('AzureUSGovernment')).toEqual({
      resourceManagerUrl: 'https://management.usgovcloudapi.net',
      authorityHost: 'https://login.microsoftonline.us',
    });
  });

  it('lets explicit endpoints win', () => {
    expect(
      resolveAzureCloud('AzureChinaCloud', {
        resourceManagerUrl: 'https://127.0.0.1:8443/',
        authorityHost: '',
      }),
    ).toEqual({
      resourceManagerUrl: 'https://127.0.0.1:8443',
      authorityHost: 'https://login.chinacloudapi.cn',
    });
  });
});
