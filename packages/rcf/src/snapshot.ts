import type { RandomCutForest } from './forest';
import { Random } from './random';
import { NONE, type Tree } from './tree';

/**
 * Binary snapshot framing and the forest section. Each module owns the section of its own state: detector.ts the
 * detector options and state, thresholder.ts the thresholder (a length-prefixed section with its own version), this
 * module the forest. This module imports none of them (no cycle).
 *
 * Frame, little-endian: "SFRCF\0" (6 bytes) · u16 version · u32 body length · body · u32 CRC-32 of everything before.
 *
 * Version 2 forest section (samplers, not trees — like random-cut-forest-by-aws' mapper without tree state):
 *   PRNG state, update count; u16 record dimensions, u16 shingle size; the distinct input records the sampled
 *   points are made of (a shingled point at update q is records q-1 … q+shingle-2, so neighbouring samples share
 *   records): run-length coded indices, f32 values; a point table (f32) for entries whose update number is unknown
 *   (restored from version 1); per tree: the heap's max weight (f64), the sampled update numbers (sorted, varint
 *   deltas) and the table entries (u32 ref, f64 weight).
 *   Restore rebuilds each tree by inserting its points (random cuts from a PRNG seeded by seed, tree and update
 *   count) and redraws each non-max entry's weight from its distribution truncated below the stored max (given the
 *   sample and its max, the other weights are independent and so distributed). The restored forest is therefore a
 *   different draw of the same random structure, not a bit copy: see docs/streaming.md for the NAB measurement.
 * Version 3 has the layout of version 2; only the restore differs: each tree is built in one pass from its sampled
 *   points (recursive range-proportional cuts over the whole sample, a random cut tree of the same distribution as
 *   one grown by insertions: Guha et al. 2016, theorem 3) instead of 256 insertions, so a restore takes a few
 *   milliseconds instead of hundreds. Version-2 snapshots are still rebuilt by insertion, exactly as the version-2
 *   code did.
 * Version 1 (written by commit 606e60a and before): exact trees with a shared point table; still read.
 */
export const SNAPSHOT_MAGIC = 'SFRCF\0';
export const SNAPSHOT_VERSION = 3;
/** Versions `openSnapshot` accepts. */
export const SNAPSHOT_VERSIONS_READ: readonly number[] = [1, 2, 3];

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export class SnapshotError extends Error {
  override readonly name = 'SnapshotError';
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32(bytes: Uint8Array, end = bytes.length): number {
  let c = 0xffffffff;
  for (let i = 0; i < end; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** Little-endian byte writer for snapshot sections (used by the modules that own each section). */
export class SnapshotWriter {
  private buf = new Uint8Array(1 << 16);
  private view = new DataView(this.buf.buffer);
  pos = 0;
  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const b = new Uint8Array(size);
    b.set(this.buf.subarray(0, this.pos));
    this.buf = b;
    this.view = new DataView(b.buffer);
  }
  u8(v: number): void {
    this.ensure(1);
    this.view.setUint8(this.pos, v);
    this.pos += 1;
  }
  u16(v: number): void {
    this.ensure(2);
    this.view.setUint16(this.pos, v, true);
    this.pos += 2;
  }
  u32(v: number): void {
    this.ensure(4);
    this.view.setUint32(this.pos, v >>> 0, true);
    this.pos += 4;
  }
  f32(v: number): void {
    this.ensure(4);
    this.view.setFloat32(this.pos, v, true);
    this.pos += 4;
  }
  f64(v: number): void {
    this.ensure(8);
    this.view.setFloat64(this.pos, v, true);
    this.pos += 8;
  }
  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }
  f64s(a: ArrayLike<number>): void {
    for (let i = 0; i < a.length; i++) this.f64(a[i]!);
  }
  /** Unsigned LEB128 of a non-negative integer up to 2^53. */
  varint(v: number): void {
    this.ensure(8);
    const b = this.buf;
    while (v >= 128) {
      b[this.pos++] = (v % 128) | 128;
      v = Math.floor(v / 128);
    }
    b[this.pos++] = v;
  }
  f32s(a: ArrayLike<number>): void {
    this.ensure(4 * a.length);
    if (a instanceof Float32Array) {
      // Little-endian platform (checked by frameSnapshot): the bytes are the little-endian encoding.
      this.buf.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), this.pos);
      this.pos += a.byteLength;
      return;
    }
    for (let i = 0; i < a.length; i++) {
      this.view.setFloat32(this.pos, a[i]!, true);
      this.pos += 4;
    }
  }
  setU32(at: number, v: number): void {
    this.view.setUint32(at, v >>> 0, true);
  }
  finish(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }
}

