import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RedshiftDataClient } from '@aws-sdk/client-redshift-data';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { CloudFormationCustomResourceEvent, Context } from 'aws-lambda';
import { logger } from '../shared/powertools';
import { DataApiRunner } from './data-api';
import {
  applyMigrations,
  ensureUser,
  loadMigrations,
  loadRepeatables,
  MigrationError,
  OutOfTimeError,
  sqlFilesHash,
} from './migrations';

const data = new RedshiftDataClient({});
const secrets = new SecretsManagerClient({});

/** The SQL files are copied next to the bundle (PlatformFunction `bundleFolders: ['sql']`). */
const SQL_DIR = process.env['SQL_DIR'] ?? join(__dirname, 'sql');

interface Properties {
  SqlHash: string;
  ClusterIdentifier: string;
  Database: string;
  AdminSecretArn: string;
  EtlSecretArn: string;
  EtlGroup: string;
  Variables: Record<string, string>;
}

function required(props: Record<string, unknown>): Properties {
  const missing = [
    'SqlHash',
    'ClusterIdentifier',
    'Database',
    'AdminSecretArn',
    'EtlSecretArn',
    'EtlGroup',
    'Variables',
  ].filter((k) => props[k] === undefined || props[k] === '');
  if (missing.length) throw new MigrationError(`custom resource properties missing: ${missing.join(', ')}`);
  return props as unknown as Properties;
}

const physicalIdOf = (event: CloudFormationCustomResourceEvent) =>
  `${String(event.ResourceProperties['ClusterIdentifier'])}/sql-migrations`;

function bundleFiles(): { file: string; content: string }[] {
  return readdirSync(SQL_DIR)
    .sort()
    .map((file) => ({ file, content: readFileSync(join(SQL_DIR, file), 'utf8') }));
}

/**
 * Provider framework `onEvent`: accepts the request and leaves the work to `isComplete` (polled by the framework for
 * up to its total timeout, so a long statement never meets a Lambda deadline). Delete touches nothing.
 */
export async function handler(
  event: CloudFormationCustomResourceEvent
): Promise<{ PhysicalResourceId: string; Data?: Record<string, string> }> {
  if (event.RequestType === 'Delete') {
    // The schema belongs to the (retained) cluster; removing the resource never drops data.
    return { PhysicalResourceId: event.PhysicalResourceId };
  }
  required(event.ResourceProperties);
  return { PhysicalResourceId: physicalIdOf(event) };
}

export interface IsCompleteResult {
  IsComplete: boolean;
  Data?: Record<string, string>;
}

/**
 * Provider framework `isComplete`: applies the pending migrations and the ETL user until done or until this
 * invocation's time runs out (then `IsComplete: false`, and the next invocation resumes: every changing statement
 * carries a client token derived from the CloudFormation request id, so a statement still running is awaited, not
 * started again).
 *
 * Forward-only and rollback-safe: when the bundle this function carries differs from the one the requested
 * properties describe (`SqlHash`), CloudFormation is rolling back (old properties, new or old code); the database is
 * never rolled back, so this logs and succeeds. The same holds when the database is ahead of the bundle.
 */
export async function isComplete(
  event: CloudFormationCustomResourceEvent,
  context: Context
): Promise<IsCompleteResult> {
  if (event.RequestType === 'Delete') return { IsComplete: true };
  const props = required(event.ResourceProperties);
  const files = bundleFiles();
  const bundleHash = sqlFilesHash(files);
  if (bundleHash !== props.SqlHash) {
    logger.warn('bundle and requested SqlHash differ (a rollback): migrations are forward-only, nothing to do', {
      requestType: event.RequestType,
      requested: props.SqlHash,
      bundle: bundleHash,
    });
    return { IsComplete: true, Data: { Applied: '', Skipped: 'rollback' } };
  }
  const migrations = loadMigrations(files);
  const runner = new DataApiRunner(
    data,
    { clusterIdentifier: props.ClusterIdentifier, database: props.Database, secretArn: props.AdminSecretArn },
    {
      deadline: Date.now() + context.getRemainingTimeInMillis() - 30_000,
      onProgress: (message, details) => logger.info(message, details),
    }
  );
  try {
    const result = await applyMigrations(
      runner,
      migrations,
      props.Variables,
      { log: (message, details) => logger.info(message, details ?? {}), tokenPrefix: event.RequestId },
      loadRepeatables(files)
    );
    if (result.skipped) return { IsComplete: true, Data: { Applied: '', Skipped: 'database-ahead' } };
    const secret = await secrets.send(new GetSecretValueCommand({ SecretId: props.EtlSecretArn }));
    const etl = JSON.parse(secret.SecretString ?? '{}') as { username?: string; password?: string };
    if (!etl.username || !etl.password) throw new MigrationError('the ETL secret has no username/password');
    const user = await ensureUser(runner, { username: etl.username, password: etl.password, group: props.EtlGroup });
    logger.info('migrations done', { applied: result.applied, alreadyApplied: result.alreadyApplied.length, user });
    return { IsComplete: true, Data: { Applied: result.applied.join(','), Total: String(migrations.length) } };
  } catch (e) {
    if (e instanceof OutOfTimeError) {
      logger.info('out of time; the next isComplete call resumes', { message: e.message });
      return { IsComplete: false };
    }
    throw e;
  }
}
