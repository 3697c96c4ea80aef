/*
 * Single-precision expf and logf that round exactly as glibc's (2.27+) do.
 *
 * glibc's expf/logf are the table-driven routines of ARM optimized-routines (math/expf.c, math/logf.c,
 * math/exp2f_data.c, math/logf_data.c; Copyright (c) 2017-2018, Arm Limited; SPDX-License-Identifier: MIT). The table
 * values and polynomial coefficients below are taken from those files; the code is a re-implementation in TypeScript.
 * glibc's x86-64 FMA build computes the argument reduction of expf as one fused multiply-add, which is emulated here
 * with an exact two-product, so the results equal glibc's on every float32 input (see scripts/bench-libm.ts).
 */

/** Exact value of a C99 hexadecimal floating literal body such as "1.71547652b82fep0" (at most 53 significant bits). */
function hf(s: string): number {
  const m = /^([0-9a-f]+)\.([0-9a-f]*)p(-?\d+)$/.exec(s);
  if (!m) throw new Error(`bad hex float ${s}`);
  return Number(BigInt(`0x${m[1]}${m[2]}`)) * 2 ** (Number(m[3]) - 4 * m[2]!.length);
}

// ---- expf ----------------------------------------------------------------------------------------------------------
const EXP_N = 32;
const INV_LN2_N = hf('1.71547652b82fep0') * EXP_N;
const SHIFT = hf('1.8p52');
const EXP_OFLOW = hf('1.62e42ep6');
const EXP_UFLOW = -hf('1.9fe368p6');
const C0 = hf('1.c6af84b912394p-5') / EXP_N / EXP_N / EXP_N;
const C1 = hf('1.ebfce50fac4f3p-3') / EXP_N / EXP_N;
const C2 = hf('1.62e42ff0c52d6p-1') / EXP_N;
// INV_LN2_N split into 26-bit halves: INV_LN2_N * x is exact per half for a float32 x (24-bit significand).
const INV_HI = (() => {
  const c = 134217729 * INV_LN2_N;
  return c - (c - INV_LN2_N);
})();
const INV_LO = INV_LN2_N - INV_HI;

/** tab[i] = uint64 bits of 2^(i/32) minus (i << 47), as in exp2f_data.c. */
const EXP2_TAB_BITS = [
  '3ff0000000000000', '3fefd9b0d3158574', '3fefb5586cf9890f', '3fef9301d0125b51',
  '3fef72b83c7d517b', '3fef54873168b9aa', '3fef387a6e756238', '3fef1e9df51fdee1',
  '3fef06fe0a31b715', '3feef1a7373aa9cb', '3feedea64c123422', '3feece086061892d',
  '3feebfdad5362a27', '3feeb42b569d4f82', '3feeab07dd485429', '3feea47eb03a5585',
  '3feea09e667f3bcd', '3fee9f75e8ec5f74', '3feea11473eb0187', '3feea589994cce13',
  '3feeace5422aa0db', '3feeb737b0cdc5e5', '3feec49182a3f090', '3feed503b23e255d',
  '3feee89f995ad3ad', '3feeff76f2fb5e47', '3fef199bdd85529c', '3fef3720dcef9069',
  '3fef5818dcfba487', '3fef7c97337b9b5f', '3fefa4afa2a490da', '3fefd0765b6e4540',
]; // prettier-ignore
/** 2^(i/32) as doubles (the table entry with its exponent adjustment re-added). */
const EXP2_TAB = new Float64Array(EXP_N);
{
  const dv = new DataView(new ArrayBuffer(8));
  EXP2_TAB_BITS.forEach((hex, i) => {
    dv.setBigUint64(0, BigInt('0x' + hex) + (BigInt(i) << 47n));
    EXP2_TAB[i] = dv.getFloat64(0);
  });
}
/** 2^m for m in [-200, 200), indexed by m + 200. */
const POW2 = new Float64Array(400);
for (let m = -200; m < 200; m++) POW2[m + 200] = 2 ** m;

const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);

