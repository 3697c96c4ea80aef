import type { SnapshotReader, SnapshotWriter } from './snapshot';

/** Options of the adaptive thresholder (defaults in DEFAULT_THRESHOLDER_OPTIONS). */
export interface ThresholderOptions {
  /** Discount per score of the running mean/variance (1/horizon). */
  readonly scoreDecay: number;
  /** Number of scores seen before any grade > 0 is emitted. */
  readonly minScores: number;
  /** z-score (deviation of the score from its decayed mean, in decayed standard deviations) where the grade starts. */
  readonly zLow: number;
  /**
   * Grade = (score − threshold)/(gradeSpan·threshold), capped at 1: the grade reaches 1 when the score exceeds the
   * threshold by this fraction of it (relative excess, so a very regular series does not turn small blips into 1).
   */
  readonly gradeSpan: number;
  /** Raw RCF scores at or below this never alert (ThresholdedRandomCutForest's absolute threshold). */
  readonly absoluteThreshold: number;
  /** Lower bound of the standard deviation, as a fraction of the mean score (guards perfectly regular series). */
  readonly minRelativeDeviation: number;
  /**
   * Refractory period after an alert, in records: one event alerts once (like TRCF's suppression while an anomaly is
   * still in the shingle) unless it escalates; 0 disables suppression.
   */
  readonly suppressionHorizon: number;
  /**
   * Inside an event, a new alert needs a grade above the last alert's grade (halving every suppressionHorizon steps)
   * plus this step: an event alerts once, and again only when it clearly escalates.
   */
  readonly escalation: number;
}

export const DEFAULT_THRESHOLDER_OPTIONS: Readonly<ThresholderOptions> = Object.freeze({
  scoreDecay: 1 / 2560,
  minScores: 128,
  zLow: 3,
  gradeSpan: 0.5,
  absoluteThreshold: 1.0,
  minRelativeDeviation: 0.05,
  suppressionHorizon: 128,
  escalation: 0.5,
});

export function validateThresholderOptions(o: ThresholderOptions): void {
  const check = (name: string, ok: boolean, v: number): void => {
    if (!ok) throw new RangeError(`${name} is out of range: ${v}`);
  };
  check('scoreDecay', o.scoreDecay > 0 && o.scoreDecay < 1, o.scoreDecay);
  check('minScores', Number.isInteger(o.minScores) && o.minScores >= 2, o.minScores);
  check('zLow', Number.isFinite(o.zLow) && o.zLow >= 0, o.zLow);
  check('gradeSpan', Number.isFinite(o.gradeSpan) && o.gradeSpan > 0, o.gradeSpan);
  check('absoluteThreshold', Number.isFinite(o.absoluteThreshold) && o.absoluteThreshold >= 0, o.absoluteThreshold);
  check('minRelativeDeviation', o.minRelativeDeviation >= 0 && o.minRelativeDeviation < 10, o.minRelativeDeviation);
  check('escalation', o.escalation >= 0 && o.escalation <= 1, o.escalation);
  check('suppressionHorizon', o.suppressionHorizon >= 0 && Number.isFinite(o.suppressionHorizon), o.suppressionHorizon);
}

export interface Grade {
  /** In [0, 1]; 0 = normal. */
  readonly grade: number;
  /** The score's deviation from its decayed mean in decayed standard deviations (0 before minScores). */
  readonly zScore: number;
  /** The raw score above which the grade becomes positive (before suppression). */
  readonly threshold: number;
}

/**
 * Turns raw RCF scores into a grade in [0, 1], in the spirit of ThresholdedRandomCutForest's BasicThresholder:
 * discounted mean and deviation of past scores, threshold = max(absoluteThreshold, mean + zLow·sd), a grade rising
 * with the relative excess over the threshold, and suppression of repeated alerts. Scores feed the statistics
 * winsorised at the grade-1 level, so that anomalies do not inflate the deviation they are judged against.
 */
export class Thresholder {
  readonly options: ThresholderOptions;
  /** Number of scores seen. */
  count = 0;
  /** Discounted sums: weight, Σx, Σx². */
  weight = 0;
  sum = 0;
  sumSq = 0;
  /** Grade of the last alert. */
  lastAlertGrade = 0;
  /** Steps since the last reported alert. */
  stepsSinceAlert = Number.MAX_SAFE_INTEGER;

  constructor(options: ThresholderOptions = DEFAULT_THRESHOLDER_OPTIONS) {
    validateThresholderOptions(options);
    this.options = { ...options };
  }

  get mean(): number {
    return this.weight > 0 ? this.sum / this.weight : 0;
  }

