import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { FULL_CONFIG } from '../lib/config';
import type { Platform } from '../lib/platform';
import { PlatformFunction } from '../lib/shared/platform-function';
import { testPlatform } from './helpers/app';

const ROOT = join(__dirname, '..');
const CDK_LIB = join(ROOT, 'node_modules', 'aws-cdk-lib');

/**
 * What AWS services emit, from aws-cdk-lib's canned metrics (generated from the CloudWatch metric metadata):
 * "namespace|MetricName|DimA,DimB" (dimensions sorted).
 */
function cannedMetricCatalog(): Set<string> {
  const out = new Set<string>();
  for (const dir of readdirSync(CDK_LIB).filter((d) => d.startsWith('aws-'))) {
    const lib = join(CDK_LIB, dir, 'lib');
    let files: string[];
    try {
      files = readdirSync(lib).filter((f) => f.endsWith('-canned-metrics.generated.js'));
    } catch {
      continue;
    }
    for (const f of files) {
      const js = readFileSync(join(lib, f), 'utf8');
      const dts = readFileSync(join(lib, f.replace(/\.js$/, '.d.ts')), 'utf8');
      const names = new Map<string, string>();
      for (const m of js.matchAll(/static (\w+)\([^)]*\)\{return\{namespace:"([^"]+)",metricName:"([^"]+)"/g)) {
        names.set(m[1]!, `${m[2]}|${m[3]}`);
      }
      for (const m of dts.matchAll(/static (\w+)\(this: void, dimensions: \{([^}]*)\}\)/g)) {
        const nm = names.get(m[1]!);
        if (!nm) continue;
        const dims = [...m[2]!.matchAll(/(\w+): string;/g)].map((d) => d[1]!).sort();
        out.add(`${nm}|${dims.join(',')}`);
      }
    }
  }
  return out;
}

/**
 * Glue job metrics are not among the canned metrics. AWS Glue developer guide, "Monitoring AWS Glue using Amazon
 * CloudWatch metrics" (https://docs.aws.amazon.com/glue/latest/dg/monitoring-awsglue-with-cloudwatch-metrics.html):
 * glue.driver.aggregate.elapsedTime, dimensions JobName, JobRunId (ALL), Type (count); only with --enable-metrics.
 */
const GLUE_METRICS = new Set(['Glue|glue.driver.aggregate.elapsedTime|JobName,JobRunId,Type']);

/** Which resource a dimension value must be (by CloudFormation type). */
const DIMENSION_RESOURCE: Record<string, string> = {
  FunctionName: 'AWS::Lambda::Function',
  StreamName: 'AWS::Kinesis::Stream',
  QueueName: 'AWS::SQS::Queue',
  StateMachineArn: 'AWS::StepFunctions::StateMachine',
  ClusterIdentifier: 'AWS::Redshift::Cluster',
  JobName: 'AWS::Glue::Job',
};

interface Ref {
  stack: string;
  logicalId: string;
  type: string;
  resource: Record<string, unknown>;
}

