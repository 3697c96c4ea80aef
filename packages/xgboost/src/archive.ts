import { gunzipSync } from 'node:zlib';
import { ModelFormatError } from './errors';

export interface ArchiveEntry {
  readonly name: string;
  readonly data: Uint8Array;
}

export function isGzip(b: Uint8Array): boolean {
  return b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;
}

export function isTar(b: Uint8Array): boolean {
  return b.length >= 512 && Buffer.from(b.buffer, b.byteOffset + 257, 5).toString('latin1') === 'ustar';
}

/** Gunzips (with an output cap, so a gzip bomb cannot exhaust memory). */
export function gunzip(b: Uint8Array, maxBytes = 2 ** 31 - 1): Uint8Array {
  try {
    return gunzipSync(b, { maxOutputLength: maxBytes });
  } catch (e) {
    throw new ModelFormatError(`corrupt gzip data: ${(e as Error).message}`);
  }
}

function field(h: Uint8Array, off: number, len: number): string {
  let end = off;
  while (end < off + len && h[end] !== 0) end++;
  return Buffer.from(h.buffer, h.byteOffset + off, end - off).toString('utf8');
}

function octal(h: Uint8Array, off: number, len: number, what: string): number {
  if (h[off]! & 0x80) throw new ModelFormatError(`tar: base-256 ${what} not supported`);
  const s = field(h, off, len).trim();
  if (s === '') return 0;
  if (!/^[0-7]+$/.test(s)) throw new ModelFormatError(`tar: bad ${what} field ${JSON.stringify(s)}`);
  return parseInt(s, 8);
}

/**
 * Lists the regular files of a tar archive (ustar, GNU long names, pax path records). Checksums are verified, so a
 * corrupt archive is reported instead of yielding garbage model bytes.
 */
export function readTar(b: Uint8Array): ArchiveEntry[] {
  const entries: ArchiveEntry[] = [];
  let pos = 0;
  let longName: string | undefined;
  while (pos + 512 <= b.length) {
    const h = b.subarray(pos, pos + 512);
    if (h.every((x) => x === 0)) break;
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : h[i]!;
    if (octal(h, 148, 8, 'checksum') !== sum)
      throw new ModelFormatError(`tar: header checksum mismatch at byte ${pos}`);
    const size = octal(h, 124, 12, 'size');
    const type = String.fromCharCode(h[156]!);
    const prefix = field(h, 345, 155);
    let name = field(h, 0, 100);
    if (prefix) name = `${prefix}/${name}`;
    const start = pos + 512;
    if (start + size > b.length) throw new ModelFormatError(`tar: entry ${name} is truncated`);
    const data = b.subarray(start, start + size);
    pos = start + Math.ceil(size / 512) * 512;
    if (type === 'L') {
      longName = field(data, 0, data.length);
      continue;
    }
    if (type === 'x') {
      const m = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(Buffer.from(data).toString('utf8'));
      if (m) longName = m[1];
      continue;
    }
    if (longName !== undefined) {
      name = longName;
      longName = undefined;
    }
    if (type === '0' || type === '\0' || type === '7') entries.push({ name, data });
  }
  return entries;
}
