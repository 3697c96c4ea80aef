/**
 * Where things live in the lake: one place for the S3 prefixes every stack and job agrees on. Prefixes end with `/`.
 * Date partitions are Hive style, `dt=YYYY-MM-DD` (date in the platform time zone, e.g. Asia/Seoul: the day the
 * factory and the daily ETL think in; Firehose writes its folders with that custom time zone).
 */
export const LakeLayout = {
  /** Raw zone: sensor readings as gzip JSON lines, real-time (Firehose) and daily batch uploads side by side. */
  rawSensor: 'sensor/',
  /** Raw zone: records IoT Core could not deliver to Kinesis (topic-rule error action). */
  rawIotErrors: 'errors/iot/',
  /** Raw zone: records Firehose could not deliver. */
  rawFirehoseErrors: 'errors/firehose/',
  /** Raw zone: daily batch files of the ERP (production and retail sales) as CSV. */
  rawBatch: 'batch/',
  /** Processed zone: sensor readings as parquet, partitioned by `dt`. */
  processedSensor: 'sensor_readings/',
  /** Curated zone: daily summaries and window aggregates. */
  curatedSummaries: 'summaries/',
  /** Curated zone: 10-second moving averages from the window Lambda. */
  curatedWindows: 'windows/temperature/',
  /** Curated zone: ML training/validation sets and their manifest. */
  curatedMlFeatures: 'ml/features/',
  /** Curated zone: SageMaker training output. */
  curatedMlModels: 'ml/models/',
  /** Curated zone: the published edge models (versioned prefixes with a manifest). */
  curatedEdgeModels: 'edge/models/',
  /** Curated zone: anomaly-model snapshots (one per device). */
  curatedAnomalyState: 'state/anomaly/',
  /** Archive zone: Redshift facts older than the hot/cold boundary, parquet, for Spectrum. */
  archiveFacts: 'facts/',
  /** Access-logs bucket: S3 server access logs, one prefix per source bucket. */
  s3AccessLogs: 's3/',
  /** Access-logs bucket: Redshift audit logs. */
  redshiftAuditLogs: 'redshift/',
} as const;
