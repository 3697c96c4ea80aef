import { type Command, type CommandIO, UsageError } from './command';
import { COMMANDS } from './commands';

function help(commands: readonly Command[]): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'Usage: smart-factory <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run "smart-factory <command> --help" for the options of one command.',
  ].join('\n');
}

/** Runs the CLI with the given arguments (without node and script); resolves to the exit code. */
export async function main(argv: readonly string[], io: CommandIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(help(COMMANDS) + '\n');
    return name === undefined ? 2 : 0;
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
      io.stderr.write(`smart-factory ${name}: ${e.message}\n\n${command.usage}\n`);
      return 2;
    }
    io.stderr.write(`smart-factory ${name}: ${(e as Error).message}\n`);
    return 1;
  }
}
