import { type CfnElement, Stack, Token, Validations } from 'aws-cdk-lib';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference';
import type { IConstruct } from 'constructs';

/**
 * The cdk-nag `Resource::` finding ids of `bucket.arnForObjects(pattern)` as seen from `scope`. A bucket of another
 * stack renders as `<Logical.Arn>/pattern` before synthesis (tests) and as `<export name>/pattern` once CDK has turned
 * the reference into an import (synth with the plugin attached), so both forms are returned. `exportValue` yields the
 * very export the automatic cross-stack reference uses.
 */
export function bucketObjectsNagIds(scope: IConstruct, bucket: s3.IBucket, pattern: string): string[] {
  const stack = Stack.of(scope);
  const ids = [flattenCfnReference(stack.resolve(bucket.arnForObjects(pattern)))];
  const producer = Stack.of(bucket);
  if (producer !== stack) {
    ids.push(flattenCfnReference(stack.resolve(`${producer.exportValue(bucket.bucketArn)}/${pattern}`)));
  }
  return ids.map((r) => `Resource::${r}`);
}

/**
 * `bucket`'s ARN as `scope`'s stack should reference it: when the bucket lives in another stack, an explicit import of
 * the producer's export (the very export CDK's automatic reference creates). A policy then renders the same before and
 * during synthesis, so its cdk-nag finding has one id (`resourceNagId`).
 */
export function bucketArnFor(scope: IConstruct, bucket: s3.IBucket): string {
  const producer = Stack.of(bucket);
  return producer === Stack.of(scope) ? bucket.bucketArn : producer.exportValue(bucket.bucketArn);
}

/** The cdk-nag `Resource::` finding id of a value of `scope`'s own stack (ARNs with pseudo parameters). */
export function resourceNagId(scope: IConstruct, value: string): string {
  return `Resource::${flattenCfnReference(Stack.of(scope).resolve(value))}`;
}

/** Acknowledges AwsSolutions-IAM5 for exactly these findings (`Action::...` / `Resource::...`) under `scope`. */
export function acknowledgeIam5(scope: IConstruct, findings: readonly string[], reason: string): void {
  for (const f of new Set(findings)) Validations.of(scope).acknowledge({ id: `AwsSolutions-IAM5[${f}]`, reason });
}

/**
 * The account as cdk-nag renders it in `scope`'s stack: `<AWS::AccountId>` in an environment-agnostic stack, the
 * account id when the stack has one (`env.account` set, e.g. `-c config=full` with CDK_DEFAULT_ACCOUNT). Use it
 * instead of a literal `<AWS::AccountId>` in acknowledgement ids of ARNs built with pseudo parameters.
 */
export function nagAccount(scope: IConstruct): string {
  const account = Stack.of(scope).account;
  return Token.isUnresolved(account) ? '<AWS::AccountId>' : account;
}

/** The logical ID of a construct's default child (`Resource`) in its stack, as cdk-nag names it in `<Id.Arn>`. */
export function logicalIdOf(c: IConstruct): string {
  const child = c.node.defaultChild;
  if (!child) throw new Error(`${c.node.path} has no default child`);
  return Stack.of(c).getLogicalId(child as CfnElement);
}

/**
 * The export name under which `scope`'s stack imports `value` of `producer`'s stack: cdk-nag names a cross-stack
 * resource by its logical ID before synthesis and by this export after, so acknowledgements accept both.
 */
export function importNameOf(scope: IConstruct, value: string, producer: IConstruct): string {
  const resolved = Stack.of(scope).resolve(Stack.of(producer).exportValue(value)) as { 'Fn::ImportValue'?: string };
  if (!resolved['Fn::ImportValue']) throw new Error(`could not resolve the export of ${producer.node.path}`);
  return resolved['Fn::ImportValue'];
}
