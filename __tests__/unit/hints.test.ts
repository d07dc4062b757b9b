import { describe, expect, it } from '@jest/globals';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { HINTS, findHint, findHints, formatHint, hintById } from '../../src/report/hints.js';

// The fixtures live in the repository (__fixtures__/SOURCES.md says where each came from).
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const fixturesDir = path.resolve(repoRoot, '__fixtures__');

function listFixtures(dir: string, prefix = ''): string[] {
  return readdirSync(dir).flatMap((name) => {
    const relative = prefix ? `${prefix}/${name}` : name;
    return statSync(path.join(dir, name)).isDirectory()
      ? listFixtures(path.join(dir, name), relative)
      : [relative];
  });
}

const readFixture = (relative: string): string => readFileSync(path.join(fixturesDir, relative), 'utf8');

/** Every fixture that carries an error message → the hint that must come first. */
const EXPECTED_HINT: Record<string, string> = {
  'arm/arm-error-403-authorizationfailed.azurerm-20843.json': 'arm-authorization-failed',
  'arm/arm-error-403-listClusterUserCredential.azure-docs-28541.message.txt': 'arm-authorization-failed',
  'arm/arm-error-404-resourcenotfound.managedcluster.azure-cli-recording.json': 'arm-resource-not-found',

  'entra/aadsts700016-app-not-found.aad-pod-identity-1277.body.json': 'entra-app-not-found',
  'entra/aadsts700016-app-not-found.azure-login-561.gha-log.txt': 'entra-app-not-found',
  'entra/aadsts700024-assertion-expired.awi-693.msal-dotnet.txt': 'entra-assertion-expired',
  'entra/aadsts700024-assertion-expired.risingwave-17123.body.json': 'entra-assertion-expired',
  'entra/aadsts70021-no-matching-fic.awi-616.body.json': 'entra-no-matching-federated-credential',
  'entra/aadsts700211-issuer-mismatch.awi-1200.as-quoted.txt': 'entra-issuer-mismatch',
  'entra/aadsts700213-subject-mismatch.awi-1200.k8s-sa.txt': 'entra-subject-mismatch',
  'entra/aadsts90002-tenant-not-found.keyvault-emulator-324.body.json': 'entra-tenant-not-found',
  'entra/aadsts90002-tenant-not-found.windowsupdates-sample-6.body.json': 'entra-tenant-not-found',

  // The gcloud/google-auth wrappers carry the IAM 403: the IAM fix is the actionable one.
  'gcp/gcloud-unable-to-acquire-impersonated-credentials.auth-340.txt': 'iam-get-access-token-denied',
  'gcp/google-auth-python-unable-to-acquire-impersonated.mscribellito-wif-4.txt':
    'iam-get-access-token-denied',
  'gcp/iamcredentials-403-caller-does-not-have-permission.auth-78.body.json': 'iam-get-access-token-denied',
  'gcp/iamcredentials-403-caller-does-not-have-permission.auth-78.gha-log.txt': 'iam-get-access-token-denied',
  'gcp/iamcredentials-403-getAccessToken-denied.auth-455.body.json': 'iam-get-access-token-denied',
  'gcp/sts-400-invalid-grant-audience-mismatch.gcp-hcp-tfc-wif-playground.as-quoted.txt':
    'sts-audience-mismatch',
  'gcp/sts-400-invalid-request-invalid-audience.auth-211.body.json': 'sts-invalid-audience',
  'gcp/sts-400-invalid-request-invalid-audience.auth-211.gha-log.txt': 'sts-invalid-audience',
  'gcp/sts-400-invalid-target.auth-202.body.json': 'sts-invalid-target',
  'gcp/sts-400-invalid-target.auth-202.gha-log.txt': 'sts-invalid-target',
  'gcp/sts-unauthorized-client-attribute-condition.tef-1362.body.json': 'sts-attribute-condition',
  'gcp/sts-unauthorized-client-attribute-condition.tef-1362.gha-log.txt': 'sts-attribute-condition',

  'k8s/event-failed-to-pull-image.kb8or-68.yaml': 'image-not-found',
  'k8s/event-failedtoretrieveimagepullsecret.aks.json': 'pull-secret-missing',
  'k8s/job-failed-failuretarget-backofflimitexceeded.modern-k8s.yaml': 'job-backoff-limit',
  'k8s/job-status-failed-backofflimitexceeded.k8s-92245.yaml': 'job-backoff-limit',
  'k8s/job-status-failed-backofflimitexceeded.k8s-93559.json': 'job-backoff-limit',
  'k8s/job-status-progression-jq.k8s-93559.txt': 'job-backoff-limit',
  'k8s/kubectl-describe-pod-waiting-imagepullbackoff.k8s-pr-138860.txt': 'image-not-found',
  'k8s/pod-containerstatus-waiting-imagepullbackoff.k8s-docs-pod-failure-policy.as-published.yaml.txt':
    'image-pull-backoff',
  'k8s/pod-containerstatuses-imagepullbackoff.podman-desktop-7521.fragment.txt': 'image-pull-backoff',
  'k8s/pod-containerstatuses-imagepullbackoff.podman-desktop-7521.wrapped.json': 'image-pull-backoff',

  'registry/aks-pull-errors.acr.ms-support-article.as-published.md.txt': 'registry-token-rejected',
  'registry/docker-pull-ar-downloadArtifacts-denied.tgke-1779.txt': 'ar-permission-denied',
  'registry/docker-pull-gcr-unauthorized-failed-authentication.cloud-sdk-docker-328.txt':
    'registry-unauthorized',
  'registry/k8s-event-bare-statuses.gke-containerd-live.txt': 'image-pull-backoff',
  'registry/k8s-event-failed-pull-ar-oauth-token-404.gke-containerd-live.txt': 'registry-token-not-found',
  'registry/kubectl-describe-events-ar-downloadArtifacts-denied.berglas-128.partial.txt':
    'ar-permission-denied',
  'registry/kubectl-describe-events-errimagepull-backoff.optaplanner-19.partial.txt': 'registry-unauthorized',
  'registry/kubectl-describe-events-gcr-unauthorized.minikube-19539.txt': 'registry-unauthorized',
  'registry/registry-v2-error-401-unauthorized.acr.azure-sdk-js-recording.headers.txt':
    'registry-unauthorized',
  'registry/registry-v2-error-401-unauthorized.acr.azure-sdk-js-recording.json': 'registry-unauthorized',
  'registry/registry-v2-error-403-denied.artifact-registry-blob-upload.live-curl.json': 'ar-unauthenticated',
  'registry/registry-v2-error-403-denied.artifact-registry-token-endpoint.live-curl.json':
    'ar-unauthenticated',

  'scripts/docker-credential-gcloud-no-active-account.yangsuite-131.title.txt': 'gcloud-no-active-account',
  'scripts/forbidden-create-secrets.bindy-447.rust-status-as-quoted.txt': 'rbac-secrets-forbidden',
  'scripts/forbidden-create-secrets.pgo-1766.txt': 'rbac-secrets-forbidden',
  'scripts/gcloud-components-install-kubectl-disabled.bitrise-base-214.txt': 'kubectl-not-found',
  'scripts/gcloud-no-active-account.cloud-code-intellij-3063.txt': 'gcloud-no-active-account',
  'scripts/gcloud-print-access-token-no-active-account.reproduced.txt': 'gcloud-no-active-account',
  'scripts/gcloud-print-access-token-refresh-failed.loom-359.ansible-stderr-field.txt':
    'gcloud-refresh-failed',
  'scripts/gcloud-print-access-token-refresh-failed.loom-359.stderr.decoded.txt': 'gcloud-refresh-failed',
  'scripts/gcloud-refresh-unable-to-acquire-impersonated.auth-220.gha-log.partial.txt':
    'iam-get-access-token-denied',
  'scripts/k8s-api-status-403-secrets-forbidden.audit-responseObject.json': 'rbac-secrets-forbidden',
  'scripts/kubectl-command-not-found.cloud-sdk-docker-79.txt': 'kubectl-not-found',
  'scripts/kubectl-create-secret-already-exists.ado-log.txt': 'secret-already-exists',
  'scripts/kubectl-create-secret-already-exists.dih-session.txt': 'secret-already-exists',
  'scripts/kubectl-create-secret-alreadyexists-server.k8s-create-secret-2.txt': 'secret-already-exists',
};

