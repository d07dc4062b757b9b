// The verification checks as a step: the Kubernetes-side snapshot and the Azure-side facts read
// in parallel, judged (pure: checks/, azure/checks.ts), then the preflight hops as checks. A failed
// check fails the run.
import { azureChecks, bifrostTeamDetails, gatherAzureFacts, type ArmClient } from '../../azure/index.js';
import { collectSnapshot, evaluateChecks } from '../../checks/index.js';
import type { KubeClient } from '../../cluster/client.js';
import { ActionFailure } from '../../report/failure.js';
import { group } from '../../report/report.js';
import type { RunContext } from '../context.js';
import { preflightVerifyChecks } from './preflight.js';

export async function checksStep(
  run: RunContext,
  kube: KubeClient,
  arm: ArmClient | undefined,
): Promise<void> {
  const { core, settings, report, now } = run;
  const { checks, azureFacts, apiRequests } = await group(core, 'Verify', async () => {
    const [snapshot, facts] = await Promise.all([
      collectSnapshot({ core: kube.core, apps: kube.apps, batch: kube.batch }, settings),
      gatherAzureFacts(settings, arm),
    ]);
    return {
      checks: [...evaluateChecks(snapshot, settings, now()), ...azureChecks(settings, facts)],
      azureFacts: facts,
      apiRequests: snapshot.apiRequests,
    };
  });
  report.checks = [...(await preflightVerifyChecks(run, kube)), ...checks];
  report.checkApiRequests = apiRequests;
  report.issuerUrl = bifrostTeamDetails(settings, azureFacts).issuerUrl;
  const failed = report.checks.filter((c) => c.status === 'fail');
  if (failed.length > 0) {
    throw new ActionFailure(
      'Verification failed',
      `${failed.length} check(s) failed: ${failed.map((c) => c.id).join(', ')}`,
    );
  }
}
