import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { SENSOR_COLUMNS, SENSOR_FIELDS } from '@smart-factory/schema';
import { DEFAULT_CONFIG, DEV_CONFIG } from '../lib/config';
import { template } from './helpers/app';
import { statefulLogicalIds } from './helpers/logical-ids';
import { etlTestStack } from './helpers/etl';
import { STAND_IN } from './helpers/warehouse-stand-in';

const { etl } = etlTestStack();
const t = template(etl);
const jobs = t.findResources('AWS::Glue::Job');
const job = (commandName: string, scriptHint: RegExp) => {
  const found = Object.entries(jobs).filter(
    ([, r]) =>
      r['Properties'].Command.Name === commandName && scriptHint.test(String(r['Properties'].Description ?? ''))
  );
  expect(found).toHaveLength(1);
  return found[0]![1]['Properties'] as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
};

describe('ETL stack', () => {
  it('pins the logical IDs of its key, queues and log groups (a refactor must not replace them)', () => {
    expect(statefulLogicalIds(t)).toEqual([
      'AWS::KMS::Key Key961B73FD',
      'AWS::Logs::LogGroup ArchiveExecutionLogsD5F2172D',
      'AWS::Logs::LogGroup BatchTriggerFunctionLogGroupA5C9E1AB',
      'AWS::Logs::LogGroup CustomCDKBucketDeployment8693BB64968944B69AAFB0CC9EB8756C256MiBLogGroup2BF8D970',
      'AWS::Logs::LogGroup WorkflowExecutionLogsE67184FE',
      'AWS::Logs::LogGroup WorkflowResolveRunDateLogGroup81C70764',
      'AWS::SQS::Queue BatchTriggerDeadLetterQueue382607CF',
      'AWS::SQS::Queue BatchTriggerQueueF4A09867',
      'AWS::SQS::Queue WorkflowScheduleDlqFB1BB243',
    ]);
  });
});

