import { describe, expect, it } from 'vitest';
import { buildPrediction, operatorMessages, orderFeatures, parseManifest, parseScore, percent, toCsvRow } from './core';

const ORDER = ['temperature', 'motor_speed_rpm', 'rvibration_temp', 'rvibration_z_rms_velocity', 'pressure'];

describe('inference core', () => {
  it("renders the seed's sentence with the rounded percentage", () => {
    expect(operatorMessages(0.8600000143051147).ko).toBe(
      '현재 온도, 모터속도, 진동 등 센서데이터의 수치로 보았을 때 실린더가 고장날 확률은 86%입니다'
    );
    expect(operatorMessages(0.855).en).toMatch(/probability that the cylinder fails is 86%\.$/);
    expect([percent(0), percent(0.004), percent(0.005), percent(0.994), percent(1)]).toEqual([0, 0, 1, 99, 100]);
  });

  it('pred is score > threshold (strictly), like classify_data', () => {
    const m = { model_version: 'v', feature_order: ORDER, threshold: 0.5 };
    expect(buildPrediction(0.5, m).pred).toBe(false);
    expect(buildPrediction(0.5000001, m).pred).toBe(true);
  });

  it('orders by the manifest, sends a missing optional pressure as an empty field, ignores extra fields', () => {
    const r = orderFeatures(
      {
        pressure: null,
        rvibration_z_rms_velocity: 2.5,
        temperature: 71.25,
        device_id: 'x',
        motor_speed_rpm: 1500,
        rvibration_temp: 50,
      },
      ORDER
    );
    expect(r).toEqual({ ok: true, values: [71.25, 1500, 50, 2.5, null] });
    expect(toCsvRow(r.ok ? r.values : [])).toBe('71.25,1500,50,2.5,');
    expect(toCsvRow([0.1, 1e21, 1.5e-7])).toBe('0.1,1e+21,1.5e-7');
  });

  it('names the first bad field', () => {
    expect(orderFeatures({ temperature: 1 }, ORDER)).toMatchObject({ ok: false, field: 'motor_speed_rpm' });
    expect(orderFeatures({ temperature: NaN }, ORDER)).toMatchObject({ ok: false, field: 'temperature' });
    expect(orderFeatures({ temperature: 999 }, ORDER)).toMatchObject({ ok: false, field: 'temperature' });
    expect(orderFeatures({ custom: 1 }, ['custom', 'other'])).toMatchObject({ ok: false, field: 'other' });
    expect(orderFeatures(null, ORDER)).toMatchObject({ ok: false, field: '(body)' });
  });

  it('parses only a single probability from the container', () => {
    expect(parseScore('0.43861907720565796\n')).toBe(0.43861907720565796);
    expect(parseScore('9.999999747378752e-06')).toBe(9.999999747378752e-6);
    for (const bad of ['', 'nan', '0.1\n0.2', '1.5', '{"predictions":[]}']) expect(() => parseScore(bad)).toThrow();
  });

  it('validates manifests', () => {
    expect(() => parseManifest({ model_version: 'v', feature_order: ['a', 'a'], threshold: 0.5 })).toThrow(/duplicate/);
    expect(() => parseManifest({ model_version: 'v', feature_order: ['a'], threshold: 2 })).toThrow(/threshold/);
    expect(() => parseManifest({ feature_order: ['a'], threshold: 0.5 })).toThrow(/model_version/);
  });
});
