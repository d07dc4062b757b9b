// GCP side of the identity chain: the names Google derives from the hub slug and the
// `external_account` credential config the refresher hands to gcloud. Built as objects, never as
// text templates, so no input can change the JSON's shape.
import { REFRESHER_PATHS } from './refresher.js';
import type { FederationMode, IdentitySettings } from '../config/settings.js';

export const DEFAULT_STS_URL = 'https://sts.googleapis.com/v1/token';
export const DEFAULT_IAM_CREDENTIALS_URL = 'https://iamcredentials.googleapis.com';
export const JWT_SUBJECT_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:jwt';

/** The seed's pool and provider names (__fixtures__/seed, Step 5). */
export function defaultWorkloadIdentityPool(hubSlug: string): string {
  return `${hubSlug}-azure-pool`;
}

export function defaultWorkloadIdentityProvider(hubSlug: string): string {
  return `${hubSlug}-azure-provider`;
}

/** Artifact Registry's Docker host for a region or multi-region (`us` → `us-docker.pkg.dev`). */
export function registryHostForRegion(region: string): string {
  return `${region}-docker.pkg.dev`;
}

/** `<host>/<project>/<hub-slug>/bifrost` plus `:<tag>`, or `@sha256:…` for a pinned digest. */
export function bifrostImage(
  identity: Pick<IdentitySettings, 'registryHost' | 'gcpProjectId' | 'hubSlug'>,
  tagOrDigest: string,
): string {
  const repository = `${identity.registryHost}/${identity.gcpProjectId}/${identity.hubSlug}/bifrost`;
  return tagOrDigest.startsWith('sha256:') ? `${repository}@${tagOrDigest}` : `${repository}:${tagOrDigest}`;
}

/** The STS audience: the full resource name of the workload identity provider. */
export function workloadIdentityAudience(
  identity: Pick<IdentitySettings, 'gcpProjectNumber' | 'workloadIdentityPool' | 'workloadIdentityProvider'>,
): string {
  return (
    `//iam.googleapis.com/projects/${identity.gcpProjectNumber}/locations/global/` +
    `workloadIdentityPools/${identity.workloadIdentityPool}/providers/${identity.workloadIdentityProvider}`
  );
}

export function impersonationUrl(
  identity: Pick<IdentitySettings, 'iamCredentialsUrl' | 'gcpServiceAccount'>,
): string {
  const base = identity.iamCredentialsUrl.replace(/\/+$/, '');
  return `${base}/v1/projects/-/serviceAccounts/${identity.gcpServiceAccount}:generateAccessToken`;
}

/** Where, inside the refresher pod, the credential config finds the subject token (D1). */
export function subjectTokenPath(federation: FederationMode): string {
  return federation === 'entra'
    ? `${REFRESHER_PATHS.entraTokenDir}/${REFRESHER_PATHS.entraTokenFile}`
    : `${REFRESHER_PATHS.saTokenDir}/${REFRESHER_PATHS.saTokenFile}`;
}

/** The `external_account` credential config (google-auth "file-sourced credentials"). */
export interface ExternalAccountCredentialConfig {
  type: 'external_account';
  audience: string;
  subject_token_type: string;
  service_account_impersonation_url: string;
  token_url: string;
  credential_source: { file: string; format: { type: 'text' } };
}

/** Key order follows the seed's Step 5 so the ConfigMap reads like the page. */
export function credentialConfig(identity: IdentitySettings): ExternalAccountCredentialConfig {
  return {
    type: 'external_account',
    audience: workloadIdentityAudience(identity),
    subject_token_type: JWT_SUBJECT_TOKEN_TYPE,
    service_account_impersonation_url: impersonationUrl(identity),
    token_url: identity.stsUrl,
    credential_source: { file: subjectTokenPath(identity.federation), format: { type: 'text' } },
  };
}
