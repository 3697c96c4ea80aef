import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, DEV_CONFIG, type PlatformConfig } from '../lib/config';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ARCHIVE_TABLES } from '../lib/warehouse/warehouse-lake-access';
import { SQL_DIR, sqlFilesHash } from '../lib/warehouse/warehouse-migrations';
import { nagFindings, template, testPlatform } from './helpers/app';
import { statefulLogicalIds } from './helpers/logical-ids';

type Res = { Type: string; Properties: Record<string, unknown>; DeletionPolicy?: string };
type Statement = { Action: string | string[]; Resource: unknown; Effect: string };

const one = (t: Template, type: string): Res => {
  const all = Object.values(t.findResources(type)) as Res[];
  expect(all).toHaveLength(1);
  return all[0]!;
};
const actions = (s: Statement): string[] => (Array.isArray(s.Action) ? s.Action : [s.Action]);

function statementsOfRole(t: Template, roleIdPrefix: string): Statement[] {
  const policies = t.findResources('AWS::IAM::Policy') as Record<string, Res>;
  return Object.values(policies)
    .filter((p) => JSON.stringify(p.Properties['Roles']).includes(roleIdPrefix))
    .flatMap((p) => (p.Properties['PolicyDocument'] as { Statement: Statement[] }).Statement);
}

