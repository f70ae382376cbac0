// Math: elementwise arithmetic, comparisons and logic, MatMul/BatchMatMulV2, reductions, ArgMax/ArgMin, Cast, Select.
import { castFloatToInt, castScalar, checkDType, DType, froundFlushed, highestOf, isFloat, isInt, lowestOf, QUANTIZED_DTYPES } from '../graph/dtypes.js';
import { InvalidArgumentError } from '../graph/errors.js';
import { NDArray } from '../graph/ndarray.js';
import { broadcastStatic, Dim, formatShape, mergeDim, normAxis, Shape } from '../graph/shape.js';
import { Operation, Tensor } from '../graph/tensor.js';
import { expandDims, range, rank, reshape, shape as shapeOf, stridedSlice, tile, zerosLike } from './array.js';
import { broadcastIndex, broadcastShapes, empty, intList, mapBroadcast, mapUnary, normAxes, reduce } from './cpu.js';
import {
  ALL, BOOL, binaryBuilder, BinaryOpSpec, defineBinary, defineUnary, elementwiseKernel, FLOATS, intDivisor, NUMERIC, SIGNED,
  unaryBuilder, UnaryOpSpec,
} from './elementwise.js';
import { GpuKernel, GpuKernelContext, literal, wgslType } from './gpu.js';
import { broadcastReductionAxes, unbroadcast } from './gradients.js';
import { addOp, defineOp, GradFn, ShapeContext, staticValue, typeAttr } from './registry.js';
import { matmulGpu } from './wgsl/matmul.js';
import { argReduceGpu, reduceGpu, ReduceWgsl } from './wgsl/reduce.js';
import { constant, convertSameType, convertToTensor, NameOpt, TensorLike } from './values.js';

// ---- elementwise ------------------------------------------------------------------------------------------------

const floorDiv = (a: number, b: number): number => Math.floor(a / intDivisor(b));
/** a * b for integers: exact below 2^53, else wrapped to int32 as TensorFlow's int32 kernels do (Math.imul). */
const intMul = (a: number, b: number): number => { const p = a * b; return Number.isSafeInteger(p) ? p : Math.imul(a, b); };
/** Integer power by squaring with wrapping multiplies; negative exponents as the float formula (0 once truncated). */
const intPow = (a: number, b: number): number => {
  const p = Math.pow(a, b);
  if (b < 0 || Number.isSafeInteger(p)) return p;
  let r = 1, base = a | 0;
  for (let e = b; e > 0; e = Math.floor(e / 2)) { if (e % 2 === 1) r = Math.imul(r, base); base = Math.imul(base, base); }
  return r;
};
const pyMod = (a: number, b: number): number => { const r = a % b; return r !== 0 && (r < 0) !== (b < 0) ? r + b : r; };

// Gradients (TF's math_grad.py). Each returns the broadcast-shaped gradients summed back to x's and y's shapes.
/** RealDiv and Div (TF's _RealDivGrad, _DivGrad): g / y and g * (-x / y / y). */
function divGrad(x: Tensor, y: Tensor, g: Tensor): [Tensor | null, Tensor | null] {
  return unbroadcast(x, y, realDiv(g, y), mul(g, realDiv(realDiv(neg(x), y), y)));
}
/** Maximum and Minimum: g goes to x where `xWins` (x >= y, x <= y: ties go to x), to y elsewhere. */
function selectGrad(x: Tensor, y: Tensor, g: Tensor, xWins: Tensor): [Tensor | null, Tensor | null] {
  return unbroadcast(x, y, where(xWins, g, 0), where(xWins, 0, g));
}
/** z = x^y: g * y * x^(y-1), and g * z * log(x) where x > 0, 0 elsewhere (no real log to give). */
function powGrad(x: Tensor, y: Tensor, g: Tensor, z: Tensor): [Tensor | null, Tensor | null] {
  const positive = greater(x, 0);
  const logX = where(positive, log(where(positive, x, 1)), 0);
  return unbroadcast(x, y, mul(mul(g, y), pow(x, sub(y, 1))), mul(mul(g, z), logX));
}

