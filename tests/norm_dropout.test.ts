// FusedBatchNormV3 / FusedBatchNormGradV3, tf.nn.fusedBatchNorm, batchNormalization, moments and dropout, against
// float64 JS references written here (never Kiln's own output). Inputs are fed (`fed`), so the kernels run on each
// executor: constants would be folded on the host when the GPU plan is compiled.
import * as tf from '../index.js';
import { addOp } from '../ops/registry.js';
import type { ExecutorName } from '../session/session.js';
import { gradCase, gradValues } from './gradcheck.js';
import { EXECUTORS, evalGraph, expectClose } from './helpers.js';

type Fed = (value: number[], shape: number[]) => tf.Tensor;

/** Builds a graph whose `fed(v, shape)` inputs are float32 Consts fed with their own value, runs it on `ex`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function evalFed(ex: ExecutorName, build: (fed: Fed) => tf.Tensor | tf.Tensor[]): Promise<any> {
  const feeds = new Map<tf.Tensor, tf.NDArray>();
  const fed: Fed = (v, shape) => {
    const t = tf.constant(tf.ndarray(Float32Array.from(v), shape));
    feeds.set(t, t.op.attrs.value as tf.NDArray);
    return t;
  };
  return evalGraph(ex, () => build(fed), (t) => t, () => feeds);
}

// ---- float64 references ----------------------------------------------------------------------------------------

/** Channel of each flat index and the values per channel, for a 4-D shape. */
function channels(shape: number[], format: 'NHWC' | 'NCHW'): { C: number; M: number; ch: (i: number) => number } {
  const [n, a, b, c] = shape;
  if (format === 'NHWC') return { C: c, M: n * a * b, ch: (i) => i % c };
  return { C: a, M: n * b * c, ch: (i) => Math.floor(i / (b * c)) % a };
}

interface RefBN { y: number[]; mean: number[]; biased: number[]; unbiased: number[] }

function refBatchNorm(
  x: number[], shape: number[], format: 'NHWC' | 'NCHW', scale: number[], offset: number[], eps: number,
  given?: { mean: number[]; variance: number[] },
): RefBN {
  const { C, M, ch } = channels(shape, format);
  const mean = new Array<number>(C).fill(0), biased = new Array<number>(C).fill(0);
  x.forEach((v, i) => { mean[ch(i)] += v / M; });
  x.forEach((v, i) => { biased[ch(i)] += (v - mean[ch(i)]) ** 2 / M; });
  const mu = given?.mean ?? mean, va = given?.variance ?? biased;
  const y = x.map((v, i) => { const c = ch(i); return ((v - mu[c]) / Math.sqrt(va[c] + eps)) * scale[c] + offset[c]; });
  return { y, mean, biased, unbiased: biased.map((v) => (v * M) / (M - 1)) };
}

/** d(sum(y * dy))/d(x, scale, offset) of batch norm, from the chain rule written out (training: through mean and var). */
function refBatchNormGrad(
  dy: number[], x: number[], shape: number[], format: 'NHWC' | 'NCHW', scale: number[], mu: number[], va: number[], eps: number, training: boolean,
): { dx: number[]; dscale: number[]; doffset: number[] } {
  const { C, M, ch } = channels(shape, format);
  const dscale = new Array<number>(C).fill(0), doffset = new Array<number>(C).fill(0);
  const xhat = x.map((v, i) => (v - mu[ch(i)]) / Math.sqrt(va[ch(i)] + eps));
  dy.forEach((g, i) => { dscale[ch(i)] += g * xhat[i]; doffset[ch(i)] += g; });
  const dx = dy.map((g, i) => {
    const c = ch(i);
    const k = scale[c] / Math.sqrt(va[c] + eps);
    // Training: d xhat_i / d x_j = (delta_ij - 1/M - xhat_i xhat_j / M) / sqrt(var + eps).
    return training ? k * (g - doffset[c] / M - (xhat[i] * dscale[c]) / M) : k * g;
  });
  return { dx, dscale, doffset };
}

const vals = (n: number, seed: number, lo = -2, hi = 2): number[] => gradValues(n, seed, lo, hi);
const size = (s: number[]): number => s.reduce((a, b) => a * b, 1);

