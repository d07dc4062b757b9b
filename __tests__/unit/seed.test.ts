// The seed page's manifests against ours, field by field. Every difference must be listed in
// DIFFERENCES below with the defect it fixes (docs/SEED-REVIEW.md) and why; the
// test fails on any unlisted difference, and on any listed one that no longer occurs. The list
// is the reviewable record of how the action departs from the page.
import { describe, expect, it } from '@jest/globals';
import type { KubernetesObject } from '@kubernetes/client-node';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { render } from '../../src/manifests/render.js';
import {
  CLIENT_ID,
  GCP_PROJECT_ID,
  GCP_PROJECT_NUMBER,
  GCP_SERVICE_ACCOUNT,
  HUB_SLUG,
  REGISTRY_HOST,
  testSettings,
} from '../support/fixtures.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const seedPage = path.resolve(repoRoot, '__fixtures__/seed/azure-deployment.mdx');
const indentedSeed = fileURLToPath(new URL('./seed.indented.yaml', import.meta.url));

/**
 * Why each difference exists. D2–D13: the seed review's defects. Three kinds of change are not
 * defects of the page, and say so:
 *   OWN    ownership labels on every object, so a run can tell what it manages;
 *   CHART  values taken from Bifrost's own Helm chart where the page says nothing;
 *   HARDEN least privilege the page does not ask for (Pod Security "restricted" profile).
 */
type Why =
  | 'D2'
  | 'D3'
  | 'D4'
  | 'D5'
  | 'D6'
  | 'D7'
  | 'D8'
  | 'D9'
  | 'D10'
  | 'D11'
  | 'D12'
  | 'D13'
  | 'OWN'
  | 'CHART'
  | 'HARDEN';
interface Allowance {
  why: Why[];
  reason: string;
}

const OWN: Allowance = {
  why: ['OWN'],
  reason: 'managed-by/part-of labels identify the objects this action applies',
};

