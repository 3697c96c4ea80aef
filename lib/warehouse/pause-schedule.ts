import type { Construct } from 'constructs';
import type { PauseSchedule as PauseScheduleConfig } from '../config';
import { StackScopedConstruct } from '../shared/stack-scoped';
import { clusterApiSchedule, clusterSchedulerRole, type ClusterScheduleTarget } from './cluster-api-schedules';
import { dailyCron } from './resize-schedule';

export interface PauseScheduleProps extends PauseScheduleConfig, ClusterScheduleTarget {}

/**
 * Pause and resume of the cluster in local time (issue 11): two EventBridge Scheduler schedules calling the Redshift
 * API directly, a role that may only pause and resume this cluster, failures to the shared dead-letter queue.
 * Resources: `PauseSchedulerRole…`, `PauseSchedule`, `ResumeSchedule`.
 */
export class PauseSchedule extends StackScopedConstruct {
  constructor(scope: Construct, id: string, props: PauseScheduleProps) {
    super(scope, id);
    const role = clusterSchedulerRole(this.home, 'PauseSchedulerRole', {
      description: 'EventBridge Scheduler: pause and resume of the smart-factory warehouse only',
      actions: ['redshift:PauseCluster', 'redshift:ResumeCluster'],
      clusterArn: props.clusterArn,
      deadLetterQueue: props.deadLetterQueue,
      failures: 'pauses/resumes',
    });
    const days = props.weekdaysOnly ? 'Monday to Friday' : 'every day';
    for (const [id, action, localTime] of [
      ['Pause', 'pauseCluster', props.pauseLocalTime],
      ['Resume', 'resumeCluster', props.resumeLocalTime],
    ] as const) {
      clusterApiSchedule(this.home, `${id}Schedule`, {
        description: `${id} the warehouse at ${localTime} ${props.timeZone}, ${days}`,
        scheduleExpression: dailyCron(localTime, props.weekdaysOnly === true),
        timeZone: props.timeZone,
        action,
        input: { ClusterIdentifier: props.clusterIdentifier },
        role,
        deadLetterQueue: props.deadLetterQueue,
      });
    }
  }
}