/** The dashboard body with every reference replaced by `@@<stack>|<logicalId>@@`, parsed. */
function resolvedBody(platform: Platform): { body: { widgets: Widget[] }; refs: Map<string, Ref> } {
  const stacks = Object.values(platform).filter((s): s is Stack => s !== undefined);
  const templates = new Map(stacks.map((s) => [s.stackName, Template.fromStack(s).toJSON()]));
  const exports = new Map<string, { stack: string; value: unknown }>();
  for (const [stack, t] of templates) {
    for (const o of Object.values(
      (t['Outputs'] ?? {}) as Record<string, { Value: unknown; Export?: { Name: string } }>
    )) {
      if (o.Export) exports.set(o.Export.Name, { stack, value: o.Value });
    }
  }
  const refs = new Map<string, Ref>();
  const placeholder = (stack: string, value: unknown): string => {
    const v = value as { Ref?: string; 'Fn::GetAtt'?: [string, string] };
    const logicalId = v.Ref ?? v['Fn::GetAtt']?.[0];
    if (!logicalId) throw new Error(`unexpected reference ${JSON.stringify(value)}`);
    const resource = (templates.get(stack)!['Resources'] as Record<string, { Type: string }>)[logicalId];
    if (!resource) throw new Error(`${stack} has no resource ${logicalId}`);
    const key = `@@${stack}|${logicalId}@@`;
    refs.set(key, { stack, logicalId, type: resource.Type, resource: resource as Record<string, unknown> });
    return key;
  };
  const dash = templates.get(platform.dashboard.stackName)!;
  const [resource] = Object.values(
    dash['Resources'] as Record<
      string,
      { Type: string; Properties: { DashboardBody: { 'Fn::Join': [string, unknown[]] } } }
    >
  ).filter((r) => r.Type === 'AWS::CloudWatch::Dashboard');
  const parts = resource!.Properties.DashboardBody['Fn::Join'][1];
  const text = parts
    .map((p) => {
      if (typeof p === 'string') return p;
      const ref = p as { Ref?: string; 'Fn::ImportValue'?: string };
      if (ref.Ref === 'AWS::Region') return 'ap-northeast-2';
      if (ref['Fn::ImportValue']) {
        const e = exports.get(ref['Fn::ImportValue']);
        if (!e) throw new Error(`no export ${ref['Fn::ImportValue']}`);
        return placeholder(e.stack, e.value);
      }
      return placeholder(platform.dashboard.stackName, p);
    })
    .join('');
  return { body: JSON.parse(text), refs };
}

interface Widget {
  type: string;
  properties: { title?: string; metrics?: unknown[][]; alarms?: string[]; query?: string };
}

/** Every problem of the dashboard's metrics: unknown metric/dimension sets, dimension values that are no resource. */
function metricProblems(
  body: { widgets: Widget[] },
  refs: Map<string, Ref>,
  powertools: Map<string, Set<string>>,
  catalog: Set<string>
): string[] {
  const problems: string[] = [];
  const checkValue = (where: string, dim: string, value: string) => {
    const expected = DIMENSION_RESOURCE[dim];
    if (!expected) return;
    const ref = refs.get(value);
    if (!ref || ref.type !== expected) problems.push(`${where}: ${dim}=${value} is not a ${expected} of the platform`);
    if (ref && expected === 'AWS::Glue::Job') {
      const args = (ref.resource['Properties'] as { DefaultArguments?: Record<string, string> }).DefaultArguments ?? {};
      if (!('--enable-metrics' in args)) problems.push(`${where}: job ${ref.logicalId} does not enable job metrics`);
    }
  };
  for (const w of body.widgets) {
    for (const row of w.properties.metrics ?? []) {
      const where = `"${w.properties.title}"`;
      const first = row[0];
      if (typeof first === 'object' && first !== null && 'expression' in first) {
        const expr = (first as { expression: string }).expression;
        for (const m of expr.matchAll(/SEARCH\('\{([^,}]+),([^}]+)\} MetricName="([^"]+)"([^']*)'/g)) {
          const dims = m[2]!.split(',').sort();
          const key = `${m[1]}|${m[3]}|${dims.join(',')}`;
          if (!catalog.has(key)) problems.push(`${where}: SEARCH for ${key} is not a metric the service emits`);
          for (const v of m[4]!.matchAll(/(\w+)="(@@[^@]+@@)"/g)) checkValue(where, v[1]!, v[2]!);
        }
        if (!/SEARCH\(/.test(expr)) problems.push(`${where}: expression without SEARCH is not checked: ${expr}`);
        continue;
      }
      const [ns, name, ...rest] = row as [string, string, ...unknown[]];
      const pairs: [string, string][] = [];
      for (let i = 0; i + 1 < rest.length; i += 2) {
        if (typeof rest[i] === 'string') pairs.push([rest[i] as string, rest[i + 1] as string]);
      }
      const dims = pairs.map(([k]) => k).sort();
      const key = `${ns}|${name}|${dims.join(',')}`;
      if (ns.startsWith('AWS/')) {
        if (!catalog.has(key)) problems.push(`${where}: ${key} is not a metric the service emits`);
      } else if (ns === 'Glue') {
        if (!GLUE_METRICS.has(key)) problems.push(`${where}: ${key} is not a Glue job metric`);
      } else {
        const service = pairs.find(([k]) => k === 'service')?.[1];
        const written = powertools.get(`${ns}|${service}`);
        if (dims.join(',') !== 'service' || !written?.has(name)) {
          problems.push(`${where}: ${key} (service ${service}) is not written by any function's Powertools metrics`);
        }
      }
      for (const [k, v] of pairs) checkValue(where, k, v);
    }
  }
  return problems;
}

/** "namespace|service" → metric names the function's code writes (metrics.addMetric / m.addMetric). */
function powertoolsMetrics(platform: Platform): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  const stacks = Object.values(platform).filter((s): s is Stack => s !== undefined);
  for (const fn of stacks.flatMap((s) => s.node.findAll()).filter((c) => c instanceof PlatformFunction)) {
    const dir = join(ROOT, 'lambdas', fn.lambdaDir);
    const names = new Set<string>();
    for (const f of readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.includes('.test.'))) {
      for (const m of readFileSync(join(dir, f), 'utf8').matchAll(/\.addMetric\(\s*'([^']+)'/g)) names.add(m[1]!);
    }
    out.set(`${fn.metricsNamespace}|${fn.serviceName}`, names);
  }
  return out;
}

