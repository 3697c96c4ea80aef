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
  /**
   * A device's snapshot is written at most once per this interval of stream (arrival) time, plus when it raises an
   * alert (the intent is made durable before publishing) and when it leaves the cache. Default 60 s.
   */
  readonly checkpointIntervalMs?: number;
  /** Upper bound of the warm cache in bytes of model memory; least recently used devices are checkpointed, then evicted. */
  readonly cacheMaxBytes?: number;
}

export const DEFAULT_CHECKPOINT_INTERVAL_MS = 60_000;
export const DEFAULT_CACHE_MAX_BYTES = 512 * 1024 * 1024;
/** Devices checkpointed (S3) and published (SNS) at the same time at the end of a batch. */
export const FLUSH_CONCURRENCY = 8;

/** A device model cached in the execution environment (module scope), with the etag of its last stored snapshot. */
export interface CachedDevice {
  state: DeviceState;
  etag: string | undefined;
  /** Applied points or alert changes not yet in the stored snapshot. */
  dirty: boolean;
  /** Arrival time (ms) of the stream position covered by the last stored snapshot (undefined: not yet known). */
  checkpointedAtMs?: number;
  /** Arrival time (ms) of the latest record applied. */
  lastArrivalMs?: number;
  /** Memory the model holds (bytes), for the cache bound. */
  bytes?: number;
}

/** What a snapshot that cannot be decoded becomes: moved aside (kept) so that the device can start a fresh model. */
export interface QuarantineSink {
  quarantine(deviceId: string, bytes: Uint8Array, reason: string): Promise<string>;
}

export interface AnomalyDeps {
  readonly models: ModelFactory;
  readonly store: StateStore;
  readonly alerts: AlertPublisher;
  readonly deadLetters: DeadLetterSink;
  readonly config: AnomalyCoreConfig;
  /** Warm cache, kept across invocations by the handler. Map order is recency (least recently used first). */
  readonly cache: Map<string, CachedDevice>;
  readonly quarantine?: QuarantineSink;
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
  /** Devices loaded from the store (cache misses). */
  loads: number;
  /** Devices checkpointed and dropped from the cache to respect its byte bound. */
  evictions: number;
  /** Snapshots that could not be decoded and were moved aside. */
  quarantined: number;
  /** Conditional writes that found a newer snapshot (another environment wrote the device): cached copy dropped. */
  staleDetected: number;
}

const MAX_DLQ_DATA = 192 * 1024;
/** Model memory assumed for models that cannot report it (test fakes). */
const DEFAULT_MODEL_BYTES = 1024 * 1024;

/** The shard id of a Lambda Kinesis record (`eventID` is `<shardId>:<sequenceNumber>`). */
export function shardOf(record: KinesisStreamRecord): string {
  const i = record.eventID.lastIndexOf(':');
  return i > 0 ? record.eventID.slice(0, i) : record.eventID;
}

