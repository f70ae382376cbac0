// tf.random: the documented counter scheme (checked against the BigInt Philox of tests/philox_ref.ts), distribution statistics
// with stated tolerances, seeding/session semantics, and the same bits from the CPU and GPU executors.
import * as tf from '../index.js';
import { EXECUTORS, evalGraph, FLOAT64_EXECUTORS } from './helpers.js';
import { philoxBigInt } from './philox_ref.js';

// ---- an independent reference of the scheme documented in ops/random.ts -----------------------------------------

/** Block p of run k for seeds (seed, seed2), both below 2^32 here. */
const block = (seed: number, seed2: number, run: number, p: number): number[] => philoxBigInt([p, run, seed2, 0], [seed, 0]);

const view = new DataView(new ArrayBuffer(4));
/** Uint32ToFloat by reinterpreting the bits 0x3f800000 | mantissa as a float. */
function bitsToUnitFloat(w: number): number {
  view.setUint32(0, ((w & 0x7fffff) | 0x3f800000) >>> 0);
  return view.getFloat32(0) - 1;
}
/** Box-Muller in float64, as the textbook writes it (the kernel rounds each step to float32 as TF's C++). */
function boxMuller(x0: number, x1: number): [number, number] {
  const u1 = Math.max(bitsToUnitFloat(x0), Math.fround(1e-7));
  const v = 2 * Math.PI * bitsToUnitFloat(x1);
  const rad = Math.sqrt(-2 * Math.log(u1));
  return [Math.sin(v) * rad, Math.cos(v) * rad];
}

function refUniform(seed: number, seed2: number, run: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => bitsToUnitFloat(block(seed, seed2, run, Math.floor(i / 4))[i % 4]));
}
function refNormal(seed: number, seed2: number, run: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => {
    const w = block(seed, seed2, run, Math.floor(i / 4));
    const e = i % 4;
    return boxMuller(w[e < 2 ? 0 : 2], w[e < 2 ? 1 : 3])[e % 2];
  });
}
function refTruncated(seed: number, seed2: number, run: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => {
    for (let j = 0; j < 8; j++) {
      const w = block(seed, seed2, run, 8 * i + j);
      for (const z of [...boxMuller(w[0], w[1]), ...boxMuller(w[2], w[3])]) if (Math.abs(Math.fround(z)) < 2) return z;
    }
    return 0;
  });
}

function stats(xs: ArrayLike<number>): { mean: number; variance: number; min: number; max: number } {
  let s = 0, min = Infinity, max = -Infinity;
  for (let i = 0; i < xs.length; i++) { s += xs[i]; min = Math.min(min, xs[i]); max = Math.max(max, xs[i]); }
  const mean = s / xs.length;
  let v = 0;
  for (let i = 0; i < xs.length; i++) v += (xs[i] - mean) ** 2;
  return { mean, variance: v / xs.length, min, max };
}

const DEFAULT_GRAPH_SEED = 87654321;
const N = 100000;

