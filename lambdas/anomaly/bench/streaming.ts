/**
 * `npm run bench:streaming -- --devices 1000`: the anomaly and window handlers at factory scale, today's code (the
 * frozen baseline in ./baseline) beside the current one, measured in the same run.
 *
 * - Real handlers (Powertools BatchProcessor, the real S3Client) against a local S3-compatible server (moto) on
 *   127.0.0.1; SNS and SQS are recording fakes at the client boundary.
 * - Devices are interleaved one reading per device per second, delivered in batches like one shard's event source.
 * - Every device starts from a steady-state model (a template trained on `--train` readings, copied per device);
 *   checkpoints are written during the measured phase as the handler decides.
 * - Figures: records per CPU-second of this process (moto's own CPU is not counted) and per wall second; state
 *   writes per record; snapshot bytes and encode/decode times; memory per warm device (heap + array buffers after
 *   GC; run through node --expose-gc, which the npm script does); the window function over one 180-s window.
 */
import './quiet-env';
import type { KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import { FakeSns, FakeSqs } from '../../../test/helpers/aws-fakes';
import { startMotoS3, type LocalS3 } from '../../../test/helpers/moto';
import { simulate } from '../../../packages/cli/src/simulator/generator';
import type { SensorReading } from '@smart-factory/schema';
import { costPerDay, type CostInputs, formatCostTable } from './cost';

import * as baseState from './baseline/anomaly/state';
import * as baseHandler from './baseline/anomaly/handler';
import { modelPoint as baseModelPoint } from './baseline/anomaly/model';
import type { CachedDevice as BaseCached } from './baseline/anomaly/core';
import * as curState from '../state';
import * as curHandler from '../handler';
import { modelPoint } from '../model';
import type { CachedDevice as CurCached } from '../core';
import { createWindowHandler } from '../../window/handler';

interface Args {
  devices: number;
  baselineDevices: number;
  seconds: number;
  baselineSeconds: number;
  train: number;
  batch: number;
  skipBaseline: boolean;
}

function parseArgs(argv: string[]): Args {
  const a: Args = {
    devices: 1000,
    baselineDevices: 40,
    seconds: 75,
    baselineSeconds: 3,
    train: 12_000,
    batch: 1000,
    skipBaseline: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i]!;
    const v = () => {
      const n = Number(argv[++i]);
      if (!Number.isInteger(n) || n <= 0) throw new Error(`${k} needs a positive integer`);
      return n;
    };
    if (k === '--devices') a.devices = v();
    else if (k === '--baseline-devices') a.baselineDevices = v();
    else if (k === '--seconds') a.seconds = v();
    else if (k === '--baseline-seconds') a.baselineSeconds = v();
    else if (k === '--train') a.train = v();
    else if (k === '--batch') a.batch = v();
    else if (k === '--skip-baseline') a.skipBaseline = true;
    else throw new Error(`unknown option ${k}`);
  }
  return a;
}

/** What the benchmark needs of one implementation (today's baseline or the current code). */
interface Impl {
  readonly name: string;
  /** Trains the template device state on `readings` and returns its encoded snapshot. */
  template(readings: readonly SensorReading[]): Uint8Array;
  /** Decodes a snapshot into a warm cache entry for `deviceId`. */
  warm(bytes: Uint8Array, deviceId: string): unknown;
  encode(entry: unknown): Uint8Array;
  decode(bytes: Uint8Array): unknown;
  handler(
    s3: LocalS3,
    bucket: string,
    cache: Map<string, unknown>
  ): (event: KinesisStreamEvent) => Promise<{ batchItemFailures: { itemIdentifier: string }[] }>;
}

const SETTINGS = {
  statePrefix: 'state/anomaly/',
  alertTopicArn: 'arn:aws:sns:ap-northeast-2:123456789012:alerts',
  deadLetterQueueUrl: 'https://sqs.ap-northeast-2.amazonaws.com/123456789012/anomaly-dlq',
  threshold: 0.7,
  cooldownMs: 600_000,
  timeZone: 'Asia/Seoul',
};

