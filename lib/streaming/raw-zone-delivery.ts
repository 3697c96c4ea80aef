import { Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as firehose from 'aws-cdk-lib/aws-kinesisfirehose';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { LakeLayout } from '../lake/lake-layout';
import { bucketArnFor } from '../shared/nag';
import { acknowledgeGrantWildcards, grantLakePrefix } from './lake-grants';

export interface RawZoneDeliveryProps {
  readonly stream: kinesis.IStream;
  /** The streaming key: encrypts the delivery log group. */
  readonly key: kms.IKey;
  /** Raw zone: readings under `LakeLayout.rawSensor`, delivery errors under `LakeLayout.rawFirehoseErrors`. */
  readonly rawBucket: s3.IBucket;
  /** The lake's key (SSE-KMS of the delivered objects). */
  readonly lakeKey: kms.IKey;
  /** IANA time zone of the `dt=` partition (the factory's local date). */
  readonly timeZone: string;
}

/**
 * Firehose from the telemetry stream to the raw zone: gzip JSON lines, one per reading, partitioned by the factory's
 * local date, SSE-KMS with the lake key, delivery errors under their own prefix, logs in CloudWatch.
 */
export class RawZoneDelivery extends Construct {
  readonly deliveryStream: firehose.CfnDeliveryStream;

  constructor(scope: Construct, id: string, props: RawZoneDeliveryProps) {
    super(scope, id);
    const logGroup = new logs.LogGroup(this, 'FirehoseLogs', {
      retention: logs.RetentionDays.ONE_YEAR,
      encryptionKey: props.key,
    });
    const logStream = logGroup.addStream('S3Delivery');
    const role = this.createRole(props, logGroup);
    this.deliveryStream = this.createDeliveryStream(props, role, logGroup, logStream);
  }

  private createRole(props: RawZoneDeliveryProps, logGroup: logs.ILogGroup): iam.Role {
    const { stream, rawBucket, lakeKey } = props;
    const role = new iam.Role(this, 'FirehoseRole', {
      assumedBy: new iam.ServicePrincipal('firehose.amazonaws.com'),
      description: 'Firehose: read the telemetry stream, write the raw zone',
    });
    stream.grantRead(role);
    const objectActions = ['s3:PutObject', 's3:AbortMultipartUpload'];
    grantLakePrefix(role, rawBucket, LakeLayout.rawSensor, objectActions, 'Date-partitioned objects.');
    grantLakePrefix(role, rawBucket, LakeLayout.rawFirehoseErrors, objectActions, 'Error output.');
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads'],
        resources: [bucketArnFor(this, rawBucket)],
      })
    );
    lakeKey.grant(role, 'kms:GenerateDataKey*', 'kms:Encrypt', 'kms:Decrypt');
    logGroup.grantWrite(role);
    acknowledgeGrantWildcards(role);
    return role;
  }

  private createDeliveryStream(
    props: RawZoneDeliveryProps,
    role: iam.IRole,
    logGroup: logs.ILogGroup,
    logStream: logs.ILogStream
  ): firehose.CfnDeliveryStream {
    const delivery = new firehose.CfnDeliveryStream(this, 'RawDelivery', {
      deliveryStreamType: 'KinesisStreamAsSource',
      kinesisStreamSourceConfiguration: { kinesisStreamArn: props.stream.streamArn, roleArn: role.roleArn },
      extendedS3DestinationConfiguration: {
        bucketArn: props.rawBucket.bucketArn,
        roleArn: role.roleArn,
        prefix: `${LakeLayout.rawSensor}dt=!{timestamp:yyyy-MM-dd}/`,
        errorOutputPrefix: `${LakeLayout.rawFirehoseErrors}!{firehose:error-output-type}/dt=!{timestamp:yyyy-MM-dd}/`,
        // `dt` is the factory's local date, so the daily ETL's default run date (yesterday, local) is complete at 01:10.
        customTimeZone: props.timeZone,
        compressionFormat: 'GZIP',
        bufferingHints: { intervalInSeconds: 300, sizeInMBs: 64 },
        encryptionConfiguration: { kmsEncryptionConfig: { awskmsKeyArn: props.lakeKey.keyArn } },
        cloudWatchLoggingOptions: {
          enabled: true,
          logGroupName: logGroup.logGroupName,
          logStreamName: logStream.logStreamName,
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
    delivery.node.addDependency(role);
    Validations.of(delivery).acknowledge({
      id: 'AwsSolutions-KDF1',
      reason:
        'Firehose rejects DeliveryStreamEncryptionConfiguration for a Kinesis-stream source; the source stream is ' +
        'encrypted with the streaming CMK and the S3 output with the lake key (SSE-KMS).',
    });
    return delivery;
  }
}
