import { describe, expect, it } from 'vitest';
import { CsvRowParser, type InputError, formatFloat32, parseCsvLine } from '../src';
import { formatFloat32Reference } from '../src/format';

/** Parses text with CsvRowParser fed in chunks of `chunk` bytes; rows or the error message. */
function viaBytes(text: string, ncols: number, chunk: number): { rows: number[][]; error?: string } {
  const p = new CsvRowParser(ncols);
  const buf = Buffer.from(text, 'utf8');
  const out = new Float32Array(4 * ncols);
  const rows: number[][] = [];
  const take = (n: number) => {
    for (let r = 0; r < n; r++) rows.push(Array.from(out.subarray(r * ncols, (r + 1) * ncols)));
  };
  try {
    for (let i = 0; i <= buf.length; i += chunk) {
      if (i < buf.length) p.push(buf.subarray(i, Math.min(buf.length, i + chunk)));
      else p.end();
      for (let n = p.next(out, 4); n > 0; n = p.next(out, 4)) take(n);
      if (i + chunk > buf.length && i < buf.length) {
        p.end();
        for (let n = p.next(out, 4); n > 0; n = p.next(out, 4)) take(n);
        break;
      }
    }
  } catch (e) {
    take(p.rowsBeforeError);
    return { rows, error: (e as InputError).message };
  }
  return { rows };
}

/** The reference: lines split as node:readline does (\n, \r\n, lone \r), blank lines skipped, parseCsvLine. */
function viaLines(text: string, ncols: number): { rows: number[][]; error?: string } {
  const lines = text.split(/\r\n|\n|\r/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const rows: number[][] = [];
  const row = new Float32Array(ncols);
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.trim() === '') continue;
    try {
      parseCsvLine(lines[i]!, i + 1, ncols, row, 0);
    } catch (e) {
      return { rows, error: (e as InputError).message };
    }
    rows.push(Array.from(row));
  }
  return { rows };
}

function same(a: { rows: number[][]; error?: string }, b: { rows: number[][]; error?: string }): void {
  expect(a.error).toEqual(b.error);
  expect(a.rows.length).toBe(b.rows.length);
  const bits = (v: number) => (Number.isNaN(v) ? 'NaN' : Object.is(v, -0) ? '-0' : String(v));
  expect(a.rows.map((r) => r.map(bits))).toEqual(b.rows.map((r) => r.map(bits)));
}

function rnd(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s / 4294967296;
  };
}

describe('CsvRowParser (the byte-level fast path of smart-factory score)', () => {
  it('gives parseCsvLine bits for random numeric fields of every shape, at every chunk split', () => {
    const r = rnd(7);
    const field = (): string => {
      const k = r();
      if (k < 0.05) return '';
      if (k < 0.07) return ['nan', 'NaN', 'NAN'][Math.floor(r() * 3)]!;
      if (k < 0.3) return String(Math.fround((r() - 0.5) * 10 ** Math.floor(r() * 20 - 10))); // up to 17 digits
      if (k < 0.4) return ((r() - 0.5) * 1000).toExponential(Math.floor(r() * 12));
      if (k < 0.5) return `${r() < 0.5 ? '+' : '-'}${Math.floor(r() * 1e6)}.${r() < 0.5 ? '' : Math.floor(r() * 1e9)}`;
      if (k < 0.55) return `.${Math.floor(r() * 1e5)}e${Math.floor(r() * 60 - 30)}`;
      if (k < 0.6) return '0.' + '0'.repeat(Math.floor(r() * 30)) + String(Math.floor(r() * 1e8));
      if (k < 0.62) return String(Math.floor(r() * 1e18)) + '.5'; // beyond 15 digits: Number()
      return Math.fround(r() * 4 - 2).toPrecision(1 + Math.floor(r() * 9));
    };
    const lines: string[] = [];
    for (let i = 0; i < 300; i++) lines.push(Array.from({ length: 5 }, field).join(','));
    const text = lines.join('\n') + '\n';
    const want = viaLines(text, 5);
    expect(want.error).toBeUndefined();
    for (const chunk of [1, 7, 64, 1 << 20]) same(viaBytes(text, 5, chunk), want);
  });

  it('handles line endings, blank lines, whitespace and a last line without terminator like readline', () => {
    for (const text of [
      '1,2\r\n3,4\r\n',
      '1,2\r3,4',
      '1,2\n\n  \n3,4',
      ' 1 , 2\n3,4\t\n',
      '1,\n,2\n,\n',
      '-0,+0\n1e5,1E-5\n',
      '1,2\n\uFEFF3,4\n', // trim() drops a BOM, so parseField accepts it
    ])
      for (const chunk of [1, 2, 3, 1000]) same(viaBytes(text, 2, chunk), viaLines(text, 2));
  });

  it('reports the same InputError (line, column) after the same good rows', () => {
    for (const text of [
      '1,2\n3,x\n',
      '1,2\n3,4,5\n',
      '1,2\n\n3\n',
      '1,2\n1e39,0\n',
      '1,2\n--1,0\n',
      '1,2\n1e,0\n',
      '1,2\n.,0\n',
      '1,2\nnanx,0\n',
      '1,2\n0x10,1\n',
      '1,2\nInfinity,1\n',
    ])
      for (const chunk of [1, 5, 1000]) {
        const want = viaLines(text, 2);
        expect(want.error).toBeDefined();
        same(viaBytes(text, 2, chunk), want);
      }
  });
});

describe('formatFloat32 (fast) equals formatFloat32Reference', () => {
  it('on random float32 bit patterns, probabilities and edge values', () => {
    const r = rnd(11);
    const b = new Uint32Array(1);
    const f = new Float32Array(b.buffer);
    const values = [0, -0, NaN, Infinity, -Infinity, 1, -1, 0.5, 3, 1e-7, 1e-45, 3.4028234663852886e38, 0.1, 2 ** -126];
    for (let i = 0; i < 12_000; i++) {
      b[0] = (r() * 2 ** 32) >>> 0;
      values.push(f[0]!);
      values.push(Math.fround(r()));
    }
    const bad = values.filter((v) => formatFloat32(v) !== formatFloat32Reference(v));
    expect(bad.map((v) => [v, formatFloat32(v), formatFloat32Reference(v)])).toEqual([]);
  });
});
