import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { httpHandlerSdk, kinesisSdk } from '../aws';
import { type Command, type CommandIO, UsageError, parseOptions } from '../command';
import { checkOutputFile, fileError, quote } from '../io';
import {
  faultLabels,
  readingCount,
  simulate,
  type SimulationOptions,
  validateSimulationOptions,
} from '../simulator/generator';
import { type KinesisSendClient, type PutEntry, putRecordsWithRetry, type PutStats } from '../simulator/kinesis-put';
import { type ClientCredentials, MqttFleet } from '../simulator/mqtt-publish';
import { ProgressBar } from '../simulator/progress';

const usage = `Usage: smart-factory simulate --devices N --rate R --duration D
                               --to kinesis:<stream>|file:<path>|mqtt://host:port|mqtts://host:port
                               [--faults] [--seed S] [--start ISO] [--labels <path>] [--endpoint URL]
                               [--region R] [--fast] [--progress]
                               [--certs <dir> | --cert <pem> --key <pem>] [--ca <pem>] [--qos 0|1]

Simulates factory devices: realistic sensor readings (per-device baselines, temperature drift, load cycles, noise)
as JSON lines in the platform schema, optionally with injected faults (overheating, bearing wear).

  --devices N     number of devices (press-001, press-002, ...)
  --rate R        readings per second per device
  --duration D    simulated seconds
  --to            kinesis:<stream name> (PutRecords, partition key = device id), file:<path> (JSON lines;
                  file:- is stdout), or
                  mqtt(s)://host:port: one MQTT connection per device (client id = device id) publishing to
                  factory/<device id>/telemetry, the path devices take through AWS IoT Core
                  (mqtts://<iot:Data-ATS endpoint>:8883 --certs <provision folder> --ca AmazonRootCA1.pem)
  --faults        inject faults in every fifth device; their episodes are written as JSON lines to the labels file
  --labels PATH   labels file, with --faults only (default <path>.labels.jsonl in file mode; required with
                  --faults for kinesis and file:-)
  --seed S        random seed (default 1); the same seed gives the same readings
  --start ISO     time of the first reading (default now)
  --endpoint URL  Kinesis endpoint (e.g. a local kinesalite); --region defaults to AWS_REGION or us-east-1 then
  --region R      AWS region of the stream (default: AWS_REGION or the SDK's profile; one of them is needed)
  --fast          kinesis: send as fast as possible instead of in real time (timestamps are unchanged)
  --progress      show the progress bar even when stderr is not a terminal
  --certs DIR     mqtts: per-device client certificates as written by smart-factory provision
  --cert/--key    mqtts: one client certificate and key for every device
  --ca PEM        mqtts: CA that signed the broker certificate (default: Node's root certificates)
  --qos 0|1       MQTT QoS (default 1: every reading acknowledged, re-sent after a reconnect)`;

type Target = { kind: 'kinesis'; stream: string } | { kind: 'file'; path: string } | { kind: 'mqtt'; url: string };

function parseTarget(to: string | undefined): Target {
  if (to === undefined) throw new UsageError('--to is required');
  if (/^mqtts?:\/\//.test(to)) {
    if (!/^mqtts?:\/\/[^/\s]+$/.test(to))
      throw new UsageError(`--to ${to}: expected mqtt://host:port or mqtts://host:port`);
    return { kind: 'mqtt', url: to };
  }
  const m = /^(kinesis|file):(.+)$/.exec(to);
  if (m === null) {
    throw new UsageError(
      `--to must be kinesis:<stream>, file:<path>, mqtt://host:port or mqtts://host:port, got ${quote(to)}`
    );
  }
  return m[1] === 'kinesis' ? { kind: 'kinesis', stream: m[2]! } : { kind: 'file', path: m[2]! };
}

