import type { AnomalyModel, ModelFactory } from './model';
import type { Alert } from './alerts';

/** Everything kept per device between invocations: the model plus the bookkeeping that makes replays idempotent. */
export interface DeviceState {
  readonly deviceId: string;
  model: AnomalyModel;
  /** Highest sequence number applied to the model, per shard (sequence numbers are ordered only within a shard). */
  lastSequenceByShard: Record<string, string>;
  /** Reading time (ms) of the last alert raised, for the per-device cooldown. */
  lastAlertMs: number | null;
  /** Alerts raised but not yet confirmed published (kept across a failed publish so none is lost). */
  pendingAlerts: Alert[];
  /** Points applied to the model over its lifetime. */
  pointsApplied: number;
}

const MAGIC = 'SFA1';
interface Header {
  readonly deviceId: string;
  readonly lastSequenceByShard: Record<string, string>;
  readonly lastAlertMs: number | null;
  readonly pendingAlerts: Alert[];
  readonly pointsApplied: number;
}

/** Snapshot object layout: "SFA1", u32 BE header length, UTF-8 JSON header, then the model's own snapshot bytes. */
export function encodeState(s: DeviceState): Uint8Array {
  const header: Header = {
    deviceId: s.deviceId,
    lastSequenceByShard: s.lastSequenceByShard,
    lastAlertMs: s.lastAlertMs,
    pendingAlerts: s.pendingAlerts,
    pointsApplied: s.pointsApplied,
  };
  const h = Buffer.from(JSON.stringify(header), 'utf8');
  const model = s.model.snapshot();
  const out = new Uint8Array(8 + h.length + model.length);
  out.set(Buffer.from(MAGIC, 'ascii'), 0);
  new DataView(out.buffer).setUint32(4, h.length, false);
  out.set(h, 8);
  out.set(model, 8 + h.length);
  return out;
}

export class CorruptStateError extends Error {
  override readonly name = 'CorruptStateError';
}

export function decodeState(bytes: Uint8Array, factory: ModelFactory): DeviceState {
  if (bytes.length < 8 || Buffer.from(bytes.subarray(0, 4)).toString('ascii') !== MAGIC) {
    throw new CorruptStateError('anomaly state object does not start with SFA1');
  }
  const len = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(4, false);
  if (8 + len > bytes.length) throw new CorruptStateError('anomaly state header is truncated');
  const header = JSON.parse(Buffer.from(bytes.subarray(8, 8 + len)).toString('utf8')) as Header;
  return {
    deviceId: header.deviceId,
    model: factory.restore(bytes.slice(8 + len)),
    lastSequenceByShard: header.lastSequenceByShard,
    lastAlertMs: header.lastAlertMs,
    pendingAlerts: header.pendingAlerts,
    pointsApplied: header.pointsApplied,
  };
}

export function newState(deviceId: string, factory: ModelFactory): DeviceState {
  return {
    deviceId,
    model: factory.create(),
    lastSequenceByShard: {},
    lastAlertMs: null,
    pendingAlerts: [],
    pointsApplied: 0,
  };
}

const CANONICAL = /^(0|[1-9][0-9]*)$/;

/** True when `seq` was already applied for `shardId` (Kinesis sequence numbers are decimal strings of any length). */
export function alreadyApplied(s: DeviceState, shardId: string, seq: string): boolean {
  const last = s.lastSequenceByShard[shardId];
  if (last === undefined) return false;
  // Canonical decimal strings (no sign, no leading zero) compare by length, then as text: no BigInt per record.
  if (CANONICAL.test(seq) && CANONICAL.test(last)) {
    return seq.length !== last.length ? seq.length < last.length : seq <= last;
  }
  return BigInt(seq) <= BigInt(last);
}
