// Settings → the Kubernetes objects of one install, as plain objects in apply order. Pure: no
// I/O, no clock. Objects are never built from YAML text, so no input can add a key or an
// object; toYamlStream serializes them (yaml.ts) for the `render` mode and for review.
// Names, paths and ports keep the seed page's values; each deliberate change cites its defect
// id from docs/SEED-REVIEW.md (the seed test lists every one).
import type {
  KubernetesObject,
  V1ClusterRole,
  V1ClusterRoleBinding,
  V1ConfigMap,
  V1Container,
  V1CronJob,
  V1Deployment,
  V1Namespace,
  V1ObjectMeta,
  V1PodSecurityContext,
  V1PodTemplateSpec,
  V1Probe,
  V1Role,
  V1RoleBinding,
  V1Secret,
  V1SecurityContext,
  V1Service,
  V1ServiceAccount,
  V1Volume,
  V1VolumeMount,
} from '@kubernetes/client-node';
import type { Settings } from '../config/settings.js';
import { credentialConfig } from './gcp.js';
import {
  APP_DIR,
  AZURE_TOKEN_EXCHANGE_AUDIENCE,
  CONFIG_CHECKSUM_ANNOTATION,
  CONFIG_KEY,
  GATEWAY_CONTAINER,
  GATEWAY_PORT,
  GATEWAY_SELECTOR,
  HEALTH_PATH,
  MANAGED_BY_LABEL,
  MANAGED_BY_VALUE,
  PART_OF_LABEL,
  POD_SECURITY_ENFORCE_LABEL,
  REFRESHER_CONTAINER,
  REFRESHER_SPEC_ENV,
  REFRESHER_UID,
  WORKLOAD_IDENTITY_CLIENT_ID_ANNOTATION,
  WORKLOAD_IDENTITY_USE_LABEL,
} from './names.js';
import {
  REFRESHER_PATHS,
  previewListerRules,
  pullSecretWriterRules,
  refresherCommand,
  refresherEnv,
  refresherScriptEntry,
  refresherSpecHash,
} from './refresher.js';
import { toYamlDocument } from './yaml.js';

const CRONJOB_STARTING_DEADLINE_SECONDS = 300;
const JOB_BACKOFF_LIMIT = 2;
const JOB_ACTIVE_DEADLINE_SECONDS = 300;
const PROJECTED_TOKEN_SECONDS = 3600;
/** Scratch space (beyond Pod Security "restricted"): every emptyDir is bounded and every
 * container declares the node disk it may use, so one pod cannot fill a node's disk.
 * The gateway's APP_DIR holds config.db and logs.db (SQLite); /tmp is Go's temp dir. */
const GATEWAY_DATA_SIZE_LIMIT = '1Gi';
const GATEWAY_TMP_SIZE_LIMIT = '256Mi';
const GATEWAY_EPHEMERAL_STORAGE = { request: '256Mi', limit: '2Gi' }; // ≥ both emptyDirs
const REFRESHER_EPHEMERAL_STORAGE = { request: '64Mi', limit: '512Mi' };

export interface Rendered {
  objects: KubernetesObject[];
  warnings: string[];
}

export function render(settings: Settings): Rendered {
  const objects: KubernetesObject[] = [
    namespace(settings),
    refresherServiceAccount(settings),
    gatewayServiceAccount(settings),
    credentialConfigMap(settings),
    secretManagerRole(settings),
    secretManagerRoleBinding(settings),
    ...(settings.workload.servePreviews
      ? [previewListerClusterRole(settings), previewListerClusterRoleBinding(settings)]
      : []),
    ...(settings.workload.config ? [configSecret(settings)] : []),
    refresherCronJob(settings),
    gatewayDeployment(settings),
    gatewayService(settings),
  ];
  return { objects, warnings: warnings(settings) };
}

/** One YAML document per object, `---` separated, by yaml.ts: strings quoted so
 * YAML 1.1 (kubectl's parser) and 1.2 readers both read `on`/`yes`/`0755` back as strings; no
 * anchors or aliases. */
export function toYamlStream(objects: readonly KubernetesObject[]): string {
  return objects.map((object) => toYamlDocument(object)).join('---\n');
}

