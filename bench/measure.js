// The timing loop shared by every peer: warm-up, then at least `minRuns` timed runs, each ending with the result
// read back to the host (the step returns the host copy), and the median of those.

export const DEFAULTS = {
  minRuns: 7,
  maxRuns: 50,
  /** Timed runs continue past minRuns while their total stays under this (fast cells get more samples). */
  budgetMs: 2000,
  maxWarmups: 3,
  warmupBudgetMs: 1000,
  /** A cell whose first two runs each take longer than this is skipped (kiln-cpu at 1024^3 on a slow machine). */
  maxRunMs: 10000,
};

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Times `step` (async, returns the result's Float32Array on the host). The first warm-up run includes one-time work
 * (shader compilation, plan building) and is reported separately as `firstMs`.
 */
export async function measure(step, opts = {}) {
  const o = { ...DEFAULTS, ...opts };
  const warmups = [];
  let last;
  let t0 = performance.now();
  last = await step();
  warmups.push(performance.now() - t0);
  // Too slow to time: skipped when the first run AND the second (no compiles left) each take over maxRunMs.
  if (warmups[0] > o.maxRunMs) {
    t0 = performance.now();
    last = await step();
    warmups.push(performance.now() - t0);
    if (warmups[1] > o.maxRunMs) {
      return { skipped: `a run took ${(warmups[1] / 1000).toFixed(1)} s > ${o.maxRunMs / 1000} s`, firstMs: warmups[0], last };
    }
  }
  while (warmups.length < o.maxWarmups && warmups.reduce((a, b) => a + b, 0) < o.warmupBudgetMs) {
    t0 = performance.now();
    last = await step();
    warmups.push(performance.now() - t0);
  }
  const times = [];
  let total = 0;
  while (times.length < o.minRuns || (times.length < o.maxRuns && total < o.budgetMs)) {
    t0 = performance.now();
    last = await step();
    const dt = performance.now() - t0;
    times.push(dt);
    total += dt;
  }
  return {
    medianMs: median(times),
    minMs: Math.min(...times),
    maxMs: Math.max(...times),
    runs: times.length,
    warmups: warmups.length,
    firstMs: warmups[0],
    last,
  };
}
