/**
 * `npm run bench:rcf`: NAB raw standard-profile score on the machine-temperature series (with KDA-RCF's and HTM's
 * published figures beside it), scoring+update throughput, and snapshot sizes.
 */
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import {
  AnomalyDetector,
  DEFAULT_DETECTOR_OPTIONS,
  NAB_PROFILES,
  RandomCutForest,
  bestThreshold,
  kdaScores,
  nabSweep,
  nullAndPerfectScores,
  parseTimestampValueCsv,
  scoreAtThreshold,
} from '../src/index';
import { NaiveForest } from './naive-rcf';
import { AnomalyDetector as BaselineDetector } from './baseline/detector';
import { nabSeries, simulatorSeries } from './exactness';

const dataDir = join(__dirname, '..', '..', '..', 'data', 'nab');
const csvPath = join(dataDir, 'machine_temperature_system_failure.csv');
const labelsPath = join(dataDir, 'machine_temperature_system_failure.labels.json');

function nab(): void {
  const rows = parseTimestampValueCsv(readFileSync(csvPath, 'utf8'));
  const labels = JSON.parse(readFileSync(labelsPath, 'utf8')) as { windows: [string, string][] };
  const windows = labels.windows;
  const profile = NAB_PROFILES.standard;
  const sweep = nabSweep(
    rows.map((r) => r.timestamp),
    windows,
    profile
  );
  const { nil, perfect } = nullAndPerfectScores(sweep, profile);
  console.log(
    `NAB machine_temperature_system_failure.csv (${rows.length} rows, ${windows.length} windows), standard profile, raw score:`
  );
  console.log(
    `  reference: KDA RANDOM_CUT_FOREST -2.12 | Numenta HTM +1.36 | null ${nil.toFixed(2)} | perfect ${perfect.toFixed(2)}`
  );
  const atHalf: number[] = [];
  for (const seed of [42, 1, 2, 3, 4]) {
    const t0 = process.hrtime.bigint();
    const d = new AnomalyDetector({ seed });
    const grades = rows.map((r) => d.process(r.value).grade);
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    const fixed = scoreAtThreshold(sweep, grades, 0.5, profile);
    const best = bestThreshold(sweep, grades, profile);
    atHalf.push(fixed.score);
    console.log(
      `  ours (defaults, seed ${String(seed).padStart(2)}): ${fixed.score >= 0 ? '+' : ''}${fixed.score.toFixed(2)} at threshold 0.5 ` +
        `(windows ${fixed.windowsDetected}/${fixed.windows}, TP rows ${fixed.tp}, FP rows ${fixed.fp}); ` +
        `best threshold on this file ${best.threshold.toFixed(3)} -> ${best.score.toFixed(2)}; ${(rows.length / (ms / 1000)).toFixed(0)} rows/s`
    );
  }
  // Oracle: our forest with KDA's SQL parameters (100 trees, 256 samples, timeDecay 100,000, shingle 1, score/8 as
  // NAB's KDA harness, 0 for the first 256 records) at NAB's optimised KDA threshold 0.4539 must reproduce KDA's
  // published result on this file: -2.12, TP 19, FP 0, FN 2249, all on 2013-12-16 15:55-17:25, max 0.530.
  for (const seed of [1, 2]) {
    const kda = kdaScores(
      rows.map((r) => r.value),
      seed
    );
    const k = scoreAtThreshold(sweep, kda, 0.4539, profile);
    const hits = rows.filter((_, i) => kda[i]! >= 0.4539 && sweep[i]!.window !== -2).map((r) => r.timestamp);
    console.log(
      `  our RCF with KDA's parameters (seed ${seed}) at NAB's KDA threshold 0.4539: ${k.score.toFixed(2)} (TP ${k.tp}, FP ${k.fp}, FN ${k.fn}; ` +
        `detections ${hits[0]} .. ${hits[hits.length - 1]}; max ${Math.max(...kda).toFixed(3)}) | KDA published: -2.12 (TP 19, FP 0, FN 2249; 2013-12-16 15:55 .. 17:25; max 0.530)`
    );
  }
  const mean = atHalf.reduce((a, b) => a + b, 0) / atHalf.length;
  console.log(
    `  ours mean over 5 seeds at threshold 0.5: ${mean >= 0 ? '+' : ''}${mean.toFixed(2)} (KDA -2.12, HTM +1.36)`
  );
}

