// Azure-side checks, through Resource Manager: is the cluster's OIDC issuer on, is Workload
// Identity on (securityProfile.workloadIdentity — not oidcIssuerProfile, seed defect D11), does
// the managed identity exist with the expected client id, and does a federated credential match
// the cluster issuer and the refresher's ServiceAccount exactly.
// First the facts are gathered (one GET each), then every check is a pure function of them.

import type { CheckResult, CheckStatus } from '../report/check-result.js';
import { type Settings } from '../config/settings.js';
import type {
  ArmClient,
  ClusterRef,
  FederatedCredential,
  IdentityRef,
  ManagedCluster,
  UserAssignedIdentity,
} from './arm.js';
import { explainDifference } from './compare.js';
import { AzureError } from './errors.js';
import { AZURE_TOKEN_EXCHANGE_AUDIENCE } from '../manifests/names.js';

/** A Resource Manager read: its value, the error it ended in, or why it was not made. */
export type Lookup<T> = { value: T } | { error: Error } | { skipped: string };

export interface AzureFacts {
  cluster: Lookup<ManagedCluster>;
  identity: Lookup<UserAssignedIdentity>;
  federatedCredentials: Lookup<FederatedCredential[]>;
}

export function clusterRef(settings: Settings): ClusterRef | undefined {
  const { subscriptionId, resourceGroup, clusterName } = settings.azure;
  return subscriptionId && resourceGroup && clusterName
    ? { subscriptionId, resourceGroup, clusterName }
    : undefined;
}

export function identityRef(settings: Settings): IdentityRef | undefined {
  const { subscriptionId, resourceGroup, identityResourceGroup, identityName } = settings.azure;
  const group = identityResourceGroup || resourceGroup;
  return subscriptionId && group && identityName
    ? { subscriptionId, resourceGroup: group, identityName }
    : undefined;
}

/** The subject Kubernetes puts in the refresher's ServiceAccount token. */
export function expectedSubject(settings: Settings): string {
  return `system:serviceaccount:${settings.names.namespace}:${settings.names.refresherServiceAccount}`;
}

export function issuerOf(cluster: ManagedCluster | undefined): string | undefined {
  const profile = cluster?.properties?.oidcIssuerProfile;
  return profile?.enabled && profile.issuerURL ? profile.issuerURL : undefined;
}

const NO_ACCESS = 'no Azure access configured (subscription-id and resource-group are not set)';

export async function gatherAzureFacts(settings: Settings, arm: ArmClient | undefined): Promise<AzureFacts> {
  const cluster = clusterRef(settings);
  const identity = identityRef(settings);
  const lookup = async <T>(why: string | undefined, read: () => Promise<T>): Promise<Lookup<T>> => {
    if (!arm) return { skipped: NO_ACCESS };
    if (why) return { skipped: why };
    try {
      return { value: await read() };
    } catch (error) {
      return { error: error as Error };
    }
  };
  const [clusterFact, identityFact, ficFact] = await Promise.all([
    lookup(cluster ? undefined : 'cluster-name, subscription-id or resource-group is not set', () =>
      arm!.getManagedCluster(cluster!),
    ),
    lookup(identity ? undefined : 'identity-name, subscription-id or resource group is not set', () =>
      arm!.getIdentity(identity!),
    ),
    lookup(identity ? undefined : 'identity-name, subscription-id or resource group is not set', () =>
      arm!.listFederatedCredentials(identity!),
    ),
  ]);
  return { cluster: clusterFact, identity: identityFact, federatedCredentials: ficFact };
}

export async function runAzureChecks(settings: Settings, arm: ArmClient | undefined): Promise<CheckResult[]> {
  return azureChecks(settings, await gatherAzureFacts(settings, arm));
}

export function azureChecks(settings: Settings, facts: AzureFacts): CheckResult[] {
  return [
    checkOidcIssuer(facts),
    checkWorkloadIdentity(facts),
    checkManagedIdentity(settings, facts),
    checkFederatedCredential(settings, facts),
  ];
}

