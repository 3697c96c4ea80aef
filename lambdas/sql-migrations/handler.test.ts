import { RedshiftDataClient } from '@aws-sdk/client-redshift-data';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { CloudFormationCustomResourceEvent, Context } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeDataApi } from './fake-data-api';
import { handler } from './handler';

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
  hot_cold_boundary_months: '6',
  etl_group: 'ETL_User',
  bi_group: 'BI_Report_User',
  analytics_group: 'Analytics_User',
};
const PROPS = {
  ServiceToken: 'arn:aws:lambda:ap-northeast-2:123456789012:function:provider',
  SqlHash: 'abc',
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

  it('Create applies every migration in order with the names templated in, then creates etl_user', async () => {
    const out = await handler(event('Create'), context);
    expect(out.PhysicalResourceId).toBe('sfcluster/sql-migrations');
    expect(out.Data?.['Applied']?.split(',')).toEqual([
      'V001__schemas_and_groups.sql',
      'V002__staging_tables.sql',
      'V003__facts_and_dimensions.sql',
      'V004__archive_external_schema.sql',
      'V005__late_binding_views.sql',
      'V006__summary_tables_and_views.sql',
      'V007__procedures.sql',
      'V008__grants.sql',
      'V020__bi_reporting.sql',
    ]);
    const sql = fake.executed.map((e) => e.sql).join('\n');
    expect(sql).not.toMatch(/\$\{/);
    expect(sql).toContain("FROM DATA CATALOG DATABASE 'smartfactory_analytics'");
    expect(sql).toContain("IAM_ROLE 'arn:aws:iam::123456789012:role/sf-warehouse'");
    expect(sql).toContain("LOCATION 's3://sf-archive-123/facts/fact_sensor_reading/'");
    expect(sql).toContain("ADD_MONTHS(DATE_TRUNC('month', CURRENT_DATE), -6)");
    expect(sql).toContain(
      'GRANT SELECT ON dw.v_sensor_reading_all, dw.v_production_all, dw.v_daily_retail_sales_all TO GROUP BI_Report_User'
    );
    expect(sql).toMatch(/CREATE USER etl_user PASSWORD 'md5[0-9a-f]{32}' IN GROUP ETL_User/);
    expect(sql).not.toContain('Gen3rated-Secret-Value');
  });

  it('Update with nothing new applies nothing and only refreshes the ETL password', async () => {
    await handler(event('Create'), context);
    fake.executed.length = 0;
    const out = await handler(event('Update'), context);
    expect(out.Data?.['Applied']).toBe('');
    expect(fake.executed.map((e) => e.sql.split(' ')[0])).toEqual(['CREATE', 'SELECT', 'SELECT', 'ALTER', 'SELECT']);
  });

  it('Delete touches nothing (the cluster and its schema are retained)', async () => {
    const out = await handler(event('Delete'), context);
    expect(out.PhysicalResourceId).toBe('sfcluster/sql-migrations');
    expect(fake.executed).toEqual([]);
  });
});
