import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { PlatformConfig } from '../config';
import { addOperatorOutputs } from '../shared/operator-outputs';
import { DataLakeStorage } from './data-lake-storage';
import { LakeCatalog } from './lake-catalog';

export interface LakeStackProps extends StackProps {
  readonly config: PlatformConfig;
}

/**
 * Stateful: the data lake (KMS key, zone buckets, access logs) and its Glue Data Catalog. Termination protection on;
 * data retained on deletion unless the config says `dataRemoval: 'destroy'`.
 */
export class LakeStack extends Stack {
  readonly storage: DataLakeStorage;
  readonly catalog: LakeCatalog;

  constructor(scope: Construct, id: string, props: LakeStackProps) {
    super(scope, id, { terminationProtection: true, ...props });
    const { config } = props;
    this.storage = new DataLakeStorage(this, 'Storage', { lake: config.lake, dataRemoval: config.dataRemoval });
    this.catalog = new LakeCatalog(this, 'Catalog', {
      databaseName: config.lake.glueDatabaseName,
      rawBucket: this.storage.rawBucket,
      processedBucket: this.storage.processedBucket,
    });
    this.addOperatorOutputs();
  }

  /** Stack outputs an operator needs after a deploy. */
  private addOperatorOutputs(): void {
    const s = this.storage;
    addOperatorOutputs(this, {
      RawBucketName: {
        value: s.rawBucket.bucketName,
        description: 'Raw zone (telemetry from Firehose, batch uploads)',
      },
      ProcessedBucketName: { value: s.processedBucket.bucketName, description: 'Processed zone (parquet readings)' },
      CuratedBucketName: {
        value: s.curatedBucket.bucketName,
        description: 'Curated zone (ML features, models, edge manifests, window aggregates)',
      },
      ArchiveBucketName: { value: s.archiveBucket.bucketName, description: 'Warehouse archive (UNLOAD, Spectrum)' },
      LogsBucketName: { value: s.logsBucket.bucketName, description: 'S3 server access logs and Redshift audit logs' },
      GlueDatabaseName: { value: this.catalog.database.databaseName, description: 'Glue Data Catalog database' },
      LakeKeyArn: { value: s.key.keyArn, description: 'KMS key of the lake buckets (SSE-KMS)' },
    });
  }
}
