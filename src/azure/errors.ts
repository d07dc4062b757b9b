// One error type for everything that goes wrong talking to Azure: which call, what the service
// said (HTTP status, ARM error code or AADSTS code, message) and how to fix it.
// Hints that depend on the call (which role this call needs; that the assertion was the GitHub
// OIDC token, not a ServiceAccount token) are written here; anything else comes from the
// project-wide catalogue in report/hints.ts.

import { findHint, formatHint } from '../report/hints.js';

export interface AzureErrorDetails {
  /** The call, in words: `listClusterUserCredential on managedClusters/aks1`. */
  operation: string;
  status?: number;
  /** ARM `error.code` (AuthorizationFailed) or Entra `AADSTS70021`. */
  code?: string;
  hint?: string;
}

export class AzureError extends Error {
  readonly operation: string;
  readonly status?: number;
  readonly code?: string;
  readonly hint?: string;

  constructor(message: string, details: AzureErrorDetails, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AzureError';
    this.operation = details.operation;
    this.status = details.status;
    this.code = details.code;
    this.hint = details.hint;
  }
}

/** The Azure role each kind of call needs, for AuthorizationFailed hints. */
export type ArmPermission =
  'read' | 'cluster-user-credential' | 'cluster-admin-credential' | 'write-federated-credential';

const ROLE_FOR: Record<ArmPermission, string> = {
  read: '"Reader" on the resource (or its resource group)',
  'cluster-user-credential': '"Azure Kubernetes Service Cluster User Role" on the cluster',
  'cluster-admin-credential': '"Azure Kubernetes Service Cluster Admin Role" on the cluster',
  'write-federated-credential': '"Managed Identity Contributor" on the managed identity',
};

export function armErrorHint(
  code: string | undefined,
  permission: ArmPermission,
  message = '',
): string | undefined {
  switch (code) {
    case 'AuthorizationFailed':
      return (
        `The Azure identity the action signs in with lacks permission for this call. Assign it ` +
        `${ROLE_FOR[permission]}. New role assignments can take a few minutes to apply.`
      );
    case 'ResourceNotFound':
    case 'ResourceGroupNotFound':
      return 'Check subscription-id, resource-group, cluster-name / identity-name (and identity-resource-group): the resource does not exist where the action looked.';
    case 'SubscriptionNotFound':
    case 'InvalidSubscriptionId':
      return 'Check subscription-id, and that the signed-in identity can see that subscription.';
    case 'InvalidAuthenticationToken':
    case 'InvalidAuthenticationTokenAudience':
    case 'InvalidAuthenticationTokenTenant':
    case 'ExpiredAuthenticationToken':
      return 'Resource Manager rejected the token: check tenant-id and azure-environment (the token must come from the same cloud and tenant as the subscription).';
    case 'BadRequest':
      if (/local accounts/i.test(message)) {
        return 'This cluster has local accounts disabled, so admin credentials are not available: set admin to false and grant an Entra role instead.';
      }
      return catalogueHint(`${code}: ${message}`);
    default:
      return catalogueHint(`${code ?? ''}: ${message}`);
  }
}

function catalogueHint(evidence: string): string | undefined {
  const hint = findHint(evidence);
  return hint && formatHint(hint);
}

/** What the action presented to Entra: the claims of the GitHub OIDC token (never the token). */
export interface PresentedClaims {
  iss?: string;
  sub?: string;
  aud?: string | string[];
}

export function describeClaims(claims: PresentedClaims): string {
  const aud = Array.isArray(claims.aud) ? claims.aud.join(', ') : claims.aud;
  return `issuer '${claims.iss ?? '?'}', subject '${claims.sub ?? '?'}', audience '${aud ?? '?'}'`;
}

/** Entra's answers when no federated credential matches the presented token. */
export const FEDERATED_CREDENTIAL_MISMATCH: ReadonlySet<string> = new Set([
  'AADSTS70021',
  'AADSTS700211',
  'AADSTS700212',
  'AADSTS700213',
]);

export function entraErrorHint(
  code: string | undefined,
  clientId: string,
  presented?: PresentedClaims,
): string | undefined {
  if (code && FEDERATED_CREDENTIAL_MISMATCH.has(code)) {
    return (
      `No federated credential of the Entra application/identity ${clientId} matches the token ` +
      `the action presented; Entra compares issuer, subject and audience exactly (case and ` +
      `trailing slash included). ` +
      (presented
        ? `Presented: ${describeClaims(presented)}. Add a federated credential with exactly this issuer and subject. `
        : '') +
      `A job that names an \`environment:\` presents repo:OWNER/REPO:environment:NAME, a pull ` +
      `request repo:OWNER/REPO:pull_request, a branch push repo:OWNER/REPO:ref:refs/heads/BRANCH.`
    );
  }
  switch (code) {
    case 'AADSTS700016':
      return `Entra has no application ${clientId} in this tenant: check login-client-id and tenant-id.`;
    case 'AADSTS90002':
      return 'Entra does not know this tenant: check tenant-id and azure-environment (the tenant must exist in that cloud).';
    case 'AADSTS700024':
      return 'The GitHub OIDC token had expired when Entra checked it. The action mints a fresh one before the last expires, so check the runner clock.';
    default:
      return code ? catalogueHint(code) : undefined;
  }
}

/** The same refusal for `azure-credential: environment` with a federated token file (e.g. a
 * self-hosted runner pod with AKS workload identity): which identity, which file, what it held. */
export function tokenFileMismatchHint(
  clientId: string | undefined,
  file: string,
  presented: PresentedClaims,
): string {
  return (
    `No federated credential of the Entra application/identity ${clientId ?? '(AZURE_CLIENT_ID is not set)'} ` +
    `matches the token in AZURE_FEDERATED_TOKEN_FILE (${file}); Entra compares issuer, subject and ` +
    `audience exactly (case and trailing slash included). Presented: ${describeClaims(presented)}. ` +
    `Add a federated credential with exactly this issuer and subject, or set AZURE_CLIENT_ID to the identity that has one.`
  );
}

/** The AADSTS code of an Entra error, from `errorResponse.errorCodes` or the message text. */
export function aadstsCode(error: unknown): string | undefined {
  const response = (error as { errorResponse?: { errorCodes?: number[] } } | undefined)?.errorResponse;
  if (response?.errorCodes?.length) return `AADSTS${response.errorCodes[0]}`;
  const match = /AADSTS\d+/.exec(error instanceof Error ? error.message : String(error));
  return match?.[0];
}
