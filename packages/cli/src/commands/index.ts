import type { Command } from '../command';
import { detectCommand } from './detect';
import { edgeCommand } from './edge';
import { etlCommand } from './etl';
import { mlCommand } from './ml';
import { provisionCommand } from './provision';
import { replayCommand } from './replay';
import { runsCommand } from './runs';
import { scoreCommand } from './score';
import { serveCommand } from './serve';
import { simulateCommand } from './simulate';
import { validateCommand } from './validate';

/** Every command of the CLI. Add a command by adding its module here (keep the list alphabetical). */
export const COMMANDS: readonly Command[] = [
  detectCommand,
  edgeCommand,
  etlCommand,
  mlCommand,
  provisionCommand,
  replayCommand,
  runsCommand,
  scoreCommand,
  serveCommand,
  simulateCommand,
  validateCommand,
];
