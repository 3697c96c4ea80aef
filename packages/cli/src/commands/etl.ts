import {
  attemptName,
  attemptOf,
  dateInTimeZone,
  datesBetween,
  etlExecutionNames,
  etlRunDateOf,
  isCalendarDate,
} from '@smart-factory/schema';
import { type Command, type CommandIO, UsageError, integerOption, numberOption, parseOptions } from '../command';
import { stackOutput, type WorkflowClients, workflowArn, workflowClients } from '../workflows/aws';
import {
  describe,
  describeFailure,
  type Execution,
  follow,
  formatDuration,
  listExecutions,
  realSleep,
  type Sleep,
  start,
} from '../workflows/executions';

const usage = `Usage: smart-factory etl run --date YYYY-MM-DD [--wait] [--rerun]
       smart-factory etl backfill --from YYYY-MM-DD --to YYYY-MM-DD [--concurrency N]
       common: [--stack-prefix P] [--region R] [--endpoint URL] [--poll-seconds S]

Runs the daily ETL workflow for dates (the state machine ARN comes from the stack outputs of <prefix>Etl).

  run        one date. The execution is named run-<date> (then run-<date>-a2, -a3, ...): repeating the command
             follows the run already going, and a date already loaded is left alone unless --rerun.
  backfill   every date from --from to --to, at most --concurrency at once (default 2, 1-10), one execution per
             date named backfill-<from>-<to>-<date>. Run the same command again to resume: dates already loaded
             are skipped, running ones followed, failed ones started again (-a2, ...). Exits 1 if a date failed.

  --wait           run: wait for the execution to end, printing each step (backfill always waits)
  --rerun          run: load the date again even if it was loaded before
  --stack-prefix   the platform's stack prefix (default SmartFactory; the dev configuration: SmartFactoryDev)
  --region         AWS region (default AWS_REGION)
  --endpoint       a Step Functions/CloudFormation-compatible endpoint (local testing)
  --poll-seconds   seconds between status checks (default 15)

A date is never processed twice at once: if any execution of the date is running (the schedule's, the
batch trigger's, another operator's), run follows it and backfill waits for it before starting its own.`;

export interface EtlDeps {
  readonly clients?: (region: string | undefined, endpoint: string | undefined) => WorkflowClients;
  readonly sleep?: Sleep;
  readonly now?: () => Date;
}

interface Context {
  readonly clients: WorkflowClients;
  readonly arn: string;
  readonly timeZone: string;
  readonly executions: Execution[];
  readonly inputs: Map<string, string | undefined>;
  readonly pollMs: number;
  readonly sleep: Sleep;
  readonly io: CommandIO;
}

function checkDate(option: string, value: string | undefined): string {
  if (value === undefined) throw new UsageError(`--${option} is required`);
  if (!isCalendarDate(value))
    throw new UsageError(`--${option} must be a calendar date YYYY-MM-DD, got "${value.slice(0, 40)}"`);
  return value;
}

/** The run date of an execution (name first; the input only when the name tells nothing). */
async function runDateOf(ctx: Context, e: Execution): Promise<string | undefined> {
  const byName = etlRunDateOf(e.name, undefined, ctx.timeZone);
  if (byName !== undefined) return byName;
  if (!ctx.inputs.has(e.arn)) ctx.inputs.set(e.arn, (await describe(ctx.clients, e.arn)).input);
  return etlRunDateOf(e.name, ctx.inputs.get(e.arn), ctx.timeZone);
}

async function runningOf(ctx: Context, date: string): Promise<Execution | undefined> {
  for (const e of ctx.executions) if (e.status === 'RUNNING' && (await runDateOf(ctx, e)) === date) return e;
  return undefined;
}

function attemptsOf(ctx: Context, base: string): { attempt: number; e: Execution }[] {
  return ctx.executions
    .map((e) => ({ attempt: attemptOf(base, e.name), e }))
    .filter((x): x is { attempt: number; e: Execution } => x.attempt !== undefined)
    .sort((a, b) => b.attempt - a.attempt);
}

async function waitFor(ctx: Context, e: Execution, date: string, label: string, progress: boolean) {
  const r = await follow(ctx.clients, e.arn, {
    pollMs: ctx.pollMs,
    sleep: ctx.sleep,
    ...(progress ? { onProgress: (step: string) => ctx.io.stderr.write(`${label}${date}: ${e.name}: ${step}\n`) } : {}),
  });
  const took = formatDuration((r.stopDate ?? new Date()).getTime() - e.startDate.getTime());
  return { ...r, took };
}

/** Runs one date to the end (or only starts it); resolves to true when the date is loaded (or started). */
async function runDate(
  ctx: Context,
  date: string,
  base: string,
  opts: { wait: boolean; rerun: boolean; label: string; progress: boolean; resume: boolean }
): Promise<boolean> {
  const { io } = ctx;
  const { label } = opts;
  let running = await runningOf(ctx, date);
  const attempts = attemptsOf(ctx, base);
  const latest = attempts[0];
  if (running && (!opts.resume || attemptOf(base, running.name) !== undefined)) {
    io.stdout.write(`${label}${date}: already running as ${running.name}; following it\n`);
    if (!opts.wait) return true;
    const r = await waitFor(ctx, running, date, label, opts.progress);
    return report(io, label, date, running.name, r);
  }
  if (running) {
    // backfill: another starter's run of this date is going; let it end, then load the date ourselves
    io.stdout.write(`${label}${date}: waiting for ${running.name} (running) to end before starting\n`);
    await waitFor(ctx, running, date, label, false);
    running = undefined;
  }
  if (latest && latest.e.status === 'SUCCEEDED' && !opts.rerun) {
    io.stdout.write(
      `${label}${date}: already loaded by ${latest.e.name} (succeeded)${opts.resume ? '; skipped' : '; pass --rerun to load it again'}\n`
    );
    return true;
  }
  const name = attemptName(base, (latest?.attempt ?? 0) + 1);
  const started = await start(ctx.clients, ctx.arn, name, { runDate: date });
  const execution: Execution = { arn: started.arn, name, status: 'RUNNING', startDate: new Date() };
  ctx.executions.unshift(execution);
  io.stdout.write(`${label}${date}: ${started.existing ? 'already started' : 'started'} ${name}\n`);
  if (!opts.wait) return true;
  const r = await waitFor(ctx, execution, date, label, opts.progress);
  return report(io, label, date, name, r);
}