export function checkOidcIssuer(facts: AzureFacts): CheckResult {
  const base = { id: 'aks-oidc-issuer', title: 'AKS OIDC issuer is enabled' };
  if (!('value' in facts.cluster)) return notRead(base, facts.cluster);
  const profile = facts.cluster.value.properties?.oidcIssuerProfile;
  const evidence = `properties.oidcIssuerProfile.enabled=${profile?.enabled ?? '(absent)'}, issuerURL=${profile?.issuerURL ?? '(absent)'}`;
  if (issuerOf(facts.cluster.value)) return { ...base, status: 'pass', evidence };
  return {
    ...base,
    status: 'fail',
    evidence,
    hint: "Enable the OIDC issuer on the cluster: az aks update -g <resource-group> -n <cluster> --enable-oidc-issuer. The refresher's ServiceAccount tokens are only trusted through it.",
  };
}

export function checkWorkloadIdentity(facts: AzureFacts): CheckResult {
  const base = { id: 'aks-workload-identity', title: 'AKS Workload Identity is enabled' };
  if (!('value' in facts.cluster)) return notRead(base, facts.cluster);
  const enabled = facts.cluster.value.properties?.securityProfile?.workloadIdentity?.enabled;
  const evidence = `properties.securityProfile.workloadIdentity.enabled=${enabled ?? '(absent)'}`;
  if (enabled === true) return { ...base, status: 'pass', evidence };
  // The refresher projects its own ServiceAccount token, so it works without the webhook;
  // only the seed's `azure.workload.identity/use` label relies on it.
  return {
    ...base,
    status: 'warn',
    evidence,
    hint: 'Workload Identity (the webhook) is off: az aks update -g <resource-group> -n <cluster> --enable-workload-identity. The refresher projects its own token and does not need it, but pods relying on the azure.workload.identity/use label do.',
  };
}

export function checkManagedIdentity(settings: Settings, facts: AzureFacts): CheckResult {
  const base = {
    id: 'managed-identity',
    title: `Managed identity ${settings.azure.identityName} matches client-id`,
  };
  if (!('value' in facts.identity)) return notRead(base, facts.identity, identitySeverity(settings));
  const properties = facts.identity.value.properties ?? {};
  const evidence = `properties.clientId=${properties.clientId ?? '(absent)'}, tenantId=${properties.tenantId ?? '(absent)'}`;
  const problems: string[] = [];
  if (!sameGuid(properties.clientId, settings.identity.clientId)) {
    problems.push(
      `client-id input is ${settings.identity.clientId} but the identity's clientId is ${properties.clientId ?? '(absent)'}`,
    );
  }
  if (properties.tenantId && !sameGuid(properties.tenantId, settings.identity.tenantId)) {
    problems.push(
      `tenant-id input is ${settings.identity.tenantId} but the identity lives in tenant ${properties.tenantId}`,
    );
  }
  if (problems.length === 0) return { ...base, status: 'pass', evidence };
  return {
    ...base,
    status: identitySeverity(settings),
    evidence,
    hint: `${problems.join('; ')}. Use the identity's values (they are what the Bifrost team configures).`,
  };
}

