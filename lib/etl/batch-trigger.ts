import { Arn, ArnFormat, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventTargets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambdaEvents from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { LakeLayout } from '../lake/lake-layout';
import type { OperationsTopic } from '../operations/operations-topic';
import { acknowledgeIam5, bucketArnFor, resourceNagId } from '../shared/nag';
import { PlatformFunction } from '../shared/platform-function';

export interface BatchTriggerProps {
  /** The raw zone (its EventBridge notifications must be on; the lake stack turns them on). */
  readonly rawBucket: s3.IBucket;
  /** The lake key (SSE-KMS of the raw zone). */
  readonly lakeKey: kms.IKey;
  /** The daily workflow. */
  readonly stateMachine: sfn.IStateMachine;
  /** The workflow's execution timeout: older executions cannot be running. */
  readonly executionTimeout: Duration;
  readonly timeZone: string;
  /** Encrypts the queues, the function's environment and its logs. */
  readonly key: kms.IKey;
  readonly operations: OperationsTopic;
}

/**
 * Batch landing starts the daily workflow (docs/etl.md "Batch landing"): S3 `Object Created` events under `batch/`
 * (EventBridge rule) → an encrypted queue → a Lambda with reserved concurrency 1 that starts one execution per complete
 * day (manifest present, every listed file present), waits while a run of that date is going (the message comes
 * back after the visibility timeout), skips events an execution has already covered (duplicate deliveries, files
 * that were there before a run began), and names executions after the object event so a repeat collides.
 *
 * EventBridge plus a function rather than an EventBridge rule straight to Step Functions: a rule cannot check that the
 * day is complete, read the running executions, or give an execution a deterministic name, so it would start one run
 * per file and two at once for the same date.
 */
export class BatchTrigger extends Construct {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  readonly function: PlatformFunction;
  readonly rule: events.Rule;

  constructor(scope: Construct, id: string, props: BatchTriggerProps) {
    super(scope, id);
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: props.key,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is the dead-letter queue of the batch-landing queue.',
    });
    // A message waits for a running execution of its date: 40 receives x 15 minutes = 10 hours > the 8-hour timeout.
    this.queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: props.key,
      enforceSSL: true,
      visibilityTimeout: Duration.minutes(15),
      retentionPeriod: Duration.days(14),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: 40 },
    });
    props.key.grant(new iam.ServicePrincipal('events.amazonaws.com'), 'kms:GenerateDataKey', 'kms:Decrypt');

    this.rule = new events.Rule(this, 'BatchObjectCreated', {
      description: 'Raw zone batch/ objects created: the batch-landing trigger of the daily ETL',
      eventPattern: {
        source: ['aws.s3'],
        detailType: ['Object Created'],
        detail: {
          bucket: { name: [props.rawBucket.bucketName] },
          object: { key: [{ prefix: LakeLayout.rawBatch }] },
        },
      },
      targets: [new eventTargets.SqsQueue(this.queue, { deadLetterQueue: this.deadLetterQueue })],
    });

    this.function = new PlatformFunction(this, 'Function', {
      lambdaDir: 'batch-trigger',
      serviceName: 'etl-batch-trigger',
      description: 'Starts the daily ETL when a day of batch files is complete in the raw zone',
      timeout: Duration.minutes(2),
      memorySize: 256,
      key: props.key,
      reservedConcurrentExecutions: 1,
      environment: {
        RAW_BUCKET: props.rawBucket.bucketName,
        STATE_MACHINE_ARN: props.stateMachine.stateMachineArn,
        TIME_ZONE: props.timeZone,
        EXECUTION_LOOKBACK_HOURS: String(Math.ceil(props.executionTimeout.toHours({ integral: false })) + 1),
      },
    });
    this.function.addEventSource(
      new lambdaEvents.SqsEventSource(this.queue, { batchSize: 10, reportBatchItemFailures: true })
    );

    // Read the manifests and head the batch files: object reads under batch/ only, with the lake key.
    const objects = `${bucketArnFor(this, props.rawBucket)}/${LakeLayout.rawBatch}*`;
    this.function.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [objects] }));
    this.function.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [bucketArnFor(this, props.rawBucket)],
        conditions: { StringLike: { 's3:prefix': [`${LakeLayout.rawBatch}*`] } },
      })
    );
    props.lakeKey.grantDecrypt(this.function);
    props.stateMachine.grantStartExecution(this.function);
    this.function.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['states:ListExecutions'], resources: [props.stateMachine.stateMachineArn] })
    );
    this.function.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['states:DescribeExecution'],
        resources: [executionArnPattern(props.stateMachine)],
      })
    );
    acknowledgeIam5(
      this.function,
      [
        resourceNagId(this, objects),
        resourceNagId(this, executionArnPattern(props.stateMachine)),
        'Action::kms:GenerateDataKey*',
        'Action::kms:ReEncrypt*',
        'Resource::*',
      ],
      'The trigger reads only batch/ objects of the raw zone and describes only executions of the daily workflow; ' +
        'the KMS wildcards are CDK key grants on the ETL key; X-Ray PutTraceSegments/PutTelemetryRecords (active ' +
        'tracing) have no resource type.'
    );

    const period = Duration.minutes(5);
    props.operations.alarm(this, 'DeadLetterAlarm', {
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum' }),
      description:
        'A batch-landing event could not be handled (message in the trigger dead-letter queue; replay: docs/operations.md)',
    });
    props.operations.alarm(this, 'ErrorsAlarm', {
      metric: this.function.metricErrors({ period, statistic: 'Sum' }),
      description: 'The batch-landing trigger failed',
    });
    props.operations.alarm(this, 'InvalidManifestAlarm', {
      metric: new cloudwatch.Metric({
        namespace: 'SmartFactory',
        metricName: 'BatchManifestsInvalid',
        dimensionsMap: { service: 'etl-batch-trigger' },
        period,
        statistic: 'Sum',
      }),
      description: 'A batch manifest in the raw zone is invalid (see the trigger log); upload a corrected manifest',
    });
  }
}

/** `arn:…:execution:<state machine name>:*`: the executions of one state machine. */
function executionArnPattern(stateMachine: sfn.IStateMachine): string {
  const stack = Stack.of(stateMachine);
  const name = Arn.split(stateMachine.stateMachineArn, ArnFormat.COLON_RESOURCE_NAME).resourceName;
  return stack.formatArn({
    service: 'states',
    resource: 'execution',
    resourceName: `${name}:*`,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}
