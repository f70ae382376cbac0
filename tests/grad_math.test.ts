// Gradients of the math ops (ops/math.ts, ops/elementwise.ts): every differentiable op against float64 central finite
// differences on cpu and, on webgpu, its float32 gradients against cpu's; ties, zeros and domain edges by hand.
import * as tf from '../index.js';
import { addOp } from '../ops/registry.js';
import type { ExecutorName } from '../session/session.js';
import { gradCase } from './gradcheck.js';
import { EXECUTORS, evalGraph, expectClose } from './helpers.js';

type T = tf.Tensor;
const op2 = (type: string) => (x: T, y: T): T => addOp(type, [x, y], { T: x.dtype }).outputs[0];
/** A constant of x's dtype (float64 under finite differences, float32 on webgpu). */
const like = (x: T, v: tf.NestedArray): T => tf.constant(v, { dtype: x.dtype });

/** Every op type ops/math.ts declares (ops/elementwise.ts declares none itself), and the ones TF leaves without gradient. */
const MATH_OPS = [
  'Add', 'AddV2', 'Sub', 'Mul', 'RealDiv', 'Div', 'TruncateDiv', 'FloorDiv', 'FloorMod', 'Maximum', 'Minimum', 'Pow',
  'SquaredDifference', 'Equal', 'NotEqual', 'Less', 'LessEqual', 'Greater', 'GreaterEqual', 'LogicalAnd', 'LogicalOr',
  'Neg', 'Abs', 'Sign', 'Square', 'Sqrt', 'Rsqrt', 'Reciprocal', 'Exp', 'Log', 'Log1p', 'Floor', 'Ceil', 'Round',
  'Sigmoid', 'Tanh', 'LogicalNot', 'IsNan', 'Cast', 'SelectV2', 'MatMul', 'BatchMatMulV2',
  'Sum', 'Prod', 'Max', 'Min', 'Mean', 'All', 'Any', 'ArgMax', 'ArgMin',
];
const NOT_DIFFERENTIABLE = [
  'TruncateDiv', 'FloorDiv', 'Equal', 'NotEqual', 'Less', 'LessEqual', 'Greater', 'GreaterEqual', 'LogicalAnd',
  'LogicalOr', 'LogicalNot', 'IsNan', 'All', 'Any', 'ArgMax', 'ArgMin',
];

describe('gradient declarations', () => {
  test('every math op declares a gradient or not-differentiable, as TF does', () => {
    const defs = new Map(tf.listOpDefs().map((d) => [d.type, d]));
    for (const type of MATH_OPS) {
      const def = defs.get(type);
      expect([type, def !== undefined]).toEqual([type, true]);
      expect([type, def!.grad === undefined ? 'missing' : typeof def!.grad === 'function' ? 'fn' : def!.grad])
        .toEqual([type, NOT_DIFFERENTIABLE.includes(type) ? 'not-differentiable' : 'fn']);
    }
  });
});

/** Shapes of (x, y) for broadcasting binary ops: same, scalar vs matrix, [3,1] vs [1,4], rank-different. */
const BROADCASTS: Array<[string, number[][]]> = [
  ['same shape', [[2, 3], [2, 3]]],
  ['scalar vs matrix', [[], [2, 3]]],
  ['matrix vs scalar', [[2, 3], []]],
  ['[3,1] vs [1,4]', [[3, 1], [1, 4]]],
  ['[4] vs [2,3,4]', [[4], [2, 3, 4]]],
  ['[2,1,3] vs [2,1]', [[2, 1, 3], [2, 1]]],
];

