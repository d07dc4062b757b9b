// How the action signs in to Azure (Entra ID), through @azure/identity only — no az CLI calls.
//
// - `github-oidc`: the job's GitHub OIDC token is the client assertion for `login-client-id`.
//   The assertion callback asks GitHub for a fresh token whenever the last one is about to
//   expire, because GitHub's tokens last about 5 minutes (Azure/login #180, #372).
// - `azure-cli`: reuse the session of an earlier azure/login step.
// - `environment`: DefaultAzureCredential (AZURE_* variables, workload or managed identity).
// - `auto`: OIDC when the job can mint OIDC tokens and login-client-id is set, else the CLI
//   session, else the environment.

import { readFileSync } from 'node:fs';
import type { Agent } from 'node:https';
import {
  AzureCliCredential,
  ChainedTokenCredential,
  ClientAssertionCredential,
  DefaultAzureCredential,
  type AccessToken,
  type GetTokenOptions,
  type TokenCredential,
  type TokenCredentialOptions,
} from '@azure/identity';
import { errorCode, MAX_DELAY_MS, ServiceUnreachableError, type RetryPolicy } from '../net/retry.js';
import { type AzureSettings } from '../config/settings.js';
import { isKnownAuthorityHost } from '../config/clouds.js';
import {
  AzureError,
  FEDERATED_CREDENTIAL_MISMATCH,
  aadstsCode,
  entraErrorHint,
  tokenFileMismatchHint,
  type PresentedClaims,
} from './errors.js';
import { AZURE_TOKEN_EXCHANGE_AUDIENCE } from '../manifests/names.js';

/** `core.getIDToken` from @actions/core, or a test's own. */
export type IdTokenGetter = (audience: string) => Promise<string>;

export interface CredentialDeps {
  getIdToken?: IdTokenGetter;
  env?: NodeJS.ProcessEnv;
  /** HTTPS agent for Entra requests (tests pass one that trusts the emulator's CA). */
  agent?: Agent;
  /** The run's retry policy: @azure/identity retries as it says, and its retries are counted. */
  policy?: RetryPolicy;
}

export type CredentialKind = 'github-oidc' | 'azure-cli' | 'environment';

export interface AzureLogin {
  credential: TokenCredential;
  kind: CredentialKind;
  /** One line for the log: which way and as whom. No secrets. */
  description: string;
}

export function chooseCredentialKind(
  azure: AzureSettings,
  env: NodeJS.ProcessEnv = process.env,
): CredentialKind {
  if (azure.credential !== 'auto') return azure.credential;
  if (env.ACTIONS_ID_TOKEN_REQUEST_URL && azure.loginClientId) return 'github-oidc';
  return 'azure-cli'; // falls through to the environment inside createAzureCredential
}

export function createAzureCredential(
  azure: AzureSettings,
  tenantId: string,
  deps: CredentialDeps = {},
): AzureLogin {
  const kind = chooseCredentialKind(azure, deps.env);
  const transport = new EntraTransport(azure.authorityHost);
  const options = {
    authorityHost: azure.authorityHost,
    // MSAL looks up unknown hosts at login.microsoftonline.com; an explicit host is trusted as given.
    disableInstanceDiscovery: !isKnownAuthorityHost(azure.authorityHost),
    ...(deps.agent ? { agent: deps.agent } : {}),
    ...entraRetryOptions(transport, deps.policy),
  };

  if (kind === 'github-oidc') {
    if (!azure.loginClientId) {
      throw new AzureError('azure-credential is github-oidc but login-client-id is empty.', {
        operation: 'Azure sign-in',
        hint: 'Set login-client-id to the client id of the app registration or managed identity that has a federated credential for this repository.',
      });
    }
    if (!deps.getIdToken) throw new Error('createAzureCredential: github-oidc needs an ID-token getter');
    const credential = new GitHubOidcCredential(
      tenantId,
      azure.loginClientId,
      deps.getIdToken,
      options,
      transport,
    );
    return {
      credential,
      kind,
      description: `GitHub OIDC federated to ${azure.loginClientId} in tenant ${tenantId}`,
    };
  }
  const env = deps.env ?? process.env;
  const explainTokenFile = (code: string | undefined) => federatedTokenFileHint(code, env);
  if (kind === 'azure-cli') {
    const fallback = azure.credential === 'auto';
    const cli = new AzureCliCredential();
    const credential = fallback ? new ChainedTokenCredential(cli, new DefaultAzureCredential(options)) : cli;
    return {
      credential: new ExplainedCredential(
        credential,
        kind,
        transport,
        fallback ? explainTokenFile : undefined,
      ),
      kind,
      description: fallback ? 'the azure/login session, else the environment' : 'the azure/login session',
    };
  }
  return {
    credential: new ExplainedCredential(
      new DefaultAzureCredential(options),
      kind,
      transport,
      explainTokenFile,
    ),
    kind,
    description: 'the environment (DefaultAzureCredential)',
  };
}

