// Arrays: shape manipulation, slicing, joining, gathering (TF's array_ops).
//
// Builders follow TF1's graph layout: a builder opens a name scope named after the node (`Reshape`), converts its
// arguments inside it (`Reshape/shape`), and names the op after the scope itself, so `tf.reshape(x, [-1, 784])` makes
// `Reshape/shape` (Const) and `Reshape`, as TF1 does. Default node names are TF1's Python defaults where those differ
// from the op type (`transpose`, `concat`, `stack`, `unstack`, `zeros`, `ones`, `zeros_like`, `ones_like`, `range`,
// `one_hot`).
import { allocArray, castScalar, DType, isInt } from '../graph/dtypes.js';
import { InternalError, InvalidArgumentError, UnimplementedError } from '../graph/errors.js';
import { getDefaultGraph, Graph } from '../graph/graph.js';
import { NDArray } from '../graph/ndarray.js';
import { Dim, formatShape, mergeDim, normAxis, Shape, sizeOf, stridesOf } from '../graph/shape.js';
import { Operation, Tensor } from '../graph/tensor.js';
import { empty, intList } from './cpu.js';
import { binding, GpuBinding, GpuDispatch, GpuKernel, GpuKernelContext, grid, literal, Params, WG, wgslType } from './gpu.js';
import { add, cast, greaterEqual, maximum, mul, reduceProd, reduceSum, sub, where } from './math.js';
import { addOp, AddOpOptions, defineOp, OutputSpec, ShapeContext, staticValue } from './registry.js';
import { constant, convertSameType, convertToTensor, identity, NameOpt, TensorLike } from './values.js';
import { affineCopy, fillKernel, fillValue, gatherKernel, joinKernel, oneHotKernel, rangeKernel, splitKernel } from './wgsl/array.js';

// ---- helpers ----------------------------------------------------------------------------------------------------------

const INDEX_DTYPES: readonly DType[] = ['int32', 'int64'];

/** An InvalidArgumentError from a kernel, naming the node as the shape rules' errors do. */
export function kernelError(type: string, node: string, message: string): InvalidArgumentError {
  return new InvalidArgumentError(`${type} node '${node}': ${message}`);
}

/** Fails unless input i is int32/int64 and, when its rank is known, has rank `rank` (when given). */
export function checkIndexInput(c: ShapeContext, i: number, what: string, rank?: number): void {
  const t = c.inputs[i];
  if (!INDEX_DTYPES.includes(t.dtype)) c.fail(`${what} '${t.name}' must be int32 or int64, got ${t.dtype}`);
  if (rank !== undefined && t.shape !== null && t.shape.length !== rank) {
    c.fail(`${what} '${t.name}' must be ${rank === 0 ? 'a scalar' : rank === 1 ? 'a vector' : `of rank ${rank}`}, got shape ${formatShape(t.shape)}`);
  }
}

/** The static length of a 1-D input, when known. */
function vectorLength(t: Tensor): number | null {
  return t.shape !== null && t.shape.length === 1 ? t.shape[0] : null;
}

/** A shape as written by the user (`-1` shown as `-1`, unknown as `?`). */
function formatDims(dims: readonly Dim[]): string {
  return `[${dims.map((d) => (d === null ? '?' : String(d))).join(',')}]`;
}

function product(dims: readonly number[]): number { return dims.reduce((p, d) => p * d, 1); }

/** A copy of `x` with a new shape (never aliasing: a fetched result must not share a variable's storage). */
function reshaped(x: NDArray, shape: readonly number[]): NDArray { return x.copy().reshape(shape); }

/** out[i0, ..., ik] = x[idx[0][i0], ..., idx[k][ik]]: the generic selection behind Slice, StridedSlice and Tile. */
function selectAxes(x: NDArray, idx: readonly (readonly number[])[]): NDArray {
  const shape = idx.map((a) => a.length);
  const out = empty(x.dtype, shape);
  const n = out.size;
  if (n === 0) return out;
  const rank = shape.length;
  const strides = stridesOf(x.shape);
  const counter = new Array<number>(rank).fill(0);
  for (let i = 0; i < n; i++) {
    let src = 0;
    for (let ax = 0; ax < rank; ax++) src += idx[ax][counter[ax]] * strides[ax];
    out.data[i] = x.data[src];
    for (let ax = rank - 1; ax >= 0; ax--) {
      if (++counter[ax] < shape[ax]) break;
      counter[ax] = 0;
    }
  }
  return out;
}

export function graphOf(...xs: unknown[]): Graph {
  for (const x of xs) if (x instanceof Tensor) return x.graph;
  return getDefaultGraph();
}

/** TF1's builder layout: a scope named after the node; the node takes the scope's exact name. */
export function scoped<T>(g: Graph, name: string, fn: (node: AddOpOptions) => T): T {
  return g.withNameScope(name, (scope) => fn({ name: scope, exactName: true, graph: g }));
}

export type IntArg = number | readonly number[] | Tensor | NDArray;

/** A shape-like argument: a Tensor (int32/int64), or JS numbers that become an int32 Const named `argName`. */
export function intTensor(v: IntArg, argName: string, g: Graph, what: string): Tensor {
  if (v instanceof Tensor || v instanceof NDArray) {
    const t = convertToTensor(v, undefined, argName, g);
    if (!INDEX_DTYPES.includes(t.dtype)) throw new InvalidArgumentError(`${what}: ${argName} '${t.name}' must be int32 or int64, got ${t.dtype}`);
    return t;
  }
  if (typeof v !== 'number' && !Array.isArray(v)) throw new InvalidArgumentError(`${what}: ${argName} must be a number, an array of numbers or an int tensor`);
  return constant(typeof v === 'number' ? v : [...v], { dtype: 'int32', shape: typeof v === 'number' ? undefined : [v.length], name: argName, graph: g });
}

/** A tensor argument: JS numbers become float32 (or `dtype`), Tensors keep theirs. */
export function valueTensor(x: TensorLike, argName: string, g: Graph, dtype?: DType): Tensor {
  return x instanceof Tensor ? convertToTensor(x) : convertToTensor(x, dtype, argName, g);
}

export const out1 = (dtype: DType, shape: Shape): OutputSpec[] => [{ dtype, shape }];

/** The GPU side of ops whose output is the input's bytes in the same order: the output shares the input's buffer. */
export const ALIAS_INPUT = (): GpuKernel => ({ dispatches: [], alias: { 0: 0 } });

/** The GPU side of shape-only ops: the WebGPU compiler computes them when it compiles a plan. */
export const COMPUTED_AT_COMPILE_TIME = (k: GpuKernelContext): GpuKernel => {
  throw new InternalError(`${k.type} node '${k.name}' is computed at compile time and has no kernel`);
};

// ---- gradient helpers -------------------------------------------------------------------------------------------------
// Gradients need shapes as values. When they are known while building they stay JS numbers (and become Consts);
// otherwise the graph computes them from Shape nodes, which the WebGPU executor folds on the host.

/** A 1-D int vector: JS numbers, or an int tensor the graph computes. */
type IntVec = number[] | Tensor;

function staticDims(t: Tensor): number[] | null {
  return t.shape !== null && t.shape.every((d) => d !== null) ? (t.shape as number[]) : null;
}

/** x's shape: JS numbers when fully known while building, else a Shape node. */
function shapeVec(x: Tensor): IntVec { return staticDims(x) ?? shape(x); }

/** x's shape as a tensor of `dtype` (int32 or int64). */
function shapeTensor(x: Tensor, dtype: DType): Tensor {
  const s = staticDims(x);
  return s !== null ? constant(s, { dtype, shape: [s.length], name: 'Shape' }) : shape(x, { outType: dtype });
}

/** An IntVec as an int32 tensor. */
function vecTensor(v: IntVec): Tensor {
  if (Array.isArray(v)) return constant(v, { dtype: 'int32', shape: [v.length] });
  return v.dtype === 'int32' ? v : cast(v, 'int32');
}

/** An IntVec as a builder argument: JS numbers stay numbers, a tensor becomes int32. */
function vecTensorOrArray(v: IntVec): number[] | Tensor { return Array.isArray(v) ? v : vecTensor(v); }

/** v[start:end] (to the end without `end`). */
function vecSlice(v: IntVec, start: number, end?: number): IntVec {
  if (Array.isArray(v)) return v.slice(start, end);
  return stridedSlice(v, [start], [end ?? 0], [1], { endMask: end === undefined ? 1 : 0 });
}

/** [the product of v's entries] (1 for an empty v). */
function vecProd(v: IntVec): IntVec {
  return Array.isArray(v) ? [product(v)] : reduceProd(vecTensor(v), 0, true);
}

function vecConcat(parts: readonly IntVec[]): IntVec {
  if (parts.every((p): p is number[] => Array.isArray(p))) return parts.flat();
  return concat(parts.map(vecTensor), 0);
}

/** a op b entrywise, on JS numbers when both are known. */
function vecOp(a: IntVec, b: IntVec, f: (x: number, y: number) => number, g: (x: Tensor, y: Tensor) => Tensor): IntVec {
  if (Array.isArray(a) && Array.isArray(b)) return a.map((x, i) => f(x, b[i]));
  return g(vecTensor(a), vecTensor(b));
}

/** The one entry of a 1-vector, as a number or an int32 scalar tensor. */
function vecScalar(v: IntVec): number | Tensor { return Array.isArray(v) ? v[0] : reshape(v, []); }

/** An int input's value as JS numbers when known while building, else the (int32) tensor. */
function intVecOf(t: Tensor): IntVec {
  const v = staticValue(t);
  return v !== null ? intList(v) : vecTensor(t);
}

/** out[idx[0][i0], ..., idx[k][ik]] = src[i0, ..., ik]: the inverse of selectAxes, behind Pad and StridedSliceGrad. */
function scatterAxes(out: NDArray, idx: readonly (readonly number[])[], src: NDArray): void {
  if (src.size === 0) return;
  const rank = idx.length;
  const strides = stridesOf(out.shape);
  const counter = new Array<number>(rank).fill(0);
  for (let i = 0; i < src.size; i++) {
    let dst = 0;
    for (let ax = 0; ax < rank; ax++) dst += idx[ax][counter[ax]] * strides[ax];
    out.data[dst] = src.data[i];
    for (let ax = rank - 1; ax >= 0; ax--) {
      if (++counter[ax] < idx[ax].length) break;
      counter[ax] = 0;
    }
  }
}

/**
 * The GPU side of Pad and StridedSliceGrad: zeros of the output's shape, except that along each dim d the positions
 * begin_d + k * stride_d (0 <= k < n_d) hold the elements of input `input` (the box [n_0, n_1, ...] in row-major
 * order). One thread per output element; shapes, begins and strides are uniform parameters (ops/gpu.ts Params), so
 * the Pads of a model share one pipeline.
 */
function embedKernel(k: GpuKernelContext, input: number, dims: ReadonlyArray<{ begin: number; stride: number; n: number }>): GpuKernel {
  const out = k.outputs[0];
  if (out.size === 0) return { dispatches: [] };
  const zero = literal(0, out.dtype);
  if (k.inputs[input].size === 0) return fillKernel(k, { literal: zero });
  const t = wgslType(out.dtype);
  const srcStrides = stridesOf(dims.map((d) => d.n));
  const p = new Params(out.size);
  const lets: string[] = [], conds: string[] = [], terms: string[] = [];
  const kept = dims.map((d, a) => a).filter((a) => !(out.shape[a] === 1 && dims[a].n === 1));
  lets.push(p.coords('i', kept.map((a) => [`size${a}`, out.shape[a]] as const).reverse(), 'c'));
  dims.forEach((d, a) => {
    if (!kept.includes(a)) return;
    lets.push(`let r${a} = i32(c${kept.length - 1 - kept.indexOf(a)}) - ${p.i(`begin${a}`, d.begin)};`);
    if (d.stride === 1) {
      lets.push(`let q${a} = r${a};`);
    } else {
      lets.push(`let q${a} = r${a} / ${p.i(`stride${a}`, d.stride)};`);
      conds.push(`r${a} % ${p.i(`stride${a}`, d.stride)} == 0`);
    }
    conds.push(`q${a} >= 0`, `q${a} < ${p.i(`n${a}`, d.n)}`);
    terms.push(srcStrides[a] === 1 ? `u32(q${a})` : `u32(q${a}) * ${p.u(`ss${a}`, srcStrides[a])}`);
  });
  const g = grid(out.size);
  const count = p.u('count', out.size);
  const code = `${binding(0, 'x', t)}
${binding(1, 'y', t, true)}
${p.decl(2)}
@compute @workgroup_size(${WG}) fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = ${g.flatIndex};
  if (i >= ${count}) { return; }
  ${lets.join('\n  ')}
  if (${conds.length === 0 ? 'true' : conds.join(' && ')}) { y[i] = x[${terms.length === 0 ? '0u' : terms.join(' + ')}]; } else { y[i] = ${zero}; }
}`;
  return { dispatches: [{ code, bindings: [{ input }, { output: 0 }, ...p.bindings()], workgroups: g.workgroups }] };
}

// ---- Reshape ----------------------------------------------------------------------------------------------------------

