import { ModelFormatError } from './errors';

/** One regression tree, node arrays as XGBoost stores them (node 0 is the root). */
export interface TreeData {
  /** Left child per node; -1 marks a leaf. */
  readonly left: Int32Array;
  readonly right: Int32Array;
  /** Split feature per node. */
  readonly feature: Uint32Array;
  /** 1 when a missing value goes left. */
  readonly defaultLeft: Uint8Array;
  /** Split condition for internal nodes, leaf value for leaves (float32). */
  readonly value: Float32Array;
  /** Categorical splits: node -> the categories that go RIGHT. */
  readonly categories?: ReadonlyMap<number, ReadonlySet<number>>;
}

export type BoosterKind = 'gbtree' | 'dart' | 'gblinear';

/** A decoded XGBoost model (one `Booster`), independent of the file format it came from. */
export interface XGBoostModel {
  readonly format: 'binary' | 'json' | 'ubjson';
  /** Version of the XGBoost that wrote the model, e.g. [1, 7, 4] (binary files store only major.minor). */
  readonly version: readonly number[];
  readonly objective: string;
  readonly booster: BoosterKind;
  /** base_score as stored (probability space for logistic / log-link objectives), float32; one value per group. */
  readonly baseScore: readonly number[];
  readonly numFeature: number;
  /** num_class (0 when not multiclass). */
  readonly numClass: number;
  readonly numParallelTree: number;
  readonly trees: readonly TreeData[];
  /** Output group (class) per tree. */
  readonly treeInfo: Int32Array;
  /** dart: weight per tree. */
  readonly weightDrop?: Float32Array;
  /** gblinear: (numFeature + 1) x numGroup weights, bias row last. */
  readonly linearWeights?: Float32Array;
  /** Model attributes (best_iteration, best_ntree_limit, ...). */
  readonly attributes: Readonly<Record<string, string>>;
}

export function numGroup(m: { numClass: number }): number {
  return Math.max(1, m.numClass);
}

function fail(msg: string): never {
  throw new ModelFormatError(msg);
}

type Obj = Record<string, unknown>;

function obj(v: unknown, what: string): Obj {
  if (v === null || typeof v !== 'object' || Array.isArray(v) || ArrayBuffer.isView(v))
    fail(`${what}: expected an object`);
  return v as Obj;
}

function num(v: unknown, what: string): number {
  const n = typeof v === 'string' ? Number(v) : v;
  if (typeof n !== 'number' || Number.isNaN(n)) fail(`${what}: expected a number, got ${JSON.stringify(v)}`);
  return n;
}

function int(v: unknown, what: string, min = 0, max = 2 ** 31 - 1): number {
  const n = num(v, what);
  if (!Number.isInteger(n) || n < min || n > max) fail(`${what}: expected an integer in [${min}, ${max}], got ${n}`);
  return n;
}

function arr(v: unknown, what: string): ArrayLike<unknown> {
  if (Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView))) return v as ArrayLike<unknown>;
  return fail(`${what}: expected an array`);
}

function numArray(v: unknown, what: string, len?: number): ArrayLike<number> {
  const a = arr(v, what);
  if (len !== undefined && a.length !== len) fail(`${what}: expected ${len} entries, got ${a.length}`);
  if (!ArrayBuffer.isView(a)) {
    for (let i = 0; i < a.length; i++) if (typeof a[i] !== 'number') fail(`${what}[${i}]: expected a number`);
  }
  return a as ArrayLike<number>;
}

/** Parses a base_score string: a scalar ("5E-1") or, from XGBoost 3.1 on, a JSON array inside the string ("[5E-1]"). */
function parseBaseScore(v: unknown): number[] {
  if (typeof v === 'string' && v.trim().startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(v);
    } catch {
      fail(`base_score: cannot parse ${v}`);
    }
    return Array.from(numArray(parsed, 'base_score'), (x) => Math.fround(x));
  }
  return [Math.fround(num(v, 'base_score'))];
}

