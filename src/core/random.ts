/**
 * The one seeded generator (mulberry32): benchmark data, the conversion's fallback inputs and the test
 * fixtures draw from it, so the same seed gives the same numbers everywhere. Not for anything secret.
 */

/** Unsigned 32-bit integers from a 32-bit seed. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** Uniform numbers in [0, 1) from the same sequence. */
export function uniform(seed: number): () => number {
  const next = mulberry32(seed);
  return () => next() / 4294967296;
}
