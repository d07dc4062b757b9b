// Jest global setup of the e2e project: brings the local control plane up once per run
// (`scripts/cluster.sh up`; a no-op when it already runs) and exports its KUBECONFIG, token
// issuer and state dir to the test workers, which inherit this process's environment.
// The cluster is left running afterwards: the next run starts in seconds. `scripts/cluster.sh down`
// stops it.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const clusterScript = path.join(repoRoot, 'scripts/cluster.sh');
const prereqsScript = path.join(repoRoot, 'scripts/prereqs.sh');

/** Before the long first build: every missing tool named at once (scripts/prereqs.sh). */
function checkPrereqs(): void {
  const result = spawnSync('bash', [prereqsScript], { cwd: repoRoot, encoding: 'utf8', stdio: 'inherit' });
  if (result.error) throw new Error(`cannot run ${prereqsScript}: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`scripts/prereqs.sh: prerequisites missing (see above)`);
}

function runCluster(command: 'up' | 'env'): string {
  const result = spawnSync('bash', [clusterScript, command], {
    cwd: repoRoot,
    encoding: 'utf8',
    // Daemons started by `up` redirect their own output, so these pipes close when it returns.
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (result.error) throw new Error(`cannot run ${clusterScript}: ${result.error.message}`);
  if (result.status !== 0) {
    // The script's message says what is missing (Go, kubectl, …) or which component failed.
    throw new Error(
      `scripts/cluster.sh ${command} failed (exit ${result.status}):\n${result.stderr}${result.stdout}`,
    );
  }
  if (command === 'up' && result.stderr) process.stderr.write(`\n${result.stderr}`);
  return result.stdout;
}

/** Parses `export NAME=value` lines as printed by `cluster.sh env` (bash %q quoting). */
export function parseExports(text: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^export ([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (match) vars[match[1]] = match[2].replace(/\\(.)/g, '$1');
  }
  return vars;
}

export default async function globalSetup(): Promise<void> {
  checkPrereqs();
  runCluster('up');
  const vars = parseExports(runCluster('env'));
  for (const name of ['KUBECONFIG', 'BIFROST_CLUSTER_ISSUER', 'BIFROST_CLUSTER_STATE']) {
    if (!vars[name]) throw new Error(`scripts/cluster.sh env did not print ${name}`);
    process.env[name] = vars[name];
  }
}