/** Bounds-checked little-endian reader; every read names what it reads for the error message. */
export class SnapshotReader {
  private readonly view: DataView;
  pos = 0;
  constructor(
    private readonly buf: Uint8Array,
    private readonly end: number
  ) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  private need(n: number, what: string): void {
    if (this.pos + n > this.end)
      throw new SnapshotError(`snapshot truncated while reading ${what} at byte ${this.pos}`);
  }
  u8(what: string): number {
    this.need(1, what);
    return this.view.getUint8(this.pos++);
  }
  u16(what: string): number {
    this.need(2, what);
    const v = this.view.getUint16(this.pos, true);
    this.pos += 2;
    return v;
  }
  u32(what: string): number {
    this.need(4, what);
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }
  f32(what: string): number {
    this.need(4, what);
    const v = this.view.getFloat32(this.pos, true);
    this.pos += 4;
    return v;
  }
  f64(what: string): number {
    this.need(8, what);
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }
  bytes(n: number, what: string): Uint8Array {
    this.need(n, what);
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }
  varint(what: string): number {
    let v = 0;
    let mul = 1;
    for (let i = 0; i < 8; i++) {
      const b = this.u8(what);
      v += (b & 127) * mul;
      if (b < 128) return v;
      mul *= 128;
    }
    throw new SnapshotError(`${what}: variable-length integer too long at byte ${this.pos}`);
  }
  f32s(into: Float32Array, what: string): void {
    this.need(4 * into.length, what);
    if (LITTLE_ENDIAN) {
      new Uint8Array(into.buffer, into.byteOffset, into.byteLength).set(
        this.buf.subarray(this.pos, this.pos + 4 * into.length)
      );
      this.pos += 4 * into.length;
      return;
    }
    for (let i = 0; i < into.length; i++) {
      into[i] = this.view.getFloat32(this.pos, true);
      this.pos += 4;
    }
  }
  f64s(into: Float64Array, what: string): void {
    for (let i = 0; i < into.length; i++) into[i] = this.f64(what);
  }
}

const HEADER_LEN = SNAPSHOT_MAGIC.length + 2 + 4;

/** Writes magic, version and length, lets `body` write the sections, appends the CRC-32. */
export function frameSnapshot(body: (w: SnapshotWriter) => void): Uint8Array {
  if (!LITTLE_ENDIAN) throw new SnapshotError('snapshots are written on little-endian platforms only');
  const w = new SnapshotWriter();
  for (let i = 0; i < SNAPSHOT_MAGIC.length; i++) w.u8(SNAPSHOT_MAGIC.charCodeAt(i));
  w.u16(SNAPSHOT_VERSION);
  const lengthAt = w.pos;
  w.u32(0);
  body(w);
  w.setU32(lengthAt, w.pos - lengthAt - 4);
  const bytes = w.finish();
  const out = new Uint8Array(bytes.length + 4);
  out.set(bytes);
  new DataView(out.buffer).setUint32(bytes.length, crc32(bytes), true);
  return out;
}

/** Checks magic, version, length and checksum; returns a reader positioned at the body. */
export function openSnapshot(bytes: Uint8Array): { version: number; r: SnapshotReader; end: number } {
  if (!(bytes instanceof Uint8Array)) throw new SnapshotError('snapshot must be a Uint8Array');
  if (bytes.length < HEADER_LEN + 4) throw new SnapshotError(`snapshot too short (${bytes.length} bytes)`);
  for (let i = 0; i < SNAPSHOT_MAGIC.length; i++) {
    if (bytes[i] !== SNAPSHOT_MAGIC.charCodeAt(i)) throw new SnapshotError('not an RCF detector snapshot (bad magic)');
  }
  const head = new SnapshotReader(bytes, bytes.length);
  head.pos = SNAPSHOT_MAGIC.length;
  const version = head.u16('version');
  if (!SNAPSHOT_VERSIONS_READ.includes(version)) {
    throw new SnapshotError(
      `unsupported snapshot version ${version} (this library reads versions ${SNAPSHOT_VERSIONS_READ.join(', ')})`
    );
  }
  const bodyLen = head.u32('length');
  const end = HEADER_LEN + bodyLen;
  if (end + 4 !== bytes.length) {
    throw new SnapshotError(`snapshot length mismatch: header says ${end + 4} bytes, got ${bytes.length}`);
  }
  const stored = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(end, true);
  if (stored !== crc32(bytes, end)) throw new SnapshotError('snapshot checksum mismatch (corrupted data)');
  const r = new SnapshotReader(bytes, end);
  r.pos = HEADER_LEN;
  return { version, r, end };
}

