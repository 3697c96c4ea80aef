import { CloudFormationClient, CreateStackCommand } from '@aws-sdk/client-cloudformation';
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  ListExecutionsCommand,
  SFNClient,
  StartExecutionCommand,
  UpdateStateMachineCommand,
} from '@aws-sdk/client-sfn';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MOTO_CREDENTIALS, type MotoServer, startMoto } from '../../../test/helpers/moto';
import { main } from '../src/main';

// The operator commands against moto's CloudFormation (stack outputs) and Step Functions (executions really run).
// The state machines are stand-ins with the platform's state names and failure shape ("<step> failed" -> notify ->
// Fail), since the real definitions call Glue, the Redshift Data API and SageMaker.
const REGION = 'ap-northeast-2';
const ROLE = 'arn:aws:iam::123456789012:role/sfn';
let moto: MotoServer;
let sfn: SFNClient;
let etlArn: string;
let mlArn: string;

function etlDefinition(failingDates: string[]): string {
  const step = (name: string, next: string) => ({ Type: 'Pass', Next: next, ResultPath: null, Comment: name });
  return JSON.stringify({
    StartAt: 'Resolve run date',
    States: {
      'Resolve run date': step('resolve', 'Raw sensor to parquet'),
      'Raw sensor to parquet': step('glue', 'Load daily facts'),
      'Load daily facts': {
        Type: 'Choice',
        Choices: failingDates.map((d) => ({ Variable: '$.runDate', StringEquals: d, Next: 'Load daily facts failed' })),
        Default: 'Refresh summaries',
      },
      'Load daily facts failed': {
        Type: 'Pass',
        Parameters: { step: 'Load daily facts', 'runDate.$': '$.runDate' },
        ResultPath: '$.failure',
        Next: 'Notify operations',
      },
      'Notify operations': step('sns', 'ETL run failed'),
      'ETL run failed': { Type: 'Fail', Error: 'GlueJobFailed', Cause: 'etl_daily_fact: COPY failed (staging.x)' },
      'Refresh summaries': { Type: 'Wait', Seconds: 1, Next: 'Done' },
      Done: { Type: 'Succeed' },
    },
  });
}

function mlDefinition(auc: number, gate: number): string {
  const pass = auc >= gate;
  return JSON.stringify({
    StartAt: 'NewRun',
    States: {
      NewRun: { Type: 'Pass', Result: { id: `model-${auc}` }, ResultPath: '$.run', Next: 'Train' },
      Train: { Type: 'Pass', ResultPath: null, Next: 'ValidationAuc' },
      ValidationAuc: {
        Type: 'Pass',
        Result: { auc },
        ResultPath: '$.gate',
        Next: pass ? 'NotifySuccess' : 'NotifyRejected',
      },
      NotifySuccess: { Type: 'Pass', ResultPath: null, End: true },
      NotifyRejected: { Type: 'Pass', ResultPath: null, Next: 'ModelRejected' },
      ModelRejected: {
        Type: 'Fail',
        Error: 'ModelBelowAucGate',
        Cause: `validation AUC below ml.minValidationAuc (${gate}); the live endpoint is unchanged`,
      },
    },
  });
}

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  const code = await main([...args, '--endpoint', moto.endpoint, '--region', REGION, '--stack-prefix', 'Test'], {
    stdin: new PassThrough(),
    stdout,
    stderr,
  });
  return { code, out, err };
}

async function executions(arn: string): Promise<{ name: string; status: string }[]> {
  const r = await sfn.send(new ListExecutionsCommand({ stateMachineArn: arn }));
  return (r.executions ?? [])
    .map((e) => ({ name: e.name!, status: e.status! }))
    .sort((a, b) => (a.name < b.name ? -1 : 1));
}

