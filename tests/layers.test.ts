// tf.initializers, tf.losses and tf.layers against hand-computed values and float64 JS references written here.
// Inputs are fed (`fed`), so the kernels run on each executor: constants would be folded on the host by the GPU plan.
import * as tf from '../index.js';
import type { ExecutorName } from '../session/session.js';
import { gradCase, gradValues } from './gradcheck.js';
import { EXECUTORS, expectClose } from './helpers.js';

type Fed = (value: number[], shape: number[], dtype?: tf.DType) => tf.Tensor;

/**
 * Builds a graph (`fed(v, shape)` inputs are Consts fed with their own value), initialises its variables, runs
 * `before` (e.g. update ops) if given, then fetches what `build` returns.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function run<T>(ex: ExecutorName, build: (fed: Fed) => T, fetch: (b: T) => tf.Fetch, before?: (b: T) => tf.Fetch, extraFeeds?: (b: T) => Array<[tf.Tensor, tf.NDArray]>): Promise<any> {
  const g = new tf.Graph();
  const feeds = new Map<tf.Tensor, tf.NDArray>();
  const fed: Fed = (v, shape, dtype = 'float32') => {
    const t = tf.constant(tf.ndarray(v, shape, dtype));
    feeds.set(t, t.op.attrs.value as tf.NDArray);
    return t;
  };
  const { built, init } = g.asDefault(() => {
    const built = build(fed);
    return { built, init: tf.globalVariablesInitializer() };
  });
  for (const [t, v] of extraFeeds?.(built) ?? []) feeds.set(t, v);
  const sess = await tf.Session.create({ graph: g, executor: ex });
  try {
    await sess.run(init);
    if (before) await sess.run(before(built), feeds);
    return await sess.run(fetch(built), feeds);
  } finally {
    await sess.close();
  }
}

const vals = (n: number, seed: number, lo = -2, hi = 2): number[] => gradValues(n, seed, lo, hi);

function stats(xs: ArrayLike<number>): { mean: number; std: number; maxAbs: number } {
  let s = 0, m = 0;
  for (let i = 0; i < xs.length; i++) { s += xs[i]; m = Math.max(m, Math.abs(xs[i])); }
  const mean = s / xs.length;
  let v = 0;
  for (let i = 0; i < xs.length; i++) v += (xs[i] - mean) ** 2;
  return { mean, std: Math.sqrt(v / xs.length), maxAbs: m };
}

// ---- initializers -----------------------------------------------------------------------------------------------

test('fans as TF computes them: vectors, matrices, conv kernels (receptive field), scalars', () => {
  expect(tf.initializers.computeFans([])).toEqual({ fanIn: 1, fanOut: 1 });
  expect(tf.initializers.computeFans([7])).toEqual({ fanIn: 7, fanOut: 7 });
  expect(tf.initializers.computeFans([3, 5])).toEqual({ fanIn: 3, fanOut: 5 });
  expect(tf.initializers.computeFans([3, 3, 8, 16])).toEqual({ fanIn: 72, fanOut: 144 });
  expect(tf.initializers.computeFans([2, 3, 3, 4, 5])).toEqual({ fanIn: 72, fanOut: 90 });
});

describe.each(EXECUTORS)('initializers on %s', (ex) => {
  const draw = (f: () => tf.Tensor): Promise<tf.NDArray> => run(ex, () => f(), (t) => t);

  test('zeros, ones, constant (a number fills; a short list is padded with its last value, as TF1)', async () => {
    const [z, o, c, l] = await run(ex, () => [
      tf.initializers.zeros()([2, 3]), tf.initializers.ones()([4], 'float32'),
      tf.initializers.constant(2.5)([2, 2]), tf.initializers.constant([1, 2, 3])([2, 3]),
    ], (t) => t);
    expectClose(z, [[0, 0, 0], [0, 0, 0]]);
    expectClose(o, [1, 1, 1, 1]);
    expectClose(c, [[2.5, 2.5], [2.5, 2.5]]);
    expectClose(l, [[1, 2, 3], [3, 3, 3]]);
    expect(() => tf.initializers.constant([1, 2, 3])([2])).toThrow(/too many/);
  });

  test('glorotUniform: uniform in +-sqrt(6 / (fan_in + fan_out)), seeded', async () => {
    const a = await draw(() => tf.initializers.glorotUniform({ seed: 1 })([200, 300]));
    const b = await draw(() => tf.initializers.glorotUniform({ seed: 1 })([200, 300]));
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
    const limit = Math.sqrt(6 / 500);
    const s = stats(a.data);
    expect(a.shape).toEqual([200, 300]);
    expect(s.maxAbs).toBeLessThanOrEqual(limit);
    expect(s.maxAbs).toBeGreaterThan(0.99 * limit);
    expect(Math.abs(s.mean)).toBeLessThan(0.01 * limit);
    expect(Math.abs(s.std / (limit / Math.sqrt(3)) - 1)).toBeLessThan(0.01);
  });

  test('glorotNormal and heNormal: truncated normals whose stddev is sqrt(scale / n) (conv kernel fans)', async () => {
    const gn = stats((await draw(() => tf.initializers.glorotNormal({ seed: 2 })([3, 3, 64, 64]))).data);
    const target = Math.sqrt(2 / (576 + 576));
    expect(Math.abs(gn.std / target - 1)).toBeLessThan(0.02);
    expect(gn.maxAbs).toBeLessThanOrEqual(2 * target / 0.87962566103423978 + 1e-6);
    const he = stats((await draw(() => tf.initializers.heNormal({ seed: 3 })([400, 300]))).data);
    expect(Math.abs(he.std / Math.sqrt(2 / 400) - 1)).toBeLessThan(0.02);
    expect(Math.abs(he.mean)).toBeLessThan(0.002);
  });

  test('randomNormal and truncatedNormal: mean, stddev, truncation at 2 stddevs', async () => {
    const n = await draw(() => tf.initializers.randomNormal({ mean: 1, stddev: 2, seed: 4 })([100000]));
    const sn = stats(n.data);
    expect(Math.abs(sn.mean - 1)).toBeLessThan(0.03);
    expect(Math.abs(sn.std - 2)).toBeLessThan(0.03);
    const t = await draw(() => tf.initializers.truncatedNormal({ stddev: 0.5, seed: 5 })([100000]));
    const st = stats(t.data);
    expect(st.maxAbs).toBeLessThan(1);
    expect(Math.abs(st.std - 0.5 * 0.87962566103423978)).toBeLessThan(0.01);
  });
});

// ---- losses -----------------------------------------------------------------------------------------------------

describe.each(EXECUTORS)('losses on %s', (ex) => {
  const tol = { rtol: 2e-6, atol: 1e-6 };

  test('meanSquaredError: the mean; weights broadcast, averaged over the non-zero ones; added to LOSSES', async () => {
    const labels = [1, 2, 3, 4, 5, 6], preds = [1.5, 1, 3, 2, 7, 6.5];
    const sq = preds.map((p, i) => (p - labels[i]) ** 2);
    const [plain, rowW, zeroW, coll] = await run(ex, (fed) => {
      const l = fed(labels, [3, 2]), p = fed(preds, [3, 2]);
      const a = tf.losses.meanSquaredError(l, p);
      const b = tf.losses.meanSquaredError(l, p, { weights: fed([2, 0, 1], [3, 1]) });
      const c = tf.losses.meanSquaredError(l, p, { weights: 0 });
      const got = tf.getCollection<tf.Tensor>(tf.GraphKeys.LOSSES);
      expect(got).toEqual([a, b, c]);
      expect(a.op.name.startsWith('mean_squared_error/')).toBe(true);
      return [a, b, c, tf.losses.getTotalLoss()];
    }, (t) => t);
    expectClose(plain, sq.reduce((x, y) => x + y) / 6, { ...tol, shape: [] });
    // Rows weighted 2, 0, 1: four present values.
    expectClose(rowW, (2 * (sq[0] + sq[1]) + (sq[4] + sq[5])) / 4, tol);
    expectClose(zeroW, 0, tol);
    expectClose(coll, sq.reduce((x, y) => x + y) / 6 + (2 * (sq[0] + sq[1]) + (sq[4] + sq[5])) / 4, tol);
  });

  const logits = [2, -1, 0.5, 0.1, 0.2, 3, -2, 1, 0];
  const xent = (row: number[], lab: number[]): number => {
    const m = Math.max(...row);
    const lse = m + Math.log(row.reduce((a, v) => a + Math.exp(v - m), 0));
    return row.reduce((a, v, j) => a + lab[j] * (lse - v), 0);
  };
  const rows = [logits.slice(0, 3), logits.slice(3, 6), logits.slice(6, 9)];

  test('softmaxCrossEntropy: per-row losses, row weights, label smoothing', async () => {
    const onehot = [[1, 0, 0], [0, 0, 1], [0, 1, 0]];
    const smooth = onehot.map((r) => r.map((v) => v * 0.7 + 0.3 / 3));
    const [a, b, c] = await run(ex, (fed) => {
      const l = fed(onehot.flat(), [3, 3]), z = fed(logits, [3, 3]);
      return [
        tf.losses.softmaxCrossEntropy(l, z),
        tf.losses.softmaxCrossEntropy(l, z, { weights: fed([1, 3, 0], [3]) }),
        tf.losses.softmaxCrossEntropy(l, z, { labelSmoothing: 0.3 }),
      ];
    }, (t) => t);
    const per = rows.map((r, i) => xent(r, onehot[i]));
    expectClose(a, per.reduce((x, y) => x + y) / 3, tol);
    expectClose(b, (per[0] + 3 * per[1]) / 2, tol);
    expectClose(c, rows.map((r, i) => xent(r, smooth[i])).reduce((x, y) => x + y) / 3, tol);
  });

  test('sparseSoftmaxCrossEntropy: class indices, weights with a zero', async () => {
    const [a, b] = await run(ex, (fed) => {
      const l = fed([0, 2, 1], [3], 'int32'), z = fed(logits, [3, 3]);
      return [tf.losses.sparseSoftmaxCrossEntropy(l, z), tf.losses.sparseSoftmaxCrossEntropy(l, z, { weights: fed([0.5, 0, 2], [3]) })];
    }, (t) => t);
    const per = [xent(rows[0], [1, 0, 0]), xent(rows[1], [0, 0, 1]), xent(rows[2], [0, 1, 0])];
    expectClose(a, per.reduce((x, y) => x + y) / 3, tol);
    expectClose(b, (0.5 * per[0] + 2 * per[2]) / 2, tol);
  });

  test('sigmoidCrossEntropy: elementwise, stable for large logits, label smoothing, weights', async () => {
    const z = [0.5, -1, 30, -40, 0, 2], y = [1, 0, 1, 1, 0, 0.5];
    const ref = (zs: number[], ys: number[]): number[] => zs.map((x, i) => Math.max(x, 0) - x * ys[i] + Math.log1p(Math.exp(-Math.abs(x))));
    const [a, b, c] = await run(ex, (fed) => {
      const l = fed(y, [2, 3]), lg = fed(z, [2, 3]);
      return [
        tf.losses.sigmoidCrossEntropy(l, lg),
        tf.losses.sigmoidCrossEntropy(l, lg, { labelSmoothing: 0.2 }),
        tf.losses.sigmoidCrossEntropy(l, lg, { weights: fed([1, 0, 2], [1, 3]) }),
      ];
    }, (t) => t);
    const per = ref(z, y);
    expectClose(a, per.reduce((p, q) => p + q) / 6, { rtol: 1e-5, atol: 1e-5 });
    expectClose(b, ref(z, y.map((v) => v * 0.8 + 0.1)).reduce((p, q) => p + q) / 6, { rtol: 1e-5, atol: 1e-5 });
    expectClose(c, (per[0] + 2 * per[2] + per[3] + 2 * per[5]) / 4, { rtol: 1e-5, atol: 1e-5 });
  });

  test('gradients by the logits / predictions (weights and labels fixed)', async () => {
    // As TF1, the losses are computed in float32 even for float64 inputs: finite differences need a larger step.
    const fd = { eps: 1e-3, tol: 1e-3 };
    const c = (v: number[], shape: number[], dt: tf.DType): tf.Tensor => tf.constant(tf.ndarray(v, shape, dt));
    await gradCase(ex, ([p]) => tf.losses.meanSquaredError(c(vals(6, 40), [3, 2], p.dtype), p, { weights: c([2, 0, 1], [3, 1], p.dtype) }), [[3, 2]], fd);
    await gradCase(ex, ([z]) => tf.losses.softmaxCrossEntropy(c([1, 0, 0, 0, 0, 1], [2, 3], z.dtype), z, { labelSmoothing: 0.2 }), [[2, 3]], fd);
    await gradCase(ex, ([z]) => tf.losses.sparseSoftmaxCrossEntropy(c([2, 0], [2], 'int32'), z), [[2, 3]], fd);
    await gradCase(ex, ([z]) => tf.losses.sigmoidCrossEntropy(c([1, 0, 0.5, 1], [2, 2], z.dtype), z), [[2, 2]], { ...fd, avoid: 0.01 });
  });
});

// ---- layers -----------------------------------------------------------------------------------------------------

/** [n, h, w, c] x [kh, kw, c, f] -> NHWC, stride 1, VALID or SAME (TF's padding split), float64. */
function refConv(x: number[], xs: number[], w: number[], ws: number[], same: boolean): { out: number[]; shape: number[] } {
  const [n, h, wd, c] = xs, [kh, kw, , f] = ws;
  const oh = same ? h : h - kh + 1, ow = same ? wd : wd - kw + 1;
  const pt = same ? Math.floor((kh - 1) / 2) : 0, pl = same ? Math.floor((kw - 1) / 2) : 0;
  const out: number[] = [];
  for (let b = 0; b < n; b++) for (let i = 0; i < oh; i++) for (let j = 0; j < ow; j++) for (let o = 0; o < f; o++) {
    let s = 0;
    for (let di = 0; di < kh; di++) for (let dj = 0; dj < kw; dj++) for (let k = 0; k < c; k++) {
      const y = i + di - pt, z = j + dj - pl;
      if (y < 0 || y >= h || z < 0 || z >= wd) continue;
      s += x[((b * h + y) * wd + z) * c + k] * w[((di * kw + dj) * c + k) * f + o];
    }
    out.push(s);
  }
  return { out, shape: [n, oh, ow, f] };
}

