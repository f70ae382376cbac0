// TF's segment reductions — the sorted ones (SegmentSum, SegmentMean, SegmentMax, SegmentMin, SegmentProd: ids
// sorted, the output as long as the largest id + 1) and the unsorted Max/Min/Prod (UnsortedSegmentSum is in array.ts)
// — and the partition pair DynamicPartition / DynamicStitch (ParallelDynamicStitch). Declared as in TF's math_ops.cc
// and data_flow_ops.cc, gradients as in math_grad.py and data_flow_grad.py. Outputs sized by values (the sorted
// segments, the partitions, the stitch) run on the GPU only when those values are constants.
import { DType } from '../graph/dtypes.js';
import { UnimplementedError } from '../graph/errors.js';
import { NDArray } from '../graph/ndarray.js';
import { Dim, formatShape, mergeDim, Shape } from '../graph/shape.js';
import { Tensor } from '../graph/tensor.js';
import {
  checkIndexInput, gather, graphOf, kernelError, ones, range, reshape, scoped, shape as shapeOf, unsortedSegmentSum, valueTensor,
  zerosLike,
} from './array.js';
import { empty } from './cpu.js';
import { NUMERIC } from './elementwise.js';
import { GpuKernelContext, literal } from './gpu.js';
import { cast, equal, greater, greaterEqual, logicalAnd, maximum, mul, realDiv, reduceProd, where } from './math.js';
import { addOp, defineOp, OutputSpec, ShapeContext } from './registry.js';
import { valueShapedGpu } from './sort_select.js';
import { constant, convertToTensor, NameOpt, TensorLike } from './values.js';
import { SegmentFold, segmentReduceKernel } from './wgsl/extra.js';

type Reduction = 'Sum' | 'Mean' | 'Max' | 'Min' | 'Prod';

/** The most negative and most positive value of a dtype: what TF gives an empty unsorted Max / Min segment. */
function lowest(dtype: DType): number {
  switch (dtype) {
    case 'float32': return -3.4028234663852886e38;
    case 'int32': return -2147483648;
    case 'int64': return -9223372036854775808;
    default: return -Number.MAX_VALUE;
  }
}
const highest = (dtype: DType): number => (dtype === 'int32' ? 2147483647 : dtype === 'int64' ? 9223372036854775807 : -lowest(dtype));

interface FoldSpec { init: (d: DType) => number; step: (a: number, v: number, d: DType) => number; emptyValue: (d: DType, sorted: boolean) => number }

const FOLDS: Record<Reduction, FoldSpec> = {
  Sum: { init: () => 0, step: (a, v) => a + v, emptyValue: () => 0 },
  Mean: { init: () => 0, step: (a, v) => a + v, emptyValue: () => 0 },
  Prod: { init: () => 1, step: (a, v, d) => (d === 'int32' ? Math.imul(a, v) : a * v), emptyValue: () => 1 },
  // Sorted Max/Min give an empty segment 0, unsorted the dtype's lowest (highest): TF's documented outputs.
  Max: { init: lowest, step: (a, v) => (v > a || Number.isNaN(v) ? v : a), emptyValue: (d, sorted) => (sorted ? 0 : lowest(d)) },
  Min: { init: highest, step: (a, v) => (v < a || Number.isNaN(v) ? v : a), emptyValue: (d, sorted) => (sorted ? 0 : highest(d)) },
};

function wgslFold(r: Reduction, dtype: DType, sorted: boolean): SegmentFold {
  const f = FOLDS[r];
  const combine: Record<Reduction, SegmentFold['combine']> = {
    Sum: (a, v) => `${a} + ${v}`, Mean: (a, v) => `${a} + ${v}`, Prod: (a, v) => `${a} * ${v}`,
    Max: (a, v) => `max(${a}, ${v})`, Min: (a, v) => `min(${a}, ${v})`,
  };
  // f32's extremes by their bits: WGSL rejects a decimal literal that rounds to them.
  const lit = (v: number): string => (dtype === 'float32' && Math.abs(v) === -lowest('float32') ? `bitcast<f32>(${v < 0 ? '0xff7fffffu' : '0x7f7fffffu'})` : literal(v, dtype));
  return { init: lit(f.init(dtype)), combine: combine[r], empty: lit(f.emptyValue(dtype, sorted)), mean: r === 'Mean' };
}

