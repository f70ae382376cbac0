// Elementwise ops as data: one line per op (TF type, allowed dtypes, the scalar function, and the same function as a
// WGSL expression, so the GPU kernel is a template and a fuser can compose chains into one shader).
import { DType, FLOAT_DTYPES, INT_DTYPES, isInt } from '../graph/dtypes.js';
import { InvalidArgumentError } from '../graph/errors.js';
import { broadcastStatic, formatShape } from '../graph/shape.js';
import { Tensor } from '../graph/tensor.js';
import { mapBroadcast, mapUnary } from './cpu.js';
import { WGSL_SPECIAL } from './wgsl/special.js';
import { binding, broadcastIndexParams, grid, GpuKernel, GpuKernelContext, literal, Params, WG, wgslType, WType } from './gpu.js';
import { addOp, AttrSpec, defineOp, GradFn, typeAttr } from './registry.js';
import { convertSameType, convertToTensor, NameOpt, TensorLike } from './values.js';

// dtype lists of TF's OpDefs (math_ops.cc): `realnumbertypes` are NUMERIC; Neg/Abs/Sign take no unsigned type.
export const FLOATS: readonly DType[] = FLOAT_DTYPES;
export const INTS: readonly DType[] = INT_DTYPES;
export const NUMERIC: readonly DType[] = [...FLOAT_DTYPES, ...INT_DTYPES];
export const SIGNED: readonly DType[] = [...FLOAT_DTYPES, 'int8', 'int16', 'int32', 'int64'];
export const ALL: readonly DType[] = [...NUMERIC, 'bool'];
export const BOOL: readonly DType[] = ['bool'];

export interface UnaryOpSpec {
  type: string;
  /** TF's input arg name, when it is not `x` (Relu's is `features`). */
  input?: string;
  dtypes: readonly DType[];
  fn: (x: number) => number;
  /** For integer dtypes when the float formula would be wrong (int32 square wraps). */
  intFn?: (x: number) => number;
  /** Output dtype when it differs from the input's (IsNan -> bool). */
  out?: DType;
  /** The WGSL expression of `x` (of WGSL type `t`), giving the output's storage type (bool is u32 0/1). */
  wgsl: (x: string, t: WType) => string;
  /** The gradient, or 'not-differentiable'. */
  grad?: UnaryGrad | 'not-differentiable';
}

/** A unary op's gradient: d(ys)/dx from its input x, its output y and d(ys)/dy, built with the graph builders. */
export type UnaryGrad = (x: Tensor, y: Tensor, dy: Tensor) => Tensor | null;

/**
 * A binary op's gradient: d(ys)/dx and d(ys)/dy (null where none flows) from its inputs, d(ys)/dz and its output z,
 * each of its input's shape: a broadcasting op sums them back with `unbroadcast` (ops/gradients.ts) itself. (Not done
 * here: this module is loaded first, by the GPU fuser, and must not import the builders, whose modules need it.)
 */
export type BinaryGrad = (x: Tensor, y: Tensor, dz: Tensor, z: Tensor) => [Tensor | null, Tensor | null];

export type { WType };

export interface BinaryOpSpec {
  type: string;
  dtypes: readonly DType[];
  /** TF's attrs beyond T (Equal's incompatible_shape_error). */
  attrs?: Record<string, AttrSpec>;
  fn: (a: number, b: number) => number;
  /** For integer dtypes when the float formula would be wrong (int32 multiply wraps: Math.imul). */
  intFn?: (a: number, b: number) => number;
  out?: DType;
  /** The WGSL expression of `a` and `b` (of WGSL type `t`); see UnaryOpSpec.wgsl. */
  wgsl: (a: string, b: string, t: WType) => string;
  /** Integer division by zero fails the run (as in TensorFlow's CPU kernels). */
  intDivides?: boolean;
  /** The gradient, or 'not-differentiable'. */
  grad?: BinaryGrad | 'not-differentiable';
  /** TF's input arg names when they are not `x`, `y` (Atan2 takes `y`, `x`). */
  inputs?: readonly [string, string];
}