function speed(): void {
  const dims = 3;
  const n = 60_000;
  // Pre-generated stream (3 correlated sensors with noise and rare spikes), no allocation in the timed loop.
  const data = new Float64Array(n * dims);
  let s = 12345;
  const rnd = (): number => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s / 4294967296;
  };
  for (let i = 0; i < n; i++) {
    const base = Math.sin(i / 50);
    data[i * dims] = base + 0.1 * rnd();
    data[i * dims + 1] = 2 * base + 0.1 * rnd();
    data[i * dims + 2] = rnd() < 0.001 ? 5 : 0.5 * rnd();
  }
  // The specified configuration: 3-dimensional points, 50 trees x 256 samples (kept explicit), then the detector's
  // default tree count on the same stream.
  const forestRate = (numberOfTrees: number): { rate: number; cpuRate: number } => {
    const forest = new RandomCutForest({
      dimensions: dims,
      numberOfTrees,
      sampleSize: 256,
      timeDecay: 1 / 2560,
      outputAfter: 1,
      seed: 7,
    });
    const p = new Float64Array(dims);
    for (let i = 0; i < warm; i++) {
      p.set(data.subarray(i * dims, i * dims + dims));
      forest.update(p);
    }
    const t0 = process.hrtime.bigint();
    const c0 = process.cpuUsage();
    for (let i = warm; i < n; i++) {
      p.set(data.subarray(i * dims, i * dims + dims));
      sink += forest.score(p);
      forest.update(p);
    }
    const cpu = process.cpuUsage(c0);
    const sec = Number(process.hrtime.bigint() - t0) / 1e9;
    // CPU time of this process: what one core delivers when the machine is shared (wall time includes waiting).
    return { rate: (n - warm) / sec, cpuRate: (n - warm) / ((cpu.user + cpu.system) / 1e6) };
  };
  const warm = 5_000;
  let sink = 0;
  const { rate, cpuRate } = forestRate(50);
  const atDefault = forestRate(DEFAULT_DETECTOR_OPTIONS.numberOfTrees);
  // The naive reference, same stream, same run (fewer records: it is slow).
  const naive = new NaiveForest(50, 256, 1 / 2560, Math.random);
  const nn = 12_000;
  const arr = [0, 0, 0];
  for (let i = 0; i < warm; i++) naive.update(Array.from(data.subarray(i * dims, i * dims + dims)));
  const tn = process.hrtime.bigint();
  const cn = process.cpuUsage();
  for (let i = warm; i < warm + nn; i++) {
    for (let k = 0; k < dims; k++) arr[k] = data[i * dims + k]!;
    sink += naive.score(arr);
    naive.update(arr);
  }
  const naiveRate = nn / (Number(process.hrtime.bigint() - tn) / 1e9);
  const cpuN = process.cpuUsage(cn);
  const naiveCpuRate = nn / ((cpuN.user + cpuN.system) / 1e6);
  const load = loadavg()[0]!.toFixed(1);
  console.log(
    `Throughput, one core, 3-dim points, 50 trees x 256 samples, score + update per record (load average ${load} on ${cpus().length} cores):`
  );
  console.log(
    `  ours: ${rate.toFixed(0)} records/s wall, ${cpuRate.toFixed(0)} records per CPU-second (target >= 50,000) | ` +
      `naive JS port, same run: ${naiveRate.toFixed(0)} wall, ${naiveCpuRate.toFixed(0)} per CPU-second (ours x${(cpuRate / naiveCpuRate).toFixed(1)}) ` +
      `| notes: naive JS port 11,000/s, Java RCF 4.4.0 2,090 updates/s (D=16, 100 trees), rrcf 163/s (40 trees)  [checksum ${sink.toFixed(1)}]`
  );
  console.log(
    `  ours at the detector's default ${DEFAULT_DETECTOR_OPTIONS.numberOfTrees} trees x 256, same stream: ${atDefault.rate.toFixed(0)} records/s wall, ${atDefault.cpuRate.toFixed(0)} records per CPU-second`
  );
  // Full detector path (normalisation, shingle, attribution, thresholder) with the Lambda defaults on 3 sensors.
  const trees = `${DEFAULT_DETECTOR_OPTIONS.numberOfTrees} trees`;
  const det = new AnomalyDetector({ dimensions: dims, shingleSize: 1 });
  const det4 = new AnomalyDetector({ dimensions: dims });
  for (const [name, d] of [
    [`AnomalyDetector ${trees}, shingle 1 (3 dims)`, det],
    [
      `AnomalyDetector ${trees}, shingle ${DEFAULT_DETECTOR_OPTIONS.shingleSize} (${3 * DEFAULT_DETECTOR_OPTIONS.shingleSize} dims)`,
      det4,
    ],
  ] as const) {
    for (let i = 0; i < warm; i++) d.process(data.subarray(i * dims, i * dims + dims));
    const t1 = process.hrtime.bigint();
    for (let i = warm; i < n; i++) d.process(data.subarray(i * dims, i * dims + dims));
    const r = (n - warm) / (Number(process.hrtime.bigint() - t1) / 1e9);
    console.log(
      `  ${name}, with attribution + thresholder: ${r.toFixed(0)} records/s; snapshot ${(d.snapshot().length / 1024).toFixed(0)} KiB`
    );
  }
  const t2 = process.hrtime.bigint();
  const bytes = det4.snapshot();
  const t3 = process.hrtime.bigint();
  AnomalyDetector.restore(bytes);
  const t4 = process.hrtime.bigint();
  console.log(
    `Snapshot (defaults: ${trees}, 3 sensors): ${(bytes.length / 1024).toFixed(0)} KiB; snapshot ${(Number(t3 - t2) / 1e6).toFixed(1)} ms, restore ${(Number(t4 - t3) / 1e6).toFixed(1)} ms ` +
      `| reference estimate 260-450 KiB per 50 x 256 samplers (float32 points)`
  );
}

