import type { Cluster } from '@aws-sdk/client-redshift';
import { nodesByMinute } from '../../lib/warehouse/resize-schedule';

/** What the stack passes in SCHEDULE_JSON: the warehouse's resize schedules and its configured node count. */
export interface ScheduleSpec {
  readonly baseNodes: number;
  readonly schedules: readonly { readonly localTime: string; readonly nodes: number }[];
}

/** The parts of a DescribeClusters cluster the decision reads. */
export interface ClusterView {
  /** `ClusterStatus`: `available`, `resizing`, `modifying`, `paused`, ... */
  readonly clusterStatus?: string;
  /** `ClusterAvailabilityStatus`: `Available`, `Modifying`, `Maintenance`, `Unavailable`, `Failed`. */
  readonly clusterAvailabilityStatus?: string;
  readonly numberOfNodes?: number;
  /** `PendingModifiedValues.NumberOfNodes`: a resize Redshift has accepted but not finished. */
  readonly pendingNumberOfNodes?: number;
  /** `DataTransferProgress.Status` is `transferringdata` (a resize is moving data). */
  readonly resizeInProgress?: boolean;
  /** A snapshot or restore is running (`final-snapshot` status, `RestoreStatus` in progress). */
  readonly snapshotInProgress?: boolean;
}

/** The decision's view of a DescribeClusters cluster. */
export function clusterView(c: Cluster): ClusterView {
  const restoring = ['starting', 'restoring'].includes(c.RestoreStatus?.Status ?? '');
  return {
    clusterStatus: c.ClusterStatus,
    clusterAvailabilityStatus: c.ClusterAvailabilityStatus,
    numberOfNodes: c.NumberOfNodes,
    pendingNumberOfNodes: c.PendingModifiedValues?.NumberOfNodes,
    resizeInProgress: c.DataTransferProgress?.Status === 'transferringdata',
    snapshotInProgress: c.ClusterStatus === 'final-snapshot' || restoring,
  };
}

/** Where "now" is in the daily schedule. */
export interface ScheduleContext {
  /** Node count the schedule wants now. */
  readonly target: number;
  /** Minutes since the last change of the target (Infinity when the target never changes). */
  readonly minutesSinceChange: number;
  /** Minutes until the next change of the target (Infinity when the target never changes). */
  readonly minutesUntilChange: number;
}

export type Decision =
  | { readonly action: 'nothing'; readonly reason: 'at-target' | 'near-boundary'; readonly target: number }
  | { readonly action: 'wait'; readonly reason: string; readonly target: number }
  | { readonly action: 'resize'; readonly target: number; readonly from: number; readonly classic: false };

/** Minutes either side of a scheduled change in which the reconciler leaves the cluster to the schedule. */
export const DEFAULT_GRACE_MINUTES = 15;

/** Minute of the local day (0..1439) of `now` in `timeZone`. */
export function localMinuteOfDay(now: Date, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(now);
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value);
  return get('hour') * 60 + get('minute');
}

/** Target and distance to the neighbouring changes at `minute` of the local day (the day wraps around). */
export function scheduleContext(spec: ScheduleSpec, minute: number): ScheduleContext {
  const byMinute = nodesByMinute(
    spec.schedules.map((s, i) => ({ name: `s${i}`, ...s })),
    spec.baseNodes
  );
  const at = (m: number) => byMinute[((m % 1440) + 1440) % 1440]!;
  const target = at(minute);
  let since = Infinity;
  let until = Infinity;
  for (let d = 0; d < 1440; d++) {
    if (since === Infinity && at(minute - d) !== at(minute - d - 1)) since = d;
    if (until === Infinity && at(minute + d + 1) !== at(minute + d)) until = d + 1;
  }
  return { target, minutesSinceChange: since, minutesUntilChange: until };
}

/**
 * What the reconciler does with the cluster now: nothing when it is at the schedule's target or a scheduled change is
 * within `graceMinutes` (the schedule, with its retries, acts then); wait when the cluster cannot take a resize; else an
 * elastic resize to the target.
 */
export function decide(ctx: ScheduleContext, cluster: ClusterView, graceMinutes = DEFAULT_GRACE_MINUTES): Decision {
  const { target } = ctx;
  const pending = cluster.pendingNumberOfNodes;
  if (cluster.numberOfNodes === target && (pending === undefined || pending === target)) {
    return { action: 'nothing', reason: 'at-target', target };
  }
  if (ctx.minutesSinceChange < graceMinutes || ctx.minutesUntilChange <= graceMinutes) {
    return { action: 'nothing', reason: 'near-boundary', target };
  }
  const status = cluster.clusterStatus ?? 'unknown';
  if (status !== 'available') return { action: 'wait', reason: `cluster status ${status}`, target };
  const availability = cluster.clusterAvailabilityStatus;
  if (availability !== undefined && availability !== 'Available') {
    return { action: 'wait', reason: `cluster availability ${availability}`, target };
  }
  if (pending !== undefined) return { action: 'wait', reason: `resize to ${pending} nodes pending`, target };
  if (cluster.resizeInProgress) return { action: 'wait', reason: 'resize in progress', target };
  if (cluster.snapshotInProgress) return { action: 'wait', reason: 'snapshot or restore in progress', target };
  if (cluster.numberOfNodes === undefined) return { action: 'wait', reason: 'node count unknown', target };
  return { action: 'resize', target, from: cluster.numberOfNodes, classic: false };
}
