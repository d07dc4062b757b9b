// Loopback HTTPS emulator of the Microsoft Entra ID v2.0 endpoints a confidential client uses
// with a federated client assertion (workload identity federation):
//   GET  /{tenant}/v2.0/.well-known/openid-configuration   (MSAL reads the token endpoint here)
//   POST /{tenant}/oauth2/v2.0/token                        (client_credentials + jwt-bearer assertion)
// Errors are the real bodies from __fixtures__/entra with the presented values put in:
//   unknown tenant → AADSTS90002, unknown client → AADSTS700016, expired assertion →
//   AADSTS700024, no federated credential matching issuer/subject/audience → AADSTS70021.
// The assertion is decoded, NOT signature-checked. Requests are recorded without the assertion.

import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type ServerOptions } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeJwtClaims, readBody } from './http.js';
import { registerSecret } from '../secret-scan.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const entraFixtures = path.resolve(repoRoot, '__fixtures__/entra');

function fixtureBody(name: string): { error: string; error_description: string; [key: string]: unknown } {
  return JSON.parse(readFileSync(path.join(entraFixtures, name), 'utf8'));
}

const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

export interface EmulatedFederatedCredential {
  issuer: string;
  subject: string;
  audiences?: string[]; // default [api://AzureADTokenExchange]
}

export interface EntraEmulatorOptions {
  tls: { cert: string; key: string };
  tenantId: string;
  /** Applications / managed identities that exist, with their federated credentials. */
  clients: Array<{ clientId: string; federatedCredentials: EmulatedFederatedCredential[] }>;
  /** expires_in of issued tokens; default 3599 (Entra's usual). */
  tokenLifetimeSeconds?: number;
  /** Scope → the access token to issue for it, instead of a random one: for a server the test
   * runs that must recognise the token, e.g. the local kube-apiserver's static token for the
   * AKS server app scope (e2e azure.test.ts; scripts/cluster.sh `aks-entra`). */
  fixedTokens?: Record<string, string>;
}

export interface RecordedEntraRequest {
  method: string;
  path: string;
  status: number;
  /** Token requests: form fields except client_assertion. */
  form?: Record<string, string>;
  /** Claims of the presented assertion. */
  assertionClaims?: { iss?: string; sub?: string; aud?: string | string[] };
  aadsts?: number;
}

export interface IssuedToken {
  token: string;
  clientId: string;
  scope: string;
  expiresAt: number;
}

export interface EntraEmulator {
  /** Authority host for @azure/identity, e.g. https://127.0.0.1:PORT */
  url: string;
  requests: RecordedEntraRequest[];
  issued: IssuedToken[];
  /** The token's record if this emulator issued it and it has not expired. */
  lookup(token: string): IssuedToken | undefined;
  close(): Promise<void>;
}

