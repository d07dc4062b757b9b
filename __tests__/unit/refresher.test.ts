// The refresher script (refresh.mjs), run for real: this machine's node under bubblewrap (the
// pod's paths, read-only root, non-root user, no writable volume), Google STS/IAM and Entra ID
// emulated on loopback. No API server in this tier and no ServiceAccount API credentials
// mounted: a run that gets a token ends at the apply step, unable to read the API token (the e2e
// suite runs the same script against a real control plane).

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { credentialConfig } from '../../src/manifests/gcp.js';
import {
  REFRESHER_PATHS,
  refresherCommand,
  refresherEnv,
  refresherScriptEntry,
} from '../../src/manifests/refresher.js';
import {
  REFRESHER_SCRIPT,
  REFRESHER_SCRIPT_FILE,
  REFRESHER_STEPS,
} from '../../src/manifests/refresher-script.js';
import type { FederationMode, IdentitySettings, Settings } from '../../src/config/settings.js';
import { startEntraTokenEmulator, type EntraTokenEmulator } from '../support/emulators/entra-token.js';
import { startGcpEmulator, type GcpEmulator } from '../support/emulators/gcp.js';
import {
  CLIENT_ID,
  GCP_SERVICE_ACCOUNT,
  PROVIDER_AUDIENCE,
  TENANT_ID,
  testSettings,
} from '../support/fixtures.js';
import { runSandboxed, type RefresherRun, type SandboxMount } from '../support/run-refresher.js';
import { isGcloudRefresherImage } from '../../src/config/defaults.js';

const AKS_ISSUER =
  'https://westus2.oic.prod-aks.azure.com/72f988bf-86f1-41af-91ab-2d7cd011db47/0b7e1b7c-0c3e-4d0e-9a39-6f0f1d2c3b4a/';
const SA_SUBJECT = 'system:serviceaccount:bifrost:bifrost-sa';
const ENTRA_RESOURCE = 'api://AzureADTokenExchange';

/** Settings as the action reads them, with `identity` laid over them: emulator URLs, or values
 * readSettings would refuse (the hostile-values test). */
function settingsFor(federation: FederationMode, identity: Partial<IdentitySettings> = {}): Settings {
  const settings = testSettings({ federation, 'entra-resource': ENTRA_RESOURCE });
  return { ...settings, identity: { ...settings.identity, ...identity } };
}

