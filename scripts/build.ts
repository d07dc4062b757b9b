// `npm run build`: type-check, bundle with ncc into dist/, then minify every chunk (cold
// start: the runner parses dist on every step). The same source gives byte-identical dist on every
// run (CI rebuilds and diffs it): ncc's module and chunk ids are deterministic, so is terser, and
// the chunks are minified in sorted order.
// `open` is not bundled: only @azure/identity's interactive browser sign-in imports it, which the
// action never uses, and it brought a chunk and a copy of the `xdg-open` script. package.json
// overrides it with scripts/stubs/open (an npm override; an ncc external would be imported
// eagerly by dist/index.js and fail on a runner, which has no node_modules).
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { minify } from 'terser';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
const bin = (name: string) => path.join(root, 'node_modules/.bin', name);

function step(label: string, run: () => void): void {
  const started = Date.now();
  run();
  console.log(`build: ${label} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
}

step('tsc --noEmit', () => execFileSync(bin('tsc'), ['--noEmit'], { cwd: root, stdio: 'inherit' }));
rmSync(dist, { recursive: true, force: true });
step('ncc', () =>
  execFileSync(
    bin('ncc'),
    ['build', 'src/index.ts', '-o', 'dist', '--license', 'licenses.txt', '--no-cache', '--quiet'],
    { cwd: root, stdio: 'inherit' },
  ),
);

const chunks = readdirSync(dist)
  .filter((file) => file.endsWith('.js'))
  .sort();
// terser rather than esbuild's minifier: it drops the classes nothing references inside a chunk
// (most of @kubernetes/client-node's generated API groups), 1.8 MB against 3.8 MB for that chunk.
const started = Date.now();
for (const file of chunks) {
  const full = path.join(dist, file);
  const { code } = await minify(readFileSync(full, 'utf8'), {
    // Every chunk is an ES module (dist/package.json says "type": "module").
    module: true,
    ecma: 2020,
    compress: true,
    mangle: true,
    // The licenses are collected in dist/licenses.txt.
    format: { comments: false },
  });
  if (code === undefined) throw new Error(`terser returned nothing for ${file}`);
  writeFileSync(full, code);
}
console.log(`build: minify ${chunks.length} chunks (${((Date.now() - started) / 1000).toFixed(1)} s)`);

let total = 0;
for (const file of readdirSync(dist).sort()) {
  const bytes = statSync(path.join(dist, file)).size;
  if (file.endsWith('.js')) total += bytes;
  console.log(`  ${file.padEnd(16)} ${(bytes / 1000).toFixed(0).padStart(6)} kB`);
}
console.log(`build: dist/*.js ${(total / 1e6).toFixed(2)} MB`);
