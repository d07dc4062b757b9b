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
import type { PreviewSettings, Settings } from '../config/settings.js';
import {
  MANAGED_BY_LABEL,
  MANAGED_BY_VALUE,
  PREVIEW_ANNOTATIONS,
  PREVIEW_LABELS,
  PULL_SECRET_FROM_LABEL,
} from './names.js';
import { pullSecretWriterRules } from './refresher.js';
import { render } from './render.js';

/** Local port of the port-forward command the summary gives. */
export const PREVIEW_LOCAL_PORT = 8080;

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
export function refreshJobName(
  preview: PreviewSettings,
  run: { runId: string; runAttempt: string },
  suffix = '',
): string {
  return `preview-${preview.pr}-refresh-${run.runId}-${run.runAttempt}${suffix}`
    .slice(0, 63)
    .replace(/-+$/, '');
}

/** The value production's refresher must carry in PREVIEW_NAMESPACE_LABEL to serve previews. */
export function servesPreviewsValue(productionNamespace: string): string {
  return `${PULL_SECRET_FROM_LABEL}=${productionNamespace}`;
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
