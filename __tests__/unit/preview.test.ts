// Previews, pure parts: inputs, what a preview is made of, run ordering, sweep decisions, and the
// GitHub client against the loopback emulator of the documented payloads.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { V1Deployment, V1RoleBinding } from '@kubernetes/client-node';
import { GitHubAuthError, gitHubClient } from '../../src/github/client.js';
import { defaultPreviewNamespace } from '../../src/config/defaults.js';
import {
  previewAccess,
  refreshJobName,
  renderPreview,
  repositoryLabelValue,
} from '../../src/manifests/preview.js';
import { compareRuns, parseRunKey } from '../../src/modes/steps/preview-lock.js';
import { decideSweep } from '../../src/modes/sweep.js';
import { startGitHubEmulator, type GitHubEmulator } from '../support/emulators/github.js';
import { testSettings } from '../support/fixtures.js';
import { InputError } from '../../src/config/input-reader.js';
import { parseMaxAgeSeconds } from '../../src/config/rules.js';

const ENV = { GITHUB_REPOSITORY: 'acme/bifrost-app', GITHUB_SHA: 'a'.repeat(40), GITHUB_RUN_ID: '100' };
const CONFIG = '{"providers":{}}';

function previewSettings(inputs: Record<string, string> = {}, env: NodeJS.ProcessEnv = ENV) {
  return testSettings({ preview: '42', config: CONFIG, ...inputs }, env);
}

function problems(inputs: Record<string, string>, env: NodeJS.ProcessEnv = ENV): string[] {
  try {
    testSettings(inputs, env);
    return [];
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    return error.problems.map((p) => `${p.input}: ${p.problem}`);
  }
}

describe('preview inputs', () => {
  it('names the preview namespace after production and the pull request', () => {
    const settings = previewSettings();
    expect(settings.preview).toEqual({
      pr: 42,
      namespace: 'bifrost-pr-42',
      productionNamespace: 'bifrost',
      repository: 'acme/bifrost-app',
      commit: 'a'.repeat(40),
    });
    expect(defaultPreviewNamespace('x'.repeat(60), 12345)).toHaveLength(63);
  });

  it('takes preview-namespace, preview-commit and ingress-host', () => {
    const settings = previewSettings({
      'preview-namespace': 'review-42',
      'preview-commit': 'b'.repeat(40),
      'ingress-host': 'pr-42.preview.example.com',
    });
    expect(settings.preview).toMatchObject({
      namespace: 'review-42',
      commit: 'b'.repeat(40),
      ingressHost: 'pr-42.preview.example.com',
    });
  });

  it('refuses what cannot work, each with the input named', () => {
    expect(problems({ preview: 'abc' })).toEqual([
      expect.stringMatching(/^preview: "abc" is not a pull request number/),
    ]);
    expect(problems({ mode: 'teardown' })).toEqual(['preview: is required but empty']);
    expect(problems({ preview: '7', 'preview-namespace': 'bifrost' })).toEqual([
      'preview-namespace: is the production namespace',
    ]);
    expect(problems({ 'preview-namespace': 'x' })).toEqual([
      'preview-namespace: is set but `preview` is empty',
    ]);
    expect(problems({ preview: '7' }, {})).toEqual([expect.stringMatching(/^GITHUB_REPOSITORY: ""/)]);
    expect(problems({ mode: 'sweep' })).toEqual(['github-token: is required in mode sweep but empty']);
    expect(problems({ mode: 'sweep', 'github-token': 't', 'max-age': '91d' })).toEqual([
      'max-age: "91d" is not a max-age',
    ]);
  });

  it('reads max-age in days or as a duration', () => {
    expect(parseMaxAgeSeconds('7d')).toBe(7 * 86400);
    expect(parseMaxAgeSeconds('36h')).toBe(36 * 3600);
    expect(parseMaxAgeSeconds('1s')).toBe(1);
    expect(parseMaxAgeSeconds('0d')).toBeUndefined();
    const sweep = testSettings({ mode: 'sweep', 'github-token': 'tok', 'dry-run': 'true' }, ENV).sweep;
    expect(sweep).toEqual({
      repository: 'acme/bifrost-app',
      apiUrl: 'https://api.github.com',
      token: 'tok',
      maxAgeSeconds: 14 * 86400,
      dryRun: true,
    });
  });
});

