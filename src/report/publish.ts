// Shows a finished run to the user: step outputs, annotations, and the job summary where the
// runner has one (older GHES and local runs have no summary file: the log then says it all).
import { annotate } from './annotations.js';
import { setOutputs } from './outputs.js';
import type { Core, RunReport } from './report.js';
import { writeSummary } from './summary.js';

export async function publish(core: Core, report: RunReport, env: NodeJS.ProcessEnv): Promise<void> {
  setOutputs(core, report);
  annotate(core, report);
  if (env.GITHUB_STEP_SUMMARY) await writeSummary(core, report);
}
