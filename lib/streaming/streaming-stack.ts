import { Aws, CustomResource, Duration, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as iot from 'aws-cdk-lib/aws-iot';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as firehose from 'aws-cdk-lib/aws-kinesisfirehose';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sources from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct, IConstruct } from 'constructs';
import type { PlatformConfig } from '../config';
import { LakeLayout } from '../lake/lake-layout';
import type { OperationsTopic } from '../operations/operations-topic';
import { addOperatorOutputs, subscribeEmails } from '../shared/operator-outputs';
import { PlatformFunction } from '../shared/platform-function';
import { allowCloudWatchLogs } from '../shared/kms-policies';
import { acknowledgeIam5, bucketArnFor, resourceNagId } from '../shared/nag';
import { IotDevices } from './iot-devices';
import { MobileRegistration } from './mobile-registration';
import { dataRemovalPolicy } from '../shared/removal';

export interface StreamingStackProps extends StackProps {
  readonly config: PlatformConfig;
  /** Raw zone: Firehose delivers sensor readings here; IoT error action writes here. */
  readonly rawBucket: s3.IBucket;
  /** Curated zone: anomaly-model snapshots and window aggregates. */
  readonly curatedBucket: s3.IBucket;
  /** The lake's KMS key (encrypts the raw and curated buckets). */
  readonly lakeKey: kms.IKey;
  readonly operations: OperationsTopic;
}

/** IoT topic filter of device telemetry: `factory/<device_id>/telemetry`. */
export const TELEMETRY_TOPIC_FILTER = 'factory/+/telemetry';
/** Kinesis partition key: the payload's device_id, or the device segment of the topic when the payload has none. */
export const IOT_PARTITION_KEY = '${CASE isUndefined(device_id) WHEN true THEN topic(2) ELSE device_id END}';
/** Tumbling window of the window function (seconds). */
export const WINDOW_SECONDS = 180;

/**
 * Stateless: real-time collection and anomaly alerts. IoT Core rule -> KMS-encrypted Kinesis stream -> (1) Firehose to
 * the raw zone (gzip JSON lines by date), (2) the anomaly function (per-device Random Cut Forest, alerts to an
 * encrypted SNS topic), (3) the window function (10-s moving average per 180-s tumbling window -> EMF metrics and the
 * curated zone). Failures go to encrypted dead-letter queues; alarms go to the operations topic.
 */
export class StreamingStack extends Stack {
  readonly stream: kinesis.Stream;
  readonly key: kms.Key;
  readonly alertTopic: sns.Topic;
  readonly anomalyFunction: PlatformFunction;
  readonly windowFunction: PlatformFunction;
  readonly anomalyDeadLetterQueue: sqs.Queue;
  readonly windowDeadLetterQueue: sqs.Queue;
  readonly deliveryStream: firehose.CfnDeliveryStream;
  readonly alarms: cloudwatch.Alarm[] = [];
  readonly iotDevices?: IotDevices;
  readonly mobileRegistration?: MobileRegistration;

