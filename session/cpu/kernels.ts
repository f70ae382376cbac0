// The host side of the cpu executor's WebAssembly kernels (session/cpu/wasm/): one shared WebAssembly.Memory, its
// allocator, the thread pool, and a typed call per kernel. Two levels:
//   pointer calls (packB, gemm, conv2dPtr, ...) on buffers already in wasm memory: what a compiled plan replays;
//   NDArray calls (matMul, conv2d, ...) that copy in, run and copy out: what tests and one-off uses want.
// A value read out of the memory is always a copy (`read`), never a view a later kernel could overwrite.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { InvalidArgumentError, UnimplementedError } from '../../graph/errors.js';
import { NDArray } from '../../graph/ndarray.js';
import { broadcastConcrete, formatShape, sizeOf } from '../../graph/shape.js';
import { Arena } from './arena.js';
import { KernelPool, type KernelExports } from './pool.js';

/** The fused epilogue's activation, numbered as in session/cpu/wasm/kiln.h. */
export const ACTIVATIONS = { none: 0, relu: 1, relu6: 2, elu: 3, leakyrelu: 4, sigmoid: 5, tanh: 6 } as const;
export type Activation = keyof typeof ACTIVATIONS;

/** Elementwise ops by TF name, numbered as in session/cpu/wasm/elementwise_f32.c. */
export const BINARY_OPS = { Add: 0, Sub: 1, Mul: 2, RealDiv: 3, Maximum: 4, Minimum: 5, SquaredDifference: 6 } as const;
export type BinaryOp = keyof typeof BINARY_OPS;
export const UNARY_OPS = { Identity: 0, Relu: 1, Relu6: 2, Elu: 3, LeakyRelu: 4, Sigmoid: 5, Tanh: 6, Exp: 7, Neg: 8, Abs: 9, Sqrt: 10, Square: 11, Reciprocal: 12 } as const;
export type UnaryOp = keyof typeof UNARY_OPS;
/** Reductions over the last axis (reduce_f32.c). */
export const REDUCE_OPS = { Sum: 0, Mean: 1, Max: 2 } as const;
export type ReduceOp = keyof typeof REDUCE_OPS;

/** TF's _FusedMatMul / _FusedConv2D `fused_ops` (after BiasAdd) and the activation each one is. */
const FUSED_ACTIVATIONS: Record<string, Activation> = { Relu: 'relu', Relu6: 'relu6', Elu: 'elu', LeakyRelu: 'leakyrelu', Sigmoid: 'sigmoid', Tanh: 'tanh' };

/** Reads a `fused_ops` list (['BiasAdd'], ['BiasAdd', 'Relu'], ...) as a bias flag and an activation. */
export function epilogueOf(fusedOps: readonly string[], node: string): { bias: boolean; activation: Activation } {
  const [first, second, ...rest] = fusedOps;
  const act = second === undefined ? 'none' : FUSED_ACTIVATIONS[second];
  if (first !== 'BiasAdd' || act === undefined || rest.length > 0) {
    throw new UnimplementedError(`'${node}': fused_ops [${fusedOps.join(', ')}] is not BiasAdd followed by at most one of ${Object.keys(FUSED_ACTIVATIONS).join(', ')}`);
  }
  return { bias: true, activation: act };
}

export interface Epilogue {
  /** Pointer to `n` floats added along the output's last dim (0: none). */
  bias?: number;
  activation?: Activation;
  /** LeakyRelu's slope (TF's default 0.2). */
  alpha?: number;
}

export interface GemmCall extends Epilogue {
  batch?: number;
  m: number; n: number; k: number;
  /** A: batch x (m x k) floats, or batch x (k x m) when transposeA; aBatchStride 0 repeats one A. */
  a: number; transposeA?: boolean; aBatchStride?: number;
  /** B as packB left it; bBatchStride (floats) 0 repeats one B (BatchMatMul with a rank-2 B). */
  bPacked: number; bBatchStride?: number;
  /** C: batch x (m x n) floats. */
  c: number;
}

