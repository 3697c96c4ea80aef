import { AWS_REGIONS, isAwsRegion } from './aws-regions';
import { elasticResizeRange, NODE_TYPE_LIMITS } from './redshift-limits';
import type {
  BiConfig,
  EtlConfig,
  LakeConfig,
  MlConfig,
  PauseSchedule,
  PlatformConfig,
  ResizeSchedule,
  StreamingConfig,
  WarehouseConfig,
  XgboostHyperparameters,
} from './types';

/** A configuration that cannot be deployed; the message lists every problem, one per line, each naming its field. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly configName: string,
    readonly problems: readonly string[],
    /** Override files or context the configuration was merged from. */
    readonly sources: readonly string[] = []
  ) {
    const from = sources.length > 0 ? ` (with overrides from ${sources.map((s) => `"${s}"`).join(', ')})` : '';
    super(`Invalid platform configuration "${configName}"${from}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

const TAG_TEXT = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
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

// ---- Declared keys (strict configuration) ---------------------------------------------------------------------
// Every key a configuration may hold, one list per section. A key that is not declared here is an error naming its
// path and the allowed keys (a misspelt optional key would otherwise be ignored silently). The compiler checks each
// list against its type in types.ts: a field added to the type but not here fails `npm run typecheck`, and a key here
// that the type lacks fails too. Values: `true` (a single value), `'list'` (array of values), `'map'` (free-form
// string-to-string object), a nested key list (object), `[list]` (array of objects).

const LAKE_KEYS: Shape<LakeConfig> = {
  glueDatabaseName: true,
  rawInfrequentAccessAfterDays: true,
  rawGlacierAfterDays: true,
  noncurrentVersionExpirationDays: true,
  abortIncompleteMultipartUploadAfterDays: true,
  accessLogRetentionDays: true,
};

const RESIZE_SCHEDULE_KEYS: Shape<ResizeSchedule> = { name: true, localTime: true, nodes: true };
const PAUSE_SCHEDULE_KEYS: Shape<PauseSchedule> = { pauseLocalTime: true, resumeLocalTime: true, weekdaysOnly: true };
const WAREHOUSE_KEYS: Shape<WarehouseConfig> = {
  nodeType: true,
  numberOfNodes: true,
  databaseName: true,
  masterUsername: true,
  port: true,
  userGroups: { etl: true, bi: true, analytics: true },
  resizeSchedules: [RESIZE_SCHEDULE_KEYS],
  pauseSchedule: PAUSE_SCHEDULE_KEYS,
  hotColdBoundaryMonths: true,
  snapshotRetentionDays: true,
};

const ETL_KEYS: Shape<EtlConfig> = {
  dailyRunLocalTime: true,
  sparkWorkers: true,
  failureHorizonHours: true,
  featureLookbackDays: true,
};

const STREAMING_KEYS: Shape<StreamingConfig> = {
  anomalyAlertThreshold: true,
  alertCooldownSeconds: true,
  alertEmails: 'list',
  mobilePushSecretArn: true,
  streamMode: true,
  shardCount: true,
  maxRetryAttempts: true,
  maxRecordAgeSeconds: true,
  iteratorAgeAlarmSeconds: true,
  devices: true,
  checkpointIntervalSeconds: true,
  factoryId: true,
  iot: { enabled: true },
  mobileRegistration: { enabled: true, maxDevicesPerUser: true },
};

const HYPERPARAMETER_KEYS: Shape<XgboostHyperparameters> = {
  objective: true,
  booster: true,
  eval_metric: true,
  scale_pos_weight: true,
  eta: true,
  max_depth: true,
  subsample: true,
  colsample_bytree: true,
  num_round: true,
};
const ML_KEYS: Shape<MlConfig> = {
  hyperparameters: HYPERPARAMETER_KEYS,
  classificationThreshold: true,
  minValidationAuc: true,
  retrainCron: true,
  trainingInstanceType: true,
  maxTrainingMinutes: true,
  endpointInstanceType: true,
  endpointInstanceCount: true,
  manifestCacheSeconds: true,
};

const BI_KEYS: Shape<BiConfig> = {
  enabled: true,
  namespace: true,
  ownerArns: 'list',
  viewerArns: 'list',
  importMode: true,
  refreshLocalTime: true,
  databaseUser: true,
};

/** The top level: a new section gets its own `<SECTION>_KEYS` list above and one line here. */
export const PLATFORM_KEYS: Shape<PlatformConfig> = {
  name: true,
  stackPrefix: true,
  env: { account: true, region: true },
  timeZone: true,
  dataRemoval: true,
  operationsEmails: 'list',
  tags: 'map',
  lake: LAKE_KEYS,
  warehouse: WAREHOUSE_KEYS,
  etl: ETL_KEYS,
  streaming: STREAMING_KEYS,
  ml: ML_KEYS,
  bi: BI_KEYS,
};

/** Collects every problem of `c`; empty when the config is valid. */
export function configProblems(c: PlatformConfig): string[] {
  const structure = shapeProblems(c, PLATFORM_KEYS);
  // A value of the wrong kind (an object where a number belongs, ...) makes the value checks below meaningless.
  if (structure.some((s) => !s.unknownKey)) return structure.map((s) => s.problem);
  const p: string[] = structure.map((s) => s.problem);
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
  if (!isAwsRegion(c.env.region)) {
    fail(
      'env.region',
      c.env.region,
      `expected an AWS region that AWS offers (${Object.values(AWS_REGIONS).flat().join(', ')})`
    );
  }
  if (c.env.account !== undefined && !ACCOUNT.test(c.env.account)) {
    fail('env.account', c.env.account, 'expected a 12-digit AWS account id, or omit it');
  }
  if (!isTimeZone(c.timeZone)) fail('timeZone', c.timeZone, 'expected an IANA time zone such as Asia/Seoul');
  if (c.dataRemoval !== 'retain' && c.dataRemoval !== 'destroy') {
    fail('dataRemoval', c.dataRemoval, 'expected "retain" or "destroy"');
  }
  for (const [k, v] of Object.entries(c.tags)) {
    // https://docs.aws.amazon.com/tag-editor/latest/userguide/tagging.html: the aws: prefix is reserved for AWS;
    // keys 1-128 and values 0-256 Unicode characters of letters, digits, spaces and _ . : / = + - @.
    if (/^aws:/i.test(k)) fail(`tags.${k}`, k, 'the "aws:" prefix is reserved for AWS; choose another tag key');
    else if (!TAG_TEXT.test(k) || k.length < 1 || k.length > 128) {
      fail(`tags.${k}`, k, 'expected a tag key of 1-128 letters, digits, spaces and _ . : / = + - @');
    }
    if (typeof v !== 'string' || !TAG_TEXT.test(v) || v.length > 256) {
      fail(`tags.${k}`, v, 'expected a tag value of 0-256 letters, digits, spaces and _ . : / = + - @');
    }
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

  if (w.pauseSchedule !== undefined) p.push(...pauseScheduleProblems(c));

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
  int('streaming.devices', s.devices, 1, 10_000);
  int('streaming.checkpointIntervalSeconds', s.checkpointIntervalSeconds, 10, 3600);
  // ---- Devices and phones (issue 17) ----
  if (typeof s.factoryId !== 'string' || !/^[a-z0-9-]{1,64}$/.test(s.factoryId)) {
    fail('streaming.factoryId', s.factoryId, 'expected 1-64 characters of [a-z0-9-]');
  }
  if (typeof s.iot?.enabled !== 'boolean') fail('streaming.iot.enabled', s.iot?.enabled, 'expected true or false');
  const mr = s.mobileRegistration;
  if (typeof mr?.enabled !== 'boolean') {
    fail('streaming.mobileRegistration.enabled', mr?.enabled, 'expected true or false');
  } else if (mr.enabled && s.mobilePushSecretArn === undefined) {
    fail(
      'streaming.mobileRegistration.enabled',
      mr.enabled,
      'needs streaming.mobilePushSecretArn (the FCM/APNs platform application the phones register with)'
    );
  }
  int('streaming.mobileRegistration.maxDevicesPerUser', mr?.maxDevicesPerUser as number, 1, 100);

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

  p.push(...biProblems(c));
  return p;
}

// ---- Pause schedule (issue 11) -----------------------------------------------------------------------------------

const minuteOfDay = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** True when the local `HH:MM` falls in the daily running window [resume, pause) of `s` (the window may span midnight). */
export function runsAt(s: PauseSchedule, hhmm: string): boolean {
  const t = minuteOfDay(hhmm);
  const resume = minuteOfDay(s.resumeLocalTime);
  const pause = minuteOfDay(s.pauseLocalTime);
  return resume < pause ? t >= resume && t < pause : t >= resume || t < pause;
}

/** Problems of `c.warehouse.pauseSchedule` (set). */
function pauseScheduleProblems(c: PlatformConfig): string[] {
  const p: string[] = [];
  const s = c.warehouse.pauseSchedule!;
  const fail = (field: string, value: unknown, allowed: string) =>
    p.push(`${field}: ${JSON.stringify(value)} is not allowed; ${allowed}`);
  const f = 'warehouse.pauseSchedule';
  const pauseOk = typeof s.pauseLocalTime === 'string' && HHMM.test(s.pauseLocalTime);
  const resumeOk = typeof s.resumeLocalTime === 'string' && HHMM.test(s.resumeLocalTime);
  if (!pauseOk) fail(`${f}.pauseLocalTime`, s.pauseLocalTime, 'expected HH:MM (24-hour local time)');
  if (!resumeOk) fail(`${f}.resumeLocalTime`, s.resumeLocalTime, 'expected HH:MM (24-hour local time)');
  if (pauseOk && resumeOk && s.pauseLocalTime === s.resumeLocalTime) {
    fail(`${f}.pauseLocalTime`, s.pauseLocalTime, `expected a time other than resumeLocalTime`);
  }
  if (s.weekdaysOnly !== undefined && typeof s.weekdaysOnly !== 'boolean') {
    fail(`${f}.weekdaysOnly`, s.weekdaysOnly, 'expected true or false, or omit it (every day)');
  }
  if (c.warehouse.resizeSchedules.length > 0) {
    fail(
      f,
      s,
      'not allowed together with warehouse.resizeSchedules (a paused cluster cannot be resized); ' +
        'set resizeSchedules to [] or omit pauseSchedule'
    );
  }
  // The daily ETL needs a running cluster: its start must fall in the running window.
  const etl = c.etl.dailyRunLocalTime;
  if (pauseOk && resumeOk && s.pauseLocalTime !== s.resumeLocalTime && HHMM.test(etl) && !runsAt(s, etl)) {
    fail(
      'etl.dailyRunLocalTime',
      etl,
      `expected a time while the warehouse runs (from ${f}.resumeLocalTime ${s.resumeLocalTime} ` +
        `to pauseLocalTime ${s.pauseLocalTime})`
    );
  }
  return p;
}

// ---- BI (issue 16) -------------------------------------------------------------------------------------------------

const QS_NAMESPACE = /^[a-zA-Z0-9._-]{1,64}$/;
const QS_PRINCIPAL = /^arn:aws[a-z-]*:quicksight:[a-z0-9-]+:(\d{12}):(user|group)\/([^/]+)\/[\w+=,.@-]{1,256}$/;

/** Problems of `c.bi` (every field checked, also when BI is off, so a prepared section is valid before it is used). */
export function biProblems(c: PlatformConfig): string[] {
  const p: string[] = [];
  const b = c.bi as PlatformConfig['bi'] | undefined;
  const fail = (field: string, value: unknown, allowed: string) =>
    p.push(`${field}: ${JSON.stringify(value)} is not allowed; ${allowed}`);
  if (b === undefined || b === null || typeof b !== 'object') {
    fail('bi', b, 'expected the BI section (see DEFAULT_CONFIG.bi)');
    return p;
  }
  if (typeof b.enabled !== 'boolean') fail('bi.enabled', b.enabled, 'expected true or false');
  if (typeof b.namespace !== 'string' || !QS_NAMESPACE.test(b.namespace)) {
    fail(
      'bi.namespace',
      b.namespace,
      'expected a QuickSight namespace (1-64 characters of [a-zA-Z0-9._-]), e.g. default'
    );
  }
  const principals = (field: 'ownerArns' | 'viewerArns') => {
    const list = b[field] as readonly string[] | undefined;
    if (!Array.isArray(list)) {
      fail(`bi.${field}`, list, 'expected a list of QuickSight user or group ARNs');
      return [] as string[];
    }
    list.forEach((arn: unknown, i) => {
      const m = typeof arn === 'string' ? QS_PRINCIPAL.exec(arn) : null;
      if (!m) {
        fail(
          `bi.${field}[${i}]`,
          arn,
          'expected a QuickSight principal ARN arn:aws:quicksight:<region>:<account>:user|group/<namespace>/<name>'
        );
      } else {
        if (m[3] !== b.namespace) fail(`bi.${field}[${i}]`, arn, `expected a principal of namespace "${b.namespace}"`);
        if (c.env.account !== undefined && m[1] !== c.env.account) {
          fail(`bi.${field}[${i}]`, arn, `expected a principal of account ${c.env.account} (env.account)`);
        }
      }
    });
    return list as string[];
  };
  const owners = principals('ownerArns');
  const viewers = principals('viewerArns');
  for (const v of viewers) {
    if (owners.includes(v)) fail('bi.viewerArns', v, 'expected a principal not already listed in bi.ownerArns');
  }
  if (new Set(owners).size !== owners.length) fail('bi.ownerArns', owners, 'expected no duplicates');
  if (new Set(viewers).size !== viewers.length) fail('bi.viewerArns', viewers, 'expected no duplicates');
  if (b.enabled === true && owners.length === 0) {
    fail('bi.ownerArns', owners, 'expected at least one owner when bi.enabled is true (nobody could open the assets)');
  }
  if (b.importMode !== 'SPICE' && b.importMode !== 'DIRECT_QUERY') {
    fail('bi.importMode', b.importMode, 'expected "SPICE" or "DIRECT_QUERY"');
  }
  if (typeof b.refreshLocalTime !== 'string' || !HHMM.test(b.refreshLocalTime)) {
    fail('bi.refreshLocalTime', b.refreshLocalTime, 'expected HH:MM (24-hour local time)');
  }
  const u = b.databaseUser;
  if (typeof u !== 'string' || !REDSHIFT_IDENT.test(u) || u.length > 63) {
    fail('bi.databaseUser', u, 'expected a lower-case Redshift identifier of up to 63 characters');
  } else if (u === c.warehouse.masterUsername || u === 'etl_user' || u.startsWith('pg_')) {
    fail('bi.databaseUser', u, 'expected a user of its own (not the admin, not etl_user, not pg_*)');
  }
  return p;
}

// ---- end BI -----------------------------------------------------------------------------------------------------

/**
 * Returns `c` when it is valid; throws a ConfigError listing every problem otherwise (naming the override files or
 * context the configuration was merged from, if any).
 */
export function validateConfig(c: PlatformConfig, from: readonly { readonly source: string }[] = []): PlatformConfig {
  const problems = configProblems(c);
  if (problems.length > 0)
    throw new ConfigError(
      c.name,
      problems,
      from.map((o) => o.source)
    );
  return c;
}

// ---- Strict keys ------------------------------------------------------------------------------------------------

/** How a config value is checked for keys: see "Declared keys" above. */
type ShapeOf<V> = [V] extends [readonly (infer E)[]]
  ? [E] extends [object]
    ? readonly [Shape<E>]
    : 'list'
  : [V] extends [object]
    ? string extends keyof V
      ? 'map'
      : Shape<V>
    : true;
/** The declared keys of a config object of type `T`: exactly `T`'s keys, optional ones included. */
export type Shape<T> = { readonly [K in keyof T]-?: ShapeOf<NonNullable<T[K]>> };
type AnyShape = true | 'list' | 'map' | readonly [AnyShape] | { readonly [key: string]: AnyShape };

interface ShapeProblem {
  readonly problem: string;
  /** True for an undeclared key; false when a value has the wrong kind (object, list, single value). */
  readonly unknownKey: boolean;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Edit distance, to suggest the declared key a misspelt one was meant to be. */
function distance(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0]!;
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = d[j]!;
      d[j] = Math.min(d[j]! + 1, d[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return d[b.length]!;
}

/** Every undeclared key and every value of the wrong kind in `value`, each naming its path. */
export function shapeProblems(value: unknown, shape: AnyShape, path = ''): ShapeProblem[] {
  const out: ShapeProblem[] = [];
  const where = path || 'the configuration';
  const kind = (expected: string) =>
    out.push({ problem: `${where}: ${JSON.stringify(value)} is not allowed; expected ${expected}`, unknownKey: false });
  if (shape === true) {
    if (typeof value === 'object' && value !== null) kind('a single value (string, number or boolean)');
  } else if (shape === 'list') {
    if (!Array.isArray(value)) kind('a list (JSON array) of values');
  } else if (shape === 'map') {
    if (!isObject(value)) kind('an object of string values');
  } else if (Array.isArray(shape)) {
    if (!Array.isArray(value)) kind('a list (JSON array) of objects');
    else value.forEach((e, i) => out.push(...shapeProblems(e, shape[0] as AnyShape, `${path}[${i}]`)));
  } else if (!isObject(value)) {
    kind(`an object with the keys ${Object.keys(shape).join(', ')}`);
  } else {
    const keys = shape as { readonly [key: string]: AnyShape };
    const allowed = Object.keys(keys);
    for (const [k, v] of Object.entries(value)) {
      const at = path ? `${path}.${k}` : k;
      if (!Object.hasOwn(keys, k)) {
        const near = allowed.filter(
          (a) => a.toLowerCase() === k.toLowerCase() || (k.length > 3 && distance(a, k) <= Math.ceil(k.length / 6))
        );
        const hint = near.length > 0 ? ` (did you mean ${near.join(' or ')}?)` : '';
        out.push({
          problem: `${at}: unknown key${hint}; the keys allowed in ${where} are ${allowed.join(', ')}`,
          unknownKey: true,
        });
      } else if (v !== undefined) {
        out.push(...shapeProblems(v, keys[k]!, at));
      }
    }
  }
  return out;
}
