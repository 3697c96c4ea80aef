/**
 * Pure window math of the window Lambda: per device, the 10-second moving average of temperature, reported once per
 * 180-second tumbling window.
 *
 * Semantics (documented in docs/streaming.md):
 * - Lambda's tumbling windows are per shard and by ARRIVAL time. Inside a window, readings are placed by their own
 *   reading time `ts` into 10-second buckets [k·10 s, (k+1)·10 s). The moving average at a bucket's end is the mean
 *   temperature of the readings in the trailing 10 s, i.e. of that bucket (the 10-s moving average sampled every 10 s).
 * - Arrival order does not matter: a bucket is a sum and a count, so out-of-order readings give the same result.
 * - Late readings (reading time before the window start, e.g. buffered on a gateway) are kept when they are at most
 *   `maxLatenessMs` before the window start: they form their own buckets, flagged `late` in the output, and are
 *   reported with this window (a bucket reported by two windows has two partial rows; readers sum `readings`-weighted
 *   averages). Older readings, and readings more than `maxAheadMs` after the window end (device clock ahead), are
 *   counted as `dropped_late` / `dropped_ahead` and not averaged (they still reach the lake through Firehose).
 */

export const BUCKET_MS = 10_000;

export interface WindowOptions {
  readonly maxLatenessMs: number;
  readonly maxAheadMs: number;
}

export const DEFAULT_WINDOW_OPTIONS: WindowOptions = { maxLatenessMs: 180_000, maxAheadMs: 60_000 };

/** Tumbling-window state carried by Lambda between invocations (JSON; at most 1 MB per shard). */
export interface WindowState {
  readonly v: 1;
  /** Shard of the window (final invocations may carry no records). */
  shardId?: string;
  /** Sequence number of the first record accumulated (names the output object, stable under retries). */
  firstSequence?: string;
  /** device -> bucket start (epoch seconds, as a string key) -> [sum of temperature, count]. */
  devices: Record<string, Record<string, [number, number]>>;
  droppedLate: number;
  droppedAhead: number;
  invalid: number;
}

export function emptyState(): WindowState {
  return { v: 1, devices: {}, droppedLate: 0, droppedAhead: 0, invalid: 0 };
}

/** The state Lambda passed in (empty object on a window's first invocation). */
export function parseState(raw: unknown): WindowState {
  if (typeof raw === 'object' && raw !== null && (raw as { v?: unknown }).v === 1) return raw as WindowState;
  return emptyState();
}

export interface TemperatureReading {
  readonly deviceId: string;
  readonly tsMs: number;
  readonly temperature: number;
}

export interface Window {
  readonly startMs: number;
  readonly endMs: number;
}

/** Adds readings to the state (mutates and returns it). */
export function accumulate(
  state: WindowState,
  readings: Iterable<TemperatureReading>,
  window: Window,
  options: WindowOptions = DEFAULT_WINDOW_OPTIONS
): WindowState {
  for (const r of readings) {
    if (r.tsMs < window.startMs - options.maxLatenessMs) {
      state.droppedLate++;
      continue;
    }
    if (r.tsMs >= window.endMs + options.maxAheadMs) {
      state.droppedAhead++;
      continue;
    }
    const bucket = String(Math.floor(r.tsMs / BUCKET_MS) * (BUCKET_MS / 1000));
    const dev = (state.devices[r.deviceId] ??= {});
    const cell = (dev[bucket] ??= [0, 0]);
    cell[0] += r.temperature;
    cell[1] += 1;
  }
  return state;
}

/** One output row: the 10-s moving average of one device at one bucket end. */
export interface WindowRow {
  readonly device_id: string;
  readonly window_start: string;
  readonly window_end: string;
  readonly bucket_start: string;
  readonly bucket_end: string;
  /** Mean temperature (°C) of the readings in the 10 s ending at bucket_end. */
  readonly avg_temperature: number;
  readonly readings: number;
  /** The bucket starts before the window (late readings). */
  readonly late: boolean;
}

export interface WindowSummary {
  readonly rows: WindowRow[];
  /** Per device: the moving average at the latest bucket of the window (the value reported as a metric). */
  readonly latest: { readonly deviceId: string; readonly avgTemperature: number; readonly bucketEndMs: number }[];
}

/** Rows sorted by device then bucket; the latest bucket per device. */
export function summarize(state: WindowState, window: Window): WindowSummary {
  const iso = (ms: number) => new Date(ms).toISOString();
  const rows: WindowRow[] = [];
  const latest: WindowSummary['latest'][number][] = [];
  for (const deviceId of Object.keys(state.devices).sort()) {
    const buckets = state.devices[deviceId]!;
    const starts = Object.keys(buckets)
      .map(Number)
      .sort((a, b) => a - b);
    for (const s of starts) {
      const [sum, n] = buckets[String(s)]!;
      const startMs = s * 1000;
      rows.push({
        device_id: deviceId,
        window_start: iso(window.startMs),
        window_end: iso(window.endMs),
        bucket_start: iso(startMs),
        bucket_end: iso(startMs + BUCKET_MS),
        avg_temperature: sum / n,
        readings: n,
        late: startMs < window.startMs,
      });
    }
    const last = starts[starts.length - 1];
    if (last !== undefined) {
      const [sum, n] = buckets[String(last)]!;
      latest.push({ deviceId, avgTemperature: sum / n, bucketEndMs: last * 1000 + BUCKET_MS });
    }
  }
  return { rows, latest };
}

/** Curated-zone key of a window's rows: stable for retries of the same final invocation. */
export function windowKey(prefix: string, state: WindowState, window: Window): string {
  const start = new Date(window.startMs).toISOString();
  const shard = state.shardId ?? 'unknown-shard';
  const seq = state.firstSequence ?? 'empty';
  return `${prefix}dt=${start.slice(0, 10)}/${start.replace(/[:.]/g, '-')}_${shard}_${seq}.jsonl`;
}