/**
 * What the authority host last showed: the request that failed through every retry (a
 * connection error, or a 5xx or 429 answer), cleared by any other answer. MSAL reports such a
 * failure only as its own code (e.g. endpoints_resolution_error, with no cause), so the sign-in
 * error is told apart from a refusal here. Requests elsewhere (DefaultAzureCredential's managed
 * identity probe) are not Entra ID's.
 */
class EntraTransport {
  private attempts = new WeakMap<object, number>();
  private failure?: { url: string; problem: string; attempts: number };
  private readonly origin: string;

  constructor(authorityHost: string) {
    this.origin = URL.canParse(authorityHost) ? new URL(authorityHost).origin : '';
  }

  async send<T extends { status: number }>(request: { url: string }, next: () => Promise<T>): Promise<T> {
    const attempts = (this.attempts.get(request) ?? 0) + 1;
    this.attempts.set(request, attempts);
    if (new URL(request.url).origin !== this.origin) return next();
    try {
      const response = await next();
      this.failure =
        response.status >= 500 || response.status === 429
          ? { url: request.url, problem: `HTTP ${response.status}`, attempts }
          : undefined;
      return response;
    } catch (error) {
      const problem = errorCode(error) ?? (error instanceof Error ? error.message : String(error));
      this.failure = { url: request.url, problem, attempts };
      throw error;
    }
  }

  /** True when a request to Entra ID is being repeated (for the retry count). */
  isRetry(request: { url: string }): boolean {
    return this.attempts.has(request) && new URL(request.url).origin === this.origin;
  }

  /** The sign-in failed because Entra ID could not be reached: the error to end the run with. */
  unreachable(): ServiceUnreachableError | undefined {
    const failure = this.failure;
    if (!failure) return undefined;
    const url = new URL(failure.url);
    return new ServiceUnreachableError(
      'entra',
      url.origin,
      `${failure.problem} from ${url.origin}${url.pathname}`,
      failure.attempts,
    );
  }
}

/**
 * @azure/identity's own retry (429 with Retry-After, 5xx, connection errors) with the policy's
 * attempts and back-off, and a per-retry pipeline policy that watches each attempt
 * (EntraTransport) and counts each repeated request (core-rest-pipeline sends the same request
 * object again on a retry) as an Entra ID retry.
 */
function entraRetryOptions(
  transport: EntraTransport,
  policy: RetryPolicy | undefined,
): Pick<TokenCredentialOptions, 'retryOptions' | 'additionalPolicies'> {
  return {
    ...(policy
      ? {
          retryOptions: {
            maxRetries: policy.maxAttempts - 1,
            retryDelayInMs: policy.baseDelayMs,
            maxRetryDelayInMs: MAX_DELAY_MS,
          },
        }
      : {}),
    additionalPolicies: [
      {
        position: 'perRetry',
        policy: {
          name: 'bifrostEntraTransport',
          sendRequest: (request, next) => {
            if (transport.isRetry(request)) policy?.count('entra');
            return transport.send(request, () => next(request));
          },
        },
      },
    ],
  };
}

/** Wraps a credential so a failure says which sign-in failed and how to fix it. */
class ExplainedCredential implements TokenCredential {
  constructor(
    private readonly inner: TokenCredential,
    private readonly kind: CredentialKind,
    private readonly transport: EntraTransport,
    /** A hint for an Entra refusal (by AADSTS code), when there is a better one than the default. */
    private readonly explainRefusal?: (code: string | undefined) => string | undefined,
  ) {}