/** Limits the dense record window of an encode (older entries go to the point table). */
const MAX_RECORD_SPAN = 1 << 20;

/**
 * Writes the forest section (version 2). `recordDims` × `shingleSize` must equal the forest's dimensions: a point
 * sampled at update q is taken to be records q-1 … q+shingleSize-2; entries that do not fit that (or whose update
 * number is unknown) are stored as whole points.
 */
export function writeForest(w: SnapshotWriter, f: RandomCutForest, recordDims: number, shingleSize: number): void {
  const dim = f.dimensions;
  if (recordDims * shingleSize !== dim) throw new SnapshotError('record dimensions × shingle ≠ forest dimensions');
  for (let i = 0; i < 4; i++) w.u32(f.rng.state[i]!);
  w.f64(f.updates);
  w.u16(recordDims);
  w.u16(shingleSize);
  // Window of record indices [lo, lo + span) covering the sampled updates with known numbers.
  let minSeq = Number.POSITIVE_INFINITY;
  let maxSeq = 0;
  for (const t of f.trees)
    for (let i = 0; i < t.heapSize; i++) {
      const q = t.heapSeq[i]!;
      if (Number.isNaN(q)) continue;
      if (q < minSeq) minSeq = q;
      if (q > maxSeq) maxSeq = q;
    }
  if (maxSeq - MAX_RECORD_SPAN > minSeq) minSeq = maxSeq - MAX_RECORD_SPAN;
  const lo = Number.isFinite(minSeq) ? minSeq - 1 : 0;
  const span = Number.isFinite(minSeq) ? maxSeq - lo + shingleSize - 1 : 0;
  const rec = new Float32Array(span * recordDims);
  const recBits = new Uint32Array(rec.buffer);
  const has = new Uint8Array(span);
  const trees = f.trees;
  const vals = f.store.values;
  const pb = new Uint32Array(vals.buffer, vals.byteOffset, vals.length);
  // An entry (update q, point in slot s) is decided once for all trees that sampled it: the trees of one update
  // share its slot, so the same pair comes up about 3.5 times at the defaults.
  const memoSeq = new Float64Array(f.store.capacity).fill(Number.NaN);
  const memoOk = new Uint8Array(f.store.capacity);
  // One pass: each record is taken from the first entry that covers it (first writer wins); an entry is expressible
  // by the records when every record it covers was written by it or matches it (records never change once written,
  // so this is the same as checking every entry against the final records).
  const byRecords: Uint8Array[] = trees.map((t) => {
    const ok = new Uint8Array(t.heapSize);
    for (let i = 0; i < t.heapSize; i++) {
      const q = t.heapSeq[i]!;
      if (!(q >= minSeq)) continue; // NaN (unknown) or outside the window
      const slot = t.leafSlot[t.heapLeaf[i]! - t.capacity]!;
      if (memoSeq[slot] === q) {
        ok[i] = memoOk[slot]!;
        continue;
      }
      const base = slot * dim;
      let good = 1;
      for (let k = 0; k < shingleSize; k++) {
        const ri = (q - 1 + k - lo) | 0; // < span (int32)
        const ro = ri * recordDims;
        const po = base + k * recordDims;
        if (has[ri] === 1) {
          if (good === 1) {
            for (let j = 0; j < recordDims; j++) {
              if (recBits[ro + j] !== pb[po + j]) {
                good = 0;
                break;
              }
            }
          }
          continue;
        }
        has[ri] = 1;
        for (let j = 0; j < recordDims; j++) recBits[ro + j] = pb[po + j]!;
      }
      ok[i] = good;
      memoSeq[slot] = q;
      memoOk[slot] = good;
    }
    return ok;
  });
  // Records: runs of consecutive indices.
  const runs: [number, number][] = [];
  for (let i = 0; i < span; i++) {
    if (!has[i]) continue;
    const last = runs[runs.length - 1];
    if (last !== undefined && last[0] + last[1] === i) last[1]++;
    else runs.push([i, 1]);
  }
  w.f64(lo);
  w.u32(runs.length);
  let prevEnd = 0;
  for (const [start, len] of runs) {
    w.varint(start - prevEnd);
    w.varint(len);
    prevEnd = start + len;
  }
  for (const [start, len] of runs) w.f32s(rec.subarray(start * recordDims, (start + len) * recordDims));
  // Point table for entries not expressible by records.
  const table: [number, number][] = [];
  f.trees.forEach((t, ti) => {
    for (let i = 0; i < t.heapSize; i++) if (byRecords[ti]![i] === 0) table.push([ti, i]);
  });
  w.u32(table.length);
  for (const [ti, i] of table) {
    const t = f.trees[ti]!;
    const base = t.leafSlot[t.heapLeaf[i]! - t.capacity]! * dim;
    w.f32s(vals.subarray(base, base + dim));
  }
  const sortedSeqs = seqsAscending(f, byRecords, lo, span);
  let ref = 0;
  f.trees.forEach((t, ti) => {
    const ok = byRecords[ti]!;
    const seqs = sortedSeqs[ti]!;
    w.u16(t.heapSize);
    w.f64(t.heapSize > 0 ? t.heapW[0]! : 0);
    // Which entry holds the max: by update number (varint + 1) or 0 when it is a table entry.
    w.varint(t.heapSize > 0 && ok[0] === 1 ? t.heapSeq[0]! + 1 : 0);
    w.u16(seqs.length);
    let prev = 0;
    for (const q of seqs) {
      w.varint(q - prev);
      prev = q;
    }
    w.u16(t.heapSize - seqs.length);
    for (let i = 0; i < t.heapSize; i++) {
      if (ok[i] === 1) continue;
      w.u32(ref++);
      w.f64(t.heapW[i]!);
    }
  });
}

