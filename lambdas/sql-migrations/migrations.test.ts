import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataApiRunner } from './data-api';
import { FakeDataApi } from './fake-data-api';
import {
  applyMigrations,
  ensureUser,
  loadMigrations,
  loadRepeatables,
  OutOfTimeError,
  redshiftMd5Password,
  statementToken,
  SUPERSEDED,
  renderTemplate,
  splitStatements,
} from './migrations';

const SQL_DIR = join(__dirname, '..', '..', 'sql');

const target = {
  clusterIdentifier: 'sfcluster',
  database: 'smartfactory',
  secretArn: 'arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:admin-AbCdEf',
};
const runnerFor = (fake: FakeDataApi, extra: { deadline?: number; now?: () => number } = {}) => {
  const sleeps: number[] = [];
  const runner = new DataApiRunner(fake, target, {
    deadline: extra.deadline ?? Number.MAX_SAFE_INTEGER,
    now: extra.now,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
  });
  return { runner, sleeps };
};

const file = (name: string, content: string) => ({ file: name, content });
const VARS = { schema: 'dw' };

describe('splitStatements', () => {
  it('splits at top-level semicolons only', () => {
    const sql = [
      "-- a comment; with a semicolon\nCREATE TABLE t (a VARCHAR(3) DEFAULT 'x;y');",
      "INSERT INTO t VALUES ('it''s; fine'); /* block; comment */",
      "CREATE PROCEDURE p() AS $$ BEGIN RAISE INFO 'a;b'; END; $$ LANGUAGE plpgsql;",
      'CREATE FUNCTION f() RETURNS INT AS $body$ SELECT 1; $body$ LANGUAGE sql',
      '-- only a comment at the end;',
    ].join('\n');
    const parts = splitStatements(sql);
    expect(parts).toHaveLength(4);
    expect(parts[0]).toContain("DEFAULT 'x;y')");
    expect(parts[1]).toMatch(/^INSERT INTO t VALUES \('it''s; fine'\)$/);
    expect(parts[2]).toMatch(/^\/\* block; comment \*\/\nCREATE PROCEDURE p\(\) AS \$\$ .* \$\$ LANGUAGE plpgsql$/);
    expect(parts[3]).toContain('$body$ SELECT 1; $body$ LANGUAGE sql');
  });

  it('rejects unterminated quotes instead of sending half a statement', () => {
    expect(() => splitStatements("SELECT 'abc;")).toThrow(/unterminated ' quote/);
    expect(() => splitStatements('CREATE PROCEDURE p() AS $$ BEGIN;')).toThrow(/unterminated \$\$ quote/);
  });

  it('splits the real migrations into statements that each start with a SQL verb', () => {
    const files = readdirSync(SQL_DIR).filter((f) => f.endsWith('.sql'));
    const vars = Object.fromEntries(
      readFileSync(join(__dirname, '..', '..', '.sqlfluff'), 'utf8')
        .split('[sqlfluff:templater:placeholder]')[1]!
        .split('\n[')[0]!
        .split('\n')
        .map((l) => /^(\w+) = (.*)$/.exec(l))
        .filter((m): m is RegExpExecArray => m !== null && m[1] !== 'param_style')
        .map((m) => [m[1]!, m[2]!])
    );
    for (const f of files) {
      const statements = splitStatements(renderTemplate(readFileSync(join(SQL_DIR, f), 'utf8'), vars, f));
      expect(statements.length).toBeGreaterThan(0);
      for (const s of statements) {
        const code = s.replace(/--[^\n]*\n/g, '').trim();
        expect(code).toMatch(/^(CREATE|ALTER|GRANT|REVOKE|DROP|CALL|DELETE|INSERT)\b/);
        expect(code).not.toMatch(/\$\{/);
      }
    }
    const procs = splitStatements(readFileSync(join(SQL_DIR, 'V007__procedures.sql'), 'utf8'));
    expect(procs.map((p) => /PROCEDURE (\S+?)\(/.exec(p)?.[1])).toEqual(['summary.sp_refresh']);
  });
});

describe('splitStatements against an outside parser', () => {
  it('finds the same statements per file as sqlfluff (Redshift dialect) does', () => {
    // Oracle: sqlfluff's own parse tree (the repo's .sqlfluff config), counting its top-level statement segments.
    const out = spawnSync('sqlfluff', ['parse', '--format', 'json', 'sql/'], {
      cwd: join(__dirname, '..', '..'),
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    expect(out.error).toBeUndefined();
    const parsed = JSON.parse(out.stdout) as { filepath: string; segments: { file: Record<string, unknown>[] } }[];
    const bySqlfluff = Object.fromEntries(
      parsed.map((f) => [f.filepath.replace(/^sql\//, ''), f.segments.file.filter((x) => 'statement' in x).length])
    );
    const ours = Object.fromEntries(
      readdirSync(SQL_DIR)
        .filter((f) => f.endsWith('.sql'))
        .map((f) => [f, splitStatements(readFileSync(join(SQL_DIR, f), 'utf8')).length])
    );
    expect(Object.keys(ours).length).toBeGreaterThanOrEqual(8);
    expect(ours).toEqual(bySqlfluff);
  });
});

describe('loadMigrations and renderTemplate', () => {
  it('orders by numeric version, not by name', () => {
    const m = loadMigrations([
      file('V10__c.sql', 'x'),
      file('V2__b.sql', 'y'),
      file('V001__a.sql', 'z'),
      file('README', ''),
    ]);
    expect(m.map((x) => x.file)).toEqual(['V001__a.sql', 'V2__b.sql', 'V10__c.sql']);
  });

  it('rejects bad names and duplicate versions', () => {
    expect(() => loadMigrations([file('001_schemas.sql', '')])).toThrow(/expected a name like V001__/);
    expect(() => loadMigrations([file('V1__a.sql', ''), file('V001__b.sql', '')])).toThrow(/share version 1/);
  });

  it('fills placeholders and names any unknown one', () => {
    expect(renderTemplate("s3://${bucket}/x '${bucket}'", { bucket: 'b' })).toBe("s3://b/x 'b'");
    expect(() => renderTemplate('${bucket} ${role}', { bucket: 'b' }, 'V3__x.sql')).toThrow(
      /V3__x.sql: no value for \$\{role\}; known: bucket/
    );
  });
});

describe('applyMigrations through the Data API', () => {
  const v1 = file('V001__schemas.sql', 'CREATE SCHEMA IF NOT EXISTS ${schema};\nCREATE TABLE ${schema}.a (x INT);');
  const v2 = file('V002__b.sql', 'CREATE TABLE dw.b (x INT);');
  const v3 = file('V003__c.sql', 'CREATE TABLE dw.c (x INT);\nCREATE TABLE dw.d (x INT);');

  it('a fresh database gets every migration in order, each statement polled to FINISHED, then recorded', async () => {
    const fake = new FakeDataApi();
    const { runner, sleeps } = runnerFor(fake);
    const result = await applyMigrations(runner, loadMigrations([v2, v1]), VARS);
    expect(result).toEqual({ applied: ['V001__schemas.sql', 'V002__b.sql'], alreadyApplied: [] });
    expect(fake.executed.map((e) => e.sql.split(' (')[0])).toEqual([
      'CREATE TABLE IF NOT EXISTS public.schema_migrations',
      'CREATE TABLE IF NOT EXISTS public.schema_migration_renders',
      'SELECT version, file, checksum FROM public.schema_migrations ORDER BY version',
      'SELECT file, rendered_checksum FROM public.schema_migration_renders',
      'CREATE SCHEMA IF NOT EXISTS dw',
      'CREATE TABLE dw.a',
      'INSERT INTO public.schema_migrations',
      'DELETE FROM public.schema_migration_renders WHERE file = :file',
      'INSERT INTO public.schema_migration_renders',
      'CREATE TABLE dw.b',
      'INSERT INTO public.schema_migrations',
      'DELETE FROM public.schema_migration_renders WHERE file = :file',
      'INSERT INTO public.schema_migration_renders',
    ]);
    expect(fake.history.map((h) => [h.version, h.file])).toEqual([
      [1, 'V001__schemas.sql'],
      [2, 'V002__b.sql'],
    ]);
    expect(fake.history[0]!.checksum).toMatch(/^[0-9a-f]{64}$/);
    // SUBMITTED, PICKED, STARTED each cause one backoff sleep per statement; backoff doubles.
    expect(sleeps.slice(0, 3)).toEqual([250, 500, 1000]);
  });

  it('rollback to an older bundle (database ahead): forward-only, nothing runs, no error', async () => {
    const fake = new FakeDataApi();
    await applyMigrations(runnerFor(fake).runner, loadMigrations([v1, v2, v3]), VARS);
    fake.executed.length = 0;
    const result = await applyMigrations(runnerFor(fake).runner, loadMigrations([v1, v2]), VARS);
    expect(result.applied).toEqual([]);
    expect(result.skipped).toMatch(/V003__c.sql, newer than every file of this bundle/);
    expect(fake.executed.filter((e) => !/^(CREATE TABLE IF NOT EXISTS|SELECT)/.test(e.sql))).toEqual([]);
    // a hole below the newest local file is still an error (someone deleted an applied migration)
    await expect(applyMigrations(runnerFor(fake).runner, loadMigrations([v1, v3]), VARS)).rejects.toThrow(
      /V002__b.sql \(version 2\) is recorded as applied but is no longer in sql/
    );
  });

  it('a changed template value of an applied migration fails loudly; a repeatable is re-applied instead', async () => {
    const fake = new FakeDataApi();
    const r = file('R__grants.sql', 'GRANT USAGE ON SCHEMA ${schema} TO GROUP g;');
    await applyMigrations(runnerFor(fake).runner, loadMigrations([v1]), VARS, {}, loadRepeatables([r]));
    expect(fake.executed.map((e) => e.sql)).toContain('GRANT USAGE ON SCHEMA dw TO GROUP g');
    // same values: neither the versioned file nor the repeatable runs again
    fake.executed.length = 0;
    const again = await applyMigrations(runnerFor(fake).runner, loadMigrations([v1]), VARS, {}, loadRepeatables([r]));
    expect(again.applied).toEqual([]);
    // a new value: the versioned file that rendered it fails the deploy, naming the variable
    await expect(
      applyMigrations(runnerFor(fake).runner, loadMigrations([v1]), { schema: 'dw2' }, {}, loadRepeatables([r]))
    ).rejects.toThrow(/V001__schemas.sql was applied with other values of \$\{schema\}/);
    // a repeatable alone is re-applied with the new value
    fake.executed.length = 0;
    const v9 = file('V009__x.sql', 'CREATE TABLE x.y (a INT);');
    const fresh = new FakeDataApi();
    await applyMigrations(runnerFor(fresh).runner, loadMigrations([v9]), VARS, {}, loadRepeatables([r]));
    fresh.executed.length = 0;
    const changed = await applyMigrations(
      runnerFor(fresh).runner,
      loadMigrations([v9]),
      { schema: 'dw2' },
      {},
      loadRepeatables([r])
    );
    expect(changed.applied).toEqual(['R__grants.sql']);
    expect(fresh.executed.map((e) => e.sql)).toContain('GRANT USAGE ON SCHEMA dw2 TO GROUP g');
  });

  it('a superseded checksum (the unappliable first V007) is re-applied, not rejected', async () => {
    const fake = new FakeDataApi();
    const v7 = file('V007__procedures.sql', 'CREATE TABLE dw.p (x INT);');
    fake.history = [{ version: 7, file: 'V007__procedures.sql', checksum: SUPERSEDED[7]![0]! }];
    const result = await applyMigrations(runnerFor(fake).runner, loadMigrations([v7]), VARS);
    expect(result.applied).toEqual(['V007__procedures.sql']);
    expect(fake.history[0]!.checksum).toBe(loadMigrations([v7])[0]!.checksum);
    expect(fake.executed.map((e) => e.sql)).toContain('CREATE TABLE dw.p (x INT)');
    // the published checksums are those of the files as first committed
    expect(SUPERSEDED[7]).toEqual(['67af01dcf101a85ecf89f29569c881c6757915f153ed8f3e1c5df0606d81ee08']);
  });

  it('client tokens: a resumed run of the same request awaits the running statement instead of running it again', async () => {
    const fake = new FakeDataApi();
    fake.instant = true;
    fake.neverFinish = /^CREATE SCHEMA/;
    let now = 0;
    const first = runnerFor(fake, { deadline: 10, now: () => now++ }).runner;
    await expect(applyMigrations(first, loadMigrations([v1]), VARS, { tokenPrefix: 'req-1' })).rejects.toThrow(
      OutOfTimeError
    );
    const started = fake.executed.filter((e) => e.sql.startsWith('CREATE SCHEMA')).length;
    expect(started).toBe(1);
    fake.neverFinish = false;
    fake.instant = true;
    // the "still running" statement finishes; the next isComplete call resubmits with the same token
    const second = runnerFor(fake).runner;
    fake.finishAll();
    const result = await applyMigrations(second, loadMigrations([v1]), VARS, { tokenPrefix: 'req-1' });
    expect(result.applied).toEqual(['V001__schemas.sql']);
    expect(fake.executed.filter((e) => e.sql.startsWith('CREATE SCHEMA')).length).toBe(1);
    expect(fake.deduplicated).toBeGreaterThanOrEqual(1);
    // another request (a new deploy) is a new token
    expect(statementToken('req-1', 'f', 0, 'x')).not.toBe(statementToken('req-2', 'f', 0, 'x'));
    expect(statementToken('req-1', 'f', 0, 'x')).toMatch(/^[0-9a-f]{32}$/);
  });

  it('a re-deploy applies only the new file', async () => {
    const fake = new FakeDataApi();
    await applyMigrations(runnerFor(fake).runner, loadMigrations([v1, v2]), VARS);
    fake.executed.length = 0;
    const result = await applyMigrations(runnerFor(fake).runner, loadMigrations([v1, v2, v3]), VARS);
    expect(result).toEqual({ applied: ['V003__c.sql'], alreadyApplied: ['V001__schemas.sql', 'V002__b.sql'] });
    expect(fake.executed.filter((e) => e.sql.startsWith('CREATE TABLE dw')).map((e) => e.sql)).toEqual([
      'CREATE TABLE dw.c (x INT)',
      'CREATE TABLE dw.d (x INT)',
    ]);
  });

  it('an edited applied migration fails the deploy before anything runs', async () => {
    const fake = new FakeDataApi();
    await applyMigrations(runnerFor(fake).runner, loadMigrations([v1, v2]), VARS);
    fake.executed.length = 0;
    const edited = file('V002__b.sql', 'CREATE TABLE dw.b (x BIGINT);');
    await expect(applyMigrations(runnerFor(fake).runner, loadMigrations([v1, edited, v3]), VARS)).rejects.toThrow(
      /migration V002__b.sql was edited after it was applied .*add a new migration instead/
    );
    expect(fake.executed.some((e) => e.sql.includes('dw.c'))).toBe(false);
  });

  it('a removed applied migration or an out-of-order new one fails clearly', async () => {
    const fake = new FakeDataApi();
    await applyMigrations(runnerFor(fake).runner, loadMigrations([v1, v3]), VARS);
    await expect(applyMigrations(runnerFor(fake).runner, loadMigrations([v3]), VARS)).rejects.toThrow(
      /V001__schemas.sql \(version 1\) is recorded as applied but is no longer in sql/
    );
    await expect(applyMigrations(runnerFor(fake).runner, loadMigrations([v1, v2, v3]), VARS)).rejects.toThrow(
      /V002__b.sql is older than the newest applied version 3/
    );
  });

  it('a FAILED statement fails the deploy with the file, the statement and the error; nothing is recorded for it', async () => {
    const fake = new FakeDataApi();
    fake.failWhen = { match: /dw\.d/, status: 'FAILED', error: 'ERROR: syntax error at or near "INTT"' };
    const err = (await applyMigrations(runnerFor(fake).runner, loadMigrations([v1, v3]), VARS).catch(
      (e: unknown) => e
    )) as Error;
    expect(err.message).toMatch(/^migration V003__c.sql statement 2 of 2 failed: statement d9b6c0c9-\d+ FAILED: /);
    expect(err.message).toContain('ERROR: syntax error at or near "INTT"');
    expect(err.message).toContain('--- statement ---\nCREATE TABLE dw.d (x INT)');
    expect(fake.history.map((h) => h.file)).toEqual(['V001__schemas.sql']);

    // The fix deploys: V003 runs again from its first statement (its statements are rerunnable).
    fake.failWhen = undefined;
    fake.executed.length = 0;
    const result = await applyMigrations(runnerFor(fake).runner, loadMigrations([v1, v3]), VARS);
    expect(result.applied).toEqual(['V003__c.sql']);
  });

  it('an ABORTED statement is a failure too', async () => {
    const fake = new FakeDataApi();
    fake.failWhen = { match: /dw\.b/, status: 'ABORTED', error: 'Query was cancelled by user' };
    await expect(applyMigrations(runnerFor(fake).runner, loadMigrations([v2]), VARS)).rejects.toThrow(
      /V002__b.sql statement 1 of 1 failed: statement \S+ ABORTED: Query was cancelled by user/
    );
  });

  it('a template error fails before any migration statement runs', async () => {
    const fake = new FakeDataApi();
    const bad = file('V004__bad.sql', 'CREATE TABLE ${nope}.x (a INT);');
    await expect(applyMigrations(runnerFor(fake).runner, loadMigrations([v1, bad]), VARS)).rejects.toThrow(
      /V004__bad.sql: no value for \$\{nope\}/
    );
    expect(fake.executed.map((e) => e.sql)).not.toContain('CREATE SCHEMA IF NOT EXISTS dw');
  });
});

describe('DataApiRunner', () => {
  it('retries ExecuteStatement when throttled, with growing backoff', async () => {
    const fake = new FakeDataApi();
    fake.throttleNext = ['ThrottlingException', 'ActiveStatementsExceededException'];
    const { runner, sleeps } = runnerFor(fake);
    await runner.run('SELECT 1');
    expect(sleeps.slice(0, 2)).toEqual([500, 1000]);
    expect(fake.executed).toHaveLength(1);
  });

  it('gives up after the configured attempts and does not retry other errors', async () => {
    const fake = new FakeDataApi();
    fake.throttleNext = Array(6).fill('ThrottlingException') as string[];
    await expect(runnerFor(fake).runner.run('SELECT 1')).rejects.toThrow(/ThrottlingException/);
    const other = new FakeDataApi();
    await expect(runnerFor(other).runner.run('NONRETRY x')).rejects.toThrow(/ValidationException/);
  });

  it('reads every page of GetStatementResult', async () => {
    const fake = new FakeDataApi();
    fake.history = [1, 2, 3, 4, 5].map((v) => ({ version: v, file: `V${v}__x.sql`, checksum: 'c'.repeat(64) }));
    const rows = await runnerFor(fake).runner.run('SELECT version, file, checksum FROM public.schema_migrations');
    expect(rows.map((r) => r[0])).toEqual([1, 2, 3, 4, 5]);
  });

  it('stops waiting at the deadline with a clear message', async () => {
    const fake = new FakeDataApi();
    fake.neverFinish = true;
    let t = 0;
    const { runner } = runnerFor(fake, { deadline: 10_000, now: () => (t += 3000) });
    await expect(runner.run('SELECT 1')).rejects.toThrow(/out of time waiting for statement \S+ \(STARTED\)/);
  });
});

describe('ensureUser', () => {
  it('uses the documented MD5 form (Redshift CREATE USER example: user1/ez)', () => {
    expect(redshiftMd5Password('user1', 'ez')).toBe('md5153c434b4b77c89e6b94f12c5393af5b');
  });

  it('creates the user in its group, then only updates the password', async () => {
    const fake = new FakeDataApi();
    const { runner } = runnerFor(fake);
    const user = { username: 'etl_user', password: 'S3cure-Passw0rd!x', group: 'ETL_User' };
    expect(await ensureUser(runner, user)).toBe('created');
    expect(await ensureUser(runner, user)).toBe('updated');
    const ddl = fake.executed.map((e) => e.sql).filter((s) => /^(CREATE|ALTER) (USER|GROUP)/.test(s));
    const hash = redshiftMd5Password('etl_user', user.password);
    expect(ddl).toEqual([
      `CREATE USER etl_user PASSWORD '${hash}' IN GROUP ETL_User`,
      `ALTER USER etl_user PASSWORD '${hash}'`,
    ]);
    expect(fake.executed.some((e) => e.sql.includes(user.password))).toBe(false);
  });

  it('refuses identifiers that would need quoting (no SQL injection through the secret)', async () => {
    const { runner } = runnerFor(new FakeDataApi());
    await expect(
      ensureUser(runner, { username: 'etl; DROP TABLE x', password: 'longenough', group: 'g' })
    ).rejects.toThrow(/not a plain Redshift identifier/);
  });
});
