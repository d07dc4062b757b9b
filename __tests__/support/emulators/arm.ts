// Loopback HTTPS emulator of the Azure Resource Manager calls this action makes:
//   GET  …/providers/Microsoft.ContainerService/managedClusters/{c}
//   POST …/managedClusters/{c}/listClusterUserCredential | listClusterAdminCredential
//   GET  …/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{id}
//   GET  …/userAssignedIdentities/{id}/federatedIdentityCredentials          (pages with nextLink)
//   GET|PUT …/userAssignedIdentities/{id}/federatedIdentityCredentials/{name}
// Resource bodies are what the test passes (the real examples in __fixtures__/arm);
// errors are ARM's real wording (fixtures arm-error-*: ResourceNotFound) and, for the bearer
// check, ARM's documented AuthenticationFailed / InvalidAuthenticationToken bodies.
// Path segments compare case-insensitively, as ARM's do. Tokens are not recorded.

import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { kubeconfigSecrets } from '../../../src/report/redact.js';
import { readBody } from './http.js';
import { registerSecret } from '../secret-scan.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const armFixtures = path.resolve(repoRoot, '__fixtures__/arm');

/** A fixture file as text, e.g. `arm-error-403-authorizationfailed.azurerm-20843.json`. */
export function armFixtureText(name: string): string {
  return readFileSync(path.join(armFixtures, name), 'utf8');
}

/** A fixture's JSON; spec examples (`spec-*`) yield their 200 response body. */
export function armFixture<T = any>(name: string): T {
  const json = JSON.parse(armFixtureText(name));
  return (name.startsWith('spec-') ? json.responses['200'].body : json) as T;
}

export interface EmulatedFederatedCredential {
  name: string;
  properties: { issuer: string; subject: string; audiences: string[] };
}

export interface EmulatedCluster {
  resourceGroup: string;
  name: string;
  /** The ManagedClusters GET body. */
  body: Record<string, any>;
  /** kubeconfig YAML returned (base64) by listClusterUserCredential / listClusterAdminCredential. */
  userKubeconfig?: string;
  adminKubeconfig?: string;
}

export interface EmulatedIdentity {
  resourceGroup: string;
  name: string;
  /** The UserAssignedIdentities GET body. */
  body: Record<string, any>;
  federatedCredentials?: EmulatedFederatedCredential[];
}

export interface ArmEmulatorOptions {
  tls: { cert: string; key: string };
  subscriptionId: string;
  clusters?: EmulatedCluster[];
  identities?: EmulatedIdentity[];
  /** Checks a bearer token; returns a label recorded with the request (e.g. the token's scope),
   * or undefined to reject it with 401 InvalidAuthenticationToken. Default: any bearer. */
  verifyToken?: (token: string) => string | undefined;
  /** Federated credentials per list page (to exercise nextLink). Default 100. */
  pageSize?: number;
}

export interface RecordedArmRequest {
  method: string;
  path: string;
  apiVersion: string | null;
  status: number;
  /** What verifyToken said about the bearer token. */
  tokenLabel?: string;
  body?: unknown;
}

export interface ArmFault {
  method: string;
  path: RegExp;
  status: number;
  /** Response body text, e.g. a fixture verbatim. */
  body: string;
  /** How many requests it answers; default every one. */
  times?: number;
  headers?: Record<string, string>;
}

export interface ArmEmulator {
  /** Resource Manager URL for the action, e.g. https://127.0.0.1:PORT */
  url: string;
  requests: RecordedArmRequest[];
  /** Answer matching requests with this status and body instead. */
  fail(fault: ArmFault): void;
  /** The identity's federated credentials as they are now. */
  federatedCredentials(resourceGroup: string, identityName: string): EmulatedFederatedCredential[];
  close(): Promise<void>;
}

const PROVIDERS = '/providers/';

