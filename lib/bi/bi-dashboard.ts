import { Aws } from 'aws-cdk-lib';
import * as quicksight from 'aws-cdk-lib/aws-quicksight';
import { Construct } from 'constructs';
import { REPORT_DATE } from './bi-datasets';
import { type BiPrincipals, dashboardPermissions } from './quicksight-permissions';

type Visual = quicksight.CfnDashboard.VisualProperty;
type Aggregation = 'SUM' | 'AVERAGE' | 'MAX';

export interface BiDashboardProps {
  readonly dashboardId: string;
  readonly name: string;
  /** Dashboard dataset identifier (`BI_DATASETS[].key`) → dataset ARN. */
  readonly dataSetArns: ReadonlyMap<string, string>;
  readonly principals: BiPrincipals;
}

const column = (dataSet: string, name: string) => ({ dataSetIdentifier: dataSet, columnName: name });
const title = (text: string) => ({ visibility: 'VISIBLE', formatText: { plainText: text } });
const day = (dataSet: string, fieldId: string, granularity = 'DAY') => ({
  dateDimensionField: { fieldId, column: column(dataSet, REPORT_DATE), dateGranularity: granularity },
});
const measure = (dataSet: string, name: string, agg: Aggregation, fieldId = `${dataSet}.${name}.${agg}`) => ({
  numericalMeasureField: {
    fieldId,
    column: column(dataSet, name),
    aggregationFunction: { simpleNumericalAggregation: agg },
  },
});
const category = (dataSet: string, name: string, fieldId = `${dataSet}.${name}`) => ({
  categoricalDimensionField: { fieldId, column: column(dataSet, name) },
});

/** A line per device over the days: `agg(measureColumn)` of the daily statistics. */
function deviceTrend(visualId: string, text: string, dataSet: string, measureColumn: string, agg: Aggregation): Visual {
  return {
    lineChartVisual: {
      visualId,
      title: title(text),
      chartConfiguration: {
        fieldWells: {
          lineChartAggregatedFieldWells: {
            category: [day(dataSet, `${visualId}.day`)],
            values: [measure(dataSet, measureColumn, agg, `${visualId}.value`)],
            colors: [category(dataSet, 'device_id', `${visualId}.device`)],
          },
        },
      },
    },
  };
}

/** The dashboard's visuals; ids are stable (QuickSight keys layout and filters by them). */
export function dashboardVisuals(): Visual[] {
  return [
    deviceTrend(
      'temperature-trend',
      'Temperature per device (daily mean, °C)',
      'daily-device-stats',
      'temperature_avg',
      'AVERAGE'
    ),
    deviceTrend(
      'motor-speed-trend',
      'Motor speed per device (daily mean, rpm)',
      'daily-device-stats',
      'motor_speed_rpm_avg',
      'AVERAGE'
    ),
    deviceTrend(
      'vibration-trend',
      'Vibration per device (daily max z RMS velocity, mm/s)',
      'daily-device-stats',
      'rvibration_z_rms_velocity_max',
      'MAX'
    ),
    {
      barChartVisual: {
        visualId: 'anomalies-per-day',
        title: title('Anomalies per day (readings > 3σ, by device)'),
        chartConfiguration: {
          barsArrangement: 'STACKED',
          fieldWells: {
            barChartAggregatedFieldWells: {
              category: [day('daily-device-anomalies', 'anomalies-per-day.day')],
              values: [measure('daily-device-anomalies', 'anomaly_count', 'SUM', 'anomalies-per-day.count')],
              colors: [category('daily-device-anomalies', 'device_id', 'anomalies-per-day.device')],
            },
          },
        },
      },
    },
    {
      barChartVisual: {
        visualId: 'production-vs-plan',
        title: title('Production against plan (units per day)'),
        chartConfiguration: {
          barsArrangement: 'CLUSTERED',
          fieldWells: {
            barChartAggregatedFieldWells: {
              category: [day('production-vs-plan', 'production-vs-plan.day')],
              values: [
                measure('production-vs-plan', 'units_produced', 'SUM', 'production-vs-plan.produced'),
                measure('production-vs-plan', 'units_planned', 'SUM', 'production-vs-plan.planned'),
              ],
            },
          },
        },
      },
    },
    deviceTrend(
      'model-score-trend',
      'Failure probability per device (daily max score)',
      'daily-model-scores',
      'score_max',
      'MAX'
    ),
    {
      pieChartVisual: {
        visualId: 'fact-storage-share',
        title: title('Facts in Redshift (hot) vs the S3 archive (rows)'),
        chartConfiguration: {
          fieldWells: {
            pieChartAggregatedFieldWells: {
              category: [category('fact-storage-share', 'storage_tier', 'fact-storage-share.tier')],
              values: [measure('fact-storage-share', 'fact_rows', 'SUM', 'fact-storage-share.rows')],
            },
          },
        },
      },
    },
  ];
}

