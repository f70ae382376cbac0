// The GPU kernels of the reductions (Sum, Mean, Max, Min, Prod, All, Any) and of ArgMax/ArgMin, declared in
// ops/math.ts. One generator, no transposes: the input is seen as kept dims and reduced dims (adjacent dims of one kind
// merged, size-1 dims dropped), and the shader computes an element's address from (output index, reduction index),
// so every axis combination is one code path.
//
// Two shapes of pass (makePass):
// - thread: one invocation per output folds its row in a loop: short rows, column reductions (innermost dim kept:
//   neighbouring invocations read neighbouring addresses), and whenever there are THREAD_ROWS outputs or more.
// - group: one workgroup per output for few long rows; its invocations fold sub-ranges, then a tree in workgroup memory.
// Too few outputs to fill the device (a full reduction, a column sum of a tall matrix): the reduction axis is cut into
// chunks, pass 1 writes partial results to a scratch binding and pass 2 folds them. Without that, one workgroup or
// invocation would do the whole reduction on one compute unit (one CPU core on llvmpipe).
//
// Why the loops look as they do, measured on llvmpipe (Mesa 22.3, 2 cores; CI's and the bench's device), 4M floats
// summed: a workgroup of 64 striding by 64 took 17 ms; llvmpipe runs a workgroup's 8-lane SIMD blocks one after
// another, so each block must read dense memory (blocked sub-ranges: 4 ms); vec4 loads where the innermost dim allows
// (every storage load is a loop over the lanes, so a vec4 costs about a scalar), and several independent loads per
// iteration (loop overhead and one accumulator's dependency chain are paid per iteration): 1.8-3 ms, about the
// memory bandwidth (a fused elementwise pass over 4M floats takes 4-5 ms).
import type { DType } from '../../graph/dtypes.js';
import { stridesOf } from '../../graph/shape.js';
import { binding, GpuBinding, GpuDispatch, GpuKernel, GpuKernelContext, grid, literal, WG, wgslType, WType } from '../gpu.js';

/** The WGSL of one reduction op: its identity, how two partial results combine, how the result is finished. */
export interface ReduceWgsl {
  identity: (dtype: DType) => number;
  /** Combines two values of type `ty` (a scalar `t` or a vec4 of it). NaN tests through `isnan_`/`isnan4_`. */
  combine: (a: string, b: string, t: WType, vec: boolean) => string;
  /** Mean: the result is the sum divided by the count (truncating for integers); NaN for an empty float mean. */
  mean?: boolean;
}

/** Rows of at most this many values are folded by one invocation each. */
const SMALL_ROW = 32;
/** Invocations per workgroup of the group pass (a power of 2; compatibility mode allows 128). */
const GROUP_WG = 64;
/** SIMD width of llvmpipe's invocations on AVX2 (8 x 32 bits). */
const LANES = 8;
/** Split a group reduction until there are this many workgroups, but not into chunks under MIN_GROUP_CHUNK loads. */
const TARGET_GROUPS = 128;
const MIN_GROUP_CHUNK = 2048;
/** Split a thread reduction until there are this many invocations, but not into chunks under MIN_THREAD_CHUNK loads. */
const TARGET_THREADS = 4096;
const MIN_THREAD_CHUNK = 32;
const MAX_SPLIT = 256;
/** From this many outputs on, one invocation per output (see makePass). */
const THREAD_ROWS = 256;

interface Dim { size: number; stride: number }

/** Kept and reduced dims of `shape` (row-major strides), merged where adjacent and of one kind; size-1 dims dropped. */
function collapseDims(shape: readonly number[], axes: ReadonlySet<number>): { kept: Dim[]; red: Dim[]; last: 'kept' | 'red' | null } {
  const strides = stridesOf(shape);
  const groups: Array<Dim & { red: boolean }> = [];
  shape.forEach((size, i) => {
    if (size === 1) return;
    const red = axes.has(i);
    const g = groups[groups.length - 1];
    if (g !== undefined && g.red === red) { g.size *= size; g.stride = strides[i]; } else groups.push({ size, stride: strides[i], red });
  });
  const strip = (g: Dim & { red: boolean }): Dim => ({ size: g.size, stride: g.stride });
  const lastG = groups[groups.length - 1];
  return {
    kept: groups.filter((g) => !g.red).map(strip),
    red: groups.filter((g) => g.red).map(strip),
    last: lastG === undefined ? null : lastG.red ? 'red' : 'kept',
  };
}

