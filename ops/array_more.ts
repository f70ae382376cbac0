// More of TF's array ops, for graphs TensorFlow wrote: PadV2, MirrorPad and MirrorPadGrad (what `tf.pad` builds for a
// non-zero constant and the mirror modes), Split and SplitV (`tf.split`), InvertPermutation, ParallelConcat
// (`tf.parallelStack`), and LinSpace (`tf.linspace`, math_ops in TF). Declared as in TF's array_ops.cc / math_ops.cc.
import { DType } from '../graph/dtypes.js';
import { InvalidArgumentError } from '../graph/errors.js';
import { getDefaultGraph, Graph } from '../graph/graph.js';
import { NDArray } from '../graph/ndarray.js';
import { Dim, formatShape, mergeDim, normAxis, Shape, stridesOf } from '../graph/shape.js';
import { Operation, Tensor } from '../graph/tensor.js';
import { empty, intList } from './cpu.js';
import { GpuKernelContext, literal } from './gpu.js';
import { checkIndexInput, concat, concretePads, expandDims, kernelError, padShape, reshape, shape as shapeOf, slice } from './array.js';
import { cast } from './math.js';
import { addOp, AddOpOptions, defineOp, OutputSpec, ShapeContext, staticValue } from './registry.js';
import { constant, convertSameType, convertToTensor, NameOpt, TensorLike } from './values.js';
import { columnsKernel, invertPermutationKernel, joinKernel, linSpaceKernel, mirrorPadGradKernel, padKernel } from './wgsl/array.js';

// ---- helpers ----------------------------------------------------------------------------------------------------------

const product = (dims: readonly number[]): number => dims.reduce((p, d) => p * d, 1);
const out1 = (dtype: DType, shape: Shape): OutputSpec[] => [{ dtype, shape }];

function graphOf(...xs: unknown[]): Graph {
  for (const x of xs) if (x instanceof Tensor) return x.graph;
  return getDefaultGraph();
}

/** TF1's builder layout: a scope named after the node; the node takes the scope's exact name. */
function scoped<T>(g: Graph, name: string, fn: (node: AddOpOptions) => T): T {
  return g.withNameScope(name, (scope) => fn({ name: scope, exactName: true, graph: g }));
}

function valueTensor(x: TensorLike, argName: string, g: Graph, dtype?: DType): Tensor {
  return x instanceof Tensor ? convertToTensor(x) : convertToTensor(x, dtype, argName, g);
}

/** An int argument: a Tensor as it is, JS numbers as an int32 Const named `argName`. */
function intArg(v: number | readonly number[] | Tensor, argName: string, g: Graph): Tensor {
  if (v instanceof Tensor) return convertToTensor(v);
  return constant(typeof v === 'number' ? v : [...v], { dtype: 'int32', shape: typeof v === 'number' ? undefined : [v.length], name: argName, graph: g });
}

// ---- PadV2, MirrorPad, MirrorPadGrad -------------------------------------------------------------------------------

type MirrorMode = 'REFLECT' | 'SYMMETRIC';

/** The source coordinate of padded coordinate r (already minus `before`) in a dim of n values. */
function mirrorCoord(r: number, n: number, mode: MirrorMode): number {
  const off = mode === 'REFLECT' ? 0 : 1;
  if (r < 0) return -r - off;
  if (r >= n) return 2 * n - 2 + off - r;
  return r;
}

/** out[o] = x[src(o)] per dim, or `value` where some dim's source is -1: the reference behind PadV2 and MirrorPad. */
function padCpu(x: NDArray, pads: readonly number[], src: (r: number, d: number) => number, value: number): NDArray {
  const outShape = x.shape.map((d, i) => d + pads[2 * i] + pads[2 * i + 1]);
  const out = empty(x.dtype, outShape);
  const inStrides = stridesOf(x.shape);
  const rank = outShape.length;
  const counter = new Array<number>(rank).fill(0);
  for (let i = 0; i < out.size; i++) {
    let s = 0, inside = true;
    for (let d = 0; d < rank; d++) {
      const r = src(counter[d] - pads[2 * d], d);
      if (r < 0) { inside = false; break; }
      s += r * inStrides[d];
    }
    out.data[i] = inside ? x.data[s] : value;
    for (let d = rank - 1; d >= 0; d--) {
      if (++counter[d] < outShape[d]) break;
      counter[d] = 0;
    }
  }
  return out;
}

