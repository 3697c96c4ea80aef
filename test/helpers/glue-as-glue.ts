/**
 * Helpers to run the Glue jobs from a synthesized cloud assembly the way Glue runs them (test/glue/run_glue_job.py):
 * synth into a temp cdk.out, resolve a job's properties to strings, lay out the code bucket as the BucketDeployment
 * does, and serve S3 (and Secrets Manager) with moto_server on a free port.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { App } from 'aws-cdk-lib';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { DEFAULT_CONFIG, type PlatformConfig } from '../../lib/config';
import { buildPlatform } from '../../lib/platform';

const ROOT = join(__dirname, '..', '..');
export const HARNESS = join(ROOT, 'test', 'glue', 'run_glue_job.py');

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The default platform synthesized into a fresh temp cdk.out (Lambda bundling skipped: not used here). */
export function synthToTemp(config: PlatformConfig = DEFAULT_CONFIG): string {
  const cdkJson = JSON.parse(readFileSync(join(ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> };
  const outdir = mkdtempSync(join(tmpdir(), 'glue-as-glue-cdkout-'));
  const app = new App({ outdir, context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [] } });
  buildPlatform(app, config, { nag: false });
  app.synth();
  return outdir;
}

/**
 * Resolves CloudFormation values to strings as a deployment would: every `Ref`/`Fn::GetAtt`/`Fn::ImportValue`
 * becomes a stable, S3-bucket-valid name derived from what it references (`names` records them), `Fn::Join` and
 * `Fn::Sub` of pseudo parameters are evaluated.
 */
export class Resolver {
  readonly names = new Map<string, string>();
  constructor(
    readonly account = '111122223333',
    readonly region = DEFAULT_CONFIG.env.region
  ) {}

  name(of: string): string {
    // an exported role ARN (e.g. the warehouse's COPY role) resolves to an ARN, not a bare name
    if (/Role[0-9A-F]*Arn/.test(of)) return `arn:aws:iam::${this.account}:role/${this.plain(of)}`;
    return this.plain(of);
  }

  private plain(of: string): string {
    let n = this.names.get(of);
    if (!n) {
      n = `t-${createHash('sha256').update(of).digest('hex').slice(0, 20)}`;
      this.names.set(of, n);
    }
    return n;
  }

  resolve(v: Json): string {
    if (typeof v === 'string') return v;
    if (typeof v === 'number') return String(v);
    if (v['Ref'] !== undefined) {
      const pseudo: Record<string, string> = {
        'AWS::AccountId': this.account,
        'AWS::Region': this.region,
        'AWS::Partition': 'aws',
        'AWS::URLSuffix': 'amazonaws.com',
      };
      return pseudo[v['Ref']] ?? this.name(`Ref:${v['Ref']}`);
    }
    if (v['Fn::ImportValue'] !== undefined) return this.name(`Import:${this.resolve(v['Fn::ImportValue'])}`);
    if (v['Fn::GetAtt'] !== undefined) return this.name(`GetAtt:${[v['Fn::GetAtt']].flat().join('.')}`);
    if (v['Fn::Join'] !== undefined) {
      const [sep, parts] = v['Fn::Join'] as [string, Json[]];
      return parts.map((p) => this.resolve(p)).join(sep);
    }
    if (v['Fn::Sub'] !== undefined) {
      return String(v['Fn::Sub']).replace(/\$\{([^}]+)\}/g, (_m, ref: string) => this.resolve({ Ref: ref }));
    }
    throw new Error(`cannot resolve ${JSON.stringify(v)}`);
  }
}

export interface ResolvedGlueJob {
  logicalId: string;
  command: string;
  script: string;
  extraPyFiles: string[];
  defaultArguments: [string, string][];
  description: string;
}

export function template(cdkout: string, stack: string): Json {
  return JSON.parse(readFileSync(join(cdkout, `${stack}.template.json`), 'utf8'));
}

