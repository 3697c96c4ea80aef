/**
 * The CLI as a newcomer meets it: the same rules in every command (errors name the option and the file, never repeat
 * a huge input, `-` is stdin/stdout, options parsed one way). Each case was seen on the landed code (issue 10).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_ALERT_GRADE } from '@smart-factory/rcf';
import { parseCsvTimestamp } from '../src/commands/detect';
import { errorMessage, main } from '../src/main';

const root = join(__dirname, '..', '..', '..');
const MODEL = join(root, 'packages', 'xgboost', 'test', 'fixtures', 'seed', 'model.tar.gz');
const NAB = join(root, 'data', 'nab', 'machine_temperature_system_failure.csv');
const dir = mkdtempSync(join(tmpdir(), 'cli-newcomer-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(args: string[], stdin = ''): Promise<{ code: number; out: string; err: string }> {
  const io = { stdin: new PassThrough(), stdout: new PassThrough(), stderr: new PassThrough() };
  let out = '';
  let err = '';
  io.stdout.on('data', (d: Buffer) => (out += d.toString()));
  io.stderr.on('data', (d: Buffer) => (err += d.toString()));
  io.stdin.end(stdin);
  const code = await main(args, io);
  return { code, out, err };
}

const file = (name: string, text: string | Buffer): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};
const reading = (over: Record<string, unknown> = {}) =>
  JSON.stringify({
    device_id: 'press-001',
    ts: '2026-01-01T00:00:00Z',
    temperature: 70,
    motor_speed_rpm: 1500,
    rvibration_temp: 40,
    rvibration_z_rms_velocity: 2,
    ...over,
  });

describe('errors name the option and the file', () => {
  const folder = join(dir, 'a-folder');
  mkdirSync(folder, { recursive: true });

  it('a folder given as a file (EISDIR), for inputs, models and outputs', async () => {
    for (const [args, option] of [
      [['score', '--model', MODEL, '--input', folder], '--input'],
      [['score', '--model', folder], '--model'],
      [['validate', '--input', folder], '--input'],
      [['detect', '--input', folder, '--output', join(dir, 'o.csv')], '--input'],
      [['detect', '--input', NAB, '--output', folder], '--output'],
      [['simulate', '--devices', '1', '--rate', '1', '--duration', '1', '--to', `file:${folder}`], '--to file:'],
    ] as const) {
      const r = await run([...args]);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.err).toContain(`${option}${option.endsWith(':') ? '' : ' '}${folder}: is a folder, expected a file`);
      expect(r.err).not.toContain('EISDIR');
    }
  });

  it('a missing file or folder of an output is named before any work', async () => {
    const r = await run(['detect', '--input', NAB, '--output', '/nonexistent-i10/dir/out.csv']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('--output /nonexistent-i10/dir/out.csv: the folder /nonexistent-i10/dir does not exist');
    expect(r.err).not.toContain('rows scored');
  });

  it('a corrupt model.tar.gz names the model file', async () => {
    const full = readFileSync(MODEL);
    const trunc = file('trunc.tar.gz', full.subarray(0, Math.floor(full.length / 2)));
    for (const cmd of [
      ['score', '--model', trunc],
      ['serve', '--model', trunc, '--port', '0'],
    ]) {
      const r = await run(cmd);
      expect(r.code, cmd[0]).toBe(1);
      expect(r.err).toMatch(new RegExp(`--model ${trunc.replace(/[.]/g, '\\.')}: corrupt gzip data`));
    }
  });

  it('an edge model without a manifest beside it says what the manifest must hold', async () => {
    const edgeDir = join(dir, 'edge-no-manifest');
    mkdirSync(edgeDir, { recursive: true });
    const model = join(edgeDir, 'model.tar.gz');
    writeFileSync(model, readFileSync(MODEL));
    const r = await run(['edge', '--model', model], reading() + '\n');
    expect(r.code).toBe(1);
    expect(r.err).toContain(`--model ${model}: no ${join(edgeDir, 'manifest.json')} beside it`);
    expect(r.err).toContain('feature_order');
    const empty = join(dir, 'edge-empty');
    mkdirSync(empty, { recursive: true });
    const r2 = await run(['edge', '--model', empty], '');
    expect(r2.err).toContain(`--model ${empty}: no latest.json in this folder`);
  });
});

describe('errors never repeat a huge input', () => {
  const huge = '1'.repeat(1_000_000);
  it('score, detect and validate quote a short prefix', async () => {
    const csv = file('huge.csv', `${huge},1,1,1,1,1\n`);
    const nab = file('huge-nab.csv', `timestamp,value\n2013-12-02 21:15:00,${huge}x\n`);
    const jsonl = file('huge.jsonl', reading({ temperature: huge }) + '\n');
    for (const args of [
      ['score', '--model', MODEL, '--input', csv],
      ['detect', '--input', nab, '--output', join(dir, 'o.csv')],
      ['validate', '--input', jsonl],
      ['simulate', '--to', `${huge}`],
    ]) {
      const r = await run(args);
      expect(r.code, args[0]).toBeGreaterThan(0);
      expect(r.out.length + r.err.length, args[0]).toBeLessThan(5000);
      expect(r.err + r.out, args[0]).toMatch(/1111"?… \(\d+ characters\)/);
    }
  });
});

describe('- is stdin and stdout', () => {
  it('detect reads stdin and writes stdout', async () => {
    const lines = readFileSync(NAB, 'utf8').split('\n').slice(0, 400);
    const r = await run(['detect', '--input', '-', '--output', '-'], lines.join('\n') + '\n');
    expect(r.code).toBe(0);
    const out = r.out.trimEnd().split('\n');
    expect(out[0]).toBe('timestamp,value,anomaly_score');
    expect(out).toHaveLength(400);
    expect(r.err).toContain('399 rows scored, written to stdout');
  });
  it('simulate writes file:- to stdout, and needs --labels for faults there', async () => {
    const r = await run(['simulate', '--devices', '2', '--rate', '1', '--duration', '3', '--to', 'file:-']);
    expect(r.code).toBe(0);
    expect(r.out.trimEnd().split('\n')).toHaveLength(6);
    const f = await run(['simulate', '--devices', '2', '--rate', '1', '--duration', '3', '--to', 'file:-', '--faults']);
    expect(f.code).toBe(2);
    expect(f.err).toContain('--labels <path> is required with --faults');
  });
});

describe('validate', () => {
  it('blank lines are not readings', async () => {
    const r = await run(['validate'], '\n   \n' + reading() + '\n' + '\n'.repeat(10));
    expect(r.code).toBe(0);
    expect(r.err).toBe('1 valid, 0 invalid\n');
  });
  it('rejects an impossible date and reports 1e999 as out of range, not null', async () => {
    const text =
      reading({ ts: '2026-02-30T00:00:00Z' }) + '\n' + reading().replace('"temperature":70', '"temperature":1e999');
    const r = await run(['validate'], text + '\n');
    expect(r.code).toBe(1);
    expect(r.out).toContain('line 1: ts must be an ISO-8601 UTC timestamp');
    expect(r.out).toContain('line 2: temperature must be a finite number, got a number too large for a double');
    expect(r.out).not.toContain('null');
  });
  it('an empty input says so and exits 1', async () => {
    expect(await run(['validate'], '')).toMatchObject({ code: 1, err: 'no readings in stdin (empty input)\n' });
    const blank = file('blank.jsonl', '\n\n');
    expect(await run(['validate', '--input', blank])).toMatchObject({
      code: 1,
      err: `no readings in ${blank} (2 blank line(s))\n`,
    });
  });
});

describe('detect', () => {
  it('rejects an unparsable or descending timestamp, naming the line', async () => {
    const bad = await run(['detect', '--input', '-', '--output', '-'], 'timestamp,value\nnot-a-date,1\n');
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('stdin: line 2: timestamp "not-a-date" is not a date and time');
    const desc = await run(
      ['detect', '--input', '-', '--output', '-'],
      'timestamp,value\n2013-12-02 21:15:00,1\n2013-12-02 21:10:00,2\n'
    );
    expect(desc.code).toBe(1);
    expect(desc.err).toContain('line 3: timestamp "2013-12-02 21:10:00" is before the previous row\'s');
    expect(parseCsvTimestamp('2013-02-30 00:00:00')).toBeNaN();
    expect(parseCsvTimestamp('2013-12-02T21:15:00+09:00')).toBe(Date.UTC(2013, 11, 2, 12, 15));
  });

  it('counts alerts as the deployed Lambda sends them: grade ≥ DEFAULT_ALERT_GRADE (0.5), one per 600 s of reading time', async () => {
    const strict = await run(['detect', '--input', NAB, '--output', '-']);
    expect(strict.code).toBe(1);
    expect(strict.err).toContain('line 10151: timestamp "2014-01-07 02:00:00" is before the previous row\'s');
    // 3,000 rows around that step back (NAB's file as published), to keep the test short.
    const lines = readFileSync(NAB, 'utf8').split('\n');
    const slice = file('slice.csv', [lines[0], ...lines.slice(9000, 12000)].join('\n') + '\n');
    const r = await run(['detect', '--input', slice, '--output', '-', '--unordered']);
    expect(r.code).toBe(0);
    expect(r.err).toContain('time went back 1 time(s)');
    const rows = r.out
      .trimEnd()
      .split('\n')
      .slice(1)
      .map((l) => l.split(','));
    let alerts = 0;
    let anomalous = 0;
    let last = -Infinity;
    for (const [ts, , score] of rows) {
      const g = Number(score);
      if (g > 0) anomalous++;
      const ms = parseCsvTimestamp(ts!);
      if (g >= DEFAULT_ALERT_GRADE && (ms - last >= 600_000 || ms < last)) {
        alerts++;
        last = ms;
      }
    }
    expect(alerts).toBeGreaterThan(0);
    expect(alerts).toBeLessThan(anomalous);
    expect(DEFAULT_ALERT_GRADE).toBe(0.5);
    expect(r.err).toMatch(new RegExp(`; ${alerts} alerts? at the alert threshold 0.5 with a 600 s cooldown`));
    expect(r.err).toContain(`${anomalous} anomalous rows (grade > 0)`);
  });
});

describe('simulate', () => {
  it('a rate that yields no reading is an error', async () => {
    const r = await run(['simulate', '--devices', '2', '--rate', '0.001', '--duration', '10', '--to', 'file:x']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('--rate 0.001 for --duration 10 s gives no reading');
  });
  it('names the readings file it was given, and writes no labels file without --faults', async () => {
    const r = await run([
      'simulate',
      '--devices',
      '1',
      '--rate',
      '1',
      '--duration',
      '2',
      '--to',
      'file:/nonexistent-i10/x.jsonl',
    ]);
    expect(r.code).toBe(1);
    expect(r.err).toContain('--to file:/nonexistent-i10/x.jsonl: the folder /nonexistent-i10 does not exist');
    const out = join(dir, 'sim.jsonl');
    expect(
      (await run(['simulate', '--devices', '1', '--rate', '1', '--duration', '2', '--to', `file:${out}`])).code
    ).toBe(0);
    expect(existsSync(out)).toBe(true);
    expect(existsSync(`${out}.labels.jsonl`)).toBe(false);
    const l = await run([
      'simulate',
      '--devices',
      '1',
      '--rate',
      '1',
      '--duration',
      '2',
      '--to',
      `file:${out}`,
      '--labels',
      'l.jsonl',
    ]);
    expect(l).toMatchObject({ code: 2 });
    expect(l.err).toContain('--labels is only used with --faults');
  });
  it('without a region says "pass --region or set AWS_REGION"', async () => {
    const saved = { ...process.env };
    delete process.env['AWS_REGION'];
    delete process.env['AWS_DEFAULT_REGION'];
    delete process.env['AWS_PROFILE'];
    process.env['AWS_CONFIG_FILE'] = join(dir, 'no-config');
    process.env['AWS_SHARED_CREDENTIALS_FILE'] = join(dir, 'no-credentials');
    try {
      const r = await run([
        'simulate',
        '--devices',
        '1',
        '--rate',
        '1',
        '--duration',
        '1',
        '--to',
        'kinesis:s',
        '--fast',
      ]);
      expect(r.code).toBe(1);
      expect(r.err).toContain('smart-factory simulate: no AWS region: pass --region or set AWS_REGION');
    } finally {
      process.env = saved;
    }
    expect(errorMessage(new Error('Region is missing'))).toBe('no AWS region: pass --region or set AWS_REGION');
  });
});

describe('options are parsed one way in every command', () => {
  it('a negative number reaches the command, which answers with its own range', async () => {
    for (const [args, message] of [
      [
        ['detect', '--input', NAB, '--output', '-', '--trees', '-5'],
        '--trees must be an integer from 1 to 1000, got "-5"',
      ],
      [
        ['detect', '--input', NAB, '--output', '-', '--time-decay', '-1'],
        '--time-decay must be a number in [0, 1), got "-1"',
      ],
      [
        ['simulate', '--devices', '-1', '--rate', '1', '--duration', '1', '--to', 'file:x'],
        '--devices must be 1-100000',
      ],
      [['serve', '--model', MODEL, '--port', '-1'], '--port must be an integer from 0 to 65535, got "-1"'],
      [['edge', '--model', dir, '--interval', '-3'], '--interval must be a number in [0.05, 86400] seconds, got "-3"'],
    ] as const) {
      const r = await run([...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err).toContain(message);
      expect(r.err).not.toContain('ambiguous');
    }
  });
  it('a repeated single-value option is an error', async () => {
    const r = await run(['score', '--model', MODEL, '--input', 'a.csv', '--input', 'b.csv']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('--input was given more than once; it takes one value');
  });
  it('smart-factory --version prints the package version', async () => {
    const version = (JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string })
      .version;
    for (const flag of ['--version', '-V'])
      expect(await run([flag])).toMatchObject({ code: 0, out: `smart-factory ${version}\n` });
  });
});
