// tf.nn: activations, BiasAdd, softmax and the cross-entropies.
import { DType } from '../graph/dtypes.js';
import { InvalidArgumentError, UnimplementedError } from '../graph/errors.js';
import { NDArray } from '../graph/ndarray.js';
import { broadcastStatic, Dim, formatShape, mergeDim, Shape } from '../graph/shape.js';
import { Tensor } from '../graph/tensor.js';
import { broadcastIndex, broadcastShapes, empty } from './cpu.js';
import { defineUnary, elementwiseKernel, FLOATS, NUMERIC, unaryBuilder, UnaryOpSpec } from './elementwise.js';
import { literal } from './gpu.js';
import { mapUnary } from './cpu.js';
import { concat, expandDims, range, rank, transpose } from './array.js';
import { unbroadcast } from './gradients.js';
import { abs, add, cast, exp, greater, less, logicalAnd, maximum, mul, neg, realDiv, reduceSum, sigmoid, square, sub, where } from './math.js';
import { addOp, defineOp, describeInput, ShapeContext } from './registry.js';
import { biasAddGpu, rowOpGpu } from './wgsl/nn.js';
import { convertSameType, convertToTensor, NameOpt, TensorLike } from './values.js';

export { sigmoid, tanh } from './math.js';

// ---- activations (elementwise) ----------------------------------------------------------------------------------

// NaN passes through Relu and Relu6, as Eigen's max/min do in TensorFlow's kernels.
const reluFn = (x: number): number => (x < 0 ? 0 : x);
const relu6Fn = (x: number): number => (x < 0 ? 0 : x > 6 ? 6 : x);
const eluFn = (x: number): number => (x < 0 ? Math.expm1(x) : x);
/** log(1 + e^x) = max(x, 0) + log1p(e^-|x|): no overflow for large x, exact (e^x) for very negative x. */
const softplusFn = (x: number): number => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));

/**
 * log(1 + e) for e in [0, 1], as 2 atanh(s) with s = e / (2 + e) <= 1/3 (series to s^15: relative error < 2e-9):
 * no 1 + e is ever formed, so tiny e keeps its relative accuracy, and one branch-free formula covers the whole range.
 */
function wgslLog1pUnit(e: string): string {
  const sq = `((${e}) / (2.0 + (${e})))`;
  const q = `(${sq} * ${sq})`;
  let poly = '(1.0 / 15.0)';
  for (const d of [13, 11, 9, 7, 5, 3]) poly = `(1.0 / ${d}.0 + ${q} * ${poly})`;
  return `(2.0 * ${sq} * (1.0 + ${q} * ${poly}))`;
}

/** e^x - 1 for x < 0: Taylor to x^10 / 10! above -0.5 (no cancellation; relative error < 1e-9), exp(x) - 1 below. */
function wgslExpm1Neg(x: string): string {
  let poly = '1.0';
  for (let d = 10; d >= 2; d--) poly = `(1.0 + (${x}) / ${d}.0 * ${poly})`;
  return `select(exp(${x}) - 1.0, (${x}) * ${poly}, (${x}) > -0.5)`;
}

// The WGSL keeps NaN with a bit test: shader compilers may assume no NaN, and `select(x, 0.0, x < 0.0)` gave 0 for
// NaN on llvmpipe.
const isNanW = (x: string): string => `((bitcast<u32>(${x}) & 0x7fffffffu) > 0x7f800000u)`;