defineOp({
  type: 'Reshape',
  inputs: ['tensor', 'shape'],
  attrs: { T: { type: 'type' }, Tshape: { type: 'type', default: 'int32' } },
  shape: (c) => {
    const x = c.inputs[0];
    checkIndexInput(c, 1, 'shape', 1);
    const target = c.constShape(1);
    if (target === null) return out1(x.dtype, null);
    let inferIdx = -1;
    target.forEach((d, i) => {
      if (d === null) return;
      if (d === -1) {
        if (inferIdx >= 0) c.fail(`Only one input size may be -1, not both ${inferIdx} and ${i} (shape ${formatDims(target)})`);
        inferIdx = i;
      } else if (d < 0) {
        c.fail(`Size ${i} must be non-negative, not ${d} (shape ${formatDims(target)})`);
      }
    });
    // TensorFlow's SetOutputShapeForReshape: -1 and unknown entries are both unknown dims; with at most one unknown
    // dim on each side, the element counts decide them.
    const out: Dim[] = target.map((d) => (d === -1 ? null : d));
    const inS = x.shape;
    if (inS === null) return out1(x.dtype, out);
    const count = (s: readonly Dim[]): { known: number; unknownIdx: number; many: boolean } => {
      let known = 1, unknownIdx = -1, many = false;
      s.forEach((d, i) => {
        if (d === null) { if (unknownIdx >= 0) many = true; unknownIdx = i; } else known *= d;
      });
      return { known, unknownIdx, many };
    };
    const o = count(out), n = count(inS);
    if (o.many || n.many) return out1(x.dtype, out);
    const what = `Cannot reshape a tensor with ${n.unknownIdx < 0 ? n.known : `? (${formatShape(inS)})`} elements to shape ${formatDims(target)}`;
    if (n.unknownIdx < 0 && o.unknownIdx < 0) {
      if (n.known !== o.known) c.fail(`Cannot reshape a tensor with ${n.known} elements to shape ${formatDims(target)} (${o.known} elements)`);
    } else if (n.unknownIdx < 0 && o.known > 0) {
      if (n.known % o.known !== 0) c.fail(`${what}: ${n.known} is not divisible by ${o.known}`);
      out[o.unknownIdx] = n.known / o.known;
    } else if (n.unknownIdx < 0) {
      // Known product 0: the unknown dim cannot be inferred (an error at run time unless the input is empty too).
      if (n.known !== 0) c.fail(`${what} (0 elements)`);
    } else if (o.unknownIdx < 0) {
      if (n.known !== 0 && o.known % n.known !== 0) {
        c.fail(`Cannot reshape a tensor of shape ${formatShape(inS)} to shape ${formatDims(target)} (${o.known} elements): ${o.known} is not divisible by ${n.known}`);
      }
    } else if (n.known === o.known) {
      out[o.unknownIdx] = inS[n.unknownIdx];
    }
    return out1(x.dtype, out);
  },
  cpu: ([x, s], _, ctx) => {
    const fail = (m: string): never => { throw kernelError('Reshape', ctx.name, m); };
    if (s.rank !== 1) fail(`shape must be a vector, got shape ${formatShape(s.shape)}`);
    const dims = intList(s);
    // TF 1.x's ReshapeOp: zero sizes stay out of the product, so an empty input still infers its -1 from the
    // non-zero dims on both sides (reshaping [1,2,0] to [2,0,-1] gives [2,0,1]).
    let inferIdx = -1, prod = 1;
    dims.forEach((d, i) => {
      if (d === -1) {
        if (inferIdx >= 0) fail(`Only one input size may be -1, not both ${inferIdx} and ${i}`);
        inferIdx = i;
      } else if (d < 0) {
        fail(`Size ${i} must be non-negative, not ${d}`);
      } else if (d > 0) {
        prod *= d;
      }
    });
    const out = [...dims];
    if (inferIdx >= 0) {
      const zeroSize = dims.includes(0);
      let inElems = 1, inZero = false;
      for (const d of x.shape) { if (d > 0 || !zeroSize) inElems *= d; else inZero = true; }
      const missing = Math.floor(inElems / prod);
      if (!inZero && prod * missing !== inElems) fail(`Input to reshape is a tensor with ${x.size} values, but the requested shape requires a multiple of ${prod}`);
      out[inferIdx] = missing;
    }
    if (sizeOf(out) !== x.size) fail(`Input to reshape is a tensor with ${x.size} values, but the requested shape has ${sizeOf(out)}`);
    return [reshaped(x, out)];
  },
  gpu: ALIAS_INPUT,
  grad: (op, [dy]) => [reshape(dy!, shapeVec(op.inputs[0])), null],
});

/** `tf.reshape(x, shape, {name?})`: shape is JS numbers (one -1 is inferred) or an int tensor. */
export function reshape(x: TensorLike, shape: IntArg, opts: NameOpt = {}): Tensor {
  const g = graphOf(x, shape);
  const name = opts.name ?? 'Reshape';
  return scoped(g, name, (node) => {
    const t = valueTensor(x, 'tensor', g);
    const s = intTensor(shape, 'shape', g, `tf.reshape '${name}'`);
    return addOp('Reshape', [t, s], { T: t.dtype, Tshape: s.dtype }, node).outputs[0];
  });
}

// ---- Transpose --------------------------------------------------------------------------------------------------------

function checkPerm(perm: readonly number[], rank: number, fail: (m: string) => never): void {
  if (perm.length !== rank) fail(`transpose expects a vector of size ${rank}. But input(1) is a vector of size ${perm.length}`);
  const seen = new Set<number>();
  for (const p of perm) {
    if (!Number.isInteger(p) || p < 0 || p >= rank) fail(`perm ${formatDims(perm)}: ${p} is out of range [0 .. ${rank})`);
    if (seen.has(p)) fail(`perm ${formatDims(perm)}: ${p} is repeated`);
    seen.add(p);
  }
}

defineOp({
  type: 'Transpose',
  inputs: ['x', 'perm'],
  attrs: { T: { type: 'type' }, Tperm: { type: 'type', default: 'int32' } },
  shape: (c) => {
    const x = c.inputs[0];
    checkIndexInput(c, 1, 'perm', 1);
    const pv = c.constValue(1);
    const rank = x.rank ?? vectorLength(c.inputs[1]);
    if (pv === null) return out1(x.dtype, rank === null ? null : new Array<Dim>(rank).fill(null));
    const perm = intList(pv);
    checkPerm(perm, rank ?? perm.length, c.fail);
    return out1(x.dtype, x.shape === null ? new Array<Dim>(perm.length).fill(null) : perm.map((p) => x.shape![p]));
  },
  cpu: ([x, p], _, ctx) => {
    const perm = intList(p);
    checkPerm(perm, x.rank, (m) => { throw kernelError('Transpose', ctx.name, m); });
    const outShape = perm.map((q) => x.shape[q]);
    const out = empty(x.dtype, outShape);
    const inStrides = stridesOf(x.shape);
    const src = perm.map((q) => inStrides[q]);
    const counter = new Array<number>(outShape.length).fill(0);
    for (let i = 0; i < out.size; i++) {
      let s = 0;
      for (let ax = 0; ax < counter.length; ax++) s += counter[ax] * src[ax];
      out.data[i] = x.data[s];
      for (let ax = counter.length - 1; ax >= 0; ax--) {
        if (++counter[ax] < outShape[ax]) break;
        counter[ax] = 0;
      }
    }
    return [out];
  },
  gpu: (k) => {
    const x = k.inputs[0];
    const strides = stridesOf(x.shape);
    return affineCopy(k, 0, intList(k.requireConst(1, 'perm')).map((p) => ({ n: x.shape[p], stride: strides[p] })), 0);
  },
  grad: (op, [dy]) => [transpose(dy!, invertPermutation(op.inputs[1])), null],
});

/** `tf.transpose(x, perm?, {name?})`: perm defaults to reversing the axes. */
export function transpose(x: TensorLike, perm?: IntArg | null, opts: NameOpt = {}): Tensor {
  const g = graphOf(x, perm);
  const name = opts.name ?? 'transpose';
  return scoped(g, name, (node) => {
    const t = valueTensor(x, 'a', g);
    let p: Tensor;
    if (perm !== undefined && perm !== null) {
      p = intTensor(perm, 'perm', g, `tf.transpose '${name}'`);
    } else if (t.rank !== null) {
      p = constant([...Array(t.rank).keys()].reverse(), { dtype: 'int32', shape: [t.rank], name: 'perm', graph: g });
    } else {
      // (rank - 1) - range(0, rank, 1), as TF1 builds it for an unknown rank.
      const r = addOp('Rank', [t], { T: t.dtype }, { name: 'Rank', graph: g }).outputs[0];
      const one = constant(1, { dtype: 'int32', name: 'sub/y', graph: g });
      const rm1 = addOp('Sub', [r, one], { T: 'int32' }, { name: 'sub', graph: g }).outputs[0];
      const rng = addOp('Range', [constant(0, { dtype: 'int32', name: 'Range/start', graph: g }), r,
        constant(1, { dtype: 'int32', name: 'Range/delta', graph: g })], { Tidx: 'int32' }, { name: 'Range', graph: g }).outputs[0];
      p = addOp('Sub', [rm1, rng], { T: 'int32' }, { name: 'sub_1', graph: g }).outputs[0];
    }
    return addOp('Transpose', [t, p], { T: t.dtype, Tperm: p.dtype }, node).outputs[0];
  });
}

/** TF's InvertPermutation, for Transpose's gradient: JS numbers when perm is known, else a scatter of range(n). */
function invertPermutation(perm: Tensor): IntVec {
  const v = staticValue(perm);
  if (v !== null) {
    const inv: number[] = [];
    intList(v).forEach((p, i) => { inv[p] = i; });
    return inv;
  }
  const n = size(perm);
  return unsortedSegmentSum(range(0, n), perm, n);
}

// ---- ExpandDims and Squeeze -------------------------------------------------------------------------------------------

defineOp({
  type: 'ExpandDims',
  inputs: ['input', 'dim'],
  attrs: { T: { type: 'type' }, Tdim: { type: 'type', default: 'int32' } },
  shape: (c) => {
    const x = c.inputs[0];
    checkIndexInput(c, 1, 'dim');
    const dv = c.constValue(1);
    if (dv !== null && dv.size !== 1) c.fail(`'dim' must be a tensor with a single value, got shape ${formatShape(dv.shape)}`);
    if (x.shape === null) return out1(x.dtype, null);
    const r = x.shape.length;
    if (dv === null) return out1(x.dtype, new Array<Dim>(r + 1).fill(null));
    const ax = normAxis(dv.data[0], r + 1)
      ?? c.fail(`Tried to expand dim index ${dv.data[0]} for tensor with ${r} dimensions (shape ${formatShape(x.shape)})`);
    const s = [...x.shape];
    s.splice(ax, 0, 1);
    return out1(x.dtype, s);
  },
  cpu: ([x, d], _, ctx) => {
    if (d.size !== 1) throw kernelError('ExpandDims', ctx.name, `'dim' must be a tensor with a single value, got shape ${formatShape(d.shape)}`);
    const ax = normAxis(d.data[0], x.rank + 1);
    if (ax === undefined) throw kernelError('ExpandDims', ctx.name, `Tried to expand dim index ${d.data[0]} for tensor with ${x.rank} dimensions`);
    const s = [...x.shape];
    s.splice(ax, 0, 1);
    return [reshaped(x, s)];
  },
  gpu: ALIAS_INPUT,
  grad: (op, [dy]) => [reshape(dy!, shapeVec(op.inputs[0])), null],
});

/** `tf.expandDims(x, axis, {name?})`: inserts a dim of 1 at `axis` (negative counts from the end, in [-rank-1, rank]). */
export function expandDims(x: TensorLike, axis: number | Tensor, opts: NameOpt = {}): Tensor {
  const g = graphOf(x, axis);
  const name = opts.name ?? 'ExpandDims';
  return scoped(g, name, (node) => {
    const t = valueTensor(x, 'input', g);
    const d = intTensor(axis, 'dim', g, `tf.expandDims '${name}'`);
    return addOp('ExpandDims', [t, d], { T: t.dtype, Tdim: d.dtype }, node).outputs[0];
  });
}

/** Squeeze's output shape for a concrete or static input shape; null when it cannot be known. */
function squeezeShape(shape: readonly Dim[], dims: readonly number[], fail: (m: string) => never): Dim[] | null {
  const r = shape.length;
  const wrapped = new Set<number>();
  for (const d of dims) {
    const a = normAxis(d, r);
    if (a === undefined) fail(`Tried to squeeze dim index ${d} for tensor with ${r} dimensions (shape ${formatShape(shape as Dim[])})`);
    wrapped.add(a);
  }
  const out: Dim[] = [];
  for (let i = 0; i < r; i++) {
    const d = shape[i];
    const explicit = wrapped.has(i);
    if (d === null) {
      if (explicit) continue;
      if (wrapped.size === 0) return null;
    } else if (d === 1) {
      if (explicit || wrapped.size === 0) continue;
    } else if (explicit) {
      fail(`Can not squeeze dim[${i}], expected a dimension of 1, got ${d} (shape ${formatShape(shape as Dim[])})`);
    }
    out.push(d);
  }
  return out;
}

defineOp({
  type: 'Squeeze',
  inputs: ['input'],
  attrs: { T: { type: 'type' }, squeeze_dims: { type: 'list(int)', default: [] } },
  shape: (c) => {
    const x = c.inputs[0];
    if (x.shape === null) return out1(x.dtype, null);
    return out1(x.dtype, squeezeShape(x.shape, c.attrs.squeeze_dims as number[], c.fail));
  },
  cpu: ([x], attrs, ctx) => {
    const s = squeezeShape(x.shape, attrs.squeeze_dims as number[], (m) => { throw kernelError('Squeeze', ctx.name, m); });
    return [reshaped(x, s as number[])];
  },
  gpu: ALIAS_INPUT,
  grad: (op, [dy]) => [reshape(dy!, shapeVec(op.inputs[0]))],
});

/** `tf.squeeze(x, axis?, {name?})`: removes dims of size 1 (all of them, or those in `axis`, which must be 1). */
export function squeeze(x: TensorLike, axis?: number | readonly number[] | null, opts: NameOpt = {}): Tensor {
  const g = graphOf(x);
  return scoped(g, opts.name ?? 'Squeeze', (node) => {
    const t = valueTensor(x, 'input', g);
    const dims = axis === undefined || axis === null ? [] : typeof axis === 'number' ? [axis] : [...axis];
    return addOp('Squeeze', [t], { T: t.dtype, squeeze_dims: dims }, node).outputs[0];
  });
}

