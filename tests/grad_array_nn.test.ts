// Gradients of the array, nn, values and random ops (ops/array.ts, ops/nn.ts, ops/values.ts, ops/random.ts): every
// differentiable op against float64 central finite differences on cpu and, on webgpu, its float32 gradients against
// cpu's; and forward tests of the ops the gradients added (Pad, StridedSliceGrad, UnsortedSegmentSum).
import { readFileSync } from 'node:fs';
import * as tf from '../index.js';
import { toNDArray } from '../graph/ndarray.js';
import { addOp } from '../ops/registry.js';
import type { ExecutorName } from '../session/session.js';
import { gradCase } from './gradcheck.js';
import { EXECUTORS, evalGraph, expectClose } from './helpers.js';

type T = tf.Tensor;

const NOT_DIFFERENTIABLE = [
  'Const', 'Placeholder', 'VariableV2', 'Assign', 'AssignAdd', 'AssignSub', 'NoOp',
  'Shape', 'Size', 'Rank', 'Range', 'OneHot', 'ZerosLike', 'OnesLike',
  'RandomUniform', 'RandomUniformInt', 'RandomStandardNormal', 'TruncatedNormal',
];

/** The op types declared in a source file (`type: 'X'` in defineOp and the elementwise specs; ZerosLike/OnesLike by hand). */
function declaredIn(file: string): string[] {
  const src = readFileSync(new URL(`../ops/${file}`, import.meta.url), 'utf8');
  const types = [...src.matchAll(/type: '([A-Z]\w*)'/g)].map((m) => m[1]);
  if (file === 'array.ts') types.push('ZerosLike', 'OnesLike');
  return [...new Set(types)];
}

describe('gradient declarations', () => {
  test.each(['array.ts', 'nn.ts', 'values.ts', 'random.ts'])('every op declared in ops/%s has a gradient or is not differentiable', (file) => {
    const types = declaredIn(file);
    expect(types.length).toBeGreaterThan(3);
    for (const type of types) {
      const def = tf.getOpDef(type);
      expect([type, def !== undefined]).toEqual([type, true]);
      expect([type, def!.grad === undefined ? 'missing' : typeof def!.grad === 'function' ? 'fn' : def!.grad])
        .toEqual([type, NOT_DIFFERENTIABLE.includes(type) ? 'not-differentiable' : 'fn']);
    }
  });

  test('the new ops are declared with TF names, inputs and attrs', () => {
    expect(tf.getOpDef('Pad')!.inputs).toEqual(['input', 'paddings']);
    expect(Object.keys(tf.getOpDef('Pad')!.attrs!)).toEqual(['T', 'Tpaddings']);
    expect(tf.getOpDef('StridedSliceGrad')!.inputs).toEqual(['shape', 'begin', 'end', 'strides', 'dy']);
    expect(Object.keys(tf.getOpDef('StridedSliceGrad')!.attrs!).sort())
      .toEqual(['Index', 'T', 'begin_mask', 'ellipsis_mask', 'end_mask', 'new_axis_mask', 'shrink_axis_mask']);
    expect(tf.getOpDef('UnsortedSegmentSum')!.inputs).toEqual(['data', 'segment_ids', 'num_segments']);
    expect(Object.keys(tf.getOpDef('UnsortedSegmentSum')!.attrs!)).toEqual(['T', 'Tindices', 'Tnumsegments']);
    const g = new tf.Graph();
    const nodes = g.asDefault(() => {
      const x = tf.placeholder('float32', [3, 4]);
      return [tf.pad(x, [[1, 0], [0, 2]]), tf.stridedSliceGrad([3, 4], [0], [2], [1], tf.zeros([2, 4])),
        tf.unsortedSegmentSum(x, [0, 1, 0], 2)];
    });
    for (const t of nodes) {
      expect(Object.keys(t.op.attrs).sort()).toEqual(Object.keys(tf.getOpDef(t.op.type)!.attrs ?? {}).sort());
    }
    expect(nodes.map((t) => t.op.name)).toEqual(['Pad', 'StridedSliceGrad', 'UnsortedSegmentSum']);
  });
});

