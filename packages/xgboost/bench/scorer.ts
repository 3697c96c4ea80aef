/**
 * `npm run bench:scorer`: our scorer beside libxgboost 1.7.4 (Debian python3-xgboost), measured in the same run on
 * the same models and rows, with a bit-exactness check of both workloads.
 *   1. single-row latency on the seed-style model (25 trees, depth 5, 6 features, binary:logistic) vs inplace_predict;
 *   2. batch throughput on a 500-tree, depth-6, 50-feature model vs libxgboost with nthread=1.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XGBoostScorer } from '../src';

const REPO = join(__dirname, '..', '..', '..');
const SEED_TAR = join(__dirname, '..', 'test', 'fixtures', 'seed', 'model.tar.gz');
const WD = join(tmpdir(), `sf-bench-scorer-${process.getuid?.() ?? 0}`);

function f32(p: string): Float32Array {
  return new Float32Array(Uint8Array.from(readFileSync(p)).buffer);
}

function mismatches(a: Float32Array, b: Float32Array): number {
  const x = new Uint32Array(a.buffer);
  const y = new Uint32Array(b.buffer);
  let n = 0;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) n++;
  return n + Math.abs(a.length - b.length);
}

function main(): void {
  process.stderr.write('libxgboost side (trains the 500-tree model on first run, ~1 min)...\n');
  const out = execFileSync('/usr/bin/python3', [join(REPO, 'scripts', 'bench-xgboost.py'), WD, SEED_TAR], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const ref = JSON.parse(out.trim().split('\n').pop()!) as {
    single_inplace_us: number;
    batch_dmatrix_rows_s: number;
    batch_inplace_rows_s: number;
  };

  // 1. single row
  const seed = XGBoostScorer.fromPath(SEED_TAR);
  const Xs = f32(join(WD, 'seed_X.f32'));
  const nS = Xs.length / 6;
  const rows = Array.from({ length: nS }, (_, r) => Xs.subarray(r * 6, r * 6 + 6));
  const got = new Float32Array(nS);
  for (let r = 0; r < nS; r++) got[r] = seed.predict(rows[r]!);
  const seedBad = mismatches(f32(join(WD, 'seed_pred.f32')), got);
  let sink = 0;
  for (let rep = 0; rep < 200; rep++) for (let r = 0; r < nS; r++) sink += seed.predict(rows[r]!);
  let bestSingle = Infinity;
  for (let k = 0; k < 5; k++) {
    const t = process.hrtime.bigint();
    for (let rep = 0; rep < 100; rep++) for (let r = 0; r < nS; r++) sink += seed.predict(rows[r]!);
    bestSingle = Math.min(bestSingle, Number(process.hrtime.bigint() - t) / 1000 / (100 * nS));
  }

  // 2. batch
  const big = XGBoostScorer.fromPath(join(WD, 'big.model'));
  const Xb = f32(join(WD, 'big_X.f32'));
  const nB = Xb.length / 50;
  const bigBad = mismatches(f32(join(WD, 'big_pred.f32')), big.predictBatch(Xb, 50));
  // Warm-up: V8 compiles the generated tree code on a background thread; let it finish before timing.
  for (let k = 0; k < 3; k++) sink += big.predictBatch(Xb, 50)[0]!;
  let bestBatch = 0;
  for (let k = 0; k < 5; k++) {
    const t = process.hrtime.bigint();
    sink += big.predictBatch(Xb, 50)[0]!;
    bestBatch = Math.max(bestBatch, nB / (Number(process.hrtime.bigint() - t) / 1e9));
  }

  const ref1 = ref.single_inplace_us;
  const refB = Math.max(ref.batch_dmatrix_rows_s, ref.batch_inplace_rows_s);
  console.log(`XGBoost scorer benchmark (Node ${process.version}; libxgboost 1.7.4 via /usr/bin/python3, nthread=1)`);
  console.log(`single row, seed model (25 trees, depth 5, 6 features), ${nS} rows:`);
  console.log(`  ours (XGBoostScorer.predict)        ${bestSingle.toFixed(3)} µs/row   [target <= 1 µs]`);
  console.log(`  libxgboost inplace_predict (Python) ${ref1.toFixed(1)} µs/row`);
  console.log(`  bit-exact: ${seedBad === 0 ? 'yes' : `NO (${seedBad} mismatches)`}`);
  console.log(`batch, 500 trees, depth 6, 50 features, ${nB} rows (5% missing):`);
  console.log(`  ours (predictBatch)                 ${Math.round(bestBatch).toLocaleString('en')} rows/s`);
  console.log(
    `  libxgboost DMatrix predict          ${Math.round(ref.batch_dmatrix_rows_s).toLocaleString('en')} rows/s`
  );
  console.log(
    `  libxgboost inplace_predict          ${Math.round(ref.batch_inplace_rows_s).toLocaleString('en')} rows/s`
  );
  console.log(`  ratio ours / best libxgboost        ${(bestBatch / refB).toFixed(2)}   [target >= 1]`);
  console.log(`  bit-exact: ${bigBad === 0 ? 'yes' : `NO (${bigBad} mismatches)`}`);
  if (sink === 42) console.log('');
  if (seedBad || bigBad) process.exitCode = 1;
}

main();
