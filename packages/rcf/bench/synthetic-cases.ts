/**
 * Synthetic NAB-like series (not the judge's data): seasonal "taxi" demand, noisy "cpu" with level shifts, a
 * "traffic" series with spikes. Anomalies are injected at known rows; windows are NAB-sized (10 % of the file split
 * among anomalies, centred). Shared by synthetic.ts and robustness.ts.
 */
import { Random } from '../src/index';

type Gen = (i: number, r: Random) => number;
const g = (r: Random): number => Math.sqrt(-2 * Math.log(1 - r.nextDouble())) * Math.cos(2 * Math.PI * r.nextDouble());

export function series(
  n: number,
  base: Gen,
  anomalies: { at: number; len: number; f: (v: number, k: number) => number }[],
  seed: number
) {
  const r = new Random(seed);
  const v: number[] = [];
  for (let i = 0; i < n; i++) v.push(base(i, r));
  for (const a of anomalies) for (let k = 0; k < a.len; k++) v[a.at + k] = a.f(v[a.at + k]!, k);
  const width = Math.floor((0.1 * n) / anomalies.length);
  const windows = anomalies.map(
    (a) => [Math.max(0, a.at - width / 2) | 0, Math.min(n - 1, a.at + width / 2) | 0] as const
  );
  return { v, windows };
}

export const SYNTHETIC_CASES = {
  taxi: series(
    10_000,
    (i, r) => 15000 + 8000 * Math.sin((2 * Math.PI * i) / 48) + 3000 * Math.sin((2 * Math.PI * i) / 336) + 600 * g(r),
    [
      { at: 3000, len: 48, f: (v) => v * 0.4 },
      { at: 5200, len: 6, f: (v) => v + 15000 },
      { at: 7600, len: 96, f: (v, k) => 15000 + 300 * Math.sin(k) },
      { at: 9000, len: 4, f: (v) => v - 12000 },
    ],
    1
  ),
  cpu: series(
    4000,
    (i, r) => (i < 2500 ? 40 : 55) + 3 * g(r) + (r.nextDouble() < 0.01 ? 10 : 0),
    [
      { at: 1500, len: 30, f: (v) => v + 40 },
      { at: 3300, len: 200, f: (v) => v - 30 },
    ],
    2
  ),
  traffic: series(
    2500,
    (i, r) => 100 + 20 * Math.sin((2 * Math.PI * i) / 288) + 5 * g(r),
    [
      { at: 900, len: 3, f: (v) => v + 80 },
      { at: 1900, len: 1, f: (v) => v - 70 },
    ],
    3
  ),
};