/** WGSL for the address offset of row-major index `v` over `dims`. */
function indexExpr(v: string, dims: readonly Dim[]): string {
  const terms: string[] = [];
  let inner = 1;
  for (let i = dims.length - 1; i >= 0; i--) {
    const d = dims[i];
    let c = inner === 1 ? v : `(${v} / ${inner}u)`;
    if (i > 0) c = `(${c} % ${d.size}u)`;
    terms.push(d.stride === 1 ? c : `${c} * ${d.stride}u`);
    inner *= d.size;
  }
  return terms.length > 0 ? terms.join(' + ') : '0u';
}

const prod = (dims: readonly Dim[]): number => dims.reduce((p, d) => p * d.size, 1);

/** NaN tests on bits: WGSL lets a compiler assume there is no NaN, so `x != x` is not reliable. */
const NAN_PRELUDE = `fn isnan_(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }
fn isnan4_(x: vec4<f32>) -> vec4<bool> { return (bitcast<vec4<u32>>(x) & vec4<u32>(0x7fffffffu)) > vec4<u32>(0x7f800000u); }`;

/**
 * How values are folded, independent of the pass shape: the accumulator type, its identity, the combine function,
 * how an element is loaded into an accumulator, and how the final accumulator becomes the output value.
 */
interface Fold {
  /** WGSL declarations the functions need (a struct, helpers). */
  decls: string;
  /** Accumulator type of a scalar lane ('f32', 'AV_'...) and of a vec4 of lanes (null: no vec4 form). */
  acc: string;
  accVec: string | null;
  accBytes: number;
  init: string;
  /** WGSL function bodies: `comb_(a, b)` and (with accVec) `combv_(a, b)` are generated from these. */
  combine: (a: string, b: string) => string;
  combineVec: ((a: string, b: string) => string) | null;
  /** An element (WGSL `value`, at reduction index `r`) as an accumulator. */
  load: (value: string, r: string) => string;
  /** The output value of a (scalar or vec4) accumulator. */
  finish: (acc: string, vec: boolean) => string;
}

/** One pass of the reduction: which shape of pass, its source and target, and its index math. */
interface Pass {
  mode: 'thread' | 'group';
  /** vec4 lanes: none, four reduced values ('reduce'), or four neighbouring outputs ('output'). */
  lanes: 'none' | 'reduce' | 'output';
  /**
   * A pass folds `unroll` values per loop iteration into as many accumulators: consecutive values of one row
   * ('reduce'), or (thread passes) one value of each of `unroll` neighbouring outputs that one invocation computes.
   */
  unroll: number;
  unrollKind: 'reduce' | 'output';
  /** Outputs (vec4 outputs with lanes 'output') and reduction length (in loads) of this pass. */
  n: number;
  len: number;
  /** Chunks the reduction is cut into, and loads per chunk. */
  split: number;
  chunk: number;
  base: (o: string) => string;
  roff: (r: string) => string;
  /** Reads elements of the input (applying fold.load) or accumulators of a previous pass. */
  source: 'input' | 'partials';
  /** Writes finished outputs, or accumulators to scratch: laid out [n][split] for group passes, [split][n] for thread. */
  target: 'output' | 'partials';
}

/** Splits `len` loads into chunks (a multiple of `align`) so there are about `target` workers for `workers` rows. */
function splitFor(workers: number, len: number, target: number, min: number, align: number): { split: number; chunk: number } {
  const want = Math.max(1, Math.min(Math.ceil(target / Math.max(workers, 1)), Math.ceil(len / min), MAX_SPLIT));
  const chunk = Math.max(align, Math.ceil(len / want / align) * align);
  return { split: Math.max(1, Math.ceil(len / chunk)), chunk };
}

