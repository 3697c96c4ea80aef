import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { InvokeEndpointCommand, SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../src';
import { readF32 } from './fixtures';

const SEED = join(__dirname, 'fixtures', 'seed');
const X = readF32(join(SEED, 'X.f32'));
const ROWS = 40;
let server: RunningServer;
let csv = '';
let expectedJson = '';
let expectedCsv = '';
let expectedShort = '';

// The oracle for values and text: libxgboost's predictions (pred.f32) encoded by Python exactly as SageMaker's
// container does (json.dumps of float(np.float32), str() per CSV line).
beforeAll(async () => {
  const rows: string[] = [];
  for (let r = 0; r < ROWS; r++) {
    rows.push(Array.from(X.subarray(r * 6, r * 6 + 6), (v) => (Number.isNaN(v) ? '' : String(v))).join(','));
  }
  csv = rows.join('\n');
  const py = execFileSync(
    '/usr/bin/python3',
    [
      '-c',
      `import json, sys, numpy as np
p = np.fromfile(sys.argv[1], dtype=np.float32)[: int(sys.argv[2])]
print(json.dumps({"predictions": [{"score": float(v)} for v in p]}))
print("\\n".join(str(float(v)) for v in p))
import tarfile, xgboost as xgb
b = xgb.Booster()
b.load_model(bytearray(tarfile.open(sys.argv[3]).extractfile("xgboost-model").read()))
short = b.predict(xgb.DMatrix(np.array([[0.5, -1, 2]], dtype=np.float32)), validate_features=False)
print(str(float(short[0])))`,
      join(SEED, 'pred.f32'),
      String(ROWS),
      join(SEED, 'model.tar.gz'),
    ],
    { encoding: 'utf8' }
  );
  const [j, ...c] = py.trimEnd().split('\n');
  expectedJson = j!;
  expectedShort = c.pop()! + '\n';
  expectedCsv = c.join('\n') + '\n';
  server = await startServer({ model: join(SEED, 'model.tar.gz'), port: 0, host: '127.0.0.1' });
});
afterAll(async () => {
  await server?.close();
});

async function post(path: string, body: string, headers: Record<string, string>) {
  const r = await fetch(server.url + path, { method: 'POST', body, headers });
  return { status: r.status, type: r.headers.get('content-type'), text: await r.text() };
}

describe('serve: SageMaker XGBoost container contract', () => {
  it('GET /ping answers 200', async () => {
    expect((await fetch(server.url + '/ping')).status).toBe(200);
  });

  it('text/csv in, text/csv out: one libxgboost value per line, printed as the container prints it', async () => {
    const r = await post('/invocations', csv, { 'Content-Type': 'text/csv' });
    expect(r.status).toBe(200);
    expect(r.type).toBe('text/csv');
    expect(r.text).toBe(expectedCsv);
  });

  it('application/json out matches json.dumps of the libxgboost predictions', async () => {
    const r = await post('/invocations', csv, { 'Content-Type': 'text/csv', Accept: 'application/json' });
    expect(r.status).toBe(200);
    expect(JSON.parse(r.text)).toEqual(JSON.parse(expectedJson));
    expect(r.text).toBe(expectedJson);
  });

  it('fewer CSV columns than the model has: trailing features are missing (as libxgboost allows)', async () => {
    // Oracle: libxgboost on a 3-column DMatrix for the 6-feature model.
    const short = await post('/invocations', '0.5,-1,2', { 'Content-Type': 'text/csv' });
    expect(short.status).toBe(200);
    expect(short.text).toBe(expectedShort);
  });

  it('text/libsvm: 0-based index:value tokens, absent = missing', async () => {
    const lines = csv.split('\n').map(
      (l) =>
        '0 ' +
        l
          .split(',')
          .map((v, i) => (v === '' ? '' : `${i}:${v}`))
          .filter(Boolean)
          .join(' ')
    );
    const r = await post('/invocations', lines.join('\n'), { 'Content-Type': 'text/libsvm' });
    expect(r.status).toBe(200);
    expect(r.text).toBe(expectedCsv);
  });

  it('415 for other content types and bad CSV, 406 for unsupported Accept, 204 for an empty body', async () => {
    expect((await post('/invocations', '{"a":1}', { 'Content-Type': 'application/json' })).status).toBe(415);
    const bad = await post('/invocations', '1,2,3\n1,2', { 'Content-Type': 'text/csv' });
    expect(bad.status).toBe(415);
    expect(bad.text).toContain('line 2, column 2: expected 3 fields, got 2');
    expect((await post('/invocations', '1,2,3,4,5,6,7', { 'Content-Type': 'text/csv' })).status).toBe(415);
    expect((await post('/invocations', '1,x,3', { 'Content-Type': 'text/csv' })).text).toContain(
      'column 2: not a number'
    );
    expect((await post('/invocations', csv, { 'Content-Type': 'text/csv', Accept: 'image/png' })).status).toBe(406);
    expect((await post('/invocations', '', { 'Content-Type': 'text/csv' })).status).toBe(204);
  });

  it('the real AWS SDK InvokeEndpoint (endpoint override) reaches /endpoints/<name>/invocations', async () => {
    const client = new SageMakerRuntimeClient({
      region: 'us-east-1',
      endpoint: server.url,
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'local-test-secret' },
    });
    const out = await client.send(
      new InvokeEndpointCommand({
        EndpointName: 'predictive-maintenance',
        ContentType: 'text/csv',
        Accept: 'application/json',
        Body: Buffer.from(csv),
      })
    );
    expect(Buffer.from(out.Body!).toString()).toBe(expectedJson);
    expect(out.ContentType).toBe('application/json');
    client.destroy();
  });
});
