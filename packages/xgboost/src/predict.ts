import { ModelFormatError } from './errors';
import {
  type BlockChunk,
  compileGroups,
  compileGroupsBlock,
  compileSingle,
  compileSingleBlock,
  type FlatTrees,
  type GroupChunk,
  type SingleChunk,
} from './compile';
import { buildHeapForest, type HeapForest } from './heap';
import { expf, logf } from './libm';
import { numGroup, type XGBoostModel } from './model';

export interface CompileOptions {
  /** Turn trees into generated JavaScript (default true; falls back to the array walker where not allowed). */
  readonly compile?: boolean;
}

export interface PredictOptions {
  /** Return the raw margin (no output transform). */
  readonly margin?: boolean;
  /** Use every tree instead of the `best_ntree_limit` that SageMaker serving applies. */
  readonly allTrees?: boolean;
}

const fround = Math.fround;
/** Rows per block in batch scoring. */
const BLOCK = 4096;
/** Rows per block of the typed-array walkers (the block's features stay in L1/L2 while each tree walks it). */
const WALK_BLOCK = 256;
/** Rows per block of the heap walker (widened rows: 2 x numFeature float32 each). */
const HEAP_BLOCK = 128;
const F88_7 = fround(88.7);
const EPS = fround(1e-16);

/** libxgboost common::Sigmoid in float32: 1 / ((expf(min(-x, 88.7f)) + 1) + 1e-16f). */
export function sigmoid(x: number): number {
  const nx = -x;
  const t = F88_7 < nx ? F88_7 : nx;
  return fround(1 / fround(fround(expf(t) + 1) + EPS));
}

type Transform = 'identity' | 'sigmoid' | 'exp' | 'expDouble' | 'hinge' | 'softmax' | 'softprob';

const LOGISTIC = new Set(['binary:logistic', 'reg:logistic']);
const LOG_LINK = new Set(['count:poisson', 'reg:gamma', 'reg:tweedie', 'survival:cox', 'survival:aft']);
const IDENTITY = new Set([
  'reg:squarederror',
  'reg:linear',
  'reg:squaredlogerror',
  'reg:pseudohubererror',
  'reg:absoluteerror',
  'binary:logitraw',
  'rank:pairwise',
  'rank:ndcg',
  'rank:map',
]);

function transformOf(objective: string): Transform {
  if (LOGISTIC.has(objective)) return 'sigmoid';
  // survival:aft's PredTransform calls an unqualified exp() on the float, which resolves to the double exp: the result
  // is (float)exp((double)x). Every other log-link objective calls expf / std::exp(float).
  if (objective === 'survival:aft') return 'expDouble';
  if (LOG_LINK.has(objective)) return 'exp';
  if (IDENTITY.has(objective)) return 'identity';
  if (objective === 'binary:hinge') return 'hinge';
  if (objective === 'multi:softmax') return 'softmax';
  if (objective === 'multi:softprob') return 'softprob';
  throw new ModelFormatError(`objective ${JSON.stringify(objective)} is not supported for prediction`);
}

/** learner.cc ProbToMargin: base_score (probability space) to margin space, in float32 with glibc's logf. */
export function marginOfBaseScore(objective: string, base: number): number {
  if (LOGISTIC.has(objective)) return fround(-logf(fround(fround(1 / base) - 1)));
  if (LOG_LINK.has(objective)) return logf(base);
  return fround(base);
}

/**
 * One booster compiled into flat typed arrays (all trees' nodes concatenated), scored exactly as libxgboost 1.7.4's CPU
 * predictor: float32 inputs, `x < split` goes left, NaN follows default_left, categorical sets, float32 accumulation
 * in tree order from the margin-space base score, dart weights, output groups from tree_info.
 */
