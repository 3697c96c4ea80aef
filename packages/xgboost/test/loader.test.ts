import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gunzip, ModelFormatError, parseModelBytes, readTar, XGBoostScorer } from '../src';
import { bitMismatches, readF32 } from './fixtures';

const SEED = join(__dirname, 'fixtures', 'seed');
let dir = '';
const files: Record<string, Uint8Array> = {};

// The seed-style artifact re-saved by libxgboost 1.7.4 as JSON / UBJSON, and pickled as SageMaker <= 1.2-2 did.
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'xgb-loader-'));
  execFileSync(
    '/usr/bin/python3',
    [
      '-c',
      `import pickle, tarfile, sys, xgboost as xgb
d = sys.argv[2]
tarfile.open(sys.argv[1]).extractall(d)
b = xgb.Booster(model_file=d + "/xgboost-model")
b.save_model(d + "/m.json"); b.save_model(d + "/m.ubj")
open(d + "/m.pkl", "wb").write(pickle.dumps(b, protocol=4))
# Bare NaN / Infinity tokens as XGBoost's JSON writer emits them for non-finite floats; libxgboost must accept them too.
import numpy as np
t = open(d + "/m.json").read()
k = t.index('"loss_changes":[') + len('"loss_changes":[')
parts = t[k:].split(",", 3)
t = t[:k] + "NaN,Infinity,-Infinity," + parts[3]
assert "NaN" in t
open(d + "/m_nan.json", "w").write(t)
bn = xgb.Booster(model_file=d + "/m_nan.json")
X = np.fromfile(sys.argv[3], dtype=np.float32).reshape(-1, 6)
bn.predict(xgb.DMatrix(X, missing=np.nan)).astype(np.float32).tofile(d + "/pred_nan.f32")`,
      join(SEED, 'model.tar.gz'),
      dir,
      join(SEED, 'X.f32'),
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] }
  );
  for (const f of ['xgboost-model', 'm.json', 'm.ubj', 'm.pkl', 'm_nan.json'])
    files[f] = new Uint8Array(readFileSync(join(dir, f)));
  files['model.tar.gz'] = new Uint8Array(readFileSync(join(SEED, 'model.tar.gz')));
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('loading', () => {
  it('detects the format from the bytes and every format scores the seed rows as libxgboost does', () => {
    const X = readF32(join(SEED, 'X.f32'));
    const want = readF32(join(SEED, 'pred.f32'));
    for (const f of ['xgboost-model', 'm.json', 'm.ubj', 'model.tar.gz']) {
      const s = XGBoostScorer.fromBytes(files[f]!, 'renamed.bin');
      expect(s.members[0]!.model.format).toBe(f === 'm.json' ? 'json' : f === 'm.ubj' ? 'ubjson' : 'binary');
      expect(bitMismatches(want, s.predictBatch(X, 6))).toEqual([]);
    }
    // The SageMaker artifact really is a tar.gz holding one legacy binary file named xgboost-model.
    const entries = readTar(gunzip(files['model.tar.gz']!));
    expect(entries.map((e) => e.name)).toEqual(['xgboost-model']);
    expect(Buffer.from(entries[0]!.data.subarray(0, 4)).toString()).toBe('binf');
  });

  it('reads the bare NaN / Infinity / -Infinity tokens of XGBoost JSON (libxgboost loads the same file)', () => {
    expect(Buffer.from(files['m_nan.json']!).toString()).toContain('[NaN,Infinity,-Infinity');
    const s = XGBoostScorer.fromBytes(files['m_nan.json']!);
    const X = readF32(join(SEED, 'X.f32'));
    expect(bitMismatches(readF32(join(dir, 'pred_nan.f32')), s.predictBatch(X, 6))).toEqual([]);
  });

  it('single-row predict equals the batch result and allocates nothing per call', () => {
    const s = XGBoostScorer.fromBytes(files['model.tar.gz']!);
    const X = readF32(join(SEED, 'X.f32'));
    const batch = s.predictBatch(X, 6);
    for (let r = 0; r < 50; r++) expect(s.predict(X.subarray(r * 6, r * 6 + 6))).toBe(batch[r]);
    expect(() => s.predict([1, 2, 3, 4, 5, 6, 7])).toThrow(/7 values but the model has 6 features/);
    expect(() => s.predict([1, Infinity])).toThrow(/infinite/);
  });

  it('refuses Python pickles with an error that names the fix', () => {
    expect(() => parseModelBytes(files['m.pkl']!, 'xgboost-model')).toThrow(ModelFormatError);
    expect(() => parseModelBytes(files['m.pkl']!, 'xgboost-model')).toThrow(/pickle.*Booster\.save_model/s);
  });

  it('rejects foreign, empty and truncated files with a clear error', () => {
    expect(() => parseModelBytes(new Uint8Array(0))).toThrow(/empty file/);
    expect(() => parseModelBytes(Buffer.from('%PDF-1.4 hello'))).toThrow(/not an XGBoost model/);
    expect(() => parseModelBytes(Buffer.from('{"hello": 1}'))).toThrow(ModelFormatError);
    for (const f of ['xgboost-model', 'm.json', 'm.ubj', 'model.tar.gz']) {
      const b = files[f]!;
      for (const cut of [1, 3, 4, 10, 100, 500, Math.floor(b.length / 2), b.length - 1]) {
        expect(() => parseModelBytes(b.subarray(0, cut)), `${f} cut at ${cut}`).toThrow(ModelFormatError);
      }
    }
  });
});
