import type { Construct } from 'constructs';
import type { ResizeSchedule } from '../config';
import { StackScopedConstruct } from '../shared/stack-scoped';
import { clusterApiSchedule, clusterSchedulerRole, type ClusterScheduleTarget } from './cluster-api-schedules';
import { dailyCron } from './resize-schedule';

export interface ElasticResizeSchedulesProps extends ClusterScheduleTarget {
  /** The daily resizes, in local time. */
  readonly schedules: readonly ResizeSchedule[];
}

/**
 * Scheduled elastic resizes in local time: one EventBridge Scheduler schedule per configured resize, calling
 * `redshift:ResizeCluster` with a role that may resize this cluster only. Resources: `ResizeSchedulerRole…`,
 * `Resize-<name>`. The `ResizeReconciler` puts the cluster back on schedule when one of them was missed or failed.
 */
export class ElasticResizeSchedules extends StackScopedConstruct {
  constructor(scope: Construct, id: string, props: ElasticResizeSchedulesProps) {
    super(scope, id);
    const role = clusterSchedulerRole(this.home, 'ResizeSchedulerRole', {
      description: 'EventBridge Scheduler: elastic resize of the smart-factory warehouse only',
      actions: ['redshift:ResizeCluster'],
      clusterArn: props.clusterArn,
      deadLetterQueue: props.deadLetterQueue,
      failures: 'resizes',
    });
    for (const s of props.schedules) {
      clusterApiSchedule(this.home, `Resize-${s.name}`, {
        description: `Elastic resize of the warehouse to ${s.nodes} nodes at ${s.localTime} ${props.timeZone}`,
        scheduleExpression: dailyCron(s.localTime),
        timeZone: props.timeZone,
        action: 'resizeCluster',
        input: { ClusterIdentifier: props.clusterIdentifier, NumberOfNodes: s.nodes, Classic: false },
        role,
        deadLetterQueue: props.deadLetterQueue,
      });
    }
  }
}
