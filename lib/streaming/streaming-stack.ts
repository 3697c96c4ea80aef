import { type CfnElement, Stack, type StackProps } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as kinesis from 'aws-cdk-lib/aws-kinesis';
import type * as firehose from 'aws-cdk-lib/aws-kinesisfirehose';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { PlatformConfig } from '../config';
import type { OperationsTopic } from '../operations/operations-topic';
import { addOperatorOutputs } from '../shared/operator-outputs';
import type { PlatformFunction } from '../shared/platform-function';
import { dataRemovalPolicy } from '../shared/removal';
import { AnomalyAlerts } from './anomaly-alerts';
import { IotDevices } from './iot-devices';
import { LegacyLogicalIds } from './legacy-logical-ids';
import { MobilePush } from './mobile-push';
import { MobileRegistration } from './mobile-registration';
import { RawZoneDelivery } from './raw-zone-delivery';
import { sizeStreaming, type StreamingSizing } from './sizing';
import { StreamingAlarms } from './streaming-alarms';
import { StreamingKey } from './streaming-key';
import { TELEMETRY_TOPIC_FILTER, TelemetryIngest } from './telemetry-ingest';
import { WindowMetrics } from './window-metrics';

export interface StreamingStackProps extends StackProps {
  readonly config: PlatformConfig;
  /** Raw zone: Firehose delivers sensor readings here; IoT error action writes here. */
  readonly rawBucket: s3.IBucket;
  /** Curated zone: anomaly-model snapshots and window aggregates. */
  readonly curatedBucket: s3.IBucket;
  /** The lake's KMS key (encrypts the raw and curated buckets). */
  readonly lakeKey: kms.IKey;
  readonly operations: OperationsTopic;
}

/**
 * Constructs whose resources keep the logical IDs they had when this stack created them inline (see
 * `LegacyLogicalIds`): their own path segment is left out of the IDs. Add no construct here that did not exist then.
 */
const FLATTENED = new Set([
  'TelemetryIngest',
  'RawZoneDelivery',
  'AnomalyAlerts',
  'WindowMetrics',
  'MobilePush',
  'StreamingAlarms',
]);

/**
 * Stateless: real-time collection and anomaly alerts. IoT Core rule -> KMS-encrypted Kinesis stream -> (1) Firehose to
 * the raw zone (gzip JSON lines by date), (2) the anomaly function (per-device Random Cut Forest, alerts to an
 * encrypted SNS topic), (3) the window function (10-s moving average per 180-s tumbling window -> EMF metrics and the
 * curated zone). Failures go to encrypted dead-letter queues; alarms go to the operations topic.
 */
export class StreamingStack extends Stack {
  /** Scale of the anomaly path for `streaming.devices` (see sizing.ts and docs/streaming.md "Sizing"). */
  readonly sizing: StreamingSizing;
  readonly key: kms.Key;
  readonly ingest: TelemetryIngest;
  readonly stream: kinesis.Stream;
  readonly deliveryStream: firehose.CfnDeliveryStream;
  readonly anomalyAlerts: AnomalyAlerts;
  readonly alertTopic: sns.Topic;
  readonly anomalyFunction: PlatformFunction;
  readonly anomalyDeadLetterQueue: sqs.Queue;
  readonly windowMetrics: WindowMetrics;
  readonly windowFunction: PlatformFunction;
  readonly windowDeadLetterQueue: sqs.Queue;
  readonly alarms: cloudwatch.Alarm[];
  readonly iotDevices?: IotDevices;
  readonly mobileRegistration?: MobileRegistration;
  private readonly legacyIds = new LegacyLogicalIds(this, FLATTENED, () => (this.stream ? [this.stream] : []));

