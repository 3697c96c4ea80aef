import { Aws } from 'aws-cdk-lib';
import * as quicksight from 'aws-cdk-lib/aws-quicksight';
import { Construct } from 'constructs';
import type { BiImportMode } from '../config';
import { type BiPrincipals, ownerPermissions, QUICKSIGHT_ACTIONS } from './quicksight-permissions';

/** QuickSight input column types of the Redshift columns the datasets read. */
export type BiColumnType = 'STRING' | 'INTEGER' | 'DECIMAL' | 'DATETIME';

export interface BiDatasetColumn {
  readonly name: string;
  readonly type: BiColumnType;
  readonly description: string;
}

export interface BiDatasetSpec {
  /** Suffix of the QuickSight dataset id and the dashboard's dataset identifier. */
  readonly key: string;
  readonly name: string;
  readonly schema: string;
  readonly table: string;
  /** The date column, selected as `report_date` in every dataset so one date filter spans all visuals. */
  readonly dateColumn: string;
  readonly columns: readonly BiDatasetColumn[];
}

/** The name every dataset's date column has in QuickSight (one cross-dataset date filter). */
export const REPORT_DATE = 'report_date';

const col = (name: string, type: BiColumnType, description: string): BiDatasetColumn => ({ name, type, description });

/**
 * The datasets over the summary tables and views (sql/V006, sql/V020). Column names and types are those of the SQL;
 * test/bi-stack.test.ts checks each against the migration files.
 */
export const BI_DATASETS: readonly BiDatasetSpec[] = [
  {
    key: 'daily-device-stats',
    name: 'Daily sensor statistics per device',
    schema: 'summary',
    table: 'daily_device_stats',
    dateColumn: 'reading_date',
    columns: [
      col('reading_date', 'DATETIME', 'local day of the readings'),
      col('device_id', 'STRING', 'device'),
      col('reading_count', 'INTEGER', 'readings that day'),
      col('temperature_avg', 'DECIMAL', 'mean temperature, °C'),
      col('temperature_max', 'DECIMAL', 'highest temperature, °C'),
      col('motor_speed_rpm_avg', 'DECIMAL', 'mean motor speed, rpm'),
      col('rvibration_z_rms_velocity_max', 'DECIMAL', 'highest vibration (z RMS velocity), mm/s'),
      col('pressure_avg', 'DECIMAL', 'mean pressure, bar'),
      col('refreshed_at', 'DATETIME', 'when summary.sp_refresh rebuilt the row'),
    ],
  },
  {
    key: 'daily-device-anomalies',
    name: 'Anomalies per device and day',
    schema: 'summary',
    table: 'v_daily_device_anomalies',
    dateColumn: 'reading_date',
    columns: [
      col('reading_date', 'DATETIME', 'local day'),
      col('device_id', 'STRING', 'device'),
      col('reading_count', 'INTEGER', 'readings that day'),
      col('temperature_anomalies', 'INTEGER', 'readings > 3σ from the device-day mean temperature'),
      col('motor_speed_anomalies', 'INTEGER', 'readings > 3σ from the device-day mean motor speed'),
      col('vibration_anomalies', 'INTEGER', 'readings > 3σ from the device-day mean vibration'),
      col('anomaly_count', 'INTEGER', 'readings anomalous in any of the three'),
    ],
  },
  {
    key: 'production-vs-plan',
    name: 'Daily production against plan',
    schema: 'summary',
    table: 'v_production_vs_plan',
    dateColumn: 'production_date',
    columns: [
      col('production_date', 'DATETIME', 'production day'),
      col('line_id', 'STRING', 'production line'),
      col('product_code', 'STRING', 'product'),
      col('units_produced', 'INTEGER', 'units produced (summary.daily_production)'),
      col('units_defective', 'INTEGER', 'defective units'),
      col('units_planned', 'INTEGER', 'planned units (summary.daily_production_plan)'),
      col('plan_attainment', 'DECIMAL', 'units_produced / units_planned'),
    ],
  },
  {
    key: 'daily-model-scores',
    name: 'Model scores per device and day',
    schema: 'summary',
    table: 'daily_model_scores',
    dateColumn: 'score_date',
    columns: [
      col('score_date', 'DATETIME', 'local day of the scored readings'),
      col('device_id', 'STRING', 'device'),
      col('model_version', 'STRING', 'model that scored them'),
      col('score_count', 'INTEGER', 'scored readings'),
      col('score_avg', 'DECIMAL', 'mean failure probability'),
      col('score_max', 'DECIMAL', 'highest failure probability'),
      col('predicted_failures', 'INTEGER', 'readings above the classification threshold'),
      col('loaded_at', 'DATETIME', 'load time'),
    ],
  },
  {
    key: 'fact-storage-share',
    name: 'Facts in Redshift vs the S3 archive',
    schema: 'summary',
    table: 'v_fact_storage_share',
    dateColumn: 'fact_month',
    columns: [
      col('fact_table', 'STRING', 'fact table'),
      col('fact_month', 'DATETIME', 'first day of the month'),
      col('storage_tier', 'STRING', '`redshift` (hot) or `s3_archive` (Spectrum)'),
      col('fact_rows', 'INTEGER', 'rows'),
    ],
  },
];

