import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { type PlatformConfig, DEFAULT_CONFIG } from '../../lib/config';
import { buildPlatform, type Platform } from '../../lib/platform';

const cdkJson = JSON.parse(readFileSync(join(__dirname, '..', '..', 'cdk.json'), 'utf8')) as {
  context: Record<string, unknown>;
};

/**
 * An App with the feature flags of cdk.json. Lambda bundling is skipped (`aws:cdk:bundling-stacks` empty) so template
 * tests stay fast; the real bundling runs in CI's `cdk synth`.
 */
export function testApp(extraContext: Record<string, unknown> = {}): App {
  return new App({ context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [], ...extraContext } });
}

/** The whole platform for `config` (default: the embedded default), without the nag plugin attached. */
export function testPlatform(config: PlatformConfig = DEFAULT_CONFIG): { app: App; platform: Platform } {
  const app = testApp();
  const platform = buildPlatform(app, config, { nag: false });
  return { app, platform };
}

export function template(stack: Stack): Template {
  return Template.fromStack(stack);
}

/** cdk-nag AwsSolutions findings under `scope`, as "Rule@path" strings (acknowledged findings excluded). */
export function nagFindings(scope: IConstruct): string[] {
  const report = new AwsSolutionsChecks().validateScope(scope);
  return report.violations.flatMap((v) =>
    v.violatingResources.map((r) => `${v.ruleName}@${r.constructPath ?? r.resourceLogicalId}`)
  );
}