/** TF's _PadGrad: the slice of dy where x was. */
function padGrad(op: Operation, dy: Tensor): Tensor {
  const [x, p] = op.inputs;
  const pv = staticValue(p);
  const begin = pv !== null
    ? intList(pv).filter((_, j) => j % 2 === 0)
    : reshape(slice(p.dtype === 'int32' ? p : cast(p, 'int32'), [0, 0], [-1, 1]), [-1]);
  const size = x.shape !== null && x.shape.every((d) => d !== null) ? (x.shape as number[]) : shapeOf(x);
  return slice(dy, begin, size);
}

defineOp({
  type: 'PadV2',
  inputs: ['input', 'paddings', 'constant_values'],
  attrs: { T: { type: 'type' }, Tpaddings: { type: 'type', default: 'int32' } },
  shape: (c) => {
    const [x, , cv] = c.inputs;
    if (cv.dtype !== x.dtype) c.fail(`constant_values '${cv.name}' is ${cv.dtype} but input '${x.name}' is ${x.dtype}`);
    if (cv.shape !== null && cv.shape.length !== 0) c.fail(`constant_values must be a scalar, got shape ${formatShape(cv.shape)}`);
    return padShape(c, 1);
  },
  cpu: ([x, p, cv], _, ctx) => {
    if (cv.rank !== 0) throw kernelError('PadV2', ctx.name, `constant_values must be a scalar, got shape ${formatShape(cv.shape)}`);
    const pads = concretePads('PadV2', ctx.name, x, p);
    return [padCpu(x, pads, (r, d) => (r >= 0 && r < x.shape[d] ? r : -1), cv.data[0])];
  },
  gpu: (k) => {
    const pads = intList(k.requireConst(1, 'paddings'));
    const v = k.constValue(2);
    const dt = k.inputs[2].dtype;
    const value = v !== null && (dt !== 'int64' || (v.data[0] | 0) === v.data[0]) ? { literal: literal(v.data[0], dt) } : { input: 2 };
    return padKernel(k, pads.filter((_, j) => j % 2 === 0), 'CONSTANT', value);
  },
  // TF's _PadV2Grad: _PadGrad, and none for the paddings and constant_values.
  grad: (op, [dy]) => [padGrad(op, dy!), null, null],
});

function checkMirror(c: ShapeContext): MirrorMode {
  const mode = c.attrs.mode as string;
  if (mode !== 'REFLECT' && mode !== 'SYMMETRIC') c.fail(`mode must be 'REFLECT' or 'SYMMETRIC', got '${mode}'`);
  return mode as MirrorMode;
}

/** TF's MirrorPad limit: REFLECT paddings at most dim - 1, SYMMETRIC at most dim. */
function mirrorLimit(fail: (m: string) => never, mode: MirrorMode, before: number, after: number, dim: number): void {
  const max = dim - (mode === 'REFLECT' ? 1 : 0);
  if (before > max || after > max) fail(`paddings must be no greater than the dimension size: ${before}, ${after} greater than ${max}`);
}

defineOp({
  type: 'MirrorPad',
  inputs: ['input', 'paddings'],
  attrs: { T: { type: 'type' }, Tpaddings: { type: 'type', default: 'int32' }, mode: { type: 'string' } },
  shape: (c) => {
    const mode = checkMirror(c);
    return padShape(c, 1, (_d, b, a, dim) => mirrorLimit(c.fail, mode, b, a, dim));
  },
  cpu: ([x, p], attrs, ctx) => {
    const mode = attrs.mode as MirrorMode;
    const pads = concretePads('MirrorPad', ctx.name, x, p);
    x.shape.forEach((d, i) => mirrorLimit((m) => { throw kernelError('MirrorPad', ctx.name, m); }, mode, pads[2 * i], pads[2 * i + 1], d));
    return [padCpu(x, pads, (r, d) => mirrorCoord(r, x.shape[d], mode), 0)];
  },
  gpu: (k) => {
    const pads = intList(k.requireConst(1, 'paddings'));
    k.inputs[0].shape.forEach((d, i) => mirrorLimit(k.fail, k.attrs.mode as MirrorMode, pads[2 * i], pads[2 * i + 1], d));
    return padKernel(k, pads.filter((_, j) => j % 2 === 0), k.attrs.mode as MirrorMode);
  },
  // TF's _MirrorPadGrad.
  grad: (op, [dy]) => [mirrorPadGrad(dy!, op.inputs[1], op.attrs.mode as MirrorMode), null],
});

