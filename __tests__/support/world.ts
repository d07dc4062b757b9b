// One test world for end-to-end runs of the action: a fresh namespace on the local control
// plane, Google STS/IAM emulated on loopback (trusting this cluster's ServiceAccount issuer and
// the namespace's refresher ServiceAccount), and the host executor that runs the refresher pods
// for real. `run()` then runs `node dist/index.js` the way GitHub does.
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { runAction, type ActionRun, type RunOptions } from './action.js';
import { startGcpEmulator, type GcpEmulator } from './emulators/gcp.js';
import { HOST_EXECUTOR_IMAGE, startHostExecutor, type HostExecutor } from './host-executor.js';

export const IDS = {
  tenant: '72f988bf-86f1-41af-91ab-2d7cd011db47',
  client: '3f1c2a4b-5d6e-4f70-8a9b-0c1d2e3f4a5b',
  hubSlug: 'acme',
  gcpProject: 'acme-hub',
  gcpProjectNumber: '123456789012',
  gcpServiceAccount: 'bifrost-puller@acme-hub.iam.gserviceaccount.com',
  region: 'us-central1',
};
export const PROVIDER_AUDIENCE =
  `//iam.googleapis.com/projects/${IDS.gcpProjectNumber}/locations/global/` +
  `workloadIdentityPools/${IDS.hubSlug}-azure-pool/providers/${IDS.hubSlug}-azure-provider`;
export const BIFROST_CONFIG = JSON.stringify({ client: { drop_excess_requests: false }, providers: {} });

export interface World {
  namespace: string;
  gcp: GcpEmulator;
  executor: HostExecutor;
  /** The inputs of a healthy deploy into this world's namespace. */
  inputs: Record<string, string>;
  run(inputs?: Record<string, string>, options?: Omit<RunOptions, 'inputs'>): Promise<ActionRun>;
  close(): Promise<void>;
}

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: start the local cluster (eval "$(scripts/cluster.sh env)")`);
  return value;
}

/** `namespace` must exist (tests: newNamespace; the local demo: the action creates it). */
export async function startWorld(namespace: string): Promise<World> {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(env('KUBECONFIG'));
  const gcp = await startGcpEmulator({
    providerAudience: PROVIDER_AUDIENCE,
    allowedServiceAccount: IDS.gcpServiceAccount,
    acceptedIssuer: env('BIFROST_CLUSTER_ISSUER'),
    acceptedSubject: `system:serviceaccount:${namespace}:bifrost-sa`,
  });
  const executor = await startHostExecutor({
    kubeConfig,
    namespace,
    logDir: path.join(env('BIFROST_CLUSTER_STATE'), 'host-executor-logs'),
  });
  const inputs: Record<string, string> = {
    'tenant-id': IDS.tenant,
    'client-id': IDS.client,
    'hub-slug': IDS.hubSlug,
    'gcp-project-id': IDS.gcpProject,
    'gcp-project-number': IDS.gcpProjectNumber,
    'gcp-service-account': IDS.gcpServiceAccount,
    'registry-region': IDS.region,
    'sts-url': gcp.stsTokenUrl,
    'iam-credentials-url': gcp.url,
    'refresher-image': HOST_EXECUTOR_IMAGE,
    'image-tag': 'v1.4.2',
    namespace,
    config: BIFROST_CONFIG,
    timeout: '120s',
  };
  return {
    namespace,
    gcp,
    executor,
    inputs,
    run: (extra = {}, options = {}) =>
      runAction({ ...options, inputs: { ...inputs, ...extra }, env: { KUBECONFIG: process.env.KUBECONFIG, ...options.env } }),
    close: async () => {
      executor.stop();
      await gcp.close();
    },
  };
}
