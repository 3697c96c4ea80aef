import { readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import type { S3Client } from '@aws-sdk/client-s3';
import { s3Sdk } from '../aws';
import {
  failureMessages,
  failurePercent,
  type ModelManifest,
  parseModelManifest,
  parseSensorReading,
  SENSOR_FIELDS,
  type SensorReading,
} from '@smart-factory/schema';
import { formatFloat32, XGBoostScorer } from '@smart-factory/xgboost';
import { type Command, UsageError, numberOption, parseOptions } from '../command';
import { clipLongRuns, loadScorer, quote } from '../io';

const MANIFEST_HELP =
  'a manifest.json with model_version, feature_order (sensor field names in model order) and threshold, ' +
  'as the training pipeline publishes it beside each model.tar.gz';

/** Reads and checks a local manifest; errors name the file and what it must hold. */
function readManifest(path: string, modelPath: string): ModelManifest {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new Error(`--model ${modelPath}: no ${path} beside it; edge needs ${MANIFEST_HELP}`);
    throw new Error(`--model ${modelPath}: ${path}: ${(e as Error).message}`);
  }
  try {
    return parseModelManifest(JSON.parse(text));
  } catch (e) {
    throw new Error(`${path}: ${(e as Error).message}; edge needs ${MANIFEST_HELP}`);
  }
}

const usage = `Usage: smart-factory edge --model <s3://bucket/prefix/|s3://.../latest.json|s3://.../model.tar.gz|path>
                          [--watch] [--interval <seconds>] [--format json|text] [--region <region>]

Scores sensor readings on the device with the newest published failure model, offline and without native code.
Reads readings as JSON lines on stdin (the platform's SensorReading, validated), prints one line per reading with
the failure probability and the operator message in Korean and English. Invalid readings are reported on stderr
("line N: reason") and skipped; the exit code is 1 when any reading was invalid.

  --model     where the published models live: an S3 prefix or a local folder holding latest.json (the pipeline's
              edge/models/), the latest.json pointer itself, or one model.tar.gz with its manifest.json beside it.
              The manifest's feature_order must name sensor fields and match the model's feature count.
  --watch     pick up a newly published version without restarting (polls latest.json, or the files' mtime)
  --interval  seconds between polls with --watch (default 30)
  --format    json (default: one JSON object per reading) or text
  --region    AWS region of the bucket (default: AWS_REGION or the SDK's profile; one of them is needed)`;

/** Where a model comes from; `version()` changes when a new model is published. */
interface ModelSource {
  readonly description: string;
  version(): Promise<string>;
  load(): Promise<LoadedModel>;
}

interface LoadedModel {
  readonly scorer: XGBoostScorer;
  readonly manifest: ModelManifest;
  readonly location: string;
}

/** A sensor-field feature order checked against the model. */
function checkModel(scorer: XGBoostScorer, manifest: ModelManifest, location: string): LoadedModel {
  const known = new Set<string>(SENSOR_FIELDS);
  const unknown = manifest.feature_order.filter((f) => !known.has(f));
  if (unknown.length > 0) {
    throw new Error(
      `${location}: the manifest's feature_order names ${unknown.join(', ')}, which readings do not carry`
    );
  }
  if (scorer.numFeature !== manifest.feature_order.length) {
    throw new Error(
      `${location}: the model has ${scorer.numFeature} features but the manifest's feature_order lists ${manifest.feature_order.length}`
    );
  }
  if (scorer.objective !== 'binary:logistic') {
    throw new Error(`${location}: expected a binary:logistic model, got ${scorer.objective}`);
  }
  return { scorer, manifest, location };
}

/** `v=<version>/<file>` of a pointer key: the part below the published prefix, for a local mirror of it. */
const belowPrefix = (key: string) => key.split('/').slice(-2).join('/');

interface Pointer {
  readonly model_version: string;
  readonly model_key: string;
  readonly manifest_key: string;
}

