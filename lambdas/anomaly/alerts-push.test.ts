import { describe, expect, it } from 'vitest';
import { type Alert, alertId, alertMessageAttributes, alertPushPayloads, alertSeverity, snsMessage } from './alerts';

const alert: Alert = {
  alert_id: alertId('press-001', '2026-11-25T00:09:38.000Z'),
  device_id: 'press-001',
  ts: '2026-11-25T00:09:38.000Z',
  score: 2.11,
  grade: 0.95,
  sensor: 'temperature',
  direction: 'high',
  sensor_value: 79.18,
  sensor_unit: '°C',
  attribution: { temperature: 1.2 },
  message_ko: '[이상 감지] 설비 press-001',
  message_en: '[Anomaly] Device press-001',
};

describe('alert attributes and push payloads (phones)', () => {
  it('severity: critical from grade 0.9', () => {
    expect(alertSeverity(0.7)).toBe('warning');
    expect(alertSeverity(0.8999)).toBe('warning');
    expect(alertSeverity(0.9)).toBe('critical');
  });

  it('message attributes carry what the registration filter policies match on', () => {
    const a = alertMessageAttributes(alert, { factory: 'seoul-1' });
    expect(a['factory']).toEqual({ DataType: 'String', StringValue: 'seoul-1' });
    expect(a['device_id']).toEqual({ DataType: 'String', StringValue: 'press-001' });
    expect(a['severity']).toEqual({ DataType: 'String', StringValue: 'critical' });
    expect(a['grade']).toEqual({ DataType: 'Number', StringValue: '0.95' });
    expect(a['AWS.SNS.MOBILE.APNS.PUSH_TYPE']!.StringValue).toBe('alert');
    expect(alertMessageAttributes(alert)['factory']).toBeUndefined();
    // SNS: at most 10 message attributes per message.
    expect(Object.keys(a).length).toBeLessThanOrEqual(10);
  });

  it('FCM v1 and APNs payloads: Korean and English text, string data', () => {
    const p = alertPushPayloads(alert, { factory: 'seoul-1' });
    const fcm = JSON.parse(p.GCM) as {
      fcmV1Message: { message: { notification: { title: string; body: string }; data: Record<string, unknown> } };
    };
    const m = fcm.fcmV1Message.message;
    expect(m.notification.body).toBe('[이상 감지] 설비 press-001\n[Anomaly] Device press-001');
    expect(m.notification.title).toContain('이상 감지 / Anomaly');
    expect(Object.values(m.data).every((v) => typeof v === 'string')).toBe(true);
    expect(m.data).toMatchObject({ factory: 'seoul-1', severity: 'critical', message_en: alert.message_en });
    const apns = JSON.parse(p.APNS) as { aps: { alert: { body: string } }; message_ko: string };
    expect(apns.aps.alert.body).toContain('[Anomaly]');
    expect(apns.message_ko).toBe(alert.message_ko);
    expect(p.APNS_SANDBOX).toBe(p.APNS);
    // APNs rejects payloads over 4 KB; FCM over 4 KB of data.
    expect(Buffer.byteLength(p.APNS)).toBeLessThan(4096);
    const msg = JSON.parse(snsMessage(alert, { factory: 'seoul-1' }).Message) as Record<string, string>;
    expect(msg['GCM']).toBe(p.GCM);
  });
});
