import aslValidator from 'asl-validator';
import type { StateMachine as LocalStateMachine } from 'aws-local-stepfunctions';
import { Match } from 'aws-cdk-lib/assertions';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../lib/config';
import { STATES } from '../lib/etl/etl-workflow';
import { InvalidRunDateError, resolveRunDate } from '../lambdas/etl-run-date/run-date';
import { template } from './helpers/app';
import { etlTestStack } from './helpers/etl';
import { polyfillPromiseWithResolvers, stateMachineDefinition } from './helpers/asl';
import { STAND_IN } from './helpers/warehouse-stand-in';

type JsonObj = Record<string, unknown>;
type Handler = (input: JsonObj) => unknown;
interface LoggedEvent {
  type: string;
  state?: { name: string };
  Error?: string;
  Cause?: unknown;
}

const REGION = DEFAULT_CONFIG.env.region;
const NOW = new Date('2026-11-25T03:00:00Z'); // 12:00 in Seoul on the 25th
const EXECUTION_ID = `arn:aws:states:${REGION}:${STAND_IN.account}:execution:etl:run-1`;

const { etl } = etlTestStack();
const etlTemplate = template(etl);
// Plausible values for every reference of the definition: Glue job names, Lambda ARNs, the imported operations topic.
const definition = stateMachineDefinition(
  etl,
  [
    [/Operations.*Topic/, `arn:aws:sns:${REGION}:${STAND_IN.account}:operations-topic`],
    [/^ArchiveStateMachine/, `arn:aws:states:${REGION}:${STAND_IN.account}:stateMachine:archive`],
    [/\.Arn$/, (n) => `arn:aws:lambda:${REGION}:${STAND_IN.account}:function:${n.split('.')[0]}`],
    [/Job/, (n) => `job-${n}`],
  ],
  { 'AWS::Region': REGION, 'AWS::AccountId': STAND_IN.account },
  'Workflow'
);
const states = definition['States'] as Record<string, JsonObj>;

let StateMachine: typeof LocalStateMachine;
beforeAll(async () => {
  polyfillPromiseWithResolvers();
  ({ StateMachine } = await import('aws-local-stepfunctions'));
});

/** An error the way Step Functions names it (`Error` = name, `Cause` = message). */
function awsError(name: string, cause: string): Error {
  const e = new Error(cause);
  e.name = name;
  return e;
}

/** Plays the given responses in order; a function entry is called, an Error entry is thrown. */
function sequence(...responses: (unknown | Error)[]): Handler {
  let i = 0;
  return () => {
    const r = responses[Math.min(i++, responses.length - 1)];
    if (r instanceof Error) throw r;
    return r;
  };
}

interface Calls {
  all: { state: string; input: JsonObj }[];
  glue: { state: string; input: JsonObj }[];
  sql: JsonObj[];
  archive: JsonObj[];
  sns: JsonObj[];
  events: JsonObj[];
}

/** Default task behaviour: everything succeeds at once; `overrides` replace single states. */
function handlers(calls: Calls, overrides: Record<string, Handler> = {}): Record<string, Handler> {
  const base: Record<string, Handler> = {
    // the real run-date core, the way the Lambda integration wraps it ({FunctionName, Payload} -> {Payload})
    [STATES.resolveRunDate]: (input) => ({
      StatusCode: 200,
      Payload: resolveRunDate(input['Payload'] as JsonObj, DEFAULT_CONFIG.timeZone, NOW),
    }),
    [STATES.rawToParquet]: (input) => {
      calls.glue.push({ state: STATES.rawToParquet, input });
      return { Id: 'jr_raw', JobRunState: 'SUCCEEDED' };
    },
    [STATES.dailyFact]: (input) => {
      calls.glue.push({ state: STATES.dailyFact, input });
      return { Id: 'jr_fact', JobRunState: 'SUCCEEDED' };
    },
    [STATES.refresh]: (input) => {
      calls.sql.push(input);
      return { Id: 'stmt-refresh' };
    },
    [`${STATES.refresh}: describe`]: (input) => ({ Id: input['Id'], Status: 'FINISHED' }),
    // DescribeClusters response shape: the cluster at the scheduled size (12 nodes at 01:10 Seoul)
    [STATES.warehouseReady]: () => ({
      Clusters: [{ ClusterStatus: 'available', ClusterAvailabilityStatus: 'Available', NumberOfNodes: 12 }],
    }),
    [STATES.archive]: (input) => {
      calls.archive.push(input);
      return { ExecutionArn: 'arn:aws:states:x:1:execution:archive:e1', Status: 'SUCCEEDED', Output: '{}' };
    },
    [STATES.success]: (input) => {
      calls.events.push(input);
      return { Entries: [{ EventId: 'e1' }], FailedEntryCount: 0 };
    },
    [STATES.notify]: (input) => {
      calls.sns.push(input);
      return { MessageId: 'm1' };
    },
  };
  const out: Record<string, Handler> = {};
  for (const [k, h] of Object.entries(base)) {
    out[k] = (input) => {
      calls.all.push({ state: k, input });
      return h(input);
    };
  }
  for (const [k, h] of Object.entries(overrides)) {
    const inner = out[k];
    out[k] = (input) => {
      const r = h(input);
      return r === undefined && inner ? inner(input) : r;
    };
  }
  return out;
}

