import type { Command } from '../command';
import { edgeCommand } from './edge';
import { scoreCommand } from './score';
import { serveCommand } from './serve';
import { validateCommand } from './validate';

/** Every command of the CLI. Add a command by adding its module here (keep the list alphabetical). */
export const COMMANDS: readonly Command[] = [edgeCommand, scoreCommand, serveCommand, validateCommand];
