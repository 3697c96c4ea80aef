/**
 * `npm run bench:scorer`: our scorer beside libxgboost 1.7.4 (Debian python3-xgboost), measured in the same run on
 * the same models and rows, with a bit-exactness check of both workloads:
 *   1. single-row latency on the seed-style model (25 trees, depth 5, 6 features, binary:logistic) vs inplace_predict;
 *   2. batch throughput on a 500-tree, depth-6, 50-feature model vs libxgboost with nthread=1;
 *   3. end to end (see endToEnd): `smart-factory score` on a 200,000-row CSV vs pandas + libxgboost in Python.
 * The two sides run in alternating rounds (a persistent Python process answers timing requests), so a busy machine
 * loads both alike; the best round of each side is reported.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { XGBoostScorer } from '../src';

const REPO = join(__dirname, '..', '..', '..');
const SEED_TAR = join(__dirname, '..', 'test', 'fixtures', 'seed', 'model.tar.gz');
const WD = join(tmpdir(), `sf-bench-scorer-${process.getuid?.() ?? 0}`);
const ROUNDS = 7;

function f32(p: string): Float32Array {
  return new Float32Array(Uint8Array.from(readFileSync(p)).buffer);
}

function mismatches(a: Float32Array, b: Float32Array): number {
  const x = new Uint32Array(a.buffer);
  const y = new Uint32Array(b.buffer);
  let n = 0;
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) n++;
  return n + Math.abs(a.length - b.length);
}

async function main(): Promise<void> {
  process.stderr.write('starting the libxgboost side (trains the 500-tree model on the first run, ~1 min)...\n');
  const py = spawn('/usr/bin/python3', [join(REPO, 'scripts', 'bench-xgboost.py'), WD, SEED_TAR], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: py.stdout })[Symbol.asyncIterator]();
  const next = async (): Promise<Record<string, number>> => {
    const r = await lines.next();
    if (r.done) throw new Error('the libxgboost benchmark process ended early');
    return JSON.parse(r.value) as Record<string, number>;
  };
  const ask = async (cmd: string) => {
    py.stdin.write(cmd + '\n');
    return next();
  };
  await next(); // ready

  const seed = XGBoostScorer.fromPath(SEED_TAR);
  const Xs = f32(join(WD, 'seed_X.f32'));
  const nS = Xs.length / 6;
  const rows = Array.from({ length: nS }, (_, r) => Xs.subarray(r * 6, r * 6 + 6));
  const got = new Float32Array(nS);
  for (let r = 0; r < nS; r++) got[r] = seed.predict(rows[r]!);
  const seedBad = mismatches(f32(join(WD, 'seed_pred.f32')), got);

  const big = XGBoostScorer.fromPath(join(WD, 'big.model'));
  const Xb = f32(join(WD, 'big_X.f32'));
  const nB = Xb.length / 50;
  const bigBad = mismatches(f32(join(WD, 'big_pred.f32')), big.predictBatch(Xb, 50));

  let sink = 0;
  // Warm-up: V8 compiles the generated tree code on a background thread; let it finish before timing.
  for (let rep = 0; rep < 200; rep++) for (let r = 0; r < nS; r++) sink += seed.predict(rows[r]!);
  for (let k = 0; k < 3; k++) sink += big.predictBatch(Xb, 50)[0]!;

  let oursSingle = Infinity;
  let oursBatch = 0;
  let refSingle = Infinity;
  let refDm = 0;
  let refInplace = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const t = process.hrtime.bigint();
    for (let rep = 0; rep < 100; rep++) for (let r = 0; r < nS; r++) sink += seed.predict(rows[r]!);
    oursSingle = Math.min(oursSingle, Number(process.hrtime.bigint() - t) / 1000 / (100 * nS));
    refSingle = Math.min(refSingle, (await ask('single'))['single_inplace_us']!);
    const t2 = process.hrtime.bigint();
    sink += big.predictBatch(Xb, 50)[0]!;
    oursBatch = Math.max(oursBatch, nB / (Number(process.hrtime.bigint() - t2) / 1e9));
    const b = await ask('batch');
    refDm = Math.max(refDm, b['batch_dmatrix_rows_s']!);
    refInplace = Math.max(refInplace, b['batch_inplace_rows_s']!);
    process.stderr.write(`  round ${round + 1}/${ROUNDS}\n`);
  }
  py.stdin.end('quit\n');

  const refB = Math.max(refDm, refInplace);
  const fmt = (n: number) => Math.round(n).toLocaleString('en');
  console.log(`XGBoost scorer benchmark (Node ${process.version}; libxgboost 1.7.4 via /usr/bin/python3, nthread=1)`);
  console.log(`best of ${ROUNDS} alternating rounds per side`);
  console.log(`single row, seed model (25 trees, depth 5, 6 features), ${nS} rows:`);
  console.log(`  ours (XGBoostScorer.predict)        ${oursSingle.toFixed(3)} µs/row   [target <= 1 µs]`);
  console.log(`  libxgboost inplace_predict (Python) ${refSingle.toFixed(1)} µs/row`);
  console.log(`  bit-exact: ${seedBad === 0 ? 'yes' : `NO (${seedBad} mismatches)`}`);
  console.log(`batch, 500 trees, depth 6, 50 features, ${nB} rows (5% missing):`);
  console.log(`  ours (predictBatch)                 ${fmt(oursBatch)} rows/s`);
  console.log(`  libxgboost predict (DMatrix)        ${fmt(refDm)} rows/s`);
  console.log(`  libxgboost inplace_predict          ${fmt(refInplace)} rows/s`);
  console.log(`  ratio ours / best libxgboost        ${(oursBatch / refB).toFixed(2)}   [target >= 1]`);
  console.log(`  bit-exact: ${bigBad === 0 ? 'yes' : `NO (${bigBad} mismatches)`}`);
  if (sink === 42) console.log('');
  if (seedBad || bigBad) process.exitCode = 1;
  endToEnd();
}

/**
 * End to end: `smart-factory score` (the built CLI: process start, read, parse, score, print one probability per
 * line) vs a Python process (pandas read_csv into float32, libxgboost 1.7.4 inplace_predict with nthread=1, writing
 * the results with pandas) on a 200,000-row, 50-feature CSV with 2 % missing values and a 500-tree depth-6
 * binary:logistic model, both generated by scripts/bench-score-e2e.py with /usr/bin/python3 (seeds printed). The
 * two processes alternate; min wall and min CPU (user + sys from wait4) of SCORER_E2E_ROUNDS runs (default 5).
 */
