import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ArnFormat,
  Aws,
  type CfnElement,
  CustomResource,
  Duration,
  Stack,
  type StackProps,
  Validations,
} from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as redshift from 'aws-cdk-lib/aws-redshift';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as cr from 'aws-cdk-lib/custom-resources';
import type { Construct } from 'constructs';
import type { PlatformConfig } from '../config';
import { allowCloudWatchLogs } from '../shared/kms-policies';
import type { DataLakeStorage } from '../lake/data-lake-storage';
import type { LakeCatalog } from '../lake/lake-catalog';
import { LakeLayout } from '../lake/lake-layout';
import { bucketObjectsNagIds, resourceNagId } from '../shared/nag';
import type { OperationsTopic } from '../operations/operations-topic';
import { addOperatorOutputs } from '../shared/operator-outputs';
import { PlatformFunction } from '../shared/platform-function';
import { dataRemovalPolicy } from '../shared/removal';
import { ResizeReconciler } from './resize-reconciler';
import { dailyCron } from './resize-schedule';
import { buildWlmJson, platformWlm } from './wlm';
import { sqlFilesHash as hashSqlFiles } from '../../lambdas/sql-migrations/migrations';

const REPO_ROOT = join(__dirname, '..', '..');
export const SQL_DIR = join(REPO_ROOT, 'sql');

/** The Spectrum archive tables sql/V004 creates in the lake's Glue database. */
export const ARCHIVE_TABLES = ['fact_sensor_reading', 'fact_production', 'fact_daily_retail_sales'] as const;

/** The ETL user of docs/contracts.md; its password lives in `etlSecret`. */
export const ETL_USERNAME = 'etl_user';

export interface WarehouseStackProps extends StackProps {
  readonly config: PlatformConfig;
  readonly storage: DataLakeStorage;
  readonly catalog: LakeCatalog;
  readonly operations: OperationsTopic;
}

/** What other stacks use of the warehouse (docs/contracts.md). */
export interface Warehouse {
  readonly clusterIdentifier: string;
  readonly clusterArn: string;
  readonly databaseName: string;
  readonly port: number;
  readonly adminSecret: secretsmanager.ISecret;
  readonly etlSecret: secretsmanager.ISecret;
  readonly warehouseRole: iam.IRole;
}

/** sha256 over the migration files (name and content, in order): a change re-runs the migration custom resource. */
export function sqlFilesHash(dir = SQL_DIR): string {
  return hashSqlFiles(readdirSync(dir).map((file) => ({ file, content: readFileSync(join(dir, file)) })));
}

/**
 * Stateful: the Redshift warehouse. A private, encrypted RA3 cluster in isolated subnets with enhanced VPC routing,
 * audit logs to the lake's logs bucket, a parameter group with TLS, activity logging and the typed Automatic WLM, the
 * Spectrum/COPY/UNLOAD role scoped to the lake, the ETL user's secret, scheduled elastic resizes in local time, and the
 * SQL migrations applied through the Data API on every deploy.
 */
export class WarehouseStack extends Stack {
  readonly warehouse: Warehouse;
  readonly cluster: redshift.CfnCluster;
  readonly parameterGroup: redshift.CfnClusterParameterGroup;
  readonly vpc: ec2.Vpc;
  /** The cluster's security group (no ingress of its own; clients such as the BI stack add theirs). */
  readonly clusterSecurityGroup: ec2.ISecurityGroup;
  readonly key: kms.Key;
  readonly resizeDeadLetterQueue?: sqs.Queue;
  /** Dead-letter queue of the scheduled resizes and of the pause/resume schedules (one queue for both). */
  private scheduleDlq?: sqs.Queue;

