// Action inputs → typed Settings. Every value is checked here, once, against the form the
// services accept; all problems are collected and reported together in one InputError.
// getInput is passed in (main passes core.getInput) so tests need no INPUT_* juggling.
import { AZURE_CLOUDS } from './clouds.js';
import { createHash } from 'node:crypto';
import { readFileSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import {
  DEFAULT_IAM_CREDENTIALS_URL,
  DEFAULT_STS_URL,
  bifrostImage,
  defaultWorkloadIdentityPool,
  defaultWorkloadIdentityProvider,
  registryHostForRegion,
} from '../manifests/gcp.js';
import { looksInline } from '../report/redact.js';
import { DEFAULT_REFRESHER_IMAGE, isGcloudRefresherImage } from '../manifests/refresher.js';
import type {
  AzureSettings,
  BifrostConfig,
  FederationMode,
  Mode,
  PodSecurityLevel,
  Settings,
} from './settings.js';
import { defaultPreviewNamespace, type PreviewSettings, type SweepSettings } from '../manifests/preview.js';

/** Defaults, identical to action.yml's (a unit test compares them). An empty default means
 * "required" or "derived from another input" — see DERIVED_DEFAULTS. */
export const INPUT_DEFAULTS = {
  // identity
  'tenant-id': '',
  'client-id': '',
  'hub-slug': '',
  'gcp-project-id': '',
  'gcp-project-number': '',
  'gcp-service-account': '',
  'workload-identity-pool': '',
  'workload-identity-provider': '',
  'registry-region': '',
  'registry-host': '',
  federation: 'kubernetes',
  'entra-resource': '',
  'entra-authority-host': '',
  'sts-url': DEFAULT_STS_URL,
  'iam-credentials-url': DEFAULT_IAM_CREDENTIALS_URL,
  // workload
  namespace: 'bifrost',
  'service-account-name': 'bifrost-sa',
  'config-secret-name': 'bifrost-config',
  'image-tag': 'latest',
  replicas: '1',
  config: '',
  'cpu-request': '250m',
  'memory-request': '512Mi',
  'cpu-limit': '1000m',
  'memory-limit': '2Gi',
  'refresh-schedule': '*/30 * * * *',
  'refresher-image': DEFAULT_REFRESHER_IMAGE,
  'serve-previews': 'false',
  'pod-security': 'restricted',
  // cluster
  kubeconfig: '',
  // Azure
  'subscription-id': '',
  'resource-group': '',
  'cluster-name': '',
  admin: 'false',
  'azure-environment': 'AzureCloud',
  'resource-manager-url': '',
  'authority-host': '',
  'aks-server-app-id': '6dae42f8-4368-4678-94ff-3960e28e3630',
  'identity-name': 'bifrost-pull-identity',
  'identity-resource-group': '',
  'federated-credential-name': 'bifrost-federated-credential',
  'manage-federated-credential': 'false',
  'azure-credential': 'auto',
  'login-client-id': '',
  // control
  mode: 'deploy',
  timeout: '10m',
  wait: 'true',
  'force-conflicts': 'false',
  'force-refresh': 'false',
  // pull-request previews (src/preview.ts)
  preview: '',
  'preview-namespace': '',
  'preview-commit': '',
  'ingress-host': '',
  'max-age': '14d',
  'dry-run': 'false',
  'github-token': '',
  // preflight (issue 10)
  preflight: 'true',
  'pin-digest': 'false',
} as const;

export type InputName = keyof typeof INPUT_DEFAULTS;

/** Inputs that must be set in every mode (verify compares the cluster against them). */
export const REQUIRED_INPUTS: readonly InputName[] = [
  'tenant-id',
  'client-id',
  'hub-slug',
  'gcp-project-id',
  'gcp-project-number',
  'gcp-service-account',
  'registry-region',
];

/** Inputs whose empty value means "derive from another input". */
export const DERIVED_DEFAULTS: Partial<Record<InputName, string>> = {
  'workload-identity-pool': '`<hub-slug>-azure-pool`',
  'workload-identity-provider': '`<hub-slug>-azure-provider`',
  'registry-host': '`<registry-region>-docker.pkg.dev`',
  'entra-authority-host': 'the `authority-host` of `azure-environment`',
  'resource-manager-url': 'from `azure-environment`',
  'authority-host': 'from `azure-environment`',
  'identity-resource-group': 'the `resource-group` input',
};

/** Kubernetes Secrets hold at most 1 MiB. */
const MAX_CONFIG_BYTES = 1024 * 1024;
/** `timeout` bounds: shorter cannot even apply; AbortSignal.timeout overflows past ~24 days. */
const MIN_TIMEOUT_SECONDS = 10;
const MAX_TIMEOUT_SECONDS = 6 * 3600;
const MAX_REPLICAS = 100;
/** Gateway resources: at least what the Bifrost process needs to start, at most a large node. */
const CPU_BOUNDS = { min: 0.01, max: 64, text: 'from 10m to 64' };
const MEMORY_BOUNDS = { min: 64 * 2 ** 20, max: 256 * 2 ** 30, text: 'from 64Mi to 256Gi' };
const GCP_ACCESS_TOKEN_LIFETIME_SECONDS = 3600; // D12: generateAccessToken's default lifetime

export interface InputProblem {
  input: string; // the input's name (or the environment variable's)
  problem: string; // what is wrong with the value; never the value of a secret input
  expected: string; // the accepted form
}

/** Every invalid input of one run, reported together. */
export class InputError extends Error {
  readonly problems: InputProblem[];

  constructor(problems: InputProblem[]) {
    const lines = problems.map((p) => `- ${p.input}: ${p.problem}. Expected ${p.expected}.`);
    super(`Invalid action inputs (${problems.length}):\n${lines.join('\n')}`);
    this.name = 'InputError';
    this.problems = problems;
  }
}

// ---------------------------------------------------------------------------------------------
// Value forms. Each rule says what it accepts in words, for the error message.

interface Rule {
  accepts: (value: string) => boolean;
  problem: string; // "is not a GUID"
  expected: string; // "a GUID such as …"
}

const regexRule = (re: RegExp, problem: string, expected: string): Rule => ({
  accepts: (v) => re.test(v),
  problem,
  expected,
});

const GUID = regexRule(
  /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/,
  'is not a GUID',
  'a GUID such as 72f988bf-86f1-41af-91ab-2d7cd011db47',
);

const DNS_LABEL = regexRule(
  /^(?=.{1,63}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?$/,
  'is not a DNS-1123 label',
  'at most 63 lowercase letters, digits and "-", starting and ending with a letter or digit',
);

const DNS_SUBDOMAIN = regexRule(
  /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/,
  'is not a Kubernetes object name (DNS-1123 subdomain)',
  'at most 253 lowercase letters, digits, "-" and ".", starting and ending with a letter or digit',
);

// Artifact Registry repository ids: lowercase letters, digits and hyphens, starting with a letter.
const HUB_SLUG = regexRule(
  /^(?=.{1,63}$)[a-z]([a-z0-9-]*[a-z0-9])?$/,
  'is not a valid hub slug',
  'lowercase letters, digits and "-", starting with a letter and ending with a letter or digit (the Artifact Registry repository name)',
);

const GCP_PROJECT_ID = regexRule(
  /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/,
  'is not a GCP project ID',
  '6–30 lowercase letters, digits and "-", starting with a letter, e.g. my-project-123',
);

const GCP_PROJECT_NUMBER = regexRule(
  /^[1-9][0-9]{0,19}$/,
  'is not a GCP project number',
  'the project number, digits only, e.g. 123456789012',
);

const GCP_SERVICE_ACCOUNT = regexRule(
  /^[a-z][a-z0-9-]{4,28}[a-z0-9]@[a-z][a-z0-9-]{4,28}[a-z0-9]\.iam\.gserviceaccount\.com$/,
  'is not a GCP service account email',
  'name@project.iam.gserviceaccount.com',
);

// Workload identity pool and provider ids: 4–32 characters; the `gcp-` prefix is reserved.
const WORKLOAD_IDENTITY_ID = regexRule(
  /^(?!gcp-)[a-z0-9-]{4,32}$/,
  'is not a workload identity pool/provider ID',
  '4–32 lowercase letters, digits and "-", not starting with "gcp-"',
);

const GCP_REGION = regexRule(
  /^([a-z]+-[a-z]+[0-9]{1,2}|us|europe|asia)$/,
  'is not an Artifact Registry location',
  'a region such as us-central1 or europe-west4, or a multi-region: us, europe, asia',
);

const REGISTRY_HOST: Rule = {
  accepts: (v) => {
    const match = /^(?=[^:]{1,253}(?::|$))[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?(?::(?<port>[0-9]{1,5}))?$/.exec(v);
    const port = match?.groups?.port;
    return match !== null && (port === undefined || (Number(port) >= 1 && Number(port) <= 65535));
  },
  problem: 'is not a registry host',
  expected: 'a host name with an optional port (1–65535), e.g. us-central1-docker.pkg.dev or 127.0.0.1:5000',
};

// Docker tag grammar, or a digest to pin the verified image (D9).
const IMAGE_TAG = regexRule(
  /^([A-Za-z0-9_][A-Za-z0-9_.-]{0,127}|sha256:[a-f0-9]{64})$/,
  'is not an image tag or digest',
  'a tag of letters, digits, "_", "." and "-" (at most 128, not starting with "." or "-"), or a digest sha256:<64 hex>',
);

const IMAGE_REFERENCE = regexRule(
  /^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]{1,5})?(\/[a-z0-9]+([._-]+[a-z0-9]+)*)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[a-f0-9]{64})?$/,
  'is not an image reference',
  'registry/path/name[:tag][@sha256:digest], e.g. gcr.io/distroless/nodejs22-debian12:nonroot',
);