export interface Conv2DGeometry {
  n: number; h: number; w: number; c: number;
  kh: number; kw: number; oc: number;
  strides: [number, number];
  dilations: [number, number];
  /** TF's 'SAME' / 'VALID', or explicit [[top, bottom], [left, right]]. */
  padding: 'SAME' | 'VALID' | [[number, number], [number, number]];
}

export interface KernelOptions {
  /** Threads, the calling one included; default: the machine's cores. 1 runs everything on the caller. */
  threads?: number;
  /**
   * The GEMM (and so conv) on relaxed-SIMD fused multiply-adds (kernels_fma.wasm). Default: where the engine has
   * relaxed SIMD (Node 20 only with --experimental-wasm-relaxed-simd). Its results differ from the unfused ones in
   * the last bits (one rounding per multiply-add, not two) and still do not depend on the thread count.
   */
  fma?: boolean;
}

export interface KernelFeatures {
  simd128: true;
  /** Threads actually running (1 where worker threads could not start). */
  threads: number;
  /** The running engine validates relaxed SIMD (f32x4.relaxed_madd). */
  relaxedSimd: boolean;
  /** The GEMM runs on kernels_fma.wasm (relaxed-SIMD FMA). */
  fma: boolean;
  /** Why the pool runs on fewer threads than asked, if it does. */
  note?: string;
}

const STACK_BYTES = 64 * 1024;
const ARGS_BYTES = 256;
const INITIAL_PAGES = 16; // the module's declared minimum (build.sh: --initial-memory=1048576)
// Work under these sizes runs on the calling thread alone: waking a worker costs about 10-50 us.
const MIN_FLOPS_PER_THREAD = 1 << 19;
const MIN_ELEMENTS_PER_THREAD = 1 << 16;

const moduleCache = new Map<string, WebAssembly.Module>();

/** A kernels binary, found beside this file in the source tree (ts-jest) or from dist/session/cpu/ after a build. */
function kernelModule(file: string): WebAssembly.Module {
  const cached = moduleCache.get(file);
  if (cached) return cached;
  for (const rel of [`./wasm/${file}`, `../../../session/cpu/wasm/${file}`]) {
    let bytes: Buffer;
    try { bytes = readFileSync(new URL(rel, import.meta.url)); } catch { continue; }
    const module = new WebAssembly.Module(bytes);
    moduleCache.set(file, module);
    return module;
  }
  throw new UnimplementedError(`cpu executor: session/cpu/wasm/${file} is missing (npm run build:wasm builds it)`);
}

/** f32x4.relaxed_madd in a one-function module: valid only where the engine has relaxed SIMD (Node 20 only with --experimental-wasm-relaxed-simd). */
export function hasRelaxedSimd(): boolean {
  const zero = [0xfd, 0x0c, ...new Array<number>(16).fill(0)];
  const body = [0x00, ...zero, ...zero, ...zero, 0xfd, 0x85, 0x02, 0x0b];
  const bytes = [0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 1, 5, 1, 0x60, 0, 1, 0x7b, 3, 2, 1, 0, 10, body.length + 2, 1, body.length, ...body];
  return WebAssembly.validate(new Uint8Array(bytes));
}

/** The default thread count: the machine's cores. */
export function defaultThreads(): number {
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}

const f32 = (x: number): { f32: number } => ({ f32: x });

export class WasmKernels {
  readonly memory: WebAssembly.Memory;
  readonly arena: Arena;
  readonly features: KernelFeatures;
  private readonly pool: KernelPool;
  private readonly exports: KernelExports;
  private readonly args: number;
  private readonly scratch: number;
  private readonly scratchStride: number;

  private constructor(memory: WebAssembly.Memory, arena: Arena, pool: KernelPool, args: number, scratch: number, scratchStride: number, features: KernelFeatures) {
    this.memory = memory;
    this.arena = arena;
    this.pool = pool;
    this.exports = pool.exports;
    this.args = args;
    this.scratch = scratch;
    this.scratchStride = scratchStride;
    this.features = features;
  }

