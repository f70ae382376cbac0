// TF's ops that rank or pick elements: TopKV2, InTopKV2, NthElement (nn_ops.cc), Where, Unique, UniqueWithCounts
// (array_ops.cc) and HistogramFixedWidth (math_ops.cc). Where and Unique have output shapes that depend on the values,
// so the webgpu executor, which sizes every buffer when it compiles a plan, refuses them by name when their input is
// only known at run time (and folds them on the host when it is known).
import { DType, isFloat } from '../graph/dtypes.js';
import { UnimplementedError } from '../graph/errors.js';
import { NDArray } from '../graph/ndarray.js';
import { formatShape, stridesOf } from '../graph/shape.js';
import { Tensor } from '../graph/tensor.js';
import { checkIndexInput, expandDims, kernelError, out1, reshape } from './array.js';
import { scatterNd } from './array_extra.js';
import { empty } from './cpu.js';
import { binding, GpuKernel, GpuKernelContext, literal, wgslType } from './gpu.js';
import { add, cast, equal, mul, realDiv, reduceSum } from './math.js';
import { addOp, defineOp, OutputSpec, ShapeContext } from './registry.js';
import { constant, convertToTensor, NameOpt, TensorLike } from './values.js';
import { dispatch } from './wgsl/array.js';
import { checkLoop, coordKernel } from './wgsl/extra.js';

const REAL: readonly DType[] = ['float32', 'float64', 'int32', 'int64'];

function checkReal(c: ShapeContext, i: number, what: string): void {
  const t = c.inputs[i];
  if (!REAL.includes(t.dtype)) c.fail(`${what} '${t.name}' has dtype ${t.dtype}; allowed: ${REAL.join(', ')}`);
}

/** The rows of the last dim: [rows, n]. */
function rowsOf(shape: readonly number[]): [number, number] {
  const n = shape[shape.length - 1];
  return [n === 0 ? 0 : shape.reduce((a, b) => a * b, 1) / n, n];
}

/** TopKV2's index_type: int32 unless a graph TF 2.x wrote says otherwise. */
const indexType = (attrs: Readonly<Record<string, unknown>>): DType => (attrs.index_type as DType | undefined) ?? 'int32';

/** TF's order for top-k: larger first, the lower index first among equal values. */
const before = (d: ArrayLike<number>, a: number, b: number): boolean => d[a] > d[b] || (d[a] === d[b] && a < b);

// ---- TopKV2 -------------------------------------------------------------------------------------------------------

/**
 * TopKV2 with sorted=false gives the k largest in an order TF leaves unspecified; graphs TF wrote record the order its
 * CPU kernel gives (gtl::TopN's heap over libstdc++'s heap algorithms), so the reference reproduces it: the indices
 * pushed in order, heapified once k + 1 are held, then each better one pushed and the worst popped.
 */
function topNUnsorted(row: ArrayLike<number>, k: number): number[] {
  // The heap's "less": a before b when a is better (TF's stable order), so the heap's front is the worst kept.
  const less = (a: number, b: number): boolean => before(row, a, b);
  const siftUp = (h: number[], hole: number, top: number, v: number): void => {
    let p = Math.floor((hole - 1) / 2);
    while (hole > top && less(h[p], v)) { h[hole] = h[p]; hole = p; p = Math.floor((hole - 1) / 2); }
    h[hole] = v;
  };
  const adjust = (h: number[], hole: number, len: number, v: number): void => {
    const top = hole;
    let child = hole;
    while (child < Math.floor((len - 1) / 2)) {
      child = 2 * (child + 1);
      if (less(h[child], h[child - 1])) child--;
      h[hole] = h[child]; hole = child;
    }
    if ((len & 1) === 0 && child === Math.floor((len - 2) / 2)) {
      child = 2 * (child + 1);
      h[hole] = h[child - 1]; hole = child - 1;
    }
    siftUp(h, hole, top, v);
  };
  const popHeap = (h: number[]): void => {
    const len = h.length;
    if (len > 1) { const v = h[len - 1]; h[len - 1] = h[0]; adjust(h, 0, len - 1, v); }
    h.pop();
  };
  const h: number[] = [];
  let heap = false;
  for (let c = 0; c < row.length; c++) {
    if (!heap) {
      h.push(c);
      if (h.length === k + 1) {
        for (let p = Math.floor((h.length - 2) / 2); p >= 0; p--) adjust(h, p, h.length, h[p]);
        popHeap(h);
        heap = true;
      }
    } else if (less(c, h[0])) {
      h.push(c);
      siftUp(h, h.length - 1, 0, c);
      popHeap(h);
    }
  }
  return h;
}

