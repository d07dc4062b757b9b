// The registry client: asks a Docker Registry v2 (Artifact Registry) for an image's manifest the
// way containerd does before a pull, and returns the digest, or the registry's own error.
//   1. GET /v2/ → 401 with `WWW-Authenticate: Bearer realm=…,service=…` (or 200: no auth);
//   2. GET <realm>?service=…&scope=repository:<path>:pull with Basic `oauth2accesstoken:<token>`;
//   3. HEAD /v2/<path>/manifests/<tag> with the index/list/manifest Accept headers →
//      Docker-Content-Digest. A HEAD has no body: on failure the same GET reads the error body.
// Read-only: nothing is pulled but the manifest's headers. Credentials are never in a result.
import { findHint, formatHint } from '../report/hints.js';

/** What containerd sends (OCI index, Docker manifest list, OCI manifest, Docker v2 manifest). */
export const MANIFEST_ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

/** The user name Artifact Registry takes with an OAuth access token as password. */
export const ACCESS_TOKEN_USER = 'oauth2accesstoken';

export type Fetch = (url: string, init?: RequestInit) => Promise<Response>;

export interface ImageReference {
  host: string; // us-central1-docker.pkg.dev, 127.0.0.1:5000
  repository: string; // project/hub/bifrost
  reference: string; // a tag or sha256:…
}

/** `host/path:tag` or `host/path@sha256:…`. */
export function parseImageReference(image: string): ImageReference {
  const slash = image.indexOf('/');
  const host = image.slice(0, slash);
  const rest = image.slice(slash + 1);
  const at = rest.indexOf('@');
  if (at >= 0) return { host, repository: rest.slice(0, at), reference: rest.slice(at + 1) };
  const colon = rest.lastIndexOf(':');
  return colon >= 0
    ? { host, repository: rest.slice(0, colon), reference: rest.slice(colon + 1) }
    : { host, repository: rest, reference: 'latest' };
}

export type RegistryStep = 'ping' | 'token' | 'manifest';

export type ManifestAnswer =
  | { ok: true; digest: string; mediaType?: string; requests: number }
  | {
      ok: false;
      step: RegistryStep;
      /** HTTP status, or 0 when the registry could not be reached. */
      status: number;
      /** One line: what was asked and the registry's own words. */
      message: string;
      hint?: string;
      requests: number;
    };

export interface Credentials {
  username: string;
  password: string;
}

/** The registry's error text the way docker and containerd print it: `<code in lower case, _ as
 * space>: <message>` per entry of a v2 error body ("manifest unknown: manifest unknown",
 * "denied: Permission …"), else the raw body cut short. The hints match these words. */
export function registryErrorText(body: string): string {
  try {
    const parsed = JSON.parse(body) as { errors?: { code?: string; message?: string }[] };
    if (Array.isArray(parsed.errors) && parsed.errors.length > 0)
      return parsed.errors
        .map((e) => `${(e.code ?? 'unknown').toLowerCase().replace(/_/g, ' ')}: ${e.message ?? ''}`)
        .join('; ');
  } catch {
    // not JSON: shown as is (cut short)
  }
  const text = body.trim().replace(/\s+/g, ' ');
  return text.length > 300 ? `${text.slice(0, 297)}...` : text;
}

/** `Bearer realm="…",service="…",scope="…"` → its parameters (quoted-string values). */
export function parseBearerChallenge(header: string): Record<string, string> | undefined {
  const match = /^\s*Bearer\s+(.*)$/i.exec(header);
  if (!match) return undefined;
  const params: Record<string, string> = {};
  for (const m of match[1].matchAll(/([a-zA-Z_]+)="((?:[^"\\]|\\.)*)"/g))
    params[m[1].toLowerCase()] = m[2].replace(/\\(.)/g, '$1');
  return params;
}

const statusText = (response: Response): string =>
  `${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;

/** HEADs the image's manifest with `credentials` (undefined: anonymous). */
export async function headManifest(
  image: ImageReference,
  credentials: Credentials | undefined,
  fetchImpl: Fetch = fetch,
): Promise<ManifestAnswer> {
  let requests = 0;
  const fail = (step: RegistryStep, status: number, message: string): ManifestAnswer => {
    const hint = findHint(message);
    return { ok: false, step, status, message, hint: hint && formatHint(hint), requests };
  };
  const call = async (url: string, init: RequestInit): Promise<Response | string> => {
    requests++;
    try {
      return await fetchImpl(url, init);
    } catch (error) {
      const cause = (error as { cause?: { message?: string } }).cause?.message;
      return `${init.method ?? 'GET'} ${url}: ${(error as Error).message}${cause ? ` (${cause})` : ''}`;
    }
  };

  const base = `https://${image.host}`;
  const ping = await call(`${base}/v2/`, { method: 'GET' });
  if (typeof ping === 'string') return fail('ping', 0, `registry unreachable: ${ping}`);
  await ping.body?.cancel();
  let authorization: string | undefined;
  if (ping.status === 401) {
    const challenge = parseBearerChallenge(ping.headers.get('www-authenticate') ?? '');
    if (!challenge?.realm)
      return fail('ping', 401, `GET ${base}/v2/ answered 401 without a Bearer challenge`);
    const tokenUrl = new URL(challenge.realm);
    if (challenge.service) tokenUrl.searchParams.set('service', challenge.service);
    tokenUrl.searchParams.set('scope', `repository:${image.repository}:pull`);
    const headers: Record<string, string> = {};
    if (credentials)
      headers.authorization = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
    const answer = await call(tokenUrl.toString(), { method: 'GET', headers });
    if (typeof answer === 'string') return fail('token', 0, `token endpoint unreachable: ${answer}`);
    const text = await answer.text();
    if (answer.status !== 200) {
      return fail(
        'token',
        answer.status,
        `GET ${tokenUrl.toString()} answered ${statusText(answer)}: ${registryErrorText(text)}`,
      );
    }
    let token: string | undefined;
    try {
      const parsed = JSON.parse(text) as { token?: string; access_token?: string };
      token = parsed.token ?? parsed.access_token;
    } catch {
      token = undefined;
    }
    if (!token)
      return fail('token', 200, `token endpoint ${tokenUrl.origin}${tokenUrl.pathname} answered no token`);
    authorization = `Bearer ${token}`;
  } else if (ping.status !== 200) {
    return fail('ping', ping.status, `GET ${base}/v2/ answered ${statusText(ping)}`);
  }

  const manifestUrl = `${base}/v2/${image.repository}/manifests/${image.reference}`;
  const headers: Record<string, string> = { accept: MANIFEST_ACCEPT };
  if (authorization) headers.authorization = authorization;
  const head = await call(manifestUrl, { method: 'HEAD', headers });
  if (typeof head === 'string') return fail('manifest', 0, `registry unreachable: ${head}`);
  await head.body?.cancel();
  if (head.status === 200) {
    const digest = head.headers.get('docker-content-digest') ?? '';
    if (!/^sha256:[0-9a-f]{64}$/.test(digest))
      return fail('manifest', 200, `HEAD ${manifestUrl} answered 200 without a Docker-Content-Digest`);
    return { ok: true, digest, mediaType: head.headers.get('content-type') ?? undefined, requests };
  }
  // A HEAD carries no body: ask again with GET to read the registry's own error.
  const again = await call(manifestUrl, { method: 'GET', headers });
  const body = typeof again === 'string' ? '' : await again.text();
  return fail(
    'manifest',
    head.status,
    `HEAD ${manifestUrl} answered ${statusText(head)}${body ? `: ${registryErrorText(body)}` : ''}`,
  );
}
