// The list of checks and their evaluation: CHECK_IDS (their order in the report), a title per check,
// and the judge that decides each one. evaluateChecks is pure, so the same snapshot gives the same
// results in the action, the tests and the troubleshooting docs.

import type { CheckResult } from '../report/check-result.js';
import type { Settings } from '../config/settings.js';
import {
  judgeCredentialConfig,
  judgeIdentityInjection,
  judgeServiceAccount,
  judgeWorkloadIdentityLabel,
  WORKLOAD_IDENTITY_LABEL,
} from './identity-judges.js';
import { judgeCronJob, judgePullSecret } from './refresher-judges.js';
import type { ClusterSnapshot } from './snapshot.js';
import { skipped, type Check } from './verdict.js';
import { judgeDeployment, judgeGatewayHealth, judgeNamespace, judgePods } from './workload-judges.js';

export const CHECK_IDS = [
  'namespace',
  'service-account-client-id',
  'refresher-workload-identity-label',
  'credential-config',
  'cronjob-healthy',
  'pull-secret',
  'deployment-available',
  'pods-healthy',
  'refresher-identity-injection',
  'gateway-health',
] as const;
export type CheckId = (typeof CHECK_IDS)[number];

const TITLES: Record<CheckId, (settings: Settings) => string> = {
  namespace: (s) => `Namespace ${s.names.namespace} exists`,
  'service-account-client-id': (s) =>
    `ServiceAccount ${s.names.refresherServiceAccount} names the managed identity client id`,
  'refresher-workload-identity-label': (s) =>
    `CronJob ${s.names.cronJob} pod template has ${WORKLOAD_IDENTITY_LABEL}: "true"`,
  'credential-config': (s) => `ConfigMap ${s.names.credentialConfigMap} holds the expected credential config`,
  'cronjob-healthy': (s) => `CronJob ${s.names.cronJob} runs and succeeds`,
  'pull-secret': (s) => `Pull secret ${s.names.pullSecret} is present and fresh`,
  'deployment-available': (s) => `Deployment ${s.names.deployment} is available and rolled out`,
  'pods-healthy': (s) => `Gateway pods of ${s.names.deployment} are healthy`,
  'refresher-identity-injection': () => 'Refresher pod carries the Azure workload identity token',
  'gateway-health': (s) => `Gateway /health answers 200 through Service ${s.names.service}`,
};

type Judge = (snapshot: ClusterSnapshot, settings: Settings, now: Date) => Check;

const JUDGES: Record<CheckId, Judge> = {
  namespace: judgeNamespace,
  'service-account-client-id': judgeServiceAccount,
  'refresher-workload-identity-label': judgeWorkloadIdentityLabel,
  'credential-config': judgeCredentialConfig,
  'cronjob-healthy': judgeCronJob,
  'pull-secret': judgePullSecret,
  'deployment-available': judgeDeployment,
  'pods-healthy': judgePods,
  'refresher-identity-injection': judgeIdentityInjection,
  'gateway-health': judgeGatewayHealth,
};

/** Pure: the same snapshot, settings and time give the same results. */
export function evaluateChecks(snapshot: ClusterSnapshot, settings: Settings, now: Date): CheckResult[] {
  const namespaceMissing = snapshot.namespace.state === 'absent';
  return CHECK_IDS.map((id) => {
    const title = TITLES[id](settings);
    if (namespaceMissing && id !== 'namespace') {
      return { id, title, ...skipped(`namespace ${settings.names.namespace} does not exist`) };
    }
    return { id, title, ...JUDGES[id](snapshot, settings, now) };
  });
}
