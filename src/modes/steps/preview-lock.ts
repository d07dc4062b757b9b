// The preview lock: one Lease per preview in production's namespace orders overlapping runs of
// preview deploys, teardowns and sweeps (newest GitHub run wins). Run keys and their order are
// pure (exported for tests); the lock itself reads and writes the Lease.
import type { V1Lease } from '@kubernetes/client-node';
import type { KubeClient } from '../../cluster/client.js';
import { statusOf, wrap } from '../../cluster/errors.js';
import type { PreviewSettings, Settings } from '../../config/settings.js';
import { LEASE_ANNOTATIONS } from '../../manifests/names.js';
import { leaseName, previewLabels } from '../../manifests/preview.js';
import type { Core, RunReport } from '../../report/report.js';

/** A holder that has not renewed for this long is gone (cancelled, killed runner). */
const LEASE_DURATION_SECONDS = 20;
const LEASE_RENEW_MS = 5_000;
const POLL_MS = 500;

/** The run that deploys: ordered by GitHub run id, then attempt. */
export interface RunKey {
  runId: string;
  runAttempt: string;
  commit: string;
}

export function runKey(settings: Settings, preview: Pick<PreviewSettings, 'commit'>): RunKey {
  return { runId: settings.control.runId, runAttempt: settings.control.runAttempt, commit: preview.commit };
}

/** Newer run first: a higher run id, then a higher attempt. */
export function compareRuns(
  a: Pick<RunKey, 'runId' | 'runAttempt'>,
  b: Pick<RunKey, 'runId' | 'runAttempt'>,
): number {
  const num = (v: string) => (/^[0-9]+$/.test(v) ? BigInt(v) : -1n);
  const byId = num(a.runId) - num(b.runId);
  if (byId !== 0n) return byId > 0n ? 1 : -1;
  const byAttempt = num(a.runAttempt) - num(b.runAttempt);
  return byAttempt === 0n ? 0 : byAttempt > 0n ? 1 : -1;
}

export function runKeyText(run: Pick<RunKey, 'runId' | 'runAttempt'>): string {
  return `${run.runId}-${run.runAttempt}`;
}

export function parseRunKey(text: string | undefined): Pick<RunKey, 'runId' | 'runAttempt'> | undefined {
  const match = /^([0-9a-z]+)-([0-9]+)$/.exec(text ?? '');
  return match ? { runId: match[1], runAttempt: match[2] } : undefined;
}

export type AcquireResult = 'acquired' | (Pick<RunKey, 'runId' | 'runAttempt'> & { commit?: string });

/**
 * One Lease per preview in production's namespace orders overlapping runs: each run records
 * itself as the newest run that wants the preview; the newer GitHub run (run id, then attempt)
 * wins. An older run stops with a notice before applying anything more; a newer run waits until
 * the holder releases the Lease or stops renewing it (a cancelled or killed run).
 */
export class PreviewLock {
  readonly superseded = new AbortController();
  newer?: Pick<RunKey, 'runId' | 'runAttempt'> & { commit?: string };
  private readonly api: KubeClient['coordination'];
  private timer?: NodeJS.Timeout;
  private held = false;
  private readonly name: string;
  private readonly namespace: string;

  constructor(
    kube: KubeClient,
    private readonly preview: PreviewSettings,
    private readonly me: RunKey,
    private readonly core: Core,
  ) {
    this.api = kube.coordination;
    this.name = leaseName(preview);
    this.namespace = preview.productionNamespace;
  }

  private get meText(): string {
    return runKeyText(this.me);
  }

  private async read(): Promise<V1Lease | undefined> {
    try {
      return await this.api.readNamespacedLease({ name: this.name, namespace: this.namespace });
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw wrap(`read Lease ${this.namespace}/${this.name}`, error);
    }
  }

  private annotationsFor(holder: string): Record<string, string> {
    return {
      [LEASE_ANNOTATIONS.newest]: this.meText,
      [LEASE_ANNOTATIONS.newestCommit]: this.me.commit,
      [LEASE_ANNOTATIONS.renewedAt]: holder ? new Date().toISOString() : '',
    };
  }

  /** Replace with optimistic concurrency; false on a conflict (someone else wrote first). */
  private async write(lease: V1Lease): Promise<boolean> {
    try {
      if (lease.metadata?.resourceVersion) {
        await this.api.replaceNamespacedLease({ name: this.name, namespace: this.namespace, body: lease });
      } else {
        await this.api.createNamespacedLease({ namespace: this.namespace, body: lease });
      }
      return true;
    } catch (error) {
      if (statusOf(error) === 409) return false;
      throw wrap(`write Lease ${this.namespace}/${this.name}`, error);
    }
  }

  private newestOf(lease: V1Lease): (Pick<RunKey, 'runId' | 'runAttempt'> & { commit?: string }) | undefined {
    const key = parseRunKey(lease.metadata?.annotations?.[LEASE_ANNOTATIONS.newest]);
    return key && { ...key, commit: lease.metadata?.annotations?.[LEASE_ANNOTATIONS.newestCommit] };
  }

