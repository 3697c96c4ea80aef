import type { ExecutionListItem, ExecutionStatus, HistoryEvent } from '@aws-sdk/client-sfn';
import { sfnSdk } from '../aws';
import type { WorkflowClients } from './aws';

export interface Execution {
  readonly arn: string;
  readonly name: string;
  readonly status: ExecutionStatus | string;
  readonly startDate: Date;
  readonly stopDate?: Date;
}

function toExecution(e: ExecutionListItem): Execution {
  return {
    arn: e.executionArn!,
    name: e.name!,
    status: e.status!,
    startDate: e.startDate!,
    ...(e.stopDate ? { stopDate: e.stopDate } : {}),
  };
}

/** Executions of a state machine, newest first, down to `since` (all when undefined). */
export async function listExecutions(
  clients: WorkflowClients,
  stateMachineArn: string,
  since?: Date
): Promise<Execution[]> {
  const { ListExecutionsCommand } = sfnSdk();
  const out: Execution[] = [];
  let nextToken: string | undefined;
  do {
    const page = await clients.sfn.send(new ListExecutionsCommand({ stateMachineArn, nextToken, maxResults: 100 }));
    for (const e of page.executions ?? []) {
      const x = toExecution(e);
      if (since && x.startDate < since) return out;
      out.push(x);
    }
    nextToken = page.nextToken;
  } while (nextToken);
  return out;
}

export async function describe(
  clients: WorkflowClients,
  arn: string
): Promise<{ status: string; input?: string; output?: string; error?: string; cause?: string; stopDate?: Date }> {
  const { DescribeExecutionCommand } = sfnSdk();
  const d = await clients.sfn.send(new DescribeExecutionCommand({ executionArn: arn }));
  return {
    status: d.status!,
    ...(d.input !== undefined ? { input: d.input } : {}),
    ...(d.output !== undefined ? { output: d.output } : {}),
    ...(d.error !== undefined ? { error: d.error } : {}),
    ...(d.cause !== undefined ? { cause: d.cause } : {}),
    ...(d.stopDate ? { stopDate: d.stopDate } : {}),
  };
}

