import type { KinesisStreamRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { alertDue, snsMessage } from './alerts';
import { S3StateStore } from './aws';
import { type Alert } from './alerts';
import {
  AnomalySession,
  type CachedDevice,
  type DeadLetter,
  FLUSH_CONCURRENCY,
  StateConflictError,
  type StateStore,
} from './core';
import type { AnomalyModel, DetectorResult, ModelFactory } from './model';
import { FakeS3 } from '../../test/helpers/aws-fakes';
import { alreadyApplied, CorruptStateError, decodeState, encodeState, newState } from './state';
import { platformApplicationSpec, platformOfArn, PushSecretError } from '../push-platform/core';

/** A transparent test model: remembers the points it was fed; grade = 1 when temperature > 100. */
class RecordingModel implements AnomalyModel {
  constructor(public seen: number[][] = []) {}
  process(point: readonly number[]): DetectorResult {
    this.seen.push([...point]);
    const hot = (point[0] ?? 0) > 100;
    return {
      score: hot ? 3 : 0.7,
      grade: hot ? 1 : 0,
      isAnomaly: hot,
      attribution: point.map((_, i) => ({ high: hot && i === 0 ? 2 : 0.1, low: 0 })),
    };
  }
  snapshot(): Uint8Array {
    return Buffer.from(JSON.stringify(this.seen));
  }
}
const factory: ModelFactory = {
  create: () => new RecordingModel(),
  restore: (b) => new RecordingModel(JSON.parse(Buffer.from(b).toString()) as number[][]),
};

let seq = 1000n;
function rec(body: unknown, shard = 'shardId-000000000000', arrivalS = 1): KinesisStreamRecord {
  const s = String(seq++);
  return {
    eventID: `${shard}:${s}`,
    kinesis: {
      sequenceNumber: s,
      partitionKey: 'p',
      data: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)).toString('base64'),
      approximateArrivalTimestamp: arrivalS,
      kinesisSchemaVersion: '1.0',
    },
  } as KinesisStreamRecord;
}
const reading = (device: string, sec: number, temperature = 70) => ({
  device_id: device,
  ts: new Date(Date.UTC(2026, 10, 25, 0, 0, sec)).toISOString(),
  temperature,
  motor_speed_rpm: 1500,
  rvibration_temp: 55,
  rvibration_z_rms_velocity: 2,
});

function deps(store = new S3StateStore(new FakeS3(), 'b', 'state/anomaly/')) {
  const alerts: Alert[] = [];
  const letters: DeadLetter[] = [];
  return {
    alerts,
    letters,
    deps: {
      models: factory,
      store,
      alerts: { publish: async (a: Alert) => void alerts.push(a) },
      deadLetters: { send: async (l: DeadLetter) => void letters.push(l) },
      // Interval 0: every flush checkpoints what changed (the interval has its own tests below).
      config: { threshold: 0.7, cooldownMs: 60_000, timeZone: 'Asia/Seoul', checkpointIntervalMs: 0 },
      cache: new Map<string, CachedDevice>(),
    },
  };
}

