import { readFileSync } from 'node:fs';
import {
  AnomalyDetector,
  parseTimestampValueCsv,
  calcSweepScores,
  NAB_PROFILES,
  scoreAtThreshold,
  bestThreshold,
} from '../src/index';
const rows = parseTimestampValueCsv(
  readFileSync('/work/shared/data/nab/machine_temperature_system_failure.csv', 'utf8')
);
const labels = JSON.parse(readFileSync('/work/shared/data/nab/machine_temperature_system_failure.labels.json', 'utf8'));
const ts = rows.map((r) => Date.parse(r.timestamp.replace(' ', 'T') + 'Z'));
const wins = labels.windows.map((w: string[]) => w.map((x) => Date.parse(x.replace(' ', 'T').slice(0, 19) + 'Z')));
const sweep = calcSweepScores(ts, wins, NAB_PROFILES.standard);
const opts = JSON.parse(process.argv[2] ?? '{}');
const t0 = Date.now();
const d = new AnomalyDetector(opts);
const grades: number[] = [];
const raws: number[] = [];
const lines: string[] = [];
for (const r of rows) {
  const x = d.process(r.value);
  grades.push(x.grade);
  raws.push(x.score);
  if (x.grade > 0)
    lines.push(
      `${r.timestamp} w=${sweep[grades.length - 1]!.window} g=${x.grade.toFixed(2)} z=${x.zScore.toFixed(1)} s=${x.score.toFixed(2)} v=${r.value.toFixed(1)}`
    );
}
const ms = Date.now() - t0;
if (process.argv[3]) console.log(lines.join('\n'));
console.log('ms', ms, 'alerts', lines.length);
for (const th of [0.01, 0.3, 0.5, 0.7, 0.9])
  console.log('th', th, JSON.stringify(scoreAtThreshold(sweep, grades, th, NAB_PROFILES.standard)));
console.log('best', bestThreshold(sweep, grades, NAB_PROFILES.standard));
const rs = raws.map((x) => Math.min(1, x / 8));
console.log(
  'raw/8 best',
  bestThreshold(sweep, rs, NAB_PROFILES.standard),
  'mean raw',
  raws.reduce((a, b) => a + b) / raws.length
);
