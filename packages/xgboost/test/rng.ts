/** xorshift32 in [0, 1): the tests' seeded generator (seed 0 is taken as 1). */
export function rng(s: number): () => number {
  let x = s >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}
