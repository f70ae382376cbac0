// More of TF's array ops, for graphs TensorFlow wrote: ReverseV2, Roll, the matrix diagonal ops (MatrixDiag,
// MatrixSetDiag, MatrixDiagPart, MatrixBandPart), SpaceToBatchND/BatchToSpaceND, DepthToSpace/SpaceToDepth,
// BroadcastTo, BroadcastArgs, ReverseSequence, GatherNd, ScatterNd, and the pass-through ops IdentityN, ShapeN, Empty,
// DeepCopy, CheckNumerics and Assert. Declared as in TF's array_ops.cc (logging_ops.cc for Assert), gradients as in
// array_grad.py. Every kernel here is index math: an output coordinate's source coordinate (ops/wgsl/extra.ts).
import { DType, isFloat } from '../graph/dtypes.js';
import { InvalidArgumentError } from '../graph/errors.js';
import { NDArray } from '../graph/ndarray.js';
import { Dim, formatShape, normAxis, Shape, stridesOf } from '../graph/shape.js';
import { Operation, Tensor } from '../graph/tensor.js';
import {
  ALIAS_INPUT, checkIndexInput, COMPUTED_AT_COMPILE_TIME, graphOf, intTensor, IntArg, kernelError, out1, reshape, scoped,
  shape as shapeOf, valueTensor, zerosLike,
} from './array.js';
import { broadcastIndex, empty, intList } from './cpu.js';
import { GpuKernel, GpuKernelContext, literal } from './gpu.js';
import { cast, neg, reduceSum } from './math.js';
import { addOp, defineOp, OutputSpec, ShapeContext } from './registry.js';
import { constant, convertToTensor, NameOpt, TensorLike } from './values.js';
import { affineCopy, fillKernel } from './wgsl/array.js';
import { checkLoop, coordKernel, flatIndex } from './wgsl/extra.js';

// ---- helpers ----------------------------------------------------------------------------------------------------------

const product = (dims: readonly number[]): number => dims.reduce((p, d) => p * d, 1);
const knownShape = (s: Shape): s is number[] => s !== null && s.every((d) => d !== null);

/**
 * out[c] = x[src(c)] for every output coordinate c, or `fill` where src gives -1: the reference behind every op here.
 * `c` is reused between calls (read it, do not keep it).
 */
function mapCoords(x: NDArray, outShape: readonly number[], src: (c: readonly number[]) => number, fill = 0): NDArray {
  const out = empty(x.dtype, outShape);
  const c = new Array<number>(outShape.length).fill(0);
  for (let i = 0; i < out.size; i++) {
    const s = src(c);
    out.data[i] = s < 0 ? fill : x.data[s];
    for (let d = outShape.length - 1; d >= 0; d--) {
      if (++c[d] < outShape[d]) break;
      c[d] = 0;
    }
  }
  return out;
}

const flat = (strides: readonly number[], c: readonly number[]): number => c.reduce((s, v, d) => s + v * strides[d], 0);

/** Normalised axes from an int vector or scalar, or a failure naming what is wrong. */
function axesOf(v: NDArray, rank: number, fail: (m: string) => never, unique = true): number[] {
  const out: number[] = [];
  for (const a of intList(v)) {
    const n = normAxis(a, rank);
    if (n === undefined) fail(`axis ${a} is out of range for a tensor of rank ${rank}`);
    if (unique && out.includes(n)) fail(`axis ${a} specified more than once`);
    out.push(n);
  }
  return out;
}

// ---- ReverseV2 --------------------------------------------------------------------------------------------------------

defineOp({
  type: 'ReverseV2',
  inputs: ['tensor', 'axis'],
  attrs: { Tidx: { type: 'type', default: 'int32' }, T: { type: 'type' } },
  shape: (c) => {
    const x = c.inputs[0];
    checkIndexInput(c, 1, 'axis', 1);
    const a = c.constValue(1);
    if (a !== null && x.shape !== null) axesOf(a, x.shape.length, c.fail);
    return out1(x.dtype, x.shape);
  },
  cpu: ([x, a], _, ctx) => {
    const rev = axesOf(a, x.rank, (m) => { throw kernelError('ReverseV2', ctx.name, m); });
    const st = stridesOf(x.shape);
    return [mapCoords(x, x.shape, (c) => c.reduce((s, v, d) => s + (rev.includes(d) ? x.shape[d] - 1 - v : v) * st[d], 0))];
  },
  gpu: (k) => {
    const x = k.inputs[0];
    const rev = axesOf(k.requireConst(1, 'axis'), x.shape.length, k.fail);
    const st = stridesOf(x.shape);
    const offset = rev.reduce((s, d) => s + (x.shape[d] - 1) * st[d], 0);
    return affineCopy(k, 0, x.shape.map((n, d) => ({ n, stride: rev.includes(d) ? -st[d] : st[d] })), offset);
  },
  // TF's _ReverseV2Grad: the gradient reversed the same way.
  grad: (op, [g]) => [reverse(g!, op.inputs[1]), null],
});

/** `tf.reverse(tensor, axis)` (ReverseV2): the elements in reverse order along each axis listed. */
export function reverse(tensor: TensorLike, axis: IntArg, opts: NameOpt = {}): Tensor {
  const g = graphOf(tensor, axis);
  return scoped(g, opts.name ?? 'ReverseV2', (node) => {
    const x = valueTensor(tensor, 'tensor', g);
    const a = intTensor(typeof axis === 'number' ? [axis] : axis, 'axis', g, `tf.reverse '${node.name}'`);
    return addOp('ReverseV2', [x, a], { T: x.dtype, Tidx: a.dtype }, node).outputs[0];
  });
}

// ---- Roll -------------------------------------------------------------------------------------------------------------

/** Roll's shift per dim (repeated axes add up), from its shift and axis inputs. */
function rollShifts(shape: readonly number[], s: NDArray, a: NDArray, fail: (m: string) => never): number[] {
  if (s.rank > 1 || a.rank > 1) fail(`shift and axis must be scalars or vectors, got shapes ${formatShape(s.shape)} and ${formatShape(a.shape)}`);
  if (s.size !== a.size) fail(`shift and axis must have the same size, got ${s.size} and ${a.size}`);
  const axes = axesOf(a, shape.length, fail, false);
  const out = new Array<number>(shape.length).fill(0);
  axes.forEach((d, i) => { out[d] += s.data[i]; });
  return out.map((v, d) => (shape[d] === 0 ? 0 : ((v % shape[d]) + shape[d]) % shape[d]));
}

defineOp({
  type: 'Roll',
  inputs: ['input', 'shift', 'axis'],
  attrs: { T: { type: 'type' }, Tshift: { type: 'type' }, Taxis: { type: 'type' } },
  shape: (c) => {
    checkIndexInput(c, 1, 'shift');
    checkIndexInput(c, 2, 'axis');
    const [x, s, a] = c.inputs;
    if (s.shape !== null && s.shape.length > 1) c.fail(`shift must be a scalar or a vector, got shape ${formatShape(s.shape)}`);
    if (a.shape !== null && a.shape.length > 1) c.fail(`axis must be a scalar or a vector, got shape ${formatShape(a.shape)}`);
    const sv = c.constValue(1), av = c.constValue(2);
    if (sv !== null && av !== null && x.shape !== null && knownShape(x.shape)) rollShifts(x.shape, sv, av, c.fail);
    return out1(x.dtype, x.shape);
  },
  cpu: ([x, s, a], _, ctx) => {
    const sh = rollShifts(x.shape, s, a, (m) => { throw kernelError('Roll', ctx.name, m); });
    const st = stridesOf(x.shape);
    return [mapCoords(x, x.shape, (c) => c.reduce((acc, v, d) => acc + ((v - sh[d] + x.shape[d]) % x.shape[d]) * st[d], 0))];
  },
  gpu: (k) => {
    const x = k.inputs[0];
    const sh = rollShifts(x.shape, k.requireConst(1, 'shift'), k.requireConst(2, 'axis'), k.fail);
    return coordKernel(k, [0], (c) => `y[i] = in0[${flatIndex(x.shape, c.map((v, d) => (sh[d] === 0 ? v : `(${v} + ${x.shape[d] - sh[d]}) % ${x.shape[d]}`)))}];`);
  },
  // TF's _RollGrad: rolled back by -shift.
  grad: (op, [g]) => [roll(g!, neg(op.inputs[1]), op.inputs[2]), null, null],
});

