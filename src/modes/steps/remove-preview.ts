// Removing one preview: its Jobs in production's namespace, then its namespace, waiting until it
// is gone and naming the finalizers that hold it when it is not. Teardown and sweep both use it.
import type { KubernetesObject, V1Namespace } from '@kubernetes/client-node';
import type { KubeClient } from '../../cluster/client.js';
import { statusOf, wrap } from '../../cluster/errors.js';
import type { PreviewSettings } from '../../config/settings.js';
import { PREVIEW_LABELS } from '../../manifests/names.js';
import { previewSelector } from '../../manifests/preview.js';
import { endsTheRun } from '../../net/retry.js';
import { ActionFailure } from '../../report/failure.js';
import type { Core } from '../../report/report.js';

const POLL_MS = 500;
/** Kinds searched for the objects whose finalizers hold a deleted namespace. */
const NAMESPACED_KINDS: { apiVersion: string; kind: string }[] = [
  ...['Pod', 'Service', 'Secret', 'ConfigMap', 'ServiceAccount', 'PersistentVolumeClaim'].map((kind) => ({
    apiVersion: 'v1',
    kind,
  })),
  { apiVersion: 'apps/v1', kind: 'Deployment' },
  { apiVersion: 'apps/v1', kind: 'ReplicaSet' },
  { apiVersion: 'batch/v1', kind: 'Job' },
  { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress' },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role' },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding' },
];

/** Removes everything of one preview: its Jobs in production, its namespace (waiting until it is
 * gone). The caller removes the Lease. Returns what was done, for the report. */