function report(
  io: CommandIO,
  label: string,
  date: string,
  name: string,
  r: Awaited<ReturnType<typeof waitFor>>
): boolean {
  if (r.status === 'SUCCEEDED') {
    io.stdout.write(`${label}${date}: ${name} succeeded in ${r.took}\n`);
    return true;
  }
  io.stdout.write(`${label}${date}: ${name} ${r.status} after ${r.took} ${describeFailure(r.failure)}\n`);
  return false;
}

async function context(
  values: {
    'stack-prefix': string;
    region?: string | undefined;
    endpoint?: string | undefined;
    'poll-seconds'?: string | undefined;
  },
  io: CommandIO,
  deps: EtlDeps
): Promise<Context> {
  const pollSeconds = numberOption('poll-seconds', values['poll-seconds'], 0, 3600, { unit: 's' }) ?? 15;
  const clients = (deps.clients ?? workflowClients)(values.region, values.endpoint);
  const prefix = values['stack-prefix'];
  const arn = await workflowArn(clients, prefix, 'etl');
  const timeZone = await stackOutput(clients.cfn, prefix, 'Etl', 'PlatformTimeZone');
  return {
    clients,
    arn,
    timeZone,
    executions: await listExecutions(clients, arn),
    inputs: new Map(),
    pollMs: pollSeconds * 1000,
    sleep: deps.sleep ?? realSleep,
    io,
  };
}

const common = {
  'stack-prefix': { type: 'string', default: 'SmartFactory' },
  region: { type: 'string' },
  endpoint: { type: 'string' },
  'poll-seconds': { type: 'string' },
} as const;

async function runEtl(argv: readonly string[], io: CommandIO, deps: EtlDeps = {}): Promise<number> {
  const [sub, ...rest] = argv;
  const now = (deps.now ?? (() => new Date()))();
  if (sub === 'run') {
    const v = parseOptions(rest, {
      ...common,
      date: { type: 'string' },
      wait: { type: 'boolean', default: false },
      rerun: { type: 'boolean', default: false },
    });
    const date = checkDate('date', v.date);
    const ctx = await context(v, io, deps);
    const today = dateInTimeZone(now, ctx.timeZone);
    if (date > today) throw new UsageError(`--date ${date} is in the future (today is ${today} in ${ctx.timeZone})`);
    const ok = await runDate(ctx, date, etlExecutionNames.run(date), {
      wait: v.wait,
      rerun: v.rerun,
      label: '',
      progress: true,
      resume: false,
    });
    return ok ? 0 : 1;
  }
  if (sub === 'backfill') {
    const v = parseOptions(rest, {
      ...common,
      from: { type: 'string' },
      to: { type: 'string' },
      concurrency: { type: 'string' },
    });
    const from = checkDate('from', v.from);
    const to = checkDate('to', v.to);
    if (from > to) throw new UsageError(`--from ${from} is after --to ${to}`);
    const dates = datesBetween(from, to);
    if (dates.length > 366) throw new UsageError(`a backfill covers at most 366 dates, got ${dates.length}`);
    const concurrency = integerOption('concurrency', v.concurrency, 1, 10) ?? 2;
    const ctx = await context(v, io, deps);
    const today = dateInTimeZone(now, ctx.timeZone);
    if (to > today) throw new UsageError(`--to ${to} is in the future (today is ${today} in ${ctx.timeZone})`);
    const failed: string[] = [];
    let next = 0;
    let done = 0;
    const worker = async () => {
      while (next < dates.length) {
        const date = dates[next++]!;
        const ok = await runDate(ctx, date, etlExecutionNames.backfill(from, to, date), {
          wait: true,
          rerun: false,
          label: '',
          progress: false,
          resume: true,
        });
        done++;
        if (!ok) failed.push(date);
        io.stderr.write(`backfill ${from}..${to}: ${done}/${dates.length} dates done, ${failed.length} failed\n`);
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, dates.length) }, worker));
    failed.sort();
    io.stdout.write(
      `backfill ${from}..${to}: ${dates.length - failed.length} of ${dates.length} dates loaded` +
        (failed.length ? `; failed: ${failed.join(', ')} (run the same command again to retry them)\n` : '\n')
    );
    return failed.length ? 1 : 0;
  }
  throw new UsageError(
    sub === undefined ? 'etl needs a sub-command: run or backfill' : `unknown etl sub-command "${sub.slice(0, 40)}"`
  );
}

export function createEtlCommand(deps: EtlDeps = {}): Command {
  return {
    name: 'etl',
    summary: 'run the daily ETL for a date, or backfill a range of dates (resumable)',
    usage,
    run: (argv, io) => runEtl(argv, io, deps),
  };
}

export const etlCommand = createEtlCommand();