// Gradients as TF's ReluGrad, Relu6Grad, EluGrad (from the output, as TF does) and SoftplusGrad (from the input), built
// from elementwise ops so the GPU fuser folds them into the surrounding backward pass.
for (const s of <UnaryOpSpec[]>[
  { type: 'Relu', input: 'features', dtypes: NUMERIC, fn: reluFn, wgsl: (x, t) => (t === 'f32' ? `select(max(${x}, 0.0), ${x}, ${isNanW(x)})` : `max(${x}, 0)`),
    grad: (x, y, dy) => where(greater(y, 0), dy, 0) },
  { type: 'Relu6', input: 'features', dtypes: NUMERIC, fn: relu6Fn, wgsl: (x, t) => (t === 'f32' ? `select(clamp(${x}, 0.0, 6.0), ${x}, ${isNanW(x)})` : `clamp(${x}, 0, 6)`),
    grad: (x, y, dy) => where(logicalAnd(greater(y, 0), less(y, 6)), dy, 0) },
  { type: 'Elu', input: 'features', dtypes: FLOATS, fn: eluFn, wgsl: (x) => `select(${x}, ${wgslExpm1Neg(x)}, ${x} < 0.0)`,
    grad: (x, y, dy) => where(less(y, 0), mul(dy, add(y, 1)), dy) },
  { type: 'Softplus', input: 'features', dtypes: FLOATS, fn: softplusFn, wgsl: (x) => `max(${x}, 0.0) + ${wgslLog1pUnit(`exp(-abs(${x}))`)}`,
    grad: (x, y, dy) => mul(dy, sigmoid(x)) },
]) defineUnary(s);

export const relu = unaryBuilder('Relu');
export const relu6 = unaryBuilder('Relu6');
export const elu = unaryBuilder('Elu');
export const softplus = unaryBuilder('Softplus');

// Selu, Softsign (TF's SeluGrad from the output, SoftsignGrad from the input) and LeakyRelu (an alpha attr, so not an
// elementwise spec: its GPU kernel is the elementwise template with alpha baked in, and it is not fused).
const SELU_SCALE = 1.0507009873554804934193349852946;
const SELU_ALPHA = 1.6732632423543772848170429916717;
const seluFn = (x: number): number => (x > 0 ? SELU_SCALE * x : SELU_SCALE * SELU_ALPHA * Math.expm1(x));
for (const s of <UnaryOpSpec[]>[
  { type: 'Selu', input: 'features', dtypes: FLOATS, fn: seluFn,
    wgsl: (x) => `select(${SELU_SCALE * SELU_ALPHA} * ${wgslExpm1Neg(`min(${x}, 0.0)`)}, ${SELU_SCALE} * ${x}, ${x} > 0.0)`,
    grad: (x, y, dy) => where(less(y, 0), mul(dy, add(y, SELU_SCALE * SELU_ALPHA)), mul(dy, SELU_SCALE)) },
  { type: 'Softsign', input: 'features', dtypes: FLOATS, fn: (x: number) => x / (1 + Math.abs(x)), wgsl: (x) => `${x} / (1.0 + abs(${x}))`,
    grad: (x, y, dy) => realDiv(dy, square(add(abs(x), 1))) },
]) defineUnary(s);

export const selu = unaryBuilder('Selu');
export const softsign = unaryBuilder('Softsign');

defineOp({
  type: 'LeakyRelu',
  inputs: ['features'],
  attrs: { alpha: { type: 'float', default: 0.2 }, T: { type: 'type', default: 'float32' } },
  shape: (c) => {
    checkFloat(c, c.inputs[0], 'features');
    return [{ dtype: c.inputs[0].dtype, shape: c.inputs[0].shape }];
  },
  cpu: ([x], attrs) => {
    const alpha = attrs.alpha as number;
    return [mapUnary(x, x.dtype, (v) => (v > 0 ? v : v * alpha))];
  },
  gpu: (k) => elementwiseKernel(k, ([x]) => `select(${x} * ${literal(k.attrs.alpha as number, 'float32')}, ${x}, ${x} > 0.0)`),
  // TF's LeakyReluGrad: dy where x > 0, else dy * alpha.
  grad: (op, [dy]) => {
    const x = op.inputs[0];
    return [where(greater(x, 0), dy!, mul(dy!, op.attrs.alpha as number))];
  },
});

/** `tf.nn.leakyRelu(features, alpha = 0.2, {name?})`: TF's LeakyRelu (integer features are cast to float32, as TF1 does). */
export function leakyRelu(features: TensorLike, alpha = 0.2, opts: NameOpt = {}): Tensor {
  let x = convertToTensor(features);
  if (x.dtype === 'int32' || x.dtype === 'int64') x = cast(x, 'float32');
  return addOp('LeakyRelu', [x], { T: x.dtype, alpha }, { name: opts.name ?? 'LeakyRelu' }).outputs[0];
}

// ---- BiasAdd ----------------------------------------------------------------------------------------------------