/**
 * Per tree, the update numbers of its entries expressed by records (`ok[i] = 1`), ascending: one counting sort over
 * the record window for all trees (update q at key q − lo, in [1, span)) instead of a sort per tree. A tree samples
 * an update at most once, so its list has no ties.
 */
function seqsAscending(f: RandomCutForest, byRecords: readonly Uint8Array[], lo: number, span: number): Float64Array[] {
  const trees = f.trees;
  const start = new Int32Array(span + 1);
  const counts = new Int32Array(trees.length);
  let total = 0;
  trees.forEach((t, ti) => {
    const ok = byRecords[ti]!;
    for (let i = 0; i < t.heapSize; i++) {
      if (ok[i] !== 1) continue;
      start[t.heapSeq[i]! - lo]!++;
      counts[ti]!++;
      total++;
    }
  });
  for (let k = 0, sum = 0; k <= span; k++) {
    const c = start[k]!;
    start[k] = sum;
    sum += c;
  }
  const byTree = new Int32Array(total);
  trees.forEach((t, ti) => {
    const ok = byRecords[ti]!;
    for (let i = 0; i < t.heapSize; i++) if (ok[i] === 1) byTree[start[t.heapSeq[i]! - lo]!++] = ti;
  });
  // start[k] is now the end of key k's run: walk the keys in order and deal each entry to its tree.
  const out = trees.map((_, ti) => new Float64Array(counts[ti]!));
  const fill = new Int32Array(trees.length);
  for (let k = 0, pos = 0; k <= span; k++) {
    for (const end = start[k]!; pos < end; pos++) {
      const ti = byTree[pos]!;
      out[ti]![fill[ti]!++] = lo + k;
    }
  }
  return out;
}

/** Seed of the PRNG that rebuilds tree `index` on restore (deterministic: same snapshot, same forest). */
function rebuildSeed(seed: number, updates: number, index: number): number {
  return (seed ^ Math.imul(index + 1, 0x9e3779b1) ^ Math.imul(updates % 0x7fffffff, 0x85ebca6b)) >>> 0;
}

