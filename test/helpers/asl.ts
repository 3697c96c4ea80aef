import type { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';

/** Plausible values for CloudFormation pseudo parameters in a flattened definition. */
export const PSEUDO: Readonly<Record<string, string>> = {
  'AWS::Partition': 'aws',
  'AWS::Region': 'ap-northeast-2',
  'AWS::AccountId': '123456789012',
  'AWS::URLSuffix': 'amazonaws.com',
};

/**
 * Resolves a CloudFormation value to a string with plausible stand-ins: pseudo parameters from PSEUDO, `Fn::FindInMap`
 * from the template's Mappings, imports and references through `names` (logical id / export name substring → value).
 * Throws on anything it cannot resolve, so a new token kind fails the test instead of slipping through.
 */
/** A stand-in: the value for every reference whose logical id / attribute / export name matches the pattern. */
export type StandIn = readonly [RegExp, string | ((name: string) => string)];

export function resolveCfn(
  value: unknown,
  template: { Mappings?: Record<string, Record<string, Record<string, string>>> },
  names: readonly StandIn[],
  pseudo: Readonly<Record<string, string>> = PSEUDO
): string {
  const r = (v: unknown): string => {
    if (typeof v === 'string') return v;
    if (typeof v === 'object' && v !== null) {
      const o = v as Record<string, unknown>;
      if ('Fn::Join' in o) {
        const [sep, parts] = o['Fn::Join'] as [string, unknown[]];
        return parts.map(r).join(sep);
      }
      if ('Ref' in o) {
        const ref = o['Ref'] as string;
        if (ref in pseudo) return pseudo[ref]!;
        return byName(ref);
      }
      if ('Fn::GetAtt' in o) return byName((o['Fn::GetAtt'] as string[]).join('.'));
      if ('Fn::ImportValue' in o) return byName(r(o['Fn::ImportValue']));
      if ('Fn::FindInMap' in o) {
        const [map, k1, k2] = (o['Fn::FindInMap'] as unknown[]).map(r) as [string, string, string];
        const found = template.Mappings?.[map]?.[k1]?.[k2];
        if (found === undefined) throw new Error(`no mapping ${map}.${k1}.${k2}`);
        return found;
      }
    }
    throw new Error(`cannot resolve ${JSON.stringify(v)}`);
  };
  const byName = (name: string): string => {
    for (const [re, val] of names) if (re.test(name)) return typeof val === 'string' ? val : val(name);
    throw new Error(`no stand-in for ${name}`);
  };
  return r(value);
}

/** The (only or named) state machine definition of `stack`, with tokens replaced by plausible values. */
export function stateMachineDefinition(
  stack: Stack,
  names: readonly StandIn[],
  pseudo: Readonly<Record<string, string>> = PSEUDO,
  /** Substring of the state machine's logical id, when the stack holds more than one. */
  logicalIdPart?: string
): Record<string, unknown> {
  const json = Template.fromStack(stack).toJSON() as {
    Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
    Mappings?: Record<string, Record<string, Record<string, string>>>;
  };
  const machines = Object.entries(json.Resources)
    .filter(
      ([id, r]) => r.Type === 'AWS::StepFunctions::StateMachine' && (!logicalIdPart || id.includes(logicalIdPart))
    )
    .map(([, r]) => r);
  if (machines.length !== 1) throw new Error(`expected one state machine, found ${machines.length}`);
  return JSON.parse(
    resolveCfn(machines[0]!.Properties['DefinitionString'], json, names, { ...PSEUDO, ...pseudo })
  ) as Record<string, unknown>;
}

/** aws-local-stepfunctions 3 needs Promise.withResolvers (Node 22); Node 20 lacks it. */
export function polyfillPromiseWithResolvers(): void {
  const P = Promise as unknown as { withResolvers?: unknown };
  if (typeof P.withResolvers === 'function') return;
  P.withResolvers = function withResolvers<T>() {
    let resolve!: (v: T) => void;
    let reject!: (e: unknown) => void;
    const promise = new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}