defineOp({
  type: 'TopKV2',
  inputs: ['input', 'k'],
  // TF 2.x added Tk and index_type (k's and the indices' dtypes, int32 by default); TF 1.x refuses a NodeDef that carries
  // them, so they are not declared (Kiln would write them into every GraphDef). A graph TF 2.x wrote keeps them: read here.
  attrs: { sorted: { type: 'bool', default: true }, T: { type: 'type' } },
  shape: (c) => {
    checkReal(c, 0, 'input');
    checkIndexInput(c, 1, 'k', 0);
    const x = c.inputs[0];
    const it = indexType(c.attrs);
    if (it !== 'int32' && it !== 'int64') c.fail(`index_type must be int32 or int64, got ${it}`);
    const kv = c.constValue(1);
    if (kv !== null && kv.data[0] < 0) c.fail(`Need k >= 0, got ${kv.data[0]}`);
    if (x.shape === null) return [{ dtype: x.dtype, shape: null }, { dtype: it, shape: null }];
    if (x.shape.length < 1) c.fail(`input must be at least 1-D, got shape ${formatShape(x.shape)}`);
    const n = x.shape[x.shape.length - 1];
    if (kv !== null && n !== null && n < kv.data[0]) c.fail(`input must have at least k columns. Had ${n}, needed ${kv.data[0]}`);
    const s = [...x.shape.slice(0, -1), kv === null ? null : kv.data[0]];
    return [{ dtype: x.dtype, shape: s }, { dtype: it, shape: s }];
  },
  cpu: ([x, kt], attrs, ctx) => {
    const k = kt.data[0];
    if (x.rank < 1) throw kernelError('TopKV2', ctx.name, `input must be at least 1-D, got shape ${formatShape(x.shape)}`);
    const [rows, n] = rowsOf(x.shape);
    if (k < 0 || n < k) throw kernelError('TopKV2', ctx.name, `input must have at least k columns. Had ${n}, needed ${k}`);
    const shape = [...x.shape.slice(0, -1), k];
    const values = empty(x.dtype, shape), indices = empty(indexType(attrs), shape);
    for (let r = 0; r < rows; r++) {
      const row = x.data.subarray(r * n, (r + 1) * n);
      const order = attrs.sorted || k === 1 || k === n
        ? Array.from({ length: n }, (_, j) => j).sort((a, b) => (before(row, a, b) ? -1 : before(row, b, a) ? 1 : 0))
        : topNUnsorted(row, k);
      for (let j = 0; j < k; j++) { values.data[r * k + j] = row[order[j]]; indices.data[r * k + j] = order[j]; }
    }
    return [values, indices];
  },
  gpu: topKGpu,
  // TF's _TopKGrad: the values' gradient scattered back to where they came from; none for k.
  grad: (op, [g]) => {
    const x = op.inputs[0];
    const idx = op.outputs[1];
    if (x.shape === null || idx.shape === null || x.shape.some((d) => d === null) || idx.shape.some((d) => d === null)) {
      throw new UnimplementedError(`The gradient of TopKV2 node '${op.name}' needs the shapes of its input and output known while building`);
    }
    const [rows, n] = rowsOf(x.shape as number[]);
    const k = idx.shape[idx.shape.length - 1] as number;
    const offsets = constant(Int32Array.from({ length: rows }, (_, r) => r * n), { dtype: 'int32', shape: [rows, 1] });
    const flat = reshape(idx.dtype === 'int32' ? idx : cast(idx, 'int32'), [rows, k]);
    const at = expandDims(reshape(add(flat, offsets), [-1]), -1);
    return [reshape(scatterNd(at, reshape(g!, [-1]), [rows * n]), x.shape as number[]), null];
  },
});

