// tf.bitwise against values TensorFlow computed (tests/testdata/ops2), on both executors; shift clamping, int64
// beyond the int32 range on the host, and the webgpu executor's range check for int64 left shifts.
import * as tf from '../index.js';
import { EXECUTORS, evalTensor, expectClose } from './helpers.js';
import { expectOps2, ops2Cases, runOps2Case } from './ops2_cases.js';

const CASES = ops2Cases('bitwise');

describe.each(EXECUTORS)('bitwise ops on %s', (ex) => {
  for (const c of CASES) {
    // int64 values beyond the int32 range do not fit the GPU's i32 storage: refused on upload by name.
    // (The int64 left shift case shifts by 31 and 40: its results leave the int32 range, which the kernel checks.)
    const wide = c.name.endsWith('int64') && !c.name.startsWith('RightShift');
    test(`${c.name} matches TensorFlow${ex === 'webgpu' && wide ? ' (refused: int64 beyond int32 on webgpu)' : ''}`, async () => {
      if (ex === 'webgpu' && wide) {
        await expect(runOps2Case(c, ex)).rejects.toThrow(/in0|int32 range/);
        return;
      }
      expectOps2(c, await runOps2Case(c, ex), { atol: 0, rtol: 0 });
    });
  }

  test('int32 shifts clamp to [0, 31] and wrap, as TensorFlow', async () => {
    const x = tf.ndarray(Int32Array.from([1, -8, 3, 0x40000000]), [4]);
    const y = tf.ndarray(Int32Array.from([31, 2, 40, 1]), [4]);
    const l = await evalTensor(ex, () => tf.bitwise.leftShift(tf.placeholder('int32', [4], 'x'), tf.placeholder('int32', [4], 'y')), { 'x:0': x, 'y:0': y });
    expectClose(l, [-2147483648, -32, 3 << 31, -2147483648], { atol: 0, rtol: 0 });
    const r = await evalTensor(ex, () => tf.bitwise.rightShift(tf.placeholder('int32', [4], 'x'), tf.placeholder('int32', [4], 'y')), { 'x:0': x, 'y:0': y });
    expectClose(r, [0, -2, 0, 0x20000000], { atol: 0, rtol: 0 });
  });

  test('invert, and, or, xor of int32 extremes', async () => {
    const v = tf.ndarray(Int32Array.from([0, -1, 2147483647, -2147483648]), [4]);
    const fed = (): tf.Tensor => tf.placeholder('int32', [4], 'x');
    expectClose(await evalTensor(ex, () => tf.bitwise.invert(fed()), { 'x:0': v }), [-1, 0, -2147483648, 2147483647], { atol: 0, rtol: 0 });
    expectClose(await evalTensor(ex, () => tf.bitwise.bitwiseXor(fed(), -1), { 'x:0': v }), [-1, 0, -2147483648, 2147483647], { atol: 0, rtol: 0 });
    expectClose(await evalTensor(ex, () => tf.bitwise.bitwiseAnd(fed(), 0x7fffffff), { 'x:0': v }), [0, 2147483647, 2147483647, 0], { atol: 0, rtol: 0 });
  });
});

test('int64 beyond 32 bits is exact on the host (cpu executor)', async () => {
  const x = tf.ndarray(Float64Array.from([2 ** 40 + 5, -(2 ** 45)]), [2], 'int64');
  const fed = (): tf.Tensor => tf.placeholder('int64', [2], 'x');
  expectClose(await evalTensor('cpu', () => tf.bitwise.bitwiseAnd(fed(), tf.constant([2 ** 40 + 4, -1], { dtype: 'int64' })), { 'x:0': x }), [2 ** 40 + 4, -(2 ** 45)], { atol: 0, rtol: 0 });
  expectClose(await evalTensor('cpu', () => tf.bitwise.rightShift(fed(), tf.constant([40, 63], { dtype: 'int64' })), { 'x:0': x }), [1, -1], { atol: 0, rtol: 0 });
  expectClose(await evalTensor('cpu', () => tf.bitwise.leftShift(fed(), tf.constant([3, 1], { dtype: 'int64' })), { 'x:0': x }), [2 ** 43 + 40, -(2 ** 46)], { atol: 0, rtol: 0 });
});

test('an int64 left shift leaving the int32 range fails on webgpu, naming the node', async () => {
  const x = tf.ndarray(Float64Array.from([1, 3]), [2], 'int64');
  await expect(evalTensor('webgpu', () => tf.bitwise.leftShift(tf.placeholder('int64', [2], 'x'), tf.constant([3, 40], { dtype: 'int64' }), { name: 'shl' }), { 'x:0': x }))
    .rejects.toThrow(/LeftShift node 'shl'.*int32 range/);
  expectClose(await evalTensor('webgpu', () => tf.bitwise.leftShift(tf.placeholder('int64', [2], 'x'), tf.constant([3, 20], { dtype: 'int64' })), { 'x:0': x }), [8, 3 * 2 ** 20], { atol: 0, rtol: 0 });
});

test('bad inputs are InvalidArgumentErrors naming the node; the ops are not differentiable', () => {
  tf.resetDefaultGraph();
  expect(() => tf.bitwise.bitwiseAnd(tf.constant([1.5]), tf.constant([2.5]), { name: 'band' })).toThrow(/BitwiseAnd node 'band'.*float32/);
  expect(() => tf.bitwise.leftShift(tf.constant([1, 2], { dtype: 'int32' }), tf.constant([1, 2, 3], { dtype: 'int32' }), { name: 'shl2' })).toThrow(/LeftShift node 'shl2'.*Incompatible shapes/);
  const x = tf.placeholder('float32', [2]);
  const y = tf.mul(x, tf.cast(tf.bitwise.invert(tf.constant([1, 2], { dtype: 'int32' })), 'float32'));
  expect(tf.gradients(y, [x])[0]).not.toBeNull();
  expect(tf.bitwise.bitwiseOr(tf.constant(1, { dtype: 'int32' }), 2).op.name).toMatch(/^BitwiseOr/);
});
