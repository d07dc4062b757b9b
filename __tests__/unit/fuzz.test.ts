// Property-based fuzzing of every action input (fast-check): one input at a time gets an arbitrary,
// hostile or mutated-valid value. The action must either refuse it with an InputError that names
// the input, or accept it — and then render the same object set (kinds and names, apart from the
// names the input itself chooses) and the same refresher script, with YAML that reads back the same.
// No other exception, ever. FUZZ_STATS=1 prints how many cases ran, were accepted and refused.
import { describe, expect, it } from '@jest/globals';
import type { KubernetesObject, V1CronJob } from '@kubernetes/client-node';
import fc from 'fast-check';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { readSettings } from '../../src/config/inputs.js';
import { maskSecretInputs } from '../../src/report/redact.js';
import { render, toYamlStream } from '../../src/manifests/render.js';
import type { Settings } from '../../src/config/settings.js';
import { IDENTITY_INPUTS } from '../support/fixtures.js';
import { INPUT_DEFAULTS, type InputName } from '../../src/config/action-inputs.js';
import { InputError } from '../../src/config/input-reader.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 600);
const INPUTS = Object.keys(INPUT_DEFAULTS) as InputName[];

/** A workspace with a valid config file, a file outside it, a symlink out and a directory. */
const root = mkdtempSync(path.join(tmpdir(), 'bifrost-fuzz-'));
const workspace = path.join(root, 'workspace');
mkdirSync(path.join(workspace, 'dir'), { recursive: true });
writeFileSync(path.join(workspace, 'config.json'), '{"providers": {"openai": {"keys": []}}}');
writeFileSync(path.join(root, 'outside.json'), '{}');
symlinkSync(path.join(root, 'outside.json'), path.join(workspace, 'out.json'));
const ENV = { GITHUB_WORKSPACE: workspace, GITHUB_RUN_ID: '123', GITHUB_RUN_ATTEMPT: '1' };

/** Values that are valid for some input, so mutations start close to acceptance. */
const VALID_SAMPLES: Partial<Record<InputName, string[]>> = {
  namespace: ['bifrost', 'prod-1', '0o17', '0x1f', 'y', 'null', '1e3'],
  'service-account-name': ['bifrost-sa', 'a.b', 'bifrost-gateway'],
  'config-secret-name': ['bifrost-config', 'ar-pull-secret', 'x'],
  replicas: ['0', '1', '100', '101', '9999'],
  timeout: ['10s', '9s', '6h', '600h', '1200h', '1h30m', '0s'],
  'cpu-request': ['250m', '1m', '64', '65', '1e3', '0.5'],
  'memory-limit': ['2Gi', '64Mi', '1Ei', '512m', '1e9'],
  'registry-host': ['127.0.0.1:5000', 'registry.example:0', 'h:65536', 'us-docker.pkg.dev'],
  config: [
    'config.json',
    'out.json',
    'dir',
    '../outside.json',
    '/dev/zero',
    '{}',
    '[]',
    '"s"',
    '{"a":[[[1]]]}',
  ],
  'pod-security': ['restricted', 'baseline', 'none', 'privileged'],
  'refresh-schedule': ['*/30 * * * *', '0 0 31 2 *', '60 * * * *', '@hourly'],
  'image-tag': ['v1.4.2', `sha256:${'a'.repeat(64)}`, '.x', 'x'.repeat(129)],
  kubeconfig: ['apiVersion: v1\nclusters: []\n', 'path/to/kubeconfig', '{'],
  'sts-url': ['https://sts.googleapis.com/v1/token', 'http://127.0.0.1:1/x', 'http://evil.example/'],
};

const HOSTILE = [
  '',
  ' ',
  '\n',
  'x\nkind: Secret',
  '${HOME} $(id) `id`',
  '"; kind: Secret; x: "',
  '../../../../etc/passwd',
  '/proc/self/environ',
  '\u0000',
  '\u202e',
  'üñíçødé ✓',
  '-1',
  'NaN',
  'Infinity',
  '1e309',
  '9'.repeat(400),
  `{${'"a":{'.repeat(1000)}${'}'.repeat(1001)}`,
  `{"a":${'['.repeat(20_000)}${']'.repeat(20_000)}}`,
];

