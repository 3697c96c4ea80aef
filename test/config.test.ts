import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { testPlatform } from './helpers/app';
import {
  CONFIGS,
  ConfigError,
  configProblems,
  DEFAULT_CONFIG,
  DEV_CONFIG,
  elasticResizeRange,
  loadConfig,
  type PlatformConfig,
  SEED_TRAINING_INSTANCE_TYPE,
  validateConfig,
} from '../lib/config';
import { NODE_TYPE_LIMITS } from '../lib/config/redshift-limits';

type Mutable<T> = { -readonly [K in keyof T]: T[K] extends object ? Mutable<T[K]> : T[K] };
const clone = (): Mutable<PlatformConfig> => structuredClone(DEFAULT_CONFIG) as Mutable<PlatformConfig>;

describe('embedded default config (the seed)', () => {
  it('is valid and carries the seed values', () => {
    expect(configProblems(DEFAULT_CONFIG)).toEqual([]);
    expect(DEFAULT_CONFIG.env.region).toBe('ap-northeast-2');
    expect(DEFAULT_CONFIG.timeZone).toBe('Asia/Seoul');
    expect(DEFAULT_CONFIG.lake.glueDatabaseName).toBe('smartfactory_analytics');
    expect(DEFAULT_CONFIG.warehouse.userGroups).toEqual({
      etl: 'ETL_User',
      bi: 'BI_Report_User',
      analytics: 'Analytics_User',
    });
    expect(DEFAULT_CONFIG.warehouse.resizeSchedules.map((s) => [s.localTime, s.nodes])).toEqual([
      ['01:00', 12],
      ['06:00', 3],
      ['19:00', 6],
      ['23:00', 3],
    ]);
    expect(DEFAULT_CONFIG.warehouse.hotColdBoundaryMonths).toBe(6);
    expect(DEFAULT_CONFIG.ml.hyperparameters).toEqual({
      objective: 'binary:logistic',
      booster: 'gbtree',
      eval_metric: 'auc',
      scale_pos_weight: 10,
      eta: 0.05,
      max_depth: 5,
      subsample: 0.7,
      colsample_bytree: 0.7,
      num_round: 25,
    });
    expect(DEFAULT_CONFIG.ml.classificationThreshold).toBe(0.5);
    expect(DEFAULT_CONFIG.dataRemoval).toBe('retain');
  });
  it('every named config is valid', () => {
    for (const c of Object.values(CONFIGS)) expect(configProblems(c), c.name).toEqual([]);
  });
});