/** `tf.roll(input, shift, axis)` (tf.manip.roll): elements shifted along axes, wrapping around. */
export function roll(input: TensorLike, shift: IntArg, axis: IntArg, opts: NameOpt = {}): Tensor {
  const g = graphOf(input, shift, axis);
  return scoped(g, opts.name ?? 'Roll', (node) => {
    const x = valueTensor(input, 'input', g);
    const s = intTensor(shift, 'shift', g, `tf.roll '${node.name}'`);
    const a = intTensor(axis, 'axis', g, `tf.roll '${node.name}'`);
    return addOp('Roll', [x, s, a], { T: x.dtype, Tshift: s.dtype, Taxis: a.dtype }, node).outputs[0];
  });
}

// ---- MatrixDiag, MatrixSetDiag, MatrixDiagPart, MatrixBandPart -------------------------------------------------------

function needRank(c: ShapeContext, i: number, min: number): void {
  const t = c.inputs[i];
  if (t.shape !== null && t.shape.length < min) c.fail(`input '${t.name}' must be at least rank ${min}, got shape ${formatShape(t.shape)}`);
}

const minDim = (a: Dim, b: Dim): Dim => (a === null || b === null ? (a === 0 || b === 0 ? 0 : null) : Math.min(a, b));

defineOp({
  type: 'MatrixDiag',
  inputs: ['diagonal'],
  attrs: { T: { type: 'type' } },
  shape: (c) => {
    needRank(c, 0, 1);
    const s = c.inputs[0].shape;
    return out1(c.inputs[0].dtype, s === null ? null : [...s, s[s.length - 1]]);
  },
  cpu: ([d]) => {
    const n = d.shape[d.rank - 1];
    return [mapCoords(d, [...d.shape, n], (c) => {
      const r = c.length - 2;
      if (c[r] !== c[r + 1]) return -1;
      let s = 0;
      for (let j = 0; j <= r; j++) s = s * d.shape[j] + c[j];
      return s;
    })];
  },
  gpu: (k) => {
    const d = k.inputs[0];
    const r = d.shape.length - 1;
    return coordKernel(k, [0], (c) => `y[i] = select(${literal(0, d.dtype)}, in0[${flatIndex(d.shape, c.slice(0, r + 1))}], ${c[r]} == ${c[r + 1]});`);
  },
  // TF's _MatrixDiagGrad: the gradient's diagonal.
  grad: (op, [g]) => [matrixDiagPart(g!)],
});

defineOp({
  type: 'MatrixSetDiag',
  inputs: ['input', 'diagonal'],
  attrs: { T: { type: 'type' } },
  shape: (c) => {
    needRank(c, 0, 2);
    const [x, d] = c.inputs;
    if (d.dtype !== x.dtype) c.fail(`diagonal '${d.name}' is ${d.dtype} but input '${x.name}' is ${x.dtype}`);
    if (x.shape !== null && d.shape !== null) {
      const r = x.shape.length;
      const want = [...x.shape.slice(0, r - 2), minDim(x.shape[r - 2], x.shape[r - 1])];
      if (d.shape.length !== want.length || d.shape.some((v, i) => v !== null && want[i] !== null && v !== want[i])) {
        c.fail(`diagonal must have shape ${formatShape(want)} for input ${formatShape(x.shape)}, got ${formatShape(d.shape)}`);
      }
    }
    return out1(x.dtype, x.shape);
  },
  cpu: ([x, d], _, ctx) => {
    const r = x.rank;
    if (d.rank !== r - 1 || d.shape[r - 2] !== Math.min(x.shape[r - 2], x.shape[r - 1]) || d.shape.slice(0, r - 2).some((v, i) => v !== x.shape[i])) {
      throw kernelError('MatrixSetDiag', ctx.name, `diagonal must have shape [...${formatShape(x.shape.slice(0, r - 2))}, min(M, N)] for input ${formatShape(x.shape)}, got ${formatShape(d.shape)}`);
    }
    const out = new NDArray(x.dtype, x.shape, x.data.slice());
    const m = x.shape[r - 2], n = x.shape[r - 1], p = d.shape[r - 2];
    for (let b = 0; b < x.size / (m * n || 1) && m * n > 0; b++) for (let j = 0; j < p; j++) out.data[b * m * n + j * n + j] = d.data[b * p + j];
    return [out];
  },
  gpu: (k) => {
    const [x, d] = k.inputs;
    const r = x.shape.length;
    return coordKernel(k, [0, 1], (c) => `y[i] = select(in0[i], in1[${flatIndex(d.shape, [...c.slice(0, r - 2), c[r - 1]])}], ${c[r - 2]} == ${c[r - 1]});`);
  },
  // TF's _MatrixSetDiagGrad: the gradient off the diagonal for the input, its diagonal for the diagonal.
  grad: (op, [g]) => [matrixSetDiag(g!, zerosLike(op.inputs[1])), matrixDiagPart(g!)],
});

defineOp({
  type: 'MatrixDiagPart',
  inputs: ['input'],
  attrs: { T: { type: 'type' } },
  shape: (c) => {
    needRank(c, 0, 2);
    const s = c.inputs[0].shape;
    return out1(c.inputs[0].dtype, s === null ? null : [...s.slice(0, -2), minDim(s[s.length - 2], s[s.length - 1])]);
  },
  cpu: ([x]) => {
    const r = x.rank;
    const st = stridesOf(x.shape);
    return [mapCoords(x, [...x.shape.slice(0, r - 2), Math.min(x.shape[r - 2], x.shape[r - 1])], (c) => flat(st, [...c, c[r - 2]]))];
  },
  gpu: (k) => {
    const x = k.inputs[0];
    return coordKernel(k, [0], (c) => `y[i] = in0[${flatIndex(x.shape, [...c, c[c.length - 1]])}];`);
  },
  // TF's _MatrixDiagPartGrad: the gradient set on the diagonal of zeros of the input's shape.
  grad: (op, [g]) => [matrixSetDiag(zerosLike(op.inputs[0]), g!)],
});

/** TF's band test: keep (i, j) when (lower < 0 or i - j <= lower) and (upper < 0 or j - i <= upper). */
const inBand = (i: number, j: number, lower: number, upper: number): boolean => (lower < 0 || i - j <= lower) && (upper < 0 || j - i <= upper);

function bandLimits(x: readonly number[], lo: NDArray, up: NDArray, fail: (m: string) => never): [number, number] {
  if (lo.size !== 1 || up.size !== 1) fail(`num_lower and num_upper must be scalars, got shapes ${formatShape(lo.shape)} and ${formatShape(up.shape)}`);
  const [m, n] = x.slice(-2);
  if (lo.data[0] > m) fail(`num_lower must be negative or less or equal to number of rows (${m}) got: ${lo.data[0]}`);
  if (up.data[0] > n) fail(`num_upper must be negative or less or equal to number of columns (${n}) got: ${up.data[0]}`);
  return [lo.data[0], up.data[0]];
}