function parsePointer(text: string, where: string): Pointer {
  let p: unknown;
  try {
    p = JSON.parse(text);
  } catch (e) {
    throw new Error(`${where} is not JSON: ${(e as Error).message}`);
  }
  const o = p as Partial<Record<keyof Pointer, unknown>> | null;
  if (
    typeof o !== 'object' ||
    o === null ||
    typeof o.model_version !== 'string' ||
    typeof o.model_key !== 'string' ||
    typeof o.manifest_key !== 'string'
  ) {
    throw new Error(`${where} must have model_version, model_key and manifest_key`);
  }
  return o as Pointer;
}

function localSource(path: string): ModelSource {
  let isDir = false;
  try {
    isDir = statSync(path).isDirectory();
  } catch {
    throw new UsageError(`--model ${path}: no such file or folder`);
  }
  const pointerPath = isDir ? join(path, 'latest.json') : path.endsWith('.json') ? path : undefined;
  if (pointerPath !== undefined) {
    const base = dirname(pointerPath);
    const pointer = () => {
      let text: string;
      try {
        text = readFileSync(pointerPath, 'utf8');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
          throw new Error(
            `--model ${path}: no latest.json in this folder; give the folder the pipeline publishes (edge/models/), ` +
              'its latest.json, or a model.tar.gz with its manifest.json beside it'
          );
        }
        throw new Error(`--model ${pointerPath}: ${(e as Error).message}`);
      }
      return parsePointer(text, pointerPath);
    };
    return {
      description: pointerPath,
      version: async () => {
        const p = pointer();
        return `${p.model_version}@${statSync(join(base, belowPrefix(p.model_key))).mtimeMs}`;
      },
      load: async () => {
        const p = pointer();
        const modelPath = join(base, belowPrefix(p.model_key));
        const manifest = readManifest(join(base, belowPrefix(p.manifest_key)), modelPath);
        return checkModel(loadScorer('model', modelPath), manifest, modelPath);
      },
    };
  }
  const manifestPath = join(dirname(path), 'manifest.json');
  return {
    description: path,
    version: async () => {
      readManifest(manifestPath, path);
      return `${statSync(path).mtimeMs}/${statSync(manifestPath).mtimeMs}`;
    },
    load: async () => {
      const manifest = readManifest(manifestPath, path);
      return checkModel(loadScorer('model', path), manifest, path);
    },
  };
}

function s3Source(uri: string, s3: S3Client): ModelSource {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
  if (!m) throw new UsageError(`--model ${uri}: expected s3://bucket/key`);
  const bucket = m[1]!;
  const key = m[2]!;
  const get = async (k: string) => {
    const out = await s3.send(new (s3Sdk().GetObjectCommand)({ Bucket: bucket, Key: k }));
    if (!out.Body) throw new Error(`s3://${bucket}/${k} has no body`);
    return out.Body.transformToByteArray();
  };
  const text = async (k: string) => new TextDecoder().decode(await get(k));
  const loadPair = async (modelKey: string, manifestKey: string): Promise<LoadedModel> => {
    const [bytes, manifestText] = await Promise.all([get(modelKey), text(manifestKey)]);
    const where = `s3://${bucket}/${modelKey}`;
    let scorer: XGBoostScorer;
    let manifest: ModelManifest;
    try {
      scorer = XGBoostScorer.fromBytes(bytes, modelKey);
    } catch (e) {
      const m = (e as Error).message;
      throw new Error(m.startsWith(modelKey) ? `s3://${bucket}/${m}` : `${where}: ${m}`);
    }
    try {
      manifest = parseModelManifest(JSON.parse(manifestText));
    } catch (e) {
      throw new Error(`s3://${bucket}/${manifestKey}: ${(e as Error).message}; edge needs ${MANIFEST_HELP}`);
    }
    return checkModel(scorer, manifest, where);
  };
  if (key === '' || key.endsWith('/') || key.endsWith('.json')) {
    const pointerKey = key.endsWith('.json') ? key : `${key}latest.json`;
    const pointer = async () => parsePointer(await text(pointerKey), `s3://${bucket}/${pointerKey}`);
    return {
      description: `s3://${bucket}/${pointerKey}`,
      version: async () => (await pointer()).model_version,
      load: async () => {
        const p = await pointer();
        return loadPair(p.model_key, p.manifest_key);
      },
    };
  }
  const manifestKey = key.includes('/') ? `${key.slice(0, key.lastIndexOf('/'))}/manifest.json` : 'manifest.json';
  return {
    description: uri,
    version: async () => parseModelManifest(JSON.parse(await text(manifestKey))).model_version,
    load: () => loadPair(key, manifestKey),
  };
}