/**
 * TopKV2 on the GPU: one thread per input element counts the elements of its row that come before it (TF's order),
 * which is its rank; the elements ranked under k write themselves at their rank. Ranks are a permutation, so every
 * output slot is written exactly once.
 */
function topKGpu(k: GpuKernelContext): GpuKernel {
  const x = k.inputs[0];
  const [rows, n] = rowsOf(x.shape);
  const kk = k.outputs[0].shape[k.outputs[0].shape.length - 1];
  if (rows * n === 0 || kk === 0) return { dispatches: [] };
  checkLoop(k, n, 'values per row');
  const t = wgslType(x.dtype);
  const decls = [binding(0, 'x', t), binding(1, 'values', t, true), binding(2, 'indices', 'i32', true)];
  if (!(k.attrs.sorted as boolean) && kk !== 1 && kk !== n) return topNUnsortedGpu(k, decls, rows, n, kk);
  const body = `let r = i / ${n}u;
  let j = i % ${n}u;
  let base = r * ${n}u;
  let v = x[i];
  var rank = 0u;
  for (var m = 0u; m < ${n}u; m = m + 1u) {
    let w = x[base + m];
    if (w > v || (w == v && m < j)) { rank = rank + 1u; }
  }
  if (rank < ${kk}u) { values[r * ${kk}u + rank] = v; indices[r * ${kk}u + rank] = i32(j); }`;
  return { dispatches: [dispatch(decls, rows * n, body, [{ input: 0 }, { output: 0 }, { output: 1 }])] };
}

/** Largest k for the unsorted order on the GPU: its heap lives in each invocation's private memory. */
const MAX_HEAP_K = 1024;

/** TopKV2 with sorted=false on the GPU: one thread per row runs the reference's heap (topNUnsorted), line for line. */
function topNUnsortedGpu(k: GpuKernelContext, decls: string[], rows: number, n: number, kk: number): GpuKernel {
  if (kk > MAX_HEAP_K) throw new UnimplementedError(`TopKV2 node '${k.name}': with sorted=false the webgpu kernel keeps at most k = ${MAX_HEAP_K}, got ${kk}; use sorted=true or executor: 'cpu'`);
  const code = `${decls.join('\n')}
var<private> h: array<i32, ${kk + 1}>;
var<private> base: u32;
fn less_(a: i32, b: i32) -> bool { let va = x[base + u32(a)]; let vb = x[base + u32(b)]; return va > vb || (va == vb && a < b); }
fn siftUp_(hole0: i32, top: i32, v: i32) {
  var hole = hole0;
  loop {
    if (hole <= top) { break; }
    let p = (hole - 1) / 2;
    if (!less_(h[p], v)) { break; }
    h[hole] = h[p]; hole = p;
  }
  h[hole] = v;
}
fn adjust_(hole0: i32, len: i32, v: i32) {
  var hole = hole0; var child = hole0;
  loop {
    if (child >= (len - 1) / 2) { break; }
    child = 2 * (child + 1);
    if (less_(h[child], h[child - 1])) { child = child - 1; }
    h[hole] = h[child]; hole = child;
  }
  if ((len & 1) == 0 && child == (len - 2) / 2) { child = 2 * (child + 1); h[hole] = h[child - 1]; hole = child - 1; }
  siftUp_(hole, hole0, v);
}
fn popHeap_(len: i32) -> i32 {
  if (len > 1) { let v = h[len - 1]; h[len - 1] = h[0]; adjust_(0, len - 1, v); }
  return len - 1;
}
@compute @workgroup_size(64) fn main(@builtin(global_invocation_id) gid: vec3u) {
  let r = gid.x;
  if (r >= ${rows}u) { return; }
  base = r * ${n}u;
  var len = 0;
  var heap = false;
  for (var c = 0; c < ${n}; c = c + 1) {
    if (!heap) {
      h[len] = c; len = len + 1;
      if (len == ${kk + 1}) {
        for (var p = (len - 2) / 2; p >= 0; p = p - 1) { adjust_(p, len, h[p]); }
        len = popHeap_(len);
        heap = true;
      }
    } else if (less_(c, h[0])) {
      h[len] = c; len = len + 1;
      siftUp_(len - 1, 0, c);
      len = popHeap_(len);
    }
  }
  for (var j = 0u; j < ${kk}u; j = j + 1u) { values[r * ${kk}u + j] = x[base + u32(h[j])]; indices[r * ${kk}u + j] = h[j]; }
}`;
  if (rows > 65535 * 64) throw new UnimplementedError(`TopKV2 node '${k.name}': the webgpu kernel takes at most ${65535 * 64} rows, got ${rows}`);
  return { dispatches: [{ code, bindings: [{ input: 0 }, { output: 0 }, { output: 1 }], workgroups: [Math.ceil(rows / 64), 1, 1] }] };
}

