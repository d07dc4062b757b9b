// mode: verify — read-only: every check against the cluster (and, with Azure access, Azure),
// the preflight's hops included. For scheduled runs.
import type { RunContext } from './context.js';
import { checksStep } from './steps/checks.js';
import { connect } from './steps/connect.js';

export async function run(run: RunContext): Promise<void> {
  const { kube, arm } = await connect(run);
  await checksStep(run, kube, arm);
}
