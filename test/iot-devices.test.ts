import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type PlatformConfig } from '../lib/config';
import { devicePolicyDocument } from '../lib/streaming/iot-devices';
import { template, testPlatform } from './helpers/app';
import { evaluateIotPolicy, type IotConnection, resolveCfn } from './helpers/iot-policy';

const PREFIX = 'arn:aws:iot:ap-northeast-2:123456789012';
const TYPE = 'SmartFactorySensor-abc';
const own: IotConnection = { thingName: 'press-001', thingTypeName: TYPE };
const withIot = (enabled: boolean): PlatformConfig => ({
  ...DEFAULT_CONFIG,
  streaming: { ...DEFAULT_CONFIG.streaming, iot: { enabled } },
});

const streamingTemplate = template(testPlatform(withIot(true)).platform.streaming);

/** The device policy exactly as synthesized into the streaming template, with the pseudo parameters resolved. */
function synthesizedPolicy(): { Statement: object[] } {
  const t = streamingTemplate.toJSON() as {
    Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
  };
  const [typeId] = Object.entries(t.Resources).find(([, r]) => r.Type === 'AWS::IoT::ThingType')!;
  const policies = Object.values(t.Resources).filter((r) => r.Type === 'AWS::IoT::Policy');
  expect(policies).toHaveLength(1);
  return resolveCfn(policies[0]!.Properties['PolicyDocument'], {
    'AWS::Partition': 'aws',
    'AWS::Region': 'ap-northeast-2',
    'AWS::AccountId': '123456789012',
    [typeId]: TYPE,
  }) as ReturnType<typeof synthesizedPolicy>;
}

describe('device policy (IoT policy variables substituted)', () => {
  for (const [name, doc] of [
    ['synthesized template', synthesizedPolicy()],
    ['devicePolicyDocument', devicePolicyDocument({ iotArnPrefix: PREFIX, thingTypeName: TYPE })],
  ] as const) {
    describe(name, () => {
      const evalAs = (connection: IotConnection, action: string, resource: string) =>
        evaluateIotPolicy(doc, { action, resource, connection });

      it('a device connects as itself and publishes its own telemetry', () => {
        expect(evalAs(own, 'iot:Connect', `${PREFIX}:client/press-001`)).toBe('allow');
        expect(evalAs(own, 'iot:Publish', `${PREFIX}:topic/factory/press-001/telemetry`)).toBe('allow');
      });

      it("attack: publishing to another device's topic or another topic is denied", () => {
        expect(evalAs(own, 'iot:Publish', `${PREFIX}:topic/factory/press-002/telemetry`)).toBe('deny');
        expect(evalAs(own, 'iot:Publish', `${PREFIX}:topic/factory/press-001/commands`)).toBe('deny');
        expect(evalAs(own, 'iot:Publish', `${PREFIX}:topic/factory/+/telemetry`)).toBe('deny');
        expect(evalAs(own, 'iot:Publish', `${PREFIX}:topic/$aws/things/press-002/shadow/update`)).toBe('deny');
      });

      it('attack: connecting with another client id is denied', () => {
        // Exclusive association: the thing is the certificate's; the client id must equal it.
        expect(evalAs(own, 'iot:Connect', `${PREFIX}:client/press-002`)).toBe('deny');
        expect(evalAs(own, 'iot:Connect', `${PREFIX}:client/*`)).toBe('deny');
        // Non-exclusive association: the thing is taken from the client id, the certificate is not attached to it.
        expect(evalAs({}, 'iot:Connect', `${PREFIX}:client/press-002`)).toBe('deny');
      });

      it('attack: subscribing to # (or anything) and receiving are denied', () => {
        expect(evalAs(own, 'iot:Subscribe', `${PREFIX}:topicfilter/#`)).toBe('deny');
        expect(evalAs(own, 'iot:Subscribe', `${PREFIX}:topicfilter/factory/press-001/telemetry`)).toBe('deny');
        expect(evalAs(own, 'iot:Receive', `${PREFIX}:topic/factory/press-002/telemetry`)).toBe('deny');
      });

      it('a certificate not attached to a thing, or a thing of another type, cannot connect', () => {
        expect(evalAs({}, 'iot:Connect', `${PREFIX}:client/press-001`)).toBe('deny');
        const other = { thingName: 'press-001', thingTypeName: 'Camera' };
        expect(evalAs(other, 'iot:Connect', `${PREFIX}:client/press-001`)).toBe('deny');
      });
    });
  }

  it('the evaluator itself: wildcards and explicit deny behave as documented', () => {
    const doc = {
      Statement: [
        { Effect: 'Allow' as const, Action: 'iot:*', Resource: `${PREFIX}:topic/factory/*` },
        { Effect: 'Deny' as const, Action: 'iot:Publish', Resource: `${PREFIX}:topic/factory/x` },
      ],
    };
    const req = (resource: string) => ({ action: 'iot:Publish', resource, connection: own });
    expect(evaluateIotPolicy(doc, req(`${PREFIX}:topic/factory/a/b`))).toBe('allow');
    expect(evaluateIotPolicy(doc, req(`${PREFIX}:topic/factory/x`))).toBe('deny');
    expect(evaluateIotPolicy(doc, req(`${PREFIX}:topic/other`))).toBe('deny');
  });
});

describe('IoT devices in the streaming stack', () => {
  it('thing type with searchable attributes, outputs for `smart-factory provision`', () => {
    const t = streamingTemplate;
    t.hasResourceProperties('AWS::IoT::ThingType', {
      ThingTypeProperties: { SearchableAttributes: ['factory', 'line'] },
    });
    const outputs = Object.keys(t.toJSON().Outputs as object);
    expect(outputs.some((o) => o.includes('ThingTypeName'))).toBe(true);
    expect(outputs.some((o) => o.includes('DevicePolicyName'))).toBe(true);
  });

  it('switched off by streaming.iot.enabled = false', () => {
    const t = template(testPlatform(withIot(false)).platform.streaming);
    t.resourceCountIs('AWS::IoT::ThingType', 0);
    t.resourceCountIs('AWS::IoT::Policy', 0);
    t.resourceCountIs('AWS::IoT::TopicRule', 1);
  });
});
