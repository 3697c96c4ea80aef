#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { ConfigError, type ConfigOverrides, loadConfig } from '../lib/config';
import { buildPlatform } from '../lib/platform';

// The only place that reads CDK context, the environment or files outside the code.
const app = new App();
const name = (app.node.tryGetContext('config') as string | undefined) ?? 'default';

/**
 * Per-account values without editing lib/config/configs.ts: `-c configFile=<path>` (a JSON partial configuration,
 * e.g. the e-mail lists) and `-c configOverrides=<json>` (the same inline, or an object in cdk.context.json); the file
 * first, then the inline values.
 */
function overrideLayers(): ConfigOverrides[] {
  const layers: ConfigOverrides[] = [];
  const file = app.node.tryGetContext('configFile') as string | undefined;
  if (file !== undefined) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new ConfigError(name, [`configFile: cannot read "${file}": ${(e as Error).message}`]);
    }
    try {
      layers.push({ source: file, values: JSON.parse(text) as unknown });
    } catch (e) {
      throw new ConfigError(name, [`configFile: "${file}" is not valid JSON: ${(e as Error).message}`]);
    }
  }
  const inline = app.node.tryGetContext('configOverrides') as unknown;
  if (inline !== undefined) {
    try {
      const values = typeof inline === 'string' ? (JSON.parse(inline) as unknown) : inline;
      layers.push({ source: 'context configOverrides', values });
    } catch (e) {
      throw new ConfigError(name, [`configOverrides: not valid JSON: ${(e as Error).message}`]);
    }
  }
  return layers;
}

try {
  const config = loadConfig(name, {
    account: process.env.CDK_DEPLOY_ACCOUNT,
    region: process.env.CDK_DEPLOY_REGION,
    defaultAccount: process.env.CDK_DEFAULT_ACCOUNT,
    overrides: overrideLayers(),
  });
  buildPlatform(app, config);
} catch (e) {
  // A configuration mistake is the user's to fix: print the list of problems once, without a Node stack trace.
  if (!(e instanceof ConfigError)) throw e;
  process.stderr.write(`${e.message}\n`);
  process.exit(1);
}
app.synth();
