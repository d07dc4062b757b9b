// Regenerates docs/TROUBLESHOOTING.md from the code, so the page never disagrees with what the
// action prints: the checks (ids and titles from src/checks/index.ts and src/azure/checks.ts, explained
// by CHECK_GUIDE below) and every entry of the hint catalogue (src/report/hints.ts), in catalogue order.
// A unit test fails when the page is stale: `npx tsx scripts/troubleshooting.ts`.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { azureChecks } from '../src/azure/checks.js';
import { evaluateChecks, type ClusterSnapshot } from '../src/checks/index.js';
import { HINTS, type Hint } from '../src/report/hints.js';
import { readSettings } from '../src/config/inputs.js';

/** What each check looks at, and when it warns or fails. Keyed by check id; a check without an
 * entry stops the generation (and the unit test). */
export const CHECK_GUIDE: Record<string, string> = {
  namespace:
    'Reads the Namespace. Fails when it does not exist (every other check is then skipped with that reason: deploy ' +
    'first), while it is Terminating, or when the identity the action runs as may not read it.',
  'service-account-client-id':
    'The refresher ServiceAccount carries `azure.workload.identity/client-id` equal to the `client-id` input (case ' +
    'ignored). In `federation: entra` the refresher sends that client id to Entra, so a difference fails; in ' +
    '`kubernetes` federation GCP never sees it, so it only warns. Changed by hand, it is owned by another field manager: ' +
    'use the `kubectl annotate` command of the hint, or deploy with `force-conflicts: true`.',
  'refresher-workload-identity-label':
    'The pod template of the CronJob has the label `azure.workload.identity/use: "true"` (the webhook ignores it on the ' +
    'ServiceAccount, D6). Warns when it is missing but the pod mounts its own projected token (only the AZURE_* ' +
    'variables are then missing); fails when the pod has neither, as in the seed page.',
  'credential-config':
    'Parses the ConfigMap `gcp-credential-config` and compares it with the inputs: `type` external_account, ' +
    '`audience` (project number, pool, provider), `token_url`, `service_account_impersonation_url` (the GCP service ' +
    'account) and `subject_token_type`; `credential_source.file` must be the token the refresher pod mounts. Fails on ' +
    'any difference; warns when the file is the webhook-injected path, which moved in webhook 1.6.',
  'cronjob-healthy':
    'The refresh CronJob is not suspended, its newest finished Job did not fail, and it succeeded within two schedule ' +
    'periods. A failed Job is shown with its refresher pod log tail and events, and the hint is chosen from them (the ' +
    'catalogue below); a Job still retrying after a failed pod warns with the same evidence; a CronJob that never ' +
    'succeeded warns while it is younger than two periods, then fails.',
  'pull-secret':
    'The pull secret exists, is `kubernetes.io/dockerconfigjson`, has an entry for the registry host with user ' +
    '`oauth2accesstoken`, and its token has not expired: by the refresher annotation `bifrost.maximhq.dev/expires-at`, ' +
    'else the last write plus the 60-minute token lifetime. Fails when missing or expired, warns under 5 minutes left. ' +
    'Only hosts, user names and times are read, never the token.',
  'deployment-available':
    'The gateway Deployment is Available and its current generation is rolled out as `kubectl rollout status` judges it ' +
    '(every replica updated and available, no old pod left). Fails when not Available or past its progress deadline ' +
    '(ProgressDeadlineExceeded); warns while a rollout is held (an old pod still serves while the new one cannot start) ' +
    'or when scaled to 0.',
  'pods-healthy':
    'No gateway pod waits on ImagePullBackOff, ErrImagePull, CreateContainerConfigError, CrashLoopBackOff or ' +
    'InvalidImageName, and none is unschedulable. The waiting message and the pod and ReplicaSet Warning events are the ' +
    'evidence; the hint is chosen from them (registry answers, missing pull secret, …).',
  'refresher-identity-injection':
    'The newest refresher pod has a projected ServiceAccount token for `api://AzureADTokenExchange` (its own volume or ' +
    "the webhook's) or `AZURE_FEDERATED_TOKEN_FILE`. Fails when it has neither; skipped when no refresher pod exists " +
    '(finished Jobs keep their pods only up to the history limit).',
  'gateway-health':
    "GET `/health` through the API server's service proxy. 200 passes; Bifrost's own 503 (a store it needs cannot be " +
    'reached) fails with its body; the API server\'s 503 "no endpoints available" fails (no ready pod); a proxy that ' +
    'cannot reach the pod only warns (network path, not the gateway).',
  'aks-oidc-issuer':
    "Resource Manager: the cluster's `oidcIssuerProfile` is enabled with an issuer URL. Skipped without Azure access " +
    '(`subscription-id` and `resource-group`).',
  'aks-workload-identity':
    'Resource Manager: `securityProfile.workloadIdentity.enabled`. Only warns when off: the refresher mounts its own ' +
    'token and does not need the webhook.',
  'managed-identity':
    'Resource Manager: the managed identity (`identity-name`) has the `client-id` and `tenant-id` of the inputs. Fails in ' +
    '`federation: entra`, warns in `kubernetes` federation (GCP never sees that identity).',
  'federated-credential':
    "Resource Manager: a federated credential of the managed identity has the cluster's issuer, the subject " +
    '`system:serviceaccount:<namespace>:<refresher ServiceAccount>` and audience `api://AzureADTokenExchange`. The ' +
    'evidence names the closest credential and each difference; `manage-federated-credential: true` keeps it right. ' +
    'Severity as for managed-identity.',
};

