// tf.losses: TF1's losses_impl. Each loss builds its per-element losses, weights them and reduces them with TF1's
// default reduction SUM_BY_NONZERO_WEIGHTS (the sum divided by the number of non-zero weights, broadcast to the
// losses: the mean for unit weights; 0 when every weight is 0), then adds the result to the LOSSES collection.
import { DType } from '../graph/dtypes.js';
import { InvalidArgumentError } from '../graph/errors.js';
import { getDefaultGraph, GraphKeys } from '../graph/graph.js';
import { isFullyDefined, mergeDim } from '../graph/shape.js';
import { Tensor } from '../graph/tensor.js';
import { onesLike, shape as shapeOf, size, squeeze, stridedSlice, zerosLike } from '../ops/array.js';
import { addN, stopGradient } from '../ops/gradients.js';
import {
  add, cast, div, equal, exp, greaterEqual, log1p, mul, neg, reduceSum, squaredDifference, sub, where,
} from '../ops/math.js';
import { softmaxCrossEntropyWithLogits, sparseSoftmaxCrossEntropyWithLogits } from '../ops/nn.js';
import { constant, convertToTensor, TensorLike } from '../ops/values.js';

/** Weights: a number (TF's default 1.0) or a tensor broadcastable to the losses (a scalar, or their rank with 1s). */
export type Weights = number | TensorLike;

export interface LossOptions {
  weights?: Weights;
  /** The name scope (TF's `scope`). */
  name?: string;
  /** The collection the loss is added to (default GraphKeys.LOSSES); null adds it nowhere. */
  lossCollection?: string | null;
}

const REGULARIZATION_LOSSES = 'regularization_losses';

function asFloat(x: TensorLike, dtype: DType = 'float32'): Tensor {
  const t = x instanceof Tensor ? convertToTensor(x) : convertToTensor(x, dtype);
  return cast(t, dtype);
}

/** Whether two static shapes may describe the same tensor. */
function compatible(a: Tensor, b: Tensor): boolean {
  if (a.shape === null || b.shape === null) return true;
  return a.shape.length === b.shape.length && a.shape.every((d, i) => mergeDim(d, b.shape![i]) !== undefined);
}

/**
 * TF's compute_weighted_loss with SUM_BY_NONZERO_WEIGHTS: sum(losses * weights) / num_present, where num_present is
 * the element count for a non-zero number weight, else the count of non-zero weights broadcast to the losses; the
 * result is 0 where num_present is 0 (div_no_nan). Computed in float32, returned in the losses' dtype.
 */
export function computeWeightedLoss(losses: TensorLike, opts: LossOptions = {}): Tensor {
  const l0 = convertToTensor(losses);
  return l0.graph.withNameScope(opts.name ?? 'weighted_loss', () => {
    const inputDtype = l0.dtype;
    const l = cast(l0, 'float32');
    const weights = opts.weights ?? 1;
    const w = typeof weights === 'number' ? constant(weights) : asFloat(weights);
    const weighted = mul(l, w, { name: 'Mul' });
    const total = reduceSum(weighted, undefined, false, { name: 'Sum' });
    let numPresent: Tensor;
    if (typeof weights === 'number' && weights !== 0) {
      // TF's _num_elements: the losses' size, as a float.
      numPresent = l.shape !== null && l.shape.every((d) => d !== null)
        ? constant(l.shape.reduce((a, b) => a! * b!, 1) as number, { name: 'num_elements' })
        : cast(size(l), 'float32', { name: 'num_elements' });
    } else {
      numPresent = l.graph.withNameScope('num_present', () => {
        const present = where(equal(w, 0), zerosLike(w), onesLike(w));
        // TF's broadcast_weights: present * ones_like(losses); a constant of ones when the shape is known.
        const ones = isFullyDefined(l.shape) ? constant(1, { shape: l.shape, name: 'ones_like' }) : onesLike(l);
        const broadcast = mul(present, ones, { name: 'broadcast_weights' });
        return reduceSum(broadcast, undefined, false, { name: 'Sum' });
      });
    }
    // div_no_nan(total, numPresent): the denominator is replaced by 1 where it is 0, so no NaN reaches the gradient.
    const zero = equal(numPresent, 0);
    const safe = where(zero, constant(1), numPresent);
    const loss = cast(where(zero, constant(0), div(total, safe), { name: 'value' }), inputDtype);
    if (opts.lossCollection !== null) l0.graph.addToCollection(opts.lossCollection ?? GraphKeys.LOSSES, loss);
    return loss;
  });
}

/** `tf.losses.meanSquaredError(labels, predictions, {weights?, name?})`: (predictions - labels)^2, weighted. */
export function meanSquaredError(labels: TensorLike, predictions: TensorLike, opts: LossOptions = {}): Tensor {
  const p0 = convertToTensor(predictions);
  return p0.graph.withNameScope(opts.name ?? 'mean_squared_error', (scope) => {
    const p = cast(p0, 'float32');
    const l = asFloat(labels);
    if (!compatible(p, l)) throw new InvalidArgumentError(`tf.losses.meanSquaredError: predictions '${p.name}' and labels '${l.name}' have incompatible shapes`);
    const losses = squaredDifference(p, l, { name: 'SquaredDifference' });
    return computeWeightedLoss(losses, { ...opts, name: `${scope}/` });
  });
}

/**
 * `tf.losses.softmaxCrossEntropy(onehotLabels, logits, {weights?, labelSmoothing?, name?})`: per-row softmax cross
 * entropy, weighted per row. Label smoothing: labels * (1 - s) + s / classes. The labels get no gradient.
 */
