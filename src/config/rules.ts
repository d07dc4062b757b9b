// The forms each input value may take. Each rule says what it accepts in words, for the error
// message; numbers, durations and quantities have their parsers and bounds here.

/** Kubernetes Secrets hold at most 1 MiB (the config; a kubeconfig is held to the same). */
export const MAX_CONFIG_BYTES = 1024 * 1024;
/** `timeout` bounds: shorter cannot even apply; AbortSignal.timeout overflows past ~24 days. */
export const MIN_TIMEOUT_SECONDS = 10;
export const MAX_TIMEOUT_SECONDS = 6 * 3600;
export const MAX_REPLICAS = 100;
/** Gateway resources: at least what the Bifrost process needs to start, at most a large node. */
export const CPU_BOUNDS = { min: 0.01, max: 64, text: 'from 10m to 64' };
export const MEMORY_BOUNDS = { min: 64 * 2 ** 20, max: 256 * 2 ** 30, text: 'from 64Mi to 256Gi' };
export const GCP_ACCESS_TOKEN_LIFETIME_SECONDS = 3600; // D12: generateAccessToken's default lifetime

export interface Rule {
  accepts: (value: string) => boolean;
  problem: string; // "is not a GUID"
  expected: string; // "a GUID such as …"
}

export const regexRule = (re: RegExp, problem: string, expected: string): Rule => ({
  accepts: (v) => re.test(v),
  problem,
  expected,
});

export const GUID = regexRule(
  /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/,
  'is not a GUID',
  'a GUID such as 72f988bf-86f1-41af-91ab-2d7cd011db47',
);

export const DNS_LABEL = regexRule(
  /^(?=.{1,63}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?$/,
  'is not a DNS-1123 label',
  'at most 63 lowercase letters, digits and "-", starting and ending with a letter or digit',
);

export const DNS_SUBDOMAIN = regexRule(
  /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/,
  'is not a Kubernetes object name (DNS-1123 subdomain)',
  'at most 253 lowercase letters, digits, "-" and ".", starting and ending with a letter or digit',
);

// Artifact Registry repository ids: lowercase letters, digits and hyphens, starting with a letter.
export const HUB_SLUG = regexRule(
  /^(?=.{1,63}$)[a-z]([a-z0-9-]*[a-z0-9])?$/,
  'is not a valid hub slug',
  'lowercase letters, digits and "-", starting with a letter and ending with a letter or digit (the Artifact Registry repository name)',
);

export const GCP_PROJECT_ID = regexRule(
  /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/,
  'is not a GCP project ID',
  '6–30 lowercase letters, digits and "-", starting with a letter, e.g. my-project-123',
);

export const GCP_PROJECT_NUMBER = regexRule(
  /^[1-9][0-9]{0,19}$/,
  'is not a GCP project number',
  'the project number, digits only, e.g. 123456789012',
);

export const GCP_SERVICE_ACCOUNT = regexRule(
  /^[a-z][a-z0-9-]{4,28}[a-z0-9]@[a-z][a-z0-9-]{4,28}[a-z0-9]\.iam\.gserviceaccount\.com$/,
  'is not a GCP service account email',
  'name@project.iam.gserviceaccount.com',
);

// Workload identity pool and provider ids: 4–32 characters; the `gcp-` prefix is reserved.
export const WORKLOAD_IDENTITY_ID = regexRule(
  /^(?!gcp-)[a-z0-9-]{4,32}$/,
  'is not a workload identity pool/provider ID',
  '4–32 lowercase letters, digits and "-", not starting with "gcp-"',
);

export const GCP_REGION = regexRule(
  /^([a-z]+-[a-z]+[0-9]{1,2}|us|europe|asia)$/,
  'is not an Artifact Registry location',
  'a region such as us-central1 or europe-west4, or a multi-region: us, europe, asia',
);

export const REGISTRY_HOST: Rule = {
  accepts: (v) => {
    const match = /^(?=[^:]{1,253}(?::|$))[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?(?::(?<port>[0-9]{1,5}))?$/.exec(v);
    const port = match?.groups?.port;
    return match !== null && (port === undefined || (Number(port) >= 1 && Number(port) <= 65535));
  },
  problem: 'is not a registry host',
  expected: 'a host name with an optional port (1–65535), e.g. us-central1-docker.pkg.dev or 127.0.0.1:5000',
};

// Docker tag grammar, or a digest to pin the verified image (D9).
export const IMAGE_TAG = regexRule(
  /^([A-Za-z0-9_][A-Za-z0-9_.-]{0,127}|sha256:[a-f0-9]{64})$/,
  'is not an image tag or digest',
  'a tag of letters, digits, "_", "." and "-" (at most 128, not starting with "." or "-"), or a digest sha256:<64 hex>',
);

export const IMAGE_REFERENCE = regexRule(
  /^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]{1,5})?(\/[a-z0-9]+([._-]+[a-z0-9]+)*)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[a-f0-9]{64})?$/,
  'is not an image reference',
  'registry/path/name[:tag][@sha256:digest], e.g. gcr.io/distroless/nodejs22-debian12:nonroot',
);

