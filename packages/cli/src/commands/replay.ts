import { readFileSync } from 'node:fs';
import type { GetRecordsCommand, GetShardIteratorCommand } from '@aws-sdk/client-kinesis';
import { httpHandlerSdk, kinesisSdk, lambdaSdk } from '../aws';
import { type Command, type CommandIO, UsageError, parseOptions } from '../command';

const usage = `Usage: smart-factory replay --function <name|arn> (--dlq-message <file> | --stream <name> --shard <id>
                             --from <sequence> --to <sequence>) [--batch N] [--endpoint URL] [--region R]

Re-reads records the Kinesis event source gave up on (retries exhausted or older than the maximum record age) from
the stream, within its retention, and feeds them to the anomaly function as Lambda's Kinesis events, in order.
The handler skips records it already applied (per-device sequence numbers) and alerts carry deterministic ids, so a
replay is idempotent: run it again, or over a wider range, without doubling anything.

  --function F      the anomaly function (name or ARN) to invoke with the records (RequestResponse)
  --dlq-message P   a message of the function's on-failure queue (its body or the whole SQS message, JSON): the
                    shard and the sequence range come from its KinesisBatchInfo
  --stream S        stream name (when not using --dlq-message)
  --shard ID        shard id, e.g. shardId-000000000003
  --from SEQ        first sequence number (inclusive)
  --to SEQ          last sequence number (inclusive)
  --batch N         records per invocation (default 100)
  --endpoint URL    Kinesis endpoint (e.g. a local kinesalite); --region defaults to AWS_REGION or us-east-1`;

/** What Lambda's on-failure destination records for a Kinesis batch. */
export interface KinesisBatchInfo {
  readonly shardId: string;
  readonly startSequenceNumber: string;
  readonly endSequenceNumber: string;
  readonly streamArn?: string;
  readonly batchSize?: number;
}

/** Extracts KinesisBatchInfo from an on-failure message (SQS message, its body, or the invocation record). */
export function batchInfoOf(message: unknown): KinesisBatchInfo {
  let m = message as Record<string, unknown>;
  if (typeof m?.['Body'] === 'string') m = JSON.parse(m['Body']) as Record<string, unknown>;
  if (typeof m?.['body'] === 'string') m = JSON.parse(m['body']) as Record<string, unknown>;
  const info = m?.['KinesisBatchInfo'] as Partial<KinesisBatchInfo> | undefined;
  if (info === undefined || typeof info !== 'object') {
    throw new UsageError('the message has no KinesisBatchInfo (is it from the anomaly function’s on-failure queue?)');
  }
  for (const k of ['shardId', 'startSequenceNumber', 'endSequenceNumber'] as const) {
    if (typeof info[k] !== 'string' || info[k] === '') throw new UsageError(`KinesisBatchInfo.${k} is missing`);
  }
  return info as KinesisBatchInfo;
}

/** A record as Lambda's Kinesis event source delivers it. */
export interface LambdaKinesisRecord {
  eventID: string;
  eventName: 'aws:kinesis:record';
  eventSource: 'aws:kinesis';
  eventSourceARN: string;
  eventVersion: '1.0';
  awsRegion: string;
  invokeIdentityArn: string;
  kinesis: {
    kinesisSchemaVersion: '1.0';
    partitionKey: string;
    sequenceNumber: string;
    data: string;
    approximateArrivalTimestamp: number;
  };
}

export interface ReplayRange {
  readonly stream: string;
  readonly shardId: string;
  readonly from: string;
  readonly to: string;
  readonly batch: number;
  readonly region: string;
}

export interface KinesisReader {
  send(command: GetShardIteratorCommand | GetRecordsCommand): Promise<unknown>;
}

/**
 * Reads [from, to] of one shard (AT_SEQUENCE_NUMBER, then GetRecords until past `to`) and hands the records to
 * `invoke` in batches, in order. Resolves to the number of records replayed; a failed invocation (batch-item failures
 * or an error) stops the replay with an error naming the first sequence number to resume from.
 */