  static async create(opts: KernelOptions = {}): Promise<WasmKernels> {
    const threads = opts.threads ?? defaultThreads();
    if (!Number.isInteger(threads) || threads < 1) throw new InvalidArgumentError(`cpu executor: threads must be a positive integer, got ${threads}`);
    const relaxedSimd = hasRelaxedSimd();
    const fma = opts.fma ?? relaxedSimd;
    if (fma && !relaxedSimd) throw new UnimplementedError('cpu executor: fma was asked for, but this engine has no relaxed SIMD (Node 20: --experimental-wasm-relaxed-simd)');
    const module = kernelModule(fma ? 'kernels_fma.wasm' : 'kernels.wasm');
    let memory: WebAssembly.Memory;
    try {
      memory = new WebAssembly.Memory({ initial: INITIAL_PAGES, maximum: 65536, shared: true });
    } catch (e) {
      // kernels.wasm is linked for a shared memory (that is what lets the workers run on it): without one there is
      // nothing to run single-threaded on either.
      throw new UnimplementedError(`cpu executor: this JavaScript engine cannot create a shared WebAssembly.Memory (${(e as Error).message}); the wasm kernels need one`);
    }
    const main = new WebAssembly.Instance(module, { env: { memory } });
    const arena = new Arena(memory, (main.exports.__heap_base as WebAssembly.Global).value as number);
    const scratchStride = (main.exports.gemm_scratch_bytes as () => number)();
    const args = arena.alloc(ARGS_BYTES, 'kernel arguments');
    let pool: KernelPool | undefined;
    let note: string | undefined;
    if (threads > 1) {
      const stacks = Array.from({ length: threads - 1 }, () => arena.alloc(STACK_BYTES, 'worker stack') + STACK_BYTES);
      try {
        pool = await KernelPool.create(module, memory, main, stacks);
      } catch (e) {
        note = `running single-threaded: ${(e as Error).message}`;
        for (const top of stacks) arena.release(top - STACK_BYTES);
      }
    }
    pool ??= await KernelPool.create(module, memory, main, []);
    const scratch = arena.alloc(scratchStride * pool.threads, 'gemm scratch');
    return new WasmKernels(memory, arena, pool, args, scratch, scratchStride, { simd128: true, threads: pool.threads, relaxedSimd, fma, note });
  }

  get threads(): number { return this.pool.threads; }

  /** Stops the worker threads. The memory stays readable; no kernel can run afterwards. */
  close(): Promise<void> { return this.pool.close(); }

  // ----- memory -----

  alloc(bytes: number, what?: string): number { return this.arena.alloc(bytes, what); }
  release(ptr: number): void { this.arena.release(ptr); }

  /** A Float32Array view of wasm memory: valid only until the memory next grows (any alloc may grow it). */
  view(ptr: number, length: number): Float32Array { return new Float32Array(this.memory.buffer, ptr, length); }

  /** Copies `data` into a new block; returns its pointer. */
  copyIn(data: Float32Array, what?: string): number {
    const ptr = this.alloc(data.length * 4, what);
    this.view(ptr, data.length).set(data);
    return ptr;
  }

  /** A copy of `length` floats at `ptr`: owned by the caller, untouched by later kernels. */
  read(ptr: number, length: number): Float32Array { return this.view(ptr, length).slice(); }

  private writeArgs(fields: ReadonlyArray<number | { f32: number }>): number {
    if (fields.length * 4 > ARGS_BYTES) throw new Error('kernel arguments overflow');
    const i32 = new Int32Array(this.memory.buffer, this.args, fields.length);
    const fl = new Float32Array(this.memory.buffer, this.args, fields.length);
    fields.forEach((v, i) => { if (typeof v === 'number') i32[i] = v; else fl[i] = v.f32; });
    return this.args;
  }

  private threadsFor(work: number, perThread: number): number {
    return Math.max(1, Math.min(this.threads, Math.floor(work / perThread)));
  }

  // ----- GEMM -----

  /** Floats that packB writes per batch entry for a k x n B. */
  packedBFloats(k: number, n: number): number { return (this.exports.gemm_packed_b_floats as (k: number, n: number) => number)(k, n); }

