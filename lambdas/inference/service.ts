import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { InvokeEndpointCommand, type SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import {
  buildPrediction,
  type HttpResponse,
  jsonResponse,
  type ModelManifest,
  orderFeatures,
  parseBody,
  parseManifest,
  parseScore,
  toCsvRow,
} from './core';

/** Returns the current manifest (cached); throws when none is published or it is invalid. */
export type ManifestSource = () => Promise<ModelManifest>;

/**
 * Reads `latest.json` from S3, then the manifest it points to; caches the result for `ttlSeconds` (a failed read is
 * not cached, and an expired cache is still used when the refresh fails, so a transient S3 error does not fail
 * requests that already have a model).
 */
export function s3ManifestSource(opts: {
  readonly s3: Pick<S3Client, 'send'>;
  readonly bucket: string;
  readonly latestKey: string;
  readonly ttlSeconds: number;
  readonly now?: () => number;
}): ManifestSource {
  const now = opts.now ?? Date.now;
  let cached: { manifest: ModelManifest; at: number } | undefined;
  const getJson = async (key: string): Promise<unknown> => {
    const out = await opts.s3.send(new GetObjectCommand({ Bucket: opts.bucket, Key: key }));
    const text = await out.Body?.transformToString('utf8');
    if (text === undefined) throw new Error(`s3://${opts.bucket}/${key} has no body`);
    return JSON.parse(text) as unknown;
  };
  return async () => {
    if (cached && now() - cached.at < opts.ttlSeconds * 1000) return cached.manifest;
    try {
      const latest = (await getJson(opts.latestKey)) as { manifest_key?: unknown } | null;
      const manifestKey = latest?.manifest_key;
      if (typeof manifestKey !== 'string' || manifestKey === '') {
        throw new Error(`s3://${opts.bucket}/${opts.latestKey} has no manifest_key`);
      }
      const manifest = parseManifest(await getJson(manifestKey));
      cached = { manifest, at: now() };
      return manifest;
    } catch (e) {
      if (cached) return cached.manifest;
      throw e;
    }
  };
}

export interface InferenceRequest {
  readonly body?: string;
  readonly isBase64Encoded?: boolean;
  readonly requestId: string;
}

export interface InferenceLog {
  error(message: string, extra: Record<string, unknown>): void;
}

/** The inference API: validates, orders, calls the endpoint with text/csv, answers. Never throws. */
export function createInferenceService(deps: {
  readonly runtime: Pick<SageMakerRuntimeClient, 'send'>;
  readonly endpointName: string;
  readonly manifest: ManifestSource;
  readonly log?: InferenceLog;
}): (req: InferenceRequest) => Promise<HttpResponse> {
  return async (req) => {
    const body = parseBody(req.body, req.isBase64Encoded);
    if (body === undefined) {
      return jsonResponse(400, { error: 'request body must be JSON', field: '(body)', request_id: req.requestId });
    }
    let manifest: ModelManifest;
    try {
      manifest = await deps.manifest();
    } catch (e) {
      deps.log?.error('model manifest unavailable', { error: (e as Error).message, requestId: req.requestId });
      return jsonResponse(503, { error: 'no published model is available yet', request_id: req.requestId });
    }
    const features = orderFeatures(body, manifest.feature_order);
    if (!features.ok) {
      return jsonResponse(400, { error: features.message, field: features.field, request_id: req.requestId });
    }
    let score: number;
    try {
      const out = await deps.runtime.send(
        new InvokeEndpointCommand({
          EndpointName: deps.endpointName,
          ContentType: 'text/csv',
          Accept: 'text/csv',
          Body: new TextEncoder().encode(toCsvRow(features.values)),
        })
      );
      score = parseScore(new TextDecoder().decode(out.Body));
    } catch (e) {
      deps.log?.error('endpoint call failed', { error: (e as Error).message, requestId: req.requestId });
      return jsonResponse(502, { error: 'the model endpoint failed; try again', request_id: req.requestId });
    }
    return jsonResponse(200, buildPrediction(score, manifest));
  };
}