/** `Kind/name:path` → why. `*:path` applies to every object. */
const DIFFERENCES: Record<string, Allowance> = {
  // Objects the page does not have.
  'Namespace/bifrost': {
    why: ['D11'],
    reason: 'an applied Namespace is idempotent; `kubectl create namespace` is not',
  },
  'ServiceAccount/bifrost-gateway': {
    why: ['D5'],
    reason: 'the gateway gets its own identity, without Secret access',
  },
  'Secret/bifrost-config': {
    why: ['D7'],
    reason: 'the config Secret the Deployment mounts, which the page never creates',
  },

  // Ownership labels.
  '*:metadata.labels': OWN,
  'ServiceAccount/bifrost-sa:metadata.labels["app.kubernetes.io/managed-by"]': OWN,
  'ServiceAccount/bifrost-sa:metadata.labels["app.kubernetes.io/part-of"]': OWN,
  'CronJob/refresh-ar-secret:spec.jobTemplate.metadata': OWN,
  'CronJob/refresh-ar-secret:spec.jobTemplate.spec.template.metadata.labels["app.kubernetes.io/managed-by"]':
    OWN,
  'CronJob/refresh-ar-secret:spec.jobTemplate.spec.template.metadata.labels["app.kubernetes.io/part-of"]':
    OWN,
  'Deployment/bifrost:spec.template.metadata.labels["app.kubernetes.io/managed-by"]': OWN,
  'Deployment/bifrost:spec.template.metadata.labels["app.kubernetes.io/part-of"]': OWN,

  // Role: only the pull secret, updated in place.
  'Role/secret-manager:rules[0].verbs': {
    why: ['D4'],
    reason: 'get+patch for one server-side apply; no delete, so never a window without the secret',
  },
  'Role/secret-manager:rules[0].resourceNames': {
    why: ['D4', 'D5'],
    reason: 'limited to ar-pull-secret instead of every Secret in the namespace',
  },
  'Role/secret-manager:rules[1]': {
    why: ['D4'],
    reason: 'create cannot be limited by name (first apply of the secret)',
  },

  // CronJob: one run at a time, bounded, and a script that works.
  'CronJob/refresh-ar-secret:spec.concurrencyPolicy': {
    why: ['D4'],
    reason: 'Forbid: a manual and a scheduled run never collide',
  },
  'CronJob/refresh-ar-secret:spec.startingDeadlineSeconds': {
    why: ['D4'],
    reason: 'a run that could not start on time is skipped, not piled up',
  },
  'CronJob/refresh-ar-secret:spec.jobTemplate.spec.backoffLimit': {
    why: ['D4'],
    reason: 'two retries, then the Job is Failed and the checks say so',
  },
  'CronJob/refresh-ar-secret:spec.jobTemplate.spec.activeDeadlineSeconds': {
    why: ['D4'],
    reason: 'a hung refresh ends instead of blocking the next one (Forbid)',
  },
  'CronJob/refresh-ar-secret:spec.jobTemplate.spec.template.spec.restartPolicy': {
    why: ['D4', 'D11'],
    reason: 'Never: each attempt is its own pod, counted by backoffLimit, with its logs kept for the checks',
  },
  'CronJob/refresh-ar-secret:spec.jobTemplate.spec.template.spec.securityContext': {
    why: ['HARDEN'],
    reason: 'non-root UID/GID 65532 (fsGroup makes the projected token readable), seccomp RuntimeDefault',
  },
  'ConfigMap/gcp-credential-config:data["refresh.mjs"]': {
    why: ['D3', 'D4', 'D12'],
    reason:
      'the refresher program, readable where it is mounted: STS + IAM without gcloud, one atomic server-side apply, the expiry recorded on the secret',
  },
  'CronJob/refresh-ar-secret:spec.jobTemplate.spec.template.spec.containers[name=token-refresh].image': {
    why: ['D2', 'D13'],
    reason:
      'google/cloud-sdk:slim has no kubectl; a distroless Node.js image from gcr.io (no shell, no Docker Hub limits) runs refresh.mjs',
  },
  'CronJob/refresh-ar-secret:spec.jobTemplate.spec.template.spec.containers[name=token-refresh].command': {
    why: ['D3', 'D4', 'D12'],
    reason: 'node runs refresh.mjs from the ConfigMap instead of a bash script in args',
  },
  'CronJob/refresh-ar-secret:spec.jobTemplate.spec.template.spec.containers[name=token-refresh].args': {
    why: ['D3', 'D4', 'D12'],
    reason: 'the bash script is gone: the program is refresh.mjs in the ConfigMap',
  },
  'CronJob/refresh-ar-secret:spec.jobTemplate.spec.template.spec.containers[name=token-refresh].env': {
    why: ['D3', 'D4'],
    reason:
      'the script reads every value (namespace, registry, paths) from env instead of text baked into it',
  },
  'CronJob/refresh-ar-secret:spec.jobTemplate.spec.template.spec.containers[name=token-refresh].securityContext':
    {
      why: ['HARDEN'],
      reason: 'no privilege escalation, no capabilities, read-only root filesystem',
    },
  'CronJob/refresh-ar-secret:spec.jobTemplate.spec.template.spec.containers[name=token-refresh].resources': {
    why: ['HARDEN'],
    reason: 'bounded requests and limits for a short job, ephemeral-storage included',
  },

  // Deployment: its own identity, a runnable storage layout, chart probes and shutdown.
  'Deployment/bifrost:spec.template.metadata.labels["azure.workload.identity/use"]': {
    why: ['D5', 'D6'],
    reason: 'the gateway needs no Azure token; the webhook would inject one (and fail without the SA)',
  },
  'Deployment/bifrost:spec.template.metadata.annotations': {
    why: ['D7'],
    reason: 'checksum/config rolls the pods when the config changes (a subPath mount never updates)',
  },
  'Deployment/bifrost:spec.template.spec.serviceAccountName': {
    why: ['D5'],
    reason: 'bifrost-gateway instead of the refresher identity bound to the Secret Role',
  },
  'Deployment/bifrost:spec.template.spec.securityContext': {
    why: ['D8'],
    reason: "the chart's UID 1000 and fsGroup 1000 (writable APP_DIR), non-root, plus seccomp RuntimeDefault",
  },
  'Deployment/bifrost:spec.template.spec.terminationGracePeriodSeconds': {
    why: ['CHART'],
    reason: '60 s for streaming responses to finish',
  },
  'Deployment/bifrost:spec.template.spec.volumes[name=data]': {
    why: ['D8'],
    reason: 'an emptyDir for APP_DIR, which must be writable (config.db, logs.db), with a sizeLimit',
  },
  'Deployment/bifrost:spec.template.spec.volumes[name=tmp]': {
    why: ['HARDEN'],
    reason: 'a bounded emptyDir for /tmp, the only other path Bifrost writes on a read-only root filesystem',
  },
  'Deployment/bifrost:spec.template.spec.containers[name=bifrost].volumeMounts[name=tmp]': {
    why: ['HARDEN'],
    reason: 'mounts it at /tmp',
  },
  'Deployment/bifrost:spec.template.spec.containers[name=bifrost].resources.requests["ephemeral-storage"]': {
    why: ['HARDEN'],
    reason: 'the node disk the pod needs (its emptyDirs, logs) is requested, so the scheduler counts it',
  },
  'Deployment/bifrost:spec.template.spec.containers[name=bifrost].resources.limits["ephemeral-storage"]': {
    why: ['HARDEN'],
    reason: 'a pod that fills its disk is evicted before the node runs out',
  },
  'Deployment/bifrost:spec.template.spec.containers[name=bifrost].volumeMounts[name=data]': {
    why: ['D8'],
    reason: 'mounts it at /app/data',
  },
  'Deployment/bifrost:spec.template.spec.containers[name=bifrost].volumeMounts[name=config].readOnly': {
    why: ['CHART'],
    reason: 'the config file is read, never written',
  },
  'Deployment/bifrost:spec.template.spec.containers[name=bifrost].securityContext': {
    why: ['D8'],
    reason:
      "the chart's container context: drop ALL, no privilege escalation; plus a read-only root filesystem",
  },
  'Deployment/bifrost:spec.template.spec.containers[name=bifrost].lifecycle': {
    why: ['CHART'],
    reason: 'preStop sleep 15: leave the Service endpoints before shutting down',
  },
  'Deployment/bifrost:spec.template.spec.containers[name=bifrost].livenessProbe.periodSeconds': {
    why: ['D10'],
    reason: "the chart's 30 s",
  },
  'Deployment/bifrost:spec.template.spec.containers[name=bifrost].livenessProbe.timeoutSeconds': {
    why: ['D10'],
    reason: '5 s: /health pings the stores; the 1 s default fails under load',
  },
  'Deployment/bifrost:spec.template.spec.containers[name=bifrost].livenessProbe.failureThreshold': {
    why: ['D10'],
    reason: "the chart's 3, stated",
  },
  'Deployment/bifrost:spec.template.spec.containers[name=bifrost].readinessProbe.periodSeconds': {
    why: ['D10'],
    reason: "the chart's 10 s",
  },
  'Deployment/bifrost:spec.template.spec.containers[name=bifrost].readinessProbe.timeoutSeconds': {
    why: ['D10'],
    reason: '5 s, as for liveness',
  },
  'Deployment/bifrost:spec.template.spec.containers[name=bifrost].readinessProbe.failureThreshold': {
    why: ['D10'],
    reason: "the chart's 3, stated",
  },
};

