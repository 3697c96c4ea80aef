import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const script = join(__dirname, '..', 'scripts', 'debian-deps.sh');
const dir = mkdtempSync(join(tmpdir(), 'test-deps-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs scripts/debian-deps.sh as on a machine without apt-get and with the given Python. */
function run(python: string) {
  return spawnSync('bash', [script], {
    encoding: 'utf8',
    env: { ...process.env, SF_DEPS_PYTHON: python, SF_DEPS_APT_GET: join(dir, 'no-apt-get') },
  });
}

describe('npm test on a machine without apt-get', () => {
  it('says exactly what to install instead of "apt-get: command not found"', () => {
    const r = run(join(dir, 'no-python3'));
    expect(r.status).toBe(1);
    expect(r.stderr).not.toContain('command not found');
    expect(r.stderr).toContain(`${join(dir, 'no-python3')} (Python 3) is missing`);
    for (const what of [
      'pytest, pandas, boto3 and xgboost 1.7',
      'sqlfluff',
      'gcc',
      'apt-get install python3-xgboost',
    ]) {
      expect(r.stderr).toContain(what);
    }
  });
  it('names each module a Python lacks', () => {
    const fake = join(dir, 'python3');
    // A "Python" that has none of the modules: the probe's script fails to import each and prints its lines.
    writeFileSync(
      fake,
      '#!/bin/sh\nshift\necho "$1 cannot import pytest"\necho "$1 cannot import xgboost (1.7 needed)"\n',
      { mode: 0o755 }
    );
    const r = run(fake);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`${fake} cannot import pytest`);
    expect(r.stderr).toContain(`${fake} cannot import xgboost (1.7 needed)`);
  });
});
