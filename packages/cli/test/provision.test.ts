import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import {
  CreatePolicyCommand,
  CreateThingTypeCommand,
  DescribeThingCommand,
  IoTClient,
  ListAttachedPoliciesCommand,
  ListThingPrincipalsCommand,
} from '@aws-sdk/client-iot';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { devicePolicyDocument } from '../../../lib/streaming/iot-devices';
import { MOTO_CREDENTIALS, startMoto } from '../../../test/helpers/moto';
import { UsageError } from '../src/command';
import { type ProvisionedDevice, runProvision } from '../src/commands/provision';

function io() {
  let err = '';
  const stderr = new PassThrough();
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  return { io: { stdin: new PassThrough(), stdout: new PassThrough(), stderr }, err: () => err };
}

describe('smart-factory provision against moto IoT', () => {
  let moto: Awaited<ReturnType<typeof startMoto>>;
  let iot: IoTClient;
  beforeAll(async () => {
    moto = await startMoto();
    process.env['AWS_ACCESS_KEY_ID'] = MOTO_CREDENTIALS.accessKeyId;
    process.env['AWS_SECRET_ACCESS_KEY'] = MOTO_CREDENTIALS.secretAccessKey;
    iot = new IoTClient({
      endpoint: moto.endpoint,
      region: 'us-east-1',
      credentials: MOTO_CREDENTIALS,
      requestHandler: new NodeHttpHandler(),
    });
    await iot.send(new CreateThingTypeCommand({ thingTypeName: 'Sensor' }));
    await iot.send(
      new CreatePolicyCommand({
        policyName: 'DevicePolicy',
        policyDocument: JSON.stringify(
          devicePolicyDocument({ iotArnPrefix: 'arn:aws:iot:us-east-1:123456789012', thingTypeName: 'Sensor' })
        ),
      })
    );
  });
  afterAll(async () => {
    iot?.destroy();
    await moto?.stop();
  });

  const args = (out: string, extra: string[]) => [
    '--thing-type',
    'Sensor',
    '--policy',
    'DevicePolicy',
    '--out',
    out,
    '--endpoint',
    moto.endpoint,
    '--region',
    'us-east-1',
    ...extra,
  ];

  it('creates things, keys and certificates, attaches policy and thing; a re-run keeps the certificates', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'i17-prov-')), 'certs');
    const a = io();
    expect(await runProvision(args(out, ['--devices', '3', '--factory', 'seoul-1']), a.io)).toBe(0);
    expect(a.err()).toContain('provisioned 3/3 device(s)');
    expect(statSync(out).mode & 0o777).toBe(0o700);
    const listed = readFileSync(join(out, 'devices.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as ProvisionedDevice);
    expect(listed.map((d) => d.thingName)).toEqual(['press-001', 'press-002', 'press-003']);
    for (const d of listed) {
      const dir = join(out, d.thingName);
      expect(d).toMatchObject({ clientId: d.thingName, topic: `factory/${d.thingName}/telemetry`, attached: true });
      expect(d.mqttUrl).toMatch(/^mqtts:\/\/.+:8883$/);
      expect(readFileSync(join(dir, 'certificate.pem.crt'), 'utf8')).toContain('BEGIN CERTIFICATE');
      expect(readFileSync(join(dir, 'private.pem.key'), 'utf8')).toMatch(/BEGIN (RSA )?PRIVATE KEY/);
      expect(statSync(join(dir, 'private.pem.key')).mode & 0o777).toBe(0o600);
      const thing = await iot.send(new DescribeThingCommand({ thingName: d.thingName }));
      expect(thing.thingTypeName).toBe('Sensor');
      expect(thing.attributes).toEqual({ factory: 'seoul-1' });
      const principals = await iot.send(new ListThingPrincipalsCommand({ thingName: d.thingName }));
      expect(principals.principals).toEqual([d.certificateArn]);
      const policies = await iot.send(new ListAttachedPoliciesCommand({ target: d.certificateArn }));
      expect(policies.policies?.map((p) => p.policyName)).toEqual(['DevicePolicy']);
    }
    // Re-run: same certificates (device.json is the record), nothing new created.
    const b = io();
    expect(await runProvision(args(out, ['--devices', '3', '--factory', 'seoul-1']), b.io)).toBe(0);
    expect(b.err()).toContain('(0 new certificate(s))');
    const again = readFileSync(join(out, 'devices.jsonl'), 'utf8').trim().split('\n');
    expect(again.map((l) => (JSON.parse(l) as ProvisionedDevice).certificateArn)).toEqual(
      listed.map((d) => d.certificateArn)
    );
    const principals = await iot.send(new ListThingPrincipalsCommand({ thingName: 'press-001' }));
    expect(principals.principals).toHaveLength(1);
  });

  it('refuses a thing of another type and reports it, others still provisioned', async () => {
    const out = mkdtempSync(join(tmpdir(), 'i17-prov-'));
    await iot.send(new CreateThingTypeCommand({ thingTypeName: 'Camera' }));
    const c = io();
    // the same arguments with the thing type replaced (an option given twice is a usage error)
    const base = args(out, ['--things', 'cam-1']);
    const i = base.indexOf('--thing-type');
    const camera =
      i >= 0
        ? [...base.slice(0, i), ...base.slice(i + 2), '--thing-type', 'Camera']
        : [...base, '--thing-type', 'Camera'];
    expect(await runProvision(camera, c.io)).toBe(0);
    const d = io();
    expect(await runProvision(args(out + '-2', ['--things', 'cam-1,line-7']), d.io)).toBe(1);
    expect(d.err()).toMatch(/failed cam-1: .*thing type Camera, not Sensor/);
    expect(existsSync(join(out + '-2', 'line-7', 'device.json'))).toBe(true);
    expect(existsSync(join(out + '-2', 'cam-1'))).toBe(false);
  });

  it('usage errors name the option', async () => {
    await expect(runProvision(['--policy', 'p', '--out', '/tmp/x', '--devices', '1'], io().io)).rejects.toThrow(
      /--thing-type is required/
    );
    await expect(runProvision(args('/tmp/x', ['--things', 'a b']), io().io)).rejects.toThrow(UsageError);
    await expect(runProvision(args('/tmp/x', ['--devices', '2', '--things', 'a']), io().io)).rejects.toThrow(
      /exactly one of/
    );
  });
});