export class CompiledBooster implements FlatTrees {
  readonly numFeature: number;
  readonly numGroup: number;
  readonly objective: string;
  readonly transform: Transform;
  /** Trees used by default (SageMaker's best_ntree_limit) and with allTrees. */
  readonly defaultTreeCount: number;
  readonly totalTreeCount: number;
  readonly roots: Int32Array;
  readonly left: Int32Array;
  readonly right: Int32Array;
  readonly feat: Int32Array;
  readonly dleft: Uint8Array;
  readonly value: Float64Array;
  readonly group: Int32Array;
  private readonly cat: Uint8Array;
  private readonly catSets: (ReadonlySet<number> | undefined)[];
  private readonly hasCat: boolean;
  private readonly margin0: Float64Array;
  private readonly linear: Float32Array | undefined;
  private readonly acc: Float64Array;
  private readonly pad: Float32Array;
  /** Compiled chunks: [0, defaultChunks) cover the default trees, all of them cover every tree. */
  private readonly single: SingleChunk[] | undefined;
  private readonly groups: GroupChunk[] | undefined;
  private readonly defaultChunks: number;
  private readonly blocks: BlockChunk[] | undefined;
  private readonly defaultBlocks: number;
  private readonly blockAcc: Float64Array;
  private readonly packed: PackedNodes | undefined;
  private readonly heap: HeapForest | undefined;
  private readonly wide: Float32Array;

  constructor(
    readonly model: XGBoostModel,
    options: CompileOptions = {}
  ) {
    this.numFeature = model.numFeature;
    this.numGroup = numGroup(model);
    this.objective = model.objective;
    this.transform = transformOf(model.objective);
    const G = this.numGroup;
    this.margin0 = new Float64Array(G);
    for (let g = 0; g < G; g++) {
      const b = model.baseScore.length === 1 ? model.baseScore[0]! : model.baseScore[g]!;
      this.margin0[g] = marginOfBaseScore(model.objective, b);
    }
    this.acc = new Float64Array(G);
    this.linear = model.linearWeights;
    const nTrees = model.trees.length;
    let total = 0;
    for (const t of model.trees) total += t.left.length;
    this.roots = new Int32Array(nTrees);
    this.left = new Int32Array(total);
    this.right = new Int32Array(total);
    this.feat = new Int32Array(total);
    this.dleft = new Uint8Array(total);
    this.value = new Float64Array(total);
    this.cat = new Uint8Array(total);
    this.catSets = [];
    this.group = Int32Array.from(model.treeInfo);
    let off = 0;
    let hasCat = false;
    model.trees.forEach((t, ti) => {
      this.roots[ti] = off;
      const w = model.weightDrop ? model.weightDrop[ti]! : undefined;
      for (let i = 0; i < t.left.length; i++) {
        const leaf = t.left[i] === -1;
        this.left[off + i] = leaf ? -1 : t.left[i]! + off;
        this.right[off + i] = leaf ? -1 : t.right[i]! + off;
        this.feat[off + i] = t.feature[i]!;
        this.dleft[off + i] = t.defaultLeft[i]!;
        // dart: each leaf contributes fround(leaf * weight), the same float product libxgboost forms.
        this.value[off + i] = leaf && w !== undefined ? fround(t.value[i]! * w) : t.value[i]!;
        const set = leaf ? undefined : t.categories?.get(i);
        if (set) {
          this.cat[off + i] = 1;
          this.catSets[off + i] = set;
          hasCat = true;
        }
      }
      off += t.left.length;
    });
    this.hasCat = hasCat;
    this.totalTreeCount = nTrees;
    this.defaultTreeCount = Math.min(nTrees, treesWithinBestLimit(model));
    this.pad = new Float32Array(this.numFeature);
    let single: SingleChunk[] | undefined;
    let groups: GroupChunk[] | undefined;
    let defaultChunks = 0;
    if (options.compile !== false && !hasCat && !this.linear && nTrees > 0) {
      const d = this.defaultTreeCount;
      if (G === 1) {
        const a = compileSingle(this, 0, d);
        const b = compileSingle(this, d, nTrees);
        if (a && b) [single, defaultChunks] = [[...a, ...b], a.length];
      } else {
        const a = compileGroups(this, 0, d);
        const b = compileGroups(this, d, nTrees);
        if (a && b) [groups, defaultChunks] = [[...a, ...b], a.length];
      }
    }
    this.single = single;
    this.groups = groups;
    this.defaultChunks = defaultChunks;
    // Batch scoring of full rows runs the heap walker where the trees allow it (faster than the block-compiled code,
    // and no JIT compile time); the block-compiled chunks are built only for models it cannot take.
    this.heap = hasCat || this.linear || nTrees === 0 ? undefined : buildHeapForest(this, nTrees, this.numFeature);
    let blocks: BlockChunk[] | undefined;
    let defaultBlocks = 0;
    if ((single || groups) && !this.heap) {
      const d = this.defaultTreeCount;
      const a = G === 1 ? compileSingleBlock(this, 0, d) : compileGroupsBlock(this, G, 0, d);
      const b = G === 1 ? compileSingleBlock(this, d, nTrees) : compileGroupsBlock(this, G, d, nTrees);
      if (a && b) [blocks, defaultBlocks] = [[...a, ...b], a.length];
    }
    this.blocks = blocks;
    this.defaultBlocks = defaultBlocks;
    this.blockAcc = new Float64Array(BLOCK * G);
    this.packed = this.heap ? undefined : packNodes(this);
    this.wide = new Float32Array(this.heap ? HEAP_BLOCK * 2 * this.numFeature : 0);
  }

