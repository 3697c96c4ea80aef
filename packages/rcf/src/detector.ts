import { RandomCutForest } from './forest';
import {
  frameSnapshot,
  openSnapshot,
  readForest,
  SnapshotError,
  type SnapshotReader,
  type SnapshotWriter,
  writeForest,
} from './snapshot';
import {
  DEFAULT_THRESHOLDER_OPTIONS,
  readThresholder,
  readThresholderOptionsV1,
  readThresholderStateV1,
  Thresholder,
  type ThresholderOptions,
  writeThresholder,
} from './thresholder';

/** Options of an AnomalyDetector (all optional; see DEFAULT_DETECTOR_OPTIONS). */
export interface DetectorOptions {
  /** Number of input values per record (e.g. sensors of a device). */
  readonly dimensions: number;
  /** Shingle size: the forest sees the last `shingleSize` records concatenated. */
  readonly shingleSize: number;
  readonly numberOfTrees: number;
  readonly sampleSize: number;
  /** λ of the reservoir (1/λ ≈ records a point stays sampled). */
  readonly timeDecay: number;
  /**
   * Records collected before the model starts: their per-dimension mean and standard deviation fix the input
   * normalisation, then they are fed to the forest (scores 0 meanwhile).
   */
  readonly warmup: number;
  /** Normalise each input dimension by (x − mean)/sd of the warm-up records. */
  readonly normalize: boolean;
  readonly seed: number;
  readonly thresholder: ThresholderOptions;
}

/**
 * Defaults of the deployed Lambda and of `smart-factory detect` (one model per device).
 * - 100 trees × 256 samples (KDA's tree count; the library's upper bound of "useful"): the score is a mean over
 *   trees, so doubling them halves its variance; with 50 the NAB result of one series depended on the seed far more
 *   (`npm run bench:rcf-robustness`). λ = 1/2560 is the library default (a point stays ≈ 2,560 records in a
 *   sample) — faster to adapt than KDA's λ = 1/100,000.
 * - shingle 4: the shape of the last four records (TRCF/AMP use shingling to catch contextual anomalies).
 * - warm-up 256 records fixes the normalisation; grades start after 64 more scores.
 * - thresholder: see DEFAULT_THRESHOLDER_OPTIONS.
 */
export const DEFAULT_DETECTOR_OPTIONS: Readonly<DetectorOptions> = Object.freeze({
  dimensions: 1,
  shingleSize: 4,
  numberOfTrees: 100,
  sampleSize: 256,
  timeDecay: 1 / 2560,
  warmup: 256,
  normalize: true,
  seed: 42,
  thresholder: DEFAULT_THRESHOLDER_OPTIONS,
});

/**
 * The alert threshold on the grade that goes with DEFAULT_DETECTOR_OPTIONS: the deployed Lambda
 * (config streaming.anomalyAlertThreshold) and `smart-factory detect` alert at grade ≥ this. Chosen by a rule fixed
 * in advance: NAB's corpus-style optimisation (one threshold, best summed standard-profile raw score over the seven
 * realKnownCause files, 0.005 grid; `npm run bench:rcf` recomputes it and says whether it still agrees), then checked
 * against the robustness tests (packages/cli/test/detector-robustness.test.ts: no alert on a fault-free week or a
 * noisy periodic signal, every injected fault and single-sensor drift alerted within 60 readings).
 */
export const DEFAULT_ALERT_GRADE = 0.5;

export interface DimensionAttribution {
  /** Part of the score explained by this input being higher than usual. */
  readonly high: number;
  /** Part of the score explained by this input being lower than usual. */
  readonly low: number;
}

export interface AnomalyResult {
  /** Raw RCF score (0 … log2(sampleSize+1); inliers ≈ 0.7–1); 0 during warm-up. */
  readonly score: number;
  /** Grade in [0, 1]; > 0 means anomaly. */
  readonly grade: number;
  readonly isAnomaly: boolean;
  /** Score deviation from its decayed mean in decayed standard deviations. */
  readonly zScore: number;
  /** Raw score above which the grade becomes positive (Infinity while warming up). */
  readonly threshold: number;
  /** Per input dimension (summed over shingle positions); Σ(high + low) = score (zeros when not attributed, see topDimension). */
  readonly attribution: readonly DimensionAttribution[];
  /**
   * Index of the input dimension with the largest attribution and its direction (−1 while warming up, and for
   * records without an attribution when `AnomalyDetector.attribution` is 'anomalies').
   */
  readonly topDimension: number;
  readonly direction: 'high' | 'low';
  /** False while the model is warming up (score and grade are 0). */
  readonly ready: boolean;
  /** Records processed so far, this one included. */
  readonly count: number;
}