/** x with the same values but no static shape (only its rank): exercises the gradients' dynamic-shape paths. */
function hideDims(x: T): T {
  return tf.reshape(x, tf.add(tf.shape(x), tf.constant(0, { dtype: 'int32' })));
}

/** x with the same values and an unknown rank. */
function hideRank(x: T): T {
  const begin = tf.add(tf.constant([0], { dtype: 'int32' }), tf.constant(0, { dtype: 'int32' }));
  return tf.reshape(x, tf.stridedSlice(tf.shape(x), begin, [0], [1], { endMask: 1 }));
}

/** An int32 constant the builders cannot see through while building (its value is known only when run or compiled). */
function opaqueInts(v: number[]): T {
  return tf.add(tf.constant(v, { dtype: 'int32', shape: [v.length] }), tf.constant(0, { dtype: 'int32' }));
}

const int = (v: tf.NestedArray, dtype: tf.DType = 'int32'): T => tf.constant(v, { dtype });
const nd = (v: tf.NestedArray, dtype: tf.DType = 'float32'): tf.NDArray => toNDArray(v, dtype);

/**
 * Runs build(xs) with each value fed through a placeholder (of the value's shape, or of `shapes[i]` when given):
 * a node whose inputs are all constants is computed on the host by the webgpu executor, so kernels are tested fed.
 */
async function runFed(executor: ExecutorName, values: tf.NDArray[], build: (xs: T[]) => T | T[], shapes?: tf.Shape[]): Promise<tf.NDArray[]> {
  return (await evalGraph(executor, () => {
    const xs = values.map((v, i) => tf.placeholder(v.dtype, shapes?.[i] ?? v.shape, `in${i}`));
    const ys = build(xs);
    return { xs, ys: Array.isArray(ys) ? ys : [ys] };
  }, (b) => b.ys, (b) => new Map<T, tf.NDArray>(b.xs.map((x, i) => [x, values[i]])))) as tf.NDArray[];
}