/** `tf.nn.topK(input, k = 1, {sorted?})` (TopKV2): the k largest values of the last dim and their indices. */
export function topK(input: TensorLike, k: number | Tensor = 1, opts: NameOpt & { sorted?: boolean } = {}): [Tensor, Tensor] {
  const x = convertToTensor(input);
  const kt = k instanceof Tensor ? k : constant(k, { dtype: 'int32', name: `${opts.name ?? 'TopKV2'}/k`, graph: x.graph });
  const op = addOp('TopKV2', [x, kt], { T: x.dtype, sorted: opts.sorted ?? true }, { name: opts.name ?? 'TopKV2' });
  return [op.outputs[0], op.outputs[1]];
}

// ---- InTopKV2 -----------------------------------------------------------------------------------------------------

defineOp({
  type: 'InTopKV2',
  inputs: ['predictions', 'targets', 'k'],
  attrs: { T: { type: 'type', default: 'int32' } },
  shape: (c) => {
    const [p, t] = c.inputs;
    if (p.dtype !== 'float32') c.fail(`predictions '${p.name}' must be float32, got ${p.dtype}`);
    checkIndexInput(c, 1, 'targets', 1);
    checkIndexInput(c, 2, 'k', 0);
    if (p.shape !== null && p.shape.length !== 2) c.fail(`predictions must be 2-D, got shape ${formatShape(p.shape)}`);
    const b = p.shape?.[0] ?? t.shape?.[0] ?? null;
    if (p.shape !== null && t.shape !== null && p.shape[0] !== null && t.shape[0] !== null && p.shape[0] !== t.shape[0]) {
      c.fail(`First dimension of predictions ${p.shape[0]} must match length of targets ${t.shape[0]}`);
    }
    return out1('bool', [b]);
  },
  // TF's kernel: false for a target out of range or a non-finite prediction, else fewer than k classes score higher.
  cpu: ([p, t, kt], _, ctx) => {
    const [b, n] = p.shape;
    if (t.size !== b) throw kernelError('InTopKV2', ctx.name, `First dimension of predictions ${b} must match length of targets ${t.size}`);
    const out = empty('bool', [b]);
    for (let r = 0; r < b; r++) {
      const target = t.data[r];
      if (target < 0 || target >= n || !Number.isFinite(p.data[r * n + target])) continue;
      const v = p.data[r * n + target];
      let higher = 0;
      for (let j = 0; j < n; j++) if (p.data[r * n + j] > v) higher++;
      out.data[r] = +(higher < kt.data[0]);
    }
    return [out];
  },
  gpu: (k) => {
    const n = k.inputs[0].shape[1];
    checkLoop(k, n, 'classes');
    return coordKernel(k, [0, 1, 2], () => `let t = in1[i];
  var ok = t >= 0 && t < ${n};
  let v = in0[i * ${n}u + u32(clamp(t, 0, ${Math.max(0, n - 1)}))];
  ok = ok && (bitcast<u32>(v) & 0x7f800000u) != 0x7f800000u;
  var higher = 0;
  for (var j = 0u; j < ${n}u; j = j + 1u) { if (in0[i * ${n}u + j] > v) { higher = higher + 1; } }
  y[i] = select(0u, 1u, ok && higher < in2[0]);`);
  },
  grad: 'not-differentiable',
});

