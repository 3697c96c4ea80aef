import {
  AnomalyDetector,
  CsvError,
  DEFAULT_ALERT_GRADE,
  DEFAULT_DETECTOR_OPTIONS,
  parseTimestampValueCsv,
} from '@smart-factory/rcf';
import { type Command, UsageError, integerOption, numberOption, parseOptions } from '../command';
import { checkInputFile, checkOutputFile, quote, readInputText, writeOutputText } from '../io';

const d = DEFAULT_DETECTOR_OPTIONS;
/** The deployed alert rule's defaults (lib/config/configs.ts: streaming.anomalyAlertThreshold, alertCooldownSeconds). */
export const DEPLOYED_ALERT_THRESHOLD = DEFAULT_ALERT_GRADE;
export const DEPLOYED_ALERT_COOLDOWN_SECONDS = 600;

const usage = `Usage: smart-factory detect --input <file.csv|-> --output <file.csv|-> [options]

Streams a "timestamp,value" CSV (header required, as in the NAB data files; timestamps such as 2013-12-02 21:15:00
or ISO-8601, in ascending order) through the Random Cut Forest anomaly detector, in file order, and writes
"timestamp,value,anomaly_score": one row per input row, timestamp and value copied as written, anomaly_score in [0,1]
(the detector's grade: 0 = normal). Defaults = the deployed Lambda's. The summary counts the alerts the deployed
Lambda would send: grade at or above --threshold, at most one per --cooldown of reading time.

Options:
  --input <file|->     the CSV, or - for stdin
  --output <file|->    the scored CSV, or - for stdout
  --shingle-size <n>   records per shingle, 1-64 (default ${d.shingleSize})
  --trees <n>          number of trees, 1-1000 (default ${d.numberOfTrees})
  --sample-size <n>    points per tree, 2-32767 (default ${d.sampleSize})
  --time-decay <x>     reservoir decay λ in [0, 1) (default 1/${Math.round(1 / d.timeDecay)})
  --warmup <n>         records before scoring starts, 1-1000000 (default ${d.warmup})
  --seed <n>           random seed, 0-4294967295 (default ${d.seed})
  --score <kind>       grade (default) or raw (RCF score / log2(sampleSize+1), capped at 1)
  --threshold <x>      alert threshold on the grade, in (0, 1] (default ${DEPLOYED_ALERT_THRESHOLD}, the deployed one)
  --cooldown <s>       seconds between two alerts (default ${DEPLOYED_ALERT_COOLDOWN_SECONDS}, the deployed one)
  --unordered          accept timestamps that go back (still scored in file order; counted in the summary). NAB's
                       machine_temperature_system_failure.csv steps back 55 minutes at line 10151`;

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * Milliseconds of a CSV timestamp: `YYYY-MM-DD[ T]HH:MM[:SS[.fff]]` with an optional `Z`/`±hh:mm` (none = UTC), a
 * real calendar date; NaN otherwise.
 */
export function parseCsvTimestamp(text: string): number {
  const m = TIMESTAMP.exec(text.trim());
  if (!m) return Number.NaN;
  const [y, mo, da, h = '0', mi = '0', s = '0'] = m.slice(1, 7).map((x) => x ?? undefined) as string[];
  const fields = [Number(y), Number(mo) - 1, Number(da), Number(h), Number(mi), Number(s)] as const;
  const ms = Date.UTC(...fields) + (m[7] ? Math.floor(Number(m[7]) * 1000) : 0);
  const back = new Date(Date.UTC(...fields));
  if (
    back.getUTCFullYear() !== fields[0] ||
    back.getUTCMonth() !== fields[1] ||
    back.getUTCDate() !== fields[2] ||
    back.getUTCHours() !== fields[3] ||
    back.getUTCMinutes() !== fields[4] ||
    back.getUTCSeconds() !== fields[5]
  ) {
    return Number.NaN;
  }
  const zone = m[8];
  if (zone === undefined || zone === 'Z') return ms;
  const z = /^([+-])(\d{2}):?(\d{2})$/.exec(zone)!;
  const offset = (Number(z[2]) * 60 + Number(z[3])) * 60_000;
  return z[1] === '+' ? ms - offset : ms + offset;
}

