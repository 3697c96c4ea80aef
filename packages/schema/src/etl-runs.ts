/**
 * The naming contract of daily-ETL executions (docs/contracts.md, "ETL executions"). Every starter of the daily
 * workflow names its executions so that the run date can be read back and a repeated start of the same work collides
 * on the same name instead of starting a second run:
 *
 * | Starter | Name | Input |
 * |---|---|---|
 * | `smart-factory etl run --date D` | `run-D`, then `run-D-a2`, `run-D-a3`, … (one attempt after another) | `{"runDate": D}` |
 * | `smart-factory etl backfill --from F --to T` | `backfill-F-T-D`, then `…-a2`, … | `{"runDate": D}` |
 * | the batch-landing trigger | `batch-D-<12 hex of sha256(object key, S3 sequencer)>` | `{"runDate": D}` |
 * | the 01:10 schedule | chosen by EventBridge Scheduler | `{"scheduledTime": ISO}` (yesterday, local) |
 *
 * Step Functions execution names are at most 80 characters of `[A-Za-z0-9_-]` here (no spaces, brackets, wildcards
 * or `" # % \ ^ | ~ \` $ & , ; : /`), unique per state machine for 90 days.
 */

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** True for a real calendar date `YYYY-MM-DD`. */
export function isCalendarDate(value: string): boolean {
  const m = DATE.exec(value);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === value;
}

/** `date` (YYYY-MM-DD) plus `days` calendar days. */
export function addCalendarDays(date: string, days: number): string {
  const m = DATE.exec(date);
  if (!m) throw new Error(`not a YYYY-MM-DD date: "${date.slice(0, 40)}"`);
  return new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + days)).toISOString().slice(0, 10);
}

/** The calendar date (YYYY-MM-DD) of `instant` in `timeZone`. */
export function dateInTimeZone(instant: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' })
    .formatToParts(instant)
    .reduce<Record<string, string>>((acc, p) => ({ ...acc, [p.type]: p.value }), {});
  return `${parts.year}-${parts.month}-${parts.day}`;
}

/** Every date from `from` to `to`, both included. */
export function datesBetween(from: string, to: string): string[] {
  const out: string[] = [];
  for (let d = from; d <= to; d = addCalendarDays(d, 1)) out.push(d);
  return out;
}

/** The name of attempt `attempt` (1, 2, …) of a base name: `base`, `base-a2`, `base-a3`. */
export function attemptName(base: string, attempt: number): string {
  return attempt <= 1 ? base : `${base}-a${attempt}`;
}

/** The attempt number of `name` if it is `base` or an attempt of it, else undefined. */
export function attemptOf(base: string, name: string): number | undefined {
  if (name === base) return 1;
  if (!name.startsWith(`${base}-a`)) return undefined;
  const n = name.slice(base.length + 2);
  return /^[1-9]\d*$/.test(n) ? Number(n) : undefined;
}

export const etlExecutionNames = {
  run: (date: string) => `run-${date}`,
  backfill: (from: string, to: string, date: string) => `backfill-${from}-${to}-${date}`,
  /** `hash` is a hex digest of the triggering object's key and S3 sequencer; 12 characters are kept. */
  batch: (date: string, hash: string) => `batch-${date}-${hash.slice(0, 12)}`,
};

/**
 * The run date an ETL execution works on, read from its input (`runDate`, or the schedule's `scheduledTime`: the day
 * before it in `timeZone`), else from its name; undefined when neither tells.
 */
export function etlRunDateOf(name: string, input: string | undefined, timeZone: string): string | undefined {
  if (input !== undefined) {
    try {
      const parsed = JSON.parse(input) as { runDate?: unknown; scheduledTime?: unknown };
      if (typeof parsed.runDate === 'string' && isCalendarDate(parsed.runDate)) return parsed.runDate;
      if (typeof parsed.scheduledTime === 'string') {
        const t = new Date(parsed.scheduledTime);
        if (!Number.isNaN(t.getTime())) return addCalendarDays(dateInTimeZone(t, timeZone), -1);
      }
    } catch {
      // not JSON: fall back to the name
    }
  }
  const dates = name.match(/\d{4}-\d{2}-\d{2}/g);
  const last = dates?.[dates.length - 1];
  return last !== undefined && isCalendarDate(last) ? last : undefined;
}
