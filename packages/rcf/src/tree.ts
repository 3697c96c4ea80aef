import { PointStore, type SlotIds, slotIds } from './points';
import type { Random } from './random';

/** Sentinel for "no node". */
export const NONE = -1;

/**
 * One random cut tree plus its time-decayed reservoir sampler, in flat typed arrays (no per-point allocation).
 *
 * Node ids: internal nodes are 0 .. capacity-2, leaves are capacity .. 2·capacity-1 (leaf slot = id − capacity).
 * A leaf holds one distinct point (a slot of the forest's PointStore, shared with the other trees that sampled the
 * same update) and its multiplicity (mass); the sampler holds one entry per sampled update, each pointing at a leaf.
 * Cuts are range-proportional (`RandomCutTree.randomCut` of aws/random-cut-forest-by-aws): a dimension is chosen
 * with probability proportional to its side length in the box, the cut uniformly inside it.
 */
/** Node ids: 16-bit when every id (< 2·capacity) fits, halving the index arrays of the default 256-sample trees. */
export type NodeIds = Int16Array | Int32Array;

function nodeIds(capacity: number, length: number): NodeIds {
  return 2 * capacity <= 32_767 ? new Int16Array(length) : new Int32Array(length);
}

export class Tree {
  readonly dim: number;
  readonly capacity: number;
  root = NONE;
  // internal nodes
  readonly cutDim: Uint16Array;
  readonly cutVal: Float32Array;
  readonly left: NodeIds;
  readonly right: NodeIds;
  /**
   * Cached bounding boxes of internal nodes (float32: mins/maxes of float32 points, exact; not snapshotted), one
   * node's box contiguous (mins then maxes at node · 2·dim) so that a visit reads one or two cache lines.
   */
  readonly box: Float32Array;
  // all nodes
  readonly parent: NodeIds;
  /** Masses (≤ capacity): 16-bit unsigned when the capacity fits. */
  readonly mass: Uint16Array | Int32Array;
  // leaves
  /** The forest's shared points; leafSlot[leaf − capacity] = the slot holding the leaf's point. */
  readonly store: PointStore;
  readonly leafSlot: SlotIds;
  // free lists (stacks)
  readonly freeInternal: NodeIds;
  freeInternalCount: number;
  readonly freeLeaf: NodeIds;
  freeLeafCount: number;
  // sampler: max-heap of weights; heapLeaf[i] = leaf id of entry i
  readonly heapW: Float64Array;
  readonly heapLeaf: NodeIds;
  /** heapSeq[i] = forest update number that sampled entry i (NaN when unknown, e.g. restored from a v1 snapshot). */
  readonly heapSeq: Float64Array;
  heapSize = 0;
  /** Scratch: path of node ids from the root to a leaf; the box of the node being visited. */
  readonly path: NodeIds;
  private readonly curLo: Float64Array;
  private readonly curHi: Float64Array;

  /** `store`: the forest's shared point store (a tree on its own gets a store of its own). */
  constructor(dim: number, capacity: number, store: PointStore = new PointStore(dim, capacity, capacity)) {
    if (store.dim !== dim) throw new Error(`point store has ${store.dim} dimensions, the tree ${dim}`);
    this.dim = dim;
    this.capacity = capacity;
    const ni = capacity - 1;
    this.cutDim = new Uint16Array(ni);
    this.cutVal = new Float32Array(ni);
    this.left = nodeIds(capacity, ni).fill(NONE);
    this.right = nodeIds(capacity, ni).fill(NONE);
    this.box = new Float32Array(ni * 2 * dim);
    this.parent = nodeIds(capacity, 2 * capacity).fill(NONE);
    this.mass = capacity <= 65_535 ? new Uint16Array(2 * capacity) : new Int32Array(2 * capacity);
    this.store = store;
    this.leafSlot = slotIds(store.maxSlots, capacity);
    this.freeInternal = nodeIds(capacity, ni);
    this.freeLeaf = nodeIds(capacity, capacity);
    // Stacks popped from the end: lowest ids are used first.
    for (let i = 0; i < ni; i++) this.freeInternal[i] = ni - 1 - i;
    for (let i = 0; i < capacity; i++) this.freeLeaf[i] = 2 * capacity - 1 - i;
    this.freeInternalCount = ni;
    this.freeLeafCount = capacity;
    this.heapW = new Float64Array(capacity);
    this.heapLeaf = nodeIds(capacity, capacity);
    this.heapSeq = new Float64Array(capacity).fill(Number.NaN);
    this.path = nodeIds(capacity, capacity + 1);
    this.curLo = new Float64Array(dim);
    this.curHi = new Float64Array(dim);
  }