export async function removePreview(
  kube: KubeClient,
  preview: Pick<PreviewSettings, 'pr' | 'repository' | 'namespace' | 'productionNamespace'>,
  deadlineAt: number,
  core: Core,
): Promise<string> {
  const selector = previewSelector(preview);
  const jobs = await kube.batch.listNamespacedJob({
    namespace: preview.productionNamespace,
    labelSelector: selector,
  });
  await Promise.all(
    jobs.items.map((job) =>
      kube.batch
        .deleteNamespacedJob({
          name: job.metadata!.name!,
          namespace: preview.productionNamespace,
          propagationPolicy: 'Background',
        })
        .catch((error: unknown) => {
          if (statusOf(error) !== 404)
            throw wrap(`delete Job ${preview.productionNamespace}/${job.metadata?.name}`, error);
        }),
    ),
  );
  let namespace: V1Namespace | undefined;
  try {
    namespace = await kube.core.readNamespace({ name: preview.namespace });
  } catch (error) {
    if (statusOf(error) !== 404) throw wrap(`read Namespace ${preview.namespace}`, error);
  }
  const parts = [`${jobs.items.length} Job(s) deleted in ${preview.productionNamespace}`];
  if (!namespace) {
    parts.push(`namespace ${preview.namespace} does not exist`);
    core.info(parts.join('; '));
    return parts.join('; ');
  }
  const labels = namespace.metadata?.labels ?? {};
  if (labels[PREVIEW_LABELS.pr] !== String(preview.pr)) {
    throw new ActionFailure(
      'Not a preview namespace',
      `Namespace ${preview.namespace} is not labelled ${PREVIEW_LABELS.pr}=${preview.pr}: teardown removes only what a preview deploy created.`,
      [`labels: ${JSON.stringify(labels)}`],
      'Check `preview` and `preview-namespace`; delete the namespace by hand if it really is a leftover.',
    );
  }
  const started = Date.now();
  try {
    await kube.core.deleteNamespace({ name: preview.namespace, propagationPolicy: 'Background' });
  } catch (error) {
    if (statusOf(error) !== 404) throw wrap(`delete Namespace ${preview.namespace}`, error);
  }
  // The gateway's grace period (60 s, preStop sleep) serves clients of a live service; a preview
  // being removed has none. Only a speed-up: when the pods cannot be listed or deleted (a deployer
  // without those rights), the namespace still goes, after the grace period; the log says why.
  let slow: string | undefined;
  const leaveToGracePeriod = (what: string) => (error: unknown) => {
    if (endsTheRun(error)) throw error;
    if (statusOf(error) !== 404) slow ??= `${what}: ${(error as Error).message}`;
    return undefined;
  };
  const pods = await kube.core
    .listNamespacedPod({ namespace: preview.namespace })
    .catch(leaveToGracePeriod(`list pods in ${preview.namespace}`));
  await Promise.all(
    (pods?.items ?? []).map((pod) =>
      kube.core
        .deleteNamespacedPod({
          name: pod.metadata!.name!,
          namespace: preview.namespace,
          gracePeriodSeconds: 0,
        })
        .catch(leaveToGracePeriod(`delete pod ${preview.namespace}/${pod.metadata?.name}`)),
    ),
  );
  if (slow) core.info(`Pods are left to their grace period (up to 60 s) because ${slow}`);
  await waitUntilGone(kube, preview.namespace, deadlineAt);
  parts.push(`namespace ${preview.namespace} deleted in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  core.info(parts.join('; '));
  return parts.join('; ');
}

async function waitUntilGone(kube: KubeClient, name: string, deadlineAt: number): Promise<void> {
  // Leave time to report what holds the namespace before the run's own deadline.
  const giveUpAt = Math.max(Date.now() + 2_000, deadlineAt - 3_000);
  let last: V1Namespace | undefined;
  while (Date.now() < giveUpAt) {
    try {
      last = await kube.core.readNamespace({ name });
    } catch (error) {
      if (statusOf(error) === 404) return;
      throw wrap(`read Namespace ${name}`, error);
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  throw await stuckNamespace(kube, name, last);
}

/** Names the finalizers and the objects carrying them that hold a namespace in Terminating. */
async function stuckNamespace(
  kube: KubeClient,
  name: string,
  namespace: V1Namespace | undefined,
): Promise<ActionFailure> {
  const conditions = (namespace?.status?.conditions ?? []).filter((c) => c.status === 'True' && c.message);
  const holders: string[] = [];
  for (const { apiVersion, kind } of NAMESPACED_KINDS) {
    for (const item of await listObjects(kube, apiVersion, kind, name)) {
      const finalizers = item.metadata?.finalizers ?? [];
      if (finalizers.length)
        holders.push(`${kind} ${name}/${item.metadata?.name}: finalizers ${finalizers.join(', ')}`);
    }
  }
  const namespaceFinalizers = namespace?.spec?.finalizers ?? [];
  const finalizerNames = [...new Set(holders.flatMap((h) => h.replace(/^.*finalizers /, '').split(', ')))];
  const evidence = [
    ...conditions.map((c) => `${c.type}: ${c.message}`),
    ...(namespaceFinalizers.length ? [`Namespace finalizers: ${namespaceFinalizers.join(', ')}`] : []),
    ...holders,
  ];
  const first = holders[0]?.split(':')[0];
  return new ActionFailure(
    'Preview namespace stuck in Terminating',
    `Namespace ${name} is still being deleted${finalizerNames.length ? `; held by finalizer ${finalizerNames.join(', ')}` : ''}.`,
    evidence,
    first
      ? `The controller that owns ${finalizerNames.join(', ')} must release it (is it still running?). If it is gone: kubectl patch ${first.replace(/^(\w+) [^/]+\//, '$1/').toLowerCase()} -n ${name} --type=merge -p '{"metadata":{"finalizers":null}}'; then run the teardown again.`
      : `kubectl get namespace ${name} -o yaml shows the conditions; run the teardown again once they clear.`,
  );
}

async function listObjects(
  kube: KubeClient,
  apiVersion: string,
  kind: string,
  namespace: string,
): Promise<KubernetesObject[]> {
  try {
    return await kube.list(apiVersion, kind, namespace);
  } catch {
    return []; // evidence only: a kind we may not list is skipped
  }
}
