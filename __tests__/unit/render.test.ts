import { describe, expect, it } from '@jest/globals';
import type {
  KubernetesObject,
  V1ConfigMap,
  V1CronJob,
  V1Namespace,
  V1Deployment,
  V1Role,
  V1Secret,
  V1ServiceAccount,
} from '@kubernetes/client-node';
import YAML from 'yaml';
import { readSettings } from '../../src/config/inputs.js';
import { refresherEnv, refresherSpecHash } from '../../src/manifests/refresher.js';
import { REFRESHER_SCRIPT } from '../../src/manifests/refresher-script.js';
import { redactSecretData, render, toYamlStream } from '../../src/manifests/render.js';
import type { Settings } from '../../src/config/settings.js';
import { IDENTITY_INPUTS, testSettings } from '../support/fixtures.js';
import { DEFAULT_REFRESHER_IMAGE } from '../../src/config/defaults.js';
import { REFRESHER_CONTAINER } from '../../src/manifests/names.js';
import { INPUT_DEFAULTS, type InputName } from '../../src/config/action-inputs.js';
import { InputError } from '../../src/config/input-reader.js';

const CONFIG = JSON.stringify({ providers: { openai: { keys: [{ name: 'k', value: 'sk-live-SECRET' }] } } });
const POSTGRES_CONFIG = JSON.stringify({
  config_store: { enabled: true, type: 'postgres', config: { host: 'db', password: 'pg-SECRET' } },
});

const byKind = <T extends KubernetesObject>(objects: KubernetesObject[], kind: string, name?: string): T => {
  const found = objects.filter((o) => o.kind === kind && (name === undefined || o.metadata?.name === name));
  expect(found).toHaveLength(1);
  return found[0] as T;
};

const plain = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

