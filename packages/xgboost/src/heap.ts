/**
 * Batch fast path without model-sized generated code: every tree laid out as a complete binary tree of its depth in
 * heap order (node i has children 2i+1 and 2i+2), so a row descends with exactly one comparison per level and no
 * data-dependent branch: `i = 2i + 1 + (v[col[i]] >= thr[i])`. Eight rows descend side by side, so the CPU overlaps
 * their independent load-compare chains instead of mispredicting one row's branches after another's. Trees are walked
 * tree-major over a block of rows (as libxgboost's CPU predictor does), each row's leaves added in tree order in
 * float32: the bits are those of the node walker and of libxgboost.
 *
 * One comparison must give libxgboost's decision including missing values (NaN), where `x < split` goes left:
 * - default_left nodes test `x >= split`: true goes right, and a NaN (every comparison false) goes left;
 * - default_right nodes test the negated feature, `-x >= -pred(split)`, where pred(split) is the float32 just below
 *   split: for float32 x (and ±Infinity) that is exactly `x < split`, true goes LEFT (its children are stored
 *   swapped), and a NaN goes right. The walker therefore reads rows widened to [x_0 .. x_{n-1}, -x_0 .. -x_{n-1}].
 * A leaf above the full depth is replicated into every leaf slot below it, so the padding nodes' tests do not matter.
 */

import type { FlatTrees } from './compile';

/** Per-depth kernels: add one tree's leaves into acc[r * G + g] for the m widened rows of v (w values each). */
export type HeapKernel = (
  v: Float32Array,
  w: number,
  m: number,
  acc: Float64Array,
  G: number,
  g: number,
  nodeBase: number,
  leafBase: number,
  col: Int32Array,
  thr: Float64Array,
  leaf: Float64Array
) => void;

export interface HeapForest {
  /** Depth per tree (0 = a single leaf). */
  readonly depth: Uint8Array;
  /** Per tree: index of its root in col/thr. */
  readonly nodeBase: Int32Array;
  /** Per tree: leaf[leafBase + i] is the leaf reached at heap index i (i >= 2^depth - 1). */
  readonly leafBase: Int32Array;
  /** Column of the widened row each internal node reads: f (default_left) or numFeature + f (negated). */
  readonly col: Int32Array;
  readonly thr: Float64Array;
  readonly leaf: Float64Array;
  readonly kernels: readonly HeapKernel[];
}

/** Deepest tree laid out this way (2^12 leaf slots); deeper models keep the node walker. */
export const MAX_HEAP_DEPTH = 12;

/** The node arrays of the flat forest (`FlatTrees` without the output groups): value is the float32 split for
 * internal nodes, the leaf value for leaves. */
type Nodes = Omit<FlatTrees, 'group'>;

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The largest float32 below the float32 t (t not NaN): for float32 x, x < t exactly when x <= below(t). */
export function float32Below(t: number): number {
  f32[0] = t;
  if (t === 0) u32[0] = 0x80000001;
  else if (t > 0) u32[0] = u32[0]! - 1;
  else u32[0] = u32[0]! + 1; // -Infinity becomes a NaN: no x is below it, and -x >= NaN is false for every x
  return f32[0]!;
}

/**
 * Lays out trees [0, nTrees) of `nodes` (children in range, acyclic, as the loader guarantees); undefined when a
 * tree is deeper than MAX_HEAP_DEPTH, the padding would take more than 8 times the nodes (and over 2^20 slots), a
 * split condition is not a non-NaN float32, a feature is out of range, or code generation is not allowed.
 */
