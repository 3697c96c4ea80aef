import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as Mqtt from 'mqtt';
import type { IClientOptions, MqttClient } from 'mqtt';
import { awsModule } from '../aws';

/** Where a device's client certificate comes from. */
export type ClientCredentials =
  | { kind: 'none' }
  /** `smart-factory provision` output: `<dir>/<device>/certificate.pem.crt` and `private.pem.key`. */
  | { kind: 'dir'; dir: string }
  /** One certificate and key for every device (a single device, or a local broker). */
  | { kind: 'files'; cert: string; key: string };

export interface MqttFleetOptions {
  /** `mqtt://host:port` or `mqtts://host:port` (AWS IoT Core: `mqtts://<iot:Data-ATS endpoint>:8883`). */
  readonly url: string;
  readonly credentials: ClientCredentials;
  /** CA bundle that signed the broker's certificate (AWS IoT: Amazon Root CA 1); default: Node's roots. */
  readonly caPath?: string;
  readonly qos: 0 | 1;
  /** Milliseconds between reconnect attempts (default 1000). */
  readonly reconnectPeriodMs?: number;
  /** Give up on a publish that has not been acknowledged after this long (default 120 s). */
  readonly publishTimeoutMs?: number;
}

export interface MqttStats {
  published: number;
  connects: number;
  reconnects: number;
  offline: number;
}

/** The topic a device publishes its telemetry to (the topic rule reads `factory/+/telemetry`). */
export function telemetryTopic(deviceId: string): string {
  return `factory/${deviceId}/telemetry`;
}

/**
 * One MQTT connection per device, client id = device id (= thing name, which the IoT policy requires), each with its
 * own client certificate. Publishes with QoS 1 by default: a publish resolves on PUBACK; mqtt.js keeps unacknowledged
 * messages in its outgoing store and re-sends them after a reconnect, so a dropped connection loses nothing
 * (at-least-once, as on AWS IoT Core).
 */
export class MqttFleet {
  readonly stats: MqttStats = { published: 0, connects: 0, reconnects: 0, offline: 0 };
  private readonly clients = new Map<string, Promise<MqttClient>>();
  private readonly ca: Buffer | undefined;

  constructor(private readonly opts: MqttFleetOptions) {
    if (!/^mqtts?:\/\/[^/]+$/.test(opts.url)) throw new Error(`MQTT URL must be mqtt://host:port or mqtts://host:port`);
    this.ca = opts.caPath === undefined ? undefined : readFileSync(opts.caPath);
  }

  private tlsFor(deviceId: string): Partial<IClientOptions> {
    const c = this.opts.credentials;
    const tls: Partial<IClientOptions> = this.ca === undefined ? {} : { ca: this.ca };
    if (c.kind === 'files') return { ...tls, cert: readFileSync(c.cert), key: readFileSync(c.key) };
    if (c.kind === 'dir') {
      const cert = join(c.dir, deviceId, 'certificate.pem.crt');
      const key = join(c.dir, deviceId, 'private.pem.key');
      for (const f of [cert, key]) {
        if (!existsSync(f))
          throw new Error(`no credentials for ${deviceId}: ${f} is missing (run smart-factory provision)`);
      }
      return { ...tls, cert: readFileSync(cert), key: readFileSync(key) };
    }
    return tls;
  }

  private client(deviceId: string): Promise<MqttClient> {
    let p = this.clients.get(deviceId);
    if (p === undefined) {
      const options: IClientOptions = {
        clientId: deviceId,
        protocolVersion: 4,
        clean: true,
        keepalive: 30,
        connectTimeout: 10_000,
        reconnectPeriod: this.opts.reconnectPeriodMs ?? 1000,
        rejectUnauthorized: true,
        ...this.tlsFor(deviceId),
      };
      p = awsModule<typeof Mqtt>('mqtt')
        .connectAsync(this.opts.url, options)
        .then((c) => {
          this.stats.connects++;
          c.on('reconnect', () => this.stats.reconnects++);
          c.on('offline', () => this.stats.offline++);
          // Errors surface through the pending publishes or the reconnect loop; keep the process alive.
          c.on('error', () => undefined);
          return c;
        });
      p.catch(() => this.clients.delete(deviceId));
      this.clients.set(deviceId, p);
    }
    return p;
  }

  /** Publishes one reading (JSON) to `factory/<device_id>/telemetry`; resolves when the broker acknowledged it. */
  async publish(deviceId: string, payload: string): Promise<void> {
    const c = await this.client(deviceId);
    const timeoutMs = this.opts.publishTimeoutMs ?? 120_000;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`publish of ${deviceId} not acknowledged within ${timeoutMs} ms`)),
        timeoutMs
      );
    });
    try {
      await Promise.race([c.publishAsync(telemetryTopic(deviceId), payload, { qos: this.opts.qos }), timeout]);
    } finally {
      clearTimeout(timer);
    }
    this.stats.published++;
  }

  /** Waits for in-flight messages, then disconnects every device. */
  async close(): Promise<void> {
    const all = await Promise.allSettled([...this.clients.values()]);
    await Promise.all(all.map((r) => (r.status === 'fulfilled' ? r.value.endAsync() : undefined)));
    this.clients.clear();
  }
}