async function run(input: JsonObj, overrides: Record<string, Handler> = {}) {
  const calls: Calls = { all: [], glue: [], sql: [], archive: [], sns: [], events: [] };
  const machine = new StateMachine(definition as never);
  const zero = (type: string) =>
    Object.fromEntries(
      Object.entries(states)
        .filter(([, s]) => s['Type'] === type)
        .map(([n]) => [n, 0])
    );
  const execution = machine.run(input as never, {
    overrides: {
      taskResourceLocalHandlers: handlers(calls, overrides) as never,
      waitTimeOverrides: zero('Wait'),
      retryIntervalOverrides: zero('Task'),
    },
    context: { Execution: { Id: EXECUTION_ID, Name: 'run-1', Input: input, StartTime: NOW.toISOString() } } as never,
  });
  const events: LoggedEvent[] = [];
  const collect = (async () => {
    for await (const e of execution.eventLogs) events.push(e as unknown as LoggedEvent);
  })();
  let output: unknown;
  let error: Error | undefined;
  try {
    output = await execution.result;
  } catch (e) {
    error = e as Error;
  }
  await collect;
  const visited = events.filter((e) => e.type === 'StateEntered').map((e) => e.state!.name);
  const retried = events.filter((e) => e.type === 'StateRetried').map((e) => e.state!.name);
  const final = events.at(-1)!;
  return { output, error, events, visited, retried, final, calls };
}

const WAREHOUSE_OK = [`${STATES.warehouseReady}: start`, STATES.warehouseReady, STATES.warehouseReadyChoice];
const HAPPY = [
  STATES.resolveRunDate,
  STATES.rawToParquet,
  ...WAREHOUSE_OK,
  STATES.dailyFact,
  STATES.refresh,
  `${STATES.refresh}: wait`,
  `${STATES.refresh}: describe`,
  `${STATES.refresh}: finished?`,
  STATES.archive,
  STATES.success,
  STATES.done,
];

describe('ETL state machine definition (from the synthesized template)', () => {
  it('is valid ASL for asl-validator', () => {
    const result = aslValidator(definition);
    expect(result.errorsText?.() ?? '', JSON.stringify(result.errors)).toBe('');
    expect(result.isValid).toBe(true);
  });

  it('asl-validator rejects a broken copy (positive control)', () => {
    const broken = JSON.parse(JSON.stringify(definition)) as { States: Record<string, JsonObj> };
    broken.States[STATES.dailyFact]!['Next'] = 'No such state';
    expect(aslValidator(broken).isValid).toBe(false);
  });

  it('calls the Data API with the cluster, database and ETL secret, and Glue jobs with .sync', () => {
    const exec = states[STATES.refresh]!;
    expect(exec['Resource']).toBe('arn:aws:states:::aws-sdk:redshiftdata:executeStatement');
    expect(exec['Parameters']).toMatchObject({
      ClusterIdentifier: STAND_IN.clusterIdentifier,
      Database: DEFAULT_CONFIG.warehouse.databaseName,
      SecretArn: `arn:aws:secretsmanager:${REGION}:${STAND_IN.account}:secret:${STAND_IN.secretName}`,
    });
    expect(states[STATES.rawToParquet]!['Resource']).toBe('arn:aws:states:::glue:startJobRun.sync');
    expect(states[STATES.dailyFact]!['Resource']).toBe('arn:aws:states:::glue:startJobRun.sync');
  });
});

