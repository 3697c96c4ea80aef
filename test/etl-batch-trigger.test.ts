import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { template } from './helpers/app';
import { etlTestStack } from './helpers/etl';

const { app, etl } = etlTestStack();
const t = template(etl);
const lake = template(app.node.findChild('SmartFactoryLake') as never);

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

function triggerPolicyStatements(): Json[] {
  const policies = t.findResources('AWS::IAM::Policy');
  return Object.entries(policies)
    .filter(([id]) => id.startsWith('BatchTrigger'))
    .flatMap(([, p]) => (p as Json).Properties.PolicyDocument.Statement as Json[]);
}

describe('batch landing trigger', () => {
  it('the raw zone sends its events to EventBridge (on the bucket itself, no custom resource)', () => {
    lake.hasResourceProperties('AWS::S3::Bucket', {
      NotificationConfiguration: { EventBridgeConfiguration: { EventBridgeEnabled: true } },
    });
    expect(Object.keys(lake.findResources('Custom::S3BucketNotifications'))).toEqual([]);
  });

  it('an EventBridge rule sends batch/ Object Created events of the raw bucket to an encrypted queue with a DLQ', () => {
    t.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.s3'],
        'detail-type': ['Object Created'],
        detail: { bucket: { name: [Match.anyValue()] }, object: { key: [{ prefix: 'batch/' }] } },
      },
      Targets: [Match.objectLike({ DeadLetterConfig: Match.objectLike({ Arn: Match.anyValue() }) })],
    });
    const queues = Object.entries(t.findResources('AWS::SQS::Queue')).filter(([id]) => id.startsWith('BatchTrigger'));
    expect(queues).toHaveLength(2);
    for (const [, q] of queues) expect((q as Json).Properties.KmsMasterKeyId).toBeDefined();
    t.hasResourceProperties('AWS::SQS::Queue', {
      VisibilityTimeout: 900,
      RedrivePolicy: { maxReceiveCount: 40, deadLetterTargetArn: Match.anyValue() },
    });
  });

  it('one function at a time, partial batch responses, settings in its environment', () => {
    t.hasResourceProperties('AWS::Lambda::Function', {
      ReservedConcurrentExecutions: 1,
      Environment: {
        Variables: Match.objectLike({
          TIME_ZONE: 'Asia/Seoul',
          EXECUTION_LOOKBACK_HOURS: '9',
          STATE_MACHINE_ARN: Match.anyValue(),
          RAW_BUCKET: Match.anyValue(),
        }),
      },
    });
    t.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('least privilege: batch/ objects only, executions of the daily workflow only', () => {
    const statements = triggerPolicyStatements();
    const byAction = (a: string) => statements.filter((s) => [s.Action].flat().includes(a));
    expect(JSON.stringify(byAction('s3:GetObject').map((s) => s.Resource))).toMatch(/\/batch\/\*/);
    expect(byAction('s3:PutObject')).toEqual([]);
    expect(byAction('s3:DeleteObject')).toEqual([]);
    const list = byAction('s3:ListBucket');
    expect(list[0].Condition).toEqual({ StringLike: { 's3:prefix': ['batch/*'] } });
    expect(JSON.stringify(byAction('states:StartExecution')[0].Resource)).toMatch(/StateMachine/);
    expect(JSON.stringify(byAction('states:DescribeExecution')[0].Resource)).toMatch(/:execution:/);
  });

  it('alarms on the dead-letter queue, function errors and invalid manifests go to operations', () => {
    const alarms = Object.entries(t.findResources('AWS::CloudWatch::Alarm')).filter(([id]) =>
      id.startsWith('BatchTrigger')
    );
    expect(alarms.map(([, a]) => (a as Json).Properties.MetricName).sort()).toEqual([
      'ApproximateNumberOfMessagesVisible',
      'BatchManifestsInvalid',
      'Errors',
    ]);
    for (const [, a] of alarms) expect((a as Json).Properties.AlarmActions).toHaveLength(1);
  });

  it('outputs what the CLI reads', () => {
    t.hasOutput('DailyWorkflowArn', { Value: { Ref: Match.stringLikeRegexp('StateMachine') } });
    t.hasOutput('PlatformTimeZone', { Value: 'Asia/Seoul' });
    t.hasOutput('BatchTriggerDeadLetterQueueUrl', Match.anyValue());
  });
});
