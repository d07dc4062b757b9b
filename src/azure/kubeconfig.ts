// Cluster access for the Kubernetes client: from the `kubeconfig` input, from Resource
// Manager (listClusterUserCredential / listClusterAdminCredential), or from the runner's
// default kubeconfig. The Resource Manager kubeconfig stays in memory, never in the workspace.
//
// Entra-enabled clusters hand out a kubeconfig whose user runs `kubelogin` (an exec plugin,
// or the retired `azure` auth-provider). The runner has no kubelogin and no interactive login,
// so that user is replaced by a bearer token for the AKS server application, taken from the
// credential the action already signed in with and refreshed before it expires.

import { KubeConfig, type User } from '@kubernetes/client-node';
import type { AccessToken, TokenCredential } from '@azure/identity';
import type { Settings } from '../config/settings.js';
import type { ArmClient, ClusterRef } from './arm.js';
import { AzureError } from './errors.js';
import { kubeconfigSecrets } from '../report/redact.js';
import { InputError } from '../config/input-reader.js';

/** core.setSecret: registers a value with the runner's log masking. */
type Mask = (value: string) => void;

type Authenticator = Parameters<KubeConfig['addAuthenticator']>[0];

/** Renew the AKS token this long before it expires. */
const TOKEN_RENEWAL_MS = 5 * 60_000;

export type ClusterAccessSource = 'input' | 'resource-manager' | 'default';

export interface ClusterAccess {
  kubeConfig: KubeConfig;
  source: ClusterAccessSource;
  /** One line for the log: where the kubeconfig came from, which cluster and how it signs in. */
  description: string;
}

export interface ResourceManagerAccess {
  arm: ArmClient;
  credential: TokenCredential;
}

/**
 * Picks the cluster the action talks to. First match wins:
 *  1. the `kubeconfig` input — the user named a cluster explicitly;
 *  2. Resource Manager, when `cluster-name` is set (with subscription-id and resource-group);
 *  3. KUBECONFIG / ~/.kube/config / the in-cluster ServiceAccount (client-node's
 *     loadFromDefault), e.g. after azure/aks-set-context.
 * `connectAzure` is only called for case 2, so no Azure sign-in happens without need.
 */
export async function resolveClusterAccess(
  settings: Settings,
  connectAzure: () => ResourceManagerAccess,
  mask: Mask = () => {},
): Promise<ClusterAccess> {
  if (settings.kubeconfig) {
    const kubeConfig = loadKubeconfig(settings.kubeconfig, (problem) => {
      throw new InputError([
        {
          input: 'kubeconfig',
          problem: `does not load as a kubeconfig (${problem})`,
          expected: 'the content of a kubeconfig file (YAML with clusters, users and contexts)',
        },
      ]);
    });
    maskKubeConfigCredentials(kubeConfig, mask);
    return {
      kubeConfig,
      source: 'input',
      description: `kubeconfig input, context ${kubeConfig.getCurrentContext()}`,
    };
  }
  const { subscriptionId, resourceGroup, clusterName, admin, aksServerAppId } = settings.azure;
  if (clusterName) {
    if (!subscriptionId || !resourceGroup) {
      throw new AzureError('cluster-name is set but subscription-id or resource-group is empty.', {
        operation: 'cluster access',
        hint: 'Set subscription-id and resource-group of the AKS cluster, or pass a kubeconfig instead.',
      });
    }
    const { arm, credential } = connectAzure();
    return kubeConfigFromResourceManager(
      arm,
      credential,
      { subscriptionId, resourceGroup, clusterName },
      { admin, aksServerAppId, mask },
    );
  }
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromDefault();
  maskKubeConfigCredentials(kubeConfig, mask);
  if (isClientNodeFallback(kubeConfig)) {
    throw new AzureError('No cluster is configured.', {
      operation: 'cluster access',
      hint: 'Pass the kubeconfig input, or cluster-name with subscription-id and resource-group, or run azure/aks-set-context before this step.',
    });
  }
  return {
    kubeConfig,
    source: 'default',
    description: `default kubeconfig, context ${kubeConfig.getCurrentContext()}`,
  };
}

export async function kubeConfigFromResourceManager(
  arm: ArmClient,
  credential: TokenCredential,
  cluster: ClusterRef,
  options: { admin: boolean; aksServerAppId: string; mask?: Mask },
): Promise<ClusterAccess> {
  const mask = options.mask ?? (() => {});
  const kubeconfigs = await arm.listClusterCredential(cluster, options.admin);
  const operation = `${options.admin ? 'listClusterAdminCredential' : 'listClusterUserCredential'} on managedClusters/${cluster.clusterName}`;
  if (!kubeconfigs[0]?.value) {
    throw new AzureError(`${operation} returned no kubeconfig.`, { operation });
  }
  const text = Buffer.from(kubeconfigs[0].value, 'base64').toString('utf8');
  for (const secret of kubeconfigSecrets(text)) mask(secret);
  const kubeConfig = loadKubeconfig(text, (problem) => {
    throw new AzureError(`${operation} returned a kubeconfig that does not load (${problem})`, {
      operation,
    });
  });
  maskKubeConfigCredentials(kubeConfig, mask);

  const entraUsers = kubeConfig.users.filter(isEntraUser);
  let signIn = options.admin ? 'cluster admin (local account)' : 'cluster user (local account)';
  if (entraUsers.length > 0) {
    const tokens = new AksTokenSource(credential, `${options.aksServerAppId}/.default`, mask);
    const firstToken = await tokens.get(); // fail here, with context, rather than on the first API call
    const replaced = new Set<User>();
    const users = kubeConfig.users.map((user) => {
      if (!isEntraUser(user)) return user;
      const tokenUser: User = { name: user.name, token: firstToken };
      replaced.add(tokenUser);
      return tokenUser;
    });
    kubeConfig.loadFromOptions({
      clusters: kubeConfig.clusters,
      contexts: kubeConfig.contexts,
      users,
      currentContext: kubeConfig.getCurrentContext(),
    });
    kubeConfig.addAuthenticator(new RefreshingTokenAuthenticator(replaced, tokens));
    signIn = `Entra token for the AKS server application ${options.aksServerAppId} (replaces kubelogin)`;
  }
  return {
    kubeConfig,
    source: 'resource-manager',
    description: `Resource Manager kubeconfig of ${cluster.resourceGroup}/${cluster.clusterName}, ${signIn}`,
  };
}

