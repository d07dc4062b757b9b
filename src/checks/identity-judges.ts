// Judges of the refresher's identity: can its pod prove who it is to Entra and Google? The
// ServiceAccount's client id, the workload identity label on the pod template, the GCP credential
// config, and the token the webhook (or the pod itself) mounts into the running pod.

import path from 'node:path';
import type { V1Container, V1PodSpec } from '@kubernetes/client-node';
import {
  impersonationUrl,
  JWT_SUBJECT_TOKEN_TYPE,
  subjectTokenPath,
  workloadIdentityAudience,
} from '../manifests/gcp.js';
import { type Settings } from '../config/settings.js';
import { newestFirst } from './jobs.js';
import type { ClusterSnapshot } from './snapshot.js';
import { pass, podName, problem, REDEPLOY, skipped, unreadable, type Check } from './verdict.js';
import { AZURE_TOKEN_EXCHANGE_AUDIENCE } from '../manifests/names.js';

export const WORKLOAD_IDENTITY_LABEL = 'azure.workload.identity/use';
const CLIENT_ID_ANNOTATION = 'azure.workload.identity/client-id';
const FEDERATED_TOKEN_FILE_ENV = 'AZURE_FEDERATED_TOKEN_FILE';

/** Where the azure-workload-identity webhook puts the token when the pod does not mount its own (D6). */
const WEBHOOK_TOKEN_FILES = [
  '/var/run/secrets/azure/tokens/azure-identity-token', // webhook ≤ 1.5
  '/var/run/secrets/azure/wi/token/azure-identity-token', // webhook ≥ 1.6
];

export function judgeServiceAccount(snapshot: ClusterSnapshot, settings: Settings): Check {
  const name = settings.names.refresherServiceAccount;
  const observed = snapshot.serviceAccount;
  if (observed.state === 'absent') {
    return problem(
      'fail',
      `ServiceAccount ${name} not found`,
      `The refresher runs as ${name}, and the workload identity webhook refuses pods whose ServiceAccount ` +
        `is missing (D6). ${REDEPLOY}`,
    );
  }
  if (observed.state !== 'found') return unreadable(observed, `ServiceAccount ${name}`);
  const annotated = observed.value.metadata?.annotations?.[CLIENT_ID_ANNOTATION];
  const expected = settings.identity.clientId;
  if (annotated !== undefined && annotated.toLowerCase() === expected.toLowerCase()) {
    return pass(`${CLIENT_ID_ANNOTATION}: ${annotated}`);
  }
  const seen =
    annotated === undefined
      ? `no ${CLIENT_ID_ANNOTATION} annotation`
      : `${CLIENT_ID_ANNOTATION}: ${annotated}`;
  // Only the entra mode sends this client id to Entra; in kubernetes mode it is just drift.
  const status = settings.identity.federation === 'entra' ? 'fail' : 'warn';
  return problem(
    status,
    `${seen}; the client-id input is ${expected}`,
    `Set the annotation to the managed identity's client id (input client-id): re-run with mode: deploy, or ` +
      `\`kubectl annotate serviceaccount ${name} -n ${settings.names.namespace} --overwrite ` +
      `${CLIENT_ID_ANNOTATION}=${expected}\`. ` +
      'The webhook injects it as AZURE_CLIENT_ID into the refresher pod.',
  );
}

function cronJobPodSpec(snapshot: ClusterSnapshot): V1PodSpec | undefined {
  return snapshot.cronJob.state === 'found'
    ? snapshot.cronJob.value.spec?.jobTemplate.spec?.template.spec
    : undefined;
}

export function judgeWorkloadIdentityLabel(snapshot: ClusterSnapshot, settings: Settings): Check {
  const observed = snapshot.cronJob;
  if (observed.state !== 'found')
    return skipped(`CronJob ${settings.names.cronJob} not readable (see cronjob-healthy)`);
  const template = observed.value.spec?.jobTemplate.spec?.template;
  const value = template?.metadata?.labels?.[WORKLOAD_IDENTITY_LABEL];
  if (value === 'true') return pass(`pod template label ${WORKLOAD_IDENTITY_LABEL}: "true"`);
  const saLabel =
    snapshot.serviceAccount.state === 'found'
      ? snapshot.serviceAccount.value.metadata?.labels?.[WORKLOAD_IDENTITY_LABEL]
      : undefined;
  const evidence =
    `pod template label ${WORKLOAD_IDENTITY_LABEL} is ${value === undefined ? 'missing' : `"${value}"`}` +
    (saLabel !== undefined
      ? ` (the ServiceAccount has it, but the webhook only reads the pod label — D6)`
      : '');
  const ownToken = projectedTokenFiles(template?.spec).length > 0;
  return problem(
    ownToken ? 'warn' : 'fail',
    ownToken
      ? `${evidence}; the pod mounts its own projected token, so only the AZURE_* variables are missing`
      : evidence,
    `Put ${WORKLOAD_IDENTITY_LABEL}: "true" on spec.jobTemplate.spec.template.metadata.labels of the CronJob (the label on ` +
      'the ServiceAccount does nothing): re-run with mode: deploy.',
  );
}

