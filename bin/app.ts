#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { loadConfig } from '../lib/config';
import { buildPlatform } from '../lib/platform';

// The only place that reads CDK context or the environment.
const app = new App();
const name = (app.node.tryGetContext('config') as string | undefined) ?? 'default';
const config = loadConfig(name, {
  account: process.env.CDK_DEPLOY_ACCOUNT ?? process.env.CDK_DEFAULT_ACCOUNT,
  region: process.env.CDK_DEPLOY_REGION,
});
buildPlatform(app, config);
app.synth();
