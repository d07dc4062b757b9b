// The Azure inputs: where the cluster and the managed identity live, the cloud, how to sign in;
// and the `kubeconfig` input.
import { AZURE_CLOUDS } from './clouds.js';
import { quote, type InputReader } from './input-reader.js';
import type { AzureSettings } from './settings.js';
import { optional } from './input-reader.js';
import {
  AKS_CLUSTER_NAME,
  ENDPOINT_URL,
  FEDERATED_CREDENTIAL_NAME,
  GUID,
  IDENTITY_NAME,
  RESOURCE_GROUP,
  RUN_ID,
} from './rules.js';
import { MAX_CONFIG_BYTES } from './rules.js';

export function readAzureSettings(
  inputs: InputReader,
  environment: AzureSettings['environment'],
  authorityHost: string,
): AzureSettings {
  const cloud = AZURE_CLOUDS[environment] ?? AZURE_CLOUDS.AzureCloud;
  const subscriptionId = optional(inputs.checked('subscription-id', GUID).toLowerCase());
  const resourceGroup = optional(inputs.checked('resource-group', RESOURCE_GROUP));
  const clusterName = optional(inputs.checked('cluster-name', AKS_CLUSTER_NAME));
  const identityResourceGroup = optional(inputs.checked('identity-resource-group', RESOURCE_GROUP));
  const manageFederatedCredential = inputs.boolean('manage-federated-credential');

  // Resource Manager paths need every segment above the resource.
  if ((resourceGroup || identityResourceGroup || clusterName) && !subscriptionId) {
    inputs.report(
      'subscription-id',
      'is empty while resource-group, identity-resource-group or cluster-name is set',
      'the subscription GUID that holds them',
    );
  }
  if (clusterName && !resourceGroup) {
    inputs.report('resource-group', 'is empty while cluster-name is set', "the cluster's resource group");
  }
  if (manageFederatedCredential && !(subscriptionId && (identityResourceGroup || resourceGroup))) {
    inputs.report(
      'manage-federated-credential',
      'is true but the managed identity cannot be located',
      'subscription-id and identity-resource-group (or resource-group) set as well',
    );
  }

  return {
    subscriptionId,
    resourceGroup,
    clusterName,
    admin: inputs.boolean('admin'),
    environment,
    resourceManagerUrl: trimSlash(
      inputs.checked('resource-manager-url', ENDPOINT_URL, { fallback: cloud.resourceManagerUrl }),
    ),
    authorityHost: trimSlash(authorityHost),
    aksServerAppId: inputs.checked('aks-server-app-id', GUID).toLowerCase(),
    identityName: inputs.checked('identity-name', IDENTITY_NAME),
    identityResourceGroup: identityResourceGroup ?? resourceGroup,
    federatedCredentialName: inputs.checked('federated-credential-name', FEDERATED_CREDENTIAL_NAME),
    manageFederatedCredential,
    credential: inputs.oneOf<AzureSettings['credential']>('azure-credential', [
      'auto',
      'github-oidc',
      'azure-cli',
      'environment',
    ]),
    loginClientId: optional(inputs.checked('login-client-id', GUID).toLowerCase()),
  };
}

/** The kubeconfig's content (secret). A one-line value is almost surely a path by mistake. */
export function readKubeconfig(inputs: InputReader): string | undefined {
  const value = inputs.raw('kubeconfig');
  if (value === '') return undefined;
  if (Buffer.byteLength(value, 'utf8') > MAX_CONFIG_BYTES) {
    inputs.report('kubeconfig', 'is larger than 1 MiB', "a kubeconfig file's content (a few KiB)");
    return undefined;
  }
  if (!value.includes('\n') && !value.startsWith('{')) {
    inputs.report(
      'kubeconfig',
      'is a single line, which looks like a file path rather than kubeconfig content',
      "the kubeconfig file's content (e.g. ${{ secrets.KUBECONFIG }}), or leave it empty to use KUBECONFIG / Azure",
    );
  }
  return value;
}

export function readEnv(inputs: InputReader, env: NodeJS.ProcessEnv, name: string, fallback: string): string {
  const value = env[name]?.trim() || fallback;
  if (!RUN_ID.accepts(value)) inputs.report(name, `${quote(value)} ${RUN_ID.problem}`, RUN_ID.expected);
  return value;
}

export function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}
