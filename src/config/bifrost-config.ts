// The `config` input: Bifrost's config.json, inline or as a file in the workspace. Its content is
// secret (provider keys): problems name the input and a position, never the text.
import { createHash } from 'node:crypto';
import { readFileSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { looksInline } from '../report/redact.js';
import type { InputReader } from './input-reader.js';
import type { BifrostConfig } from './settings.js';
import { MAX_CONFIG_BYTES } from './rules.js';

/**
 * `config`: inline JSON, or the path of a file in the workspace. The content is secret (provider
 * keys): errors name the input and a position, never the text — nor the value itself, which may
 * be a key pasted by mistake.
 */
export function readBifrostConfig(inputs: InputReader, env: NodeJS.ProcessEnv): BifrostConfig | undefined {
  const value = inputs.raw('config');
  if (value === '') return undefined;
  const expected =
    'inline JSON holding a Bifrost config.json object ({...}), or the path of such a JSON file inside the workspace';

  let json = value;
  if (!looksInline(value)) {
    const file = readWorkspaceFile(inputs, env, value, expected);
    if (file === undefined) return undefined;
    json = file;
  }
  if (Buffer.byteLength(json, 'utf8') > MAX_CONFIG_BYTES) {
    inputs.report('config', 'the JSON is larger than 1 MiB, the limit of a Kubernetes Secret', expected);
    return undefined;
  }

  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (error) {
    inputs.report('config', `is not valid JSON${jsonErrorPosition(json, error)}`, expected);
    return undefined;
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    const kind = parsed === null ? 'null' : Array.isArray(parsed) ? 'an array' : `a ${typeof parsed}`;
    inputs.report('config', `is JSON but ${kind}, not an object`, expected);
    return undefined;
  }
  return {
    json,
    sha256: createHash('sha256').update(json, 'utf8').digest('hex'),
    hasPostgresConfigStore: hasPostgresConfigStore(parsed as Record<string, unknown>),
  };
}

/**
 * The text of a `config` file, confined to GITHUB_WORKSPACE: the path is resolved with its
 * symlinks, must stay inside the (resolved) workspace, and must be a regular file of at most 1 MiB
 * — checked with stat before reading, so a named pipe cannot hang the run nor /dev/zero fill memory.
 */
function readWorkspaceFile(
  inputs: InputReader,
  env: NodeJS.ProcessEnv,
  value: string,
  expected: string,
): string | undefined {
  const refuse = (problem: string): undefined => {
    inputs.report('config', problem, expected);
    return undefined;
  };
  let workspace: string;
  let file: string;
  try {
    workspace = realpathSync(env.GITHUB_WORKSPACE || process.cwd());
  } catch {
    return refuse('names a file, but the workspace (GITHUB_WORKSPACE) does not exist');
  }
  try {
    file = realpathSync(path.resolve(workspace, value));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    return refuse(`is not inline JSON, and no such file exists in the workspace (${code})`);
  }
  const relative = path.relative(workspace, file);
  if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) {
    return refuse('names a file outside the workspace (after resolving symlinks)');
  }
  try {
    const stats = statSync(file);
    if (!stats.isFile()) return refuse('names something in the workspace that is not a regular file');
    if (stats.size > MAX_CONFIG_BYTES) {
      return refuse('names a file larger than 1 MiB, the limit of a Kubernetes Secret');
    }
    return readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    return refuse(`names a file in the workspace that cannot be read (${code})`);
  }
}

/** Objects the action names itself must not collide with the names the user chooses. */

export function hasPostgresConfigStore(config: Record<string, unknown>): boolean {
  const store = config.config_store;
  if (store === null || typeof store !== 'object') return false;
  const { enabled, type } = store as Record<string, unknown>;
  return enabled === true && type === 'postgres';
}

/** " at line L, column C" from V8's message, which may otherwise quote the (secret) text. */
function jsonErrorPosition(json: string, error: unknown): string {
  const match = /at position ([0-9]+)/.exec(error instanceof Error ? error.message : '');
  if (match) {
    const before = json.slice(0, Number(match[1]));
    const line = before.split('\n').length;
    const column = before.length - before.lastIndexOf('\n');
    return ` (line ${line}, column ${column})`;
  }
  return /Unexpected end of JSON input/.test(error instanceof Error ? error.message : '')
    ? ' (it ends too early)'
    : '';
}
