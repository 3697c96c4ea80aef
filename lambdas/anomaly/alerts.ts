import { SENSOR_COLUMNS, type SensorField, type SensorReading } from '@smart-factory/schema';
import { dominantField, type DetectorResult } from './model';

/** One anomaly alert as published to the alerts topic (the `default`/email text is built from it). */
export interface Alert {
  /**
   * Deterministic id `<device_id>/<ts>/<rule>` (see `alertId`): the same alert re-published after a retry or crash
   * has the same id, so subscribers drop duplicates by it (also the SNS message attribute `alert_id`).
   */
  readonly alert_id: string;
  readonly device_id: string;
  /** Reading time, ISO-8601 UTC. */
  readonly ts: string;
  readonly score: number;
  readonly grade: number;
  /** The sensor with the largest attribution, its reading, and whether it was unusually high or low. */
  readonly sensor: SensorField;
  readonly direction: 'high' | 'low';
  readonly sensor_value: number;
  readonly sensor_unit: string;
  /** Attribution of the score per model field. */
  readonly attribution: Readonly<Partial<Record<SensorField, number>>>;
  readonly message_ko: string;
  readonly message_en: string;
}

const KO_NAMES: Record<SensorField, string> = {
  temperature: '공정 온도',
  motor_speed_rpm: '모터 회전수',
  rvibration_temp: '진동 센서 온도',
  rvibration_z_rms_velocity: '진동 속도(Z축 RMS)',
  pressure: '압력',
};

const EN_NAMES: Record<SensorField, string> = Object.fromEntries(
  SENSOR_COLUMNS.filter((c) => c.glueType === 'double').map((c) => [c.name, c.description.toLowerCase()])
) as Record<SensorField, string>;

function localTime(ts: string, timeZone: string): string {
  const f = new Intl.DateTimeFormat('sv-SE', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hour12: false,
  });
  return `${f.format(new Date(ts))} (${timeZone})`;
}

/** The rule that raised an alert (one today: the RCF grade at or above the configured threshold). */
export const ALERT_RULE = 'rcf-grade';

/** Deterministic alert id: device, reading time and rule. */
export function alertId(deviceId: string, ts: string, rule: string = ALERT_RULE): string {
  return `${deviceId}/${ts}/${rule}`;
}

