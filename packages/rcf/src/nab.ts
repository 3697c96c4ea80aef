/**
 * The Numenta Anomaly Benchmark's scoring (numenta/NAB nab/sweeper.py, config/profiles.json), for one data file:
 * anomaly windows, the scaled sigmoid, probationary period, profile weights; only the earliest detection in a window
 * counts (its sigmoid reward is the window's maximum), every detection outside a window is a weighted false positive,
 * every window without a detection costs −fnWeight.
 */

export interface NabProfile {
  readonly tpWeight: number;
  readonly fpWeight: number;
  readonly fnWeight: number;
}

/** NAB's three application profiles (config/profiles.json; tn weight is unused by the sweeper). */
export const NAB_PROFILES: Readonly<Record<'standard' | 'reward_low_FP_rate' | 'reward_low_FN_rate', NabProfile>> =
  Object.freeze({
    standard: { tpWeight: 1.0, fpWeight: 0.11, fnWeight: 1.0 },
    reward_low_FP_rate: { tpWeight: 1.0, fpWeight: 0.22, fnWeight: 1.0 },
    reward_low_FN_rate: { tpWeight: 1.0, fpWeight: 0.11, fnWeight: 2.0 },
  });

/** Window label for rows of the probationary period (never scored). */
export const PROBATIONARY = -2;
/** Window label for rows outside every window. */
export const OUTSIDE = -1;

export function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/** 2·sigmoid(−5x) − 1, and −1 at x ≥ 3 (far behind a window). */
export function scaledSigmoid(relativePosition: number): number {
  if (relativePosition >= 3.0) return -1.0;
  return 2 * sigmoid(-5 * relativePosition) - 1.0;
}

/** NAB's probationary length: min(floor(0.15·n), 0.15·5000). */
export function probationaryLength(rows: number, probationPercent = 0.15): number {
  return Math.min(Math.floor(probationPercent * rows), probationPercent * 5000);
}

export interface SweepRow {
  /** Weighted score of a detection at this row (reward in a window, penalty outside). */
  readonly sweepScore: number;
  /** Index of the window holding the row, OUTSIDE, or PROBATIONARY. */
  readonly window: number;
}

/**
 * Per-row sweep scores (Sweeper.calcSweepScore). `timestamps` are comparable numbers (e.g. epoch ms); each window is
 * [first, last] and both limits must be timestamps of rows, in increasing order.
 */
export function calcSweepScores(
  timestamps: readonly number[],
  windows: readonly (readonly [number, number])[],
  profile: NabProfile,
  probationPercent = 0.15
): SweepRow[] {
  const index = new Map<number, number>();
  timestamps.forEach((t, i) => {
    if (!index.has(t)) index.set(t, i);
  });
  const limits = windows.map(([a, b], k) => {
    const ia = index.get(a);
    const ib = index.get(b);
    if (ia === undefined || ib === undefined) throw new Error(`window ${k} limits are not timestamps of the data`);
    if (ib < ia) throw new Error(`window ${k} ends before it starts`);
    return [ia, ib] as const;
  });
  const maxTP = scaledSigmoid(-1.0);
  const probation = probationaryLength(timestamps.length, probationPercent);
  const rows: SweepRow[] = [];
  let next = 0;
  let cur = -1;
  let curRight = -1;
  let curWidth = 0;
  let prevRight = -1;
  let prevWidth = 0;
  for (let i = 0; i < timestamps.length; i++) {
    const l = limits[next];
    if (l !== undefined && i === l[0]) {
      cur = next++;
      curRight = l[1];
      curWidth = l[1] - l[0] + 1;
    }
    let weighted: number;
    if (cur >= 0) {
      const position = -(curRight - i + 1) / curWidth;
      weighted = (scaledSigmoid(position) * profile.tpWeight) / maxTP;
    } else {
      const position = prevRight < 0 ? 3.0 : Math.abs(prevRight - i) / (prevWidth - 1);
      weighted = scaledSigmoid(position) * profile.fpWeight;
    }
    rows.push({ sweepScore: weighted, window: i >= probation ? cur : PROBATIONARY });
    if (cur >= 0 && i === curRight) {
      prevRight = i;
      prevWidth = curWidth;
      cur = -1;
    }
  }
  return rows;
}

export interface NabResult {
  /** Raw NAB score (Σ window rewards/penalties + Σ false-positive penalties). */
  readonly score: number;
  readonly tp: number;
  readonly fp: number;
  readonly fn: number;
  readonly tn: number;
  /** Scorable windows with at least one detection / total scorable windows. */
  readonly windowsDetected: number;
  readonly windows: number;
}

