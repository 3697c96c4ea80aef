import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { PlatformConfig } from '../config';
import { addOperatorOutputs } from '../shared/operator-outputs';
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
    this.addOperatorOutputs();
  }

  /** Stack outputs an operator needs after a deploy. */
  private addOperatorOutputs(): void {
    addOperatorOutputs(this, {
      OperationsTopicArn: {
        value: this.operations.topic.topicArn,
        description: 'SNS topic of alarms and pipeline failures (operationsEmails are subscribed; confirm the e-mail)',
      },
    });
  }
}
