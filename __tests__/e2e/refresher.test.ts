// The refresher CronJob as the action renders it, run for real against the local control plane
// (scripts/cluster.sh): settings from the action's inputs, objects from render(), applied with
// server-side apply; the container then runs on this host under bubblewrap with the pod's paths
// (run-refresher.ts): refresh.mjs, read from the applied ConfigMap, under this machine's node,
// talks to emulated Entra ID and Google STS/IAM and to the API server as the ServiceAccount. The ServiceAccount token is a real TokenRequest token:
// the emulators check its real issuer, subject and audience claims.

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  CoreV1Api,
  RbacAuthorizationV1Api,
  type KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  setHeaderOptions,
  type KubernetesObject,
  type V1CronJob,
  type V1Secret,
} from '@kubernetes/client-node';
import { pullSecretWriterRules } from '../../src/manifests/refresher.js';
import { REFRESHER_STEPS } from '../../src/manifests/refresher-script.js';
import { render } from '../../src/manifests/render.js';
import { type Settings } from '../../src/config/settings.js';
import { clusterIssuer, kubeConfig as clusterKubeConfig, newNamespace } from '../support/cluster.js';
import { startEntraTokenEmulator, type EntraTokenEmulator } from '../support/emulators/entra-token.js';
import { startGcpEmulator, type GcpEmulator } from '../support/emulators/gcp.js';
import {
  CLIENT_ID,
  GCP_SERVICE_ACCOUNT,
  PROVIDER_AUDIENCE,
  REGISTRY_HOST,
  TENANT_ID,
  testSettings,
} from '../support/fixtures.js';
import { runRefresher, type RefresherRun } from '../support/run-refresher.js';
import {
  PULL_SECRET_FROM_LABEL,
  REFRESHER_FIELD_MANAGER,
  EXPIRES_AT_ANNOTATION,
  REFRESHED_AT_ANNOTATION,
} from '../../src/manifests/names.js';

/** The app whose tokens the GCP provider trusts in entra mode (its allowed audience). */
const ENTRA_RESOURCE = 'api://bifrost-gcp-federation';

async function applyAll(kubeConfig: KubeConfig, objects: KubernetesObject[]): Promise<void> {
  const client = KubernetesObjectApi.makeApiClient(kubeConfig);
  for (const object of objects) {
    await client.patch(object, undefined, undefined, 'refresher-e2e', true, PatchStrategy.ServerSideApply);
  }
}

function cronJobOf(objects: KubernetesObject[]): V1CronJob {
  const cronJob = objects.find((o) => o.kind === 'CronJob');
  if (!cronJob) throw new Error('render() gave no CronJob');
  return cronJob;
}

interface DockerConfig {
  auths: Record<string, { username: string; password: string; auth: string }>;
}

function dockerConfigOf(secret: V1Secret): DockerConfig {
  return JSON.parse(
    Buffer.from(secret.data?.['.dockerconfigjson'] ?? '', 'base64').toString('utf8'),
  ) as DockerConfig;
}

function log(run: RefresherRun): string {
  return `${run.stdout}\n${run.stderr}`;
}

const kubeConfig = clusterKubeConfig();
const issuer = clusterIssuer();
const core = kubeConfig.makeApiClient(CoreV1Api);

