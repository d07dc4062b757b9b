// Preflight: walks the pull secret's identity chain from the runner, hop by hop, before anything
// is applied (deploy) or as checks (verify):
//   token-request  TokenRequest for the refresher's ServiceAccount, for the audience its
//                  projected token has (what the credential config's subject token is);
//   entra          (`entra` mode) the exchange at Entra ID, the form the refresher sends;
//   sts, iam       google-auth-library's IdentityPoolClient built from the very credential config
//                  the action renders into the ConfigMap, fed by a subject-token supplier: the
//                  STS exchange, then generateAccessToken for the GCP service account;
//   registry       the image's manifest with `oauth2accesstoken` + that access token → digest.
// Each hop reports pass/fail, the service's own status and words, and a hint from the catalogue.
// Every token is masked the moment it exists and is never printed, written or returned.
import type { CoreV1Api } from '@kubernetes/client-node';
import { IdentityPoolClient } from 'google-auth-library';
import type { KubeClient } from '../cluster/client.js';
import { statusBody, statusOf, wrap } from '../cluster/errors.js';
import type { Settings } from '../config/settings.js';
import { credentialConfig } from '../manifests/gcp.js';
import { ACCESS_TOKEN_USER, AZURE_TOKEN_EXCHANGE_AUDIENCE } from '../manifests/names.js';
import type { CheckResult } from '../report/check-result.js';
import { ActionFailure } from '../report/failure.js';
import { findHint, formatHint, hintById } from '../report/hints.js';
import type { Core, HopRecord, PreflightRecord } from '../report/report.js';
import { headManifest, parseImageReference, type Fetch } from './registry.js';

export const HOP_IDS = ['token-request', 'entra', 'sts', 'iam', 'registry'] as const;
export type HopId = (typeof HOP_IDS)[number];

/** Lifetime of the ServiceAccount token minted for the preflight (TokenRequest minimum: 600 s). */
export const PREFLIGHT_TOKEN_SECONDS = 600;

export interface Hop extends HopRecord {
  id: HopId;
}

export interface PreflightResult extends PreflightRecord {
  hops: Hop[];
}

export interface PreflightDependencies {
  settings: Settings;
  core: Pick<CoreV1Api, 'createNamespacedServiceAccountToken'>;
  /** core.setSecret: called with every token as soon as it is issued. */
  mask: (secret: string) => void;
  /** The run's retrying fetch (net/retry.ts `retryingFetch`, service `preflight`). */
  fetch?: Fetch;
}

/** A hop's failure: what the service said, its status, and where it said it. */
class HopFailure extends Error {
  constructor(
    message: string,
    readonly httpStatus?: number,
  ) {
    super(message);
  }
}

interface RecordedCall {
  url: string;
  status: number;
  /** Error bodies only: a successful answer carries a token. */
  errorBody?: string;
}