describe('render: kubernetes federation (the seed chain)', () => {
  const settings = testSettings();
  const { objects } = render(settings);

  it('renders every object in apply order, in the namespace, labelled as ours', () => {
    expect(objects.map((o) => `${o.kind}/${o.metadata?.name}`)).toEqual([
      'Namespace/bifrost',
      'ServiceAccount/bifrost-sa',
      'ServiceAccount/bifrost-gateway',
      'ConfigMap/gcp-credential-config',
      'Role/secret-manager',
      'RoleBinding/secret-manager-binding',
      'CronJob/refresh-ar-secret',
      'Deployment/bifrost',
      'Service/bifrost',
    ]);
    for (const object of objects) {
      expect(object.metadata?.labels).toMatchObject({
        'app.kubernetes.io/managed-by': 'bifrost-aks-deploy',
        'app.kubernetes.io/part-of': 'bifrost',
      });
      if (object.kind !== 'Namespace') expect(object.metadata?.namespace).toBe('bifrost');
    }
  });

  it('builds the credential config of the seed, reading the projected ServiceAccount token', () => {
    const configMap = byKind<V1ConfigMap>(objects, 'ConfigMap');
    expect(JSON.parse(configMap.data!['credential-config.json'])).toEqual({
      type: 'external_account',
      audience:
        '//iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/acme-azure-pool/providers/acme-azure-provider',
      subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
      service_account_impersonation_url:
        'https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/bifrost-puller@acme-hub.iam.gserviceaccount.com:generateAccessToken',
      token_url: 'https://sts.googleapis.com/v1/token',
      credential_source: {
        file: '/var/run/secrets/azure/tokens/azure-identity-token',
        format: { type: 'text' },
      },
    });
  });

  it('gives the refresher ServiceAccount the client id, and the gateway one no token', () => {
    const refresher = byKind<V1ServiceAccount>(objects, 'ServiceAccount', 'bifrost-sa');
    expect(refresher.metadata?.annotations).toEqual({
      'azure.workload.identity/client-id': '3f1c2a4b-5d6e-4f70-8a9b-0c1d2e3f4a5b',
    });
    const gateway = byKind<V1ServiceAccount>(objects, 'ServiceAccount', 'bifrost-gateway');
    expect(gateway.automountServiceAccountToken).toBe(false);
  });

  it('lets the Role touch only the pull secret, plus create (which cannot be name-limited)', () => {
    expect(byKind<V1Role>(objects, 'Role').rules).toEqual([
      { apiGroups: [''], resources: ['secrets'], verbs: ['get', 'patch'], resourceNames: ['ar-pull-secret'] },
      { apiGroups: [''], resources: ['secrets'], verbs: ['create'] },
    ]);
  });

  it('runs the refresher once at a time, non-root, with the token volume and the script', () => {
    const cronJob = byKind<V1CronJob>(objects, 'CronJob');
    expect(cronJob.spec).toMatchObject({
      schedule: '*/30 * * * *',
      concurrencyPolicy: 'Forbid',
      startingDeadlineSeconds: expect.any(Number),
      successfulJobsHistoryLimit: 1,
      failedJobsHistoryLimit: 3,
      jobTemplate: { spec: { backoffLimit: 2, activeDeadlineSeconds: 300 } },
    });
    const pod = cronJob.spec!.jobTemplate.spec!.template;
    expect(pod.metadata?.labels?.['azure.workload.identity/use']).toBe('true');
    expect(pod.spec).toMatchObject({
      serviceAccountName: 'bifrost-sa',
      restartPolicy: 'Never',
      securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
    });
    const [container, ...others] = pod.spec!.containers;
    expect(others).toEqual([]);
    expect(container).toMatchObject({
      name: REFRESHER_CONTAINER,
      image: DEFAULT_REFRESHER_IMAGE,
      command: ['/nodejs/bin/node', '/etc/gcp/refresh.mjs'],
      env: [
        ...refresherEnv(settings),
        { name: 'REFRESHER_SPEC', value: expect.stringMatching(/^[0-9a-f]{32}$/) },
      ],
      securityContext: {
        allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] },
        readOnlyRootFilesystem: true,
      },
    });
    expect(container.args).toBeUndefined();
    // The hash covers the pod template without itself, and the script.
    const spec = container.env!.at(-1)!.value!;
    const withoutSpec = structuredClone(pod);
    withoutSpec.spec!.containers[0].env!.pop();
    expect(spec).toBe(refresherSpecHash(withoutSpec));
    // No writable volume: the script writes nothing.
    expect(pod.spec!.volumes!.map((v) => v.name)).toEqual(['gcp-credential-config', 'azure-identity-token']);
    expect(pod.spec!.volumes![1].projected!.sources).toEqual([
      {
        serviceAccountToken: {
          path: 'azure-identity-token',
          expirationSeconds: 3600,
          audience: 'api://AzureADTokenExchange',
        },
      },
    ]);
    expect(container.volumeMounts).toEqual([
      { name: 'gcp-credential-config', mountPath: '/etc/gcp', readOnly: true },
      { name: 'azure-identity-token', mountPath: '/var/run/secrets/azure/tokens', readOnly: true },
    ]);
    // The program is readable in the ConfigMap it is mounted from.
    expect(byKind<V1ConfigMap>(objects, 'ConfigMap').data!['refresh.mjs']).toBe(REFRESHER_SCRIPT);
  });

  it('serve-previews: a ClusterRole to list namespaces and the label in the refresher env', () => {
    const plainObjects = render(testSettings({})).objects;
    expect(plainObjects.filter((o) => o.kind?.startsWith('Cluster'))).toEqual([]);
    const { objects } = render(testSettings({ 'serve-previews': 'true' }));
    const role = byKind<KubernetesObject & { rules: unknown }>(objects, 'ClusterRole');
    expect(role.metadata?.name).toBe('bifrost-preview-namespaces-bifrost');
    expect(role.rules).toEqual([{ apiGroups: [''], resources: ['namespaces'], verbs: ['list'] }]);
    const binding = byKind<KubernetesObject & { subjects: unknown }>(objects, 'ClusterRoleBinding');
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'bifrost-sa', namespace: 'bifrost' }]);
    const env = byKind<V1CronJob>(objects, 'CronJob').spec!.jobTemplate.spec!.template.spec!.containers[0]
      .env!;
    expect(env).toContainEqual({
      name: 'PREVIEW_NAMESPACE_LABEL',
      value: 'bifrost.maximhq.dev/pull-secret-from=bifrost',
    });
  });

  it('runs the gateway under its own account, hardened, with chart probes and a writable APP_DIR', () => {
    const deployment = byKind<V1Deployment>(objects, 'Deployment');
    const pod = deployment.spec!.template;
    expect(deployment.spec!.selector).toEqual({ matchLabels: { app: 'bifrost' } });
    expect(pod.metadata!.labels!.app).toBe('bifrost');
    expect(pod.metadata!.labels!['azure.workload.identity/use']).toBeUndefined();
    expect(pod.metadata!.annotations).toBeUndefined(); // no config input: no checksum
    expect(pod.spec).toMatchObject({
      serviceAccountName: 'bifrost-gateway',
      imagePullSecrets: [{ name: 'ar-pull-secret' }],
      securityContext: { runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000, runAsNonRoot: true },
      terminationGracePeriodSeconds: 60,
    });
    const container = pod.spec!.containers[0];
    expect(container.image).toBe('us-central1-docker.pkg.dev/acme-hub/acme/bifrost:latest');
    expect(container.readinessProbe).toMatchObject({
      initialDelaySeconds: 10,
      periodSeconds: 10,
      timeoutSeconds: 5,
    });
    expect(container.livenessProbe).toMatchObject({
      initialDelaySeconds: 30,
      periodSeconds: 30,
      timeoutSeconds: 5,
    });
    expect(container.securityContext?.capabilities?.drop).toEqual(['ALL']);
    // Beyond "restricted": a read-only image, Bifrost's writable paths on bounded emptyDirs.
    expect(container.securityContext?.readOnlyRootFilesystem).toBe(true);
    expect(container.volumeMounts).toEqual([
      { name: 'data', mountPath: '/app/data' },
      { name: 'tmp', mountPath: '/tmp' },
      { name: 'config', mountPath: '/app/data/config.json', subPath: 'config.json', readOnly: true },
    ]);
    expect(pod.spec!.volumes).toEqual([
      { name: 'data', emptyDir: { sizeLimit: '1Gi' } },
      { name: 'tmp', emptyDir: { sizeLimit: '256Mi' } },
      { name: 'config', secret: { secretName: 'bifrost-config' } },
    ]);
  });

  it('labels the namespace with the Pod Security level, unless pod-security is none', () => {
    const label = (inputs: Record<string, string>) =>
      byKind<V1Namespace>(render(testSettings(inputs)).objects, 'Namespace').metadata!.labels!;
    expect(label({})['pod-security.kubernetes.io/enforce']).toBe('restricted');
    expect(label({ 'pod-security': 'baseline' })['pod-security.kubernetes.io/enforce']).toBe('baseline');
    expect(label({ 'pod-security': 'none' })).not.toHaveProperty(['pod-security.kubernetes.io/enforce']);
  });

  it('gives every container ephemeral-storage requests and limits', () => {
    for (const federation of ['kubernetes', 'entra']) {
      const { objects } = render(
        testSettings({ config: CONFIG, federation, 'entra-resource': 'api://bifrost' }),
      );
      const pods = [
        byKind<V1Deployment>(objects, 'Deployment').spec!.template.spec!,
        byKind<V1CronJob>(objects, 'CronJob').spec!.jobTemplate.spec!.template.spec!,
      ];
      for (const container of pods.flatMap((pod) => pod.containers)) {
        expect(container.resources?.requests?.['ephemeral-storage']).toMatch(/^[0-9]+(Mi|Gi)$/);
        expect(container.resources?.limits?.['ephemeral-storage']).toMatch(/^[0-9]+(Mi|Gi)$/);
      }
      // The gateway's emptyDirs are bounded (the refresher's volumes belong to its own rework).
      for (const volume of pods[0].volumes ?? []) {
        if (volume.emptyDir) expect(volume.emptyDir.sizeLimit).toBeDefined();
      }
    }
  });

  it('creates no config Secret when no config is given', () => {
    expect(objects.filter((o) => o.kind === 'Secret')).toEqual([]);
  });
});

