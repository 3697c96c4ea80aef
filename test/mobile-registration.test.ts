import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type PlatformConfig } from '../lib/config';
import { nagFindings, template, testPlatform } from './helpers/app';

const PUSH_ARN = 'arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:push-AbCdEf';
const config: PlatformConfig = {
  ...DEFAULT_CONFIG,
  env: { ...DEFAULT_CONFIG.env, account: '123456789012' },
  streaming: {
    ...DEFAULT_CONFIG.streaming,
    mobilePushSecretArn: PUSH_ARN,
    mobileRegistration: { enabled: true, maxDevicesPerUser: 5 },
  },
};

describe('mobile registration (streaming.mobileRegistration.enabled)', () => {
  const { platform } = testPlatform(config);
  const t = template(platform.streaming);

  it('user pool (admin-created users, MFA), identity pool without guests, IAM function URL', () => {
    t.hasResourceProperties('AWS::Cognito::UserPool', {
      MfaConfiguration: 'ON',
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
    });
    t.hasResourceProperties('AWS::Cognito::IdentityPool', { AllowUnauthenticatedIdentities: false });
    t.hasResourceProperties('AWS::Lambda::Url', { AuthType: 'AWS_IAM' });
    t.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({ MAX_DEVICES_PER_USER: '5', PLATFORM_APPLICATION_ARN: Match.anyValue() }),
      },
    });
  });

  it('the app role can call the registration URL and the inference URL, nothing else', () => {
    const policies = Object.values(
      t.findResources('AWS::IAM::Policy', {
        Properties: { Roles: [{ Ref: Match.stringLikeRegexp('MobileRegistrationAppUserRole') }] },
      })
    ) as { Properties: { PolicyDocument: { Statement: { Action: string }[] } } }[];
    const statements = policies.flatMap((p) => p.Properties.PolicyDocument.Statement) as unknown as {
      Action: string;
      Condition: unknown;
      Resource: unknown[];
    }[];
    expect(statements.map((s) => s.Action).sort()).toEqual(['lambda:InvokeFunction', 'lambda:InvokeFunctionUrl']);
    for (const st of statements) {
      // Only through the function URLs (IAM auth), only the registration and the inference function.
      expect(st.Condition).toEqual(
        st.Action === 'lambda:InvokeFunction'
          ? { Bool: { 'lambda:InvokedViaFunctionUrl': true } }
          : { StringEquals: { 'lambda:FunctionUrlAuthType': 'AWS_IAM' } }
      );
      expect(JSON.stringify(st.Resource)).toMatch(/MobileRegistrationFunction.*ExportsOutputFnGetAttInference/);
      expect(st.Resource).toHaveLength(2);
    }
  });

  it('anomaly alerts carry the factory id', () => {
    t.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ FACTORY_ID: 'factory-1', ALERT_TOPIC_ARN: Match.anyValue() }) },
    });
  });

  it('cdk-nag: no unacknowledged findings', () => {
    expect(nagFindings(platform.streaming)).toEqual([]);
  });

  it('off by default', () => {
    expect(DEFAULT_CONFIG.streaming.mobileRegistration.enabled).toBe(false);
  });
});
