import { Stack, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { CONFIGS } from '../lib/config';
import { buildPlatform } from '../lib/platform';
import { nagFindings, testApp } from './helpers/app';

describe('cdk-nag AwsSolutions (v3 policy validation)', () => {
  it.each(Object.keys(CONFIGS))('the whole platform (%s config) has no unacknowledged finding', (name) => {
    const app = testApp();
    buildPlatform(app, CONFIGS[name]!, { nag: false });
    expect(nagFindings(app)).toEqual([]);
  });

  it('positive control: a non-compliant bucket is reported, and acknowledging it clears the report', () => {
    const app = testApp();
    const stack = new Stack(app, 'NagControl');
    const bucket = new s3.Bucket(stack, 'Unencrypted', { enforceSSL: false });
    expect(nagFindings(app)).toEqual([
      'AwsSolutions-S1@NagControl/Unencrypted/Resource',
      'AwsSolutions-S10@NagControl/Unencrypted/Resource',
    ]);

    Validations.of(bucket).acknowledge({ id: 'AwsSolutions-S1', reason: 'test: access logs deliberately off' });
    expect(nagFindings(app)).toEqual(['AwsSolutions-S10@NagControl/Unencrypted/Resource']);
    Validations.of(bucket).acknowledge({ id: 'AwsSolutions-S10', reason: 'test: TLS deliberately not enforced' });
    expect(nagFindings(app)).toEqual([]);
  });

  it('synth fails on an unacknowledged finding when the plugin is attached as bin/app.ts attaches it', () => {
    const app = testApp();
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    new s3.Bucket(new Stack(app, 'NagSynth'), 'Bad');
    expect(() => app.synth()).toThrow(/AwsSolutions-S1/);
  });

  it('synth passes for the real platform with the plugin attached', () => {
    const app = testApp();
    buildPlatform(app, CONFIGS['default']!);
    expect(() => app.synth()).not.toThrow();
  });
});
