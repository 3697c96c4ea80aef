import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Construct } from 'constructs';
import { subscribeEmails } from '../shared/operator-outputs';

/** An alarm that notifies a topic: by default it fires on one breaching datapoint of at least 1. */
export interface TopicAlarmProps {
  readonly metric: cloudwatch.IMetric;
  /** What went wrong, as the operator reads it in the notification. */
  readonly description: string;
  /** @default 1 */
  readonly threshold?: number;
  /** @default GREATER_THAN_OR_EQUAL_TO_THRESHOLD */
  readonly comparisonOperator?: cloudwatch.ComparisonOperator;
  /** @default 1 */
  readonly evaluationPeriods?: number;
  /** Also send the OK transition (the all-clear). @default true */
  readonly notifyOk?: boolean;
}

/**
 * The one alarm shape of the platform: missing data is not breaching, the ALARM (and unless `notifyOk: false` the OK)
 * transition goes to `topic`. `OperationsTopic.alarm` is this with the operations topic.
 */
export function topicAlarm(scope: Construct, id: string, topic: sns.ITopic, props: TopicAlarmProps): cloudwatch.Alarm {
  const alarm = new cloudwatch.Alarm(scope, id, {
    alarmDescription: props.description,
    metric: props.metric,
    threshold: props.threshold ?? 1,
    evaluationPeriods: props.evaluationPeriods ?? 1,
    comparisonOperator: props.comparisonOperator ?? cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
  const action = new cwActions.SnsAction(topic);
  alarm.addAlarmAction(action);
  if (props.notifyOk ?? true) alarm.addOkAction(action);
  return alarm;
}

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

  /** A new alarm in `scope` whose ALARM and OK transitions go to the operations topic (see `topicAlarm`). */
  alarm(scope: Construct, id: string, props: Omit<TopicAlarmProps, 'notifyOk'>): cloudwatch.Alarm {
    return topicAlarm(scope, id, this.topic, props);
  }

  /** Sends an existing alarm's ALARM and OK transitions to the operations topic. */
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