export async function startEntraEmulator(options: EntraEmulatorOptions): Promise<EntraEmulator> {
  const requests: RecordedEntraRequest[] = [];
  const issued: IssuedToken[] = [];
  const lifetime = options.tokenLifetimeSeconds ?? 3599;
  let url = '';

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const pathname = new URL(req.url ?? '/', 'https://x').pathname;
    const record: RecordedEntraRequest = { method: req.method ?? '', path: pathname, status: 0 };
    requests.push(record);
    const send = (status: number, body: unknown) => {
      record.status = status;
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify(body));
    };
    const error = (status: number, name: string, patch: (description: string) => string) => {
      const body = fixtureBody(name);
      body.error_description = patch(body.error_description);
      record.aadsts = (body.error_codes as number[] | undefined)?.[0];
      send(status, body);
    };

    const match = /^\/([^/]+)\/(v2\.0\/\.well-known\/openid-configuration|oauth2\/v2\.0\/token)$/.exec(
      pathname,
    );
    if (!match)
      return send(404, {
        error: 'not_found',
        error_description: `emulator: no route ${req.method} ${pathname}`,
      });
    const [, tenant, endpoint] = match;
    if (tenant !== options.tenantId) {
      return error(400, 'aadsts90002-tenant-not-found.keyvault-emulator-324.body.json', (d) =>
        d.replace(/Tenant '[^']*'/, `Tenant '${tenant}'`),
      );
    }
    if (endpoint.startsWith('v2.0') && req.method === 'GET') {
      const base = `${url}/${tenant}`;
      return send(200, {
        token_endpoint: `${base}/oauth2/v2.0/token`,
        token_endpoint_auth_methods_supported: [
          'client_secret_post',
          'private_key_jwt',
          'client_secret_basic',
        ],
        jwks_uri: `${url}/${tenant}/discovery/v2.0/keys`,
        response_modes_supported: ['query', 'fragment', 'form_post'],
        subject_types_supported: ['pairwise'],
        id_token_signing_alg_values_supported: ['RS256'],
        response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
        scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
        issuer: `${url}/${tenant}/v2.0`,
        authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
        device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
        end_session_endpoint: `${base}/oauth2/v2.0/logout`,
        tenant_region_scope: 'NA',
        cloud_instance_name: 'microsoftonline.com',
      });
    }
    if (req.method !== 'POST')
      return send(405, {
        error: 'invalid_request',
        error_description: 'emulator: token endpoint takes POST',
      });

    const form = Object.fromEntries(new URLSearchParams(await readBody(req)));
    const { client_assertion: assertion, ...visible } = form;
    record.form = visible;
    const client = options.clients.find((c) => c.clientId === form.client_id);
    if (!client) {
      return error(400, 'aadsts700016-app-not-found.aad-pod-identity-1277.body.json', (d) =>
        d
          .replace(/identifier '[^']*'/, `identifier '${form.client_id}'`)
          .replace(/directory '[^']*'/, `directory '${tenant}'`),
      );
    }
    if (form.grant_type !== 'client_credentials' || form.client_assertion_type !== JWT_BEARER || !assertion) {
      return send(400, {
        error: 'invalid_request',
        error_description: 'emulator: expected client_credentials with a jwt-bearer client_assertion',
      });
    }
    const claims = decodeJwtClaims(assertion) ?? {};
    record.assertionClaims = { iss: claims.iss, sub: claims.sub, aud: claims.aud };
    const now = Math.floor(Date.now() / 1000);
    if (typeof claims.exp === 'number' && claims.exp < now) {
      return error(401, 'aadsts700024-assertion-expired.risingwave-17123.body.json', (d) => d);
    }
    const audiences: string[] = Array.isArray(claims.aud) ? claims.aud : claims.aud ? [claims.aud] : [];
    const trusted = client.federatedCredentials.some(
      (f) =>
        f.issuer === claims.iss &&
        f.subject === claims.sub &&
        audiences.some((a) => (f.audiences ?? ['api://AzureADTokenExchange']).includes(a)),
    );
    if (!trusted) {
      return error(400, 'aadsts70021-no-matching-fic.awi-616.body.json', (d) =>
        d
          .replace(/Assertion Issuer: '[^']*'/, `Assertion Issuer: '${claims.iss}'`)
          .replace(/Assertion Subject: '[^']*'/, `Assertion Subject: '${claims.sub}'`)
          .replace(/Assertion Audience: '[^']*'/, `Assertion Audience: '${audiences.join(',')}'`),
      );
    }
    const token =
      options.fixedTokens?.[form.scope ?? ''] ?? `entra-emulator.${randomBytes(18).toString('base64url')}`;
    registerSecret(token, `Entra emulator token for ${form.scope ?? 'no scope'}`);
    issued.push({
      token,
      clientId: client.clientId,
      scope: form.scope ?? '',
      expiresAt: Date.now() + lifetime * 1000,
    });
    send(200, { token_type: 'Bearer', expires_in: lifetime, ext_expires_in: lifetime, access_token: token });
  };

  const server = createServer(
    { cert: options.tls.cert, key: options.tls.key } satisfies ServerOptions,
    (req, res) => {
      handle(req, res).catch((err) => {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({ error: 'server_error', error_description: `emulator: ${(err as Error).message}` }),
        );
      });
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    requests,
    issued,
    lookup: (token) => issued.find((t) => t.token === token && t.expiresAt > Date.now()),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
