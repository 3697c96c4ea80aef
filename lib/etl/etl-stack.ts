import { Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type * as glue from 'aws-cdk-lib/aws-glue';
import type { Construct } from 'constructs';
import type { PlatformConfig } from '../config';
import { addOperatorOutputs } from '../shared/operator-outputs';
import { EtlJobs, type EtlLake, type EtlWarehouse } from './etl-jobs';
import { ArchiveWorkflow } from './archive-workflow';
import { EtlKey } from './etl-key';
import { BatchTrigger } from './batch-trigger';
import { EtlWorkflow } from './etl-workflow';
import { nodesByMinute } from '../warehouse/resize-schedule';
import type { LakeCatalog } from '../lake/lake-catalog';
import type { OperationsTopic } from '../operations/operations-topic';

export interface EtlStackProps extends StackProps {
  readonly config: PlatformConfig;
  /** The lake's storage (`lake.storage`). */
  readonly lake: EtlLake;
  /** The lake's Glue catalog (`lake.catalog`). */
  readonly catalog: LakeCatalog;
  /** The operations channel (`operations.operations`). */
  readonly operations: OperationsTopic;
  /** The warehouse (`warehouse.warehouse` of the warehouse stack). */
  readonly warehouse: EtlWarehouse;
}

/**
 * Stateless: the Glue jobs (raw -> parquet, daily facts, ML features) and the daily Step Functions workflow with its
 * schedule and alarms. The ML stack starts `mlFeaturesJob` itself.
 */
export class EtlStack extends Stack {
  readonly jobs: EtlJobs;
  readonly workflow: EtlWorkflow;
  readonly batchTrigger: BatchTrigger;
  readonly archive: ArchiveWorkflow;
  /** The ml_features job (docs/contracts.md: `etl.mlFeaturesJob`), run with `--run_id` and `--output_prefix`. */
  readonly mlFeaturesJob: glue.IJob;

  constructor(scope: Construct, id: string, props: EtlStackProps) {
    super(scope, id, props);
    const { config } = props;
    const key = new EtlKey(this, 'LogsKey').key;

    this.jobs = new EtlJobs(this, 'Jobs', {
      config: config.etl,
      timeZone: config.timeZone,
      lake: props.lake,
      catalog: props.catalog,
      catalogDatabaseName: config.lake.glueDatabaseName,
      warehouse: props.warehouse,
      logsKey: key,
    });
    this.mlFeaturesJob = this.jobs.mlFeaturesJob;
    this.archive = new ArchiveWorkflow(this, 'Archive', {
      warehouse: props.warehouse,
      archiveBucket: props.lake.archiveBucket,
      lakeKey: props.lake.key,
      catalogDatabaseName: config.lake.glueDatabaseName,
      hotColdBoundaryMonths: config.warehouse.hotColdBoundaryMonths,
      operations: props.operations,
      key,
    });
    // the node count the resize schedules give the cluster at the daily run time
    const [h, m] = config.etl.dailyRunLocalTime.split(':').map(Number) as [number, number];
    const expectedNodes = nodesByMinute(config.warehouse.resizeSchedules, config.warehouse.numberOfNodes)[h * 60 + m]!;
    this.workflow = new EtlWorkflow(this, 'Workflow', {
      archiveStateMachine: this.archive.stateMachine,
      expectedNodes,
      config: config.etl,
      timeZone: config.timeZone,
      rawToParquetJob: this.jobs.rawToParquetJob,
      dailyFactJob: this.jobs.dailyFactJob,
      warehouse: props.warehouse,
      operations: props.operations,
      key,
    });
    this.batchTrigger = new BatchTrigger(this, 'BatchTrigger', {
      rawBucket: props.lake.rawBucket,
      lakeKey: props.lake.key,
      stateMachine: this.workflow.stateMachine,
      executionTimeout: Duration.hours(8),
      timeZone: config.timeZone,
      key,
      operations: props.operations,
    });
    this.addOperatorOutputs(config.timeZone);
  }

  /** Stack outputs an operator and `smart-factory etl|runs` need after a deploy (docs/operations.md). */
  private addOperatorOutputs(timeZone: string): void {
    addOperatorOutputs(this, {
      DailyWorkflowArn: {
        value: this.workflow.stateMachine.stateMachineArn,
        description: 'Daily ETL workflow (smart-factory etl run --date YYYY-MM-DD; input {"runDate":"YYYY-MM-DD"})',
      },
      ArchiveWorkflowArn: {
        value: this.archive.stateMachine.stateMachineArn,
        description:
          'Monthly hot-to-cold archive workflow (started by the daily ETL; smart-factory runs --workflow archive)',
      },
      PlatformTimeZone: { value: timeZone, description: 'Time zone of run dates and dt partitions' },
      WorkflowScheduleDeadLetterQueueUrl: {
        value: this.workflow.deadLetterQueue.queueUrl,
        description: 'Dead-letter queue of the daily schedule (starts EventBridge Scheduler could not make)',
      },
      BatchTriggerDeadLetterQueueUrl: {
        value: this.batchTrigger.deadLetterQueue.queueUrl,
        description: 'Batch-landing events the trigger could not handle (replay: docs/operations.md)',
      },
      RawToParquetJobName: { value: this.jobs.rawToParquetJob.jobName, description: 'Glue job raw_sensor_to_parquet' },
      DailyFactJobName: { value: this.jobs.dailyFactJob.jobName, description: 'Glue job of the daily fact load' },
      MlFeaturesJobName: { value: this.jobs.mlFeaturesJob.jobName, description: 'Glue job ml_features' },
    });
  }
}
