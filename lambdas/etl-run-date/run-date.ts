/**
 * The run date of one ETL execution: a given `runDate` is validated (YYYY-MM-DD, a real calendar date, not in the
 * future of the platform time zone); without one, it is "yesterday" in the platform time zone, counted from the
 * schedule's scheduled time (so a delayed or retried delivery still processes the intended day) or from now.
 */

export interface RunDateInput {
  readonly runDate?: unknown;
  /** EventBridge Scheduler's `<aws.scheduler.scheduled-time>` (ISO-8601 UTC). */
  readonly scheduledTime?: unknown;
}

/** A bad run date; Step Functions sees the error name `InvalidRunDate`. */
export class InvalidRunDateError extends Error {
  override readonly name = 'InvalidRunDate';
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** The calendar date (YYYY-MM-DD) of `instant` in `timeZone`. */
export function localDate(instant: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).formatToParts(instant);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')}`;
}

/** `date` (YYYY-MM-DD) plus `days` calendar days. */
export function addDays(date: string, days: number): string {
  const m = DATE.exec(date);
  if (!m) throw new InvalidRunDateError(`not a YYYY-MM-DD date: ${JSON.stringify(date)}`);
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + days));
  return d.toISOString().slice(0, 10);
}

/** Returns `value` when it is a real calendar date YYYY-MM-DD, else throws InvalidRunDateError naming the value. */
export function validateRunDate(value: unknown): string {
  if (typeof value !== 'string' || !DATE.test(value)) {
    throw new InvalidRunDateError(`runDate must be a string YYYY-MM-DD, got ${JSON.stringify(value)}`);
  }
  if (addDays(value, 0) !== value) {
    throw new InvalidRunDateError(`runDate ${value} is not a calendar date`);
  }
  return value;
}

export function resolveRunDate(input: RunDateInput, timeZone: string, now: Date): { runDate: string } {
  const today = localDate(now, timeZone);
  if (input.runDate !== undefined && input.runDate !== null) {
    const runDate = validateRunDate(input.runDate);
    if (runDate > today) {
      throw new InvalidRunDateError(`runDate ${runDate} is in the future (today is ${today} in ${timeZone})`);
    }
    return { runDate };
  }
  let base = now;
  if (input.scheduledTime !== undefined) {
    const t = typeof input.scheduledTime === 'string' ? new Date(input.scheduledTime) : new Date(NaN);
    if (Number.isNaN(t.getTime())) {
      throw new InvalidRunDateError(
        `scheduledTime must be an ISO-8601 time, got ${JSON.stringify(input.scheduledTime)}`
      );
    }
    base = t;
  }
  return { runDate: addDays(localDate(base, timeZone), -1) };
}