function num(name: string, v: string | undefined, required = true): number {
  if (v === undefined) {
    if (required) throw new UsageError(`--${name} is required`);
    return Number.NaN;
  }
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${name} must be a number, got ${quote(v)}`);
  return n;
}

async function write(stream: WriteStream, text: string): Promise<void> {
  if (!stream.write(text)) await once(stream, 'drain');
}

async function closeStream(stream: WriteStream): Promise<void> {
  stream.end();
  await once(stream, 'finish');
}

export interface SimulateDeps {
  /** Builds the Kinesis client (tests may wrap the real one). */
  readonly kinesisClient?: (endpoint: string | undefined, region: string | undefined) => KinesisSendClient;
  /** MQTT reconnect period (tests shorten it). */
  readonly mqttReconnectPeriodMs?: number;
}

export function kinesisClient(endpoint: string | undefined, region: string | undefined): KinesisClient {
  const { KinesisClient } = kinesisSdk();
  const { NodeHttpHandler } = httpHandlerSdk();
  return new KinesisClient({
    requestHandler: new NodeHttpHandler(),
    ...(endpoint !== undefined ? { endpoint, region: region ?? process.env['AWS_REGION'] ?? 'us-east-1' } : {}),
    ...(endpoint === undefined && region !== undefined ? { region } : {}),
  });
}

export async function runSimulate(argv: readonly string[], io: CommandIO, deps: SimulateDeps = {}): Promise<number> {
  const values = parseOptions(argv, {
    devices: { type: 'string' },
    rate: { type: 'string' },
    duration: { type: 'string' },
    to: { type: 'string' },
    faults: { type: 'boolean', default: false },
    labels: { type: 'string' },
    seed: { type: 'string', default: '1' },
    start: { type: 'string' },
    endpoint: { type: 'string' },
    region: { type: 'string' },
    fast: { type: 'boolean', default: false },
    progress: { type: 'boolean', default: false },
    certs: { type: 'string' },
    cert: { type: 'string' },
    key: { type: 'string' },
    ca: { type: 'string' },
    qos: { type: 'string', default: '1' },
  });
  const target = parseTarget(values.to);
  const opts: SimulationOptions = {
    devices: num('devices', values.devices),
    rate: num('rate', values.rate),
    durationSeconds: num('duration', values.duration),
    startMs: values.start === undefined ? Date.now() : Date.parse(values.start),
    seed: num('seed', values.seed),
    faults: values.faults,
  };
  const problems = validateSimulationOptions(opts);
  if (problems.length > 0) throw new UsageError(problems.join('\n'));
  if (!opts.faults && values.labels !== undefined) throw new UsageError('--labels is only used with --faults');
  const toStdout = target.kind === 'file' && target.path === '-';
  const labelsPath = !opts.faults
    ? undefined
    : (values.labels ?? (target.kind === 'file' && !toStdout ? `${target.path}.labels.jsonl` : undefined));
  if (opts.faults && labelsPath === undefined) throw new UsageError('--labels <path> is required with --faults');

  const total = readingCount(opts);
  if (total === 0) {
    throw new UsageError(
      `--rate ${opts.rate} for --duration ${opts.durationSeconds} s gives no reading: a device sends one every ` +
        `${1 / opts.rate} s; raise --rate or --duration`
    );
  }
  // Every file is checked before anything is written, so an error names the file the user gave.
  if (target.kind === 'file') checkOutputFile('to file:', target.path);
  if (labelsPath !== undefined && labelsPath !== '-') checkOutputFile('labels', labelsPath);
  const tty = (io.stderr as { isTTY?: boolean }).isTTY === true;
  const bar = new ProgressBar(io.stderr, total, 'simulate', tty || values.progress);

  if (labelsPath !== undefined) {
    try {
      const ls = createWriteStream(labelsPath);
      for (const l of faultLabels(opts)) await write(ls, JSON.stringify(l) + '\n');
      await closeStream(ls);
    } catch (e) {
      throw fileError('labels', labelsPath, e);
    }
  }

  let done = 0;
  if (target.kind === 'file') {
    const writeLine = async (out: NodeJS.WritableStream, text: string) => {
      if (!out.write(text)) await once(out, 'drain');
    };
    try {
      const out = toStdout ? io.stdout : createWriteStream(target.path);
      for (const { reading } of simulate(opts)) {
        await writeLine(out, JSON.stringify(reading) + '\n');
        bar.update(++done);
      }
      if (!toStdout) await closeStream(out as WriteStream);
    } catch (e) {
      throw fileError('to file:', target.path, e);
    }
    bar.finish(done);
    io.stderr.write(`wrote ${done} readings of ${opts.devices} device(s) to ${toStdout ? 'stdout' : target.path}\n`);
    return 0;
  }

  if (target.kind === 'mqtt') {
    if (values.qos !== '0' && values.qos !== '1') throw new UsageError(`--qos must be 0 or 1, got "${values.qos}"`);
    if ((values.cert === undefined) !== (values.key === undefined))
      throw new UsageError('--cert and --key go together');
    if (values.certs !== undefined && values.cert !== undefined) throw new UsageError('give --certs or --cert/--key');
    const credentials: ClientCredentials =
      values.certs !== undefined
        ? { kind: 'dir', dir: values.certs }
        : values.cert !== undefined
          ? { kind: 'files', cert: values.cert, key: values.key! }
          : { kind: 'none' };
    if (target.url.startsWith('mqtt://') && credentials.kind !== 'none') {
      throw new UsageError('client certificates need mqtts:// (TLS)');
    }
    const fleet = new MqttFleet({
      url: target.url,
      credentials,
      qos: values.qos === '0' ? 0 : 1,
      ...(values.ca !== undefined ? { caPath: values.ca } : {}),
      ...(deps.mqttReconnectPeriodMs !== undefined ? { reconnectPeriodMs: deps.mqttReconnectPeriodMs } : {}),
    });
    const started = Date.now();
    let tick: { ms: number; readings: { device: string; json: string }[] } = { ms: opts.startMs, readings: [] };
    const send = async () => {
      if (tick.readings.length === 0) return;
      if (!values.fast) {
        const due = started + (tick.ms - opts.startMs) - Date.now();
        if (due > 0) await new Promise((r) => setTimeout(r, due));
      }
      // One tick of every device in parallel (one connection each); the next tick waits for the acknowledgements.
      await Promise.all(tick.readings.map((r) => fleet.publish(r.device, r.json)));
      done += tick.readings.length;
      bar.update(done);
    };
    try {
      for (const { reading } of simulate(opts)) {
        const ms = Date.parse(reading.ts);
        if (ms !== tick.ms) {
          await send();
          tick = { ms, readings: [] };
        }
        tick.readings.push({ device: reading.device_id, json: JSON.stringify(reading) });
      }
      await send();
    } finally {
      await fleet.close();
    }
    bar.finish(done);
    const st = fleet.stats;
    io.stderr.write(
      `published ${st.published} readings of ${opts.devices} device(s) to ${target.url} (QoS ${values.qos}); ` +
        `${st.connects} connection(s), ${st.reconnects} reconnect(s)\n`
    );
    return 0;
  }

  const client = (deps.kinesisClient ?? kinesisClient)(values.endpoint, values.region);
  const stats: PutStats = { records: 0, requests: 0, retriedRecords: 0, retriedRequests: 0, errorCodes: {} };
  const started = Date.now();
  let batch: PutEntry[] = [];
  let batchTickMs = opts.startMs;
  const flush = async () => {
    if (batch.length === 0) return;
    if (!values.fast) {
      // Real time: a tick's readings are sent when their simulated time has come.
      const due = started + (batchTickMs - opts.startMs) - Date.now();
      if (due > 0) await new Promise((r) => setTimeout(r, due));
    }
    await putRecordsWithRetry(client, target.stream, batch, {}, stats);
    done += batch.length;
    bar.update(done);
    batch = [];
  };
  for (const { reading } of simulate(opts)) {
    const ms = Date.parse(reading.ts);
    if (ms !== batchTickMs && (batch.length >= 500 || !values.fast)) await flush();
    if (batch.length === 0) batchTickMs = ms;
    batch.push({ data: Buffer.from(JSON.stringify(reading), 'utf8'), partitionKey: reading.device_id });
  }
  await flush();
  bar.finish(done);
  io.stderr.write(
    `sent ${stats.records} readings of ${opts.devices} device(s) to ${target.stream} in ${stats.requests} ` +
      `PutRecords request(s); ${stats.retriedRecords} record(s) and ${stats.retriedRequests} request(s) retried\n`
  );
  return 0;
}

export const simulateCommand: Command = {
  name: 'simulate',
  summary: 'simulate devices: realistic readings and injected faults to Kinesis, MQTT (IoT Core) or a JSON-lines file',
  usage,
  run: (argv, io) => runSimulate(argv, io),
};
