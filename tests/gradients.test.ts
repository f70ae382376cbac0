// tf.gradients' own semantics (TF1's): sums over ys and paths, gradYs, unconnected xs, stop gradients, registered and
// overridden gradient functions, names. The per-op gradients are checked in grad_math/grad_array_nn/... tests.
import * as tf from '../index.js';
import { addOp } from '../ops/registry.js';
import { EXECUTORS, evalGraph, expectClose } from './helpers.js';

// An op with no declared gradient, for tf.registerGradient: x^3 (test-only, never on the GPU).
tf.defineOp({
  type: 'KilnTestCube',
  inputs: ['x'],
  attrs: { T: { type: 'type' } },
  shape: (c) => [{ dtype: c.inputs[0].dtype, shape: c.inputs[0].shape }],
  cpu: ([x]) => [tf.ndarray(Float32Array.from(x.data as Float32Array, (v) => v * v * v), x.shape)],
});
const addOpCube = (x: tf.Tensor): tf.Tensor => addOp('KilnTestCube', [x], { T: x.dtype }).outputs[0];

tf.registerGradient('KilnTestTripleGrad', (_op, [dy]) => [tf.mul(dy!, 3)]);
tf.registerGradient('KilnTestCube', (op, [dy]) => [tf.mul(dy!, tf.mul(3, tf.square(op.inputs[0])))]);

describe('tf.gradients semantics (cpu)', () => {
  test('sums over several ys and over several paths (AddN)', async () => {
    const r = await evalGraph('cpu', () => {
      const x = tf.placeholder('float32', [2], 'x');
      const y1 = tf.mul(x, 2);
      const y2 = tf.add(tf.mul(x, x), x); // two paths from x
      const [g] = tf.gradients([y1, y2], [x]);
      return { x, g: g! };
    }, (b) => b.g, (b) => new Map([[b.x, [1, -2]]]));
    expectClose(r, [2 + 2 * 1 + 1, 2 + 2 * -2 + 1]);
  });

  test('gradYs weights each y; a list when ys is a list', async () => {
    const r = await evalGraph('cpu', () => {
      const x = tf.constant([1, 2, 3]);
      const y = tf.mul(x, x);
      const z = tf.mul(x, 10);
      return [
        tf.gradients(y, x, tf.constant([1, 0, -1]))[0]!,
        tf.gradients([y, z], [x], [tf.constant([1, 1, 1]), null])[0]!,
      ];
    }, (t) => t);
    expectClose(r[0], [2, 0, -6]);
    expectClose(r[1], [2 + 10, 4 + 10, 6 + 10]);
  });

  test('an unconnected x gets null, or zeros with unconnectedGradients: zero; int tensors carry none', () => {
    const g = new tf.Graph();
    g.asDefault(() => {
      const x = tf.placeholder('float32', [3], 'x');
      const u = tf.placeholder('float32', [2], 'u');
      const i = tf.placeholder('int32', [3], 'i');
      const y = tf.reduceSum(tf.mul(x, tf.cast(i, 'float32')));
      const [gx, gu, gi] = tf.gradients(y, [x, u, i]);
      expect(gx).not.toBeNull();
      expect(gu).toBeNull();
      expect(gi).toBeNull();
      const [zu] = tf.gradients(y, [u], undefined, { unconnectedGradients: 'zero' });
      expect(zu!.op.type).toBe('ZerosLike');
    });
  });

  test('stopGradient and the stopGradients option block paths', async () => {
    const r = await evalGraph('cpu', () => {
      const x = tf.constant([3, -1]);
      const y = tf.mul(x, tf.stopGradient(x)); // d/dx = stop(x)
      const h = tf.mul(x, 2);
      const z = tf.add(tf.mul(h, x), x); // with h held constant: d/dx = h + 1
      return [tf.gradients(y, x)[0]!, tf.gradients(z, x, undefined, { stopGradients: [h] })[0]!];
    }, (t) => t);
    expectClose(r[0], [3, -1]);
    expectClose(r[1], [7, -1]);
  });

  test('a Variable is differentiated through its read value', async () => {
    const g = new tf.Graph();
    const { w, grad } = g.asDefault(() => {
      const w = tf.variable([1, 2], { name: 'w' });
      return { w, grad: tf.gradients(tf.reduceSum(tf.square(w)), w)[0]! };
    });
    const sess = await tf.Session.create({ graph: g, executor: 'cpu' });
    await sess.run(w.initializer);
    expectClose(await sess.run(grad), [2, 4]);
    await sess.close();
  });

  test('new nodes go under gradients/, then gradients_1/, named <op>_grad', () => {
    const g = new tf.Graph();
    g.asDefault(() => {
      const x = tf.placeholder('float32', [2], 'x');
      const y = tf.mul(x, x, { name: 'sq' });
      const [a] = tf.gradients(y, x);
      const [b] = tf.gradients(y, x);
      expect(a!.op.name.startsWith('gradients/')).toBe(true);
      expect(b!.op.name.startsWith('gradients_1/')).toBe(true);
      expect(g.getOperations().some((op) => op.name.startsWith('gradients/sq_grad/'))).toBe(true);
    });
  });

  test('tf.registerGradient gives an op type without one its gradient; twice, or for a declared one, is an error', async () => {
    const r = await evalGraph('cpu', () => {
      const x = tf.constant([2, -1]);
      return tf.gradients(tf.reduceSum(addOpCube(x)), x)[0]!;
    }, (t) => t);
    expectClose(r, [12, 3]);
    expect(() => tf.registerGradient('KilnTestCube', (_op, g) => [g[0]])).toThrow(/already registered/);
    expect(() => tf.registerGradient('Mul', (_op, g) => [g[0], g[0]])).toThrow(/already declares/);
  });

  test('graph.gradientOverrideMap swaps the gradient of the nodes built inside it', async () => {
    const r = await evalGraph('cpu', () => {
      const g = tf.getDefaultGraph();
      const x = tf.constant([1, 2]);
      const y = g.gradientOverrideMap({ Identity: 'KilnTestTripleGrad' }, () => tf.identity(x, { name: 'tripled' }));
      const plain = tf.identity(x, { name: 'plain' });
      expect(y.op.attrs._gradient_op_type).toBe('KilnTestTripleGrad');
      expect(plain.op.attrs._gradient_op_type).toBeUndefined();
      return [tf.gradients(y, x)[0]!, tf.gradients(plain, x)[0]!];
    }, (t) => t);
    expectClose(r[0], [3, 3]);
    expectClose(r[1], [1, 1]);
  });

  test('errors name the node: no gradient, an unregistered override', () => {
    const g = new tf.Graph();
    g.asDefault(() => {
      const x = tf.placeholder('float32', [2], 'x');
      const y = g.gradientOverrideMap({ Identity: 'NoSuchGrad' }, () => tf.identity(x, { name: 'odd' }));
      expect(() => tf.gradients(y, x)).toThrow(/'NoSuchGrad'.*'odd'/);
      expect(() => tf.gradients(y, x)).toThrow(tf.errors.NotFoundError);
    });
  });
});