describe.each(EXECUTORS)('random ops on %s', (ex) => {
  /** float64 runs where the executor has it; elsewhere the graph must be refused by name. */
  const float64 = async (build: () => tf.Tensor, check: (x: tf.NDArray) => void): Promise<void> => {
    if (FLOAT64_EXECUTORS.includes(ex)) { check(await evalGraph(ex, build, (t) => t)); return; }
    await expect(evalGraph(ex, build, (t) => t)).rejects.toThrow(tf.errors.UnimplementedError);
    await expect(evalGraph(ex, build, (t) => t)).rejects.toThrow(/float64/);
  };

  test('uniform: the documented Philox scheme, run 0 and run 1, exactly', async () => {
    const g = new tf.Graph();
    const u = g.asDefault(() => tf.random.uniform([3, 5], { seed: 42 }));
    expect(u.op.name).toBe('random_uniform');
    const rnd = g.getOperationByName('random_uniform/RandomUniform');
    expect([rnd.attrs.seed, rnd.attrs.seed2]).toEqual([DEFAULT_GRAPH_SEED, 42]);
    const sess = await tf.Session.create({ graph: g, executor: ex });
    const run0 = await sess.run(rnd.outputs[0]);
    const run1 = await sess.run(u);
    await sess.close();
    expect(run0.shape).toEqual([3, 5]);
    expect(Array.from(run0.data)).toEqual(refUniform(DEFAULT_GRAPH_SEED, 42, 0, 15));
    expect(Array.from(run1.data)).toEqual(refUniform(DEFAULT_GRAPH_SEED, 42, 1, 15));
  });

  test('uniform: 100k samples in [0, 1) with mean 1/2 and variance 1/12; minval/maxval scale them', async () => {
    const x = await evalGraph(ex, () => tf.random.uniform([N], { seed: 1 }), (t) => t);
    expect(x.dtype).toBe('float32');
    const s = stats(x.data);
    expect(s.min).toBeGreaterThanOrEqual(0);
    expect(s.max).toBeLessThan(1);
    // Standard errors: mean sqrt(1/12/N) = 0.0009, variance about 0.0002; tolerances are 5 of them.
    expect(Math.abs(s.mean - 0.5)).toBeLessThan(0.005);
    expect(Math.abs(s.variance - 1 / 12)).toBeLessThan(0.001);
    const z = await evalGraph(ex, () => tf.random.uniform([N], { minval: -3, maxval: 5, seed: 2 }), (t) => t);
    const u = stats(z.data);
    expect(u.min).toBeGreaterThanOrEqual(-3);
    expect(u.max).toBeLessThan(5);
    expect(Math.abs(u.mean - 1)).toBeLessThan(0.04);
    expect(Math.abs(u.variance - 64 / 12)).toBeLessThan(0.07);
    await float64(() => tf.random.uniform([N], { minval: -3, maxval: 5, seed: 2, dtype: 'float64' }), (y) => {
      expect(y.dtype).toBe('float64');
      const t = stats(y.data);
      expect(t.min).toBeGreaterThanOrEqual(-3);
      expect(t.max).toBeLessThan(5);
      expect(Math.abs(t.mean - 1)).toBeLessThan(0.04);
      expect(Math.abs(t.variance - 64 / 12)).toBeLessThan(0.07);
    });
  });

  test('uniform float64 uses 52 bits per value (two words)', async () => {
    const w0 = block(DEFAULT_GRAPH_SEED, 9, 0, 0), w1 = block(DEFAULT_GRAPH_SEED, 9, 0, 1);
    const dbl = (a: number, b: number): number => ((a & 0xfffff) * 2 ** 32 + b) / 2 ** 52;
    await float64(() => tf.random.uniform([4], { seed: 9, dtype: 'float64', name: 'u64' }).graph.getTensorByName('u64/RandomUniform:0'), (x) => {
      expect(Array.from(x.data)).toEqual([dbl(w0[0], w0[1]), dbl(w0[2], w0[3]), dbl(w1[0], w1[1]), dbl(w1[2], w1[3])]);
    });
  });

  test('uniform int32: values in [minval, maxval), every value drawn, the documented scheme exactly', async () => {
    const x = await evalGraph(ex, () => tf.random.uniform([20000], { minval: -3, maxval: 4, dtype: 'int32', seed: 3 }), (t) => t);
    expect(x.dtype).toBe('int32');
    const counts = new Map<number, number>();
    for (const v of x.data) counts.set(v, (counts.get(v) ?? 0) + 1);
    expect([...counts.keys()].sort((a, b) => a - b)).toEqual([-3, -2, -1, 0, 1, 2, 3]);
    for (const c of counts.values()) expect(Math.abs(c / 20000 - 1 / 7)).toBeLessThan(0.015);
    const want = Array.from({ length: 12 }, (_, i) => -3 + (block(DEFAULT_GRAPH_SEED, 3, 0, Math.floor(i / 4))[i % 4] % 7));
    expect(Array.from(x.data.subarray(0, 12))).toEqual(want);
  });

  test('uniform int64 and the integer errors', async () => {
    const x = await evalGraph(ex, () => tf.random.uniform([1000], { minval: 10, maxval: 13, dtype: 'int64', seed: 4 }), (t) => t);
    expect(x.dtype).toBe('int64');
    expect(new Set(x.data)).toEqual(new Set([10, 11, 12]));
    const w = block(DEFAULT_GRAPH_SEED, 4, 0, 0);
    const want = [0, 1].map((e) => 10 + Number((BigInt(w[2 * e]) + (BigInt(w[2 * e + 1]) << 32n)) % 3n));
    expect(Array.from(x.data.subarray(0, 2))).toEqual(want);
    expect(() => tf.random.uniform([2], { dtype: 'int32' })).toThrow(/maxval/);
    await expect(evalGraph(ex, () => tf.random.uniform([2], { minval: 5, maxval: 5, dtype: 'int32', name: 'bad' }), (t) => t))
      .rejects.toThrow(/bad.*minval < maxval.*5 >= 5/);
  });

  test('normal: the documented Box-Muller scheme; 100k samples with mean 0 and std 1; mean/stddev scale them', async () => {
    const x = await evalGraph(ex, () => tf.random.normal([N], { seed: 5 }), (t) => t);
    expect(x.dtype).toBe('float32');
    const ref = refNormal(DEFAULT_GRAPH_SEED, 5, 0, 64);
    for (let i = 0; i < ref.length; i++) expect(Math.abs(x.data[i] - ref[i])).toBeLessThan(1e-5 * (1 + Math.abs(ref[i])));
    const s = stats(x.data);
    expect(Math.abs(s.mean)).toBeLessThan(0.015); // standard error 0.0032
    expect(Math.abs(Math.sqrt(s.variance) - 1)).toBeLessThan(0.012); // standard error 0.0022
    expect(s.max).toBeGreaterThan(3.5);
    expect(s.min).toBeLessThan(-3.5);
    const z = await evalGraph(ex, () => tf.random.normal([N], { mean: 10, stddev: 0.5, seed: 6 }), (t) => t);
    const u = stats(z.data);
    expect(Math.abs(u.mean - 10)).toBeLessThan(0.008);
    expect(Math.abs(Math.sqrt(u.variance) - 0.5)).toBeLessThan(0.006);
    await float64(() => tf.random.normal([N], { mean: 10, stddev: 0.5, seed: 6, dtype: 'float64' }), (y) => {
      expect(y.dtype).toBe('float64');
      const t = stats(y.data);
      expect(Math.abs(t.mean - 10)).toBeLessThan(0.008);
      expect(Math.abs(Math.sqrt(t.variance) - 0.5)).toBeLessThan(0.006);
    });
  });

  test('truncatedNormal: all within 2 stddev, std 0.8796 stddev, the documented per-element scheme', async () => {
    const x = await evalGraph(ex, () => tf.random.truncatedNormal([N], { seed: 7 }), (t) => t);
    const ref = refTruncated(DEFAULT_GRAPH_SEED, 7, 0, 200);
    for (let i = 0; i < ref.length; i++) expect(Math.abs(x.data[i] - ref[i])).toBeLessThan(1e-5 * (1 + Math.abs(ref[i])));
    const s = stats(x.data);
    expect(s.min).toBeGreaterThan(-2);
    expect(s.max).toBeLessThan(2);
    expect(s.max).toBeGreaterThan(1.95);
    expect(Math.abs(s.mean)).toBeLessThan(0.014); // standard error 0.0028
    // Variance of N(0,1) truncated to (-2, 2): 1 - 4 phi(2) / (Phi(2) - Phi(-2)) = 0.77374, std 0.87962.
    expect(Math.abs(Math.sqrt(s.variance) - 0.87962)).toBeLessThan(0.01);
    const z = await evalGraph(ex, () => tf.random.truncatedNormal([N], { mean: -5, stddev: 3, seed: 8 }), (t) => t);
    const u = stats(z.data);
    expect(u.min).toBeGreaterThan(-11);
    expect(u.max).toBeLessThan(1);
    expect(Math.abs(Math.sqrt(u.variance) - 3 * 0.87962)).toBeLessThan(0.03);
    await float64(() => tf.random.truncatedNormal([N], { mean: -5, stddev: 3, seed: 8, dtype: 'float64' }), (y) => {
      const t = stats(y.data);
      expect(t.min).toBeGreaterThan(-11);
      expect(t.max).toBeLessThan(1);
      expect(Math.abs(Math.sqrt(t.variance) - 3 * 0.87962)).toBeLessThan(0.03);
    });
  });

  test('same seeds give the same numbers in a new session; each run in a session gives new ones', async () => {
    for (const make of [
      () => tf.random.uniform([50], { seed: 11 }),
      () => tf.random.normal([50], { seed: 11 }),
      () => tf.random.truncatedNormal([50], { seed: 11 }),
      () => tf.random.uniform([50], { seed: 11, maxval: 1000, dtype: 'int32' }),
    ]) {
      const g = new tf.Graph();
      const t = g.asDefault(make);
      const s1 = await tf.Session.create({ graph: g, executor: ex });
      const a1 = await s1.run(t), a2 = await s1.run(t);
      await s1.close();
      const s2 = await tf.Session.create({ graph: g, executor: ex });
      const b1 = await s2.run(t), b2 = await s2.run(t);
      await s2.close();
      expect(Array.from(b1.data)).toEqual(Array.from(a1.data));
      expect(Array.from(b2.data)).toEqual(Array.from(a2.data));
      expect(Array.from(a2.data)).not.toEqual(Array.from(a1.data));
      // And a rebuilt graph reproduces them too.
      const again = await evalGraph(ex, make, (x) => x);
      expect(Array.from(again.data)).toEqual(Array.from(a1.data));
    }
  });

  test('one fetch of a node in a run uses it once: two consumers see the same values', async () => {
    const [a, b] = await evalGraph(ex, () => {
      const u = tf.random.uniform([10], { seed: 12 });
      return [tf.identity(u), tf.add(u, 0)];
    }, (ts) => ts);
    expect(Array.from(b.data)).toEqual(Array.from(a.data));
  });

  test('unseeded ops differ between sessions (and between runs)', async () => {
    const g = new tf.Graph();
    const t = g.asDefault(() => tf.random.uniform([20]));
    expect([t.graph.getOperationByName('random_uniform/RandomUniform').attrs.seed, t.graph.getOperationByName('random_uniform/RandomUniform').attrs.seed2]).toEqual([0, 0]);
    const s1 = await tf.Session.create({ graph: g, executor: ex });
    const a1 = await s1.run(t), a2 = await s1.run(t);
    await s1.close();
    const s2 = await tf.Session.create({ graph: g, executor: ex });
    const b1 = await s2.run(t);
    await s2.close();
    expect(Array.from(b1.data)).not.toEqual(Array.from(a1.data));
    expect(Array.from(a2.data)).not.toEqual(Array.from(a1.data));
  });

  test('graph seed (tf.setRandomSeed): deterministic, op seeds from a per-graph counter, changes with the seed', async () => {
    const build = (graphSeed: number | null) => () => {
      if (graphSeed !== null) tf.setRandomSeed(graphSeed);
      return [tf.random.uniform([8]), tf.random.normal([8]), tf.random.uniform([8], { seed: 5 })];
    };
    // The builders' output is AddV2(Mul(random, scale), shift).
    const seedsOf = (ts: tf.Tensor[]): Array<[unknown, unknown]> => ts.map((t) => {
      const op = t.op.inputs[0].op.inputs[0].op;
      return [op.attrs.seed, op.attrs.seed2];
    });
    const g1 = new tf.Graph();
    const ts = g1.asDefault(build(1234));
    expect(seedsOf(ts)).toEqual([[1234, 0], [1234, 1], [1234, 5]]);
    const a = await evalGraph(ex, build(1234), (x) => x);
    const b = await evalGraph(ex, build(1234), (x) => x);
    const c = await evalGraph(ex, build(99), (x) => x);
    const d = await evalGraph(ex, build(null), (x) => x);
    for (let i = 0; i < 3; i++) {
      expect(Array.from(b[i].data)).toEqual(Array.from(a[i].data));
      expect(Array.from(c[i].data)).not.toEqual(Array.from(a[i].data));
    }
    expect(Array.from(a[0].data)).not.toEqual(Array.from(a[2].data));
    expect(Array.from(a[0].data)).toEqual(refUniform(1234, 0, 0, 8)); // graph seed 1234, op seed 0 (first random op)
    expect(Array.from(d[2].data)).toEqual(refUniform(DEFAULT_GRAPH_SEED, 5, 0, 8)); // op seed alone
    // Graph seed 0 with op seed 0 is (0, 2^31 - 1): (0, 0) would mean "unseeded".
    const g0 = new tf.Graph();
    g0.asDefault(() => { tf.setRandomSeed(0); tf.random.uniform([2]); });
    const op0 = g0.getOperationByName('random_uniform/RandomUniform');
    expect([op0.attrs.seed, op0.attrs.seed2]).toEqual([0, 2147483647]);
  });

  test('static shapes from the shape input; dynamic shapes from a fed tensor', async () => {
    const g = new tf.Graph();
    g.asDefault(() => {
      expect(tf.random.uniform([2, 3]).shape).toEqual([2, 3]);
      expect(tf.random.normal([]).shape).toEqual([]);
      expect(tf.random.truncatedNormal(tf.constant([4, 1], { dtype: 'int32' })).shape).toEqual([4, 1]);
      expect(tf.random.uniform(tf.placeholder('int32', [2])).shape).toEqual([null, null]);
      expect(tf.random.uniform(tf.placeholder('int32', [null])).shape).toBeNull();
      expect(() => tf.random.uniform([2, -1])).toThrow(/non-negative/);
      expect(() => tf.random.normal([2], { dtype: 'int32' })).toThrow(/int32/);
      expect(() => tf.random.uniform(tf.placeholder('int32', [2, 2]))).toThrow(/vector/);
    });
    const dynamic = evalGraph(ex, () => {
      const s = tf.placeholder('int32', [2], 's');
      return tf.random.normal(s, { seed: 1 });
    }, (t) => t, () => ({ s: tf.ndarray([3, 2], [2], 'int32') }));
    if (ex === 'webgpu') {
      // The GPU executor compiles a plan per feed shape, so an output shape must follow from shapes, not fed values.
      await expect(dynamic).rejects.toThrow(tf.errors.UnimplementedError);
    } else {
      expect((await dynamic).shape).toEqual([3, 2]);
    }
    const e = await evalGraph(ex, () => tf.random.uniform([0, 5], { seed: 1 }), (t) => t);
    expect(e.shape).toEqual([0, 5]);
  });
});

