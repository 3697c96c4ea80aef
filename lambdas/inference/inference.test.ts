/**
 * The inference service through the real SageMaker runtime client (AWS SDK v3, SigV4, HTTP) against the scorer's
 * SageMaker-compatible local endpoint on 127.0.0.1, serving a model trained by libxgboost (python3-xgboost 1.7.4) in
 * beforeAll and packed as SageMaker packs it. Oracle: libxgboost's own predictions for the same named sensor values,
 * compared as float32 bit patterns.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GetObjectCommand } from '@aws-sdk/client-s3';
import { SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { type RunningServer, startServer } from '@smart-factory/xgboost';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HttpResponse, ModelManifest } from './core';
import { createInferenceService, s3ManifestSource } from './service';

const FEATURES = ['temperature', 'motor_speed_rpm', 'rvibration_temp', 'rvibration_z_rms_velocity', 'pressure'];
const MANIFEST: ModelManifest = { model_version: 'v-test', feature_order: FEATURES, threshold: 0.5 };
const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };

let dir: string;
let server: RunningServer;
let cases: Record<string, number | null>[];
let bits: number[];
let values: number[];

const f32bits = (x: number) => {
  const b = new DataView(new ArrayBuffer(4));
  b.setFloat32(0, x);
  return b.getUint32(0);
};
const runtime = (endpoint: string) =>
  new SageMakerRuntimeClient({ endpoint, region: 'ap-northeast-2', credentials, maxAttempts: 1 });
const service = (endpoint: string, manifest: ModelManifest = MANIFEST) =>
  createInferenceService({
    runtime: runtime(endpoint),
    endpointName: 'smartfactory-cylinder-failure',
    manifest: async () => manifest,
  });
const call = async (svc: ReturnType<typeof service>, body: unknown, requestId = 'req-1') => {
  const r: HttpResponse = await svc({ body: typeof body === 'string' ? body : JSON.stringify(body), requestId });
  return { status: r.statusCode, body: JSON.parse(r.body) as Record<string, unknown> };
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sf-inference-'));
  execFileSync('/usr/bin/python3', [join(__dirname, '..', '..', 'scripts', 'train-seed-model.py'), dir], {
    encoding: 'utf8',
  });
  cases = JSON.parse(readFileSync(join(dir, 'cases.json'), 'utf8')) as typeof cases;
  ({ bits, values } = JSON.parse(readFileSync(join(dir, 'pred.json'), 'utf8')) as { bits: number[]; values: number[] });
  server = await startServer({ model: join(dir, 'model.tar.gz'), port: 0, host: '127.0.0.1' });
});
afterAll(async () => {
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('inference Lambda service against a SageMaker-compatible endpoint serving a libxgboost-trained model', () => {
  it('scores every case exactly as libxgboost does (float32 bits), with any JSON key order', async () => {
    const svc = service(server.url);
    expect(cases.length).toBeGreaterThanOrEqual(60);
    expect(cases.some((c) => c['pressure'] === null)).toBe(true);
    const got: number[] = [];
    for (const [i, c] of cases.entries()) {
      // Reverse the key order and drop null pressure: ordering must come from the manifest, not the JSON.
      const body = Object.fromEntries(
        Object.entries(c)
          .reverse()
          .filter(([, v]) => v !== null)
      );
      const r = await call(svc, body, `req-${i}`);
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      got.push(f32bits(r.body['score'] as number));
      expect(r.body['score']).toBe(Math.fround(values[i]!));
      expect(r.body['pred']).toBe((r.body['score'] as number) > 0.5);
    }
    expect(got).toEqual(bits);
    expect(new Set(bits.map((b, i) => Math.fround(values[i]!) > 0.5 && b > 0)).size).toBe(2); // both classes occur
  });

  it('answers the seed response: score, pred, threshold, Korean and English message, model version', async () => {
    const r = await call(service(server.url), cases[0]);
    const score = Math.fround(values[0]!);
    const pct = Math.round(score * 100);
    expect(r.body).toEqual({
      score,
      pred: score > 0.5,
      threshold: 0.5,
      message_ko: `현재 온도, 모터속도, 진동 등 센서데이터의 수치로 보았을 때 실린더가 고장날 확률은 ${pct}%입니다`,
      message_en: `Judging by the current temperature, motor speed, vibration and other sensor values, the probability that the cylinder fails is ${pct}%.`,
      model_version: 'v-test',
    });
  });

  it('uses the threshold of the manifest', async () => {
    const lowest = Math.min(...values);
    const r = await call(service(server.url, { ...MANIFEST, threshold: 0 }), cases[values.indexOf(lowest)]);
    expect(r.body['pred']).toBe(true);
    expect(r.body['threshold']).toBe(0);
  });

  it('control: a manifest with another feature order gives other scores (the order is really applied)', async () => {
    const swapped = { ...MANIFEST, feature_order: ['motor_speed_rpm', 'temperature', ...FEATURES.slice(2)] };
    const r = await call(service(server.url, swapped), cases[1]);
    expect(r.status).toBe(200);
    expect(f32bits(r.body['score'] as number)).not.toBe(bits[1]);
  });

  it('rejects a missing or non-numeric feature with 400 naming the field', async () => {
    const svc = service(server.url);
    const base: Record<string, unknown> = { ...cases[0], pressure: 5 };
    const missing = { ...base };
    delete missing['motor_speed_rpm'];
    expect(await call(svc, missing)).toEqual({
      status: 400,
      body: { error: 'motor_speed_rpm is required', field: 'motor_speed_rpm', request_id: 'req-1' },
    });
    const r = await call(svc, { ...base, temperature: '71.5' });
    expect(r.status).toBe(400);
    expect(r.body['field']).toBe('temperature');
    expect((await call(svc, { ...base, rvibration_z_rms_velocity: -3 })).body['field']).toBe(
      'rvibration_z_rms_velocity'
    );
    expect((await call(svc, 'not json')).status).toBe(400);
    expect((await call(svc, [1, 2, 3])).body['field']).toBe('(body)');
  });

  it('answers 502 with the request id when the endpoint fails, and 503 when no model is published', async () => {
    const down = await startServer({ model: join(dir, 'model.tar.gz'), port: 0, host: '127.0.0.1' });
    const url = down.url;
    await down.close();
    expect(await call(service(url), cases[0], 'req-502')).toEqual({
      status: 502,
      body: { error: 'the model endpoint failed; try again', request_id: 'req-502' },
    });
    const none = createInferenceService({
      runtime: runtime(server.url),
      endpointName: 'x',
      manifest: () => Promise.reject(new Error('NoSuchKey')),
    });
    expect((await call(none, cases[0])).status).toBe(503);
  });
});

describe('manifest source (latest.json → manifest, TTL cache)', () => {
  const docs: Record<string, unknown> = {
    'edge/models/latest.json': { model_version: 'a', manifest_key: 'edge/models/v=a/manifest.json' },
    'edge/models/v=a/manifest.json': {
      model_version: 'a',
      feature_order: FEATURES,
      threshold: 0.5,
      validation_auc: 0.9,
    },
    'edge/models/v=b/manifest.json': { model_version: 'b', feature_order: FEATURES, threshold: 0.4 },
  };
  const fakeS3 = (reads: string[], fail: { now: boolean }) => ({
    send: async (cmd: GetObjectCommand) => {
      const key = cmd.input.Key!;
      reads.push(key);
      if (fail.now || !(key in docs)) throw Object.assign(new Error('NoSuchKey'), { name: 'NoSuchKey' });
      return { Body: { transformToString: async () => JSON.stringify(docs[key]) } };
    },
  });

  it('reads the pointer then the manifest, caches for the TTL, refreshes after it, keeps the last good one on errors', async () => {
    let now = 0;
    const reads: string[] = [];
    const fail = { now: false };
    const src = s3ManifestSource({
      s3: fakeS3(reads, fail) as never,
      bucket: 'b',
      latestKey: 'edge/models/latest.json',
      ttlSeconds: 300,
      now: () => now,
    });
    expect(await src()).toEqual({ model_version: 'a', feature_order: FEATURES, threshold: 0.5 });
    expect(reads).toEqual(['edge/models/latest.json', 'edge/models/v=a/manifest.json']);
    now = 299_000;
    await src();
    expect(reads).toHaveLength(2);
    docs['edge/models/latest.json'] = { model_version: 'b', manifest_key: 'edge/models/v=b/manifest.json' };
    now = 300_000;
    expect((await src()).model_version).toBe('b');
    now = 700_000;
    fail.now = true;
    expect((await src()).model_version).toBe('b');
  });

  it('fails clearly without a pointer or with an invalid manifest', async () => {
    const src = s3ManifestSource({
      s3: fakeS3([], { now: false }) as never,
      bucket: 'b',
      latestKey: 'nope.json',
      ttlSeconds: 1,
    });
    await expect(src()).rejects.toThrow('NoSuchKey');
    docs['bad.json'] = { manifest_key: 'edge/models/v=c/manifest.json' };
    docs['edge/models/v=c/manifest.json'] = { model_version: 'c', feature_order: [], threshold: 0.5 };
    const bad = s3ManifestSource({
      s3: fakeS3([], { now: false }) as never,
      bucket: 'b',
      latestKey: 'bad.json',
      ttlSeconds: 1,
    });
    await expect(bad()).rejects.toThrow(/feature_order must be a non-empty array/);
  });
});

describe('the deployed handler (env wiring, S3 manifest, SageMaker runtime) end to end', () => {
  it('reads latest.json and the manifest from S3 and answers a function-URL event', async () => {
    const objects: Record<string, string> = {
      '/sf-curated/edge/models/latest.json': JSON.stringify({
        model_version: 'v-e2e',
        model_key: 'edge/models/v=v-e2e/model.tar.gz',
        manifest_key: 'edge/models/v=v-e2e/manifest.json',
      }),
      '/sf-curated/edge/models/v=v-e2e/manifest.json': JSON.stringify({
        model_version: 'v-e2e',
        feature_order: FEATURES,
        threshold: 0.5,
      }),
    };
    const s3 = createServer((req, res) => {
      const body = objects[decodeURIComponent((req.url ?? '').split('?')[0]!)];
      if (req.method !== 'GET' || body === undefined) {
        res.writeHead(404, { 'Content-Type': 'application/xml' });
        res.end('<Error><Code>NoSuchKey</Code><Message>missing</Message></Error>');
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
      res.end(body);
    });
    await new Promise<void>((r) => s3.listen(0, '127.0.0.1', r));
    const saved = { ...process.env };
    try {
      Object.assign(process.env, {
        ENDPOINT_NAME: 'smartfactory-cylinder-failure',
        MODEL_BUCKET: 'sf-curated',
        LATEST_KEY: 'edge/models/latest.json',
        MANIFEST_CACHE_SECONDS: '300',
        AWS_REGION: 'ap-northeast-2',
        AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
        AWS_SECRET_ACCESS_KEY: 'secret',
        AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${(s3.address() as AddressInfo).port}`,
        AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME: server.url,
      });
      const { handler } = await import('./handler.js');
      const context = { awsRequestId: 'req-e2e' } as Context;
      const ok = await handler(
        { requestContext: { http: { method: 'POST' } }, body: JSON.stringify(cases[2]) } as never,
        context
      );
      const body = JSON.parse(ok.body!) as Record<string, unknown>;
      expect(ok.statusCode).toBe(200);
      expect(f32bits(body['score'] as number)).toBe(bits[2]);
      expect(body['model_version']).toBe('v-e2e');
      const bad = await handler(
        {
          requestContext: { http: { method: 'POST' } },
          body: Buffer.from('{"temperature":70}').toString('base64'),
          isBase64Encoded: true,
        } as never,
        context
      );
      expect(bad.statusCode).toBe(400);
      expect(JSON.parse(bad.body!)).toMatchObject({ field: 'motor_speed_rpm', request_id: 'req-e2e' });
      expect((await handler({ requestContext: { http: { method: 'GET' } } } as never, context)).statusCode).toBe(405);
    } finally {
      process.env = saved;
      s3.close();
    }
  });
});
