import type { Template } from 'aws-cdk-lib/assertions';

/** Resource types whose replacement loses data or breaks clients: a refactor must keep their logical IDs. */
export const STATEFUL_TYPES = [
  'AWS::EC2::VPC',
  'AWS::EC2::Subnet',
  'AWS::KMS::Key',
  'AWS::Logs::LogGroup',
  'AWS::Redshift::Cluster',
  'AWS::Redshift::ClusterParameterGroup',
  'AWS::Redshift::ClusterSubnetGroup',
  'AWS::SecretsManager::Secret',
  'AWS::SNS::Topic',
  'AWS::SQS::Queue',
] as const;

/** `<type> <logical id>` of every stateful resource of the template, sorted. */
export function statefulLogicalIds(t: Template): string[] {
  return STATEFUL_TYPES.flatMap((type) => Object.keys(t.findResources(type)).map((id) => `${type} ${id}`)).sort();
}