describe.each(EXECUTORS)('array gradients on %s', (executor: ExecutorName) => {
  test('Identity, PlaceholderWithDefault', () => gradCase(executor,
    ([x, y]) => [tf.identity(x), tf.mul(tf.placeholderWithDefault(y, [2, 3]), y)], [[2, 3], [2, 3]]));

  test.each<[string, (x: T) => T, number[]]>([
    ['Reshape to [3, 2]', (x) => tf.reshape(x, [3, 2]), [2, 3]],
    ['Reshape with -1', (x) => tf.reshape(x, [-1]), [2, 3, 2]],
    ['Reshape with unknown dims', (x) => tf.reshape(hideDims(x), [4, -1]), [2, 3, 2]],
    ['ExpandDims at -1', (x) => tf.expandDims(x, -1), [2, 3]],
    ['ExpandDims at 1', (x) => tf.expandDims(x, 1), [2, 3]],
    ['ExpandDims with unknown dims', (x) => tf.expandDims(hideDims(x), 0), [2, 3]],
    ['Squeeze all', (x) => tf.squeeze(x), [2, 1, 3, 1]],
    ['Squeeze axis -1', (x) => tf.squeeze(x, -1), [2, 1, 3, 1]],
    ['Transpose perm [2, 0, 1]', (x) => tf.transpose(x, [2, 0, 1]), [2, 3, 4]],
    ['Transpose default perm', (x) => tf.transpose(x), [2, 3, 4]],
    ['Transpose with a computed perm (inverted by UnsortedSegmentSum)', (x) => tf.transpose(x, opaqueInts([1, 2, 0])), [2, 3, 4]],
  ])('%s', (_, f, shape) => gradCase(executor, ([x]) => f(x), [shape]));

  describe('ConcatV2', () => {
    test('3 inputs on axis 0 of different sizes', () => gradCase(executor, ([a, b, c]) => tf.concat([a, b, c], 0), [[1, 3], [2, 3], [3, 3]]));
    test('3 inputs on axis -1', () => gradCase(executor, ([a, b, c]) => tf.concat([a, b, c], -1), [[2, 2, 1], [2, 2, 3], [2, 2, 2]]));
    test('with unknown dims', () => gradCase(executor, ([a, b, c]) => tf.concat([hideDims(a), b, hideDims(c)], 1), [[2, 1], [2, 3], [2, 2]]));
    test('a concat of an input with itself accumulates', () => gradCase(executor, ([a]) => tf.concat([a, a, tf.square(a)], 1), [[2, 2]]));
  });

  describe('Pack and Unpack', () => {
    test('Pack on axis 1', () => gradCase(executor, ([a, b, c]) => tf.stack([a, b, c], 1), [[2, 3], [2, 3], [2, 3]]));
    test('Pack on axis -1', () => gradCase(executor, ([a, b]) => tf.stack([a, b], -1), [[2, 3], [2, 3]]));
    test('Unpack on axis -1, some outputs unused', () => gradCase(executor, ([x]) => {
      const [a, , c] = tf.unstack(x, { axis: -1 });
      return [a, tf.mul(c, c)];
    }, [[2, 3, 3]]));
    test('Unpack on axis 0', () => gradCase(executor, ([x]) => tf.unstack(x), [[3, 2]]));
  });

  describe('Slice and Pad', () => {
    test('Slice', () => gradCase(executor, ([x]) => tf.slice(x, [1, 0, 1], [1, -1, 2]), [[2, 3, 4]]));
    test('Slice with a computed begin and unknown dims', () => gradCase(executor, ([x]) => tf.slice(hideDims(x), opaqueInts([0, 1]), [2, 2]), [[3, 4]]));
    test('Pad', () => gradCase(executor, ([x]) => tf.pad(x, [[1, 2], [0, 1]]), [[2, 3]]));
    test('Pad with computed paddings', () => gradCase(executor, ([x]) => tf.pad(x, tf.reshape(opaqueInts([0, 1, 2, 0, 1, 1]), [3, 2])), [[2, 1, 2]]));
  });

  describe('StridedSlice', () => {
    const cases: Array<[string, number[], number[], number[], number[], object]> = [
      ['strides 2', [4, 5], [0, 1], [4, 5], [2, 2], {}],
      ['negative strides, begin and end masks: x[::-1, 3:0:-2]', [3, 5], [0, 3], [0, 0], [-1, -2], { beginMask: 1, endMask: 1 }],
      ['x[::-1, ::-2] (end masks)', [3, 5], [0, 0], [0, 0], [-1, -2], { beginMask: 3, endMask: 3 }],
      ['negative begin/end: x[-3:-1, 1:]', [4, 3], [-3, 1], [-1, 0], [1, 1], { endMask: 2 }],
      ['ellipsis, new axis, shrink: x[..., None, 1]', [2, 3, 4], [0, 0, 1], [0, 0, 2], [1, 1, 1], { ellipsisMask: 1, newAxisMask: 2, shrinkAxisMask: 4 }],
      ['shrink a negative index: x[-1, 1:3]', [3, 4], [-1, 1], [0, 3], [1, 1], { shrinkAxisMask: 1 }],
      ['new axis first, ellipsis, negative stride: x[None, ..., ::-2]', [2, 3, 5], [0, 0, 0], [0, 0, 0], [1, 1, -2], { newAxisMask: 1, ellipsisMask: 2, beginMask: 4, endMask: 4 }],
      ['out-of-range begin/end clamp: x[1:100:3]', [8, 2], [1], [100], [3], {}],
      ['empty result: x[2:1]', [4, 2], [2], [1], [1], {}],
    ];
    test.each(cases)('%s', (_, shape, begin, end, strides, masks) => gradCase(executor, ([x]) => tf.stridedSlice(x, begin, end, strides, masks), [shape]));
    test('with unknown dims', () => gradCase(executor, ([x]) => tf.stridedSlice(hideDims(x), [0, 3], [0, 0], [1, -2], { beginMask: 1, endMask: 1 }), [[2, 5]]));
    test('second order: the gradient of StridedSliceGrad is the slice', () => gradCase(executor, ([x, dy]) => {
      const g = tf.stridedSliceGrad([3, 5], [0, 3], [0, 0], [-1, -2], tf.mul(dy, x), { beginMask: 1, endMask: 1 });
      return tf.square(g);
    }, [[3, 2], [3, 2]]));
  });

  describe('Tile', () => {
    test('multiples [2, 1, 3]', () => gradCase(executor, ([x]) => tf.tile(x, [2, 1, 3]), [[2, 3, 1]]));
    test('multiples [3, 2] on [2, 2]', () => gradCase(executor, ([x]) => tf.tile(x, [3, 2]), [[2, 2]]));
    test('with unknown dims and computed multiples', () => gradCase(executor, ([x]) => tf.tile(hideDims(x), opaqueInts([2, 3])), [[2, 3]]));
  });

  describe('GatherV2 (dense gradient)', () => {
    test('axis 0, repeated indices accumulate', () => gradCase(executor, ([x]) => tf.gather(x, int([[0, 2], [2, 2]])), [[4, 3]]));
    test('axis 1, repeated indices', () => gradCase(executor, ([x]) => tf.gather(x, int([3, 0, 3, 1, 3]), 1), [[2, 4, 3]]));
    test('axis -1, 2-D indices', () => gradCase(executor, ([x]) => tf.gather(x, int([[1, 1], [0, 2]]), -1), [[2, 3]]));
    test('int64 indices, a scalar index', () => gradCase(executor, ([x]) => [tf.gather(x, int([1, 1, 0], 'int64')), tf.gather(x, int(2))], [[3, 2]]));
    test('batch_dims 1, axis 1', () => gradCase(executor, ([x]) => tf.gather(x, int([[0, 0, 2], [1, 2, 1]]), 1, { batchDims: 1 }), [[2, 3, 2]]));
    test('batch_dims 1, axis 2', () => gradCase(executor, ([x]) => tf.gather(x, int([[1, 1], [0, 2]]), 2, { batchDims: 1 }), [[2, 2, 3]]));
    test('with unknown dims, axis 1', () => gradCase(executor, ([x]) => tf.gather(hideDims(x), int([2, 0, 2]), 1), [[2, 3, 2]]));
    test('embedding lookup by hand: rows of repeated ids sum', async () => {
      const r = await evalGraph(executor, () => {
        const emb = tf.constant([[1, 2], [3, 4], [5, 6]]);
        const [g] = tf.gradients(tf.gather(emb, int([2, 0, 2, 2])), emb);
        return g!;
      }, (t) => t);
      expectClose(r, [[1, 1], [0, 0], [3, 3]]);
    });
  });

  test('UnsortedSegmentSum (gradient: a gather; dropped rows get 0)', () => gradCase(executor,
    ([x]) => tf.unsortedSegmentSum(x, int([1, -1, 1, 0]), 3), [[4, 2]]));
  test('Fill: the value gets the sum', () => gradCase(executor, ([v]) => tf.fill([2, 3], v), [[]]));

  test('not differentiable: Shape, OneHot, ZerosLike, Range paths give no gradient', () => {
    const g = new tf.Graph();
    g.asDefault(() => {
      const x = tf.placeholder('float32', [2, 3]);
      expect(tf.gradients(tf.cast(tf.shape(x), 'float32'), x)).toEqual([null]);
      expect(tf.gradients(tf.zerosLike(x), x)).toEqual([null]);
      expect(tf.gradients(tf.onesLike(x), x)).toEqual([null]);
      expect(tf.gradients(tf.range(tf.constant(0), tf.reduceSum(x)), x)).toEqual([null]);
      expect(tf.gradients(tf.oneHot(int([0, 1]), 2, { onValue: tf.reduceSum(x), offValue: tf.constant(0) }), x)).toEqual([null]);
    });
  });
});

