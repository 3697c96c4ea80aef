import { Duration } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import type { MlConfig } from '../../config';
import type { FailureNotification } from './failure-notification';
import { ExplicitS3Location } from './s3-location';

export interface EndpointStepsProps {
  readonly endpointName: string;
  /** The endpoint's ARN (IAM of Describe/Delete). */
  readonly endpointArn: string;
  readonly endpoint: Pick<MlConfig, 'endpointInstanceType' | 'endpointInstanceCount'>;
  readonly image: tasks.DockerImage;
  readonly modelRole: iam.IRole;
  /** Encrypts the endpoint's storage. */
  readonly key: kms.IKey;
  readonly failures: FailureNotification;
  /** Where the run goes once the endpoint serves the new model (edge publish). */
  readonly next: sfn.IChainable;
}

/**
 * Step 4: the trained model, an endpoint config for it, and the live endpoint created, updated, or (when `Failed`)
 * deleted and recreated, then polled until it is InService on the new config. A rolled-back update is a failure.
 */
export class EndpointSteps extends Construct {
  readonly start: sfn.IChainable;

  constructor(scope: Construct, id: string, props: EndpointStepsProps) {
    super(scope, id);
    const { failures } = props;
    const createModel = failures.catch(
      new tasks.SageMakerCreateModel(this, 'CreateModel', {
        modelName: sfn.JsonPath.stringAt('$.train.jobName'),
        role: props.modelRole,
        primaryContainer: new tasks.ContainerDefinition({
          image: props.image,
          mode: tasks.Mode.SINGLE_MODEL,
          modelS3Location: ExplicitS3Location.at('$.train.modelArtifacts'),
        }),
        resultPath: sfn.JsonPath.DISCARD,
      })
    );
    const createConfig = failures.catch(
      new tasks.SageMakerCreateEndpointConfig(this, 'CreateEndpointConfig', {
        endpointConfigName: sfn.JsonPath.stringAt('$.train.jobName'),
        kmsKey: props.key,
        productionVariants: [
          {
            variantName: 'AllTraffic',
            modelName: sfn.JsonPath.stringAt('$.train.jobName'),
            initialInstanceCount: props.endpoint.endpointInstanceCount,
            instanceType: new ec2.InstanceType(props.endpoint.endpointInstanceType.replace(/^ml\./, '')),
            initialVariantWeight: 1,
          },
        ],
        resultPath: sfn.JsonPath.DISCARD,
      })
    );

    const endpointArn = props.endpointArn;
    const describeEndpoint = new tasks.CallAwsService(this, 'FindEndpoint', {
      service: 'sagemaker',
      action: 'describeEndpoint',
      iamResources: [endpointArn],
      parameters: { EndpointName: props.endpointName },
      resultSelector: { 'status.$': '$.EndpointStatus' },
      resultPath: '$.existing',
    });
    const createEndpoint = failures.catch(
      new tasks.SageMakerCreateEndpoint(this, 'CreateEndpoint', {
        endpointName: props.endpointName,
        endpointConfigName: sfn.JsonPath.stringAt('$.train.jobName'),
        resultPath: sfn.JsonPath.DISCARD,
      })
    );
    const updateEndpoint = failures.catch(
      new tasks.SageMakerUpdateEndpoint(this, 'UpdateEndpoint', {
        endpointName: props.endpointName,
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
    failures.catch(describeEndpoint);

    // An endpoint left `Failed` (e.g. its first creation failed) accepts only DeleteEndpoint ("DeleteEndpoint is the
    // only operation that can be performed on a failed endpoint", DescribeEndpoint EndpointStatus): delete it, wait
    // until it is gone, create it anew. An endpoint busy with another change is waited for, then looked up again.
    const deleteFailed = failures.catch(
      new tasks.CallAwsService(this, 'DeleteFailedEndpoint', {
        service: 'sagemaker',
        action: 'deleteEndpoint',
        iamResources: [endpointArn],
        parameters: { EndpointName: props.endpointName },
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
      parameters: { EndpointName: props.endpointName },
      resultSelector: { 'status.$': '$.EndpointStatus' },
      resultPath: '$.existing',
    });
    pollDeleted.addRetry({ errors: ['SageMaker.ThrottlingException'], maxAttempts: 5, interval: Duration.seconds(5) });
    pollDeleted.addCatch(createEndpoint, { errors: notFound, resultPath: '$.lookup' });
    failures.catch(pollDeleted);
    const deletionFailed = new sfn.Pass(this, 'FailedEndpointNotDeleted', {
      parameters: {
        Error: 'EndpointDeletionFailed',
        'Cause.$': "States.Format('the Failed endpoint is {} after DeleteEndpoint, not gone', $.existing.status)",
      },
      resultPath: '$.error',
    }).next(failures.entry);
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
    const pollEndpoint = failures.catch(
      new tasks.CallAwsService(this, 'PollEndpoint', {
        service: 'sagemaker',
        action: 'describeEndpoint',
        iamResources: [endpointArn],
        parameters: { EndpointName: props.endpointName },
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
    }).next(failures.entry);

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
          props.next
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
    this.start = createModel;
  }
}
