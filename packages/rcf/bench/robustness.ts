/**
 * `npm run bench:rcf-robustness`: how much the default detector's NAB score depends on the random seed.
 * For a few candidate option sets, runs 8 seeds on NAB machine_temperature_system_failure (labelled by NAB: the
 * outside oracle) and on the synthetic series of synthetic-cases.ts, and prints the NAB standard raw score at grade
 * threshold 0.5 (DEFAULT_ALERT_GRADE: what `smart-factory detect` and the Lambda alert at) per seed, with mean / min, windows caught and
 * false-positive rows. Pick candidates by mean AND min over all series, not by the best seed of one file.
 * `npm run bench:rcf-robustness -- <text>` runs only the candidates whose name contains <text> (~1 min per 50 trees).
 * Every candidate spells out its tree count, so the table stays meaningful when the defaults change.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  AnomalyDetector,
  NAB_PROFILES,
  calcSweepScores,
  nabSweep,
  nullAndPerfectScores,
  parseTimestampValueCsv,
  scoreAtThreshold,
  type PartialDetectorOptions,
  type SweepRow,
} from '../src/index';
import { SYNTHETIC_CASES } from './synthetic-cases';

const dataDir = join(__dirname, '..', '..', '..', 'data', 'nab');
const SEEDS = [42, 1, 2, 3, 4, 5, 6, 7];
const profile = NAB_PROFILES.standard;

interface Series {
  readonly name: string;
  readonly values: readonly number[];
  readonly sweep: readonly SweepRow[];
  readonly perfect: number;
}

function loadSeries(): Series[] {
  const out: Series[] = [];
  const rows = parseTimestampValueCsv(readFileSync(join(dataDir, 'machine_temperature_system_failure.csv'), 'utf8'));
  const labels = JSON.parse(readFileSync(join(dataDir, 'machine_temperature_system_failure.labels.json'), 'utf8')) as {
    windows: [string, string][];
  };
  const sweep = nabSweep(
    rows.map((r) => r.timestamp),
    labels.windows,
    profile
  );
  out.push({ name: 'machine_temp', values: rows.map((r) => r.value), sweep, perfect: 0 });
  for (const [name, c] of Object.entries(SYNTHETIC_CASES)) {
    const s = calcSweepScores(
      c.v.map((_, i) => i),
      c.windows,
      profile
    );
    out.push({ name: `syn_${name}`, values: c.v, sweep: s, perfect: 0 });
  }
  return out.map((s) => ({ ...s, perfect: nullAndPerfectScores(s.sweep, profile).perfect }));
}

interface Candidate {
  readonly name: string;
  readonly options: PartialDetectorOptions;
  /** Evaluation-only variant: the thresholder sees the mean of the last `smooth` raw scores. */
  readonly smooth?: number;
  /** Evaluation-only variant: inside an event a new alert needs grade > factor × last alert's (decayed) grade. */
  readonly relative?: number;
}

const CANDIDATES: Candidate[] = [
  { name: '50 trees (defaults before this bench)', options: { numberOfTrees: 50 } },
  { name: '100 trees (defaults now)', options: { numberOfTrees: 100 } },
  { name: '150 trees', options: { numberOfTrees: 150 } },
  { name: '50 trees, score mean of 3', options: { numberOfTrees: 50 }, smooth: 3 },
  { name: '100 trees, score mean of 3', options: { numberOfTrees: 100 }, smooth: 3 },
  { name: '50 trees, relative escalation x2', options: { numberOfTrees: 50 }, relative: 2 },
  { name: '100 trees, relative escalation x2', options: { numberOfTrees: 100 }, relative: 2 },
  { name: '50 trees, escalation 0.25', options: { numberOfTrees: 50, thresholder: { escalation: 0.25 } } },
  { name: '50 trees, escalation 0.1', options: { numberOfTrees: 50, thresholder: { escalation: 0.1 } } },
  { name: '50 trees, no suppression', options: { numberOfTrees: 50, thresholder: { suppressionHorizon: 0 } } },
  { name: '100 trees, escalation 0.25', options: { numberOfTrees: 100, thresholder: { escalation: 0.25 } } },
];

