/**
 * A small evaluator of AWS IoT Core policy documents for tests, after the documented rules:
 * - policy variables `${iot:Connection.Thing.*}` are substituted from the connection; a statement whose variable
 *   cannot be resolved (certificate not attached to a thing) does not apply
 *   (https://docs.aws.amazon.com/iot/latest/developerguide/thing-policy-variables.html);
 * - `*` and `?` are the only wildcards in Resource; MQTT's `+` and `#` are literal characters there
 *   (https://docs.aws.amazon.com/iot/latest/developerguide/pub-sub-policy.html);
 * - default deny, an explicit Deny wins; conditions `Bool` and `StringEquals` (every listed key must match).
 */
export interface IotConnection {
  /** The thing the certificate is attached to (undefined: not attached). */
  readonly thingName?: string;
  readonly thingTypeName?: string;
}

export interface IotRequest {
  readonly action: string;
  readonly resource: string;
  readonly connection: IotConnection;
}

interface Statement {
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

const VARIABLE = /\$\{(iot:[A-Za-z.]+)\}/g;

function variables(c: IotConnection): Record<string, string | undefined> {
  return {
    'iot:Connection.Thing.ThingName': c.thingName,
    'iot:Connection.Thing.ThingTypeName': c.thingName === undefined ? undefined : c.thingTypeName,
    'iot:Connection.Thing.IsAttached': c.thingName === undefined ? 'false' : 'true',
  };
}

function substitute(s: string, vars: Record<string, string | undefined>): string | undefined {
  let unresolved = false;
  const out = s.replace(VARIABLE, (_, name: string) => {
    const v = vars[name];
    if (v === undefined) unresolved = true;
    return v ?? '';
  });
  return unresolved ? undefined : out;
}

function glob(pattern: string, value: string): boolean {
  const re = pattern
    .replace(/[.+^${}()|[\]\\#/]/g, (ch) => `\\${ch}`)
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${re}$`).test(value);
}

const list = (v: string | string[]): string[] => (Array.isArray(v) ? v : [v]);

function conditionsHold(st: Statement, vars: Record<string, string | undefined>): boolean {
  for (const [op, entries] of Object.entries(st.Condition ?? {})) {
    for (const [key, expected] of Object.entries(entries)) {
      const actual = vars[key];
      if (actual === undefined) return false;
      const want = list(expected);
      if (op === 'Bool' || op === 'StringEquals') {
        if (!want.includes(actual)) return false;
      } else {
        throw new Error(`condition operator ${op} not modelled`);
      }
    }
  }
  return true;
}

/** `allow` when some Allow statement matches and no Deny statement does. */
export function evaluateIotPolicy(doc: { readonly Statement: readonly object[] }, req: IotRequest): 'allow' | 'deny' {
  const vars = variables(req.connection);
  let allowed = false;
  for (const st of doc.Statement as Statement[]) {
    if (!list(st.Action).some((a) => glob(a, req.action))) continue;
    const resources = list(st.Resource).map((r) => substitute(r, vars));
    if (!resources.some((r) => r !== undefined && glob(r, req.resource))) continue;
    if (!conditionsHold(st, vars)) continue;
    if (st.Effect === 'Deny') return 'deny';
    allowed = true;
  }
  return allowed ? 'allow' : 'deny';
}

/** Resolves `Fn::Join`, `Ref` of pseudo parameters and given logical ids in a synthesized template value. */
export function resolveCfn(v: unknown, refs: Record<string, string>): unknown {
  if (Array.isArray(v)) return v.map((x) => resolveCfn(x, refs));
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if ('Ref' in o) {
      const r = refs[o['Ref'] as string];
      if (r === undefined) throw new Error(`unresolved Ref ${String(o['Ref'])}`);
      return r;
    }
    if ('Fn::Join' in o) {
      const [sep, parts] = o['Fn::Join'] as [string, unknown[]];
      return parts.map((p) => resolveCfn(p, refs)).join(sep);
    }
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, resolveCfn(x, refs)]));
  }
  return v;
}
