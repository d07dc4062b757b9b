// Loopback emulator of Google STS (`POST /v1/token`) and IAM Credentials
// (`POST /v1/projects/-/serviceAccounts/{email}:generateAccessToken`), built from their
// documented wire formats and the real error bodies in __fixtures__/gcp.
//
// What it checks, in the order Google does:
//   STS: grant type and token types → provider (`audience`) exists → the subject token's `aud`
//        claim is one of the provider's allowed audiences → issuer → attribute condition
//        (accepted subject) → federated access token.
//   IAM: bearer is a token this STS issued → caller may impersonate the requested service
//        account → access token with an RFC 3339 `expireTime` without fractional seconds (gcloud
//        rejects milliseconds, see reference/toolchain.md).
// The subject token is decoded, NOT signature-checked: the emulator trusts any well-formed JWT
// whose claims match. Tests that need signature checks must use a real provider.
// Requests are recorded without tokens (no subject token, no bearer, no access token).

import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeJwtClaims, readBody, sendJson } from './http.js';
import { registerSecret } from '../secret-scan.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const gcpFixtures = path.resolve(repoRoot, '__fixtures__/gcp');

/** A real error body from the fixtures, as Google sent it. */
function fixture(name: string): string {
  return readFileSync(path.join(gcpFixtures, name), 'utf8').trim();
}

const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';
const SUBJECT_TOKEN_TYPES = [
  'urn:ietf:params:oauth:token-type:jwt',
  'urn:ietf:params:oauth:token-type:id_token',
];
const PROVIDER_AUDIENCE =
  /^\/\/iam\.googleapis\.com\/projects\/\d+\/locations\/global\/workloadIdentityPools\/[^/]+\/providers\/[^/]+$/;

export interface GcpEmulatorOptions {
  /** Full resource name of the one workload identity provider that exists
   * (`//iam.googleapis.com/projects/N/locations/global/workloadIdentityPools/P/providers/Q`).
   * Another well-formed audience gets the real `invalid_target` body. */
  providerAudience: string;
  /** The provider's "allowed audiences" for the subject token's `aud` claim; a mismatch gets
   * the real `invalid_grant` "The audience in ID Token [...]" body. Default: `[api://AzureADTokenExchange]`. */
  allowedSubjectAudiences?: string[];
  /** Issuer the provider trusts (the AKS OIDC issuer, or Entra ID). Unset: any issuer. */
  acceptedIssuer?: string;
  /** Attribute condition on `sub` (e.g. `system:serviceaccount:bifrost:bifrost-sa`); a mismatch
   * gets the real `unauthorized_client` body. Unset: any subject. */
  acceptedSubject?: string;
  /** The service account the federated principal may impersonate; any other gets the real
   * 403 `iam.serviceAccounts.getAccessToken` denied body. */
  allowedServiceAccount: string;
  /** Service accounts holding roles/artifactregistry.reader on the hub's repository (read by the
   * test registry's token service, __tests__/support/registry.ts). Default: `[allowedServiceAccount]`. */
  registryReaders?: string[];
}

/** What IAM knows about an access token it issued. */
export interface IssuedAccessToken {
  serviceAccount: string;
  expiresAt: Date;
}

export type GcpService = 'sts' | 'iam';

export interface RecordedGcpRequest {
  service: GcpService | 'unknown';
  method: string;
  path: string;
  status: number;
  /** STS form fields except `subject_token`. */
  form?: Record<string, string>;
  /** Claims of the subject token (STS) that matter for federation. */
  subjectClaims?: { iss?: string; sub?: string; aud?: string | string[] };
  /** IAM: the service account from the path, and the JSON body (no secrets in it). */
  serviceAccount?: string;
  body?: unknown;
}

/** A forced answer, e.g. to reproduce an outage or a fixture body verbatim. */
export interface ForcedFailure {
  status: number;
  body: string;
}

