// mode: deploy — the seed page's Steps 5–8 in order: render, (federated credential), preflight,
// apply, the initial refresh of the pull secret, the gateway's rollout, then every check.
import type { V1CronJob } from '@kubernetes/client-node';
import { render } from '../manifests/render.js';
import { ActionFailure } from '../report/failure.js';
import type { RunContext } from './context.js';
import { applyLater, applyStep } from './steps/apply.js';
import { checksStep } from './steps/checks.js';
import { connect } from './steps/connect.js';
import { ensureFederatedCredential } from './steps/federated-credential.js';
import { preflightBeforeDeploy } from './steps/preflight.js';
import { initialRefreshStep, refreshDecision } from './steps/refresh.js';
import { rolloutStep } from './steps/rollout.js';

export async function run(run: RunContext): Promise<void> {
  const { settings, report } = run;
  const { names } = settings;
  const rendered = render(settings);
  report.warnings.push(...rendered.warnings);
  const { kube, arm } = await connect(run);
  if (settings.azure.manageFederatedCredential) await ensureFederatedCredential(run, arm);
  const objects = await preflightBeforeDeploy(run, kube, rendered.objects);

  // Both reads at once: the config Secret must exist; the pull secret may make the refresh moot.
  const [configExists, pullSecret] = await Promise.all([
    settings.workload.config ? true : kube.secretExists(names.namespace, names.configSecret),
    kube.secretMetadata(names.namespace, names.pullSecret),
  ]);
  if (!configExists) {
    throw new ActionFailure(
      'Bifrost config missing',
      `Secret ${names.namespace}/${names.configSecret} does not exist and the \`config\` input is empty.`,
      [],
      'Set the `config` input to your Bifrost config.json (a path in the workspace or inline JSON, e.g. from a secret), or create the Secret yourself: kubectl create secret generic bifrost-config --from-file=config.json -n ' +
        names.namespace,
    );
  }

  // Whenever the initial refresh runs (no secret yet, expired, another refresher spec or registry
  // host), the Deployment waits for it: new pods then pull with the new secret, instead of failing
  // with the old one and backing off for minutes. Pods that failed before it (a Deployment left
  // unchanged) are given the kubelet's next retry: the rollout ignores their older pull errors.
  const refresh = refreshDecision(
    run,
    objects.find((o): o is V1CronJob => o.kind === 'CronJob')!,
    pullSecret,
  );
  const afterRefresh = refresh.run ? objects.filter((o) => o.kind === 'Deployment') : [];
  const live = await applyStep(
    run,
    kube,
    objects.filter((o) => !afterRefresh.includes(o)),
  );
  const refreshedAt = await initialRefreshStep(
    run,
    kube,
    live.find((o): o is V1CronJob => o.kind === 'CronJob')!,
    refresh,
  );
  await applyLater(run, kube, afterRefresh, ' (after the pull secret)');
  await rolloutStep(run, kube, names.namespace, { refreshedAt });
  await checksStep(run, kube, arm);
}