// Azure naming rules (Microsoft.Resources and Microsoft.ContainerService / ManagedIdentity docs).
const RESOURCE_GROUP = regexRule(
  /^(?=.{1,90}$)[-\w.()]*[-\w()]$/,
  'is not a resource group name',
  'at most 90 letters, digits, "_", "-", ".", "(" and ")", not ending with "."',
);

const AKS_CLUSTER_NAME = regexRule(
  /^(?=.{1,63}$)[A-Za-z0-9]([A-Za-z0-9_-]*[A-Za-z0-9])?$/,
  'is not an AKS cluster name',
  'at most 63 letters, digits, "_" and "-", starting and ending with a letter or digit',
);

const IDENTITY_NAME = regexRule(
  /^(?=.{3,128}$)[A-Za-z0-9][A-Za-z0-9_-]*$/,
  'is not a managed identity name',
  '3–128 letters, digits, "_" and "-", starting with a letter or digit',
);

const FEDERATED_CREDENTIAL_NAME = regexRule(
  /^(?=.{3,120}$)[A-Za-z0-9][A-Za-z0-9_-]*$/,
  'is not a federated credential name',
  '3–120 letters, digits, "_" and "-", starting with a letter or digit',
);

// The resource the managed-identity token is requested for; the refresher appends /.default.
const ENTRA_RESOURCE: Rule = {
  accepts: (v) =>
    !/\/\.default$/.test(v) && (GUID.accepts(v) || /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^\s"'\\`$]+$/.test(v)),
  problem: 'is not an Entra resource (App ID URI or application ID)',
  expected:
    'an App ID URI such as api://<app-id> or https://host/path, or an application GUID, without /.default',
};

const BOOLEAN = regexRule(/^(true|True|TRUE|false|False|FALSE)$/, 'is not a boolean', 'true or false');

const REPLICAS: Rule = {
  accepts: (v) => /^[0-9]{1,3}$/.test(v) && Number(v) <= MAX_REPLICAS,
  problem: 'is not a whole number from 0 to 100',
  expected: `an integer from 0 to ${MAX_REPLICAS}`,
};

const RUN_ID = regexRule(
  /^[a-z0-9-]{1,20}$/,
  'is not usable in a Job name',
  'up to 20 lowercase letters, digits and "-" (GitHub sets digits)',
);

/** An https URL, or http on loopback only (emulators in tests), without credentials. */
const ENDPOINT_URL: Rule = {
  accepts: (v) => {
    let url: URL;
    try {
      url = new URL(v);
    } catch {
      return false;
    }
    // Plain URL characters only: the value also reaches the refresher's environment.
    if (!/^[A-Za-z0-9\-._~:/?&=%[\]@+,;]+$/.test(v)) return false;
    if (url.username || url.password || url.hash) return false;
    if (url.protocol === 'https:') return true;
    return url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  },
  problem: 'is not an endpoint URL',
  expected: 'an https:// URL (http:// only on 127.0.0.1/localhost), without user info or #fragment',
};

const enumRule = <T extends string>(values: readonly T[]): Rule => ({
  accepts: (v) => (values as readonly string[]).includes(v),
  problem: 'is not one of the accepted values',
  expected: `one of: ${values.join(', ')}`,
});

// Durations as GitHub users write them: 90s, 10m, 1h, 1h30m; the run's limit is bounded.
const TIMEOUT: Rule = {
  accepts: (v) => {
    const seconds = parseDurationSeconds(v);
    return seconds !== undefined && seconds >= MIN_TIMEOUT_SECONDS && seconds <= MAX_TIMEOUT_SECONDS;
  },
  problem: 'is not a duration from 10s to 6h',
  expected: 'hours/minutes/seconds such as 90s, 10m, 1h or 1h30m, from 10s to 6h',
};

export function parseDurationSeconds(value: string): number | undefined {
  const match = /^(?:([0-9]{1,6})h)?(?:([0-9]{1,6})m)?(?:([0-9]{1,7})s)?$/.exec(value);
  if (!match || value === '') return undefined;
  const [, h = '0', m = '0', s = '0'] = match;
  const seconds = Number(h) * 3600 + Number(m) * 60 + Number(s);
  return seconds > 0 ? seconds : undefined;
}

// Kubernetes quantities (resource.Quantity) without sign, e.g. 250m, 0.5, 512Mi, 2Gi, 1e3.
const QUANTITY_SUFFIX: Record<string, number> = {
  '': 1,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

export function parseQuantity(value: string): number | undefined {
  const match = /^([0-9]+(?:\.[0-9]+)?|\.[0-9]+)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei|[eE][+-]?[0-9]+)?$/.exec(
    value,
  );
  if (!match) return undefined;
  const [, number, suffix = ''] = match;
  const scale = /^[eE]/.test(suffix) ? 10 ** Number(suffix.slice(1)) : QUANTITY_SUFFIX[suffix];
  return Number(number) * (scale ?? NaN);
}

const within = (value: number | undefined, bounds: { min: number; max: number }): boolean =>
  value !== undefined && value >= bounds.min && value <= bounds.max;

const CPU_QUANTITY: Rule = {
  accepts: (v) => v.length <= 20 && within(parseQuantity(v), CPU_BOUNDS),
  problem: `is not a CPU quantity ${CPU_BOUNDS.text}`,
  expected: `a Kubernetes quantity such as 250m, 0.5 or 2, ${CPU_BOUNDS.text}`,
};

// A lowercase `m` on memory means milli-bytes: almost always a typo for Mi.
const MEMORY_QUANTITY: Rule = {
  accepts: (v) => v.length <= 20 && !v.endsWith('m') && within(parseQuantity(v), MEMORY_BOUNDS),
  problem: `is not a memory quantity ${MEMORY_BOUNDS.text}`,
  expected: `a Kubernetes quantity in bytes such as 512Mi, 2Gi or 1G (not "m", which means milli-bytes), ${MEMORY_BOUNDS.text}`,
};

// Five-field cron as the CronJob controller reads it (robfig/cron standard parser).
const CRON_FIELDS = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31, question: true },
  {
    name: 'month',
    min: 1,
    max: 12,
    names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'],
  },
  {
    name: 'day of week',
    min: 0,
    max: 7,
    names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'],
    question: true,
  },
] as const;

