import { AnomalyDetector, type DetectorOptions } from './detector';
import { NONE, type Tree } from './tree';

/**
 * Binary snapshot of an AnomalyDetector, little-endian:
 *   "SFRCF\0" (6 bytes) · u16 version · u32 body length · body · u32 CRC-32 of everything before it.
 * Body (version 1): options · detector state (count, lastSequence, lastTimestampMs, warm-up buffer, normalisation,
 * shingle) · thresholder statistics · forest (PRNG state, update count) · table of distinct sampled points (u32 count, f32 values; a point sampled by several trees is stored once) · per tree:
 * sampler heap (f64 weights, u16 leaf ids), free lists, leaf masses with u32 point-table references for live leaves,
 * live internal nodes (cut dimension, f32 cut, children). Parent links, internal masses and bounding boxes are recomputed on restore.
 */
export const SNAPSHOT_MAGIC = 'SFRCF\0';
export const SNAPSHOT_VERSION = 1;

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

class Writer {
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
  setU32(at: number, v: number): void {
    this.view.setUint32(at, v >>> 0, true);
  }
  finish(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }
}

class Reader {
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
  f64s(into: Float64Array, what: string): void {
    for (let i = 0; i < into.length; i++) into[i] = this.f64(what);
  }
}

const ID_NONE = 0xffff;
const idOut = (id: number): number => (id === NONE ? ID_NONE : id);
const idIn = (v: number): number => (v === ID_NONE ? NONE : v);

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export function encodeDetector(d: AnomalyDetector): Uint8Array {
  if (!LITTLE_ENDIAN) throw new SnapshotError('snapshots are written on little-endian platforms only');
  const w = new Writer();
  for (let i = 0; i < SNAPSHOT_MAGIC.length; i++) w.u8(SNAPSHOT_MAGIC.charCodeAt(i));
  w.u16(SNAPSHOT_VERSION);
  const lengthAt = w.pos;
  w.u32(0);
  const o = d.options;
  w.u16(o.dimensions);
  w.u16(o.shingleSize);
  w.u16(o.numberOfTrees);
  w.u16(o.sampleSize);
  w.f64(o.timeDecay);
  w.u32(o.warmup);
  w.u8(o.normalize ? 1 : 0);
  w.u32(o.seed);
  const t = o.thresholder;
  w.f64(t.scoreDecay);
  w.u32(t.minScores);
  w.f64(t.zLow);
  w.f64(t.gradeSpan);
  w.f64(t.absoluteThreshold);
  w.f64(t.minRelativeDeviation);
  w.f64(t.suppressionHorizon);
  w.f64(t.escalation);
  // detector state
  w.f64(d.count);
  if (d.lastSequence === undefined) w.u8(0);
  else {
    w.u8(1);
    const s = new TextEncoder().encode(d.lastSequence);
    w.u32(s.length);
    w.bytes(s);
  }
  if (d.lastTimestampMs === undefined) w.u8(0);
  else {
    w.u8(1);
    w.f64(d.lastTimestampMs);
  }
  w.u32(d.warmupBuffer.length);
  w.f64s(d.warmupBuffer);
  w.f64s(d.center);
  w.f64s(d.scale);
  w.f64s(d.lastValue);
  w.f64s(d.shingle);
  w.u16(d.shingleFill);
  w.u16(d.shingleHead);
  // thresholder
  const th = d.thresholder;
  w.f64(th.count);
  w.f64(th.weight);
  w.f64(th.sum);
  w.f64(th.sumSq);
  w.f64(th.lastAlertGrade);
  w.f64(th.stepsSinceAlert);
  // forest
  const f = d.forest;
  for (let i = 0; i < 4; i++) w.u32(f.rng.state[i]!);
  w.f64(f.updates);
  // Point table: a sampled point usually sits in several trees; store each distinct point once. Keys are the
  // float32 bytes in memory order, written as is (little-endian, like every platform Node runs Lambda on).
  const dim = f.dimensions;
  const index = new Map<string, number>();
  const refs = f.trees.map((t) => {
    const r = new Int32Array(t.capacity).fill(-1);
    const bytes = new Uint8Array(t.points.buffer, t.points.byteOffset, t.points.byteLength);
    for (let s = 0; s < t.capacity; s++) {
      if (t.mass[t.capacity + s] === 0) continue;
      const key = String.fromCharCode(...bytes.subarray(s * dim * 4, (s + 1) * dim * 4));
      let k = index.get(key);
      if (k === undefined) {
        k = index.size;
        index.set(key, k);
      }
      r[s] = k;
    }
    return r;
  });
  w.u32(index.size);
  for (const key of index.keys()) for (let i = 0; i < key.length; i++) w.u8(key.charCodeAt(i));
  f.trees.forEach((tree, i) => writeTree(w, tree, refs[i]!));
  w.setU32(lengthAt, w.pos - lengthAt - 4);
  const bytes = w.finish();
  const out = new Uint8Array(bytes.length + 4);
  out.set(bytes);
  new DataView(out.buffer).setUint32(bytes.length, crc32(bytes), true);
  return out;
}

