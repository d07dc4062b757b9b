// The bundle as GitHub runs it, where no cluster is needed: invalid inputs and `mode: render`.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { parseAllDocuments } from 'yaml';
import { repoRoot, runAction } from '../support/action.js';
import { IDENTITY_INPUTS } from '../support/fixtures.js';
import { registerSecret } from '../support/secret-scan.js';

/** GitHub runs the action on node24 (action.yml); our machines run Node 20. Both are tested
 * (scripts/node24.sh installs Node 24 into the cache once, from the npm registry). */
const node24 = () =>
  execFileSync('bash', [path.join(repoRoot, 'scripts/node24.sh')], { encoding: 'utf8' }).trim();

const CONFIG = '{"providers":{"openai":{"keys":[{"value":"sk-not-a-real-key-0123456789"}]}}}';

describe('node dist/index.js', () => {
  it('fails before touching any cluster when inputs are invalid, naming each input and the expected form', async () => {
    const run = await runAction({
      inputs: {
        ...IDENTITY_INPUTS,
        'tenant-id': 'not-a-guid',
        'gcp-project-number': 'acme',
        namespace: 'Bad_NS',
      },
    });
    expect(run.exitCode).toBe(1);
    const error = run.annotations.find((a) => a.title === 'Invalid input');
    expect(error?.message).toContain('tenant-id');
    expect(error?.message).toContain('gcp-project-number');
    expect(error?.message).toContain('namespace');
    expect(run.stdout).not.toContain('::group::Apply');
    // One error line per failure: no setFailed repeating the annotation's text.
    expect(run.annotations.filter((a) => a.level === 'error')).toHaveLength(1);
  });

  it('mode verify (scheduled) does not warn about the image tag, and a failure is one error line', async () => {
    const run = await runAction({
      inputs: { ...IDENTITY_INPUTS, mode: 'verify', 'image-tag': 'latest' },
      env: { KUBECONFIG: path.join(repoRoot, '__tests__/unit/no-such-kubeconfig') },
    });
    expect(run.exitCode).toBe(1);
    expect(run.annotations.filter((a) => a.level === 'warning')).toEqual([]);
    expect(run.annotations.filter((a) => a.level === 'error')).toHaveLength(1);
    expect(JSON.parse(run.outputs.report).result).toBe('fail');
  });

  it('refuses a config that is JSON but not an object, and a kubeconfig that does not parse, without echoing either', async () => {
    const key = 'sk-live-in-an-array-0123456789';
    const token = 'kubeconfig-token-0123456789abcdef';
    registerSecret(key, 'config array (action test)');
    registerSecret(token, 'malformed kubeconfig (action test)');
    const array = await runAction({ inputs: { ...IDENTITY_INPUTS, config: `["${key}"]` } });
    expect(array.exitCode).toBe(1);
    expect(array.annotations.find((a) => a.title === 'Invalid input')?.message).toContain(
      'config: is JSON but an array, not an object',
    );
    const kubeconfig = await runAction({
      inputs: {
        ...IDENTITY_INPUTS,
        mode: 'verify',
        kubeconfig: `apiVersion: v1\nusers:\n- name: u\n  user:\n    token: ${token}\n  x: : [\n`,
      },
    });
    expect(kubeconfig.exitCode).toBe(1);
    expect(kubeconfig.stdout).toMatch(
      /kubeconfig: does not load as a kubeconfig \(YAML error at line [0-9]+, column [0-9]+\)/,
    );
    // Only the runner's ::add-mask:: commands carry the values (the secret scan checks the rest).
    for (const run of [array, kubeconfig]) {
      const shown = run.stdout
        .split('\n')
        .filter((line) => !line.startsWith('::add-mask::'))
        .join('\n');
      expect(`${shown}${run.stderr}${run.summary}`).not.toMatch(/0123456789/);
    }
  });

  it('with no inputs at all, says which are required', async () => {
    const run = await runAction({ inputs: {} });
    expect(run.exitCode).toBe(1);
    expect(run.annotations.find((a) => a.title === 'Invalid input')?.message).toMatch(
      /tenant-id[\s\S]*client-id/,
    );
  });

  it('mode render writes the manifests under RUNNER_TEMP, touches no cluster, and leaves the config out', async () => {
    const run = await runAction({
      inputs: { ...IDENTITY_INPUTS, mode: 'render', config: CONFIG },
      env: { KUBECONFIG: '/nonexistent/kubeconfig' },
    });
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    const file = run.outputs['manifests-path'];
    expect(file.startsWith(run.runnerTemp)).toBe(true);
    const text = readFileSync(file, 'utf8');
    const kinds = parseAllDocuments(text).map((d) => (d.toJS() as { kind: string }).kind);
    expect(kinds).toEqual([
      'Namespace',
      'ServiceAccount',
      'ServiceAccount',
      'ConfigMap',
      'Role',
      'RoleBinding',
      'CronJob',
      'Deployment',
      'Service',
    ]);
    expect(text).not.toContain('sk-not-a-real-key');
    // The runner consumes ::add-mask:: lines; nothing else may carry the config.
    const masks = run.stdout.split('\n').filter((line) => line.startsWith('::add-mask::'));
    expect(masks).toEqual(
      expect.arrayContaining([`::add-mask::${CONFIG}`, '::add-mask::sk-not-a-real-key-0123456789']),
    );
    expect(
      run.stdout
        .split('\n')
        .filter((line) => !line.startsWith('::add-mask::'))
        .join('\n'),
    ).not.toContain('sk-not-a-real-key');
    expect(
      run.annotations
        .filter((a) => a.level === 'warning')
        .map((a) => a.message)
        .join('\n'),
    ).toContain('latest');
    expect(JSON.parse(run.outputs.report).result).toBe('pass');
  });

  it('runs on Node 24, the runtime action.yml names, as on Node 20', async () => {
    const node = node24();
    expect(execFileSync(node, ['--version'], { encoding: 'utf8' })).toMatch(/^v24\./);
    const run = await runAction({ inputs: { ...IDENTITY_INPUTS, mode: 'render' }, node });
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    expect(readFileSync(run.outputs['manifests-path'], 'utf8')).toContain('kind: CronJob');
    const invalid = await runAction({ inputs: {}, node });
    expect(invalid.exitCode).toBe(1);
    expect(invalid.annotations.find((a) => a.title === 'Invalid input')).toBeDefined();
  });

  it('works on a runner without job summaries (no GITHUB_STEP_SUMMARY)', async () => {
    const run = await runAction({
      inputs: { ...IDENTITY_INPUTS, mode: 'render' },
      env: { GITHUB_STEP_SUMMARY: undefined },
    });
    expect(run.stdout).not.toContain('Unexpected error');
    expect(run.exitCode).toBe(0);
    expect(run.outputs['manifests-path']).toBeTruthy();
  });
});
