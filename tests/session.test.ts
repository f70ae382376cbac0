// Session semantics: fetch structures, feeds, pruning, plan caching, variables and their atomicity, errors.
import * as tf from '../index.js';
import { EXECUTORS, expectClose } from './helpers.js';

describe.each(EXECUTORS)('Session on %s', (executor) => {
  let g: tf.Graph;
  let sess: tf.Session;
  beforeEach(async () => {
    g = new tf.Graph();
    sess = await tf.Session.create({ graph: g, executor });
  });
  afterEach(async () => sess.close());
  const build = <T>(fn: () => T): T => g.asDefault(fn);

  test('device names the executor', () => {
    expect(sess.device.executor).toBe(executor);
  });

  test('fetch structures: tensor, name, name:0, op, arrays and objects nested', async () => {
    const { a, b, op } = build(() => {
      const a = tf.constant([1, 2], { name: 'a' });
      const b = tf.add(a, 1, { name: 'b' });
      return { a, b, op: tf.noOp({ name: 'nothing' }) };
    });
    const r = await sess.run({ first: a, rest: [b, 'b', 'b:0', op, { deep: ['a:0'] }] });
    expect(r.first.toArray()).toEqual([1, 2]);
    const [t, byName, byTensorName, nothing, deep] = r.rest as [tf.NDArray, tf.NDArray, tf.NDArray, null, { deep: tf.NDArray[] }];
    expect(t.toArray()).toEqual([2, 3]);
    expect(byName.toArray()).toEqual([2, 3]);
    expect(byTensorName.toArray()).toEqual([2, 3]);
    expect(nothing).toBeNull();
    expect(deep.deep[0].toArray()).toEqual([1, 2]);
    expect(await sess.run(op)).toBeNull();
    expect(await sess.run('nothing')).toBeNull();
  });

  test('results carry dtype, shape as a plain array, typed data, toArray', async () => {
    const c = build(() => tf.constant([[1, 2, 3], [4, 5, 6]], { dtype: 'int32' }));
    const v = await sess.run(c);
    expect(v).toBeInstanceOf(tf.NDArray);
    expect(v.dtype).toBe('int32');
    expect(v.shape).toEqual([2, 3]);
    expect(v.data).toBeInstanceOf(Int32Array);
    expect(v.toArray()).toEqual([[1, 2, 3], [4, 5, 6]]);
  });

  test('feeds by name, by name:0, by Map keyed by Tensor; numbers, nested arrays, booleans, NDArrays, typed arrays', async () => {
    const { x, y, flag } = build(() => ({
      x: tf.placeholder('float32', [null, 2], 'x'),
      y: tf.placeholder('float32', [], 'y'),
      flag: tf.placeholder('bool', [2], 'flag'),
    }));
    const out = build(() => tf.where(flag, tf.mul(x, y), tf.zerosLike(x)));
    const r1 = await sess.run(out, { x: [[1, 2], [3, 4]], 'y:0': 10, flag: [true, false] });
    expect(r1.toArray()).toEqual([[10, 0], [30, 0]]);
    const feeds = new Map<tf.Tensor | string, tf.FeedValue>([
      [x, tf.ndarray([1, 2], [1, 2])], [y, tf.ndarray(2)], [flag, tf.ndarray([false, true])],
    ]);
    expect((await sess.run(out, feeds)).toArray()).toEqual([[0, 4]]);
    // A flat typed array takes the placeholder's shape, its one unknown dim inferred.
    const r3 = await sess.run(out, { x: new Float32Array([1, 2, 3, 4, 5, 6]), y: 1, flag: [true, true] });
    expect(r3.shape).toEqual([3, 2]);
  });

  test('any tensor can be fed, replacing its value for that run only', async () => {
    const { a, b, c } = build(() => {
      const a = tf.constant(1, { name: 'a' });
      const b = tf.mul(a, 2, { name: 'b' });
      return { a, b, c: tf.add(b, 1, { name: 'c' }) };
    });
    expect((await sess.run(c, { b: 10 })).toArray()).toEqual(11);
    expect((await sess.run(c, new Map([[a, 5]]))).toArray()).toEqual(11);
    expect((await sess.run(c)).toArray()).toEqual(3);
    // Fetching a fed tensor returns the fed value.
    expect((await sess.run(b, { 'b:0': 7 })).toArray()).toEqual(7);
  });

  test('only the needed subgraph runs: an unneeded placeholder may stay unfed', async () => {
    const { used } = build(() => {
      const unused = tf.placeholder('float32', [2], 'unused');
      tf.add(unused, 1, { name: 'needs_unused' });
      return { used: tf.add(tf.constant(1), 1) };
    });
    expect((await sess.run(used)).toArray()).toEqual(2);
    await expect(sess.run('needs_unused')).rejects.toThrow(/unused/);
  });

  test('missing feed: InvalidArgumentError naming the placeholder, its dtype and shape', async () => {
    const y = build(() => tf.add(tf.placeholder('float32', [null, 1000], 'x'), 1));
    const err = await sess.run(y).catch((e) => e);
    expect(err).toBeInstanceOf(tf.errors.InvalidArgumentError);
    expect(err.code).toBe(3);
    expect(err.message).toMatch(/placeholder tensor 'x'.*float32.*\[\?,1000\]/);
  });

  test('wrong feed shape or dtype: InvalidArgumentError naming the tensor, expected vs given', async () => {
    const y = build(() => tf.add(tf.placeholder('float32', [null, 3], 'x'), 1));
    await expect(sess.run(y, { x: [[1, 2]] })).rejects.toThrow(/shape \[1,2\].*'x:0'.*\[\?,3\]/);
    await expect(sess.run(y, { x: [1, 2, 3] })).rejects.toThrow(tf.errors.InvalidArgumentError);
    await expect(sess.run(y, { x: tf.ndarray([[1, 2, 3]], [1, 3], 'int32') })).rejects.toThrow(/int32.*'x:0'.*float32/);
    const i = build(() => tf.add(tf.placeholder('int32', [2], 'i'), 1));
    await expect(sess.run(i, { i: [1.5, 2] })).rejects.toThrow(/1.5 is not an integer.*'i:0'/);
    await expect(sess.run(i, { i: [true, false] })).rejects.toThrow(tf.errors.InvalidArgumentError);
  });

  test('unknown fetch or feed names: NotFoundError (code 5)', async () => {
    build(() => tf.constant(1, { name: 'one' }));
    const e1 = await sess.run('nope').catch((e) => e);
    expect(e1).toBeInstanceOf(tf.errors.NotFoundError);
    expect(e1.code).toBe(5);
    await expect(sess.run('one', { nope: 1 })).rejects.toThrow(tf.errors.NotFoundError);
    await expect(sess.run('one:1')).rejects.toThrow(tf.errors.NotFoundError);
  });

  test('reading an uninitialised variable: FailedPreconditionError naming it', async () => {
    const w = build(() => tf.variable([1, 2], { name: 'weights' }));
    const out = build(() => tf.mul(w, 2));
    const err = await sess.run(out).catch((e) => e);
    expect(err).toBeInstanceOf(tf.errors.FailedPreconditionError);
    expect(err.code).toBe(9);
    expect(err.message).toMatch(/uninitialized value weights/);
  });

  test('variables persist across runs; assign, assignAdd, assignSub update them', async () => {
    const { w, inc, dec, set, init } = build(() => {
      const w = tf.variable([1, 2], { name: 'w' });
      return {
        w, inc: tf.assignAdd(w, [10, 10]), dec: tf.assignSub(w, [1, 1]), set: tf.assign(w, [5, 6]),
        init: tf.globalVariablesInitializer(),
      };
    });
    expect(await sess.run(init)).toBeNull();
    expect((await sess.run(w)).toArray()).toEqual([1, 2]);
    expect((await sess.run(inc)).toArray()).toEqual([11, 12]);
    expect((await sess.run(inc)).toArray()).toEqual([21, 22]);
    expect((await sess.run(dec)).toArray()).toEqual([20, 21]);
    expect((await sess.run(w)).toArray()).toEqual([20, 21]);
    expect((await sess.run(set)).toArray()).toEqual([5, 6]);
    expect((await sess.run(w.value())).toArray()).toEqual([5, 6]);
  });

  test('variables live in the session: a second session starts uninitialised', async () => {
    const w = build(() => tf.variable(3, { name: 'w' }));
    await sess.run(w.initializer);
    const other = await tf.Session.create({ graph: g, executor });
    await expect(other.run(w)).rejects.toThrow(tf.errors.FailedPreconditionError);
    await other.close();
    expect((await sess.run(w)).toArray()).toEqual(3);
  });

  test('a fetched variable value is a copy: writing to it does not change the variable', async () => {
    const w = build(() => tf.variable([1, 2], { name: 'w' }));
    await sess.run(w.initializer);
    const v = await sess.run(w);
    v.data[0] = 100;
    expect((await sess.run(w)).toArray()).toEqual([1, 2]);
  });

  test('a run that fails changes no variable', async () => {
    const { w, bad } = build(() => {
      const w = tf.variable([1, 2], { name: 'w' });
      const x = tf.placeholder('int32', [1], 'x');
      const upd = tf.assignAdd(w, [1, 1]);
      // Runs after the update (control edge), then fails: gather index out of range.
      const bad = tf.controlDependencies([upd], () => tf.gather(tf.constant([1, 2]), x));
      return { w, bad };
    });
    await sess.run(w.initializer);
    await expect(sess.run([bad, w], { x: [7] })).rejects.toThrow(tf.errors.InvalidArgumentError);
    expect((await sess.run(w)).toArray()).toEqual([1, 2]);
    // The same graph with a good index commits the update.
    await sess.run(bad, { x: [0] });
    expect((await sess.run(w)).toArray()).toEqual([2, 3]);
  });

  test('a failed run that would have initialised a variable leaves it uninitialised', async () => {
    const { w, bad } = build(() => {
      const w = tf.variable([1, 2], { name: 'w' });
      const x = tf.placeholder('int32', [1], 'x');
      const bad = tf.controlDependencies([w.initializer], () => tf.gather(tf.constant([1, 2]), x));
      return { w, bad };
    });
    await expect(sess.run(bad, { x: [7] })).rejects.toThrow(tf.errors.InvalidArgumentError);
    await expect(sess.run(w)).rejects.toThrow(tf.errors.FailedPreconditionError);
  });

  test('assignments ordered by control dependencies see earlier writes in the same run', async () => {
    const { w, read } = build(() => {
      const w = tf.variable(1, { name: 'w' });
      const a = tf.assign(w, 10);
      const read = tf.controlDependencies([a], () => tf.identity(w));
      return { w, read };
    });
    await sess.run(w.initializer);
    expect((await sess.run(read)).toArray()).toEqual(10);
  });

  test('the graph may grow after the session was created; later runs see the new nodes', async () => {
    const a = build(() => tf.constant(2, { name: 'a' }));
    expect((await sess.run(a)).toArray()).toEqual(2);
    const b = build(() => tf.mul(a, 21, { name: 'b' }));
    expect((await sess.run(b)).toArray()).toEqual(42);
    expect((await sess.run('b')).toArray()).toEqual(42);
  });

  test('concurrent runs are queued in call order', async () => {
    const { w, inc } = build(() => {
      const w = tf.variable(0, { name: 'w' });
      return { w, inc: tf.assignAdd(w, 1) };
    });
    await sess.run(w.initializer);
    const results = await Promise.all([1, 2, 3, 4, 5].map(() => sess.run(inc)));
    expect(results.map((r) => r.toArray())).toEqual([1, 2, 3, 4, 5]);
  });

  test('the same graph runs with different batch sizes through one placeholder', async () => {
    const { x, y } = build(() => {
      const x = tf.placeholder('float32', [null, 2], 'x');
      return { x, y: tf.reduceSum(x, 1) };
    });
    expectClose(await sess.run(y, { x: [[1, 2], [3, 4], [5, 6]] }), [3, 7, 11]);
    expectClose(await sess.run(y, new Map([[x, [[1, 1]]]])), [2]);
  });

  test('a plan is compiled once per fetch set and feed shapes', async () => {
    const y = build(() => tf.reduceSum(tf.placeholder('float32', [null, 2], 'x'), 1));
    for (let i = 0; i < 3; i++) await sess.run(y, { x: [[1, 2]] });
    expect(sess.stats()).toMatchObject({ plansCompiled: 1, runs: 3 });
    await sess.run(y, { x: [[1, 2], [3, 4]] });
    await sess.run([y], { x: [[1, 2]] });
    expect(sess.stats().plansCompiled).toBe(2);
  });

  test('placeholderWithDefault: the default unless fed', async () => {
    const p = build(() => tf.placeholderWithDefault([1, 2], [null], 'p'));
    expect(p.shape).toEqual([null]);
    expect((await sess.run(p)).toArray()).toEqual([1, 2]);
    expect((await sess.run(p, { p: [7, 8, 9] })).toArray()).toEqual([7, 8, 9]);
    const t = build(() => tf.placeholderWithDefault(false, [], 'training'));
    expect(t.dtype).toBe('bool');
    expect((await sess.run(t)).toArray()).toBe(false);
    expect((await sess.run(t, { training: true })).toArray()).toBe(true);
  });

  test('a closed session refuses to run', async () => {
    const c = build(() => tf.constant(1));
    await sess.close();
    await expect(sess.run(c)).rejects.toThrow(tf.errors.FailedPreconditionError);
  });

  test('fetching a tensor of another graph is an error', async () => {
    const other = new tf.Graph().asDefault(() => tf.constant(1));
    await expect(sess.run(other)).rejects.toThrow(tf.errors.InvalidArgumentError);
  });
});

describe('Session.create', () => {
  test('executor cpu, auto and the KILN_EXECUTOR override', async () => {
    const g = new tf.Graph();
    const s = await tf.Session.create({ graph: g, executor: 'auto' });
    expect(['cpu', 'webgpu']).toContain(s.device.executor);
    await s.close();
    const saved = process.env.KILN_EXECUTOR;
    process.env.KILN_EXECUTOR = 'cpu';
    try {
      const s2 = await tf.Session.create({ graph: g });
      expect(s2.device.executor).toBe('cpu');
      await s2.close();
    } finally {
      if (saved === undefined) delete process.env.KILN_EXECUTOR; else process.env.KILN_EXECUTOR = saved;
    }
  });

  test('an unknown executor name is an InvalidArgumentError', async () => {
    await expect(tf.Session.create({ executor: 'tpu' as never })).rejects.toThrow(tf.errors.InvalidArgumentError);
  });

  test('uses the default graph when none is given', async () => {
    tf.resetDefaultGraph();
    const c = tf.constant(5);
    const s = await tf.Session.create();
    expect(s.graph).toBe(tf.getDefaultGraph());
    expect((await s.run(c)).toArray()).toBe(5);
    await s.close();
  });
});
