import { startServer } from '@smart-factory/xgboost';
import { type Command, UsageError, integerOption, parseOptions } from '../command';
import { loadScorer } from '../io';

const usage = `Usage: smart-factory serve --model <file> [--port 8080] [--host 127.0.0.1] [--all-trees]

Serves a SageMaker XGBoost model locally with the SageMaker container contract: GET /ping, POST /invocations
(also POST /endpoints/<name>/invocations, where the AWS SDK's InvokeEndpoint posts) with text/csv or text/libsvm,
answering text/csv or application/json {"predictions":[{"score":...}]} per the Accept header. Runs until stopped.`;

export const serveCommand: Command = {
  name: 'serve',
  summary: 'serve a SageMaker XGBoost model locally with the SageMaker endpoint contract',
  usage,
  async run(argv, io) {
    const values = parseOptions(argv, {
      model: { type: 'string' },
      port: { type: 'string', default: '8080' },
      host: { type: 'string', default: '127.0.0.1' },
      'all-trees': { type: 'boolean', default: false },
    });
    if (!values.model) throw new UsageError('--model is required');
    const port = integerOption('port', values.port, 0, 65535)!;
    const model = loadScorer('model', values.model);
    const server = await startServer({ model, port, host: values.host, allTrees: values['all-trees'] });
    io.stderr.write(`serving ${values.model} on ${server.url} (POST /invocations, GET /ping); Ctrl-C to stop\n`);
    await new Promise<void>((resolve) => {
      const stop = () => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        void server.close().then(resolve);
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    return 0;
  },
};
