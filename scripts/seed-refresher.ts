// The seed page's refresher, made to work: the gcloud + kubectl bash script (docs/SEED-REVIEW.md,
// D1–D13 fixed) that this action shipped until it moved to refresh.mjs. Kept in git history only
// (OLD_COMMIT), loaded from there by the benchmarks that compare against it: `npm run bench` (the
// seed's own kubectl procedure) and `npm run bench:refresher` (old against new).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { V1CronJob, V1EnvVar } from '@kubernetes/client-node';
import { repoRoot } from '../__tests__/support/action.js';
import type { Settings } from '../src/config/settings.js';

/** The last commit with the gcloud + kubectl refresher (src/manifests/refresher.ts rendered a bash script). */
export const OLD_COMMIT = 'f268b5a';

export interface OldRefresher {
  refresherScript(): string;
  refresherEnv(settings: Settings): V1EnvVar[];
}

/** The old module from git history, its one import pointed at today's settings; a string saying
 * why when it cannot run here (no gcloud or kubectl on this host, or a clone without that commit). */
export async function loadOldRefresher(): Promise<OldRefresher | string> {
  for (const tool of ['gcloud', 'kubectl']) {
    if (spawnSync('which', [tool]).status !== 0) return `${tool} is not installed on this host`;
  }
  let source: string;
  try {
    source = execFileSync('git', ['-C', repoRoot, 'show', `${OLD_COMMIT}:src/manifests/refresher.ts`], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
  } catch {
    return `commit ${OLD_COMMIT} is not in this clone's history`;
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-old-refresher-'));
  const file = path.join(dir, 'old-refresher.ts');
  writeFileSync(
    file,
    source.replace("'./settings.js'", `'${path.join(repoRoot, 'src/config/settings.ts')}'`),
  );
  try {
    return (await import(file)) as OldRefresher;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The rendered CronJob with its container swapped for the old bash script and its scratch volume
 * (gcloud writes its config under /tmp), under `name`. */
export function oldCronJob(
  cronJob: V1CronJob,
  old: OldRefresher,
  settings: Settings,
  name: string,
): V1CronJob {
  const variant = structuredClone(cronJob);
  variant.metadata = { ...variant.metadata, name };
  const pod = variant.spec!.jobTemplate.spec!.template.spec!;
  pod.volumes!.push({ name: 'scratch', emptyDir: {} });
  const container = pod.containers[0];
  container.command = ['/bin/bash', '-c'];
  container.args = [old.refresherScript()];
  container.env = old.refresherEnv(settings);
  container.volumeMounts!.push({ name: 'scratch', mountPath: '/tmp' });
  return variant;
}
