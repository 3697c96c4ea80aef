/** Sentinel for "no slot" (the same value as tree.ts' NONE; this module imports nothing). */
const NO_SLOT = -1;

/** Slot ids: 16-bit when every id fits (the default 100 trees × 256 samples = 25,600 slots). */
export type SlotIds = Uint16Array | Int32Array;

export function slotIds(maxSlots: number, length: number): SlotIds {
  return maxSlots <= 65_535 ? new Uint16Array(length) : new Int32Array(length);
}

/**
 * The points of a forest's leaves, each stored once for all trees (float32, `dim` values per slot) with the number
 * of leaves that hold it. An update is offered to every tree with the same point, and about 3.5 trees keep each
 * sampled point at the defaults (25,600 samples over about 7,200 distinct updates), so sharing a slot between the
 * trees of one update stores a quarter of the values a per-tree copy would. Slots are allocated on demand (the array
 * grows by doubling up to `maxSlots`, one per sampled point at most) and freed when the last leaf lets go.
 *
 * `values` is replaced when the store grows: read it after any call that can allocate (`take`).
 */
export class PointStore {
  readonly dim: number;
  readonly maxSlots: number;
  values: Float32Array;
  /** refs[s] = number of leaves (in all trees) holding slot s; 0 for a free slot. */
  refs: Uint16Array | Int32Array;
  private free: Int32Array;
  private freeCount = 0;
  /** Slots ever handed out (ids below this are live or on the free list). */
  private used = 0;
  private sharing = false;
  private shared = NO_SLOT;

  constructor(dim: number, maxSlots: number, initialSlots = 1024) {
    this.dim = dim;
    this.maxSlots = maxSlots;
    const n = Math.max(1, Math.min(maxSlots, initialSlots));
    this.values = new Float32Array(n * dim);
    this.refs = this.newRefs(n);
    this.free = new Int32Array(n);
  }

  /** Slots the arrays have room for now. */
  get capacity(): number {
    return this.refs.length;
  }

  /** Slots in use (held by at least one leaf, or by a restore in progress). */
  get live(): number {
    return this.used - this.freeCount;
  }

  /** Bytes of the store's arrays. */
  get byteLength(): number {
    return this.values.byteLength + this.refs.byteLength + this.free.byteLength;
  }

  /**
   * Between `beginShared` and `endShared` (one forest update: the same point offered to every tree), `take` hands
   * every tree the slot the first one allocated.
   */
  beginShared(): void {
    this.sharing = true;
    this.shared = NO_SLOT;
  }

  endShared(): void {
    this.sharing = false;
    this.shared = NO_SLOT;
  }

  /** A slot holding `point` with one more reference: the update's shared slot, or a new one. */
  take(point: ArrayLike<number>): number {
    if (this.sharing && this.shared !== NO_SLOT) {
      this.refs[this.shared]!++;
      return this.shared;
    }
    const s = this.allocate();
    const dim = this.dim;
    const v = this.values;
    const o = s * dim;
    for (let d = 0; d < dim; d++) v[o + d] = point[d]!;
    this.refs[s] = 1;
    if (this.sharing) this.shared = s;
    return s;
  }

  /** One more reference to a live slot. */
  retain(slot: number): void {
    this.refs[slot]!++;
  }

  /** One reference fewer; the slot is freed with its last one. */
  release(slot: number): void {
    const r = this.refs[slot]! - 1;
    if (r < 0) throw new Error(`point slot ${slot} released more often than taken`);
    this.refs[slot] = r;
    if (r === 0) this.free[this.freeCount++] = slot;
  }

  private allocate(): number {
    if (this.freeCount > 0) return this.free[--this.freeCount]!;
    if (this.used === this.capacity) this.grow();
    return this.used++;
  }

  /** Reference counts, 16-bit when the store's ids are (a slot is held by at most one leaf per tree). */
  private newRefs(length: number): Uint16Array | Int32Array {
    return this.maxSlots <= 65_535 ? new Uint16Array(length) : new Int32Array(length);
  }

  private grow(): void {
    const n = this.capacity;
    if (n >= this.maxSlots)
      throw new Error(`point store full: ${n} slots in use, the forest holds at most ${this.maxSlots}`);
    const m = Math.min(this.maxSlots, 2 * n);
    const values = new Float32Array(m * this.dim);
    values.set(this.values);
    this.values = values;
    const refs = this.newRefs(m);
    refs.set(this.refs);
    this.refs = refs;
    const free = new Int32Array(m);
    free.set(this.free.subarray(0, this.freeCount));
    this.free = free;
  }
}