export async function runPreflight({
  settings,
  core,
  mask,
  fetch: baseFetch = fetch,
}: PreflightDependencies): Promise<PreflightResult> {
  const started = Date.now();
  const { names, identity, workload } = settings;
  const hops: Hop[] = [];
  let requests = 0;
  const calls: RecordedCall[] = [];
  const recordingFetch: Fetch = async (url, init) => {
    requests++;
    const response = await baseFetch(String(url), init);
    calls.push({
      url: String(url),
      status: response.status,
      errorBody: response.ok ? undefined : await response.clone().text(),
    });
    return response;
  };

  const titles: Record<HopId, string> = {
    'token-request': `TokenRequest for ServiceAccount ${names.namespace}/${names.refresherServiceAccount}`,
    entra: `Entra ID token for managed identity ${identity.clientId}`,
    sts: 'Google STS token exchange',
    iam: `IAM generateAccessToken for ${identity.gcpServiceAccount}`,
    registry: `Registry manifest of ${workload.image}`,
  };
  /** Runs one hop; a failure ends the chain and the later hops are skipped. */
  const hop = async <T>(id: HopId, body: () => Promise<{ value: T; detail: string }>) => {
    const t0 = Date.now();
    try {
      const { value, detail } = await body();
      hops.push({ id, title: titles[id], status: 'pass', detail, durationMs: Date.now() - t0 });
      return value;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const found = findHint(message);
      hops.push({
        id,
        title: titles[id],
        status: 'fail',
        detail: message,
        httpStatus: error instanceof HopFailure ? error.httpStatus : undefined,
        hint: found && formatHint(found),
        durationMs: Date.now() - t0,
      });
      return undefined;
    }
  };
  const finish = (digest?: string): PreflightResult => {
    for (const id of HOP_IDS) {
      if (hops.some((h) => h.id === id)) continue;
      const reason =
        id === 'entra' && identity.federation !== 'entra'
          ? 'federation is kubernetes: no Entra ID exchange'
          : 'an earlier hop failed';
      hops.push({ id, title: titles[id], status: 'skipped', detail: reason, durationMs: 0 });
    }
    hops.sort((a, b) => HOP_IDS.indexOf(a.id) - HOP_IDS.indexOf(b.id));
    return { hops, digest, requests, durationMs: Date.now() - started };
  };

  // 1. The refresher's ServiceAccount token, as its projected volume gets it.
  const saToken = await hop('token-request', async () => {
    requests++;
    try {
      const answer = await core.createNamespacedServiceAccountToken({
        name: names.refresherServiceAccount,
        namespace: names.namespace,
        body: {
          spec: { audiences: [AZURE_TOKEN_EXCHANGE_AUDIENCE], expirationSeconds: PREFLIGHT_TOKEN_SECONDS },
        },
      });
      const token = answer.status?.token;
      if (!token) throw new HopFailure('TokenRequest answered without a token');
      mask(token);
      return {
        value: token,
        detail: `token for audience ${AZURE_TOKEN_EXCHANGE_AUDIENCE}, ${PREFLIGHT_TOKEN_SECONDS} s`,
      };
    } catch (error) {
      if (error instanceof HopFailure) throw error;
      const status = statusOf(error);
      const body = statusBody(error);
      throw new HopFailure(
        `create serviceaccounts/token ${names.namespace}/${names.refresherServiceAccount}: ${status ? `HTTP ${status} ` : ''}${body.reason ? `${body.reason}: ` : ''}${body.message ?? String(error)}`,
        status,
      );
    }
  });
  if (!saToken) return finish();

  // 2. entra mode: the refresher's exchange (client credentials with the token as assertion).
  let subjectToken: string | undefined = saToken;
  if (identity.federation === 'entra') {
    subjectToken = await hop('entra', async () => {
      const url = `${identity.entraAuthorityHost.replace(/\/+$/, '')}/${identity.tenantId}/oauth2/v2.0/token`;
      const form = new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: identity.clientId,
        scope: `${identity.entraResource.replace(/\/+$/, '')}/.default`,
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: saToken,
      });
      let response: Response;
      try {
        response = await recordingFetch(url, { method: 'POST', body: form });
      } catch (error) {
        throw new HopFailure(`POST ${url}: ${unreachable(error)}`);
      }
      const text = await response.text();
      let body: { access_token?: string; error?: string; error_description?: string; expires_in?: number } =
        {};
      try {
        body = JSON.parse(text) as typeof body;
      } catch {
        // reported below
      }
      if (!response.ok || !body.access_token) {
        throw new HopFailure(
          `POST ${url} answered HTTP ${response.status}: ${body.error ? `${body.error}: ${body.error_description ?? ''}` : text.slice(0, 500)}`,
          response.status,
        );
      }
      mask(body.access_token);
      return { value: body.access_token, detail: `token for ${identity.entraResource}` };
    });
    if (!subjectToken) return finish();
  }

  // 3 and 4. Google's own library, from the credential config the ConfigMap holds; only the
  // subject token's source differs (a supplier instead of the pod's file).
  const { credential_source: _fileInThePod, ...config } = credentialConfig(identity);
  void _fileInThePod;
  const token = subjectToken;
  const client = new IdentityPoolClient({
    ...config,
    subject_token_supplier: { getSubjectToken: () => Promise.resolve(token) },
    transporterOptions: { fetchImplementation: recordingFetch as typeof fetch },
  });
  // The STS exchange goes through a transporter of its own (google-auth-library 10:
  // StsCredentials makes `new Gaxios()`): hand it the client's, so every request is ours to count.
  const internals = client as unknown as { stsCredential?: { transporter?: unknown } };
  if (internals.stsCredential) internals.stsCredential.transporter = client.transporter;
  let googleError: string | undefined;
  let accessToken: string | undefined;
  const callsBefore = calls.length;
  try {
    accessToken = (await client.getAccessToken()).token ?? undefined;
    if (accessToken) mask(accessToken);
  } catch (error) {
    googleError = error instanceof Error ? error.message : String(error);
  }
  const stsCall = calls.slice(callsBefore).find((c) => c.url.startsWith(identity.stsUrl));
  const iamCall = calls.slice(callsBefore).find((c) => !c.url.startsWith(identity.stsUrl));
  const googleHop = (call: RecordedCall | undefined, what: string) => () => {
    if (call && call.status === 200) return Promise.resolve({ value: true, detail: `${what}: HTTP 200` });
    const said = call?.errorBody ? `: ${call.errorBody.trim().replace(/\s+/g, ' ')}` : '';
    return Promise.reject(
      new HopFailure(
        call ? `${what}: HTTP ${call.status}${said}` : `${what}: ${googleError ?? 'no answer'}`,
        call?.status,
      ),
    );
  };
  if (!(await hop('sts', googleHop(stsCall, `POST ${identity.stsUrl}`)))) return finish();
  if (
    !(await hop('iam', googleHop(iamCall, `POST ${config.service_account_impersonation_url}`))) ||
    !accessToken
  )
    return finish();

  // 5. The registry, with the credentials the refresher puts in the pull secret.
  const digest = await hop('registry', async () => {
    const answer = await headManifest(
      parseImageReference(workload.image),
      { username: ACCESS_TOKEN_USER, password: accessToken },
      recordingFetch,
    );
    if (!answer.ok) throw new HopFailure(answer.message, answer.status);
    return { value: answer.digest, detail: `${workload.image} → ${answer.digest}` };
  });
  return finish(digest);
}