describe.each(EXECUTORS)('tf.gradients runs on %s', (executor) => {
  test('a small network: matmul and sparse softmax cross-entropy', async () => {
    const r = await evalGraph(executor, () => {
      const x = tf.placeholder('float32', [2, 3], 'x');
      const w = tf.constant([[0.1, -0.2], [0.3, 0.4], [-0.5, 0.6]]);
      const logits = tf.matmul(x, w);
      const loss = tf.reduceMean(tf.nn.sparseSoftmaxCrossEntropyWithLogits({ labels: tf.constant([1, 0], { dtype: 'int32' }), logits }));
      return { x, g: tf.gradients(loss, [x])[0]! };
    }, (b) => b.g, (b) => new Map([[b.x, [[1, 2, 3], [-1, 0, 1]]]]));
    // Reference: softmax(xW) - onehot, / batch, times W^T.
    const W = [[0.1, -0.2], [0.3, 0.4], [-0.5, 0.6]];
    const X = [[1, 2, 3], [-1, 0, 1]];
    const labels = [1, 0];
    const expected: number[][] = [];
    for (let i = 0; i < 2; i++) {
      const z = [0, 1].map((j) => X[i].reduce((s, v, k) => s + v * W[k][j], 0));
      const m = Math.max(...z);
      const e = z.map((v) => Math.exp(v - m));
      const p = e.map((v) => v / (e[0] + e[1]));
      const d = p.map((v, j) => (v - (j === labels[i] ? 1 : 0)) / 2);
      expected.push([0, 1, 2].map((k) => d[0] * W[k][0] + d[1] * W[k][1]));
    }
    expectClose(r, expected, { rtol: 1e-5, atol: 1e-6 });
  });
});
