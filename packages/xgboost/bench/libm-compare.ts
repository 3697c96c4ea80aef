import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { expf, logf } from '../src/libm';

const ORACLE = join(__dirname, '..', '..', '..', 'scripts', 'libm-oracle.py');

export interface LibmCompareResult {
  readonly checked: number;
  readonly mismatches: number;
  /** Up to 10 examples: input bits, glibc bits, ours bits. */
  readonly examples: readonly [number, number, number][];
}

/**
 * Streams glibc's expf/logf results for the float32 bit patterns start + i*stride (i < count) from
 * scripts/libm-oracle.py and compares them with our port. NaN equals NaN (payloads are not compared).
 */
export function compareWithGlibc(
  fn: 'expf' | 'logf',
  start: number,
  stride: number,
  count: number,
  onProgress?: (checked: number) => void
): Promise<LibmCompareResult> {
  const ours = fn === 'expf' ? expf : logf;
  const f32 = new Float32Array(1);
  const u32 = new Uint32Array(f32.buffer);
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/python3', [ORACLE, fn, String(start >>> 0), String(stride >>> 0), String(count)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let i = 0;
    let mismatches = 0;
    const examples: [number, number, number][] = [];
    let carry: Buffer = Buffer.alloc(0);
    let stderr = '';
    let lastReport = 0;
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      const buf = carry.length ? Buffer.concat([carry, d]) : d;
      const n = buf.length >>> 2;
      for (let j = 0; j < n; j++, i++) {
        const want = buf.readUInt32LE(j * 4);
        const inBits = (start + Math.imul(i, stride)) >>> 0;
        u32[0] = inBits;
        f32[0] = ours(f32[0]!);
        const got = u32[0]!;
        if (got !== want) {
          const wantNaN = (want & 0x7fffffff) > 0x7f800000;
          const gotNaN = (got & 0x7fffffff) > 0x7f800000;
          if (!(wantNaN && gotNaN)) {
            mismatches++;
            if (examples.length < 10) examples.push([inBits, want, got]);
          }
        }
      }
      carry = buf.subarray(n * 4);
      if (onProgress && i - lastReport >= 1 << 26) {
        lastReport = i;
        onProgress(i);
      }
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`libm oracle exited with ${code}: ${stderr}`));
      if (i !== count) return reject(new Error(`libm oracle returned ${i} of ${count} values`));
      resolve({ checked: i, mismatches, examples });
    });
  });
}
