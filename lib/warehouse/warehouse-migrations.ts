import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CustomResource, Duration, Validations } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as cr from 'aws-cdk-lib/custom-resources';
import type { Construct } from 'constructs';
import { LakeLayout } from '../lake/lake-layout';
import { logicalIdOf } from '../shared/nag';
import { PlatformFunction } from '../shared/platform-function';
import { StackScopedConstruct } from '../shared/stack-scoped';
import type { WarehouseCluster } from './warehouse-cluster';
import { sqlFilesHash as hashSqlFiles } from '../../lambdas/sql-migrations/migrations';

export const SQL_DIR = join(__dirname, '..', '..', 'sql');

/** sha256 over the migration files (name and content, in order): a change re-runs the migration custom resource. */
export function sqlFilesHash(dir = SQL_DIR): string {
  return hashSqlFiles(readdirSync(dir).map((file) => ({ file, content: readFileSync(join(dir, file)) })));
}

export interface WarehouseMigrationsProps {
  /** The cluster the migrations run on (Data API, admin and ETL secrets). */
  readonly cluster: WarehouseCluster;
  readonly databaseName: string;
  /** Redshift user groups the migrations create and grant to. */
  readonly userGroups: { readonly etl: string; readonly bi: string; readonly analytics: string };
  /** Encrypts the functions' environment and logs. */
  readonly key: kms.IKey;
  /** Template variables of sql/ (docs/contracts.md): the archive location, the Spectrum role, the Glue database. */
  readonly archiveBucketName: string;
  readonly warehouseRoleArn: string;
  readonly glueDatabaseName: string;
}

/**
 * The sql/ migrations applied through the Redshift Data API on every deploy whose SQL (hash) or inputs changed: a
 * custom resource of the provider framework whose isComplete handler does the work, polled for up to two hours, so a
 * long statement never meets a Lambda deadline; onEvent only accepts the request. Resources: `SqlMigrations…`,
 * `SqlMigrationsOnEvent…`, `SqlMigrationsProvider…`, `SqlMigrationsProviderLogs…`, `SqlMigrationsResource`.
 */
export class WarehouseMigrations extends StackScopedConstruct {
  readonly resource: CustomResource;

  constructor(scope: Construct, id: string, props: WarehouseMigrationsProps) {
    super(scope, id);
    const { isComplete, onEvent } = this.functions(props);
    const provider = this.provider(isComplete, onEvent);
    const groups = props.userGroups;
    const cluster = props.cluster;
    this.resource = new CustomResource(this.home, 'SqlMigrationsResource', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::RedshiftSqlMigrations',
      properties: {
        SqlHash: sqlFilesHash(),
        ClusterIdentifier: cluster.cluster.ref,
        Database: props.databaseName,
        AdminSecretArn: cluster.adminSecret.secretArn,
        EtlSecretArn: cluster.etlSecret.secretArn,
        EtlGroup: groups.etl,
        Variables: {
          archive_bucket: props.archiveBucketName,
          archive_prefix: LakeLayout.archiveFacts,
          warehouse_role_arn: props.warehouseRoleArn,
          glue_database: props.glueDatabaseName,
          database: props.databaseName,
          etl_group: groups.etl,
          bi_group: groups.bi,
          analytics_group: groups.analytics,
        },
      },
    });
    this.resource.node.addDependency(cluster.cluster);
  }

  /** isComplete applies the pending migrations (Data API, both secrets); onEvent accepts the request. */
  private functions(props: WarehouseMigrationsProps): { isComplete: PlatformFunction; onEvent: PlatformFunction } {
    const isComplete = new PlatformFunction(this.home, 'SqlMigrations', {
      lambdaDir: 'sql-migrations',
      handlerName: 'isComplete',
      serviceName: 'sql-migrations',
      description: 'Applies the pending sql/ migrations to the warehouse through the Redshift Data API',
      timeout: Duration.minutes(14),
      memorySize: 256,
      key: props.key,
      bundleFolders: ['sql'],
    });
    const onEvent = new PlatformFunction(this.home, 'SqlMigrationsOnEvent', {
      lambdaDir: 'sql-migrations',
      serviceName: 'sql-migrations',
      description: 'Accepts SQL-migration requests (the isComplete handler applies them)',
      timeout: Duration.seconds(30),
      memorySize: 256,
      key: props.key,
    });
    Validations.of(onEvent).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'X-Ray PutTraceSegments/PutTelemetryRecords (active tracing) have no resource type.',
    });
    props.cluster.grantDataApi(isComplete);
    props.cluster.grantReadCredentials(isComplete);
    return { isComplete, onEvent };
  }

  private provider(isComplete: PlatformFunction, onEvent: PlatformFunction): cr.Provider {
    const provider = new cr.Provider(this.home, 'SqlMigrationsProvider', {
      onEventHandler: onEvent,
      isCompleteHandler: isComplete,
      queryInterval: Duration.minutes(1),
      totalTimeout: Duration.hours(2),
      logGroup: new logs.LogGroup(this.home, 'SqlMigrationsProviderLogs', { retention: logs.RetentionDays.ONE_YEAR }),
    });
    Validations.of(provider).acknowledge(
      {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason: 'The custom-resource framework function of aws-cdk-lib; the managed policy grants only log writes.',
      },
      ...[
        isComplete,
        onEvent,
        provider.node.findChild('framework-isComplete'),
        provider.node.findChild('framework-onTimeout'),
      ].map((f) => ({
        id: `AwsSolutions-IAM5[Resource::<${logicalIdOf(f)}.Arn>:*]`,
        reason:
          'The framework functions and waiter may invoke only the migration functions and the framework functions ' +
          '(and their versions, `:*`); aws-cdk-lib generates these statements.',
      })),
      {
        id: 'AwsSolutions-SF1',
        reason: 'The isComplete waiter state machine of the aws-cdk-lib provider framework; its steps log via Lambda.',
      },
      {
        id: 'AwsSolutions-SF2',
        reason: 'The isComplete waiter state machine of the aws-cdk-lib provider framework has no X-Ray option.',
      },
      {
        id: 'AwsSolutions-L1',
        reason: 'The custom-resource framework function runtime is chosen by aws-cdk-lib, not by this project.',
      }
    );
    return provider;
  }
}
