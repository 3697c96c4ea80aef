import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const REPO = join(__dirname, '..', '..', '..');
export const GENERATOR = join(REPO, 'scripts', 'gen-xgboost-fixtures.py');

export interface FixtureCase {
  name: string;
  objective: string;
  rows: number;
  cols: number;
  predSize: number;
  predAllSize: number;
  marginSize: number;
  kfold: number;
  binary: boolean;
  attributes: Record<string, string>;
  note: string;
}

/** Runs the generator (libxgboost 1.7.4 via /usr/bin/python3) into dir with the given seed. */
export function generateFixtures(dir: string, seed: number): { seed: number; cases: FixtureCase[] } {
  execFileSync('/usr/bin/python3', [GENERATOR, '--out', dir, '--seed', String(seed)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  return JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { seed: number; cases: FixtureCase[] };
}

export function readF32(path: string): Float32Array {
  const b = readFileSync(path);
  const copy = new Uint8Array(b.length);
  copy.set(b);
  return new Float32Array(copy.buffer);
}

/** Indices where the float32 bit patterns differ (NaN equals NaN). */
export function bitMismatches(want: Float32Array, got: Float32Array): number[] {
  if (want.length !== got.length) throw new Error(`length ${got.length} != expected ${want.length}`);
  const a = new Uint32Array(want.buffer, want.byteOffset, want.length);
  const b = new Uint32Array(got.buffer, got.byteOffset, got.length);
  const bad: number[] = [];
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i] && !(Number.isNaN(want[i]) && Number.isNaN(got[i]))) bad.push(i);
  }
  return bad;
}
