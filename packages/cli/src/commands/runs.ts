import { etlRunDateOf } from '@smart-factory/schema';
import { type Command, type CommandIO, UsageError, integerOption, parseOptions } from '../command';
import {
  stackOutput,
  type WorkflowClients,
  type WorkflowName,
  WORKFLOWS,
  workflowArn,
  workflowClients,
} from '../workflows/aws';
import { describe, formatDuration, listExecutions } from '../workflows/executions';

const usage = `Usage: smart-factory runs [--workflow etl|ml|archive|all] [--since 7d|YYYY-MM-DD] [--limit N]
                         [--stack-prefix P] [--region R] [--endpoint URL]

Recent executions of the platform's workflows, newest first: workflow, name, status, start time, duration (and
the run date of ETL executions). ARNs come from the stack outputs.

  --workflow       one workflow or all (default all)
  --since          only executions started since then: <N>d / <N>h, or a date (default 7d)
  --limit          at most N rows (default 50, 1-1000)`;

export interface RunsDeps {
  readonly clients?: (region: string | undefined, endpoint: string | undefined) => WorkflowClients;
  readonly now?: () => Date;
}

export function parseSince(value: string, now: Date): Date {
  const rel = /^(\d{1,4})([dh])$/.exec(value);
  if (rel) return new Date(now.getTime() - Number(rel[1]) * (rel[2] === 'd' ? 86_400_000 : 3_600_000));
  if (/^\d{4}-\d{2}-\d{2}(T.*)?$/.test(value)) {
    const t = new Date(value.length === 10 ? `${value}T00:00:00Z` : value);
    if (!Number.isNaN(t.getTime())) return t;
  }
  throw new UsageError(`--since must be <N>d, <N>h or a date YYYY-MM-DD, got "${value.slice(0, 40)}"`);
}

async function runRuns(argv: readonly string[], io: CommandIO, deps: RunsDeps = {}): Promise<number> {
  const v = parseOptions(argv, {
    workflow: { type: 'string', default: 'all' },
    since: { type: 'string', default: '7d' },
    limit: { type: 'string', default: '50' },
    'stack-prefix': { type: 'string', default: 'SmartFactory' },
    region: { type: 'string' },
    endpoint: { type: 'string' },
  });
  const names = Object.keys(WORKFLOWS) as WorkflowName[];
  if (v.workflow !== 'all' && !names.includes(v.workflow as WorkflowName)) {
    throw new UsageError(`--workflow must be one of ${names.join(', ')} or all, got "${v.workflow.slice(0, 40)}"`);
  }
  const limit = integerOption('limit', v.limit, 1, 1000) ?? 50;
  const now = (deps.now ?? (() => new Date()))();
  const since = parseSince(v.since, now);
  const clients = (deps.clients ?? workflowClients)(v.region, v.endpoint);
  const wanted = v.workflow === 'all' ? names : [v.workflow as WorkflowName];
  const rows: { workflow: string; name: string; status: string; start: Date; took: string; date: string }[] = [];
  for (const w of wanted) {
    let arn: string;
    try {
      arn = await workflowArn(clients, v['stack-prefix'], w);
    } catch (e) {
      if (v.workflow === 'all') {
        io.stderr.write(`${w}: skipped (${(e as Error).message})\n`);
        continue;
      }
      throw e;
    }
    const timeZone = w === 'etl' ? await stackOutput(clients.cfn, v['stack-prefix'], 'Etl', 'PlatformTimeZone') : 'UTC';
    for (const e of await listExecutions(clients, arn, since)) {
      let date = '';
      if (w === 'etl') {
        date =
          etlRunDateOf(e.name, undefined, timeZone) ??
          etlRunDateOf(e.name, (await describe(clients, e.arn)).input, timeZone) ??
          '';
      }
      rows.push({
        workflow: w,
        name: e.name,
        status: e.status,
        start: e.startDate,
        took: formatDuration((e.stopDate ?? now).getTime() - e.startDate.getTime()) + (e.stopDate ? '' : ' so far'),
        date,
      });
    }
  }
  rows.sort((a, b) => b.start.getTime() - a.start.getTime());
  if (rows.length === 0) {
    io.stdout.write(`no executions since ${since.toISOString()}\n`);
    return 0;
  }
  const width = Math.max(4, ...rows.map((r) => r.name.length));
  io.stdout.write(`WORKFLOW  ${'NAME'.padEnd(width)}  STATUS     STARTED (UTC)         DURATION      RUN DATE\n`);
  for (const r of rows.slice(0, limit)) {
    io.stdout.write(
      `${r.workflow.padEnd(8)}  ${r.name.padEnd(width)}  ${r.status.padEnd(9)}  ` +
        `${r.start.toISOString().slice(0, 19).replace('T', ' ')}   ${r.took.padEnd(12)}  ${r.date}\n`
    );
  }
  if (rows.length > limit) io.stdout.write(`(${rows.length - limit} more; raise --limit)\n`);
  return 0;
}

export function createRunsCommand(deps: RunsDeps = {}): Command {
  return {
    name: 'runs',
    summary: 'recent executions of the ETL, ML and archive workflows with status and duration',
    usage,
    run: (argv, io) => runRuns(argv, io, deps),
  };
}

export const runsCommand = createRunsCommand();
