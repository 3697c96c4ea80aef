import aslValidator from 'asl-validator';
import type { StateMachine as LocalStateMachine } from 'aws-local-stepfunctions';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../lib/config';
import { ARCHIVE_STATES as S, planSql } from '../lib/etl/archive-workflow';
import { etlTestStack } from './helpers/etl';
import { polyfillPromiseWithResolvers, stateMachineDefinition } from './helpers/asl';
import { STAND_IN } from './helpers/warehouse-stand-in';

type JsonObj = Record<string, unknown>;
const REGION = DEFAULT_CONFIG.env.region;
const { etl } = etlTestStack();
const definition = stateMachineDefinition(
  etl,
  [
    [/Operations.*Topic/, `arn:aws:sns:${REGION}:${STAND_IN.account}:operations-topic`],
    [/ArchiveBucket/, 'sf-archive-bucket'],
    [/Key.*Arn|KeyArn|Key/, `arn:aws:kms:${REGION}:${STAND_IN.account}:key/lake`],
  ],
  { 'AWS::Region': REGION, 'AWS::AccountId': STAND_IN.account },
  'ArchiveStateMachine'
);
/** Every state, including those inside the Map's item processor. */
function allStates(d: JsonObj): Record<string, JsonObj> {
  const out: Record<string, JsonObj> = {};
  for (const [name, st] of Object.entries(d['States'] as Record<string, JsonObj>)) {
    out[name] = st;
    const inner = (st['ItemProcessor'] ?? st['Iterator']) as JsonObj | undefined;
    if (inner) Object.assign(out, allStates(inner));
  }
  return out;
}
const states = allStates(definition);

let StateMachine: typeof LocalStateMachine;
beforeAll(async () => {
  polyfillPromiseWithResolvers();
  ({ StateMachine } = await import('aws-local-stepfunctions'));
});

function awsError(name: string, cause: string): Error {
  const e = new Error(cause);
  e.name = name;
  return e;
}

/**
 * The warehouse and the catalog as the archive sees them, at the level of row identities: hot rows per month, the
 * files each UNLOAD wrote, the Glue partitions, and dw.archive_month, with the procedures' documented semantics
 * (sql/V009). `visible()` is what dw.v_*_all returns for a month: from S3 once a version is switched, else from dw.
 */
class Warehouse {
  hot = new Map<string, Set<string>>();
  files = new Map<string, Set<string>>();
  partitions = new Map<string, string>();
  control: { key: string; archiveId: string; location: string; rows: Set<string>; state: string }[] = [];
  statements = new Map<string, { status: string; error?: string; records?: JsonObj[][] }>();
  seq = 0;
  /** Faults: the UNLOAD writes one row fewer than it should; the DELETE fails; Glue refuses. */
  faults = { unloadShort: false, deleteFails: false, glueFails: 0 };

  load(table: string, month: string, rows: string[]) {
    const k = `${table}/${month}`;
    this.hot.set(k, new Set([...(this.hot.get(k) ?? []), ...rows]));
  }

  cold(k: string) {
    return this.control.some((c) => c.key === k && ['switched', 'deleted', 'superseded'].includes(c.state));
  }

  visible(k: string): string[] {
    if (this.cold(k)) {
      const loc = this.partitions.get(k);
      return [...(loc ? (this.files.get(loc) ?? []) : [])].sort();
    }
    return [...(this.hot.get(k) ?? [])].sort();
  }

  private statement(result: { status: string; error?: string; records?: JsonObj[][] }) {
    const id = `stmt-${++this.seq}`;
    this.statements.set(id, result);
    return { Id: id };
  }

