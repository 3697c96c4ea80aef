import { Duration, TimeZone, Validations } from 'aws-cdk-lib';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { topicAlarm } from '../operations/operations-topic';
import { StackScopedConstruct } from '../shared/stack-scoped';

export interface RetrainScheduleProps {
  /** The training pipeline, started with `{"trigger":"schedule"}`. */
  readonly stateMachine: sfn.IStateMachine;
  /** EventBridge Scheduler `cron(...)` in `timeZone` (`ml.retrainCron`). */
  readonly cron: string;
  readonly timeZone: string;
  /** Receives the alarm when a start still fails after the retries. */
  readonly operationsTopic: sns.ITopic;
}

/**
 * Retraining on a schedule: an EventBridge Scheduler schedule starting the pipeline (3 retries within an hour); a
 * start that still fails lands in a dead-letter queue and raises an alarm instead of vanishing. Resources:
 * `RetrainScheduleDlq…`, `RetrainScheduleFailed…`, `RetrainSchedule…` (and its role).
 */
export class RetrainSchedule extends StackScopedConstruct {
  readonly deadLetterQueue: sqs.Queue;
  readonly schedule: scheduler.Schedule;

  constructor(scope: Construct, id: string, props: RetrainScheduleProps) {
    super(scope, id);
    this.deadLetterQueue = new sqs.Queue(this.home, 'RetrainScheduleDlq', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is the dead-letter queue of the retraining schedule; it needs no DLQ of its own.',
    });
    topicAlarm(this.home, 'RetrainScheduleFailed', props.operationsTopic, {
      description: 'EventBridge Scheduler could not start the ML training pipeline (see the DLQ message).',
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(5),
        statistic: 'Maximum',
      }),
      notifyOk: false,
    });
    this.schedule = new scheduler.Schedule(this.home, 'RetrainSchedule', {
      description: `Retrain the failure model (${props.cron} in ${props.timeZone})`,
      schedule: scheduler.ScheduleExpression.expression(props.cron, TimeZone.of(props.timeZone)),
      target: new targets.StepFunctionsStartExecution(props.stateMachine, {
        input: scheduler.ScheduleTargetInput.fromObject({ trigger: 'schedule' }),
        retryAttempts: 3,
        maxEventAge: Duration.hours(1),
        deadLetterQueue: this.deadLetterQueue,
      }),
    });
  }
}