/** Copies with every Secret value replaced, for manifests written to disk or logs. */
export function redactSecretData(objects: readonly KubernetesObject[]): KubernetesObject[] {
  return objects.map((object) => {
    if (object.kind !== 'Secret') return object;
    const secret = structuredClone(object) as V1Secret;
    for (const field of ['data', 'stringData'] as const) {
      const values = secret[field];
      if (values) for (const key of Object.keys(values)) values[key] = '<redacted>';
    }
    return secret;
  });
}

// ---------------------------------------------------------------------------------------------

function commonLabels(): Record<string, string> {
  return { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [PART_OF_LABEL]: 'bifrost' };
}

function metadata(settings: Settings, name: string, extra: Partial<V1ObjectMeta> = {}): V1ObjectMeta {
  return {
    name,
    namespace: settings.names.namespace,
    ...extra,
    labels: { ...extra.labels, ...commonLabels() },
  };
}

/** Pod Security admission enforces `pod-security` on every pod of the namespace (default
 * restricted, which every rendered pod meets); `none` leaves the label to the cluster's owner. */
function namespace(settings: Settings): V1Namespace {
  const level = settings.workload.podSecurity;
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name: settings.names.namespace,
      labels: {
        ...(level === 'none' ? {} : { [POD_SECURITY_ENFORCE_LABEL]: level }),
        ...commonLabels(),
      },
    },
  };
}

/** The refresher's identity: the federated credential's subject. The seed's label stays; only
 * the pod label matters to the webhook (D6). */
function refresherServiceAccount(settings: Settings): V1ServiceAccount {
  return {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: metadata(settings, settings.names.refresherServiceAccount, {
      annotations: { [WORKLOAD_IDENTITY_CLIENT_ID_ANNOTATION]: settings.identity.clientId },
      labels: { [WORKLOAD_IDENTITY_USE_LABEL]: 'true' },
    }),
  };
}

/** The gateway's own identity, with no API token and no Secret access (D5). */
function gatewayServiceAccount(settings: Settings): V1ServiceAccount {
  return {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: metadata(settings, settings.names.gatewayServiceAccount),
    automountServiceAccountToken: false,
  };
}

function credentialConfigMap(settings: Settings): V1ConfigMap {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: metadata(settings, settings.names.credentialConfigMap),
    data: {
      [REFRESHER_PATHS.credentialConfigFile]: `${JSON.stringify(credentialConfig(settings.identity), null, 2)}\n`,
      // The refresher's program, readable here (refresher-script.ts).
      ...refresherScriptEntry(),
    },
  };
}

/** Only the pull secret may be read or patched; `create` cannot be limited by name (D4). */
function secretManagerRole(settings: Settings): V1Role {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: metadata(settings, settings.names.role),
    rules: pullSecretWriterRules(settings.names.pullSecret),
  };
}

/** `serve-previews`: cluster-scoped, so named after the production namespace. */
function previewListerName(settings: Settings): string {
  return `bifrost-preview-namespaces-${settings.names.namespace}`;
}

function previewListerClusterRole(settings: Settings): V1ClusterRole {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name: previewListerName(settings), labels: commonLabels() },
    rules: previewListerRules(),
  };
}

function previewListerClusterRoleBinding(settings: Settings): V1ClusterRoleBinding {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name: previewListerName(settings), labels: commonLabels() },
    subjects: [
      {
        kind: 'ServiceAccount',
        name: settings.names.refresherServiceAccount,
        namespace: settings.names.namespace,
      },
    ],
    roleRef: {
      kind: 'ClusterRole',
      name: previewListerName(settings),
      apiGroup: 'rbac.authorization.k8s.io',
    },
  };
}

function secretManagerRoleBinding(settings: Settings): V1RoleBinding {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: metadata(settings, settings.names.roleBinding),
    subjects: [
      {
        kind: 'ServiceAccount',
        name: settings.names.refresherServiceAccount,
        namespace: settings.names.namespace,
      },
    ],
    roleRef: { kind: 'Role', name: settings.names.role, apiGroup: 'rbac.authorization.k8s.io' },
  };
}

