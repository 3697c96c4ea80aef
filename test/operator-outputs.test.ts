import type { Stack } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { describe, expect, it } from 'vitest';
import { CONFIGS, DEFAULT_CONFIG } from '../lib/config';
import { template, testPlatform } from './helpers/app';

const EXPECTED: Record<string, string[]> = {
  Lake: [
    'RawBucketName',
    'ProcessedBucketName',
    'CuratedBucketName',
    'ArchiveBucketName',
    'LogsBucketName',
    'GlueDatabaseName',
    'LakeKeyArn',
  ],
  Operations: ['OperationsTopicArn'],
  Warehouse: [
    'ClusterIdentifier',
    'ClusterEndpointAddress',
    'ClusterEndpointPort',
    'DatabaseName',
    'AdminSecretArn',
    'EtlSecretArn',
    'ResizeDeadLetterQueueUrl',
  ],
  Streaming: [
    'StreamName',
    'StreamArn',
    'TelemetryTopicFilter',
    'AlertTopicArn',
    'DeliveryStreamName',
    'AnomalyDeadLetterQueueUrl',
    'WindowDeadLetterQueueUrl',
  ],
  Etl: [
    'DailyWorkflowArn',
    'ArchiveWorkflowArn',
    'PlatformTimeZone',
    'WorkflowScheduleDeadLetterQueueUrl',
    'BatchTriggerDeadLetterQueueUrl',
    'RawToParquetJobName',
    'DailyFactJobName',
    'MlFeaturesJobName',
  ],
  Ml: ['InferenceUrl', 'TrainingStateMachineArn', 'EndpointName', 'RetrainScheduleDeadLetterQueueUrl'],
};

type Outputs = Record<string, { Value: unknown; Description?: string; Export?: unknown }>;

// Built once per file (a platform takes seconds): the default, and the default with both e-mail lists set.
const { platform } = testPlatform();
const withEmails = testPlatform({
  ...DEFAULT_CONFIG,
  operationsEmails: ['ops@example.com'],
  streaming: { ...DEFAULT_CONFIG.streaming, alertEmails: ['line@example.com'] },
}).platform;

describe('stack outputs an operator needs after a deploy', () => {
  const stacks: Record<string, Stack> = {
    Lake: platform.lake,
    Operations: platform.operations,
    Warehouse: platform.warehouse,
    Streaming: platform.streaming,
    Etl: platform.etl,
    Ml: platform.ml,
  };

  it.each(Object.keys(EXPECTED))('%s: every named output, each with a description, none exported', (name) => {
    const outputs = template(stacks[name]!).toJSON()['Outputs'] as Outputs;
    const operator = Object.entries(outputs).filter(([, o]) => o.Export === undefined);
    expect(operator.map(([id]) => id).sort()).toEqual(expect.arrayContaining([...EXPECTED[name]!].sort()));
    for (const [id, o] of operator) expect(o.Description, id).toMatch(/\w{3,}/);
  });

  it('values point at the resources (stream, topics, cluster endpoint and port, state machines)', () => {
    const outputs = (s: Stack) => template(s).toJSON()['Outputs'] as Outputs;
    const s = outputs(platform.streaming);
    expect(s['StreamName']!.Value).toEqual({
      Ref: platform.streaming.getLogicalId(platform.streaming.stream.node.defaultChild as never),
    });
    expect(s['TelemetryTopicFilter']!.Value).toBe('factory/+/telemetry');
    const w = outputs(platform.warehouse);
    expect(w['ClusterEndpointPort']!.Value).toEqual({ 'Fn::GetAtt': ['Cluster', 'Endpoint.Port'] });
    expect(w['ClusterEndpointAddress']!.Value).toEqual({ 'Fn::GetAtt': ['Cluster', 'Endpoint.Address'] });
    expect(outputs(platform.operations)['OperationsTopicArn']!.Value).toEqual({
      Ref: platform.operations.getLogicalId(platform.operations.operations.topic.node.defaultChild as never),
    });
  });

  it('dev (no resize schedules, no retraining schedule) has no dead-letter-queue outputs for them', () => {
    const dev = testPlatform(CONFIGS['dev']!).platform;
    expect(Object.keys(template(dev.warehouse).toJSON()['Outputs'] as Outputs)).not.toContain(
      'ResizeDeadLetterQueueUrl'
    );
    expect(Object.keys(template(dev.ml).toJSON()['Outputs'] as Outputs)).not.toContain(
      'RetrainScheduleDeadLetterQueueUrl'
    );
  });
});

describe('a topic without subscriber warns at synth (an annotation, not an error)', () => {
  /** Warning annotations on the stack's topics (`cdk synth` prints them as `[Warning at <path>]`). */
  const warnings = (stack: Stack): string[] =>
    stack.node
      .findAll()
      .filter((c) => c instanceof sns.Topic)
      .flatMap((c) => c.node.metadata.filter((m) => m.type === 'aws:cdk:warning').map((m) => String(m.data)))
      .filter((m) => m.includes('no subscriber'));

  it('default config: both topics warn, naming the config key to set', () => {
    expect(warnings(platform.operations)).toEqual([
      expect.stringMatching(/^The operations topic has no subscriber.*set operationsEmails/),
    ]);
    expect(warnings(platform.streaming)).toEqual([
      expect.stringMatching(/^The anomaly alert topic has no subscriber.*set streaming\.alertEmails/),
    ]);
  });

  it('with e-mails: subscriptions and no warning', () => {
    expect(warnings(withEmails.operations)).toEqual([]);
    expect(warnings(withEmails.streaming)).toEqual([]);
    template(withEmails.streaming).hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'line@example.com',
    });
    template(withEmails.operations).hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
    });
  });
});

describe('streaming key: the CloudWatch Logs statement of the Logs guide', () => {
  it("logs.<region> may Encrypt*/Decrypt*/ReEncrypt*/GenerateDataKey*/Describe* for this account's log groups only", () => {
    template(platform.streaming).hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'logs.ap-northeast-2.amazonaws.com' },
            Action: ['kms:Decrypt*', 'kms:Describe*', 'kms:Encrypt*', 'kms:GenerateDataKey*', 'kms:ReEncrypt*'],
            Condition: {
              ArnLike: {
                'kms:EncryptionContext:aws:logs:arn': {
                  'Fn::Join': ['', ['arn:aws:logs:ap-northeast-2:', { Ref: 'AWS::AccountId' }, ':log-group:*']],
                },
              },
            },
          }),
        ]),
      },
    });
  });
});
