import { describe, expect, it } from 'vitest';
import { InvalidRunDateError, resolveRunDate, validateRunDate } from './run-date';

describe('run date of the ETL workflow', () => {
  it('defaults to yesterday in the platform time zone, not in UTC', () => {
    // 2026-11-24T16:10Z is 01:10 on the 25th in Seoul (UTC+9): the scheduled run processes the 24th
    expect(resolveRunDate({ scheduledTime: '2026-11-24T16:10:00Z' }, 'Asia/Seoul', new Date()).runDate).toBe(
      '2026-11-24'
    );
    // the same instant in UTC is still the 24th: yesterday would be the 23rd
    expect(resolveRunDate({}, 'UTC', new Date('2026-11-24T16:10:00Z')).runDate).toBe('2026-11-23');
    // across a DST change (Berlin, last Sunday of March) and a year/leap boundary
    expect(resolveRunDate({}, 'Europe/Berlin', new Date('2026-03-29T00:10:00Z')).runDate).toBe('2026-03-28');
    expect(resolveRunDate({}, 'Asia/Seoul', new Date('2028-02-29T16:30:00Z')).runDate).toBe('2028-02-29');
    expect(resolveRunDate({}, 'Asia/Seoul', new Date('2027-01-01T00:00:00Z')).runDate).toBe('2026-12-31');
  });

  it('validates a given runDate', () => {
    const now = new Date('2026-11-25T00:00:00Z');
    expect(resolveRunDate({ runDate: '2026-02-28' }, 'Asia/Seoul', now)).toEqual({ runDate: '2026-02-28' });
    for (const bad of ['2026-02-29', '2026-13-01', '26-11-24', '2026-11-24T00:00:00Z', 20261124, "2026-11-24' --"]) {
      expect(() => resolveRunDate({ runDate: bad }, 'Asia/Seoul', now)).toThrow(InvalidRunDateError);
    }
    expect(() => resolveRunDate({ runDate: '2026-11-26' }, 'Asia/Seoul', now)).toThrow(/in the future/);
    expect(() => resolveRunDate({ scheduledTime: 'yesterday' }, 'UTC', now)).toThrow(/scheduledTime/);
  });

  it('crosses month ends and time zones as the calendar does', () => {
    expect(resolveRunDate({}, 'UTC', new Date('2026-03-01T12:00:00Z'))).toEqual({ runDate: '2026-02-28' });
    // 15:00 UTC is already the next day in Seoul (UTC+9)
    expect(resolveRunDate({}, 'Asia/Seoul', new Date('2026-11-24T15:00:00Z'))).toEqual({ runDate: '2026-11-24' });
    expect(validateRunDate('2024-02-29')).toBe('2024-02-29');
    expect(new InvalidRunDateError('x').name).toBe('InvalidRunDate');
  });
});
