// The kubelet's image pull, for real, in one namespace: a mutating admission webhook (failurePolicy
// Ignore, namespace-scoped, served here over HTTPS with the test CA) that, for each new pod whose
// image lives in the test registry, asks that registry for the manifest with the pod's own
// imagePullSecrets — the request containerd makes before a pull (src/chain/registry.ts). When the
// registry refuses, the webhook puts containerd's error text on the pod as
// `bifrost-aks.test/image-pull-error`, and the kwok stages turn it into ErrImagePull /
// ImagePullBackOff with a `Failed` event, as a real kubelet would show. No kwok stage changes.
//
// Like the kubelet, which retries a pull whose Secret does not exist yet, the webhook waits a few
// seconds for a missing pull secret (a first deploy creates the Deployment while the initial
// refresh is still writing it) before pulling anonymously.
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { AdmissionregistrationV1Api, CoreV1Api, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
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

const SECRET_WAIT_MS = 20_000;

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
    const deadline = Date.now() + SECRET_WAIT_MS;
    for (const ref of pod.spec?.imagePullSecrets ?? []) {
      for (;;) {
        try {
          const secret = await core.readNamespacedSecret({ name: ref.name ?? '', namespace });
          const config = JSON.parse(
            Buffer.from(secret.data?.['.dockerconfigjson'] ?? '', 'base64').toString('utf8'),
          ) as { auths?: Record<string, { username?: string; password?: string }> };
          const entry = config.auths?.[registryHost];
          if (entry?.username && entry.password)
            return { username: entry.username, password: entry.password };
          break;
        } catch {
          if (Date.now() > deadline) break;
          await new Promise((resolve) => setTimeout(resolve, 250));
        }
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
        const patch = pod.metadata?.annotations
          ? [
              {
                op: 'add',
                path: `/metadata/annotations/${TEST_ANNOTATIONS.imagePullError.replace('/', '~1')}`,
                value: error,
              },
            ]
          : [
              {
                op: 'add',
                path: '/metadata/annotations',
                value: { [TEST_ANNOTATIONS.imagePullError]: error },
              },
            ];
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
  return {
    decisions,
    async close() {
      await admission.deleteMutatingWebhookConfiguration({ name }).catch(() => undefined);
      await new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
    },
  };
}