for (const s of <BinaryOpSpec[]>[
  { type: 'Add', dtypes: NUMERIC.filter((d) => !['uint16', 'uint32', 'uint64'].includes(d)), fn: (a: number, b: number) => a + b, wgsl: (a, b) => `${a} + ${b}`, grad: (x, y, g) => unbroadcast(x, y, g, g) },
  { type: 'AddV2', dtypes: NUMERIC, fn: (a: number, b: number) => a + b, wgsl: (a, b) => `${a} + ${b}`, grad: (x, y, g) => unbroadcast(x, y, g, g) },
  { type: 'Sub', dtypes: NUMERIC, fn: (a: number, b: number) => a - b, wgsl: (a, b) => `${a} - ${b}`, grad: (x, y, g) => unbroadcast(x, y, g, neg(g)) },
  { type: 'Mul', dtypes: NUMERIC, fn: (a: number, b: number) => a * b, intFn: intMul, wgsl: (a, b) => `${a} * ${b}`, grad: (x, y, g) => unbroadcast(x, y, mul(g, y), mul(x, g)) },
  { type: 'RealDiv', dtypes: NUMERIC, fn: (a: number, b: number) => a / b, intFn: (a: number, b: number) => Math.trunc(a / intDivisor(b)), wgsl: (a, b) => `${a} / ${b}`, intDivides: true, grad: divGrad },
  { type: 'Div', dtypes: NUMERIC, fn: (a: number, b: number) => a / b, intFn: (a: number, b: number) => Math.trunc(a / intDivisor(b)), wgsl: (a, b) => `${a} / ${b}`, intDivides: true, grad: divGrad },
  { type: 'TruncateDiv', dtypes: NUMERIC, fn: (a: number, b: number) => Math.trunc(a / b), intFn: (a: number, b: number) => Math.trunc(a / intDivisor(b)), wgsl: (a, b, t) => (t === 'f32' ? `trunc(${a} / ${b})` : `${a} / ${b}`), intDivides: true, grad: 'not-differentiable' },
  { type: 'FloorDiv', dtypes: NUMERIC, fn: (a: number, b: number) => Math.floor(a / b), intFn: floorDiv, wgsl: (a, b, t) => (t === 'f32' ? `floor(${a} / ${b})` : `ifloordiv_(${a}, ${b})`), intDivides: true, grad: 'not-differentiable' },
  { type: 'FloorMod', dtypes: NUMERIC, fn: pyMod, intFn: (a: number, b: number) => pyMod(a, intDivisor(b)), wgsl: (a, b, t) => (t === 'f32' ? `fmod_py_(${a}, ${b})` : `imod_py_(${a}, ${b})`), intDivides: true, grad: (x, y, g) => unbroadcast(x, y, g, mul(g, neg(floorDivide(x, y)))) },
  { type: 'Maximum', dtypes: NUMERIC, fn: (a: number, b: number) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.max(a, b)), wgsl: (a, b, t) => (t === 'f32' ? `select(max(${a}, ${b}), nan_(), isnan_(${a}) || isnan_(${b}))` : `max(${a}, ${b})`), grad: (x, y, g) => selectGrad(x, y, g, greaterEqual(x, y)) },
  { type: 'Minimum', dtypes: NUMERIC, fn: (a: number, b: number) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.min(a, b)), wgsl: (a, b, t) => (t === 'f32' ? `select(min(${a}, ${b}), nan_(), isnan_(${a}) || isnan_(${b}))` : `min(${a}, ${b})`), grad: (x, y, g) => selectGrad(x, y, g, lessEqual(x, y)) },
  { type: 'Pow', dtypes: SIGNED, fn: Math.pow, intFn: intPow, wgsl: (a, b, t) => (t === 'f32' ? `pow_(${a}, ${b})` : `ipow_(${a}, ${b})`), grad: powGrad },
  { type: 'SquaredDifference', dtypes: [...FLOATS, 'int32', 'int64'], fn: (a: number, b: number) => (a - b) * (a - b), intFn: (a: number, b: number) => intMul(a - b, a - b), wgsl: (a, b) => `(${a} - ${b}) * (${a} - ${b})`, grad: (x, y, g) => { const gx = mul(mul(2, g), sub(x, y)); return unbroadcast(x, y, gx, neg(gx)); } },
  { type: 'Equal', dtypes: [...ALL, ...QUANTIZED_DTYPES], attrs: { incompatible_shape_error: { type: 'bool', default: true } }, fn: (a: number, b: number) => +(a === b), out: 'bool' as DType, wgsl: (a, b) => `select(0u, 1u, ${a} == ${b})`, grad: 'not-differentiable' },
  { type: 'NotEqual', dtypes: [...ALL, ...QUANTIZED_DTYPES], attrs: { incompatible_shape_error: { type: 'bool', default: true } }, fn: (a: number, b: number) => +(a !== b), out: 'bool' as DType, wgsl: (a, b) => `select(0u, 1u, ${a} != ${b})`, grad: 'not-differentiable' },
  { type: 'Less', dtypes: NUMERIC, fn: (a: number, b: number) => +(a < b), out: 'bool' as DType, wgsl: (a, b) => `select(0u, 1u, ${a} < ${b})`, grad: 'not-differentiable' },
  { type: 'LessEqual', dtypes: NUMERIC, fn: (a: number, b: number) => +(a <= b), out: 'bool' as DType, wgsl: (a, b) => `select(0u, 1u, ${a} <= ${b})`, grad: 'not-differentiable' },
  { type: 'Greater', dtypes: NUMERIC, fn: (a: number, b: number) => +(a > b), out: 'bool' as DType, wgsl: (a, b) => `select(0u, 1u, ${a} > ${b})`, grad: 'not-differentiable' },
  { type: 'GreaterEqual', dtypes: NUMERIC, fn: (a: number, b: number) => +(a >= b), out: 'bool' as DType, wgsl: (a, b) => `select(0u, 1u, ${a} >= ${b})`, grad: 'not-differentiable' },
  { type: 'LogicalAnd', dtypes: BOOL, fn: (a: number, b: number) => +(a !== 0 && b !== 0), wgsl: (a, b) => `${a} & ${b}`, grad: 'not-differentiable' },
  { type: 'LogicalOr', dtypes: BOOL, fn: (a: number, b: number) => +(a !== 0 || b !== 0), wgsl: (a, b) => `${a} | ${b}`, grad: 'not-differentiable' },
]) defineBinary(s);

const sigmoid = (x: number): number => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));
for (const s of <UnaryOpSpec[]>[
  { type: 'Neg', dtypes: SIGNED, fn: (x: number) => -x, wgsl: (x) => `-(${x})`, grad: (x, y, g) => neg(g) },
  { type: 'Abs', dtypes: SIGNED, fn: Math.abs, wgsl: (x) => `abs(${x})`, grad: (x, y, g) => mul(g, sign(x)) },
  { type: 'Sign', dtypes: SIGNED, fn: (x: number) => (Number.isNaN(x) ? NaN : Math.sign(x)), wgsl: (x, t) => (t === 'f32' ? `select(sign(${x}), nan_(), isnan_(${x}))` : `sign(${x})`), grad: (x) => zerosLike(x) },
  { type: 'Square', dtypes: NUMERIC, fn: (x: number) => x * x, intFn: (x: number) => intMul(x, x), wgsl: (x) => `${x} * ${x}`, grad: (x, y, g) => mul(g, mul(x, 2)) },
  { type: 'Sqrt', dtypes: FLOATS, fn: Math.sqrt, wgsl: (x) => `sqrt(${x})`, grad: (x, y, g) => realDiv(mul(0.5, g), y) },
  { type: 'Rsqrt', dtypes: FLOATS, fn: (x: number) => 1 / Math.sqrt(x), wgsl: (x) => `1.0 / sqrt(${x})`, grad: (x, y, g) => mul(mul(-0.5, mul(g, y)), mul(y, y)) },
  { type: 'Reciprocal', dtypes: FLOATS, fn: (x: number) => 1 / x, wgsl: (x) => `1.0 / ${x}`, grad: (x, y, g) => mul(mul(neg(g), y), y) },
  { type: 'Exp', dtypes: FLOATS, fn: Math.exp, wgsl: (x) => `exp(${x})`, grad: (x, y, g) => mul(g, y) },
  { type: 'Log', dtypes: FLOATS, fn: Math.log, wgsl: (x) => `log_(${x})`, grad: (x, y, g) => mul(g, reciprocal(x)) },
  { type: 'Log1p', dtypes: FLOATS, fn: Math.log1p, wgsl: (x) => `log1p_(${x})`, grad: (x, y, g) => mul(g, reciprocal(add(1, x))) },
  { type: 'Floor', dtypes: FLOATS, fn: Math.floor, wgsl: (x) => `floor(${x})`, grad: () => null },
  { type: 'Ceil', dtypes: FLOATS, fn: Math.ceil, wgsl: (x) => `ceil(${x})`, grad: () => null },
  { type: 'Round', dtypes: SIGNED, fn: roundHalfToEven, wgsl: (x, t) => (t === 'f32' ? `round(${x})` : x), grad: () => null },
  { type: 'Sigmoid', dtypes: FLOATS, fn: sigmoid, wgsl: (x) => `sigmoid_(${x})`, grad: (x, y, g) => mul(mul(g, y), sub(1, y)) },
  { type: 'Tanh', dtypes: FLOATS, fn: Math.tanh, wgsl: (x) => `tanh_(${x})`, grad: (x, y, g) => mul(g, sub(1, mul(y, y))) },
  { type: 'LogicalNot', dtypes: BOOL, fn: (x: number) => +(x === 0), wgsl: (x) => `1u - ${x}`, grad: 'not-differentiable' },
  { type: 'IsNan', dtypes: FLOATS, fn: (x: number) => +Number.isNaN(x), out: 'bool' as DType, wgsl: (x) => `select(0u, 1u, isnan_(${x}))`, grad: 'not-differentiable' },
]) defineUnary(s);