/** Catalogue sections, by hint id prefix (the catalogue's own grouping). */
const SECTIONS: Array<{ title: string; prefixes: string[] }> = [
  { title: 'Microsoft Entra ID (token exchange)', prefixes: ['entra-'] },
  { title: 'Google Security Token Service', prefixes: ['sts-'] },
  { title: 'IAM Credentials (service account impersonation)', prefixes: ['iam-'] },
  { title: 'The refresher (refresh.mjs)', prefixes: ['refresher-'] },
  { title: 'gcloud in a seed-style refresher', prefixes: ['gcloud-'] },
  { title: 'Kubernetes API and kubectl', prefixes: ['kubectl-', 'rbac-', 'k8s-', 'secret-', 'apply-'] },
  { title: 'Image pulls', prefixes: ['pull-secret-', 'referenced-', 'ar-', 'registry-', 'image-'] },
  { title: 'Gateway runtime', prefixes: ['crash-', 'service-'] },
  { title: 'Azure Resource Manager', prefixes: ['arm-'] },
  { title: 'Refresh Job conditions', prefixes: ['job-'] },
];

export function sectionOf(hint: Hint): string | undefined {
  return SECTIONS.find((section) => section.prefixes.some((prefix) => hint.id.startsWith(prefix)))?.title;
}

/** Every check the action reports, in report order, with the titles of a default install. */
export function allChecks(): Array<{ id: string; title: string; side: 'Kubernetes' | 'Azure' }> {
  // Placeholder identity values: titles depend only on object names, which keep their defaults.
  const inputs: Record<string, string> = {
    'tenant-id': '00000000-0000-0000-0000-000000000000',
    'client-id': '00000000-0000-0000-0000-000000000000',
    'hub-slug': 'acme',
    'gcp-project-id': 'acme-hub',
    'gcp-project-number': '123456789012',
    'gcp-service-account': 'bifrost-puller@acme-hub.iam.gserviceaccount.com',
    'registry-region': 'us-central1',
    'image-tag': 'v1.0.0',
  };
  const settings = readSettings((name) => inputs[name] ?? '', {});
  // A snapshot of a missing namespace: every Kubernetes check still reports its id and title.
  const absent = { state: 'absent' } as const;
  const snapshot: ClusterSnapshot = {
    namespace: absent,
    serviceAccount: absent,
    credentialConfig: absent,
    cronJob: absent,
    jobs: absent,
    pullSecret: absent,
    deployment: absent,
    service: absent,
    pods: absent,
    warningEvents: absent,
    apiRequests: 0,
  };
  const noAccess = { skipped: 'documentation' };
  return [
    ...evaluateChecks(snapshot, settings, new Date(0)).map((c) => ({
      id: c.id,
      title: c.title,
      side: 'Kubernetes' as const,
    })),
    ...azureChecks(settings, { cluster: noAccess, identity: noAccess, federatedCredentials: noAccess }).map(
      (c) => ({
        id: c.id,
        title: c.title,
        side: 'Azure' as const,
      }),
    ),
  ];
}

