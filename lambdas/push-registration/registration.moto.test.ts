import {
  CreatePlatformApplicationCommand,
  CreateTopicCommand,
  DeleteEndpointCommand,
  GetEndpointAttributesCommand,
  GetSubscriptionAttributesCommand,
  ListEndpointsByPlatformApplicationCommand,
  ListSubscriptionsByTopicCommand,
  PublishCommand,
  SetEndpointAttributesCommand,
  SNSClient,
  SubscribeCommand,
} from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBundledHandler } from '../../test/helpers/bundle';
import { MOTO_CREDENTIALS, startMoto } from '../../test/helpers/moto';
import { type Alert, snsMessage } from '../anomaly/alerts';
import type { Registration, UrlRequest } from './core';
import { createRegistrationHandler } from './handler';

const cfg = (endpoint: string) => ({
  endpoint,
  region: 'us-east-1',
  credentials: MOTO_CREDENTIALS,
  requestHandler: new NodeHttpHandler(),
});

function request(owner: string | undefined, method: string, path: string, body?: unknown): UrlRequest {
  return {
    rawPath: path,
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    requestContext: {
      http: { method },
      requestId: 'req-1',
      authorizer: { iam: { cognitoIdentity: owner ? { identityId: owner } : null } },
    },
  };
}

const alert = (device_id: string, grade: number): Alert => ({
  alert_id: `${device_id}/2026-11-25T00:09:38.000Z/rcf-grade`,
  device_id,
  ts: '2026-11-25T00:09:38.000Z',
  score: 2.1,
  grade,
  sensor: 'temperature',
  direction: 'high',
  sensor_value: 79.2,
  sensor_unit: '°C',
  attribution: { temperature: 1.2 },
  message_ko: `[이상 감지] 설비 ${device_id}`,
  message_en: `[Anomaly] Device ${device_id}`,
});

