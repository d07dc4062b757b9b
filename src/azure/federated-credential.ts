// Creates or updates the managed identity's federated credential for the refresher's
// ServiceAccount (seed Step 3), idempotently: GET, compare, PUT only when it differs.

import { type Settings } from '../config/settings.js';
import type { ArmClient, FederatedCredential, FederatedCredentialProperties, IdentityRef } from './arm.js';
import { clusterRef, expectedSubject, identityRef, issuerOf } from './checks.js';
import { AzureError } from './errors.js';
import { AZURE_TOKEN_EXCHANGE_AUDIENCE } from '../manifests/names.js';

/** Entra's limit of federated credentials on one identity or application. */
export const FEDERATED_CREDENTIALS_PER_IDENTITY = 20;

export interface EnsureFederatedCredentialResult {
  action: 'created' | 'updated' | 'unchanged';
  /** The credential that now grants access (may be an equivalent one under another name). */
  name: string;
  properties: FederatedCredentialProperties;
  note?: string;
}

export async function ensureFederatedCredential(
  arm: ArmClient,
  identity: IdentityRef,
  name: string,
  desired: FederatedCredentialProperties,
): Promise<EnsureFederatedCredentialResult> {
  const existing = await arm.getFederatedCredential(identity, name);
  if (existing) {
    if (sameCredential(existing.properties, desired))
      return { action: 'unchanged', name, properties: existing.properties };
    const updated = await arm.putFederatedCredential(identity, name, desired);
    return {
      action: 'updated',
      name,
      properties: updated.properties ?? desired,
      note: `was ${describe(existing.properties)}`,
    };
  }

  // A new credential: Entra refuses a 21st, and refuses a second one with the same issuer and
  // subject, so look at the others first.
  const all = await arm.listFederatedCredentials(identity);
  const equivalent = all.find((c: FederatedCredential) => sameCredential(c.properties, desired));
  if (equivalent) {
    return {
      action: 'unchanged',
      name: equivalent.name,
      properties: equivalent.properties,
      note: `an equivalent credential named ${equivalent.name} already exists; ${name} was not created`,
    };
  }
  if (all.length >= FEDERATED_CREDENTIALS_PER_IDENTITY) {
    const operation = `create federatedIdentityCredentials/${name} of ${identity.identityName}`;
    throw new AzureError(
      `${operation} refused: the identity already has ${all.length} federated credentials (the limit is ${FEDERATED_CREDENTIALS_PER_IDENTITY}).`,
      {
        operation,
        code: 'FederatedCredentialLimit',
        hint: `Delete an unused one (existing: ${all.map((c) => c.name).join(', ')}), or point federated-credential-name at one of them to update it in place.`,
      },
    );
  }
  const created = await arm.putFederatedCredential(identity, name, desired);
  return { action: 'created', name, properties: created.properties ?? desired };
}

/** The refresher's federated credential, for this cluster's issuer, from the settings. */
export async function ensureRefresherFederatedCredential(
  settings: Settings,
  arm: ArmClient,
): Promise<EnsureFederatedCredentialResult> {
  const cluster = clusterRef(settings);
  const identity = identityRef(settings);
  const operation = 'manage-federated-credential';
  if (!cluster || !identity) {
    throw new AzureError('manage-federated-credential needs the cluster and the identity.', {
      operation,
      hint: 'Set subscription-id, resource-group, cluster-name and identity-name (and identity-resource-group when it differs).',
    });
  }
  const issuer = issuerOf(await arm.getManagedCluster(cluster));
  if (!issuer) {
    throw new AzureError(
      `Cluster ${cluster.clusterName} has no OIDC issuer, so no federated credential can trust it.`,
      {
        operation,
        hint: `Enable it first: az aks update -g ${cluster.resourceGroup} -n ${cluster.clusterName} --enable-oidc-issuer.`,
      },
    );
  }
  return ensureFederatedCredential(arm, identity, settings.azure.federatedCredentialName, {
    issuer,
    subject: expectedSubject(settings),
    audiences: [AZURE_TOKEN_EXCHANGE_AUDIENCE],
  });
}

function sameCredential(a: FederatedCredentialProperties, b: FederatedCredentialProperties): boolean {
  const audiences = (x: FederatedCredentialProperties) => [...(x.audiences ?? [])].sort().join('\n');
  return a.issuer === b.issuer && a.subject === b.subject && audiences(a) === audiences(b);
}

function describe(p: FederatedCredentialProperties): string {
  return `issuer ${p.issuer}, subject ${p.subject}, audiences ${JSON.stringify(p.audiences)}`;
}
