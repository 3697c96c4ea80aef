/**
 * The failure prediction shared by the inference API and the edge CLI: the published model manifest (what a scorer
 * needs from `edge/models/v=<version>/manifest.json`) and the operator message of the seed.
 */

/** What the scorers need from the published edge manifest. */
export interface ModelManifest {
  readonly model_version: string;
  /** Feature names in the model's column order (sensor fields of the reading). */
  readonly feature_order: readonly string[];
  /** `pred` is `score > threshold`. */
  readonly threshold: number;
}

/** Checks an untrusted manifest document (parsed JSON) and returns the fields the scorers need; throws clearly. */
export function parseModelManifest(doc: unknown): ModelManifest {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc))
    throw new Error('model manifest is not a JSON object');
  const d = doc as Record<string, unknown>;
  const order = d['feature_order'];
  if (!Array.isArray(order) || order.length === 0 || !order.every((f) => typeof f === 'string' && f !== '')) {
    throw new Error('model manifest feature_order must be a non-empty array of feature names');
  }
  if (new Set(order).size !== order.length) throw new Error('model manifest feature_order has duplicate names');
  const threshold = d['threshold'];
  if (typeof threshold !== 'number' || !(threshold >= 0 && threshold <= 1)) {
    throw new Error('model manifest threshold must be a number in [0, 1]');
  }
  const version = d['model_version'];
  if (typeof version !== 'string' || version === '')
    throw new Error('model manifest model_version must be a non-empty string');
  return { model_version: version, feature_order: order as string[], threshold };
}

/** Failure probability as a whole percentage (the seed rounds: 0.857 → 86). */
export function failurePercent(score: number): number {
  return Math.round(score * 100);
}

/**
 * The seed's operator sentence, in Korean and English. The seed spelled "보았을때"; we write the standard "보았을 때"
 * (때 is a dependent noun, spaced from 보았을), as the mobile app shows it to operators.
 */
export function failureMessages(score: number): { readonly ko: string; readonly en: string } {
  const p = failurePercent(score);
  return {
    ko: `현재 온도, 모터속도, 진동 등 센서데이터의 수치로 보았을 때 실린더가 고장날 확률은 ${p}%입니다`,
    en: `Judging by the current temperature, motor speed, vibration and other sensor values, the probability that the cylinder fails is ${p}%.`,
  };
}
