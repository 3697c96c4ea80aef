import {
  CreatePlatformEndpointCommand,
  DeleteEndpointCommand,
  GetEndpointAttributesCommand,
  GetSubscriptionAttributesCommand,
  ListEndpointsByPlatformApplicationCommand,
  SetEndpointAttributesCommand,
  SetSubscriptionAttributesCommand,
  SubscribeCommand,
  UnsubscribeCommand,
} from '@aws-sdk/client-sns';
import type { PushDirectory } from './core';

export interface SendClient {
  send(command: unknown): Promise<unknown>;
}

const isNotFound = (e: unknown) => {
  const n = (e as { name?: string }).name;
  return n === 'NotFoundException' || n === 'NotFound' || n === 'ResourceNotFoundException';
};

/** PushDirectory over the SNS API: one platform application and the alert topic. */
export class SnsPushDirectory implements PushDirectory {
  constructor(
    private readonly sns: SendClient,
    private readonly applicationArn: string,
    private readonly topicArn: string
  ) {}

  async createEndpoint(token: string, customUserData: string): Promise<string> {
    const r = (await this.sns.send(
      new CreatePlatformEndpointCommand({
        PlatformApplicationArn: this.applicationArn,
        Token: token,
        CustomUserData: customUserData,
      })
    )) as { EndpointArn?: string };
    if (!r.EndpointArn) throw new Error('CreatePlatformEndpoint returned no EndpointArn');
    return r.EndpointArn;
  }

  async getEndpoint(arn: string) {
    try {
      const r = (await this.sns.send(new GetEndpointAttributesCommand({ EndpointArn: arn }))) as {
        Attributes?: Record<string, string>;
      };
      const a = r.Attributes ?? {};
      return {
        token: a['Token'] ?? '',
        enabled: a['Enabled'] === 'true',
        ...(a['CustomUserData'] !== undefined ? { customUserData: a['CustomUserData'] } : {}),
      };
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  async setEndpoint(arn: string, attrs: { token?: string; enabled?: boolean; customUserData?: string }) {
    const Attributes: Record<string, string> = {};
    if (attrs.token !== undefined) Attributes['Token'] = attrs.token;
    if (attrs.enabled !== undefined) Attributes['Enabled'] = String(attrs.enabled);
    if (attrs.customUserData !== undefined) Attributes['CustomUserData'] = attrs.customUserData;
    await this.sns.send(new SetEndpointAttributesCommand({ EndpointArn: arn, Attributes }));
  }

  async deleteEndpoint(arn: string) {
    await this.sns.send(new DeleteEndpointCommand({ EndpointArn: arn }));
  }

  async *listEndpoints() {
    let NextToken: string | undefined;
    do {
      const r = (await this.sns.send(
        new ListEndpointsByPlatformApplicationCommand({ PlatformApplicationArn: this.applicationArn, NextToken })
      )) as { Endpoints?: { EndpointArn?: string; Attributes?: Record<string, string> }[]; NextToken?: string };
      for (const e of r.Endpoints ?? []) {
        if (!e.EndpointArn) continue;
        const cud = e.Attributes?.['CustomUserData'];
        yield {
          arn: e.EndpointArn,
          enabled: e.Attributes?.['Enabled'] === 'true',
          ...(cud !== undefined ? { customUserData: cud } : {}),
        };
      }
      NextToken = r.NextToken;
    } while (NextToken);
  }

  async subscribe(endpointArn: string, policy: Record<string, string[]> | undefined) {
    const r = (await this.sns.send(
      new SubscribeCommand({
        TopicArn: this.topicArn,
        Protocol: 'application',
        Endpoint: endpointArn,
        ReturnSubscriptionArn: true,
        ...(policy
          ? { Attributes: { FilterPolicyScope: 'MessageAttributes', FilterPolicy: JSON.stringify(policy) } }
          : {}),
      })
    )) as { SubscriptionArn?: string };
    if (!r.SubscriptionArn) throw new Error('Subscribe returned no SubscriptionArn');
    return r.SubscriptionArn;
  }

  async getFilterPolicy(subscriptionArn: string) {
    try {
      const r = (await this.sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: subscriptionArn }))) as {
        Attributes?: Record<string, string>;
      };
      const p = r.Attributes?.['FilterPolicy'];
      return p ? { policy: p } : {};
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  async setFilterPolicy(subscriptionArn: string, policy: Record<string, string[]> | undefined) {
    if (policy) {
      await this.sns.send(
        new SetSubscriptionAttributesCommand({
          SubscriptionArn: subscriptionArn,
          AttributeName: 'FilterPolicyScope',
          AttributeValue: 'MessageAttributes',
        })
      );
    }
    // An empty value removes the filter policy: every alert.
    await this.sns.send(
      new SetSubscriptionAttributesCommand({
        SubscriptionArn: subscriptionArn,
        AttributeName: 'FilterPolicy',
        AttributeValue: policy ? JSON.stringify(policy) : '',
      })
    );
  }

  async unsubscribe(subscriptionArn: string) {
    try {
      await this.sns.send(new UnsubscribeCommand({ SubscriptionArn: subscriptionArn }));
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }
}