function cronFieldAccepts(field: (typeof CRON_FIELDS)[number], text: string): boolean {
  const names: readonly string[] = 'names' in field ? field.names : [];
  const offset = field.name === 'month' ? 1 : 0;
  const toNumber = (part: string): number | undefined => {
    if (/^[0-9]{1,2}$/.test(part)) return Number(part);
    const index = names.indexOf(part.toUpperCase());
    return index >= 0 ? index + offset : undefined;
  };
  return text.split(',').every((item) => {
    const [range, step, extra] = item.split('/');
    if (extra !== undefined) return false;
    if (step !== undefined && !/^[1-9][0-9]*$/.test(step)) return false;
    if (range === '*' || ('question' in field && range === '?')) return true;
    const bounds = (range ?? '').split('-');
    if (bounds.length > 2) return false;
    const numbers = bounds.map(toNumber);
    if (numbers.some((n) => n === undefined || n < field.min || n > field.max)) return false;
    return numbers.length === 1 || (numbers[0] as number) <= (numbers[1] as number);
  });
}

const CRON: Rule = {
  accepts: (v) => {
    const fields = v.split(/\s+/);
    return fields.length === 5 && fields.every((f, i) => cronFieldAccepts(CRON_FIELDS[i], f));
  },
  problem: 'is not a 5-field cron schedule',
  expected: 'minute hour day-of-month month day-of-week, e.g. */30 * * * *',
};