export function checkFederatedCredential(settings: Settings, facts: AzureFacts): CheckResult {
  const base = {
    id: 'federated-credential',
    title: 'Federated credential matches the cluster issuer and ServiceAccount',
  };
  const severity = identitySeverity(settings);
  if (!('value' in facts.federatedCredentials)) return notRead(base, facts.federatedCredentials, severity);
  if (!('value' in facts.cluster))
    return {
      ...base,
      status: 'skipped',
      evidence: "the cluster's OIDC issuer is unknown (see aks-oidc-issuer)",
    };
  const issuer = issuerOf(facts.cluster.value);
  if (!issuer)
    return { ...base, status: 'skipped', evidence: 'the cluster has no OIDC issuer (see aks-oidc-issuer)' };

  const subject = expectedSubject(settings);
  const credentials = facts.federatedCredentials.value;
  const match = credentials.find((c) => mismatches(c, issuer, subject).length === 0);
  if (match) {
    return {
      ...base,
      status: 'pass',
      evidence: `${match.name}: issuer ${match.properties.issuer}, subject ${match.properties.subject}`,
    };
  }
  if (credentials.length === 0) {
    return {
      ...base,
      status: severity,
      evidence: `identity ${settings.azure.identityName} has no federated credentials`,
      hint: `Create one with issuer ${JSON.stringify(issuer)}, subject ${JSON.stringify(subject)} and audience ${AZURE_TOKEN_EXCHANGE_AUDIENCE}, or set manage-federated-credential: true.`,
    };
  }
  const closest = closestCredential(credentials, settings.azure.federatedCredentialName, issuer, subject);
  return {
    ...base,
    status: severity,
    evidence: `${credentials.length} federated credential(s), none matches; closest is ${closest.name}: issuer ${closest.properties.issuer}, subject ${closest.properties.subject}, audiences ${JSON.stringify(closest.properties.audiences)}`,
    hint: `${mismatches(closest, issuer, subject).join('\n')}\nFix ${closest.name} (or set manage-federated-credential: true) so both match exactly.`,
  };
}

/** What is wrong with one credential, against the expected issuer, subject and audience. */
function mismatches(credential: FederatedCredential, issuer: string, subject: string): string[] {
  const { properties } = credential;
  const problems = [
    explainDifference('issuer', issuer, properties.issuer ?? ''),
    explainDifference('subject', subject, properties.subject ?? ''),
  ];
  if (!(properties.audiences ?? []).includes(AZURE_TOKEN_EXCHANGE_AUDIENCE)) {
    problems.push(
      `audiences ${JSON.stringify(properties.audiences ?? [])} do not contain ${AZURE_TOKEN_EXCHANGE_AUDIENCE}`,
    );
  }
  return problems.filter(Boolean);
}

function closestCredential(
  credentials: FederatedCredential[],
  name: string,
  issuer: string,
  subject: string,
): FederatedCredential {
  return (
    credentials.find((c) => c.name === name) ??
    credentials.find((c) => c.properties.subject === subject) ??
    credentials.find((c) => c.properties.issuer === issuer) ??
    credentials[0]
  );
}

/** The identity hop is only used in `entra` federation mode; in `kubernetes` mode GCP trusts the
 * AKS issuer directly, so a wrong identity or credential is a warning, not a failure. */
function identitySeverity(settings: Settings): CheckStatus {
  return settings.identity.federation === 'entra' ? 'fail' : 'warn';
}

function notRead(
  base: { id: string; title: string },
  lookup: { error: Error } | { skipped: string },
  severity: CheckStatus = 'fail',
): CheckResult {
  if ('skipped' in lookup) return { ...base, status: 'skipped', evidence: lookup.skipped };
  const hint = lookup.error instanceof AzureError ? lookup.error.hint : undefined;
  return { ...base, status: severity, evidence: lookup.error.message, hint: hint ?? 'See the error above.' };
}

function sameGuid(a: string | undefined, b: string | undefined): boolean {
  return !!a && !!b && a.toLowerCase() === b.toLowerCase();
}

export interface BifrostTeamDetails {
  tenantId: string;
  clientId: string;
  /** The AKS OIDC issuer: what GCP's provider trusts in `kubernetes` mode (seed-review D1). */
  issuerUrl?: string;
  /** Where the values come from: read from Azure, or the inputs as given. */
  source: 'resource-manager' | 'inputs';
}

/** What the Bifrost team needs to configure GCP (seed Step 4), read from Azure when possible. */
export function bifrostTeamDetails(settings: Settings, facts: AzureFacts): BifrostTeamDetails {
  const identity = 'value' in facts.identity ? facts.identity.value.properties : undefined;
  const issuerUrl = 'value' in facts.cluster ? issuerOf(facts.cluster.value) : undefined;
  return {
    tenantId: identity?.tenantId ?? settings.identity.tenantId,
    clientId: identity?.clientId ?? settings.identity.clientId,
    issuerUrl,
    source: identity?.clientId ? 'resource-manager' : 'inputs',
  };
}