describe.each(EXECUTORS)('math gradients on %s', (executor: ExecutorName) => {
  describe('binary ops, with broadcasting', () => {
    const binaries: Array<[string, (x: T, y: T) => T, object]> = [
      ['Add', op2('Add'), {}],
      ['AddV2', tf.add, {}],
      ['Sub', tf.sub, {}],
      ['Mul', tf.mul, {}],
      ['RealDiv', tf.realDiv, { avoid: 0.5 }],
      ['Div', op2('Div'), { avoid: 0.5 }],
      ['FloorMod', tf.floorMod, { avoid: 0.5 }],
      ['Maximum', tf.maximum, {}],
      ['Minimum', tf.minimum, {}],
      ['Pow', tf.pow, { lo: 0.5, hi: 2 }],
      ['SquaredDifference', tf.squaredDifference, {}],
    ];
    for (const [name, f, opts] of binaries) {
      test.each(BROADCASTS)(`${name}: %s`, (_, shapes) => gradCase(executor, ([x, y]) => f(x, y), shapes, opts));
    }
  });

  describe('unary ops', () => {
    const unaries: Array<[string, (x: T) => T, object]> = [
      ['Neg', tf.neg, {}],
      ['Abs', tf.abs, { avoid: 0.1 }],
      ['Square', tf.square, {}],
      ['Sqrt', tf.sqrt, { lo: 0.2, hi: 3 }],
      ['Rsqrt', tf.rsqrt, { lo: 0.2, hi: 3 }],
      ['Reciprocal', tf.reciprocal, { avoid: 0.3 }],
      ['Exp', tf.exp, {}],
      ['Log', tf.log, { lo: 0.2, hi: 3 }],
      ['Log1p', tf.log1p, { lo: -0.7, hi: 3 }],
      ['Sigmoid', tf.sigmoid, { lo: -5, hi: 5 }],
      ['Tanh', tf.tanh, { lo: -3, hi: 3 }],
      // Piecewise constant: zeros (Sign) or no gradient (Floor, Ceil, Round); away from their steps.
      ['Sign', tf.sign, { avoid: 0.1 }],
      ['Floor', tf.floor, { values: [[0.3, 1.2, -0.7, 2.6, -1.3, 0.1]] }],
      ['Ceil', tf.ceil, { values: [[0.3, 1.2, -0.7, 2.6, -1.3, 0.1]] }],
      ['Round', tf.round, { values: [[0.3, 1.2, -0.7, 2.6, -1.3, 0.1]] }],
    ];
    test.each(unaries)('%s', (_, f, opts) => gradCase(executor, ([x]) => f(x), [[2, 3]], opts));

    test('a chain of them: tanh(sqrt(x) * exp(-x)) + log1p(sigmoid(x))', () => gradCase(executor,
      ([x]) => tf.add(tf.tanh(tf.mul(tf.sqrt(x), tf.exp(tf.neg(x)))), tf.log1p(tf.sigmoid(x))), [[3, 4]], { lo: 0.1, hi: 3 }));

    test('Sign gives zeros, Floor/Ceil/Round none; a path around them still flows', async () => {
      const r = await evalGraph(executor, () => {
        const x = tf.constant([0.5, -2, 3]);
        const [gSign] = tf.gradients(tf.sign(x), x);
        for (const f of [tf.floor, tf.ceil, tf.round]) expect(tf.gradients(f(x), x)[0]).toBeNull();
        const [gPath] = tf.gradients(tf.add(tf.floor(x), tf.mul(x, x)), x);
        return [gSign!, gPath!];
      }, (t) => t);
      expectClose(r[0], [0, 0, 0]);
      expectClose(r[1], [1, -4, 6]);
    });
  });

  describe('Maximum, Minimum: ties go to x', () => {
    test('by hand', async () => {
      const r = await evalGraph(executor, () => {
        const x = tf.constant([1, 2, 3]);
        const y = tf.constant([1, 0, 5]);
        return [...tf.gradients(tf.maximum(x, y), [x, y]), ...tf.gradients(tf.minimum(x, y), [x, y])] as T[];
      }, (t) => t);
      expectClose(r[0], [1, 1, 0]);
      expectClose(r[1], [0, 0, 1]);
      expectClose(r[2], [1, 0, 1]);
      expectClose(r[3], [0, 1, 0]);
    });

    test('a broadcast y sums what it wins', async () => {
      const r = await evalGraph(executor, () => {
        const x = tf.constant([[1, 5], [-1, 2]]);
        const y = tf.constant(2);
        return tf.gradients(tf.maximum(x, y), [x, y]) as T[];
      }, (t) => t);
      expectClose(r[0], [[0, 1], [0, 1]]);
      expectClose(r[1], 2);
    });
  });

  describe('Pow', () => {
    test('a negative base with a constant integer exponent', () => gradCase(executor, ([x]) => tf.pow(x, like(x, 3)), [[2, 3]]));

    test('d/dy is 0 where x <= 0 (no real log)', async () => {
      const r = await evalGraph(executor, () => {
        const x = tf.constant([-2, 0, 2]);
        const y = tf.constant([2, 2, 2]);
        return tf.gradients(tf.pow(x, y), [x, y]) as T[];
      }, (t) => t);
      expectClose(r[0], [-4, 0, 4]);
      expectClose(r[1], [0, 0, 4 * Math.log(2)], { rtol: 1e-6 });
    });
  });

  describe('SelectV2', () => {
    const cond = (x: T, shape: number[]): T => tf.greater(tf.constant(tf.ndarray(
      Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => ((i * 7) % 5) - 2), shape)), 0);
    test.each<[string, number[], number[][]]>([
      ['same shapes', [2, 3], [[2, 3], [2, 3]]],
      ['broadcast condition [3]', [3], [[2, 3], [2, 3]]],
      ['scalar t, [2,1] e, [3] condition', [3], [[], [2, 1]]],
      ['[2,3] condition, [3] t, [2,1] e', [2, 3], [[3], [2, 1]]],
    ])('%s', (_, cshape, shapes) => gradCase(executor, ([x, y]) => tf.where(cond(x, cshape), x, y), shapes));

    test('a condition computed from x', () => gradCase(executor, ([x]) => tf.where(tf.greater(x, 0), tf.square(x), tf.neg(x)), [[3, 4]], { avoid: 0.1 }));
  });

  describe('MatMul', () => {
    test.each<[boolean, boolean]>([[false, false], [false, true], [true, false], [true, true]])(
      'transposeA %s, transposeB %s',
      (ta, tb) => gradCase(executor, ([a, b]) => tf.matmul(a, b, { transposeA: ta, transposeB: tb }), [ta ? [3, 2] : [2, 3], tb ? [4, 3] : [3, 4]]),
    );
  });

  describe('BatchMatMulV2', () => {
    test.each<[string, number[], number[], boolean, boolean]>([
      ['same batch', [2, 2, 3], [2, 3, 4], false, false],
      ['same batch, adjX', [2, 3, 2], [2, 3, 4], true, false],
      ['same batch, adjY', [2, 2, 3], [2, 4, 3], false, true],
      ['same batch, adjX adjY', [2, 3, 2], [2, 4, 3], true, true],
      ['broadcast batch [2,1] vs [3]', [2, 1, 2, 3], [3, 3, 2], false, false],
      ['broadcast batch [1] vs [2], adjX adjY', [1, 3, 2], [2, 2, 3], true, true],
      ['rank 2 vs rank 3', [2, 3], [2, 3, 2], false, false],
      ['rank 3 vs rank 2, adjY', [2, 2, 3], [4, 3], false, true],
    ])('%s', (_, sx, sy, adjX, adjY) => gradCase(executor, ([x, y]) => tf.matmul(x, y, { transposeA: adjX, transposeB: adjY }), [sx, sy]));
  });

  describe('reductions', () => {
    const axesCases: Array<[string, number | number[] | undefined, boolean]> = [
      ['all axes', undefined, false],
      ['all axes, keepDims', undefined, true],
      ['axis 0', 0, false],
      ['axis 1, keepDims', 1, true],
      ['axes [0, 2]', [0, 2], false],
      ['axis -1', -1, false],
      ['axes [-1, -3], keepDims', [-1, -3], true],
    ];
    const reductions: Array<[string, (x: T, axis?: number | number[], keepDims?: boolean) => T, object]> = [
      ['Sum', tf.reduceSum, {}],
      ['Mean', tf.reduceMean, {}],
      ['Max', tf.reduceMax, {}],
      ['Min', tf.reduceMin, {}],
      ['Prod', tf.reduceProd, { lo: 0.5, hi: 1.5 }],
    ];
    for (const [name, f, opts] of reductions) {
      test.each(axesCases)(`${name}: %s`, (_, axis, keep) => gradCase(executor, ([x]) => f(x, axis, keep), [[2, 3, 4]], opts));
    }
    test('Prod with negative values', () => gradCase(executor, ([x]) => tf.reduceProd(x, 1), [[3, 4]], { avoid: 0.2 }));
    test('Sum of a scalar, and over an axis of size 1', () => gradCase(executor, ([x, y]) => [tf.reduceSum(x), tf.reduceSum(y, 1)], [[], [3, 1]]));

    test('Max, Min: ties share the gradient equally', async () => {
      const r = await evalGraph(executor, () => {
        const x = tf.constant([[1, 3, 3], [2, 2, 2]]);
        const m = tf.constant([[1, 3], [1, 2], [4, 2]]);
        return [
          tf.gradients(tf.reduceMax(x, 1), x, tf.constant([1, 3]))[0]!,
          tf.gradients(tf.reduceMin(m, 0, true), m, tf.constant([[2, 1]]))[0]!,
        ];
      }, (t) => t);
      expectClose(r[0], [[0, 0.5, 0.5], [1, 1, 1]]);
      expectClose(r[1], [[1, 0], [1, 0.5], [0, 0.5]]);
    });

    test('Max of all axes with a three-way tie', async () => {
      const r = await evalGraph(executor, () => {
        const x = tf.constant([[5, 5], [1, 5]]);
        return tf.gradients(tf.reduceMax(x), x)[0]!;
      }, (t) => t);
      expectClose(r, [[1 / 3, 1 / 3], [0, 1 / 3]]);
    });

    test('Prod with zeros: one zero gets the product of the others, two zeros give none', async () => {
      const r = await evalGraph(executor, () => {
        const x = tf.constant([[2, 0, 3], [0, 0, 4], [1, 2, 3]]);
        return tf.gradients(tf.reduceProd(x, 1), x)[0]!;
      }, (t) => t);
      expectClose(r, [[0, 6, 0], [0, 0, 0], [6, 3, 2]]);
    });
  });

  describe('Cast', () => {
    test('to and from integers: no gradient', () => {
      const g = new tf.Graph();
      g.asDefault(() => {
        const x = tf.placeholder('float32', [3], 'x');
        const i = tf.placeholder('int32', [3], 'i');
        expect(tf.gradients(tf.reduceSum(tf.cast(tf.cast(x, 'int32'), 'float32')), x)[0]).toBeNull();
        expect(tf.gradients(tf.reduceSum(tf.mul(x, tf.cast(i, 'float32'))), i)[0]).toBeNull();
      });
    });

    test('between floats the gradient is cast back', async () => {
      if (executor !== 'cpu') return; // float64 runs on the cpu executor only
      // A float32 round trip: eps well above float32's resolution, exact for a linear function.
      await gradCase(executor, ([x]) => tf.mul(tf.cast(tf.cast(x, 'float32'), 'float64'), like(x, 3)), [[2, 3]], { eps: 1e-2, tol: 1e-5 });
      const g = new tf.Graph();
      g.asDefault(() => {
        const x = tf.placeholder('float32', [2], 'x');
        const [gx] = tf.gradients(tf.cast(x, 'float64'), x);
        expect([gx!.op.type, gx!.dtype]).toEqual(['Cast', 'float32']);
      });
    });
  });

  // (gradYs instead of a reduceSum: Sum's gradient is a Tile, whose own gradient is array.ts's.)
  test('second order: the gradients are differentiable too', () => gradCase(executor, ([x, w]) => {
    const y = tf.mul(tf.tanh(tf.matmul(x, w)), tf.sigmoid(x));
    return tf.gradients(y, [x, w], like(x, [[1, -2, 0.5], [0.3, 1, -1]])) as T[];
  }, [[2, 3], [3, 3]]));

  describe('shapes known only when run (a batch dim of null)', () => {
    /** Gradients of sum(f(x, w) * r) with x fed through a [null, ...] placeholder, against a fully static twin. */
    async function dynamicMatchesStatic(f: (x: T, w: T) => T, xShape: number[], wShape: number[]): Promise<void> {
      const xv = Array.from({ length: xShape.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(i + 1) * 2);
      const wv = Array.from({ length: wShape.reduce((a, b) => a * b, 1) }, (_, i) => Math.cos(i + 1) * 1.5);
      const results: tf.NDArray[][] = [];
      for (const [ex, dynamic] of [['cpu', false], [executor, true]] as Array<[ExecutorName, boolean]>) {
        results.push(await evalGraph(ex, () => {
          const x = tf.placeholder('float32', dynamic ? [null, ...xShape.slice(1)] : xShape, 'x');
          const w = tf.constant(tf.ndarray(Float32Array.from(wv), wShape));
          const y = f(x, w);
          const loss = tf.reduceSum(tf.mul(y, tf.sigmoid(y)));
          return { x, gs: tf.gradients(loss, [x, w]) as T[] };
        }, (b) => b.gs, (b) => new Map([[b.x, tf.ndarray(Float32Array.from(xv), xShape)]])));
      }
      results[1].forEach((got, i) => expectClose(got, results[0][i].data, { shape: [...results[0][i].shape], rtol: 1e-4, atol: 1e-5 }));
    }
    test.each<[string, (x: T, w: T) => T, number[], number[]]>([
      ['broadcast add', (x, w) => tf.add(x, w), [4, 3], [3]],
      ['broadcast mul and realDiv', (x, w) => tf.realDiv(tf.mul(x, w), tf.add(tf.square(w), 1)), [4, 3], [4, 1, 3]],
      ['maximum', (x, w) => tf.maximum(x, w), [4, 3], [1, 3]],
      ['select', (x, w) => tf.where(tf.greater(x, 0), x, w), [4, 3], [3]],
      ['sum over the batch', (x, w) => tf.mul(tf.reduceSum(x, 0), w), [4, 3], [3]],
      ['mean over all, keepDims', (x, w) => tf.mul(tf.reduceMean(x, undefined, true), w), [4, 3], [3]],
      ['mean over axis 1', (x, w) => tf.mul(tf.reduceMean(x, 1), w), [4, 3], [4]],
      ['max over axis 1', (x, w) => tf.add(tf.reduceMax(tf.mul(x, w), 1), 1), [4, 3], [3]],
      ['prod over axis 1', (x, w) => tf.reduceProd(tf.mul(x, w), 1), [4, 3], [3]],
      ['matmul', (x, w) => tf.matmul(x, w), [4, 3], [3, 2]],
      ['batch matmul, broadcast batch', (x, w) => tf.matmul(x, w), [4, 2, 3], [3, 2]],
      ['batch matmul, broadcast batch of x', (x, w) => tf.matmul(x, w), [1, 2, 3], [2, 3, 2]],
    ])('%s', (_, f, xs, ws) => dynamicMatchesStatic(f, xs, ws));
  });
});