/** The largest of 4, 2, 1 that divides `size`. */
const unrollFor = (size: number): number => (size % 4 === 0 ? 4 : size % 2 === 0 ? 2 : 1);

/**
 * A pass over `kept` x `red` (already in units of its loads). Thread passes for short rows, for column reductions
 * (innermost dim kept) and when there are rows enough to fill the device with one invocation each; group passes for
 * few long rows. On llvmpipe a workgroup's barriers and tree cost more than they save once there are THREAD_ROWS rows
 * ([1024, 1000] mean: 1.0 ms with a thread per row, 3.1 ms with a workgroup per row).
 */
function makePass(kept: Dim[], red: Dim[], last: 'kept' | 'red' | null, lanes: Pass['lanes'], source: Pass['source'], canSplit: boolean): Pass {
  const n = prod(kept), len = prod(red);
  const mode: Pass['mode'] = len <= SMALL_ROW || last !== 'red' || n >= THREAD_ROWS ? 'thread' : 'group';
  // Several loads per iteration: llvmpipe pays its loop overhead (bounds, masks) per iteration, and one accumulator
  // chains every load on the previous add ([4096, 256] column sum: 4.5 ms one column per invocation, 0.5 ms four).
  let unroll = 1;
  let unrollKind: Pass['unrollKind'] = 'reduce';
  if (last === 'red') unroll = unrollFor(red[red.length - 1].size);
  if (mode === 'thread' && last === 'kept') { unrollKind = 'output'; unroll = unrollFor(kept[kept.length - 1].size); }
  const workers = unrollKind === 'output' ? n / unroll : n;
  const { split, chunk } = len === 0 || !canSplit ? { split: 1, chunk: Math.max(len, 1) }
    : mode === 'group' ? splitFor(workers, len, TARGET_GROUPS, MIN_GROUP_CHUNK, unroll)
      : splitFor(workers, len, TARGET_THREADS, MIN_THREAD_CHUNK, unrollKind === 'reduce' ? unroll : 1);
  return {
    mode, lanes, unroll, unrollKind, n, len, split, chunk,
    base: (o) => indexExpr(o, kept), roff: (r) => indexExpr(r, red),
    source, target: split > 1 ? 'partials' : 'output',
  };
}

/** The passes that reduce `inShape` over `axes`; `vecOk` is false when the fold has no vec4 form. */
function planReduce(inShape: readonly number[], axes: ReadonlySet<number>, vecOk: boolean): Pass[] {
  const { kept, red, last } = collapseDims(inShape, axes);
  // vec4 when the innermost dim has a size that is a multiple of 4: then every stride but its own is too.
  let lanes: Pass['lanes'] = 'none';
  const inner = last === 'red' ? red[red.length - 1] : last === 'kept' ? kept[kept.length - 1] : undefined;
  if (vecOk && prod(red) > 0 && inner !== undefined && inner.size % 4 === 0) {
    lanes = last === 'red' ? 'reduce' : 'output';
    for (const d of [...kept, ...red]) d.stride = d === inner ? 1 : d.stride / 4;
    inner.size /= 4;
  }
  const first = makePass(kept, red, last, lanes, 'input', true);
  if (first.split === 1) return [first];
  // Pass 2 folds the partials: [n][split] rows after a group pass, [split][n] columns after a thread pass.
  const n = first.n, split = first.split;
  const second = first.mode === 'group'
    ? makePass([{ size: n, stride: split }], [{ size: split, stride: 1 }], 'red', 'none', 'partials', false)
    : makePass([{ size: n, stride: 1 }], [{ size: split, stride: n }], 'kept', lanes === 'output' ? 'output' : 'none', 'partials', false);
  return [first, second];
}

/**
 * The passes a reduction of `shape` over `axes` gets, in words (`group lanes:reduce unroll:reduce4 split:37`), so tests
 * can check that their shapes cover every kind of pass. `vecOk` false: a fold with no vec4 form (ArgMax).
 */