/**
 * One invocation's work. `apply` is called for every record in stream order (it throws when the record must be
 * retried); `flush` checkpoints and publishes, returning the sequence numbers to report as batch-item failures so
 * that Lambda re-delivers from there.
 *
 * - Exactly-once model updates: a record is fed to its device model only when its sequence number is above the
 *   highest one applied for its shard; that number is stored in the snapshot together with the model.
 * - State writes: a device is checkpointed when `checkpointIntervalMs` of arrival time passed since its last
 *   checkpoint, when it has alerts to publish, and before it is evicted. A crash loses at most one interval of model
 *   learning (the records were acknowledged to Lambda), never an alert.
 * - Alerts: an alert is first written into the device's snapshot (conditional PUT, so a stale environment — one
 *   whose cached copy is behind the stored one — fails here, drops its copy and retries; it never publishes), then
 *   published with its deterministic id, then the snapshot is written again without it. A crash between publish and
 *   the second write re-publishes the same id, which subscribers drop.
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
    loads: 0,
    evictions: 0,
    quarantined: 0,
    staleDetected: 0,
  };
  /** Devices seen in this batch -> sequence number of their first record in it. */
  private readonly touched = new Map<string, string>();
  private readonly failed = new Set<string>();
  private readonly intervalMs: number;
  private readonly maxBytes: number;

  constructor(private readonly deps: AnomalyDeps) {
    this.intervalMs = deps.config.checkpointIntervalMs ?? DEFAULT_CHECKPOINT_INTERVAL_MS;
    this.maxBytes = deps.config.cacheMaxBytes ?? DEFAULT_CACHE_MAX_BYTES;
  }

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
    const arrivalMs = Math.round(record.kinesis.approximateArrivalTimestamp * 1000);
    dev.lastArrivalMs = Math.max(dev.lastArrivalMs ?? arrivalMs, arrivalMs);
    dev.checkpointedAtMs ??= arrivalMs;
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

  /** Checkpoints due devices, publishes their durable alerts; returns sequence numbers to report as failed. */
  async flush(): Promise<{ failures: string[]; errors: { deviceId: string; error: unknown }[] }> {
    const touched = [...this.touched];
    // Per device: failed (sequence number to report), error, or fine; kept in batch order.
    const outcome: ({ firstSeq: string; error?: unknown } | undefined)[] = new Array(touched.length);
    // Devices are independent: up to FLUSH_CONCURRENCY of them wait on S3/SNS at once; each device's own steps
    // (checkpoint, publish, checkpoint) stay in order.
    let next = 0;
    const worker = async () => {
      while (next < touched.length) {
        const k = next++;
        const [deviceId, firstSeq] = touched[k]!;
        if (this.failed.has(deviceId)) {
          outcome[k] = { firstSeq };
          continue;
        }
        const dev = this.deps.cache.get(deviceId);
        if (dev === undefined) continue;
        try {
          await this.flushDevice(deviceId, dev);
        } catch (error) {
          outcome[k] = { firstSeq, error };
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(FLUSH_CONCURRENCY, touched.length) }, worker));
    const failures: string[] = [];
    const errors: { deviceId: string; error: unknown }[] = [];
    outcome.forEach((o, k) => {
      if (o === undefined) return;
      failures.push(o.firstSeq);
      if ('error' in o) errors.push({ deviceId: touched[k]![0], error: o.error });
    });
    try {
      await this.makeRoom(0);
    } catch (error) {
      errors.push({ deviceId: '(eviction)', error });
    }
    return { failures, errors };
  }

  private async flushDevice(deviceId: string, dev: CachedDevice): Promise<void> {
    const s = dev.state;
    if (s.pendingAlerts.length > 0) {
      // 1. The intent is durable (and our copy proven current) before anything is published.
      if (dev.dirty || dev.etag === undefined) await this.checkpoint(deviceId, dev);
      // 2. Publish each with its deterministic id; a failure keeps the rest pending (durable) for the retry.
      while (s.pendingAlerts.length > 0) {
        await this.deps.alerts.publish(s.pendingAlerts[0]!);
        s.pendingAlerts.shift();
        dev.dirty = true;
        this.stats.alertsPublished++;
      }
      // 3. Record that they went out (a crash before this re-publishes the same ids).
      await this.checkpoint(deviceId, dev);
      return;
    }
    const due =
      dev.dirty &&
      (dev.etag === undefined && dev.checkpointedAtMs === undefined
        ? true
        : (dev.lastArrivalMs ?? 0) - (dev.checkpointedAtMs ?? 0) >= this.intervalMs);
    if (due) await this.checkpoint(deviceId, dev);
  }

  private async checkpoint(deviceId: string, dev: CachedDevice): Promise<void> {
    try {
      dev.etag = await this.deps.store.save(deviceId, encodeState(dev.state), dev.etag);
    } catch (error) {
      if (error instanceof StateConflictError) {
        // Another environment wrote this device since we read it: our copy is stale. Drop it; the retry reloads.
        this.deps.cache.delete(deviceId);
        this.stats.staleDetected++;
      }
      throw error;
    }
    dev.dirty = false;
    dev.checkpointedAtMs = dev.lastArrivalMs ?? dev.checkpointedAtMs;
    this.stats.checkpoints++;
  }

  /** Evicts least recently used devices not used by this batch until `incoming` more bytes fit the bound. */
  private async makeRoom(incoming: number): Promise<void> {
    const cache = this.deps.cache;
    let total = incoming;
    for (const d of cache.values()) total += d.bytes ?? DEFAULT_MODEL_BYTES;
    if (total <= this.maxBytes) return;
    for (const [deviceId, dev] of [...cache]) {
      if (total <= this.maxBytes) break;
      if (this.touched.has(deviceId)) continue;
      if (dev.dirty || dev.state.pendingAlerts.length > 0) {
        try {
          await this.checkpoint(deviceId, dev);
        } catch (e) {
          // A conflict already dropped it (the stored copy is newer); other errors keep it cached for now.
          if (!(e instanceof StateConflictError)) throw e;
        }
      }
      if (dev.state.pendingAlerts.length > 0) continue;
      cache.delete(deviceId);
      total -= dev.bytes ?? DEFAULT_MODEL_BYTES;
      this.stats.evictions++;
    }
  }

  private async device(deviceId: string): Promise<CachedDevice> {
    const cache = this.deps.cache;
    const hit = cache.get(deviceId);
    if (hit !== undefined) {
      // Most recently used last.
      cache.delete(deviceId);
      cache.set(deviceId, hit);
      return hit;
    }
    const stored = await this.deps.store.load(deviceId);
    this.stats.loads++;
    let dev: CachedDevice;
    if (stored === undefined) {
      dev = { state: newState(deviceId, this.deps.models), etag: undefined, dirty: false };
    } else {
      try {
        dev = { state: decodeState(stored.bytes, this.deps.models), etag: stored.etag, dirty: false };
      } catch (e) {
        const reason = (e as Error).message;
        if (this.deps.quarantine === undefined) throw e;
        // Move the unreadable snapshot aside (kept for analysis), start a fresh model; the next checkpoint
        // replaces the bad object (conditional on its etag).
        await this.deps.quarantine.quarantine(deviceId, stored.bytes, reason);
        this.stats.quarantined++;
        dev = {
          state: newState(deviceId, this.deps.models),
          etag: stored.etag,
          dirty: true,
          checkpointedAtMs: Number.NEGATIVE_INFINITY,
        };
      }
    }
    dev.bytes = dev.state.model.memoryBytes?.() ?? DEFAULT_MODEL_BYTES;
    await this.makeRoom(dev.bytes);
    cache.set(deviceId, dev);
    return dev;
  }
}