beforeAll(async () => {
  moto = await startMoto();
  process.env['AWS_ACCESS_KEY_ID'] = MOTO_CREDENTIALS.accessKeyId;
  process.env['AWS_SECRET_ACCESS_KEY'] = MOTO_CREDENTIALS.secretAccessKey;
  const common = {
    endpoint: moto.endpoint,
    region: REGION,
    credentials: MOTO_CREDENTIALS,
    requestHandler: new NodeHttpHandler(),
  };
  sfn = new SFNClient(common);
  const cfn = new CloudFormationClient(common);
  etlArn = (
    await sfn.send(
      new CreateStateMachineCommand({
        name: 'etl',
        roleArn: ROLE,
        definition: etlDefinition(['2026-11-03', '2026-11-20']),
      })
    )
  ).stateMachineArn!;
  mlArn = (
    await sfn.send(new CreateStateMachineCommand({ name: 'ml', roleArn: ROLE, definition: mlDefinition(0.91, 0.8) }))
  ).stateMachineArn!;
  const stack = (name: string, outputs: Record<string, string>) =>
    cfn.send(
      new CreateStackCommand({
        StackName: name,
        TemplateBody: JSON.stringify({
          Resources: { Placeholder: { Type: 'AWS::SNS::Topic' } },
          Outputs: Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, { Value: v }])),
        }),
      })
    );
  await stack('TestEtl', { DailyWorkflowArn: etlArn, PlatformTimeZone: 'Asia/Seoul' });
  await stack('TestMl', { TrainingStateMachineArn: mlArn });
  cfn.destroy();
});

afterAll(async () => {
  sfn?.destroy();
  await moto?.stop();
});

describe('smart-factory etl run', () => {
  it('starts one deterministic execution, waits with progress, and does not start a second on repeat', async () => {
    const r = await run(['etl', 'run', '--date', '2026-11-10', '--wait', '--poll-seconds', '0.2']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('2026-11-10: started run-2026-11-10');
    expect(r.out).toMatch(/2026-11-10: run-2026-11-10 succeeded in \d+s/);
    expect(r.err).toContain('run-2026-11-10: Refresh summaries');
    const again = await run(['etl', 'run', '--date', '2026-11-10']);
    expect(again.code).toBe(0);
    expect(again.out).toContain('already loaded by run-2026-11-10 (succeeded); pass --rerun');
    expect((await executions(etlArn)).map((e) => e.name)).toEqual(['run-2026-11-10']);
    const rerun = await run(['etl', 'run', '--date', '2026-11-10', '--rerun', '--wait', '--poll-seconds', '0.2']);
    expect(rerun.code).toBe(0);
    expect(rerun.out).toContain('started run-2026-11-10-a2');
  });

  it('names the failing step and the cause, read from the execution history', async () => {
    const r = await run(['etl', 'run', '--date', '2026-11-20', '--wait', '--poll-seconds', '0.2']);
    expect(r.code).toBe(1);
    expect(r.out).toContain('run-2026-11-20 FAILED after');
    expect(r.out).toContain('at step "Load daily facts": GlueJobFailed: etl_daily_fact: COPY failed (staging.x)');
  });

  it('follows a run of the date that another starter has going instead of starting a second', async () => {
    await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: etlArn,
        name: 'scheduled-0001',
        // the 01:10 KST schedule of the 13th processes the 12th
        input: JSON.stringify({ scheduledTime: '2026-11-12T16:10:00Z' }),
      })
    );
    const r = await run(['etl', 'run', '--date', '2026-11-12', '--wait', '--poll-seconds', '0.2']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('2026-11-12: already running as scheduled-0001; following it');
    expect((await executions(etlArn)).filter((e) => e.name.includes('2026-11-12'))).toEqual([]);
  });

  it('rejects bad dates and options with the command’s own message', async () => {
    expect((await run(['etl', 'run', '--date', '2026-02-30'])).err).toContain('--date must be a calendar date');
    expect((await run(['etl', 'run', '--date', '2999-01-01'])).err).toContain('is in the future');
    expect((await run(['etl', 'backfill', '--from', '2026-11-05', '--to', '2026-11-01'])).err).toContain(
      'is after --to'
    );
    expect(
      (await run(['etl', 'backfill', '--from', '2026-11-01', '--to', '2026-11-02', '--concurrency', '0'])).err
    ).toContain('--concurrency must be an integer from 1 to 10, got "0"');
    // every numeric option of etl, ml and runs goes through the CLI's one parser: range, unit and the value quoted
    expect((await run(['etl', 'run', '--date', '2026-11-01', '--poll-seconds', '-1'])).err).toContain(
      '--poll-seconds must be a number in [0, 3600] s, got "-1"'
    );
    expect((await run(['ml', 'status', '--poll-seconds', 'soon'])).err).toContain('--poll-seconds must be a number');
    expect((await run(['ml', 'status', '--last', '2.5'])).err).toContain('--last must be an integer from 1 to 50');
    for (const limit of ['0', '1e3', '']) {
      const r = await run(['runs', '--limit', limit]);
      expect(r.code).toBe(2);
      expect(r.err).toContain('--limit must be an integer from 1 to 1000');
    }
    expect((await run(['etl', 'nope'])).code).toBe(2);
  });
});

