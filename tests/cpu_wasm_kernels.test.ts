// The cpu executor's WebAssembly kernels (session/cpu/kernels.ts over session/cpu/wasm/kernels.wasm) against plain
// JS scalar references and the reference executor's kernels, on 1, 2 and 3 threads.
//
// Tolerances: the GEMM and conv kernels (without relaxed-SIMD FMA) sum the products in k order with one f32
// rounding per multiply and per add, so against a scalar reference that does the same (Math.fround after each
// operation, k in the same order) they must be bit-identical, and so must the runs on 1, 2 and 3 threads. Against
// the reference executor (float64 accumulation) the bound is the classic one for a k-term f32 dot product:
// |c - exact| <= k * 2^-24 * sum_k |a b|. Epilogue activations made of exact operations (relu, relu6, leaky relu,
// bias add) are bit-identical too; elu, sigmoid and tanh use polynomial exp/tanh: |got - Math.*| <= 1e-6 + 1e-5 |want|.
import v8 from 'node:v8';
import * as tf from '../index.js';
import { InternalError, InvalidArgumentError, ResourceExhaustedError, UnimplementedError } from '../graph/errors.js';
import type { Attrs } from '../graph/tensor.js';
import type { KernelContext } from '../ops/registry.js';
import { Arena } from '../session/cpu/arena.js';
import { epilogueOf, WasmKernels, type Activation, type BinaryOp, type Conv2DGeometry } from '../session/cpu/kernels.js';
import { rng } from './helpers.js';

const fr = Math.fround;
const THREADS = [1, 2, 3];
const kernels: WasmKernels[] = [];

beforeAll(async () => {
  for (const t of THREADS) kernels.push(await WasmKernels.create({ threads: t }));
});
afterAll(async () => {
  for (const k of kernels) await k.close();
});

function randomArray(n: number, seed: number, scale = 1): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => (r() * 2 - 1) * scale);
}

/** The first index where two float arrays differ bit for bit (any NaN matches any NaN: wasm does not fix NaN payloads), or -1. */
function firstBitDifference(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return 0;
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length), ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < ua.length; i++) if (ua[i] !== ub[i] && !(Number.isNaN(a[i]) && Number.isNaN(b[i]))) return i;
  return -1;
}

function expectBitIdentical(got: Float32Array, want: Float32Array, what: string): void {
  const i = firstBitDifference(got, want);
  if (i >= 0) throw new Error(`${what}: element ${i} is ${got[i]}, expected ${want[i]} (lengths ${got.length}, ${want.length})`);
}

const EXACT_ACTIVATIONS = new Set<Activation>(['none', 'relu', 'relu6', 'leakyrelu']);

/** The activation as TF defines it, in f32 where the operation is exact and with Math.* for the others. */
function activate(x: number, act: Activation, alpha: number): number {
  switch (act) {
    case 'relu': return x < 0 ? 0 : x;
    case 'relu6': return x < 0 ? 0 : x > 6 ? 6 : x;
    case 'leakyrelu': return x > 0 ? x : fr(x * fr(alpha));
    case 'elu': return x > 0 ? x : Math.expm1(x);
    case 'sigmoid': return 1 / (1 + Math.exp(-x));
    case 'tanh': return Math.tanh(x);
    default: return x;
  }
}

interface GemmCase { m: number; n: number; k: number; ta: boolean; tb: boolean; batchA: number; batchB: number }

/** act(A B + bias) with the kernel's summation order and f32 rounding; also the error bound's sum |a b|. */
function gemmReference(a: Float32Array, b: Float32Array, c: GemmCase, bias: Float32Array | null, act: Activation, alpha: number) {
  const batch = Math.max(c.batchA, c.batchB);
  const out = new Float32Array(batch * c.m * c.n), absSum = new Float64Array(out.length);
  for (let bi = 0; bi < batch; bi++) {
    const oa = (c.batchA === 1 ? 0 : bi) * c.m * c.k, ob = (c.batchB === 1 ? 0 : bi) * c.k * c.n;
    for (let i = 0; i < c.m; i++) {
      for (let j = 0; j < c.n; j++) {
        let acc = 0, abs = 0;
        for (let p = 0; p < c.k; p++) {
          const av = a[oa + (c.ta ? p * c.m + i : i * c.k + p)], bv = b[ob + (c.tb ? j * c.k + p : p * c.n + j)];
          acc = fr(acc + fr(av * bv));
          abs += Math.abs(av * bv);
        }
        if (bias) acc = fr(acc + bias[j]);
        out[(bi * c.m + i) * c.n + j] = activate(acc, act, alpha);
        absSum[(bi * c.m + i) * c.n + j] = abs;
      }
    }
  }
  return { out, absSum };
}

function shapes(c: GemmCase): { a: number[]; b: number[] } {
  const a = c.ta ? [c.k, c.m] : [c.m, c.k], b = c.tb ? [c.n, c.k] : [c.k, c.n];
  return { a: c.batchA > 1 || c.batchB > 1 ? [c.batchA, ...a] : a, b: c.batchB > 1 || c.batchA > 1 ? [c.batchB, ...b] : b };
}