defineOp({
  type: 'MatrixBandPart',
  inputs: ['input', 'num_lower', 'num_upper'],
  attrs: { T: { type: 'type' }, Tindex: { type: 'type', default: 'int64' } },
  shape: (c) => {
    needRank(c, 0, 2);
    checkIndexInput(c, 1, 'num_lower', 0);
    checkIndexInput(c, 2, 'num_upper', 0);
    return out1(c.inputs[0].dtype, c.inputs[0].shape);
  },
  cpu: ([x, lo, up], _, ctx) => {
    const [l, u] = bandLimits(x.shape, lo, up, (m) => { throw kernelError('MatrixBandPart', ctx.name, m); });
    const r = x.rank;
    return [mapCoords(x, x.shape, (c) => (inBand(c[r - 2], c[r - 1], l, u) ? flat(stridesOf(x.shape), c) : -1))];
  },
  gpu: (k) => {
    const x = k.inputs[0];
    const [l, u] = bandLimits(x.shape, k.requireConst(1, 'num_lower'), k.requireConst(2, 'num_upper'), k.fail);
    const r = x.shape.length;
    const conds = [l >= 0 ? `c${r - 2} - c${r - 1} <= ${l}` : 'true', u >= 0 ? `c${r - 1} - c${r - 2} <= ${u}` : 'true'];
    return coordKernel(k, [0], () => `y[i] = select(${literal(0, x.dtype)}, in0[i], ${conds.join(' && ')});`);
  },
  // TF's _MatrixBandPartGrad: the same band of the gradient.
  grad: (op, [g]) => [matrixBandPart(g!, op.inputs[1], op.inputs[2]), null, null],
});

/** `tf.matrixDiag(diagonal)`: batched square matrices with `diagonal` on their diagonals. */
export function matrixDiag(diagonal: TensorLike, opts: NameOpt = {}): Tensor {
  const d = convertToTensor(diagonal);
  return addOp('MatrixDiag', [d], { T: d.dtype }, { name: opts.name ?? 'MatrixDiag' }).outputs[0];
}
/** `tf.matrixSetDiag(input, diagonal)`: `input` with its (batched) diagonals replaced. */
export function matrixSetDiag(input: TensorLike, diagonal: TensorLike, opts: NameOpt = {}): Tensor {
  const x = convertToTensor(input);
  const d = convertToTensor(diagonal, x.dtype);
  return addOp('MatrixSetDiag', [x, d], { T: x.dtype }, { name: opts.name ?? 'MatrixSetDiag' }).outputs[0];
}
/** `tf.matrixDiagPart(input)`: the (batched) diagonals. */
export function matrixDiagPart(input: TensorLike, opts: NameOpt = {}): Tensor {
  const x = convertToTensor(input);
  return addOp('MatrixDiagPart', [x], { T: x.dtype }, { name: opts.name ?? 'MatrixDiagPart' }).outputs[0];
}
/** `tf.matrixBandPart(input, numLower, numUpper)`: zeros outside the band (a negative count keeps that whole triangle). */
export function matrixBandPart(input: TensorLike, numLower: number | Tensor, numUpper: number | Tensor, opts: NameOpt = {}): Tensor {
  const g = graphOf(input, numLower, numUpper);
  return scoped(g, opts.name ?? 'MatrixBandPart', (node) => {
    const x = valueTensor(input, 'input', g);
    const lo = numLower instanceof Tensor ? numLower : constant(numLower, { dtype: 'int64', name: 'num_lower', graph: g });
    const up = numUpper instanceof Tensor ? numUpper : constant(numUpper, { dtype: 'int64', name: 'num_upper', graph: g });
    return addOp('MatrixBandPart', [x, lo, up], { T: x.dtype, Tindex: lo.dtype }, node).outputs[0];
  });
}

// ---- SpaceToBatchND, BatchToSpaceND -----------------------------------------------------------------------------------

interface BlockGeometry { block: number[]; pads: number[] }

/** block_shape [M] (each >= 1) and paddings or crops [M, 2] (each >= 0), checked. */
function blockGeometry(b: NDArray, p: NDArray, what: 'paddings' | 'crops', fail: (m: string) => never): BlockGeometry {
  if (b.rank !== 1) fail(`block_shape must be a vector, got shape ${formatShape(b.shape)}`);
  const m = b.size;
  if (p.rank !== 2 || p.shape[0] !== m || p.shape[1] !== 2) fail(`${what} must have shape [${m}, 2], got ${formatShape(p.shape)}`);
  const block = intList(b), pads = intList(p);
  if (block.some((v) => v < 1)) fail(`block_shape must be positive, got ${formatShape(block)}`);
  if (pads.some((v) => v < 0)) fail(`${what} must be non-negative, got ${formatShape(pads)}`);
  return { block, pads };
}

/** The output shape of SpaceToBatchND (sign 1) or BatchToSpaceND (sign -1) for a known geometry. */
function blockShape(x: Shape, g: BlockGeometry | null, m: number | null, sign: 1 | -1, fail: (m: string) => never): Shape {
  if (x === null) return null;
  if (m !== null && x.length < m + 1) fail(`input must have rank at least ${m + 1}, got shape ${formatShape(x)}`);
  if (g === null) return x.map(() => null);
  const prod = product(g.block);
  const out: Dim[] = [...x];
  if (x[0] !== null) {
    if (sign === -1 && x[0] % prod !== 0) fail(`input batch ${x[0]} is not divisible by the product of block_shape ${prod}`);
    out[0] = sign === 1 ? x[0] * prod : x[0] / prod;
  }
  g.block.forEach((bs, d) => {
    const n = x[d + 1];
    if (n === null) return;
    const edges = g.pads[2 * d] + g.pads[2 * d + 1];
    if (sign === 1) {
      if ((n + edges) % bs !== 0) fail(`padded spatial dim ${d} (${n} + ${edges}) is not divisible by block size ${bs}`);
      out[d + 1] = (n + edges) / bs;
    } else {
      if (n * bs < edges) fail(`crops ${edges} exceed the spatial dim ${d} (${n} * ${bs})`);
      out[d + 1] = n * bs - edges;
    }
  });
  return out;
}

function blockShapeRule(c: ShapeContext, sign: 1 | -1): OutputSpec[] {
  const what = sign === 1 ? 'paddings' : 'crops';
  checkIndexInput(c, 1, 'block_shape', 1);
  checkIndexInput(c, 2, what, 2);
  const b = c.constValue(1), p = c.constValue(2);
  const m = c.inputs[1].shape?.[0] ?? null;
  const g = b !== null && p !== null ? blockGeometry(b, p, what, c.fail) : null;
  return out1(c.inputs[0].dtype, blockShape(c.inputs[0].shape, g, m, sign, c.fail));
}

/**
 * The source coordinate map shared by both ops, seen from the space side: batch b of the space tensor, offset o (the
 * flattened position inside a block, row-major) and spatial coordinate s of the batch tensor meet at padded space
 * coordinate s * block + o_d, and batch o * B + b.
 */
function spaceToBatchCpu(x: NDArray, g: BlockGeometry): NDArray {
  const m = g.block.length;
  const outShape = blockShape(x.shape, g, m, 1, () => { throw new InvalidArgumentError('unreachable'); }) as number[];
  const batch = x.shape[0];
  const st = stridesOf(x.shape);
  const blockStrides = stridesOf(g.block);
  return mapCoords(x, outShape, (c) => {
    const off = Math.floor(c[0] / batch);
    let s = (c[0] % batch) * st[0];
    for (let d = 0; d < m; d++) {
      const o = Math.floor(off / blockStrides[d]) % g.block[d];
      const p = c[d + 1] * g.block[d] + o - g.pads[2 * d];
      if (p < 0 || p >= x.shape[d + 1]) return -1;
      s += p * st[d + 1];
    }
    for (let d = m + 1; d < c.length; d++) s += c[d] * st[d];
    return s;
  });
}

function batchToSpaceCpu(x: NDArray, g: BlockGeometry): NDArray {
  const m = g.block.length;
  const outShape = blockShape(x.shape, g, m, -1, () => { throw new InvalidArgumentError('unreachable'); }) as number[];
  const batch = outShape[0];
  const st = stridesOf(x.shape);
  const blockStrides = stridesOf(g.block);
  return mapCoords(x, outShape, (c) => {
    let off = 0, s = 0;
    for (let d = 0; d < m; d++) {
      const p = c[d + 1] + g.pads[2 * d];
      off += (p % g.block[d]) * blockStrides[d];
      s += Math.floor(p / g.block[d]) * st[d + 1];
    }
    for (let d = m + 1; d < c.length; d++) s += c[d] * st[d];
    return s + (off * batch + c[0]) * st[0];
  });
}

