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
