// The GPU side of an op declaration: what a kernel builder sees and returns, and the small WGSL helpers every builder
// uses. The WebGPU executor (session/webgpu) calls a builder once per node when it compiles a plan, with every shape
// concrete, and turns what it returns into pipelines and bind groups; runs only replay them.
//
// Representation on the GPU (WGSL has no bool storage, no i64 and no f64; every element is 4 bytes):
//   float32 -> f32;  int32 -> i32;  bool -> u32 (0 or 1);  int64 -> i32, narrowed with a range check where it enters
//   the GPU (feeds, constants) and widened again when read back. float64 does not run on the GPU executor, unless
//   the session was created with `float64: 'float32'`: then it is stored and computed as f32 and widened on read-back.
//   int8/int16/uint8/uint16 are widened to i32 and float16/bfloat16 to f32 (exact), but only through ops whose results
//   need no narrowing or rounding back (moves, comparisons, max/min, casts to a 32-bit type): the executor refuses
//   any other op on them by node (session/webgpu/executor.ts). uint32/uint64 (no i32 holds them), the quantized types
//   and string do not run there.
import type { DType } from '../graph/dtypes.js';
import { InternalError } from '../graph/errors.js';
import type { NDArray } from '../graph/ndarray.js';
import { stridesOf } from '../graph/shape.js';
import type { Attrs } from '../graph/tensor.js';

/** A tensor as a kernel builder sees it: every dim known. */
export interface GpuTensor {
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly size: number;
}

export interface GpuKernelContext {
  readonly name: string;
  readonly type: string;
  readonly attrs: Readonly<Attrs>;
  readonly inputs: readonly GpuTensor[];
  readonly outputs: readonly GpuTensor[];
  /** Input i's value when it is known at compile time (a constant, or computed from shapes), else null. */
  constValue(i: number): NDArray | null;
  /** Like constValue, but an UnimplementedError naming the node when the value is only known at run time. */
  requireConst(i: number, what: string): NDArray;
  /** Per-session, per-node mutable state (a random op's run counter), shared with nothing else. */
  state<T>(init: () => T): T;
  /** Throws InvalidArgumentError naming this node. */
  fail(message: string): never;
}

/**
 * One bind-group entry; entry k is `@group(0) @binding(k)` in the shader. Inputs and constants are read-only storage,
 * outputs read_write storage. `ref` is the variable behind ref input i (read_write: Assign writes it in place).
 * `scratch` is a temporary of the given size in bytes, private to this node and shared by its dispatches (id numbers
 * them). `params` is a small read-only storage buffer rewritten before every run from the function's result (a random
 * op's run counter). `uniform` is a uniform buffer written once, when the plan is compiled: a kernel's shapes and
 * sizes (see `Params`). `status` is a u32 the kernel sets non-zero to fail the run (an index out of range): see `check`.
 */
export type GpuBinding =
  | { input: number }
  | { output: number }
  | { ref: number }
  | { scratch: number; bytes: number }
  | { params: () => Uint32Array | Int32Array | Float32Array }
  | { uniform: Uint32Array }
  | { status: true };

export interface GpuDispatch {
  /** A WGSL module with a compute entry point `main`. Pipelines are cached by this text. */
  code: string;
  bindings: GpuBinding[];
  /** Workgroup counts; a dispatch with 0 workgroups is skipped. */
  workgroups: readonly [number, number, number];
}

export interface GpuKernel {
  dispatches: GpuDispatch[];
  /** Output i shares input j's buffer (Reshape, Identity, ExpandDims...): `alias: {0: 0}`. No copy is made. */
  alias?: Readonly<Record<number, number>>;
  /**
   * The message when word 0 of the node's `status` binding was set to `code` (non-zero): the run fails with
   * InvalidArgumentError. `words` are the binding's STATUS_WORDS words, for details a kernel stores after word 0.
   */
  check?: (code: number, words: Uint32Array) => string;
}

export type GpuKernelBuilder = (ctx: GpuKernelContext) => GpuKernel;

/** u32 words of each node's `status` binding: one 256-byte slot per checked node (binding offsets are 256-aligned). */
export const STATUS_WORDS = 64;

/** WGSL storage types (see the representation above). */
export type WType = 'f32' | 'i32' | 'u32';

/**
 * An elementwise op's GPU side as an expression: one output, numpy broadcasting of the inputs, the expression of the
 * input values (of WGSL type `t`, the first input's). The WebGPU compiler fuses chains of these into one shader.
 * `intDivides`: on integer inputs the op fails on a zero divisor, so it is not fused there.
 */
export interface ElementwiseGpu {
  expr: (vals: string[], t: WType) => string;
  intDivides?: boolean;
  /** The scalar function of the input values (the reference kernel's), so a fused chain can run on the CPU too. */
  scalar?: (...v: number[]) => number;
  /** The scalar function for integer dtypes, when it differs (wrapping multiply). */
  intScalar?: (...v: number[]) => number;
}

