// A real registry for the tests: Debian's `docker-registry` (distribution 2.8.2) on loopback over
// HTTPS (test CA), in-memory storage, `auth: token`. Its token service is the small HTTPS server
// below, standing in for Artifact Registry's `/v2/token`: it accepts `oauth2accesstoken` plus an
// access token only when the IAM emulator issued it, it has not expired, and the service account
// holds the reader role (a setting of the GCP emulator, `registryReaders`). Otherwise it answers
// Artifact Registry's own 401/403 bodies (__fixtures__/registry). The registry itself answers
// distribution's own 404 MANIFEST_UNKNOWN for an unknown tag.
//
// Tokens for the registry are RS256 JWTs with the signing certificate in `x5c`, verified by
// distribution against `rootcertbundle` (distribution registry/auth/token: issuer, audience =
// service, exp/nbf, `access` claims). Each test starts its own registry on a free port.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash, createSign, randomBytes, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpsServer, request as httpsRequest } from 'node:https';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { GcpEmulator } from './emulators/gcp.js';
import { sendJson } from './emulators/http.js';
import type { TestCa } from './emulators/test-ca.js';

const REGISTRY_BINARY = process.env.BIFROST_DOCKER_REGISTRY ?? '/usr/bin/docker-registry';
const ISSUER = 'bifrost-aks-test-token-service';
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const registryFixture = (name: string): string =>
  readFileSync(path.join(repoRoot, '__fixtures__/registry', name), 'utf8').trim();

export const MANIFEST_MEDIA_TYPE = 'application/vnd.docker.distribution.manifest.v2+json';

export interface TokenServiceRequest {
  scope: string;
  /** The user of the Basic credentials (never the password). */
  user?: string;
  status: number;
}

export interface TestRegistry {
  /** `127.0.0.1:PORT`: the `registry-host` input and the pull secret's server. */
  host: string;
  /** Artifact Registry's resource name of a repository path, as its 403 bodies quote it. */
  tokenRequests: TokenServiceRequest[];
  /** Pushes a tiny generated image (empty layer, config blob, schema 2 manifest) under `tag`. */
  seed(repository: string, tag: string): Promise<{ digest: string }>;
  close(): Promise<void>;
}

