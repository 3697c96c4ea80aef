/**
 * The training pipeline as synthesized, run by aws-local-stepfunctions (an independent ASL interpreter) with every AWS
 * task overridden by a local handler that returns what the service would (DescribeTrainingJob shape, S3 GetObject
 * Body, SageMaker errors). The definition's own Parameters, ResultSelectors, intrinsics, Choice rules and Catchers do
 * the work; the tests assert the path taken, the final state, the calls' inputs and the notification text.
 */
import aslValidator from 'asl-validator';
import { ExecutionError, StateMachine } from 'aws-local-stepfunctions';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../lib/config';
import { polyfillPromiseWithResolvers, type StandIn, stateMachineDefinition } from './helpers/asl';
import { testPlatform } from './helpers/app';
import { Template } from 'aws-cdk-lib/assertions';

polyfillPromiseWithResolvers();

const BUCKET = 'sf-curated-bucket';
const KEY_ID = '0b6c1f0e-1111-2222-3333-444455556666';
const KEY_ARN = `arn:aws:kms:ap-northeast-2:123456789012:key/${KEY_ID}`;
const TOPIC_ARN = 'arn:aws:sns:ap-northeast-2:123456789012:sf-operations';
const STAND_INS: readonly StandIn[] = [
  // The ml_features Glue job of the ETL stack, referenced through the stack's export.
  [/JobsMlFeatures/, 'SmartFactory-ml-features'],
  [/CuratedBucket.*Arn/, `arn:aws:s3:::${BUCKET}`],
  [/CuratedBucket/, BUCKET],
  [/StorageKey.*Arn/, KEY_ARN],
  [/StorageKey/, KEY_ID],
  [/OperationsTopic/, TOPIC_ARN],
  [/TrainingTrainingRole.*Arn/, 'arn:aws:iam::123456789012:role/sf-training'],
  [/TrainingModelRole.*Arn/, 'arn:aws:iam::123456789012:role/sf-model'],
];
const FEATURE_ORDER = ['temperature', 'motor_speed_rpm', 'rvibration_temp', 'rvibration_z_rms_velocity', 'pressure'];
const ENDPOINT = 'smartfactory-cylinder-failure';

let definition: Record<string, unknown>;
beforeAll(() => {
  const { platform } = testPlatform(DEFAULT_CONFIG);
  definition = stateMachineDefinition(platform.ml, STAND_INS);
});

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const sdkError = (name: string, message: string) => Object.assign(new Error(message), { name });

interface Scenario {
  /** validation:auc, or null: the job reports no such metric; 'absent': no FinalMetricDataList at all. */
  auc?: number | null | 'absent';
  endpointExists?: boolean;
  trainingFails?: boolean;
  /** Endpoint config the endpoint reports once InService (default: the new one). */
  servedConfig?: string;
  /** DescribeEndpoint fails with something other than "not found". */
  findError?: string;
  /** The features manifest lacks feature_order. */
  noFeatureOrder?: boolean;
  /** Positives per split in the features manifest (default 40 / 9). */
  positives?: [number, number];
  /** The Glue job fails with this message (e.g. ml_features refusing a single-class split). */
  featuresFail?: string;
  /** The training result lacks ModelArtifacts: the ResultSelector path points nowhere (States.Runtime). */
  noModelArtifacts?: boolean;
  /** Status of the existing endpoint (default InService). */
  existingStatus?: string;
  /** DescribeEndpoint statuses seen while a Failed endpoint is being deleted, before it is gone. */
  deletingPolls?: number;
}

