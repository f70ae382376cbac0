// Math ops against hand-computed values and plain float64 JS references (numpy semantics). Inputs are fed through
// placeholders (`evalFed`): the webgpu executor computes whatever follows from constants on the host with the CPU
// kernels, so only fed inputs make its own kernels run.
import * as tf from '../index.js';
import { addOp } from '../ops/registry.js';
import { describeReducePlan } from '../ops/wgsl/reduce.js';
import type { ExecutorName } from '../session/session.js';
import { EXECUTORS, evalGraph, evalTensor, expectClose, FLOAT64_EXECUTORS, makeNested, Nested, rng } from './helpers.js';

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

type Input = (value: Nested | tf.NDArray, dtype?: tf.DType) => tf.Tensor;

/** Builds `build` in a fresh graph, `input(v)` being a placeholder fed with v, and evaluates the tensor it returns. */
async function evalFed(ex: ExecutorName, build: (input: Input) => tf.Tensor): Promise<tf.NDArray> {
  return evalGraph(ex, () => {
    const feeds = new Map<tf.Tensor, tf.NDArray>();
    const input: Input = (v, dtype) => {
      const a = v instanceof tf.NDArray ? v : tf.ndarray(v as tf.NestedArray, undefined, dtype);
      const p = tf.placeholder(a.dtype, a.shape);
      feeds.set(p, a);
      return p;
    };
    return { y: build(input), feeds };
  }, (b) => b.y, (b) => b.feeds);
}

/** Deterministic values: float32 in [0, 1) (exact in f32), or integers in [lo, lo + span). */
function randomArray(shape: number[], dtype: 'float32' | 'int32', seed: number, lo = 0, span = 1): tf.NDArray {
  const r = rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  const data = dtype === 'float32' ? Float32Array.from({ length: n }, () => f32(lo + r() * span))
    : Int32Array.from({ length: n }, () => lo + Math.floor(r() * span));
  return tf.ndarray(data, shape, dtype);
}

/** float64 reference reduction of flat `data` of `shape` over `axes` (sorted, normalised): output values row-major. */
function refReduceFlat(data: ArrayLike<number>, shape: number[], axes: number[], f: (vs: number[]) => number): number[] {
  const outShape = shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const outSize = outShape.reduce((a, b) => a * b, 1);
  const groups: number[][] = Array.from({ length: outSize }, () => []);
  const coord = new Array<number>(shape.length).fill(0);
  for (let i = 0; i < data.length; i++) {
    let o = 0;
    for (let ax = 0; ax < shape.length; ax++) o = o * outShape[ax] + (axes.includes(ax) ? 0 : coord[ax]);
    groups[o].push(data[i]);
    for (let ax = shape.length - 1; ax >= 0; ax--) { if (++coord[ax] < shape[ax]) break; coord[ax] = 0; }
  }
  return groups.map(f);
}

/** float64 reference ArgMax/ArgMin along `axis`: the first NaN, else the first extreme. */
function refArg(data: ArrayLike<number>, shape: number[], axis: number, max: boolean): number[] {
  const outer = shape.slice(0, axis).reduce((a, b) => a * b, 1), len = shape[axis];
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const out: number[] = [];
  for (let o = 0; o < outer; o++) for (let i = 0; i < inner; i++) {
    let best = 0;
    for (let j = 0; j < len; j++) {
      const v = data[(o * len + j) * inner + i], b = data[(o * len + best) * inner + i];
      if (Number.isNaN(v)) { best = j; break; }
      if (max ? v > b : v < b) best = j;
    }
    out.push(best);
  }
  return out;
}

const sumOf = (v: number[]): number => v.reduce((a, b) => a + b, 0);

