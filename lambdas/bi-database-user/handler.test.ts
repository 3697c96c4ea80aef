import { RedshiftDataClient } from '@aws-sdk/client-redshift-data';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { CloudFormationCustomResourceEvent, Context } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeDataApi } from '../sql-migrations/fake-data-api';
import { redshiftMd5Password } from '../sql-migrations/migrations';
import { handler } from './handler';

const PROPS = {
  ServiceToken: 'arn:aws:lambda:ap-northeast-2:123456789012:function:provider',
  ClusterIdentifier: 'sfcluster',
  Database: 'smartfactory',
  AdminSecretArn: 'arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:admin-AbCdEf',
  UserSecretArn: 'arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:bi-AbCdEf',
  Group: 'BI_Report_User',
};
const PASSWORD = 'Gen3rated-BI-Secret-Value';
const context = { getRemainingTimeInMillis: () => 840_000 } as unknown as Context;
const event = (type: 'Create' | 'Update' | 'Delete', physicalId = 'sfcluster/smartfactory/bi_quicksight') =>
  ({
    RequestType: type,
    ServiceToken: PROPS.ServiceToken,
    ResponseURL: 'https://example.invalid/',
    StackId: 'arn:aws:cloudformation:ap-northeast-2:123456789012:stack/SmartFactoryBi/1',
    RequestId: 'r1',
    LogicalResourceId: 'BiDatabaseUser',
    ResourceType: 'Custom::RedshiftBiUser',
    ResourceProperties: PROPS,
    ...(type === 'Create' ? {} : { PhysicalResourceId: physicalId, OldResourceProperties: PROPS }),
  }) as CloudFormationCustomResourceEvent;

describe('bi-database-user handler (fake Data API and Secrets Manager with the services’ shapes)', () => {
  let fake: FakeDataApi;
  beforeEach(() => {
    fake = new FakeDataApi();
    fake.instant = true;
    vi.spyOn(RedshiftDataClient.prototype, 'send').mockImplementation(((cmd: never) => fake.send(cmd)) as never);
    vi.spyOn(SecretsManagerClient.prototype, 'send').mockImplementation((async (cmd: GetSecretValueCommand) => {
      expect(cmd).toBeInstanceOf(GetSecretValueCommand);
      expect(cmd.input.SecretId).toBe(PROPS.UserSecretArn);
      return { SecretString: JSON.stringify({ username: 'bi_quicksight', password: PASSWORD }) };
    }) as never);
  });
  afterEach(() => vi.restoreAllMocks());

  it('Create makes the user a member of the BI group with the MD5 form of the secret password, never the clear one', async () => {
    const out = await handler(event('Create'), context);
    expect(out).toEqual({
      PhysicalResourceId: 'sfcluster/smartfactory/bi_quicksight',
      Data: { Username: 'bi_quicksight' },
    });
    const sql = fake.executed.map((e) => e.sql);
    const hash = redshiftMd5Password('bi_quicksight', PASSWORD);
    expect(sql).toContain(`CREATE USER bi_quicksight PASSWORD '${hash}' IN GROUP BI_Report_User`);
    expect(sql.join('\n')).not.toContain(PASSWORD);
    // No privilege is granted to the user itself: everything comes from the group (sql/V020).
    expect(sql.join('\n')).not.toMatch(/GRANT/i);
  });

  it('Update of an existing user only resets its password (and group membership)', async () => {
    fake.users.add('bi_quicksight');
    await handler(event('Update'), context);
    expect(fake.executed.map((e) => e.sql)).toContain(
      `ALTER USER bi_quicksight PASSWORD '${redshiftMd5Password('bi_quicksight', PASSWORD)}'`
    );
  });

  it('Delete drops the user of the physical id, so no credentials outlive the stack', async () => {
    await handler(event('Delete', 'sfcluster/smartfactory/old_bi_user'), context);
    expect(fake.executed.map((e) => e.sql)).toEqual(['DROP USER IF EXISTS old_bi_user']);
  });

  it('fails with the missing properties named', async () => {
    const e = event('Create');
    const props = { ...PROPS } as Record<string, string>;
    delete props['Group'];
    await expect(handler({ ...e, ResourceProperties: props } as never, context)).rejects.toThrow(
      /properties missing: Group/
    );
  });
});
