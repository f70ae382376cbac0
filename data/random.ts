// The small seeded generator behind Dataset.shuffle (and the MNIST demo's split). Input order is not a security
// matter; what matters is that a seed gives the same numbers on every machine and Node version, which Math.random
// does not.

/** mulberry32: uniform in [0, 1), 32 bits of state, the same numbers for the same seed everywhere. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The seed of pass `k` over a shuffled dataset: distinct passes get unrelated streams (murmur3's finaliser over the
 * pair), so epoch k's order depends on (seed, k) only, not on how far earlier epochs were read.
 */
export function mixSeed(seed: number, k: number): number {
  let h = (Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(k + 1, 0x85ebca6b)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
