import { ModelFormatError } from './errors';
import { finish, type TreeData, validateTree, type XGBoostModel } from './model';

/**
 * Reads XGBoost's legacy binary model format (`binf`), as written by `Booster.save_model` in the SageMaker 1.3-1,
 * 1.5-1 and 1.7-1 containers. Little-endian; layout from learner.cc SaveModel / gbtree_model.cc / tree_model.cc.
 * Every read is bounds-checked, so truncated or corrupt bytes give a ModelFormatError.
 */
export function parseLegacyBinary(bytes: Uint8Array): XGBoostModel {
  const r = new Reader(bytes);
  if (r.remaining() >= 4 && bytes[0] === 0x62 && bytes[1] === 0x69 && bytes[2] === 0x6e && bytes[3] === 0x66) r.skip(4);
  // LearnerModelParamLegacy, 136 bytes.
  const base = r.f32();
  const numFeature = r.u32();
  const numClass = r.i32();
  const containExtraAttrs = r.i32();
  r.i32(); // contain_eval_metrics
  const major = r.u32();
  const minor = r.u32();
  const numTarget = r.u32();
  r.skip(136 - 32);
  if (numClass < 0 || numClass > 1 << 20) r.fail(`num_class ${numClass}`);
  if (numFeature > 1 << 28) r.fail(`num_feature ${numFeature}`);
  if (numTarget > 1) r.fail(`multi-target models (num_target=${numTarget}) are not supported`);
  const objective = r.str(256);
  const booster = r.str(64);
  if (!/^[a-z:_]+$/.test(objective)) r.fail(`objective name ${JSON.stringify(objective)}`);
  let baseScore = base;
  if (major < 1) baseScore = preV1BackConvert(objective, base);
  const common = { format: 'binary' as const, version: [major, minor], objective, numFeature, numClass };
  let trees: TreeData[] = [];
  let treeInfo: Int32Array = new Int32Array(0);
  let weightDrop: Float32Array | undefined;
  let linearWeights: Float32Array | undefined;
  let numParallelTree = 1;
  let parallelStored = false;
  if (booster === 'gbtree' || booster === 'dart') {
    const numTrees = r.i32();
    const slot1 = r.i32();
    r.skip(160 - 8);
    if (numTrees < 0) r.fail(`num_trees ${numTrees}`);
    // 1.6+ stores num_parallel_tree here; 1.3/1.5 stored deprecated_num_roots (= 1).
    if (major > 1 || (major === 1 && minor >= 6)) {
      numParallelTree = Math.max(1, slot1);
      parallelStored = true;
    }
    for (let t = 0; t < numTrees; t++) trees.push(readTree(r, t, numFeature));
    if (numTrees > 0) treeInfo = r.i32s(numTrees);
    if (booster === 'dart') {
      const n = r.u64();
      if (n !== numTrees) r.fail(`dart: ${n} weights for ${numTrees} trees`);
      weightDrop = r.f32s(n);
    }
  } else if (booster === 'gblinear') {
    r.skip(136);
    const n = r.u64();
    if (n !== (numFeature + 1) * Math.max(1, numClass)) r.fail(`gblinear: ${n} weights for ${numFeature} features`);
    linearWeights = r.f32s(n);
  } else {
    r.fail(`unsupported booster ${JSON.stringify(booster)}`);
  }
  const attributes: Record<string, string> = {};
  if (containExtraAttrs !== 0) {
    const n = r.u64();
    if (n > 1 << 16) r.fail(`${n} attributes`);
    for (let i = 0; i < n; i++) {
      const k = r.str(1 << 16);
      attributes[k] = r.str(1 << 24);
    }
  }
  if (!parallelStored && trees.length > 0) {
    // 1.3-1 / 1.5-1 files do not store num_parallel_tree; infer it as the training callback set the attributes.
    const limit = Number(attributes['best_ntree_limit']);
    const iter = Number(attributes['best_iteration']);
    if (Number.isInteger(limit) && Number.isInteger(iter) && limit > 0 && limit % (iter + 1) === 0) {
      numParallelTree = Math.max(1, limit / (iter + 1));
    }
  }
  trees = trees.length ? trees : [];
  return finish({
    ...common,
    booster: booster as 'gbtree' | 'dart' | 'gblinear',
    baseScore: [baseScore],
    numParallelTree,
    trees,
    treeInfo,
    weightDrop,
    linearWeights,
    attributes,
  });
}

