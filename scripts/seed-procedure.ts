// The seed page's own procedure (__fixtures__/seed/azure-deployment.mdx, "Deploy" and "Verifying
// Access"), run with kubectl against the local control plane, for `npm run bench` to set the
// action's deploy beside it. Its YAML is the action's rendering (the seed's as written does not
// work: docs/SEED-REVIEW.md), split into the seed's files; its refresher is either the seed's
// (gcloud + kubectl, seed-refresher.ts) or refresh.mjs, both run for real by the host executor.
// Each step is one kubectl process, as a user types it; the az commands of "Verifying Access"
// are left out (no Resource Manager here), as is the seed's wrong log selector
// (`-l job-name=refresh-ar-secret` matches no pod: D-series, docs/SEED-REVIEW.md).
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { KubernetesObject, V1CronJob } from '@kubernetes/client-node';
import { render, toYamlStream } from '../src/manifests/render.js';
import type { Settings } from '../src/config/settings.js';

const run = promisify(execFile);

export interface SeedStep {
  command: string;
  ms: number;
}

export interface SeedRun {
  wallMs: number;
  steps: SeedStep[];
  /** The `kubectl wait --for=condition=complete` step: the refresh Job as the seed waits for it. */
  jobWaitMs: number;
}

/**
 * The seed's files from the action's objects: configmap.yaml, serviceaccount.yaml (with the RBAC),
 * cronjob.yaml (the CronJob given), deployment.yaml (everything else but the Namespace, which
 * the seed creates with `kubectl create namespace`).
 */
function seedFiles(
  settings: Settings,
  cronJob: (rendered: V1CronJob) => V1CronJob,
): Record<string, KubernetesObject[]> {
  const objects = render(settings).objects.filter((o) => o.kind !== 'Namespace');
  const files: Record<string, KubernetesObject[]> = {
    'configmap.yaml': [],
    'serviceaccount.yaml': [],
    'cronjob.yaml': [],
    'deployment.yaml': [],
  };
  for (const object of objects) {
    if (object.kind === 'ConfigMap') files['configmap.yaml'].push(object);
    else if (
      ['ServiceAccount', 'Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding'].includes(object.kind!)
    )
      files['serviceaccount.yaml'].push(object);
    else if (object.kind === 'CronJob') files['cronjob.yaml'].push(cronJob(object));
    else files['deployment.yaml'].push(object);
  }
  return files;
}

/** The seed's commands in its order, each timed; throws with the command's output when one fails. */
export async function seedProcedure(
  settings: Settings,
  cronJob: (rendered: V1CronJob) => V1CronJob,
  kubeconfig: string,
): Promise<SeedRun> {
  const { namespace, cronJob: cronJobName, pullSecret, deployment } = settings.names;
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-seed-'));
  try {
    for (const [file, objects] of Object.entries(seedFiles(settings, cronJob)))
      writeFileSync(path.join(dir, file), toYamlStream(objects));
    const commands = [
      `create namespace ${namespace}`,
      'apply -f configmap.yaml',
      'apply -f serviceaccount.yaml',
      'apply -f cronjob.yaml',
      `create job --from=cronjob/${cronJobName} initial-refresh -n ${namespace}`,
      `wait --for=condition=complete job/initial-refresh -n ${namespace} --timeout=120s`,
      `get secret ${pullSecret} -n ${namespace}`,
      'apply -f deployment.yaml',
      `rollout status deployment/${deployment} -n ${namespace} --timeout=120s`,
      // Verifying Access
      `get jobs -n ${namespace}`,
      `logs -l job-name=initial-refresh -n ${namespace}`,
      `get secret ${pullSecret} -n ${namespace} -o yaml`,
    ];
    const steps: SeedStep[] = [];
    const started = performance.now();
    for (const command of commands) {
      const stepStarted = performance.now();
      try {
        await run('kubectl', command.split(' '), {
          cwd: dir,
          env: { ...process.env, KUBECONFIG: kubeconfig },
        });
      } catch (error) {
        // stderr only: stdout of `get secret -o yaml` would hold a live token.
        const { stderr } = error as { stderr?: string };
        throw new Error(`seed procedure: kubectl ${command} failed:\n${stderr ?? ''}`, {
          cause: error,
        });
      }
      steps.push({ command, ms: performance.now() - stepStarted });
    }
    const wallMs = performance.now() - started;
    return { wallMs, steps, jobWaitMs: steps.find((s) => s.command.startsWith('wait '))!.ms };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