export function buildHeapForest(nodes: Nodes, nTrees: number, numFeature: number): HeapForest | undefined {
  const { roots, left, right, feat, dleft, value } = nodes;
  const depth = new Uint8Array(nTrees);
  let slots = 0;
  for (let t = 0; t < nTrees; t++) {
    // Depth by an explicit stack (no recursion on deep trees); stop as soon as a branch is too deep.
    let d = 0;
    const stack = [roots[t]!, 0];
    while (stack.length) {
      const k = stack.pop()!;
      const n = stack.pop()!;
      if (left[n]! < 0) {
        if (k > d) d = k;
        continue;
      }
      if (k + 1 > MAX_HEAP_DEPTH) return undefined;
      const s = value[n]!;
      if (s !== s || Math.fround(s) !== s || feat[n]! < 0 || feat[n]! >= numFeature) return undefined;
      stack.push(left[n]!, k + 1, right[n]!, k + 1);
    }
    depth[t] = d;
    slots += 2 << d;
  }
  if (slots > Math.max(1 << 20, 8 * left.length)) return undefined;
  const nodeBase = new Int32Array(nTrees);
  const leafBase = new Int32Array(nTrees);
  let nInternal = 0;
  let nLeaves = 0;
  for (let t = 0; t < nTrees; t++) {
    nodeBase[t] = nInternal;
    leafBase[t] = nLeaves - ((1 << depth[t]!) - 1);
    nInternal += (1 << depth[t]!) - 1;
    nLeaves += 1 << depth[t]!;
  }
  const col = new Int32Array(nInternal);
  const thr = new Float64Array(nInternal);
  const leaf = new Float64Array(nLeaves);
  for (let t = 0; t < nTrees; t++) {
    const D = depth[t]!;
    const nb = nodeBase[t]!;
    const lb = leafBase[t]!;
    // (node, heap index, level)
    const stack = [roots[t]!, 0, 0];
    while (stack.length) {
      const k = stack.pop()!;
      const h = stack.pop()!;
      const n = stack.pop()!;
      const l = left[n]!;
      if (l < 0) {
        let lo = h;
        let hi = h;
        for (let j = k; j < D; j++) {
          lo = 2 * lo + 1;
          hi = 2 * hi + 2;
        }
        leaf.fill(value[n]!, lb + lo, lb + hi + 1);
        continue;
      }
      const s = value[n]!;
      if (dleft[n]) {
        col[nb + h] = feat[n]!;
        thr[nb + h] = s;
        stack.push(l, 2 * h + 1, k + 1, right[n]!, 2 * h + 2, k + 1);
      } else {
        col[nb + h] = numFeature + feat[n]!;
        thr[nb + h] = -float32Below(s);
        stack.push(right[n]!, 2 * h + 1, k + 1, l, 2 * h + 2, k + 1);
      }
    }
  }
  let maxDepth = 0;
  for (let t = 0; t < nTrees; t++) if (depth[t]! > maxDepth) maxDepth = depth[t]!;
  const kernels: HeapKernel[] = [];
  for (let d = 0; d <= maxDepth; d++) {
    const k = kernel(d);
    if (!k) return undefined;
    kernels.push(k);
  }
  return { depth, nodeBase, leafBase, col, thr, leaf, kernels };
}

/** Rows that descend side by side. */
const LANES = 8;
const cache = new Map<number, HeapKernel>();

/**
 * The kernel for trees of depth d: the level loop unrolled, LANES rows at a time. Its source depends on d only (no
 * model data), so it is generated once per depth and stays small.
 */
function kernel(d: number): HeapKernel | undefined {
  const hit = cache.get(d);
  if (hit) return hit;
  // `+(a >= b)` compiles to a flag move (setcc); `a >= b ? 1 : 0` becomes a branch, which is what this layout avoids.
  const step = (q: number | '') => `i${q}=2*i${q}+1+(+(v[o${q}+col[nb+i${q}]]>=thr[nb+i${q}]));`;
  let lanes = '';
  for (let q = 0; q < LANES; q++) lanes += `const o${q}=(r+${q})*w;let i${q}=0;`;
  for (let k = 0; k < d; k++) for (let q = 0; q < LANES; q++) lanes += step(q);
  for (let q = 0; q < LANES; q++) lanes += `{const a=(r+${q})*G+g;acc[a]=fr(acc[a]+leaf[lb+i${q}]);}`;
  let one = 'const o=r*w;let i=0;';
  for (let k = 0; k < d; k++) one += step('');
  one += 'const a=r*G+g;acc[a]=fr(acc[a]+leaf[lb+i]);';
  const src =
    `"use strict";return function(v,w,m,acc,G,g,nb,lb,col,thr,leaf){let r=0;` +
    `for(;r+${LANES}<=m;r+=${LANES}){${lanes}}for(;r<m;r++){${one}}}`;
  try {
    const k = new Function('fr', src)(Math.fround) as HeapKernel;
    cache.set(d, k);
    return k;
  } catch {
    return undefined;
  }
}
