import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Command, type CommandIO, UsageError } from './command';
import { COMMANDS } from './commands';
import { clipLongRuns } from './io';

/** The CLI package's version (package.json sits one folder above both src/ and dist/). */
export function cliVersion(): string {
  return (JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string }).version;
}

/**
 * The message printed for a failed command: the AWS SDK's bare "Region is missing" says what to do, and no message
 * repeats a huge input.
 */
export function errorMessage(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  if (/^Region is missing/.test(message)) return 'no AWS region: pass --region or set AWS_REGION';
  return clipLongRuns(message);
}

function help(commands: readonly Command[]): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'Usage: smart-factory <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run "smart-factory <command> --help" for the options of one command, "smart-factory --version" for the version.',
    'A file option given as - means stdin (inputs) or stdout (outputs).',
  ].join('\n');
}

/** Runs the CLI with the given arguments (without node and script); resolves to the exit code. */
export async function main(argv: readonly string[], io: CommandIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(help(COMMANDS) + '\n');
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-V' || name === 'version') {
    io.stdout.write(`smart-factory ${cliVersion()}\n`);
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    io.stderr.write(`smart-factory: unknown command "${name}"\n\n${help(COMMANDS)}\n`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(command.usage + '\n');
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr.write(`smart-factory ${name}: ${errorMessage(e)}\n\n${command.usage}\n`);
      return 2;
    }
    io.stderr.write(`smart-factory ${name}: ${errorMessage(e)}\n`);
    return 1;
  }
}