/** out[s] = the fold of data rows with id s; ids < 0 dropped; `segments` rows. */
function segmentCpu(type: string, node: string, r: Reduction, data: NDArray, ids: NDArray, segments: number, sorted: boolean): NDArray {
  const fail = (m: string): never => { throw kernelError(type, node, m); };
  if (ids.rank > data.rank || ids.shape.some((d, i) => d !== data.shape[i])) {
    fail(`data.shape = ${formatShape(data.shape)} does not start with segment_ids.shape = ${formatShape(ids.shape)}`);
  }
  const f = FOLDS[r];
  const inner = data.shape.slice(ids.rank).reduce((a, b) => a * b, 1);
  const out = empty(data.dtype, [segments, ...data.shape.slice(ids.rank)]);
  const acc = new Float64Array(out.size).fill(f.init(data.dtype));
  const count = new Int32Array(segments);
  for (let k = 1; sorted && k < ids.size; k++) {
    if (ids.data[k] < ids.data[k - 1]) fail(`segment ids are not increasing: segment_ids[${k}] = ${ids.data[k]} after ${ids.data[k - 1]}`);
  }
  for (let k = 0; k < ids.size; k++) {
    const s = ids.data[k];
    if (s < 0) { if (sorted) fail(`segment ids must be non-negative, got segment_ids[${k}] = ${s}`); continue; }
    if (s >= segments) fail(`segment_ids[${k}] = ${s} is out of range [0, ${segments})`);
    count[s]++;
    for (let j = 0; j < inner; j++) acc[s * inner + j] = f.step(acc[s * inner + j], data.data[k * inner + j], data.dtype);
  }
  for (let s = 0; s < segments; s++) {
    for (let j = 0; j < inner; j++) {
      const v = acc[s * inner + j];
      out.data[s * inner + j] = count[s] === 0 ? f.emptyValue(data.dtype, sorted) : r === 'Mean' ? (data.dtype === 'float32' || data.dtype === 'float64' ? v / count[s] : Math.trunc(v / count[s])) : v;
    }
  }
  return out;
}

function segmentShape(c: ShapeContext, segments: Dim): OutputSpec[] {
  const [data, ids] = c.inputs;
  if (!NUMERIC.includes(data.dtype)) c.fail(`data '${data.name}' has dtype ${data.dtype}; allowed: ${NUMERIC.join(', ')}`);
  checkIndexInput(c, 1, 'segment_ids');
  if (data.shape === null || ids.shape === null) return [{ dtype: data.dtype, shape: null }];
  if (ids.shape.length > data.shape.length || ids.shape.some((d, i) => mergeDim(d, data.shape![i]) === undefined)) {
    c.fail(`data.shape = ${formatShape(data.shape)} does not start with segment_ids.shape = ${formatShape(ids.shape)}`);
  }
  return [{ dtype: data.dtype, shape: [segments, ...data.shape.slice(ids.shape.length)] }];
}

// ---- gradients (TF's math_grad.py) ----------------------------------------------------------------------------------

/** TF's _GatherDropNegatives: params gathered at the ids, 0 where an id is negative; and the ids >= 0 mask, broadcastable. */
function gatherDropNegatives(params: Tensor, ids: Tensor, what: string): { gathered: Tensor; positive: Tensor } {
  const gathered = gather(params, maximum(ids, 0));
  if (gathered.rank === null || ids.rank === null) throw new UnimplementedError(`The gradient of ${what} needs the ranks of data and segment_ids known while building`);
  const extra = new Array<number>(gathered.rank - ids.rank).fill(1);
  const positive = reshape(greaterEqual(ids, 0), ids.shape!.every((d) => d !== null) ? [...(ids.shape as number[]), ...extra] : [-1, ...extra]);
  return { gathered: where(positive, gathered, zerosLike(gathered)), positive };
}

