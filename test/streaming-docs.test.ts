import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SENSOR_COLUMNS } from '@smart-factory/schema';
import { expect, it } from 'vitest';

it('docs/streaming.md lists every sensor column with the unit and range of SENSOR_COLUMNS', () => {
  const doc = readFileSync(join(__dirname, '..', 'docs', 'streaming.md'), 'utf8');
  for (const c of SENSOR_COLUMNS) {
    const range = c.min !== undefined ? `[${c.min}, ${c.max}]` : '';
    const row = `| \`${c.name}\` | ${c.glueType === 'double' ? 'number' : 'string'} | ${c.required ? 'yes' : 'no'} | ${c.unit ?? ''} | ${range} | ${c.description} |`;
    expect(doc).toContain(row);
  }
});
