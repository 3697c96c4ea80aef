import { DEFAULT_ALERT_GRADE } from '@smart-factory/rcf';
import type { PlatformConfig } from './types';

/** The seed's platform: a Korean smart factory in Seoul (ap-northeast-2), the seed's warehouse and model. */
export const DEFAULT_CONFIG: PlatformConfig = {
  name: 'default',
  stackPrefix: 'SmartFactory',
  env: { region: 'ap-northeast-2' },
  timeZone: 'Asia/Seoul',
  dataRemoval: 'retain',
  operationsEmails: [],
  tags: { project: 'smart-factory', 'managed-by': 'cdk' },
  lake: {
    glueDatabaseName: 'smartfactory_analytics',
    rawInfrequentAccessAfterDays: 30,
    rawGlacierAfterDays: 180,
    noncurrentVersionExpirationDays: 90,
    abortIncompleteMultipartUploadAfterDays: 7,
    accessLogRetentionDays: 365,
  },
  warehouse: {
    nodeType: 'ra3.4xlarge',
    numberOfNodes: 3,
    databaseName: 'smartfactory',
    masterUsername: 'sfadmin',
    port: 5440,
    userGroups: { etl: 'ETL_User', bi: 'BI_Report_User', analytics: 'Analytics_User' },
    resizeSchedules: [
      { name: 'etl-daily-up', localTime: '01:00', nodes: 12 },
      { name: 'etl-daily-down', localTime: '06:00', nodes: 3 },
      { name: 'etl-servingdata-up', localTime: '19:00', nodes: 6 },
      { name: 'etl-servingdata-down', localTime: '23:00', nodes: 3 },
    ],
    hotColdBoundaryMonths: 6,
    snapshotRetentionDays: 7,
  },
  etl: {
    dailyRunLocalTime: '01:10',
    sparkWorkers: 2,
    failureHorizonHours: 24,
    featureLookbackDays: 90,
  },
  streaming: {
    // The alert grade that goes with the detector's defaults (chosen once by NAB's corpus-style optimisation over
    // seven files, checked by the robustness tests): packages/rcf DEFAULT_ALERT_GRADE.
    anomalyAlertThreshold: DEFAULT_ALERT_GRADE,
    alertCooldownSeconds: 600,
    alertEmails: [],
    streamMode: 'on-demand',
    shardCount: 1,
    maxRetryAttempts: 5,
    maxRecordAgeSeconds: 3600,
    iteratorAgeAlarmSeconds: 300,
    devices: 1000,
    checkpointIntervalSeconds: 60,
    // ---- Devices and phones (issue 17) ----
    factoryId: 'factory-1',
    iot: { enabled: true },
    mobileRegistration: { enabled: false, maxDevicesPerUser: 10 },
  },
  ml: {
    hyperparameters: {
      objective: 'binary:logistic',
      booster: 'gbtree',
      eval_metric: 'auc',
      scale_pos_weight: 10,
      eta: 0.05,
      max_depth: 5,
      subsample: 0.7,
      colsample_bytree: 0.7,
      num_round: 25,
    },
    classificationThreshold: 0.5,
    minValidationAuc: 0.8,
    retrainCron: 'cron(0 3 ? * SUN *)',
    // The seed trained on SEED_TRAINING_INSTANCE_TYPE (ml.m4.xlarge, previous generation); m5 is the current general
    // purpose type with the same 4 vCPU / 16 GiB. Set ml.trainingInstanceType to the seed's to reproduce it exactly.
    trainingInstanceType: 'ml.m5.xlarge',
    maxTrainingMinutes: 60,
    endpointInstanceType: 'ml.m5.large',
    endpointInstanceCount: 1,
    manifestCacheSeconds: 300,
  },
  // BI (issue 16): off until the account has a QuickSight subscription and principals to own the assets.
  bi: {
    enabled: false,
    namespace: 'default',
    ownerArns: [],
    viewerArns: [],
    importMode: 'SPICE',
    refreshLocalTime: '07:00',
    databaseUser: 'bi_quicksight',
  },
};

