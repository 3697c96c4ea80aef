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
  /**
   * Sustained channel (Numenta's anomaly likelihood): the mean of the last `averagingWindow` scores is judged against
   * the discounted distribution of such means; 1 disables the channel (the behaviour of version-1 snapshots).
   */
  readonly averagingWindow: number;
  /**
   * z where the sustained channel's grade starts (Numenta's likelihood threshold 1 − 10⁻⁵ as a one-sided normal
   * tail: 4.265). Its grade span is gradeSpan/√averagingWindow (a mean of W scores varies ≈ 1/√W as much).
   */
  readonly windowZ: number;
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
  averagingWindow: 10,
  windowZ: 4.265,
});

/** What version-1 thresholder options (no sustained channel) mean in this version. */
const V1_WINDOW_OPTIONS = { averagingWindow: 1, windowZ: 4.265 } as const;

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
  check(
    'averagingWindow',
    Number.isInteger(o.averagingWindow) && o.averagingWindow >= 1 && o.averagingWindow <= 1000,
    o.averagingWindow
  );
  check('windowZ', Number.isFinite(o.windowZ) && o.windowZ >= 0, o.windowZ);
}

export interface Grade {
  /** In [0, 1]; 0 = normal. */
  readonly grade: number;
  /** The score's deviation from its decayed mean in decayed standard deviations (0 before minScores). */
  readonly zScore: number;
  /** The raw score above which the grade becomes positive (before suppression). */
  readonly threshold: number;
  /**
   * Which channel gave the grade: 'instant' (this score against the score distribution), 'sustained' (the mean of
   * the last averagingWindow scores against the distribution of such means) or 'none' (grade 0).
   */
  readonly channel: 'instant' | 'sustained' | 'none';
}

/** Discounted weight, Σx, Σx² of a stream (TRCF's Deviation). */
export class Discounted {
  weight = 0;
  sum = 0;
  sumSq = 0;
  get mean(): number {
    return this.weight > 0 ? this.sum / this.weight : 0;
  }
  get deviation(): number {
    if (this.weight <= 0) return 0;
    const m = this.sum / this.weight;
    const v = this.sumSq / this.weight - m * m;
    return Math.sqrt(v > 0 ? v : 0);
  }
  add(x: number, decay: number): void {
    const keep = 1 - decay;
    this.weight = this.weight * keep + 1;
    this.sum = this.sum * keep + x;
    this.sumSq = this.sumSq * keep + x * x;
  }
}

/**
 * Turns raw RCF scores into a grade in [0, 1], in the spirit of ThresholdedRandomCutForest's BasicThresholder:
 * discounted mean and deviation of past scores, threshold = max(absoluteThreshold, mean + zLow·sd), a grade rising
 * with the relative excess over the threshold, and suppression of repeated alerts. Scores feed the statistics
 * winsorised at the grade-1 level, so that anomalies do not inflate the deviation they are judged against.
 * A second, sustained channel (Numenta's anomaly likelihood) does the same for the mean of the last
 * `averagingWindow` scores, with threshold mean + windowZ·sd of those means: a slow drift that raises every score a
 * little, none of them enough to cross the instant threshold, still alerts. The grade is the larger of the two.
 */
export class Thresholder {
  readonly options: ThresholderOptions;
  /** Number of scores seen. */
  count = 0;
  /** Discounted statistics of the (winsorised) scores (instant channel). */
  readonly scoreStats = new Discounted();
  /** Grade of the last alert. */
  lastAlertGrade = 0;
  /** Steps since the last reported alert. */
  stepsSinceAlert = Number.MAX_SAFE_INTEGER;
  /** Last averagingWindow scores (ring), how many are valid, next write position. */
  readonly window: Float64Array;
  windowFill = 0;
  windowHead = 0;
  /** Discounted statistics of the window means (sustained channel). */
  readonly windowStats = new Discounted();

  constructor(options: ThresholderOptions = DEFAULT_THRESHOLDER_OPTIONS) {
    validateThresholderOptions(options);
    this.options = { ...options };
    this.window = new Float64Array(options.averagingWindow);
  }

  get mean(): number {
    return this.scoreStats.mean;
  }

  get deviation(): number {
    return this.scoreStats.deviation;
  }

