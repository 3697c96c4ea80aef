import { Duration, Validations } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

/** On-failure destination of a Kinesis event source: KMS-encrypted, TLS only, 14 days of retention. */
export class DeadLetterQueue extends sqs.Queue {
  constructor(scope: Construct, id: string, key: kms.IKey) {
    super(scope, id, {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: key,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is itself the dead-letter queue of a Kinesis event source.',
    });
  }
}
