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
    if (Math.fround(n) === v) return String(halfEven(v, p, n));
  }
  return String(halfEven(v, 9, Number(v.toPrecision(9))));
}

/**
 * toPrecision rounds an exact tie up; numpy (and C printf) round it to the even digit. When v is exactly halfway
 * between two p-digit decimals and the lower one has an even last digit (and also parses back to v), use that one.
 */
function halfEven(v: number, p: number, up: number): number {
  const exact = Math.abs(v).toPrecision(Math.min(p + 25, 100));
  const [mant, exp] = exact.split('e') as [string, string | undefined];
  const dot = mant.indexOf('.');
  const intLen = dot === -1 ? mant.length : dot;
  const all = mant.replace('.', '');
  const digits = all.replace(/^0+/, '');
  // Decimal exponent of the first significant digit.
  const lead = exp === undefined ? intLen - 1 - (all.length - digits.length) : Number(exp);
  if (digits[p] !== '5' || !/^0*$/.test(digits.slice(p + 1))) return up;
  if (Number(digits[p - 1]) % 2 !== 0) return up;
  const down = Number(`${v < 0 ? '-' : ''}${digits.slice(0, p)}e${lead - (p - 1)}`);
  return Math.fround(down) === v ? down : up;
}
/**
 * Python's repr() of the double v (what SageMaker's XGBoost container prints for a float32 prediction widened to
 * double): shortest round-trip digits, scientific notation below 1e-4 and from 1e16 with a signed two-digit exponent,
 * and ".0" on integral values. E.g. 0.43861907720565796, 9.999999747378752e-06, 3.0, 1.2345678407663616e+16.
 */
export function pythonFloatRepr(v: number): string {
  if (v !== v) return 'nan';
  if (v === Infinity) return 'inf';
  if (v === -Infinity) return '-inf';
  if (v === 0) return Object.is(v, -0) ? '-0.0' : '0.0';
  const [mant, expStr] = v.toExponential().split('e') as [string, string];
  const exp = Number(expStr);
  const neg = mant.startsWith('-');
  const digits = mant.replace('-', '').replace('.', '');
  const sign = neg ? '-' : '';
  if (exp < -4 || exp >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  if (digits.length <= exp + 1) return `${sign}${digits}${'0'.repeat(exp + 1 - digits.length)}.0`;
  return `${sign}${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
}
