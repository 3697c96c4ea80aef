import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { AnomalyDetector } from '@smart-factory/rcf';
import { parseSensorReading } from '@smart-factory/schema';
import type { KinesisStreamRecord } from 'aws-lambda';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { runSimulate } from '../../packages/cli/src/commands/simulate';
import { putRecordsWithRetry } from '../../packages/cli/src/simulator/kinesis-put';
import { FakeS3, FakeSns, FakeSqs } from '../../test/helpers/aws-fakes';
import { createStream, FAKE_CREDENTIALS, readShards, startKinesalite } from '../../test/helpers/kinesalite';
import type { Alert } from './alerts';
import type { CachedDevice } from './core';
import { createAnomalyHandler, type AnomalyHandlerSettings } from './handler';
import { type AnomalyModel, MODEL_FIELDS, modelPoint } from './model';
import { decodeState } from './state';

// Quiet Powertools (its singletons read the environment when the handler module is imported).
vi.hoisted(() => {
  process.env['POWERTOOLS_LOG_LEVEL'] = 'SILENT';
  process.env['POWERTOOLS_METRICS_DISABLED'] = 'true';
  process.env['POWERTOOLS_METRICS_NAMESPACE'] = 'Test';
});

const STREAM = 'telemetry';
const SETTINGS: AnomalyHandlerSettings = {
  stateBucket: 'curated',
  statePrefix: 'state/anomaly/',
  alertTopicArn: 'arn:aws:sns:ap-northeast-2:123456789012:alerts',
  deadLetterQueueUrl: 'https://sqs.ap-northeast-2.amazonaws.com/123456789012/anomaly-dlq',
  threshold: 0.7,
  cooldownMs: 120_000,
  timeZone: 'Asia/Seoul',
  // Every batch checkpoints what changed (the interval and the failure scenarios: anomaly.failures.kinesalite.test.ts).
  checkpointIntervalMs: 0,
};
const BATCH = 250;
const POISON = [
  'not json at all',
  JSON.stringify({
    device_id: 'press-002',
    ts: '2026-11-25T00:00:00Z',
    temperature: 9999,
    motor_speed_rpm: 1500,
    rvibration_temp: 50,
    rvibration_z_rms_velocity: 2,
  }),
  JSON.stringify({
    device_id: 'press-003',
    temperature: 60,
    motor_speed_rpm: 1500,
    rvibration_temp: 50,
    rvibration_z_rms_velocity: 2,
  }),
];

let shards: Map<string, KinesisStreamRecord[]>;
let labels: { device_id: string; fault: string; start: string; end: string }[];
let simulateLog = '';

type Handler = ReturnType<typeof createAnomalyHandler>;
interface Rig {
  s3: FakeS3;
  sns: FakeSns;
  sqs: FakeSqs;
  cache: Map<string, CachedDevice>;
  handler: Handler;
}
function rig(s3 = new FakeS3(), sns = new FakeSns(), sqs = new FakeSqs()): Rig {
  const cache = new Map<string, CachedDevice>();
  return { s3, sns, sqs, cache, handler: createAnomalyHandler({ s3, sns, sqs }, SETTINGS, undefined, cache) };
}

/** Delivers a shard like Lambda: batches of BATCH; on batchItemFailures resume at the lowest failed sequence number. */
async function deliver(
  records: KinesisStreamRecord[],
  invoke: () => Handler,
  maxInvocations = 1000
): Promise<{ invocations: number; failures: number }> {
  let pos = 0;
  let invocations = 0;
  let failures = 0;
  while (pos < records.length) {
    if (++invocations > maxInvocations) throw new Error('too many invocations');
    const batch = records.slice(pos, pos + BATCH);
    const res = await invoke()({ Records: batch });
    if (res.batchItemFailures.length === 0) {
      pos += batch.length;
      continue;
    }
    failures++;
    const lowest = res.batchItemFailures.map((f) => BigInt(f.itemIdentifier)).reduce((a, b) => (a < b ? a : b));
    pos = records.findIndex((r) => BigInt(r.kinesis.sequenceNumber) === lowest);
    expect(pos).toBeGreaterThanOrEqual(0);
  }
  return { invocations, failures };
}

const deviceSnapshot = (s3: FakeS3, deviceId: string) => {
  const o = s3.objects.get(`${SETTINGS.stateBucket}/${SETTINGS.statePrefix}${deviceId}.state`);
  if (o === undefined) throw new Error(`no snapshot for ${deviceId}`);
  return decodeState(o.bytes, { create: () => new AnomalyDetector(), restore: (b) => AnomalyDetector.restore(b) });
};
const alertsOf = (sns: FakeSns): Alert[] =>
  sns.published.map((p) => JSON.parse((JSON.parse(p.Message!) as { sqs: string }).sqs) as Alert);
const allRecords = () => [...shards.values()].flat();

