import { BatchProcessor, EventType } from '@aws-lambda-powertools/batch';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { GetObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  ListExecutionsCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { etlRunDateOf } from '@smart-factory/schema';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { logger, metrics, requireEnv } from '../shared/powertools';
import {
  classifyKey,
  decide,
  type EtlExecution,
  InvalidManifestError,
  manifestKey,
  parseManifest,
  type TriggerDecision,
} from './core';

/** An S3 `Object Created` event as EventBridge delivers it (the fields the trigger reads). */
interface ObjectCreatedEvent {
  readonly 'detail-type'?: string;
  readonly time?: string;
  readonly detail?: {
    readonly bucket?: { readonly name?: string };
    readonly object?: { readonly key?: string; readonly sequencer?: string; readonly etag?: string };
  };
}

export interface BatchTriggerSettings {
  readonly bucket: string;
  readonly stateMachineArn: string;
  readonly timeZone: string;
  /** How far back executions are listed: the workflow's timeout plus a margin (older ones cannot be running). */
  readonly lookbackMs: number;
}

export function settingsFromEnv(): BatchTriggerSettings {
  const hours = Number(requireEnv('EXECUTION_LOOKBACK_HOURS'));
  if (!Number.isFinite(hours) || hours <= 0) throw new Error('EXECUTION_LOOKBACK_HOURS must be a positive number');
  return {
    bucket: requireEnv('RAW_BUCKET'),
    stateMachineArn: requireEnv('STATE_MACHINE_ARN'),
    timeZone: requireEnv('TIME_ZONE'),
    lookbackMs: hours * 3_600_000,
  };
}

/** A date whose run is still going: the message is retried after the queue's visibility timeout. */
class RunInProgress extends Error {
  override readonly name = 'RunInProgress';
}

export interface BatchTriggerClients {
  readonly s3: Pick<S3Client, 'send'>;
  readonly sfn: Pick<SFNClient, 'send'>;
}

function isNotFound(e: unknown): boolean {
  const err = e as { name?: string; $metadata?: { httpStatusCode?: number } };
  return err.name === 'NotFound' || err.name === 'NoSuchKey' || err.$metadata?.httpStatusCode === 404;
}

/**
 * Builds the SQS handler. Each message is one S3 `Object Created` event under `batch/` (EventBridge rule → queue).
 * Messages are handled one after another (the function runs with reserved concurrency 1, so two starts of a date
 * never race); a date whose run is still going fails its message, which SQS delivers again later.
 */
export function createBatchTriggerHandler(
  clients: BatchTriggerClients,
  settings: BatchTriggerSettings,
  now: () => Date = () => new Date()
): (event: SQSEvent) => Promise<SQSBatchResponse> {
  async function objectExists(key: string): Promise<boolean> {
    try {
      await clients.s3.send(new HeadObjectCommand({ Bucket: settings.bucket, Key: key }));
      return true;
    } catch (e) {
      if (isNotFound(e)) return false;
      throw e;
    }
  }

  async function readManifest(date: string): Promise<string | undefined> {
    try {
      const r = await clients.s3.send(new GetObjectCommand({ Bucket: settings.bucket, Key: manifestKey(date) }));
      return await r.Body!.transformToString();
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  /** Executions started within the lookback, newest first, with the input of those whose name tells no date. */
  async function recentExecutions(started: readonly EtlExecution[]): Promise<EtlExecution[]> {
    const since = now().getTime() - settings.lookbackMs;
    const out: EtlExecution[] = [...started];
    let nextToken: string | undefined;
    let reachedOlder = false;
    do {
      const page = await clients.sfn.send(
        new ListExecutionsCommand({ stateMachineArn: settings.stateMachineArn, nextToken, maxResults: 100 })
      );
      for (const e of page.executions ?? []) {
        if (!e.startDate || !e.name || !e.status) continue;
        if (e.startDate.getTime() < since) {
          reachedOlder = true;
          break;
        }
        if (out.some((o) => o.name === e.name)) continue;
        let input: string | undefined;
        if (etlRunDateOf(e.name, undefined, settings.timeZone) === undefined) {
          const d = await clients.sfn.send(new DescribeExecutionCommand({ executionArn: e.executionArn }));
          input = d.input;
        }
        out.push({ name: e.name, status: e.status, startDate: e.startDate, input });
      }
      nextToken = page.nextToken;
    } while (nextToken && !reachedOlder);
    return out;
  }

  return async (event) => {
    const started: EtlExecution[] = [];
    const counts = { started: 0, skipped: 0, waiting: 0, ignored: 0, invalidManifests: 0 };

    async function handle(record: SQSRecord): Promise<void> {
      const e = JSON.parse(record.body) as ObjectCreatedEvent;
      const key = e.detail?.object?.key;
      const bucket = e.detail?.bucket?.name;
      if (e['detail-type'] !== 'Object Created' || !key || bucket !== settings.bucket) {
        counts.ignored++;
        logger.warn('not an Object Created event of the raw bucket', { messageId: record.messageId });
        return;
      }
      const object = classifyKey(key);
      if (object.kind === 'other') {
        counts.ignored++;
        logger.info('not a batch file or manifest', { key });
        return;
      }
      const date = object.date;
      const text = await readManifest(date);
      if (text === undefined) {
        counts.skipped++;
        logger.info('batch not complete: no manifest yet', { date, key, manifest: manifestKey(date) });
        return;
      }
      let manifest;
      try {
        manifest = parseManifest(text, date);
      } catch (err) {
        if (!(err instanceof InvalidManifestError)) throw err;
        // A corrected manifest is a new object and a new event; retrying this one cannot help.
        counts.invalidManifests++;
        logger.error('invalid batch manifest', { date, error: err.message });
        return;
      }
      const missing: string[] = [];
      for (const k of manifest.keys) if (!(await objectExists(k))) missing.push(k);
      if (missing.length > 0) {
        counts.skipped++;
        logger.info('batch not complete: files of the manifest missing', { date, missing });
        return;
      }
      const decision: TriggerDecision = decide({
        date,
        key,
        sequencer: e.detail?.object?.sequencer ?? e.detail?.object?.etag ?? record.messageId,
        objectTime: new Date(e.time ?? record.attributes.SentTimestamp),
        executions: await recentExecutions(started),
        timeZone: settings.timeZone,
      });
      if (decision.action === 'skip') {
        counts.skipped++;
        logger.info('already covered', { date, key, reason: decision.reason });
        return;
      }
      if (decision.action === 'wait') {
        counts.waiting++;
        throw new RunInProgress(`${decision.reason}; ${key} is handled when it ends`);
      }
      try {
        const r = await clients.sfn.send(
          new StartExecutionCommand({
            stateMachineArn: settings.stateMachineArn,
            name: decision.name,
            input: JSON.stringify(decision.input),
          })
        );
        logger.info('started the daily workflow', { date, key, execution: r.executionArn });
      } catch (err) {
        if (!(err instanceof ExecutionAlreadyExists) && (err as Error).name !== 'ExecutionAlreadyExists') throw err;
        logger.info('execution already exists (a repeated event)', { date, key, name: decision.name });
      }
      started.push({ name: decision.name, status: 'RUNNING', startDate: now(), input: JSON.stringify(decision.input) });
      counts.started++;
    }

    const processor = new BatchProcessor(EventType.SQS);
    processor.register(event.Records, handle, { processInParallel: false, throwOnFullBatchFailure: false });
    await processor.process();
    for (const err of processor.errors) {
      if (err instanceof RunInProgress || (err as Error).name === 'RunInProgress') logger.info((err as Error).message);
      else logger.error('batch event failed', { error: err as Error });
    }
    metrics.addMetric('BatchRunsStarted', MetricUnit.Count, counts.started);
    metrics.addMetric('BatchEventsSkipped', MetricUnit.Count, counts.skipped);
    metrics.addMetric('BatchEventsWaiting', MetricUnit.Count, counts.waiting);
    metrics.addMetric('BatchManifestsInvalid', MetricUnit.Count, counts.invalidManifests);
    metrics.publishStoredMetrics();
    return processor.response();
  };
}

let live: ((event: SQSEvent) => Promise<SQSBatchResponse>) | undefined;

/** The deployed entry point. */
export const handler = async (event: SQSEvent): Promise<SQSBatchResponse> => {
  live ??= createBatchTriggerHandler({ s3: new S3Client({}), sfn: new SFNClient({}) }, settingsFromEnv());
  return live(event);
};