/**
 * The GPU side of ops the WebGPU executor handles itself: Const (a host value, uploaded once), Placeholder (a feed),
 * VariableV2 (the variable's buffer) and shape-only ops (computed when the plan is compiled).
 */
export const HANDLED_BY_EXECUTOR: GpuKernelBuilder = (k) => {
  throw new InternalError(`${k.type} node '${k.name}' is handled by the executor and has no kernel`);
};

// ---- WGSL helpers ------------------------------------------------------------------------------------------------

/** The WGSL storage type of a dtype (see the representation above). */
export function wgslType(dtype: DType): WType {
  switch (dtype) {
    case 'float32': return 'f32';
    case 'int32': case 'int64': case 'int8': case 'int16': case 'uint8': case 'uint16': return 'i32';
    case 'float16': case 'bfloat16': return 'f32';
    case 'bool': return 'u32';
    // Reached only when the session chose `float64: 'float32'` (the compiler refuses float64 otherwise).
    case 'float64': return 'f32';
    // The executor refuses the other dtypes by node before it compiles (session/webgpu/executor.ts, checkGpuDtypes).
    default: throw new InternalError(`dtype ${dtype} has no WGSL storage type on the webgpu executor`);
  }
}

/** `@group(0) @binding(k) var<storage, read> name: array<T>;` (read_write when `write`). */
export function binding(k: number, name: string, type: string, write = false): string {
  return `@group(0) @binding(${k}) var<storage, ${write ? 'read_write' : 'read'}> ${name}: array<${type}>;`;
}

/**
 * NaN and infinities as WGSL values. WGSL rejects a constant expression that is not finite, so they are read from a
 * private variable; the executor prepends this declaration to any shader that mentions `kiln_nonfinite_`.
 */
export const WGSL_NONFINITE = 'var<private> kiln_nonfinite_: array<u32, 3> = array<u32, 3>(0x7fc00000u, 0x7f800000u, 0xff800000u);';

/** A WGSL literal of `dtype` for a JS number (non-finite f32 values through WGSL_NONFINITE). */
export function literal(v: number, dtype: DType): string {
  switch (dtype) {
    case 'float32': case 'float64': case 'float16': case 'bfloat16': { // float64 only under `float64: 'float32'`, as f32
      if (Number.isNaN(v)) return 'bitcast<f32>(kiln_nonfinite_[0])';
      if (v === Infinity) return 'bitcast<f32>(kiln_nonfinite_[1])';
      if (v === -Infinity) return 'bitcast<f32>(kiln_nonfinite_[2])';
      const f = Math.fround(v);
      if (f === 0) return Object.is(f, -0) ? '-0.0f' : '0.0f';
      return `${f.toPrecision(9)}f`.replace(/^(-?\d+)f$/, '$1.0f');
    }
    case 'int32': case 'int64': case 'int8': case 'int16': case 'uint8': case 'uint16':
      // -2^31 has no i32 literal: WGSL parses the digits before the sign.
      return v === -2147483648 ? 'i32(-2147483647 - 1)' : `${v | 0}i`;
    case 'bool': return v !== 0 ? '1u' : '0u';
    default: throw new InternalError(`dtype ${dtype} has no WGSL literal on the webgpu executor`);
  }
}

/** Threads per workgroup for 1-D kernels: compatibility mode allows 128; 64 measured no slower on llvmpipe. */
export const WG = 64;

/**
 * A 1-D launch of `count` threads in workgroups of `wg`, folded into 2-D when it exceeds the 65535 workgroups a
 * dimension allows. The shader gets the flat thread index from `flatIndex` (declare `@builtin(global_invocation_id)
 * gid: vec3u` in `main`).
 */
export function grid(count: number, wg = WG): { workgroups: [number, number, number]; flatIndex: string } {
  const groups = Math.ceil(count / wg);
  if (groups <= 65535) return { workgroups: [groups, groups > 0 ? 1 : 0, 1], flatIndex: 'gid.x' };
  const x = 65535;
  const y = Math.ceil(groups / x);
  return { workgroups: [x, y, 1], flatIndex: `(gid.x + gid.y * ${x * wg}u)` };
}

type ParamType = 'u32' | 'i32' | 'f32';

/**
 * u32 division and remainder of a < 2^24 by d, given r = f32(1 / d): f32(a) is exact and f32(a) * r is within one of
 * a / d (for d = 1, r = 1 exactly), so one correction step gives the exact quotient. The conversions go through i32
 * (exact below 2^24), which CPUs convert natively; u32 <-> f32 takes several instructions on x86.
 */