/** Files of projected ServiceAccount tokens for the token-exchange audience, as mounted in the containers. */
function projectedTokenFiles(spec: V1PodSpec | undefined): string[] {
  if (!spec) return [];
  const tokenVolumes = new Map<string, string>(); // volume name → token path inside the volume
  for (const volume of spec.volumes ?? []) {
    for (const source of volume.projected?.sources ?? []) {
      const token = source.serviceAccountToken;
      if (token && token.audience === AZURE_TOKEN_EXCHANGE_AUDIENCE)
        tokenVolumes.set(volume.name, token.path);
    }
  }
  return allContainers(spec).flatMap((container) =>
    (container.volumeMounts ?? [])
      .filter((mount) => tokenVolumes.has(mount.name))
      .map((mount) => path.posix.join(mount.mountPath, tokenVolumes.get(mount.name)!)),
  );
}

/** Mount paths of emptyDir volumes: where the entra mode's refresher writes the Entra token. */
function emptyDirMounts(spec: V1PodSpec | undefined): string[] {
  if (!spec) return [];
  const emptyDirs = new Set(
    (spec.volumes ?? []).filter((volume) => volume.emptyDir).map((volume) => volume.name),
  );
  return allContainers(spec).flatMap((container) =>
    (container.volumeMounts ?? [])
      .filter((mount) => emptyDirs.has(mount.name))
      .map((mount) => mount.mountPath),
  );
}

function allContainers(spec: V1PodSpec): V1Container[] {
  return [...(spec.initContainers ?? []), ...spec.containers];
}

interface CredentialConfig {
  type?: unknown;
  audience?: unknown;
  subject_token_type?: unknown;
  token_url?: unknown;
  service_account_impersonation_url?: unknown;
  credential_source?: { file?: unknown };
}