function spaceToBatchGpu(k: GpuKernelContext, g: BlockGeometry): GpuKernel {
  const x = k.inputs[0];
  const m = g.block.length;
  const batch = x.shape[0];
  const blockStrides = stridesOf(g.block);
  return coordKernel(k, [0], (c) => {
    const lines = [`let off = ${c[0]} / ${batch};`, 'var inside = true;'];
    const coords = [`${c[0]} % ${batch}`];
    for (let d = 0; d < m; d++) {
      lines.push(`let p${d} = ${c[d + 1]} * ${g.block[d]} + (off / ${blockStrides[d]}) % ${g.block[d]} - ${g.pads[2 * d]};`,
        `inside = inside && p${d} >= 0 && p${d} < ${x.shape[d + 1]};`);
      coords.push(`p${d}`);
    }
    coords.push(...c.slice(m + 1));
    return `${lines.join('\n  ')}\n  y[i] = select(${literal(0, x.dtype)}, in0[select(0, ${flatIndex(x.shape, coords)}, inside)], inside);`;
  });
}

function batchToSpaceGpu(k: GpuKernelContext, g: BlockGeometry): GpuKernel {
  const x = k.inputs[0];
  const m = g.block.length;
  const batch = k.outputs[0].shape[0];
  const blockStrides = stridesOf(g.block);
  return coordKernel(k, [0], (c) => {
    const lines: string[] = [];
    const offTerms: string[] = [];
    const coords: string[] = [];
    for (let d = 0; d < m; d++) {
      lines.push(`let p${d} = ${c[d + 1]} + ${g.pads[2 * d]};`);
      offTerms.push(`(p${d} % ${g.block[d]}) * ${blockStrides[d]}`);
      coords.push(`p${d} / ${g.block[d]}`);
    }
    return `${lines.join('\n  ')}\n  y[i] = in0[${flatIndex(x.shape, [`(${offTerms.join(' + ') || '0'}) * ${batch} + ${c[0]}`, ...coords, ...c.slice(m + 1)])}];`;
  });
}

for (const [type, sign] of [['SpaceToBatchND', 1], ['BatchToSpaceND', -1]] as const) {
  const what = sign === 1 ? 'paddings' : 'crops';
  defineOp({
    type,
    inputs: ['input', 'block_shape', what],
    attrs: { T: { type: 'type' }, Tblock_shape: { type: 'type', default: 'int32' }, [sign === 1 ? 'Tpaddings' : 'Tcrops']: { type: 'type', default: 'int32' } },
    shape: (c) => blockShapeRule(c, sign),
    cpu: ([x, b, p], _, ctx) => {
      const fail = (m: string): never => { throw kernelError(type, ctx.name, m); };
      const g = blockGeometry(b, p, what, fail);
      blockShape(x.shape, g, g.block.length, sign, fail);
      return [sign === 1 ? spaceToBatchCpu(x, g) : batchToSpaceCpu(x, g)];
    },
    gpu: (k) => {
      const g = blockGeometry(k.requireConst(1, 'block_shape'), k.requireConst(2, what), what, k.fail);
      return sign === 1 ? spaceToBatchGpu(k, g) : batchToSpaceGpu(k, g);
    },
    // TF's _SpaceToBatchNDGrad / _BatchToSpaceNDGrad: the other op with the same block and paddings (crops).
    grad: (op, [g]) => [addOp(sign === 1 ? 'BatchToSpaceND' : 'SpaceToBatchND', [g!, op.inputs[1], op.inputs[2]],
      { T: g!.dtype, Tblock_shape: op.inputs[1].dtype, [sign === 1 ? 'Tcrops' : 'Tpaddings']: op.inputs[2].dtype }).outputs[0], null, null],
  });
}

/** `tf.spaceToBatchND(input, blockShape, paddings)`. */
export function spaceToBatchND(input: TensorLike, blockShape: IntArg, paddings: IntArg | number[][], opts: NameOpt = {}): Tensor {
  return blockBuilder('SpaceToBatchND', 'paddings', input, blockShape, paddings, opts);
}
/** `tf.batchToSpaceND(input, blockShape, crops)`. */
export function batchToSpaceND(input: TensorLike, blockShape: IntArg, crops: IntArg | number[][], opts: NameOpt = {}): Tensor {
  return blockBuilder('BatchToSpaceND', 'crops', input, blockShape, crops, opts);
}

function blockBuilder(type: string, what: string, input: TensorLike, blockShape: IntArg, pads: IntArg | number[][], opts: NameOpt): Tensor {
  const g = graphOf(input, blockShape, pads);
  return scoped(g, opts.name ?? type, (node) => {
    const x = valueTensor(input, 'input', g);
    const b = intTensor(blockShape, 'block_shape', g, `${type} '${node.name}'`);
    const p = pads instanceof Tensor || pads instanceof NDArray ? intTensor(pads, what, g, `${type} '${node.name}'`)
      : constant((pads as number[][]).flat(), { dtype: 'int32', shape: [(pads as number[][]).length, 2], name: what, graph: g });
    return addOp(type, [x, b, p], { T: x.dtype, Tblock_shape: b.dtype, [what === 'paddings' ? 'Tpaddings' : 'Tcrops']: p.dtype }, node).outputs[0];
  });
}

// ---- DepthToSpace, SpaceToDepth ---------------------------------------------------------------------------------------

/** Axes of batch, height, width and channels for a 4-D tensor in `format`. */
function layout(format: string, fail: (m: string) => never): { h: number; w: number; ch: number } {
  if (format === 'NHWC') return { h: 1, w: 2, ch: 3 };
  if (format === 'NCHW') return { h: 2, w: 3, ch: 1 };
  return fail(`data_format must be 'NHWC' or 'NCHW', got '${format}'`);
}

function depthShape(c: ShapeContext, toSpace: boolean): OutputSpec[] {
  const x = c.inputs[0];
  const b = c.attrs.block_size as number;
  if (!(b >= 2)) c.fail(`block_size must be at least 2, got ${b}`);
  const l = layout(c.attrs.data_format as string, c.fail);
  if (x.shape === null) return out1(x.dtype, [null, null, null, null]);
  if (x.shape.length !== 4) c.fail(`input must be 4-D, got shape ${formatShape(x.shape)}`);
  const out = [...x.shape];
  const [h, w, ch] = [x.shape[l.h], x.shape[l.w], x.shape[l.ch]];
  if (toSpace) {
    if (ch !== null && ch % (b * b) !== 0) c.fail(`input depth ${ch} is not divisible by block_size * block_size = ${b * b}`);
    out[l.h] = h === null ? null : h * b;
    out[l.w] = w === null ? null : w * b;
    out[l.ch] = ch === null ? null : ch / (b * b);
  } else {
    if (h !== null && h % b !== 0) c.fail(`height ${h} is not divisible by block_size ${b}`);
    if (w !== null && w % b !== 0) c.fail(`width ${w} is not divisible by block_size ${b}`);
    out[l.h] = h === null ? null : h / b;
    out[l.w] = w === null ? null : w / b;
    out[l.ch] = ch === null ? null : ch * b * b;
  }
  return out1(x.dtype, out);
}

/**
 * Both ops as one map between a "space" coordinate (height sh, width sw, channel sc) and a "depth" coordinate
 * (sh / b, sw / b, ((sh % b) * b + sw % b) * C + sc), C the space side's channels: TF's depth layout [b, b, C].
 */
