// tf.nn ops against plain float64 JS references written here (never Kiln's own output). Inputs are fed (`fed`), so
// the kernels run on each executor: constants would be folded on the host when the GPU plan is compiled.
import * as tf from '../index.js';
import type { ExecutorName } from '../session/session.js';
import { EXECUTORS, evalGraph, expectClose, FLOAT64_EXECUTORS, makeNested, Nested, rng } from './helpers.js';

type Fed = (value: Nested | tf.NDArray, dtype?: tf.DType) => tf.Tensor;

/** Builds a graph whose `fed(v)` inputs are Consts fed with their own value, runs it on `ex`, fetches what `build` returns. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function evalFed(ex: ExecutorName, build: (fed: Fed) => tf.Tensor | tf.Tensor[]): Promise<any> {
  const feeds = new Map<tf.Tensor, tf.NDArray>();
  const fed: Fed = (v, dtype) => {
    const t = tf.constant(v as Nested, { dtype: dtype ?? (v instanceof tf.NDArray ? v.dtype : undefined) });
    feeds.set(t, t.op.attrs.value as tf.NDArray);
    return t;
  };
  return evalGraph(ex, () => build(fed), (t) => t, () => feeds);
}
const evalTensor = (ex: ExecutorName, build: (fed: Fed) => tf.Tensor): Promise<tf.NDArray> => evalFed(ex, build);

/** float64 does not run on the GPU executor: there, a float64 graph is refused by name; elsewhere it is evaluated. */
async function evalFloat64(ex: ExecutorName, build: (fed: Fed) => tf.Tensor): Promise<tf.NDArray | null> {
  if (FLOAT64_EXECUTORS.includes(ex)) return evalTensor(ex, build);
  await expect(evalTensor(ex, build)).rejects.toThrow(tf.errors.UnimplementedError);
  await expect(evalTensor(ex, build)).rejects.toThrow(/float64/);
  return null;
}

const f32 = (x: number): number => Math.fround(x);

/** float64 references, row by row over the last axis, written independently of ops/nn.ts. */
function refSoftmaxRow(row: number[]): number[] {
  const m = Math.max(...row);
  const e = row.map((x) => Math.exp(x - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
}
function refLogSoftmaxRow(row: number[]): number[] {
  const m = Math.max(...row);
  const lse = m + Math.log(row.reduce((a, x) => a + Math.exp(x - m), 0));
  return row.map((x) => x - lse);
}
/** Cross-entropy -sum(labels * log softmax) and its backprop softmax - labels. */
function refXent(logits: number[], labels: number[]): { loss: number; backprop: number[] } {
  const ls = refLogSoftmaxRow(logits);
  let loss = 0;
  for (let j = 0; j < ls.length; j++) if (labels[j] !== 0) loss -= labels[j] * ls[j];
  return { loss, backprop: refSoftmaxRow(logits).map((p, j) => p - labels[j]) };
}
function rowsOf(flat: number[], n: number): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < flat.length; i += n) out.push(flat.slice(i, i + n));
  return out;
}
const flatten = (x: Nested): number[] => (Array.isArray(x) ? x.flatMap(flatten) : [+x]);

