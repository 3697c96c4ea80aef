import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  ListExecutionsCommand,
  SFNClient,
} from '@aws-sdk/client-sfn';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBundledHandler } from '../../test/helpers/bundle';
import { MOTO_CREDENTIALS, type MotoServer, startMoto } from '../../test/helpers/moto';

// The deployed artifact: handler.ts bundled as PlatformFunction bundles it (esbuild, node20, @aws-sdk/* external),
// run against moto's S3 and Step Functions (executions really run in moto's interpreter).
const REGION = 'ap-northeast-2';
const BUCKET = 'raw-zone';
const DATE = '2026-11-24';
let moto: MotoServer;
let s3: S3Client;
let sfn: SFNClient;
let handler: (e: SQSEvent) => Promise<SQSBatchResponse>;
let seq = 0;

function objectCreated(key: string, time = new Date()): { id: string; body: string } {
  seq++;
  const body = JSON.stringify({
    version: '0',
    id: `event-${seq}`,
    'detail-type': 'Object Created',
    source: 'aws.s3',
    account: '123456789012',
    time: time.toISOString(),
    region: REGION,
    resources: [`arn:aws:s3:::${BUCKET}`],
    detail: {
      version: '0',
      bucket: { name: BUCKET },
      object: { key, size: 10, etag: `etag${seq}`, sequencer: `00${String(seq).padStart(16, '0')}` },
      'request-id': 'R',
      requester: '123456789012',
      reason: 'PutObject',
    },
  });
  return { id: `msg-${seq}`, body };
}

function sqsEvent(messages: { id: string; body: string }[]): SQSEvent {
  return {
    Records: messages.map((m) => ({
      messageId: m.id,
      receiptHandle: `rh-${m.id}`,
      body: m.body,
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: String(Date.now()),
        SenderId: 'events',
        ApproximateFirstReceiveTimestamp: String(Date.now()),
      },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: `arn:aws:sqs:${REGION}:123456789012:q`,
      awsRegion: REGION,
    })),
  };
}

async function put(key: string, body: string): Promise<{ id: string; body: string }> {
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
  return objectCreated(key);
}

async function executionsOf(arn: string): Promise<{ name: string; status: string; input: string }[]> {
  const list = await sfn.send(new ListExecutionsCommand({ stateMachineArn: arn }));
  return Promise.all(
    (list.executions ?? []).map(async (e) => {
      const d = await sfn.send(new DescribeExecutionCommand({ executionArn: e.executionArn }));
      return { name: e.name!, status: d.status!, input: d.input! };
    })
  );
}

async function settle(arn: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if ((await executionsOf(arn)).every((e) => e.status !== 'RUNNING')) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function machine(name: string, waitSeconds: number): Promise<string> {
  const definition = JSON.stringify({
    StartAt: 'Load',
    States: { Load: { Type: 'Wait', Seconds: waitSeconds, End: true } },
  });
  const r = await sfn.send(
    new CreateStateMachineCommand({ name, definition, roleArn: 'arn:aws:iam::123456789012:role/sfn' })
  );
  return r.stateMachineArn!;
}

async function loadHandler(stateMachineArn: string): Promise<(e: SQSEvent) => Promise<SQSBatchResponse>> {
  Object.assign(process.env, {
    RAW_BUCKET: BUCKET,
    STATE_MACHINE_ARN: stateMachineArn,
    TIME_ZONE: 'Asia/Seoul',
    EXECUTION_LOOKBACK_HOURS: '9',
  });
  const mod = await loadBundledHandler<{ handler: (e: SQSEvent) => Promise<SQSBatchResponse> }>('batch-trigger');
  return mod.handler;
}

const manifest = JSON.stringify({
  date: DATE,
  files: [`production/dt=${DATE}/production.csv`, `retail_sales/dt=${DATE}/sales.csv`],
});

beforeAll(async () => {
  moto = await startMoto();
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: moto.endpoint,
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: MOTO_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: MOTO_CREDENTIALS.secretAccessKey,
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    POWERTOOLS_METRICS_DISABLED: 'true',
  });
  const common = {
    endpoint: moto.endpoint,
    region: REGION,
    credentials: MOTO_CREDENTIALS,
    requestHandler: new NodeHttpHandler(),
  };
  s3 = new S3Client({ ...common, forcePathStyle: true });
  sfn = new SFNClient(common);
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET, CreateBucketConfiguration: { LocationConstraint: REGION } }));
});

afterAll(async () => {
  s3?.destroy();
  sfn?.destroy();
  await moto?.stop();
});