const WGSL_UDIV = `fn udiv_(a: u32, d: u32, r: f32) -> u32 {
  let q = u32(i32(f32(i32(a)) * r));
  return select(select(q, q + 1u, (q + 1u) * d <= a), q - 1u, q * d > a);
}
fn umod_(a: u32, d: u32, r: f32) -> u32 { return a - udiv_(a, d, r) * d; }`;

/**
 * A kernel's shapes, sizes and strides read from a small uniform struct (`prm.<name>`) instead of literals in its text,
 * so layers of one kind that differ only in shape share one shader text and so one pipeline (the executor caches
 * pipelines by text; on llvmpipe a pipeline costs 0.1-1 s to compile). What stays in the text is the kernel's
 * structure: unrolled loops, vector widths, which dims broadcast. The values are written once, when the plan is
 * compiled (binding `{uniform}`). Measured on llvmpipe, each kernel against itself with every value baked in, in one
 * process: batch norm, BiasAdd, a relu6 chain and a 1x1 convolution on [1,112,112,96] ran alike (0.9-1.1x); depthwise
 * 3x3, Pad and max pool ran 1.3-2.4x slower until their divisions went through `div`/`mod` and the depthwise filter
 * extent back into the text; pools still lost and keep their sizes baked (`bake`).
 *
 *   const p = new Params();
 *   const body = `if (i >= ${p.u('n', size)}) { return; }`;   // `prm.n`
 *   code = `${decls}\n${p.decl(k)}\n...`; bindings.push(...p.bindings());  // binding k, after the storage ones
 */
export class Params {
  private readonly fields: Array<{ name: string; type: ParamType; value: number }> = [];

  /** `prm.name` of WGSL type u32 (a size, a stride: a whole number in [0, 2^32)). */
  u(name: string, v: number): string { return this.add(name, 'u32', v); }
  /** `prm.name` of WGSL type i32 (a signed offset, as padding before a window). */
  i(name: string, v: number): string { return this.add(name, 'i32', v); }
  /** `prm.name` of WGSL type f32. */
  f(name: string, v: number): string { return this.add(name, 'f32', v); }

  private divides = false;
  /** Whether every index this kernel divides is below 2^24 (see `div`). */
  private readonly small: boolean;
  /** Values baked into the text as literals instead (no uniform binding): for kernels where that measured faster. */
  private readonly bake: boolean;

  /**
   * `range`: an upper bound of the indices the kernel divides (its thread count, say); without one, `div` and `mod`
   * divide plainly. `bake`: see above.
   */
  constructor(range = Infinity, opts: { bake?: boolean } = {}) {
    this.small = range < 2 ** 24;
    this.bake = opts.bake === true;
  }

  /**
   * The coordinates of flat index `idx` over dims [name, size] listed innermost first, as `let` statements naming
   * `${v}0`, `${v}1`, ...: successive quotients, each remainder from its quotient (one division per dim but the last).
   */
  coords(idx: string, dims: ReadonlyArray<readonly [string, number]>, v: string): string {
    const lets: string[] = [];
    let q = idx;
    dims.forEach(([name, n], j) => {
      if (j === dims.length - 1) { lets.push(`let ${v}${j} = ${q};`); return; }
      const next = `${v}q${j}`;
      lets.push(`let ${next} = ${this.div(q, name, n)};`, `let ${v}${j} = ${q} - ${next} * ${this.u(name, n)};`);
      q = next;
    });
    return lets.join('\n  ');
  }

  /**
   * `a / d` (u32) for `a` below 2^24 and d = prm.name: through f32 (a reciprocal parameter, then a one-step fix), as
   * llvmpipe turns a u32 division by a non-constant into a scalar divide per SIMD lane (several times slower than the
   * multiply and shift a constant divisor compiles to).
   */
  div(a: string, name: string, d: number): string {
    if (d === 1) return a;
    if (this.bake) return `(${a} / ${d}u)`;
    if (!this.small) return `(${a} / ${this.u(name, d)})`;
    this.divides = true;
    return `udiv_(${a}, ${this.u(name, d)}, ${this.f(`${name}_r`, 1 / d)})`;
  }

  /** `a % d` (u32) for `a` below 2^24, as `div`. */
  mod(a: string, name: string, d: number): string {
    if (this.bake) return `(${a} % ${d}u)`;
    if (!this.small) return `(${a} % ${this.u(name, d)})`;
    this.divides = true;
    return `umod_(${a}, ${this.u(name, d)}, ${this.f(`${name}_r`, 1 / d)})`;
  }

