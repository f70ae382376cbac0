// tf.random: seeded, counter-based (Philox4x32-10, as TensorFlow) so every executor can reproduce the numbers.
//
// THE SCHEME (the contract every executor reproduces bit for bit; the GPU executor does the same u32 arithmetic)
//
// Seeds. A random node carries attrs `seed` and `seed2` (TF's int64s), chosen by the builder as TF1's
// random_seed.get_seed does: with a graph seed g (tf.setRandomSeed) -> (g, opSeed ?? n) where n counts the random
// ops built in that graph before this one (0, 1, 2, ...); without one but with an op seed s -> (87654321, s); with
// neither -> (0, 0). Seeds are reduced mod 2^31 - 1 (TF's _truncate_seed), and (0, 0) coming from given seeds becomes
// (0, 2^31 - 1), because (0, 0) on a node means: draw two fresh 64-bit seeds once per session (Math.random), so an
// unseeded op differs between sessions.
//
// Generator. Philox4x32-10 (ops/philox.ts) with
//   key     = [seed lo32, seed hi32]
//   counter = [p, k, seed2 lo32, seed2 hi32]
// where k is the run index: how many times this node's kernel has run before in this session (0 on its first run,
// kept per session and per node, advanced even when a later node fails the run, not when this node's own input
// checks fail; it wraps at 2^32 runs), and p is a block index within the run, below. Each block
// gives four u32 words w0..w3. Output element i (row-major) of run k depends only on (seed, seed2, k, i).
// The webgpu executor runs a whole plan as one submission, so there every random node of the plan advances on every
// run, also on a run that fails (a bad label, minval >= maxval); the CPU executor advances only the nodes it ran
// before the failure. Until a run fails, both executors give the same numbers bit for bit.
//
//   RandomUniform float32      p = floor(i / 4); value = Uint32ToFloat(w[i % 4]) = (w & 0x7fffff) / 2^23.
//   RandomUniform float64      p = floor(i / 2); e = i % 2; value = Uint64ToDouble(w[2e], w[2e+1])
//                              = ((w[2e] & 0xfffff) * 2^32 + w[2e+1]) / 2^52.
//   RandomUniformInt int32     p = floor(i / 4); value = minval + (w[i % 4] mod (maxval - minval)), the range as u32.
//   RandomUniformInt int64     p = floor(i / 2); e = i % 2; bits = w[2e] + w[2e+1] * 2^32 (u64);
//                              value = minval + (bits mod (maxval - minval)).
//   RandomStandardNormal f32   p = floor(i / 4); BoxMuller32(w0, w1) -> elements 4p, 4p+1;
//                              BoxMuller32(w2, w3) -> elements 4p+2, 4p+3. BoxMuller32 is Kiln's float32
//                              Box-Muller (ops/philox.ts): TF's formula, r sin(theta) and r cos(theta) with
//                              u1 = max(Uint32ToFloat(x0), 1e-7f), theta = 2 pi Uint32ToFloat(x1), r = sqrt(-2 ln u1),
//                              computed with integer arithmetic only, so every executor gives the same bits; each
//                              value is within 1 float32 ulp of the exact value (0.57 ulp measured).
//   RandomStandardNormal f64   p = floor(i / 2); BoxMullerDouble(w0, w1, w2, w3) -> elements 2p, 2p+1.
//   TruncatedNormal            element i owns the 8 blocks p = 8i + j, j = 0..7, and takes the first candidate with
//                              |z| < 2 in the order j = 0, 1, ...: float32 candidates per block are
//                              BoxMuller32(w0, w1) -> (f0, f1), then BoxMuller32(w2, w3) -> (f0, f1);
//                              float64 candidates are BoxMullerDouble(w0..w3) -> (d0, d1). The test is on the value in
//                              the output dtype, as TF's. Each candidate is rejected with probability 0.0455, so all
//                              32 (float32) or 16 (float64) fail with probability < 1e-21; then the element is 0.
//                              (TF draws candidates sequentially, which cannot be split across GPU threads.)
//
// Since p is a u32, an output may have at most 2^34 (4-per-block), 2^33 (2-per-block) or 2^29 (TruncatedNormal)
// elements. With k = 0 the counters are TensorFlow's own, so the first run of RandomUniform and RandomUniformInt with
// the same (seed, seed2) gives TensorFlow's numbers exactly, and float64 RandomStandardNormal TF's up to the last bits
// of sin/cos/log. float32 normals come from TF's words too, but TF's kernel rounds the angle 2 pi u to float32 before
// sinf/cosf (an error up to 2.4e-7 in the angle) where BoxMuller32 is exact: they differ from TF's by at most 1.1e-6
// (37% are identical, on average 7 ulp apart, most of that near the zeros of sin and cos). Later runs differ from TF,
// which advances its counter by 256 blocks per output element per run.
import { DType, isFloat } from '../graph/dtypes.js';
import { InvalidArgumentError, UnimplementedError } from '../graph/errors.js';
import { getDefaultGraph, Graph } from '../graph/graph.js';
import { NDArray } from '../graph/ndarray.js';
import { formatShape, sizeOf } from '../graph/shape.js';
import { Attrs, Tensor } from '../graph/tensor.js';
import { empty } from './cpu.js';
import { mul, sub } from './math.js';
import {
  boxMullerDouble, boxMullerFloat, philox4x32, splitSeed, TRUNCATED_BLOCKS_PER_ELEMENT, uint32ToFloat, uint64ToDouble,
} from './philox.js';
import { GpuKernel, GpuKernelContext, literal } from './gpu.js';
import { addOp, defineOp, describeInput, KernelContext, OutputSpec, ShapeContext } from './registry.js';
import { constant, convertToTensor, TensorLike } from './values.js';
import { randomGpu } from './wgsl/random.js';

