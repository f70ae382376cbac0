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
 * op's run counter). `status` is a u32 the kernel sets non-zero to fail the run (an index out of range): see `check`.
 */
export type GpuBinding =
  | { input: number }
  | { output: number }
  | { ref: number }
  | { scratch: number; bytes: number }
  | { params: () => Uint32Array | Int32Array | Float32Array }
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
