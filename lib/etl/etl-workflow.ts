import { Duration, Stack, TimeZone, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
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
import { PlatformFunction } from '../shared/platform-function';

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
}

/** State names the local executions (test/etl-workflow.test.ts) assert; renaming one is a visible change. */
export const STATES = {
  resolveRunDate: 'Resolve run date',
  rawToParquet: 'Raw sensor to parquet',
  dailyFact: 'Load daily facts',
  refresh: 'Refresh summaries',
  archive: 'Archive old facts',
  success: 'Publish success event',
  done: 'ETL run complete',
  notify: 'Notify operations',
  failed: 'ETL run failed',
} as const;

/** Errors worth a retry with backoff: throttling, concurrency limits and transient service errors. */
export const RETRYABLE = {
  glue: [
    'Glue.ConcurrentRunsExceededException',
    'Glue.ThrottlingException',
    'Glue.InternalServiceException',
    'Glue.OperationTimeoutException',
  ],
  redshiftData: [
    'RedshiftData.ActiveStatementsExceededException',
    'RedshiftData.ActiveSessionsExceededException',
    'RedshiftData.ThrottlingException',
    'RedshiftData.InternalServerException',
  ],
  sns: ['Sns.ThrottledException', 'Sns.InternalErrorException', 'Sns.KmsThrottlingException'],
  events: ['EventBridge.ThrottlingException', 'EventBridge.InternalException'],
} as const;

/**
 * The daily ETL: `{ runDate? }` -> raw_sensor_to_parquet (.sync) -> etl_daily_fact (.sync) -> CALL
 * summary.sp_refresh(runDate) -> CALL dw.sp_archive_facts() -> success event. SQL runs through the Redshift Data API
 * (execute, then Wait/describe/Choice until FINISHED). Every failure is caught, published to the operations topic with
 * the step and cause, and ends the execution failed. Scheduled daily in the platform time zone (EventBridge Scheduler
 * with retries and a DLQ); logs ALL events to an encrypted log group; X-Ray; alarms on failed/timed-out executions.
 */
