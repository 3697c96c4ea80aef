import { createHash } from 'node:crypto';

/** One versioned migration file `V<number>__<description>.sql`. */
export interface Migration {
  readonly version: number;
  readonly file: string;
  readonly sql: string;
  /** sha256 of the file as written (before templating). */
  readonly checksum: string;
}

/** A repeatable migration `R__<description>.sql`: re-applied after the versioned ones whenever its rendered text changes. */
export interface Repeatable {
  readonly file: string;
  readonly sql: string;
}

const FILE_NAME = /^V(\d{1,9})__([A-Za-z0-9_]+)\.sql$/;
const REPEATABLE_NAME = /^R__([A-Za-z0-9_]+)\.sql$/;

/**
 * Checksums of published versions of a migration that were replaced in place because they could never be applied
 * (docs/warehouse.md, "Migrations"). A history row carrying one of them means that version ran somewhere anyway;
 * the runner then applies the current file (it is rerunnable) and records its checksum instead of failing.
 * V007's first form declared NONATOMIC + SECURITY DEFINER procedures (rejected by CREATE PROCEDURE); V008 ran only
 * after it.
 */
export const SUPERSEDED: Readonly<Record<number, readonly string[]>> = {
  7: ['67af01dcf101a85ecf89f29569c881c6757915f153ed8f3e1c5df0606d81ee08'],
  8: ['f2a5e61122819a0395bc2bfe036b6800f1fa3c957f5e537361a198209f9e4100'],
};

export class MigrationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MigrationError';
  }
}

export const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/** sha256 over the migration files (name and content, in name order): the deploy-time identity of a bundle. */
export function sqlFilesHash(files: readonly { file: string; content: string | Buffer }[]): string {
  const h = createHash('sha256');
  for (const f of [...files].filter((x) => x.file.endsWith('.sql')).sort((a, b) => (a.file < b.file ? -1 : 1))) {
    h.update(f.file).update('\0').update(f.content).update('\0');
  }
  return h.digest('hex');
}

/** Validates the names, sorts by version, rejects duplicate versions. Repeatables and non-`.sql` files are skipped. */
export function loadMigrations(files: readonly { file: string; content: string }[]): Migration[] {
  const out: Migration[] = [];
  const seen = new Map<number, string>();
  for (const f of files) {
    if (!f.file.endsWith('.sql') || REPEATABLE_NAME.test(f.file)) continue;
    const m = FILE_NAME.exec(f.file);
    if (!m) {
      throw new MigrationError(
        `migration file "${f.file}": expected a name like V001__create_schemas.sql or R__grants.sql`
      );
    }
    const version = Number(m[1]);
    const other = seen.get(version);
    if (other) throw new MigrationError(`migration files "${other}" and "${f.file}" share version ${version}`);
    seen.set(version, f.file);
    out.push({ version, file: f.file, sql: f.content, checksum: sha256(f.content) });
  }
  return out.sort((a, b) => a.version - b.version);
}

/** The repeatable migrations `R__*.sql`, in name order. */
export function loadRepeatables(files: readonly { file: string; content: string }[]): Repeatable[] {
  return files
    .filter((f) => REPEATABLE_NAME.test(f.file))
    .map((f) => ({ file: f.file, sql: f.content }))
    .sort((a, b) => (a.file < b.file ? -1 : 1));
}

/** Replaces every `${name}`; an unknown name is an error (a typo must not reach the database). */
export function renderTemplate(sql: string, vars: Readonly<Record<string, string>>, file = 'sql'): string {
  const missing = new Set<string>();
  const text = sql.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => {
    const v = vars[name];
    if (v === undefined) {
      missing.add(name);
      return '';
    }
    return v;
  });
  if (missing.size) {
    throw new MigrationError(
      `${file}: no value for \${${[...missing].join('}, ${')}}; known: ${Object.keys(vars).sort().join(', ')}`
    );
  }
  return text;
}

/**
 * Splits a script into statements at top-level semicolons, keeping string literals ('it''s'), quoted identifiers,
 * line and block comments, and dollar-quoted bodies ($$ ... $$, $tag$ ... $tag$) intact. Statements that are only
 * comments or whitespace are dropped.
 */
