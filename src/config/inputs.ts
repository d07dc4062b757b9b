// Action inputs → typed Settings. Every value is checked here, once, against the form the
// services accept; all problems are collected and reported together in one InputError.
// getInput is passed in (main passes core.getInput) so tests need no INPUT_* juggling.
import type { FederationMode, Mode, PodSecurityLevel, Settings } from './settings.js';
import { InputError, InputReader, quote, type GetInput } from './input-reader.js';
import {
  CPU_QUANTITY,
  CRON,
  DNS_LABEL,
  DNS_SUBDOMAIN,
  ENDPOINT_URL,
  ENTRA_RESOURCE,
  GCP_ACCESS_TOKEN_LIFETIME_SECONDS,
  GCP_PROJECT_ID,
  GCP_PROJECT_NUMBER,
  GCP_REGION,
  GCP_SERVICE_ACCOUNT,
  GUID,
  HUB_SLUG,
  IMAGE_REFERENCE,
  IMAGE_TAG,
  MEMORY_QUANTITY,
  REGISTRY_HOST,
  REPLICAS,
  TIMEOUT,
  WORKLOAD_IDENTITY_ID,
  parseDurationSeconds,
  parseQuantity,
} from './rules.js';
import { type AzureSettings } from './settings.js';
import { AZURE_CLOUDS } from './clouds.js';
import {
  DEFAULT_REFRESHER_IMAGE,
  bifrostImage,
  defaultWorkloadIdentityPool,
  defaultWorkloadIdentityProvider,
  isGcloudRefresherImage,
  registryHostForRegion,
} from './defaults.js';
import { readBifrostConfig } from './bifrost-config.js';
import { readAzureSettings, readEnv, readKubeconfig } from './azure-inputs.js';
import { readPreviewSettings, readSweepSettings } from './preview-inputs.js';
import { type InputName } from './action-inputs.js';
import { trimSlash } from './azure-inputs.js';

export function readSettings(getInput: GetInput, env: NodeJS.ProcessEnv): Settings {
  const inputs = new InputReader(getInput);
  const required = { required: true };

  // Every mode needs the identity inputs: verify compares the cluster against them.
  const mode = inputs.oneOf<Mode>('mode', ['deploy', 'render', 'verify', 'teardown', 'sweep']);

  // Identity
  const hubSlug = inputs.checked('hub-slug', HUB_SLUG, required);
  const slugForDefaults = HUB_SLUG.accepts(hubSlug) ? hubSlug : ''; // reported once, above
  const registryRegion = inputs.checked('registry-region', GCP_REGION, required);
  const federation = inputs.oneOf<FederationMode>('federation', ['kubernetes', 'entra']);
  const environment = inputs.oneOf<AzureSettings['environment']>('azure-environment', [
    'AzureCloud',
    'AzureChinaCloud',
    'AzureUSGovernment',
  ]);
  const cloud = AZURE_CLOUDS[environment] ?? AZURE_CLOUDS.AzureCloud;
  const authorityHost = inputs.checked('authority-host', ENDPOINT_URL, { fallback: cloud.authorityHost });

  const identity: Settings['identity'] = {
    tenantId: inputs.checked('tenant-id', GUID, required).toLowerCase(),
    clientId: inputs.checked('client-id', GUID, required).toLowerCase(),
    hubSlug,
    gcpProjectId: inputs.checked('gcp-project-id', GCP_PROJECT_ID, required),
    gcpProjectNumber: inputs.checked('gcp-project-number', GCP_PROJECT_NUMBER, required),
    gcpServiceAccount: inputs.checked('gcp-service-account', GCP_SERVICE_ACCOUNT, required),
    workloadIdentityPool: derivedWorkloadIdentityId(
      inputs,
      'workload-identity-pool',
      slugForDefaults && defaultWorkloadIdentityPool(slugForDefaults),
    ),
    workloadIdentityProvider: derivedWorkloadIdentityId(
      inputs,
      'workload-identity-provider',
      slugForDefaults && defaultWorkloadIdentityProvider(slugForDefaults),
    ),
    registryRegion,
    registryHost: inputs.checked('registry-host', REGISTRY_HOST, {
      fallback: registryRegion && registryHostForRegion(registryRegion),
    }),
    federation,
    entraResource: inputs.checked('entra-resource', ENTRA_RESOURCE, {
      required: federation === 'entra',
    }),
    entraAuthorityHost: trimSlash(
      inputs.checked('entra-authority-host', ENDPOINT_URL, { fallback: authorityHost }),
    ),
    stsUrl: inputs.checked('sts-url', ENDPOINT_URL),
    iamCredentialsUrl: trimSlash(inputs.checked('iam-credentials-url', ENDPOINT_URL)),
  };

  // Workload
  const imageTag = inputs.checked('image-tag', IMAGE_TAG);
  const resources = {
    requests: {
      cpu: inputs.checked('cpu-request', CPU_QUANTITY),
      memory: inputs.checked('memory-request', MEMORY_QUANTITY),
    },
    limits: {
      cpu: inputs.checked('cpu-limit', CPU_QUANTITY),
      memory: inputs.checked('memory-limit', MEMORY_QUANTITY),
    },
  };
  checkRequestWithinLimit(inputs, 'cpu', resources.requests.cpu, resources.limits.cpu);
  checkRequestWithinLimit(inputs, 'memory', resources.requests.memory, resources.limits.memory);

  const workload: Settings['workload'] = {
    image: bifrostImage(identity, imageTag),
    imageTag,
    replicas: Number(inputs.checked('replicas', REPLICAS)),
    config: readBifrostConfig(inputs, env),
    resources,
    refreshSchedule: inputs.checked('refresh-schedule', CRON).split(/\s+/).join(' '),
    refresherImage: readRefresherImage(inputs),
    servePreviews: inputs.boolean('serve-previews'),
    tokenLifetimeSeconds: GCP_ACCESS_TOKEN_LIFETIME_SECONDS,
    podSecurity: inputs.oneOf<PodSecurityLevel>('pod-security', ['restricted', 'baseline', 'none']),
  };

  const names: Settings['names'] = {
    namespace: inputs.checked('namespace', DNS_LABEL),
    refresherServiceAccount: inputs.checked('service-account-name', DNS_SUBDOMAIN),
    gatewayServiceAccount: 'bifrost-gateway',
    credentialConfigMap: 'gcp-credential-config',
    cronJob: 'refresh-ar-secret',
    pullSecret: 'ar-pull-secret',
    configSecret: inputs.checked('config-secret-name', DNS_SUBDOMAIN),
    role: 'secret-manager',
    roleBinding: 'secret-manager-binding',
    deployment: 'bifrost',
    service: 'bifrost',
  };
  checkDistinctNames(inputs, names);

  const azure = readAzureSettings(inputs, environment, authorityHost);
  const kubeconfig = readKubeconfig(inputs);

  const timeout = inputs.checked('timeout', TIMEOUT);
  const control: Settings['control'] = {
    timeoutSeconds: (TIMEOUT.accepts(timeout) && parseDurationSeconds(timeout)) || 600,
    wait: inputs.boolean('wait'),
    forceConflicts: inputs.boolean('force-conflicts'),
    forceRefresh: inputs.boolean('force-refresh'),
    fieldManager: 'bifrost-aks-deploy',
    runId: readEnv(inputs, env, 'GITHUB_RUN_ID', 'local'),
    runAttempt: readEnv(inputs, env, 'GITHUB_RUN_ATTEMPT', '1'),
  };

  const preview = readPreviewSettings(inputs, env, mode, names.namespace);
  const sweep = readSweepSettings(inputs, env, mode);
  const preflight: Settings['preflight'] = {
    enabled: inputs.boolean('preflight'),
    pinDigest: inputs.boolean('pin-digest'),
  };
  if (preflight.pinDigest && !preflight.enabled)
    inputs.report(
      'pin-digest',
      'is true but `preflight` is false',
      'preflight: true (the digest comes from it)',
    );

  if (inputs.problems.length > 0) throw new InputError(inputs.problems);
  return {
    mode,
    names,
    identity,
    workload,
    azure,
    control,
    preflight,
    ...(kubeconfig ? { kubeconfig } : {}),
    ...(preview ? { preview } : {}),
    ...(sweep ? { sweep } : {}),
  };
}