describe('render: entra federation', () => {
  const { objects } = render(testSettings({ federation: 'entra', 'entra-resource': 'api://bifrost-gcp' }));

  it('points the credential config at the Entra token file', () => {
    const configMap = byKind<V1ConfigMap>(objects, 'ConfigMap');
    expect(JSON.parse(configMap.data!['credential-config.json']).credential_source).toEqual({
      file: '/var/run/secrets/entra/token',
      format: { type: 'text' },
    });
  });

  it('adds no volume for the Entra token: refresh.mjs keeps it in memory', () => {
    const pod = byKind<V1CronJob>(objects, 'CronJob').spec!.jobTemplate.spec!.template.spec!;
    expect(pod.volumes!.map((v) => v.name)).toEqual(['gcp-credential-config', 'azure-identity-token']);
  });
});

describe('render: config, replicas and warnings', () => {
  it('stores the config in a Secret and rolls the Deployment by its checksum', () => {
    const settings = testSettings({ config: CONFIG });
    const { objects } = render(settings);
    const secret = byKind<V1Secret>(objects, 'Secret', 'bifrost-config');
    expect(secret.type).toBe('Opaque');
    expect(Buffer.from(secret.data!['config.json'], 'base64').toString('utf8')).toBe(CONFIG);
    expect(objects.indexOf(secret)).toBeLessThan(objects.findIndex((o) => o.kind === 'Deployment'));
    const pod = byKind<V1Deployment>(objects, 'Deployment').spec!.template;
    expect(pod.metadata!.annotations).toEqual({ 'checksum/config': settings.workload.config!.sha256 });
  });

  it('redacts Secret values for manifests written to disk', () => {
    const { objects } = render(testSettings({ config: CONFIG }));
    const redacted = redactSecretData(objects);
    expect(toYamlStream(redacted)).not.toContain(Buffer.from(CONFIG).toString('base64'));
    expect(byKind<V1Secret>(redacted, 'Secret').data).toEqual({ 'config.json': '<redacted>' });
    expect(byKind<V1Secret>(objects, 'Secret').data!['config.json']).not.toBe('<redacted>'); // a copy
  });

  it('warns about the latest tag (D9), and not about a pinned one', () => {
    expect(render(testSettings()).warnings).toEqual([expect.stringContaining('image-tag is "latest" (D9)')]);
    expect(render(testSettings({ 'image-tag': 'v1.4.11' })).warnings).toEqual([]);
  });

  it('warns about replicas > 1 without a Postgres config store (D8), never quoting the config', () => {
    const sqlite = render(testSettings({ 'image-tag': 'v1', replicas: '2', config: CONFIG })).warnings;
    expect(sqlite).toEqual([
      expect.stringContaining('replicas is 2 but the config has no Postgres config_store (D8)'),
    ]);
    const unknown = render(testSettings({ 'image-tag': 'v1', replicas: '3' })).warnings;
    expect(unknown).toEqual([expect.stringContaining('replicas is 3 and no config input was given (D8)')]);
    const postgres = render(
      testSettings({ 'image-tag': 'v1', replicas: '3', config: POSTGRES_CONFIG }),
    ).warnings;
    expect(postgres).toEqual([]);
    expect(render(testSettings({ replicas: '1', 'image-tag': 'v1', config: CONFIG })).warnings).toEqual([]);
    expect(JSON.stringify([sqlite, unknown])).not.toMatch(/SECRET|sk-live/);
  });

  it('applies replicas, resources, schedule and refresher image from the settings', () => {
    const { objects } = render(
      testSettings({
        replicas: '0',
        'cpu-request': '100m',
        'memory-limit': '1Gi',
        'refresh-schedule': '*/15 * * * *',
        'refresher-image': 'registry.example/mirror/nodejs22-debian12:nonroot',
      }),
    );
    const deployment = byKind<V1Deployment>(objects, 'Deployment');
    expect(deployment.spec!.replicas).toBe(0);
    expect(deployment.spec!.template.spec!.containers[0].resources).toEqual({
      requests: { cpu: '100m', memory: '512Mi', 'ephemeral-storage': '256Mi' },
      limits: { cpu: '1000m', memory: '1Gi', 'ephemeral-storage': '2Gi' },
    });
    const cronJob = byKind<V1CronJob>(objects, 'CronJob');
    expect(cronJob.spec!.schedule).toBe('*/15 * * * *');
    expect(cronJob.spec!.jobTemplate.spec!.template.spec!.containers[0].image).toBe(
      'registry.example/mirror/nodejs22-debian12:nonroot',
    );
  });
});

