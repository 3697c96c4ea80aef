import { Duration, Stack, type StackProps, TimeZone, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { PlatformConfig } from '../config';
import { LakeLayout } from '../lake/lake-layout';
import { EDGE_LATEST_KEY } from './ml-names';
import { addOperatorOutputs } from '../shared/operator-outputs';
import { acknowledgeIam5, bucketObjectsNagIds } from '../shared/nag';
import { MlTrainingPipeline, type TrainingVpc } from './ml-training-pipeline';
import { PlatformFunction } from '../shared/platform-function';

export interface MlStackProps extends StackProps {
  readonly config: PlatformConfig;
  /** Curated zone of the lake (features, model artifacts, edge models). */
  readonly curatedBucket: s3.IBucket;
  /** The lake key (SSE-KMS of the curated bucket; also used for SageMaker volumes, output and endpoint storage). */
  readonly lakeKey: kms.IKey;
  /** The `ml_features` Glue job of the ETL stack (arguments `--run_id`, `--output_prefix`; see CONTRACTS). */
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
    const sm = this.pipeline.stateMachine;
    const alarmAction = new cwActions.SnsAction(props.operationsTopic);

    if (ml.retrainCron !== undefined) {
      // A retraining start that still fails after the retries lands here (and raises an alarm) instead of vanishing.
      const dlq = new sqs.Queue(this, 'RetrainScheduleDlq', {
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        retentionPeriod: Duration.days(14),
      });
      Validations.of(dlq).acknowledge({
        id: 'AwsSolutions-SQS3',
        reason: 'This queue is the dead-letter queue of the retraining schedule; it needs no DLQ of its own.',
      });
      dlq
        .metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' })
        .createAlarm(this, 'RetrainScheduleFailed', {
          alarmDescription: 'EventBridge Scheduler could not start the ML training pipeline (see the DLQ message).',
          threshold: 1,
          evaluationPeriods: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        })
        .addAlarmAction(alarmAction);
      new scheduler.Schedule(this, 'RetrainSchedule', {
        description: `Retrain the failure model (${ml.retrainCron} in ${config.timeZone})`,
        schedule: scheduler.ScheduleExpression.expression(ml.retrainCron, TimeZone.of(config.timeZone)),
        target: new targets.StepFunctionsStartExecution(sm, {
          input: scheduler.ScheduleTargetInput.fromObject({ trigger: 'schedule' }),
          retryAttempts: 3,
          maxEventAge: Duration.hours(1),
          deadLetterQueue: dlq,
        }),
      });
    }
    // Every way an execution can end badly raises an alarm to the operations topic. The pipeline's own Catchers notify
    // with the step and the error, but an uncatchable States.Runtime error ("A retry or catch on States.ALL won't catch
    // States.Runtime errors"), a timeout or an abort end the execution without them.
    const executionAlarm = (id: string, metric: cloudwatch.Metric, description: string) =>
      metric
        .createAlarm(this, id, {
          alarmDescription: description,
          threshold: 1,
          evaluationPeriods: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        })
        .addAlarmAction(alarmAction);
    const period = Duration.minutes(5);
    executionAlarm(
      'PipelineFailed',
      sm.metricFailed({ period, statistic: 'Sum' }),
      'An ML training pipeline execution failed (including States.Runtime errors no Catch can notify).'
    );
    executionAlarm(
      'PipelineTimedOut',
      sm.metricTimedOut({ period, statistic: 'Sum' }),
      'The ML training pipeline ran past its timeout (no failure notification was sent).'
    );
    executionAlarm(
      'PipelineAborted',
      sm.metricAborted({ period, statistic: 'Sum' }),
      'An ML training pipeline execution was aborted (no failure notification was sent).'
    );

    // --- Inference API -----------------------------------------------------------------------------------------------
    const fn = new PlatformFunction(this, 'Inference', {
      lambdaDir: 'inference',
      serviceName: 'inference',
      description: 'Cylinder failure probability for the mobile app: named sensor values -> SageMaker endpoint',
      timeout: Duration.seconds(15),
      memorySize: 256,
      environment: {
        ENDPOINT_NAME: this.pipeline.endpointName,
        MODEL_BUCKET: props.curatedBucket.bucketName,
        LATEST_KEY: EDGE_LATEST_KEY,
        MANIFEST_CACHE_SECONDS: String(ml.manifestCacheSeconds),
      },
    });
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
          this.formatArn({
            service: 'sagemaker',
            resource: 'endpoint',
            resourceName: this.pipeline.endpointName.toLowerCase(),
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
    this.inferenceFunction = fn;
    this.inferenceUrl = fn.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.AWS_IAM });
    fn.metricErrors({ period: Duration.minutes(5) })
      .createAlarm(this, 'InferenceErrors', {
        alarmDescription: 'The inference Lambda crashed (handled 4xx/5xx responses are not errors).',
        threshold: 1,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      })
      .addAlarmAction(alarmAction);

    this.addOperatorOutputs();
  }

  /** Stack outputs an operator needs after a deploy. */
  private addOperatorOutputs(): void {
    const dlq = this.node.tryFindChild('RetrainScheduleDlq') as sqs.IQueue | undefined;
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
    return this.inferenceFunction.grantInvokeUrl(grantee);
  }
}