export type PartialDetectorOptions = Partial<Omit<DetectorOptions, 'thresholder'>> & {
  readonly thresholder?: Partial<ThresholderOptions>;
};

export function resolveDetectorOptions(o: PartialDetectorOptions = {}): DetectorOptions {
  const r: DetectorOptions = {
    ...DEFAULT_DETECTOR_OPTIONS,
    ...o,
    thresholder: { ...DEFAULT_DETECTOR_OPTIONS.thresholder, ...o.thresholder },
  };
  const int = (name: string, v: number, min: number, max: number): void => {
    if (!Number.isInteger(v) || v < min || v > max)
      throw new RangeError(`${name} must be an integer in [${min}, ${max}], got ${v}`);
  };
  int('dimensions', r.dimensions, 1, 256);
  int('shingleSize', r.shingleSize, 1, 64);
  int('warmup', r.warmup, 1, 1_000_000);
  if (r.dimensions * r.shingleSize > 4096) throw new RangeError('dimensions × shingleSize must be at most 4096');
  return r;
}

/**
 * Streaming anomaly detector: input normalisation + shingling + Random Cut Forest + adaptive thresholder.
 * Call `process` once per record, in order; checkpoint with `snapshot()` and resume with `AnomalyDetector.restore`.
 * Not thread-safe (one instance per device/stream).
 */
export class AnomalyDetector {
  readonly options: DetectorOptions;
  readonly forest: RandomCutForest;
  thresholder: Thresholder;
  /** Records processed (including warm-up records). */
  count = 0;
  /**
   * Caller-owned checkpoint marker, e.g. the Kinesis sequence number of the last record applied; stored in the
   * snapshot so that a restored model can skip records it already saw.
   */
  lastSequence: string | undefined = undefined;
  /** Timestamp (ms) passed with the last record, if any. */
  lastTimestampMs: number | undefined = undefined;
  /** Warm-up buffer of raw records (dimensions × warmup), then unused. */
  warmupBuffer: Float64Array;
  /** Normalisation: x' = (x − center)/scale, fixed at the end of warm-up. */
  readonly center: Float64Array;
  readonly scale: Float64Array;
  /** Last normalised value per dimension (imputes missing values). */
  readonly lastValue: Float64Array;
  /** Shingle ring: last `shingleSize` normalised records; `shingleFill` of them valid; next write at `shingleHead`. */
  readonly shingle: Float64Array;
  shingleFill = 0;
  shingleHead = 0;

  /**
   * Which records get an attribution: 'every record' (the default), or 'anomalies' only (grade > 0), which skips
   * about half of the scoring work on the other records; their attribution is then all zeros and topDimension −1.
   * Scores, grades and the model are the same either way. A setting of this process, not part of the model: it is
   * not stored in snapshots.
   */
  attribution: 'every record' | 'anomalies' = 'every record';

  private readonly point: Float64Array;
  private readonly high: Float64Array;
  private readonly low: Float64Array;
  private readonly raw: Float64Array;

  constructor(options: PartialDetectorOptions = {}) {
    this.options = resolveDetectorOptions(options);
    const o = this.options;
    const fd = o.dimensions * o.shingleSize;
    this.forest = new RandomCutForest({
      dimensions: fd,
      numberOfTrees: o.numberOfTrees,
      sampleSize: o.sampleSize,
      timeDecay: o.timeDecay,
      outputAfter: 1,
      seed: o.seed,
    });
    this.thresholder = new Thresholder(o.thresholder);
    this.warmupBuffer = new Float64Array(o.dimensions * o.warmup);
    this.center = new Float64Array(o.dimensions);
    this.scale = new Float64Array(o.dimensions).fill(1);
    this.lastValue = new Float64Array(o.dimensions);
    this.shingle = new Float64Array(fd);
    this.point = new Float64Array(fd);
    this.high = new Float64Array(fd);
    this.low = new Float64Array(fd);
    this.raw = new Float64Array(o.dimensions);
  }

