import { createInterface } from 'node:readline';
import { parseSensorReading } from '@smart-factory/schema';
import { type Command, parseOptions } from '../command';
import { clipLongRuns, openInput } from '../io';

const usage = `Usage: smart-factory validate [--input <file.jsonl|->]

Checks sensor readings (JSON lines) against the platform's schema. Prints one line per invalid reading
("line N: reason") and a summary; blank lines are skipped and not counted. Exits 1 when any reading is invalid or
the input holds no reading at all.

  --input   JSON-lines file, or - for stdin (default)`;

export const validateCommand: Command = {
  name: 'validate',
  summary: 'check sensor readings (JSON lines) against the platform schema',
  usage,
  async run(argv, io) {
    const values = parseOptions(argv, { input: { type: 'string', default: '-' } });
    const name = values.input === '-' ? 'stdin' : values.input;
    const rl = createInterface({ input: openInput('input', values.input, io), crlfDelay: Infinity });
    let lineNo = 0;
    let good = 0;
    let bad = 0;
    for await (const line of rl) {
      lineNo++;
      if (line.trim() === '') continue;
      const r = parseSensorReading(line);
      if (r.ok) {
        good++;
      } else {
        bad++;
        io.stdout.write(`line ${lineNo}: ${clipLongRuns(r.reason)}\n`);
      }
    }
    if (good + bad === 0) {
      io.stderr.write(`no readings in ${name} (${lineNo === 0 ? 'empty input' : `${lineNo} blank line(s)`})\n`);
      return 1;
    }
    io.stderr.write(`${good} valid, ${bad} invalid\n`);
    return bad === 0 ? 0 : 1;
  },
};