export interface GcpEmulator {
  /** Base URL, e.g. `http://127.0.0.1:PORT`; STS is `${url}/v1/token`. */
  url: string;
  stsTokenUrl: string;
  /** `service_account_impersonation_url` for a service account email. */
  impersonationUrl(email: string): string;
  requests: RecordedGcpRequest[];
  /** Access tokens IAM issued, newest last: for asserting what landed in the pull secret. */
  issuedAccessTokens: string[];
  /** The service account and expiry of an access token this IAM issued; undefined for any other. */
  accessTokenInfo(token: string): IssuedAccessToken | undefined;
  /** Whether the service account holds the Artifact Registry reader role (`registryReaders`). */
  isRegistryReader(serviceAccount: string): boolean;
  /** Grants or revokes the reader role, e.g. to reproduce a 403 from the registry. */
  setRegistryReaders(serviceAccounts: string[]): void;
  /** Makes every access token issued so far expired (an old pull secret). */
  expireAccessTokens(): void;
  /** Answer every request to `service` with this body until cleared with `null`. */
  setFailure(service: GcpService, failure: ForcedFailure | null): void;
  close(): Promise<void>;
}

/** RFC 3339 in UTC without fractional seconds, the form IAM Credentials answers with. */
function rfc3339Seconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function stsError(error: string, description: string): string {
  return JSON.stringify({ error, error_description: description });
}

// Google's standard 401 for a missing or unknown bearer token (google.rpc shape, as in the
// IAM fixtures).
const UNAUTHENTICATED_BODY = JSON.stringify(
  {
    error: {
      code: 401,
      message:
        'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.',
      status: 'UNAUTHENTICATED',
    },
  },
  null,
  2,
);