/** The dataset's columns as QuickSight sees them (the date column named `report_date`). */
export function datasetColumns(spec: BiDatasetSpec): BiDatasetColumn[] {
  return spec.columns.map((c) => (c.name === spec.dateColumn ? { ...c, name: REPORT_DATE } : c));
}

/** The dataset's SELECT over its summary object. */
export function datasetSql(spec: BiDatasetSpec): string {
  const cols = spec.columns.map((c) => (c.name === spec.dateColumn ? `${c.name} AS ${REPORT_DATE}` : c.name));
  return `SELECT ${cols.join(', ')} FROM ${spec.schema}.${spec.table}`;
}

export interface BiDatasetsProps {
  /** Prefix of the QuickSight resource ids (the service requires ids; derived from the config). */
  readonly idPrefix: string;
  readonly vpcConnectionArn: string;
  readonly clusterIdentifier: string;
  readonly clusterEndpointAddress: string;
  readonly port: number;
  readonly databaseName: string;
  /** Secret with `username`/`password` of the BI database user. */
  readonly credentialsSecretArn: string;
  readonly importMode: BiImportMode;
  /** Daily SPICE refresh, local `HH:MM` in `timeZone` (SPICE only). */
  readonly refreshLocalTime: string;
  readonly timeZone: string;
  readonly principals: BiPrincipals;
}

/**
 * The Redshift data source (through the VPC connection, TLS, credentials from Secrets Manager), one dataset per
 * `BI_DATASETS` entry (custom SQL selecting the date column as `report_date`), and a daily full refresh per dataset in SPICE
 * mode. Only the configured owners get permissions (viewers see the data through the dashboard).
 */
export class BiDatasets extends Construct {
  readonly dataSource: quicksight.CfnDataSource;
  readonly dataSets: ReadonlyMap<string, quicksight.CfnDataSet>;
  readonly refreshSchedules: quicksight.CfnRefreshSchedule[] = [];

  constructor(scope: Construct, id: string, props: BiDatasetsProps) {
    super(scope, id);
    this.dataSource = new quicksight.CfnDataSource(this, 'DataSource', {
      awsAccountId: Aws.ACCOUNT_ID,
      dataSourceId: `${props.idPrefix}-warehouse`,
      name: `${props.idPrefix} warehouse (Redshift)`,
      type: 'REDSHIFT',
      dataSourceParameters: {
        redshiftParameters: {
          clusterId: props.clusterIdentifier,
          host: props.clusterEndpointAddress,
          port: props.port,
          database: props.databaseName,
        },
      },
      credentials: { secretArn: props.credentialsSecretArn },
      vpcConnectionProperties: { vpcConnectionArn: props.vpcConnectionArn },
      sslProperties: { disableSsl: false },
      permissions: ownerPermissions(props.principals, QUICKSIGHT_ACTIONS.dataSourceOwner),
    });

    const dataSets = new Map<string, quicksight.CfnDataSet>();
    for (const spec of BI_DATASETS) {
      const dataSetId = `${props.idPrefix}-${spec.key}`;
      const ds = new quicksight.CfnDataSet(this, spec.key, {
        awsAccountId: Aws.ACCOUNT_ID,
        dataSetId,
        name: spec.name,
        importMode: props.importMode,
        // Custom SQL (read-only SELECT of the summary object) renames the date column to `report_date`, so one
        // date filter spans every dataset; no logical-table transforms (LogicalTableMap is deprecated).
        physicalTableMap: {
          [spec.key]: {
            customSql: {
              dataSourceArn: this.dataSource.attrArn,
              name: spec.table,
              sqlQuery: datasetSql(spec),
              columns: datasetColumns(spec).map((c) => ({ name: c.name, type: c.type })),
            },
          },
        },
        permissions: ownerPermissions(props.principals, QUICKSIGHT_ACTIONS.dataSetOwner),
      });
      dataSets.set(spec.key, ds);

      if (props.importMode === 'SPICE') {
        const schedule = new quicksight.CfnRefreshSchedule(this, `${spec.key}-refresh`, {
          awsAccountId: Aws.ACCOUNT_ID,
          dataSetId,
          schedule: {
            scheduleId: `${dataSetId}-daily`,
            refreshType: 'FULL_REFRESH',
            scheduleFrequency: {
              interval: 'DAILY',
              timeOfTheDay: props.refreshLocalTime,
              timeZone: props.timeZone,
            },
          },
        });
        schedule.node.addDependency(ds);
        this.refreshSchedules.push(schedule);
      }
    }
    this.dataSets = dataSets;
  }
}