defineOp({
  type: 'MirrorPadGrad',
  inputs: ['input', 'paddings'],
  attrs: { T: { type: 'type' }, Tpaddings: { type: 'type', default: 'int32' }, mode: { type: 'string' } },
  shape: (c) => {
    const mode = checkMirror(c);
    return padShape(c, -1, (_d, b, a, dim) => {
      const n = dim - b - a;
      if (n < 0) c.fail(`paddings [${b}, ${a}] exceed the input's dim ${dim}`);
      mirrorLimit(c.fail, mode, b, a, n);
    });
  },
  cpu: ([x, p], attrs, ctx) => {
    const mode = attrs.mode as MirrorMode;
    const pads = concretePads('MirrorPadGrad', ctx.name, x, p);
    const outShape = x.shape.map((d, i) => d - pads[2 * i] - pads[2 * i + 1]);
    outShape.forEach((n, i) => {
      if (n < 0) throw kernelError('MirrorPadGrad', ctx.name, `paddings exceed the input's shape ${formatShape(x.shape)}`);
      mirrorLimit((m) => { throw kernelError('MirrorPadGrad', ctx.name, m); }, mode, pads[2 * i], pads[2 * i + 1], n);
    });
    const acc = new Float64Array(product(outShape));
    const outStrides = stridesOf(outShape);
    const counter = new Array<number>(x.rank).fill(0);
    for (let i = 0; i < x.size; i++) {
      let dst = 0;
      for (let d = 0; d < x.rank; d++) dst += mirrorCoord(counter[d] - pads[2 * d], outShape[d], mode) * outStrides[d];
      acc[dst] += x.data[i];
      for (let d = x.rank - 1; d >= 0; d--) {
        if (++counter[d] < x.shape[d]) break;
        counter[d] = 0;
      }
    }
    const out = empty(x.dtype, outShape);
    out.data.set(x.dtype === 'float32' || x.dtype === 'float64' ? acc : acc.map((v) => v | 0));
    return [out];
  },
  gpu: (k) => mirrorPadGradKernel(k, intList(k.requireConst(1, 'paddings')), k.attrs.mode as MirrorMode),
  // TF's _MirrorPadGradGrad: MirrorPad of the gradient.
  grad: (op, [dy]) => [addOp('MirrorPad', [dy!, op.inputs[1]], { T: dy!.dtype, Tpaddings: op.inputs[1].dtype, mode: op.attrs.mode }, { name: 'MirrorPad' }).outputs[0], null],
});

/** TF's gen_array_ops.mirror_pad_grad, for MirrorPad's gradient. */
function mirrorPadGrad(dy: Tensor, paddings: Tensor, mode: MirrorMode): Tensor {
  return addOp('MirrorPadGrad', [dy, paddings], { T: dy.dtype, Tpaddings: paddings.dtype, mode }, { name: 'MirrorPadGrad' }).outputs[0];
}

// ---- Split, SplitV ----------------------------------------------------------------------------------------------------

/** The split axis of `rank` dims from a split_dim value, or a failure. */
function splitAxis(v: number, rank: number, fail: (m: string) => never): number {
  const a = normAxis(v, rank);
  if (a === undefined) return fail(`-input rank(-${rank}) <= split_dim < input rank (${rank}), but got ${v}`);
  return a;
}

/** A column split's CPU kernel: x as [outer, dim, inner], output j takes sizes[j] of the dim from starts[j]. */
function splitCpu(x: NDArray, axis: number, sizes: readonly number[]): NDArray[] {
  const outer = product(x.shape.slice(0, axis));
  const inner = product(x.shape.slice(axis + 1));
  const dim = x.shape[axis];
  let start = 0;
  return sizes.map((s) => {
    const shape = [...x.shape];
    shape[axis] = s;
    const out = empty(x.dtype, shape);
    for (let o = 0; o < outer; o++) {
      const from = (o * dim + start) * inner;
      out.data.set(x.data.subarray(from, from + s * inner), o * s * inner);
    }
    start += s;
    return out;
  });
}