/**
 * Checks that a tree is a proper binary tree: children in range, every node reached at most once from the root
 * (no cycles, so traversal always ends), split features below numFeature.
 */
export function validateTree(t: TreeData, numFeature: number, where: string): void {
  const n = t.left.length;
  if (n === 0) fail(`${where}: tree without nodes`);
  const seen = new Uint8Array(n);
  const stack = [0];
  while (stack.length) {
    const i = stack.pop()!;
    if (seen[i]) fail(`${where}: node ${i} is reached twice (corrupt tree)`);
    seen[i] = 1;
    const l = t.left[i]!;
    if (l === -1) continue;
    const r = t.right[i]!;
    if (l < 0 || l >= n || r < 0 || r >= n) fail(`${where}: node ${i} has children ${l}/${r} outside 0..${n - 1}`);
    if (t.feature[i]! >= numFeature)
      fail(`${where}: node ${i} splits on feature ${t.feature[i]} but the model has ${numFeature}`);
    stack.push(l, r);
  }
}

/** Builds the model from the document of a JSON or UBJSON model file (same schema). */
export function modelFromDocument(doc: unknown, format: 'json' | 'ubjson'): XGBoostModel {
  const root = obj(doc, 'model');
  const learner = obj(root['learner'], 'learner');
  const version = root['version'] === undefined ? [] : Array.from(numArray(root['version'], 'version'));
  const lmp = obj(learner['learner_model_param'], 'learner.learner_model_param');
  const numFeature = int(lmp['num_feature'], 'num_feature');
  const numClass = int(lmp['num_class'], 'num_class');
  const numTarget = lmp['num_target'] === undefined ? 1 : int(lmp['num_target'], 'num_target');
  if (numTarget > 1) fail(`multi-target models (num_target=${numTarget}) are not supported`);
  const baseScore = parseBaseScore(lmp['base_score']);
  const objective = String(obj(learner['objective'], 'learner.objective')['name'] ?? fail('objective.name missing'));
  const attributes: Record<string, string> = {};
  if (learner['attributes'] !== undefined) {
    for (const [k, v] of Object.entries(obj(learner['attributes'], 'attributes'))) attributes[k] = String(v);
  }
  const gb = obj(learner['gradient_booster'], 'gradient_booster');
  const name = gb['name'];
  const common = { format, version, objective, baseScore, numFeature, numClass, attributes };
  if (name === 'gblinear') {
    const w = numArray(obj(gb['model'], 'gblinear.model')['weights'], 'gblinear weights');
    if (w.length !== (numFeature + 1) * Math.max(1, numClass))
      fail(`gblinear: ${w.length} weights for ${numFeature} features`);
    return {
      ...common,
      booster: 'gblinear',
      numParallelTree: 1,
      trees: [],
      treeInfo: new Int32Array(0),
      linearWeights: Float32Array.from(w),
    };
  }
  let treeModel: Obj;
  let weightDrop: Float32Array | undefined;
  if (name === 'gbtree') {
    treeModel = obj(gb['model'], 'gbtree.model');
  } else if (name === 'dart') {
    treeModel = obj(obj(gb['gbtree'], 'dart.gbtree')['model'], 'dart.gbtree.model');
    weightDrop = Float32Array.from(numArray(gb['weight_drop'], 'dart weight_drop'));
  } else {
    return fail(`unsupported booster ${JSON.stringify(name)}`);
  }
  const param = obj(treeModel['gbtree_model_param'], 'gbtree_model_param');
  const numTrees = int(param['num_trees'], 'num_trees');
  const numParallelTree = Math.max(1, int(param['num_parallel_tree'] ?? 1, 'num_parallel_tree'));
  const sizeLeaf = int(param['size_leaf_vector'] ?? 0, 'size_leaf_vector');
  if (sizeLeaf > 1) fail('multi-output trees (vector leaves) are not supported');
  const treesRaw = arr(treeModel['trees'], 'trees');
  if (treesRaw.length !== numTrees) fail(`num_trees is ${numTrees} but ${treesRaw.length} trees are stored`);
  const treeInfo = Int32Array.from(numArray(treeModel['tree_info'], 'tree_info', numTrees));
  const trees: TreeData[] = [];
  for (let t = 0; t < numTrees; t++) trees.push(treeFromDocument(obj(treesRaw[t], `tree ${t}`), t, numFeature));
  if (weightDrop && weightDrop.length !== numTrees) fail(`dart: ${weightDrop.length} weights for ${numTrees} trees`);
  return finish({ ...common, booster: name, numParallelTree, trees, treeInfo, weightDrop });
}

