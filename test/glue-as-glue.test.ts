/**
 * The Glue jobs as AWS Glue runs them, from the artifacts `cdk deploy` uploads: each AWS::Glue::Job of a temp
 * cdk.out, its script and `--extra-py-files` taken from the code bucket laid out as the stack's BucketDeployment lays
 * it out (S3 served by moto_server), sys.argv built from DefaultArguments + a run's Arguments, run with Debian's
 * python3 (test/glue/run_glue_job.py). Asserts what the next stage reads.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SENSOR_FIELDS } from '@smart-factory/schema';
import { XGBoostScorer } from '@smart-factory/xgboost';
import { DEFAULT_CONFIG } from '../lib/config';
import { orderFeatures, toCsvRow } from '../lambdas/inference/core';
import {
  bucketDeploymentObjects,
  createBuckets,
  glueJobs,
  put,
  Resolver,
  type ResolvedGlueJob,
  runHarness,
  startMoto,
  synthToTemp,
  template,
} from './helpers/glue-as-glue';

const STACK = 'SmartFactoryEtl';
const CONTAINER = join(__dirname, 'glue', 'sagemaker_xgboost.py');
let cdkout: string;
let jobs: ResolvedGlueJob[];
let moto: Awaited<ReturnType<typeof startMoto>>;
const r = new Resolver();
const deployed = new Map<string, string>(); // s3 url -> file in cdk.out

const jobFor = (hint: RegExp) => {
  const found = jobs.filter((j) => hint.test(j.description));
  expect(found).toHaveLength(1);
  return found[0]!;
};
const arg = (job: ResolvedGlueJob, name: string) => job.defaultArguments.find(([k]) => k === name)![1];
const spec = (job: ResolvedGlueJob, run: [string, string][], extra: Record<string, unknown> = {}) => ({
  endpoint: moto.endpoint,
  script: job.script,
  extra_py_files: job.extraPyFiles.join(','),
  arguments: [...job.defaultArguments, ...run],
  ...extra,
});
const text = async (s3: S3Client, bucket: string, key: string) =>
  (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString();

beforeAll(async () => {
  cdkout = synthToTemp();
  const tpl = template(cdkout, STACK);
  jobs = glueJobs(tpl, r);
  moto = await startMoto();
  const objects = bucketDeploymentObjects(cdkout, STACK, tpl, r);
  await createBuckets(
    moto.s3,
    objects.map((o) => o.bucket)
  );
  for (const o of objects) {
    await put(moto.s3, o.bucket, o.key, readFileSync(o.path));
    deployed.set(`s3://${o.bucket}/${o.key}`, o.path);
  }
}, 300_000);

afterAll(() => {
  moto?.stop();
  if (cdkout) rmSync(cdkout, { recursive: true, force: true });
});

describe('Glue jobs from cdk.out', () => {
  it('every script and --extra-py-files object is deployed, and the extra files are named after the modules the script imports', () => {
    expect(jobs.map((j) => j.command).sort()).toEqual(['glueetl', 'pythonshell', 'pythonshell']);
    for (const job of jobs) {
      expect(deployed.has(job.script), job.script).toBe(true);
      const script = readFileSync(deployed.get(job.script)!, 'utf8');
      const imported = new Set([...script.matchAll(/^(?:import|from)\s+([A-Za-z_]\w*)/gm)].map((m) => m[1]!));
      // the modules of the job's own folder that its script imports
      const folder = job.script.replace(/[^/]+$/, '');
      const own = [...deployed.keys()]
        .filter((u) => u.startsWith(folder) && u !== job.script && u.endsWith('.py'))
        .map((u) => u.slice(folder.length, -3))
        .filter((m) => imported.has(m));
      expect(own.length, job.logicalId).toBeGreaterThan(0);
      for (const url of job.extraPyFiles) expect(deployed.has(url), url).toBe(true);
      const names = job.extraPyFiles.map((u) => u.split('/').pop());
      expect(names.sort()).toEqual(own.map((m) => `${m}.py`).sort());
    }
  });

  it('Spark raw_sensor_to_parquet: every import resolves from the files Glue puts on its path (pyspark, awsglue, boto3 excepted)', () => {
    const job = jobFor(/parquet/);
    const out = runHarness('imports', spec(job, []));
    expect(out.status, out.stderr).toBe(0);
    const report = JSON.parse(out.stdout) as {
      provided_by_extra_py_files: string[];
      spark_provided: string[];
      unresolved: object;
    };
    expect(report.provided_by_extra_py_files).toEqual(['sensor_transforms']);
    expect(report.unresolved).toEqual({});
    expect(report.spark_provided).toEqual(['awsglue', 'boto3', 'pyspark']);
  });

  describe('ml_features (Python shell) on real parquet readings and a maintenance log', () => {
    const tz = DEFAULT_CONFIG.timeZone;
    // local dates: yesterday (the default end date) and the 5 days before it
    const localDate = (offsetDays: number) => {
      const today = new Intl.DateTimeFormat('en-CA', { timeZone: tz }).format(new Date());
      const d = new Date(`${today}T00:00:00Z`);
      d.setUTCDate(d.getUTCDate() + offsetDays);
      return d.toISOString().slice(0, 10);
    };
    const seoulMidnightUtc = (date: string) => new Date(Date.parse(`${date}T00:00:00+09:00`));
    const curated = r.name('curated-bucket');
    let job: ResolvedGlueJob;
    let processed: string;
    let raw: string;

    beforeAll(async () => {
      job = jobFor(/XGBoost|predictive/);
      processed = arg(job, '--processed_bucket');
      raw = arg(job, '--raw_bucket');
      await createBuckets(moto.s3, [processed, raw, curated]);
      // 2 devices, one reading per 30 min, local days D-6 .. D-1 (D-1 = yesterday). pressure is absent from every
      // reading before D-2 (the train part) and present in D-2 (validation): the CSV width must not change.
      for (let day = -6; day <= -1; day++) {
        const date = localDate(day);
        const start = seoulMidnightUtc(date).getTime();
        const ts: Date[] = [];
        const device: string[] = [];
        for (let i = 0; i < 48; i++)
          for (const d of ['d1', 'd2']) {
            ts.push(new Date(start + i * 1_800_000));
            device.push(d);
          }
        const n = ts.length;
        const num = (f: (i: number) => number) => Array.from({ length: n }, (_, i) => f(i));
        const buf = parquetWriteBuffer({
          columnData: [
            { name: 'device_id', data: device, type: 'STRING' },
            { name: 'ts', data: ts, type: 'TIMESTAMP' },
            { name: 'temperature', data: num((i) => 60 + (i % 17)), type: 'DOUBLE' },
            { name: 'motor_speed_rpm', data: num((i) => 1500 + (i % 5)), type: 'DOUBLE' },
            { name: 'rvibration_temp', data: num((i) => 40 + (i % 3)), type: 'DOUBLE' },
            { name: 'rvibration_z_rms_velocity', data: num((i) => 1 + (i % 7) / 10), type: 'DOUBLE' },
            {
              name: 'pressure',
              data: num(() => (day === -2 ? 5.5 : NaN)).map((v) => (Number.isNaN(v) ? null : v)),
              type: 'DOUBLE',
              nullable: true,
            },
          ],
        });
        await put(moto.s3, processed, `sensor_readings/dt=${date}/part-00000.snappy.parquet`, new Uint8Array(buf));
      }
    }, 120_000);

    const maintenance = (rows: [string, string][]) =>
      put(
        moto.s3,
        raw,
        'batch/maintenance/failures.csv',
        ['device_id,failure_ts', ...rows.map((x) => x.join(','))].join('\n') + '\n'
      );

    it('writes train/validation CSVs of the manifest width (label first, nan for missing) and the manifest', async () => {
      // a d1 failure in the train period; a d2 failure logged on D-1 (yesterday) whose 24 h horizon covers D-2
      await maintenance([
        ['d1', new Date(seoulMidnightUtc(localDate(-4)).getTime() + 12 * 3_600_000).toISOString()],
        ['d2', new Date(seoulMidnightUtc(localDate(-1)).getTime() + 6 * 3_600_000).toISOString()],
      ]);
      const runId = 'it-run-1';
      const prefix = `ml/features/run=${runId}/`;
      const out = runHarness(
        'run',
        spec(job, [
          ['--run_id', runId],
          ['--output_prefix', `s3://${curated}/${prefix}`],
        ])
      );
      expect(out.status, out.stdout + out.stderr).toBe(0);
      const manifest = JSON.parse(await text(moto.s3, curated, `${prefix}manifest.json`));
      expect(manifest.feature_order).toEqual([...SENSOR_FIELDS]);
      expect(manifest.train_positives).toBeGreaterThan(0);
      expect(manifest.validation_positives).toBeGreaterThan(0);
      // readings of yesterday (within one 24 h horizon of the log's coverage end) are not used
      expect(manifest.readings_until).toBe(seoulMidnightUtc(localDate(-1)).toISOString());
      const dir = mkdtempSync(join(tmpdir(), 'glue-as-glue-csv-'));
      for (const [name, rows] of [
        ['train', manifest.train_rows],
        ['validation', manifest.validation_rows],
      ] as const) {
        const body = await text(moto.s3, curated, `${prefix}${name}/part-00000.csv`);
        const lines = body.trimEnd().split('\n');
        expect(lines).toHaveLength(rows);
        for (const line of lines) expect(line.split(',')).toHaveLength(1 + SENSOR_FIELDS.length);
        writeFileSync(join(dir, `${name}.csv`), body);
      }
      // train has no pressure at all, validation has: both are read with the manifest's width by libxgboost
      const cols = execFileSync(
        '/usr/bin/python3',
        [
          '-c',
          'import sys, xgboost as x; print(*[x.DMatrix(p + "?format=csv&label_column=0").num_col() for p in sys.argv[1:]])',
          join(dir, 'train.csv'),
          join(dir, 'validation.csv'),
        ],
        { encoding: 'utf8' }
      );
      expect(cols.trim()).toBe(`${SENSOR_FIELDS.length} ${SENSOR_FIELDS.length}`);

      // SageMaker's XGBoost container contract: train on these files as the container reads text/csv, then score the
      // inference Lambda's request rows as the container does and compare with the edge scorer on the same model
      const hp = join(dir, 'hyperparameters.json');
      writeFileSync(hp, JSON.stringify(DEFAULT_CONFIG.ml.hyperparameters));
      const trained = JSON.parse(
        execFileSync(
          '/usr/bin/python3',
          [CONTAINER, 'train', join(dir, 'train.csv'), join(dir, 'validation.csv'), hp, join(dir, 'model')],
          { encoding: 'utf8' }
        )
      ) as { num_col: number[]; num_features: number; validation_auc: number };
      expect(trained.num_col).toEqual([SENSOR_FIELDS.length, SENSOR_FIELDS.length]);
      expect(trained.num_features).toBe(manifest.feature_order.length);
      expect(Number.isFinite(trained.validation_auc)).toBe(true);
      const bodies = [
        { temperature: 61, motor_speed_rpm: 1502, rvibration_temp: 41, rvibration_z_rms_velocity: 1.3 },
        {
          temperature: 75.5,
          motor_speed_rpm: 1500,
          rvibration_temp: 40,
          rvibration_z_rms_velocity: 1.6,
          pressure: 5.5,
        },
        { temperature: 60, motor_speed_rpm: 1504, rvibration_temp: 42, rvibration_z_rms_velocity: 1, pressure: null },
      ];
      const rows = bodies.map((b) => {
        const o = orderFeatures(b, manifest.feature_order);
        if (!o.ok) throw new Error(o.message);
        return o.values;
      });
      const rowsPath = join(dir, 'rows.json');
      writeFileSync(rowsPath, JSON.stringify(rows.map(toCsvRow)));
      const container = JSON.parse(
        execFileSync('/usr/bin/python3', [CONTAINER, 'score', join(dir, 'model'), rowsPath], { encoding: 'utf8' })
      ) as number[];
      const edge = XGBoostScorer.fromPath(join(dir, 'model', 'xgboost-model'));
      const edgeScores = rows.map((v) => edge.predict(Float32Array.from(v, (x) => (x === null ? NaN : x))));
      expect(edgeScores.map(Math.fround)).toEqual(container.map(Math.fround));
      rmSync(dir, { recursive: true, force: true });
    });

    it('fails before writing anything when the validation split has no failure, naming the class counts', async () => {
      await maintenance([['d1', new Date(seoulMidnightUtc(localDate(-4)).getTime() + 12 * 3_600_000).toISOString()]]);
      const runId = 'it-run-single-class';
      const out = runHarness(
        'run',
        spec(job, [
          ['--run_id', runId],
          ['--output_prefix', `s3://${curated}/ml/features/run=${runId}/`],
        ])
      );
      expect(out.status).not.toBe(0);
      expect(out.stderr).toMatch(
        /validation split has a single class \(train: \d+ positive, \d+ negative; validation: 0 positive/
      );
      await expect(text(moto.s3, curated, `ml/features/run=${runId}/manifest.json`)).rejects.toThrow();
    });
  });

  it('etl_daily_fact (Python shell): reads the ETL secret, lists the day and submits one batch with its COPY', async () => {
    const job = jobFor(/ETL_Daily_Fact/);
    const processed = arg(job, '--processed_bucket');
    const raw = arg(job, '--raw_bucket');
    await createBuckets(moto.s3, [processed, raw]);
    const day = '2026-11-20';
    await put(moto.s3, processed, `sensor_readings/dt=${day}/part-00000.snappy.parquet`, 'PAR1');
    await put(moto.s3, raw, `batch/production/dt=${day}/production.csv`, 'device_id,qty\n');
    const sm = new SecretsManagerClient({
      endpoint: moto.endpoint,
      region: DEFAULT_CONFIG.env.region,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
      requestHandler: new NodeHttpHandler(),
    });
    // the job passes --secret_arn as SecretId; the resolved stand-in is the secret's name here
    await sm.send(
      new CreateSecretCommand({
        Name: arg(job, '--secret_arn'),
        SecretString: JSON.stringify({ username: 'etl_user', password: 'x' }),
      })
    );
    const log = join(mkdtempSync(join(tmpdir(), 'glue-as-glue-rsd-')), 'redshift-data.jsonl');
    writeFileSync(log, '');
    const out = runHarness('run', spec(job, [['--run_date', day]], { redshift_data_log: log }));
    expect(out.status, out.stdout + out.stderr).toBe(0);
    const batches = readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(batches).toHaveLength(1);
    const sqls = (batches[0].Sqls as string[]).join('\n');
    expect(batches[0].SecretArn).toBe(arg(job, '--secret_arn'));
    expect(sqls).toContain(`s3://${processed}/sensor_readings/dt=${day}/`);
    expect(sqls).toContain(`s3://${raw}/batch/production/dt=${day}/`);
    expect(sqls).toContain(arg(job, '--copy_role_arn'));
    expect(sqls).not.toContain('retail_sales/dt='); // no files that day: not loaded
  });
});