// ---- kernels ------------------------------------------------------------------------------------------------------

interface RandomState { run: number; key0: number; key1: number; c2: number; c3: number }

/** A fresh u32 from the host's entropy (only for unseeded ops, once per session). */
const freshWord = (): number => Math.floor(Math.random() * 4294967296) >>> 0;

/** This node's key and seed2 words (drawn once per session when both seeds are 0) and its run counter. */
function runState(attrs: Readonly<Attrs>, state: <T>(init: () => T) => T): RandomState {
  return state<RandomState>(() => {
    const seed = attrs.seed as number, seed2 = attrs.seed2 as number;
    if (seed === 0 && seed2 === 0) return { run: 0, key0: freshWord(), key1: freshWord(), c2: freshWord(), c3: freshWord() };
    const [key0, key1] = splitSeed(seed), [c2, c3] = splitSeed(seed2);
    return { run: 0, key0, key1, c2, c3 };
  });
}

/** This node's words and its run index, advanced. */
function nextRun(attrs: Readonly<Attrs>, ctx: KernelContext): RandomState {
  const st = runState(attrs, ctx.state);
  const run = st.run;
  st.run = (st.run + 1) >>> 0;
  return { run, key0: st.key0, key1: st.key1, c2: st.c2, c3: st.c3 };
}

/**
 * The GPU kernel's per-run parameters [key0, key1, c2, c3, run]: the executor calls this once before every run of
 * the plan, which advances the same per-node run counter as the CPU kernel's nextRun.
 */
function gpuParams(k: GpuKernelContext): () => Uint32Array {
  const st = runState(k.attrs, k.state);
  return () => {
    const run = st.run;
    st.run = (st.run + 1) >>> 0;
    return Uint32Array.of(st.key0, st.key1, st.c2, st.c3, run);
  };
}