  execute(sql: string, params: { name: string; value: string }[] | undefined) {
    const args = [...sql.matchAll(/'([^']*)'/g)].map((m) => m[1]!);
    if (sql.startsWith('SELECT table_name, month_label')) {
      const p = Object.fromEntries((params ?? []).map((x) => [x.name, x.value]));
      expect(p).toEqual({ run_date: '2026-11-24', months: '6' });
      const records = [...this.hot]
        .filter(([k, rows]) => rows.size > 0 && k.split('/')[1]! < '2026-05')
        .map(([k]) => k.split('/'))
        .sort()
        .filter(([t], i, all) => all.findIndex(([u]) => u === t) === i)
        .map(([t, m]) => [{ stringValue: t }, { stringValue: m }]);
      return this.statement({ status: 'FINISHED', records });
    }
    if (sql.startsWith('CALL dw.sp_archive_unload(')) {
      const [table, month, root, role, kmsKey] = args as [string, string, string, string, string];
      expect(root).toBe('s3://sf-archive-bucket/facts/');
      expect(role).toBe(`arn:aws:iam::${STAND_IN.account}:role/${STAND_IN.roleName}`);
      expect(kmsKey).toMatch(/^arn:aws:kms:/);
      const k = `${table}/${month}`;
      const hotRows = new Set(this.hot.get(k) ?? []);
      if (hotRows.size === 0) return this.statement({ status: 'FINISHED', records: [[{ isNull: true }]] });
      const archiveId = `a${[...hotRows].sort().join('.')}`;
      const location = `${root}${table}/m=${month}/${archiveId}/`;
      const existing = this.control.find((c) => c.key === k && c.archiveId === archiveId);
      const row = (r: { location: string; rows: Set<string> }) => [
        [
          { stringValue: archiveId },
          { stringValue: r.location },
          { longValue: hotRows.size },
          { longValue: r.rows.size },
        ],
      ];
      if (existing) return this.statement({ status: 'FINISHED', records: row(existing) });
      // the month's files: the hot rows plus the cold rows of dates without hot rows (row ids "date:n")
      const hotDates = new Set([...hotRows].map((r) => r.split(':')[0]));
      const coldRows = this.cold(k) ? this.visible(k).filter((r) => !hotDates.has(r.split(':')[0])) : [];
      const content = new Set([...hotRows, ...coldRows]);
      const written = new Set([...content].slice(0, this.faults.unloadShort ? -1 : undefined));
      this.files.set(location, written); // UNLOAD writes (CLEANPATH) before the count check
      if (written.size !== content.size) {
        return this.statement({
          status: 'FAILED',
          error: `dw.sp_archive_unload(${table}, ${month}): UNLOAD wrote ${written.size} rows but ${content.size} match; nothing recorded`,
        });
      }
      this.control.push({ key: k, archiveId, location, rows: hotRows, state: 'unloaded' });
      return this.statement({ status: 'FINISHED', records: row({ location, rows: content }) });
    }
    const [table, month, archiveId] = args as [string, string, string];
    const k = `${table}/${month}`;
    const c = this.control.find((x) => x.key === k && x.archiveId === archiveId);
    if (sql.startsWith('CALL dw.sp_archive_switch(')) {
      if (!c || c.state === 'superseded') return this.statement({ status: 'FAILED', error: 'no current unload' });
      if (c.state === 'unloaded') {
        for (const o of this.control) if (o.key === k && o !== c) o.state = 'superseded';
        c.state = 'switched';
      }
      return this.statement({ status: 'FINISHED' });
    }
    if (sql.startsWith('CALL dw.sp_archive_delete(')) {
      if (this.faults.deleteFails) return this.statement({ status: 'FAILED', error: 'ERROR: deadlock detected' });
      if (!c || !['switched', 'deleted'].includes(c.state)) return this.statement({ status: 'FAILED', error: 'x' });
      const hot = this.hot.get(k)!;
      for (const r of c.rows) hot.delete(r);
      c.state = 'deleted';
      return this.statement({ status: 'FINISHED', records: [[{ longValue: c.rows.size }]] });
    }
    throw new Error(`unexpected SQL ${sql}`);
  }
}

