import { Duration } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Validations } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import type { DataRemoval, LakeConfig } from '../config';
import { LakeLayout } from './lake-layout';
import { dataRemovalPolicy } from '../shared/removal';

export interface DataLakeStorageProps {
  readonly lake: LakeConfig;
  /** `retain` keeps buckets and the key on stack deletion. @default 'retain' */
  readonly dataRemoval?: DataRemoval;
}

/**
 * The lake's storage: one customer-managed KMS key (rotated yearly) and the zone buckets.
 *
 * Default settings: every bucket blocks public access, enforces TLS, uses SSE-KMS with the lake key and S3 bucket keys
 * (the access-logs bucket uses SSE-S3, the only encryption S3 server access logging delivers to), logs access to the
 * access-logs bucket, aborts incomplete multipart uploads. Raw, curated and archive are versioned (noncurrent versions
 * expire); raw moves to Standard-IA and then Glacier. No physical bucket names.
 */
export class DataLakeStorage extends Construct {
  readonly key: kms.IKey;
  /** Landing zone: real-time (Firehose) and daily batch uploads. */
  readonly rawBucket: s3.IBucket;
  /** Parquet produced by the Glue jobs. */
  readonly processedBucket: s3.IBucket;
  /** Summaries, ML features, model artifacts, edge models. */
  readonly curatedBucket: s3.IBucket;
  /** Cold facts offloaded from Redshift, read through Spectrum. */
  readonly archiveBucket: s3.IBucket;
  /** S3 server access logs and Redshift audit logs. */
  readonly logsBucket: s3.IBucket;

  constructor(scope: Construct, id: string, props: DataLakeStorageProps) {
    super(scope, id);
    const mode = props.dataRemoval ?? 'retain';
    const removalPolicy = dataRemovalPolicy(mode);
    const autoDeleteObjects = mode === 'destroy';
    const cfg = props.lake;

    const key = new kms.Key(this, 'Key', {
      description: 'Smart-factory data lake: S3 zones, Glue, streams and the warehouse',
      enableKeyRotation: true,
      removalPolicy,
      pendingWindow: Duration.days(mode === 'destroy' ? 7 : 30),
    });
    this.key = key;

    const abortMultipart: s3.LifecycleRule = {
      id: 'AbortIncompleteMultipartUploads',
      abortIncompleteMultipartUploadAfter: Duration.days(cfg.abortIncompleteMultipartUploadAfterDays),
    };
    const expireNoncurrent: s3.LifecycleRule = {
      id: 'ExpireNoncurrentVersions',
      noncurrentVersionExpiration: Duration.days(cfg.noncurrentVersionExpirationDays),
      expiredObjectDeleteMarker: true,
    };

    const logsBucket = new s3.Bucket(this, 'AccessLogsBucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      versioned: false,
      removalPolicy,
      autoDeleteObjects,
      lifecycleRules: [abortMultipart, { id: 'ExpireLogs', expiration: Duration.days(cfg.accessLogRetentionDays) }],
    });
    Validations.of(logsBucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This is the access-logs bucket itself; logging it into itself would loop.',
    });
    this.logsBucket = logsBucket;

    const zone = (id: string, versioned: boolean, extraRules: s3.LifecycleRule[] = []): s3.Bucket =>
      new s3.Bucket(this, id, {
        encryption: s3.BucketEncryption.KMS,
        encryptionKey: key,
        bucketKeyEnabled: true,
        blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
        objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        enforceSSL: true,
        minimumTLSVersion: 1.2,
        versioned,
        removalPolicy,
        autoDeleteObjects,
        serverAccessLogsBucket: logsBucket,
        serverAccessLogsPrefix: `${LakeLayout.s3AccessLogs}${id}/`,
        lifecycleRules: [abortMultipart, ...(versioned ? [expireNoncurrent] : []), ...extraRules],
      });

    this.rawBucket = zone('RawBucket', true, [
      {
        id: 'RawToColderStorage',
        transitions: [
          {
            storageClass: s3.StorageClass.INFREQUENT_ACCESS,
            transitionAfter: Duration.days(cfg.rawInfrequentAccessAfterDays),
          },
          { storageClass: s3.StorageClass.GLACIER, transitionAfter: Duration.days(cfg.rawGlacierAfterDays) },
        ],
      },
    ]);
    // S3 -> EventBridge for the raw zone (the ETL's batch-landing trigger filters batch/ objects). Set on the bucket
    // itself rather than through CDK's notifications custom resource: no extra function, no replacement.
    (this.rawBucket.node.defaultChild as s3.CfnBucket).notificationConfiguration = {
      eventBridgeConfiguration: { eventBridgeEnabled: true },
    };
    this.processedBucket = zone('ProcessedBucket', false);
    // Model state (issue 14): snapshots are rewritten every checkpoint interval; keep old versions one day, not 90.
    this.curatedBucket = zone('CuratedBucket', true, [
      {
        id: 'ExpireNoncurrentAnomalyState',
        prefix: LakeLayout.curatedAnomalyState,
        noncurrentVersionExpiration: Duration.days(1),
      },
    ]);
    this.archiveBucket = zone('ArchiveBucket', true);
  }
}