  /** Grades a score against the statistics of the previous ones, then adds it to them. */
  process(score: number): Grade {
    const o = this.options;
    const mean = this.mean;
    const sd = Math.max(this.deviation, o.minRelativeDeviation * mean, 1e-12);
    let grade = 0;
    let z = 0;
    let channel: Grade['channel'] = 'none';
    let threshold = Math.max(o.absoluteThreshold, mean + o.zLow * sd);
    // Sustained channel: mean of the last W scores (this one included) against the distribution of such means.
    const w = o.averagingWindow;
    const sustained = w > 1;
    let windowMean = 0;
    let windowThreshold = Number.POSITIVE_INFINITY;
    const windowSpan = o.gradeSpan / Math.sqrt(w);
    if (sustained) {
      this.window[this.windowHead] = score;
      this.windowHead = (this.windowHead + 1) % w;
      if (this.windowFill < w) this.windowFill++;
      for (let i = 0; i < this.windowFill; i++) windowMean += this.window[i]!;
      windowMean /= this.windowFill;
      const ws = this.windowStats;
      const wsd = Math.max(ws.deviation, (o.minRelativeDeviation * ws.mean) / Math.sqrt(w), 1e-12);
      windowThreshold = Math.max(o.absoluteThreshold, ws.mean + o.windowZ * wsd);
    }
    if (this.count >= o.minScores) {
      z = (score - mean) / sd;
      if (score > threshold) {
        grade = Math.min(1, (score - threshold) / (o.gradeSpan * threshold));
        channel = 'instant';
      }
      if (sustained && this.windowFill === w && windowMean > windowThreshold) {
        const gw = Math.min(1, (windowMean - windowThreshold) / (windowSpan * windowThreshold));
        if (gw > grade) {
          grade = gw;
          channel = 'sustained';
        }
      }
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
    } else channel = 'none';
    // Update the statistics with the (winsorised) score and window mean.
    const graded = this.count >= o.minScores;
    const x = graded ? Math.min(score, threshold * (1 + o.gradeSpan)) : score;
    this.scoreStats.add(x, o.scoreDecay);
    if (sustained && this.windowFill === w) {
      this.windowStats.add(
        graded ? Math.min(windowMean, windowThreshold * (1 + windowSpan)) : windowMean,
        o.scoreDecay
      );
    }
    this.count++;
    return { grade, zScore: z, threshold, channel };
  }
}

// ---------------------------------------------------------------- snapshot section (owned here)

/** Version of the thresholder's snapshot section; bump it (and read the old one) when the fields below change. */
export const THRESHOLDER_STATE_VERSION = 2;

/**
 * Writes options and state of a thresholder (the section of the detector snapshot this module owns). Version 2 =
 * version 1's fields, then averagingWindow (u32), windowZ (f64), the window ring (fill u32, head u32, W × f64) and
 * the window-mean statistics (weight, sum, sumSq as f64).
 */
export function writeThresholder(w: SnapshotWriter, th: Thresholder): void {
  w.u8(THRESHOLDER_STATE_VERSION);
  writeThresholderOptionsV1(w, th.options);
  writeThresholderStateV1(w, th);
  w.u32(th.options.averagingWindow);
  w.f64(th.options.windowZ);
  w.u32(th.windowFill);
  w.u32(th.windowHead);
  w.f64s(th.window);
  w.f64(th.windowStats.weight);
  w.f64(th.windowStats.sum);
  w.f64(th.windowStats.sumSq);
}

/**
 * Reads what `writeThresholder` wrote (any version this module knows). A version-1 section had no sustained channel:
 * it is restored with averagingWindow 1, so an old model keeps grading exactly as it did.
 */
export function readThresholder(r: SnapshotReader): Thresholder {
  const v = r.u8('thresholder section version');
  if (v !== 1 && v !== 2) throw new RangeError(`unsupported thresholder section version ${v}`);
  const base = readThresholderOptionsV1(r);
  const th0 = new Thresholder(base);
  readThresholderStateV1(r, th0);
  if (v === 1) return th0;
  const averagingWindow = r.u32('thresholder averagingWindow');
  const windowZ = r.f64('thresholder windowZ');
  const th = new Thresholder({ ...base, averagingWindow, windowZ });
  copyStateV1(th0, th);
  th.windowFill = r.u32('thresholder window fill');
  th.windowHead = r.u32('thresholder window head');
  if (th.windowFill > averagingWindow || th.windowHead >= averagingWindow) {
    throw new RangeError('thresholder window position out of range');
  }
  r.f64s(th.window, 'thresholder window');
  th.windowStats.weight = r.f64('thresholder window weight');
  th.windowStats.sum = r.f64('thresholder window sum');
  th.windowStats.sumSq = r.f64('thresholder window sumSq');
  return th;
}

function copyStateV1(from: Thresholder, to: Thresholder): void {
  to.count = from.count;
  to.scoreStats.weight = from.scoreStats.weight;
  to.scoreStats.sum = from.scoreStats.sum;
  to.scoreStats.sumSq = from.scoreStats.sumSq;
  to.lastAlertGrade = from.lastAlertGrade;
  to.stepsSinceAlert = from.stepsSinceAlert;
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

/** Version-1 option fields; the sustained channel, which version 1 did not have, is off (averagingWindow 1). */
export function readThresholderOptionsV1(r: SnapshotReader): ThresholderOptions {
  return {
    ...V1_WINDOW_OPTIONS,
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
  w.f64(th.scoreStats.weight);
  w.f64(th.scoreStats.sum);
  w.f64(th.scoreStats.sumSq);
  w.f64(th.lastAlertGrade);
  w.f64(th.stepsSinceAlert);
}

export function readThresholderStateV1(r: SnapshotReader, th: Thresholder): void {
  th.count = r.f64('thresholder count');
  th.scoreStats.weight = r.f64('thresholder weight');
  th.scoreStats.sum = r.f64('thresholder sum');
  th.scoreStats.sumSq = r.f64('thresholder sumSq');
  th.lastAlertGrade = r.f64('lastAlertGrade');
  th.stepsSinceAlert = r.f64('stepsSinceAlert');
}