for (const [type, toSpace] of [['DepthToSpace', true], ['SpaceToDepth', false]] as const) {
  defineOp({
    type,
    inputs: ['input'],
    attrs: { T: { type: 'type' }, block_size: { type: 'int' }, data_format: { type: 'string', default: 'NHWC' } },
    shape: (c) => depthShape(c, toSpace),
    cpu: ([x], attrs, ctx) => {
      const b = attrs.block_size as number;
      const l = layout(attrs.data_format as string, (m) => { throw kernelError(type, ctx.name, m); });
      const outShape = depthShape({ ...fakeShapeContext(type, ctx.name, x, attrs) }, toSpace)[0].shape as number[];
      const st = stridesOf(x.shape);
      const C = toSpace ? outShape[l.ch] : x.shape[l.ch];
      return [mapCoords(x, outShape, (c) => {
        const s = [...c];
        if (toSpace) {
          s[l.h] = Math.floor(c[l.h] / b); s[l.w] = Math.floor(c[l.w] / b);
          s[l.ch] = ((c[l.h] % b) * b + (c[l.w] % b)) * C + c[l.ch];
        } else {
          const blk = Math.floor(c[l.ch] / C);
          s[l.h] = c[l.h] * b + Math.floor(blk / b); s[l.w] = c[l.w] * b + (blk % b);
          s[l.ch] = c[l.ch] % C;
        }
        return flat(st, s);
      })];
    },
    gpu: (k) => {
      const x = k.inputs[0];
      const b = k.attrs.block_size as number;
      const l = layout(k.attrs.data_format as string, k.fail);
      const C = toSpace ? k.outputs[0].shape[l.ch] : x.shape[l.ch];
      return coordKernel(k, [0], (c) => {
        const s = [...c];
        if (toSpace) {
          s[l.h] = `${c[l.h]} / ${b}`; s[l.w] = `${c[l.w]} / ${b}`;
          s[l.ch] = `((${c[l.h]} % ${b}) * ${b} + ${c[l.w]} % ${b}) * ${C} + ${c[l.ch]}`;
        } else {
          s[l.h] = `${c[l.h]} * ${b} + ${c[l.ch]} / ${C * b}`; s[l.w] = `${c[l.w]} * ${b} + (${c[l.ch]} / ${C}) % ${b}`;
          s[l.ch] = `${c[l.ch]} % ${C}`;
        }
        return `y[i] = in0[${flatIndex(x.shape, s)}];`;
      });
    },
    // TF's _DepthToSpaceGrad / _SpaceToDepthGrad: the other op, same block size and format.
    grad: (op, [g]) => [addOp(toSpace ? 'SpaceToDepth' : 'DepthToSpace', [g!], { T: g!.dtype, block_size: op.attrs.block_size, data_format: op.attrs.data_format }).outputs[0]],
  });
}

/** A ShapeContext for a concrete input: lets a kernel reuse its shape rule. */
function fakeShapeContext(type: string, name: string, x: NDArray, attrs: Readonly<Record<string, unknown>>): ShapeContext {
  return {
    name, type, attrs: attrs as ShapeContext['attrs'],
    inputs: [{ dtype: x.dtype, shape: [...x.shape], name } as unknown as Tensor],
    constValue: () => null, constShape: () => null,
    fail: (m) => { throw kernelError(type, name, m); },
  };
}

type DepthOpts = NameOpt & { dataFormat?: 'NHWC' | 'NCHW' };
/** `tf.depthToSpace(input, blockSize, {dataFormat?})`. */
export function depthToSpace(input: TensorLike, blockSize: number, opts: DepthOpts = {}): Tensor {
  const x = convertToTensor(input);
  return addOp('DepthToSpace', [x], { T: x.dtype, block_size: blockSize, data_format: opts.dataFormat ?? 'NHWC' }, { name: opts.name ?? 'DepthToSpace' }).outputs[0];
}
/** `tf.spaceToDepth(input, blockSize, {dataFormat?})`. */
export function spaceToDepth(input: TensorLike, blockSize: number, opts: DepthOpts = {}): Tensor {
  const x = convertToTensor(input);
  return addOp('SpaceToDepth', [x], { T: x.dtype, block_size: blockSize, data_format: opts.dataFormat ?? 'NHWC' }, { name: opts.name ?? 'SpaceToDepth' }).outputs[0];
}

// ---- BroadcastTo, BroadcastArgs ---------------------------------------------------------------------------------------

/** The broadcast of two shapes (numpy rules), or a failure naming both. */
function broadcastDims(a: readonly Dim[], b: readonly Dim[], fail: (m: string) => never): Dim[] {
  const n = Math.max(a.length, b.length);
  const out: Dim[] = [];
  for (let i = 0; i < n; i++) {
    const x = a[a.length - n + i] ?? 1, y = b[b.length - n + i] ?? 1;
    if (x === 1) out.push(y);
    else if (y === 1) out.push(x);
    else if (x === null || y === null) out.push(x ?? y);
    else if (x !== y) fail(`Incompatible shapes: ${formatShape(a as Dim[])} vs. ${formatShape(b as Dim[])}`);
    else out.push(x);
  }
  return out;
}

defineOp({
  type: 'BroadcastTo',
  inputs: ['input', 'shape'],
  attrs: { T: { type: 'type' }, Tidx: { type: 'type', default: 'int32' } },
  shape: (c) => {
    checkIndexInput(c, 1, 'shape', 1);
    const x = c.inputs[0];
    const target = c.constShape(1);
    if (target === null || x.shape === null) return out1(x.dtype, target);
    if (x.shape.length > target.length) c.fail(`input ${formatShape(x.shape)} has more dims than the target shape ${formatShape(target)}`);
    const b = broadcastDims(x.shape, target, c.fail);
    if (b.some((d, i) => target[i] !== null && d !== target[i])) c.fail(`input ${formatShape(x.shape)} cannot be broadcast to ${formatShape(target)}`);
    return out1(x.dtype, target.map((d, i) => d ?? b[i]));
  },
  cpu: ([x, s], _, ctx) => {
    const target = intList(s);
    const fail = (m: string): never => { throw kernelError('BroadcastTo', ctx.name, m); };
    if (x.rank > target.length || broadcastDims(x.shape, target, fail).some((d, i) => d !== target[i])) fail(`input ${formatShape(x.shape)} cannot be broadcast to ${formatShape(target)}`);
    const out = empty(x.dtype, target);
    broadcastIndex(x.shape, target).forEach((s, i) => { out.data[i] = x.data[s]; });
    return [out];
  },
  gpu: (k) => {
    const x = k.inputs[0], out = k.outputs[0];
    const st = stridesOf(x.shape);
    const off = out.shape.length - x.shape.length;
    return affineCopy(k, 0, out.shape.map((n, d) => ({ n, stride: d < off || x.shape[d - off] === 1 ? 0 : st[d - off] })), 0);
  },
  // TF's _BroadcastToGrad: summed over the broadcast axes, reshaped to the input's shape.
  grad: (op, [g]) => {
    const [x, s] = op.inputs;
    if (knownShape(x.shape) && knownShape(op.outputs[0].shape)) {
      const out = op.outputs[0].shape;
      const off = out.length - x.shape.length;
      const axes = out.map((_, d) => d).filter((d) => d < off || (x.shape![d - off] === 1 && out[d] !== 1));
      return [reshape(axes.length === 0 ? g! : reduceSum(g!, axes), x.shape), null];
    }
    const xs = shapeOf(x, { outType: s.dtype });
    const r0 = addOp('BroadcastGradientArgs', [xs, s], { T: s.dtype }).outputs[0];
    return [reshape(reduceSum(g!, r0.dtype === 'int32' ? r0 : cast(r0, 'int32'), true), xs), null];
  },
});

/** `tf.broadcastTo(input, shape)`. */
export function broadcastTo(input: TensorLike, shape: IntArg, opts: NameOpt = {}): Tensor {
  const g = graphOf(input, shape);
  return scoped(g, opts.name ?? 'BroadcastTo', (node) => {
    const x = valueTensor(input, 'input', g);
    const s = intTensor(shape, 'shape', g, `tf.broadcastTo '${node.name}'`);
    return addOp('BroadcastTo', [x, s], { T: x.dtype, Tidx: s.dtype }, node).outputs[0];
  });
}

