import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { EDGE_LATEST_KEY } from '../ml-names';
import { XGBOOST_IMAGE_TAG } from '../xgboost-image';
import type { FailureNotification } from './failure-notification';
import type { RunLayout } from './feature-steps';

export interface EdgePublishStepsProps {
  readonly layout: RunLayout;
  readonly endpointName: string;
  /** What the edge manifest records about the model. */
  readonly manifest: { readonly classificationThreshold: number; readonly objective: string };
  /** SSE-KMS key of the published objects. */
  readonly key: kms.IKey;
  readonly operationsTopic: sns.ITopic;
  readonly failures: FailureNotification;
}

/**
 * Step 5: the live model's `model.tar.gz` copied to the versioned edge prefix, its manifest beside it, `latest.json`
 * written last, and the success notification.
 */
export class EdgePublishSteps extends Construct {
  readonly start: sfn.IChainable;

  constructor(scope: Construct, id: string, props: EdgePublishStepsProps) {
    super(scope, id);
    const { failures } = props;
    const s3Kms = { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: props.key.keyArn };
    const copyModel = failures.catch(
      new tasks.CallAwsService(this, 'PublishEdgeModel', {
        service: 's3',
        action: 'copyObject',
        iamAction: 's3:PutObject',
        iamResources: [props.layout.objectsArn(`${props.layout.edgePrefix}*`)],
        additionalIamStatements: [
          new iam.PolicyStatement({
            actions: ['s3:GetObject'],
            resources: [props.layout.objectsArn(`${props.layout.modelsPrefix}*`)],
          }),
        ],
        parameters: {
          Bucket: props.layout.bucketName,
          Key: sfn.JsonPath.stringAt('$.run.edgeModelKey'),
          CopySource: sfn.JsonPath.format(`{}/{}`, props.layout.bucketName, sfn.JsonPath.stringAt('$.run.modelKey')),
          ...s3Kms,
        },
        resultPath: sfn.JsonPath.DISCARD,
      })
    );
    const buildManifest = new sfn.Pass(this, 'BuildEdgeManifest', {
      parameters: {
        'model_version.$': '$.run.id',
        'created_at.$': '$.run.startedAt',
        'validation_auc.$': '$.gate.auc',
        'feature_order.$': '$.features.manifest.feature_order',
        threshold: props.manifest.classificationThreshold,
        objective: props.manifest.objective,
        'training_job.$': '$.train.jobName',
        image_tag: XGBOOST_IMAGE_TAG,
        endpoint_name: props.endpointName,
        'features_run_id.$': '$.run.id',
        'model_key.$': '$.run.edgeModelKey',
      },
      resultPath: '$.edgeManifest',
    });
    const putJson = (id: string, keyValue: string, bodyPath: string) =>
      failures.catch(
        new tasks.CallAwsService(this, id, {
          service: 's3',
          action: 'putObject',
          iamAction: 's3:PutObject',
          iamResources: [props.layout.objectsArn(`${props.layout.edgePrefix}*`)],
          parameters: {
            Bucket: props.layout.bucketName,
            Key: keyValue,
            Body: sfn.JsonPath.jsonToString(sfn.JsonPath.objectAt(bodyPath)),
            ContentType: 'application/json',
            ...s3Kms,
          },
          resultPath: sfn.JsonPath.DISCARD,
        })
      );
    const writeManifest = putJson(
      'WriteEdgeManifest',
      sfn.JsonPath.stringAt('$.run.edgeManifestKey'),
      '$.edgeManifest'
    );
    const buildLatest = new sfn.Pass(this, 'BuildLatestPointer', {
      parameters: {
        'model_version.$': '$.run.id',
        'model_key.$': '$.run.edgeModelKey',
        'manifest_key.$': '$.run.edgeManifestKey',
        'created_at.$': '$.run.startedAt',
        'validation_auc.$': '$.gate.auc',
      },
      resultPath: '$.latest',
    });
    const writeLatest = putJson('WriteLatestPointer', EDGE_LATEST_KEY, '$.latest');
    const notifySuccess = failures.catch(
      new tasks.SnsPublish(this, 'NotifySuccess', {
        topic: props.operationsTopic,
        subject: 'Smart-factory ML model deployed',
        message: sfn.TaskInput.fromText(
          sfn.JsonPath.format(
            `Model {} (validation AUC {}) is live on endpoint ${props.endpointName}; edge model s3://{}/{}`,
            sfn.JsonPath.stringAt('$.run.id'),
            sfn.JsonPath.stringAt('$.gate.auc'),
            props.layout.bucketName,
            sfn.JsonPath.stringAt('$.run.edgeModelKey')
          )
        ),
        resultPath: sfn.JsonPath.DISCARD,
      })
    );
    const done = new sfn.Succeed(this, 'Deployed');

    copyModel
      .next(buildManifest)
      .next(writeManifest)
      .next(buildLatest)
      .next(writeLatest)
      .next(notifySuccess)
      .next(done);
    this.start = copyModel;
  }
}
