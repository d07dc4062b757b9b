// The kubelet's image pull, for real, in one namespace. Two parts, as in a kubelet:
// - the first pull: a mutating admission webhook (failurePolicy Ignore, namespace-scoped, served
//   here over HTTPS with the test CA) that, for each new pod whose image lives in the test
//   registry, asks that registry for the manifest with the pod's own imagePullSecrets — the
//   request containerd makes before a pull (src/chain/registry.ts). When the registry refuses, it
//   puts containerd's error text on the pod as `bifrost-aks.test/image-pull-error`, and the kwok
//   stages turn it into ErrImagePull / ImagePullBackOff with a `Failed` event, as a kubelet shows.
//   A missing pull secret is not waited for: the kubelet pulls without it ("Unable to retrieve
//   some image pull secrets … attempting to pull the image may not succeed").
// - the retries: the kubelet retries a failed pull with back-off, 10 s doubling to 300 s
//   (kubernetes pkg/kubelet/kubelet.go: backOffPeriod, MaxImageBackOff; documented in
//   https://kubernetes.io/docs/concepts/containers/images/#imagepullbackoff), reading the pull
//   secret again each time. Here the delays are scaled by PULL_BACKOFF_SCALE (1/20: 0.5 s doubling
//   to 15 s) so a test sees recovery within its timeout. A retry that succeeds removes the
//   annotation (kwok's pod-ready stage then starts the pod); one that fails again sets the waiting
//   reason back to ErrImagePull with the new message and counts the `Failed` event up, as the
//   kubelet's event correlator does.
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import {
  AdmissionregistrationV1Api,
  CoreV1Api,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
  type V1Pod,
} from '@kubernetes/client-node';
import { headManifest, parseImageReference, type ManifestAnswer } from '../../src/chain/registry.js';
import { readBody } from './emulators/http.js';
import type { TestCa } from './emulators/test-ca.js';
import { TEST_ANNOTATIONS } from './test-annotations.js';
import { caFetch } from './registry.js';

export interface PullWebhook {
  /** Pods decided so far: name (or generateName) → the containerd-style error, or "pulled". */
  decisions: { pod: string; image: string; result: string }[];
  close(): Promise<void>;
}

/** Real delays times this: the kubelet's 10 s … 300 s become 0.5 s … 15 s. */
export const PULL_BACKOFF_SCALE = 1 / 20;
const BACKOFF_BASE_MS = 10_000;
const BACKOFF_MAX_MS = 300_000;
const RETRY_POLL_MS = 250;
/** Marks the pods whose first pull this harness failed: only those are retried (a test that
 * sets the pull-error annotation itself wants a pull that never succeeds). */
const RETRIED_ANNOTATION = 'bifrost-aks.test/pull-retried';

/** Delay before retry `n` (1 = the first retry after the failed first pull), scaled. */
export function pullBackoffMs(n: number): number {
  return Math.min(BACKOFF_BASE_MS * 2 ** (n - 1), BACKOFF_MAX_MS) * PULL_BACKOFF_SCALE;
}

/** containerd's wording for each refusal (the fixtures in __fixtures__/registry, SOURCES.md §4). */
export function containerdPullError(
  image: string,
  answer: Extract<ManifestAnswer, { ok: false }>,
  anonymous: boolean,
): string {
  const prefix = `failed to pull and unpack image "${image}": failed to resolve reference "${image}"`;
  if (answer.step === 'token') {
    const status =
      answer.status === 401
        ? '401 Unauthorized'
        : answer.status === 403
          ? '403 Forbidden'
          : `${answer.status}`;
    const url = /^GET (\S+)/.exec(answer.message)?.[1] ?? 'the token endpoint';
    return `${prefix}: failed to authorize: failed to fetch ${anonymous ? 'anonymous' : 'oauth'} token: unexpected status from GET request to ${url}: ${status}`;
  }
  if (answer.status === 404) return `${prefix}: ${image}: not found`;
  return `${prefix}: ${answer.message}`;
}

