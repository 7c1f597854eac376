// Test signals shared by the mastering tests.

/** A deterministic uniform source in [-1, 1) (xorshift32). */
export function random(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    return (x / 0x100000000) * 2 - 1;
  };
}