describe('validation names the field, the bad value and what is allowed', () => {
  const cases: [string, (c: Mutable<PlatformConfig>) => void, RegExp][] = [
    [
      'unknown time zone',
      (c) => (c.timeZone = 'Asia/Seul'),
      /^timeZone: "Asia\/Seul" is not allowed; expected an IANA time zone/,
    ],
    ['region', (c) => (c.env.region = 'seoul'), /^env\.region: "seoul" .*AWS region/],
    ['account', (c) => (c.env.account = '123'), /^env\.account: "123" .*12-digit/],
    [
      'resize above the elastic limit',
      (c) => (c.warehouse.resizeSchedules[0]!.nodes = 13),
      /^warehouse\.resizeSchedules\[0\]\.nodes: 13 is not allowed; elastic resize of a 3-node ra3\.4xlarge cluster \(numberOfNodes, at creation\) reaches 2 to 12 nodes$/m,
    ],
    [
      'resize of ra3.xlplus beyond 2x',
      (c) => {
        c.warehouse.nodeType = 'ra3.xlplus';
      },
      /resizeSchedules\[0\]\.nodes: 12 .* 3-node ra3\.xlplus cluster \(numberOfNodes, at creation\) reaches 2 to 6 nodes/,
    ],
    [
      'a resize below a quarter of the count before it (limits apply per transition, not to the created size)',
      (c) => (c.warehouse.resizeSchedules[1]!.nodes = 2),
      /^warehouse\.resizeSchedules\[1\]\.nodes: 2 is not allowed; elastic resize of a 12-node ra3\.4xlarge cluster \(after etl-daily-up\) reaches 3 to 48 nodes$/m,
    ],
    [
      'ra3.4xlarge created above 32 nodes',
      (c) => (c.warehouse.numberOfNodes = 40),
      /^warehouse\.numberOfNodes: 40 .*from 2 to 32/m,
    ],
    ['single node', (c) => (c.warehouse.numberOfNodes = 1), /^warehouse\.numberOfNodes: 1 .*from 2 to 32/],
    [
      'unknown node type',
      (c) => (c.warehouse.nodeType = 'dc2.large' as never),
      /^warehouse\.nodeType: "dc2\.large" .*ra3\.large, ra3\.xlplus/,
    ],
    [
      'bad local time',
      (c) => (c.warehouse.resizeSchedules[1]!.localTime = '24:00'),
      /resizeSchedules\[1\]\.localTime: "24:00" .*HH:MM/,
    ],
    [
      'duplicate schedule name',
      (c) => (c.warehouse.resizeSchedules[1]!.name = 'etl-daily-up'),
      /resizeSchedules\[1\]\.name: "etl-daily-up" .*not used by another/,
    ],
    ['default port', (c) => (c.warehouse.port = 5439), /^warehouse\.port: 5439 .*other than the default 5439/],
    ['awsuser', (c) => (c.warehouse.masterUsername = 'awsuser'), /^warehouse\.masterUsername: "awsuser"/],
    [
      'alert threshold above 1',
      (c) => (c.streaming.anomalyAlertThreshold = 1.5),
      /^streaming\.anomalyAlertThreshold: 1\.5 .*\(0, 1\]/,
    ],
    [
      'classification threshold below 0',
      (c) => (c.ml.classificationThreshold = -0.1),
      /^ml\.classificationThreshold: -0\.1 .*\[0, 1\]/,
    ],
    ['min AUC NaN', (c) => (c.ml.minValidationAuc = NaN), /^ml\.minValidationAuc: null .*\[0, 1\]/],
    ['eta', (c) => (c.ml.hyperparameters.eta = 2), /^ml\.hyperparameters\.eta: 2/],
    [
      'num_round',
      (c) => (c.ml.hyperparameters.num_round = 2.5),
      /^ml\.hyperparameters\.num_round: 2\.5 .*whole number/,
    ],
    [
      'glue database name',
      (c) => (c.lake.glueDatabaseName = 'Smart-Factory'),
      /^lake\.glueDatabaseName: "Smart-Factory"/,
    ],
    ['glacier before IA', (c) => (c.lake.rawGlacierAfterDays = 20), /^lake\.rawGlacierAfterDays: 20 .*more days than/],
    ['alert e-mail', (c) => (c.streaming.alertEmails = ['ops']), /^streaming\.alertEmails\[0\]: "ops"/],
    ['push secret', (c) => (c.streaming.mobilePushSecretArn = 'fcm'), /^streaming\.mobilePushSecretArn: "fcm"/],
    [
      'stream retries',
      (c) => (c.streaming.maxRetryAttempts = -1),
      /^streaming\.maxRetryAttempts: -1 .*from 0 to 10000/,
    ],
    [
      'record age',
      (c) => (c.streaming.maxRecordAgeSeconds = 30),
      /^streaming\.maxRecordAgeSeconds: 30 .*from 60 to 604800/,
    ],
    ['iterator age alarm', (c) => (c.streaming.iteratorAgeAlarmSeconds = 0), /^streaming\.iteratorAgeAlarmSeconds: 0 /],
    ['device count', (c) => (c.streaming.devices = 0), /^streaming\.devices: 0 .*from 1 to 10000/],
    ['device count (too many)', (c) => (c.streaming.devices = 10_001), /^streaming\.devices: 10001 .*from 1 to 10000/],
    ['device count (fraction)', (c) => (c.streaming.devices = 2.5), /^streaming\.devices: 2\.5 /],
    [
      'checkpoint interval',
      (c) => (c.streaming.checkpointIntervalSeconds = 5),
      /^streaming\.checkpointIntervalSeconds: 5 .*from 10 to 3600/,
    ],
    // ---- Devices and phones (issue 17) ----
    ['factory id', (c) => (c.streaming.factoryId = 'Seoul 1'), /^streaming\.factoryId: "Seoul 1"/],
    [
      'iot switch',
      (c) => ((c.streaming.iot as { enabled: unknown }).enabled = 'yes'),
      /^streaming\.iot\.enabled: "yes"/,
    ],
    [
      'mobile registration without push application',
      (c) => (c.streaming.mobileRegistration.enabled = true),
      /^streaming\.mobileRegistration\.enabled: true .*needs streaming\.mobilePushSecretArn/,
    ],
    [
      'phones per user',
      (c) => (c.streaming.mobileRegistration.maxDevicesPerUser = 0),
      /^streaming\.mobileRegistration\.maxDevicesPerUser: 0 .*from 1 to 100/,
    ],
    ['retrain cron', (c) => (c.ml.retrainCron = '0 3 * * 0'), /^ml\.retrainCron: "0 3 \* \* 0"/],
    ['etl run time', (c) => (c.etl.dailyRunLocalTime = '1:10'), /^etl\.dailyRunLocalTime: "1:10" .*HH:MM/],
    ['etl spark workers', (c) => (c.etl.sparkWorkers = 1), /^etl\.sparkWorkers: 1 .*from 2 to 299/],
    ['etl horizon', (c) => (c.etl.failureHorizonHours = 0), /^etl\.failureHorizonHours: 0 .*whole number from 1/],
    ['etl lookback', (c) => (c.etl.featureLookbackDays = 1.5), /^etl\.featureLookbackDays: 1\.5 .*whole number/],
    ['training instance', (c) => (c.ml.trainingInstanceType = 'm5.xlarge'), /^ml\.trainingInstanceType: "m5\.xlarge"/],
    ['endpoint instance', (c) => (c.ml.endpointInstanceType = 'ML.M5'), /^ml\.endpointInstanceType: "ML\.M5"/],
    ['max training minutes', (c) => (c.ml.maxTrainingMinutes = 0), /^ml\.maxTrainingMinutes: 0 .*whole number/],
    ['endpoint count', (c) => (c.ml.endpointInstanceCount = 1.5), /^ml\.endpointInstanceCount: 1\.5/],
    ['manifest cache', (c) => (c.ml.manifestCacheSeconds = -1), /^ml\.manifestCacheSeconds: -1/],
    ['data removal', (c) => (c.dataRemoval = 'delete' as never), /^dataRemoval: "delete" .*"retain" or "destroy"/],
  ];
  it.each(cases)('%s', (_name, mutate, expected) => {
    const c = clone();
    mutate(c);
    const problems = configProblems(c);
    expect(
      problems.some((p) => expected.test(p)),
      problems.join('\n')
    ).toBe(true);
    expect(() => validateConfig(c)).toThrow(ConfigError);
  });

  it('reports every problem at once, one per line', () => {
    const c = clone();
    c.timeZone = 'Mars/Olympus';
    c.ml.classificationThreshold = 2;
    const err = (() => {
      try {
        validateConfig(c);
      } catch (e) {
        return e as ConfigError;
      }
      throw new Error('expected a ConfigError');
    })();
    expect(err.problems).toHaveLength(2);
    expect(err.message).toContain('Invalid platform configuration "default":\n  - timeZone');
  });
});

