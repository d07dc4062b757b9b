// Pull-request previews: what a preview is made of, pure (no I/O, no clock).
//
// A preview has no trust of its own: no refresher, no credential ConfigMap, no federated
// credential. Production's refresher (deployed with `serve-previews: true`) writes the same pull
// Secret into every namespace labelled PULL_SECRET_FROM_LABEL=<production namespace>; the
// preview's Role + RoleBinding allow exactly that ServiceAccount to do so.
import type {
  KubernetesObject,
  V1Deployment,
  V1Ingress,
  V1Namespace,
  V1ObjectMeta,
  V1Role,
  V1RoleBinding,
} from '@kubernetes/client-node';
import { PULL_SECRET_FROM_LABEL, pullSecretWriterRules } from './refresher.js';
import { MANAGED_BY_VALUE, render } from './render.js';
import { MANAGED_BY_LABEL, type Settings } from '../config/settings.js';

export const PREVIEW_LABELS = {
  pr: 'bifrost.maximhq.dev/preview',
  repository: 'bifrost.maximhq.dev/repository',
  commit: 'bifrost.maximhq.dev/commit',
} as const;
export const PREVIEW_ANNOTATIONS = {
  repository: 'bifrost.maximhq.dev/repository', // the full owner/name (labels cannot hold "/")
  deployedAt: 'bifrost.maximhq.dev/deployed-at',
  run: 'bifrost.maximhq.dev/run',
} as const;
/** Local port of the port-forward command the summary gives. */
export const PREVIEW_LOCAL_PORT = 8080;

export interface PreviewSettings {
  pr: number;
  /** The preview's namespace: `preview-namespace`, or `<namespace>-pr-<n>`. */
  namespace: string;
  /** Production's namespace (the `namespace` input): its refresher serves the preview. */
  productionNamespace: string;
  repository: string; // owner/name (GITHUB_REPOSITORY)
  commit: string; // the PR head commit (preview-commit, else GITHUB_SHA)
  ingressHost?: string;
}

export interface SweepSettings {
  repository: string; // owner/name (GITHUB_REPOSITORY)
  apiUrl: string; // GITHUB_API_URL
  token: string; // `github-token` (secret)
  maxAgeSeconds?: number; // `max-age`; absent: only closed pull requests are removed
  dryRun: boolean;
}

/** The run that deploys: ordered by GitHub run id, then attempt. */
export interface RunKey {
  runId: string;
  runAttempt: string;
  commit: string;
}

export function defaultPreviewNamespace(productionNamespace: string, pr: number): string {
  return `${productionNamespace}-pr-${pr}`.slice(0, 63).replace(/-+$/, '');
}

/** A label value for owner/name: `owner.name` (GitHub owners hold no "."), cut to 63. */
export function repositoryLabelValue(repository: string): string {
  return repository
    .replace('/', '.')
    .replace(/[^A-Za-z0-9_.-]/g, '_')
    .slice(0, 63)
    .replace(/[^A-Za-z0-9]+$/, '');
}

export function previewLabels(preview: PreviewSettings): Record<string, string> {
  return {
    [MANAGED_BY_LABEL]: MANAGED_BY_VALUE,
    [PREVIEW_LABELS.pr]: String(preview.pr),
    [PREVIEW_LABELS.repository]: repositoryLabelValue(preview.repository),
    ...(/^[0-9a-f]{7,40}$/.test(preview.commit) ? { [PREVIEW_LABELS.commit]: preview.commit } : {}),
  };
}

/** Selects every object of one preview (any commit). */
export function previewSelector(preview: Pick<PreviewSettings, 'pr' | 'repository'>): string {
  return [
    `${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE}`,
    `${PREVIEW_LABELS.pr}=${preview.pr}`,
    `${PREVIEW_LABELS.repository}=${repositoryLabelValue(preview.repository)}`,
  ].join(',');
}

/** Selects every preview of one repository (the sweep). */
export function repositoryPreviewsSelector(repository: string): string {
  return [
    `${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE}`,
    PREVIEW_LABELS.pr,
    `${PREVIEW_LABELS.repository}=${repositoryLabelValue(repository)}`,
  ].join(',');
}

/** The Lease in production's namespace that orders overlapping deploys of one preview. */
export function leaseName(preview: PreviewSettings): string {
  return `bifrost-preview-${preview.pr}`;
}

