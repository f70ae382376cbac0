// Values: constants in every accepted form, NDArray conversion rules, identity, placeholders' static shapes.
import * as tf from '../index.js';
import { EXECUTORS, evalTensor } from './helpers.js';

describe('tf.ndarray and conversions', () => {
  test('nested arrays infer shape; numbers default to float32, booleans to bool', () => {
    const a = tf.ndarray([[1, 2, 3], [4, 5, 6]]);
    expect(a.shape).toEqual([2, 3]);
    expect(a.dtype).toBe('float32');
    expect(a.data).toBeInstanceOf(Float32Array);
    expect(tf.ndarray([true, false]).dtype).toBe('bool');
    expect(tf.ndarray(3).shape).toEqual([]);
    expect(tf.ndarray([]).shape).toEqual([0]);
  });

  test('typed arrays take a shape; dtype conversion checks values', () => {
    const a = tf.ndarray(new Float32Array([1, 2, 3, 4]), [2, 2]);
    expect(a.toArray()).toEqual([[1, 2], [3, 4]]);
    expect(tf.ndarray(new Int32Array([1, 2])).dtype).toBe('int32');
    expect(tf.ndarray([1, 2], [2], 'int32').data).toBeInstanceOf(Int32Array);
    expect(() => tf.ndarray([1.5], [1], 'int32')).toThrow(/not an integer/);
    expect(() => tf.ndarray([1, 2, 3], [2, 2])).toThrow(/do not fill/);
    expect(() => tf.ndarray([[1, 2], [3]])).toThrow(/ragged/);
    expect(() => tf.ndarray([3e9], [1], 'int32')).toThrow(/int32/);
  });

  test('float32 storage rounds like numpy float32', () => {
    expect(tf.ndarray([0.1]).data[0]).toBe(Math.fround(0.1));
  });

  test('int64 holds exact integers up to 2^53', () => {
    const a = tf.ndarray([2 ** 40 + 1], [1], 'int64');
    expect(a.data[0]).toBe(2 ** 40 + 1);
  });
});

describe.each(EXECUTORS)('constants on %s', (ex) => {
  test('value forms: number, nested array, typed array with shape, scalar filling a shape, NDArray', async () => {
    expect((await evalTensor(ex, () => tf.constant(2.5))).toArray()).toBe(2.5);
    expect((await evalTensor(ex, () => tf.constant([[1, 2], [3, 4]]))).toArray()).toEqual([[1, 2], [3, 4]]);
    expect((await evalTensor(ex, () => tf.constant(new Float32Array([1, 2, 3, 4, 5, 6]), { shape: [3, 2] }))).toArray())
      .toEqual([[1, 2], [3, 4], [5, 6]]);
    expect((await evalTensor(ex, () => tf.constant(7, { shape: [2, 2], dtype: 'int32' }))).toArray()).toEqual([[7, 7], [7, 7]]);
    expect((await evalTensor(ex, () => tf.constant([1, 2, 3, 4], { shape: [2, 2] }))).toArray()).toEqual([[1, 2], [3, 4]]);
    expect((await evalTensor(ex, () => tf.constant(tf.ndarray([1, 2], [2], 'int32')))).dtype).toBe('int32');
  });

  test('bad constants fail at build time naming the node', () => {
    expect(() => tf.constant([1, 2, 3], { shape: [2, 2], name: 'c' })).toThrow(/'c'.*do not fill/);
    expect(() => tf.constant([1, 2], { dtype: 'bool' })).toThrow(tf.errors.InvalidArgumentError);
  });

  test('identity passes values through under a new name', async () => {
    const r = await evalTensor(ex, () => {
      const t = tf.identity(tf.constant([1, 2]), { name: 'out' });
      expect(t.op.name).toBe('out');
      expect(t.op.type).toBe('Identity');
      return t;
    });
    expect(r.toArray()).toEqual([1, 2]);
  });

  test('placeholders keep their static shape and dtype; unknown rank when no shape', () => {
    new tf.Graph().asDefault(() => {
      const p = tf.placeholder('int32', [null, 2, null], 'p');
      expect(p.shape).toEqual([null, 2, null]);
      expect(p.dtype).toBe('int32');
      expect(p.op.attrs.shape).toEqual([null, 2, null]);
      expect(tf.placeholder('float32').shape).toBeNull();
      expect(() => tf.placeholder('complex64' as tf.DType)).toThrow(/dtype/);
      expect(() => tf.placeholderWithDefault([1, 2], [3], 'pd')).toThrow(/'pd'.*not compatible/);
    });
  });

  test('a variable may be initialised from another tensor and a dtype is checked', async () => {
    const g = new tf.Graph();
    const { v, u } = g.asDefault(() => {
      const v = tf.variable([[1, 2]], { name: 'v' });
      const u = tf.variable(tf.mul(v.initialValue, 3), { name: 'u' });
      expect(() => tf.variable(tf.constant([1]), { dtype: 'int32' })).toThrow(/dtype/);
      expect(() => tf.variable(tf.placeholder('float32', [null]))).toThrow(/fully defined shape/);
      expect(() => tf.assign(v, [[1, 2, 3]], { name: 'as' })).toThrow(/'as'.*\[1,3\].*\[1,2\]/);
      expect(() => tf.assign(tf.constant(1), 2)).toThrow(/not a variable/);
      return { v, u };
    });
    const sess = await tf.Session.create({ graph: g, executor: ex });
    await sess.run(g.asDefault(() => tf.globalVariablesInitializer()));
    expect((await sess.run(u)).toArray()).toEqual([[3, 6]]);
    expect((await sess.run(v.assign([[5, 5]]))).toArray()).toEqual([[5, 5]]);
    await sess.close();
  });

  test('an int32 variable and assignAdd keep int32', async () => {
    const g = new tf.Graph();
    const { step, inc } = g.asDefault(() => {
      const step = tf.variable(0, { name: 'step', dtype: 'int32', trainable: false });
      return { step, inc: tf.assignAdd(step, 1) };
    });
    const sess = await tf.Session.create({ graph: g, executor: ex });
    await sess.run(step.initializer);
    await sess.run(inc);
    const r = await sess.run(step);
    expect(r.dtype).toBe('int32');
    expect(r.toArray()).toBe(1);
    await sess.close();
  });
});
