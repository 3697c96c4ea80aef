import { describe, expect, it } from 'vitest';
import { biProblems, CONFIGS, configProblems, DEFAULT_CONFIG, FULL_CONFIG, type PlatformConfig } from '../lib/config';

type Mutable<T> = { -readonly [K in keyof T]: T[K] extends object ? Mutable<T[K]> : T[K] };
const full = (): Mutable<PlatformConfig> => structuredClone(FULL_CONFIG) as Mutable<PlatformConfig>;
const OWNER = 'arn:aws:quicksight:ap-northeast-2:123456789012:group/default/bi-authors';

describe('bi config section (issue 16)', () => {
  it('is off by default, SPICE, refreshed at 07:00 local time (after the 01:10 ETL)', () => {
    expect(DEFAULT_CONFIG.bi).toMatchObject({ enabled: false, importMode: 'SPICE', refreshLocalTime: '07:00' });
    expect(biProblems(DEFAULT_CONFIG)).toEqual([]);
  });

  it('the `full` config switches BI on with placeholder principals and is valid', () => {
    expect(CONFIGS['full']).toBe(FULL_CONFIG);
    expect(FULL_CONFIG.bi.enabled).toBe(true);
    expect(FULL_CONFIG.bi.ownerArns).toEqual([OWNER]);
    expect(configProblems(FULL_CONFIG)).toEqual([]);
    expect(configProblems({ ...FULL_CONFIG, env: { ...FULL_CONFIG.env, account: '123456789012' } })).toEqual([]);
  });

  const cases: [string, (c: Mutable<PlatformConfig>) => void, RegExp][] = [
    ['no owner while enabled', (c) => (c.bi.ownerArns = []), /^bi\.ownerArns: \[\] .*at least one owner/],
    [
      'an IAM ARN instead of a QuickSight principal',
      (c) => (c.bi.ownerArns = ['arn:aws:iam::123456789012:user/alice']),
      /^bi\.ownerArns\[0\]: "arn:aws:iam::123456789012:user\/alice" .*QuickSight principal ARN/,
    ],
    [
      'a principal of another namespace',
      (c) => (c.bi.viewerArns = ['arn:aws:quicksight:us-east-1:123456789012:user/sales/bob']),
      /^bi\.viewerArns\[0\]: .*namespace "default"/,
    ],
    [
      'a principal of another account than env.account',
      (c) => (c.env.account = '210987654321'),
      /^bi\.ownerArns\[0\]: .*account 210987654321/,
    ],
    ['owner listed as viewer too', (c) => (c.bi.viewerArns = [OWNER]), /^bi\.viewerArns: .*already listed/],
    ['duplicate owners', (c) => (c.bi.ownerArns = [OWNER, OWNER]), /^bi\.ownerArns: .*no duplicates/],
    [
      'import mode',
      (c) => ((c.bi as { importMode: string }).importMode = 'spice'),
      /^bi\.importMode: "spice" .*"SPICE" or "DIRECT_QUERY"/,
    ],
    ['refresh time', (c) => (c.bi.refreshLocalTime = '7:00'), /^bi\.refreshLocalTime: "7:00" .*HH:MM/],
    ['namespace', (c) => (c.bi.namespace = 'my namespace'), /^bi\.namespace: "my namespace" .*QuickSight namespace/],
    [
      'database user case',
      (c) => (c.bi.databaseUser = 'BI-User'),
      /^bi\.databaseUser: "BI-User" .*lower-case Redshift identifier/,
    ],
    [
      'database user = admin',
      (c) => (c.bi.databaseUser = c.warehouse.masterUsername),
      /^bi\.databaseUser: "sfadmin" .*own/,
    ],
    ['database user = etl_user', (c) => (c.bi.databaseUser = 'etl_user'), /^bi\.databaseUser: "etl_user" .*own/],
    [
      'enabled not a boolean',
      (c) => ((c.bi as { enabled: unknown }).enabled = 'yes'),
      /^bi\.enabled: "yes" .*true or false/,
    ],
    [
      'unknown key (typo)',
      (c) => ((c.bi as Record<string, unknown>)['refreshTime'] = '07:00'),
      /^bi\.refreshTime: unknown key; the keys allowed in bi are enabled, namespace/,
    ],
  ];
  it.each(cases)('rejects %s, naming the field', (_name, mutate, message) => {
    const c = full();
    mutate(c);
    const problems = configProblems(c);
    expect(problems[0]).toMatch(message);
    // Only the BI section is reported (a bad namespace or account also flags the principals that no longer match).
    expect(problems.every((x) => x.startsWith('bi.'))).toBe(true);
  });

  it('checks a prepared section even while BI is off (except the owner requirement)', () => {
    const c = full();
    c.bi.enabled = false;
    c.bi.ownerArns = [];
    expect(configProblems(c)).toEqual([]);
    c.bi.refreshLocalTime = '25:00';
    expect(configProblems(c)).toEqual([expect.stringMatching(/^bi\.refreshLocalTime/)]);
  });

  it('reports a missing section instead of crashing', () => {
    const c = full() as Record<string, unknown>;
    delete c['bi'];
    expect(biProblems(c as unknown as PlatformConfig)).toEqual([expect.stringMatching(/^bi: undefined .*BI section/)]);
  });
});