export async function startGcpEmulator(options: GcpEmulatorOptions): Promise<GcpEmulator> {
  const allowedAudiences = options.allowedSubjectAudiences ?? ['api://AzureADTokenExchange'];
  const requests: RecordedGcpRequest[] = [];
  const issuedAccessTokens: string[] = [];
  const tokenInfo = new Map<string, IssuedAccessToken>();
  let registryReaders = new Set(options.registryReaders ?? [options.allowedServiceAccount]);
  const federatedTokens = new Set<string>();
  const failures = new Map<GcpService, ForcedFailure>();

  function handleSts(form: URLSearchParams, record: RecordedGcpRequest): [number, string] {
    const fields = Object.fromEntries(form.entries());
    delete fields.subject_token;
    record.form = fields;
    const subjectToken = form.get('subject_token') ?? '';
    const claims = decodeJwtClaims(subjectToken);
    if (claims) record.subjectClaims = { iss: claims.iss, sub: claims.sub, aud: claims.aud };

    if (form.get('grant_type') !== TOKEN_EXCHANGE_GRANT) {
      return [
        400,
        stsError('unsupported_grant_type', `Unsupported grant type "${form.get('grant_type') ?? ''}".`),
      ];
    }
    const audience = form.get('audience') ?? '';
    if (!PROVIDER_AUDIENCE.test(audience)) {
      return [400, fixture('sts-400-invalid-request-invalid-audience.auth-211.body.json')];
    }
    if (audience !== options.providerAudience) {
      return [400, fixture('sts-400-invalid-target.auth-202.body.json')];
    }
    if (!SUBJECT_TOKEN_TYPES.includes(form.get('subject_token_type') ?? '') || !claims) {
      return [400, stsError('invalid_request', 'Invalid value for "subject_token".')];
    }
    const tokenAudiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud ?? ''];
    if (!tokenAudiences.some((a) => allowedAudiences.includes(a))) {
      // Wording of the real body (fixture sts-400-invalid-grant-audience-mismatch…), unwrapped.
      return [
        400,
        stsError(
          'invalid_grant',
          `The audience in ID Token [${tokenAudiences.join(', ')}] does not match the expected audience.`,
        ),
      ];
    }
    if (options.acceptedIssuer !== undefined && claims.iss !== options.acceptedIssuer) {
      // No captured sample of this body exists in the fixtures: modelled on the audience one.
      return [
        400,
        stsError(
          'invalid_grant',
          `The issuer in ID Token [${claims.iss ?? ''}] does not match the expected issuer.`,
        ),
      ];
    }
    if (options.acceptedSubject !== undefined && claims.sub !== options.acceptedSubject) {
      return [400, fixture('sts-unauthorized-client-attribute-condition.tef-1362.body.json')];
    }
    const accessToken = `emu-sts.${randomBytes(24).toString('base64url')}`;
    federatedTokens.add(accessToken);
    registerSecret(accessToken, 'STS emulator federated token');
    return [
      200,
      JSON.stringify({
        access_token: accessToken,
        issued_token_type: ACCESS_TOKEN_TYPE,
        token_type: 'Bearer',
        expires_in: 3600,
      }),
    ];
  }

  function handleIam(
    req: IncomingMessage,
    email: string,
    rawBody: string,
    record: RecordedGcpRequest,
  ): [number, string] {
    record.serviceAccount = email;
    let body: { scope?: string[]; lifetime?: string } = {};
    try {
      body = rawBody ? (JSON.parse(rawBody) as typeof body) : {};
      record.body = body;
    } catch {
      return [
        400,
        JSON.stringify({
          error: { code: 400, message: 'Invalid JSON payload received.', status: 'INVALID_ARGUMENT' },
        }),
      ];
    }
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!bearer || !federatedTokens.has(bearer)) return [401, UNAUTHENTICATED_BODY];
    if (email !== options.allowedServiceAccount) {
      return [403, fixture('iamcredentials-403-getAccessToken-denied.auth-455.body.json')];
    }
    const lifetimeSeconds = Number(/^(\d+)s$/.exec(body.lifetime ?? '3600s')?.[1] ?? 3600);
    const accessToken = `emu-ya29.${randomBytes(32).toString('base64url')}`;
    issuedAccessTokens.push(accessToken);
    registerSecret(accessToken, 'IAM emulator access token');
    const expiresAt = new Date(Date.now() + lifetimeSeconds * 1000);
    tokenInfo.set(accessToken, { serviceAccount: email, expiresAt });
    const expireTime = rfc3339Seconds(expiresAt);
    return [200, JSON.stringify({ accessToken, expireTime })];
  }

  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://emulator');
      const rawBody = await readBody(req);
      const record: RecordedGcpRequest = {
        service: 'unknown',
        method: req.method ?? '',
        path: url.pathname,
        status: 404,
      };
      requests.push(record);
      const impersonation = /^\/v1\/projects\/-\/serviceAccounts\/([^/]+):generateAccessToken$/.exec(
        url.pathname,
      );
      let answer: [number, string];
      if (req.method === 'POST' && url.pathname === '/v1/token') {
        record.service = 'sts';
        const forced = failures.get('sts');
        answer = forced ? [forced.status, forced.body] : handleSts(new URLSearchParams(rawBody), record);
      } else if (req.method === 'POST' && impersonation) {
        record.service = 'iam';
        const forced = failures.get('iam');
        answer = forced
          ? [forced.status, forced.body]
          : handleIam(req, decodeURIComponent(impersonation[1]), rawBody, record);
      } else {
        answer = [404, JSON.stringify({ error: { code: 404, message: 'Not Found', status: 'NOT_FOUND' } })];
      }
      record.status = answer[0];
      sendJson(res, answer[0], answer[1]);
    })().catch((err: unknown) => sendJson(res, 500, JSON.stringify({ error: String(err) })));
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const base = `http://127.0.0.1:${port}`;
  return {
    url: base,
    stsTokenUrl: `${base}/v1/token`,
    impersonationUrl: (email) => `${base}/v1/projects/-/serviceAccounts/${email}:generateAccessToken`,
    requests,
    issuedAccessTokens,
    accessTokenInfo: (token) => tokenInfo.get(token),
    isRegistryReader: (serviceAccount) => registryReaders.has(serviceAccount),
    setRegistryReaders(serviceAccounts) {
      registryReaders = new Set(serviceAccounts);
    },
    expireAccessTokens() {
      const past = new Date(Date.now() - 1000);
      for (const info of tokenInfo.values()) info.expiresAt = past;
    },
    setFailure(service, failure) {
      if (failure) failures.set(service, failure);
      else failures.delete(service);
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
