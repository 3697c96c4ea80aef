import { describe, expect, it } from 'vitest';
import {
  endpointArnOf,
  existingEndpointArn,
  filterPolicy,
  parseRegisterRequest,
  platformOfApplication,
  preferencesOf,
  registrationIdOf,
  RequestError,
} from './core';

describe('registration core', () => {
  it('parses and validates a registration, naming the field', () => {
    const r = parseRegisterRequest(
      JSON.stringify({
        platform: 'FCM',
        token: 'abcdefgh123',
        devices: ['press-001', 'press-001'],
        severities: ['critical'],
      })
    );
    expect(r).toEqual({
      platform: 'FCM',
      token: 'abcdefgh123',
      factories: [],
      devices: ['press-001'],
      severities: ['critical'],
    });
    const err = (body: unknown) => {
      try {
        parseRegisterRequest(JSON.stringify(body));
      } catch (e) {
        return (e as RequestError).field ?? (e as Error).message;
      }
      return 'no error';
    };
    expect(err({ platform: 'SMS', token: 'abcdefgh' })).toBe('platform');
    expect(err({ platform: 'FCM', token: 'short' })).toBe('token');
    expect(err({ platform: 'FCM', token: 'abcdefgh', devices: 'press-001' })).toBe('devices');
    expect(err({ platform: 'FCM', token: 'abcdefgh', registrationId: '../x' })).toBe('registrationId');
    const many = Array.from({ length: 80 }, (_, i) => `d-${i}`);
    expect(err({ platform: 'FCM', token: 'abcdefgh', devices: many, factories: ['a', 'b'] })).toBe('devices');
    expect(() => parseRegisterRequest('not json')).toThrow(RequestError);
  });

  it('filter policy from preferences and back; "all" means no policy', () => {
    const p = { factories: ['seoul-1'], devices: [], severities: ['critical' as const] };
    expect(filterPolicy(p)).toEqual({ factory: ['seoul-1'], severity: ['critical'] });
    expect(preferencesOf(JSON.stringify(filterPolicy(p)))).toEqual(p);
    expect(filterPolicy({ factories: [], devices: [], severities: ['warning', 'critical'] })).toBeUndefined();
  });

  it('ARNs', () => {
    const app = 'arn:aws:sns:ap-northeast-2:123456789012:app/GCM/alerts';
    const id = '0b3c7d7e-5f0e-4c55-9b51-3c1a2f0e9a11';
    expect(endpointArnOf(app, id)).toBe(`arn:aws:sns:ap-northeast-2:123456789012:endpoint/GCM/alerts/${id}`);
    expect(registrationIdOf(endpointArnOf(app, id))).toBe(id);
    expect(platformOfApplication(app)).toBe('FCM');
    expect(
      existingEndpointArn(
        `Invalid parameter: Token Reason: Endpoint ${endpointArnOf(app, id)} already exists with the same Token, but different attributes.`
      )
    ).toBe(endpointArnOf(app, id));
  });
});