function treeFromDocument(t: Obj, idx: number, numFeature: number): TreeData {
  const where = `tree ${idx}`;
  const tp = obj(t['tree_param'], `${where}.tree_param`);
  const n = int(tp['num_nodes'], `${where}.num_nodes`, 1);
  if (int(tp['size_leaf_vector'] ?? 0, `${where}.size_leaf_vector`) > 1) fail('multi-output trees are not supported');
  const left = Int32Array.from(numArray(t['left_children'], `${where}.left_children`, n));
  const right = Int32Array.from(numArray(t['right_children'], `${where}.right_children`, n));
  const featureRaw = numArray(t['split_indices'], `${where}.split_indices`, n);
  const feature = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const f = featureRaw[i]!;
    if (!(f >= 0 && f < 2 ** 31)) fail(`${where}: split index ${f} out of range`);
    feature[i] = f;
  }
  const value = Float32Array.from(numArray(t['split_conditions'], `${where}.split_conditions`, n));
  const dl = numArray(t['default_left'], `${where}.default_left`, n);
  const defaultLeft = new Uint8Array(n);
  for (let i = 0; i < n; i++) defaultLeft[i] = dl[i] ? 1 : 0;
  let categories: Map<number, Set<number>> | undefined;
  const splitType = t['split_type'] === undefined ? undefined : numArray(t['split_type'], `${where}.split_type`, n);
  if (splitType && Array.prototype.some.call(splitType, (s: number) => s === 1)) {
    const cats = numArray(t['categories'], `${where}.categories`);
    const nodes = numArray(t['categories_nodes'], `${where}.categories_nodes`);
    const segs = numArray(t['categories_segments'], `${where}.categories_segments`, nodes.length);
    const sizes = numArray(t['categories_sizes'], `${where}.categories_sizes`, nodes.length);
    categories = new Map();
    for (let k = 0; k < nodes.length; k++) {
      const node = nodes[k]!;
      const s = segs[k]!;
      const z = sizes[k]!;
      if (!(node >= 0 && node < n && s >= 0 && z >= 0 && s + z <= cats.length)) fail(`${where}: corrupt categories`);
      const set = new Set<number>();
      for (let j = s; j < s + z; j++) set.add(cats[j]!);
      categories.set(node, set);
    }
    for (let i = 0; i < n; i++) {
      if (splitType[i] === 1 && left[i] !== -1 && !categories.has(i)) categories.set(i, new Set());
    }
  }
  const tree: TreeData = { left, right, feature, defaultLeft, value, categories };
  validateTree(tree, numFeature, where);
  return tree;
}

export function finish(m: XGBoostModel): XGBoostModel {
  const groups = numGroup(m);
  for (let t = 0; t < m.treeInfo.length; t++) {
    const g = m.treeInfo[t]!;
    if (g < 0 || g >= groups) fail(`tree ${t} belongs to output group ${g} but the model has ${groups}`);
  }
  if (m.baseScore.length !== 1 && m.baseScore.length !== groups) fail(`base_score has ${m.baseScore.length} values`);
  return m;
}