describe.each(EXECUTORS)('nn ops on %s', (ex) => {
  const xs = [-1000, -100, -20, -1, -0.5, 0, 0.5, 1, 5.9, 6, 7, 20, 100, 1000];

  test('relu and relu6 (float32 and int32)', async () => {
    expectClose(await evalTensor(ex, (fed) => tf.nn.relu(fed(xs))), xs.map((x) => Math.max(x, 0)), { dtype: 'float32' });
    expectClose(await evalTensor(ex, (fed) => tf.nn.relu6(fed(xs))), xs.map((x) => Math.min(Math.max(x, 0), 6)), { dtype: 'float32' });
    const r = await evalTensor(ex, (fed) => tf.nn.relu(fed([-3, 0, 4], 'int32')));
    expect(r.dtype).toBe('int32');
    expect(r.toArray()).toEqual([0, 0, 4]);
    expect((await evalTensor(ex, (fed) => tf.nn.relu6(fed([-3, 5, 9], 'int32')))).toArray()).toEqual([0, 5, 6]);
    expectClose(await evalTensor(ex, (fed) => tf.nn.relu(fed([NaN, -1]))), [NaN, 0]);
    expectClose(await evalTensor(ex, (fed) => tf.nn.relu6(fed([NaN, 9]))), [NaN, 6]);
  });

  test('elu: x for x >= 0, e^x - 1 below (accurate near 0, -1 for very negative x)', async () => {
    const ref = (x: number): number => (x >= 0 ? x : Math.exp(x) - 1);
    expectClose(await evalTensor(ex, (fed) => tf.nn.elu(fed(xs))), xs.map((x) => f32(ref(f32(x)))), { rtol: 2e-7, atol: 1e-30 });
    // e^x - 1 for tiny x: expm1 keeps the relative accuracy that exp(x) - 1 loses in float64.
    const d = await evalFloat64(ex, (fed) => tf.nn.elu(fed([-1e-10], 'float64')));
    if (d !== null) expectClose(d, [-1e-10 + 5e-21], { rtol: 1e-12, atol: 0 });
    // Near 0 (where e^x - 1 in float32 would keep few digits) and either side of the GPU's switch at -0.5.
    const near = [-1e-10, -1e-6, -1e-3, -0.1, -0.4999, -0.5001, -3];
    expectClose(await evalTensor(ex, (fed) => tf.nn.elu(fed(near))), near.map((x) => Math.expm1(f32(x))), { rtol: 2e-7, atol: 0 });
  });

  test('softplus: stable for large |x| and accurate for very negative x', async () => {
    // log(1 + e^x) written two ways in float64: the direct formula where e^x neither overflows nor loses 1 + e^x,
    // and the asymptotes x + e^-x (large x) and e^x (very negative x) where it would.
    const ref = (x: number): number => (x > 30 ? x + Math.exp(-x) : x < -30 ? Math.exp(x) : Math.log(1 + Math.exp(x)));
    const got = await evalTensor(ex, (fed) => tf.nn.softplus(fed(xs)));
    // Values below 1e-37 are float32 subnormals, which a GPU may flush to 0.
    expectClose(got, xs.map((x) => f32(ref(x))), { rtol: 1e-6, atol: 1e-37 });
    expect(got.data[0]).toBe(0); // e^-1000 underflows to 0 in any float; no NaN
    expect(got.data[xs.length - 1]).toBe(1000); // no overflow
    expectClose(await evalTensor(ex, (fed) => tf.nn.softplus(fed([0, -20]))), [Math.LN2, 2.0611536181902037e-9], { rtol: 1e-6, atol: 0 });
    const d = await evalFloat64(ex, (fed) => tf.nn.softplus(fed([-50, -700, 700, 1000], 'float64')));
    if (d !== null) expectClose(d, [Math.exp(-50), Math.exp(-700), 700, 1000], { rtol: 1e-14, atol: 0 });
  });

  test('sigmoid and tanh are re-exported from math', async () => {
    expectClose(await evalTensor(ex, (fed) => tf.nn.sigmoid(fed([0, 2]))), [0.5, 1 / (1 + Math.exp(-2))]);
    expectClose(await evalTensor(ex, (fed) => tf.nn.tanh(fed([0.5]))), [Math.tanh(0.5)]);
  });

  test('biasAdd NHWC adds along the last axis', async () => {
    const r = rng(1);
    const v = makeNested([2, 2, 3], () => Math.round(r() * 100) / 10), b = [1, -2, 0.5];
    const want = flatten(v).map((x, i) => x + b[i % 3]);
    expectClose(await evalTensor(ex, (fed) => tf.nn.biasAdd(fed(v), fed(b))), want, { shape: [2, 2, 3], rtol: 1e-6 });
    const m = await evalTensor(ex, (fed) => tf.nn.biasAdd(fed([[1, 2], [3, 4]], 'int32'), [10, 20]));
    expect(m.dtype).toBe('int32');
    expect(m.toArray()).toEqual([[11, 22], [13, 24]]);
    // Channels a multiple of 4 (the GPU adds a vec4 of biases at a time); int32 wraps as in TF.
    const v8 = makeNested([3, 8], () => Math.round(r() * 100) / 10), b8 = [1, 2, 3, 4, 5, 6, 7, -8];
    expectClose(await evalTensor(ex, (fed) => tf.nn.biasAdd(fed(v8), fed(b8))), flatten(v8).map((x, i) => x + b8[i % 8]), { shape: [3, 8], rtol: 1e-6 });
    const w = await evalTensor(ex, (fed) => tf.nn.biasAdd(fed([[2147483647, 5, 6, 7]], 'int32'), fed([1, 1, 1, 1], 'int32')));
    expect(w.toArray()).toEqual([[-2147483648, 6, 7, 8]]);
  });

  test('biasAdd NCHW adds along axis 1', async () => {
    const r = rng(2);
    for (const shape of [[2, 3, 2, 2], [2, 3, 1, 3], [2, 5]]) {
      const v = makeNested(shape, () => Math.round(r() * 100) / 10), b = [100, 200, 300, 400, 500].slice(0, shape[1]);
      // flat index i = ((n * C + c) * H + h) * W + w, so the channel is floor(i / (H * W)) mod C.
      const hw = shape.slice(2).reduce((a, d) => a * d, 1);
      const want = flatten(v).map((x, i) => x + b[Math.floor(i / hw) % shape[1]]);
      const got = await evalTensor(ex, (fed) => tf.nn.biasAdd(fed(v), fed(b), { dataFormat: 'NCHW' }));
      expectClose(got, want, { shape, rtol: 1e-6 });
    }
  });

  test('biasAdd shape rules name the node; a size mismatch fed at run time fails too', async () => {
    new tf.Graph().asDefault(() => biasAddShapeRules());
    await expect(evalGraph(ex, () => tf.nn.biasAdd(tf.placeholder('float32', [null, null], 'x'), tf.constant([1, 2, 3]), { name: 'late' }),
      (y) => y, () => ({ x: [[1, 2]] }))).rejects.toThrow(/late.*\[3\].*\[1,2\]/);
  });
  const biasAddShapeRules = (): void => {
    expect(() => tf.nn.biasAdd(tf.constant(makeNested([2, 4], () => 1)), tf.constant([1, 2, 3]), { name: 'badd' }))
      .toThrow(/BiasAdd node 'badd'.*bias.*\[3\].*\[2,4\]/);
    expect(() => tf.nn.biasAdd(tf.constant(makeNested([2, 3, 4], () => 1)), tf.constant([1, 2, 3, 4]), { dataFormat: 'NCHW', name: 'nchw' }))
      .toThrow(/nchw.*\[4\].*\[2,3,4\]/);
    expect(() => tf.nn.biasAdd(tf.constant([[1, 2]]), tf.constant([[1, 2]]), { name: 'b2' })).toThrow(/b2.*1D/);
    expect(() => tf.nn.biasAdd(tf.constant([1, 2]), tf.constant([1, 2]), { name: 'b1' })).toThrow(/b1.*at least 2D/);
    expect(() => tf.nn.biasAdd(tf.constant([[1.5]]), tf.constant([1], { dtype: 'int32' }))).toThrow(/dtype/);
    expect(() => tf.nn.biasAdd(tf.constant([[1]]), tf.constant([1]), { dataFormat: 'NHCW' as 'NHWC' })).toThrow(/data_format/);
  };

  // Tolerances: float64 references; the CPU kernels compute in float64 and round once, the GPU's in float32 with
  // exp/log within a few ulp (measured within the same tolerances; the long-row sums get 4e-6).
  test('softmax and logSoftmax match float64 over the last axis; rows sum to 1', async () => {
    const r = rng(3);
    for (const shape of [[5], [4, 7], [2, 3, 6]]) {
      const x = makeNested(shape, () => (r() - 0.5) * 20);
      const n = shape[shape.length - 1];
      const rows = rowsOf(flatten(x).map(f32), n);
      const sm = await evalTensor(ex, (fed) => tf.nn.softmax(fed(x)));
      expectClose(sm, rows.flatMap(refSoftmaxRow), { shape, rtol: 1e-6, atol: 1e-7 });
      for (const row of rowsOf(Array.from(sm.data), n)) expect(Math.abs(row.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-6);
      expectClose(await evalTensor(ex, (fed) => tf.nn.logSoftmax(fed(x))), rows.flatMap(refLogSoftmaxRow), { shape, rtol: 1e-6, atol: 1e-6 });
    }
    const d = await evalFloat64(ex, (fed) => tf.nn.softmax(fed([[1, 2, 3]], 'float64'), { axis: 1 }));
    if (d !== null) {
      expect(d.dtype).toBe('float64');
      expectClose(d, [refSoftmaxRow([1, 2, 3])], { rtol: 1e-15 });
    }
  });

  test('softmax, logSoftmax and the cross-entropies on long rows (the GPU splits them into chunks) match float64', async () => {
    const r = rng(13);
    // 300: two chunks, 1001: four chunks and rows not a multiple of 4, 128 and 129: either side of the GPU's
    // one-thread-per-row limit, 256: one chunk.
    for (const [rows, n] of [[3, 300], [2, 1001], [5, 128], [4, 129], [3, 256], [1, 2048]]) {
      const x = makeNested([rows, n], () => (r() - 0.5) * 30);
      const xr = rowsOf(flatten(x).map(f32), n);
      const lab = makeNested([rows, n], () => (r() < 0.1 ? r() : 0));
      const lr = rowsOf(flatten(lab).map(f32), n);
      const sparse = Array.from({ length: rows }, () => Math.floor(r() * n));
      const [sm, ls, xl, xb, sl, sb] = await evalFed(ex, (fed) => {
        const logits = fed(x);
        const dense = tf.nn.softmaxCrossEntropyWithLogits({ labels: fed(lab), logits });
        const sp = tf.nn.sparseSoftmaxCrossEntropyWithLogits({ labels: fed(sparse, 'int32'), logits });
        return [tf.nn.softmax(logits), tf.nn.logSoftmax(logits), dense, dense.op.outputs[1], sp, sp.op.outputs[1]];
      });
      expectClose(sm, xr.flatMap(refSoftmaxRow), { shape: [rows, n], rtol: 1e-6, atol: 1e-9 });
      expectClose(ls, xr.flatMap(refLogSoftmaxRow), { shape: [rows, n], rtol: 1e-6, atol: 4e-6 });
      const dref = xr.map((row, i) => refXent(row, lr[i]));
      expectClose(xl, dref.map((d) => d.loss), { shape: [rows], rtol: 4e-6, atol: 1e-6 });
      expectClose(xb, dref.flatMap((d) => d.backprop), { shape: [rows, n], rtol: 4e-6, atol: 1e-8 });
      const sref = xr.map((row, i) => refXent(row, row.map((_, j) => +(j === sparse[i]))));
      expectClose(sl, sref.map((d) => d.loss), { shape: [rows], rtol: 4e-6, atol: 1e-6 });
      expectClose(sb, sref.flatMap((d) => d.backprop), { shape: [rows, n], rtol: 4e-6, atol: 1e-8 });
    }
  });

  test('softmax: a NaN makes its row NaN, an all -inf row is NaN, -inf elements (even a whole chunk of them) give 0', async () => {
    for (const n of [4, 600]) {
      const rowNaN = Array.from({ length: n }, (_, j) => (j === 1 ? NaN : j));
      const rowInf = Array.from({ length: n }, () => -Infinity);
      // The first 300 are -inf: on the GPU a whole 256-element chunk of -inf, which must add 0 to the sum.
      const rowSome = Array.from({ length: n }, (_, j) => (j < Math.min(300, n - 2) ? -Infinity : j % 3));
      const sm = await evalTensor(ex, (fed) => tf.nn.softmax(fed([rowNaN, rowInf, rowSome])));
      const got = rowsOf(Array.from(sm.data), n);
      expect(got[0].every(Number.isNaN)).toBe(true);
      expect(got[1].every(Number.isNaN)).toBe(true);
      expectClose(tf.ndarray(got[2], [n]), refSoftmaxRow(rowSome), { rtol: 2e-6, atol: 1e-9 });
    }
  });

  test('softmax and logSoftmax over a non-last axis match float64 along that axis', async () => {
    const r = rng(5);
    const x = makeNested([3, 4, 2], () => (r() - 0.5) * 8) as number[][][];
    // Reference along axis 1: for each (i, k), the column x[i][:][k].
    const want = (rowFn: (row: number[]) => number[]): number[][][] => x.map((m) => {
      const cols = [0, 1].map((k) => rowFn(m.map((v) => f32(v[k]))));
      return m.map((_, j) => [cols[0][j], cols[1][j]]);
    });
    for (const axis of [1, -2]) {
      expectClose(await evalTensor(ex, (fed) => tf.nn.softmax(fed(x), { axis })), want(refSoftmaxRow), { shape: [3, 4, 2], rtol: 1e-6, atol: 1e-7 });
      expectClose(await evalTensor(ex, (fed) => tf.nn.logSoftmax(fed(x), { axis })), want(refLogSoftmaxRow), { shape: [3, 4, 2], rtol: 1e-6, atol: 1e-6 });
    }
  });

  test('softmax and logSoftmax are finite and correct for logits in the thousands', async () => {
    const x = [[1000, 1001, 1002], [-1000, -1001, -1002], [5000, 0, -5000]];
    const sm = await evalTensor(ex, (fed) => tf.nn.softmax(fed(x)));
    expect(Array.from(sm.data).every(Number.isFinite)).toBe(true);
    expectClose(sm, x.map(refSoftmaxRow), { rtol: 1e-6, atol: 1e-30 });
    expectClose(await evalTensor(ex, (fed) => tf.nn.logSoftmax(fed(x))), x.map(refLogSoftmaxRow), { rtol: 1e-6, atol: 1e-6 });
    // By hand: log softmax of [5000, 0, -5000] is [-(e^-5000 + ...) = 0, -5000, -10000].
    const ls = await evalTensor(ex, (fed) => tf.nn.logSoftmax(fed([5000, 0, -5000])));
    expectClose(ls, [0, -5000, -10000], { rtol: 1e-7, atol: 0 });
    // The same on long rows (the GPU's chunked path): 2000 logits around 3000.
    const r = rng(8);
    const big = makeNested([2, 2000], () => 3000 + (r() - 0.5) * 20);
    const rows = rowsOf(flatten(big).map(f32), 2000);
    expectClose(await evalTensor(ex, (fed) => tf.nn.softmax(fed(big))), rows.flatMap(refSoftmaxRow), { shape: [2, 2000], rtol: 1e-6, atol: 1e-12 });
    // log-softmax values near -10: x - max is exact, so the error is that of log(sum), not of 3000.
    expectClose(await evalTensor(ex, (fed) => tf.nn.logSoftmax(fed(big))), rows.flatMap(refLogSoftmaxRow), { shape: [2, 2000], rtol: 1e-6, atol: 4e-6 });
  });

  test('softmax axis handling and shape rules', () => new tf.Graph().asDefault(() => {
    const x = tf.constant([[1, 2], [3, 4]]);
    expect(tf.nn.softmax(x, { axis: 1, name: 'sm' }).op.type).toBe('Softmax');
    const s0 = tf.nn.softmax(x, { axis: 0, name: 'sm0' });
    expect([s0.op.type, s0.op.name, s0.shape]).toEqual(['Transpose', 'sm0', [2, 2]]);
    expect(() => tf.nn.softmax(tf.placeholder('float32'), { axis: 0 })).toThrow(tf.errors.UnimplementedError);
    expect(() => tf.nn.softmax(x, { axis: 2 })).toThrow(/out of range/);
    expect(() => tf.nn.softmax(tf.constant(1), { name: 'scalar' })).toThrow(/scalar.*>= 1 dimension/);
    expect(() => tf.nn.logSoftmax(tf.constant([1], { dtype: 'int32' }), { name: 'ints' })).toThrow(/ints.*float/);
    expect(tf.nn.softmax(tf.placeholder('float32', [null, 10])).shape).toEqual([null, 10]);
  }));

  test('softmaxCrossEntropyWithLogits: loss and backprop match float64, incl. logits [1000, -1000, 0]', async () => {
    const r = rng(4);
    const logits = makeNested([5, 4], () => (r() - 0.5) * 10) as number[][];
    const labels = logits.map(() => { const w = [r(), r(), r(), r()]; const s = w.reduce((a, b) => a + b); return w.map((v) => v / s); });
    logits.push([1000, -1000, 0, 3]); labels.push([0, 1, 0, 0]);
    logits.push([1000, -1000, 0, 3]); labels.push([0.25, 0.25, 0.25, 0.25]);
    const [loss, backprop] = await evalFed(ex, (fed) => {
      const l = tf.nn.softmaxCrossEntropyWithLogits({ labels: fed(labels), logits: fed(logits), name: 'xent' });
      expect(l.op.name).toBe('xent');
      expect(l.shape).toEqual([7]);
      expect(l.op.outputs[1].shape).toEqual([7, 4]);
      return [l, l.op.outputs[1]];
    });
    const refs = logits.map((row, i) => refXent(row.map(f32), labels[i].map(f32)));
    expectClose(loss, refs.map((x) => x.loss), { rtol: 1e-6, atol: 1e-6 });
    expectClose(backprop, refs.map((x) => x.backprop), { rtol: 1e-6, atol: 1e-7 });
    // By hand: the label on -1000 costs logsumexp - (-1000) = 1000 + 1000.
    expect(loss.data[5]).toBe(2000);
    expect(Array.from(backprop.data.subarray(20, 24))).toEqual([1, -1, 0, 0]); // softmax [1, 0, 0, 0] - labels
  });

  test('softmaxCrossEntropyWithLogits: rank 1 and rank 3 (classes on the last axis), broadcast labels, float64', async () => {
    const row = [2, -1, 0.5];
    const lab = [0.1, 0.6, 0.3];
    const d = await evalFloat64(ex, (fed) => tf.nn.softmaxCrossEntropyWithLogits({ labels: lab, logits: fed(row, 'float64') }));
    if (d !== null) expectClose(d, refXent(row, lab).loss, { shape: [], rtol: 1e-14 });
    expectClose(await evalTensor(ex, (fed) => tf.nn.softmaxCrossEntropyWithLogits({ labels: fed(lab), logits: fed(row) })),
      refXent(row, lab.map(f32)).loss, { shape: [], rtol: 1e-6 });
    const r = rng(5);
    const x3 = makeNested([2, 2, 3], () => (r() - 0.5) * 8);
    const want = rowsOf(flatten(x3).map(f32), 3).map((rw) => refXent(rw, lab.map(f32)).loss);
    const got = await evalTensor(ex, (fed) => tf.nn.softmaxCrossEntropyWithLogits({ labels: fed(lab), logits: fed(x3) }));
    expectClose(got, want, { shape: [2, 2], rtol: 1e-6 });
    // Broadcast logits too: one row of logits against two rows of labels, and the backprop of the broadcast shape.
    const lab2 = [[1, 0, 0], [0.5, 0, 0.5]];
    const [l2, b2] = await evalFed(ex, (fed) => {
      const l = tf.nn.softmaxCrossEntropyWithLogits({ labels: fed(lab2), logits: fed([row]) });
      return [l, l.op.outputs[1]];
    });
    const refs2 = lab2.map((lb) => refXent(row, lb));
    expectClose(l2, refs2.map((x) => x.loss), { shape: [2], rtol: 1e-6 });
    expectClose(b2, refs2.map((x) => x.backprop), { shape: [2, 3], rtol: 1e-6, atol: 1e-7 });
  });

  test('softmaxCrossEntropyWithLogits shape rules', () => new tf.Graph().asDefault(() => {
    expect(() => tf.nn.softmaxCrossEntropyWithLogits({ labels: tf.constant(makeNested([2, 4], () => 0)), logits: tf.constant(makeNested([2, 3], () => 0)), name: 'xe' }))
      .toThrow(/xe.*broadcastable.*\[2,3\].*\[2,4\]/);
    expect(() => tf.nn.softmaxCrossEntropyWithLogits({ labels: tf.constant([1], { dtype: 'float64' }), logits: tf.constant([1]) })).toThrow(/float64/);
    const p = tf.nn.softmaxCrossEntropyWithLogits({ labels: tf.placeholder('float32', [null, 5]), logits: tf.placeholder('float32', [8, null]) });
    expect(p.shape).toEqual([8]);
    expect(p.op.outputs[1].shape).toEqual([8, 5]);
  }));

  test('sparseSoftmaxCrossEntropyWithLogits: loss and backprop match float64, int32 and int64 labels', async () => {
    const r = rng(6);
    const logits = makeNested([6, 5], () => (r() - 0.5) * 10) as number[][];
    const labels = [0, 4, 2, 1, 3, 0];
    logits.push([1000, -1000, 0, 1, 2]); labels.push(1);
    logits.push([1000, -1000, 0, 1, 2]); labels.push(0);
    const onehot = (k: number): number[] => [0, 1, 2, 3, 4].map((j) => +(j === k));
    const refs = logits.map((row, i) => refXent(row.map(f32), onehot(labels[i])));
    for (const dt of ['int32', 'int64'] as const) {
      const [loss, backprop] = await evalFed(ex, (fed) => {
        const l = tf.nn.sparseSoftmaxCrossEntropyWithLogits({ labels: fed(labels, dt), logits: fed(logits) });
        expect(l.op.attrs.Tlabels).toBe(dt);
        return [l, l.op.outputs[1]];
      });
      expectClose(loss, refs.map((x) => x.loss), { rtol: 1e-6, atol: 1e-6, shape: [8] });
      expectClose(backprop, refs.map((x) => x.backprop), { rtol: 1e-6, atol: 1e-7, shape: [8, 5] });
      expect(loss.data[6]).toBe(2000);
      expect(loss.data[7]).toBe(0);
    }
    // JS labels become int32; logits of rank 3 with labels of rank 2.
    const x3 = makeNested([2, 2, 3], () => (r() - 0.5) * 8);
    const lab = [[0, 2], [1, 1]];
    const want = rowsOf(flatten(x3).map(f32), 3).map((rw, i) => refXent(rw, [0, 1, 2].map((j) => +(j === lab.flat()[i]))).loss);
    const got = await evalTensor(ex, (fed) => {
      const l = tf.nn.sparseSoftmaxCrossEntropyWithLogits({ labels: lab, logits: fed(x3) });
      expect(l.op.inputs[1].dtype).toBe('int32');
      return l;
    });
    expectClose(got, want, { shape: [2, 2], rtol: 1e-6 });
  });

  test('sparseSoftmaxCrossEntropyWithLogits: an out-of-range label is an InvalidArgumentError naming the node', async () => {
    const logits = makeNested([2, 5], (i) => i / 10);
    for (const bad of [7, -1, 5]) {
      // Fed labels: the check runs in the kernel (constant labels would be checked on the host).
      const build = (fed: Fed): tf.Tensor => tf.nn.sparseSoftmaxCrossEntropyWithLogits({ labels: fed([1, bad], 'int32'), logits: fed(logits), name: 'sxent' });
      await expect(evalTensor(ex, build)).rejects.toThrow(tf.errors.InvalidArgumentError);
      await expect(evalTensor(ex, build)).rejects.toThrow(new RegExp(`sxent.*Received a label value of ${bad} which is outside the valid range of \\[0, 5\\)`));
    }
    const exact = (fed: Fed): tf.Tensor => tf.nn.sparseSoftmaxCrossEntropyWithLogits({ labels: fed([1, 7, 2, -4], 'int32'), logits: fed(makeNested([4, 5], () => 0)), name: 'sx' });
    await expect(evalTensor(ex, exact)).rejects.toThrow(new tf.errors.InvalidArgumentError(
      "SparseSoftmaxCrossEntropyWithLogits node 'sx': Received a label value of 7 which is outside the valid range of [0, 5).  Label values: 1 7 2 -4"));
    // The first bad label is the one reported, on long rows and many rows too.
    const labels = Array.from({ length: 300 }, (_, i) => (i === 150 ? -3 : i === 200 ? 900 : i % 100));
    const run = evalTensor(ex, (fed) => tf.nn.sparseSoftmaxCrossEntropyWithLogits({ labels: fed(labels, 'int64'), logits: fed(makeNested([300, 100], () => 0)), name: 'many' }));
    await expect(run).rejects.toThrow(/many.*Received a label value of -3 which is outside the valid range of \[0, 100\)/);
  });

  test('sparseSoftmaxCrossEntropyWithLogits shape rules', () => new tf.Graph().asDefault(() => {
    const logits = tf.constant(makeNested([2, 3], () => 0));
    expect(() => tf.nn.sparseSoftmaxCrossEntropyWithLogits({ labels: tf.constant([[0, 1]], { dtype: 'int32' }), logits, name: 'rk' }))
      .toThrow(/rk.*Rank mismatch/);
    expect(() => tf.nn.sparseSoftmaxCrossEntropyWithLogits({ labels: tf.constant([0, 1, 2], { dtype: 'int32' }), logits, name: 'bt' }))
      .toThrow(/bt.*same first dimensions.*\[2,3\].*\[3\]/);
    expect(() => tf.nn.sparseSoftmaxCrossEntropyWithLogits({ labels: tf.constant([0, 1]), logits })).toThrow(/int32 or int64/);
    const p = tf.nn.sparseSoftmaxCrossEntropyWithLogits({ labels: tf.placeholder('int32', [4]), logits: tf.placeholder('float32', [null, 10]) });
    expect(p.shape).toEqual([4]);
    expect(p.op.outputs[1].shape).toEqual([4, 10]);
  }));
});
