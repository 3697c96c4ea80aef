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

/** Parses `--option` arguments (no positionals) with node:util's parseArgs; a bad argument is a UsageError. */
export function parseOptions<const O extends OptionsConfig>(argv: readonly string[], options: O): ParsedOptions<O> {
  try {
    return parseArgs({ args: [...argv], options, strict: true, allowPositionals: false })
      .values as unknown as ParsedOptions<O>;
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}