/** TF declares a T attr only where the dtype varies: its bool-only ops (LogicalAnd, LogicalOr, LogicalNot) have none. */
function typeAttrSpec(dtypes: readonly DType[]): { T?: { type: 'type' } } {
  return dtypes.length === 1 && dtypes[0] === 'bool' ? {} : { T: { type: 'type' } };
}

function checkDtype(c: { inputs: readonly Tensor[]; fail(m: string): never }, allowed: readonly DType[]): void {
  for (const t of c.inputs) {
    if (!allowed.includes(t.dtype)) c.fail(`input '${t.name}' has dtype ${t.dtype}; allowed: ${allowed.join(', ')}`);
  }
}

export function defineUnary(s: UnaryOpSpec): void {
  defineOp({
    type: s.type,
    inputs: [s.input ?? 'x'],
    attrs: typeAttrSpec(s.dtypes),
    shape: (c) => {
      checkDtype(c, s.dtypes);
      return [{ dtype: s.out ?? c.inputs[0].dtype, shape: c.inputs[0].shape }];
    },
    cpu: ([x]) => [mapUnary(x, s.out ?? x.dtype, isInt(x.dtype) && s.intFn !== undefined ? s.intFn : s.fn)],
    elementwise: { expr: (v, t) => s.wgsl(v[0], t), scalar: s.fn, intScalar: s.intFn },
    gpu: (k) => elementwiseKernel(k, (v, t) => s.wgsl(v[0], t)),
    grad: typeof s.grad === 'function' ? unaryGradFn(s.grad) : s.grad,
  });
}

export function defineBinary(s: BinaryOpSpec): void {
  defineOp({
    type: s.type,
    inputs: s.inputs ?? ['x', 'y'],
    attrs: { ...typeAttrSpec(s.dtypes), ...s.attrs },
    shape: (c) => {
      checkDtype(c, s.dtypes);
      const [a, b] = c.inputs;
      if (a.dtype !== b.dtype) c.fail(`inputs must have one dtype, got '${a.name}' ${a.dtype} and '${b.name}' ${b.dtype}`);
      const shape = broadcastStatic(a.shape, b.shape);
      // incompatible_shape_error=false (Equal, NotEqual) asks TF for a scalar instead of this error: Kiln has no such form.
      const asked = c.attrs.incompatible_shape_error === false ? ' (incompatible_shape_error=false, a scalar result for shapes that do not broadcast, is not supported)' : '';
      if (shape === undefined) return c.fail(`Incompatible shapes: ${formatShape(a.shape)} vs. ${formatShape(b.shape)}${asked}`);
      return [{ dtype: s.out ?? a.dtype, shape }];
    },
    cpu: ([a, b], _, ctx) => {
      const fn = isInt(a.dtype) && s.intFn !== undefined ? s.intFn : s.fn;
      return [mapBroadcast([a, b], s.out ?? a.dtype, ctx.name, fn)];
    },
    elementwise: { expr: (v, t) => s.wgsl(v[0], v[1], t), intDivides: s.intDivides, scalar: s.fn, intScalar: s.intFn },
    gpu: (k) => elementwiseKernel(k, (v, t) => s.wgsl(v[0], v[1], t), s.intDivides === true && k.inputs[1].dtype !== 'float32'
      ? { status: 'if (v1 == 0) { status[0] = 1u; }', check: `${k.type} node '${k.name}': Integer division by zero` } : {}),
    grad: typeof s.grad === 'function' ? binaryGradFn(s.grad) : s.grad,
  });
}

// A differentiable elementwise op has a float output, so tf.gradients always passes its gradient as a Tensor.
function unaryGradFn(g: UnaryGrad): GradFn { return (op, [dy]) => [g(op.inputs[0], op.outputs[0], dy!)]; }
function binaryGradFn(g: BinaryGrad): GradFn { return (op, [dz]) => g(op.inputs[0], op.inputs[1], dz!, op.outputs[0]); }

export function unaryBuilder(type: string) {
  return (x: TensorLike, opts: NameOpt = {}): Tensor => {
    const t = convertToTensor(x);
    return addOp(type, [t], typeAttr(type, t.dtype), { name: opts.name ?? type }).outputs[0];
  };
}

