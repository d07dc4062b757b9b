// A small Azure Resource Manager REST client: the handful of calls this action makes, each
// error wrapped with the call, the HTTP status, ARM's error code and message, and a hint.
// Plain node:https so a test can hand in an agent that trusts its emulator's CA.

import type http from 'node:http';
import https, { type Agent } from 'node:https';
import type { TokenCredential } from '@azure/identity';
import { endsTheRun, RETRY_STATUSES, RetryPolicy } from '../net/retry.js';
import { AzureError, armErrorHint, type ArmPermission } from './errors.js';

export const AKS_API_VERSION = '2024-09-01';
export const MANAGED_IDENTITY_API_VERSION = '2024-11-30';
const REQUEST_TIMEOUT_MS = 60_000;

export interface ManagedCluster {
  id?: string;
  name?: string;
  location?: string;
  properties?: {
    fqdn?: string;
    disableLocalAccounts?: boolean;
    aadProfile?: { managed?: boolean; enableAzureRBAC?: boolean; tenantID?: string };
    oidcIssuerProfile?: { enabled?: boolean; issuerURL?: string };
    securityProfile?: { workloadIdentity?: { enabled?: boolean } };
  };
}

export interface UserAssignedIdentity {
  id?: string;
  name?: string;
  properties?: { clientId?: string; principalId?: string; tenantId?: string };
}

export interface FederatedCredentialProperties {
  issuer: string;
  subject: string;
  audiences: string[];
}

export interface FederatedCredential {
  id?: string;
  name: string;
  properties: FederatedCredentialProperties;
}

export interface ClusterRef {
  subscriptionId: string;
  resourceGroup: string;
  clusterName: string;
}

export interface IdentityRef {
  subscriptionId: string;
  resourceGroup: string;
  identityName: string;
}

export interface ArmClientOptions {
  /** e.g. https://management.azure.com */
  resourceManagerUrl: string;
  credential: TokenCredential;
  agent?: Agent;
  /** The run's retry policy (net/retry.ts); a default one without a deadline otherwise. */
  policy?: RetryPolicy;
}

export class ArmClient {
  private readonly baseUrl: string;
  private readonly scope: string;

  constructor(private readonly options: ArmClientOptions) {
    this.baseUrl = options.resourceManagerUrl.replace(/\/+$/, '');
    this.scope = `${new URL(this.baseUrl).origin}/.default`;
  }

  getManagedCluster(ref: ClusterRef): Promise<ManagedCluster> {
    return this.call(
      `GET managedClusters/${ref.clusterName}`,
      'read',
      'GET',
      clusterPath(ref),
      AKS_API_VERSION,
    );
  }

  /** Base64 kubeconfigs; `admin` asks for the cluster-admin (local account) one. */
  async listClusterCredential(
    ref: ClusterRef,
    admin: boolean,
  ): Promise<Array<{ name: string; value: string }>> {
    const action = admin ? 'listClusterAdminCredential' : 'listClusterUserCredential';
    const result = await this.call<{ kubeconfigs?: Array<{ name: string; value: string }> }>(
      `${action} on managedClusters/${ref.clusterName}`,
      admin ? 'cluster-admin-credential' : 'cluster-user-credential',
      'POST',
      `${clusterPath(ref)}/${action}`,
      AKS_API_VERSION,
    );
    return result.kubeconfigs ?? [];
  }

  getIdentity(ref: IdentityRef): Promise<UserAssignedIdentity> {
    return this.call(
      `GET userAssignedIdentities/${ref.identityName}`,
      'read',
      'GET',
      identityPath(ref),
      MANAGED_IDENTITY_API_VERSION,
    );
  }

  /** Every federated credential of the identity (follows nextLink). */
  async listFederatedCredentials(ref: IdentityRef): Promise<FederatedCredential[]> {
    const operation = `list federatedIdentityCredentials of ${ref.identityName}`;
    const all: FederatedCredential[] = [];
    let page = await this.call<{ value?: FederatedCredential[]; nextLink?: string }>(
      operation,
      'read',
      'GET',
      `${identityPath(ref)}/federatedIdentityCredentials`,
      MANAGED_IDENTITY_API_VERSION,
    );
    all.push(...(page.value ?? []));
    while (page.nextLink) {
      // The bearer token only ever goes to our Resource Manager, whatever host nextLink names.
      const next = new URL(page.nextLink);
      page = await this.callUrl(
        operation,
        'read',
        'GET',
        new URL(`${next.pathname}${next.search}`, this.baseUrl),
      );
      all.push(...(page.value ?? []));
    }
    return all;
  }

