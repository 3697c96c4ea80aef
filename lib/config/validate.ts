import { elasticResizeRange, NODE_TYPE_LIMITS } from './redshift-limits';
import type { PlatformConfig, ResizeSchedule } from './types';

/** A configuration that cannot be deployed; the message lists every problem, one per line, each naming its field. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly configName: string,
    readonly problems: readonly string[]
  ) {
    super(`Invalid platform configuration "${configName}":\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

const REGION = /^[a-z]{2}(-gov)?-[a-z]+-\d$/;
const ACCOUNT = /^\d{12}$/;
const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
const GLUE_NAME = /^[a-z0-9_]{1,255}$/;
const SCHEDULE_NAME = /^[a-z0-9-]{1,64}$/;
const REDSHIFT_IDENT = /^[a-z][a-z0-9_]{0,126}$/;
const REDSHIFT_GROUP = /^[A-Za-z_][A-Za-z0-9_]{0,126}$/;
const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$/;
const SCHEDULER_CRON = /^cron\(\S+ \S+ \S+ \S+ \S+ \S+\)$/;
const SAGEMAKER_INSTANCE = /^ml\.[a-z0-9]+\.[a-z0-9]+$/;
const STACK_PREFIX = /^[A-Za-z][A-Za-z0-9]{0,63}$/;

/** True when `tz` is an IANA time zone known to the runtime (the same database EventBridge Scheduler uses). */
export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return tz.length > 0 && !/^[+-]/.test(tz);
  } catch {
    return false;
  }
}

