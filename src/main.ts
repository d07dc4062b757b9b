// The action's run: read the inputs, pick the mode, run it, report. Each mode is a module of its
// own under modes/, loaded only when chosen (an input error or `mode: render` never loads the
// Kubernetes client or Azure).
import * as actionsCore from '@actions/core';
import { readSettings } from './config/inputs.js';
import type { Settings } from './config/settings.js';
import { startRun, type ActionCore, type RunContext } from './modes/context.js';
import { failureOf } from './modes/failure.js';
import { publish } from './report/publish.js';
import { maskSecretConfig, maskSecretInputs } from './report/redact.js';
import type { RunReport } from './report/report.js';
import { InputError } from './config/input-reader.js';

/** Every mode: a module whose `run` fills the report, or throws what failed. */
const MODES = {
  deploy: () => import('./modes/deploy.js'),
  preview: () => import('./modes/preview.js'),
  verify: () => import('./modes/verify.js'),
  render: () => import('./modes/render.js'),
  teardown: () => import('./modes/teardown.js'),
  sweep: () => import('./modes/sweep.js'),
} satisfies Record<string, () => Promise<{ run: (run: RunContext) => Promise<void> }>>;

export type ModeName = keyof typeof MODES;

/** `mode: deploy` with a `preview` number deploys a pull-request preview. */
export function modeOf(settings: Settings): ModeName {
  return settings.mode === 'deploy' && settings.preview ? 'preview' : settings.mode;
}

export interface Dependencies {
  core: ActionCore;
  env: NodeJS.ProcessEnv;
  now?: () => Date;
}

/** `run()` with no arguments uses the real @actions/core and process.env: that is how
 * GitHub's local runner (`@github/local-action`) calls it. */
export async function run(
  { core, env, now = () => new Date() }: Dependencies = { core: actionsCore, env: process.env },
): Promise<void> {
  // Secret inputs are masked before anything can print them, even a validation message.
  maskSecretInputs(
    (value) => core.setSecret(value),
    (name) => core.getInput(name),
  );
  let settings: Settings;
  try {
    settings = readSettings((name) => core.getInput(name), env);
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    // One line per failure: the titled annotation, then the exit code (setFailed would repeat it).
    core.error(error.message, { title: 'Invalid input' });
    process.exitCode = actionsCore.ExitCode.Failure;
    return;
  }
  // A config read from a file is known only now.
  if (settings.workload.config)
    maskSecretConfig((value) => core.setSecret(value), settings.workload.config.json);

  const report = newReport(settings);
  const started = startRun(core, settings, report, env, now);
  try {
    const mode = await MODES[modeOf(settings)]();
    await mode.run(started);
  } catch (error) {
    report.failure = failureOf(error, started);
  } finally {
    started.dispose();
  }
  report.retries = started.policy.retries;
  await publish(core, report, env);
  // publish() has printed the failure once, titled, with its evidence and hint.
  if (report.failure) process.exitCode = actionsCore.ExitCode.Failure;
  // Whatever a cancelled run left open (a socket closing, a timer) must not keep the runner waiting.
  if (started.cancelled.aborted) setTimeout(() => process.exit(1), 300).unref();
}

function newReport(settings: Settings): RunReport {
  return {
    mode: settings.mode,
    namespace: settings.names.namespace,
    image: settings.workload.image,
    tenantId: settings.identity.tenantId,
    clientId: settings.identity.clientId,
    applied: [],
    warnings: [],
    phases: [],
    checks: [],
  };
}