function splitGpu(k: GpuKernelContext, input: number, axis: number, sizes: readonly number[]): ReturnType<typeof columnsKernel> {
  const x = k.inputs[input];
  const inner = product(x.shape.slice(axis + 1));
  const starts: number[] = [];
  let s = 0;
  for (const n of sizes) { starts.push(s * inner); s += n; }
  return columnsKernel(k, input, product(x.shape.slice(0, axis)), x.shape[axis] * inner, starts, sizes.map((n) => n * inner));
}

defineOp({
  type: 'Split',
  inputs: ['split_dim', 'value'],
  attrs: { num_split: { type: 'int' }, T: { type: 'type' } },
  shape: (c) => {
    const x = c.inputs[1];
    const num = c.attrs.num_split as number;
    if (!Number.isInteger(num) || num < 1) c.fail(`num_split must be an integer >= 1, got ${num}`);
    if (c.inputs[0].dtype !== 'int32') c.fail(`split_dim '${c.inputs[0].name}' must be int32, got ${c.inputs[0].dtype}`);
    checkIndexInput(c, 0, 'split_dim', 0);
    const all = (s: Shape): OutputSpec[] => Array.from({ length: num }, () => ({ dtype: x.dtype, shape: s === null ? null : [...s] }));
    if (x.shape === null) return all(null);
    const av = c.constValue(0);
    if (av === null) return all(new Array<Dim>(x.shape.length).fill(null));
    const axis = splitAxis(av.data[0], x.shape.length, c.fail);
    const d = x.shape[axis];
    if (d !== null && d % num !== 0) {
      c.fail(`Number of ways to split should evenly divide the split dimension, but got split_dim ${axis} (size = ${d}) and num_split ${num}`);
    }
    const s = [...x.shape];
    s[axis] = d === null ? null : d / num;
    return all(s);
  },
  cpu: ([a, x], attrs, ctx) => {
    const fail = (m: string): never => { throw kernelError('Split', ctx.name, m); };
    const num = attrs.num_split as number;
    if (a.size !== 1) fail(`split_dim must be a scalar, got shape ${formatShape(a.shape)}`);
    const axis = splitAxis(a.data[0], x.rank, fail);
    const d = x.shape[axis];
    if (d % num !== 0) fail(`Number of ways to split should evenly divide the split dimension, but got split_dim ${axis} (size = ${d}) and num_split ${num}`);
    return splitCpu(x, axis, new Array<number>(num).fill(d / num));
  },
  gpu: (k) => {
    const x = k.inputs[1];
    const num = k.attrs.num_split as number;
    const axis = splitAxis(k.requireConst(0, 'split_dim').data[0], x.shape.length, k.fail);
    return splitGpu(k, 1, axis, new Array<number>(num).fill(x.shape[axis] / num));
  },
  // TF's _SplitGrad: the output gradients (zeros where none flows) concatenated back along split_dim.
  grad: (op, grads) => [null, concat(grads as Tensor[], op.inputs[0])],
});

/** SplitV's sizes with the -1 resolved for a dim of `dim` values (null: unknown); fails on bad sizes. */
function resolveSizes(sizes: readonly number[], num: number, dim: Dim, fail: (m: string) => never): Dim[] {
  if (sizes.length !== num) fail(`size_splits must have num_split = ${num} values, got ${sizes.length} ([${sizes.join(',')}])`);
  let neg = -1, sum = 0;
  sizes.forEach((s, i) => {
    if (s === -1) {
      if (neg >= 0) fail(`Only one dimensions can have a value of -1. Second one found at dimension ${i}`);
      neg = i;
    } else if (s < 0) {
      fail(`size_splits[${i}] = ${s}: sizes must be non-negative (or one -1)`);
    } else sum += s;
  });
  const out: Dim[] = [...sizes];
  if (dim === null) {
    if (neg >= 0) out[neg] = null;
    return out;
  }
  if ((neg < 0 && sum !== dim) || (neg >= 0 && sum > dim)) {
    fail(`Determined shape must either match input shape along split_dim exactly if fully specified, or be less than the size of the input along split_dim if not fully specified.  Got: ${sum} for a dim of ${dim}`);
  }
  if (neg >= 0) out[neg] = dim - sum;
  return out;
}