describe('phone registration API against moto SNS', () => {
  let moto: Awaited<ReturnType<typeof startMoto>>;
  let sns: SNSClient;
  let sqs: SQSClient;
  let appArn: string;
  let topicArn: string;
  let call: ReturnType<typeof createRegistrationHandler>;
  const send = async (owner: string | undefined, method: string, path: string, body?: unknown) => {
    const r = await call(request(owner, method, path, body));
    return { status: r.statusCode, body: r.body ? (JSON.parse(r.body) as Record<string, unknown>) : undefined };
  };
  const register = async (owner: string, body: Record<string, unknown>) => {
    const r = await send(owner, 'POST', '/registrations', { platform: 'FCM', ...body });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return r.body as unknown as Registration;
  };
  const endpointArn = (id: string) => `${appArn.replace(':app/', ':endpoint/')}/${id}`;
  const endpoint = async (id: string) =>
    (await sns.send(new GetEndpointAttributesCommand({ EndpointArn: endpointArn(id) }))).Attributes!;
  const subscriptionsOf = async (id: string) =>
    ((await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn }))).Subscriptions ?? []).filter(
      (s) => s.Endpoint === endpointArn(id)
    );

  beforeAll(async () => {
    moto = await startMoto();
    sns = new SNSClient(cfg(moto.endpoint));
    sqs = new SQSClient(cfg(moto.endpoint));
    appArn = (
      await sns.send(
        new CreatePlatformApplicationCommand({
          Name: 'alerts',
          Platform: 'GCM',
          Attributes: { PlatformCredential: '{"type":"service_account"}' },
        })
      )
    ).PlatformApplicationArn!;
    topicArn = (await sns.send(new CreateTopicCommand({ Name: 'alerts' }))).TopicArn!;
    call = createRegistrationHandler(sns, { applicationArn: appArn, topicArn, maxDevicesPerUser: 3 });
  });
  afterAll(async () => {
    sns?.destroy();
    sqs?.destroy();
    await moto?.stop();
  });

  it('register: endpoint with owner, subscription with filter policy; registering again is idempotent', async () => {
    const a = await register('alice', {
      token: 'token-alice-phone-1',
      factories: ['seoul-1'],
      severities: ['critical'],
    });
    expect(a).toMatchObject({ platform: 'FCM', enabled: true, factories: ['seoul-1'], severities: ['critical'] });
    const attrs = await endpoint(a.registrationId);
    expect(attrs['Token']).toBe('token-alice-phone-1');
    expect(attrs['Enabled']).toBe('true');
    const owner = JSON.parse(attrs['CustomUserData']!) as { owner: string; subscriptionArn: string };
    expect(owner.owner).toBe('alice');
    const subs = await subscriptionsOf(a.registrationId);
    expect(subs.map((s) => s.SubscriptionArn)).toEqual([owner.subscriptionArn]);
    const sa = await sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: owner.subscriptionArn }));
    expect(JSON.parse(sa.Attributes!['FilterPolicy']!)).toEqual({ factory: ['seoul-1'], severity: ['critical'] });
    expect(sa.Attributes!['FilterPolicyScope']).toBe('MessageAttributes');
    // The app lost its stored id and registers the same token again: same endpoint, one subscription.
    const again = await register('alice', {
      token: 'token-alice-phone-1',
      factories: ['seoul-1'],
      severities: ['critical'],
    });
    expect(again.registrationId).toBe(a.registrationId);
    expect(await subscriptionsOf(a.registrationId)).toHaveLength(1);
    const listed = await sns.send(new ListEndpointsByPlatformApplicationCommand({ PlatformApplicationArn: appArn }));
    expect(listed.Endpoints!.filter((e) => e.Attributes?.['Token'] === 'token-alice-phone-1')).toHaveLength(1);
  });

  it('token change and disabled endpoint: updated and re-enabled in place; a deleted endpoint is recreated', async () => {
    const a = await register('alice', { token: 'token-alice-phone-2' });
    const changed = await register('alice', { token: 'token-alice-phone-2-new', registrationId: a.registrationId });
    expect(changed.registrationId).toBe(a.registrationId);
    expect((await endpoint(a.registrationId))['Token']).toBe('token-alice-phone-2-new');
    // SNS disables an endpoint when FCM/APNs report the token invalid; the app re-registers on its next start.
    await sns.send(
      new SetEndpointAttributesCommand({ EndpointArn: endpointArn(a.registrationId), Attributes: { Enabled: 'false' } })
    );
    const listedDisabled = (await send('alice', 'GET', '/registrations')).body!['registrations'] as Registration[];
    expect(listedDisabled.find((r) => r.registrationId === a.registrationId)?.enabled).toBe(false);
    const reenabled = await register('alice', { token: 'token-alice-phone-2-new', registrationId: a.registrationId });
    expect(reenabled.registrationId).toBe(a.registrationId);
    expect((await endpoint(a.registrationId))['Enabled']).toBe('true');
    expect(await subscriptionsOf(a.registrationId)).toHaveLength(1);
    // Deleted behind our back: a new endpoint for the same phone.
    await sns.send(new DeleteEndpointCommand({ EndpointArn: endpointArn(a.registrationId) }));
    const recreated = await register('alice', { token: 'token-alice-phone-2-new', registrationId: a.registrationId });
    expect(recreated.registrationId).not.toBe(a.registrationId);
    expect((await endpoint(recreated.registrationId))['Enabled']).toBe('true');
  });

  it('list, ownership, limits and errors', async () => {
    const mine = (await send('alice', 'GET', '/registrations')).body!['registrations'] as Registration[];
    expect(mine.length).toBe(2);
    expect(mine.find((r) => r.factories.includes('seoul-1'))).toMatchObject({
      severities: ['critical'],
      enabled: true,
    });
    expect((await send('bob', 'GET', '/registrations')).body).toEqual({ registrations: [] });
    expect((await send('bob', 'DELETE', `/registrations/${mine[0]!.registrationId}`)).status).toBe(404);
    expect(
      (
        await send('bob', 'POST', '/registrations', {
          platform: 'FCM',
          token: 'token-bob-x',
          registrationId: mine[0]!.registrationId,
        })
      ).status
    ).toBe(404);
    expect((await send(undefined, 'GET', '/registrations')).status).toBe(403);
    const bad = await send('alice', 'POST', '/registrations', { platform: 'APNS', token: 'token-alice-x' });
    expect(bad).toMatchObject({ status: 400, body: { field: 'platform' } });
    const sev = await send('alice', 'POST', '/registrations', {
      platform: 'FCM',
      token: 'token-alice-x',
      severities: ['info'],
    });
    expect(sev).toMatchObject({ status: 400, body: { field: 'severities' } });
    await register('alice', { token: 'token-alice-phone-3' });
    const over = await send('alice', 'POST', '/registrations', { platform: 'FCM', token: 'token-alice-phone-4' });
    expect(over.status).toBe(409);
  });

  it('unregister: subscription and endpoint removed; repeating it is harmless', async () => {
    const r = await register('dave', { token: 'token-dave-phone' });
    const sub = (await subscriptionsOf(r.registrationId))[0]!.SubscriptionArn!;
    expect((await send('dave', 'DELETE', `/registrations/${r.registrationId}`)).status).toBe(204);
    await expect(
      sns.send(new GetEndpointAttributesCommand({ EndpointArn: endpointArn(r.registrationId) }))
    ).rejects.toThrow();
    await expect(sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: sub }))).rejects.toThrow();
    expect((await send('dave', 'DELETE', `/registrations/${r.registrationId}`)).status).toBe(204);
    expect((await send('dave', 'GET', '/registrations')).body).toEqual({ registrations: [] });
  });

  it('filter policies route each alert (real snsMessage attributes) to the right phones only', async () => {
    const phones = {
      erin: await register('erin', { token: 'token-erin', factories: ['seoul-1'], severities: ['critical'] }),
      frank: await register('frank', { token: 'token-frank', devices: ['press-002'] }),
      grace: await register('grace', { token: 'token-grace' }),
    };
    // moto applies filter policies but records nothing for mobile endpoints, so each phone's subscription policy
    // (read back from SNS) is mirrored on an SQS queue subscribed to the same topic; its deliveries are the phone's.
    const queues: Record<string, string> = {};
    for (const [who, reg] of Object.entries(phones)) {
      const sub = (await subscriptionsOf(reg.registrationId))[0]!.SubscriptionArn!;
      const policy = (await sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: sub }))).Attributes?.[
        'FilterPolicy'
      ];
      const url = (await sqs.send(new CreateQueueCommand({ QueueName: `phone-${who}` }))).QueueUrl!;
      const qa = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }));
      await sns.send(
        new SubscribeCommand({
          TopicArn: topicArn,
          Protocol: 'sqs',
          Endpoint: qa.Attributes!['QueueArn'],
          Attributes: {
            RawMessageDelivery: 'true',
            ...(policy ? { FilterPolicy: policy, FilterPolicyScope: 'MessageAttributes' } : {}),
          },
        })
      );
      queues[who] = url;
    }
    const sent = [
      snsMessage(alert('press-001', 0.95), { factory: 'seoul-1' }), // critical
      snsMessage(alert('press-002', 0.75), { factory: 'seoul-1' }), // warning
      snsMessage(alert('press-003', 0.8), { factory: 'busan-2' }), // warning
    ];
    for (const m of sent) await sns.send(new PublishCommand({ TopicArn: topicArn, ...m }));
    const got: Record<string, string[]> = {};
    for (const [who, url] of Object.entries(queues)) {
      const r = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 })
      );
      got[who] = (r.Messages ?? []).map((m) => (JSON.parse(m.Body!) as Alert).device_id).sort();
    }
    expect(got).toEqual({ erin: ['press-001'], frank: ['press-002'], grace: ['press-001', 'press-002', 'press-003'] });
  });

  it('the bundled handler (esbuild as cdk deploys it) works from its environment variables', async () => {
    const env = {
      PLATFORM_APPLICATION_ARN: appArn,
      ALERT_TOPIC_ARN: topicArn,
      MAX_DEVICES_PER_USER: '2',
      AWS_ENDPOINT_URL: moto.endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: MOTO_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: MOTO_CREDENTIALS.secretAccessKey,
    };
    const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
    Object.assign(process.env, env);
    try {
      const mod = await loadBundledHandler<{
        handler: (e: UrlRequest, c: unknown) => Promise<{ statusCode: number; body: string }>;
      }>('push-registration');
      const ctx = {
        awsRequestId: 'r',
        functionName: 'f',
        invokedFunctionArn: 'arn',
        getRemainingTimeInMillis: () => 1000,
      };
      const reg = await mod.handler(
        request('heidi', 'POST', '/registrations', { platform: 'FCM', token: 'token-heidi' }),
        ctx
      );
      expect(reg.statusCode, reg.body).toBe(200);
      const list = await mod.handler(request('heidi', 'GET', '/registrations'), ctx);
      expect((JSON.parse(list.body) as { registrations: Registration[] }).registrations).toHaveLength(1);
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });
});
