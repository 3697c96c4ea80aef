import { ArnFormat, Aws, Duration, type RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as redshift from 'aws-cdk-lib/aws-redshift';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import type { RedshiftNodeType } from '../config';
import { LakeLayout } from '../lake/lake-layout';
import { grantDataApi } from '../shared/data-api';
import { allowCloudWatchLogs } from '../shared/kms-policies';
import { StackScopedConstruct } from '../shared/stack-scoped';
import { buildWlmJson, platformWlm } from './wlm';

/** The ETL user of docs/contracts.md; its password lives in `etlSecret`. */
export const ETL_USERNAME = 'etl_user';

export interface WarehouseClusterProps {
  readonly nodeType: RedshiftNodeType;
  readonly numberOfNodes: number;
  readonly databaseName: string;
  readonly masterUsername: string;
  readonly port: number;
  readonly snapshotRetentionDays: number;
  /** Redshift user groups of the WLM queues. */
  readonly userGroups: { readonly etl: string; readonly bi: string; readonly analytics: string };
  /** Isolated subnets of the cluster. */
  readonly subnetGroup: redshift.CfnClusterSubnetGroup;
  readonly securityGroup: ec2.ISecurityGroup;
  /** The Spectrum/COPY/UNLOAD role the cluster assumes. */
  readonly role: iam.IRole;
  /** The lake's SSE-S3 logs bucket: audit logs go under `LakeLayout.redshiftAuditLogs`. */
  readonly logsBucket: s3.IBucket;
  /** Of the cluster, the key and the ETL secret (the config's `dataRemoval`). */
  readonly removalPolicy: RemovalPolicy;
  /** Days KMS waits before deleting the key once it is scheduled for deletion. */
  readonly keyPendingWindowDays: number;
}

/**
 * The Redshift cluster: private, encrypted multi-node RA3 with enhanced VPC routing, its KMS key, a parameter group
 * with TLS, user activity logging and the typed Automatic WLM, audit logs to the lake's logs bucket, the
 * Redshift-managed admin secret and the ETL user's secret.
 *
 * Resources (logical IDs as before the split): `Key…`, `ParameterGroup`, `Cluster`, `EtlSecret…` and the logs bucket's
 * policy statements (in the lake stack).
 */
export class WarehouseCluster extends StackScopedConstruct {
  readonly key: kms.Key;
  readonly parameterGroup: redshift.CfnClusterParameterGroup;
  readonly cluster: redshift.CfnCluster;
  readonly clusterArn: string;
  readonly adminSecret: secretsmanager.ISecret;
  readonly etlSecret: secretsmanager.Secret;

  constructor(scope: Construct, id: string, props: WarehouseClusterProps) {
    super(scope, id);
    this.key = this.encryptionKey(props);
    this.admitAuditLogs(props.logsBucket);
    this.parameterGroup = new redshift.CfnClusterParameterGroup(this.home, 'ParameterGroup', {
      description: 'Smart-factory warehouse: TLS only, user activity logging, Automatic WLM',
      parameterGroupFamily: 'redshift-1.0',
      parameters: [
        { parameterName: 'require_ssl', parameterValue: 'true' },
        { parameterName: 'enable_user_activity_logging', parameterValue: 'true' },
        { parameterName: 'wlm_json_configuration', parameterValue: buildWlmJson(platformWlm(props.userGroups)) },
      ],
    });
    this.cluster = this.redshiftCluster(props);
    this.clusterArn = Stack.of(this).formatArn({
      service: 'redshift',
      resource: 'cluster',
      resourceName: this.cluster.ref,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    this.adminSecret = secretsmanager.Secret.fromSecretCompleteArn(
      this.home,
      'AdminSecret',
      this.cluster.attrMasterPasswordSecretArn
    );
    this.etlSecret = this.etlUserSecret(props.removalPolicy);
  }

  /**
   * Lets `fn` run SQL on this cluster through the Redshift Data API: start statements on the cluster, describe them
   * and read their results (those two have no resource type: the Data API scopes them to the caller's statements).
   */
  grantDataApi(fn: lambda.IFunction): void {
    grantDataApi(fn, this.clusterArn);
  }

  /** Lets `grantee` read the admin and the ETL user's credentials (both secrets are under the cluster's key). */
  grantReadCredentials(grantee: iam.IGrantable): void {
    this.adminSecret.grantRead(grantee);
    this.etlSecret.grantRead(grantee);
    // The admin secret (managed by Redshift) is encrypted with the warehouse key.
    this.key.grantDecrypt(grantee);
  }

  /** Of the cluster, its secrets and the schedules' dead-letter queue; CloudWatch Logs may use it. */
  private encryptionKey(props: WarehouseClusterProps): kms.Key {
    const key = new kms.Key(this.home, 'Key', {
      description: 'Smart-factory warehouse: Redshift cluster, its secrets and the resize dead-letter queue',
      enableKeyRotation: true,
      removalPolicy: props.removalPolicy,
      pendingWindow: Duration.days(props.keyPendingWindowDays),
    });
    allowCloudWatchLogs(key);
    return key;
  }

  /** Redshift writes audit logs to the SSE-S3 logs bucket under its prefix; the bucket policy lets the service in. */
  private admitAuditLogs(logsBucket: s3.IBucket): void {
    const redshiftService = new iam.ServicePrincipal('redshift.amazonaws.com');
    const conditions = { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } };
    logsBucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'RedshiftAuditLogsPut',
        principals: [redshiftService],
        actions: ['s3:PutObject'],
        resources: [logsBucket.arnForObjects(`${LakeLayout.redshiftAuditLogs}*`)],
        conditions,
      })
    );
    logsBucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'RedshiftAuditLogsAcl',
        principals: [redshiftService],
        actions: ['s3:GetBucketAcl'],
        resources: [logsBucket.bucketArn],
        conditions,
      })
    );
  }

  private redshiftCluster(props: WarehouseClusterProps): redshift.CfnCluster {
    const cluster = new redshift.CfnCluster(this.home, 'Cluster', {
      clusterType: 'multi-node',
      nodeType: props.nodeType,
      numberOfNodes: props.numberOfNodes,
      dbName: props.databaseName,
      masterUsername: props.masterUsername,
      manageMasterPassword: true,
      masterPasswordSecretKmsKeyId: this.key.keyId,
      port: props.port,
      publiclyAccessible: false,
      encrypted: true,
      kmsKeyId: this.key.keyId,
      enhancedVpcRouting: true,
      clusterSubnetGroupName: props.subnetGroup.ref,
      vpcSecurityGroupIds: [props.securityGroup.securityGroupId],
      clusterParameterGroupName: this.parameterGroup.ref,
      iamRoles: [props.role.roleArn],
      automatedSnapshotRetentionPeriod: props.snapshotRetentionDays,
      allowVersionUpgrade: true,
      loggingProperties: {
        logDestinationType: 's3',
        bucketName: props.logsBucket.bucketName,
        s3KeyPrefix: LakeLayout.redshiftAuditLogs,
      },
    });
    cluster.applyRemovalPolicy(props.removalPolicy);
    return cluster;
  }

  /** The ETL user's generated password; the migrations apply it (ALTER USER) on every deploy. */
  private etlUserSecret(removalPolicy: RemovalPolicy): secretsmanager.Secret {
    const secret = new secretsmanager.Secret(this.home, 'EtlSecret', {
      description: `Redshift ${ETL_USERNAME} (ETL_User group) for the ETL state machine`,
      encryptionKey: this.key,
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
    Validations.of(secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'The etl_user password is applied by the SQL-migration custom resource (ALTER USER with an MD5 hash) on ' +
        'every deploy; rotate it by rotating the secret value and redeploying (documented in docs/warehouse.md).',
    });
    return secret;
  }
}
