import { mkdirSync, mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { build } from 'esbuild';

const ROOT = join(__dirname, '..', '..');

/**
 * Bundles `lambdas/<dir>/handler.ts` with the options PlatformFunction gives esbuild for `cdk deploy` (CommonJS,
 * node20 target, minified, inline source maps, the AWS SDK left to the runtime) and loads the bundle.
 */
export async function loadBundledHandler<T>(dir: string): Promise<T> {
  // Under node_modules/.cache so the bundle resolves @aws-sdk/* from the repository, as Lambda's runtime provides them.
  const cache = join(ROOT, 'node_modules', '.cache', 'lambda-bundles');
  mkdirSync(cache, { recursive: true });
  const out = join(mkdtempSync(join(cache, `${dir}-`)), 'index.js');
  await build({
    entryPoints: [join(ROOT, 'lambdas', dir, 'handler.ts')],
    outfile: out,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    minify: true,
    sourcemap: 'inline',
    external: ['@aws-sdk/*'],
    tsconfig: join(ROOT, 'tsconfig.json'),
    logLevel: 'silent',
  });
  return createRequire(out)(out) as T;
}