  constructor(scope: Construct, id: string, props: StreamingStackProps) {
    super(scope, id, props);
    const { config, rawBucket, curatedBucket, lakeKey } = props;
    const sc = config.streaming;
    const retry = { retryAttempts: sc.maxRetryAttempts, maxRecordAgeSeconds: sc.maxRecordAgeSeconds };
    this.sizing = sizeStreaming({
      devices: sc.devices,
      checkpointIntervalSeconds: sc.checkpointIntervalSeconds,
      streamMode: sc.streamMode,
      minShards: sc.shardCount,
    });

    const key = (this.key = new StreamingKey(this, 'Key'));
    this.ingest = new TelemetryIngest(this, 'TelemetryIngest', {
      key,
      capacity:
        sc.streamMode === 'on-demand' ? { mode: 'on-demand' } : { mode: 'provisioned', shards: this.sizing.shards },
      rawBucket,
      lakeKey,
    });
    this.stream = this.ingest.stream;
    // Devices into IoT Core (issue 17): thing type + certificate policy; `smart-factory provision` onboards devices.
    if (sc.iot.enabled) this.iotDevices = new IotDevices(this, 'IotDevices');
    this.deliveryStream = new RawZoneDelivery(this, 'RawZoneDelivery', {
      stream: this.stream,
      key,
      rawBucket,
      lakeKey,
      timeZone: config.timeZone,
    }).deliveryStream;

    this.anomalyAlerts = new AnomalyAlerts(this, 'AnomalyAlerts', {
      stream: this.stream,
      key,
      curatedBucket,
      lakeKey,
      alerts: {
        threshold: sc.anomalyAlertThreshold,
        cooldownSeconds: sc.alertCooldownSeconds,
        emails: sc.alertEmails,
        factoryId: sc.factoryId,
        timeZone: config.timeZone,
      },
      retry,
      scale: this.sizing,
    });
    this.alertTopic = this.anomalyAlerts.alertTopic;
    this.anomalyFunction = this.anomalyAlerts.function;
    this.anomalyDeadLetterQueue = this.anomalyAlerts.deadLetterQueue;

    this.windowMetrics = new WindowMetrics(this, 'WindowMetrics', {
      stream: this.stream,
      key,
      curatedBucket,
      lakeKey,
      retry,
    });
    this.windowFunction = this.windowMetrics.function;
    this.windowDeadLetterQueue = this.windowMetrics.deadLetterQueue;

    this.mobileRegistration = this.addMobilePush(config, key);
    this.alarms = this.addAlarms(props.operations, sc.iteratorAgeAlarmSeconds);
    this.addOperatorOutputs();
  }

  /** Resources of the flattened constructs keep the logical IDs of before the split. */
  protected override allocateLogicalId(element: CfnElement): string {
    return this.legacyIds.logicalId(element) ?? super.allocateLogicalId(element);
  }

  /** The optional push platform application and the phones' registration API on it (issue 17). */
  private addMobilePush(config: PlatformConfig, key: kms.IKey): MobileRegistration | undefined {
    const sc = config.streaming;
    if (sc.mobilePushSecretArn === undefined) return undefined;
    const push = new MobilePush(this, 'MobilePush', { secretArn: sc.mobilePushSecretArn, key });
    // Validation guarantees the push application exists when registration is enabled.
    if (!sc.mobileRegistration.enabled) return undefined;
    return new MobileRegistration(this, 'MobileRegistration', {
      platformApplicationArn: push.platformApplicationArn,
      alertTopic: this.alertTopic,
      key,
      maxDevicesPerUser: sc.mobileRegistration.maxDevicesPerUser,
      removalPolicy: dataRemovalPolicy(config.dataRemoval),
    });
  }

  private addAlarms(operations: OperationsTopic, iteratorAgeAlarmSeconds: number): cloudwatch.Alarm[] {
    return new StreamingAlarms(this, 'StreamingAlarms', {
      stream: this.stream,
      deliveryStream: this.deliveryStream,
      consumers: [
        { name: 'Anomaly', function: this.anomalyFunction, deadLetterQueue: this.anomalyDeadLetterQueue },
        { name: 'Window', function: this.windowFunction, deadLetterQueue: this.windowDeadLetterQueue },
      ],
      anomalyMetrics: this.anomalyFunction,
      iteratorAgeAlarmSeconds,
      operations,
    }).alarms;
  }

  /** Stack outputs an operator needs after a deploy (`smart-factory simulate --to kinesis:<StreamName>`). */
  private addOperatorOutputs(): void {
    addOperatorOutputs(this, {
      StreamName: { value: this.stream.streamName, description: 'Kinesis telemetry stream (KMS-encrypted)' },
      StreamArn: { value: this.stream.streamArn, description: 'ARN of the Kinesis telemetry stream' },
      TelemetryTopicFilter: {
        value: TELEMETRY_TOPIC_FILTER,
        description: 'IoT Core topic devices publish to (device id in the second segment)',
      },
      AlertTopicArn: {
        value: this.alertTopic.topicArn,
        description: 'SNS topic of anomaly alerts (streaming.alertEmails are subscribed; confirm the e-mail)',
      },
      DeliveryStreamName: { value: this.deliveryStream.ref, description: 'Firehose stream -> raw zone' },
      AnomalyDeadLetterQueueUrl: {
        value: this.anomalyDeadLetterQueue.queueUrl,
        description: 'Failed anomaly batches (shard, sequence numbers) to replay from the stream',
      },
      WindowDeadLetterQueueUrl: {
        value: this.windowDeadLetterQueue.queueUrl,
        description: 'Failed window batches (shard, sequence numbers) to replay from the stream',
      },
    });
  }
}
