import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, DEV_CONFIG } from '../lib/config';
import { template, testPlatform } from './helpers/app';

type Res = { Type: string; Properties: Record<string, unknown> };
type Statement = { Action: string | string[]; Resource: unknown; Effect: string };

const byId = (t: Template, type: string, idPart: string): [string, Res][] =>
  Object.entries(t.findResources(type) as Record<string, Res>).filter(([id]) => id.includes(idPart));

describe('warehouse resize reconciler (default config: four daily resizes)', () => {
  let t: Template;
  beforeAll(() => {
    t = template(testPlatform(DEFAULT_CONFIG).platform.warehouse);
  });

  it('a Node.js function with the cluster, time zone and schedule in its environment', () => {
    const fns = byId(t, 'AWS::Lambda::Function', 'ResizeReconciler');
    expect(fns).toHaveLength(1);
    const props = fns[0]![1].Properties;
    expect(props).toMatchObject({ Runtime: 'nodejs24.x', Architectures: ['arm64'], ReservedConcurrentExecutions: 1 });
    const env = (props['Environment'] as { Variables: Record<string, unknown> }).Variables;
    expect(JSON.stringify(env['CLUSTER_ID'])).toContain('Cluster');
    expect(env['TIME_ZONE']).toBe(DEFAULT_CONFIG.timeZone);
    expect(JSON.parse(env['SCHEDULE_JSON'] as string)).toEqual({
      baseNodes: DEFAULT_CONFIG.warehouse.numberOfNodes,
      schedules: DEFAULT_CONFIG.warehouse.resizeSchedules.map(({ localTime, nodes }) => ({ localTime, nodes })),
    });
  });

  it('runs every 15 minutes', () => {
    const rules = byId(t, 'AWS::Events::Rule', 'ResizeReconciler');
    expect(rules).toHaveLength(1);
    expect(rules[0]![1].Properties['ScheduleExpression']).toBe('rate(15 minutes)');
    const targets = rules[0]![1].Properties['Targets'] as { Arn: unknown }[];
    expect(JSON.stringify(targets[0]!.Arn)).toContain(byId(t, 'AWS::Lambda::Function', 'ResizeReconciler')[0]![0]);
  });

  it('least privilege: ResizeCluster on the cluster ARN only, DescribeClusters read-only, nothing else Redshift', () => {
    // every policy attached to the function's role (CDK may split the statements over several)
    const role = byId(t, 'AWS::IAM::Role', 'ResizeReconciler');
    expect(role).toHaveLength(1);
    const policies = Object.values(t.findResources('AWS::IAM::Policy') as Record<string, Res>).filter((p) =>
      JSON.stringify(p.Properties['Roles']).includes(role[0]![0])
    );
    expect(policies.length).toBeGreaterThan(0);
    const stmts = policies.flatMap((p) => (p.Properties['PolicyDocument'] as { Statement: Statement[] }).Statement);
    const redshift = stmts.filter((s) => JSON.stringify(s.Action).includes('redshift:'));
    expect(redshift.map((s) => s.Action)).toEqual(['redshift:DescribeClusters', 'redshift:ResizeCluster']);
    expect(redshift.every((s) => s.Effect === 'Allow')).toBe(true);
    const resize = redshift[1]!;
    expect(resize.Resource).not.toBe('*');
    const arn = JSON.stringify(resize.Resource);
    expect(arn).toContain(':redshift:');
    expect(arn).toContain(':cluster:');
    expect(arn).toContain('Cluster');
    // no wildcard actions anywhere in the function's policy
    const all = stmts.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
    expect(all.some((a) => a.includes('*'))).toBe(false);
    // the only other actions are those of active tracing
    expect(all.filter((a) => !a.startsWith('redshift:')).sort()).toEqual([
      'xray:PutTelemetryRecords',
      'xray:PutTraceSegments',
    ]);
  });

  it('an alarm on function errors notifies the operations topic', () => {
    const alarms = byId(t, 'AWS::CloudWatch::Alarm', 'ResizeReconciler');
    expect(alarms).toHaveLength(1);
    const p = alarms[0]![1].Properties;
    expect(p).toMatchObject({ MetricName: 'Errors', Namespace: 'AWS/Lambda', Threshold: 0 });
    expect(JSON.stringify(p['AlarmActions'])).toContain('Topic');
    expect(JSON.stringify(p['OKActions'])).toContain('Topic');
  });
});

describe('warehouse resize reconciler (no resize schedules)', () => {
  it('is not created', () => {
    expect(DEV_CONFIG.warehouse.resizeSchedules).toHaveLength(0);
    const t = template(testPlatform(DEV_CONFIG).platform.warehouse);
    expect(byId(t, 'AWS::Lambda::Function', 'ResizeReconciler')).toHaveLength(0);
    expect(byId(t, 'AWS::Events::Rule', 'ResizeReconciler')).toHaveLength(0);
  });
});