export function judgeCredentialConfig(snapshot: ClusterSnapshot, settings: Settings): Check {
  const name = settings.names.credentialConfigMap;
  if (snapshot.credentialConfig.state !== 'found')
    return unreadable(snapshot.credentialConfig, `ConfigMap ${name}`);
  const data = snapshot.credentialConfig.value.data ?? {};
  const key =
    'credential-config.json' in data
      ? 'credential-config.json'
      : Object.keys(data).find((k) => k.endsWith('.json'));
  if (!key) return problem('fail', `ConfigMap ${name} has no credential-config.json key`, REDEPLOY);
  let config: CredentialConfig;
  try {
    config = JSON.parse(data[key]) as CredentialConfig;
  } catch {
    return problem('fail', `${key} in ConfigMap ${name} is not valid JSON`, REDEPLOY);
  }

  const wrong: string[] = [];
  const expectField = (field: string, actual: unknown, expected: string, consequence: string) => {
    if (actual === expected) return;
    wrong.push(`${field} is ${JSON.stringify(actual)}, expected "${expected}" (${consequence})`);
  };
  expectField('type', config.type, 'external_account', 'gcloud would not treat it as federation');
  expectField(
    'audience',
    config.audience,
    workloadIdentityAudience(settings.identity),
    'STS answers invalid_request/invalid_target',
  );
  expectField('token_url', config.token_url, settings.identity.stsUrl, 'the exchange goes elsewhere');
  expectField(
    'service_account_impersonation_url',
    config.service_account_impersonation_url,
    impersonationUrl(settings.identity),
    'a different service account is impersonated',
  );
  if (config.subject_token_type !== JWT_SUBJECT_TOKEN_TYPE) {
    wrong.push(
      `subject_token_type is ${JSON.stringify(config.subject_token_type)}, expected a JWT token type`,
    );
  }

  const file = config.credential_source?.file;
  const spec = cronJobPodSpec(snapshot);
  const notes: string[] = [];
  if (typeof file !== 'string') {
    wrong.push('credential_source.file is missing');
  } else if (!spec) {
    notes.push(`credential_source.file ${file} not compared: CronJob not readable`);
  } else if (settings.identity.federation === 'kubernetes') {
    const ownFiles = projectedTokenFiles(spec);
    if (ownFiles.length > 0 && !ownFiles.includes(file)) {
      wrong.push(
        `credential_source.file is ${file}, but the refresher's projected token is at ${ownFiles.join(', ')}`,
      );
    } else if (ownFiles.length === 0 && WEBHOOK_TOKEN_FILES.includes(file)) {
      notes.push(
        `credential_source.file ${file} relies on the webhook's injected token path, which changed in 1.6 (D6)`,
      );
    } else if (ownFiles.length === 0) {
      wrong.push(
        `credential_source.file is ${file}, and the refresher pod template mounts no projected token`,
      );
    }
  } else {
    // entra: the file names the Entra token, not the raw SA token. refresh.mjs holds that token in
    // memory at subjectTokenPath('entra'); a script that writes it needs an emptyDir there.
    if (projectedTokenFiles(spec).includes(file)) {
      wrong.push(
        `credential_source.file is the raw ServiceAccount token ${file}; federation: entra reads the Entra token file`,
      );
    } else if (
      file !== subjectTokenPath('entra') &&
      !emptyDirMounts(spec).some((mount) => file.startsWith(`${mount.replace(/\/+$/, '')}/`))
    ) {
      wrong.push(`credential_source.file ${file} is not inside an emptyDir mounted in the refresher pod`);
    }
  }

  if (wrong.length > 0) {
    return problem(
      'fail',
      `${key}: ${wrong.join('; ')}`,
      'The ConfigMap differs from the inputs (gcp-project-number, workload-identity-pool, workload-identity-provider, ' +
        'gcp-service-account, federation): re-run with mode: deploy to re-render it, or fix the inputs if the ConfigMap ' +
        'is right.',
    );
  }
  const summary =
    `external_account, audience ${String(config.audience)}, ` +
    `impersonates ${settings.identity.gcpServiceAccount}, token file ${String(file)}`;
  if (notes.length > 0) {
    return problem(
      'warn',
      `${summary}; ${notes.join('; ')}`,
      'Mount the projected token in the CronJob yourself (the seed volume azure-identity-token) so the path does not ' +
        'depend on the webhook version: re-run with mode: deploy.',
    );
  }
  return pass(summary);
}

export function judgeIdentityInjection(snapshot: ClusterSnapshot): Check {
  const jobs = snapshot.jobs.state === 'found' ? snapshot.jobs.value : [];
  const pods = snapshot.pods.state === 'found' ? snapshot.pods.value : [];
  const jobNames = new Set(jobs.map((job) => job.metadata?.name));
  const refresherPods = newestFirst(
    pods.filter((pod) => {
      const labels = pod.metadata?.labels ?? {};
      return jobNames.has(labels['job-name']) || jobNames.has(labels['batch.kubernetes.io/job-name']);
    }),
  );
  const pod = refresherPods[0];
  if (!pod)
    return skipped(
      'no refresher pod exists now (finished Jobs keep their pods only until the history limit)',
    );
  const spec = pod.spec;
  const files = projectedTokenFiles(spec);
  const envFiles = spec
    ? allContainers(spec).flatMap((container) =>
        (container.env ?? [])
          .filter((env) => env.name === FEDERATED_TOKEN_FILE_ENV)
          .map((env) => env.value ?? ''),
      )
    : [];
  if (files.length > 0 || envFiles.length > 0) {
    const parts = [
      files.length > 0
        ? `projected token (audience ${AZURE_TOKEN_EXCHANGE_AUDIENCE}) at ${[...new Set(files)].join(', ')}`
        : '',
      envFiles.length > 0 ? `${FEDERATED_TOKEN_FILE_ENV}=${[...new Set(envFiles)].join(', ')}` : '',
    ].filter(Boolean);
    return pass(`pod ${podName(pod)}: ${parts.join('; ')}`);
  }
  return problem(
    'fail',
    `pod ${podName(pod)} has no projected token for ${AZURE_TOKEN_EXCHANGE_AUDIENCE} and no ${FEDERATED_TOKEN_FILE_ENV}`,
    `The webhook injects the token only into pods labelled ${WORKLOAD_IDENTITY_LABEL}: "true" (on the pod, not the ` +
      'ServiceAccount — D6) and only when AKS workload identity is enabled (`az aks update --enable-oidc-issuer ' +
      '--enable-workload-identity`). Re-run with mode: deploy: the rendered CronJob mounts its own token.',
  );
}
