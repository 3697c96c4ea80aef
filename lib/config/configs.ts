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
    anomalyAlertThreshold: 0.7,
    alertCooldownSeconds: 600,
    alertEmails: [],
    streamMode: 'on-demand',
    shardCount: 1,
    maxRetryAttempts: 5,
    maxRecordAgeSeconds: 3600,
    iteratorAgeAlarmSeconds: 300,
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
    trainingInstanceType: 'ml.m5.xlarge',
    maxTrainingMinutes: 60,
    endpointInstanceType: 'ml.m5.large',
    endpointInstanceCount: 1,
    manifestCacheSeconds: 300,
  },
};

/** A small, cheap development platform: 2 × ra3.xlplus, no resize schedule, data destroyed with the stacks. */
export const DEV_CONFIG: PlatformConfig = {
  ...DEFAULT_CONFIG,
  name: 'dev',
  stackPrefix: 'SmartFactoryDev',
  dataRemoval: 'destroy',
  warehouse: {
    ...DEFAULT_CONFIG.warehouse,
    nodeType: 'ra3.xlplus',
    numberOfNodes: 2,
    resizeSchedules: [],
    snapshotRetentionDays: 1,
  },
  ml: { ...DEFAULT_CONFIG.ml, retrainCron: undefined },
};

/** Named configurations, selected with `cdk synth -c config=<name>`. */
export const CONFIGS: Readonly<Record<string, PlatformConfig>> = {
  default: DEFAULT_CONFIG,
  dev: DEV_CONFIG,
};
