import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { FAKE_CREDENTIALS } from './kinesalite';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface LocalS3 {
  readonly endpoint: string;
  readonly client: S3Client;
  /** Creates a bucket (versioning off, like the state bucket). */
  createBucket(name: string): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A local S3-compatible server: moto's server mode (`python3 -m moto.server`, the pyenv python 3.11 on PATH) on
 * 127.0.0.1 and a free port, plus a real S3Client for it (path-style). The caller stops it.
 */
export async function startMotoS3(python = process.env['MOTO_PYTHON'] ?? 'python3'): Promise<LocalS3> {
  const port = await freePort();
  const proc: ChildProcess = spawn(python, ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const killOnExit = () => proc.kill('SIGTERM');
  process.once('exit', killOnExit);
  let log = '';
  proc.stderr?.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4000)));
  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`moto_server exited (${proc.exitCode}): ${log}`);
    try {
      const r = await fetch(`${endpoint}/moto-api/`);
      if (r.status < 500) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      proc.kill('SIGTERM');
      throw new Error(`moto_server did not start on ${endpoint}: ${log}`);
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  const client = new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: FAKE_CREDENTIALS,
    requestHandler: new NodeHttpHandler(),
  });
  return {
    endpoint,
    client,
    createBucket: async (name) => {
      await client.send(new CreateBucketCommand({ Bucket: name }));
    },
    stop: async () => {
      client.destroy();
      process.removeListener('exit', killOnExit);
      if (proc.exitCode !== null) return;
      await new Promise<void>((r) => {
        proc.once('exit', () => r());
        proc.kill('SIGTERM');
      });
    },
  };
}
