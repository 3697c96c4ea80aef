import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { PlatformConfig } from '../config';
import { OperationsTopic } from './operations-topic';

export interface OperationsStackProps extends StackProps {
  readonly config: PlatformConfig;
}

/** Stateless: the operations notification topic every other stack sends alarms and failures to. */
export class OperationsStack extends Stack {
  readonly operations: OperationsTopic;

  constructor(scope: Construct, id: string, props: OperationsStackProps) {
    super(scope, id, props);
    this.operations = new OperationsTopic(this, 'Operations', { emails: props.config.operationsEmails });
  }
}
