/**
 * SNS mobile-push platform application from a Secrets Manager secret (JSON). Accepted secret shapes:
 * - FCM HTTP v1:           {"platform":"GCM","serviceAccountJson":{...Firebase service-account JSON...}}
 *                          (or the JSON as a string)
 * - APNs token (.p8):      {"platform":"APNS"|"APNS_SANDBOX","signingKey":"-----BEGIN PRIVATE KEY-----...",
 *                           "signingKeyId":"ABC123DEFG","teamId":"TEAM123456","bundleId":"com.example.app"}
 * - APNs certificate:      {"platform":"APNS"|"APNS_SANDBOX","certificate":"-----BEGIN CERTIFICATE-----...",
 *                           "privateKey":"-----BEGIN PRIVATE KEY-----..."}
 */
export interface PlatformApplicationSpec {
  readonly platform: 'GCM' | 'APNS' | 'APNS_SANDBOX';
  readonly attributes: Record<string, string>;
}

export class PushSecretError extends Error {
  override readonly name = 'PushSecretError';
}

export function platformApplicationSpec(secretString: string): PlatformApplicationSpec {
  let s: Record<string, unknown>;
  try {
    s = JSON.parse(secretString) as Record<string, unknown>;
  } catch {
    throw new PushSecretError('the mobile-push secret must be a JSON object');
  }
  const str = (k: string): string => {
    const v = s[k];
    if (typeof v !== 'string' || v.trim() === '') throw new PushSecretError(`the mobile-push secret needs "${k}"`);
    return v;
  };
  const platform = s['platform'];
  if (platform === 'GCM') {
    const sa = s['serviceAccountJson'];
    const json = typeof sa === 'string' ? sa : JSON.stringify(sa);
    let parsed: { type?: unknown; private_key?: unknown } | undefined;
    try {
      parsed = JSON.parse(json) as typeof parsed;
    } catch {
      parsed = undefined;
    }
    if (parsed?.type !== 'service_account' || typeof parsed.private_key !== 'string') {
      throw new PushSecretError('"serviceAccountJson" must be a Firebase service-account JSON (FCM HTTP v1)');
    }
    return { platform, attributes: { PlatformCredential: json } };
  }
  if (platform === 'APNS' || platform === 'APNS_SANDBOX') {
    if (s['signingKey'] !== undefined) {
      return {
        platform,
        attributes: {
          PlatformCredential: str('signingKey'),
          PlatformPrincipal: str('signingKeyId'),
          ApplePlatformTeamID: str('teamId'),
          ApplePlatformBundleID: str('bundleId'),
        },
      };
    }
    return { platform, attributes: { PlatformPrincipal: str('certificate'), PlatformCredential: str('privateKey') } };
  }
  throw new PushSecretError('"platform" must be "GCM", "APNS" or "APNS_SANDBOX"');
}

/** The platform segment of a platform-application ARN (`arn:aws:sns:<region>:<account>:app/<PLATFORM>/<name>`). */
export function platformOfArn(arn: string): string | undefined {
  return /:app\/([A-Z_]+)\/[^/]+$/.exec(arn)?.[1];
}