function unreachable(error: unknown): string {
  const cause = (error as { cause?: { message?: string } }).cause?.message;
  return `${error instanceof Error ? error.message : String(error)}${cause ? ` (${cause})` : ''}`;
}

/** verify: each hop is a check `preflight-<hop>`. */
export function preflightChecks(result: PreflightRecord): CheckResult[] {
  return result.hops.map((hop) => ({
    id: `preflight-${hop.id}`,
    title: `Preflight: ${hop.title}`,
    status: hop.status,
    evidence: hop.detail,
    ...(hop.status === 'fail' ? { hint: hop.hint ?? 'Read the service’s answer in the evidence.' } : {}),
  }));
}

/** deploy: the first failed hop stops the run before anything is applied. */
export function preflightFailure(result: PreflightRecord): ActionFailure | undefined {
  const failed = result.hops.find((h) => h.status === 'fail');
  if (!failed) return undefined;
  return new ActionFailure(
    `Preflight failed at ${failed.id}`,
    `${failed.title}: ${failed.detail}`,
    result.hops.map((h) => `${h.status.padEnd(7)} ${h.id}: ${h.status === 'pass' ? h.detail : h.title}`),
    failed.hint,
  );
}

/** One line per hop for the log. */
export function preflightLines(result: PreflightRecord): string[] {
  return result.hops.map(
    (h) => `${h.status === 'pass' ? '✓' : h.status === 'fail' ? '✗' : '-'} ${h.id}: ${h.title} — ${h.detail}`,
  );
}

/** verify: the pull secret's own credentials asked for the manifest (read-only). Turns "present
 * and fresh" into "opens the registry". The password is masked and never in the evidence. */
export async function pullSecretOpensRegistry(
  core: Core,
  kube: KubeClient,
  settings: Settings,
  image: string,
  fetchImpl: Fetch = fetch,
): Promise<CheckResult> {
  const { namespace, pullSecret } = settings.names;
  const check = { id: 'pull-secret-opens-registry', title: `Pull secret ${pullSecret} opens the registry` };
  const reference = parseImageReference(image);
  let secret;
  try {
    secret = await kube.core.readNamespacedSecret({ name: pullSecret, namespace });
  } catch (error) {
    if (statusOf(error) === 404)
      return {
        ...check,
        status: 'skipped',
        evidence: `Secret ${namespace}/${pullSecret} does not exist (see the pull-secret check)`,
      };
    throw wrap(`read Secret ${namespace}/${pullSecret}`, error);
  }
  let credentials: { username: string; password: string } | undefined;
  try {
    const config = JSON.parse(
      Buffer.from(secret.data?.['.dockerconfigjson'] ?? '', 'base64').toString('utf8'),
    ) as {
      auths?: Record<string, { username?: string; password?: string; auth?: string }>;
    };
    const entry = config.auths?.[reference.host] ?? config.auths?.[`https://${reference.host}`];
    if (entry) {
      const [user, ...rest] = entry.auth ? Buffer.from(entry.auth, 'base64').toString('utf8').split(':') : [];
      const username = entry.username ?? user ?? '';
      const password = entry.password ?? rest.join(':');
      if (password) core.setSecret(password);
      credentials = { username, password };
    }
  } catch {
    credentials = undefined;
  }
  if (!credentials) {
    return {
      ...check,
      status: 'fail',
      evidence: `Secret ${namespace}/${pullSecret} has no .dockerconfigjson entry for ${reference.host}`,
      hint: formatHint(hintById('ar-unauthenticated')),
    };
  }
  const answer = await headManifest(reference, credentials, fetchImpl);
  const who = `with the credentials of Secret ${namespace}/${pullSecret} (user ${credentials.username})`;
  if (answer.ok) return { ...check, status: 'pass', evidence: `HEAD ${image} ${who}: 200, ${answer.digest}` };
  return {
    ...check,
    status: 'fail',
    evidence: `${who}: ${answer.message}`,
    hint: answer.hint ?? 'Read the registry’s answer in the evidence.',
  };
}
