import { type App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, DEV_CONFIG } from '../lib/config';
import { XGBOOST_IMAGE_ACCOUNTS } from '../lib/ml/xgboost-image';
import { MlStack } from '../lib/ml/ml-stack';
import { PSEUDO, stateMachineDefinition } from './helpers/asl';
import { testApp, testPlatform } from './helpers/app';
import { statefulLogicalIds } from './helpers/logical-ids';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const STAND_INS: readonly (readonly [RegExp, string])[] = [
  [/Arn/, 'arn:aws:service:ap-northeast-2:123456789012:thing/x'],
  [/./, 'stand-in'],
];

let t: Template;
let json: Json;
let definition: Json;
beforeAll(() => {
  const { platform } = testPlatform(DEFAULT_CONFIG);
  t = Template.fromStack(platform.ml);
  json = t.toJSON() as Json;
  definition = stateMachineDefinition(platform.ml, STAND_INS);
});

const policiesOf = (roleLogicalIdPrefix: string): Json[] =>
  Object.values(t.findResources('AWS::IAM::Policy'))
    .filter((p: Json) => (p.Properties.Roles as Json[]).some((r) => String(r.Ref).startsWith(roleLogicalIdPrefix)))
    .flatMap((p: Json) => p.Properties.PolicyDocument.Statement as Json[]);
const flat = (v: unknown) => JSON.stringify(v);

