import { Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { IConstruct } from 'constructs';
import { acknowledgeIam5, bucketArnFor, resourceNagId } from '../shared/nag';

/**
 * Grants `actions` on the objects under one prefix of a lake bucket (of another stack) and acknowledges that prefix
 * wildcard. `bucket.grant*()` would grant the whole bucket's read or write action families; the streaming functions
 * and roles get only the actions they call, on their own prefix.
 */
export function grantLakePrefix(
  grantee: iam.IGrantable & IConstruct,
  bucket: s3.IBucket,
  prefix: string,
  actions: string[],
  why: string
): void {
  const objects = `${bucketArnFor(grantee, bucket)}/${prefix}*`;
  grantee.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({ actions, resources: [objects] }));
  acknowledgeIam5(grantee, [resourceNagId(grantee, objects)], `Objects under the lake prefix ${prefix} only. ${why}`);
}

/** Acknowledges the wildcards that CDK grant helpers generate (X-Ray, KMS data-key actions, S3 prefix objects). */
export function acknowledgeGrantWildcards(scope: IConstruct): void {
  const ids: [string, string][] = [
    ['AwsSolutions-IAM5[Resource::*]', 'X-Ray PutTraceSegments/PutTelemetryRecords support no resource ARNs.'],
    ['AwsSolutions-IAM5[Action::kms:GenerateDataKey*]', 'CDK grant: data keys of the one CMK named in Resource.'],
    ['AwsSolutions-IAM5[Action::kms:ReEncrypt*]', 'CDK grant: re-encryption under the one CMK named in Resource.'],
    ['AwsSolutions-IAM5[Action::s3:GetObject*]', 'CDK grant: read actions on one lake prefix.'],
    ['AwsSolutions-IAM5[Action::s3:GetBucket*]', 'CDK grant: bucket metadata of one lake bucket.'],
    ['AwsSolutions-IAM5[Action::s3:List*]', 'CDK grant: listing of one lake bucket.'],
    ['AwsSolutions-IAM5[Action::s3:DeleteObject*]', 'CDK grant: replace/delete snapshots under one prefix.'],
    ['AwsSolutions-IAM5[Action::s3:Abort*]', 'CDK grant: abort multipart uploads under one prefix.'],
  ];
  for (const [id, reason] of ids) Validations.of(scope).acknowledge({ id, reason });
}