export interface TestRegistryOptions {
  ca: TestCa;
  gcp: GcpEmulator;
  /** Artifact Registry location quoted in 403 bodies (the `registry-region` input). */
  location?: string;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createNetServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

const b64url = (data: Buffer | string): string => Buffer.from(data).toString('base64url');

/** `projects/<project>/locations/<location>/repositories/<repository>` for `<project>/<repo>/<image>`. */
function arResource(repositoryPath: string, location: string): string {
  const [project = '', repository = ''] = repositoryPath.split('/');
  return `projects/${project}/locations/${location}/repositories/${repository}`;
}

// Artifact Registry's answers at its token endpoint (fixtures: SOURCES.md §4).
function unauthenticatedBody(resource: string): string {
  // registry-v2-error-403-denied.artifact-registry-token-endpoint.live-curl.json, resource replaced.
  return registryFixture(
    'registry-v2-error-403-denied.artifact-registry-token-endpoint.live-curl.json',
  ).replace(/projects\/[^"\\]+\/repositories\/[^"\\]+/, resource);
}
function permissionDeniedBody(resource: string): string {
  // The wording of docker-pull-ar-downloadArtifacts-denied.tgke-1779.txt, in the DENIED shape.
  return JSON.stringify({
    errors: [
      {
        code: 'DENIED',
        message: `Permission "artifactregistry.repositories.downloadArtifacts" denied on resource "${resource}" (or it may not exist)`,
      },
    ],
  });
}
// gcr.io/AR's answer to an expired or unknown token: "unauthorized: failed authentication"
// (docker-pull-gcr-unauthorized-failed-authentication.cloud-sdk-docker-328.txt; docker prints
// `<code lowercased>: <message>`).
const FAILED_AUTHENTICATION_BODY = JSON.stringify({
  errors: [{ code: 'UNAUTHORIZED', message: 'failed authentication' }],
});

export async function startTestRegistry({
  ca,
  gcp,
  location = 'us-central1',
}: TestRegistryOptions): Promise<TestRegistry> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bifrost-registry-'));
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'signer.key',
      '-out',
      'signer.crt',
      '-days',
      '2',
      '-subj',
      '/CN=bifrost-aks test registry token signer',
    ],
    { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const signerKey = readFileSync(path.join(dir, 'signer.key'), 'utf8');
  const signerDer = new X509Certificate(readFileSync(path.join(dir, 'signer.crt'))).raw;
  writeFileSync(path.join(dir, 'server.crt'), ca.server.cert);
  writeFileSync(path.join(dir, 'server.key'), ca.server.key, { mode: 0o600 });

  const [registryPort, tokenPort] = [await freePort(), await freePort()];
  const host = `127.0.0.1:${registryPort}`;
  const service = host;

  function signToken(repository: string, actions: string[]): string {
    const now = Math.floor(Date.now() / 1000);
    const header = { typ: 'JWT', alg: 'RS256', x5c: [signerDer.toString('base64')] };
    const claims = {
      iss: ISSUER,
      sub: 'oauth2accesstoken',
      aud: service,
      exp: now + 300,
      nbf: now - 10,
      iat: now,
      jti: randomBytes(12).toString('hex'),
      access: [{ type: 'repository', name: repository, actions }],
    };
    const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
    const signature = createSign('RSA-SHA256').update(input).sign(signerKey);
    return `${input}.${b64url(signature)}`;
  }

  const tokenRequests: TokenServiceRequest[] = [];
  const seeded = new Set<string>();
  const tokenServer = createHttpsServer({ cert: ca.server.cert, key: ca.server.key }, (req, res) => {
    const url = new URL(req.url ?? '/', `https://127.0.0.1:${tokenPort}`);
    const scope = url.searchParams.get('scope') ?? '';
    const record: TokenServiceRequest = { scope, status: 404 };
    tokenRequests.push(record);
    const answer = (status: number, body: string) => {
      record.status = status;
      sendJson(res, status, body);
    };
    if (req.method !== 'GET' || url.pathname !== '/v2/token') return answer(404, '{"errors":[]}');
    const repository = /^repository:([^:]+):/.exec(scope)?.[1] ?? '';
    const resource = arResource(repository, location);
    const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!basic) return answer(403, unauthenticatedBody(resource));
    const decoded = Buffer.from(basic, 'base64').toString('utf8');
    const user = decoded.slice(0, decoded.indexOf(':'));
    const password = decoded.slice(decoded.indexOf(':') + 1);
    record.user = user;
    const info = user === 'oauth2accesstoken' ? gcp.accessTokenInfo(password) : undefined;
    if (!info || info.expiresAt.getTime() <= Date.now()) return answer(401, FAILED_AUTHENTICATION_BODY);
    if (!gcp.isRegistryReader(info.serviceAccount) || !seeded.has(repository))
      return answer(403, permissionDeniedBody(resource));
    const token = signToken(repository, ['pull']);
    return answer(
      200,
      JSON.stringify({ token, access_token: token, expires_in: 300, issued_at: new Date().toISOString() }),
    );
  });
  await new Promise<void>((resolve) => tokenServer.listen(tokenPort, '127.0.0.1', resolve));

  const config = [
    'version: 0.1',
    'log:',
    '  level: warn',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  inmemory: {}',
    'http:',
    `  addr: ${host}`,
    '  tls:',
    `    certificate: ${path.join(dir, 'server.crt')}`,
    `    key: ${path.join(dir, 'server.key')}`,
    'auth:',
    '  token:',
    `    realm: https://127.0.0.1:${tokenPort}/v2/token`,
    `    service: ${service}`,
    `    issuer: ${ISSUER}`,
    `    rootcertbundle: ${path.join(dir, 'signer.crt')}`,
    '',
  ].join('\n');
  writeFileSync(path.join(dir, 'config.yml'), config);
  const child: ChildProcess = spawn(REGISTRY_BINARY, ['serve', path.join(dir, 'config.yml')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));

  const dispatcherFetch = caFetch(ca);
  const registryUrl = `https://${host}`;
  // Ready when /v2/ answers the Bearer challenge.
  for (let attempt = 0; ; attempt++) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited: ${stderr}`);
    const status = await dispatcherFetch(`${registryUrl}/v2/`)
      .then((r) => r.status)
      .catch(() => 0);
    if (status === 401) break;
    if (attempt > 100) throw new Error(`docker-registry did not start on ${host}: ${stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }

  async function push(repository: string, step: string, url: string, init: RequestInit): Promise<Response> {
    const token = signToken(repository, ['pull', 'push']);
    const response = await dispatcherFetch(url, {
      ...init,
      headers: { ...(init.headers as Record<string, string>), authorization: `Bearer ${token}` },
    });
    if (response.status >= 300)
      throw new Error(`seeding ${repository}: ${step} answered ${response.status}: ${await response.text()}`);
    return response;
  }

  async function uploadBlob(repository: string, blob: Buffer): Promise<string> {
    const digest = `sha256:${createHash('sha256').update(blob).digest('hex')}`;
    const started = await push(repository, 'blob upload', `${registryUrl}/v2/${repository}/blobs/uploads/`, {
      method: 'POST',
    });
    const location = new URL(started.headers.get('location') ?? '', registryUrl);
    location.searchParams.set('digest', digest);
    await push(repository, 'blob put', location.toString(), {
      method: 'PUT',
      headers: { 'content-type': 'application/octet-stream' },
      body: blob,
    });
    return digest;
  }

  return {
    host,
    tokenRequests,
    async seed(repository, tag) {
      seeded.add(repository);
      const tar = Buffer.alloc(1024); // an empty tar archive: two zero blocks
      const layer = gzipSync(tar);
      const diffId = `sha256:${createHash('sha256').update(tar).digest('hex')}`;
      const imageConfig = Buffer.from(
        JSON.stringify({
          architecture: 'amd64',
          os: 'linux',
          config: { Entrypoint: ['/app/bifrost'] },
          rootfs: { type: 'layers', diff_ids: [diffId] },
        }),
      );
      const layerDigest = await uploadBlob(repository, layer);
      const configDigest = await uploadBlob(repository, imageConfig);
      const manifest = JSON.stringify({
        schemaVersion: 2,
        mediaType: MANIFEST_MEDIA_TYPE,
        config: {
          mediaType: 'application/vnd.docker.container.image.v1+json',
          size: imageConfig.length,
          digest: configDigest,
        },
        layers: [
          {
            mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
            size: layer.length,
            digest: layerDigest,
          },
        ],
      });
      const response = await push(
        repository,
        'manifest put',
        `${registryUrl}/v2/${repository}/manifests/${tag}`,
        {
          method: 'PUT',
          headers: { 'content-type': MANIFEST_MEDIA_TYPE },
          body: manifest,
        },
      );
      return { digest: response.headers.get('docker-content-digest') ?? '' };
    },
    async close() {
      child.kill('SIGTERM');
      await exited;
      await new Promise<void>((resolve) => {
        tokenServer.closeAllConnections();
        tokenServer.close(() => resolve());
      });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A fetch for in-process test code that trusts the test CA (global fetch trusts it only through
 * NODE_EXTRA_CA_CERTS, read at process start: the action's subprocesses get that). */
export function caFetch(ca: TestCa): (url: string, init?: RequestInit) => Promise<Response> {
  return (url, init = {}) =>
    new Promise((resolve, reject) => {
      const body = init.body as Buffer | string | undefined;
      const req = httpsRequest(
        url,
        { method: init.method ?? 'GET', headers: init.headers as Record<string, string>, ca: ca.caCert },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const headers = new Headers();
            for (const [name, value] of Object.entries(res.headers))
              if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
            const status = res.statusCode ?? 0;
            const nullBody = status === 204 || status === 304 || init.method === 'HEAD';
            resolve(new Response(nullBody ? null : Buffer.concat(chunks), { status, headers }));
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
}
