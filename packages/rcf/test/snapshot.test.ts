import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AnomalyDetector, Random, SNAPSHOT_VERSION, SnapshotError, crc32 } from '@smart-factory/rcf';

const gauss = (r: Random): number =>
  Math.sqrt(-2 * Math.log(1 - r.nextDouble())) * Math.cos(2 * Math.PI * r.nextDouble());

function stream(n: number, seed: number): number[][] {
  const r = new Random(seed);
  return Array.from({ length: n }, (_, i) => [
    Math.sin(i / 20) + 0.1 * gauss(r),
    i % 50 === 49 ? 6 : gauss(r),
    i % 11 === 0 ? Number.NaN : 0.5 * gauss(r),
  ]);
}

const small = { dimensions: 3, shingleSize: 3, numberOfTrees: 20, sampleSize: 64, warmup: 50, seed: 11 };

describe('snapshot / restore', () => {
  it('restores the counters, options and samplers exactly and the forest deterministically; scores stay close', () => {
    const data = stream(1200, 1);
    for (const cut of [10, 50, 51, 52, 700]) {
      const live = new AnomalyDetector(small);
      for (const p of data.slice(0, cut)) live.process(p, 1000);
      live.lastSequence = `4960${cut}`;
      const bytes = live.snapshot();
      const restored = AnomalyDetector.restore(bytes);
      const again = AnomalyDetector.restore(bytes);
      expect(restored.lastSequence).toBe(`4960${cut}`);
      expect(restored.hasApplied(`4960${cut}`)).toBe(true);
      expect(restored.hasApplied(`4960${cut - 1}`)).toBe(true);
      expect(restored.hasApplied(`49600${cut}`)).toBe(false);
      expect(restored.count).toBe(cut);
      expect(restored.lastTimestampMs).toBe(1000);
      expect(restored.options).toEqual(live.options);
      // The snapshot holds samplers, not trees: restoring and snapshotting again gives the same bytes.
      expect(Buffer.from(restored.snapshot()).equals(Buffer.from(bytes))).toBe(true);
      let diff = 0;
      const rest = data.slice(cut);
      for (const p of rest) {
        const a = live.process(p);
        const b = restored.process(p);
        const c = again.process(p);
        expect(Object.is(b.score, c.score)).toBe(true);
        expect(Object.is(b.grade, c.grade)).toBe(true);
        diff += Math.abs(a.score - b.score);
      }
      // Another draw of the same random forest: close, not equal (measured on NAB in docs/streaming.md).
      expect(diff / rest.length).toBeLessThan(0.15);
    }
  });

  it('still loads version-1 snapshots (fixture written by the v1 code) and scores exactly as v1 did', () => {
    const dir = join(__dirname, 'fixtures');
    const v1 = new Uint8Array(readFileSync(join(dir, 'detector-v1.bin')));
    expect(new DataView(v1.buffer, v1.byteOffset).getUint16(6, true)).toBe(1);
    const expected = JSON.parse(readFileSync(join(dir, 'detector-v1.expected.json'), 'utf8')) as {
      next: { input: number[]; score: number; grade: number }[];
    };
    const d = AnomalyDetector.restore(v1);
    expect(d.count).toBe(1500);
    expect(d.lastSequence).toBe('49650000000000000000000000000000000000000000000000000042');
    for (const e of expected.next) {
      const r = d.process(e.input);
      expect(r.score).toBe(e.score);
      expect(r.grade).toBe(e.grade);
    }
    // Re-saved in the current version (entries without update numbers go to the point table) and read back.
    const v2 = d.snapshot();
    expect(new DataView(v2.buffer, v2.byteOffset).getUint16(6, true)).toBe(SNAPSHOT_VERSION);
    expect(AnomalyDetector.restore(v2).count).toBe(1800);
  });

  it('still loads version-2 snapshots (fixture written by the v2 code) and scores exactly as the v2 restore did', () => {
    const dir = join(__dirname, 'fixtures');
    const v2 = new Uint8Array(readFileSync(join(dir, 'detector-v2.bin')));
    expect(new DataView(v2.buffer, v2.byteOffset).getUint16(6, true)).toBe(2);
    const expected = JSON.parse(readFileSync(join(dir, 'detector-v2.expected.json'), 'utf8')) as {
      next: { input: (number | null)[]; score: number; grade: number }[];
    };
    const d = AnomalyDetector.restore(v2);
    expect(d.count).toBe(1500);
    expect(d.lastSequence).toBe('49650000000000000000000000000000000000000000000000000043');
    expect(d.lastTimestampMs).toBe(1_700_000_000_000);
    for (const e of expected.next) {
      const r = d.process(e.input);
      expect(r.score).toBe(e.score);
      expect(r.grade).toBe(e.grade);
    }
    expect(AnomalyDetector.restore(d.snapshot()).count).toBe(1800);
  });

  it('rejects foreign, truncated, corrupted and future-version snapshots with a clear error', () => {
    const d = new AnomalyDetector(small);
    for (const p of stream(300, 2)) d.process(p);
    const bytes = d.snapshot();
    expect(() => AnomalyDetector.restore(new TextEncoder().encode('{"not":"a snapshot"}'))).toThrow(/bad magic/);
    expect(() => AnomalyDetector.restore(bytes.subarray(0, bytes.length - 10))).toThrow(SnapshotError);
    const flipped = bytes.slice();
    flipped[200] = flipped[200]! ^ 0x40;
    expect(() => AnomalyDetector.restore(flipped)).toThrow(/checksum/);
    const future = bytes.slice();
    new DataView(future.buffer).setUint16(6, SNAPSHOT_VERSION + 1, true);
    expect(() => AnomalyDetector.restore(future)).toThrow(/unsupported snapshot version/);
    // A structurally invalid body with a valid checksum is caught by the structural checks.
    const evil = bytes.slice();
    const end = evil.length - 4;
    // Corrupt the last tree's last live internal node's right child (the final bytes of the body).
    new DataView(evil.buffer).setUint16(end - 2, 0xfffe, true);
    new DataView(evil.buffer).setUint32(end, crc32(evil, end), true);
    expect(() => AnomalyDetector.restore(evil)).toThrow(/tree 19/);
  });

  it('skips records already applied before a checkpoint (retried Kinesis batch)', () => {
    const data = stream(400, 4);
    const seq = (i: number): string => (49_600_000_000_000_000_000n + BigInt(i) * 1_000n).toString();
    const live = new AnomalyDetector(small);
    data.slice(0, 300).forEach((p, i) => live.processRecord(p, seq(i)));
    const checkpoint = AnomalyDetector.restore(live.snapshot());
    // The whole batch 250..399 is redelivered after a failure: 250..299 are skipped, the rest applied once.
    const replay = data.slice(250).map((p, k) => checkpoint.processRecord(p, seq(250 + k)));
    expect(replay.slice(0, 50).every((r) => r === undefined)).toBe(true);
    expect(checkpoint.count).toBe(400);
    expect(checkpoint.lastSequence).toBe(seq(399));
    expect(replay.slice(50).every((r) => r !== undefined)).toBe(true);
  });

  it('keeps a default 4-sensor model compact', () => {
    const d = new AnomalyDetector({ dimensions: 4, seed: 1 });
    const r = new Random(3);
    for (let i = 0; i < 3000; i++) d.process([gauss(r), gauss(r), gauss(r), gauss(r)]);
    const size = d.snapshot().length;
    expect(size).toBeLessThan(256 * 1024);
    expect(AnomalyDetector.restore(d.snapshot()).count).toBe(3000);
  });
});
