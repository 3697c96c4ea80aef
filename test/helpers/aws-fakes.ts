import { createHash } from 'node:crypto';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { PublishCommand, type PublishCommandInput } from '@aws-sdk/client-sns';
import { SendMessageCommand, type SendMessageCommandInput } from '@aws-sdk/client-sqs';

const awsError = (name: string, message: string) => Object.assign(new Error(message), { name });

/**
 * In-memory S3 at the SDK client boundary: stores and returns bytes, computes MD5 ETags and honours the conditional
 * headers If-Match / If-None-Match of PutObject (412 PreconditionFailed), like S3. `failPut` injects failures.
 */
export class FakeS3 {
  readonly objects = new Map<string, { bytes: Uint8Array; etag: string }>();
  readonly calls: string[] = [];
  /** Return true to make this PutObject fail with a 500 (the object is not written). */
  failPut: (key: string, n: number) => boolean = () => false;
  private puts = 0;

  async send(command: unknown): Promise<unknown> {
    if (command instanceof GetObjectCommand) {
      const key = `${command.input.Bucket}/${command.input.Key}`;
      this.calls.push(`GetObject ${key}`);
      const o = this.objects.get(key);
      if (o === undefined) throw awsError('NoSuchKey', 'The specified key does not exist.');
      const bytes = o.bytes.slice();
      return { Body: { transformToByteArray: async () => bytes }, ETag: o.etag };
    }
    if (command instanceof PutObjectCommand) {
      const { Bucket, Key, Body, IfMatch, IfNoneMatch } = command.input;
      const key = `${Bucket}/${Key}`;
      this.calls.push(`PutObject ${key}`);
      if (this.failPut(key, this.puts++)) throw awsError('InternalError', 'injected failure');
      const cur = this.objects.get(key);
      if (IfNoneMatch === '*' && cur !== undefined) throw awsError('PreconditionFailed', 'object exists');
      if (IfMatch !== undefined && cur?.etag !== IfMatch) throw awsError('PreconditionFailed', 'etag mismatch');
      const bytes =
        typeof Body === 'string' ? new Uint8Array(Buffer.from(Body, 'utf8')) : new Uint8Array(Body as Uint8Array);
      const etag = `"${createHash('md5').update(bytes).digest('hex')}"`;
      this.objects.set(key, { bytes, etag });
      return { ETag: etag };
    }
    throw new Error(`FakeS3: unexpected command ${(command as object).constructor.name}`);
  }

  clone(): FakeS3 {
    const c = new FakeS3();
    for (const [k, v] of this.objects) c.objects.set(k, { bytes: v.bytes.slice(), etag: v.etag });
    return c;
  }
}

export class FakeSns {
  readonly published: PublishCommandInput[] = [];
  failPublish: (n: number) => boolean = () => false;
  private n = 0;
  async send(command: unknown): Promise<unknown> {
    if (!(command instanceof PublishCommand)) throw new Error('FakeSns: unexpected command');
    if (this.failPublish(this.n++)) throw awsError('InternalErrorException', 'injected failure');
    this.published.push(command.input);
    return { MessageId: String(this.published.length) };
  }
}

export class FakeSqs {
  readonly sent: SendMessageCommandInput[] = [];
  async send(command: unknown): Promise<unknown> {
    if (!(command instanceof SendMessageCommand)) throw new Error('FakeSqs: unexpected command');
    this.sent.push(command.input);
    return { MessageId: String(this.sent.length) };
  }
}
