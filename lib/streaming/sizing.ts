/**
 * Scale parameters of the streaming path from the number of devices (issue 14): pure arithmetic, no CDK, so it is
 * unit-tested and the docs' sizing table is computed by it.
 *
 * Limits it works within:
 * - a Kinesis shard takes 1 MB/s or 1,000 records/s of writes, in both capacity modes; a new on-demand stream starts
 *   with 4 MB/s of write capacity (4 shards) and scales with write traffic:
 *   https://docs.aws.amazon.com/streams/latest/dev/working-with-streams.html and
 *   https://docs.aws.amazon.com/streams/latest/dev/service-sizes-and-limits.html
 * - a Kinesis event source: parallelization factor 1-10 concurrent batches per shard (order kept per partition key),
 *   batch size up to 10,000, batching window up to 300 s: https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html
 * - Lambda CPU is proportional to memory, one vCPU at 1,769 MB; Node runs the handler on one core, so more than one
 *   vCPU does not help it: https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html
 * - the window function keeps its tumbling-window state in Lambda, at most 1 MB per shard (≈ 1,500 devices).
 */

/**
 * What one device costs the anomaly handler, as measured. Keep these in step with the latest
 * `npm run bench:streaming -- --devices 1000` (lambdas/anomaly/bench/streaming.ts) and the table in docs/streaming.md
 * "State, checkpoints and failures"; a faster or smaller model changes only these numbers.
 */
export const MEASURED = {
  /** Memory of one warm device model, MiB (heap + typed arrays after GC; bench "memory per warm device"). */
  modelMibPerDevice: 7.4,
  /**
   * CPU of one record through the handler, ms of an idle core: `process()` is 0.33 ms, about 0.5 ms in the handler
   * with the batch processor (review of the streaming path, `reviews/streaming-scale.md` §3).
   */
  recordCpuMs: 0.5,
  /**
   * CPU of one checkpoint, ms: snapshot encode (28 ms on the bench's loaded machine, ≈ 3× an idle core, so ≈ 9 ms)
   * plus about 8 ms of SDK PutObject work (CRC32, SigV4).
   */
  checkpointCpuMs: 17,
  /** CPU of one cold load, ms: snapshot decode rebuilds the trees (276 ms loaded ≈ 92 ms idle) plus SDK GetObject. */
  coldLoadCpuMs: 100,
  /** Bytes of one sensor reading on the stream (JSON). */
  recordBytes: 230,
} as const;

/** Readings per device per second (the design load: one a second). */
export const READINGS_PER_SECOND = 1;
/** Shard write limits (both modes). */
export const SHARD_WRITE_RECORDS_PER_SECOND = 1000;
export const SHARD_WRITE_BYTES_PER_SECOND = 1024 * 1024;
/** Shards a new on-demand stream starts with (4 MB/s of writes). */
export const ON_DEMAND_INITIAL_SHARDS = 4;
/** Fill shards to at most this share of their write limit (partition keys do not hash perfectly evenly). */
export const SHARD_HEADROOM = 0.8;
/** Devices whose window state fits Lambda's 1 MB per shard (≈ 30 B of JSON per device and bucket: 1,500-1,850). */
export const WINDOW_DEVICES_PER_SHARD = 1500;

/** Memory the handler needs besides the cache (runtime, SDK, one batch); the handler's own default assumes it. */
export const BASE_MEMORY_MB = 256;
/** Share of the memory above the base that the cache may use (the handler's default bound is the same 60 %). */
export const CACHE_SHARE = 0.6;
/** The cache holds every device of a consumer with this slack (devices of another shard after a reassignment). */
export const CACHE_SLACK = 1.2;
export const MIN_MEMORY_MB = 1024;
/** Above this, add parallel batches (or shards) instead of memory: past one vCPU, memory buys the handler nothing. */
export const MAX_MEMORY_MB = 3008;
/** Highest share of a consumer's CPU the steady load may take (leaves room to catch up after a lag). */
export const MAX_CPU_UTILIZATION = 0.5;
export const ONE_VCPU_MB = 1769;
/** Batching window: alerts are at most this much later, batches hold this many seconds of readings. */
export const BATCHING_WINDOW_SECONDS = 5;
/** A batch may hold this many windows' worth of a consumer's readings, so a lagging consumer catches up. */
export const CATCH_UP_FACTOR = 4;
/** S3 call latency assumed for the timeout (a slow, p99-like call; GET of a cold device and its checkpoint PUT). */
export const SLOW_S3_CALL_MS = 400;
export const TIMEOUT_SAFETY = 1.5;
export const MIN_TIMEOUT_SECONDS = 120;
export const MAX_TIMEOUT_SECONDS = 900;

export interface SizingInput {
  /** Devices sending one reading a second (`streaming.devices`). */
  readonly devices: number;
  /** Seconds between two checkpoints of a device (`streaming.checkpointIntervalSeconds`). */
  readonly checkpointIntervalSeconds: number;
  readonly streamMode: 'on-demand' | 'provisioned';
  /** Provisioned mode: the configured shard count, a floor (`streaming.shardCount`). */
  readonly minShards?: number;
}