export class EtlWorkflow extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly schedule: scheduler.Schedule;
  readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: EtlWorkflowProps) {
    super(scope, id);
    const { warehouse, operations } = props;
    const stack = Stack.of(this);

    const resolveFn = new PlatformFunction(this, 'ResolveRunDate', {
      lambdaDir: 'etl-run-date',
      serviceName: 'etl-run-date',
      description: 'ETL workflow: validates runDate or computes yesterday in the platform time zone',
      environment: { TIME_ZONE: props.timeZone },
      key: props.key,
    });
    Validations.of(resolveFn).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'X-Ray PutTraceSegments/PutTelemetryRecords (active tracing) have no resource type.',
    });

    // ---- failure handling: every catch -> "<step> failed" (records step/error/cause) -> notify -> Fail
    const failed = new sfn.Fail(this, 'Failed', {
      stateName: STATES.failed,
      errorPath: '$.failure.error',
      causePath: '$.failure.cause',
    });
    const notify = new tasks.SnsPublish(this, 'Notify', {
      stateName: STATES.notify,
      topic: operations.topic,
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
    const catchTo = (state: sfn.TaskStateBase, stepName: string, runDateKnown = true) =>
      state.addCatch(caught(stepName, runDateKnown), { errors: [sfn.Errors.ALL], resultPath: '$.error' });

    // ---- 1. run date
    const resolve = new tasks.LambdaInvoke(this, 'Resolve', {
      stateName: STATES.resolveRunDate,
      lambdaFunction: resolveFn,
      payload: sfn.TaskInput.fromJsonPathAt('$'),
      // the state becomes exactly { runDate } (no ResultPath = "$", which aws-local-stepfunctions 3.0.0 mishandles)
      resultSelector: { 'runDate.$': '$.Payload.runDate' },
    });
    catchTo(resolve, STATES.resolveRunDate, false);

    // ---- 2./3. Glue jobs, run to completion
    const glueJob = (jobId: string, stateName: string, job: glue.IJob) => {
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
      catchTo(t, stateName);
      return t;
    };
    const rawToParquet = glueJob('RawToParquet', STATES.rawToParquet, props.rawToParquetJob);
    const dailyFact = glueJob('DailyFact', STATES.dailyFact, props.dailyFactJob);

    // ---- 4./5. SQL through the Data API: execute -> wait -> describe -> FINISHED? (loop)
    const dataApi = {
      ClusterIdentifier: warehouse.clusterIdentifier,
      Database: warehouse.databaseName,
      SecretArn: warehouse.etlSecret.secretArn,
    };
    const sqlStep = (stepId: string, stepName: string, sql: string, next: sfn.IChainable): sfn.IChainable => {
      const execute = new tasks.CallAwsService(this, `${stepId}Execute`, {
        stateName: stepName,
        service: 'redshiftdata',
        action: 'executeStatement',
        iamAction: 'redshift-data:ExecuteStatement',
        iamResources: [warehouse.clusterArn],
        parameters: { ...dataApi, Sql: sql, StatementName: `etl-${stepId.toLowerCase()}` },
        resultSelector: { 'Id.$': '$.Id' },
        resultPath: '$.statement',
      });
      const wait = new sfn.Wait(this, `${stepId}Wait`, {
        stateName: `${stepName}: wait`,
        time: sfn.WaitTime.duration(Duration.seconds(10)),
      });
      const describe = new tasks.CallAwsService(this, `${stepId}Describe`, {
        stateName: `${stepName}: describe`,
        service: 'redshiftdata',
        action: 'describeStatement',
        iamAction: 'redshift-data:DescribeStatement',
        // DescribeStatement has no resource type; the statement id comes from our own ExecuteStatement
        iamResources: ['*'],
        parameters: { 'Id.$': '$.statement.Id' },
        resultPath: '$.statement',
      });
      for (const t of [execute, describe]) {
        t.addRetry({
          errors: [...RETRYABLE.redshiftData],
          interval: Duration.seconds(10),
          backoffRate: 2,
          maxAttempts: 6,
          maxDelay: Duration.minutes(5),
        });
        catchTo(t, stepName);
      }
      // DescribeStatement's response carries `Error` when the statement FAILED
      const statementFailed = failure(`${stepName}: statement`, {
        'error.$': '$.statement.Status',
        'cause.$': '$.statement.Error',
      });
      const aborted = failure(`${stepName}: aborted`, {
        error: 'ABORTED',
        cause: 'the statement was cancelled or aborted by the cluster (for example by a WLM rule or a resize)',
      });
      const done = new sfn.Choice(this, `${stepId}Done`, { stateName: `${stepName}: finished?` })
        .when(sfn.Condition.stringEquals('$.statement.Status', 'FINISHED'), next)
        .when(sfn.Condition.stringEquals('$.statement.Status', 'FAILED'), statementFailed)
        .when(sfn.Condition.stringEquals('$.statement.Status', 'ABORTED'), aborted)
        .otherwise(wait);
      return execute.next(wait).next(describe).next(done);
    };

    // ---- 6. success event
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
    catchTo(success, STATES.success);
    success.next(new sfn.Succeed(this, 'Done', { stateName: STATES.done }));

    const archive = sqlStep('Archive', STATES.archive, 'CALL dw.sp_archive_facts()', success);
    const refresh = sqlStep(
      'Refresh',
      STATES.refresh,
      // runDate is validated as YYYY-MM-DD by the first state, so it cannot carry SQL
      sfn.JsonPath.format("CALL summary.sp_refresh('{}')", sfn.JsonPath.stringAt('$.runDate')),
      archive
    );
    const definition = resolve.next(rawToParquet).next(dailyFact).next(refresh);

    const logGroup = new logs.LogGroup(this, 'ExecutionLogs', {
      retention: logs.RetentionDays.ONE_YEAR,
      encryptionKey: props.key,
    });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      comment: 'Smart-factory daily ETL: raw -> parquet -> Redshift facts -> summaries -> archive',
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      tracingEnabled: true,
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
      timeout: Duration.hours(8),
    });
    const role = this.stateMachine.role;
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
        id: `AwsSolutions-IAM5[Resource::<${stack.getLogicalId(resolveFn.node.defaultChild as never)}.Arn>:*]`,
        reason: 'Lambda invoke of the run-date function and its versions (CDK LambdaInvoke grant).',
      }
    );

    // ---- schedule: daily at the configured local time, with retries and a DLQ
    this.deadLetterQueue = new sqs.Queue(this, 'ScheduleDlq', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: props.key,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetterQueue).acknowledge({
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
    props.key.grant(scheduleRole, 'kms:GenerateDataKey', 'kms:Decrypt');
    const [hour, minute] = props.config.dailyRunLocalTime.split(':').map((x) => String(Number(x)));
    this.schedule = new scheduler.Schedule(this, 'DailySchedule', {
      description: `Daily ETL at ${props.config.dailyRunLocalTime} ${props.timeZone} (processes yesterday)`,
      schedule: scheduler.ScheduleExpression.cron({
        minute,
        hour,
        timeZone: TimeZone.of(props.timeZone),
      }),
      target: new targets.StepFunctionsStartExecution(this.stateMachine, {
        input: scheduler.ScheduleTargetInput.fromObject({ scheduledTime: scheduler.ContextAttribute.scheduledTime }),
        role: scheduleRole,
        deadLetterQueue: this.deadLetterQueue,
        retryAttempts: 10,
        maxEventAge: Duration.hours(2),
      }),
    });

    // ---- alarms to the operations topic
    const alarm = (alarmId: string, metric: cloudwatch.IMetric, description: string) => {
      const a = new cloudwatch.Alarm(this, alarmId, {
        metric,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });
      operations.notifyOn(a);
      return a;
    };
    const period = Duration.minutes(5);
    alarm('FailedAlarm', this.stateMachine.metricFailed({ period, statistic: 'Sum' }), 'An ETL execution failed');
    alarm(
      'TimedOutAlarm',
      this.stateMachine.metricTimedOut({ period, statistic: 'Sum' }),
      'An ETL execution timed out'
    );
    alarm(
      'AbortedAlarm',
      this.stateMachine.metricAborted({ period, statistic: 'Sum' }),
      'An ETL execution was aborted'
    );
    alarm(
      'ScheduleDlqAlarm',
      this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum' }),
      'The ETL schedule could not start an execution (message in its dead-letter queue)'
    );
  }
}
