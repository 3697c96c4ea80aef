import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelFormatError, XGBoostScorer } from '../src';
import { rng } from './rng';

// Feeds mutated model bytes (bit flips, byte overwrites, truncation, duplicated and deleted spans) of every format to
// the loader: each must either load into a model that scores rows, or throw ModelFormatError - never another exception,
// a hang (every tree is checked to be acyclic and in range) or an out-of-memory allocation.
const seed = Number(process.env.XGB_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const N = Number(process.env.XGB_FUZZ_N ?? 400);
let dir = '';
const files: Record<string, Uint8Array> = {};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'xgb-fuzz-'));
  execFileSync(
    '/usr/bin/python3',
    [
      '-c',
      `import sys, numpy as np, xgboost as xgb
d = sys.argv[1]
rng = np.random.default_rng(3)
X = rng.normal(size=(200, 4)).astype(np.float32); y = (X[:, 0] > 0).astype(int) + (X[:, 1] > 0)
b = xgb.train({"objective": "multi:softprob", "num_class": 3, "max_depth": 3, "nthread": 1}, xgb.DMatrix(X, label=y), 3)
b.save_model(d + "/m.bin"); b.save_model(d + "/m.json"); b.save_model(d + "/m.ubj")`,
      dir,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] }
  );
  for (const f of ['m.bin', 'm.json', 'm.ubj']) files[f] = new Uint8Array(readFileSync(join(dir, f)));
  files['model.tar.gz'] = new Uint8Array(readFileSync(join(__dirname, 'fixtures', 'seed', 'model.tar.gz')));
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function mutate(b: Uint8Array, r: () => number): Uint8Array {
  const out = Uint8Array.from(b);
  const kind = Math.floor(r() * 5);
  const at = Math.floor(r() * b.length);
  switch (kind) {
    case 0:
      for (let i = 0; i < 1 + Math.floor(r() * 4); i++) out[Math.floor(r() * b.length)]! ^= 1 << Math.floor(r() * 8);
      return out;
    case 1:
      for (let i = 0; i < 1 + Math.floor(r() * 4); i++) out[Math.floor(r() * b.length)] = Math.floor(r() * 256);
      return out;
    case 2:
      return out.subarray(0, at);
    case 3: {
      const len = Math.floor(r() * 64);
      return Uint8Array.from([...out.subarray(0, at), ...out.subarray(at, at + len), ...out.subarray(at)]);
    }
    default:
      return Uint8Array.from([...out.subarray(0, at), ...out.subarray(at + Math.floor(r() * 64))]);
  }
}

describe(`fuzzed model bytes (seed ${seed})`, () => {
  for (const f of ['m.bin', 'm.json', 'm.ubj', 'model.tar.gz']) {
    it(`${f}: ${N} mutations load cleanly or fail with ModelFormatError`, () => {
      const r = rng(seed ^ f.length);
      const row = new Float32Array([0.1, -0.3, NaN, 2, 0.5, -1]);
      let loaded = 0;
      let rejected = 0;
      for (let i = 0; i < N; i++) {
        const bytes = mutate(files[f]!, r);
        let s: XGBoostScorer;
        try {
          s = XGBoostScorer.fromBytes(bytes);
        } catch (e) {
          if (!(e instanceof ModelFormatError)) throw new Error(`mutation ${i} of ${f} threw ${String(e)}`);
          rejected++;
          continue;
        }
        loaded++;
        const out = new Float32Array(s.outputSize({ margin: true }));
        s.predictInto(row.subarray(0, Math.min(row.length, s.numFeature)), out, 0, { margin: true, allTrees: true });
      }
      expect(loaded + rejected).toBe(N);
      expect(rejected).toBeGreaterThan(0);
    });
  }
});
