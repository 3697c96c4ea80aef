/**
 * Cost per day of the streaming path at 1 Hz per device, from the benchmark's measured figures and list prices.
 *
 * Prices (USD, list, no free tier; region noted per price — check your region before quoting):
 * - Kinesis Data Streams, https://aws.amazon.com/kinesis/data-streams/pricing/ (us-east-1 figures; the page renders
 *   regional prices dynamically): on-demand $0.04 per stream-hour, $0.08 per GB in (records rounded up to 1 KiB),
 *   $0.04 per GB out; provisioned $0.015 per shard-hour, $0.014 per million 25-KiB PUT payload units.
 * - Lambda arm64, https://aws.amazon.com/lambda/pricing/: $0.0000133334 per GB-s (the base price; ap-northeast-2 is
 *   not among the regions priced differently), $0.20 per million requests.
 * - S3 Standard, https://aws.amazon.com/s3/pricing/: PUT $0.0045 and GET $0.00035 per 1,000 (ap-northeast-2),
 *   storage $0.025 per GB-month (ap-northeast-2 first 50 TB, as used by the streaming review).
 * - SNS, https://aws.amazon.com/sns/pricing/: $0.50 per million publishes, $0.50 per million mobile push deliveries,
 *   $2.00 per 100,000 email deliveries (us-east-1 figures).
 * Assumptions that are not measured are named in `ASSUMPTIONS`.
 */
export const PRICES = {
  kinesisStreamHour: 0.04,
  kinesisIngestGb: 0.08,
  kinesisRetrievalGb: 0.04,
  kinesisShardHour: 0.015,
  kinesisPutUnitPerMillion: 0.014,
  lambdaGbSecond: 0.0000133334,
  lambdaRequestPerMillion: 0.2,
  s3PutPer1000: 0.0045,
  s3GetPer1000: 0.00035,
  s3GbMonth: 0.025,
  snsPublishPerMillion: 0.5,
  snsMobilePushPerMillion: 0.5,
} as const;

export const ASSUMPTIONS = {
  /** Lambda gives one vCPU at 1,769 MB; single-threaded work at less memory runs 1769/MB times longer. */
  fullVcpuMb: 1769,
  /** Wall time a function waits per S3 request (not measured locally); concurrent checkpoint PUTs share it. */
  s3LatencyMs: 40,
  /** Runtime, SDK and one batch; the handler's default cache bound is 60 % of the memory above this. */
  baseMemoryMb: 256,
  cacheShare: 0.6,
  /** Devices per shard (on-demand starts with 4 shards; 1,000 devices → 250 a shard, one environment each). */
  devicesPerShard: 250,
  /** Records per anomaly invocation (batch size 1,000, or 4 s of a 250-device shard). */
  recordsPerInvocation: 1000,
  /** Kinesis consumers reading every record (anomaly + window functions, Firehose). */
  consumers: 3,
  /** Alerts per device per day (the 600-s cooldown caps it at 144); phones subscribed to each alert. */
  alertsPerDevicePerDay: 10,
  phonesPerAlert: 5,
  readingBytes: 230,
} as const;

export interface CostInputs {
  readonly devices: number;
  readonly cpuMsPerRecord: number;
  readonly putsPerRecord: number;
  readonly getsPerRecord: number;
  readonly snapshotBytes: number;
  /** Measured memory per warm device; sizes the function so that a shard's devices stay cached. */
  readonly memoryPerDeviceBytes: number;
  /** Checkpoint PUTs the handler keeps in flight at once at the end of a batch (1: one after the other). */
  readonly flushConcurrency: number;
  /** Days of noncurrent versions kept per PUT (0 for an unversioned state bucket). */
  readonly noncurrentDays?: number;
  readonly windowCpuMsPerRecord: number;
  readonly windowOutputBytesPerDevicePerWindow: number;
}

export interface CostLine {
  readonly item: string;
  readonly usd: number;
}

/** Function memory and shards implied by the measured figures. */
export function derivedSizing(i: CostInputs): {
  shards: number;
  functionMemoryMb: number;
  gbSecondsPerCpuSecond: number;
} {
  const a = ASSUMPTIONS;
  const shards = Math.max(1, Math.ceil(i.devices / a.devicesPerShard));
  const devicesPerEnv = Math.ceil(i.devices / shards);
  const cacheMb = (devicesPerEnv * i.memoryPerDeviceBytes) / 1024 ** 2 / a.cacheShare;
  const functionMemoryMb = Math.min(10_240, Math.max(1024, Math.ceil((a.baseMemoryMb + cacheMb) / 64) * 64));
  // CPU-bound single-threaded work: wall = cpu × max(1, 1769 / MB); GB-s = wall × MB / 1024.
  const gbSecondsPerCpuSecond = Math.max(functionMemoryMb, a.fullVcpuMb) / 1024;
  return { shards, functionMemoryMb, gbSecondsPerCpuSecond };
}