// ---------------------------------------------------------------------------------------------

type GetInput = (name: string) => string;

/** Reads inputs, applies defaults and collects problems instead of stopping at the first. */
class InputReader {
  readonly problems: InputProblem[] = [];

  constructor(private readonly getInput: GetInput) {}

  /** The trimmed value, or the input's default when empty. */
  raw(name: InputName): string {
    const value = (this.getInput(name) ?? '').trim();
    return value === '' ? INPUT_DEFAULTS[name] : value;
  }

  report(input: string, problem: string, expected: string): void {
    this.problems.push({ input, problem, expected });
  }

  /** The value if it fits the rule (or is empty and optional); else records the problem. */
  checked(name: InputName, rule: Rule, options: { required?: boolean; fallback?: string } = {}): string {
    const value = this.raw(name) || options.fallback || '';
    if (value === '') {
      if (options.required) this.report(name, 'is required but empty', rule.expected);
      return '';
    }
    if (!rule.accepts(value)) this.report(name, `${quote(value)} ${rule.problem}`, rule.expected);
    return value;
  }

  boolean(name: InputName): boolean {
    return this.checked(name, BOOLEAN).toLowerCase() === 'true';
  }

  oneOf<T extends string>(name: InputName, values: readonly T[]): T {
    return this.checked(name, enumRule(values)) as T;
  }
}

/** Values in messages: JSON-quoted (newlines visible) and cut short. Never used for secrets. */
function quote(value: string): string {
  const shown = value.length > 80 ? `${value.slice(0, 77)}...` : value;
  return JSON.stringify(shown);
}

const optional = (value: string): string | undefined => (value === '' ? undefined : value);