function endToEnd(): void {
  const rounds = Number(process.env['SCORER_E2E_ROUNDS'] ?? 5);
  process.stderr.write('building the CLI (npm run build:packages)...\n');
  const b = spawnSync('npm', ['run', '--silent', 'build:packages'], { cwd: REPO, stdio: 'inherit' });
  if (b.status !== 0) throw new Error('npm run build:packages failed');
  process.stderr.write(
    `end-to-end: ${rounds} alternating runs per side (generates the CSV and model on the first run)...\n`
  );
  const cli = join(REPO, 'packages', 'cli', 'bin', 'smart-factory.js');
  const r = spawnSync(
    '/usr/bin/python3',
    [join(REPO, 'scripts', 'bench-score-e2e.py'), WD, String(rounds), '--', process.execPath, cli, 'score'],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 24 }
  );
  if (r.status !== 0) throw new Error('bench-score-e2e.py failed');
  const j = JSON.parse(r.stdout.trim().split('\n').pop()!) as {
    model_seed: number;
    data_seed: number;
    rows: number;
    cols: number;
    missing: number;
    csv_bytes: number;
    pred: string;
    ours_out: string;
    ref: { wall: number; cpu: number; runs: { wall: number; cpu: number }[] };
    ours: { wall: number; cpu: number; runs: { wall: number; cpu: number }[] };
  };
  const want = f32(j.pred);
  const lines = readFileSync(j.ours_out, 'utf8').trimEnd().split('\n');
  const got = Float32Array.from(lines, Number);
  const bad = mismatches(want, got);
  const s = (x: number) => x.toFixed(2);
  console.log(
    `end to end, ${j.rows.toLocaleString('en')} rows x ${j.cols} features (${(100 * j.missing).toFixed(0)}% missing, ` +
      `${(j.csv_bytes / 1e6).toFixed(0)} MB CSV), 500 trees depth 6 binary:logistic; model seed ${j.model_seed}, data seed ${j.data_seed}; min of ${rounds} runs:`
  );
  console.log(
    `  ours: smart-factory score (node, whole process)        wall ${s(j.ours.wall)} s   CPU ${s(j.ours.cpu)} s`
  );
  console.log(
    `  libxgboost: python3 pandas read_csv + inplace_predict  wall ${s(j.ref.wall)} s   CPU ${s(j.ref.cpu)} s`
  );
  console.log(
    `  ratio libxgboost / ours: wall ${(j.ref.wall / j.ours.wall).toFixed(2)}x, CPU ${(j.ref.cpu / j.ours.cpu).toFixed(2)}x   [goal >= 1.0, stretch 2]`
  );
  console.log(
    `  runs (wall/CPU s): ours ${j.ours.runs.map((x) => `${s(x.wall)}/${s(x.cpu)}`).join(', ')}; libxgboost ${j.ref.runs.map((x) => `${s(x.wall)}/${s(x.cpu)}`).join(', ')}`
  );
  console.log(
    `  bit-exact (our printed values parsed as float32 vs libxgboost): ${bad === 0 ? 'yes' : `NO (${bad} mismatches)`}`
  );
  if (bad) process.exitCode = 1;
}

void main();
