// TEST HARNESS ONLY: decodes one parquet file with hyparquet (pure JS) for the awswrangler stand-in; prints
// {"columns": [...], "timestamps": [names], "rows": [[...], ...]} with timestamps as ISO strings, int64 as numbers.
import { readFileSync } from 'node:fs';
import { parquetMetadata, parquetReadObjects, parquetSchema } from 'hyparquet';

const buf = readFileSync(process.argv[2]);
const file = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
const meta = parquetMetadata(file);
const columns = parquetSchema(meta).children.map((c) => c.element.name);
const rows = await parquetReadObjects({ file, metadata: meta });
const timestamps = new Set();
const cell = (name, v) => {
  if (v instanceof Date) {
    timestamps.add(name);
    return v.toISOString();
  }
  return typeof v === 'bigint' ? Number(v) : v;
};
const out = rows.map((r) => columns.map((c) => cell(c, r[c] ?? null)));
process.stdout.write(JSON.stringify({ columns, timestamps: [...timestamps], rows: out }));
