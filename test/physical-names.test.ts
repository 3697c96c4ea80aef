import { Stack } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { CONFIGS } from '../lib/config';
import { endpointName, sagemakerNamePrefix } from '../lib/ml/ml-names';
import { template, testPlatform } from './helpers/app';

/**
 * Names a resource is known by in its account and region (so a second platform cannot reuse them): every top-level
 * property ending in `Name` or `Identifier`, plus the Glue database's `DatabaseInput.Name`. Excluded: names that live
 * inside another resource (inline policy names, parameter names, a cluster's database) or are not identifiers.
 */
const NOT_ACCOUNT_SCOPED = new Set(['PolicyName', 'DisplayName', 'DBName', 'MetricName', 'ServiceName']);

/** `Fn::Join` of literals and pseudo parameters, flattened; undefined when a name depends on another resource. */
function literal(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v !== 'object' || v === null) return undefined;
  const o = v as Record<string, unknown>;
  if (typeof o['Ref'] === 'string' && o['Ref'].startsWith('AWS::')) return `<${o['Ref']}>`;
  const join = o['Fn::Join'] as [string, unknown[]] | undefined;
  if (join) {
    const parts = join[1].map(literal);
    return parts.every((x) => x !== undefined) ? parts.join(join[0]) : undefined;
  }
  return undefined;
}

/** `Type:Property=value` of every fixed physical name of one platform. */
function physicalNames(configName: string): string[] {
  const { app } = testPlatform(CONFIGS[configName]!);
  const names: string[] = [];
  for (const stack of app.node.children.filter((c): c is Stack => c instanceof Stack)) {
    const resources = template(stack).toJSON()['Resources'] as Record<string, { Type: string; Properties?: object }>;
    for (const r of Object.values(resources)) {
      const props = (r.Properties ?? {}) as Record<string, unknown>;
      for (const [k, v] of Object.entries(props)) {
        if (!/(Name|Identifier)$/.test(k) || NOT_ACCOUNT_SCOPED.has(k)) continue;
        const value = literal(v);
        if (value !== undefined) names.push(`${r.Type}:${k}=${value}`);
      }
      const dbName = literal((props['DatabaseInput'] as Record<string, unknown> | undefined)?.['Name']);
      if (r.Type === 'AWS::Glue::Database' && dbName) names.push(`${r.Type}:DatabaseInput.Name=${dbName}`);
    }
  }
  // Created by the ML pipeline (not CloudFormation) under names derived from the stack prefix.
  const prefix = CONFIGS[configName]!.stackPrefix;
  names.push(`SageMaker:Endpoint=${endpointName(prefix)}`, `SageMaker:NamePrefix=${sagemakerNamePrefix(prefix)}`);
  return names;
}

describe('physical names: two platforms side by side in one account and region', () => {
  const byConfig = new Map(Object.keys(CONFIGS).map((n) => [n, physicalNames(n)]));

  it('finds the fixed names (the Glue database and security configuration among them)', () => {
    const names = byConfig.get('default')!;
    expect(names).toContain('AWS::Glue::Database:DatabaseInput.Name=smartfactory_analytics');
    expect(names.some((n) => n.startsWith('AWS::Glue::SecurityConfiguration:Name='))).toBe(true);
    expect(byConfig.get('dev')).toContain('AWS::Glue::Database:DatabaseInput.Name=smartfactorydev_analytics');
  });

  it.each(
    Object.keys(CONFIGS).flatMap((a, i) =>
      Object.keys(CONFIGS)
        .slice(i + 1)
        .map((b) => [a, b] as const)
    )
  )('%s and %s share no physical name', (a, b) => {
    const other = new Set(byConfig.get(b));
    expect(byConfig.get(a)!.filter((n) => other.has(n))).toEqual([]);
  });
});