export function splitStatements(sql: string): string[] {
  const out: string[] = [];
  let start = 0;
  let i = 0;
  const n = sql.length;
  const push = (end: number) => {
    const text = sql.slice(start, end).trim();
    if (stripComments(text).trim()) out.push(text);
  };
  while (i < n) {
    const c = sql[i]!;
    const next = sql[i + 1];
    if (c === '-' && next === '-') {
      const eol = sql.indexOf('\n', i);
      i = eol === -1 ? n : eol + 1;
    } else if (c === '/' && next === '*') {
      const end = sql.indexOf('*/', i + 2);
      if (end === -1) throw new MigrationError(`unterminated /* comment at offset ${i}`);
      i = end + 2;
    } else if (c === "'" || c === '"') {
      let j = i + 1;
      for (;;) {
        if (j >= n) throw new MigrationError(`unterminated ${c} quote at offset ${i}`);
        if (sql[j] === c) {
          if (sql[j + 1] === c) j += 2;
          else break;
        } else j++;
      }
      i = j + 1;
    } else if (c === '$') {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i));
      if (tag) {
        const end = sql.indexOf(tag[0], i + tag[0].length);
        if (end === -1) throw new MigrationError(`unterminated ${tag[0]} quote at offset ${i}`);
        i = end + tag[0].length;
      } else i++;
    } else if (c === ';') {
      push(i);
      i++;
      start = i;
    } else i++;
  }
  push(n);
  return out;
}

