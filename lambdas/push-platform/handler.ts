import { request } from 'node:https';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  CreatePlatformApplicationCommand,
  DeletePlatformApplicationCommand,
  SetPlatformApplicationAttributesCommand,
  SNSClient,
} from '@aws-sdk/client-sns';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { logger } from '../shared/powertools';
import { platformApplicationSpec, platformOfArn } from './core';

const sns = new SNSClient({});
const secrets = new SecretsManagerClient({});

/** CloudFormation custom resource `Custom::SnsPlatformApplication` (props SecretArn, Name); answers CloudFormation. */
export const handler = async (event: CloudFormationCustomResourceEvent): Promise<void> => {
  let physicalId = event.RequestType === 'Create' ? 'none' : event.PhysicalResourceId;
  const data: Record<string, string> = {};
  try {
    if (event.RequestType === 'Delete') {
      if (physicalId.startsWith('arn:')) {
        await sns.send(new DeletePlatformApplicationCommand({ PlatformApplicationArn: physicalId }));
      }
    } else {
      const props = event.ResourceProperties as unknown as { SecretArn: string; Name: string };
      const secret = await secrets.send(new GetSecretValueCommand({ SecretId: props.SecretArn }));
      const spec = platformApplicationSpec(secret.SecretString ?? '');
      if (
        event.RequestType === 'Update' &&
        physicalId.startsWith('arn:') &&
        platformOfArn(physicalId) === spec.platform
      ) {
        await sns.send(
          new SetPlatformApplicationAttributesCommand({
            PlatformApplicationArn: physicalId,
            Attributes: spec.attributes,
          })
        );
      } else {
        // A new physical id: CloudFormation deletes the old application after a successful update.
        const res = await sns.send(
          new CreatePlatformApplicationCommand({
            Name: props.Name,
            Platform: spec.platform,
            Attributes: spec.attributes,
          })
        );
        physicalId = res.PlatformApplicationArn ?? 'none';
      }
      data['PlatformApplicationArn'] = physicalId;
    }
    await respond(event, 'SUCCESS', physicalId, data);
  } catch (e) {
    logger.error('platform application request failed', { error: e as Error });
    await respond(event, 'FAILED', physicalId, {}, (e as Error).message);
  }
};

function respond(
  event: CloudFormationCustomResourceEvent,
  status: 'SUCCESS' | 'FAILED',
  physicalId: string,
  data: Record<string, string>,
  reason = 'see the function log'
): Promise<void> {
  const body = JSON.stringify({
    Status: status,
    Reason: reason.slice(0, 1000),
    PhysicalResourceId: physicalId,
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
    Data: data,
  });
  return new Promise((resolve, reject) => {
    const req = request(
      event.ResponseURL,
      { method: 'PUT', headers: { 'content-type': '', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        res.resume();
        res.on('end', () => resolve());
      }
    );
    req.on('error', reject);
    req.end(body);
  });
}
