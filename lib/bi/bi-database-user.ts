import { CustomResource, Duration, Validations } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { grantDataApi } from '../shared/data-api';
import { logicalIdOf } from '../shared/nag';
import { PlatformFunction } from '../shared/platform-function';

export interface BiDatabaseUserProps {
  readonly clusterIdentifier: string;
  readonly clusterArn: string;
  readonly databaseName: string;
  /** The warehouse admin secret (Data API credentials of the custom resource). */
  readonly adminSecret: secretsmanager.ISecret;
  /** The key that encrypts the admin secret. */
  readonly adminSecretKey: kms.IKey;
  /** Redshift user name (lower case). */
  readonly username: string;
  /** Redshift group that carries the user's read-only privileges (BI_Report_User, sql/V020). */
  readonly group: string;
}

/**
 * The dedicated Redshift user of the QuickSight data source: a generated password in Secrets Manager (own key) and a
 * custom resource that creates the user in the BI group (or resets its password) through the Data API, and drops it
 * when the resource is removed. Privileges come only from the group.
 */
export class BiDatabaseUser extends Construct {
  readonly secret: secretsmanager.Secret;
  readonly key: kms.Key;
  readonly resource: CustomResource;

  constructor(scope: Construct, id: string, props: BiDatabaseUserProps) {
    super(scope, id);
    this.key = new kms.Key(this, 'Key', {
      description: 'Smart-factory BI: the QuickSight Redshift user secret and the user function',
      enableKeyRotation: true,
    });
    this.secret = new secretsmanager.Secret(this, 'Secret', {
      description: `Redshift ${props.username} (${props.group}) for the QuickSight data source`,
      encryptionKey: this.key,
      generateSecretString: {
        // QuickSight reads username/password from the secret (Secrets Manager integration).
        secretStringTemplate: JSON.stringify({ username: props.username }),
        generateStringKey: 'password',
        passwordLength: 32,
        excludeCharacters: `'"\\/@ \`$`,
        requireEachIncludedType: true,
      },
    });
    Validations.of(this.secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'The password is applied by the BI user custom resource (ALTER USER with an MD5 hash); rotate it by putting ' +
        'a new secret value and redeploying the BI stack (docs/bi.md). QuickSight re-reads the secret on connect.',
    });

    const fn = new PlatformFunction(this, 'Function', {
      lambdaDir: 'bi-database-user',
      serviceName: 'bi-database-user',
      description: 'Creates or updates the QuickSight Redshift user in the BI group through the Data API',
      timeout: Duration.minutes(5),
      memorySize: 256,
      key: this.key,
    });
    grantDataApi(fn, props.clusterArn, ['redshift-data:ExecuteStatement']);
    props.adminSecret.grantRead(fn);
    props.adminSecretKey.grantDecrypt(fn);
    this.secret.grantRead(fn);

    const provider = new cr.Provider(this, 'Provider', {
      onEventHandler: fn,
      logGroup: new logs.LogGroup(this, 'ProviderLogs', { retention: logs.RetentionDays.ONE_YEAR }),
    });
    Validations.of(provider).acknowledge(
      {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason: 'The custom-resource framework function of aws-cdk-lib; the managed policy grants only log writes.',
      },
      {
        id: `AwsSolutions-IAM5[Resource::<${logicalIdOf(fn)}.Arn>:*]`,
        reason:
          'The framework function may invoke only the user function (and its versions, `:*`); aws-cdk-lib ' +
          'generates this statement.',
      },
      {
        id: 'AwsSolutions-L1',
        reason: 'The custom-resource framework function runtime is chosen by aws-cdk-lib, not by this project.',
      }
    );

    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::RedshiftBiUser',
      properties: {
        ClusterIdentifier: props.clusterIdentifier,
        Database: props.databaseName,
        AdminSecretArn: props.adminSecret.secretArn,
        UserSecretArn: this.secret.secretArn,
        Group: props.group,
      },
    });
  }

  /**
   * Lets QuickSight's Secrets Manager role (created when an administrator enables the Secrets Manager integration in
   * QuickSight) read this secret and decrypt it with the secret's key.
   */
  grantReadToQuickSight(quickSightSecretsRole: iam.IRole): void {
    this.secret.grantRead(quickSightSecretsRole);
  }
}
