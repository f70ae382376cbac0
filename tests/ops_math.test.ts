// Math ops against hand-computed values and plain float64 JS references (numpy semantics).
import * as tf from '../index.js';
import { EXECUTORS, evalGraph, evalTensor, expectClose, makeNested, Nested, rng } from './helpers.js';

/** float64 reference for a broadcast binary op over nested arrays (numpy rules), written independently of ops/cpu.ts. */
function refBroadcast(a: Nested, b: Nested, f: (x: number, y: number) => number): Nested {
  const depth = (x: Nested): number => (Array.isArray(x) ? 1 + depth(x[0]) : 0);
  const wrap = (x: Nested, n: number): Nested => (n <= 0 ? x : wrap([x], n - 1));
  const da = depth(a), db = depth(b);
  const A = wrap(a, db - da), B = wrap(b, da - db);
  const go = (x: Nested, y: Nested): Nested => {
    if (!Array.isArray(x) && !Array.isArray(y)) return f(+x, +y);
    const xs = x as Nested[], ys = y as Nested[];
    const n = Math.max(xs.length, ys.length);
    return Array.from({ length: n }, (_, i) => go(xs.length === 1 ? xs[0] : xs[i], ys.length === 1 ? ys[0] : ys[i]));
  };
  return go(A, B);
}

const f32 = (x: number): number => Math.fround(x);