defineOp({
  type: 'BroadcastArgs',
  inputs: ['s0', 's1'],
  attrs: { T: { type: 'type', default: 'int32' } },
  shape: (c) => {
    checkIndexInput(c, 0, 's0', 1);
    checkIndexInput(c, 1, 's1', 1);
    const [a, b] = c.inputs;
    if (a.dtype !== b.dtype) c.fail(`s0 '${a.name}' is ${a.dtype} but s1 '${b.name}' is ${b.dtype}`);
    const x = c.constShape(0), y = c.constShape(1);
    if (x !== null && y !== null) return out1(a.dtype, [broadcastDims(x, y, c.fail).length]);
    const n = a.shape?.[0] ?? null, m = b.shape?.[0] ?? null;
    return out1(a.dtype, [n === null || m === null ? null : Math.max(n, m)]);
  },
  cpu: ([a, b], _, ctx) => {
    const dims = broadcastDims(intList(a), intList(b), (m) => { throw kernelError('BroadcastArgs', ctx.name, m); }) as number[];
    const out = empty(a.dtype, [dims.length]);
    out.data.set(dims);
    return [out];
  },
  gpu: (k) => {
    const [a, b] = k.inputs;
    const n = k.outputs[0].size;
    const at = (name: string, len: number): string => `select(1, ${name}[u32(max(0, c0 - ${n - len}))], c0 >= ${n - len})`;
    return coordKernel(k, [0, 1], () => `let x = ${a.size === 0 ? '1' : at('in0', a.size)};
  let z = ${b.size === 0 ? '1' : at('in1', b.size)};
  if (x != z && x != 1 && z != 1) { status[0] = 1u; }
  y[i] = select(x, z, x == 1);`, `BroadcastArgs node '${k.name}': Incompatible shapes`);
  },
  grad: 'not-differentiable',
});

/** `tf.broadcastDynamicShape(shapeX, shapeY)` (BroadcastArgs): the broadcast of two shape vectors. */
export function broadcastDynamicShape(shapeX: TensorLike, shapeY: TensorLike, opts: NameOpt = {}): Tensor {
  const a = convertToTensor(shapeX, shapeX instanceof Tensor ? undefined : 'int32');
  const b = convertToTensor(shapeY, a.dtype);
  return addOp('BroadcastArgs', [a, b], { T: a.dtype }, { name: opts.name ?? 'BroadcastArgs' }).outputs[0];
}

// ---- ReverseSequence --------------------------------------------------------------------------------------------------

function seqDims(c: { attrs: Readonly<Record<string, unknown>> }, rank: number, fail: (m: string) => never): [number, number] {
  const s = c.attrs.seq_dim as number, b = c.attrs.batch_dim as number;
  if (s === b) fail(`seq_dim and batch_dim must differ, both are ${s}`);
  if (s < 0 || s >= rank || b < 0 || b >= rank) fail(`seq_dim ${s} and batch_dim ${b} must be in [0, ${rank})`);
  return [s, b];
}

defineOp({
  type: 'ReverseSequence',
  inputs: ['input', 'seq_lengths'],
  attrs: { seq_dim: { type: 'int' }, batch_dim: { type: 'int', default: 0 }, T: { type: 'type' }, Tlen: { type: 'type', default: 'int64' } },
  shape: (c) => {
    checkIndexInput(c, 1, 'seq_lengths', 1);
    const [x, l] = c.inputs;
    if (x.shape !== null) {
      const [, b] = seqDims(c, x.shape.length, c.fail);
      const n = l.shape?.[0] ?? null;
      if (n !== null && x.shape[b] !== null && n !== x.shape[b]) c.fail(`seq_lengths has ${n} entries but input's batch dim ${b} is ${x.shape[b]}`);
    }
    return out1(x.dtype, x.shape);
  },
  cpu: ([x, l], attrs, ctx) => {
    const fail = (m: string): never => { throw kernelError('ReverseSequence', ctx.name, m); };
    const [s, b] = seqDims({ attrs }, x.rank, fail);
    if (l.size !== x.shape[b]) fail(`seq_lengths has ${l.size} entries but input's batch dim ${b} is ${x.shape[b]}`);
    l.data.forEach((v, i) => { if (v < 0 || v > x.shape[s]) fail(`seq_lengths[${i}] = ${v} is not in [0, ${x.shape[s]}]`); });
    const st = stridesOf(x.shape);
    return [mapCoords(x, x.shape, (c) => {
      const len = l.data[c[b]];
      return flat(st, c) + (c[s] < len ? (len - 1 - 2 * c[s]) * st[s] : 0);
    })];
  },
  gpu: (k) => {
    const x = k.inputs[0];
    const [s, b] = seqDims(k, x.shape.length, k.fail);
    return coordKernel(k, [0, 1], (c) => `let len = in1[${c[b]}];
  if (len < 0 || len > ${x.shape[s]}) { status[0] = 1u; }
  y[i] = in0[${flatIndex(x.shape, c.map((v, d) => (d === s ? `select(${v}, len - 1 - ${v}, ${v} < len)` : v)))}];`,
    `ReverseSequence node '${k.name}': a seq_lengths entry is not in [0, ${x.shape[s]}]`);
  },
  // TF's _ReverseSequenceGrad: the gradient reversed the same way.
  grad: (op, [g]) => [addOp('ReverseSequence', [g!, op.inputs[1]], { ...op.attrs }).outputs[0], null],
});

/** `tf.reverseSequence(input, seqLengths, {seqAxis, batchAxis?})`: each batch row's first seqLengths[b] steps reversed. */
export function reverseSequence(input: TensorLike, seqLengths: TensorLike, opts: NameOpt & { seqAxis: number; batchAxis?: number }): Tensor {
  const g = graphOf(input, seqLengths);
  return scoped(g, opts.name ?? 'ReverseSequence', (node) => {
    const x = valueTensor(input, 'input', g);
    const l = seqLengths instanceof Tensor ? seqLengths : convertToTensor(seqLengths, 'int64', 'seq_lengths', g);
    return addOp('ReverseSequence', [x, l], { T: x.dtype, Tlen: l.dtype, seq_dim: opts.seqAxis, batch_dim: opts.batchAxis ?? 0 }, node).outputs[0];
  });
}

// ---- GatherNd, ScatterNd ----------------------------------------------------------------------------------------------

