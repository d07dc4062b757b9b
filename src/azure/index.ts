// Azure for this action: Entra ID sign-in, Resource Manager, cluster access and Azure-side
// checks. One small file per concern under ./azure/; this module wires them and re-exports.

import type { Agent } from 'node:https';
import type { RetryPolicy } from '../net/retry.js';
import type { Settings } from '../config/settings.js';
import { ArmClient } from './arm.js';
import { createAzureCredential, type AzureLogin, type IdTokenGetter } from './credential.js';

export * from './arm.js';
export * from './checks.js';
export * from '../config/clouds.js';
export * from './compare.js';
export * from './credential.js';
export * from './errors.js';
export * from './federated-credential.js';
export * from './kubeconfig.js';

export interface AzureConnection {
  login: AzureLogin;
  arm: ArmClient;
}

export interface ConnectAzureDeps {
  /** `core.getIDToken` in the action. */
  getIdToken?: IdTokenGetter;
  env?: NodeJS.ProcessEnv;
  /** HTTPS agent for Entra and Resource Manager (tests: trusts the emulators' CA). */
  agent?: Agent;
  /** The run's retry policy, for Resource Manager and Entra ID. */
  policy?: RetryPolicy;
}

/** True when the inputs say where Azure resources live (else Azure-side checks are skipped). */
export function hasAzureAccess(settings: Settings): boolean {
  return Boolean(
    settings.azure.subscriptionId && (settings.azure.resourceGroup || settings.azure.identityResourceGroup),
  );
}

/** Signs in (lazily: the first token request does) and returns a Resource Manager client. */
export function connectAzure(settings: Settings, deps: ConnectAzureDeps = {}): AzureConnection {
  const login = createAzureCredential(settings.azure, settings.identity.tenantId, deps);
  const arm = new ArmClient({
    resourceManagerUrl: settings.azure.resourceManagerUrl,
    credential: login.credential,
    agent: deps.agent,
    policy: deps.policy,
  });
  return { login, arm };
}
