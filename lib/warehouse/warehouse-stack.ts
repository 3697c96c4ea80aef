import { Stack, type StackProps } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as redshift from 'aws-cdk-lib/aws-redshift';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { PlatformConfig } from '../config';
import type { DataLakeStorage } from '../lake/data-lake-storage';
import type { LakeCatalog } from '../lake/lake-catalog';
import type { OperationsTopic } from '../operations/operations-topic';
import { addOperatorOutputs } from '../shared/operator-outputs';
import { dataRemovalPolicy } from '../shared/removal';
import { ScheduleDeadLetterQueue } from './cluster-api-schedules';
import { ElasticResizeSchedules } from './elastic-resize-schedules';
import { PauseSchedule } from './pause-schedule';
import { ResizeReconciler } from './resize-reconciler';
import { WarehouseCluster } from './warehouse-cluster';
import { WarehouseLakeAccess } from './warehouse-lake-access';
import { WarehouseMigrations } from './warehouse-migrations';
import { WarehouseNetwork } from './warehouse-network';

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

/**
 * Stateful: the Redshift warehouse. Composes the isolated network, the Spectrum/COPY/UNLOAD role scoped to the lake,
 * the encrypted cluster with its parameter group and secrets, the scheduled elastic resizes (and their reconciler) or
 * the dev pause/resume schedule, and the SQL migrations applied through the Data API on every deploy.
 */
export class WarehouseStack extends Stack {
  readonly warehouse: Warehouse;
  readonly cluster: redshift.CfnCluster;
  readonly parameterGroup: redshift.CfnClusterParameterGroup;
  readonly vpc: ec2.Vpc;
  /** The cluster's security group (no ingress of its own; clients such as the BI stack add theirs). */
  readonly clusterSecurityGroup: ec2.ISecurityGroup;
  readonly key: kms.Key;
  /** Dead-letter queue of the scheduled resizes (when the config has some). */
  readonly resizeDeadLetterQueue?: sqs.Queue;

  constructor(scope: Construct, id: string, props: WarehouseStackProps) {
    super(scope, id, { terminationProtection: true, ...props });
    const { config, storage, catalog, operations } = props;
    const w = config.warehouse;
    const removalPolicy = dataRemovalPolicy(config.dataRemoval);

    const network = new WarehouseNetwork(this, 'Network', { removalPolicy });
    const access = new WarehouseLakeAccess(this, 'LakeAccess', {
      rawBucket: storage.rawBucket,
      processedBucket: storage.processedBucket,
      archiveBucket: storage.archiveBucket,
      catalog,
    });
    const cluster = new WarehouseCluster(this, 'Redshift', {
      nodeType: w.nodeType,
      numberOfNodes: w.numberOfNodes,
      databaseName: w.databaseName,
      masterUsername: w.masterUsername,
      port: w.port,
      snapshotRetentionDays: w.snapshotRetentionDays,
      userGroups: w.userGroups,
      subnetGroup: network.subnetGroup,
      securityGroup: network.clusterSecurityGroup,
      role: access.role,
      logsBucket: storage.logsBucket,
      removalPolicy,
      keyPendingWindowDays: config.dataRemoval === 'destroy' ? 7 : 30,
    });
    this.vpc = network.vpc;
    this.clusterSecurityGroup = network.clusterSecurityGroup;
    this.key = cluster.key;
    this.cluster = cluster.cluster;
    this.parameterGroup = cluster.parameterGroup;
    this.warehouse = {
      clusterIdentifier: cluster.cluster.ref,
      clusterArn: cluster.clusterArn,
      databaseName: w.databaseName,
      port: w.port,
      adminSecret: cluster.adminSecret,
      etlSecret: cluster.etlSecret,
      warehouseRole: access.role,
    };

    const scheduleFailures = this.addSchedules(config, cluster, operations);
    // The output names the queue of the resizes (the pause schedule's failures land there too, without an output).
    if (w.resizeSchedules.length) this.resizeDeadLetterQueue = scheduleFailures?.queue;
    new WarehouseMigrations(this, 'Migrations', {
      cluster,
      databaseName: w.databaseName,
      userGroups: w.userGroups,
      key: cluster.key,
      archiveBucketName: storage.archiveBucket.bucketName,
      warehouseRoleArn: access.role.roleArn,
      glueDatabaseName: catalog.database.databaseName,
    });
    this.addOperatorOutputs();
  }

  /**
   * The elastic resizes with their reconciler, or the pause/resume schedule (the config allows one of them), failing
   * into one dead-letter queue; returns it when there is a schedule.
   */
  private addSchedules(
    config: PlatformConfig,
    cluster: WarehouseCluster,
    operations: OperationsTopic
  ): ScheduleDeadLetterQueue | undefined {
    const { resizeSchedules, pauseSchedule } = config.warehouse;
    if (!resizeSchedules.length && !pauseSchedule) return undefined;
    const target = { clusterIdentifier: cluster.cluster.ref, clusterArn: cluster.clusterArn };
    const deadLetterQueue = new ScheduleDeadLetterQueue(this, 'ScheduleFailures', {
      key: cluster.key,
      operations,
      what: resizeSchedules.length ? 'elastic resize' : 'pause or resume',
    });
    if (resizeSchedules.length) {
      new ElasticResizeSchedules(this, 'ElasticResize', {
        ...target,
        schedules: resizeSchedules,
        timeZone: config.timeZone,
        deadLetterQueue,
      });
      // A resize that was missed or failed would leave the cluster off the schedule until the next one; this puts it
      // back.
      new ResizeReconciler(this, 'ResizeReconciler', {
        ...target,
        timeZone: config.timeZone,
        schedules: resizeSchedules,
        baseNodes: config.warehouse.numberOfNodes,
        key: cluster.key,
        operations,
      });
    }
    if (pauseSchedule) {
      new PauseSchedule(this, 'PauseResume', {
        ...target,
        ...pauseSchedule,
        timeZone: config.timeZone,
        deadLetterQueue,
      });
    }
    return deadLetterQueue;
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
}
