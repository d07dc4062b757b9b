// The pull-request preview inputs (`preview`, `preview-namespace`, …) and the sweep's.
import { defaultPreviewNamespace } from './defaults.js';
import { quote, type InputReader } from './input-reader.js';
import type { PreviewSettings, SweepSettings } from './settings.js';
import { type Mode } from './settings.js';
import {
  COMMIT,
  DNS_LABEL,
  DNS_SUBDOMAIN,
  ENDPOINT_URL,
  MAX_AGE,
  PR_NUMBER,
  REPOSITORY,
  parseMaxAgeSeconds,
} from './rules.js';
import { optional } from './input-reader.js';

export function readPreviewSettings(
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
export function readSweepSettings(
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