/** Broadcast a batch of one as TF does it: a rank-2 operand against a batched one. */
function nd(data: Float32Array, shape: number[], batch: number): tf.NDArray {
  return new tf.NDArray('float32', batch === 1 && shape.length === 3 ? shape.slice(1) : shape, data);
}

function runGemmCase(c: GemmCase, seed: number, epilogue: { bias: boolean; act: Activation; alpha?: number; scale?: number } = { bias: false, act: 'none' }) {
  const s = shapes(c);
  const a = randomArray(c.batchA * c.m * c.k, seed, epilogue.scale ?? 1), b = randomArray(c.batchB * c.k * c.n, seed + 1);
  const bias = epilogue.bias ? randomArray(c.n, seed + 2, 2) : null;
  const alpha = epilogue.alpha ?? 0.2;
  const A = nd(a, s.a, c.batchA), B = nd(b, s.b, c.batchB);
  const results = kernels.map((kn) => kn.matMul(A, B, {
    transposeA: c.ta, transposeB: c.tb, bias: bias ? new tf.NDArray('float32', [c.n], bias) : undefined, activation: epilogue.act, alpha,
  }));
  const ref = gemmReference(a, b, c, bias, epilogue.act, alpha);
  return { A, B, results, ref };
}

const SIZES: Array<[number, number, number]> = [
  [1, 1, 1], [3, 17, 5], [17, 3, 65], [65, 130, 17], [130, 65, 300], [1, 130, 513], [257, 9, 33], [5, 1, 130],
];

describe('wasm GEMM', () => {
  test.each(SIZES)('m=%i n=%i k=%i, all transposes: bit-identical to the f32 scalar reference on 1, 2 and 3 threads', (m, n, k) => {
    for (const ta of [false, true]) {
      for (const tb of [false, true]) {
        const c = { m, n, k, ta, tb, batchA: 1, batchB: 1 };
        const { results, ref } = runGemmCase(c, m * 1000 + n * 10 + k);
        results.forEach((r, i) => {
          expect(r.shape).toEqual([m, n]);
          expectBitIdentical(r.data as Float32Array, ref.out, `${JSON.stringify(c)} on ${THREADS[i]} threads`);
        });
      }
    }
  });

  test('within the f32 dot-product error bound of the reference executor (MatMul, float64 accumulation)', () => {
    const matmul = tf.getOpDef('MatMul')!.cpu;
    for (const [m, n, k] of SIZES) {
      for (const [ta, tb] of [[false, false], [true, true]] as const) {
        const c = { m, n, k, ta, tb, batchA: 1, batchB: 1 };
        const { A, B, results, ref } = runGemmCase(c, 7 + m + n + k);
        const [want] = matmul([A, B], { transpose_a: ta, transpose_b: tb, T: 'float32' }, { name: 'ref' } as KernelContext);
        const got = results[1].data;
        for (let i = 0; i < got.length; i++) {
          expect(Math.abs(got[i] - want.data[i])).toBeLessThanOrEqual(k * 2 ** -24 * ref.absSum[i] + 1e-30);
        }
      }
    }
  });

  test('batched (BatchMatMulV2): equal batches, a broadcast rank-2 B and a broadcast A, against the reference executor', () => {
    const bmm = tf.getOpDef('BatchMatMulV2')!.cpu;
    const cases: GemmCase[] = [
      { m: 17, n: 9, k: 65, ta: false, tb: false, batchA: 3, batchB: 3 },
      { m: 5, n: 130, k: 33, ta: true, tb: true, batchA: 4, batchB: 1 },
      { m: 65, n: 3, k: 17, ta: false, tb: true, batchA: 1, batchB: 2 },
    ];
    for (const c of cases) {
      const { A, B, results, ref } = runGemmCase(c, c.m + c.n);
      const [want] = bmm([A, B], { adj_x: c.ta, adj_y: c.tb, T: 'float32' }, { name: 'ref' } as KernelContext);
      results.forEach((r, i) => {
        expect(r.shape).toEqual(want.shape);
        expectBitIdentical(r.data as Float32Array, ref.out, `${JSON.stringify(c)} on ${THREADS[i]} threads`);
      });
      for (let i = 0; i < want.size; i++) expect(Math.abs(results[0].data[i] - want.data[i])).toBeLessThanOrEqual(c.k * 2 ** -24 * ref.absSum[i] + 1e-30);
    }
  });

  test.each(['none', 'relu', 'relu6', 'leakyrelu', 'elu', 'sigmoid', 'tanh'] as Activation[])('fused epilogue BiasAdd + %s', (act) => {
    // Inputs scaled so the pre-activation values cover [-20, 20]: both saturated ends of sigmoid/tanh and elu's tail.
    for (const [m, n, k] of [[3, 17, 5], [130, 65, 300], [1, 9, 1]]) {
      const c = { m, n, k, ta: false, tb: true, batchA: 1, batchB: 1 };
      const { results, ref } = runGemmCase(c, 99 + m, { bias: true, act, alpha: 0.3, scale: 20 / Math.sqrt(k) });
      results.forEach((r, i) => {
        const got = r.data as Float32Array;
        if (i > 0) expectBitIdentical(got, results[0].data as Float32Array, `${act} on ${THREADS[i]} vs 1 thread`);
        if (EXACT_ACTIVATIONS.has(act)) expectBitIdentical(got, ref.out, `${act} ${m}x${n}x${k}`);
        else for (let j = 0; j < got.length; j++) expect(Math.abs(got[j] - ref.out[j])).toBeLessThanOrEqual(1e-6 + 1e-5 * Math.abs(ref.out[j]));
      });
    }
  });

  test("TF's fused_ops lists map onto the epilogue; anything else is UnimplementedError naming the node", () => {
    expect(epilogueOf(['BiasAdd'], 'n')).toEqual({ bias: true, activation: 'none' });
    expect(epilogueOf(['BiasAdd', 'Relu6'], 'n')).toEqual({ bias: true, activation: 'relu6' });
    expect(epilogueOf(['BiasAdd', 'LeakyRelu'], 'n')).toEqual({ bias: true, activation: 'leakyrelu' });
    expect(() => epilogueOf(['Relu'], 'dense/MatMul')).toThrow(UnimplementedError);
    expect(() => epilogueOf(['BiasAdd', 'Add'], 'dense/MatMul')).toThrow(/'dense\/MatMul': fused_ops \[BiasAdd, Add\] is not BiasAdd followed by at most one of/);
    expect(() => epilogueOf(['BiasAdd', 'Relu', 'Tanh'], 'n')).toThrow(UnimplementedError);
  });

  test('k = 0 gives act(bias); bad shapes are InvalidArgumentError', () => {
    const kn = kernels[1];
    const bias = new tf.NDArray('float32', [3], Float32Array.from([-1, 0.5, 7]));
    const r = kn.matMul(new tf.NDArray('float32', [2, 0], new Float32Array(0)), new tf.NDArray('float32', [0, 3], new Float32Array(0)), { bias, activation: 'relu6' });
    expect(Array.from(r.data)).toEqual([0, 0.5, 6, 0, 0.5, 6]);
    const a = new tf.NDArray('float32', [2, 3], new Float32Array(6));
    expect(() => kn.matMul(a, a, { node: 'mm' })).toThrow(InvalidArgumentError);
    expect(() => kn.matMul(a, a, { node: 'mm' })).toThrow(/'mm': matrix size-incompatible/);
    expect(() => kn.matMul(a, a, { transposeB: true, bias: new tf.NDArray('float32', [3], new Float32Array(3)) })).toThrow(/bias must have shape \[2\]/);
  });

  test('a fetched result is a copy: later kernels do not change it', () => {
    const kn = kernels[0];
    const a = new tf.NDArray('float32', [2, 2], Float32Array.from([1, 2, 3, 4]));
    const first = kn.matMul(a, a);
    kn.matMul(new tf.NDArray('float32', [2, 2], Float32Array.from([9, 9, 9, 9])), a);
    expect(Array.from(first.data)).toEqual([7, 10, 15, 22]);
    expect(first.data.buffer).not.toBe(kn.memory.buffer);
  });
});

