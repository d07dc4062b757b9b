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
import { createTestCa, type TestCa } from './emulators/test-ca.js';
import { startTestRegistry, type TestRegistry } from './registry.js';
import { startPullWebhook, type PullWebhook } from './pull-webhook.js';

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
  /** With `{ registry: true }`: the test registry holding the gateway image (tag v1.4.2). */
  registry?: { server: TestRegistry; ca: TestCa; repository: string; digest: string };
  /** With `{ pulls: true }`: gateway pods' pulls decided by that registry (pull-webhook.ts). */
  pulls?: PullWebhook;
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

export interface WorldOptions {
  /** Start a real registry (docker-registry, __tests__/support/registry.ts) with the image, and
   * run the preflight against it. Without it the world's runs set `preflight: false` (the
   * registry host would be Artifact Registry, which tests never reach). */
  registry?: boolean;
  /** Also decide image pulls of new pods in the namespace by a real request to that registry
   * with the pod's imagePullSecrets (__tests__/support/pull-webhook.ts). Needs `registry`. */
  pulls?: boolean;
}

/** `namespace` must exist (tests: newNamespace; the local demo: the action creates it). */
export async function startWorld(namespace: string, options: WorldOptions = {}): Promise<World> {
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
    preflight: 'false',
  };
  let registry: World['registry'];
  if (options.registry) {
    const ca = createTestCa();
    const server = await startTestRegistry({ ca, gcp, location: IDS.region });
    const repository = `${IDS.gcpProject}/${IDS.hubSlug}/bifrost`;
    const { digest } = await server.seed(repository, inputs['image-tag']);
    registry = { server, ca, repository, digest };
    Object.assign(inputs, { 'registry-host': server.host, preflight: 'true' });
  }
  const pulls =
    registry && options.pulls
      ? await startPullWebhook({ kubeConfig, namespace, ca: registry.ca, registryHost: registry.server.host })
      : undefined;
  return {
    namespace,
    gcp,
    executor,
    registry,
    pulls,
    inputs,
    run: (extra = {}, runOptions = {}) =>
      runAction({
        ...runOptions,
        inputs: { ...inputs, ...extra },
        env: {
          KUBECONFIG: process.env.KUBECONFIG,
          ...(registry ? { NODE_EXTRA_CA_CERTS: registry.ca.caFile } : {}),
          ...runOptions.env,
        },
      }),
    close: async () => {
      executor.stop();
      await pulls?.close();
      await gcp.close();
      if (registry) {
        await registry.server.close();
        registry.ca.cleanup();
      }
    },
  };
}