export async function startArmEmulator(options: ArmEmulatorOptions): Promise<ArmEmulator> {
  const requests: RecordedArmRequest[] = [];
  const faults: ArmFault[] = [];
  const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
  const clusters = options.clusters ?? [];
  const identities = (options.identities ?? []).map((i) => ({
    ...i,
    federatedCredentials: [...(i.federatedCredentials ?? [])],
  }));
  const pageSize = options.pageSize ?? 100;
  let url = '';

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const requestUrl = new URL(req.url ?? '/', 'https://x');
    const record: RecordedArmRequest = {
      method: req.method ?? '',
      path: requestUrl.pathname,
      apiVersion: requestUrl.searchParams.get('api-version'),
      status: 0,
    };
    requests.push(record);
    const sendText = (status: number, text: string, headers: Record<string, string> = {}) => {
      record.status = status;
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
      res.end(text);
    };
    const send = (status: number, body: unknown) => sendText(status, JSON.stringify(body));
    const armError = (status: number, code: string, message: string) =>
      send(status, { error: { code, message } });
    const notFound = (type: string, name: string, group: string) =>
      sendText(
        404,
        armFixtureText('arm-error-404-resourcenotfound.managedcluster.azure-cli-recording.json')
          .replace(/'Microsoft\.ContainerService\/managedClusters\/[^']*'/, `'${type}/${name}'`)
          .replace(/resource group '[^']*'/, `resource group '${group}'`),
      );

    const authorization = req.headers.authorization ?? '';
    if (!authorization.startsWith('Bearer ')) {
      return armError(
        401,
        'AuthenticationFailed',
        "Authentication failed. The 'Authorization' header is missing.",
      );
    }
    const label = options.verifyToken ? options.verifyToken(authorization.slice('Bearer '.length)) : 'any';
    if (label === undefined)
      return armError(401, 'InvalidAuthenticationToken', 'The access token is invalid.');
    record.tokenLabel = label;
    const bodyText = await readBody(req);
    if (bodyText) record.body = JSON.parse(bodyText);

    const fault = faults.find(
      (f) => f.method === req.method && f.path.test(requestUrl.pathname) && (f.times ?? 1) > 0,
    );
    if (fault) {
      if (fault.times !== undefined) fault.times--;
      return sendText(fault.status, fault.body, fault.headers);
    }
    if (!record.apiVersion) {
      return armError(
        400,
        'MissingApiVersionParameter',
        'The api-version query parameter (?api-version=) is required for all requests.',
      );
    }

    // /subscriptions/{s}/resourceGroups/{rg}/providers/{namespace}/{type}/{name}[/...]
    const [scope, resource = ''] = splitOnce(requestUrl.pathname, PROVIDERS);
    const scopeMatch = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)$/i.exec(scope);
    if (!scopeMatch || !same(scopeMatch[1], options.subscriptionId)) {
      return armError(
        404,
        'SubscriptionNotFound',
        `The subscription '${scopeMatch?.[1] ?? ''}' could not be found.`,
      );
    }
    const group = decodeURIComponent(scopeMatch[2]);
    const segments = resource.split('/').map(decodeURIComponent);

    if (same(`${segments[0]}/${segments[1]}`, 'Microsoft.ContainerService/managedClusters')) {
      const cluster = clusters.find((c) => same(c.resourceGroup, group) && same(c.name, segments[2] ?? ''));
      if (!cluster) return notFound('Microsoft.ContainerService/managedClusters', segments[2] ?? '', group);
      if (segments.length === 3 && req.method === 'GET') return send(200, cluster.body);
      const action = segments[3] ?? '';
      if (
        segments.length === 4 &&
        req.method === 'POST' &&
        /^listCluster(User|Admin)Credential$/i.test(action)
      ) {
        const admin = /admin/i.test(action);
        if (admin && cluster.body.properties?.disableLocalAccounts) {
          return armError(
            400,
            'BadRequest',
            'Getting static credential is not allowed because this cluster is set to disable local accounts.',
          );
        }
        const kubeconfig = admin ? cluster.adminKubeconfig : cluster.userKubeconfig;
        for (const secret of kubeconfigSecrets(kubeconfig ?? ''))
          registerSecret(secret, 'Resource Manager kubeconfig');
        return send(200, {
          kubeconfigs: kubeconfig
            ? [
                {
                  name: admin ? 'clusterAdmin' : 'clusterUser',
                  value: Buffer.from(kubeconfig).toString('base64'),
                },
              ]
            : [],
        });
      }
    }

    if (same(`${segments[0]}/${segments[1]}`, 'Microsoft.ManagedIdentity/userAssignedIdentities')) {
      const identity = identities.find(
        (i) => same(i.resourceGroup, group) && same(i.name, segments[2] ?? ''),
      );
      if (!identity)
        return notFound('Microsoft.ManagedIdentity/userAssignedIdentities', segments[2] ?? '', group);
      if (segments.length === 3 && req.method === 'GET') return send(200, identity.body);
      if (same(segments[3] ?? '', 'federatedIdentityCredentials')) {
        const collection = identity.federatedCredentials;
        const toBody = (f: EmulatedFederatedCredential) => ({
          id: `${identity.body.id ?? `/subscriptions/${options.subscriptionId}/resourcegroups/${group}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${identity.name}`}/federatedIdentityCredentials/${f.name}`,
          name: f.name,
          type: 'Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials',
          properties: f.properties,
        });
        if (segments.length === 4 && req.method === 'GET') {
          const skip = Number(requestUrl.searchParams.get('$skipToken') ?? 0);
          const page = collection.slice(skip, skip + pageSize).map(toBody);
          const next = skip + pageSize < collection.length ? skip + pageSize : undefined;
          const nextLink =
            next === undefined
              ? undefined
              : `${url}${requestUrl.pathname}?api-version=${record.apiVersion}&$skipToken=${next}`;
          return send(200, nextLink ? { value: page, nextLink } : { value: page });
        }
        const name = segments[4] ?? '';
        const existing = collection.find((f) => f.name === name);
        if (segments.length === 5 && req.method === 'GET') {
          return existing
            ? send(200, toBody(existing))
            : notFound(
                'Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials',
                name,
                group,
              );
        }
        if (segments.length === 5 && req.method === 'PUT') {
          const properties = (
            record.body as { properties?: EmulatedFederatedCredential['properties'] } | undefined
          )?.properties;
          if (!properties?.issuer || !properties.subject || !properties.audiences?.length) {
            return armError(
              400,
              'BadRequest',
              'emulator: properties.issuer, subject and audiences are required',
            );
          }
          const stored = {
            name,
            properties: {
              issuer: properties.issuer,
              subject: properties.subject,
              audiences: properties.audiences,
            },
          };
          if (existing) collection[collection.indexOf(existing)] = stored;
          else collection.push(stored);
          return send(existing ? 200 : 201, toBody(stored));
        }
      }
    }
    return armError(404, 'NotFound', `emulator: no route ${req.method} ${requestUrl.pathname}`);
  };

  const server = createServer({ cert: options.tls.cert, key: options.tls.key }, (req, res) => {
    handle(req, res).catch((err) => {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          error: { code: 'InternalServerError', message: `emulator: ${(err as Error).message}` },
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    requests,
    fail: (fault) => faults.push({ ...fault }),
    federatedCredentials: (resourceGroup, identityName) =>
      identities.find((i) => same(i.resourceGroup, resourceGroup) && same(i.name, identityName))
        ?.federatedCredentials ?? [],
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function splitOnce(text: string, separator: string): [string, string?] {
  const index = text.indexOf(separator);
  return index < 0 ? [text] : [text.slice(0, index), text.slice(index + separator.length)];
}
