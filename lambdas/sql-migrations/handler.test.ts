import { RedshiftDataClient } from '@aws-sdk/client-redshift-data';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { CloudFormationCustomResourceEvent, Context } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeDataApi } from './fake-data-api';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { handler, isComplete } from './handler';
import { sqlFilesHash } from './migrations';

const SQL = join(__dirname, '..', '..', 'sql');
const BUNDLE_HASH = sqlFilesHash(
  readdirSync(SQL).map((f) => ({ file: f, content: readFileSync(join(SQL, f), 'utf8') }))
);

// The handler reads sql/ next to its bundle; here it reads the repository's sql/ (set before the handler loads).
vi.hoisted(() => {
  process.env['SQL_DIR'] = `${__dirname}/../../sql`;
});

const VARIABLES = {
  archive_bucket: 'sf-archive-123',
  archive_prefix: 'facts/',
  warehouse_role_arn: 'arn:aws:iam::123456789012:role/sf-warehouse',
  glue_database: 'smartfactory_analytics',
  database: 'smartfactory',
  etl_group: 'ETL_User',
  bi_group: 'BI_Report_User',
  analytics_group: 'Analytics_User',
};
const PROPS = {
  ServiceToken: 'arn:aws:lambda:ap-northeast-2:123456789012:function:provider',
  SqlHash: BUNDLE_HASH,
  ClusterIdentifier: 'sfcluster',
  Database: 'smartfactory',
  AdminSecretArn: 'arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:admin-AbCdEf',
  EtlSecretArn: 'arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:etl-AbCdEf',
  EtlGroup: 'ETL_User',
  Variables: VARIABLES,
};
const context = { getRemainingTimeInMillis: () => 840_000 } as unknown as Context;
const event = (type: 'Create' | 'Update' | 'Delete'): CloudFormationCustomResourceEvent =>
  ({
    RequestType: type,
    ServiceToken: PROPS.ServiceToken,
    ResponseURL: 'https://example.invalid/',
    StackId: 'arn:aws:cloudformation:ap-northeast-2:123456789012:stack/SmartFactoryWarehouse/1',
    RequestId: 'r1',
    LogicalResourceId: 'SqlMigrationsResource',
    ResourceType: 'Custom::RedshiftSqlMigrations',
    ResourceProperties: PROPS,
    ...(type === 'Create' ? {} : { PhysicalResourceId: 'sfcluster/sql-migrations', OldResourceProperties: PROPS }),
  }) as CloudFormationCustomResourceEvent;

