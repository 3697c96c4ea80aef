import { Duration, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as iot from 'aws-cdk-lib/aws-iot';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { LakeLayout } from '../lake/lake-layout';
import { acknowledgeGrantWildcards, grantLakePrefix } from './lake-grants';

/** IoT topic filter of device telemetry: `factory/<device_id>/telemetry`. */
export const TELEMETRY_TOPIC_FILTER = 'factory/+/telemetry';
/** Kinesis partition key: the payload's device_id, or the device segment of the topic when the payload has none. */
export const IOT_PARTITION_KEY = '${CASE isUndefined(device_id) WHEN true THEN topic(2) ELSE device_id END}';

/** Capacity of the telemetry stream: on-demand, or provisioned with a shard count. */
export type StreamCapacity = { readonly mode: 'on-demand' } | { readonly mode: 'provisioned'; readonly shards: number };

export interface TelemetryIngestProps {
  /** The streaming key: encrypts the stream. */
  readonly key: kms.IKey;
  readonly capacity: StreamCapacity;
  /** Raw zone: the IoT rule's error action writes under `LakeLayout.rawIotErrors`. */
  readonly rawBucket: s3.IBucket;
  /** The lake's key (encrypts the raw zone). */
  readonly lakeKey: kms.IKey;
}

/**
 * Telemetry into the platform: the KMS-encrypted Kinesis stream (seven days of retention) and the IoT Core topic rule
 * that puts every `factory/<device>/telemetry` message into it, partitioned by device (so a device always lands on one
 * shard), with failed deliveries written to the raw zone.
 */
export class TelemetryIngest extends Construct {
  readonly stream: kinesis.Stream;
  readonly rule: iot.CfnTopicRule;

  constructor(scope: Construct, id: string, props: TelemetryIngestProps) {
    super(scope, id);
    this.stream = this.createStream(props.key, props.capacity);
    this.rule = this.createTopicRule(props.rawBucket, props.lakeKey);
  }

  /** Lets `grantee` read the stream (and decrypt it). */
  grantRead(grantee: iam.IGrantable): iam.Grant {
    return this.stream.grantRead(grantee);
  }

  private createStream(key: kms.IKey, capacity: StreamCapacity): kinesis.Stream {
    const stream = new kinesis.Stream(this, 'TelemetryStream', {
      encryption: kinesis.StreamEncryption.KMS,
      encryptionKey: key,
      retentionPeriod: Duration.hours(168),
      ...(capacity.mode === 'on-demand'
        ? { streamMode: kinesis.StreamMode.ON_DEMAND }
        : { streamMode: kinesis.StreamMode.PROVISIONED, shardCount: capacity.shards }),
    });
    Validations.of(stream).acknowledge({
      id: 'AwsSolutions-KDS3',
      reason:
        'Telemetry is production data: a customer-managed, rotated key whose policy the platform controls is ' +
        'required (IoT, Firehose and the functions get explicit grants).',
    });
    return stream;
  }

  private createTopicRule(rawBucket: s3.IBucket, lakeKey: kms.IKey): iot.CfnTopicRule {
    const role = new iam.Role(this, 'IotRuleRole', {
      assumedBy: new iam.ServicePrincipal('iot.amazonaws.com'),
      description: 'IoT topic rule: put telemetry into the Kinesis stream; errors into the raw zone',
    });
    this.stream.grantWrite(role);
    grantLakePrefix(role, rawBucket, LakeLayout.rawIotErrors, ['s3:PutObject'], 'IoT error action objects.');
    lakeKey.grant(role, 'kms:GenerateDataKey*', 'kms:Encrypt');
    acknowledgeGrantWildcards(role);
    const rule = new iot.CfnTopicRule(this, 'TelemetryRule', {
      topicRulePayload: {
        description: 'Device telemetry (factory/<device>/telemetry) into the telemetry Kinesis stream',
        sql: `SELECT * FROM '${TELEMETRY_TOPIC_FILTER}'`,
        awsIotSqlVersion: '2016-03-23',
        ruleDisabled: false,
        actions: [
          { kinesis: { streamName: this.stream.streamName, partitionKey: IOT_PARTITION_KEY, roleArn: role.roleArn } },
        ],
        errorAction: {
          s3: {
            bucketName: rawBucket.bucketName,
            key: LakeLayout.rawIotErrors + 'dt=${parse_time("yyyy-MM-dd", timestamp())}/${newuuid()}.json',
            roleArn: role.roleArn,
          },
        },
      },
    });
    rule.node.addDependency(role);
    return rule;
  }
}