/** Collects every problem of `c`; empty when the config is valid. */
export function configProblems(c: PlatformConfig): string[] {
  const p: string[] = [];
  const fail = (field: string, value: unknown, allowed: string) =>
    p.push(`${field}: ${JSON.stringify(value)} is not allowed; ${allowed}`);
  const int = (field: string, v: number, min: number, max: number) => {
    if (!Number.isInteger(v) || v < min || v > max) fail(field, v, `expected a whole number from ${min} to ${max}`);
  };
  const unit = (field: string, v: number, lo: 'open' | 'closed' = 'closed') => {
    const ok = Number.isFinite(v) && (lo === 'closed' ? v >= 0 : v > 0) && v <= 1;
    if (!ok) fail(field, v, `expected a number in ${lo === 'closed' ? '[0, 1]' : '(0, 1]'}`);
  };

  if (!STACK_PREFIX.test(c.stackPrefix)) fail('stackPrefix', c.stackPrefix, 'expected PascalCase letters and digits');
  if (!REGION.test(c.env.region)) fail('env.region', c.env.region, 'expected an AWS region such as ap-northeast-2');
  if (c.env.account !== undefined && !ACCOUNT.test(c.env.account)) {
    fail('env.account', c.env.account, 'expected a 12-digit AWS account id, or omit it');
  }
  if (!isTimeZone(c.timeZone)) fail('timeZone', c.timeZone, 'expected an IANA time zone such as Asia/Seoul');
  if (c.dataRemoval !== 'retain' && c.dataRemoval !== 'destroy') {
    fail('dataRemoval', c.dataRemoval, 'expected "retain" or "destroy"');
  }
  c.operationsEmails.forEach((e, i) => {
    if (!EMAIL.test(e)) fail(`operationsEmails[${i}]`, e, 'expected an e-mail address');
  });

  // Lake
  const l = c.lake;
  if (!GLUE_NAME.test(l.glueDatabaseName)) {
    fail('lake.glueDatabaseName', l.glueDatabaseName, 'expected 1-255 characters of [a-z0-9_]');
  }
  int('lake.rawInfrequentAccessAfterDays', l.rawInfrequentAccessAfterDays, 30, 3650);
  int('lake.rawGlacierAfterDays', l.rawGlacierAfterDays, 1, 3650);
  if (Number.isInteger(l.rawGlacierAfterDays) && l.rawGlacierAfterDays <= l.rawInfrequentAccessAfterDays) {
    fail(
      'lake.rawGlacierAfterDays',
      l.rawGlacierAfterDays,
      'expected more days than lake.rawInfrequentAccessAfterDays'
    );
  }
  int('lake.noncurrentVersionExpirationDays', l.noncurrentVersionExpirationDays, 1, 3650);
  int('lake.abortIncompleteMultipartUploadAfterDays', l.abortIncompleteMultipartUploadAfterDays, 1, 365);
  int('lake.accessLogRetentionDays', l.accessLogRetentionDays, 1, 3650);

  // Warehouse
  const w = c.warehouse;
  const limits = NODE_TYPE_LIMITS[w.nodeType];
  if (!limits) {
    fail('warehouse.nodeType', w.nodeType, `expected one of ${Object.keys(NODE_TYPE_LIMITS).join(', ')}`);
  } else {
    int('warehouse.numberOfNodes', w.numberOfNodes, limits.minNodes, limits.maxCreateNodes);
  }
  if (!REDSHIFT_IDENT.test(w.databaseName)) {
    fail('warehouse.databaseName', w.databaseName, 'expected a lower-case identifier of up to 127 characters');
  }
  if (!REDSHIFT_IDENT.test(w.masterUsername) || w.masterUsername === 'awsuser') {
    fail('warehouse.masterUsername', w.masterUsername, 'expected a lower-case identifier other than "awsuser"');
  }
  int('warehouse.port', w.port, 1150, 65535);
  if (w.port === 5439) fail('warehouse.port', w.port, 'expected a port other than the default 5439');
  for (const [k, g] of Object.entries(w.userGroups)) {
    if (!REDSHIFT_GROUP.test(g)) fail(`warehouse.userGroups.${k}`, g, 'expected a Redshift identifier');
  }
  int('warehouse.hotColdBoundaryMonths', w.hotColdBoundaryMonths, 1, 120);
  int('warehouse.snapshotRetentionDays', w.snapshotRetentionDays, 1, 35);
  const seenNames = new Set<string>();
  const seenTimes = new Map<string, string>();
  w.resizeSchedules.forEach((s, i) => {
    const f = `warehouse.resizeSchedules[${i}]`;
    if (!SCHEDULE_NAME.test(s.name)) fail(`${f}.name`, s.name, 'expected 1-64 characters of [a-z0-9-]');
    if (seenNames.has(s.name)) fail(`${f}.name`, s.name, 'expected a name not used by another schedule');
    seenNames.add(s.name);
    if (!HHMM.test(s.localTime)) fail(`${f}.localTime`, s.localTime, 'expected HH:MM (24-hour local time)');
    const other = seenTimes.get(s.localTime);
    if (other) fail(`${f}.localTime`, s.localTime, `expected a time not already used by schedule "${other}"`);
    seenTimes.set(s.localTime, s.name);
  });
  // Elastic-resize limits apply to the count before each resize: check every transition of the daily cycle (the
  // first resize of the day starts from the last one's size; the cluster is created with numberOfNodes).
  if (limits && Number.isInteger(w.numberOfNodes) && w.resizeSchedules.every((s) => HHMM.test(s.localTime))) {
    const order = w.resizeSchedules.map((s, i) => ({ s, i })).sort((a, b) => (a.s.localTime < b.s.localTime ? -1 : 1));
    const check = (from: number, fromWhat: string, to: { s: ResizeSchedule; i: number }) => {
      const range = elasticResizeRange(w.nodeType, from);
      if (!Number.isInteger(to.s.nodes) || to.s.nodes < range.min || to.s.nodes > range.max) {
        fail(
          `warehouse.resizeSchedules[${to.i}].nodes`,
          to.s.nodes,
          `elastic resize of a ${from}-node ${w.nodeType} cluster (${fromWhat}) reaches ${range.min} to ${range.max} nodes`
        );
      }
    };
    if (order.length) check(w.numberOfNodes, 'numberOfNodes, at creation', order[0]!);
    order.forEach((to, k) => {
      const prev = order[(k - 1 + order.length) % order.length]!;
      if (order.length > 1) check(prev.s.nodes, `after ${prev.s.name}`, to);
    });
  }

  // ETL
  const e = c.etl;
  if (!HHMM.test(e.dailyRunLocalTime)) {
    fail('etl.dailyRunLocalTime', e.dailyRunLocalTime, 'expected HH:MM (24-hour local time)');
  }
  int('etl.sparkWorkers', e.sparkWorkers, 2, 299);
  int('etl.failureHorizonHours', e.failureHorizonHours, 1, 24 * 90);
  int('etl.featureLookbackDays', e.featureLookbackDays, 1, 3650);

  // Streaming
  const s = c.streaming;
  unit('streaming.anomalyAlertThreshold', s.anomalyAlertThreshold, 'open');
  int('streaming.alertCooldownSeconds', s.alertCooldownSeconds, 0, 86_400);
  s.alertEmails.forEach((e, i) => {
    if (!EMAIL.test(e)) fail(`streaming.alertEmails[${i}]`, e, 'expected an e-mail address');
  });
  if (s.mobilePushSecretArn !== undefined && !SECRET_ARN.test(s.mobilePushSecretArn)) {
    fail('streaming.mobilePushSecretArn', s.mobilePushSecretArn, 'expected a Secrets Manager secret ARN, or omit it');
  }
  if (s.streamMode !== 'on-demand' && s.streamMode !== 'provisioned') {
    fail('streaming.streamMode', s.streamMode, 'expected "on-demand" or "provisioned"');
  }
  int('streaming.shardCount', s.shardCount, 1, 500);
  int('streaming.maxRetryAttempts', s.maxRetryAttempts, 0, 10_000);
  int('streaming.maxRecordAgeSeconds', s.maxRecordAgeSeconds, 60, 604_800);
  int('streaming.iteratorAgeAlarmSeconds', s.iteratorAgeAlarmSeconds, 1, 604_800);

  // ML
  const m = c.ml;
  const h = m.hyperparameters;
  if (h.objective !== 'binary:logistic')
    fail('ml.hyperparameters.objective', h.objective, 'expected "binary:logistic"');
  if (h.booster !== 'gbtree' && h.booster !== 'dart')
    fail('ml.hyperparameters.booster', h.booster, 'expected "gbtree" or "dart"');
  if (h.eval_metric !== 'auc') fail('ml.hyperparameters.eval_metric', h.eval_metric, 'expected "auc"');
  if (!(Number.isFinite(h.scale_pos_weight) && h.scale_pos_weight > 0)) {
    fail('ml.hyperparameters.scale_pos_weight', h.scale_pos_weight, 'expected a positive number');
  }
  unit('ml.hyperparameters.eta', h.eta);
  int('ml.hyperparameters.max_depth', h.max_depth, 0, 64);
  unit('ml.hyperparameters.subsample', h.subsample, 'open');
  unit('ml.hyperparameters.colsample_bytree', h.colsample_bytree, 'open');
  int('ml.hyperparameters.num_round', h.num_round, 1, 10_000);
  unit('ml.classificationThreshold', m.classificationThreshold);
  unit('ml.minValidationAuc', m.minValidationAuc);
  if (m.retrainCron !== undefined && !SCHEDULER_CRON.test(m.retrainCron)) {
    fail('ml.retrainCron', m.retrainCron, 'expected an EventBridge Scheduler cron such as cron(0 3 ? * SUN *)');
  }
  for (const [path, v] of [
    ['ml.trainingInstanceType', m.trainingInstanceType],
    ['ml.endpointInstanceType', m.endpointInstanceType],
  ] as const) {
    if (typeof v !== 'string' || !SAGEMAKER_INSTANCE.test(v))
      fail(path, v, 'expected a SageMaker instance type such as ml.m5.xlarge');
  }
  int('ml.maxTrainingMinutes', m.maxTrainingMinutes, 1, 7 * 24 * 60);
  int('ml.endpointInstanceCount', m.endpointInstanceCount, 1, 100);
  int('ml.manifestCacheSeconds', m.manifestCacheSeconds, 0, 86_400);
  return p;
}

/** Returns `c` when it is valid; throws a ConfigError listing every problem otherwise. */
export function validateConfig(c: PlatformConfig): PlatformConfig {
  const problems = configProblems(c);
  if (problems.length > 0) throw new ConfigError(c.name, problems);
  return c;
}
