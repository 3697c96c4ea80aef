/**
 * `npm run demo`: the platform's streaming path on one machine, no AWS account.
 *
 * simulated devices (labelled faults) ──PutRecords──▶ kinesalite ──poller (Lambda's Kinesis event source)──▶
 *   the real anomaly handler (state in S3, alerts to SNS) and the real window handler (180-s windows to S3), both on
 *   moto's server ──SNS → SQS──▶ alerts scored by the edge XGBoost scorer ──▶ live page on 127.0.0.1.
 *
 * Device time runs `--speed` times faster than the wall clock (default 15×), so warm-up (256 readings per device),
 * an injected fault and several 180-s windows fit in a minute.
 */
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CreateStreamCommand, DescribeStreamSummaryCommand, KinesisClient } from '@aws-sdk/client-kinesis';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { KinesisStreamEvent, KinesisStreamTumblingWindowEvent } from 'aws-lambda';
import { SENSOR_FIELDS, type SensorReading } from '@smart-factory/schema';
import { XGBoostScorer } from '@smart-factory/xgboost';
import { faultLabels, simulate, type SimulationOptions } from '../../packages/cli/src/simulator/generator';
import { putRecordsWithRetry, type PutStats } from '../../packages/cli/src/simulator/kinesis-put';
import { startMoto } from '../../test/helpers/moto';
import type { Alert } from '../../lambdas/anomaly/alerts';
import { alertSeverity } from '../../lambdas/anomaly/alerts';
import type * as AnomalyHandlerModule from '../../lambdas/anomaly/handler';
import type { AnomalyModel } from '../../lambdas/anomaly/model';
import type * as WindowHandlerModule from '../../lambdas/window/handler';
import { EVENT_SOURCES, handlerEnvironment } from './env';
import { PAGE } from './page';
import { KinesisEventSource } from './poller';

const ROOT = join(__dirname, '..', '..');
const REGION = 'us-east-1';
const STREAM = 'telemetry';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '300' },
    devices: { type: 'string', default: '3' },
    speed: { type: 'string', default: '15' },
    port: { type: 'string', default: '0' },
    seed: { type: 'string', default: '11' },
  },
  strict: true,
});
const durationS = Number(values.duration);
const devices = Number(values.devices);
const speed = Number(values.speed);
const port = Number(values.port);
for (const [name, v, ok] of [
  ['--duration', durationS, durationS >= 20 && durationS <= 86_400],
  ['--devices', devices, Number.isInteger(devices) && devices >= 1 && devices <= 50],
  ['--speed', speed, speed >= 1 && speed <= 100],
  ['--port', port, Number.isInteger(port) && port >= 0 && port < 65536],
] as const) {
  if (!ok) {
    process.stderr.write(`demo: ${name} ${v} is not allowed\n`);
    process.exit(2);
  }
}

const log = (s: string) => process.stderr.write(`[demo ${new Date().toISOString().slice(11, 19)}] ${s}\n`);

// ---- Page state ---------------------------------------------------------------------------------------------------
interface DeviceView {
  device_id: string;
  fault?: string;
  latest?: SensorReading;
  grade: number;
  grades: [number, number][];
  alerts: number;
}
interface AlertView extends Alert {
  severity: string;
  failure_probability: number | null;
  label: string | null;
}
interface WindowRow {
  device_id: string;
  window_start: string;
  window_end: string;
  bucket_end: string;
  avg_temperature: number;
  readings: number;
}
const view = {
  status: 'starting',
  deviceTime: '',
  sent: 0,
  threshold: 0,
  devices: new Map<string, DeviceView>(),
  alerts: [] as AlertView[],
  windows: new Map<string, { device_id: string; window_start: string; window_end: string; rows: WindowRow[] }>(),
};

