// Runs the refresher container of a rendered CronJob for real on this host, the way its pod would:
// the container's own command and env; its volumes resolved against a real API server
// (ConfigMap files read from the cluster — refresh.mjs and the credential config —, projected
// ServiceAccount tokens obtained by TokenRequest, emptyDirs as tmpfs); the ServiceAccount's API
// credentials mounted where in-cluster clients look for them, so the script acts as the
// ServiceAccount and the RBAC Role is really exercised. The image's node (/nodejs/bin/node in the
// distroless image) is this machine's node (process.execPath). Paths are mapped with bubblewrap
// (`apt-get install -y bubblewrap`):
//   - the root filesystem is read-only, /run and /tmp are fresh tmpfs;
//   - runAsUser/runAsGroup from the pod's securityContext become the process's ids (user
//     namespace); without them the process is root, like an image's default user.
// Side effect on the host: bubblewrap creates missing mount points outside /run and /tmp as
// empty directories (e.g. /etc/gcp) before the root is made read-only. It needs root (or
// unprivileged user namespaces and a writable /etc).
//
// runSandboxed() is the lower layer (no cluster needed); runRefresher() resolves a CronJob.

import { spawn } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  mkdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  CoreV1Api,
  type KubeConfig,
  type V1Container,
  type V1CronJob,
  type V1PodSpec,
  type V1Volume,
} from '@kubernetes/client-node';
import { REFRESHER_NODE } from '../../src/manifests/refresher.js';
import { registerCapture } from './secret-scan.js';
import { REFRESHER_CONTAINER } from '../../src/manifests/names.js';

/** PATH of the distroless images. */
const IMAGE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** The image's node is this machine's node. */
function hostArgv(argv: string[]): string[] {
  return argv.map((arg, index) => (index === 0 && arg === REFRESHER_NODE ? process.execPath : arg));
}
const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export interface SandboxMount {
  /** Path inside the sandbox. */
  target: string;
  /** `dir`: a host directory, read-only unless `writable`; `tmpfs`: an empty in-memory dir. */
  kind: 'dir' | 'tmpfs';
  source?: string;
  writable?: boolean;
}

export interface SandboxSpec {
  argv: string[];
  env: Record<string, string>;
  mounts: SandboxMount[];
  /** Run under these ids in a user namespace; unset: as the caller (root). */
  uid?: number;
  gid?: number;
  timeoutMs: number;
}

export interface RefresherRun {
  exitCode: number | null;
  /** Set when the run was killed (timeout). */
  signal?: NodeJS.Signals;
  stdout: string;
  stderr: string;
  /** Wall time of the container's process (bubblewrap included). */
  durationMs?: number;
}

/** The sandbox's root is the host's, but bwrap creates mount points before entering it, where an
 * absolute symlink (/var/run → /run) points at the host: mount at the resolved path instead. */
function resolvedTarget(target: string): string {
  let existing = target;
  while (!existsSync(existing) && existing !== '/') existing = path.dirname(existing);
  return path.join(realpathSync(existing), path.relative(existing, target));
}

export function bubblewrapArgs(spec: SandboxSpec): string[] {
  const args = ['--die-with-parent', '--unshare-pid', '--bind', '/', '/', '--dev', '/dev', '--proc', '/proc'];
  // /run first: the seed's /var/run/secrets/... mount points then live in a tmpfs, not on the host.
  args.push('--tmpfs', '/run', '--tmpfs', '/tmp');
  for (const mount of spec.mounts) {
    const target = resolvedTarget(mount.target);
    if (mount.kind === 'tmpfs') args.push('--tmpfs', target);
    else args.push(mount.writable ? '--bind' : '--ro-bind', mount.source ?? '', target);
  }
  args.push('--remount-ro', '/');
  if (spec.uid !== undefined) {
    args.push('--unshare-user', '--uid', String(spec.uid), '--gid', String(spec.gid ?? spec.uid));
  }
  args.push('--chdir', '/', '--', ...spec.argv);
  return args;
}