function grades(c: Candidate, seed: number, values: readonly number[]): number[] {
  const d = new AnomalyDetector({ ...c.options, seed });
  const k = c.smooth ?? 1;
  if (k > 1) {
    const th = d.thresholder;
    const orig = th.process.bind(th);
    const ring: number[] = [];
    th.process = (score: number) => {
      ring.push(score);
      if (ring.length > k) ring.shift();
      return orig(ring.reduce((a, b) => a + b, 0) / ring.length);
    };
  }
  const f = c.relative;
  if (f !== undefined) {
    const th = d.thresholder;
    th.process = (score: number) => {
      const o = th.options;
      const mean = th.mean;
      const sd = Math.max(th.deviation, o.minRelativeDeviation * mean, 1e-12);
      let grade = 0;
      let z = 0;
      let threshold = Math.max(o.absoluteThreshold, mean + o.zLow * sd);
      if (th.count >= o.minScores) {
        z = (score - mean) / sd;
        if (score > threshold) grade = Math.min(1, (score - threshold) / (o.gradeSpan * threshold));
      } else threshold = Number.POSITIVE_INFINITY;
      if (th.stepsSinceAlert < Number.MAX_SAFE_INTEGER) th.stepsSinceAlert++;
      if (grade > 0 && th.stepsSinceAlert <= o.suppressionHorizon) {
        const bar = f * th.lastAlertGrade * Math.pow(0.5, th.stepsSinceAlert / o.suppressionHorizon);
        if (grade <= bar) grade = 0;
      }
      if (grade > 0) {
        th.lastAlertGrade = grade;
        th.stepsSinceAlert = 0;
      }
      const x = th.count >= o.minScores ? Math.min(score, threshold * (1 + o.gradeSpan)) : score;
      th.scoreStats.add(x, o.scoreDecay);
      th.count++;
      // (This evaluation-only variant predates the sustained channel and grades the instant channel only.)
      return { grade, zScore: z, threshold, channel: grade > 0 ? ('instant' as const) : ('none' as const) };
    };
  }
  return values.map((v) => d.process(v).grade);
}

const sign = (x: number): string => `${x >= 0 ? '+' : ''}${x.toFixed(2)}`;

function main(): void {
  const series = loadSeries();
  const only = process.argv[2];
  console.log(`NAB standard raw score at grade threshold 0.5, seeds ${SEEDS.join(', ')}`);
  console.log(`perfect: ${series.map((s) => `${s.name} ${sign(s.perfect)}`).join(', ')}`);
  for (const c of CANDIDATES) {
    if (only !== undefined && !c.name.includes(only)) continue;
    console.log(`\n== ${c.name}`);
    let totalMean = 0;
    let worstMinRatio = Number.POSITIVE_INFINITY;
    for (const s of series) {
      const t0 = process.hrtime.bigint();
      const res = SEEDS.map((seed) => scoreAtThreshold(s.sweep, grades(c, seed, s.values), 0.5, profile));
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      const sc = res.map((r) => r.score);
      const mean = sc.reduce((a, b) => a + b, 0) / sc.length;
      const min = Math.min(...sc);
      totalMean += mean / s.perfect;
      worstMinRatio = Math.min(worstMinRatio, min / s.perfect);
      console.log(
        `  ${s.name.padEnd(13)} mean ${sign(mean)} min ${sign(min)} | per seed ${sc.map(sign).join(' ')} | windows ${res
          .map((r) => `${r.windowsDetected}/${r.windows}`)
          .join(
            ' '
          )} | FP rows ${res.map((r) => r.fp).join(' ')} | ${((SEEDS.length * s.values.length) / (ms / 1000)).toFixed(0)} rows/s`
      );
      process.stdout.write('');
    }
    console.log(
      `  summary: mean of (mean/perfect) ${(totalMean / series.length).toFixed(3)}, worst (min/perfect) ${worstMinRatio.toFixed(3)}`
    );
  }
}

main();
