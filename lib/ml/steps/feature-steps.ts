import type * as glue from 'aws-cdk-lib/aws-glue';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import type { FailureNotification } from './failure-notification';

/** Where a run's names and objects live (all derived from the run id). */
export interface RunLayout {
  /** Curated bucket name. */
  readonly bucketName: string;
  /** The curated bucket's object ARN pattern for `pattern` (IAM of the S3 calls). */
  readonly objectsArn: (pattern: string) => string;
  /** SageMaker name prefix (`<prefix>-<run id>`: training job, model, endpoint config). */
  readonly sagemakerPrefix: string;
  readonly featuresPrefix: string;
  readonly modelsPrefix: string;
  readonly edgePrefix: string;
}

export interface FeatureStepsProps {
  readonly layout: RunLayout;
  readonly mlFeaturesJob: glue.IJob;
  readonly failures: FailureNotification;
  /** Where a valid feature set goes next (training). */
  readonly next: sfn.IChainable;
}

/**
 * Steps 1-2: a new run id and its names (`$.run`), the ml_features Glue job for the run, its manifest read back and
 * checked (feature order present, failures in both splits) before anything is trained.
 */
export class FeatureSteps extends Construct {
  readonly start: sfn.IChainable;

  constructor(scope: Construct, id: string, props: FeatureStepsProps) {
    super(scope, id);
    const { layout, failures } = props;
    const { bucketName, featuresPrefix, modelsPrefix, edgePrefix, sagemakerPrefix: names } = layout;

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

    const buildFeatures = failures.catch(
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

    const readFeatures = failures.catch(
      new tasks.CallAwsService(this, 'ReadFeaturesManifest', {
        service: 's3',
        action: 'getObject',
        iamAction: 's3:GetObject',
        iamResources: [layout.objectsArn(`${featuresPrefix}*`)],
        parameters: { Bucket: bucketName, Key: sfn.JsonPath.stringAt('$.run.featuresManifestKey') },
        resultSelector: { 'manifest.$': 'States.StringToJson($.Body)' },
        resultPath: '$.features',
      })
    );
    const badFeatures = failures.fail(this, 'FeaturesManifestInvalid', {
      Error: 'FeaturesManifestInvalid',
      Cause:
        'the features manifest lacks feature_order, train_positives or validation_positives (see CONTRACTS: ml_features output)',
    });
    // ml_features already refuses a single-class split; this guards the contract at the consumer too (AUC is undefined
    // on one class: XGBoost would log validation-auc:nan).
    const singleClass = failures.fail(this, 'FeaturesSingleClass', {
      Error: 'FeaturesSingleClass',
      'Cause.$':
        "States.Format('a split has no failures (train_positives {}, validation_positives {}); validation AUC would be undefined', $.features.manifest.train_positives, $.features.manifest.validation_positives)",
    });

    this.start = newRun;
    newRun
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
                props.next
              )
              .otherwise(singleClass)
          )
          .otherwise(badFeatures)
      );
  }
}