  /**
   * True when a record with this sequence number was already applied, i.e. `sequence` ≤ `lastSequence`.
   * Kinesis sequence numbers (decimal digit strings of any length) compare numerically; other strings only match
   * when equal. Use it to skip records redelivered by a retried or bisected batch.
   */
  hasApplied(sequence: string): boolean {
    const last = this.lastSequence;
    if (last === undefined) return false;
    if (/^\d+$/.test(sequence) && /^\d+$/.test(last)) return BigInt(sequence) <= BigInt(last);
    return sequence === last;
  }

  /**
   * Idempotent variant of `process` for at-least-once streams: returns undefined (and learns nothing) when
   * `sequence` was already applied, otherwise processes the record and sets `lastSequence` to `sequence`.
   */
  processRecord(
    point: number | ArrayLike<number | null | undefined>,
    sequence: string,
    timestampMs?: number
  ): AnomalyResult | undefined {
    if (this.hasApplied(sequence)) return undefined;
    const result = this.process(point, timestampMs);
    this.lastSequence = sequence;
    return result;
  }

  /** True once the warm-up is over and scores are produced. */
  get ready(): boolean {
    return this.count > this.options.warmup && this.shingleFill === this.options.shingleSize;
  }

  /**
   * Scores one record, then learns it. `point` is a number (1 dimension) or one value per dimension; NaN, null or
   * undefined marks a missing value, imputed with the dimension's previous value.
   */
  process(point: number | ArrayLike<number | null | undefined>, timestampMs?: number): AnomalyResult {
    const o = this.options;
    const dims = o.dimensions;
    const raw = this.raw;
    if (typeof point === 'number') {
      if (dims !== 1) throw new RangeError(`expected ${dims} values, got a single number`);
      raw[0] = point;
    } else {
      if (point.length !== dims) throw new RangeError(`expected ${dims} values, got ${point.length}`);
      for (let i = 0; i < dims; i++) {
        const v = point[i];
        raw[i] = v === null || v === undefined ? Number.NaN : v;
      }
    }
    for (let i = 0; i < dims; i++) {
      const v = raw[i]!;
      if (!Number.isNaN(v) && !Number.isFinite(v)) throw new RangeError(`value ${i} is not finite: ${v}`);
    }
    if (timestampMs !== undefined) this.lastTimestampMs = timestampMs;
    this.count++;
    if (this.count <= o.warmup) {
      this.warmupBuffer.set(raw, (this.count - 1) * dims);
      if (this.count === o.warmup) this.finishWarmup();
      return this.quiet();
    }
    this.pushShingle(raw);
    if (this.shingleFill < o.shingleSize) return this.quiet();
    const p = this.shinglePoint();
    const high = this.high.fill(0);
    const low = this.low.fill(0);
    // The score, the grade, then (before the forest learns the point) the attribution where it is wanted: the
    // attributed score is the same number (the same walk; attribution only adds to the scratch arrays).
    let score: number;
    let g: ReturnType<Thresholder['process']>;
    if (this.attribution === 'every record') {
      score = this.forest.scoreWithAttribution(p, high, low);
      g = this.thresholder.process(score);
    } else {
      score = this.forest.score(p);
      g = this.thresholder.process(score);
      if (g.grade > 0) this.forest.scoreWithAttribution(p, high, low);
    }
    this.forest.update(p);
    const attributed = this.attribution === 'every record' || g.grade > 0;
    const attribution: DimensionAttribution[] = [];
    let top = -1;
    let topValue = -1;
    let direction: 'high' | 'low' = 'high';
    for (let i = 0; i < dims; i++) {
      let h = 0;
      let l = 0;
      for (let k = 0; k < o.shingleSize; k++) {
        h += high[k * dims + i]!;
        l += low[k * dims + i]!;
      }
      attribution.push({ high: h, low: l });
      if (attributed && h + l > topValue) {
        topValue = h + l;
        top = i;
        direction = h >= l ? 'high' : 'low';
      }
    }
    return {
      score,
      grade: g.grade,
      isAnomaly: g.grade > 0,
      zScore: g.zScore,
      threshold: g.threshold,
      attribution,
      topDimension: top,
      direction,
      ready: true,
      count: this.count,
    };
  }

  private quiet(): AnomalyResult {
    const attribution: DimensionAttribution[] = [];
    for (let i = 0; i < this.options.dimensions; i++) attribution.push({ high: 0, low: 0 });
    return {
      score: 0,
      grade: 0,
      isAnomaly: false,
      zScore: 0,
      threshold: Number.POSITIVE_INFINITY,
      attribution,
      topDimension: -1,
      direction: 'high',
      ready: false,
      count: this.count,
    };
  }