/** The channel axis of BiasAdd's value: the last for NHWC, axis 1 for NCHW (the last too for a matrix). */
function channelAxis(rank: number, format: string): number {
  return format === 'NCHW' ? 1 : rank - 1;
}

defineOp({
  type: 'BiasAdd',
  inputs: ['value', 'bias'],
  attrs: { T: { type: 'type' }, data_format: { type: 'string', default: 'NHWC' } },
  shape: (c) => {
    const [v, b] = c.inputs;
    const format = c.attrs.data_format as string;
    if (format !== 'NHWC' && format !== 'NCHW') c.fail(`data_format must be 'NHWC' or 'NCHW', got '${format}'`);
    if (!NUMERIC.includes(v.dtype)) c.fail(`dtype ${v.dtype} is not supported`);
    if (v.dtype !== b.dtype) c.fail(`value ${describeInput(v)} is ${v.dtype} but bias ${describeInput(b)} is ${b.dtype}`);
    if (b.shape !== null && b.shape.length !== 1) c.fail(`Biases must be 1D: bias ${describeInput(b)}`);
    if (v.shape === null) return [{ dtype: v.dtype, shape: null }];
    if (v.shape.length < 2) c.fail(`Input tensor must be at least 2D: value ${describeInput(v)}`);
    const ax = channelAxis(v.shape.length, format);
    const merged = mergeDim(v.shape[ax], b.shape === null ? null : b.shape[0]);
    if (merged === undefined) {
      c.fail(`Must provide as many biases as the channel dimension (axis ${ax}, ${format}) of the input tensor: bias ${describeInput(b)} vs. value ${describeInput(v)}`);
    }
    const out = [...v.shape];
    out[ax] = merged as Dim;
    return [{ dtype: v.dtype, shape: out }];
  },
  cpu: ([v, b], attrs, ctx) => {
    const format = attrs.data_format as string;
    const fail = (m: string): never => { throw new InvalidArgumentError(`BiasAdd node '${ctx.name}': ${m}`); };
    if (v.rank < 2) fail(`Input tensor must be at least 2D: ${formatShape(v.shape)}`);
    if (b.rank !== 1) fail(`Biases must be 1D: ${formatShape(b.shape)}`);
    const ax = channelAxis(v.rank, format);
    const channels = v.shape[ax];
    if (b.shape[0] !== channels) {
      fail(`Must provide as many biases as the channel dimension (axis ${ax}, ${format}) of the input tensor: ${formatShape(b.shape)} vs. ${formatShape(v.shape)}`);
    }
    const inner = v.shape.slice(ax + 1).reduce((p, d) => p * d, 1);
    const out = empty(v.dtype, v.shape);
    const isInt32 = v.dtype === 'int32';
    for (let i = 0; i < v.size; i++) {
      const s = v.data[i] + b.data[Math.floor(i / inner) % channels];
      out.data[i] = isInt32 ? s | 0 : s;
    }
    return [out];
  },
  gpu: (k) => biasAddGpu(k, channelAxis(k.inputs[0].shape.length, k.attrs.data_format as string)),
  // TF's BiasAddGrad: dy, and dy summed over every axis but the channel axis.
  grad: (op, [dy]) => {
    const nchw = op.attrs.data_format === 'NCHW';
    const r = dy!.rank;
    let axes: number[] | Tensor;
    if (r !== null) {
      const ch = channelAxis(r, nchw ? 'NCHW' : 'NHWC');
      axes = [...Array(r).keys()].filter((i) => i !== ch);
    } else {
      // Unknown rank: [0, 2, ..., rank) for NCHW (a matrix has its channels last: 2 >= rank leaves [0]), [0, rank - 1) for NHWC.
      const rk = rank(dy!);
      axes = nchw ? concat([[0], range(2, maximum(rk, 2))], 0) : range(0, sub(rk, 1));
    }
    return [dy, reduceSum(dy!, axes)];
  },
});

/** `tf.nn.biasAdd(value, bias, {dataFormat?, name?})`: adds a 1-D bias along the channel axis. */
export function biasAdd(value: TensorLike, bias: TensorLike, opts: NameOpt & { dataFormat?: 'NHWC' | 'NCHW' } = {}): Tensor {
  const name = opts.name ?? 'BiasAdd';
  const [v, b] = convertSameType([value, bias], `tf.nn.biasAdd '${name}'`);
  return addOp('BiasAdd', [v, b], { T: v.dtype, data_format: opts.dataFormat ?? 'NHWC' }, { name }).outputs[0];
}