// ---------------------------------------------------------------------------------------------

/** The page's placeholders, filled with the values the inputs (fixtures.ts) give. */
const PLACEHOLDERS: Array<[string, string]> = [
  ['BIFROST_PROJECT_NUMBER', GCP_PROJECT_NUMBER],
  ['BIFROST_SA@BIFROST_PROJECT', GCP_SERVICE_ACCOUNT.replace(/\.iam\.gserviceaccount\.com$/, '')],
  ['BIFROST_PROJECT', GCP_PROJECT_ID],
  ['YOUR_HUB_SLUG', HUB_SLUG],
  ['YOUR_MANAGED_IDENTITY_CLIENT_ID', CLIENT_ID],
  ['REGION-docker.pkg.dev', REGISTRY_HOST],
];

const SEED_INPUTS: Record<string, string> = {
  replicas: '2', // the page's value (warned about: D8)
};

/**
 * The stored page is a copy of GitHub's file view: a header ("452 lines", "12 KiB", "Plaintext",
 * twice), then every source line followed by two gutter lines "|" (an empty source line is just
 * the two gutter lines), and every line's leading whitespace gone. Undo the gutter; a plain .mdx
 * passes through unchanged.
 */
function pageSource(stored: string): string {
  const lines = stored.split('\n');
  const header = /^(\d+) lines$/.exec(lines[0] ?? '');
  if (!header) return stored;
  let i = 0;
  while (i < lines.length && /^(\d+ lines|[\d.]+ [KM]?i?B|Plaintext)$/.test(lines[i])) i++;
  const source: string[] = [];
  while (i < lines.length) {
    if (lines[i] === '|' && lines[i + 1] === '|') {
      source.push('');
      i += 2;
      continue;
    }
    source.push(lines[i]);
    i++;
    for (let gutter = 0; gutter < 2 && lines[i] === '|'; gutter++) i++;
  }
  // The header's count includes the empty line after the final newline.
  expect(source.length + 1).toBe(Number(header[1]));
  return source.join('\n');
}

