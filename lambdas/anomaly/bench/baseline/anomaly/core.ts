import type { KinesisStreamRecord } from 'aws-lambda';
import { parseSensorReading } from '@smart-factory/schema';
import { type Alert, alertDue, buildAlert } from './alerts';
import { MODEL_FIELDS, type ModelFactory, modelPoint } from './model';
import { alreadyApplied, type DeviceState, decodeState, encodeState, newState } from './state';

/** Per-device snapshots (S3 in production). `save` is a conditional write: it fails with StateConflictError. */
export interface StateStore {
  load(deviceId: string): Promise<{ bytes: Uint8Array; etag: string } | undefined>;
  /** Writes when the stored object still has `etag` (or does not exist when `etag` is undefined); returns the new etag. */
  save(deviceId: string, bytes: Uint8Array, etag: string | undefined): Promise<string>;
}

/** Another writer changed the snapshot since we read it (two environments on one device): reload and retry. */
export class StateConflictError extends Error {
  override readonly name = 'StateConflictError';
}

export interface AlertPublisher {
  publish(alert: Alert): Promise<void>;
}

/** A record the function will not apply (malformed or out of range), with the reason, for the dead-letter queue. */
export interface DeadLetter {
  readonly source: 'anomaly';
  readonly reason: string;
  readonly shardId: string;
  readonly sequenceNumber: string;
  readonly partitionKey: string;
  readonly approximateArrivalTimestamp: number;
  /** The record's data, base64, as Kinesis delivered it (truncated to 192 KiB; `truncated` says so). */
  readonly data: string;
  readonly truncated: boolean;
}

export interface DeadLetterSink {
  send(letter: DeadLetter): Promise<void>;
}

export interface AnomalyCoreConfig {
  /** Alert when the grade is at or above this (config.streaming.anomalyAlertThreshold). */
  readonly threshold: number;
  readonly cooldownMs: number;
  /** IANA time zone for the local time in alert messages. */
  readonly timeZone: string;
}

/** A device model cached in the execution environment (module scope), with the etag of its last stored snapshot. */
export interface CachedDevice {
  state: DeviceState;
  etag: string | undefined;
  /** Applied points or alert changes not yet in the stored snapshot. */
  dirty: boolean;
}

export interface AnomalyDeps {
  readonly models: ModelFactory;
  readonly store: StateStore;
  readonly alerts: AlertPublisher;
  readonly deadLetters: DeadLetterSink;
  readonly config: AnomalyCoreConfig;
  /** Warm cache, kept across invocations by the handler. */
  readonly cache: Map<string, CachedDevice>;
}

export interface BatchStats {
  applied: number;
  /** Records skipped because their sequence number was already applied (retries, bisected batches). */
  skipped: number;
  deadLettered: number;
  anomalies: number;
  alertsPublished: number;
  /** Alerts not sent because the device was still in its cooldown. */
  alertsSuppressed: number;
  checkpoints: number;
}

const MAX_DLQ_DATA = 192 * 1024;

/** The shard id of a Lambda Kinesis record (`eventID` is `<shardId>:<sequenceNumber>`). */
export function shardOf(record: KinesisStreamRecord): string {
  const i = record.eventID.lastIndexOf(':');
  return i > 0 ? record.eventID.slice(0, i) : record.eventID;
}

/**
 * One invocation's work. `apply` is called for every record in stream order (it throws when the record must be
 * retried); `flush` publishes pending alerts and checkpoints every touched device, returning the sequence numbers
 * to report as batch-item failures so that Lambda re-delivers from there.
 *
 * Exactly-once model updates: a record is fed to its device model only when its sequence number is above the
 * highest one applied for its shard; that number is stored in the snapshot together with the model.
 */
export class AnomalySession {
  readonly stats: BatchStats = {
    applied: 0,
    skipped: 0,
    deadLettered: 0,
    anomalies: 0,
    alertsPublished: 0,
    alertsSuppressed: 0,
    checkpoints: 0,
  };
  /** Devices seen in this batch -> sequence number of their first record in it. */
  private readonly touched = new Map<string, string>();
  private readonly failed = new Set<string>();

  constructor(private readonly deps: AnomalyDeps) {}

