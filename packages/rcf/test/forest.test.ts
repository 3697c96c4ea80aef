import { describe, expect, it } from 'vitest';
import { AnomalyDetector, NONE, Random, RandomCutForest, type Tree } from '@smart-factory/rcf';

/** Brute force: every leaf (with its mass) under a node, found by walking the child links. */
function leavesUnder(t: Tree, node: number): number[] {
  if (node >= t.capacity) return [node];
  return [...leavesUnder(t, t.left[node]!), ...leavesUnder(t, t.right[node]!)];
}
const pointOf = (t: Tree, leaf: number): number[] =>
  Array.from(
    t.store.values.subarray(t.leafSlot[leaf - t.capacity]! * t.dim, (t.leafSlot[leaf - t.capacity]! + 1) * t.dim)
  );

/** Checks mass, boxes, cut sides, parent links and sampler consistency against a recomputation from the leaves. */
function checkTree(t: Tree, streamed: Set<string>): void {
  if (t.root === NONE) {
    expect(t.heapSize).toBe(0);
    return;
  }
  expect(t.parent[t.root]).toBe(NONE);
  const refs = new Map<number, number>();
  for (let i = 0; i < t.heapSize; i++) refs.set(t.heapLeaf[i]!, (refs.get(t.heapLeaf[i]!) ?? 0) + 1);
  for (let i = 1; i < t.heapSize; i++) expect(t.heapW[(i - 1) >> 1]!).toBeGreaterThanOrEqual(t.heapW[i]!);
  const visit = (n: number): void => {
    const leaves = leavesUnder(t, n);
    const mass = leaves.reduce((s, l) => s + t.mass[l]!, 0);
    expect(t.mass[n]).toBe(mass);
    if (n >= t.capacity) {
      expect(refs.get(n)).toBe(t.mass[n]);
      expect(streamed.has(pointOf(t, n).join(','))).toBe(true);
      return;
    }
    for (let d = 0; d < t.dim; d++) {
      const xs = leaves.map((l) => pointOf(t, l)[d]!);
      expect(t.box[n * 2 * t.dim + d] === Math.min(...xs)).toBe(true);
      expect(t.box[(n * 2 + 1) * t.dim + d] === Math.max(...xs)).toBe(true);
    }
    const cd = t.cutDim[n]!;
    for (const l of leavesUnder(t, t.left[n]!)) expect(pointOf(t, l)[cd]!).toBeLessThanOrEqual(t.cutVal[n]!);
    for (const l of leavesUnder(t, t.right[n]!)) expect(pointOf(t, l)[cd]!).toBeGreaterThan(t.cutVal[n]!);
    expect(t.parent[t.left[n]!]).toBe(n);
    expect(t.parent[t.right[n]!]).toBe(n);
    visit(t.left[n]!);
    visit(t.right[n]!);
  };
  visit(t.root);
  expect(t.mass[t.root]).toBe(t.heapSize);
  const liveLeaves = [...refs.keys()].length;
  expect(t.freeLeafCount).toBe(t.capacity - liveLeaves);
  expect(t.freeInternalCount).toBe(t.capacity - 1 - (liveLeaves - 1));
}

/** Independent scalar score (AWS damping rules) with boxes recomputed from the leaves at every node. */
function bruteScore(t: Tree, q: Float32Array): number {
  const path: number[] = [];
  let n = t.root;
  while (n < t.capacity) {
    path.push(n);
    n = q[t.cutDim[n]!]! <= t.cutVal[n]! ? t.left[n]! : t.right[n]!;
  }
  const M = t.mass[t.root]!;
  const leaf = pointOf(t, n);
  const depth = path.length;
  let s = leaf.every((v, d) => v === q[d])
    ? (1 - t.mass[n]! / (2 * M)) * (1 / (depth + Math.log2(t.mass[n]! + 1)))
    : 1 / (depth + 1);
  for (let k = depth - 1; k >= 0; k--) {
    const pts = leavesUnder(t, path[k]!).map((l) => pointOf(t, l));
    let gap = 0;
    let range = 0;
    for (let d = 0; d < t.dim; d++) {
      const lo = Math.min(...pts.map((p) => p[d]!));
      const hi = Math.max(...pts.map((p) => p[d]!));
      gap += Math.max(0, lo - q[d]!) + Math.max(0, q[d]! - hi);
      range += Math.max(hi, q[d]!) - Math.min(lo, q[d]!);
    }
    if (gap === 0) break;
    const p = gap / range;
    s = p * (1 / (k + 1)) + (1 - p) * s;
  }
  return s * Math.log2(M + 1);
}