describe('refresher CronJob, kubernetes federation, on a real control plane', () => {
  let namespace: string;
  let subject: string;
  let gcp: GcpEmulator;
  let cronJob: V1CronJob;
  let settings: Settings;

  beforeAll(async () => {
    namespace = await newNamespace('refresher-k8s');
    subject = `system:serviceaccount:${namespace}:bifrost-sa`;
    gcp = await startGcpEmulator({
      providerAudience: PROVIDER_AUDIENCE,
      allowedServiceAccount: GCP_SERVICE_ACCOUNT,
      acceptedIssuer: issuer,
      acceptedSubject: subject,
    });
    settings = testSettings({
      mode: 'render',
      namespace,
      'sts-url': gcp.stsTokenUrl,
      'iam-credentials-url': gcp.url,
    });
    const objects = render(settings).objects.filter((o) => o.kind !== 'Deployment' && o.kind !== 'Service');
    await applyAll(kubeConfig, objects);
    cronJob = cronJobOf(objects);
  });
  afterAll(async () => {
    await gcp.close();
  });

  const readPullSecret = () => core.readNamespacedSecret({ name: settings.names.pullSecret, namespace });

  it('creates the pull secret for the registry with the impersonated token and its expiry', async () => {
    const started = Date.now();
    const run = await runRefresher({ cronJob, kubeConfig, namespace });
    expect(run.stderr).not.toMatch(/^error:/m);
    expect(run.exitCode).toBe(0);

    // The real projected token reached STS: the cluster's issuer, the ServiceAccount, Azure's audience.
    const sts = gcp.requests.find((r) => r.service === 'sts');
    expect(sts?.subjectClaims).toEqual({ iss: issuer, sub: subject, aud: ['api://AzureADTokenExchange'] });
    const token = gcp.issuedAccessTokens.at(-1)!;
    expect(log(run)).not.toContain(token);

    const secret = await readPullSecret();
    expect(secret.type).toBe('kubernetes.io/dockerconfigjson');
    const auth = dockerConfigOf(secret).auths[REGISTRY_HOST];
    expect(auth).toEqual({
      username: 'oauth2accesstoken',
      password: token,
      auth: Buffer.from(`oauth2accesstoken:${token}`).toString('base64'),
    });
    const expiresAt = Date.parse(secret.metadata?.annotations?.[EXPIRES_AT_ANNOTATION] ?? '');
    const refreshedAt = Date.parse(secret.metadata?.annotations?.[REFRESHED_AT_ANNOTATION] ?? '');
    expect(refreshedAt).toBeGreaterThanOrEqual(Math.floor(started / 1000) * 1000);
    expect(expiresAt - refreshedAt).toBe(settings.workload.tokenLifetimeSeconds * 1000);
    expect(secret.metadata?.managedFields?.map((f) => [f.manager, f.operation])).toContainEqual([
      REFRESHER_FIELD_MANAGER,
      'Apply',
    ]);
    expect(run.stdout.trim().split('\n').at(-1)).toBe(
      `Secret ${namespace}/${settings.names.pullSecret} refreshed; expires ${secret.metadata?.annotations?.[EXPIRES_AT_ANNOTATION]}`,
    );
  });

  it('replaces the token in place on the next run (patch of the existing Secret)', async () => {
    const before = await readPullSecret();
    const run = await runRefresher({ cronJob, kubeConfig, namespace });
    expect(run.exitCode).toBe(0);
    const after = await readPullSecret();
    expect(after.metadata?.uid).toBe(before.metadata?.uid); // updated, not deleted and re-created
    expect(dockerConfigOf(after).auths[REGISTRY_HOST].password).toBe(gcp.issuedAccessTokens.at(-1));
    expect(dockerConfigOf(after).auths[REGISTRY_HOST].password).not.toBe(
      dockerConfigOf(before).auths[REGISTRY_HOST].password,
    );
  });

  it("STS invalid_grant: exits non-zero with STS's words and leaves the existing Secret untouched", async () => {
    const before = await readPullSecret();
    gcp.setFailure('sts', {
      status: 400,
      body: '{"error":"invalid_grant","error_description":"The audience in ID Token [api://AzureADTokenExchange] does not match the expected audience."}',
    });
    try {
      const run = await runRefresher({ cronJob, kubeConfig, namespace });
      expect(run.exitCode).not.toBe(0);
      expect(run.stderr).toContain('invalid_grant');
      expect(run.stderr).toContain('does not match the expected audience');
      expect(run.stdout).not.toContain(REFRESHER_STEPS.applySecret);
    } finally {
      gcp.setFailure('sts', null);
    }
    const after = await readPullSecret();
    expect(after.metadata?.resourceVersion).toBe(before.metadata?.resourceVersion);
  });

  it('RBAC: the refresher cannot write any other Secret, existing or new', async () => {
    const other = 'bifrost-config';
    await core.createNamespacedSecret({
      namespace,
      body: { metadata: { name: other }, stringData: { 'config.json': '{"providers":{}}' } },
    });
    const before = await core.readNamespacedSecret({ name: other, namespace });

    for (const target of [other, 'a-new-secret']) {
      const run = await runRefresher({
        cronJob,
        kubeConfig,
        namespace,
        envOverrides: { PULL_SECRET: target },
      });
      expect(run.exitCode).not.toBe(0);
      expect(run.stderr).toContain(
        `User "system:serviceaccount:${namespace}:bifrost-sa" cannot patch resource "secrets"`,
      );
      expect(run.stderr).toContain(`error: could not apply Secret ${namespace}/${target}`);
      for (const token of gcp.issuedAccessTokens) expect(log(run)).not.toContain(token);
    }
    const after = await core.readNamespacedSecret({ name: other, namespace });
    expect(after.data).toEqual(before.data);
    expect(after.metadata?.resourceVersion).toBe(before.metadata?.resourceVersion);
    await expect(core.readNamespacedSecret({ name: 'a-new-secret', namespace })).rejects.toThrow();
  });
});

