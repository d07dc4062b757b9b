// Watches that resume: several watches run until one handler returns a value, each reconnecting
// from the last resourceVersion it saw, under the run's retry policy.
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { Watch } from '@kubernetes/client-node';
import { endsTheRun, type RetryPolicy, ServiceUnreachableError } from '../net/retry.js';
import { statusOf } from './errors.js';

export interface WatchSpec<R> {
  path: string;
  query: Record<string, string>;
  /** Return a value to finish every watch with it. */
  onEvent: (type: string, object: any) => R | undefined | Promise<R | undefined>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/**
 * Run several watches until one handler returns a value (or the signal aborts). A watch that ends,
 * cleanly or not, is resumed from the last resourceVersion it delivered; a 410 Gone (the version
 * was compacted away) restarts it without one, so the server lists every object again as ADDED.
 * Failed connections wait as the retry policy says and count as Kubernetes retries; when the
 * policy gives up, the wait fails as "API server unreachable".
 */
export function watchUntil<R>(
  kubeConfig: KubeConfig,
  policy: RetryPolicy,
  specs: WatchSpec<R>[],
  signal: AbortSignal,
): Promise<R> {
  const watch = new Watch(kubeConfig);
  const address = kubeConfig.getCurrentCluster()?.server ?? '(no server)';
  const controllers = new Set<AbortController>();
  let settled = false;
  return new Promise<R>((resolve, reject) => {
    const finish = (action: () => void) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      for (const controller of controllers) controller.abort();
      action();
    };
    const onAbort = () => finish(() => reject(signal.reason as Error));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });

    const start = (spec: WatchSpec<R>, resourceVersion: string | undefined, failures: number) => {
      if (settled) return;
      let lastVersion = resourceVersion;
      let delivered = false;
      let controller: AbortController | undefined;
      // Handlers run one at a time so async ones see events in order.
      let queue = Promise.resolve();
      const reconnect = (error: unknown) => {
        if (controller) controllers.delete(controller);
        if (settled) return;
        // A watch that delivered events and then ended is routine (the server ends watches);
        // one that ended before any event failed, and waits before the next try.
        const failed = !delivered;
        const attempt = failed ? failures + 1 : 0;
        if (!failed) return void setTimeout(() => start(spec, lastVersion, 0), 0);
        const delay = policy.delayBefore(attempt);
        if (delay === undefined) {
          const problem = statusOf(error) ?? (error as { statusCode?: number }).statusCode;
          return finish(() =>
            reject(
              endsTheRun(error)
                ? error
                : new ServiceUnreachableError(
                    'kubernetes',
                    address,
                    `watch ${spec.path}: ${problem ? `HTTP ${problem}` : ((error as Error)?.message ?? String(error))}`,
                    attempt,
                  ),
            ),
          );
        }
        policy.count('kubernetes');
        setTimeout(() => start(spec, lastVersion, attempt), delay);
      };
      watch
        .watch(
          spec.path,
          {
            ...spec.query,
            allowWatchBookmarks: true,
            ...(lastVersion ? { resourceVersion: lastVersion } : {}),
          },
          (type, object) => {
            delivered = true;
            if (type === 'ERROR') {
              if ((object as { code?: unknown } | undefined)?.code === 410) lastVersion = undefined;
              return;
            }
            lastVersion = (object as KubernetesObject | undefined)?.metadata?.resourceVersion ?? lastVersion;
            if (type === 'BOOKMARK') return;
            queue = queue.then(async () => {
              if (settled) return;
              try {
                const value = await spec.onEvent(type, object);
                if (value !== undefined) finish(() => resolve(value));
              } catch (error) {
                finish(() => reject(error));
              }
            });
          },
          reconnect,
        )
        .then((c) => {
          controller = c;
          if (settled) c.abort();
          else controllers.add(c);
        }, reconnect);
    };
    for (const spec of specs) start(spec, undefined, 0);
  });
}
