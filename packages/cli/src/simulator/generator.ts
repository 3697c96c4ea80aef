import type { SensorReading } from '@smart-factory/schema';

/**
 * Pure device simulator: realistic readings (per-device baselines, slow drift, load cycles, sensor noise) and
 * optional injected faults with their labels. Deterministic for a seed.
 */
export type FaultType = 'overheating' | 'bearing_wear';

export interface SimulationOptions {
  readonly devices: number;
  /** Readings per second per device. */
  readonly rate: number;
  readonly durationSeconds: number;
  /** Epoch ms of the first reading. */
  readonly startMs: number;
  readonly seed: number;
  readonly faults: boolean;
}

/** One labelled fault episode (written to the `.labels.jsonl` file). */
export interface FaultLabel {
  readonly device_id: string;
  readonly fault: FaultType;
  /** ISO-8601 UTC: first reading affected / the fault at full strength from `peak` to `end`. */
  readonly start: string;
  readonly peak: string;
  readonly end: string;
}

export interface SimulatedReading {
  readonly reading: SensorReading;
  /** The fault affecting this reading, if any (file mode writes it to the labels, never into the reading). */
  readonly fault?: FaultType;
}

/** mulberry32: small, fast, good enough for simulation; deterministic across platforms. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gaussian(r: () => number): number {
  const u = 1 - r();
  const v = r();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

export function deviceId(i: number): string {
  return `press-${String(i + 1).padStart(3, '0')}`;
}

interface Profile {
  readonly temp: number;
  readonly rpm: number;
  readonly vib: number;
  readonly pressure: number | undefined;
  readonly cyclePeriodS: number;
  readonly phase: number;
}

interface Episode {
  readonly fault: FaultType;
  readonly startMs: number;
  readonly peakMs: number;
  readonly endMs: number;
}

export function validateSimulationOptions(o: SimulationOptions): string[] {
  const p: string[] = [];
  if (!Number.isInteger(o.devices) || o.devices < 1 || o.devices > 100_000) p.push('--devices must be 1-100000');
  if (!(o.rate > 0 && o.rate <= 100)) p.push('--rate must be a number of readings per second per device in (0, 100]');
  if (!(o.durationSeconds > 0 && o.durationSeconds <= 7 * 86_400)) p.push('--duration must be 1 s to 7 days');
  if (!Number.isFinite(o.startMs)) p.push('--start must be an ISO-8601 time');
  return p;
}

/** Fault episodes: with faults on, every fifth device (at least one) gets one, alternating the fault type. */
export function faultEpisodes(o: SimulationOptions): Map<string, Episode> {
  const out = new Map<string, Episode>();
  if (!o.faults) return out;
  const r = rng(o.seed ^ 0x5eed);
  const durMs = o.durationSeconds * 1000;
  for (let i = 0, k = 0; i < o.devices; i += 5, k++) {
    const startMs = o.startMs + Math.round(durMs * (0.4 + 0.2 * r()));
    const rampMs = Math.max(1000, Math.round(durMs * 0.02));
    out.set(deviceId(i), {
      fault: k % 2 === 0 ? 'overheating' : 'bearing_wear',
      startMs,
      peakMs: startMs + rampMs,
      endMs: Math.min(o.startMs + durMs, startMs + Math.round(durMs * 0.35)),
    });
  }
  return out;
}

export function faultLabels(o: SimulationOptions): FaultLabel[] {
  return [...faultEpisodes(o)].map(([device_id, e]) => ({
    device_id,
    fault: e.fault,
    start: new Date(e.startMs).toISOString(),
    peak: new Date(e.peakMs).toISOString(),
    end: new Date(e.endMs).toISOString(),
  }));
}

/** Total readings the simulation produces. */
export function readingCount(o: SimulationOptions): number {
  return Math.floor(o.durationSeconds * o.rate) * o.devices;
}

