import { Duration } from 'aws-cdk-lib';
import type * as kinesis from 'aws-cdk-lib/aws-kinesis';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sources from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { LakeLayout } from '../lake/lake-layout';
import { PlatformFunction } from '../shared/platform-function';
import { DeadLetterQueue } from './dead-letter-queue';
import type { EventSourceRetry } from './event-source';
import { acknowledgeGrantWildcards, grantLakePrefix } from './lake-grants';

/** Tumbling window of the window function (seconds). */
export const WINDOW_SECONDS = 180;

export interface WindowMetricsProps {
  readonly stream: kinesis.IStream;
  /** The streaming key: dead-letter queue, function environment and logs. */
  readonly key: kms.IKey;
  /** Curated zone: one object per window under `LakeLayout.curatedWindows`. */
  readonly curatedBucket: s3.IBucket;
  /** The lake's key (encrypts the curated zone). */
  readonly lakeKey: kms.IKey;
  readonly retry: EventSourceRetry;
}

/**
 * Window metrics: the window function keeps a 10-second moving average of temperature per device over a 180-second
 * tumbling window of the telemetry stream (Lambda window state), writes EMF metrics and one curated object per window;
 * batches that exhaust their retries go to the dead-letter queue.
 */
export class WindowMetrics extends Construct {
  readonly deadLetterQueue: DeadLetterQueue;
  readonly function: PlatformFunction;

  constructor(scope: Construct, id: string, props: WindowMetricsProps) {
    super(scope, id);
    this.deadLetterQueue = new DeadLetterQueue(this, 'WindowDeadLetterQueue', props.key);
    this.function = this.createFunction(props);
    this.consumeStream(props.stream, props.retry);
  }

  private createFunction(props: WindowMetricsProps): PlatformFunction {
    const fn = new PlatformFunction(this, 'WindowFunction', {
      lambdaDir: 'window',
      serviceName: 'window',
      description: '10-second moving average of temperature per device, per 180-second tumbling window',
      timeout: Duration.minutes(1),
      memorySize: 512,
      key: props.key,
      environment: { CURATED_BUCKET: props.curatedBucket.bucketName, WINDOWS_PREFIX: LakeLayout.curatedWindows },
    });
    grantLakePrefix(fn, props.curatedBucket, LakeLayout.curatedWindows, ['s3:PutObject'], 'One object per window.');
    props.lakeKey.grant(fn, 'kms:GenerateDataKey');
    return fn;
  }

  private consumeStream(stream: kinesis.IStream, retry: EventSourceRetry): void {
    this.function.addEventSource(
      new sources.KinesisEventSource(stream, {
        startingPosition: lambda.StartingPosition.TRIM_HORIZON,
        batchSize: 500,
        tumblingWindow: Duration.seconds(WINDOW_SECONDS),
        bisectBatchOnError: true,
        retryAttempts: retry.retryAttempts,
        maxRecordAge: Duration.seconds(retry.maxRecordAgeSeconds),
        reportBatchItemFailures: true,
        onFailure: new sources.SqsDlq(this.deadLetterQueue),
      })
    );
    acknowledgeGrantWildcards(this.function);
  }
}