describe.each(EXECUTORS)('layers on %s', (ex) => {
  const tol = { rtol: 1e-5, atol: 1e-5 };

  test('dense: TF\'s variable names and collections, unique scopes, relu(x W + b) against a JS reference', async () => {
    const x = vals(8, 1);
    const r = await run(ex, (fed) => {
      const xt = fed(x, [2, 4]);
      const y = tf.layers.dense(xt, 3, { activation: tf.nn.relu, biasInitializer: tf.initializers.constant([0.5, -0.5, 0.1]) });
      const y2 = tf.layers.dense(y, 2, { useBias: false });
      const y3 = tf.layers.dense(fed(vals(12, 2), [2, 3, 2]), 5, { name: 'fc' });
      const names = tf.globalVariables().map((v) => `${v.name} [${v.shape}]`);
      expect(names).toEqual(['dense/kernel:0 [4,3]', 'dense/bias:0 [3]', 'dense_1/kernel:0 [3,2]', 'fc/kernel:0 [2,5]', 'fc/bias:0 [5]']);
      expect(tf.trainableVariables().length).toBe(5);
      expect(y.op.name).toBe('dense/Relu');
      expect(y3.shape).toEqual([2, 3, 5]);
      expect(() => tf.layers.dense(xt, 2, { name: 'fc' })).toThrow(/already exists/);
      expect(() => tf.layers.dense(tf.placeholder('float32', [2, null]), 2)).toThrow(/must be known/);
      const [k, b] = tf.globalVariables();
      return { y, y2, k, b, k2: tf.globalVariables()[2] };
    }, (b) => [b.y, b.k, b.b, b.y2, b.k2]);
    const [y, k, b, y2, k2] = r as tf.NDArray[];
    const limit = Math.sqrt(6 / 7);
    for (const v of k.data) expect(Math.abs(v)).toBeLessThanOrEqual(limit);
    const ref = [0, 1].flatMap((i) => [0, 1, 2].map((j) => Math.max(0, [0, 1, 2, 3].reduce((s, q) => s + x[i * 4 + q] * k.data[q * 3 + j], 0) + b.data[j])));
    expectClose(b, [0.5, -0.5, 0.1], tol);
    expectClose(y, ref, { ...tol, shape: [2, 3] });
    expectClose(y2, [0, 1].flatMap((i) => [0, 1].map((j) => [0, 1, 2].reduce((s, q) => s + ref[i * 3 + q] * k2.data[q * 2 + j], 0))), { ...tol, shape: [2, 2] });
  });

  test('conv2d: kernel [kh, kw, in, filters], VALID by default, SAME in any case, channels_first; against a JS conv', async () => {
    const xs = [1, 5, 4, 2], x = vals(40, 3);
    const r = await run(ex, (fed) => {
      const xt = fed(x, xs);
      const a = tf.layers.conv2d(xt, 3, 3, { biasInitializer: tf.initializers.constant(0.25) });
      const b = tf.layers.conv2d(xt, 2, [3, 2], { padding: 'Same', useBias: false, kernelInitializer: tf.initializers.heNormal({ seed: 1 }) });
      const nchw = tf.transpose(xt, [0, 3, 1, 2]);
      const c = tf.layers.conv2d(nchw, 3, 3, { dataFormat: 'channels_first', name: 'cf', kernelInitializer: tf.initializers.constant(0.1) });
      expect(tf.globalVariables().map((v) => `${v.name} [${v.shape}]`)).toEqual([
        'conv2d/kernel:0 [3,3,2,3]', 'conv2d/bias:0 [3]', 'conv2d_1/kernel:0 [3,2,2,2]', 'cf/kernel:0 [3,3,2,3]', 'cf/bias:0 [3]',
      ]);
      expect(a.op.name).toBe('conv2d/BiasAdd');
      const [ka, , kb] = tf.globalVariables();
      return [a, b, c, ka, kb];
    }, (t) => t);
    const [a, b, c, ka, kb] = r as tf.NDArray[];
    const ra = refConv(x, xs, Array.from(ka.data), [3, 3, 2, 3], false);
    expectClose(a, ra.out.map((v) => v + 0.25), { ...tol, shape: ra.shape });
    const rb = refConv(x, xs, Array.from(kb.data), [3, 2, 2, 2], true);
    expectClose(b, rb.out, { ...tol, shape: rb.shape });
    // channels_first: the same conv with every weight 0.1, in NCHW.
    const rc = refConv(x, xs, new Array(54).fill(0.1), [3, 3, 2, 3], false);
    const [n, oh, ow, f] = rc.shape;
    const nchwRef: number[] = [];
    for (let o = 0; o < f; o++) for (let i = 0; i < oh; i++) for (let j = 0; j < ow; j++) nchwRef.push(rc.out[(i * ow + j) * f + o]);
    expectClose(c, nchwRef, { ...tol, shape: [n, f, oh, ow] });
  });

  test('maxPooling2d, averagePooling2d, flatten', async () => {
    const x = vals(32, 4);
    const [mp, ap, fl, fl2] = await run(ex, (fed) => {
      const xt = fed(x, [2, 4, 4, 1]);
      const m = tf.layers.maxPooling2d(xt, 2, 2);
      const a = tf.layers.averagePooling2d(xt, [2, 2], 2, { padding: 'valid' });
      expect(m.op.name).toBe('max_pooling2d/MaxPool');
      expect(a.op.name).toBe('average_pooling2d/AvgPool');
      const f = tf.layers.flatten(m);
      const p = tf.placeholderWithDefault(tf.constant(tf.ndarray(Float32Array.from(x), [2, 4, 4, 1])), [null, 4, 4, 1]);
      const f2 = tf.layers.flatten(p);
      expect(f2.shape).toEqual([null, 16]);
      return [m, a, f, f2];
    }, (t) => t);
    const win = (b: number, i: number, j: number): number[] => [0, 1].flatMap((di) => [0, 1].map((dj) => x[b * 16 + (2 * i + di) * 4 + 2 * j + dj]));
    const idx = [0, 1].flatMap((b) => [0, 1].flatMap((i) => [0, 1].map((j) => win(b, i, j))));
    expectClose(mp, idx.map((w) => Math.max(...w)), { ...tol, shape: [2, 2, 2, 1] });
    expectClose(ap, idx.map((w) => w.reduce((p, q) => p + q) / 4), { ...tol, shape: [2, 2, 2, 1] });
    expectClose(fl, idx.map((w) => Math.max(...w)), { ...tol, shape: [2, 4] });
    expectClose(fl2, x, { ...tol, shape: [2, 16] });
  });

  test('dropout: training false is the identity; a training tensor selects in the graph', async () => {
    const x = vals(2000, 5, 0.5, 2);
    let flag!: tf.Tensor;
    const build = (fed: Fed): tf.Tensor[] => {
      const xt = fed(x, [2000]);
      flag = tf.placeholderWithDefault(tf.constant(false), [], 'training');
      return [tf.layers.dropout(xt), tf.layers.dropout(xt, { rate: 0.5, training: flag, seed: 1 }), tf.layers.dropout(xt, { rate: 0.25, training: true, seed: 2 })];
    };
    const [off, byDefault, on] = await run(ex, build, (t) => t);
    expectClose(off, x, { rtol: 1e-6, atol: 0 });
    expectClose(byDefault, x, { rtol: 1e-6, atol: 0 });
    const dropped = Array.from(on.data as Float32Array).filter((v) => v === 0).length;
    expect(Math.abs(dropped / 2000 - 0.25)).toBeLessThan(0.05);
    const [fedTrue] = await run(ex, build, (t) => [t[1]], undefined, () => [[flag, tf.ndarray(true)]]);
    let zeros = 0;
    fedTrue.data.forEach((v: number, i: number) => { if (v === 0) zeros++; else expect(v).toBeCloseTo(2 * x[i], 5); });
    expect(Math.abs(zeros / 2000 - 0.5)).toBeLessThan(0.05);
  });

  test('batchNormalization (fused, 4-D): variables, UPDATE_OPS, batch statistics, moving averages after the updates', async () => {
    const shape = [2, 3, 3, 2], x = vals(36, 6, -1, 3);
    const r = await run(ex, (fed) => {
      const xt = fed(x, shape);
      const y = tf.layers.batchNormalization(xt, { training: true, momentum: 0.9 });
      const names = tf.globalVariables().map((v) => v.name);
      expect(names).toEqual(['batch_normalization/gamma:0', 'batch_normalization/beta:0', 'batch_normalization/moving_mean:0', 'batch_normalization/moving_variance:0']);
      expect(tf.trainableVariables().map((v) => v.name)).toEqual(names.slice(0, 2));
      const updates = tf.getCollection<tf.Tensor>(tf.GraphKeys.UPDATE_OPS);
      expect(updates.map((u) => `${u.op.type} ${u.op.name}`)).toEqual(['AssignSub batch_normalization/AssignMovingAvg', 'AssignSub batch_normalization/AssignMovingAvg_1']);
      expect(y.graph.getOperations().some((op) => op.type === 'FusedBatchNormV3')).toBe(true);
      const [, , mm, mv] = tf.globalVariables();
      const step = tf.controlDependencies(updates, () => tf.identity(y));
      return { y, step, mm, mv };
    }, (b) => [b.y, b.mm, b.mv], (b) => b.step);
    const mean = [0, 1].map((c) => x.filter((_, i) => i % 2 === c).reduce((a, v) => a + v) / 18);
    const biased = [0, 1].map((c) => x.filter((_, i) => i % 2 === c).reduce((a, v) => a + (v - mean[c]) ** 2, 0) / 18);
    expectClose(r[0], x.map((v, i) => (v - mean[i % 2]) / Math.sqrt(biased[i % 2] + 0.001)), { ...tol, shape });
    expectClose(r[1], mean.map((m) => 0.1 * m), tol);
    expectClose(r[2], biased.map((v) => 0.9 + 0.1 * ((v * 18) / 17)), tol);
  });

  test('batchNormalization (2-D, moments): biased batch variance in the update; inference uses the moving statistics', async () => {
    const x = vals(12, 7);
    const mean = [0, 1, 2].map((c) => x.filter((_, i) => i % 3 === c).reduce((a, v) => a + v) / 4);
    const biased = [0, 1, 2].map((c) => x.filter((_, i) => i % 3 === c).reduce((a, v) => a + (v - mean[c]) ** 2, 0) / 4);
    const r = await run(ex, (fed) => {
      const y = tf.layers.batchNormalization(fed(x, [4, 3]), { training: true, center: false, gammaInitializer: tf.initializers.constant(2) });
      expect(tf.globalVariables().map((v) => v.name)).toEqual(['batch_normalization/gamma:0', 'batch_normalization/moving_mean:0', 'batch_normalization/moving_variance:0']);
      const inf = tf.layers.batchNormalization(fed(x, [4, 3]), { name: 'bn_inf', movingMeanInitializer: tf.initializers.constant([1, 2, 3]) });
      expect(tf.getCollection(tf.GraphKeys.UPDATE_OPS).length).toBe(2);
      const [, mm, mv] = tf.globalVariables();
      return { y, inf, mm, mv, updates: tf.getCollection<tf.Tensor>(tf.GraphKeys.UPDATE_OPS) };
    }, (b) => [b.y, b.mm, b.mv, b.inf], (b) => b.updates);
    expectClose(r[0], x.map((v, i) => (2 * (v - mean[i % 3])) / Math.sqrt(biased[i % 3] + 0.001)), { ...tol, shape: [4, 3] });
    expectClose(r[1], mean.map((m) => 0.01 * m), tol);
    expectClose(r[2], biased.map((v) => 0.99 + 0.01 * v), tol);
    expectClose(r[3], x.map((v, i) => (v - (i % 3) - 1) / Math.sqrt(1.001)), { ...tol, shape: [4, 3] });
  });

  test('gradients reach the layer variables: dense kernel and bias, batch norm gamma and beta', async () => {
    const x = vals(6, 9), r = vals(4, 10), xb = vals(16, 11), rb = vals(16, 12);
    const got = await run(ex, (fed) => {
      const y = tf.layers.dense(fed(x, [2, 3]), 2);
      const yb = tf.layers.batchNormalization(fed(xb, [2, 2, 2, 2]), { training: true });
      const loss = tf.add(tf.reduceSum(tf.mul(y, fed(r, [2, 2]))), tf.reduceSum(tf.mul(yb, fed(rb, [2, 2, 2, 2]))));
      const vars = tf.trainableVariables();
      expect(vars.map((v) => v.name)).toEqual(['dense/kernel:0', 'dense/bias:0', 'batch_normalization/gamma:0', 'batch_normalization/beta:0']);
      return tf.gradients(loss, vars).map((g) => g!);
    }, (t) => t);
    expectClose(got[0], [0, 1, 2].flatMap((i) => [0, 1].map((j) => x[i] * r[j] + x[3 + i] * r[2 + j])), { ...tol, shape: [3, 2] });
    expectClose(got[1], [r[0] + r[2], r[1] + r[3]], tol);
    const ref = [0, 1].map((c) => {
      const xs = xb.filter((_, i) => i % 2 === c), rs = rb.filter((_, i) => i % 2 === c);
      const m = xs.reduce((a, v) => a + v) / 8, v = xs.reduce((a, q) => a + (q - m) ** 2, 0) / 8;
      return { dg: xs.reduce((a, q, i) => a + rs[i] * (q - m) / Math.sqrt(v + 0.001), 0), db: rs.reduce((a, q) => a + q) };
    });
    expectClose(got[2], ref.map((q) => q.dg), tol);
    expectClose(got[3], ref.map((q) => q.db), tol);
  });

  test('batchNormalization with a training tensor: false uses the moving statistics and leaves them; true updates them', async () => {
    const shape = [2, 2, 2, 3], x = vals(24, 8);
    let flag!: tf.Tensor;
    const build = (fed: Fed) => {
      flag = tf.placeholderWithDefault(tf.constant(false), [], 'training');
      const y = tf.layers.batchNormalization(fed(x, shape), { training: flag, movingVarianceInitializer: tf.initializers.constant(4) });
      const [, , mm, mv] = tf.globalVariables();
      return { y, mm, mv, updates: tf.getCollection<tf.Tensor>(tf.GraphKeys.UPDATE_OPS) };
    };
    const off = await run(ex, build, (b) => [b.y, b.mm, b.mv], (b) => b.updates);
    expectClose(off[0], x.map((v) => v / Math.sqrt(4.001)), { ...tol, shape });
    expectClose(off[1], [0, 0, 0], tol);
    expectClose(off[2], [4, 4, 4], tol);
    const on = await run(ex, build, (b) => [b.mm], (b) => b.updates, () => [[flag, tf.ndarray(true)]]);
    const mean = [0, 1, 2].map((c) => x.filter((_, i) => i % 3 === c).reduce((a, v) => a + v) / 8);
    expectClose(on[0], mean.map((m) => 0.01 * m), tol);
  });
});