/** Markdown-safe prose: `<placeholders>` and `*` would be taken for HTML and emphasis outside code spans. */
export function prose(text: string): string {
  if (text.split('`').length % 2 === 0) throw new Error(`unbalanced backticks in: ${text}`);
  return text
    .split('`')
    .map((part, i) =>
      i % 2 === 1 ? part : part.replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\*/g, '\\*'),
    )
    .join('`');
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const anchor = (hint: Hint) => `hint-${hint.id}`;

export function renderTroubleshooting(): string {
  const checks = allChecks();
  const missing = checks.filter((check) => !CHECK_GUIDE[check.id]).map((check) => check.id);
  if (missing.length > 0)
    throw new Error(`CHECK_GUIDE in scripts/troubleshooting.ts lacks: ${missing.join(', ')}`);
  const unsorted = HINTS.filter((hint) => !sectionOf(hint)).map((hint) => hint.id);
  if (unsorted.length > 0)
    throw new Error(`no SECTIONS prefix in scripts/troubleshooting.ts for hints: ${unsorted.join(', ')}`);

  const lines: string[] = [
    '# Troubleshooting',
    '',
    '<!-- Generated by `npx tsx scripts/troubleshooting.ts` from src/report/hints.ts, src/checks/index.ts and src/azure/checks.ts:',
    '     edit those (or the guide in the script), not this file. A unit test fails when it is stale. -->',
    '',
    'Every failure the action reports carries what it saw (the evidence) and a fix. This page lists the',
    'checks and every fix the action can give, with the message that triggers it.',
    '',
    '## Reading a failed run',
    '',
    '- **Annotations**: `Check failed: <title>` (an error: the step fails, exit code 1) or `Check warning: <title>`',
    '  (the step still succeeds), with the evidence and `Fix: …`. A failed phase of `mode: deploy` has its own title:',
    "  `Initial refresh failed` (with the refresher's log tail and events), `Rollout failed`, `Field conflict`, …",
    '- **Job summary**: the Checks table (status, check, evidence, hint) and, for deploy, the phases and applied objects.',
    '- **`report` output**: the same as JSON (`checks[].id/status/evidence/hint`, `failure`), for scheduled',
    '  workflows to act on.',
    '- **Re-check without changing anything**: `mode: verify` only reads (it creates no Job and writes no object), so',
    '  it is safe on a schedule and after a manual fix.',
    '- **How a fix is chosen**: the evidence (a pod log tail, events, an HTTP status and body) is matched against the',
    '  catalogue below, most specific message first; when nothing matches, the check gives its own fix.',
    '',
    '## Checks',
    '',
    'In report order; titles with the default object names (namespace `bifrost`, …).',
    '',
    '| check | title | what it checks; when it warns or fails |',
    '|---|---|---|',
    ...checks.map(
      (check) => `| \`${check.id}\` | ${cell(prose(check.title))} | ${cell(prose(CHECK_GUIDE[check.id]))} |`,
    ),
    '',
    '## Messages and fixes',
    '',
    'Each entry: the message as the service words it (in the fix), the fix, and what the action recognises it by.',
    '',
  ];
  for (const section of SECTIONS) {
    const hints = HINTS.filter((hint) => sectionOf(hint) === section.title);
    if (hints.length === 0) continue;
    lines.push(`### ${section.title}`, '');
    for (const hint of hints) lines.push(`- [${prose(hint.title)}](#${anchor(hint)})`);
    lines.push('');
    for (const hint of hints) {
      lines.push(
        `<a id="${anchor(hint)}"></a>`,
        `#### ${prose(hint.title)}`,
        '',
        prose(hint.fix),
        '',
        `Recognised by: \`${hint.match.source}\` · id \`${hint.id}\`${hint.docs ? ` · [docs](${hint.docs})` : ''}`,
        '',
      );
    }
  }
  return `${lines.join('\n').trimEnd()}\n`;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  writeFileSync(path.join(root, 'docs/TROUBLESHOOTING.md'), renderTroubleshooting());
  console.log('docs/TROUBLESHOOTING.md regenerated from src/report/hints.ts and the checks');
}
