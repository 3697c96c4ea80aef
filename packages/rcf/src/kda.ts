import { RandomCutForest } from './forest';

/**
 * The parameters of Kinesis Data Analytics' RANDOM_CUT_FOREST SQL function (100 trees, 256 samples, time decay
 * 1/100,000, no score for the first 256 records), as NAB ran it for its published KDA result.
 */
export const KDA_FOREST_OPTIONS = { numberOfTrees: 100, sampleSize: 256, timeDecay: 1e-5, outputAfter: 256 } as const;

/**
 * Scores a one-dimensional series the way NAB's harness scored KDA: each record is scored before it updates the
 * forest, and the score is divided by 8 and capped at 1.
 */
export function kdaScores(values: readonly number[], seed: number): number[] {
  const f = new RandomCutForest({ dimensions: 1, ...KDA_FOREST_OPTIONS, seed });
  return values.map((v) => {
    const s = f.score([v]);
    f.update([v]);
    return Math.min(1, s / 8);
  });
}
