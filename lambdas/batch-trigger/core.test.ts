import { etlRunDateOf } from '@smart-factory/schema';
import { describe, expect, it } from 'vitest';
import { classifyKey, decide, InvalidManifestError, manifestKey, parseManifest, triggerExecutionName } from './core';

const D = '2026-11-24';

describe('batch object keys', () => {
  it('classifies manifests, batch files and everything else', () => {
    expect(classifyKey(manifestKey(D))).toEqual({ kind: 'manifest', date: D });
    expect(classifyKey(`batch/production/dt=${D}/p.csv`)).toEqual({ kind: 'file', date: D, source: 'production' });
    expect(classifyKey(`batch/production/dt%3D${D}/p.csv`)).toEqual({ kind: 'file', date: D, source: 'production' });
    expect(classifyKey('batch/production/dt=2026-02-30/p.csv')).toEqual({ kind: 'other' });
    expect(classifyKey(`sensor/dt=${D}/x.gz`)).toEqual({ kind: 'other' });
    expect(classifyKey(`batch/manifests/dt=${D}/other.json`)).toEqual({ kind: 'other' });
  });
});

describe('manifests', () => {
  it('lists full keys', () => {
    const m = parseManifest(JSON.stringify({ date: D, files: [`production/dt=${D}/a.csv`] }), D);
    expect(m.keys).toEqual([`batch/production/dt=${D}/a.csv`]);
  });
  it.each([
    ['not json', /not JSON/],
    ['[]', /JSON object/],
    [JSON.stringify({ date: '2026-11-25', files: ['x'] }), /"date" must be "2026-11-24"/],
    [JSON.stringify({ date: D, files: [] }), /non-empty array/],
    [JSON.stringify({ date: D, files: ['production/dt=2026-11-25/a.csv'] }), /files\[0\]/],
  ])('rejects %s naming the manifest and the field', (text, message) => {
    expect(() => parseManifest(text, D)).toThrow(InvalidManifestError);
    expect(() => parseManifest(text, D)).toThrow(message);
    expect(() => parseManifest(text, D)).toThrow(manifestKey(D));
  });
});

describe('decisions', () => {
  const t = (iso: string) => new Date(iso);
  const base = { date: D, key: manifestKey(D), sequencer: '0001', timeZone: 'Asia/Seoul' };
  it('starts a named run when nothing covers the object', () => {
    const d = decide({ ...base, objectTime: t('2026-11-25T00:00:00Z'), executions: [] });
    expect(d).toEqual({ action: 'start', name: triggerExecutionName(D, base.key, '0001'), input: { runDate: D } });
    expect(triggerExecutionName(D, base.key, '0001')).not.toBe(triggerExecutionName(D, base.key, '0002'));
  });
  it('skips when a run of the date started after the object; waits while an older one runs', () => {
    const objectTime = t('2026-11-25T00:00:00Z');
    const after = { name: `run-${D}`, status: 'SUCCEEDED' as const, startDate: t('2026-11-25T00:01:00Z') };
    const before = {
      name: 'sched-1',
      status: 'RUNNING' as const,
      startDate: t('2026-11-24T16:10:00Z'),
      input: JSON.stringify({ scheduledTime: '2026-11-24T16:10:00Z' }),
    };
    const other = { name: 'run-2026-11-23', status: 'RUNNING' as const, startDate: t('2026-11-24T23:00:00Z') };
    expect(decide({ ...base, objectTime, executions: [after] }).action).toBe('skip');
    expect(decide({ ...base, objectTime, executions: [before] }).action).toBe('wait');
    expect(decide({ ...base, objectTime, executions: [other] }).action).toBe('start');
    const failedAfter = { ...after, status: 'FAILED' as const };
    expect(decide({ ...base, objectTime, executions: [failedAfter] }).action).toBe('start');
  });
  it('reads a scheduled execution as yesterday in the platform time zone', () => {
    // 01:10 KST on the 25th = 16:10 UTC on the 24th: the run of the 24th
    expect(etlRunDateOf('x', JSON.stringify({ scheduledTime: '2026-11-24T16:10:00Z' }), 'Asia/Seoul')).toBe(D);
    expect(etlRunDateOf(`backfill-2026-11-01-2026-11-30-${D}-a2`, undefined, 'Asia/Seoul')).toBe(D);
    expect(etlRunDateOf('manual', '{}', 'Asia/Seoul')).toBeUndefined();
  });
});