/** Sums of `x` per segment, by the op's own family (sorted: SegmentSum; unsorted: UnsortedSegmentSum). */
function segmentSumOf(x: Tensor, ids: Tensor, numSegments: Tensor | null): Tensor {
  return numSegments === null ? addOp('SegmentSum', [x, ids], { T: x.dtype, Tindices: ids.dtype }).outputs[0] : unsortedSegmentSum(x, ids, numSegments);
}

/** _SegmentMinOrMaxGrad / _UnsortedSegmentMinOrMaxGrad: the gradient shared by the elements equal to their segment's result. */
function minMaxGrad(data: Tensor, ids: Tensor, numSegments: Tensor | null, out: Tensor, g: Tensor, what: string): Tensor {
  const { gathered, positive } = gatherDropNegatives(out, ids, what);
  const selected = logicalAnd(equal(data, gathered), positive);
  const weighted = realDiv(g, segmentSumOf(cast(selected, g.dtype), ids, numSegments));
  const back = gatherDropNegatives(weighted, ids, what).gathered;
  return where(selected, back, zerosLike(back));
}

/** _SegmentProdGrad / _UnsortedSegmentProdGrad: the product of the others, with TF's care for zeros. */
function prodGrad(data: Tensor, ids: Tensor, numSegments: Tensor | null, out: Tensor, g: Tensor, what: string): Tensor {
  const isZero = equal(data, 0);
  const numZeros = segmentSumOf(cast(isZero, 'int32'), ids, numSegments);
  const g1 = where(greater(numZeros, 1), zerosLike(g), g);
  const nonZero = where(isZero, addOp('OnesLike', [data], { T: data.dtype }).outputs[0], data);
  const nonZeroProd = numSegments === null
    ? addOp('SegmentProd', [nonZero, ids], { T: data.dtype, Tindices: ids.dtype }).outputs[0]
    : addOp('UnsortedSegmentProd', [nonZero, ids, numSegments], { T: data.dtype, Tindices: ids.dtype, Tnumsegments: numSegments.dtype }).outputs[0];
  const gatheredProd = gatherDropNegatives(out, ids, what).gathered;
  const gatheredNonZeroProd = gatherDropNegatives(nonZeroProd, ids, what).gathered;
  const partial = where(isZero, gatheredNonZeroProd, realDiv(gatheredProd, nonZero));
  return mul(gatherDropNegatives(g1, ids, what).gathered, partial);
}

// ---- SegmentSum, SegmentMean, SegmentMax, SegmentMin, SegmentProd ---------------------------------------------------

for (const r of ['Sum', 'Mean', 'Max', 'Min', 'Prod'] as const) {
  const type = `Segment${r}`;
  defineOp({
    type,
    inputs: ['data', 'segment_ids'],
    attrs: { T: { type: 'type' }, Tindices: { type: 'type' } },
    shape: (c) => {
      const ids = c.constValue(1);
      return segmentShape(c, ids === null ? null : ids.size === 0 ? 0 : ids.data[ids.size - 1] + 1);
    },
    cpu: ([data, ids], _, ctx) => {
      if (ids.rank !== 1) throw kernelError(type, ctx.name, `segment_ids should be a vector, got shape ${formatShape(ids.shape)}`);
      return [segmentCpu(type, ctx.name, r, data, ids, ids.size === 0 ? 0 : Math.max(0, ids.data[ids.size - 1] + 1), true)];
    },
    // Reached only with constant ids (else the output's length is unknown when the plan is compiled); checked here.
    gpu: (k) => {
      const ids = k.requireConst(1, 'segment_ids');
      for (let j = 1; j < ids.size; j++) if (ids.data[j] < ids.data[j - 1]) k.fail('segment ids are not increasing');
      if (ids.size > 0 && ids.data[0] < 0) k.fail(`segment ids must be non-negative, got ${ids.data[0]}`);
      return segmentReduceKernel(k, wgslFold(r, k.outputs[0].dtype, true));
    },
    grad: (op, [g]) => {
      const [data, ids] = op.inputs;
      const what = `${type} node '${op.name}'`;
      switch (r) {
        case 'Sum': return [gather(g!, ids), null];
        case 'Mean': {
          // TF's _SegmentMeanGrad: the gradient over the segment's size, gathered back.
          if (data.rank === null) throw new UnimplementedError(`The gradient of ${what} needs the rank of data known while building`);
          const onesShape = [ids.shape?.[0] ?? -1, ...new Array<number>(data.rank - 1).fill(1)];
          const counts = segmentSumOf(ones(onesShape[0] === -1 ? shapeOf(ids) : onesShape, { dtype: g!.dtype }), ids, null);
          const c = data.rank > 1 ? reshape(counts, [-1, ...new Array<number>(data.rank - 1).fill(1)]) : counts;
          return [gather(realDiv(g!, c), ids), null];
        }
        case 'Prod': return [prodGrad(data, ids, null, op.outputs[0], g!, what), null];
        default: return [minMaxGrad(data, ids, null, op.outputs[0], g!, what), null];
      }
    },
  });
}