/** `tf.nn.inTopK(predictions, targets, k)` (InTopKV2): whether each target is among its row's k highest predictions. */
export function inTopK(predictions: TensorLike, targets: TensorLike, k: number | Tensor, opts: NameOpt = {}): Tensor {
  const p = convertToTensor(predictions);
  const t = convertToTensor(targets, targets instanceof Tensor ? undefined : 'int32');
  const kt = k instanceof Tensor ? k : constant(k, { dtype: t.dtype, name: `${opts.name ?? 'in_top_k'}/k`, graph: p.graph });
  return addOp('InTopKV2', [p, t, kt], { T: t.dtype }, { name: opts.name ?? 'in_top_k/InTopKV2' }).outputs[0];
}

// ---- NthElement ---------------------------------------------------------------------------------------------------

defineOp({
  type: 'NthElement',
  inputs: ['input', 'n'],
  attrs: { reverse: { type: 'bool', default: false }, T: { type: 'type' } },
  shape: (c) => {
    checkReal(c, 0, 'input');
    if (c.inputs[1].dtype !== 'int32') c.fail(`n '${c.inputs[1].name}' must be int32, got ${c.inputs[1].dtype}`);
    const x = c.inputs[0];
    const nv = c.constValue(1);
    if (x.shape === null) return out1(x.dtype, null);
    if (x.shape.length < 1) c.fail(`input must be at least 1-D, got shape ${formatShape(x.shape)}`);
    const last = x.shape[x.shape.length - 1];
    if (nv !== null && (nv.data[0] < 0 || (last !== null && nv.data[0] >= last))) c.fail(`Input must have at least n+1 columns, but got ${last} and n = ${nv.data[0]}`);
    return out1(x.dtype, x.shape.slice(0, -1));
  },
  cpu: ([x, nt], attrs, ctx) => {
    const [rows, m] = rowsOf(x.shape);
    const n = nt.data[0];
    if (x.rank < 1 || n < 0 || n >= m) throw kernelError('NthElement', ctx.name, `Input must have at least n+1 columns, but got ${m} and n = ${n}`);
    const out = empty(x.dtype, x.shape.slice(0, -1));
    for (let r = 0; r < rows; r++) {
      const row = Array.from(x.data.subarray(r * m, (r + 1) * m)).sort((a, b) => (attrs.reverse ? b - a : a - b));
      out.data[r] = row[n];
    }
    return [out];
  },
  // One thread per row: the element with `below <= n < below + equal` (below: the elements ordered before it) is it.
  gpu: (k) => {
    const [, m] = rowsOf(k.inputs[0].shape);
    checkLoop(k, m, 'values per row');
    const cmp = k.attrs.reverse ? '>' : '<';
    return coordKernel(k, [0, 1], () => `let n = in1[0];
  var pick = in0[i * ${m}u];
  for (var j = 0u; j < ${m}u; j = j + 1u) {
    let v = in0[i * ${m}u + j];
    var below = 0; var same = 0;
    for (var q = 0u; q < ${m}u; q = q + 1u) {
      let w = in0[i * ${m}u + q];
      if (w ${cmp} v) { below = below + 1; } else if (w == v) { same = same + 1; }
    }
    if (below <= n && n < below + same) { pick = v; }
  }
  y[i] = pick;`);
  },
  // TF's _NthElementGrad: the gradient shared equally by the elements equal to the result.
  grad: (op, [g]) => {
    const x = op.inputs[0];
    const hits = cast(equal(expandDims(op.outputs[0], -1), x), g!.dtype);
    return [mul(realDiv(hits, reduceSum(hits, -1, true)), expandDims(g!, -1)), null];
  },
});

// ---- Where --------------------------------------------------------------------------------------------------------

/** The GPU side of ops whose output shape depends on values (reached only if their shape became known). */
export function valueShapedGpu(k: GpuKernelContext): GpuKernel {
  throw new UnimplementedError(`${k.type} node '${k.name}': its output shape depends on the values of its input, which the webgpu executor needs when it compiles the plan; use executor: 'cpu'`);
}

