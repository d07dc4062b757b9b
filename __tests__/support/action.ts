// Runs the action the way GitHub does: `node dist/index.js` with INPUT_* variables and the
// runner's files (GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, RUNNER_TEMP), then reads back what a user
// would see: exit code, outputs, the job summary and the annotations.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { registerCapture, registerInputSecrets } from './secret-scan.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface Annotation {
  level: 'error' | 'warning' | 'notice';
  title?: string;
  message: string;
}

export interface ActionRun {
  exitCode: number;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
  annotations: Annotation[];
  runnerTemp: string;
  durationMs: number;
}

export interface RunOptions {
  inputs: Record<string, string>;
  env?: Record<string, string | undefined>;
  node?: string; // another node binary (e.g. Node 24)
  /** Another build of the action (the bench's baseline); default: this checkout's dist/index.js. */
  script?: string;
  /** Sees the runner's process, e.g. to kill it like a cancelled job's runner. */
  onSpawn?: (child: ChildProcessWithoutNullStreams) => void;
  /** Called with the started process, e.g. to signal it as a cancelled workflow does. */
  onStarted?: (child: ChildProcessWithoutNullStreams) => void;
}

/** Every run's RUNNER_TEMP lives under one directory per process, removed when it exits. */
let runnerTemps: string | undefined;
function runnerTempRoot(): string {
  if (!runnerTemps) {
    const root = path.join(os.tmpdir(), `bifrost-aks-runners-${process.pid}`);
    mkdirSync(root, { recursive: true });
    process.on('exit', () => rmSync(root, { recursive: true, force: true }));
    runnerTemps = root;
  }
  return runnerTemps;
}

export async function runAction({
  inputs,
  env = {},
  node = process.execPath,
  script = path.join(repoRoot, 'dist/index.js'),
  onSpawn,
  onStarted,
}: RunOptions): Promise<ActionRun> {
  const runnerTemp = await mkdtemp(path.join(runnerTempRoot(), 'runner-'));
  const outputFile = path.join(runnerTemp, 'output.txt');
  const summaryFile = path.join(runnerTemp, 'summary.md');
  await writeFile(outputFile, '');
  await writeFile(summaryFile, '');
  const childEnv: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    RUNNER_TEMP: runnerTemp,
    GITHUB_ACTIONS: 'true',
  };
  for (const [name, value] of Object.entries(inputs))
    childEnv[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value;
  // `undefined` removes a variable, e.g. GITHUB_STEP_SUMMARY on a runner without job summaries.
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) delete childEnv[name];
    else childEnv[name] = value;
  }

  registerInputSecrets(inputs);
  const started = Date.now();
  const child = spawn(node, [script], { env: childEnv, cwd: runnerTemp });
  onSpawn?.(child);
  onStarted?.(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const exitCode = await new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)));
  // What the user sees: the log, and every file the run left (outputs, summary, manifests).
  const run = `run ${path.basename(runnerTemp)} (mode ${inputs.mode ?? 'deploy'})`;
  registerCapture(`${run} stdout`, stdout);
  registerCapture(`${run} stderr`, stderr);
  for (const entry of await readdir(runnerTemp, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    registerCapture(`${run} ${path.relative(runnerTemp, file)}`, await readFile(file, 'utf8'));
  }
  return {
    exitCode,
    stdout,
    stderr,
    outputs: parseOutputs(await readFile(outputFile, 'utf8')),
    summary: await readFile(summaryFile, 'utf8'),
    annotations: parseAnnotations(stdout),
    runnerTemp,
    durationMs: Date.now() - started,
  };
}

/** GITHUB_OUTPUT holds `name<<DELIMITER\nvalue\nDELIMITER` blocks. */
export function parseOutputs(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const match = /^([^<]+)<<(.+)$/.exec(lines[i]);
    if (!match) continue;
    const [, name, delimiter] = match;
    const value: string[] = [];
    for (i++; i < lines.length && lines[i] !== delimiter; i++) value.push(lines[i]);
    outputs[name] = value.join('\n');
  }
  return outputs;
}

/** Workflow commands: `::error title=T::message` (properties and data escaped). */
export function parseAnnotations(stdout: string): Annotation[] {
  const annotations: Annotation[] = [];
  for (const line of stdout.split('\n')) {
    const match = /^::(error|warning|notice)( [^:]*)?::(.*)$/.exec(line);
    if (!match) continue;
    const properties = Object.fromEntries(
      (match[2] ?? '')
        .trim()
        .split(',')
        .filter(Boolean)
        .map((pair) => {
          const at = pair.indexOf('=');
          return [pair.slice(0, at), unescapeProperty(pair.slice(at + 1))];
        }),
    );
    annotations.push({
      level: match[1] as Annotation['level'],
      title: properties.title,
      message: unescapeData(match[3]),
    });
  }
  return annotations;
}

function unescapeData(text: string): string {
  return text.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
}

function unescapeProperty(text: string): string {
  return unescapeData(text).replace(/%3A/g, ':').replace(/%2C/g, ',');
}

/** Everything a user of the run could see: the log (without `::add-mask::` lines, which the runner
 * consumes and never shows), stderr, the job summary and the outputs. */
export function visible(run: ActionRun): string {
  const log = run.stdout
    .split('\n')
    .filter((line) => !line.startsWith('::add-mask::'))
    .join('\n');
  return [log, run.stderr, run.summary, ...Object.values(run.outputs)].join('\n');
}