describe('refresher CronJob, entra federation, on a real control plane', () => {
  let namespace: string;
  let subject: string;
  let gcp: GcpEmulator;
  let entra: EntraTokenEmulator;
  let cronJob: V1CronJob;

  beforeAll(async () => {
    namespace = await newNamespace('refresher-entra');
    subject = `system:serviceaccount:${namespace}:bifrost-sa`;
    entra = await startEntraTokenEmulator({
      tenantId: TENANT_ID,
      clientId: CLIENT_ID,
      federatedCredential: { issuer, subject, audience: 'api://AzureADTokenExchange' },
    });
    gcp = await startGcpEmulator({
      providerAudience: PROVIDER_AUDIENCE,
      allowedServiceAccount: GCP_SERVICE_ACCOUNT,
      acceptedIssuer: entra.tokenIssuer,
      allowedSubjectAudiences: [ENTRA_RESOURCE],
    });
    const settings = testSettings({
      mode: 'render',
      namespace,
      federation: 'entra',
      'entra-resource': ENTRA_RESOURCE,
      'entra-authority-host': entra.url,
      'sts-url': gcp.stsTokenUrl,
      'iam-credentials-url': gcp.url,
    });
    const objects = render(settings).objects.filter((o) => o.kind !== 'Deployment' && o.kind !== 'Service');
    await applyAll(kubeConfig, objects);
    cronJob = cronJobOf(objects);
  });
  afterAll(async () => {
    await gcp.close();
    await entra.close();
  });

  it('exchanges the real ServiceAccount token at Entra ID, then writes the pull secret', async () => {
    const run = await runRefresher({ cronJob, kubeConfig, namespace });
    expect(run.stderr).not.toMatch(/^error:/m);
    expect(run.exitCode).toBe(0);
    expect(
      entra.requests.map((r) => [r.path, r.status, r.assertionClaims?.iss, r.assertionClaims?.sub]),
    ).toEqual([[`/${TENANT_ID}/oauth2/v2.0/token`, 200, issuer, subject]]);
    expect(entra.requests[0].form?.scope).toBe(`${ENTRA_RESOURCE}/.default`);
    expect(gcp.requests.find((r) => r.service === 'sts')?.subjectClaims).toMatchObject({
      iss: entra.tokenIssuer,
      aud: ENTRA_RESOURCE,
    });
    const secret = await core.readNamespacedSecret({ name: 'ar-pull-secret', namespace });
    expect(dockerConfigOf(secret).auths[REGISTRY_HOST].password).toBe(gcp.issuedAccessTokens.at(-1));
  });

  it("prints Entra's AADSTS error and writes nothing when the federated credential does not match", async () => {
    const before = await core.readNamespacedSecret({ name: 'ar-pull-secret', namespace });
    const stsCalls = gcp.requests.length;
    const run = await runRefresher({
      cronJob,
      kubeConfig,
      namespace,
      envOverrides: { ENTRA_CLIENT_ID: '00000000-0000-0000-0000-000000000000' },
    });
    expect(run.exitCode).not.toBe(0);
    expect(run.stderr).toContain('error: Entra ID answered HTTP 400');
    expect(run.stderr).toContain(
      "AADSTS700016: Application with identifier '00000000-0000-0000-0000-000000000000' was not found",
    );
    expect(run.stdout).not.toContain(REFRESHER_STEPS.stsExchange);
    expect(gcp.requests.length).toBe(stsCalls);
    const after = await core.readNamespacedSecret({ name: 'ar-pull-secret', namespace });
    expect(after.metadata?.resourceVersion).toBe(before.metadata?.resourceVersion);
  });
});