// ---- ConcatV2, Pack, Unpack -------------------------------------------------------------------------------------------

function checkSameDtype(c: ShapeContext, xs: readonly Tensor[]): DType {
  for (const t of xs) {
    if (t.dtype !== xs[0].dtype) c.fail(`inputs must have one dtype, got ${xs.map((v) => `'${v.name}' ${v.dtype}`).join(', ')}`);
  }
  return xs[0].dtype;
}

defineOp({
  type: 'ConcatV2',
  inputs: ['values*', 'axis'],
  attrs: { T: { type: 'type' }, N: { type: 'int' }, Tidx: { type: 'type', default: 'int32' } },
  shape: (c) => {
    const values = c.inputs.slice(0, -1);
    if (values.length < 2) c.fail(`ConcatV2 needs at least 2 values, got ${values.length}`);
    const dtype = checkSameDtype(c, values);
    checkIndexInput(c, c.inputs.length - 1, 'axis', 0);
    const known = values.filter((v) => v.shape !== null);
    if (known.length === 0) return out1(dtype, null);
    const rank = known[0].shape!.length;
    for (const v of known) {
      if (v.shape!.length !== rank) {
        c.fail(`Ranks of all input tensors should match: shape[0] = ${formatShape(known[0].shape)} vs. '${v.name}' ${formatShape(v.shape)}`);
      }
    }
    if (rank === 0) c.fail(`Can't concatenate scalars (use tf.stack instead)`);
    const av = c.constValue(c.inputs.length - 1);
    if (av === null) return out1(dtype, new Array<Dim>(rank).fill(null));
    const axis = normAxis(av.data[0], rank) ?? c.fail(`Expected concatenating dimensions in the range [${-rank}, ${rank}), but got ${av.data[0]}`);
    const out: Dim[] = new Array<Dim>(rank).fill(null);
    let sum: Dim = 0;
    for (const v of values) {
      if (v.shape === null) { sum = null; continue; }
      const d = v.shape[axis];
      sum = sum === null || d === null ? null : sum + d;
    }
    let first: Tensor | null = null;
    for (const v of known) {
      for (let i = 0; i < rank; i++) {
        if (i === axis) continue;
        const m = mergeDim(out[i], v.shape![i]);
        if (m === undefined) {
          return c.fail(`Dimension ${i} in both shapes must be equal, but are ${out[i]} and ${v.shape![i]}. Shapes are ${formatShape(first!.shape)} and ${formatShape(v.shape)} ('${first!.name}' and '${v.name}', concatenating on axis ${axis})`);
        }
        out[i] = m;
      }
      first ??= v;
    }
    out[axis] = sum;
    return out1(dtype, out);
  },
  cpu: (inputs, _, ctx) => {
    const values = inputs.slice(0, -1);
    const a = inputs[inputs.length - 1];
    const fail = (m: string): never => { throw kernelError('ConcatV2', ctx.name, m); };
    const rank = values[0].rank;
    if (rank === 0) fail(`Can't concatenate scalars (use tf.stack instead)`);
    const axis = normAxis(a.data[0], rank);
    if (axis === undefined) return fail(`Expected concatenating dimensions in the range [${-rank}, ${rank}), but got ${a.data[0]}`);
    let total = 0;
    values.forEach((v, k) => {
      if (v.rank !== rank || v.shape.some((d, i) => i !== axis && d !== values[0].shape[i])) {
        fail(`Dimensions of inputs should match: shape[0] = ${formatShape(values[0].shape)} vs. shape[${k}] = ${formatShape(v.shape)} (axis ${axis})`);
      }
      total += v.shape[axis];
    });
    const outShape = [...values[0].shape];
    outShape[axis] = total;
    const out = empty(values[0].dtype, outShape);
    const outer = product(outShape.slice(0, axis));
    const chunks = values.map((v) => product(v.shape.slice(axis)));
    let pos = 0;
    for (let o = 0; o < outer; o++) {
      values.forEach((v, k) => {
        out.data.set(v.data.subarray(o * chunks[k], (o + 1) * chunks[k]), pos);
        pos += chunks[k];
      });
    }
    return [out];
  },
  gpu: (k) => {
    const n = k.inputs.length - 1;
    const out = k.outputs[0];
    const axis = normAxis(k.requireConst(n, 'axis').data[0], out.shape.length) as number;
    const values = k.inputs.slice(0, n);
    return joinKernel(k, values.map((_, i) => i), product(out.shape.slice(0, axis)), values.map((v) => product(v.shape.slice(axis))));
  },
  grad: concatGrad,
});

/** `tf.concat(values, axis, {name?})`: joins along an existing axis; one value gives an Identity, as in TF1. */
export function concat(values: readonly TensorLike[], axis: number | Tensor, opts: NameOpt = {}): Tensor {
  const name = opts.name ?? 'concat';
  if (!Array.isArray(values) || values.length === 0) throw new InvalidArgumentError(`tf.concat '${name}': expected a non-empty list of tensors`);
  const g = graphOf(...values, axis);
  if (values.length === 1) {
    const t = valueTensor(values[0], 'values', g);
    if (axis instanceof Tensor ? axis.rank !== null && axis.rank !== 0 : !Number.isInteger(axis)) {
      throw new InvalidArgumentError(`tf.concat '${name}': axis must be an integer scalar`);
    }
    return identity(t, { name });
  }
  return scoped(g, name, (node) => {
    const xs = convertSameType(values, `ConcatV2 node '${node.name}'`);
    const a = intTensor(axis, 'axis', g, `tf.concat '${name}'`);
    return addOp('ConcatV2', [...xs, a], { T: xs[0].dtype, N: xs.length, Tidx: a.dtype }, node).outputs[0];
  });
}

/** TF's _ConcatGradV2: each input's slice of dy. The axis and the rank must be known while building. */
function concatGrad(op: Operation, [dy]: ReadonlyArray<Tensor | null>): Array<Tensor | null> {
  const values = op.inputs.slice(0, -1);
  const av = staticValue(op.inputs[values.length]);
  const rank = values.find((v) => v.rank !== null)?.rank ?? dy!.rank;
  if (av === null || rank === null) {
    throw new UnimplementedError(`The gradient of ConcatV2 node '${op.name}' needs its axis and rank known while building`);
  }
  const axis = normAxis(av.data[0], rank) as number;
  let offset: IntVec = [0];
  const grads = values.map((v) => {
    const size = shapeVec(v);
    const begin = vecConcat([new Array<number>(axis).fill(0), offset, new Array<number>(rank - axis - 1).fill(0)]);
    offset = vecOp(offset, vecSlice(size, axis, axis + 1), (a, b) => a + b, add);
    return slice(dy!, begin, vecTensorOrArray(size));
  });
  return [...grads, null];
}

defineOp({
  type: 'Pack',
  inputs: ['values*'],
  attrs: { T: { type: 'type' }, N: { type: 'int' }, axis: { type: 'int', default: 0 } },
  shape: (c) => {
    const values = c.inputs;
    if (values.length < 1) c.fail('Pack needs at least 1 value');
    const dtype = checkSameDtype(c, values);
    let merged: Shape = null;
    let first: Tensor | null = null;
    for (const v of values) {
      if (v.shape === null) continue;
      if (merged === null) { merged = [...v.shape]; first = v; continue; }
      const m: Dim[] = merged;
      if (v.shape.length !== m.length || v.shape.some((d, i) => mergeDim(m[i], d) === undefined)) {
        c.fail(`Shapes of all inputs must match: values[0].shape = ${formatShape(first!.shape)} ('${first!.name}') != ${formatShape(v.shape)} ('${v.name}')`);
      }
      merged = m.map((d, i) => mergeDim(d, v.shape![i]) as Dim);
    }
    if (merged === null) return out1(dtype, null);
    const r = merged.length;
    const axis = normAxis(c.attrs.axis as number, r + 1) ?? c.fail(`axis = ${c.attrs.axis as number} not in [${-(r + 1)}, ${r + 1})`);
    const out = [...merged];
    out.splice(axis, 0, values.length);
    return out1(dtype, out);
  },
  cpu: (values, attrs, ctx) => {
    const fail = (m: string): never => { throw kernelError('Pack', ctx.name, m); };
    const s0 = values[0].shape;
    values.forEach((v, k) => {
      if (v.rank !== s0.length || v.shape.some((d, i) => d !== s0[i])) {
        fail(`Shapes of all inputs must match: values[0].shape = ${formatShape(s0)} != values[${k}].shape = ${formatShape(v.shape)}`);
      }
    });
    const axis = normAxis(attrs.axis as number, s0.length + 1);
    if (axis === undefined) return fail(`axis = ${attrs.axis as number} not in [${-(s0.length + 1)}, ${s0.length + 1})`);
    const outShape = [...s0];
    outShape.splice(axis, 0, values.length);
    const out = empty(values[0].dtype, outShape);
    const outer = product(s0.slice(0, axis));
    const chunk = product(s0.slice(axis));
    let pos = 0;
    for (let o = 0; o < outer; o++) {
      for (const v of values) {
        out.data.set(v.data.subarray(o * chunk, (o + 1) * chunk), pos);
        pos += chunk;
      }
    }
    return [out];
  },
  // Pack is a concat of [outer, inner] rows along a new axis.
  gpu: (k) => {
    const s0 = k.inputs[0].shape;
    const axis = normAxis(k.attrs.axis as number, s0.length + 1) as number;
    const inner = product(s0.slice(axis));
    return joinKernel(k, k.inputs.map((_, i) => i), product(s0.slice(0, axis)), k.inputs.map(() => inner));
  },
  // TF's _PackGrad: the slices of dy along the new axis.
  grad: (op, [dy]) => unstack(dy!, { num: op.inputs.length, axis: op.attrs.axis as number }),
});

/** `tf.stack(values, axis = 0, {name?})`: joins same-shaped tensors along a new axis. */
export function stack(values: readonly TensorLike[], axis = 0, opts: NameOpt = {}): Tensor {
  const name = opts.name ?? 'stack';
  if (!Array.isArray(values) || values.length === 0) throw new InvalidArgumentError(`tf.stack '${name}': expected a non-empty list of tensors`);
  const g = graphOf(...values);
  return scoped(g, name, (node) => {
    const xs = convertSameType(values, `Pack node '${node.name}'`);
    return addOp('Pack', xs, { T: xs[0].dtype, N: xs.length, axis }, node).outputs[0];
  });
}

defineOp({
  type: 'Unpack',
  inputs: ['value'],
  attrs: { T: { type: 'type' }, num: { type: 'int' }, axis: { type: 'int', default: 0 } },
  shape: (c) => {
    const x = c.inputs[0];
    const num = c.attrs.num as number;
    if (!Number.isInteger(num) || num < 0) c.fail(`num must be a non-negative integer, got ${num}`);
    if (x.shape === null) return new Array(num).fill(null).map(() => ({ dtype: x.dtype, shape: null }));
    const r = x.shape.length;
    const axis = normAxis(c.attrs.axis as number, r) ?? c.fail(`axis = ${c.attrs.axis as number} not in [${-r}, ${r}) for input of shape ${formatShape(x.shape)}`);
    const d = x.shape[axis];
    if (d !== null && d !== num) c.fail(`Dimension ${axis} of input ${formatShape(x.shape)} is ${d}, but num = ${num}`);
    const s = x.shape.filter((_, i) => i !== axis);
    return new Array(num).fill(null).map(() => ({ dtype: x.dtype, shape: [...s] }));
  },
  cpu: ([x], attrs, ctx) => {
    const num = attrs.num as number;
    const axis = normAxis(attrs.axis as number, x.rank);
    if (axis === undefined) throw kernelError('Unpack', ctx.name, `axis = ${attrs.axis as number} not in [${-x.rank}, ${x.rank})`);
    if (x.shape[axis] !== num) throw kernelError('Unpack', ctx.name, `Input shape axis ${axis} must equal ${num}, got shape ${formatShape(x.shape)}`);
    const s = x.shape.filter((_, i) => i !== axis);
    const outer = product(x.shape.slice(0, axis));
    const inner = product(x.shape.slice(axis + 1));
    const outs = Array.from({ length: num }, () => empty(x.dtype, s));
    for (let o = 0; o < outer; o++) {
      for (let k = 0; k < num; k++) {
        const from = (o * num + k) * inner;
        outs[k].data.set(x.data.subarray(from, from + inner), o * inner);
      }
    }
    return outs;
  },
  gpu: (k) => {
    const s = k.inputs[0].shape;
    const axis = normAxis(k.attrs.axis as number, s.length) as number;
    return splitKernel(k, product(s.slice(0, axis)), s[axis], product(s.slice(axis + 1)));
  },
  // TF's _UnpackGrad: the output gradients (zeros where none flows) stacked back.
  grad: (op, grads) => [stack(grads as Tensor[], op.attrs.axis as number)],
});

/** `tf.unstack(x, {num?, axis?, name?})`: the slices of `x` along `axis` (default 0); num is inferred when static. */
export function unstack(x: TensorLike, opts: NameOpt & { num?: number; axis?: number } = {}): Tensor[] {
  const g = graphOf(x);
  const name = opts.name ?? 'unstack';
  const axis = opts.axis ?? 0;
  return scoped(g, name, (node) => {
    const t = valueTensor(x, 'value', g);
    let num = opts.num;
    if (num === undefined) {
      if (t.shape === null) throw new InvalidArgumentError(`tf.unstack '${name}': Cannot infer num from shape ${formatShape(t.shape)}`);
      const a = normAxis(axis, t.shape.length);
      if (a === undefined) throw new InvalidArgumentError(`tf.unstack '${name}': axis = ${axis} not in [${-t.shape.length}, ${t.shape.length})`);
      const d = t.shape[a];
      if (d === null) throw new InvalidArgumentError(`tf.unstack '${name}': Cannot infer num from shape ${formatShape(t.shape)}`);
      num = d;
    }
    return [...addOp('Unpack', [t], { T: t.dtype, num, axis }, node).outputs];
  });
}