/** The Bifrost config.json the seed never creates (D7). `data`, not `stringData`: server-side
 * apply then owns exactly the bytes given. */
function configSecret(settings: Settings): V1Secret {
  const config = settings.workload.config!;
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: metadata(settings, settings.names.configSecret),
    type: 'Opaque',
    data: { [CONFIG_KEY]: Buffer.from(config.json, 'utf8').toString('base64') },
  };
}

function refresherCronJob(settings: Settings): V1CronJob {
  const volumes: V1Volume[] = [
    { name: 'gcp-credential-config', configMap: { name: settings.names.credentialConfigMap } },
    {
      // The seed's volume name: webhooks ≤ 1.5 skip their own injection when it exists (D6).
      name: 'azure-identity-token',
      projected: {
        sources: [
          {
            serviceAccountToken: {
              path: REFRESHER_PATHS.saTokenFile,
              expirationSeconds: PROJECTED_TOKEN_SECONDS,
              audience: AZURE_TOKEN_EXCHANGE_AUDIENCE,
            },
          },
        ],
      },
    },
  ];
  const volumeMounts: V1VolumeMount[] = [
    { name: 'gcp-credential-config', mountPath: REFRESHER_PATHS.credentialConfigDir, readOnly: true },
    { name: 'azure-identity-token', mountPath: REFRESHER_PATHS.saTokenDir, readOnly: true },
  ];
  const container: V1Container = {
    name: REFRESHER_CONTAINER,
    image: settings.workload.refresherImage,
    command: refresherCommand(),
    env: refresherEnv(settings),
    volumeMounts,
    // refresh.mjs writes nothing: no writable volume at all.
    securityContext: { ...restrictedContainerSecurityContext(), readOnlyRootFilesystem: true },
    resources: {
      requests: { cpu: '50m', memory: '64Mi', 'ephemeral-storage': REFRESHER_EPHEMERAL_STORAGE.request },
      limits: { cpu: '1', memory: '256Mi', 'ephemeral-storage': REFRESHER_EPHEMERAL_STORAGE.limit },
    },
  };
  const podSecurityContext: V1PodSecurityContext = {
    runAsNonRoot: true,
    runAsUser: REFRESHER_UID,
    runAsGroup: REFRESHER_UID,
    fsGroup: REFRESHER_UID, // makes the projected token readable by that user
    seccompProfile: { type: 'RuntimeDefault' },
  };
  const template: V1PodTemplateSpec = {
    metadata: { labels: { [WORKLOAD_IDENTITY_USE_LABEL]: 'true', ...commonLabels() } },
    spec: {
      serviceAccountName: settings.names.refresherServiceAccount,
      securityContext: podSecurityContext,
      containers: [container],
      volumes,
      restartPolicy: 'Never',
    },
  };
  // The script records this on the Secret; deploy compares it to skip a refresh that would
  // change nothing (refresher.ts, refresh-skip.ts).
  container.env!.push({ name: REFRESHER_SPEC_ENV, value: refresherSpecHash(template) });

  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: metadata(settings, settings.names.cronJob),
    spec: {
      schedule: settings.workload.refreshSchedule,
      concurrencyPolicy: 'Forbid', // D4: a manual and a scheduled run never race
      startingDeadlineSeconds: CRONJOB_STARTING_DEADLINE_SECONDS,
      successfulJobsHistoryLimit: 1,
      failedJobsHistoryLimit: 3,
      jobTemplate: {
        metadata: { labels: commonLabels() },
        spec: {
          backoffLimit: JOB_BACKOFF_LIMIT,
          activeDeadlineSeconds: JOB_ACTIVE_DEADLINE_SECONDS,
          template,
        },
      },
    },
  };
}

