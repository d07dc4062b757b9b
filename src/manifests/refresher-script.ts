// refresh.mjs: the refresher's program, as readable source text. render.ts puts it into the
// credential ConfigMap next to credential-config.json, and the CronJob's container runs it with
// the distroless Node.js image's node (`/nodejs/bin/node /etc/gcp/refresh.mjs`). It is kept as
// plain, dependency-free JavaScript so a reviewer can read exactly what runs in the cluster.
//
// Only constants are interpolated below (step lines, annotation names, the field manager);
// every per-install value reaches the script through environment variables (refresherEnv), so
// the text is the same for every install and no input can change the program.
//
// What it does (fixes of the seed's script, docs/SEED-REVIEW.md: D1, D3, D4, D12):
//   1. reads the mounted external_account credential config (URLs and audience come from it)
//      and the projected ServiceAccount token;
//   2. `entra` mode: exchanges that token at Entra ID for a managed-identity token (D1);
//   3. exchanges the subject token at Google STS, then calls IAM Credentials
//      generateAccessToken for the service account named in the config;
//   4. writes the dockerconfigjson pull Secret with one server-side apply as the pod's own
//      ServiceAccount (D4), annotated with the token's expiry (D12) and the refresher spec;
//   5. with PREVIEW_NAMESPACE_LABEL, applies the same Secret into every namespace carrying that
//      label; with ONLY_NAMESPACE, writes into that one namespace only.
// No token is passed in argv or written to disk; tokens live in memory only. Each service's
// failure is printed as its own HTTP status and body (tokens redacted), so the action's hints
// match the services' own words.
import {
  EXPIRES_AT_ANNOTATION,
  REFRESHED_AT_ANNOTATION,
  REFRESHER_FIELD_MANAGER,
  REFRESHER_SPEC_ANNOTATION,
} from './names.js';

/** The log line that starts each step, so a failure is attributable to the hop that failed. */
export const REFRESHER_STEPS = {
  checkInputs: 'step: check inputs',
  entraExchange: 'step: exchange at Entra ID',
  stsExchange: 'step: exchange at Google STS',
  accessToken: 'step: get access token',
  applySecret: 'step: apply secret',
};

/** File name of the script in the credential ConfigMap (and so in the mounted directory). */
export const REFRESHER_SCRIPT_FILE = 'refresh.mjs';

