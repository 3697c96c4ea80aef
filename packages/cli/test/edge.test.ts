/**
 * `smart-factory edge` with models trained by libxgboost (python3-xgboost 1.7.4) and published the way the pipeline
 * publishes them (edge/models/v=<version>/{model.tar.gz,manifest.json} + latest.json), from a local mirror and from
 * S3 (the real S3 client against a path-style GetObject server on 127.0.0.1). Oracle: libxgboost's predictions for
 * the same readings, compared as float32 bits.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEdgeCommand, edgeCommand } from '../src/commands/edge';
import { main } from '../src/main';

const root = join(__dirname, '..', '..', '..');
const FEATURES = ['temperature', 'motor_speed_rpm', 'rvibration_temp', 'rvibration_z_rms_velocity', 'pressure'];
type Trained = { dir: string; cases: Record<string, number | null>[]; bits: number[] };
let tmp = '';
let a: Trained;
let b: Trained;
let mirror = '';
let readings: string[] = [];

function train(name: string, rows: number): Trained {
  const dir = join(tmp, name);
  execFileSync('/usr/bin/python3', [join(root, 'scripts', 'train-seed-model.py'), dir, String(rows)]);
  const cases = JSON.parse(readFileSync(join(dir, 'cases.json'), 'utf8')) as Trained['cases'];
  const { bits } = JSON.parse(readFileSync(join(dir, 'pred.json'), 'utf8')) as { bits: number[] };
  return { dir, cases, bits };
}

function publish(to: string, version: string, t: Trained, manifest: Record<string, unknown> = {}): void {
  mkdirSync(join(to, `v=${version}`), { recursive: true });
  copyFileSync(join(t.dir, 'model.tar.gz'), join(to, `v=${version}`, 'model.tar.gz'));
  writeFileSync(
    join(to, `v=${version}`, 'manifest.json'),
    JSON.stringify({
      model_version: version,
      feature_order: FEATURES,
      threshold: 0.5,
      validation_auc: 0.9,
      ...manifest,
    })
  );
  writeFileSync(
    join(to, 'latest.json'),
    JSON.stringify({
      model_version: version,
      model_key: `edge/models/v=${version}/model.tar.gz`,
      manifest_key: `edge/models/v=${version}/manifest.json`,
    })
  );
}

/** A SensorReading JSON line for a case (missing pressure omitted); the cases include each model's split values. */
const reading = (c: Record<string, number | null>, i = 0) =>
  JSON.stringify({
    device_id: 'cyl-01',
    ts: `2026-11-25T01:00:${String(i % 60).padStart(2, '0')}Z`,
    ...Object.fromEntries(Object.entries(c).filter(([, v]) => v !== null)),
  });

const f32bits = (x: number) => {
  const v = new DataView(new ArrayBuffer(4));
  v.setFloat32(0, x);
  return v.getUint32(0);
};

