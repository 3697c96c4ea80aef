import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Construct } from 'constructs';
import { subscribeEmails } from '../shared/operator-outputs';

export interface OperationsTopicProps {
  /** E-mail addresses subscribed to the topic. */
  readonly emails: readonly string[];
}

/**
 * The operations channel: a KMS-encrypted, TLS-only SNS topic that receives CloudWatch alarms and pipeline failures.
 * Its key lets CloudWatch, EventBridge and EventBridge Scheduler publish; everything else publishes through
 * `grantPublish`.
 */
export class OperationsTopic extends Construct {
  readonly topic: sns.ITopic;
  readonly key: kms.IKey;

  constructor(scope: Construct, id: string, props: OperationsTopicProps) {
    super(scope, id);
    const key = new kms.Key(this, 'Key', {
      description: 'Smart-factory operations notifications',
      enableKeyRotation: true,
    });
    for (const service of ['cloudwatch.amazonaws.com', 'events.amazonaws.com', 'scheduler.amazonaws.com']) {
      key.grant(new iam.ServicePrincipal(service), 'kms:Decrypt', 'kms:GenerateDataKey*');
    }
    const topic = new sns.Topic(this, 'Topic', {
      displayName: 'Smart-factory operations',
      masterKey: key,
      enforceSSL: true,
    });
    subscribeEmails(topic, props.emails, 'operations', 'operationsEmails');
    this.topic = topic;
    this.key = key;
  }

  /** Sends the alarm's ALARM and OK transitions to the operations topic. */
  notifyOn(
    alarm: cloudwatch.IAlarm & {
      addAlarmAction(...a: cloudwatch.IAlarmAction[]): void;
      addOkAction(...a: cloudwatch.IAlarmAction[]): void;
    }
  ): void {
    alarm.addAlarmAction(new cwActions.SnsAction(this.topic));
    alarm.addOkAction(new cwActions.SnsAction(this.topic));
  }

  grantPublish(grantee: iam.IGrantable): iam.Grant {
    return this.topic.grantPublish(grantee);
  }
}
