// The typed settings every module works from. `inputs.ts` builds them from the action's inputs
// (and validates every value); nothing else reads INPUT_* variables.

export type Mode = 'deploy' | 'render' | 'verify' | 'teardown' | 'sweep';

/**
 * How the refresher proves its identity to Google STS (seed-review D1).
 * - `kubernetes`: the seed's credential config: GCP's provider trusts the AKS OIDC issuer and
 *   reads the projected ServiceAccount token directly.
 * - `entra`: the refresher first exchanges the ServiceAccount token at Entra ID for a token of
 *   the managed identity (for `entraResource`), and GCP's provider trusts Entra ID.
 */
export type FederationMode = 'kubernetes' | 'entra';

/** Object names. Defaults are the seed page's, so existing installs and the federated
 * credential subject (`system:serviceaccount:bifrost:bifrost-sa`) keep working. */
export interface Names {
  namespace: string; // bifrost
  refresherServiceAccount: string; // bifrost-sa: the federated credential's subject
  gatewayServiceAccount: string; // bifrost-gateway: no Secret access (D5)
  credentialConfigMap: string; // gcp-credential-config
  cronJob: string; // refresh-ar-secret
  pullSecret: string; // ar-pull-secret
  configSecret: string; // bifrost-config
  role: string; // secret-manager
  roleBinding: string; // secret-manager-binding
  deployment: string; // bifrost
  service: string; // bifrost
}

export interface IdentitySettings {
  tenantId: string; // GUID
  clientId: string; // managed identity client id (GUID)
  hubSlug: string;
  gcpProjectId: string; // hosts Artifact Registry and the service account
  gcpProjectNumber: string; // digits; names the workload identity pool
  gcpServiceAccount: string; // email impersonated by the refresher
  workloadIdentityPool: string; // default `${hubSlug}-azure-pool`
  workloadIdentityProvider: string; // default `${hubSlug}-azure-provider`
  registryRegion: string; // e.g. us-central1 → us-central1-docker.pkg.dev
  registryHost: string; // derived; overridable for tests (a local registry)
  federation: FederationMode;
  /** `entra` mode: the resource (App ID URI) the managed-identity token is requested for. */
  entraResource: string;
  /** Entra authority host used by the refresher in `entra` mode. */
  entraAuthorityHost: string;
  stsUrl: string; // https://sts.googleapis.com/v1/token
  iamCredentialsUrl: string; // https://iamcredentials.googleapis.com
}

export interface Resources {
  requests: { cpu: string; memory: string };
  limits: { cpu: string; memory: string };
}

export interface BifrostConfig {
  json: string; // the config.json text, already validated as JSON; secret
  sha256: string; // rolls the Deployment when the config changes (D7)
  hasPostgresConfigStore: boolean; // D8
}

/** The Pod Security Standard enforced on the namespace by its label; `none` sets no label. */
export type PodSecurityLevel = 'restricted' | 'baseline' | 'none';

export interface WorkloadSettings {
  image: string; // `${registryHost}/${gcpProjectId}/${hubSlug}/bifrost:${imageTag}`
  imageTag: string;
  replicas: number;
  config?: BifrostConfig; // absent: the Secret must already exist in the cluster
  resources: Resources;
  refreshSchedule: string; // cron, default */30 * * * *
  refresherImage: string;
  /** Production serves previews: the refresher also writes the pull secret into labelled
   * preview namespaces (and gets a ClusterRole to list namespaces). */
  servePreviews: boolean;
  tokenLifetimeSeconds: number; // 3600: GCP access tokens (D12)
  podSecurity: PodSecurityLevel; // pod-security.kubernetes.io/enforce on the Namespace
}

export interface AzureSettings {
  /** Absent when no Resource Manager access is configured: Azure-side checks are skipped. */
  subscriptionId?: string;
  resourceGroup?: string;
  clusterName?: string;
  admin: boolean; // listClusterAdminCredential instead of the user credential
  environment: 'AzureCloud' | 'AzureChinaCloud' | 'AzureUSGovernment';
  resourceManagerUrl: string;
  authorityHost: string;
  aksServerAppId: string; // 6dae42f8-4368-4678-94ff-3960e28e3630 in every public cloud
  identityName: string; // bifrost-pull-identity
  identityResourceGroup?: string; // defaults to resourceGroup
  federatedCredentialName: string; // bifrost-federated-credential
  manageFederatedCredential: boolean;
  /** How the action authenticates to Azure: GitHub OIDC, an azure/login session, or env. */
  credential: 'auto' | 'github-oidc' | 'azure-cli' | 'environment';
  loginClientId?: string; // app/identity the GitHub OIDC token is federated to
}

export interface ControlSettings {
  timeoutSeconds: number; // whole run
  wait: boolean; // wait for the rollout
  forceConflicts: boolean; // take fields owned by another field manager
  forceRefresh: boolean; // run the initial refresh even when the pull secret is fresh
  fieldManager: string; // bifrost-aks-deploy
  runId: string; // GITHUB_RUN_ID, for a unique initial Job name
  runAttempt: string; // GITHUB_RUN_ATTEMPT
}

/** Preflight of the identity chain from the runner (src/chain/preflight.ts). */
export interface PreflightSettings {
  enabled: boolean;
  pinDigest: boolean; // render the Deployment with image@sha256:… from the preflight
}

export interface Settings {
  mode: Mode;
  names: Names;
  identity: IdentitySettings;
  workload: WorkloadSettings;
  azure: AzureSettings;
  control: ControlSettings;
  preflight: PreflightSettings;
  /** Kubeconfig text from the `kubeconfig` input; else KUBECONFIG / Resource Manager. */
  kubeconfig?: string;
  /** A pull-request preview (`preview` input); always set in `teardown`. */
  preview?: PreviewSettings;
  /** `mode: sweep` only. */
  sweep?: SweepSettings;
}

export interface PreviewSettings {
  pr: number;
  /** The preview's namespace: `preview-namespace`, or `<namespace>-pr-<n>`. */
  namespace: string;
  /** Production's namespace (the `namespace` input): its refresher serves the preview. */
  productionNamespace: string;
  repository: string; // owner/name (GITHUB_REPOSITORY)
  commit: string; // the PR head commit (preview-commit, else GITHUB_SHA)
  ingressHost?: string;
}

export interface SweepSettings {
  repository: string; // owner/name (GITHUB_REPOSITORY)
  apiUrl: string; // GITHUB_API_URL
  token: string; // `github-token` (secret)
  maxAgeSeconds?: number; // `max-age`; absent: only closed pull requests are removed
  dryRun: boolean;
}