  /** Fixes the normalisation from the warm-up records and feeds them to the forest. */
  private finishWarmup(): void {
    const o = this.options;
    const dims = o.dimensions;
    const buf = this.warmupBuffer;
    for (let i = 0; i < dims; i++) {
      let n = 0;
      let s = 0;
      let s2 = 0;
      for (let k = 0; k < o.warmup; k++) {
        const v = buf[k * dims + i]!;
        if (Number.isNaN(v)) continue;
        n++;
        s += v;
      }
      const mean = n > 0 ? s / n : 0;
      for (let k = 0; k < o.warmup; k++) {
        const v = buf[k * dims + i]!;
        if (!Number.isNaN(v)) s2 += (v - mean) * (v - mean);
      }
      const sd = n > 1 ? Math.sqrt(s2 / (n - 1)) : 0;
      if (o.normalize) {
        this.center[i] = mean;
        // A constant warm-up would make any later change infinitely anomalous: floor the scale.
        this.scale[i] = Math.max(sd, 1e-3 * Math.abs(mean), 1e-6);
      }
    }
    const rec = new Float64Array(dims);
    for (let k = 0; k < o.warmup; k++) {
      for (let i = 0; i < dims; i++) rec[i] = buf[k * dims + i]!;
      this.pushShingle(rec);
      if (this.shingleFill === o.shingleSize) this.forest.update(this.shinglePoint());
    }
    this.warmupBuffer = new Float64Array(0);
  }

  private pushShingle(raw: Float64Array): void {
    const o = this.options;
    const dims = o.dimensions;
    const at = this.shingleHead * dims;
    for (let i = 0; i < dims; i++) {
      const v = raw[i]!;
      const x = Number.isNaN(v) ? this.lastValue[i]! : (v - this.center[i]!) / this.scale[i]!;
      this.lastValue[i] = x;
      this.shingle[at + i] = x;
    }
    this.shingleHead = (this.shingleHead + 1) % o.shingleSize;
    if (this.shingleFill < o.shingleSize) this.shingleFill++;
  }

  /** The shingle in time order (oldest record first). */
  private shinglePoint(): Float64Array {
    const o = this.options;
    const dims = o.dimensions;
    const p = this.point;
    for (let k = 0; k < o.shingleSize; k++) {
      const src = ((this.shingleHead + k) % o.shingleSize) * dims;
      for (let i = 0; i < dims; i++) p[k * dims + i] = this.shingle[src + i]!;
    }
    return p;
  }

  /** Bytes of memory the model holds (typed arrays of the forest plus the detector's buffers). */
  memoryBytes(): number {
    let n = this.warmupBuffer.byteLength + 8 * (this.center.length * 3 + this.shingle.length * 4);
    n += this.forest.store.byteLength;
    for (const t of this.forest.trees) {
      for (const a of [t.cutDim, t.cutVal, t.left, t.right, t.box, t.parent, t.mass, t.leafSlot]) {
        n += a.byteLength;
      }
      for (const a of [t.freeInternal, t.freeLeaf, t.heapW, t.heapLeaf, t.heapSeq, t.path]) n += a.byteLength;
    }
    return n;
  }

  /** Serialises the whole model (forest samplers, thresholder, shingle, normalisation, counters, lastSequence). */
  snapshot(): Uint8Array {
    return frameSnapshot((w) => {
      writeDetectorOptions(w, this.options);
      const at = w.pos;
      w.u32(0);
      writeThresholder(w, this.thresholder);
      w.setU32(at, w.pos - at - 4);
      writeDetectorState(w, this);
      writeForest(w, this.forest, this.options.dimensions, this.options.shingleSize);
    });
  }

