import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { type Command, type CommandIO, UsageError, integerOption, numberOption, parseOptions } from '../command';
import { type WorkflowClients, workflowArn, workflowClients } from '../workflows/aws';
import {
  describe,
  describeFailure,
  type Execution,
  failureOf,
  follow,
  formatDuration,
  history,
  listExecutions,
  realSleep,
  type Sleep,
  start,
} from '../workflows/executions';

const usage = `Usage: smart-factory ml train [--wait]
       smart-factory ml status [--last N]
       common: [--stack-prefix P] [--region R] [--endpoint URL] [--poll-seconds S]

Drives the ML training pipeline (its ARN comes from the stack outputs of <prefix>Ml).

  train    starts a training run (features -> SageMaker XGBoost -> AUC gate -> endpoint -> edge model), unless one
           is already running: then it follows that one. --wait prints each step until the run ends.
  status   the last runs (default 5, --last 1-50): status, duration, validation AUC, the gate's decision and the
           model version published to the edge.

  --stack-prefix   the platform's stack prefix (default SmartFactory; the dev configuration: SmartFactoryDev)
  --region         AWS region (default AWS_REGION)
  --endpoint       a Step Functions/CloudFormation-compatible endpoint (local testing)
  --poll-seconds   seconds between status checks (default 15)`;

export interface MlDeps {
  readonly clients?: (region: string | undefined, endpoint: string | undefined) => WorkflowClients;
  readonly sleep?: Sleep;
  readonly now?: () => Date;
}

/** What one training run decided, from its output (succeeded) or its history (failed). */
export interface TrainingRunSummary {
  readonly auc?: number;
  readonly gate: 'published' | 'rejected' | 'failed' | 'running' | 'aborted' | 'timed out';
  readonly modelVersion?: string;
  readonly detail?: string;
}

function num(v: unknown): number | undefined {
  const n = typeof v === 'string' ? Number(v) : v;
  return typeof n === 'number' && Number.isFinite(n) ? n : undefined;
}

/** The AUC the pipeline's `ValidationAuc` state recorded (`$.gate.auc`), from the history. */
function aucFromHistory(events: readonly HistoryEvent[]): number | undefined {
  for (const e of events) {
    const x = e.stateExitedEventDetails;
    if (x?.name !== 'ValidationAuc' || x.output === undefined) continue;
    try {
      return num((JSON.parse(x.output) as { gate?: { auc?: unknown } }).gate?.auc);
    } catch {
      return undefined;
    }
  }
  return undefined;
}

export async function summarizeTrainingRun(clients: WorkflowClients, e: Execution): Promise<TrainingRunSummary> {
  if (e.status === 'RUNNING') return { gate: 'running' };
  if (e.status === 'SUCCEEDED') {
    const d = await describe(clients, e.arn);
    try {
      const out = JSON.parse(d.output ?? '{}') as { gate?: { auc?: unknown }; run?: { id?: unknown } };
      const auc = num(out.gate?.auc);
      return {
        gate: 'published',
        ...(auc !== undefined ? { auc } : {}),
        ...(typeof out.run?.id === 'string' ? { modelVersion: out.run.id } : {}),
      };
    } catch {
      return { gate: 'published', detail: 'output is not JSON' };
    }
  }
  const events = await history(clients, e.arn);
  const auc = aucFromHistory(events);
  const f = failureOf(events);
  const base = auc !== undefined ? { auc } : {};
  if (f.error === 'ModelBelowAucGate') return { ...base, gate: 'rejected', detail: f.cause ?? '' };
  const gate = e.status === 'ABORTED' ? 'aborted' : e.status === 'TIMED_OUT' ? 'timed out' : 'failed';
  return { ...base, gate, detail: describeFailure(f) };
}

function fmtAuc(auc: number | undefined): string {
  return auc === undefined ? '-' : auc.toFixed(4);
}