  /** The named federated credential, or undefined when it does not exist (404). */
  async getFederatedCredential(ref: IdentityRef, name: string): Promise<FederatedCredential | undefined> {
    try {
      return await this.call(
        `GET federatedIdentityCredentials/${name} of ${ref.identityName}`,
        'read',
        'GET',
        `${identityPath(ref)}/federatedIdentityCredentials/${encodeURIComponent(name)}`,
        MANAGED_IDENTITY_API_VERSION,
      );
    } catch (error) {
      if (error instanceof AzureError && error.status === 404) return undefined;
      throw error;
    }
  }

  putFederatedCredential(
    ref: IdentityRef,
    name: string,
    properties: FederatedCredentialProperties,
  ): Promise<FederatedCredential> {
    return this.call(
      `PUT federatedIdentityCredentials/${name} of ${ref.identityName}`,
      'write-federated-credential',
      'PUT',
      `${identityPath(ref)}/federatedIdentityCredentials/${encodeURIComponent(name)}`,
      MANAGED_IDENTITY_API_VERSION,
      { properties },
    );
  }

  private call<T>(
    operation: string,
    permission: ArmPermission,
    method: string,
    path: string,
    apiVersion: string,
    body?: unknown,
  ): Promise<T> {
    const url = new URL(`${this.baseUrl}${path}`);
    url.searchParams.set('api-version', apiVersion);
    return this.callUrl(operation, permission, method, url, body);
  }

  private async callUrl<T>(
    operation: string,
    permission: ArmPermission,
    method: string,
    url: URL,
    body?: unknown,
  ): Promise<T> {
    const token = await this.options.credential.getToken(this.scope);
    if (!token) throw new AzureError(`${operation}: the Azure credential returned no token`, { operation });
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers = {
      authorization: `Bearer ${token.token}`,
      accept: 'application/json',
      'user-agent': 'bifrost-aks-deploy',
      ...(payload
        ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)) }
        : {}),
    };
    let response: HttpResponse;
    const policy = (this.options.policy ??= new RetryPolicy());
    try {
      // Throttling and brief outages go through the run's retry policy. Every call made here is
      // idempotent (GET, the list POSTs, PUT of a whole resource). One that stays down ends as
      // "Resource Manager unreachable at <origin>" (ServiceUnreachableError, not wrapped).
      response = await policy.execute(
        'resource-manager',
        url.origin,
        () => send(url, method, headers, payload, this.options.agent),
        {
          judge: (answer) =>
            RETRY_STATUSES.has(answer.status)
              ? { describe: `HTTP ${answer.status}`, retryAfter: answer.retryAfter }
              : undefined,
        },
      );
    } catch (error) {
      if (endsTheRun(error)) throw error;
      throw new AzureError(
        `${operation}: could not reach Resource Manager at ${url.origin}: ${(error as Error).message}`,
        {
          operation,
          hint: "Check resource-manager-url / azure-environment and the runner's network access.",
        },
        { cause: error },
      );
    }
    const parsed = parseJson(response.text);
    if (response.status >= 200 && response.status < 300) return (parsed ?? {}) as T;

    const armError = (parsed as { error?: { code?: string; message?: string } } | undefined)?.error;
    const code = armError?.code;
    const message = armError?.message ?? (response.text.slice(0, 500) || '(empty body)');
    throw new AzureError(
      `${operation} failed: HTTP ${response.status}${code ? ` ${code}` : ''}: ${message}`,
      {
        operation,
        status: response.status,
        code,
        hint: armErrorHint(code, permission, message),
      },
    );
  }
}

function clusterPath(ref: ClusterRef): string {
  return `/subscriptions/${enc(ref.subscriptionId)}/resourceGroups/${enc(ref.resourceGroup)}/providers/Microsoft.ContainerService/managedClusters/${enc(ref.clusterName)}`;
}

function identityPath(ref: IdentityRef): string {
  return `/subscriptions/${enc(ref.subscriptionId)}/resourceGroups/${enc(ref.resourceGroup)}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${enc(ref.identityName)}`;
}

const enc = encodeURIComponent;

function parseJson(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

interface HttpResponse {
  status: number;
  text: string;
  retryAfter?: string;
}

function send(
  url: URL,
  method: string,
  headers: Record<string, string>,
  body: string | undefined,
  agent?: Agent,
): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const request = https.request(
      url,
      { method, headers, agent, timeout: REQUEST_TIMEOUT_MS },
      (response: http.IncomingMessage) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const retryAfter = response.headers['retry-after'] as string | string[] | undefined;
          resolve({
            status: response.statusCode ?? 0,
            text: Buffer.concat(chunks).toString('utf8'),
            retryAfter: Array.isArray(retryAfter) ? retryAfter[0] : retryAfter,
          });
        });
        response.on('error', reject);
      },
    );
    request.on('timeout', () =>
      request.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS / 1000} s`)),
    );
    request.on('error', reject);
    request.end(body);
  });
}