describe('batch-landing trigger (bundled handler, moto S3 + Step Functions)', () => {
  let arn: string;
  beforeAll(async () => {
    arn = await machine('daily-etl', 0);
    handler = await loadHandler(arn);
  });

  it('starts exactly one execution for a landed day, also when S3 delivers the events twice', async () => {
    const files = [
      await put(`batch/production/dt=${DATE}/production.csv`, 'a,b\n1,2\n'),
      await put(`batch/retail_sales/dt=${DATE}/sales.csv`, 'a,b\n1,2\n'),
    ];
    // files before their manifest: nothing to do yet
    expect((await handler(sqsEvent(files))).batchItemFailures).toEqual([]);
    expect(await executionsOf(arn)).toEqual([]);
    const m = await put(`batch/manifests/dt=${DATE}/manifest.json`, manifest);
    // the manifest, its duplicate in the same batch, and the files' events again
    expect((await handler(sqsEvent([m, { ...m, id: 'dup-1' }, ...files]))).batchItemFailures).toEqual([]);
    await settle(arn);
    expect((await handler(sqsEvent([{ ...m, id: 'dup-2' }]))).batchItemFailures).toEqual([]);
    const runs = await executionsOf(arn);
    expect(runs).toHaveLength(1);
    expect(runs[0]!.name).toMatch(new RegExp(`^batch-${DATE}-[0-9a-f]{12}$`));
    expect(JSON.parse(runs[0]!.input)).toEqual({ runDate: DATE });
    expect(runs[0]!.status).toBe('SUCCEEDED');
  });

  it('a late file reruns its date once; its duplicate event starts nothing', async () => {
    await new Promise((r) => setTimeout(r, 20));
    const late = await put(`batch/production/dt=${DATE}/production.csv`, 'a,b\n1,2\n3,4\n');
    expect((await handler(sqsEvent([late]))).batchItemFailures).toEqual([]);
    await settle(arn);
    expect((await handler(sqsEvent([{ ...late, id: 'late-dup' }]))).batchItemFailures).toEqual([]);
    const runs = await executionsOf(arn);
    expect(runs).toHaveLength(2);
    expect(new Set(runs.map((r) => r.name)).size).toBe(2);
    expect(runs.every((r) => JSON.parse(r.input).runDate === DATE)).toBe(true);
  });

  it('waits for a manifest whose files are not all there, and ignores an invalid manifest', async () => {
    const d = '2026-11-25';
    const m = await put(
      `batch/manifests/dt=${d}/manifest.json`,
      JSON.stringify({ date: d, files: [`production/dt=${d}/p.csv`] })
    );
    expect((await handler(sqsEvent([m]))).batchItemFailures).toEqual([]);
    expect((await executionsOf(arn)).filter((e) => e.input.includes(d))).toEqual([]);
    const f = await put(`batch/production/dt=${d}/p.csv`, 'x\n');
    expect((await handler(sqsEvent([f]))).batchItemFailures).toEqual([]);
    await settle(arn);
    expect((await executionsOf(arn)).filter((e) => e.input.includes(d))).toHaveLength(1);

    const bad = await put('batch/manifests/dt=2026-11-26/manifest.json', '{"date":"2026-11-27","files":[]}');
    expect((await handler(sqsEvent([bad]))).batchItemFailures).toEqual([]);
    expect((await executionsOf(arn)).filter((e) => e.input.includes('2026-11-26'))).toEqual([]);
  });
});

describe('batch-landing trigger while a run of the date is going', () => {
  it('returns the event for retry instead of starting a second run at once', async () => {
    const arn = await machine('slow-etl', 3);
    // a fresh bundle: the deployed handler reads its settings once per execution environment
    const slow = await loadHandler(arn);
    const d = '2026-11-28';
    const file = await put(`batch/production/dt=${d}/p.csv`, 'x\n');
    const m = await put(
      `batch/manifests/dt=${d}/manifest.json`,
      JSON.stringify({ date: d, files: [`production/dt=${d}/p.csv`] })
    );
    expect((await slow(sqsEvent([m]))).batchItemFailures).toEqual([]);
    await new Promise((r) => setTimeout(r, 20));
    const late = await put(`batch/production/dt=${d}/p.csv`, 'x\ny\n');
    expect((await slow(sqsEvent([late]))).batchItemFailures).toEqual([{ itemIdentifier: late.id }]);
    expect((await executionsOf(arn)).map((e) => e.status)).toEqual(['RUNNING']);
    // the file that was there before the run began is covered by it
    expect((await slow(sqsEvent([file]))).batchItemFailures).toEqual([]);
    await settle(arn);
    expect((await slow(sqsEvent([late]))).batchItemFailures).toEqual([]);
    expect(await executionsOf(arn)).toHaveLength(2);
  });
});