export const SHEET_ID = 'factory-overview';
export const DEVICE_FILTER_ID = 'device-filter';
export const DATE_FILTER_ID = 'date-filter';

/**
 * The BI dashboard in code (a definition, not a copied template): one sheet with temperature / motor speed /
 * vibration trends per device, anomalies per day, production against plan, model scores and the hot-vs-archive share,
 * with a device filter and a date-range filter that apply across every dataset (matching column names). Owners may
 * edit and share it, viewers only view it.
 */
export class BiDashboard extends Construct {
  readonly dashboard: quicksight.CfnDashboard;

  constructor(scope: Construct, id: string, props: BiDashboardProps) {
    super(scope, id);
    const visuals = dashboardVisuals();
    const allVisuals = {
      selectedSheets: { sheetVisualScopingConfigurations: [{ sheetId: SHEET_ID, scope: 'ALL_VISUALS' }] },
    };
    const elements = visuals.map((v, i) => ({
      elementId: visualId(v),
      elementType: 'VISUAL',
      columnIndex: (i % 2) * 18,
      columnSpan: 18,
      rowIndex: Math.floor(i / 2) * 12,
      rowSpan: 12,
    }));
    this.dashboard = new quicksight.CfnDashboard(this, 'Resource', {
      awsAccountId: Aws.ACCOUNT_ID,
      dashboardId: props.dashboardId,
      name: props.name,
      versionDescription: 'Built in code by lib/bi/bi-dashboard.ts',
      definition: {
        dataSetIdentifierDeclarations: [...props.dataSetArns].map(([identifier, dataSetArn]) => ({
          identifier,
          dataSetArn,
        })),
        sheets: [
          {
            sheetId: SHEET_ID,
            name: 'Factory overview',
            visuals,
            filterControls: [
              {
                dropdown: {
                  filterControlId: 'device-control',
                  title: 'Device',
                  sourceFilterId: DEVICE_FILTER_ID,
                  type: 'MULTI_SELECT',
                },
              },
              {
                dateTimePicker: {
                  filterControlId: 'date-control',
                  title: 'Date',
                  sourceFilterId: DATE_FILTER_ID,
                  type: 'DATE_RANGE',
                },
              },
            ],
            layouts: [{ configuration: { gridLayout: { elements } } }],
          },
        ],
        filterGroups: [
          {
            filterGroupId: 'device-filter-group',
            crossDataset: 'ALL_DATASETS',
            status: 'ENABLED',
            scopeConfiguration: allVisuals,
            filters: [
              {
                categoryFilter: {
                  filterId: DEVICE_FILTER_ID,
                  column: column('daily-device-stats', 'device_id'),
                  configuration: {
                    filterListConfiguration: { matchOperator: 'CONTAINS', selectAllOptions: 'FILTER_ALL_VALUES' },
                  },
                },
              },
            ],
          },
          {
            filterGroupId: 'date-filter-group',
            crossDataset: 'ALL_DATASETS',
            status: 'ENABLED',
            scopeConfiguration: allVisuals,
            filters: [
              {
                timeRangeFilter: {
                  filterId: DATE_FILTER_ID,
                  column: column('daily-device-stats', REPORT_DATE),
                  nullOption: 'NON_NULLS_ONLY',
                  includeMinimum: true,
                  includeMaximum: true,
                  timeGranularity: 'DAY',
                  // The last 90 days by default; the control changes it.
                  rangeMinimumValue: { rollingDate: { expression: "addDateTime(-90, 'DD', truncDate('DD', now()))" } },
                  rangeMaximumValue: { rollingDate: { expression: "truncDate('DD', now())" } },
                },
              },
            ],
          },
        ],
      },
      dashboardPublishOptions: {
        adHocFilteringOption: { availabilityStatus: 'ENABLED' },
        exportToCsvOption: { availabilityStatus: 'ENABLED' },
        sheetControlsOption: { visibilityState: 'EXPANDED' },
      },
      permissions: dashboardPermissions(props.principals),
    });
  }
}

/** The id of a visual of any kind. */
export function visualId(v: Visual): string {
  const inner = Object.values(v).find((x) => x && typeof x === 'object' && 'visualId' in x) as
    { visualId: string } | undefined;
  if (!inner) throw new Error('visual without visualId');
  return inner.visualId;
}
