import { RedshiftDataClient } from '@aws-sdk/client-redshift-data';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { CloudFormationCustomResourceEvent, Context } from 'aws-lambda';
import { logger } from '../shared/powertools';
import { DataApiRunner } from '../sql-migrations/data-api';
import { ensureUser, MigrationError } from '../sql-migrations/migrations';

const data = new RedshiftDataClient({});
const secrets = new SecretsManagerClient({});

interface Properties {
  ClusterIdentifier: string;
  Database: string;
  AdminSecretArn: string;
  UserSecretArn: string;
  Group: string;
}

const KEYS = ['ClusterIdentifier', 'Database', 'AdminSecretArn', 'UserSecretArn', 'Group'] as const;
const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

function required(props: Record<string, unknown>): Properties {
  const missing = KEYS.filter((k) => typeof props[k] !== 'string' || props[k] === '');
  if (missing.length) throw new MigrationError(`custom resource properties missing: ${missing.join(', ')}`);
  return props as unknown as Properties;
}

async function userSecret(arn: string): Promise<{ username: string; password: string }> {
  const secret = await secrets.send(new GetSecretValueCommand({ SecretId: arn }));
  const v = JSON.parse(secret.SecretString ?? '{}') as { username?: string; password?: string };
  if (!v.username || !v.password) throw new MigrationError('the BI user secret has no username/password');
  return { username: v.username, password: v.password };
}

/**
 * CloudFormation custom resource (Provider framework onEvent): the QuickSight data source's Redshift user. Create and
 * Update create it in the BI group or set its password (MD5 form, from the secret; the clear password never appears
 * in SQL text) and group membership; Delete drops it, so no credentials outlive the BI stack. Its privileges come from
 * the group (sql/V020__bi_reporting.sql), none are granted to the user itself.
 */
export async function handler(
  event: CloudFormationCustomResourceEvent,
  context: Context
): Promise<{ PhysicalResourceId: string; Data?: Record<string, string> }> {
  const props = required(event.ResourceProperties);
  const runner = new DataApiRunner(
    data,
    { clusterIdentifier: props.ClusterIdentifier, database: props.Database, secretArn: props.AdminSecretArn },
    {
      deadline: Date.now() + context.getRemainingTimeInMillis() - 30_000,
      onProgress: (message, details) => logger.info(message, details),
    }
  );
  const { username, password } = await userSecret(props.UserSecretArn);
  if (!IDENTIFIER.test(username)) throw new MigrationError(`username "${username}" is not a lower-case identifier`);
  const physicalId = `${props.ClusterIdentifier}/${props.Database}/${username}`;

  if (event.RequestType === 'Delete') {
    // A physical id of another user (an update that renamed it) is dropped by the same rule.
    const old = event.PhysicalResourceId.split('/').pop() ?? '';
    if (IDENTIFIER.test(old)) await runner.run(`DROP USER IF EXISTS ${old}`);
    logger.info('BI user dropped', { user: old });
    return { PhysicalResourceId: event.PhysicalResourceId };
  }
  const result = await ensureUser(runner, { username, password, group: props.Group });
  logger.info('BI user ready', { user: username, result });
  // A new physical id (renamed user) makes CloudFormation delete the old one after the update.
  return { PhysicalResourceId: physicalId, Data: { Username: username } };
}
