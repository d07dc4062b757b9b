// GCP side of the identity chain: the workload identity provider's audience, the impersonation
// URL and the `external_account` credential config the refresher reads. Built as objects, never
// as text templates, so no input can change the JSON's shape.
import type { FederationMode, IdentitySettings } from '../config/settings.js';
import { REFRESHER_PATHS } from './refresher.js';

export const JWT_SUBJECT_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:jwt';

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