  /**
   * Which typed-array walker predictBatch uses for full rows when the trees are not compiled: 'heap' (complete trees,
   * one branch-free comparison per level, see heap.ts) or 'nodes' (the node-by-node walker: categorical splits,
   * gblinear, trees deeper than MAX_HEAP_DEPTH).
   */
  get walker(): 'heap' | 'nodes' {
    return this.heap ? 'heap' : 'nodes';
  }

  /** True when the trees run as generated code. */
  get compiled(): boolean {
    return this.single !== undefined || this.groups !== undefined;
  }

  /** Number of values per row the prediction has with these options. */
  outputSize(opts?: PredictOptions): number {
    if (opts?.margin) return this.numGroup;
    return this.transform === 'softprob' ? this.numGroup : 1;
  }

  /**
   * Scores rows [rowStart, rowStart + n) of a row-major matrix with ncols columns into out (outputSize values per row).
   * Uses the heap walker when the trees allow it (any ncols <= numFeature), else the block-compiled trees (each chunk
   * of trees runs over a block of rows while its code is hot), else the node walker or row by row.
   */
  predictRows(
    data: Float32Array,
    ncols: number,
    rowStart: number,
    n: number,
    out: Float32Array,
    outRowStart: number,
    opts?: PredictOptions
  ): void {
    const k = this.outputSize(opts);
    if (this.heap || (!this.blocks && !this.hasCat && !this.linear && ncols === this.numFeature)) {
      this.walkRows(data, ncols, rowStart, n, out, outRowStart, opts);
      return;
    }
    if (!this.blocks || ncols !== this.numFeature) {
      for (let r = 0; r < n; r++) this.predictAt(data, (rowStart + r) * ncols, ncols, out, (outRowStart + r) * k, opts);
      return;
    }
    const G = this.numGroup;
    const fns = this.blocks;
    const nChunks = opts?.allTrees ? fns.length : this.defaultBlocks;
    const acc = this.blockAcc;
    for (let b = 0; b < n; b += BLOCK) {
      const m = Math.min(BLOCK, n - b);
      for (let r = 0; r < m; r++) for (let g = 0; g < G; g++) acc[r * G + g] = this.margin0[g]!;
      for (let c = 0; c < nChunks; c++) fns[c]!(data, ncols, rowStart + b, m, acc);
      for (let r = 0; r < m; r++) {
        for (let g = 0; g < G; g++) this.acc[g] = acc[r * G + g]!;
        this.finish(out, (outRowStart + b + r) * k, opts);
      }
    }
  }