/** glibc expf: x is rounded to float32 first; the result is a float32 value. */
export function expf(x: number): number {
  x = Math.fround(x);
  if (!(x < 88 && x > -88)) {
    if (x !== x) return x;
    if (x === -Infinity) return 0;
    if (x === Infinity) return Infinity;
    if (x > EXP_OFLOW) return Infinity;
    if (x < EXP_UFLOW) return 0;
  }
  const z = INV_LN2_N * x;
  const kd = z + SHIFT - SHIFT;
  // r = fma(INV_LN2_N, x, -kd): z - kd is exact (|r| <= 1/2, same binade as z's ulp), plus z's rounding error.
  const err = INV_HI * x - z + INV_LO * x;
  const r = z - kd + err;
  const k = kd | 0;
  const s = EXP2_TAB[k & 31]! * POW2[(k >> 5) + 200]!;
  const p = C0 * r + C1;
  const r2 = r * r;
  let y = C2 * r + 1;
  y = p * r2 + y;
  return Math.fround(y * s);
}

// ---- logf ----------------------------------------------------------------------------------------------------------
const LOG_INVC = [
  hf('1.661ec79f8f3bep0'),
  hf('1.571ed4aaf883dp0'),
  hf('1.49539f0f010bp0'),
  hf('1.3c995b0b80385p0'),
  hf('1.30d190c8864a5p0'),
  hf('1.25e227b0b8eap0'),
  hf('1.1bb4a4a1a343fp0'),
  hf('1.12358f08ae5bap0'),
  hf('1.0953f419900a7p0'),
  1,
  hf('1.e608cfd9a47acp-1'),
  hf('1.ca4b31f026aap-1'),
  hf('1.b2036576afce6p-1'),
  hf('1.9c2d163a1aa2dp-1'),
  hf('1.886e6037841edp-1'),
  hf('1.767dcf5534862p-1'),
];
const LOG_LOGC = [
  -hf('1.57bf7808caadep-2'),
  -hf('1.2bef0a7c06ddbp-2'),
  -hf('1.01eae7f513a67p-2'),
  -hf('1.b31d8a68224e9p-3'),
  -hf('1.6574f0ac07758p-3'),
  -hf('1.1aa2bc79c81p-3'),
  -hf('1.a4e76ce8c0e5ep-4'),
  -hf('1.1973c5a611cccp-4'),
  -hf('1.252f438e10c1ep-5'),
  0,
  hf('1.aa5aa5df25984p-5'),
  hf('1.c5e53aa362eb4p-4'),
  hf('1.526e57720db08p-3'),
  hf('1.bc2860d22477p-3'),
  hf('1.1058bc8a07ee1p-2'),
  hf('1.4043057b6ee09p-2'),
];
const INVC = new Float64Array(LOG_INVC);
const LOGC = new Float64Array(LOG_LOGC);
const LN2 = hf('1.62e42fefa39efp-1');
const A0 = -hf('1.00ea348b88334p-2');
const A1 = hf('1.5575b0be00b6ap-2');
const A2 = -hf('1.ffffef20a4123p-2');
const OFF = 0x3f330000;

/** glibc logf: x is rounded to float32 first; the result is a float32 value. */
export function logf(x: number): number {
  F32[0] = x;
  let ix = U32[0]!;
  if (ix === 0x3f800000) return 0;
  if ((ix - 0x00800000) >>> 0 >= 0x7f800000 - 0x00800000) {
    if ((ix << 1) >>> 0 === 0) return -Infinity;
    if (ix === 0x7f800000) return Infinity;
    if ((ix & 0x80000000) !== 0 || (ix << 1) >>> 0 >= 0xff000000) return NaN;
    F32[0] = F32[0]! * 8388608;
    ix = (U32[0]! - (23 << 23)) >>> 0;
  }
  const tmp = (ix - OFF) >>> 0;
  const i = (tmp >>> 19) & 15;
  const k = (tmp | 0) >> 23;
  U32[0] = (ix - (tmp & (0x1ff << 23))) >>> 0;
  const z = F32[0]!;
  const invc = INVC[i]!;
  // r = z * invc - 1; z has 24 bits and invc 53, so emulate the fused form exactly as glibc's FMA build does.
  const zc = z * invc;
  const r = zc - 1 + (z * INVC_HI[i]! - zc + z * INVC_LO[i]!);
  const y0 = LOGC[i]! + k * LN2;
  const r2 = r * r;
  let y = A1 * r + A2;
  y = A0 * r2 + y;
  y = y * r2 + (y0 + r);
  return Math.fround(y);
}
const INVC_HI = new Float64Array(16);
const INVC_LO = new Float64Array(16);
for (let i = 0; i < 16; i++) {
  const v = INVC[i]!;
  const c = 134217729 * v;
  INVC_HI[i] = c - (c - v);
  INVC_LO[i] = v - INVC_HI[i]!;
}
