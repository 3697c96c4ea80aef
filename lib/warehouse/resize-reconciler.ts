import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import type { ResizeSchedule } from '../config';
import type { OperationsTopic } from '../operations/operations-topic';
import { acknowledgeIam5 } from '../shared/nag';
import { PlatformFunction } from '../shared/platform-function';

export interface ResizeReconcilerProps {
  /** Identifier of the warehouse cluster (`CfnCluster.ref`). */
  readonly clusterIdentifier: string;
  /** ARN of the cluster: the only resource the function may resize. */
  readonly clusterArn: string;
  /** IANA time zone of the schedules' local times. */
  readonly timeZone: string;
  /** The daily elastic resizes the EventBridge Scheduler schedules perform. */
  readonly schedules: readonly ResizeSchedule[];
  /** The cluster's configured node count. */
  readonly baseNodes: number;
  /** Key of the function's environment and log group. */
  readonly key: kms.IKey;
  /** Receives the alarm on function errors. */
  readonly operations: OperationsTopic;
  /** @default 15 minutes */
  readonly interval?: Duration;
}

/**
 * Every 15 minutes, compares the cluster's node count with what the resize schedule wants now and starts an elastic
 * resize to it when a scheduled resize was missed or failed (away from schedule boundaries, cluster available).
 */
export class ResizeReconciler extends Construct {
  readonly function: PlatformFunction;
  readonly rule: events.Rule;
  readonly errorAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: ResizeReconcilerProps) {
    super(scope, id);
    const fn = new PlatformFunction(this, 'Function', {
      lambdaDir: 'resize-reconciler',
      serviceName: 'resize-reconciler',
      description: 'Brings the warehouse node count back to the resize schedule after a missed or failed resize',
      timeout: Duration.seconds(30),
      memorySize: 256,
      key: props.key,
      reservedConcurrentExecutions: 1,
      environment: {
        CLUSTER_ID: props.clusterIdentifier,
        TIME_ZONE: props.timeZone,
        SCHEDULE_JSON: JSON.stringify({
          baseNodes: props.baseNodes,
          schedules: props.schedules.map((s) => ({ localTime: s.localTime, nodes: s.nodes })),
        }),
      },
    });
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['redshift:DescribeClusters'],
        // Not relied on to honour a cluster ARN: a read-only describe, and the function asks for one cluster only.
        resources: ['*'],
      })
    );
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['redshift:ResizeCluster'], resources: [props.clusterArn] }));
    acknowledgeIam5(
      fn,
      ['Resource::*'],
      'redshift:DescribeClusters (read-only, called for the warehouse cluster only) and the X-Ray ' +
        'PutTraceSegments/PutTelemetryRecords of active tracing; ResizeCluster is scoped to the cluster ARN.'
    );
    this.function = fn;

    this.rule = new events.Rule(this, 'Schedule', {
      description: 'Runs the warehouse resize reconciler',
      schedule: events.Schedule.rate(props.interval ?? Duration.minutes(15)),
      targets: [new targets.LambdaFunction(fn, { retryAttempts: 0 })],
    });

    this.errorAlarm = props.operations.alarm(this, 'ErrorAlarm', {
      description: 'The warehouse resize reconciler failed (the node count may stay off the schedule)',
      metric: fn.metricErrors({ period: Duration.minutes(15), statistic: 'Sum' }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 2,
    });
  }
}
