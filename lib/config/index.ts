import { CONFIGS } from './configs';
import { ConfigError, validateConfig } from './validate';
import type { PlatformConfig } from './types';

export * from './types';
export * from './configs';
export * from './validate';
export * from './redshift-limits';

/**
 * Returns the named, validated configuration. `overrides` (from `bin/`: account and region of the CLI environment)
 * are applied before validation.
 */
export function loadConfig(name: string, overrides: { account?: string; region?: string } = {}): PlatformConfig {
  const base = CONFIGS[name];
  if (!base) {
    throw new ConfigError(name, [
      `config: "${name}" is not a known configuration; expected one of ${Object.keys(CONFIGS).join(', ')}`,
    ]);
  }
  return validateConfig({
    ...base,
    env: { account: overrides.account ?? base.env.account, region: overrides.region ?? base.env.region },
  });
}
