import { parseArgs, type ParseArgsConfig } from 'node:util';

/** One sub-command of the `smart-factory` CLI. */
export interface Command {
  /** The word typed after `smart-factory`. */
  readonly name: string;
  /** One line for `smart-factory --help`. */
  readonly summary: string;
  /** Full usage text, printed by `smart-factory <name> --help` and on a usage error. */
  readonly usage: string;
  /** Runs the command; resolves to the process exit code. */
  run(argv: readonly string[], io: CommandIO): Promise<number>;
}

export interface CommandIO {
  readonly stdin: NodeJS.ReadableStream;
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
}

/** A usage error: printed with the command's usage, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

type OptionsConfig = NonNullable<ParseArgsConfig['options']>;
type OptionValue<D> = D extends { type: 'boolean' } ? boolean : string;
/** Parsed option values: strings or booleans, `undefined` unless the option has a default. */
export type ParsedOptions<O extends OptionsConfig> = {
  [K in keyof O]: O[K] extends { default: unknown } ? OptionValue<O[K]> : OptionValue<O[K]> | undefined;
};

/** A negative or fractional number, which node:util's parseArgs would otherwise take for an option. */
const NUMBER_ARG = /^-(\d|\.\d|Infinity$|NaN$)/;

/**
 * Parses `--option` arguments (no positionals) with node:util's parseArgs; a bad argument is a UsageError. Every
 * command gets the same rules:
 * - `--trees -5` is read as `--trees=-5`, so the command's own range check answers, not parseArgs' "ambiguous";
 * - an option given twice is an error unless it is declared `multiple` (the last one would silently win).
 */
export function parseOptions<const O extends OptionsConfig>(argv: readonly string[], options: O): ParsedOptions<O> {
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const next = argv[i + 1];
    const name = a.startsWith('--') && !a.includes('=') ? a.slice(2) : undefined;
    if (name !== undefined && options[name]?.type === 'string' && next !== undefined && NUMBER_ARG.test(next)) {
      args.push(`${a}=${next}`);
      i++;
    } else {
      args.push(a);
    }
  }
  let parsed;
  try {
    parsed = parseArgs({ args, options, strict: true, allowPositionals: false, tokens: true });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const seen = new Set<string>();
  for (const t of parsed.tokens) {
    if (t.kind !== 'option') continue;
    if (seen.has(t.name) && options[t.name]?.multiple !== true) {
      throw new UsageError(`${t.rawName} was given more than once; it takes one value`);
    }
    seen.add(t.name);
  }
  return parsed.values as unknown as ParsedOptions<O>;
}

/** The text of an option's value in an error: quoted, and at most a short prefix of it. */
function shown(text: string): string {
  return text.length <= 40 ? JSON.stringify(text) : `${JSON.stringify(text.slice(0, 40))}…`;
}

/**
 * An integer option in [min, max]: `undefined` when not given, a UsageError with the option's own range message
 * ("--trees must be an integer from 1 to 1000, got \"-5\"") otherwise.
 */
export function integerOption(name: string, text: string | undefined, min: number, max: number): number | undefined {
  if (text === undefined) return undefined;
  const v = /^[+-]?\d+$/.test(text.trim()) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(v) || v < min || v > max) {
    throw new UsageError(`--${name} must be an integer from ${min} to ${max}, got ${shown(text)}`);
  }
  return v;
}

/** A finite number option in [min, max] (`exclusiveMin`: (min, max]); same rules as `integerOption`. */
export function numberOption(
  name: string,
  text: string | undefined,
  min: number,
  max: number,
  opts: { readonly exclusiveMin?: boolean; readonly unit?: string } = {}
): number | undefined {
  if (text === undefined) return undefined;
  const v = text.trim() === '' ? Number.NaN : Number(text);
  const low = opts.exclusiveMin ? v > min : v >= min;
  if (!Number.isFinite(v) || !low || v > max) {
    const range = `${opts.exclusiveMin ? '(' : '['}${min}, ${max}]`;
    throw new UsageError(
      `--${name} must be a number in ${range}${opts.unit ? ` ${opts.unit}` : ''}, got ${shown(text)}`
    );
  }
  return v;
}
