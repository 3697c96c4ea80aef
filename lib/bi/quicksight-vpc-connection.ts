import { Aws } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as quicksight from 'aws-cdk-lib/aws-quicksight';
import { Construct } from 'constructs';
import { acknowledgeIam5 } from '../shared/nag';

export interface QuickSightVpcConnectionProps {
  /** QuickSight resource id (the service requires one; derived from the config). */
  readonly vpcConnectionId: string;
  readonly name: string;
  readonly vpc: ec2.IVpc;
  /** Subnets the QuickSight network interfaces go into (the warehouse's isolated subnets). */
  readonly subnets: ec2.SubnetSelection;
}

/**
 * A QuickSight VPC connection into the warehouse VPC: its own security group (egress only where `allowTo` opens it;
 * QuickSight's ENIs need no ingress since security groups are stateful) and the role QuickSight assumes to manage its
 * network interfaces in those subnets.
 */
export class QuickSightVpcConnection extends Construct {
  readonly securityGroup: ec2.SecurityGroup;
  readonly role: iam.Role;
  readonly connection: quicksight.CfnVPCConnection;
  /** `arn:...:quicksight:<region>:<account>:vpcConnection/<id>` for data sources. */
  readonly vpcConnectionArn: string;

  constructor(scope: Construct, id: string, props: QuickSightVpcConnectionProps) {
    super(scope, id);
    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'QuickSight VPC connection: egress to the Redshift cluster port only',
      allowAllOutbound: false,
    });
    // The VPC connection role (QuickSight user guide, "Creating a VPC connection"): ENI management in the subnets.
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('quicksight.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
      description: 'QuickSight VPC connection: creates and removes its network interfaces in the warehouse subnets',
    });
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: [
          'ec2:CreateNetworkInterface',
          'ec2:ModifyNetworkInterfaceAttribute',
          'ec2:DeleteNetworkInterface',
          'ec2:DescribeSubnets',
          'ec2:DescribeSecurityGroups',
        ],
        resources: ['*'],
      })
    );
    acknowledgeIam5(
      this.role,
      ['Resource::*'],
      'The actions QuickSight documents for a VPC connection role: ec2:Describe* and the network-interface calls ' +
        'have no resource-level scope before the interface exists; the role is assumable only by QuickSight of this ' +
        'account (aws:SourceAccount).'
    );
    const subnetIds = props.vpc.selectSubnets(props.subnets).subnetIds;
    this.connection = new quicksight.CfnVPCConnection(this, 'Resource', {
      awsAccountId: Aws.ACCOUNT_ID,
      vpcConnectionId: props.vpcConnectionId,
      name: props.name,
      roleArn: this.role.roleArn,
      securityGroupIds: [this.securityGroup.securityGroupId],
      subnetIds,
    });
    // The connection creates its interfaces with the role: keep the policy until the connection is gone.
    this.connection.node.addDependency(this.role);
    this.vpcConnectionArn = this.connection.attrArn;
  }

  /**
   * Lets the connection reach `target` on `port`: egress from the connection's group and ingress on the target's
   * group (created in this stack; the target's stack is not edited).
   */
  allowTo(target: ec2.ISecurityGroup, port: number, description: string): void {
    // Inline (a peer by id): a separate egress resource would leave EC2's default allow-all egress rule in place,
    // since CDK drops its "no traffic" placeholder as soon as any egress rule is added.
    this.securityGroup.addEgressRule(ec2.Peer.securityGroupId(target.securityGroupId), ec2.Port.tcp(port), description);
    new ec2.CfnSecurityGroupIngress(this, 'TargetIngress', {
      groupId: target.securityGroupId,
      sourceSecurityGroupId: this.securityGroup.securityGroupId,
      ipProtocol: 'tcp',
      fromPort: port,
      toPort: port,
      description,
    });
  }
}
