import { describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { readSettings } from '../../src/config/inputs.js';
import { CLIENT_ID, IDENTITY_INPUTS } from '../support/fixtures.js';
import { DEFAULT_REFRESHER_IMAGE } from '../../src/config/defaults.js';
import { INPUT_DEFAULTS, REQUIRED_INPUTS } from '../../src/config/action-inputs.js';
import { InputError, type InputProblem } from '../../src/config/input-reader.js';
import { parseDurationSeconds, parseQuantity } from '../../src/config/rules.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/** The minimum a user must give: the identity values from the Bifrost team. The client id in
 * upper case: readSettings must normalise GUIDs. */
const REQUIRED = { ...IDENTITY_INPUTS, 'client-id': CLIENT_ID.toUpperCase() };

function getInputFrom(values: Record<string, string>, read: string[] = []) {
  return (name: string): string => {
    read.push(name);
    return values[name] ?? '';
  };
}

function settingsFor(values: Record<string, string>, env: NodeJS.ProcessEnv = {}) {
  return readSettings(getInputFrom({ ...REQUIRED, ...values }), env);
}

/** The problems readSettings reports for these inputs (fails the test if it accepts them). */
function problemsFor(values: Record<string, string>, env: NodeJS.ProcessEnv = {}): InputProblem[] {
  try {
    settingsFor(values, env);
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return (error as InputError).problems;
  }
  throw new Error(`accepted invalid inputs ${JSON.stringify(values)}`);
}

interface ActionYaml {
  inputs: Record<string, { description: string; required?: boolean; default?: string }>;
  runs: { using: string; main: string };
}
const actionYaml = YAML.parse(readFileSync(path.join(repoRoot, 'action.yml'), 'utf8')) as ActionYaml;

describe('action.yml and inputs.ts agree', () => {
  it('declares exactly the inputs readSettings reads', () => {
    const read: string[] = [];
    readSettings(getInputFrom(REQUIRED, read), {});
    expect(new Set(read)).toEqual(new Set(Object.keys(actionYaml.inputs)));
    expect(Object.keys(actionYaml.inputs).sort()).toEqual(Object.keys(INPUT_DEFAULTS).sort());
  });

  it('has the same defaults, required flags and a description for every input', () => {
    for (const [name, input] of Object.entries(actionYaml.inputs)) {
      expect({ name, default: input.default ?? '' }).toEqual({
        name,
        default: INPUT_DEFAULTS[name as keyof typeof INPUT_DEFAULTS],
      });
      expect({ name, required: input.required === true }).toEqual({
        name,
        required: REQUIRED_INPUTS.includes(name as keyof typeof INPUT_DEFAULTS),
      });
      expect(input.description.length).toBeGreaterThan(10);
    }
  });

  it('runs on node24 from the bundle', () => {
    expect(actionYaml.runs).toEqual({ using: 'node24', main: 'dist/index.js' });
  });
});

describe('readSettings defaults', () => {
  const settings = settingsFor({});

  it('keeps the seed names and derives the GCP names from the hub slug', () => {
    expect(settings.mode).toBe('deploy');
    expect(settings.names).toEqual({
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
    });
    expect(settings.identity).toEqual({
      tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47',
      clientId: '3f1c2a4b-5d6e-4f70-8a9b-0c1d2e3f4a5b', // GUIDs normalised to lowercase
      hubSlug: 'acme',
      gcpProjectId: 'acme-hub',
      gcpProjectNumber: '123456789012',
      gcpServiceAccount: 'bifrost-puller@acme-hub.iam.gserviceaccount.com',
      workloadIdentityPool: 'acme-azure-pool',
      workloadIdentityProvider: 'acme-azure-provider',
      registryRegion: 'us-central1',
      registryHost: 'us-central1-docker.pkg.dev',
      federation: 'kubernetes',
      entraResource: '',
      entraAuthorityHost: 'https://login.microsoftonline.com',
      stsUrl: 'https://sts.googleapis.com/v1/token',
      iamCredentialsUrl: 'https://iamcredentials.googleapis.com',
    });
  });

  it('fills the workload, Azure and control defaults', () => {
    expect(settings.workload).toEqual({
      image: 'us-central1-docker.pkg.dev/acme-hub/acme/bifrost:latest',
      imageTag: 'latest',
      replicas: 1,
      resources: { requests: { cpu: '250m', memory: '512Mi' }, limits: { cpu: '1000m', memory: '2Gi' } },
      refreshSchedule: '*/30 * * * *',
      refresherImage: DEFAULT_REFRESHER_IMAGE,
      servePreviews: false,
      tokenLifetimeSeconds: 3600,
      podSecurity: 'restricted',
    });
    expect(settings.azure).toEqual({
      subscriptionId: undefined,
      resourceGroup: undefined,
      clusterName: undefined,
      admin: false,
      environment: 'AzureCloud',
      resourceManagerUrl: 'https://management.azure.com',
      authorityHost: 'https://login.microsoftonline.com',
      aksServerAppId: '6dae42f8-4368-4678-94ff-3960e28e3630',
      identityName: 'bifrost-pull-identity',
      identityResourceGroup: undefined,
      federatedCredentialName: 'bifrost-federated-credential',
      manageFederatedCredential: false,
      credential: 'auto',
      loginClientId: undefined,
    });
    expect(settings.control).toEqual({
      timeoutSeconds: 600,
      wait: true,
      forceConflicts: false,
      forceRefresh: false,
      fieldManager: 'bifrost-aks-deploy',
      runId: 'local',
      runAttempt: '1',
    });
    expect(settings.kubeconfig).toBeUndefined();
  });

  it('reads the run id and attempt from the GitHub environment', () => {
    const fromGitHub = settingsFor({}, { GITHUB_RUN_ID: '16712345678', GITHUB_RUN_ATTEMPT: '2' });
    expect(fromGitHub.control).toMatchObject({ runId: '16712345678', runAttempt: '2' });
  });

  it('derives endpoints from the Azure environment and lets explicit values win', () => {
    const china = settingsFor({ 'azure-environment': 'AzureChinaCloud' });
    expect(china.azure.resourceManagerUrl).toBe('https://management.chinacloudapi.cn');
    expect(china.azure.authorityHost).toBe('https://login.chinacloudapi.cn');
    expect(china.identity.entraAuthorityHost).toBe('https://login.chinacloudapi.cn');

    const explicit = settingsFor({
      'azure-environment': 'AzureUSGovernment',
      'resource-manager-url': 'http://127.0.0.1:8443/',
      'entra-authority-host': 'https://login.example.test',
      'registry-host': '127.0.0.1:5000',
      'workload-identity-pool': 'custom-pool',
      'iam-credentials-url': 'http://localhost:9000/',
    });
    expect(explicit.azure.resourceManagerUrl).toBe('http://127.0.0.1:8443');
    expect(explicit.azure.authorityHost).toBe('https://login.microsoftonline.us');
    expect(explicit.identity.entraAuthorityHost).toBe('https://login.example.test');
    expect(explicit.identity.registryHost).toBe('127.0.0.1:5000');
    expect(explicit.workload.image).toBe('127.0.0.1:5000/acme-hub/acme/bifrost:latest');
    expect(explicit.identity.workloadIdentityPool).toBe('custom-pool');
    expect(explicit.identity.workloadIdentityProvider).toBe('acme-azure-provider');
    expect(explicit.identity.iamCredentialsUrl).toBe('http://localhost:9000');
  });

  it('pins a digest with @ and keeps the identity resource group on the cluster one', () => {
    const digest = `sha256:${'ab'.repeat(32)}`;
    const s = settingsFor({
      'image-tag': digest,
      'subscription-id': '00000000-0000-0000-0000-0000000000AA',
      'resource-group': 'rg-aks',
      'cluster-name': 'aks-prod',
      timeout: '1h30m',
      wait: 'False',
      admin: 'TRUE',
      'refresh-schedule': '  0   */6 * *  MON-FRI ',
    });
    expect(s.workload.image).toBe(`us-central1-docker.pkg.dev/acme-hub/acme/bifrost@${digest}`);
    expect(s.azure).toMatchObject({
      subscriptionId: '00000000-0000-0000-0000-0000000000aa',
      resourceGroup: 'rg-aks',
      identityResourceGroup: 'rg-aks',
      clusterName: 'aks-prod',
      admin: true,
    });
    expect(s.control).toMatchObject({ timeoutSeconds: 5400, wait: false });
    expect(s.workload.refreshSchedule).toBe('0 */6 * * MON-FRI');
  });
});

describe('readSettings validation', () => {
  it('reports every required input when none is given, in one error', () => {
    let error: unknown;
    try {
      readSettings(() => '', {});
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InputError);
    const problems = (error as InputError).problems;
    expect(problems.map((p) => p.input).sort()).toEqual([...REQUIRED_INPUTS].sort());
    for (const p of problems) expect(p.problem).toBe('is required but empty');
    expect((error as InputError).message).toContain(`Invalid action inputs (${REQUIRED_INPUTS.length})`);
  });

  it('collects all errors of one run together', () => {
    const problems = problemsFor({
      'tenant-id': 'not-a-guid',
      namespace: 'Bifrost',
      replicas: '-1',
      timeout: '10 minutes',
      'cpu-limit': 'lots',
    });
    expect(problems.map((p) => p.input)).toEqual([
      'tenant-id',
      'cpu-limit',
      'replicas',
      'namespace',
      'timeout',
    ]);
  });

  // [input, invalid value, words the problem must contain, words the expected form must contain]
  const invalid: Array<[string, string, string, string]> = [
    ['tenant-id', '72f988bf86f141af91ab2d7cd011db47', 'is not a GUID', 'GUID such as'],
    ['client-id', 'bifrost-pull-identity', 'is not a GUID', 'GUID such as'],
    ['subscription-id', '1234', 'is not a GUID', 'GUID such as'],
    ['login-client-id', '{guid}', 'is not a GUID', 'GUID such as'],
    ['aks-server-app-id', 'aks', 'is not a GUID', 'GUID such as'],
    ['namespace', 'Bifrost', 'is not a DNS-1123 label', 'at most 63 lowercase'],
    ['namespace', 'a'.repeat(64), 'is not a DNS-1123 label', 'at most 63 lowercase'],
    ['namespace', 'bifrost-', 'is not a DNS-1123 label', 'at most 63 lowercase'],
    ['service-account-name', 'Bifrost_SA', 'is not a Kubernetes object name', 'at most 253'],
    ['config-secret-name', '-config', 'is not a Kubernetes object name', 'at most 253'],
    ['hub-slug', 'Acme', 'is not a valid hub slug', 'Artifact Registry repository'],
    ['hub-slug', '1acme', 'is not a valid hub slug', 'starting with a letter'],
    ['gcp-project-number', 'bifrost-images', 'is not a GCP project number', 'digits only'],
    ['gcp-project-number', '0123', 'is not a GCP project number', 'digits only'],
    ['gcp-project-id', '123456789012', 'is not a GCP project ID', '6–30 lowercase'],
    ['gcp-project-id', 'proj', 'is not a GCP project ID', '6–30 lowercase'],
    [
      'gcp-service-account',
      'bifrost-puller@bifrost-images.gserviceaccount.com',
      'is not a GCP service account email',
      'name@project.iam.gserviceaccount.com',
    ],
    [
      'gcp-service-account',
      'bifrost-puller',
      'is not a GCP service account email',
      'name@project.iam.gserviceaccount.com',
    ],
    [
      'workload-identity-pool',
      'gcp-reserved',
      'is not a workload identity pool/provider ID',
      'not starting with "gcp-"',
    ],
    ['workload-identity-provider', 'a'.repeat(33), 'is not a workload identity pool/provider ID', '4–32'],
    ['registry-region', 'US-CENTRAL1', 'is not an Artifact Registry location', 'us-central1'],
    ['registry-region', 'us-central1-docker.pkg.dev', 'is not an Artifact Registry location', 'multi-region'],
    ['registry-host', 'https://us-docker.pkg.dev', 'is not a registry host', 'optional port'],
    ['image-tag', 'v1 .2', 'is not an image tag or digest', 'sha256:<64 hex>'],
    ['image-tag', '.hidden', 'is not an image tag or digest', 'not starting with'],
    ['image-tag', 'sha256:abc', 'is not an image tag or digest', 'sha256:<64 hex>'],
    ['refresher-image', 'google/cloud-sdk slim', 'is not an image reference', 'registry/path/name'],
    ['refresher-image', 'google/cloud-sdk:stable', 'is a gcloud image', 'node at /nodejs/bin/node'],
    [
      'refresher-image',
      'gcr.io/google.com/cloudsdktool/google-cloud-cli:528.0.0',
      'the refresher is now a Node.js script',
      'distroless/nodejs22-debian12:nonroot@sha256:',
    ],
    ['refresh-schedule', '*/30 * * *', 'is not a 5-field cron schedule', 'minute hour'],
    ['refresh-schedule', '*/30 * * * * *', 'is not a 5-field cron schedule', 'minute hour'],
    ['refresh-schedule', '60 * * * *', 'is not a 5-field cron schedule', 'minute hour'],
    ['refresh-schedule', '*/0 * * * *', 'is not a 5-field cron schedule', 'minute hour'],
    ['refresh-schedule', '0 5-2 * * *', 'is not a 5-field cron schedule', 'minute hour'],
    ['refresh-schedule', '@hourly', 'is not a 5-field cron schedule', 'minute hour'],
    ['cpu-request', '250 m', 'is not a CPU quantity', '250m'],
    ['cpu-limit', '-1', 'is not a CPU quantity', '250m'],
    ['memory-request', '512MB', 'is not a memory quantity', '512Mi'],
    ['memory-limit', '512m', 'is not a memory quantity', 'milli-bytes'],
    ['replicas', '1.5', 'is not a whole number', 'integer from 0'],
    ['replicas', 'two', 'is not a whole number', 'integer from 0'],
    ['timeout', '10', 'is not a duration', '90s, 10m, 1h'],
    ['timeout', '0s', 'is not a duration', 'from 10s to 6h'],
    ['timeout', '9s', 'is not a duration', 'from 10s to 6h'],
    ['timeout', '600h', 'is not a duration', 'from 10s to 6h'],
    ['timeout', '1200h', 'is not a duration', 'from 10s to 6h'],
    ['timeout', '6h1s', 'is not a duration', 'from 10s to 6h'],
    ['replicas', '101', 'is not a whole number', 'integer from 0 to 100'],
    ['cpu-request', '1m', 'is not a CPU quantity', 'from 10m to 64'],
    ['cpu-limit', '1000', 'is not a CPU quantity', 'from 10m to 64'],
    ['memory-request', '1Ki', 'is not a memory quantity', 'from 64Mi to 256Gi'],
    ['memory-limit', '1Ei', 'is not a memory quantity', 'from 64Mi to 256Gi'],
    ['registry-host', 'registry.example:0', 'is not a registry host', '1–65535'],
    ['registry-host', 'registry.example:65536', 'is not a registry host', '1–65535'],
    ['pod-security', 'privileged', 'is not one of the accepted values', 'restricted, baseline, none'],
    ['service-account-name', 'bifrost-gateway', "the gateway's ServiceAccount", 'another name'],
    ['config-secret-name', 'ar-pull-secret', 'the pull secret', 'another name'],
    ['timeout', '10min', 'is not a duration', '90s, 10m, 1h'],
    ['wait', 'yes', 'is not a boolean', 'true or false'],
    ['admin', '1', 'is not a boolean', 'true or false'],
    ['force-conflicts', 'on', 'is not a boolean', 'true or false'],
    ['manage-federated-credential', 'enabled', 'is not a boolean', 'true or false'],
    ['mode', 'apply', 'is not one of the accepted values', 'deploy, render, verify'],
    ['federation', 'oidc', 'is not one of the accepted values', 'kubernetes, entra'],
    ['azure-environment', 'AzureGermanCloud', 'is not one of the accepted values', 'AzureCloud'],
    ['azure-credential', 'service-principal', 'is not one of the accepted values', 'github-oidc'],
    ['sts-url', 'http://sts.googleapis.com/v1/token', 'is not an endpoint URL', 'https://'],
    ['iam-credentials-url', 'https://user:pw@iam.example', 'is not an endpoint URL', 'without user info'],
    ['resource-manager-url', 'management.azure.com', 'is not an endpoint URL', 'https://'],
    ['authority-host', 'https://login.example/#x', 'is not an endpoint URL', 'https://'],
    ['entra-authority-host', 'ftp://login.example', 'is not an endpoint URL', 'https://'],
    ['resource-group', 'rg.', 'is not a resource group name', 'not ending with "."'],
    ['cluster-name', 'aks prod', 'is not an AKS cluster name', 'at most 63'],
    ['identity-name', 'id', 'is not a managed identity name', '3–128'],
    ['federated-credential-name', 'fic/1', 'is not a federated credential name', '3–120'],
  ];

  it.each(invalid)('rejects %s = %j', (input, value, problem, expected) => {
    const extra: Record<string, string> =
      input === 'resource-group' || input === 'cluster-name'
        ? { 'subscription-id': '00000000-0000-0000-0000-000000000001', 'resource-group': 'rg' }
        : {};
    const problems = problemsFor({ ...extra, [input]: value }).filter((p) => p.input === input);
    expect(problems).toHaveLength(1);
    expect(problems[0].problem).toContain(JSON.stringify(value)); // names the offending value
    expect(problems[0].problem).toContain(problem);
    expect(problems[0].expected).toContain(expected);
  });

  const valid: Array<[string, string]> = [
    ['registry-region', 'us'],
    ['registry-region', 'europe-west10'],
    ['registry-region', 'northamerica-northeast1'],
    ['refresh-schedule', '0,30 1-5/2 ? JAN-DEC sun'],
    ['refresh-schedule', '15 3 1 * 7'],
    ['cpu-request', '0.25'],
    ['cpu-limit', '2'],
    ['memory-request', '1e9'],
    ['memory-limit', '4G'],
    ['replicas', '0'],
    ['image-tag', 'v1.4.11_rc-1'],
    ['refresher-image', 'localhost:5000/tools/nodejs22@sha256:' + 'c'.repeat(64)],
    ['refresher-image', 'gcr.io/distroless/nodejs22-debian12:nonroot'],
    ['entra-authority-host', 'http://[::1]:8080'],
    ['timeout', '90s'],
    ['wait', 'FALSE'],
    ['namespace', 'a'.repeat(63)],
    ['service-account-name', 'bifrost.sa-2'],
    ['resource-group', 'My_RG-(prod).1'],
  ];

  it.each(valid)('accepts %s = %j', (input, value) => {
    const extra: Record<string, string> =
      input === 'resource-group' ? { 'subscription-id': '00000000-0000-0000-0000-000000000001' } : {};
    expect(() => settingsFor({ ...extra, [input]: value })).not.toThrow();
  });

  it('says the derived pool id is too long and how to fix it', () => {
    const problems = problemsFor({ 'hub-slug': 'a-very-long-hub-slug-name' });
    expect(problems.map((p) => p.input)).toEqual(['workload-identity-pool', 'workload-identity-provider']);
    expect(problems[0].problem).toContain('"a-very-long-hub-slug-name-azure-pool"');
    expect(problems[0].expected).toContain('set workload-identity-pool');
    // An explicit id avoids it.
    expect(
      settingsFor({
        'hub-slug': 'a-very-long-hub-slug-name',
        'workload-identity-pool': 'acme-pool',
        'workload-identity-provider': 'acme-provider',
      }).identity.workloadIdentityPool,
    ).toBe('acme-pool');
  });

  it('requires entra-resource in entra federation, and only there', () => {
    const problems = problemsFor({ federation: 'entra' });
    expect(problems).toEqual([
      expect.objectContaining({ input: 'entra-resource', problem: 'is required but empty' }),
    ]);
    expect(
      settingsFor({ federation: 'entra', 'entra-resource': 'api://bifrost-gcp' }).identity,
    ).toMatchObject({
      federation: 'entra',
      entraResource: 'api://bifrost-gcp',
    });
    expect(
      problemsFor({ federation: 'entra', 'entra-resource': 'api://bifrost-gcp/.default' })[0],
    ).toMatchObject({
      input: 'entra-resource',
      expected: expect.stringContaining('without /.default'),
    });
  });

  it('checks requests against limits', () => {
    const problems = problemsFor({ 'cpu-request': '2', 'cpu-limit': '1500m', 'memory-request': '3Gi' });
    expect(problems).toEqual([
      expect.objectContaining({ input: 'cpu-request', problem: '"2" is more than cpu-limit "1500m"' }),
      expect.objectContaining({ input: 'memory-request', problem: '"3Gi" is more than memory-limit "2Gi"' }),
    ]);
  });

  it('requires the Resource Manager path segments together', () => {
    expect(problemsFor({ 'cluster-name': 'aks' }).map((p) => p.input)).toEqual([
      'subscription-id',
      'resource-group',
    ]);
    expect(problemsFor({ 'manage-federated-credential': 'true' }).map((p) => p.input)).toEqual([
      'manage-federated-credential',
    ]);
    const managed = settingsFor({
      'manage-federated-credential': 'true',
      'subscription-id': '00000000-0000-0000-0000-000000000001',
      'identity-resource-group': 'rg-identities',
      'resource-group': 'rg-aks',
    });
    expect(managed.azure).toMatchObject({
      manageFederatedCredential: true,
      identityResourceGroup: 'rg-identities',
    });
  });

  it('rejects a run id that cannot go into a Job name', () => {
    expect(problemsFor({}, { GITHUB_RUN_ID: 'Run 1' })).toEqual([
      expect.objectContaining({ input: 'GITHUB_RUN_ID', problem: '"Run 1" is not usable in a Job name' }),
    ]);
  });

  it('takes kubeconfig content, never echoes it, and refuses what looks like a path', () => {
    const content = 'apiVersion: v1\nkind: Config\nclusters: []\n';
    expect(settingsFor({ kubeconfig: content }).kubeconfig).toBe(content.trim());
    const problems = problemsFor({ kubeconfig: '/home/runner/.kube/config-secret-path' });
    expect(problems).toHaveLength(1);
    expect(problems[0].input).toBe('kubeconfig');
    expect(JSON.stringify(problems)).not.toContain('config-secret-path');
  });
});

describe('config input', () => {
  const config = { providers: { openai: { keys: [{ name: 'k', value: 'sk-live-SECRET' }] } } };

  it('takes inline JSON and hashes it', () => {
    const json = JSON.stringify(config);
    const s = settingsFor({ config: json });
    expect(s.workload.config).toEqual({
      json,
      sha256: createHash('sha256').update(json).digest('hex'), // of the exact text
      hasPostgresConfigStore: false,
    });
    const other = settingsFor({ config: JSON.stringify({ ...config, extra: 1 }) });
    expect(other.workload.config!.sha256).not.toBe(s.workload.config!.sha256);
    expect(settingsFor({ config: json }).workload.config!.sha256).toBe(s.workload.config!.sha256);
  });

  it('reads a file relative to the workspace', () => {
    const workspace = mkdtempSync(path.join(tmpdir(), 'bifrost-inputs-'));
    const text = `${JSON.stringify({ config_store: { enabled: true, type: 'postgres', config: {} } }, null, 2)}\n`;
    writeFileSync(path.join(workspace, 'config.json'), text);
    const s = settingsFor({ config: 'config.json' }, { GITHUB_WORKSPACE: workspace });
    expect(s.workload.config).toMatchObject({ json: text, hasPostgresConfigStore: true });
    expect(
      settingsFor({ config: path.join(workspace, 'config.json') }, { GITHUB_WORKSPACE: workspace }).workload
        .config!.json,
    ).toBe(text);
  });

  it('confines config files to the workspace, symlinks resolved, regular files only', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'bifrost-confine-'));
    const workspace = path.join(root, 'workspace');
    mkdirSync(path.join(workspace, 'sub'), { recursive: true });
    writeFileSync(path.join(root, 'outside.json'), '{"key": "sk-live-OUTSIDE"}');
    writeFileSync(path.join(workspace, 'inside.json'), '{"key": "sk-live-INSIDE"}');
    symlinkSync(path.join(root, 'outside.json'), path.join(workspace, 'link-out.json'));
    symlinkSync('/dev/zero', path.join(workspace, 'zero'));
    symlinkSync(path.join(workspace, 'inside.json'), path.join(workspace, 'sub', 'link-in.json'));
    execFileSync('mkfifo', [path.join(workspace, 'pipe')]);
    const env = { GITHUB_WORKSPACE: workspace };
    const problem = (config: string) => problemsFor({ config }, env).map((p) => `${p.input}: ${p.problem}`);

    for (const outside of [
      '../outside.json',
      path.join(root, 'outside.json'),
      'link-out.json',
      'zero',
      '/dev/zero',
      '/etc/passwd',
    ]) {
      expect(problem(outside)).toEqual([
        'config: names a file outside the workspace (after resolving symlinks)',
      ]);
    }
    expect(problem('pipe')).toEqual(['config: names something in the workspace that is not a regular file']);
    expect(problem('sub')).toEqual(['config: names something in the workspace that is not a regular file']);
    expect(problem('.')).toEqual(['config: names a file outside the workspace (after resolving symlinks)']);
    // Inside after resolving: a symlink within the workspace and `..` that stays inside.
    expect(settingsFor({ config: 'sub/link-in.json' }, env).workload.config!.json).toContain('INSIDE');
    expect(settingsFor({ config: 'sub/../inside.json' }, env).workload.config!.json).toContain('INSIDE');
  });

  it.each([['["sk-live-SECRET-1"]'], ['"sk-live-SECRET-2"'], ['12345678901234567890'], ['null'], ['true']])(
    'refuses inline JSON that is not an object without echoing it: %s',
    (value) => {
      const problems = problemsFor({ config: value });
      expect(problems).toHaveLength(1);
      expect(problems[0].problem).toMatch(/^is JSON but .*, not an object$/);
      expect(JSON.stringify(problems)).not.toMatch(/SECRET|1234567890/);
    },
  );

  it('refuses a kubeconfig over 1 MiB without echoing it', () => {
    const problems = problemsFor({ kubeconfig: `users:\n- token: ${'t'.repeat(1024 * 1024)}\n` });
    expect(problems).toEqual([
      expect.objectContaining({ input: 'kubeconfig', problem: 'is larger than 1 MiB' }),
    ]);
  });

  it('reads a config nested 50,000 deep without overflowing the stack', () => {
    const deep = `{"a":${'['.repeat(50_000)}"sk-live-DEEP-SECRET"${']'.repeat(50_000)}}`;
    expect(settingsFor({ config: deep }).workload.config!.json).toBe(deep);
  });

  it.each([
    [{ config_store: { enabled: true, type: 'postgres' } }, true],
    [{ config_store: { enabled: false, type: 'postgres' } }, false],
    [{ config_store: { type: 'postgres' } }, false],
    [{ config_store: { enabled: true, type: 'sqlite', config: { path: './config.db' } } }, false],
    [{ logs_store: { enabled: true, type: 'postgres' } }, false],
    [{}, false],
  ])('detects a Postgres config store in %j → %s', (value, expected) => {
    expect(settingsFor({ config: JSON.stringify(value) }).workload.config!.hasPostgresConfigStore).toBe(
      expected,
    );
  });

  it.each([
    ['{"providers": {"openai": {"keys": [{"value": "sk-live-SECRET"}]}', 'is not valid JSON'],
    ['{"providers": sk-live-SECRET}', 'is not valid JSON'],
    ["{'value': 'sk-live-SECRET'}", 'is not valid JSON'],
  ])('reports invalid JSON without echoing it: %s', (value, problem) => {
    const problems = problemsFor({ config: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ input: 'config', problem: expect.stringContaining(problem) });
    expect(JSON.stringify(problems)).not.toContain('SECRET');
  });

  it('rejects JSON that is not an object, a missing file, and oversized content', () => {
    expect(problemsFor({ config: '{"a": 1} ["sk-live-SECRET"]' })[0].problem).toContain('is not valid JSON');
    const workspace = mkdtempSync(path.join(tmpdir(), 'bifrost-inputs-'));
    writeFileSync(path.join(workspace, 'list.json'), '["sk-live-SECRET"]');
    expect(problemsFor({ config: 'list.json' }, { GITHUB_WORKSPACE: workspace })[0].problem).toBe(
      'is JSON but an array, not an object',
    );
    expect(problemsFor({ config: 'missing.json' }, { GITHUB_WORKSPACE: workspace })[0].problem).toBe(
      'is not inline JSON, and no such file exists in the workspace (ENOENT)',
    );
    writeFileSync(path.join(workspace, 'big.json'), `{"a":"${'x'.repeat(1024 * 1024)}"}`);
    expect(problemsFor({ config: 'big.json' }, { GITHUB_WORKSPACE: workspace })[0].problem).toContain(
      'larger than 1 MiB',
    );
  });
});

describe('value parsers', () => {
  it.each([
    ['250m', 0.25],
    ['2', 2],
    ['0.5', 0.5],
    ['512Mi', 512 * 2 ** 20],
    ['2Gi', 2 * 2 ** 30],
    ['1G', 1e9],
    ['1e3', 1000],
    ['1.5k', 1500],
  ])('parseQuantity(%s) = %d', (text, value) => {
    expect(parseQuantity(text)).toBeCloseTo(value);
  });

  it.each([
    ['90s', 90],
    ['10m', 600],
    ['1h', 3600],
    ['1h30m', 5400],
    ['1h0m5s', 3605],
  ])('parseDurationSeconds(%s) = %d', (text, value) => {
    expect(parseDurationSeconds(text)).toBe(value);
  });

  it.each(['', '0s', '5', 'm', '1d', '-1m'])('parseDurationSeconds(%j) is undefined', (text) => {
    expect(parseDurationSeconds(text)).toBeUndefined();
  });
});