  /**
   * The typed-array walkers, tree-major over blocks of rows (each tree's nodes stay in cache while it walks the block,
   * as libxgboost's CPU predictor does): no model-sized generated code, hence no JIT compile time. The heap walker
   * (heap.ts: complete trees, eight rows descending side by side, one branch-free comparison per level) takes any
   * ncols <= numFeature; the node walker (categorical-free models whose trees are too deep for it) full rows only.
   * Each row's margin is still the float32 sum of its leaves in tree order, so the bits equal predictAt's.
   */
  private walkRows(
    data: Float32Array,
    ncols: number,
    rowStart: number,
    n: number,
    out: Float32Array,
    outRowStart: number,
    opts?: PredictOptions
  ): void {
    const k = this.outputSize(opts);
    const G = this.numGroup;
    const end = opts?.allTrees ? this.totalTreeCount : this.defaultTreeCount;
    const acc = this.blockAcc;
    const { roots, left, right, feat, dleft, value, group } = this;
    const heap = this.heap;
    if (heap) {
      const nf = this.numFeature;
      const W = 2 * nf;
      const v = this.wide;
      const { depth, nodeBase, leafBase, col, thr, leaf, kernels } = heap;
      for (let b = 0; b < n; b += HEAP_BLOCK) {
        const m = Math.min(HEAP_BLOCK, n - b);
        // Widened rows [x, -x] (negation is exact in float32; a NaN stays a NaN); columns beyond ncols are missing.
        for (let r = 0; r < m; r++) {
          const o = (rowStart + b + r) * ncols;
          const w = r * W;
          for (let c = 0; c < ncols; c++) {
            const x = data[o + c]!;
            v[w + c] = x;
            v[w + nf + c] = -x;
          }
          for (let c = ncols; c < nf; c++) v[w + c] = v[w + nf + c] = NaN;
        }
        for (let r = 0; r < m; r++) for (let g = 0; g < G; g++) acc[r * G + g] = this.margin0[g]!;
        for (let t = 0; t < end; t++)
          kernels[depth[t]!]!(v, W, m, acc, G, group[t]!, nodeBase[t]!, leafBase[t]!, col, thr, leaf);
        for (let r = 0; r < m; r++) {
          for (let g = 0; g < G; g++) this.acc[g] = acc[r * G + g]!;
          this.finish(out, (outRowStart + b + r) * k, opts);
        }
      }
      return;
    }
    const packed = this.packed;
    for (let b = 0; b < n; b += WALK_BLOCK) {
      const m = Math.min(WALK_BLOCK, n - b);
      for (let r = 0; r < m; r++) for (let g = 0; g < G; g++) acc[r * G + g] = this.margin0[g]!;
      const base = rowStart + b;
      if (packed && G === 1) {
        // Children are adjacent (right = left + 1, as XGBoost allocates them): one packed word per node and a
        // branch-free step; NaN goes to left + 1 - default_left.
        const { link, thr, leaf } = packed;
        for (let t = 0; t < end; t++) {
          const root = roots[t]!;
          for (let r = 0; r < m; r++) {
            const o = (base + r) * ncols;
            let nd = root;
            let l = link[2 * nd]!;
            while (l >= 0) {
              const w = link[2 * nd + 1]!;
              const x = data[o + (w & 0xffff)]!;
              nd = x < thr[nd]! ? l : x !== x ? l + 1 - (w >>> 16) : l + 1;
              l = link[2 * nd]!;
            }
            acc[r] = fround(acc[r]! + leaf[nd]!);
          }
        }
      } else
        for (let t = 0; t < end; t++) {
          const root = roots[t]!;
          const g = group[t]!;
          for (let r = 0; r < m; r++) {
            const o = (base + r) * ncols;
            let nd = root;
            let l = left[nd]!;
            while (l >= 0) {
              const x = data[o + feat[nd]!]!;
              if (x < value[nd]!) nd = l;
              else if (x !== x && dleft[nd] === 1) nd = l;
              else nd = right[nd]!;
              l = left[nd]!;
            }
            const i = r * G + g;
            acc[i] = fround(acc[i]! + value[nd]!);
          }
        }
      for (let r = 0; r < m; r++) {
        for (let g = 0; g < G; g++) this.acc[g] = acc[r * G + g]!;
        this.finish(out, (outRowStart + b + r) * k, opts);
      }
    }
  }