function baselineImpl(): Impl {
  const state = baseState;
  const h = baseHandler;
  const modelPoint = baseModelPoint;
  type Cached = BaseCached;
  return {
    name: 'today (606e60a)',
    template(readings) {
      const s = state.newState('template', h.rcfModels);
      for (const r of readings) {
        s.model.process(modelPoint(r), Date.parse(r.ts));
        s.pointsApplied++;
      }
      return state.encodeState(s);
    },
    warm: (bytes, deviceId) =>
      ({ state: { ...state.decodeState(bytes, h.rcfModels), deviceId }, etag: undefined, dirty: false }) as Cached,
    encode: (e) => state.encodeState((e as Cached).state),
    decode: (b) => state.decodeState(b, h.rcfModels),
    handler: (s3, bucket, cache) =>
      h.createAnomalyHandler(
        { s3: s3.client, sns: new FakeSns(), sqs: new FakeSqs() },
        { ...SETTINGS, stateBucket: bucket },
        h.rcfModels,
        cache as Map<string, Cached>
      ),
  };
}

function currentImpl(): Impl {
  const state = curState;
  const h = curHandler;
  type Cached = CurCached;
  return {
    name: 'this branch',
    template(readings) {
      const s = state.newState('template', h.rcfModels);
      for (const r of readings) {
        s.model.process(modelPoint(r), Date.parse(r.ts));
        s.pointsApplied++;
      }
      return state.encodeState(s);
    },
    warm: (bytes, deviceId) =>
      ({ state: { ...state.decodeState(bytes, h.rcfModels), deviceId }, etag: undefined, dirty: false }) as Cached,
    encode: (e) => state.encodeState((e as Cached).state),
    decode: (b) => state.decodeState(b, h.rcfModels),
    handler: (s3, bucket, cache) =>
      h.createAnomalyHandler(
        { s3: s3.client, sns: new FakeSns(), sqs: new FakeSqs() },
        // One environment holding every device: the cache bound is set above the run's need (memory is reported).
        { ...SETTINGS, stateBucket: bucket, checkpointIntervalMs: 60_000, cacheMaxBytes: 32 * 1024 ** 3 },
        h.rcfModels,
        cache as Map<string, Cached>
      ),
  };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

/** Median CPU time of `f` (this process is single-threaded, so its CPU time is the call's; robust on a loaded machine). */
function timeMs(f: () => void, runs: number): number {
  const t: number[] = [];
  for (let i = 0; i < runs; i++) {
    const c0 = process.cpuUsage();
    f();
    const c = process.cpuUsage(c0);
    t.push((c.user + c.system) / 1000);
  }
  return median(t);
}

function gc(): void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g !== undefined) {
    g();
    g();
  }
}
const usedBytes = () => {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};

/** One shard's records: every device's reading of second k, devices interleaved, arrival time = reading time. */
function shardRecords(ticks: readonly SensorReading[], devices: number, startSeq: bigint): KinesisStreamRecord[] {
  const out: KinesisStreamRecord[] = [];
  let seq = startSeq;
  for (const r of ticks) {
    for (let d = 0; d < devices; d++) {
      const id = `press-${String(d + 1).padStart(4, '0')}`;
      seq += 1n;
      const data = Buffer.from(JSON.stringify({ ...r, device_id: id })).toString('base64');
      out.push({
        awsRegion: 'ap-northeast-2',
        eventID: `shardId-000000000000:${seq}`,
        eventName: 'aws:kinesis:record',
        eventSource: 'aws:kinesis',
        eventSourceARN: 'arn:aws:kinesis:ap-northeast-2:123456789012:stream/telemetry',
        eventVersion: '1.0',
        invokeIdentityArn: 'arn:aws:iam::123456789012:role/anomaly',
        kinesis: {
          kinesisSchemaVersion: '1.0',
          partitionKey: id,
          sequenceNumber: String(seq),
          data,
          approximateArrivalTimestamp: Date.parse(r.ts) / 1000,
        },
      });
    }
  }
  return out;
}

