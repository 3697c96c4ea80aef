import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { LakeLayout } from '../lake/lake-layout';
import type { OperationsTopic } from '../operations/operations-topic';
import { grantSecretReadFromOtherStack } from '../shared/cross-stack-grants';
import { type DataApiTarget, RETRYABLE, sqlStep } from './data-api-steps';
import type { EtlWarehouse } from './etl-jobs';

/** The facts the archive moves (kept equal to dw.archive_table in sql/V009 by test/warehouse-sql-rules.test.ts). */
export const ARCHIVED_FACTS = [
  { table: 'fact_sensor_reading', dateColumn: 'reading_date', partitionColumn: 'reading_month' },
  { table: 'fact_production', dateColumn: 'production_date', partitionColumn: 'production_month' },
  { table: 'fact_daily_retail_sales', dateColumn: 'sales_date', partitionColumn: 'sales_month' },
] as const;

/** State names the local executions (test/archive-workflow.test.ts) assert. */
export const ARCHIVE_STATES = {
  settings: 'Archive settings',
  plan: 'Plan archive',
  each: 'Archive each table',
  unload: 'Unload month',
  anything: 'Anything to archive?',
  nothing: 'Month has no hot rows',
  unloaded: 'Unloaded',
  readTable: 'Read archive table',
  register: 'Register partition',
  move: 'Move partition',
  switch: 'Switch readers',
  delete: 'Delete archived rows',
  monthDone: 'Month archived',
  done: 'Archive complete',
  notify: 'Notify operations',
  failed: 'Archive failed',
} as const;

export interface ArchiveWorkflowProps {
  readonly warehouse: EtlWarehouse;
  /** The lake bucket the cold facts live in (SSE-KMS with `lakeKey`). */
  readonly archiveBucket: s3.IBucket;
  /** The lake key: UNLOAD encrypts the cold files with it (KMS_KEY_ID ... ENCRYPTED). */
  readonly lakeKey: kms.IKey;
  /** The lake's Glue database (literal): the archive tables' partitions are registered there. */
  readonly catalogDatabaseName: string;
  /** Whole months before the run date's month that stay hot (config.warehouse.hotColdBoundaryMonths). */
  readonly hotColdBoundaryMonths: number;
  readonly operations: OperationsTopic;
  /** Encrypts the execution log group. */
  readonly key: kms.IKey;
}

/**
 * The monthly hot -> cold move as its own state machine, started by the daily ETL with `{ runDate }`. Per fact, the
 * oldest month before the boundary is moved in four separately retryable steps: UNLOAD it (encrypted, verified
 * against the row count, recorded in dw.archive_month) -> register its folder as the Glue partition (CreatePartition,
 * or UpdatePartition when the month was archived before) -> switch readers (dw.v_*_all read the month from S3 from
 * then on) -> DELETE exactly the recorded rows. Every step is idempotent, so a rerun after any failure finishes the
 * month; at every point each month is read from exactly one side (sql/V009). A backlog drains one month per table
 * per run.
 */
export class ArchiveWorkflow extends Construct {
  readonly stateMachine: sfn.StateMachine;

