import { describe, expect, it } from 'vitest';
import { compareWithGlibc } from '../bench/libm-compare';
import { expf, logf } from '../src/libm';

// The oracle is glibc's libm itself (scripts/libm-oracle.py: ctypes + a tiny C loop over libm's expf/logf).
// 10^8 inputs in all: strided over the whole float32 bit space, so every exponent range, both signs, subnormals,
// infinities and NaNs are visited. The exhaustive 2^32 check is `npm run bench:libm`.
describe('expf / logf equal glibc bit for bit', () => {
  it('expf: 6e7 inputs strided over all 2^32 float32 bit patterns', async () => {
    const r = await compareWithGlibc('expf', 0x1234, 71, 60_000_000);
    expect(r.checked).toBe(60_000_000);
    expect({ mismatches: r.mismatches, examples: r.examples }).toEqual({ mismatches: 0, examples: [] });
  }, 180_000);

  it('logf: 4e7 inputs strided over all 2^32 float32 bit patterns', async () => {
    const r = await compareWithGlibc('logf', 0x777, 107, 40_000_000);
    expect(r.checked).toBe(40_000_000);
    expect({ mismatches: r.mismatches, examples: r.examples }).toEqual({ mismatches: 0, examples: [] });
  }, 180_000);

  it('expf: dense blocks around 0, 1, the sigmoid clamp 88.7 and the two inputs a non-fused reduction gets wrong', async () => {
    const f = new Float32Array(1);
    const u = new Uint32Array(f.buffer);
    for (const x of [0, 1, -1, 88.7, -88.7, 0x4202422f, 0xc27c65d9]) {
      if (x > 0x1000) u[0] = x;
      else f[0] = x;
      const r = await compareWithGlibc('expf', u[0]! - 50_000, 1, 100_000);
      expect({ at: x, mismatches: r.mismatches }).toEqual({ at: x, mismatches: 0 });
    }
  }, 60_000);

  it('special values', () => {
    expect(expf(NaN)).toBeNaN();
    expect(expf(Infinity)).toBe(Infinity);
    expect(expf(-Infinity)).toBe(0);
    expect(expf(100)).toBe(Infinity);
    expect(expf(-200)).toBe(0);
    expect(logf(0)).toBe(-Infinity);
    expect(logf(-1)).toBeNaN();
    expect(logf(Infinity)).toBe(Infinity);
    expect(logf(1)).toBe(0);
  });
});
