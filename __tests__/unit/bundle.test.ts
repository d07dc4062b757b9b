// What the bundle loads (cold start): `open` and its `xdg-open` copy are not in dist,
// nothing is loaded from outside dist (a runner has no node_modules),
// an input error or `mode: render` reads no chunk of @kubernetes/client-node or Azure. A
// module hook (node:module register) records every file the action's process loads.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { repoRoot, runAction } from '../support/action.js';
import { IDENTITY_INPUTS } from '../support/fixtures.js';

const dist = path.join(repoRoot, 'dist');
const chunks = () => readdirSync(dist).filter((file) => file.endsWith('.js'));

/** Text that survives minification and names the library a chunk carries. */
const MARKERS = {
  '@kubernetes/client-node': '/api/v1/namespaces/{namespace}/pods/{name}/log',
  '@azure/identity and MSAL': '@azure/msal-node',
};
/** Bundled only once a feature uses it (then it must be loaded with import() too). */
const GOOGLE_AUTH_MARKER = 'google-api-nodejs-client';

function chunksWith(marker: string): string[] {
  return chunks().filter((file) => readFileSync(path.join(dist, file), 'utf8').includes(marker));
}

let hookDir: string;
beforeAll(async () => {
  hookDir = await mkdtemp(path.join(os.tmpdir(), 'bundle-loads-'));
  writeFileSync(
    path.join(hookDir, 'hooks.mjs'),
    "import { appendFileSync } from 'node:fs';\n" +
      'export async function load(url, context, next) {\n' +
      "  if (url.startsWith('file:')) appendFileSync(process.env.LOADED_LOG, url + '\\n');\n" +
      '  return next(url, context);\n}\n',
  );
  writeFileSync(
    path.join(hookDir, 'register.mjs'),
    "import { register } from 'node:module';\nregister('./hooks.mjs', import.meta.url);\n",
  );
});

/** The dist files (names) one run of the action loads. */
async function loadedChunks(
  inputs: Record<string, string>,
): Promise<{ files: string[]; outside: string[]; exitCode: number }> {
  const log = path.join(hookDir, `loaded-${Date.now()}-${Math.random().toString(36).slice(2)}.log`);
  writeFileSync(log, '');
  const run = await runAction({
    inputs,
    env: {
      NODE_OPTIONS: `--import ${pathToFileURL(path.join(hookDir, 'register.mjs')).href}`,
      LOADED_LOG: log,
    },
  });
  const urls = readFileSync(log, 'utf8').split('\n').filter(Boolean);
  const inDist = (url: string) => url.startsWith(pathToFileURL(dist).href + '/');
  const files = urls.filter(inDist).map((url) => path.basename(new URL(url).pathname));
  // The runner has no node_modules: anything loaded from outside dist/ would fail there.
  const outside = urls.filter((url) => !inDist(url) && !url.startsWith(pathToFileURL(hookDir).href));
  return { files: [...new Set(files)].sort(), outside, exitCode: run.exitCode };
}

describe('dist', () => {
  it('has no `open` package and no xdg-open script', () => {
    expect(readdirSync(dist)).not.toContain('xdg-open');
    for (const file of chunks())
      expect(readFileSync(path.join(dist, file), 'utf8')).not.toContain('xdg-open');
  });

  it.each([
    ['an input error', {}, 1],
    ['mode render', { ...IDENTITY_INPUTS, mode: 'render' }, 0],
  ])('%s loads no chunk of the Kubernetes client or Azure', async (_label, inputs, expectedExit) => {
    const { files, outside, exitCode } = await loadedChunks(inputs);
    expect(exitCode).toBe(expectedExit);
    expect(outside).toEqual([]);
    expect(files).toContain('index.js'); // the hook saw the bundle (else the test would be vacuous)
    for (const [library, marker] of Object.entries(MARKERS)) {
      const carriers = chunksWith(marker);
      expect({ library, carriers: carriers.length > 0 }).toEqual({ library, carriers: true });
      expect({ library, loaded: files.filter((file) => carriers.includes(file)) }).toEqual({
        library,
        loaded: [],
      });
    }
    expect(files.filter((file) => chunksWith(GOOGLE_AUTH_MARKER).includes(file))).toEqual([]);
  });
});
