// mode: teardown — removes one pull-request preview (its namespace and its Jobs in production's
// namespace) under the preview lock, then the lock itself.
import { group } from '../report/report.js';
import type { RunContext } from './context.js';
import { connect } from './steps/connect.js';
import { PreviewLock, runKey, supersededNotice } from './steps/preview-lock.js';
import { removePreview } from './steps/remove-preview.js';

export async function run(run: RunContext): Promise<void> {
  const { core, settings, report, deadline } = run;
  const preview = settings.preview!;
  report.namespace = preview.namespace;
  const { kube } = await connect(run);
  const lock = new PreviewLock(kube, preview, runKey(settings, preview), core);
  const acquired = await group(core, 'Preview lock', () => lock.acquire(deadline));
  if (acquired !== 'acquired') {
    supersededNotice(core, report, preview, acquired);
    return;
  }
  try {
    const removed = await group(core, 'Teardown', () => removePreview(kube, preview, run.deadlineAt, core));
    report.phases.push({ name: 'Teardown', status: 'succeeded', detail: removed });
  } finally {
    await lock.remove();
  }
}
