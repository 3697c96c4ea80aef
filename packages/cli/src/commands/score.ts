import { CsvRowParser, formatFloat32 } from '@smart-factory/xgboost';
import { type Command, UsageError, parseOptions } from '../command';
import { checkInputFile, loadScorer, openInput } from '../io';

const usage = `Usage: smart-factory score --model <model.tar.gz|xgboost-model|*.json|*.ubj> --input <csv|-> [--margin] [--all-trees]

Scores a header-less CSV (one row per line, features in model order, an empty field = missing) with a SageMaker
XGBoost model, bit-exact with libxgboost 1.7.4. Prints one line per row: the prediction, or for multi-output models
the values comma-separated, each as the shortest text that parses back to the same float32. Blank lines are skipped.

  --model      model.tar.gz as SageMaker writes it (one xgboost-model, or the k-fold set xgboost-model-0..k-1,
               scored as SageMaker serving does), or one model file (legacy binary, JSON or UBJSON; detected from
               the bytes)
  --input      CSV file, or - for stdin (default)
  --margin     print raw margins (no sigmoid/softmax/exp transform)
  --all-trees  use every tree instead of the model's best_ntree_limit (which SageMaker serving applies)`;

export const scoreCommand: Command = {
  name: 'score',
  summary: 'score a CSV with a SageMaker XGBoost model (bit-exact with libxgboost)',
  usage,
  async run(argv, io) {
    const values = parseOptions(argv, {
      model: { type: 'string' },
      input: { type: 'string', default: '-' },
      margin: { type: 'boolean', default: false },
      'all-trees': { type: 'boolean', default: false },
    });
    if (!values.model) throw new UsageError('--model is required');
    // compile: false: predictBatch runs the heap walker (complete trees, one branch-free comparison per level, eight
    // rows side by side, tree-major over row blocks; see packages/xgboost/src/heap.ts), which is faster than the
    // generated per-tree code and needs no JIT compile time (seconds for a 500-tree model), so generating that code
    // (used only for single rows) would be wasted. Trees it cannot take (categorical, deeper than 12) use the node
    // walker. Same bits either way (parity tests check both with libxgboost; heap.test.ts checks them against each other).
    checkInputFile('input', values.input);
    const scorer = loadScorer('model', values.model, { compile: false });
    const opts = { margin: values.margin, allTrees: values['all-trees'] };
    const ncols = scorer.numFeature;
    const k = scorer.outputSize(opts);
    // Fast path: bytes -> float32 rows (CsvRowParser, same semantics as parseCsvLine) in blocks of BLOCK rows, each
    // block scored by predictBatch (the heap walker the parity tests check), then formatted.
    const BLOCK = 4096;
    const rows = new Float32Array(BLOCK * ncols);
    const parser = new CsvRowParser(ncols);
    const input = openInput('input', values.input, io, 1 << 20);
    const flush = async (n: number): Promise<void> => {
      if (n === 0) return;
      const out = scorer.predictBatch(rows.subarray(0, n * ncols), ncols, opts);
      let s = '';
      if (k === 1) for (let r = 0; r < n; r++) s += formatFloat32(out[r]!) + '\n';
      else
        for (let r = 0; r < n; r++) {
          s += formatFloat32(out[r * k]!);
          for (let j = 1; j < k; j++) s += ',' + formatFloat32(out[r * k + j]!);
          s += '\n';
        }
      if (!io.stdout.write(s)) await new Promise((r) => io.stdout.once('drain', r));
    };
    let filled = 0;
    const drain = async (): Promise<void> => {
      for (;;) {
        let got: number;
        try {
          got = parser.next(rows.subarray(filled * ncols), BLOCK - filled);
        } catch (e) {
          // Rows before the bad line are still scored and printed.
          await flush(filled + parser.rowsBeforeError);
          throw e;
        }
        filled += got;
        if (filled === BLOCK) {
          await flush(filled);
          filled = 0;
        } else return;
      }
    };
    for await (const chunk of input as AsyncIterable<Buffer | string>) {
      parser.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
      await drain();
    }
    parser.end();
    await drain();
    await flush(filled);
    return 0;
  },
};