/** The refresher runs `node refresh.mjs`: an old gcloud + kubectl image has no node to run it. */
function readRefresherImage(inputs: InputReader): string {
  const image = inputs.checked('refresher-image', IMAGE_REFERENCE);
  if (isGcloudRefresherImage(image)) {
    inputs.report(
      'refresher-image',
      `${quote(image)} is a gcloud image: the refresher is now a Node.js script (refresh.mjs) run by ` +
        '/nodejs/bin/node, which gcloud images do not have',
      `an image with node at /nodejs/bin/node; leave the input empty for the default ${DEFAULT_REFRESHER_IMAGE} ` +
        '(or mirror that image into your registry and give its reference)',
    );
  }
  return image;
}

/** Pool/provider ids: explicit, or derived from the hub slug (which can make them too long). */
function derivedWorkloadIdentityId(inputs: InputReader, name: InputName, derived: string): string {
  const explicit = inputs.raw(name);
  if (explicit !== '' || derived === '') return inputs.checked(name, WORKLOAD_IDENTITY_ID);
  if (!WORKLOAD_IDENTITY_ID.accepts(derived)) {
    inputs.report(
      name,
      `the default derived from hub-slug, ${quote(derived)}, ${WORKLOAD_IDENTITY_ID.problem}`,
      `${WORKLOAD_IDENTITY_ID.expected}; set ${name} to the ID the Bifrost team gave you`,
    );
  }
  return derived;
}

function checkRequestWithinLimit(
  inputs: InputReader,
  resource: string,
  request: string,
  limit: string,
): void {
  const requested = parseQuantity(request);
  const limited = parseQuantity(limit);
  if (requested === undefined || limited === undefined) return; // already reported
  if (requested > limited) {
    inputs.report(
      `${resource}-request`,
      `${quote(request)} is more than ${resource}-limit ${quote(limit)}`,
      'a request no larger than its limit (Kubernetes rejects the pod otherwise)',
    );
  }
}

function checkDistinctNames(inputs: InputReader, names: Settings['names']): void {
  if (names.refresherServiceAccount === names.gatewayServiceAccount) {
    inputs.report(
      'service-account-name',
      `is ${quote(names.refresherServiceAccount)}, the name of the gateway's ServiceAccount`,
      'another name: the refresher may write the pull secret, the gateway must not (D5)',
    );
  }
  if (names.configSecret === names.pullSecret) {
    inputs.report(
      'config-secret-name',
      `is ${quote(names.configSecret)}, the name of the pull secret the refresher writes`,
      'another name: the provider keys must not sit in the Secret the refresher may read and patch',
    );
  }
}

/** Bifrost's schema: `config_store: {enabled: boolean, type: "sqlite" | "postgres", config}`. */