  constructor(scope: Construct, id: string, props: ArchiveWorkflowProps) {
    super(scope, id);
    const target: DataApiTarget = {
      clusterIdentifier: props.warehouse.clusterIdentifier,
      clusterArn: props.warehouse.clusterArn,
      databaseName: props.warehouse.databaseName,
      secretArn: props.warehouse.etlSecret.secretArn,
    };

    const { failure, catchAll } = this.failureHandling(props.operations);
    const steps = { target, failure, catchAll };

    const monthDone = new sfn.Succeed(this, 'MonthDone', { stateName: ARCHIVE_STATES.monthDone });
    const deleteRows = sqlStep(this, 'Delete', {
      ...steps,
      stateName: ARCHIVE_STATES.delete,
      sql: this.call('dw.sp_archive_delete', '$.table', '$.month', '$.archive.archiveId'),
      tokenParts: ['$.table', '$.month'],
      next: monthDone,
    });
    const switchReaders = sqlStep(this, 'Switch', {
      ...steps,
      stateName: ARCHIVE_STATES.switch,
      sql: this.call('dw.sp_archive_switch', '$.table', '$.month', '$.archive.archiveId'),
      tokenParts: ['$.table', '$.month'],
      next: deleteRows,
    });
    const register = this.registerPartition(props.catalogDatabaseName, catchAll, switchReaders);

    const unloaded = new sfn.Pass(this, 'Unloaded', {
      stateName: ARCHIVE_STATES.unloaded,
      parameters: {
        'archiveId.$': '$.unload.row[0].stringValue',
        'location.$': '$.unload.row[1].stringValue',
        'hotRows.$': '$.unload.row[2].longValue',
        'unloadedRows.$': '$.unload.row[3].longValue',
      },
      resultPath: '$.archive',
    }).next(register);
    const anything = new sfn.Choice(this, 'Anything', { stateName: ARCHIVE_STATES.anything })
      .when(sfn.Condition.isPresent('$.unload.row[0].stringValue'), unloaded)
      .otherwise(new sfn.Succeed(this, 'Nothing', { stateName: ARCHIVE_STATES.nothing }));
    const unload = sqlStep(this, 'Unload', {
      ...steps,
      stateName: ARCHIVE_STATES.unload,
      sql: this.call(
        'dw.sp_archive_unload',
        '$.table',
        '$.month',
        '$.settings.root',
        '$.settings.iamRole',
        '$.settings.kmsKey'
      ),
      tokenParts: ['$.table', '$.month'],
      // CALL with OUT arguments returns one row: archive id, location, hot rows, unloaded rows
      result: { resultSelector: { 'row.$': '$.Records[0]' }, resultPath: '$.unload' },
      next: anything,
    });

    const each = new sfn.Map(this, 'Each', {
      stateName: ARCHIVE_STATES.each,
      itemsPath: '$.plan.records',
      maxConcurrency: 1,
      itemSelector: {
        'table.$': '$$.Map.Item.Value[0].stringValue',
        'month.$': '$$.Map.Item.Value[1].stringValue',
        'settings.$': '$.settings',
      },
      resultPath: sfn.JsonPath.DISCARD,
    });
    each.itemProcessor(unload);
    catchAll(each, ARCHIVE_STATES.each);
    each.next(new sfn.Succeed(this, 'Done', { stateName: ARCHIVE_STATES.done }));

    const plan = sqlStep(this, 'Plan', {
      ...steps,
      stateName: ARCHIVE_STATES.plan,
      sql: planSql(),
      parameters: { run_date: '$.runDate', months: String(props.hotColdBoundaryMonths) },
      result: { resultSelector: { 'records.$': '$.Records' }, resultPath: '$.plan' },
      next: each,
    });
    const settings = new sfn.Pass(this, 'Settings', {
      stateName: ARCHIVE_STATES.settings,
      parameters: {
        'runDate.$': '$.runDate',
        settings: {
          root: `s3://${props.archiveBucket.bucketName}/${LakeLayout.archiveFacts}`,
          iamRole: props.warehouse.warehouseRole.roleArn,
          kmsKey: props.lakeKey.keyArn,
        },
      },
    }).next(plan);

    const logGroup = new logs.LogGroup(this, 'ExecutionLogs', {
      retention: logs.RetentionDays.ONE_YEAR,
      encryptionKey: props.key,
    });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      comment: 'Smart-factory archive: oldest hot month per fact -> S3 (unload, register, switch, delete)',
      definitionBody: sfn.DefinitionBody.fromChainable(settings),
      tracingEnabled: true,
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
      timeout: Duration.hours(6),
    });
    this.grant(props);
    props.operations.alarm(this, 'FailedAlarm', {
      metric: this.stateMachine.metricFailed({ period: Duration.minutes(5), statistic: 'Sum' }),
      description: 'An archive execution failed (the month stays hot; rerun the archive)',
    });
  }

  /** `CALL proc('<a>', '<b>', ...)` from JsonPath values (table and month come from our own plan query). */
  private call(procedure: string, ...paths: string[]): string {
    return sfn.JsonPath.format(
      `CALL ${procedure}(${paths.map(() => "'{}'").join(', ')})`,
      ...paths.map((p) => sfn.JsonPath.stringAt(p))
    );
  }

  /** Glue: copy the table's storage descriptor with the month's folder; create the partition or move it there. */
  private registerPartition(
    database: string,
    catchAll: (state: sfn.TaskStateBase | sfn.Map, stepName: string) => void,
    next: sfn.IChainable
  ): sfn.IChainable {
    const partitionInput = {
      'Values.$': 'States.Array($.month)',
      StorageDescriptor: {
        'Columns.$': '$.glueTable.sd.Columns',
        'InputFormat.$': '$.glueTable.sd.InputFormat',
        'OutputFormat.$': '$.glueTable.sd.OutputFormat',
        'SerdeInfo.$': '$.glueTable.sd.SerdeInfo',
        'Location.$': '$.archive.location',
      },
    };
    const glueCall = (cid: string, stateName: string, action: string, parameters: Record<string, unknown>) => {
      const t = new tasks.CallAwsService(this, cid, {
        stateName,
        service: 'glue',
        action,
        iamAction: `glue:${action[0]!.toUpperCase()}${action.slice(1)}`,
        iamResources: this.glueArns(database),
        parameters: { DatabaseName: database, ...parameters },
        resultPath: sfn.JsonPath.DISCARD,
      });
      t.addRetry({ errors: [...RETRYABLE.glue], interval: Duration.seconds(5), backoffRate: 2, maxAttempts: 5 });
      return t;
    };
    const readTable = new tasks.CallAwsService(this, 'ReadTable', {
      stateName: ARCHIVE_STATES.readTable,
      service: 'glue',
      action: 'getTable',
      iamAction: 'glue:GetTable',
      iamResources: this.glueArns(database),
      parameters: { DatabaseName: database, 'Name.$': '$.table' },
      resultSelector: { 'sd.$': '$.Table.StorageDescriptor' },
      resultPath: '$.glueTable',
    });
    readTable.addRetry({ errors: [...RETRYABLE.glue], interval: Duration.seconds(5), backoffRate: 2, maxAttempts: 5 });
    catchAll(readTable, ARCHIVE_STATES.readTable);
    const create = glueCall('Register', ARCHIVE_STATES.register, 'createPartition', {
      'TableName.$': '$.table',
      PartitionInput: partitionInput,
    });
    const move = glueCall('Move', ARCHIVE_STATES.move, 'updatePartition', {
      'TableName.$': '$.table',
      'PartitionValueList.$': 'States.Array($.month)',
      PartitionInput: partitionInput,
    });
    // "already exists" is success: the month was archived before (or a rerun got here): point it at this folder
    create.addCatch(move, { errors: ['Glue.AlreadyExistsException'], resultPath: sfn.JsonPath.DISCARD });
    catchAll(create, ARCHIVE_STATES.register);
    catchAll(move, ARCHIVE_STATES.move);
    create.next(next);
    move.next(next);
    return readTable.next(create);
  }

  private glueArns(database: string): string[] {
    const stack = Stack.of(this);
    return [
      stack.formatArn({ service: 'glue', resource: 'catalog' }),
      stack.formatArn({ service: 'glue', resource: 'database', resourceName: database }),
      ...ARCHIVED_FACTS.map((f) =>
        stack.formatArn({ service: 'glue', resource: 'table', resourceName: `${database}/${f.table}` })
      ),
    ];
  }

  /** Every failure -> "<step> failed" (records step, error, cause) -> notify -> Fail. */
  private failureHandling(operations: OperationsTopic) {
    const failed = new sfn.Fail(this, 'Failed', {
      stateName: ARCHIVE_STATES.failed,
      errorPath: '$.failure.error',
      causePath: '$.failure.cause',
    });
    const notify = new tasks.SnsPublish(this, 'Notify', {
      stateName: ARCHIVE_STATES.notify,
      topic: operations.topic,
      subject: 'Smart-factory archive run failed',
      message: sfn.TaskInput.fromJsonPathAt(
        sfn.JsonPath.format(
          'Smart-factory archive failed at step "{}" (execution {}). Error: {}. Cause: {}. Nothing is lost: the ' +
            'month stays hot until a rerun finishes it.',
          sfn.JsonPath.stringAt('$.failure.step'),
          sfn.JsonPath.executionId,
          sfn.JsonPath.stringAt('$.failure.error'),
          sfn.JsonPath.stringAt('$.failure.cause')
        )
      ),
      resultPath: sfn.JsonPath.DISCARD,
    });
    notify.addRetry({ errors: [...RETRYABLE.sns], interval: Duration.seconds(5), backoffRate: 2, maxAttempts: 4 });
    notify.addCatch(failed, { resultPath: '$.notifyError' });
    notify.next(failed);
    // Inside the Map a failure ends the iteration with the recorded error; the Map's catch then notifies once.
    const topLevel = [ARCHIVE_STATES.settings, ARCHIVE_STATES.plan, ARCHIVE_STATES.each] as string[];
    const isTop = (stepName: string) => topLevel.some((t) => stepName === t || stepName.startsWith(`${t}:`));
    let n = 0;
    const failure = (stepName: string, record: Record<string, string>): sfn.Chain => {
      const i = n++;
      const state = new sfn.Pass(this, `Failure${i}`, {
        stateName: `${stepName} failed`,
        parameters: { step: stepName, ...record },
        resultPath: '$.failure',
      });
      if (isTop(stepName)) return state.next(notify);
      return state.next(
        new sfn.Fail(this, `StopIteration${i}`, {
          stateName: `${stepName}: stop`,
          errorPath: '$.failure.error',
          causePath: '$.failure.cause',
        })
      );
    };
    const caught = new Map<string, sfn.Chain>();
    const catchAll = (state: sfn.TaskStateBase | sfn.Map, stepName: string) => {
      let c = caught.get(stepName);
      if (!c) {
        c = failure(stepName, { 'error.$': '$.error.Error', 'cause.$': '$.error.Cause' });
        caught.set(stepName, c);
      }
      state.addCatch(c, { errors: [sfn.Errors.ALL], resultPath: '$.error' });
    };
    return { failure, catchAll };
  }

  private grant(props: ArchiveWorkflowProps): void {
    const role = this.stateMachine.role;
    grantSecretReadFromOtherStack(role, props.warehouse.etlSecret);
    props.operations.grantPublish(role);
    Validations.of(role).acknowledge(
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'redshift-data:DescribeStatement/GetStatementResult have no resource type; X-Ray and CloudWatch Logs ' +
          'delivery actions (CDK-generated for tracing and logging) do not support resource-level permissions.',
      },
      {
        id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
        reason:
          'Publishing to the KMS-encrypted operations topic needs data keys of its key (OperationsTopic.grantPublish).',
      }
    );
    // the role only starts statements as etl_user and maintains the three archive tables' partitions
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['glue:GetTable'], resources: this.glueArns(props.catalogDatabaseName) })
    );
  }
}

/**
 * Per fact, the oldest month with hot rows before the boundary (`:months` whole months before the run date's month),
 * as rows (table, YYYY-MM); facts with nothing to archive give no row.
 */
export function planSql(): string {
  const boundary = "ADD_MONTHS(DATE_TRUNC('month', CAST(:run_date AS DATE)), -CAST(:months AS INTEGER))";
  const branches = ARCHIVED_FACTS.map(
    (f) =>
      `SELECT '${f.table}' AS table_name, TO_CHAR(MIN(${f.dateColumn}), 'YYYY-MM') AS month_label ` +
      `FROM dw.${f.table} WHERE ${f.dateColumn} < ${boundary}`
  );
  return `SELECT table_name, month_label FROM (${branches.join(' UNION ALL ')}) AS plan WHERE month_label IS NOT NULL ORDER BY table_name`;
}