defineOp({
  type: 'SplitV',
  inputs: ['value', 'size_splits', 'split_dim'],
  attrs: { num_split: { type: 'int' }, T: { type: 'type' }, Tlen: { type: 'type', default: 'int64' } },
  shape: (c) => {
    const x = c.inputs[0];
    const num = c.attrs.num_split as number;
    if (!Number.isInteger(num) || num < 1) c.fail(`num_split must be an integer >= 1, got ${num}`);
    checkIndexInput(c, 1, 'size_splits', 1);
    if (c.inputs[2].dtype !== 'int32') c.fail(`split_dim '${c.inputs[2].name}' must be int32, got ${c.inputs[2].dtype}`);
    checkIndexInput(c, 2, 'split_dim', 0);
    const all = (s: Shape): OutputSpec[] => Array.from({ length: num }, () => ({ dtype: x.dtype, shape: s === null ? null : [...s] }));
    if (x.shape === null) return all(null);
    const av = c.constValue(2);
    const sv = c.constValue(1);
    if (av === null) return all(new Array<Dim>(x.shape.length).fill(null));
    const axis = splitAxis(av.data[0], x.shape.length, c.fail);
    if (sv === null) {
      const s = [...x.shape];
      s[axis] = null;
      return all(s);
    }
    const sizes = resolveSizes(intList(sv), num, x.shape[axis], c.fail);
    return sizes.map((n) => {
      const s = [...x.shape!];
      s[axis] = n;
      return { dtype: x.dtype, shape: s };
    });
  },
  cpu: ([x, sv, a], attrs, ctx) => {
    const fail = (m: string): never => { throw kernelError('SplitV', ctx.name, m); };
    if (a.size !== 1) fail(`split_dim must be a scalar, got shape ${formatShape(a.shape)}`);
    if (sv.rank !== 1) fail(`size_splits must be a vector, got shape ${formatShape(sv.shape)}`);
    const axis = splitAxis(a.data[0], x.rank, fail);
    return splitCpu(x, axis, resolveSizes(intList(sv), attrs.num_split as number, x.shape[axis], fail) as number[]);
  },
  gpu: (k) => {
    const x = k.inputs[0];
    const axis = splitAxis(k.requireConst(2, 'split_dim').data[0], x.shape.length, k.fail);
    const sizes = resolveSizes(intList(k.requireConst(1, 'size_splits')), k.attrs.num_split as number, x.shape[axis], k.fail) as number[];
    return splitGpu(k, 0, axis, sizes);
  },
  // TF's _SplitVGrad.
  grad: (op, grads) => [concat(grads as Tensor[], op.inputs[2]), null, null],
});

/**
 * `tf.split(value, numOrSizeSplits, axis = 0, {num?, name?})`: TF1's `tf.split`. A number builds Split (that many equal
 * parts), a list or 1-D int tensor of sizes builds SplitV (one size may be -1; `num` gives the count when the tensor's
 * length is not static). Returns the parts.
 */
export function split(
  value: TensorLike, numOrSizeSplits: number | readonly number[] | Tensor, axis: number | Tensor = 0,
  opts: NameOpt & { num?: number } = {},
): Tensor[] {
  const g = graphOf(value, numOrSizeSplits, axis);
  const name = opts.name ?? 'split';
  if (typeof numOrSizeSplits === 'number') {
    return scoped(g, name, (node) => {
      const a = intArg(axis, 'split_dim', g);
      const x = valueTensor(value, 'value', g);
      return [...addOp('Split', [a, x], { num_split: numOrSizeSplits, T: x.dtype }, node).outputs];
    });
  }
  return scoped(g, name, (node) => {
    const x = valueTensor(value, 'value', g);
    const sizes = numOrSizeSplits instanceof Tensor ? convertToTensor(numOrSizeSplits) : intArg(numOrSizeSplits, 'size_splits', g);
    if (sizes.rank === 0) throw new InvalidArgumentError(`tf.split '${name}': Rank-0 tensors are not supported as the num_or_size_splits argument to split`);
    const num = opts.num ?? (sizes.shape !== null ? sizes.shape[0] : null);
    if (num === null) throw new InvalidArgumentError(`tf.split '${name}': Cannot infer num from shape ${formatShape(sizes.shape)}`);
    const a = intArg(axis, 'split_dim', g);
    return [...addOp('SplitV', [x, sizes, a], { num_split: num, T: x.dtype, Tlen: sizes.dtype }, node).outputs];
  });
}

