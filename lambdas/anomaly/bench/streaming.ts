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
import * as os from 'node:os';
import type { KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import { FakeSns, FakeSqs } from '../../../test/helpers/aws-fakes';
import { startMotoS3, type LocalS3 } from '../../../test/helpers/moto';
import { simulate } from '../../../packages/cli/src/simulator/generator';
import type { SensorReading } from '@smart-factory/schema';
import { costPerDay, type CostInputs, derivedSizing, describeAssumptions, formatCostTable } from './cost';

import * as baseState from './baseline/anomaly/state';
import * as baseHandler from './baseline/anomaly/handler';
import { modelPoint as baseModelPoint } from './baseline/anomaly/model';
import type { CachedDevice as BaseCached } from './baseline/anomaly/core';
import * as curState from '../state';
import * as curHandler from '../handler';
import { MODEL_FIELDS, modelPoint, type AnomalyModel, type DetectorResult, type ModelFactory } from '../model';
import { type CachedDevice as CurCached, FLUSH_CONCURRENCY } from '../core';
import { createWindowHandler } from '../../window/handler';

interface Args {
  devices: number;
  baselineDevices: number;
  seconds: number;
  warmupSeconds: number;
  baselineSeconds: number;
  train: number;
  batch: number;
  skipBaseline: boolean;
}

function parseArgs(argv: string[]): Args {
  const a: Args = {
    devices: 1000,
    baselineDevices: 40,
    seconds: 60,
    warmupSeconds: 10,
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
    else if (k === '--warmup-seconds') a.warmupSeconds = v();
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
    cache: Map<string, unknown>,
    sns: FakeSns
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
    handler: (s3, bucket, cache, sns) =>
      h.createAnomalyHandler(
        { s3: s3.client, sns, sqs: new FakeSqs() },
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
    handler: (s3, bucket, cache, sns) =>
      h.createAnomalyHandler(
        { s3: s3.client, sns, sqs: new FakeSqs() },
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

const deviceName = (d: number) => `press-${String(d + 1).padStart(4, '0')}`;

/** One shard's records: every device's reading of second k, devices interleaved, arrival time = reading time. */
function shardRecords(ticks: readonly SensorReading[], devices: number, startSeq: bigint): KinesisStreamRecord[] {
  const out: KinesisStreamRecord[] = [];
  let seq = startSeq;
  for (const r of ticks) {
    for (let d = 0; d < devices; d++) {
      const id = deviceName(d);
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
  /** Cold model building (not steady state): training the template, then one restore per device. */
  trainRecords: number;
  trainCpuMs: number;
  restoreCpuMsPerDevice: number;
  /** Handler warm-up (JIT, first checkpoint phase) before the measured window. */
  warmupRecords: number;
  warmupCpuMs: number;
  warmupPuts: number;
  /** The measured steady-state window. */
  seconds: number;
  records: number;
  cpuMs: number;
  wallMs: number;
  puts: number;
  gets: number;
  failed: number;
  alerts: number;
  loadAverage: [number, number];
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

type Handler = (event: KinesisStreamEvent) => Promise<{ batchItemFailures: { itemIdentifier: string }[] }>;

/** Feeds `records` to `handler` in batches; returns CPU and wall ms and the failed item count. */
async function drive(handler: Handler, records: readonly KinesisStreamRecord[], batch: number) {
  let failed = 0;
  const cpu0 = process.cpuUsage();
  const wall0 = process.hrtime.bigint();
  for (let i = 0; i < records.length; i += batch) {
    const res = await handler({ Records: records.slice(i, i + batch) });
    failed += res.batchItemFailures.length;
  }
  const cpu = process.cpuUsage(cpu0);
  return { cpuMs: (cpu.user + cpu.system) / 1000, wallMs: Number(process.hrtime.bigint() - wall0) / 1e6, failed };
}

const cpuNow = () => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
};

const SEQ0 = 49_000_000_000_000_000_000n;

async function measureHandler(
  impl: Impl,
  s3: LocalS3,
  bucket: string,
  devices: number,
  train: readonly SensorReading[],
  warmupTicks: readonly SensorReading[],
  ticks: readonly SensorReading[],
  batch: number
): Promise<HandlerFigures> {
  let t = cpuNow();
  const template = impl.template(train);
  const trainCpuMs = cpuNow() - t;
  const entry = impl.warm(template, 'template');
  const encodeMs = timeMs(() => impl.encode(entry), 15);
  const snapshot = impl.encode(entry);
  const decodeMs = timeMs(() => impl.decode(snapshot), 15);

  gc();
  const before = usedBytes();
  const cache = new Map<string, unknown>();
  t = cpuNow();
  for (let d = 0; d < devices; d++) cache.set(deviceName(d), impl.warm(template, deviceName(d)));
  const restoreCpuMsPerDevice = (cpuNow() - t) / devices;
  gc();
  const memoryPerDeviceBytes = (usedBytes() - before) / devices;

  const counts = countRequests(s3);
  const sns = new FakeSns();
  const all = shardRecords([...warmupTicks, ...ticks], devices, SEQ0);
  const warmupRecords = all.slice(0, warmupTicks.length * devices);
  const records = all.slice(warmupTicks.length * devices);
  const handler = impl.handler(s3, bucket, cache, sns);
  const w = await drive(handler, warmupRecords, batch);
  const warmupPuts = counts['PutObjectCommand'] ?? 0;
  for (const k of Object.keys(counts)) delete counts[k];
  const alerts0 = sns.published.length;
  gc();
  const load0 = os.loadavg()[0]!;
  const m = await drive(handler, records, batch);
  const load1 = os.loadavg()[0]!;
  return {
    devices,
    trainRecords: train.length,
    trainCpuMs,
    restoreCpuMsPerDevice,
    warmupRecords: warmupRecords.length,
    warmupCpuMs: w.cpuMs,
    warmupPuts,
    seconds: ticks.length,
    records: records.length,
    cpuMs: m.cpuMs,
    wallMs: m.wallMs,
    puts: counts['PutObjectCommand'] ?? 0,
    gets: (counts['GetObjectCommand'] ?? 0) + (counts['HeadObjectCommand'] ?? 0),
    failed: w.failed + m.failed,
    alerts: sns.published.length - alerts0,
    loadAverage: [load0, load1],
    memoryPerDeviceBytes,
    snapshotBytes: snapshot.length,
    encodeMs,
    decodeMs,
  };
}

/**
 * A model that costs nothing: constant score, and a snapshot of the real snapshot's size. The handler run with it
 * measures everything except the model itself (decoding, validation, BatchProcessor, sequence bookkeeping, cache,
 * checkpoints through the real S3Client, metrics and logging).
 */
class NoopModel implements AnomalyModel {
  private static readonly result: DetectorResult = {
    score: 0.7,
    grade: 0,
    isAnomaly: false,
    attribution: MODEL_FIELDS.map(() => ({ high: 0.1, low: 0.1 })),
  };
  constructor(private readonly bytes: Uint8Array) {}
  process(): DetectorResult {
    return NoopModel.result;
  }
  snapshot(): Uint8Array {
    return this.bytes;
  }
  memoryBytes(): number {
    return 1024;
  }
}

interface OverheadFigures {
  records: number;
  cpuMs: number;
  puts: number;
}

/** The current handler with NoopModel devices, same records, warm-up and batches as the real run. */
async function measureOverhead(
  s3: LocalS3,
  bucket: string,
  devices: number,
  snapshotBytes: number,
  warmupTicks: readonly SensorReading[],
  ticks: readonly SensorReading[],
  batch: number
): Promise<OverheadFigures> {
  const bytes = new Uint8Array(snapshotBytes).fill(7);
  const models: ModelFactory = { create: () => new NoopModel(bytes), restore: () => new NoopModel(bytes) };
  const cache = new Map<string, CurCached>();
  for (let d = 0; d < devices; d++) {
    const id = deviceName(d);
    cache.set(id, { state: curState.newState(id, models), etag: undefined, dirty: false, bytes: 1024 });
  }
  const counts = countRequests(s3);
  const handler = curHandler.createAnomalyHandler(
    { s3: s3.client, sns: new FakeSns(), sqs: new FakeSqs() },
    { ...SETTINGS, stateBucket: bucket, checkpointIntervalMs: 60_000, cacheMaxBytes: 32 * 1024 ** 3 },
    models,
    cache
  );
  const all = shardRecords([...warmupTicks, ...ticks], devices, SEQ0);
  await drive(handler, all.slice(0, warmupTicks.length * devices), batch);
  for (const k of Object.keys(counts)) delete counts[k];
  gc();
  const records = all.slice(warmupTicks.length * devices);
  const m = await drive(handler, records, batch);
  if (m.failed > 0) throw new Error(`overhead run: ${m.failed} failed batch items`);
  return { records: records.length, cpuMs: m.cpuMs, puts: counts['PutObjectCommand'] ?? 0 };
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
  let rows = 0;
  const client = {
    send: async (c: unknown) => {
      const body = (c as { input?: { Body?: string } }).input?.Body;
      if (typeof body === 'string') {
        outputBytes += Buffer.byteLength(body);
        rows += body.split('\n').filter((l) => l !== '').length;
      }
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
    rows,
  };
}

/** Noncurrent days of snapshot versions kept on this branch (state prefix with a 1-day noncurrent expiry). */
const STATE_NONCURRENT_DAYS = 1;

const kib = (b: number) => `${(b / 1024).toFixed(0)} KiB`;
const mib = (b: number) => `${(b / 1024 / 1024).toFixed(2)} MiB`;
const perSecond = (records: number, ms: number) => (records / ms) * 1000;

/** The targets; each is checked against the figure measured in this run. */
const TARGETS = {
  recordsPerCoreSecond: 2000,
  putsPerRecord: 1 / 60,
  snapshotBytes: 256 * 1024,
  memoryPerDeviceBytes: 1.5 * 1024 * 1024,
};
const verdict = (ok: boolean) => (ok ? 'met' : '**not met**');

function printHandler(rows: { impl: string; f: HandlerFigures }[], overhead: OverheadFigures | undefined): void {
  const line = (cells: string[]) => console.log('| ' + cells.join(' | ') + ' |');
  const cur = rows[rows.length - 1]!.f;
  line(['anomaly handler', ...rows.map((r) => r.impl), 'target (this branch)']);
  line(['---', ...rows.map(() => '---'), '---']);
  const cell = (g: (f: HandlerFigures) => string, target = '') => [...rows.map((r) => g(r.f)), target];
  line(['devices interleaved', ...cell((f) => String(f.devices))]);
  line([
    'cold build: template training (CPU)',
    ...cell((f) => `${f.trainRecords} records, ${(f.trainCpuMs / 1000).toFixed(1)} s`),
  ]);
  line(['cold build: restore per device (CPU)', ...cell((f) => `${f.restoreCpuMsPerDevice.toFixed(1)} ms`)]);
  line([
    'handler warm-up (not measured)',
    ...cell((f) => `${f.warmupRecords} records, ${(f.warmupCpuMs / 1000).toFixed(1)} s CPU, ${f.warmupPuts} PUTs`),
  ]);
  line(['measured window', ...cell((f) => `${f.seconds} s × ${f.devices} devices = ${f.records} records`)]);
  line([
    '**records/s per core (CPU time)**',
    ...cell(
      (f) => perSecond(f.records, f.cpuMs).toFixed(0),
      `≥ ${TARGETS.recordsPerCoreSecond}: ${verdict(perSecond(cur.records, cur.cpuMs) >= TARGETS.recordsPerCoreSecond)}`
    ),
  ]);
  line(['records/s (wall, loaded machine)', ...cell((f) => perSecond(f.records, f.wallMs).toFixed(0))]);
  line(['CPU ms per record', ...cell((f) => (f.cpuMs / f.records).toFixed(3))]);
  if (overhead !== undefined) {
    const o = overhead.cpuMs / overhead.records;
    line([
      'of which handler without the model (no-op model run)',
      ...rows.map((r, i) =>
        i === rows.length - 1
          ? `${o.toFixed(3)} ms (${perSecond(overhead.records, overhead.cpuMs).toFixed(0)} records/s)`
          : '–'
      ),
      '',
    ]);
    const encodePerRecord = (cur.puts * cur.encodeMs) / cur.records;
    line([
      'of which snapshot encoding (PUTs × median encode)',
      ...rows.map((r, i) => (i === rows.length - 1 ? `${encodePerRecord.toFixed(3)} ms` : '–')),
      '',
    ]);
    line([
      'of which the model update and scoring (rest)',
      ...rows.map((r, i) =>
        i === rows.length - 1 ? `${(cur.cpuMs / cur.records - o - encodePerRecord).toFixed(3)} ms` : '–'
      ),
      '',
    ]);
    line([
      'of which the model in total (process + snapshot; difference)',
      ...rows.map((r, i) => (i === rows.length - 1 ? `${(cur.cpuMs / cur.records - o).toFixed(3)} ms` : '–')),
      '',
    ]);
  }
  line([
    '**state writes (PUT) per record**',
    ...cell(
      (f) => `${(f.puts / f.records).toFixed(4)} (${f.puts} PUTs)`,
      `≤ 1/60 = ${TARGETS.putsPerRecord.toFixed(4)}: ${verdict(cur.puts / cur.records <= TARGETS.putsPerRecord + 1e-9)}`
    ),
  ]);
  line(['S3 reads (GET/HEAD) per record', ...cell((f) => (f.gets / f.records).toFixed(4))]);
  line(['alerts published', ...cell((f) => String(f.alerts))]);
  line(['failed batch items', ...cell((f) => String(f.failed))]);
  line([
    '**snapshot size**',
    ...cell(
      (f) => `${f.snapshotBytes} B (${kib(f.snapshotBytes)})`,
      `≤ 256 KiB: ${verdict(cur.snapshotBytes <= TARGETS.snapshotBytes)}`
    ),
  ]);
  line(['snapshot encode (CPU, median of 15)', ...cell((f) => `${f.encodeMs.toFixed(2)} ms`, '≤ 5 ms')]);
  line(['snapshot decode (CPU, median of 15)', ...cell((f) => `${f.decodeMs.toFixed(2)} ms`, '≤ 5 ms')]);
  line([
    '**memory per warm device** (heap + array buffers after GC)',
    ...cell(
      (f) => mib(f.memoryPerDeviceBytes),
      `≤ 1.5 MiB: ${verdict(cur.memoryPerDeviceBytes <= TARGETS.memoryPerDeviceBytes)}`
    ),
  ]);
  line([
    '1-min load average (start → end of window)',
    ...cell((f) => `${f.loadAverage[0].toFixed(1)} → ${f.loadAverage[1].toFixed(1)}`),
  ]);
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if ((globalThis as { gc?: unknown }).gc === undefined) {
    console.warn('note: run with node --expose-gc for exact memory figures (npm run bench:streaming does)');
  }
  const t0 = process.hrtime.bigint();
  const startMs = Date.parse('2026-11-25T00:00:00Z');
  const one = [
    ...simulate({
      devices: 1,
      rate: 1,
      durationSeconds: args.train + args.warmupSeconds + Math.max(args.seconds, args.baselineSeconds),
      startMs,
      seed: 7,
      faults: false,
    }),
  ].map((r) => r.reading);
  const train = one.slice(0, args.train);
  const warmup = one.slice(args.train, args.train + args.warmupSeconds);
  const after = args.train + args.warmupSeconds;
  const s3 = await startMotoS3();
  try {
    await s3.createBucket('bench-state-today');
    await s3.createBucket('bench-state-new');
    await s3.createBucket('bench-state-noop');
    await s3.createBucket('bench-windows');
    // Today: the curated (versioned) bucket keeps 90 days of noncurrent versions; this branch: see STATE_NONCURRENT_DAYS.
    const rows: { impl: string; f: HandlerFigures; noncurrentDays: number; flushConcurrency: number }[] = [];
    if (!args.skipBaseline) {
      const base = baselineImpl();
      const ticks = one.slice(after, after + args.baselineSeconds);
      rows.push({
        impl: base.name,
        // Its deployed event source: batch size 100, 1-s window (about one second of readings per batch).
        f: await measureHandler(
          base,
          s3,
          'bench-state-today',
          args.baselineDevices,
          train,
          warmup.slice(0, 1),
          ticks,
          Math.min(100, args.baselineDevices)
        ),
        noncurrentDays: 90,
        // Today's flush awaits one device after the other.
        flushConcurrency: 1,
      });
      gc();
    }
    const cur = currentImpl();
    const ticks = one.slice(after, after + args.seconds);
    const now = await measureHandler(cur, s3, 'bench-state-new', args.devices, train, warmup, ticks, args.batch);
    rows.push({ impl: cur.name, f: now, noncurrentDays: STATE_NONCURRENT_DAYS, flushConcurrency: FLUSH_CONCURRENCY });
    gc();
    const overhead = await measureOverhead(
      s3,
      'bench-state-noop',
      args.devices,
      now.snapshotBytes,
      warmup,
      ticks,
      args.batch
    );
    console.log(
      `\nanomaly: ${args.devices} devices interleaved at 1 Hz, warm models (one restore each from a template trained on ` +
        `${args.train} readings), ${args.warmupSeconds} s of handler warm-up, then ${args.seconds} s measured; batches ` +
        `of ${args.batch}; S3 = moto on 127.0.0.1 behind the real S3Client; checkpoint interval 60 s.` +
        (args.skipBaseline
          ? ''
          : ` Today's code measured in the same run at ${args.baselineDevices} devices × ${args.baselineSeconds} s ` +
            `(1 s warm-up, batches of ${Math.min(100, args.baselineDevices)} as its deployed event source): it writes a ` +
            `1.2 MB snapshot per device per batch and cannot hold 1,000 models.`) +
        ` Machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}, node ${process.version}, shared.\n`
    );
    printHandler(rows, overhead);
    const w = await measureWindow(s3, 'bench-windows', args.devices);
    console.log(
      `\nwindow function (180-s tumbling window, 10-s buckets), ${w.devices} devices in one shard, one window:\n`
    );
    console.log(`| window | value |\n| --- | --- |`);
    console.log(`| records per window | ${w.records} |`);
    console.log(`| records/s per core (CPU time) | ${perSecond(w.records, w.cpuMs).toFixed(0)} |`);
    console.log(
      `| state carried at window end | ${w.stateBytes} B (${kib(w.stateBytes)}; Lambda limit 1 MB per shard) |`
    );
    console.log(
      `| state per device | ${(w.stateBytes / w.devices).toFixed(0)} B (1 MB holds ≈ ${Math.floor(1e6 / (w.stateBytes / w.devices))} devices per shard) |`
    );
    console.log(
      `| output per window (JSON lines, one PUT) | ${w.outputBytes} B (${w.rows} rows, ${(w.outputBytes / w.devices).toFixed(0)} B per device) |`
    );

    const inputs = (f: HandlerFigures, noncurrentDays: number, flushConcurrency: number): CostInputs => ({
      devices: 1000,
      cpuMsPerRecord: f.cpuMs / f.records,
      putsPerRecord: f.puts / f.records,
      getsPerRecord: f.gets / f.records,
      snapshotBytes: f.snapshotBytes,
      memoryPerDeviceBytes: f.memoryPerDeviceBytes,
      flushConcurrency,
      noncurrentDays,
      windowCpuMsPerRecord: w.cpuMs / w.records,
      windowOutputBytesPerDevicePerWindow: w.outputBytes / w.devices,
    });
    console.log(
      '\ncost per 1,000 devices per day at 1 Hz, from the figures above (prices and assumptions: lambdas/anomaly/bench/cost.ts):\n'
    );
    const costs = rows.map((r) => ({
      name: r.impl,
      cost: costPerDay(inputs(r.f, r.noncurrentDays, r.flushConcurrency)),
    }));
    console.log(formatCostTable(costs));
    console.log(
      '\n' +
        describeAssumptions(
          costs.map((c) => ({
            name: c.name,
            derived: derivedSizing(inputs(rows.find((r) => r.impl === c.name)!.f, 0, 1)),
          }))
        )
    );
    console.log(`\nbench wall time: ${(Number(process.hrtime.bigint() - t0) / 1e9).toFixed(0)} s`);
  } finally {
    await s3.stop();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