// ---- Softmax and LogSoftmax --------------------------------------------------------------------------------------

function checkFloat(c: ShapeContext, t: Tensor, what: string): void {
  if (!FLOATS.includes(t.dtype)) c.fail(`${what} ${describeInput(t)} must be float32 or float64, got ${t.dtype}`);
}

/**
 * Runs `fn` over each row (the last axis) of `x`, in float64: `fn(row, max, out)` writes the row's results into
 * `out` (a float64 scratch row), which is then stored in the output's dtype.
 */
function perRow(x: NDArray, fn: (row: Float64Array, max: number, out: Float64Array) => void): NDArray {
  const out = empty(x.dtype, x.shape);
  const n = x.shape[x.rank - 1];
  if (n === 0) return out;
  const rows = x.size / n;
  const row = new Float64Array(n), res = new Float64Array(n);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < n; j++) row[j] = x.data[r * n + j];
    fn(row, rowMax(row), res);
    for (let j = 0; j < n; j++) out.data[r * n + j] = res[j];
  }
  return out;
}

/** The largest value of a row; NaN when the row has a NaN (so the whole row's result is NaN). */
function rowMax(row: Float64Array): number {
  let max = -Infinity;
  for (let j = 0; j < row.length; j++) if (row[j] > max || Number.isNaN(row[j])) max = row[j];
  return max;
}

/** Softmax of a row with its max subtracted first: exp never overflows, and the largest term is exactly 1. */
function softmaxRow(row: Float64Array, max: number, out: Float64Array): void {
  let sum = 0;
  for (let j = 0; j < row.length; j++) { out[j] = Math.exp(row[j] - max); sum += out[j]; }
  for (let j = 0; j < row.length; j++) out[j] /= sum;
}

/** log(sum(exp(row))) = max + log(sum(exp(row - max))). */
function logSumExp(row: Float64Array, max: number): number {
  let sum = 0;
  for (let j = 0; j < row.length; j++) sum += Math.exp(row[j] - max);
  return max + Math.log(sum);
}

function defineSoftmax(type: 'Softmax' | 'LogSoftmax', rowFn: (row: Float64Array, max: number, out: Float64Array) => void): void {
  defineOp({
    type,
    inputs: ['logits'],
    attrs: { T: { type: 'type' } },
    shape: (c) => {
      const x = c.inputs[0];
      checkFloat(c, x, 'logits');
      if (x.shape !== null && x.shape.length < 1) c.fail(`logits must have >= 1 dimension, got ${describeInput(x)}`);
      return [{ dtype: x.dtype, shape: x.shape }];
    },
    cpu: ([x], _, ctx) => {
      if (x.rank < 1) throw new InvalidArgumentError(`${type} node '${ctx.name}': logits must have >= 1 dimension, got ${formatShape(x.shape)}`);
      return [perRow(x, rowFn)];
    },
    gpu: (k) => rowOpGpu(k, type),
    grad: type === 'Softmax'
      // TF's _SoftmaxGrad: (dy - sum(dy * y)) * y over the row.
      ? (op, [dy]) => { const y = op.outputs[0]; return [mul(sub(dy!, reduceSum(mul(dy!, y), -1, true)), y)]; }
      // TF's _LogSoftmaxGrad: dy - sum(dy) * softmax, with softmax = exp(y).
      : (op, [dy]) => [sub(dy!, mul(reduceSum(dy!, -1, true), exp(op.outputs[0])))],
  });
}

defineSoftmax('Softmax', softmaxRow);
defineSoftmax('LogSoftmax', (row, max, out) => {
  const lse = logSumExp(row, max);
  for (let j = 0; j < row.length; j++) out[j] = row[j] - lse;
});