// ---- Slice ------------------------------------------------------------------------------------------------------------

defineOp({
  type: 'Slice',
  inputs: ['input', 'begin', 'size'],
  attrs: { T: { type: 'type' }, Index: { type: 'type', default: 'int32' } },
  shape: (c) => {
    const x = c.inputs[0];
    checkIndexInput(c, 1, 'begin', 1);
    checkIndexInput(c, 2, 'size', 1);
    if (c.inputs[1].dtype !== c.inputs[2].dtype) c.fail(`begin and size must have one dtype, got ${c.inputs[1].dtype} and ${c.inputs[2].dtype}`);
    const bl = vectorLength(c.inputs[1]), sl = vectorLength(c.inputs[2]);
    const rank = x.rank ?? bl ?? sl;
    if (rank === null) return out1(x.dtype, null);
    if ((bl !== null && bl !== rank) || (sl !== null && sl !== rank)) {
      c.fail(`Expected begin and size arguments to be 1-D tensors of size ${rank}, but got shapes ${formatShape(c.inputs[1].shape)} and ${formatShape(c.inputs[2].shape)} instead (input ${formatShape(x.shape)})`);
    }
    const begin = c.constShape(1), size = c.constShape(2);
    const out: Dim[] = [];
    for (let i = 0; i < rank; i++) {
      const b = begin?.[i] ?? null, s = size?.[i] ?? null, d = x.shape?.[i] ?? null;
      if (b !== null && (b < 0 || (d !== null && b > d))) c.fail(`Expected begin[${i}] in [0, ${d ?? '?'}], but got ${b} (input ${formatShape(x.shape)})`);
      if (s !== null && s < -1) c.fail(`Expected size[${i}] >= -1, but got ${s}`);
      if (s === null) out.push(null);
      else if (s === -1) out.push(b !== null && d !== null ? d - b : null);
      else {
        if (b !== null && d !== null && b + s > d) c.fail(`Expected size[${i}] in [0, ${d - b}], but got ${s} (input ${formatShape(x.shape)}, begin[${i}] = ${b})`);
        out.push(s);
      }
    }
    return out1(x.dtype, out);
  },
  cpu: ([x, bt, st], _, ctx) => {
    const fail = (m: string): never => { throw kernelError('Slice', ctx.name, m); };
    const begin = intList(bt), size = intList(st);
    if (bt.rank !== 1 || st.rank !== 1 || begin.length !== x.rank || size.length !== x.rank) {
      fail(`Expected begin and size arguments to be 1-D tensors of size ${x.rank}, but got shapes ${formatShape(bt.shape)} and ${formatShape(st.shape)} instead`);
    }
    const idx = x.shape.map((d, i) => {
      const b = begin[i];
      const s = size[i] === -1 ? d - b : size[i];
      if (b < 0 || b > d) fail(`Expected begin[${i}] in [0, ${d}], but got ${b}`);
      if (s < 0 || b + s > d) fail(`Expected size[${i}] in [0, ${d - b}], but got ${size[i]}`);
      return Array.from({ length: s }, (_, k) => b + k);
    });
    return [selectAxes(x, idx)];
  },
  gpu: (k) => {
    const strides = stridesOf(k.inputs[0].shape);
    const begin = intList(k.requireConst(1, 'begin'));
    return affineCopy(k, 0, k.outputs[0].shape.map((n, i) => ({ n, stride: strides[i] })), begin.reduce((a, b, i) => a + b * strides[i], 0));
  },
  grad: sliceGrad,
});

/** `tf.slice(x, begin, size, {name?})`: `size[i] = -1` takes everything from begin[i] to the end. */
export function slice(x: TensorLike, begin: IntArg, size: IntArg, opts: NameOpt = {}): Tensor {
  const g = graphOf(x, begin, size);
  const name = opts.name ?? 'Slice';
  return scoped(g, name, (node) => {
    const t = valueTensor(x, 'input', g);
    const b = intTensor(begin, 'begin', g, `tf.slice '${name}'`);
    const s = intTensor(size, 'size', g, `tf.slice '${name}'`);
    return addOp('Slice', [t, b, s], { T: t.dtype, Index: b.dtype }, node).outputs[0];
  });
}

/** TF's _SliceGrad: dy padded with zeros back to x's shape: begin before, shape(x) - begin - shape(dy) after. */
function sliceGrad(op: Operation, [dy]: ReadonlyArray<Tensor | null>): Array<Tensor | null> {
  const [x, begin] = op.inputs;
  const before = intVecOf(begin);
  const after = vecOp(vecOp(shapeVec(x), before, (a, b) => a - b, sub), shapeVec(op.outputs[0]), (a, b) => a - b, sub);
  const paddings = Array.isArray(before) && Array.isArray(after)
    ? before.map((b, i) => [b, after[i]])
    : stack([vecTensor(before), vecTensor(after)], 1);
  return [pad(dy!, paddings), null, null];
}

// ---- Pad --------------------------------------------------------------------------------------------------------------

/** Shared shape rule: paddings [rank, 2]; each dim grows (sign 1) or shrinks (sign -1) by its paddings when known. */
export function padShape(c: ShapeContext, sign: 1 | -1, check?: (d: number, before: number, after: number, dim: number) => void): OutputSpec[] {
  const [x, p] = c.inputs;
  checkIndexInput(c, 1, 'paddings', 2);
  if (p.shape !== null && p.shape[1] !== null && p.shape[1] !== 2) c.fail(`paddings must be a matrix with 2 columns, got shape ${formatShape(p.shape)}`);
  const rows = p.shape?.[0] ?? null;
  if (x.rank !== null && rows !== null && rows !== x.rank) {
    c.fail(`The first dimension of paddings must be the rank of inputs: paddings ${formatShape(p.shape)}, input ${formatShape(x.shape)}`);
  }
  const rank = x.rank ?? rows;
  if (rank === null) return out1(x.dtype, null);
  const pv = c.constValue(1);
  if (pv === null) return out1(x.dtype, new Array<Dim>(rank).fill(null));
  const pads = intList(pv);
  if (pads.some((v) => v < 0)) c.fail(`Paddings must be non-negative, got [${pads.join(',')}]`);
  return out1(x.dtype, Array.from({ length: rank }, (_, i) => {
    const d = x.shape?.[i] ?? null;
    if (d === null) return null;
    check?.(i, pads[2 * i], pads[2 * i + 1], d);
    return d + sign * (pads[2 * i] + pads[2 * i + 1]);
  }));
}

/** Concrete paddings: [rank, 2], non-negative. */
export function concretePads(type: string, node: string, x: NDArray, p: NDArray): number[] {
  if (p.rank !== 2 || p.shape[0] !== x.rank || p.shape[1] !== 2) {
    throw kernelError(type, node, `paddings must be a matrix of shape [${x.rank}, 2] (the input's rank, 2), got ${formatShape(p.shape)} for input ${formatShape(x.shape)}`);
  }
  const pads = intList(p);
  if (pads.some((v) => v < 0)) throw kernelError(type, node, `Paddings must be non-negative, got [${pads.join(',')}]`);
  return pads;
}


defineOp({
  type: 'Pad',
  inputs: ['input', 'paddings'],
  attrs: { T: { type: 'type' }, Tpaddings: { type: 'type', default: 'int32' } },
  shape: (c) => padShape(c, 1),
  cpu: ([x, p], _, ctx) => {
    const pads = concretePads('Pad', ctx.name, x, p);
    const out = empty(x.dtype, x.shape.map((d, i) => d + pads[2 * i] + pads[2 * i + 1]));
    scatterAxes(out, x.shape.map((d, i) => Array.from({ length: d }, (_, k) => pads[2 * i] + k)), x);
    return [out];
  },
  gpu: (k) => {
    const pads = intList(k.requireConst(1, 'paddings'));
    return embedKernel(k, 0, k.inputs[0].shape.map((n, i) => ({ begin: pads[2 * i], stride: 1, n })));
  },
  // TF's _PadGrad: the slice of dy where x was; no gradient for the paddings.
  grad: (op, [dy]) => {
    const [x, p] = op.inputs;
    const pv = staticValue(p);
    const begin = pv !== null ? intList(pv).filter((_, j) => j % 2 === 0) : vecTensor(reshape(slice(p, [0, 0], [-1, 1]), [-1]));
    return [slice(dy!, begin, vecTensorOrArray(shapeVec(x))), null];
  },
});

/** The options object of `tf.pad` (also accepted in place of `mode`, as before). */
export interface PadOptions extends NameOpt { mode?: string; constantValues?: TensorLike }

/**
 * `tf.pad(x, paddings, mode = 'CONSTANT', constantValues = 0, {name?})`: TF1's `tf.pad`. paddings is [rank, 2] (before,
 * after per dim), JS numbers or an int tensor. Mode (any case) 'CONSTANT' builds Pad when constantValues is the number
 * 0, else PadV2; 'REFLECT' and 'SYMMETRIC' build MirrorPad. The third argument may also be an options object
 * `{mode?, constantValues?, name?}`.
 */
export function pad(
  x: TensorLike, paddings: readonly (readonly number[])[] | Tensor | NDArray,
  modeOrOpts: string | PadOptions = 'CONSTANT', constantValues: TensorLike = 0, opts: NameOpt = {},
): Tensor {
  const o: PadOptions = typeof modeOrOpts === 'string' ? { mode: modeOrOpts, constantValues, name: opts.name } : modeOrOpts;
  const mode = (o.mode ?? 'CONSTANT').toUpperCase();
  const cv = o.constantValues ?? 0;
  let type: 'Pad' | 'PadV2' | 'MirrorPad';
  if (mode === 'CONSTANT') type = cv === 0 ? 'Pad' : 'PadV2';
  else if (mode === 'REFLECT' || mode === 'SYMMETRIC') type = 'MirrorPad';
  else throw new InvalidArgumentError(`tf.pad '${o.name ?? 'Pad'}': Unknown padding mode: ${o.mode}`);
  const g = graphOf(x, paddings, cv);
  const name = o.name ?? type;
  return scoped(g, name, (node) => {
    const t = valueTensor(x, 'input', g);
    let p: Tensor;
    if (paddings instanceof Tensor || paddings instanceof NDArray) {
      p = intTensor(paddings, 'paddings', g, `tf.pad '${name}'`);
    } else {
      if (!Array.isArray(paddings) || paddings.some((r) => !Array.isArray(r) || r.length !== 2)) {
        throw new InvalidArgumentError(`tf.pad '${name}': paddings must be [rank, 2] numbers, got ${JSON.stringify(paddings)}`);
      }
      p = constant(paddings.flat(), { dtype: 'int32', shape: [paddings.length, 2], name: 'paddings', graph: g });
    }
    if (type === 'Pad') return addOp('Pad', [t, p], { T: t.dtype, Tpaddings: p.dtype }, node).outputs[0];
    if (type === 'MirrorPad') return addOp('MirrorPad', [t, p], { T: t.dtype, Tpaddings: p.dtype, mode }, node).outputs[0];
    const c = cv instanceof Tensor ? convertToTensor(cv) : convertToTensor(cv, t.dtype, 'constant_values', g);
    return addOp('PadV2', [t, p, c], { T: t.dtype, Tpaddings: p.dtype }, node).outputs[0];
  });
}

// ---- StridedSlice -----------------------------------------------------------------------------------------------------

interface StridedArgs {
  /** null when not known while building. */
  begin: readonly number[] | null;
  end: readonly number[] | null;
  strides: readonly number[];
  beginMask: number; endMask: number; ellipsisMask: number; newAxisMask: number; shrinkAxisMask: number;
}

interface StridedSpec {
  /** Per input dim: the canonical first index and the stride (valid when begin and end were known). */
  begin: number[];
  strides: number[];
  /** Per input dim: the number of elements taken (null when unknown). */
  processing: Dim[];
  /** The output shape: processing dims less shrunk ones, plus new axes. */
  final: Dim[];
}

const NEW_AXIS = -1, SHRINK_AXIS = -2;
const bit = (mask: number, i: number): boolean => ((mask >>> i) & 1) === 1;

/**
 * TensorFlow's ValidateStridedSliceOp: expands the sparse spec (with ellipsis and new axes) to one entry per input
 * dim, canonicalises begin/end against the masks and the dims, and computes the sizes. Works on static shapes too
 * (null dims, unknown begin/end), giving null where TF's shape function gives an unknown dim.
 */
