import { BatchProcessor, EventType } from '@aws-lambda-powertools/batch';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { AnomalyDetector } from '@smart-factory/rcf';
import type { KinesisStreamBatchResponse, KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import { logger, metrics, requireEnv } from '../shared/powertools';
import { S3QuarantineSink, S3StateStore, type SendClient, SnsAlertPublisher, SqsDeadLetterSink } from './aws';
import {
  type AnomalyCoreConfig,
  type AnomalyDeps,
  AnomalySession,
  type CachedDevice,
  DEFAULT_CHECKPOINT_INTERVAL_MS,
} from './core';
import { MODEL_FIELDS, type ModelFactory } from './model';

/**
 * The deployed model: `@smart-factory/rcf`'s AnomalyDetector with its defaults, one input per sensor field. Only an
 * alert reads the attribution (its driving sensor), and alerts need grade > 0: attribution 'anomalies' skips that
 * part of the scoring on the other records (same scores, grades and model).
 */
function attributeAnomalies(d: AnomalyDetector): AnomalyDetector {
  d.attribution = 'anomalies';
  return d;
}

export const rcfModels: ModelFactory = {
  create: () => attributeAnomalies(new AnomalyDetector({ dimensions: MODEL_FIELDS.length })),
  restore: (bytes) => attributeAnomalies(AnomalyDetector.restore(bytes)),
};

export interface AnomalyHandlerClients {
  readonly s3: SendClient;
  readonly sns: SendClient;
  readonly sqs: SendClient;
}

export interface AnomalyHandlerSettings extends AnomalyCoreConfig {
  readonly stateBucket: string;
  readonly statePrefix: string;
  readonly alertTopicArn: string;
  readonly deadLetterQueueUrl: string;
  /** The `factory` attribute of alerts (phones filter on it); FACTORY_ID. */
  readonly factoryId?: string;
}

export function settingsFromEnv(): AnomalyHandlerSettings {
  const num = (name: string) => {
    const v = Number(requireEnv(name));
    if (!Number.isFinite(v)) throw new Error(`environment variable ${name} must be a number`);
    return v;
  };
  const optionalNum = (name: string, fallback: number) => (process.env[name] ? num(name) : fallback);
  // Default cache bound: 60 % of the function memory above a 256 MB base (runtime, SDK, one batch).
  const memoryMb = optionalNum('AWS_LAMBDA_FUNCTION_MEMORY_SIZE', 1024);
  return {
    checkpointIntervalMs: optionalNum('CHECKPOINT_INTERVAL_SECONDS', DEFAULT_CHECKPOINT_INTERVAL_MS / 1000) * 1000,
    cacheMaxBytes: optionalNum('CACHE_MAX_MB', Math.max(64, Math.floor((memoryMb - 256) * 0.6))) * 1024 * 1024,
    stateBucket: requireEnv('STATE_BUCKET'),
    statePrefix: requireEnv('STATE_PREFIX'),
    alertTopicArn: requireEnv('ALERT_TOPIC_ARN'),
    deadLetterQueueUrl: requireEnv('DEAD_LETTER_QUEUE_URL'),
    threshold: num('ALERT_THRESHOLD'),
    cooldownMs: num('ALERT_COOLDOWN_SECONDS') * 1000,
    timeZone: requireEnv('TIME_ZONE'),
    ...(process.env['FACTORY_ID'] ? { factoryId: process.env['FACTORY_ID'] } : {}),
  };
}

/**
 * Builds the Kinesis handler. Records go through Powertools' BatchProcessor one by one, in order (validation,
 * dead-lettering, model update); then pending alerts are published and touched devices checkpointed. The response
 * lists failed sequence numbers (ReportBatchItemFailures); Lambda re-delivers from the lowest one and already
 * applied records are skipped by sequence number.
 */
export function createAnomalyHandler(
  clients: AnomalyHandlerClients,
  settings: AnomalyHandlerSettings,
  models: ModelFactory = rcfModels,
  cache: Map<string, CachedDevice> = new Map()
): (event: KinesisStreamEvent) => Promise<KinesisStreamBatchResponse> {
  const deps: AnomalyDeps = {
    models,
    store: new S3StateStore(clients.s3, settings.stateBucket, settings.statePrefix),
    alerts: new SnsAlertPublisher(clients.sns, settings.alertTopicArn, settings.factoryId),
    deadLetters: new SqsDeadLetterSink(clients.sqs, settings.deadLetterQueueUrl),
    config: settings,
    cache,
    quarantine: new S3QuarantineSink(clients.s3, settings.stateBucket, settings.statePrefix),
  };
  return async (event) => {
    const session = new AnomalySession(deps);
    const processor = new BatchProcessor(EventType.KinesisDataStreams);
    processor.register(event.Records, (r: KinesisStreamRecord) => session.apply(r), {
      processInParallel: false,
      throwOnFullBatchFailure: false,
    });
    await processor.process();
    for (const e of processor.errors) logger.error('record failed', { error: e });
    const recordFailures = processor.response().batchItemFailures.map((f) => String(f.itemIdentifier));
    const { failures, errors } = await session.flush();
    for (const e of errors) logger.error('flush failed', { deviceId: e.deviceId, error: e.error as Error });
    const all = [...new Set([...recordFailures, ...failures])];

    const s = session.stats;
    metrics.addMetric('RecordsApplied', MetricUnit.Count, s.applied);
    metrics.addMetric('RecordsSkippedAsDuplicate', MetricUnit.Count, s.skipped);
    metrics.addMetric('RecordsDeadLettered', MetricUnit.Count, s.deadLettered);
    metrics.addMetric('Anomalies', MetricUnit.Count, s.anomalies);
    metrics.addMetric('AlertsPublished', MetricUnit.Count, s.alertsPublished);
    metrics.addMetric('AlertsSuppressedByCooldown', MetricUnit.Count, s.alertsSuppressed);
    metrics.addMetric('RecordsFailed', MetricUnit.Count, all.length);
    metrics.addMetric('StateCheckpoints', MetricUnit.Count, s.checkpoints);
    metrics.addMetric('StateLoads', MetricUnit.Count, s.loads);
    metrics.addMetric('CacheEvictions', MetricUnit.Count, s.evictions);
    metrics.addMetric('StaleStateDetected', MetricUnit.Count, s.staleDetected);
    metrics.addMetric('SnapshotsQuarantined', MetricUnit.Count, s.quarantined);
    metrics.publishStoredMetrics();
    logger.info('batch done', { records: event.Records.length, ...s, failed: all.length, cachedDevices: cache.size });
    return { batchItemFailures: all.map((itemIdentifier) => ({ itemIdentifier })) };
  };
}

let live: ((event: KinesisStreamEvent) => Promise<KinesisStreamBatchResponse>) | undefined;

/** The deployed entry point: clients and settings are created once per execution environment (warm model cache). */
export const handler = async (event: KinesisStreamEvent): Promise<KinesisStreamBatchResponse> => {
  live ??= createAnomalyHandler(
    { s3: new S3Client({}), sns: new SNSClient({}), sqs: new SQSClient({}) },
    settingsFromEnv()
  );
  return live(event);
};