function stripComments(text: string): string {
  return text.replace(/--[^\n]*/g, '').replace(/\/\*[\s\S]*?\*\//g, '');
}

/** A row of a result set: one entry per column, `null` for SQL NULL. */
export type Row = (string | number | boolean | null)[];

/**
 * Runs one statement to completion and returns its rows (empty without a result set). `clientToken` makes the
 * submission idempotent: the Data API returns the statement already started with that token instead of running the
 * SQL again (ExecuteStatement `ClientToken`), so a retried submission or a resumed deploy never runs a statement twice.
 */
export interface StatementRunner {
  run(sql: string, parameters?: Readonly<Record<string, string>>, clientToken?: string): Promise<Row[]>;
}

export const HISTORY_TABLE = 'public.schema_migrations';
/** Rendered (templated) checksum per applied file: a changed config value must not go unnoticed (issue 12, 4). */
export const RENDERED_TABLE = 'public.schema_migration_renders';

export interface ApplyResult {
  readonly applied: string[];
  readonly alreadyApplied: string[];
  /** Set when the runner did nothing because the database is ahead of this bundle (a rollback). */
  readonly skipped?: string;
}

export interface ApplyOptions {
  readonly log?: (message: string, details?: Record<string, unknown>) => void;
  /**
   * Prefix of the client tokens of every changing statement (the CloudFormation request id): the same request
   * resubmitting a statement gets the statement it already started, a new request runs it anew.
   */
  readonly tokenPrefix?: string;
}

/** Client token of one statement of one request: 32 hex characters, stable for the same request and statement. */
export function statementToken(prefix: string, file: string, index: number, sql: string): string {
  return sha256(`${prefix}\n${file}\n${index}\n${sha256(sql)}`).slice(0, 32);
}

/**
 * Applies the pending migrations in version order, then the repeatables whose rendered text changed. Each statement
 * runs on its own (auto-commit: external-table DDL needs that), so migrations are written to be rerunnable; a
 * migration is recorded only after all its statements finished. Forward-only: when the database holds versions newer
 * than every file of this bundle (a CloudFormation rollback to the previous bundle), nothing runs and the result says
 * so. Fails when an applied migration was edited (checksum, unless SUPERSEDED), when one is missing below the newest
 * local file, when a new migration is older than the newest applied one, or when an applied migration renders
 * differently now (a config value it was templated with changed: add a migration instead).
 */
export async function applyMigrations(
  runner: StatementRunner,
  migrations: readonly Migration[],
  vars: Readonly<Record<string, string>>,
  options: ApplyOptions | ((message: string, details?: Record<string, unknown>) => void) = {},
  repeatables: readonly Repeatable[] = []
): Promise<ApplyResult> {
  const opts: ApplyOptions = typeof options === 'function' ? { log: options } : options;
  const log = opts.log ?? (() => {});
  const token = (file: string, i: number, sql: string) =>
    opts.tokenPrefix ? statementToken(opts.tokenPrefix, file, i, sql) : undefined;
  await runner.run(
    `CREATE TABLE IF NOT EXISTS ${HISTORY_TABLE} (version INTEGER NOT NULL, file VARCHAR(256) NOT NULL, ` +
      `checksum CHAR(64) NOT NULL, applied_at TIMESTAMP DEFAULT GETDATE(), PRIMARY KEY (version))`
  );
  await runner.run(
    `CREATE TABLE IF NOT EXISTS ${RENDERED_TABLE} (file VARCHAR(256) NOT NULL, rendered_checksum CHAR(64) NOT NULL, ` +
      `recorded_at TIMESTAMP DEFAULT GETDATE(), PRIMARY KEY (file))`
  );
  const rows = await runner.run(`SELECT version, file, checksum FROM ${HISTORY_TABLE} ORDER BY version`);
  const applied = new Map(rows.map((r) => [Number(r[0]), { file: String(r[1]), checksum: String(r[2]).trim() }]));
  const renderedRows = await runner.run(`SELECT file, rendered_checksum FROM ${RENDERED_TABLE}`);
  const rendered = new Map(renderedRows.map((r) => [String(r[0]), String(r[1]).trim()]));
  const local = new Map(migrations.map((m) => [m.version, m]));
  const newestLocal = Math.max(0, ...local.keys());

  const missing = [...applied].filter(([version]) => !local.has(version));
  if (missing.length && missing.every(([version]) => version > newestLocal)) {
    const skipped =
      `the database already holds ${missing.map(([, a]) => a.file).join(', ')}, newer than every file of this ` +
      `bundle (newest ${newestLocal}): a rollback to an older bundle; migrations are forward-only, nothing to do`;
    log(skipped);
    return {
      applied: [],
      alreadyApplied: migrations.filter((m) => applied.has(m.version)).map((m) => m.file),
      skipped,
    };
  }
  for (const [version, a] of missing) {
    throw new MigrationError(
      `migration ${a.file} (version ${version}) is recorded as applied but is no longer in sql/; ` +
        `restore it — applied migrations are never removed`
    );
  }
  const reapply: Migration[] = [];
  for (const [version, a] of applied) {
    const m = local.get(version)!;
    if (m.checksum === a.checksum) continue;
    if (SUPERSEDED[version]?.includes(a.checksum)) {
      log(`${m.file} was applied in a superseded form; applying the current file`, { recorded: a.checksum });
      reapply.push(m);
      continue;
    }
    throw new MigrationError(
      `migration ${m.file} was edited after it was applied (checksum ${a.checksum.slice(0, 12)}… recorded, ` +
        `${m.checksum.slice(0, 12)}… now); revert the edit and add a new migration instead`
    );
  }
  const newest = Math.max(0, ...applied.keys());
  const pending = migrations.filter((m) => !applied.has(m.version));
  const late = pending.filter((m) => m.version < newest);
  if (late.length) {
    throw new MigrationError(
      `migration ${late.map((m) => m.file).join(', ')} is older than the newest applied version ${newest}; ` +
        `give it a higher version number`
    );
  }
  // Render every file first: a templating error or a changed value must fail before anything runs.
  const render = (file: string, sql: string) => renderTemplate(sql, vars, file);
  for (const m of migrations) {
    if (!applied.has(m.version) || reapply.includes(m)) continue;
    const was = rendered.get(m.file);
    const now = sha256(render(m.file, m.sql));
    if (was !== undefined && was !== now) {
      const names = [...new Set([...m.sql.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g)].map((x) => x[1]!))];
      throw new MigrationError(
        `migration ${m.file} was applied with other values of \${${names.join('}, ${')}} than this deploy passes; ` +
          `such a change never reaches the database by itself: add a migration (or an R__ file) that applies it`
      );
    }
  }
  const plans = [...reapply, ...pending].map((m) => ({ m, text: render(m.file, m.sql) }));
  const runFile = async (file: string, text: string) => {
    const statements = splitStatements(text);
    log(`applying ${file}`, { statements: statements.length });
    for (const [i, stmt] of statements.entries()) {
      try {
        await runner.run(stmt, undefined, token(file, i, stmt));
      } catch (e) {
        if (e instanceof OutOfTimeError) throw e;
        throw new MigrationError(
          `migration ${file} statement ${i + 1} of ${statements.length} failed: ${(e as Error).message}\n` +
            `--- statement ---\n${stmt}`
        );
      }
    }
  };
  const recordRendered = async (file: string, text: string) => {
    await runner.run(`DELETE FROM ${RENDERED_TABLE} WHERE file = :file`, { file }, token(file, -2, text));
    await runner.run(
      `INSERT INTO ${RENDERED_TABLE} (file, rendered_checksum) VALUES (:file, :checksum)`,
      { file, checksum: sha256(text) },
      token(file, -3, text)
    );
  };
  for (const { m, text } of plans) {
    await runFile(m.file, text);
    if (applied.has(m.version)) {
      await runner.run(
        `UPDATE ${HISTORY_TABLE} SET checksum = :checksum WHERE version = :version`,
        { version: String(m.version), checksum: m.checksum },
        token(m.file, -1, text)
      );
    } else {
      await runner.run(
        `INSERT INTO ${HISTORY_TABLE} (version, file, checksum) VALUES (:version, :file, :checksum)`,
        { version: String(m.version), file: m.file, checksum: m.checksum },
        token(m.file, -1, text)
      );
    }
    await recordRendered(m.file, text);
    log(`applied ${m.file}`);
  }
  // Versions applied before rendered checksums were recorded: record them as they render now.
  for (const m of migrations) {
    if (applied.has(m.version) && !rendered.has(m.file) && !reapply.includes(m)) {
      await recordRendered(m.file, render(m.file, m.sql));
    }
  }
  const repeated: string[] = [];
  for (const r of repeatables) {
    const text = render(r.file, r.sql);
    if (rendered.get(r.file) === sha256(text)) continue;
    await runFile(r.file, text);
    await recordRendered(r.file, text);
    repeated.push(r.file);
    log(`applied ${r.file}`);
  }
  return {
    applied: [...plans.map((p) => p.m.file), ...repeated],
    alreadyApplied: migrations.filter((m) => applied.has(m.version) && !reapply.includes(m)).map((m) => m.file),
  };
}