/** Raw score when every row with anomaly score ≥ threshold is a detection. */
export function scoreAtThreshold(
  rows: readonly SweepRow[],
  anomalyScores: readonly number[],
  threshold: number,
  profile: NabProfile
): NabResult {
  if (rows.length !== anomalyScores.length) throw new Error('rows and anomaly scores differ in length');
  const best = new Map<number, number>();
  for (const r of rows) if (r.window >= 0 && !best.has(r.window)) best.set(r.window, -profile.fnWeight);
  let fpScore = 0;
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let tn = 0;
  const hit = new Set<number>();
  rows.forEach((r, i) => {
    if (r.window === PROBATIONARY) return;
    const detected = anomalyScores[i]! >= threshold;
    if (r.window >= 0) {
      if (detected) {
        tp++;
        hit.add(r.window);
        best.set(r.window, Math.max(best.get(r.window)!, r.sweepScore));
      } else fn++;
    } else if (detected) {
      fp++;
      fpScore += r.sweepScore;
    } else tn++;
  });
  let score = fpScore;
  for (const v of best.values()) score += v;
  return { score, tp, fp, fn, tn, windowsDetected: hit.size, windows: best.size };
}

/** Scores at every distinct threshold (Sweeper.calcScoreByThreshold), highest threshold first (starting at 1.1). */
export function scoreByThreshold(
  rows: readonly SweepRow[],
  anomalyScores: readonly number[],
  profile: NabProfile
): { threshold: number; score: number }[] {
  const order = rows
    .map((r, i) => ({ r, s: anomalyScores[i]! }))
    .filter((x) => x.r.window !== PROBATIONARY)
    .sort((a, b) => b.s - a.s);
  const parts = new Map<number, number>();
  for (const x of order) if (x.r.window >= 0) parts.set(x.r.window, -profile.fnWeight);
  let fp = 0;
  const total = (): number => {
    let s = fp;
    for (const v of parts.values()) s += v;
    return s;
  };
  const out: { threshold: number; score: number }[] = [];
  let cur = 1.1;
  for (const x of order) {
    if (x.s !== cur) {
      out.push({ threshold: cur, score: total() });
      cur = x.s;
    }
    if (x.r.window < 0) fp += x.r.sweepScore;
    else parts.set(x.r.window, Math.max(parts.get(x.r.window)!, x.r.sweepScore));
  }
  out.push({ threshold: cur, score: total() });
  return out;
}

/** Best raw score over all thresholds on this one file (an upper bound; NAB optimises one threshold per corpus). */
export function bestThreshold(
  rows: readonly SweepRow[],
  anomalyScores: readonly number[],
  profile: NabProfile
): { threshold: number; score: number } {
  let best = { threshold: 1.1, score: Number.NEGATIVE_INFINITY };
  for (const t of scoreByThreshold(rows, anomalyScores, profile)) if (t.score > best.score) best = t;
  return best;
}

/** Score of a detector that never fires (−fnWeight per scorable window) and of a perfect one. */
export function nullAndPerfectScores(rows: readonly SweepRow[], profile: NabProfile): { nil: number; perfect: number } {
  const best = new Map<number, number>();
  for (const r of rows) {
    if (r.window < 0) continue;
    best.set(r.window, Math.max(best.get(r.window) ?? Number.NEGATIVE_INFINITY, r.sweepScore));
  }
  let perfect = 0;
  for (const v of best.values()) perfect += v;
  return { nil: -profile.fnWeight * best.size, perfect };
}

/** A NAB timestamp ("2013-12-10 06:25:00", optionally with fractional seconds) as epoch ms, read as UTC. */
export function nabTime(s: string): number {
  const t = Date.parse(s.trim().replace(' ', 'T').slice(0, 19) + 'Z');
  if (Number.isNaN(t)) throw new Error(`bad NAB timestamp "${s}"`);
  return t;
}

/** NAB's sweep rows for a series' timestamps and its label windows (`[start, end]` pairs as in NAB's label files). */
export function nabSweep(
  timestamps: readonly string[],
  windows: readonly (readonly [string, string])[],
  profile: NabProfile
): SweepRow[] {
  return calcSweepScores(
    timestamps.map(nabTime),
    windows.map(([a, b]) => [nabTime(a), nabTime(b)] as const),
    profile
  );
}