/** The GPU side's checks of the output size (the CPU kernel's, made when the plan is compiled). */
function gpuCheckSize(k: GpuKernelContext, perBlock: number): void {
  const n = k.outputs[0].size;
  const blocks = k.type === 'TruncatedNormal' ? n * TRUNCATED_BLOCKS_PER_ELEMENT : Math.ceil(n / perBlock);
  if (blocks > 4294967296) k.fail(`output ${formatShape(k.outputs[0].shape)} has too many elements for one random op`);
}

function floatGpu(op: 'RandomUniform' | 'RandomStandardNormal' | 'TruncatedNormal') {
  return (k: GpuKernelContext): GpuKernel => {
    gpuCheckSize(k, 4);
    return randomGpu(k, { op, params: gpuParams(k) });
  };
}

/** The output shape from the `shape` input: non-negative integers, else an InvalidArgumentError naming the node. */
function readShape(shape: NDArray, type: string, node: string): number[] {
  if (shape.rank !== 1) throw new InvalidArgumentError(`${type} node '${node}': shape must be a vector, got ${formatShape(shape.shape)}`);
  const dims = Array.from(shape.data);
  if (dims.some((d) => d < 0 || !Number.isInteger(d))) {
    throw new InvalidArgumentError(`${type} node '${node}': shape must have non-negative dimensions, got [${dims.join(',')}]`);
  }
  return dims;
}

function checkBlocks(blocks: number, type: string, node: string, shape: readonly number[]): void {
  if (blocks > 4294967296) throw new InvalidArgumentError(`${type} node '${node}': output ${formatShape(shape)} has too many elements for one random op`);
}

/** Calls `fn(words, p)` for blocks p = 0 .. blocks-1 of this run; `words` holds the block's four u32 words. */
function forBlocks(blocks: number, r: RandomState, fn: (w: Uint32Array, p: number) => void): void {
  const w = new Uint32Array(4);
  for (let p = 0; p < blocks; p++) {
    philox4x32(p, r.run, r.c2, r.c3, r.key0, r.key1, w, 0);
    fn(w, p);
  }
}

function uniformKernel(dtype: DType, shape: number[], r: RandomState, node: string): NDArray {
  const out = empty(dtype, shape);
  const o = out.data, n = o.length;
  if (dtype === 'float32' || dtype === 'float16' || dtype === 'bfloat16') {
    // TF's Uint16ToHalf / Uint16ToGfloat16: the low mantissa bits of each word over [1, 2), minus 1.
    const toFloat = dtype === 'float32' ? uint32ToFloat : dtype === 'float16' ? (x: number) => (x & 0x3ff) / 1024 : (x: number) => (x & 0x7f) / 128;
    const blocks = Math.ceil(n / 4);
    checkBlocks(blocks, 'RandomUniform', node, shape);
    forBlocks(blocks, r, (w, p) => {
      for (let e = 0; e < 4 && 4 * p + e < n; e++) o[4 * p + e] = toFloat(w[e]);
    });
  } else {
    const blocks = Math.ceil(n / 2);
    checkBlocks(blocks, 'RandomUniform', node, shape);
    forBlocks(blocks, r, (w, p) => {
      for (let e = 0; e < 2 && 2 * p + e < n; e++) o[2 * p + e] = uint64ToDouble(w[2 * e], w[2 * e + 1]);
    });
  }
  return out;
}

function uniformIntKernel(dtype: DType, shape: number[], lo: number, hi: number, r: RandomState, node: string): NDArray {
  const out = empty(dtype, shape);
  const o = out.data, n = o.length;
  if (dtype === 'int32') {
    const range = (hi - lo) >>> 0; // as TF: the difference as a u32 (hi > lo, so it is the true range)
    const blocks = Math.ceil(n / 4);
    checkBlocks(blocks, 'RandomUniformInt', node, shape);
    forBlocks(blocks, r, (w, p) => {
      for (let e = 0; e < 4 && 4 * p + e < n; e++) o[4 * p + e] = lo + (w[e] % range);
    });
  } else {
    const range = BigInt(hi) - BigInt(lo);
    const blocks = Math.ceil(n / 2);
    checkBlocks(blocks, 'RandomUniformInt', node, shape);
    forBlocks(blocks, r, (w, p) => {
      for (let e = 0; e < 2 && 2 * p + e < n; e++) {
        const bits = BigInt(w[2 * e]) | (BigInt(w[2 * e + 1]) << 32n);
        o[2 * p + e] = Number(BigInt(lo) + (bits % range));
      }
    });
  }
  return out;
}

