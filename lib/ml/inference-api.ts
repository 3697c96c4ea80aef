import { Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { LakeLayout } from '../lake/lake-layout';
import { topicAlarm } from '../operations/operations-topic';
import { acknowledgeIam5, bucketObjectsNagIds } from '../shared/nag';
import { PlatformFunction } from '../shared/platform-function';
import { StackScopedConstruct } from '../shared/stack-scoped';
import { EDGE_LATEST_KEY } from './ml-names';

export interface InferenceApiProps {
  /** The SageMaker endpoint the pipeline creates. */
  readonly endpointName: string;
  /** Curated zone: the published edge manifests (`latest.json`, feature order and threshold of the live model). */
  readonly curatedBucket: s3.IBucket;
  /** The lake key (SSE-KMS of the curated bucket). */
  readonly lakeKey: kms.IKey;
  /** How long the function caches the edge manifest. */
  readonly manifestCacheSeconds: number;
  /** Receives the alarm when the function crashes. */
  readonly operationsTopic: sns.ITopic;
}

/**
 * The authenticated inference API of the mobile app: a Lambda function URL with AWS_IAM auth mapping named sensor
 * values to the live SageMaker endpoint, and an alarm on crashes. Resources: `Inference…`, `InferenceErrors…`.
 */
export class InferenceApi extends StackScopedConstruct {
  readonly function: PlatformFunction;
  readonly url: lambda.FunctionUrl;

  constructor(scope: Construct, id: string, props: InferenceApiProps) {
    super(scope, id);
    this.function = new PlatformFunction(this.home, 'Inference', {
      lambdaDir: 'inference',
      serviceName: 'inference',
      description: 'Cylinder failure probability for the mobile app: named sensor values -> SageMaker endpoint',
      timeout: Duration.seconds(15),
      memorySize: 256,
      environment: {
        ENDPOINT_NAME: props.endpointName,
        MODEL_BUCKET: props.curatedBucket.bucketName,
        LATEST_KEY: EDGE_LATEST_KEY,
        MANIFEST_CACHE_SECONDS: String(props.manifestCacheSeconds),
      },
    });
    this.grantModelAndEndpoint(props);
    this.url = this.function.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.AWS_IAM });
    topicAlarm(this.home, 'InferenceErrors', props.operationsTopic, {
      description: 'The inference Lambda crashed (handled 4xx/5xx responses are not errors).',
      metric: this.function.metricErrors({ period: Duration.minutes(5) }),
      notifyOk: false,
    });
  }

  /** Lets an app principal (e.g. the mobile app's Cognito identity-pool role) call the URL. */
  grantInvokeUrl(grantee: iam.IGrantable): iam.Grant {
    return this.function.grantInvokeUrl(grantee);
  }

  /** Read the published edge manifests, invoke the endpoint. */
  private grantModelAndEndpoint(props: InferenceApiProps): void {
    const fn = this.function;
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetObject'],
        resources: [props.curatedBucket.arnForObjects(`${LakeLayout.curatedEdgeModels}*`)],
      })
    );
    props.lakeKey.grantDecrypt(fn);
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['sagemaker:InvokeEndpoint'],
        resources: [
          Stack.of(this).formatArn({
            service: 'sagemaker',
            resource: 'endpoint',
            resourceName: props.endpointName.toLowerCase(),
          }),
        ],
      })
    );
    acknowledgeIam5(
      fn,
      bucketObjectsNagIds(fn, props.curatedBucket, `${LakeLayout.curatedEdgeModels}*`),
      'The inference Lambda reads only the published edge manifests (edge/models/ of the curated bucket).'
    );
    acknowledgeIam5(
      fn,
      ['Resource::*'],
      'X-Ray PutTraceSegments/PutTelemetryRecords have no resource-level permissions.'
    );
  }
}
