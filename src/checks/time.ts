// Date helpers shared by the snapshot reader and the judges: the API gives Date objects, fixtures
// and annotations give strings, and evidence speaks in minutes.

/** client-node gives Date objects; YAML fixtures and annotations give strings. */
export function toDate(value: Date | string | undefined | null): Date | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const date = value instanceof Date ? value : new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

export function time(value: Date | string | undefined | null): number {
  return toDate(value)?.getTime() ?? 0;
}

export function newest(dates: Array<Date | undefined>): Date | undefined {
  return dates.reduce<Date | undefined>(
    (best, date) => (date && (!best || date > best) ? date : best),
    undefined,
  );
}

export function minutesAgo(date: Date, now: Date): string {
  const minutes = Math.round((now.getTime() - date.getTime()) / 60_000);
  return minutes >= 0 ? `${minutes} min ago` : `in ${-minutes} min`;
}