// ---------------------------------------------------------------------------------------------------------------

interface ConvCase { n: number; h: number; w: number; c: number; kh: number; kw: number; oc: number; s: [number, number]; d: [number, number]; padding: Conv2DGeometry['padding'] }

function convReference(x: Float32Array, f: Float32Array, g: ConvCase, bias: Float32Array | null, act: Activation) {
  const { oh, ow, padT, padL } = WasmKernels.convOutput({ ...g, strides: g.s, dilations: g.d });
  const out = new Float32Array(g.n * oh * ow * g.oc);
  for (let b = 0; b < g.n; b++) for (let i = 0; i < oh; i++) for (let j = 0; j < ow; j++) for (let o = 0; o < g.oc; o++) {
    let acc = 0;
    for (let u = 0; u < g.kh; u++) for (let v = 0; v < g.kw; v++) {
      const ih = i * g.s[0] + u * g.d[0] - padT, iw = j * g.s[1] + v * g.d[1] - padL;
      if (ih < 0 || ih >= g.h || iw < 0 || iw >= g.w) continue; // zero padding adds nothing (acc is never -0)
      for (let ch = 0; ch < g.c; ch++) acc = fr(acc + fr(x[((b * g.h + ih) * g.w + iw) * g.c + ch] * f[((u * g.kw + v) * g.c + ch) * g.oc + o]));
    }
    if (bias) acc = fr(acc + bias[o]);
    out[((b * oh + i) * ow + j) * g.oc + o] = activate(acc, act, 0.2);
  }
  return { out, shape: [g.n, oh, ow, g.oc] };
}

