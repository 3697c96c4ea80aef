import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CACHE_SHARE,
  BASE_MEMORY_MB,
  MAX_CPU_UTILIZATION,
  MAX_MEMORY_MB,
  MEASURED,
  sizeStreaming,
  SHARD_WRITE_RECORDS_PER_SECOND,
  type SizingInput,
} from '../lib/streaming/sizing';

const size = (devices: number, extra: Partial<SizingInput> = {}) =>
  sizeStreaming({ devices, checkpointIntervalSeconds: 60, streamMode: 'on-demand', ...extra });

describe('sizeStreaming: the anomaly path from the device count', () => {
  it('the documented table: 100 / 1,000 / 10,000 devices, on-demand, 60-s checkpoints', () => {
    const row = (d: number) => {
      const s = size(d);
      return [
        s.shards,
        s.parallelizationFactor,
        s.batchSize,
        s.maxBatchingWindowSeconds,
        s.memoryMb,
        s.timeoutSeconds,
        s.cacheMaxMb,
      ];
    };
    expect(row(100)).toEqual([4, 1, 500, 5, 1024, 120, 222]);
    expect(row(1000)).toEqual([4, 2, 2500, 5, 2112, 180, 1110]);
    expect(row(10_000)).toEqual([13, 5, 3100, 5, 2560, 240, 1368]);
  });

  it('stays within the Kinesis and Lambda limits across the whole configurable range', () => {
    for (const devices of [1, 2, 7, 50, 333, 999, 1000, 1001, 2500, 4321, 7777, 10_000]) {
      for (const streamMode of ['on-demand', 'provisioned'] as const) {
        const s = size(devices, { streamMode, minShards: 1 });
        const where = `${devices} ${streamMode}`;
        expect(s.parallelizationFactor, where).toBeGreaterThanOrEqual(1);
        expect(s.parallelizationFactor, where).toBeLessThanOrEqual(10);
        expect(s.batchSize, where).toBeGreaterThanOrEqual(100);
        expect(s.batchSize, where).toBeLessThanOrEqual(10_000);
        expect(s.memoryMb % 64, where).toBe(0);
        expect(s.memoryMb, where).toBeLessThanOrEqual(MAX_MEMORY_MB);
        expect(s.timeoutSeconds, where).toBeLessThanOrEqual(900);
        // Writes fit the shards with room; every device of a consumer fits its cache; the cache fits the memory.
        expect(s.recordsPerSecond / s.shards, where).toBeLessThanOrEqual(SHARD_WRITE_RECORDS_PER_SECOND * 0.8);
        expect(s.devicesPerConsumer * s.shards * s.parallelizationFactor, where).toBeGreaterThanOrEqual(devices);
        expect(s.cacheMaxMb, where).toBeGreaterThanOrEqual(s.devicesPerConsumer * MEASURED.modelMibPerDevice);
        expect(s.cacheMaxMb, where).toBeLessThanOrEqual((s.memoryMb - BASE_MEMORY_MB) * CACHE_SHARE);
        expect(s.cpuUtilization, where).toBeLessThanOrEqual(MAX_CPU_UTILIZATION);
      }
    }
  });

  it('the device count drives the scale: more devices, more concurrent consumers', () => {
    const consumers = (d: number) => size(d).shards * size(d).parallelizationFactor;
    expect(consumers(100)).toBeLessThan(consumers(1000));
    expect(consumers(1000)).toBeLessThan(consumers(10_000));
  });

  it('provisioned mode: the configured shard count is a floor, raised to what writes and window state need', () => {
    expect(size(1000, { streamMode: 'provisioned', minShards: 4 }).shards).toBe(4);
    expect(size(1000, { streamMode: 'provisioned', minShards: 1 }).shards).toBe(2);
    const big = size(10_000, { streamMode: 'provisioned', minShards: 1 });
    expect(big.shards).toBe(13);
    expect(big.streamNote).toMatch(/^provisioned: 13 \(writes need 13, window state 7\)/);
  });

  it('on-demand: at least the 4 shards a new stream has; the note says how it scales', () => {
    expect(size(10).shards).toBe(4);
    expect(size(10).streamNote).toMatch(/^on-demand: 4 at first, scaling with writes to about 4/);
    expect(size(10_000).streamNote).toMatch(/about 13$/);
  });

  it('a longer checkpoint interval lowers the CPU per device; the interval is passed through', () => {
    const a = size(1000, { checkpointIntervalSeconds: 10 });
    const b = size(1000, { checkpointIntervalSeconds: 600 });
    expect(a.cpuUtilization).toBeGreaterThan(b.cpuUtilization);
    expect(b.checkpointIntervalSeconds).toBe(600);
  });

  it('rejects what it cannot size, naming the input', () => {
    expect(() => size(0)).toThrow(/^devices: expected a positive integer, got 0/);
    expect(() => size(1.5)).toThrow(/^devices/);
    expect(() => size(10, { checkpointIntervalSeconds: 0 })).toThrow(/^checkpointIntervalSeconds/);
  });
});

describe('docs/streaming.md "Sizing" table', () => {
  it('is what sizeStreaming computes (on-demand, provisioned in parentheses where it differs)', () => {
    const doc = readFileSync(join(__dirname, '..', 'docs', 'streaming.md'), 'utf8');
    const n = (v: number) => v.toLocaleString('en');
    const both = (o: number, p: number, f: (v: number) => string = n) => (o === p ? f(o) : `${f(o)} (${f(p)})`);
    for (const devices of [100, 1000, 10_000]) {
      const o = size(devices);
      const p = size(devices, { streamMode: 'provisioned', minShards: 1 });
      const row = [
        n(devices),
        `${n(o.recordsPerSecond)} (${n(Math.round(o.bytesPerSecond / 1000))})`,
        both(o.shards, p.shards),
        both(o.parallelizationFactor, p.parallelizationFactor),
        both(o.devicesPerConsumer, p.devicesPerConsumer),
        both(o.batchSize, p.batchSize),
        `${n(o.memoryMb)} MB` + (o.memoryMb === p.memoryMb ? '' : ` (${n(p.memoryMb)})`),
        `${o.timeoutSeconds} s` + (o.timeoutSeconds === p.timeoutSeconds ? '' : ` (${p.timeoutSeconds})`),
        both(o.cacheMaxMb, p.cacheMaxMb),
        both(Math.round(o.cpuUtilization * 100), Math.round(p.cpuUtilization * 100), (v) => `${v} %`),
      ];
      expect(doc).toContain(`| ${row.join(' | ')} |`);
    }
  });
});
