import { createInterface } from 'node:readline';
import { formatFloat32, parseCsvLine } from '@smart-factory/xgboost';
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
    checkInputFile('input', values.input);
    const scorer = loadScorer('model', values.model);
    const opts = { margin: values.margin, allTrees: values['all-trees'] };
    const ncols = scorer.numFeature;
    const k = scorer.outputSize(opts);
    const row = new Float32Array(ncols);
    const out = new Float32Array(k);
    const input = openInput('input', values.input, io);
    const rl = createInterface({ input, crlfDelay: Infinity });
    let buf = '';
    let lineNo = 0;
    for await (const line of rl) {
      lineNo++;
      if (line.trim() === '') continue;
      parseCsvLine(line, lineNo, ncols, row, 0);
      scorer.predictInto(row, out, 0, opts);
      let s = formatFloat32(out[0]!);
      for (let j = 1; j < k; j++) s += ',' + formatFloat32(out[j]!);
      buf += s + '\n';
      if (buf.length > 65536) {
        if (!io.stdout.write(buf)) await new Promise((r) => io.stdout.once('drain', r));
        buf = '';
      }
    }
    io.stdout.write(buf);
    return 0;
  },
};
