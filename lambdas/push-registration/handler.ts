import { SNSClient } from '@aws-sdk/client-sns';
import type { Context } from 'aws-lambda';
import { logger, requireEnv } from '../shared/powertools';
import { RegistrationService, route, type UrlRequest, type UrlResponse } from './core';
import { type SendClient, SnsPushDirectory } from './sns';

export interface RegistrationEnv {
  readonly applicationArn: string;
  readonly topicArn: string;
  readonly maxDevicesPerUser: number;
}

export function envSettings(): RegistrationEnv {
  const max = Number(requireEnv('MAX_DEVICES_PER_USER'));
  if (!Number.isInteger(max) || max < 1) throw new Error('environment variable MAX_DEVICES_PER_USER must be ≥ 1');
  return {
    applicationArn: requireEnv('PLATFORM_APPLICATION_ARN'),
    topicArn: requireEnv('ALERT_TOPIC_ARN'),
    maxDevicesPerUser: max,
  };
}

/** Builds the function URL handler over an SNS client (tests pass one pointed at moto). */
export function createRegistrationHandler(
  sns: SendClient,
  env: RegistrationEnv
): (event: UrlRequest, context?: Pick<Context, 'awsRequestId'>) => Promise<UrlResponse> {
  const service = new RegistrationService(new SnsPushDirectory(sns, env.applicationArn, env.topicArn), {
    applicationArn: env.applicationArn,
    maxDevicesPerUser: env.maxDevicesPerUser,
  });
  return async (event) => {
    try {
      const res = await route(service, event);
      logger.info('registration request', {
        method: event.requestContext.http.method,
        path: event.rawPath,
        status: res.statusCode,
      });
      return res;
    } catch (e) {
      logger.error('registration failed', { error: e as Error });
      return {
        statusCode: 500,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ error: 'internal error', request_id: event.requestContext.requestId }),
      };
    }
  };
}

let live: ReturnType<typeof createRegistrationHandler> | undefined;

/** Function URL (AWS_IAM) entry point; the caller is the Cognito identity of the signed-in app user. */
export const handler = async (event: UrlRequest, context: Context): Promise<UrlResponse> => {
  logger.addContext(context);
  live ??= createRegistrationHandler(new SNSClient({}), envSettings());
  return live(event, context);
};
