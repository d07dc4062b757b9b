// The shape docs/ARCHITECTURE.md describes, held by a test over src/'s import graph: no import
// cycles (type imports included), each folder imports only its own layer or the layers below it,
// nothing but main.ts imports a mode, src/ holds only index.ts and main.ts at its root, and main.ts
// stays a short chooser of modes.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { repoRoot } from '../support/action.js';

const src = path.join(repoRoot, 'src');

/** Lower layers first; a module may import from its own folder or from a lower layer. */
const LAYERS: readonly (readonly string[])[] = [
  ['net'],
  ['report'],
  ['config'],
  ['manifests'],
  ['cluster'],
  ['chain', 'checks', 'azure', 'github'],
  ['modes'],
  ['.'], // main.ts, index.ts
];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return sourceFiles(full);
    return name.endsWith('.ts') ? [full] : [];
  });
}

/** Relative imports of a module (static, dynamic and `export … from`), as files under src/. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [
    ...text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+'(\.{1,2}\/[^']+)'/g),
    ...text.matchAll(/import\(\s*'(\.{1,2}\/[^']+)'\s*\)/g),
  ].map((m) => m[1]);
  return specs.map((spec) => path.resolve(path.dirname(file), spec.replace(/\.js$/, '.ts')));
}

const files = sourceFiles(src);
const graph = new Map(files.map((file) => [file, importsOf(file)]));
const rel = (file: string) => path.relative(src, file);
const folderOf = (file: string) => {
  const parts = rel(file).split(path.sep);
  return parts.length === 1 ? '.' : parts[0];
};
const layerOf = (file: string) => LAYERS.findIndex((layer) => layer.includes(folderOf(file)));

describe('src/ import graph', () => {
  it('resolves every relative import to a file of src/', () => {
    const dangling = [...graph].flatMap(([file, targets]) =>
      targets.filter((t) => !graph.has(t)).map((t) => `${rel(file)} → ${path.relative(repoRoot, t)}`),
    );
    expect(dangling).toEqual([]);
  });

  it('has no import cycle', () => {
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const stack: string[] = [];
    const visit = (file: string) => {
      state.set(file, 'open');
      stack.push(file);
      for (const next of graph.get(file) ?? []) {
        if (state.get(next) === 'open')
          cycles.push([...stack.slice(stack.indexOf(next)), next].map(rel).join(' → '));
        else if (!state.has(next)) visit(next);
      }
      stack.pop();
      state.set(file, 'done');
    };
    for (const file of files) if (!state.has(file)) visit(file);
    expect(cycles).toEqual([]);
  });

  it('puts every folder in a layer', () => {
    expect(files.filter((file) => layerOf(file) === -1).map(rel)).toEqual([]);
  });

  it('imports only from the same folder or a lower layer', () => {
    const upward = [...graph].flatMap(([file, targets]) =>
      targets
        .filter((t) => folderOf(t) !== folderOf(file) && layerOf(t) >= layerOf(file))
        .map((t) => `${rel(file)} → ${rel(t)}`),
    );
    expect(upward).toEqual([]);
  });

  it('lets only main.ts and the modes themselves import a mode', () => {
    const intoModes = [...graph].flatMap(([file, targets]) =>
      targets
        .filter((t) => folderOf(t) === 'modes' && folderOf(file) !== 'modes' && rel(file) !== 'main.ts')
        .map((t) => `${rel(file)} → ${rel(t)}`),
    );
    expect(intoModes).toEqual([]);
    // A mode is a sequence of steps: it does not call another mode.
    const modeFiles = readdirSync(path.join(src, 'modes')).filter((f) => f.endsWith('.ts'));
    const modes = modeFiles.filter((f) => !['context.ts', 'failure.ts'].includes(f));
    const modeToMode = [...graph].flatMap(([file, targets]) =>
      targets
        .filter(
          (t) =>
            t !== file &&
            path.dirname(t) === path.join(src, 'modes') &&
            modes.includes(path.basename(t)) &&
            folderOf(file) === 'modes',
        )
        .map((t) => `${rel(file)} → ${rel(t)}`),
    );
    expect(modeToMode).toEqual([]);
    expect(modes.sort()).toEqual(
      ['deploy.ts', 'preview.ts', 'render.ts', 'sweep.ts', 'teardown.ts', 'verify.ts'].sort(),
    );
  });

  it('keeps src/ root to index.ts and main.ts, and main.ts short', () => {
    expect(
      files
        .filter((file) => folderOf(file) === '.')
        .map(rel)
        .sort(),
    ).toEqual(['index.ts', 'main.ts']);
    const lines = readFileSync(path.join(src, 'main.ts'), 'utf8').split('\n').length;
    expect(lines).toBeLessThanOrEqual(150);
  });

  it('has comments about the code, not the tracker: no issue numbers in src/', () => {
    const found = files.flatMap((file) =>
      readFileSync(file, 'utf8')
        .split('\n')
        .map((line, i) => ({ line, at: `${rel(file)}:${i + 1}` }))
        .filter(({ line }) => /\bissues? #?\d+\b/i.test(line))
        .map(({ at, line }) => `${at}: ${line.trim()}`),
    );
    expect(found).toEqual([]);
  });
});
