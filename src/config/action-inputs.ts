// The action's inputs as action.yml declares them: each name with its default (a unit test keeps
// the two identical), which are required, and which derive their value from another input.
import { DEFAULT_IAM_CREDENTIALS_URL, DEFAULT_REFRESHER_IMAGE, DEFAULT_STS_URL } from './defaults.js';

/** Defaults, identical to action.yml's (a unit test compares them). An empty default means
 * "required" or "derived from another input" — see DERIVED_DEFAULTS. */
export const INPUT_DEFAULTS = {
  // identity
  'tenant-id': '',
  'client-id': '',
  'hub-slug': '',
  'gcp-project-id': '',
  'gcp-project-number': '',
  'gcp-service-account': '',
  'workload-identity-pool': '',
  'workload-identity-provider': '',
  'registry-region': '',
  'registry-host': '',
  federation: 'kubernetes',
  'entra-resource': '',
  'entra-authority-host': '',
  'sts-url': DEFAULT_STS_URL,
  'iam-credentials-url': DEFAULT_IAM_CREDENTIALS_URL,
  // workload
  namespace: 'bifrost',
  'service-account-name': 'bifrost-sa',
  'config-secret-name': 'bifrost-config',
  'image-tag': 'latest',
  replicas: '1',
  config: '',
  'cpu-request': '250m',
  'memory-request': '512Mi',
  'cpu-limit': '1000m',
  'memory-limit': '2Gi',
  'refresh-schedule': '*/30 * * * *',
  'refresher-image': DEFAULT_REFRESHER_IMAGE,
  'serve-previews': 'false',
  'pod-security': 'restricted',
  // cluster
  kubeconfig: '',
  // Azure
  'subscription-id': '',
  'resource-group': '',
  'cluster-name': '',
  admin: 'false',
  'azure-environment': 'AzureCloud',
  'resource-manager-url': '',
  'authority-host': '',
  'aks-server-app-id': '6dae42f8-4368-4678-94ff-3960e28e3630',
  'identity-name': 'bifrost-pull-identity',
  'identity-resource-group': '',
  'federated-credential-name': 'bifrost-federated-credential',
  'manage-federated-credential': 'false',
  'azure-credential': 'auto',
  'login-client-id': '',
  // control
  mode: 'deploy',
  timeout: '10m',
  wait: 'true',
  'force-conflicts': 'false',
  'force-refresh': 'false',
  // pull-request previews (manifests/preview.ts)
  preview: '',
  'preview-namespace': '',
  'preview-commit': '',
  'ingress-host': '',
  'max-age': '14d',
  'dry-run': 'false',
  'github-token': '',
  // preflight
  preflight: 'true',
  'pin-digest': 'false',
} as const;

export type InputName = keyof typeof INPUT_DEFAULTS;

/** Inputs that must be set in every mode (verify compares the cluster against them). */
export const REQUIRED_INPUTS: readonly InputName[] = [
  'tenant-id',
  'client-id',
  'hub-slug',
  'gcp-project-id',
  'gcp-project-number',
  'gcp-service-account',
  'registry-region',
];

/** Inputs whose empty value means "derive from another input". */
export const DERIVED_DEFAULTS: Partial<Record<InputName, string>> = {
  'workload-identity-pool': '`<hub-slug>-azure-pool`',
  'workload-identity-provider': '`<hub-slug>-azure-provider`',
  'registry-host': '`<registry-region>-docker.pkg.dev`',
  'entra-authority-host': 'the `authority-host` of `azure-environment`',
  'resource-manager-url': 'from `azure-environment`',
  'authority-host': 'from `azure-environment`',
  'identity-resource-group': 'the `resource-group` input',
};