export function costPerDay(i: CostInputs): CostLine[] {
  const p = PRICES;
  const a = ASSUMPTIONS;
  const { shards, functionMemoryMb, gbSecondsPerCpuSecond } = derivedSizing(i);
  const records = i.devices * 86_400;
  const puts = records * i.putsPerRecord;
  const gets = records * i.getsPerRecord;
  const anomalyGbS =
    (records * i.cpuMsPerRecord * gbSecondsPerCpuSecond) / 1000 +
    (((puts / Math.max(1, i.flushConcurrency) + gets) * a.s3LatencyMs) / 1000) * (functionMemoryMb / 1024);
  const windowGbS = (records * i.windowCpuMsPerRecord * (a.fullVcpuMb / 1024)) / 1000;
  const windowInvocations = (86_400 / 180) * shards * 36;
  const gbIn = (records * 1024) / 1024 ** 3;
  const gbOut = ((records * a.readingBytes) / 1024 ** 3) * a.consumers;
  const stateGb = (i.devices * i.snapshotBytes) / 1024 ** 3;
  const noncurrentGb = (puts * i.snapshotBytes * (i.noncurrentDays ?? 0)) / 1024 ** 3;
  const windowGbPerDay = (i.devices * i.windowOutputBytesPerDevicePerWindow * 480) / 1024 ** 3;
  const alerts = i.devices * a.alertsPerDevicePerDay;
  return [
    {
      item: 'Kinesis on-demand (stream-hours, ingest at 1 KiB/record, 3 readers)',
      usd: 24 * p.kinesisStreamHour + gbIn * p.kinesisIngestGb + gbOut * p.kinesisRetrievalGb,
    },
    {
      item: `(alternative: Kinesis provisioned, ${shards} shards + PUT payload units)`,
      usd: 24 * shards * p.kinesisShardHour + (records / 1e6) * p.kinesisPutUnitPerMillion,
    },
    {
      item: 'Lambda anomaly function (arm64 GB-s incl. S3 waits, requests; memory: see below)',
      usd: anomalyGbS * p.lambdaGbSecond + ((records / a.recordsPerInvocation) * p.lambdaRequestPerMillion) / 1e6,
    },
    {
      item: 'Lambda window function (GB-s, requests: one per shard every 5 s)',
      usd: windowGbS * p.lambdaGbSecond + (windowInvocations * p.lambdaRequestPerMillion) / 1e6,
    },
    { item: 'S3 state PUTs', usd: (puts / 1000) * p.s3PutPer1000 },
    { item: 'S3 state GETs', usd: (gets / 1000) * p.s3GetPer1000 },
    {
      item: 'S3 state storage (current + noncurrent versions, per day)',
      usd: ((stateGb + noncurrentGb) * p.s3GbMonth) / 30,
    },
    {
      item: 'S3 window output (PUTs + one month of storage of a day of output)',
      usd: ((480 * shards) / 1000) * p.s3PutPer1000 + windowGbPerDay * p.s3GbMonth,
    },
    {
      item: `SNS alerts (${a.alertsPerDevicePerDay}/device/day: publishes + ${a.phonesPerAlert} mobile pushes each)`,
      usd: (alerts / 1e6) * (p.snsPublishPerMillion + a.phonesPerAlert * p.snsMobilePushPerMillion),
    },
  ];
}

/** Lines whose item starts with "(" are alternatives, shown but not added to the total. */
export function formatCostTable(rows: { name: string; cost: CostLine[] }[]): string {
  const out: string[] = [];
  out.push('| USD per day, 1,000 devices | ' + rows.map((r) => r.name).join(' | ') + ' |');
  out.push('| --- | ' + rows.map(() => '---:').join(' | ') + ' |');
  const items = rows[0]?.cost.map((c) => c.item) ?? [];
  items.forEach((item, k) => {
    out.push(`| ${item} | ` + rows.map((r) => r.cost[k]!.usd.toFixed(2)).join(' | ') + ' |');
  });
  const total = (c: CostLine[]) => c.filter((l) => !l.item.startsWith('(')).reduce((s, l) => s + l.usd, 0);
  out.push(
    '| **total (on-demand Kinesis)** | ' + rows.map((r) => `**${total(r.cost).toFixed(2)}**`).join(' | ') + ' |'
  );
  return out.join('\n');
}

export function describeAssumptions(rows: { name: string; derived: ReturnType<typeof derivedSizing> }[]): string {
  const a = ASSUMPTIONS;
  return [
    'Derived from the measured figures: ' +
      rows
        .map(
          (r) =>
            `${r.name}: ${r.derived.shards} shards, ${r.derived.functionMemoryMb} MB function ` +
            `(${a.devicesPerShard} devices cached per environment), ${r.derived.gbSecondsPerCpuSecond.toFixed(2)} GB-s per CPU-second`
        )
        .join('; ') +
      '.',
    `Assumed, not measured: Lambda CPU = this machine's CPU time; ${a.s3LatencyMs} ms per S3 request; ` +
      `${a.alertsPerDevicePerDay} alerts/device/day to ${a.phonesPerAlert} phones; ${a.consumers} stream readers; ` +
      `${a.readingBytes} B per reading.`,
  ].join('\n');
}
