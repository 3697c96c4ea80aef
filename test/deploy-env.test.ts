import { describe, expect, it } from 'vitest';
import { CONFIGS, loadConfig } from '../lib/config';
import { buildPlatform } from '../lib/platform';
import { nagFindings, testApp } from './helpers/app';

/**
 * `cdk deploy` always synthesizes with the account and region of its credentials (the CLI sets CDK_DEFAULT_ACCOUNT),
 * so ARNs carry a literal account number. cdk-nag acknowledgement ids must match in that case too (issue 11, D1).
 */
const ACCOUNT = '123456789012';
const REGION = 'ap-northeast-2';

describe('synth as cdk deploy does it (concrete account and region, cdk-nag on)', () => {
  it.each(Object.keys(CONFIGS))(
    '%s: synthesis with cdk-nag reports no error or warning',
    { timeout: 180_000 },
    (name) => {
      const config = loadConfig(name, { account: ACCOUNT, region: REGION });
      expect(config.env).toEqual({ account: ACCOUNT, region: REGION });

      // The plugin attached as bin/app.ts attaches it: synthesis fails on any unacknowledged error.
      const app = testApp();
      const platform = buildPlatform(app, config);
      expect(platform.etl.account).toBe(ACCOUNT);
      expect(() => app.synth()).not.toThrow();
      // Warnings do not fail synthesis once acknowledgements exist, so list every finding of the synthesized app (cross-
      // stack references are imports now, as in `cdk deploy`): errors and warnings alike must be none.
      expect(nagFindings(app)).toEqual([]);
    }
  );
});
