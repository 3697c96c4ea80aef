import { createHash } from 'node:crypto';

/** One versioned migration file `V<number>__<description>.sql`. */
export interface Migration {
  readonly version: number;
  readonly file: string;
  readonly sql: string;
  /** sha256 of the file as written (before templating). */
  readonly checksum: string;
}

const FILE_NAME = /^V(\d{1,9})__([A-Za-z0-9_]+)\.sql$/;

export class MigrationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MigrationError';
  }
}

export const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/** Validates the names, sorts by version, rejects duplicate versions. Files that are not `.sql` are ignored. */
export function loadMigrations(files: readonly { file: string; content: string }[]): Migration[] {
  const out: Migration[] = [];
  const seen = new Map<number, string>();
  for (const f of files) {
    if (!f.file.endsWith('.sql')) continue;
    const m = FILE_NAME.exec(f.file);
    if (!m) throw new MigrationError(`migration file "${f.file}": expected a name like V001__create_schemas.sql`);
    const version = Number(m[1]);
    const other = seen.get(version);
    if (other) throw new MigrationError(`migration files "${other}" and "${f.file}" share version ${version}`);
    seen.set(version, f.file);
    out.push({ version, file: f.file, sql: f.content, checksum: sha256(f.content) });
  }
  return out.sort((a, b) => a.version - b.version);
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

/** Runs one statement to completion and returns its rows (empty without a result set). */
export interface StatementRunner {
  run(sql: string, parameters?: Readonly<Record<string, string>>): Promise<Row[]>;
}

export const HISTORY_TABLE = 'public.schema_migrations';

export interface ApplyResult {
  readonly applied: string[];
  readonly alreadyApplied: string[];
}

/**
 * Applies the pending migrations in version order. Each statement runs on its own (auto-commit: external-table DDL
 * and NONATOMIC procedures need that), so migrations are written to be rerunnable where Redshift allows it; a
 * migration is recorded in the history table only after all its statements finished. Fails when an applied migration
 * was edited (checksum), is missing, or when a new migration is older than the newest applied one.
 */
export async function applyMigrations(
  runner: StatementRunner,
  migrations: readonly Migration[],
  vars: Readonly<Record<string, string>>,
  log: (message: string, details?: Record<string, unknown>) => void = () => {}
): Promise<ApplyResult> {
  await runner.run(
    `CREATE TABLE IF NOT EXISTS ${HISTORY_TABLE} (version INTEGER NOT NULL, file VARCHAR(256) NOT NULL, ` +
      `checksum CHAR(64) NOT NULL, applied_at TIMESTAMP DEFAULT GETDATE(), PRIMARY KEY (version))`
  );
  const rows = await runner.run(`SELECT version, file, checksum FROM ${HISTORY_TABLE} ORDER BY version`);
  const applied = new Map(rows.map((r) => [Number(r[0]), { file: String(r[1]), checksum: String(r[2]).trim() }]));
  const local = new Map(migrations.map((m) => [m.version, m]));

  for (const [version, a] of applied) {
    const m = local.get(version);
    if (!m) {
      throw new MigrationError(
        `migration ${a.file} (version ${version}) is recorded as applied but is no longer in sql/; ` +
          `restore it — applied migrations are never removed`
      );
    }
    if (m.checksum !== a.checksum) {
      throw new MigrationError(
        `migration ${m.file} was edited after it was applied (checksum ${a.checksum.slice(0, 12)}… recorded, ` +
          `${m.checksum.slice(0, 12)}… now); revert the edit and add a new migration instead`
      );
    }
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
  // Render every pending file first: a templating error must fail before anything runs.
  const plans = pending.map((m) => ({ m, statements: splitStatements(renderTemplate(m.sql, vars, m.file)) }));
  for (const { m, statements } of plans) {
    log(`applying ${m.file}`, { statements: statements.length });
    for (const [i, stmt] of statements.entries()) {
      try {
        await runner.run(stmt);
      } catch (e) {
        throw new MigrationError(
          `migration ${m.file} statement ${i + 1} of ${statements.length} failed: ${(e as Error).message}\n` +
            `--- statement ---\n${stmt}`
        );
      }
    }
    await runner.run(`INSERT INTO ${HISTORY_TABLE} (version, file, checksum) VALUES (:version, :file, :checksum)`, {
      version: String(m.version),
      file: m.file,
      checksum: m.checksum,
    });
    log(`applied ${m.file}`);
  }
  return {
    applied: plans.map((p) => p.m.file),
    alreadyApplied: migrations.filter((m) => applied.has(m.version)).map((m) => m.file),
  };
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