defineOp({
  type: 'GatherNd',
  inputs: ['params', 'indices'],
  // TF 2.x's bad_indices_policy is not declared (TF 1.x refuses a NodeDef that carries it): bad indices are an error,
  // its default.
  attrs: { Tparams: { type: 'type' }, Tindices: { type: 'type' } },
  shape: (c) => {
    checkIndexInput(c, 1, 'indices');
    const [p, ind] = c.inputs;
    if (p.shape === null || ind.shape === null) return out1(p.dtype, null);
    if (ind.shape.length < 1) c.fail(`indices must be at least a vector, got shape ${formatShape(ind.shape)}`);
    const kk = ind.shape[ind.shape.length - 1];
    if (kk === null) return out1(p.dtype, null);
    if (kk > p.shape.length) c.fail(`index innermost dimension length must be <= params rank; saw: ${kk} vs. ${p.shape.length}`);
    return out1(p.dtype, [...ind.shape.slice(0, -1), ...p.shape.slice(kk)]);
  },
  cpu: ([p, ind], _, ctx) => {
    const kk = ind.shape[ind.rank - 1];
    if (kk > p.rank) throw kernelError('GatherNd', ctx.name, `index innermost dimension length must be <= params rank; saw: ${kk} vs. ${p.rank}`);
    const outer = ind.size / (kk || 1);
    const inner = product(p.shape.slice(kk));
    const st = stridesOf(p.shape);
    const out = empty(p.dtype, [...ind.shape.slice(0, -1), ...p.shape.slice(kk)]);
    for (let o = 0; o < (kk === 0 ? product(ind.shape.slice(0, -1)) : outer); o++) {
      let base = 0;
      for (let j = 0; j < kk; j++) {
        const v = ind.data[o * kk + j];
        if (v < 0 || v >= p.shape[j]) {
          throw kernelError('GatherNd', ctx.name, `indices[${o},${j}] = ${v} does not index into param shape ${formatShape(p.shape)}`);
        }
        base += v * st[j];
      }
      for (let r = 0; r < inner; r++) out.data[o * inner + r] = p.data[base + r];
    }
    return [out];
  },
  gpu: (k) => {
    const [p, ind] = k.inputs;
    const kk = ind.shape[ind.shape.length - 1];
    const inner = product(p.shape.slice(kk));
    const st = stridesOf(p.shape);
    const terms = Array.from({ length: kk }, (_, j) => `let v${j} = in1[o * ${kk} + ${j}];
  if (v${j} < 0 || v${j} >= ${p.shape[j]}) { status[0] = 1u; }
  base = base + clamp(v${j}, 0, ${p.shape[j] - 1}) * ${st[j]};`).join('\n  ');
    return coordKernel(k, [0, 1], () => `let o = i32(i) / ${inner};
  var base = 0;
  ${terms}
  y[i] = in0[base + i32(i) % ${inner}];`, `GatherNd node '${k.name}': an index does not index into param shape ${formatShape(p.shape)}`);
  },
  // TF's _GatherNdGrad: the gradient scattered back into params' shape (repeated indices add up).
  grad: (op, [g]) => [scatterNd(op.inputs[1], g!, shapeOf(op.inputs[0], { outType: op.inputs[1].dtype })), null],
});

/** `tf.gatherNd(params, indices)`: slices of params at the index tuples in indices' last dim. */
export function gatherNd(params: TensorLike, indices: TensorLike, opts: NameOpt = {}): Tensor {
  const g = graphOf(params, indices);
  return scoped(g, opts.name ?? 'GatherNd', (node) => {
    const p = valueTensor(params, 'params', g);
    const ind = indices instanceof Tensor ? indices : convertToTensor(indices, 'int32', 'indices', g);
    return addOp('GatherNd', [p, ind], { Tparams: p.dtype, Tindices: ind.dtype }, node).outputs[0];
  });
}

/** ScatterNd's geometry: index depth k, number of index tuples, slice size, and the strides of the indexed dims. */
function scatterGeometry(ind: readonly number[], upd: readonly number[], shape: readonly number[], fail: (m: string) => never): { kk: number; n: number; inner: number } {
  if (ind.length < 1) fail(`indices must be at least a vector, got shape ${formatShape(ind)}`);
  const kk = ind[ind.length - 1];
  if (kk > shape.length) fail(`index innermost dimension length must be <= output rank; saw: ${kk} vs. ${shape.length}`);
  const want = [...ind.slice(0, -1), ...shape.slice(kk)];
  if (upd.length !== want.length || upd.some((d, i) => d !== want[i])) fail(`updates must have shape ${formatShape(want)}, got ${formatShape(upd)}`);
  return { kk, n: product(ind.slice(0, -1)), inner: product(shape.slice(kk)) };
}

defineOp({
  type: 'ScatterNd',
  inputs: ['indices', 'updates', 'shape'],
  // As GatherNd: TF 2.x's bad_indices_policy not declared, bad indices an error.
  attrs: { T: { type: 'type' }, Tindices: { type: 'type' } },
  shape: (c) => {
    checkIndexInput(c, 0, 'indices');
    checkIndexInput(c, 2, 'shape', 1);
    const [ind, upd] = c.inputs;
    const s = c.constShape(2);
    if (s !== null && knownShape(s) && knownShape(ind.shape) && knownShape(upd.shape)) scatterGeometry(ind.shape, upd.shape, s, c.fail);
    return out1(upd.dtype, s);
  },
  cpu: ([ind, upd, s], _, ctx) => {
    const fail = (m: string): never => { throw kernelError('ScatterNd', ctx.name, m); };
    const shape = intList(s);
    const { kk, n, inner } = scatterGeometry(ind.shape, upd.shape, shape, fail);
    const st = stridesOf(shape);
    const out = empty(upd.dtype, shape);
    for (let o = 0; o < n; o++) {
      let base = 0;
      for (let j = 0; j < kk; j++) {
        const v = ind.data[o * kk + j];
        if (v < 0 || v >= shape[j]) fail(`indices[${o}] = [${Array.from(ind.data.slice(o * kk, o * kk + kk)).join(', ')}] does not index into shape ${formatShape(shape)}`);
        base += v * st[j];
      }
      for (let r = 0; r < inner; r++) out.data[base + r] += upd.data[o * inner + r];
    }
    return [out];
  },
  gpu: (k) => {
    const [ind, upd] = k.inputs;
    const shape = k.outputs[0].shape;
    const { kk, n, inner } = scatterGeometry(ind.shape, upd.shape, shape, k.fail);
    const st = stridesOf(shape);
    if (n === 0) return fillKernel(k, { literal: literal(0, upd.dtype) });
    checkLoop(k, n, 'index tuples');
    // One thread per output element adds the updates whose index tuple lands on it (no float atomics in WGSL).
    const tuple = Array.from({ length: kk }, (_, j) => `let v${j} = in0[u * ${kk} + ${j}];
      if (v${j} < 0 || v${j} >= ${shape[j]}) { status[0] = 1u; }
      at = at + v${j} * ${st[j]};`).join('\n      ');
    return coordKernel(k, [0, 1], () => `let slot = i32(i) / ${inner} * ${inner};
  var acc = ${literal(0, upd.dtype)};
  for (var u = 0; u < ${n}; u = u + 1) {
    var at = 0;
    ${tuple}
    if (at == slot) { acc = acc + in1[u * ${inner} + i32(i) % ${inner}]; }
  }
  y[i] = acc;`, `ScatterNd node '${k.name}': an index does not index into shape ${formatShape(shape)}`);
  },
  // TF's _ScatterNdGrad: the gradient gathered at the indices, for the updates.
  grad: (op, [g]) => [null, gatherNd(g!, op.inputs[0]), null],
});

/** `tf.scatterNd(indices, updates, shape)`: zeros of `shape` with the updates added at the index tuples. */
export function scatterNd(indices: TensorLike, updates: TensorLike, shape: IntArg, opts: NameOpt = {}): Tensor {
  const g = graphOf(indices, updates, shape);
  return scoped(g, opts.name ?? 'ScatterNd', (node) => {
    const ind = indices instanceof Tensor ? indices : convertToTensor(indices, 'int32', 'indices', g);
    const u = valueTensor(updates, 'updates', g);
    const s = shape instanceof Tensor ? (shape.dtype === ind.dtype ? shape : cast(shape, ind.dtype)) : intTensor(shape, 'shape', g, `tf.scatterNd '${node.name}'`);
    return addOp('ScatterNd', [ind, u, s], { T: u.dtype, Tindices: ind.dtype }, node).outputs[0];
  });
}

// ---- IdentityN, ShapeN, Empty, DeepCopy, CheckNumerics, Assert ----------------------------------------------------------

defineOp({
  type: 'IdentityN',
  inputs: ['input*'],
  attrs: { T: { type: 'list(type)' } },
  shape: (c) => c.inputs.map((t) => ({ dtype: t.dtype, shape: t.shape })),
  cpu: (xs) => xs,
  gpu: (k) => ({ dispatches: [], alias: Object.fromEntries(k.inputs.map((_, i) => [i, i])) }),
  // TF's _IdentityNGrad: each gradient passes through.
  grad: (_op, gs) => [...gs],
});

