/**
 * Cost per day of the streaming path at 1 Hz per device, from the benchmark's measured figures and list prices.
 * Prices: S3 requests are ap-northeast-2 list prices; the others are assumed list prices (us-east-1 class) — check
 * the AWS pricing pages of your region before quoting. Assumptions are named in `ASSUMPTIONS`.
 */
export const PRICES = {
  /** Kinesis Data Streams on-demand: per stream-hour, per GB ingested (records rounded up to 1 KiB), per GB read. */
  kinesisStreamHour: 0.04,
  kinesisIngestGb: 0.08,
  kinesisRetrievalGb: 0.04,
  /** Lambda arm64 per GB-second and per million requests. */
  lambdaGbSecond: 0.0000133334,
  lambdaRequestPerMillion: 0.2,
  /** S3 Standard: PUT and GET per 1,000 requests (ap-northeast-2), storage per GB-month. */
  s3PutPer1000: 0.0045,
  s3GetPer1000: 0.00035,
  s3GbMonth: 0.025,
  /** SNS publish per million requests. */
  snsPublishPerMillion: 0.5,
} as const;

export const ASSUMPTIONS = {
  /** Lambda gives one vCPU at 1,769 MB, so a CPU-bound GB-s costs this factor × the CPU seconds measured here. */
  lambdaCpuFactor: 1769 / 1024,
  /** Wall time a function waits per S3 request (not measured locally). */
  s3LatencyMs: 40,
  functionMemoryMb: 1024,
  /** Records per anomaly invocation (batch size 1,000 or 5 s of a 250-device shard). */
  recordsPerInvocation: 1000,
  /** Kinesis consumers reading every record (anomaly + window functions, Firehose). */
  consumers: 3,
  /** Alerts per device per day (the 600-s cooldown caps it at 144). */
  alertsPerDevicePerDay: 10,
  /** Noncurrent snapshot versions kept (days) when state is written to a versioned bucket without a lifecycle. */
  noncurrentDays: 90,
  readingBytes: 230,
} as const;

export interface CostInputs {
  readonly devices: number;
  readonly cpuMsPerRecord: number;
  readonly putsPerRecord: number;
  readonly getsPerRecord: number;
  readonly snapshotBytes: number;
  /** Days of noncurrent versions kept per PUT (0 for an unversioned state bucket or a 1-day noncurrent expiry). */
  readonly noncurrentDays?: number;
  readonly windowCpuMsPerRecord: number;
  readonly windowOutputBytesPerDevicePerWindow: number;
}

export interface CostLine {
  readonly item: string;
  readonly usd: number;
}

export function costPerDay(i: CostInputs): CostLine[] {
  const p = PRICES;
  const a = ASSUMPTIONS;
  const records = i.devices * 86_400;
  const puts = records * i.putsPerRecord;
  const gets = records * i.getsPerRecord;
  const anomalyGbS =
    ((records * i.cpuMsPerRecord * a.lambdaCpuFactor + (puts + gets) * a.s3LatencyMs) / 1000) *
    (a.functionMemoryMb / 1024);
  const windowGbS = ((records * i.windowCpuMsPerRecord * a.lambdaCpuFactor) / 1000) * (512 / 1024);
  const windowInvocations = (86_400 / 180) * Math.max(1, Math.ceil(i.devices / 250)) * 36;
  const gbIn = (records * 1024) / 1024 ** 3;
  const gbOut = ((records * a.readingBytes) / 1024 ** 3) * a.consumers;
  const stateGb = (i.devices * i.snapshotBytes) / 1024 ** 3;
  const noncurrentGb = (puts * i.snapshotBytes * (i.noncurrentDays ?? 0)) / 1024 ** 3;
  const shards = Math.max(1, Math.ceil(i.devices / 250));
  const windowGbPerDay = (i.devices * i.windowOutputBytesPerDevicePerWindow * 480) / 1024 ** 3;
  return [
    {
      item: 'Kinesis on-demand (stream-hours, ingest at 1 KiB/record, 3 readers)',
      usd: 24 * p.kinesisStreamHour + gbIn * p.kinesisIngestGb + gbOut * p.kinesisRetrievalGb,
    },
    {
      item: 'Lambda anomaly function (GB-s incl. S3 waits, requests)',
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
      item: 'SNS alert publishes',
      usd: ((i.devices * a.alertsPerDevicePerDay) / 1e6) * p.snsPublishPerMillion,
    },
  ];
}

export function formatCostTable(rows: { name: string; cost: CostLine[] }[]): string {
  const out: string[] = [];
  out.push('| USD per day, 1,000 devices | ' + rows.map((r) => r.name).join(' | ') + ' |');
  out.push('| --- | ' + rows.map(() => '---:').join(' | ') + ' |');
  const items = rows[0]?.cost.map((c) => c.item) ?? [];
  items.forEach((item, k) => {
    out.push(`| ${item} | ` + rows.map((r) => r.cost[k]!.usd.toFixed(2)).join(' | ') + ' |');
  });
  out.push(
    '| **total** | ' + rows.map((r) => `**${r.cost.reduce((s, c) => s + c.usd, 0).toFixed(2)}**`).join(' | ') + ' |'
  );
  return out.join('\n');
}