// ---- UnsortedSegmentMax, UnsortedSegmentMin, UnsortedSegmentProd ----------------------------------------------------

for (const r of ['Max', 'Min', 'Prod'] as const) {
  const type = `UnsortedSegment${r}`;
  defineOp({
    type,
    inputs: ['data', 'segment_ids', 'num_segments'],
    attrs: { T: { type: 'type' }, Tindices: { type: 'type' }, Tnumsegments: { type: 'type', default: 'int32' } },
    shape: (c) => {
      checkIndexInput(c, 2, 'num_segments', 0);
      const nv = c.constValue(2);
      if (nv !== null && nv.data[0] < 0) c.fail(`num_segments must be non-negative, got ${nv.data[0]}`);
      return segmentShape(c, nv === null ? null : nv.data[0]);
    },
    cpu: ([data, ids, ns], _, ctx) => {
      if (ns.size !== 1 || ns.data[0] < 0) throw kernelError(type, ctx.name, `num_segments must be a non-negative scalar, got ${formatShape(ns.shape)} ${Array.from(ns.data).join(',')}`);
      return [segmentCpu(type, ctx.name, r, data, ids, ns.data[0], false)];
    },
    gpu: (k) => segmentReduceKernel(k, wgslFold(r, k.outputs[0].dtype, false)),
    grad: (op, [g]) => {
      const [data, ids, ns] = op.inputs;
      const what = `${type} node '${op.name}'`;
      return [r === 'Prod' ? prodGrad(data, ids, ns, op.outputs[0], g!, what) : minMaxGrad(data, ids, ns, op.outputs[0], g!, what), null, null];
    },
  });
}

type SegmentBuilder = (data: TensorLike, segmentIds: TensorLike, opts?: NameOpt) => Tensor;
type UnsortedBuilder = (data: TensorLike, segmentIds: TensorLike, numSegments: number | Tensor, opts?: NameOpt) => Tensor;

function sortedBuilder(type: string): SegmentBuilder {
  return (data, segmentIds, opts = {}) => {
    const g = graphOf(data, segmentIds);
    return scoped(g, opts.name ?? type, (node) => {
      const d = valueTensor(data, 'data', g);
      const ids = segmentIds instanceof Tensor ? segmentIds : convertToTensor(segmentIds, 'int32', 'segment_ids', g);
      return addOp(type, [d, ids], { T: d.dtype, Tindices: ids.dtype }, node).outputs[0];
    });
  };
}

function unsortedBuilder(type: string): UnsortedBuilder {
  return (data, segmentIds, numSegments, opts = {}) => {
    const g = graphOf(data, segmentIds, numSegments);
    return scoped(g, opts.name ?? type, (node) => {
      const d = valueTensor(data, 'data', g);
      const ids = segmentIds instanceof Tensor ? segmentIds : convertToTensor(segmentIds, 'int32', 'segment_ids', g);
      const n = numSegments instanceof Tensor ? numSegments : constant(numSegments, { dtype: 'int32', name: 'num_segments', graph: g });
      return addOp(type, [d, ids, n], { T: d.dtype, Tindices: ids.dtype, Tnumsegments: n.dtype }, node).outputs[0];
    });
  };
}