const gauss = (r: Random): number =>
  Math.sqrt(-2 * Math.log(1 - r.nextDouble())) * Math.cos(2 * Math.PI * r.nextDouble());

describe('RandomCutForest', () => {
  it('keeps tree mass, boxes and samplers consistent through inserts and deletes (brute-force check)', () => {
    const f = new RandomCutForest({
      dimensions: 3,
      numberOfTrees: 4,
      sampleSize: 32,
      timeDecay: 0.05,
      outputAfter: 1,
      seed: 9,
    });
    const r = new Random(1);
    const streamed = new Set<string>();
    for (let i = 0; i < 600; i++) {
      // Duplicates on purpose (rounded values) so that leaf masses > 1 occur.
      const p = [Math.round(gauss(r) * 2) / 2, Math.round(gauss(r) * 2) / 2, i % 7 === 0 ? 5 : 0];
      streamed.add(Array.from(Float32Array.from(p)).join(','));
      f.update(p);
      if (i % 97 === 0 || i === 599) for (const t of f.trees) checkTree(t, streamed);
    }
    expect(f.trees.some((t) => Array.from(t.mass.subarray(t.capacity)).some((m) => m > 1))).toBe(true);
    for (const t of f.trees) expect(t.heapSize).toBe(32);
    // The optimised score equals an independent recomputation from the leaves.
    for (const q of [
      [0, 0, 0],
      [0.5, -0.5, 5],
      [9, 9, 9],
      [-3, 1, 0.25],
    ]) {
      const qf = Float32Array.from(q);
      for (const t of f.trees) expect(t.score(qf)).toBeCloseTo(bruteScore(t, qf), 12);
    }
  });

  it('builds consistent trees in one pass from a sample (snapshot restore), then keeps them consistent', () => {
    const d = new AnomalyDetector({
      dimensions: 2,
      shingleSize: 2,
      numberOfTrees: 5,
      sampleSize: 32,
      warmup: 20,
      seed: 4,
    });
    const r = new Random(8);
    const streamed = new Set<string>();
    for (let i = 0; i < 400; i++) {
      // Duplicates on purpose (rounded values) so that identical points share a leaf.
      d.process([Math.round(gauss(r) * 2) / 2, i % 9 === 0 ? 4 : 0]);
    }
    const restored = AnomalyDetector.restore(d.snapshot());
    for (const t of restored.forest.trees) {
      for (let i = 0; i < t.heapSize; i++) {
        const leaf = t.heapLeaf[i]!;
        streamed.add(pointOf(t, leaf).join(','));
      }
      expect(t.heapSize).toBe(32);
      checkTree(t, streamed);
    }
    expect(restored.forest.trees.some((t) => Array.from(t.mass.subarray(t.capacity)).some((m) => m > 1))).toBe(true);
    for (let i = 0; i < 200; i++) {
      const p = [Math.round(gauss(r) * 2) / 2, i % 9 === 0 ? 4 : 0];
      restored.process(p);
    }
    for (const t of restored.forest.trees) {
      for (let i = 0; i < t.heapSize; i++) streamed.add(pointOf(t, t.heapLeaf[i]!).join(','));
      checkTree(t, streamed);
    }
  });

  it('is deterministic for a seed and differs across seeds', () => {
    const run = (seed: number): number[] => {
      const f = new RandomCutForest({
        dimensions: 2,
        numberOfTrees: 10,
        sampleSize: 64,
        timeDecay: 1 / 640,
        outputAfter: 32,
        seed,
      });
      const r = new Random(77);
      const out: number[] = [];
      for (let i = 0; i < 400; i++) {
        const p = [gauss(r), gauss(r)];
        out.push(f.score(p));
        f.update(p);
      }
      return out;
    };
    expect(run(5)).toEqual(run(5));
    expect(run(5)).not.toEqual(run(6));
    expect(
      run(5)
        .slice(0, 31)
        .every((s) => s === 0)
    ).toBe(true);
  });

  it('scores outliers far above inliers, on the KDA scale (inliers ≈ 0.7–1)', () => {
    const f = new RandomCutForest({
      dimensions: 3,
      numberOfTrees: 50,
      sampleSize: 256,
      timeDecay: 1 / 2560,
      outputAfter: 256,
      seed: 1,
    });
    const r = new Random(2);
    for (let i = 0; i < 2000; i++) f.update([gauss(r), gauss(r), gauss(r)]);
    let inlier = 0;
    for (let i = 0; i < 200; i++) inlier += f.score([gauss(r), gauss(r), gauss(r)]) / 200;
    const outlier = f.score([8, 0, 0]);
    expect(inlier).toBeGreaterThan(0.5);
    expect(inlier).toBeLessThan(1.3);
    expect(outlier).toBeGreaterThan(3);
    expect(outlier).toBeLessThanOrEqual(Math.log2(257));
  });

  it('rejects bad options and points', () => {
    const o = { dimensions: 2, numberOfTrees: 5, sampleSize: 16, timeDecay: 0.01, outputAfter: 1, seed: 1 };
    expect(() => new RandomCutForest({ ...o, sampleSize: 1 })).toThrow(/sampleSize/);
    expect(() => new RandomCutForest({ ...o, timeDecay: -1 })).toThrow(/timeDecay/);
    const f = new RandomCutForest(o);
    expect(() => f.update([1])).toThrow(/2 dimensions/);
    expect(() => f.update([1, Number.NaN])).toThrow(/finite/);
  });
});