describe.each(EXECUTORS)('nn gradients on %s', (executor: ExecutorName) => {
  test.each<[string, (x: T) => T, object]>([
    ['Relu', tf.nn.relu, { avoid: 0.05 }],
    ['Relu6', tf.nn.relu6, { lo: -8, hi: 8, avoid: 0.05 }],
    ['Elu', tf.nn.elu, { avoid: 0.05 }],
    ['Softplus', tf.nn.softplus, { lo: -6, hi: 6 }],
  ])('%s', (_, f, opts) => gradCase(executor, ([x]) => f(x), [[3, 4]], opts));

  test('Relu at 0 and Relu6 at 6 give 0, as TF (from the output)', async () => {
    const r = await evalGraph(executor, () => {
      const x = tf.constant([-1, 0, 3, 6, 7]);
      return [tf.gradients(tf.nn.relu(x), x)[0]!, tf.gradients(tf.nn.relu6(x), x)[0]!, tf.gradients(tf.nn.elu(x), x)[0]!];
    }, (t) => t);
    expectClose(r[0], [0, 0, 1, 1, 1]);
    expectClose(r[1], [0, 0, 1, 0, 0]);
    expectClose(r[2], [Math.exp(-1), 1, 1, 1, 1], { rtol: 1e-6 });
  });

  describe('BiasAdd', () => {
    test('NHWC', () => gradCase(executor, ([v, b]) => tf.nn.biasAdd(v, b), [[2, 3, 4], [4]]));
    test('NCHW', () => gradCase(executor, ([v, b]) => tf.nn.biasAdd(v, b, { dataFormat: 'NCHW' }), [[2, 3, 2, 2], [3]]));
    test('NCHW on a matrix (channels last)', () => gradCase(executor, ([v, b]) => tf.nn.biasAdd(v, b, { dataFormat: 'NCHW' }), [[2, 3], [3]]));
    test('NHWC, unknown rank', () => gradCase(executor, ([v, b]) => tf.nn.biasAdd(hideRank(v), b), [[2, 2, 3], [3]]));
    test('NCHW, unknown rank', () => gradCase(executor, ([v, b]) => tf.nn.biasAdd(hideRank(v), b, { dataFormat: 'NCHW' }), [[2, 3, 2], [3]]));
  });

  describe('Softmax and LogSoftmax', () => {
    test('Softmax, last axis', () => gradCase(executor, ([x]) => tf.nn.softmax(x), [[3, 4]]));
    test('Softmax, axis 0', () => gradCase(executor, ([x]) => tf.nn.softmax(x, { axis: 0 }), [[3, 4]]));
    test('Softmax, axis 1 of 3', () => gradCase(executor, ([x]) => tf.nn.softmax(x, { axis: 1 }), [[2, 3, 2]]));
    test('LogSoftmax, last axis', () => gradCase(executor, ([x]) => tf.nn.logSoftmax(x), [[3, 4]]));
    test('LogSoftmax, axis -3', () => gradCase(executor, ([x]) => tf.nn.logSoftmax(x, { axis: -3 }), [[3, 2, 2]]));
  });

  describe('cross-entropies', () => {
    // As in TF, the gradient (softmax - labels) assumes each row of labels sums to 1: the labels here are a softmax of
    // the input (a distribution for every finite-difference step), and the labels' gradient flows through it.
    const xent = (logits: T, l: T): T[] => [...addOp('SoftmaxCrossEntropyWithLogits', [logits, tf.nn.softmax(l)], { T: logits.dtype }).outputs];
    const loss = (logits: T, l: T): T => tf.nn.softmaxCrossEntropyWithLogits({ logits, labels: tf.nn.softmax(l) });
    test('dense: logits and labels', () => gradCase(executor, ([x, l]) => loss(x, l), [[3, 4], [3, 4]]));
    test('dense: rank 3', () => gradCase(executor, ([x, l]) => loss(x, l), [[2, 2, 3], [2, 2, 3]]));
    test('dense: labels broadcast [4] against logits [3, 4]', () => gradCase(executor, ([x, l]) => loss(x, l), [[3, 4], [4]]));
    test('dense: logits broadcast [1, 4] against labels [3, 4]', () => gradCase(executor, ([x, l]) => loss(x, l), [[1, 4], [3, 4]]));
    test('dense: both outputs (the backprop output is differentiated too)', () => gradCase(executor, ([x, l]) => xent(x, l), [[3, 4], [3, 4]]));
    test('dense: only the backprop output', () => gradCase(executor, ([x, l]) => xent(x, l)[1], [[2, 3], [2, 3]]));
    test('dense: labels by hand are -dloss * log_softmax(logits), not normalised', async () => {
      const r = await evalGraph(executor, () => {
        const x = tf.constant([[1, 2, 3]]);
        const l = tf.constant([[0.5, 0.5, 0.5]]);
        return tf.gradients(tf.nn.softmaxCrossEntropyWithLogits({ logits: x, labels: l }), [x, l]) as T[];
      }, (t) => t);
      const lse = Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3));
      expectClose(r[0], [[1, 2, 3].map((v) => Math.exp(v - lse) - 0.5)], { rtol: 1e-5 });
      expectClose(r[1], [[1, 2, 3].map((v) => lse - v)], { rtol: 1e-5 });
    });

    const sparse = (logits: T, labels: T): T[] => [...addOp('SparseSoftmaxCrossEntropyWithLogits', [logits, labels], { T: logits.dtype, Tlabels: labels.dtype }).outputs];
    test('sparse: logits', () => gradCase(executor, ([x]) => tf.nn.sparseSoftmaxCrossEntropyWithLogits({ logits: x, labels: int([3, 0, 1]) }), [[3, 4]]));
    test('sparse: rank 3, int64 labels', () => gradCase(executor, ([x]) => tf.nn.sparseSoftmaxCrossEntropyWithLogits({ logits: x, labels: int([[0, 2], [1, 1]], 'int64') }), [[2, 2, 3]]));
    test('sparse: both outputs', () => gradCase(executor, ([x]) => sparse(x, int([2, 0])), [[2, 3]]));
    test('sparse: labels get no gradient', () => {
      const g = new tf.Graph();
      g.asDefault(() => {
        const x = tf.placeholder('float32', [2, 3]);
        const l = tf.placeholder('int32', [2]);
        const loss = tf.nn.sparseSoftmaxCrossEntropyWithLogits({ logits: x, labels: l });
        expect(tf.gradients(loss, [x, l])[1]).toBeNull();
      });
    });
  });
});

