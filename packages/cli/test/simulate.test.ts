import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { PutRecordsCommand, PutRecordsCommandOutput } from '@aws-sdk/client-kinesis';
import { SENSOR_COLUMNS, validateSensorReading } from '@smart-factory/schema';
import { describe, expect, it } from 'vitest';
import { runSimulate } from '../src/commands/simulate';
import { UsageError } from '../src/command';
import { faultLabels, readingCount, simulate, type SimulationOptions } from '../src/simulator/generator';
import { chunkEntries, putRecordsWithRetry, type PutEntry } from '../src/simulator/kinesis-put';

const OPTS: SimulationOptions = {
  devices: 10,
  rate: 1,
  durationSeconds: 600,
  startMs: Date.parse('2026-11-25T00:00:00Z'),
  seed: 5,
  faults: true,
};

function io() {
  let err = '';
  const stderr = new PassThrough();
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  return { io: { stdin: new PassThrough(), stdout: new PassThrough(), stderr }, err: () => err };
}

describe('device generator', () => {
  const all = [...simulate(OPTS)];

  it('produces devices × rate × duration schema-valid readings, deterministic for a seed', () => {
    expect(all).toHaveLength(readingCount(OPTS));
    expect(all).toHaveLength(6000);
    for (const { reading } of all) expect(validateSensorReading(reading)).toEqual({ ok: true, reading });
    expect([...simulate(OPTS)].slice(0, 50)).toEqual(all.slice(0, 50));
    expect([...simulate({ ...OPTS, seed: 6 })][0]).not.toEqual(all[0]);
  });

  it('is realistic: per-device baselines, load cycles and noise stay within plausible sensor ranges', () => {
    const healthy = all.filter((x) => x.fault === undefined).map((x) => x.reading);
    const temps = healthy.filter((r) => r.device_id === 'press-002').map((r) => r.temperature);
    const sd = Math.sqrt(temps.reduce((s, t) => s + (t - temps[0]!) ** 2, 0) / temps.length);
    expect(sd).toBeGreaterThan(0.2); // not constant
    expect(Math.max(...temps) - Math.min(...temps)).toBeLessThan(20); // no spurious jumps
    for (const col of SENSOR_COLUMNS) {
      if (col.min === undefined) continue;
      const vals = healthy.flatMap((r) => (typeof r[col.name] === 'number' ? [r[col.name] as number] : []));
      expect(Math.min(...vals)).toBeGreaterThanOrEqual(col.min);
    }
  });

  it('injects labelled faults: every fifth device, alternating overheating and bearing wear', () => {
    const labels = faultLabels(OPTS);
    expect(labels.map((l) => [l.device_id, l.fault])).toEqual([
      ['press-001', 'overheating'],
      ['press-006', 'bearing_wear'],
    ]);
    for (const l of labels) {
      const faulty = all.filter((x) => x.reading.device_id === l.device_id && x.fault !== undefined);
      expect(faulty.every((x) => x.reading.ts >= l.start && x.reading.ts <= l.end && x.fault === l.fault)).toBe(true);
      const before = all
        .filter((x) => x.reading.device_id === l.device_id && x.reading.ts < l.start)
        .map((x) => x.reading);
      const atPeak = faulty.filter((x) => x.reading.ts >= l.peak).map((x) => x.reading);
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
      if (l.fault === 'overheating') {
        expect(mean(atPeak.map((r) => r.temperature)) - mean(before.map((r) => r.temperature))).toBeGreaterThan(30);
      } else {
        const v = (rs: typeof before) => mean(rs.map((r) => r.rvibration_z_rms_velocity));
        expect(v(atPeak) / v(before)).toBeGreaterThan(3);
      }
    }
    expect([...simulate({ ...OPTS, faults: false })].every((x) => x.fault === undefined)).toBe(true);
  });

  it('keeps the temperature drift bounded at slow rates (below 1/200 Hz the old Euler step overflowed)', () => {
    const week = 7 * 86_400;
    /** Mean over devices of the temperature's standard deviation; every reading checked for validity and range. */
    const spread = (rate: number) => {
      const o: SimulationOptions = { ...OPTS, devices: 8, rate, durationSeconds: week, faults: false };
      const byDevice = new Map<string, number[]>();
      const bad: unknown[] = [];
      for (const { reading } of simulate(o)) {
        const t = reading.temperature;
        // Profiles 60-80 °C, load ±2.4 °C, drift sd ≈ 0.57 °C, noise 0.3 °C.
        if (!validateSensorReading(reading).ok || !(t > 45 && t < 95)) bad.push(reading);
        byDevice.set(reading.device_id, [...(byDevice.get(reading.device_id) ?? []), t]);
      }
      expect({ rate, bad: bad.slice(0, 3) }).toEqual({ rate, bad: [] });
      const sds = [...byDevice.values()].map((t) => {
        const m = t.reduce((a, b) => a + b, 0) / t.length;
        return Math.sqrt(t.reduce((a, b) => a + (b - m) ** 2, 0) / t.length);
      });
      return sds.reduce((a, b) => a + b, 0) / sds.length;
    };
    const reference = spread(1 / 120);
    // 1/201 Hz: the Euler factor 1 − 0.01·201 = −1.01 grew the drift by e^30 over the week. The exact step makes the
    // drift independent of the rate, so the spread stays that of a fast rate.
    for (const rate of [1 / 201, 1 / 300, 1 / 3600, 1 / 21_600]) {
      const ratio = spread(rate) / reference;
      expect(ratio, `rate ${rate}`).toBeGreaterThan(0.6);
      expect(ratio, `rate ${rate}`).toBeLessThan(1.6);
    }
  });
});

