/**
 * Pure core of the inference API (no AWS): request validation, feature ordering, CSV formatting for the SageMaker
 * XGBoost container, parsing its answer, the operator message and the HTTP response. The CLI's `edge` command uses the
 * same message and validation functions.
 */
import {
  failureMessages,
  failurePercent,
  type ModelManifest,
  parseModelManifest,
  SENSOR_COLUMNS,
} from '@smart-factory/schema';

export type { ModelManifest } from '@smart-factory/schema';

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
export const percent = failurePercent;

/** The seed's operator sentence, in Korean and English. */
export const operatorMessages = failureMessages;

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
export const parseManifest = parseModelManifest;

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
