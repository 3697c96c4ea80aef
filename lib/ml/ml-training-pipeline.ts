import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import type * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import type { MlConfig } from '../config';
import { LakeLayout } from '../lake/lake-layout';
import { acknowledgeIam5, bucketObjectsNagIds, resourceNagId } from '../shared/nag';
import { EdgePublishSteps } from './steps/edge-publish-steps';
import { EndpointSteps } from './steps/endpoint-steps';
import { FailureNotification } from './steps/failure-notification';
import { FeatureSteps, type RunLayout } from './steps/feature-steps';
import { TrainingSteps, type TrainingVpc } from './steps/training-steps';
import { endpointName, sagemakerNamePrefix } from './ml-names';
import { xgboostImageUri } from './xgboost-image';

export interface MlTrainingPipelineProps {
  readonly ml: MlConfig;
  readonly stackPrefix: string;
  /** Curated zone: features in, model artifacts and edge models out. */
  readonly curatedBucket: s3.IBucket;
  /** The lake key (curated bucket SSE-KMS; also encrypts training volumes, model output and the endpoint). */
  readonly key: kms.IKey;
  readonly mlFeaturesJob: glue.IJob;
  readonly operationsTopic: sns.ITopic;
  readonly trainingVpc?: TrainingVpc;
}

export { hyperparameterStrings, type TrainingVpc } from './steps/training-steps';

/**
 * The training pipeline: features (Glue) → SageMaker training (built-in XGBoost 1.7-1) → validation-AUC gate → model →
 * endpoint config → create or update the live endpoint and wait until it serves the new config → publish the artifact
 * to the versioned edge prefix with a manifest and `latest.json` → notify. Every failure path notifies and fails; a
 * gate rejection notifies and fails without touching the endpoint.
 */