export async function startPullWebhook(options: {
  kubeConfig: KubeConfig;
  namespace: string;
  ca: TestCa;
  registryHost: string;
}): Promise<PullWebhook> {
  const { kubeConfig, namespace, ca, registryHost } = options;
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const admission = kubeConfig.makeApiClient(AdmissionregistrationV1Api);
  const fetchWithCa = caFetch(ca);
  const decisions: PullWebhook['decisions'] = [];

  async function credentialsFor(pod: V1Pod) {
    for (const ref of pod.spec?.imagePullSecrets ?? []) {
      try {
        const secret = await core.readNamespacedSecret({ name: ref.name ?? '', namespace });
        const config = JSON.parse(
          Buffer.from(secret.data?.['.dockerconfigjson'] ?? '', 'base64').toString('utf8'),
        ) as { auths?: Record<string, { username?: string; password?: string }> };
        const entry = config.auths?.[registryHost];
        if (entry?.username && entry.password) return { username: entry.username, password: entry.password };
      } catch {
        // A missing or unreadable Secret: the kubelet goes on with the next one, then anonymously.
      }
    }
    return undefined;
  }

  async function decide(pod: V1Pod): Promise<string | undefined> {
    for (const container of pod.spec?.containers ?? []) {
      const image = container.image ?? '';
      if (!image.startsWith(`${registryHost}/`)) continue;
      const credentials = await credentialsFor(pod);
      const answer = await headManifest(parseImageReference(image), credentials, fetchWithCa);
      const name = pod.metadata?.name ?? pod.metadata?.generateName ?? '';
      if (answer.ok) {
        decisions.push({ pod: name, image, result: 'pulled' });
        continue;
      }
      const error = containerdPullError(image, answer, !credentials);
      decisions.push({ pod: name, image, result: error });
      return error;
    }
    return undefined;
  }

  const server: Server = createServer({ cert: ca.server.cert, key: ca.server.key }, (req, res) => {
    void (async () => {
      const review = JSON.parse(await readBody(req)) as { request: { uid: string; object: V1Pod } };
      const pod = review.request.object;
      const error = await decide(pod).catch(() => undefined);
      const response: Record<string, unknown> = { uid: review.request.uid, allowed: true };
      if (error) {
        const added = { [TEST_ANNOTATIONS.imagePullError]: error, [RETRIED_ANNOTATION]: 'true' };
        const patch = pod.metadata?.annotations
          ? Object.entries(added).map(([key, value]) => ({
              op: 'add',
              path: `/metadata/annotations/${key.replace('/', '~1')}`,
              value,
            }))
          : [{ op: 'add', path: '/metadata/annotations', value: added }];
        response.patchType = 'JSONPatch';
        response.patch = Buffer.from(JSON.stringify(patch)).toString('base64');
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response }));
    })().catch(() => {
      res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const name = `bifrost-aks-test-pull-${namespace}`;
  await admission.createMutatingWebhookConfiguration({
    body: {
      metadata: { name, labels: { 'bifrost-aks.test/e2e': 'true' } },
      webhooks: [
        {
          name: 'pull.bifrost-aks.test',
          admissionReviewVersions: ['v1'],
          sideEffects: 'None',
          failurePolicy: 'Ignore',
          timeoutSeconds: 30,
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespace } },
          rules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['pods'] }],
          clientConfig: {
            url: `https://127.0.0.1:${port}/pull`,
            caBundle: Buffer.from(ca.caCert).toString('base64'),
          },
        },
      ],
    },
  });
  const retries = new Map<string, { attempts: number; nextAt: number }>();
  async function retryFailedPulls(): Promise<void> {
    const { items } = await core.listNamespacedPod({ namespace });
    for (const pod of items) {
      const uid = pod.metadata?.uid ?? '';
      const annotations = pod.metadata?.annotations ?? {};
      // Retry once kwok has shown the failed pull (containerStatuses set), never a deleted pod.
      if (!annotations[RETRIED_ANNOTATION] || !annotations[TEST_ANNOTATIONS.imagePullError]) continue;
      if (pod.metadata?.deletionTimestamp || !pod.status?.containerStatuses) continue;
      const state = retries.get(uid) ?? { attempts: 0, nextAt: Date.now() + pullBackoffMs(1) };
      retries.set(uid, state);
      if (Date.now() < state.nextAt) continue;
      state.attempts += 1;
      state.nextAt = Date.now() + pullBackoffMs(state.attempts + 1);
      const error = await decide(pod);
      if (error === undefined) await pulled(pod);
      else await failedAgain(pod, error);
    }
  }

  const statusPatch = setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch);
  const jsonPatch = setHeaderOptions('Content-Type', PatchStrategy.JsonPatch);
  // containerStatuses is an atomic list for strategic merge: each patch gives whole entries.
  const containerStates = (pod: V1Pod, waiting: { reason: string; message?: string }) => ({
    status: {
      containerStatuses: (pod.spec?.containers ?? []).map((c) => ({
        name: c.name,
        image: c.image,
        imageID: '',
        ready: false,
        restartCount: 0,
        started: false,
        state: { waiting },
      })),
    },
  });

  /** The pull worked: the container is being created; kwok's pod-ready stage then starts it. */
  async function pulled(pod: V1Pod): Promise<void> {
    const ref = { name: pod.metadata?.name ?? '', namespace };
    await core.patchNamespacedPodStatus(
      { ...ref, body: containerStates(pod, { reason: 'ContainerCreating' }) },
      statusPatch,
    );
    const remove = [TEST_ANNOTATIONS.imagePullError, RETRIED_ANNOTATION].map((key) => ({
      op: 'remove',
      path: `/metadata/annotations/${key.replace('/', '~1')}`,
    }));
    await core.patchNamespacedPod({ ...ref, body: remove }, jsonPatch);
  }

  /** Failed again: ErrImagePull with the new message (kwok then backs off), the event counted. */
  async function failedAgain(pod: V1Pod, error: string): Promise<void> {
    const podName = pod.metadata?.name ?? '';
    const key = TEST_ANNOTATIONS.imagePullError.replace('/', '~1');
    await core.patchNamespacedPod(
      {
        name: podName,
        namespace,
        body: [{ op: 'replace', path: `/metadata/annotations/${key}`, value: error }],
      },
      jsonPatch,
    );
    await core.patchNamespacedPodStatus(
      {
        name: podName,
        namespace,
        body: containerStates(pod, { reason: 'ErrImagePull', message: error }),
      },
      statusPatch,
    );
    const eventName = `${podName}.image-pull-failed`;
    const event = await core.readNamespacedEvent({ name: eventName, namespace }).catch(() => undefined);
    if (!event) return;
    const image = pod.spec?.containers[0]?.image ?? '';
    await core.replaceNamespacedEvent({
      name: eventName,
      namespace,
      body: {
        ...event,
        message: `Failed to pull image "${image}": ${error}`,
        count: (event.count ?? 1) + 1,
        lastTimestamp: new Date(),
      },
    });
  }

  let stopped = false;
  const retrying = (async () => {
    while (!stopped) {
      await new Promise((resolve) => setTimeout(resolve, RETRY_POLL_MS));
      // A busy or restarting API server: the next round tries again, as the kubelet would.
      await retryFailedPulls().catch(() => undefined);
    }
  })();

  return {
    decisions,
    async close() {
      stopped = true;
      await retrying;
      await admission.deleteMutatingWebhookConfiguration({ name }).catch(() => undefined);
      await new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
    },
  };
}
