import { ModelFormatError } from './errors';

/**
 * Decodes XGBoost's UBJSON dialect (1.7 / 2.x / 3.x writers): big-endian numbers, `L`-sized keys, sized generic
 * arrays without a closing `]` (unsized ones are accepted too), strongly typed arrays (`[$<type>#<count>`) decoded
 * into typed arrays. Every read is bounds-checked: a truncated or corrupt file throws ModelFormatError.
 */
export function parseUbjson(bytes: Uint8Array): unknown {
  const r = new UbjReader(bytes);
  const v = r.value();
  return v;
}

const MAX_DEPTH = 64;

class UbjReader {
  private pos = 0;
  private depth = 0;
  private readonly dv: DataView;
  constructor(private readonly b: Uint8Array) {
    this.dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  }

  private fail(msg: string): never {
    throw new ModelFormatError(`corrupt UBJSON model at byte ${this.pos}: ${msg}`);
  }
  private need(n: number): void {
    if (n < 0 || this.pos + n > this.b.length) this.fail('unexpected end of file (truncated model?)');
  }
  private byte(): number {
    this.need(1);
    return this.b[this.pos++]!;
  }

  private int(marker: number): number {
    switch (marker) {
      case 0x69: /* i */ {
        this.need(1);
        return this.dv.getInt8(this.pos++);
      }
      case 0x55 /* U */:
        return this.byte();
      case 0x49: /* I */ {
        this.need(2);
        const v = this.dv.getInt16(this.pos);
        this.pos += 2;
        return v;
      }
      case 0x6c: /* l */ {
        this.need(4);
        const v = this.dv.getInt32(this.pos);
        this.pos += 4;
        return v;
      }
      case 0x4c: /* L */ {
        this.need(8);
        const v = this.dv.getBigInt64(this.pos);
        this.pos += 8;
        if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < -BigInt(Number.MAX_SAFE_INTEGER)) this.fail('integer too large');
        return Number(v);
      }
      default:
        return this.fail(`expected an integer type marker, got 0x${marker.toString(16)}`);
    }
  }

  private count(): number {
    const n = this.int(this.byte());
    if (n < 0 || n > this.b.length) this.fail(`impossible length ${n}`);
    return n;
  }

  private str(): string {
    const n = this.count();
    this.need(n);
    const s = Buffer.from(this.b.buffer, this.b.byteOffset + this.pos, n).toString('utf8');
    this.pos += n;
    return s;
  }

  value(): unknown {
    return this.typed(this.byte());
  }

  private typed(m: number): unknown {
    switch (m) {
      case 0x7b /* { */:
        return this.object();
      case 0x5b /* [ */:
        return this.array();
      case 0x53 /* S */:
        return this.str();
      case 0x64 /* d */: {
        this.need(4);
        const v = this.dv.getFloat32(this.pos);
        this.pos += 4;
        return v;
      }
      case 0x44 /* D */: {
        this.need(8);
        const v = this.dv.getFloat64(this.pos);
        this.pos += 8;
        return v;
      }
      case 0x69:
      case 0x55:
      case 0x49:
      case 0x6c:
      case 0x4c:
        return this.int(m);
      case 0x54 /* T */:
        return true;
      case 0x46 /* F */:
        return false;
      case 0x5a /* Z */:
        return null;
      case 0x43 /* C */:
        return String.fromCharCode(this.byte());
      default:
        return this.fail(`unknown type marker 0x${m.toString(16)}`);
    }
  }

  private enter(): void {
    if (++this.depth > MAX_DEPTH) this.fail('nesting too deep');
  }

  private object(): Record<string, unknown> {
    this.enter();
    const o: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
    for (;;) {
      this.need(1);
      if (this.b[this.pos] === 0x7d /* } */) {
        this.pos++;
        break;
      }
      const key = this.str();
      o[key] = this.value();
    }
    this.depth--;
    return o;
  }

  private array(): unknown {
    this.enter();
    this.need(1);
    let result: unknown;
    if (this.b[this.pos] === 0x24 /* $ */) {
      this.pos++;
      const t = this.byte();
      if (this.byte() !== 0x23 /* # */) this.fail('typed array without a count');
      const n = this.count();
      result = this.typedArray(t, n);
    } else if (this.b[this.pos] === 0x23 /* # */) {
      this.pos++;
      const n = this.count();
      const a: unknown[] = [];
      for (let i = 0; i < n; i++) a.push(this.value());
      result = a;
    } else {
      const a: unknown[] = [];
      for (;;) {
        this.need(1);
        if (this.b[this.pos] === 0x5d /* ] */) {
          this.pos++;
          break;
        }
        a.push(this.value());
      }
      result = a;
    }
    this.depth--;
    return result;
  }

  private typedArray(t: number, n: number): unknown {
    const size =
      t === 0x64 || t === 0x6c ? 4 : t === 0x44 || t === 0x4c ? 8 : t === 0x49 ? 2 : t === 0x55 || t === 0x69 ? 1 : 0;
    if (size === 0) return this.fail(`unsupported typed array element 0x${t.toString(16)}`);
    this.need(n * size);
    const p = this.pos;
    this.pos += n * size;
    const dv = this.dv;
    switch (t) {
      case 0x64: {
        const a = new Float32Array(n);
        for (let i = 0; i < n; i++) a[i] = dv.getFloat32(p + 4 * i);
        return a;
      }
      case 0x44: {
        const a = new Float64Array(n);
        for (let i = 0; i < n; i++) a[i] = dv.getFloat64(p + 8 * i);
        return a;
      }
      case 0x6c: {
        const a = new Int32Array(n);
        for (let i = 0; i < n; i++) a[i] = dv.getInt32(p + 4 * i);
        return a;
      }
      case 0x4c: {
        const a = new Float64Array(n);
        for (let i = 0; i < n; i++) a[i] = Number(dv.getBigInt64(p + 8 * i));
        return a;
      }
      case 0x49: {
        const a = new Int16Array(n);
        for (let i = 0; i < n; i++) a[i] = dv.getInt16(p + 2 * i);
        return a;
      }
      case 0x55:
        return this.b.slice(p, p + n);
      default:
        return new Int8Array(this.b.slice(p, p + n).buffer);
    }
  }
}