function softmaxBuilder(type: 'Softmax' | 'LogSoftmax', what: string) {
  return (logits: TensorLike, opts: NameOpt & { axis?: number } = {}): Tensor => {
    const t = convertToTensor(logits);
    const axis = opts.axis ?? -1;
    const rank = t.rank;
    const isLast = axis === -1 || (rank !== null && axis === rank - 1);
    if (!isLast) {
      if (rank !== null && (axis < -rank || axis >= rank || !Number.isInteger(axis))) {
        throw new InvalidArgumentError(`${what}: axis ${axis} is out of range for '${t.name}' of rank ${rank}`);
      }
      if (rank === null) {
        throw new UnimplementedError(`${what}: axis ${axis} needs a known rank, '${t.name}' has none; use the last axis (-1)`);
      }
      // As TF1's _swap_axis: swap the axis with the last one, apply, swap back (the swap is its own inverse).
      const a = axis < 0 ? axis + rank : axis;
      const perm = Array.from({ length: rank }, (_, i) => (i === a ? rank - 1 : i === rank - 1 ? a : i));
      // The last transpose carries the caller's name, so fetching by name gives the softmax in the original layout.
      const inner = addOp(type, [transpose(t, perm)], { T: t.dtype }, { name: type, graph: t.graph }).outputs[0];
      return transpose(inner, perm, { name: opts.name });
    }
    return addOp(type, [t], { T: t.dtype }, { name: opts.name ?? type }).outputs[0];
  };
}

/** `tf.nn.softmax(logits, {axis?, name?})`: over `axis` (default the last; another axis is
 * transposed to the last and back, as TF1 does). */
export const softmax = softmaxBuilder('Softmax', 'tf.nn.softmax');
/** `tf.nn.logSoftmax(logits, {axis?, name?})`: logits - logsumexp(logits), over the last axis. */
export const logSoftmax = softmaxBuilder('LogSoftmax', 'tf.nn.logSoftmax');

// ---- cross-entropies ---------------------------------------------------------------------------------------------

/**
 * One row of a cross-entropy: loss = sum_j labels_j * (logsumexp(logits) - logits_j), computed with the max
 * subtracted (so finite for logits in the thousands), and backprop_j = softmax_j - labels_j. All in float64.
 */
function xentRow(logits: Float64Array, max: number, labels: Float64Array, backprop: Float64Array): number {
  const lse = logSumExp(logits, max);
  let loss = 0;
  for (let j = 0; j < logits.length; j++) {
    if (labels[j] !== 0) loss += labels[j] * (lse - logits[j]);
    backprop[j] = Math.exp(logits[j] - lse) - labels[j];
  }
  return loss;
}

// TensorFlow's kernel is 2-D ([batch, classes], broadcastable); this one takes any rank >= 1 with the classes on the
// last axis (a superset), so no Reshape is needed around it. The loss has the shape without the last axis.
defineOp({
  type: 'SoftmaxCrossEntropyWithLogits',
  inputs: ['features', 'labels'],
  attrs: { T: { type: 'type' } },
  shape: (c) => {
    const [f, l] = c.inputs;
    checkFloat(c, f, 'logits');
    if (f.dtype !== l.dtype) c.fail(`logits ${describeInput(f)} are ${f.dtype} but labels ${describeInput(l)} are ${l.dtype}`);
    for (const [t, what] of [[f, 'logits'], [l, 'labels']] as const) {
      if (t.shape !== null && t.shape.length < 1) c.fail(`${what} must have >= 1 dimension, got ${describeInput(t)}`);
    }
    const s = broadcastStatic(f.shape, l.shape);
    if (s === undefined) c.fail(`logits and labels must be broadcastable: logits ${describeInput(f)}, labels ${describeInput(l)}`);
    const shape = s ?? null;
    return [{ dtype: f.dtype, shape: shape === null ? null : shape.slice(0, -1) }, { dtype: f.dtype, shape }];
  },
  cpu: ([f, l], _, ctx) => {
    if (f.rank < 1 || l.rank < 1) {
      throw new InvalidArgumentError(`SoftmaxCrossEntropyWithLogits node '${ctx.name}': logits and labels must have >= 1 dimension, got ${formatShape(f.shape)} and ${formatShape(l.shape)}`);
    }
    const shape = broadcastShapes([f.shape, l.shape], ctx.name);
    const n = shape[shape.length - 1];
    const fi = broadcastIndex(f.shape, shape), li = broadcastIndex(l.shape, shape);
    const loss = empty(f.dtype, shape.slice(0, -1));
    const backprop = empty(f.dtype, shape);
    if (n === 0) return [loss, backprop];
    const rows = backprop.size / n;
    const lg = new Float64Array(n), lb = new Float64Array(n), bp = new Float64Array(n);
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < n; j++) { lg[j] = f.data[fi[r * n + j]]; lb[j] = l.data[li[r * n + j]]; }
      loss.data[r] = xentRow(lg, rowMax(lg), lb, bp);
      for (let j = 0; j < n; j++) backprop.data[r * n + j] = bp[j];
    }
    return [loss, backprop];
  },
  gpu: (k) => rowOpGpu(k, 'SoftmaxCrossEntropyWithLogits'),
  // TF's _SoftmaxCrossEntropyWithLogitsGrad: logits get dloss[..., None] * backprop (plus the softmax gradient of a
  // gradient that reaches the backprop output), labels get -dloss[..., None] * log_softmax(logits) (and, beyond TF,
  // -dbackprop: backprop = softmax - labels). Both are summed back to their shapes where they were broadcast.
  grad: (op, [gLoss, gBackprop]) => {
    const [logits, labels] = op.inputs;
    const gl = expandDims(gLoss!, -1);
    const direct = !isZeros(gBackprop!);
    let dLogits = mul(gl, op.outputs[1]);
    if (direct) dLogits = add(dLogits, softmaxBackprop(gBackprop!, logits));
    let dLabels = mul(gl, neg(logSoftmax(logits)));
    if (direct) dLabels = sub(dLabels, gBackprop!);
    return unbroadcast(logits, labels, dLogits, dLabels);
  },
});

