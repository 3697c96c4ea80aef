import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/main';

const root = join(__dirname, '..', '..', '..');
const SEED = join(root, 'packages', 'xgboost', 'test', 'fixtures', 'seed');
let dir = '';
let csvPath = '';
let want: Float32Array;

function f32(path: string): Float32Array {
  const b = readFileSync(path);
  return new Float32Array(Uint8Array.from(b).buffer);
}

async function run(args: string[], stdin = ''): Promise<{ code: number; out: string; err: string }> {
  const io = { stdin: new PassThrough(), stdout: new PassThrough(), stderr: new PassThrough() };
  let out = '';
  let err = '';
  io.stdout.on('data', (d: Buffer) => (out += d.toString()));
  io.stderr.on('data', (d: Buffer) => (err += d.toString()));
  io.stdin.end(stdin);
  const code = await main(args, io);
  return { code, out, err };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'score-cli-'));
  const X = f32(join(SEED, 'X.f32'));
  want = f32(join(SEED, 'pred.f32'));
  const lines: string[] = [];
  for (let r = 0; r < X.length / 6; r++) {
    lines.push(Array.from(X.subarray(r * 6, r * 6 + 6), (v) => (Number.isNaN(v) ? '' : String(v))).join(','));
  }
  csvPath = join(dir, 'rows.csv');
  writeFileSync(csvPath, lines.join('\n') + '\n');
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('smart-factory score', () => {
  it('prints libxgboost 1.7.4 predictions that parse back to the exact float32 (npx, as other tools call it)', () => {
    const r = spawnSync(
      'npx',
      ['--no-install', 'smart-factory', 'score', '--model', join(SEED, 'model.tar.gz'), '--input', csvPath],
      {
        cwd: root,
        encoding: 'utf8',
      }
    );
    expect(r.stderr.replace(/npm warn.*\n/g, '')).toBe('');
    expect(r.status).toBe(0);
    const got = Float32Array.from(r.stdout.trimEnd().split('\n'), Number);
    expect(got.length).toBe(want.length);
    expect(Array.from(got)).toEqual(Array.from(want));
    // Shortest round-trip text: no value carries more than 9 significant digits.
    for (const t of r.stdout.trimEnd().split('\n'))
      expect(t.replace(/e.*$/, '').replace(/[-.]/g, '').replace(/^0+/, '').length).toBeLessThanOrEqual(9);
  });

  it('reads stdin, prints margins and all-trees predictions', async () => {
    const r = await run(
      ['score', '--model', join(SEED, 'model.tar.gz'), '--margin', '--all-trees'],
      '0.1,,0.3,-1,2,0\n'
    );
    expect(r.code).toBe(0);
    const m = Number(r.out.trim());
    const p = await run(['score', '--model', join(SEED, 'model.tar.gz')], '0.1,,0.3,-1,2,0\n');
    // The sigmoid of the printed margin is the printed probability (up to glibc-vs-Math.exp rounding).
    expect(Math.abs(1 / (1 + Math.exp(-m)) - Number(p.out.trim()))).toBeLessThan(1e-6);
  });

  it('names the line and column of a bad field or a wrong field count', async () => {
    let r = await run(['score', '--model', join(SEED, 'model.tar.gz')], '1,2,3,4,5,6\n1,2,abc,4,5,6\n');
    expect(r.code).toBe(1);
    expect(r.err).toContain('line 2, column 3: not a number: "abc"');
    r = await run(['score', '--model', join(SEED, 'model.tar.gz')], '1,2,3,4,5\n');
    expect(r.code).toBe(1);
    expect(r.err).toContain('line 1, column 5: expected 6 fields, got 5');
    r = await run(['score', '--model', join(SEED, 'model.tar.gz')], '1,2,3,4,5,6,7\n');
    expect(r.err).toContain('line 1, column 7: expected 6 fields, got more');
    r = await run(['score'], '');
    expect(r.code).toBe(2);
  });

  it('reports an unloadable model clearly', async () => {
    const bad = join(dir, 'model.tar.gz');
    writeFileSync(bad, 'not a model');
    const r = await run(['score', '--model', bad], '1\n');
    expect(r.code).toBe(1);
    expect(r.err).toContain('not an XGBoost model');
  });
});