// Azure naming rules (Microsoft.Resources and Microsoft.ContainerService / ManagedIdentity docs).
export const RESOURCE_GROUP = regexRule(
  /^(?=.{1,90}$)[-\w.()]*[-\w()]$/,
  'is not a resource group name',
  'at most 90 letters, digits, "_", "-", ".", "(" and ")", not ending with "."',
);

export const AKS_CLUSTER_NAME = regexRule(
  /^(?=.{1,63}$)[A-Za-z0-9]([A-Za-z0-9_-]*[A-Za-z0-9])?$/,
  'is not an AKS cluster name',
  'at most 63 letters, digits, "_" and "-", starting and ending with a letter or digit',
);

export const IDENTITY_NAME = regexRule(
  /^(?=.{3,128}$)[A-Za-z0-9][A-Za-z0-9_-]*$/,
  'is not a managed identity name',
  '3–128 letters, digits, "_" and "-", starting with a letter or digit',
);

export const FEDERATED_CREDENTIAL_NAME = regexRule(
  /^(?=.{3,120}$)[A-Za-z0-9][A-Za-z0-9_-]*$/,
  'is not a federated credential name',
  '3–120 letters, digits, "_" and "-", starting with a letter or digit',
);

// The resource the managed-identity token is requested for; the refresher appends /.default.
export const ENTRA_RESOURCE: Rule = {
  accepts: (v) =>
    !/\/\.default$/.test(v) && (GUID.accepts(v) || /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^\s"'\\`$]+$/.test(v)),
  problem: 'is not an Entra resource (App ID URI or application ID)',
  expected:
    'an App ID URI such as api://<app-id> or https://host/path, or an application GUID, without /.default',
};

export const BOOLEAN = regexRule(/^(true|True|TRUE|false|False|FALSE)$/, 'is not a boolean', 'true or false');

export const REPLICAS: Rule = {
  accepts: (v) => /^[0-9]{1,3}$/.test(v) && Number(v) <= MAX_REPLICAS,
  problem: 'is not a whole number from 0 to 100',
  expected: `an integer from 0 to ${MAX_REPLICAS}`,
};

export const RUN_ID = regexRule(
  /^[a-z0-9-]{1,20}$/,
  'is not usable in a Job name',
  'up to 20 lowercase letters, digits and "-" (GitHub sets digits)',
);

/** An https URL, or http on loopback only (emulators in tests), without credentials. */
export const ENDPOINT_URL: Rule = {
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

export const enumRule = <T extends string>(values: readonly T[]): Rule => ({
  accepts: (v) => (values as readonly string[]).includes(v),
  problem: 'is not one of the accepted values',
  expected: `one of: ${values.join(', ')}`,
});

// Durations as GitHub users write them: 90s, 10m, 1h, 1h30m; the run's limit is bounded.
export const TIMEOUT: Rule = {
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
export const QUANTITY_SUFFIX: Record<string, number> = {
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

export const within = (value: number | undefined, bounds: { min: number; max: number }): boolean =>
  value !== undefined && value >= bounds.min && value <= bounds.max;

export const CPU_QUANTITY: Rule = {
  accepts: (v) => v.length <= 20 && within(parseQuantity(v), CPU_BOUNDS),
  problem: `is not a CPU quantity ${CPU_BOUNDS.text}`,
  expected: `a Kubernetes quantity such as 250m, 0.5 or 2, ${CPU_BOUNDS.text}`,
};

// A lowercase `m` on memory means milli-bytes: almost always a typo for Mi.
export const MEMORY_QUANTITY: Rule = {
  accepts: (v) => v.length <= 20 && !v.endsWith('m') && within(parseQuantity(v), MEMORY_BOUNDS),
  problem: `is not a memory quantity ${MEMORY_BOUNDS.text}`,
  expected: `a Kubernetes quantity in bytes such as 512Mi, 2Gi or 1G (not "m", which means milli-bytes), ${MEMORY_BOUNDS.text}`,
};

// Five-field cron as the CronJob controller reads it (robfig/cron standard parser).
export const CRON_FIELDS = [
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

export const CRON: Rule = {
  accepts: (v) => {
    const fields = v.split(/\s+/);
    return fields.length === 5 && fields.every((f, i) => cronFieldAccepts(CRON_FIELDS[i], f));
  },
  problem: 'is not a 5-field cron schedule',
  expected: 'minute hour day-of-month month day-of-week, e.g. */30 * * * *',
};

// ---- Pull-request previews ----------------------------------------------------------------------

export const PR_NUMBER = regexRule(
  /^[1-9][0-9]{0,8}$/,
  'is not a pull request number',
  'the pull request number, e.g. 42',
);
export const REPOSITORY = regexRule(
  /^[A-Za-z0-9-]{1,39}\/[A-Za-z0-9._-]{1,100}$/,
  'is not a GitHub repository',
  'owner/name (GitHub sets GITHUB_REPOSITORY)',
);
export const COMMIT = regexRule(/^[0-9a-f]{7,40}$/, 'is not a commit SHA', '7–40 lowercase hex digits');
export const MAX_AGE_LIMIT_SECONDS = 90 * 86400;
export const MAX_AGE: Rule = {
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
