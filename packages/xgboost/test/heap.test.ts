import { describe, expect, it } from 'vitest';
import { CompiledBooster, type TreeData, type XGBoostModel } from '../src';
import { float32Below, MAX_HEAP_DEPTH } from '../src/heap';
import { rng } from './rng';

// The heap walker (predictBatch's fast path) against the node walker (predictAt with compile: false, the path the
// parity tests compare with libxgboost row by row) on random trees built to hit its edge cases: splits at ±0, ±Infinity,
// ±FLT_MAX, subnormals; inputs exactly on a split and one ulp either side, ±0, ±Infinity and NaN; both default
// directions; unbalanced trees of every depth; several output groups; rows shorter than numFeature.
const seed = Number(process.env.XGB_HEAP_SEED ?? Math.floor(Math.random() * 2 ** 31));

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
function bits(v: number): number {
  f32[0] = v;
  return u32[0]!;
}
function fromBits(b: number): number {
  u32[0] = b;
  return f32[0]!;
}
const FLT_MAX = fromBits(0x7f7fffff);
const SPECIAL = [0, -0, Infinity, -Infinity, FLT_MAX, -FLT_MAX, fromBits(1), fromBits(0x80000001), 1, -1, 0.5];

function randomTree(r: () => number, nf: number, maxDepth: number, splits: number[]): TreeData {
  const left: number[] = [];
  const right: number[] = [];
  const feature: number[] = [];
  const defaultLeft: number[] = [];
  const value: number[] = [];
  // Breadth-first like XGBoost (children adjacent), with leaves at random depths.
  const queue: [number, number][] = [[0, 0]];
  left.push(-1);
  right.push(-1);
  feature.push(0);
  defaultLeft.push(0);
  value.push(0);
  while (queue.length) {
    const [n, d] = queue.shift()!;
    if (d < maxDepth && (d === 0 || r() < 0.8)) {
      const s = r() < 0.3 ? SPECIAL[Math.floor(r() * SPECIAL.length)]! : Math.fround((r() - 0.5) * 8);
      splits.push(s);
      feature[n] = Math.floor(r() * nf);
      defaultLeft[n] = r() < 0.5 ? 1 : 0;
      value[n] = s;
      left[n] = left.length;
      right[n] = left.length + 1;
      for (let k = 0; k < 2; k++) {
        queue.push([left.length, d + 1]);
        left.push(-1);
        right.push(-1);
        feature.push(0);
        defaultLeft.push(0);
        value.push(0);
      }
    } else value[n] = Math.fround((r() - 0.5) / 4);
  }
  return {
    left: Int32Array.from(left),
    right: Int32Array.from(right),
    feature: Uint32Array.from(feature),
    defaultLeft: Uint8Array.from(defaultLeft),
    value: Float32Array.from(value),
  };
}

function model(trees: TreeData[], nf: number, numClass: number, objective: string): XGBoostModel {
  const G = Math.max(1, numClass);
  return {
    format: 'json',
    version: [1, 7, 4],
    objective,
    booster: 'gbtree',
    baseScore: [0.5],
    numFeature: nf,
    numClass,
    numParallelTree: 1,
    trees,
    treeInfo: Int32Array.from(trees, (_, t) => t % G),
    attributes: {},
  };
}

function rows(r: () => number, n: number, nf: number, splits: number[]): Float32Array {
  const X = new Float32Array(n * nf);
  for (let i = 0; i < X.length; i++) {
    const u = r();
    if (u < 0.1) X[i] = NaN;
    else if (u < 0.55) {
      // On a split or one ulp either side (for a finite split), else a special value.
      const s = splits[Math.floor(r() * splits.length)]!;
      const k = Math.floor(r() * 3) - 1;
      X[i] = Number.isFinite(s) && s !== 0 ? fromBits(bits(s) + k) : s;
    } else if (u < 0.65) X[i] = SPECIAL[Math.floor(r() * SPECIAL.length)]!;
    else X[i] = (r() - 0.5) * 8;
  }
  return X;
}

function mismatches(a: Float32Array, b: Float32Array): number[] {
  const bad: number[] = [];
  for (let i = 0; i < a.length; i++) if (bits(a[i]!) !== bits(b[i]!)) bad.push(i);
  return bad;
}