describe('ETL Glue jobs', () => {
  it('raw_sensor_to_parquet: Glue 5.0 Spark, bookmarks on, security configuration, one run at a time', () => {
    const p = job('glueetl', /parquet/);
    expect(p).toMatchObject({
      GlueVersion: '5.0',
      WorkerType: 'G.1X',
      NumberOfWorkers: DEFAULT_CONFIG.etl.sparkWorkers,
      ExecutionProperty: { MaxConcurrentRuns: 1 },
      MaxRetries: 0,
      Timeout: 120,
      SecurityConfiguration: { Ref: expect.stringMatching(/SecurityConfiguration/) },
    });
    expect(p['Command']).toMatchObject({ Name: 'glueetl', PythonVersion: '3' });
    expect(p['DefaultArguments']).toMatchObject({
      '--job-bookmark-option': 'job-bookmark-enable',
      '--enable-continuous-cloudwatch-log': 'true',
      '--database': { 'Fn::ImportValue': expect.stringMatching(/CatalogDatabase/) },
      '--raw_table': { 'Fn::ImportValue': expect.stringMatching(/RawSensorTable/) },
      '--processed_bucket': { 'Fn::ImportValue': expect.stringMatching(/ProcessedBucket/) },
    });
    expect(JSON.stringify(p['DefaultArguments']['--extra-py-files'])).toMatch(/\.py"/);
  });

  it('etl_daily_fact: Python shell 3.9 with the warehouse and ETL secret as arguments', () => {
    const p = job('pythonshell', /ETL_Daily_Fact/);
    expect(p).toMatchObject({ GlueVersion: '3.0', MaxCapacity: 0.0625, ExecutionProperty: { MaxConcurrentRuns: 1 } });
    expect(p['Command']).toMatchObject({ PythonVersion: '3.9' });
    expect(p['DefaultArguments']).toMatchObject({
      '--cluster_identifier': STAND_IN.clusterIdentifier,
      '--database': DEFAULT_CONFIG.warehouse.databaseName,
      '--secret_arn': expect.stringMatching(new RegExp(`secret:${STAND_IN.secretName}$`)),
      '--copy_role_arn': `arn:aws:iam::${STAND_IN.account}:role/${STAND_IN.roleName}`,
    });
    expect(p['DefaultArguments']['--job-bookmark-option']).toBeUndefined(); // Python shell has no bookmarks
  });

  it('ml_features: Python shell with pandas (analytics), 1 DPU, feature order from the schema', () => {
    const p = job('pythonshell', /XGBoost|predictive/);
    expect(p).toMatchObject({ MaxCapacity: 1 });
    expect(p['DefaultArguments']).toMatchObject({
      'library-set': 'analytics',
      '--feature_order': SENSOR_FIELDS.join(','),
      '--horizon_hours': String(DEFAULT_CONFIG.etl.failureHorizonHours),
      '--lookback_days': String(DEFAULT_CONFIG.etl.featureLookbackDays),
    });
    expect(etl.mlFeaturesJob.jobName).toBeDefined();
  });

  it('the security configuration encrypts CloudWatch logs, bookmarks and S3 with KMS', () => {
    t.hasResourceProperties('AWS::Glue::SecurityConfiguration', {
      EncryptionConfiguration: {
        CloudWatchEncryption: { CloudWatchEncryptionMode: 'SSE-KMS', KmsKeyArn: Match.anyValue() },
        JobBookmarksEncryption: { JobBookmarksEncryptionMode: 'CSE-KMS', KmsKeyArn: Match.anyValue() },
        S3Encryptions: [
          { S3EncryptionMode: 'SSE-KMS', KmsKeyArn: { 'Fn::ImportValue': Match.stringLikeRegexp('StorageKey') } },
        ],
      },
    });
    // CloudWatch Logs may use the ETL key only for log groups of this account and region
    t.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: `logs.${DEFAULT_CONFIG.env.region}.amazonaws.com` },
            Condition: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': Match.anyValue() } },
          }),
        ]),
      },
    });
  });

  it('job roles are least privilege: prefixes of the lake, exact tables, no s3:* or glue:*', () => {
    const policies = t.findResources('AWS::IAM::Policy');
    const statements = Object.values(policies).flatMap(
      (p) => p['Properties'].PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[]
    );
    const actions = statements.flatMap((s) => s.Action);
    expect(actions.filter((a) => /^(s3|glue|redshift-data|secretsmanager):\*$/.test(a))).toEqual([]);
    const raw = JSON.stringify(policies);
    expect(raw).toContain('"/sensor/*"');
    expect(raw).toContain('"s3:prefix":["batch/production/*","batch/retail_sales/*"]');
    expect(raw).toContain('"/ml/features/*"');
    expect(raw).toContain('"redshift-data:statement-owner-iam-userid":"${aws:userid}"');
    expect(raw).not.toMatch(/table\/[^"]*\/\*"/); // no table wildcard in the catalog grant
  });

  it('the dev config synthesizes with its own schedule time zone and worker count', () => {
    const dev = etlTestStack({
      ...DEV_CONFIG,
      etl: { ...DEV_CONFIG.etl, dailyRunLocalTime: '02:05', sparkWorkers: 3 },
    });
    const d = template(dev.etl);
    d.hasResourceProperties('AWS::Scheduler::Schedule', { ScheduleExpression: 'cron(5 2 * * ? *)' });
    d.hasResourceProperties('AWS::Glue::Job', { NumberOfWorkers: 3 });
  });
});

describe('Python transforms agree with @smart-factory/schema', () => {
  it('column names, order, requiredness and ranges; feature order', () => {
    const script = [
      'import json, sys',
      `sys.path[:0] = ${JSON.stringify([
        join(__dirname, '..', 'glue-scripts', 'raw_sensor_to_parquet'),
        join(__dirname, '..', 'glue-scripts', 'ml_features'),
      ])}`,
      'import sensor_transforms as t, features as f',
      'print(json.dumps({"columns": t.SENSOR_COLUMNS, "features": f.FEATURE_ORDER}))',
    ].join('\n');
    const out = JSON.parse(execFileSync('/usr/bin/python3', ['-c', script], { encoding: 'utf8' })) as {
      columns: [string, boolean, number | null, number | null][];
      features: string[];
    };
    expect(out.columns).toEqual(SENSOR_COLUMNS.map((c) => [c.name, c.required, c.min ?? null, c.max ?? null]));
    expect(out.features).toEqual([...SENSOR_FIELDS]);
  });
});
