import { Aws, CfnOutput } from 'aws-cdk-lib';
import * as iot from 'aws-cdk-lib/aws-iot';
import { Construct } from 'constructs';

/** The IoT policy variable that holds the connecting device's thing name (set only for a certificate attached to a thing). */
export const THING_NAME_VARIABLE = '${iot:Connection.Thing.ThingName}';
/** Searchable attributes of the sensor thing type (set by `smart-factory provision`). */
export const SENSOR_THING_ATTRIBUTES = ['factory', 'line'] as const;

/** What a device's certificate policy is written against: the account's IoT ARN prefix and the sensor thing type. */
export interface DevicePolicyTarget {
  /** `arn:<partition>:iot:<region>:<account>` (tokens in a stack, literals in tests). */
  readonly iotArnPrefix: string;
  /** Thing type a device must have to connect. */
  readonly thingTypeName: string;
}

/**
 * The IoT Core policy attached to every device certificate. With policy variables one policy serves the whole fleet:
 * - `iot:Connect` only as client id = its own thing name, only when the certificate is attached to that thing
 *   (`iot:Connection.Thing.IsAttached`) and the thing is a sensor (`iot:Connection.Thing.ThingTypeName`);
 * - `iot:Publish` only to `factory/<its thing name>/telemetry` (the topic rule reads `factory/+/telemetry`).
 * No subscribe, receive, retain, shadow or jobs actions: a telemetry device only sends.
 * https://docs.aws.amazon.com/iot/latest/developerguide/thing-policy-variables.html
 */
export function devicePolicyDocument(t: DevicePolicyTarget): {
  Version: '2012-10-17';
  Statement: Record<string, unknown>[];
} {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'ConnectAsOwnThing',
        Effect: 'Allow',
        Action: 'iot:Connect',
        Resource: `${t.iotArnPrefix}:client/${THING_NAME_VARIABLE}`,
        Condition: {
          Bool: { 'iot:Connection.Thing.IsAttached': 'true' },
          StringEquals: { 'iot:Connection.Thing.ThingTypeName': t.thingTypeName },
        },
      },
      {
        Sid: 'PublishOwnTelemetry',
        Effect: 'Allow',
        Action: 'iot:Publish',
        Resource: `${t.iotArnPrefix}:topic/factory/${THING_NAME_VARIABLE}/telemetry`,
      },
    ],
  };
}

/**
 * Device onboarding into IoT Core: the sensor thing type and the one certificate policy of the fleet. Devices are
 * provisioned with `smart-factory provision` (thing, keys, certificate, policy and thing attachments), which reads the
 * two names from the stack outputs.
 */
export class IotDevices extends Construct {
  readonly thingType: iot.CfnThingType;
  readonly policy: iot.CfnPolicy;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.thingType = new iot.CfnThingType(this, 'SensorThingType', {
      thingTypeProperties: {
        thingTypeDescription: 'Smart-factory sensor device publishing factory/<thing name>/telemetry',
        searchableAttributes: [...SENSOR_THING_ATTRIBUTES],
      },
    });
    this.policy = new iot.CfnPolicy(this, 'DevicePolicy', {
      policyDocument: devicePolicyDocument({
        iotArnPrefix: `arn:${Aws.PARTITION}:iot:${Aws.REGION}:${Aws.ACCOUNT_ID}`,
        thingTypeName: this.thingType.ref,
      }),
    });
    new CfnOutput(this, 'ThingTypeName', {
      value: this.thingType.ref,
      description: 'smart-factory provision --thing-type <this>',
    });
    new CfnOutput(this, 'DevicePolicyName', {
      value: this.policy.ref,
      description: 'smart-factory provision --policy <this>',
    });
  }
}