/** TF's Round is banker's rounding (half to even), like numpy's. */
export function roundHalfToEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

export const add = binaryBuilder('AddV2');
export const sub = binaryBuilder('Sub');
export const mul = binaryBuilder('Mul');
export const realDiv = binaryBuilder('RealDiv');
export const floorDivide = binaryBuilder('FloorDiv');
export const truncateDiv = binaryBuilder('TruncateDiv');
export const floorMod = binaryBuilder('FloorMod');
export const maximum = binaryBuilder('Maximum');
export const minimum = binaryBuilder('Minimum');
export const pow = binaryBuilder('Pow');
export const squaredDifference = binaryBuilder('SquaredDifference');
export const equal = binaryBuilder('Equal');
export const notEqual = binaryBuilder('NotEqual');
export const less = binaryBuilder('Less');
export const lessEqual = binaryBuilder('LessEqual');
export const greater = binaryBuilder('Greater');
export const greaterEqual = binaryBuilder('GreaterEqual');
export const logicalAnd = binaryBuilder('LogicalAnd');
export const logicalOr = binaryBuilder('LogicalOr');

/** TF1's `tf.div`: RealDiv for floats, FloorDiv (Python 2 semantics) for integers. */
export function div(a: TensorLike, b: TensorLike, opts: NameOpt = {}): Tensor {
  const [x, y] = convertSameType([a, b], `tf.div '${opts.name ?? 'div'}'`);
  const type = isFloat(x.dtype) ? 'RealDiv' : 'FloorDiv';
  return addOp(type, [x, y], { T: x.dtype }, { name: opts.name ?? 'div' }).outputs[0];
}
export const divide = div;

export const neg = unaryBuilder('Neg');
export const abs = unaryBuilder('Abs');
export const sign = unaryBuilder('Sign');
export const square = unaryBuilder('Square');
export const sqrt = unaryBuilder('Sqrt');
export const rsqrt = unaryBuilder('Rsqrt');
export const reciprocal = unaryBuilder('Reciprocal');
export const exp = unaryBuilder('Exp');
export const log = unaryBuilder('Log');
export const log1p = unaryBuilder('Log1p');
export const floor = unaryBuilder('Floor');
export const ceil = unaryBuilder('Ceil');
export const round = unaryBuilder('Round');
export const sigmoidOp = unaryBuilder('Sigmoid');
export const tanh = unaryBuilder('Tanh');
export const logicalNot = unaryBuilder('LogicalNot');
export const isNan = unaryBuilder('IsNan');
export { sigmoidOp as sigmoid };

// ---- Cast and Select --------------------------------------------------------------------------------------------

defineOp({
  type: 'Cast',
  inputs: ['x'],
  attrs: { SrcT: { type: 'type' }, DstT: { type: 'type' }, Truncate: { type: 'bool', default: false } },
  shape: (c) => [{ dtype: c.attrs.DstT as DType, shape: c.inputs[0].shape }],
  // castScalar (via mapUnary's rounding) truncates float -> int toward zero, as TensorFlow does; a float64 narrowed to
  // a 32- or 16-bit float loses its subnormals, as on TF's CPU.
  cpu: ([x], attrs) => {
    const dst = attrs.DstT as DType;
    const fromFloat = isFloat(x.dtype);
    const fn = fromFloat && isInt(dst) ? (v: number) => castFloatToInt(v, dst)
      : x.dtype === 'float64' && dst !== 'float64' && isFloat(dst) ? froundFlushed : (v: number) => v;
    return [mapUnary(x, dst, fn)];
  },
  gpu: castGpu,
  // Between float dtypes the gradient is cast back; none flows to or from an integer or bool.
  grad: (op, [g]) => [g !== null && isFloat(op.inputs[0].dtype) ? cast(g, op.inputs[0].dtype) : null],
});

/**
 * Cast on the GPU. Same storage type (int32 <-> int64, both i32 there): the bytes are the value, no copy. Not fused
 * into elementwise chains: a chain's expression sees only the input type, and Cast's depends on DstT.
 */
function castGpu(k: GpuKernelContext): GpuKernel {
  const src = wgslType(k.inputs[0].dtype), dst = wgslType(k.outputs[0].dtype);
  if (src === dst) return { dispatches: [], alias: { 0: 0 } };
  const toInt64 = k.outputs[0].dtype === 'int64' && src === 'f32';
  return elementwiseKernel(k, ([x]) => {
    if (dst === 'u32') return src === 'f32' ? `select(0u, 1u, ${x} != 0.0 || isnan_(${x}))` : `select(0u, 1u, ${x} != 0)`;
    if (src === 'u32') return `${dst}(${x})`;
    if (dst === 'f32') return `f32(${x})`;
    // float -> int: toward zero; NaN and infinities give 0 and out-of-range values wrap modulo 2^32, as the reference
    // kernel's `Math.trunc(v) | 0` (WGSL's i32() would clamp). A float -> int64 out of the int32 range fails instead.
    return toInt64 ? `f2i64_(${x})` : `f2i_(${x})`;
  }, toInt64
    ? { prelude: F2I64, check: `Cast node '${k.name}': a value is outside the int32 range the webgpu executor stores int64 in` }
    : { prelude: F2I });
}

/** Float to int conversions: |x| >= 2^31 is an integer in f32, so x mod 2^32 is exact. */
const F2I = `fn f2i_(x: f32) -> i32 {
  if ((bitcast<u32>(x) & 0x7f800000u) == 0x7f800000u) { return 0; }
  if (abs(x) < 2147483648.0) { return i32(x); }
  return bitcast<i32>(u32(x - 4294967296.0 * floor(x / 4294967296.0)));
}`;
const F2I64 = `fn f2i64_(x: f32) -> i32 {
  if ((bitcast<u32>(x) & 0x7f800000u) == 0x7f800000u) { return 0; }
  if (x >= 2147483648.0 || x < -2147483648.0) { status[0] = 1u; return 0; }
  return i32(x);
}`;

export function cast(x: TensorLike, dtype: DType, opts: NameOpt = {}): Tensor {
  checkDType(dtype, 'tf.cast');
  const t = convertToTensor(x);
  if (t.dtype === dtype) return t;
  return addOp('Cast', [t], { SrcT: t.dtype, DstT: dtype }, { name: opts.name ?? 'Cast' }).outputs[0];
}

const selectExpr = ([c, a, b]: string[]): string => `select(${b}, ${a}, ${c} != 0u)`;