export function binaryBuilder(type: string) {
  return (a: TensorLike, b: TensorLike, opts: NameOpt = {}): Tensor => {
    const [x, y] = convertSameType([a, b], `${type} '${opts.name ?? type}'`);
    return addOp(type, [x, y], typeAttr(type, x.dtype), { name: opts.name ?? type }).outputs[0];
  };
}

/** Integer division and modulus by zero are errors in TensorFlow, not Infinity. */
export function intDivisor(b: number): number {
  if (b === 0) throw new InvalidArgumentError('Integer division by zero');
  return b;
}

/**
 * WGSL functions the elementwise expressions may call. NaN tests look at the bits: WGSL lets a compiler assume no NaN.
 * Shader compilers also reassociate (`(1 + x) - 1` may become `x`), so no function relies on a cancellation: log, log1p
 * and tanh near 0 use series, where the GPU's builtins lose relative accuracy (measured on llvmpipe: log1p(1e-6) 6%
 * off through log(1 + x), tanh(1e-6) 7.5%, log(0.99993) 5e-4).
 */
export const WGSL_PRELUDE = `
fn isnan_(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }
fn isinf_(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) == 0x7f800000u; }
fn nan_() -> f32 { return bitcast<f32>(kiln_nonfinite_[0]); }
fn ipow_(a: i32, b: i32) -> i32 {
  if (b < 0) { return select(0, select(-1, 1, (b & 1) == 0), a == -1) + select(0, 1, a == 1); }
  var r = 1; var base = a; var e = b;
  loop { if (e == 0) { break; } if ((e & 1) != 0) { r = r * base; } base = base * base; e = e >> 1u; }
  return r;
}
fn pow_(a: f32, b: f32) -> f32 {
  if (b == 0.0) { return 1.0; }
  if (isnan_(a) || isnan_(b)) { return nan_(); }
  let odd = abs(b) % 2.0 == 1.0;
  if (a == 0.0) {
    let m = select(0.0, bitcast<f32>(kiln_nonfinite_[1]), b < 0.0);
    return select(m, -m, odd && (bitcast<u32>(a) & 0x80000000u) != 0u);
  }
  let m = pow(abs(a), b);
  if (a > 0.0) { return m; }
  if (b != floor(b)) { return nan_(); }
  return select(m, -m, odd);
}
fn fmod_py_(a: f32, b: f32) -> f32 {
  // As WGSL's float %, a - b * trunc(a / b) (not exact for quotients beyond 2^24); an infinite b leaves a finite a.
  let r = select(a - b * trunc(a / b), a, isinf_(b) && !isinf_(a));
  return select(r, r + b, r != 0.0 && ((r < 0.0) != (b < 0.0)));
}
fn imod_py_(a: i32, b: i32) -> i32 { let r = a % b; return select(r, r + b, r != 0 && ((r < 0) != (b < 0))); }
fn ifloordiv_(a: i32, b: i32) -> i32 { let q = a / b; return select(q, q - 1, (a % b != 0) && ((a < 0) != (b < 0))); }
fn log1ps_(x: f32) -> f32 {
  // log(1 + x) = 2 atanh(s), s = x / (2 + x), for |x| < 0.25: |s| < 0.143, the series to s^11 is within 1e-10.
  let s = x / (2.0 + x); let q = s * s;
  return 2.0 * s * (1.0 + q * (1.0 / 3.0 + q * (0.2 + q * (1.0 / 7.0 + q * (1.0 / 9.0 + q / 11.0)))));
}
fn log1p_(x: f32) -> f32 { if (abs(x) < 0.25) { return log1ps_(x); } return log(1.0 + x); }
fn log_(x: f32) -> f32 { if (abs(x - 1.0) < 0.25) { return log1ps_(x - 1.0); } return log(x); }
fn tanh_(x: f32) -> f32 {
  // Taylor to x^9 below 0.25 (relative error < 1e-8); tanh is +-1 in f32 beyond 15 (clamped: no inf / inf).
  if (abs(x) < 0.25) { let q = x * x; return x * (1.0 + q * (-1.0 / 3.0 + q * (2.0 / 15.0 + q * (-17.0 / 315.0 + q * (62.0 / 2835.0))))); }
  return select(tanh(clamp(x, -15.0, 15.0)), x, isnan_(x));
}
fn sigmoid_(x: f32) -> f32 { let e = exp(-abs(x)); return select(e / (1.0 + e), 1.0 / (1.0 + e), x >= 0.0); }
`;

