import { describe, expect, it } from 'vitest';
import { AnomalyDetector } from '@smart-factory/rcf';
import { AnomalyDetector as BaselineDetector } from '../bench/baseline/detector';
import { compare, nabSeries, simulatorSeries } from '../bench/exactness';

// The optimised forest against the frozen code from before the optimisation (bench/baseline): same seed and input,
// bit-identical scores, grades, thresholds and attribution. The full series run in `npm run bench:rcf-exactness`.
describe('detection unchanged by the optimisations', () => {
  it('NAB machine temperature, detect defaults (1 dimension, 100 trees): bit-identical to the baseline', () => {
    const values = nabSeries()[0]!.values.slice(0, 3000);
    expect(compare(new AnomalyDetector({ seed: 42 }), new BaselineDetector({ seed: 42 }), values)).toBeUndefined();
  });

  it('simulated 5-sensor device with faults, Lambda defaults (20 dimensions): bit-identical to the baseline', () => {
    const sim = simulatorSeries(2500, 3);
    const o = { dimensions: 5, seed: 3, numberOfTrees: 40 };
    expect(compare(new AnomalyDetector(o), new BaselineDetector(o), sim)).toBeUndefined();
  });
});

describe("attribution 'anomalies' (the Lambda's setting)", () => {
  it('gives the same scores, grades and model, and the same attribution on every anomaly', () => {
    const sim = simulatorSeries(2500, 3);
    const o = { dimensions: 5, seed: 3, numberOfTrees: 40 };
    const all = new AnomalyDetector(o);
    const lazy = new AnomalyDetector(o);
    lazy.attribution = 'anomalies';
    let anomalies = 0;
    let skipped = 0;
    for (const p of sim) {
      const x = all.process(p);
      const y = lazy.process(p);
      expect([y.score, y.grade, y.threshold, y.zScore]).toEqual([x.score, x.grade, x.threshold, x.zScore]);
      if (x.grade > 0) {
        anomalies++;
        expect(y.attribution).toEqual(x.attribution);
        expect([y.topDimension, y.direction]).toEqual([x.topDimension, x.direction]);
      } else if (x.ready) {
        skipped++;
        expect(y.attribution.every((a) => a.high === 0 && a.low === 0)).toBe(true);
        expect(y.topDimension).toBe(-1);
      }
    }
    expect(anomalies).toBeGreaterThan(0);
    expect(skipped).toBeGreaterThan(1000);
    expect(lazy.snapshot()).toEqual(all.snapshot());
  });
});
