import { ModelFormatError } from './errors';

const NAN_TOKEN = '\u0000NaN';
const INF_TOKEN = '\u0000Inf';
const NINF_TOKEN = '\u0000-Inf';

/**
 * Parses XGBoost's JSON model text, which may contain the bare tokens NaN, Infinity and -Infinity (XGBoost writes
 * non-finite floats that way, e.g. in loss_changes). Those tokens are rewritten into marker strings outside string
 * literals, parsed by JSON.parse and turned back into numbers by a reviver.
 */
export function parseXGBoostJson(text: string): unknown {
  let out = '';
  let last = 0;
  let inString = false;
  let rewritten = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
      continue;
    }
    if (c === 34) {
      inString = true;
    } else if (c === 78 /* N */ && text.startsWith('NaN', i)) {
      out += text.slice(last, i) + JSON.stringify(NAN_TOKEN);
      last = i + 3;
      i += 2;
      rewritten = true;
    } else if (c === 73 /* I */ && text.startsWith('Infinity', i)) {
      const neg = text.charCodeAt(i - 1) === 45; /* - */
      out += text.slice(last, neg ? i - 1 : i) + JSON.stringify(neg ? NINF_TOKEN : INF_TOKEN);
      last = i + 8;
      i += 7;
      rewritten = true;
    }
  }
  if (rewritten) out += text.slice(last);
  try {
    if (!rewritten) return JSON.parse(text);
    return JSON.parse(out, (_k, v: unknown) =>
      v === NAN_TOKEN ? NaN : v === INF_TOKEN ? Infinity : v === NINF_TOKEN ? -Infinity : v
    );
  } catch (e) {
    throw new ModelFormatError(`not a valid XGBoost JSON model: ${(e as Error).message}`);
  }
}
