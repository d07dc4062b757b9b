// The preflight as a step of a run (chain/preflight.ts walks the chain): before a deploy applies
// anything, and as the `preflight-*` checks of a verify. The chain is walked once per run.
import type { KubernetesObject } from '@kubernetes/client-node';
import {
  preflightChecks,
  preflightFailure,
  preflightLines,
  pullSecretOpensRegistry,
  runPreflight,
  type PreflightResult,
} from '../../chain/preflight.js';
import type { Fetch } from '../../chain/registry.js';
import type { KubeClient } from '../../cluster/client.js';
import { statusOf, wrap } from '../../cluster/errors.js';
import { bifrostImage } from '../../config/defaults.js';
import { render } from '../../manifests/render.js';
import { retryingFetch } from '../../net/retry.js';
import type { CheckResult } from '../../report/check-result.js';
import { group, logApplied, type AppliedObject } from '../../report/report.js';
import type { RunContext } from '../context.js';

/** deploy: the preflight before anything else is applied. Returns the objects to apply (with
 * the image pinned to the digest when `pin-digest` is true). Throws the first failed hop. */
export async function preflightBeforeDeploy(
  run: RunContext,
  kube: KubeClient,
  objects: KubernetesObject[],
): Promise<KubernetesObject[]> {
  const { core, settings, report } = run;
  if (!settings.preflight.enabled) {
    report.phases.push({ name: 'Preflight', status: 'skipped', detail: '`preflight` is false' });
    return objects;
  }
  return group(core, 'Preflight: identity chain and registry', async () => {
    report.applied = await ensureServiceAccount(run, kube, objects);
    logApplied(core, report.applied);
    const result = await walkChain(run, kube);
    const failure = preflightFailure(result);
    if (failure) {
      report.phases.push({ name: 'Preflight', status: 'failed', detail: failure.title });
      throw failure;
    }
    report.phases.push({
      name: 'Preflight',
      status: 'succeeded',
      detail: `${result.hops.filter((h) => h.status === 'pass').length} hops passed (${result.requests} requests)`,
      durationMs: result.durationMs,
    });
    if (!settings.preflight.pinDigest || !result.digest) return objects;
    const image = bifrostImage(settings.identity, result.digest);
    core.info(`pin-digest: the Deployment uses ${image}`);
    report.imageTag = settings.workload.image;
    report.image = image;
    return render({ ...settings, workload: { ...settings.workload, image } }).objects;
  });
}

/** verify: the hops as checks (reusing a deploy's preflight of this run), and whether the pull
 * secret's own credentials open the registry. */
export async function preflightVerifyChecks(run: RunContext, kube: KubeClient): Promise<CheckResult[]> {
  const { core, settings, report } = run;
  if (!settings.preflight.enabled) return [];
  const result = report.preflight ?? (await walkChain(run, kube));
  const pull = await pullSecretOpensRegistry(
    core,
    kube,
    settings,
    report.image ?? settings.workload.image,
    preflightFetch(kube),
  );
  return [...preflightChecks(result), pull];
}

/** The refresher's ServiceAccount must exist for TokenRequest: on a first deploy only it and its
 * Namespace are applied before the preflight (nothing else is, if the preflight fails). */
async function ensureServiceAccount(
  { settings }: RunContext,
  kube: KubeClient,
  objects: KubernetesObject[],
): Promise<AppliedObject[]> {
  const { namespace, refresherServiceAccount } = settings.names;
  try {
    await kube.core.readNamespacedServiceAccount({ name: refresherServiceAccount, namespace });
    return [];
  } catch (error) {
    if (statusOf(error) !== 404)
      throw wrap(`read ServiceAccount ${namespace}/${refresherServiceAccount}`, error);
  }
  const first = objects.filter(
    (o) =>
      o.kind === 'Namespace' || (o.kind === 'ServiceAccount' && o.metadata?.name === refresherServiceAccount),
  );
  return (await kube.applyAll(first, settings.control.forceConflicts)).applied;
}

/** Google, Entra and registry calls under the run's retry policy (429/5xx/resets retried, counted as
 * `preflight`; the service's last answer is handed back when it never recovers). */
function preflightFetch(kube: KubeClient): Fetch {
  return (input, init) => retryingFetch(kube.policy, 'preflight', input, init);
}

/** The chain walked once for this run, its tokens masked as issued, and the result recorded. */
async function walkChain({ core, settings, report }: RunContext, kube: KubeClient): Promise<PreflightResult> {
  const result = await runPreflight({
    settings,
    core: kube.core,
    mask: (s) => core.setSecret(s),
    fetch: preflightFetch(kube),
  });
  report.preflight = result;
  if (result.digest) report.imageDigest = result.digest;
  for (const line of preflightLines(result)) core.info(line);
  return result;
}
