// The run's clients: the Kubernetes API (from the `kubeconfig` input, Resource Manager or
// KUBECONFIG) and, when the inputs say where Azure resources live, Resource Manager. Azure signs in
// lazily: only when something needs a token.
import {
  connectAzure,
  hasAzureAccess,
  resolveClusterAccess,
  type ArmClient,
  type AzureConnection,
} from '../../azure/index.js';
import { KubeClient } from '../../cluster/client.js';
import type { RunContext } from '../context.js';

export interface Clients {
  kube: KubeClient;
  /** Absent without Azure access: the Azure-side checks are then skipped. */
  arm?: ArmClient;
}

export async function connect({ core, settings, env, policy }: RunContext): Promise<Clients> {
  let azure: AzureConnection | undefined;
  const signIn = () =>
    (azure ??= connectAzure(settings, {
      getIdToken: (audience) => core.getIDToken(audience),
      env,
      policy,
    }));
  const access = await resolveClusterAccess(
    settings,
    () => ({ arm: signIn().arm, credential: signIn().login.credential }),
    (value) => core.setSecret(value),
  );
  core.info(`Cluster: ${access.description}`);
  const { fieldManager, runId, runAttempt } = settings.control;
  // The run (id-attempt) marks the Jobs it creates, so a retried create adopts its own Job.
  const kube = new KubeClient(access.kubeConfig, fieldManager, policy, `${runId}-${runAttempt}`);
  return { kube, arm: hasAzureAccess(settings) ? signIn().arm : undefined };
}