/** Fixtures with no error text: success bodies and healthy objects. No hint may match them. */
const NO_ERROR_TEXT: Record<string, string> = {
  // GitHub API answers: the sweep reports them with its own hints (src/modes/preview.ts).
  'github/401-bad-credentials.body.json': 'GitHub 401, sweep fails with its own hint',
  'github/403-rate-limit-exceeded.body.json': 'GitHub rate limit, sweep fails with its own hint',
  'github/404-not-found.body.json': 'GitHub 404, the preview is kept with that reason',
  'github/pulls-get-200.docs-example.excerpt.json': 'pull request 200',
  'arm/fic-get-200.azure-cli-recording.json': 'federated credential GET 200',
  'arm/fic-list-200.azure-cli-recording.json': 'federated credential list 200',
  'arm/fic-list-empty-200.azure-cli-recording.json': 'empty list 200',
  'arm/fic-put-201.azure-cli-recording.json': 'federated credential PUT 201',
  'arm/fic-put-request.azure-cli-recording.json': 'a request body',
  'arm/managedclusters-get-200-workload-identity.azure-cli-recording.json': 'managed cluster GET 200',
  'arm/spec-2026-05-31.FederatedIdentityCredentialCreate.json': 'spec example, success responses',
  'arm/spec-2026-05-31.FederatedIdentityCredentialDelete.json': 'spec example, success responses',
  'arm/spec-2026-05-31.FederatedIdentityCredentialGet.json': 'spec example, success responses',
  'arm/spec-2026-05-31.FederatedIdentityCredentialList.json': 'spec example, success responses',
  'arm/spec-2026-05-31.IdentityGet.json': 'spec example, success responses',
  'arm/spec-2026-08-01.ManagedClustersCreate_SecurityProfile.json': 'spec example, success responses',
  'arm/spec-2026-08-01.ManagedClustersGet.json': 'spec example, success responses',
  'arm/spec-2026-08-01.ManagedClustersListClusterAdminCredentials.json': 'spec example, success responses',
  'arm/spec-2026-08-01.ManagedClustersListClusterUserCredentials.json': 'spec example, success responses',
  'arm/userassignedidentity-put-201.azure-cli-recording.json': 'identity PUT 201',
  'k8s/awi-webhook-injection.source-excerpts.md': 'webhook source code excerpts',
  'k8s/awi-webhook-mutated-pod-describe.awi-quick-start.txt': 'a healthy mutated pod',
  'k8s/cronjob-status-active-lastScheduleTime-lastSuccessfulTime.kia2e.yaml': 'a healthy CronJob status',
  'k8s/job-active-in-progress.modern-k8s.yaml': 'a running Job',
  'k8s/job-complete-successcriteriamet.modern-k8s.yaml': 'a complete Job',
  'k8s/job-get-yaml-active.k8s-docs-job.yaml': 'a running Job',
  'k8s/job-status-complete.k8s-80903.yaml': 'a complete Job',
  'k8s/kubectl-describe-cronjob.kia2e.txt': 'a healthy CronJob',
  'k8s/kubectl-describe-job-completed.k8s-docs-job.txt': 'a complete Job',
};

