import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as kinesis from 'aws-cdk-lib/aws-kinesis';
import type * as firehose from 'aws-cdk-lib/aws-kinesisfirehose';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { OperationsTopic } from '../operations/operations-topic';

/** A stream consumer and its dead-letter queue, as the alarms name them (`Anomaly`, `Window`). */
export interface WatchedConsumer {
  readonly name: string;
  readonly function: lambda.IFunction;
  readonly deadLetterQueue: sqs.IQueue;
}

/** Where a function's Powertools metrics are written (a `PlatformFunction`). */
export interface PowertoolsMetricsSource {
  readonly metricsNamespace: string;
  readonly serviceName: string;
}

export interface StreamingAlarmsProps {
  readonly stream: kinesis.IStream;
  readonly deliveryStream: firehose.CfnDeliveryStream;
  readonly consumers: readonly WatchedConsumer[];
  /** The anomaly function's Powertools metrics (`SnapshotsQuarantined`). */
  readonly anomalyMetrics: PowertoolsMetricsSource;
  /** A consumer (or the stream's oldest record) this far behind alarms. */
  readonly iteratorAgeAlarmSeconds: number;
  readonly operations: OperationsTopic;
}

const FIVE_MINUTES = Duration.minutes(5);

/**
 * The streaming path's alarms, each notifying the operations topic: consumers behind the stream or failing, records
 * in a dead-letter queue, the stream's oldest record unread, Firehose not delivering to the raw zone, a device's model
 * snapshot quarantined.
 */
export class StreamingAlarms extends Construct {
  readonly alarms: cloudwatch.Alarm[] = [];
  private readonly operations: OperationsTopic;

  constructor(scope: Construct, id: string, props: StreamingAlarmsProps) {
    super(scope, id);
    this.operations = props.operations;
    this.consumerAlarms(props.consumers, props.iteratorAgeAlarmSeconds);
    this.deadLetterAlarms(props.consumers);
    this.deliveryAlarms(props.stream, props.deliveryStream, props.iteratorAgeAlarmSeconds);
    this.modelStateAlarms(props.anomalyMetrics);
  }

  /** An alarm at `threshold` or above, notifying the operations topic (missing data is not breaching). */
  addAlarm(id: string, metric: cloudwatch.IMetric, threshold: number, description: string): cloudwatch.Alarm {
    const alarm = this.operations.alarm(this, id, { metric, threshold, description });
    this.alarms.push(alarm);
    return alarm;
  }

  private consumerAlarms(consumers: readonly WatchedConsumer[], iteratorAgeSeconds: number): void {
    for (const { name, function: fn } of consumers) {
      this.addAlarm(
        `${name}IteratorAgeAlarm`,
        fn.metric('IteratorAge', { statistic: 'Maximum', period: FIVE_MINUTES }),
        iteratorAgeSeconds * 1000,
        `${name} function is more than ${iteratorAgeSeconds} s behind the telemetry stream`
      );
      this.addAlarm(
        `${name}ErrorsAlarm`,
        fn.metricErrors({ period: FIVE_MINUTES, statistic: 'Sum' }),
        1,
        `${name} function invocations failed (batches are retried, then dead-lettered)`
      );
    }
  }

  private deadLetterAlarms(consumers: readonly WatchedConsumer[]): void {
    for (const { name, deadLetterQueue } of consumers) {
      this.addAlarm(
        `${name}DeadLetterAlarm`,
        deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: FIVE_MINUTES, statistic: 'Maximum' }),
        1,
        `${name} dead-letter queue holds records (malformed readings or batches that exhausted retries)`
      );
    }
  }

  private deliveryAlarms(
    stream: kinesis.IStream,
    delivery: firehose.CfnDeliveryStream,
    iteratorAgeSeconds: number
  ): void {
    this.addAlarm(
      'StreamIteratorAgeAlarm',
      stream.metricGetRecordsIteratorAgeMilliseconds({ statistic: 'Maximum', period: FIVE_MINUTES }),
      iteratorAgeSeconds * 1000,
      'The oldest record of the telemetry stream is not being read (a consumer is behind)'
    );
    this.addAlarm(
      'FirehoseFreshnessAlarm',
      new cloudwatch.Metric({
        namespace: 'AWS/Firehose',
        metricName: 'DeliveryToS3.DataFreshness',
        dimensionsMap: { DeliveryStreamName: delivery.ref },
        statistic: 'Maximum',
        period: FIVE_MINUTES,
      }),
      900,
      'Firehose has not delivered telemetry to the raw zone for 15 minutes'
    );
  }

  /**
   * A snapshot that did not decode was moved to `state/anomaly/quarantine/` and its device restarted from a fresh
   * model (lambdas/anomaly/core.ts): the shard moved on, but that device's model lost its history. The handler
   * writes `SnapshotsQuarantined` with Powertools (namespace and `service` dimension of the function).
   */
  private modelStateAlarms(anomaly: PowertoolsMetricsSource): void {
    this.addAlarm(
      'SnapshotsQuarantinedAlarm',
      new cloudwatch.Metric({
        namespace: anomaly.metricsNamespace,
        metricName: 'SnapshotsQuarantined',
        dimensionsMap: { service: anomaly.serviceName },
        statistic: 'Sum',
        period: FIVE_MINUTES,
      }),
      1,
      'Anomaly function quarantined a model snapshot it could not decode (state/anomaly/quarantine/); the device ' +
        'restarted with a fresh model'
    );
  }
}