defineOp({
  type: 'SelectV2',
  inputs: ['condition', 't', 'e'],
  attrs: { T: { type: 'type' } },
  shape: (c) => {
    const [cond, t, e] = c.inputs;
    if (cond.dtype !== 'bool') c.fail(`condition '${cond.name}' must be bool, got ${cond.dtype}`);
    if (t.dtype !== e.dtype) c.fail(`'${t.name}' (${t.dtype}) and '${e.name}' (${e.dtype}) must have one dtype`);
    const s1 = broadcastStatic(t.shape, e.shape);
    const s = s1 === undefined ? undefined : broadcastStatic(cond.shape, s1);
    if (s === undefined) return c.fail(`Incompatible shapes: ${formatShape(cond.shape)}, ${formatShape(t.shape)}, ${formatShape(e.shape)}`);
    return [{ dtype: t.dtype, shape: s }];
  },
  cpu: ([cond, t, e], _, ctx) => [mapBroadcast([cond, t, e], t.dtype, ctx.name, (c, a, b) => (c !== 0 ? a : b))],
  elementwise: { expr: selectExpr, scalar: (c, a, b) => (c !== 0 ? a : b) },
  gpu: (k) => elementwiseKernel(k, selectExpr),
  // Each branch gets g where it was chosen, summed back to its shape; the condition gets none.
  grad: (op, [g]) => {
    const [cond, t, e] = op.inputs;
    const out = op.outputs[0];
    return [null, unbroadcast(t, out, where(cond, g!, 0), null)[0], unbroadcast(e, out, where(cond, 0, g!), null)[0]];
  },
});

/**
 * `tf.where(cond, x, y)`: elementwise select with numpy broadcasting (TF's SelectV2). With x and y left out (TF1's
 * one-argument form), the coordinates of cond's true elements as an int64 [n, rank] (TF's Where, ops/sort_select.ts).
 */
export function where(cond: TensorLike, x?: TensorLike | null, y?: TensorLike | null, opts: NameOpt = {}): Tensor {
  const c = convertToTensor(cond, cond instanceof Tensor ? undefined : 'bool');
  if ((x === undefined || x === null) && (y === undefined || y === null)) return addOp('Where', [c], { T: c.dtype }, { name: opts.name ?? 'Where' }).outputs[0];
  if (x === undefined || x === null || y === undefined || y === null) throw new InvalidArgumentError(`tf.where '${opts.name ?? 'SelectV2'}': give both x and y, or neither`);
  const [a, b] = convertSameType([x, y], `tf.where '${opts.name ?? 'SelectV2'}'`);
  return addOp('SelectV2', [c, a, b], { T: a.dtype }, { name: opts.name ?? 'SelectV2' }).outputs[0];
}

/**
 * TF's Select (V1, what TF1's `tf.where(cond, x, y)` builds): t and e have one shape; the condition is a scalar (picks
 * all of t or all of e), has t's shape (elementwise), or is a vector of t.shape[0] values that picks whole rows. No
 * broadcasting otherwise (that is SelectV2).
 */
defineOp({
  type: 'Select',
  inputs: ['condition', 't', 'e'],
  attrs: { T: { type: 'type' } },
  shape: (c) => {
    const [cond, t, e] = c.inputs;
    if (cond.dtype !== 'bool') c.fail(`condition '${cond.name}' must be bool, got ${cond.dtype}`);
    if (t.dtype !== e.dtype) c.fail(`'${t.name}' (${t.dtype}) and '${e.name}' (${e.dtype}) must have one dtype`);
    let data: Shape = t.shape ?? e.shape;
    if (t.shape !== null && e.shape !== null) {
      const merged = t.shape.length === e.shape.length ? t.shape.map((d, i) => mergeDim(d, e.shape![i])) : [undefined];
      if (merged.some((d) => d === undefined)) c.fail(`'then' and 'else' must have the same shape, got ${formatShape(t.shape)} and ${formatShape(e.shape)}`);
      data = merged as Dim[];
    }
    if (cond.shape === null || cond.shape.length === 0) return [{ dtype: t.dtype, shape: data }];
    if (cond.shape.length === 1 && (data === null || data.length >= 1)) {
      if (data === null) return [{ dtype: t.dtype, shape: null }];
      const d0 = mergeDim(cond.shape[0], data[0]);
      if (d0 === undefined) c.fail(`a vector condition ${formatShape(cond.shape)} must have as many values as 'then' ${formatShape(data)} has rows`);
      return [{ dtype: t.dtype, shape: [d0 as Dim, ...data.slice(1)] }];
    }
    if (data === null) return [{ dtype: t.dtype, shape: cond.shape }];
    const merged = cond.shape.length === data.length ? data.map((d, i) => mergeDim(d, cond.shape![i])) : [undefined];
    if (merged.some((d) => d === undefined)) {
      c.fail(`condition ${formatShape(cond.shape)} must be a scalar, a vector of 'then's first dimension, or of 'then's shape ${formatShape(data)}`);
    }
    return [{ dtype: t.dtype, shape: merged as Dim[] }];
  },
  cpu: ([cond, t, e], _, ctx) => {
    const fail = (m: string): never => { throw new InvalidArgumentError(`Select node '${ctx.name}': ${m}`); };
    if (formatShape(t.shape) !== formatShape(e.shape)) fail(`'then' and 'else' must have the same size. but received: ${formatShape(t.shape)} vs. ${formatShape(e.shape)}`);
    const inner = selectInner(cond.shape, t.shape, fail);
    const out = empty(t.dtype, t.shape);
    for (let i = 0; i < out.size; i++) out.data[i] = cond.data[inner === 0 ? 0 : Math.floor(i / inner)] !== 0 ? t.data[i] : e.data[i];
    return [out];
  },
  gpu: (k) => {
    const [cond, t] = k.inputs;
    const inner = selectInner(cond.shape, t.shape, k.fail);
    // The condition as a broadcast input: [1] for a scalar, [n, 1, ..., 1] for a row selector, t's shape elementwise.
    const condShape = inner === 0 ? [1] : [t.size / inner, ...new Array<number>(Math.max(t.shape.length - 1, 0)).fill(1)].slice(0, Math.max(t.shape.length, 1));
    const view = { ...k, inputs: [{ ...cond, shape: inner === 1 ? t.shape : condShape }, ...k.inputs.slice(1)] };
    return elementwiseKernel(view, selectExpr);
  },
  // TF's _SelectGrad: where(c, grad, zeros) and where(c, zeros, grad), both V1 Selects.
  grad: (op, [g]) => {
    const [cond, t] = op.inputs;
    const zeros = zerosLike(t);
    return [null, select(cond, g!, zeros), select(cond, zeros, g!)];
  },
});

/** Elements of `t` per condition value: 0 for a scalar condition, 1 elementwise, the row size for a vector one. */
function selectInner(cond: readonly number[], t: readonly number[], fail: (m: string) => never): number {
  const size = t.reduce((a, b) => a * b, 1);
  if (cond.length === 0) return 0;
  if (cond.length === t.length && cond.every((d, i) => d === t[i])) return 1;
  if (cond.length === 1 && t.length >= 1) {
    if (cond[0] !== t[0]) fail(`Number of batches of 'then' must match size of 'cond', but saw: ${t[0]} vs. ${cond[0]}`);
    return t[0] === 0 ? 1 : size / t[0];
  }
  return fail(`'cond' and 'then' must have the same shape (or 'cond' a scalar, or a vector of 'then's first dimension), but saw: ${formatShape(cond)} vs. ${formatShape(t)}`);
}

