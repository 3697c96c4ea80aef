import { Aws, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { OperationsTopic } from '../operations/operations-topic';
import { StackScopedConstruct } from '../shared/stack-scoped';

export interface ScheduleDeadLetterQueueProps {
  /** Encrypts the queue (the warehouse key). */
  readonly key: kms.IKey;
  /** Receives the alarm on a failed schedule. */
  readonly operations: OperationsTopic;
  /** What the schedules do, for the alarm's description ("elastic resize", "pause or resume"). */
  readonly what: string;
}

/**
 * The encrypted dead-letter queue of the warehouse's EventBridge Scheduler schedules (resizes, pause/resume) and its
 * alarm to the operations topic. Resources: `ResizeDeadLetterQueue…`, `ResizeDeadLetterAlarm…` (the names predate the
 * pause schedules).
 */
export class ScheduleDeadLetterQueue extends StackScopedConstruct {
  readonly queue: sqs.Queue;
  readonly alarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: ScheduleDeadLetterQueueProps) {
    super(scope, id);
    this.queue = new sqs.Queue(this.home, 'ResizeDeadLetterQueue', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: props.key,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.queue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is itself the dead-letter queue of the EventBridge Scheduler warehouse schedules.',
    });
    this.alarm = props.operations.alarm(this.home, 'ResizeDeadLetterAlarm', {
      description: `A scheduled Redshift ${props.what} failed after its retries (see the dead-letter queue)`,
      metric: this.queue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(5),
        statistic: 'Maximum',
      }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    });
  }

  /** Lets a schedule's role send its failed invocations here (through the KMS key). */
  grantSend(role: iam.Role, what: string): void {
    this.queue.grantSendMessages(role);
    Validations.of(role).acknowledge(
      ...['Action::kms:GenerateDataKey*', 'Action::kms:ReEncrypt*'].map((g) => ({
        id: `AwsSolutions-IAM5[${g}]`,
        reason: `Only on the warehouse key, for sending failed ${what} to the KMS-encrypted dead-letter queue.`,
      }))
    );
  }
}

/** The cluster a schedule construct acts on, the zone of its local times, where its failures go. */
export interface ClusterScheduleTarget {
  readonly clusterIdentifier: string;
  readonly clusterArn: string;
  /** IANA zone of the schedules' local times. */
  readonly timeZone: string;
  readonly deadLetterQueue: ScheduleDeadLetterQueue;
}

/** What the schedules of one role call on one cluster. */
export interface ClusterSchedulerRoleProps {
  readonly description: string;
  /** Redshift actions the role may call, on `clusterArn` only. */
  readonly actions: readonly string[];
  readonly clusterArn: string;
  readonly deadLetterQueue: ScheduleDeadLetterQueue;
  /** Plural of what fails into the queue, for the acknowledgement ("resizes", "pauses/resumes"). */
  readonly failures: string;
}

/** The role EventBridge Scheduler (of this account only) assumes to call `actions` on the cluster. */
export function clusterSchedulerRole(scope: Construct, id: string, props: ClusterSchedulerRoleProps): iam.Role {
  const role = new iam.Role(scope, id, {
    assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
      conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
    }),
    description: props.description,
  });
  role.addToPolicy(new iam.PolicyStatement({ actions: [...props.actions], resources: [props.clusterArn] }));
  props.deadLetterQueue.grantSend(role, props.failures);
  return role;
}

export interface ClusterApiScheduleProps {
  readonly description: string;
  /** `cron(...)` of `dailyCron`. */
  readonly scheduleExpression: string;
  /** IANA zone of the expression. */
  readonly timeZone: string;
  /** Redshift API action of the universal target (`resizeCluster`, `pauseCluster`, ...). */
  readonly action: string;
  /** Its input (`ClusterIdentifier` and the action's parameters). */
  readonly input: Record<string, unknown>;
  readonly role: iam.IRole;
  readonly deadLetterQueue: ScheduleDeadLetterQueue;
}

/** An EventBridge Scheduler schedule calling the Redshift API directly: 3 retries within an hour, then the DLQ. */
export function clusterApiSchedule(
  scope: Construct,
  id: string,
  props: ClusterApiScheduleProps
): scheduler.CfnSchedule {
  return new scheduler.CfnSchedule(scope, id, {
    description: props.description,
    scheduleExpression: props.scheduleExpression,
    scheduleExpressionTimezone: props.timeZone,
    flexibleTimeWindow: { mode: 'OFF' },
    state: 'ENABLED',
    target: {
      arn: `arn:${Aws.PARTITION}:scheduler:::aws-sdk:redshift:${props.action}`,
      roleArn: props.role.roleArn,
      input: Stack.of(scope).toJsonString(props.input),
      retryPolicy: { maximumRetryAttempts: 3, maximumEventAgeInSeconds: 3600 },
      deadLetterConfig: { arn: props.deadLetterQueue.queue.queueArn },
    },
  });
}