/** The page's ```yaml blocks as one stream of lines, without leading whitespace. */
function pageYamlLines(): string[] {
  const page = pageSource(readFileSync(seedPage, 'utf8'));
  const blocks = [...page.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1].replace(/\n$/, ''));
  return blocks
    .join('\n---\n')
    .split('\n')
    .map((line) => line.trimStart());
}

/** The same lines with their indentation (seed.indented.yaml), minus its header comment. */
function indentedYamlLines(): string[] {
  const lines = readFileSync(indentedSeed, 'utf8').replace(/\n$/, '').split('\n');
  return lines.slice(lines.findIndex((line) => !line.startsWith('#')));
}

function seedObjects(): KubernetesObject[] {
  let text = indentedYamlLines().join('\n');
  for (const [placeholder, value] of PLACEHOLDERS) text = text.split(placeholder).join(value);
  return YAML.parseAllDocuments(text).map((d) => d.toJS() as KubernetesObject);
}

function ourObjects(extraInputs: Record<string, string>): KubernetesObject[] {
  return render(testSettings({ ...SEED_INPUTS, ...extraInputs })).objects;
}

interface Difference {
  path: string;
  change: 'added' | 'removed' | 'changed';
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);
const segment = (key: string) =>
  /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
const named = (items: unknown[]) => items.every((i) => isObject(i) && typeof i.name === 'string');