/** `tf.segmentSum(data, segmentIds)` and its kin: reductions over runs of sorted segment ids. */
export const segmentSum = sortedBuilder('SegmentSum');
export const segmentMean = sortedBuilder('SegmentMean');
export const segmentMax = sortedBuilder('SegmentMax');
export const segmentMin = sortedBuilder('SegmentMin');
export const segmentProd = sortedBuilder('SegmentProd');
/** `tf.unsortedSegmentMax(data, segmentIds, numSegments)` and kin (negative ids dropped). */
export const unsortedSegmentMax = unsortedBuilder('UnsortedSegmentMax');
export const unsortedSegmentMin = unsortedBuilder('UnsortedSegmentMin');
export const unsortedSegmentProd = unsortedBuilder('UnsortedSegmentProd');

// ---- DynamicPartition, DynamicStitch, ParallelDynamicStitch ---------------------------------------------------------

defineOp({
  type: 'DynamicPartition',
  inputs: ['data', 'partitions'],
  attrs: { num_partitions: { type: 'int' }, T: { type: 'type' } },
  shape: (c) => {
    const [data, p] = c.inputs;
    const n = c.attrs.num_partitions as number;
    if (!(n >= 1)) c.fail(`num_partitions must be at least 1, got ${n}`);
    if (p.dtype !== 'int32') c.fail(`partitions '${p.name}' must be int32, got ${p.dtype}`);
    let shape: Shape = null;
    if (data.shape !== null && p.shape !== null) {
      if (p.shape.length > data.shape.length || p.shape.some((d, i) => mergeDim(d, data.shape![i]) === undefined)) {
        c.fail(`data.shape = ${formatShape(data.shape)} does not start with partitions.shape = ${formatShape(p.shape)}`);
      }
      shape = [null, ...data.shape.slice(p.shape.length)];
    }
    return Array.from({ length: n }, () => ({ dtype: data.dtype, shape }));
  },
  cpu: ([data, p], attrs, ctx) => {
    const n = attrs.num_partitions as number;
    if (p.rank > data.rank || p.shape.some((d, i) => d !== data.shape[i])) {
      throw kernelError('DynamicPartition', ctx.name, `data.shape = ${formatShape(data.shape)} does not start with partitions.shape = ${formatShape(p.shape)}`);
    }
    const inner = data.shape.slice(p.rank).reduce((a, b) => a * b, 1);
    const rows: number[][] = Array.from({ length: n }, () => []);
    p.data.forEach((v, i) => {
      if (v < 0 || v >= n) throw kernelError('DynamicPartition', ctx.name, `partitions[${i}] = ${v} is not in [0, ${n})`);
      rows[v].push(i);
    });
    return rows.map((rs) => {
      const out = empty(data.dtype, [rs.length, ...data.shape.slice(p.rank)]);
      rs.forEach((src, k) => out.data.set(data.data.subarray(src * inner, (src + 1) * inner), k * inner));
      return out;
    });
  },
  gpu: valueShapedGpu,
  // TF's _DynamicPartitionGrads: partition the element positions the same way and stitch the gradients back.
  grad: (op, grads) => {
    const [data, p] = op.inputs;
    const n = op.attrs.num_partitions as number;
    const positions = reshape(range(reduceProd(shapeOf(p))), shapeOf(p));
    const parts = addOp('DynamicPartition', [positions, p], { num_partitions: n, T: 'int32' }).outputs;
    const gs = grads.map((g, i) => g ?? zerosLike(op.outputs[i]));
    const stitched = addOp('DynamicStitch', [...parts, ...gs], { N: n, T: gs[0].dtype }).outputs[0];
    return [reshape(stitched, shapeOf(data)), null];
  },
});

