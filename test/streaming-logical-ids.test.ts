import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, FULL_CONFIG } from '../lib/config';
import { template, testPlatform } from './helpers/app';

/**
 * The streaming stack's resources live in constructs since issue 10; before, the stack created them inline. These are
 * the logical IDs of the templates synthesized before that split (default config, and the full config with IoT
 * devices, alert e-mails, mobile push and registration). A changed ID is a replacement on deploy: a new stream, queue,
 * topic or log group (data lost), or a new TRIM_HORIZON event-source mapping that re-reads seven days of telemetry.
 */
const STATEFUL = [
  'AWS::KMS::Key Key961B73FD',
  'AWS::Kinesis::Stream TelemetryStream9D62E5EC',
  'AWS::Logs::LogGroup AnomalyFunctionLogGroup72FA73AC',
  'AWS::Logs::LogGroup FirehoseLogs1E433B1D',
  'AWS::Logs::LogGroup WindowFunctionLogGroup0FB908F2',
  'AWS::Logs::LogStream FirehoseLogsS3Delivery29127D28',
  'AWS::SNS::Topic AlertTopic2720D535',
  'AWS::SQS::Queue AnomalyDeadLetterQueue96E4B296',
  'AWS::SQS::Queue WindowDeadLetterQueue05B28D3E',
];
const STATEFUL_TYPES = new Set(STATEFUL.map((s) => s.split(' ')[0]!));

const BEFORE_SPLIT = [
  'AlertTopic2720D535',
  'AlertTopicPolicy3376BC02',
  'AnomalyDeadLetterAlarm27E47AFF',
  'AnomalyDeadLetterQueue96E4B296',
  'AnomalyDeadLetterQueuePolicy10B39E65',
  'AnomalyErrorsAlarmFA13FEDD',
  'AnomalyFunction73C6B523',
  'AnomalyFunctionLogGroup72FA73AC',
  'AnomalyFunctionServiceRole42F28D56',
  'AnomalyFunctionServiceRoleDefaultPolicyA62BCDD0',
  'AnomalyFunctioninlinePolicyAddedToExecutionRole06FEF1524',
  'AnomalyIteratorAgeAlarmD5278706',
  'FirehoseFreshnessAlarm07F437FF',
  'FirehoseLogs1E433B1D',
  'FirehoseLogsS3Delivery29127D28',
  'FirehoseRoleAA67C190',
  'FirehoseRoleDefaultPolicyF034DFF7',
  'IotRuleRoleDefaultPolicyCCF000B9',
  'IotRuleRoleEE933CB9',
  'Key961B73FD',
  'RawDelivery',
  'StreamIteratorAgeAlarm260DF8A2',
  'TelemetryRule',
  'TelemetryStream9D62E5EC',
  'WindowDeadLetterAlarmEE7D1615',
  'WindowDeadLetterQueue05B28D3E',
  'WindowDeadLetterQueuePolicy6E5C2808',
  'WindowErrorsAlarm38A06219',
  'WindowFunction2CF2D668',
  'WindowFunctionLogGroup0FB908F2',
  'WindowFunctionServiceRoleA0B0D7C2',
  'WindowFunctionServiceRoleDefaultPolicy3A8B1E81',
  'WindowFunctioninlinePolicyAddedToExecutionRole0BE3B1FFF',
  'WindowIteratorAgeAlarm0C2265DA',
];
const DEFAULT_ONLY = [
  'IotDevicesDevicePolicy9ED089ED',
  'IotDevicesSensorThingType7CFAD4CD',
  'AnomalyFunctionKinesisEventSourceSmartFactoryStreamingTelemetryStream43E1DBA592ABBD92',
  'WindowFunctionKinesisEventSourceSmartFactoryStreamingTelemetryStream43E1DBA565914A74',
];
const FULL_ONLY = [
  'IotDevicesDevicePolicy9ED089ED',
  'IotDevicesSensorThingType7CFAD4CD',
  'AlertTopicalertsexamplecom6946C72F',
  'AnomalyFunctionKinesisEventSourceSmartFactoryFullStreamingTelemetryStream0D13A258C8C57D78',
  'WindowFunctionKinesisEventSourceSmartFactoryFullStreamingTelemetryStream0D13A25810949F6B',
  'MobilePushApplication',
  'PushPlatformFunctionD0780063',
  'PushPlatformFunctionLogGroupE8ADB178',
  'PushPlatformFunctionServiceRole03CD32A3',
  'PushPlatformFunctionServiceRoleDefaultPolicy047D16E2',
  'PushPlatformFunctioninlinePolicyAddedToExecutionRole06F9CED9C',
  'PushPlatformFunctioninlinePolicyAddedToExecutionRole1B490B413',
  'PushPlatformFunctioninlinePolicyAddedToExecutionRole2958F9E68',
  'MobileRegistrationAppIdentities32B57A62',
  'MobileRegistrationAppIdentityRoles6F59D091',
  'MobileRegistrationAppUserRole0AE6E70E',
  'MobileRegistrationAppUserRoleDefaultPolicy8366EA8F',
  'MobileRegistrationAppUsers5A0631FF',
  'MobileRegistrationAppUsersMobileAppE35B88F1',
  'MobileRegistrationFunction7ABD68D8',
  'MobileRegistrationFunctionFunctionUrl8E6F4FC3',
  'MobileRegistrationFunctionLogGroupC90F06BC',
  'MobileRegistrationFunctionServiceRole683E4816',
  'MobileRegistrationFunctioninlinePolicyAddedToExecutionRole0F0349BBE',
  'MobileRegistrationFunctioninlinePolicyAddedToExecutionRole1F078AC79',
  'MobileRegistrationFunctioninlinePolicyAddedToExecutionRole2BE10FE9B',
  'MobileRegistrationFunctioninlinePolicyAddedToExecutionRole356009E7D',
  'MobileRegistrationFunctioninlinePolicyAddedToExecutionRole485B06147',
];

function resources(config = DEFAULT_CONFIG): Record<string, { Type: string }> {
  const { platform } = testPlatform(config);
  return template(platform.streaming).toJSON()['Resources'] as Record<string, { Type: string }>;
}

describe('StreamingStack logical IDs (pinned across the construct split)', () => {
  it('keeps the logical ID of every stateful resource', () => {
    const found = Object.entries(resources())
      .filter(([, r]) => STATEFUL_TYPES.has(r.Type))
      .map(([id, r]) => `${r.Type} ${id}`)
      .sort();
    expect(found).toEqual([...STATEFUL].sort());
  });

  it('keeps the logical ID of every resource it had before the split (default config)', () => {
    expect(Object.keys(resources())).toEqual(expect.arrayContaining([...BEFORE_SPLIT, ...DEFAULT_ONLY]));
  });

  it('keeps them with every optional feature on (full config: push, registration, e-mail, IoT devices)', () => {
    expect(Object.keys(resources(FULL_CONFIG))).toEqual(expect.arrayContaining([...BEFORE_SPLIT, ...FULL_ONLY]));
  });
});
