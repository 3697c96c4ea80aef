import { S3Client } from '@aws-sdk/client-s3';
import { SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { logger, requireEnv } from '../shared/powertools';
import { createInferenceService, s3ManifestSource } from './service';

const service = createInferenceService({
  runtime: new SageMakerRuntimeClient({}),
  endpointName: requireEnv('ENDPOINT_NAME'),
  manifest: s3ManifestSource({
    s3: new S3Client({}),
    bucket: requireEnv('MODEL_BUCKET'),
    latestKey: requireEnv('LATEST_KEY'),
    ttlSeconds: Number(process.env['MANIFEST_CACHE_SECONDS'] ?? '300'),
  }),
  log: logger,
});

/** Function URL (AWS_IAM) handler: POST a JSON object of named sensor values, get `{score, pred, ...}`. */
export async function handler(
  event: APIGatewayProxyEventV2,
  context: Context
): Promise<APIGatewayProxyStructuredResultV2> {
  logger.addContext(context);
  if (event.requestContext?.http?.method !== undefined && event.requestContext.http.method !== 'POST') {
    return {
      statusCode: 405,
      headers: { allow: 'POST', 'content-type': 'application/json' },
      body: JSON.stringify({ error: 'use POST', request_id: context.awsRequestId }),
    };
  }
  return service({ body: event.body, isBase64Encoded: event.isBase64Encoded, requestId: context.awsRequestId });
}
