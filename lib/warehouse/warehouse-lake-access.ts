import { Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import type { LakeCatalog } from '../lake/lake-catalog';
import { LakeLayout } from '../lake/lake-layout';
import { bucketObjectsNagIds, importNameOf, logicalIdOf, resourceNagId } from '../shared/nag';
import { StackScopedConstruct } from '../shared/stack-scoped';

/** The Spectrum archive tables sql/V004 creates in the lake's Glue database. */
export const ARCHIVE_TABLES = ['fact_sensor_reading', 'fact_production', 'fact_daily_retail_sales'] as const;

export interface WarehouseLakeAccessProps {
  /** Raw zone: COPY reads its batch prefix. */
  readonly rawBucket: s3.IBucket;
  /** Processed zone: COPY reads it. */
  readonly processedBucket: s3.IBucket;
  /** Archive: UNLOAD writes it, Spectrum reads it. */
  readonly archiveBucket: s3.IBucket;
  /** The lake's Glue catalog: the external schema and the archive partitions. */
  readonly catalog: LakeCatalog;
}

/**
 * The role the cluster assumes for Redshift Spectrum, COPY and UNLOAD: read the raw batch prefix and the processed
 * zone (COPY), read/write the archive (UNLOAD, Spectrum), write the lake's Glue database and delete only the archive
 * tables there (V004 re-creates them when a half-applied run is repeated). Resource: `WarehouseRole…`.
 */
export class WarehouseLakeAccess extends StackScopedConstruct {
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: WarehouseLakeAccessProps) {
    super(scope, id);
    this.role = new iam.Role(this.home, 'WarehouseRole', {
      assumedBy: new iam.ServicePrincipal('redshift.amazonaws.com'),
      description: 'Redshift Spectrum, COPY and UNLOAD for the smart-factory warehouse',
    });
    this.grantLake(props);
    this.acknowledgeWildcards(props);
  }

  private grantLake(props: WarehouseLakeAccessProps): void {
    const stack = Stack.of(this);
    props.rawBucket.grantRead(this.role, `${LakeLayout.rawBatch}*`);
    props.processedBucket.grantRead(this.role);
    props.archiveBucket.grantReadWrite(this.role);
    props.catalog.grantCatalogWrite(this.role);
    const glueDb = props.catalog.database.databaseName;
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['glue:DeleteTable'],
        resources: [
          stack.formatArn({ service: 'glue', resource: 'catalog' }),
          stack.formatArn({ service: 'glue', resource: 'database', resourceName: glueDb }),
          ...ARCHIVE_TABLES.map((t) =>
            stack.formatArn({ service: 'glue', resource: 'table', resourceName: `${glueDb}/${t}` })
          ),
        ],
      })
    );
  }

  private acknowledgeWildcards(props: WarehouseLakeAccessProps): void {
    const stack = Stack.of(this);
    const database = props.catalog.database;
    // Token-free: `<AWS::AccountId>` without an account, the account number with one (as cdk-nag renders the policy).
    const glueTablesPrefix = resourceNagId(
      this,
      `arn:${stack.partition}:glue:${stack.region}:${stack.account}:table/`
    ).slice('Resource::'.length);
    const reason =
      'Wildcards only below named lake resources: objects of the raw batch prefix, the processed and the archive ' +
      "buckets, tables of the lake Glue database; the S3/KMS action groups are those of the buckets' grant methods " +
      '(COPY reads, UNLOAD ALLOWOVERWRITE writes/deletes, Spectrum reads, all under SSE-KMS with the lake key).';
    Validations.of(this.role).acknowledge(
      ...[
        'Action::s3:GetBucket*',
        'Action::s3:GetObject*',
        'Action::s3:List*',
        'Action::s3:Abort*',
        'Action::s3:DeleteObject*',
        'Action::kms:GenerateDataKey*',
        'Action::kms:ReEncrypt*',
        ...bucketObjectsNagIds(this, props.processedBucket, '*'),
        ...bucketObjectsNagIds(this, props.rawBucket, `${LakeLayout.rawBatch}*`),
        ...bucketObjectsNagIds(this, props.archiveBucket, '*'),
        `Resource::${glueTablesPrefix}<${logicalIdOf(database)}>/*`,
        `Resource::${glueTablesPrefix}${importNameOf(this, database.databaseName, database)}/*`,
      ].map((g) => ({ id: `AwsSolutions-IAM5[${g}]`, reason }))
    );
  }
}