const CONVS: ConvCase[] = [
  { n: 1, h: 5, w: 5, c: 1, kh: 3, kw: 3, oc: 1, s: [1, 1], d: [1, 1], padding: 'SAME' },
  { n: 2, h: 9, w: 7, c: 3, kh: 3, kw: 3, oc: 17, s: [1, 1], d: [1, 1], padding: 'VALID' },
  { n: 2, h: 17, w: 13, c: 5, kh: 5, kw: 3, oc: 9, s: [2, 3], d: [1, 1], padding: 'SAME' },
  { n: 1, h: 16, w: 16, c: 8, kh: 3, kw: 3, oc: 16, s: [1, 1], d: [2, 3], padding: 'SAME' },
  { n: 3, h: 12, w: 11, c: 4, kh: 2, kw: 4, oc: 6, s: [2, 1], d: [2, 1], padding: 'VALID' },
  { n: 1, h: 7, w: 6, c: 65, kh: 3, kw: 3, oc: 3, s: [1, 2], d: [1, 1], padding: [[2, 0], [1, 3]] },
  { n: 4, h: 28, w: 28, c: 1, kh: 5, kw: 5, oc: 32, s: [1, 1], d: [1, 1], padding: 'SAME' },
  { n: 2, h: 14, w: 14, c: 32, kh: 5, kw: 5, oc: 64, s: [1, 1], d: [1, 1], padding: 'SAME' },
  { n: 1, h: 4, w: 4, c: 3, kh: 1, kw: 1, oc: 5, s: [3, 3], d: [1, 1], padding: 'VALID' },
  // One channel, stride 1 along w: the packing's fast path (4 adjacent pixels per load), with dilation and padding.
  { n: 2, h: 11, w: 13, c: 1, kh: 3, kw: 4, oc: 9, s: [1, 1], d: [2, 2], padding: 'SAME' },
  { n: 3, h: 9, w: 6, c: 1, kh: 2, kw: 5, oc: 4, s: [2, 1], d: [1, 1], padding: [[1, 2], [3, 0]] },
];
const label = (g: ConvCase) => `${g.n}x${g.h}x${g.w}x${g.c} * ${g.kh}x${g.kw}x${g.oc} s=${g.s} d=${g.d} ${JSON.stringify(g.padding)}`;

