import { describe, expect, it } from 'vitest';
import {
  NAB_PROFILES,
  OUTSIDE,
  PROBATIONARY,
  bestThreshold,
  calcSweepScores,
  nullAndPerfectScores,
  probationaryLength,
  scaledSigmoid,
  scoreAtThreshold,
  scoreByThreshold,
} from '@smart-factory/rcf';

// Hand case: 20 rows at t = 0..19, one window [10, 13] (4 rows). Probation = floor(0.15·20) = 3 rows (0..2).
// Expected values derived by hand from NAB's sweeper formulas (sigmoid(x) = 1/(1+e^-x)):
//   maxTP = 2·sigmoid(5) − 1 = 0.98661429815
//   row 10 (left edge):  position −4/4 = −1     → reward 1 (scaled by maxTP)
//   row 11:              position −3/4          → (2·sigmoid(3.75) − 1)/maxTP = 0.96698908780
//   row 13 (right edge): position −1/4          → (2·sigmoid(1.25) − 1)/maxTP = 0.56212414860
//   row 15 (after):      position |13−15|/(4−1) = 2/3 → 0.11·(2·sigmoid(−10/3) − 1) = −0.10242205695
//   row 5 (before any window): position 3 → −1 → −0.11
//   a missed window costs −fnWeight.
const ts = Array.from({ length: 20 }, (_, i) => i);
const windows = [[10, 13]] as const;
const std = NAB_PROFILES.standard;
const detectAt = (...rows: number[]): number[] => ts.map((i) => (rows.includes(i) ? 1 : 0));

describe('NAB scoring (hand cases)', () => {
  const sweep = calcSweepScores(ts, windows, std);

  it('labels rows: probationary, outside, window', () => {
    expect(probationaryLength(20)).toBe(3);
    expect(probationaryLength(100_000)).toBe(750);
    expect(sweep.slice(0, 3).every((r) => r.window === PROBATIONARY)).toBe(true);
    expect(sweep[3]!.window).toBe(OUTSIDE);
    expect(sweep.slice(10, 14).every((r) => r.window === 0)).toBe(true);
    expect(sweep[14]!.window).toBe(OUTSIDE);
    expect(scaledSigmoid(3)).toBe(-1);
    expect(scaledSigmoid(0)).toBe(0);
  });

  it('rewards only the earliest detection in a window', () => {
    const r = scoreAtThreshold(sweep, detectAt(11, 12), 0.5, std);
    expect(r.score).toBeCloseTo(0.9669890878, 9);
    expect(r).toMatchObject({ tp: 2, fp: 0, windowsDetected: 1, windows: 1 });
    expect(scoreAtThreshold(sweep, detectAt(10), 0.5, std).score).toBeCloseTo(1.0, 12);
    expect(scoreAtThreshold(sweep, detectAt(13), 0.5, std).score).toBeCloseTo(0.5621241486, 9);
  });

  it('charges false positives by their distance from the previous window, and misses', () => {
    expect(scoreAtThreshold(sweep, detectAt(5), 0.5, std).score).toBeCloseTo(-1.11, 12);
    expect(scoreAtThreshold(sweep, detectAt(15), 0.5, std).score).toBeCloseTo(-1.10242205695, 9);
    expect(scoreAtThreshold(sweep, detectAt(10, 15), 0.5, std).score).toBeCloseTo(1 - 0.10242205695, 9);
    expect(scoreAtThreshold(sweep, detectAt(), 0.5, std).score).toBe(-1);
    // reward_low_FN_rate: a miss costs 2; reward_low_FP_rate: a far FP costs 0.22.
    const fn = calcSweepScores(ts, windows, NAB_PROFILES.reward_low_FN_rate);
    expect(scoreAtThreshold(fn, detectAt(), 0.5, NAB_PROFILES.reward_low_FN_rate).score).toBe(-2);
    const fp = calcSweepScores(ts, windows, NAB_PROFILES.reward_low_FP_rate);
    expect(scoreAtThreshold(fp, detectAt(5), 0.5, NAB_PROFILES.reward_low_FP_rate).score).toBeCloseTo(-1.22, 12);
  });

  it('ignores detections in the probationary period', () => {
    expect(scoreAtThreshold(sweep, detectAt(1), 0.5, std).score).toBe(-1);
  });

  it('sweeps thresholds like NAB (score ≥ threshold is a detection)', () => {
    const scores = ts.map((i) => (i === 11 ? 0.9 : i === 5 ? 0.7 : i === 1 ? 1 : 0.1));
    const by = scoreByThreshold(sweep, scores, std);
    expect(by[0]).toEqual({ threshold: 1.1, score: -1 });
    expect(by[1]!.threshold).toBe(0.9);
    expect(by[1]!.score).toBeCloseTo(0.9669890878, 9);
    expect(by[2]!.threshold).toBe(0.7);
    expect(by[2]!.score).toBeCloseTo(0.9669890878 - 0.11, 9);
    for (const t of by) expect(scoreAtThreshold(sweep, scores, t.threshold, std).score).toBeCloseTo(t.score, 12);
    expect(bestThreshold(sweep, scores, std).threshold).toBe(0.9);
    expect(nullAndPerfectScores(sweep, std)).toEqual({ nil: -1, perfect: 1 });
  });

  it('rejects windows that are not timestamps of the data', () => {
    expect(() => calcSweepScores(ts, [[10.5, 13]], std)).toThrow(/not timestamps/);
  });
});