/** bwrap from this process's PATH (the sandbox's PATH is the image's, not ours). */
function bwrapPath(): string {
  for (const dir of (process.env.PATH ?? '/usr/bin').split(path.delimiter)) {
    if (dir && existsSync(path.join(dir, 'bwrap'))) return path.join(dir, 'bwrap');
  }
  return 'bwrap'; // spawn then fails with ENOENT, reported below
}

/** Runs argv under bubblewrap with exactly `spec.env` as its environment. */
export function runSandboxed(spec: SandboxSpec): Promise<RefresherRun> {
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const child = spawn(bwrapPath(), bubblewrapArgs(spec), {
      env: spec.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), spec.timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`could not start bwrap (apt-get install -y bubblewrap): ${err.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const durationMs = Number(process.hrtime.bigint() - started) / 1e6;
      // The container's log, as `kubectl logs` and the action's evidence would show it.
      registerCapture(`refresher container log (${spec.argv[0]})`, `${stdout}\n${stderr}`);
      resolve({ exitCode: code, ...(signal ? { signal } : {}), stdout, stderr, durationMs });
    });
  });
}

export interface RunRefresherOptions {
  /** The CronJob as rendered (and applied: its ConfigMap and ServiceAccount must exist). */
  cronJob: V1CronJob;
  /** Admin access to the API server: reads ConfigMaps, requests ServiceAccount tokens. */
  kubeConfig: KubeConfig;
  namespace: string;
  /** Replaces container env values, e.g. to aim the script at another Secret in an RBAC test. */
  envOverrides?: Record<string, string>;
  timeoutMs?: number;
}

function refresherContainer(podSpec: V1PodSpec): V1Container {
  const container = podSpec.containers.find((c) => c.name === REFRESHER_CONTAINER);
  if (!container) throw new Error(`the CronJob has no container named ${REFRESHER_CONTAINER}`);
  return container;
}

function containerEnv(container: V1Container, namespace: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const variable of container.env ?? []) {
    if (variable.value !== undefined) env[variable.name] = variable.value;
    else if (variable.valueFrom?.fieldRef?.fieldPath === 'metadata.namespace') env[variable.name] = namespace;
    else if (variable.valueFrom)
      throw new Error(`env ${variable.name}: only value and metadata.namespace are supported here`);
    else env[variable.name] = '';
  }
  return env;
}

/** The API server as in-cluster clients see it: KUBERNETES_SERVICE_HOST/PORT and the CA. */
function apiServer(kubeConfig: KubeConfig): { host: string; port: string; ca: string } {
  const cluster = kubeConfig.getCurrentCluster();
  if (!cluster) throw new Error('the admin KubeConfig has no current cluster');
  const url = new URL(cluster.server);
  const ca = cluster.caData
    ? Buffer.from(cluster.caData, 'base64').toString('utf8')
    : cluster.caFile
      ? readFileSync(cluster.caFile, 'utf8')
      : '';
  return { host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port: url.port || '443', ca };
}

async function requestToken(
  core: CoreV1Api,
  namespace: string,
  serviceAccount: string,
  expirationSeconds: number,
  audience?: string,
): Promise<string> {
  const response = await core.createNamespacedServiceAccountToken({
    name: serviceAccount,
    namespace,
    body: { spec: { audiences: audience ? [audience] : [], expirationSeconds } },
  });
  const token = response.status?.token;
  if (!token) throw new Error(`TokenRequest for ${namespace}/${serviceAccount} returned no token`);
  return token;
}

/** Materialises one pod volume as a host directory (or tmpfs) the way the kubelet would. */
async function volumeMount(
  volume: V1Volume,
  target: string,
  dir: string,
  core: CoreV1Api,
  namespace: string,
  serviceAccount: string,
): Promise<SandboxMount> {
  if (volume.emptyDir) return { kind: 'tmpfs', target };
  mkdirSync(dir, { recursive: true });
  if (volume.configMap) {
    const configMap = await core.readNamespacedConfigMap({ name: volume.configMap.name ?? '', namespace });
    const data = configMap.data ?? {};
    const items = volume.configMap.items ?? Object.keys(data).map((key) => ({ key, path: key }));
    for (const item of items) {
      if (!(item.key in data))
        throw new Error(`ConfigMap ${configMap.metadata?.name} has no key ${item.key}`);
      writeFileSync(path.join(dir, item.path), data[item.key], { mode: 0o644 });
    }
  } else if (volume.projected) {
    for (const source of volume.projected.sources ?? []) {
      const tokenSource = source.serviceAccountToken;
      if (!tokenSource)
        throw new Error(`volume ${volume.name}: only serviceAccountToken projections are supported here`);
      const token = await requestToken(
        core,
        namespace,
        serviceAccount,
        tokenSource.expirationSeconds ?? 3600,
        tokenSource.audience,
      );
      writeFileSync(path.join(dir, tokenSource.path), token, { mode: 0o600 });
    }
  } else {
    throw new Error(
      `volume ${volume.name}: only configMap, projected and emptyDir volumes are supported here`,
    );
  }
  // The kubelet mounts configMap and projected volumes read-only whatever the volumeMount says.
  return { kind: 'dir', source: dir, target };
}

/** Runs the CronJob's refresher container once, as its pod would. */
export async function runRefresher(options: RunRefresherOptions): Promise<RefresherRun> {
  const { cronJob, kubeConfig, namespace } = options;
  const podSpec = cronJob.spec?.jobTemplate.spec?.template.spec;
  if (!podSpec) throw new Error('the CronJob has no pod template');
  const container = refresherContainer(podSpec);
  const serviceAccount = podSpec.serviceAccountName ?? 'default';
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const workDir = mkdtempSync(path.join(tmpdir(), 'refresher-run-'));
  try {
    const mounts: SandboxMount[] = [];
    for (const [index, mount] of (container.volumeMounts ?? []).entries()) {
      const volume = podSpec.volumes?.find((v) => v.name === mount.name);
      if (!volume) throw new Error(`volumeMount ${mount.name} has no volume`);
      mounts.push(
        await volumeMount(
          volume,
          mount.mountPath,
          path.join(workDir, `volume-${index}`),
          core,
          namespace,
          serviceAccount,
        ),
      );
    }

    const server = apiServer(kubeConfig);
    const env: Record<string, string> = {
      PATH: IMAGE_PATH,
      HOSTNAME: `${cronJob.metadata?.name ?? 'refresher'}-manual`,
      KUBERNETES_SERVICE_HOST: server.host,
      KUBERNETES_SERVICE_PORT: server.port,
      KUBERNETES_SERVICE_PORT_HTTPS: server.port,
      ...containerEnv(container, namespace),
      ...options.envOverrides,
    };

    // The kubelet mounts the ServiceAccount's API credentials unless automount is off.
    const account = await core.readNamespacedServiceAccount({ name: serviceAccount, namespace });
    const automount = podSpec.automountServiceAccountToken ?? account.automountServiceAccountToken ?? true;
    if (automount) {
      const dir = path.join(workDir, 'serviceaccount');
      mkdirSync(dir);
      writeFileSync(path.join(dir, 'token'), await requestToken(core, namespace, serviceAccount, 3607), {
        mode: 0o600,
      });
      const rootCa = await core
        .readNamespacedConfigMap({ name: 'kube-root-ca.crt', namespace })
        .then((cm) => cm.data?.['ca.crt'])
        .catch(() => undefined);
      writeFileSync(path.join(dir, 'ca.crt'), rootCa ?? server.ca);
      writeFileSync(path.join(dir, 'namespace'), namespace);
      mounts.push({ kind: 'dir', source: dir, target: SERVICE_ACCOUNT_DIR });
    }

    const uid = container.securityContext?.runAsUser ?? podSpec.securityContext?.runAsUser;
    const gid = container.securityContext?.runAsGroup ?? podSpec.securityContext?.runAsGroup ?? uid;
    return await runSandboxed({
      argv: hostArgv([...(container.command ?? []), ...(container.args ?? [])]),
      env,
      mounts,
      uid,
      gid,
      timeoutMs: options.timeoutMs ?? (cronJob.spec?.jobTemplate.spec?.activeDeadlineSeconds ?? 120) * 1000,
    });
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}
