import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { readFileSync } from 'node:fs';
import { Aedes } from 'aedes';
import { validateSensorReading } from '@smart-factory/schema';
import { afterEach, describe, expect, it } from 'vitest';
import { runSimulate } from '../src/commands/simulate';
import { UsageError } from '../src/command';
import { readingCount } from '../src/simulator/generator';

function io() {
  let err = '';
  const stderr = new PassThrough();
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  return { io: { stdin: new PassThrough(), stdout: new PassThrough(), stderr }, err: () => err };
}

interface Received {
  topic: string;
  payload: string;
  clientId: string;
  qos: number;
}

/** An aedes broker on 127.0.0.1 (free port), plain or TLS with required client certificates. */
async function startBroker(tls?: { key: Buffer; cert: Buffer; ca: Buffer }) {
  const broker = await Aedes.createBroker();
  const received: Received[] = [];
  const sockets = new Set<Socket>();
  const rejected: string[] = [];
  broker.on('publish', (packet, client) => {
    if (client)
      received.push({ topic: packet.topic, payload: packet.payload.toString(), clientId: client.id, qos: packet.qos });
  });
  if (tls) {
    // Like AWS IoT Core: the certificate identifies the device; the client id must be its name (the CN here).
    broker.authenticate = (client, _u, _p, done) => {
      const cn = (client.conn as unknown as TLSSocket).getPeerCertificate().subject?.CN;
      if (cn !== client.id) {
        rejected.push(`${client.id} with certificate of ${cn}`);
        const e = new Error('client id is not the certificate owner') as Error & { returnCode: number };
        e.returnCode = 5;
        return done(e, false);
      }
      done(null, true);
    };
  }
  const onConn = (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    broker.handle(s);
  };
  const server: Server = tls
    ? createTlsServer({ ...tls, requestCert: true, rejectUnauthorized: true }, onConn)
    : createServer(onConn);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    received,
    rejected,
    dropAll: () => sockets.forEach((s) => s.destroy()),
    close: () =>
      new Promise<void>((r) => {
        sockets.forEach((s) => s.destroy());
        server.close(() => broker.close(() => r()));
      }),
  };
}

