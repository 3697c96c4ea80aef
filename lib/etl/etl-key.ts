import * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import { allowCloudWatchLogs } from '../shared/kms-policies';
import { StackScopedConstruct } from '../shared/stack-scoped';

/**
 * One key for the ETL's own data: Glue, Step Functions and Lambda logs (CloudWatch Logs may use it), Glue bookmarks
 * and the schedule's dead-letter queue. Resource: `Key…`.
 */
export class EtlKey extends StackScopedConstruct {
  readonly key: kms.Key;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.key = new kms.Key(this.home, 'Key', {
      description: 'Smart-factory ETL: job and workflow logs, Glue bookmarks, schedule DLQ',
      enableKeyRotation: true,
    });
    allowCloudWatchLogs(this.key);
  }
}