describe('loadConfig', () => {
  it('selects a named config and applies account/region overrides', () => {
    const c = loadConfig('dev', { account: '123456789012', region: 'eu-west-1' });
    expect(c.name).toBe('dev');
    expect(c.env).toEqual({ account: '123456789012', region: 'eu-west-1' });
  });
  it('rejects an unknown config name listing the known ones', () => {
    expect(() => loadConfig('prod')).toThrow(
      /config: "prod" is not a known configuration; expected one of default, dev/
    );
  });
});

describe('elasticResizeRange', () => {
  it('follows the RA3 limits', () => {
    expect(elasticResizeRange('ra3.4xlarge', 3)).toEqual({ min: 2, max: 12 });
    expect(elasticResizeRange('ra3.xlplus', 2)).toEqual({ min: 2, max: 4 });
    expect(elasticResizeRange('ra3.16xlarge', 40)).toEqual({ min: 10, max: 128 });
    // ra3.4xlarge: created with at most 32 nodes, elastic resize to at most 64 (Management Guide, RA3 table)
    expect(elasticResizeRange('ra3.4xlarge', 32)).toEqual({ min: 8, max: 64 });
    expect(NODE_TYPE_LIMITS['ra3.4xlarge']).toMatchObject({ maxCreateNodes: 32, maxNodes: 64 });
  });
});

// --- issue 13: the seed's training instance ----------------------------------------------------------------------
describe("ml.trainingInstanceType: the seed's ml.m4.xlarge is a valid alternative", () => {
  it('validates and reaches the training job', () => {
    const config = {
      ...DEFAULT_CONFIG,
      ml: { ...DEFAULT_CONFIG.ml, trainingInstanceType: SEED_TRAINING_INSTANCE_TYPE },
    };
    expect(SEED_TRAINING_INSTANCE_TYPE).toBe('ml.m4.xlarge');
    expect(DEFAULT_CONFIG.ml.trainingInstanceType).toBe('ml.m5.xlarge');
    expect(() => validateConfig(config)).not.toThrow();
    const { platform } = testPlatform(config);
    const sm = Template.fromStack(platform.ml).findResources('AWS::StepFunctions::StateMachine');
    expect(JSON.stringify(sm)).toContain('\\"InstanceType\\":\\"ml.m4.xlarge\\"');
  }, 240_000);
});

