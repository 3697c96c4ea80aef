/**
 * The run date of one ETL execution: a given `runDate` is validated (YYYY-MM-DD, a real calendar date, not in the
 * future of the platform time zone); without one, it is "yesterday" in the platform time zone, counted from the
 * schedule's scheduled time (so a delayed or retried delivery still processes the intended day) or from now.
 *
 * The calendar arithmetic is the ETL naming contract's (`@smart-factory/schema`), shared with the CLI.
 */
import { addCalendarDays, dateInTimeZone, isCalendarDate } from '@smart-factory/schema';

export interface RunDateInput {
  readonly runDate?: unknown;
  /** EventBridge Scheduler's `<aws.scheduler.scheduled-time>` (ISO-8601 UTC). */
  readonly scheduledTime?: unknown;
}

/** A bad run date; Step Functions sees the error name `InvalidRunDate`. */
export class InvalidRunDateError extends Error {
  override readonly name = 'InvalidRunDate';
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Returns `value` when it is a real calendar date YYYY-MM-DD, else throws InvalidRunDateError naming the value. */
export function validateRunDate(value: unknown): string {
  if (typeof value !== 'string' || !DATE.test(value)) {
    throw new InvalidRunDateError(`runDate must be a string YYYY-MM-DD, got ${JSON.stringify(value)}`);
  }
  if (!isCalendarDate(value)) {
    throw new InvalidRunDateError(`runDate ${value} is not a calendar date`);
  }
  return value;
}

export function resolveRunDate(input: RunDateInput, timeZone: string, now: Date): { runDate: string } {
  const today = dateInTimeZone(now, timeZone);
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
  return { runDate: addCalendarDays(dateInTimeZone(base, timeZone), -1) };
}