  get deviation(): number {
    if (this.weight <= 0) return 0;
    const m = this.sum / this.weight;
    const v = this.sumSq / this.weight - m * m;
    return Math.sqrt(v > 0 ? v : 0);
  }

  /** Grades a score against the statistics of the previous ones, then adds it to them. */
  process(score: number): Grade {
    const o = this.options;
    const mean = this.mean;
    const sd = Math.max(this.deviation, o.minRelativeDeviation * mean, 1e-12);
    let grade = 0;
    let z = 0;
    let threshold = Math.max(o.absoluteThreshold, mean + o.zLow * sd);
    if (this.count >= o.minScores) {
      z = (score - mean) / sd;
      if (score > threshold) grade = Math.min(1, (score - threshold) / (o.gradeSpan * threshold));
    } else {
      threshold = Number.POSITIVE_INFINITY;
    }
    // One alert per event: after an alert, further alerts within suppressionHorizon steps are dropped unless the
    // grade escalates above the last alert's grade (halving every suppressionHorizon steps) plus `escalation`.
    if (this.stepsSinceAlert < Number.MAX_SAFE_INTEGER) this.stepsSinceAlert++;
    if (grade > 0 && o.suppressionHorizon > 0 && this.stepsSinceAlert <= o.suppressionHorizon) {
      const bar = this.lastAlertGrade * Math.pow(0.5, this.stepsSinceAlert / o.suppressionHorizon) + o.escalation;
      if (grade <= bar) grade = 0;
    }
    if (grade > 0) {
      this.lastAlertGrade = grade;
      this.stepsSinceAlert = 0;
    }
    // Update the statistics with the (winsorised) score.
    const x = this.count >= o.minScores ? Math.min(score, threshold * (1 + o.gradeSpan)) : score;
    const keep = 1 - o.scoreDecay;
    this.weight = this.weight * keep + 1;
    this.sum = this.sum * keep + x;
    this.sumSq = this.sumSq * keep + x * x;
    this.count++;
    return { grade, zScore: z, threshold };
  }
}

// ---------------------------------------------------------------- snapshot section (owned here)

/** Version of the thresholder's snapshot section; bump it (and read the old one) when the fields below change. */
export const THRESHOLDER_STATE_VERSION = 1;

/** Writes options and state of a thresholder (the section of the detector snapshot this module owns). */
export function writeThresholder(w: SnapshotWriter, th: Thresholder): void {
  w.u8(THRESHOLDER_STATE_VERSION);
  writeThresholderOptionsV1(w, th.options);
  writeThresholderStateV1(w, th);
}

/** Reads what `writeThresholder` wrote (any version this module knows). */
export function readThresholder(r: SnapshotReader): Thresholder {
  const v = r.u8('thresholder section version');
  if (v !== 1) throw new RangeError(`unsupported thresholder section version ${v}`);
  const th = new Thresholder(readThresholderOptionsV1(r));
  readThresholderStateV1(r, th);
  return th;
}

/** Option fields in the layout of detector snapshot version 1 (also used inside the version-1 section). */
export function writeThresholderOptionsV1(w: SnapshotWriter, t: ThresholderOptions): void {
  w.f64(t.scoreDecay);
  w.u32(t.minScores);
  w.f64(t.zLow);
  w.f64(t.gradeSpan);
  w.f64(t.absoluteThreshold);
  w.f64(t.minRelativeDeviation);
  w.f64(t.suppressionHorizon);
  w.f64(t.escalation);
}

export function readThresholderOptionsV1(r: SnapshotReader): ThresholderOptions {
  return {
    scoreDecay: r.f64('scoreDecay'),
    minScores: r.u32('minScores'),
    zLow: r.f64('zLow'),
    gradeSpan: r.f64('gradeSpan'),
    absoluteThreshold: r.f64('absoluteThreshold'),
    minRelativeDeviation: r.f64('minRelativeDeviation'),
    suppressionHorizon: r.f64('suppressionHorizon'),
    escalation: r.f64('escalation'),
  };
}

export function writeThresholderStateV1(w: SnapshotWriter, th: Thresholder): void {
  w.f64(th.count);
  w.f64(th.weight);
  w.f64(th.sum);
  w.f64(th.sumSq);
  w.f64(th.lastAlertGrade);
  w.f64(th.stepsSinceAlert);
}

export function readThresholderStateV1(r: SnapshotReader, th: Thresholder): void {
  th.count = r.f64('thresholder count');
  th.weight = r.f64('thresholder weight');
  th.sum = r.f64('thresholder sum');
  th.sumSq = r.f64('thresholder sumSq');
  th.lastAlertGrade = r.f64('lastAlertGrade');
  th.stepsSinceAlert = r.f64('stepsSinceAlert');
}
