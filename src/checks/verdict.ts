// What every judge shares: the shape of a verdict (a CheckResult without id and title), the pass /
// skipped / problem builders (a problem takes its hint from the catalogue in hints.ts when the
// evidence carries a service's words), the answer for an object that could not be read, and the
// warning-event summaries that go into evidence.

import type { CoreV1Event, V1Pod } from '@kubernetes/client-node';
import type { CheckResult } from '../report/check-result.js';
import { findHint, formatHint } from '../report/hints.js';
import { redactSecrets } from '../report/redact.js';
import type { ClusterSnapshot, Observed } from './snapshot.js';
import { time } from './time.js';

export type Check = Omit<CheckResult, 'id' | 'title'>;
export const pass = (evidence: string): Check => ({ status: 'pass', evidence });
export const skipped = (evidence: string): Check => ({ status: 'skipped', evidence });
/** A fail or warn: the catalogue's hint when the evidence carries a known message, else `fallback`. */
export function problem(
  status: 'fail' | 'warn',
  evidence: string,
  fallback: string,
  hintSource = evidence,
): Check {
  const known = findHint(hintSource);
  return { status, evidence, hint: known ? formatHint(known) : fallback };
}

export const REDEPLOY = 'Re-run the action with mode: deploy to create it.';

/** The shared answer for a read that did not succeed. */
export function unreadable(observed: Exclude<Observed<unknown>, { state: 'found' }>, what: string): Check {
  if (observed.state === 'absent') return problem('fail', `${what} not found`, REDEPLOY);
  return problem(
    'fail',
    `could not read ${what}: ${observed.message}`,
    'The identity the action runs as could not read this object; give it read access to the namespace.',
  );
}

export function podName(pod: V1Pod): string {
  return pod.metadata?.name ?? '';
}

export function eventsFor(snapshot: ClusterSnapshot, objectNames: string[]): CoreV1Event[] {
  if (snapshot.warningEvents.state !== 'found') return [];
  const wanted = new Set(objectNames);
  return snapshot.warningEvents.value.filter((event) => wanted.has(event.involvedObject.name ?? ''));
}

/** One line per distinct reason + message, newest first, with counts. */
export function summariseEvents(events: CoreV1Event[]): string {
  const byText = new Map<string, { count: number; last: number }>();
  for (const event of events) {
    const text = `${event.reason ?? ''}: ${redactSecrets(event.message ?? '')}`;
    const seen = byText.get(text) ?? { count: 0, last: 0 };
    seen.count += event.count ?? 1;
    seen.last = Math.max(
      seen.last,
      time(event.lastTimestamp ?? event.eventTime ?? event.metadata?.creationTimestamp),
    );
    byText.set(text, seen);
  }
  return [...byText.entries()]
    .sort((a, b) => b[1].last - a[1].last)
    .slice(0, 8)
    .map(([text, { count }]) => (count > 1 ? `${text} (x${count})` : text))
    .join('\n');
}
