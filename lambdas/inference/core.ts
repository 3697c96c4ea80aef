/**
 * Pure core of the inference API (no AWS): request validation, feature ordering, CSV formatting for the SageMaker
 * XGBoost container, parsing its answer, the operator message and the HTTP response. The CLI's `edge` command uses the
 * same message and validation functions.
 */
import { SENSOR_COLUMNS } from '@smart-factory/schema';

/** What the inference Lambda and the edge CLI need from the published edge manifest. */
export interface ModelManifest {
  readonly model_version: string;
  readonly feature_order: readonly string[];
  readonly threshold: number;
}

export type FeatureResult =
  | { readonly ok: true; readonly values: readonly (number | null)[] }
  | { readonly ok: false; readonly field: string; readonly message: string };

const COLUMN = new Map(SENSOR_COLUMNS.map((c) => [c.name as string, c]));

/**
 * Picks the model's features from a request body, in the manifest's order. A feature the schema marks optional
 * (pressure) may be absent or null and is then sent as missing (empty CSV field), exactly as the training set encodes
 * it; every other feature must be a finite number within the schema's plausible range. Extra fields are ignored.
 */
export function orderFeatures(body: unknown, featureOrder: readonly string[]): FeatureResult {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, field: '(body)', message: 'request body must be a JSON object of named sensor values' };
  }
  const b = body as Record<string, unknown>;
  const values: (number | null)[] = [];
  for (const name of featureOrder) {
    const col = COLUMN.get(name);
    const v = b[name];
    if (v === undefined || v === null) {
      if (col !== undefined && !col.required) {
        values.push(null);
        continue;
      }
      return { ok: false, field: name, message: `${name} is required` };
    }
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      return { ok: false, field: name, message: `${name} must be a finite number, got ${JSON.stringify(v)}` };
    }
    if (col && ((col.min !== undefined && v < col.min) || (col.max !== undefined && v > col.max))) {
      return {
        ok: false,
        field: name,
        message: `${name}=${v} is outside the plausible range [${col.min}, ${col.max}] ${col.unit ?? ''}`.trimEnd(),
      };
    }
    values.push(v);
  }
  return { ok: true, values };
}

/**
 * One CSV row for the container (`text/csv`, no header, no label): JavaScript's shortest round-trip decimal of each
 * double, so the container's float64 parse sees exactly our number; missing = empty field.
 */
export function toCsvRow(values: readonly (number | null)[]): string {
  return values.map((v) => (v === null ? '' : String(v))).join(',');
}

/** The container's `text/csv` answer for one row: one number (trailing newline allowed). Throws on anything else. */
export function parseScore(body: string): number {
  const lines = body.trim().split(/\r?\n/);
  const first = lines[0]?.split(',')[0]?.trim() ?? '';
  const score = first === '' ? NaN : Number(first);
  if (lines.length !== 1 || !Number.isFinite(score) || score < 0 || score > 1) {
    throw new Error(`unexpected endpoint response ${JSON.stringify(body.slice(0, 200))}`);
  }
  return score;
}

/** Failure probability as a whole percentage (the seed rounds: 0.857 → 86). */
export function percent(score: number): number {
  return Math.round(score * 100);
}

/** The seed's operator sentence, in Korean and English. */
export function operatorMessages(score: number): { readonly ko: string; readonly en: string } {
  const p = percent(score);
  return {
    ko: `현재 온도, 모터속도, 진동 등 센서데이터의 수치로 보았을 때 실린더가 고장날 확률은 ${p}%입니다`,
    en: `Judging by the current temperature, motor speed, vibration and other sensor values, the probability that the cylinder fails is ${p}%.`,
  };
}

export interface Prediction {
  readonly score: number;
  readonly pred: boolean;
  readonly threshold: number;
  readonly message_ko: string;
  readonly message_en: string;
  readonly model_version: string;
}

/** The seed's classify_data: `{score, pred}` with pred = score > threshold, plus messages and the model version. */
export function buildPrediction(score: number, manifest: ModelManifest): Prediction {
  const m = operatorMessages(score);
  return {
    score,
    pred: score > manifest.threshold,
    threshold: manifest.threshold,
    message_ko: m.ko,
    message_en: m.en,
    model_version: manifest.model_version,
  };
}

/** Checks an untrusted manifest document (JSON) and returns the fields the scorers need; throws a clear error. */
export function parseManifest(doc: unknown): ModelManifest {
  const d = doc as Partial<Record<keyof ModelManifest, unknown>> | null;
  if (typeof d !== 'object' || d === null) throw new Error('model manifest is not a JSON object');
  const order = d.feature_order;
  if (!Array.isArray(order) || order.length === 0 || !order.every((f) => typeof f === 'string' && f !== '')) {
    throw new Error('model manifest feature_order must be a non-empty array of feature names');
  }
  if (new Set(order).size !== order.length) throw new Error('model manifest feature_order has duplicate names');
  if (typeof d.threshold !== 'number' || !(d.threshold >= 0 && d.threshold <= 1)) {
    throw new Error('model manifest threshold must be a number in [0, 1]');
  }
  if (typeof d.model_version !== 'string' || d.model_version === '') {
    throw new Error('model manifest model_version must be a non-empty string');
  }
  return { model_version: d.model_version, feature_order: order as string[], threshold: d.threshold };
}

export interface HttpResponse {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

export function jsonResponse(statusCode: number, body: unknown): HttpResponse {
  return {
    statusCode,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
    body: JSON.stringify(body),
  };
}

/** Decodes a function-URL / API Gateway v2 body into JSON; `undefined` when it is not JSON. */
export function parseBody(body: string | undefined, isBase64Encoded: boolean | undefined): unknown {
  if (body === undefined || body === '') return undefined;
  const text = isBase64Encoded ? Buffer.from(body, 'base64').toString('utf8') : body;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
