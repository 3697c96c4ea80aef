import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { parseSensorReading } from '@smart-factory/schema';
import type { KinesisStreamStateResponse, KinesisStreamTumblingWindowEvent } from 'aws-lambda';
import { logger, metrics, requireEnv } from '../shared/powertools';
import { accumulate, parseState, summarize, type TemperatureReading, windowKey } from './core';

export interface WindowSettings {
  readonly bucket: string;
  readonly prefix: string;
}

export interface SendClient {
  send(command: unknown): Promise<unknown>;
}

/**
 * Builds the tumbling-window handler: accumulate 10-s buckets in the window state; on the final invocation of a
 * window write the rows to the curated zone (JSON lines) and emit one EMF metric per device. A failed final
 * invocation throws, so Lambda retries it with the same state (the object key is stable, the write idempotent).
 */
export function createWindowHandler(
  s3: SendClient,
  settings: WindowSettings
): (event: KinesisStreamTumblingWindowEvent) => Promise<KinesisStreamStateResponse> {
  return async (event) => {
    const window = { startMs: Date.parse(event.window.start), endMs: Date.parse(event.window.end) };
    const state = parseState(event.state);
    const shard = (event as { shardId?: string }).shardId;
    if (shard !== undefined) state.shardId ??= shard;
    const readings: TemperatureReading[] = [];
    for (const r of event.Records) {
      state.shardId ??= r.eventID.slice(0, r.eventID.lastIndexOf(':'));
      state.firstSequence ??= r.kinesis.sequenceNumber;
      // Malformed records are dead-lettered by the anomaly function, which reads the same stream; here they are counted.
      const p = parseSensorReading(Buffer.from(r.kinesis.data, 'base64').toString('utf8'));
      if (!p.ok) {
        state.invalid++;
        continue;
      }
      readings.push({
        deviceId: p.reading.device_id,
        tsMs: Date.parse(p.reading.ts),
        temperature: p.reading.temperature,
      });
    }
    accumulate(state, readings, window);
    if (!event.isFinalInvokeForWindow) return { state, batchItemFailures: [] };

    const { rows, latest } = summarize(state, window);
    if (rows.length > 0) {
      await s3.send(
        new PutObjectCommand({
          Bucket: settings.bucket,
          Key: windowKey(settings.prefix, state, window),
          Body: rows.map((r) => JSON.stringify(r)).join('\n') + '\n',
          ContentType: 'application/x-ndjson',
        })
      );
    }
    for (const l of latest) {
      const m = metrics.singleMetric();
      m.addDimension('device_id', l.deviceId);
      m.setTimestamp(l.bucketEndMs);
      m.addMetric('TemperatureMovingAverage10s', MetricUnit.NoUnit, l.avgTemperature);
    }
    metrics.addMetric('WindowDevices', MetricUnit.Count, latest.length);
    metrics.addMetric('WindowReadingsDroppedLate', MetricUnit.Count, state.droppedLate);
    metrics.addMetric('WindowReadingsDroppedAhead', MetricUnit.Count, state.droppedAhead);
    metrics.addMetric('WindowReadingsInvalid', MetricUnit.Count, state.invalid);
    metrics.publishStoredMetrics();
    logger.info('window closed', {
      window: event.window,
      shardId: state.shardId,
      devices: latest.length,
      rows: rows.length,
      terminatedEarly: event.isWindowTerminatedEarly,
    });
    return { state: {}, batchItemFailures: [] };
  };
}

let live: ((event: KinesisStreamTumblingWindowEvent) => Promise<KinesisStreamStateResponse>) | undefined;

export const handler = async (event: KinesisStreamTumblingWindowEvent): Promise<KinesisStreamStateResponse> => {
  live ??= createWindowHandler(new S3Client({}), {
    bucket: requireEnv('CURATED_BUCKET'),
    prefix: requireEnv('WINDOWS_PREFIX'),
  });
  return live(event);
};
