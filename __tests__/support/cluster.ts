// Helpers for e2e tests against the local control plane of scripts/cluster.sh (started once per
// run by global-setup.ts, which exports KUBECONFIG, BIFROST_CLUSTER_ISSUER, BIFROST_CLUSTER_STATE).
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll } from '@jest/globals';
import { CoreV1Api, KubeConfig, Watch, type KubernetesObject } from '@kubernetes/client-node';

export { TEST_ANNOTATIONS } from './test-annotations.js';

/** The name of the node kwok simulates. */
export const NODE_NAME = 'kwok-node-0';

function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: e2e tests need the global setup (scripts/cluster.sh up)`);
  return value;
}

/** The ServiceAccount token issuer the cluster was started with. */
export function clusterIssuer(): string {
  return requireEnv('BIFROST_CLUSTER_ISSUER');
}

/** A KubeConfig for the local cluster (admin client certificate). */
export function kubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(requireEnv('KUBECONFIG'));
  return kc;
}

const createdNamespaces: string[] = [];

/**
 * Creates a namespace `<prefix>-<random>` for one test and waits for its `default`
 * ServiceAccount (pods are refused until the controller-manager has made it).
 * Namespaces are deleted after the test file (not awaited: deletion finishes in the background).
 */
export async function newNamespace(prefix: string): Promise<string> {
  const name = `${prefix}-${randomBytes(3).toString('hex')}`;
  const kc = kubeConfig();
  await kc.makeApiClient(CoreV1Api).createNamespace({
    body: { metadata: { name, labels: { 'bifrost-aks.test/e2e': 'true' } } },
  });
  createdNamespaces.push(name);
  await waitForObject(kc, `/api/v1/namespaces/${name}/serviceaccounts`, {
    what: `ServiceAccount ${name}/default`,
    fieldSelector: 'metadata.name=default',
    until: () => true,
    timeoutMs: 30_000,
  });
  return name;
}

/** Waits still pending (a test timed out): their watches are closed after the file. */
const pendingWaits = new Set<() => void>();

/** Log files written by writePodLog, removed after the file along with the namespaces. */
const writtenLogFiles: string[] = [];

afterAll(async () => {
  for (const cancel of [...pendingWaits]) cancel();
  for (const file of writtenLogFiles.splice(0)) rmSync(file, { force: true });
  if (createdNamespaces.length === 0) return;
  const core = kubeConfig().makeApiClient(CoreV1Api);
  await Promise.all(
    createdNamespaces
      .splice(0)
      .map((name) => core.deleteNamespace({ name, propagationPolicy: 'Background' }).catch(() => undefined)),
  );
});

export interface WaitOptions<T> {
  /** Says what is awaited, for the timeout message. */
  what: string;
  /** Resolves when this returns true for an object. */
  until: (obj: T) => boolean;
  fieldSelector?: string;
  labelSelector?: string;
  timeoutMs?: number;
}

/**
 * Watches a collection (e.g. `/apis/batch/v1/namespaces/ns/jobs`) until an object satisfies
 * `until`, and returns it. A watch without resourceVersion first replays every existing object
 * as ADDED, so a state reached before the watch started is seen too; watches the server ends
 * are restarted the same way.
 */
export function waitForObject<T extends KubernetesObject>(
  kc: KubeConfig,
  collectionPath: string,
  options: WaitOptions<T>,
): Promise<T> {
  const { what, until, fieldSelector, labelSelector, timeoutMs = 60_000 } = options;
  const watch = new Watch(kc);
  let lastSeen: T | undefined;
  let finished = false;
  let current: AbortController | undefined;

  return new Promise<T>((resolve, reject) => {
    const finish = (error: Error | undefined, obj?: T) => {
      if (finished) return;
      finished = true;
      pendingWaits.delete(cancel);
      clearTimeout(timer);
      current?.abort();
      if (error) reject(error);
      else resolve(obj as T);
    };
    const cancel = () => finish(new Error(`abandoned while waiting for ${what}`));
    pendingWaits.add(cancel);
    const timer = setTimeout(() => {
      const seen = lastSeen ? JSON.stringify(summary(lastSeen)) : 'nothing';
      finish(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last seen: ${seen}`));
    }, timeoutMs);

    const start = (): void => {
      if (finished) return;
      watch
        .watch(
          collectionPath,
          { fieldSelector, labelSelector, timeoutSeconds: Math.ceil(timeoutMs / 1000) + 5 },
          (phase, obj: T) => {
            if (phase !== 'ADDED' && phase !== 'MODIFIED') return;
            lastSeen = obj;
            if (until(obj)) finish(undefined, obj);
          },
          (err: unknown) => {
            if (finished) return;
            if (err && (err as { name?: string }).name !== 'AbortError') {
              finish(
                new Error(
                  `watch on ${collectionPath} failed while waiting for ${what}: ${err instanceof Error ? err.message : JSON.stringify(err)}`,
                ),
              );
            } else {
              setTimeout(start, 200); // the server closed the watch: start a new one
            }
          },
        )
        .then(
          (controller) => {
            current = controller;
            if (finished) controller.abort();
          },
          (err: unknown) => finish(new Error(`cannot watch ${collectionPath}: ${String(err)}`)),
        );
    };
    start();
  });
}

function summary(obj: KubernetesObject): unknown {
  const { status } = obj as { status?: unknown };
  return { name: obj.metadata?.name, status };
}

/**
 * Writes a pod log for kwok to serve and returns its path, for the pod annotation
 * TEST_ANNOTATIONS.logFile. Lines are written in the CRI log format kwok reads.
 */
export function writePodLog(lines: string[]): string {
  const dir = path.join(requireEnv('BIFROST_CLUSTER_STATE'), 'pod-logs');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${Date.now()}-${randomBytes(4).toString('hex')}.log`);
  const now = new Date().toISOString();
  writeFileSync(file, lines.map((line) => `${now} stdout F ${line}\n`).join(''));
  writtenLogFiles.push(file);
  return file;
}

// ── Pod HTTP answers (scripts/cluster/pod-network.sh) ───────────────────────────────────────
// Every pod IP answers HTTP from pod-http, in the cluster's own network namespace: by default
// GET /health → 200 with Bifrost's healthy body, other paths 404. An answer file overrides that.

/** What a pod IP answers to every request while the answer file exists. */
export interface PodHttpAnswer {
  status: number;
  /** The response body; a non-string is sent as its JSON. */
  body: unknown;
  /** Default application/json. */
  contentType?: string;
}

/** Answer files written by setPodHttpAnswer, removed after the file. */
const writtenAnswerFiles: string[] = [];

afterAll(() => {
  for (const file of writtenAnswerFiles.splice(0)) rmSync(file, { force: true });
});

/**
 * Makes the pod with this IP answer every HTTP request (any path, any port pod-http listens on)
 * with `answer`, until the end of the test file. Returns the file written:
 * `$BIFROST_CLUSTER_STATE/pod-http/<podIP>.json`, read by pod-http on each request.
 */
export function setPodHttpAnswer(podIP: string, answer: PodHttpAnswer): string {
  if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(podIP)) throw new Error(`not a pod IPv4 address: ${podIP}`);
  const dir = path.join(requireEnv('BIFROST_CLUSTER_STATE'), 'pod-http');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${podIP}.json`);
  const body = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
  writeFileSync(
    file,
    JSON.stringify({ status: answer.status, body, contentType: answer.contentType ?? 'application/json' }),
  );
  if (!writtenAnswerFiles.includes(file)) writtenAnswerFiles.push(file);
  return file;
}