  async acquire(deadline: AbortSignal): Promise<AcquireResult> {
    let waitingFor = '';
    for (;;) {
      deadline.throwIfAborted();
      const lease = await this.read();
      if (!lease) {
        const created = await this.write({
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: {
            name: this.name,
            namespace: this.namespace,
            labels: previewLabels(this.preview),
            annotations: this.annotationsFor(this.meText),
          },
          spec: { holderIdentity: this.meText, leaseDurationSeconds: LEASE_DURATION_SECONDS },
        });
        if (created) return this.hold();
        continue;
      }
      const newest = this.newestOf(lease);
      if (newest && compareRuns(newest, this.me) > 0) return newest;
      const holder = lease.spec?.holderIdentity ?? '';
      const renewedAt = Date.parse(lease.metadata?.annotations?.[LEASE_ANNOTATIONS.renewedAt] ?? '');
      const expired = !Number.isFinite(renewedAt) || Date.now() - renewedAt > LEASE_DURATION_SECONDS * 1000;
      const free = !holder || holder === this.meText || expired;
      const next: V1Lease = {
        ...lease,
        metadata: {
          ...lease.metadata,
          labels: { ...lease.metadata?.labels, ...previewLabels(this.preview) },
          annotations: {
            ...lease.metadata?.annotations,
            ...this.annotationsFor(free ? this.meText : ''),
            ...(free
              ? {}
              : {
                  [LEASE_ANNOTATIONS.renewedAt]:
                    lease.metadata?.annotations?.[LEASE_ANNOTATIONS.renewedAt] ?? '',
                }),
          },
        },
        spec: { ...lease.spec, ...(free ? { holderIdentity: this.meText } : {}) },
      };
      if (!(await this.write(next))) continue;
      if (free) return this.hold();
      if (waitingFor !== holder) {
        this.core.info(`Run ${holder} (older) holds preview #${this.preview.pr}: waiting until it stops.`);
        waitingFor = holder;
      }
      await sleep(POLL_MS, deadline);
    }
  }

  private hold(): 'acquired' {
    this.held = true;
    this.core.info(`Run ${this.meText} holds Lease ${this.namespace}/${this.name}`);
    this.timer = setInterval(() => void this.renew().catch(() => undefined), LEASE_RENEW_MS);
    this.timer.unref();
    return 'acquired';
  }

  private async renew(): Promise<void> {
    const lease = await this.read();
    if (!lease || !this.held) return;
    if (this.checkNewest(lease)) return;
    await this.write({
      ...lease,
      metadata: {
        ...lease.metadata,
        annotations: {
          ...lease.metadata?.annotations,
          [LEASE_ANNOTATIONS.renewedAt]: new Date().toISOString(),
        },
      },
    });
  }

  /** True (and the run aborted) when a newer run has asked for the preview. */
  private checkNewest(lease: V1Lease): boolean {
    const newest = this.newestOf(lease);
    if (newest && compareRuns(newest, this.me) > 0) {
      this.newer = newest;
      this.superseded.abort(new Error(`superseded by run ${runKeyText(newest)}`));
      return true;
    }
    return false;
  }

  /** Before each step: stop if a newer run wants the preview. */
  async ensureCurrent(): Promise<void> {
    const lease = await this.read();
    if (lease) this.checkNewest(lease);
    this.superseded.signal.throwIfAborted();
  }

  async release(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    if (!this.held) return;
    this.held = false;
    for (let attempt = 0; attempt < 5; attempt++) {
      const lease = await this.read().catch(() => undefined);
      if (!lease || lease.spec?.holderIdentity !== this.meText) return;
      const ok = await this.write({
        ...lease,
        metadata: {
          ...lease.metadata,
          annotations: { ...lease.metadata?.annotations, [LEASE_ANNOTATIONS.renewedAt]: '' },
        },
        spec: { ...lease.spec, holderIdentity: '' },
      }).catch(() => true);
      if (ok) return;
    }
  }

  /** Teardown: the lock is removed with the preview. */
  async remove(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.held = false;
    try {
      await this.api.deleteNamespacedLease({ name: this.name, namespace: this.namespace });
    } catch (error) {
      if (statusOf(error) !== 404) throw wrap(`delete Lease ${this.namespace}/${this.name}`, error);
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason as Error);
      },
      { once: true },
    );
  });
}

/** A newer run deploys this preview: this run stops with a notice (not a failure). */
export function supersededNotice(
  core: Core,
  report: RunReport,
  preview: PreviewSettings,
  newer: Pick<RunKey, 'runId' | 'runAttempt'> & { commit?: string },
): void {
  const text = `A newer run (${runKeyText(newer)}${newer.commit ? `, commit ${newer.commit}` : ''}) deploys preview #${preview.pr}: this run stops here.`;
  core.notice(text, { title: 'Preview superseded' });
  report.phases.push({ name: 'Preview lock', status: 'skipped', detail: text });
}