function normalKernel(dtype: DType, shape: number[], r: RandomState, node: string): NDArray {
  const out = empty(dtype, shape);
  const o = out.data, n = o.length;
  const z = new Float64Array(4);
  if (dtype === 'float32') {
    const blocks = Math.ceil(n / 4);
    checkBlocks(blocks, 'RandomStandardNormal', node, shape);
    forBlocks(blocks, r, (w, p) => {
      boxMullerFloat(w[0], w[1], z, 0);
      boxMullerFloat(w[2], w[3], z, 2);
      for (let e = 0; e < 4 && 4 * p + e < n; e++) o[4 * p + e] = z[e];
    });
  } else {
    const blocks = Math.ceil(n / 2);
    checkBlocks(blocks, 'RandomStandardNormal', node, shape);
    forBlocks(blocks, r, (w, p) => {
      boxMullerDouble(w[0], w[1], w[2], w[3], z, 0);
      for (let e = 0; e < 2 && 2 * p + e < n; e++) o[2 * p + e] = z[e];
    });
  }
  return out;
}

function truncatedNormalKernel(dtype: DType, shape: number[], r: RandomState, node: string): NDArray {
  const out = empty(dtype, shape);
  const o = out.data, n = o.length;
  checkBlocks(n * TRUNCATED_BLOCKS_PER_ELEMENT, 'TruncatedNormal', node, shape);
  const w = new Uint32Array(4), z = new Float64Array(4);
  const f32 = dtype === 'float32';
  const perBlock = f32 ? 4 : 2;
  for (let i = 0; i < n; i++) {
    let value = 0;
    search: for (let j = 0; j < TRUNCATED_BLOCKS_PER_ELEMENT; j++) {
      philox4x32(TRUNCATED_BLOCKS_PER_ELEMENT * i + j, r.run, r.c2, r.c3, r.key0, r.key1, w, 0);
      for (let e = 0; e < perBlock; e++) {
        // Candidates come in Box-Muller pairs; the second pair of a float32 block is computed only when needed.
        if (e === 0) {
          if (f32) boxMullerFloat(w[0], w[1], z, 0);
          else boxMullerDouble(w[0], w[1], w[2], w[3], z, 0);
        } else if (e === 2) {
          boxMullerFloat(w[2], w[3], z, 2);
        }
        if (Math.abs(z[e]) < 2) { value = z[e]; break search; }
      }
    }
    o[i] = value;
  }
  return out;
}

// ---- op declarations ------------------------------------------------------------------------------------------------

/** Shared shape rule: the `shape` input is a 1-D int32/int64 vector; the output's static shape is its known value. */
function randomShape(c: ShapeContext, dtype: DType, allowed: readonly DType[]): OutputSpec[] {
  if (!allowed.includes(dtype)) c.fail(`dtype ${dtype} is not supported; allowed: ${allowed.join(', ')}`);
  const s = c.inputs[0];
  if (s.dtype !== 'int32' && s.dtype !== 'int64') c.fail(`shape ${describeInput(s)} must be int32 or int64, got ${s.dtype}`);
  if (s.shape !== null && s.shape.length !== 1) c.fail(`shape ${describeInput(s)} must be a vector`);
  const dims = c.constShape(0);
  if (dims !== null) {
    for (const d of dims) {
      if (d !== null && (d < 0 || !Number.isInteger(d))) c.fail(`shape must have non-negative dimensions, got ${formatShape(dims)}`);
    }
  }
  return [{ dtype, shape: dims }];
}