/** Reads the forest section of a version-1, 2 or 3 snapshot into `f` (freshly constructed, empty). */
export function readForest(
  r: SnapshotReader,
  f: RandomCutForest,
  version: number,
  recordDims: number,
  shingleSize: number
): void {
  for (let i = 0; i < 4; i++) f.rng.state[i] = r.u32('random state');
  f.updates = r.f64('forest updates');
  if (!Number.isInteger(f.updates) || f.updates < 0) throw new SnapshotError(`invalid update count ${f.updates}`);
  if (version === 1) return readForestV1(r, f);
  const dim = f.dimensions;
  const rd = r.u16('record dimensions');
  const sh = r.u16('shingle size');
  if (rd !== recordDims || sh !== shingleSize || rd * sh !== dim) {
    throw new SnapshotError(
      `forest section is for ${rd} × ${sh} dimensions, the detector has ${recordDims} × ${shingleSize}`
    );
  }
  const lo = r.f64('record window start');
  const runCount = r.u32('record runs');
  const maxRecords = f.trees.length * f.options.sampleSize * shingleSize;
  if (runCount > maxRecords) throw new SnapshotError(`${runCount} record runs is more than the samples allow`);
  const starts: number[] = [];
  const lens: number[] = [];
  let pos = 0;
  let total = 0;
  for (let i = 0; i < runCount; i++) {
    const start = pos + r.varint('record run');
    const len = r.varint('record run');
    if (len === 0) throw new SnapshotError('empty record run');
    starts.push(start);
    lens.push(len);
    pos = start + len;
    total += len;
    if (total > maxRecords) throw new SnapshotError('more records than the samples allow');
  }
  const span = pos;
  const rec = new Float32Array(span * rd);
  const has = new Uint8Array(span);
  for (let i = 0; i < runCount; i++) {
    const s = starts[i]!;
    const len = lens[i]!;
    r.f32s(rec.subarray(s * rd, (s + len) * rd), 'records');
    has.fill(1, s, s + len);
  }
  for (let i = 0; i < rec.length; i++) {
    if (!Number.isFinite(rec[i]!)) throw new SnapshotError('records hold a non-finite value');
  }
  const tableCount = r.u32('point table size');
  if (tableCount > f.trees.length * f.options.sampleSize)
    throw new SnapshotError('point table larger than the samples');
  const table = new Float32Array(tableCount * dim);
  r.f32s(table, 'point table');
  for (let i = 0; i < table.length; i++) {
    if (!Number.isFinite(table[i]!)) throw new SnapshotError('point table holds a non-finite value');
  }
  const lambda = f.options.timeDecay;
  const point = new Float32Array(dim);
  const cap = f.options.sampleSize;
  const sample = new Float32Array(cap * dim);
  const sampleSlot = new Int32Array(cap);
  const sampleW = new Float64Array(cap);
  const sampleQ = new Float64Array(cap);
  // Version 3: one store slot per sampled update (all trees that sampled it share it) and per table entry, held
  // here until every tree is built (each leaf retains its own), then let go.
  const store = f.store;
  const slotOfRecord = new Int32Array(version === 2 ? 0 : span).fill(NONE);
  const slotOfRef = new Int32Array(version === 2 ? 0 : tableCount).fill(NONE);
  const held: number[] = [];
  const hold = (s: number): number => {
    held.push(s);
    return s;
  };
  f.trees.forEach((t, ti) => {
    const what = `tree ${ti}`;
    const n = r.u16(what);
    if (n > t.capacity) throw new SnapshotError(`${what}: sampler size ${n} exceeds capacity ${t.capacity}`);
    const maxW = r.f64(what);
    const maxRef = r.varint(what);
    const nSeq = r.u16(what);
    const seqs: number[] = [];
    let q = 0;
    for (let i = 0; i < nSeq; i++) {
      q += r.varint(what);
      if (q < 1 || q > f.updates) throw new SnapshotError(`${what}: sampled update ${q} out of range`);
      seqs.push(q);
    }
    const nTable = r.u16(what);
    if (nSeq + nTable !== n) throw new SnapshotError(`${what}: entry counts do not add up`);
    const refs: number[] = [];
    const weights: number[] = [];
    for (let i = 0; i < nTable; i++) {
      const ref = r.u32(what);
      if (ref >= tableCount) throw new SnapshotError(`${what}: point table reference ${ref} out of range`);
      refs.push(ref);
      const wt = r.f64(what);
      if (!(wt <= maxW)) throw new SnapshotError(`${what}: entry weight above the sampler max`);
      weights.push(wt);
    }
    if (maxRef > 0 && !seqs.includes(maxRef - 1)) throw new SnapshotError(`${what}: max entry not in the sample`);
    const rng = new Random(rebuildSeed(f.options.seed, f.updates, ti));
    let maxPlaced = maxRef === 0;
    // Weight −qλ + ln(−ln u) conditioned on being below the max: u uniform in (exp(−exp(max + qλ)), 1).
    const redraw = (s: number): number => {
      if (!maxPlaced && s === maxRef - 1) {
        maxPlaced = true;
        return maxW;
      }
      const e = Math.exp(-Math.exp(maxW + s * lambda));
      let u = e + (1 - e) * rng.nextOpenUnit();
      if (u >= 1) u = 1 - 2 ** -53;
      return Math.min(-s * lambda + Math.log(-Math.log(u)), maxW);
    };
    const gather = (s: number, into: Float32Array, at: number): void => {
      for (let k = 0; k < shingleSize; k++) {
        const ri = s - 1 + k - lo;
        if (!(ri >= 0 && ri < span && has[ri])) throw new SnapshotError(`${what}: sampled update ${s} lacks records`);
        const from = ri * rd;
        const to = at + k * rd;
        for (let j = 0; j < rd; j++) into[to + j] = rec[from + j]!;
      }
    };
    if (version === 2) {
      // Version 2: rebuilt by insertion, weights and cuts from one PRNG, exactly as the version-2 code restored.
      for (const s of seqs) {
        gather(s, point, 0);
        const wt = redraw(s);
        t.heapPush(wt, t.insert(point, rng), s);
      }
      for (let i = 0; i < nTable; i++) {
        point.set(table.subarray(refs[i]! * dim, (refs[i]! + 1) * dim));
        t.heapPush(weights[i]!, t.insert(point, rng));
      }
    } else {
      for (let i = 0; i < nSeq; i++) {
        const s = seqs[i]!;
        gather(s, sample, i * dim);
        const ri = s - 1 - lo; // in [0, span): gather checked it
        if (slotOfRecord[ri] === NONE) slotOfRecord[ri] = hold(store.take(sample.subarray(i * dim, (i + 1) * dim)));
        sampleSlot[i] = slotOfRecord[ri]!;
        sampleW[i] = redraw(s);
        sampleQ[i] = s;
      }
      for (let i = 0; i < nTable; i++) {
        const ref = refs[i]!;
        const from = ref * dim;
        const to = (nSeq + i) * dim;
        for (let j = 0; j < dim; j++) sample[to + j] = table[from + j]!;
        if (slotOfRef[ref] === NONE) slotOfRef[ref] = hold(store.take(table.subarray(from, from + dim)));
        sampleSlot[nSeq + i] = slotOfRef[ref]!;
        sampleW[nSeq + i] = weights[i]!;
        sampleQ[nSeq + i] = Number.NaN;
      }
      t.buildFrom(sample, sampleSlot, n, sampleW, sampleQ, rng);
    }
    if (n > 0 && t.heapW[0] !== maxW) throw new SnapshotError(`${what}: sampler max weight not restored`);
  });
  for (const s of held) store.release(s);
}