  /** Total number of sampled points (with multiplicity). */
  get totalMass(): number {
    return this.root === NONE ? 0 : this.mass[this.root]!;
  }

  isLeaf(node: number): boolean {
    return node >= this.capacity;
  }

  // ---------------------------------------------------------------- sampler

  /**
   * Offers update `weight` (smaller = more likely kept) for `point`; returns true when the tree changed.
   * Mirrors CompactSampler.acceptPoint/evictMax/addPoint: keep the `capacity` smallest weights in a max-heap.
   */
  offer(point: Float32Array, weight: number, rng: Random, seq = Number.NaN): boolean {
    if (this.heapSize === this.capacity) {
      if (!(weight < this.heapW[0]!)) return false;
      const evicted = this.heapLeaf[0]!;
      this.heapPopMax();
      this.deleteLeaf(evicted);
    }
    const leaf = this.insert(point, rng);
    this.heapPush(weight, leaf, seq);
    return true;
  }

  /** Adds a sampler entry (weight, leaf id, update number) keeping the max-heap order (also used by restore). */
  heapPush(w: number, leaf: number, seq = Number.NaN): void {
    const hw = this.heapW;
    const hl = this.heapLeaf;
    const hq = this.heapSeq;
    let i = this.heapSize++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (hw[p]! >= w) break;
      hw[i] = hw[p]!;
      hl[i] = hl[p]!;
      hq[i] = hq[p]!;
      i = p;
    }
    hw[i] = w;
    hl[i] = leaf;
    hq[i] = seq;
  }

  private heapPopMax(): void {
    const hw = this.heapW;
    const hl = this.heapLeaf;
    const hq = this.heapSeq;
    const n = --this.heapSize;
    if (n === 0) return;
    const w = hw[n]!;
    const l = hl[n]!;
    const q = hq[n]!;
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && hw[c + 1]! > hw[c]!) c++;
      if (hw[c]! <= w) break;
      hw[i] = hw[c]!;
      hl[i] = hl[c]!;
      hq[i] = hq[c]!;
      i = c;
    }
    hw[i] = w;
    hl[i] = l;
    hq[i] = q;
  }

  // ---------------------------------------------------------------- insert / delete

  /** Inserts a point (float32 values) and returns the id of the leaf that holds it. */
  insert(point: Float32Array, rng: Random): number {
    const dim = this.dim;
    if (this.root === NONE) {
      const leaf = this.newLeaf(point);
      this.root = leaf;
      this.parent[leaf] = NONE;
      return leaf;
    }
    let node = this.root;
    const cap = this.capacity;
    const bLo = this.curLo;
    const bHi = this.curHi;
    for (;;) {
      // The node's box (a leaf's box is its point) and the total range of box ∪ point.
      if (node >= cap) {
        const o = this.leafSlot[node - cap]! * dim;
        const pts = this.store.values;
        for (let d = 0; d < dim; d++) bLo[d] = bHi[d] = pts[o + d]!;
      } else {
        const o = node * 2 * dim;
        for (let d = 0; d < dim; d++) {
          bLo[d] = this.box[o + d]!;
          bHi[d] = this.box[o + dim + d]!;
        }
      }
      let range = 0;
      for (let d = 0; d < dim; d++) {
        const x = point[d]!;
        const a = bLo[d]!;
        const b = bHi[d]!;
        range += (x > b ? x : b) - (x < a ? x : a);
      }
      if (range === 0) {
        // node is a leaf holding exactly this point: a duplicate (its ancestors were counted on the way down).
        this.mass[node]!++;
        return node;
      }
      let r = rng.nextDouble() * range;
      let cd = -1;
      let lastPositive = 0;
      let cut = 0;
      let lo = 0;
      let hi = 0;
      for (let d = 0; d < dim; d++) {
        const x = point[d]!;
        const a = bLo[d]!;
        const b = bHi[d]!;
        const l = x < a ? x : a;
        const h = x > b ? x : b;
        const w = h - l;
        if (w > 0) {
          lastPositive = d;
          if (r < w) {
            cd = d;
            lo = l;
            hi = h;
            cut = l + r;
            break;
          }
        }
        r -= w;
      }
      if (cd === NONE) {
        // r ran past the total through rounding: cut at the bottom of the last non-degenerate dimension.
        cd = lastPositive;
        const x = point[cd]!;
        const a = bLo[cd]!;
        const b = bHi[cd]!;
        lo = x < a ? x : a;
        hi = x > b ? x : b;
        cut = lo;
      }
      cut = Math.fround(cut);
      if (!(cut >= lo && cut < hi)) cut = lo; // float rounding: keep lo <= cut < hi
      if (cut < bLo[cd]! || cut >= bHi[cd]!) {
        // The cut separates the point from the node's box: new internal node above `node`.
        const leaf = this.newLeaf(point);
        const inner = this.freeInternal[--this.freeInternalCount]!;
        const par = this.parent[node]!;
        this.cutDim[inner] = cd;
        this.cutVal[inner] = cut;
        if (point[cd]! <= cut) {
          this.left[inner] = leaf;
          this.right[inner] = node;
        } else {
          this.left[inner] = node;
          this.right[inner] = leaf;
        }
        this.parent[inner] = par;
        this.parent[node] = inner;
        this.parent[leaf] = inner;
        this.mass[inner] = this.mass[node]! + 1;
        const o = inner * 2 * dim;
        for (let d = 0; d < dim; d++) {
          const x = point[d]!;
          const a = bLo[d]!;
          const b = bHi[d]!;
          this.box[o + d] = x < a ? x : a;
          this.box[o + dim + d] = x > b ? x : b;
        }
        if (par === NONE) this.root = inner;
        else if (this.left[par] === node) this.left[par] = inner;
        else this.right[par] = inner;
        // Ancestors above `inner` were already extended on the way down.
        return leaf;
      }
      // Descend: this node's box and mass grow by the point.
      this.mass[node]!++;
      const o = node * 2 * dim;
      for (let d = 0; d < dim; d++) {
        const x = point[d]!;
        if (x < bLo[d]!) this.box[o + d] = x;
        if (x > bHi[d]!) this.box[o + dim + d] = x;
      }
      node = point[this.cutDim[node]!]! <= this.cutVal[node]! ? this.left[node]! : this.right[node]!;
    }
  }

  /**
   * Builds the tree of an empty Tree in one pass from `n` sampled points (`pts`, n × dim float32, point i held by
   * store slot `slots[i]`, which its leaf retains) and fills the sampler with `weights`/`seqs` (entry i holds
   * point i). Cuts as `insert` draws them (dimension ∝ side length of the box, value uniform inside it), recursively
   * over the whole sample: a random cut tree of the same distribution as one grown point by point (Guha et al. 2016,
   * theorem 3). Identical points share a leaf.
   */
  buildFrom(
    pts: Float32Array,
    slots: Int32Array,
    n: number,
    weights: Float64Array,
    seqs: Float64Array,
    rng: Random
  ): void {
    if (this.root !== NONE || this.heapSize !== 0) throw new Error('buildFrom needs an empty tree');
    if (n > this.capacity) throw new Error(`sample of ${n} points exceeds the capacity ${this.capacity}`);
    if (n === 0) return;
    const dim = this.dim;
    const idx = new Int32Array(n);
    for (let i = 0; i < n; i++) idx[i] = i;
    const leafOf = new Int32Array(n);
    // Box stack: level L holds the boxes of the two children of a node at level L − 1 (lo then hi, dim each).
    const boxes = new Float64Array((n + 1) * 4 * dim);
    for (let d = 0; d < dim; d++) boxes[d] = boxes[dim + d] = pts[d]!;
    for (let i = 1; i < n; i++) {
      const o = i * dim;
      for (let d = 0; d < dim; d++) {
        const x = pts[o + d]!;
        if (x < boxes[d]!) boxes[d] = x;
        if (x > boxes[dim + d]!) boxes[dim + d] = x;
      }
    }
    this.root = this.buildRange(pts, slots, idx, 0, n, leafOf, rng, NONE, boxes, 0);
    for (let i = 0; i < n; i++) this.heapPush(weights[i]!, leafOf[i]!, seqs[i]!);
  }

  /** Subtree of the points idx[from, to) whose box is at `boxes[at .. at + 2·dim)`; returns its node id. */
  private buildRange(
    pts: Float32Array,
    slots: Int32Array,
    idx: Int32Array,
    from: number,
    to: number,
    leafOf: Int32Array,
    rng: Random,
    par: number,
    boxes: Float64Array,
    at: number
  ): number {
    const dim = this.dim;
    let range = 0;
    for (let d = 0; d < dim; d++) range += boxes[at + dim + d]! - boxes[at + d]!;
    if (range === 0) {
      // All points identical: one leaf of mass to − from.
      const leaf = this.freeLeaf[--this.freeLeafCount]!;
      const slot = slots[idx[from]!]!;
      this.leafSlot[leaf - this.capacity] = slot;
      this.store.retain(slot);
      this.mass[leaf] = to - from;
      this.parent[leaf] = par;
      for (let i = from; i < to; i++) leafOf[idx[i]!] = leaf;
      return leaf;
    }
    let r = rng.nextDouble() * range;
    let cd = -1;
    let lastPositive = 0;
    for (let d = 0; d < dim; d++) {
      const w = boxes[at + dim + d]! - boxes[at + d]!;
      if (w > 0) {
        lastPositive = d;
        if (r < w) {
          cd = d;
          break;
        }
      }
      r -= w;
    }
    const lo = boxes[at + (cd === NONE ? lastPositive : cd)]!;
    const hi = boxes[at + dim + (cd === NONE ? lastPositive : cd)]!;
    let cut: number;
    if (cd === NONE) {
      cd = lastPositive;
      cut = lo;
    } else cut = Math.fround(lo + r);
    if (!(cut >= lo && cut < hi)) cut = lo;
    const inner = this.freeInternal[--this.freeInternalCount]!;
    this.cutDim[inner] = cd;
    this.cutVal[inner] = cut;
    this.parent[inner] = par;
    this.mass[inner] = to - from;
    const o = inner * 2 * dim;
    for (let d = 0; d < dim; d++) {
      this.box[o + d] = boxes[at + d]!;
      this.box[o + dim + d] = boxes[at + dim + d]!;
    }
    // Partition (x[cd] <= cut to the left: non-empty, it holds the minimum; the maximum is > cut) and the boxes of
    // both sides, written to the next level of the stack.
    const la = at - (at % (4 * dim)) + 4 * dim;
    const ra = la + 2 * dim;
    for (let d = 0; d < dim; d++) {
      boxes[la + d] = boxes[ra + d] = Number.POSITIVE_INFINITY;
      boxes[la + dim + d] = boxes[ra + dim + d] = Number.NEGATIVE_INFINITY;
    }
    let i = from;
    let j = to - 1;
    while (i <= j) {
      const p = idx[i]! * dim;
      if (pts[p + cd]! <= cut) {
        for (let d = 0; d < dim; d++) {
          const x = pts[p + d]!;
          if (x < boxes[la + d]!) boxes[la + d] = x;
          if (x > boxes[la + dim + d]!) boxes[la + dim + d] = x;
        }
        i++;
      } else {
        for (let d = 0; d < dim; d++) {
          const x = pts[p + d]!;
          if (x < boxes[ra + d]!) boxes[ra + d] = x;
          if (x > boxes[ra + dim + d]!) boxes[ra + dim + d] = x;
        }
        const t = idx[i]!;
        idx[i] = idx[j]!;
        idx[j--] = t;
      }
    }
    this.left[inner] = this.buildRange(pts, slots, idx, from, i, leafOf, rng, inner, boxes, la);
    this.right[inner] = this.buildRange(pts, slots, idx, i, to, leafOf, rng, inner, boxes, ra);
    return inner;
  }

  private newLeaf(point: Float32Array): number {
    const leaf = this.freeLeaf[--this.freeLeafCount]!;
    this.leafSlot[leaf - this.capacity] = this.store.take(point);
    this.mass[leaf] = 1;
    return leaf;
  }

  private addMass(node: number, delta: number): void {
    for (let n = node; n !== NONE; n = this.parent[n]!) this.mass[n]! += delta;
  }

  /** Removes one unit of mass from a leaf (the point leaves the sample). */
  deleteLeaf(leaf: number): void {
    if (this.mass[leaf]! > 1) {
      this.addMass(leaf, -1);
      return;
    }
    this.mass[leaf] = 0;
    this.store.release(this.leafSlot[leaf - this.capacity]!);
    this.freeLeaf[this.freeLeafCount++] = leaf;
    const par = this.parent[leaf]!;
    this.parent[leaf] = NONE;
    if (par === NONE) {
      this.root = NONE;
      return;
    }
    const sibling = this.left[par] === leaf ? this.right[par]! : this.left[par]!;
    const grand = this.parent[par]!;
    this.parent[sibling] = grand;
    this.left[par] = NONE;
    this.right[par] = NONE;
    this.parent[par] = NONE;
    this.mass[par] = 0;
    this.freeInternal[this.freeInternalCount++] = par;
    if (grand === NONE) {
      this.root = sibling;
      return;
    }
    if (this.left[grand] === par) this.left[grand] = sibling;
    else this.right[grand] = sibling;
    // Recompute boxes upwards until one does not change; masses all the way to the root.
    let n = grand;
    for (; n !== NONE; n = this.parent[n]!) {
      this.mass[n]!--;
      if (!this.recomputeBox(n)) break;
    }
    if (n !== NONE) for (n = this.parent[n]!; n !== NONE; n = this.parent[n]!) this.mass[n]!--;
  }

  /** Box of an internal node = union of its children's boxes; returns whether it changed. */
  recomputeBox(n: number): boolean {
    const dim = this.dim;
    const cap = this.capacity;
    const l = this.left[n]!;
    const r = this.right[n]!;
    const box = this.box;
    const pts = this.store.values;
    // Each child's lower and upper corner: a leaf's point (both corners) or an internal node's cached box.
    const lArr = l >= cap ? pts : box;
    const lLo = l >= cap ? this.leafSlot[l - cap]! * dim : l * 2 * dim;
    const lHi = l >= cap ? lLo : lLo + dim;
    const rArr = r >= cap ? pts : box;
    const rLo = r >= cap ? this.leafSlot[r - cap]! * dim : r * 2 * dim;
    const rHi = r >= cap ? rLo : rLo + dim;
    const o = n * 2 * dim;
    let changed = false;
    for (let d = 0; d < dim; d++) {
      const a = lArr[lLo + d]!;
      const b = rArr[rLo + d]!;
      const c = lArr[lHi + d]!;
      const e = rArr[rHi + d]!;
      const mn = a < b ? a : b;
      const mx = c > e ? c : e;
      if (mn !== box[o + d] || mx !== box[o + dim + d]) {
        changed = true;
        box[o + d] = mn;
        box[o + dim + d] = mx;
      }
    }
    return changed;
  }

  /**
   * Rebuilds parent links, internal masses and boxes from the child links and leaf masses (after restore).
   * Returns the number of nodes reached, so that a caller can detect a malformed structure.
   */
  rebuildDerived(): number {
    this.parent.fill(NONE);
    if (this.root === NONE) return 0;
    const cap = this.capacity;
    const limit = 2 * cap - 1;
    const stack: number[] = [this.root];
    const order: number[] = [];
    while (stack.length > 0) {
      const n = stack.pop()!;
      order.push(n);
      if (order.length > limit) throw new Error('tree structure has a cycle');
      if (n >= cap) continue;
      const l = this.left[n]!;
      const r = this.right[n]!;
      if (l < 0 || r < 0 || l >= 2 * cap || r >= 2 * cap) throw new Error(`internal node ${n} has an invalid child`);
      if (this.parent[l] !== NONE || this.parent[r] !== NONE) throw new Error(`node shared by two parents under ${n}`);
      this.parent[l] = n;
      this.parent[r] = n;
      stack.push(l, r);
    }
    for (let i = order.length - 1; i >= 0; i--) {
      const n = order[i]!;
      if (n >= cap) continue;
      this.mass[n] = this.mass[this.left[n]!]! + this.mass[this.right[n]!]!;
      this.recomputeBox(n);
    }
    return order.length;
  }

  // ---------------------------------------------------------------- scoring

  /**
   * Expected-inverse-depth anomaly score of q (not inserted), with the damping rules of
   * AbstractScalarScoreVisitor / CommonUtils: unseen 1/(d+1), seen 1/(d+log2(m+1)) damped by 1 − m/(2·M),
   * mixed with the probability of separation at each ancestor, normalised by log2(M+1).
   * When `high`/`low` are given, adds this tree's attribution (DiVector) into them (same normalisation).
   */
  score(
    q: Float32Array,
    high?: Float64Array,
    low?: Float64Array,
    scratchH?: Float64Array,
    scratchL?: Float64Array
  ): number {
    if (this.root === NONE) return 0;
    const dim = this.dim;
    const cap = this.capacity;
    const path = this.path;
    let depth = 0;
    let node = this.root;
    while (node < cap) {
      path[depth++] = node;
      node = q[this.cutDim[node]!]! <= this.cutVal[node]! ? this.left[node]! : this.right[node]!;
    }
    const treeMass = this.mass[this.root]!;
    const leafMass = this.mass[node]!;
    const lo = this.leafSlot[node - cap]! * dim;
    const pts = this.store.values;
    let equal = true;
    for (let d = 0; d < dim; d++) {
      if (pts[lo + d] !== q[d]) {
        equal = false;
        break;
      }
    }
    const attr = high !== undefined && low !== undefined && scratchH !== undefined && scratchL !== undefined;
    let s: number;
    if (equal) {
      s = (1 - leafMass / (2 * treeMass)) / (depth + Math.log2(leafMass + 1));
      if (attr) {
        const share = s / (2 * dim);
        scratchH.fill(share);
        scratchL.fill(share);
      }
    } else {
      s = 1 / (depth + 1);
      if (attr) {
        let gap = 0;
        for (let d = 0; d < dim; d++) gap += Math.abs(q[d]! - pts[lo + d]!);
        for (let d = 0; d < dim; d++) {
          const diff = q[d]! - pts[lo + d]!;
          scratchH[d] = diff > 0 ? (s * diff) / gap : 0;
          scratchL[d] = diff < 0 ? (-s * diff) / gap : 0;
        }
      }
    }
    const box = this.box;
    for (let k = depth - 1; k >= 0; k--) {
      const n = path[k]!;
      const o = n * 2 * dim;
      let gapSum = 0;
      let newRange = 0;
      for (let d = 0; d < dim; d++) {
        const x = q[d]!;
        const a = box[o + d]!;
        const b = box[o + dim + d]!;
        if (x < a) {
          gapSum += a - x;
          newRange += b - x;
        } else if (x > b) {
          gapSum += x - b;
          newRange += x - a;
        } else newRange += b - a;
      }
      if (gapSum <= 0) break; // inside this box, hence inside all ancestors' boxes
      const p = gapSum / newRange;
      const unseen = 1 / (k + 1);
      s = p * unseen + (1 - p) * s;
      if (attr) {
        for (let d = 0; d < dim; d++) {
          const x = q[d]!;
          const a = box[o + d]!;
          const b = box[o + dim + d]!;
          scratchH[d] = (x > b ? ((x - b) / newRange) * unseen : 0) + (1 - p) * scratchH[d]!;
          scratchL[d] = (x < a ? ((a - x) / newRange) * unseen : 0) + (1 - p) * scratchL[d]!;
        }
      }
    }
    const norm = Math.log2(treeMass + 1);
    if (attr) {
      for (let d = 0; d < dim; d++) {
        high[d]! += scratchH[d]! * norm;
        low[d]! += scratchL[d]! * norm;
      }
    }
    return s * norm;
  }
}
