import { PassThrough } from 'node:stream';
import type { KinesisStreamRecord } from 'aws-lambda';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { runSimulate } from '../../packages/cli/src/commands/simulate';
import { FakeS3 } from '../../test/helpers/aws-fakes';
import { createStream, FAKE_CREDENTIALS, readShards, startKinesalite } from '../../test/helpers/kinesalite';
import { accumulate, BUCKET_MS, emptyState, summarize, type TemperatureReading, type WindowRow } from './core';
import { createWindowHandler } from './handler';

// Quiet Powertools (its singletons read the environment when the handler module is imported).
vi.hoisted(() => {
  process.env['POWERTOOLS_LOG_LEVEL'] = 'SILENT';
  process.env['POWERTOOLS_METRICS_DISABLED'] = 'true';
  process.env['POWERTOOLS_METRICS_NAMESPACE'] = 'Test';
});

const W = { startMs: Date.parse('2026-11-25T00:03:00Z'), endMs: Date.parse('2026-11-25T00:06:00Z') };
const r = (deviceId: string, iso: string, temperature: number): TemperatureReading => ({
  deviceId,
  tsMs: Date.parse(iso),
  temperature,
});

/** Brute force oracle: for every device and 10-s boundary, the mean of readings with ts in the trailing 10 s. */
function bruteForce(readings: TemperatureReading[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const x of readings) {
    const end = Math.floor(x.tsMs / BUCKET_MS) * BUCKET_MS + BUCKET_MS;
    const key = `${x.deviceId}@${new Date(end).toISOString()}`;
    if (out.has(key)) continue;
    const inWindow = readings.filter((y) => y.deviceId === x.deviceId && y.tsMs >= end - BUCKET_MS && y.tsMs < end);
    out.set(key, inWindow.reduce((s, y) => s + y.temperature, 0) / inWindow.length);
  }
  return out;
}

describe('window math (pure)', () => {
  it('10-s buckets by reading time; the moving average at each bucket end equals the brute-force trailing mean', () => {
    const rs = [
      r('a', '2026-11-25T00:03:00.000Z', 60),
      r('a', '2026-11-25T00:03:09.999Z', 70),
      r('a', '2026-11-25T00:03:10.000Z', 80),
      r('b', '2026-11-25T00:05:59.500Z', 50),
      r('a', '2026-11-25T00:03:15.000Z', 90),
    ];
    const { rows, latest } = summarize(accumulate(emptyState(), rs, W), W);
    expect(rows.map((x) => [x.device_id, x.bucket_end, x.avg_temperature, x.readings])).toEqual([
      ['a', '2026-11-25T00:03:10.000Z', 65, 2],
      ['a', '2026-11-25T00:03:20.000Z', 85, 2],
      ['b', '2026-11-25T00:06:00.000Z', 50, 1],
    ]);
    const oracle = bruteForce(rs);
    for (const row of rows)
      expect(row.avg_temperature).toBeCloseTo(oracle.get(`${row.device_id}@${row.bucket_end}`)!, 12);
    expect(latest).toEqual([
      { deviceId: 'a', avgTemperature: 85, bucketEndMs: Date.parse('2026-11-25T00:03:20Z') },
      { deviceId: 'b', avgTemperature: 50, bucketEndMs: Date.parse('2026-11-25T00:06:00Z') },
    ]);
  });

  it('out-of-order arrival and splitting over invocations give the same result', () => {
    const rs: TemperatureReading[] = [];
    for (let i = 0; i < 360; i++)
      rs.push(r(`d${i % 3}`, new Date(W.startMs + i * 500).toISOString(), 60 + ((i * 7) % 13)));
    const inOrder = summarize(accumulate(emptyState(), rs, W), W);
    const shuffled = [...rs].sort((x, y) => ((x.tsMs * 7919) % 1009) - ((y.tsMs * 7919) % 1009));
    // Each invocation gets the previous state as JSON, as Lambda passes it.
    let s = emptyState();
    for (let i = 0; i < shuffled.length; i += 50) {
      s = accumulate(JSON.parse(JSON.stringify(s)) as typeof s, shuffled.slice(i, i + 50), W);
    }
    const split = summarize(s, W);
    expect(split.rows.map((x) => [x.device_id, x.bucket_end, x.readings])).toEqual(
      inOrder.rows.map((x) => [x.device_id, x.bucket_end, x.readings])
    );
    split.rows.forEach((x, i) => expect(x.avg_temperature).toBeCloseTo(inOrder.rows[i]!.avg_temperature, 9));
    const oracle = bruteForce(rs);
    for (const row of inOrder.rows)
      expect(row.avg_temperature).toBeCloseTo(oracle.get(`${row.device_id}@${row.bucket_end}`)!, 9);
  });

  it('late readings: kept (flagged) up to 180 s before the window, dropped beyond; far-future readings dropped', () => {
    const s = accumulate(
      emptyState(),
      [
        r('a', '2026-11-25T00:02:55Z', 61), // 5 s late: own bucket, flagged
        r('a', '2026-11-25T00:00:00Z', 62), // exactly 180 s before the start: kept
        { deviceId: 'a', tsMs: Date.parse('2026-11-25T00:00:00Z') - 1, temperature: 63 }, // 1 ms more: dropped
        r('a', '2026-11-25T00:06:59Z', 64), // device clock 59 s ahead of the window end: kept
        r('a', '2026-11-25T00:07:00Z', 65), // 60 s ahead: dropped
      ],
      W
    );
    expect(s.droppedLate).toBe(1);
    expect(s.droppedAhead).toBe(1);
    const rows = summarize(s, W).rows;
    expect(rows.map((x: WindowRow) => [x.bucket_start, x.avg_temperature, x.late])).toEqual([
      ['2026-11-25T00:00:00.000Z', 62, true],
      ['2026-11-25T00:02:50.000Z', 61, true],
      ['2026-11-25T00:06:50.000Z', 64, false],
    ]);
  });
});