/** The one-off refresh Job in production's namespace, unique per preview and run attempt. */
export function refreshJobName(preview: PreviewSettings, run: RunKey, suffix = ''): string {
  return `preview-${preview.pr}-refresh-${run.runId}-${run.runAttempt}${suffix}`
    .slice(0, 63)
    .replace(/-+$/, '');
}

/** The value production's refresher must carry in PREVIEW_NAMESPACE_LABEL to serve previews. */
export function servesPreviewsValue(productionNamespace: string): string {
  return `${PULL_SECRET_FROM_LABEL}=${productionNamespace}`;
}

/** Newer run first: a higher run id, then a higher attempt. */
export function compareRuns(
  a: Pick<RunKey, 'runId' | 'runAttempt'>,
  b: Pick<RunKey, 'runId' | 'runAttempt'>,
): number {
  const num = (v: string) => (/^[0-9]+$/.test(v) ? BigInt(v) : -1n);
  const byId = num(a.runId) - num(b.runId);
  if (byId !== 0n) return byId > 0n ? 1 : -1;
  const byAttempt = num(a.runAttempt) - num(b.runAttempt);
  return byAttempt === 0n ? 0 : byAttempt > 0n ? 1 : -1;
}

export function runKeyText(run: Pick<RunKey, 'runId' | 'runAttempt'>): string {
  return `${run.runId}-${run.runAttempt}`;
}

export function parseRunKey(text: string | undefined): Pick<RunKey, 'runId' | 'runAttempt'> | undefined {
  const match = /^([0-9a-z]+)-([0-9]+)$/.exec(text ?? '');
  return match ? { runId: match[1], runAttempt: match[2] } : undefined;
}

/**
 * The preview's objects, in apply order: its Namespace (labelled for production's refresher), the
 * Role and RoleBinding letting production's refresher ServiceAccount write the pull Secret, then
 * the gateway (ServiceAccount, config Secret, Deployment, Service) exactly as a production deploy
 * renders it, and an Ingress when `ingress-host` is set. Every object carries the preview labels.
 */
export function renderPreview(
  settings: Settings,
  preview: PreviewSettings,
  deployedAt: string,
): KubernetesObject[] {
  const previewSettings: Settings = {
    ...settings,
    names: { ...settings.names, namespace: preview.namespace },
  };
  const { names } = previewSettings;
  const gatewayNames = new Set([
    names.gatewayServiceAccount,
    names.configSecret,
    names.deployment,
    names.service,
  ]);
  const rendered = render(previewSettings).objects;
  const gateway = rendered.filter(
    (o) =>
      ['ServiceAccount', 'Secret', 'Deployment', 'Service'].includes(o.kind ?? '') &&
      gatewayNames.has(o.metadata?.name ?? ''),
  );
  // The production Namespace object as rendered (its Pod Security labels too), plus ours.
  const renderedNamespace = rendered.find((o): o is V1Namespace => o.kind === 'Namespace');
  const labels = previewLabels(preview);
  const meta = (name: string): V1ObjectMeta => ({
    name,
    namespace: preview.namespace,
    labels: { ...labels },
  });

  const ns: V1Namespace = {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name: preview.namespace,
      labels: {
        ...renderedNamespace?.metadata?.labels,
        ...labels,
        [PULL_SECRET_FROM_LABEL]: preview.productionNamespace,
      },
      annotations: {
        ...renderedNamespace?.metadata?.annotations,
        [PREVIEW_ANNOTATIONS.repository]: preview.repository,
        [PREVIEW_ANNOTATIONS.deployedAt]: deployedAt,
      },
    },
  };
  const role: V1Role = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: meta(names.role),
    rules: pullSecretWriterRules(names.pullSecret),
  };
  const binding: V1RoleBinding = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: meta(names.roleBinding),
    subjects: [
      { kind: 'ServiceAccount', name: names.refresherServiceAccount, namespace: preview.productionNamespace },
    ],
    roleRef: { kind: 'Role', name: names.role, apiGroup: 'rbac.authorization.k8s.io' },
  };
  const ingress: V1Ingress[] = preview.ingressHost
    ? [
        {
          apiVersion: 'networking.k8s.io/v1',
          kind: 'Ingress',
          metadata: meta(names.service),
          spec: {
            rules: [
              {
                host: preview.ingressHost,
                http: {
                  paths: [
                    {
                      path: '/',
                      pathType: 'Prefix',
                      backend: { service: { name: names.service, port: { number: 80 } } },
                    },
                  ],
                },
              },
            ],
          },
        },
      ]
    : [];
  const labelled = gateway.map((object) => withLabels(object, labels));
  return [ns, role, binding, ...labelled, ...ingress];
}