describe.each(EXECUTORS)('batch normalisation on %s', (ex) => {
  const tol = ex === 'cpu' ? { rtol: 1e-5, atol: 1e-5 } : { rtol: 2e-5, atol: 2e-5 };

  test.each([
    ['NHWC', [2, 3, 4, 5]],
    ['NCHW', [2, 3, 4, 5]],
  ] as const)('FusedBatchNormV3 training %s: y with the biased variance, batch_variance unbiased, reserve spaces', async (format, shapeC) => {
    const shape = [...shapeC];
    const C = channels(shape, format).C;
    const x = vals(size(shape), 1, -3, 5), scale = vals(C, 2, 0.5, 2), offset = vals(C, 3);
    const r = await evalFed(ex, (fed) => addOp('FusedBatchNormV3', [fed(x, shape), fed(scale, [C]), fed(offset, [C]), fed([], [0]), fed([], [0])],
      { T: 'float32', U: 'float32', epsilon: 0.001, data_format: format, is_training: true }).outputs);
    const ref = refBatchNorm(x, shape, format, scale, offset, 0.001);
    expectClose(r[0], ref.y, { ...tol, shape });
    expectClose(r[1], ref.mean, tol);
    expectClose(r[2], ref.unbiased, tol);
    expectClose(r[3], ref.mean, tol);
    expectClose(r[4], ref.biased, tol);
    expectClose(r[5], 0, { shape: [] });
  });

  test.each(['NHWC', 'NCHW'] as const)('FusedBatchNormV3 inference %s: normalises with the given statistics and returns them', async (format) => {
    const shape = [2, 3, 2, 4];
    const C = channels(shape, format).C;
    const x = vals(size(shape), 4), scale = vals(C, 5), offset = vals(C, 6), mean = vals(C, 7), variance = vals(C, 8, 0.2, 3);
    const r = await evalFed(ex, (fed) => tf.nn.fusedBatchNorm(fed(x, shape), fed(scale, [C]), fed(offset, [C]),
      { mean: fed(mean, [C]), variance: fed(variance, [C]), isTraining: false, dataFormat: format, epsilon: 0.01 }));
    expectClose(r[0], refBatchNorm(x, shape, format, scale, offset, 0.01, { mean, variance }).y, { ...tol, shape });
    expectClose(r[1], mean, tol);
    expectClose(r[2], variance, tol);
  });

  test('exponential_avg_factor: the statistics outputs are running averages with the given mean and variance', async () => {
    const shape = [3, 2, 2, 2];
    const x = vals(24, 9), old = [0.5, -1], oldVar = [2, 0.25];
    const r = await evalFed(ex, (fed) => addOp('FusedBatchNormV3', [fed(x, shape), fed([1, 1], [2]), fed([0, 0], [2]), fed(old, [2]), fed(oldVar, [2])],
      { T: 'float32', U: 'float32', epsilon: 0.001, exponential_avg_factor: 0.25, is_training: true }).outputs.slice(0, 3));
    const ref = refBatchNorm(x, shape, 'NHWC', [1, 1], [0, 0], 0.001);
    expectClose(r[0], ref.y, { ...tol, shape });
    expectClose(r[1], old.map((m, c) => 0.75 * m + 0.25 * ref.mean[c]), tol);
    expectClose(r[2], oldVar.map((v, c) => 0.75 * v + 0.25 * ref.unbiased[c]), tol);
  });

  test('long channels: 90000 values per channel (past one invocation\'s loop budget), a large mean', async () => {
    for (const format of ['NHWC', 'NCHW'] as const) {
      const shape = format === 'NHWC' ? [1, 300, 300, 2] : [1, 2, 300, 300];
      const x = vals(size(shape), 10, 99, 101);
      const r = await evalFed(ex, (fed) => tf.nn.fusedBatchNorm(fed(x, shape), fed([1, 2], [2]), fed([0, 1], [2]), { dataFormat: format }));
      const ref = refBatchNorm(Array.from(Float32Array.from(x)), shape, format, [1, 2], [0, 1], 0.001);
      expectClose(r[1], ref.mean, { rtol: 1e-6, atol: 0 });
      // The variance is about 1/3: a float32 sum of squares would lose it against the mean's 100^2.
      expectClose(r[2], ref.unbiased, { rtol: 1e-4, atol: 0 });
      expectClose(r[0], ref.y, { rtol: 1e-4, atol: 1e-3, shape });
    }
  });

  test.each([
    ['NHWC', true], ['NCHW', true], ['NHWC', false], ['NCHW', false],
  ] as const)('FusedBatchNormGradV3 %s training=%s against the chain rule', async (format, training) => {
    const shape = [2, 3, 2, 3];
    const C = channels(shape, format).C;
    const x = vals(size(shape), 11), dy = vals(size(shape), 12), scale = vals(C, 13, 0.5, 2);
    const mu = vals(C, 14, -0.5, 0.5), va = vals(C, 15, 0.5, 2);
    // In training the reserve spaces hold the batch's own statistics, which the formula assumes.
    const st = training ? refBatchNorm(x, shape, format, scale, scale, 0) : { mean: mu, biased: va };
    const r = await evalFed(ex, (fed) => addOp('FusedBatchNormGradV3',
      [fed(dy, shape), fed(x, shape), fed(scale, [C]), fed(st.mean, [C]), fed(st.biased, [C]), fed([0], [])],
      { T: 'float32', U: 'float32', epsilon: 0.01, data_format: format, is_training: training }).outputs);
    const ref = refBatchNormGrad(dy, x, shape, format, scale, st.mean, st.biased, 0.01, training);
    expectClose(r[0], ref.dx, { ...tol, shape });
    expectClose(r[1], ref.dscale, tol);
    expectClose(r[2], ref.doffset, tol);
    expect(r[3].shape).toEqual([0]);
    expect(r[4].shape).toEqual([0]);
  });

  // tf.gradients: float64 finite differences on cpu, float32 against cpu on the GPU.
  test('gradients of y by x, scale and offset: training (NHWC, NCHW) and inference', async () => {
    await gradCase(ex, ([x, s, o]) => tf.nn.fusedBatchNorm(x, s, o)[0], [[2, 2, 3, 3], [3], [3]], { tol: 1e-5 });
    await gradCase(ex, ([x, s, o]) => tf.nn.fusedBatchNorm(x, s, o, { dataFormat: 'NCHW' })[0], [[2, 3, 2, 2], [3], [3]], { tol: 1e-5 });
    const mean = [0.25, -0.5, 1], variance = [0.5, 2, 1.5];
    await gradCase(ex, ([x, s, o]) => tf.nn.fusedBatchNorm(x, s, o, {
      mean: tf.constant(mean, { dtype: x.dtype }), variance: tf.constant(variance, { dtype: x.dtype }), isTraining: false,
    })[0], [[2, 2, 2, 3], [3], [3]]);
    await gradCase(ex, ([x, s, o]) => tf.nn.fusedBatchNorm(x, s, o, {
      mean: tf.constant(mean, { dtype: x.dtype }), variance: tf.constant(variance, { dtype: x.dtype }), isTraining: false, dataFormat: 'NCHW',
    })[0], [[2, 3, 2, 2], [3], [3]]);
  });

  test('the gradient is one FusedBatchNormGradV3 reading the reserve spaces (training) or the given statistics (inference)', () => {
    const g = new tf.Graph();
    g.asDefault(() => {
      const x = tf.placeholder('float32', [2, 2, 2, 3], 'x');
      const [y] = tf.nn.fusedBatchNorm(x, [1, 1, 1], [0, 0, 0]);
      const [gx] = tf.gradients(y, [x]);
      expect(gx!.op.type).toBe('FusedBatchNormGradV3');
      expect(gx!.op.inputs.slice(3).map((t) => t.name)).toEqual(['FusedBatchNormV3:3', 'FusedBatchNormV3:4', 'FusedBatchNormV3:5']);
      const mean = tf.constant([0, 0, 0], { name: 'pop_mean' });
      const [yi] = tf.nn.fusedBatchNorm(x, [1, 1, 1], [0, 0, 0], { mean, variance: [1, 1, 1], isTraining: false });
      const [gi] = tf.gradients(yi, [x]);
      expect(gi!.op.inputs[3].name).toBe('pop_mean:0');
      expect(gi!.op.attrs.is_training).toBe(false);
      expect(yi.op.attrs.epsilon).toBeCloseTo(0.001);
      expect(() => tf.nn.fusedBatchNorm(x, [1, 1, 1], [0, 0, 0], { isTraining: false })).toThrow(/required for inference/);
      expect(() => tf.nn.fusedBatchNorm(x, [1, 1], [0, 0, 0])).toThrow(/channels/);
    });
  });

  test('batchNormalization (TF\'s formula) and moments', async () => {
    const shape = [4, 3];
    const x = vals(12, 16), mean = vals(3, 17), variance = vals(3, 18, 0.2, 2), offset = vals(3, 19), scale = vals(3, 20);
    const r = await evalFed(ex, (fed) => [
      tf.nn.batchNormalization(fed(x, shape), fed(mean, [3]), fed(variance, [3]), fed(offset, [3]), fed(scale, [3]), 0.01),
      tf.nn.batchNormalization(fed(x, shape), fed(mean, [3]), fed(variance, [3]), null, null, 0.01),
      ...tf.nn.moments(fed(x, shape), [0]),
      ...tf.nn.moments(fed(x, shape), [0, 1], { keepDims: true }),
    ]);
    expectClose(r[0], x.map((v, i) => ((v - mean[i % 3]) / Math.sqrt(variance[i % 3] + 0.01)) * scale[i % 3] + offset[i % 3]), { ...tol, shape });
    expectClose(r[1], x.map((v, i) => (v - mean[i % 3]) / Math.sqrt(variance[i % 3] + 0.01)), { ...tol, shape });
    const ref = refBatchNorm(x, [4, 1, 1, 3], 'NHWC', [1, 1, 1], [0, 0, 0], 0);
    expectClose(r[2], ref.mean, { ...tol, shape: [3] });
    expectClose(r[3], ref.biased, { ...tol, shape: [3] });
    const m = x.reduce((a, b) => a + b, 0) / 12;
    expectClose(r[4], [[m]], tol);
    expectClose(r[5], [[x.reduce((a, b) => a + (b - m) ** 2, 0) / 12]], tol);
  });

  test('gradients of batchNormalization (every input) and moments (through the elementwise ops)', async () => {
    const pos = (n: number, seed: number): number[] => vals(n, seed, 0.5, 2);
    await gradCase(ex, ([x, m, v, o, s]) => tf.nn.batchNormalization(x, m, v, o, s, 0.01), [[4, 3], [3], [3], [3], [3]],
      { values: [vals(12, 30), vals(3, 31), pos(3, 32), vals(3, 33), vals(3, 34)] });
    await gradCase(ex, ([x]) => tf.nn.moments(x, [0, 2]), [[3, 2, 4]]);
  });
});

