import type { Command } from '../command';
import { detectCommand } from './detect';
import { edgeCommand } from './edge';
import { provisionCommand } from './provision';
import { scoreCommand } from './score';
import { serveCommand } from './serve';
import { simulateCommand } from './simulate';
import { validateCommand } from './validate';

/** Every command of the CLI. Add a command by adding its module here (keep the list alphabetical). */
export const COMMANDS: readonly Command[] = [
  detectCommand,
  edgeCommand,
  provisionCommand,
  scoreCommand,
  serveCommand,
  simulateCommand,
  validateCommand,
];
