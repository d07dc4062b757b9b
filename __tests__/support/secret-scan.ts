// The suite-wide secret scan. Every secret a test world plants (config values, kubeconfig
// credentials, tokens the emulators issue) is registered here, and so is everything a user or the
// cluster could see (each action run's stdout/stderr, outputs, job summary and RUNNER_TEMP files,
// refresher pod logs). After each test file, secret-scan-setup.ts fails the file if any capture
// holds a secret or any 12-character piece of one. SECRET_SCAN_STATS=1 prints the counts.
//
// The registry lives on globalThis: jest may load this module more than once per test file.
import { isSecretConfigValue, kubeconfigSecrets } from '../../src/report/redact.js';

/** A shorter run of a secret's characters is not treated as a leak. */
export const PIECE_LENGTH = 12;

interface Registry {
  secrets: Map<string, string>; // value → where it was planted or issued
  captures: { where: string; text: string }[];
}

const KEY = Symbol.for('bifrost-aks.secret-scan');

function registry(): Registry {
  const global = globalThis as { [KEY]?: Registry };
  return (global[KEY] ??= { secrets: new Map(), captures: [] });
}

/** A value no output may contain. Values shorter than PIECE_LENGTH are matched whole. */
export function registerSecret(value: string | undefined, origin: string): void {
  if (value && value.length >= 8 && !registry().secrets.has(value)) registry().secrets.set(value, origin);
}

/** The secret values of a `config` input (the ones the action masks) and of a `kubeconfig`. */
export function registerInputSecrets(inputs: Record<string, string>): void {
  if (inputs.config?.trim().startsWith('{')) {
    try {
      for (const value of stringLeaves(JSON.parse(inputs.config))) {
        if (isSecretConfigValue(value)) registerSecret(value, 'config input');
      }
    } catch {
      // invalid JSON: a test of the error path; the action masks the whole text
    }
  }
  for (const value of kubeconfigSecrets(inputs.kubeconfig ?? '')) registerSecret(value, 'kubeconfig input');
}

/** Something a user or the cluster can read. `::add-mask::` lines are the runner's own
 * commands (never shown), so they are left out. */
export function registerCapture(where: string, text: string): void {
  const shown = text
    .split('\n')
    .filter((line) => !line.startsWith('::add-mask::'))
    .join('\n');
  if (shown !== '') registry().captures.push({ where, text: shown });
}

export interface Leak {
  where: string;
  origin: string;
  /** Where in the capture, and how much of the secret matched (never the secret itself). */
  at: number;
  matched: number;
}

/** Every capture that holds a registered secret or a PIECE_LENGTH piece of one. */
export function findLeaks(): Leak[] {
  const { secrets, captures } = registry();
  const pieces = new Map<string, string>(); // piece → origin
  const whole = new Map<string, string>(); // secrets shorter than a piece
  for (const [secret, origin] of secrets) {
    if (secret.length < PIECE_LENGTH) whole.set(secret, origin);
    for (let i = 0; i + PIECE_LENGTH <= secret.length; i++) {
      pieces.set(secret.slice(i, i + PIECE_LENGTH), origin);
    }
  }
  const leaks: Leak[] = [];
  for (const { where, text } of captures) {
    let found: Leak | undefined;
    for (let i = 0; !found && i + PIECE_LENGTH <= text.length; i++) {
      const origin = pieces.get(text.slice(i, i + PIECE_LENGTH));
      if (origin) found = { where, origin, at: i, matched: PIECE_LENGTH };
    }
    for (const [secret, origin] of whole) {
      if (found) break;
      const at = text.indexOf(secret);
      if (at >= 0) found = { where, origin, at, matched: secret.length };
    }
    if (found) leaks.push(found);
  }
  return leaks;
}

export function scanStats(): { secrets: number; captures: number; bytes: number } {
  const { secrets, captures } = registry();
  return {
    secrets: secrets.size,
    captures: captures.length,
    bytes: captures.reduce((sum, c) => sum + c.text.length, 0),
  };
}

/** Forget everything (the scan's own unit test). */
export function resetSecretScan(): void {
  registry().secrets.clear();
  registry().captures.length = 0;
}

/** Throws naming every capture that leaks, and which secret's origin it came from. */
export function assertNoLeaks(): void {
  const leaks = findLeaks();
  if (leaks.length === 0) return;
  const lines = leaks.map(
    (l) => `- ${l.where}: ${l.matched} characters of a secret (${l.origin}) at offset ${l.at}`,
  );
  throw new Error(`Secret scan: ${leaks.length} capture(s) hold a planted secret:\n${lines.join('\n')}`);
}

function stringLeaves(value: unknown): string[] {
  const found: string[] = [];
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const next = stack.pop();
    if (typeof next === 'string') found.push(next);
    else if (next !== null && typeof next === 'object') stack.push(...Object.values(next));
  }
  return found;
}