async function run(s: Scenario) {
  const calls: Record<string, Json[]> = {};
  const record = (name: string, input: Json) => (calls[name] ??= []).push(input);
  let polls = 0;
  const handler =
    (name: string, fn: (input: Json) => Json = () => ({})) =>
    async (input: Json) => {
      record(name, input);
      return fn(input);
    };
  const overrides = {
    BuildFeatures: handler('BuildFeatures', () => {
      if (s.featuresFail) throw sdkError('States.TaskFailed', s.featuresFail);
      return { JobRunState: 'SUCCEEDED' };
    }),
    ReadFeaturesManifest: handler('ReadFeaturesManifest', () => ({
      Body: JSON.stringify({
        ...(s.noFeatureOrder ? {} : { feature_order: FEATURE_ORDER }),
        label: 'failure_within_horizon',
        train_rows: 800,
        train_positives: (s.positives ?? [40, 9])[0],
        validation_positives: (s.positives ?? [40, 9])[1],
      }),
      ContentType: 'application/json',
    })),
    Train: handler('Train', (input) => {
      if (s.trainingFails) throw sdkError('States.TaskFailed', 'AlgorithmError: train channel has no rows');
      if (s.noModelArtifacts) return { TrainingJobName: input['TrainingJobName'], TrainingJobStatus: 'Completed' };
      return {
        TrainingJobName: input['TrainingJobName'],
        TrainingJobStatus: 'Completed',
        ModelArtifacts: {
          S3ModelArtifacts: `${input['OutputDataConfig'].S3OutputPath}${input['TrainingJobName']}/output/model.tar.gz`,
        },
      };
    }),
    ReadValidationAuc: handler('ReadValidationAuc', (input) => ({
      TrainingJobName: input['TrainingJobName'],
      TrainingJobStatus: 'Completed',
      ...(s.auc === 'absent'
        ? {}
        : {
            FinalMetricDataList: [
              { MetricName: 'train:auc', Value: 0.99, Timestamp: '2026-11-25T03:10:00Z' },
              ...(s.auc === null
                ? []
                : [{ MetricName: 'validation:auc', Value: s.auc ?? 0.91, Timestamp: '2026-11-25T03:10:00Z' }]),
            ],
          }),
    })),
    CreateModel: handler('CreateModel', () => ({ ModelArn: 'arn:model' })),
    CreateEndpointConfig: handler('CreateEndpointConfig', () => ({ EndpointConfigArn: 'arn:config' })),
    FindEndpoint: handler('FindEndpoint', (input) => {
      if (s.findError) throw sdkError(s.findError, 'User is not authorized to perform: sagemaker:DescribeEndpoint');
      if (!s.endpointExists)
        throw sdkError('SageMaker.SageMakerException', `Could not find endpoint "${input['EndpointName']}".`);
      // a busy endpoint (Updating) is seen once, then InService
      const status = s.existingStatus ?? 'InService';
      const seen = (calls['FindEndpoint'] ?? []).length;
      return {
        EndpointName: input['EndpointName'],
        EndpointStatus: status === 'Updating' && seen > 1 ? 'InService' : status,
        EndpointConfigName: 'old-config',
      };
    }),
    DeleteFailedEndpoint: handler('DeleteFailedEndpoint', () => ({})),
    PollEndpointDeletion: handler('PollEndpointDeletion', (input) => {
      if ((calls['PollEndpointDeletion'] ?? []).length <= (s.deletingPolls ?? 1))
        return { EndpointName: input['EndpointName'], EndpointStatus: 'Deleting' };
      throw sdkError('SageMaker.SageMakerException', `Could not find endpoint "${input['EndpointName']}".`);
    }),
    CreateEndpoint: handler('CreateEndpoint', () => ({ EndpointArn: 'arn:endpoint' })),
    UpdateEndpoint: handler('UpdateEndpoint', () => ({ EndpointArn: 'arn:endpoint' })),
    PollEndpoint: handler('PollEndpoint', () => {
      polls++;
      const job = calls['CreateEndpointConfig']![0]!['EndpointConfigName'] as string;
      const updating = s.endpointExists && s.existingStatus !== 'Failed';
      return polls === 1
        ? {
            EndpointStatus: updating ? 'Updating' : 'Creating',
            EndpointConfigName: updating ? 'old-config' : job,
          }
        : { EndpointStatus: 'InService', EndpointConfigName: s.servedConfig ?? job };
    }),
    PublishEdgeModel: handler('PublishEdgeModel', () => ({ CopyObjectResult: { ETag: '"e"' } })),
    WriteEdgeManifest: handler('WriteEdgeManifest', () => ({ ETag: '"m"' })),
    WriteLatestPointer: handler('WriteLatestPointer', () => ({ ETag: '"l"' })),
    NotifySuccess: handler('NotifySuccess', () => ({ MessageId: '1' })),
    NotifyRejected: handler('NotifyRejected', () => ({ MessageId: '2' })),
    NotifyFailure: handler('NotifyFailure', () => ({ MessageId: '3' })),
  };
  const sm = new StateMachine(definition as never, { validationOptions: { checkArn: false } });
  const execution = sm.run(
    { trigger: 'test' },
    {
      overrides: {
        taskResourceLocalHandlers: overrides as never,
        waitTimeOverrides: { WaitForEndpoint: 0, WaitForEndpointDeletion: 0, WaitForBusyEndpoint: 0 },
      },
      context: { Execution: { Name: 'exec-1', StartTime: '2026-11-25T03:00:00.000Z', Input: {} } } as never,
    }
  );
  const path: string[] = [];
  const logs = (async () => {
    for await (const e of execution.eventLogs) {
      if (e.type === 'StateEntered') path.push(e.state.name);
    }
  })();
  let output: unknown;
  let error: { name: string; message: string } | undefined;
  try {
    output = await execution.result;
  } catch (e) {
    if (!(e instanceof ExecutionError)) throw e;
    const cause = e.cause as Error;
    error = { name: cause.name, message: cause.message };
  }
  await logs;
  return { calls, path, output, error };
}