defineOp({
  type: 'Where',
  inputs: ['input'],
  attrs: { T: { type: 'type', default: 'bool' } },
  shape: (c) => out1('int64', [null, c.inputs[0].shape === null ? null : c.inputs[0].shape.length]),
  cpu: ([x]) => {
    const st = stridesOf(x.shape);
    const hits: number[] = [];
    for (let i = 0; i < x.size; i++) if (x.data[i] !== 0) hits.push(i);
    const out = empty('int64', [hits.length, x.rank]);
    hits.forEach((h, r) => st.forEach((s, d) => { out.data[r * x.rank + d] = Math.floor(h / s) % x.shape[d]; }));
    return [out];
  },
  gpu: valueShapedGpu,
  grad: 'not-differentiable',
});

// Its builder is `tf.where(condition)` (ops/math.ts), TF1's one-argument form.

// ---- Unique, UniqueWithCounts ---------------------------------------------------------------------------------------

for (const counts of [false, true]) {
  const type = counts ? 'UniqueWithCounts' : 'Unique';
  defineOp({
    type,
    inputs: ['x'],
    attrs: { T: { type: 'type' }, out_idx: { type: 'type', default: 'int32' } },
    shape: (c) => {
      const x = c.inputs[0];
      const it = c.attrs.out_idx as DType;
      if (it !== 'int32' && it !== 'int64') c.fail(`out_idx must be int32 or int64, got ${it}`);
      if (x.shape !== null && x.shape.length !== 1) c.fail(`x must be a vector, got shape ${formatShape(x.shape)}`);
      const outs: OutputSpec[] = [{ dtype: x.dtype, shape: [null] }, { dtype: it, shape: x.shape === null ? [null] : [...x.shape] }];
      if (counts) outs.push({ dtype: it, shape: [null] });
      return outs;
    },
    // In the order of first appearance, as TF gives them.
    cpu: ([x], attrs, ctx) => {
      if (x.rank !== 1) throw kernelError(type, ctx.name, `x must be a vector, got shape ${formatShape(x.shape)}`);
      const first = new Map<number, number>();
      const idx = empty(attrs.out_idx as DType, x.shape);
      const vals: number[] = [], count: number[] = [];
      for (let i = 0; i < x.size; i++) {
        const v = x.data[i];
        let u = first.get(v);
        if (u === undefined) { u = vals.length; first.set(v, u); vals.push(v); count.push(0); }
        idx.data[i] = u;
        count[u]++;
      }
      const y = empty(x.dtype, [vals.length]);
      y.data.set(vals);
      const outs = [y, idx];
      if (counts) { const c = empty(attrs.out_idx as DType, [count.length]); c.data.set(count); outs.push(c); }
      return outs;
    },
    gpu: valueShapedGpu,
    grad: 'not-differentiable',
  });
}

/** `tf.unique(x, {outIdx?})`: the distinct values of a vector in order of first appearance, and each element's slot. */
export function unique(x: TensorLike, opts: NameOpt & { outIdx?: DType } = {}): [Tensor, Tensor] {
  const t = convertToTensor(x);
  const op = addOp('Unique', [t], { T: t.dtype, out_idx: opts.outIdx ?? 'int32' }, { name: opts.name ?? 'Unique' });
  return [op.outputs[0], op.outputs[1]];
}
/** `tf.uniqueWithCounts(x, {outIdx?})`: unique's outputs and how often each value occurs. */
export function uniqueWithCounts(x: TensorLike, opts: NameOpt & { outIdx?: DType } = {}): [Tensor, Tensor, Tensor] {
  const t = convertToTensor(x);
  const op = addOp('UniqueWithCounts', [t], { T: t.dtype, out_idx: opts.outIdx ?? 'int32' }, { name: opts.name ?? 'UniqueWithCounts' });
  return [op.outputs[0], op.outputs[1], op.outputs[2]];
}

// ---- HistogramFixedWidth ------------------------------------------------------------------------------------------

/** TF's bin of v: trunc(min((max(v, lo) - lo) / step, nbins - 1)), step = (hi - lo) / nbins, in double. */
function binOf(v: number, lo: number, step: number, nbins: number): number {
  return Math.trunc(Math.min((Math.max(v, lo) - lo) / step, nbins - 1));
}