export function readSettings(getInput: GetInput, env: NodeJS.ProcessEnv): Settings {
  const inputs = new InputReader(getInput);
  const required = { required: true };

  // Every mode needs the identity inputs: verify compares the cluster against them.
  const mode = inputs.oneOf<Mode>('mode', ['deploy', 'render', 'verify', 'teardown', 'sweep']);

  // Identity
  const hubSlug = inputs.checked('hub-slug', HUB_SLUG, required);
  const slugForDefaults = HUB_SLUG.accepts(hubSlug) ? hubSlug : ''; // reported once, above
  const registryRegion = inputs.checked('registry-region', GCP_REGION, required);
  const federation = inputs.oneOf<FederationMode>('federation', ['kubernetes', 'entra']);
  const environment = inputs.oneOf<AzureSettings['environment']>('azure-environment', [
    'AzureCloud',
    'AzureChinaCloud',
    'AzureUSGovernment',
  ]);
  const cloud = AZURE_CLOUDS[environment] ?? AZURE_CLOUDS.AzureCloud;
  const authorityHost = inputs.checked('authority-host', ENDPOINT_URL, { fallback: cloud.authorityHost });

  const identity: Settings['identity'] = {
    tenantId: inputs.checked('tenant-id', GUID, required).toLowerCase(),
    clientId: inputs.checked('client-id', GUID, required).toLowerCase(),
    hubSlug,
    gcpProjectId: inputs.checked('gcp-project-id', GCP_PROJECT_ID, required),
    gcpProjectNumber: inputs.checked('gcp-project-number', GCP_PROJECT_NUMBER, required),
    gcpServiceAccount: inputs.checked('gcp-service-account', GCP_SERVICE_ACCOUNT, required),
    workloadIdentityPool: derivedWorkloadIdentityId(
      inputs,
      'workload-identity-pool',
      slugForDefaults && defaultWorkloadIdentityPool(slugForDefaults),
    ),
    workloadIdentityProvider: derivedWorkloadIdentityId(
      inputs,
      'workload-identity-provider',
      slugForDefaults && defaultWorkloadIdentityProvider(slugForDefaults),
    ),
    registryRegion,
    registryHost: inputs.checked('registry-host', REGISTRY_HOST, {
      fallback: registryRegion && registryHostForRegion(registryRegion),
    }),
    federation,
    entraResource: inputs.checked('entra-resource', ENTRA_RESOURCE, {
      required: federation === 'entra',
    }),
    entraAuthorityHost: trimSlash(
      inputs.checked('entra-authority-host', ENDPOINT_URL, { fallback: authorityHost }),
    ),
    stsUrl: inputs.checked('sts-url', ENDPOINT_URL),
    iamCredentialsUrl: trimSlash(inputs.checked('iam-credentials-url', ENDPOINT_URL)),
  };

  // Workload
  const imageTag = inputs.checked('image-tag', IMAGE_TAG);
  const resources = {
    requests: {
      cpu: inputs.checked('cpu-request', CPU_QUANTITY),
      memory: inputs.checked('memory-request', MEMORY_QUANTITY),
    },
    limits: {
      cpu: inputs.checked('cpu-limit', CPU_QUANTITY),
      memory: inputs.checked('memory-limit', MEMORY_QUANTITY),
    },
  };
  checkRequestWithinLimit(inputs, 'cpu', resources.requests.cpu, resources.limits.cpu);
  checkRequestWithinLimit(inputs, 'memory', resources.requests.memory, resources.limits.memory);

  const workload: Settings['workload'] = {
    image: bifrostImage(identity, imageTag),
    imageTag,
    replicas: Number(inputs.checked('replicas', REPLICAS)),
    config: readBifrostConfig(inputs, env),
    resources,
    refreshSchedule: inputs.checked('refresh-schedule', CRON).split(/\s+/).join(' '),
    refresherImage: readRefresherImage(inputs),
    servePreviews: inputs.boolean('serve-previews'),
    tokenLifetimeSeconds: GCP_ACCESS_TOKEN_LIFETIME_SECONDS,
    podSecurity: inputs.oneOf<PodSecurityLevel>('pod-security', ['restricted', 'baseline', 'none']),
  };

  const names: Settings['names'] = {
    namespace: inputs.checked('namespace', DNS_LABEL),
    refresherServiceAccount: inputs.checked('service-account-name', DNS_SUBDOMAIN),
    gatewayServiceAccount: 'bifrost-gateway',
    credentialConfigMap: 'gcp-credential-config',
    cronJob: 'refresh-ar-secret',
    pullSecret: 'ar-pull-secret',
    configSecret: inputs.checked('config-secret-name', DNS_SUBDOMAIN),
    role: 'secret-manager',
    roleBinding: 'secret-manager-binding',
    deployment: 'bifrost',
    service: 'bifrost',
  };
  checkDistinctNames(inputs, names);

  const azure = readAzureSettings(inputs, environment, authorityHost);
  const kubeconfig = readKubeconfig(inputs);

  const timeout = inputs.checked('timeout', TIMEOUT);
  const control: Settings['control'] = {
    timeoutSeconds: (TIMEOUT.accepts(timeout) && parseDurationSeconds(timeout)) || 600,
    wait: inputs.boolean('wait'),
    forceConflicts: inputs.boolean('force-conflicts'),
    forceRefresh: inputs.boolean('force-refresh'),
    fieldManager: 'bifrost-aks-deploy',
    runId: readEnv(inputs, env, 'GITHUB_RUN_ID', 'local'),
    runAttempt: readEnv(inputs, env, 'GITHUB_RUN_ATTEMPT', '1'),
  };

  const preview = readPreviewSettings(inputs, env, mode, names.namespace);
  const sweep = readSweepSettings(inputs, env, mode);
  const preflight: Settings['preflight'] = {
    enabled: inputs.boolean('preflight'),
    pinDigest: inputs.boolean('pin-digest'),
  };
  if (preflight.pinDigest && !preflight.enabled)
    inputs.report(
      'pin-digest',
      'is true but `preflight` is false',
      'preflight: true (the digest comes from it)',
    );

  if (inputs.problems.length > 0) throw new InputError(inputs.problems);
  return {
    mode,
    names,
    identity,
    workload,
    azure,
    control,
    preflight,
    ...(kubeconfig ? { kubeconfig } : {}),
    ...(preview ? { preview } : {}),
    ...(sweep ? { sweep } : {}),
  };
}

