import { Aws, CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import type { PlatformConfig } from '../config';
import { BiDashboard } from './bi-dashboard';
import { BiDatabaseUser } from './bi-database-user';
import { BiDatasets } from './bi-datasets';
import { QuickSightVpcConnection } from './quicksight-vpc-connection';

/** What the BI stack uses of the warehouse. */
export interface BiWarehouse {
  readonly vpc: ec2.IVpc;
  readonly clusterSecurityGroup: ec2.ISecurityGroup;
  readonly clusterIdentifier: string;
  readonly clusterArn: string;
  readonly clusterEndpointAddress: string;
  readonly port: number;
  readonly databaseName: string;
  readonly adminSecret: secretsmanager.ISecret;
  /** The key of the Redshift-managed admin secret. */
  readonly key: kms.IKey;
  /** Redshift group of the BI users (`warehouse.userGroups.bi`). */
  readonly biGroup: string;
}

export interface BiStackProps extends StackProps {
  readonly config: PlatformConfig;
  readonly warehouse: BiWarehouse;
}

/** The IAM role QuickSight creates when an administrator enables its Secrets Manager integration. */
export const QUICKSIGHT_SECRETS_ROLE = 'service-role/aws-quicksight-secretsmanager-role-v0';

/**
 * Stateless, opt-in (`bi.enabled`): QuickSight over the warehouse. A VPC connection into the warehouse's isolated
 * subnets (own security group, admitted by the cluster's group on the cluster port), the dedicated BI database user
 * (secret + custom resource), the Redshift data source, datasets and SPICE refreshes, and the dashboard.
 */
export class BiStack extends Stack {
  readonly vpcConnection: QuickSightVpcConnection;
  readonly databaseUser: BiDatabaseUser;
  readonly datasets: BiDatasets;
  readonly dashboard: BiDashboard;

  constructor(scope: Construct, id: string, props: BiStackProps) {
    super(scope, id, props);
    const { config, warehouse } = props;
    const bi = config.bi;
    // QuickSight ids are physical names the service requires: derived from the stack prefix.
    const idPrefix = config.stackPrefix.toLowerCase();
    const principals = { owners: bi.ownerArns, viewers: bi.viewerArns };

    this.vpcConnection = new QuickSightVpcConnection(this, 'VpcConnection', {
      vpcConnectionId: `${idPrefix}-warehouse`,
      name: `${config.stackPrefix} warehouse`,
      vpc: warehouse.vpc,
      subnets: { subnets: warehouse.vpc.isolatedSubnets },
    });
    this.vpcConnection.allowTo(
      warehouse.clusterSecurityGroup,
      warehouse.port,
      'QuickSight VPC connection to the Redshift cluster'
    );

    this.databaseUser = new BiDatabaseUser(this, 'DatabaseUser', {
      clusterIdentifier: warehouse.clusterIdentifier,
      clusterArn: warehouse.clusterArn,
      databaseName: warehouse.databaseName,
      adminSecret: warehouse.adminSecret,
      adminSecretKey: warehouse.key,
      username: bi.databaseUser,
      group: warehouse.biGroup,
    });
    this.databaseUser.grantReadToQuickSight(
      iam.Role.fromRoleArn(
        this,
        'QuickSightSecretsRole',
        `arn:${Aws.PARTITION}:iam::${Aws.ACCOUNT_ID}:role/${QUICKSIGHT_SECRETS_ROLE}`,
        { mutable: true }
      )
    );

    this.datasets = new BiDatasets(this, 'Datasets', {
      idPrefix,
      vpcConnectionArn: this.vpcConnection.vpcConnectionArn,
      clusterIdentifier: warehouse.clusterIdentifier,
      clusterEndpointAddress: warehouse.clusterEndpointAddress,
      port: warehouse.port,
      databaseName: warehouse.databaseName,
      credentialsSecretArn: this.databaseUser.secret.secretArn,
      importMode: bi.importMode,
      refreshLocalTime: bi.refreshLocalTime,
      timeZone: config.timeZone,
      principals,
    });
    // The data source connects as the BI user: create the user (and its secret policy) first.
    this.datasets.dataSource.node.addDependency(this.databaseUser.resource);

    this.dashboard = new BiDashboard(this, 'Dashboard', {
      dashboardId: `${idPrefix}-factory`,
      name: `Smart factory (${config.name})`,
      dataSetArns: new Map([...this.datasets.dataSets].map(([key, ds]) => [key, ds.attrArn])),
      principals,
    });

    new CfnOutput(this, 'DashboardUrl', {
      description: 'The QuickSight dashboard (sign in to QuickSight as one of bi.ownerArns / bi.viewerArns)',
      value: `https://${Aws.REGION}.quicksight.aws.amazon.com/sn/dashboards/${idPrefix}-factory`,
    });
    new CfnOutput(this, 'DatabaseUserSecretArn', {
      description: 'Secret of the QuickSight Redshift user (username/password)',
      value: this.databaseUser.secret.secretArn,
    });
  }
}