export function glueJobs(tpl: Json, r: Resolver): ResolvedGlueJob[] {
  return Object.entries(tpl['Resources'] as Record<string, Json>)
    .filter(([, res]) => res['Type'] === 'AWS::Glue::Job')
    .map(([logicalId, res]) => {
      const p = res['Properties'];
      const args = Object.entries(p['DefaultArguments'] ?? {}).map(([k, v]) => [k, r.resolve(v)] as [string, string]);
      const extra = args.find(([k]) => k === '--extra-py-files')?.[1] ?? '';
      return {
        logicalId,
        command: p['Command']['Name'],
        script: r.resolve(p['Command']['ScriptLocation']),
        extraPyFiles: extra ? extra.split(',') : [],
        defaultArguments: args,
        description: String(p['Description'] ?? ''),
      };
    });
}

/** Files a BucketDeployment puts into its destination bucket: {bucket, key, path in cdk.out}. */
export function bucketDeploymentObjects(
  cdkout: string,
  stack: string,
  tpl: Json,
  r: Resolver
): { bucket: string; key: string; path: string }[] {
  const assets = JSON.parse(readFileSync(join(cdkout, `${stack}.assets.json`), 'utf8'))['files'] as Record<
    string,
    Json
  >;
  const out: { bucket: string; key: string; path: string }[] = [];
  for (const res of Object.values(tpl['Resources'] as Record<string, Json>)) {
    if (res['Type'] !== 'Custom::CDKBucketDeployment') continue;
    const p = res['Properties'];
    const bucket = r.resolve(p['DestinationBucketName']);
    const prefix = String(p['DestinationBucketKeyPrefix'] ?? '');
    for (const key of p['SourceObjectKeys'] as string[]) {
      const asset = assets[key.replace(/\.zip$/, '')];
      if (!asset || asset['source']['packaging'] !== 'zip') throw new Error(`no zip asset ${key} in cdk.out`);
      const dir = join(cdkout, asset['source']['path']);
      for (const path of walk(dir)) out.push({ bucket, key: `${prefix}${relative(dir, path)}`, path });
    }
  }
  return out;
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** moto_server (pyenv python3) on 127.0.0.1 and a free port; `stop()` ends it. */
export async function startMoto(): Promise<{ endpoint: string; s3: S3Client; stop: () => void }> {
  const port = await freePort();
  const proc: ChildProcess = spawn('python3', ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], {
    stdio: 'ignore',
  });
  const endpoint = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      const res = await fetch(`${endpoint}/moto-api/`);
      if (res.ok || res.status < 500) break;
    } catch {
      if (i > 300 || proc.exitCode !== null) throw new Error('moto_server did not start');
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const s3 = new S3Client({
    endpoint,
    region: DEFAULT_CONFIG.env.region,
    forcePathStyle: true,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    requestHandler: new NodeHttpHandler(),
  });
  return { endpoint, s3, stop: () => proc.kill('SIGTERM') };
}

export async function createBuckets(s3: S3Client, names: Iterable<string>): Promise<void> {
  for (const b of new Set(names)) {
    await s3
      .send(
        new CreateBucketCommand({
          Bucket: b,
          CreateBucketConfiguration: { LocationConstraint: DEFAULT_CONFIG.env.region as 'ap-northeast-2' },
        })
      )
      .catch((e: Error) => {
        if (!/BucketAlready/.test(e.name)) throw e;
      });
  }
}

export async function put(s3: S3Client, bucket: string, key: string, body: string | Uint8Array): Promise<void> {
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
}

/** Runs the harness; returns exit code and output (never throws on a failed job). */
export function runHarness(
  mode: 'run' | 'imports',
  spec: Record<string, unknown>
): { status: number; stdout: string; stderr: string } {
  const dir = mkdtempSync(join(tmpdir(), 'glue-as-glue-run-'));
  const specPath = join(dir, 'spec.json');
  writeFileSync(specPath, JSON.stringify({ workdir: dir, ...spec }));
  try {
    const stdout = execFileSync('/usr/bin/python3', [HARNESS, mode, specPath], { encoding: 'utf8', stdio: 'pipe' });
    return { status: 0, stdout, stderr: '' };
  } catch (e) {
    const err = e as { status: number; stdout: string; stderr: string };
    return { status: err.status, stdout: String(err.stdout), stderr: String(err.stderr) };
  }
}