describe('anomaly session', () => {
  it('feeds each record once per shard sequence, dead-letters bad ones, missing pressure is NaN', async () => {
    const d = deps();
    const s = new AnomalySession(d.deps);
    const batch = [rec(reading('a', 1)), rec('{oops'), rec(reading('a', 2))];
    for (const r of batch) await s.apply(r);
    expect((await s.flush()).failures).toEqual([]);
    const s2 = new AnomalySession(d.deps);
    for (const r of batch) await s2.apply(r);
    expect(s2.stats).toMatchObject({ applied: 0, skipped: 2, deadLettered: 1 });
    const model = d.deps.cache.get('a')!.state.model as RecordingModel;
    expect(model.seen).toEqual([
      [70, 1500, 55, 2, Number.NaN],
      [70, 1500, 55, 2, Number.NaN],
    ]);
    expect(d.letters[0]).toMatchObject({
      reason: expect.stringMatching(/^not JSON/),
      sequenceNumber: batch[1]!.kinesis.sequenceNumber,
    });
  });

  it('alerts once per cooldown, with the dominant sensor and bilingual text', async () => {
    const d = deps();
    const s = new AnomalySession(d.deps);
    for (const sec of [0, 10, 59, 61]) await s.apply(rec(reading('a', sec, 150)));
    await s.flush();
    expect(d.alerts.map((a) => a.ts)).toEqual(['2026-11-25T00:00:00.000Z', '2026-11-25T00:01:01.000Z']);
    expect(s.stats.alertsSuppressed).toBe(2);
    expect(d.alerts[0]).toMatchObject({
      sensor: 'temperature',
      direction: 'high',
      sensor_value: 150,
      sensor_unit: '°C',
    });
    expect(d.alerts[0]!.message_ko).toContain('2026-11-25 09:00:00 (Asia/Seoul)');
    expect(d.alerts[0]!.message_ko).toContain('공정 온도 = 150 °C');
    expect(d.alerts[0]!.message_en).toContain('process temperature = 150 °C (unusually high)');
    const m = snsMessage(d.alerts[0]!);
    expect(m.Subject).toMatch(/^[\x20-\x7e]+$/);
    const gcm = JSON.parse((JSON.parse(m.Message) as { GCM: string }).GCM) as {
      fcmV1Message: { message: { data: Record<string, unknown> } };
    };
    expect(Object.values(gcm.fcmV1Message.message.data).every((v) => typeof v === 'string')).toBe(true);
  });

  it('cooldown rule', () => {
    expect(alertDue(0.69, 0, null, 0.7, 1000)).toBe(false);
    expect(alertDue(0.7, 0, null, 0.7, 1000)).toBe(true);
    expect(alertDue(1, 999, 0, 0.7, 1000)).toBe(false);
    expect(alertDue(1, 1000, 0, 0.7, 1000)).toBe(true);
  });

  it('a failed publish keeps the alert pending in the snapshot and reports the device for retry', async () => {
    const d = deps();
    let fail = true;
    d.deps.alerts = {
      publish: async (a: Alert) => {
        if (fail) throw new Error('sns down');
        d.alerts.push(a);
      },
    };
    const first = rec(reading('a', 0, 150));
    const s = new AnomalySession(d.deps);
    await s.apply(first);
    expect((await s.flush()).failures).toEqual([first.kinesis.sequenceNumber]);
    // Cold start: the pending alert comes back from the snapshot and is published on the re-delivery.
    fail = false;
    const d2 = { ...d.deps, cache: new Map<string, CachedDevice>() };
    const s2 = new AnomalySession(d2);
    await s2.apply(first);
    expect((await s2.flush()).failures).toEqual([]);
    expect(d.alerts).toHaveLength(1);
    expect((d2.cache.get('a')!.state.model as RecordingModel).seen).toHaveLength(1);
  });

  it('a conflicting writer (etag changed) evicts the cache and reports the device', async () => {
    const s3 = new FakeS3();
    const store = new S3StateStore(s3, 'b', 'state/anomaly/');
    const d = deps(store);
    const s = new AnomalySession(d.deps);
    await s.apply(rec(reading('a', 0)));
    await s.flush();
    await store.save('a', encodeState(newState('a', factory)), s3.objects.get('b/state/anomaly/a.state')!.etag);
    const r = rec(reading('a', 1));
    const s2 = new AnomalySession(d.deps);
    await s2.apply(r);
    const res = await s2.flush();
    expect(res.failures).toEqual([r.kinesis.sequenceNumber]);
    expect(res.errors[0]!.error).toBeInstanceOf(StateConflictError);
    expect(d.deps.cache.has('a')).toBe(false);
  });

  it('a model error fails that device for the rest of the batch, others continue', async () => {
    const d = deps();
    const bad: ModelFactory = {
      create: () => ({
        process: () => {
          throw new Error('boom');
        },
        snapshot: () => new Uint8Array(),
      }),
      restore: () => factory.create(),
    };
    // Device x gets a broken model, device y a working one.
    const models: ModelFactory = {
      create: () => (created++ === 0 ? bad.create() : factory.create()),
      restore: factory.restore,
    };
    let created = 0;
    const s = new AnomalySession({ ...d.deps, models });
    const r1 = rec(reading('x', 0));
    await expect(s.apply(r1)).rejects.toThrow('boom');
    await s.apply(rec(reading('y', 0)));
    await expect(s.apply(rec(reading('x', 1)))).rejects.toThrow(/earlier record of device x failed/);
    expect((await s.flush()).failures).toEqual([r1.kinesis.sequenceNumber]);
    expect(s.stats.applied).toBe(1);
    expect(d.deps.cache.has('x')).toBe(false);
  });
});

