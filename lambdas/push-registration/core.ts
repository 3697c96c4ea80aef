/**
 * Phone registration for push alerts, over SNS only (no database): the SNS platform endpoint holds the device token
 * and, in its CustomUserData, the owner (the caller's Cognito identity id) and the ARN of its subscription to the
 * alert topic; the subscription's filter policy holds the user's choice of factories, devices and severities.
 *
 * Token management follows SNS's documented pattern
 * (https://docs.aws.amazon.com/sns/latest/dg/mobile-platform-endpoint.html#mobile-platform-endpoint-sdk-examples):
 * create the endpoint idempotently (an existing endpoint with the same token is found from the error SNS returns);
 * with a known endpoint, read it: deleted -> create again; token changed or endpoint disabled -> SetEndpointAttributes
 * with the latest token and Enabled=true.
 */

export const SEVERITIES = ['warning', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];
export const PLATFORMS = ['FCM', 'APNS', 'APNS_SANDBOX'] as const;
export type Platform = (typeof PLATFORMS)[number];

/** The user's choice; an empty list means "all". */
export interface Preferences {
  readonly factories: readonly string[];
  readonly devices: readonly string[];
  readonly severities: readonly Severity[];
}

export interface RegisterRequest extends Preferences {
  readonly platform: Platform;
  readonly token: string;
  /** The id this API returned for this phone before (the app keeps it), to update instead of creating anew. */
  readonly registrationId?: string;
}

export interface Registration extends Preferences {
  readonly registrationId: string;
  readonly platform: Platform;
  readonly enabled: boolean;
}

export class RequestError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    readonly field?: string
  ) {
    super(message);
  }
}

const ID = /^[A-Za-z0-9_.:-]{1,128}$/;
/** SNS allows at most 150 value combinations per filter policy. */
export const MAX_FILTER_COMBINATIONS = 150;

function stringList(body: Record<string, unknown>, field: string, pattern: RegExp, max: number): string[] {
  const v = body[field];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new RequestError(400, `${field} must be a list of strings`, field);
  if (v.length > max) throw new RequestError(400, `${field} has ${v.length} entries; at most ${max}`, field);
  v.forEach((x, i) => {
    if (typeof x !== 'string' || !pattern.test(x)) {
      throw new RequestError(400, `${field}[${i}] ${JSON.stringify(x)} is not allowed (${pattern.source})`, field);
    }
  });
  return [...new Set(v as string[])];
}

/** Validates a POST /registrations body; errors name the field. */
export function parseRegisterRequest(text: string | undefined): RegisterRequest {
  let body: unknown;
  try {
    body = JSON.parse(text ?? '');
  } catch {
    throw new RequestError(400, 'the body must be a JSON object');
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new RequestError(400, 'the body must be a JSON object');
  }
  const b = body as Record<string, unknown>;
  const platform = b['platform'];
  if (!PLATFORMS.includes(platform as Platform)) {
    throw new RequestError(400, `platform must be one of ${PLATFORMS.join(', ')}`, 'platform');
  }
  const token = b['token'];
  if (typeof token !== 'string' || !/^[\x21-\x7e]{8,4096}$/.test(token)) {
    throw new RequestError(
      400,
      'token must be the device token from FCM or APNs (8-4096 printable characters)',
      'token'
    );
  }
  const registrationId = b['registrationId'];
  if (registrationId !== undefined && (typeof registrationId !== 'string' || !/^[0-9a-f-]{36}$/.test(registrationId))) {
    throw new RequestError(400, 'registrationId must be an id returned by this API', 'registrationId');
  }
  const severities = stringList(b, 'severities', /^(warning|critical)$/, 2) as Severity[];
  const factories = stringList(b, 'factories', ID, 20);
  const devices = stringList(b, 'devices', ID, 100);
  const combos = [factories, devices, severities].reduce((n, l) => n * Math.max(1, l.length), 1);
  if (combos > MAX_FILTER_COMBINATIONS) {
    throw new RequestError(
      400,
      `factories × devices × severities = ${combos} combinations; SNS filter policies allow ${MAX_FILTER_COMBINATIONS}`,
      'devices'
    );
  }
  return {
    platform: platform as Platform,
    token,
    factories,
    devices,
    severities,
    ...(registrationId !== undefined ? { registrationId: registrationId as string } : {}),
  };
}

/**
 * The subscription filter policy (scope MessageAttributes) of a user's choice, matching the attributes alerts carry
 * (`factory`, `device_id`, `severity`); undefined when the user wants every alert.
 */
export function filterPolicy(p: Preferences): Record<string, string[]> | undefined {
  const policy: Record<string, string[]> = {};
  if (p.factories.length > 0) policy['factory'] = [...p.factories];
  if (p.devices.length > 0) policy['device_id'] = [...p.devices];
  if (p.severities.length > 0 && p.severities.length < SEVERITIES.length) policy['severity'] = [...p.severities];
  return Object.keys(policy).length > 0 ? policy : undefined;
}