describe('ETL state machine executed locally (aws-local-stepfunctions, task results overridden)', () => {
  it('happy path: the scheduled run processes yesterday in Asia/Seoul and publishes a success event', async () => {
    // scheduled at 01:10 KST on the 25th = 16:10Z on the 24th
    const r = await run({ scheduledTime: '2026-11-24T16:10:00Z' });
    expect(r.error).toBeUndefined();
    expect(r.visited).toEqual(HAPPY);
    expect(r.final.type).toBe('ExecutionSucceeded');
    expect(r.calls.glue.map((c) => c.input['Arguments'])).toEqual([
      { '--run_date': '2026-11-24' },
      { '--run_date': '2026-11-24' },
    ]);
    expect(r.calls.sql.map((s) => s['Sql'])).toEqual(["CALL summary.sp_refresh('2026-11-24')"]);
    // the archive state machine runs to completion with the run date
    expect(r.calls.archive).toEqual([
      {
        StateMachineArn: `arn:aws:states:${REGION}:${STAND_IN.account}:stateMachine:archive`,
        Input: { runDate: '2026-11-24' },
      },
    ]);
    expect(states[STATES.archive]!['Resource']).toBe('arn:aws:states:::states:startExecution.sync:2');
    expect(r.calls.sns).toEqual([]);
    const entry = (r.calls.events[0]!['Entries'] as JsonObj[])[0]!;
    expect(entry['Source']).toBe('smart-factory.etl');
    expect(entry['Detail']).toMatchObject({ runDate: '2026-11-24', executionId: EXECUTION_ID });
  });

  it('every AWS SDK request the machine sends is valid for the service model (botocore as the oracle)', async () => {
    const ok = await run({ runDate: '2026-11-24' });
    const failed = await run(
      { runDate: '2026-11-24' },
      { [STATES.dailyFact]: sequence(awsError('States.TaskFailed', 'job failed')) }
    );
    const api: Record<string, [string, string]> = {
      [STATES.rawToParquet]: ['glue', 'StartJobRun'],
      [STATES.dailyFact]: ['glue', 'StartJobRun'],
      [STATES.refresh]: ['redshift-data', 'ExecuteStatement'],
      [`${STATES.refresh}: describe`]: ['redshift-data', 'DescribeStatement'],
      [STATES.warehouseReady]: ['redshift', 'DescribeClusters'],
      [STATES.archive]: ['stepfunctions', 'StartExecution'],
      [STATES.notify]: ['sns', 'Publish'],
    };
    // The optimized startExecution integration takes PascalCase names and an object Input; the service gets them as
    // stateMachineArn / input (a JSON string), which is what botocore validates.
    const sdkParams = (state: string, input: JsonObj): JsonObj =>
      state === STATES.archive
        ? { stateMachineArn: input['StateMachineArn'], input: JSON.stringify(input['Input']) }
        : input;
    const requests = [...ok.calls.all, ...failed.calls.all]
      .filter((c) => api[c.state])
      .map((c) => ({
        state: c.state,
        service: api[c.state]![0],
        operation: api[c.state]![1],
        params: sdkParams(c.state, c.input),
      }));
    expect(new Set(requests.map((r) => r.state))).toEqual(new Set(Object.keys(api)));
    const script = [
      'import json, sys',
      'import botocore.session',
      'from botocore.validate import ParamValidator',
      'session = botocore.session.get_session()',
      'out = []',
      'for r in json.load(sys.stdin):',
      '    shape = session.get_service_model(r["service"]).operation_model(r["operation"]).input_shape',
      // Debian's botocore predates ExecuteStatement's ClientToken (the JS SDK model has it; test below)
      '    params = {k: v for k, v in r["params"].items() if k in shape.members or k != "ClientToken"}',
      '    report = ParamValidator().validate(params, shape)',
      '    out.append([r["state"], report.generate_report()])',
      'print(json.dumps(out))',
    ].join('\n');
    const reports = JSON.parse(
      execFileSync('/usr/bin/python3', ['-c', script], { input: JSON.stringify(requests), encoding: 'utf8' })
    ) as [string, string][];
    expect(reports.filter(([, report]) => report !== '')).toEqual([]);
    // positive control: the validator does reject a misnamed parameter
    const bad = JSON.stringify([
      { state: 'x', service: 'redshift-data', operation: 'ExecuteStatement', params: { Sql: 'x', Cluster: 'c' } },
    ]);
    const badReport = JSON.parse(
      execFileSync('/usr/bin/python3', ['-c', script], { input: bad, encoding: 'utf8' })
    ) as [string, string][];
    expect(badReport[0]![1]).toMatch(/Unknown parameter in input: "Cluster"/);
  });

  it('a given runDate is used as is; an invalid one fails before any job, with a notification', async () => {
    const ok = await run({ runDate: '2026-11-01' });
    expect(ok.calls.sql[0]!['Sql']).toBe("CALL summary.sp_refresh('2026-11-01')");

    const bad = await run({ runDate: '2026-02-30' });
    expect(bad.visited).toEqual([
      STATES.resolveRunDate,
      `${STATES.resolveRunDate} failed`,
      STATES.notify,
      STATES.failed,
    ]);
    expect(bad.calls.glue).toEqual([]);
    expect(bad.final).toMatchObject({ type: 'ExecutionFailed', Error: 'InvalidRunDate' });
    expect(bad.calls.sns[0]!['Message']).toBe(
      `Smart-factory ETL run for (not resolved) failed at step "${STATES.resolveRunDate}" (execution ${EXECUTION_ID}).` +
        ' Error: InvalidRunDate. Cause: runDate 2026-02-30 is not a calendar date'
    );
    expect(new InvalidRunDateError('x').name).toBe('InvalidRunDate');
  });

  it('a Glue job failure stops the run, notifies with the step and the job error, and ends failed', async () => {
    const cause = JSON.stringify({ Id: 'jr_raw', JobRunState: 'FAILED', ErrorMessage: 'no raw sensor files' });
    const r = await run(
      { runDate: '2026-11-24' },
      { [STATES.rawToParquet]: sequence(awsError('States.TaskFailed', cause)) }
    );
    expect(r.visited).toEqual([
      STATES.resolveRunDate,
      STATES.rawToParquet,
      `${STATES.rawToParquet} failed`,
      STATES.notify,
      STATES.failed,
    ]);
    expect(r.final).toMatchObject({ type: 'ExecutionFailed', Error: 'States.TaskFailed', Cause: cause });
    expect(r.calls.sns).toHaveLength(1);
    expect(r.calls.sns[0]!['Subject']).toBe('Smart-factory ETL run failed');
    expect(r.calls.sns[0]!['TopicArn']).toBe(`arn:aws:sns:${REGION}:${STAND_IN.account}:operations-topic`);
    expect(r.calls.sns[0]!['Message']).toBe(
      `Smart-factory ETL run for 2026-11-24 failed at step "${STATES.rawToParquet}" (execution ${EXECUTION_ID}).` +
        ` Error: States.TaskFailed. Cause: ${cause}`
    );
  });

  it('a statement that ends FAILED fails the step with the statement error', async () => {
    const error = 'ERROR: relation "summary.daily_sensor" does not exist';
    const r = await run(
      { runDate: '2026-11-24' },
      {
        [`${STATES.refresh}: describe`]: sequence(
          { Id: 'stmt-refresh', Status: 'STARTED' },
          { Id: 'stmt-refresh', Status: 'FAILED', Error: error }
        ),
      }
    );
    expect(r.visited.slice(3 + WAREHOUSE_OK.length)).toEqual([
      STATES.refresh,
      `${STATES.refresh}: wait`,
      `${STATES.refresh}: describe`,
      `${STATES.refresh}: finished?`,
      `${STATES.refresh}: wait`,
      `${STATES.refresh}: describe`,
      `${STATES.refresh}: finished?`,
      `${STATES.refresh}: statement failed`,
      STATES.notify,
      STATES.failed,
    ]);
    expect(r.visited).not.toContain(STATES.archive);
    expect(r.final).toMatchObject({ type: 'ExecutionFailed', Error: 'FAILED', Cause: error });
    expect(r.calls.sns[0]!['Message']).toContain(
      `failed at step "${STATES.refresh}: statement" (execution ${EXECUTION_ID}). Error: FAILED. Cause: ${error}`
    );
  });

  it('an ABORTED statement fails the step too', async () => {
    const r = await run(
      { runDate: '2026-11-24' },
      { [`${STATES.refresh}: describe`]: sequence({ Id: 'stmt-refresh', Status: 'ABORTED' }) }
    );
    expect(r.visited.at(-3)).toBe(`${STATES.refresh}: aborted failed`);
    expect(r.final).toMatchObject({ type: 'ExecutionFailed', Error: 'ABORTED' });
  });

  it('a failed archive execution fails the run with its error (the archive notifies its own step)', async () => {
    const r = await run(
      { runDate: '2026-11-24' },
      { [STATES.archive]: sequence(awsError('States.TaskFailed', '{"Status":"FAILED"}')) }
    );
    expect(r.visited.slice(-3)).toEqual([`${STATES.archive} failed`, STATES.notify, STATES.failed]);
  });

  it('during a resize the run waits (no statement is sent) and loads once the cluster has its scheduled size', async () => {
    const cluster = (status: string, availability: string, nodes: number) => ({
      Clusters: [{ ClusterStatus: status, ClusterAvailabilityStatus: availability, NumberOfNodes: nodes }],
    });
    const r = await run(
      { runDate: '2026-11-24' },
      {
        [STATES.warehouseReady]: sequence(
          cluster('resizing', 'Modifying', 3),
          cluster('resizing', 'Unavailable', 3),
          cluster('available', 'Available', 12)
        ),
      }
    );
    expect(r.final.type).toBe('ExecutionSucceeded');
    expect(r.visited.filter((s) => s === STATES.warehouseWait)).toHaveLength(2);
    const firstGlue = r.visited.indexOf(STATES.dailyFact);
    expect(r.visited.lastIndexOf(STATES.warehouseReady)).toBeLessThan(firstGlue);
  });

  it('a resize that never completes (or a missed one) fails the run after the bounded wait, with a notification', async () => {
    const r = await run(
      { runDate: '2026-11-24' },
      {
        [STATES.warehouseReady]: () => ({
          Clusters: [{ ClusterStatus: 'available', ClusterAvailabilityStatus: 'Available', NumberOfNodes: 3 }],
        }),
      }
    );
    expect(r.visited.filter((s) => s === STATES.warehouseReady)).toHaveLength(46);
    expect(r.visited).not.toContain(STATES.dailyFact);
    expect(r.final).toMatchObject({ type: 'ExecutionFailed', Error: 'WarehouseNotReady' });
    expect(r.calls.sns[0]!['Message']).toContain(
      'the cluster did not become available with 12 nodes in time (last seen: status available availability Available)'
    );
  });

  it('ExecuteStatement carries a ClientToken that is the same on every retry of the state (no CALL runs twice)', async () => {
    const tokens: unknown[] = [];
    const first = sequence(awsError('RedshiftData.InternalServerException', 'internal error'), undefined);
    const r = await run(
      { runDate: '2026-11-24' },
      {
        [STATES.refresh]: (input) => {
          tokens.push(input['ClientToken']);
          return first(input);
        },
      }
    );
    expect(r.final.type).toBe('ExecutionSucceeded');
    expect(tokens).toHaveLength(2);
    expect(tokens[0]).toMatch(/^[0-9a-f]{32}$/);
    expect(tokens[1]).toBe(tokens[0]);
    // the JS SDK (newer than Debian's botocore) models the parameter
    const model = readFileSync(
      join(__dirname, '..', 'node_modules/@aws-sdk/client-redshift-data/dist-types/models/models_0.d.ts'),
      'utf8'
    );
    const input = model.slice(model.indexOf('export interface ExecuteStatementInput'));
    expect(input.slice(0, input.indexOf('\n}'))).toContain('ClientToken?: string');
  });

  it('throttling and concurrency errors are retried and the run succeeds', async () => {
    const r = await run(
      { runDate: '2026-11-24' },
      {
        [STATES.rawToParquet]: sequence(
          awsError('Glue.ConcurrentRunsExceededException', 'Concurrent runs exceeded for job'),
          undefined
        ),
        [STATES.refresh]: sequence(
          awsError('RedshiftData.ActiveStatementsExceededException', 'Active statements exceeded the allowed quota'),
          awsError('RedshiftData.ThrottlingException', 'Rate exceeded'),
          undefined
        ),
      }
    );
    expect(r.error).toBeUndefined();
    expect(r.final.type).toBe('ExecutionSucceeded');
    expect(r.retried).toEqual([STATES.rawToParquet, STATES.refresh, STATES.refresh]);
    expect(r.calls.glue.map((c) => c.state)).toEqual([STATES.rawToParquet, STATES.dailyFact]);
    expect(r.calls.sns).toEqual([]);
  });

  it('a non-retryable error is not retried (a Glue job failure is not re-run by the state machine)', async () => {
    const r = await run(
      { runDate: '2026-11-24' },
      { [STATES.dailyFact]: sequence(awsError('States.TaskFailed', 'job failed')) }
    );
    expect(r.retried).toEqual([]);
    expect(r.final.type).toBe('ExecutionFailed');
  });

  it('a long statement is polled until FINISHED', async () => {
    const r = await run(
      { runDate: '2026-11-24' },
      {
        [`${STATES.refresh}: describe`]: sequence(
          { Id: 'stmt-refresh', Status: 'SUBMITTED' },
          { Id: 'stmt-refresh', Status: 'PICKED' },
          { Id: 'stmt-refresh', Status: 'STARTED' },
          { Id: 'stmt-refresh', Status: 'STARTED' },
          { Id: 'stmt-refresh', Status: 'FINISHED' }
        ),
      }
    );
    expect(r.final.type).toBe('ExecutionSucceeded');
    expect(r.visited.filter((s) => s === `${STATES.refresh}: describe`)).toHaveLength(5);
    expect(r.visited.filter((s) => s === `${STATES.refresh}: wait`)).toHaveLength(5);
    expect(r.visited.at(-1)).toBe(STATES.done);
  });
});