describe.each(EXECUTORS)('math ops on %s', (ex) => {
  const gpu = ex === 'webgpu';
  const A = [[1, -2, 3], [-4, 5, -6]];
  const B = [10, 20, 30];

  // GPU pow is exp2(y * log2(x)): its relative error grows with |y log2 x| (up to 77 here), about 1e-6 at most.
  test.each([
    ['add', tf.add, (x: number, y: number) => x + y, 1e-6],
    ['sub', tf.sub, (x: number, y: number) => x - y, 1e-6],
    ['mul', tf.mul, (x: number, y: number) => x * y, 1e-6],
    ['div', tf.div, (x: number, y: number) => x / y, 1e-6],
    ['maximum', tf.maximum, Math.max, 1e-6],
    ['minimum', tf.minimum, Math.min, 1e-6],
    ['pow', tf.pow, Math.pow, gpu ? 1e-5 : 1e-6],
    ['squaredDifference', tf.squaredDifference, (x: number, y: number) => (x - y) ** 2, 1e-6],
  ] as const)('%s broadcasts [2,3] with [3] and [2,1]', async (_, op, f, rtol) => {
    expectClose(await evalFed(ex, (c) => op(c(A), c(B))), refBroadcast(A, B, f), { rtol });
    const C = [[2], [3]];
    expectClose(await evalFed(ex, (c) => op(c(A), c(C))), refBroadcast(A, C, f), { rtol });
    expectClose(await evalFed(ex, (c) => op(c(C), c(B))), refBroadcast(C, B, f), { rtol });
    // Constant operands: folded on the host, or baked into the shader as a literal (a scalar).
    expectClose(await evalTensor(ex, () => op(tf.constant(A), tf.constant(B))), refBroadcast(A, B, f), { rtol });
    expectClose(await evalFed(ex, (c) => op(c(A), tf.constant(3))), refBroadcast(A, 3, f), { rtol });
  });

  test('scalars broadcast and numbers take the tensor dtype', async () => {
    expectClose(await evalFed(ex, (c) => tf.mul(c(A), 2)), refBroadcast(A, 2, (x, y) => x * y));
    const r = await evalFed(ex, (c) => tf.sub(10, c([1, 2], 'int32')));
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
    const int = (c: Input, v: number[]) => c(v, 'int32');
    expect((await evalFed(ex, (c) => tf.div(int(c, a), int(c, b)))).toArray()).toEqual([3, -4, -4, 3]);
    expect((await evalFed(ex, (c) => tf.floorDivide(int(c, a), int(c, b)))).toArray()).toEqual([3, -4, -4, 3]);
    expect((await evalFed(ex, (c) => tf.floorMod(int(c, a), int(c, b)))).toArray()).toEqual([1, 1, -1, -1]);
    expect((await evalFed(ex, (c) => tf.truncateDiv(int(c, a), int(c, b)))).toArray()).toEqual([3, -3, -3, 3]);
    expect((await evalFed(ex, (c) => tf.mul(int(c, [65536, 3, 100000]), int(c, [65536, -5, 100000])))).toArray()).toEqual([0, -15, 1410065408]);
    expect((await evalFed(ex, (c) => tf.add(int(c, [2147483647]), int(c, [1])))).toArray()).toEqual([-2147483648]);
    // Square, squared difference and power wrap like the multiply (TensorFlow's int32 kernels).
    expect((await evalFed(ex, (c) => tf.square(int(c, [2147483647, 65536, -3])))).toArray()).toEqual([1, 0, 9]);
    expect((await evalFed(ex, (c) => tf.squaredDifference(int(c, [2147483647, 5]), int(c, [-1, 2])))).toArray()).toEqual([0, 9]);
    expect((await evalFed(ex, (c) => tf.pow(int(c, [2, 3, -2, 7, 2, -1]), int(c, [10, 21, 3, 12, 32, 5])))).toArray())
      .toEqual([1024, 1870418611, -8, 956385313, 0, -1]); // 3^21, 7^12 mod 2^32 (BigInt)
    await expect(evalFed(ex, (c) => tf.floorDivide(int(c, [1]), int(c, [0])))).rejects.toThrow(/division by zero/);
    await expect(evalFed(ex, (c) => tf.floorMod(int(c, [1, 2]), int(c, [3, 0])))).rejects.toThrow(/division by zero/);
    expectClose(await evalFed(ex, (c) => tf.floorMod(c([7.5, -7.5, 7.5, -7.5]), c([2, 2, -2, -2]))), [1.5, 0.5, -0.5, -1.5]);
    expectClose(await evalFed(ex, (c) => tf.floorDivide(c([7.5, -7.5]), c([2, 2]))), [3, -4]);
    expectClose(await evalFed(ex, (c) => tf.truncateDiv(c([7.5, -7.5]), c([2, 2]))), [3, -3]);
  });

  // The GPU's exp, log, tanh and sigmoid are a few ulp off (exp(20): 28.9 binary orders of magnitude scale its error):
  // 2e-6 there, 2e-7 for the exact ones.
  test.each([
    ['neg', tf.neg, (x: number) => -x, [-3, -0.5, 0, 2], 2e-7],
    ['abs', tf.abs, Math.abs, [-3, -0.5, 0, 2], 2e-7],
    ['square', tf.square, (x: number) => x * x, [-3, -0.5, 0, 2], 2e-7],
    ['sqrt', tf.sqrt, Math.sqrt, [0, 0.25, 2, 100], 2e-7],
    ['rsqrt', tf.rsqrt, (x: number) => 1 / Math.sqrt(x), [0.25, 2, 100], gpu ? 5e-7 : 2e-7],
    ['exp', tf.exp, Math.exp, [-10, 0, 1, 20], gpu ? 2e-6 : 2e-7],
    ['log', tf.log, Math.log, [1e-5, 0.9999, 1, 1.0001, 2.5, 1e6], gpu ? 5e-7 : 2e-7],
    ['log1p', tf.log1p, Math.log1p, [-0.5, -1e-3, 1e-7, 1e-3, 0.2, 0.3, 10], gpu ? 5e-7 : 2e-7],
    ['sigmoid', tf.sigmoid, (x: number) => 1 / (1 + Math.exp(-x)), [-50, -1, 0, 1, 50], gpu ? 2e-6 : 2e-7],
    ['tanh', tf.tanh, Math.tanh, [-20, -1, -1e-6, 0, 1e-4, 0.2, 0.5, 20], gpu ? 5e-7 : 2e-7],
    ['reciprocal', tf.reciprocal, (x: number) => 1 / x, [-2, 0.5, 4, 3], gpu ? 3e-7 : 2e-7],
    ['floor', tf.floor, Math.floor, [-1.5, -0.5, 0.5, 2], 0],
    ['ceil', tf.ceil, Math.ceil, [-1.5, -0.5, 0.5, 2], 0],
    ['round', tf.round, (x: number) => (Math.abs(x % 1) === 0.5 ? 2 * Math.round(x / 2) : Math.round(x)), [-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 2.6], 0],
    ['sign', tf.sign, Math.sign, [-3, 0, 0.5], 0],
  ] as const)('%s matches Math', async (_, op, f, xs, rtol) => {
    expectClose(await evalFed(ex, (c) => op(c([...xs]))), xs.map((x) => f32(f(f32(x)))), { rtol, atol: 1e-30 });
  });

  test('edge values: NaN, infinities, signed zeros', async () => {
    const inf = Infinity;
    expectClose(await evalFed(ex, (c) => tf.sqrt(c([-1]))), [NaN]);
    expectClose(await evalFed(ex, (c) => tf.log(c([0, -1, inf]))), [-inf, NaN, inf]);
    expectClose(await evalFed(ex, (c) => tf.log1p(c([-1, -2, inf]))), [-inf, NaN, inf]);
    expectClose(await evalFed(ex, (c) => tf.sigmoid(c([-1000, 1000]))), [0, 1]);
    expectClose(await evalFed(ex, (c) => tf.tanh(c([NaN, -inf, inf]))), [NaN, -1, 1]);
    expectClose(await evalFed(ex, (c) => tf.exp(c([-inf, inf, 100]))), [0, inf, inf]);
    expectClose(await evalFed(ex, (c) => tf.maximum(c([NaN, 1]), c([0, NaN]))), [NaN, NaN]);
    expectClose(await evalFed(ex, (c) => tf.minimum(c([NaN, 1]), c([0, NaN]))), [NaN, NaN]);
    expectClose(await evalFed(ex, (c) => tf.sign(c([NaN, -0]))), [NaN, 0]);
    expect(Array.from((await evalFed(ex, (c) => tf.isNan(c([NaN, inf, 0, -NaN])))).data)).toEqual([1, 0, 0, 1]);
    expectClose(await evalFed(ex, (c) => tf.div(c([1, -1, 0]), c([0, 0, 0]))), [inf, -inf, NaN]);
    // Math.pow's special cases: x^0 = 1 even for NaN, 0^-y = inf with the sign of -0 for odd y, negative bases.
    expectClose(await evalFed(ex, (c) => tf.pow(c([NaN, 0, -0, -0, 0, -2, -2, 2, 0, -8]), c([0, -1, -1, 3, NaN, 3, 0.5, -2, 2, 1 / 3]))),
      [1, inf, -inf, -0, NaN, -8, NaN, 0.25, 0, NaN]);
    // FloorMod by an infinite divisor leaves a finite dividend (a negative one moves to the divisor's side).
    expectClose(await evalFed(ex, (c) => tf.floorMod(c([5, 0, -5]), c([inf, inf, inf]))), [5, 0, inf]);
  });

  test('comparisons and logic give bool tensors; NaN compares unequal to everything', async () => {
    const x = [1, 2, 3, NaN, NaN], y = [3, 2, 1, NaN, 1];
    const cases: Array<[(a: tf.Tensor, b: tf.Tensor) => tf.Tensor, boolean[]]> = [
      [tf.equal, [false, true, false, false, false]], [tf.notEqual, [true, false, true, true, true]],
      [tf.less, [true, false, false, false, false]], [tf.lessEqual, [true, true, false, false, false]],
      [tf.greater, [false, false, true, false, false]], [tf.greaterEqual, [false, true, true, false, false]],
    ];
    for (const [op, expected] of cases) {
      const r = await evalFed(ex, (c) => op(c(x), c(y)));
      expect(r.dtype).toBe('bool');
      expect(r.toArray()).toEqual(expected);
    }
    expect((await evalFed(ex, (c) => tf.less(c([1, -5], 'int32'), c([2, -6], 'int32')))).toArray()).toEqual([true, false]);
    const p = [true, true, false, false], q = [true, false, true, false];
    expect((await evalFed(ex, (c) => tf.logicalAnd(c(p), c(q)))).toArray()).toEqual([true, false, false, false]);
    expect((await evalFed(ex, (c) => tf.logicalOr(c(p), c(q)))).toArray()).toEqual([true, true, true, false]);
    expect((await evalFed(ex, (c) => tf.logicalNot(c(p)))).toArray()).toEqual([false, false, true, true]);
    expect((await evalFed(ex, (c) => tf.equal(c(p), c(q)))).toArray()).toEqual([true, false, false, true]);
    expect(() => tf.logicalAnd(tf.constant([1]), tf.constant([0]), { name: 'land' })).toThrow(/land.*bool/);
  });

  test('a chain of elementwise ops over broadcast operands (fused into one kernel on the GPU)', async () => {
    const r = rng(3);
    const x = makeNested([3, 8], () => r() * 4 - 2), y = makeNested([8], () => r() * 4 - 2), z = makeNested([3, 1], () => r() + 0.5);
    const ref = refBroadcast(refBroadcast(refBroadcast(x, y, (a, b) => a * b), z, (a, b) => a / b), 1, (a, b) => (a > 0 ? a : 0) + b);
    const got = await evalFed(ex, (c) => tf.add(tf.maximum(tf.realDiv(tf.mul(c(x), c(y)), c(z)), 0), 1));
    expectClose(got, ref, { rtol: 1e-6 });
    // Odd last dim: one element per thread instead of four.
    const got2 = await evalFed(ex, (c) => tf.sub(tf.exp(c([[0.5, 1, 2], [3, -1, 0]])), c([1, 2, 3])));
    expectClose(got2, [[Math.exp(0.5) - 1, Math.E - 2, Math.exp(2) - 3], [Math.exp(3) - 1, Math.exp(-1) - 2, -2]], { rtol: gpu ? 2e-6 : 1e-6 });
  });

  test('where selects with broadcasting, for every dtype, inside a chain too', async () => {
    const r = await evalFed(ex, (c) => tf.where(c([[true], [false]]), c([[1, 2, 3]]), tf.constant(0)));
    expect(r.toArray()).toEqual([[1, 2, 3], [0, 0, 0]]);
    const ri = await evalFed(ex, (c) => tf.where(c([true, false, true]), c([1, 2, 3], 'int32'), c([-1, -2, -3], 'int32')));
    expect(ri.dtype).toBe('int32');
    expect(ri.toArray()).toEqual([1, -2, 3]);
    const rb = await evalFed(ex, (c) => tf.where(c([true, false]), c([false, false]), c([true, true])));
    expect(rb.toArray()).toEqual([false, true]);
    const rc = await evalFed(ex, (c) => { const x = c([-2, -1, 0, 1, 2]); return tf.mul(tf.where(tf.greater(x, 0), x, tf.neg(x)), 10); });
    expectClose(rc, [20, 10, 0, 10, 20]);
    new tf.Graph().asDefault(() => {
      expect(() => tf.where(tf.constant([1]), tf.constant([1]), tf.constant([2]), { name: 'w' })).toThrow(/'w'.*bool/);
    });
  });

  test('cast truncates toward zero, maps bools to 0/1 and nonzero to true', async () => {
    expect((await evalFed(ex, (c) => tf.cast(c([-1.7, -0.5, 0.5, 1.7, 2.5]), 'int32'))).toArray()).toEqual([-1, 0, 0, 1, 2]);
    expect((await evalFed(ex, (c) => tf.cast(c([true, false]), 'float32'))).toArray()).toEqual([1, 0]);
    expect((await evalFed(ex, (c) => tf.cast(c([true, false]), 'int32'))).toArray()).toEqual([1, 0]);
    expect((await evalFed(ex, (c) => tf.cast(c([0, 0.5, -2, NaN, -0]), 'bool'))).toArray()).toEqual([false, true, true, true, false]);
    expect((await evalFed(ex, (c) => tf.cast(c([0, 7, -1], 'int32'), 'bool'))).toArray()).toEqual([false, true, true]);
    expect((await evalFed(ex, (c) => tf.cast(c([16777217, -3], 'int32'), 'float32'))).toArray()).toEqual([16777216, -3]);
    const r = await evalFed(ex, (c) => tf.cast(c([3, -2147483648], 'int32'), 'int64'));
    expect(r.dtype).toBe('int64');
    expect(r.toArray()).toEqual([3, -2147483648]);
    const r2 = await evalFed(ex, (c) => tf.cast(c([5, -7], 'int64'), 'int32'));
    expect(r2.toArray()).toEqual([5, -7]);
    expect((await evalFed(ex, (c) => tf.cast(c([1.9, -1.9]), 'int64'))).toArray()).toEqual([1, -1]);
    const x = tf.constant([1]);
    expect(tf.cast(x, 'float32')).toBe(x);
  });

  test('cast of non-finite and out-of-range floats to int32 gives 0 and wraps modulo 2^32 (the reference kernel)', async () => {
    const r = await evalFed(ex, (c) => tf.cast(c([NaN, Infinity, -Infinity, 3e9, -3e9, 2147483520, 1e20]), 'int32'));
    // float32(1e20) is a multiple of 2^43: 0 modulo 2^32.
    expect(r.toArray()).toEqual([0, 0, 0, 3e9 - 2 ** 32, -3e9 + 2 ** 32, 2147483520, 0]);
  });

  test('cast to int64 beyond the int32 range: exact on the CPU, refused by the GPU (int64 is stored as int32 there)', async () => {
    const run = evalFed(ex, (c) => tf.cast(c([1, 3e9]), 'int64'));
    if (gpu) await expect(run).rejects.toThrow(/Cast.*outside the int32 range/);
    else expect((await run).toArray()).toEqual([1, 3e9]);
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
      expectClose(await evalFed(ex, (c) => tf.matmul(c(a), c(b))), ref, { rtol: 1e-5, atol: 1e-6 });
      expectClose(await evalFed(ex, (c) => tf.matmul(c(T(a)), c(b), { transposeA: true })), ref, { rtol: 1e-5, atol: 1e-6 });
      expectClose(await evalFed(ex, (c) => tf.matmul(c(a), c(T(b)), { transposeB: true })), ref, { rtol: 1e-5, atol: 1e-6 });
      expectClose(await evalFed(ex, (c) => tf.matmul(c(T(a)), c(T(b)), { transposeA: true, transposeB: true })), ref, { rtol: 1e-5, atol: 1e-6 });
    });

    test('batched (BatchMatMulV2) with broadcast batch dims', async () => {
      const a3 = [a, a.map((row) => row.map((v) => v * 2))];
      const t = await evalFed(ex, (c) => tf.matmul(c(a3), c(b)));
      const ref = [refMatmul(a3[0], b), refMatmul(a3[1], b)];
      expectClose(t, ref, { rtol: 1e-5, atol: 1e-6 });
      const op = new tf.Graph().asDefault(() => tf.matmul(tf.constant(a3), tf.constant([b, b, b].slice(0, 1))));
      expect(op.op.type).toBe('BatchMatMulV2');
      expect(op.shape).toEqual([2, 4, 3]);
    });

    test('int32 matmul is exact', async () => {
      const r2 = await evalFed(ex, (c) => tf.matmul(c([[1, 2], [3, 4]], 'int32'), c([[5], [6]], 'int32')));
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
      const t = await evalFed(ex, (c) => tf.matmul(c(tf.ndarray(new Float32Array(0), [2, 0])), c(tf.ndarray(new Float32Array(0), [0, 3]))));
      expectClose(t, [[0, 0, 0], [0, 0, 0]]);
    });
  });

  describe('reductions', () => {
    const X = [[[1, 2, 3], [4, 5, 6]], [[-1, 0, 7], [2, 2, 2]]]; // [2,2,3]
    const flat = (x: Nested): number[] => (Array.isArray(x) ? x.flatMap(flat) : [+x]);
    /** Independent reference: reduce a [2,2,3] nested array over the given axes. */
    const refReduce = (axes: number[], keep: boolean, f: (vs: number[]) => number): Nested => {
      const shape = [2, 2, 3];
      const vals = refReduceFlat(flat(X), shape, axes, f);
      const outShape = keep ? shape.map((d, i) => (axes.includes(i) ? 1 : d)) : shape.filter((_, i) => !axes.includes(i));
      return outShape.length === 0 ? vals[0] : makeNested(outShape, (n) => vals[n]);
    };
    const fns: Array<[string, typeof tf.reduceSum, (v: number[]) => number]> = [
      ['reduceSum', tf.reduceSum, sumOf],
      ['reduceMean', tf.reduceMean, (v) => sumOf(v) / v.length],
      ['reduceMax', tf.reduceMax, (v) => Math.max(...v)],
      ['reduceMin', tf.reduceMin, (v) => Math.min(...v)],
      ['reduceProd', tf.reduceProd, (v) => v.reduce((a, b) => a * b, 1)],
    ];
    for (const [name, op, f] of fns) {
      test(`${name} over every axis set, keepDims both ways, negative axes`, async () => {
        for (const axes of [[], [0], [1], [2], [0, 1], [0, 2], [1, 2], [0, 1, 2], [2, 0]]) {
          for (const keep of [false, true]) {
            const t = await evalFed(ex, (c) => op(c(X), axes, keep));
            expectClose(t, refReduce([...axes].sort(), keep, f), { rtol: 1e-6 });
          }
        }
        expectClose(await evalFed(ex, (c) => op(c(X), -1)), refReduce([2], false, f), { rtol: 1e-6 });
        expectClose(await evalFed(ex, (c) => op(c(X), [-3, 2])), refReduce([0, 2], false, f), { rtol: 1e-6 });
        expectClose(await evalFed(ex, (c) => op(c(X))), [f(flat(X))], { shape: [] });
        const ints = await evalFed(ex, (c) => op(c(X, 'int32'), [0, 2]));
        expect(ints.dtype).toBe('int32');
        expect(Array.from(ints.data)).toEqual(refReduceFlat(flat(X), [2, 2, 3], [0, 2], (v) => Math.trunc(f(v)) | 0));
      });
    }

    test('reduceAll and reduceAny over rows, columns and everything', async () => {
      const P = [[true, true, false], [true, true, true]];
      expect((await evalFed(ex, (c) => tf.reduceAll(c(P), 1))).toArray()).toEqual([false, true]);
      expect((await evalFed(ex, (c) => tf.reduceAll(c(P), 0))).toArray()).toEqual([true, true, false]);
      expect((await evalFed(ex, (c) => tf.reduceAny(c(P), 0, true))).toArray()).toEqual([[true, true, true]]);
      expect((await evalFed(ex, (c) => tf.reduceAny(tf.logicalNot(c(P)), 1))).toArray()).toEqual([true, false]);
      expect((await evalFed(ex, (c) => tf.reduceAll(c(P)))).toArray()).toBe(false);
      expect((await evalFed(ex, (c) => tf.reduceAll(c(tf.ndarray(new Uint8Array(0), [0], 'bool'))))).toArray()).toBe(true);
      expect((await evalFed(ex, (c) => tf.reduceAny(c(tf.ndarray(new Uint8Array(0), [0], 'bool'))))).toArray()).toBe(false);
    });

    test('NaN wins max and min, and makes sums NaN', async () => {
      const x = [[1, NaN, 3], [4, 5, 6]];
      expectClose(await evalFed(ex, (c) => tf.reduceMax(c(x), 1)), [NaN, 6]);
      expectClose(await evalFed(ex, (c) => tf.reduceMin(c(x), 0)), [1, NaN, 3]);
      expectClose(await evalFed(ex, (c) => tf.reduceSum(c(x), 1)), [NaN, 15]);
      expectClose(await evalFed(ex, (c) => tf.reduceMax(c([-Infinity, -Infinity]))), -Infinity, { shape: [] });
    });

    test('empty reductions give the identity: 0 for sum, 1 for prod, -inf for max, +inf for min, NaN for mean', async () => {
      const e = tf.ndarray(new Float32Array(0), [2, 0]);
      expectClose(await evalFed(ex, (c) => tf.reduceSum(c(e), 1)), [0, 0]);
      expectClose(await evalFed(ex, (c) => tf.reduceProd(c(e), 1)), [1, 1]);
      expectClose(await evalFed(ex, (c) => tf.reduceMax(c(e), 1)), [-Infinity, -Infinity]);
      expectClose(await evalFed(ex, (c) => tf.reduceMin(c(e), 1)), [Infinity, Infinity]);
      expectClose(await evalFed(ex, (c) => tf.reduceMean(c(e), 1)), [NaN, NaN]);
      expectClose(await evalFed(ex, (c) => tf.reduceSum(c(e), 0)), [], { shape: [0] });
      expectClose(await evalFed(ex, (c) => tf.reduceSum(c(3), [])), 3, { shape: [] });
      const ei = tf.ndarray(new Int32Array(0), [2, 0], 'int32');
      expect((await evalFed(ex, (c) => tf.reduceMax(c(ei), 1))).toArray()).toEqual([-2147483648, -2147483648]);
      expect((await evalFed(ex, (c) => tf.reduceMean(c(ei), 1))).toArray()).toEqual([0, 0]); // 0 / 0 cast to int32
    });

    test('int64 reductions (int32 on the GPU): identities and values of both signs', async () => {
      const x = [[-5, -3, -9], [4, 2, 8]];
      for (const [op, expected] of [[tf.reduceMax, [-3, 8]], [tf.reduceMin, [-9, 2]], [tf.reduceSum, [-17, 14]], [tf.reduceProd, [-135, 64]]] as const) {
        const r = await evalFed(ex, (c) => op(c(x, 'int64'), 1));
        expect(r.dtype).toBe('int64');
        expect(r.toArray()).toEqual(expected);
      }
      expect((await evalFed(ex, (c) => tf.argMin(c(x, 'int64'), 1))).toArray()).toEqual([2, 1]);
    });

    test('integer mean truncates; int sums stay int32 and wrap', async () => {
      const r = await evalFed(ex, (c) => tf.reduceMean(c([1, 2, 2], 'int32')));
      expect(r.dtype).toBe('int32');
      expect(r.toArray()).toBe(1);
      expect((await evalFed(ex, (c) => tf.reduceMean(c([-1, -2, -2], 'int32')))).toArray()).toBe(-1);
      expect((await evalFed(ex, (c) => tf.reduceSum(c([2147483647, 1], 'int32')))).toArray()).toBe(-2147483648);
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

    test('axes fed at run time: the CPU reduces; the GPU needs them (and so the shape) when the plan is compiled', async () => {
      const run = evalGraph(ex, () => {
        const x = tf.placeholder('float32', [2, 3], 'x');
        const axes = tf.placeholder('int32', [1], 'axes');
        return addOp('Sum', [x, axes], { T: 'float32', Tidx: 'int32', keep_dims: false }, { name: 'fedAxes' }).outputs[0];
      }, (t) => t, () => ({ x: [[1, 2, 3], [4, 5, 6]], axes: tf.ndarray(Int32Array.from([1]), [1], 'int32') }));
      if (gpu) {
        await expect(run).rejects.toThrow(tf.errors.UnimplementedError);
        await expect(run).rejects.toThrow(/fedAxes/);
      }
      else expectClose(await run, [6, 15]);
    });
  });

  // Every kind of pass the reduction kernels plan (ops/wgsl/reduce.ts), at sizes that reach it, against float64
  // references. The CPU runs the same cases, checking the references.
  describe('reduction kernel paths', () => {
    const cases: Array<{ shape: number[]; axes: number[] }> = [
      { shape: [3, 5], axes: [1] }, // short rows: an invocation per row
      { shape: [300, 64], axes: [1] }, // many rows: an invocation per row, vec4 loads, 4 per iteration
      { shape: [300, 66], axes: [1] }, // scalar loads 2 per iteration, split in 3, columns of partials folded
      { shape: [4, 1000], axes: [1] }, // few long rows: a workgroup per row, vec4
      { shape: [4, 999], axes: [1] }, // the same with scalar loads
      { shape: [10000], axes: [0] }, // full reduction: workgroups over chunks, then an invocation over the partials
      { shape: [300000], axes: [0] }, // ... then a workgroup over the partials
      { shape: [256, 2048], axes: [1] }, // rows split in chunks, then columns of partials
      { shape: [1000, 64], axes: [0] }, // column sums: four vec4 columns per invocation, split
      { shape: [1000, 3], axes: [0] }, // column sums, scalar
      { shape: [4, 100, 6], axes: [1] }, // a middle axis
      { shape: [4, 100, 6], axes: [0, 2] }, // outer and inner axes
      { shape: [2, 3, 4, 8], axes: [1, 3] }, // interleaved axes
      { shape: [3, 1, 5000], axes: [0, 2] }, // a size-1 dim between reduced ones
    ];

    test('the cases cover every kind of pass', () => {
      const kinds = new Set<string>();
      for (const { shape, axes } of cases) {
        for (const vec of [true, false]) {
          describeReducePlan(shape, axes, vec).forEach((p, i) => kinds.add(`${i === 0 ? 'first' : 'second'} ${p.replace(/split:(\d+)/, (_, s) => (s === '1' ? 'single' : 'split'))}`));
        }
      }
      for (const k of [
        'first thread lanes:none unroll:reduce1 single', 'first thread lanes:reduce unroll:reduce4 split', 'first thread lanes:reduce unroll:reduce4 single',
        'first thread lanes:none unroll:reduce2 split', 'first group lanes:reduce unroll:reduce2 single', 'first group lanes:none unroll:reduce1 single',
        'first group lanes:reduce unroll:reduce4 split', 'first thread lanes:output unroll:output4 split', 'first thread lanes:none unroll:output1 split',
        'second thread lanes:none unroll:reduce2 single', 'second group lanes:none unroll:reduce1 single', 'second thread lanes:output unroll:output4 single',
        'second thread lanes:none unroll:output4 single', 'second group lanes:none unroll:reduce4 single',
      ]) expect(kinds).toContain(k);
    });

    test.each(cases)('sum, mean, max, min of $shape over $axes, float32 and int32', async ({ shape, axes }) => {
      const x = randomArray(shape, 'float32', shape.length * 1000 + shape[0]);
      const xi = randomArray(shape, 'int32', shape[0], -50, 100);
      // Float sums add in another order than the float64 reference, in float32: rtol 1e-5 over up to 300000 values in [0, 1).
      const tol = { rtol: 1e-5, atol: 0 };
      for (const [op, f, opts] of [
        [tf.reduceSum, sumOf, tol], [tf.reduceMean, (v: number[]) => sumOf(v) / v.length, tol],
        [tf.reduceMax, (v: number[]) => v.reduce((a, b) => Math.max(a, b), -Infinity), {}],
        [tf.reduceMin, (v: number[]) => v.reduce((a, b) => Math.min(a, b), Infinity), {}],
      ] as const) {
        const outShape = shape.filter((_, i) => !axes.includes(i));
        expectClose(await evalFed(ex, (c) => op(c(x), axes)), refReduceFlat(x.data, shape, axes, f), { ...opts, shape: outShape });
        const ri = await evalFed(ex, (c) => op(c(xi), axes, true));
        expect(ri.shape).toEqual(shape.map((d, i) => (axes.includes(i) ? 1 : d)));
        expect(Array.from(ri.data)).toEqual(refReduceFlat(xi.data, shape, axes, (v) => Math.trunc(f(v)) | 0));
      }
    });

    test.each(cases)('all and any of $shape over $axes', async ({ shape, axes }) => {
      const n = shape.reduce((a, b) => a * b, 1);
      // Mostly true, a few false: every output row sees some of each only where the reduction is long.
      const r = rng(n);
      const b = tf.ndarray(Uint8Array.from({ length: n }, () => (r() < 0.995 ? 1 : 0)), shape, 'bool');
      expect(Array.from((await evalFed(ex, (c) => tf.reduceAll(c(b), axes))).data)).toEqual(refReduceFlat(b.data, shape, axes, (v) => +v.every((e) => e !== 0)));
      expect(Array.from((await evalFed(ex, (c) => tf.reduceAny(tf.logicalNot(c(b)), axes))).data)).toEqual(refReduceFlat(b.data, shape, axes, (v) => +v.some((e) => e === 0)));
    });

    const argCases: Array<{ shape: number[]; axis: number }> = [
      { shape: [3, 5], axis: 1 }, { shape: [300, 64], axis: 1 }, { shape: [4, 1000], axis: 1 }, { shape: [1, 100000], axis: 1 },
      { shape: [1000, 64], axis: 0 }, { shape: [1000, 3], axis: 0 }, { shape: [4, 100, 6], axis: 1 }, { shape: [300000], axis: 0 },
    ];
    test.each(argCases)('argMax and argMin of $shape along $axis: first extreme, first NaN', async ({ shape, axis }) => {
      // Values in 0..4: many ties, so "first" is tested across chunks and workgroups.
      const xi = randomArray(shape, 'int32', shape[0] + 7, 0, 5);
      const xf = tf.ndarray(Float32Array.from(xi.data), shape, 'float32');
      expect(Array.from((await evalFed(ex, (c) => tf.argMax(c(xi), axis))).data)).toEqual(refArg(xi.data, shape, axis, true));
      expect(Array.from((await evalFed(ex, (c) => tf.argMin(c(xf), axis, { outputType: 'int64' }))).data)).toEqual(refArg(xf.data, shape, axis, false));
      const r = rng(5);
      const withNaN = Float32Array.from(xf.data, (v) => (r() < 0.002 ? NaN : v));
      const xn = tf.ndarray(withNaN, shape, 'float32');
      expect(Array.from((await evalFed(ex, (c) => tf.argMax(c(xn), axis))).data)).toEqual(refArg(withNaN, shape, axis, true));
      expect(Array.from((await evalFed(ex, (c) => tf.argMin(c(xn), axis))).data)).toEqual(refArg(withNaN, shape, axis, false));
    });
  });

  test('argMax and argMin return the first extreme, int32 by default, int64 on request', async () => {
    const X = [[1, 3, 3, 0], [5, 5, -1, -1]];
    const r = await evalFed(ex, (c) => tf.argMax(c(X), 1));
    expect(r.dtype).toBe('int32');
    expect(r.toArray()).toEqual([1, 0]);
    expect((await evalFed(ex, (c) => tf.argMin(c(X), 1))).toArray()).toEqual([3, 2]);
    expect((await evalFed(ex, (c) => tf.argMax(c(X), 0))).toArray()).toEqual([1, 1, 0, 0]);
    expect((await evalFed(ex, (c) => tf.argMax(c([[2], [7]]), -1))).toArray()).toEqual([0, 0]);
    expect((await evalFed(ex, (c) => tf.argMin(c([[2, -Infinity, -Infinity]]), 1))).toArray()).toEqual([1]);
    const r64 = await evalFed(ex, (c) => tf.argMax(c(X), -1, { outputType: 'int64' }));
    expect(r64.dtype).toBe('int64');
    expect(r64.toArray()).toEqual([1, 0]);
    expect(new tf.Graph().asDefault(() => tf.argMax(tf.placeholder('float32', [null, 10]), 1).shape)).toEqual([null]);
    expect(() => new tf.Graph().asDefault(() => tf.argMax(tf.zeros([2, 3]), 2, { name: 'am' }))).toThrow(/'am'/);
    await expect(evalFed(ex, (c) => tf.argMax(c(tf.ndarray(new Float32Array(0), [2, 0])), 1, { name: 'amEmpty' })))
      .rejects.toThrow(/amEmpty.*Reduction axis 1 is empty/);
  });
});

