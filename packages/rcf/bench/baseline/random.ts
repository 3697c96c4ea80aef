/**
 * Small seeded PRNG (sfc32, 128-bit state) so that a forest is reproducible from its seed and its state can be
 * snapshotted and restored exactly. Not cryptographic.
 */
export class Random {
  /** The four 32-bit state words (snapshotted as is). */
  readonly state = new Uint32Array(4);

  constructor(seed: number) {
    // splitmix32 to spread any seed (including 0) over the state.
    let s = seed >>> 0;
    const next = (): number => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.state[0] = next();
    this.state[1] = next();
    this.state[2] = next();
    this.state[3] = next() | 1;
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  /** Next uniformly distributed unsigned 32-bit integer. */
  nextUint32(): number {
    const st = this.state;
    const a = st[0]!;
    const b = st[1]!;
    const c = st[2]!;
    const d = st[3]!;
    const t = (((a + b) >>> 0) + d) >>> 0;
    st[3] = (d + 1) >>> 0;
    st[0] = b ^ (b >>> 9);
    st[1] = (c + (c << 3)) >>> 0;
    const c2 = (c << 21) | (c >>> 11);
    st[2] = (c2 + t) >>> 0;
    return t;
  }

  /** Uniform double in the open interval (0, 1) with 32 random bits (never 0: safe under a logarithm). */
  nextOpenUnit(): number {
    return (this.nextUint32() + 0.5) / 4294967296;
  }

  /** Uniform double in [0, 1) with 53 random bits. */
  nextDouble(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }
}
