import { Duration, Size } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import type { MlConfig } from '../../config';
import type { FailureNotification } from './failure-notification';
import type { RunLayout } from './feature-steps';
import { ExplicitS3Location } from './s3-location';

/** Optional VPC for the training job (default: no VPC, SageMaker-managed network). */
export interface TrainingVpc {
  readonly vpc: ec2.IVpc;
  /** @default the VPC's private subnets */
  readonly subnets?: ec2.SubnetSelection;
}

/** Hyperparameters as SageMaker's API wants them: map<string,string>. */
export function hyperparameterStrings(h: MlConfig['hyperparameters']): Record<string, string> {
  return Object.fromEntries(Object.entries(h).map(([k, v]) => [k, String(v)]));
}

export interface TrainingStepsProps {
  readonly layout: RunLayout;
  readonly training: Pick<
    MlConfig,
    'hyperparameters' | 'minValidationAuc' | 'trainingInstanceType' | 'maxTrainingMinutes'
  >;
  readonly image: tasks.DockerImage;
  readonly trainingRole: iam.IRole;
  /** Encrypts the model output and the training volume. */
  readonly key: kms.IKey;
  readonly trainingVpc?: TrainingVpc;
  /** IAM resource of DescribeTrainingJob for this pipeline's jobs. */
  readonly trainingJobArnPattern: string;
  readonly operationsTopic: sns.ITopic;
  readonly failures: FailureNotification;
  /** Where a model that passes the gate goes next (model and endpoint). */
  readonly next: sfn.IChainable;
}

/**
 * Step 3: SageMaker training (built-in XGBoost) on the run's channels, its `validation:auc` read from
 * FinalMetricDataList, and the AUC gate: below `minValidationAuc` notifies and fails without touching the endpoint.
 */
export class TrainingSteps extends Construct {
  readonly start: sfn.IChainable;

  constructor(scope: Construct, id: string, props: TrainingStepsProps) {
    super(scope, id);
    const { layout, training: ml, failures } = props;

    const train = failures.catch(
      new tasks.SageMakerCreateTrainingJob(this, 'Train', {
        integrationPattern: sfn.IntegrationPattern.RUN_JOB,
        trainingJobName: sfn.JsonPath.stringAt('$.run.jobName'),
        role: props.trainingRole,
        algorithmSpecification: { trainingImage: props.image, trainingInputMode: tasks.InputMode.FILE },
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
          s3OutputLocation: new ExplicitS3Location(`s3://${layout.bucketName}/${layout.modelsPrefix}`),
          encryptionKey: props.key,
        },
        resourceConfig: {
          instanceCount: 1,
          instanceType: new ec2.InstanceType(ml.trainingInstanceType.replace(/^ml\./, '')),
          volumeSize: Size.gibibytes(30),
          volumeEncryptionKey: props.key,
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

    const readAuc = failures.catch(
      new tasks.CallAwsService(this, 'ReadValidationAuc', {
        service: 'sagemaker',
        action: 'describeTrainingJob',
        iamResources: [props.trainingJobArnPattern],
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
    const missingAuc = failures.fail(this, 'ValidationAucMissing', {
      Error: 'ValidationAucMissing',
      'Cause.$': "States.Format('training job {} reported no validation:auc metric', $.train.jobName)",
    });
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
        .when(sfn.Condition.numberGreaterThanEquals('$.gate.auc', ml.minValidationAuc), props.next)
        .otherwise(notifyRejected)
    );
    this.start = train;
  }
}