function checkRange(r: NDArray, nb: NDArray, fail: (m: string) => never): [number, number, number] {
  if (r.size !== 2) fail(`value_range should be a vector of 2 elements, got shape ${formatShape(r.shape)}`);
  if (nb.size !== 1) fail(`nbins should be a scalar, got shape ${formatShape(nb.shape)}`);
  const [lo, hi] = [r.data[0], r.data[1]];
  if (!(lo < hi)) fail(`value_range should satisfy value_range[0] < value_range[1], but got [${lo}, ${hi}]`);
  if (nb.data[0] <= 0) fail(`nbins should be a positive number, but got '${nb.data[0]}'`);
  return [lo, hi, nb.data[0]];
}

defineOp({
  type: 'HistogramFixedWidth',
  inputs: ['values', 'value_range', 'nbins'],
  attrs: { T: { type: 'type' }, dtype: { type: 'type', default: 'int32' } },
  shape: (c) => {
    checkReal(c, 0, 'values');
    if (c.inputs[1].dtype !== c.inputs[0].dtype) c.fail(`value_range '${c.inputs[1].name}' must be ${c.inputs[0].dtype}, got ${c.inputs[1].dtype}`);
    if (c.inputs[2].dtype !== 'int32') c.fail(`nbins '${c.inputs[2].name}' must be int32, got ${c.inputs[2].dtype}`);
    const dt = c.attrs.dtype as DType;
    if (dt !== 'int32' && dt !== 'int64') c.fail(`dtype must be int32 or int64, got ${dt}`);
    const nb = c.constValue(2);
    if (nb !== null && nb.data[0] <= 0) c.fail(`nbins should be a positive number, but got '${nb.data[0]}'`);
    return out1(dt, [nb === null ? null : nb.data[0]]);
  },
  cpu: ([v, r, nb], attrs, ctx) => {
    const [lo, hi, n] = checkRange(r, nb, (m) => { throw kernelError('HistogramFixedWidth', ctx.name, m); });
    const out = empty(attrs.dtype as DType, [n]);
    const step = (hi - lo) / n;
    for (let i = 0; i < v.size; i++) out.data[binOf(v.data[i], lo, step, n)]++;
    return [out];
  },
  // One thread per bin counts the values that fall in it (f32 arithmetic: a value within an ulp of an edge may land
  // in the neighbouring bin, where TF's double arithmetic would not).
  gpu: (k) => {
    const v = k.inputs[0];
    checkLoop(k, v.size, 'values');
    const n = k.outputs[0].size;
    const f = isFloat(v.dtype) ? (s: string): string => s : (s: string): string => `f32(${s})`;
    return coordKernel(k, [0, 1], () => `let lo = ${f('in1[0]')};
  let step = (${f('in1[1]')} - lo) / ${literal(n, 'float32')};
  var count = 0;
  for (var j = 0u; j < ${v.size}u; j = j + 1u) {
    let b = i32(min((max(${f('in0[j]')}, lo) - lo) / step, ${literal(n - 1, 'float32')}));
    if (u32(b) == i) { count = count + 1; }
  }
  y[i] = count;`);
  },
  grad: 'not-differentiable',
});

/** `tf.histogramFixedWidth(values, valueRange, nbins = 100, {dtype?})`: counts of values in nbins equal bins. */
export function histogramFixedWidth(values: TensorLike, valueRange: TensorLike, nbins: number | Tensor = 100, opts: NameOpt & { dtype?: DType } = {}): Tensor {
  const v = convertToTensor(values);
  const r = convertToTensor(valueRange, v.dtype);
  const nb = nbins instanceof Tensor ? nbins : constant(nbins, { dtype: 'int32', name: `${opts.name ?? 'histogram_fixed_width'}/nbins`, graph: v.graph });
  return addOp('HistogramFixedWidth', [v, r, nb], { T: v.dtype, dtype: opts.dtype ?? 'int32' }, { name: opts.name ?? 'histogram_fixed_width' }).outputs[0];
}
