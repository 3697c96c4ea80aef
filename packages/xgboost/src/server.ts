import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InputError, parseCsv, parseLibsvm } from './csv';
import { pythonFloatRepr } from './format';
import { XGBoostScorer } from './scorer';

export interface ServerOptions {
  /** A loaded scorer, or a path to model.tar.gz / xgboost-model / *.json / *.ubj. */
  readonly model: XGBoostScorer | string;
  readonly port?: number;
  readonly host?: string;
  /** Score with every tree instead of best_ntree_limit. */
  readonly allTrees?: boolean;
}

export interface RunningServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** SageMaker's MAX_CONTENT_LENGTH for the XGBoost container. */
const MAX_BODY = 6_291_456;

/**
 * A local endpoint with SageMaker's XGBoost container contract: GET /ping; POST /invocations (and
 * /endpoints/<name>/invocations, where the AWS SDK posts) with text/csv (up to num_feature columns; fewer = trailing features missing, as libxgboost allows) or text/libsvm bodies; answers text/csv (one
 * prediction per line) or application/json ({"predictions":[{"score":...}]}) per the Accept header; 415 for other
 * content types and unparseable bodies, 406 for unsupported Accept values, 413 above 6 MB, 204 for an empty body.
 */
export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const scorer = typeof opts.model === 'string' ? XGBoostScorer.fromPath(opts.model) : opts.model;
  const server = createServer((req, res) => {
    handle(scorer, opts, req, res).catch((e: unknown) =>
      send(res, 500, 'text/plain', `internal error: ${(e as Error).message}\n`)
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 8080, opts.host ?? '127.0.0.1', () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return {
    url: `http://${host}:${addr.port}`,
    port: addr.port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((e) => (e ? reject(e) : resolve()));
        server.closeAllConnections();
      }),
  };
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

function mediaType(h: string | undefined): string {
  return (h ?? '').split(';')[0]!.trim().toLowerCase();
}

async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    n += c.length;
    if (n > MAX_BODY) return undefined;
    chunks.push(c);
  }
  return Buffer.concat(chunks);
}

async function handle(
  scorer: XGBoostScorer,
  opts: ServerOptions,
  req: IncomingMessage,
  res: ServerResponse
): Promise<void> {
  const path = (req.url ?? '/').split('?')[0]!;
  if (path === '/ping' && (req.method === 'GET' || req.method === 'HEAD')) return send(res, 200, 'text/plain', '');
  const isInvocation = path === '/invocations' || /^\/endpoints\/[^/]+\/invocations$/.test(path);
  if (!isInvocation) return send(res, 404, 'text/plain', 'not found\n');
  if (req.method !== 'POST') return send(res, 405, 'text/plain', 'use POST\n');
  const ctype = mediaType(req.headers['content-type']);
  const isCsv = ctype === 'text/csv' || ctype === 'csv';
  const isLibsvm = ctype === 'text/libsvm' || ctype === 'text/x-libsvm';
  if (!isCsv && !isLibsvm) {
    req.resume();
    return send(
      res,
      415,
      'text/plain',
      `Content type ${ctype || '(none)'} is not supported: use text/csv or text/libsvm\n`
    );
  }
  const acceptRaw = mediaType(req.headers['accept']?.split(',')[0]);
  const accept = acceptRaw === '' || acceptRaw === '*/*' ? 'text/csv' : acceptRaw;
  if (accept !== 'text/csv' && accept !== 'application/json') {
    req.resume();
    return send(res, 406, 'text/plain', `Accept ${accept} is not supported: use text/csv or application/json\n`);
  }
  const body = await readBody(req);
  if (body === undefined) return send(res, 413, 'text/plain', `payload larger than ${MAX_BODY} bytes\n`);
  const text = body.toString('utf8').trim();
  if (text === '') return send(res, 204, 'text/plain', '');
  let parsed: { data: Float32Array; rows: number; cols: number };
  try {
    parsed = isCsv ? parseCsv(text, scorer.numFeature, { upTo: true }) : parseLibsvm(text, scorer.numFeature);
  } catch (e) {
    if (e instanceof InputError) return send(res, 415, 'text/plain', `Loading ${ctype} data failed: ${e.message}\n`);
    throw e;
  }
  const k = scorer.outputSize({ allTrees: opts.allTrees });
  const out = scorer.predictBatch(parsed.data, parsed.cols, { allTrees: opts.allTrees });
  const rows: string[][] = [];
  for (let r = 0; r < parsed.rows; r++) {
    const vals: string[] = [];
    for (let j = 0; j < k; j++) vals.push(pythonFloatRepr(out[r * k + j]!));
    rows.push(vals);
  }
  if (accept === 'application/json') {
    const preds = rows.map((v) => `{"score": ${k === 1 ? v[0] : `[${v.join(', ')}]`}}`);
    return send(res, 200, 'application/json', `{"predictions": [${preds.join(', ')}]}`);
  }
  return send(res, 200, 'text/csv', rows.map((v) => v.join(',')).join('\n') + '\n');
}