describe('renderPreview', () => {
  const settings = previewSettings({ 'ingress-host': 'pr-42.example.com' });
  const objects = renderPreview(settings, settings.preview!, '2026-12-02T07:00:00.000Z');
  const byKind = (kind: string) => objects.filter((o) => o.kind === kind);

  it('has no trust of its own: no refresher, no credential config, no CronJob', () => {
    expect(objects.map((o) => `${o.kind}/${o.metadata?.name}`)).toEqual([
      'Namespace/bifrost-pr-42',
      'Role/secret-manager',
      'RoleBinding/secret-manager-binding',
      'ServiceAccount/bifrost-gateway',
      'Secret/bifrost-config',
      'Deployment/bifrost',
      'Service/bifrost',
      'Ingress/bifrost',
    ]);
    expect(objects.every((o) => (o.metadata?.namespace ?? o.metadata?.name) === 'bifrost-pr-42')).toBe(true);
  });

  it("binds production's refresher ServiceAccount to get/patch the pull secret only", () => {
    const binding = byKind('RoleBinding')[0] as V1RoleBinding;
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'bifrost-sa', namespace: 'bifrost' }]);
    expect(byKind('Role')[0]).toMatchObject({
      rules: [
        { resources: ['secrets'], verbs: ['get', 'patch'], resourceNames: ['ar-pull-secret'] },
        { resources: ['secrets'], verbs: ['create'] },
      ],
    });
  });

  it('labels every object (and the pods) with repository, pull request, commit and manager', () => {
    const expected = {
      'app.kubernetes.io/managed-by': 'bifrost-aks-deploy',
      'bifrost.maximhq.dev/preview': '42',
      'bifrost.maximhq.dev/repository': 'acme.bifrost-app',
      'bifrost.maximhq.dev/commit': 'a'.repeat(40),
    };
    for (const object of objects) expect(object.metadata?.labels).toMatchObject(expected);
    const pods = (byKind('Deployment')[0] as V1Deployment).spec?.template.metadata?.labels;
    expect(pods).toMatchObject({ ...expected, app: 'bifrost' });
    expect(byKind('Namespace')[0].metadata).toMatchObject({
      labels: { 'bifrost.maximhq.dev/pull-secret-from': 'bifrost' },
      annotations: {
        'bifrost.maximhq.dev/repository': 'acme/bifrost-app',
        'bifrost.maximhq.dev/deployed-at': '2026-12-02T07:00:00.000Z',
      },
    });
  });

  it('pulls with the Secret production writes', () => {
    const pod = (byKind('Deployment')[0] as V1Deployment).spec?.template.spec;
    expect(pod?.imagePullSecrets).toEqual([{ name: 'ar-pull-secret' }]);
  });

  it('says how to reach it', () => {
    expect(previewAccess(settings, settings.preview!).url).toBe('https://pr-42.example.com');
    const plain = previewSettings();
    expect(previewAccess(plain, plain.preview!)).toEqual({
      url: 'http://localhost:8080',
      instructions:
        'Run `kubectl port-forward -n bifrost-pr-42 service/bifrost 8080:80`, then open http://localhost:8080.',
    });
  });

  it('keeps label values valid for long repository names', () => {
    const value = repositoryLabelValue(`${'o'.repeat(39)}/${'r'.repeat(100)}`);
    expect(value.length).toBeLessThanOrEqual(63);
    expect(value).toMatch(/^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/);
  });
});

describe('run ordering', () => {
  it('orders by run id, then attempt, numerically', () => {
    expect(compareRuns({ runId: '100', runAttempt: '1' }, { runId: '99', runAttempt: '3' })).toBe(1);
    expect(compareRuns({ runId: '100', runAttempt: '1' }, { runId: '100', runAttempt: '2' })).toBe(-1);
    expect(compareRuns({ runId: '100', runAttempt: '2' }, { runId: '100', runAttempt: '2' })).toBe(0);
    expect(parseRunKey('100-2')).toEqual({ runId: '100', runAttempt: '2' });
    expect(parseRunKey('')).toBeUndefined();
  });

  it('names the refresh Job per preview and run attempt', () => {
    const settings = previewSettings();
    expect(refreshJobName(settings.preview!, { runId: '123456789', runAttempt: '2' })).toBe(
      'preview-42-refresh-123456789-2',
    );
  });
});