// ---- dropout ----------------------------------------------------------------------------------------------------

describe.each(EXECUTORS)('dropout on %s', (ex) => {
  const ones = (n: number): number[] => new Array<number>(n).fill(1);

  test('drops about rate of the values, scales the rest by 1 / (1 - rate)', async () => {
    const r: tf.NDArray = await evalFed(ex, (fed) => tf.nn.dropout(fed(ones(20000), [200, 100]), { rate: 0.3, seed: 1 }));
    let zeros = 0, sum = 0;
    for (const v of r.data) {
      if (v === 0) zeros++;
      else expect(v).toBeCloseTo(1 / 0.7, 6);
      sum += v;
    }
    // Standard error of the dropped fraction: sqrt(0.21 / 20000) = 0.0032; 5 of them.
    expect(Math.abs(zeros / 20000 - 0.3)).toBeLessThan(0.016);
    expect(Math.abs(sum / 20000 - 1)).toBeLessThan(0.025);
  });

  test('seeded: the same mask in every session and every graph; another seed gives another', async () => {
    const x = vals(1000, 21);
    const run = (seed: number): Promise<tf.NDArray> => evalFed(ex, (fed) => tf.nn.dropout(fed(x, [1000]), { rate: 0.5, seed }));
    const [a, b, c] = [await run(7), await run(7), await run(8)];
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
    expect(Array.from(a.data)).not.toEqual(Array.from(c.data));
    // The keep mask is RandomUniform >= rate, with TF's generator: the values kept are exactly x * 2.
    a.data.forEach((v, i) => expect(v === 0 || v === Math.fround(Math.fround(x[i]) * 2)).toBe(true));
  });

  test('rate 0 is the identity (x itself); a rate tensor with a default of 0 keeps everything, fed 0.5 drops', async () => {
    const g = new tf.Graph();
    g.asDefault(() => {
      const x = tf.placeholder('float32', [3], 'x');
      expect(tf.nn.dropout(x, { rate: 0 })).toBe(x);
      expect(() => tf.nn.dropout(x, { rate: 1 })).toThrow(/range \[0, 1\)/);
      expect(tf.nn.dropout(x, { keepProb: 1 })).toBe(x);
      expect(() => tf.nn.dropout(x, {})).toThrow(/exactly one/);
      const kp = tf.nn.dropout(x, { keepProb: tf.placeholderWithDefault(0.75, [], 'keep_prob') });
      expect(kp.graph.getOperationByName('dropout/GreaterEqual').inputs[1].op.type).toBe('Sub');
      expect(() => tf.nn.dropout(tf.placeholder('int32', [3]), { rate: 0.5 })).toThrow(/float/);
    });
    const x = vals(4000, 22, 0.5, 2);
    let rate!: tf.Tensor;
    const build = (fed: Fed): tf.Tensor => {
      rate = tf.placeholderWithDefault(0, [], 'rate');
      return tf.nn.dropout(fed(x, [4000]), { rate, seed: 3 });
    };
    const kept: tf.NDArray = await evalFed(ex, build);
    expectClose(kept, x, { rtol: 1e-6, atol: 0 });
    const gr = new tf.Graph();
    const feeds = new Map<tf.Tensor, tf.NDArray>();
    const y = gr.asDefault(() => {
      const t = build((v, s) => { const c = tf.constant(tf.ndarray(Float32Array.from(v), s)); feeds.set(c, c.op.attrs.value as tf.NDArray); return c; });
      feeds.set(rate, tf.ndarray(new Float32Array([0.5]), []));
      return t;
    });
    const sess = await tf.Session.create({ graph: gr, executor: ex });
    const half = (await sess.run(y, feeds)) as tf.NDArray;
    await sess.close();
    const dropped = Array.from(half.data).filter((v) => v === 0).length;
    expect(Math.abs(dropped / 4000 - 0.5)).toBeLessThan(0.04);
    half.data.forEach((v, i) => { if (v !== 0) expect(v).toBeCloseTo(2 * x[i], 5); });
  });

  test('noiseShape: one draw per row, broadcast along it', async () => {
    const r: tf.NDArray = await evalFed(ex, (fed) => tf.nn.dropout(fed(ones(400), [50, 8]), { rate: 0.5, noiseShape: [null, 1], seed: 4 }));
    let rowsDropped = 0;
    for (let i = 0; i < 50; i++) {
      const row = Array.from(r.data.subarray(i * 8, i * 8 + 8));
      expect(new Set(row).size).toBe(1);
      if (row[0] === 0) rowsDropped++;
    }
    expect(rowsDropped).toBeGreaterThan(10);
    expect(rowsDropped).toBeLessThan(40);
  });

  test('the gradient is the mask times the scale (through the Mul ops)', async () => {
    const x = vals(500, 23);
    const r = await evalFed(ex, (fed) => {
      const xt = fed(x, [500]);
      const y = tf.nn.dropout(xt, { rate: 0.25, seed: 5 });
      return [y, tf.gradients(y, [xt])[0]!];
    });
    r[1].data.forEach((g: number, i: number) => expect(g).toBeCloseTo(r[0].data[i] === 0 ? 0 : 1 / 0.75, 5));
  });
});

test('a seeded dropout mask is the same on cpu and webgpu', async () => {
  const out: tf.NDArray[] = [];
  for (const ex of EXECUTORS) out.push(await evalFed(ex, (fed) => tf.nn.dropout(fed(new Array<number>(3000).fill(1), [30, 100]), { rate: 0.4, seed: 6 })));
  expect(Array.from(out[1].data)).toEqual(Array.from(out[0].data));
});
