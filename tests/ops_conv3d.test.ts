// 3-D convolution and pooling against values TensorFlow computed (tests/testdata/ops2), on both executors (inputs
// fed, so the WGSL kernels run); gradients against finite differences (cpu, float64) and the GPU against the cpu.
import * as tf from '../index.js';
import { addOp } from '../ops/registry.js';
import { gradCase } from './gradcheck.js';
import { EXECUTORS } from './helpers.js';
import { expectOps2, ops2Cases, runOps2Case } from './ops2_cases.js';

const CASES = ops2Cases('conv3d');

describe.each(EXECUTORS)('3-D convolution and pooling on %s', (ex) => {
  for (const c of CASES) {
    // float32 sums of up to 54 products, TensorFlow's in another order: 1e-5 absolute plus 1e-5 relative.
    test(`${c.name} matches TensorFlow`, async () => {
      expectOps2(c, await runOps2Case(c, ex), { atol: 1e-5, rtol: 1e-5 });
    });
  }

  test('gradients of conv3d (Conv3DBackpropInputV2 / FilterV2), in both layouts', async () => {
    await gradCase(ex, ([x, w]) => tf.nn.conv3d(x, w, 1, 'SAME'), [[1, 3, 4, 3, 2], [2, 3, 2, 2, 3]]);
    await gradCase(ex, ([x, w]) => tf.nn.conv3d(x, w, [1, 2, 1], 'VALID', { dataFormat: 'NCDHW' }), [[1, 2, 5, 4, 3], [3, 2, 2, 2, 2]]);
  });

  test('second order: gradients of the backprop ops (nn_grad.py)', async () => {
    // x [1,4,3,3,2], w [2,2,2,2,3], stride 2 SAME -> y [1,2,2,2,3]
    const s = [1, 2, 2, 2, 1];
    await gradCase(ex, ([w, dy]) => tf.nn.conv3dTranspose(dy, w, [1, 4, 3, 3, 2], s, 'SAME'), [[2, 2, 2, 2, 3], [1, 2, 2, 2, 3]]);
    await gradCase(ex, ([x, dy]) => addOp('Conv3DBackpropFilterV2', [x, tf.constant([2, 2, 2, 2, 3], { dtype: 'int32' }), dy],
      { T: x.dtype, strides: s, padding: 'SAME' }).outputs[0], [[1, 4, 3, 3, 2], [1, 2, 2, 2, 3]]);
  });

  test('gradients of maxPool3d and avgPool3d, and of their gradients', async () => {
    // Distinct values: no ties, so the max is differentiable where finite differences probe it.
    const perm = Array.from({ length: 1 * 4 * 3 * 4 * 2 }, (_, i) => ((i * 37) % 96) / 48 - 1);
    await gradCase(ex, ([x]) => tf.nn.maxPool3d(x, 2, 2, 'SAME'), [[1, 4, 3, 4, 2]], { values: [perm] });
    await gradCase(ex, ([x]) => tf.nn.avgPool3d(x, [2, 3, 2], 1, 'VALID', { dataFormat: 'NCDHW' }), [[1, 2, 4, 3, 4]]);
    await gradCase(ex, ([x]) => tf.nn.avgPool3d(x, 3, 2, 'SAME'), [[1, 4, 3, 4, 2]]);
    // MaxPool3DGrad is linear in its gradient input: its gradient there is MaxPool3DGradGrad.
    const x = tf.ndarray(Float64Array.from(perm), [1, 4, 3, 4, 2]);
    await gradCase(ex, ([dy]) => {
      const xc = tf.cast(tf.constant(x), dy.dtype);
      const y = tf.nn.maxPool3d(xc, 2, 2, 'SAME');
      return addOp('MaxPool3DGrad', [xc, y, dy], { T: dy.dtype, TInput: dy.dtype, ksize: [1, 2, 2, 2, 1], strides: [1, 2, 2, 2, 1], padding: 'SAME' }).outputs[0];
    }, [[1, 2, 2, 2, 2]]);
  });
});

test('shape rules and bad attrs are InvalidArgumentErrors naming the node', () => {
  tf.resetDefaultGraph();
  const x = tf.placeholder('float32', [null, 5, 4, 6, 3]);
  expect(tf.nn.conv3d(x, tf.zeros([3, 2, 3, 3, 4]), 2, 'SAME').shape).toEqual([null, 3, 2, 3, 4]);
  expect(tf.nn.maxPool3d(x, 2, 2, 'VALID').shape).toEqual([null, 2, 2, 3, 3]);
  expect(tf.nn.avgPool3d(tf.placeholder('float32', [1, 3, 5, 4, 6]), 2, 1, 'SAME', { dataFormat: 'NCDHW' }).shape).toEqual([1, 3, 5, 4, 6]);
  expect(() => tf.nn.conv3d(x, tf.zeros([3, 2, 3, 2, 4]), 1, 'SAME', { name: 'c3' })).toThrow(/Conv3D node 'c3'.*input depth/);
  expect(() => tf.nn.conv3d(x, tf.zeros([7, 2, 3, 3, 4]), 1, 'VALID', { name: 'c4' })).toThrow(/Conv3D node 'c4'.*negative/);
  expect(() => tf.nn.conv3d(tf.zeros([1, 2, 2, 2]), tf.zeros([1, 1, 1, 2, 1]), 1, 'SAME', { name: 'c5' })).toThrow(/Conv3D node 'c5'.*5-dimensional/);
  expect(() => tf.nn.maxPool3d(x, [1, 2, 2, 2, 2], 1, 'SAME', { name: 'p' })).toThrow(/MaxPool3D node 'p'.*batch and depth/);
  expect(() => tf.nn.conv3dTranspose(tf.zeros([1, 2, 2, 2, 3]), tf.zeros([2, 2, 2, 2, 3]), [1, 4, 4, 5, 2], 2, 'SAME', { name: 't' }))
    .toThrow(/Conv3DBackpropInputV2 node 't'.*does not match the forward output/);
});
