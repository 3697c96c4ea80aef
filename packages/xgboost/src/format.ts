/**
 * Shortest decimal text that parses back (as float32) to exactly the float32 value v, e.g. 0.43861908, 1e-7, 3.
 * NaN prints as "nan" and infinities as "inf" / "-inf".
 */
export function formatFloat32(v: number): string {
  if (v !== v) return 'nan';
  if (v === Infinity) return 'inf';
  if (v === -Infinity) return '-inf';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  for (let p = 1; p < 9; p++) {
    const n = Number(v.toPrecision(p));
    if (Math.fround(n) === v) return String(n);
  }
  return String(Number(v.toPrecision(9)));
}