/** The deploy ran out of time while a statement was still running; the next call resumes it (client tokens). */
export class OutOfTimeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OutOfTimeError';
  }
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,126}$/;

/** Redshift's MD5 password form: 'md5' + md5(password + username); the plain password never appears in SQL text. */
export function redshiftMd5Password(username: string, password: string): string {
  return `md5${createHash('md5')
    .update(password + username, 'utf8')
    .digest('hex')}`;
}

/** Creates the user in the group, or updates its password and group membership (every deploy). */
export async function ensureUser(
  runner: StatementRunner,
  user: { username: string; password: string; group: string }
): Promise<'created' | 'updated'> {
  for (const [what, v] of [
    ['username', user.username],
    ['group', user.group],
  ] as const) {
    if (!IDENTIFIER.test(v)) throw new MigrationError(`${what} "${v}" is not a plain Redshift identifier`);
  }
  if (user.password.length < 8 || user.password.length > 64) {
    throw new MigrationError(`password of ${user.username}: Redshift passwords have 8 to 64 characters`);
  }
  const hash = redshiftMd5Password(user.username.toLowerCase(), user.password);
  const exists = await runner.run('SELECT usename FROM pg_user WHERE usename = :username', {
    username: user.username.toLowerCase(),
  });
  if (exists.length === 0) {
    await runner.run(`CREATE USER ${user.username} PASSWORD '${hash}' IN GROUP ${user.group}`);
    return 'created';
  }
  await runner.run(`ALTER USER ${user.username} PASSWORD '${hash}'`);
  const member = await runner.run(
    'SELECT 1 FROM pg_group g, pg_user u WHERE g.groname = :grp AND u.usename = :username AND u.usesysid = ANY(g.grolist)',
    { grp: user.group.toLowerCase(), username: user.username.toLowerCase() }
  );
  if (member.length === 0) await runner.run(`ALTER GROUP ${user.group} ADD USER ${user.username}`);
  return 'updated';
}