describe('ML training pipeline (synthesized definition, aws-local-stepfunctions)', () => {
  it('is valid ASL (asl-validator)', () => {
    const { isValid, errorsText } = aslValidator(structuredClone(definition), { checkArn: true, checkPaths: true });
    expect(isValid, errorsText('\n')).toBe(true);
  });

  it('gate pass, no endpoint yet: trains, creates the endpoint, waits for it, publishes the edge model, notifies', async () => {
    const r = await run({ auc: 0.91 });
    expect(r.error).toBeUndefined();
    expect(r.path).toEqual([
      'NewRun',
      'RunNames',
      'BuildFeatures',
      'ReadFeaturesManifest',
      'FeaturesValid',
      'FeaturesHaveBothClasses',
      'Train',
      'ReadValidationAuc',
      'MetricList',
      'MetricCursor',
      'FindValidationAuc',
      'PickMetric',
      'IsValidationAuc',
      'NextMetric',
      'FindValidationAuc',
      'PickMetric',
      'IsValidationAuc',
      'ValidationAuc',
      'AucGate',
      'CreateModel',
      'CreateEndpointConfig',
      'FindEndpoint',
      'CreateEndpoint',
      'WaitForEndpoint',
      'PollEndpoint',
      'EndpointReady',
      'WaitForEndpoint',
      'PollEndpoint',
      'EndpointReady',
      'PublishEdgeModel',
      'BuildEdgeManifest',
      'WriteEdgeManifest',
      'BuildLatestPointer',
      'WriteLatestPointer',
      'NotifySuccess',
      'Deployed',
    ]);

    const glue = r.calls['BuildFeatures']![0]!;
    const runId = (glue['Arguments'] as Json)['--run_id'] as string;
    expect(runId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(glue).toEqual({
      JobName: 'SmartFactory-ml-features',
      Arguments: { '--run_id': runId, '--output_prefix': `s3://${BUCKET}/ml/features/run=${runId}/` },
    });
    expect(r.calls['ReadFeaturesManifest']![0]).toEqual({
      Bucket: BUCKET,
      Key: `ml/features/run=${runId}/manifest.json`,
    });

    const job = `smartfactory-xgb-${runId}`;
    const train = r.calls['Train']![0]!;
    expect(train['TrainingJobName']).toBe(job);
    expect(train['HyperParameters']).toEqual({
      objective: 'binary:logistic',
      booster: 'gbtree',
      eval_metric: 'auc',
      scale_pos_weight: '10',
      eta: '0.05',
      max_depth: '5',
      subsample: '0.7',
      colsample_bytree: '0.7',
      num_round: '25',
    });
    expect(train['AlgorithmSpecification']).toEqual({
      TrainingImage: '366743142698.dkr.ecr.ap-northeast-2.amazonaws.com/sagemaker-xgboost:1.7-1',
      TrainingInputMode: 'File',
    });
    expect(
      (train['InputDataConfig'] as Json[]).map((c) => [
        c['ChannelName'],
        c['ContentType'],
        c['DataSource'].S3DataSource.S3Uri,
      ])
    ).toEqual([
      ['train', 'text/csv', `s3://${BUCKET}/ml/features/run=${runId}/train/`],
      ['validation', 'text/csv', `s3://${BUCKET}/ml/features/run=${runId}/validation/`],
    ]);
    expect(train['OutputDataConfig']).toEqual({ S3OutputPath: `s3://${BUCKET}/ml/models/`, KmsKeyId: KEY_ARN });
    expect(train['ResourceConfig']).toMatchObject({ VolumeKmsKeyId: KEY_ARN, InstanceType: 'ml.m5.xlarge' });
    expect(train['VpcConfig']).toBeUndefined();

    expect(r.calls['CreateModel']![0]).toMatchObject({
      ModelName: job,
      ExecutionRoleArn: 'arn:aws:iam::123456789012:role/sf-model',
      PrimaryContainer: {
        Image: '366743142698.dkr.ecr.ap-northeast-2.amazonaws.com/sagemaker-xgboost:1.7-1',
        ModelDataUrl: `s3://${BUCKET}/ml/models/${job}/output/model.tar.gz`,
      },
    });
    expect(r.calls['CreateEndpointConfig']![0]).toMatchObject({ EndpointConfigName: job, KmsKeyId: KEY_ID });
    expect(r.calls['CreateEndpoint']![0]).toEqual({ EndpointName: ENDPOINT, EndpointConfigName: job });
    expect(r.calls['UpdateEndpoint']).toBeUndefined();

    expect(r.calls['PublishEdgeModel']![0]).toEqual({
      Bucket: BUCKET,
      Key: `edge/models/v=${runId}/model.tar.gz`,
      CopySource: `${BUCKET}/ml/models/${job}/output/model.tar.gz`,
      ServerSideEncryption: 'aws:kms',
      SSEKMSKeyId: KEY_ARN,
    });
    const manifestPut = r.calls['WriteEdgeManifest']![0]!;
    expect(manifestPut['Key']).toBe(`edge/models/v=${runId}/manifest.json`);
    expect(JSON.parse(manifestPut['Body'] as string)).toEqual({
      model_version: runId,
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/),
      validation_auc: 0.91,
      feature_order: FEATURE_ORDER,
      threshold: 0.5,
      objective: 'binary:logistic',
      training_job: job,
      image_tag: '1.7-1',
      endpoint_name: ENDPOINT,
      features_run_id: runId,
      model_key: `edge/models/v=${runId}/model.tar.gz`,
    });
    const latestPut = r.calls['WriteLatestPointer']![0]!;
    expect(latestPut).toMatchObject({ Bucket: BUCKET, Key: 'edge/models/latest.json', SSEKMSKeyId: KEY_ARN });
    expect(JSON.parse(latestPut['Body'] as string)).toEqual({
      model_version: runId,
      model_key: `edge/models/v=${runId}/model.tar.gz`,
      manifest_key: `edge/models/v=${runId}/manifest.json`,
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/),
      validation_auc: 0.91,
    });
    expect(r.calls['NotifySuccess']![0]).toEqual({
      TopicArn: TOPIC_ARN,
      Subject: 'Smart-factory ML model deployed',
      Message: `Model ${runId} (validation AUC 0.91) is live on endpoint ${ENDPOINT}; edge model s3://${BUCKET}/edge/models/v=${runId}/model.tar.gz`,
    });
  });

  it('gate pass, endpoint exists: updates it (never creates) and publishes once it serves the new config', async () => {
    const r = await run({ auc: 0.8, endpointExists: true });
    expect(r.error).toBeUndefined();
    expect(r.path.slice(r.path.indexOf('FindEndpoint'))).toEqual([
      'FindEndpoint',
      'ExistingEndpointState',
      'UpdateEndpoint',
      'WaitForEndpoint',
      'PollEndpoint',
      'EndpointReady',
      'WaitForEndpoint',
      'PollEndpoint',
      'EndpointReady',
      'PublishEdgeModel',
      'BuildEdgeManifest',
      'WriteEdgeManifest',
      'BuildLatestPointer',
      'WriteLatestPointer',
      'NotifySuccess',
      'Deployed',
    ]);
    expect(r.calls['CreateEndpoint']).toBeUndefined();
    const job = r.calls['CreateModel']![0]!['ModelName'] as string;
    expect(r.calls['UpdateEndpoint']![0]).toEqual({ EndpointName: ENDPOINT, EndpointConfigName: job });
  });

  it('gate fail: notifies and fails without touching the endpoint or publishing', async () => {
    const r = await run({ auc: 0.79 });
    expect(r.path.slice(-4)).toEqual(['ValidationAuc', 'AucGate', 'NotifyRejected', 'ModelRejected']);
    expect(r.error?.name).toBe('ModelBelowAucGate');
    for (const s of [
      'CreateModel',
      'CreateEndpointConfig',
      'FindEndpoint',
      'CreateEndpoint',
      'UpdateEndpoint',
      'PublishEdgeModel',
    ]) {
      expect(r.calls[s], s).toBeUndefined();
    }
    const job = r.calls['Train']![0]!['TrainingJobName'] as string;
    expect(r.calls['NotifyRejected']![0]!['Message']).toBe(
      `Model from training job ${job} rejected: validation AUC 0.79 is below the gate 0.8. The live endpoint was not changed.`
    );
  });

  it('training failure: notifies with the error and cause, and fails', async () => {
    const r = await run({ trainingFails: true });
    expect(r.path.slice(-3)).toEqual(['Train', 'NotifyFailure', 'PipelineFailed']);
    expect(r.error).toEqual({ name: 'States.TaskFailed', message: 'AlgorithmError: train channel has no rows' });
    expect(r.calls['NotifyFailure']![0]).toEqual({
      TopicArn: TOPIC_ARN,
      Subject: 'Smart-factory ML pipeline failed',
      Message:
        'The ML training pipeline (execution exec-1) failed: States.TaskFailed: AlgorithmError: train channel has no rows',
    });
    expect(r.calls['ReadValidationAuc']).toBeUndefined();
  });

  it('an update SageMaker rolled back (InService on the old config) is a failure, not a deployment', async () => {
    const r = await run({ auc: 0.9, endpointExists: true, servedConfig: 'old-config' });
    expect(r.path.slice(-4)).toEqual([
      'EndpointReady',
      'EndpointNotServingNewModel',
      'NotifyFailure',
      'PipelineFailed',
    ]);
    expect(r.error?.name).toBe('EndpointDeploymentFailed');
    expect(r.calls['NotifyFailure']![0]!['Message']).toMatch(
      /endpoint is InService with config old-config instead of smartfactory-xgb-/
    );
    expect(r.calls['PublishEdgeModel']).toBeUndefined();
  });

  it('an unexpected DescribeEndpoint error notifies and fails without creating or updating', async () => {
    const r = await run({ auc: 0.9, findError: 'SageMaker.AccessDeniedException' });
    expect(r.path.slice(-3)).toEqual(['FindEndpoint', 'NotifyFailure', 'PipelineFailed']);
    expect(r.error?.name).toBe('SageMaker.AccessDeniedException');
    expect(r.calls['CreateEndpoint']).toBeUndefined();
    expect(r.calls['UpdateEndpoint']).toBeUndefined();
  });

  it('a features manifest without feature_order notifies and fails before training', async () => {
    const r = await run({ noFeatureOrder: true });
    expect(r.path.slice(-4)).toEqual(['FeaturesValid', 'FeaturesManifestInvalid', 'NotifyFailure', 'PipelineFailed']);
    expect(r.error?.name).toBe('FeaturesManifestInvalid');
    expect(r.calls['Train']).toBeUndefined();
    expect(r.calls['NotifyFailure']![0]!['Message']).toContain('the features manifest lacks feature_order');
  });

  it.each([
    ['reports no validation:auc metric', null],
    ['reports no metrics at all', 'absent'],
  ] as const)('a training job that %s is not deployed: notified failure', async (_what, auc) => {
    const r = await run({ auc });
    expect(r.path.slice(-4)).toEqual(['FindValidationAuc', 'ValidationAucMissing', 'NotifyFailure', 'PipelineFailed']);
    expect(r.error?.name).toBe('ValidationAucMissing');
    expect(r.calls['CreateModel']).toBeUndefined();
    expect(r.calls['NotifyFailure']![0]!['Message']).toMatch(/reported no validation:auc metric$/);
  });

  it('an endpoint left Failed is deleted, waited for until gone, and created anew (UpdateEndpoint is never called)', async () => {
    const r = await run({ auc: 0.9, endpointExists: true, existingStatus: 'Failed', deletingPolls: 2 });
    expect(r.error).toBeUndefined();
    expect(r.path.slice(r.path.indexOf('FindEndpoint'), r.path.indexOf('CreateEndpoint') + 1)).toEqual([
      'FindEndpoint',
      'ExistingEndpointState',
      'DeleteFailedEndpoint',
      'WaitForEndpointDeletion',
      'PollEndpointDeletion',
      'EndpointDeleted',
      'WaitForEndpointDeletion',
      'PollEndpointDeletion',
      'EndpointDeleted',
      'WaitForEndpointDeletion',
      'PollEndpointDeletion',
      'CreateEndpoint',
    ]);
    expect(r.path.at(-1)).toBe('Deployed');
    expect(r.calls['DeleteFailedEndpoint']![0]).toEqual({ EndpointName: ENDPOINT });
    expect(r.calls['UpdateEndpoint']).toBeUndefined();
    const job = r.calls['CreateModel']![0]!['ModelName'] as string;
    expect(r.calls['CreateEndpoint']![0]).toEqual({ EndpointName: ENDPOINT, EndpointConfigName: job });
  });

  it('an endpoint busy with another change is waited for, then updated', async () => {
    const r = await run({ auc: 0.9, endpointExists: true, existingStatus: 'Updating' });
    expect(r.error).toBeUndefined();
    expect(r.path.slice(r.path.indexOf('FindEndpoint'), r.path.indexOf('UpdateEndpoint') + 1)).toEqual([
      'FindEndpoint',
      'ExistingEndpointState',
      'WaitForBusyEndpoint',
      'FindEndpoint',
      'ExistingEndpointState',
      'UpdateEndpoint',
    ]);
  });

  it('single-class features: the job refusing the split notifies and fails before training', async () => {
    const msg =
      'ValueError: validation split has a single class (train: 40 positive, 760 negative; validation: 0 positive, 200 negative)';
    const r = await run({ featuresFail: msg });
    expect(r.path.slice(-3)).toEqual(['BuildFeatures', 'NotifyFailure', 'PipelineFailed']);
    expect(r.calls['NotifyFailure']![0]!['Message']).toContain('validation split has a single class');
    expect(r.calls['Train']).toBeUndefined();
  });

  it('single-class features: a manifest with no validation positives notifies and fails before training', async () => {
    const r = await run({ positives: [40, 0] });
    expect(r.path.slice(-5)).toEqual([
      'FeaturesValid',
      'FeaturesHaveBothClasses',
      'FeaturesSingleClass',
      'NotifyFailure',
      'PipelineFailed',
    ]);
    expect(r.error?.name).toBe('FeaturesSingleClass');
    expect(r.calls['NotifyFailure']![0]!['Message']).toContain('train_positives 40, validation_positives 0');
    expect(r.calls['Train']).toBeUndefined();
  });

  it('States.Runtime (a ResultSelector path pointing nowhere) bypasses every Catch: the failed-executions alarm is what notifies', async () => {
    const r = await run({ noModelArtifacts: true });
    expect(r.error?.name).toBe('States.Runtime');
    expect(r.path.at(-1)).toBe('Train');
    expect(r.calls['NotifyFailure']).toBeUndefined(); // no Catch runs: only the alarm below tells the operator
    const { platform } = testPlatform(DEFAULT_CONFIG);
    const alarms = Object.values(
      Template.fromStack(platform.ml).findResources('AWS::CloudWatch::Alarm') as Record<string, Json>
    ).map((a) => a['Properties']);
    for (const metric of ['ExecutionsFailed', 'ExecutionsTimedOut', 'ExecutionsAborted']) {
      const a = alarms.find((p) => p['MetricName'] === metric);
      expect(a, metric).toBeDefined();
      expect(a!['Namespace']).toBe('AWS/States');
      expect(a!['Threshold']).toBe(1);
      expect(JSON.stringify(a!['Dimensions'])).toMatch(/TrainingStateMachine/);
      expect(JSON.stringify(a!['AlarmActions'])).toMatch(/OperationsTopic/);
    }
  });
});