interface HandlerFigures {
  devices: number;
  records: number;
  cpuMs: number;
  wallMs: number;
  puts: number;
  gets: number;
  failed: number;
  memoryPerDeviceBytes: number;
  snapshotBytes: number;
  encodeMs: number;
  decodeMs: number;
}

/** Counts S3 requests by command name at the client's middleware stack. */
let counters = 0;
function countRequests(s3: LocalS3): Record<string, number> {
  const counts: Record<string, number> = {};
  s3.client.middlewareStack.add(
    (next, context) => async (args) => {
      const n = (context as { commandName?: string }).commandName ?? '?';
      counts[n] = (counts[n] ?? 0) + 1;
      return next(args);
    },
    { step: 'initialize', name: `benchCounter${++counters}` }
  );
  return counts;
}

async function measureHandler(
  impl: Impl,
  s3: LocalS3,
  bucket: string,
  devices: number,
  train: readonly SensorReading[],
  ticks: readonly SensorReading[],
  batch: number
): Promise<HandlerFigures> {
  const template = impl.template(train);
  const entry = impl.warm(template, 'template');
  const encodeMs = timeMs(() => impl.encode(entry), 15);
  const snapshot = impl.encode(entry);
  const decodeMs = timeMs(() => impl.decode(snapshot), 15);

  gc();
  const before = usedBytes();
  const cache = new Map<string, unknown>();
  for (let d = 0; d < devices; d++) {
    const id = `press-${String(d + 1).padStart(4, '0')}`;
    cache.set(id, impl.warm(template, id));
  }
  gc();
  const memoryPerDeviceBytes = (usedBytes() - before) / devices;

  const counts = countRequests(s3);
  const records = shardRecords(ticks, devices, 49_000_000_000_000_000_000n);
  const handler = impl.handler(s3, bucket, cache);
  let failed = 0;
  const cpu0 = process.cpuUsage();
  const wall0 = process.hrtime.bigint();
  for (let i = 0; i < records.length; i += batch) {
    const res = await handler({ Records: records.slice(i, i + batch) });
    failed += res.batchItemFailures.length;
  }
  const cpu = process.cpuUsage(cpu0);
  const wallMs = Number(process.hrtime.bigint() - wall0) / 1e6;
  return {
    devices,
    records: records.length,
    cpuMs: (cpu.user + cpu.system) / 1000,
    wallMs,
    puts: counts['PutObjectCommand'] ?? 0,
    gets: (counts['GetObjectCommand'] ?? 0) + (counts['HeadObjectCommand'] ?? 0),
    failed,
    memoryPerDeviceBytes,
    snapshotBytes: snapshot.length,
    encodeMs,
    decodeMs,
  };
}

interface WindowFigures {
  devices: number;
  records: number;
  cpuMs: number;
  stateBytes: number;
  outputBytes: number;
  rows: number;
}

