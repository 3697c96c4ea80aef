import { Aws, CustomResource, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { resourceNagId } from '../shared/nag';
import { PlatformFunction } from '../shared/platform-function';
import { acknowledgeGrantWildcards } from './lake-grants';

export interface MobilePushProps {
  /** Secrets Manager secret with the FCM or APNs credentials (`streaming.mobilePushSecretArn`). */
  readonly secretArn: string;
  /** The streaming key: function environment and logs. */
  readonly key: kms.IKey;
}

/**
 * The SNS mobile-push platform application of the alerts. SNS has no CloudFormation resource for platform
 * applications: a custom resource (our own function, answering CloudFormation directly) reads the FCM/APNs
 * credentials from Secrets Manager and creates/updates/deletes the application. Phones register as endpoints of it
 * (`MobileRegistration`) and are subscribed to the alert topic.
 */
export class MobilePush extends Construct {
  /** ARN of the platform application; also a stack export, for app back ends in other stacks. */
  readonly platformApplicationArn: string;

  constructor(scope: Construct, id: string, props: MobilePushProps) {
    super(scope, id);
    const fn = this.createProviderFunction(props);
    const app = new CustomResource(this, 'MobilePushApplication', {
      serviceToken: fn.functionArn,
      resourceType: 'Custom::SnsPlatformApplication',
      properties: { SecretArn: props.secretArn, Name: `${Stack.of(this).stackName}-alerts` },
    });
    Stack.of(this).exportValue(app.getAttString('PlatformApplicationArn'));
    this.platformApplicationArn = app.getAttString('PlatformApplicationArn');
  }

  private createProviderFunction(props: MobilePushProps): PlatformFunction {
    const secret = secretsmanager.Secret.fromSecretCompleteArn(this, 'MobilePushSecret', props.secretArn);
    const fn = new PlatformFunction(this, 'PushPlatformFunction', {
      lambdaDir: 'push-platform',
      serviceName: 'push-platform',
      description: 'Custom resource: SNS mobile-push platform application from a Secrets Manager secret',
      timeout: Duration.minutes(2),
      memorySize: 256,
      key: props.key,
    });
    secret.grantRead(fn);
    const platformApps = `arn:${Aws.PARTITION}:sns:${Aws.REGION}:${Aws.ACCOUNT_ID}:app/*`;
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['sns:CreatePlatformApplication'], resources: ['*'] }));
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['sns:SetPlatformApplicationAttributes', 'sns:DeletePlatformApplication'],
        resources: [platformApps],
      })
    );
    Validations.of(fn).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'sns:CreatePlatformApplication has no resource-level permissions (the ARN does not exist before).',
    });
    Validations.of(fn).acknowledge({
      id: `AwsSolutions-IAM5[${resourceNagId(this, platformApps)}]`,
      reason: 'The platform application ARN is created by the call; its name is known only at run time.',
    });
    acknowledgeGrantWildcards(fn);
    return fn;
  }
}