  constructor(scope: Construct, id: string, props: WarehouseStackProps) {
    super(scope, id, { terminationProtection: true, ...props });
    const { config, storage, catalog, operations } = props;
    const w = config.warehouse;
    const removalPolicy = dataRemovalPolicy(config.dataRemoval);

    const key = new kms.Key(this, 'Key', {
      description: 'Smart-factory warehouse: Redshift cluster, its secrets and the resize dead-letter queue',
      enableKeyRotation: true,
      removalPolicy,
      pendingWindow: Duration.days(config.dataRemoval === 'destroy' ? 7 : 30),
    });
    this.key = key;
    allowCloudWatchLogs(key);

    // Network: isolated subnets only (no internet route); S3 through a gateway endpoint (COPY/UNLOAD/Spectrum with
    // enhanced VPC routing), Glue and KMS through interface endpoints (Spectrum's catalog calls, SSE-KMS on the lake).
    const vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: 0,
      subnetConfiguration: [{ name: 'warehouse', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 }],
      gatewayEndpoints: { S3: { service: ec2.GatewayVpcEndpointAwsService.S3 } },
    });
    vpc.addFlowLog('FlowLogs', {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(
        new logs.LogGroup(this, 'FlowLogGroup', { retention: logs.RetentionDays.ONE_YEAR, removalPolicy })
      ),
    });
    const endpointSecurityGroup = new ec2.SecurityGroup(this, 'EndpointSecurityGroup', {
      vpc,
      description: 'Interface endpoints of the warehouse VPC: HTTPS from the cluster only',
      allowAllOutbound: false,
    });
    for (const [name, service] of [
      ['Glue', ec2.InterfaceVpcEndpointAwsService.GLUE],
      ['Kms', ec2.InterfaceVpcEndpointAwsService.KMS],
      ['Sts', ec2.InterfaceVpcEndpointAwsService.STS],
    ] as const) {
      vpc.addInterfaceEndpoint(name, {
        service,
        privateDnsEnabled: true,
        securityGroups: [endpointSecurityGroup],
        open: false,
      });
    }
    this.vpc = vpc;

    const securityGroup = new ec2.SecurityGroup(this, 'ClusterSecurityGroup', {
      vpc,
      description: 'Redshift cluster: no ingress by default (the Data API needs none); add clients explicitly',
      // Isolated subnets have no route out of the VPC: egress reaches only the endpoints (S3 gateway, Glue, KMS, STS).
      allowAllOutbound: true,
    });
    this.clusterSecurityGroup = securityGroup;
    endpointSecurityGroup.addIngressRule(securityGroup, ec2.Port.tcp(443), 'HTTPS from the Redshift cluster');
    const subnetGroup = new redshift.CfnClusterSubnetGroup(this, 'SubnetGroup', {
      description: 'Isolated subnets of the smart-factory warehouse',
      subnetIds: vpc.isolatedSubnets.map((s) => s.subnetId),
    });

    // Spectrum + COPY/UNLOAD role: read the raw and processed zones (COPY), read/write the archive (UNLOAD, Spectrum),
    // read/write the Glue database (external schema, archive partitions).
    const warehouseRole = new iam.Role(this, 'WarehouseRole', {
      assumedBy: new iam.ServicePrincipal('redshift.amazonaws.com'),
      description: 'Redshift Spectrum, COPY and UNLOAD for the smart-factory warehouse',
    });
    storage.rawBucket.grantRead(warehouseRole, `${LakeLayout.rawBatch}*`);
    storage.processedBucket.grantRead(warehouseRole);
    storage.archiveBucket.grantReadWrite(warehouseRole);
    catalog.grantCatalogWrite(warehouseRole);
    // V004 drops and re-creates the archive tables when a half-applied run is repeated: DeleteTable on those only.
    const glueDb = catalog.database.databaseName;
    warehouseRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['glue:DeleteTable'],
        resources: [
          this.formatArn({ service: 'glue', resource: 'catalog' }),
          this.formatArn({ service: 'glue', resource: 'database', resourceName: glueDb }),
          ...ARCHIVE_TABLES.map((t) =>
            this.formatArn({ service: 'glue', resource: 'table', resourceName: `${glueDb}/${t}` })
          ),
        ],
      })
    );
    const logicalId = (c: Construct): string => {
      const child = c.node.defaultChild;
      if (!child) throw new Error(`${c.node.path} has no default child`);
      return Stack.of(c).getLogicalId(child as CfnElement);
    };
    // cdk-nag names a cross-stack resource by its logical id before synthesis and by its export after: accept both.
    const importName = (value: string, producer: Construct): string => {
      const resolved = this.resolve(Stack.of(producer).exportValue(value)) as { 'Fn::ImportValue'?: string };
      if (!resolved['Fn::ImportValue']) throw new Error(`could not resolve the export of ${producer.node.path}`);
      return resolved['Fn::ImportValue'];
    };
    // Token-free: `<AWS::AccountId>` without an account, the account number with one (as cdk-nag renders the policy).
    const glueTablesPrefix = resourceNagId(
      this,
      `arn:${this.partition}:glue:${this.region}:${this.account}:table/`
    ).slice('Resource::'.length);
    const wildcardReason =
      'Wildcards only below named lake resources: objects of the raw batch prefix, the processed and the archive ' +
      "buckets, tables of the lake Glue database; the S3/KMS action groups are those of the buckets' grant methods " +
      '(COPY reads, UNLOAD ALLOWOVERWRITE writes/deletes, Spectrum reads, all under SSE-KMS with the lake key).';
    Validations.of(warehouseRole).acknowledge(
      ...[
        'Action::s3:GetBucket*',
        'Action::s3:GetObject*',
        'Action::s3:List*',
        'Action::s3:Abort*',
        'Action::s3:DeleteObject*',
        'Action::kms:GenerateDataKey*',
        'Action::kms:ReEncrypt*',
        ...bucketObjectsNagIds(this, storage.processedBucket, '*'),
        ...bucketObjectsNagIds(this, storage.rawBucket, `${LakeLayout.rawBatch}*`),
        ...bucketObjectsNagIds(this, storage.archiveBucket, '*'),
        `Resource::${glueTablesPrefix}<${logicalId(catalog.database)}>/*`,
        `Resource::${glueTablesPrefix}${importName(catalog.database.databaseName, catalog.database)}/*`,
      ].map((g) => ({ id: `AwsSolutions-IAM5[${g}]`, reason: wildcardReason }))
    );

    // Audit logs: Redshift writes to the SSE-S3 logs bucket under its prefix; the bucket policy lets the service in.
    const auditPrefix = LakeLayout.redshiftAuditLogs;
    storage.logsBucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'RedshiftAuditLogsPut',
        principals: [new iam.ServicePrincipal('redshift.amazonaws.com')],
        actions: ['s3:PutObject'],
        resources: [storage.logsBucket.arnForObjects(`${auditPrefix}*`)],
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      })
    );
    storage.logsBucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'RedshiftAuditLogsAcl',
        principals: [new iam.ServicePrincipal('redshift.amazonaws.com')],
        actions: ['s3:GetBucketAcl'],
        resources: [storage.logsBucket.bucketArn],
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      })
    );

    const parameterGroup = new redshift.CfnClusterParameterGroup(this, 'ParameterGroup', {
      description: 'Smart-factory warehouse: TLS only, user activity logging, Automatic WLM',
      parameterGroupFamily: 'redshift-1.0',
      parameters: [
        { parameterName: 'require_ssl', parameterValue: 'true' },
        { parameterName: 'enable_user_activity_logging', parameterValue: 'true' },
        { parameterName: 'wlm_json_configuration', parameterValue: buildWlmJson(platformWlm(w.userGroups)) },
      ],
    });
    this.parameterGroup = parameterGroup;

    const cluster = new redshift.CfnCluster(this, 'Cluster', {
      clusterType: 'multi-node',
      nodeType: w.nodeType,
      numberOfNodes: w.numberOfNodes,
      dbName: w.databaseName,
      masterUsername: w.masterUsername,
      manageMasterPassword: true,
      masterPasswordSecretKmsKeyId: key.keyId,
      port: w.port,
      publiclyAccessible: false,
      encrypted: true,
      kmsKeyId: key.keyId,
      enhancedVpcRouting: true,
      clusterSubnetGroupName: subnetGroup.ref,
      vpcSecurityGroupIds: [securityGroup.securityGroupId],
      clusterParameterGroupName: parameterGroup.ref,
      iamRoles: [warehouseRole.roleArn],
      automatedSnapshotRetentionPeriod: w.snapshotRetentionDays,
      allowVersionUpgrade: true,
      loggingProperties: {
        logDestinationType: 's3',
        bucketName: storage.logsBucket.bucketName,
        s3KeyPrefix: auditPrefix,
      },
    });
    cluster.applyRemovalPolicy(removalPolicy);
    this.cluster = cluster;

    const clusterArn = this.formatArn({
      service: 'redshift',
      resource: 'cluster',
      resourceName: cluster.ref,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    const adminSecret = secretsmanager.Secret.fromSecretCompleteArn(
      this,
      'AdminSecret',
      cluster.attrMasterPasswordSecretArn
    );

    const etlSecret = new secretsmanager.Secret(this, 'EtlSecret', {
      description: `Redshift ${ETL_USERNAME} (ETL_User group) for the ETL state machine`,
      encryptionKey: key,
      removalPolicy,
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ username: ETL_USERNAME }),
        generateStringKey: 'password',
        passwordLength: 32,
        // Redshift passwords: 8-64 printable ASCII without ' " \ / @ or space; one upper, lower and digit each.
        excludeCharacters: `'"\\/@ \`$`,
        requireEachIncludedType: true,
      },
    });
    Validations.of(etlSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'The etl_user password is applied by the SQL-migration custom resource (ALTER USER with an MD5 hash) on ' +
        'every deploy; rotate it by rotating the secret value and redeploying (documented in docs/warehouse.md).',
    });

    this.warehouse = {
      clusterIdentifier: cluster.ref,
      clusterArn,
      databaseName: w.databaseName,
      port: w.port,
      adminSecret,
      etlSecret,
      warehouseRole,
    };

    if (w.resizeSchedules.length) {
      this.resizeDeadLetterQueue = this.addResizeSchedules(config, cluster.ref, clusterArn, key, operations);
    }
    if (w.pauseSchedule) this.addPauseSchedules(config, cluster.ref, clusterArn, key, operations);

    this.addMigrations(
      logicalId,
      config,
      cluster,
      adminSecret,
      etlSecret,
      key,
      storage,
      catalog,
      warehouseRole,
      clusterArn
    );
    this.addOperatorOutputs();
  }

  /** Stack outputs an operator needs after a deploy (only this stack's public fields, so it survives refactoring). */
  private addOperatorOutputs(): void {
    const w = this.warehouse;
    addOperatorOutputs(this, {
      ClusterIdentifier: { value: w.clusterIdentifier, description: 'Redshift cluster identifier' },
      ClusterEndpointAddress: {
        value: this.cluster.attrEndpointAddress,
        description: 'Redshift endpoint host (private subnets only; connect from inside the VPC or use the Data API)',
      },
      ClusterEndpointPort: { value: this.cluster.attrEndpointPort, description: 'Redshift port' },
      DatabaseName: { value: w.databaseName, description: 'Database of the platform in the cluster' },
      AdminSecretArn: { value: w.adminSecret.secretArn, description: 'Redshift-managed admin credentials' },
      EtlSecretArn: { value: w.etlSecret.secretArn, description: 'etl_user credentials (the ETL workflow uses them)' },
      ...(this.resizeDeadLetterQueue && {
        ResizeDeadLetterQueueUrl: {
          value: this.resizeDeadLetterQueue.queueUrl,
          description: 'Scheduled resizes Redshift refused (e.g. already at the target size)',
        },
      }),
    });
  }

  /**
   * The encrypted dead-letter queue of the warehouse's EventBridge schedules and its alarm, created once (logical ids
   * `ResizeDeadLetterQueue` / `ResizeDeadLetterAlarm` as before the pause schedules existed).
   */
  private scheduleDeadLetterQueue(key: kms.IKey, operations: OperationsTopic, what: string): sqs.Queue {
    if (this.scheduleDlq) return this.scheduleDlq;
    const dlq = new sqs.Queue(this, 'ResizeDeadLetterQueue', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: key,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(dlq).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is itself the dead-letter queue of the EventBridge Scheduler warehouse schedules.',
    });
    const alarm = new cloudwatch.Alarm(this, 'ResizeDeadLetterAlarm', {
      alarmDescription: `A scheduled Redshift ${what} failed after its retries (see the dead-letter queue)`,
      metric: dlq.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    operations.notifyOn(alarm);
    this.scheduleDlq = dlq;
    return dlq;
  }

  private addResizeSchedules(
    config: PlatformConfig,
    clusterIdentifier: string,
    clusterArn: string,
    key: kms.IKey,
    operations: OperationsTopic
  ): sqs.Queue {
    const dlq = this.scheduleDeadLetterQueue(key, operations, 'elastic resize');

    const role = new iam.Role(this, 'ResizeSchedulerRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
      description: 'EventBridge Scheduler: elastic resize of the smart-factory warehouse only',
    });
    role.addToPolicy(new iam.PolicyStatement({ actions: ['redshift:ResizeCluster'], resources: [clusterArn] }));
    dlq.grantSendMessages(role);
    Validations.of(role).acknowledge(
      ...['Action::kms:GenerateDataKey*', 'Action::kms:ReEncrypt*'].map((g) => ({
        id: `AwsSolutions-IAM5[${g}]`,
        reason: 'Only on the warehouse key, for sending failed resizes to the KMS-encrypted dead-letter queue.',
      }))
    );

    for (const s of config.warehouse.resizeSchedules) {
      new scheduler.CfnSchedule(this, `Resize-${s.name}`, {
        description: `Elastic resize of the warehouse to ${s.nodes} nodes at ${s.localTime} ${config.timeZone}`,
        scheduleExpression: dailyCron(s.localTime),
        scheduleExpressionTimezone: config.timeZone,
        flexibleTimeWindow: { mode: 'OFF' },
        state: 'ENABLED',
        target: {
          arn: `arn:${Aws.PARTITION}:scheduler:::aws-sdk:redshift:resizeCluster`,
          roleArn: role.roleArn,
          input: Stack.of(this).toJsonString({
            ClusterIdentifier: clusterIdentifier,
            NumberOfNodes: s.nodes,
            Classic: false,
          }),
          retryPolicy: { maximumRetryAttempts: 3, maximumEventAgeInSeconds: 3600 },
          deadLetterConfig: { arn: dlq.queueArn },
        },
      });
    }
    // A resize that was missed or failed would leave the cluster off the schedule until the next one; this puts it back.
    new ResizeReconciler(this, 'ResizeReconciler', {
      clusterIdentifier,
      clusterArn,
      timeZone: config.timeZone,
      schedules: config.warehouse.resizeSchedules,
      baseNodes: config.warehouse.numberOfNodes,
      key,
      operations,
    });
    return dlq;
  }

  /**
   * Pause and resume of the cluster in local time (issue 11): two EventBridge Scheduler schedules calling the Redshift
   * API directly, a role that may only pause and resume this cluster, failures to the shared dead-letter queue.
   */
  private addPauseSchedules(
    config: PlatformConfig,
    clusterIdentifier: string,
    clusterArn: string,
    key: kms.IKey,
    operations: OperationsTopic
  ): void {
    const p = config.warehouse.pauseSchedule!;
    const dlq = this.scheduleDeadLetterQueue(key, operations, 'pause or resume');
    const role = new iam.Role(this, 'PauseSchedulerRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
      description: 'EventBridge Scheduler: pause and resume of the smart-factory warehouse only',
    });
    role.addToPolicy(
      new iam.PolicyStatement({ actions: ['redshift:PauseCluster', 'redshift:ResumeCluster'], resources: [clusterArn] })
    );
    dlq.grantSendMessages(role);
    Validations.of(role).acknowledge(
      ...['Action::kms:GenerateDataKey*', 'Action::kms:ReEncrypt*'].map((g) => ({
        id: `AwsSolutions-IAM5[${g}]`,
        reason: 'Only on the warehouse key, for sending failed pauses/resumes to the KMS-encrypted dead-letter queue.',
      }))
    );
    const days = p.weekdaysOnly ? 'Monday to Friday' : 'every day';
    for (const [id, action, localTime] of [
      ['Pause', 'pauseCluster', p.pauseLocalTime],
      ['Resume', 'resumeCluster', p.resumeLocalTime],
    ] as const) {
      new scheduler.CfnSchedule(this, `${id}Schedule`, {
        description: `${id} the warehouse at ${localTime} ${config.timeZone}, ${days}`,
        scheduleExpression: dailyCron(localTime, p.weekdaysOnly === true),
        scheduleExpressionTimezone: config.timeZone,
        flexibleTimeWindow: { mode: 'OFF' },
        state: 'ENABLED',
        target: {
          arn: `arn:${Aws.PARTITION}:scheduler:::aws-sdk:redshift:${action}`,
          roleArn: role.roleArn,
          input: Stack.of(this).toJsonString({ ClusterIdentifier: clusterIdentifier }),
          retryPolicy: { maximumRetryAttempts: 3, maximumEventAgeInSeconds: 3600 },
          deadLetterConfig: { arn: dlq.queueArn },
        },
      });
    }
  }

  private addMigrations(
    logicalId: (c: Construct) => string,
    config: PlatformConfig,
    cluster: redshift.CfnCluster,
    adminSecret: secretsmanager.ISecret,
    etlSecret: secretsmanager.ISecret,
    key: kms.IKey,
    storage: DataLakeStorage,
    catalog: LakeCatalog,
    warehouseRole: iam.IRole,
    clusterArn: string
  ): void {
    const w = config.warehouse;
    // The work runs in the provider's isComplete handler, polled for up to two hours, so a long statement never meets
    // a Lambda deadline; onEvent only accepts the request.
    const fn = new PlatformFunction(this, 'SqlMigrations', {
      lambdaDir: 'sql-migrations',
      handlerName: 'isComplete',
      serviceName: 'sql-migrations',
      description: 'Applies the pending sql/ migrations to the warehouse through the Redshift Data API',
      timeout: Duration.minutes(14),
      memorySize: 256,
      key,
      bundleFolders: ['sql'],
    });
    const onEvent = new PlatformFunction(this, 'SqlMigrationsOnEvent', {
      lambdaDir: 'sql-migrations',
      serviceName: 'sql-migrations',
      description: 'Accepts SQL-migration requests (the isComplete handler applies them)',
      timeout: Duration.seconds(30),
      memorySize: 256,
      key,
    });
    Validations.of(onEvent).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'X-Ray PutTraceSegments/PutTelemetryRecords (active tracing) have no resource type.',
    });
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['redshift-data:ExecuteStatement', 'redshift-data:BatchExecuteStatement'],
        resources: [clusterArn],
      })
    );
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['redshift-data:DescribeStatement', 'redshift-data:GetStatementResult'],
        // The Data API authorizes these by statement owner (the caller); statement ids have no ARN.
        resources: ['*'],
      })
    );
    adminSecret.grantRead(fn);
    etlSecret.grantRead(fn);
    // The admin secret (managed by Redshift) is encrypted with the warehouse key.
    key.grantDecrypt(fn);
    Validations.of(fn).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'redshift-data:DescribeStatement/GetStatementResult support no resource-level permissions; the Data API ' +
        'scopes them to statements the same caller started.',
    });

    const provider = new cr.Provider(this, 'SqlMigrationsProvider', {
      onEventHandler: onEvent,
      isCompleteHandler: fn,
      queryInterval: Duration.minutes(1),
      totalTimeout: Duration.hours(2),
      logGroup: new logs.LogGroup(this, 'SqlMigrationsProviderLogs', { retention: logs.RetentionDays.ONE_YEAR }),
    });
    Validations.of(provider).acknowledge(
      {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason: 'The custom-resource framework function of aws-cdk-lib; the managed policy grants only log writes.',
      },
      ...[
        fn,
        onEvent,
        provider.node.findChild('framework-isComplete'),
        provider.node.findChild('framework-onTimeout'),
      ].map((f) => ({
        id: `AwsSolutions-IAM5[Resource::<${logicalId(f)}.Arn>:*]`,
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

    const migrations = new CustomResource(this, 'SqlMigrationsResource', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::RedshiftSqlMigrations',
      properties: {
        SqlHash: sqlFilesHash(),
        ClusterIdentifier: cluster.ref,
        Database: w.databaseName,
        AdminSecretArn: adminSecret.secretArn,
        EtlSecretArn: etlSecret.secretArn,
        EtlGroup: w.userGroups.etl,
        Variables: {
          archive_bucket: storage.archiveBucket.bucketName,
          archive_prefix: LakeLayout.archiveFacts,
          warehouse_role_arn: warehouseRole.roleArn,
          glue_database: catalog.database.databaseName,
          database: w.databaseName,
          etl_group: w.userGroups.etl,
          bi_group: w.userGroups.bi,
          analytics_group: w.userGroups.analytics,
        },
      },
    });
    migrations.node.addDependency(cluster);
  }
}
