// The action through the fault-injecting proxy in front of the real API server
// (__tests__/support/fault-proxy.ts): with a share of requests answered 429/500/503, reset,
// delayed or cut, deploy and verify still reach the right verdict, and count their retries; with
// every request spoiled the run fails clearly as "API server unreachable" within `timeout`.
// The 30 + 30 run table is `npm run faults` (scripts/faults.ts); this suite keeps to a few runs.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { newNamespace } from '../support/cluster.js';
import { faultyCluster, injectedTotal, type FaultyCluster } from '../support/fault-proxy.js';
import { startWorld, type World } from '../support/world.js';

interface Report {
  result: string;
  failure: { title: string; message: string; hint: string | null } | null;
  checks: Array<{ id: string; status: string }>;
  stats: { retries: Record<string, number> };
}

describe('through a proxy that spoils requests', () => {
  let world: World;
  let faulty: FaultyCluster;

  beforeAll(async () => {
    world = await startWorld(await newNamespace('faults'));
    faulty = await faultyCluster({ rate: 0.3, latencyMs: 200 });
  });
  afterAll(async () => {
    await faulty.close();
    await world.close();
  });

  it('at 30 % faults, deploy then verify both pass, and the report counts the retries', async () => {
    const env = { KUBECONFIG: faulty.kubeconfigPath };
    const deploy = await world.run({}, { env });
    const deployReport = JSON.parse(deploy.outputs.report) as Report;
    expect(deployReport.failure).toBeNull();
    expect(deploy.exitCode).toBe(0);
    const verify = await world.run({ mode: 'verify' }, { env });
    const verifyReport = JSON.parse(verify.outputs.report) as Report;
    expect(verifyReport.checks.filter((c) => c.status === 'fail')).toEqual([]);
    expect(verify.exitCode).toBe(0);

    expect(injectedTotal(faulty.proxy)).toBeGreaterThan(0);
    const retries =
      (deployReport.stats.retries.kubernetes ?? 0) + (verifyReport.stats.retries.kubernetes ?? 0);
    expect(retries).toBeGreaterThan(0);
    expect(deploy.summary).toContain('Retried calls');
  });

  it('at 100 % faults, fails as "API server unreachable" with its address and a hint, within `timeout`', async () => {
    // Every request refused or reset (added latency would let requests through).
    const down = await faultyCluster({ rate: 1, kinds: ['status-429', 'status-500', 'status-503', 'reset'] });
    try {
      const run = await world.run(
        { mode: 'verify', timeout: '15s' },
        { env: { KUBECONFIG: down.kubeconfigPath } },
      );
      const report = JSON.parse(run.outputs.report) as Report;
      expect(report.failure?.title).toBe('API server unreachable');
      expect(report.failure?.message).toContain(`API server unreachable at ${down.proxy.url}`);
      expect(report.failure?.hint).toMatch(/runner can reach the address/);
      expect(run.exitCode).toBe(1);
      expect(run.annotations.some((a) => a.title === 'API server unreachable')).toBe(true);
      // It ended by itself, not by a hang cut short (the timeout plus the start of `node dist/index.js`).
      expect(run.durationMs).toBeLessThan(15_000 + 10_000);
    } finally {
      await down.close();
    }
  });
});