/** The program. A template literal: `\${…}` below are the script's own template expressions. */
export const REFRESHER_SCRIPT = `// refresh.mjs — pull-secret refresher rendered by bifrost-aks-deploy. Dependency-free.
// Reads only environment variables and the mounted files; writes nothing to disk.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';

const STEPS = ${JSON.stringify(REFRESHER_STEPS, null, 2)};
const FIELD_MANAGER = '${REFRESHER_FIELD_MANAGER}';
const EXPIRES_AT = '${EXPIRES_AT_ANNOTATION}';
const REFRESHED_AT = '${REFRESHED_AT_ANNOTATION}';
const REFRESHER_SPEC = '${REFRESHER_SPEC_ANNOTATION}';
const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
const CLOUD_PLATFORM = 'https://www.googleapis.com/auth/cloud-platform';
const ATTEMPTS = 4; // per request: 429, 5xx and connection errors are tried again
const REQUEST_TIMEOUT_MS = 30000;

class Failure extends Error {}
const env = process.env;

function need(name, why = '') {
  const value = env[name];
  if (!value) throw new Failure(\`environment variable \${name} is not set\${why}\`);
  return value;
}

function readText(file, what) {
  let text;
  try {
    text = readFileSync(file, 'utf8').trim();
  } catch (error) {
    throw new Failure(\`\${what} \${file} is missing or unreadable (\${error.code ?? error.message})\`);
  }
  if (!text) throw new Failure(\`\${what} \${file} is missing or empty\`);
  return text;
}

/** Tokens never reach the log, even inside a service's error body. */
function redact(text) {
  return String(text)
    .replace(/eyJ[\\w-]+\\.[\\w-]+\\.[\\w-]*/g, '<redacted JWT>')
    .replace(/ya29\\.[\\w.-]+/g, '<redacted token>')
    .replace(/("(?:access_token|accessToken|id_token|token)"\\s*:\\s*")[^"]*/g, '$1<redacted>');
}

/** HTTPS_PROXY (and NO_PROXY) for outbound HTTPS calls, through a CONNECT tunnel. */
function proxyFor(url) {
  const proxy = env.HTTPS_PROXY ?? env.https_proxy;
  if (!proxy || url.protocol !== 'https:') return undefined;
  const host = url.hostname;
  const noProxy = (env.NO_PROXY ?? env.no_proxy ?? '').split(',').map((entry) => entry.trim().replace(/^\\./, ''));
  if (noProxy.some((entry) => entry === '*' || (entry && (host === entry || host.endsWith(\`.\${entry}\`)))))
    return undefined;
  return new URL(proxy);
}

function tunnel(proxy, url) {
  return new Promise((resolve, reject) => {
    const request = http.request({
      host: proxy.hostname,
      port: proxy.port || 80,
      method: 'CONNECT',
      path: \`\${url.hostname}:\${url.port || 443}\`,
      timeout: REQUEST_TIMEOUT_MS,
    });
    request.on('connect', (response, socket) =>
      response.statusCode === 200 ? resolve(socket) : reject(new Error(\`proxy answered \${response.statusCode}\`)),
    );
    request.on('timeout', () => request.destroy(new Error('proxy timed out')));
    request.on('error', reject);
    request.end();
  });
}

/** One HTTP exchange: { status, headers, body } for any answer, or throws on connection errors. */
async function exchange(method, target, { headers = {}, body, ca } = {}) {
  const url = new URL(target);
  const client = url.protocol === 'https:' ? https : http;
  const proxy = ca ? undefined : proxyFor(url); // the API server is in-cluster: never proxied
  const socket = proxy ? await tunnel(proxy, url) : undefined; // tls.connect wraps it
  return new Promise((resolve, reject) => {
    const request = client.request(
      url,
      {
        method,
        headers: { accept: 'application/json', ...headers, ...(body ? { 'content-length': Buffer.byteLength(body) } : {}) },
        timeout: REQUEST_TIMEOUT_MS,
        ...(ca ? { ca } : {}),
        ...(socket ? { socket, agent: false } : {}),
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode, headers: response.headers, body: text }));
        response.on('error', reject);
      },
    );
    request.on('timeout', () => request.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })));
    request.on('error', reject);
    request.end(body);
  });
}

function retryDelayMs(attempt, retryAfter) {
  const seconds = Number(retryAfter);
  if (retryAfter && Number.isFinite(seconds)) return Math.min(seconds, 30) * 1000;
  const date = Date.parse(retryAfter ?? '');
  if (Number.isFinite(date)) return Math.min(Math.max(date - Date.now(), 0), 30000);
  return 500 * 2 ** (attempt - 1) * (0.5 + Math.random() / 2);
}

/** exchange(), again on 429, 5xx and connection errors, honouring Retry-After. */
async function call(service, method, target, options) {
  for (let attempt = 1; ; attempt++) {
    let response;
    let problem;
    try {
      response = await exchange(method, target, options);
      if (response.status !== 429 && response.status < 500) return response;
      problem = \`answered HTTP \${response.status}\`;
    } catch (error) {
      if (attempt >= ATTEMPTS) throw new Failure(\`could not reach \${service} at \${target}: \${error.code ?? error.message}\`);
      problem = \`could not be reached (\${error.code ?? error.message})\`;
    }
    if (attempt >= ATTEMPTS) return response;
    const delay = retryDelayMs(attempt, response?.headers['retry-after']);
    console.log(\`retry: \${service} \${problem}; trying again in \${(delay / 1000).toFixed(1)} s\`);
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

function json(response) {
  try {
    return JSON.parse(response.body);
  } catch {
    return undefined;
  }
}

function serviceFailure(service, response) {
  const body = redact(response.body.trim()).slice(0, 2000);
  return new Failure(\`\${service} answered HTTP \${response.status}\${body ? \`: \${body}\` : ''}\`);
}

function form(fields) {
  return new URLSearchParams(fields).toString();
}

// ── 1. inputs ───────────────────────────────────────────────────────────────────────────────
function readInputs() {
  console.log(STEPS.checkInputs);
  const inputs = {
    federation: need('FEDERATION_MODE'),
    namespace: need('NAMESPACE'),
    pullSecret: need('PULL_SECRET'),
    registryHost: need('REGISTRY_HOST'),
    lifetime: need('TOKEN_LIFETIME_SECONDS'),
    configFile: need('GOOGLE_APPLICATION_CREDENTIALS'),
    saTokenFile: need('SA_TOKEN_FILE'),
    spec: env.REFRESHER_SPEC ?? '',
    previewLabel: env.PREVIEW_NAMESPACE_LABEL ?? '',
    onlyNamespace: env.ONLY_NAMESPACE ?? '',
  };
  if (!/^[1-9][0-9]*$/.test(inputs.lifetime)) throw new Failure('TOKEN_LIFETIME_SECONDS is not a positive number of seconds');
  if (!['kubernetes', 'entra'].includes(inputs.federation))
    throw new Failure(\`FEDERATION_MODE must be kubernetes or entra, not '\${inputs.federation}'\`);
  let config;
  try {
    config = JSON.parse(readText(inputs.configFile, 'credential config'));
  } catch (error) {
    if (error instanceof Failure) throw new Failure(\`\${error.message} (ConfigMap not mounted?)\`);
    throw new Failure(\`credential config \${inputs.configFile} is not JSON\`);
  }
  for (const field of ['audience', 'subject_token_type', 'token_url', 'service_account_impersonation_url']) {
    if (typeof config[field] !== 'string' || !config[field]) throw new Failure(\`credential config has no \${field}\`);
  }
  inputs.config = config;
  // Read at exchange time: the kubelet rotates the projected token file.
  inputs.saToken = readText(inputs.saTokenFile, 'ServiceAccount token');
  return inputs;
}

// ── 2. Entra ID (federation: entra) ─────────────────────────────────────────────────────────
async function exchangeAtEntra(saToken) {
  const why = ' (needed in entra mode)';
  const authority = need('ENTRA_AUTHORITY_HOST', why).replace(/\\/+$/, '');
  const tenant = need('ENTRA_TENANT_ID', why);
  const clientId = need('ENTRA_CLIENT_ID', why);
  const scope = \`\${need('ENTRA_RESOURCE', why).replace(/\\/+$/, '')}/.default\`;
  const url = \`\${authority}/\${tenant}/oauth2/v2.0/token\`;
  console.log(\`\${STEPS.entraExchange}: POST \${url} (client \${clientId}, scope \${scope})\`);
  const response = await call('Entra ID', 'POST', url, {
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form({
      grant_type: 'client_credentials',
      client_id: clientId,
      scope,
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: saToken,
    }),
  });
  const answer = json(response);
  if (response.status !== 200 || !answer?.access_token) {
    const lines = [\`Entra ID answered HTTP \${response.status}\`];
    if (answer && typeof answer === 'object') {
      for (const key of ['error', 'error_description', 'error_codes'])
        if (key in answer) lines.push(\`  \${key}: \${redact(Array.isArray(answer[key]) ? answer[key].join(', ') : answer[key])}\`);
    } else {
      lines.push(\`  body (not JSON): \${redact(response.body).slice(0, 500)}\`);
    }
    throw new Failure(lines.join('\\n'));
  }
  console.log(\`Entra ID token received, held in memory (expires in \${answer.expires_in ?? '?'} s)\`);
  return answer.access_token;
}

// ── 3. Google STS, then IAM Credentials ─────────────────────────────────────────────────────
async function googleAccessToken(config, subjectToken, lifetime) {
  console.log(\`\${STEPS.stsExchange}: POST \${config.token_url} (audience \${config.audience})\`);
  const sts = await call('Google STS', 'POST', config.token_url, {
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form({
      grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
      audience: config.audience,
      scope: CLOUD_PLATFORM,
      requested_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      subject_token: subjectToken,
      subject_token_type: config.subject_token_type,
    }),
  });
  const federated = json(sts)?.access_token;
  if (sts.status !== 200 || !federated) throw serviceFailure('Google STS', sts);

  const url = config.service_account_impersonation_url;
  console.log(\`\${STEPS.accessToken}: POST \${url} (service account impersonation, lifetime \${lifetime} s)\`);
  const iam = await call('IAM Credentials', 'POST', url, {
    headers: { 'content-type': 'application/json', authorization: \`Bearer \${federated}\` },
    body: JSON.stringify({ scope: [CLOUD_PLATFORM], lifetime: \`\${lifetime}s\` }),
  });
  const token = json(iam)?.accessToken;
  if (iam.status !== 200 || !token) throw serviceFailure('IAM Credentials', iam);
  return token;
}

// ── 4. the pull Secret, through the API server as the pod's ServiceAccount ─────────────────
function apiServer() {
  const host = need('KUBERNETES_SERVICE_HOST', ' (not running in a pod?)');
  const port = env.KUBERNETES_SERVICE_PORT || '443';
  return {
    base: \`https://\${host.includes(':') ? \`[\${host}]\` : host}:\${port}\`,
    token: readText(\`\${SERVICE_ACCOUNT_DIR}/token\`, 'ServiceAccount API token'),
    ca: readText(\`\${SERVICE_ACCOUNT_DIR}/ca.crt\`, 'cluster CA'),
  };
}

async function kube(api, method, path, body, contentType) {
  return call('the API server', method, \`\${api.base}\${path}\`, {
    ca: api.ca,
    headers: { authorization: \`Bearer \${api.token}\`, ...(contentType ? { 'content-type': contentType } : {}) },
    body,
  });
}

function kubeMessage(response) {
  const status = json(response);
  return redact(status?.message ?? response.body.trim()).slice(0, 1000);
}

async function applySecret(api, namespace, inputs, secret) {
  const body = JSON.stringify({ ...secret, metadata: { ...secret.metadata, namespace } });
  const path =
    \`/api/v1/namespaces/\${encodeURIComponent(namespace)}/secrets/\${encodeURIComponent(inputs.pullSecret)}\` +
    \`?fieldManager=\${FIELD_MANAGER}&force=true\`;
  // Server-side apply: creates the Secret, or replaces the token in place (D4).
  return kube(api, 'PATCH', path, body, 'application/apply-patch+yaml');
}

function pullSecret(inputs, token, refreshedAt, expiresAt) {
  const auth = Buffer.from(\`oauth2accesstoken:\${token}\`).toString('base64');
  const dockerConfig = { auths: { [inputs.registryHost]: { username: 'oauth2accesstoken', password: token, auth } } };
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: inputs.pullSecret,
      annotations: {
        [EXPIRES_AT]: expiresAt,
        [REFRESHED_AT]: refreshedAt,
        ...(inputs.spec ? { [REFRESHER_SPEC]: inputs.spec } : {}),
      },
    },
    type: 'kubernetes.io/dockerconfigjson',
    data: { '.dockerconfigjson': Buffer.from(JSON.stringify(dockerConfig)).toString('base64') },
  };
}

/** Namespaces of the previews served by this production namespace (by label). */
async function previewNamespaces(api, selector, own) {
  const response = await kube(api, 'GET', \`/api/v1/namespaces?labelSelector=\${encodeURIComponent(selector)}\`);
  if (response.status !== 200) {
    console.log(\`warning: could not list preview namespaces (\${selector}): HTTP \${response.status}: \${kubeMessage(response)}\`);
    return [];
  }
  return (json(response)?.items ?? []).map((ns) => ns.metadata?.name).filter((name) => name && name !== own);
}

async function main() {
  const inputs = readInputs();
  const subjectToken = inputs.federation === 'entra' ? await exchangeAtEntra(inputs.saToken) : inputs.saToken;
  const requestedAt = Math.floor(Date.now() / 1000);
  const token = await googleAccessToken(inputs.config, subjectToken, inputs.lifetime);
  const iso = (seconds) => new Date(seconds * 1000).toISOString().replace(/\\.\\d{3}Z$/, 'Z');
  const refreshedAt = iso(requestedAt);
  const expiresAt = iso(requestedAt + Number(inputs.lifetime));
  const secret = pullSecret(inputs, token, refreshedAt, expiresAt);

  const target = inputs.onlyNamespace || inputs.namespace;
  console.log(\`\${STEPS.applySecret}: server-side apply of \${target}/\${inputs.pullSecret} for \${inputs.registryHost}\`);
  const api = apiServer();
  const own = await applySecret(api, target, inputs, secret);
  if (own.status !== 200 && own.status !== 201) {
    throw new Failure(
      \`could not apply Secret \${target}/\${inputs.pullSecret}: HTTP \${own.status}: \${kubeMessage(own)}\` +
        ' (RBAC: the refresher\\'s Role must allow get/patch on it and create on secrets)',
    );
  }
  console.log(\`Secret \${target}/\${inputs.pullSecret} refreshed; expires \${expiresAt}\`);

  if (inputs.onlyNamespace || !inputs.previewLabel) return;
  for (const namespace of await previewNamespaces(api, inputs.previewLabel, inputs.namespace)) {
    const answer = await applySecret(api, namespace, inputs, secret);
    if (answer.status === 200 || answer.status === 201)
      console.log(\`Secret \${namespace}/\${inputs.pullSecret} refreshed for a preview; expires \${expiresAt}\`);
    else console.log(\`warning: preview namespace \${namespace} refused Secret \${inputs.pullSecret}: HTTP \${answer.status}: \${kubeMessage(answer)}\`);
  }
}

main().catch((error) => {
  console.error(\`error: \${error instanceof Failure ? error.message : redact(error?.stack ?? error)}\`);
  process.exitCode = 1;
});
`;