export async function replayRange(
  kinesis: KinesisReader,
  range: ReplayRange,
  invoke: (event: { Records: LambdaKinesisRecord[] }) => Promise<{ batchItemFailures?: { itemIdentifier: string }[] }>
): Promise<number> {
  const to = BigInt(range.to);
  if (BigInt(range.from) > to) throw new UsageError('--from is after --to');
  const it = (await kinesis.send(
    new (kinesisSdk().GetShardIteratorCommand)({
      StreamName: range.stream,
      ShardId: range.shardId,
      ShardIteratorType: 'AT_SEQUENCE_NUMBER',
      StartingSequenceNumber: range.from,
    })
  )) as { ShardIterator?: string };
  let iterator = it.ShardIterator;
  const arn = `arn:aws:kinesis:${range.region}:000000000000:stream/${range.stream}`;
  let pending: LambdaKinesisRecord[] = [];
  let replayed = 0;
  const flush = async () => {
    if (pending.length === 0) return;
    const res = await invoke({ Records: pending });
    const failed = res.batchItemFailures ?? [];
    if (failed.length > 0) {
      const lowest = failed.map((f) => BigInt(f.itemIdentifier)).reduce((a, b) => (a < b ? a : b));
      throw new Error(`the function reported failures; resume with --from ${lowest}`);
    }
    replayed += pending.length;
    pending = [];
  };
  let done = false;
  while (iterator !== undefined && !done) {
    const r = (await kinesis.send(new (kinesisSdk().GetRecordsCommand)({ ShardIterator: iterator, Limit: 1000 }))) as {
      Records?: {
        SequenceNumber?: string;
        PartitionKey?: string;
        Data?: Uint8Array;
        ApproximateArrivalTimestamp?: Date;
      }[];
      NextShardIterator?: string;
      MillisBehindLatest?: number;
    };
    for (const x of r.Records ?? []) {
      if (BigInt(x.SequenceNumber!) > to) {
        done = true;
        break;
      }
      pending.push({
        eventID: `${range.shardId}:${x.SequenceNumber!}`,
        eventName: 'aws:kinesis:record',
        eventSource: 'aws:kinesis',
        eventSourceARN: arn,
        eventVersion: '1.0',
        awsRegion: range.region,
        invokeIdentityArn: 'arn:aws:iam::000000000000:role/smart-factory-replay',
        kinesis: {
          kinesisSchemaVersion: '1.0',
          partitionKey: x.PartitionKey!,
          sequenceNumber: x.SequenceNumber!,
          data: Buffer.from(x.Data!).toString('base64'),
          approximateArrivalTimestamp: (x.ApproximateArrivalTimestamp?.getTime() ?? Date.now()) / 1000,
        },
      });
      if (BigInt(x.SequenceNumber!) === to) done = true;
      if (pending.length >= range.batch) await flush();
      if (done) break;
    }
    if ((r.Records ?? []).length === 0 && r.MillisBehindLatest === 0) break;
    iterator = r.NextShardIterator;
  }
  await flush();
  return replayed;
}

export const replayCommand: Command = {
  name: 'replay',
  summary: 'Re-read records the anomaly function gave up on from the stream and feed them to it again',
  usage,
  async run(argv: readonly string[], io: CommandIO): Promise<number> {
    const o = parseOptions(argv, {
      function: { type: 'string' },
      'dlq-message': { type: 'string' },
      stream: { type: 'string' },
      shard: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      batch: { type: 'string', default: '100' },
      endpoint: { type: 'string' },
      region: { type: 'string' },
    });
    if (o.function === undefined) throw new UsageError('--function is required');
    const region = o.region ?? process.env['AWS_REGION'] ?? 'us-east-1';
    let stream = o.stream;
    let shardId = o.shard;
    let from = o.from;
    let to = o.to;
    if (o['dlq-message'] !== undefined) {
      const info = batchInfoOf(JSON.parse(readFileSync(o['dlq-message'], 'utf8')));
      shardId = info.shardId;
      from = info.startSequenceNumber;
      to = info.endSequenceNumber;
      stream ??= info.streamArn?.split('/').pop();
    }
    if (stream === undefined || shardId === undefined || from === undefined || to === undefined) {
      throw new UsageError('give --dlq-message, or --stream, --shard, --from and --to');
    }
    for (const [k, v] of [
      ['from', from],
      ['to', to],
    ] as const) {
      if (!/^\d+$/.test(v)) throw new UsageError(`--${k} must be a Kinesis sequence number (digits), got "${v}"`);
    }
    const batch = Number(o.batch);
    if (!Number.isInteger(batch) || batch < 1 || batch > 10_000) throw new UsageError('--batch must be 1..10000');
    const { KinesisClient } = kinesisSdk();
    const { LambdaClient, InvokeCommand } = lambdaSdk();
    const { NodeHttpHandler } = httpHandlerSdk();
    const kinesis = new KinesisClient({
      region,
      ...(o.endpoint !== undefined ? { endpoint: o.endpoint, requestHandler: new NodeHttpHandler() } : {}),
    });
    const lambda = new LambdaClient({ region });
    try {
      const n = await replayRange(kinesis, { stream, shardId, from, to, batch, region }, async (event) => {
        const res = await lambda.send(
          new InvokeCommand({ FunctionName: o.function, Payload: new TextEncoder().encode(JSON.stringify(event)) })
        );
        const text = new TextDecoder().decode(res.Payload ?? new Uint8Array());
        if (res.FunctionError !== undefined) throw new Error(`function error: ${text}`);
        return JSON.parse(text === '' ? '{}' : text) as { batchItemFailures?: { itemIdentifier: string }[] };
      });
      io.stdout.write(`replayed ${n} record(s) of ${stream}/${shardId} [${from} … ${to}] through ${o.function}\n`);
      return 0;
    } finally {
      kinesis.destroy();
      lambda.destroy();
    }
  },
};
