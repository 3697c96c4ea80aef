import type { Random } from './random';

/** Sentinel for "no node". */
export const NONE = -1;

/**
 * One random cut tree plus its time-decayed reservoir sampler, in flat typed arrays (no per-point allocation).
 *
 * Node ids: internal nodes are 0 .. capacity-2, leaves are capacity .. 2·capacity-1 (leaf slot = id − capacity).
 * A leaf holds one distinct point and its multiplicity (mass); the sampler holds one entry per sampled update, each
 * pointing at a leaf. Cuts are range-proportional (`RandomCutTree.randomCut` of aws/random-cut-forest-by-aws): a
 * dimension is chosen with probability proportional to its side length in the box, the cut uniformly inside it.
 */
export class Tree {
  readonly dim: number;
  readonly capacity: number;
  root = NONE;
  // internal nodes
  readonly cutDim: Uint16Array;
  readonly cutVal: Float32Array;
  readonly left: Int32Array;
  readonly right: Int32Array;
  /** Cached bounding boxes of internal nodes (float32: mins/maxes of float32 points, exact; not snapshotted). */
  readonly boxMin: Float32Array;
  readonly boxMax: Float32Array;
  // all nodes
  readonly parent: Int32Array;
  readonly mass: Int32Array;
  // leaves
  readonly points: Float32Array;
  // free lists (stacks)
  readonly freeInternal: Int32Array;
  freeInternalCount: number;
  readonly freeLeaf: Int32Array;
  freeLeafCount: number;
  // sampler: max-heap of weights; heapLeaf[i] = leaf id of entry i
  readonly heapW: Float64Array;
  readonly heapLeaf: Int32Array;
  /** heapSeq[i] = forest update number that sampled entry i (NaN when unknown, e.g. restored from a v1 snapshot). */
  readonly heapSeq: Float64Array;
  heapSize = 0;
  /** Scratch: path of node ids from the root to a leaf; the box of the node being visited. */
  readonly path: Int32Array;
  private readonly curLo: Float64Array;
  private readonly curHi: Float64Array;

  constructor(dim: number, capacity: number) {
    this.dim = dim;
    this.capacity = capacity;
    const ni = capacity - 1;
    this.cutDim = new Uint16Array(ni);
    this.cutVal = new Float32Array(ni);
    this.left = new Int32Array(ni).fill(NONE);
    this.right = new Int32Array(ni).fill(NONE);
    this.boxMin = new Float32Array(ni * dim);
    this.boxMax = new Float32Array(ni * dim);
    this.parent = new Int32Array(2 * capacity).fill(NONE);
    this.mass = new Int32Array(2 * capacity);
    this.points = new Float32Array(capacity * dim);
    this.freeInternal = new Int32Array(ni);
    this.freeLeaf = new Int32Array(capacity);
    // Stacks popped from the end: lowest ids are used first.
    for (let i = 0; i < ni; i++) this.freeInternal[i] = ni - 1 - i;
    for (let i = 0; i < capacity; i++) this.freeLeaf[i] = 2 * capacity - 1 - i;
    this.freeInternalCount = ni;
    this.freeLeafCount = capacity;
    this.heapW = new Float64Array(capacity);
    this.heapLeaf = new Int32Array(capacity);
    this.heapSeq = new Float64Array(capacity).fill(Number.NaN);
    this.path = new Int32Array(capacity + 1);
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

  /** Lower corner of a node's box in dimension d. */
  private lo(node: number, d: number): number {
    return node >= this.capacity
      ? this.points[(node - this.capacity) * this.dim + d]!
      : this.boxMin[node * this.dim + d]!;
  }
  private hi(node: number, d: number): number {
    return node >= this.capacity
      ? this.points[(node - this.capacity) * this.dim + d]!
      : this.boxMax[node * this.dim + d]!;
  }

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
        const o = (node - cap) * dim;
        for (let d = 0; d < dim; d++) bLo[d] = bHi[d] = this.points[o + d]!;
      } else {
        const o = node * dim;
        for (let d = 0; d < dim; d++) {
          bLo[d] = this.boxMin[o + d]!;
          bHi[d] = this.boxMax[o + d]!;
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
        const o = inner * dim;
        for (let d = 0; d < dim; d++) {
          const x = point[d]!;
          const a = bLo[d]!;
          const b = bHi[d]!;
          this.boxMin[o + d] = x < a ? x : a;
          this.boxMax[o + d] = x > b ? x : b;
        }
        if (par === NONE) this.root = inner;
        else if (this.left[par] === node) this.left[par] = inner;
        else this.right[par] = inner;
        // Ancestors above `inner` were already extended on the way down.
        return leaf;
      }
      // Descend: this node's box and mass grow by the point.
      this.mass[node]!++;
      const o = node * dim;
      for (let d = 0; d < dim; d++) {
        const x = point[d]!;
        if (x < bLo[d]!) this.boxMin[o + d] = x;
        if (x > bHi[d]!) this.boxMax[o + d] = x;
      }
      node = point[this.cutDim[node]!]! <= this.cutVal[node]! ? this.left[node]! : this.right[node]!;
    }
  }

  private newLeaf(point: Float32Array): number {
    const leaf = this.freeLeaf[--this.freeLeafCount]!;
    this.points.set(point, (leaf - this.capacity) * this.dim);
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
    const l = this.left[n]!;
    const r = this.right[n]!;
    const o = n * dim;
    let changed = false;
    for (let d = 0; d < dim; d++) {
      const a = this.lo(l, d);
      const b = this.lo(r, d);
      const c = this.hi(l, d);
      const e = this.hi(r, d);
      const mn = a < b ? a : b;
      const mx = c > e ? c : e;
      if (mn !== this.boxMin[o + d] || mx !== this.boxMax[o + d]) {
        changed = true;
        this.boxMin[o + d] = mn;
        this.boxMax[o + d] = mx;
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
    const lo = (node - cap) * dim;
    const pts = this.points;
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
    const bmin = this.boxMin;
    const bmax = this.boxMax;
    for (let k = depth - 1; k >= 0; k--) {
      const n = path[k]!;
      const o = n * dim;
      let gapSum = 0;
      let newRange = 0;
      for (let d = 0; d < dim; d++) {
        const x = q[d]!;
        const a = bmin[o + d]!;
        const b = bmax[o + d]!;
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
          const a = bmin[o + d]!;
          const b = bmax[o + d]!;
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