/** Models written before XGBoost 1.0 stored base_score already in margin space. */
function preV1BackConvert(objective: string, margin: number): number {
  if (objective === 'binary:logistic' || objective === 'reg:logistic') return Math.fround(1 / (1 + Math.exp(-margin)));
  if (['count:poisson', 'reg:gamma', 'reg:tweedie', 'survival:cox', 'survival:aft'].includes(objective))
    return Math.fround(Math.exp(margin));
  return margin;
}

function readTree(r: Reader, t: number, numFeature: number): TreeData {
  const where = `tree ${t}`;
  // TreeParam: 37 int32.
  r.i32(); // deprecated_num_roots
  const numNodes = r.i32();
  r.i32(); // num_deleted
  r.i32(); // deprecated_max_depth
  r.i32(); // num_feature
  const sizeLeafVector = r.i32();
  r.skip(148 - 24);
  if (numNodes < 1 || numNodes * 36 > r.remaining()) r.fail(`${where}: ${numNodes} nodes`);
  if (sizeLeafVector > 1) r.fail('multi-output trees are not supported');
  const left = new Int32Array(numNodes);
  const right = new Int32Array(numNodes);
  const feature = new Uint32Array(numNodes);
  const defaultLeft = new Uint8Array(numNodes);
  const value = new Float32Array(numNodes);
  for (let i = 0; i < numNodes; i++) {
    r.i32(); // parent
    left[i] = r.i32();
    right[i] = r.i32();
    const sindex = r.u32();
    feature[i] = sindex & 0x7fffffff;
    defaultLeft[i] = sindex >>> 31;
    value[i] = r.f32();
  }
  r.skip(16 * numNodes); // NodeStat
  // A leaf is a node whose left child is -1; deleted nodes are unreachable.
  for (let i = 0; i < numNodes; i++) if (left[i] === -1) feature[i] = 0;
  const tree = { left, right, feature, defaultLeft, value };
  validateTree(tree, numFeature, where);
  return tree;
}

class Reader {
  private pos = 0;
  private readonly dv: DataView;
  constructor(private readonly b: Uint8Array) {
    this.dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  }
  fail(msg: string): never {
    throw new ModelFormatError(`corrupt legacy binary model at byte ${this.pos}: ${msg}`);
  }
  remaining(): number {
    return this.b.length - this.pos;
  }
  private need(n: number): void {
    if (n > this.b.length - this.pos) this.fail('unexpected end of file (truncated model?)');
  }
  skip(n: number): void {
    this.need(n);
    this.pos += n;
  }
  i32(): number {
    this.need(4);
    const v = this.dv.getInt32(this.pos, true);
    this.pos += 4;
    return v;
  }
  u32(): number {
    this.need(4);
    const v = this.dv.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }
  f32(): number {
    this.need(4);
    const v = this.dv.getFloat32(this.pos, true);
    this.pos += 4;
    return v;
  }
  u64(): number {
    this.need(8);
    const v = this.dv.getBigUint64(this.pos, true);
    this.pos += 8;
    if (v > BigInt(this.b.length)) this.fail(`impossible length ${v}`);
    return Number(v);
  }
  str(max: number): string {
    const n = this.u64();
    if (n > max) this.fail(`string of ${n} bytes`);
    this.need(n);
    const s = Buffer.from(this.b.buffer, this.b.byteOffset + this.pos, n).toString('utf8');
    this.pos += n;
    return s;
  }
  i32s(n: number): Int32Array {
    this.need(4 * n);
    const a = new Int32Array(n);
    for (let i = 0; i < n; i++) a[i] = this.dv.getInt32(this.pos + 4 * i, true);
    this.pos += 4 * n;
    return a;
  }
  f32s(n: number): Float32Array {
    this.need(4 * n);
    const a = new Float32Array(n);
    for (let i = 0; i < n; i++) a[i] = this.dv.getFloat32(this.pos + 4 * i, true);
    this.pos += 4 * n;
    return a;
  }
}