describe('wasm Conv2D (implicit im2col + GEMM)', () => {
  test.each(CONVS.map((g) => [label(g), g] as const))('%s: bit-identical to the scalar reference on 1, 2, 3 threads; within the bound of the reference executor', (_, g) => {
    const x = randomArray(g.n * g.h * g.w * g.c, g.h * 31 + g.c), f = randomArray(g.kh * g.kw * g.c * g.oc, g.oc * 7 + g.kw);
    const X = new tf.NDArray('float32', [g.n, g.h, g.w, g.c], x), F = new tf.NDArray('float32', [g.kh, g.kw, g.c, g.oc], f);
    const want = convReference(x, f, g, null, 'none');
    for (const [i, kn] of kernels.entries()) {
      const got = kn.conv2d(X, F, { strides: g.s, dilations: g.d, padding: g.padding });
      expect(got.shape).toEqual(want.shape);
      expectBitIdentical(got.data as Float32Array, want.out, `${label(g)} on ${THREADS[i]} threads`);
    }
    const explicit = typeof g.padding !== 'string';
    const attrs: Attrs = {
      T: 'float32', strides: [1, ...g.s, 1], dilations: [1, ...g.d, 1], data_format: 'NHWC',
      padding: explicit ? 'EXPLICIT' : (g.padding as string), explicit_paddings: explicit ? [0, 0, ...(g.padding as number[][]).flat(), 0, 0] : [],
    };
    const [ref] = tf.getOpDef('Conv2D')!.cpu([X, F], attrs, { name: 'ref' } as KernelContext);
    expect(ref.shape).toEqual(want.shape);
    // Every |x|, |f| <= 1: |error| <= K * 2^-24 * K.
    const K = g.kh * g.kw * g.c;
    for (let i = 0; i < ref.size; i++) expect(Math.abs(want.out[i] - ref.data[i])).toBeLessThanOrEqual(K * K * 2 ** -24);
  });

  test('fused bias + relu and bias + tanh epilogues (_FusedConv2D)', () => {
    const g = CONVS[2];
    const x = randomArray(g.n * g.h * g.w * g.c, 5, 3), f = randomArray(g.kh * g.kw * g.c * g.oc, 6), bias = randomArray(g.oc, 8);
    const args = [new tf.NDArray('float32', [g.n, g.h, g.w, g.c], x), new tf.NDArray('float32', [g.kh, g.kw, g.c, g.oc], f)] as const;
    for (const act of ['relu', 'tanh'] as Activation[]) {
      const want = convReference(x, f, g, bias, act).out;
      const got = kernels.map((kn) => kn.conv2d(...args, { strides: g.s, padding: g.padding, bias: new tf.NDArray('float32', [g.oc], bias), activation: act }).data as Float32Array);
      expectBitIdentical(got[1], got[0], `${act}: 2 vs 1 thread`);
      expectBitIdentical(got[2], got[0], `${act}: 3 vs 1 thread`);
      if (act === 'relu') expectBitIdentical(got[0], want, act);
      else for (let j = 0; j < want.length; j++) expect(Math.abs(got[0][j] - want[j])).toBeLessThanOrEqual(1e-6 + 1e-5 * Math.abs(want[j]));
    }
  });

  test('a filter whose depth is not the input\'s, or an output size below zero, is InvalidArgumentError', () => {
    const x = new tf.NDArray('float32', [1, 3, 3, 2], new Float32Array(18)), f = new tf.NDArray('float32', [1, 1, 3, 1], new Float32Array(3));
    expect(() => kernels[0].conv2d(x, f, { padding: 'VALID', node: 'c1' })).toThrow(/'c1': input depth 2 does not match the filter's 3/);
    // VALID with a filter larger than the input plus one stride: TF's "Computed output size would be negative".
    const f5 = new tf.NDArray('float32', [5, 1, 2, 1], new Float32Array(10));
    expect(() => kernels[0].conv2d(x, f5, { padding: 'VALID', node: 'c2' })).toThrow(/'c2': Computed output size would be negative: input 3, filter 5/);
    // A filter one larger than the input gives an empty output, as in TF.
    const f4 = new tf.NDArray('float32', [4, 1, 2, 1], new Float32Array(8));
    expect(kernels[0].conv2d(x, f4, { padding: 'VALID' }).shape).toEqual([1, 0, 3, 1]);
  });
});

// ---------------------------------------------------------------------------------------------------------------

describe('wasm memory and threads', () => {
  test('the arena reuses freed blocks, coalesces neighbours and gives the top back', () => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 65536, shared: true });
    const arena = new Arena(memory, 1000);
    const a = arena.alloc(100), b = arena.alloc(64), c = arena.alloc(1);
    expect([a, b, c]).toEqual([1024, 1152, 1216]);
    arena.release(a);
    arena.release(b);
    expect(arena.alloc(150)).toBe(1024); // a and b merged into one 192-byte block
    arena.release(c);
    expect(arena.heapTop).toBe(1216);
    expect(arena.alloc(200_000)).toBe(1216); // past the first 64 KiB page: the memory grows
    expect(memory.buffer.byteLength).toBeGreaterThanOrEqual(1216 + 200_000);
    expect(arena.liveBytes).toBe(192 + 200_000);
  });

  test('asking for more than 4 GiB is ResourceExhaustedError naming the buffer', () => {
    expect(() => kernels[0].alloc(5 * 2 ** 30, "'big' output")).toThrow(ResourceExhaustedError);
    expect(() => kernels[0].alloc(5 * 2 ** 30, "'big' output")).toThrow(/'big' output needs 5368709120 bytes.*4 GiB/);
  });

  test('10,000 runs hold the memory flat: every block a call takes is given back', () => {
    const kn = kernels[1];
    const a = new tf.NDArray('float32', [3, 5], randomArray(15, 1)), b = new tf.NDArray('float32', [5, 2], randomArray(10, 2));
    const bias = new tf.NDArray('float32', [2], Float32Array.from([1, -1]));
    kn.matMul(a, b, { bias, activation: 'relu' });
    const [top, live, bytes] = [kn.arena.heapTop, kn.arena.liveBytes, kn.memory.buffer.byteLength];
    for (let i = 0; i < 10_000; i++) kn.matMul(a, b, { bias, activation: 'relu' });
    expect([kn.arena.heapTop, kn.arena.liveBytes, kn.memory.buffer.byteLength]).toEqual([top, live, bytes]);
  });

  test('a kernel that traps on a worker or on the caller is an InternalError, and the pool keeps working', () => {
    for (const kn of kernels) {
      const c = kn.alloc(128 * 128 * 4);
      const bp = kn.alloc(kn.packedBFloats(128, 128) * 4);
      // An A pointer past the end of memory: every thread's share traps (an out-of-bounds load).
      expect(() => kn.gemm({ m: 128, n: 128, k: 128, a: 0xfff00000, bPacked: bp, c })).toThrow(InternalError);
      expect(() => kn.gemm({ m: 128, n: 128, k: 128, a: 0xfff00000, bPacked: bp, c })).toThrow(/kernel gemm_f32 failed: .*out of bounds/);
      if (kn.threads > 1) {
        // A whose first 64 rows end exactly at the end of memory: the caller's rows are fine, a worker's trap.
        const a = kn.memory.buffer.byteLength - 64 * 128 * 4;
        expect(() => kn.gemm({ m: 128, n: 128, k: 128, a, bPacked: bp, c })).toThrow(/kernel gemm_f32 failed: thread [12]: .*out of bounds/);
      }
      kn.release(bp);
      kn.release(c);
      const x = new tf.NDArray('float32', [2, 2], Float32Array.from([1, 2, 3, 4]));
      expect(Array.from(kn.matMul(x, x).data)).toEqual([7, 10, 15, 22]);
    }
  });

  test('threads: reported, validated, and closed pools refuse to run', async () => {
    expect(kernels.map((k) => k.threads)).toEqual(THREADS);
    expect(kernels[0].features.simd128).toBe(true);
    expect(typeof kernels[0].features.relaxedSimd).toBe('boolean');
    await expect(WasmKernels.create({ threads: 0 })).rejects.toThrow(InvalidArgumentError);
    await expect(WasmKernels.create({ threads: 1.5 })).rejects.toThrow(/threads must be a positive integer/);
    const k = await WasmKernels.create({ threads: 2 });
    await k.close();
    const a = new tf.NDArray('float32', [1, 1], Float32Array.from([1]));
    expect(() => k.matMul(a, a)).toThrow(/closed/);
  });
});