describe('warehouse.pauseSchedule (issue 11)', () => {
  const dev = (): Mutable<PlatformConfig> => structuredClone(DEV_CONFIG) as Mutable<PlatformConfig>;
  const ps = (c: Mutable<PlatformConfig>) =>
    c.warehouse.pauseSchedule as { pauseLocalTime: string; resumeLocalTime: string; weekdaysOnly?: unknown };
  it('dev pauses at 20:00 and resumes at 08:00 on weekdays; default has no pause schedule', () => {
    expect(DEV_CONFIG.warehouse.pauseSchedule).toEqual({
      resumeLocalTime: '08:00',
      pauseLocalTime: '20:00',
      weekdaysOnly: true,
    });
    expect(DEFAULT_CONFIG.warehouse.pauseSchedule).toBeUndefined();
    expect(configProblems(DEV_CONFIG)).toEqual([]);
  });

  const cases: [string, (c: Mutable<PlatformConfig>) => void, RegExp][] = [
    [
      'pause time not HH:MM',
      (c) => (ps(c).pauseLocalTime = '8pm'),
      /^warehouse\.pauseSchedule\.pauseLocalTime: "8pm" is not allowed; expected HH:MM \(24-hour local time\)$/m,
    ],
    [
      'resume time out of range',
      (c) => (ps(c).resumeLocalTime = '24:00'),
      /^warehouse\.pauseSchedule\.resumeLocalTime: "24:00" is not allowed; expected HH:MM/m,
    ],
    [
      'pause equal to resume',
      (c) => (ps(c).pauseLocalTime = '08:00'),
      /^warehouse\.pauseSchedule\.pauseLocalTime: "08:00" is not allowed; expected a time other than resumeLocalTime$/m,
    ],
    [
      'weekdaysOnly not a boolean',
      (c) => (ps(c).weekdaysOnly = 'yes'),
      /^warehouse\.pauseSchedule\.weekdaysOnly: "yes" is not allowed; expected true or false/m,
    ],
    [
      'together with resize schedules',
      (c) => (c.warehouse.resizeSchedules = [{ name: 'up', localTime: '09:00', nodes: 4 }]),
      /^warehouse\.pauseSchedule: .* is not allowed; not allowed together with warehouse\.resizeSchedules \(a paused cluster cannot be resized\)/m,
    ],
    [
      'the daily ETL starting while the cluster is paused',
      (c) => (c.etl.dailyRunLocalTime = '01:10'),
      /^etl\.dailyRunLocalTime: "01:10" is not allowed; expected a time while the warehouse runs \(from warehouse\.pauseSchedule\.resumeLocalTime 08:00 to pauseLocalTime 20:00\)$/m,
    ],
  ];
  it.each(cases)('%s', (_name, mutate, message) => {
    const c = dev();
    mutate(c);
    expect(configProblems(c).join('\n')).toMatch(message);
    expect(() => validateConfig(c)).toThrow(/Invalid platform configuration "dev"/);
  });

  it('a running window across midnight is valid (resume 18:00, pause 02:00, ETL at 01:10)', () => {
    const c = dev();
    c.warehouse.pauseSchedule = { resumeLocalTime: '18:00', pauseLocalTime: '02:00' };
    c.etl.dailyRunLocalTime = '01:10';
    expect(configProblems(c)).toEqual([]);
  });

  it('an unknown key in pauseSchedule is reported with the allowed keys', () => {
    const c = dev() as unknown as { warehouse: { pauseSchedule: Record<string, unknown> } };
    c.warehouse.pauseSchedule['weekdayOnly'] = true;
    expect(configProblems(c as unknown as PlatformConfig)).toEqual([
      expect.stringMatching(
        /^warehouse\.pauseSchedule\.weekdayOnly: unknown key \(did you mean weekdaysOnly\?\); the keys allowed in warehouse\.pauseSchedule are pauseLocalTime, resumeLocalTime, weekdaysOnly$/
      ),
    ]);
  });
});
