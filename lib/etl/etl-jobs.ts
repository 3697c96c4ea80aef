import { ArnFormat, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { grantSecretReadFromOtherStack } from '../shared/cross-stack-grants';
import { join } from 'node:path';
import { SENSOR_FIELDS } from '@smart-factory/schema';
import type { EtlConfig } from '../config';
import type { LakeCatalog } from '../lake/lake-catalog';
import { LakeLayout } from '../lake/lake-layout';
import { acknowledgeIam5, bucketArnFor, nagAccount, resourceNagId } from '../shared/nag';

const GLUE_SCRIPTS = join(__dirname, '..', '..', 'glue-scripts');

/** The warehouse as the ETL sees it (CONTRACTS.md: the warehouse stack's `warehouse` field, minus what ETL ignores). */
export interface EtlWarehouse {
  readonly clusterIdentifier: string;
  readonly clusterArn: string;
  readonly databaseName: string;
  /** etl_user's secret (JSON {username, password, ...}); the Data API authenticates with it. */
  readonly etlSecret: secretsmanager.ISecret;
  /** The role attached to the cluster that COPY uses to read the lake. */
  readonly warehouseRole: iam.IRole;
}

/** The lake as the ETL sees it (DataLakeStorage satisfies it). */
export interface EtlLake {
  readonly key: kms.IKey;
  readonly rawBucket: s3.IBucket;
  readonly processedBucket: s3.IBucket;
  readonly curatedBucket: s3.IBucket;
}

export interface EtlJobsProps {
  readonly config: EtlConfig;
  readonly lake: EtlLake;
  readonly catalog: LakeCatalog;
  /** The lake's Glue database name (config.lake.glueDatabaseName; literal, so IAM names the tables exactly). */
  readonly catalogDatabaseName: string;
  readonly warehouse: EtlWarehouse;
  /** Encrypts the jobs' CloudWatch logs and bookmarks (its policy must let CloudWatch Logs use it). */
  readonly logsKey: kms.IKey;
}

/** Prefix of the rejected raw records (JSON, with the reason) next to the processed readings. */
export const REJECTS_PREFIX = 'rejects/sensor/';

/**
 * The three Glue jobs of the daily ETL and the ML feature build, each with its own least-privilege role, under one
 * security configuration (KMS-encrypted CloudWatch logs, client-side KMS bookmarks, SSE-KMS S3 writes with the lake
 * key). Scripts and their pure transform modules are S3 assets (`--extra-py-files`).
 */
export class EtlJobs extends Construct {
  readonly securityConfiguration: glue.SecurityConfiguration;
  readonly rawToParquetJob: glue.PySparkEtlJob;
  readonly dailyFactJob: glue.PythonShellJob;
  readonly mlFeaturesJob: glue.PythonShellJob;

  constructor(scope: Construct, id: string, props: EtlJobsProps) {
    super(scope, id);
    const { lake, catalog, warehouse, config } = props;
    const stack = Stack.of(this);

    this.securityConfiguration = new glue.SecurityConfiguration(this, 'SecurityConfiguration', {
      cloudWatchEncryption: glue.CloudWatchEncryption.kms(props.logsKey),
      jobBookmarksEncryption: glue.JobBookmarksEncryption.clientSideKms(props.logsKey),
      s3Encryption: glue.S3Encryption.kms(lake.key),
    });

    const jobRole = (roleId: string, description: string): iam.Role => {
      const role = new iam.Role(this, roleId, {
        assumedBy: new iam.ServicePrincipal('glue.amazonaws.com'),
        description,
      });
      // Glue writes the job's (KMS-encrypted) logs to /aws-glue/* groups named after the security configuration.
      role.addToPolicy(
        new iam.PolicyStatement({
          actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents', 'logs:AssociateKmsKey'],
          resources: [
            stack.formatArn({
              service: 'logs',
              resource: 'log-group',
              resourceName: '/aws-glue/*',
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          ],
        })
      );
      role.addToPolicy(
        new iam.PolicyStatement({
          actions: ['cloudwatch:PutMetricData'],
          resources: ['*'],
          conditions: { StringEquals: { 'cloudwatch:namespace': 'Glue' } },
        })
      );
      props.logsKey.grantEncryptDecrypt(role);
      Validations.of(role).acknowledge(
        {
          id: `AwsSolutions-IAM5[Resource::arn:${stack.partition}:logs:${stack.region}:${nagAccount(stack)}:log-group:/aws-glue/*]`,
          reason: 'Glue names the job log groups itself (/aws-glue/jobs-<security configuration>-role/...).',
        },
        {
          id: 'AwsSolutions-IAM5[Resource::*]',
          reason:
            'cloudwatch:PutMetricData has no resource type; it is limited to the Glue namespace by condition' +
            ' (and, for the fact job, redshift-data:DescribeStatement to statements the role itself submitted).',
        },
        {
          id: `AwsSolutions-IAM5[Resource::arn:${stack.partition}:s3:::cdk-hnb659fds-assets-${nagAccount(stack)}-${stack.region}/*]`,
          reason: 'Read of the job script and its transform module, CDK file assets in the bootstrap bucket.',
        },
        ...['s3:GetObject*', 's3:GetBucket*', 's3:List*'].map((a) => ({
          id: `AwsSolutions-IAM5[Action::${a}]`,
          reason: 'CDK asset grant: read of the job script and transform module in the bootstrap assets bucket.',
        })),
        ...['kms:GenerateDataKey*', 'kms:ReEncrypt*'].map((a) => ({
          id: `AwsSolutions-IAM5[Action::${a}]`,
          reason: 'CDK key grants: encrypt/decrypt with the lake key (SSE-KMS zones) and the ETL logs/bookmark key.',
        }))
      );
      return role;
    };
    const script = (job: string, file: string) => glue.Code.fromAsset(join(GLUE_SCRIPTS, job, file));

    // 1. raw_sensor_to_parquet: Glue 5.0 Spark, bookmarks on.
    const rawRole = jobRole('RawToParquetRole', 'Glue raw_sensor_to_parquet: raw sensor JSON -> processed parquet');
    this.grantPrefix(rawRole, lake, lake.rawBucket, LakeLayout.rawSensor, 'read');
    this.grantPrefix(rawRole, lake, lake.processedBucket, LakeLayout.processedSensor, 'readWrite');
    this.grantPrefix(rawRole, lake, lake.processedBucket, REJECTS_PREFIX, 'readWrite');
    this.grantPartitions(rawRole, props.catalogDatabaseName, [
      catalog.rawSensorTable.tableName,
      catalog.sensorReadingsTable.tableName,
    ]);
    this.rawToParquetJob = new glue.PySparkEtlJob(this, 'RawToParquet', {
      description: 'raw sensor JSON lines (raw sensor/dt=D/) -> parquet (processed sensor_readings/dt=D/)',
      role: rawRole,
      script: script('raw_sensor_to_parquet', 'job.py'),
      extraPythonFiles: [script('raw_sensor_to_parquet', 'sensor_transforms.py')],
      glueVersion: glue.GlueVersion.V5_0,
      workerConfiguration: { workerType: glue.WorkerType.G_1X, numberOfWorkers: config.sparkWorkers },
      securityConfiguration: this.securityConfiguration,
      maxConcurrentRuns: 1,
      maxRetries: 0,
      timeout: Duration.hours(2),
      defaultArguments: {
        '--job-bookmark-option': 'job-bookmark-enable',
        '--database': catalog.database.databaseName,
        '--raw_table': catalog.rawSensorTable.tableName,
        '--processed_table': catalog.sensorReadingsTable.tableName,
        '--raw_bucket': lake.rawBucket.bucketName,
        '--processed_bucket': lake.processedBucket.bucketName,
      },
    });

    // 2. etl_daily_fact: Python shell, Redshift Data API with the ETL secret.
    const factRole = jobRole('DailyFactRole', 'Glue etl_daily_fact: lake -> Redshift facts via the Data API');
    grantSecretReadFromOtherStack(factRole, warehouse.etlSecret);
    factRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ['redshift-data:BatchExecuteStatement'],
        resources: [warehouse.clusterArn],
      })
    );
    factRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ['redshift-data:DescribeStatement'],
        resources: ['*'],
        conditions: { StringEquals: { 'redshift-data:statement-owner-iam-userid': '${aws:userid}' } },
      })
    );
    factRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [lake.processedBucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': [`${LakeLayout.processedSensor}*`] } },
      })
    );
    factRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [lake.rawBucket.bucketArn],
        conditions: {
          StringLike: { 's3:prefix': [`${LakeLayout.rawBatch}production/*`, `${LakeLayout.rawBatch}retail_sales/*`] },
        },
      })
    );
    this.dailyFactJob = new glue.PythonShellJob(this, 'DailyFact', {
      description: 'the seed ETL_Daily_Fact_Retail_sales: COPY one day into staging and replace its facts',
      role: factRole,
      script: script('etl_daily_fact', 'job.py'),
      extraPythonFiles: [script('etl_daily_fact', 'fact_sql.py')],
      pythonVersion: glue.PythonVersion.THREE_NINE,
      securityConfiguration: this.securityConfiguration,
      maxConcurrentRuns: 1,
      maxRetries: 0,
      timeout: Duration.hours(2),
      defaultArguments: {
        '--cluster_identifier': warehouse.clusterIdentifier,
        '--database': warehouse.databaseName,
        '--secret_arn': warehouse.etlSecret.secretArn,
        '--copy_role_arn': warehouse.warehouseRole.roleArn,
        '--processed_bucket': lake.processedBucket.bucketName,
        '--raw_bucket': lake.rawBucket.bucketName,
        '--poll_seconds': '5',
        '--timeout_seconds': '6600',
      },
    });

    // 3. ml_features: Python shell with pandas (library set analytics), run by the ML stack.
    const mlRole = jobRole('MlFeaturesRole', 'Glue ml_features: processed readings + maintenance -> XGBoost CSV');
    this.grantPrefix(mlRole, lake, lake.processedBucket, LakeLayout.processedSensor, 'read');
    this.grantPrefix(mlRole, lake, lake.rawBucket, `${LakeLayout.rawBatch}maintenance/`, 'read');
    this.grantPrefix(mlRole, lake, lake.curatedBucket, LakeLayout.curatedMlFeatures, 'write');
    this.mlFeaturesJob = new glue.PythonShellJob(this, 'MlFeatures', {
      description: 'predictive-maintenance training/validation CSV (label first, no header) + manifest',
      role: mlRole,
      script: script('ml_features', 'job.py'),
      extraPythonFiles: [script('ml_features', 'features.py')],
      pythonVersion: glue.PythonVersion.THREE_NINE,
      librarySet: glue.LibrarySet.ANALYTICS,
      maxCapacity: glue.MaxCapacity.DPU_1,
      securityConfiguration: this.securityConfiguration,
      maxConcurrentRuns: 1,
      maxRetries: 0,
      timeout: Duration.hours(1),
      defaultArguments: {
        '--processed_bucket': lake.processedBucket.bucketName,
        '--raw_bucket': lake.rawBucket.bucketName,
        '--feature_order': SENSOR_FIELDS.join(','),
        '--horizon_hours': String(config.failureHorizonHours),
        '--lookback_days': String(config.featureLookbackDays),
      },
    });
  }

  /**
   * Least-privilege access to the objects below one lake prefix: explicit actions (no `s3:*Object*` wildcards), the
   * bucket listing limited to the prefix, and the lake key for SSE-KMS. The bucket ARN is taken through the lake stack's
   * export so that the object wildcard can be acknowledged by its exact name at construct time and at synth time.
   */
  private grantPrefix(
    role: iam.IRole,
    lake: EtlLake,
    bucket: s3.IBucket,
    prefix: string,
    mode: 'read' | 'write' | 'readWrite'
  ): void {
    const arn = bucketArnFor(this, bucket);
    const objectActions = [
      ...(mode !== 'write' ? ['s3:GetObject'] : []),
      ...(mode !== 'read' ? ['s3:PutObject', 's3:AbortMultipartUpload'] : []),
      ...(mode === 'readWrite' ? ['s3:DeleteObject'] : []),
    ];
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: objectActions, resources: [`${arn}/${prefix}*`] }));
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [arn],
        conditions: { StringLike: { 's3:prefix': [`${prefix}*`] } },
      })
    );
    if (mode !== 'write') lake.key.grantDecrypt(role);
    if (mode !== 'read') lake.key.grant(role, 'kms:GenerateDataKey', 'kms:Encrypt', 'kms:Decrypt');
    acknowledgeIam5(
      role,
      [resourceNagId(this, `${arn}/${prefix}*`)],
      `Objects below the one lake prefix ${prefix} this job ${mode === 'read' ? 'reads' : 'writes'}.`
    );
  }

  /** Read the lake database and register partitions of exactly the named tables (no table wildcard). */
  private grantPartitions(role: iam.IRole, databaseName: string, tableNames: string[]): void {
    const stack = Stack.of(this);
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: [
          'glue:GetDatabase',
          'glue:GetTable',
          'glue:GetPartition',
          'glue:GetPartitions',
          'glue:BatchGetPartition',
          'glue:CreatePartition',
          'glue:BatchCreatePartition',
          'glue:UpdatePartition',
        ],
        resources: [
          stack.formatArn({ service: 'glue', resource: 'catalog' }),
          stack.formatArn({ service: 'glue', resource: 'database', resourceName: databaseName }),
          ...tableNames.map((t) =>
            stack.formatArn({ service: 'glue', resource: 'table', resourceName: `${databaseName}/${t}` })
          ),
        ],
      })
    );
  }
}
