import { Arn, ArnFormat, Duration, Stack, TimeZone, Validations } from 'aws-cdk-lib';
import type * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { grantSecretReadFromOtherStack } from '../shared/cross-stack-grants';
import type { EtlConfig } from '../config';
import type { EtlWarehouse } from './etl-jobs';
import type { OperationsTopic } from '../operations/operations-topic';
import { resourceNagId } from '../shared/nag';
import { PlatformFunction } from '../shared/platform-function';
import { RETRYABLE, sqlStep } from './data-api-steps';

export { RETRYABLE } from './data-api-steps';

export interface EtlWorkflowProps {
  readonly config: EtlConfig;
  /** IANA time zone of the schedule and of "yesterday". */
  readonly timeZone: string;
  readonly rawToParquetJob: glue.IJob;
  readonly dailyFactJob: glue.IJob;
  readonly warehouse: EtlWarehouse;
  readonly operations: OperationsTopic;
  /** Encrypts the execution log group, the DLQ and the Lambda environment. */
  readonly key: kms.IKey;
  /** The archive state machine, run to completion as the last step (`{ runDate }`). */
  readonly archiveStateMachine: sfn.IStateMachine;
  /**
   * Node count the cluster has at the daily run time by the resize schedules: the run waits until the cluster is
   * available at that size (bounded; notified on timeout) before the first statement.
   */
  readonly expectedNodes: number;
  /** Polls of DescribeClusters before giving up (one a minute). @default 45 */
  readonly warehouseWaitMinutes?: number;
}

/** State names the local executions (test/etl-workflow.test.ts) assert; renaming one is a visible change. */
export const STATES = {
  resolveRunDate: 'Resolve run date',
  rawToParquet: 'Raw sensor to parquet',
  warehouseReady: 'Check warehouse',
  warehouseWait: 'Wait for warehouse',
  warehouseReadyChoice: 'Warehouse ready?',
  warehouseTimeout: 'Warehouse not ready',
  dailyFact: 'Load daily facts',
  refresh: 'Refresh summaries',
  archive: 'Archive old facts',
  success: 'Publish success event',
  done: 'ETL run complete',
  notify: 'Notify operations',
  failed: 'ETL run failed',
} as const;

/**
 * The daily ETL: `{ runDate? }` -> raw_sensor_to_parquet (.sync) -> wait until the warehouse is available at its
 * scheduled size -> etl_daily_fact (.sync) -> CALL summary.sp_refresh(runDate) -> the archive state machine (.sync)
 * -> success event. SQL runs through the Redshift Data API (execute with a ClientToken, then Wait/describe/Choice
 * until FINISHED). Every failure is caught, published to the operations topic with the step and cause, and ends the
 * execution failed. Scheduled daily in the platform time zone (EventBridge Scheduler with retries and a DLQ); logs ALL
 * events to an encrypted log group; X-Ray; alarms on failed/timed-out executions.
 */