describe('smart-factory etl backfill', () => {
  it('loads a range with a failed date, then resumes: only the failed date runs again', async () => {
    const args = [
      'etl',
      'backfill',
      '--from',
      '2026-11-01',
      '--to',
      '2026-11-04',
      '--concurrency',
      '2',
      '--poll-seconds',
      '0.2',
    ];
    const first = await run(args);
    expect(first.code).toBe(1);
    expect(first.out).toContain('2026-11-03: backfill-2026-11-01-2026-11-04-2026-11-03 FAILED');
    expect(first.out).toContain('at step "Load daily facts"');
    expect(first.out).toContain('backfill 2026-11-01..2026-11-04: 3 of 4 dates loaded; failed: 2026-11-03');
    expect(first.err).toContain('4/4 dates done, 1 failed');
    // the fix is deployed
    await sfn.send(
      new UpdateStateMachineCommand({ stateMachineArn: etlArn, definition: etlDefinition(['1999-01-01']) })
    );
    const second = await run(args);
    expect(second.code).toBe(0);
    expect(second.out).toContain(
      '2026-11-01: already loaded by backfill-2026-11-01-2026-11-04-2026-11-01 (succeeded); skipped'
    );
    expect(second.out).toContain('2026-11-03: started backfill-2026-11-01-2026-11-04-2026-11-03-a2');
    expect(second.out).toContain('4 of 4 dates loaded');
    const names = (await executions(etlArn)).map((e) => e.name).filter((n) => n.startsWith('backfill-'));
    expect(names).toEqual([
      'backfill-2026-11-01-2026-11-04-2026-11-01',
      'backfill-2026-11-01-2026-11-04-2026-11-02',
      'backfill-2026-11-01-2026-11-04-2026-11-03',
      'backfill-2026-11-01-2026-11-04-2026-11-03-a2',
      'backfill-2026-11-01-2026-11-04-2026-11-04',
    ]);
  });
});

describe('smart-factory ml and runs', () => {
  it('trains, reports a rejected model with its AUC, and lists the runs with gate and version', async () => {
    const ok = await run(['ml', 'train', '--wait', '--poll-seconds', '0.2']);
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/train-\d{8}-\d{6} succeeded: AUC 0\.9100, model model-0\.91 published/);
    await sfn.send(new UpdateStateMachineCommand({ stateMachineArn: mlArn, definition: mlDefinition(0.61, 0.8) }));
    await new Promise((r) => setTimeout(r, 1100)); // a new second: a new execution name
    const rejected = await run(['ml', 'train', '--wait', '--poll-seconds', '0.2']);
    expect(rejected.code).toBe(1);
    expect(rejected.out).toContain('FAILED: rejected (AUC 0.6100) validation AUC below ml.minValidationAuc (0.8)');
    const status = await run(['ml', 'status']);
    expect(status.code).toBe(0);
    const lines = status.out.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(/FAILED .* 0\.6100 +rejected/);
    expect(lines[2]).toMatch(/SUCCEEDED .* 0\.9100 +published +model-0\.91/);

    const runs = await run(['runs', '--since', '1d']);
    expect(runs.code).toBe(0);
    expect(runs.err).toContain('archive: skipped (stack TestEtl has no output ArchiveWorkflowArn');
    expect(runs.out).toMatch(/etl +run-2026-11-10 +SUCCEEDED .* 2026-11-10/);
    expect(runs.out).toMatch(/etl +scheduled-0001 +SUCCEEDED .* 2026-11-12/);
    expect(runs.out).toMatch(/ml +train-\d{8}-\d{6} +FAILED/);
    const mlOnly = await run(['runs', '--workflow', 'ml']);
    expect(mlOnly.out).not.toContain('run-2026-11-10');
    expect((await run(['runs', '--workflow', 'nope'])).err).toContain(
      '--workflow must be one of etl, ml, archive or all'
    );
    const d = await sfn.send(
      new DescribeExecutionCommand({
        executionArn: `${etlArn.replace(':stateMachine:', ':execution:')}:run-2026-11-10`,
      })
    );
    expect(JSON.parse(d.input!)).toEqual({ runDate: '2026-11-10' });
  });
});