  /**
   * Packs B (batch x (k x n), or batch x (n x k) when transposeB) into the micro-kernel's panels, in a new block the
   * caller releases. Pack a constant B (a weight) once and reuse it for every gemm.
   */
  packB(b: number, k: number, n: number, opts: { transposeB?: boolean; batch?: number; batchStride?: number } = {}): number {
    const batch = opts.batch ?? 1;
    const bp = this.alloc(this.packedBFloats(k, n) * 4 * batch, 'packed B');
    const args = this.writeArgs([batch, k, n, b, opts.transposeB ? 1 : 0, opts.batchStride ?? k * n, bp]);
    this.pool.run('pack_b_f32', args, this.threadsFor(batch * k * n * 64, MIN_FLOPS_PER_THREAD));
    return bp;
  }

  /** C = act(A B + bias) for every batch entry, over B packed by packB. */
  gemm(g: GemmCall): void {
    const batch = g.batch ?? 1;
    const args = this.writeArgs([
      batch, g.m, g.n, g.k,
      g.a, g.transposeA ? 1 : 0, g.aBatchStride ?? g.m * g.k,
      g.bPacked, g.bBatchStride ?? this.packedBFloats(g.k, g.n),
      g.c, g.m * g.n,
      g.bias ?? 0, ACTIVATIONS[g.activation ?? 'none'], f32(g.alpha ?? 0.2),
      this.scratch, this.scratchStride,
    ]);
    this.pool.run('gemm_f32', args, this.threadsFor(2 * batch * g.m * g.n * g.k, MIN_FLOPS_PER_THREAD));
  }

  /**
   * TF's MatMul / BatchMatMulV2 / _FusedMatMul on float32 NDArrays: [..., m, k] x [..., k, n] (before the
   * transposes). Batch dims must be equal, or one side's all ones or absent (it is repeated).
   */
  matMul(a: NDArray, b: NDArray, opts: { transposeA?: boolean; transposeB?: boolean; bias?: NDArray; activation?: Activation; alpha?: number; node?: string } = {}): NDArray {
    const node = opts.node ?? 'MatMul';
    for (const [x, what] of [[a, 'a'], [b, 'b']] as const) {
      if (x.dtype !== 'float32') throw new InvalidArgumentError(`'${node}': the wasm GEMM takes float32, got ${x.dtype} for ${what}`);
      if (x.rank < 2) throw new InvalidArgumentError(`'${node}': ${what} must have rank >= 2, got shape ${formatShape(x.shape)}`);
    }
    const ta = !!opts.transposeA, tb = !!opts.transposeB;
    const [ar, br] = [a.rank, b.rank];
    const m = a.shape[ta ? ar - 1 : ar - 2], k = a.shape[ta ? ar - 2 : ar - 1];
    const kb = b.shape[tb ? br - 1 : br - 2], n = b.shape[tb ? br - 2 : br - 1];
    if (k !== kb) throw new InvalidArgumentError(`'${node}': matrix size-incompatible: In[0]: ${formatShape(a.shape)}, In[1]: ${formatShape(b.shape)}`);
    const batchA = a.shape.slice(0, -2), batchB = b.shape.slice(0, -2);
    const [na, nb] = [sizeOf(batchA), sizeOf(batchB)];
    let batchShape: number[];
    if (formatShape(batchA) === formatShape(batchB)) batchShape = batchA;
    else if (nb === 1 && batchB.length <= batchA.length) batchShape = batchA;
    else if (na === 1 && batchA.length <= batchB.length) batchShape = batchB;
    else throw new UnimplementedError(`'${node}': the wasm GEMM broadcasts a batch only when one side has a single matrix: ${formatShape(a.shape)} x ${formatShape(b.shape)}`);
    const batch = sizeOf(batchShape);
    if (opts.bias && (opts.bias.rank !== 1 || opts.bias.shape[0] !== n)) {
      throw new InvalidArgumentError(`'${node}': bias must have shape [${n}] (the last dim of the product), got ${formatShape(opts.bias.shape)}`);
    }
    const ptrs: number[] = [];
    try {
      const ap = this.copyIn(a.data as Float32Array, `'${node}' input a`); ptrs.push(ap);
      const bIn = this.copyIn(b.data as Float32Array, `'${node}' input b`); ptrs.push(bIn);
      const bp = this.packB(bIn, k, n, { transposeB: tb, batch: nb }); ptrs.push(bp);
      const bias = opts.bias ? this.copyIn(opts.bias.data as Float32Array, `'${node}' bias`) : 0;
      if (bias) ptrs.push(bias);
      const c = this.alloc(batch * m * n * 4, `'${node}' output`); ptrs.push(c);
      this.gemm({
        batch, m, n, k, a: ap, transposeA: ta, aBatchStride: na === 1 ? 0 : m * k,
        bPacked: bp, bBatchStride: nb === 1 ? 0 : this.packedBFloats(k, n), c, bias, activation: opts.activation, alpha: opts.alpha,
      });
      return new NDArray('float32', [...batchShape, m, n], this.read(c, batch * m * n));
    } finally {
      for (const p of ptrs) this.release(p);
    }
  }