describe(`heap walker equals the node walker bit for bit (seed ${seed})`, () => {
  it('float32Below is the next float32 toward -Infinity', () => {
    expect(bits(float32Below(1))).toBe(bits(1) - 1);
    expect(bits(float32Below(-1))).toBe(bits(-1) + 1);
    expect(bits(float32Below(0))).toBe(0x80000001);
    expect(bits(float32Below(-0))).toBe(0x80000001);
    expect(float32Below(Infinity)).toBe(FLT_MAX);
    expect(float32Below(-FLT_MAX)).toBe(-Infinity);
    expect(float32Below(-Infinity)).toBeNaN();
  });

  for (const [objective, numClass] of [
    ['binary:logistic', 0],
    ['reg:squarederror', 0],
    ['multi:softprob', 3],
  ] as const) {
    it(`${objective}: random trees of depth 0..${MAX_HEAP_DEPTH}, full and short rows, margins and outputs`, () => {
      const r = rng(seed ^ numClass);
      for (let rep = 0; rep < 6; rep++) {
        const nf = 1 + Math.floor(r() * 12);
        const splits: number[] = [];
        const trees = Array.from({ length: 1 + Math.floor(r() * 40) }, () =>
          randomTree(r, nf, Math.floor(r() * (MAX_HEAP_DEPTH + 1)), splits)
        );
        if (splits.length === 0) splits.push(0);
        const b = new CompiledBooster(model(trees, nf, numClass, objective), { compile: false });
        expect(b.walker).toBe('heap');
        // 203 rows: several 128-row blocks and a remainder below the eight lanes.
        const n = 203;
        for (const ncols of [nf, Math.max(1, nf - 2)]) {
          const X = rows(r, n, ncols, splits);
          for (const margin of [true, false]) {
            const k = b.outputSize({ margin });
            const batch = new Float32Array(n * k);
            b.predictRows(X, ncols, 0, n, batch, 0, { margin });
            const single = new Float32Array(n * k);
            for (let i = 0; i < n; i++) b.predictAt(X, i * ncols, ncols, single, i * k, { margin });
            expect({ rep, ncols, margin, bad: mismatches(single, batch).slice(0, 5) }).toEqual({
              rep,
              ncols,
              margin,
              bad: [],
            });
          }
        }
      }
    });
  }

  it(`trees deeper than ${MAX_HEAP_DEPTH} keep the node walker, with the same bits`, () => {
    const r = rng(seed + 1);
    const splits: number[] = [];
    // A chain deeper than the limit: every node's right child splits again.
    const depth = MAX_HEAP_DEPTH + 3;
    const left: number[] = [];
    const right: number[] = [];
    const value: number[] = [];
    for (let d = 0; d < depth; d++) {
      const s = Math.fround(d / depth - 0.5);
      splits.push(s);
      const n = left.length;
      left.push(n + 1);
      right.push(n + 2);
      value.push(s);
      left.push(-1);
      right.push(-1);
      value.push(Math.fround(d / 100));
    }
    left.push(-1);
    right.push(-1);
    value.push(0.25);
    // Re-link: node 2d is internal, 2d + 1 its left leaf, 2d + 2 the next internal node (the last one a leaf).
    const tree: TreeData = {
      left: Int32Array.from(left),
      right: Int32Array.from(right),
      feature: new Uint32Array(left.length),
      defaultLeft: Uint8Array.from(left, (_, i) => (i % 4 < 2 ? 1 : 0)),
      value: Float32Array.from(value),
    };
    const b = new CompiledBooster(model([tree, randomTree(r, 1, 4, splits)], 1, 0, 'binary:logistic'), {
      compile: false,
    });
    expect(b.walker).toBe('nodes');
    const n = 64;
    const X = rows(r, n, 1, splits);
    const batch = new Float32Array(n);
    b.predictRows(X, 1, 0, n, batch, 0);
    const single = new Float32Array(n);
    for (let i = 0; i < n; i++) b.predictAt(X, i, 1, single, i);
    expect(mismatches(single, batch)).toEqual([]);
  });
});