/** `tf.select(condition, t, e, {name?})`: TF's Select (V1; TF1's `tf.where` with x and y). See also `tf.where` (SelectV2). */
export function select(condition: TensorLike, t: TensorLike, e: TensorLike, opts: NameOpt = {}): Tensor {
  const c = convertToTensor(condition, condition instanceof Tensor ? undefined : 'bool');
  const [a, b] = convertSameType([t, e], `tf.select '${opts.name ?? 'Select'}'`);
  return addOp('Select', [c, a, b], { T: a.dtype }, { name: opts.name ?? 'Select' }).outputs[0];
}

// ---- MatMul ---------------------------------------------------------------------------------------------------------

// TF's OpDef type lists: MatMul takes no 8/16-bit signed ints, BatchMatMulV2 int16 too, BatchMatMul (V1) no unsigned.
const MATMUL_DTYPES: Record<string, readonly DType[]> = {
  MatMul: [...FLOATS, 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64'],
  BatchMatMulV2: [...FLOATS, 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64'],
  BatchMatMul: [...FLOATS, 'int32', 'int64'],
};

function matmulShapes(c: ShapeContext, ta: boolean, tb: boolean, batched: boolean): Shape {
  const [a, b] = c.inputs;
  if (a.dtype !== b.dtype) c.fail(`inputs must have one dtype, got '${a.name}' ${a.dtype} and '${b.name}' ${b.dtype}`);
  if (!MATMUL_DTYPES[c.type].includes(a.dtype)) c.fail(`dtype ${a.dtype} is not supported`);
  const shapes = `with input shapes: ${formatShape(a.shape)}, ${formatShape(b.shape)}`;
  if (a.shape === null || b.shape === null) return null;
  if (!batched && (a.shape.length !== 2 || b.shape.length !== 2)) c.fail(`Shape must be rank 2 ${shapes}`);
  if (a.shape.length < 2 || b.shape.length < 2) c.fail(`Shape must be at least rank 2 ${shapes}`);
  const ra = a.shape.length, rb = b.shape.length;
  const m = a.shape[ta ? ra - 1 : ra - 2], ka = a.shape[ta ? ra - 2 : ra - 1];
  const kb = b.shape[tb ? rb - 1 : rb - 2], n = b.shape[tb ? rb - 2 : rb - 1];
  if (ka !== null && kb !== null && ka !== kb) c.fail(`Dimensions must be equal, but are ${ka} and ${kb} ${shapes}`);
  const batch = broadcastStatic(a.shape.slice(0, -2), b.shape.slice(0, -2));
  if (batch === undefined) c.fail(`batch dimensions are not broadcastable ${shapes}`);
  return [...(batch ?? []), m, n];
}

/** out[b,i,j] = sum_k a[b,i,k] * b[b,k,j], over broadcast batch dims; accumulates in float64. */
function matmulKernel(a: NDArray, b: NDArray, ta: boolean, tb: boolean, node: string): NDArray {
  const ra = a.rank, rb = b.rank;
  const m = a.shape[ta ? ra - 1 : ra - 2], k = a.shape[ta ? ra - 2 : ra - 1];
  const kb = b.shape[tb ? rb - 1 : rb - 2], n = b.shape[tb ? rb - 2 : rb - 1];
  if (k !== kb) throw new InvalidArgumentError(`'${node}': matrix size-incompatible: In[0]: ${formatShape(a.shape)}, In[1]: ${formatShape(b.shape)}`);
  const batchA = a.shape.slice(0, -2), batchB = b.shape.slice(0, -2);
  const batch = broadcastShapes([batchA, batchB], node);
  const out = empty(a.dtype, [...batch, m, n]);
  const ia = broadcastIndex(batchA, batch), ib = broadcastIndex(batchB, batch);
  const intMatmul = isInt(a.dtype);
  const A = a.data, B = b.data, O = out.data;
  // Element strides of the (possibly transposed) operands.
  const [sai, sak] = ta ? [1, m] : [k, 1];
  const [sbk, sbj] = tb ? [1, k] : [n, 1];
  for (let bi = 0; bi < ia.length; bi++) {
    const oa = ia[bi] * m * k, ob = ib[bi] * k * n, oo = bi * m * n;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let acc = 0;
        for (let p = 0; p < k; p++) {
          const prod = intMatmul ? Math.imul(A[oa + i * sai + p * sak], B[ob + p * sbk + j * sbj]) : A[oa + i * sai + p * sak] * B[ob + p * sbk + j * sbj];
          acc = intMatmul ? (acc + prod) | 0 : acc + prod;
        }
        O[oo + i * n + j] = acc;
      }
    }
  }
  return out;
}

defineOp({
  type: 'MatMul',
  inputs: ['a', 'b'],
  attrs: { T: { type: 'type' }, transpose_a: { type: 'bool', default: false }, transpose_b: { type: 'bool', default: false } },
  shape: (c) => [{ dtype: c.inputs[0].dtype, shape: matmulShapes(c, c.attrs.transpose_a as boolean, c.attrs.transpose_b as boolean, false) }],
  cpu: ([a, b], attrs, ctx) => [matmulKernel(a, b, attrs.transpose_a as boolean, attrs.transpose_b as boolean, ctx.name)],
  gpu: (k) => matmulGpu(k, k.attrs.transpose_a as boolean, k.attrs.transpose_b as boolean),
  grad: (op, [g]) => matmulGrad(op.inputs[0], op.inputs[1], g!, op.attrs.transpose_a as boolean, op.attrs.transpose_b as boolean),
});

defineOp({
  type: 'BatchMatMulV2',
  inputs: ['x', 'y'],
  attrs: { T: { type: 'type' }, adj_x: { type: 'bool', default: false }, adj_y: { type: 'bool', default: false } },
  shape: (c) => [{ dtype: c.inputs[0].dtype, shape: matmulShapes(c, c.attrs.adj_x as boolean, c.attrs.adj_y as boolean, true) }],
  cpu: ([a, b], attrs, ctx) => [matmulKernel(a, b, attrs.adj_x as boolean, attrs.adj_y as boolean, ctx.name)],
  gpu: (k) => matmulGpu(k, k.attrs.adj_x as boolean, k.attrs.adj_y as boolean),
  grad: (op, [g]) => {
    const [x, y] = op.inputs;
    const [gx, gy] = matmulGrad(x, y, g!, op.attrs.adj_x as boolean, op.attrs.adj_y as boolean);
    return [sumBatchTo(gx, x, y), sumBatchTo(gy, y, x)];
  },
});