/**
 * Before/after in the same run: the frozen baseline (bench/baseline, the code before the rcfperf work) and this code,
 * alternated over several rounds, minimum CPU time per round. 1 dimension (NAB machine temperature, detect defaults)
 * and 5 sensors × shingle 4 = 20 dimensions (the project simulator, Lambda defaults), 100 and 50 trees; memory per
 * warm model (bytes of its typed arrays, `memoryBytes`), snapshot size and encode/decode times (medians).
 */
function beforeAfter(): void {
  type Ctor = new (o: object) => {
    process(p: number | number[]): unknown;
    snapshot(): Uint8Array;
    memoryBytes(): number;
  };
  type Restore = (b: Uint8Array) => unknown;
  const impls: [string, Ctor, Restore][] = [
    ['before', BaselineDetector as unknown as Ctor, (b) => BaselineDetector.restore(b)],
    ['after', AnomalyDetector as unknown as Ctor, (b) => AnomalyDetector.restore(b)],
  ];
  const nabValues = nabSeries()[0]!.values;
  const sim = simulatorSeries(12_000, 3);
  const cases: { name: string; options: object; input: (number | number[])[]; warm: number }[] = [
    {
      name: '1 dim x shingle 4, 100 trees (detect defaults, NAB machine temp.)',
      options: {},
      input: nabValues,
      warm: 4000,
    },
    { name: '1 dim x shingle 4, 50 trees', options: { numberOfTrees: 50 }, input: nabValues, warm: 4000 },
    {
      name: '5 sensors x shingle 4 = 20 dims, 100 trees (Lambda defaults, simulator)',
      options: { dimensions: 5 },
      input: sim,
      warm: 6000,
    },
    {
      name: '5 sensors x shingle 4 = 20 dims, 50 trees',
      options: { dimensions: 5, numberOfTrees: 50 },
      input: sim,
      warm: 6000,
    },
  ];
  const rounds = 3;
  const cpuSec = (f: () => void): number => {
    const c0 = process.cpuUsage();
    f();
    const c = process.cpuUsage(c0);
    return (c.user + c.system) / 1e6;
  };
  console.log(
    `Before (frozen baseline) vs after, same run, AnomalyDetector.process (score + attribution + update + grade), ` +
      `records per CPU-second (one core; best of ${rounds} rounds; load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores):`
  );
  for (const c of cases) {
    const best = [Infinity, Infinity];
    const models: { process(p: number | number[]): unknown; snapshot(): Uint8Array; memoryBytes(): number }[] = [];
    const timed = c.input.length - c.warm;
    for (let round = 0; round < rounds; round++) {
      impls.forEach(([, D], k) => {
        const d = new D(c.options);
        for (let i = 0; i < c.warm; i++) d.process(c.input[i]!);
        const sec = cpuSec(() => {
          for (let i = c.warm; i < c.input.length; i++) d.process(c.input[i]!);
        });
        best[k] = Math.min(best[k]!, sec);
        models[k] = d;
      });
    }
    const rate = best.map((s) => timed / s);
    console.log(
      `  ${c.name}: before ${rate[0]!.toFixed(0)}/s, after ${rate[1]!.toFixed(0)}/s (x${(rate[1]! / rate[0]!).toFixed(2)}); ` +
        `${(1000 / rate[1]!).toFixed(3)} ms/record after (before ${(1000 / rate[0]!).toFixed(3)})`
    );
    if (c.name.includes('100 trees')) {
      const line = impls.map(([name, , restore], k) => {
        const d = models[k]!;
        const enc: number[] = [];
        const dec: number[] = [];
        let bytes = d.snapshot();
        for (let i = 0; i < 9; i++) {
          const t0 = process.hrtime.bigint();
          bytes = d.snapshot();
          const t1 = process.hrtime.bigint();
          restore(bytes);
          const t2 = process.hrtime.bigint();
          enc.push(Number(t1 - t0) / 1e6);
          dec.push(Number(t2 - t1) / 1e6);
        }
        const med = (a: number[]): string => a.sort((x, y) => x - y)[a.length >> 1]!.toFixed(1);
        return (
          `${name}: memory ${(d.memoryBytes() / 1048576).toFixed(2)} MiB, snapshot ${(bytes.length / 1024).toFixed(0)} KiB, ` +
          `encode ${med(enc)} ms, decode ${med(dec)} ms`
        );
      });
      console.log(
        `    warm model after ${c.input.length} records — ${line.join(' | ')} (targets: <= 1.5 MiB, <= 256 KiB, <= 5 ms)`
      );
    }
  }
}

// `-- --before-after` runs only the before/after comparison.
if (!process.argv.includes('--before-after')) {
  nab();
  speed();
}
beforeAfter();
