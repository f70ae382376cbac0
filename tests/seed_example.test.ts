// The seed example of the foundation issue, as a TF1 user writes it, checked against a float64 reference.
import * as tf from '../index.js';
import { EXECUTORS, rng } from './helpers.js';

/** float64 reference: loss = mean over rows of sum((relu(x·w1)·w2 - y)²). */
function referenceLoss(x: Float64Array, y: Float64Array, w1: ArrayLike<number>, w2: ArrayLike<number>, n: number): number {
  const D = 1000, H = 100;
  let total = 0;
  const h = new Float64Array(H);
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < H; j++) {
      let s = 0;
      for (let k = 0; k < D; k++) s += x[r * D + k] * w1[k * H + j];
      h[j] = Math.max(s, 0);
    }
    let rowSum = 0;
    for (let j = 0; j < D; j++) {
      let s = 0;
      for (let k = 0; k < H; k++) s += h[k] * w2[k * D + j];
      rowSum += (s - y[r * D + j]) ** 2;
    }
    total += rowSum;
  }
  return total / n;
}

describe.each(EXECUTORS)('seed example on %s', (executor) => {
  test('two-layer network, batch 64 then 3 through the same graph, matches float64 to 1e-4 relative', async () => {
    const g = new tf.Graph();
    const { x, y, w1, w2, loss } = g.asDefault(() => {
      const x = tf.placeholder('float32', [null, 1000], 'x');
      const y = tf.placeholder('float32', [null, 1000], 'y');
      const w1 = tf.variable(tf.random.normal([1000, 100], { seed: 1 }), { name: 'w1' });
      const w2 = tf.variable(tf.random.normal([100, 1000], { seed: 2 }), { name: 'w2' });
      const h = tf.nn.relu(tf.matmul(x, w1));
      const yPred = tf.matmul(h, w2);
      const loss = tf.reduceMean(tf.reduceSum(tf.square(tf.sub(yPred, y)), 1));
      return { x, y, w1, w2, loss };
    });
    expect(loss.shape).toEqual([]);
    const sess = await tf.Session.create({ graph: g, executor });
    await sess.run(tf.variablesInitializer([w1, w2]));
    const [W1, W2] = await sess.run([w1, w2]);
    const r = rng(42);
    for (const n of [64, 3]) {
      const xv = Float64Array.from({ length: n * 1000 }, () => Math.fround(r() * 2 - 1));
      const yv = Float64Array.from({ length: n * 1000 }, () => Math.fround(r() * 2 - 1));
      const got = await sess.run(loss, new Map([[x, tf.ndarray(Float32Array.from(xv), [n, 1000])], [y, tf.ndarray(Float32Array.from(yv), [n, 1000])]]));
      const want = referenceLoss(xv, yv, W1.data, W2.data, n);
      expect(Math.abs(got.scalar() - want) / Math.abs(want)).toBeLessThan(1e-4);
    }
    await sess.close();
  });
});
