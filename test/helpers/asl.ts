import type { Template } from 'aws-cdk-lib/assertions';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export interface ResolveContext {
  readonly region: string;
  readonly account: string;
}

/**
 * Turns the CloudFormation value of a state machine's DefinitionString (Fn::Join of strings, Ref, Fn::GetAtt,
 * Fn::ImportValue) into the JSON text Step Functions would receive, with plausible values for every token:
 * pseudo parameters, Glue job names, Lambda ARNs, imported SNS topic ARNs. An unknown token throws, so a new kind of
 * reference in the definition shows up here instead of silently becoming a placeholder.
 */
export function resolveCfnString(value: Json, template: Template, ctx: ResolveContext): string {
  const resources = template.toJSON()['Resources'] as Record<string, { Type: string }>;
  const pseudo: Record<string, string> = {
    'AWS::Partition': 'aws',
    'AWS::Region': ctx.region,
    'AWS::AccountId': ctx.account,
    'AWS::URLSuffix': 'amazonaws.com',
  };
  const resolve = (v: Json): string => {
    if (typeof v === 'string') return v;
    if (v === null || typeof v !== 'object' || Array.isArray(v))
      throw new Error(`unexpected value ${JSON.stringify(v)}`);
    const [fn, arg] = Object.entries(v)[0] ?? [];
    if (fn === 'Fn::Join' && Array.isArray(arg)) {
      const [sep, parts] = arg as [string, Json[]];
      return parts.map(resolve).join(sep);
    }
    if (fn === 'Ref' && typeof arg === 'string') {
      if (pseudo[arg]) return pseudo[arg];
      const type = resources[arg]?.Type;
      if (type === 'AWS::Glue::Job') return `job-${arg}`;
      throw new Error(`no plausible value for Ref ${arg} (${type})`);
    }
    if (fn === 'Fn::GetAtt' && Array.isArray(arg)) {
      const [id, attr] = arg as [string, string];
      const type = resources[id]?.Type;
      if (type === 'AWS::Lambda::Function' && attr === 'Arn') {
        return `arn:aws:lambda:${ctx.region}:${ctx.account}:function:${id}`;
      }
      throw new Error(`no plausible value for GetAtt ${id}.${attr} (${type})`);
    }
    if (fn === 'Fn::ImportValue' && typeof arg === 'string') {
      if (/Operations.*Topic/.test(arg)) return `arn:aws:sns:${ctx.region}:${ctx.account}:operations-topic`;
      throw new Error(`no plausible value for ImportValue ${arg}`);
    }
    throw new Error(`unsupported intrinsic ${JSON.stringify(v)}`);
  };
  return resolve(value);
}

/** The definition (parsed ASL) of the only state machine in `template`. */
export function stateMachineDefinition(template: Template, ctx: ResolveContext): Record<string, unknown> {
  const machines = template.findResources('AWS::StepFunctions::StateMachine');
  const ids = Object.keys(machines);
  if (ids.length !== 1) throw new Error(`expected one state machine, found ${ids.length}`);
  const def = (machines[ids[0]!] as { Properties: { DefinitionString: Json } }).Properties.DefinitionString;
  return JSON.parse(resolveCfnString(def, template, ctx)) as Record<string, unknown>;
}

/** Node 20 lacks Promise.withResolvers, which aws-local-stepfunctions 3 uses; install it before importing the library. */
export function installPromiseWithResolvers(): void {
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