describe('ML stack template', () => {
  it('pins the logical IDs of its queue and log groups (a refactor must not replace them)', () => {
    expect(statefulLogicalIds(t)).toEqual([
      'AWS::Logs::LogGroup InferenceLogGroup847A2373',
      'AWS::Logs::LogGroup TrainingLogsE5993150',
      'AWS::SQS::Queue RetrainScheduleDlqD73D7F3F',
    ]);
  });

  it('trains with exactly the seed hyperparameters, as strings', () => {
    expect(definition['States'].Train.Parameters.HyperParameters).toEqual({
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
  });

  it('maps every region of the reference table to the XGBoost registry account and builds the 1.7-1 image from it', () => {
    const mapping = Object.values(json['Mappings'] as Json)[0] as Json;
    expect(Object.keys(mapping)).toHaveLength(33);
    expect(mapping['ap-northeast-2']).toEqual({ account: '366743142698' });
    expect(mapping['us-east-1']).toEqual({ account: '683313688378' });
    expect(mapping['cn-north-1']).toEqual({ account: '450853457545' });
    expect(Object.fromEntries(Object.entries(mapping).map(([r, v]) => [r, (v as Json)['account']]))).toEqual(
      XGBOOST_IMAGE_ACCOUNTS
    );
    const image = `366743142698.dkr.ecr.${PSEUDO['AWS::Region']}.amazonaws.com/sagemaker-xgboost:1.7-1`;
    expect(definition['States'].Train.Parameters.AlgorithmSpecification.TrainingImage).toBe(image);
    expect(definition['States'].CreateModel.Parameters.PrimaryContainer.Image).toBe(image);
    expect(flat(json['Resources'])).toContain('"Fn::FindInMap"');
  });

  it('encrypts training volumes, model output and the endpoint with the lake key; no VPC by default', () => {
    const train = definition['States'].Train.Parameters;
    expect(train.OutputDataConfig.KmsKeyId).toBeDefined();
    expect(train.ResourceConfig.VolumeKmsKeyId).toBeDefined();
    expect(train.VpcConfig).toBeUndefined();
    expect(definition['States'].CreateEndpointConfig.Parameters.KmsKeyId).toBeDefined();
    expect(train.StoppingCondition).toEqual({ MaxRuntimeInSeconds: 3600 });
  });

  it('the training role reads only the features prefix and writes only the models prefix', () => {
    const s3Statements = policiesOf('TrainingTrainingRole').filter((s) => flat(s.Action).includes('s3:'));
    expect(
      s3Statements.map((s) => [s.Action, flat(s.Resource).match(/"\/?(ml\/[a-z]+\/\*)"/)?.[1] ?? 'bucket', s.Condition])
    ).toEqual([
      ['s3:GetObject', 'ml/features/*', undefined],
      ['s3:ListBucket', 'bucket', { StringLike: { 's3:prefix': ['ml/features/*'] } }],
      [['s3:AbortMultipartUpload', 's3:PutObject'], 'ml/models/*', undefined],
    ]);
    const modelS3 = policiesOf('TrainingModelRole').filter((s) => flat(s.Action).includes('s3:'));
    expect(modelS3).toHaveLength(1);
    expect(modelS3[0]!['Action']).toBe('s3:GetObject');
    expect(flat(modelS3[0]!['Resource'])).toContain('/ml/models/*');
  });

  it('passes only the two SageMaker roles, only to sagemaker.amazonaws.com', () => {
    const pass = policiesOf('TrainingStateMachineRole').filter((s) => flat(s.Action).includes('iam:PassRole'));
    expect(pass).toHaveLength(1);
    expect(pass[0]!['Condition']).toEqual({ StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } });
    expect(flat(pass[0]!['Resource'])).toMatch(/TrainingModelRole.*TrainingTrainingRole/);
    expect(flat(pass[0]!['Resource'])).not.toContain('*');
  });

  it('logs ALL with execution data and traces the state machine', () => {
    t.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      LoggingConfiguration: { Level: 'ALL', IncludeExecutionData: true },
      TracingConfiguration: { Enabled: true },
    });
  });

  it('retrains on the configured cron in the configured time zone, and not at all without a cron', () => {
    t.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 3 ? * SUN *)',
      ScheduleExpressionTimezone: 'Asia/Seoul',
      Target: {
        Arn: { Ref: Match.stringLikeRegexp('TrainingStateMachine') },
        RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('RetrainScheduleDlq'), 'Arn'] } },
      },
    });
    const { platform } = testPlatform(DEV_CONFIG);
    Template.fromStack(platform.ml).resourceCountIs('AWS::Scheduler::Schedule', 0);
  });

  it('exposes inference through a function URL with AWS_IAM auth and least-privilege access', () => {
    t.hasResourceProperties('AWS::Lambda::Url', { AuthType: 'AWS_IAM' });
    const inference = Object.values(t.findResources('AWS::IAM::Policy'))
      .filter((p: Json) => flat(p.Properties.Roles).includes('InferenceServiceRole'))
      .flatMap((p: Json) => p.Properties.PolicyDocument.Statement as Json[]);
    const invoke = inference.find((s) => s.Action === 'sagemaker:InvokeEndpoint');
    expect(flat(invoke?.['Resource'])).toContain(':endpoint/smartfactory-cylinder-failure');
    t.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          ENDPOINT_NAME: 'smartfactory-cylinder-failure',
          LATEST_KEY: 'edge/models/latest.json',
          MANIFEST_CACHE_SECONDS: '300',
        }),
      },
    });
  });

  it('runs training in a VPC when one is given', () => {
    const app = testApp();
    const dep = new Stack(app, 'Deps', { env: { region: 'ap-northeast-2' } });
    const vpc = new ec2.Vpc(dep, 'Vpc', { maxAzs: 2 });
    const stack = new MlStack(app as App, 'VpcMl', {
      env: { region: 'ap-northeast-2' },
      config: DEFAULT_CONFIG,
      curatedBucket: new s3.Bucket(dep, 'Curated'),
      lakeKey: new kms.Key(dep, 'Key'),
      mlFeaturesJob: glue.Job.fromJobAttributes(dep, 'Job', { jobName: 'ml-features' }),
      operationsTopic: new sns.Topic(dep, 'Topic'),
      trainingVpc: { vpc },
    });
    const def = stateMachineDefinition(stack, STAND_INS) as Json;
    expect(def['States'].Train.Parameters.VpcConfig).toEqual({
      SecurityGroupIds: [expect.any(String)],
      Subnets: [expect.any(String), expect.any(String)],
    });
  });
});