function io() {
  const s = { stdin: new PassThrough(), stdout: new PassThrough(), stderr: new PassThrough(), out: '', err: '' };
  s.stdout.on('data', (d: Buffer) => (s.out += d.toString()));
  s.stderr.on('data', (d: Buffer) => (s.err += d.toString()));
  return s;
}
async function run(args: string[], stdin: string) {
  const s = io();
  s.stdin.end(stdin);
  const code = await main(['edge', ...args], s);
  return { code, out: s.out, err: s.err };
}
const lines = (out: string) =>
  out
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
const until = async (cond: () => boolean, what: string) => {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 25));
  if (!cond()) throw new Error(`timed out waiting for ${what}`);
};

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'edge-cli-'));
  a = train('a', 2000);
  b = train('b', 1200);
  mirror = join(tmp, 'models');
  publish(mirror, 'a', a);
  readings = a.cases.map((c, i) => reading(c, i));
});
afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('smart-factory edge', () => {
  it('scores readings from a published folder exactly as libxgboost, with the operator message', async () => {
    const r = await run(['--model', mirror], readings.join('\n') + '\n');
    expect(r.code, r.err).toBe(0);
    const out = lines(r.out);
    expect(out.map((o) => f32bits(o['score'] as number))).toEqual(a.bits);
    const first = out[0]!;
    const pct = Math.round((first['score'] as number) * 100);
    expect(first).toEqual({
      device_id: 'cyl-01',
      ts: '2026-11-25T01:00:00Z',
      score: first['score'],
      pred: (first['score'] as number) > 0.5,
      failure_percent: pct,
      message_ko: `현재 온도, 모터속도, 진동 등 센서데이터의 수치로 보았을 때 실린더가 고장날 확률은 ${pct}%입니다`,
      message_en: `Judging by the current temperature, motor speed, vibration and other sensor values, the probability that the cylinder fails is ${pct}%.`,
      model_version: 'a',
    });
    expect(r.err).toContain('edge: model a from');
  });

  it('accepts latest.json or a model.tar.gz (with manifest.json beside it) too', async () => {
    for (const m of [join(mirror, 'latest.json'), join(mirror, 'v=a', 'model.tar.gz')]) {
      const r = await run(['--model', m], readings[3]! + '\n');
      expect(f32bits(lines(r.out)[0]!['score'] as number), m).toBe(a.bits[3]);
    }
  });

  it('reports invalid readings by line on stderr, scores the rest, exits 1', async () => {
    const r = await run(['--model', mirror], `${readings[0]}\n{"device_id":"cyl-01","ts":"x"}\n${readings[1]}\n`);
    expect(r.code).toBe(1);
    expect(r.err).toContain('line 2: ts must be an ISO-8601 UTC timestamp');
    expect(lines(r.out).map((o) => f32bits(o['score'] as number))).toEqual([a.bits[0], a.bits[1]]);
  });

  it('refuses a manifest whose feature order does not fit the readings or the model', async () => {
    const bad = join(tmp, 'bad');
    publish(bad, 'x', a, { feature_order: FEATURES.slice(0, 4) });
    expect((await run(['--model', bad], readings[0]!)).err).toMatch(
      /model has 5 features but the manifest's feature_order lists 4/
    );
    publish(bad, 'y', a, { feature_order: ['humidity', ...FEATURES.slice(1)] });
    expect((await run(['--model', bad], readings[0]!)).err).toMatch(/names humidity, which readings do not carry/);
    expect((await run(['--model', join(tmp, 'nowhere')], '')).code).toBe(2);
  });

  it('--watch switches to a newly published version without restarting', async () => {
    const live = join(tmp, 'live');
    publish(live, 'a', a);
    const s = io();
    const done = main(['edge', '--model', live, '--watch', '--interval', '0.05'], s);
    s.stdin.write(readings[0] + '\n');
    await until(() => s.out.split('\n').length > 1, 'the first score');
    publish(live, 'b', b);
    await until(() => s.err.includes('edge: model b'), 'the new model');
    s.stdin.write(reading(b.cases[0]!) + '\n');
    s.stdin.end();
    expect(await done).toBe(0);
    const out = lines(s.out);
    expect(out.map((o) => [o['model_version'], f32bits(o['score'] as number)])).toEqual([
      ['a', a.bits[0]],
      ['b', b.bits[0]],
    ]);
    expect(b.bits[0]).not.toBe(a.bits[0]);
  });

  it('loads the newest model from S3 (latest.json under the prefix) through the S3 client', async () => {
    const files: Record<string, string> = {
      '/sf-curated/edge/models/latest.json': join(mirror, 'latest.json'),
      '/sf-curated/edge/models/v=a/model.tar.gz': join(mirror, 'v=a', 'model.tar.gz'),
      '/sf-curated/edge/models/v=a/manifest.json': join(mirror, 'v=a', 'manifest.json'),
    };
    const requested: string[] = [];
    const server: Server = createServer((req, res) => {
      const path = decodeURIComponent((req.url ?? '').split('?')[0]!);
      requested.push(`${req.method} ${path}`);
      const file = files[path];
      if (req.method !== 'GET' || !file) {
        res.writeHead(404, { 'Content-Type': 'application/xml' });
        res.end('<Error><Code>NoSuchKey</Code><Message>not found</Message></Error>');
        return;
      }
      const body = readFileSync(file);
      res.writeHead(200, { 'Content-Length': body.length, ETag: '"x"' });
      res.end(body);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const cmd = createEdgeCommand({
        s3: () =>
          new S3Client({
            endpoint,
            forcePathStyle: true,
            region: 'ap-northeast-2',
            credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
          }),
      });
      const s = io();
      s.stdin.end(readings.slice(0, 5).join('\n'));
      expect(await cmd.run(['--model', 's3://sf-curated/edge/models/'], s)).toBe(0);
      expect(lines(s.out).map((o) => f32bits(o['score'] as number))).toEqual(a.bits.slice(0, 5));
      expect(requested).toContain('GET /sf-curated/edge/models/v=a/model.tar.gz');
    } finally {
      server.close();
    }
  });

  it('is registered in the CLI and runs from the built bin', () => {
    expect(edgeCommand.name).toBe('edge');
    const r = spawnSync('npx', ['--no-install', 'smart-factory', 'edge', '--model', mirror, '--format', 'text'], {
      cwd: root,
      input: readings[0] + '\n',
      encoding: 'utf8',
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^2026-11-25T01:00:00Z cyl-01 \d+%/);
    expect(r.stdout).toContain('실린더가 고장날 확률은');
  });
});