// ---- the same numbers on every executor ------------------------------------------------------------------------

describe('seeded random ops give bit-identical numbers on the CPU and GPU executors', () => {
  const bits = (x: tf.NDArray): Buffer => Buffer.from(x.data.buffer, x.data.byteOffset, x.data.byteLength);
  /** The raw random op behind a builder's output (uniform/normal builders scale it: x * (max - min) + min). */
  const raw = (t: tf.Tensor): tf.Tensor => (t.op.type === 'AddV2' ? t.op.inputs[0].op.inputs[0] : t);
  const ops = (shape: number[], seed: number): tf.Tensor[] => [
    tf.random.uniform(shape, { seed }),
    tf.random.uniform(shape, { seed, minval: -1000, maxval: 12345, dtype: 'int32' }),
    tf.random.uniform(shape, { seed, minval: -2147483648, maxval: 2147483647, dtype: 'int32' }),
    tf.random.uniform(shape, { seed, minval: -5, maxval: 1000000007, dtype: 'int64' }),
    tf.random.uniform(shape, { seed, minval: -2147483648, maxval: 2147483647, dtype: 'int64' }),
    tf.random.normal(shape, { seed }),
    tf.random.truncatedNormal(shape, { seed }),
  ].map(raw);

  /** Runs `fetch` twice in one session per executor; returns [cpu runs, webgpu runs]. */
  async function twoRuns(build: () => tf.Tensor[]): Promise<tf.NDArray[][][]> {
    const g = new tf.Graph();
    const ts = g.asDefault(build);
    const out: tf.NDArray[][][] = [];
    for (const ex of ['cpu', 'webgpu'] as const) {
      const sess = await tf.Session.create({ graph: g, executor: ex });
      out.push([await sess.run(ts), await sess.run(ts)]);
      await sess.close();
    }
    return out;
  }

  test.each([[[1]], [[3]], [[7]], [[2, 501]], [[4099]], [[0, 3]]])('every op and dtype, shape %j, seeds 1, 42, 2^31 - 2, runs 1 and 2', async (shape) => {
    for (const seed of [1, 42, 2147483646]) {
      const [cpu, gpu] = await twoRuns(() => ops(shape, seed));
      for (let run = 0; run < 2; run++) {
        cpu[run].forEach((c, i) => {
          expect([run, i, gpu[run][i].dtype, gpu[run][i].shape]).toEqual([run, i, c.dtype, c.shape]);
          if (!bits(gpu[run][i]).equals(bits(c))) throw new Error(`op ${i} (${c.dtype}), seed ${seed}, run ${run + 1}: the GPU's numbers differ from the CPU's`);
        });
      }
      if (shape[0] > 0) expect(bits(cpu[1][5]).equals(bits(cpu[0][5]))).toBe(false); // run 2 draws new numbers
    }
  });

  test('many normals and truncated normals (every Box-Muller step on 250k word pairs), graph seed, two runs', async () => {
    const [cpu, gpu] = await twoRuns(() => {
      tf.setRandomSeed(20240611);
      return [raw(tf.random.normal([100003])), raw(tf.random.truncatedNormal([30001]))];
    });
    for (let run = 0; run < 2; run++) {
      for (let i = 0; i < 2; i++) expect(bits(gpu[run][i]).equals(bits(cpu[run][i]))).toBe(true);
    }
  });

  test('int ranges fed at run time: the same numbers; a bad range fails the run on both (run counters: see random.ts)', async () => {
    const results: number[][][] = [];
    for (const ex of ['cpu', 'webgpu'] as const) {
      const g = new tf.Graph();
      const { lo, hi, lo64, hi64, r32, r64 } = g.asDefault(() => {
        const lo = tf.placeholder('int32', [], 'lo'), hi = tf.placeholder('int32', [], 'hi');
        const lo64 = tf.placeholder('int64', [], 'lo64'), hi64 = tf.placeholder('int64', [], 'hi64');
        const r32 = tf.random.uniform([5, 3], { minval: lo, maxval: hi, dtype: 'int32', seed: 3, name: 'r32' });
        const r64 = tf.random.uniform([9], { minval: lo64, maxval: hi64, dtype: 'int64', seed: 4 });
        return { lo, hi, lo64, hi64, r32, r64 };
      });
      const sess = await tf.Session.create({ graph: g, executor: ex });
      const feed = (a: number, b: number): tf.Feeds => new Map<tf.Tensor, tf.FeedValue>([
        [lo, tf.ndarray([a], [], 'int32')], [hi, tf.ndarray([b], [], 'int32')],
        [lo64, tf.ndarray([a], [], 'int64')], [hi64, tf.ndarray([b], [], 'int64')],
      ]);
      const got: number[][] = [];
      for (const [a, b] of [[-7, 100], [1, 1000000], [5, 5], [-2147483648, 2147483647]]) {
        const run = sess.run([r32, r64], feed(a, b));
        if (a < b) {
          const [x, y] = await run;
          got.push(Array.from(x.data), Array.from(y.data));
        } else {
          await expect(run).rejects.toThrow(new tf.errors.InvalidArgumentError("RandomUniformInt node 'r32': Need minval < maxval: got 5 >= 5"));
        }
      }
      await sess.close();
      results.push(got);
    }
    // Runs 1 and 2: the same numbers, and the documented scheme.
    expect(results[1].slice(0, 4)).toEqual(results[0].slice(0, 4));
    expect(results[0][0].slice(0, 4)).toEqual(block(DEFAULT_GRAPH_SEED, 3, 0, 0).map((x) => -7 + (x % 107)));
    // After the failed run 3: the CPU executor failed in r32 before drawing, so its run 4 uses run index 2; the GPU
    // executor ran the whole plan, so its run 4 uses run index 3.
    const full = (run: number): number[] => block(DEFAULT_GRAPH_SEED, 3, run, 0).map((x) => (-2147483648 + x) | 0);
    expect(results[0][4].slice(0, 4)).toEqual(full(2));
    expect(results[1][4].slice(0, 4)).toEqual(full(3));
  });
});