export function preferencesOf(policyJson: string | undefined): Preferences {
  const p = (policyJson ? JSON.parse(policyJson) : {}) as Record<string, string[]>;
  return {
    factories: p['factory'] ?? [],
    devices: p['device_id'] ?? [],
    severities: (p['severity'] as Severity[] | undefined) ?? [],
  };
}

/** What the endpoint's CustomUserData holds: nothing but the owner and the subscription. */
export interface EndpointOwner {
  readonly owner: string;
  readonly subscriptionArn?: string;
}

export function parseOwner(customUserData: string | undefined): EndpointOwner | undefined {
  if (!customUserData) return undefined;
  try {
    const o = JSON.parse(customUserData) as { owner?: unknown; subscriptionArn?: unknown };
    if (typeof o.owner !== 'string') return undefined;
    return { owner: o.owner, ...(typeof o.subscriptionArn === 'string' ? { subscriptionArn: o.subscriptionArn } : {}) };
  } catch {
    return undefined;
  }
}

/** The endpoint ARN SNS names in the error of a CreatePlatformEndpoint whose token already has an endpoint. */
export function existingEndpointArn(message: string): string | undefined {
  return /Endpoint (arn:[^\s]+) already exists with the same [Tt]oken/.exec(message)?.[1];
}

/** `arn:…:app/<PLATFORM>/<name>` -> the platform as the API names it. */
export function platformOfApplication(applicationArn: string): Platform {
  const p = /:app\/([A-Z_]+)\//.exec(applicationArn)?.[1];
  if (p === 'GCM') return 'FCM';
  if (p === 'APNS' || p === 'APNS_SANDBOX') return p;
  throw new Error(`not a supported platform application ARN: ${applicationArn}`);
}

/** Registration ids are the endpoint ARN's last segment (a UUID); the ARN is rebuilt from the application's. */
export function endpointArnOf(applicationArn: string, registrationId: string): string {
  return `${applicationArn.replace(':app/', ':endpoint/')}/${registrationId}`;
}

export function registrationIdOf(endpointArn: string): string {
  return endpointArn.slice(endpointArn.lastIndexOf('/') + 1);
}

/** The SNS operations the registration needs (implemented over the SDK in `sns.ts`; moto in the tests). */
export interface PushDirectory {
  createEndpoint(token: string, customUserData: string): Promise<string>;
  /** undefined when the endpoint does not exist (deleted). */
  getEndpoint(arn: string): Promise<{ token: string; enabled: boolean; customUserData?: string } | undefined>;
  setEndpoint(arn: string, attrs: { token?: string; enabled?: boolean; customUserData?: string }): Promise<void>;
  deleteEndpoint(arn: string): Promise<void>;
  listEndpoints(): AsyncIterable<{ arn: string; enabled: boolean; customUserData?: string }>;
  /** Subscribes the endpoint to the alert topic; returns the subscription ARN. */
  subscribe(endpointArn: string, policy: Record<string, string[]> | undefined): Promise<string>;
  /** undefined when the subscription does not exist. */
  getFilterPolicy(subscriptionArn: string): Promise<{ policy?: string } | undefined>;
  setFilterPolicy(subscriptionArn: string, policy: Record<string, string[]> | undefined): Promise<void>;
  unsubscribe(subscriptionArn: string): Promise<void>;
}

export interface RegistrationSettings {
  readonly applicationArn: string;
  readonly maxDevicesPerUser: number;
}

export class RegistrationService {
  constructor(
    private readonly sns: PushDirectory,
    private readonly settings: RegistrationSettings
  ) {}

  private ownerData(owner: string, subscriptionArn?: string): string {
    return JSON.stringify(subscriptionArn ? { owner, subscriptionArn } : { owner });
  }

  async list(owner: string): Promise<Registration[]> {
    const out: Registration[] = [];
    const platform = platformOfApplication(this.settings.applicationArn);
    for await (const e of this.sns.listEndpoints()) {
      const o = parseOwner(e.customUserData);
      if (o?.owner !== owner) continue;
      const sub = o.subscriptionArn ? await this.sns.getFilterPolicy(o.subscriptionArn) : undefined;
      out.push({
        registrationId: registrationIdOf(e.arn),
        platform,
        enabled: e.enabled && sub !== undefined,
        ...preferencesOf(sub?.policy),
      });
    }
    return out.sort((a, b) => a.registrationId.localeCompare(b.registrationId));
  }

