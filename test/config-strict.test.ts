import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  AWS_REGIONS,
  ConfigError,
  configProblems,
  DEFAULT_CONFIG,
  loadConfig,
  mergeConfig,
  PLATFORM_KEYS,
  type PlatformConfig,
} from '../lib/config';

/** The default config with `extra` merged in, as a config file would be. */
const withValues = (extra: unknown): PlatformConfig => mergeConfig(DEFAULT_CONFIG, extra) as PlatformConfig;
const problemsOf = (name: string, extra: unknown): readonly string[] => {
  try {
    loadConfig(name, { overrides: [{ source: 'test.json', values: extra }] });
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
};

describe('strict configuration: unknown keys are errors at every level', () => {
  it.each([
    [
      { operationEmails: ['a@example.com'] },
      /^operationEmails: unknown key \(did you mean operationsEmails\?\); the keys allowed in the configuration are name, /,
    ],
    [
      { streaming: { mobilePushSecretARN: 'arn:x' } },
      /^streaming\.mobilePushSecretARN: unknown key \(did you mean mobilePushSecretArn\?\); the keys allowed in streaming are .*mobilePushSecretArn/,
    ],
    [
      { streaming: { device: 100 } },
      /^streaming\.device: unknown key \(did you mean devices\?\); the keys allowed in streaming are .*devices/,
    ],
    [
      { env: { acount: '123456789012' } },
      /^env\.acount: unknown key \(did you mean account\?\); the keys allowed in env are account, region$/,
    ],
    [
      { warehouse: { userGroups: { admin: 'x' } } },
      /^warehouse\.userGroups\.admin: unknown key; the keys allowed in warehouse\.userGroups are etl, bi, analytics$/,
    ],
    [
      { ml: { hyperparameters: { gamma: 1 } } },
      /^ml\.hyperparameters\.gamma: unknown key; the keys allowed in ml\.hyperparameters are objective, /,
    ],
    [
      { warehouse: { resizeSchedules: [{ name: 'up', localTime: '01:00', nodes: 6, node: 6 }] } },
      /^warehouse\.resizeSchedules\[0\]\.node: unknown key \(did you mean nodes\?\)/,
    ],
    [{ reporting: { enabled: true } }, /^reporting: unknown key; the keys allowed in the configuration are /],
  ])('%j', (extra, expected) => {
    const problems = configProblems(withValues(extra));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(expected);
  });

  it('a value of the wrong kind is named with its path, and stops the value checks (which would crash on it)', () => {
    expect(configProblems(withValues({ streaming: { alertEmails: 'a@example.com' } }))).toEqual([
      'streaming.alertEmails: "a@example.com" is not allowed; expected a list (JSON array) of values',
    ]);
    expect(configProblems(withValues({ lake: 'x' }))[0]).toMatch(
      /^lake: "x" is not allowed; expected an object with the keys glueDatabaseName, /
    );
    expect(configProblems(withValues({ warehouse: { port: { n: 1 } } }))).toEqual([
      'warehouse.port: {"n":1} is not allowed; expected a single value (string, number or boolean)',
    ]);
  });

  it('declares exactly the keys of the shipped configs (every key of every named config is allowed)', () => {
    expect(Object.keys(PLATFORM_KEYS).sort()).toEqual(Object.keys(DEFAULT_CONFIG).sort());
  });
});

describe('region, tags', () => {
  it('the region must be one AWS offers', () => {
    expect(AWS_REGIONS.aws).toContain('ap-northeast-2');
    const [p] = configProblems(withValues({ env: { region: 'ap-northeast-9' } }));
    expect(p).toMatch(
      /^env\.region: "ap-northeast-9" is not allowed; expected an AWS region that AWS offers \(af-south-1, /
    );
    expect(configProblems(withValues({ env: { region: 'eu-central-2' } }))).toEqual([]);
    expect(configProblems(withValues({ env: { region: 'cn-north-1' } }))).toEqual([]);
  });

  it('aws: tag keys are reserved; keys and values follow the tagging rules', () => {
    expect(configProblems(withValues({ tags: { 'AWS:owner': 'me' } }))).toEqual([
      'tags.AWS:owner: "AWS:owner" is not allowed; the "aws:" prefix is reserved for AWS; choose another tag key',
    ]);
    expect(configProblems(withValues({ tags: { 'cost-center': 'factory 7/line:2' } }))).toEqual([]);
    expect(configProblems(withValues({ tags: { owner: 'a'.repeat(257) } }))[0]).toMatch(/^tags\.owner: .*0-256/);
    expect(configProblems(withValues({ tags: { 'k#': 'v' } }))[0]).toMatch(/^tags\.k#: .*tag key of 1-128/);
  });
});

describe('per-account values from a file or context (loadConfig overrides)', () => {
  it('merges objects key by key and replaces lists; the named config stays untouched', () => {
    const c = loadConfig('dev', {
      overrides: [
        {
          source: 'acct.json',
          values: { operationsEmails: ['ops@example.com'], streaming: { alertEmails: ['a@example.com'] } },
        },
        { source: 'context configOverrides', values: { streaming: { alertEmails: ['b@example.com'] } } },
      ],
    });
    expect(c.name).toBe('dev');
    expect(c.operationsEmails).toEqual(['ops@example.com']);
    expect(c.streaming.alertEmails).toEqual(['b@example.com']);
    expect(c.streaming.anomalyAlertThreshold).toBe(DEFAULT_CONFIG.streaming.anomalyAlertThreshold);
    expect(c.warehouse.nodeType).toBe('ra3.xlplus');
    expect(DEFAULT_CONFIG.operationsEmails).toEqual([]);
  });

  it('account: CDK_DEPLOY_ACCOUNT, then the override file, then the CLI credentials (CDK_DEFAULT_ACCOUNT)', () => {
    const file = { source: 'acct.json', values: { env: { account: '111111111111' } } };
    expect(loadConfig('default', { defaultAccount: '222222222222' }).env.account).toBe('222222222222');
    expect(loadConfig('default', { defaultAccount: '222222222222', overrides: [file] }).env.account).toBe(
      '111111111111'
    );
    expect(loadConfig('default', { account: '333333333333', overrides: [file] }).env.account).toBe('333333333333');
    expect(loadConfig('default', { region: 'eu-west-1' }).env.region).toBe('eu-west-1');
  });

  it('errors name the source and list every problem once', () => {
    try {
      loadConfig('default', {
        overrides: [{ source: 'acct.json', values: { operationsEmails: ['nope'], lake: { x: 1 } } }],
      });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      const lines = (e as ConfigError).message.split('\n');
      expect(lines[0]).toBe('Invalid platform configuration "default" (with overrides from "acct.json"):');
      expect(lines.slice(1)).toEqual([
        expect.stringMatching(/^ {2}- lake\.x: unknown key; /),
        '  - operationsEmails[0]: "nope" is not allowed; expected an e-mail address',
      ]);
    }
    expect(problemsOf('default', ['a'])).toEqual(['test.json: expected a JSON object (a partial configuration)']);
    expect(problemsOf('default', { name: 'prod' })[0]).toMatch(/^test\.json: name: cannot be overridden/);
  });
});

describe('bin/app.ts on a configuration error', () => {
  it('prints the list of problems once, without a Node stack trace, and exits 1', () => {
    const r = spawnSync(join('node_modules', '.bin', 'tsx'), ['bin/app.ts'], {
      encoding: 'utf8',
      env: {
        ...process.env,
        CDK_CONTEXT_JSON: JSON.stringify({ configOverrides: { streaming: { mobilePushSecretARN: 'x' } } }),
      },
    });
    expect(r.status).toBe(1);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toEqual([
      'Invalid platform configuration "default" (with overrides from "context configOverrides"):',
      expect.stringMatching(
        /^ {2}- streaming\.mobilePushSecretARN: unknown key \(did you mean mobilePushSecretArn\?\)/
      ),
    ]);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout).toBe('');
  });
});
