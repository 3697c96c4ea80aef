import { readFile, writeFile } from 'node:fs/promises';
import { AnomalyDetector, CsvError, DEFAULT_DETECTOR_OPTIONS, parseTimestampValueCsv } from '@smart-factory/rcf';
import { type Command, UsageError, parseOptions } from '../command';

const d = DEFAULT_DETECTOR_OPTIONS;
const usage = `Usage: smart-factory detect --input <file.csv> --output <file.csv> [options]

Streams a "timestamp,value" CSV (header required, as in the NAB data files) through the Random Cut Forest anomaly
detector, in file order, and writes "timestamp,value,anomaly_score": one row per input row, timestamp and value copied
as written, anomaly_score in [0,1] (the detector's grade: 0 = normal). Defaults = the deployed Lambda's.

Options:
  --shingle-size <n>   records per shingle (default ${d.shingleSize})
  --trees <n>          number of trees (default ${d.numberOfTrees})
  --sample-size <n>    points per tree (default ${d.sampleSize})
  --time-decay <x>     reservoir decay λ (default 1/${Math.round(1 / d.timeDecay)})
  --warmup <n>         records before scoring starts (default ${d.warmup})
  --seed <n>           random seed (default ${d.seed})
  --score <kind>       grade (default) or raw (RCF score / log2(sampleSize+1), capped at 1)`;

function intOption(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw new UsageError(`--${name} must be a non-negative integer, got "${v}"`);
  return Number(v);
}

export const detectCommand: Command = {
  name: 'detect',
  summary: 'score a timestamp,value CSV with the streaming Random Cut Forest (anomaly_score in [0,1])',
  usage,
  async run(argv, io) {
    const values = parseOptions(argv, {
      input: { type: 'string' },
      output: { type: 'string' },
      'shingle-size': { type: 'string' },
      trees: { type: 'string' },
      'sample-size': { type: 'string' },
      'time-decay': { type: 'string' },
      warmup: { type: 'string' },
      seed: { type: 'string' },
      score: { type: 'string', default: 'grade' },
    });
    if (values.input === undefined) throw new UsageError('--input is required');
    if (values.output === undefined) throw new UsageError('--output is required');
    if (values.score !== 'grade' && values.score !== 'raw') throw new UsageError('--score must be "grade" or "raw"');
    let timeDecay: number | undefined;
    if (values['time-decay'] !== undefined) {
      timeDecay = Number(values['time-decay']);
      if (!Number.isFinite(timeDecay))
        throw new UsageError(`--time-decay must be a number, got "${values['time-decay']}"`);
    }
    const options = Object.fromEntries(
      Object.entries({
        shingleSize: intOption('shingle-size', values['shingle-size']),
        numberOfTrees: intOption('trees', values.trees),
        sampleSize: intOption('sample-size', values['sample-size']),
        warmup: intOption('warmup', values.warmup),
        seed: intOption('seed', values.seed),
        timeDecay,
      }).filter(([, v]) => v !== undefined)
    );
    let detector: AnomalyDetector;
    try {
      detector = new AnomalyDetector(options);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    const text = await readFile(values.input, 'utf8');
    let rows;
    try {
      rows = parseTimestampValueCsv(text);
    } catch (e) {
      if (e instanceof CsvError) throw new Error(`${values.input}: ${e.message}`);
      throw e;
    }
    const norm = Math.log2(detector.options.sampleSize + 1);
    const out: string[] = ['timestamp,value,anomaly_score'];
    let alerts = 0;
    const progressEvery = 100_000;
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      const r = detector.process(row.value);
      const s = values.score === 'raw' ? Math.min(1, r.score / norm) : r.grade;
      if (r.isAnomaly) alerts++;
      out.push(`${row.timestamp},${row.valueText},${s}`);
      if ((i + 1) % progressEvery === 0) io.stderr.write(`detect: ${i + 1}/${rows.length} rows\n`);
    }
    await writeFile(values.output, out.join('\n') + '\n');
    io.stderr.write(`detect: ${rows.length} rows scored, ${alerts} alerts, written to ${values.output}\n`);
    return 0;
  },
};