/**
 * Loads kubeconfig text. A parse error is reported by line and column only: the YAML parser's
 * own message quotes the surrounding lines, which hold the token.
 */
function loadKubeconfig(text: string, refuse: (problem: string) => never): KubeConfig {
  const kubeConfig = new KubeConfig();
  try {
    kubeConfig.loadFromString(text);
  } catch (error) {
    const mark = (error as { mark?: { line?: number; column?: number } }).mark;
    const message = error instanceof Error ? error.message : '';
    if (mark && typeof mark.line === 'number') {
      refuse(`YAML error at line ${mark.line + 1}, column ${(mark.column ?? 0) + 1}`);
    }
    // client-node's own checks name a field, never a value.
    refuse(
      /^(clusters|users|contexts)\[[0-9]+\][\w.]* is missing$/.test(message) ? message : 'not a kubeconfig',
    );
  }
  return kubeConfig;
}

/** Registers every credential of the kubeconfig's users with the runner's log masking. */
function maskKubeConfigCredentials(kubeConfig: KubeConfig, mask: Mask): void {
  for (const user of kubeConfig.users) {
    for (const value of [user.token, user.password, user.keyData]) if (value) mask(value);
    const config = (user.authProvider as { config?: Record<string, unknown> } | undefined)?.config ?? {};
    for (const [key, value] of Object.entries(config)) {
      if (/token|secret/i.test(key) && typeof value === 'string' && value) mask(value);
    }
  }
}

/** A user that would run kubelogin: the exec plugin, or the retired `azure` auth-provider. */
export function isEntraUser(user: User): boolean {
  const command: unknown = (user.exec as { command?: unknown } | undefined)?.command;
  if (typeof command === 'string' && /(^|[\\/])kubelogin(\.exe)?$/.test(command)) return true;
  return (user.authProvider as { name?: unknown } | undefined)?.name === 'azure';
}

/** An access token for one scope, fetched again shortly before it expires. */
class AksTokenSource {
  private current?: AccessToken;
  private pending?: Promise<AccessToken>;

  constructor(
    private readonly credential: TokenCredential,
    private readonly scope: string,
    private readonly mask: Mask,
  ) {}

  async get(): Promise<string> {
    if (this.current && !this.isDue(this.current)) return this.current.token;
    this.pending ??= this.fetch().finally(() => (this.pending = undefined));
    this.current = await this.pending;
    return this.current.token;
  }

  private isDue(token: AccessToken): boolean {
    const renewAt = token.refreshAfterTimestamp ?? token.expiresOnTimestamp - TOKEN_RENEWAL_MS;
    return Date.now() >= Math.min(renewAt, token.expiresOnTimestamp - TOKEN_RENEWAL_MS);
  }

  private async fetch(): Promise<AccessToken> {
    const token = await this.credential.getToken(this.scope);
    if (!token) {
      throw new AzureError(`The Azure credential returned no token for ${this.scope}.`, {
        operation: 'AKS cluster token',
      });
    }
    this.mask(token.token);
    return token;
  }
}

/** client-node authenticator for the users created above: keeps their `token` fresh. */
class RefreshingTokenAuthenticator implements Authenticator {
  constructor(
    private readonly users: Set<User>,
    private readonly tokens: AksTokenSource,
  ) {}

  isAuthProvider(user: User): boolean {
    return this.users.has(user);
  }

  async applyAuthentication(
    user: User,
    opts: Parameters<Authenticator['applyAuthentication']>[1],
  ): Promise<void> {
    const token = await this.tokens.get();
    // client-node sets the Authorization header from `user.token` after the authenticator runs,
    // so the fresh token goes on the user itself (an object this module created).
    (user as { token?: string }).token = token;
    const options = opts as { headers?: Record<string, string> };
    options.headers ??= {};
    options.headers.Authorization = `Bearer ${token}`;
  }
}

/** loadFromDefault's last resort when it found nothing: http://localhost:8080 with no user. */
function isClientNodeFallback(kubeConfig: KubeConfig): boolean {
  const cluster = kubeConfig.getCurrentCluster();
  return (
    cluster?.name === 'cluster' &&
    cluster.server === 'http://localhost:8080' &&
    kubeConfig.getCurrentUser()?.name === 'user'
  );
}
