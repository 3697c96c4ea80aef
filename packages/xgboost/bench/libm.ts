/**
 * Exhaustive check of our expf/logf against glibc's on all 2^32 float32 inputs (`npm run bench:libm`), and their speed
 * beside Math.exp/Math.log. Takes roughly 10-30 minutes on a 2-core machine; prints progress.
 */
import { compareWithGlibc } from './libm-compare';
import { expf, logf } from '../src/libm';

function speed(): void {
  const n = 5_000_000;
  const xs = new Float32Array(4096);
  for (let i = 0; i < xs.length; i++) xs[i] = Math.fround((Math.random() - 0.5) * 40);
  for (const [name, fn] of [
    ['expf (ours, glibc-exact)', expf],
    ['Math.fround(Math.exp) (not exact)', (x: number) => Math.fround(Math.exp(x))],
    ['logf (ours, glibc-exact)', (x: number) => logf(Math.abs(x) + 1e-3)],
    ['Math.fround(Math.log) (not exact)', (x: number) => Math.fround(Math.log(Math.abs(x) + 1e-3))],
  ] as const) {
    let s = 0;
    const t = process.hrtime.bigint();
    for (let i = 0; i < n; i++) s += fn(xs[i & 4095]!);
    const ns = Number(process.hrtime.bigint() - t) / n;
    console.log(`${name.padEnd(36)} ${ns.toFixed(1)} ns/call (checksum ${s.toPrecision(4)})`);
  }
}

async function main(): Promise<void> {
  speed();
  const only = process.argv[2];
  for (const fn of ['expf', 'logf'] as const) {
    if (only && only !== fn) continue;
    const t0 = Date.now();
    const r = await compareWithGlibc(fn, 0, 1, 2 ** 32, (n) =>
      process.stderr.write(
        `  ${fn}: ${((100 * n) / 2 ** 32).toFixed(1)}% checked, ${((Date.now() - t0) / 1000).toFixed(0)} s\n`
      )
    );
    console.log(
      `${fn}: ${r.checked} float32 inputs (all 2^32 bit patterns) vs glibc: ${r.mismatches} mismatches` +
        (r.examples.length
          ? ` e.g. ${r.examples.map((e) => e.map((v) => v.toString(16)).join('->')).join(', ')}`
          : '') +
        ` (${((Date.now() - t0) / 1000).toFixed(0)} s)`
    );
    if (r.mismatches) process.exitCode = 1;
  }
}

void main();
