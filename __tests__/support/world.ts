// One test world for end-to-end runs of the action: a fresh namespace on the local control
// plane, Google STS/IAM emulated on loopback (trusting this cluster's ServiceAccount issuer and
// the namespace's refresher ServiceAccount), and the host executor that runs the refresher pods
// for real. `run()` then runs `node dist/index.js` the way GitHub does.
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { runAction, type ActionRun, type RunOptions } from './action.js';
import { startGcpEmulator, type GcpEmulator } from './emulators/gcp.js';
import {
  CLIENT_ID,
  GCP_PROJECT_ID,
  GCP_PROJECT_NUMBER,
  GCP_SERVICE_ACCOUNT,
  HUB_SLUG,
  IDENTITY_INPUTS,
  PROVIDER_AUDIENCE,
  REGISTRY_REGION,
  TENANT_ID,
} from './fixtures.js';
import { HOST_EXECUTOR_IMAGE, startHostExecutor, type HostExecutor } from './host-executor.js';

/** The identities (fixtures.ts) under the e2e suites' names. */
export const IDS = {
  tenant: TENANT_ID,
  client: CLIENT_ID,
  hubSlug: HUB_SLUG,
  gcpProject: GCP_PROJECT_ID,
  gcpProjectNumber: GCP_PROJECT_NUMBER,
  gcpServiceAccount: GCP_SERVICE_ACCOUNT,
  region: REGISTRY_REGION,
};
export { PROVIDER_AUDIENCE };
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
  if (!value)
    throw new Error(`${name} is not set: start the local cluster (eval "$(scripts/cluster.sh env)")`);
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
    ...IDENTITY_INPUTS,
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
      runAction({
        ...options,
        inputs: { ...inputs, ...extra },
        env: { KUBECONFIG: process.env.KUBECONFIG, ...options.env },
      }),
    close: async () => {
      executor.stop();
      await gcp.close();
    },
  };
}