async function run(w: Warehouse, check: (step: string) => void) {
  const calls: { state: string; input: JsonObj }[] = [];
  const glue = (fn: (input: JsonObj) => unknown) => (input: JsonObj) => {
    if (w.faults.glueFails > 0) {
      w.faults.glueFails--;
      throw awsError('Glue.AccessDeniedException', 'not authorized to perform glue:CreatePartition');
    }
    return fn(input);
  };
  const partitionKey = (input: JsonObj) => {
    const values = (input['PartitionInput'] as { Values: string[] }).Values;
    return `${String(input['TableName'])}/${values[0]}`;
  };
  const handlers: Record<string, (input: JsonObj) => unknown> = {};
  for (const step of [S.plan, S.unload, S.switch, S.delete]) {
    handlers[step] = (input) => {
      expect(input['ClientToken']).toMatch(/^[0-9a-f]{32}$/);
      return w.execute(String(input['Sql']), input['Parameters'] as never);
    };
    handlers[`${step}: describe`] = (input) => {
      const s = w.statements.get(String(input['Id']))!;
      return { Id: input['Id'], Status: s.status, ...(s.error ? { Error: s.error } : {}) };
    };
    handlers[`${step}: result`] = (input) => ({ Records: w.statements.get(String(input['Id']))!.records ?? [] });
  }
  handlers[S.readTable] = () => ({
    Table: {
      StorageDescriptor: {
        Columns: [{ Name: 'device_id', Type: 'varchar(128)' }],
        InputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
        OutputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
        SerdeInfo: { SerializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe' },
      },
    },
  });
  handlers[S.register] = glue((input) => {
    const k = partitionKey(input);
    if (w.partitions.has(k)) throw awsError('Glue.AlreadyExistsException', 'Partition already exists.');
    w.partitions.set(
      k,
      (input['PartitionInput'] as JsonObj & { StorageDescriptor: JsonObj }).StorageDescriptor['Location'] as string
    );
    return {};
  });
  handlers[S.move] = glue((input) => {
    w.partitions.set(
      partitionKey(input),
      (input['PartitionInput'] as { StorageDescriptor: JsonObj }).StorageDescriptor['Location'] as string
    );
    return {};
  });
  handlers[S.notify] = () => ({ MessageId: 'm1' });
  const wrapped = Object.fromEntries(
    Object.entries(handlers).map(([name, h]) => [
      name,
      (input: JsonObj) => {
        calls.push({ state: name, input });
        try {
          return h(input);
        } finally {
          check(name);
        }
      },
    ])
  );
  const zero = (type: string) =>
    Object.fromEntries(
      Object.entries(states)
        .filter(([, s]) => s['Type'] === type)
        .map(([n]) => [n, 0])
    );
  const machine = new StateMachine(definition as never);
  const execution = machine.run({ runDate: '2026-11-24' } as never, {
    overrides: {
      taskResourceLocalHandlers: wrapped as never,
      waitTimeOverrides: zero('Wait'),
      retryIntervalOverrides: zero('Task'),
    },
    context: { Execution: { Id: 'arn:aws:states:x:1:execution:archive:e', Name: 'e' } } as never,
  });
  let error: Error | undefined;
  try {
    await execution.result;
  } catch (e) {
    error = e as Error;
  }
  return { error, calls };
}

const APRIL = 'fact_sensor_reading/2026-04';
const ORIGINAL = ['2026-04-01:1', '2026-04-01:2', '2026-04-30:1'];

/** A warehouse with one month (April, before the 6-month boundary of 2026-11-24) hot, and the invariant checker. */
function setup() {
  const w = new Warehouse();
  w.load('fact_sensor_reading', '2026-04', ORIGINAL);
  w.load('fact_sensor_reading', '2026-10', ['2026-10-01:1']); // inside the boundary: stays hot
  const violations: string[] = [];
  const expected = new Map([[APRIL, ORIGINAL]]);
  const check = (step: string) => {
    for (const [k, rows] of expected) {
      const seen = w.visible(k);
      if (JSON.stringify(seen) !== JSON.stringify([...rows].sort())) violations.push(`${step}: ${k} shows ${seen}`);
    }
  };
  return { w, violations, check, expected };
}

describe('archive state machine definition', () => {
  it('is valid ASL; the plan query names the three facts and the boundary parameters', () => {
    const result = aslValidator(definition);
    expect(result.errorsText?.() ?? '', JSON.stringify(result.errors)).toBe('');
    const plan = states[S.plan]!['Parameters'] as JsonObj;
    expect(plan['Sql']).toBe(planSql());
    expect(planSql()).toContain("ADD_MONTHS(DATE_TRUNC('month', CAST(:run_date AS DATE)), -CAST(:months AS INTEGER))");
    expect(states[S.register]!['Resource']).toBe('arn:aws:states:::aws-sdk:glue:createPartition');
    expect(states[S.move]!['Resource']).toBe('arn:aws:states:::aws-sdk:glue:updatePartition');
  });
});

describe('archive state machine executed locally (every path; each month hot or cold, never both or neither)', () => {
  it('success: the month is unloaded, registered, switched and deleted; newer months stay hot', async () => {
    const { w, violations, check } = setup();
    const r = await run(w, check);
    expect(r.error).toBeUndefined();
    expect(violations).toEqual([]);
    expect(w.hot.get(APRIL)!.size).toBe(0);
    expect(w.hot.get('fact_sensor_reading/2026-10')!.size).toBe(1);
    expect(w.control.map((c) => c.state)).toEqual(['deleted']);
    expect(r.calls.map((c) => c.state).filter((s) => !s.includes(':'))).toEqual([
      S.plan,
      S.unload,
      S.readTable,
      S.register,
      S.switch,
      S.delete,
    ]);
  });

  it('UNLOAD count mismatch: nothing recorded, nothing registered, the month stays hot, operations notified', async () => {
    const { w, violations, check } = setup();
    w.faults.unloadShort = true;
    const r = await run(w, check);
    expect(r.error?.message).toMatch(/UNLOAD wrote 2 rows but 3 match/);
    expect(violations).toEqual([]);
    expect(w.control).toEqual([]);
    expect(w.partitions.size).toBe(0);
    expect(r.calls.at(-1)!.state).toBe(S.notify);
    // the rerun overwrites the folder (CLEANPATH) and finishes the month
    w.faults.unloadShort = false;
    const again = await run(w, check);
    expect(again.error).toBeUndefined();
    expect(violations).toEqual([]);
    expect(w.visible(APRIL)).toEqual([...ORIGINAL].sort());
    expect(w.control.map((c) => c.state)).toEqual(['deleted']);
  });

  it('catalog failure: the unload stays recorded but unread, the month stays hot; the rerun reuses it', async () => {
    const { w, violations, check } = setup();
    w.faults.glueFails = 1;
    const r = await run(w, check);
    expect(r.error?.message).toMatch(/glue:CreatePartition/);
    expect(violations).toEqual([]);
    expect(w.control.map((c) => c.state)).toEqual(['unloaded']);
    expect(w.hot.get(APRIL)!.size).toBe(3);
    const again = await run(w, check);
    expect(again.error).toBeUndefined();
    expect(violations).toEqual([]);
    expect(w.control.map((c) => c.state)).toEqual(['deleted']); // the same archive id: no second unload
    expect(w.files.size).toBe(1);
  });

  it('delete failure: readers already read S3 (the hot rows are hidden); the rerun deletes them', async () => {
    const { w, violations, check } = setup();
    w.faults.deleteFails = true;
    const r = await run(w, check);
    expect(r.error?.message).toMatch(/deadlock detected/);
    expect(violations).toEqual([]);
    expect(w.control.map((c) => c.state)).toEqual(['switched']);
    w.faults.deleteFails = false;
    const again = await run(w, check);
    expect(again.error).toBeUndefined();
    expect(violations).toEqual([]);
    // the partition already existed: CreatePartition's "already exists" went to UpdatePartition, same folder
    expect(again.calls.map((c) => c.state)).toContain(S.move);
    expect(w.control.map((c) => c.state)).toEqual(['deleted']);
    expect(w.hot.get(APRIL)!.size).toBe(0);
  });

  it('rerun of an archived date (ETL reload): the month is re-archived as one new version, never doubled', async () => {
    const { w, violations, check, expected } = setup();
    await run(w, check);
    // the daily ETL reruns 2026-04-01: the date's rows are replaced (here by a corrected set of one row)
    w.load('fact_sensor_reading', '2026-04', ['2026-04-01:9']);
    expected.set(APRIL, ORIGINAL); // hidden until re-archived: readers keep seeing the archived month
    check('after reload');
    expected.set(APRIL, ['2026-04-01:9', '2026-04-30:1']);
    const r = await run(w, (step) => {
      // during the re-archive the month shows either the old or the new version, whole
      const seen = w.visible(APRIL);
      const ok = [ORIGINAL, ['2026-04-01:9', '2026-04-30:1']].some(
        (v) => JSON.stringify([...v].sort()) === JSON.stringify(seen)
      );
      if (!ok) violations.push(`${step}: ${seen}`);
    });
    expect(r.error).toBeUndefined();
    expect(violations).toEqual([]);
    expect(w.visible(APRIL)).toEqual(['2026-04-01:9', '2026-04-30:1']);
    expect(w.control.map((c) => c.state)).toEqual(['superseded', 'deleted']);
  });
});
