import { describe, expect, it } from 'vitest';
import { parseSensorReading, SENSOR_FIELDS, validateSensorReading } from '../src';

const good = {
  device_id: 'cyl-001',
  ts: '2026-11-25T01:02:03.456Z',
  temperature: 71.5,
  motor_speed_rpm: 1480,
  rvibration_temp: 40.1,
  rvibration_z_rms_velocity: 2.3,
};

describe('validateSensorReading', () => {
  it('accepts a complete reading and drops unknown fields', () => {
    const r = validateSensorReading({ ...good, extra: 'x' });
    expect(r).toEqual({ ok: true, reading: good });
  });
  it('accepts the optional pressure', () => {
    const r = validateSensorReading({ ...good, pressure: 5.5 });
    expect(r.ok && r.reading.pressure).toBe(5.5);
  });
  it.each([
    [null, 'JSON object'],
    [[1], 'JSON object'],
    [{ ...good, device_id: '' }, 'device_id'],
    [{ ...good, device_id: 'a b' }, 'device_id'],
    [{ ...good, ts: '2026-11-25 01:02:03' }, 'ts'],
    [{ ...good, ts: '2026-13-45T99:99:99Z' }, 'ts'],
    [{ ...good, ts: '2026-02-30T00:00:00Z' }, 'ts must be'],
    [{ ...good, ts: '2026-01-01T24:00:00Z' }, 'ts must be'],
    [{ ...good, temperature: Infinity }, 'got a number too large for a double (Infinity)'],
    [{ ...good, temperature: 'x'.repeat(100_000) }, '… (100002 characters)'],
    [{ ...good, temperature: undefined }, 'temperature is required'],
    [{ ...good, temperature: '71' }, 'temperature must be a finite number'],
    [{ ...good, motor_speed_rpm: -1 }, 'motor_speed_rpm=-1 is outside'],
    [{ ...good, pressure: 'high' }, 'pressure must be a finite number'],
  ])('rejects %j with a reason naming the problem', (input, reason) => {
    const r = validateSensorReading(input);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toContain(reason);
  });
  it('parses JSON text and reports bad JSON', () => {
    expect(parseSensorReading(JSON.stringify(good)).ok).toBe(true);
    const bad = parseSensorReading('{"device_id":');
    expect(bad.ok).toBe(false);
  });
  it('lists the numeric fields in canonical order', () => {
    expect(SENSOR_FIELDS).toEqual([
      'temperature',
      'motor_speed_rpm',
      'rvibration_temp',
      'rvibration_z_rms_velocity',
      'pressure',
    ]);
  });
});
