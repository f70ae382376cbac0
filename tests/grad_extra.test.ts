// Gradients of the ops in ops/math_extra.ts, array_extra.ts, sort_select.ts and segment.ts: float64 central finite
// differences on cpu, and on webgpu the float32 gradients against cpu's (tests/gradcheck.ts).
import * as tf from '../index.js';
import { addOp } from '../ops/registry.js';
import { gradCase } from './gradcheck.js';
import { EXECUTORS } from './helpers.js';

type T = tf.Tensor;
type F = (xs: T[]) => T | T[];
interface GradSpec { name: string; f: F; shapes: number[][]; lo?: number; hi?: number; avoid?: number; tol?: number; gpuTol?: number; cpuOnly?: boolean; values?: number[][] }

const unary = (name: string, fn: (x: T) => T, lo = -2, hi = 2, extra: Partial<GradSpec> = {}): GradSpec => ({ name, f: ([x]) => fn(x), shapes: [[2, 3]], lo, hi, ...extra });

const CASES: GradSpec[] = [
  unary('Sin', tf.sin), unary('Cos', tf.cos), unary('Tan', tf.tan, -1.2, 1.2),
  unary('Asin', tf.asin, -0.9, 0.9), unary('Acos', tf.acos, -0.9, 0.9), unary('Atan', tf.atan),
  unary('Sinh', tf.sinh), unary('Cosh', tf.cosh), unary('Asinh', tf.asinh), unary('Acosh', tf.acosh, 1.1, 3),
  unary('Atanh', tf.atanh, -0.9, 0.9), unary('Expm1', tf.expm1), unary('Erf', tf.erf), unary('Erfc', tf.erfc),
  unary('Lgamma', tf.lgamma, 0.3, 4), unary('Digamma', tf.digamma, 0.5, 4),
  { name: 'Zeta (q)', f: ([q]) => tf.zeta(tf.constant(2.5, { dtype: q.dtype }), q), shapes: [[2, 3]], lo: 0.5, hi: 3 },
  { name: 'Polygamma (x)', f: ([x]) => tf.polygamma(tf.constant([[1], [2]], { dtype: x.dtype }), x), shapes: [[2, 3]], lo: 0.5, hi: 3 },
  { name: 'Betainc (x)', f: ([x]) => tf.betainc(tf.constant([[0.5], [2.0]], { dtype: x.dtype }), tf.constant(1.5, { dtype: x.dtype }), x), shapes: [[2, 3]], lo: 0.1, hi: 0.9 },
  { name: 'DivNoNan', f: ([a, b]) => tf.divNoNan(a, b), shapes: [[2, 3], [3]], avoid: 0.3 },
  { name: 'Atan2', f: ([a, b]) => tf.atan2(a, b), shapes: [[2, 3], [2, 3]], avoid: 0.3 },
  { name: 'L2Loss', f: ([x]) => tf.nn.l2Loss(x), shapes: [[3, 4]] },
  { name: 'AccumulateNV2', f: ([a, b]) => tf.accumulateN([a, b, a]), shapes: [[2, 3], [2, 3]] },
  { name: 'Cumsum', f: ([x]) => tf.cumsum(x, 1), shapes: [[2, 4]] },
  { name: 'Cumsum exclusive reverse', f: ([x]) => tf.cumsum(x, 0, { exclusive: true, reverse: true }), shapes: [[3, 2]] },
  { name: 'Cumprod', f: ([x]) => tf.cumprod(x, 1), shapes: [[2, 4]], lo: 0.5, hi: 1.5 },
  { name: 'Cumprod exclusive', f: ([x]) => tf.cumprod(x, 1, { exclusive: true }), shapes: [[2, 4]], lo: 0.5, hi: 1.5 },
  { name: 'ReverseV2', f: ([x]) => tf.reverse(x, [0, 2]), shapes: [[2, 3, 2]] },
  { name: 'Roll', f: ([x]) => tf.roll(x, [1, -1], [0, 1]), shapes: [[3, 4]] },
  { name: 'MatrixDiag', f: ([x]) => tf.matrixDiag(x), shapes: [[2, 3]] },
  { name: 'MatrixSetDiag', f: ([x, d]) => tf.matrixSetDiag(x, d), shapes: [[2, 3, 4], [2, 3]] },
  { name: 'MatrixDiagPart', f: ([x]) => tf.matrixDiagPart(x), shapes: [[2, 4, 3]] },
  { name: 'MatrixBandPart', f: ([x]) => tf.matrixBandPart(x, 1, 0), shapes: [[3, 4]] },
  { name: 'SpaceToBatchND', f: ([x]) => tf.spaceToBatchND(x, [2, 2], [[1, 1], [0, 0]]), shapes: [[1, 2, 4, 2]] },
  { name: 'BatchToSpaceND', f: ([x]) => tf.batchToSpaceND(x, [2, 1], [[1, 0], [0, 0]]), shapes: [[4, 2, 2, 1]] },
  { name: 'DepthToSpace', f: ([x]) => tf.depthToSpace(x, 2), shapes: [[1, 2, 2, 8]] },
  { name: 'SpaceToDepth', f: ([x]) => tf.spaceToDepth(x, 2), shapes: [[1, 4, 2, 2]] },
  { name: 'BroadcastTo', f: ([x]) => tf.broadcastTo(x, [2, 3, 4]), shapes: [[3, 1]] },
  { name: 'ReverseSequence', f: ([x]) => tf.reverseSequence(x, tf.constant([2, 3], { dtype: 'int64' }), { seqAxis: 1 }), shapes: [[2, 4, 2]] },
  { name: 'GatherNd', f: ([x]) => tf.gatherNd(x, [[0, 1], [2, 0], [0, 1]]), shapes: [[3, 2, 2]] },
  { name: 'ScatterNd', f: ([u]) => tf.scatterNd([[1], [3], [1]], u, [5, 2]), shapes: [[3, 2]] },
  { name: 'IdentityN', f: ([a, b]) => tf.identityN([a, b]), shapes: [[2], [3]] },
  { name: 'CheckNumerics', f: ([x]) => tf.checkNumerics(x, 'x'), shapes: [[2, 3]] },
  { name: 'TopKV2', f: ([x]) => tf.nn.topK(x, 2)[0], shapes: [[3, 4]] },
  // No TF1 builder (it was tf.contrib.nn.nth_element): the op itself.
  { name: 'NthElement', f: ([x]) => addOp('NthElement', [x, tf.constant(1, { dtype: 'int32' })], { T: x.dtype }).outputs[0], shapes: [[3, 4]] },
  { name: 'SegmentSum', f: ([x]) => tf.segmentSum(x, [0, 0, 2]), shapes: [[3, 2]] },
  { name: 'SegmentMean', f: ([x]) => tf.segmentMean(x, [0, 0, 1, 1, 1]), shapes: [[5, 2]] },
  { name: 'SegmentMax', f: ([x]) => tf.segmentMax(x, [0, 0, 1, 1]), shapes: [[4, 3]] },
  { name: 'SegmentMin', f: ([x]) => tf.segmentMin(x, [0, 1, 1, 1]), shapes: [[4]] },
  { name: 'SegmentProd', f: ([x]) => tf.segmentProd(x, [0, 0, 1, 1]), shapes: [[4, 2]] },
  { name: 'SegmentProd with a zero', f: ([x]) => tf.segmentProd(tf.mul(x, tf.constant([[1], [0], [1], [1]], { dtype: x.dtype })), [0, 0, 1, 1]), shapes: [[4, 2]] },
  { name: 'UnsortedSegmentMax', f: ([x]) => tf.unsortedSegmentMax(x, [1, -1, 1, 0], 2), shapes: [[4, 2]] },
  { name: 'UnsortedSegmentMin', f: ([x]) => tf.unsortedSegmentMin(x, [1, 0, 1, 0], 2), shapes: [[4]] },
  { name: 'UnsortedSegmentProd', f: ([x]) => tf.unsortedSegmentProd(x, [2, 0, 2, -1], 3), shapes: [[4, 2]] },
  // Their output shapes depend on values: the webgpu executor refuses them, so cpu only. (A repeated stitch index
  // would get TF's gradient, gathered for every input though only the last one lands.)
  { name: 'DynamicPartition', f: ([x]) => tf.dynamicPartition(x, [1, 0, 1, 2], 3), shapes: [[4, 2]], cpuOnly: true },
  { name: 'DynamicStitch', f: ([a, b]) => tf.dynamicStitch([[0, 2], [1, 4, 3]], [a, b]), shapes: [[2, 2], [3, 2]], cpuOnly: true },
];

describe('gradients of the added ops', () => {
  test("Igamma's and Igammac's gradients are refused by name (TF's need IgammaGradA)", () => {
    const g = new tf.Graph();
    g.asDefault(() => {
      const x = tf.placeholder('float32', [2], 'x');
      expect(() => tf.gradients(tf.igamma(tf.constant([1, 2]), x), [x])).toThrow(/Igamma .*IgammaGradA/);
      expect(() => tf.gradients(tf.igammac(x, tf.constant([1, 2])), [x])).toThrow(/Igammac .*IgammaGradA/);
    });
  });

  for (const c of CASES) {
    for (const executor of c.cpuOnly ? ['cpu' as const] : EXECUTORS) {
      test(`${c.name} on ${executor}`, () => gradCase(executor, c.f, c.shapes, { lo: c.lo, hi: c.hi, avoid: c.avoid, tol: c.tol ?? 1e-6, gpuTol: c.gpuTol ?? 2e-4, values: c.values }));
    }
  }
});