function writeTree(w: Writer, t: Tree, pointRefs: Int32Array): void {
  const cap = t.capacity;
  w.u16(idOut(t.root));
  w.u16(t.heapSize);
  for (let i = 0; i < t.heapSize; i++) w.f64(t.heapW[i]!);
  for (let i = 0; i < t.heapSize; i++) w.u16(t.heapLeaf[i]!);
  w.u16(t.freeInternalCount);
  for (let i = 0; i < t.freeInternalCount; i++) w.u16(t.freeInternal[i]!);
  w.u16(t.freeLeafCount);
  for (let i = 0; i < t.freeLeafCount; i++) w.u16(t.freeLeaf[i]!);
  for (let s = 0; s < cap; s++) {
    const m = t.mass[cap + s]!;
    w.u16(m);
    if (m > 0) w.u32(pointRefs[s]!);
  }
  for (let n = 0; n < cap - 1; n++) {
    const live = t.left[n] !== NONE;
    w.u8(live ? 1 : 0);
    if (!live) continue;
    w.u16(t.cutDim[n]!);
    w.f32(t.cutVal[n]!);
    w.u16(t.left[n]!);
    w.u16(t.right[n]!);
  }
}

export function decodeDetector(bytes: Uint8Array): AnomalyDetector {
  if (!(bytes instanceof Uint8Array)) throw new SnapshotError('snapshot must be a Uint8Array');
  const headerLen = SNAPSHOT_MAGIC.length + 2 + 4;
  if (bytes.length < headerLen + 4) throw new SnapshotError(`snapshot too short (${bytes.length} bytes)`);
  for (let i = 0; i < SNAPSHOT_MAGIC.length; i++) {
    if (bytes[i] !== SNAPSHOT_MAGIC.charCodeAt(i)) throw new SnapshotError('not an RCF detector snapshot (bad magic)');
  }
  const head = new Reader(bytes, bytes.length);
  head.pos = SNAPSHOT_MAGIC.length;
  const version = head.u16('version');
  if (version !== SNAPSHOT_VERSION) {
    throw new SnapshotError(`unsupported snapshot version ${version} (this library reads version ${SNAPSHOT_VERSION})`);
  }
  const bodyLen = head.u32('length');
  const end = headerLen + bodyLen;
  if (end + 4 !== bytes.length) {
    throw new SnapshotError(`snapshot length mismatch: header says ${end + 4} bytes, got ${bytes.length}`);
  }
  const stored = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(end, true);
  const actual = crc32(bytes, end);
  if (stored !== actual) throw new SnapshotError('snapshot checksum mismatch (corrupted data)');
  const r = new Reader(bytes, end);
  r.pos = headerLen;
  let options: DetectorOptions;
  try {
    options = {
      dimensions: r.u16('dimensions'),
      shingleSize: r.u16('shingleSize'),
      numberOfTrees: r.u16('numberOfTrees'),
      sampleSize: r.u16('sampleSize'),
      timeDecay: r.f64('timeDecay'),
      warmup: r.u32('warmup'),
      normalize: r.u8('normalize') === 1,
      seed: r.u32('seed'),
      thresholder: {
        scoreDecay: r.f64('scoreDecay'),
        minScores: r.u32('minScores'),
        zLow: r.f64('zLow'),
        gradeSpan: r.f64('gradeSpan'),
        absoluteThreshold: r.f64('absoluteThreshold'),
        minRelativeDeviation: r.f64('minRelativeDeviation'),
        suppressionHorizon: r.f64('suppressionHorizon'),
        escalation: r.f64('escalation'),
      },
    };
  } catch (e) {
    throw e instanceof SnapshotError ? e : new SnapshotError(String(e));
  }
  let d: AnomalyDetector;
  try {
    d = new AnomalyDetector(options);
  } catch (e) {
    throw new SnapshotError(`snapshot holds invalid options: ${(e as Error).message}`);
  }
  const count = r.f64('count');
  if (!Number.isInteger(count) || count < 0) throw new SnapshotError(`invalid record count ${count}`);
  d.count = count;
  if (r.u8('lastSequence flag') === 1) {
    const n = r.u32('lastSequence length');
    d.lastSequence = new TextDecoder('utf-8', { fatal: true }).decode(r.bytes(n, 'lastSequence'));
  }
  if (r.u8('lastTimestamp flag') === 1) d.lastTimestampMs = r.f64('lastTimestampMs');
  const wl = r.u32('warm-up length');
  const expectedWarm = count < options.warmup ? options.dimensions * options.warmup : 0;
  if (wl !== expectedWarm) throw new SnapshotError(`warm-up buffer has ${wl} values, expected ${expectedWarm}`);
  d.warmupBuffer = new Float64Array(wl);
  r.f64s(d.warmupBuffer, 'warm-up buffer');
  r.f64s(d.center, 'center');
  r.f64s(d.scale, 'scale');
  r.f64s(d.lastValue, 'last values');
  r.f64s(d.shingle, 'shingle');
  d.shingleFill = r.u16('shingleFill');
  d.shingleHead = r.u16('shingleHead');
  if (d.shingleFill > options.shingleSize || d.shingleHead >= options.shingleSize) {
    throw new SnapshotError('invalid shingle position');
  }
  const th = d.thresholder;
  th.count = r.f64('thresholder count');
  th.weight = r.f64('thresholder weight');
  th.sum = r.f64('thresholder sum');
  th.sumSq = r.f64('thresholder sumSq');
  th.lastAlertGrade = r.f64('lastAlertGrade');
  th.stepsSinceAlert = r.f64('stepsSinceAlert');
  const f = d.forest;
  for (let i = 0; i < 4; i++) f.rng.state[i] = r.u32('random state');
  f.updates = r.f64('forest updates');
  const dim = f.dimensions;
  const pointCount = r.u32('point table size');
  const maxPoints = f.trees.length * options.sampleSize;
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
  if (r.pos !== end) throw new SnapshotError(`snapshot has ${end - r.pos} unexpected trailing bytes`);
  return d;
}

function readTree(r: Reader, t: Tree, index: number, table: Float32Array): void {
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
      t.points.set(table.subarray(ref * dim, (ref + 1) * dim), s * dim);
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
