// tf.image.nonMaxSuppression: NonMaxSuppression, NonMaxSuppressionV2 ... V5 (TF's image_ops.cc and its CPU kernel
// non_max_suppression_op.cc). Greedy selection by score (ties: the lower box index first), a box dropped when its IoU
// with a selected box reaches iou_threshold; V3+ drop scores <= score_threshold first; V5's soft NMS scales a score
// by exp(-0.5 * iou^2 / sigma) per selected box and re-queues it. IoU and scores are rounded to float32, as TF's
// kernel computes them. How many boxes survive is known only at run time, so there is no GPU kernel: the GPU side
// throws UnimplementedError naming the node (a node with constant inputs is folded on the host even on webgpu).
import { DType } from '../graph/dtypes.js';
import { InvalidArgumentError, UnimplementedError } from '../graph/errors.js';
import { NDArray } from '../graph/ndarray.js';
import { Dim } from '../graph/shape.js';
import { Tensor } from '../graph/tensor.js';
import { empty } from './cpu.js';
import { FLOATS } from './elementwise.js';
import { GpuKernelBuilder } from './gpu.js';
import { addOp, defineOp, describeInput, ShapeContext } from './registry.js';
import { convertToTensor, NameOpt, TensorLike } from './values.js';

const f = Math.fround;

function iou(b: ArrayLike<number>, i: number, j: number): number {
  const y0i = Math.min(b[4 * i], b[4 * i + 2]), x0i = Math.min(b[4 * i + 1], b[4 * i + 3]);
  const y1i = Math.max(b[4 * i], b[4 * i + 2]), x1i = Math.max(b[4 * i + 1], b[4 * i + 3]);
  const y0j = Math.min(b[4 * j], b[4 * j + 2]), x0j = Math.min(b[4 * j + 1], b[4 * j + 3]);
  const y1j = Math.max(b[4 * j], b[4 * j + 2]), x1j = Math.max(b[4 * j + 1], b[4 * j + 3]);
  const ai = f((y1i - y0i) * (x1i - x0i)), aj = f((y1j - y0j) * (x1j - x0j));
  if (ai <= 0 || aj <= 0) return 0;
  const inter = f(Math.max(Math.min(y1i, y1j) - Math.max(y0i, y0j), 0) * Math.max(Math.min(x1i, x1j) - Math.max(x0i, x0j), 0));
  return f(inter / f(ai + aj - inter));
}

interface Candidate { index: number; score: number; suppressBegin: number }

/** TF's DoNonMaxSuppressionOp: the selected indices and their (soft-suppressed) scores. */
function nonMaxSuppression(boxes: ArrayLike<number>, scores: ArrayLike<number>, maxOut: number, iouThreshold: number, scoreThreshold: number, sigma: number): { indices: number[]; scores: number[] } {
  const scale = sigma > 0 ? f(-0.5 / sigma) : 0;
  const suppress = (sim: number): number => (sim <= iouThreshold ? f(Math.exp(f(scale * sim * sim))) : 0);
  const queue: Candidate[] = [];
  for (let i = 0; i < scores.length; i++) if (scores[i] > scoreThreshold) queue.push({ index: i, score: scores[i], suppressBegin: 0 });
  const better = (a: Candidate, b: Candidate): boolean => a.score > b.score || (a.score === b.score && a.index < b.index);
  const indices: number[] = [], selScores: number[] = [];
  while (indices.length < maxOut && queue.length > 0) {
    let best = 0;
    for (let k = 1; k < queue.length; k++) if (better(queue[k], queue[best])) best = k;
    const next = queue.splice(best, 1)[0];
    const original = next.score;
    let hard = false;
    for (let j = indices.length - 1; j >= next.suppressBegin; j--) {
      const sim = iou(boxes, next.index, indices[j]);
      next.score = f(next.score * suppress(sim));
      if (sim >= iouThreshold) { hard = true; break; }
      if (next.score <= scoreThreshold) break;
    }
    next.suppressBegin = indices.length;
    if (hard) continue;
    if (next.score === original) { indices.push(next.index); selScores.push(next.score); continue; }
    if (next.score > scoreThreshold) queue.push(next);
  }
  return { indices, scores: selScores };
}

interface Version { type: string; inputs: string[]; pad: boolean; scores: boolean; valid: boolean }
const VERSIONS: Version[] = [
  { type: 'NonMaxSuppression', inputs: ['boxes', 'scores', 'max_output_size'], pad: false, scores: false, valid: false },
  { type: 'NonMaxSuppressionV2', inputs: ['boxes', 'scores', 'max_output_size', 'iou_threshold'], pad: false, scores: false, valid: false },
  { type: 'NonMaxSuppressionV3', inputs: ['boxes', 'scores', 'max_output_size', 'iou_threshold', 'score_threshold'], pad: false, scores: false, valid: false },
  { type: 'NonMaxSuppressionV4', inputs: ['boxes', 'scores', 'max_output_size', 'iou_threshold', 'score_threshold'], pad: true, scores: false, valid: true },
  { type: 'NonMaxSuppressionV5', inputs: ['boxes', 'scores', 'max_output_size', 'iou_threshold', 'score_threshold', 'soft_nms_sigma'], pad: true, scores: true, valid: true },
];

const noGpu: GpuKernelBuilder = (k) => {
  throw new UnimplementedError(`'${k.name}': op type ${k.type} has no GPU kernel (its output size is known only at run time); use executor: 'cpu'`);
};