beforeAll(async () => {
  const k = await startKinesalite();
  try {
    await createStream(k.client, STREAM, 2);
    // Poison first, so the first batch of a shard mixes bad and good records.
    await putRecordsWithRetry(
      k.client,
      STREAM,
      POISON.map((p, i) => ({ data: Buffer.from(p), partitionKey: `press-00${i + 1}` }))
    );
    const dir = mkdtempSync(join(tmpdir(), 'sim-'));
    const stderr = new PassThrough();
    stderr.on('data', (d: Buffer) => (simulateLog += d.toString()));
    process.env['AWS_ACCESS_KEY_ID'] = FAKE_CREDENTIALS.accessKeyId;
    process.env['AWS_SECRET_ACCESS_KEY'] = FAKE_CREDENTIALS.secretAccessKey;
    const code = await runSimulate(
      [
        ...['--devices', '3', '--rate', '1', '--duration', '900', '--faults', '--seed', '11'],
        ...['--start', '2026-11-25T00:00:00Z', '--to', `kinesis:${STREAM}`, '--endpoint', k.endpoint, '--fast'],
        ...['--labels', join(dir, 'labels.jsonl')],
      ],
      { stdin: new PassThrough(), stdout: new PassThrough(), stderr }
    );
    expect(code).toBe(0);
    labels = readFileSync(join(dir, 'labels.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as (typeof labels)[number]);
    shards = await readShards(k.client, STREAM);
  } finally {
    await k.close();
  }
}, 120_000);

describe('anomaly handler end to end (kinesalite -> Lambda event -> real handler, fakes at the client boundary)', () => {
  let live: Rig;
  beforeAll(async () => {
    live = rig();
    for (const records of shards.values()) await deliver(records, () => live.handler);
  }, 120_000);

  it('the simulator put every reading through PutRecords; the stream holds them, partitioned by device', () => {
    expect(simulateLog).toMatch(/sent 2700 readings of 3 device\(s\) to telemetry/);
    expect(allRecords()).toHaveLength(2700 + POISON.length);
    for (const records of shards.values()) {
      const keys = new Set(records.map((r) => r.kinesis.partitionKey));
      for (const k of keys)
        expect([...shards.values()].filter((rs) => rs.some((r) => r.kinesis.partitionKey === k))).toHaveLength(1);
    }
  });

  it('poison records land in the dead-letter queue with the reason; no batch failed or lost good records', () => {
    const letters = live.sqs.sent.map(
      (m) => JSON.parse(m.MessageBody!) as { reason: string; sequenceNumber: string; data: string }
    );
    const reasons = letters.map((l) => l.reason);
    expect(reasons).toHaveLength(3);
    expect(reasons).toContainEqual(expect.stringMatching(/^not JSON/));
    expect(reasons).toContain('temperature=9999 is outside the plausible range [-50, 400] °C');
    expect(reasons).toContainEqual(expect.stringMatching(/^ts must be an ISO-8601/));
    for (const l of letters) {
      const rec = allRecords().find((r) => r.kinesis.sequenceNumber === l.sequenceNumber)!;
      expect(l.data).toBe(rec.kinesis.data);
    }
    for (const d of ['press-001', 'press-002', 'press-003']) expect(deviceSnapshot(live.s3, d).pointsApplied).toBe(900);
  });

  it('each device model equals a detector fed every reading exactly once, in order (reference oracle)', () => {
    for (const d of ['press-001', 'press-002', 'press-003']) {
      const ref = new AnomalyDetector({ dimensions: MODEL_FIELDS.length });
      for (const r of allRecords()) {
        const p = parseSensorReading(Buffer.from(r.kinesis.data, 'base64').toString('utf8'));
        if (p.ok && p.reading.device_id === d) ref.process(modelPoint(p.reading), Date.parse(p.reading.ts));
      }
      expect(Buffer.from(deviceSnapshot(live.s3, d).model.snapshot()).equals(Buffer.from(ref.snapshot()))).toBe(true);
    }
  }, 300_000);

  it('alerts: the injected fault is reported in Korean and English with its driving sensor, within the cooldown', () => {
    const alerts = alertsOf(live.sns);
    const fault = labels.find((l) => l.device_id === 'press-001')!;
    expect(fault.fault).toBe('overheating');
    const during = alerts.filter((a) => a.device_id === 'press-001' && a.ts >= fault.start && a.ts <= fault.end);
    expect(during.length).toBeGreaterThan(0);
    expect(['temperature', 'rvibration_temp']).toContain(during[0]!.sensor);
    expect(during[0]!.direction).toBe('high');
    expect(during[0]!.message_ko).toMatch(/^\[이상 감지\] 설비 press-001, 2026-11-25 \d\d:\d\d:\d\d \(Asia\/Seoul\)/);
    expect(during[0]!.message_en).toMatch(/^\[Anomaly\] Device press-001 .*Please inspect/);
    for (const d of ['press-001', 'press-002', 'press-003']) {
      const times = alerts.filter((a) => a.device_id === d).map((a) => Date.parse(a.ts));
      for (let i = 1; i < times.length; i++)
        expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(SETTINGS.cooldownMs);
    }
    const msg = JSON.parse(live.sns.published[0]!.Message!) as Record<string, string>;
    expect(Object.keys(msg).sort()).toEqual([
      'APNS',
      'APNS_SANDBOX',
      'GCM',
      'default',
      'email',
      'https',
      'lambda',
      'sqs',
    ]);
    expect(live.sns.published[0]!.MessageStructure).toBe('json');
  });

  it('retries: failed checkpoints/publishes and cold starts re-deliver records, yet no model sees a record twice', async () => {
    const s3 = new FakeS3();
    s3.failPut = (_k, n) => n % 7 === 3;
    const sns = new FakeSns();
    sns.failPublish = (n) => n === 0;
    let r = rig(s3, sns);
    let calls = 0;
    let failures = 0;
    for (const records of shards.values()) {
      const res = await deliver(records, () => {
        // A cold start every eighth invocation: the model comes back from its S3 snapshot.
        if (++calls % 8 === 0) r = rig(s3, sns, r.sqs);
        return r.handler;
      });
      failures += res.failures;
    }
    expect(failures).toBeGreaterThan(0);
    for (const d of ['press-001', 'press-002', 'press-003']) {
      // Cold starts restore the trees from the samplers (another draw of the forest), so compare what must be exact.
      expect(deviceSnapshot(s3, d).pointsApplied).toBe(900);
      expect((deviceSnapshot(s3, d).model as AnomalyDetector).count).toBe(900);
      expect(deviceSnapshot(s3, d).pendingAlerts).toEqual([]);
    }
    // No alert doubled: after dropping duplicates by alert id, a device's alerts are a cooldown apart.
    const unique = new Map(alertsOf(sns).map((a) => [a.alert_id, a]));
    for (const d of ['press-001', 'press-002', 'press-003']) {
      const times = [...unique.values()]
        .filter((a) => a.device_id === d)
        .map((a) => Date.parse(a.ts))
        .sort((x, y) => x - y);
      for (let i = 1; i < times.length; i++)
        expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(SETTINGS.cooldownMs);
    }
    expect(alertsOf(sns).some((a) => a.device_id === 'press-001')).toBe(true);
  }, 300_000);

  it('a restored snapshot scores deterministically and close to the live model', async () => {
    const a = rig();
    const half = new Map([...shards].map(([s, rs]) => [s, rs.slice(0, Math.floor(rs.length / 2))]));
    const rest = new Map([...shards].map(([s, rs]) => [s, rs.slice(Math.floor(rs.length / 2))]));
    for (const rs of half.values()) await deliver(rs, () => a.handler);
    const midSnapshot = a.s3.objects.get(`${SETTINGS.stateBucket}/${SETTINGS.statePrefix}press-001.state`)!.bytes;
    // Cold environment over a copy of the stored snapshots vs. the warm one: same alerts, same final models.
    const b = rig(a.s3.clone());
    for (const rs of rest.values()) await deliver(rs, () => a.handler);
    for (const rs of rest.values()) await deliver(rs, () => b.handler);
    for (const d of ['press-001', 'press-002', 'press-003']) {
      expect(deviceSnapshot(b.s3, d).pointsApplied).toBe(deviceSnapshot(a.s3, d).pointsApplied);
    }
    // And score by score: a snapshot restored mid-stream against a detector fed the same readings live.
    const readingsOf = (m: Map<string, KinesisStreamRecord[]>) =>
      [...m.values()]
        .flat()
        .map((r) => parseSensorReading(Buffer.from(r.kinesis.data, 'base64').toString('utf8')))
        .flatMap((p) => (p.ok && p.reading.device_id === 'press-001' ? [p.reading] : []));
    const liveModel = new AnomalyDetector({ dimensions: MODEL_FIELDS.length });
    for (const r of readingsOf(half)) liveModel.process(modelPoint(r), Date.parse(r.ts));
    const factory = {
      create: () => new AnomalyDetector(),
      restore: (bytes: Uint8Array) => AnomalyDetector.restore(bytes),
    };
    const restored = decodeState(midSnapshot, factory).model;
    const restoredAgain = decodeState(midSnapshot, factory).model;
    const next = readingsOf(rest);
    expect(next.length).toBeGreaterThan(100);
    const scores = (m: AnomalyModel) => next.map((r) => m.process(modelPoint(r), Date.parse(r.ts)));
    const liveScores = scores(liveModel);
    expect(liveScores.filter((s) => s.score > 0).length).toBeGreaterThan(100);
    // The restore is deterministic, and close to the live model (another draw of the same forest).
    const r1 = scores(restored);
    expect(scores(restoredAgain)).toEqual(r1);
    const meanDiff = r1.reduce((t, s, i) => t + Math.abs(s.score - liveScores[i]!.score), 0) / r1.length;
    expect(meanDiff).toBeLessThan(0.1);
  }, 300_000);
});