describe('WarehouseStack (default config)', () => {
  let t: Template;
  let lakeT: Template;
  beforeAll(() => {
    const { platform } = testPlatform();
    expect(platform.warehouse.terminationProtection).toBe(true);
    t = template(platform.warehouse);
    lakeT = template(platform.lake);
  });

  it('pins the logical IDs of every stateful resource (a refactor must not replace the cluster, VPC or a secret)', () => {
    expect(statefulLogicalIds(t)).toEqual([
      'AWS::EC2::Subnet VpcwarehouseSubnet1Subnet113EBDFC',
      'AWS::EC2::Subnet VpcwarehouseSubnet2Subnet9DE173F5',
      'AWS::EC2::VPC Vpc8378EB38',
      'AWS::KMS::Key Key961B73FD',
      'AWS::Logs::LogGroup FlowLogGroup3E25AA51',
      'AWS::Logs::LogGroup ResizeReconcilerFunctionLogGroupA35F3DF5',
      'AWS::Logs::LogGroup SqlMigrationsLogGroup90BA04BA',
      'AWS::Logs::LogGroup SqlMigrationsOnEventLogGroup7EB616CA',
      'AWS::Logs::LogGroup SqlMigrationsProviderLogs4FDA5F26',
      'AWS::Redshift::Cluster Cluster',
      'AWS::Redshift::ClusterParameterGroup ParameterGroup',
      'AWS::Redshift::ClusterSubnetGroup SubnetGroup',
      'AWS::SQS::Queue ResizeDeadLetterQueue8CB71D1E',
      'AWS::SecretsManager::Secret EtlSecretC9665843',
    ]);
  });

  it('the cluster: private, encrypted, enhanced VPC routing, RA3 ×3, managed password, non-default port, audit logs', () => {
    const c = one(t, 'AWS::Redshift::Cluster');
    expect(c.DeletionPolicy).toBe('Retain');
    expect(c.Properties).toMatchObject({
      ClusterType: 'multi-node',
      NodeType: 'ra3.4xlarge',
      NumberOfNodes: 3,
      DBName: 'smartfactory',
      MasterUsername: 'sfadmin',
      ManageMasterPassword: true,
      Port: 5440,
      PubliclyAccessible: false,
      Encrypted: true,
      EnhancedVpcRouting: true,
      AllowVersionUpgrade: true,
      AutomatedSnapshotRetentionPeriod: 7,
      LoggingProperties: { LogDestinationType: 's3', S3KeyPrefix: 'redshift/' },
    });
    expect(c.Properties).not.toHaveProperty('MasterUserPassword');
    expect(JSON.stringify(c.Properties['KmsKeyId'])).toContain('Key');
    expect(JSON.stringify(c.Properties['ClusterParameterGroupName'])).toContain('ParameterGroup');
    expect(JSON.stringify(c.Properties['ClusterSubnetGroupName'])).toContain('SubnetGroup');
    expect(JSON.stringify(c.Properties['IamRoles'])).toContain('WarehouseRole');
    expect(JSON.stringify((c.Properties['LoggingProperties'] as { BucketName: unknown }).BucketName)).toContain(
      'AccessLogsBucket'
    );
  });

  it('only isolated subnets: no internet gateway, no NAT; S3 gateway and Glue/KMS/STS interface endpoints', () => {
    expect(t.findResources('AWS::EC2::InternetGateway')).toEqual({});
    expect(t.findResources('AWS::EC2::NatGateway')).toEqual({});
    const endpoints = Object.values(t.findResources('AWS::EC2::VPCEndpoint')) as Res[];
    const names = endpoints.map((e) => JSON.stringify(e.Properties['ServiceName'])).join(' ');
    for (const svc of ['.s3', '.glue', '.kms', '.sts']) expect(names).toContain(svc);
    expect(one(t, 'AWS::Redshift::ClusterSubnetGroup').Properties['SubnetIds']).toHaveLength(2);
  });

  it('the parameter group carries require_ssl, activity logging and the seed WLM', () => {
    const pg = one(t, 'AWS::Redshift::ClusterParameterGroup');
    expect(pg.Properties['ParameterGroupFamily']).toBe('redshift-1.0');
    const params = Object.fromEntries(
      (pg.Properties['Parameters'] as { ParameterName: string; ParameterValue: string }[]).map((p) => [
        p.ParameterName,
        p.ParameterValue,
      ])
    );
    expect(params['require_ssl']).toBe('true');
    expect(params['enable_user_activity_logging']).toBe('true');
    const wlm = JSON.parse(params['wlm_json_configuration']!) as Record<string, unknown>[];
    const byGroup = Object.fromEntries(
      wlm.filter((q) => q['user_group']).map((q) => [(q['user_group'] as string[])[0], q])
    );
    expect(byGroup['etl_user']!['priority']).toBe('high');
    expect(byGroup['bi_report_user']!['priority']).toBe('normal');
    expect(byGroup['analytics_user']!['priority']).toBe('low');
    const rules = byGroup['bi_report_user']!['rules'] as { rule_name: string; action: string; value?: string }[];
    expect(rules.map((r) => [r.rule_name, r.action, r.value])).toEqual([
      ['Long_running_query_Report', 'change_query_priority', 'low'],
      ['Query_returns_a_high_number_of_r', 'abort', undefined],
    ]);
    expect(wlm.at(-1)).toEqual({ short_query_queue: true });
    expect(wlm.at(-2)).not.toHaveProperty('user_group');
  });

  it('the logs bucket lets the Redshift service write audit logs under its prefix only', () => {
    const policy = Object.values(lakeT.findResources('AWS::S3::BucketPolicy')).find((p) =>
      JSON.stringify(p).includes('RedshiftAuditLogsPut')
    ) as Res;
    const stmts = (policy.Properties['PolicyDocument'] as { Statement: Record<string, unknown>[] }).Statement;
    const put = stmts.find((s) => s['Sid'] === 'RedshiftAuditLogsPut')!;
    expect(put['Principal']).toEqual({ Service: 'redshift.amazonaws.com' });
    expect(JSON.stringify(put['Resource'])).toContain('/redshift/*');
    expect(stmts.find((s) => s['Sid'] === 'RedshiftAuditLogsAcl')!['Action']).toBe('s3:GetBucketAcl');
  });

  it('the warehouse role reaches only named lake resources; no bare "*" resource', () => {
    const stmts = statementsOfRole(t, 'WarehouseRole');
    expect(stmts.length).toBeGreaterThan(0);
    for (const s of stmts) {
      const resources = Array.isArray(s.Resource) ? s.Resource : [s.Resource];
      for (const r of resources) expect(r).not.toBe('*');
    }
    const text = JSON.stringify(stmts);
    expect(text).toContain('ArchiveBucket');
    expect(text).toContain('ProcessedBucket');
    expect(text).toMatch(/RawBucket[^"]*"[^\]]*\/batch\/\*/);
    expect(text).not.toContain('CuratedBucket');
    expect(text).toContain('glue:BatchCreatePartition');
    expect(text).toContain('StorageKey');
    // DeleteTable only on the three named archive tables (plus their catalog and database).
    const del = stmts.find((s) => actions(s).includes('glue:DeleteTable'))!;
    expect(actions(del)).toEqual(['glue:DeleteTable']);
    const delText = JSON.stringify(del.Resource);
    for (const t of ARCHIVE_TABLES) expect(delText).toContain(`/${t}`);
    expect(delText).not.toContain('/*');
    // The tables V004 creates are exactly those.
    const v004 = readFileSync(join(SQL_DIR, 'V004__archive_external_schema.sql'), 'utf8');
    expect([...v004.matchAll(/CREATE EXTERNAL TABLE archive\.(\w+)/g)].map((m) => m[1])).toEqual([...ARCHIVE_TABLES]);
  });

  it('one EventBridge Scheduler schedule per resize, in Asia/Seoul, with retries and a DLQ', () => {
    const schedules = Object.values(t.findResources('AWS::Scheduler::Schedule')) as Res[];
    expect(schedules).toHaveLength(4);
    const summary = schedules.map((s) => {
      const target = s.Properties['Target'] as Record<string, unknown>;
      return {
        cron: s.Properties['ScheduleExpression'],
        tz: s.Properties['ScheduleExpressionTimezone'],
        arn: JSON.stringify(target['Arn']),
        retry: target['RetryPolicy'],
        dlq: JSON.stringify(target['DeadLetterConfig']),
        input: JSON.stringify(target['Input']),
      };
    });
    expect(summary.map((s) => [s.cron, s.tz])).toEqual([
      ['cron(0 1 * * ? *)', 'Asia/Seoul'],
      ['cron(0 6 * * ? *)', 'Asia/Seoul'],
      ['cron(0 19 * * ? *)', 'Asia/Seoul'],
      ['cron(0 23 * * ? *)', 'Asia/Seoul'],
    ]);
    for (const s of summary) {
      expect(s.arn).toContain(':scheduler:::aws-sdk:redshift:resizeCluster');
      expect(s.retry).toEqual({ MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 });
      expect(s.dlq).toContain('ResizeDeadLetterQueue');
      expect(s.input).toContain('\\"Classic\\":false');
    }
    expect(summary.map((s) => /NumberOfNodes\\":(\d+)/.exec(s.input)?.[1])).toEqual(['12', '3', '6', '3']);
  });

  it('the scheduler role may only resize this cluster and send to the DLQ', () => {
    const stmts = statementsOfRole(t, 'ResizeSchedulerRole');
    const redshift = stmts.filter((s) => actions(s).some((a) => a.startsWith('redshift')));
    expect(redshift).toHaveLength(1);
    expect(actions(redshift[0]!)).toEqual(['redshift:ResizeCluster']);
    expect(JSON.stringify(redshift[0]!.Resource)).toMatch(/:cluster:.*Cluster/);
    const others = stmts.flatMap(actions).filter((a) => !a.startsWith('redshift'));
    expect(others.every((a) => a.startsWith('sqs:') || a.startsWith('kms:'))).toBe(true);
  });

  it('the DLQ is KMS-encrypted and its depth alarms to the operations topic', () => {
    const q = one(t, 'AWS::SQS::Queue');
    expect(JSON.stringify(q.Properties['KmsMasterKeyId'])).toContain('Key');
    // the stack's other alarm is the resize reconciler's (test/resize-reconciler.test.ts)
    const alarms = Object.entries(t.findResources('AWS::CloudWatch::Alarm') as Record<string, Res>);
    const dlqAlarms = alarms.filter(([id]) => id.startsWith('ResizeDeadLetterAlarm'));
    expect(dlqAlarms).toHaveLength(1);
    const alarm = dlqAlarms[0]![1];
    expect(alarm.Properties).toMatchObject({ Threshold: 0, ComparisonOperator: 'GreaterThanThreshold' });
    expect(JSON.stringify(alarm.Properties['AlarmActions'])).toContain('OperationsTopic');
  });

  it('the warehouse key lets CloudWatch Logs encrypt log groups of this account only', () => {
    const key = one(t, 'AWS::KMS::Key');
    expect(key.Properties['EnableKeyRotation']).toBe(true);
    const stmts = (key.Properties['KeyPolicy'] as { Statement: Record<string, unknown>[] }).Statement;
    const logs = stmts.find((s) => JSON.stringify(s['Principal']).includes('logs.ap-northeast-2.amazonaws.com'))!;
    expect(JSON.stringify(logs['Condition'])).toContain('kms:EncryptionContext:aws:logs:arn');
    const lg = Object.values(t.findResources('AWS::Logs::LogGroup')) as Res[];
    expect(lg.filter((g) => g.Properties['KmsKeyId']).length).toBeGreaterThan(0);
  });

  it('the ETL secret is a generated {username: etl_user, password} encrypted with the warehouse key', () => {
    const s = one(t, 'AWS::SecretsManager::Secret');
    const gen = s.Properties['GenerateSecretString'] as Record<string, unknown>;
    expect(JSON.parse(gen['SecretStringTemplate'] as string)).toEqual({ username: 'etl_user' });
    expect(gen['GenerateStringKey']).toBe('password');
    expect(String(gen['ExcludeCharacters'])).toContain('@');
  });

  it('the migration custom resource carries the SQL hash and the templated names', () => {
    const r = one(t, 'Custom::RedshiftSqlMigrations');
    expect(r.Properties['SqlHash']).toBe(sqlFilesHash());
    const vars = r.Properties['Variables'] as Record<string, unknown>;
    expect(Object.keys(vars).sort()).toEqual(
      [
        'analytics_group',
        'archive_bucket',
        'archive_prefix',
        'bi_group',
        'database',
        'etl_group',
        'glue_database',
        'warehouse_role_arn',
      ].sort()
    );
    // the hot/cold boundary is passed by the archive state machine at call time (a config change reaches it)
    expect(vars['hot_cold_boundary_months']).toBeUndefined();
    // Every placeholder the SQL files use is provided by the stack (a missing one would fail the deploy).
    const used = new Set(
      readdirSync(SQL_DIR)
        .filter((f) => f.endsWith('.sql'))
        .flatMap((f) => [...readFileSync(join(SQL_DIR, f), 'utf8').matchAll(/\$\{(\w+)\}/g)].map((m) => m[1]!))
    );
    expect([...used].sort()).toEqual(Object.keys(vars).sort());
  });
});

describe('WarehouseStack (dev config)', () => {
  it('2 × ra3.xlplus, destroyed with the stack, no resize schedules (only pause/resume, test/warehouse-pause.test.ts)', () => {
    const t = template(testPlatform(DEV_CONFIG).platform.warehouse);
    const c = one(t, 'AWS::Redshift::Cluster');
    expect(c.Properties).toMatchObject({ NodeType: 'ra3.xlplus', NumberOfNodes: 2 });
    expect(c.DeletionPolicy).toBe('Delete');
    expect(Object.keys(t.findResources('AWS::Scheduler::Schedule')).sort()).toEqual([
      'PauseSchedule',
      'ResumeSchedule',
    ]);
    expect(Object.keys(t.findResources('AWS::IAM::Role')).some((id) => id.startsWith('ResizeSchedulerRole'))).toBe(
      false
    );
  });
});

/**
 * Oracle: the ICU time-zone database through Intl. For a daily `cron(M H * * ? *)` in zone `tz`, the UTC instants in
 * [from, to) whose wall-clock time in `tz` is H:M — what EventBridge Scheduler documents for
 * ScheduleExpressionTimezone (DST handled by the zone).
 */
function firingInstants(cron: string, tz: string, from: Date, to: Date): string[] {
  const m = /^cron\((\d+) (\d+) \* \* \? \*\)$/.exec(cron);
  if (!m) throw new Error(`unexpected cron ${cron}`);
  const [minute, hour] = [Number(m[1]), Number(m[2])];
  const fmt = new Intl.DateTimeFormat('en-GB', { timeZone: tz, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  const out: string[] = [];
  for (let t = from.getTime(); t < to.getTime(); t += 15 * 60_000) {
    const parts = Object.fromEntries(fmt.formatToParts(new Date(t)).map((p) => [p.type, p.value]));
    if (Number(parts['hour']) === hour && Number(parts['minute']) === minute) out.push(new Date(t).toISOString());
  }
  return out;
}

function schedulesOf(config: PlatformConfig): { cron: string; tz: string }[] {
  const t = template(testPlatform(config).platform.warehouse);
  return (Object.values(t.findResources('AWS::Scheduler::Schedule')) as Res[]).map((s) => ({
    cron: s.Properties['ScheduleExpression'] as string,
    tz: s.Properties['ScheduleExpressionTimezone'] as string,
  }));
}

describe('resize schedules fire at the right UTC instants', () => {
  it('Asia/Seoul (UTC+9, no DST): 01:00 local is 16:00 UTC the day before', () => {
    const [up] = schedulesOf(DEFAULT_CONFIG);
    expect(firingInstants(up!.cron, up!.tz, new Date('2026-03-27T00:00Z'), new Date('2026-03-30T00:00Z'))).toEqual([
      '2026-03-27T16:00:00.000Z',
      '2026-03-28T16:00:00.000Z',
      '2026-03-29T16:00:00.000Z',
    ]);
  });

  it('Europe/Berlin across the spring DST change: 01:00 and 19:00 local shift by one hour in UTC', () => {
    const berlin: PlatformConfig = { ...DEFAULT_CONFIG, timeZone: 'Europe/Berlin' };
    const s = schedulesOf(berlin);
    expect(s.every((x) => x.tz === 'Europe/Berlin')).toBe(true);
    const [up, , evening] = s;
    // 2026-03-29 02:00 CET -> 03:00 CEST.
    expect(firingInstants(up!.cron, up!.tz, new Date('2026-03-27T12:00Z'), new Date('2026-03-31T12:00Z'))).toEqual([
      '2026-03-28T00:00:00.000Z',
      '2026-03-29T00:00:00.000Z',
      '2026-03-29T23:00:00.000Z',
      '2026-03-30T23:00:00.000Z',
    ]);
    expect(
      firingInstants(evening!.cron, evening!.tz, new Date('2026-03-28T00:00Z'), new Date('2026-03-30T00:00Z'))
    ).toEqual(['2026-03-28T18:00:00.000Z', '2026-03-29T17:00:00.000Z']);
  });
});

describe('cdk-nag Redshift rules are live on this stack (positive controls)', () => {
  it('flags a parameter group without require_ssl/activity logging, the default port and a public cluster', () => {
    const { platform } = testPlatform();
    expect(nagFindings(platform.warehouse)).toEqual([]);
    // cdk-nag reads the L1 properties, so the controls change those.
    platform.warehouse.parameterGroup.parameters = [{ parameterName: 'require_ssl', parameterValue: 'false' }];
    platform.warehouse.cluster.port = 5439;
    platform.warehouse.cluster.publiclyAccessible = true;
    const rules = nagFindings(platform.warehouse).map((f) => f.split('@')[0]);
    expect(rules).toEqual(
      expect.arrayContaining(['AwsSolutions-RS1', 'AwsSolutions-RS4', 'AwsSolutions-RS8', 'AwsSolutions-RS11'])
    );
  });
});
