import { createRequire } from 'node:module';
import type * as CloudFormation from '@aws-sdk/client-cloudformation';
import type * as Iot from '@aws-sdk/client-iot';
import type * as Kinesis from '@aws-sdk/client-kinesis';
import type * as Lambda from '@aws-sdk/client-lambda';
import type * as S3 from '@aws-sdk/client-s3';
import type * as Sfn from '@aws-sdk/client-sfn';
import type * as HttpHandler from '@smithy/node-http-handler';

/**
 * The AWS SDK is an optional dependency of the CLI: an edge device that scores local models needs none of it, and
 * `npm install` of the CLI's tarball works offline without it. Commands that talk to AWS (simulate --to kinesis:,
 * edge --model s3://) load it here, when they need it, and say what to install when it is missing.
 */
const load = createRequire(__filename);

export type KinesisSdk = typeof Kinesis;
export type S3Sdk = typeof S3;
export type HttpHandlerSdk = typeof HttpHandler;
export type SfnSdk = typeof Sfn;
export type LambdaSdk = typeof Lambda;
export type IotSdk = typeof Iot;
export type CloudFormationSdk = typeof CloudFormation;

export function awsModule<T>(name: string): T {
  try {
    return load(name) as T;
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'MODULE_NOT_FOUND' && err.message.includes(name)) {
      throw new Error(
        `${name} is not installed (an optional dependency of the CLI, needed to reach AWS): npm install ${name}`
      );
    }
    throw e;
  }
}

export const kinesisSdk = (): KinesisSdk => awsModule<KinesisSdk>('@aws-sdk/client-kinesis');
export const s3Sdk = (): S3Sdk => awsModule<S3Sdk>('@aws-sdk/client-s3');
export const httpHandlerSdk = (): HttpHandlerSdk => awsModule<HttpHandlerSdk>('@smithy/node-http-handler');
export const sfnSdk = (): SfnSdk => awsModule<SfnSdk>('@aws-sdk/client-sfn');
export const cloudFormationSdk = (): CloudFormationSdk =>
  awsModule<CloudFormationSdk>('@aws-sdk/client-cloudformation');
export const lambdaSdk = (): LambdaSdk => awsModule<LambdaSdk>('@aws-sdk/client-lambda');
export const iotSdk = (): IotSdk => awsModule<IotSdk>('@aws-sdk/client-iot');
