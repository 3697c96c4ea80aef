import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { PlatformConfig } from '../config';
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
  }
}
