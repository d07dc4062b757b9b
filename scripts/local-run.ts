// `npm run local [-- input=value …]`: the action's main job on this machine. Starts the local
// control plane (scripts/cluster.sh), emulates Google STS/IAM on loopback, runs the refresher pods
// for real (host executor), then runs `node dist/index.js` exactly as GitHub would (INPUT_*,
// GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, RUNNER_TEMP) and prints its log, outputs and job summary.
// Defaults deploy into namespace `bifrost`; e.g. `npm run local -- mode=verify` verifies it.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../__tests__/support/action.js';
import { startWorld } from '../__tests__/support/world.js';

function clusterEnv(): void {
  execFileSync('bash', [path.join(repoRoot, 'scripts/cluster.sh'), 'up'], { stdio: 'inherit' });
  const exports = execFileSync('bash', [path.join(repoRoot, 'scripts/cluster.sh'), 'env'], {
    encoding: 'utf8',
  });
  for (const match of exports.matchAll(/^export (\w+)=(.*)$/gm)) process.env[match[1]] = match[2];
}

/** The job summary is HTML (what GitHub renders); this prints it readably in a terminal. */
export function summaryAsText(html: string): string {
  return html
    .replace(
      /<h(\d)>(.*?)<\/h\d>/g,
      (_m, level: string, text: string) => `\n${'#'.repeat(Number(level))} ${text}\n`,
    )
    .replace(/<\/tr>/g, '\n')
    .replace(/<t[hd][^>]*>/g, '| ')
    .replace(/<br>/g, '\n    ')
    .replace(/<li>/g, '- ')
    .replace(/<\/(p|pre|ul|table|li)>/g, '\n')
    .replace(/<[^>]+>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\n{3,}/g, '\n\n');
}

async function main(): Promise<number> {
  const overrides = Object.fromEntries(
    process.argv.slice(2).map((arg) => {
      const at = arg.indexOf('=');
      if (at < 1) throw new Error(`arguments are input=value pairs, got "${arg}"`);
      return [arg.slice(0, at), arg.slice(at + 1)];
    }),
  );
  if (!existsSync(path.join(repoRoot, 'dist/index.js'))) {
    execFileSync('npm', ['run', 'build'], { cwd: repoRoot, stdio: 'inherit' });
  }
  clusterEnv();
  // The whole chain, as on AKS: preflight from the runner, a real registry (Debian's docker-registry)
  // holding the image, and gateway pods whose pulls that registry decides with the pull secret.
  const world = await startWorld(overrides.namespace ?? 'bifrost', { registry: true, pulls: true });
  try {
    console.log(
      `\n▶ node dist/index.js (mode ${overrides.mode ?? 'deploy'}, namespace ${world.namespace}; Google STS/IAM emulated at ${world.gcp.url}; registry ${world.registry?.server.host ?? 'none'})\n`,
    );
    const run = await world.run(overrides);
    process.stdout.write(run.stdout);
    process.stderr.write(run.stderr);
    console.log('\n── outputs ──');
    for (const [name, value] of Object.entries(run.outputs)) {
      console.log(`${name}: ${value.length > 160 ? `${value.slice(0, 157)}…` : value}`);
    }
    console.log('\n── job summary ──');
    console.log(summaryAsText(run.summary));
    console.log(
      `exit code ${run.exitCode}, ${(run.durationMs / 1000).toFixed(1)} s; KUBECONFIG=${process.env.KUBECONFIG}`,
    );
    return run.exitCode;
  } finally {
    await world.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(2);
  },
);