/** A projected ServiceAccount token's shape; the emulators decode it and do not check signatures. */
function serviceAccountJwt(
  claims: { iss?: string; sub?: string; aud?: string; expiresIn?: number } = {},
): string {
  const now = Math.floor(Date.now() / 1000);
  const payload = {
    aud: [claims.aud ?? 'api://AzureADTokenExchange'],
    iss: claims.iss ?? AKS_ISSUER,
    sub: claims.sub ?? SA_SUBJECT,
    iat: now,
    nbf: now,
    exp: now + (claims.expiresIn ?? 3600),
    'kubernetes.io': {
      namespace: 'bifrost',
      serviceaccount: { name: 'bifrost-sa', uid: 'c0ffee00-0000-4000-8000-000000000001' },
    },
  };
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'RS256', kid: 'emulated' })}.${part(payload)}.c2lnbmF0dXJlLW5vdC1jaGVja2Vk`;
}

interface PodFiles {
  settings: Settings;
  saToken?: string;
  extraEnv?: Record<string, string>;
  extraMounts?: SandboxMount[];
}

const workDirs: string[] = [];

/** Lays out the pod's volumes on the host and runs the script as the CronJob's container would. */
async function runScript({
  settings,
  saToken = serviceAccountJwt(),
  extraEnv = {},
  extraMounts = [],
}: PodFiles): Promise<RefresherRun> {
  const dir = mkdtempSync(path.join(tmpdir(), 'refresher-unit-'));
  workDirs.push(dir);
  const configDir = path.join(dir, 'gcp');
  const tokenDir = path.join(dir, 'tokens');
  mkdirSync(configDir);
  mkdirSync(tokenDir);
  writeFileSync(
    path.join(configDir, REFRESHER_PATHS.credentialConfigFile),
    JSON.stringify(credentialConfig(settings.identity), null, 2),
  );
  if (saToken) writeFileSync(path.join(tokenDir, REFRESHER_PATHS.saTokenFile), saToken, { mode: 0o600 });
  writeFileSync(path.join(configDir, REFRESHER_SCRIPT_FILE), REFRESHER_SCRIPT);
  const env: Record<string, string> = {
    PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    // No API server in the unit tier; the ServiceAccount API token is not mounted either.
    KUBERNETES_SERVICE_HOST: '127.0.0.1',
    KUBERNETES_SERVICE_PORT: '1',
  };
  for (const variable of refresherEnv(settings)) env[variable.name] = variable.value ?? '';
  Object.assign(env, extraEnv);
  const mounts: SandboxMount[] = [
    { kind: 'dir', source: configDir, target: REFRESHER_PATHS.credentialConfigDir },
    { kind: 'dir', source: tokenDir, target: REFRESHER_PATHS.saTokenDir },
    ...extraMounts,
  ];
  const [node, script] = refresherCommand();
  expect(node).toBe('/nodejs/bin/node');
  return runSandboxed({
    argv: [process.execPath, script],
    env,
    mounts,
    uid: 65532,
    gid: 65532,
    timeoutMs: 90_000,
  });
}

function output(run: RefresherRun): string {
  return `${run.stdout}\n${run.stderr}`;
}

afterAll(() => {
  for (const dir of workDirs) rmSync(dir, { recursive: true, force: true });
});

describe('refresherEnv', () => {
  it('gives the script every value it reads, with the pod paths, in kubernetes mode', () => {
    const env = Object.fromEntries(refresherEnv(settingsFor('kubernetes')).map((v) => [v.name, v.value]));
    expect(env).toMatchObject({
      FEDERATION_MODE: 'kubernetes',
      NAMESPACE: 'bifrost',
      PULL_SECRET: 'ar-pull-secret',
      REGISTRY_HOST: 'us-central1-docker.pkg.dev',
      TOKEN_LIFETIME_SECONDS: '3600',
      GOOGLE_APPLICATION_CREDENTIALS: '/etc/gcp/credential-config.json',
      SA_TOKEN_FILE: '/var/run/secrets/azure/tokens/azure-identity-token',
    });
    expect(Object.keys(env).filter((name) => name.startsWith('ENTRA_'))).toEqual([]);
    // Default behaviour: no preview contract.
    expect(Object.keys(env).filter((name) => /PREVIEW|ONLY_NAMESPACE/.test(name))).toEqual([]);
    // The workload identity webhook injects AZURE_*: the script must not depend on those names.
    expect(Object.keys(env).filter((name) => name.startsWith('AZURE_'))).toEqual([]);
  });

  it('adds the Entra ID exchange values in entra mode', () => {
    const env = Object.fromEntries(refresherEnv(settingsFor('entra')).map((v) => [v.name, v.value]));
    expect(env).toMatchObject({
      FEDERATION_MODE: 'entra',
      ENTRA_AUTHORITY_HOST: 'https://login.microsoftonline.com',
      ENTRA_TENANT_ID: TENANT_ID,
      ENTRA_CLIENT_ID: CLIENT_ID,
      ENTRA_RESOURCE: ENTRA_RESOURCE,
    });
  });

  it('serve-previews: names the label of the preview namespaces it also writes into', () => {
    const settings = settingsFor('kubernetes');
    settings.workload.servePreviews = true;
    const env = Object.fromEntries(refresherEnv(settings).map((v) => [v.name, v.value]));
    expect(env.PREVIEW_NAMESPACE_LABEL).toBe('bifrost.maximhq.dev/pull-secret-from=bifrost');
  });

  it('carries hostile values only as env values: the script text never changes', () => {
    const hostile = settingsFor('entra', {
      registryHost: 'r.example$(touch /pwned)',
      entraResource: "api://x'; rm -rf / #",
      tenantId: 'tenant"\nexit 0\n"',
    });
    hostile.names.pullSecret = '`id`';
    const env = refresherEnv(hostile);
    expect(env.find((v) => v.name === 'REGISTRY_HOST')?.value).toBe('r.example$(touch /pwned)');
    const script = refresherScriptEntry()[REFRESHER_SCRIPT_FILE];
    expect(script).toBe(REFRESHER_SCRIPT);
    for (const value of [
      '$(touch /pwned)',
      'rm -rf /',
      'exit 0',
      '`id`',
      TENANT_ID,
      'us-central1-docker.pkg.dev',
      'bifrost-sa',
    ]) {
      expect(script).not.toContain(value);
    }
  });
});

describe('refresh.mjs', () => {
  it('is a valid ES module that imports only node: built-ins', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'refresher-check-'));
    workDirs.push(dir);
    writeFileSync(path.join(dir, REFRESHER_SCRIPT_FILE), REFRESHER_SCRIPT);
    execFileSync(process.execPath, ['--check', path.join(dir, REFRESHER_SCRIPT_FILE)]);
    const imports = [...REFRESHER_SCRIPT.matchAll(/^import .* from '([^']+)';$/gm)].map((m) => m[1]);
    expect(imports).toEqual(['node:fs', 'node:http', 'node:https']);
    expect(REFRESHER_SCRIPT).not.toMatch(/writeFile|mkdir|child_process|process\.argv/);
  });

  it('refuses the old gcloud images, accepts distroless and mirrors', () => {
    expect(isGcloudRefresherImage('gcr.io/google.com/cloudsdktool/google-cloud-cli:528.0.0')).toBe(true);
    expect(isGcloudRefresherImage('google/cloud-sdk:slim')).toBe(true);
    expect(isGcloudRefresherImage('gcr.io/distroless/nodejs22-debian12:nonroot')).toBe(false);
    expect(isGcloudRefresherImage('registry.example/mirror/nodejs22-debian12:nonroot')).toBe(false);
  });
});

describe('refresher script against emulated Google (and Entra ID)', () => {
  let gcp: GcpEmulator;
  let entra: EntraTokenEmulator;
  beforeAll(async () => {
    entra = await startEntraTokenEmulator({
      tenantId: TENANT_ID,
      clientId: CLIENT_ID,
      federatedCredential: {
        issuer: AKS_ISSUER,
        subject: SA_SUBJECT,
        audience: 'api://AzureADTokenExchange',
      },
    });
  });
  afterAll(async () => {
    await entra.close();
  });

  async function withGcp<T>(
    options: Partial<Parameters<typeof startGcpEmulator>[0]>,
    body: () => Promise<T>,
  ): Promise<T> {
    gcp = await startGcpEmulator({
      providerAudience: PROVIDER_AUDIENCE,
      allowedServiceAccount: GCP_SERVICE_ACCOUNT,
      acceptedIssuer: AKS_ISSUER,
      acceptedSubject: SA_SUBJECT,
      ...options,
    });
    try {
      return await body();
    } finally {
      await gcp.close();
    }
  }

  function pointedAt(federation: FederationMode, identity: Partial<IdentitySettings> = {}): Settings {
    return settingsFor(federation, {
      stsUrl: gcp.stsTokenUrl,
      iamCredentialsUrl: gcp.url,
      entraAuthorityHost: entra.url,
      ...identity,
    });
  }

  it('kubernetes mode: gets a token through STS and IAM, and reaches the apply step without printing the token', async () => {
    await withGcp({}, async () => {
      const run = await runScript({ settings: pointedAt('kubernetes') });
      const log = output(run);
      expect(log).toContain(REFRESHER_STEPS.stsExchange);
      expect(log).toContain(REFRESHER_STEPS.accessToken);
      expect(log).toContain(REFRESHER_STEPS.applySecret);
      expect(log).not.toContain(REFRESHER_STEPS.entraExchange);
      // No API credentials in this tier: the apply cannot start, so the run fails, and says so.
      expect(run.exitCode).not.toBe(0);
      expect(run.stderr).toContain(
        'error: ServiceAccount API token /var/run/secrets/kubernetes.io/serviceaccount/token is missing',
      );

      const sts = gcp.requests.filter((r) => r.service === 'sts');
      expect(sts.length).toBeGreaterThan(0);
      expect(sts[0].form).toMatchObject({
        audience: PROVIDER_AUDIENCE,
        grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
      });
      expect(sts[0].subjectClaims).toEqual({
        iss: AKS_ISSUER,
        sub: SA_SUBJECT,
        aud: ['api://AzureADTokenExchange'],
      });
      const iam = gcp.requests.filter((r) => r.service === 'iam');
      expect(iam.map((r) => [r.serviceAccount, r.status])).toContainEqual([GCP_SERVICE_ACCOUNT, 200]);
      expect(gcp.issuedAccessTokens.length).toBeGreaterThan(0);
      for (const token of gcp.issuedAccessTokens) expect(log).not.toContain(token);
    });
  }, 120_000);

  it("STS invalid_grant: stops before the apply step, exits non-zero, and shows STS's words", async () => {
    await withGcp({ allowedSubjectAudiences: ['api://SomethingElse'] }, async () => {
      const run = await runScript({ settings: pointedAt('kubernetes') });
      const log = output(run);
      expect(run.exitCode).not.toBe(0);
      expect(log).toContain('invalid_grant');
      expect(log).toContain(
        'The audience in ID Token [api://AzureADTokenExchange] does not match the expected audience.',
      );
      expect(log).not.toContain(REFRESHER_STEPS.applySecret);
      expect(gcp.issuedAccessTokens).toEqual([]);
    });
  }, 120_000);

  it('IAM denies impersonation: exits non-zero with the getAccessToken permission in the log', async () => {
    await withGcp({ allowedServiceAccount: 'someone-else@acme-hub.iam.gserviceaccount.com' }, async () => {
      const run = await runScript({ settings: pointedAt('kubernetes') });
      expect(run.exitCode).not.toBe(0);
      expect(output(run)).toContain('iam.serviceAccounts.getAccessToken');
      expect(output(run)).not.toContain(REFRESHER_STEPS.applySecret);
    });
  }, 120_000);

  it('entra mode: exchanges the ServiceAccount token at Entra ID and federates the Entra token', async () => {
    await withGcp(
      {
        acceptedIssuer: entra.tokenIssuer,
        acceptedSubject: undefined,
        allowedSubjectAudiences: [ENTRA_RESOURCE],
      },
      async () => {
        const before = entra.requests.length;
        const run = await runScript({ settings: pointedAt('entra') });
        const log = output(run);
        expect(log).toContain(REFRESHER_STEPS.entraExchange);
        expect(log).toContain('Entra ID token received, held in memory');
        expect(log).toContain(REFRESHER_STEPS.applySecret);

        const [exchange] = entra.requests.slice(before);
        expect(exchange.path).toBe(`/${TENANT_ID}/oauth2/v2.0/token`);
        expect(exchange.status).toBe(200);
        expect(exchange.form).toEqual({
          grant_type: 'client_credentials',
          client_id: CLIENT_ID,
          scope: `${ENTRA_RESOURCE}/.default`,
          client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        });
        expect(exchange.assertionClaims).toMatchObject({ iss: AKS_ISSUER, sub: SA_SUBJECT });
        // STS saw the Entra token, not the ServiceAccount token.
        const sts = gcp.requests.find((r) => r.service === 'sts');
        expect(sts?.subjectClaims).toMatchObject({ iss: entra.tokenIssuer, aud: ENTRA_RESOURCE });
        expect(gcp.issuedAccessTokens.length).toBeGreaterThan(0);
      },
    );
  }, 120_000);

  it("entra mode: prints Entra's AADSTS error and stops before STS when the federated credential does not match", async () => {
    await withGcp({}, async () => {
      const run = await runScript({
        settings: pointedAt('entra'),
        saToken: serviceAccountJwt({ sub: 'system:serviceaccount:bifrost:default' }),
      });
      const log = output(run);
      expect(run.exitCode).not.toBe(0);
      expect(run.stderr).toContain('error: Entra ID answered HTTP 400');
      expect(run.stderr).toContain(
        "AADSTS700213: No matching federated identity record found for presented assertion subject 'system:serviceaccount:bifrost:default'",
      );
      expect(log).not.toContain(REFRESHER_STEPS.stsExchange);
      expect(gcp.requests).toEqual([]);
    });
  }, 120_000);

  it('fails at the input check, naming the missing projected token', async () => {
    await withGcp({}, async () => {
      const run = await runScript({ settings: pointedAt('kubernetes'), saToken: '' });
      expect(run.exitCode).not.toBe(0);
      expect(run.stderr).toContain(
        'error: ServiceAccount token /var/run/secrets/azure/tokens/azure-identity-token is missing',
      );
      expect(gcp.requests).toEqual([]);
    });
  }, 120_000);

  it('never executes env values: command substitutions, quotes and newlines stay data', async () => {
    await withGcp({}, async () => {
      const markerDir = mkdtempSync(path.join(tmpdir(), 'refresher-marker-'));
      workDirs.push(markerDir);
      const run = await runScript({
        settings: pointedAt('kubernetes'),
        extraMounts: [{ kind: 'dir', source: markerDir, target: '/run/marker', writable: true }],
        extraEnv: {
          NAMESPACE: '$(touch /run/marker/namespace)',
          PULL_SECRET: 'x"; touch /run/marker/quote; echo "',
          REGISTRY_HOST: 'r.example\ntouch /run/marker/newline',
        },
      });
      expect(run.exitCode).not.toBe(0);
      expect(readdirSync(markerDir)).toEqual([]);
      expect(run.stdout).toContain(
        'server-side apply of $(touch /run/marker/namespace)/x"; touch /run/marker/quote; echo "',
      );
    });
  }, 120_000);

  it('tries STS again on 429 and 503, honouring Retry-After, then reports its last answer', async () => {
    const answers = [
      { status: 429, headers: { 'retry-after': '1' }, body: '{"error":"rate_limited"}' },
      { status: 503, headers: {}, body: 'upstream unavailable' },
      { status: 503, headers: {}, body: 'upstream unavailable' },
      { status: 503, headers: {}, body: '{"error":"still down"}' },
    ];
    const seen: number[] = [];
    const started = Date.now();
    const server = createServer((_req, res) => {
      seen.push(Date.now() - started);
      const answer = answers[Math.min(seen.length - 1, answers.length - 1)];
      res.writeHead(answer.status, answer.headers).end(answer.body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      await withGcp({}, async () => {
        const { port } = server.address() as AddressInfo;
        const run = await runScript({
          settings: pointedAt('kubernetes', { stsUrl: `http://127.0.0.1:${port}/v1/token` }),
        });
        expect(run.exitCode).not.toBe(0);
        expect(seen).toHaveLength(4);
        expect(seen[1] - seen[0]).toBeGreaterThanOrEqual(900); // Retry-After: 1
        expect(run.stdout).toContain('retry: Google STS answered HTTP 429; trying again in 1.0 s');
        expect(run.stderr).toContain('error: Google STS answered HTTP 503: {"error":"still down"}');
        expect(output(run)).not.toContain(REFRESHER_STEPS.accessToken);
      });
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }, 120_000);

  it('rejects a non-numeric token lifetime without evaluating it', async () => {
    await withGcp({}, async () => {
      const run = await runScript({
        settings: pointedAt('kubernetes'),
        extraEnv: { TOKEN_LIFETIME_SECONDS: '3600; id' },
      });
      expect(run.exitCode).not.toBe(0);
      expect(run.stderr).toContain('error: TOKEN_LIFETIME_SECONDS is not a positive number of seconds');
      expect(gcp.requests).toEqual([]);
    });
  }, 120_000);
});