function stridedSliceSpec(inShape: readonly Dim[], a: StridedArgs, fail: (m: string) => never): StridedSpec {
  let sparseDims = a.strides.length;
  if ((a.begin !== null && a.begin.length !== sparseDims) || (a.end !== null && a.end.length !== sparseDims)) {
    fail(`Expected begin, end, and strides to be 1D equal size tensors, but got sizes ${a.begin?.length ?? '?'}, ${a.end?.length ?? '?'} and ${sparseDims}`);
  }
  if (sparseDims > 31) fail(`slice spec of ${sparseDims} entries is too long (at most 31)`);
  let ellipsisMask = a.ellipsisMask;
  if (ellipsisMask !== 0 && (ellipsisMask & (ellipsisMask - 1)) !== 0) fail('Multiple ellipses in slice spec not allowed');
  // Step 1: count new axes after the ellipsis; without an ellipsis, one is implied at the end.
  let ellipsisSeen = false, newAfterEllipsis = 0;
  for (let i = 0; i < sparseDims; i++) {
    if (ellipsisSeen && bit(a.newAxisMask, i)) newAfterEllipsis++;
    if (bit(ellipsisMask, i)) ellipsisSeen = true;
  }
  if (!ellipsisSeen) { ellipsisMask |= 1 << sparseDims; sparseDims++; }
  // Step 2: the dense spec, one entry per input dim.
  const dims = inShape.length;
  const begin = new Array<number>(dims).fill(0), end = new Array<number>(dims).fill(0), strides = new Array<number>(dims).fill(1);
  const bMask = new Array<boolean>(dims).fill(false), eMask = new Array<boolean>(dims).fill(false), shrink = new Array<boolean>(dims).fill(false);
  const finalGather: number[] = [];
  let full = 0;
  for (let i = 0; i < sparseDims; i++) {
    if (bit(ellipsisMask, i)) {
      const next = Math.min(dims - (sparseDims - i) + 1 + newAfterEllipsis, dims);
      for (; full < next; full++) {
        bMask[full] = eMask[full] = true;
        finalGather.push(full);
      }
    } else if (bit(a.newAxisMask, i)) {
      finalGather.push(NEW_AXIS);
    } else {
      if (full === dims) fail(`Index out of range using input dim ${full}; input has only ${dims} dims`);
      if (a.begin !== null) begin[full] = a.begin[i];
      if (a.end !== null) end[full] = a.end[i];
      strides[full] = a.strides[i];
      bMask[full] = bit(a.beginMask, i);
      eMask[full] = bit(a.endMask, i);
      if (bit(a.shrinkAxisMask, i)) { finalGather.push(SHRINK_AXIS); shrink[full] = true; } else finalGather.push(full);
      full++;
    }
  }
  // Step 3: canonical begin/end and the size of each dense dim.
  const valid = a.begin !== null && a.end !== null;
  const processing: Dim[] = [];
  for (let i = 0; i < dims; i++) {
    const s = strides[i], d = inShape[i];
    if (s === 0) fail(`strides[${i}] must be non-zero`);
    if (d === null) { processing.push(shrink[i] ? 1 : null); continue; }
    const lo = s > 0 ? 0 : -1, hi = s > 0 ? d : d - 1;
    const canonical = (x: number, masked: boolean, isEnd: boolean): number => {
      if (masked) return (s > 0) !== isEnd ? lo : hi;
      const fwd = x < 0 ? d + x : x;
      return fwd < lo ? lo : fwd > hi ? hi : fwd;
    };
    if (shrink[i] && s <= 0) fail('only stride 1 allowed on non-range indexing.');
    let len: number | null = null;
    if (valid) {
      if (shrink[i]) {
        const fwd = begin[i] < 0 ? d + begin[i] : begin[i];
        if (fwd < 0 || fwd >= d) fail(`slice index ${begin[i]} of dimension ${i} out of bounds (dimension size ${d}).`);
        begin[i] = fwd;
        end[i] = fwd + 1;
      } else {
        begin[i] = canonical(begin[i], bMask[i], false);
        end[i] = canonical(end[i], eMask[i], true);
      }
      len = end[i] - begin[i];
    } else if (shrink[i]) {
      len = 1;
    } else if (bMask[i] && eMask[i]) {
      len = s < 0 ? -d : d;
    }
    if (len === null) { processing.push(null); continue; }
    processing.push(len === 0 || (len < 0) !== (s < 0) ? 0 : Math.trunc(len / s) + (len % s !== 0 ? 1 : 0));
  }
  // Step 4: the final shape.
  const final: Dim[] = [];
  for (const g of finalGather) {
    if (g >= 0) final.push(processing[g]);
    else if (g === NEW_AXIS) final.push(1);
  }
  return { begin, strides, processing, final };
}

function stridedArgsOf(attrs: Readonly<Record<string, unknown>>, begin: readonly number[] | null, end: readonly number[] | null, strides: readonly number[]): StridedArgs {
  return {
    begin, end, strides,
    beginMask: attrs.begin_mask as number, endMask: attrs.end_mask as number, ellipsisMask: attrs.ellipsis_mask as number,
    newAxisMask: attrs.new_axis_mask as number, shrinkAxisMask: attrs.shrink_axis_mask as number,
  };
}

defineOp({
  type: 'StridedSlice',
  inputs: ['input', 'begin', 'end', 'strides'],
  attrs: {
    T: { type: 'type' }, Index: { type: 'type' },
    begin_mask: { type: 'int', default: 0 }, end_mask: { type: 'int', default: 0 }, ellipsis_mask: { type: 'int', default: 0 },
    new_axis_mask: { type: 'int', default: 0 }, shrink_axis_mask: { type: 'int', default: 0 },
  },
  shape: (c) => {
    const x = c.inputs[0];
    for (const [i, n] of [[1, 'begin'], [2, 'end'], [3, 'strides']] as const) checkIndexInput(c, i, n, 1);
    const lens = [1, 2, 3].map((i) => vectorLength(c.inputs[i])).filter((n): n is number => n !== null);
    if (lens.some((n) => n !== lens[0])) {
      c.fail(`Expected begin, end, and strides to be 1D equal size tensors, but got shapes ${[1, 2, 3].map((i) => formatShape(c.inputs[i].shape)).join(', ')}`);
    }
    const sv = c.constValue(3);
    if (x.shape === null || sv === null) return out1(x.dtype, null);
    const bv = c.constValue(1), ev = c.constValue(2);
    const spec = stridedSliceSpec(x.shape, stridedArgsOf(c.attrs, bv && intList(bv), ev && intList(ev), intList(sv)), c.fail);
    return out1(x.dtype, spec.final);
  },
  cpu: ([x, b, e, s], attrs, ctx) => {
    const fail = (m: string): never => { throw kernelError('StridedSlice', ctx.name, m); };
    if (b.rank !== 1 || e.rank !== 1 || s.rank !== 1) {
      fail(`Expected begin, end, and strides to be 1D equal size tensors, but got shapes ${formatShape(b.shape)}, ${formatShape(e.shape)} and ${formatShape(s.shape)}`);
    }
    const spec = stridedSliceSpec(x.shape, stridedArgsOf(attrs, intList(b), intList(e), intList(s)), fail);
    const idx = spec.processing.map((n, i) => Array.from({ length: n as number }, (_, k) => spec.begin[i] + k * spec.strides[i]));
    const out = selectAxes(x, idx);
    return [new NDArray(out.dtype, spec.final as number[], out.data)];
  },
  // New and shrunk axes only relabel the shape: the copy walks the processing dims (one per input dim).
  gpu: (k) => {
    const x = k.inputs[0];
    const [b, e, s] = [[1, 'begin'], [2, 'end'], [3, 'strides']].map(([i, what]) => intList(k.requireConst(i as number, what as string)));
    const spec = stridedSliceSpec(x.shape, stridedArgsOf(k.attrs, b, e, s), k.fail);
    const strides = stridesOf(x.shape);
    return affineCopy(k, 0, spec.processing.map((n, i) => ({ n: n as number, stride: strides[i] * spec.strides[i] })),
      spec.begin.reduce((a, v, i) => a + v * strides[i], 0));
  },
  // TF's _StridedSliceGrad: dy scattered back into zeros of x's shape by StridedSliceGrad.
  grad: (op, [dy]) => {
    const [x, b, e, s] = op.inputs;
    return [stridedSliceGrad(shapeTensor(x, b.dtype), b, e, s, dy!, masksOf(op.attrs)), null, null, null];
  },
});

/**
 * `tf.stridedSlice(x, begin, end, strides?, {beginMask?, endMask?, ellipsisMask?, newAxisMask?, shrinkAxisMask?,
 * name?})`: TF's StridedSlice, the op behind Python's `x[1:-1:2, ..., None, 0]`. strides default to ones.
 */
export function stridedSlice(
  x: TensorLike, begin: IntArg, end: IntArg, strides?: IntArg | null,
  opts: NameOpt & { beginMask?: number; endMask?: number; ellipsisMask?: number; newAxisMask?: number; shrinkAxisMask?: number } = {},
): Tensor {
  const g = graphOf(x, begin, end, strides);
  const name = opts.name ?? 'StridedSlice';
  const what = `tf.stridedSlice '${name}'`;
  return scoped(g, name, (node) => {
    const t = valueTensor(x, 'input', g);
    const b = intTensor(begin, 'begin', g, what);
    const e = intTensor(end, 'end', g, what);
    let s: Tensor;
    if (strides !== undefined && strides !== null) s = intTensor(strides, 'strides', g, what);
    else if (Array.isArray(begin)) s = intTensor(begin.map(() => 1), 'strides', g, what);
    else s = addOp('OnesLike', [b], { T: b.dtype }, { name: 'ones_like', graph: g }).outputs[0];
    if (b.dtype !== e.dtype || b.dtype !== s.dtype) throw new InvalidArgumentError(`${what}: begin, end and strides must have one dtype, got ${b.dtype}, ${e.dtype}, ${s.dtype}`);
    const masks = {
      begin_mask: opts.beginMask ?? 0, end_mask: opts.endMask ?? 0, ellipsis_mask: opts.ellipsisMask ?? 0,
      new_axis_mask: opts.newAxisMask ?? 0, shrink_axis_mask: opts.shrinkAxisMask ?? 0,
    };
    return addOp('StridedSlice', [t, b, e, s], { T: t.dtype, Index: b.dtype, ...masks }, node).outputs[0];
  });
}

type StridedMasks = { beginMask?: number; endMask?: number; ellipsisMask?: number; newAxisMask?: number; shrinkAxisMask?: number };

function masksOf(attrs: Readonly<Record<string, unknown>>): StridedMasks {
  return {
    beginMask: attrs.begin_mask as number, endMask: attrs.end_mask as number, ellipsisMask: attrs.ellipsis_mask as number,
    newAxisMask: attrs.new_axis_mask as number, shrinkAxisMask: attrs.shrink_axis_mask as number,
  };
}

// TF's StridedSliceGrad: zeros of `shape` with dy written where StridedSlice(begin, end, strides, masks) reads.
defineOp({
  type: 'StridedSliceGrad',
  inputs: ['shape', 'begin', 'end', 'strides', 'dy'],
  attrs: {
    T: { type: 'type' }, Index: { type: 'type' },
    begin_mask: { type: 'int', default: 0 }, end_mask: { type: 'int', default: 0 }, ellipsis_mask: { type: 'int', default: 0 },
    new_axis_mask: { type: 'int', default: 0 }, shrink_axis_mask: { type: 'int', default: 0 },
  },
  shape: (c) => {
    for (const [i, n] of [[0, 'shape'], [1, 'begin'], [2, 'end'], [3, 'strides']] as const) checkIndexInput(c, i, n, 1);
    const dy = c.inputs[4];
    const dims = c.constShape(0);
    const n = vectorLength(c.inputs[0]);
    const sv = c.constValue(3), bv = c.constValue(1), ev = c.constValue(2);
    if (dims !== null && dims.every((d) => d !== null) && sv !== null && bv !== null && ev !== null && dy.shape !== null) {
      const spec = stridedSliceSpec(dims, stridedArgsOf(c.attrs, intList(bv), intList(ev), intList(sv)), c.fail);
      if (dy.shape.length !== spec.final.length || dy.shape.some((d, i) => mergeDim(d, spec.final[i]) === undefined)) {
        c.fail(`dy ${formatShape(dy.shape)} ('${dy.name}') does not have the slice's shape ${formatShape(spec.final)}`);
      }
    }
    return out1(dy.dtype, dims ?? (n === null ? null : new Array<Dim>(n).fill(null)));
  },
  cpu: ([sh, b, e, s, dy], attrs, ctx) => {
    const fail = (m: string): never => { throw kernelError('StridedSliceGrad', ctx.name, m); };
    const dims = intList(sh);
    if (dims.some((d) => d < 0)) fail(`shape must be non-negative, got ${formatDims(dims)}`);
    const spec = stridedSliceSpec(dims, stridedArgsOf(attrs, intList(b), intList(e), intList(s)), fail);
    const final = spec.final as number[];
    if (dy.rank !== final.length || dy.shape.some((d, i) => d !== final[i])) {
      fail(`dy has shape ${formatShape(dy.shape)}, but the slice has shape ${formatShape(final)}`);
    }
    const out = empty(dy.dtype, dims);
    scatterAxes(out, spec.processing.map((n, i) => Array.from({ length: n as number }, (_, k) => spec.begin[i] + k * spec.strides[i])), dy);
    return [out];
  },
  gpu: (k) => {
    const [b, e, s] = [[1, 'begin'], [2, 'end'], [3, 'strides']].map(([i, what]) => intList(k.requireConst(i as number, what as string)));
    const spec = stridedSliceSpec(k.outputs[0].shape, stridedArgsOf(k.attrs, b, e, s), k.fail);
    const dy = k.inputs[4].shape;
    if (dy.length !== spec.final.length || dy.some((d, i) => d !== spec.final[i])) {
      k.fail(`dy has shape ${formatShape(dy)}, but the slice has shape ${formatShape(spec.final)}`);
    }
    return embedKernel(k, 4, spec.processing.map((n, i) => ({ begin: spec.begin[i], stride: spec.strides[i], n: n as number })));
  },
  // TF's _StridedSliceGradGrad: the same slice of the gradient.
  grad: (op, [g]) => {
    const [, b, e, s] = op.inputs;
    return [null, null, null, null, stridedSlice(g!, b, e, s, masksOf(op.attrs))];
  },
});

/**
 * `tf.stridedSliceGrad(shape, begin, end, strides, dy, {beginMask?, ..., name?})`: TF's StridedSliceGrad, zeros of
 * `shape` with `dy` where `tf.stridedSlice(x, begin, end, strides, masks)` reads x. shape, begin, end and strides
 * share one int dtype.
 */
