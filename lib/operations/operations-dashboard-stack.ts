import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { OperationsDashboard, type OperationsDashboardProps } from './operations-dashboard';

export interface OperationsDashboardStackProps extends StackProps {
  readonly dashboard: OperationsDashboardProps;
}

/**
 * Stateless: the operations dashboard. Its own stack, deployed after every other one (it reads their resources;
 * the operations topic stack comes first because the others send alarms to it).
 */
export class OperationsDashboardStack extends Stack {
  readonly dashboard: OperationsDashboard;

  constructor(scope: Construct, id: string, props: OperationsDashboardStackProps) {
    super(scope, id, props);
    this.dashboard = new OperationsDashboard(this, 'Dashboard', props.dashboard);
    new CfnOutput(this, 'DashboardUrl', {
      description: 'The CloudWatch operations dashboard of this platform',
      value: this.dashboard.url(),
    });
  }
}