// ---------------------------------------------------------------------------------------------------------------

/** Random values with the IEEE corner cases sprinkled in (NaN, +-0, +-inf, large and tiny). */
function withSpecials(n: number, seed: number, scale = 4): Float32Array {
  const x = randomArray(n, seed, scale);
  const specials = [NaN, 0, -0, Infinity, -Infinity, 1e30, -1e-30, 88.8, -104];
  for (let i = 0; i < n; i += 7) x[i] = specials[(i / 7) % specials.length];
  return x;
}

const ELEMENTWISE_SIZES = [1, 3, 17, 65, 130, 200_003];
const BINARY_REF: Record<string, (a: number, b: number) => number> = {
  Add: (a, b) => fr(a + b), Sub: (a, b) => fr(a - b), Mul: (a, b) => fr(a * b), RealDiv: (a, b) => fr(a / b),
  Maximum: (a, b) => Math.max(a, b), Minimum: (a, b) => Math.min(a, b), SquaredDifference: (a, b) => fr(fr(a - b) * fr(a - b)),
};

describe('wasm elementwise kernels', () => {
  test.each(Object.keys(BINARY_REF))('%s: bit-identical to f32 JS on every size, with scalar broadcasts, on 1, 2, 3 threads', (op) => {
    for (const n of ELEMENTWISE_SIZES) {
      const a = withSpecials(n, n), b = withSpecials(n, n + 1);
      const s = Float32Array.of(b[1] === 0 ? 1.5 : b[1]);
      for (const [x, y, what] of [[a, b, 'tensor op tensor'], [s, a, 'scalar op tensor'], [a, s, 'tensor op scalar']] as const) {
        const want = Float32Array.from({ length: n }, (_, i) => BINARY_REF[op](x.length === 1 ? x[0] : x[i], y.length === 1 ? y[0] : y[i]));
        const shape = (v: Float32Array) => (v.length === 1 && n !== 1 ? [] : [n]);
        for (const [t, kn] of kernels.entries()) {
          const got = kn.binaryArrays(op as BinaryOp, new tf.NDArray('float32', shape(x), x), new tf.NDArray('float32', shape(y), y));
          expect(got.shape).toEqual([n]);
          expectBitIdentical(got.data as Float32Array, want, `${op} ${what} n=${n} on ${THREADS[t]} threads`);
        }
      }
    }
  });

  const EXACT_UNARY: Record<string, (x: number) => number> = {
    Identity: (x) => x, Relu: (x) => activate(x, 'relu', 0), Relu6: (x) => activate(x, 'relu6', 0), LeakyRelu: (x) => activate(x, 'leakyrelu', 0.2),
    Neg: (x) => -x, Abs: (x) => Math.abs(x), Sqrt: (x) => fr(Math.sqrt(x)), Square: (x) => fr(x * x), Reciprocal: (x) => fr(1 / x),
  };
  const APPROX_UNARY: Record<string, (x: number) => number> = {
    Exp: Math.exp, Elu: (x) => activate(x, 'elu', 0), Sigmoid: (x) => activate(x, 'sigmoid', 0), Tanh: Math.tanh,
  };

  test.each(Object.keys(EXACT_UNARY))('%s: bit-identical to f32 JS, on 1, 2, 3 threads', (op) => {
    for (const n of ELEMENTWISE_SIZES) {
      const x = withSpecials(n, 3 * n);
      const want = Float32Array.from(x, EXACT_UNARY[op]);
      for (const [t, kn] of kernels.entries()) {
        expectBitIdentical(kn.unaryArray(op as never, new tf.NDArray('float32', [n], x)).data as Float32Array, want, `${op} n=${n} on ${THREADS[t]} threads`);
      }
    }
  });

  test.each(Object.keys(APPROX_UNARY))('%s: within 1e-6 + 1e-5 |want| of Math.*, specials exact, threads identical', (op) => {
    for (const n of ELEMENTWISE_SIZES) {
      const x = withSpecials(n, 5 * n, 12);
      const want = Float64Array.from(x, APPROX_UNARY[op]);
      const got = kernels.map((kn) => kn.unaryArray(op as never, new tf.NDArray('float32', [n], x)).data as Float32Array);
      expectBitIdentical(got[1], got[0], `${op}: 2 vs 1 thread`);
      expectBitIdentical(got[2], got[0], `${op}: 3 vs 1 thread`);
      for (let i = 0; i < n; i++) {
        const w = fr(want[i]), g = got[0][i];
        if (!Number.isFinite(w) || w === 0 || Number.isNaN(x[i])) expect([i, x[i], g]).toEqual([i, x[i], w === 0 ? g && 0 : w]);
        else if (Math.abs(g - w) > 1e-6 + 1e-5 * Math.abs(w)) throw new Error(`${op}(${x[i]}) = ${g}, want ${w}`);
      }
    }
  });

  test.each([
    [[5, 17], [17], [5, 17]], [[17], [4, 17], [4, 17]], [[2, 3, 5], [3, 5], [2, 3, 5]], [[1, 1, 130], [3000, 130], [1, 3000, 130]],
    [[4, 1, 1], [1], [4, 1, 1]], [[3], [1, 1, 1], [1, 1, 3]], [[3000, 130], [1, 130], [3000, 130]], [[6, 4], [1], [6, 4]],
  ])('%j op %j: a trailing-dims operand repeats (BiasAdd), bit-identical on 1, 2, 3 threads', (sa, sb, shape) => {
    const [na, nb] = [sa.reduce((p, v) => p * v, 1), sb.reduce((p, v) => p * v, 1)];
    const a = withSpecials(na, na), b = withSpecials(nb, nb + 5);
    const n = Math.max(na, nb);
    for (const op of ['Add', 'Mul', 'SquaredDifference'] as const) {
      const want = Float32Array.from({ length: n }, (_, i) => BINARY_REF[op](a[i % na], b[i % nb]));
      for (const [t, kn] of kernels.entries()) {
        const got = kn.binaryArrays(op, new tf.NDArray('float32', sa, a), new tf.NDArray('float32', sb, b));
        expect(got.shape).toEqual(shape);
        expectBitIdentical(got.data as Float32Array, want, `${op} ${JSON.stringify(sa)} ${JSON.stringify(sb)} on ${THREADS[t]} threads`);
      }
    }
  });

  test('a broadcast the kernels do not take is UnimplementedError naming the node', () => {
    const a = new tf.NDArray('float32', [2, 3], new Float32Array(6)), b = new tf.NDArray('float32', [2, 1], new Float32Array(2));
    expect(() => kernels[0].binaryArrays('Add', a, b, 'add1')).toThrow(UnimplementedError);
    expect(() => kernels[0].binaryArrays('Add', a, b, 'add1')).toThrow(/'add1': the wasm elementwise kernels broadcast a single value or a trailing-dims operand, got \[2,3\] and \[2,1\]/);
  });
});

