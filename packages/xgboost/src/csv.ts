/** A bad input row: names the 1-based line and column. */
export class InputError extends Error {
  override readonly name = 'InputError';
  constructor(
    readonly line: number,
    readonly column: number | undefined,
    reason: string
  ) {
    super(`line ${line}${column === undefined ? '' : `, column ${column}`}: ${reason}`);
  }
}

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * Parses one header-less CSV line (SageMaker's text/csv convention: features in model order, an empty field = missing)
 * into out[offset .. offset+ncols). Throws InputError for a wrong field count, a non-numeric or an infinite field.
 */
export function parseCsvLine(line: string, lineNo: number, ncols: number, out: Float32Array, offset: number): void {
  let col = 0;
  let start = 0;
  const n = line.length;
  for (;;) {
    let end = line.indexOf(',', start);
    if (end === -1) end = n;
    if (col >= ncols) throw new InputError(lineNo, col + 1, `expected ${ncols} fields, got more`);
    out[offset + col] = parseField(line.slice(start, end), lineNo, col + 1);
    col++;
    if (end === n) break;
    start = end + 1;
  }
  if (col !== ncols) throw new InputError(lineNo, col, `expected ${ncols} fields, got ${col}`);
}

export function parseField(raw: string, lineNo: number, column: number): number {
  const s = raw.trim();
  if (s === '' || s === 'nan' || s === 'NaN' || s === 'NAN') return NaN;
  if (!NUMBER.test(s)) throw new InputError(lineNo, column, `not a number: ${JSON.stringify(raw.slice(0, 40))}`);
  const v = Math.fround(Number(s));
  if (!Number.isFinite(v)) throw new InputError(lineNo, column, `value ${s} is infinite as float32 (not allowed)`);
  return v;
}

/**
 * Parses a whole text/csv payload (lines split on \n, trailing \r removed, blank lines skipped). With maxCols, the
 * field count is taken from the first line and may be below maxCols (trailing features missing, as libxgboost accepts
 * for SageMaker endpoints); every line must then have that count.
 */
export function parseCsv(
  text: string,
  ncols: number,
  opts: { upTo?: boolean } = {}
): { data: Float32Array; rows: number; cols: number } {
  const lines = text.split('\n');
  if (opts.upTo) {
    const first = lines.find((l) => l.trim() !== '');
    if (first !== undefined) {
      const n = first.split(',').length;
      if (n > ncols) throw new InputError(1, ncols + 1, `expected at most ${ncols} fields, got ${n}`);
      ncols = n;
    }
  }
  const data = new Float32Array(lines.length * ncols);
  let rows = 0;
  for (let i = 0; i < lines.length; i++) {
    let l = lines[i]!;
    if (l.endsWith('\r')) l = l.slice(0, -1);
    if (l.trim() === '') continue;
    parseCsvLine(l, i + 1, ncols, data, rows * ncols);
    rows++;
  }
  return { data: data.subarray(0, rows * ncols), rows, cols: ncols };
}

/**
 * Parses a text/libsvm payload as SageMaker's container does: per line an optional label (ignored) and `index:value`
 * tokens with 0-based column indices; absent columns are missing, an explicit 0 is a value.
 */
export function parseLibsvm(text: string, ncols: number): { data: Float32Array; rows: number; cols: number } {
  const lines = text.split('\n');
  const data = new Float32Array(lines.length * ncols).fill(NaN);
  let rows = 0;
  for (let i = 0; i < lines.length; i++) {
    const tokens = lines[i]!.trim().split(/\s+/).filter(Boolean);
    if (tokens.length === 0) continue;
    tokens.forEach((tok, j) => {
      const c = tok.indexOf(':');
      if (c === -1) {
        if (j === 0) return; // label
        throw new InputError(i + 1, j + 1, `expected index:value, got ${JSON.stringify(tok.slice(0, 40))}`);
      }
      const idx = Number(tok.slice(0, c));
      if (!Number.isInteger(idx) || idx < 0) throw new InputError(i + 1, j + 1, `bad feature index ${tok.slice(0, c)}`);
      if (idx >= ncols) throw new InputError(i + 1, j + 1, `feature index ${idx} but the model has ${ncols} features`);
      data[rows * ncols + idx] = parseField(tok.slice(c + 1), i + 1, j + 1);
    });
    rows++;
  }
  return { data: data.subarray(0, rows * ncols), rows, cols: ncols };
}