function checkInputs(c: ShapeContext, v: Version): void {
  const [boxes, scores, maxOut] = c.inputs;
  if (!FLOATS.includes(boxes.dtype)) c.fail(`boxes must be float32 or float64, got ${describeInput(boxes)} ${boxes.dtype}`);
  if (boxes.shape !== null && (boxes.shape.length !== 2 || (boxes.shape[1] !== null && boxes.shape[1] !== 4))) c.fail(`boxes must be [num_boxes, 4], got ${describeInput(boxes)}`);
  if (scores.shape !== null && scores.shape.length !== 1) c.fail(`scores must be 1-D, got ${describeInput(scores)}`);
  if (boxes.shape !== null && scores.shape !== null && boxes.shape[0] !== null && scores.shape[0] !== null && boxes.shape[0] !== scores.shape[0]) {
    c.fail(`boxes ${describeInput(boxes)} and scores ${describeInput(scores)} must have the same number of boxes`);
  }
  if (maxOut.dtype !== 'int32') c.fail(`max_output_size must be int32, got ${describeInput(maxOut)} ${maxOut.dtype}`);
  for (let i = 2; i < v.inputs.length; i++) {
    const t = c.inputs[i];
    if (t.shape !== null && t.shape.length !== 0) c.fail(`${v.inputs[i]} must be a scalar, got ${describeInput(t)}`);
  }
}

for (const v of VERSIONS) {
  const attrs: Record<string, { type: 'type' | 'float' | 'bool'; default?: string | number | boolean }> =
    v.type === 'NonMaxSuppression' ? { iou_threshold: { type: 'float', default: 0.5 } } : { T: { type: 'type', default: 'float32' } };
  if (v.type === 'NonMaxSuppressionV2' || v.type === 'NonMaxSuppressionV3' || v.type === 'NonMaxSuppressionV4') attrs.T_threshold = { type: 'type', default: 'float32' };
  if (v.pad) attrs.pad_to_max_output_size = { type: 'bool', default: false };
  defineOp({
    type: v.type,
    inputs: v.inputs,
    attrs,
    shape: (c) => {
      checkInputs(c, v);
      const m = c.constValue(2);
      const n: Dim = v.pad && (c.attrs.pad_to_max_output_size as boolean) && m !== null ? m.data[0] : null;
      const out: Array<{ dtype: DType; shape: Dim[] }> = [{ dtype: 'int32', shape: [n] }];
      if (v.scores) out.push({ dtype: c.inputs[1].dtype, shape: [n] });
      if (v.valid) out.push({ dtype: 'int32', shape: [] });
      return out;
    },
    cpu: (inputs, a, ctx) => {
      const fail = (m: string): never => { throw new InvalidArgumentError(`${v.type} node '${ctx.name}': ${m}`); };
      const [boxes, scores, maxOut] = inputs;
      const scalar = (i: number, dflt: number): number => (inputs[i] === undefined ? dflt : inputs[i].data[0]);
      const iouT = v.type === 'NonMaxSuppression' ? (a.iou_threshold as number) : scalar(3, 0.5);
      if (!(iouT >= 0 && iouT <= 1)) fail(`iou_threshold must be in [0, 1], got ${iouT}`);
      const m = maxOut.data[0];
      if (m < 0) fail(`max_output_size must be non-negative, got ${m}`);
      if (boxes.shape[0] !== scores.shape[0]) fail(`boxes [${boxes.shape}] and scores [${scores.shape}] must have the same number of boxes`);
      const sigma = scalar(5, 0);
      if (sigma < 0) fail(`soft_nms_sigma must be non-negative, got ${sigma}`);
      const r = nonMaxSuppression(boxes.data, scores.data, m, f(iouT), f(scalar(4, -Infinity)), f(sigma));
      const count = v.pad && (a.pad_to_max_output_size as boolean) ? m : r.indices.length;
      const idx = empty('int32', [count]);
      idx.data.set(r.indices);
      const out: NDArray[] = [idx];
      if (v.scores) { const s = empty(scores.dtype, [count]); s.data.set(r.scores); out.push(s); }
      if (v.valid) out.push(new NDArray('int32', [], Int32Array.of(r.indices.length)));
      return out;
    },
    gpu: noGpu,
    // image_ops_impl.py: NonMaxSuppression and V2 are NotDifferentiable; V3..V5 have integer outputs (V5's scores are
    // a selection, and TensorFlow registers no gradient for it either).
    grad: 'not-differentiable',
  });
}

/**
 * `tf.image.nonMaxSuppression(boxes, scores, maxOutputSize, iouThreshold = 0.5, scoreThreshold = -Infinity)`: the
 * selected box indices, as TF1's wrapper (NonMaxSuppressionV3, default name 'non_max_suppression').
 */
export function nonMaxSuppressionOp(boxes: TensorLike, scores: TensorLike, maxOutputSize: TensorLike, iouThreshold: TensorLike = 0.5,
  scoreThreshold: TensorLike = -Infinity, opts: NameOpt = {}): Tensor {
  const b = convertToTensor(boxes), s = convertToTensor(scores);
  const m = convertToTensor(maxOutputSize instanceof Tensor ? maxOutputSize : (maxOutputSize as number), maxOutputSize instanceof Tensor ? undefined : 'int32');
  const th = (x: TensorLike): Tensor => convertToTensor(x instanceof Tensor ? x : (x as number), x instanceof Tensor ? undefined : 'float32');
  return b.graph.withNameScope(opts.name ?? 'non_max_suppression', () =>
    addOp('NonMaxSuppressionV3', [b, s, m, th(iouThreshold), th(scoreThreshold)], { T: b.dtype, T_threshold: 'float32' }, { name: 'NonMaxSuppressionV3' }).outputs[0]);
}
export { nonMaxSuppressionOp as nonMaxSuppression };