/** Files that are not evidence at all. */
const NOT_EVIDENCE: Record<string, string> = {
  'SOURCES.md': 'describes where every fixture came from; it quotes the errors but is documentation',
  'seed/azure-deployment.mdx': 'the page this action automates (seed.test.ts reads it), not a service answer',
};

describe('hint catalogue against every fixture', () => {
  const files = listFixtures(fixturesDir).sort();

  it('classifies every fixture file (add an expectation when a fixture is added)', () => {
    const classified = new Set([
      ...Object.keys(EXPECTED_HINT),
      ...Object.keys(NO_ERROR_TEXT),
      ...Object.keys(NOT_EVIDENCE),
    ]);
    expect(files.filter((file) => !classified.has(file))).toEqual([]);
    // …and every expectation names a file that still exists.
    expect([...classified].filter((file) => !files.includes(file))).toEqual([]);
  });

  it.each(Object.entries(EXPECTED_HINT))('%s → %s', (file, expectedId) => {
    expect(findHint(readFixture(file))?.id).toBe(expectedId);
  });

  it.each(Object.keys(NO_ERROR_TEXT))('%s matches no hint', (file) => {
    expect(findHints(readFixture(file)).map((hint) => hint.id)).toEqual([]);
  });

  it('still sees the cause behind a wrapper (findHints keeps every match, most specific first)', () => {
    const ids = findHints(
      readFixture('gcp/gcloud-unable-to-acquire-impersonated-credentials.auth-340.txt'),
    ).map((hint) => hint.id);
    expect(ids).toEqual([
      'iam-get-access-token-denied',
      'gcloud-impersonation-failed',
      'gcloud-refresh-failed',
    ]);
  });
});

