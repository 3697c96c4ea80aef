import { ModelFormatError } from './errors';
import { parseModelBytes, readModelPath } from './load';
import type { XGBoostModel } from './model';
import { type CompileOptions, CompiledBooster, type PredictOptions } from './predict';

/**
 * A loaded SageMaker XGBoost model: one booster, or a k-fold ensemble scored as SageMaker serving does (float32 mean
 * of the members' predictions, or the most frequent value for multi:softmax and binary:hinge).
 */
export class XGBoostScorer {
  readonly members: readonly CompiledBooster[];
  readonly numFeature: number;
  readonly objective: string;
  private readonly row: Float32Array;
  private readonly scratch: Float32Array;
  private readonly vote: boolean;

  constructor(models: readonly XGBoostModel[], options: CompileOptions = {}) {
    if (models.length === 0) throw new ModelFormatError('no model');
    this.members = models.map((m) => new CompiledBooster(m, options));
    const first = this.members[0]!;
    for (const m of this.members) {
      if (m.objective !== first.objective || m.numGroup !== first.numGroup)
        throw new ModelFormatError('the k-fold models disagree on objective or number of classes');
    }
    this.numFeature = Math.max(...this.members.map((m) => m.numFeature));
    this.objective = first.objective;
    this.vote = this.objective === 'multi:softmax' || this.objective === 'binary:hinge';
    this.row = new Float32Array(this.numFeature);
    this.scratch = new Float32Array(this.members.length * first.numGroup);
  }

  static fromBytes(bytes: Uint8Array, name?: string, options?: CompileOptions): XGBoostScorer {
    return new XGBoostScorer(parseModelBytes(bytes, name), options);
  }

  static fromPath(path: string, options?: CompileOptions): XGBoostScorer {
    return new XGBoostScorer(readModelPath(path), options);
  }

  /** Values per row: 1, or num_class for multi:softprob and for margins of multiclass models. */
  outputSize(opts?: PredictOptions): number {
    return this.members[0]!.outputSize(opts);
  }

  /**
   * Scores one row (features in model order; NaN = missing; fewer columns than the model has = trailing missing) into
   * out[outOffset...]. Allocates nothing.
   */
  predictInto(row: ArrayLike<number>, out: Float32Array, outOffset = 0, opts?: PredictOptions): void {
    const n = row.length;
    if (n > this.numFeature) throw new RangeError(`row has ${n} values but the model has ${this.numFeature} features`);
    const x = this.row;
    for (let i = 0; i < n; i++) {
      const v = row[i]!;
      if (v === Infinity || v === -Infinity) throw new RangeError(`feature ${i} is infinite (libxgboost rejects inf)`);
      x[i] = v;
    }
    for (let i = n; i < x.length; i++) x[i] = NaN;
    this.score(x, 0, x.length, out, outOffset, opts);
  }

  /** Scores one row of a single-output model and returns the prediction. Allocates nothing. */
  predict(row: ArrayLike<number>, opts?: PredictOptions): number {
    if (this.outputSize(opts) !== 1) throw new RangeError('multi-output model: use predictInto');
    this.predictInto(row, this.scratch, 0, opts);
    return this.scratch[0]!;
  }

  /** Scores nrows rows stored row-major in data (ncols columns each, default numFeature). */
  predictBatch(data: Float32Array, ncols = this.numFeature, opts?: PredictOptions): Float32Array {
    if (ncols > this.numFeature) throw new RangeError(`${ncols} columns but the model has ${this.numFeature} features`);
    if (ncols <= 0 || data.length % ncols !== 0)
      throw new RangeError(`data length ${data.length} is not a multiple of ${ncols}`);
    const nrows = data.length / ncols;
    const k = this.outputSize(opts);
    const out = new Float32Array(nrows * k);
    const members = this.members;
    if (members.length === 1) {
      members[0]!.predictRows(data, ncols, 0, nrows, out, 0, opts);
    } else if (members.every((m) => m.numFeature >= ncols)) {
      // Each member scores the whole batch on its fast path, then the outputs are combined row by row.
      const each = members.map((m) => {
        const o = new Float32Array(nrows * k);
        m.predictRows(data, ncols, 0, nrows, o, 0, opts);
        return o;
      });
      const s = this.scratch;
      for (let r = 0; r < nrows; r++) {
        for (let m = 0; m < members.length; m++) for (let j = 0; j < k; j++) s[m * k + j] = each[m]![r * k + j]!;
        this.combine(out, r * k, k, opts);
      }
    } else {
      for (let r = 0; r < nrows; r++) this.score(data, r * ncols, ncols, out, r * k, opts);
    }
    return out;
  }

  private score(
    data: Float32Array,
    offset: number,
    ncols: number,
    out: Float32Array,
    outOffset: number,
    opts?: PredictOptions
  ): void {
    const members = this.members;
    if (members.length === 1) {
      members[0]!.predictAt(data, offset, ncols, out, outOffset, opts);
      return;
    }
    const k = this.outputSize(opts);
    const s = this.scratch;
    for (let m = 0; m < members.length; m++)
      members[m]!.predictAt(data, offset, Math.min(ncols, members[m]!.numFeature), s, m * k, opts);
    this.combine(out, outOffset, k, opts);
  }

  /** Combines the members' outputs held in this.scratch (member-major, k values each) as SageMaker serving does. */
  private combine(out: Float32Array, outOffset: number, k: number, opts?: PredictOptions): void {
    const members = this.members;
    const s = this.scratch;
    if (this.vote && !opts?.margin) {
      // scipy.stats.mode: the most frequent value, the smallest one on ties.
      let best = NaN;
      let bestCount = 0;
      for (let i = 0; i < members.length; i++) {
        const v = s[i]!;
        let c = 0;
        for (let j = 0; j < members.length; j++) if (s[j] === v) c++;
        if (c > bestCount || (c === bestCount && v < best)) {
          best = v;
          bestCount = c;
        }
      }
      out[outOffset] = best;
      return;
    }
    // numpy float32 mean(axis=0): sequential float32 sum, divided by k in float32.
    for (let j = 0; j < k; j++) {
      let sum = 0;
      for (let m = 0; m < members.length; m++) sum = Math.fround(sum + s[m * k + j]!);
      out[outOffset + j] = Math.fround(sum / members.length);
    }
  }
}

export function loadModel(source: string | Uint8Array, options?: CompileOptions): XGBoostScorer {
  return typeof source === 'string'
    ? XGBoostScorer.fromPath(source, options)
    : XGBoostScorer.fromBytes(source, undefined, options);
}