describe('PutRecords with retries', () => {
  const entries = (n: number, size = 10): PutEntry[] =>
    Array.from({ length: n }, (_, i) => ({ data: new Uint8Array(size).fill(i % 256), partitionKey: `d${i % 7}` }));

  it('chunks at 500 records and 5 MiB per request', () => {
    expect(chunkEntries(entries(1201)).map((c) => c.length)).toEqual([500, 500, 201]);
    const big = chunkEntries(entries(30, 400 * 1024));
    expect(big.map((c) => c.length)).toEqual([12, 12, 6]);
    expect(() => chunkEntries(entries(1, 1024 * 1024))).toThrow(/1 MiB/);
  });

  it('re-sends only the records with an ErrorCode, with exponential backoff, until all succeed', async () => {
    const sent: string[][] = [];
    let call = 0;
    const client = {
      async send(cmd: PutRecordsCommand): Promise<PutRecordsCommandOutput> {
        const recs = cmd.input.Records!;
        sent.push(recs.map((r) => `${r.PartitionKey}:${r.Data![0]}`));
        call++;
        // First call: throttle every third record; second call: one internal failure; then success.
        const fail = (i: number) => (call === 1 ? i % 3 === 0 : call === 2 ? i === 0 : false);
        const results = recs.map((_, i) =>
          fail(i)
            ? {
                ErrorCode: call === 1 ? 'ProvisionedThroughputExceededException' : 'InternalFailure',
                ErrorMessage: 'x',
              }
            : { SequenceNumber: '1', ShardId: 'shardId-0' }
        );
        return {
          FailedRecordCount: results.filter((r) => 'ErrorCode' in r).length,
          Records: results,
          $metadata: {},
        };
      },
    };
    const sleeps: number[] = [];
    const stats = await putRecordsWithRetry(client, 's', entries(9), {
      sleep: async (ms) => void sleeps.push(ms),
      random: () => 0.999,
      baseDelayMs: 100,
    });
    expect(sent.map((s) => s.length)).toEqual([9, 3, 1]);
    expect(sent[1]).toEqual([sent[0]![0], sent[0]![3], sent[0]![6]]);
    expect(sleeps).toEqual([199, 399]);
    expect(stats).toMatchObject({ records: 9, requests: 3, retriedRecords: 4 });
    expect(stats.errorCodes).toEqual({ ProvisionedThroughputExceededException: 3, InternalFailure: 1 });
  });

  it('retries throttling exceptions, gives up after maxAttempts, and does not retry validation errors', async () => {
    const throttled = {
      send: async (): Promise<PutRecordsCommandOutput> => {
        throw Object.assign(new Error('slow down'), { name: 'ProvisionedThroughputExceededException' });
      },
    };
    await expect(
      putRecordsWithRetry(throttled, 's', entries(2), { maxAttempts: 3, sleep: async () => undefined })
    ).rejects.toThrow(/2 record\(s\) still failing after 3 attempts .*ProvisionedThroughputExceededException":3/);
    let n = 0;
    const invalid = {
      send: async (): Promise<PutRecordsCommandOutput> => {
        n++;
        throw Object.assign(new Error('bad stream'), { name: 'ResourceNotFoundException' });
      },
    };
    await expect(putRecordsWithRetry(invalid, 's', entries(2), { sleep: async () => undefined })).rejects.toThrow(
      'bad stream'
    );
    expect(n).toBe(1);
  });
});

describe('smart-factory simulate', () => {
  it('file mode writes JSON lines and the labels file; --progress draws the bar on stderr', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'simulate-'));
    const out = join(dir, 'r.jsonl');
    const t = io();
    const args = ['--devices', '5', '--rate', '2', '--duration', '60', '--faults', '--seed', '3'];
    expect(
      await runSimulate([...args, '--start', '2026-11-25T00:00:00Z', '--to', `file:${out}`, '--progress'], t.io)
    ).toBe(0);
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(600);
    expect(JSON.parse(lines[0]!)).not.toHaveProperty('fault');
    const labels = readFileSync(`${out}.labels.jsonl`, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as object);
    expect(labels).toEqual([expect.objectContaining({ device_id: 'press-001', fault: 'overheating' })]);
    expect(t.err()).toMatch(/simulate \[#+\] 100% 600\/600/);
    expect(t.err()).toMatch(/wrote 600 readings of 5 device\(s\)/);
  });

  it('no progress bar when stderr is not a terminal', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'simulate-'));
    const t = io();
    await runSimulate(['--devices', '1', '--rate', '1', '--duration', '5', '--to', `file:${join(dir, 'x')}`], t.io);
    expect(t.err()).not.toContain('[');
  });

  it.each([
    [['--devices', '0', '--rate', '1', '--duration', '5', '--to', 'file:/tmp/x'], /--devices must be/],
    [
      ['--devices', '1', '--rate', '1', '--duration', '5', '--to', 'kafka:x'],
      /--to must be kinesis:<stream>, file:<path>, mqtt:\/\/host:port or mqtts:\/\/host:port/,
    ],
    [
      ['--devices', '1', '--rate', '1', '--duration', '5', '--to', 'kinesis:s', '--faults'],
      /--labels <path> is required/,
    ],
    [['--devices', 'x', '--rate', '1', '--duration', '5', '--to', 'file:/tmp/x'], /--devices must be a number/],
    [['--rate', '1', '--duration', '5', '--to', 'file:/tmp/x'], /--devices is required/],
  ])('usage errors are clear: %j', async (args, msg) => {
    await expect(runSimulate(args, io().io)).rejects.toThrow(UsageError);
    await expect(runSimulate(args, io().io)).rejects.toThrow(msg);
  });
});