describe('operations dashboard (config full: every stack)', () => {
  let platform: Platform;
  let body: { widgets: Widget[] };
  let refs: Map<string, Ref>;
  let powertools: Map<string, Set<string>>;
  const catalog = cannedMetricCatalog();
  beforeAll(() => {
    platform = testPlatform(FULL_CONFIG).platform;
    ({ body, refs } = resolvedBody(platform));
    powertools = powertoolsMetrics(platform);
  });

  it('the catalogs are real: canned metrics of Lambda/Kinesis/SQS/States/Redshift/SageMaker, Powertools names from code', () => {
    for (const k of [
      'AWS/Lambda|Errors|FunctionName',
      'AWS/Kinesis|GetRecords.IteratorAgeMilliseconds|StreamName',
      'AWS/SQS|ApproximateNumberOfMessagesVisible|QueueName',
      'AWS/States|ExecutionsFailed|StateMachineArn',
      'AWS/Redshift|WLMQueueWaitTime|ClusterIdentifier,QueueName',
      'AWS/SageMaker|ModelLatency|EndpointName,VariantName',
    ]) {
      expect(catalog.has(k), k).toBe(true);
    }
    expect([...powertools.get('SmartFactory|anomaly')!]).toEqual(
      expect.arrayContaining(['AlertsPublished', 'AlertsSuppressedByCooldown'])
    );
  });

  it('every metric on the dashboard is one the resources or the functions emit, on a resource of the platform', () => {
    const metricRows = body.widgets.flatMap((w) => w.properties.metrics ?? []);
    expect(metricRows.length).toBeGreaterThan(30);
    expect(metricProblems(body, refs, powertools, catalog)).toEqual([]);
  });

  it('positive control: a metric nobody writes, a wrong dimension and a foreign resource are each reported', () => {
    const bad = structuredClone(body);
    const graph = bad.widgets.find((w) => w.properties.title === 'Alerts published vs suppressed')!;
    (graph.properties.metrics![0] as unknown[])[1] = 'AlertsSent';
    const cpu = bad.widgets.find((w) => w.properties.title === 'Redshift CPU (%)')!;
    (cpu.properties.metrics![0] as unknown[])[2] = 'DbClusterIdentifier';
    const ingest = bad.widgets.find((w) => w.properties.title === 'Stream ingest (records)')!;
    (ingest.properties.metrics![0] as unknown[])[3] = 'some-other-stream';
    const problems = metricProblems(bad, refs, powertools, catalog);
    expect(problems).toHaveLength(3);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/SmartFactory\|AlertsSent\|service .*not written/),
        expect.stringMatching(
          /"Stream ingest \(records\)": StreamName=some-other-stream is not a AWS::Kinesis::Stream/
        ),
        expect.stringMatching(/AWS\/Redshift\|CPUUtilization\|DbClusterIdentifier is not a metric/),
      ])
    );
  });

  it('shows every alarm the stacks define', () => {
    const shown = new Set(body.widgets.flatMap((w) => w.properties.alarms ?? []));
    const stacks = Object.values(platform).filter((s): s is Stack => s !== undefined);
    const defined = stacks.flatMap((s) =>
      Object.keys(Template.fromStack(s).findResources('AWS::CloudWatch::Alarm')).map((id) => `@@${s.stackName}|${id}@@`)
    );
    expect(defined.length).toBeGreaterThanOrEqual(16);
    expect([...shown].sort()).toEqual(defined.sort());
  });

  it('every alarm on a function metric (not AWS/) watches one that function writes, with its service dimension', () => {
    const stacks = Object.values(platform).filter((s): s is Stack => s !== undefined);
    const custom = stacks.flatMap((s) =>
      Object.entries(Template.fromStack(s).findResources('AWS::CloudWatch::Alarm'))
        .map(([id, a]) => ({ id: `${s.stackName}/${id}`, p: a['Properties'] as Record<string, unknown> }))
        .filter(({ p }) => typeof p['Namespace'] === 'string' && !(p['Namespace'] as string).startsWith('AWS/'))
    );
    const problems = custom.flatMap(({ id, p }) => {
      const dims = (p['Dimensions'] as { Name: string; Value: unknown }[] | undefined) ?? [];
      const service = dims.find((d) => d.Name === 'service')?.Value;
      const written = powertools.get(`${p['Namespace'] as string}|${String(service)}`);
      const ok = dims.length === 1 && written?.has(p['MetricName'] as string);
      return ok ? [] : [`${id}: ${p['Namespace'] as string}|${p['MetricName'] as string}|service=${String(service)}`];
    });
    expect(custom.map(({ p }) => p['MetricName'])).toContain('SnapshotsQuarantined');
    expect(problems).toEqual([]);
  });

  it('shows the endpoint by the name and variant the training pipeline deploys', () => {
    const ml = JSON.stringify(Template.fromStack(platform.ml).findResources('AWS::StepFunctions::StateMachine'));
    const rows = body.widgets.flatMap((w) => w.properties.metrics ?? []).filter((r) => r[0] === 'AWS/SageMaker');
    expect(rows.length).toBe(5);
    for (const r of rows) {
      expect(r.slice(2, 6)).toEqual(['EndpointName', platform.ml.pipeline.endpointName, 'VariantName', 'AllTraffic']);
    }
    expect(ml).toContain('AllTraffic');
    expect(ml).toContain(platform.ml.pipeline.endpointName);
  });

  it('the failing-step query reads the ETL workflow’s execution log group', () => {
    const q = body.widgets.find((w) => w.type === 'log')!;
    const group = /SOURCE '(@@[^@]+@@)'/.exec(q.properties.query!)![1]!;
    expect(refs.get(group)?.type).toBe('AWS::Logs::LogGroup');
    const sm = Template.fromStack(platform.etl).findResources('AWS::StepFunctions::StateMachine');
    expect(JSON.stringify(sm)).toContain(refs.get(group)!.logicalId);
  });

  it('the stack outputs the dashboard URL', () => {
    Template.fromStack(platform.dashboard).hasOutput('DashboardUrl', {
      Value: {
        'Fn::Join': [
          '',
          [
            'https://',
            { Ref: 'AWS::Region' },
            '.console.aws.amazon.com/cloudwatch/home?region=',
            { Ref: 'AWS::Region' },
            '#dashboards/dashboard/',
            { Ref: Match.stringLikeRegexp('^Dashboard') },
          ],
        ],
      },
    });
  });
});