/** The detector's option names, as this command's options, for its range errors. */
const OPTION_OF: Record<string, string> = {
  shingleSize: '--shingle-size',
  numberOfTrees: '--trees',
  sampleSize: '--sample-size',
  timeDecay: '--time-decay',
  warmup: '--warmup',
  seed: '--seed',
};

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
      threshold: { type: 'string' },
      cooldown: { type: 'string' },
      unordered: { type: 'boolean', default: false },
    });
    if (values.input === undefined) throw new UsageError('--input is required');
    if (values.output === undefined) throw new UsageError('--output is required');
    if (values.score !== 'grade' && values.score !== 'raw') {
      throw new UsageError(`--score must be "grade" or "raw", got ${quote(values.score)}`);
    }
    const threshold =
      numberOption('threshold', values.threshold, 0, 1, { exclusiveMin: true }) ?? DEPLOYED_ALERT_THRESHOLD;
    const cooldownMs =
      (numberOption('cooldown', values.cooldown, 0, 7 * 86_400, { unit: 'seconds' }) ??
        DEPLOYED_ALERT_COOLDOWN_SECONDS) * 1000;
    const timeDecay = values['time-decay'] === undefined ? undefined : Number(values['time-decay']);
    if (timeDecay !== undefined && !(timeDecay >= 0 && timeDecay < 1)) {
      throw new UsageError(`--time-decay must be a number in [0, 1), got ${quote(values['time-decay']!)}`);
    }
    const options = Object.fromEntries(
      Object.entries({
        shingleSize: integerOption('shingle-size', values['shingle-size'], 1, 64),
        numberOfTrees: integerOption('trees', values.trees, 1, 1000),
        sampleSize: integerOption('sample-size', values['sample-size'], 2, 32_767),
        warmup: integerOption('warmup', values.warmup, 1, 1_000_000),
        seed: integerOption('seed', values.seed, 0, 2 ** 32 - 1),
        timeDecay,
      }).filter(([, v]) => v !== undefined)
    );
    let detector: AnomalyDetector;
    try {
      detector = new AnomalyDetector(options);
    } catch (e) {
      const message = (e as Error).message.replace(/^\w+/, (f) => OPTION_OF[f] ?? f);
      throw new UsageError(message);
    }
    // Both files are checked before the (possibly long) scoring.
    checkInputFile('input', values.input);
    checkOutputFile('output', values.output);
    const inputName = values.input === '-' ? 'stdin' : values.input;
    const text = await readInputText('input', values.input, io);
    let rows;
    try {
      rows = parseTimestampValueCsv(text);
    } catch (e) {
      if (e instanceof CsvError) throw new Error(`${inputName}: ${e.message}`);
      throw e;
    }
    let previous = Number.NEGATIVE_INFINITY;
    let backward = 0;
    const times = new Float64Array(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      const ms = parseCsvTimestamp(row.timestamp);
      if (Number.isNaN(ms)) {
        throw new Error(
          `${inputName}: line ${row.line}: timestamp ${quote(row.timestamp)} is not a date and time ` +
            '(expected e.g. 2013-12-02 21:15:00 or 2013-12-02T21:15:00Z)'
        );
      }
      if (ms < previous) {
        backward++;
        if (!values.unordered) {
          throw new Error(
            `${inputName}: line ${row.line}: timestamp ${quote(row.timestamp)} is before the previous row's ` +
              `${quote(rows[i - 1]!.timestamp)}; rows must be in time order (--unordered accepts this)`
          );
        }
      }
      previous = ms;
      times[i] = ms;
    }
    const norm = Math.log2(detector.options.sampleSize + 1);
    const out: string[] = ['timestamp,value,anomaly_score'];
    let anomalous = 0;
    let alerts = 0;
    let lastAlertMs: number | null = null;
    const progressEvery = 100_000;
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      const r = detector.process(row.value);
      const s = values.score === 'raw' ? Math.min(1, r.score / norm) : r.grade;
      if (r.isAnomaly) anomalous++;
      // The deployed rule (lambdas/anomaly/alerts.ts alertDue): grade ≥ threshold, one alert per cooldown; time going
      // back (a replay) restarts the cooldown.
      const t = times[i]!;
      if (r.grade >= threshold && (lastAlertMs === null || t - lastAlertMs >= cooldownMs || t < lastAlertMs)) {
        alerts++;
        lastAlertMs = t;
      }
      out.push(`${row.timestamp},${row.valueText},${s}`);
      if ((i + 1) % progressEvery === 0) io.stderr.write(`detect: ${i + 1}/${rows.length} rows\n`);
    }
    await writeOutputText('output', values.output, out.join('\n') + '\n', io);
    const where = values.output === '-' ? 'stdout' : values.output;
    io.stderr.write(
      `detect: ${rows.length} ${rows.length === 1 ? 'row' : 'rows'} scored, written to ${where}; ` +
        `${alerts} ${alerts === 1 ? 'alert' : 'alerts'} at the alert threshold ${threshold} with a ` +
        `${cooldownMs / 1000} s cooldown (as the deployed Lambda sends them); ${anomalous} anomalous rows (grade > 0)` +
        (backward > 0 ? `; time went back ${backward} time(s)` : '') +
        '\n'
    );
    return 0;
  },
};
