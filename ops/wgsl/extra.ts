// GPU kernels of the ops in ops/array_extra.ts, ops/math_extra.ts and ops/segment.ts. Most are index math in the
// style of wgsl/array.ts: one thread per output element, its coordinates decoded with the shapes baked into the
// shader text, the source element's flat index computed from them (`coordKernel`). The rest scan: a cumulative sum,
// a top-k rank, a segment reduction, each thread looping over the values it needs (no float atomics in WGSL). Loops
// stay under the 65,535 iterations llvmpipe allows one loop; larger scans are refused by name.
import { UnimplementedError } from '../../graph/errors.js';
import { stridesOf } from '../../graph/shape.js';
import { binding, GpuBinding, GpuKernel, GpuKernelContext, literal, wgslType } from '../gpu.js';
import { dispatch } from './array.js';

const u = (n: number): string => `${n}u`;

/** The longest loop one invocation may run on llvmpipe. */
const MAX_LOOP = 65535;

export function checkLoop(k: GpuKernelContext, n: number, what: string): void {
  if (n > MAX_LOOP) throw new UnimplementedError(`${k.type} node '${k.name}': the webgpu kernel scans at most ${MAX_LOOP} ${what}, got ${n}; use executor: 'cpu'`);
}

/** `let c0 = ...; let c1 = ...;` (i32) decoding flat index `idx` of a row-major `shape`. */
export function coordLets(idx: string, shape: readonly number[], prefix = 'c'): string {
  const strides = stridesOf(shape);
  return shape.map((n, d) => {
    const q = strides[d] === 1 ? idx : `(${idx} / ${u(strides[d])})`;
    return `let ${prefix}${d} = i32(${d === 0 ? q : `${q} % ${u(n)}`});`;
  }).join('\n  ');
}

/** The i32 flat index of coordinates `coords` (WGSL i32 expressions) in a row-major `shape`. */
export function flatIndex(shape: readonly number[], coords: readonly string[]): string {
  const strides = stridesOf(shape);
  const terms = coords.map((c, d) => (shape[d] === 1 ? null : strides[d] === 1 ? `(${c})` : `(${c}) * ${strides[d]}`)).filter((t) => t !== null);
  return terms.length === 0 ? '0' : terms.join(' + ');
}

/**
 * One thread per element of output 0: `body(c)` gets the output coordinates' names (i32 lets c0, c1, ...) and returns
 * WGSL statements that end by storing `y[i]`. The inputs listed are bound as `in<j>` for input j. With `check`, a
 * `status` binding too: a statement setting `status[0] = 1u` fails the run with that message.
 */
export function coordKernel(k: GpuKernelContext, inputs: readonly number[], body: (c: string[]) => string, check?: string): GpuKernel {
  const out = k.outputs[0];
  if (out.size === 0) return { dispatches: [] };
  const decls: string[] = [];
  const bindings: GpuBinding[] = [];
  for (const j of inputs) {
    decls.push(binding(bindings.length, `in${j}`, wgslType(k.inputs[j].dtype)));
    bindings.push({ input: j });
  }
  decls.push(binding(bindings.length, 'y', wgslType(out.dtype), true));
  bindings.push({ output: 0 });
  if (check !== undefined) {
    decls.push(binding(bindings.length, 'status', 'u32', true));
    bindings.push({ status: true });
  }
  const c = out.shape.map((_, d) => `c${d}`);
  const code = `${coordLets('i', out.shape)}\n  ${body(c)}`;
  return { dispatches: [dispatch(decls, out.size, code, bindings)], check: check === undefined ? undefined : () => check };
}

/** Cumsum / Cumprod along `axis`: each thread folds the values before (or after, reversed) its own along the axis. */
export function scanKernel(k: GpuKernelContext, axis: number, exclusive: boolean, reverse: boolean, prod: boolean): GpuKernel {
  const x = k.inputs[0];
  const n = x.shape[axis] ?? 1;
  checkLoop(k, n, 'values along the axis');
  const stride = stridesOf(x.shape)[axis] ?? 1;
  const t = wgslType(x.dtype);
  const from = reverse ? (exclusive ? 'p + 1' : 'p') : '0';
  const to = reverse ? `${n}` : exclusive ? 'p' : 'p + 1';
  return coordKernel(k, [0], (c) => `let p = ${c[axis] ?? '0'};
  let base = i32(i) - p * ${stride};
  var acc = ${literal(prod ? 1 : 0, x.dtype)};
  for (var j = ${from}; j < ${to}; j = j + 1) { acc = acc ${prod ? '*' : '+'} in0[base + j * ${stride}]; }
  y[i] = ${t}(acc);`);
}

/** L2Loss: one workgroup; each of 64 threads sums the squares of a strided share, then a tree sum in workgroup memory. */
export function sumSquaresKernel(k: GpuKernelContext): GpuKernel {
  const n = k.inputs[0].size;
  const per = Math.ceil(n / 64);
  checkLoop(k, per, 'values per thread');
  const code = `${binding(0, 'x', 'f32')}
${binding(1, 'y', 'f32', true)}
var<workgroup> part: array<f32, 64>;
@compute @workgroup_size(64) fn main(@builtin(local_invocation_index) l: u32) {
  var s = 0.0;
  for (var j = l; j < ${u(n)}; j = j + 64u) { let v = x[j]; s = s + v * v; }
  part[l] = s;
  workgroupBarrier();
  for (var w = 32u; w > 0u; w = w / 2u) {
    if (l < w) { part[l] = part[l] + part[l + w]; }
    workgroupBarrier();
  }
  if (l == 0u) { y[0] = part[0] * 0.5; }
}`;
  return { dispatches: [{ code, bindings: [{ input: 0 }, { output: 0 }], workgroups: [1, 1, 1] }] };
}

/** How a segment reduction folds: its identity, the fold, and what an empty segment gets. */
export interface SegmentFold {
  init: string;
  combine: (acc: string, v: string) => string;
  /** The value of a segment no id names. */
  empty: string;
  mean?: boolean;
}

/**
 * The segment reductions on the GPU (no float atomics in WGSL): one thread per output element scans the ids and folds
 * the data rows whose id is its segment. A negative id is dropped; one at or past the segments sets the status.
 */
export function segmentReduceKernel(k: GpuKernelContext, fold: SegmentFold): GpuKernel {
  const [data, ids] = k.inputs;
  const out = k.outputs[0];
  const m = ids.size;
  const segments = out.shape[0];
  checkLoop(k, m, 'segment ids');
  const inner = out.shape.slice(1).reduce((a, b) => a * b, 1);
  const t = wgslType(out.dtype);
  const check = `${k.type} node '${k.name}': a segment id is out of range [0, ${segments})`;
  if (m === 0) return coordKernel(k, [], () => `y[i] = ${fold.empty};`);
  return coordKernel(k, [0, 1], () => `let s = i32(i / ${u(inner)});
  let r = i % ${u(inner)};
  var acc: ${t} = ${fold.init};
  var n = 0u;
  for (var j = 0u; j < ${u(m)}; j = j + 1u) {
    let id = in1[j];
    if (id >= ${segments}) { status[0] = 1u; }
    if (id == s) { acc = ${fold.combine('acc', `in0[j * ${u(inner)} + r]`)}; n = n + 1u; }
  }
  y[i] = select(${fold.mean ? `acc / ${t}(n)` : 'acc'}, ${fold.empty}, n == 0u);`, check);
}
