import type { AddressInfo } from 'node:net';
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListShardsCommand,
} from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { KinesisStreamRecord } from 'aws-lambda';

// kinesalite has no type declarations.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const kinesalite = require('kinesalite') as (opts: object) => {
  listen(port: number, host: string, cb: () => void): void;
  address(): AddressInfo;
  close(cb?: () => void): void;
};

export const FAKE_CREDENTIALS = { accessKeyId: 'AKIDLOCALTEST', secretAccessKey: 'local-test-secret' };

/** A real Kinesis-compatible server (kinesalite, in memory) on 127.0.0.1 and an SDK client for it. */
export async function startKinesalite(): Promise<{ endpoint: string; client: KinesisClient; close(): Promise<void> }> {
  const server = kinesalite({ createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0, shardLimit: 50 });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const endpoint = `http://127.0.0.1:${server.address().port}`;
  const client = new KinesisClient({
    endpoint,
    region: 'us-east-1',
    credentials: FAKE_CREDENTIALS,
    requestHandler: new NodeHttpHandler(),
  });
  return {
    endpoint,
    client,
    close: () =>
      new Promise<void>((r) => {
        client.destroy();
        server.close(() => r());
      }),
  };
}

export async function createStream(client: KinesisClient, name: string, shards: number): Promise<void> {
  await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
  for (let i = 0; i < 100; i++) {
    const d = await client.send(new DescribeStreamSummaryCommand({ StreamName: name }));
    if (d.StreamDescriptionSummary?.StreamStatus === 'ACTIVE') return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`stream ${name} did not become ACTIVE`);
}

/**
 * Reads every record of every shard (TRIM_HORIZON) with GetShardIterator/GetRecords and converts them into the
 * records Lambda delivers for a Kinesis event source (base64 data, sequence number, partition key, eventID).
 */
export async function readShards(client: KinesisClient, stream: string): Promise<Map<string, KinesisStreamRecord[]>> {
  const out = new Map<string, KinesisStreamRecord[]>();
  const shards = (await client.send(new ListShardsCommand({ StreamName: stream }))).Shards ?? [];
  for (const s of shards) {
    const shardId = s.ShardId!;
    const records: KinesisStreamRecord[] = [];
    let it = (
      await client.send(
        new GetShardIteratorCommand({ StreamName: stream, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' })
      )
    ).ShardIterator;
    while (it !== undefined) {
      const r = await client.send(new GetRecordsCommand({ ShardIterator: it, Limit: 10_000 }));
      for (const x of r.Records ?? []) {
        records.push({
          awsRegion: 'us-east-1',
          eventID: `${shardId}:${x.SequenceNumber!}`,
          eventName: 'aws:kinesis:record',
          eventSource: 'aws:kinesis',
          eventSourceARN: `arn:aws:kinesis:us-east-1:000000000000:stream/${stream}`,
          eventVersion: '1.0',
          invokeIdentityArn: 'arn:aws:iam::000000000000:role/test',
          kinesis: {
            kinesisSchemaVersion: '1.0',
            partitionKey: x.PartitionKey!,
            sequenceNumber: x.SequenceNumber!,
            data: Buffer.from(x.Data!).toString('base64'),
            approximateArrivalTimestamp: x.ApproximateArrivalTimestamp!.getTime() / 1000,
          },
        });
      }
      if ((r.Records ?? []).length === 0 || r.MillisBehindLatest === 0) it = undefined;
      else it = r.NextShardIterator;
    }
    out.set(shardId, records);
  }
  return out;
}
