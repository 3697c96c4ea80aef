import { SENSOR_FIELDS, type SensorField, type SensorReading } from '@smart-factory/schema';

/** What the detector reports for one point (the shape of `@smart-factory/rcf`'s `AnomalyDetector.process`). */
export interface DetectorResult {
  /** Raw RCF anomaly score (0 while the model warms up; ≈ 0.7 for inliers, up to log2(sampleSize)). */
  readonly score: number;
  /** Anomaly grade in [0, 1]; 0 below the adaptive threshold. */
  readonly grade: number;
  readonly isAnomaly: boolean;
  /** Per input dimension (same order as the point), the part of the score explained by it being high or low. */
  readonly attribution: readonly { readonly high: number; readonly low: number }[];
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
 * The model's input dimensions: every numeric sensor field in schema order. `pressure` is optional (not every device
 * has the sensor): a missing value is passed as NaN, which the detector imputes with the previous value.
 */
export const MODEL_FIELDS: readonly SensorField[] = SENSOR_FIELDS;

export function modelPoint(r: SensorReading): number[] {
  return MODEL_FIELDS.map((f) => r[f] ?? Number.NaN);
}

/** The field with the largest attribution (the sensor that drove the score) and whether it was high or low. */
export function dominantField(attribution: DetectorResult['attribution']): {
  field: SensorField;
  direction: 'high' | 'low';
} {
  let best = 0;
  const total = (i: number) => (attribution[i]?.high ?? 0) + (attribution[i]?.low ?? 0);
  for (let i = 1; i < MODEL_FIELDS.length; i++) if (total(i) > total(best)) best = i;
  const a = attribution[best];
  return { field: MODEL_FIELDS[best]!, direction: a !== undefined && a.low > a.high ? 'low' : 'high' };
}