  /**
   * Scores one row that starts at data[offset] and has ncols columns (ncols <= numFeature; absent columns are missing),
   * writing outputSize(opts) values to out[outOffset...]. No allocation.
   */
  predictAt(
    data: Float32Array,
    offset: number,
    ncols: number,
    out: Float32Array | Float64Array,
    outOffset: number,
    opts?: PredictOptions
  ): void {
    const end = opts?.allTrees ? this.totalTreeCount : this.defaultTreeCount;
    const G = this.numGroup;
    const acc = this.acc;
    if (this.single || this.groups) {
      let x = data;
      let o = offset;
      if (ncols < this.numFeature) {
        // Generated code reads every feature: pad a short row with missing values.
        const p = this.pad;
        for (let i = 0; i < ncols; i++) p[i] = data[offset + i]!;
        p.fill(NaN, ncols);
        x = p;
        o = 0;
      }
      const n = opts?.allTrees ? (this.single ?? this.groups)!.length : this.defaultChunks;
      if (this.single) {
        const fns = this.single;
        let a = this.margin0[0]!;
        for (let c = 0; c < n; c++) a = fns[c]!(x, o, a);
        acc[0] = a;
      } else {
        const fns = this.groups!;
        for (let g = 0; g < G; g++) acc[g] = this.margin0[g]!;
        for (let c = 0; c < n; c++) fns[c]!(x, o, acc);
      }
    } else if (this.linear) {
      this.linearMargins(data, offset, ncols);
    } else if (G === 1) {
      acc[0] = this.sumSingle(data, offset, ncols, end);
    } else {
      this.sumGroups(data, offset, ncols, end);
    }
    this.finish(out, outOffset, opts);
  }

  /** Writes the prediction for the margins in this.acc: raw margins or the objective's output transform. */
  private finish(out: Float32Array | Float64Array, outOffset: number, opts?: PredictOptions): void {
    const G = this.numGroup;
    const acc = this.acc;
    if (opts?.margin) {
      for (let g = 0; g < G; g++) out[outOffset + g] = acc[g]!;
      return;
    }
    switch (this.transform) {
      case 'identity':
        out[outOffset] = acc[0]!;
        return;
      case 'sigmoid':
        out[outOffset] = sigmoid(acc[0]!);
        return;
      case 'exp':
        out[outOffset] = expf(acc[0]!);
        return;
      case 'expDouble':
        out[outOffset] = fround(Math.exp(acc[0]!));
        return;
      case 'hinge':
        out[outOffset] = acc[0]! > 0 ? 1 : 0;
        return;
      case 'softmax': {
        let best = 0;
        for (let g = 1; g < G; g++) if (acc[g]! > acc[best]!) best = g;
        out[outOffset] = best;
        return;
      }
      case 'softprob': {
        // common::Softmax: max via fmaxf, exp of float differences, sum in double, divide by the float sum.
        let wmax = acc[0]!;
        for (let g = 1; g < G; g++) {
          const v = acc[g]!;
          if (v > wmax || wmax !== wmax) wmax = v;
        }
        let wsum = 0;
        for (let g = 0; g < G; g++) {
          const e = expf(fround(acc[g]! - wmax));
          acc[g] = e;
          wsum += e;
        }
        const fs = fround(wsum);
        for (let g = 0; g < G; g++) out[outOffset + g] = fround(acc[g]! / fs);
        return;
      }
    }
  }

  private leafOf(data: Float32Array, offset: number, ncols: number, root: number): number {
    const left = this.left;
    const right = this.right;
    const feat = this.feat;
    const value = this.value;
    let n = root;
    for (;;) {
      const l = left[n]!;
      if (l < 0) return value[n]!;
      const f = feat[n]!;
      const x = f < ncols ? data[offset + f]! : NaN;
      if (this.hasCat && this.cat[n] === 1) {
        if (x !== x) n = this.dleft[n] ? l : right[n]!;
        else {
          // categorical.h Decision: invalid categories (< 0, >= 2^24) and categories not in the set go left.
          const c = Math.trunc(x);
          n = x >= 0 && x < 16777216 && this.catSets[n]!.has(c) ? right[n]! : l;
        }
      } else if (x < value[n]!) n = l;
      else if (x !== x) n = this.dleft[n] ? l : right[n]!;
      else n = right[n]!;
    }
  }

