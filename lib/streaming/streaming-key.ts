import * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import { allowCloudWatchLogs } from '../shared/kms-policies';

/**
 * The streaming domain's customer-managed key (rotated): telemetry stream, alert topic, dead-letter queues, function
 * environments and log groups. CloudWatch Logs encrypts the function and Firehose log groups with it: the key-policy
 * statement the Logs guide prescribes (incl. kms:Describe*), limited to this account's log groups, as the warehouse
 * and ETL keys have.
 */
export class StreamingKey extends kms.Key {
  constructor(scope: Construct, id: string) {
    super(scope, id, {
      description: 'Smart-factory streaming: telemetry stream, alert topic, dead-letter queues, logs',
      enableKeyRotation: true,
    });
    allowCloudWatchLogs(this);
  }
}
