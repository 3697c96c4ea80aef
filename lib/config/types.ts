/**
 * The platform's typed, readonly configuration. `bin/` selects one named config (`-c config=<name>`); stacks and
 * constructs receive the parts they need as props and never read context or the environment themselves.
 */

/** RA3 node types that can be provisioned today and support elastic resize (DC2 is no longer offered). */
export type RedshiftNodeType = 'ra3.large' | 'ra3.xlplus' | 'ra3.4xlarge' | 'ra3.16xlarge';

/** Whether data-bearing resources survive `cdk destroy`. `destroy` is for throw-away dev accounts only. */
export type DataRemoval = 'retain' | 'destroy';

/** One scheduled elastic resize, in the platform's local time zone. */
export interface ResizeSchedule {
  /** Schedule name, 1-64 characters of `[a-z0-9-]` (the seed's: etl-daily-up, ...). */
  readonly name: string;
  /** Local wall-clock time `HH:MM` (24 h) in `PlatformConfig.timeZone`, every day. */
  readonly localTime: string;
  /** Target number of nodes. */
  readonly nodes: number;
}

/** Daily pause and resume of the warehouse in the platform's local time zone (a paused RA3 cluster bills storage only). */
export interface PauseSchedule {
  /** Local wall-clock time `HH:MM` (24 h) in `PlatformConfig.timeZone` when the cluster is paused. */
  readonly pauseLocalTime: string;
  /** Local wall-clock time `HH:MM` (24 h) in `PlatformConfig.timeZone` when the cluster is resumed. */
  readonly resumeLocalTime: string;
  /** Pause and resume Monday to Friday only (the cluster then stays paused over the weekend); default every day. */
  readonly weekdaysOnly?: boolean;
}

/** The seed's SageMaker built-in XGBoost hyperparameters (sent to SageMaker as strings). */
export interface XgboostHyperparameters {
  readonly objective: 'binary:logistic';
  readonly booster: 'gbtree' | 'dart';
  readonly eval_metric: 'auc';
  readonly scale_pos_weight: number;
  readonly eta: number;
  readonly max_depth: number;
  readonly subsample: number;
  readonly colsample_bytree: number;
  readonly num_round: number;
}

export interface LakeConfig {
  /** Glue Data Catalog database name (lower case, `[a-z0-9_]`). */
  readonly glueDatabaseName: string;
  /** Days before raw objects move to S3 Standard-IA. */
  readonly rawInfrequentAccessAfterDays: number;
  /** Days before raw objects move to Glacier Flexible Retrieval. */
  readonly rawGlacierAfterDays: number;
  /** Days a noncurrent object version is kept in versioned buckets. */
  readonly noncurrentVersionExpirationDays: number;
  /** Days after which incomplete multipart uploads are aborted. */
  readonly abortIncompleteMultipartUploadAfterDays: number;
  /** Days server access logs are kept. */
  readonly accessLogRetentionDays: number;
}

export interface WarehouseConfig {
  readonly nodeType: RedshiftNodeType;
  /** Node count at creation (the base of the elastic-resize limits). */
  readonly numberOfNodes: number;
  /** Database created in the cluster. */
  readonly databaseName: string;
  /** Admin user name (not `awsuser`); its password lives in Secrets Manager. */
  readonly masterUsername: string;
  /** Cluster port, not the default 5439 (AwsSolutions-RS4). */
  readonly port: number;
  /** Redshift user groups that map to WLM queues. */
  readonly userGroups: { readonly etl: string; readonly bi: string; readonly analytics: string };
  /** Scheduled elastic resizes in local time; empty for none. */
  readonly resizeSchedules: readonly ResizeSchedule[];
  /**
   * Pause the cluster outside working hours (issue 11); omit to keep it running. Not together with `resizeSchedules`
   * (a paused cluster cannot be resized).
   */
  readonly pauseSchedule?: PauseSchedule;
  /** Facts older than this many months live in the S3 archive, read through Spectrum. */
  readonly hotColdBoundaryMonths: number;
  /** Automated snapshot retention in days (1-35). */
  readonly snapshotRetentionDays: number;
}

export interface StreamingConfig {
  /** Alert when the anomaly grade (0-1) is at or above this. */
  readonly anomalyAlertThreshold: number;
  /** Minimum seconds between two alerts of one device. */
  readonly alertCooldownSeconds: number;
  /** E-mail addresses subscribed to anomaly alerts. */
  readonly alertEmails: readonly string[];
  /** Secrets Manager ARN with FCM/APNs credentials for an SNS mobile-push application; omit for none. */
  readonly mobilePushSecretArn?: string;
  /** Kinesis capacity mode; `on-demand` by default. */
  readonly streamMode: 'on-demand' | 'provisioned';
  /** Least shard count when `streamMode` is `provisioned`; raised to what `devices` needs. */
  readonly shardCount: number;
  /** Retries of a failing batch before it goes to the on-failure dead-letter queue (0-10,000). */
  readonly maxRetryAttempts: number;
  /** Records older than this (seconds, 60-604,800) are sent to the dead-letter queue instead of being retried. */
  readonly maxRecordAgeSeconds: number;
  /** Alarm when the stream consumers fall this many seconds behind (iterator age). */
  readonly iteratorAgeAlarmSeconds: number;
  /**
   * Devices sending one reading a second (1-10,000). The anomaly path is sized from it (`lib/streaming/sizing.ts`):
   * shards in provisioned mode, parallelization factor, batch size and window, function memory, timeout and cache.
   */
  readonly devices: number;
  /** Seconds between two model checkpoints of a device (10-3,600): a crash loses at most this much learning. */
  readonly checkpointIntervalSeconds: number;

