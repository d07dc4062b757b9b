// Every error a mode throws becomes one ActionFailure here: a cancellation names the phase it
// stopped and what was already applied; the run's timeout names `timeout`; each client's own
// error (Kubernetes, Resource Manager, an unreachable service) keeps its evidence and gets its hint.
import { ApplyConflictError, KubeError } from '../cluster/errors.js';
import { AzureError } from '../azure/errors.js';
import { ServiceUnreachableError } from '../net/retry.js';
import { ActionFailure } from '../report/failure.js';
import { findHint, formatHint, hintById } from '../report/hints.js';
import { applySummary } from '../report/report.js';
import type { StartedRun } from './context.js';
import { InputError } from '../config/input-reader.js';

export function failureOf(error: unknown, run: StartedRun): ActionFailure {
  if (run.cancelled.aborted) return cancelled(run);
  if (error instanceof ActionFailure) return error;
  if (error instanceof InputError) return new ActionFailure('Invalid input', error.message);
  if (error instanceof ServiceUnreachableError) {
    const hint = findHint(error.message);
    return new ActionFailure(
      `${error.message.split(' at ')[0]}`,
      error.message,
      [`${error.attempts} attempt(s); last: ${error.lastProblem}`],
      hint && formatHint(hint),
    );
  }
  if (error instanceof ApplyConflictError) {
    return new ActionFailure(
      'Field conflict',
      error.message,
      error.conflicts.map((c) => c.message),
      formatHint(hintById('apply-conflict')),
    );
  }
  if (error instanceof AzureError) {
    const message = error.message.startsWith(error.operation)
      ? error.message
      : `${error.operation}: ${error.message}`;
    return new ActionFailure(
      'Azure error',
      message,
      error.status ? [`HTTP ${error.status}${error.code ? ` ${error.code}` : ''}`] : [],
      error.hint,
    );
  }
  if (run.timedOut.aborted && (error === run.deadline.reason || (error as Error)?.name === 'TimeoutError')) {
    return new ActionFailure(
      'Timed out',
      `The run did not finish within the \`timeout\` of ${run.settings.control.timeoutSeconds}s.`,
      [],
      'See the last log group for the phase that was waiting; raise `timeout` if the cluster is just slow.',
    );
  }
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof KubeError && error.status === 401) {
    return new ActionFailure(
      'Cluster credentials refused',
      message,
      [],
      'The API server did not accept the credentials (401). With Resource Manager access on an Entra-enabled cluster, check ' +
        '`aks-server-app-id` and `tenant-id`, and that the signed-in identity has an AKS RBAC role on the cluster; with a ' +
        'kubeconfig, its token or certificate has expired: fetch it again (azure/aks-set-context).',
    );
  }
  const hint = findHint(message);
  return new ActionFailure('Kubernetes API error', message, [], hint && formatHint(hint));
}

function cancelled({ phase, report }: StartedRun): ActionFailure {
  const done = report.phases.filter((p) => p.status === 'succeeded').map((p) => `${p.name}: ${p.detail}`);
  const applied = report.applied.length
    ? [`Applied before the cancellation: ${applySummary(report.applied)} (listed under Applied objects).`]
    : ['Nothing was applied in this run before the cancellation.'];
  return new ActionFailure(
    `Cancelled during ${phase}`,
    `The workflow was cancelled during ${phase}; the run stopped its watches and calls.`,
    [...applied, ...done.map((d) => `Done: ${d}`)],
    'Re-run the workflow: server-side apply and the refresh Job are safe to repeat, and the next run completes what this one started.',
  );
}