/** Calls of the special functions (ops/wgsl/special.ts), which are long: a shader gets them only when it makes one. */
const SPECIAL_CALL = new RegExp(`\\b(${[...WGSL_SPECIAL.matchAll(/fn (\w+)\(/g)].map((m) => m[1]).join('|')})\\(`);

/** The WGSL functions an elementwise shader whose code is `body` needs: WGSL_PRELUDE, plus the special ones it calls. */
export function elementwisePrelude(body: string): string {
  return SPECIAL_CALL.test(body) ? `${WGSL_PRELUDE}${WGSL_SPECIAL}` : WGSL_PRELUDE;
}

/** Extras of an elementwise kernel: WGSL functions its expression calls, and a data check that can fail the run. */
export interface ElementwiseExtras {
  prelude?: string;
  /** With `check`, the kernel gets a `status` binding: setting `status[0] = 1u` fails the run with message `check`. */
  check?: string;
  /** A statement run before the store (it or the expression may set the status). */
  status?: string;
}

/**
 * One thread per output element: each input is read at its broadcast index, `expr` gives the value. Sizes and strides
 * are uniform parameters (gpu.ts Params), so one op on different shapes shares a pipeline.
 */
export function elementwiseKernel(k: GpuKernelContext, expr: (vals: string[], t: WType) => string, extras: ElementwiseExtras = {}): GpuKernel {
  const out = k.outputs[0];
  const t = wgslType(k.inputs[0].dtype);
  const g = grid(out.size);
  // A scalar known at compile time (the 0.5 of `x * 0.5`) is baked in as a literal: no buffer, no binding.
  // (An int64 outside the int32 range keeps its buffer, whose upload refuses it by name.)
  const scalar = k.inputs.map((x, i) => {
    const v = k.constValue(i);
    if (v === null || x.size !== 1 || (x.dtype === 'int64' && (v.data[0] | 0) !== v.data[0])) return null;
    return literal(v.data[0], x.dtype);
  });
  const decls: string[] = [];
  const bindings: GpuKernel['dispatches'][0]['bindings'] = [];
  k.inputs.forEach((x, i) => {
    if (scalar[i] !== null) return;
    decls.push(binding(bindings.length, `in${i}`, wgslType(x.dtype)));
    bindings.push({ input: i });
  });
  decls.push(binding(bindings.length, 'out0', wgslType(out.dtype), true));
  bindings.push({ output: 0 });
  const checked = extras.check !== undefined;
  if (checked) {
    decls.push(binding(bindings.length, 'status', 'u32', true));
    bindings.push({ status: true });
  }
  const prm = new Params(out.size);
  const loads = k.inputs.map((x, i) => `let v${i} = ${scalar[i] ?? `in${i}[${broadcastIndexParams('i', x.shape, out.shape, prm, `l${i}`)}]`};`).join('\n  ');
  const value = expr(k.inputs.map((_, j) => `v${j}`), t);
  const count = prm.u('n', out.size);
  prm.addTo(decls, bindings);
  const code = `${decls.join('\n')}
${elementwisePrelude(`${value} ${extras.prelude ?? ''} ${extras.status ?? ''}`)}
${extras.prelude ?? ''}
@compute @workgroup_size(${WG}) fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = ${g.flatIndex};
  if (i >= ${count}) { return; }
  ${loads}
  ${extras.status ?? ''}
  out0[i] = ${value};
}`;
  return {
    dispatches: [{ code, bindings, workgroups: g.workgroups }],
    check: checked ? () => extras.check! : undefined,
  };
}
