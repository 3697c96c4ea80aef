import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';

export const MOTO_CREDENTIALS = { accessKeyId: 'AKIDLOCALTEST', secretAccessKey: 'local-test-secret' };

/** A free TCP port on 127.0.0.1 (bound to port 0, then released). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

export interface MotoServer {
  readonly endpoint: string;
  stop(): Promise<void>;
}

/**
 * moto's server (AWS-compatible S3, SNS, SQS, IoT, Step Functions, CloudFormation, …) on 127.0.0.1 for one test
 * file: the one launcher of the tests, the demo and the streaming benchmark. Started through
 * `test/helpers/moto_server.py` with the `python3` first on PATH (moto 5.2 with its server extra; elsewhere
 * `pip install 'moto[server]'`). Step Functions executions really run (moto's interpreter).
 */
export async function startMoto(): Promise<MotoServer> {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn('python3', [join(__dirname, 'moto_server.py'), String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) {
      throw new Error(`moto_server exited (${child.exitCode}); is moto[server] installed for python3?\n${stderr}`);
    }
    try {
      const r = await fetch(`${endpoint}/moto-api/`);
      if (r.ok) break;
    } catch {
      // not listening yet
    }
    if (i > 300) {
      child.kill('SIGKILL');
      throw new Error(`moto_server did not start on ${endpoint}\n${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    endpoint,
    stop: async () => {
      process.removeListener('exit', killOnExit);
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
    },
  };
}

export interface LocalS3 {
  readonly endpoint: string;
  readonly client: S3Client;
  /** Creates a bucket (versioning off, like the state bucket). */
  createBucket(name: string): Promise<void>;
  stop(): Promise<void>;
}

/** `startMoto()` with a real S3Client for it (path-style). The caller stops it. */
export async function startMotoS3(): Promise<LocalS3> {
  const moto = await startMoto();
  const client = new S3Client({
    endpoint: moto.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: MOTO_CREDENTIALS,
    requestHandler: new NodeHttpHandler(),
  });
  return {
    endpoint: moto.endpoint,
    client,
    createBucket: async (name) => {
      await client.send(new CreateBucketCommand({ Bucket: name }));
    },
    stop: async () => {
      client.destroy();
      await moto.stop();
    },
  };
}
