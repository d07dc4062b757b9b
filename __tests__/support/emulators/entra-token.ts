// Minimal loopback emulator of the Entra ID token endpoint for workload identity federation:
// `POST /{tenant}/oauth2/v2.0/token` with grant_type=client_credentials and a JWT client
// assertion (the projected ServiceAccount token), as the refresher's curl sends it in `entra`
// mode. Plain HTTP is fine: the authority host is an env var of the script.
//
// Checks, in Entra's order: tenant → application (client id) → assertion valid in time →
// federated identity credential (issuer, subject, audience must match exactly). Error bodies are
// the real ones from __fixtures__/entra with the presented values substituted; the
// AADSTS700212 (audience) wording is modelled on 700211/700213, no sample of it was captured.
// The assertion's signature is NOT checked: its claims are decoded and compared.
// Requests are recorded without the assertion or the issued token.

import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RecordedEntraRequest } from './entra.js';
import type { ForcedFailure } from './gcp.js';
import { decodeJwtClaims, readBody, sendJson } from './http.js';
import { registerSecret } from '../secret-scan.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const entraFixtures = path.resolve(repoRoot, '__fixtures__/entra');

const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

export interface EntraTokenEmulatorOptions {
  tenantId: string;
  /** Client id of the managed identity. */
  clientId: string;
  /** Object (principal) id of the managed identity: the `sub` of the tokens it gets. */
  principalId?: string;
  /** The managed identity's federated identity credential. */
  federatedCredential: { issuer: string; subject: string; audience: string };
  /** `iss` of issued tokens; default the v1 issuer `https://sts.windows.net/{tenant}/`. */
  tokenIssuer?: string;
}

export interface EntraTokenEmulator {
  /** Authority host, e.g. `http://127.0.0.1:PORT` (the refresher's ENTRA_AUTHORITY_HOST). */
  url: string;
  requests: RecordedEntraRequest[];
  /** Issuer of the tokens it issues: what a GCP provider trusting Entra ID must accept. */
  tokenIssuer: string;
  setFailure(failure: ForcedFailure | null): void;
  close(): Promise<void>;
}

function entraError(status: number, error: string, code: number, description: string): [number, string] {
  const now = new Date()
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d{3}Z$/, 'Z');
  const traceId = randomUUID();
  const correlationId = randomUUID();
  return [
    status,
    JSON.stringify({
      error,
      error_description: `AADSTS${code}: ${description} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${now}`,
      error_codes: [code],
      timestamp: now,
      trace_id: traceId,
      correlation_id: correlationId,
      error_uri: `https://login.microsoftonline.com/error?code=${code}`,
    }),
  ];
}

/** The description of a fixture body, without Entra's trailing trace information. */
function fixtureDescription(file: string): string {
  const body = JSON.parse(readFileSync(path.join(entraFixtures, file), 'utf8')) as {
    error_description: string;
  };
  return body.error_description.replace(/^AADSTS\d+: /, '').replace(/\s*Trace ID:[\s\S]*$/, '');
}

function unsignedJwt(claims: Record<string, unknown>): string {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${encode({ alg: 'none', typ: 'JWT' })}.${encode(claims)}.${randomBytes(16).toString('base64url')}`;
}

export async function startEntraTokenEmulator(
  options: EntraTokenEmulatorOptions,
): Promise<EntraTokenEmulator> {
  const tokenIssuer = options.tokenIssuer ?? `https://sts.windows.net/${options.tenantId}/`;
  const principalId = options.principalId ?? randomUUID();
  const requests: RecordedEntraRequest[] = [];
  let failure: ForcedFailure | null = null;
  const fic = options.federatedCredential;
  const ficHint =
    'Check your federated identity credential Subject, Audience and Issuer against the presented assertion. https://learn.microsoft.com/entra/workload-id/workload-identity-federation';

  function handleToken(
    tenant: string,
    form: URLSearchParams,
    record: RecordedEntraRequest,
  ): [number, string] {
    const fields = Object.fromEntries(form.entries());
    delete fields.client_assertion;
    record.form = fields;
    const claims = decodeJwtClaims(form.get('client_assertion') ?? '');
    if (claims) record.assertionClaims = { iss: claims.iss, sub: claims.sub, aud: claims.aud };

    if (tenant !== options.tenantId) {
      return entraError(
        400,
        'invalid_tenant',
        90002,
        fixtureDescription('aadsts90002-tenant-not-found.keyvault-emulator-324.body.json').replace(
          /'[^']*'/,
          `'${tenant}'`,
        ),
      );
    }
    const clientId = form.get('client_id') ?? '';
    if (clientId !== options.clientId) {
      return entraError(
        400,
        'unauthorized_client',
        700016,
        fixtureDescription('aadsts700016-app-not-found.aad-pod-identity-1277.body.json')
          .replace(/identifier '[^']*'/, `identifier '${clientId}'`)
          .replace(/directory '[^']*'/, `directory '${tenant}'`),
      );
    }
    if (
      form.get('grant_type') !== 'client_credentials' ||
      form.get('client_assertion_type') !== JWT_BEARER ||
      !claims
    ) {
      return entraError(
        400,
        'invalid_request',
        900144,
        "The request body must contain the following parameter: 'client_assertion'.",
      );
    }
    if (typeof claims.exp === 'number' && claims.exp * 1000 < Date.now()) {
      return entraError(
        401,
        'invalid_client',
        700024,
        fixtureDescription('aadsts700024-assertion-expired.risingwave-17123.body.json'),
      );
    }
    if (claims.iss !== fic.issuer) {
      return entraError(
        400,
        'invalid_client',
        700211,
        `No matching federated identity record found for presented assertion issuer '${claims.iss ?? ''}'. ${ficHint}`,
      );
    }
    const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud ?? ''];
    if (!audiences.includes(fic.audience)) {
      return entraError(
        400,
        'invalid_client',
        700212,
        `No matching federated identity record found for presented assertion audience '${audiences.join(', ')}'. ${ficHint}`,
      );
    }
    if (claims.sub !== fic.subject) {
      return entraError(
        400,
        'invalid_client',
        700213,
        `No matching federated identity record found for presented assertion subject '${claims.sub ?? ''}'. ${ficHint}`,
      );
    }
    const scope = form.get('scope') ?? '';
    const resource = scope.replace(/\/\.default$/, '');
    const now = Math.floor(Date.now() / 1000);
    const accessToken = unsignedJwt({
      aud: resource,
      iss: tokenIssuer,
      iat: now,
      nbf: now,
      exp: now + 3599,
      appid: options.clientId,
      oid: principalId,
      sub: principalId,
      tid: options.tenantId,
    });
    registerSecret(accessToken, 'Entra emulator managed-identity token');
    return [
      200,
      JSON.stringify({
        token_type: 'Bearer',
        expires_in: 3599,
        ext_expires_in: 3599,
        access_token: accessToken,
      }),
    ];
  }

  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://emulator');
      const rawBody = await readBody(req);
      const record: RecordedEntraRequest = { method: req.method ?? '', path: url.pathname, status: 404 };
      requests.push(record);
      const tokenPath = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(url.pathname);
      let answer: [number, string];
      if (failure) answer = [failure.status, failure.body];
      else if (req.method === 'POST' && tokenPath)
        answer = handleToken(tokenPath[1], new URLSearchParams(rawBody), record);
      else answer = [404, JSON.stringify({ error: 'not_found' })];
      record.status = answer[0];
      sendJson(res, answer[0], answer[1]);
    })().catch((err: unknown) => sendJson(res, 500, JSON.stringify({ error: String(err) })));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    tokenIssuer,
    setFailure(next) {
      failure = next;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
