/** One data row of a `timestamp,value` CSV, with both fields exactly as written. */
export interface TimestampValueRow {
  /** 1-based line number in the file. */
  readonly line: number;
  readonly timestamp: string;
  /** The value field as written (copied through unchanged by `detect`). */
  readonly valueText: string;
  readonly value: number;
}

export class CsvError extends Error {
  override readonly name = 'CsvError';
}

/**
 * Parses a NAB-style CSV: a header `timestamp,value`, then one `timestamp,value` row per line (LF or CRLF; a final
 * newline is optional). Throws CsvError naming the line of the first malformed row.
 */
export function parseTimestampValueCsv(text: string): TimestampValueRow[] {
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const strip = (l: string): string => (l.endsWith('\r') ? l.slice(0, -1) : l);
  if (lines.length === 0) throw new CsvError('line 1: empty input, expected the header "timestamp,value"');
  const header = strip(lines[0]!.replace(/^\uFEFF/, ''))
    .split(',')
    .map((h) => h.trim().toLowerCase());
  if (header.length !== 2 || header[0] !== 'timestamp' || header[1] !== 'value') {
    throw new CsvError(`line 1: expected the header "timestamp,value", got "${strip(lines[0]!)}"`);
  }
  const rows: TimestampValueRow[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = strip(lines[i]!);
    const n = i + 1;
    const fields = line.split(',');
    if (fields.length !== 2) {
      throw new CsvError(
        `line ${n}: expected 2 fields (timestamp,value), got ${line === '' ? 'an empty line' : fields.length}`
      );
    }
    const [timestamp, valueText] = fields as [string, string];
    if (timestamp.trim() === '') throw new CsvError(`line ${n}: empty timestamp`);
    const t = valueText.trim();
    const value = t === '' ? Number.NaN : Number(t);
    if (!Number.isFinite(value)) throw new CsvError(`line ${n}: value "${valueText}" is not a finite number`);
    rows.push({ line: n, timestamp, valueText, value });
  }
  if (rows.length === 0) throw new CsvError('line 2: no data rows after the header');
  return rows;
}