/** The refresher runs `node refresh.mjs`: an old gcloud + kubectl image has no node to run it. */
function readRefresherImage(inputs: InputReader): string {
  const image = inputs.checked('refresher-image', IMAGE_REFERENCE);
  if (isGcloudRefresherImage(image)) {
    inputs.report(
      'refresher-image',
      `${quote(image)} is a gcloud image: the refresher is now a Node.js script (refresh.mjs) run by ` +
        '/nodejs/bin/node, which gcloud images do not have',
      `an image with node at /nodejs/bin/node; leave the input empty for the default ${DEFAULT_REFRESHER_IMAGE} ` +
        '(or mirror that image into your registry and give its reference)',
    );
  }
  return image;
}

/** Pool/provider ids: explicit, or derived from the hub slug (which can make them too long). */
function derivedWorkloadIdentityId(inputs: InputReader, name: InputName, derived: string): string {
  const explicit = inputs.raw(name);
  if (explicit !== '' || derived === '') return inputs.checked(name, WORKLOAD_IDENTITY_ID);
  if (!WORKLOAD_IDENTITY_ID.accepts(derived)) {
    inputs.report(
      name,
      `the default derived from hub-slug, ${quote(derived)}, ${WORKLOAD_IDENTITY_ID.problem}`,
      `${WORKLOAD_IDENTITY_ID.expected}; set ${name} to the ID the Bifrost team gave you`,
    );
  }
  return derived;
}

function checkRequestWithinLimit(
  inputs: InputReader,
  resource: string,
  request: string,
  limit: string,
): void {
  const requested = parseQuantity(request);
  const limited = parseQuantity(limit);
  if (requested === undefined || limited === undefined) return; // already reported
  if (requested > limited) {
    inputs.report(
      `${resource}-request`,
      `${quote(request)} is more than ${resource}-limit ${quote(limit)}`,
      'a request no larger than its limit (Kubernetes rejects the pod otherwise)',
    );
  }
}

/**
 * `config`: inline JSON, or the path of a file in the workspace. The content is secret (provider
 * keys): errors name the input and a position, never the text — nor the value itself, which may
 * be a key pasted by mistake.
 */
function readBifrostConfig(inputs: InputReader, env: NodeJS.ProcessEnv): BifrostConfig | undefined {
  const value = inputs.raw('config');
  if (value === '') return undefined;
  const expected =
    'inline JSON holding a Bifrost config.json object ({...}), or the path of such a JSON file inside the workspace';

  let json = value;
  if (!looksInline(value)) {
    const file = readWorkspaceFile(inputs, env, value, expected);
    if (file === undefined) return undefined;
    json = file;
  }
  if (Buffer.byteLength(json, 'utf8') > MAX_CONFIG_BYTES) {
    inputs.report('config', 'the JSON is larger than 1 MiB, the limit of a Kubernetes Secret', expected);
    return undefined;
  }

  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (error) {
    inputs.report('config', `is not valid JSON${jsonErrorPosition(json, error)}`, expected);
    return undefined;
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    const kind = parsed === null ? 'null' : Array.isArray(parsed) ? 'an array' : `a ${typeof parsed}`;
    inputs.report('config', `is JSON but ${kind}, not an object`, expected);
    return undefined;
  }
  return {
    json,
    sha256: createHash('sha256').update(json, 'utf8').digest('hex'),
    hasPostgresConfigStore: hasPostgresConfigStore(parsed as Record<string, unknown>),
  };
}

/**
 * The text of a `config` file, confined to GITHUB_WORKSPACE: the path is resolved with its
 * symlinks, must stay inside the (resolved) workspace, and must be a regular file of at most 1 MiB
 * — checked with stat before reading, so a named pipe cannot hang the run nor /dev/zero fill memory.
 */
function readWorkspaceFile(
  inputs: InputReader,
  env: NodeJS.ProcessEnv,
  value: string,
  expected: string,
): string | undefined {
  const refuse = (problem: string): undefined => {
    inputs.report('config', problem, expected);
    return undefined;
  };
  let workspace: string;
  let file: string;
  try {
    workspace = realpathSync(env.GITHUB_WORKSPACE || process.cwd());
  } catch {
    return refuse('names a file, but the workspace (GITHUB_WORKSPACE) does not exist');
  }
  try {
    file = realpathSync(path.resolve(workspace, value));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    return refuse(`is not inline JSON, and no such file exists in the workspace (${code})`);
  }
  const relative = path.relative(workspace, file);
  if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) {
    return refuse('names a file outside the workspace (after resolving symlinks)');
  }
  try {
    const stats = statSync(file);
    if (!stats.isFile()) return refuse('names something in the workspace that is not a regular file');
    if (stats.size > MAX_CONFIG_BYTES) {
      return refuse('names a file larger than 1 MiB, the limit of a Kubernetes Secret');
    }
    return readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    return refuse(`names a file in the workspace that cannot be read (${code})`);
  }
}