describe('how the gradients are built (cpu)', () => {
  const gradOps = (g: tf.Graph): string[] => g.getOperations().filter((op) => op.name.includes('_grad/')).map((op) => op.type);
  const SHAPE_OPS = ['Shape', 'BroadcastGradientArgs', 'Rank', 'Range'];

  test('static shapes give constants: no Shape ops for the WebGPU executor to fold', () => {
    const g = new tf.Graph();
    g.asDefault(() => {
      const x = tf.placeholder('float32', [4, 3], 'x');
      const b = tf.placeholder('float32', [2, 1, 3], 'b');
      const w = tf.placeholder('float32', [2, 3, 2], 'w');
      const y = tf.add(tf.reduceMean(tf.mul(x, b), 1), tf.reduceMax(tf.where(tf.greater(x, 0), x, 1), 0, true));
      tf.gradients(tf.reduceSum(tf.matmul(y, w)), [x, b, w]);
    });
    const types = gradOps(g);
    expect(types.length).toBeGreaterThan(10);
    expect(types.filter((t) => SHAPE_OPS.includes(t))).toEqual([]);
  });

  test('unknown rank and tensor axes: the gradient computes the shapes', async () => {
    const xv = [[1, 5, 2], [4, -1, 3]];
    const r = await evalGraph('cpu', () => {
      const x = tf.placeholder('float32', undefined, 'x');
      const axes = tf.placeholder('int32', [null], 'axes');
      const [gs] = tf.gradients(tf.reduceSum(tf.mul(tf.reduceSum(x, 1), tf.constant([1, 2]))), x);
      const [gm] = tf.gradients(tf.reduceSum(tf.reduceMean(x, axes, true)), x);
      const [gmax] = tf.gradients(tf.reduceSum(tf.reduceMax(x, axes)), x);
      const [gp] = tf.gradients(tf.reduceSum(tf.reduceProd(x, -1)), x);
      return { x, axes, gs: gs!, gm: gm!, gmax: gmax!, gp: gp! };
    }, (b) => [b.gs, b.gm, b.gmax, b.gp], (b) => new Map<tf.Tensor, tf.FeedValue>([[b.x, xv], [b.axes, tf.ndarray(Int32Array.from([-2]), [1])]]));
    expectClose(r[0], [[1, 1, 1], [2, 2, 2]]);
    expectClose(r[1], [[0.5, 0.5, 0.5], [0.5, 0.5, 0.5]]);
    expectClose(r[2], [[0, 1, 0], [1, 0, 1]]);
    expectClose(r[3], [[10, 2, 5], [-3, 12, -4]]);
  });
});