async function measureWindow(s3: LocalS3, bucket: string, devices: number): Promise<WindowFigures> {
  const startMs = Date.parse('2026-11-25T00:00:00Z');
  const readings = [...simulate({ devices, rate: 1, durationSeconds: 180, startMs, seed: 5, faults: false })];
  const ticks = readings.map((r) => r.reading);
  let seq = 49_000_000_000_000_000_000n;
  const records: KinesisStreamRecord[] = ticks.map((r) => {
    seq += 1n;
    return {
      awsRegion: 'ap-northeast-2',
      eventID: `shardId-000000000000:${seq}`,
      eventName: 'aws:kinesis:record',
      eventSource: 'aws:kinesis',
      eventSourceARN: 'arn:aws:kinesis:ap-northeast-2:123456789012:stream/telemetry',
      eventVersion: '1.0',
      invokeIdentityArn: 'arn:aws:iam::123456789012:role/window',
      kinesis: {
        kinesisSchemaVersion: '1.0',
        partitionKey: r.device_id,
        sequenceNumber: String(seq),
        data: Buffer.from(JSON.stringify(r)).toString('base64'),
        approximateArrivalTimestamp: Date.parse(r.ts) / 1000,
      },
    };
  });
  const counts = countRequests(s3);
  let outputBytes = 0;
  const client = {
    send: async (c: unknown) => {
      const body = (c as { input?: { Body?: string } }).input?.Body;
      if (typeof body === 'string') outputBytes += Buffer.byteLength(body);
      return s3.client.send(c as never);
    },
  };
  const handler = createWindowHandler(client, { bucket, prefix: 'windows/' });
  const window = { start: new Date(startMs).toISOString(), end: new Date(startMs + 180_000).toISOString() };
  let state: unknown = {};
  let stateBytes = 0;
  type WindowEvent = Parameters<typeof handler>[0];
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < records.length; i += 500) {
    const res = await handler({
      Records: records.slice(i, i + 500),
      window,
      state: state as Record<string, string>,
      shardId: 'shardId-000000000000',
      eventSourceARN: records[0]!.eventSourceARN,
      isFinalInvokeForWindow: false,
      isWindowTerminatedEarly: false,
    } as WindowEvent);
    state = res.state;
  }
  stateBytes = Buffer.byteLength(JSON.stringify(state));
  const final = await handler({
    Records: [],
    window,
    state: state as Record<string, string>,
    shardId: 'shardId-000000000000',
    eventSourceARN: records[0]!.eventSourceARN,
    isFinalInvokeForWindow: true,
    isWindowTerminatedEarly: false,
  } as WindowEvent);
  const cpu = process.cpuUsage(cpu0);
  if (JSON.stringify(final.state) !== '{}') throw new Error('window did not close');
  if ((counts['PutObjectCommand'] ?? 0) !== 1) throw new Error('window output was not written once');
  return {
    devices,
    records: records.length,
    cpuMs: (cpu.user + cpu.system) / 1000,
    stateBytes,
    outputBytes,
    rows: 0,
  };
}

/** Noncurrent days of snapshot versions kept on this branch (state prefix with a 1-day noncurrent expiry). */
const STATE_NONCURRENT_DAYS = 1;

const kib = (b: number) => `${(b / 1024).toFixed(0)} KiB`;
const mib = (b: number) => `${(b / 1024 / 1024).toFixed(2)} MiB`;