/** `tf.dynamicPartition(data, partitions, numPartitions)`: data's rows split by their partition number. */
export function dynamicPartition(data: TensorLike, partitions: TensorLike, numPartitions: number, opts: NameOpt = {}): Tensor[] {
  const d = convertToTensor(data);
  const p = convertToTensor(partitions, partitions instanceof Tensor ? undefined : 'int32');
  return addOp('DynamicPartition', [d, p], { num_partitions: numPartitions, T: d.dtype }, { name: opts.name ?? 'DynamicPartition' }).outputs;
}

for (const type of ['DynamicStitch', 'ParallelDynamicStitch']) {
  defineOp({
    type,
    inputs: ['indices*', 'data*'],
    attrs: { N: { type: 'int' }, T: { type: 'type' } },
    shape: (c) => {
      const n = c.inputs.length / 2;
      if (!Number.isInteger(n) || n < 1) c.fail(`needs N indices and N data inputs, got ${c.inputs.length} inputs`);
      const idx = c.inputs.slice(0, n), data = c.inputs.slice(n);
      idx.forEach((t) => { if (t.dtype !== 'int32') c.fail(`indices '${t.name}' must be int32, got ${t.dtype}`); });
      data.forEach((t) => { if (t.dtype !== data[0].dtype) c.fail(`data inputs must share one dtype: '${data[0].name}' is ${data[0].dtype}, '${t.name}' is ${t.dtype}`); });
      const i0 = idx[0].shape, d0 = data[0].shape;
      const elem = i0 !== null && d0 !== null ? d0.slice(i0.length) : null;
      let rows: Dim = null;
      const known = idx.map((_, i) => c.constValue(i));
      if (known.every((v) => v !== null)) rows = Math.max(-1, ...known.flatMap((v) => Array.from(v!.data))) + 1;
      return [{ dtype: data[0].dtype, shape: elem === null ? null : [rows, ...elem] }];
    },
    // Later inputs overwrite earlier ones at a repeated index (TF's DynamicStitch order; ParallelDynamicStitch leaves
    // it unspecified, so the same answer is one of its answers).
    cpu: (xs, _, ctx) => {
      const n = xs.length / 2;
      const idx = xs.slice(0, n), data = xs.slice(n);
      const elem = data[0].shape.slice(idx[0].rank);
      const inner = elem.reduce((a, b) => a * b, 1);
      let rows = 0;
      idx.forEach((t) => t.data.forEach((v) => { rows = Math.max(rows, v + 1); }));
      const out = empty(data[0].dtype, [rows, ...elem]);
      idx.forEach((t, m) => {
        const want = [...t.shape, ...elem];
        if (data[m].rank !== want.length || data[m].shape.some((d, i) => d !== want[i])) {
          throw kernelError(type, ctx.name, `data[${m}].shape = ${formatShape(data[m].shape)} does not equal indices[${m}].shape + ${formatShape(elem)}`);
        }
        t.data.forEach((v, i) => {
          if (v < 0) throw kernelError(type, ctx.name, `indices[${m}][${i}] = ${v} is negative`);
          out.data.set(data[m].data.subarray(i * inner, (i + 1) * inner), v * inner);
        });
      });
      return [out];
    },
    gpu: (k: GpuKernelContext) => valueShapedGpu(k),
    // TF's _DynamicStitchGrads: each data input gets the gradient gathered at its indices; none for the indices.
    grad: (op, [g]) => {
      const n = op.inputs.length / 2;
      return [...new Array<null>(n).fill(null), ...op.inputs.slice(0, n).map((ix) => gather(g!, ix))];
    },
  });
}

/** `tf.dynamicStitch(indices, data)`: merged[indices[m][i]] = data[m][i]. */
export function dynamicStitch(indices: readonly TensorLike[], data: readonly TensorLike[], opts: NameOpt = {}): Tensor {
  const ix = indices.map((x) => convertToTensor(x, x instanceof Tensor ? undefined : 'int32'));
  const ds = data.map((x) => convertToTensor(x));
  return addOp('DynamicStitch', [...ix, ...ds], { N: ix.length, T: ds[0].dtype }, { name: opts.name ?? 'DynamicStitch' }).outputs[0];
}
