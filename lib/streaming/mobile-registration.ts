import { Aws, CfnOutput, Duration, type RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { acknowledgeIam5, resourceNagId } from '../shared/nag';
import { PlatformFunction } from '../shared/platform-function';

export interface MobileRegistrationProps {
  /** ARN of the SNS platform application (FCM or APNs) the phones register with. */
  readonly platformApplicationArn: string;
  readonly alertTopic: sns.ITopic;
  /** Key of the function's environment and logs. */
  readonly key: kms.IKey;
  readonly maxDevicesPerUser: number;
  /** Whether the user pool survives `cdk destroy` (it holds the app users). */
  readonly removalPolicy: RemovalPolicy;
}

/**
 * The phone registration API: app users sign in to a Cognito user pool (admin-created users, MFA required); a
 * Cognito identity pool exchanges the sign-in for temporary AWS credentials of one role, which may only call this
 * API's IAM-authenticated function URL (and the inference URL, granted by the ML stack), signed with SigV4. The
 * function sees the caller's Cognito identity id and keeps each phone's owner on the SNS endpoint itself.
 */
export class MobileRegistration extends Construct {
  readonly userPool: cognito.UserPool;
  readonly userPoolClient: cognito.UserPoolClient;
  readonly identityPool: cognito.CfnIdentityPool;
  /** The role signed-in app users get; grant it what the app calls. */
  readonly appUserRole: iam.Role;
  readonly function: PlatformFunction;
  readonly url: lambda.FunctionUrl;

  constructor(scope: Construct, id: string, props: MobileRegistrationProps) {
    super(scope, id);
    this.userPool = new cognito.UserPool(this, 'AppUsers', {
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      mfa: cognito.Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      passwordPolicy: {
        minLength: 12,
        requireDigits: true,
        requireLowercase: true,
        requireUppercase: true,
        requireSymbols: true,
      },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      featurePlan: cognito.FeaturePlan.ESSENTIALS,
      removalPolicy: props.removalPolicy,
    });
    for (const id of ['AwsSolutions-COG3', 'AwsSolutions-COG8']) {
      Validations.of(this.userPool).acknowledge({
        id,
        reason:
          'Threat protection (Plus feature plan) is a per-user cost decision left to the operator; sign-in requires ' +
          'MFA and users are created by administrators only.',
      });
    }
    this.userPoolClient = this.userPool.addClient('MobileApp', {
      generateSecret: false,
      authFlows: { userSrp: true },
      preventUserExistenceErrors: true,
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.days(30),
    });
    this.identityPool = new cognito.CfnIdentityPool(this, 'AppIdentities', {
      allowUnauthenticatedIdentities: false,
      cognitoIdentityProviders: [
        {
          clientId: this.userPoolClient.userPoolClientId,
          providerName: this.userPool.userPoolProviderName,
          serverSideTokenCheck: true,
        },
      ],
    });
    this.appUserRole = new iam.Role(this, 'AppUserRole', {
      description: 'Signed-in mobile app users: call the registration and inference function URLs only',
      assumedBy: new iam.FederatedPrincipal(
        'cognito-identity.amazonaws.com',
        {
          StringEquals: { 'cognito-identity.amazonaws.com:aud': this.identityPool.ref },
          'ForAnyValue:StringLike': { 'cognito-identity.amazonaws.com:amr': 'authenticated' },
        },
        'sts:AssumeRoleWithWebIdentity'
      ),
      maxSessionDuration: Duration.hours(1),
    });
    new cognito.CfnIdentityPoolRoleAttachment(this, 'AppIdentityRoles', {
      identityPoolId: this.identityPool.ref,
      roles: { authenticated: this.appUserRole.roleArn },
    });

    const appArn = props.platformApplicationArn;
    const fn = new PlatformFunction(this, 'Function', {
      lambdaDir: 'push-registration',
      serviceName: 'push-registration',
      description: 'Phone registration for push alerts: SNS platform endpoints and filtered alert subscriptions',
      timeout: Duration.seconds(15),
      memorySize: 256,
      key: props.key,
      environment: {
        PLATFORM_APPLICATION_ARN: appArn,
        ALERT_TOPIC_ARN: props.alertTopic.topicArn,
        MAX_DEVICES_PER_USER: String(props.maxDevicesPerUser),
      },
    });
    // Endpoints of this application only: arn:…:endpoint/<PLATFORM>/<name>/<id> from arn:…:app/<PLATFORM>/<name>.
    const endpoints = `arn:${Aws.PARTITION}:sns:${Aws.REGION}:${Aws.ACCOUNT_ID}:endpoint/*`;
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['sns:CreatePlatformEndpoint', 'sns:ListEndpointsByPlatformApplication'],
        resources: [appArn],
      })
    );
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['sns:GetEndpointAttributes', 'sns:SetEndpointAttributes', 'sns:DeleteEndpoint'],
        resources: [endpoints],
      })
    );
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['sns:Subscribe'], resources: [props.alertTopic.topicArn] }));
    const subscriptions = `${props.alertTopic.topicArn}:*`;
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['sns:Unsubscribe', 'sns:GetSubscriptionAttributes', 'sns:SetSubscriptionAttributes'],
        resources: [subscriptions],
      })
    );
    acknowledgeIam5(
      fn,
      [`Resource::arn:<AWS::Partition>:sns:<AWS::Region>:<AWS::AccountId>:endpoint/*`],
      'Endpoint ARNs are created at run time (one per phone); the application ARN is known only after deployment.'
    );
    acknowledgeIam5(
      fn,
      [resourceNagId(this, subscriptions), 'Resource::*'],
      'Subscriptions of the alert topic (created per phone at run time); X-Ray has no resource-level permissions.'
    );
    this.function = fn;
    this.url = fn.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.AWS_IAM });
    fn.grantInvokeUrl(this.appUserRole);

    new CfnOutput(this, 'RegistrationUrl', {
      value: this.url.url,
      description: 'Phone registration API (SigV4, service lambda; credentials from the identity pool)',
    });
    new CfnOutput(this, 'UserPoolId', { value: this.userPool.userPoolId });
    new CfnOutput(this, 'UserPoolClientId', { value: this.userPoolClient.userPoolClientId });
    new CfnOutput(this, 'IdentityPoolId', { value: this.identityPool.ref });
  }
}
