import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RedshiftDataClient } from '@aws-sdk/client-redshift-data';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { CloudFormationCustomResourceEvent, Context } from 'aws-lambda';
import { logger } from '../shared/powertools';
import { DataApiRunner } from './data-api';
import { applyMigrations, ensureUser, loadMigrations, MigrationError } from './migrations';

const data = new RedshiftDataClient({});
const secrets = new SecretsManagerClient({});

/** The SQL files are copied next to the bundle (PlatformFunction `bundleFolders: ['sql']`). */
const SQL_DIR = process.env['SQL_DIR'] ?? join(__dirname, 'sql');

interface Properties {
  ClusterIdentifier: string;
  Database: string;
  AdminSecretArn: string;
  EtlSecretArn: string;
  EtlGroup: string;
  Variables: Record<string, string>;
}

function required(props: Record<string, unknown>): Properties {
  const missing = ['ClusterIdentifier', 'Database', 'AdminSecretArn', 'EtlSecretArn', 'EtlGroup', 'Variables'].filter(
    (k) => props[k] === undefined || props[k] === ''
  );
  if (missing.length) throw new MigrationError(`custom resource properties missing: ${missing.join(', ')}`);
  return props as unknown as Properties;
}

/** CloudFormation custom resource (Provider framework onEvent): applies pending migrations and the ETL user. */
export async function handler(
  event: CloudFormationCustomResourceEvent,
  context: Context
): Promise<{ PhysicalResourceId: string; Data?: Record<string, string> }> {
  const physicalId = `${String(event.ResourceProperties['ClusterIdentifier'])}/sql-migrations`;
  if (event.RequestType === 'Delete') {
    // The schema belongs to the (retained) cluster; removing the resource never drops data.
    return { PhysicalResourceId: event.PhysicalResourceId };
  }
  const props = required(event.ResourceProperties);
  const migrations = loadMigrations(
    readdirSync(SQL_DIR)
      .sort()
      .map((file) => ({ file, content: readFileSync(join(SQL_DIR, file), 'utf8') }))
  );
  const runner = new DataApiRunner(
    data,
    { clusterIdentifier: props.ClusterIdentifier, database: props.Database, secretArn: props.AdminSecretArn },
    {
      deadline: Date.now() + context.getRemainingTimeInMillis() - 30_000,
      onProgress: (message, details) => logger.info(message, details),
    }
  );
  const result = await applyMigrations(runner, migrations, props.Variables, (message, details) =>
    logger.info(message, details ?? {})
  );
  const secret = await secrets.send(new GetSecretValueCommand({ SecretId: props.EtlSecretArn }));
  const etl = JSON.parse(secret.SecretString ?? '{}') as { username?: string; password?: string };
  if (!etl.username || !etl.password) throw new MigrationError('the ETL secret has no username/password');
  const user = await ensureUser(runner, { username: etl.username, password: etl.password, group: props.EtlGroup });
  logger.info('migrations done', { applied: result.applied, alreadyApplied: result.alreadyApplied.length, user });
  return {
    PhysicalResourceId: physicalId,
    Data: { Applied: result.applied.join(','), Total: String(migrations.length) },
  };
}