const valueFor = (name: InputName): fc.Arbitrary<string> =>
  fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.string({ unit: 'grapheme', maxLength: 20 }),
    fc.constantFrom(...HOSTILE),
    fc.constantFrom(...(VALID_SAMPLES[name] ?? [INPUT_DEFAULTS[name] || 'x'])),
    fc
      .tuple(
        fc.constantFrom(...(VALID_SAMPLES[name] ?? [INPUT_DEFAULTS[name] || 'x'])),
        fc.string({ maxLength: 6 }),
        fc.boolean(),
      )
      .map(([valid, extra, before]) => (before ? `${extra}${valid}` : `${valid}${extra}`)),
    fc.nat().map(String),
  );

function settingsFor(inputs: Record<string, string>): Settings {
  const values: Record<string, string> = { ...IDENTITY_INPUTS, ...inputs };
  return readSettings((name) => values[name] ?? '', ENV);
}

/** `Kind/namespace/name` of every object, with the names the user may choose made symbolic. */
function objectSet(objects: KubernetesObject[], settings: Settings): string[] {
  const chosen: Record<string, [string, string]> = {
    Namespace: [settings.names.namespace, '<namespace>'],
    ServiceAccount: [settings.names.refresherServiceAccount, '<service-account-name>'],
    Secret: [settings.names.configSecret, '<config-secret-name>'],
  };
  return objects.map((o) => {
    const namespace =
      o.metadata?.namespace === settings.names.namespace ? '<namespace>' : o.metadata?.namespace;
    const [userName, symbol] = chosen[o.kind ?? ''] ?? [];
    const name = o.metadata?.name === userName ? symbol : o.metadata?.name;
    return `${o.kind}/${namespace ?? ''}/${name}`;
  });
}

function refresherScript(objects: KubernetesObject[]): unknown {
  const cronJob = objects.find((o) => o.kind === 'CronJob') as V1CronJob;
  const container = cronJob.spec!.jobTemplate.spec!.template.spec!.containers[0];
  return { command: container.command, args: container.args };
}

describe('fuzzing every input', () => {
  it(`refuses or renders the same object set, ${RUNS} cases`, () => {
    const base = settingsFor({});
    const baseObjects = render(base).objects;
    const withConfig = settingsFor({ config: '{}' });
    const stats = { cases: 0, accepted: 0, refused: 0, inputs: new Set<string>() };

    const perInput = Math.ceil(RUNS / INPUTS.length);
    for (const name of INPUTS) {
      fc.assert(
        fc.property(valueFor(name), (value) => {
          stats.cases++;
          stats.inputs.add(name);
          const inputs = { [name]: value };
          maskSecretInputs(
            () => {},
            (input) => inputs[input] ?? '',
          ); // never throws either
          let settings: Settings;
          try {
            settings = settingsFor(inputs);
          } catch (error) {
            if (!(error instanceof InputError)) throw error; // a crash: the property fails
            expect(error.problems.length).toBeGreaterThan(0);
            for (const problem of error.problems) expect(problem.input).toMatch(/^[a-z-]+$|^GITHUB_/);
            stats.refused++;
            return;
          }
          stats.accepted++;
          const { objects } = render(settings);
          const reference = settings.workload.config ? withConfig : base;
          expect(objectSet(objects, settings)).toEqual(objectSet(render(reference).objects, reference));
          expect(refresherScript(objects)).toEqual(refresherScript(baseObjects));
          const documents = YAML.parseAllDocuments(toYamlStream(objects), { version: '1.2' });
          expect(documents.map((d) => d.toJS())).toEqual(JSON.parse(JSON.stringify(objects)));
        }),
        { numRuns: perInput },
      );
    }

    if (process.env.FUZZ_STATS) {
      process.stderr.write(
        `fuzz: ${stats.cases} cases over ${stats.inputs.size} of ${INPUTS.length} inputs: ` +
          `${stats.accepted} accepted, ${stats.refused} refused with InputError, 0 other exceptions\n`,
      );
    }
    expect(stats.cases).toBeGreaterThanOrEqual(500);
    expect(stats.inputs.size).toBe(INPUTS.length);
  });
});