const SEED_ATTRS = { seed: { type: 'int', default: 0 }, seed2: { type: 'int', default: 0 } } as const;
const FLOAT_DTYPES: readonly DType[] = ['float32', 'float64'];
const INT_DTYPES: readonly DType[] = ['int32', 'int64'];

defineOp({
  type: 'RandomUniform',
  inputs: ['shape'],
  attrs: { ...SEED_ATTRS, dtype: { type: 'type' }, T: { type: 'type' } },
  stateful: true,
  shape: (c) => randomShape(c, c.attrs.dtype as DType, ['float16', 'bfloat16', ...FLOAT_DTYPES]),
  cpu: ([shape], attrs, ctx) => [uniformKernel(attrs.dtype as DType, readShape(shape, 'RandomUniform', ctx.name), nextRun(attrs, ctx), ctx.name)],
  gpu: floatGpu('RandomUniform'),
  grad: 'not-differentiable',
});

defineOp({
  type: 'RandomUniformInt',
  inputs: ['shape', 'minval', 'maxval'],
  attrs: { ...SEED_ATTRS, Tout: { type: 'type' }, T: { type: 'type' } },
  stateful: true,
  shape: (c) => {
    const out = c.attrs.Tout as DType;
    for (const t of [c.inputs[1], c.inputs[2]]) {
      if (t.dtype !== out) c.fail(`${describeInput(t)} is ${t.dtype}, expected Tout ${out}`);
      if (t.shape !== null && t.shape.length !== 0) c.fail(`minval and maxval must be scalars, got ${describeInput(t)}`);
    }
    return randomShape(c, out, INT_DTYPES);
  },
  cpu: ([shape, minval, maxval], attrs, ctx) => {
    const dims = readShape(shape, 'RandomUniformInt', ctx.name);
    if (minval.rank !== 0 || maxval.rank !== 0) {
      throw new InvalidArgumentError(`RandomUniformInt node '${ctx.name}': minval and maxval must be scalars, got ${formatShape(minval.shape)} and ${formatShape(maxval.shape)}`);
    }
    const lo = minval.data[0], hi = maxval.data[0];
    if (sizeOf(dims) > 0 && !(lo < hi)) {
      throw new InvalidArgumentError(`RandomUniformInt node '${ctx.name}': Need minval < maxval: got ${lo} >= ${hi}`);
    }
    return [uniformIntKernel(attrs.Tout as DType, dims, lo, hi, nextRun(attrs, ctx), ctx.name)];
  },
  gpu: (k) => {
    gpuCheckSize(k, k.outputs[0].dtype === 'int64' ? 2 : 4);
    const [minval, maxval] = [k.constValue(1), k.constValue(2)];
    const n = k.outputs[0].size;
    if (minval !== null && maxval !== null) {
      // Known when the plan is compiled: checked now, as the CPU kernel does before it draws, and baked in.
      const lo = minval.data[0], hi = maxval.data[0];
      if (n > 0 && !(lo < hi)) k.fail(`Need minval < maxval: got ${lo} >= ${hi}`);
      for (const v of [lo, hi]) {
        if (v < -2147483648 || v > 2147483647) {
          throw new UnimplementedError(`RandomUniformInt node '${k.name}': int64 minval/maxval ${v} is outside the int32 range the webgpu executor stores int64 in`);
        }
      }
      const range = { lo: literal(lo, 'int32'), hi: literal(hi, 'int32'), bound: false };
      return randomGpu(k, { op: 'RandomUniformInt', params: gpuParams(k), range });
    }
    // Fed or computed: read from their buffers and checked by the kernel.
    return randomGpu(k, { op: 'RandomUniformInt', params: gpuParams(k), range: { lo: 'minval[0]', hi: 'maxval[0]', bound: true } });
  },
  grad: 'not-differentiable',
});