export class EtlWorkflow extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly schedule: scheduler.Schedule;
  readonly deadLetterQueue: sqs.Queue;
  private readonly failures: FailureHandling;

  constructor(
    scope: Construct,
    id: string,
    private readonly props: EtlWorkflowProps
  ) {
    super(scope, id);
    const resolveFn = this.runDateFunction();
    this.failures = this.failureHandling();

    const success = this.successEvent();
    const archive = this.archiveStep(success);
    const refresh = sqlStep(this, 'Refresh', {
      target: {
        clusterIdentifier: props.warehouse.clusterIdentifier,
        clusterArn: props.warehouse.clusterArn,
        databaseName: props.warehouse.databaseName,
        secretArn: props.warehouse.etlSecret.secretArn,
      },
      stateName: STATES.refresh,
      // runDate is validated as YYYY-MM-DD by the first state, so it cannot carry SQL
      sql: sfn.JsonPath.format("CALL summary.sp_refresh('{}')", sfn.JsonPath.stringAt('$.runDate')),
      failure: this.failures.failure,
      catchAll: (state, stepName) => this.failures.catchTo(state, stepName),
      next: archive,
    });
    const dailyFact = this.glueJob('DailyFact', STATES.dailyFact, props.dailyFactJob);
    dailyFact.next(refresh);
    const definition = this.resolveRunDate(resolveFn)
      .next(this.glueJob('RawToParquet', STATES.rawToParquet, props.rawToParquetJob))
      .next(this.warehouseReady(dailyFact));

    this.stateMachine = this.buildStateMachine(definition, resolveFn);
    const { schedule, deadLetterQueue } = this.dailySchedule();
    this.schedule = schedule;
    this.deadLetterQueue = deadLetterQueue;
    this.alarms();
  }

  private runDateFunction(): PlatformFunction {
    const resolveFn = new PlatformFunction(this, 'ResolveRunDate', {
      lambdaDir: 'etl-run-date',
      serviceName: 'etl-run-date',
      description: 'ETL workflow: validates runDate or computes yesterday in the platform time zone',
      environment: { TIME_ZONE: this.props.timeZone },
      key: this.props.key,
    });
    Validations.of(resolveFn).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'X-Ray PutTraceSegments/PutTelemetryRecords (active tracing) have no resource type.',
    });
    return resolveFn;
  }

  /** Every catch -> "<step> failed" (records step/error/cause) -> notify -> Fail. */
  private failureHandling(): FailureHandling {
    const failed = new sfn.Fail(this, 'Failed', {
      stateName: STATES.failed,
      errorPath: '$.failure.error',
      causePath: '$.failure.cause',
    });
    const notify = new tasks.SnsPublish(this, 'Notify', {
      stateName: STATES.notify,
      topic: this.props.operations.topic,
      subject: 'Smart-factory ETL run failed',
      message: sfn.TaskInput.fromJsonPathAt(
        sfn.JsonPath.format(
          'Smart-factory ETL run for {} failed at step "{}" (execution {}). Error: {}. Cause: {}',
          sfn.JsonPath.stringAt('$.failure.runDate'),
          sfn.JsonPath.stringAt('$.failure.step'),
          sfn.JsonPath.executionId,
          sfn.JsonPath.stringAt('$.failure.error'),
          sfn.JsonPath.stringAt('$.failure.cause')
        )
      ),
      resultPath: sfn.JsonPath.DISCARD,
    });
    notify.addRetry({ errors: [...RETRYABLE.sns], interval: Duration.seconds(5), backoffRate: 2, maxAttempts: 4 });
    // a notification that cannot be sent must not hide the failure: the execution still fails (and the alarm fires)
    notify.addCatch(failed, { resultPath: '$.notifyError' });
    notify.next(failed);

    const failure = (stepName: string, record: Record<string, string>, runDateKnown = true): sfn.Chain =>
      new sfn.Pass(this, `${stepName} failed`, {
        stateName: `${stepName} failed`,
        parameters: {
          step: stepName,
          ...(runDateKnown ? { 'runDate.$': '$.runDate' } : { runDate: '(not resolved)' }),
          ...record,
        },
        resultPath: '$.failure',
      }).next(notify);
    const caughtStates = new Map<string, sfn.Chain>();
    const caught = (stepName: string, runDateKnown = true): sfn.Chain => {
      let state = caughtStates.get(stepName);
      if (!state) {
        state = failure(stepName, { 'error.$': '$.error.Error', 'cause.$': '$.error.Cause' }, runDateKnown);
        caughtStates.set(stepName, state);
      }
      return state;
    };
    const catchTo = (state: sfn.TaskStateBase | sfn.Map, stepName: string, runDateKnown = true) =>
      state.addCatch(caught(stepName, runDateKnown), { errors: [sfn.Errors.ALL], resultPath: '$.error' });
    return { failure, catchTo };
  }

  /** 1. run date */
  private resolveRunDate(resolveFn: PlatformFunction): tasks.LambdaInvoke {
    const resolve = new tasks.LambdaInvoke(this, 'Resolve', {
      stateName: STATES.resolveRunDate,
      lambdaFunction: resolveFn,
      payload: sfn.TaskInput.fromJsonPathAt('$'),
      // the state becomes exactly { runDate } (no ResultPath = "$", which aws-local-stepfunctions 3.0.0 mishandles)
      resultSelector: { 'runDate.$': '$.Payload.runDate' },
    });
    this.failures.catchTo(resolve, STATES.resolveRunDate, false);
    return resolve;
  }

  /** 2./4. Glue jobs, run to completion */
  private glueJob(jobId: string, stateName: string, job: glue.IJob): tasks.GlueStartJobRun {
    const t = new tasks.GlueStartJobRun(this, jobId, {
      stateName,
      glueJobName: job.jobName,
      integrationPattern: sfn.IntegrationPattern.RUN_JOB,
      arguments: sfn.TaskInput.fromObject({ '--run_date.$': '$.runDate' }),
      resultSelector: { 'jobRunId.$': '$.Id', 'state.$': '$.JobRunState' },
      resultPath: `$.jobs.${jobId}`,
    });
    t.addRetry({
      errors: [...RETRYABLE.glue],
      interval: Duration.seconds(60),
      backoffRate: 2,
      maxAttempts: 5,
      maxDelay: Duration.minutes(10),
    });
    this.failures.catchTo(t, stateName);
    return t;
  }

  /**
   * 3. The warehouse is available at its scheduled size: DescribeClusters once a minute until the cluster is
   * `available` with ClusterAvailabilityStatus `Available` and the node count of the resize schedule in effect; a
   * resize makes the cluster unavailable for minutes and may drop queries, so nothing is loaded during one. Bounded:
   * after `warehouseWaitMinutes` polls the run fails with a notification.
   */
  private warehouseReady(next: sfn.IChainable): sfn.IChainable {
    const { warehouse } = this.props;
    const check = new tasks.CallAwsService(this, 'WarehouseCheck', {
      stateName: STATES.warehouseReady,
      service: 'redshift',
      action: 'describeClusters',
      iamAction: 'redshift:DescribeClusters',
      iamResources: [warehouse.clusterArn],
      parameters: { ClusterIdentifier: warehouse.clusterIdentifier },
      resultSelector: {
        'status.$': '$.Clusters[0].ClusterStatus',
        'availability.$': '$.Clusters[0].ClusterAvailabilityStatus',
        'nodes.$': '$.Clusters[0].NumberOfNodes',
      },
      resultPath: '$.warehouse',
    });
    check.addRetry({
      errors: [...RETRYABLE.redshift],
      interval: Duration.seconds(10),
      backoffRate: 2,
      maxAttempts: 5,
    });
    this.failures.catchTo(check, STATES.warehouseReady);
    const count = new sfn.Pass(this, 'WarehouseCount', {
      stateName: `${STATES.warehouseWait}: count`,
      parameters: { 'polls.$': 'States.MathAdd($.warehouseWait.polls, 1)' },
      resultPath: '$.warehouseWait',
    });
    const wait = new sfn.Wait(this, 'WarehouseWait', {
      stateName: STATES.warehouseWait,
      time: sfn.WaitTime.duration(Duration.minutes(1)),
    });
    const timeout = this.failures.failure(STATES.warehouseTimeout, {
      error: 'WarehouseNotReady',
      cause: sfn.JsonPath.format(
        `the cluster did not become available with ${this.props.expectedNodes} nodes in time (last seen: status {} availability {})`,
        sfn.JsonPath.stringAt('$.warehouse.status'),
        sfn.JsonPath.stringAt('$.warehouse.availability')
      ),
    });
    const ready = new sfn.Choice(this, 'WarehouseReady', { stateName: STATES.warehouseReadyChoice })
      .when(
        sfn.Condition.and(
          sfn.Condition.stringEquals('$.warehouse.status', 'available'),
          sfn.Condition.stringEquals('$.warehouse.availability', 'Available'),
          sfn.Condition.numberEquals('$.warehouse.nodes', this.props.expectedNodes)
        ),
        next
      )
      .when(
        sfn.Condition.numberGreaterThanEquals('$.warehouseWait.polls', this.props.warehouseWaitMinutes ?? 45),
        timeout
      )
      .otherwise(count.next(wait).next(check));
    const start = new sfn.Pass(this, 'WarehouseStart', {
      stateName: `${STATES.warehouseReady}: start`,
      parameters: { polls: 0 },
      resultPath: '$.warehouseWait',
    });
    start.next(check).next(ready);
    return start;
  }

  /** 6. the archive state machine, run to completion */
  private archiveStep(next: sfn.IChainable): sfn.IChainable {
    const t = new tasks.StepFunctionsStartExecution(this, 'Archive', {
      stateName: STATES.archive,
      stateMachine: this.props.archiveStateMachine,
      integrationPattern: sfn.IntegrationPattern.RUN_JOB,
      input: sfn.TaskInput.fromObject({ 'runDate.$': '$.runDate' }),
      resultSelector: { 'executionArn.$': '$.ExecutionArn', 'status.$': '$.Status' },
      resultPath: '$.archive',
    });
    t.addRetry({ errors: [...RETRYABLE.states], interval: Duration.seconds(30), backoffRate: 2, maxAttempts: 4 });
    this.failures.catchTo(t, STATES.archive);
    return t.next(next);
  }

  /** 7. success event */
  private successEvent(): sfn.IChainable {
    const success = new tasks.EventBridgePutEvents(this, 'Success', {
      stateName: STATES.success,
      entries: [
        {
          source: 'smart-factory.etl',
          detailType: 'ETL run succeeded',
          detail: sfn.TaskInput.fromObject({
            'runDate.$': '$.runDate',
            'executionId.$': '$$.Execution.Id',
            'jobs.$': '$.jobs',
          }),
        },
      ],
      resultPath: sfn.JsonPath.DISCARD,
    });
    success.addRetry({ errors: [...RETRYABLE.events], interval: Duration.seconds(5), backoffRate: 2, maxAttempts: 4 });
    this.failures.catchTo(success, STATES.success);
    return success.next(new sfn.Succeed(this, 'Done', { stateName: STATES.done }));
  }

  private buildStateMachine(definition: sfn.IChainable, resolveFn: PlatformFunction): sfn.StateMachine {
    const { warehouse, operations } = this.props;
    const logGroup = new logs.LogGroup(this, 'ExecutionLogs', {
      retention: logs.RetentionDays.ONE_YEAR,
      encryptionKey: this.props.key,
    });
    const stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      comment: 'Smart-factory daily ETL: raw -> parquet -> Redshift facts -> summaries -> archive',
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      tracingEnabled: true,
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
      timeout: Duration.hours(8),
    });
    const role = stateMachine.role;
    grantSecretReadFromOtherStack(role, warehouse.etlSecret);
    operations.grantPublish(role);
    Validations.of(role).acknowledge(
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'redshift-data:DescribeStatement has no resource type; X-Ray and CloudWatch Logs delivery actions' +
          ' (CDK-generated for tracing and logging) do not support resource-level permissions.',
      },
      {
        id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
        reason:
          'Publishing to the KMS-encrypted operations topic needs data keys of its key (OperationsTopic.grantPublish).',
      },
      {
        // StepFunctionsStartExecution (.sync:2) lets the role describe/stop executions of the archive machine
        id: `AwsSolutions-IAM5[${resourceNagId(
          this,
          `${Stack.of(this).formatArn({
            service: 'states',
            resource: 'execution',
            resourceName: Arn.split(this.props.archiveStateMachine.stateMachineArn, ArnFormat.COLON_RESOURCE_NAME)
              .resourceName,
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          })}*`
        )}]`,
        reason: 'Describe/stop executions of the archive state machine only (CDK StepFunctionsStartExecution grant).',
      },
      {
        id: `AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(resolveFn.node.defaultChild as never)}.Arn>:*]`,
        reason: 'Lambda invoke of the run-date function and its versions (CDK LambdaInvoke grant).',
      }
    );
    return stateMachine;
  }

  /** Daily at the configured local time, with retries and a DLQ. */
  private dailySchedule(): { schedule: scheduler.Schedule; deadLetterQueue: sqs.Queue } {
    const stack = Stack.of(this);
    const deadLetterQueue = new sqs.Queue(this, 'ScheduleDlq', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: this.props.key,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is the dead-letter queue of the ETL schedule (EventBridge Scheduler target DLQ).',
    });
    // The scheduler delivers to the KMS-encrypted DLQ with this role: it needs the queue key, not only sqs:SendMessage.
    const scheduleRole = new iam.Role(this, 'ScheduleRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
      description: 'EventBridge Scheduler: starts the daily ETL execution, dead-letters failed starts',
    });
    this.props.key.grant(scheduleRole, 'kms:GenerateDataKey', 'kms:Decrypt');
    const [hour, minute] = this.props.config.dailyRunLocalTime.split(':').map((x) => String(Number(x)));
    const schedule = new scheduler.Schedule(this, 'DailySchedule', {
      description: `Daily ETL at ${this.props.config.dailyRunLocalTime} ${this.props.timeZone} (processes yesterday)`,
      schedule: scheduler.ScheduleExpression.cron({
        minute,
        hour,
        timeZone: TimeZone.of(this.props.timeZone),
      }),
      target: new targets.StepFunctionsStartExecution(this.stateMachine, {
        input: scheduler.ScheduleTargetInput.fromObject({ scheduledTime: scheduler.ContextAttribute.scheduledTime }),
        role: scheduleRole,
        deadLetterQueue,
        retryAttempts: 10,
        maxEventAge: Duration.hours(2),
      }),
    });
    return { schedule, deadLetterQueue };
  }

  /** Alarms to the operations topic. */
  private alarms(): void {
    const period = Duration.minutes(5);
    const sm = this.stateMachine;
    for (const [alarmId, metric, description] of [
      ['FailedAlarm', sm.metricFailed({ period, statistic: 'Sum' }), 'An ETL execution failed'],
      ['TimedOutAlarm', sm.metricTimedOut({ period, statistic: 'Sum' }), 'An ETL execution timed out'],
      ['AbortedAlarm', sm.metricAborted({ period, statistic: 'Sum' }), 'An ETL execution was aborted'],
      [
        'ScheduleDlqAlarm',
        this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum' }),
        'The ETL schedule could not start an execution (message in its dead-letter queue)',
      ],
    ] as const) {
      this.props.operations.alarm(this, alarmId, { metric, description });
    }
  }
}

interface FailureHandling {
  readonly failure: (stepName: string, record: Record<string, string>, runDateKnown?: boolean) => sfn.Chain;
  readonly catchTo: (state: sfn.TaskStateBase | sfn.Map, stepName: string, runDateKnown?: boolean) => void;
}
