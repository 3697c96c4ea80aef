import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, DEV_CONFIG } from '../lib/config';
import { localToUtc, warehouseCost } from '../lib/warehouse/cost';
import { dailyCron, nodeHoursPerDay, nodesByMinute } from '../lib/warehouse/resize-schedule';

describe('resize schedule math', () => {
  it('the seed schedule: 3 nodes 23:00-01:00, 12 until 06:00, 3 until 19:00, 6 until 23:00 = 129 node-hours', () => {
    // By hand: 1h×3 (00-01) + 5h×12 (01-06) + 13h×3 (06-19) + 4h×6 (19-23) + 1h×3 (23-24) = 3+60+39+24+3.
    expect(nodeHoursPerDay(DEFAULT_CONFIG.warehouse.resizeSchedules, 3)).toBe(129);
    const byMinute = nodesByMinute(DEFAULT_CONFIG.warehouse.resizeSchedules, 3);
    expect([byMinute[59], byMinute[60], byMinute[359], byMinute[360], byMinute[1139], byMinute[1140]]).toEqual([
      3, 12, 12, 3, 3, 6,
    ]);
  });

  it('no schedule: the base node count all day', () => {
    expect(nodeHoursPerDay([], 2)).toBe(48);
  });

  it('daily cron in local time', () => {
    expect(dailyCron('01:00')).toBe('cron(0 1 * * ? *)');
    expect(dailyCron('23:45')).toBe('cron(45 23 * * ? *)');
    expect(() => dailyCron('24:00')).toThrow(/expected HH:MM/);
  });
});

describe('warehouse cost', () => {
  it('seed: 129 vs 288 node-hours of ra3.4xlarge per day, priced from the documented table', () => {
    const c = warehouseCost(DEFAULT_CONFIG);
    expect(c).toMatchObject({ scheduledNodeHoursPerDay: 129, peakNodeHoursPerDay: 288, peakNodes: 12 });
    expect(c.scheduledUsdPerDay).toBeCloseTo(129 * c.usdPerNodeHour, 6);
    expect(c.savedUsdPer30Days).toBeCloseTo((288 - 129) * c.usdPerNodeHour * 30, 6);
    expect(c.priceIsStandIn).toBe(true); // no verified ap-northeast-2 prices in the table
  });

  it('dev: no schedule, no saving', () => {
    const c = warehouseCost(DEV_CONFIG);
    expect(c.scheduledNodeHoursPerDay).toBe(c.peakNodeHoursPerDay);
    expect(c.savedUsdPer30Days).toBe(0);
  });
});

describe('localToUtc (Intl)', () => {
  it('Asia/Seoul is UTC+9 all year', () => {
    expect(localToUtc('01:00', 'Asia/Seoul', '2026-07-01')).toBe('2026-06-30T16:00:00.000Z');
    expect(localToUtc('19:00', 'Asia/Seoul', '2026-01-15')).toBe('2026-01-15T10:00:00.000Z');
  });

  it('Europe/Berlin follows DST and rejects a time skipped by the change', () => {
    expect(localToUtc('06:00', 'Europe/Berlin', '2026-03-28')).toBe('2026-03-28T05:00:00.000Z');
    expect(localToUtc('06:00', 'Europe/Berlin', '2026-03-30')).toBe('2026-03-30T04:00:00.000Z');
    expect(() => localToUtc('02:30', 'Europe/Berlin', '2026-03-29')).toThrow(/does not exist/);
  });
});