describe('state envelope', () => {
  it('round-trips and rejects foreign bytes', () => {
    const st = newState('dev-1', factory);
    st.lastSequenceByShard['shardId-1'] = '123456789012345678901234567890';
    st.model.process([1, 2, 3, 4, 5]);
    const back = decodeState(encodeState(st), factory);
    expect(back.lastSequenceByShard).toEqual(st.lastSequenceByShard);
    expect((back.model as RecordingModel).seen).toEqual([[1, 2, 3, 4, 5]]);
    expect(() => decodeState(Buffer.from('nope nope'), factory)).toThrow(CorruptStateError);
  });

  it('alreadyApplied orders sequence numbers numerically, as BigInt does, without BigInt for canonical ones', () => {
    const st = newState('dev-1', factory);
    const cases = [
      '0',
      '9',
      '10',
      '99',
      '100',
      '49590338271490256608559692538361571095921575989136588898',
      '49590338271490256608559692538361571095921575989136588899',
      '49590338271490256608559692540925702759324208523137515618',
      '007', // not canonical: the BigInt path
      '0010',
    ];
    for (const last of cases) {
      st.lastSequenceByShard['s'] = last;
      for (const seq of cases) {
        expect(alreadyApplied(st, 's', seq), `${seq} after ${last}`).toBe(BigInt(seq) <= BigInt(last));
      }
    }
    expect(alreadyApplied(st, 'other-shard', '1')).toBe(false);
  });
});

describe('mobile push secret', () => {
  it('maps FCM v1 and APNs token/certificate secrets to SNS attributes; clear errors otherwise', () => {
    const sa = { type: 'service_account', project_id: 'p', private_key: '-----BEGIN PRIVATE KEY-----x' };
    expect(platformApplicationSpec(JSON.stringify({ platform: 'GCM', serviceAccountJson: sa }))).toEqual({
      platform: 'GCM',
      attributes: { PlatformCredential: JSON.stringify(sa) },
    });
    expect(
      platformApplicationSpec(
        JSON.stringify({ platform: 'APNS', signingKey: 'k', signingKeyId: 'id', teamId: 't', bundleId: 'b' })
      )
    ).toEqual({
      platform: 'APNS',
      attributes: {
        PlatformCredential: 'k',
        PlatformPrincipal: 'id',
        ApplePlatformTeamID: 't',
        ApplePlatformBundleID: 'b',
      },
    });
    expect(() => platformApplicationSpec('{"platform":"GCM","serviceAccountJson":"{}"}')).toThrow(PushSecretError);
    expect(() => platformApplicationSpec('{"platform":"APNS","signingKey":"k"}')).toThrow(/signingKeyId/);
    expect(() => platformApplicationSpec('{"platform":"WNS"}')).toThrow(/"platform" must be/);
    expect(platformOfArn('arn:aws:sns:ap-northeast-2:123456789012:app/GCM/alerts')).toBe('GCM');
  });
});