/** TF's BatchMatMul (V1): both operands of one rank >= 2 with identical batch dims (no broadcasting). */
defineOp({
  type: 'BatchMatMul',
  inputs: ['x', 'y'],
  attrs: { T: { type: 'type' }, adj_x: { type: 'bool', default: false }, adj_y: { type: 'bool', default: false } },
  shape: (c) => {
    const [x, y] = c.inputs;
    if (x.shape !== null && y.shape !== null) {
      if (x.shape.length !== y.shape.length) c.fail(`In[0] and In[1] must have the same rank, got ${formatShape(x.shape)} and ${formatShape(y.shape)}`);
      for (let i = 0; i < x.shape.length - 2; i++) {
        if (mergeDim(x.shape[i], y.shape[i]) === undefined) c.fail(`batch dimensions must be equal (no broadcasting in BatchMatMul): ${formatShape(x.shape)} and ${formatShape(y.shape)}`);
      }
    }
    const s = matmulShapes(c, c.attrs.adj_x as boolean, c.attrs.adj_y as boolean, true);
    if (s !== null && x.shape !== null && y.shape !== null) {
      for (let i = 0; i < s.length - 2; i++) s[i] = mergeDim(x.shape[i], y.shape[i]) as Dim;
    }
    return [{ dtype: x.dtype, shape: s }];
  },
  cpu: ([a, b], attrs, ctx) => {
    if (a.rank !== b.rank || a.shape.slice(0, -2).some((d, i) => d !== b.shape[i])) {
      throw new InvalidArgumentError(`BatchMatMul node '${ctx.name}': In[0] and In[1] must have the same rank and batch dimensions, got ${formatShape(a.shape)} and ${formatShape(b.shape)}`);
    }
    return [matmulKernel(a, b, attrs.adj_x as boolean, attrs.adj_y as boolean, ctx.name)];
  },
  gpu: (k) => matmulGpu(k, k.attrs.adj_x as boolean, k.attrs.adj_y as boolean),
  // TF's _BatchMatMul: the four adjoint cases, no batch reduction (the batch dims are equal).
  grad: (op, [g]) => matmulGrad(op.inputs[0], op.inputs[1], g!, op.attrs.adj_x as boolean, op.attrs.adj_y as boolean),
});

/** TF's _MatMulGrad (and _BatchMatMulV2 before its batch reduction): one matmul per operand, transposes as flags. */
function matmulGrad(a: Tensor, b: Tensor, g: Tensor, ta: boolean, tb: boolean): [Tensor, Tensor] {
  const mm = (p: Tensor, q: Tensor, transposeA: boolean, transposeB: boolean): Tensor => matmul(p, q, { transposeA, transposeB });
  if (!ta && !tb) return [mm(g, b, false, true), mm(a, g, true, false)];
  if (!ta && tb) return [mm(g, b, false, false), mm(g, a, true, false)];
  if (ta && !tb) return [mm(b, g, false, true), mm(a, g, false, false)];
  return [mm(b, g, true, true), mm(g, a, true, true)];
}

/** The gradient `g` of BatchMatMulV2's operand `x` (other operand `y`) summed over the batch dims x was broadcast along. */
function sumBatchTo(g: Tensor, x: Tensor, y: Tensor): Tensor {
  const xs = x.shape, ys = y.shape;
  if (xs !== null && ys !== null && xs.length <= 2 && ys.length <= 2) return g;
  if (xs !== null && ys !== null && xs.every((d) => d !== null) && ys.every((d) => d !== null)) {
    const bx = xs.slice(0, -2) as number[], by = ys.slice(0, -2) as number[];
    const [rx] = broadcastReductionAxes(bx, by, (m) => { throw new InvalidArgumentError(`BatchMatMulV2 gradient: ${m}`); });
    return rx.length === 0 ? g : reshape(reduceSum(g, rx), xs as number[]);
  }
  const sx = shapeOf(x);
  const batchShape = (s: Tensor): Tensor => stridedSlice(s, [0], [-2], [1]);
  const args = addOp('BroadcastGradientArgs', [batchShape(sx), batchShape(shapeOf(y))], { T: 'int32' }, { name: 'BroadcastGradientArgs' });
  return reshape(reduceSum(g, args.outputs[0]), sx);
}

/** `tf.matmul(a, b, {transposeA?, transposeB?, name?})`: MatMul for matrices, BatchMatMulV2 when either has rank > 2. */
export function matmul(a: TensorLike, b: TensorLike, opts: NameOpt & { transposeA?: boolean; transposeB?: boolean } = {}): Tensor {
  const [x, y] = convertSameType([a, b], `tf.matmul '${opts.name ?? 'MatMul'}'`);
  const ta = opts.transposeA ?? false, tb = opts.transposeB ?? false;
  if ((x.rank ?? 3) > 2 || (y.rank ?? 3) > 2) {
    return addOp('BatchMatMulV2', [x, y], { T: x.dtype, adj_x: ta, adj_y: tb }, { name: opts.name ?? 'MatMul' }).outputs[0];
  }
  return addOp('MatMul', [x, y], { T: x.dtype, transpose_a: ta, transpose_b: tb }, { name: opts.name ?? 'MatMul' }).outputs[0];
}

// ---- reductions -----------------------------------------------------------------------------------------------------

/** Static output shape of a reduction; the axes must be known while building to know more than the rank. */
function reductionShape(c: ShapeContext): Shape {
  const x = c.inputs[0];
  const keep = c.attrs.keep_dims as boolean;
  const axesV = c.constValue(1);
  if (c.inputs[1].dtype !== 'int32' && c.inputs[1].dtype !== 'int64') c.fail(`reduction_indices must be int32 or int64, got ${c.inputs[1].dtype}`);
  if (x.shape === null) return null;
  const rank = x.shape.length;
  if (axesV === null) return keep ? new Array<Dim>(rank).fill(null) : null;
  const axes = new Set<number>();
  for (const a of axesV.data) {
    const n = normAxis(a, rank);
    if (n === undefined) c.fail(`Invalid reduction dimension ${a} for input with ${rank} dimensions (input ${formatShape(x.shape)})`);
    axes.add(n);
  }
  return keep ? x.shape.map((d, i) => (axes.has(i) ? 1 : d)) : x.shape.filter((_, i) => !axes.has(i));
}

function defineReduction(type: string, dtypes: readonly DType[], init: (dt: DType) => number, step: (a: number, v: number) => number,
  wgsl: Omit<ReduceWgsl, 'identity'>, grad: GradFn | 'not-differentiable', finish?: (acc: number, n: number, dt: DType) => number): void {
  defineOp({
    type,
    inputs: ['input', 'reduction_indices'],
    // All and Any reduce bool only, and TF's OpDefs of them have no T attr.
    attrs: { ...(dtypes === BOOL ? {} : { T: { type: 'type' as const } }), Tidx: { type: 'type', default: 'int32' }, keep_dims: { type: 'bool', default: false } },
    shape: (c) => {
      if (!dtypes.includes(c.inputs[0].dtype)) c.fail(`dtype ${c.inputs[0].dtype} is not supported`);
      return [{ dtype: c.inputs[0].dtype, shape: reductionShape(c) }];
    },
    cpu: ([x, axes], attrs, ctx) => {
      const ax = normAxes(intList(axes), x.rank, ctx.name);
      // float16/bfloat16 accumulate in their own type, rounding every step, as TF's Eigen reducers do.
      const half = x.dtype === 'float16' || x.dtype === 'bfloat16';
      const s = half ? (a: number, v: number) => castScalar(step(a, v), x.dtype) : step;
      return [reduce(x, ax, attrs.keep_dims as boolean, x.dtype, init(x.dtype), s, finish && ((a, n) => finish(a, n, x.dtype)))];
    },
    gpu: (k) => reduceGpu(k, normAxes(intList(k.requireConst(1, 'reduction_indices')), k.inputs[0].shape.length, k.name),
      { ...wgsl, identity: init }),
    grad,
  });
}

