/**
 * The sensor reading: one JSON object per reading, the same shape on the IoT topic, in the Kinesis stream, in the
 * raw zone of the lake (JSON lines), in the processed zone (parquet) and in the ML feature set.
 */
export interface SensorReading {
  /** Device (cylinder / machine) identifier, 1-128 characters of `[A-Za-z0-9_.:-]`. */
  readonly device_id: string;
  /** Time of the reading, ISO-8601 in UTC (`2026-11-25T01:02:03.456Z`). */
  readonly ts: string;
  /** Process temperature in degrees Celsius. */
  readonly temperature: number;
  /** Motor speed in revolutions per minute. */
  readonly motor_speed_rpm: number;
  /** Temperature measured at the vibration sensor, degrees Celsius. */
  readonly rvibration_temp: number;
  /** Vibration, RMS velocity along the z axis, millimetres per second. */
  readonly rvibration_z_rms_velocity: number;
  /** Hydraulic/pneumatic pressure in bar (optional: not every device has the sensor). */
  readonly pressure?: number;
}

/** The numeric sensor fields of a reading, in the platform's canonical feature order. */
export type SensorField =
  'temperature' | 'motor_speed_rpm' | 'rvibration_temp' | 'rvibration_z_rms_velocity' | 'pressure';

export interface SensorColumn {
  readonly name: keyof SensorReading;
  /** Glue / Hive type of the column. */
  readonly glueType: 'string' | 'double' | 'timestamp';
  readonly required: boolean;
  readonly unit?: string;
  readonly description: string;
  /** Physically plausible range; readings outside are rejected as malformed (sensor fault, unit mix-up). */
  readonly min?: number;
  readonly max?: number;
}

/** Every column of a reading, in order. The Glue tables, the README and the validators derive from this list. */
export const SENSOR_COLUMNS: readonly SensorColumn[] = [
  { name: 'device_id', glueType: 'string', required: true, description: 'Device identifier' },
  { name: 'ts', glueType: 'string', required: true, description: 'Reading time, ISO-8601 UTC' },
  {
    name: 'temperature',
    glueType: 'double',
    required: true,
    unit: '°C',
    description: 'Process temperature',
    min: -50,
    max: 400,
  },
  {
    name: 'motor_speed_rpm',
    glueType: 'double',
    required: true,
    unit: 'rpm',
    description: 'Motor speed',
    min: 0,
    max: 30000,
  },
  {
    name: 'rvibration_temp',
    glueType: 'double',
    required: true,
    unit: '°C',
    description: 'Temperature at the vibration sensor',
    min: -50,
    max: 400,
  },
  {
    name: 'rvibration_z_rms_velocity',
    glueType: 'double',
    required: true,
    unit: 'mm/s',
    description: 'Vibration RMS velocity, z axis',
    min: 0,
    max: 1000,
  },
  {
    name: 'pressure',
    glueType: 'double',
    required: false,
    unit: 'bar',
    description: 'Pressure (optional sensor)',
    min: 0,
    max: 1000,
  },
];

/** The numeric sensor fields in canonical order (the default ML feature order). */
export const SENSOR_FIELDS: readonly SensorField[] = SENSOR_COLUMNS.filter((c) => c.glueType === 'double').map(
  (c) => c.name as SensorField
);

const DEVICE_ID = /^[A-Za-z0-9_.:-]{1,128}$/;
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;

/** A valid calendar date and time: `2026-02-30T00:00:00Z` matches ISO_UTC, but V8's Date.parse rolls it to March 2. */
function isRealUtcTime(ts: string): boolean {
  const ms = Date.parse(ts);
  return !Number.isNaN(ms) && new Date(ms).toISOString().slice(0, 19) === ts.slice(0, 19);
}

/** A value as an error message shows it: at most a short prefix of a long string; Infinity is not "null". */
function describeValue(x: unknown): string {
  if (typeof x === 'number')
    return Number.isNaN(x)
      ? 'NaN'
      : x > 0
        ? 'a number too large for a double (Infinity)'
        : x < 0
          ? 'a number too small for a double (-Infinity)'
          : String(x);
  const text = JSON.stringify(x) ?? String(x);
  return text.length <= 40 ? text : `${text.slice(0, 40)}… (${text.length} characters)`;
}

export type ValidationResult =
  { readonly ok: true; readonly reading: SensorReading } | { readonly ok: false; readonly reason: string };

/**
 * Validates an untrusted value (parsed JSON) as a sensor reading. Never throws. Unknown extra fields are dropped
 * from the returned reading so that downstream code sees exactly the schema.
 */
export function validateSensorReading(value: unknown): ValidationResult {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, reason: 'reading must be a JSON object' };
  }
  const v = value as Record<string, unknown>;
  const deviceId = v['device_id'];
  if (typeof deviceId !== 'string' || !DEVICE_ID.test(deviceId)) {
    return { ok: false, reason: 'device_id must be 1-128 characters of [A-Za-z0-9_.:-]' };
  }
  const ts = v['ts'];
  if (typeof ts !== 'string' || !ISO_UTC.test(ts) || !isRealUtcTime(ts)) {
    return { ok: false, reason: 'ts must be an ISO-8601 UTC timestamp such as 2026-11-25T01:02:03Z' };
  }
  const out: Record<string, unknown> = { device_id: deviceId, ts };
  for (const col of SENSOR_COLUMNS) {
    if (col.glueType !== 'double') continue;
    const x = v[col.name];
    if (x === undefined || x === null) {
      if (col.required) return { ok: false, reason: `${col.name} is required` };
      continue;
    }
    if (typeof x !== 'number' || !Number.isFinite(x)) {
      return { ok: false, reason: `${col.name} must be a finite number, got ${describeValue(x)}` };
    }
    if ((col.min !== undefined && x < col.min) || (col.max !== undefined && x > col.max)) {
      return {
        ok: false,
        reason: `${col.name}=${x} is outside the plausible range [${col.min}, ${col.max}] ${col.unit}`,
      };
    }
    out[col.name] = x;
  }
  return { ok: true, reading: out as unknown as SensorReading };
}

/** Parses one JSON text as a sensor reading; never throws. */
export function parseSensorReading(text: string): ValidationResult {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    return { ok: false, reason: `not JSON: ${(e as Error).message}` };
  }
  return validateSensorReading(parsed);
}