describe.each(EXECUTORS)('math ops on %s', (ex) => {
  const A = [[1, -2, 3], [-4, 5, -6]];
  const B = [10, 20, 30];

  test.each([
    ['add', tf.add, (x: number, y: number) => x + y],
    ['sub', tf.sub, (x: number, y: number) => x - y],
    ['mul', tf.mul, (x: number, y: number) => x * y],
    ['div', tf.div, (x: number, y: number) => x / y],
    ['maximum', tf.maximum, Math.max],
    ['minimum', tf.minimum, Math.min],
    ['pow', tf.pow, Math.pow],
    ['squaredDifference', tf.squaredDifference, (x: number, y: number) => (x - y) ** 2],
  ] as const)('%s broadcasts [2,3] with [3] and [2,1]', async (_, op, f) => {
    expectClose(await evalTensor(ex, () => op(tf.constant(A), tf.constant(B))), refBroadcast(A, B, f), { rtol: 1e-6 });
    const C = [[2], [3]];
    expectClose(await evalTensor(ex, () => op(tf.constant(A), tf.constant(C))), refBroadcast(A, C, f), { rtol: 1e-6 });
    expectClose(await evalTensor(ex, () => op(tf.constant(C), tf.constant(B))), refBroadcast(C, B, f), { rtol: 1e-6 });
  });

  test('scalars broadcast and numbers take the tensor dtype', async () => {
    expectClose(await evalTensor(ex, () => tf.mul(tf.constant(A), 2)), refBroadcast(A, 2, (x, y) => x * y));
    const r = await evalTensor(ex, () => tf.sub(10, tf.constant([1, 2], { dtype: 'int32' })));
    expect(r.dtype).toBe('int32');
    expect(r.toArray()).toEqual([9, 8]);
  });

  test('broadcasting an unknown dim against a concrete one at run time', async () => {
    const r = await evalGraph(ex, () => {
      const x = tf.placeholder('float32', [null, 1], 'x');
      const y = tf.add(x, tf.constant([[1, 2, 3]]));
      expect(y.shape).toEqual([null, 3]);
      return y;
    }, (y) => y, () => ({ x: [[10], [20]] }));
    expectClose(r, [[11, 12, 13], [21, 22, 23]]);
  });

  test('incompatible shapes fed at run time are an InvalidArgumentError naming the node', async () => {
    await expect(evalGraph(ex, () => tf.add(tf.placeholder('float32', [null], 'x'), tf.constant([1, 2, 3]), { name: 'plus' }),
      (y) => y, () => ({ x: [1, 2] }))).rejects.toThrow(/plus.*\[2\].*\[3\]/);
  });

  test('integer arithmetic: wrapping multiply, floor division and modulus (Python rules), truncating division', async () => {
    const a = [7, -7, 7, -7], b = [2, 2, -2, -2];
    const int = (v: number[]) => tf.constant(v, { dtype: 'int32' });
    expect((await evalTensor(ex, () => tf.div(int(a), int(b)))).toArray()).toEqual([3, -4, -4, 3]);
    expect((await evalTensor(ex, () => tf.floorDivide(int(a), int(b)))).toArray()).toEqual([3, -4, -4, 3]);
    expect((await evalTensor(ex, () => tf.floorMod(int(a), int(b)))).toArray()).toEqual([1, 1, -1, -1]);
    expect((await evalTensor(ex, () => tf.truncateDiv(int(a), int(b)))).toArray()).toEqual([3, -3, -3, 3]);
    expect((await evalTensor(ex, () => tf.mul(int([65536, 3]), int([65536, -5])))).toArray()).toEqual([0, -15]);
    expect((await evalTensor(ex, () => tf.add(int([2147483647]), int([1])))).toArray()).toEqual([-2147483648]);
    await expect(evalTensor(ex, () => tf.floorDivide(int([1]), int([0])))).rejects.toThrow(/division by zero/);
    expectClose(await evalTensor(ex, () => tf.floorMod(tf.constant([7.5, -7.5]), tf.constant([2, 2]))), [1.5, 0.5]);
  });

  test.each([
    ['neg', tf.neg, (x: number) => -x, [-3, -0.5, 0, 2]],
    ['abs', tf.abs, Math.abs, [-3, -0.5, 0, 2]],
    ['square', tf.square, (x: number) => x * x, [-3, -0.5, 0, 2]],
    ['sqrt', tf.sqrt, Math.sqrt, [0, 0.25, 2, 100]],
    ['rsqrt', tf.rsqrt, (x: number) => 1 / Math.sqrt(x), [0.25, 2, 100]],
    ['exp', tf.exp, Math.exp, [-10, 0, 1, 20]],
    ['log', tf.log, Math.log, [1e-5, 1, 2.5, 1e6]],
    ['sigmoid', tf.sigmoid, (x: number) => 1 / (1 + Math.exp(-x)), [-50, -1, 0, 1, 50]],
    ['tanh', tf.tanh, Math.tanh, [-20, -1, 0, 0.5, 20]],
    ['reciprocal', tf.reciprocal, (x: number) => 1 / x, [-2, 0.5, 4]],
    ['floor', tf.floor, Math.floor, [-1.5, -0.5, 0.5, 2]],
  ] as const)('%s matches Math', async (_, op, f, xs) => {
    expectClose(await evalTensor(ex, () => op(tf.constant([...xs]))), xs.map((x) => f32(f(f32(x)))), { rtol: 2e-7, atol: 1e-30 });
  });

  test('edge values: sqrt(-1) is NaN, log(0) is -Infinity, sigmoid saturates without overflow', async () => {
    expectClose(await evalTensor(ex, () => tf.sqrt(tf.constant([-1]))), [NaN]);
    expectClose(await evalTensor(ex, () => tf.log(tf.constant([0]))), [-Infinity]);
    expectClose(await evalTensor(ex, () => tf.sigmoid(tf.constant([-1000, 1000]))), [0, 1]);
    expectClose(await evalTensor(ex, () => tf.maximum(tf.constant([NaN, 1]), tf.constant([0, NaN]))), [NaN, NaN]);
  });

  test('comparisons and logic give bool tensors', async () => {
    const x = [1, 2, 3], y = [3, 2, 1];
    const cases: Array<[(a: tf.Tensor, b: tf.Tensor) => tf.Tensor, boolean[]]> = [
      [tf.equal, [false, true, false]], [tf.notEqual, [true, false, true]], [tf.less, [true, false, false]],
      [tf.lessEqual, [true, true, false]], [tf.greater, [false, false, true]], [tf.greaterEqual, [false, true, true]],
    ];
    for (const [op, expected] of cases) {
      const r = await evalTensor(ex, () => op(tf.constant(x), tf.constant(y)));
      expect(r.dtype).toBe('bool');
      expect(r.toArray()).toEqual(expected);
    }
    const p = [true, true, false, false], q = [true, false, true, false];
    expect((await evalTensor(ex, () => tf.logicalAnd(tf.constant(p), tf.constant(q)))).toArray()).toEqual([true, false, false, false]);
    expect((await evalTensor(ex, () => tf.logicalOr(tf.constant(p), tf.constant(q)))).toArray()).toEqual([true, true, true, false]);
    expect((await evalTensor(ex, () => tf.logicalNot(tf.constant(p)))).toArray()).toEqual([false, false, true, true]);
    expect(() => tf.logicalAnd(tf.constant([1]), tf.constant([0]), { name: 'land' })).toThrow(/land.*bool/);
  });

  test('where selects with broadcasting', async () => {
    const r = await evalTensor(ex, () => tf.where(tf.constant([[true], [false]]), tf.constant([[1, 2, 3]]), tf.constant(0)));
    expect(r.toArray()).toEqual([[1, 2, 3], [0, 0, 0]]);
    expect(() => tf.where(tf.constant([1]), tf.constant([1]), tf.constant([2]), { name: 'w' })).toThrow(/'w'.*bool/);
  });

  test('cast truncates toward zero, maps bools to 0/1 and nonzero to true', async () => {
    expect((await evalTensor(ex, () => tf.cast(tf.constant([-1.7, -0.5, 0.5, 1.7, 2.5]), 'int32'))).toArray()).toEqual([-1, 0, 0, 1, 2]);
    expect((await evalTensor(ex, () => tf.cast(tf.constant([true, false]), 'float32'))).toArray()).toEqual([1, 0]);
    expect((await evalTensor(ex, () => tf.cast(tf.constant([0, 0.5, -2]), 'bool'))).toArray()).toEqual([false, true, true]);
    const r = await evalTensor(ex, () => tf.cast(tf.constant([3], { dtype: 'int32' }), 'int64'));
    expect(r.dtype).toBe('int64');
    expect(r.toArray()).toEqual([3]);
    const x = tf.constant([1]);
    expect(tf.cast(x, 'float32')).toBe(x);
  });

  describe('matmul', () => {
    const refMatmul = (a: number[][], b: number[][]): number[][] =>
      a.map((row) => b[0].map((_, j) => row.reduce((s, v, k) => s + v * b[k][j], 0)));
    const T = (m: number[][]): number[][] => m[0].map((_, j) => m.map((r) => r[j]));
    const r = rng(1);
    const a = makeNested([4, 5], () => r() * 2 - 1) as number[][];
    const b = makeNested([5, 3], () => r() * 2 - 1) as number[][];

    test('plain and with every transpose flag', async () => {
      const ref = refMatmul(a, b);
      expectClose(await evalTensor(ex, () => tf.matmul(tf.constant(a), tf.constant(b))), ref, { rtol: 1e-5, atol: 1e-6 });
      expectClose(await evalTensor(ex, () => tf.matmul(tf.constant(T(a)), tf.constant(b), { transposeA: true })), ref, { rtol: 1e-5, atol: 1e-6 });
      expectClose(await evalTensor(ex, () => tf.matmul(tf.constant(a), tf.constant(T(b)), { transposeB: true })), ref, { rtol: 1e-5, atol: 1e-6 });
      expectClose(await evalTensor(ex, () => tf.matmul(tf.constant(T(a)), tf.constant(T(b)), { transposeA: true, transposeB: true })), ref, { rtol: 1e-5, atol: 1e-6 });
    });

    test('batched (BatchMatMulV2) with broadcast batch dims', async () => {
      const a3 = [a, a.map((row) => row.map((v) => v * 2))];
      const t = await evalGraph(ex, () => tf.matmul(tf.constant(a3), tf.constant(b)), (t) => t);
      const ref = [refMatmul(a3[0], b), refMatmul(a3[1], b)];
      expectClose(t, ref, { rtol: 1e-5, atol: 1e-6 });
      const op = new tf.Graph().asDefault(() => tf.matmul(tf.constant(a3), tf.constant([b, b, b].slice(0, 1))));
      expect(op.op.type).toBe('BatchMatMulV2');
      expect(op.shape).toEqual([2, 4, 3]);
    });

    test('int32 matmul is exact', async () => {
      const r2 = await evalTensor(ex, () => tf.matmul(tf.constant([[1, 2], [3, 4]], { dtype: 'int32' }), tf.constant([[5], [6]], { dtype: 'int32' })));
      expect(r2.toArray()).toEqual([[17], [39]]);
    });

    test('shape rules: unknown dims, inner-dimension mismatch, rank', () => {
      const g = new tf.Graph();
      g.asDefault(() => {
        const x = tf.placeholder('float32', [null, 5]);
        expect(tf.matmul(x, tf.constant(b)).shape).toEqual([null, 3]);
        expect(tf.matmul(x, tf.placeholder('float32', [null, null]), { transposeB: true }).shape).toEqual([null, null]);
        expect(() => tf.matmul(x, tf.constant(a), { name: 'bad' })).toThrow(/'bad'.*Dimensions must be equal, but are 5 and 4/);
        expect(() => tf.matmul(tf.constant([1, 2]), tf.constant([1, 2]))).toThrow(/rank/);
      });
    });

    test('empty inner dimension gives zeros', async () => {
      const t = await evalTensor(ex, () => tf.matmul(tf.zeros([2, 0]), tf.zeros([0, 3])));
      expectClose(t, [[0, 0, 0], [0, 0, 0]]);
    });
  });

  describe('reductions', () => {
    const X = [[[1, 2, 3], [4, 5, 6]], [[-1, 0, 7], [2, 2, 2]]]; // [2,2,3]
    const flat = (x: Nested): number[] => (Array.isArray(x) ? x.flatMap(flat) : [+x]);
    /** Independent reference: reduce a [2,2,3] nested array over the given axes. */
    const refReduce = (axes: number[], keep: boolean, f: (vs: number[]) => number): Nested => {
      const shape = [2, 2, 3];
      const outShape = shape.map((d, i) => (axes.includes(i) ? 1 : d));
      const groups = new Map<string, number[]>();
      for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) for (let k = 0; k < 3; k++) {
        const key = [i, j, k].map((v, ax) => (axes.includes(ax) ? 0 : v)).join(',');
        if (!groups.has(key)) groups.set(key, []);
        groups.get(key)!.push(X[i][j][k]);
      }
      const vals = makeNested(outShape, (n) => {
        const idx = [Math.floor(n / (outShape[1] * outShape[2])), Math.floor(n / outShape[2]) % outShape[1], n % outShape[2]];
        return f(groups.get(idx.join(','))!);
      });
      if (keep) return vals;
      const kept = shape.filter((_, i) => !axes.includes(i));
      const fl = flat(vals);
      return kept.length === 0 ? fl[0] : makeNested(kept, (n) => fl[n]);
    };
    const sum = (v: number[]) => v.reduce((a, b) => a + b, 0);
    const fns: Array<[string, typeof tf.reduceSum, (v: number[]) => number]> = [
      ['reduceSum', tf.reduceSum, sum],
      ['reduceMean', tf.reduceMean, (v) => sum(v) / v.length],
      ['reduceMax', tf.reduceMax, (v) => Math.max(...v)],
      ['reduceMin', tf.reduceMin, (v) => Math.min(...v)],
      ['reduceProd', tf.reduceProd, (v) => v.reduce((a, b) => a * b, 1)],
    ];
    for (const [name, op, f] of fns) {
      test(`${name} over every axis set, keepDims both ways, negative axes`, async () => {
        for (const axes of [[0], [1], [2], [0, 2], [1, 2], [0, 1, 2]]) {
          for (const keep of [false, true]) {
            const t = await evalTensor(ex, () => op(tf.constant(X), axes, keep));
            expectClose(t, refReduce(axes, keep, f), { rtol: 1e-6 });
          }
        }
        expectClose(await evalTensor(ex, () => op(tf.constant(X), -1)), refReduce([2], false, f), { rtol: 1e-6 });
        expectClose(await evalTensor(ex, () => op(tf.constant(X))), [f(flat(X))], { shape: [] });
      });
    }

    test('empty reductions give the identity: 0 for sum, 1 for prod, -inf for max, +inf for min, NaN for mean', async () => {
      const e = () => tf.zeros([2, 0]);
      expectClose(await evalTensor(ex, () => tf.reduceSum(e(), 1)), [0, 0]);
      expectClose(await evalTensor(ex, () => tf.reduceProd(e(), 1)), [1, 1]);
      expectClose(await evalTensor(ex, () => tf.reduceMax(e(), 1)), [-Infinity, -Infinity]);
      expectClose(await evalTensor(ex, () => tf.reduceMin(e(), 1)), [Infinity, Infinity]);
      expectClose(await evalTensor(ex, () => tf.reduceMean(e(), 1)), [NaN, NaN]);
      expectClose(await evalTensor(ex, () => tf.reduceSum(e(), 0)), [], { shape: [0] });
      expectClose(await evalTensor(ex, () => tf.reduceSum(tf.constant(3), [])), 3, { shape: [] });
    });

    test('integer mean truncates; int sums stay int32', async () => {
      const r = await evalTensor(ex, () => tf.reduceMean(tf.constant([1, 2, 2], { dtype: 'int32' })));
      expect(r.dtype).toBe('int32');
      expect(r.toArray()).toBe(1);
    });

    test('shape rules with unknown dims and options; bad axes fail at build time naming the node', () => {
      new tf.Graph().asDefault(() => {
        const x = tf.placeholder('float32', [null, 4, 5]);
        expect(tf.reduceSum(x, 1).shape).toEqual([null, 5]);
        expect(tf.reduceSum(x, [0, 2], true).shape).toEqual([1, 4, 1]);
        expect(tf.reduceMean(x).shape).toEqual([]);
        expect(tf.reduceSum(x, 1, true, { name: 's' }).op.name).toBe('s');
        expect(tf.reduceSum(tf.placeholder('float32')).shape).toBeNull();
        expect(() => tf.reduceSum(x, 3, false, { name: 'bad' })).toThrow(/'bad'.*Invalid reduction dimension 3/);
      });
    });

    test('reducing a tensor of unknown rank over all axes', async () => {
      const r = await evalGraph(ex, () => tf.reduceSum(tf.placeholder('float32', undefined, 'x')), (t) => t, () => ({ x: [[1, 2], [3, 4]] }));
      expectClose(r, 10, { shape: [] });
    });
  });

  test('argMax and argMin return the first extreme, int32 by default, int64 on request', async () => {
    const X = [[1, 3, 3, 0], [5, 5, -1, -1]];
    const r = await evalTensor(ex, () => tf.argMax(tf.constant(X), 1));
    expect(r.dtype).toBe('int32');
    expect(r.toArray()).toEqual([1, 0]);
    expect((await evalTensor(ex, () => tf.argMin(tf.constant(X), 1))).toArray()).toEqual([3, 2]);
    expect((await evalTensor(ex, () => tf.argMax(tf.constant(X), 0))).toArray()).toEqual([1, 1, 0, 0]);
    expect((await evalTensor(ex, () => tf.argMax(tf.constant(X), -1, { outputType: 'int64' }))).dtype).toBe('int64');
    expect(new tf.Graph().asDefault(() => tf.argMax(tf.placeholder('float32', [null, 10]), 1).shape)).toEqual([null]);
    expect(() => new tf.Graph().asDefault(() => tf.argMax(tf.zeros([2, 3]), 2, { name: 'am' }))).toThrow(/'am'/);
  });
});
