import { ArnFormat, Duration, Size, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
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
import { EDGE_LATEST_KEY, endpointName, sagemakerNamePrefix } from './ml-names';
import { XGBOOST_IMAGE_TAG, xgboostImageUri } from './xgboost-image';

/** Optional VPC for the training job (default: no VPC, SageMaker-managed network). */
export interface TrainingVpc {
  readonly vpc: ec2.IVpc;
  /** @default the VPC's private subnets */
  readonly subnets?: ec2.SubnetSelection;
}

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

/**
 * An S3 location (URI or JSONPath) whose IAM this construct grants explicitly and narrowly: CDK's own locations grant
 * on `*` for JSONPath URIs, and `fromBucket` grants more than PutObject on the output prefix.
 */
class ExplicitS3Location extends tasks.S3Location {
  constructor(private readonly uri: string) {
    super();
  }
  static at(path: string): ExplicitS3Location {
    return new ExplicitS3Location(sfn.JsonPath.stringAt(path));
  }
  bind(): tasks.S3LocationConfig {
    return { uri: this.uri };
  }
}

/** Hyperparameters as SageMaker's API wants them: map<string,string>. */
export function hyperparameterStrings(h: MlConfig['hyperparameters']): Record<string, string> {
  return Object.fromEntries(Object.entries(h).map(([k, v]) => [k, String(v)]));
}

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

    // --- States ----------------------------------------------------------------------------------------------------
    const notifyFailure = new tasks.SnsPublish(this, 'NotifyFailure', {
      topic: props.operationsTopic,
      subject: 'Smart-factory ML pipeline failed',
      message: sfn.TaskInput.fromText(
        sfn.JsonPath.format(
          'The ML training pipeline (execution {}) failed: {}: {}',
          sfn.JsonPath.stringAt('$$.Execution.Name'),
          sfn.JsonPath.stringAt('$.error.Error'),
          sfn.JsonPath.stringAt('$.error.Cause')
        )
      ),
      resultPath: sfn.JsonPath.DISCARD,
    });
    const failed = new sfn.Fail(this, 'PipelineFailed', { errorPath: '$.error.Error', causePath: '$.error.Cause' });
    notifyFailure.addCatch(failed, { resultPath: sfn.JsonPath.DISCARD });
    notifyFailure.next(failed);
    const onError = <T extends sfn.TaskStateBase>(task: T): T => {
      task.addCatch(notifyFailure, { resultPath: '$.error' });
      return task;
    };

    const newRun = new sfn.Pass(this, 'NewRun', {
      parameters: { 'id.$': 'States.UUID()', 'startedAt.$': '$$.Execution.StartTime' },
      resultPath: '$.run',
    });
    const fmt = (template: string) => `States.Format('${template}', $.run.id)`;
    const runNames = new sfn.Pass(this, 'RunNames', {
      parameters: {
        'id.$': '$.run.id',
        'startedAt.$': '$.run.startedAt',
        'jobName.$': fmt(`${names}-{}`),
        featuresPrefix: sfn.JsonPath.format(
          `s3://{}/${featuresPrefix}run={}/`,
          bucketName,
          sfn.JsonPath.stringAt('$.run.id')
        ),
        trainUri: sfn.JsonPath.format(
          `s3://{}/${featuresPrefix}run={}/train/`,
          bucketName,
          sfn.JsonPath.stringAt('$.run.id')
        ),
        validationUri: sfn.JsonPath.format(
          `s3://{}/${featuresPrefix}run={}/validation/`,
          bucketName,
          sfn.JsonPath.stringAt('$.run.id')
        ),
        'featuresManifestKey.$': fmt(`${featuresPrefix}run={}/manifest.json`),
        'modelKey.$': fmt(`${modelsPrefix}${names}-{}/output/model.tar.gz`),
        'edgeModelKey.$': fmt(`${edgePrefix}v={}/model.tar.gz`),
        'edgeManifestKey.$': fmt(`${edgePrefix}v={}/manifest.json`),
      },
      resultPath: '$.run',
    });

    const buildFeatures = onError(
      new tasks.GlueStartJobRun(this, 'BuildFeatures', {
        glueJobName: props.mlFeaturesJob.jobName,
        integrationPattern: sfn.IntegrationPattern.RUN_JOB,
        arguments: sfn.TaskInput.fromObject({
          '--run_id': sfn.JsonPath.stringAt('$.run.id'),
          '--output_prefix': sfn.JsonPath.stringAt('$.run.featuresPrefix'),
        }),
        resultPath: sfn.JsonPath.DISCARD,
      })
    );

    const readFeatures = onError(
      new tasks.CallAwsService(this, 'ReadFeaturesManifest', {
        service: 's3',
        action: 'getObject',
        iamAction: 's3:GetObject',
        iamResources: [bucket.arnForObjects(`${featuresPrefix}*`)],
        parameters: { Bucket: bucketName, Key: sfn.JsonPath.stringAt('$.run.featuresManifestKey') },
        resultSelector: { 'manifest.$': 'States.StringToJson($.Body)' },
        resultPath: '$.features',
      })
    );
    const badFeatures = new sfn.Pass(this, 'FeaturesManifestInvalid', {
      parameters: {
        Error: 'FeaturesManifestInvalid',
        Cause:
          'the features manifest lacks feature_order, train_positives or validation_positives (see CONTRACTS: ml_features output)',
      },
      resultPath: '$.error',
    }).next(notifyFailure);
    // ml_features already refuses a single-class split; this guards the contract at the consumer too (AUC is undefined
    // on one class: XGBoost would log validation-auc:nan).
    const singleClass = new sfn.Pass(this, 'FeaturesSingleClass', {
      parameters: {
        Error: 'FeaturesSingleClass',
        'Cause.$':
          "States.Format('a split has no failures (train_positives {}, validation_positives {}); validation AUC would be undefined', $.features.manifest.train_positives, $.features.manifest.validation_positives)",
      },
      resultPath: '$.error',
    }).next(notifyFailure);

    const train = onError(
      new tasks.SageMakerCreateTrainingJob(this, 'Train', {
        integrationPattern: sfn.IntegrationPattern.RUN_JOB,
        trainingJobName: sfn.JsonPath.stringAt('$.run.jobName'),
        role: this.trainingRole,
        algorithmSpecification: { trainingImage: image, trainingInputMode: tasks.InputMode.FILE },
        hyperparameters: hyperparameterStrings(ml.hyperparameters),
        inputDataConfig: (['train', 'validation'] as const).map((channel) => ({
          channelName: channel,
          contentType: 'text/csv',
          compressionType: tasks.CompressionType.NONE,
          dataSource: {
            s3DataSource: {
              s3DataType: tasks.S3DataType.S3_PREFIX,
              s3DataDistributionType: tasks.S3DataDistributionType.FULLY_REPLICATED,
              s3Location: ExplicitS3Location.at(`$.run.${channel}Uri`),
            },
          },
        })),
        outputDataConfig: {
          s3OutputLocation: new ExplicitS3Location(`s3://${bucketName}/${modelsPrefix}`),
          encryptionKey: key,
        },
        resourceConfig: {
          instanceCount: 1,
          instanceType: new ec2.InstanceType(ml.trainingInstanceType.replace(/^ml\./, '')),
          volumeSize: Size.gibibytes(30),
          volumeEncryptionKey: key,
        },
        stoppingCondition: { maxRuntime: Duration.minutes(ml.maxTrainingMinutes) },
        vpcConfig: props.trainingVpc
          ? {
              vpc: props.trainingVpc.vpc,
              subnets: props.trainingVpc.subnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
            }
          : undefined,
        resultSelector: {
          'jobName.$': '$.TrainingJobName',
          'modelArtifacts.$': '$.ModelArtifacts.S3ModelArtifacts',
        },
        resultPath: '$.train',
      })
    );

    const readAuc = onError(
      new tasks.CallAwsService(this, 'ReadValidationAuc', {
        service: 'sagemaker',
        action: 'describeTrainingJob',
        iamResources: [sagemakerArn('training-job', `${names}-*`)],
        parameters: { TrainingJobName: sfn.JsonPath.stringAt('$.train.jobName') },
        // A job without metrics may omit FinalMetricDataList: merge the response over a default empty list.
        resultSelector: { defaults: { FinalMetricDataList: [] }, 'job.$': '$' },
        resultPath: '$.describe',
      })
    );
    // Find validation:auc by walking FinalMetricDataList with plain intrinsics (no JSONPath filter, whose empty-match
    // result differs between interpreters): cursor i over the list, stop at the metric or at the end.
    const metricList = new sfn.Pass(this, 'MetricList', {
      parameters: {
        'list.$': 'States.JsonMerge($.describe.defaults, $.describe.job, false)',
      },
      resultPath: '$.describe',
    });
    const metricCursor = new sfn.Pass(this, 'MetricCursor', {
      parameters: {
        'list.$': '$.describe.list.FinalMetricDataList',
        'count.$': 'States.ArrayLength($.describe.list.FinalMetricDataList)',
        i: 0,
      },
      resultPath: '$.metrics',
    });
    const pickMetric = new sfn.Pass(this, 'PickMetric', {
      parameters: { 'value.$': 'States.ArrayGetItem($.metrics.list, $.metrics.i)' },
      resultPath: '$.metric',
    });
    const nextMetric = new sfn.Pass(this, 'NextMetric', {
      parameters: { 'list.$': '$.metrics.list', 'count.$': '$.metrics.count', 'i.$': 'States.MathAdd($.metrics.i, 1)' },
      resultPath: '$.metrics',
    });
    const setAuc = new sfn.Pass(this, 'ValidationAuc', {
      parameters: { 'auc.$': '$.metric.value.Value' },
      resultPath: '$.gate',
    });
    const missingAuc = new sfn.Pass(this, 'ValidationAucMissing', {
      parameters: {
        Error: 'ValidationAucMissing',
        'Cause.$': "States.Format('training job {} reported no validation:auc metric', $.train.jobName)",
      },
      resultPath: '$.error',
    }).next(notifyFailure);
    const rejected = new sfn.Fail(this, 'ModelRejected', {
      error: 'ModelBelowAucGate',
      cause: `validation AUC below ml.minValidationAuc (${ml.minValidationAuc}); the live endpoint is unchanged`,
    });
    const notifyRejected = new tasks.SnsPublish(this, 'NotifyRejected', {
      topic: props.operationsTopic,
      subject: 'Smart-factory ML model rejected',
      message: sfn.TaskInput.fromText(
        sfn.JsonPath.format(
          `Model from training job {} rejected: validation AUC {} is below the gate ${ml.minValidationAuc}. The live endpoint was not changed.`,
          sfn.JsonPath.stringAt('$.train.jobName'),
          sfn.JsonPath.stringAt('$.gate.auc')
        )
      ),
      resultPath: sfn.JsonPath.DISCARD,
    });
    notifyRejected.addCatch(rejected, { resultPath: sfn.JsonPath.DISCARD });
    notifyRejected.next(rejected);

    const createModel = onError(
      new tasks.SageMakerCreateModel(this, 'CreateModel', {
        modelName: sfn.JsonPath.stringAt('$.train.jobName'),
        role: this.modelRole,
        primaryContainer: new tasks.ContainerDefinition({
          image,
          mode: tasks.Mode.SINGLE_MODEL,
          modelS3Location: ExplicitS3Location.at('$.train.modelArtifacts'),
        }),
        resultPath: sfn.JsonPath.DISCARD,
      })
    );
    const createConfig = onError(
      new tasks.SageMakerCreateEndpointConfig(this, 'CreateEndpointConfig', {
        endpointConfigName: sfn.JsonPath.stringAt('$.train.jobName'),
        kmsKey: key,
        productionVariants: [
          {
            variantName: 'AllTraffic',
            modelName: sfn.JsonPath.stringAt('$.train.jobName'),
            initialInstanceCount: ml.endpointInstanceCount,
            instanceType: new ec2.InstanceType(ml.endpointInstanceType.replace(/^ml\./, '')),
            initialVariantWeight: 1,
          },
        ],
        resultPath: sfn.JsonPath.DISCARD,
      })
    );

    const endpointArn = sagemakerArn('endpoint', this.endpointName.toLowerCase());
    const describeEndpoint = new tasks.CallAwsService(this, 'FindEndpoint', {
      service: 'sagemaker',
      action: 'describeEndpoint',
      iamResources: [endpointArn],
      parameters: { EndpointName: this.endpointName },
      resultSelector: { 'status.$': '$.EndpointStatus' },
      resultPath: '$.existing',
    });
    const createEndpoint = onError(
      new tasks.SageMakerCreateEndpoint(this, 'CreateEndpoint', {
        endpointName: this.endpointName,
        endpointConfigName: sfn.JsonPath.stringAt('$.train.jobName'),
        resultPath: sfn.JsonPath.DISCARD,
      })
    );
    const updateEndpoint = onError(
      new tasks.SageMakerUpdateEndpoint(this, 'UpdateEndpoint', {
        endpointName: this.endpointName,
        endpointConfigName: sfn.JsonPath.stringAt('$.train.jobName'),
        resultPath: sfn.JsonPath.DISCARD,
      })
    );
    describeEndpoint.addRetry({
      errors: ['SageMaker.ThrottlingException'],
      maxAttempts: 5,
      interval: Duration.seconds(5),
    });
    // DescribeEndpoint answers a missing endpoint with the unmodeled ValidationException ("Could not find endpoint"),
    // which SDK integrations surface as the service's generic exception. A wrong guess is harmless: CreateEndpoint
    // then fails on the existing endpoint and the failure path notifies.
    const notFound = [
      'SageMaker.ValidationException',
      'SageMaker.ResourceNotFoundException',
      'SageMaker.ResourceNotFound',
      'SageMaker.SageMakerException',
      'SageMaker.AmazonSageMakerException',
    ];
    describeEndpoint.addCatch(createEndpoint, { errors: notFound, resultPath: '$.lookup' });
    onError(describeEndpoint);

    // An endpoint left `Failed` (e.g. its first creation failed) accepts only DeleteEndpoint ("DeleteEndpoint is the
    // only operation that can be performed on a failed endpoint", DescribeEndpoint EndpointStatus): delete it, wait
    // until it is gone, create it anew. An endpoint busy with another change is waited for, then looked up again.
    const deleteFailed = onError(
      new tasks.CallAwsService(this, 'DeleteFailedEndpoint', {
        service: 'sagemaker',
        action: 'deleteEndpoint',
        iamResources: [endpointArn],
        parameters: { EndpointName: this.endpointName },
        resultPath: sfn.JsonPath.DISCARD,
      })
    );
    const waitDeleted = new sfn.Wait(this, 'WaitForEndpointDeletion', {
      time: sfn.WaitTime.duration(Duration.seconds(30)),
    });
    const pollDeleted = new tasks.CallAwsService(this, 'PollEndpointDeletion', {
      service: 'sagemaker',
      action: 'describeEndpoint',
      iamResources: [endpointArn],
      parameters: { EndpointName: this.endpointName },
      resultSelector: { 'status.$': '$.EndpointStatus' },
      resultPath: '$.existing',
    });
    pollDeleted.addRetry({ errors: ['SageMaker.ThrottlingException'], maxAttempts: 5, interval: Duration.seconds(5) });
    pollDeleted.addCatch(createEndpoint, { errors: notFound, resultPath: '$.lookup' });
    onError(pollDeleted);
    const deletionFailed = new sfn.Pass(this, 'FailedEndpointNotDeleted', {
      parameters: {
        Error: 'EndpointDeletionFailed',
        'Cause.$': "States.Format('the Failed endpoint is {} after DeleteEndpoint, not gone', $.existing.status)",
      },
      resultPath: '$.error',
    }).next(notifyFailure);
    const waitBusy = new sfn.Wait(this, 'WaitForBusyEndpoint', { time: sfn.WaitTime.duration(Duration.minutes(1)) });
    const busy = ['Creating', 'Updating', 'SystemUpdating', 'RollingBack', 'Deleting'];
    const existingState = new sfn.Choice(this, 'ExistingEndpointState')
      .when(sfn.Condition.stringEquals('$.existing.status', 'Failed'), deleteFailed)
      .when(sfn.Condition.or(...busy.map((b) => sfn.Condition.stringEquals('$.existing.status', b))), waitBusy)
      .otherwise(updateEndpoint);
    waitBusy.next(describeEndpoint);
    deleteFailed.next(waitDeleted).next(pollDeleted);
    pollDeleted.next(
      new sfn.Choice(this, 'EndpointDeleted')
        .when(sfn.Condition.stringEquals('$.existing.status', 'Deleting'), waitDeleted)
        .otherwise(deletionFailed)
    );

    const waitEndpoint = new sfn.Wait(this, 'WaitForEndpoint', { time: sfn.WaitTime.duration(Duration.minutes(1)) });
    const pollEndpoint = onError(
      new tasks.CallAwsService(this, 'PollEndpoint', {
        service: 'sagemaker',
        action: 'describeEndpoint',
        iamResources: [endpointArn],
        parameters: { EndpointName: this.endpointName },
        resultSelector: { 'status.$': '$.EndpointStatus', 'config.$': '$.EndpointConfigName' },
        resultPath: '$.endpoint',
      })
    );
    pollEndpoint.addRetry({ errors: ['SageMaker.ThrottlingException'], maxAttempts: 5, interval: Duration.seconds(5) });
    const endpointFailed = new sfn.Pass(this, 'EndpointNotServingNewModel', {
      parameters: {
        Error: 'EndpointDeploymentFailed',
        'Cause.$':
          "States.Format('endpoint is {} with config {} instead of {} (failed or rolled back)', $.endpoint.status, $.endpoint.config, $.train.jobName)",
      },
      resultPath: '$.error',
    }).next(notifyFailure);

    // --- Publish for the edge ------------------------------------------------------------------------------------------
    const s3Kms = { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: key.keyArn };
    const copyModel = onError(
      new tasks.CallAwsService(this, 'PublishEdgeModel', {
        service: 's3',
        action: 'copyObject',
        iamAction: 's3:PutObject',
        iamResources: [bucket.arnForObjects(`${edgePrefix}*`)],
        additionalIamStatements: [
          new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [bucket.arnForObjects(`${modelsPrefix}*`)] }),
        ],
        parameters: {
          Bucket: bucketName,
          Key: sfn.JsonPath.stringAt('$.run.edgeModelKey'),
          CopySource: sfn.JsonPath.format(`{}/{}`, bucketName, sfn.JsonPath.stringAt('$.run.modelKey')),
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
        threshold: ml.classificationThreshold,
        objective: ml.hyperparameters.objective,
        'training_job.$': '$.train.jobName',
        image_tag: XGBOOST_IMAGE_TAG,
        endpoint_name: this.endpointName,
        'features_run_id.$': '$.run.id',
        'model_key.$': '$.run.edgeModelKey',
      },
      resultPath: '$.edgeManifest',
    });
    const putJson = (id: string, keyValue: string, bodyPath: string) =>
      onError(
        new tasks.CallAwsService(this, id, {
          service: 's3',
          action: 'putObject',
          iamAction: 's3:PutObject',
          iamResources: [bucket.arnForObjects(`${edgePrefix}*`)],
          parameters: {
            Bucket: bucketName,
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
    const notifySuccess = onError(
      new tasks.SnsPublish(this, 'NotifySuccess', {
        topic: props.operationsTopic,
        subject: 'Smart-factory ML model deployed',
        message: sfn.TaskInput.fromText(
          sfn.JsonPath.format(
            `Model {} (validation AUC {}) is live on endpoint ${this.endpointName}; edge model s3://{}/{}`,
            sfn.JsonPath.stringAt('$.run.id'),
            sfn.JsonPath.stringAt('$.gate.auc'),
            bucketName,
            sfn.JsonPath.stringAt('$.run.edgeModelKey')
          )
        ),
        resultPath: sfn.JsonPath.DISCARD,
      })
    );
    const done = new sfn.Succeed(this, 'Deployed');

    const definition = newRun
      .next(runNames)
      .next(buildFeatures)
      .next(readFeatures)
      .next(
        new sfn.Choice(this, 'FeaturesValid')
          .when(
            sfn.Condition.and(
              sfn.Condition.isPresent('$.features.manifest.feature_order[0]'),
              sfn.Condition.isPresent('$.features.manifest.train_positives'),
              sfn.Condition.isPresent('$.features.manifest.validation_positives')
            ),
            new sfn.Choice(this, 'FeaturesHaveBothClasses')
              .when(
                sfn.Condition.and(
                  sfn.Condition.numberGreaterThan('$.features.manifest.train_positives', 0),
                  sfn.Condition.numberGreaterThan('$.features.manifest.validation_positives', 0)
                ),
                train
              )
              .otherwise(singleClass)
          )
          .otherwise(badFeatures)
      );
    const findAuc = new sfn.Choice(this, 'FindValidationAuc')
      .when(sfn.Condition.numberGreaterThanEqualsJsonPath('$.metrics.i', '$.metrics.count'), missingAuc)
      .otherwise(pickMetric);
    train.next(readAuc).next(metricList).next(metricCursor).next(findAuc);
    pickMetric.next(
      new sfn.Choice(this, 'IsValidationAuc')
        .when(sfn.Condition.stringEquals('$.metric.value.MetricName', 'validation:auc'), setAuc)
        .otherwise(nextMetric)
    );
    nextMetric.next(findAuc);
    setAuc.next(
      new sfn.Choice(this, 'AucGate')
        .when(sfn.Condition.numberGreaterThanEquals('$.gate.auc', ml.minValidationAuc), createModel)
        .otherwise(notifyRejected)
    );
    createModel.next(createConfig).next(describeEndpoint).next(existingState);
    updateEndpoint.next(waitEndpoint);
    createEndpoint.next(waitEndpoint);
    waitEndpoint.next(pollEndpoint).next(
      new sfn.Choice(this, 'EndpointReady')
        .when(
          sfn.Condition.and(
            sfn.Condition.stringEquals('$.endpoint.status', 'InService'),
            sfn.Condition.stringEqualsJsonPath('$.endpoint.config', '$.train.jobName')
          ),
          copyModel
        )
        .when(
          sfn.Condition.or(
            sfn.Condition.stringEquals('$.endpoint.status', 'Creating'),
            sfn.Condition.stringEquals('$.endpoint.status', 'Updating'),
            sfn.Condition.stringEquals('$.endpoint.status', 'SystemUpdating')
          ),
          waitEndpoint
        )
        .otherwise(endpointFailed)
    );
    copyModel
      .next(buildManifest)
      .next(writeManifest)
      .next(buildLatest)
      .next(writeLatest)
      .next(notifySuccess)
      .next(done);

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
