import { Stack, type StackProps } from 'aws-cdk-lib';
import type * as glue from 'aws-cdk-lib/aws-glue';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import type { PlatformConfig } from '../config';
import { addOperatorOutputs } from '../shared/operator-outputs';
import type { PlatformFunction } from '../shared/platform-function';
import { InferenceApi } from './inference-api';
import { MlTrainingPipeline, type TrainingVpc } from './ml-training-pipeline';
import { PipelineAlarms } from './pipeline-alarms';
import { RetrainSchedule } from './retrain-schedule';

export interface MlStackProps extends StackProps {
  readonly config: PlatformConfig;
  /** Curated zone of the lake (features, model artifacts, edge models). */
  readonly curatedBucket: s3.IBucket;
  /** The lake key (SSE-KMS of the curated bucket; also used for SageMaker volumes, output and endpoint storage). */
  readonly lakeKey: kms.IKey;
  /** The `ml_features` Glue job of the ETL stack (arguments `--run_id`, `--output_prefix`; see docs/contracts.md). */
  readonly mlFeaturesJob: glue.IJob;
  /** Operations topic: pipeline results and failures, alarms. */
  readonly operationsTopic: sns.ITopic;
  /** Run training jobs inside this VPC. @default no VPC */
  readonly trainingVpc?: TrainingVpc;
}

/**
 * Stateless: predictive maintenance. The training pipeline (Step Functions, on demand and on the configured schedule)
 * and the authenticated inference API (Lambda function URL with AWS_IAM auth) in front of the live SageMaker endpoint.
 * The endpoint and its models are created by the pipeline (not by CloudFormation), so deleting this stack leaves the
 * endpoint running: delete it with `aws sagemaker delete-endpoint` when decommissioning.
 */
export class MlStack extends Stack {
  readonly pipeline: MlTrainingPipeline;
  readonly inference: InferenceApi;
  /** The retraining schedule (when `ml.retrainCron` is set). */
  readonly retrainSchedule?: RetrainSchedule;
  readonly inferenceFunction: PlatformFunction;
  readonly inferenceUrl: lambda.FunctionUrl;

  constructor(scope: Construct, id: string, props: MlStackProps) {
    super(scope, id, props);
    const { config } = props;
    const ml = config.ml;

    this.pipeline = new MlTrainingPipeline(this, 'Training', {
      ml,
      stackPrefix: config.stackPrefix,
      curatedBucket: props.curatedBucket,
      key: props.lakeKey,
      mlFeaturesJob: props.mlFeaturesJob,
      operationsTopic: props.operationsTopic,
      trainingVpc: props.trainingVpc,
    });
    if (ml.retrainCron !== undefined) {
      this.retrainSchedule = new RetrainSchedule(this, 'Retraining', {
        stateMachine: this.pipeline.stateMachine,
        cron: ml.retrainCron,
        timeZone: config.timeZone,
        operationsTopic: props.operationsTopic,
      });
    }
    new PipelineAlarms(this, 'ExecutionAlarms', {
      stateMachine: this.pipeline.stateMachine,
      operationsTopic: props.operationsTopic,
    });
    this.inference = new InferenceApi(this, 'InferenceApi', {
      endpointName: this.pipeline.endpointName,
      curatedBucket: props.curatedBucket,
      lakeKey: props.lakeKey,
      manifestCacheSeconds: ml.manifestCacheSeconds,
      operationsTopic: props.operationsTopic,
    });
    this.inferenceFunction = this.inference.function;
    this.inferenceUrl = this.inference.url;
    this.addOperatorOutputs();
  }

  /** Stack outputs an operator needs after a deploy. */
  private addOperatorOutputs(): void {
    const dlq = this.retrainSchedule?.deadLetterQueue;
    addOperatorOutputs(this, {
      InferenceUrl: {
        value: this.inferenceUrl.url,
        description: 'POST sensor values here (SigV4-signed, service lambda)',
      },
      TrainingStateMachineArn: {
        value: this.pipeline.stateMachine.stateMachineArn,
        description: 'Training pipeline (features -> XGBoost training -> AUC gate -> endpoint and edge manifest)',
      },
      EndpointName: {
        value: this.pipeline.endpointName,
        description: 'SageMaker endpoint the pipeline creates (not CloudFormation: delete it by hand after destroy)',
      },
      ...(dlq && {
        RetrainScheduleDeadLetterQueueUrl: {
          value: dlq.queueUrl,
          description: 'Dead-letter queue of the retraining schedule (starts EventBridge Scheduler could not make)',
        },
      }),
    });
  }

  /** Lets an app principal (e.g. the mobile app's Cognito identity-pool role) call the inference URL. */
  grantInvokeInference(grantee: iam.IGrantable): iam.Grant {
    return this.inference.grantInvokeUrl(grantee);
  }
}