describe('toYamlStream', () => {
  it('writes one document per object that parses back to the same objects', () => {
    const { objects } = render(
      testSettings({ config: CONFIG, federation: 'entra', 'entra-resource': 'api://x' }),
    );
    const stream = toYamlStream(objects);
    const documents = YAML.parseAllDocuments(stream);
    expect(documents).toHaveLength(objects.length);
    expect(documents.map((d) => d.toJS())).toEqual(plain(objects));
    expect(stream).not.toMatch(/^\s*[^#\n]*[:-] [&*][A-Za-z0-9]/m); // no anchors or aliases
  });
});

/** Strings a YAML 1.1 (kubectl, go-yaml) or YAML 1.2 reader could take for another type. */
const TYPED_LOOKING = [
  ...['y', 'Y', 'n', 'N', 'yes', 'No', 'YES', 'on', 'Off', 'true', 'False', 'TRUE'],
  ...['~', 'null', 'Null', 'NULL', '<<', '='],
  ...['0', '17', '-17', '+17', '017', '0o17', '0x1F', '0b101', '1_000', '1:30', '190:20:30', '-1:30'],
  ...[
    '1.5',
    '.5',
    '-.5',
    '1e3',
    '1E+3',
    '6.8523015e+5',
    '685.230_15e+03',
    '.inf',
    '-.Inf',
    '+.INF',
    '.nan',
    '.NaN',
  ],
  ...['2001-12-14', '2001-12-14t21:59:43.10-05:00', '2001-12-14 21:59:43.10 -5', '2002-12-14'],
];

describe('toYamlStream quotes strings that look like other types', () => {
  it.each(TYPED_LOOKING)('%s stays a string in YAML 1.1 and 1.2', (value) => {
    const object = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: value, namespace: value },
      data: { [value]: value },
    };
    const stream = toYamlStream([object]);
    // Double-quoted, whatever the library thinks (`<<` also gets an explicit !!str tag).
    expect(stream).toMatch(
      new RegExp(`name: (!!str )?${JSON.stringify(value).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\n`),
    );
    for (const version of ['1.1', '1.2'] as const) {
      for (const schema of version === '1.1' ? ['yaml-1.1'] : ['core', 'yaml-1.1']) {
        const read = YAML.parse(stream, { version, schema: schema as 'core' }) as typeof object;
        expect(read).toEqual(object);
      }
    }
  });

  it('leaves ordinary strings plain', () => {
    const stream = toYamlStream([
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bifrost-0o17x' } },
    ]);
    expect(stream).toContain('name: bifrost-0o17x');
    expect(stream).toContain('apiVersion: v1');
  });

  it('writes namespace 0o17 so that every reader gets the string back', () => {
    const { objects } = render(testSettings({ namespace: '0o17' }));
    for (const document of YAML.parseAllDocuments(toYamlStream(objects), { version: '1.2' })) {
      const object = document.toJS() as KubernetesObject;
      if (object.kind !== 'Namespace') expect(object.metadata?.namespace).toBe('0o17');
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Injection: whatever text reaches a string field, the YAML carries it as that field's value.

/** Strings that would add keys or documents if YAML were assembled from text. */
const HOSTILE = [
  'x\nkind: Secret',
  'x\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: evil',
  '\n---\n',
  '"; kind: Secret; x: "',
  "it's: a value",
  'key: value',
  '${HOME} $(id) `id`',
  '&anchor value',
  '*anchor',
  '<<: *anchor',
  '- item',
  '# comment',
  '{a: 1}',
  '[x, y]',
  '!!binary aGk=',
  '|\n  block',
  '>-\n  folded',
  'on',
  '0755',
  '~',
  'null',
  'tab\there',
  'line\u2028separator',
  'a\r\nb',
  '%YAML 1.1',
  '0o17',
  '0x1F',
  '1:30',
  '.inf',
  'y',
  '2001-12-14',
  '... end',
  ' leading and trailing ',
  'üñíçødé ✓',
  '\\n backslash',
];

/** Every string leaf of the settings with `f` applied; the enums that choose branches stay. */
function mapStrings(value: unknown, f: (s: string) => string, key = ''): unknown {
  if (typeof value === 'string')
    return ['mode', 'federation', 'environment', 'credential'].includes(key) ? value : f(value);
  if (Array.isArray(value)) return value.map((v) => mapStrings(v, f));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapStrings(v, f, k)]));
  }
  return value;
}

/** The object with every string replaced by its type: what is left is keys and array lengths. */
function shape(value: unknown): unknown {
  return mapStrings(value, () => 'string', '');
}

function credentialConfigOf(objects: KubernetesObject[]): unknown {
  const configMap = objects.find((o) => o.kind === 'ConfigMap') as V1ConfigMap;
  return JSON.parse(Object.values(configMap.data!)[0]);
}

describe('render cannot be steered by string values', () => {
  const bases = {
    kubernetes: testSettings({ config: CONFIG }),
    entra: testSettings({ config: CONFIG, federation: 'entra', 'entra-resource': 'api://bifrost' }),
  };

  // Appended to every value, and replacing every value (a bare `on` or `0755` differs from a suffix).
  const transforms = {
    appended: (original: string, payload: string) => `${original}${payload}`,
    replacing: (_original: string, payload: string) => payload,
  };

  for (const [federation, base] of Object.entries(bases)) {
    const baseObjects = render(base).objects;
    const expectedKinds = baseObjects.map((o) => o.kind);

    for (const [how, transform] of Object.entries(transforms)) {
      it.each(HOSTILE.map((p) => [JSON.stringify(p), p]))(`${federation}, ${how}: %s`, (_label, payload) => {
        const hostile = mapStrings(base, (s) => transform(s, payload)) as Settings;
        const { objects } = render(hostile);
        const stream = toYamlStream(objects);

        for (const version of ['1.1', '1.2'] as const) {
          const documents = YAML.parseAllDocuments(stream, { version });
          expect(documents.flatMap((d) => d.errors)).toEqual([]);
          expect(documents.map((d) => (d.toJS() as KubernetesObject).kind)).toEqual(expectedKinds);
          // Same keys, same values, byte for byte.
          expect(documents.map((d) => d.toJS())).toEqual(plain(objects));
        }
        // Same structure as without the payload: no key, element or object was added or lost.
        expect(shape(objects)).toEqual(shape(baseObjects));
        const configMap = objects.find((o) => o.kind === 'ConfigMap') as V1ConfigMap;
        const credentialConfig = JSON.parse(Object.values(configMap.data!)[0]);
        expect(shape(credentialConfig)).toEqual(shape(credentialConfigOf(baseObjects)));
        // The hostile text really reached the manifests (the test would be vacuous otherwise).
        const serviceAccount = objects.find((o) => o.kind === 'ServiceAccount') as V1ServiceAccount;
        expect(serviceAccount.metadata!.annotations!['azure.workload.identity/client-id']).toBe(
          transform(base.identity.clientId, payload),
        );
      });
    }
  }
});

describe('validation keeps structural text out of the inputs that render uses', () => {
  // A valid value for every input a user might try to smuggle text through.
  const VALID: Partial<Record<InputName, string>> = {
    ...IDENTITY_INPUTS,
    'workload-identity-pool': 'acme-pool',
    'workload-identity-provider': 'acme-provider',
    'registry-host': 'registry.example:5000',
    'entra-resource': 'api://bifrost',
    'entra-authority-host': 'https://login.example',
    'resource-manager-url': 'https://management.example',
    'authority-host': 'https://login.example',
    'subscription-id': '00000000-0000-0000-0000-000000000001',
    'resource-group': 'rg',
    'cluster-name': 'aks',
    'identity-resource-group': 'rg-id',
    'login-client-id': '00000000-0000-0000-0000-000000000002',
  };
  // Content inputs: config is JSON carried base64 in a Secret; kubeconfig is never rendered.
  const CONTENT_INPUTS = new Set<InputName>(['config', 'kubeconfig']);
  const inputs = (Object.keys(INPUT_DEFAULTS) as InputName[]).filter((name) => !CONTENT_INPUTS.has(name));
  const SUFFIXES = [
    '\nkind: Secret',
    '\n---\nkind: Secret',
    '"',
    "'",
    ': x',
    '${HOME}',
    '$(id)',
    '`id`',
    ' #c',
  ];
  const PREFIXES = ['&a ', '*a', '!!str ', '- ', '? ', '| ', '> ', '%', '@'];

  const cases = inputs.flatMap((name) => {
    const valid = VALID[name] || INPUT_DEFAULTS[name];
    return [
      ...SUFFIXES.map((s) => [name, `${valid}${s}`] as const),
      ...PREFIXES.map((p) => [name, `${p}${valid}`] as const),
    ];
  });

  it.each(cases)('%s rejects %j', (name, value) => {
    let error: unknown;
    try {
      readSettings(
        (input) => (input === name ? value : (({ ...VALID } as Record<string, string>)[input] ?? '')),
        {},
      );
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).problems.map((p) => p.input)).toContain(name);
  });
});