describe('sql-migrations handler (real sql/ files, fake Data API and Secrets Manager)', () => {
  let fake: FakeDataApi;
  beforeEach(() => {
    fake = new FakeDataApi();
    fake.instant = true;
    vi.spyOn(RedshiftDataClient.prototype, 'send').mockImplementation(((cmd: never) => fake.send(cmd)) as never);
    vi.spyOn(SecretsManagerClient.prototype, 'send').mockImplementation((async (cmd: GetSecretValueCommand) => {
      expect(cmd).toBeInstanceOf(GetSecretValueCommand);
      expect(cmd.input.SecretId).toBe(PROPS.EtlSecretArn);
      return { SecretString: JSON.stringify({ username: 'etl_user', password: 'Gen3rated-Secret-Value' }) };
    }) as never);
  });
  afterEach(() => vi.restoreAllMocks());

  it('onEvent only accepts the request; isComplete applies every migration in order, then creates etl_user', async () => {
    const accepted = await handler(event('Create'));
    expect(accepted).toEqual({ PhysicalResourceId: 'sfcluster/sql-migrations' });
    expect(fake.executed).toEqual([]);
    const out = await isComplete(event('Create'), context);
    expect(out.IsComplete).toBe(true);
    expect(out.Data?.['Applied']?.split(',')).toEqual([
      'V001__schemas_and_groups.sql',
      'V002__staging_tables.sql',
      'V003__facts_and_dimensions.sql',
      'V004__archive_external_schema.sql',
      'V005__late_binding_views.sql',
      'V006__summary_tables_and_views.sql',
      'V007__procedures.sql',
      'V008__grants.sql',
      'V009__archive_control.sql',
      'V010__archive_privileges.sql',
      'V020__bi_reporting.sql',
      'R__assumerole.sql',
    ]);
    const sql = fake.executed.map((e) => e.sql).join('\n');
    expect(sql).not.toMatch(/\$\{/);
    expect(sql).toContain("FROM DATA CATALOG DATABASE 'smartfactory_analytics'");
    expect(sql).toContain("IAM_ROLE 'arn:aws:iam::123456789012:role/sf-warehouse'");
    expect(sql).toContain("LOCATION 's3://sf-archive-123/facts/fact_sensor_reading/'");
    expect(sql).toContain(
      "GRANT ASSUMEROLE ON 'arn:aws:iam::123456789012:role/sf-warehouse' TO GROUP ETL_User FOR UNLOAD"
    );
    expect(sql).toContain(
      'GRANT SELECT ON dw.v_sensor_reading_all, dw.v_production_all, dw.v_daily_retail_sales_all TO GROUP BI_Report_User'
    );
    expect(sql).toMatch(/CREATE USER etl_user PASSWORD 'md5[0-9a-f]{32}' IN GROUP ETL_User/);
    expect(sql).not.toContain('Gen3rated-Secret-Value');
  });

  it('Update with nothing new applies nothing and only refreshes the ETL password', async () => {
    await isComplete(event('Create'), context);
    fake.executed.length = 0;
    const out = await isComplete(event('Update'), context);
    expect(out.Data?.['Applied']).toBe('');
    expect(fake.executed.map((e) => e.sql.split(' ')[0])).toEqual([
      'CREATE',
      'CREATE',
      'SELECT',
      'SELECT',
      'SELECT',
      'ALTER',
      'SELECT',
    ]);
  });

  it('a recorded rollback event (old properties after a failed update) ends with the resource succeeding', async () => {
    // The Update that CloudFormation sends when it rolls back a failed stack update, as recorded in the provider
    // framework's log: the *old* properties (an older SqlHash) as ResourceProperties, the failed update's properties
    // as OldResourceProperties, same physical id. The function may run with the new bundle (the code of the failed
    // update) or the old one; with the new bundle here the hashes disagree.
    const rollback = {
      RequestType: 'Update',
      ServiceToken: PROPS.ServiceToken,
      ResponseURL: '...',
      StackId: 'arn:aws:cloudformation:ap-northeast-2:123456789012:stack/SmartFactoryWarehouse/1',
      RequestId: '9d3e4e1a-5f4c-4f0e-9a57-1d1c2f3a4b5c',
      LogicalResourceId: 'SqlMigrationsResource',
      PhysicalResourceId: 'sfcluster/sql-migrations',
      ResourceType: 'Custom::RedshiftSqlMigrations',
      ResourceProperties: { ...PROPS, SqlHash: '5b0c1e8d0f4a3c2b1a09f8e7d6c5b4a39281706f5e4d3c2b1a0918273645f0e1' },
      OldResourceProperties: PROPS,
    } as unknown as CloudFormationCustomResourceEvent;
    await isComplete(event('Create'), context);
    fake.executed.length = 0;
    fake.failWhen = { match: /./, status: 'FAILED', error: 'would fail again' };
    expect(await handler(rollback)).toEqual({ PhysicalResourceId: 'sfcluster/sql-migrations' });
    const out = await isComplete(rollback, context);
    expect(out).toEqual({ IsComplete: true, Data: { Applied: '', Skipped: 'rollback' } });
    expect(fake.executed).toEqual([]);
  });

  it('out of time while a statement runs: IsComplete false without Data; the next call resumes it', async () => {
    fake.neverFinish = /CREATE SCHEMA IF NOT EXISTS staging/;
    const short = { getRemainingTimeInMillis: () => 30_500 } as unknown as Context;
    const first = await isComplete(event('Create'), short);
    expect(first).toEqual({ IsComplete: false });
    const running = fake.executed.length;
    fake.neverFinish = false;
    fake.finishAll();
    const second = await isComplete(event('Create'), context);
    expect(second.IsComplete).toBe(true);
    expect(fake.deduplicated).toBeGreaterThanOrEqual(1);
    // the statement that was running at the deadline was not submitted again
    const creates = fake.executed.filter((e) => e.sql.includes('CREATE SCHEMA IF NOT EXISTS staging'));
    expect(creates).toHaveLength(1);
    expect(running).toBeGreaterThan(0);
  });

  it('Delete touches nothing (the cluster and its schema are retained)', async () => {
    const out = await handler(event('Delete'));
    expect(await isComplete(event('Delete'), context)).toEqual({ IsComplete: true });
    expect(out.PhysicalResourceId).toBe('sfcluster/sql-migrations');
    expect(fake.executed).toEqual([]);
  });
});
