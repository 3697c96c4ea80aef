import type { ResizeSchedule } from '../config';

/**
 * EventBridge Scheduler cron expression firing every day (or Monday to Friday with `weekdaysOnly`) at the schedule's
 * local `HH:MM`; the time zone is passed separately as `ScheduleExpressionTimezone`, so Scheduler applies the zone's DST
 * rules itself.
 */
export function dailyCron(localTime: string, weekdaysOnly = false): string {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(localTime);
  if (!m) throw new Error(`resize schedule time "${localTime}": expected HH:MM (24-hour local time)`);
  return weekdaysOnly
    ? `cron(${Number(m[2])} ${Number(m[1])} ? * MON-FRI *)`
    : `cron(${Number(m[2])} ${Number(m[1])} * * ? *)`;
}

/** Node count in effect at each minute of a day (0..1439) given the daily resizes; before the first, the last one. */
export function nodesByMinute(schedules: readonly ResizeSchedule[], baseNodes: number): number[] {
  const sorted = [...schedules]
    .map((s) => ({ at: Number(s.localTime.slice(0, 2)) * 60 + Number(s.localTime.slice(3, 5)), nodes: s.nodes }))
    .sort((a, b) => a.at - b.at);
  let current = sorted.length ? sorted[sorted.length - 1]!.nodes : baseNodes;
  const out: number[] = [];
  let i = 0;
  for (let minute = 0; minute < 1440; minute++) {
    while (i < sorted.length && sorted[i]!.at === minute) current = sorted[i++]!.nodes;
    out.push(current);
  }
  return out;
}

/** Node-hours per day with the schedule (steady state, each resize assumed instant). */
export function nodeHoursPerDay(schedules: readonly ResizeSchedule[], baseNodes: number): number {
  return nodesByMinute(schedules, baseNodes).reduce((a, b) => a + b, 0) / 60;
}