  // ----- Conv2D -----

  /** Output height/width and the padding before (top, left) of a convolution, by TF's rule (GetWindowedOutputSize). */
  static convOutput(g: Conv2DGeometry, node = 'Conv2D'): { oh: number; ow: number; padT: number; padL: number } {
    const dim = (size: number, k: number, s: number, d: number, explicit: [number, number] | null): [number, number] => {
      const ek = (k - 1) * d + 1;
      if (g.padding === 'SAME') {
        const out = Math.ceil(size / s);
        return [out, Math.floor(Math.max((out - 1) * s + ek - size, 0) / 2)];
      }
      const [pb, pa] = explicit ?? [0, 0];
      if (size + pb + pa - ek + s < 0 || pb < 0 || pa < 0) {
        throw new InvalidArgumentError(`'${node}': Computed output size would be negative: input ${size}, filter ${k} (effective ${ek}), stride ${s}, padding [${pb}, ${pa}]`);
      }
      return [Math.floor((size + pb + pa - ek + s) / s), pb];
    };
    const ex = typeof g.padding === 'string' ? null : g.padding;
    const [oh, padT] = dim(g.h, g.kh, g.strides[0], g.dilations[0], ex ? ex[0] : null);
    const [ow, padL] = dim(g.w, g.kw, g.strides[1], g.dilations[1], ex ? ex[1] : null);
    return { oh, ow, padT, padL };
  }

  /** Conv2D (NHWC input at x, filter packed by packB as a (kh*kw*c) x oc matrix) into y, with the epilogue. */
  conv2dPtr(g: Conv2DGeometry, x: number, filterPacked: number, y: number, ep: Epilogue = {}): void {
    const { oh, ow, padT, padL } = WasmKernels.convOutput(g);
    const args = this.writeArgs([
      g.n, g.h, g.w, g.c, oh, ow, g.oc, g.kh, g.kw, g.strides[0], g.strides[1], g.dilations[0], g.dilations[1], padT, padL,
      x, filterPacked, y, ep.bias ?? 0, ACTIVATIONS[ep.activation ?? 'none'], f32(ep.alpha ?? 0.2),
      this.scratch, this.scratchStride,
    ]);
    this.pool.run('conv2d_f32', args, this.threadsFor(2 * g.n * oh * ow * g.oc * g.kh * g.kw * g.c, MIN_FLOPS_PER_THREAD));
  }