// ---------------------------------------------------------------------------------------------------------------

/** reduce_f32.h's summation order in f32 (16 lanes, folded pairwise, whole vectors, lanes pairwise, tail in order). */
function rowSumReference(x: Float32Array): number {
  const lanes = new Array<number>(16).fill(0);
  let i = 0;
  for (; i + 16 <= x.length; i += 16) for (let l = 0; l < 16; l++) lanes[l] = fr(lanes[l] + x[i + l]);
  const a = [0, 1, 2, 3].map((l) => fr(fr(lanes[l] + lanes[4 + l]) + fr(lanes[8 + l] + lanes[12 + l])));
  for (; i + 4 <= x.length; i += 4) for (let l = 0; l < 4; l++) a[l] = fr(a[l] + x[i + l]);
  let r = fr(fr(a[0] + a[1]) + fr(a[2] + a[3]));
  for (; i < x.length; i++) r = fr(r + x[i]);
  return r;
}

describe('wasm reductions and softmax over the last axis', () => {
  const SHAPES: Array<[number, number]> = [[1, 1], [3, 17], [17, 3], [5, 65], [2, 130], [65, 0], [4000, 65], [3, 100_003]];

  test.each(SHAPES)('Sum, Mean, Max of [%i, %i]: bit-identical to the f32 references on 1, 2, 3 threads', (rows, cols) => {
    const x = randomArray(rows * cols, rows + cols, 10);
    const X = new tf.NDArray('float32', [rows, cols], x);
    const row = (r: number) => x.subarray(r * cols, (r + 1) * cols);
    const want = {
      Sum: Float32Array.from({ length: rows }, (_, r) => rowSumReference(row(r))),
      Mean: Float32Array.from({ length: rows }, (_, r) => fr(rowSumReference(row(r)) / cols)),
      Max: Float32Array.from({ length: rows }, (_, r) => row(r).reduce((m, v) => Math.max(m, v), -Infinity)),
    };
    for (const op of ['Sum', 'Mean', 'Max'] as const) {
      for (const [t, kn] of kernels.entries()) {
        const got = kn.reduceLastAxis(op, X);
        expect(got.shape).toEqual([rows]);
        expectBitIdentical(got.data as Float32Array, want[op], `${op} [${rows}, ${cols}] on ${THREADS[t]} threads`);
      }
    }
    // And the order itself is a sound f32 sum: within cols * 2^-24 * sum |x| of the float64 sum.
    for (let r = 0; r < rows; r++) {
      let exact = 0, abs = 0;
      for (const v of row(r)) { exact += v; abs += Math.abs(v); }
      expect(Math.abs(want.Sum[r] - exact)).toBeLessThanOrEqual(cols * 2 ** -24 * abs);
    }
  });

  test('Max propagates NaN like TF; empty rows give -inf', () => {
    const x = Float32Array.from([1, NaN, 3, -0, 0, 5, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, NaN]);
    const got = kernels[0].reduceLastAxis('Max', new tf.NDArray('float32', [3, 6], x));
    expect(Array.from(got.data)).toEqual([NaN, 2, NaN]);
    expect(Array.from(kernels[0].reduceLastAxis('Max', new tf.NDArray('float32', [2, 0], new Float32Array(0))).data)).toEqual([-Infinity, -Infinity]);
  });

  test.each(SHAPES.filter(([, c]) => c > 0))('Softmax of [%i, %i]: within 1e-6 + 1e-5 |want| of the reference executor, threads identical', (rows, cols) => {
    const x = randomArray(rows * cols, 11 * rows + cols, 30);
    const X = new tf.NDArray('float32', [rows, cols], x);
    const [want] = tf.getOpDef('Softmax')!.cpu([X], { T: 'float32' }, { name: 'ref' } as KernelContext);
    const got = kernels.map((kn) => kn.softmaxLastAxis(X).data as Float32Array);
    expectBitIdentical(got[1], got[0], 'softmax: 2 vs 1 thread');
    expectBitIdentical(got[2], got[0], 'softmax: 3 vs 1 thread');
    for (let i = 0; i < want.size; i++) {
      if (Math.abs(got[0][i] - want.data[i]) > 1e-6 + 1e-5 * Math.abs(want.data[i])) throw new Error(`softmax[${i}] = ${got[0][i]}, want ${want.data[i]}`);
    }
  });
});

