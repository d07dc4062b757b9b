// How often a CronJob runs, from its cron schedule: the refresher judge calls a success stale after
// two periods. Only the shapes this action and its users write are read exactly; anything else
// counts as hourly.

/** Minutes between runs of a 5-field cron schedule; simple cases only, else one hour. */
export function schedulePeriodMinutes(schedule: string): number {
  const macros: Record<string, number> = {
    '@hourly': 60,
    '@daily': 1440,
    '@midnight': 1440,
    '@weekly': 10080,
  };
  const trimmed = schedule.trim();
  if (trimmed in macros) return macros[trimmed];
  const fields = trimmed.split(/\s+/);
  if (fields.length !== 5) return 60;
  const [minute, hour, dayOfMonth, month, dayOfWeek] = fields;
  const step = (field: string) => /^\*\/(\d+)$/.exec(field)?.[1];
  const fixed = (field: string) => /^\d+$/.test(field);
  if (dayOfMonth !== '*' || month !== '*') return 60;
  if (dayOfWeek !== '*') return fixed(minute) && fixed(hour) && fixed(dayOfWeek) ? 10080 : 60;
  if (minute === '*' && hour === '*') return 1;
  const minuteStep = step(minute);
  if (minuteStep && hour === '*') return Number(minuteStep);
  if (/^\d+(,\d+)+$/.test(minute) && hour === '*') return largestGap(minute.split(',').map(Number), 60);
  if (fixed(minute) && hour === '*') return 60;
  const hourStep = step(hour);
  if (fixed(minute) && hourStep) return 60 * Number(hourStep);
  if (fixed(minute) && fixed(hour)) return 1440;
  return 60;
}

function largestGap(points: number[], cycle: number): number {
  const sorted = [...new Set(points)].sort((a, b) => a - b);
  return Math.max(
    ...sorted.map((point, i) => (i + 1 < sorted.length ? sorted[i + 1] : sorted[0] + cycle) - point),
  );
}
