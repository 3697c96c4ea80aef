import { resolve } from 'node:path';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // Tests import workspace packages from source, so they never run against a stale build.
    alias: [
      { find: /^@smart-factory\/([a-z0-9-]+)$/, replacement: resolve(import.meta.dirname, 'packages/$1/src/index.ts') },
    ],
  },
  test: {
    include: ['test/**/*.test.ts', 'packages/*/test/**/*.test.ts', 'lambdas/**/*.test.ts'],
    environment: 'node',
    testTimeout: 600_000,
    hookTimeout: 600_000,
    pool: 'forks',
    reporters: ['default'],
    // Quiet results: a test's console output (Powertools logs included) is printed only when that test fails.
    silent: 'passed-only',
    env: {
      // Powertools writes to process.stdout directly unless POWERTOOLS_DEV is set; with it, logs and metrics go
      // through console, which vitest holds back for passing tests (see `silent`). Log levels stay the default,
      // so a failing test shows everything its Lambda logged.
      POWERTOOLS_DEV: 'true',
      // On Node 20 the AWS SDK warns once per process that releases after January 2027 need Node 22 (see the
      // README's Node section); that is known, and the warning is not a test result.
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
  },
});