defineOp({
  type: 'RandomStandardNormal',
  inputs: ['shape'],
  attrs: { ...SEED_ATTRS, dtype: { type: 'type' }, T: { type: 'type' } },
  stateful: true,
  shape: (c) => randomShape(c, c.attrs.dtype as DType, FLOAT_DTYPES),
  cpu: ([shape], attrs, ctx) => [normalKernel(attrs.dtype as DType, readShape(shape, 'RandomStandardNormal', ctx.name), nextRun(attrs, ctx), ctx.name)],
  gpu: floatGpu('RandomStandardNormal'),
  grad: 'not-differentiable',
});

defineOp({
  type: 'TruncatedNormal',
  inputs: ['shape'],
  attrs: { ...SEED_ATTRS, dtype: { type: 'type' }, T: { type: 'type' } },
  stateful: true,
  shape: (c) => randomShape(c, c.attrs.dtype as DType, FLOAT_DTYPES),
  cpu: ([shape], attrs, ctx) => [truncatedNormalKernel(attrs.dtype as DType, readShape(shape, 'TruncatedNormal', ctx.name), nextRun(attrs, ctx), ctx.name)],
  gpu: floatGpu('TruncatedNormal'),
  grad: 'not-differentiable',
});

// ---- seeds (TF1's random_seed.get_seed) ------------------------------------------------------------------------------

const DEFAULT_GRAPH_SEED = 87654321;
const MAXINT32 = 2147483647;
/** Per graph: how many random ops its builders have made (the op seed of an unseeded op under a graph seed). */
const randomOpCounts = new WeakMap<Graph, number>();

function truncateSeed(s: number): number { return ((s % MAXINT32) + MAXINT32) % MAXINT32; }

function getSeed(graph: Graph, opSeed: number | undefined, what: string): [number, number] {
  if (opSeed !== undefined && !Number.isInteger(opSeed)) throw new InvalidArgumentError(`${what}: seed must be an integer, got ${opSeed}`);
  const count = randomOpCounts.get(graph) ?? 0;
  randomOpCounts.set(graph, count + 1);
  let seeds: [number, number];
  if (graph.seed !== null) {
    if (!Number.isInteger(graph.seed)) throw new InvalidArgumentError(`${what}: the graph seed must be an integer, got ${graph.seed}`);
    seeds = [truncateSeed(graph.seed), truncateSeed(opSeed ?? count)];
  } else if (opSeed !== undefined) {
    seeds = [DEFAULT_GRAPH_SEED, truncateSeed(opSeed)];
  } else {
    return [0, 0];
  }
  return seeds[0] === 0 && seeds[1] === 0 ? [0, MAXINT32] : seeds;
}

// ---- builders -------------------------------------------------------------------------------------------------------

interface RandomOptions {
  dtype?: DType;
  /** The op seed (TF1's `seed=`); combined with the graph seed as TF1 does. */
  seed?: number;
  name?: string;
}

/** The `shape` input: a given int32/int64 tensor, or a Const named 'shape' from a list of non-negative integers. */
function shapeTensor(shape: readonly number[] | Tensor, what: string): Tensor {
  if (shape instanceof Tensor) {
    if (shape.dtype !== 'int32' && shape.dtype !== 'int64') throw new InvalidArgumentError(`${what}: shape '${shape.name}' must be int32 or int64, got ${shape.dtype}`);
    return shape;
  }
  if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new InvalidArgumentError(`${what}: shape must be a list of non-negative integers or an int32 tensor, got ${JSON.stringify(shape)}`);
  }
  return constant([...shape], { dtype: 'int32', shape: [shape.length], name: 'shape' });
}

function checkDTypeIn(dtype: DType, allowed: readonly DType[], what: string): void {
  if (!allowed.includes(dtype)) throw new InvalidArgumentError(`${what}: dtype ${dtype} is not supported; allowed: ${allowed.join(', ')}`);
}

/**
 * `tf.random.uniform(shape, {minval?, maxval?, dtype?, seed?, name?})`, TF1's `tf.random_uniform`: for floats,
 * RandomUniform in [0, 1) then `* (maxval - minval) + minval` (defaults 0 and 1); for int32/int64, RandomUniformInt
 * in [minval, maxval), with maxval required.
 */
