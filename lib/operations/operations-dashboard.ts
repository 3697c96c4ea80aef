import { Aws, Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as kinesis from 'aws-cdk-lib/aws-kinesis';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { ResizeSchedule } from '../config';

/** A function whose Powertools metrics the dashboard shows (namespace + `service` dimension, as Powertools emits). */
export interface PowertoolsFunction {
  readonly label: string;
  readonly function: lambda.IFunction;
  /** POWERTOOLS_METRICS_NAMESPACE of the function. */
  readonly namespace: string;
  /** POWERTOOLS_SERVICE_NAME: Powertools adds it as the `service` dimension of every metric. */
  readonly service: string;
}

export interface OperationsDashboardProps {
  readonly streaming: {
    readonly stream: kinesis.IStream;
    readonly anomaly: PowertoolsFunction;
    readonly window: PowertoolsFunction;
  };
  /** Dead-letter queues (any stack), shown with their depth. */
  readonly deadLetterQueues: readonly { readonly label: string; readonly queue: sqs.IQueue }[];
  readonly etl: {
    readonly stateMachine: sfn.IStateMachine;
    /** The workflow's execution log group (level ALL): the failing step comes from its TaskFailed events. */
    readonly executionLogGroup: logs.ILogGroup;
    /** Glue Spark jobs with job metrics on (`--enable-metrics`); Python shell jobs emit none. */
    readonly sparkJobs: readonly { readonly label: string; readonly jobName: string }[];
  };
  readonly warehouse: {
    readonly clusterIdentifier: string;
    readonly baseNodes: number;
    readonly resizeSchedules: readonly ResizeSchedule[];
    readonly timeZone: string;
  };
  readonly ml: {
    readonly endpointName: string;
    readonly variantName: string;
    readonly trainingStateMachine: sfn.IStateMachine;
    readonly inferenceFunction: lambda.IFunction;
  };
  /** Every alarm of the platform (collected from the construct tree). */
  readonly alarms: readonly cloudwatch.IAlarm[];
}

const PERIOD = Duration.minutes(5);

/**
 * The platform's operations dashboard: alarms, streaming (ingest, iterator age, function errors/throttles/duration,
 * DLQs, alerts published/suppressed), ETL (runs, failing step, Glue durations), warehouse (CPU, storage, WLM wait,
 * nodes vs resize schedule) and ML (endpoint traffic/latency/errors, training runs). Every metric is one the
 * resources or the functions' Powertools code emit (test/operations-dashboard.test.ts checks this).
 */
export class OperationsDashboard extends Construct {
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: OperationsDashboardProps) {
    super(scope, id);
    const { streaming, etl, warehouse, ml } = props;
    const fns = [streaming.anomaly, streaming.window];
    const pt = (f: PowertoolsFunction, metricName: string, label = metricName) =>
      new cloudwatch.Metric({
        namespace: f.namespace,
        metricName,
        dimensionsMap: { service: f.service },
        statistic: 'Sum',
        period: PERIOD,
        label: `${f.label} ${label}`,
      });
    const graph = (title: string, left: cloudwatch.IMetric[], width = 8, right: cloudwatch.IMetric[] = []) =>
      new cloudwatch.GraphWidget({ title, left, right, width, height: 6, period: PERIOD });
    const cluster = warehouse.clusterIdentifier;
    const search = (schema: string, metricName: string, stat: string, extra = '') =>
      `SEARCH('{AWS/Redshift,${schema}} MetricName="${metricName}" ClusterIdentifier="${cluster}"${extra}', '${stat}', 300)`;

    this.dashboard = new cloudwatch.Dashboard(this, 'Resource', {
      defaultInterval: Duration.hours(24),
      periodOverride: cloudwatch.PeriodOverride.AUTO,
    });

    this.dashboard.addWidgets(
      new cloudwatch.AlarmStatusWidget({
        title: `Alarms (${props.alarms.length})`,
        alarms: [...props.alarms],
        width: 24,
        height: Math.min(12, 2 + Math.ceil(props.alarms.length / 4) * 1),
        sortBy: cloudwatch.AlarmStatusWidgetSortBy.STATE_UPDATED_TIMESTAMP,
      })
    );

    // ---- Streaming
    this.dashboard.addWidgets(
      new cloudwatch.TextWidget({ markdown: '## Streaming anomaly alerts', width: 24, height: 1 }),
      graph('Stream ingest (records)', [
        streaming.stream.metricIncomingRecords({ statistic: 'Sum', period: PERIOD, label: 'IncomingRecords' }),
      ]),
      graph('Iterator age (ms, max)', [
        streaming.stream.metricGetRecordsIteratorAgeMilliseconds({
          statistic: 'Maximum',
          period: PERIOD,
          label: 'stream',
        }),
        ...fns.map((f) => f.function.metric('IteratorAge', { statistic: 'Maximum', period: PERIOD, label: f.label })),
      ]),
      graph('Function errors and throttles', [
        ...fns.flatMap((f) => [
          f.function.metricErrors({ statistic: 'Sum', period: PERIOD, label: `${f.label} errors` }),
          f.function.metricThrottles({ statistic: 'Sum', period: PERIOD, label: `${f.label} throttles` }),
        ]),
      ]),
      graph(
        'Function duration (ms)',
        fns.flatMap((f) => [
          f.function.metricDuration({ statistic: 'p99', period: PERIOD, label: `${f.label} p99` }),
          f.function.metricDuration({ statistic: 'Average', period: PERIOD, label: `${f.label} avg` }),
        ])
      ),
      graph(
        'Dead-letter queue depth (messages)',
        props.deadLetterQueues.map((d) =>
          d.queue.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum', period: PERIOD, label: d.label })
        )
      ),
      graph('Alerts published vs suppressed', [
        pt(streaming.anomaly, 'Anomalies'),
        pt(streaming.anomaly, 'AlertsPublished'),
        pt(streaming.anomaly, 'AlertsSuppressedByCooldown'),
      ]),
      graph('Records dead-lettered, duplicates, late readings', [
        pt(streaming.anomaly, 'RecordsDeadLettered'),
        pt(streaming.anomaly, 'RecordsSkippedAsDuplicate'),
        pt(streaming.window, 'WindowReadingsDroppedLate'),
        pt(streaming.window, 'WindowReadingsInvalid'),
      ])
    );

    // ---- ETL
    this.dashboard.addWidgets(
      new cloudwatch.TextWidget({ markdown: '## Daily ETL', width: 24, height: 1 }),
      graph('ETL workflow runs', [
        etl.stateMachine.metricSucceeded({ statistic: 'Sum', period: PERIOD, label: 'succeeded' }),
        etl.stateMachine.metricFailed({ statistic: 'Sum', period: PERIOD, label: 'failed' }),
        etl.stateMachine.metricTimedOut({ statistic: 'Sum', period: PERIOD, label: 'timed out' }),
        etl.stateMachine.metricAborted({ statistic: 'Sum', period: PERIOD, label: 'aborted' }),
      ]),
      new cloudwatch.LogQueryWidget({
        title: 'ETL: the step that failed (latest first)',
        logGroupNames: [etl.executionLogGroup.logGroupName],
        queryLines: [
          'fields @timestamp, execution_arn, type, details.resourceType, details.resource, details.error',
          "filter type in ['TaskFailed', 'TaskTimedOut', 'ExecutionFailed', 'ExecutionTimedOut', 'ExecutionAborted']",
          'sort @timestamp desc',
          'limit 20',
        ],
        width: 8,
        height: 6,
      }),
      graph(
        'Glue Spark job duration (ms)',
        etl.sparkJobs.map(
          (j) =>
            new cloudwatch.Metric({
              namespace: 'Glue',
              metricName: 'glue.driver.aggregate.elapsedTime',
              dimensionsMap: { JobName: j.jobName, JobRunId: 'ALL', Type: 'count' },
              statistic: 'Maximum',
              period: PERIOD,
              label: j.label,
            })
        )
      )
    );

    // ---- Warehouse
    const schedule = [...warehouse.resizeSchedules]
      .sort((a, b) => a.localTime.localeCompare(b.localTime))
      .map((s) => `| ${s.localTime} | ${s.nodes} | ${s.name} |`);
    this.dashboard.addWidgets(
      new cloudwatch.TextWidget({ markdown: '## Warehouse (Redshift)', width: 24, height: 1 }),
      graph(
        'Redshift CPU (%)',
        [
          new cloudwatch.Metric({
            namespace: 'AWS/Redshift',
            metricName: 'CPUUtilization',
            dimensionsMap: { ClusterIdentifier: cluster },
            statistic: 'Average',
            period: PERIOD,
            label: 'cluster',
          }),
        ],
        6
      ),
      graph(
        'Redshift storage used (%)',
        [
          new cloudwatch.Metric({
            namespace: 'AWS/Redshift',
            metricName: 'PercentageDiskSpaceUsed',
            dimensionsMap: { ClusterIdentifier: cluster },
            statistic: 'Maximum',
            period: PERIOD,
            label: 'disk used',
          }),
        ],
        6
      ),
      graph(
        'WLM queue wait (µs, per queue)',
        [
          new cloudwatch.MathExpression({
            expression: search('ClusterIdentifier,QueueName', 'WLMQueueWaitTime', 'Maximum'),
            label: '',
            period: PERIOD,
          }),
        ],
        6
      ),
      graph(
        'Compute nodes reporting',
        [
          new cloudwatch.MathExpression({
            // One CPUUtilization series per node: counting the compute nodes' series (each mapped to 1) gives the
            // node count, to compare with the resize schedule beside it.
            expression: `SUM(${search('ClusterIdentifier,NodeID', 'CPUUtilization', 'Average', ' NOT NodeID="Leader"')} * 0 + 1)`,
            label: 'compute nodes',
            period: PERIOD,
          }),
        ],
        6
      ),
      new cloudwatch.TextWidget({
        markdown: [
          `**Resize schedule** (${warehouse.timeZone}; base ${warehouse.baseNodes} nodes)`,
          '',
          '| Local time | Nodes | Schedule |',
          '|---|---|---|',
          ...(schedule.length ? schedule : ['| – | – | none |']),
        ].join('\n'),
        width: 6,
        height: 6,
      })
    );

    // ---- ML
    const sm = (metricName: string, statistic: string, label: string) =>
      new cloudwatch.Metric({
        namespace: 'AWS/SageMaker',
        metricName,
        dimensionsMap: { EndpointName: ml.endpointName, VariantName: ml.variantName },
        statistic,
        period: PERIOD,
        label,
      });
    this.dashboard.addWidgets(
      new cloudwatch.TextWidget({ markdown: '## Predictive maintenance (SageMaker)', width: 24, height: 1 }),
      graph('Endpoint invocations', [sm('Invocations', 'Sum', 'invocations')], 6),
      graph('Endpoint model latency (µs)', [sm('ModelLatency', 'p99', 'p99'), sm('ModelLatency', 'Average', 'avg')], 6),
      graph('Endpoint errors', [sm('Invocation4XXErrors', 'Sum', '4xx'), sm('Invocation5XXErrors', 'Sum', '5xx')], 6),
      graph(
        'Training runs',
        [
          ml.trainingStateMachine.metricSucceeded({ statistic: 'Sum', period: PERIOD, label: 'succeeded' }),
          ml.trainingStateMachine.metricFailed({ statistic: 'Sum', period: PERIOD, label: 'failed' }),
        ],
        6
      ),
      graph(
        'Inference function',
        [
          ml.inferenceFunction.metricErrors({ statistic: 'Sum', period: PERIOD, label: 'errors' }),
          ml.inferenceFunction.metricThrottles({ statistic: 'Sum', period: PERIOD, label: 'throttles' }),
        ],
        6,
        [ml.inferenceFunction.metricDuration({ statistic: 'p99', period: PERIOD, label: 'duration p99' })]
      ),
      new cloudwatch.TextWidget({
        markdown:
          "**Last model's AUC**: not a CloudWatch metric (nothing emits one yet); the training pipeline records it " +
          'as `validation_auc` in the published manifest (`edge/models/latest.json` in the curated bucket) and in ' +
          'its success notification.',
        width: 6,
        height: 6,
      })
    );
  }

  /** The console URL of the dashboard. */
  url(): string {
    return `https://${Aws.REGION}.console.aws.amazon.com/cloudwatch/home?region=${Aws.REGION}#dashboards/dashboard/${this.dashboard.dashboardName}`;
  }
}