// ---------------------------------------------------------------------------------------------------------------

describe('wasm GEMM and conv on relaxed-SIMD FMA (kernels_fma.wasm)', () => {
  // Node 20 has relaxed SIMD behind a V8 flag, which can be set at run time; it is cleared again once the fma pools
  // are closed, so no later test in this process picks the FMA binary by default. (Never toggle it while an fma pool
  // is alive: V8 then made these tests some 30 times slower.)
  const fmaKernels: WasmKernels[] = [];
  beforeAll(async () => {
    v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
    for (const t of THREADS) fmaKernels.push(await WasmKernels.create({ threads: t, fma: true }));
  });
  afterAll(async () => {
    for (const k of fmaKernels) await k.close();
    v8.setFlagsFromString('--no-experimental-wasm-relaxed-simd');
  });

  test('the default pools run without fma; the fma pools report it', () => {
    expect(kernels[0].features.fma).toBe(false);
    expect(fmaKernels.map((k) => [k.features.relaxedSimd, k.features.fma])).toEqual([[true, true], [true, true], [true, true]]);
  });

  test.each(SIZES)('m=%i n=%i k=%i: threads identical, within the f32 dot-product bound of float64', (m, n, k) => {
    for (const [ta, tb] of [[false, false], [true, true]] as const) {
      const c = { m, n, k, ta, tb, batchA: 1, batchB: 1 };
      const s = shapes(c);
      const a = randomArray(m * k, m + 3 * k), b = randomArray(k * n, n + 5 * k);
      const A = nd(a, s.a, 1), B = nd(b, s.b, 1);
      const got = fmaKernels.map((kn) => kn.matMul(A, B, { transposeA: ta, transposeB: tb }).data as Float32Array);
      expectBitIdentical(got[1], got[0], 'fma: 2 vs 1 thread');
      expectBitIdentical(got[2], got[0], 'fma: 3 vs 1 thread');
      const [want] = tf.getOpDef('MatMul')!.cpu([A, B], { transpose_a: ta, transpose_b: tb, T: 'float32' }, { name: 'ref' } as KernelContext);
      const { absSum } = gemmReference(a, b, c, null, 'none', 0);
      for (let i = 0; i < want.size; i++) expect(Math.abs(got[0][i] - want.data[i])).toBeLessThanOrEqual(k * 2 ** -24 * absSum[i] + 1e-30);
    }
  });

  test('conv with the fused epilogue: threads identical, within the bound of the scalar reference', () => {
    const g = CONVS[7];
    const x = randomArray(g.n * g.h * g.w * g.c, 41), f = randomArray(g.kh * g.kw * g.c * g.oc, 42), bias = randomArray(g.oc, 43);
    const X = new tf.NDArray('float32', [g.n, g.h, g.w, g.c], x), F = new tf.NDArray('float32', [g.kh, g.kw, g.c, g.oc], f);
    const got = fmaKernels.map((kn) => kn.conv2d(X, F, { strides: g.s, padding: g.padding, bias: new tf.NDArray('float32', [g.oc], bias), activation: 'relu' }).data as Float32Array);
    expectBitIdentical(got[1], got[0], 'fma conv: 2 vs 1 thread');
    expectBitIdentical(got[2], got[0], 'fma conv: 3 vs 1 thread');
    const want = convReference(x, f, g, bias, 'relu').out;
    const K = g.kh * g.kw * g.c;
    for (let i = 0; i < want.length; i++) expect(Math.abs(got[0][i] - want[i])).toBeLessThanOrEqual(2 * K * K * 2 ** -24);
  });
});
