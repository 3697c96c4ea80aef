import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';

/**
 * Read access to a secret owned by another (stateful) stack, granted on the grantee's identity policy only.
 *
 * `secret.grantRead()` also edits the secret key's resource policy, which makes the stateful stack depend on the
 * consumer's role: a dependency cycle between stacks, and a stateful stack that changes whenever a consumer does. The
 * platform's keys keep CDK's default key policy (the account may delegate through IAM), so an identity statement for
 * `kms:Decrypt` via Secrets Manager is enough.
 */
export function grantSecretReadFromOtherStack(grantee: iam.IGrantable, secret: secretsmanager.ISecret): void {
  iam.Grant.addToPrincipal({
    grantee,
    actions: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
    resourceArns: [secret.secretArn],
  });
  if (secret.encryptionKey) {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['kms:Decrypt'],
        resources: [secret.encryptionKey.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${Stack.of(secret).region}.amazonaws.com` } },
      })
    );
  }
}