/**
 * A small, cheap development platform: 2 × ra3.xlplus, no resize schedule, the warehouse paused outside 08:00-20:00 on
 * weekdays, data destroyed with the stacks.
 */
export const DEV_CONFIG: PlatformConfig = {
  ...DEFAULT_CONFIG,
  name: 'dev',
  stackPrefix: 'SmartFactoryDev',
  dataRemoval: 'destroy',
  // Physical names that CloudFormation cannot generate differ from default's, so both fit in one account and region.
  lake: { ...DEFAULT_CONFIG.lake, glueDatabaseName: 'smartfactorydev_analytics' },
  warehouse: {
    ...DEFAULT_CONFIG.warehouse,
    nodeType: 'ra3.xlplus',
    numberOfNodes: 2,
    resizeSchedules: [],
    // Cheap to leave running (issue 11): paused nights and weekends, when a paused RA3 cluster bills storage only.
    pauseSchedule: { resumeLocalTime: '08:00', pauseLocalTime: '20:00', weekdaysOnly: true },
    snapshotRetentionDays: 1,
  },
  // The daily ETL needs the cluster running: after the 08:00 resume instead of the default 01:10.
  etl: { ...DEFAULT_CONFIG.etl, dailyRunLocalTime: '08:30' },
  // A test bench of a few devices: the anomaly path is sized down to them.
  streaming: { ...DEFAULT_CONFIG.streaming, devices: 20 },
  ml: { ...DEFAULT_CONFIG.ml, retrainCron: undefined },
};

/** Placeholder account of the `full` configuration's example ARNs (replace them before deploying `full`). */
export const PLACEHOLDER_ACCOUNT = '123456789012';

/**
 * Every optional feature switched on, with placeholder ARNs where a real one is needed, so CI synthesizes (and
 * cdk-nag / cfn-lint check) all of the platform, not only the defaults. Synthesize it with an account set
 * (`CDK_DEFAULT_ACCOUNT=123456789012 npx cdk synth -c config=full`). Features added later belong here too.
 */
export const FULL_CONFIG: PlatformConfig = {
  ...DEFAULT_CONFIG,
  name: 'full',
  stackPrefix: 'SmartFactoryFull',
  lake: { ...DEFAULT_CONFIG.lake, glueDatabaseName: 'smartfactoryfull_analytics' },
  operationsEmails: ['operations@example.com'],
  streaming: {
    ...DEFAULT_CONFIG.streaming,
    alertEmails: ['alerts@example.com'],
    mobilePushSecretArn: `arn:aws:secretsmanager:ap-northeast-2:${PLACEHOLDER_ACCOUNT}:secret:smart-factory/mobile-push-AbCdEf`,
    iot: { enabled: true },
    mobileRegistration: { ...DEFAULT_CONFIG.streaming.mobileRegistration, enabled: true },
  },
  bi: {
    ...DEFAULT_CONFIG.bi,
    enabled: true,
    ownerArns: [`arn:aws:quicksight:ap-northeast-2:${PLACEHOLDER_ACCOUNT}:group/default/bi-authors`],
    viewerArns: [`arn:aws:quicksight:ap-northeast-2:${PLACEHOLDER_ACCOUNT}:group/default/bi-readers`],
  },
};

/** Named configurations, selected with `cdk synth -c config=<name>`. */
export const CONFIGS: Readonly<Record<string, PlatformConfig>> = {
  default: DEFAULT_CONFIG,
  dev: DEV_CONFIG,
  full: FULL_CONFIG,
};

// --- issue 13: the seed's training instance ----------------------------------------------------------------------
/** The seed's training instance type, a documented alternative for `ml.trainingInstanceType`. */
export const SEED_TRAINING_INSTANCE_TYPE = 'ml.m4.xlarge';