  /**
   * Rebuilds a detector from `snapshot()` bytes (this version's or an older one); throws SnapshotError on corrupt or
   * foreign input. Version-2 restores rebuild the trees from the samplers (statistically the same forest).
   */
  static restore(bytes: Uint8Array): AnomalyDetector {
    const { version, r, end } = openSnapshot(bytes);
    try {
      const base = readDetectorOptions(r);
      let d: AnomalyDetector;
      if (version === 1) {
        const options: DetectorOptions = { ...base, thresholder: readThresholderOptionsV1(r) };
        d = construct(options);
        readDetectorState(r, d);
        readThresholderStateV1(r, d.thresholder);
      } else {
        const len = r.u32('thresholder section length');
        const sectionEnd = r.pos + len;
        const th = readThresholder(r);
        if (r.pos !== sectionEnd) throw new SnapshotError('thresholder section length mismatch');
        d = construct({ ...base, thresholder: th.options });
        d.thresholder = th;
        readDetectorState(r, d);
      }
      readForest(r, d.forest, version, d.options.dimensions, d.options.shingleSize);
      if (r.pos !== end) throw new SnapshotError(`snapshot has ${end - r.pos} unexpected trailing bytes`);
      return d;
    } catch (e) {
      throw e instanceof SnapshotError ? e : new SnapshotError((e as Error).message);
    }
  }
}

function construct(options: DetectorOptions): AnomalyDetector {
  try {
    return new AnomalyDetector(options);
  } catch (e) {
    throw new SnapshotError(`snapshot holds invalid options: ${(e as Error).message}`);
  }
}

// ---------------------------------------------------------------- snapshot sections owned by the detector

type DetectorBaseOptions = Omit<DetectorOptions, 'thresholder'>;

function writeDetectorOptions(w: SnapshotWriter, o: DetectorOptions): void {
  w.u16(o.dimensions);
  w.u16(o.shingleSize);
  w.u16(o.numberOfTrees);
  w.u16(o.sampleSize);
  w.f64(o.timeDecay);
  w.u32(o.warmup);
  w.u8(o.normalize ? 1 : 0);
  w.u32(o.seed);
}

function readDetectorOptions(r: SnapshotReader): DetectorBaseOptions {
  return {
    dimensions: r.u16('dimensions'),
    shingleSize: r.u16('shingleSize'),
    numberOfTrees: r.u16('numberOfTrees'),
    sampleSize: r.u16('sampleSize'),
    timeDecay: r.f64('timeDecay'),
    warmup: r.u32('warmup'),
    normalize: r.u8('normalize') === 1,
    seed: r.u32('seed'),
  };
}

function writeDetectorState(w: SnapshotWriter, d: AnomalyDetector): void {
  w.f64(d.count);
  if (d.lastSequence === undefined) w.u8(0);
  else {
    w.u8(1);
    const s = new TextEncoder().encode(d.lastSequence);
    w.u32(s.length);
    w.bytes(s);
  }
  if (d.lastTimestampMs === undefined) w.u8(0);
  else {
    w.u8(1);
    w.f64(d.lastTimestampMs);
  }
  w.u32(d.warmupBuffer.length);
  w.f64s(d.warmupBuffer);
  w.f64s(d.center);
  w.f64s(d.scale);
  w.f64s(d.lastValue);
  w.f64s(d.shingle);
  w.u16(d.shingleFill);
  w.u16(d.shingleHead);
}

function readDetectorState(r: SnapshotReader, d: AnomalyDetector): void {
  const o = d.options;
  const count = r.f64('count');
  if (!Number.isInteger(count) || count < 0) throw new SnapshotError(`invalid record count ${count}`);
  d.count = count;
  if (r.u8('lastSequence flag') === 1) {
    const n = r.u32('lastSequence length');
    d.lastSequence = new TextDecoder('utf-8', { fatal: true }).decode(r.bytes(n, 'lastSequence'));
  }
  if (r.u8('lastTimestamp flag') === 1) d.lastTimestampMs = r.f64('lastTimestampMs');
  const wl = r.u32('warm-up length');
  const expectedWarm = count < o.warmup ? o.dimensions * o.warmup : 0;
  if (wl !== expectedWarm) throw new SnapshotError(`warm-up buffer has ${wl} values, expected ${expectedWarm}`);
  d.warmupBuffer = new Float64Array(wl);
  r.f64s(d.warmupBuffer, 'warm-up buffer');
  r.f64s(d.center, 'center');
  r.f64s(d.scale, 'scale');
  r.f64s(d.lastValue, 'last values');
  r.f64s(d.shingle, 'shingle');
  d.shingleFill = r.u16('shingleFill');
  d.shingleHead = r.u16('shingleHead');
  if (d.shingleFill > o.shingleSize || d.shingleHead >= o.shingleSize) {
    throw new SnapshotError('invalid shingle position');
  }
}
