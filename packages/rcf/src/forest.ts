import { PointStore } from './points';
import { Random } from './random';
import { Tree } from './tree';

/** Options of a bare forest (points already shingled/normalised by the caller). */
export interface ForestOptions {
  /** Dimensions of a point given to the forest. */
  readonly dimensions: number;
  /** Number of trees; the score is the mean over trees. */
  readonly numberOfTrees: number;
  /** Reservoir size per tree (points per tree). */
  readonly sampleSize: number;
  /** λ of the time-decayed reservoir; 1/λ ≈ the number of updates a point stays in a sample. */
  readonly timeDecay: number;
  /** Score 0 until this many updates (KDA returns 0 for the first subSampleSize records). */
  readonly outputAfter: number;
  /** Seed of the forest's random generator. */
  readonly seed: number;
}

const REJECT_HORIZON = 64;

export const MAX_SAMPLE_SIZE = 32_767;
export const MAX_DIMENSIONS = 4_096;

export function validateForestOptions(o: ForestOptions): void {
  const int = (name: string, v: number, min: number, max: number): void => {
    if (!Number.isInteger(v) || v < min || v > max) {
      throw new RangeError(`${name} must be an integer in [${min}, ${max}], got ${v}`);
    }
  };
  int('dimensions', o.dimensions, 1, MAX_DIMENSIONS);
  int('numberOfTrees', o.numberOfTrees, 1, 1000);
  int('sampleSize', o.sampleSize, 2, MAX_SAMPLE_SIZE);
  int('outputAfter', o.outputAfter, 0, 2 ** 31 - 1);
  int('seed', o.seed, 0, 2 ** 32 - 1);
  if (!(o.timeDecay >= 0 && o.timeDecay < 1)) throw new RangeError(`timeDecay must be in [0, 1), got ${o.timeDecay}`);
}

/**
 * A streaming Random Cut Forest: N trees, each with its own time-decayed reservoir sampler
 * (weight = −seq·λ + ln(−ln u), keep the smallest `sampleSize` weights), range-proportional cuts, insert and delete,
 * and the scalar expected-inverse-depth score of aws/random-cut-forest-by-aws (range 0 … log2(sampleSize + 1)).
 */
export class RandomCutForest {
  readonly options: ForestOptions;
  readonly trees: Tree[];
  /** The leaves' points, one copy for all trees. */
  readonly store: PointStore;
  readonly rng: Random;
  /** Number of updates so far (the sequence number of the last update). */
  updates = 0;
  private readonly q: Float32Array;
  /** Per tree: u at or below this certainly loses to the sampler's max weight, until update number validUntil. */
  private readonly rejectBelow: Float64Array;
  private readonly validUntil: Float64Array;
  private readonly sh: Float64Array;
  private readonly sl: Float64Array;

  constructor(options: ForestOptions) {
    validateForestOptions(options);
    this.options = { ...options };
    this.rng = new Random(options.seed);
    this.trees = [];
    // At most one slot per sampled point (numberOfTrees × sampleSize); about 8 × sampleSize in steady state at the
    // defaults, so the store starts there and grows on demand.
    const maxSlots = options.numberOfTrees * options.sampleSize;
    this.store = new PointStore(options.dimensions, maxSlots, Math.min(maxSlots, 8 * options.sampleSize));
    for (let i = 0; i < options.numberOfTrees; i++) {
      this.trees.push(new Tree(options.dimensions, options.sampleSize, this.store));
    }
    this.q = new Float32Array(options.dimensions);
    this.rejectBelow = new Float64Array(options.numberOfTrees);
    this.validUntil = new Float64Array(options.numberOfTrees);
    this.sh = new Float64Array(options.dimensions);
    this.sl = new Float64Array(options.dimensions);
  }

  get dimensions(): number {
    return this.options.dimensions;
  }

  /** True once `outputAfter` updates were made (scores are 0 before). */
  get isOutputReady(): boolean {
    return this.updates >= this.options.outputAfter && this.updates > 0;
  }

  private load(point: ArrayLike<number>): Float32Array {
    const d = this.options.dimensions;
    if (point.length !== d) throw new RangeError(`expected a point of ${d} dimensions, got ${point.length}`);
    const q = this.q;
    for (let i = 0; i < d; i++) {
      const v = point[i]!;
      if (!Number.isFinite(v)) throw new RangeError(`point[${i}] is not a finite number: ${v}`);
      q[i] = v;
    }
    return q;
  }

  /** Anomaly score of a point (not inserted): mean over trees; 0 until the output is ready. */
  score(point: ArrayLike<number>): number {
    if (!this.isOutputReady) return 0;
    const q = this.load(point);
    let s = 0;
    for (const t of this.trees) s += t.score(q);
    return s / this.trees.length;
  }

  /**
   * Score plus per-dimension attribution (added into `high`/`low`, which must be zeroed by the caller; sum of all
   * entries = score). Returns 0 (and leaves the arrays untouched) until the output is ready.
   */
  scoreWithAttribution(point: ArrayLike<number>, high: Float64Array, low: Float64Array): number {
    if (!this.isOutputReady) return 0;
    const q = this.load(point);
    let s = 0;
    for (const t of this.trees) s += t.score(q, high, low, this.sh, this.sl);
    const n = this.trees.length;
    for (let d = 0; d < q.length; d++) {
      high[d]! /= n;
      low[d]! /= n;
    }
    return s / n;
  }

  /** Offers the point to every tree's sampler (inserting it where accepted, deleting the evicted point). */
  update(point: ArrayLike<number>): void {
    const q = this.load(point);
    const seq = ++this.updates;
    const lambda = this.options.timeDecay;
    const rng = this.rng;
    const trees = this.trees;
    const below = this.rejectBelow;
    const until = this.validUntil;
    // Every tree that keeps this update's point shares one store slot.
    this.store.beginShared();
    for (let i = 0; i < trees.length; i++) {
      const t = trees[i]!;
      const u = rng.nextOpenUnit();
      if (t.heapSize === t.capacity) {
        // Cheap certain rejection: weight ≥ heap max ⟺ u ≤ exp(−exp(max + seq·λ)). The max never increases, so the
        // bound computed for seq + REJECT_HORIZON holds until then (with a relative safety margin for rounding).
        if (seq > until[i]!) {
          below[i] = Math.exp(-Math.exp(t.heapW[0]! + (seq + REJECT_HORIZON) * lambda)) * (1 - 1e-9);
          until[i] = seq + REJECT_HORIZON;
        }
        if (u <= below[i]!) continue;
      }
      t.offer(q, -seq * lambda + Math.log(-Math.log(u)), rng, seq);
    }
    this.store.endShared();
  }
}