export function stridedSliceGrad(shapeArg: IntArg, begin: IntArg, end: IntArg, strides: IntArg, dy: TensorLike, opts: NameOpt & StridedMasks = {}): Tensor {
  const g = graphOf(shapeArg, begin, end, strides, dy);
  const name = opts.name ?? 'StridedSliceGrad';
  const what = `tf.stridedSliceGrad '${name}'`;
  return scoped(g, name, (node) => {
    const [sh, b, e, s] = ([[shapeArg, 'shape'], [begin, 'begin'], [end, 'end'], [strides, 'strides']] as const).map(([v, n]) => intTensor(v, n, g, what));
    if ([b, e, s].some((t) => t.dtype !== sh.dtype)) throw new InvalidArgumentError(`${what}: shape, begin, end and strides must have one dtype, got ${sh.dtype}, ${b.dtype}, ${e.dtype}, ${s.dtype}`);
    const d = valueTensor(dy, 'dy', g);
    return addOp('StridedSliceGrad', [sh, b, e, s, d], {
      T: d.dtype, Index: sh.dtype,
      begin_mask: opts.beginMask ?? 0, end_mask: opts.endMask ?? 0, ellipsis_mask: opts.ellipsisMask ?? 0,
      new_axis_mask: opts.newAxisMask ?? 0, shrink_axis_mask: opts.shrinkAxisMask ?? 0,
    }, node).outputs[0];
  });
}

// ---- Tile -------------------------------------------------------------------------------------------------------------

defineOp({
  type: 'Tile',
  inputs: ['input', 'multiples'],
  attrs: { T: { type: 'type' }, Tmultiples: { type: 'type', default: 'int32' } },
  shape: (c) => {
    const x = c.inputs[0];
    checkIndexInput(c, 1, 'multiples', 1);
    const ml = vectorLength(c.inputs[1]);
    if (x.rank !== null && ml !== null && ml !== x.rank) {
      c.fail(`Expected multiples argument to be a vector of length ${x.rank} but got length ${ml} (input ${formatShape(x.shape)})`);
    }
    const rank = x.rank ?? ml;
    if (rank === null) return out1(x.dtype, null);
    const m = c.constShape(1);
    for (const v of m ?? []) if (v !== null && v < 0) c.fail(`Expected multiples >= 0, got ${formatDims(m!)}`);
    return out1(x.dtype, Array.from({ length: rank }, (_, i) => {
      const d = x.shape?.[i] ?? null, k = m?.[i] ?? null;
      return d === 0 || k === 0 ? 0 : d === null || k === null ? null : d * k;
    }));
  },
  cpu: ([x, mt], _, ctx) => {
    const m = intList(mt);
    if (mt.rank !== 1 || m.length !== x.rank) {
      throw kernelError('Tile', ctx.name, `Expected multiples argument to be a vector of length ${x.rank} but got shape ${formatShape(mt.shape)}`);
    }
    if (m.some((v) => v < 0)) throw kernelError('Tile', ctx.name, `Expected multiples >= 0, got ${formatDims(m)}`);
    return [selectAxes(x, x.shape.map((d, i) => Array.from({ length: d * m[i] }, (_, k) => k % d)))];
  },
  // The multiples are in the output shape: out dim i is x dim i times multiples[i].
  gpu: (k) => {
    const x = k.inputs[0];
    const strides = stridesOf(x.shape);
    return affineCopy(k, 0, k.outputs[0].shape.map((n, i) => ({ n, stride: strides[i], mod: x.shape[i] })), 0);
  },
  grad: tileGrad,
});

/** `tf.tile(x, multiples, {name?})`: repeats `x` multiples[i] times along axis i. */
export function tile(x: TensorLike, multiples: IntArg, opts: NameOpt = {}): Tensor {
  const g = graphOf(x, multiples);
  const name = opts.name ?? 'Tile';
  return scoped(g, name, (node) => {
    const t = valueTensor(x, 'input', g);
    const m = intTensor(multiples, 'multiples', g, `tf.tile '${name}'`);
    return addOp('Tile', [t, m], { T: t.dtype, Tmultiples: m.dtype }, node).outputs[0];
  });
}

/** TF's _TileGrad: dy seen as [m0, d0, m1, d1, ...], summed over the multiples' axes. */
function tileGrad(op: Operation, [dy]: ReadonlyArray<Tensor | null>): Array<Tensor | null> {
  const [x, m] = op.inputs;
  const mv = staticValue(m);
  const xs = staticDims(x);
  if (mv !== null && xs !== null) {
    const ms = intList(mv);
    return [reduceSum(reshape(dy!, xs.flatMap((d, i) => [ms[i], d])), xs.map((_, i) => 2 * i)), null];
  }
  const split = reshape(transpose(stack([vecTensor(m), shape(x)])), [-1]);
  return [reduceSum(reshape(dy!, split), range(0, size(split), 2)), null];
}

// ---- Fill, ZerosLike, OnesLike, zeros, ones ---------------------------------------------------------------------------

defineOp({
  type: 'Fill',
  inputs: ['dims', 'value'],
  attrs: { T: { type: 'type' }, index_type: { type: 'type', default: 'int32' } },
  shape: (c) => {
    checkIndexInput(c, 0, 'dims', 1);
    const v = c.inputs[1];
    if (v.shape !== null && v.shape.length !== 0) c.fail(`value '${v.name}' must be a scalar, got shape ${formatShape(v.shape)}`);
    const dims = c.constShape(0);
    for (const d of dims ?? []) if (d !== null && d < 0) c.fail(`dims must be non-negative, got ${formatDims(dims!)}`);
    return out1(v.dtype, dims);
  },
  cpu: ([dt, v], _, ctx) => {
    const dims = intList(dt);
    if (dt.rank !== 1) throw kernelError('Fill', ctx.name, `dims must be a vector, got shape ${formatShape(dt.shape)}`);
    if (v.rank !== 0) throw kernelError('Fill', ctx.name, `value must be a scalar, got shape ${formatShape(v.shape)}`);
    if (dims.some((d) => d < 0)) throw kernelError('Fill', ctx.name, `dims must be non-negative, got ${formatDims(dims)}`);
    const out = empty(v.dtype, dims);
    out.data.fill(v.data[0]);
    return [out];
  },
  // The dims are in the output shape; the value may have been computed on the GPU.
  gpu: (k) => fillKernel(k, fillValue(k, 1)),
  // TF's _FillGrad: every element came from the value.
  grad: (_, [dy]) => [null, reduceSum(dy!)],
});

/** `tf.fill(dims, value, {name?})`: a tensor of shape `dims` filled with the scalar `value`. */
export function fill(dims: IntArg, value: TensorLike, opts: NameOpt = {}): Tensor {
  const g = graphOf(dims, value);
  const name = opts.name ?? 'Fill';
  return scoped(g, name, (node) => {
    const d = intTensor(dims, 'dims', g, `tf.fill '${name}'`);
    const v = valueTensor(value, 'value', g);
    return addOp('Fill', [d, v], { T: v.dtype, index_type: d.dtype }, node).outputs[0];
  });
}

for (const [type, value] of [['ZerosLike', 0], ['OnesLike', 1]] as const) {
  defineOp({
    type,
    inputs: ['x'],
    attrs: { T: { type: 'type' } },
    shape: (c) => out1(c.inputs[0].dtype, c.inputs[0].shape),
    cpu: ([x]) => {
      const out = empty(x.dtype, x.shape);
      out.data.fill(value);
      return [out];
    },
    gpu: (k) => fillKernel(k, { literal: literal(value, k.outputs[0].dtype) }),
    grad: 'not-differentiable',
  });
}

/** Elements below which tf.zeros/tf.ones of a known shape make a Const rather than a Fill (TF1's rule of thumb). */
const SMALL_CONST = 1000;

function filled(shape: IntArg, value: 0 | 1, opts: NameOpt & { dtype?: DType }, defaultName: string): Tensor {
  const dtype = opts.dtype ?? 'float32';
  const name = opts.name ?? defaultName;
  const what = `tf.${defaultName} '${name}'`;
  const dims = typeof shape === 'number' ? [shape] : shape;
  const g = graphOf(shape);
  if (Array.isArray(dims)) {
    if (dims.some((d) => !Number.isInteger(d) || d < 0)) throw new InvalidArgumentError(`${what}: shape must be non-negative integers, got ${JSON.stringify(dims)}`);
    // As TF1: a small one is a Const; a large one a Fill node, so building a graph allocates no tensor memory.
    if (sizeOf(dims) < SMALL_CONST) {
      const data = allocArray(dtype, sizeOf(dims));
      data.fill(castScalar(value, dtype));
      return constant(new NDArray(dtype, dims, data), { name, graph: g });
    }
  }
  return scoped(g, name, (node) => {
    const s = intTensor(shape, 'shape', g, what);
    const v = constant(new NDArray(dtype, [], allocArray(dtype, 1).fill(value)), { name: 'Const', graph: g });
    return addOp('Fill', [s, v], { T: dtype, index_type: s.dtype }, node).outputs[0];
  });
}

/** `tf.zeros(shape, {dtype?, name?})`: a Const for a shape of JS numbers, else a Fill. dtype defaults to float32. */
export function zeros(shape: IntArg, opts: NameOpt & { dtype?: DType } = {}): Tensor { return filled(shape, 0, opts, 'zeros'); }

/** `tf.ones(shape, {dtype?, name?})`: a Const for a shape of JS numbers, else a Fill. dtype defaults to float32. */
export function ones(shape: IntArg, opts: NameOpt & { dtype?: DType } = {}): Tensor { return filled(shape, 1, opts, 'ones'); }

function filledLike(type: 'ZerosLike' | 'OnesLike', value: 0 | 1, x: TensorLike, opts: NameOpt & { dtype?: DType }, defaultName: string): Tensor {
  const g = graphOf(x);
  return scoped(g, opts.name ?? defaultName, (node) => {
    const t = valueTensor(x, 'tensor', g);
    if (opts.dtype === undefined || opts.dtype === t.dtype) return addOp(type, [t], { T: t.dtype }, node).outputs[0];
    // Another dtype: Fill(Shape(x), value), as TF1 builds it.
    const s = addOp('Shape', [t], { T: t.dtype, out_type: 'int32' }, { name: 'Shape', graph: g }).outputs[0];
    const v = constant(new NDArray(opts.dtype, [], allocArray(opts.dtype, 1).fill(value)), { name: 'Const', graph: g });
    return addOp('Fill', [s, v], { T: opts.dtype, index_type: 'int32' }, node).outputs[0];
  });
}

/** `tf.zerosLike(x, {dtype?, name?})`: zeros of x's shape (and dtype, unless given). */
export function zerosLike(x: TensorLike, opts: NameOpt & { dtype?: DType } = {}): Tensor {
  return filledLike('ZerosLike', 0, x, opts, 'zeros_like');
}

/** `tf.onesLike(x, {dtype?, name?})`: ones of x's shape (and dtype, unless given). */
export function onesLike(x: TensorLike, opts: NameOpt & { dtype?: DType } = {}): Tensor {
  return filledLike('OnesLike', 1, x, opts, 'ones_like');
}

// ---- Shape, Size, Rank ------------------------------------------------------------------------------------------------

function checkOutType(c: ShapeContext): DType {
  const dt = c.attrs.out_type as DType;
  if (!INDEX_DTYPES.includes(dt)) c.fail(`out_type must be int32 or int64, got ${dt}`);
  return dt;
}

defineOp({
  type: 'Shape',
  inputs: ['input'],
  shapeOnly: true,
  attrs: { T: { type: 'type' }, out_type: { type: 'type', default: 'int32' } },
  shape: (c) => out1(checkOutType(c), [c.inputs[0].rank]),
  cpu: ([x], attrs) => {
    const out = empty(attrs.out_type as DType, [x.rank]);
    x.shape.forEach((d, i) => { out.data[i] = d; });
    return [out];
  },
  gpu: COMPUTED_AT_COMPILE_TIME,
  grad: 'not-differentiable',
});

defineOp({
  type: 'Size',
  inputs: ['input'],
  shapeOnly: true,
  attrs: { T: { type: 'type' }, out_type: { type: 'type', default: 'int32' } },
  shape: (c) => out1(checkOutType(c), []),
  cpu: ([x], attrs) => {
    const out = empty(attrs.out_type as DType, []);
    out.data[0] = x.size;
    return [out];
  },
  gpu: COMPUTED_AT_COMPILE_TIME,
  grad: 'not-differentiable',
});

defineOp({
  type: 'Rank',
  inputs: ['input'],
  shapeOnly: true,
  attrs: { T: { type: 'type' } },
  shape: () => out1('int32', []),
  cpu: ([x]) => [new NDArray('int32', [], Int32Array.of(x.rank))],
  gpu: COMPUTED_AT_COMPILE_TIME,
  grad: 'not-differentiable',
});

function checkIndexDType(dt: DType, what: string): DType {
  if (!INDEX_DTYPES.includes(dt)) throw new InvalidArgumentError(`${what}: outType must be int32 or int64, got ${dt}`);
  return dt;
}

/** `tf.shape(x, {outType?, name?})`: x's shape as a 1-D int tensor (int32 unless outType says int64). */
export function shape(x: TensorLike, opts: NameOpt & { outType?: DType } = {}): Tensor {
  const g = graphOf(x);
  const name = opts.name ?? 'Shape';
  const outType = checkIndexDType(opts.outType ?? 'int32', `tf.shape '${name}'`);
  return scoped(g, name, (node) => {
    const t = valueTensor(x, 'input', g);
    return addOp('Shape', [t], { T: t.dtype, out_type: outType }, node).outputs[0];
  });
}

