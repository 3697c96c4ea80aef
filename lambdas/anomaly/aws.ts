import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { PublishCommand } from '@aws-sdk/client-sns';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { snsMessage, type Alert } from './alerts';
import {
  type AlertPublisher,
  type DeadLetter,
  type DeadLetterSink,
  type QuarantineSink,
  StateConflictError,
  type StateStore,
} from './core';

/** The one method of an AWS SDK v3 client the adapters use; tests pass recording fakes at this boundary. */
export interface SendClient {
  send(command: unknown): Promise<unknown>;
}

function errorName(e: unknown): string {
  return (e as { name?: string }).name ?? '';
}

/** Device snapshots as S3 objects `<prefix><deviceId>.state`, written with conditional puts (If-Match/If-None-Match). */
export class S3StateStore implements StateStore {
  constructor(
    private readonly s3: SendClient,
    private readonly bucket: string,
    private readonly prefix: string
  ) {}

  key(deviceId: string): string {
    return `${this.prefix}${deviceId}.state`;
  }

  async load(deviceId: string): Promise<{ bytes: Uint8Array; etag: string } | undefined> {
    try {
      const res = (await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key(deviceId) }))) as {
        Body?: { transformToByteArray(): Promise<Uint8Array> };
        ETag?: string;
      };
      if (res.Body === undefined || res.ETag === undefined) throw new Error(`empty S3 response for ${deviceId}`);
      return { bytes: await res.Body.transformToByteArray(), etag: res.ETag };
    } catch (e) {
      if (errorName(e) === 'NoSuchKey') return undefined;
      throw e;
    }
  }

  async save(deviceId: string, bytes: Uint8Array, etag: string | undefined): Promise<string> {
    try {
      const res = (await this.s3.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: this.key(deviceId),
          Body: bytes,
          ContentType: 'application/octet-stream',
          ...(etag === undefined ? { IfNoneMatch: '*' } : { IfMatch: etag }),
        })
      )) as { ETag?: string };
      if (res.ETag === undefined) throw new Error(`S3 returned no ETag for ${deviceId}`);
      return res.ETag;
    } catch (e) {
      const n = errorName(e);
      if (n === 'PreconditionFailed' || n === 'ConditionalRequestConflict') {
        throw new StateConflictError(`snapshot of ${deviceId} changed since it was read (${n})`);
      }
      throw e;
    }
  }
}

/** Moves unreadable snapshots aside: `<prefix>quarantine/<deviceId>/<epoch ms>.state`, with the reason as metadata. */
export class S3QuarantineSink implements QuarantineSink {
  constructor(
    private readonly s3: SendClient,
    private readonly bucket: string,
    private readonly prefix: string,
    private readonly now: () => number = Date.now
  ) {}
  async quarantine(deviceId: string, bytes: Uint8Array, reason: string): Promise<string> {
    const key = `${this.prefix}quarantine/${deviceId}/${this.now()}.state`;
    await this.s3.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: bytes,
        ContentType: 'application/octet-stream',
        // S3 user metadata is ASCII: keep the reason printable.
        Metadata: { reason: reason.replace(/[^\x20-\x7e]/g, '?').slice(0, 1024) },
      })
    );
    return key;
  }
}

export class SnsAlertPublisher implements AlertPublisher {
  constructor(
    private readonly sns: SendClient,
    private readonly topicArn: string,
    /** The `factory` message attribute phones filter on (FACTORY_ID). */
    private readonly factory?: string
  ) {}
  async publish(alert: Alert): Promise<void> {
    const context = this.factory !== undefined ? { factory: this.factory } : {};
    await this.sns.send(new PublishCommand({ TopicArn: this.topicArn, ...snsMessage(alert, context) }));
  }
}

export class SqsDeadLetterSink implements DeadLetterSink {
  constructor(
    private readonly sqs: SendClient,
    private readonly queueUrl: string
  ) {}
  async send(letter: DeadLetter): Promise<void> {
    await this.sqs.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: JSON.stringify(letter),
        MessageAttributes: {
          source: { DataType: 'String', StringValue: letter.source },
          reason: { DataType: 'String', StringValue: letter.reason.slice(0, 256) },
        },
      })
    );
  }
}
