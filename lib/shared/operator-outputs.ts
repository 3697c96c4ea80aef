import { Annotations, CfnOutput } from 'aws-cdk-lib';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as subs from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';

/**
 * What an operator reads after `cdk deploy` (printed by the CLI, and in `aws cloudformation describe-stacks`). Plain
 * outputs, not exports: nothing else may come to depend on them.
 */
export interface OperatorOutput {
  readonly value: string;
  readonly description: string;
}

/** Adds one CfnOutput per entry under `scope`, the output id being the key. */
export function addOperatorOutputs(scope: Construct, outputs: Readonly<Record<string, OperatorOutput>>): void {
  for (const [id, o] of Object.entries(outputs)) new CfnOutput(scope, id, o);
}

/**
 * Subscribes `emails` to `topic`. SNS sends each address a confirmation e-mail; nothing is delivered to it until the
 * recipient follows the "Confirm subscription" link. With no address at all, synthesis warns (an annotation, not an
 * error): the topic would then notify nobody.
 */
export function subscribeEmails(topic: sns.ITopic, emails: readonly string[], what: string, configKey: string): void {
  for (const email of emails) topic.addSubscription(new subs.EmailSubscription(email));
  if (emails.length === 0) {
    Annotations.of(topic).addWarningV2(
      '@smart-factory/topic-without-subscriber',
      `The ${what} topic has no subscriber, so nobody is notified: set ${configKey} (e.g. in a -c configFile=<json>)` +
        ' and confirm the e-mail SNS sends each address.'
    );
  }
}