function parseJsonObject(text: unknown): Record<string, unknown> | undefined {
  if (typeof text !== 'string' || !text.trim().startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return isObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** Differences at the topmost node that differs. Arrays of named items (containers, volumes,
 * mounts) are matched by name; arrays of scalars compare whole; JSON strings by content. */
function diff(seed: unknown, ours: unknown, at: string, out: Difference[]): void {
  const seedJson = parseJsonObject(seed);
  const ourJson = parseJsonObject(ours);
  if (seedJson && ourJson) return diff(seedJson, ourJson, `${at}<json>`, out);

  if (isObject(seed) && isObject(ours)) {
    for (const key of new Set([...Object.keys(seed), ...Object.keys(ours)])) {
      const path = `${at}${segment(key)}`;
      if (!(key in seed)) out.push({ path, change: 'added' });
      else if (!(key in ours)) out.push({ path, change: 'removed' });
      else diff(seed[key], ours[key], path, out);
    }
    return;
  }
  if (Array.isArray(seed) && Array.isArray(ours) && seed.some(isObject) && named(seed) && named(ours)) {
    const byName = (items: unknown[]) => new Map(items.map((i) => [(i as { name: string }).name, i]));
    const seedItems = byName(seed);
    const ourItems = byName(ours);
    for (const name of new Set([...seedItems.keys(), ...ourItems.keys()])) {
      const path = `${at}[name=${name}]`;
      if (!seedItems.has(name)) out.push({ path, change: 'added' });
      else if (!ourItems.has(name)) out.push({ path, change: 'removed' });
      else diff(seedItems.get(name), ourItems.get(name), path, out);
    }
    return;
  }
  if (Array.isArray(seed) && Array.isArray(ours) && seed.some(isObject)) {
    for (let i = 0; i < Math.max(seed.length, ours.length); i++) {
      const path = `${at}[${i}]`;
      if (i >= seed.length) out.push({ path, change: 'added' });
      else if (i >= ours.length) out.push({ path, change: 'removed' });
      else diff(seed[i], ours[i], path, out);
    }
    return;
  }
  if (JSON.stringify(seed) !== JSON.stringify(ours)) out.push({ path: at, change: 'changed' });
}

function differences(seed: KubernetesObject[], ours: KubernetesObject[]): Difference[] {
  const id = (o: KubernetesObject) => `${o.kind}/${o.metadata?.name}`;
  const seedById = new Map(seed.map((o) => [id(o), o]));
  const ourById = new Map(ours.map((o) => [id(o), o]));
  const out: Difference[] = [];
  for (const key of new Set([...seedById.keys(), ...ourById.keys()])) {
    if (!seedById.has(key)) out.push({ path: key, change: 'added' });
    else if (!ourById.has(key)) out.push({ path: key, change: 'removed' });
    else diff(seedById.get(key), ourById.get(key), `${key}:`, out);
  }
  return out.map((d) => ({ ...d, path: d.path.replace(/:\./, ':') }));
}

function allowanceFor(path: string): string | undefined {
  if (path in DIFFERENCES) return path;
  const wildcard = `*:${path.split(':').slice(1).join(':')}`;
  return path.includes(':') && wildcard in DIFFERENCES ? wildcard : undefined;
}

describe('seed page vs rendered manifests', () => {
  const seed = seedObjects();
  const scenarios = {
    'seed-equivalent inputs': ourObjects({}),
    'with a config input': ourObjects({ config: '{"providers": {}}' }),
  };

  it('restores only indentation: every seed line is the page line', () => {
    const page = pageYamlLines();
    expect(page.length).toBeGreaterThan(150);
    expect(indentedYamlLines().map((line) => line.trimStart())).toEqual(page);
  });

  it('reads the seed page manifests', () => {
    expect(seed.map((o) => `${o.kind}/${o.metadata?.name}`).sort()).toEqual([
      'ConfigMap/gcp-credential-config',
      'CronJob/refresh-ar-secret',
      'Deployment/bifrost',
      'Role/secret-manager',
      'RoleBinding/secret-manager-binding',
      'Service/bifrost',
      'ServiceAccount/bifrost-sa',
    ]);
  });

  const found = Object.fromEntries(
    Object.entries(scenarios).map(([scenario, ours]) => [scenario, differences(seed, ours)]),
  );

  for (const scenario of Object.keys(scenarios)) {
    it(`differs from the page only where DIFFERENCES says why (${scenario})`, () => {
      const unlisted = found[scenario].filter((d) => allowanceFor(d.path) === undefined);
      expect(unlisted.map((d) => `${d.change}: ${d.path}`)).toEqual([]);
      // Nothing of the page is lost: every seed object and field is still there, or listed.
      expect(
        found[scenario]
          .filter((d) => d.change === 'removed')
          .map((d) => d.path)
          .sort(),
      ).toEqual([
        // The bash script in args: the program is now refresh.mjs in the ConfigMap.
        'CronJob/refresh-ar-secret:spec.jobTemplate.spec.template.spec.containers[name=token-refresh].args',
        'Deployment/bifrost:spec.template.metadata.labels["azure.workload.identity/use"]',
      ]);
    });
  }

  it('keeps the credential config of the page exactly (kubernetes federation)', () => {
    const configMap = (objects: KubernetesObject[]) =>
      objects.find((o) => o.kind === 'ConfigMap') as { data: Record<string, string> };
    expect(JSON.parse(configMap(scenarios['seed-equivalent inputs']).data['credential-config.json'])).toEqual(
      JSON.parse(configMap(seed).data['credential-config.json']),
    );
  });

  it('lists no difference that no longer occurs', () => {
    const used = new Set(
      Object.values(found)
        .flat()
        .map((d) => allowanceFor(d.path)),
    );
    expect(Object.keys(DIFFERENCES).filter((key) => !used.has(key))).toEqual([]);
  });

  it('gives every listed difference a reason', () => {
    for (const [key, allowance] of Object.entries(DIFFERENCES)) {
      expect({ key, ok: allowance.why.length > 0 && allowance.reason.length > 10 }).toEqual({
        key,
        ok: true,
      });
    }
  });
});
