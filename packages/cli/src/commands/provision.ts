import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { IoTClient } from '@aws-sdk/client-iot';
import { httpHandlerSdk, iotSdk } from '../aws';
import { type Command, type CommandIO, UsageError, parseOptions } from '../command';

const usage = `Usage: smart-factory provision --thing-type <name> --policy <name> --out <dir>
                                (--devices N | --things a,b,c | --things-file <path>)
                                [--factory F] [--line L] [--concurrency C] [--endpoint URL] [--region R]

Onboards devices into AWS IoT Core: per device a thing of the sensor thing type, a new key pair and an active
certificate, the fleet's device policy on the certificate, and the certificate attached to the thing (exclusively).
Writes per device <dir>/<thing>/certificate.pem.crt, private.pem.key (mode 0600) and device.json (thing name =
MQTT client id, telemetry topic, data endpoint), and <dir>/devices.jsonl. Re-running is safe: a device whose
device.json exists keeps its certificate and only gets its attachments re-applied.

  --thing-type    the streaming stack output ThingTypeName
  --policy        the streaming stack output DevicePolicyName
  --out           folder for the credentials (created with mode 0700; keep it off shared disks)
  --devices N     things press-001 ... press-N (the simulator's names)
  --things        comma-separated thing names
  --things-file   one thing name per line
  --factory/line  thing attributes (searchable; usable in IoT policies and fleet indexing)
  --concurrency   devices provisioned in parallel (default 4; the SDK retries throttling)
  --endpoint URL  IoT control-plane endpoint (tests); --region defaults to the SDK's region chain`;

const THING_NAME = /^[a-zA-Z0-9:_-]{1,128}$/;
const ATTRIBUTE = /^[a-zA-Z0-9_.,@/:#=[\]-]{0,800}$/;

/** What `smart-factory provision` writes per device (device.json); `simulate --certs` reads it. */
export interface ProvisionedDevice {
  readonly thingName: string;
  readonly clientId: string;
  readonly topic: string;
  readonly certificateId: string;
  readonly certificateArn: string;
  readonly dataEndpoint: string;
  readonly mqttUrl: string;
  readonly attached: boolean;
}

export interface IotSendClient {
  send(command: unknown): Promise<unknown>;
}

export function iotClient(endpoint: string | undefined, region: string | undefined): IoTClient {
  return new (iotSdk().IoTClient)({
    requestHandler: new (httpHandlerSdk().NodeHttpHandler)(),
    maxAttempts: 8,
    ...(endpoint !== undefined ? { endpoint, region: region ?? process.env['AWS_REGION'] ?? 'us-east-1' } : {}),
    ...(endpoint === undefined && region !== undefined ? { region } : {}),
  });
}

function thingNames(values: { devices?: string; things?: string; 'things-file'?: string }): string[] {
  const given = [values.devices, values.things, values['things-file']].filter((v) => v !== undefined);
  if (given.length !== 1) throw new UsageError('give exactly one of --devices, --things, --things-file');
  let names: string[];
  if (values.devices !== undefined) {
    const n = Number(values.devices);
    if (!Number.isInteger(n) || n < 1 || n > 100_000) throw new UsageError('--devices must be a whole number ≥ 1');
    names = Array.from({ length: n }, (_, i) => `press-${String(i + 1).padStart(3, '0')}`);
  } else if (values.things !== undefined) {
    names = values.things.split(',').map((s) => s.trim());
  } else {
    const path = values['things-file']!;
    if (!existsSync(path)) throw new UsageError(`--things-file ${path} does not exist`);
    names = readFileSync(path, 'utf8')
      .split('\n')
      .map((s) => s.trim())
      .filter((s) => s !== '' && !s.startsWith('#'));
  }
  names.forEach((n, i) => {
    if (!THING_NAME.test(n)) throw new UsageError(`thing name #${i + 1} "${n}" must match [a-zA-Z0-9:_-]{1,128}`);
  });
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup !== undefined) throw new UsageError(`thing name "${dup}" is listed twice`);
  if (names.length === 0) throw new UsageError('no thing names given');
  return names;
}

function writeAtomic(path: string, text: string, mode: number): void {
  writeFileSync(`${path}.tmp`, text, { mode });
  chmodSync(`${path}.tmp`, mode);
  renameSync(`${path}.tmp`, path);
}

export interface ProvisionSettings {
  readonly thingType: string;
  readonly policy: string;
  readonly out: string;
  readonly attributes: Record<string, string>;
  readonly dataEndpoint: string;
}