function featureRow(reading: SensorReading, order: readonly string[]): number[] {
  const r = reading as unknown as Record<string, number | undefined>;
  return order.map((f) => r[f] ?? NaN);
}

export interface EdgeCommandOptions {
  /** Creates the S3 client (tests point it at a local server). */
  readonly s3?: (region: string | undefined) => S3Client;
}

export function createEdgeCommand(options: EdgeCommandOptions = {}): Command {
  return {
    name: 'edge',
    summary: 'score readings on the device with the newest published failure model (--watch for new versions)',
    usage,
    async run(argv, io) {
      const values = parseOptions(argv, {
        model: { type: 'string' },
        watch: { type: 'boolean', default: false },
        interval: { type: 'string', default: '30' },
        format: { type: 'string', default: 'json' },
        region: { type: 'string' },
      });
      if (!values.model) throw new UsageError('--model is required');
      const interval = numberOption('interval', values.interval, 0.05, 86_400, { unit: 'seconds' })!;
      if (values.format !== 'json' && values.format !== 'text') {
        throw new UsageError(`--format must be json or text, got ${quote(values.format)}`);
      }
      const makeS3 = options.s3 ?? ((region) => new (s3Sdk().S3Client)(region ? { region } : {}));
      const source = values.model.startsWith('s3://')
        ? s3Source(values.model, makeS3(values.region))
        : localSource(values.model);

      let version = await source.version();
      let model = await source.load();
      io.stderr.write(`edge: model ${model.manifest.model_version} from ${model.location}\n`);

      let timer: NodeJS.Timeout | undefined;
      let polling = false;
      let lastProblem = '';
      if (values.watch) {
        timer = setInterval(() => {
          if (polling) return;
          polling = true;
          (async () => {
            const v = await source.version();
            if (v === version) return;
            const next = await source.load();
            model = next;
            version = v;
            lastProblem = '';
            io.stderr.write(`edge: model ${next.manifest.model_version} from ${next.location}\n`);
          })()
            .catch((e: unknown) => {
              // Said once per problem, not on every poll while the broken version stays published.
              const problem = (e as Error).message;
              if (problem === lastProblem) return;
              lastProblem = problem;
              io.stderr.write(`edge: keeping model ${model.manifest.model_version}: ${problem}\n`);
            })
            .finally(() => (polling = false));
        }, interval * 1000);
      }

      const rl = createInterface({ input: io.stdin, crlfDelay: Infinity });
      let lineNo = 0;
      let bad = 0;
      try {
        for await (const line of rl) {
          lineNo++;
          if (line.trim() === '') continue;
          const r = parseSensorReading(line);
          if (!r.ok) {
            bad++;
            io.stderr.write(`line ${lineNo}: ${clipLongRuns(r.reason)}\n`);
            continue;
          }
          const { scorer, manifest } = model;
          const score = scorer.predict(featureRow(r.reading, manifest.feature_order));
          const msg = failureMessages(score);
          const pred = score > manifest.threshold;
          const out =
            values.format === 'json'
              ? JSON.stringify({
                  device_id: r.reading.device_id,
                  ts: r.reading.ts,
                  score: Number(formatFloat32(score)),
                  pred,
                  failure_percent: failurePercent(score),
                  message_ko: msg.ko,
                  message_en: msg.en,
                  model_version: manifest.model_version,
                })
              : `${r.reading.ts} ${r.reading.device_id} ${failurePercent(score)}%${pred ? ' FAILURE RISK' : ''}\n  ${msg.ko}\n  ${msg.en}`;
          if (!io.stdout.write(out + '\n')) await new Promise((res) => io.stdout.once('drain', res));
        }
      } finally {
        if (timer) clearInterval(timer);
      }
      return bad === 0 ? 0 : 1;
    },
  };
}

export const edgeCommand: Command = createEdgeCommand();