// TensorFlow's kernel takes logits [batch, classes] and labels [batch]; this one also takes logits of any rank >= 1
// with labels of the shape without the last axis (what TF's Python wrapper does with Reshapes).
defineOp({
  type: 'SparseSoftmaxCrossEntropyWithLogits',
  inputs: ['features', 'labels'],
  attrs: { T: { type: 'type' }, Tlabels: { type: 'type', default: 'int64' } },
  shape: (c) => {
    const [f, l] = c.inputs;
    checkFloat(c, f, 'logits');
    if (l.dtype !== 'int32' && l.dtype !== 'int64') c.fail(`labels ${describeInput(l)} must be int32 or int64, got ${l.dtype}`);
    if (f.shape !== null && f.shape.length < 1) c.fail(`logits must have >= 1 dimension, got ${describeInput(f)}`);
    if (f.shape === null && l.shape === null) return [{ dtype: f.dtype, shape: null }, { dtype: f.dtype, shape: null }];
    if (f.shape !== null && l.shape !== null && l.shape.length !== f.shape.length - 1) {
      c.fail(`Rank mismatch: rank of labels ${describeInput(l)} should equal rank of logits ${describeInput(f)} minus 1`);
    }
    let batch: Dim[] | null;
    if (f.shape === null) batch = [...l.shape!];
    else if (l.shape === null) batch = f.shape.slice(0, -1);
    else {
      batch = [];
      for (let i = 0; i < l.shape.length; i++) {
        const d = mergeDim(f.shape[i], l.shape[i]);
        if (d === undefined) c.fail(`logits and labels must have the same first dimensions, got logits ${describeInput(f)} and labels ${describeInput(l)}`);
        batch.push(d as Dim);
      }
    }
    const classes: Dim = f.shape === null ? null : f.shape[f.shape.length - 1];
    const full: Shape = [...batch, classes];
    return [{ dtype: f.dtype, shape: batch }, { dtype: f.dtype, shape: full }];
  },
  cpu: ([f, l], _, ctx) => {
    const fail = (m: string): never => { throw new InvalidArgumentError(`SparseSoftmaxCrossEntropyWithLogits node '${ctx.name}': ${m}`); };
    const batchShape = f.shape.slice(0, -1);
    if (f.rank < 1 || l.rank !== f.rank - 1 || l.shape.some((d, i) => d !== batchShape[i])) {
      fail(`logits and labels must have the same first dimensions, got logits shape ${formatShape(f.shape)} and labels shape ${formatShape(l.shape)}`);
    }
    const n = f.shape[f.rank - 1];
    const rows = l.size;
    if (n === 0 && rows > 0) fail(`Must have at least one class, but got logits shape ${formatShape(f.shape)}`);
    for (let r = 0; r < rows; r++) {
      const label = l.data[r];
      if (label < 0 || label >= n) {
        const shown = Array.from(l.data.subarray(0, 100)).join(' ') + (rows > 100 ? ' ...' : '');
        fail(`Received a label value of ${label} which is outside the valid range of [0, ${n}).  Label values: ${shown}`);
      }
    }
    const loss = empty(f.dtype, batchShape);
    const backprop = empty(f.dtype, f.shape);
    const lg = new Float64Array(n), bp = new Float64Array(n);
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < n; j++) lg[j] = f.data[r * n + j];
      const label = l.data[r];
      const lse = logSumExp(lg, rowMax(lg));
      loss.data[r] = lse - lg[label];
      for (let j = 0; j < n; j++) bp[j] = Math.exp(lg[j] - lse) - (j === label ? 1 : 0);
      for (let j = 0; j < n; j++) backprop.data[r * n + j] = bp[j];
    }
    return [loss, backprop];
  },
  gpu: (k) => rowOpGpu(k, 'SparseSoftmaxCrossEntropyWithLogits'),
  // TF's _SparseSoftmaxCrossEntropyWithLogitsGrad: dloss[..., None] * backprop; none for the labels. TF refuses a
  // second-order gradient (PreventGradient); here a gradient of the backprop output gets the softmax gradient.
  grad: (op, [gLoss, gBackprop]) => {
    let dLogits = mul(expandDims(gLoss!, -1), op.outputs[1]);
    if (!isZeros(gBackprop!)) dLogits = add(dLogits, softmaxBackprop(gBackprop!, op.inputs[0]));
    return [dLogits, null];
  },
});

