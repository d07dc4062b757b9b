// mode: render — the manifests only, written to a file under RUNNER_TEMP (for review in a pull
// request, or for GitOps). Needs no cluster and no Azure. The config Secret is left out of the
// file: it holds provider keys.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { KubernetesObject } from '@kubernetes/client-node';
import type { Settings } from '../config/settings.js';
import { renderPreview } from '../manifests/preview.js';
import { render, toYamlStream } from '../manifests/render.js';
import type { RunContext } from './context.js';

export async function run({ settings, report, env, now }: RunContext): Promise<void> {
  const { objects, warnings } = render(settings);
  report.warnings.push(...warnings);
  const toWrite = settings.preview ? renderPreview(settings, settings.preview, now().toISOString()) : objects;
  report.manifestsPath = await writeManifests(settings, toWrite, env);
}

async function writeManifests(
  settings: Settings,
  objects: KubernetesObject[],
  env: NodeJS.ProcessEnv,
): Promise<string> {
  const dir = path.join(env.RUNNER_TEMP ?? path.join(process.cwd(), '.local'), 'bifrost-aks-deploy');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, `manifests-${settings.names.namespace}.yaml`);
  const withoutSecretData = objects.filter(
    (o) => !(o.kind === 'Secret' && o.metadata?.name === settings.names.configSecret),
  );
  await writeFile(file, toYamlStream(withoutSecretData), { mode: 0o600 });
  return file;
}