/** `tf.identityN(inputs)`: the inputs, as one op (what TF uses to pin a custom gradient's outputs together). */
export function identityN(inputs: readonly TensorLike[], opts: NameOpt = {}): Tensor[] {
  const xs = inputs.map((x) => convertToTensor(x));
  return addOp('IdentityN', xs, { T: xs.map((x) => x.dtype) }, { name: opts.name ?? 'IdentityN' }).outputs;
}

defineOp({
  type: 'ShapeN',
  inputs: ['input*'],
  shapeOnly: true,
  attrs: { N: { type: 'int' }, T: { type: 'type' }, out_type: { type: 'type', default: 'int32' } },
  shape: (c) => {
    const dt = c.attrs.out_type as DType;
    if (dt !== 'int32' && dt !== 'int64') c.fail(`out_type must be int32 or int64, got ${dt}`);
    return c.inputs.map((t) => ({ dtype: dt, shape: [t.shape === null ? null : t.shape.length] }));
  },
  cpu: (xs, attrs) => xs.map((x) => {
    const out = empty(attrs.out_type as DType, [x.rank]);
    out.data.set(x.shape);
    return out;
  }),
  gpu: COMPUTED_AT_COMPILE_TIME,
  grad: 'not-differentiable',
});

/** `tf.shapeN(inputs, {outType?})`: the shapes of several tensors. */
export function shapeN(inputs: readonly TensorLike[], opts: NameOpt & { outType?: DType } = {}): Tensor[] {
  const xs = inputs.map((x) => convertToTensor(x));
  return addOp('ShapeN', xs, { N: xs.length, T: xs[0]?.dtype ?? 'float32', out_type: opts.outType ?? 'int32' }, { name: opts.name ?? 'ShapeN' }).outputs;
}

defineOp({
  type: 'Empty',
  inputs: ['shape'],
  stateful: true,
  attrs: { dtype: { type: 'type' }, init: { type: 'bool', default: false } },
  shape: (c) => {
    if (c.inputs[0].dtype !== 'int32') c.fail(`shape '${c.inputs[0].name}' must be int32, got ${c.inputs[0].dtype}`);
    checkIndexInput(c, 0, 'shape', 1);
    return out1(c.attrs.dtype as DType, c.constShape(0));
  },
  // TF leaves the values uninitialised unless `init`; Kiln always gives zeros, which is one of the values TF may give.
  cpu: ([s], attrs, ctx) => {
    const shape = intList(s);
    if (shape.some((d) => d < 0)) throw kernelError('Empty', ctx.name, `shape must be non-negative, got ${formatShape(shape)}`);
    return [empty(attrs.dtype as DType, shape)];
  },
  gpu: (k) => fillKernel(k, { literal: literal(0, k.outputs[0].dtype) }),
  grad: 'not-differentiable',
});

defineOp({
  type: 'DeepCopy',
  inputs: ['x'],
  stateful: true,
  attrs: { T: { type: 'type' } },
  shape: (c) => out1(c.inputs[0].dtype, c.inputs[0].shape),
  cpu: ([x]) => [new NDArray(x.dtype, x.shape, x.data.slice())],
  // Values on the GPU are never written in place by a later node without a copy, so sharing the buffer is a copy.
  gpu: ALIAS_INPUT,
  // A copy: the gradient passes through.
  grad: (_op, [g]) => [g],
});

defineOp({
  type: 'CheckNumerics',
  inputs: ['tensor'],
  stateful: true,
  attrs: { T: { type: 'type' }, message: { type: 'string' } },
  shape: (c) => {
    const t = c.inputs[0];
    if (!isFloat(t.dtype)) c.fail(`tensor '${t.name}' must be a float tensor, got ${t.dtype}`);
    return out1(t.dtype, t.shape);
  },
  cpu: ([x], attrs, ctx) => {
    let nan = false, inf = false;
    for (let i = 0; i < x.size; i++) {
      const v = x.data[i];
      if (Number.isNaN(v)) nan = true;
      else if (!Number.isFinite(v)) inf = true;
    }
    if (nan || inf) {
      throw new InvalidArgumentError(`CheckNumerics node '${ctx.name}': ${attrs.message as string} : Tensor had ${nan && inf ? 'Inf and NaN' : nan ? 'NaN' : 'Inf'} values`);
    }
    return [x];
  },
  gpu: (k) => coordKernel(k, [0], () => `let v = in0[i];
  if ((bitcast<u32>(v) & 0x7f800000u) == 0x7f800000u) { status[0] = 1u; }
  y[i] = v;`, `CheckNumerics node '${k.name}': ${k.attrs.message as string} : Tensor had NaN or Inf values`),
  // TF's _CheckNumericsGrad: the gradient checked too.
  grad: (op, [g]) => [checkNumerics(g!, `Not a number (NaN) or infinity (Inf) values detected in gradient. ${op.attrs.message as string}`)],
});

/** `tf.checkNumerics(tensor, message)` (tf.debugging.check_numerics): the tensor, or a failed run if it holds NaN or Inf. */
export function checkNumerics(tensor: TensorLike, message: string, opts: NameOpt = {}): Tensor {
  const x = convertToTensor(tensor);
  return addOp('CheckNumerics', [x], { T: x.dtype, message }, { name: opts.name ?? 'CheckNumerics' }).outputs[0];
}

/** TF's summary of Assert's data: the first `summarize` values of each tensor. */
function summarizeData(xs: readonly NDArray[], n: number): string {
  return xs.map((x) => {
    const vals = Array.from(x.data.slice(0, n < 0 ? x.size : n), (v) => (x.dtype === 'bool' ? (v ? 'True' : 'False') : String(v)));
    return x.rank === 0 ? vals.join(' ') : `[${vals.join(' ')}${x.size > vals.length ? '...' : ''}]`;
  }).join(', ');
}

defineOp({
  type: 'Assert',
  inputs: ['condition', 'data*'],
  stateful: true,
  attrs: { T: { type: 'list(type)' }, summarize: { type: 'int', default: 3 } },
  shape: (c) => {
    const cond = c.inputs[0];
    if (cond.dtype !== 'bool') c.fail(`condition '${cond.name}' must be bool, got ${cond.dtype}`);
    if (cond.shape !== null && cond.shape.length !== 0 && cond.shape.some((d) => d !== 1 && d !== null)) {
      c.fail(`condition must be a scalar, got shape ${formatShape(cond.shape)}`);
    }
    return [];
  },
  cpu: ([cond, ...data], attrs, ctx) => {
    if (cond.size !== 1) throw kernelError('Assert', ctx.name, `condition must be a scalar, got shape ${formatShape(cond.shape)}`);
    if (cond.data[0] === 0) throw new InvalidArgumentError(`Assert node '${ctx.name}': assertion failed: [${summarizeData(data, attrs.summarize as number)}]`);
    return [];
  },
  // Only the condition goes to the GPU: the data would be read back only for the message, which names the node instead.
  gpu: (k) => ({
    dispatches: [{
      code: `@group(0) @binding(0) var<storage, read> cond: array<u32>;
@group(0) @binding(1) var<storage, read_write> status: array<u32>;
@compute @workgroup_size(1) fn main() { if (cond[0] == 0u) { status[0] = 1u; } }`,
      bindings: [{ input: 0 }, { status: true }],
      workgroups: [1, 1, 1],
    }],
    check: () => `Assert node '${k.name}': assertion failed (its data is shown on executor 'cpu')`,
  }),
  grad: 'not-differentiable',
});

/** `tf.assert(condition, data, {summarize?})` (TF1's tf.Assert): an op that fails the run when condition is false. */
export function assert(condition: TensorLike, data: readonly TensorLike[], opts: NameOpt & { summarize?: number } = {}): Operation {
  const c = convertToTensor(condition, condition instanceof Tensor ? undefined : 'bool');
  const xs = data.map((x) => convertToTensor(x));
  return addOp('Assert', [c, ...xs], { T: xs.map((x) => x.dtype), summarize: opts.summarize ?? 3 }, { name: opts.name ?? 'Assert' });
}