describe('ETL workflow resources', () => {
  it('IAM uses the real redshift-data actions scoped to the cluster; no invented redshiftdata: actions', () => {
    const actions = Object.values(etlTemplate.findResources('AWS::IAM::Policy')).flatMap((p) =>
      (p['Properties'].PolicyDocument.Statement as { Action: string | string[] }[]).flatMap((st) => st.Action)
    );
    expect(actions.filter((a) => a.startsWith('redshiftdata:'))).toEqual([]);
    expect(actions).toEqual(
      expect.arrayContaining(['redshift-data:ExecuteStatement', 'redshift-data:DescribeStatement'])
    );
    etlTemplate.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: Match.arrayWith(['redshift-data:ExecuteStatement', 'redshift:DescribeClusters']),
            Resource: `arn:aws:redshift:${REGION}:${STAND_IN.account}:cluster:${STAND_IN.clusterIdentifier}`,
          }),
          Match.objectLike({ Action: Match.arrayWith(['redshift-data:DescribeStatement']), Resource: '*' }),
          Match.objectLike({
            Action: Match.arrayWith(['secretsmanager:GetSecretValue']),
            Resource: `arn:aws:secretsmanager:${REGION}:${STAND_IN.account}:secret:${STAND_IN.secretName}`,
          }),
        ]),
      },
      Roles: [{ Ref: Match.stringLikeRegexp('^WorkflowStateMachineRole') }],
    });
  });

  it('logs ALL events to a KMS-encrypted log group, traces with X-Ray and times out', () => {
    etlTemplate.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      LoggingConfiguration: { Level: 'ALL', IncludeExecutionData: true },
      TracingConfiguration: { Enabled: true },
    });
    expect(definition['TimeoutSeconds']).toBe(8 * 3600);
    etlTemplate.hasResourceProperties('AWS::Logs::LogGroup', {
      KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'Arn'] },
      RetentionInDays: 365,
    });
  });

  it('runs daily at 01:10 Asia/Seoul with EventBridge Scheduler, retries and a DLQ', () => {
    etlTemplate.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(10 1 * * ? *)',
      ScheduleExpressionTimezone: 'Asia/Seoul',
      State: 'ENABLED',
      Target: {
        Arn: { Ref: Match.stringLikeRegexp('^WorkflowStateMachine') },
        Input: '{"scheduledTime":"<aws.scheduler.scheduled-time>"}',
        RetryPolicy: { MaximumRetryAttempts: 10, MaximumEventAgeInSeconds: 7200 },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^WorkflowScheduleDlq'), 'Arn'] } },
        RoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^WorkflowScheduleRole'), 'Arn'] },
      },
    });
    // the DLQ is KMS-encrypted: the scheduler's role can send to it and use its key
    etlTemplate.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: ['kms:Decrypt', 'kms:GenerateDataKey'] }),
          Match.objectLike({ Action: 'sqs:SendMessage' }),
        ]),
      },
      Roles: [{ Ref: Match.stringLikeRegexp('^WorkflowScheduleRole') }],
    });
  });

  it('alarms on failed, timed-out and aborted executions and on the DLQ, to the operations topic', () => {
    for (const metric of ['ExecutionsFailed', 'ExecutionsTimedOut', 'ExecutionsAborted']) {
      etlTemplate.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: metric,
        Namespace: 'AWS/States',
        Threshold: 1,
        AlarmActions: [{ 'Fn::ImportValue': Match.stringLikeRegexp('Operations.*Topic') }],
      });
    }
    etlTemplate.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Namespace: 'AWS/SQS',
    });
  });
});