describe.each(FLOAT64_EXECUTORS)('float64 math on %s', (ex) => {
  test('reductions, arg reductions, elementwise ops and casts of float64', async () => {
    const x = tf.ndarray(Float64Array.from([1e-17, 1, -1, 2 ** 60]), [2, 2], 'float64');
    const s = await evalFed(ex, (c) => tf.reduceSum(c(x), 1));
    expect(s.dtype).toBe('float64');
    expect(Array.from(s.data)).toEqual([1 + 1e-17, 2 ** 60 - 1]);
    expect((await evalFed(ex, (c) => tf.argMax(c(x), 0))).toArray()).toEqual([0, 1]);
    expect(Array.from((await evalFed(ex, (c) => tf.mul(c(x), 3))).data)).toEqual([3e-17, 3, -3, 3 * 2 ** 60]);
    expect((await evalFed(ex, (c) => tf.cast(c(x), 'float32'))).data[0]).toBe(f32(1e-17));
  });
});

test('the webgpu executor refuses float64 by name', async () => {
  const x = tf.ndarray(Float64Array.from([1, 2]), [2], 'float64');
  await expect(evalFed('webgpu', (c) => tf.reduceSum(c(x), 0, false, { name: 'sum64' }))).rejects.toThrow(tf.errors.UnimplementedError);
  await expect(evalFed('webgpu', (c) => tf.reduceSum(c(x), 0, false, { name: 'sum64' }))).rejects.toThrow(/sum64.*float64/);
  await expect(evalFed('webgpu', (c) => tf.argMax(c(x), 0, { name: 'am64' }))).rejects.toThrow(/am64.*float64/);
});
