import type { RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as redshift from 'aws-cdk-lib/aws-redshift';
import type { Construct } from 'constructs';
import { StackScopedConstruct } from '../shared/stack-scoped';

export interface WarehouseNetworkProps {
  /** Removal policy of the flow-log group (the config's `dataRemoval`). */
  readonly removalPolicy: RemovalPolicy;
}

/**
 * The warehouse's network: a VPC of isolated subnets only (no internet route) with flow logs; S3 through a gateway
 * endpoint (COPY/UNLOAD/Spectrum with enhanced VPC routing), Glue, KMS and STS through interface endpoints that admit
 * HTTPS from the cluster only; the cluster's security group and subnet group.
 *
 * Resources (logical IDs as before the split): `Vpc…`, `FlowLogGroup…`, `EndpointSecurityGroup…`,
 * `ClusterSecurityGroup…`, `SubnetGroup`.
 */
export class WarehouseNetwork extends StackScopedConstruct {
  readonly vpc: ec2.Vpc;
  /** The cluster's security group (no ingress of its own; clients such as the BI stack add theirs). */
  readonly clusterSecurityGroup: ec2.SecurityGroup;
  readonly subnetGroup: redshift.CfnClusterSubnetGroup;

  constructor(scope: Construct, id: string, props: WarehouseNetworkProps) {
    super(scope, id);
    this.vpc = this.isolatedVpc(props.removalPolicy);
    const endpointSecurityGroup = this.interfaceEndpoints();
    this.clusterSecurityGroup = new ec2.SecurityGroup(this.home, 'ClusterSecurityGroup', {
      vpc: this.vpc,
      description: 'Redshift cluster: no ingress by default (the Data API needs none); add clients explicitly',
      // Isolated subnets have no route out of the VPC: egress reaches only the endpoints (S3 gateway, Glue, KMS, STS).
      allowAllOutbound: true,
    });
    endpointSecurityGroup.addIngressRule(
      this.clusterSecurityGroup,
      ec2.Port.tcp(443),
      'HTTPS from the Redshift cluster'
    );
    this.subnetGroup = new redshift.CfnClusterSubnetGroup(this.home, 'SubnetGroup', {
      description: 'Isolated subnets of the smart-factory warehouse',
      subnetIds: this.vpc.isolatedSubnets.map((s) => s.subnetId),
    });
  }

  /** Two AZs of isolated subnets, the S3 gateway endpoint, flow logs to a log group kept for a year. */
  private isolatedVpc(removalPolicy: RemovalPolicy): ec2.Vpc {
    const vpc = new ec2.Vpc(this.home, 'Vpc', {
      maxAzs: 2,
      natGateways: 0,
      subnetConfiguration: [{ name: 'warehouse', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 }],
      gatewayEndpoints: { S3: { service: ec2.GatewayVpcEndpointAwsService.S3 } },
    });
    vpc.addFlowLog('FlowLogs', {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(
        new logs.LogGroup(this.home, 'FlowLogGroup', { retention: logs.RetentionDays.ONE_YEAR, removalPolicy })
      ),
    });
    return vpc;
  }

  /** Glue (Spectrum's catalog calls), KMS (SSE-KMS on the lake) and STS behind one security group; returns it. */
  private interfaceEndpoints(): ec2.SecurityGroup {
    const securityGroup = new ec2.SecurityGroup(this.home, 'EndpointSecurityGroup', {
      vpc: this.vpc,
      description: 'Interface endpoints of the warehouse VPC: HTTPS from the cluster only',
      allowAllOutbound: false,
    });
    for (const [name, service] of [
      ['Glue', ec2.InterfaceVpcEndpointAwsService.GLUE],
      ['Kms', ec2.InterfaceVpcEndpointAwsService.KMS],
      ['Sts', ec2.InterfaceVpcEndpointAwsService.STS],
    ] as const) {
      this.vpc.addInterfaceEndpoint(name, {
        service,
        privateDnsEnabled: true,
        securityGroups: [securityGroup],
        open: false,
      });
    }
    return securityGroup;
  }
}
