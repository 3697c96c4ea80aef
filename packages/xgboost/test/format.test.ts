import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { formatFloat32, pythonFloatRepr } from '../src';

// Oracle: numpy's shortest float32 repr (Dragon4, unique=True) and Python's repr of the float32 widened to double
// (what SageMaker's container prints), for random bit patterns over the whole finite float32 range.
describe('number formatting', () => {
  it('formatFloat32 gives the same shortest decimal as numpy; pythonFloatRepr equals Python repr()', () => {
    const bits = new Uint32Array(3000);
    for (let i = 0; i < bits.length; i++) bits[i] = (Math.random() * 2 ** 32) >>> 0;
    bits.set([0x3f800000, 0x00000001, 0x7f7fffff, 0x3ee0a8f5, 0x3727c5ac, 0x5a0e1bca, 0x80000000], 0);
    const out = execFileSync(
      '/usr/bin/python3',
      [
        '-c',
        `import sys, numpy as np
for b in sys.stdin.read().split():
    v = np.array([int(b)], dtype=np.uint32).view(np.float32)[0]
    if not np.isfinite(v):
        print("skip skip"); continue
    print(np.format_float_scientific(v, unique=True), repr(float(v)))`,
      ],
      { input: Array.from(bits).join('\n'), encoding: 'utf8', maxBuffer: 1 << 24 }
    )
      .trimEnd()
      .split('\n');
    const f = new Float32Array(bits.buffer);
    let checked = 0;
    out.forEach((line, i) => {
      const [np, py] = line.split(' ') as [string, string];
      if (np === 'skip') return;
      const v = f[i]!;
      const ours = formatFloat32(v);
      expect(Math.fround(Number(ours))).toBe(v);
      expect({ v, value: Number(ours) }).toEqual({ v, value: Number(np) });
      expect({ v, repr: pythonFloatRepr(v) }).toEqual({ v, repr: py });
      checked++;
    });
    expect(checked).toBeGreaterThan(2900);
  });
});
