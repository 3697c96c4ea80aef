import {
  DescribeStatementCommand,
  ExecuteStatementCommand,
  GetStatementResultCommand,
} from '@aws-sdk/client-redshift-data';
import { expect } from 'vitest';

/**
 * A fake Redshift Data API at the `send` level with the service's response shapes: ExecuteStatement -> {Id};
 * DescribeStatement walks SUBMITTED -> PICKED -> STARTED -> FINISHED (or FAILED/ABORTED with Error);
 * GetStatementResult returns Records of Field objects, paged with NextToken. It keeps the history table in memory.
 */
export class FakeDataApi {
  readonly executed: { sql: string; params?: { name: string; value: string }[] }[] = [];
  history: { version: number; file: string; checksum: string }[] = [];
  rendered = new Map<string, string>();
  /** ClientToken -> statement Id: a resubmission with a known token returns the statement already started. */
  readonly tokens = new Map<string, string>();
  /** Submissions answered from `tokens` instead of running the SQL again. */
  deduplicated = 0;
  users = new Set<string>();
  failWhen: { match: RegExp; status: 'FAILED' | 'ABORTED'; error: string } | undefined;
  throttleNext: string[] = [];
  /** Statements (all, or those matching) stay STARTED until finishAll(). */
  neverFinish: boolean | RegExp = false;
  /** Statements finish on the first DescribeStatement (no polling sleeps). */
  instant = false;
  describeCalls = 0;
  private statements = new Map<
    string,
    { sql: string; steps: string[]; error?: string; records?: object[][]; hasResult: boolean }
  >();
  private seq = 0;

  /** Lets every statement still running finish on its next DescribeStatement. */
  finishAll(): void {
    for (const st of this.statements.values()) {
      if (!['FINISHED', 'FAILED', 'ABORTED'].includes(st.steps.at(-1)!)) st.steps = ['FINISHED'];
    }
  }

  async send(command: unknown): Promise<unknown> {
    if (command instanceof ExecuteStatementCommand) {
      const { Sql, Parameters, ClusterIdentifier, Database, SecretArn, ClientToken } = command.input;
      expect(ClusterIdentifier).toBe('sfcluster');
      expect(Database).toBe('smartfactory');
      expect(SecretArn).toMatch(/^arn:aws:secretsmanager:/);
      const pending = this.throttleNext.shift();
      if (pending) throw Object.assign(new Error(`${pending}: slow down`), { name: pending });
      if (pending === undefined && /^NONRETRY/.test(Sql ?? '')) {
        throw Object.assign(new Error('ValidationException: bad request'), { name: 'ValidationException' });
      }
      const sql = Sql!;
      const known = ClientToken ? this.tokens.get(ClientToken) : undefined;
      if (known) {
        this.deduplicated++;
        return { Id: known, ClusterIdentifier: 'sfcluster', Database: 'smartfactory', CreatedAt: new Date() };
      }
      this.executed.push({ sql, params: Parameters as { name: string; value: string }[] | undefined });
      const id = `d9b6c0c9-${String(++this.seq).padStart(4, '0')}`;
      if (ClientToken) this.tokens.set(ClientToken, id);
      const fail = this.failWhen && this.failWhen.match.test(sql) ? this.failWhen : undefined;
      const p = Object.fromEntries((Parameters ?? []).map((x) => [x.name, x.value]));
      let records: object[][] | undefined;
      if (!fail) {
        if (sql.startsWith('SELECT version, file, checksum')) {
          records = this.history.map((h) => [
            { longValue: h.version },
            { stringValue: h.file },
            { stringValue: h.checksum },
          ]);
        } else if (sql.startsWith('INSERT INTO public.schema_migrations ')) {
          this.history.push({ version: Number(p['version']), file: p['file']!, checksum: p['checksum']! });
        } else if (sql.startsWith('UPDATE public.schema_migrations ')) {
          const h = this.history.find((x) => x.version === Number(p['version']))!;
          h.checksum = p['checksum']!;
        } else if (sql.startsWith('SELECT file, rendered_checksum')) {
          records = [...this.rendered].map(([f, c]) => [{ stringValue: f }, { stringValue: c }]);
        } else if (sql.startsWith('DELETE FROM public.schema_migration_renders')) {
          this.rendered.delete(p['file']!);
        } else if (sql.startsWith('INSERT INTO public.schema_migration_renders')) {
          this.rendered.set(p['file']!, p['checksum']!);
        } else if (sql.startsWith('SELECT usename FROM pg_user')) {
          records = this.users.has(p['username']!) ? [[{ stringValue: p['username'] }]] : [];
        } else if (sql.startsWith('SELECT 1 FROM pg_group')) {
          records = [[{ longValue: 1 }]];
        } else if (sql.startsWith('CREATE USER')) {
          this.users.add(/CREATE USER (\w+)/.exec(sql)![1]!);
        }
      }
      const stuck = this.neverFinish instanceof RegExp ? this.neverFinish.test(sql) : this.neverFinish;
      const steps =
        this.instant && !fail && !stuck
          ? ['FINISHED']
          : stuck
            ? ['SUBMITTED', 'PICKED', 'STARTED']
            : fail
              ? ['SUBMITTED', 'STARTED', fail.status]
              : ['SUBMITTED', 'PICKED', 'STARTED', 'FINISHED'];
      this.statements.set(id, { sql, steps, error: fail?.error, records, hasResult: records !== undefined });
      return { Id: id, ClusterIdentifier: 'sfcluster', Database: 'smartfactory', CreatedAt: new Date() };
    }
    if (command instanceof DescribeStatementCommand) {
      this.describeCalls++;
      const s = this.statements.get(command.input.Id!)!;
      const status = s.steps.length > 1 ? s.steps.shift()! : s.steps[0]!;
      return {
        Id: command.input.Id,
        Status: status,
        QueryString: s.sql,
        HasResultSet: status === 'FINISHED' ? s.hasResult : false,
        ResultRows: status === 'FINISHED' ? (s.records?.length ?? 0) : -1,
        ...(status === 'FAILED' || status === 'ABORTED' ? { Error: s.error } : {}),
      };
    }
    if (command instanceof GetStatementResultCommand) {
      const s = this.statements.get(command.input.Id!)!;
      const all = s.records ?? [];
      // Page two rows at a time so paging is exercised.
      const start = command.input.NextToken ? Number(command.input.NextToken) : 0;
      const page = all.slice(start, start + 2);
      return {
        Records: page,
        TotalNumRows: all.length,
        ColumnMetadata: [],
        ...(start + 2 < all.length ? { NextToken: String(start + 2) } : {}),
      };
    }
    throw new Error(`unexpected command ${String(command)}`);
  }
}