/**
 * Readings in time order: tick k (at startMs + k/rate s) yields one reading per device. A device's readings have a
 * per-device baseline, a slow Ornstein-Uhlenbeck drift of the temperature, a sinusoidal load cycle (motor speed and
 * heat follow the load) and Gaussian sensor noise. Faults ramp up linearly from start to peak (2 % of the duration, at least 1 s) and stay until end:
 * overheating adds up to +45 °C process temperature (+18 °C at the vibration sensor); bearing wear multiplies the
 * vibration velocity up to ×5 with random impacts and warms the bearing by up to +12 °C.
 */
export function* simulate(o: SimulationOptions): Generator<SimulatedReading> {
  const r = rng(o.seed);
  const profiles: Profile[] = [];
  for (let i = 0; i < o.devices; i++) {
    profiles.push({
      temp: 60 + 20 * r(),
      rpm: 1450 + 350 * r(),
      vib: 1.5 + 1.5 * r(),
      pressure: r() < 0.8 ? 5 + 2 * r() : undefined,
      cyclePeriodS: 300 + 600 * r(),
      phase: 2 * Math.PI * r(),
    });
  }
  const drift = new Float64Array(o.devices);
  const episodes = faultEpisodes(o);
  const ticks = Math.floor(o.durationSeconds * o.rate);
  const dt = 1 / o.rate;
  // Temperature drift: an Ornstein-Uhlenbeck process (mean reversion θ = 0.01/s, volatility σ = 0.08 °C/√s; stationary
  // sd σ/√(2θ) ≈ 0.57 °C), stepped exactly: x ← x·e^(−θ·dt) + σ·√((1 − e^(−2θ·dt))/(2θ))·N(0,1). The Euler step
  // x ← x − θ·dt·x + σ·√dt·N it replaces has a factor |1 − θ·dt| > 1 once dt > 2/θ = 200 s, i.e. it oscillated and
  // overflowed to ±Infinity (then NaN readings) at rates below 1/200 Hz.
  const DRIFT_THETA = 0.01;
  const DRIFT_SIGMA = 0.08;
  const driftKeep = Math.exp(-DRIFT_THETA * dt);
  const driftNoise = DRIFT_SIGMA * Math.sqrt(-Math.expm1(-2 * DRIFT_THETA * dt) / (2 * DRIFT_THETA));
  const round = (x: number, d: number) => Math.round(x * 10 ** d) / 10 ** d;
  for (let k = 0; k < ticks; k++) {
    const tMs = o.startMs + Math.round((k * 1000) / o.rate);
    const tS = (tMs - o.startMs) / 1000;
    for (let i = 0; i < o.devices; i++) {
      const p = profiles[i]!;
      const id = deviceId(i);
      drift[i] = drift[i]! * driftKeep + driftNoise * gaussian(r);
      const load = 0.8 + 0.2 * Math.sin((2 * Math.PI * tS) / p.cyclePeriodS + p.phase);
      let temperature = p.temp + 12 * (load - 0.8) + drift[i]! + 0.3 * gaussian(r);
      const rpm = p.rpm * load + 8 * gaussian(r);
      let vib = p.vib * (0.7 + 0.3 * load) * (1 + 0.05 * gaussian(r));
      let vibTemp = temperature - 15 + 0.4 * gaussian(r);
      const ep = episodes.get(id);
      let fault: FaultType | undefined;
      if (ep !== undefined && tMs >= ep.startMs && tMs <= ep.endMs) {
        fault = ep.fault;
        const s = Math.min(1, (tMs - ep.startMs) / Math.max(1, ep.peakMs - ep.startMs));
        if (ep.fault === 'overheating') {
          temperature += 45 * s;
          vibTemp += 18 * s;
        } else {
          vib *= 1 + 4 * s;
          if (r() < 0.05 * s) vib += 10 * s * r();
          vibTemp += 12 * s;
        }
      }
      const reading: SensorReading = {
        device_id: id,
        ts: new Date(tMs).toISOString(),
        temperature: round(temperature, 2),
        motor_speed_rpm: round(Math.max(0, rpm), 1),
        rvibration_temp: round(vibTemp, 2),
        rvibration_z_rms_velocity: round(Math.max(0, vib), 3),
        ...(p.pressure !== undefined ? { pressure: round(p.pressure + 0.05 * gaussian(r), 3) } : {}),
      };
      yield fault === undefined ? { reading } : { reading, fault };
    }
  }
}