describe('decideSweep', () => {
  const now = new Date('2026-12-02T12:00:00Z');
  const found = [
    { namespace: 'b-pr-1', pr: 1, deployedAt: '2026-12-02T11:00:00Z' },
    { namespace: 'b-pr-2', pr: 2, deployedAt: '2026-12-02T11:00:00Z' },
    { namespace: 'b-pr-3', pr: 3, deployedAt: '2026-11-01T11:00:00Z' },
    { namespace: 'b-pr-4', pr: 4, deployedAt: '2026-12-02T11:59:00Z' },
  ];
  const states = new Map([
    [1, { state: 'closed' as const, merged: true, closedAt: '2026-12-02T11:30:00Z' }],
    [2, { state: 'open' as const }],
    [3, { state: 'open' as const }],
    [4, { state: 'unknown' as const, detail: 'pull request #4 not found (HTTP 404 Not Found)' }],
  ]);

  it('removes closed or merged pull requests and previews older than max-age, with reasons', () => {
    const { removed, kept } = decideSweep(found, states, now, 7 * 86400);
    expect(removed).toEqual([
      { namespace: 'b-pr-1', pr: 1, reason: 'pull request #1 is merged (2026-12-02T11:30:00Z)' },
      {
        namespace: 'b-pr-3',
        pr: 3,
        reason: 'last deployed 2026-11-01T11:00:00Z, 31d1h ago, more than max-age 7d0h',
      },
    ]);
    expect(kept).toEqual([
      { namespace: 'b-pr-2', pr: 2, reason: 'pull request #2 is open; last deployed 1h0m ago' },
      {
        namespace: 'b-pr-4',
        pr: 4,
        reason: 'pull request #4 not found (HTTP 404 Not Found); last deployed 1m0s ago',
      },
    ]);
  });
});

describe('gitHubClient against the emulator', () => {
  let github: GitHubEmulator;
  beforeAll(async () => {
    github = await startGitHubEmulator();
    github.setPull('acme/app', 1, { state: 'open' });
    github.setPull('acme/app', 2, { state: 'closed', closedAt: '2026-12-01T10:00:00Z' });
    github.setPull('acme/app', 3, { state: 'closed', merged: true, closedAt: '2026-12-01T11:00:00Z' });
  });
  afterAll(() => github.close());

  const client = (token = github.token) =>
    gitHubClient({ apiUrl: github.url, token, repository: 'acme/app' });

  it('reads open, closed and merged pull requests', async () => {
    const c = client();
    expect(await c.pullState(1)).toEqual({ state: 'open' });
    expect(await c.pullState(2)).toEqual({
      state: 'closed',
      merged: false,
      closedAt: '2026-12-01T10:00:00Z',
    });
    expect(await c.pullState(3)).toEqual({ state: 'closed', merged: true, closedAt: '2026-12-01T11:00:00Z' });
    expect(await c.pullState(4)).toEqual({
      state: 'unknown',
      detail: 'pull request #4 not found (HTTP 404 Not Found)',
    });
    expect(c.requests).toBe(4);
  });

  it('throws on a refused token and on the rate limit', async () => {
    await expect(client('wrong').pullState(1)).rejects.toMatchObject({
      kind: 'unauthorized',
      message: expect.stringContaining('HTTP 401 Bad credentials'),
    });
    github.refuse('rate-limited');
    const error = await client()
      .pullState(1)
      .catch((e: unknown) => e);
    github.refuse(undefined);
    expect(error).toBeInstanceOf(GitHubAuthError);
    expect(error).toMatchObject({ kind: 'rate-limited', status: 403 });
    expect((error as Error).message).toMatch(/API rate limit exceeded.*the limit resets at/);
  });
});
