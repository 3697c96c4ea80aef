import { RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import { join } from 'node:path';
import { acknowledgeIam5, resourceNagId } from '../shared/nag';

/** The Glue job sources (`glue-scripts/<job>/*.py`, tests excluded). */
export const GLUE_SCRIPTS = join(__dirname, '..', '..', 'glue-scripts');
/** Key prefix of the deployed job code in the code bucket: `glue/<job>/<file>.py`. */
export const GLUE_CODE_PREFIX = 'glue/';

/**
 * The Glue jobs' code in S3 **under its own file names** (`glue/<job>/job.py`, `glue/<job>/sensor_transforms.py`, ...).
 *
 * Why not `glue.Code.fromAsset`: a CDK file asset is uploaded as `<sha256>.py`, and Glue puts each `--extra-py-files`
 * object on the Python path under its S3 base name, so `import sensor_transforms` would raise ModuleNotFoundError
 * (aws/aws-cdk#20481; "Glue requires the original Python file name to be preserved", aws/aws-cli#4185). A zip of the
 * modules would keep the names for Spark jobs, but Python shell jobs document only `.py` and `.whl` (`.egg` is not
 * allowed on 3.9) for `--extra-py-files`, so one mechanism for all jobs is: a BucketDeployment of the `glue-scripts/`
 * folder into a small code bucket, and `glue.Code.fromBucket` with the original key. Glue then downloads
 * `.../features.py` and `import features` resolves.
 *
 * The bucket holds only code that every deploy rewrites (`prune`), so it is destroyed with the stack, after the
 * deployment has removed its objects (`retainOnDelete: false`).
 */
export class GlueCode extends Construct {
  readonly bucket: s3.Bucket;
  readonly deployment: s3deploy.BucketDeployment;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.bucket = new s3.Bucket(this, 'Bucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    Validations.of(this.bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'Holds only the Glue job code, rewritten from the repository on every deploy; writes come only from the' +
        ' deployment custom resource (CloudTrail records them). Access logs would add nothing to recover.',
    });
    this.deployment = new s3deploy.BucketDeployment(this, 'Deploy', {
      sources: [
        s3deploy.Source.asset(GLUE_SCRIPTS, {
          exclude: ['**/tests', '**/tests/**', 'conftest.py', '**/__pycache__', '**/__pycache__/**', '**/*.pyc'],
        }),
      ],
      destinationBucket: this.bucket,
      destinationKeyPrefix: GLUE_CODE_PREFIX,
      retainOnDelete: false,
      prune: true,
      memoryLimit: 256,
    });
    // CDK's one provider function per stack (a singleton beside this construct) is where the findings land.
    const handler = this.deployment.handlerRole.node.scope ?? this.deployment;
    Validations.of(handler).acknowledge(
      {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason: "CDK's BucketDeployment handler: the AWS managed policy only lets it write its own logs.",
      },
      {
        id: 'AwsSolutions-L1',
        reason: "CDK's BucketDeployment handler: CDK pins the Python runtime of its own provider function.",
      }
    );
    const stack = Stack.of(this);
    acknowledgeIam5(
      handler,
      [
        ...['s3:GetBucket*', 's3:GetObject*', 's3:List*', 's3:Abort*', 's3:DeleteObject*'].map((a) => `Action::${a}`),
        resourceNagId(this, `arn:${stack.partition}:s3:::cdk-hnb659fds-assets-${stack.account}-${stack.region}/*`),
        resourceNagId(this, this.bucket.arnForObjects('*')),
      ],
      "CDK's BucketDeployment handler: reads the source zip in the bootstrap assets bucket and syncs it into this" +
        ' code bucket (CDK grants these object actions itself).'
    );
  }

  /** `s3://<code bucket>/glue/<job>/<file>`, the key keeping the file's own name. */
  code(job: string, file: string): glue.Code {
    return glue.Code.fromBucket(this.bucket, `${GLUE_CODE_PREFIX}${job}/${file}`);
  }
}