export function describeReducePlan(shape: readonly number[], axes: readonly number[], vecOk = true): string[] {
  return planReduce(shape, new Set(axes), vecOk).map((p) => `${p.mode} lanes:${p.lanes} unroll:${p.unrollKind}${p.unroll} split:${p.split}`);
}

/** The shader of one pass. Bindings: 0 the source, 1 the target. */
function passDispatch(p: Pass, fold: Fold, inT: string, outT: string): GpuDispatch {
  const vecIn = p.lanes !== 'none';
  const laneAcc = p.lanes === 'output' ? fold.accVec! : fold.acc;
  const loopAcc = vecIn ? fold.accVec! : fold.acc;
  const srcT = p.source === 'input' ? (vecIn ? `vec4<${inT}>` : inT) : laneAcc;
  const dstT = p.target === 'output' ? (p.lanes === 'output' ? `vec4<${outT}>` : outT) : laneAcc;
  const load = (addr: string, r: string): string => (p.source === 'partials' ? `src[${addr}]` : fold.load(`src[${addr}]`, r));
  const fns = [`fn comb_(a: ${fold.acc}, b: ${fold.acc}) -> ${fold.acc} { return ${fold.combine('a', 'b')}; }`];
  if (fold.accVec !== null) fns.push(`fn combv_(a: ${fold.accVec}, b: ${fold.accVec}) -> ${fold.accVec} { return ${fold.combineVec!('a', 'b')}; }`);
  const comb = vecIn ? 'combv_' : 'comb_';
  const init = vecIn ? `${loopAcc}(${fold.init})` : fold.init;
  // With 'reduce' lanes the four lanes are folded into one scalar accumulator after the loop.
  const horizontal = (a: string): string => (p.lanes === 'reduce' ? `comb_(comb_(${a}.x, ${a}.y), comb_(${a}.z, ${a}.w))` : a);
  const store = (o: string, c: string, h: string): string => (p.target === 'output'
    ? `dst[${o}] = ${fold.finish(h, p.lanes === 'output')};`
    : p.mode === 'group' ? `dst[${o} * ${p.split}u + ${c}] = ${h};` : `dst[${c} * ${p.n}u + ${o}] = ${h};`);
  const range = p.split === 1
    ? { r0: '0u', r1: `${p.len}u` }
    : { r0: `c * ${p.chunk}u`, r1: `min(c * ${p.chunk}u + ${p.chunk}u, ${p.len}u)` };
  const head = `${binding(0, 'src', srcT)}
${binding(1, 'dst', dstT, true)}
${fold.decls}
${fns.join('\n')}`;
  const u = p.unroll;
  const ks = [...Array(u).keys()];
  // Values r .. r + u - 1 are neighbours in the innermost reduced dim: u divides its size, and every chunk and
  // sub-range starts at a multiple of u and ends at one (or at the row's end), so no iteration crosses a row.
  const unrolledLoads = `let a = base + ${p.roff('r')};
    ${ks.map((k) => `acc${k} = ${comb}(acc${k}, ${load(k === 0 ? 'a' : `a + ${k}u`, k === 0 ? 'r' : `r + ${k}u`)});`).join('\n    ')}`;
  const pairUp = (xs: string[]): string => (xs.length === 1 ? xs[0] : `${comb}(${pairUp(xs.slice(0, xs.length / 2))}, ${pairUp(xs.slice(xs.length / 2))})`);
  const foldAccs = pairUp(ks.map((k) => `acc${k}`));
  const accDecls = ks.map((k) => `var acc${k}: ${loopAcc} = ${init};`).join(' ');
  if (p.mode === 'thread') {
    const outs = p.unrollKind === 'output' ? p.n / u : p.n;
    const workers = outs * p.split;
    const g = grid(workers);
    let loop: string;
    let result: string;
    let stores: string;
    if (p.unrollKind === 'output') {
      // Outputs o .. o + u - 1 are neighbours in the innermost kept dim (u divides it): addresses base(o) + k.
      loop = `for (var r = ${range.r0}; r < ${range.r1}; r++) {
    let a = base + ${p.roff('r')};
    ${ks.map((k) => `acc${k} = ${comb}(acc${k}, ${load(k === 0 ? 'a' : `a + ${k}u`, 'r')});`).join('\n    ')}
  }`;
      result = '';
      stores = ks.map((k) => store(k === 0 ? 'o' : `o + ${k}u`, 'c', horizontal(`acc${k}`))).join('\n  ');
    } else {
      loop = `for (var r = ${range.r0}; r < ${range.r1}; r += ${u}u) {
    ${unrolledLoads}
  }`;
      result = `let acc = ${foldAccs};`;
      stores = store('o', 'c', horizontal('acc'));
    }
    // Invocation t works on output t % n, chunk t / n: neighbouring invocations read neighbouring columns.
    const code = `${head}
@compute @workgroup_size(${WG}) fn main(@builtin(global_invocation_id) gid: vec3u) {
  let t = ${g.flatIndex};
  if (t >= ${workers}u) { return; }
  let o = ${p.split === 1 ? 't' : `t % ${outs}u`}${p.unrollKind === 'output' && u > 1 ? ` * ${u}u` : ''};
  let c = ${p.split === 1 ? '0u' : `t / ${outs}u`};
  let base = ${p.base('o')};
  ${accDecls}
  ${loop}
  ${result}
  ${stores}
}`;
    return { code, bindings: [], workgroups: g.workgroups };
  }
  // Group pass: workgroup g works on output g / split, chunk g % split.
  const w = GROUP_WG;
  const workers = p.n * p.split;
  // Each block of LANES invocations takes a contiguous sub-range of the chunk, its lanes interleaved: llvmpipe runs a
  // workgroup's SIMD blocks one after another, so a block must read dense memory (a plain stride-w loop, where each
  // block uses 1/8 of every cache line it loads, measured 4x slower); GPUs still see LANES-wide contiguous loads.
  const sub = Math.ceil(p.chunk / (w / LANES) / (LANES * u)) * LANES * u;
  const folded = workers > 65535;
  const workgroups: [number, number, number] = folded ? [65535, Math.ceil(workers / 65535), 1] : [workers, 1, 1];
  const tree: string[] = [];
  for (let s = w / 2; s >= 1; s /= 2) tree.push(`if (lid < ${s}u) { sh_[lid] = comb_(sh_[lid], sh_[lid + ${s}u]); }\n  workgroupBarrier();`);
  const code = `${head}
var<workgroup> sh_: array<${fold.acc}, ${w}>;
@compute @workgroup_size(${w}) fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let g = ${folded ? 'wid.x + wid.y * 65535u' : 'wid.x'};
  if (g >= ${workers}u) { return; }
  let o = ${p.split === 1 ? 'g' : `g / ${p.split}u`};
  let c = ${p.split === 1 ? '0u' : `g % ${p.split}u`};
  let base = ${p.base('o')};
  ${accDecls}
  let b0 = ${range.r0} + (lid / ${LANES}u) * ${sub}u;
  let b1 = min(b0 + ${sub}u, ${range.r1});
  for (var r = b0 + (lid % ${LANES}u) * ${u}u; r < b1; r += ${LANES * u}u) {
    ${unrolledLoads}
  }
  let acc = ${foldAccs};
  sh_[lid] = ${horizontal('acc')};
  workgroupBarrier();
  ${tree.join('\n  ')}
  if (lid == 0u) {
    ${store('o', 'c', 'sh_[0]')}
  }
}`;
  return { code, bindings: [], workgroups };
}

