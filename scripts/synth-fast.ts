/**
 * Synthesizes one named configuration without Lambda bundling (templates only, for cfn-lint and quick checks):
 * `npx tsx scripts/synth-fast.ts <config> <outdir> [account]`. The real `cdk synth` bundles; CI runs that too.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { loadConfig } from '../lib/config';
import { buildPlatform } from '../lib/platform';

const [name = 'default', outdir = 'cdk.out.fast', account] = process.argv.slice(2);
const root = join(__dirname, '..');
const cdkJson = JSON.parse(readFileSync(join(root, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> };
const cdkContext = JSON.parse(readFileSync(join(root, 'cdk.context.json'), 'utf8')) as Record<string, unknown>;
const app = new App({ outdir, context: { ...cdkJson.context, ...cdkContext, 'aws:cdk:bundling-stacks': [] } });
buildPlatform(app, loadConfig(name, { account }));
app.synth();
