// The manifests' YAML writer: what it writes reads back as the same data in YAML 1.1 and 1.2.
import { describe, expect, it } from '@jest/globals';
import YAML from 'yaml';
import { needsQuotes, toYamlDocument } from '../../src/manifests/yaml.js';

/** Strings a YAML 1.1 or 1.2 reader takes for something else when written plain. */
const NOT_PLAIN = [
  ...['on', 'Off', 'YES', 'no', 'y', 'N', 'true', 'False', 'null', 'NULL', '~', ''],
  ...['0755', '0o17', '0x1F', '0b101', '1_000', '12', '-1', '+1', '1.5', '.5', '1e3', '6.02e+23'],
  ...['.inf', '-.Inf', '.NaN', '1:30', '190:20:30.15', '2024-01-02', '2001-12-14t21:59:43.10-05:00'],
  ...['<<', '=', '- x', '-', '? x', ': x', 'a: b', 'a #b', 'a:', ' lead', 'trail ', '#c', '&a', '*a', '!t'],
  ...['%YAML', '@x', '`x`', '|', '>', '"q"', "'q'", '{a}', '[a]', 'a,b]', 'tab\tx', '\u2028', 'é'],
];

const PLAIN = [
  'bifrost',
  'app.kubernetes.io/part-of',
  'https://sts.googleapis.com/v1/token',
  'a b',
  'v1',
  'Always',
];

function roundTrips(data: object): void {
  const text = toYamlDocument(data);
  for (const version of ['1.1', '1.2'] as const) {
    const document = YAML.parseDocument(text, { version });
    expect(document.errors).toEqual([]);
    expect(document.toJS()).toEqual(data);
  }
}

describe('needsQuotes', () => {
  it.each(NOT_PLAIN.map((s) => [JSON.stringify(s), s]))('quotes %s', (_label, value) => {
    expect(needsQuotes(value)).toBe(true);
    roundTrips({ [value]: value, list: [value] });
  });

  it('leaves names, paths and URLs plain', () => {
    for (const value of PLAIN) expect(needsQuotes(value)).toBe(false);
    expect(toYamlDocument({ a: PLAIN })).toBe(`a:\n${PLAIN.map((v) => `  - ${v}\n`).join('')}`);
  });
});

describe('toYamlDocument', () => {
  it('writes a multi-line string as a literal block, as written', () => {
    const script = '#!/bin/sh\nset -eu\n\n  indented: yes\n--- not a document\nend\n';
    expect(toYamlDocument({ data: { 'refresh.sh': script } })).toBe(
      'data:\n  refresh.sh: |\n    #!/bin/sh\n    set -eu\n\n      indented: yes\n    --- not a document\n    end\n',
    );
    roundTrips({
      a: 'no newline\nat end',
      b: 'two\n\n',
      c: ' leading\nspace',
      d: 'cr\r\nlf',
      e: 'x\u2028y\nz',
    });
  });

  it('writes nested collections, empty ones, numbers, booleans and null, leaving undefined out', () => {
    const data = {
      spec: {
        containers: [
          { name: 'a', args: ['-c', 'x y'], env: [] },
          { name: 'b', ports: [{ port: 80 }] },
        ],
      },
      nested: [[1, 2], [], {}, null, [{ a: true }], 0.25],
      gone: undefined,
    };
    expect(toYamlDocument(data)).toContain('      args:\n        - "-c"\n        - x y\n      env: []\n');
    const { gone: _gone, ...kept } = data;
    roundTrips(kept);
    expect(toYamlDocument(data)).not.toContain('gone');
  });
});