  private add(name: string, type: ParamType, v: number): string {
    if (this.bake) return type === 'f32' ? literal(v, 'float32') : type === 'u32' ? `${v}u` : literal(v, 'int32');
    const have = this.fields.find((f) => f.name === name);
    if (have !== undefined) {
      if (have.type !== type || !Object.is(have.value, v)) throw new InternalError(`kernel parameter '${name}' given twice (${have.value}, ${v})`);
    } else {
      const ok = type === 'f32' || (Number.isInteger(v) && (type === 'u32' ? v >= 0 && v <= 0xffffffff : v >= -0x80000000 && v <= 0x7fffffff));
      if (!ok) throw new InternalError(`kernel parameter '${name}' = ${v} is not a ${type}`);
      this.fields.push({ name, type, value: v });
    }
    return `prm.${name}`;
  }

  /** The WGSL declarations: the struct and its uniform variable at binding `k` ('' with no fields). */
  decl(k: number): string {
    if (this.fields.length === 0) return '';
    return `struct Params { ${this.fields.map((f) => `${f.name}: ${f.type}`).join(', ')} }
@group(0) @binding(${k}) var<uniform> prm: Params;${this.divides ? `\n${WGSL_UDIV}` : ''}`;
  }

  /** The binding entries: the one holding the values, or none when there are none. */
  bindings(): GpuBinding[] { return this.fields.length === 0 ? [] : [this.binding()]; }

  /** The binding entry holding the values (padded to 16 bytes, a uniform struct's granule). */
  private binding(): GpuBinding {
    const words = new Uint32Array(Math.max(4, Math.ceil(this.fields.length / 4) * 4));
    const iv = new Int32Array(words.buffer), fv = new Float32Array(words.buffer);
    this.fields.forEach((f, j) => {
      if (f.type === 'u32') words[j] = f.value;
      else if (f.type === 'i32') iv[j] = f.value;
      else fv[j] = f.value;
    });
    return { uniform: words };
  }

  /** Appends the declaration and the binding to a kernel's lists (nothing with no fields): binding k = bindings.length. */
  addTo(decls: string[], bindings: GpuBinding[]): void {
    if (this.fields.length === 0) return;
    decls.push(this.decl(bindings.length));
    bindings.push(this.binding());
  }
}

/**
 * broadcastIndexExpr with the sizes in `p` (fields `<name>s<j>`, `<name>d<j>`, `<name>t<j>`): the text depends only on
 * which dims of the input broadcast, after neighbouring dims of one kind are merged, so `x + bias` over [1,64,64,16]
 * and over [1,8,8,256] give one text.
 */
export function broadcastIndexParams(idx: string, inShape: readonly number[], outShape: readonly number[], p: Params, name: string): string {
  const inSize = inShape.reduce((a, b) => a * b, 1);
  if (inSize === 1) return '0u';
  if (inShape.length === outShape.length && inShape.every((d, i) => d === outShape[i])) return idx;
  // Merged dims: [size, full (true) or broadcast (false)]; dims of size 1 in the output are dropped.
  const offset = outShape.length - inShape.length;
  const dims: Array<[number, boolean]> = [];
  outShape.forEach((n, o) => {
    if (n === 1) return;
    const full = o >= offset && inShape[o - offset] !== 1;
    const prev = dims[dims.length - 1];
    if (prev !== undefined && prev[1] === full) prev[0] *= n;
    else dims.push([n, full]);
  });
  if (dims.every(([, full]) => full)) return idx;
  const outStrides = stridesOf(dims.map(([n]) => n));
  let inStride = 1;
  const terms: string[] = [];
  for (let j = dims.length - 1; j >= 0; j--) {
    const [n, full] = dims[j];
    if (!full) continue;
    const q = j === dims.length - 1 ? idx : p.div(idx, `${name}s${j}`, outStrides[j]);
    const coord = j === 0 ? q : p.mod(q, `${name}d${j}`, n);
    terms.push(inStride === 1 ? coord : `${coord} * ${p.u(`${name}t${j}`, inStride)}`);
    inStride *= n;
  }
  return terms.join(' + ');
}

/**
 * WGSL that turns the flat output index `idx` (a u32 expression) into the flat index of an input broadcast to
 * `outShape` (numpy rules, shapes right-aligned): input dims of size 1 contribute nothing.
 */
export function broadcastIndexExpr(idx: string, inShape: readonly number[], outShape: readonly number[]): string {
  const inSize = inShape.reduce((a, b) => a * b, 1);
  if (inSize === 1) return '0u';
  if (inShape.length === outShape.length && inShape.every((d, i) => d === outShape[i])) return idx;
  const outStrides = stridesOf(outShape);
  const inStrides = stridesOf(inShape);
  const offset = outShape.length - inShape.length;
  const terms: string[] = [];
  for (let i = 0; i < inShape.length; i++) {
    if (inShape[i] === 1) continue;
    const o = i + offset;
    const coord = o === 0 ? `(${idx} / ${outStrides[o]}u)` : `((${idx} / ${outStrides[o]}u) % ${outShape[o]}u)`;
    terms.push(inStrides[i] === 1 ? coord : `${coord} * ${inStrides[i]}u`);
  }
  return terms.join(' + ');
}