/** `tf.size(x, {outType?, name?})`: the number of elements of x, a scalar. */
export function size(x: TensorLike, opts: NameOpt & { outType?: DType } = {}): Tensor {
  const g = graphOf(x);
  const name = opts.name ?? 'Size';
  const outType = checkIndexDType(opts.outType ?? 'int32', `tf.size '${name}'`);
  return scoped(g, name, (node) => {
    const t = valueTensor(x, 'input', g);
    return addOp('Size', [t], { T: t.dtype, out_type: outType }, node).outputs[0];
  });
}

/** `tf.rank(x, {name?})`: the number of dims of x, an int32 scalar. */
export function rank(x: TensorLike, opts: NameOpt = {}): Tensor {
  const g = graphOf(x);
  return scoped(g, opts.name ?? 'Rank', (node) => {
    const t = valueTensor(x, 'input', g);
    return addOp('Rank', [t], { T: t.dtype }, node).outputs[0];
  });
}

// ---- Range ------------------------------------------------------------------------------------------------------------

const RANGE_DTYPES: readonly DType[] = ['int32', 'int64', 'float32', 'float64'];

/** The number of values of range(start, limit, delta), computed in the op's dtype as TensorFlow does. */
function rangeSize(start: number, limit: number, delta: number, dtype: DType, fail: (m: string) => never): number {
  if (delta === 0) fail(`Requires delta != 0: ${delta}`);
  if (delta > 0 && start > limit) fail(`Requires start <= limit when delta > 0: ${start}/${limit}`);
  if (delta < 0 && start < limit) fail(`Requires start >= limit when delta < 0: ${start}/${limit}`);
  let n: number;
  if (isInt(dtype)) {
    n = Math.trunc((Math.abs(limit - start) + Math.abs(delta) - 1) / Math.abs(delta));
  } else {
    const q = dtype === 'float32' ? Math.fround(Math.fround(limit - start) / delta) : (limit - start) / delta;
    n = Math.ceil(Math.abs(q));
  }
  if (!Number.isFinite(n) || n > 2 ** 31) fail(`Requires a finite size that fits in memory, got ${n} values for start ${start}, limit ${limit}, delta ${delta}`);
  return n;
}

defineOp({
  type: 'Range',
  inputs: ['start', 'limit', 'delta'],
  attrs: { Tidx: { type: 'type', default: 'int32' } },
  shape: (c) => {
    const dt = c.inputs[0].dtype;
    if (!RANGE_DTYPES.includes(dt)) c.fail(`dtype ${dt} is not supported; allowed: ${RANGE_DTYPES.join(', ')}`);
    c.inputs.forEach((t, i) => {
      if (t.dtype !== dt) c.fail(`start, limit and delta must have one dtype, got ${c.inputs.map((v) => `'${v.name}' ${v.dtype}`).join(', ')}`);
      if (t.shape !== null && t.shape.length !== 0) c.fail(`${['start', 'limit', 'delta'][i]} must be a scalar, not shape ${formatShape(t.shape)}`);
    });
    const vs = [0, 1, 2].map((i) => c.constValue(i));
    if (vs.some((v) => v === null)) return out1(dt, [null]);
    const [s, l, d] = vs.map((v) => v!.data[0]);
    return out1(dt, [rangeSize(s, l, d, dt, c.fail)]);
  },
  cpu: (inputs, _, ctx) => {
    const fail = (m: string): never => { throw kernelError('Range', ctx.name, m); };
    inputs.forEach((t, i) => { if (t.rank !== 0) fail(`${['start', 'limit', 'delta'][i]} must be a scalar, not shape ${formatShape(t.shape)}`); });
    const dt = inputs[0].dtype;
    const [s, l, d] = inputs.map((t) => t.data[0]);
    const n = rangeSize(s, l, d, dt, fail);
    const out = empty(dt, [n]);
    // val += delta in the op's dtype, as TensorFlow's kernel accumulates.
    let v = s;
    for (let i = 0; i < n; i++) {
      out.data[i] = v;
      v = castScalar(v + d, dt);
    }
    return [out];
  },
  // Reached only when start, limit and delta are known at compile time (they give the shape) but not folded.
  gpu: rangeKernel,
  grad: 'not-differentiable',
});

/**
 * `tf.range(start, limit?, delta = 1, {dtype?, name?})`, TF's `tf.range`: `range(5)` is 0..4. The dtype is int32
 * when every argument is an integer (or int32 tensor), float32 when a JS number is not an integer; tensors widen it
 * (int32 < int64 < float32 < float64), and every argument is cast to it.
 */
export function range(
  start: number | Tensor, limit?: number | Tensor | null, delta: number | Tensor = 1, opts: NameOpt & { dtype?: DType } = {},
): Tensor {
  if (limit === undefined || limit === null) { limit = start; start = 0; }
  const args = [start, limit, delta] as const;
  const g = graphOf(...args);
  const name = opts.name ?? 'range';
  const rankOf = (v: number | Tensor): number => {
    const dt: DType = v instanceof Tensor ? v.dtype : Number.isInteger(v) ? 'int32' : 'float32';
    const r = RANGE_DTYPES.indexOf(dt);
    if (r < 0) throw new InvalidArgumentError(`tf.range '${name}': dtype ${dt} of '${(v as Tensor).name}' is not supported`);
    return r;
  };
  const dtype = opts.dtype ?? RANGE_DTYPES[Math.max(...args.map(rankOf))];
  if (!RANGE_DTYPES.includes(dtype)) throw new InvalidArgumentError(`tf.range '${name}': dtype ${dtype} is not supported; allowed: ${RANGE_DTYPES.join(', ')}`);
  return scoped(g, name, (node) => {
    const ts = args.map((v, i) => {
      const argName = ['start', 'limit', 'delta'][i];
      if (!(v instanceof Tensor)) return constant(v, { dtype, name: argName, graph: g });
      const t = convertToTensor(v);
      return t.dtype === dtype ? t : cast(t, dtype, { name: `Cast${i === 0 ? '' : `_${i}`}` });
    });
    return addOp('Range', ts, { Tidx: dtype }, node).outputs[0];
  });
}

// ---- OneHot -----------------------------------------------------------------------------------------------------------

defineOp({
  type: 'OneHot',
  inputs: ['indices', 'depth', 'on_value', 'off_value'],
  attrs: { T: { type: 'type' }, TI: { type: 'type', default: 'int64' }, axis: { type: 'int', default: -1 } },
  shape: (c) => {
    const [ind, depth, on, off] = c.inputs;
    if (!INDEX_DTYPES.includes(ind.dtype)) c.fail(`indices '${ind.name}' must be int32 or int64, got ${ind.dtype}`);
    if (depth.dtype !== 'int32') c.fail(`depth '${depth.name}' must be int32, got ${depth.dtype}`);
    if (on.dtype !== off.dtype) c.fail(`on_value '${on.name}' (${on.dtype}) and off_value '${off.name}' (${off.dtype}) must have one dtype`);
    for (const [t, n] of [[depth, 'depth'], [on, 'on_value'], [off, 'off_value']] as const) {
      if (t.shape !== null && t.shape.length !== 0) c.fail(`${n} must be a scalar, but got shape ${formatShape(t.shape)}`);
    }
    const axis = c.attrs.axis as number;
    const dv = c.constValue(1);
    if (dv !== null && dv.data[0] < 0) c.fail(`depth must be non-negative, got ${dv.data[0]}`);
    if (ind.shape === null) {
      if (axis < -1) c.fail(`Expected axis to be -1 or non-negative, but received: ${axis}`);
      return out1(on.dtype, null);
    }
    const r = ind.shape.length;
    if (axis < -1 || axis > r) c.fail(`Expected axis to be -1 or between [0, ${r}].  But received: ${axis}`);
    const s = [...ind.shape];
    s.splice(axis === -1 ? r : axis, 0, dv === null ? null : dv.data[0]);
    return out1(on.dtype, s);
  },
  cpu: ([ind, dt, on, off], attrs, ctx) => {
    const fail = (m: string): never => { throw kernelError('OneHot', ctx.name, m); };
    const depth = dt.data[0];
    if (depth < 0) fail(`depth must be non-negative, got ${depth}`);
    const r = ind.rank;
    const axis0 = attrs.axis as number;
    if (axis0 < -1 || axis0 > r) fail(`Expected axis to be -1 or between [0, ${r}].  But received: ${axis0}`);
    const axis = axis0 === -1 ? r : axis0;
    const outShape = [...ind.shape];
    outShape.splice(axis, 0, depth);
    const out = empty(on.dtype, outShape);
    const outer = product(ind.shape.slice(0, axis));
    const inner = product(ind.shape.slice(axis));
    const onV = on.data[0], offV = off.data[0];
    for (let o = 0; o < outer; o++) {
      for (let j = 0; j < depth; j++) {
        for (let i = 0; i < inner; i++) out.data[(o * depth + j) * inner + i] = ind.data[o * inner + i] === j ? onV : offV;
      }
    }
    return [out];
  },
  // The depth is in the output shape; on/off values are literals when known, else read from their buffers.
  gpu: (k) => {
    const s = k.inputs[0].shape;
    const a = k.attrs.axis as number;
    const axis = a === -1 ? s.length : a;
    return oneHotKernel(k, product(s.slice(0, axis)), k.outputs[0].shape[axis], product(s.slice(axis)));
  },
  grad: 'not-differentiable',
});

/**
 * `tf.oneHot(indices, depth, {onValue?, offValue?, axis?, dtype?, name?})`: dtype defaults to onValue's/offValue's
 * when they are tensors, else float32; an index outside [0, depth) gives a row of offValue.
 */
export function oneHot(
  indices: TensorLike, depth: number | Tensor,
  opts: NameOpt & { onValue?: TensorLike; offValue?: TensorLike; axis?: number; dtype?: DType } = {},
): Tensor {
  const g = graphOf(indices, depth, opts.onValue, opts.offValue);
  const name = opts.name ?? 'one_hot';
  const what = `tf.oneHot '${name}'`;
  const tOn = opts.onValue instanceof Tensor ? opts.onValue.dtype : undefined;
  const tOff = opts.offValue instanceof Tensor ? opts.offValue.dtype : undefined;
  if (tOn !== undefined && tOff !== undefined && tOn !== tOff) throw new InvalidArgumentError(`${what}: onValue (${tOn}) and offValue (${tOff}) must have one dtype`);
  const dtype = opts.dtype ?? tOn ?? tOff ?? 'float32';
  for (const t of [tOn, tOff]) {
    if (t !== undefined && t !== dtype) throw new InvalidArgumentError(`${what}: onValue/offValue have dtype ${t}, but dtype is ${dtype}`);
  }
  return scoped(g, name, (node) => {
    const ind = indices instanceof Tensor ? convertToTensor(indices) : convertToTensor(indices, 'int32', 'indices', g);
    const d = depth instanceof Tensor ? convertToTensor(depth) : constant(depth, { dtype: 'int32', name: 'depth', graph: g });
    const on = valueTensor(opts.onValue ?? (dtype === 'bool' ? true : 1), 'on_value', g, dtype);
    const off = valueTensor(opts.offValue ?? (dtype === 'bool' ? false : 0), 'off_value', g, dtype);
    return addOp('OneHot', [ind, d, on, off], { T: dtype, TI: ind.dtype, axis: opts.axis ?? -1 }, node).outputs[0];
  });
}

// ---- GatherV2 ---------------------------------------------------------------------------------------------------------

/** Normalised batch_dims and axis for GatherV2 (axis null when unknown), or a failure. */
function gatherDims(pRank: number, iRank: number, batchDims0: number, axis0: number | null, fail: (m: string) => never): { b: number; axis: number | null } {
  let b = batchDims0;
  if (b < -iRank || b > iRank) fail(`Expected batch_dims in the range [${-iRank}, ${iRank}], but got ${b}`);
  if (b < 0) b += iRank;
  if (b > pRank) fail(`batch_dims (${b}) must be less than or equal to rank(params) (${pRank})`);
  if (axis0 === null) return { b, axis: null };
  const axis = normAxis(axis0, pRank);
  if (axis === undefined) return fail(`Expected axis in the range [${-pRank}, ${pRank}), but got ${axis0}`);
  if (b > axis) fail(`batch_dims (${b}) must be less than or equal to axis (${axis})`);
  return { b, axis };
}