describe.each(EXECUTORS)('Pad on %s', (executor: ExecutorName) => {
  test('float32 by hand', async () => {
    const [r] = await runFed(executor, [nd([[1, 2, 3], [4, 5, 6]])], ([x]) => tf.pad(x, [[1, 0], [2, 1]]));
    expectClose(r, [[0, 0, 0, 0, 0, 0], [0, 0, 1, 2, 3, 0], [0, 0, 4, 5, 6, 0]], { dtype: 'float32' });
  });
  test('int32, int64 paddings, rank 3', async () => {
    const x = [[[1, 2]], [[3, 4]]];
    const [r] = await runFed(executor, [nd(x, 'int32')], ([t]) => tf.pad(t, int([[0, 1], [1, 1], [0, 0]], 'int64')));
    expectClose(r, [[[0, 0], [1, 2], [0, 0]], [[0, 0], [3, 4], [0, 0]], [[0, 0], [0, 0], [0, 0]]], { dtype: 'int32' });
  });
  test('zero paddings and an empty input', async () => {
    const r = await runFed(executor, [nd([1, 2]), tf.ndarray(new Float32Array(0), [0, 2])], ([a, b]) => [
      tf.pad(a, [[0, 0]]),
      tf.pad(b, [[1, 1], [0, 0]]),
    ]);
    expectClose(r[0], [1, 2]);
    expectClose(r[1], [[0, 0], [0, 0]]);
  });
  test('a larger random case against a JS reference', async () => {
    const shape = [3, 5, 7];
    const pads = [[2, 1], [0, 3], [4, 2]];
    const vals = Array.from({ length: 105 }, (_, i) => ((i * 37) % 23) - 11);
    const [r] = await runFed(executor, [tf.ndarray(Float32Array.from(vals), shape)], ([x]) => tf.pad(x, pads));
    const outShape = shape.map((d, i) => d + pads[i][0] + pads[i][1]);
    const expected = new Float64Array(outShape.reduce((a, b) => a * b, 1));
    for (let a = 0; a < 3; a++) for (let b = 0; b < 5; b++) for (let c = 0; c < 7; c++) {
      expected[((a + 2) * outShape[1] + b) * outShape[2] + c + 4] = vals[(a * 5 + b) * 7 + c];
    }
    expect(r.shape).toEqual(outShape);
    expectClose(r, expected);
  });
  test('static shape and errors', () => {
    const g = new tf.Graph();
    g.asDefault(() => {
      const x = tf.placeholder('float32', [2, null]);
      expect(tf.pad(x, [[1, 1], [2, 0]]).shape).toEqual([4, null]);
      expect(() => tf.pad(x, [[1, -1], [0, 0]], { name: 'neg' })).toThrow(/'neg'.*non-negative/);
      expect(() => tf.pad(x, [[1, 1]], { name: 'rows' })).toThrow(/'rows'.*rank of inputs/);
      expect(tf.pad(x, [[0, 0], [0, 0]], { mode: 'REFLECT' }).op.type).toBe('MirrorPad');
      expect(() => tf.pad(x, [[0, 0], [0, 0]], 'WRAP')).toThrow(/Unknown padding mode/);
    });
  });
});