  async apply(record: KinesisStreamRecord): Promise<void> {
    const { sequenceNumber: seq, data } = record.kinesis;
    const shardId = shardOf(record);
    const text = Buffer.from(data, 'base64').toString('utf8');
    const parsed = parseSensorReading(text);
    if (!parsed.ok) {
      await this.deps.deadLetters.send({
        source: 'anomaly',
        reason: parsed.reason,
        shardId,
        sequenceNumber: seq,
        partitionKey: record.kinesis.partitionKey,
        approximateArrivalTimestamp: record.kinesis.approximateArrivalTimestamp,
        data: data.length > MAX_DLQ_DATA ? data.slice(0, MAX_DLQ_DATA) : data,
        truncated: data.length > MAX_DLQ_DATA,
      });
      this.stats.deadLettered++;
      return;
    }
    const reading = parsed.reading;
    const deviceId = reading.device_id;
    if (!this.touched.has(deviceId)) this.touched.set(deviceId, seq);
    if (this.failed.has(deviceId)) {
      throw new Error(`an earlier record of device ${deviceId} failed in this batch; retrying in order`);
    }
    let dev: CachedDevice;
    try {
      dev = await this.device(deviceId);
    } catch (e) {
      this.failed.add(deviceId);
      throw e;
    }
    const s = dev.state;
    if (alreadyApplied(s, shardId, seq)) {
      this.stats.skipped++;
      return;
    }
    const ms = Date.parse(reading.ts);
    let result;
    try {
      result = s.model.process(modelPoint(reading), ms);
    } catch (e) {
      // The in-memory model may be half-updated: forget it, the retry reloads the last checkpoint.
      this.deps.cache.delete(deviceId);
      this.failed.add(deviceId);
      throw e;
    }
    s.lastSequenceByShard[shardId] = seq;
    s.pointsApplied++;
    dev.dirty = true;
    this.stats.applied++;
    if (result.isAnomaly) this.stats.anomalies++;
    const { threshold, cooldownMs, timeZone } = this.deps.config;
    if (result.grade >= threshold) {
      if (alertDue(result.grade, ms, s.lastAlertMs, threshold, cooldownMs)) {
        s.pendingAlerts.push(buildAlert(reading, result, MODEL_FIELDS, timeZone));
        s.lastAlertMs = ms;
      } else {
        this.stats.alertsSuppressed++;
      }
    }
  }

  /** Publishes pending alerts and checkpoints touched devices; returns sequence numbers to report as failed. */
  async flush(): Promise<{ failures: string[]; errors: { deviceId: string; error: unknown }[] }> {
    const failures: string[] = [];
    const errors: { deviceId: string; error: unknown }[] = [];
    for (const [deviceId, firstSeq] of this.touched) {
      if (this.failed.has(deviceId)) {
        failures.push(firstSeq);
        continue;
      }
      const dev = this.deps.cache.get(deviceId);
      if (dev === undefined) continue;
      let ok = true;
      const s = dev.state;
      while (s.pendingAlerts.length > 0) {
        try {
          await this.deps.alerts.publish(s.pendingAlerts[0]!);
        } catch (error) {
          errors.push({ deviceId, error });
          ok = false;
          break;
        }
        s.pendingAlerts.shift();
        dev.dirty = true;
        this.stats.alertsPublished++;
      }
      if (dev.dirty) {
        try {
          dev.etag = await this.deps.store.save(deviceId, encodeState(s), dev.etag);
          dev.dirty = false;
          this.stats.checkpoints++;
        } catch (error) {
          errors.push({ deviceId, error });
          if (error instanceof StateConflictError) this.deps.cache.delete(deviceId);
          ok = false;
        }
      }
      if (!ok) failures.push(firstSeq);
    }
    return { failures, errors };
  }

  private async device(deviceId: string): Promise<CachedDevice> {
    const hit = this.deps.cache.get(deviceId);
    if (hit !== undefined) return hit;
    const stored = await this.deps.store.load(deviceId);
    const dev: CachedDevice =
      stored === undefined
        ? { state: newState(deviceId, this.deps.models), etag: undefined, dirty: false }
        : { state: decodeState(stored.bytes, this.deps.models), etag: stored.etag, dirty: false };
    this.deps.cache.set(deviceId, dev);
    return dev;
  }
}
