import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { PublishCommand, type PublishCommandInput } from '@aws-sdk/client-sns';
import type { KinesisStreamRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { batchInfoOf, replayRange } from '../../packages/cli/src/commands/replay';
import { simulate } from '../../packages/cli/src/simulator/generator';
import { putRecordsWithRetry } from '../../packages/cli/src/simulator/kinesis-put';
import { FakeSqs } from '../../test/helpers/aws-fakes';
import { createStream, readShards, startKinesalite } from '../../test/helpers/kinesalite';
import { type LocalS3, startMotoS3 } from '../../test/helpers/moto';
import type { Alert } from './alerts';
import type { CachedDevice } from './core';
import { createAnomalyHandler, rcfModels, type AnomalyHandlerSettings } from './handler';
import { decodeState } from './state';

// The five failure scenarios of issue 14 against kinesalite (the stream) and moto (S3, started and stopped here).
vi.hoisted(() => {
  process.env['POWERTOOLS_LOG_LEVEL'] = 'SILENT';
  process.env['POWERTOOLS_METRICS_DISABLED'] = 'true';
  process.env['POWERTOOLS_METRICS_NAMESPACE'] = 'Test';
});

const STREAM = 'telemetry';
const BASE: Omit<AnomalyHandlerSettings, 'stateBucket'> = {
  statePrefix: 'state/anomaly/',
  alertTopicArn: 'arn:aws:sns:ap-northeast-2:123456789012:alerts',
  deadLetterQueueUrl: 'https://sqs.ap-northeast-2.amazonaws.com/123456789012/anomaly-dlq',
  threshold: 0.7,
  cooldownMs: 120_000,
  timeZone: 'Asia/Seoul',
  checkpointIntervalMs: 60_000,
};
const DEVICES = ['press-001', 'press-002', 'press-003'];
const BATCH = 200;

let s3: LocalS3;
let k: Awaited<ReturnType<typeof startKinesalite>>;
let records: KinesisStreamRecord[];
let shardId: string;
let buckets = 0;

beforeAll(async () => {
  k = await startKinesalite();
  {
    await createStream(k.client, STREAM, 1);
    const startMs = Date.parse('2026-11-25T00:00:00Z');
    const readings = [...simulate({ devices: 3, rate: 1, durationSeconds: 700, startMs, seed: 11, faults: true })];
    await putRecordsWithRetry(k.client, STREAM, [
      { data: Buffer.from('not json at all'), partitionKey: 'press-002' },
      ...readings.map((r) => ({ data: Buffer.from(JSON.stringify(r.reading)), partitionKey: r.reading.device_id })),
    ]);
    const shards = await readShards(k.client, STREAM);
    [[shardId, records]] = [...shards] as [[string, KinesisStreamRecord[]]];
    // Arrival time as if live (the checkpoint interval runs on it): the reading's own time.
    for (const r of records) {
      const body = Buffer.from(r.kinesis.data, 'base64').toString('utf8');
      const ts = body.startsWith('{') ? Date.parse((JSON.parse(body) as { ts: string }).ts) : startMs;
      r.kinesis.approximateArrivalTimestamp = ts / 1000;
    }
  }
  s3 = await startMotoS3();
}, 120_000);

afterAll(async () => {
  await s3?.stop();
  await k?.close();
});

interface Published {
  input: PublishCommandInput;
  /** Whether the alert's id was in the stored snapshot of its device at the moment of publishing. */
  durable: boolean;
}

/** SNS at the client boundary: records each publish and checks, in moto, that its intent was durable first. */
function sns(bucket: string, published: Published[]) {
  return {
    send: async (c: unknown) => {
      if (!(c instanceof PublishCommand)) throw new Error('unexpected SNS command');
      const alert = JSON.parse((JSON.parse(c.input.Message!) as { sqs: string }).sqs) as Alert;
      const o = await s3.client.send(
        new GetObjectCommand({ Bucket: bucket, Key: `${BASE.statePrefix}${alert.device_id}.state` })
      );
      const stored = decodeState(await o.Body!.transformToByteArray(), rcfModels);
      published.push({ input: c.input, durable: stored.pendingAlerts.some((a) => a.alert_id === alert.alert_id) });
      return { MessageId: String(published.length) };
    },
  };
}

/** S3 client wrapper for fault injection; counts 412s (stale copies detected). */
function faultyS3(hook: (key: string) => void) {
  const stats = { preconditionFailed: 0 };
  const client = {
    send: async (c: unknown) => {
      if (c instanceof PutObjectCommand) hook(c.input.Key!);
      try {
        return await s3.client.send(c as never);
      } catch (e) {
        if ((e as Error).name === 'PreconditionFailed') stats.preconditionFailed++;
        throw e;
      }
    },
  };
  return { client, stats };
}

async function newBucket(): Promise<string> {
  const b = `state-${++buckets}-${Date.now()}`;
  await s3.createBucket(b);
  return b;
}

interface Env {
  cache: Map<string, CachedDevice>;
  handler: ReturnType<typeof createAnomalyHandler>;
}

function env(bucket: string, s3Client: { send(c: unknown): Promise<unknown> }, published: Published[], sqs: FakeSqs) {
  const cache = new Map<string, CachedDevice>();
  return {
    cache,
    handler: createAnomalyHandler(
      { s3: s3Client, sns: sns(bucket, published), sqs },
      { ...BASE, stateBucket: bucket },
      rcfModels,
      cache
    ),
  };
}

/**
 * Delivers like Lambda: batches of BATCH; on batch-item failures resume at the lowest failed sequence number; an
 * invocation that throws (a crash) is retried from the same position. `pick` chooses the environment per invocation.
 */
async function deliver(rs: KinesisStreamRecord[], pick: (n: number) => Env): Promise<{ failures: number }> {
  let pos = 0;
  let n = 0;
  let failures = 0;
  while (pos < rs.length) {
    if (++n > 2000) throw new Error('too many invocations');
    const batch = rs.slice(pos, pos + BATCH);
    let res;
    try {
      res = await pick(n).handler({ Records: batch });
    } catch {
      failures++;
      continue;
    }
    if (res.batchItemFailures.length === 0) {
      pos += batch.length;
      continue;
    }
    failures++;
    const lowest = res.batchItemFailures.map((f) => BigInt(f.itemIdentifier)).reduce((a, b) => (a < b ? a : b));
    pos = rs.findIndex((r) => BigInt(r.kinesis.sequenceNumber) === lowest);
  }
  return { failures };
}

const alertOf = (p: Published) => JSON.parse((JSON.parse(p.input.Message!) as { sqs: string }).sqs) as Alert;
const ids = (ps: Published[]) => ps.map((p) => alertOf(p).alert_id);

/** After dropping duplicates by alert id, a device's alerts are at least the cooldown apart (none doubled). */
function expectNoDoubledAlerts(ps: Published[]): void {
  const unique = new Map(ps.map((p) => [alertOf(p).alert_id, alertOf(p)]));
  for (const d of DEVICES) {
    const times = [...unique.values()]
      .filter((a) => a.device_id === d)
      .map((a) => Date.parse(a.ts))
      .sort((a, b) => a - b);
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(BASE.cooldownMs);
  }
  for (const p of ps) {
    expect(p.durable).toBe(true);
    expect(p.input.MessageAttributes?.['alert_id']?.StringValue).toBe(alertOf(p).alert_id);
  }
}

describe('anomaly handler under failures (kinesalite stream, moto S3)', () => {
  let reference: Published[];
  let referenceCache: Map<string, CachedDevice>;
  let referenceSqs: FakeSqs;

  beforeAll(async () => {
    const bucket = await newBucket();
    reference = [];
    referenceSqs = new FakeSqs();
    const e = env(bucket, s3.client, reference, referenceSqs);
    const res = await deliver(records, () => e);
    expect(res.failures).toBe(0);
    referenceCache = e.cache;
  }, 120_000);

  it('poison record: dead-lettered with its data, the shard moves on, every reading applied once', () => {
    expect(referenceSqs.sent).toHaveLength(1);
    const letter = JSON.parse(referenceSqs.sent[0]!.MessageBody!) as { reason: string; data: string };
    expect(letter.reason).toMatch(/^not JSON/);
    expect(Buffer.from(letter.data, 'base64').toString()).toBe('not json at all');
    for (const d of DEVICES) expect(referenceCache.get(d)!.state.pointsApplied).toBe(700);
    expect(reference.length).toBeGreaterThan(0);
    expectNoDoubledAlerts(reference);
    expect(new Set(ids(reference)).size).toBe(reference.length);
  });

  it('retried batch: failed state writes re-deliver records; none is applied twice, alerts are exactly the same', async () => {
    const bucket = await newBucket();
    let puts = 0;
    const { client } = faultyS3(() => {
      if (++puts % 4 === 2) throw Object.assign(new Error('injected'), { name: 'InternalError' });
    });
    const published: Published[] = [];
    const e = env(bucket, client, published, new FakeSqs());
    const res = await deliver(records, () => e);
    expect(res.failures).toBeGreaterThan(0);
    for (const d of DEVICES) {
      expect(e.cache.get(d)!.state.pointsApplied).toBe(700);
      expect(Buffer.from(e.cache.get(d)!.state.model.snapshot())).toEqual(
        Buffer.from(referenceCache.get(d)!.state.model.snapshot())
      );
    }
    expect(ids(published)).toEqual(ids(reference));
  }, 120_000);

  it('crash between publish and checkpoint: the alert is re-published with the same id, nothing else doubles', async () => {
    const bucket = await newBucket();
    const published: Published[] = [];
    let crashArmed = true;
    let crashed = false;
    const { client } = faultyS3((key) => {
      // The first write after the first publish (the one recording it as sent) dies with the environment.
      if (crashArmed && published.length === 1 && key.endsWith('.state')) {
        crashArmed = false;
        crashed = true;
        throw new Error('environment crashed');
      }
    });
    const sqs = new FakeSqs();
    let e = env(bucket, client, published, sqs);
    await deliver(records, () => {
      if (crashed) {
        crashed = false;
        e = env(bucket, client, published, sqs); // a new execution environment: empty cache
      }
      return e;
    });
    expect(crashArmed).toBe(false);
    const first = alertOf(published[0]!).alert_id;
    expect(ids(published).filter((id) => id === first)).toHaveLength(2);
    expect(ids(published).slice(0, 2)).toEqual([first, first]);
    expect(first).toBe(ids(reference)[0]);
    expectNoDoubledAlerts(published);
    for (const d of DEVICES) expect(e.cache.get(d)?.state.pointsApplied ?? 700).toBeGreaterThan(0);
  }, 120_000);

  it('two environments on the same devices: the stale one is caught at its conditional write, never publishes', async () => {
    const bucket = await newBucket();
    const published: Published[] = [];
    const { client, stats } = faultyS3(() => undefined);
    const sqs = new FakeSqs();
    const a = env(bucket, client, published, sqs);
    const b = env(bucket, client, published, sqs);
    // Lambda does not pin a shard to an environment: alternate in runs of three invocations.
    await deliver(records, (n) => (Math.floor(n / 3) % 2 === 0 ? a : b));
    expect(stats.preconditionFailed).toBeGreaterThan(0);
    expectNoDoubledAlerts(published);
    const fault = published.map(alertOf).filter((x) => x.device_id === 'press-001');
    expect(fault.length).toBeGreaterThan(0);
  }, 120_000);

  it('corrupt snapshot: moved aside under quarantine/, the device starts afresh, the shard moves on', async () => {
    const bucket = await newBucket();
    await s3.client.send(
      new PutObjectCommand({ Bucket: bucket, Key: `${BASE.statePrefix}press-002.state`, Body: 'garbage' })
    );
    const published: Published[] = [];
    const e = env(bucket, s3.client, published, new FakeSqs());
    const res = await deliver(records, () => e);
    expect(res.failures).toBe(0);
    const listed = await s3.client.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: `${BASE.statePrefix}quarantine/press-002/` })
    );
    expect(listed.Contents).toHaveLength(1);
    const kept = await s3.client.send(new GetObjectCommand({ Bucket: bucket, Key: listed.Contents![0]!.Key! }));
    expect(await kept.Body!.transformToString()).toBe('garbage');
    const now = await s3.client.send(
      new GetObjectCommand({ Bucket: bucket, Key: `${BASE.statePrefix}press-002.state` })
    );
    expect(decodeState(await now.Body!.transformToByteArray(), rcfModels).pointsApplied).toBeGreaterThan(0);
    expect(e.cache.get('press-002')!.state.pointsApplied).toBe(700);
  }, 120_000);

  it('records the event source gave up on are replayed from the stream by shard and sequence range, idempotently', async () => {
    const bucket = await newBucket();
    const published: Published[] = [];
    const e = env(bucket, s3.client, published, new FakeSqs());
    // The last 300 records were discarded (retries exhausted): only their batch info reached the on-failure queue.
    const cut = records.length - 300;
    await deliver(records.slice(0, cut), () => e);
    const message = {
      requestContext: { condition: 'RetryAttemptsExhausted' },
      KinesisBatchInfo: {
        shardId,
        startSequenceNumber: records[cut]!.kinesis.sequenceNumber,
        endSequenceNumber: records[records.length - 1]!.kinesis.sequenceNumber,
        batchSize: 300,
        streamArn: `arn:aws:kinesis:us-east-1:000000000000:stream/${STREAM}`,
      },
    };
    const info = batchInfoOf({ Body: JSON.stringify(message) });
    const range = {
      stream: STREAM,
      shardId: info.shardId,
      from: info.startSequenceNumber,
      to: info.endSequenceNumber,
      batch: 100,
      region: 'us-east-1',
    };
    // The records come back from the stream (GetShardIterator AT_SEQUENCE_NUMBER + GetRecords); arrival time as live.
    const arrival = new Map(records.map((r) => [r.kinesis.sequenceNumber, r.kinesis.approximateArrivalTimestamp]));
    const invoke = (ev: { Records: KinesisStreamRecord[] }) =>
      e.handler({
        Records: ev.Records.map((r) => ({
          ...r,
          kinesis: { ...r.kinesis, approximateArrivalTimestamp: arrival.get(r.kinesis.sequenceNumber)! },
        })),
      });
    expect(await replayRange(k.client, range, invoke)).toBe(300);
    for (const d of DEVICES) expect(e.cache.get(d)!.state.pointsApplied).toBe(700);
    const alertsAfterFirst = ids(published);
    // Replaying again changes nothing.
    expect(await replayRange(k.client, range, invoke)).toBe(300);
    for (const d of DEVICES) expect(e.cache.get(d)!.state.pointsApplied).toBe(700);
    expect(ids(published)).toEqual(alertsAfterFirst);
  }, 120_000);
});
