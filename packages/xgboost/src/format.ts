/**
 * Shortest decimal text that parses back (as float32) to exactly the float32 value v, e.g. 0.43861908, 1e-7, 3.
 * NaN prints as "nan" and infinities as "inf" / "-inf".
 *
 * Same result as `formatFloat32Reference` (which tries v.toPrecision(p) for p = 1…9), computed from one
 * v.toPrecision(9): rounding its 9 digits to p digits equals rounding v itself to p digits unless the dropped
 * digits are exactly 5, 50, 500… (a midpoint after the first rounding), and only then the reference runs. The value
 * of each candidate q·10^k is formed as one correctly rounded operation on exact operands (Clinger), i.e. the same
 * double `Number(v.toPrecision(p))` returns.
 */
export function formatFloat32(v: number): string {
  if (v !== v || v === 0 || v === Infinity || v === -Infinity) return formatFloat32Reference(v);
  const a = v < 0 ? -v : v;
  const s9 = a.toPrecision(9);
  let mant = s9;
  let e10: number;
  const ei = s9.indexOf('e');
  let digits: string;
  if (ei !== -1) {
    mant = s9.slice(0, ei);
    e10 = Number(s9.slice(ei + 1));
    digits = mant.length > 1 ? mant[0]! + mant.slice(2) : mant;
  } else {
    const dot = mant.indexOf('.');
    const intLen = dot === -1 ? mant.length : dot;
    const all = dot === -1 ? mant : mant.slice(0, dot) + mant.slice(dot + 1);
    let lz = 0;
    while (all.charCodeAt(lz) === 48) lz++;
    e10 = intLen - 1 - lz;
    digits = all.slice(lz);
  }
  if (digits.length !== 9) return formatFloat32Reference(v);
  const d9 = Number(digits);
  for (let p = 1; p < 9; p++) {
    const unit = POW10[9 - p]!;
    let q = Math.floor(d9 / unit);
    const tail = d9 - q * unit;
    const half = unit / 2;
    if (tail === half) return formatFloat32Reference(v); // a midpoint: only the exact digits decide
    if (tail > half) q++;
    const n = decimalValue(q, e10 - p + 1);
    if (Math.fround(v < 0 ? -n : n) === v) return String(v < 0 ? -n : n);
  }
  // Nine digits: a tie needs the tenth exact digit, which toPrecision(10) shows as a final 5 only then.
  const t10 = a.toPrecision(10);
  const last = t10.indexOf('e') === -1 ? t10[t10.length - 1] : t10[t10.indexOf('e') - 1];
  if (last === '5') return formatFloat32Reference(v);
  const n = decimalValue(d9, e10 - 8);
  return String(v < 0 ? -n : n);
}

const POW10 = [
  1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20,
  1e21, 1e22,
];

/** The double nearest q·10^k (q an exact integer below 2^53), as Number(`${q}e${k}`) gives it. */
function decimalValue(q: number, k: number): number {
  if (k >= 0 && k <= 22) return q * POW10[k]!;
  if (k < 0 && k >= -22) return q / POW10[-k]!;
  return Number(`${q}e${k}`);
}

/** The defining implementation of formatFloat32 (kept as its oracle and for the rare midpoint cases). */
export function formatFloat32Reference(v: number): string {
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