  private sumSingle(data: Float32Array, offset: number, ncols: number, end: number): number {
    let acc = this.margin0[0]!;
    if (this.hasCat) {
      for (let t = 0; t < end; t++) acc = fround(acc + this.leafOf(data, offset, ncols, this.roots[t]!));
      return acc;
    }
    const roots = this.roots;
    const left = this.left;
    const right = this.right;
    const feat = this.feat;
    const dleft = this.dleft;
    const value = this.value;
    if (ncols >= this.numFeature) {
      for (let t = 0; t < end; t++) {
        let n = roots[t]!;
        let l = left[n]!;
        while (l >= 0) {
          const x = data[offset + feat[n]!]!;
          if (x < value[n]!) n = l;
          else if (x !== x && dleft[n] === 1) n = l;
          else n = right[n]!;
          l = left[n]!;
        }
        acc = fround(acc + value[n]!);
      }
      return acc;
    }
    for (let t = 0; t < end; t++) acc = fround(acc + this.leafOf(data, offset, ncols, roots[t]!));
    return acc;
  }

  private sumGroups(data: Float32Array, offset: number, ncols: number, end: number): void {
    const acc = this.acc;
    for (let g = 0; g < this.numGroup; g++) acc[g] = this.margin0[g]!;
    for (let t = 0; t < end; t++) {
      const g = this.group[t]!;
      acc[g] = fround(acc[g]! + this.leafOf(data, offset, ncols, this.roots[t]!));
    }
  }

  /** gblinear.cc Pred: psum = bias + base, then += x * w over the present features in column order, in float32. */
  private linearMargins(data: Float32Array, offset: number, ncols: number): void {
    const w = this.linear!;
    const G = this.numGroup;
    const nf = this.numFeature;
    for (let g = 0; g < G; g++) {
      let psum = fround(w[nf * G + g]! + this.margin0[g]!);
      const n = Math.min(ncols, nf);
      for (let f = 0; f < n; f++) {
        const x = data[offset + f]!;
        if (x === x) psum = fround(psum + fround(x * w[f * G + g]!));
      }
      this.acc[g] = psum;
    }
  }
}

/** Trees SageMaker serving uses: ntree_limit = best_ntree_limit -> iteration_range (0, limit // num_parallel_tree). */
function treesWithinBestLimit(m: XGBoostModel): number {
  const raw = m.attributes['best_ntree_limit'];
  if (raw === undefined) return m.trees.length;
  const limit = Number(raw);
  if (!Number.isInteger(limit) || limit <= 0) return m.trees.length;
  const layers = Math.floor(limit / m.numParallelTree);
  return layers * numGroup(m) * m.numParallelTree;
}

/** Nodes packed for the walker: link[2i] = left child (-1 for a leaf), link[2i+1] = feature | default_left << 16. */
interface PackedNodes {
  readonly link: Int32Array;
  readonly thr: Float64Array;
  readonly leaf: Float64Array;
}

function packNodes(b: {
  left: Int32Array;
  right: Int32Array;
  feat: Int32Array;
  dleft: Uint8Array;
  value: Float64Array;
}): PackedNodes | undefined {
  const n = b.left.length;
  const link = new Int32Array(2 * n);
  for (let i = 0; i < n; i++) {
    const l = b.left[i]!;
    link[2 * i] = l < 0 ? -1 : l;
    if (l < 0) continue;
    if (b.right[i] !== l + 1 || b.feat[i]! > 0xffff) return undefined;
    link[2 * i + 1] = (b.dleft[i]! << 16) | b.feat[i]!;
  }
  return { link, thr: b.value, leaf: b.value };
}
