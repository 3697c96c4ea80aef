import { describe, expect, it } from 'vitest';
import { AnomalyDetector, PointStore, Random, RandomCutForest } from '@smart-factory/rcf';

/** Every slot's reference count equals the number of leaves (over all trees) that hold it; free slots hold none. */
function checkStore(f: RandomCutForest): { live: number; sharedBy: number } {
  const holders = new Map<number, number>();
  for (const t of f.trees) {
    for (let s = 0; s < t.capacity; s++) {
      if (t.mass[t.capacity + s] === 0) continue;
      const slot = t.leafSlot[s]!;
      holders.set(slot, (holders.get(slot) ?? 0) + 1);
    }
  }
  for (let slot = 0; slot < f.store.capacity; slot++) expect(f.store.refs[slot]).toBe(holders.get(slot) ?? 0);
  expect(f.store.live).toBe(holders.size);
  let leaves = 0;
  for (const n of holders.values()) leaves += n;
  return { live: holders.size, sharedBy: leaves / holders.size };
}

describe('PointStore', () => {
  it('shares one slot between the trees of an update, counts references and reuses freed slots', () => {
    const s = new PointStore(2, 8, 2);
    s.beginShared();
    const a = s.take([1, 2]);
    expect(s.take([1, 2])).toBe(a);
    s.endShared();
    expect(s.refs[a]).toBe(2);
    const b = s.take([3, 4]);
    const c = s.take([5, 6]); // grows past the initial two slots
    expect(s.capacity).toBe(4);
    expect(Array.from(s.values.subarray(a * 2, a * 2 + 2))).toEqual([1, 2]);
    expect(Array.from(s.values.subarray(c * 2, c * 2 + 2))).toEqual([5, 6]);
    s.release(b);
    expect(s.live).toBe(2);
    expect(s.take([7, 8])).toBe(b);
    s.release(a);
    s.release(a);
    expect(() => s.release(a)).toThrow(/released more often/);
  });

  it('refuses to grow past the forest’s samples', () => {
    const s = new PointStore(1, 2, 1);
    s.take([1]);
    s.take([2]);
    expect(() => s.take([3])).toThrow(/point store full/);
  });

  it('holds every leaf’s point once for all trees, through updates, evictions and a restore', () => {
    const f = new RandomCutForest({
      dimensions: 3,
      numberOfTrees: 20,
      sampleSize: 32,
      timeDecay: 1 / 320,
      outputAfter: 32,
      seed: 9,
    });
    const r = new Random(4);
    for (let i = 0; i < 3000; i++) {
      // Some repeated points, so that leaves of mass > 1 and identical points from different updates occur.
      const v = i % 7 === 0 ? [1, 1, 1] : [r.nextDouble(), r.nextDouble(), Math.round(r.nextDouble() * 4)];
      f.update(v);
    }
    const { live, sharedBy } = checkStore(f);
    // Far fewer slots than the 640 leaves a per-tree copy stores, each held by several trees.
    expect(live).toBeLessThan(20 * 32);
    expect(sharedBy).toBeGreaterThan(1.3);

    const d = new AnomalyDetector({ dimensions: 2, shingleSize: 2, numberOfTrees: 20, sampleSize: 32, seed: 5 });
    for (let i = 0; i < 2000; i++) d.process([Math.sin(i / 10), Math.cos(i / 7)]);
    checkStore(d.forest);
    const restored = AnomalyDetector.restore(d.snapshot());
    const after = checkStore(restored.forest);
    expect(after.live).toBe(checkStore(d.forest).live);
    for (let i = 0; i < 500; i++) restored.process([Math.sin(i / 3), 0.5]);
    checkStore(restored.forest);
  });
});
