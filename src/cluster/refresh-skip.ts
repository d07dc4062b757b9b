// Whether deploy may skip its initial refresh Job: a re-run that changes nothing should not wait
// for a new token it does not need. Pure: the Secret, the CronJob as rendered, and the clock.
import type { V1CronJob, V1Secret } from '@kubernetes/client-node';
import { schedulePeriodMinutes } from '../config/schedule.js';
import {
  REFRESHER_CONTAINER,
  REFRESHER_SPEC_ENV,
  EXPIRES_AT_ANNOTATION,
  REFRESHER_SPEC_ANNOTATION,
} from '../manifests/names.js';

/** The token must outlive the CronJob's next scheduled run by this much, so a late or slow
 * scheduled run still replaces it before it expires. */
export const REFRESH_SKIP_SLACK_MINUTES = 5;

/** The summary's words for a skipped refresh. */
export const REFRESH_SKIPPED = 'skipped (fresh, written by this refresher spec)';

export type RefreshDecision =
  { run: true; reason: string } | { run: false; reason: string; expiresAt: string };

/** The refresher spec hash the rendered CronJob will record on the Secret. */
export function renderedRefresherSpec(cronJob: V1CronJob): string | undefined {
  const container = cronJob.spec?.jobTemplate.spec?.template.spec?.containers.find(
    (c) => c.name === REFRESHER_CONTAINER,
  );
  return container?.env?.find((v) => v.name === REFRESHER_SPEC_ENV)?.value;
}

/** Skip only when the Secret exists, was written by the refresher spec being applied, and its
 * token lives until the next scheduled run (at most one schedule period away) plus the slack. */
export function decideInitialRefresh(
  secret: V1Secret | undefined,
  cronJob: V1CronJob,
  force: boolean,
  now: Date,
): RefreshDecision {
  if (force) return { run: true, reason: '`force-refresh` is true' };
  if (!secret) return { run: true, reason: 'the pull secret does not exist yet' };
  const annotations = secret.metadata?.annotations ?? {};
  const spec = renderedRefresherSpec(cronJob);
  if (!spec || annotations[REFRESHER_SPEC_ANNOTATION] !== spec)
    return { run: true, reason: 'the pull secret was written by another refresher spec' };
  const expiresAt = annotations[EXPIRES_AT_ANNOTATION] ?? '';
  const expires = Date.parse(expiresAt);
  const periodMinutes = schedulePeriodMinutes(cronJob.spec?.schedule ?? '');
  const needed = now.getTime() + (periodMinutes + REFRESH_SKIP_SLACK_MINUTES) * 60_000;
  if (!Number.isFinite(expires) || expires < needed)
    return {
      run: true,
      reason: `the token expires ${expiresAt || 'at an unknown time'}, before the next run`,
    };
  return { run: false, reason: REFRESH_SKIPPED, expiresAt };
}
