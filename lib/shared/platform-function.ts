import { Duration } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Validations } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { join } from 'node:path';

const REPO_ROOT = join(__dirname, '..', '..');

export interface PlatformFunctionProps {
  /** Folder under `lambdas/` that holds `handler.ts` (exporting `handler`). */
  readonly lambdaDir: string;
  /** Exported function of `handler.ts` to run. @default 'handler' */
  readonly handlerName?: string;
  /** Powertools service name (logs and metrics dimension). */
  readonly serviceName: string;
  /** Powertools metrics namespace. @default 'SmartFactory' */
  readonly metricsNamespace?: string;
  readonly description: string;
  /** @default 30 seconds */
  readonly timeout?: Duration;
  /** @default 512 */
  readonly memorySize?: number;
  /** Extra environment, merged over the defaults. */
  readonly environment?: Record<string, string>;
  /** Key for the function's environment variables and log group. @default AWS-managed */
  readonly key?: kms.IKey;
  /** @default 1 year */
  readonly logRetention?: logs.RetentionDays;
  readonly reservedConcurrentExecutions?: number;
  /** Repository-relative folders copied next to the bundle (e.g. `sql` for the migration runner). */
  readonly bundleFolders?: readonly string[];
}

/**
 * The platform's one Lambda factory: Node.js 24 on arm64, esbuild-bundled from `lambdas/<dir>/handler.ts` with source
 * maps, X-Ray active tracing, an explicit log group with retention, JSON logs and Powertools settings in the
 * environment. Callers add environment and grants through `addEnvironment` and the resources' `grant*` methods.
 */
export class PlatformFunction extends nodejs.NodejsFunction {
  /** Folder under `lambdas/` of the handler (where its Powertools metrics are written). */
  readonly lambdaDir: string;
  /** Powertools service name: the `service` dimension of the function's metrics. */
  readonly serviceName: string;
  /** Powertools metrics namespace. */
  readonly metricsNamespace: string;

  constructor(scope: Construct, id: string, props: PlatformFunctionProps) {
    const logGroup = new logs.LogGroup(scope, `${id}LogGroup`, {
      retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
      encryptionKey: props.key,
    });
    super(scope, id, {
      entry: join(REPO_ROOT, 'lambdas', props.lambdaDir, 'handler.ts'),
      handler: props.handlerName ?? 'handler',
      description: props.description,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      timeout: props.timeout ?? Duration.seconds(30),
      memorySize: props.memorySize ?? 512,
      tracing: lambda.Tracing.ACTIVE,
      logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      environmentEncryption: props.key,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      projectRoot: REPO_ROOT,
      depsLockFilePath: join(REPO_ROOT, 'package-lock.json'),
      bundling: {
        target: 'node20',
        minify: true,
        sourceMap: true,
        sourceMapMode: nodejs.SourceMapMode.INLINE,
        tsconfig: join(REPO_ROOT, 'tsconfig.json'),
        externalModules: ['@aws-sdk/*'],
        ...(props.bundleFolders?.length
          ? {
              commandHooks: {
                beforeBundling: () => [],
                beforeInstall: () => [],
                afterBundling: (inputDir: string, outputDir: string) =>
                  (props.bundleFolders ?? []).map((f) => `cp -r "${inputDir}/${f}" "${outputDir}/${f}"`),
              },
            }
          : {}),
      },
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: props.serviceName,
        POWERTOOLS_METRICS_NAMESPACE: props.metricsNamespace ?? 'SmartFactory',
        POWERTOOLS_LOG_LEVEL: 'INFO',
        ...props.environment,
      },
    });
    this.lambdaDir = props.lambdaDir;
    this.serviceName = props.serviceName;
    this.metricsNamespace = props.metricsNamespace ?? 'SmartFactory';
    // The basic-execution managed policy is what CDK attaches to every function role; it grants only log writes.
    Validations.of(this).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: 'AWSLambdaBasicExecutionRole grants only CloudWatch Logs writes for the function itself.',
    });
  }
}
