import { createInterface } from 'node:readline';
import { createReadStream } from 'node:fs';
import { parseSensorReading } from '@smart-factory/schema';
import { type Command, parseOptions } from '../command';

const usage = `Usage: smart-factory validate [--input <file.jsonl|->]

Checks sensor readings (JSON lines) against the platform's schema. Prints one line per invalid reading
("line N: reason") and a summary; exits 1 when any reading is invalid.`;

export const validateCommand: Command = {
  name: 'validate',
  summary: 'check sensor readings (JSON lines) against the platform schema',
  usage,
  async run(argv, io) {
    const values = parseOptions(argv, { input: { type: 'string', default: '-' } });
    const input = values.input === '-' ? io.stdin : createReadStream(values.input);
    const rl = createInterface({ input, crlfDelay: Infinity });
    let n = 0;
    let bad = 0;
    for await (const line of rl) {
      n++;
      if (line.trim() === '') continue;
      const r = parseSensorReading(line);
      if (!r.ok) {
        bad++;
        io.stdout.write(`line ${n}: ${r.reason}\n`);
      }
    }
    io.stderr.write(`${n - bad} valid, ${bad} invalid\n`);
    return bad === 0 ? 0 : 1;
  },
};