/** Whether a gradient is the zeros tf.gradients passes for an output nothing flows into (TF's IsZero). */
function isZeros(g: Tensor): boolean { return g.op.type === 'ZerosLike'; }

/** The gradient through softmax(logits) - labels of g (the backprop output): (g - sum(g * p)) * p, p = softmax. */
function softmaxBackprop(g: Tensor, logits: Tensor): Tensor {
  const p = softmax(logits);
  return mul(sub(g, reduceSum(mul(g, p), -1, true)), p);
}

/**
 * TF1's `tf.nn.softmax_cross_entropy_with_logits(labels=, logits=)`: the per-row loss (output 0 of
 * SoftmaxCrossEntropyWithLogits; output 1, softmax - labels, is the backprop). JS labels take the logits' dtype.
 */
export function softmaxCrossEntropyWithLogits(args: { labels: TensorLike; logits: TensorLike; name?: string }): Tensor {
  const name = args.name ?? 'SoftmaxCrossEntropyWithLogits';
  const [logits, labels] = convertSameType([args.logits, args.labels], `tf.nn.softmaxCrossEntropyWithLogits '${name}'`);
  return addOp('SoftmaxCrossEntropyWithLogits', [logits, labels], { T: logits.dtype }, { name }).outputs[0];
}

/**
 * TF1's `tf.nn.sparse_softmax_cross_entropy_with_logits(labels=, logits=)`: labels are class indices (int32 or
 * int64; JS arrays become int32); returns the per-row loss (output 0; output 1 is the backprop).
 */
export function sparseSoftmaxCrossEntropyWithLogits(args: { labels: TensorLike; logits: TensorLike; name?: string }): Tensor {
  const name = args.name ?? 'SparseSoftmaxCrossEntropyWithLogits';
  const logits = convertToTensor(args.logits);
  const labels = args.labels instanceof Tensor ? convertToTensor(args.labels) : convertToTensor(args.labels, 'int32', 'labels');
  const tl: DType = labels.dtype;
  if (tl !== 'int32' && tl !== 'int64') {
    throw new InvalidArgumentError(`tf.nn.sparseSoftmaxCrossEntropyWithLogits '${name}': labels '${labels.name}' must be int32 or int64, got ${tl}`);
  }
  return addOp('SparseSoftmaxCrossEntropyWithLogits', [logits, labels], { T: logits.dtype, Tlabels: tl }, { name }).outputs[0];
}