export function uniform(
  shape: readonly number[] | Tensor,
  opts: RandomOptions & { minval?: TensorLike; maxval?: TensorLike } = {},
): Tensor {
  const what = 'tf.random.uniform';
  const dtype = opts.dtype ?? 'float32';
  checkDTypeIn(dtype, [...FLOAT_DTYPES, ...INT_DTYPES], what);
  const graph = getDefaultGraph();
  return graph.withNameScope(opts.name ?? 'random_uniform', (scope) => {
    const s = shapeTensor(shape, what);
    if (!isFloat(dtype)) {
      if (opts.maxval === undefined) throw new InvalidArgumentError(`${what}: Must specify maxval for integer dtype ${dtype}`);
      const lo = convertToTensor(opts.minval ?? 0, dtype, 'min');
      const hi = convertToTensor(opts.maxval, dtype, 'max');
      const [seed, seed2] = getSeed(graph, opts.seed, what);
      return addOp('RandomUniformInt', [s, lo, hi], { seed, seed2, Tout: dtype, T: s.dtype }, { name: scope, exactName: true }).outputs[0];
    }
    const lo = convertToTensor(opts.minval ?? 0, dtype, 'min');
    const hi = convertToTensor(opts.maxval ?? 1, dtype, 'max');
    const [seed, seed2] = getSeed(graph, opts.seed, what);
    const rnd = addOp('RandomUniform', [s], { seed, seed2, dtype, T: s.dtype }, { name: 'RandomUniform' }).outputs[0];
    const scaled = mul(rnd, sub(hi, lo, { name: 'sub' }), { name: 'mul' });
    return addOp('AddV2', [scaled, lo], { T: dtype }, { name: scope, exactName: true }).outputs[0];
  });
}

function normalLike(
  type: 'RandomStandardNormal' | 'TruncatedNormal', defaultName: string, what: string,
  shape: readonly number[] | Tensor, opts: RandomOptions & { mean?: TensorLike; stddev?: TensorLike },
): Tensor {
  const dtype = opts.dtype ?? 'float32';
  checkDTypeIn(dtype, FLOAT_DTYPES, what);
  const graph = getDefaultGraph();
  return graph.withNameScope(opts.name ?? defaultName, (scope) => {
    const s = shapeTensor(shape, what);
    const mean = convertToTensor(opts.mean ?? 0, dtype, 'mean');
    const stddev = convertToTensor(opts.stddev ?? 1, dtype, 'stddev');
    const [seed, seed2] = getSeed(graph, opts.seed, what);
    const rnd = addOp(type, [s], { seed, seed2, dtype, T: s.dtype }, { name: type }).outputs[0];
    const scaled = mul(rnd, stddev, { name: 'mul' });
    return addOp('AddV2', [scaled, mean], { T: dtype }, { name: scope, exactName: true }).outputs[0];
  });
}

/** `tf.random.normal(shape, {mean?, stddev?, dtype?, seed?, name?})`, TF1's `tf.random_normal`. */
export function normal(shape: readonly number[] | Tensor, opts: RandomOptions & { mean?: TensorLike; stddev?: TensorLike } = {}): Tensor {
  return normalLike('RandomStandardNormal', 'random_normal', 'tf.random.normal', shape, opts);
}

/**
 * `tf.random.truncatedNormal(shape, {mean?, stddev?, dtype?, seed?, name?})`, TF1's `tf.truncated_normal`: normal
 * values more than 2 standard deviations from the mean are redrawn.
 */
export function truncatedNormal(shape: readonly number[] | Tensor, opts: RandomOptions & { mean?: TensorLike; stddev?: TensorLike } = {}): Tensor {
  return normalLike('TruncatedNormal', 'truncated_normal', 'tf.random.truncatedNormal', shape, opts);
}