const lowest = lowestOf;
const highest = highestOf;
const nanMax = (a: number, v: number): number => (Number.isNaN(a) || Number.isNaN(v) ? NaN : Math.max(a, v));
const nanMin = (a: number, v: number): number => (Number.isNaN(a) || Number.isNaN(v) ? NaN : Math.min(a, v));

/** Max/Min that propagate NaN (WGSL's max and min need not), on scalars or vec4s. */
const nanAware = (f: 'max' | 'min') => (a: string, b: string, t: string, vec: boolean): string => {
  if (t !== 'f32') return `${f}(${a}, ${b})`;
  const nan = literal(NaN, 'float32');
  return vec ? `select(${f}(${a}, ${b}), vec4<f32>(${nan}), isnan4_(${a}) | isnan4_(${b}))`
    : `select(${f}(${a}, ${b}), ${nan}, isnan_(${a}) || isnan_(${b}))`;
};
const plus = { combine: (a: string, b: string) => `${a} + ${b}` };

defineReduction('Sum', NUMERIC, () => 0, (a, v) => a + v, plus, (op, [g]) => [sumGrad(op, g!), null]);
defineReduction('Prod', NUMERIC, () => 1, (a, v) => a * v, { combine: (a, b) => `${a} * ${b}` }, prodGrad);
defineReduction('Max', NUMERIC, lowest, nanMax, { combine: nanAware('max') }, minOrMaxGrad);
defineReduction('Min', NUMERIC, highest, nanMin, { combine: nanAware('min') }, minOrMaxGrad);
// Integer means divide with truncation, as TensorFlow's do.
defineReduction('Mean', NUMERIC, () => 0, (a, v) => a + v, { ...plus, mean: true }, meanGrad,
  (a, n, dt) => (isInt(dt) ? Math.trunc(a / n) : a / n));
defineReduction('All', BOOL, () => 1, (a, v) => +(a !== 0 && v !== 0), { combine: (a, b) => `${a} & ${b}` }, 'not-differentiable');
defineReduction('Any', BOOL, () => 0, (a, v) => +(a !== 0 || v !== 0), { combine: (a, b) => `${a} | ${b}` }, 'not-differentiable');

// Reduction gradients (TF's _SumGrad, _MeanGrad, _MinOrMaxGrad, _ProdGrad): the output gradient reshaped to the
// keep-dims shape, then tiled or broadcast back over the reduced axes. Shapes known while building give constants;
// otherwise Shape ops, which the WebGPU executor computes on the host.

/** x's shape with the reduced axes set to 1 (TF's reduced_shape): JS numbers when known while building. */
function keptDimsShape(x: Tensor, axes: Tensor): number[] | Tensor {
  const av = staticValue(axes);
  if (x.shape !== null && av !== null) {
    const r = x.shape.length;
    const reduced = new Set(Array.from(av.data, (a) => ((a % r) + r) % r));
    const kept = x.shape.map((d, i) => (reduced.has(i) ? 1 : d));
    if (kept.every((d) => d !== null)) return kept as number[];
    return where(constant(x.shape.map((_, i) => reduced.has(i)), { dtype: 'bool', name: 'reduced' }), 1, shapeOf(x));
  }
  const r = rank(x);
  const ax = floorMod(reshape(axes.dtype === 'int32' ? axes : cast(axes, 'int32'), [1, -1]), r);
  return where(reduceAny(equal(expandDims(range(0, r), 1), ax), 1), 1, shapeOf(x));
}

/** Tensors of a reduction's output shape, reshaped to the keep-dims shape (they have it already with keep_dims). */
function withKeptDims(op: Operation, ts: Tensor[]): Tensor[] {
  if (op.attrs.keep_dims) return ts;
  const kept = keptDimsShape(op.inputs[0], op.inputs[1]);
  return ts.map((t) => reshape(t, kept));
}

function sumGrad(op: Operation, g: Tensor): Tensor {
  const x = op.inputs[0];
  const kept = keptDimsShape(x, op.inputs[1]);
  const gk = op.attrs.keep_dims ? g : reshape(g, kept);
  if (Array.isArray(kept) && x.shape!.every((d) => d !== null)) {
    const multiples = (x.shape as number[]).map((d, i) => Math.floor(d / Math.max(kept[i], 1)));
    return multiples.every((m) => m === 1) ? gk : tile(gk, multiples);
  }
  const keptT = Array.isArray(kept) ? constant(kept, { dtype: 'int32', shape: [kept.length] }) : kept;
  return tile(gk, floorDivide(shapeOf(x), maximum(keptT, 1)));
}

function meanGrad(op: Operation, [g]: ReadonlyArray<Tensor | null>): Array<Tensor | null> {
  const sum = sumGrad(op, g!);
  const xs = op.inputs[0].shape, ys = op.outputs[0].shape;
  if (xs !== null && ys !== null && xs.every((d) => d !== null) && ys.every((d) => d !== null)) {
    const count = (s: Shape): number => (s as number[]).reduce((p, d) => p * d, 1);
    return [realDiv(sum, Math.floor(count(xs) / Math.max(count(ys), 1))), null];
  }
  const factor = floorDivide(reduceProd(shapeOf(op.inputs[0])), maximum(reduceProd(shapeOf(op.outputs[0])), 1));
  return [realDiv(sum, cast(factor, sum.dtype)), null];
}

/** Max and Min: the gradient is split equally among the elements equal to the extreme. */
function minOrMaxGrad(op: Operation, [g]: ReadonlyArray<Tensor | null>): Array<Tensor | null> {
  const [x, axes] = op.inputs;
  const [y, gk] = withKeptDims(op, [op.outputs[0], g!]);
  const chosen = cast(equal(y, x), gk.dtype);
  return [mul(realDiv(chosen, reduceSum(chosen, axes, true)), gk), null];
}

/**
 * Prod: each element gets the product of the others. TF builds that from two exclusive cumprods; Kiln has no Cumprod,
 * so it divides the product of the nonzero elements by the element, with zeros handled exactly: with one zero only
 * that element gets a gradient (the product of the others), with two or more none does.
 */
