import { type App } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { Validations } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type PlatformConfig } from '../lib/config';
import { LakeLayout } from '../lib/lake/lake-layout';
import { buildPlatform } from '../lib/platform';
import { IOT_PARTITION_KEY } from '../lib/streaming/telemetry-ingest';
import { WINDOW_SECONDS } from '../lib/streaming/window-metrics';
import { sizeStreaming } from '../lib/streaming/sizing';
import { nagFindings, template, testApp, testPlatform } from './helpers/app';

const PUSH_ARN = 'arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:push-AbCdEf';
const withStreaming = (s: Partial<PlatformConfig['streaming']>): PlatformConfig => ({
  ...DEFAULT_CONFIG,
  streaming: { ...DEFAULT_CONFIG.streaming, ...s },
});

describe('StreamingStack template', () => {
  const { platform } = testPlatform(withStreaming({ alertEmails: ['oncall@example.com'] }));
  const t = template(platform.streaming);
  const sc = DEFAULT_CONFIG.streaming;

  it('stream: on-demand by default, KMS-encrypted with the streaming CMK', () => {
    t.hasResourceProperties('AWS::Kinesis::Stream', {
      StreamModeDetails: { StreamMode: 'ON_DEMAND' },
      StreamEncryption: { EncryptionType: 'KMS', KeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'Arn'] } },
    });
    t.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  it('provisioned mode takes the shard count from the config', () => {
    const { platform: p } = testPlatform(withStreaming({ streamMode: 'provisioned', shardCount: 4 }));
    template(p.streaming).hasResourceProperties('AWS::Kinesis::Stream', {
      ShardCount: 4,
      StreamModeDetails: { StreamMode: 'PROVISIONED' },
    });
  });

  it('IoT rule: factory/+/telemetry -> Kinesis, partitioned by device, errors to the raw zone', () => {
    t.hasResourceProperties('AWS::IoT::TopicRule', {
      TopicRulePayload: {
        Sql: "SELECT * FROM 'factory/+/telemetry'",
        Actions: [{ Kinesis: { PartitionKey: IOT_PARTITION_KEY, StreamName: Match.anyValue() } }],
        ErrorAction: {
          S3: { Key: Match.stringLikeRegexp(`^${LakeLayout.rawIotErrors}dt=`), BucketName: Match.anyValue() },
        },
      },
    });
    expect(IOT_PARTITION_KEY).toBe('${CASE isUndefined(device_id) WHEN true THEN topic(2) ELSE device_id END}');
  });

  it('Firehose: stream -> raw zone by date, GZIP, newline-delimited, SSE-KMS, error prefix, logging', () => {
    t.hasResourceProperties('AWS::KinesisFirehose::DeliveryStream', {
      DeliveryStreamType: 'KinesisStreamAsSource',
      ExtendedS3DestinationConfiguration: {
        Prefix: 'sensor/dt=!{timestamp:yyyy-MM-dd}/',
        CustomTimeZone: 'Asia/Seoul',
        ErrorOutputPrefix: Match.stringLikeRegexp('^errors/firehose/!\\{firehose:error-output-type\\}/'),
        CompressionFormat: 'GZIP',
        EncryptionConfiguration: { KMSEncryptionConfig: { AWSKMSKeyARN: Match.anyValue() } },
        CloudWatchLoggingOptions: { Enabled: true },
        ProcessingConfiguration: {
          Enabled: true,
          Processors: [
            {
              Type: 'AppendDelimiterToRecord',
              Parameters: [{ ParameterName: 'Delimiter', ParameterValue: '\\n' }],
            },
          ],
        },
      },
    });
    // The raw table of the catalog reads exactly that prefix.
    expect(LakeLayout.rawSensor).toBe('sensor/');
  });

  it('anomaly event source: bisect, bounded retries and age, SQS on-failure, partial batch responses', () => {
    t.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: Match.stringLikeRegexp('^AnomalyFunction') },
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: sc.maxRetryAttempts,
      MaximumRecordAgeInSeconds: sc.maxRecordAgeSeconds,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      StartingPosition: 'TRIM_HORIZON',
      DestinationConfig: {
        OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('^AnomalyDeadLetterQueue'), 'Arn'] } },
      },
    });
  });

  it('anomaly path sized from streaming.devices: event source, memory, timeout, cache and checkpoint env', () => {
    for (const devices of [100, 1000, 10_000]) {
      const st = testPlatform(withStreaming({ devices })).platform.streaming;
      const z = sizeStreaming({ devices, checkpointIntervalSeconds: 60, streamMode: 'on-demand' });
      expect(st.sizing).toEqual(z);
      const tt = template(st);
      tt.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        FunctionName: { Ref: Match.stringLikeRegexp('^AnomalyFunction') },
        BatchSize: z.batchSize,
        MaximumBatchingWindowInSeconds: z.maxBatchingWindowSeconds,
        ParallelizationFactor: z.parallelizationFactor,
      });
      tt.hasResourceProperties('AWS::Lambda::Function', {
        MemorySize: z.memoryMb,
        Timeout: z.timeoutSeconds,
        Environment: {
          Variables: Match.objectLike({
            CACHE_MAX_MB: String(z.cacheMaxMb),
            CHECKPOINT_INTERVAL_SECONDS: '60',
            STATE_PREFIX: LakeLayout.curatedAnomalyState,
          }),
        },
      });
    }
    // 10,000 devices do not fit one consumer per shard: parallel batches per shard.
    expect(
      sizeStreaming({ devices: 10_000, checkpointIntervalSeconds: 60, streamMode: 'on-demand' }).parallelizationFactor
    ).toBeGreaterThan(1);
  });

  it('provisioned mode with more devices than the configured shards carry: shards raised to the sizing', () => {
    const { platform: p } = testPlatform(withStreaming({ streamMode: 'provisioned', shardCount: 1, devices: 10_000 }));
    template(p.streaming).hasResourceProperties('AWS::Kinesis::Stream', { ShardCount: 13 });
  });

  it('checkpoint interval from the config reaches the handler', () => {
    const { platform: p } = testPlatform(withStreaming({ checkpointIntervalSeconds: 300 }));
    template(p.streaming).hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ CHECKPOINT_INTERVAL_SECONDS: '300' }) },
    });
  });

  it('window event source: 180-second tumbling window with the same failure handling', () => {
    expect(WINDOW_SECONDS).toBe(180);
    t.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: Match.stringLikeRegexp('^WindowFunction') },
      TumblingWindowInSeconds: 180,
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: sc.maxRetryAttempts,
      MaximumRecordAgeInSeconds: sc.maxRecordAgeSeconds,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      DestinationConfig: {
        OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('^WindowDeadLetterQueue'), 'Arn'] } },
      },
    });
  });

  it('functions: Node 24, environment for the handlers', () => {
    t.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Environment: {
        Variables: Match.objectLike({
          STATE_PREFIX: LakeLayout.curatedAnomalyState,
          ALERT_THRESHOLD: String(sc.anomalyAlertThreshold),
          ALERT_COOLDOWN_SECONDS: String(sc.alertCooldownSeconds),
          TIME_ZONE: 'Asia/Seoul',
          DEAD_LETTER_QUEUE_URL: Match.anyValue(),
          ALERT_TOPIC_ARN: { Ref: Match.stringLikeRegexp('^AlertTopic') },
        }),
      },
    });
    t.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Environment: { Variables: Match.objectLike({ WINDOWS_PREFIX: LakeLayout.curatedWindows }) },
    });
  });

  it('encryption: SNS alert topic and both dead-letter queues use the streaming CMK; TLS enforced', () => {
    t.hasResourceProperties('AWS::SNS::Topic', {
      KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'Arn'] },
    });
    const queues = t.findResources('AWS::SQS::Queue');
    expect(Object.keys(queues)).toHaveLength(2);
    for (const q of Object.values(queues)) {
      expect(q.Properties.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^Key/), 'Arn'] });
    }
    t.resourceCountIs('AWS::SQS::QueuePolicy', 2);
    t.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'oncall@example.com' });
  });

  it('least privilege: the anomaly function reads/writes only the snapshot prefix; the window function only writes', () => {
    const policies = t.findResources('AWS::IAM::Policy');
    const statements = (prefix: string) =>
      Object.entries(policies)
        .filter(([id]) => id.startsWith(prefix))
        .flatMap(
          ([, p]) => p.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[]
        );
    const s3Of = (prefix: string) =>
      statements(prefix).filter((s) => [s.Action].flat().some((a) => a.startsWith('s3:')));
    const anomalyS3 = s3Of('AnomalyFunction');
    expect(anomalyS3).toHaveLength(1);
    expect(anomalyS3[0]!.Action).toEqual(['s3:GetObject', 's3:PutObject']);
    expect(JSON.stringify(anomalyS3[0]!.Resource)).toContain(`/${LakeLayout.curatedAnomalyState}*`);
    const windowS3 = s3Of('WindowFunction');
    expect(windowS3.map((s) => s.Action)).toEqual(['s3:PutObject']);
    expect(JSON.stringify(windowS3[0]!.Resource)).toContain(`/${LakeLayout.curatedWindows}*`);
  });

  it('alarms: iterator age, errors and dead-letter depth of both functions, stream age, Firehose freshness, quarantined snapshots -> operations', () => {
    const alarms = Object.values(t.findResources('AWS::CloudWatch::Alarm'));
    const metrics = alarms.map((a) => a.Properties.MetricName as string).sort();
    expect(metrics).toEqual(
      [
        'ApproximateNumberOfMessagesVisible',
        'ApproximateNumberOfMessagesVisible',
        'DeliveryToS3.DataFreshness',
        'Errors',
        'Errors',
        'GetRecords.IteratorAgeMilliseconds',
        'IteratorAge',
        'IteratorAge',
        'SnapshotsQuarantined',
      ].sort()
    );
    for (const a of alarms) {
      expect(JSON.stringify(a.Properties.AlarmActions)).toMatch(/OperationsTopic/);
    }
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'IteratorAge',
      Threshold: sc.iteratorAgeAlarmSeconds * 1000,
    });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'SmartFactory',
      MetricName: 'SnapshotsQuarantined',
      Dimensions: [{ Name: 'service', Value: 'anomaly' }],
      Statistic: 'Sum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
  });

  it('no mobile-push resources unless a secret is configured', () => {
    expect(t.findResources('Custom::SnsPlatformApplication')).toEqual({});
  });
});

describe('mobile push', () => {
  it('creates the platform application through a custom resource reading the secret', () => {
    const { platform } = testPlatform(withStreaming({ mobilePushSecretArn: PUSH_ARN }));
    const t = template(platform.streaming);
    t.hasResourceProperties('Custom::SnsPlatformApplication', {
      SecretArn: PUSH_ARN,
      ServiceToken: { 'Fn::GetAtt': [Match.stringLikeRegexp('^PushPlatformFunction'), 'Arn'] },
    });
    t.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
            Resource: PUSH_ARN,
          }),
        ]),
      },
    });
  });

  it('is cdk-nag clean, also at synth with the plugin attached', () => {
    const app = testApp();
    buildPlatform(app, withStreaming({ mobilePushSecretArn: PUSH_ARN }), { nag: false });
    expect(nagFindings(app)).toEqual([]);
    const app2: App = testApp();
    buildPlatform(app2, withStreaming({ mobilePushSecretArn: PUSH_ARN }), { nag: false });
    Validations.of(app2).addPlugins(new AwsSolutionsChecks(app2));
    expect(() => app2.synth()).not.toThrow();
  });
});
