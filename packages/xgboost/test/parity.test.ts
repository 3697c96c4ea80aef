import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { XGBoostScorer } from '../src';
import { bitMismatches, type FixtureCase, generateFixtures, readF32 } from './fixtures';

// Fresh models every run: the generator trains them with libxgboost 1.7.4 (Debian python3-xgboost) and records its
// predictions as float32 bits. Reproduce a failure with: /usr/bin/python3 scripts/gen-xgboost-fixtures.py --seed <seed>.
const seed = Number(process.env.XGB_FIXTURE_SEED ?? Math.floor(Math.random() * 2 ** 31));
let dir = '';
let cases: FixtureCase[] = [];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'xgb-parity-'));
  console.log(`xgboost parity fixtures: seed ${seed} (set XGB_FIXTURE_SEED=${seed} to reproduce)`);
  cases = generateFixtures(dir, seed).cases;
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function check(c: FixtureCase, file: string, expected: string, opts: { margin?: boolean; allTrees?: boolean }) {
  // Both paths: generated code (default) and the typed-array tree walker.
  let n = 0;
  for (const compile of [true, false]) n = checkWith(c, file, expected, opts, compile);
  return n;
}

function checkWith(
  c: FixtureCase,
  file: string,
  expected: string,
  opts: { margin?: boolean; allTrees?: boolean },
  compile: boolean
) {
  const s = XGBoostScorer.fromPath(join(dir, c.name, file), { compile });
  if (compile && c.note !== 'categorical' && !c.name.startsWith('gblinear')) expect(s.members[0]!.compiled).toBe(true);
  // predictBatch below runs the heap walker (heap.ts, the batch fast path of `smart-factory score`) for these models.
  if (c.note !== 'categorical' && !c.name.startsWith('gblinear'))
    expect({ case: c.name, walkers: s.members.map((m) => m.walker) }).toEqual({
      case: c.name,
      walkers: s.members.map(() => 'heap'),
    });
  const X = readF32(join(dir, c.name, 'X.f32'));
  const want = readF32(join(dir, c.name, expected));
  const batch = s.predictBatch(X, c.cols, opts);
  // The single-row path (predictInto, no allocation) must give the same bits as the batch path.
  const k = s.outputSize(opts);
  const single = new Float32Array(batch.length);
  for (let r = 0; r < c.rows; r++) s.predictInto(X.subarray(r * c.cols, (r + 1) * c.cols), single, r * k, opts);
  expect(bitMismatches(batch, single)).toEqual([]);
  const got = batch;
  const bad = bitMismatches(want, got);
  const detail = bad.slice(0, 5).map((i) => `#${i}: libxgboost ${want[i]} ours ${got[i]}`);
  expect({ case: c.name, file, expected, compile, mismatches: bad.length, detail }).toEqual({
    case: c.name,
    file,
    expected,
    compile,
    mismatches: 0,
    detail: [],
  });
  return want.length;
}

describe(`bit-exact parity with libxgboost 1.7.4 (seed ${seed})`, () => {
  it('covers every objective, booster and format', () => {
    const objectives = new Set(cases.map((c) => c.objective));
    for (const o of [
      'binary:logistic',
      'binary:logitraw',
      'binary:hinge',
      'reg:squarederror',
      'reg:squaredlogerror',
      'reg:logistic',
      'reg:pseudohubererror',
      'reg:absoluteerror',
      'reg:gamma',
      'reg:tweedie',
      'count:poisson',
      'multi:softmax',
      'multi:softprob',
      'survival:cox',
      'rank:pairwise',
      'rank:ndcg',
      'rank:map',
      'survival:aft',
    ])
      expect(objectives).toContain(o);
    expect(cases.length).toBeGreaterThan(25);
  });

  it('model.tar.gz scored as SageMaker serving does (best_ntree_limit, k-fold mean / vote)', () => {
    let n = 0;
    for (const c of cases) n += check(c, 'model.tar.gz', 'pred.f32', {});
    expect(n).toBeGreaterThan(5000);
  });

  for (const file of ['xgboost-model', 'model.json', 'model.ubj']) {
    it(`${file}: predictions and margins with all trees, and serving semantics`, () => {
      for (const c of cases) {
        if (file === 'xgboost-model' && !c.binary) continue;
        const f = file === 'xgboost-model' && c.kfold > 1 ? 'xgboost-model-0' : file;
        check(c, f, 'pred_all.f32', { allTrees: true });
        check(c, f, 'margin_all.f32', { allTrees: true, margin: true });
        if (c.kfold === 1) check(c, f, 'pred.f32', {});
      }
    });
  }
});
