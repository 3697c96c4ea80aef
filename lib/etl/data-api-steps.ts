import { Duration } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';

/** Errors worth a retry with backoff: throttling, concurrency limits and transient service errors. */
export const RETRYABLE = {
  glue: [
    'Glue.ConcurrentRunsExceededException',
    'Glue.ThrottlingException',
    'Glue.InternalServiceException',
    'Glue.OperationTimeoutException',
  ],
  redshiftData: [
    'RedshiftData.ActiveStatementsExceededException',
    'RedshiftData.ActiveSessionsExceededException',
    'RedshiftData.ThrottlingException',
    'RedshiftData.InternalServerException',
  ],
  redshift: ['Redshift.ThrottlingException', 'Redshift.InternalServerException'],
  sns: ['Sns.ThrottledException', 'Sns.InternalErrorException', 'Sns.KmsThrottlingException'],
  events: ['EventBridge.ThrottlingException', 'EventBridge.InternalException'],
  states: ['StepFunctions.ExecutionLimitExceededException', 'StepFunctions.SfnException'],
} as const;

/** Where and as whom the Data API runs statements. */
export interface DataApiTarget {
  readonly clusterIdentifier: string;
  readonly clusterArn: string;
  readonly databaseName: string;
  readonly secretArn: string;
}

/** How a workflow records a failure: a state that notes `record` under `$.failure` and goes on to notify. */
export type FailureChain = (stepName: string, record: Record<string, string>) => sfn.Chain;

export interface SqlStepProps {
  readonly target: DataApiTarget;
  /** State name of the ExecuteStatement state; the loop states are named after it. */
  readonly stateName: string;
  /** The statement (literal or a JsonPath expression such as `States.Format(...)`). */
  readonly sql: string;
  /** Named parameters `:name` (values may be JsonPath expressions). */
  readonly parameters?: Record<string, string>;
  /**
   * JsonPath values that, with the execution name and the state, make the statement's client token unique
   * (e.g. the table of a Map iteration). Step Functions retrying ExecuteStatement then resubmits the same token and the
   * Data API returns the statement already started instead of running it twice.
   */
  readonly tokenParts?: readonly string[];
  /** Read the statement's result (GetStatementResult) into `resultPath` once FINISHED. */
  readonly result?: { readonly resultSelector: Record<string, unknown>; readonly resultPath: string };
  readonly failure: FailureChain;
  /** Routes every error of a task state to the workflow's failure handling. */
  readonly catchAll: (state: sfn.TaskStateBase | sfn.Map, stepName: string) => void;
  readonly next: sfn.IChainable;
  /** @default 10 seconds */
  readonly pollInterval?: Duration;
}

/**
 * One SQL statement through the Redshift Data API, run to completion: ExecuteStatement (with a ClientToken) -> Wait
 * -> DescribeStatement -> FINISHED? (loop), then optionally GetStatementResult. The Data API has no `.sync`
 * integration, hence the loop. FAILED and ABORTED go to `failure` with the statement's error.
 */
export function sqlStep(scope: Construct, id: string, props: SqlStepProps): sfn.IChainable {
  const { stateName } = props;
  const tokenSource = sfn.JsonPath.format(
    ['{}', stateName.replace(/[{}'\\]/g, '_'), ...(props.tokenParts ?? []).map(() => '{}')].join('/'),
    sfn.JsonPath.stringAt('$$.Execution.Name'),
    ...(props.tokenParts ?? [])
  );
  const execute = new tasks.CallAwsService(scope, `${id}Execute`, {
    stateName,
    service: 'redshiftdata',
    action: 'executeStatement',
    iamAction: 'redshift-data:ExecuteStatement',
    iamResources: [props.target.clusterArn],
    parameters: {
      ClusterIdentifier: props.target.clusterIdentifier,
      Database: props.target.databaseName,
      SecretArn: props.target.secretArn,
      Sql: props.sql,
      StatementName: `etl-${id.toLowerCase()}`,
      // 32 hex characters, the same for every retry of this state in this execution (and iteration)
      ClientToken: sfn.JsonPath.hash(tokenSource, 'MD5'),
      ...(props.parameters
        ? {
            Parameters: Object.entries(props.parameters).map(([name, value]) =>
              value.startsWith('$') || value.startsWith('States.') ? { name, 'value.$': value } : { name, value }
            ),
          }
        : {}),
    },
    resultSelector: { 'Id.$': '$.Id' },
    resultPath: '$.statement',
  });
  const wait = new sfn.Wait(scope, `${id}Wait`, {
    stateName: `${stateName}: wait`,
    time: sfn.WaitTime.duration(props.pollInterval ?? Duration.seconds(10)),
  });
  const describe = new tasks.CallAwsService(scope, `${id}Describe`, {
    stateName: `${stateName}: describe`,
    service: 'redshiftdata',
    action: 'describeStatement',
    iamAction: 'redshift-data:DescribeStatement',
    // DescribeStatement has no resource type; the statement id comes from our own ExecuteStatement
    iamResources: ['*'],
    parameters: { 'Id.$': '$.statement.Id' },
    resultPath: '$.statement',
  });
  const calls: tasks.CallAwsService[] = [execute, describe];
  let onFinished: sfn.IChainable = props.next;
  if (props.result) {
    const read = new tasks.CallAwsService(scope, `${id}Result`, {
      stateName: `${stateName}: result`,
      service: 'redshiftdata',
      action: 'getStatementResult',
      iamAction: 'redshift-data:GetStatementResult',
      iamResources: ['*'],
      parameters: { 'Id.$': '$.statement.Id' },
      resultSelector: props.result.resultSelector,
      resultPath: props.result.resultPath,
    });
    calls.push(read);
    read.next(props.next);
    onFinished = read;
  }
  for (const t of calls) {
    t.addRetry({
      errors: [...RETRYABLE.redshiftData],
      interval: Duration.seconds(10),
      backoffRate: 2,
      maxAttempts: 6,
      maxDelay: Duration.minutes(5),
    });
    props.catchAll(t, stateName);
  }
  // DescribeStatement's response carries `Error` when the statement FAILED
  const statementFailed = props.failure(`${stateName}: statement`, {
    'error.$': '$.statement.Status',
    'cause.$': '$.statement.Error',
  });
  const aborted = props.failure(`${stateName}: aborted`, {
    error: 'ABORTED',
    cause: 'the statement was cancelled or aborted by the cluster (for example by a WLM rule or a resize)',
  });
  const done = new sfn.Choice(scope, `${id}Done`, { stateName: `${stateName}: finished?` })
    .when(sfn.Condition.stringEquals('$.statement.Status', 'FINISHED'), onFinished)
    .when(sfn.Condition.stringEquals('$.statement.Status', 'FAILED'), statementFailed)
    .when(sfn.Condition.stringEquals('$.statement.Status', 'ABORTED'), aborted)
    .otherwise(wait);
  return execute.next(wait).next(describe).next(done);
}