describe('refresher preview contract (serve-previews), on a real control plane', () => {
  // Production serves previews: its refresher lists the namespaces labelled
  // pull-secret-from=<production> (ClusterRole) and writes the same Secret into each preview whose
  // Role (pullSecretWriterRules) is bound to production's ServiceAccount.
  let production: string;
  let previews: string[];
  let refused: string;
  let unlabelled: string;
  let gcp: GcpEmulator;
  let cronJob: V1CronJob;
  let clusterScoped: KubernetesObject[];
  const rbac = kubeConfig.makeApiClient(RbacAuthorizationV1Api);

  async function preview(prefix: string, labelled: boolean, bound: boolean): Promise<string> {
    const namespace = await newNamespace(prefix);
    if (labelled) {
      await core.patchNamespace(
        { name: namespace, body: { metadata: { labels: { [PULL_SECRET_FROM_LABEL]: production } } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
    }
    if (bound) {
      await rbac.createNamespacedRole({
        namespace,
        body: { metadata: { name: 'preview-pull-secret' }, rules: pullSecretWriterRules('ar-pull-secret') },
      });
      await rbac.createNamespacedRoleBinding({
        namespace,
        body: {
          metadata: { name: 'preview-pull-secret' },
          subjects: [{ kind: 'ServiceAccount', name: 'bifrost-sa', namespace: production }],
          roleRef: { kind: 'Role', name: 'preview-pull-secret', apiGroup: 'rbac.authorization.k8s.io' },
        },
      });
    }
    return namespace;
  }

  beforeAll(async () => {
    production = await newNamespace('refresher-prod');
    gcp = await startGcpEmulator({
      providerAudience: PROVIDER_AUDIENCE,
      allowedServiceAccount: GCP_SERVICE_ACCOUNT,
      acceptedIssuer: issuer,
      acceptedSubject: `system:serviceaccount:${production}:bifrost-sa`,
    });
    const settings = testSettings({
      mode: 'render',
      namespace: production,
      'serve-previews': 'true',
      'sts-url': gcp.stsTokenUrl,
      'iam-credentials-url': gcp.url,
    });
    const objects = render(settings).objects.filter((o) => o.kind !== 'Deployment' && o.kind !== 'Service');
    clusterScoped = objects.filter((o) => o.kind?.startsWith('Cluster'));
    await applyAll(kubeConfig, objects);
    cronJob = cronJobOf(objects);
    previews = [await preview('refresher-pr1', true, true), await preview('refresher-pr2', true, true)];
    refused = await preview('refresher-pr3', true, false);
    unlabelled = await preview('refresher-other', false, true);
  });
  afterAll(async () => {
    await gcp.close();
    const client = KubernetesObjectApi.makeApiClient(kubeConfig);
    for (const object of clusterScoped) await client.delete(object).catch(() => undefined);
  });

  const token = async (namespace: string) => {
    const secret = await core.readNamespacedSecret({ name: 'ar-pull-secret', namespace });
    return dockerConfigOf(secret).auths[REGISTRY_HOST].password;
  };

  it('writes production, then every labelled preview; a preview that refuses gets one warning', async () => {
    const run = await runRefresher({ cronJob, kubeConfig, namespace: production });
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    const issued = gcp.issuedAccessTokens.at(-1);
    expect(await token(production)).toBe(issued);
    for (const namespace of previews) expect(await token(namespace)).toBe(issued);
    const warnings = run.stdout.split('\n').filter((line) => line.startsWith('warning:'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`preview namespace ${refused} refused Secret ar-pull-secret: HTTP 403`);
    await expect(core.readNamespacedSecret({ name: 'ar-pull-secret', namespace: refused })).rejects.toThrow();
    await expect(
      core.readNamespacedSecret({ name: 'ar-pull-secret', namespace: unlabelled }),
    ).rejects.toThrow();
    for (const t of gcp.issuedAccessTokens) expect(log(run)).not.toContain(t);
  });

  it('ONLY_NAMESPACE: a Job for one preview writes into that namespace only', async () => {
    const before = await token(production);
    const other = await token(previews[1]);
    const run = await runRefresher({
      cronJob,
      kubeConfig,
      namespace: production,
      envOverrides: { ONLY_NAMESPACE: previews[0] },
    });
    expect(run.exitCode).toBe(0);
    expect(await token(previews[0])).toBe(gcp.issuedAccessTokens.at(-1));
    expect(await token(production)).toBe(before);
    expect(await token(previews[1])).toBe(other);
    expect(run.stdout).toContain(`Secret ${previews[0]}/ar-pull-secret refreshed; expires`);
  });
});
