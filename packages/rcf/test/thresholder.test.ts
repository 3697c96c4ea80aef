import { describe, expect, it } from 'vitest';
import { DEFAULT_THRESHOLDER_OPTIONS, Random, Thresholder } from '@smart-factory/rcf';
import { SnapshotReader, SnapshotWriter } from '../src/snapshot';
import { readThresholder, writeThresholder } from '../src/thresholder';

describe('Thresholder', () => {
  it('keeps the grade in [0, 1] for any score stream, including extremes', () => {
    const t = new Thresholder();
    const rng = new Random(3);
    for (let i = 0; i < 5000; i++) {
      const u = rng.nextDouble();
      const s = u < 0.01 ? 1e6 * rng.nextDouble() : u < 0.02 ? 0 : 0.7 + 0.2 * rng.nextDouble();
      const g = t.process(s);
      expect(g.grade).toBeGreaterThanOrEqual(0);
      expect(g.grade).toBeLessThanOrEqual(1);
      expect(Number.isNaN(g.grade)).toBe(false);
    }
  });

  it('is quiet on steady scores, grades a jump, and alerts once per event', () => {
    const t = new Thresholder();
    const rng = new Random(5);
    const normal = (): number => 0.75 + 0.1 * rng.nextDouble();
    for (let i = 0; i < 1000; i++) expect(t.process(normal()).grade).toBe(0);
    const first = t.process(4);
    expect(first.grade).toBeGreaterThan(0.5);
    expect(first.zScore).toBeGreaterThan(DEFAULT_THRESHOLDER_OPTIONS.zLow);
    // The same level right after belongs to the same event: suppressed.
    expect(t.process(4).grade).toBe(0);
    // Long calm, then a new event alerts again.
    for (let i = 0; i < 500; i++) t.process(normal());
    expect(t.process(4).grade).toBeGreaterThan(0);
  });

  it('never alerts before minScores scores or at or below the absolute threshold', () => {
    const t = new Thresholder();
    for (let i = 0; i < DEFAULT_THRESHOLDER_OPTIONS.minScores; i++)
      expect(t.process(i === 10 ? 50 : 0.1).grade).toBe(0);
    const u = new Thresholder();
    for (let i = 0; i < 500; i++) u.process(0.1 + (i % 2) * 0.001);
    expect(u.process(DEFAULT_THRESHOLDER_OPTIONS.absoluteThreshold).grade).toBe(0);
  });

  it('alerts on a sustained rise that no single score makes (Numenta-style averaged channel), and only then', () => {
    const run = (averagingWindow: number) => {
      const t = new Thresholder({ ...DEFAULT_THRESHOLDER_OPTIONS, averagingWindow });
      const rng = new Random(7);
      for (let i = 0; i < 1500; i++) expect(t.process(1.2 + 0.2 * rng.nextDouble()).grade).toBe(0);
      // Every later score stays below the instant threshold (mean 1.3 + 3 sd ≥ 1.49), but all of them are high.
      const out: { grade: number; channel: string; threshold: number; score: number }[] = [];
      for (let i = 0; i < 40; i++) {
        const score = 1.45 + 0.04 * rng.nextDouble();
        out.push({ score, ...t.process(score) });
      }
      return out;
    };
    const on = run(DEFAULT_THRESHOLDER_OPTIONS.averagingWindow);
    expect(on.every((g) => g.score < g.threshold)).toBe(true);
    const alerts = on.filter((g) => g.grade > 0);
    expect(alerts.length).toBeGreaterThan(0);
    expect(alerts.every((g) => g.channel === 'sustained')).toBe(true);
    expect(on.findIndex((g) => g.grade > 0)).toBeLessThan(DEFAULT_THRESHOLDER_OPTIONS.averagingWindow);
    // Without the averaged channel (version-1 behaviour) the same stream never alerts.
    expect(run(1).every((g) => g.grade === 0 && g.channel === 'none')).toBe(true);
  });

  it('round-trips its snapshot section (version 2) at any point, also with the averaging window partly filled', () => {
    const rng = new Random(11);
    const stream = Array.from({ length: 400 }, (_, i) => (i > 300 && i < 330 ? 1.6 : 0.8) + 0.1 * rng.nextDouble());
    for (const cut of [3, 150, 305, 399]) {
      const live = new Thresholder();
      for (const x of stream.slice(0, cut)) live.process(x);
      const w = new SnapshotWriter();
      writeThresholder(w, live);
      const bytes = w.finish();
      const r = new SnapshotReader(bytes, bytes.length);
      const back = readThresholder(r);
      expect(r.pos).toBe(bytes.length);
      expect(back.options).toEqual(live.options);
      expect(back.windowFill).toBe(Math.min(cut, DEFAULT_THRESHOLDER_OPTIONS.averagingWindow));
      for (const x of stream.slice(cut)) expect(back.process(x)).toEqual(live.process(x));
    }
  });

  it('rejects invalid options', () => {
    expect(() => new Thresholder({ ...DEFAULT_THRESHOLDER_OPTIONS, gradeSpan: 0 })).toThrow(/gradeSpan/);
    expect(() => new Thresholder({ ...DEFAULT_THRESHOLDER_OPTIONS, scoreDecay: 2 })).toThrow(/scoreDecay/);
    expect(() => new Thresholder({ ...DEFAULT_THRESHOLDER_OPTIONS, averagingWindow: 0 })).toThrow(/averagingWindow/);
    expect(() => new Thresholder({ ...DEFAULT_THRESHOLDER_OPTIONS, windowZ: Number.NaN })).toThrow(/windowZ/);
  });
});