export function softmaxCrossEntropy(onehotLabels: TensorLike, logits: TensorLike, opts: LossOptions & { labelSmoothing?: number } = {}): Tensor {
  const lg = convertToTensor(logits);
  return lg.graph.withNameScope(opts.name ?? 'softmax_cross_entropy_loss', (scope) => {
    let labels = asFloat(onehotLabels, lg.dtype);
    if (!compatible(lg, labels)) throw new InvalidArgumentError(`tf.losses.softmaxCrossEntropy: logits '${lg.name}' and labels '${labels.name}' have incompatible shapes`);
    const s = opts.labelSmoothing ?? 0;
    if (s > 0) {
      const last = lg.shape?.[lg.shape.length - 1] ?? null;
      const classes = last !== null
        ? constant(last, { dtype: lg.dtype })
        : cast(stridedSlice(shapeOf(labels), [-1], [0], [1], { endMask: 1, shrinkAxisMask: 1 }), lg.dtype);
      labels = add(mul(labels, constant(1 - s, { dtype: lg.dtype })), div(constant(s, { dtype: lg.dtype }), classes));
    }
    labels = stopGradient(labels, { name: 'labels_stop_gradient' });
    const losses = softmaxCrossEntropyWithLogits({ labels, logits: lg, name: 'xentropy' });
    return computeWeightedLoss(losses, { ...opts, name: `${scope}/` });
  });
}

/**
 * `tf.losses.sparseSoftmaxCrossEntropy(labels, logits, {weights?, name?})`: labels are class indices of the logits'
 * shape without the last axis (a trailing axis of 1 is squeezed, as TF's _remove_squeezable_dimensions does).
 */
export function sparseSoftmaxCrossEntropy(labels: TensorLike, logits: TensorLike, opts: LossOptions = {}): Tensor {
  const lg = convertToTensor(logits);
  return lg.graph.withNameScope(opts.name ?? 'sparse_softmax_cross_entropy_loss', (scope) => {
    let lb = labels instanceof Tensor ? convertToTensor(labels) : convertToTensor(labels, 'int32');
    if (lb.rank !== null && lg.rank !== null && lb.rank === lg.rank && lb.shape![lb.rank - 1] === 1) lb = squeeze(lb, [-1]);
    let w = opts.weights;
    if (w instanceof Tensor && w.rank !== null && lg.rank !== null && w.rank === lg.rank && w.shape![w.rank - 1] === 1) w = squeeze(w, [-1]);
    const losses = sparseSoftmaxCrossEntropyWithLogits({ labels: lb, logits: lg, name: 'xentropy' });
    return computeWeightedLoss(losses, { ...opts, weights: w, name: `${scope}/` });
  });
}

/**
 * TF's sigmoid_cross_entropy_with_logits in its stable form: max(x, 0) - x * z + log1p(exp(-|x|)), built from
 * elementwise ops (tf.nn has no op of its own for it).
 */
function sigmoidCrossEntropyWithLogits(labels: Tensor, logits: Tensor): Tensor {
  return logits.graph.withNameScope('logistic_loss', () => {
    const zeros = zerosLike(logits);
    const cond = greaterEqual(logits, zeros);
    const reluLogits = where(cond, logits, zeros, { name: 'Select' });
    const negAbs = where(cond, neg(logits), logits, { name: 'Select_1' });
    return add(sub(reluLogits, mul(logits, labels), { name: 'sub' }), log1p(exp(negAbs)), { name: 'logistic_loss' });
  });
}

/**
 * `tf.losses.sigmoidCrossEntropy(multiClassLabels, logits, {weights?, labelSmoothing?, name?})`: elementwise
 * sigmoid cross entropy, weighted per element. Label smoothing: labels * (1 - s) + s / 2.
 */
export function sigmoidCrossEntropy(multiClassLabels: TensorLike, logits: TensorLike, opts: LossOptions & { labelSmoothing?: number } = {}): Tensor {
  const lg = convertToTensor(logits);
  return lg.graph.withNameScope(opts.name ?? 'sigmoid_cross_entropy_loss', (scope) => {
    let labels = asFloat(multiClassLabels, lg.dtype);
    if (!compatible(lg, labels)) throw new InvalidArgumentError(`tf.losses.sigmoidCrossEntropy: logits '${lg.name}' and labels '${labels.name}' have incompatible shapes`);
    const s = opts.labelSmoothing ?? 0;
    if (s > 0) labels = add(mul(labels, constant(1 - s, { dtype: lg.dtype })), constant(0.5 * s, { dtype: lg.dtype }));
    const losses = sigmoidCrossEntropyWithLogits(labels, lg);
    return computeWeightedLoss(losses, { ...opts, name: `${scope}/` });
  });
}

/** `tf.losses.getLosses()`: the LOSSES collection of the default graph. */
export function getLosses(): Tensor[] { return getDefaultGraph().getCollection<Tensor>(GraphKeys.LOSSES); }

/** `tf.losses.getRegularizationLosses()`: the 'regularization_losses' collection. */
export function getRegularizationLosses(): Tensor[] { return getDefaultGraph().getCollection<Tensor>(REGULARIZATION_LOSSES); }

/**
 * `tf.losses.getTotalLoss({addRegularizationLosses = true, name = 'total_loss'})`: the sum (AddN) of the losses and,
 * by default, the regularization losses. An error when there are none, as in TF.
 */
export function getTotalLoss(opts: { addRegularizationLosses?: boolean; name?: string } = {}): Tensor {
  const all = [...getLosses(), ...(opts.addRegularizationLosses ?? true ? getRegularizationLosses() : [])];
  if (all.length === 0) throw new InvalidArgumentError('tf.losses.getTotalLoss: no losses in the LOSSES collection');
  return addN(all, { name: opts.name ?? 'total_loss' });
}