function readForestV1(r: SnapshotReader, f: RandomCutForest): void {
  const dim = f.dimensions;
  const pointCount = r.u32('point table size');
  const maxPoints = f.trees.length * f.options.sampleSize;
  if (pointCount > maxPoints) {
    throw new SnapshotError(`point table has ${pointCount} points, more than the ${maxPoints} samples`);
  }
  const table = new Float32Array(pointCount * dim);
  for (let i = 0; i < table.length; i++) {
    const v = r.f32('point table');
    if (!Number.isFinite(v)) throw new SnapshotError('point table holds a non-finite value');
    table[i] = v;
  }
  f.trees.forEach((tree, i) => readTree(r, tree, i, table));
}

const ID_NONE = 0xffff;
const idIn = (v: number): number => (v === ID_NONE ? NONE : v);

function readTree(r: SnapshotReader, t: Tree, index: number, table: Float32Array): void {
  const cap = t.capacity;
  const dim = t.dim;
  const bad = (why: string): never => {
    throw new SnapshotError(`tree ${index}: ${why}`);
  };
  const what = `tree ${index}`;
  t.root = idIn(r.u16(what));
  if (t.root !== NONE && t.root >= 2 * cap) bad('root id out of range');
  const hs = r.u16(what);
  if (hs > cap) bad(`sampler size ${hs} exceeds capacity ${cap}`);
  t.heapSize = hs;
  for (let i = 0; i < hs; i++) t.heapW[i] = r.f64(what);
  for (let i = 0; i < hs; i++) {
    const leaf = r.u16(what);
    if (leaf < cap || leaf >= 2 * cap) bad('sampler entry does not reference a leaf');
    t.heapLeaf[i] = leaf;
  }
  for (let i = 1; i < hs; i++) if (t.heapW[(i - 1) >> 1]! < t.heapW[i]!) bad('sampler heap order violated');
  t.freeInternalCount = r.u16(what);
  if (t.freeInternalCount > cap - 1) bad('free internal list too long');
  for (let i = 0; i < t.freeInternalCount; i++) t.freeInternal[i] = r.u16(what);
  t.freeLeafCount = r.u16(what);
  if (t.freeLeafCount > cap) bad('free leaf list too long');
  for (let i = 0; i < t.freeLeafCount; i++) t.freeLeaf[i] = r.u16(what);
  let liveLeaves = 0;
  let leafMass = 0;
  for (let s = 0; s < cap; s++) {
    const m = r.u16(what);
    t.mass[cap + s] = m;
    if (m > 0) {
      liveLeaves++;
      leafMass += m;
      const ref = r.u32(what);
      if ((ref + 1) * dim > table.length) bad(`leaf ${s} references point ${ref} outside the point table`);
      t.leafSlot[s] = t.store.take(table.subarray(ref * dim, (ref + 1) * dim));
    }
  }
  let liveInternal = 0;
  t.left.fill(NONE);
  t.right.fill(NONE);
  for (let n = 0; n < cap - 1; n++) {
    const live = r.u8(what);
    if (live === 0) continue;
    liveInternal++;
    const cd = r.u16(what);
    if (cd >= dim) bad('cut dimension out of range');
    t.cutDim[n] = cd;
    t.cutVal[n] = r.f32(what);
    t.left[n] = r.u16(what);
    t.right[n] = r.u16(what);
  }
  if (leafMass !== hs) bad(`leaf masses sum to ${leafMass} but the sampler holds ${hs} points`);
  if (t.freeLeafCount !== cap - liveLeaves) bad('free leaf list does not match the live leaves');
  if (t.freeInternalCount !== cap - 1 - liveInternal) bad('free internal list does not match the live nodes');
  if (liveLeaves > 0 && liveInternal !== liveLeaves - 1) bad('node counts are inconsistent');
  let reached: number;
  try {
    reached = t.rebuildDerived();
  } catch (e) {
    return bad((e as Error).message);
  }
  if (reached !== liveLeaves + liveInternal) bad('tree does not reach every live node');
  // Free lists must name exactly the unused slots (later inserts allocate from them).
  const seen = new Uint8Array(2 * cap);
  for (let i = 0; i < t.freeInternalCount; i++) {
    const n = t.freeInternal[i]!;
    if (n >= cap - 1 || t.left[n] !== NONE || seen[n]) bad('free internal list names a live or invalid node');
    seen[n] = 1;
  }
  for (let i = 0; i < t.freeLeafCount; i++) {
    const n = t.freeLeaf[i]!;
    if (n < cap || n >= 2 * cap || t.mass[n] !== 0 || seen[n]) bad('free leaf list names a live or invalid leaf');
    seen[n] = 1;
  }
  // Each leaf's mass must equal the number of sampler entries pointing at it.
  const refs = new Int32Array(cap);
  for (let i = 0; i < hs; i++) refs[t.heapLeaf[i]! - cap]!++;
  for (let s = 0; s < cap; s++) if (refs[s] !== t.mass[cap + s]) bad(`leaf ${s} mass does not match the sampler`);
}