/** Builds the alert for a reading the model graded as anomalous. */
export function buildAlert(
  reading: SensorReading,
  result: DetectorResult,
  fields: readonly SensorField[],
  timeZone: string
): Alert {
  const { field: sensor, direction } = dominantField(result.attribution);
  const unit = SENSOR_COLUMNS.find((c) => c.name === sensor)?.unit ?? '';
  const value = reading[sensor] ?? Number.NaN;
  const attribution: Partial<Record<SensorField, number>> = {};
  fields.forEach((f, i) => {
    const a = result.attribution[i];
    attribution[f] = round((a?.high ?? 0) + (a?.low ?? 0));
  });
  const when = localTime(reading.ts, timeZone);
  const score = round(result.score);
  const grade = round(result.grade);
  return {
    alert_id: alertId(reading.device_id, reading.ts),
    device_id: reading.device_id,
    ts: reading.ts,
    score,
    grade,
    sensor,
    direction,
    sensor_value: value,
    sensor_unit: unit,
    attribution,
    message_ko:
      `[이상 감지] 설비 ${reading.device_id}, ${when}: 이상 점수 ${score} (등급 ${grade}). ` +
      `주요 원인 센서: ${KO_NAMES[sensor]} = ${value} ${unit} (${direction === 'high' ? '평소보다 높음' : '평소보다 낮음'}). ` +
      '설비를 점검하세요.',
    message_en:
      `[Anomaly] Device ${reading.device_id} at ${when}: anomaly score ${score} (grade ${grade}). ` +
      `Driven by ${EN_NAMES[sensor]} = ${value} ${unit} (unusually ${direction}). Please inspect the equipment.`,
  };
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/**
 * Whether an alert is due: grade at or above the threshold and no alert of this device within the cooldown. Time is
 * the reading time, so replays and late batches apply the same cooldown as live traffic.
 */
export function alertDue(
  grade: number,
  readingMs: number,
  lastAlertMs: number | null,
  threshold: number,
  cooldownMs: number
): boolean {
  if (!(grade >= threshold)) return false;
  return lastAlertMs === null || readingMs - lastAlertMs >= cooldownMs || readingMs < lastAlertMs;
}

/**
 * The SNS `Publish` input for an alert: `MessageStructure: json` with a bilingual `default`/`email` text, a raw JSON
 * `sqs`/`lambda`/`https` body, and FCM (HTTP v1) and APNs payloads for mobile-push endpoints
 * (`alertPushPayloads`). Message attributes (`alertMessageAttributes`) carry the alert id (deduplication key) and what
 * subscription filter policies use.
 */
export function snsMessage(
  stored: Alert,
  context: AlertContext = {}
): {
  Subject: string;
  Message: string;
  MessageStructure: 'json';
  MessageAttributes: Record<string, { DataType: string; StringValue: string }>;
} {
  // Alerts pending in snapshots written before ids existed get theirs here (same rule, same id).
  const alert: Alert = { ...stored, alert_id: stored.alert_id ?? alertId(stored.device_id, stored.ts) };
  const text = `${alert.message_ko}\n\n${alert.message_en}\n\n${JSON.stringify(alert, null, 2)}`;
  const json = JSON.stringify(alert);
  const push = alertPushPayloads(alert, context);
  return {
    // SNS subjects must be ASCII, under 100 characters.
    Subject: `Smart-factory anomaly: ${alert.device_id}`.slice(0, 99),
    MessageStructure: 'json',
    Message: JSON.stringify({ default: text, email: text, sqs: json, lambda: json, https: json, ...push }),
    MessageAttributes: alertMessageAttributes(alert, context),
  };
}

// ---- Phones (issue 17): filter-policy attributes and per-platform push payloads --------------------------------

/** What an alert knows beyond the reading: the factory the platform serves (`FACTORY_ID`). */
export interface AlertContext {
  readonly factory?: string;
}

/** Alert severities phones subscribe to: `critical` from grade 0.9, `warning` below (alerts start at the threshold). */
export type AlertSeverity = 'warning' | 'critical';
export const ALERT_SEVERITIES: readonly AlertSeverity[] = ['warning', 'critical'];
export const CRITICAL_GRADE = 0.9;

export function alertSeverity(grade: number): AlertSeverity {
  return grade >= CRITICAL_GRADE ? 'critical' : 'warning';
}

/**
 * Message attributes of an alert: `factory`, `device_id`, `severity`, `sensor` (String) and `grade` (Number) for
 * subscription filter policies (the phone registration API filters on factory, device_id and severity), and
 * `AWS.SNS.MOBILE.APNS.PUSH_TYPE` = alert / `AWS.SNS.MOBILE.APNS.PRIORITY` = 10, which APNs requires for a visible
 * notification (https://docs.aws.amazon.com/sns/latest/dg/sns-send-custom-platform-specific-payloads-mobile-devices.html).
 */
export function alertMessageAttributes(
  alert: Alert,
  context: AlertContext = {}
): Record<string, { DataType: string; StringValue: string }> {
  const s = (v: string) => ({ DataType: 'String', StringValue: v });
  return {
    ...(alert.alert_id !== undefined ? { alert_id: s(alert.alert_id) } : {}),
    ...(context.factory !== undefined ? { factory: s(context.factory) } : {}),
    device_id: s(alert.device_id),
    severity: s(alertSeverity(alert.grade)),
    grade: { DataType: 'Number', StringValue: String(alert.grade) },
    sensor: s(alert.sensor),
    'AWS.SNS.MOBILE.APNS.PUSH_TYPE': s('alert'),
    'AWS.SNS.MOBILE.APNS.PRIORITY': s('10'),
  };
}

/**
 * Push payloads per platform, as SNS expects them inside a `MessageStructure: json` message (each value a JSON
 * string): `GCM` is an FCM HTTP v1 message (`fcmV1Message`; data values must be strings), `APNS`/`APNS_SANDBOX` an
 * APNs payload. The visible text is Korean, then English; `message_ko`/`message_en` are also in the data so the app
 * can show the user's language only.
 */
export function alertPushPayloads(
  alert: Alert,
  context: AlertContext = {}
): Record<'GCM' | 'APNS' | 'APNS_SANDBOX', string> {
  const title = `이상 감지 / Anomaly: ${alert.device_id}`;
  const body = `${alert.message_ko}\n${alert.message_en}`;
  const data: Record<string, string> = {
    ...(alert.alert_id !== undefined ? { alert_id: alert.alert_id } : {}),
    ...(context.factory !== undefined ? { factory: context.factory } : {}),
    device_id: alert.device_id,
    ts: alert.ts,
    severity: alertSeverity(alert.grade),
    score: String(alert.score),
    grade: String(alert.grade),
    sensor: alert.sensor,
    sensor_value: String(alert.sensor_value),
    sensor_unit: alert.sensor_unit,
    message_ko: alert.message_ko,
    message_en: alert.message_en,
  };
  const gcm = {
    fcmV1Message: {
      message: {
        notification: { title, body },
        data,
        android: { priority: 'high', notification: { channel_id: 'anomaly_alerts', tag: alert.device_id } },
      },
    },
  };
  const apns = {
    aps: {
      alert: { title, body },
      sound: 'default',
      'thread-id': alert.device_id,
      'interruption-level': 'time-sensitive',
    },
    ...data,
  };
  return { GCM: JSON.stringify(gcm), APNS: JSON.stringify(apns), APNS_SANDBOX: JSON.stringify(apns) };
}
