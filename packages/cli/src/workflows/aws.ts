import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import type { SFNClient } from '@aws-sdk/client-sfn';
import { cloudFormationSdk, httpHandlerSdk, sfnSdk } from '../aws';
import { UsageError } from '../command';

/** The AWS side of the workflow commands: a Step Functions and a CloudFormation client (tests pass local ones). */
export interface WorkflowClients {
  readonly sfn: Pick<SFNClient, 'send'>;
  readonly cfn: Pick<CloudFormationClient, 'send'>;
}

/** Clients for `--region`/`AWS_REGION` and an optional `--endpoint` (a local Step Functions/CloudFormation server). */
export function workflowClients(region: string | undefined, endpoint: string | undefined): WorkflowClients {
  const r = region ?? process.env['AWS_REGION'] ?? process.env['AWS_DEFAULT_REGION'];
  if (r === undefined || r === '') throw new UsageError('no AWS region: pass --region or set AWS_REGION');
  const { SFNClient } = sfnSdk();
  const { CloudFormationClient } = cloudFormationSdk();
  const common = {
    region: r,
    ...(endpoint !== undefined ? { endpoint, requestHandler: new (httpHandlerSdk().NodeHttpHandler)() } : {}),
  };
  return { sfn: new SFNClient(common), cfn: new CloudFormationClient(common) };
}

/** The workflows the CLI drives, and where their ARNs are published (stack outputs of the platform). */
export const WORKFLOWS = {
  etl: { stack: 'Etl', output: 'DailyWorkflowArn', title: 'daily ETL' },
  ml: { stack: 'Ml', output: 'TrainingStateMachineArn', title: 'ML training' },
  archive: { stack: 'Etl', output: 'ArchiveWorkflowArn', title: 'warehouse archive' },
} as const;
export type WorkflowName = keyof typeof WORKFLOWS;

/** Reads one output of one of the platform's stacks (`<prefix><Stack>`); the error says which stack and output. */
export async function stackOutput(
  cfn: WorkflowClients['cfn'],
  stackPrefix: string,
  stack: string,
  output: string
): Promise<string> {
  const stackName = `${stackPrefix}${stack}`;
  let outputs;
  try {
    const { DescribeStacksCommand } = cloudFormationSdk();
    const r = await cfn.send(new DescribeStacksCommand({ StackName: stackName }));
    outputs = r.Stacks?.[0]?.Outputs ?? [];
  } catch (e) {
    const err = e as Error;
    if (/does not exist/.test(err.message)) {
      throw new Error(`stack ${stackName} does not exist in this account and region (deployed? --stack-prefix?)`);
    }
    throw new Error(`cannot read stack ${stackName}: ${err.message}`);
  }
  const value = outputs.find((o) => o.OutputKey === output)?.OutputValue;
  if (value === undefined) {
    throw new Error(`stack ${stackName} has no output ${output} (deploy the current version of the platform)`);
  }
  return value;
}

/** The state machine ARN of a workflow, from the stack outputs. */
export async function workflowArn(clients: WorkflowClients, stackPrefix: string, w: WorkflowName): Promise<string> {
  return stackOutput(clients.cfn, stackPrefix, WORKFLOWS[w].stack, WORKFLOWS[w].output);
}