  async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken | null> {
    try {
      return await this.inner.getToken(scopes, options);
    } catch (error) {
      const unreachable = this.transport.unreachable();
      if (unreachable) throw unreachable;
      const code = aadstsCode(error);
      const hint =
        this.explainRefusal?.(code) ??
        (this.kind === 'azure-cli'
          ? 'Run azure/login before this step, or set azure-credential: github-oidc with login-client-id.'
          : 'Set AZURE_TENANT_ID / AZURE_CLIENT_ID (and a secret, certificate or federated token file), or use azure-credential: github-oidc.');
      throw new AzureError(
        `Azure sign-in (${this.kind}) failed: ${messageOf(error)}`,
        {
          operation: 'Azure sign-in',
          code,
          hint,
        },
        { cause: error },
      );
    }
  }
}

/** When Entra found no federated credential for AZURE_FEDERATED_TOKEN_FILE's token: its claims,
 * read from the file again now (it is what DefaultAzureCredential presented). Never the token. */
function federatedTokenFileHint(code: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  const file = env.AZURE_FEDERATED_TOKEN_FILE;
  if (!file || !code || !FEDERATED_CREDENTIAL_MISMATCH.has(code)) return undefined;
  let token = '';
  try {
    token = readFileSync(file, 'utf8').trim();
  } catch {
    // Unreadable now: the claims show as '?'.
  }
  return tokenFileMismatchHint(env.AZURE_CLIENT_ID, file, decodeJwtClaims(token));
}

/** Reuse a GitHub OIDC token only while it has at least this much life left. */
const ID_TOKEN_MIN_REMAINING_MS = 60_000;

/**
 * ClientAssertionCredential fed by GitHub's OIDC token, remembering what it presented.
 * MSAL calls the assertion callback twice per getToken, even when it then serves a cached
 * token, so a GitHub token is reused while it has a minute left and minted anew after that.
 */
class GitHubOidcCredential implements TokenCredential {
  private readonly inner: ClientAssertionCredential;
  private idToken?: { token: string; claims: PresentedClaims & { exp?: number } };
  private idTokenFailure?: AzureError;

  constructor(
    tenantId: string,
    private readonly clientId: string,
    private readonly getIdToken: IdTokenGetter,
    options: ConstructorParameters<typeof ClientAssertionCredential>[3],
    private readonly transport: EntraTransport,
  ) {
    this.inner = new ClientAssertionCredential(tenantId, clientId, () => this.assertion(), options);
  }

  private async assertion(): Promise<string> {
    const current = this.idToken;
    if (current?.claims.exp && current.claims.exp * 1000 - Date.now() > ID_TOKEN_MIN_REMAINING_MS)
      return current.token;
    try {
      const token = await this.getIdToken(AZURE_TOKEN_EXCHANGE_AUDIENCE);
      this.idToken = { token, claims: decodeJwtClaims(token) };
      return token;
    } catch (error) {
      this.idTokenFailure = new AzureError(
        `Could not get a GitHub OIDC token: ${messageOf(error)}`,
        {
          operation: 'GitHub OIDC token',
          hint: 'Give the job `permissions: id-token: write` (and contents: read).',
        },
        { cause: error },
      );
      throw this.idTokenFailure;
    }
  }

  async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken | null> {
    this.idTokenFailure = undefined;
    try {
      return await this.inner.getToken(scopes, options);
    } catch (error) {
      // MSAL rewraps errors thrown by the assertion callback; report ours as it was.
      // eslint-disable-next-line @typescript-eslint/only-throw-error -- AzureError extends Error; the rule loses it through MSAL's types
      if (this.idTokenFailure) throw this.idTokenFailure;
      const unreachable = this.transport.unreachable();
      if (unreachable) throw unreachable;
      const code = aadstsCode(error);
      throw new AzureError(
        `Entra ID rejected the GitHub OIDC sign-in as ${this.clientId}: ${messageOf(error)}`,
        {
          operation: 'Azure sign-in (github-oidc)',
          code,
          hint: entraErrorHint(code, this.clientId, this.idToken?.claims),
        },
        { cause: error },
      );
    }
  }
}

/** iss, sub and aud of a JWT, without checking it: only to tell the user what was presented. */
export function decodeJwtClaims(jwt: string): PresentedClaims & { exp?: number } {
  try {
    const payload = JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<
      string,
      unknown
    >;
    const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
    return {
      iss: text(payload.iss),
      sub: text(payload.sub),
      aud: Array.isArray(payload.aud) ? payload.aud.map(String).join(',') : text(payload.aud),
      exp: typeof payload.exp === 'number' ? payload.exp : undefined,
    };
  } catch {
    return {};
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
