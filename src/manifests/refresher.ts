// The refresher CronJob's container: which image, how it starts, what it reads, the RBAC its
// writes need, and the spec hash that lets deploy skip a refresh that would change nothing.
// The program itself (refresh.mjs) is in refresher-script.ts.
//
// Every value reaches the script through environment variables (refresherEnv), never through
// text interpolated into it: no input can change the program, and the program is the same for
// every install. It runs as non-root on a read-only root filesystem and writes nothing at all
// (no writable volume): tokens live in the process's memory only.

import { createHash } from 'node:crypto';
import type { V1EnvVar, V1PodTemplateSpec, V1PolicyRule } from '@kubernetes/client-node';
import type { Settings } from '../config/settings.js';
import { PREVIEW_NAMESPACE_LABEL_ENV, PULL_SECRET_FROM_LABEL } from './names.js';
import { REFRESHER_SCRIPT, REFRESHER_SCRIPT_FILE } from './refresher-script.js';

/** node in the distroless Node.js images. */
export const REFRESHER_NODE = '/nodejs/bin/node';

export const REFRESHER_PATHS = {
  credentialConfigDir: '/etc/gcp',
  credentialConfigFile: 'credential-config.json',
  saTokenDir: '/var/run/secrets/azure/tokens',
  saTokenFile: 'azure-identity-token',
  // entra mode: where the credential config says the Entra token is. refresh.mjs keeps that token
  // in memory and never writes it; a google-auth client given the same config would read it here.
  entraTokenDir: '/var/run/secrets/entra',
  entraTokenFile: 'token',
};

/** The container's command: node runs the script mounted from the credential ConfigMap. */
export function refresherCommand(): string[] {
  return [REFRESHER_NODE, `${REFRESHER_PATHS.credentialConfigDir}/${REFRESHER_SCRIPT_FILE}`];
}

/** The ConfigMap entry holding the script, so `kubectl get configmap -o yaml` shows what runs. */
export function refresherScriptEntry(): Record<string, string> {
  return { [REFRESHER_SCRIPT_FILE]: REFRESHER_SCRIPT };
}

/** Every value the script reads, except REFRESHER_SPEC (added by render from the hash). Names
 * avoid the AZURE_* variables the workload identity webhook injects, so a mutated pod cannot
 * change what the script does. */
export function refresherEnv(settings: Settings): V1EnvVar[] {
  const { names, identity, workload } = settings;
  const env: Record<string, string> = {
    FEDERATION_MODE: identity.federation,
    NAMESPACE: names.namespace,
    PULL_SECRET: names.pullSecret,
    REGISTRY_HOST: identity.registryHost,
    TOKEN_LIFETIME_SECONDS: String(workload.tokenLifetimeSeconds),
    GOOGLE_APPLICATION_CREDENTIALS: `${REFRESHER_PATHS.credentialConfigDir}/${REFRESHER_PATHS.credentialConfigFile}`,
    SA_TOKEN_FILE: `${REFRESHER_PATHS.saTokenDir}/${REFRESHER_PATHS.saTokenFile}`,
  };
  if (identity.federation === 'entra') {
    Object.assign(env, {
      ENTRA_AUTHORITY_HOST: identity.entraAuthorityHost,
      ENTRA_TENANT_ID: identity.tenantId,
      ENTRA_CLIENT_ID: identity.clientId,
      ENTRA_RESOURCE: identity.entraResource,
    });
  }
  if (workload.servePreviews)
    env[PREVIEW_NAMESPACE_LABEL_ENV] = `${PULL_SECRET_FROM_LABEL}=${names.namespace}`;
  return Object.entries(env).map(([name, value]) => ({ name, value }));
}

/** What the refresher's ServiceAccount may do with Secrets in a namespace it writes into: only
 * the pull secret may be read or patched; `create` cannot be limited by name (D4). Used for the
 * production Role and for each preview's Role. */
export function pullSecretWriterRules(secretName: string): V1PolicyRule[] {
  return [
    { apiGroups: [''], resources: ['secrets'], verbs: ['get', 'patch'], resourceNames: [secretName] },
    { apiGroups: [''], resources: ['secrets'], verbs: ['create'] },
  ];
}

/** With `serve-previews`: list the namespaces labelled as previews (cluster-wide). */
export function previewListerRules(): V1PolicyRule[] {
  return [{ apiGroups: [''], resources: ['namespaces'], verbs: ['list'] }];
}

/** A hash of what decides the Secret's content: the pod template (image, env, volumes,
 * command) and the script. Recorded on the Secret as REFRESHER_SPEC_ANNOTATION. */
export function refresherSpecHash(template: V1PodTemplateSpec): string {
  const hash = createHash('sha256');
  hash.update(JSON.stringify(template));
  hash.update('\0');
  hash.update(REFRESHER_SCRIPT);
  return hash.digest('hex').slice(0, 32);
}
