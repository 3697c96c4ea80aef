import { Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';

/**
 * Lets `fn` run SQL on one Redshift cluster through the Data API: `execute` (the statement-starting actions) on the
 * cluster, DescribeStatement/GetStatementResult on `*`, which cdk-nag is told why (they have no resource type; the
 * Data API scopes them to statements the same caller started).
 */
export function grantDataApi(
  fn: lambda.IFunction,
  clusterArn: string,
  execute: readonly string[] = ['redshift-data:ExecuteStatement', 'redshift-data:BatchExecuteStatement']
): void {
  fn.addToRolePolicy(new iam.PolicyStatement({ actions: [...execute], resources: [clusterArn] }));
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      actions: ['redshift-data:DescribeStatement', 'redshift-data:GetStatementResult'],
      // The Data API authorizes these by statement owner (the caller); statement ids have no ARN.
      resources: ['*'],
    })
  );
  Validations.of(fn).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      'redshift-data:DescribeStatement/GetStatementResult support no resource-level permissions; the Data API ' +
      'scopes them to statements the same caller started.',
  });
}
