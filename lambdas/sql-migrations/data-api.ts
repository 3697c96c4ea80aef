import {
  DescribeStatementCommand,
  type DescribeStatementResponse,
  ExecuteStatementCommand,
  type Field,
  GetStatementResultCommand,
  type GetStatementResultResponse,
} from '@aws-sdk/client-redshift-data';
import { OutOfTimeError, type Row, type StatementRunner } from './migrations';

/** The one method of RedshiftDataClient the runner uses (tests fake it with the Data API's response shapes). */
export interface DataApiClient {
  send(command: ExecuteStatementCommand | DescribeStatementCommand | GetStatementResultCommand): Promise<unknown>;
}

export interface DataApiTarget {
  readonly clusterIdentifier: string;
  readonly database: string;
  readonly secretArn: string;
}

export interface DataApiRunnerOptions {
  /** First poll interval; doubles up to `maxPollMs`. @default 250 */
  readonly pollMs?: number;
  /** @default 5000 */
  readonly maxPollMs?: number;
  /** Absolute time (ms since epoch) by which every statement must have finished. */
  readonly deadline: number;
  /** Attempts to submit a statement when the Data API throttles. @default 6 */
  readonly submitAttempts?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
  readonly onProgress?: (message: string, details: Record<string, unknown>) => void;
}

export class StatementFailedError extends Error {
  constructor(
    readonly status: string,
    readonly statementId: string,
    readonly detail: string
  ) {
    super(`statement ${statementId} ${status}: ${detail}`);
    this.name = 'StatementFailedError';
  }
}

/** Errors of ExecuteStatement worth retrying: throttling and the per-cluster active-statement limit. */
const RETRYABLE = new Set(['ThrottlingException', 'ActiveStatementsExceededException', 'InternalServerException']);

const fieldValue = (f: Field): string | number | boolean | null => {
  if (f.isNull) return null;
  if (f.stringValue !== undefined) return f.stringValue;
  if (f.longValue !== undefined) return f.longValue;
  if (f.doubleValue !== undefined) return f.doubleValue;
  if (f.booleanValue !== undefined) return f.booleanValue;
  return null;
};

/**
 * Runs statements through the Redshift Data API: ExecuteStatement (retried with backoff when throttled), then
 * DescribeStatement until FINISHED, FAILED or ABORTED (SUBMITTED, PICKED and STARTED keep polling), then every page of
 * GetStatementResult when the statement has a result set.
 */
export class DataApiRunner implements StatementRunner {
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;

  constructor(
    private readonly client: DataApiClient,
    private readonly target: DataApiTarget,
    private readonly options: DataApiRunnerOptions
  ) {
    this.sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.now = options.now ?? Date.now;
  }

  async run(sql: string, parameters?: Readonly<Record<string, string>>, clientToken?: string): Promise<Row[]> {
    const id = await this.submit(sql, parameters, clientToken);
    const described = await this.waitFor(id);
    if (!described.HasResultSet) return [];
    const rows: Row[] = [];
    let nextToken: string | undefined;
    do {
      const page = (await this.client.send(
        new GetStatementResultCommand({ Id: id, NextToken: nextToken })
      )) as GetStatementResultResponse;
      for (const record of page.Records ?? []) rows.push(record.map(fieldValue));
      nextToken = page.NextToken;
    } while (nextToken);
    return rows;
  }

  private async submit(
    sql: string,
    parameters: Readonly<Record<string, string>> | undefined,
    clientToken: string | undefined
  ): Promise<string> {
    const attempts = this.options.submitAttempts ?? 6;
    for (let attempt = 1; ; attempt++) {
      try {
        const out = (await this.client.send(
          new ExecuteStatementCommand({
            ClusterIdentifier: this.target.clusterIdentifier,
            Database: this.target.database,
            SecretArn: this.target.secretArn,
            Sql: sql,
            StatementName: 'smart-factory-sql-migrations',
            Parameters: parameters ? Object.entries(parameters).map(([name, value]) => ({ name, value })) : undefined,
            // A resubmission with the same token returns the statement already started (throttling retries, resumed
            // deploys): no statement runs twice.
            ...(clientToken ? { ClientToken: clientToken } : {}),
          })
        )) as { Id?: string };
        if (!out.Id) throw new Error('ExecuteStatement returned no statement Id');
        return out.Id;
      } catch (e) {
        const name = (e as { name?: string }).name ?? '';
        if (!RETRYABLE.has(name) || attempt >= attempts) throw e;
        const wait = Math.min(10_000, 500 * 2 ** (attempt - 1));
        this.options.onProgress?.('ExecuteStatement throttled; retrying', { error: name, attempt, waitMs: wait });
        this.checkDeadline('submitting a statement');
        await this.sleep(wait);
      }
    }
  }

  private async waitFor(id: string): Promise<DescribeStatementResponse> {
    let wait = this.options.pollMs ?? 250;
    const maxWait = this.options.maxPollMs ?? 5000;
    let lastStatus = '';
    for (;;) {
      const d = (await this.client.send(new DescribeStatementCommand({ Id: id }))) as DescribeStatementResponse;
      const status = d.Status ?? 'UNKNOWN';
      if (status !== lastStatus) {
        this.options.onProgress?.('statement status', { id, status });
        lastStatus = status;
      }
      if (status === 'FINISHED') return d;
      if (status === 'FAILED' || status === 'ABORTED') {
        throw new StatementFailedError(status, id, d.Error ?? '(no error message)');
      }
      if (!['SUBMITTED', 'PICKED', 'STARTED'].includes(status)) {
        throw new StatementFailedError(status, id, `unexpected statement status ${status}`);
      }
      this.checkDeadline(`waiting for statement ${id} (${status})`);
      await this.sleep(wait);
      wait = Math.min(maxWait, wait * 2);
    }
  }

  private checkDeadline(what: string): void {
    if (this.now() >= this.options.deadline) {
      throw new OutOfTimeError(`out of time ${what}; the statement may still be running on the cluster`);
    }
  }
}
