// The host executor: plays the container runtime for refresher pods. kwok simulates every pod on
// the local cluster, but a Job pod whose image is HOST_EXECUTOR_IMAGE is held Running (kwok stage
// pod-complete-host-executed.yaml) until this executor has run its container for real on this
// host (runRefresher: bubblewrap, refresh.mjs under the machine's node, the ServiceAccount's own
// token). The executor then points the pod's log at what the script printed and annotates the
// pod with the outcome, and kwok finishes it: Succeeded on exit 0, Failed otherwise. So the
// action's initial refresh Job really creates the pull secret, through the real script.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import {
  CoreV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  type V1CronJob,
  type V1Pod,
  Watch,
} from '@kubernetes/client-node';
import { runRefresher, type RefresherRun } from './run-refresher.js';

export const HOST_EXECUTOR_IMAGE = 'host-executor.bifrost-aks.test/run:local';
const EXECUTED = 'bifrost-aks.test/executed';
const FAIL = 'bifrost-aks.test/fail';
const EXIT_CODE = 'bifrost-aks.test/exit-code';

export interface ExecutedPod {
  namespace: string;
  pod: string;
  run: RefresherRun;
}

export interface HostExecutor {
  /** Every pod run so far. */
  executed: ExecutedPod[];
  stop(): void;
}

export interface HostExecutorOptions {
  kubeConfig: KubeConfig;
  /** Watch one namespace (tests) or all (the local demo). */
  namespace?: string;
  /** Where the pods' logs are written (CRI format, served by kwok). */
  logDir: string;
  /** Replaces container env values, e.g. to aim the refresher at another endpoint. */
  envOverrides?: Record<string, string>;
}

export async function startHostExecutor(options: HostExecutorOptions): Promise<HostExecutor> {
  const { kubeConfig, namespace, logDir } = options;
  mkdirSync(logDir, { recursive: true });
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const custom = kubeConfig.makeApiClient(CustomObjectsApi);
  const started = new Set<string>();
  const executed: ExecutedPod[] = [];
  let stopped = false;
  let controller: AbortController | undefined;

  const execute = async (pod: V1Pod) => {
    const ns = pod.metadata?.namespace ?? '';
    const name = pod.metadata?.name ?? '';
    const run = await runRefresher({
      cronJob: asCronJob(pod),
      kubeConfig,
      namespace: ns,
      envOverrides: options.envOverrides,
    }).catch((error: Error): RefresherRun => ({
      exitCode: 127,
      stdout: '',
      stderr: `host executor: ${error.message}\n`,
    }));
    executed.push({ namespace: ns, pod: name, run });
    const logFile = path.join(logDir, `${ns}_${name}.log`);
    writeFileSync(logFile, criLog(run));
    // The Logs object kwok made when the pod started names the default log: point it at ours.
    await custom.patchNamespacedCustomObject(
      {
        group: 'kwok.x-k8s.io',
        version: 'v1alpha1',
        plural: 'logs',
        namespace: ns,
        name,
        body: { spec: { logs: [{ logsFile: logFile }] } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    const lastError = run.stderr.trim().split('\n').pop() ?? 'failed';
    const annotations =
      run.exitCode === 0
        ? { [EXECUTED]: 'true' }
        : { [FAIL]: lastError, [EXIT_CODE]: String(run.exitCode ?? 137) };
    await core.patchNamespacedPod(
      { name, namespace: ns, body: { metadata: { annotations } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  };

  const path_ = namespace ? `/api/v1/namespaces/${namespace}/pods` : '/api/v1/pods';
  const watchOnce = async () => {
    controller = await new Watch(kubeConfig).watch(
      path_,
      {},
      (type, pod: V1Pod) => {
        const key = `${pod.metadata?.namespace}/${pod.metadata?.name}`;
        if (type === 'DELETED' || started.has(key)) return;
        if (pod.spec?.containers?.[0]?.image !== HOST_EXECUTOR_IMAGE || pod.status?.phase !== 'Running')
          return;
        if (pod.metadata?.annotations?.[EXECUTED] || pod.metadata?.annotations?.[FAIL]) return;
        started.add(key);
        execute(pod).catch((error) => console.error(`host executor: ${key}: ${error}`));
      },
      () => {
        if (!stopped) setTimeout(() => void watchOnce(), 200);
      },
    );
  };
  await watchOnce();
  return {
    executed,
    stop: () => {
      stopped = true;
      controller?.abort();
    },
  };
}

/** runRefresher takes the CronJob as rendered; a pod carries the same pod spec, plus the API
 * credentials volume admission added (runRefresher mounts those itself). */
function asCronJob(pod: V1Pod): V1CronJob {
  const injected = (name: string) => name.startsWith('kube-api-access-');
  const spec = pod.spec && {
    ...pod.spec,
    volumes: pod.spec.volumes?.filter((v) => !injected(v.name)),
    containers: pod.spec.containers.map((c) => ({
      ...c,
      volumeMounts: c.volumeMounts?.filter((m) => !injected(m.name)),
    })),
  };
  return {
    metadata: { name: pod.metadata?.name, namespace: pod.metadata?.namespace },
    spec: {
      schedule: '@never',
      jobTemplate: { spec: { activeDeadlineSeconds: pod.spec?.activeDeadlineSeconds, template: { spec } } },
    },
  };
}

/** The CRI log format kwok's kubelet API serves: `<time> <stream> F <line>`. */
function criLog(run: RefresherRun): string {
  const now = new Date().toISOString().replace('Z', '000000Z');
  const lines = (stream: string, text: string) =>
    text
      .split('\n')
      .filter((line) => line.length > 0)
      .map((line) => `${now} ${stream} F ${line}\n`)
      .join('');
  return lines('stdout', run.stdout) + lines('stderr', run.stderr);
}