describe('hint catalogue, messages not in the fixtures', () => {
  // Real wordings from upstream source, quoted where noted.
  const cases: Array<[string, string]> = [
    // Entra's audience variant (70021 was split into 700211/700212/700213).
    [
      "AADSTS700212: No matching federated identity record found for presented assertion audience 'my.audience'.",
      'entra-audience-mismatch',
    ],
    // kube-apiserver service proxy: errors.NewServiceUnavailable("no endpoints available for service %q").
    ['no endpoints available for service "bifrost"', 'service-no-endpoints'],
    // kubelet BackOff event.
    ['Back-off restarting failed container bifrost in pod bifrost-6d9f7c-abcde_bifrost(uid)', 'crash-loop'],
    // kubelet FailedMount / CreateContainerConfigError.
    [
      'MountVolume.SetUp failed for volume "config" : secret "bifrost-config" not found',
      'referenced-object-missing',
    ],
    ['Error: configmap "gcp-credential-config" not found', 'referenced-object-missing'],
    // Job controller condition message.
    ['DeadlineExceeded: Job was active longer than specified deadline', 'job-deadline-exceeded'],
    // The refresher's RBAC on the named secret (server-side apply = patch).
    [
      'Error from server (Forbidden): secrets "ar-pull-secret" is forbidden: User "system:serviceaccount:bifrost:bifrost-sa" cannot patch resource "secrets" in API group "" in the namespace "bifrost"',
      'rbac-secrets-forbidden',
    ],
    [
      'cronjobs.batch "refresh-ar-secret" is forbidden: User "ci" cannot get resource "cronjobs"',
      'k8s-forbidden',
    ],
    ['/bin/sh: kubectl: not found', 'kubectl-not-found'],
    // containerd's runc error when the image has no /nodejs/bin/node (refresher-image not distroless Node.js).
    [
      'failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: exec: "/nodejs/bin/node": stat /nodejs/bin/node: no such file or directory: unknown',
      'refresher-node-missing',
    ],
    // refresh.mjs after its retries.
    [
      'error: could not reach Google STS at https://sts.googleapis.com/v1/token: ECONNREFUSED',
      'refresher-unreachable',
    ],
    // kube-apiserver's server-side apply conflict, as the action's apply reported it after `kubectl annotate`
    // (seen in __tests__/e2e/verify.test.ts) and, plural, as the apiserver words several conflicts.
    [
      'apply ServiceAccount bifrost/bifrost-sa: HTTP 409 Conflict: Apply failed with 1 conflict: conflict with "kubectl-annotate" using v1: .metadata.annotations.azure.workload.identity/client-id',
      'apply-conflict',
    ],
    [
      'Apply failed with 2 conflicts: conflicts with "kubectl-patch" using batch/v1:\n- .spec.suspend\n- .spec.schedule',
      'apply-conflict',
    ],
  ];

  it.each(cases)('%s → %s', (text, expectedId) => {
    expect(findHint(text)?.id).toBe(expectedId);
  });

  it('does not take a Deployment ProgressDeadlineExceeded for a Job deadline', () => {
    expect(
      findHint('ReplicaSet "bifrost-5d" has timed out progressing. ProgressDeadlineExceeded'),
    ).toBeUndefined();
  });

  it('does not take AADSTS700211 for AADSTS70021', () => {
    expect(findHints('AADSTS700211: No matching federated identity record').map((hint) => hint.id)).toEqual([
      'entra-issuer-mismatch',
    ]);
  });

  it('matches nothing in ordinary success output', () => {
    for (const text of [
      'Secret refreshed at Thu Nov 28 12:00:00 UTC 2026',
      'secret/ar-pull-secret serverside-applied',
      '{"status":"ok","components":{"db_pings":"ok"}}',
      'Successfully pulled image "us-central1-docker.pkg.dev/p/hub/bifrost:v1.2.3" in 1.9s',
    ]) {
      expect(findHints(text)).toEqual([]);
    }
  });
});

describe('hint catalogue shape', () => {
  it('has unique ids, stateless patterns and concrete fixes', () => {
    const ids = HINTS.map((hint) => hint.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const hint of HINTS) {
      expect(hint.id).toMatch(/^[a-z0-9]+(?:-[a-z0-9]+)*$/);
      expect(hint.match.global || hint.match.sticky).toBe(false);
      expect(hint.fix.length).toBeGreaterThan(80);
    }
  });

  it('formats a hint with its docs link and finds it by id', () => {
    const hint = hintById('gcloud-no-active-account');
    expect(formatHint(hint)).toContain('gcloud auth login --cred-file');
    expect(formatHint(hint)).toContain('https://cloud.google.com/sdk/gcloud/reference/auth/login');
    expect(() => hintById('no-such-hint')).toThrow('unknown hint id');
  });
});
