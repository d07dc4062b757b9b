// What every mode runs with: its settings, the report it fills, the runner's functions, one
// deadline (the `timeout` input, or the workflow's cancellation: the runner sends SIGINT, then
// SIGTERM) and the one retry policy bound to that deadline. main.ts starts it; modes receive it.
import type { Settings } from '../config/settings.js';
import { RetryPolicy } from '../net/retry.js';
import type { Core, RunReport } from '../report/report.js';

/** The @actions/core functions a run uses: reporting, plus inputs and the OIDC token. */
export interface ActionCore extends Core {
  getInput: (name: string) => string;
  getIDToken: (audience?: string) => Promise<string>;
}

export interface RunContext {
  /** The runner's functions; `startGroup` also records the phase a cancellation stops. */
  core: ActionCore;
  settings: Settings;
  report: RunReport;
  env: NodeJS.ProcessEnv;
  now: () => Date;
  /** Aborts at `timeout` or when the workflow is cancelled: every watch, wait and call stops. */
  deadline: AbortSignal;
  /** When the timeout fires (ms since the epoch): waits stop a little before, to report. */
  deadlineAt: number;
  /** The one retry policy of the run; every client sends through it. */
  policy: RetryPolicy;
}

export interface StartedRun extends RunContext {
  /** The log group the run was in last (where a cancellation or timeout stopped it). */
  readonly phase: string;
  readonly timedOut: AbortSignal;
  readonly cancelled: AbortSignal;
  /** Stops listening for SIGINT/SIGTERM. */
  dispose(): void;
}

export function startRun(
  core: ActionCore,
  settings: Settings,
  report: RunReport,
  env: NodeJS.ProcessEnv,
  now: () => Date,
): StartedRun {
  const timeoutMs = settings.control.timeoutSeconds * 1000;
  const timedOut = AbortSignal.timeout(timeoutMs);
  const cancellation = onCancel();
  const deadline = AbortSignal.any([timedOut, cancellation.signal]);
  const deadlineAt = Date.now() + timeoutMs;
  let phase = 'Connecting to the cluster';
  const tracked: ActionCore = {
    ...core,
    startGroup: (name: string) => {
      phase = name;
      core.startGroup(name);
    },
  };
  return {
    core: tracked,
    settings,
    report,
    env,
    now,
    deadline,
    deadlineAt,
    policy: new RetryPolicy({ deadline: deadlineAt, signal: deadline }),
    get phase() {
      return phase;
    },
    timedOut,
    cancelled: cancellation.signal,
    dispose: cancellation.dispose,
  };
}

/** The run's own cancellation: SIGINT/SIGTERM abort `signal` (with a CancelledError) until disposed. */
function onCancel(): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const handler = (name: NodeJS.Signals) => {
    const error = new Error(`received ${name}`);
    error.name = 'CancelledError';
    controller.abort(error);
  };
  process.once('SIGINT', handler);
  process.once('SIGTERM', handler);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}
