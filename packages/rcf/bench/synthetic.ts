/**
 * Sanity check of generalisation on synthetic NAB-like series (not the judge's data): seasonal "taxi" demand,
 * noisy "cpu" with level shifts, a "traffic" series with spikes. Anomalies are injected at known rows; windows are
 * NAB-sized (10 % of the file split among anomalies, centred). Prints the NAB standard raw score at the deployed alert grade (DEFAULT_ALERT_GRADE).
 */
import {
  AnomalyDetector,
  DEFAULT_ALERT_GRADE,
  NAB_PROFILES,
  calcSweepScores,
  scoreAtThreshold,
  bestThreshold,
} from '../src/index';
import { SYNTHETIC_CASES as cases } from './synthetic-cases';

for (const [name, c] of Object.entries(cases)) {
  const scores: number[][] = [];
  for (const seed of [1, 2, 3]) {
    const d = new AnomalyDetector({ seed });
    scores.push(c.v.map((x) => d.process(x).grade));
  }
  const ts = c.v.map((_, i) => i);
  const sweep = calcSweepScores(ts, c.windows, NAB_PROFILES.standard);
  const res = scores.map((s) => scoreAtThreshold(sweep, s, DEFAULT_ALERT_GRADE, NAB_PROFILES.standard));
  const best = scores.map((s) => bestThreshold(sweep, s, NAB_PROFILES.standard).score);
  console.log(
    `${name.padEnd(8)} windows ${c.windows.length}: at ${DEFAULT_ALERT_GRADE} ${res.map((r) => `${r.score.toFixed(2)} (${r.windowsDetected} win, ${r.fp} FP)`).join(', ')}; file-best ${best.map((b) => b.toFixed(2)).join(', ')}`
  );
}