describe('state writes, cache bound, alert durability, quarantine', () => {
  const puts = (s3: FakeS3) =>
    s3.calls.filter((c) => c.startsWith('PutObject b/state/anomaly/') && !c.includes('quarantine')).length;

  it('writes a device at most once per checkpoint interval of arrival time', async () => {
    const s3 = new FakeS3();
    const d = deps(new S3StateStore(s3, 'b', 'state/anomaly/'));
    const config = { ...d.deps.config, checkpointIntervalMs: 60_000 };
    for (let b = 0; b < 30; b++) {
      const s = new AnomalySession({ ...d.deps, config });
      for (let k = 0; k < 5; k++) await s.apply(rec(reading('a', b * 5 + k), 'shardId-000000000000', b * 5 + k));
      expect((await s.flush()).failures).toEqual([]);
    }
    // 150 records over 150 s: checkpoints at 60 s and 120 s of arrival time, not 30 (one per batch).
    expect(puts(s3)).toBe(2);
    expect(decodeState(s3.objects.get('b/state/anomaly/a.state')!.bytes, factory).pointsApplied).toBe(125);
  });

  it('checkpoints up to FLUSH_CONCURRENCY devices at once; failures keep batch order', async () => {
    let inFlight = 0;
    let most = 0;
    const saved: string[] = [];
    const store: StateStore = {
      load: async () => undefined,
      save: async (deviceId) => {
        inFlight++;
        most = Math.max(most, inFlight);
        await new Promise((r) => setTimeout(r, 2));
        inFlight--;
        if (deviceId === 'dev-03' || deviceId === 'dev-11') throw new Error(`S3 down for ${deviceId}`);
        saved.push(deviceId);
        return `"${deviceId}"`;
      },
    };
    const d = deps(store as S3StateStore);
    const s = new AnomalySession(d.deps);
    const firsts: Record<string, string> = {};
    for (let k = 0; k < 20; k++) {
      const id = `dev-${String(k).padStart(2, '0')}`;
      const r = rec(reading(id, k));
      firsts[id] = r.kinesis.sequenceNumber;
      await s.apply(r);
    }
    const out = await s.flush();
    expect(most).toBe(FLUSH_CONCURRENCY);
    expect(saved).toHaveLength(18);
    expect(out.failures).toEqual([firsts['dev-03'], firsts['dev-11']]);
    expect(out.errors.map((e) => e.deviceId)).toEqual(['dev-03', 'dev-11']);
  });

  it('bounds the cache in bytes: the least recently used device is checkpointed, then evicted', async () => {
    const s3 = new FakeS3();
    const d = deps(new S3StateStore(s3, 'b', 'state/anomaly/'));
    const config = { ...d.deps.config, checkpointIntervalMs: 3_600_000, cacheMaxBytes: 3 * 1024 * 1024 };
    const s = new AnomalySession({ ...d.deps, config });
    for (const dev of ['a', 'b', 'c']) await s.apply(rec(reading(dev, 0)));
    await s.flush();
    expect(puts(s3)).toBe(0);
    const s2 = new AnomalySession({ ...d.deps, config });
    await s2.apply(rec(reading('a', 1))); // a becomes most recently used
    await s2.apply(rec(reading('d', 1))); // loading d evicts b (least recently used), after checkpointing it
    expect([...d.deps.cache.keys()]).toEqual(['c', 'a', 'd']);
    expect(s2.stats.evictions).toBe(1);
    expect(decodeState(s3.objects.get('b/state/anomaly/b.state')!.bytes, factory).pointsApplied).toBe(1);
  });

  it('publishes an alert only after the snapshot holding it is stored, with its deterministic id', async () => {
    const s3 = new FakeS3();
    const store = new S3StateStore(s3, 'b', 'state/anomaly/');
    const d = deps(store);
    const seen: string[][] = [];
    const publish = async (a: Alert) => {
      const stored = decodeState(s3.objects.get('b/state/anomaly/a.state')!.bytes, factory);
      seen.push(stored.pendingAlerts.map((p) => p.alert_id));
      d.alerts.push(a);
    };
    const config = { ...d.deps.config, checkpointIntervalMs: 3_600_000 };
    const s = new AnomalySession({ ...d.deps, config, alerts: { publish } });
    await s.apply(rec(reading('a', 0)));
    await s.apply(rec(reading('a', 1, 150)));
    expect((await s.flush()).failures).toEqual([]);
    expect(d.alerts.map((a) => a.alert_id)).toEqual(['a/2026-11-25T00:00:01.000Z/rcf-grade']);
    expect(seen).toEqual([['a/2026-11-25T00:00:01.000Z/rcf-grade']]);
    // ... and the snapshot written after the publish no longer holds it.
    expect(decodeState(s3.objects.get('b/state/anomaly/a.state')!.bytes, factory).pendingAlerts).toEqual([]);
  });

  it('a stale copy (another environment wrote the device) is detected before anything is published', async () => {
    const s3 = new FakeS3();
    const store = new S3StateStore(s3, 'b', 'state/anomaly/');
    const d = deps(store);
    const s = new AnomalySession(d.deps);
    await s.apply(rec(reading('a', 0)));
    await s.flush();
    // Another environment advances the stored snapshot.
    await store.save('a', encodeState(newState('a', factory)), s3.objects.get('b/state/anomaly/a.state')!.etag);
    const s2 = new AnomalySession(d.deps);
    await s2.apply(rec(reading('a', 1, 150)));
    const res = await s2.flush();
    expect(res.failures).toHaveLength(1);
    expect(s2.stats.staleDetected).toBe(1);
    expect(d.alerts).toEqual([]);
    expect(d.deps.cache.has('a')).toBe(false);
  });

  it('quarantines a snapshot that cannot be decoded and starts the device afresh', async () => {
    const s3 = new FakeS3();
    const store = new S3StateStore(s3, 'b', 'state/anomaly/');
    await store.save('a', new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9]), undefined);
    const d = deps(store);
    const quarantined: string[] = [];
    const s = new AnomalySession({
      ...d.deps,
      quarantine: { quarantine: async (id, _b, reason) => (quarantined.push(`${id}: ${reason}`), 'k') },
    });
    await s.apply(rec(reading('a', 0)));
    expect((await s.flush()).failures).toEqual([]);
    expect(quarantined).toEqual(['a: anomaly state object does not start with SFA1']);
    expect(s.stats.quarantined).toBe(1);
    expect(decodeState(s3.objects.get('b/state/anomaly/a.state')!.bytes, factory).pointsApplied).toBe(1);
  });
});
