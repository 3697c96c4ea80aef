import { Stack } from 'aws-cdk-lib';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { SENSOR_COLUMNS, type SensorColumn } from '@smart-factory/schema';
import { LakeLayout } from './lake-layout';

export interface LakeCatalogProps {
  /** Glue database name (service-visible: Spectrum's external schema and the Glue jobs refer to it). */
  readonly databaseName: string;
  readonly rawBucket: s3.IBucket;
  readonly processedBucket: s3.IBucket;
}

/** Glue column of one sensor-record column; `ts` becomes a timestamp once the reading is processed. */
function glueColumn(c: SensorColumn, processed: boolean): glue.Column {
  const type =
    c.glueType === 'double'
      ? glue.Schema.DOUBLE
      : processed && c.name === 'ts'
        ? glue.Schema.TIMESTAMP
        : glue.Schema.STRING;
  return { name: c.name, type, comment: c.unit ? `${c.description} (${c.unit})` : c.description };
}

/**
 * The Glue Data Catalog of the lake: the database and the sensor tables, both partitioned by `dt` (YYYY-MM-DD).
 * Columns come from the one sensor-record definition (`@smart-factory/schema`), so the stream, the lake and the model
 * agree. Table names are fixed because Spectrum's external schema and the Glue jobs address them by name.
 */
export class LakeCatalog extends Construct {
  readonly database: glue.IDatabase;
  /** Raw sensor readings, gzip JSON lines under `sensor/dt=…/` in the raw zone. */
  readonly rawSensorTable: glue.ITable;
  /** Processed sensor readings, parquet under `sensor_readings/dt=…/` in the processed zone. */
  readonly sensorReadingsTable: glue.ITable;

  constructor(scope: Construct, id: string, props: LakeCatalogProps) {
    super(scope, id);
    const database = new glue.Database(this, 'Database', {
      databaseName: props.databaseName,
      description: 'Smart-factory analytics lake: raw and processed sensor data, archived warehouse facts',
    });
    this.database = database;
    const dt: glue.Column = {
      name: 'dt',
      type: glue.Schema.STRING,
      comment: 'Date in the platform time zone, YYYY-MM-DD',
    };

    this.rawSensorTable = new glue.S3Table(this, 'RawSensorTable', {
      database,
      tableName: 'raw_sensor',
      description: 'Raw sensor readings (JSON lines, gzip) from IoT Core via Firehose and daily batch uploads',
      columns: SENSOR_COLUMNS.map((c) => glueColumn(c, false)),
      partitionKeys: [dt],
      dataFormat: glue.DataFormat.JSON,
      compressed: true,
      storage: glue.S3TableStorage.fromBucket(props.rawBucket),
      s3Prefix: LakeLayout.rawSensor,
    });
    this.sensorReadingsTable = new glue.S3Table(this, 'SensorReadingsTable', {
      database,
      tableName: 'sensor_readings',
      description: 'Processed sensor readings (parquet) written by the raw_sensor_to_parquet Glue job',
      columns: SENSOR_COLUMNS.map((c) => glueColumn(c, true)),
      partitionKeys: [dt],
      dataFormat: glue.DataFormat.PARQUET,
      storage: glue.S3TableStorage.fromBucket(props.processedBucket),
      s3Prefix: LakeLayout.processedSensor,
    });
  }

  /** Read access to the catalog entries of this database (databases, tables, partitions); no data access. */
  grantCatalogRead(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: [
        'glue:GetDatabase',
        'glue:GetDatabases',
        'glue:GetTable',
        'glue:GetTables',
        'glue:GetPartition',
        'glue:GetPartitions',
        'glue:BatchGetPartition',
      ],
      resourceArns: this.catalogArns(),
    });
  }

  /** Catalog read plus partition and table maintenance (Glue jobs, Spectrum archive registration). */
  grantCatalogWrite(grantee: iam.IGrantable): iam.Grant {
    this.grantCatalogRead(grantee);
    return iam.Grant.addToPrincipal({
      grantee,
      actions: [
        'glue:CreatePartition',
        'glue:BatchCreatePartition',
        'glue:UpdatePartition',
        'glue:DeletePartition',
        'glue:BatchDeletePartition',
        'glue:CreateTable',
        'glue:UpdateTable',
      ],
      resourceArns: this.catalogArns(),
    });
  }

  private catalogArns(): string[] {
    const stack = Stack.of(this);
    const name = this.database.databaseName;
    return [
      stack.formatArn({ service: 'glue', resource: 'catalog' }),
      stack.formatArn({ service: 'glue', resource: 'database', resourceName: name }),
      stack.formatArn({ service: 'glue', resource: 'table', resourceName: `${name}/*` }),
    ];
  }
}