function printHandler(rows: { impl: string; f: HandlerFigures }[]): void {
  const line = (cells: string[]) => console.log('| ' + cells.join(' | ') + ' |');
  line(['anomaly handler', ...rows.map((r) => r.impl)]);
  line(['---', ...rows.map(() => '---')]);
  const cell = (g: (f: HandlerFigures) => string) => rows.map((r) => g(r.f));
  line(['devices interleaved (measured)', ...cell((f) => String(f.devices))]);
  line(['records processed', ...cell((f) => String(f.records))]);
  line(['records/s per core (CPU time)', ...cell((f) => ((f.records / f.cpuMs) * 1000).toFixed(1))]);
  line(['records/s (wall, loaded machine)', ...cell((f) => ((f.records / f.wallMs) * 1000).toFixed(1))]);
  line(['CPU ms per record', ...cell((f) => (f.cpuMs / f.records).toFixed(3))]);
  line(['state writes (PUT) per record', ...cell((f) => (f.puts / f.records).toFixed(4))]);
  line(['S3 reads (GET/HEAD) per record', ...cell((f) => (f.gets / f.records).toFixed(4))]);
  line(['failed batch items', ...cell((f) => String(f.failed))]);
  line(['snapshot size', ...cell((f) => `${f.snapshotBytes} B (${kib(f.snapshotBytes)})`)]);
  line(['snapshot encode (CPU, median of 15)', ...cell((f) => `${f.encodeMs.toFixed(2)} ms`)]);
  line(['snapshot decode (CPU, median of 15)', ...cell((f) => `${f.decodeMs.toFixed(2)} ms`)]);
  line(['memory per warm device', ...cell((f) => mib(f.memoryPerDeviceBytes))]);
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if ((globalThis as { gc?: unknown }).gc === undefined) {
    console.warn('note: run with node --expose-gc for exact memory figures (npm run bench:streaming does)');
  }
  const startMs = Date.parse('2026-11-25T00:00:00Z');
  const one = [
    ...simulate({
      devices: 1,
      rate: 1,
      durationSeconds: args.train + Math.max(args.seconds, args.baselineSeconds),
      startMs,
      seed: 7,
      faults: false,
    }),
  ].map((r) => r.reading);
  const train = one.slice(0, args.train);
  const s3 = await startMotoS3();
  try {
    await s3.createBucket('bench-state-today');
    await s3.createBucket('bench-state-new');
    await s3.createBucket('bench-windows');
    // Today: the curated (versioned) bucket keeps 90 days of noncurrent versions; this branch: see STATE_NONCURRENT_DAYS.
    const rows: { impl: string; f: HandlerFigures; noncurrentDays: number }[] = [];
    if (!args.skipBaseline) {
      const base = baselineImpl();
      const ticks = one.slice(args.train, args.train + args.baselineSeconds);
      rows.push({
        impl: base.name,
        f: await measureHandler(base, s3, 'bench-state-today', args.baselineDevices, train, ticks, args.batch),
        noncurrentDays: 90,
      });
      gc();
    }
    const cur = currentImpl();
    const ticks = one.slice(args.train, args.train + args.seconds);
    const now = await measureHandler(cur, s3, 'bench-state-new', args.devices, train, ticks, args.batch);
    rows.push({ impl: cur.name, f: now, noncurrentDays: STATE_NONCURRENT_DAYS });
    console.log(
      `\nanomaly: ${args.devices} devices × ${args.seconds} s at 1 Hz (today's code: ${args.baselineDevices} devices × ` +
        `${args.baselineSeconds} s, as it cannot hold 1,000 models), batches of ${args.batch}, S3 = moto on 127.0.0.1\n`
    );
    printHandler(rows);
    const w = await measureWindow(s3, 'bench-windows', args.devices);
    console.log(`\nwindow function (180-s tumbling window, 10-s buckets), ${w.devices} devices in one shard:\n`);
    console.log(`| window | value |\n| --- | --- |`);
    console.log(`| records per window | ${w.records} |`);
    console.log(`| records/s per core (CPU time) | ${((w.records / w.cpuMs) * 1000).toFixed(0)} |`);
    console.log(
      `| state carried at window end | ${w.stateBytes} B (${kib(w.stateBytes)}; Lambda limit 1 MB per shard) |`
    );
    console.log(`| state per device | ${(w.stateBytes / w.devices).toFixed(0)} B |`);
    console.log(`| output per window (JSON lines, one PUT) | ${w.outputBytes} B |`);

    const inputs = (f: HandlerFigures, noncurrentDays: number): CostInputs => ({
      devices: 1000,
      cpuMsPerRecord: f.cpuMs / f.records,
      putsPerRecord: f.puts / f.records,
      getsPerRecord: f.gets / f.records,
      snapshotBytes: f.snapshotBytes,
      noncurrentDays,
      windowCpuMsPerRecord: w.cpuMs / w.records,
      windowOutputBytesPerDevicePerWindow: w.outputBytes / w.devices,
    });
    console.log('\ncost per 1,000 devices per day at 1 Hz (list prices in lambdas/anomaly/bench/cost.ts):\n');
    console.log(formatCostTable(rows.map((r) => ({ name: r.impl, cost: costPerDay(inputs(r.f, r.noncurrentDays)) }))));
  } finally {
    await s3.stop();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