// ---- InvertPermutation ------------------------------------------------------------------------------------------------

defineOp({
  type: 'InvertPermutation',
  inputs: ['x'],
  attrs: { T: { type: 'type', default: 'int32' } },
  shape: (c) => {
    checkIndexInput(c, 0, 'x', 1);
    return out1(c.inputs[0].dtype, c.inputs[0].shape);
  },
  cpu: ([x], _, ctx) => {
    const fail = (m: string): never => { throw kernelError('InvertPermutation', ctx.name, m); };
    if (x.rank !== 1) fail(`invert_permutation expects a 1D vector, got shape ${formatShape(x.shape)}`);
    const n = x.size;
    const out = empty(x.dtype, [n]);
    out.data.fill(-1);
    for (let i = 0; i < n; i++) {
      const v = x.data[i];
      if (!(v >= 0 && v < n)) fail(`${v} is not between 0 and ${n}`);
      if (out.data[v] !== -1) fail(`${v} is duplicated in the input.`);
      out.data[v] = i;
    }
    return [out];
  },
  gpu: invertPermutationKernel,
  grad: 'not-differentiable',
});

/** `tf.invertPermutation(x, {name?})`: y[x[i]] = i for a permutation x of 0..n-1 (int32 or int64). */
export function invertPermutation(x: TensorLike, opts: NameOpt = {}): Tensor {
  const g = graphOf(x);
  const t = x instanceof Tensor ? convertToTensor(x) : convertToTensor(x, 'int32', 'x', g);
  return addOp('InvertPermutation', [t], { T: t.dtype }, { name: opts.name ?? 'InvertPermutation', graph: g }).outputs[0];
}

// ---- ParallelConcat ---------------------------------------------------------------------------------------------------

defineOp({
  type: 'ParallelConcat',
  inputs: ['values*'],
  attrs: { N: { type: 'int' }, T: { type: 'type' }, shape: { type: 'shape' } },
  shape: (c) => {
    const values = c.inputs;
    const s = c.attrs.shape as Shape;
    if (s === null || s.some((d) => d === null)) c.fail(`shape attr must be fully defined, got ${formatShape(s)}`);
    const full = s as number[];
    if (full.length === 0) c.fail('shape attr must have rank >= 1');
    if (values.length < 1) c.fail('ParallelConcat needs at least 1 value');
    if (full[0] !== values.length) c.fail(`shape attr's first dim ${full[0]} must be the number of values (${values.length})`);
    for (const v of values) {
      if (v.dtype !== values[0].dtype) c.fail(`inputs must have one dtype, got '${values[0].name}' ${values[0].dtype} and '${v.name}' ${v.dtype}`);
      if (v.shape === null || v.shape.some((d) => d === null)) c.fail(`All input shapes must be fully defined, got '${v.name}' ${formatShape(v.shape)}`);
      if (v.shape![0] !== 1) c.fail(`Size of first dimension must be 1, got '${v.name}' ${formatShape(v.shape)}`);
      if (v.shape!.length !== full.length || v.shape!.some((d, i) => i > 0 && mergeDim(d, full[i]) === undefined)) {
        c.fail(`'${v.name}' ${formatShape(v.shape)} does not match the shape attr ${formatShape(full)} (with first dim 1)`);
      }
    }
    return out1(values[0].dtype, [...full]);
  },
  cpu: (values, attrs, ctx) => {
    const s = attrs.shape as number[];
    const out = empty(values[0].dtype, s);
    const chunk = product(s.slice(1));
    values.forEach((v, i) => {
      if (v.size !== chunk) throw kernelError('ParallelConcat', ctx.name, `values[${i}] ${formatShape(v.shape)} does not match the shape attr ${formatShape(s)}`);
      out.data.set(v.data, i * chunk);
    });
    return [out];
  },
  gpu: (k) => (k.outputs[0].size === 0 ? { dispatches: [] } : joinKernel(k, k.inputs.map((_, i) => i), 1, k.inputs.map((v) => v.size))),
  // TF registers no gradient for ParallelConcat (tf.parallel_stack does not support backpropagation).
  grad: 'not-differentiable',
});

/**
 * `tf.parallelStack(values, {name?})`: TF1's `tf.parallel_stack`: each value expanded to [1, ...] and joined by
 * ParallelConcat along a new first axis. The values' shapes must be fully known while building. Not differentiable.
 */