  /** TF's Conv2D / _FusedConv2D (NHWC, float32) on NDArrays: x [n, h, w, c], filter [kh, kw, c, oc]. */
  conv2d(x: NDArray, filter: NDArray, opts: { strides?: [number, number]; dilations?: [number, number]; padding: Conv2DGeometry['padding']; bias?: NDArray; activation?: Activation; alpha?: number; node?: string }): NDArray {
    const node = opts.node ?? 'Conv2D';
    if (x.dtype !== 'float32' || filter.dtype !== 'float32') throw new InvalidArgumentError(`'${node}': the wasm conv takes float32, got ${x.dtype} and ${filter.dtype}`);
    if (x.rank !== 4 || filter.rank !== 4) throw new InvalidArgumentError(`'${node}': input and filter must be 4-D, got ${formatShape(x.shape)} and ${formatShape(filter.shape)}`);
    const [n, h, w, c] = x.shape, [kh, kw, fc, oc] = filter.shape;
    if (fc !== c) throw new InvalidArgumentError(`'${node}': input depth ${c} does not match the filter's ${fc} (grouped convolution is not supported)`);
    const g: Conv2DGeometry = { n, h, w, c, kh, kw, oc, strides: opts.strides ?? [1, 1], dilations: opts.dilations ?? [1, 1], padding: opts.padding };
    if ([...g.strides, ...g.dilations].some((v) => !Number.isInteger(v) || v < 1)) throw new InvalidArgumentError(`'${node}': strides and dilations must be positive integers, got [${g.strides}] and [${g.dilations}]`);
    if (opts.bias && (opts.bias.rank !== 1 || opts.bias.shape[0] !== oc)) throw new InvalidArgumentError(`'${node}': bias must have shape [${oc}], got ${formatShape(opts.bias.shape)}`);
    const { oh, ow } = WasmKernels.convOutput(g, node);
    const ptrs: number[] = [];
    try {
      const xp = this.copyIn(x.data as Float32Array, `'${node}' input`); ptrs.push(xp);
      const fp = this.copyIn(filter.data as Float32Array, `'${node}' filter`); ptrs.push(fp);
      const fpk = this.packB(fp, kh * kw * c, oc); ptrs.push(fpk);
      const bias = opts.bias ? this.copyIn(opts.bias.data as Float32Array, `'${node}' bias`) : 0;
      if (bias) ptrs.push(bias);
      const y = this.alloc(n * oh * ow * oc * 4, `'${node}' output`); ptrs.push(y);
      this.conv2dPtr(g, xp, fpk, y, { bias, activation: opts.activation, alpha: opts.alpha });
      return new NDArray('float32', [n, oh, ow, oc], this.read(y, n * oh * ow * oc));
    } finally {
      for (const p of ptrs) this.release(p);
    }
  }

  // ----- elementwise, reductions, softmax -----

  /**
   * out = a op b over n floats. A broadcast operand is 'scalar' (one float) or 'periodic' (`period` floats repeated
   * along the output, n a multiple of period: BiasAdd's bias, or any operand whose shape is a suffix of the other's).
   */
  binary(op: BinaryOp, a: number, b: number, out: number, n: number, opts: { a?: Operand; b?: Operand; period?: number } = {}): void {
    const args = this.writeArgs([BINARY_OPS[op], n, a, b, out, OPERANDS[opts.a ?? 'full'], OPERANDS[opts.b ?? 'full'], opts.period ?? 0]);
    this.pool.run('binary_f32', args, this.threadsFor(n, MIN_ELEMENTS_PER_THREAD));
  }

  /** out = op(x) over n floats (alpha: LeakyRelu's slope). */
  unary(op: UnaryOp, x: number, out: number, n: number, alpha = 0.2): void {
    const args = this.writeArgs([UNARY_OPS[op], n, x, out, f32(alpha)]);
    this.pool.run('unary_f32', args, this.threadsFor(n, MIN_ELEMENTS_PER_THREAD));
  }

  /** out[r] = op over x[r, :] for a [rows, cols] array. */
  reduce(op: ReduceOp, x: number, out: number, rows: number, cols: number): void {
    const args = this.writeArgs([REDUCE_OPS[op], rows, cols, x, out]);
    this.pool.run('reduce_f32', args, this.threadsFor(rows * cols, MIN_ELEMENTS_PER_THREAD));
  }

  /** Softmax over the last axis of a [rows, cols] array. */
  softmax(x: number, out: number, rows: number, cols: number): void {
    const args = this.writeArgs([rows, cols, x, out]);
    this.pool.run('softmax_f32', args, this.threadsFor(rows * cols, MIN_ELEMENTS_PER_THREAD / 8));
  }

