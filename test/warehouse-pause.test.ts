import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, DEV_CONFIG, type PlatformConfig } from '../lib/config';
import { template, testPlatform } from './helpers/app';

type Res = { Type: string; Properties: Record<string, unknown> };
type Statement = { Action: string | string[]; Resource: unknown; Effect: string };
const actions = (s: Statement): string[] => (Array.isArray(s.Action) ? s.Action : [s.Action]);

const schedules = (t: Template): Record<string, Res> =>
  t.findResources('AWS::Scheduler::Schedule') as Record<string, Res>;

function statementsOfRole(t: Template, roleIdPrefix: string): Statement[] {
  const policies = t.findResources('AWS::IAM::Policy') as Record<string, Res>;
  return Object.values(policies)
    .filter((p) => JSON.stringify(p.Properties['Roles']).includes(roleIdPrefix))
    .flatMap((p) => (p.Properties['PolicyDocument'] as { Statement: Statement[] }).Statement);
}

describe('warehouse pause schedule (dev config, issue 11)', () => {
  let t: Template;
  beforeAll(() => {
    t = template(testPlatform(DEV_CONFIG).platform.warehouse);
  });

  it('two schedules: pause 20:00 and resume 08:00, Monday to Friday, in the platform time zone', () => {
    const all = schedules(t);
    expect(Object.keys(all).sort()).toEqual(['PauseSchedule', 'ResumeSchedule']);
    const pause = all['PauseSchedule']!.Properties;
    const resume = all['ResumeSchedule']!.Properties;
    expect(pause['ScheduleExpression']).toBe('cron(0 20 ? * MON-FRI *)');
    expect(resume['ScheduleExpression']).toBe('cron(0 8 ? * MON-FRI *)');
    for (const s of [pause, resume]) {
      expect(s['ScheduleExpressionTimezone']).toBe('Asia/Seoul');
      expect(s['FlexibleTimeWindow']).toEqual({ Mode: 'OFF' });
      expect(s['State']).toBe('ENABLED');
    }
  });

  it('targets the Redshift pauseCluster / resumeCluster SDK actions with the cluster identifier, DLQ and retries', () => {
    const all = schedules(t);
    for (const [id, action] of [
      ['PauseSchedule', 'pauseCluster'],
      ['ResumeSchedule', 'resumeCluster'],
    ] as const) {
      const target = all[id]!.Properties['Target'] as Record<string, unknown>;
      expect(target['Arn']).toEqual({
        'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:scheduler:::aws-sdk:redshift:${action}`]],
      });
      expect(target['Input']).toEqual({ 'Fn::Join': ['', ['{"ClusterIdentifier":"', { Ref: 'Cluster' }, '"}']] });
      expect(JSON.stringify(target['RoleArn'])).toContain('PauseSchedulerRole');
      expect(JSON.stringify(target['DeadLetterConfig'])).toContain('ResizeDeadLetterQueue');
      expect(target['RetryPolicy']).toEqual({ MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 });
    }
  });

  it('the role: assumed by EventBridge Scheduler of this account, may only pause/resume this cluster and use the DLQ', () => {
    const roles = t.findResources('AWS::IAM::Role') as Record<string, Res>;
    const role = Object.entries(roles).find(([id]) => id.startsWith('PauseSchedulerRole'))![1];
    expect(JSON.stringify(role.Properties['AssumeRolePolicyDocument'])).toContain('scheduler.amazonaws.com');
    expect(JSON.stringify(role.Properties['AssumeRolePolicyDocument'])).toContain('aws:SourceAccount');
    expect(role.Properties['ManagedPolicyArns']).toBeUndefined();

    const stmts = statementsOfRole(t, 'PauseSchedulerRole');
    const redshift = stmts.filter((s) => actions(s).some((a) => a.startsWith('redshift')));
    expect(redshift).toHaveLength(1);
    expect(actions(redshift[0]!).sort()).toEqual(['redshift:PauseCluster', 'redshift:ResumeCluster']);
    // exactly this cluster's ARN: arn:<partition>:redshift:<region>:<account>:cluster:<Ref Cluster>, no wildcard
    const resource = JSON.stringify(redshift[0]!.Resource);
    expect(resource).toMatch(/:redshift:.*:cluster:",\{"Ref":"Cluster"\}\]\]\}$/);
    expect(resource).not.toContain('*');
    const others = stmts.filter((s) => !actions(s).some((a) => a.startsWith('redshift')));
    for (const s of others) {
      expect(actions(s).every((a) => a.startsWith('sqs:') || a.startsWith('kms:'))).toBe(true);
      expect(JSON.stringify(s.Resource)).toMatch(/ResizeDeadLetterQueue|Key/);
    }
  });

  it('the dead-letter queue is created for the pause schedules alone: KMS-encrypted, with an alarm', () => {
    const queues = Object.entries(t.findResources('AWS::SQS::Queue') as Record<string, Res>);
    const dlq = queues.filter(([id]) => id.startsWith('ResizeDeadLetterQueue'));
    expect(dlq).toHaveLength(1);
    expect(JSON.stringify(dlq[0]![1].Properties['KmsMasterKeyId'])).toContain('Key');
    const alarms = Object.entries(t.findResources('AWS::CloudWatch::Alarm') as Record<string, Res>);
    const alarm = alarms.find(([id]) => id.startsWith('ResizeDeadLetterAlarm'));
    expect(alarm?.[1].Properties['AlarmDescription']).toMatch(/pause or resume/);
  });

  it('every day (no weekdaysOnly): cron without a weekday restriction', () => {
    const config: PlatformConfig = {
      ...DEV_CONFIG,
      warehouse: { ...DEV_CONFIG.warehouse, pauseSchedule: { pauseLocalTime: '21:30', resumeLocalTime: '07:15' } },
    };
    const all = schedules(template(testPlatform(config).platform.warehouse));
    expect(all['PauseSchedule']!.Properties['ScheduleExpression']).toBe('cron(30 21 * * ? *)');
    expect(all['ResumeSchedule']!.Properties['ScheduleExpression']).toBe('cron(15 7 * * ? *)');
  });
});

describe('default config: no pause schedule', () => {
  it('has neither pause/resume schedules nor their role', () => {
    const t = template(testPlatform(DEFAULT_CONFIG).platform.warehouse);
    const all = schedules(t);
    expect(Object.keys(all).some((id) => /^(Pause|Resume)/.test(id))).toBe(false);
    expect(JSON.stringify(Object.values(all))).not.toMatch(/pauseCluster|resumeCluster/);
    expect(Object.keys(t.findResources('AWS::IAM::Role')).some((id) => id.startsWith('PauseSchedulerRole'))).toBe(
      false
    );
  });
});
