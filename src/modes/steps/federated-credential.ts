// `manage-federated-credential`: the pull identity's federated credential for the refresher's
// ServiceAccount, created or updated idempotently through Resource Manager.
import { ensureRefresherFederatedCredential, type ArmClient } from '../../azure/index.js';
import { ActionFailure } from '../../report/failure.js';
import { group } from '../../report/report.js';
import type { RunContext } from '../context.js';

export async function ensureFederatedCredential(
  { core, settings, report }: RunContext,
  arm: ArmClient | undefined,
): Promise<void> {
  if (!arm) {
    throw new ActionFailure(
      'Cannot manage the federated credential',
      '`manage-federated-credential` is true but no Azure access is configured.',
      [],
      'Set `subscription-id` and `resource-group` (or `identity-resource-group`) so the action can reach the managed identity.',
    );
  }
  await group(core, 'Federated credential', async () => {
    const result = await ensureRefresherFederatedCredential(settings, arm);
    const detail = `${result.name}: ${result.action} (subject ${result.properties.subject})${result.note ? `; ${result.note}` : ''}`;
    core.info(detail);
    report.phases.push({ name: 'Federated credential', status: 'succeeded', detail });
  });
}
