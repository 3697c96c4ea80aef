import type { PlatformConfig } from './types';

/**
 * Per-account values (e-mail lists, account, region, ...) layered over a named configuration without editing
 * configs.ts. `bin/` reads them from a JSON file (`-c configFile=<path>`) or from context (`-c configOverrides=<json>`)
 * and passes them here; everything else stays pure.
 */
export interface ConfigOverrides {
  /** Where the values come from (a file path or `context configOverrides`), named in error messages. */
  readonly source: string;
  /** A partial configuration: objects merge key by key, lists and single values replace. */
  readonly values: unknown;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `base` with `values` merged in. Unknown keys are kept, so strict validation reports them by path. */
export function mergeConfig(base: unknown, values: unknown): unknown {
  if (!isObject(base) || !isObject(values)) return values;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(values)) out[k] = k in base ? mergeConfig(base[k], v) : v;
  return out;
}

/** Problems of the override layers themselves (not an object, renames the config). */
export function overrideProblems(overrides: readonly ConfigOverrides[]): string[] {
  const p: string[] = [];
  for (const o of overrides) {
    if (!isObject(o.values)) p.push(`${o.source}: expected a JSON object (a partial configuration)`);
    else if ('name' in o.values)
      p.push(`${o.source}: name: cannot be overridden; select a config with -c config=<name>`);
  }
  return p;
}

/** Applies every layer in order. */
export function applyOverrides(base: PlatformConfig, overrides: readonly ConfigOverrides[]): PlatformConfig {
  return overrides.reduce<unknown>((c, o) => mergeConfig(c, o.values), base) as PlatformConfig;
}