  async register(owner: string, req: RegisterRequest): Promise<Registration> {
    const platform = platformOfApplication(this.settings.applicationArn);
    if (req.platform !== platform) {
      throw new RequestError(400, `this deployment sends push notifications through ${platform}`, 'platform');
    }
    let arn: string | undefined;
    let current: Awaited<ReturnType<PushDirectory['getEndpoint']>>;
    if (req.registrationId !== undefined) {
      arn = endpointArnOf(this.settings.applicationArn, req.registrationId);
      current = await this.sns.getEndpoint(arn);
      if (current === undefined)
        arn = undefined; // deleted (e.g. by SNS after the app was removed): create again
      else if (parseOwner(current.customUserData)?.owner !== owner) {
        throw new RequestError(404, 'no such registration', 'registrationId');
      }
    }
    if (arn === undefined) {
      const existing = await this.findOwned(owner);
      arn = await this.createOrFind(req.token, owner);
      current = await this.sns.getEndpoint(arn);
      if (current === undefined) throw new Error(`endpoint ${arn} vanished right after CreatePlatformEndpoint`);
      const known = existing.includes(arn);
      if (!known && existing.length >= this.settings.maxDevicesPerUser) {
        throw new RequestError(409, `at most ${this.settings.maxDevicesPerUser} phones per user; unregister one first`);
      }
    }
    const o = parseOwner(current!.customUserData);
    let subscriptionArn = o?.owner === owner ? o.subscriptionArn : undefined;
    if (o !== undefined && o.owner !== owner && o.subscriptionArn !== undefined) {
      // The same app install now signed in as another user: the previous user's alerts stop reaching this phone.
      await this.sns.unsubscribe(o.subscriptionArn);
    }
    const policy = filterPolicy(req);
    if (subscriptionArn !== undefined && (await this.sns.getFilterPolicy(subscriptionArn)) !== undefined) {
      await this.sns.setFilterPolicy(subscriptionArn, policy);
    } else {
      subscriptionArn = await this.sns.subscribe(arn, policy);
    }
    const data = this.ownerData(owner, subscriptionArn);
    if (current!.token !== req.token || !current!.enabled || current!.customUserData !== data) {
      await this.sns.setEndpoint(arn, { token: req.token, enabled: true, customUserData: data });
    }
    return {
      registrationId: registrationIdOf(arn),
      platform,
      enabled: true,
      factories: req.factories,
      devices: req.devices,
      severities: req.severities,
    };
  }

  async unregister(owner: string, registrationId: string): Promise<void> {
    if (!/^[0-9a-f-]{36}$/.test(registrationId)) throw new RequestError(404, 'no such registration');
    const arn = endpointArnOf(this.settings.applicationArn, registrationId);
    const e = await this.sns.getEndpoint(arn);
    if (e === undefined) return; // already gone: unregistering is idempotent
    const o = parseOwner(e.customUserData);
    if (o?.owner !== owner) throw new RequestError(404, 'no such registration');
    if (o.subscriptionArn !== undefined) await this.sns.unsubscribe(o.subscriptionArn);
    await this.sns.deleteEndpoint(arn);
  }

  private async findOwned(owner: string): Promise<string[]> {
    const arns: string[] = [];
    for await (const e of this.sns.listEndpoints()) if (parseOwner(e.customUserData)?.owner === owner) arns.push(e.arn);
    return arns;
  }

  private async createOrFind(token: string, owner: string): Promise<string> {
    try {
      return await this.sns.createEndpoint(token, this.ownerData(owner));
    } catch (e) {
      const arn = existingEndpointArn((e as Error).message ?? '');
      if (arn === undefined) throw e;
      return arn;
    }
  }
}

/** A Lambda function URL request (payload format 2.0), the parts this API reads. */
export interface UrlRequest {
  readonly rawPath: string;
  readonly body?: string;
  readonly isBase64Encoded?: boolean;
  readonly requestContext: {
    readonly http: { readonly method: string };
    readonly requestId?: string;
    readonly authorizer?: { readonly iam?: { readonly cognitoIdentity?: { readonly identityId?: string } | null } };
  };
}

export interface UrlResponse {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

const json = (statusCode: number, body: unknown): UrlResponse => ({
  statusCode,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

/**
 * Routes: `POST /registrations` (register or update), `GET /registrations` (the caller's phones),
 * `DELETE /registrations/<registrationId>`. The caller is the Cognito identity the function URL's IAM
 * authentication reports; a caller without one (e.g. an administrator's own IAM credentials) is refused.
 */
export async function route(service: RegistrationService, req: UrlRequest): Promise<UrlResponse> {
  const requestId = req.requestContext.requestId;
  try {
    const owner = req.requestContext.authorizer?.iam?.cognitoIdentity?.identityId;
    if (!owner) throw new RequestError(403, 'sign in through the app (Cognito identity pool credentials required)');
    const method = req.requestContext.http.method;
    const path = req.rawPath.replace(/\/+$/, '');
    if (path === '/registrations' && method === 'GET') return json(200, { registrations: await service.list(owner) });
    if (path === '/registrations' && method === 'POST') {
      const body = req.isBase64Encoded ? Buffer.from(req.body ?? '', 'base64').toString('utf8') : req.body;
      return json(200, await service.register(owner, parseRegisterRequest(body)));
    }
    const m = /^\/registrations\/([^/]+)$/.exec(path);
    if (m !== null && method === 'DELETE') {
      await service.unregister(owner, decodeURIComponent(m[1]!));
      return { statusCode: 204, headers: {}, body: '' };
    }
    throw new RequestError(404, `no route ${method} ${path}`);
  } catch (e) {
    if (e instanceof RequestError) {
      return json(e.statusCode, { error: e.message, ...(e.field ? { field: e.field } : {}), request_id: requestId });
    }
    throw e;
  }
}
