import { CONFIGS } from './configs';
import { applyOverrides, type ConfigOverrides, overrideProblems } from './overrides';
import { ConfigError, validateConfig } from './validate';
import type { PlatformConfig } from './types';

export * from './types';
export * from './configs';
export * from './validate';
export * from './redshift-limits';
export * from './aws-regions';
export * from './overrides';

export interface LoadConfigOptions {
  /** Account that wins over the config and its overrides (`CDK_DEPLOY_ACCOUNT`). */
  readonly account?: string;
  /** Region that wins over the config and its overrides (`CDK_DEPLOY_REGION`). */
  readonly region?: string;
  /** Account used when neither the config nor its overrides name one (`CDK_DEFAULT_ACCOUNT`, the CLI's credentials). */
  readonly defaultAccount?: string;
  /** Per-account layers (a file, context) merged over the named config, in order. */
  readonly overrides?: readonly ConfigOverrides[];
}

/**
 * Returns the named, validated configuration: the named config from configs.ts, then each override layer, then the
 * environment `bin/` passes. Throws a ConfigError listing every problem.
 */
export function loadConfig(name: string, options: LoadConfigOptions = {}): PlatformConfig {
  const base = CONFIGS[name];
  if (!base) {
    throw new ConfigError(name, [
      `config: "${name}" is not a known configuration; expected one of ${Object.keys(CONFIGS).join(', ')}`,
    ]);
  }
  const overrides = options.overrides ?? [];
  const layerProblems = overrideProblems(overrides);
  if (layerProblems.length > 0)
    throw new ConfigError(
      name,
      layerProblems,
      overrides.map((o) => o.source)
    );
  const merged = applyOverrides(base, overrides);
  const env = (merged as { env?: unknown }).env;
  if (typeof env !== 'object' || env === null || Array.isArray(env)) return validateConfig(merged, overrides);
  return validateConfig(
    {
      ...merged,
      env: {
        ...merged.env,
        account: options.account ?? merged.env.account ?? options.defaultAccount,
        region: options.region ?? merged.env.region,
      },
    },
    overrides
  );
}