  // ---- Devices and phones (issue 17) ----
  /** The factory this platform serves (`[a-z0-9-]`, 1-64): alerts carry it as attribute `factory`, phones filter on it. */
  readonly factoryId: string;
  /** Device onboarding into IoT Core: sensor thing type and the fleet's certificate policy. */
  readonly iot: IotDevicesConfig;
  /** Phone registration API for push alerts (needs `mobilePushSecretArn`). */
  readonly mobileRegistration: MobileRegistrationConfig;
}

// ---- Devices and phones (issue 17) ----
export interface IotDevicesConfig {
  /** Create the sensor thing type and the device policy (devices then provisioned with `smart-factory provision`). */
  readonly enabled: boolean;
}

export interface MobileRegistrationConfig {
  /** Deploy the registration API (Cognito user + identity pool, IAM-authenticated function URL). */
  readonly enabled: boolean;
  /** Most phones one user may register (1-100). */
  readonly maxDevicesPerUser: number;
}

export interface MlConfig {
  readonly hyperparameters: XgboostHyperparameters;
  /** Score above which `pred` is 1 (the seed's classify_data: score > 0.5). */
  readonly classificationThreshold: number;
  /** A trained model goes live only with a validation AUC at or above this. */
  readonly minValidationAuc: number;
  /** Retraining schedule (EventBridge Scheduler cron expression in local time), omit for on demand only. */
  readonly retrainCron?: string;
  /**
   * SageMaker training instance type (`ml.` prefix). Default `ml.m5.xlarge`; the seed's `ml.m4.xlarge`
   * (`SEED_TRAINING_INSTANCE_TYPE`) is a supported alternative.
   */
  readonly trainingInstanceType: string;
  /** Longest a training job may run, in minutes (SageMaker stops it then). */
  readonly maxTrainingMinutes: number;
  /** SageMaker real-time endpoint instance type (`ml.` prefix), e.g. `ml.m5.large`. */
  readonly endpointInstanceType: string;
  /** Number of endpoint instances (2 or more spread across Availability Zones). */
  readonly endpointInstanceCount: number;
  /** Seconds the inference Lambda caches the published model manifest (latest.json) before re-reading it. */
  readonly manifestCacheSeconds: number;
}

export interface EtlConfig {
  /** Local wall-clock time `HH:MM` (in `PlatformConfig.timeZone`) of the daily ETL run; after the 01:00 scale-up. */
  readonly dailyRunLocalTime: string;
  /** Worker count of the raw_sensor_to_parquet Spark job (G.1X workers, 2-299). */
  readonly sparkWorkers: number;
  /** ml_features: a reading is labelled positive when its device fails within this many hours after it. */
  readonly failureHorizonHours: number;
  /** ml_features: days of processed readings (ending yesterday) in one training set. */
  readonly featureLookbackDays: number;
}

// ---- BI (issue 16) -------------------------------------------------------------------------------------------------

/** How QuickSight datasets read the warehouse: imported into SPICE (refreshed on a schedule) or queried live. */
export type BiImportMode = 'SPICE' | 'DIRECT_QUERY';

/**
 * QuickSight BI over the warehouse's summary tables and late-binding views. Off by default: QuickSight needs an
 * account subscription (Enterprise edition, for VPC connections) that CloudFormation cannot create.
 */
export interface BiConfig {
  /** Creates the `${stackPrefix}Bi` stack. */
  readonly enabled: boolean;
  /** QuickSight namespace of the principals (`default` unless the account uses namespaces). */
  readonly namespace: string;
  /**
   * QuickSight user or group ARNs (`arn:aws:quicksight:<identity region>:<account>:user|group/<namespace>/<name>`) that
   * own the data source, datasets and dashboard (edit, share, delete). At least one when `enabled`.
   */
  readonly ownerArns: readonly string[];
  /** QuickSight user or group ARNs that may only view the dashboard (and query its datasets through it). */
  readonly viewerArns: readonly string[];
  /** `SPICE` (default: imported, refreshed at `refreshLocalTime`) or `DIRECT_QUERY` (every visual queries Redshift). */
  readonly importMode: BiImportMode;
  /** Local wall-clock time `HH:MM` (in `PlatformConfig.timeZone`) of the daily SPICE refresh; after the daily ETL. */
  readonly refreshLocalTime: string;
  /** Redshift user of the QuickSight data source (member of `warehouse.userGroups.bi`); its password is generated. */
  readonly databaseUser: string;
}

// ---- end BI -----------------------------------------------------------------------------------------------------

export interface PlatformConfig {
  /** Name of this configuration (`default`, `dev`, ...). */
  readonly name: string;
  /** Prefix of the stack names. */
  readonly stackPrefix: string;
  /** AWS account (omit for an environment-agnostic synth) and region. */
  readonly env: { readonly account?: string; readonly region: string };
  /** IANA time zone of the factory; schedules are given in it. */
  readonly timeZone: string;
  /** `retain` (default) keeps buckets, keys and the cluster on `cdk destroy`. */
  readonly dataRemoval: DataRemoval;
  /** E-mail addresses that receive operational alarms and pipeline failures. */
  readonly operationsEmails: readonly string[];
  /** Tags applied to every resource. */
  readonly tags: Readonly<Record<string, string>>;
  readonly lake: LakeConfig;
  readonly warehouse: WarehouseConfig;
  readonly etl: EtlConfig;
  readonly streaming: StreamingConfig;
  readonly ml: MlConfig;
  /** QuickSight BI (issue 16); off by default. */
  readonly bi: BiConfig;
}
