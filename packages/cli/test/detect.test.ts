import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { main } from '../src/main';

const nabCsv = join(__dirname, '..', '..', '..', 'data', 'nab', 'machine_temperature_system_failure.csv');

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  const code = await main(args, { stdin: new PassThrough(), stdout, stderr });
  return { code, out, err };
}

describe('smart-factory detect', () => {
  const dir = mkdtempSync(join(tmpdir(), 'detect-'));

  it('scores a slice of the NAB machine-temperature file end to end', async () => {
    const lines = readFileSync(nabCsv, 'utf8').split('\n');
    // 2013-12-14 .. 2013-12-18 (around the second labelled anomaly), 2,000 rows after the header, CRLF endings.
    const slice = [lines[0]!, ...lines.slice(3000, 5000)];
    const input = join(dir, 'slice.csv');
    const output = join(dir, 'out.csv');
    writeFileSync(input, slice.join('\r\n') + '\r\n');
    const r = await run(['detect', '--input', input, '--output', output]);
    expect(r.err).toContain('2000 rows scored');
    expect(r.code).toBe(0);
    const out = readFileSync(output, 'utf8').trimEnd().split('\n');
    expect(out[0]).toBe('timestamp,value,anomaly_score');
    expect(out).toHaveLength(slice.length);
    const scores: number[] = [];
    for (let i = 1; i < out.length; i++) {
      const [ts, value, score] = out[i]!.split(',');
      const [inTs, inValue] = slice[i]!.split(',');
      expect(ts).toBe(inTs);
      expect(value).toBe(inValue);
      const s = Number(score);
      expect(s).toBeGreaterThanOrEqual(0);
      expect(s).toBeLessThanOrEqual(1);
      scores.push(s);
    }
    // Mostly zero, and the 2013-12-16 drop (labelled anomaly 2013-12-16 17:25) raises an alert within its window.
    expect(scores.filter((s) => s > 0).length).toBeLessThan(scores.length / 50);
    const alerted = out
      .slice(1)
      .filter((l) => Number(l.split(',')[2]) > 0)
      .map((l) => l.split(',')[0]!);
    expect(alerted.some((t) => t >= '2013-12-15 17:50:00' && t <= '2013-12-17 17:00:00')).toBe(true);
  });

  it('names the line of malformed input and fails', async () => {
    const input = join(dir, 'bad.csv');
    writeFileSync(input, 'timestamp,value\n2020-01-01 00:00:00,1.5\n2020-01-01 00:05:00,abc\n');
    const r = await run(['detect', '--input', input, '--output', join(dir, 'x.csv')]);
    expect(r.code).toBe(1);
    expect(r.err).toContain('line 3: value "abc" is not a finite number');
    writeFileSync(input, 'time;value\n1;2\n');
    expect((await run(['detect', '--input', input, '--output', join(dir, 'x.csv')])).err).toContain(
      'line 1: expected the header'
    );
    writeFileSync(input, 'timestamp,value\n2020,1\n2021,2,3\n');
    expect((await run(['detect', '--input', input, '--output', join(dir, 'x.csv')])).err).toContain(
      'line 3: expected 2 fields'
    );
  });

  it('rejects bad usage with exit code 2', async () => {
    expect((await run(['detect', '--input', 'x.csv'])).code).toBe(2);
    expect((await run(['detect', '--input', 'a', '--output', 'b', '--trees', 'many'])).code).toBe(2);
  });
});