async function runMl(argv: readonly string[], io: CommandIO, deps: MlDeps = {}): Promise<number> {
  const [sub, ...rest] = argv;
  const common = {
    'stack-prefix': { type: 'string', default: 'SmartFactory' },
    region: { type: 'string' },
    endpoint: { type: 'string' },
    'poll-seconds': { type: 'string' },
  } as const;
  if (sub !== 'train' && sub !== 'status') {
    throw new UsageError(
      sub === undefined ? 'ml needs a sub-command: train or status' : `unknown ml sub-command "${sub.slice(0, 40)}"`
    );
  }
  const v = parseOptions(rest, {
    ...common,
    ...(sub === 'train' ? { wait: { type: 'boolean', default: false } } : { last: { type: 'string' } }),
  } as typeof common & { wait?: { type: 'boolean'; default: false }; last?: { type: 'string' } });
  const values = v as unknown as {
    'stack-prefix': string;
    region?: string;
    endpoint?: string;
    'poll-seconds'?: string;
    wait?: boolean;
    last?: string;
  };
  const poll = numberOption('poll-seconds', values['poll-seconds'], 0, 3600, { unit: 's' }) ?? 15;
  const last = integerOption('last', values.last, 1, 50) ?? 5;
  const clients = (deps.clients ?? workflowClients)(values.region, values.endpoint);
  const arn = await workflowArn(clients, values['stack-prefix'], 'ml');

  if (sub === 'status') {
    const runs = (await listExecutions(clients, arn)).slice(0, last);
    if (runs.length === 0) {
      io.stdout.write('no training runs yet (smart-factory ml train starts one)\n');
      return 0;
    }
    io.stdout.write('STARTED (UTC)         STATUS     DURATION  AUC     GATE       MODEL VERSION / DETAIL\n');
    for (const e of runs) {
      const s = await summarizeTrainingRun(clients, e);
      const took = formatDuration((e.stopDate ?? (deps.now ?? (() => new Date()))()).getTime() - e.startDate.getTime());
      io.stdout.write(
        `${e.startDate.toISOString().slice(0, 19).replace('T', ' ')}   ${e.status.padEnd(10)} ${took.padEnd(9)} ` +
          `${fmtAuc(s.auc).padEnd(7)} ${s.gate.padEnd(10)} ${s.modelVersion ?? s.detail ?? ''}\n`
      );
    }
    return 0;
  }

  const running = (await listExecutions(clients, arn)).find((e) => e.status === 'RUNNING');
  let execution: Execution;
  if (running) {
    io.stdout.write(`a training run is already going: ${running.name}; following it\n`);
    execution = running;
  } else {
    const now = (deps.now ?? (() => new Date()))();
    const name = `train-${now.toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '-')}`;
    const s = await start(clients, arn, name, {});
    io.stdout.write(`${s.existing ? 'already started' : 'started'} ${name}\n`);
    execution = { arn: s.arn, name, status: 'RUNNING', startDate: now };
  }
  if (!values.wait) return 0;
  const r = await follow(clients, execution.arn, {
    pollMs: poll * 1000,
    sleep: deps.sleep ?? realSleep,
    onProgress: (step) => io.stderr.write(`${execution.name}: ${step}\n`),
  });
  const s = await summarizeTrainingRun(clients, { ...execution, status: r.status });
  if (r.status === 'SUCCEEDED') {
    io.stdout.write(`${execution.name} succeeded: AUC ${fmtAuc(s.auc)}, model ${s.modelVersion ?? '?'} published\n`);
    return 0;
  }
  io.stdout.write(
    `${execution.name} ${r.status}: ${s.gate}${s.auc !== undefined ? ` (AUC ${fmtAuc(s.auc)})` : ''} ${s.detail ?? ''}\n`
  );
  return 1;
}

export function createMlCommand(deps: MlDeps = {}): Command {
  return {
    name: 'ml',
    summary: 'start a training run of the predictive-maintenance model, or show the last runs',
    usage,
    run: (argv, io) => runMl(argv, io, deps),
  };
}

export const mlCommand = createMlCommand();