/** Dispatches for a planned reduction: bindings input 0 -> (scratch 0 ->) output 0. */
function reduceDispatches(passes: Pass[], fold: Fold, inT: string, outT: string): GpuDispatch[] {
  const [first, second] = passes;
  const d1 = passDispatch(first, fold, inT, outT);
  if (second === undefined) return [{ ...d1, bindings: [{ input: 0 }, { output: 0 }] }];
  const lanes = first.lanes === 'output' ? 4 : 1;
  const scratch: GpuBinding = { scratch: 0, bytes: first.n * first.split * fold.accBytes * lanes };
  const d2 = passDispatch(second, fold, inT, outT);
  return [{ ...d1, bindings: [{ input: 0 }, scratch] }, { ...d2, bindings: [scratch, { output: 0 }] }];
}

/** Sum, Mean, Max, Min, Prod, All, Any over `axes` (normalised): the reduction op's GPU kernel. */
export function reduceGpu(k: GpuKernelContext, axes: readonly number[], spec: ReduceWgsl): GpuKernel {
  const x = k.inputs[0], out = k.outputs[0];
  if (out.size === 0) return { dispatches: [] };
  const axisSet = new Set(axes);
  const len = axes.reduce((p, a) => p * x.shape[a], 1);
  // One value per output: the output's bytes are the input's, in order (a reduction over size-1 axes, or none).
  if (len === 1) return { dispatches: [], alias: { 0: 0 } };
  const t = wgslType(x.dtype);
  const isFloat = t === 'f32';
  let finish: Fold['finish'] = (a) => a;
  if (spec.mean) {
    if (len === 0) finish = () => (isFloat ? literal(NaN, 'float32') : '0i'); // 0/0: NaN, or 0 once cast to an integer
    else finish = (a, vec) => (isFloat ? `${a} / ${vec ? `vec4<f32>(${literal(len, 'float32')})` : literal(len, 'float32')}` : `${a} / ${len}i`);
  }
  const fold: Fold = {
    decls: isFloat ? NAN_PRELUDE : '',
    acc: t, accVec: `vec4<${t}>`, accBytes: 4,
    // int64 is i32 on the GPU: the reference's int64 identities (+-2^53) become the i32 extremes.
    init: literal(x.dtype === 'int64' ? Math.max(-2147483648, Math.min(2147483647, spec.identity(x.dtype))) : spec.identity(x.dtype), x.dtype),
    combine: (a, b) => spec.combine(a, b, t, false),
    combineVec: (a, b) => spec.combine(a, b, t, true),
    load: (v) => v,
    finish,
  };
  return { dispatches: reduceDispatches(planReduce(x.shape, axisSet, true), fold, t, t) };
}