export interface StreamingSizing {
  readonly devices: number;
  readonly recordsPerSecond: number;
  readonly bytesPerSecond: number;
  /** Shards the stream has (provisioned) or is expected to have (on-demand: scales with writes, at least 4). */
  readonly shards: number;
  /** How the shard count comes about. */
  readonly streamNote: string;
  /** Concurrent batches per shard of the anomaly event source (1-10). */
  readonly parallelizationFactor: number;
  /** Devices one anomaly invocation holds: devices / (shards × parallelization factor). */
  readonly devicesPerConsumer: number;
  readonly batchSize: number;
  readonly maxBatchingWindowSeconds: number;
  readonly memoryMb: number;
  readonly timeoutSeconds: number;
  /** Cache bound of the anomaly handler (env CACHE_MAX_MB). */
  readonly cacheMaxMb: number;
  /** env CHECKPOINT_INTERVAL_SECONDS. */
  readonly checkpointIntervalSeconds: number;
  /** Estimated steady CPU share of one consumer (≤ MAX_CPU_UTILIZATION). */
  readonly cpuUtilization: number;
}

const roundUp = (value: number, step: number) => Math.ceil(value / step) * step;
const clamp = (value: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, value));

/** One anomaly consumer holding `devicesPerConsumer` devices: its memory, cache and steady CPU share. */
function consumer(devicesPerConsumer: number, checkpointIntervalSeconds: number) {
  const cacheMaxMb = Math.ceil(devicesPerConsumer * MEASURED.modelMibPerDevice * CACHE_SLACK);
  const memoryMb = Math.max(MIN_MEMORY_MB, roundUp(BASE_MEMORY_MB + cacheMaxMb / CACHE_SHARE, 64));
  const vcpu = Math.min(1, memoryMb / ONE_VCPU_MB);
  const cpuMsPerSecond =
    devicesPerConsumer *
    (READINGS_PER_SECOND * MEASURED.recordCpuMs + MEASURED.checkpointCpuMs / checkpointIntervalSeconds);
  return { cacheMaxMb, memoryMb, vcpu, cpuUtilization: cpuMsPerSecond / 1000 / vcpu };
}

/** Shards, parallelization, batching, memory, timeout and cache of the anomaly path for `input.devices`. */
export function sizeStreaming(input: SizingInput): StreamingSizing {
  const { devices, checkpointIntervalSeconds, streamMode } = input;
  if (!Number.isInteger(devices) || devices < 1)
    throw new Error(`devices: expected a positive integer, got ${devices}`);
  if (!(checkpointIntervalSeconds > 0)) {
    throw new Error(`checkpointIntervalSeconds: expected a positive number, got ${checkpointIntervalSeconds}`);
  }
  const recordsPerSecond = devices * READINGS_PER_SECOND;
  const bytesPerSecond = recordsPerSecond * MEASURED.recordBytes;
  const writeShards = Math.ceil(
    Math.max(recordsPerSecond / SHARD_WRITE_RECORDS_PER_SECOND, bytesPerSecond / SHARD_WRITE_BYTES_PER_SECOND) /
      SHARD_HEADROOM
  );
  const windowShards = Math.ceil(devices / WINDOW_DEVICES_PER_SHARD);

  let shards: number;
  let streamNote: string;
  if (streamMode === 'provisioned') {
    shards = Math.max(input.minShards ?? 1, writeShards, windowShards);
    streamNote = `provisioned: ${shards} (writes need ${writeShards}, window state ${windowShards})`;
  } else {
    shards = Math.max(ON_DEMAND_INITIAL_SHARDS, writeShards);
    streamNote =
      `on-demand: ${ON_DEMAND_INITIAL_SHARDS} at first, scaling with writes to about ${shards}` +
      (windowShards > shards ? `; window state needs ${windowShards} shards: use provisioned mode` : '');
  }

  // Fewest parallel batches per shard whose consumer fits the memory ceiling and the CPU budget; in provisioned mode
  // more shards when ten batches per shard are not enough (on-demand shards follow the writes, not the consumers).
  let parallelizationFactor = 1;
  for (;;) {
    const c = consumer(Math.ceil(devices / (shards * parallelizationFactor)), checkpointIntervalSeconds);
    if (c.memoryMb <= MAX_MEMORY_MB && c.cpuUtilization <= MAX_CPU_UTILIZATION) break;
    if (parallelizationFactor < 10) parallelizationFactor++;
    else if (streamMode === 'provisioned') shards++;
    else break;
  }
  const devicesPerConsumer = Math.ceil(devices / (shards * parallelizationFactor));
  const c = consumer(devicesPerConsumer, checkpointIntervalSeconds);

  const batchSize = clamp(
    roundUp(devicesPerConsumer * READINGS_PER_SECOND * BATCHING_WINDOW_SECONDS * CATCH_UP_FACTOR, 100),
    100,
    10_000
  );
  // Worst batch: a full batch whose devices are all cold (load, apply, checkpoint each), with slow S3 calls.
  const coldDevices = Math.min(devicesPerConsumer, batchSize);
  const cpuSeconds =
    (batchSize * MEASURED.recordCpuMs + coldDevices * (MEASURED.coldLoadCpuMs + MEASURED.checkpointCpuMs)) / 1000;
  const worstBatchSeconds = cpuSeconds / c.vcpu + (coldDevices * 2 * SLOW_S3_CALL_MS) / 1000;
  const timeoutSeconds = clamp(
    roundUp(worstBatchSeconds * TIMEOUT_SAFETY, 30),
    MIN_TIMEOUT_SECONDS,
    MAX_TIMEOUT_SECONDS
  );

  return {
    devices,
    recordsPerSecond,
    bytesPerSecond,
    shards,
    streamNote,
    parallelizationFactor,
    devicesPerConsumer,
    batchSize,
    maxBatchingWindowSeconds: BATCHING_WINDOW_SECONDS,
    memoryMb: c.memoryMb,
    timeoutSeconds,
    cacheMaxMb: c.cacheMaxMb,
    checkpointIntervalSeconds,
    cpuUtilization: c.cpuUtilization,
  };
}