function withLabels(object: KubernetesObject, labels: Record<string, string>): KubernetesObject {
  const copy = structuredClone(object);
  copy.metadata = { ...copy.metadata, labels: { ...copy.metadata?.labels, ...labels } };
  if (copy.kind === 'Deployment') {
    const template = (copy as V1Deployment).spec?.template;
    if (template)
      template.metadata = { ...template.metadata, labels: { ...template.metadata?.labels, ...labels } };
  }
  return copy;
}

/** How to reach the preview: the Ingress host, or a port-forward to its Service. */
export function previewAccess(
  settings: Settings,
  preview: PreviewSettings,
): { url: string; instructions: string } {
  if (preview.ingressHost) {
    const url = `https://${preview.ingressHost}`;
    return { url, instructions: `Open ${url} (Ingress ${preview.namespace}/${settings.names.service}).` };
  }
  const command = `kubectl port-forward -n ${preview.namespace} service/${settings.names.service} ${PREVIEW_LOCAL_PORT}:80`;
  return {
    url: `http://localhost:${PREVIEW_LOCAL_PORT}`,
    instructions: `Run \`${command}\`, then open http://localhost:${PREVIEW_LOCAL_PORT}.`,
  };
}

// --- Sweep decisions --------------------------------------------------------------------------

export type PullState =
  | { state: 'open' }
  | { state: 'closed'; merged: boolean; closedAt?: string }
  | { state: 'unknown'; detail: string };

export interface PreviewFound {
  namespace: string;
  pr: number;
  deployedAt: string; // RFC 3339
}

export interface SweepDecision {
  namespace: string;
  pr: number;
  reason: string;
}

/** Which previews the sweep removes, each with its reason. Pure: `now` and the states are given. */
export function decideSweep(
  found: PreviewFound[],
  states: Map<number, PullState>,
  now: Date,
  maxAgeSeconds: number | undefined,
): { removed: SweepDecision[]; kept: SweepDecision[] } {
  const removed: SweepDecision[] = [];
  const kept: SweepDecision[] = [];
  for (const preview of found) {
    const state = states.get(preview.pr) ?? { state: 'unknown', detail: 'not asked' };
    const ageSeconds = Math.max(0, (now.getTime() - Date.parse(preview.deployedAt)) / 1000);
    const base = { namespace: preview.namespace, pr: preview.pr };
    if (state.state === 'closed') {
      removed.push({
        ...base,
        reason: `pull request #${preview.pr} is ${state.merged ? 'merged' : 'closed'}${state.closedAt ? ` (${state.closedAt})` : ''}`,
      });
    } else if (maxAgeSeconds !== undefined && Number.isFinite(ageSeconds) && ageSeconds > maxAgeSeconds) {
      removed.push({
        ...base,
        reason: `last deployed ${preview.deployedAt}, ${formatAge(ageSeconds)} ago, more than max-age ${formatAge(maxAgeSeconds)}`,
      });
    } else {
      kept.push({
        ...base,
        reason:
          state.state === 'open'
            ? `pull request #${preview.pr} is open; last deployed ${formatAge(ageSeconds)} ago`
            : `${state.detail}; last deployed ${formatAge(ageSeconds)} ago`,
      });
    }
  }
  return { removed, kept };
}

export function formatAge(seconds: number): string {
  const s = Math.round(seconds);
  if (s >= 86400) return `${Math.floor(s / 86400)}d${Math.floor((s % 86400) / 3600)}h`;
  if (s >= 3600) return `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m${s % 60}s`;
  return `${s}s`;
}

/** True when this run is a preview deploy, a teardown or a sweep. */
export function isPreviewRun(settings: Settings): boolean {
  return (
    settings.mode === 'teardown' ||
    settings.mode === 'sweep' ||
    (settings.mode === 'deploy' && !!settings.preview)
  );
}