export class MlTrainingPipeline extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly trainingRole: iam.Role;
  readonly modelRole: iam.Role;
  readonly endpointName: string;

  constructor(scope: Construct, id: string, props: MlTrainingPipelineProps) {
    super(scope, id);
    const { ml, curatedBucket: bucket, key } = props;
    const stack = Stack.of(this);
    const names = sagemakerNamePrefix(props.stackPrefix);
    this.endpointName = endpointName(props.stackPrefix);
    const image = tasks.DockerImage.fromRegistry(xgboostImageUri(this));
    const featuresPrefix = LakeLayout.curatedMlFeatures;
    const modelsPrefix = LakeLayout.curatedMlModels;
    const edgePrefix = LakeLayout.curatedEdgeModels;
    const bucketName = bucket.bucketName;
    const sagemakerArn = (resource: string, name: string) =>
      stack.formatArn({ service: 'sagemaker', resource, resourceName: name });

    // --- Roles -----------------------------------------------------------------------------------------------------
    const sagemakerLogs = (role: iam.Role, kind: 'TrainingJobs' | 'Endpoints') => {
      role.addToPolicy(
        new iam.PolicyStatement({
          actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
          resources: [
            stack.formatArn({
              service: 'logs',
              resource: 'log-group',
              resourceName: `/aws/sagemaker/${kind}*`,
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          ],
        })
      );
      role.addToPolicy(
        new iam.PolicyStatement({
          actions: ['cloudwatch:PutMetricData'],
          resources: ['*'],
          conditions: { StringLike: { 'cloudwatch:namespace': ['/aws/sagemaker/*', 'aws/sagemaker/*'] } },
        })
      );
    };

    // Training: reads only the feature sets, writes only the model output prefix.
    this.trainingRole = new iam.Role(this, 'TrainingRole', {
      assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com'),
      description: 'SageMaker XGBoost training: reads ml/features/, writes ml/models/ of the curated bucket',
    });
    this.trainingRole.addToPolicy(
      new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [bucket.arnForObjects(`${featuresPrefix}*`)] })
    );
    this.trainingRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [bucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': [`${featuresPrefix}*`] } },
      })
    );
    this.trainingRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ['s3:PutObject', 's3:AbortMultipartUpload'],
        resources: [bucket.arnForObjects(`${modelsPrefix}*`)],
      })
    );
    key.grantDecrypt(this.trainingRole);
    sagemakerLogs(this.trainingRole, 'TrainingJobs');
    if (props.trainingVpc) {
      this.trainingRole.addToPolicy(
        new iam.PolicyStatement({
          actions: [
            'ec2:CreateNetworkInterface',
            'ec2:CreateNetworkInterfacePermission',
            'ec2:DeleteNetworkInterface',
            'ec2:DeleteNetworkInterfacePermission',
            'ec2:DescribeNetworkInterfaces',
            'ec2:DescribeVpcs',
            'ec2:DescribeDhcpOptions',
            'ec2:DescribeSubnets',
            'ec2:DescribeSecurityGroups',
          ],
          resources: ['*'],
        })
      );
    }

    // Model (endpoint): reads only the model artifacts.
    this.modelRole = new iam.Role(this, 'ModelRole', {
      assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com'),
      description: 'SageMaker XGBoost endpoint: reads ml/models/ of the curated bucket',
    });
    this.modelRole.addToPolicy(
      new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [bucket.arnForObjects(`${modelsPrefix}*`)] })
    );
    key.grantDecrypt(this.modelRole);
    sagemakerLogs(this.modelRole, 'Endpoints');

    // --- Steps (lib/ml/steps/), built from the last to the first so each knows where it goes next -------------------
    const layout: RunLayout = {
      bucketName,
      objectsArn: (pattern) => bucket.arnForObjects(pattern),
      sagemakerPrefix: names,
      featuresPrefix,
      modelsPrefix,
      edgePrefix,
    };
    const failures = new FailureNotification(this, 'Failure', { operationsTopic: props.operationsTopic });
    const publish = new EdgePublishSteps(this, 'EdgePublish', {
      layout,
      endpointName: this.endpointName,
      manifest: { classificationThreshold: ml.classificationThreshold, objective: ml.hyperparameters.objective },
      key,
      operationsTopic: props.operationsTopic,
      failures,
    });
    const endpoint = new EndpointSteps(this, 'Endpoint', {
      endpointName: this.endpointName,
      endpointArn: sagemakerArn('endpoint', this.endpointName.toLowerCase()),
      endpoint: ml,
      image,
      modelRole: this.modelRole,
      key,
      failures,
      next: publish.start,
    });
    const training = new TrainingSteps(this, 'Model', {
      layout,
      training: ml,
      image,
      trainingRole: this.trainingRole,
      key,
      trainingVpc: props.trainingVpc,
      trainingJobArnPattern: sagemakerArn('training-job', `${names}-*`),
      operationsTopic: props.operationsTopic,
      failures,
      next: endpoint.start,
    });
    const definition = new FeatureSteps(this, 'Features', {
      layout,
      mlFeaturesJob: props.mlFeaturesJob,
      failures,
      next: training.start,
    }).start;

    const logGroup = new logs.LogGroup(this, 'Logs', { retention: logs.RetentionDays.ONE_YEAR });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      comment: 'Smart-factory predictive maintenance: features, XGBoost training, AUC gate, endpoint, edge publish',
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      timeout: Duration.minutes(ml.maxTrainingMinutes + 180),
      tracingEnabled: true,
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
    });
    const smRole = this.stateMachine.role;
    // SageMaker creates grants on the lake key for training volumes, model output and the endpoint's storage.
    key.grant(smRole, 'kms:CreateGrant', 'kms:DescribeKey');
    key.grantEncryptDecrypt(smRole); // reads the features manifest, writes the edge manifest and pointer (SSE-KMS)
    props.operationsTopic.grantPublish(smRole);

    const objects = (pattern: string) => bucketObjectsNagIds(this, bucket, pattern);
    acknowledgeIam5(
      this,
      [...objects(`${featuresPrefix}*`), ...objects(`${modelsPrefix}*`), ...objects(`${edgePrefix}*`)],
      'Object-key prefixes of the curated bucket: training reads ml/features/, writes ml/models/; the endpoint reads ' +
        'ml/models/; the pipeline reads the features manifest and publishes edge/models/.'
    );
    acknowledgeIam5(
      this,
      ['Action::kms:GenerateDataKey*', 'Action::kms:ReEncrypt*'],
      'Data-key actions on the lake key only (SSE-KMS objects, encrypted training output and volumes).'
    );
    acknowledgeIam5(
      this,
      [
        resourceNagId(this, sagemakerArn('training-job', '*')),
        resourceNagId(this, sagemakerArn('training-job', `${names}-*`)),
        resourceNagId(this, sagemakerArn('model', '*')),
        resourceNagId(this, sagemakerArn('endpoint-config', '*')),
      ],
      'SageMaker names are per run (prefix ' +
        names +
        '-<uuid>); the Step Functions SageMaker integrations scope JSONPath names to <type>/*.'
    );
    acknowledgeIam5(
      this,
      [
        'Resource::*',
        ...(['TrainingJobs', 'Endpoints'] as const).map((k) =>
          resourceNagId(
            this,
            stack.formatArn({
              service: 'logs',
              resource: 'log-group',
              resourceName: `/aws/sagemaker/${k}*`,
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            })
          )
        ),
      ],
      'Resource * only for actions without resource-level permissions: X-Ray, CloudWatch Logs delivery for the state ' +
        'machine, sagemaker:ListTags, cloudwatch:PutMetricData (limited to SageMaker namespaces), ENI management in ' +
        'the optional VPC; SageMaker writes its logs to /aws/sagemaker/TrainingJobs|Endpoints log groups.'
    );
  }
}