function gatewayDeployment(settings: Settings): V1Deployment {
  const { workload, names } = settings;
  const probe = (initialDelaySeconds: number, periodSeconds: number): V1Probe => ({
    httpGet: { path: HEALTH_PATH, port: GATEWAY_PORT },
    initialDelaySeconds,
    periodSeconds,
    timeoutSeconds: 5, // D10: /health pings the stores with up to 10 s; the default is 1 s
    failureThreshold: 3,
  });
  const container: V1Container = {
    name: GATEWAY_CONTAINER,
    image: workload.image,
    ports: [{ containerPort: GATEWAY_PORT, name: 'http' }],
    resources: {
      requests: { ...workload.resources.requests, 'ephemeral-storage': GATEWAY_EPHEMERAL_STORAGE.request },
      limits: { ...workload.resources.limits, 'ephemeral-storage': GATEWAY_EPHEMERAL_STORAGE.limit },
    },
    livenessProbe: probe(30, 30),
    readinessProbe: probe(10, 10),
    // Leave the Service endpoints before shutting down (chart default).
    lifecycle: { preStop: { exec: { command: ['sh', '-c', 'sleep 15'] } } },
    // Bifrost writes only APP_DIR and /tmp, both emptyDirs: the image itself stays read-only.
    securityContext: { ...restrictedContainerSecurityContext(), readOnlyRootFilesystem: true },
    volumeMounts: [
      { name: 'data', mountPath: APP_DIR }, // APP_DIR must be writable (SQLite, logs)
      { name: 'tmp', mountPath: '/tmp' },
      { name: 'config', mountPath: `${APP_DIR}/${CONFIG_KEY}`, subPath: CONFIG_KEY, readOnly: true },
    ],
  };

  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: metadata(settings, names.deployment),
    spec: {
      replicas: workload.replicas,
      selector: { matchLabels: { ...GATEWAY_SELECTOR } },
      template: {
        metadata: {
          labels: { ...GATEWAY_SELECTOR, ...commonLabels() },
          // A subPath mount never updates in place: roll the pods when the config changes (D7).
          ...(workload.config
            ? { annotations: { [CONFIG_CHECKSUM_ANNOTATION]: workload.config.sha256 } }
            : {}),
        },
        spec: {
          serviceAccountName: names.gatewayServiceAccount,
          imagePullSecrets: [{ name: names.pullSecret }],
          securityContext: {
            runAsNonRoot: true,
            runAsUser: 1000,
            runAsGroup: 1000,
            fsGroup: 1000,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          terminationGracePeriodSeconds: 60,
          containers: [container],
          volumes: [
            { name: 'data', emptyDir: { sizeLimit: GATEWAY_DATA_SIZE_LIMIT } },
            { name: 'tmp', emptyDir: { sizeLimit: GATEWAY_TMP_SIZE_LIMIT } },
            { name: 'config', secret: { secretName: names.configSecret } },
          ],
        },
      },
    },
  };
}

function gatewayService(settings: Settings): V1Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: metadata(settings, settings.names.service),
    spec: {
      selector: { ...GATEWAY_SELECTOR },
      ports: [{ port: 80, targetPort: GATEWAY_PORT, protocol: 'TCP' }],
      type: 'ClusterIP',
    },
  };
}

/** What the Pod Security "restricted" profile asks of every container. */
function restrictedContainerSecurityContext(): V1SecurityContext {
  return { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } };
}

function warnings(settings: Settings): string[] {
  const { workload } = settings;
  const found: string[] = [];
  if (workload.imageTag === 'latest') {
    found.push(
      'image-tag is "latest" (D9): Kubernetes then pulls on every pod start, so pods can start only ' +
        'while the pull secret is fresh, and replicas may run different builds. Pin a version tag or a sha256 digest.',
    );
  }
  if (workload.replicas > 1) {
    if (!workload.config) {
      found.push(
        `replicas is ${workload.replicas} and no config input was given (D8): unless the existing ` +
          `Secret's config.json sets a Postgres config_store, each replica keeps its own SQLite ` +
          'database and they drift apart.',
      );
    } else if (!workload.config.hasPostgresConfigStore) {
      found.push(
        `replicas is ${workload.replicas} but the config has no Postgres config_store (D8): each ` +
          'replica keeps its own SQLite database in an emptyDir, so keys, settings and logs differ ' +
          'between replicas and vanish on restart. Use replicas 1, or config_store {"enabled": true, "type": "postgres"}.',
      );
    }
  }
  return found;
}