async function main(): Promise<void> {
  const cleanups: (() => Promise<void> | void)[] = [];
  let stopping = false;
  let stopResolve: () => void = () => undefined;
  const stopRequested = new Promise<void>((r) => (stopResolve = r));
  const onSignal = (sig: string) => {
    if (stopping) return;
    stopping = true;
    log(`${sig}: stopping…`);
    stopResolve();
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  const shutdown = async () => {
    for (const c of cleanups.reverse()) {
      try {
        await c();
      } catch {
        // best effort
      }
    }
  };

  try {
    // ---- Local services -------------------------------------------------------------------------------------------
    log('starting moto (S3, SNS, SQS) and kinesalite on 127.0.0.1 …');
    const moto = await startMoto();
    cleanups.push(() => moto.stop());
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const kinesalite = require('kinesalite') as (o: object) => {
      listen(p: number, h: string, cb: () => void): void;
      address(): { port: number };
      close(cb: () => void): void;
    };
    const kServer = kinesalite({ createStreamMs: 0, shardLimit: 10 });
    await new Promise<void>((r) => kServer.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise<void>((r) => kServer.close(() => r())));
    const creds = { accessKeyId: 'demo', secretAccessKey: 'demo' };
    const client = { region: REGION, credentials: creds, requestHandler: new NodeHttpHandler() };
    const kinesis = new KinesisClient({ ...client, endpoint: `http://127.0.0.1:${kServer.address().port}` });
    const s3 = new S3Client({ ...client, endpoint: moto.endpoint, forcePathStyle: true });
    const sns = new SNSClient({ ...client, endpoint: moto.endpoint });
    const sqs = new SQSClient({ ...client, endpoint: moto.endpoint });
    cleanups.push(() => [kinesis, s3, sns, sqs].forEach((c) => c.destroy()));

    await kinesis.send(new CreateStreamCommand({ StreamName: STREAM, ShardCount: 1 }));
    for (;;) {
      const d = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: STREAM }));
      if (d.StreamDescriptionSummary?.StreamStatus === 'ACTIVE') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const bucket = 'demo-curated';
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const topicArn = (await sns.send(new CreateTopicCommand({ Name: 'alerts' }))).TopicArn!;
    const dlqUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'anomaly-dlq' }))).QueueUrl!;
    const alertsUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'page-alerts' }))).QueueUrl!;
    const alertsArn = (
      await sqs.send(new GetQueueAttributesCommand({ QueueUrl: alertsUrl, AttributeNames: ['QueueArn'] }))
    ).Attributes!['QueueArn']!;
    await sns.send(
      new SubscribeCommand({
        TopicArn: topicArn,
        Protocol: 'sqs',
        Endpoint: alertsArn,
        Attributes: { RawMessageDelivery: 'true' },
      })
    );

    // ---- The real handlers, through their exported entry points and environment ---------------------------------
    Object.assign(
      process.env,
      handlerEnvironment({
        motoEndpoint: moto.endpoint,
        region: REGION,
        bucket,
        alertTopicArn: topicArn,
        deadLetterQueueUrl: dlqUrl,
      })
    );
    view.threshold = Number(process.env['ALERT_THRESHOLD']);
    // Loaded after the environment is set: the handlers' Powertools singletons read it when the module loads.
    /* eslint-disable @typescript-eslint/no-require-imports */
    const anomaly = require('../../lambdas/anomaly/handler') as typeof AnomalyHandlerModule;
    const windowFn = require('../../lambdas/window/handler') as typeof WindowHandlerModule;
    /* eslint-enable @typescript-eslint/no-require-imports */
    const scorer = XGBoostScorer.fromPath(join(ROOT, 'data', 'demo', 'failure-model.json'));

    const clockStart = Date.now();
    const simStart = Math.floor(clockStart / 1000) * 1000;
    const simNow = () => simStart + (Date.now() - clockStart) * speed;
    const onFailure = (what: string) => (i: { startSequence: string; size: number }) =>
      log(`${what}: batch of ${i.size} record(s) from ${i.startSequence} exhausted its retries (on-failure)`);
    const onError = (what: string) => (e: unknown) => log(`${what} invocation error: ${(e as Error).message}`);
    const anomalySource = new KinesisEventSource(
      kinesis,
      {
        streamName: STREAM,
        region: REGION,
        ...EVENT_SOURCES.anomaly,
        maxRetryAttempts: EVENT_SOURCES.maxRetryAttempts,
        onFailure: onFailure('anomaly'),
        onError: onError('anomaly'),
      },
      (e: KinesisStreamEvent) => anomaly.handler(e)
    );
    const windowSource = new KinesisEventSource(
      kinesis,
      {
        streamName: STREAM,
        region: REGION,
        ...EVENT_SOURCES.window,
        maxRetryAttempts: EVENT_SOURCES.maxRetryAttempts,
        clock: simNow,
        onFailure: onFailure('window'),
        onError: onError('window'),
      },
      (e: KinesisStreamTumblingWindowEvent) => windowFn.handler(e)
    );
    const pollers = [anomalySource.run(), windowSource.run()];

    // ---- Simulated devices -----------------------------------------------------------------------------------------
    const opts: SimulationOptions = {
      devices,
      rate: 1,
      durationSeconds: Math.round(durationS * speed),
      startMs: simStart,
      seed: Number(values.seed),
      faults: true,
    };
    const labels = faultLabels(opts);
    const recent = new Map<string, SensorReading[]>();
    // Grades per device: the handler's own models report every point they score. The deployed model factory
    // (`rcfModels`, exported by the handler module) is wrapped so each model it creates or restores tells the page
    // the grade; the reading is recognised by its time and temperature (the model sees only the point).
    const pointOwner = new Map<string, string>();
    const report = (tsMs: number | undefined, point: readonly number[], grade: number) => {
      const id = pointOwner.get(`${tsMs}:${point[0]}`);
      const dv = id === undefined ? undefined : view.devices.get(id);
      if (dv === undefined || tsMs === undefined) return;
      dv.grade = grade;
      const bucketMs = Math.floor(tsMs / 10_000) * 10_000;
      const last = dv.grades[dv.grades.length - 1];
      if (last && last[0] === bucketMs) last[1] = Math.max(last[1], grade);
      else if (!last || last[0] < bucketMs) dv.grades.push([bucketMs, grade]);
      if (dv.grades.length > 400) dv.grades.shift();
    };
    const observed = (m: AnomalyModel): AnomalyModel => ({
      process: (point, tsMs) => {
        const r = m.process(point, tsMs);
        report(tsMs, point, r.grade);
        return r;
      },
      snapshot: () => m.snapshot(),
    });
    const { create, restore } = anomaly.rcfModels;
    Object.assign(anomaly.rcfModels, {
      create: () => observed(create()),
      restore: (b: Uint8Array) => observed(restore(b)),
    });
    for (let i = 1; i <= devices; i++) {
      const id = `press-${String(i).padStart(3, '0')}`;
      const l = labels.find((x) => x.device_id === id);
      view.devices.set(id, {
        device_id: id,
        ...(l ? { fault: `${l.fault} ${l.start.slice(11, 19)}–${l.end.slice(11, 19)}` } : {}),
        grade: 0,
        grades: [],
        alerts: 0,
      });
    }
    for (const l of labels) log(`injected fault (label): ${l.device_id} ${l.fault} from ${l.start} to ${l.end}`);

    // ---- Web page --------------------------------------------------------------------------------------------------
    const server: Server = createServer((req, res) => {
      if (req.url === '/api/state') {
        res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
        res.end(
          JSON.stringify({
            status: view.status,
            deviceTime: view.deviceTime,
            sent: view.sent,
            threshold: view.threshold,
            anomaly: anomalySource.stats,
            window: windowSource.stats,
            devices: [...view.devices.values()],
            alerts: view.alerts,
            windows: [...view.windows.values()],
          })
        );
      } else if (req.url === '/' || req.url === '/index.html') {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
        res.end(PAGE);
      } else {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
    cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
    cleanups.push(() => server.closeAllConnections());
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
    process.stdout.write(`Demo page: ${url}\n`);
    log(`${devices} devices, ${durationS} s at ${speed}× device time; Ctrl-C stops`);

    // ---- Alerts: SNS → SQS → edge scorer ----------------------------------------------------------------------------
    let alertLoopDone = false;
    const alertLoop = (async () => {
      while (!alertLoopDone) {
        const r = await sqs
          .send(new ReceiveMessageCommand({ QueueUrl: alertsUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }))
          .catch(() => ({ Messages: [] }));
        const msgs = r.Messages ?? [];
        for (const m of msgs) {
          const a = JSON.parse(m.Body!) as Alert;
          const reading = (recent.get(a.device_id) ?? []).find((x) => x.ts === a.ts);
          const p = reading ? scorer.predict(SENSOR_FIELDS.map((f) => reading[f] ?? Number.NaN)) : null;
          const l = labels.find((x) => x.device_id === a.device_id && x.start <= a.ts && a.ts <= x.end);
          view.alerts.push({
            ...a,
            severity: alertSeverity(a.grade),
            failure_probability: p,
            label: l ? `yes: ${l.fault}` : null,
          });
          const dv = view.devices.get(a.device_id);
          if (dv) dv.alerts++;
          log(
            `ALERT ${a.device_id} at ${a.ts}: ${a.sensor} ${a.direction} (${a.sensor_value} ${a.sensor_unit}), ` +
              `grade ${a.grade}, failure probability ${p === null ? '–' : (p * 100).toFixed(1) + ' %'}, ` +
              `${l ? 'injected ' + l.fault : 'no injected fault'}`
          );
        }
        if (msgs.length > 0) {
          await sqs.send(
            new DeleteMessageBatchCommand({
              QueueUrl: alertsUrl,
              Entries: msgs.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
            })
          );
        }
      }
    })();

    // ---- Window rows from the curated "bucket" ----------------------------------------------------------------------
    const seenKeys = new Set<string>();
    const readWindows = async () => {
      const list = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: process.env['WINDOWS_PREFIX'] }));
      for (const o of list.Contents ?? []) {
        if (!o.Key || seenKeys.has(o.Key)) continue;
        seenKeys.add(o.Key);
        const body = await (
          await s3.send(new GetObjectCommand({ Bucket: bucket, Key: o.Key }))
        ).Body!.transformToString();
        const rows = body
          .split('\n')
          .filter((l) => l.trim() !== '')
          .map((l) => JSON.parse(l) as WindowRow);
        for (const id of new Set(rows.map((r) => r.device_id))) {
          const mine = rows.filter((r) => r.device_id === id).sort((a, b) => a.bucket_end.localeCompare(b.bucket_end));
          const prev = view.windows.get(id);
          if (prev && prev.window_start > mine[0]!.window_start) continue;
          view.windows.set(id, {
            device_id: id,
            window_start: mine[0]!.window_start,
            window_end: mine[0]!.window_end,
            rows: mine,
          });
        }
      }
    };
    const windowTimer = setInterval(() => void readWindows().catch(() => undefined), 2000);
    cleanups.push(() => clearInterval(windowTimer));

    // ---- Run the devices in (accelerated) real time ------------------------------------------------------------------
    view.status = 'running';
    const stats: PutStats = { records: 0, requests: 0, retriedRecords: 0, retriedRequests: 0, errorCodes: {} };
    const progress = setInterval(() => {
      log(
        `device time ${view.deviceTime.slice(11, 19)} · sent ${view.sent} · anomaly ${anomalySource.stats.records} ` +
          `records/${anomalySource.stats.invocations} invocations · windows closed ${windowSource.stats.windowsClosed}` +
          ` · alerts ${view.alerts.length}`
      );
    }, 5000);
    cleanups.push(() => clearInterval(progress));
    let tick: { ms: number; readings: SensorReading[] } = { ms: simStart, readings: [] };
    const sendTick = async () => {
      if (tick.readings.length === 0) return;
      const due = clockStart + (tick.ms - simStart) / speed - Date.now();
      if (due > 0) await Promise.race([new Promise((r) => setTimeout(r, due)), stopRequested]);
      if (stopping) return;
      await putRecordsWithRetry(
        kinesis,
        STREAM,
        tick.readings.map((r) => ({ data: Buffer.from(JSON.stringify(r)), partitionKey: r.device_id })),
        {},
        stats
      );
      for (const r of tick.readings) {
        const dv = view.devices.get(r.device_id)!;
        dv.latest = r;
        pointOwner.set(`${Date.parse(r.ts)}:${r.temperature}`, r.device_id);
        if (pointOwner.size > 20_000) pointOwner.delete(pointOwner.keys().next().value!);
        const rec = recent.get(r.device_id) ?? [];
        rec.push(r);
        if (rec.length > 900) rec.shift();
        recent.set(r.device_id, rec);
      }
      view.sent += tick.readings.length;
      view.deviceTime = new Date(tick.ms).toISOString();
    };
    for (const { reading } of simulate(opts)) {
      if (stopping) break;
      const ms = Date.parse(reading.ts);
      if (ms !== tick.ms) {
        await sendTick();
        tick = { ms, readings: [] };
      }
      tick.readings.push(reading);
    }
    await sendTick();

    // ---- Drain and stop ---------------------------------------------------------------------------------------------
    view.status = stopping ? 'stopping' : 'draining';
    log('devices done; letting the handlers catch up …');
    // The handlers may lag on a slow machine (the model is 100 trees × 256 samples per device): give them time.
    const drainUntil = Date.now() + Math.max(30_000, durationS * 1000);
    while (!stopping && Date.now() < drainUntil && anomalySource.stats.records < view.sent) {
      await Promise.race([new Promise((r) => setTimeout(r, 250)), stopRequested]);
    }
    anomalySource.stop();
    windowSource.stop();
    await Promise.all(pollers);
    await new Promise((r) => setTimeout(r, 2500)); // the last alerts through SNS → SQS
    alertLoopDone = true;
    await alertLoop;
    await readWindows().catch(() => undefined);
    view.status = 'finished';
    log(
      `done: ${view.sent} readings, ${anomalySource.stats.records} through the anomaly handler ` +
        `(${anomalySource.stats.retries} retries, ${anomalySource.stats.failedBatches} batches to on-failure), ` +
        `${windowSource.stats.windowsClosed} windows, ${view.alerts.length} alert(s): ` +
        (view.alerts.map((a) => `${a.device_id} ${a.sensor} ${a.label ?? 'false alarm'}`).join('; ') || 'none')
    );
    process.stdout.write(`alerts: ${view.alerts.length}\n`);
  } finally {
    await shutdown();
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    process.stderr.write(`demo failed: ${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  }
);