describe('AnomalyDetector attribution', () => {
  it('names the perturbed dimension and its direction (high and low)', () => {
    const trained = (): AnomalyDetector => {
      const d = new AnomalyDetector({ dimensions: 3, shingleSize: 1, numberOfTrees: 30, seed: 4 });
      const r = new Random(8);
      for (let i = 0; i < 1500; i++) d.process([20 + gauss(r), 1500 + 10 * gauss(r), 3 + 0.1 * gauss(r)]);
      return d;
    };
    const up = trained().process([20, 1500, 4.5]);
    expect(up.topDimension).toBe(2);
    expect(up.direction).toBe('high');
    expect(up.attribution[2]!.high).toBeGreaterThan(10 * up.attribution[2]!.low);
    expect(up.score).toBeGreaterThan(2);
    expect(up.isAnomaly).toBe(true);
    const sum = up.attribution.reduce((s, a) => s + a.high + a.low, 0);
    expect(sum).toBeCloseTo(up.score, 9);
    const down = trained().process([20, 1400, 3]);
    expect(down.topDimension).toBe(1);
    expect(down.direction).toBe('low');
    expect(down.attribution[1]!.low).toBeGreaterThan(10 * down.attribution[1]!.high);
    expect(down.isAnomaly).toBe(true);
  });

  it('imputes missing values and validates input length', () => {
    const d = new AnomalyDetector({ dimensions: 2, warmup: 10 });
    for (let i = 0; i < 30; i++) d.process([i % 3, i % 2 === 0 ? null : 1]);
    expect(() => d.process([1])).toThrow(/expected 2 values/);
    expect(() => d.process([1, Number.POSITIVE_INFINITY])).toThrow(/not finite/);
    expect(d.process([1, Number.NaN]).ready).toBe(true);
  });
});