  constructor(scope: Construct, id: string, props: StreamingStackProps) {
    super(scope, id, props);
    const { config, rawBucket, curatedBucket, lakeKey, operations } = props;
    const sc = config.streaming;

    const key = new kms.Key(this, 'Key', {
      description: 'Smart-factory streaming: telemetry stream, alert topic, dead-letter queues, logs',
      enableKeyRotation: true,
    });
    // CloudWatch Logs encrypts the function and Firehose log groups with it: the key-policy statement the Logs guide
    // prescribes (incl. kms:Describe*), limited to this account's log groups, as the warehouse and ETL keys have.
    allowCloudWatchLogs(key);
    this.key = key;

    // ---- Stream -----------------------------------------------------------------------------------------------
    const stream = new kinesis.Stream(this, 'TelemetryStream', {
      encryption: kinesis.StreamEncryption.KMS,
      encryptionKey: key,
      retentionPeriod: Duration.hours(168),
      ...(sc.streamMode === 'on-demand'
        ? { streamMode: kinesis.StreamMode.ON_DEMAND }
        : { streamMode: kinesis.StreamMode.PROVISIONED, shardCount: sc.shardCount }),
    });
    Validations.of(stream).acknowledge({
      id: 'AwsSolutions-KDS3',
      reason:
        'Telemetry is production data: a customer-managed, rotated key whose policy the platform controls is ' +
        'required (IoT, Firehose and the functions get explicit grants).',
    });
    this.stream = stream;

    // ---- IoT Core rule ----------------------------------------------------------------------------------------
    const iotRole = new iam.Role(this, 'IotRuleRole', {
      assumedBy: new iam.ServicePrincipal('iot.amazonaws.com'),
      description: 'IoT topic rule: put telemetry into the Kinesis stream; errors into the raw zone',
    });
    stream.grantWrite(iotRole);
    this.allowObjects(iotRole, rawBucket, LakeLayout.rawIotErrors, ['s3:PutObject'], 'IoT error action objects.');
    lakeKey.grant(iotRole, 'kms:GenerateDataKey*', 'kms:Encrypt');
    const rule = new iot.CfnTopicRule(this, 'TelemetryRule', {
      topicRulePayload: {
        description: 'Device telemetry (factory/<device>/telemetry) into the telemetry Kinesis stream',
        sql: `SELECT * FROM '${TELEMETRY_TOPIC_FILTER}'`,
        awsIotSqlVersion: '2016-03-23',
        ruleDisabled: false,
        actions: [
          { kinesis: { streamName: stream.streamName, partitionKey: IOT_PARTITION_KEY, roleArn: iotRole.roleArn } },
        ],
        errorAction: {
          s3: {
            bucketName: rawBucket.bucketName,
            key: LakeLayout.rawIotErrors + 'dt=${parse_time("yyyy-MM-dd", timestamp())}/${newuuid()}.json',
            roleArn: iotRole.roleArn,
          },
        },
      },
    });
    rule.node.addDependency(iotRole);
    // Devices into IoT Core (issue 17): thing type + certificate policy; `smart-factory provision` onboards devices.
    if (sc.iot.enabled) this.iotDevices = new IotDevices(this, 'IotDevices');

    // ---- Firehose to the raw zone ----------------------------------------------------------------------------
    const firehoseLogs = new logs.LogGroup(this, 'FirehoseLogs', {
      retention: logs.RetentionDays.ONE_YEAR,
      encryptionKey: key,
    });
    const firehoseLogStream = firehoseLogs.addStream('S3Delivery');
    const firehoseRole = new iam.Role(this, 'FirehoseRole', {
      assumedBy: new iam.ServicePrincipal('firehose.amazonaws.com'),
      description: 'Firehose: read the telemetry stream, write the raw zone',
    });
    stream.grantRead(firehoseRole);
    const fhObjectActions = ['s3:PutObject', 's3:AbortMultipartUpload'];
    this.allowObjects(firehoseRole, rawBucket, LakeLayout.rawSensor, fhObjectActions, 'Date-partitioned objects.');
    this.allowObjects(firehoseRole, rawBucket, LakeLayout.rawFirehoseErrors, fhObjectActions, 'Error output.');
    firehoseRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads'],
        resources: [bucketArnFor(this, rawBucket)],
      })
    );
    lakeKey.grant(firehoseRole, 'kms:GenerateDataKey*', 'kms:Encrypt', 'kms:Decrypt');
    firehoseLogs.grantWrite(firehoseRole);
    const delivery = new firehose.CfnDeliveryStream(this, 'RawDelivery', {
      deliveryStreamType: 'KinesisStreamAsSource',
      kinesisStreamSourceConfiguration: { kinesisStreamArn: stream.streamArn, roleArn: firehoseRole.roleArn },
      extendedS3DestinationConfiguration: {
        bucketArn: rawBucket.bucketArn,
        roleArn: firehoseRole.roleArn,
        prefix: `${LakeLayout.rawSensor}dt=!{timestamp:yyyy-MM-dd}/`,
        errorOutputPrefix: `${LakeLayout.rawFirehoseErrors}!{firehose:error-output-type}/dt=!{timestamp:yyyy-MM-dd}/`,
        // `dt` is the factory's local date, so the daily ETL's default run date (yesterday, local) is complete at 01:10.
        customTimeZone: config.timeZone,
        compressionFormat: 'GZIP',
        bufferingHints: { intervalInSeconds: 300, sizeInMBs: 64 },
        encryptionConfiguration: { kmsEncryptionConfig: { awskmsKeyArn: lakeKey.keyArn } },
        cloudWatchLoggingOptions: {
          enabled: true,
          logGroupName: firehoseLogs.logGroupName,
          logStreamName: firehoseLogStream.logStreamName,
        },
        processingConfiguration: {
          enabled: true,
          processors: [
            {
              type: 'AppendDelimiterToRecord',
              parameters: [{ parameterName: 'Delimiter', parameterValue: '\\n' }],
            },
          ],
        },
      },
    });
    delivery.node.addDependency(firehoseRole);
    Validations.of(delivery).acknowledge({
      id: 'AwsSolutions-KDF1',
      reason:
        'Firehose rejects DeliveryStreamEncryptionConfiguration for a Kinesis-stream source; the source stream is ' +
        'encrypted with the streaming CMK and the S3 output with the lake key (SSE-KMS).',
    });
    this.deliveryStream = delivery;

    // ---- Dead-letter queues ----------------------------------------------------------------------------------
    const dlq = (id: string) => {
      const q = new sqs.Queue(this, id, {
        encryption: sqs.QueueEncryption.KMS,
        encryptionMasterKey: key,
        enforceSSL: true,
        retentionPeriod: Duration.days(14),
      });
      Validations.of(q).acknowledge({
        id: 'AwsSolutions-SQS3',
        reason: 'This queue is itself the dead-letter queue of a Kinesis event source.',
      });
      return q;
    };
    this.anomalyDeadLetterQueue = dlq('AnomalyDeadLetterQueue');
    this.windowDeadLetterQueue = dlq('WindowDeadLetterQueue');

    // ---- Alerts topic ----------------------------------------------------------------------------------------
    const alertTopic = new sns.Topic(this, 'AlertTopic', {
      displayName: 'Smart-factory anomaly alerts',
      masterKey: key,
      enforceSSL: true,
    });
    subscribeEmails(alertTopic, sc.alertEmails, 'anomaly alert', 'streaming.alertEmails');
    this.alertTopic = alertTopic;

    // ---- Anomaly function ------------------------------------------------------------------------------------
    const anomaly = new PlatformFunction(this, 'AnomalyFunction', {
      lambdaDir: 'anomaly',
      serviceName: 'anomaly',
      description: 'Per-device Random Cut Forest over the telemetry stream; alerts to SNS; snapshots in the lake',
      timeout: Duration.minutes(2),
      memorySize: 1024,
      key,
      environment: {
        STATE_BUCKET: curatedBucket.bucketName,
        STATE_PREFIX: LakeLayout.curatedAnomalyState,
        ALERT_TOPIC_ARN: alertTopic.topicArn,
        DEAD_LETTER_QUEUE_URL: this.anomalyDeadLetterQueue.queueUrl,
        ALERT_THRESHOLD: String(sc.anomalyAlertThreshold),
        ALERT_COOLDOWN_SECONDS: String(sc.alertCooldownSeconds),
        TIME_ZONE: config.timeZone,
        FACTORY_ID: sc.factoryId,
      },
    });
    this.allowObjects(
      anomaly,
      curatedBucket,
      LakeLayout.curatedAnomalyState,
      ['s3:GetObject', 's3:PutObject'],
      'One model snapshot object per device.'
    );
    lakeKey.grant(anomaly, 'kms:Decrypt', 'kms:GenerateDataKey');
    alertTopic.grantPublish(anomaly);
    this.anomalyDeadLetterQueue.grantSendMessages(anomaly);
    anomaly.addEventSource(
      new sources.KinesisEventSource(stream, {
        startingPosition: lambda.StartingPosition.TRIM_HORIZON,
        batchSize: 100,
        maxBatchingWindow: Duration.seconds(1),
        bisectBatchOnError: true,
        retryAttempts: sc.maxRetryAttempts,
        maxRecordAge: Duration.seconds(sc.maxRecordAgeSeconds),
        reportBatchItemFailures: true,
        parallelizationFactor: 1,
        onFailure: new sources.SqsDlq(this.anomalyDeadLetterQueue),
      })
    );
    this.anomalyFunction = anomaly;

    // ---- Window function -------------------------------------------------------------------------------------
    const windowFn = new PlatformFunction(this, 'WindowFunction', {
      lambdaDir: 'window',
      serviceName: 'window',
      description: '10-second moving average of temperature per device, per 180-second tumbling window',
      timeout: Duration.minutes(1),
      memorySize: 512,
      key,
      environment: { CURATED_BUCKET: curatedBucket.bucketName, WINDOWS_PREFIX: LakeLayout.curatedWindows },
    });
    this.allowObjects(windowFn, curatedBucket, LakeLayout.curatedWindows, ['s3:PutObject'], 'One object per window.');
    lakeKey.grant(windowFn, 'kms:GenerateDataKey');
    windowFn.addEventSource(
      new sources.KinesisEventSource(stream, {
        startingPosition: lambda.StartingPosition.TRIM_HORIZON,
        batchSize: 500,
        tumblingWindow: Duration.seconds(WINDOW_SECONDS),
        bisectBatchOnError: true,
        retryAttempts: sc.maxRetryAttempts,
        maxRecordAge: Duration.seconds(sc.maxRecordAgeSeconds),
        reportBatchItemFailures: true,
        onFailure: new sources.SqsDlq(this.windowDeadLetterQueue),
      })
    );
    this.windowFunction = windowFn;

    // ---- Optional mobile push platform application -----------------------------------------------------------
    const pushApp = sc.mobilePushSecretArn !== undefined ? this.mobilePush(sc.mobilePushSecretArn, key) : undefined;
    // Phones register for alerts (issue 17); validation guarantees the push application exists when enabled.
    if (sc.mobileRegistration.enabled && pushApp !== undefined) {
      this.mobileRegistration = new MobileRegistration(this, 'MobileRegistration', {
        platformApplicationArn: pushApp,
        alertTopic,
        key,
        maxDevicesPerUser: sc.mobileRegistration.maxDevicesPerUser,
        removalPolicy: dataRemovalPolicy(config.dataRemoval),
      });
    }

    // ---- Alarms to the operations topic ----------------------------------------------------------------------
    const alarm = (id: string, metric: cloudwatch.IMetric, threshold: number, description: string) => {
      const a = new cloudwatch.Alarm(this, id, {
        metric,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });
      operations.notifyOn(a);
      this.alarms.push(a);
    };
    const fiveMin = Duration.minutes(5);
    for (const [name, fn] of [
      ['Anomaly', anomaly],
      ['Window', windowFn],
    ] as const) {
      alarm(
        `${name}IteratorAgeAlarm`,
        fn.metric('IteratorAge', { statistic: 'Maximum', period: fiveMin }),
        sc.iteratorAgeAlarmSeconds * 1000,
        `${name} function is more than ${sc.iteratorAgeAlarmSeconds} s behind the telemetry stream`
      );
      alarm(
        `${name}ErrorsAlarm`,
        fn.metricErrors({ period: fiveMin, statistic: 'Sum' }),
        1,
        `${name} function invocations failed (batches are retried, then dead-lettered)`
      );
    }
    for (const [name, q] of [
      ['Anomaly', this.anomalyDeadLetterQueue],
      ['Window', this.windowDeadLetterQueue],
    ] as const) {
      alarm(
        `${name}DeadLetterAlarm`,
        q.metricApproximateNumberOfMessagesVisible({ period: fiveMin, statistic: 'Maximum' }),
        1,
        `${name} dead-letter queue holds records (malformed readings or batches that exhausted retries)`
      );
    }
    alarm(
      'StreamIteratorAgeAlarm',
      stream.metricGetRecordsIteratorAgeMilliseconds({ statistic: 'Maximum', period: fiveMin }),
      sc.iteratorAgeAlarmSeconds * 1000,
      'The oldest record of the telemetry stream is not being read (a consumer is behind)'
    );
    alarm(
      'FirehoseFreshnessAlarm',
      new cloudwatch.Metric({
        namespace: 'AWS/Firehose',
        metricName: 'DeliveryToS3.DataFreshness',
        dimensionsMap: { DeliveryStreamName: delivery.ref },
        statistic: 'Maximum',
        period: fiveMin,
      }),
      900,
      'Firehose has not delivered telemetry to the raw zone for 15 minutes'
    );

    this.acknowledgeGrants([anomaly, windowFn]);
    this.acknowledgeGrantWildcards(iotRole);
    this.acknowledgeGrantWildcards(firehoseRole);
    this.addOperatorOutputs();
  }

  /** Stack outputs an operator needs after a deploy (`smart-factory simulate --to kinesis:<StreamName>`). */
  private addOperatorOutputs(): void {
    addOperatorOutputs(this, {
      StreamName: { value: this.stream.streamName, description: 'Kinesis telemetry stream (KMS-encrypted)' },
      StreamArn: { value: this.stream.streamArn, description: 'ARN of the Kinesis telemetry stream' },
      TelemetryTopicFilter: {
        value: TELEMETRY_TOPIC_FILTER,
        description: 'IoT Core topic devices publish to (device id in the second segment)',
      },
      AlertTopicArn: {
        value: this.alertTopic.topicArn,
        description: 'SNS topic of anomaly alerts (streaming.alertEmails are subscribed; confirm the e-mail)',
      },
      DeliveryStreamName: { value: this.deliveryStream.ref, description: 'Firehose stream -> raw zone' },
      AnomalyDeadLetterQueueUrl: {
        value: this.anomalyDeadLetterQueue.queueUrl,
        description: 'Failed anomaly batches (shard, sequence numbers) to replay from the stream',
      },
      WindowDeadLetterQueueUrl: {
        value: this.windowDeadLetterQueue.queueUrl,
        description: 'Failed window batches (shard, sequence numbers) to replay from the stream',
      },
    });
  }

  /**
   * SNS has no CloudFormation resource for platform applications: a custom resource (our own function, answering
   * CloudFormation directly) reads the FCM/APNs credentials from Secrets Manager and creates/updates/deletes the
   * application. App back ends then register device tokens as endpoints and subscribe them to the alert topic.
   */
  private mobilePush(secretArn: string, key: kms.IKey): string {
    const secret = secretsmanager.Secret.fromSecretCompleteArn(this, 'MobilePushSecret', secretArn);
    const fn = new PlatformFunction(this, 'PushPlatformFunction', {
      lambdaDir: 'push-platform',
      serviceName: 'push-platform',
      description: 'Custom resource: SNS mobile-push platform application from a Secrets Manager secret',
      timeout: Duration.minutes(2),
      memorySize: 256,
      key,
    });
    secret.grantRead(fn);
    const platformApps = `arn:${Aws.PARTITION}:sns:${Aws.REGION}:${Aws.ACCOUNT_ID}:app/*`;
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['sns:CreatePlatformApplication'],
        resources: ['*'],
      })
    );
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['sns:SetPlatformApplicationAttributes', 'sns:DeletePlatformApplication'],
        resources: [platformApps],
      })
    );
    const app = new CustomResource(this, 'MobilePushApplication', {
      serviceToken: fn.functionArn,
      resourceType: 'Custom::SnsPlatformApplication',
      properties: { SecretArn: secretArn, Name: `${this.stackName}-alerts` },
    });
    Validations.of(fn).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'sns:CreatePlatformApplication has no resource-level permissions (the ARN does not exist before).',
    });
    Validations.of(fn).acknowledge({
      id: `AwsSolutions-IAM5[${resourceNagId(this, platformApps)}]`,
      reason: 'The platform application ARN is created by the call; its name is known only at run time.',
    });
    this.acknowledgeGrants([fn]);
    this.exportValue(app.getAttString('PlatformApplicationArn'));
    return app.getAttString('PlatformApplicationArn');
  }

  /** Allows `actions` on the objects under one prefix of a lake bucket (and acknowledges that prefix wildcard). */
  private allowObjects(
    grantee: iam.IGrantable & IConstruct,
    bucket: s3.IBucket,
    prefix: string,
    actions: string[],
    why: string
  ): void {
    const objects = `${bucketArnFor(this, bucket)}/${prefix}*`;
    grantee.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({ actions, resources: [objects] }));
    acknowledgeIam5(grantee, [resourceNagId(this, objects)], `Objects under the lake prefix ${prefix} only. ${why}`);
  }

  /** Wildcards that CDK grant helpers generate for the functions (X-Ray, KMS data-key actions, S3 prefix objects). */
  private acknowledgeGrants(fns: lambda.IFunction[]): void {
    for (const fn of fns) this.acknowledgeGrantWildcards(fn);
  }

  private acknowledgeGrantWildcards(scope: IConstruct): void {
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
}