  /**
   * The NDArray form of binary: equal shapes, a single value on either side, or one side's shape a suffix of the
   * other's (leading 1s ignored), e.g. [n, c] + [c].
   */
  binaryArrays(op: BinaryOp, a: NDArray, b: NDArray, node: string = op): NDArray {
    checkFloat32(node, a, b);
    const kinds = broadcastKinds(a.shape, b.shape);
    if (kinds === null) {
      throw new UnimplementedError(`'${node}': the wasm elementwise kernels broadcast a single value or a trailing-dims operand, got ${formatShape(a.shape)} and ${formatShape(b.shape)}`);
    }
    const shape = kinds.shape, n = sizeOf(shape);
    return this.withCopies([a, b], n, (ptrs, out) => this.binary(op, ptrs[0], ptrs[1], out, n, kinds), shape, node);
  }

  unaryArray(op: UnaryOp, x: NDArray, opts: { alpha?: number; node?: string } = {}): NDArray {
    const node: string = opts.node ?? op;
    checkFloat32(node, x);
    return this.withCopies([x], x.size, (ptrs, out) => this.unary(op, ptrs[0], out, x.size, opts.alpha), x.shape, node);
  }

  /** op over the last axis; the result drops it (keep_dims = false). */
  reduceLastAxis(op: ReduceOp, x: NDArray, node: string = op): NDArray {
    checkFloat32(node, x);
    if (x.rank < 1) throw new InvalidArgumentError(`'${node}': reducing the last axis needs rank >= 1, got a scalar`);
    const cols = x.shape[x.rank - 1], shape = x.shape.slice(0, -1), rows = sizeOf(shape);
    return this.withCopies([x], rows, (ptrs, out) => this.reduce(op, ptrs[0], out, rows, cols), shape, node);
  }

  softmaxLastAxis(x: NDArray, node = 'Softmax'): NDArray {
    checkFloat32(node, x);
    if (x.rank < 1) throw new InvalidArgumentError(`'${node}': logits must have rank >= 1, got a scalar`);
    const cols = x.shape[x.rank - 1];
    return this.withCopies([x], x.size, (ptrs, out) => this.softmax(ptrs[0], out, x.size / Math.max(cols, 1), cols), x.shape, node);
  }

  /** Copies `inputs` in, allocates an output of `outSize` floats, runs `body`, copies the output out, frees all. */
  private withCopies(inputs: NDArray[], outSize: number, body: (ptrs: number[], out: number) => void, shape: readonly number[], node: string): NDArray {
    const ptrs: number[] = [];
    try {
      for (const [i, x] of inputs.entries()) ptrs.push(this.copyIn(x.data as Float32Array, `'${node}' input ${i}`));
      const out = this.alloc(outSize * 4, `'${node}' output`);
      ptrs.push(out);
      body(ptrs, out);
      return new NDArray('float32', shape, this.read(out, outSize));
    } finally {
      for (const p of ptrs) this.release(p);
    }
  }
}

const OPERANDS = { full: 0, scalar: 1, periodic: 2 } as const;
export type Operand = keyof typeof OPERANDS;

/** How binary_f32 broadcasts a and b to TF's broadcast shape of the two, or null when that takes a general broadcast. */
export function broadcastKinds(a: readonly number[], b: readonly number[]): { a: Operand; b: Operand; period: number; shape: number[] } | null {
  const shape = broadcastConcrete(a, b);
  if (shape === undefined) return null;
  const n = sizeOf(shape);
  const kind = (s: readonly number[]): Operand | null => {
    const size = sizeOf(s);
    if (size === n) return 'full';
    if (size === 1) return 'scalar';
    const first = s.findIndex((d) => d !== 1);
    const tail = s.slice(first); // the dims past the leading 1s must be the output's last dims
    return tail.every((d, i) => d === shape[shape.length - tail.length + i]) ? 'periodic' : null;
  };
  const [ka, kb] = [kind(a), kind(b)];
  if (ka === null || kb === null || (ka === 'periodic' && kb === 'periodic')) return null;
  return { a: ka, b: kb, period: ka === 'periodic' ? sizeOf(a) : kb === 'periodic' ? sizeOf(b) : 0, shape };
}

function checkFloat32(node: string, ...xs: NDArray[]): void {
  for (const x of xs) if (x.dtype !== 'float32') throw new InvalidArgumentError(`'${node}': the wasm kernels take float32, got ${x.dtype}`);
}