export function parallelStack(values: readonly TensorLike[], opts: NameOpt = {}): Tensor {
  const name = opts.name ?? 'parallel_stack';
  if (!Array.isArray(values) || values.length === 0) throw new InvalidArgumentError(`tf.parallelStack '${name}': expected a non-empty list of tensors`);
  const g = graphOf(...values);
  return scoped(g, name, (node) => {
    const xs = convertSameType(values, `ParallelConcat node '${node.name}'`);
    const s0 = xs[0].shape;
    if (s0 === null || s0.some((d) => d === null)) throw new InvalidArgumentError(`tf.parallelStack '${name}': the values' shapes must be fully known, got ${formatShape(s0)}`);
    const expanded = xs.map((x) => expandDims(x, 0));
    return addOp('ParallelConcat', expanded, { N: xs.length, T: xs[0].dtype, shape: [xs.length, ...(s0 as number[])] }, node).outputs[0];
  });
}

// ---- LinSpace ---------------------------------------------------------------------------------------------------------

const LINSPACE_DTYPES: readonly DType[] = ['float32', 'float64'];

defineOp({
  type: 'LinSpace',
  inputs: ['start', 'stop', 'num'],
  attrs: { T: { type: 'type' }, Tidx: { type: 'type', default: 'int32' } },
  shape: (c) => {
    const [start, stop] = c.inputs;
    if (!LINSPACE_DTYPES.includes(start.dtype)) c.fail(`start '${start.name}' must be float32 or float64, got ${start.dtype}`);
    if (stop.dtype !== start.dtype) c.fail(`start and stop must have one dtype, got ${start.dtype} and ${stop.dtype}`);
    for (const [i, what] of [[0, 'start'], [1, 'stop']] as const) {
      const t = c.inputs[i];
      if (t.shape !== null && t.shape.length !== 0) c.fail(`${what} must be a scalar, got shape ${formatShape(t.shape)}`);
    }
    checkIndexInput(c, 2, 'num', 0);
    const nv = c.constValue(2);
    if (nv !== null && !(nv.data[0] > 0)) c.fail(`Requires num > 0: ${nv.data[0]}`);
    return out1(start.dtype, [nv === null ? null : nv.data[0]]);
  },
  cpu: ([start, stop, num], _, ctx) => {
    const fail = (m: string): never => { throw kernelError('LinSpace', ctx.name, m); };
    if (start.rank !== 0 || stop.rank !== 0 || num.rank !== 0) fail(`start, stop and num must be scalars, got ${formatShape(start.shape)}, ${formatShape(stop.shape)}, ${formatShape(num.shape)}`);
    const n = num.data[0];
    if (!(n > 0)) fail(`Requires num > 0: ${n}`);
    const out = empty(start.dtype, [n]);
    // In T's precision, as TF's kernel: step = (stop - start) / (num - 1), start + step * i, the last value exactly stop.
    const r = start.dtype === 'float32' ? Math.fround : (v: number): number => v;
    const a = start.data[0], b = stop.data[0];
    if (n === 1) {
      out.data[0] = a;
    } else {
      const step = r(r(b - a) / (n - 1));
      for (let i = 0; i < n - 1; i++) out.data[i] = r(a + r(step * i));
      out.data[n - 1] = b;
    }
    return [out];
  },
  gpu: linSpaceKernel,
  grad: 'not-differentiable',
});

/** `tf.linspace(start, stop, num, {name?})` (TF1's `tf.lin_space`): num evenly spaced values from start to stop. */
export function linspace(start: TensorLike, stop: TensorLike, num: number | Tensor, opts: NameOpt = {}): Tensor {
  const g = graphOf(start, stop, num);
  return scoped(g, opts.name ?? 'LinSpace', (node) => {
    const dt = start instanceof Tensor ? start.dtype : stop instanceof Tensor ? stop.dtype : 'float32';
    const a = valueTensor(start, 'start', g, dt);
    const b = valueTensor(stop, 'stop', g, dt);
    const n = num instanceof Tensor ? convertToTensor(num) : constant(num, { dtype: 'int32', name: 'num', graph: g });
    return addOp('LinSpace', [a, b, n], { T: a.dtype, Tidx: n.dtype }, node).outputs[0];
  });
}