/**
 * ArgMax/ArgMin over `axis`: the first extreme wins and a NaN beats every number (the first NaN), as in the reference
 * kernel. Partial results carry (value, index); the combine picks by (NaN, value, lower index), so it does not depend on
 * the order partials are combined in.
 */
export function argReduceGpu(k: GpuKernelContext, axis: number, max: boolean): GpuKernel {
  const x = k.inputs[0], out = k.outputs[0];
  if (out.size === 0) return { dispatches: [] };
  const t = wgslType(x.dtype);
  const better = max ? '>' : '<';
  // (WGSL's select takes no structs.)
  const nanCase = t === 'f32' ? `let an = isnan_(a.v); let bn = isnan_(b.v);
  if (an || bn) { if (bn && (!an || b.i < a.i)) { return b; } return a; }\n  ` : '';
  const fold: Fold = {
    decls: `${t === 'f32' ? NAN_PRELUDE : ''}
struct AV_ { v: ${t}, i: i32 }
fn pick_(a: AV_, b: AV_) -> AV_ {
  ${nanCase}if (b.v ${better} a.v || (b.v == a.v && b.i < a.i)) { return b; }
  return a;
}`,
    acc: 'AV_', accVec: null, accBytes: 8,
    init: `AV_(${literal(max ? lowestOf(x.dtype) : highestOf(x.dtype), x.dtype)}, 2147483647)`,
    combine: (a, b) => `pick_(${a}, ${b})`,
    combineVec: null,
    load: (v, r) => `AV_(${v}, i32(${r}))`,
    finish: (a) => `${a}.i`,
  };
  return { dispatches: reduceDispatches(planReduce(x.shape, new Set([axis]), false), fold, t, 'i32') };
}

function lowestOf(dt: DType): number { return dt === 'float32' ? -Infinity : -2147483648; }
function highestOf(dt: DType): number { return dt === 'float32' ? Infinity : 2147483647; }