describe.each(EXECUTORS)('StridedSliceGrad on %s', (executor: ExecutorName) => {
  const ssg = async (shape: number[], begin: number[], end: number[], strides: number[], dy: tf.NestedArray, masks = {}): Promise<tf.NDArray> =>
    (await runFed(executor, [nd(dy)], ([d]) => tf.stridedSliceGrad(shape, begin, end, strides, d, masks)))[0];

  test('strides 2 by hand', async () => {
    expectClose(await ssg([3, 4], [0, 1], [3, 4], [2, 2], [[1, 2], [3, 4]]), [[0, 1, 0, 2], [0, 0, 0, 0], [0, 3, 0, 4]]);
  });
  test('negative strides by hand: x[::-1, 3:0:-2]', async () => {
    expectClose(await ssg([2, 4], [0, 3], [0, 0], [-1, -2], [[1, 2], [3, 4]], { beginMask: 1, endMask: 1 }),
      [[0, 4, 0, 3], [0, 2, 0, 1]]);
  });
  test('shrink and new axis by hand: x[None, 1, ::2]', async () => {
    expectClose(await ssg([2, 3], [0, 1, 0], [0, 2, 0], [1, 1, 2], [[5, 6]], { newAxisMask: 1, shrinkAxisMask: 2, beginMask: 4, endMask: 4 }),
      [[0, 0, 0], [5, 0, 6]]);
  });
  test('ellipsis by hand: x[..., 1]', async () => {
    expectClose(await ssg([2, 2, 2], [0, 1], [0, 2], [1, 1], [[1, 2], [3, 4]], { ellipsisMask: 1, shrinkAxisMask: 2 }),
      [[[0, 1], [0, 2]], [[0, 3], [0, 4]]]);
  });
  test('the adjoint of StridedSlice: <slice(x), dy> == <x, grad(dy)>, many masks', async () => {
    const cases: Array<[number[], number[], number[], number[], object]> = [
      [[5, 4, 3], [4, 0, 0], [0, 4, 3], [-2, 1, 2], { endMask: 1 }],
      [[5, 4, 3], [1, 0, 2], [4, 0, 3], [1, 1, 1], { ellipsisMask: 2 }],
      [[5, 4, 3], [0, -1, 0], [0, 0, 0], [1, 1, -1], { beginMask: 5, endMask: 5, shrinkAxisMask: 2, newAxisMask: 0 }],
      [[5, 4, 3], [0, 1, 0, 0], [0, 3, 0, 0], [1, 1, 1, 1], { newAxisMask: 1, ellipsisMask: 4, endMask: 8 }],
    ];
    for (const [shape, begin, end, strides, masks] of cases) {
      const n = shape.reduce((a, b) => a * b, 1);
      const xv = Array.from({ length: n }, (_, i) => ((i * 13) % 17) - 8);
      const r = await runFed(executor, [tf.ndarray(Float32Array.from(xv), shape)], ([x]) => {
        const y = tf.stridedSlice(x, begin, end, strides, masks);
        const dy = tf.add(tf.mul(tf.cast(tf.range(0, tf.size(y)), 'float32'), 0.5), 1);
        const dyShaped = tf.reshape(dy, tf.shape(y));
        const g = tf.stridedSliceGrad(shape, begin, end, strides, dyShaped, masks);
        return [tf.reduceSum(tf.mul(y, dyShaped)), tf.reduceSum(tf.mul(x, g)), g];
      });
      expect(r[2].shape).toEqual(shape);
      expectClose(r[1], r[0].data[0]);
    }
  });
  test('a dy of the wrong shape is an error, while building or when run', async () => {
    expect(() => new tf.Graph().asDefault(() => tf.stridedSliceGrad([3, 4], [0, 1], [3, 4], [2, 2], tf.constant([[1, 2, 3]]), { name: 'g' })))
      .toThrow(/'g'.*dy \[1,3\].*does not have the slice's shape \[2,2\]/);
    await expect(runFed(executor, [nd([[1, 2, 3]])], ([d]) => tf.stridedSliceGrad([3, 4], [0, 1], [3, 4], [2, 2], d, { name: 'g2' }), [[null, null]]))
      .rejects.toThrow(/'g2'.*(dy has shape \[1,3\], but the slice has shape|dy \[1,3\].*does not have the slice's shape) \[2,2\]/);
  });
});

describe.each(EXECUTORS)('UnsortedSegmentSum on %s', (executor: ExecutorName) => {
  test('float32 rows, repeated and negative ids (dropped), an empty segment', async () => {
    const [r] = await runFed(executor, [nd([[1, 2], [3, 4], [5, 6], [7, 8]])], ([x]) => tf.unsortedSegmentSum(x, int([2, 0, -1, 2]), 4));
    expectClose(r, [[3, 4], [0, 0], [8, 10], [0, 0]], { dtype: 'float32' });
  });
  test('int32 data, 2-D int64 ids, a computed num_segments', async () => {
    const [r] = await runFed(executor, [nd([[[1], [2]], [[3], [4]]], 'int32'), nd([[1, 1], [0, 1]], 'int64')],
      ([x, ids]) => tf.unsortedSegmentSum(x, ids, tf.add(int(1), int(1))));
    expectClose(r, [[3], [7]], { dtype: 'int32' });
  });
  test('scalar ids of a vector', async () => {
    const [r] = await runFed(executor, [nd([1.5, 2, 3])], ([x]) => tf.unsortedSegmentSum(x, int([1, 1, 0]), 2));
    expectClose(r, [3, 3.5]);
  });
  test('a long scan (more ids than one GPU dispatch scans) against a JS reference', async () => {
    const n = 70001;
    const ids = Int32Array.from({ length: n }, (_, i) => (i * 7919) % 5);
    const vals = Float32Array.from({ length: n }, (_, i) => (i % 3) - 1 + 0.25);
    const expected = new Float64Array(5);
    ids.forEach((s, i) => { expected[s] += vals[i]; });
    const [r] = await runFed(executor, [tf.ndarray(vals, [n]), tf.ndarray(ids, [n])], ([x, i]) => tf.unsortedSegmentSum(x, i, 5));
    expectClose(r, expected, { rtol: 1e-5, atol: 1e-2 });
  });
  test('an id past num_segments is an error naming the node', async () => {
    await expect(runFed(executor, [nd([1, 2, 3]), nd([0, 3, 1], 'int32')], ([x, i]) => tf.unsortedSegmentSum(x, i, 3, { name: 'uss' })))
      .rejects.toThrow(/'uss'.*segment_ids\[1\] = 3 is out of range \[0, 3\)/);
  });
  test('static shapes and errors', () => {
    const g = new tf.Graph();
    g.asDefault(() => {
      const x = tf.placeholder('float32', [null, 3, 2]);
      expect(tf.unsortedSegmentSum(x, tf.placeholder('int32', [4, 3]), 5).shape).toEqual([5, 2]);
      expect(tf.unsortedSegmentSum(x, tf.placeholder('int32', [4]), tf.placeholder('int32', [])).shape).toEqual([null, 3, 2]);
      expect(() => tf.unsortedSegmentSum(x, tf.placeholder('int32', [4, 2]), 5, { name: 'bad' })).toThrow(/'bad'.*does not start with segment_ids.shape/);
      expect(() => tf.unsortedSegmentSum(x, tf.placeholder('float32', [4]), 5)).toThrow(/int32 or int64/);
    });
  });
});