function prodGrad(op: Operation, [g]: ReadonlyArray<Tensor | null>): Array<Tensor | null> {
  const [x, axes] = op.inputs;
  const isZero = equal(x, 0);
  const safe = where(isZero, 1, x);
  const prodNonzero = reduceProd(safe, axes, true);
  const zeros = reduceSum(cast(isZero, x.dtype), axes, true);
  const others = where(isZero, where(equal(zeros, 1), prodNonzero, 0), where(equal(zeros, 0), realDiv(prodNonzero, safe), 0));
  return [mul(others, withKeptDims(op, [g!])[0]), null];
}

/** Axes to reduce: numbers, an int32 Tensor (TF allows a tensor of reduction indices), or all (null/undefined). */
type Axis = number | readonly number[] | Tensor | null | undefined;

/** The reduction_indices input: the given axes, or every axis (a Range over the rank when the rank is unknown). */
function axesTensor(x: Tensor, axis: Axis): Tensor {
  if (axis instanceof Tensor) return axis;
  if (axis !== undefined && axis !== null) return constant(typeof axis === 'number' ? axis : [...axis], { dtype: 'int32', name: 'reduction_indices' });
  if (x.rank !== null) return constant([...Array(x.rank).keys()], { dtype: 'int32', shape: [x.rank], name: 'Const' });
  return addOp('Range', [constant(0, { dtype: 'int32' }), addOp('Rank', [x], { T: x.dtype }).outputs[0], constant(1, { dtype: 'int32' })],
    { Tidx: 'int32' }).outputs[0];
}

function reductionBuilder(type: string, defaultName: string) {
  return (x: TensorLike, axis?: Axis, keepDims = false, opts: NameOpt = {}): Tensor => {
    const t = convertToTensor(x);
    const name = opts.name ?? defaultName;
    return t.graph.withNameScope(name, () => {
      const axes = axesTensor(t, axis);
      return addOp(type, [t, axes], { ...typeAttr(type, t.dtype), Tidx: 'int32', keep_dims: keepDims }, { name: `${t.graph.currentScope}`, exactName: true }).outputs[0];
    });
  };
}

export const reduceSum = reductionBuilder('Sum', 'Sum');
export const reduceMean = reductionBuilder('Mean', 'Mean');
export const reduceMax = reductionBuilder('Max', 'Max');
export const reduceMin = reductionBuilder('Min', 'Min');
export const reduceProd = reductionBuilder('Prod', 'Prod');
export const reduceAll = reductionBuilder('All', 'All');
export const reduceAny = reductionBuilder('Any', 'Any');

// ---- ArgMax / ArgMin ------------------------------------------------------------------------------------------------

function defineArg(type: 'ArgMax' | 'ArgMin', better: (v: number, best: number) => boolean): void {
  defineOp({
    type,
    inputs: ['input', 'dimension'],
    attrs: { T: { type: 'type' }, Tidx: { type: 'type', default: 'int32' }, output_type: { type: 'type', default: 'int64' } },
    shape: (c) => {
      const x = c.inputs[0];
      if (!NUMERIC.includes(x.dtype)) c.fail(`dtype ${x.dtype} is not supported`);
      const out = c.attrs.output_type as DType;
      if (x.shape === null) return [{ dtype: out, shape: null }];
      const v = c.constValue(1);
      if (v === null) return [{ dtype: out, shape: new Array<Dim>(Math.max(0, x.shape.length - 1)).fill(null) }];
      const ax = normAxis(v.data[0], x.shape.length);
      if (ax === undefined) c.fail(`Expected dimension in the range [${-x.shape.length}, ${x.shape.length}), but got ${v.data[0]}`);
      return [{ dtype: out, shape: x.shape.filter((_, i) => i !== ax) }];
    },
    cpu: ([x, dim], attrs, ctx) => {
      const ax = normAxis(dim.data[0], x.rank);
      if (ax === undefined) throw new InvalidArgumentError(`'${ctx.name}': Expected dimension in the range [${-x.rank}, ${x.rank}), but got ${dim.data[0]}`);
      if (x.shape[ax] === 0) throw new InvalidArgumentError(`'${ctx.name}': Reduction axis ${ax} is empty in shape ${formatShape(x.shape)}`);
      const outer = x.shape.slice(0, ax).reduce((p, d) => p * d, 1);
      const len = x.shape[ax];
      const inner = x.shape.slice(ax + 1).reduce((p, d) => p * d, 1);
      const out = empty(attrs.output_type as DType, x.shape.filter((_, i) => i !== ax));
      for (let o = 0; o < outer; o++) {
        for (let i = 0; i < inner; i++) {
          let best = x.data[o * len * inner + i], bestIdx = 0;
          for (let j = 1; j < len; j++) {
            const v = x.data[(o * len + j) * inner + i];
            // The first extreme wins; a NaN wins over numbers (as numpy and TensorFlow's CPU kernel).
            if (!Number.isNaN(best) && (Number.isNaN(v) || better(v, best))) { best = v; bestIdx = j; }
          }
          out.data[o * inner + i] = bestIdx;
        }
      }
      return [out];
    },
    gpu: (k) => {
      const x = k.inputs[0];
      const d = k.requireConst(1, 'dimension').data[0];
      const ax = normAxis(d, x.shape.length);
      if (ax === undefined) return k.fail(`Expected dimension in the range [${-x.shape.length}, ${x.shape.length}), but got ${d}`);
      if (x.shape[ax] === 0) k.fail(`Reduction axis ${ax} is empty in shape ${formatShape(x.shape)}`);
      return argReduceGpu(k, ax, type === 'ArgMax');
    },
    grad: 'not-differentiable',
  });
}
defineArg('ArgMax', (v, best) => v > best);
defineArg('ArgMin', (v, best) => v < best);

/**
 * `tf.argMax(x, axis, {outputType?, name?})`. The index dtype defaults to int32, not TF's int64: JavaScript labels
 * are int32, and comparing an int64 index with them would need a cast in every accuracy metric. The `output_type`
 * attr is always written, so a GraphDef says exactly what it computes.
 */
export function argMax(x: TensorLike, axis: number, opts: NameOpt & { outputType?: DType } = {}): Tensor {
  return argOp('ArgMax', x, axis, opts);
}
export function argMin(x: TensorLike, axis: number, opts: NameOpt & { outputType?: DType } = {}): Tensor {
  return argOp('ArgMin', x, axis, opts);
}
function argOp(type: 'ArgMax' | 'ArgMin', x: TensorLike, axis: number, opts: NameOpt & { outputType?: DType }): Tensor {
  const t = convertToTensor(x);
  const outputType = opts.outputType ?? 'int32';
  if (outputType !== 'int32' && outputType !== 'int64') throw new InvalidArgumentError(`tf.${type === 'ArgMax' ? 'argMax' : 'argMin'}: outputType must be int32 or int64`);
  const dim = constant(axis, { dtype: 'int32', name: 'dimension' });
  return addOp(type, [t, dim], { T: t.dtype, Tidx: 'int32', output_type: outputType }, { name: opts.name ?? type }).outputs[0];
}
