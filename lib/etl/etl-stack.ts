import { Stack, type StackProps } from 'aws-cdk-lib';
import type * as glue from 'aws-cdk-lib/aws-glue';
import * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import type { PlatformConfig } from '../config';
import { allowCloudWatchLogs } from '../shared/kms-policies';
import { EtlJobs, type EtlLake, type EtlWarehouse } from './etl-jobs';
import { EtlWorkflow } from './etl-workflow';
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
  /** The ml_features job (CONTRACTS.md: `etl.mlFeaturesJob`), run with `--run_id` and `--output_prefix`. */
  readonly mlFeaturesJob: glue.IJob;

  constructor(scope: Construct, id: string, props: EtlStackProps) {
    super(scope, id, props);
    const { config } = props;
    // One key for the ETL's own logs (Glue, Step Functions, Lambda), Glue bookmarks and the schedule's DLQ.
    const key = new kms.Key(this, 'Key', {
      description: 'Smart-factory ETL: job and workflow logs, Glue bookmarks, schedule DLQ',
      enableKeyRotation: true,
    });
    allowCloudWatchLogs(key);

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
    this.workflow = new EtlWorkflow(this, 'Workflow', {
      config: config.etl,
      timeZone: config.timeZone,
      rawToParquetJob: this.jobs.rawToParquetJob,
      dailyFactJob: this.jobs.dailyFactJob,
      warehouse: props.warehouse,
      operations: props.operations,
      key,
    });
  }
}
