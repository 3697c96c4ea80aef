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

const POW10 = [
  1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20,
  1e21, 1e22,
];

/**
 * Streaming parser of header-less CSV bytes into float32 rows: the fast path of `smart-factory score`, with exactly
 * the semantics of `parseCsvLine` on each line (lines end at \n, \r\n or a lone \r, as node:readline splits them;
 * blank lines are skipped but counted). Plain numeric fields are parsed from the bytes: with at most 15 significant
 * digits and a decimal exponent within ±22 the value m·10^e (or m/10^-e) is one correctly rounded IEEE operation on
 * exact operands (Clinger's fast path), i.e. the same double `Number()` returns; longer fields go through `Number()`.
 * Either way the double is then rounded to float32, as `parseField` does. Any line with another byte (spaces, "nan"
 * variants other than nan/NaN/NAN, non-ASCII, a wrong field count) is decoded and handed to `parseCsvLine`, so
 * errors are the same InputError.
 */
export class CsvRowParser {
  /** 1-based number of the last line consumed. */
  lineNo = 0;
  /** When `next` throws an InputError: the rows it had written to out before the bad line. */
  rowsBeforeError = 0;
  private carry: Buffer | undefined;
  private pos = 0;
  private final = false;

  constructor(readonly ncols: number) {}

  /** Appends a chunk. Call `next(out, maxRows)` until it returns 0, then push the next chunk (or call `end()`). */
  push(chunk: Buffer): void {
    const c = this.carry;
    this.carry = c && c.length > this.pos ? Buffer.concat([c.subarray(this.pos), chunk]) : chunk;
    this.pos = 0;
  }

  /** No more input: a last line without a terminator is parsed by the next `next` calls. */
  end(): void {
    this.final = true;
  }

  /** Parses up to maxRows complete rows into out (row-major, ncols each); returns the number of rows written. */
  next(out: Float32Array, maxRows: number): number {
    const buf = this.carry;
    if (!buf) return 0;
    const n = buf.length;
    const ncols = this.ncols;
    let rows = 0;
    let pos = this.pos;
    while (rows < maxRows && pos < n) {
      const c0 = buf[pos]!;
      if (c0 !== 10 && c0 !== 13) {
        // Fast path: parse the fields straight from the bytes up to the line's end.
        const e = parseRowBytes(buf, pos, n, ncols, out, rows * ncols);
        if (e >= 0) {
          let next: number;
          if (e === n) {
            if (!this.final) break; // the line may go on in the next chunk: parse it again then
            next = n;
          } else if (buf[e] === 13) {
            if (e + 1 === n && !this.final) break;
            next = e + 1 < n && buf[e + 1] === 10 ? e + 2 : e + 1;
          } else next = e + 1;
          this.lineNo++;
          rows++;
          pos = next;
          continue;
        }
      }
      // Find the end of the line.
      let e = pos;
      while (e < n) {
        const c = buf[e]!;
        if (c === 10 || c === 13) break;
        e++;
      }
      let next: number;
      if (e === n) {
        if (!this.final) break;
        next = n;
      } else if (buf[e] === 13) {
        if (e + 1 === n && !this.final) break; // \r at the chunk end: \r\n or a lone \r, decided by the next byte
        next = e + 1 < n && buf[e + 1] === 10 ? e + 2 : e + 1;
      } else {
        next = e + 1;
      }
      this.lineNo++;
      if (e > pos) {
        // A line the fast path does not take: decoded and parsed by parseCsvLine (same values, or its InputError).
        const line = buf.toString('utf8', pos, e);
        if (line.trim() !== '') {
          try {
            parseCsvLine(line, this.lineNo, ncols, out, rows * ncols);
          } catch (err) {
            this.rowsBeforeError = rows;
            throw err;
          }
          rows++;
        }
      }
      pos = next;
    }
    this.pos = pos;
    return rows;
  }
}

/**
 * Parses the line that starts at buf[a] (and ends at the first \n or \r, or at buf[n]) as exactly ncols numeric
 * fields into out[off...]; returns the index of the line's end, or -1 (out partly written) when the line needs the
 * general parser: another byte, an infinite value, a wrong field count.
 */
function parseRowBytes(buf: Buffer, a: number, n: number, ncols: number, out: Float32Array, off: number): number {
  let col = 0;
  let i = a;
  for (;;) {
    if (col >= ncols) return -1;
    // One field: [+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)? | '' | nan | NaN | NAN
    let c = i < n ? buf[i]! : 10;
    let v: number;
    if (c === 44 || c === 10 || c === 13) {
      v = NaN;
    } else if (c === 110 || c === 78) {
      if (i + 3 > n) return -1;
      const c1 = buf[i + 1]!;
      const c2 = buf[i + 2]!;
      if (!(
        (c === 110 && c1 === 97 && c2 === 110) ||
        (c === 78 && c1 === 97 && c2 === 78) ||
        (c === 78 && c1 === 65 && c2 === 78)
      ))
        return -1;
      i += 3;
      if (i < n && buf[i] !== 44 && buf[i] !== 10 && buf[i] !== 13) return -1;
      v = NaN;
    } else {
      const start = i;
      let neg = false;
      if (c === 45 || c === 43) {
        neg = c === 45;
        i++;
        c = i < n ? buf[i]! : 10;
      }
      let m = 0;
      let sig = 0; // significant digits accumulated in m
      let drop = 0; // integer digits beyond the 15 kept (only counted: the field then goes through Number())
      let digits = 0;
      let scale = 0; // fraction digits kept in m
      while (c >= 48 && c <= 57) {
        if (sig < 15) {
          if (m !== 0 || c !== 48) sig++;
          m = m * 10 + (c - 48);
        } else drop++;
        digits++;
        i++;
        c = i < n ? buf[i]! : 10;
      }
      if (c === 46) {
        i++;
        c = i < n ? buf[i]! : 10;
        while (c >= 48 && c <= 57) {
          if (sig < 15) {
            if (m !== 0 || c !== 48) sig++;
            m = m * 10 + (c - 48);
            scale++;
          } else drop++;
          digits++;
          i++;
          c = i < n ? buf[i]! : 10;
        }
      }
      if (digits === 0) return -1;
      let exp = 0;
      if (c === 101 || c === 69) {
        i++;
        c = i < n ? buf[i]! : 10;
        let eneg = false;
        if (c === 45 || c === 43) {
          eneg = c === 45;
          i++;
          c = i < n ? buf[i]! : 10;
        }
        let ed = 0;
        while (c >= 48 && c <= 57) {
          if (ed < 6) exp = exp * 10 + (c - 48);
          ed++;
          i++;
          c = i < n ? buf[i]! : 10;
        }
        if (ed === 0) return -1;
        if (ed >= 6) drop++;
        if (eneg) exp = -exp;
      }
      if (c !== 44 && c !== 10 && c !== 13) return -1;
      const e10 = exp - scale;
      if (drop === 0 && e10 >= -22 && e10 <= 22) {
        v = e10 >= 0 ? m * POW10[e10]! : m / POW10[-e10]!;
        if (neg) v = -v;
      } else {
        v = Number(buf.toString('latin1', start, i));
      }
      v = Math.fround(v);
      if (v === Infinity || v === -Infinity) return -1;
    }
    out[off + col] = v;
    col++;
    // buf[i] (if i < n) is the byte after the field: a comma, or \n / \r ending the line.
    if (i >= n || buf[i] !== 44) break;
    i++; // the comma: another field follows (an empty one at the line's end)
  }
  return col === ncols ? i : -1;
}