/** Objects the action names itself must not collide with the names the user chooses. */
function checkDistinctNames(inputs: InputReader, names: Settings['names']): void {
  if (names.refresherServiceAccount === names.gatewayServiceAccount) {
    inputs.report(
      'service-account-name',
      `is ${quote(names.refresherServiceAccount)}, the name of the gateway's ServiceAccount`,
      'another name: the refresher may write the pull secret, the gateway must not (D5)',
    );
  }
  if (names.configSecret === names.pullSecret) {
    inputs.report(
      'config-secret-name',
      `is ${quote(names.configSecret)}, the name of the pull secret the refresher writes`,
      'another name: the provider keys must not sit in the Secret the refresher may read and patch',
    );
  }
}

/** Bifrost's schema: `config_store: {enabled: boolean, type: "sqlite" | "postgres", config}`. */
export function hasPostgresConfigStore(config: Record<string, unknown>): boolean {
  const store = config.config_store;
  if (store === null || typeof store !== 'object') return false;
  const { enabled, type } = store as Record<string, unknown>;
  return enabled === true && type === 'postgres';
}

/** " at line L, column C" from V8's message, which may otherwise quote the (secret) text. */
function jsonErrorPosition(json: string, error: unknown): string {
  const match = /at position ([0-9]+)/.exec(error instanceof Error ? error.message : '');
  if (match) {
    const before = json.slice(0, Number(match[1]));
    const line = before.split('\n').length;
    const column = before.length - before.lastIndexOf('\n');
    return ` (line ${line}, column ${column})`;
  }
  return /Unexpected end of JSON input/.test(error instanceof Error ? error.message : '')
    ? ' (it ends too early)'
    : '';
}

function readAzureSettings(
  inputs: InputReader,
  environment: AzureSettings['environment'],
  authorityHost: string,
): AzureSettings {
  const cloud = AZURE_CLOUDS[environment] ?? AZURE_CLOUDS.AzureCloud;
  const subscriptionId = optional(inputs.checked('subscription-id', GUID).toLowerCase());
  const resourceGroup = optional(inputs.checked('resource-group', RESOURCE_GROUP));
  const clusterName = optional(inputs.checked('cluster-name', AKS_CLUSTER_NAME));
  const identityResourceGroup = optional(inputs.checked('identity-resource-group', RESOURCE_GROUP));
  const manageFederatedCredential = inputs.boolean('manage-federated-credential');

  // Resource Manager paths need every segment above the resource.
  if ((resourceGroup || identityResourceGroup || clusterName) && !subscriptionId) {
    inputs.report(
      'subscription-id',
      'is empty while resource-group, identity-resource-group or cluster-name is set',
      'the subscription GUID that holds them',
    );
  }
  if (clusterName && !resourceGroup) {
    inputs.report('resource-group', 'is empty while cluster-name is set', "the cluster's resource group");
  }
  if (manageFederatedCredential && !(subscriptionId && (identityResourceGroup || resourceGroup))) {
    inputs.report(
      'manage-federated-credential',
      'is true but the managed identity cannot be located',
      'subscription-id and identity-resource-group (or resource-group) set as well',
    );
  }

  return {
    subscriptionId,
    resourceGroup,
    clusterName,
    admin: inputs.boolean('admin'),
    environment,
    resourceManagerUrl: trimSlash(
      inputs.checked('resource-manager-url', ENDPOINT_URL, { fallback: cloud.resourceManagerUrl }),
    ),
    authorityHost: trimSlash(authorityHost),
    aksServerAppId: inputs.checked('aks-server-app-id', GUID).toLowerCase(),
    identityName: inputs.checked('identity-name', IDENTITY_NAME),
    identityResourceGroup: identityResourceGroup ?? resourceGroup,
    federatedCredentialName: inputs.checked('federated-credential-name', FEDERATED_CREDENTIAL_NAME),
    manageFederatedCredential,
    credential: inputs.oneOf<AzureSettings['credential']>('azure-credential', [
      'auto',
      'github-oidc',
      'azure-cli',
      'environment',
    ]),
    loginClientId: optional(inputs.checked('login-client-id', GUID).toLowerCase()),
  };
}

/** The kubeconfig's content (secret). A one-line value is almost surely a path by mistake. */
function readKubeconfig(inputs: InputReader): string | undefined {
  const value = inputs.raw('kubeconfig');
  if (value === '') return undefined;
  if (Buffer.byteLength(value, 'utf8') > MAX_CONFIG_BYTES) {
    inputs.report('kubeconfig', 'is larger than 1 MiB', "a kubeconfig file's content (a few KiB)");
    return undefined;
  }
  if (!value.includes('\n') && !value.startsWith('{')) {
    inputs.report(
      'kubeconfig',
      'is a single line, which looks like a file path rather than kubeconfig content',
      "the kubeconfig file's content (e.g. ${{ secrets.KUBECONFIG }}), or leave it empty to use KUBECONFIG / Azure",
    );
  }
  return value;
}