/** Provisions one device (idempotent per folder); returns what was written to its device.json. */
export async function provisionDevice(
  iot: IotSendClient,
  thingName: string,
  s: ProvisionSettings
): Promise<{ device: ProvisionedDevice; created: boolean }> {
  const dir = join(s.out, thingName);
  const manifest = join(dir, 'device.json');
  let device: ProvisionedDevice;
  let created = false;
  if (existsSync(manifest)) {
    device = JSON.parse(readFileSync(manifest, 'utf8')) as ProvisionedDevice;
  } else {
    // An existing thing of another type is never taken over (checked first: CreateThing may not refuse it).
    let existingType: string | undefined | null = null;
    try {
      const d = (await iot.send(new (iotSdk().DescribeThingCommand)({ thingName }))) as { thingTypeName?: string };
      existingType = d.thingTypeName;
    } catch (e) {
      if ((e as { name?: string }).name !== 'ResourceNotFoundException') throw e;
    }
    if (existingType !== null && existingType !== s.thingType) {
      throw new Error(`thing ${thingName} exists with thing type ${existingType ?? '(none)'}, not ${s.thingType}`);
    }
    if (existingType === null) {
      await iot.send(
        new (iotSdk().CreateThingCommand)({
          thingName,
          thingTypeName: s.thingType,
          attributePayload: { attributes: s.attributes },
        })
      );
    }
    const cert = (await iot.send(new (iotSdk().CreateKeysAndCertificateCommand)({ setAsActive: true }))) as {
      certificateArn?: string;
      certificateId?: string;
      certificatePem?: string;
      keyPair?: { PrivateKey?: string; PublicKey?: string };
    };
    if (!cert.certificateArn || !cert.certificateId || !cert.certificatePem || !cert.keyPair?.PrivateKey) {
      throw new Error(`CreateKeysAndCertificate returned no certificate or key for ${thingName}`);
    }
    // The private key exists only in this response: write it before anything else can fail.
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeAtomic(join(dir, 'private.pem.key'), cert.keyPair.PrivateKey, 0o600);
    writeAtomic(join(dir, 'certificate.pem.crt'), cert.certificatePem, 0o644);
    device = {
      thingName,
      clientId: thingName,
      topic: `factory/${thingName}/telemetry`,
      certificateId: cert.certificateId,
      certificateArn: cert.certificateArn,
      dataEndpoint: s.dataEndpoint,
      mqttUrl: `mqtts://${s.dataEndpoint}:8883`,
      attached: false,
    };
    writeAtomic(manifest, JSON.stringify(device, null, 2) + '\n', 0o644);
    created = true;
  }
  await iot.send(new (iotSdk().AttachPolicyCommand)({ policyName: s.policy, target: device.certificateArn }));
  await iot.send(
    new (iotSdk().AttachThingPrincipalCommand)({
      thingName,
      principal: device.certificateArn,
      thingPrincipalType: 'EXCLUSIVE_THING',
    })
  );
  if (!device.attached) {
    device = { ...device, attached: true };
    writeAtomic(manifest, JSON.stringify(device, null, 2) + '\n', 0o644);
  }
  return { device, created };
}

export interface ProvisionDeps {
  readonly iotClient?: (endpoint: string | undefined, region: string | undefined) => IotSendClient;
}

export async function runProvision(argv: readonly string[], io: CommandIO, deps: ProvisionDeps = {}): Promise<number> {
  const values = parseOptions(argv, {
    'thing-type': { type: 'string' },
    policy: { type: 'string' },
    out: { type: 'string' },
    devices: { type: 'string' },
    things: { type: 'string' },
    'things-file': { type: 'string' },
    factory: { type: 'string' },
    line: { type: 'string' },
    concurrency: { type: 'string', default: '4' },
    endpoint: { type: 'string' },
    region: { type: 'string' },
  });
  for (const k of ['thing-type', 'policy', 'out'] as const) {
    if (values[k] === undefined) throw new UsageError(`--${k} is required`);
  }
  const names = thingNames(values);
  const attributes: Record<string, string> = {};
  for (const k of ['factory', 'line'] as const) {
    const v = values[k];
    if (v === undefined) continue;
    if (!ATTRIBUTE.test(v)) throw new UsageError(`--${k} "${v}" has characters IoT attributes do not allow`);
    attributes[k] = v;
  }
  const concurrency = Number(values.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 32) {
    throw new UsageError('--concurrency must be a whole number from 1 to 32');
  }
  const out = values.out!;
  mkdirSync(out, { recursive: true, mode: 0o700 });
  const iot = (deps.iotClient ?? iotClient)(values.endpoint, values.region);
  const ep = (await iot.send(new (iotSdk().DescribeEndpointCommand)({ endpointType: 'iot:Data-ATS' }))) as {
    endpointAddress?: string;
  };
  if (!ep.endpointAddress) throw new Error('DescribeEndpoint returned no iot:Data-ATS address');
  const settings: ProvisionSettings = {
    thingType: values['thing-type']!,
    policy: values.policy!,
    out,
    attributes,
    dataEndpoint: ep.endpointAddress,
  };

  const results: ProvisionedDevice[] = new Array<ProvisionedDevice>(names.length);
  const failures: string[] = [];
  let created = 0;
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < names.length; i = next++) {
      try {
        const r = await provisionDevice(iot, names[i]!, settings);
        results[i] = r.device;
        if (r.created) created++;
      } catch (e) {
        failures.push(`${names[i]}: ${(e as Error).name}: ${(e as Error).message}`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, names.length) }, worker));
  const ok = results.filter((r) => r !== undefined);
  writeAtomic(join(out, 'devices.jsonl'), ok.map((d) => JSON.stringify(d)).join('\n') + (ok.length ? '\n' : ''), 0o644);
  io.stderr.write(
    `provisioned ${ok.length}/${names.length} device(s) into ${out} (${created} new certificate(s)); ` +
      `data endpoint ${settings.dataEndpoint}. Devices also need the Amazon Root CA 1 ` +
      `(https://www.amazontrust.com/repository/AmazonRootCA1.pem).\n`
  );
  for (const f of failures) io.stderr.write(`failed ${f}\n`);
  return failures.length === 0 ? 0 : 1;
}

export const provisionCommand: Command = {
  name: 'provision',
  summary: 'onboard devices into IoT Core: thing, keys, certificate, policy; credentials written to a folder',
  usage,
  run: (argv, io) => runProvision(argv, io),
};