describe('window handler end to end (kinesalite records, tumbling-window invocations, S3 fake)', () => {
  let shards: Map<string, KinesisStreamRecord[]>;
  beforeAll(async () => {
    const k = await startKinesalite();
    try {
      await createStream(k.client, 'telemetry', 1);
      process.env['AWS_ACCESS_KEY_ID'] = FAKE_CREDENTIALS.accessKeyId;
      process.env['AWS_SECRET_ACCESS_KEY'] = FAKE_CREDENTIALS.secretAccessKey;
      const io = { stdin: new PassThrough(), stdout: new PassThrough(), stderr: new PassThrough() };
      const args = ['--devices', '2', '--rate', '2', '--duration', '180', '--start', '2026-11-25T00:03:00Z'];
      expect(await runSimulate([...args, '--to', 'kinesis:telemetry', '--endpoint', k.endpoint, '--fast'], io)).toBe(0);
      shards = await readShards(k.client, 'telemetry');
    } finally {
      await k.close();
    }
  }, 60_000);

  it('carries the state across invocations, writes rows to the curated zone at the final invocation', async () => {
    const s3 = new FakeS3();
    const handler = createWindowHandler(s3, { bucket: 'curated', prefix: 'windows/temperature/' });
    const records = [...shards.values()][0]!;
    expect(records).toHaveLength(720);
    const window = { start: new Date(W.startMs).toISOString(), end: new Date(W.endMs).toISOString() };
    let state: Record<string, unknown> = {};
    for (let i = 0; i < records.length; i += 100) {
      const res = await handler({
        Records: records.slice(i, i + 100),
        window,
        state,
        isFinalInvokeForWindow: false,
        isWindowTerminatedEarly: false,
      });
      expect(res.batchItemFailures).toEqual([]);
      state = res.state;
    }
    expect(s3.objects.size).toBe(0);
    const final = await handler({
      Records: [],
      window,
      state,
      isFinalInvokeForWindow: true,
      isWindowTerminatedEarly: false,
    });
    expect(final.state).toEqual({});
    expect([...s3.objects.keys()]).toEqual([
      `curated/windows/temperature/dt=2026-11-25/2026-11-25T00-03-00-000Z_shardId-000000000000_${records[0]!.kinesis.sequenceNumber}.jsonl`,
    ]);
    const rows = Buffer.from([...s3.objects.values()][0]!.bytes)
      .toString('utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as WindowRow);
    expect(rows).toHaveLength(2 * 18);
    const readings = records.map((x) => {
      const j = JSON.parse(Buffer.from(x.kinesis.data, 'base64').toString('utf8')) as {
        device_id: string;
        ts: string;
        temperature: number;
      };
      return r(j.device_id, j.ts, j.temperature);
    });
    const oracle = bruteForce(readings);
    for (const row of rows) {
      expect(row.readings).toBe(20);
      expect(row.avg_temperature).toBeCloseTo(oracle.get(`${row.device_id}@${row.bucket_end}`)!, 9);
    }
  });
});
