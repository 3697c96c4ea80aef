import { describe, expect, it } from 'vitest';
import { clusterView, decide, localMinuteOfDay, scheduleContext, type ClusterView, type ScheduleSpec } from './core';

// The default config's schedule: 12 nodes 01:00-06:00, 3 until 19:00, 6 until 23:00, then 3.
const SPEC: ScheduleSpec = {
  baseNodes: 3,
  schedules: [
    { localTime: '01:00', nodes: 12 },
    { localTime: '06:00', nodes: 3 },
    { localTime: '19:00', nodes: 6 },
    { localTime: '23:00', nodes: 3 },
  ],
};
const at = (hhmm: string) => scheduleContext(SPEC, Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5)));
const available = (nodes: number, extra: Partial<ClusterView> = {}): ClusterView => ({
  clusterStatus: 'available',
  clusterAvailabilityStatus: 'Available',
  numberOfNodes: nodes,
  ...extra,
});

describe('schedule context', () => {
  it('gives the target and the distance to the neighbouring changes, wrapping around midnight', () => {
    expect(at('03:00')).toEqual({ target: 12, minutesSinceChange: 120, minutesUntilChange: 180 });
    expect(at('01:00')).toEqual({ target: 12, minutesSinceChange: 0, minutesUntilChange: 300 });
    expect(at('00:50')).toEqual({ target: 3, minutesSinceChange: 110, minutesUntilChange: 10 });
    expect(at('23:30')).toEqual({ target: 3, minutesSinceChange: 30, minutesUntilChange: 90 });
  });

  it('a constant schedule never changes', () => {
    expect(scheduleContext({ baseNodes: 4, schedules: [] }, 600)).toEqual({
      target: 4,
      minutesSinceChange: Infinity,
      minutesUntilChange: Infinity,
    });
  });

  it('local minute of the day in the platform time zone', () => {
    expect(localMinuteOfDay(new Date('2026-11-24T16:10:00Z'), 'Asia/Seoul')).toBe(70); // 01:10 KST
    expect(localMinuteOfDay(new Date('2026-11-24T23:59:00Z'), 'UTC')).toBe(1439);
    expect(localMinuteOfDay(new Date('2026-07-01T10:00:00Z'), 'Europe/Berlin')).toBe(12 * 60); // CEST
  });
});

describe('reconcile decision', () => {
  it('nothing when the cluster is at the target', () => {
    expect(decide(at('03:00'), available(12))).toEqual({ action: 'nothing', reason: 'at-target', target: 12 });
    // at the target even when it is not available (e.g. paused): nothing to reconcile
    expect(decide(at('03:00'), { ...available(12), clusterStatus: 'paused' }).action).toBe('nothing');
  });

  it('nothing within the grace period after or before a scheduled change (the schedule acts)', () => {
    expect(decide(at('01:05'), available(3))).toEqual({ action: 'nothing', reason: 'near-boundary', target: 12 });
    expect(decide(at('05:45'), available(3))).toEqual({ action: 'nothing', reason: 'near-boundary', target: 12 });
    expect(decide(at('01:15'), available(3)).action).toBe('resize');
    expect(decide(at('05:44'), available(3)).action).toBe('resize');
    // a custom grace period
    expect(decide(at('01:20'), available(3), 30)).toMatchObject({ reason: 'near-boundary' });
  });

  it('resizes (elastic) to the target when a scheduled resize was missed or failed', () => {
    expect(decide(at('03:00'), available(3))).toEqual({ action: 'resize', target: 12, from: 3, classic: false });
    expect(decide(at('12:00'), available(12))).toEqual({ action: 'resize', target: 3, from: 12, classic: false });
  });

  it.each([
    ['resizing', { clusterStatus: 'resizing' }, 'cluster status resizing'],
    ['modifying', { clusterStatus: 'modifying' }, 'cluster status modifying'],
    ['paused', { clusterStatus: 'paused' }, 'cluster status paused'],
    ['status unknown', { clusterStatus: undefined }, 'cluster status unknown'],
    ['in maintenance', { clusterAvailabilityStatus: 'Maintenance' }, 'cluster availability Maintenance'],
    ['resize pending', { pendingNumberOfNodes: 6 }, 'resize to 6 nodes pending'],
    ['resize transferring data', { resizeInProgress: true }, 'resize in progress'],
    ['snapshot running', { snapshotInProgress: true }, 'snapshot or restore in progress'],
    ['node count unknown', { numberOfNodes: undefined }, 'node count unknown'],
  ] as const)('waits when the cluster is not ready: %s', (_, extra, reason) => {
    expect(decide(at('03:00'), available(3, extra))).toEqual({ action: 'wait', reason, target: 12 });
  });

  it('waits, not resizes again, when the resize to the target is already pending', () => {
    const d = decide(at('03:00'), available(3, { pendingNumberOfNodes: 12 }));
    expect(d).toEqual({ action: 'wait', reason: 'resize to 12 nodes pending', target: 12 });
  });
});

describe('cluster view of DescribeClusters', () => {
  it('maps status, nodes, pending resize, data transfer and snapshot/restore', () => {
    expect(
      clusterView({
        ClusterStatus: 'available',
        ClusterAvailabilityStatus: 'Available',
        NumberOfNodes: 3,
      })
    ).toEqual({
      clusterStatus: 'available',
      clusterAvailabilityStatus: 'Available',
      numberOfNodes: 3,
      pendingNumberOfNodes: undefined,
      resizeInProgress: false,
      snapshotInProgress: false,
    });
    const busy = clusterView({
      ClusterStatus: 'resizing',
      NumberOfNodes: 3,
      PendingModifiedValues: { NumberOfNodes: 12 },
      DataTransferProgress: { Status: 'transferringdata' },
      RestoreStatus: { Status: 'restoring' },
    });
    expect(busy).toMatchObject({ pendingNumberOfNodes: 12, resizeInProgress: true, snapshotInProgress: true });
    expect(clusterView({ ClusterStatus: 'final-snapshot' }).snapshotInProgress).toBe(true);
    expect(clusterView({ RestoreStatus: { Status: 'completed' } }).snapshotInProgress).toBe(false);
  });
});