function certificates(): { dir: string; ca: string } {
  const dir = mkdtempSync(join(tmpdir(), 'i17-mqtt-'));
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  ssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '1',
    '-subj',
    '/CN=test-ca'
  );
  const issue = (name: string, cn: string, ext: string) => {
    writeFileSync(join(dir, `${name}.ext`), ext);
    ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`);
    ssl(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      `${name}.pem`,
      '-days',
      '1',
      '-extfile',
      `${name}.ext`
    );
  };
  issue('server', '127.0.0.1', 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  // The provision command's folder layout: <dir>/<thing>/certificate.pem.crt + private.pem.key.
  for (const d of ['press-001', 'press-002']) {
    issue(d, d, 'extendedKeyUsage=clientAuth\n');
    execFileSync('mkdir', ['-p', join(dir, 'certs', d)]);
    execFileSync('cp', [join(dir, `${d}.pem`), join(dir, 'certs', d, 'certificate.pem.crt')]);
    execFileSync('cp', [join(dir, `${d}.key`), join(dir, 'certs', d, 'private.pem.key')]);
  }
  return { dir, ca: join(dir, 'ca.pem') };
}

const base = ['--rate', '1', '--seed', '3', '--start', '2026-11-25T00:00:00Z'];

describe('smart-factory simulate --to mqtt(s)://', () => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
    close = undefined;
  });

  it('QoS 1: every reading arrives once per device on factory/<device>/telemetry, as valid JSON', async () => {
    const b = await startBroker();
    close = b.close;
    const o = io();
    const argv = ['--devices', '3', '--duration', '40', ...base, '--fast', '--to', `mqtt://127.0.0.1:${b.port}`];
    expect(await runSimulate(argv, o.io)).toBe(0);
    expect(o.err()).toMatch(/published 120 readings of 3 device\(s\) .*QoS 1.*3 connection\(s\), 0 reconnect/);
    expect(b.received).toHaveLength(120);
    for (const m of b.received) {
      const r = validateSensorReading(JSON.parse(m.payload));
      expect(r.ok).toBe(true);
      const id = (JSON.parse(m.payload) as { device_id: string }).device_id;
      expect(m.topic).toBe(`factory/${id}/telemetry`);
      expect(m.clientId).toBe(id);
      expect(m.qos).toBe(1);
    }
    expect(new Set(b.received.map((m) => m.payload)).size).toBe(120);
  });

  it('reconnects after the broker drops every connection and loses no reading (QoS 1)', async () => {
    const b = await startBroker();
    close = b.close;
    const o = io();
    const argv = [
      '--devices',
      '2',
      '--duration',
      '6',
      ...base.slice(2),
      '--rate',
      '5',
      '--to',
      `mqtt://127.0.0.1:${b.port}`,
    ];
    const total = readingCount({ devices: 2, rate: 5, durationSeconds: 6, startMs: 0, seed: 3, faults: false });
    const run = runSimulate(argv, o.io, { mqttReconnectPeriodMs: 200 });
    // Real time: drop all connections twice while it runs.
    await new Promise((r) => setTimeout(r, 1500));
    b.dropAll();
    await new Promise((r) => setTimeout(r, 2000));
    b.dropAll();
    expect(await run).toBe(0);
    expect(o.err()).toMatch(/[1-9]\d* reconnect/);
    const distinct = new Set(b.received.map((m) => m.payload));
    expect(distinct.size).toBe(total); // at-least-once: every reading, possibly a re-sent duplicate
  });

  it('mqtts with per-device client certificates; a device cannot use another client id', async () => {
    const { dir, ca } = certificates();
    const read = (f: string) => readFileSync(join(dir, f));
    const b = await startBroker({ key: read('server.key'), cert: read('server.pem'), ca: read('ca.pem') });
    close = b.close;
    const o = io();
    const url = `mqtts://127.0.0.1:${b.port}`;
    const argv = [
      '--devices',
      '2',
      '--duration',
      '5',
      ...base,
      '--fast',
      '--to',
      url,
      '--certs',
      join(dir, 'certs'),
      '--ca',
      ca,
    ];
    expect(await runSimulate(argv, o.io)).toBe(0);
    expect(b.received).toHaveLength(10);
    expect(new Set(b.received.map((m) => m.clientId))).toEqual(new Set(['press-001', 'press-002']));
    // press-001's certificate for every device: the broker refuses press-002's connection.
    const bad = ['--devices', '2', '--duration', '1', ...base, '--fast', '--to', url, '--ca', ca];
    bad.push('--cert', join(dir, 'press-001.pem'), '--key', join(dir, 'press-001.key'));
    await expect(runSimulate(bad, io().io)).rejects.toThrow(/Not authorized|refused|Bad username|identifier/i);
    expect(b.rejected).toContain('press-002 with certificate of press-001');
    // Without a client certificate the TLS handshake itself fails.
    const none = ['--devices', '1', '--duration', '1', ...base, '--fast', '--to', url, '--ca', ca];
    await expect(runSimulate(none, io().io)).rejects.toThrow();
  });

  it('usage errors', async () => {
    await expect(
      runSimulate(['--devices', '1', '--duration', '1', ...base, '--to', 'mqtt://h:1/x'], io().io)
    ).rejects.toThrow(UsageError);
    await expect(
      runSimulate(['--devices', '1', '--duration', '1', ...base, '--to', 'mqtt://h:1', '--qos', '2'], io().io)
    ).rejects.toThrow(/--qos must be 0 or 1/);
    await expect(
      runSimulate(
        ['--devices', '1', '--duration', '1', ...base, '--to', 'mqtt://h:1', '--cert', 'a', '--key', 'b'],
        io().io
      )
    ).rejects.toThrow(/need mqtts/);
  });
});