function readEnv(inputs: InputReader, env: NodeJS.ProcessEnv, name: string, fallback: string): string {
  const value = env[name]?.trim() || fallback;
  if (!RUN_ID.accepts(value)) inputs.report(name, `${quote(value)} ${RUN_ID.problem}`, RUN_ID.expected);
  return value;
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

// ---- Pull-request previews (src/preview.ts) ------------------------------------------------------

const PR_NUMBER = regexRule(
  /^[1-9][0-9]{0,8}$/,
  'is not a pull request number',
  'the pull request number, e.g. 42',
);
const REPOSITORY = regexRule(
  /^[A-Za-z0-9-]{1,39}\/[A-Za-z0-9._-]{1,100}$/,
  'is not a GitHub repository',
  'owner/name (GitHub sets GITHUB_REPOSITORY)',
);
const COMMIT = regexRule(/^[0-9a-f]{7,40}$/, 'is not a commit SHA', '7–40 lowercase hex digits');
const MAX_AGE_LIMIT_SECONDS = 90 * 86400;
const MAX_AGE: Rule = {
  accepts: (v) => {
    const seconds = parseMaxAgeSeconds(v);
    return seconds !== undefined && seconds <= MAX_AGE_LIMIT_SECONDS;
  },
  problem: 'is not a max-age',
  expected: 'days or a duration such as 7d, 36h, 90m or 30s, at most 90d',
};

/** `max-age`: `<n>d`, or a duration (90s, 10m, 1h30m). */
export function parseMaxAgeSeconds(value: string): number | undefined {
  const days = /^([1-9][0-9]{0,2})d$/.exec(value);
  return days ? Number(days[1]) * 86400 : parseDurationSeconds(value);
}

/** `preview` marks a deploy (or render) as the preview of a pull request; teardown needs it. */
function readPreviewSettings(
  inputs: InputReader,
  env: NodeJS.ProcessEnv,
  mode: Mode,
  productionNamespace: string,
): PreviewSettings | undefined {
  const pr = inputs.checked('preview', PR_NUMBER, { required: mode === 'teardown' });
  const others = (['preview-namespace', 'preview-commit', 'ingress-host'] as const).filter((n) =>
    inputs.raw(n),
  );
  if (!pr || !PR_NUMBER.accepts(pr)) {
    for (const name of others)
      inputs.report(name, 'is set but `preview` is empty', 'the `preview` input set too');
    return undefined;
  }
  if (mode === 'verify' || mode === 'sweep') {
    inputs.report('preview', `is set in mode ${mode}`, 'mode deploy, render or teardown for a preview');
  }
  const repository = env.GITHUB_REPOSITORY?.trim() || (mode === 'render' ? 'local/local' : '');
  if (!REPOSITORY.accepts(repository)) {
    inputs.report('GITHUB_REPOSITORY', `${quote(repository)} ${REPOSITORY.problem}`, REPOSITORY.expected);
  }
  const commit = inputs.raw('preview-commit') || env.GITHUB_SHA?.trim() || '';
  if (commit && !COMMIT.accepts(commit)) {
    inputs.report('preview-commit', `${quote(commit)} ${COMMIT.problem}`, COMMIT.expected);
  }
  const namespace = inputs.checked('preview-namespace', DNS_LABEL, {
    fallback: defaultPreviewNamespace(productionNamespace, Number(pr)),
  });
  if (namespace === productionNamespace) {
    inputs.report(
      'preview-namespace',
      'is the production namespace',
      'a namespace of its own for the preview',
    );
  }
  const ingressHost = optional(inputs.checked('ingress-host', DNS_SUBDOMAIN));
  return {
    pr: Number(pr),
    namespace,
    productionNamespace,
    repository,
    commit,
    ...(ingressHost ? { ingressHost } : {}),
  };
}

/** `mode: sweep`; its inputs are checked in every mode (a typo shows on the first run). */
function readSweepSettings(
  inputs: InputReader,
  env: NodeJS.ProcessEnv,
  mode: Mode,
): SweepSettings | undefined {
  const maxAge = inputs.checked('max-age', MAX_AGE);
  const dryRun = inputs.boolean('dry-run');
  const token = inputs.raw('github-token');
  // Secret: the problem never quotes the value.
  if (token && !/^[A-Za-z0-9][A-Za-z0-9_.~+/=-]{0,1023}$/.test(token)) {
    inputs.report(
      'github-token',
      'has characters a GitHub token never has',
      'the workflow token: ${{ github.token }}',
    );
  }
  if (mode !== 'sweep') return undefined;
  const repository = env.GITHUB_REPOSITORY?.trim() ?? '';
  if (!REPOSITORY.accepts(repository)) {
    inputs.report('GITHUB_REPOSITORY', `${quote(repository)} ${REPOSITORY.problem}`, REPOSITORY.expected);
  }
  if (!token) {
    inputs.report(
      'github-token',
      'is required in mode sweep but empty',
      'the workflow token: ${{ github.token }}',
    );
  }
  const apiUrl = env.GITHUB_API_URL?.trim() || 'https://api.github.com';
  if (!ENDPOINT_URL.accepts(apiUrl)) {
    inputs.report('GITHUB_API_URL', `${quote(apiUrl)} ${ENDPOINT_URL.problem}`, ENDPOINT_URL.expected);
  }
  return {
    repository,
    apiUrl,
    token,
    ...(maxAge ? { maxAgeSeconds: parseMaxAgeSeconds(maxAge) } : {}),
    dryRun,
  };
}
