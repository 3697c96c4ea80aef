import { LakeLayout } from '../lake/lake-layout';

/**
 * Names and keys the ML pipeline, the inference Lambda and the edge CLI agree on. Pure (no CDK), so the Lambda and the
 * tests can import it too.
 */

/** Name prefix of the SageMaker resources of one platform (training jobs, models, endpoint configs): lower case. */
export function sagemakerNamePrefix(stackPrefix: string): string {
  return `${stackPrefix.toLowerCase().slice(0, 20)}-xgb`;
}

/** The live endpoint's name (created by the pipeline, not by CloudFormation; stable across retrains). */
export function endpointName(stackPrefix: string): string {
  return `${stackPrefix.toLowerCase().slice(0, 40)}-cylinder-failure`;
}

/** Key of the pointer to the newest published edge model, in the curated bucket. */
export const EDGE_LATEST_KEY = `${LakeLayout.curatedEdgeModels}latest.json`;

/** The published edge manifest (`edge/models/v=<version>/manifest.json`). */
export interface EdgeModelManifest {
  readonly model_version: string;
  readonly created_at: string;
  readonly validation_auc: number;
  readonly feature_order: readonly string[];
  readonly threshold: number;
  readonly objective: string;
  readonly training_job: string;
  readonly image_tag: string;
  readonly endpoint_name: string;
  readonly features_run_id: string;
  readonly model_key: string;
}

/** `edge/models/latest.json`: where the newest version lives. Keys are relative to the curated bucket. */
export interface EdgeLatestPointer {
  readonly model_version: string;
  readonly model_key: string;
  readonly manifest_key: string;
  readonly created_at: string;
  readonly validation_auc: number;
}
