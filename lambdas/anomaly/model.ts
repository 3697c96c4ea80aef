import { SENSOR_COLUMNS, type SensorField, type SensorReading } from '@smart-factory/schema';

/** What the detector reports for one point (the shape of `@smart-factory/rcf`'s `AnomalyDetector.process`). */
export interface DetectorResult {
  /** Raw RCF anomaly score (0 while the model warms up; ≈ 0.7 for inliers, up to log2(sampleSize)). */
  readonly score: number;
  /** Anomaly grade in [0, 1]; 0 below the adaptive threshold. */
  readonly grade: number;
  readonly isAnomaly: boolean;
  /** Per input dimension, the part of the score that dimension explains (same order as the point). */
  readonly attribution: readonly number[];
}

/** One per-device streaming model. Implemented by `AnomalyDetector` of `@smart-factory/rcf`; injected for tests. */
export interface AnomalyModel {
  /** Scores the point against the model, then updates the model with it. */
  process(point: readonly number[], timestampMs?: number): DetectorResult;
  /** The complete model state; `ModelFactory.restore` of these bytes continues bit-identically. */
  snapshot(): Uint8Array;
}

export interface ModelFactory {
  create(): AnomalyModel;
  restore(bytes: Uint8Array): AnomalyModel;
}

/**
 * The model's input dimensions: the required numeric sensor fields in schema order. `pressure` is optional in the
 * schema (not every device has the sensor), so it is not part of the model's point (a fixed-dimension forest).
 */
export const MODEL_FIELDS: readonly SensorField[] = SENSOR_COLUMNS.filter(
  (c) => c.glueType === 'double' && c.required
).map((c) => c.name as SensorField);

export function modelPoint(r: SensorReading): number[] {
  return MODEL_FIELDS.map((f) => r[f] as number);
}

/** The field with the largest attribution (the sensor that drove the score). */
export function dominantField(attribution: readonly number[]): SensorField {
  let best = 0;
  for (let i = 1; i < MODEL_FIELDS.length; i++) if ((attribution[i] ?? 0) > (attribution[best] ?? 0)) best = i;
  return MODEL_FIELDS[best]!;
}
