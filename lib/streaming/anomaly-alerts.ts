import { Duration } from 'aws-cdk-lib';
import type * as kinesis from 'aws-cdk-lib/aws-kinesis';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sources from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { LakeLayout } from '../lake/lake-layout';
import { subscribeEmails } from '../shared/operator-outputs';
import { PlatformFunction } from '../shared/platform-function';
import { DeadLetterQueue } from './dead-letter-queue';
import type { EventSourceRetry } from './event-source';
import { acknowledgeGrantWildcards, grantLakePrefix } from './lake-grants';
import type { StreamingSizing } from './sizing';

export interface AnomalyAlertSettings {
  /** Anomaly score at or above which a reading raises an alert. */
  readonly threshold: number;
  /** Per-device quiet period after an alert (reading time). */
  readonly cooldownSeconds: number;
  /** E-mail addresses subscribed to the alert topic. */
  readonly emails: readonly string[];
  /** Factory id put into every alert. */
  readonly factoryId: string;
  /** IANA time zone of the alert's local time. */
  readonly timeZone: string;
}

/** Scale of the anomaly function and its event source (`sizeStreaming` in sizing.ts). */
export type AnomalyScale = Pick<
  StreamingSizing,
  | 'parallelizationFactor'
  | 'batchSize'
  | 'maxBatchingWindowSeconds'
  | 'memoryMb'
  | 'timeoutSeconds'
  | 'cacheMaxMb'
  | 'checkpointIntervalSeconds'
>;

export interface AnomalyAlertsProps {
  readonly stream: kinesis.IStream;
  /** The streaming key: topic, dead-letter queue, function environment and logs. */
  readonly key: kms.IKey;
  /** Curated zone: one model snapshot per device under `LakeLayout.curatedAnomalyState`. */
  readonly curatedBucket: s3.IBucket;
  /** The lake's key (encrypts the curated zone). */
  readonly lakeKey: kms.IKey;
  readonly alerts: AnomalyAlertSettings;
  readonly retry: EventSourceRetry;
  readonly scale: AnomalyScale;
}

/**
 * Anomaly alerts: the anomaly function reads the telemetry stream, scores every reading with the device's Random Cut
 * Forest (snapshots in the curated zone) and publishes alerts to an encrypted SNS topic; malformed readings and
 * batches that exhaust their retries go to the dead-letter queue.
 */
export class AnomalyAlerts extends Construct {
  readonly deadLetterQueue: DeadLetterQueue;
  readonly alertTopic: sns.Topic;
  readonly function: PlatformFunction;

  constructor(scope: Construct, id: string, props: AnomalyAlertsProps) {
    super(scope, id);
    this.deadLetterQueue = new DeadLetterQueue(this, 'AnomalyDeadLetterQueue', props.key);
    this.alertTopic = this.createAlertTopic(props.key, props.alerts.emails);
    this.function = this.createFunction(props);
    this.grantFunction(props);
    this.consumeStream(props.stream, props.retry, props.scale);
  }

  private createAlertTopic(key: kms.IKey, emails: readonly string[]): sns.Topic {
    const topic = new sns.Topic(this, 'AlertTopic', {
      displayName: 'Smart-factory anomaly alerts',
      masterKey: key,
      enforceSSL: true,
    });
    subscribeEmails(topic, emails, 'anomaly alert', 'streaming.alertEmails');
    return topic;
  }

  private createFunction(props: AnomalyAlertsProps): PlatformFunction {
    const { alerts, scale } = props;
    return new PlatformFunction(this, 'AnomalyFunction', {
      lambdaDir: 'anomaly',
      serviceName: 'anomaly',
      description: 'Per-device Random Cut Forest over the telemetry stream; alerts to SNS; snapshots in the lake',
      timeout: Duration.seconds(scale.timeoutSeconds),
      memorySize: scale.memoryMb,
      key: props.key,
      environment: {
        STATE_BUCKET: props.curatedBucket.bucketName,
        STATE_PREFIX: LakeLayout.curatedAnomalyState,
        ALERT_TOPIC_ARN: this.alertTopic.topicArn,
        DEAD_LETTER_QUEUE_URL: this.deadLetterQueue.queueUrl,
        ALERT_THRESHOLD: String(alerts.threshold),
        ALERT_COOLDOWN_SECONDS: String(alerts.cooldownSeconds),
        TIME_ZONE: alerts.timeZone,
        FACTORY_ID: alerts.factoryId,
        CACHE_MAX_MB: String(scale.cacheMaxMb),
        CHECKPOINT_INTERVAL_SECONDS: String(scale.checkpointIntervalSeconds),
      },
    });
  }

  private grantFunction(props: AnomalyAlertsProps): void {
    const fn = this.function;
    const snapshots = ['s3:GetObject', 's3:PutObject'];
    grantLakePrefix(
      fn,
      props.curatedBucket,
      LakeLayout.curatedAnomalyState,
      snapshots,
      'One model snapshot object per device.'
    );
    props.lakeKey.grant(fn, 'kms:Decrypt', 'kms:GenerateDataKey');
    this.alertTopic.grantPublish(fn);
    this.deadLetterQueue.grantSendMessages(fn);
  }

  private consumeStream(stream: kinesis.IStream, retry: EventSourceRetry, scale: AnomalyScale): void {
    this.function.addEventSource(
      new sources.KinesisEventSource(stream, {
        startingPosition: lambda.StartingPosition.TRIM_HORIZON,
        batchSize: scale.batchSize,
        maxBatchingWindow: Duration.seconds(scale.maxBatchingWindowSeconds),
        bisectBatchOnError: true,
        retryAttempts: retry.retryAttempts,
        maxRecordAge: Duration.seconds(retry.maxRecordAgeSeconds),
        reportBatchItemFailures: true,
        parallelizationFactor: scale.parallelizationFactor,
        onFailure: new sources.SqsDlq(this.deadLetterQueue),
      })
    );
    acknowledgeGrantWildcards(this.function);
  }
}