export async function history(clients: WorkflowClients, arn: string): Promise<HistoryEvent[]> {
  const { GetExecutionHistoryCommand } = sfnSdk();
  const out: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await clients.sfn.send(
      new GetExecutionHistoryCommand({ executionArn: arn, nextToken, maxResults: 1000, includeExecutionData: true })
    );
    out.push(...(page.events ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return out;
}

/** Starts an execution; a name already taken by the same request returns that execution (`existing: true`). */
export async function start(
  clients: WorkflowClients,
  stateMachineArn: string,
  name: string,
  input: object
): Promise<{ arn: string; existing: boolean }> {
  const { StartExecutionCommand } = sfnSdk();
  try {
    const r = await clients.sfn.send(
      new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) })
    );
    return { arn: r.executionArn!, existing: false };
  } catch (e) {
    if ((e as Error).name !== 'ExecutionAlreadyExists') throw e;
    const arn = `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
    return { arn, existing: true };
  }
}

const FAILURE_DETAILS = [
  'taskFailedEventDetails',
  'taskTimedOutEventDetails',
  'lambdaFunctionFailedEventDetails',
  'lambdaFunctionTimedOutEventDetails',
  'activityFailedEventDetails',
  'activityTimedOutEventDetails',
  'executionFailedEventDetails',
  'executionTimedOutEventDetails',
  'executionAbortedEventDetails',
] as const;

/**
 * Where and why a failed execution failed, read from its history: the step is the state whose failure the
 * workflow caught (the platform's failure states are named "<step> failed"), else the last state entered before the
 * first failure event; error and cause are the execution's own (its Fail state) or the failing task's.
 */
export function failureOf(events: readonly HistoryEvent[]): { step?: string; error?: string; cause?: string } {
  let lastEntered: string | undefined;
  let caughtStep: string | undefined;
  let failedStep: string | undefined;
  let taskError: { error?: string; cause?: string } | undefined;
  let executionError: { error?: string; cause?: string } | undefined;
  for (const e of events) {
    const entered = e.stateEnteredEventDetails?.name;
    if (entered !== undefined) {
      if (caughtStep === undefined && / failed$/.test(entered)) caughtStep = entered.replace(/ failed$/, '');
      if (failedStep === undefined && e.type === 'FailStateEntered') failedStep = lastEntered ?? entered;
      lastEntered = entered;
      continue;
    }
    for (const key of FAILURE_DETAILS) {
      const d = e[key] as { error?: string; cause?: string } | undefined;
      if (d === undefined) continue;
      if (key.startsWith('execution')) executionError ??= d;
      else {
        taskError ??= d;
        failedStep ??= lastEntered;
      }
    }
  }
  const err = executionError?.error !== undefined ? executionError : (taskError ?? executionError);
  return {
    ...((caughtStep ?? failedStep) !== undefined ? { step: caughtStep ?? failedStep } : {}),
    ...(err?.error !== undefined ? { error: err.error } : {}),
    ...(err?.cause !== undefined ? { cause: err.cause } : {}),
  };
}

/** The state an execution is in now (last state entered), for progress lines. */
export function currentStep(events: readonly HistoryEvent[]): string | undefined {
  let step: string | undefined;
  for (const e of events) if (e.stateEnteredEventDetails?.name) step = e.stateEnteredEventDetails.name;
  return step;
}

/** `1h 02m`, `5m 03s`, `12s`. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (h > 0) return `${h}h ${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m}m ${String(sec).padStart(2, '0')}s`;
  return `${sec}s`;
}

/** Shortens a message for one line: the first line, at most `max` characters. */
export function oneLine(text: string | undefined, max = 300): string {
  if (text === undefined) return '';
  const first = text.split('\n')[0]!;
  return first.length > max ? `${first.slice(0, max)}…` : first;
}

export type Sleep = (ms: number) => Promise<void>;
export const realSleep: Sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Polls an execution until it stops, calling `onProgress` whenever the current step changes. Resolves to its final
 * status with the failure (step, error, cause) read from the history.
 */
export async function follow(
  clients: WorkflowClients,
  arn: string,
  opts: { pollMs: number; sleep: Sleep; onProgress?: (step: string) => void }
): Promise<{ status: string; output?: string; failure?: ReturnType<typeof failureOf>; stopDate?: Date }> {
  let lastStep: string | undefined;
  for (;;) {
    const d = await describe(clients, arn);
    if (opts.onProgress) {
      const step = currentStep(await history(clients, arn));
      if (step !== undefined && step !== lastStep) opts.onProgress(step);
      lastStep = step;
    }
    if (d.status !== 'RUNNING' && d.status !== 'PENDING_REDRIVE') {
      if (d.status === 'SUCCEEDED') {
        return {
          status: d.status,
          ...(d.output !== undefined ? { output: d.output } : {}),
          ...(d.stopDate ? { stopDate: d.stopDate } : {}),
        };
      }
      const f = failureOf(await history(clients, arn));
      return {
        status: d.status,
        failure: { ...f, ...(f.error === undefined && d.error ? { error: d.error, cause: d.cause } : {}) },
        ...(d.stopDate ? { stopDate: d.stopDate } : {}),
      };
    }
    await opts.sleep(opts.pollMs);
  }
}

/** "at step "X": Error: cause" for a failure. */
export function describeFailure(f: ReturnType<typeof failureOf> | undefined): string {
  if (!f) return '';
  const where = f.step !== undefined ? `at step "${f.step}"` : 'at an unknown step';
  const why = [f.error, oneLine(f.cause)].filter((x) => x !== undefined && x !== '').join(': ');
  return why ? `${where}: ${why}` : where;
}