defineOp({
  type: 'GatherV2',
  inputs: ['params', 'indices', 'axis'],
  attrs: {
    Tparams: { type: 'type' }, Tindices: { type: 'type' }, Taxis: { type: 'type', default: 'int32' },
    batch_dims: { type: 'int', default: 0 },
  },
  shape: (c) => {
    const [p, ind] = c.inputs;
    if (!INDEX_DTYPES.includes(ind.dtype)) c.fail(`indices '${ind.name}' must be int32 or int64, got ${ind.dtype}`);
    checkIndexInput(c, 2, 'axis', 0);
    const av = c.constValue(2);
    if (av !== null && av.size !== 1) c.fail(`axis must be a scalar, got shape ${formatShape(av.shape)}`);
    if (p.shape === null || ind.shape === null) return out1(p.dtype, null);
    const { b, axis } = gatherDims(p.shape.length, ind.shape.length, c.attrs.batch_dims as number, av === null ? null : av.data[0], c.fail);
    if (axis === null) return out1(p.dtype, new Array<Dim>(p.shape.length + ind.shape.length - 1 - b).fill(null));
    const batch: Dim[] = [];
    for (let i = 0; i < b; i++) {
      const m = mergeDim(p.shape[i], ind.shape[i]);
      if (m === undefined) return c.fail(`params.shape[${i}] = ${p.shape[i]} and indices.shape[${i}] = ${ind.shape[i]} must match for batch_dims ${b} (params ${formatShape(p.shape)}, indices ${formatShape(ind.shape)})`);
      batch.push(m);
    }
    return out1(p.dtype, [...batch, ...p.shape.slice(b, axis), ...ind.shape.slice(b), ...p.shape.slice(axis + 1)]);
  },
  cpu: ([p, ind, at], attrs, ctx) => {
    const fail = (m: string): never => { throw kernelError('GatherV2', ctx.name, m); };
    if (at.size !== 1) fail(`axis must be a scalar, got shape ${formatShape(at.shape)}`);
    const { b, axis: ax } = gatherDims(p.rank, ind.rank, attrs.batch_dims as number, at.data[0], fail);
    const axis = ax as number;
    for (let i = 0; i < b; i++) {
      if (p.shape[i] !== ind.shape[i]) fail(`params.shape[${i}] = ${p.shape[i]} and indices.shape[${i}] = ${ind.shape[i]} must match for batch_dims ${b}`);
    }
    const outShape = [...p.shape.slice(0, axis), ...ind.shape.slice(b), ...p.shape.slice(axis + 1)];
    const out = empty(p.dtype, outShape);
    const batch = product(p.shape.slice(0, b));
    const outer = product(p.shape.slice(b, axis));
    const limit = p.shape[axis];
    const inner = product(p.shape.slice(axis + 1));
    const nIdx = product(ind.shape.slice(b));
    const indStrides = stridesOf(ind.shape);
    for (let k = 0; k < ind.size; k++) {
      const v = ind.data[k];
      if (!(v >= 0 && v < limit)) {
        const pos = indStrides.map((s, i) => Math.floor(k / s) % ind.shape[i]);
        fail(`indices[${pos.join(',')}] = ${v} is not in [0, ${limit})`);
      }
    }
    for (let bi = 0; bi < batch; bi++) {
      for (let o = 0; o < outer; o++) {
        for (let n = 0; n < nIdx; n++) {
          const idx = ind.data[bi * nIdx + n];
          const src = ((bi * outer + o) * limit + idx) * inner;
          out.data.set(p.data.subarray(src, src + inner), ((bi * outer + o) * nIdx + n) * inner);
        }
      }
    }
    return [out];
  },
  gpu: (k) => {
    const [p, ind] = k.inputs;
    const { b, axis } = gatherDims(p.shape.length, ind.shape.length, k.attrs.batch_dims as number, k.requireConst(2, 'axis').data[0], k.fail);
    return gatherKernel(k, b, axis as number);
  },
  grad: gatherGrad,
});

/**
 * `tf.gather(x, indices, axis = 0, {batchDims?, name?})`: TF's GatherV2. Indices are int32/int64 (JS numbers become an
 * int32 Const); an index outside [0, dim) is an InvalidArgumentError at run time.
 */
export function gather(x: TensorLike, indices: TensorLike, axis: number | Tensor = 0, opts: NameOpt & { batchDims?: number } = {}): Tensor {
  const g = graphOf(x, indices, axis);
  const name = opts.name ?? 'GatherV2';
  return scoped(g, name, (node) => {
    const p = valueTensor(x, 'params', g);
    const ind = indices instanceof Tensor ? convertToTensor(indices) : convertToTensor(indices, 'int32', 'indices', g);
    if (!INDEX_DTYPES.includes(ind.dtype)) throw new InvalidArgumentError(`tf.gather '${name}': indices '${ind.name}' must be int32 or int64, got ${ind.dtype}`);
    const a = intTensor(axis, 'axis', g, `tf.gather '${name}'`);
    return addOp('GatherV2', [p, ind, a], { Tparams: p.dtype, Tindices: ind.dtype, Taxis: a.dtype, batch_dims: opts.batchDims ?? 0 }, node).outputs[0];
  });
}

/**
 * TF's _GatherV2Grad, dense: TF returns IndexedSlices; Kiln has no sparse gradients, so the rows of dy are summed into
 * zeros of params' shape with UnsortedSegmentSum (repeated indices accumulate). Params are seen as
 * [batch, outer, limit, inner] and dy as [batch, outer, n, inner]; with batch_dims the segment of index k in batch b
 * is b * limit + k. The axis (and the ranks) must be known while building.
 */
function gatherGrad(op: Operation, [dy]: ReadonlyArray<Tensor | null>): Array<Tensor | null> {
  const [params, indices, axisT] = op.inputs;
  const av = staticValue(axisT);
  if (av === null || params.rank === null || indices.rank === null) {
    throw new UnimplementedError(`The gradient of GatherV2 node '${op.name}' needs its axis and the ranks of params and indices known while building`);
  }
  const { b, axis } = gatherDims(params.rank, indices.rank, op.attrs.batch_dims as number, av.data[0], (m) => {
    throw new InternalError(`GatherV2 node '${op.name}': ${m}`);
  });
  const ax = axis as number;
  const p = shapeVec(params);
  const batch = vecProd(vecSlice(p, 0, b)), outer = vecProd(vecSlice(p, b, ax)), limit = vecSlice(p, ax, ax + 1);
  const inner = vecProd(vecSlice(p, ax + 1)), n = vecProd(vecSlice(shapeVec(indices), b));
  const mulVec = (x: IntVec, y: IntVec): IntVec => vecOp(x, y, (u, v) => u * v, mul);
  let ids = indices;
  if (b > 0) {
    const offsets = mul(expandDims(range(0, vecScalar(batch)), 1), vecScalar(limit));
    ids = add(reshape(indices, vecTensorOrArray(vecConcat([batch, n]))), indices.dtype === 'int32' ? offsets : cast(offsets, indices.dtype));
  }
  ids = reshape(ids, [-1]);
  const segments = vecScalar(mulVec(batch, limit));
  let summed: Tensor;
  if (Array.isArray(outer) && outer[0] === 1) {
    summed = unsortedSegmentSum(reshape(dy!, vecTensorOrArray(vecConcat([[-1], inner]))), ids, segments);
  } else {
    const rows = transpose(reshape(dy!, vecTensorOrArray(vecConcat([batch, outer, n, inner]))), [0, 2, 1, 3]);
    const s = unsortedSegmentSum(reshape(rows, vecTensorOrArray(vecConcat([[-1], outer, inner]))), ids, segments);
    summed = transpose(reshape(s, vecTensorOrArray(vecConcat([batch, limit, outer, inner]))), [0, 2, 1, 3]);
  }
  return [reshape(summed, vecTensorOrArray(p)), null, null];
}

// ---- UnsortedSegmentSum -----------------------------------------------------------------------------------------------

const SEGMENT_DTYPES: readonly DType[] = ['float32', 'float64', 'int32', 'int64'];

/** Segment ids scanned per GPU dispatch: llvmpipe ends any loop after 65,535 iterations, so longer scans are split. */
const SEGMENT_SCAN = 32768;

defineOp({
  type: 'UnsortedSegmentSum',
  inputs: ['data', 'segment_ids', 'num_segments'],
  attrs: { T: { type: 'type' }, Tindices: { type: 'type' }, Tnumsegments: { type: 'type', default: 'int32' } },
  shape: (c) => {
    const [data, ids] = c.inputs;
    if (!SEGMENT_DTYPES.includes(data.dtype)) c.fail(`data '${data.name}' has dtype ${data.dtype}; allowed: ${SEGMENT_DTYPES.join(', ')}`);
    checkIndexInput(c, 1, 'segment_ids');
    checkIndexInput(c, 2, 'num_segments', 0);
    const nv = c.constValue(2);
    if (nv !== null && nv.data[0] < 0) c.fail(`num_segments must be non-negative, got ${nv.data[0]}`);
    if (data.shape === null || ids.shape === null) return out1(data.dtype, null);
    if (ids.shape.length > data.shape.length || ids.shape.some((d, i) => mergeDim(d, data.shape![i]) === undefined)) {
      c.fail(`data.shape = ${formatShape(data.shape)} does not start with segment_ids.shape = ${formatShape(ids.shape)}`);
    }
    return out1(data.dtype, [nv === null ? null : nv.data[0], ...data.shape.slice(ids.shape.length)]);
  },
  cpu: ([data, ids, ns], _, ctx) => {
    const fail = (m: string): never => { throw kernelError('UnsortedSegmentSum', ctx.name, m); };
    if (ns.size !== 1) fail(`num_segments should be a scalar, not shape ${formatShape(ns.shape)}`);
    const segments = ns.data[0];
    if (segments < 0) fail(`num_segments must be non-negative, got ${segments}`);
    if (ids.rank > data.rank || ids.shape.some((d, i) => d !== data.shape[i])) {
      fail(`data.shape = ${formatShape(data.shape)} does not start with segment_ids.shape = ${formatShape(ids.shape)}`);
    }
    const inner = product(data.shape.slice(ids.rank));
    const out = empty(data.dtype, [segments, ...data.shape.slice(ids.rank)]);
    const idStrides = stridesOf(ids.shape);
    for (let k = 0; k < ids.size; k++) {
      const s = ids.data[k];
      if (s < 0) continue; // dropped, as TensorFlow does
      if (s >= segments) fail(`segment_ids[${idStrides.map((st, d) => Math.floor(k / st) % ids.shape[d]).join(',')}] = ${s} is out of range [0, ${segments})`);
      for (let j = 0; j < inner; j++) out.data[s * inner + j] += data.data[k * inner + j];
    }
    return [out];
  },
  gpu: segmentSumKernel,
  // TF's _UnsortedSegmentSumGrad: each data row gets its segment's gradient, a dropped (negative) id's row gets 0.
  grad: (op, [dy]) => {
    const ids = op.inputs[1];
    const gathered = gather(dy!, maximum(ids, 0));
    const extra = gathered.rank !== null && ids.rank !== null
      ? new Array<number>(gathered.rank - ids.rank).fill(1)
      : fill(reshape(sub(rank(gathered), rank(ids)), [1]), constant(1, { dtype: 'int32' }));
    const keep = reshape(greaterEqual(ids, 0), vecTensorOrArray(vecConcat([shapeVec(ids), extra])));
    return [where(keep, gathered, 0), null, null];
  },
});

/**
 * UnsortedSegmentSum on the GPU (no float atomics in WGSL): one thread per output element, which scans the segment
 * ids and adds the data of those equal to its segment, SEGMENT_SCAN ids per dispatch (each later dispatch adds to the
 * output). The first dispatch also checks the ids: one past the segments sets the status (a negative one is dropped).
 */
function segmentSumKernel(k: GpuKernelContext): GpuKernel {
  const [data, ids] = k.inputs;
  const out = k.outputs[0];
  const m = ids.size;
  const segments = out.shape[0];
  const inner = product(data.shape.slice(ids.shape.length));
  if (m === 0) return out.size === 0 ? { dispatches: [] } : fillKernel(k, { literal: literal(0, out.dtype) });
  const t = wgslType(out.dtype);
  const zero = literal(0, out.dtype);
  const dispatches: GpuDispatch[] = [];
  for (let start = 0; start < m; start += SEGMENT_SCAN) {
    const end = Math.min(m, start + SEGMENT_SCAN);
    const first = start === 0;
    const decls = [binding(0, 'ids', 'i32')];
    const bindings: GpuBinding[] = [{ input: 1 }];
    if (out.size > 0) {
      decls.push(binding(1, 'data', t), binding(2, 'y', t, true));
      bindings.push({ input: 0 }, { output: 0 });
    }
    let body = '';
    if (first) {
      decls.push(`@group(0) @binding(${bindings.length}) var<storage, read_write> status: array<atomic<u32>>;`);
      bindings.push({ status: true });
      body += `if (i < ${m}u) {
    let s = ids[i];
    if (s >= ${segments}i) {
      if (atomicExchange(&status[3], 1u) == 0u) { atomicStore(&status[1], i); atomicStore(&status[2], bitcast<u32>(s)); }
      atomicStore(&status[0], 1u);
    }
  }
  `;
    }
    if (out.size > 0) {
      body += `if (i < ${out.size}u) {
    let s = i32(i / ${inner}u);
    let r = i % ${inner}u;
    var acc = ${first ? zero : 'y[i]'};
    for (var j = ${start}u; j < ${end}u; j = j + 1u) {
      if (ids[j] == s) { acc = acc + data[j * ${inner}u + r]; }
    }
    y[i] = acc;
  }`;
    }
    const count = first ? Math.max(m, out.size) : out.size;
    if (count === 0) continue;
    const g = grid(count);
    dispatches.push({
      code: `${decls.join('\n')}
@compute @workgroup_size(${WG}) fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = ${g.flatIndex};
  ${body}
}`,
      bindings,
      workgroups: g.workgroups,
    });
  }
  const idStrides = stridesOf(ids.shape);
  return {
    dispatches,
    check: (_code, words) => {
      const pos = idStrides.map((s, d) => Math.floor(words[1] / s) % ids.shape[d]);
      return `UnsortedSegmentSum node '${k.name}': segment_ids[${pos.join(',')}] = ${words[2] | 0} is out of range [0, ${segments})`;
    },
  };
}

/**
 * `tf.unsortedSegmentSum(data, segmentIds, numSegments, {name?})`: output[s] = the sum of the data rows whose id is s
 * (segmentIds' shape is a prefix of data's); a negative id's row is dropped, an id >= numSegments is an error.
 */
export function unsortedSegmentSum(data: TensorLike, segmentIds: TensorLike, numSegments: number | Tensor, opts: NameOpt = {}): Tensor {
  const g = graphOf(data, segmentIds, numSegments);
  const name = opts.name ?? 'UnsortedSegmentSum';
  return scoped(g, name, (node) => {
    const d = valueTensor(data, 'data', g);
    const ids = segmentIds instanceof Tensor ? convertToTensor(segmentIds) : convertToTensor(segmentIds, 'int32', 'segment_ids', g);
    const n = numSegments instanceof Tensor ? convertToTensor(numSegments) : constant(numSegments, { dtype: 'int32', name: 'num_segments', graph: g });
    return addOp('UnsortedSegmentSum', [d, ids, n], { T: d.dtype, Tindices: ids.dtype, Tnumsegments: n.dtype }, node).outputs[0];
  });
}
