// tf.nn normalisation: FusedBatchNorm, FusedBatchNormV2, FusedBatchNormV3 and their gradients FusedBatchNormGrad(V2,
// V3) (TF's ops, nn_ops.cc, with TF's CPU semantics; one implementation, V1/V2 without reserve_space_3), and
// the composite builders `fusedBatchNorm`, `batchNormalization` and `moments` (nn_impl.py).
//
// FusedBatchNormV3 in training normalises with the batch's biased variance, returns the unbiased one as
// batch_variance (times M / (M - 1), M the values per channel), and the batch mean and biased variance as
// reserve_space_1/2, which its gradient reads back. With exponential_avg_factor f != 1, batch_mean/batch_variance are
// (1 - f) * the given mean/variance + f * the batch's. In inference it normalises with the given mean and variance and
// returns them as the statistics outputs.
import { DType } from '../graph/dtypes.js';
import { InvalidArgumentError, UnimplementedError } from '../graph/errors.js';
import { NDArray } from '../graph/ndarray.js';
import { Dim, formatShape, mergeDim, Shape } from '../graph/shape.js';
import { AttrValue, Operation, Tensor } from '../graph/tensor.js';
import { empty } from './cpu.js';
import { FLOATS } from './elementwise.js';
import { squeeze } from './array.js';
import { stopGradient } from './gradients.js';
import { add, cast, mul, neg, reduceMean, rsqrt, squaredDifference, sub } from './math.js';
import { addOp, defineOp, describeInput, ShapeContext } from './registry.js';
import { constant, convertToTensor, NameOpt, TensorLike } from './values.js';
import { fusedBatchNormGpu, fusedBatchNormGradGpu, layoutOf } from './wgsl/norm.js';

type Format = 'NHWC' | 'NCHW';

const NORM_ATTRS = {
  T: { type: 'type' }, U: { type: 'type' },
  epsilon: { type: 'float', default: 0.0001 },
  data_format: { type: 'string', default: 'NHWC' },
  is_training: { type: 'bool', default: true },
} as const;

/** Checks x (4-D, float) and the per-channel inputs (1-D of C values, dtype U); returns x's shape and C. */
function checkNormInputs(c: ShapeContext, x: Tensor, perChannel: ReadonlyArray<[Tensor, string, boolean]>): { shape: Shape; channels: Dim } {
  const format = c.attrs.data_format as string;
  if (format !== 'NHWC' && format !== 'NCHW') c.fail(`data_format must be 'NHWC' or 'NCHW', got '${format}'`);
  if (!FLOATS.includes(x.dtype)) c.fail(`x ${describeInput(x)} must be float32 or float64, got ${x.dtype}`);
  if (c.attrs.T !== x.dtype) c.fail(`attr T is ${String(c.attrs.T)} but x ${describeInput(x)} is ${x.dtype}`);
  if (x.shape !== null && x.shape.length !== 4) c.fail(`x must be 4-dimensional, got ${describeInput(x)}`);
  let channels: Dim = x.shape === null ? null : x.shape[format === 'NCHW' ? 1 : 3];
  for (const [t, what, check] of perChannel) {
    if (t.dtype !== c.attrs.U) c.fail(`${what} ${describeInput(t)} must be ${String(c.attrs.U)} (attr U), got ${t.dtype}`);
    if (t.shape !== null && t.shape.length !== 1) c.fail(`${what} must be 1-dimensional, got ${describeInput(t)}`);
    if (!check || t.shape === null) continue;
    const m = mergeDim(channels, t.shape[0]);
    if (m === undefined) c.fail(`${what} ${describeInput(t)} must have as many values as x ${describeInput(x)} has channels (${format})`);
    channels = m as Dim;
  }
  return { shape: x.shape, channels };
}

/** The channel of flat index i and the values per channel, for a 4-D shape of `format`. */
function channelIndex(shape: readonly number[], format: string): { C: number; M: number; channel: (i: number) => number } {
  const { C, M, HW, nchw } = layoutOf(shape, format);
  return { C, M, channel: nchw ? (i) => Math.floor(i / HW) % C : (i) => i % C };
}

/** The kernels' errors for concrete shapes (the shape rule has checked what was known while building). */
function checkConcrete(node: string, type: string, x: NDArray, perChannel: ReadonlyArray<[NDArray, string]>, format: string): void {
  const fail = (m: string): never => { throw new InvalidArgumentError(`${type} node '${node}': ${m}`); };
  if (x.rank !== 4) fail(`x must be 4-dimensional, got ${formatShape(x.shape)}`);
  const C = layoutOf(x.shape, format).C;
  for (const [t, what] of perChannel) {
    if (t.rank !== 1 || t.shape[0] !== C) fail(`${what} must have shape [${C}] (the channels of x ${formatShape(x.shape)}, ${format}), got ${formatShape(t.shape)}`);
  }
}

/**
 * The FusedBatchNorm family: V3 (6 outputs, U attr), V2 (5 outputs: no reserve_space_3) and V1 (5 outputs, no U attr:
 * every input is T). One implementation; V1's kernels see U = T.
 */
interface NormVariant { type: string; gradType: string; hasU: boolean; r3: boolean }
const NORM_VARIANTS: NormVariant[] = [
  { type: 'FusedBatchNorm', gradType: 'FusedBatchNormGrad', hasU: false, r3: false },
  { type: 'FusedBatchNormV2', gradType: 'FusedBatchNormGradV2', hasU: true, r3: false },
  { type: 'FusedBatchNormV3', gradType: 'FusedBatchNormGradV3', hasU: true, r3: true },
];

/** Attrs with U filled in (V1 has none: its statistics are T). */
function withU<A extends Readonly<Record<string, unknown>>>(attrs: A): A {
  return attrs.U === undefined ? { ...attrs, U: attrs.T } : attrs;
}

/** V1 has no U attr. */
function variantAttrs(v: NormVariant, extra: Record<string, { type: 'float'; default: number }>) {
  const { U: _u, ...noU } = NORM_ATTRS;
  return { ...(v.hasU ? NORM_ATTRS : noU), ...extra };
}

for (const v of NORM_VARIANTS) {
  defineOp({
    type: v.type,
    inputs: ['x', 'scale', 'offset', 'mean', 'variance'],
    attrs: variantAttrs(v, { exponential_avg_factor: { type: 'float', default: 1 } }),
    shape: (c0) => {
      const c = { ...c0, attrs: withU(c0.attrs) };
      const [x, scale, offset, mean, variance] = c.inputs;
      // As TF: in training with exponential_avg_factor 1, mean and variance are unused and may be empty.
      const needStats = !(c.attrs.is_training as boolean) || c.attrs.exponential_avg_factor !== 1;
      const { shape, channels } = checkNormInputs(c, x, [
        [scale, 'scale', true], [offset, 'offset', true], [mean, 'mean', needStats], [variance, 'variance', needStats],
      ]);
      const u = c.attrs.U as DType;
      const stat = { dtype: u, shape: [channels] };
      const outs = [{ dtype: x.dtype, shape }, stat, stat, stat, stat];
      return v.r3 ? [...outs, { dtype: u, shape: [] }] : outs;
    },
    cpu: (inputs, attrs, ctx) => {
      const outs = fusedBatchNormCpu(v.type, inputs, withU(attrs), ctx.name);
      return v.r3 ? outs : outs.slice(0, 5);
    },
    gpu: (k) => fusedBatchNormGpu({ ...k, attrs: withU(k.attrs) }),
    grad: (op, [dy]) => fusedBatchNormGrad(op, dy!, v),
  });
}

function fusedBatchNormCpu(type: string, [x, scale, offset, mean, variance]: NDArray[], attrs: Readonly<Record<string, unknown>>, node: string): NDArray[] {
  const format = attrs.data_format as string;
  const training = attrs.is_training as boolean;
  const factor = attrs.exponential_avg_factor as number;
  const eps = attrs.epsilon as number;
  const needStats = !training || factor !== 1;
  checkConcrete(node, type, x, [[scale, 'scale'], [offset, 'offset'], ...(needStats ? [[mean, 'mean'], [variance, 'variance']] as Array<[NDArray, string]> : [])], format);
  const { C, M, channel } = channelIndex(x.shape, format);
  const u = attrs.U as DType;
  let mu: Float64Array, vb: Float64Array;
  if (training) {
    mu = new Float64Array(C);
    vb = new Float64Array(C);
    for (let i = 0; i < x.size; i++) mu[channel(i)] += x.data[i];
    for (let c = 0; c < C; c++) mu[c] /= M;
    for (let i = 0; i < x.size; i++) { const d = x.data[i] - mu[channel(i)]; vb[channel(i)] += d * d; }
    for (let c = 0; c < C; c++) vb[c] /= M;
  } else {
    mu = Float64Array.from(mean.data);
    vb = Float64Array.from(variance.data);
  }
  const y = empty(x.dtype, x.shape);
  for (let i = 0; i < x.size; i++) {
    const c = channel(i);
    y.data[i] = (x.data[i] - mu[c]) * (scale.data[c] / Math.sqrt(vb[c] + eps)) + offset.data[c];
  }
  if (!training) return [y, mean, variance, mean, variance, empty(u, [])];
  const adjust = M / Math.max(M - 1, 1);
  const stat = (f: (c: number) => number): NDArray => {
    const out = empty(u, [C]);
    for (let c = 0; c < C; c++) out.data[c] = f(c);
    return out;
  };
  return [
    y,
    stat((c) => (factor === 1 ? mu[c] : (1 - factor) * mean.data[c] + factor * mu[c])),
    stat((c) => (factor === 1 ? vb[c] * adjust : (1 - factor) * variance.data[c] + factor * vb[c] * adjust)),
    stat((c) => mu[c]),
    stat((c) => vb[c]),
    empty(u, []),
  ];
}

/**
 * TF's _BaseFusedBatchNormGrad (nn_grad.py): in training, the matching FusedBatchNormGrad(V2/V3) from the saved batch
 * statistics (reserve_space_1/2, and 3 for V3); in inference, from the population mean and variance given as inputs
 * 3 and 4. Only y's gradient flows back (TF ignores the statistics outputs'); mean and variance get none. TF
 * transposes NCHW to NHWC for the inference gradient because its CPU kernel lacks NCHW there; this kernel has it, so
 * no transposes.
 */
function fusedBatchNormGrad(op: Operation, dy: Tensor, v: NormVariant): Array<Tensor | null> {
  const [x, scale, , mean, variance] = op.inputs;
  const training = op.attrs.is_training as boolean;
  const r1 = training ? op.outputs[3] : mean;
  const r2 = training ? op.outputs[4] : variance;
  const attrs: Record<string, AttrValue> = { T: op.attrs.T, epsilon: op.attrs.epsilon, data_format: op.attrs.data_format, is_training: training };
  if (v.hasU) attrs.U = op.attrs.U;
  const g = addOp(v.gradType, v.r3 ? [dy, x, scale, r1, r2, op.outputs[5]] : [dy, x, scale, r1, r2], attrs, { name: v.gradType });
  return [g.outputs[0], g.outputs[1], g.outputs[2], null, null];
}

for (const v of NORM_VARIANTS) {
  defineOp({
    type: v.gradType,
    inputs: ['y_backprop', 'x', 'scale', 'reserve_space_1', 'reserve_space_2', ...(v.r3 ? ['reserve_space_3'] : [])],
    attrs: variantAttrs(v, {}),
    // TF has a second-order gradient (_FusedBatchNormGradGrad); Kiln does not yet, and says so by name.
    grad: (op) => {
      throw new UnimplementedError(`The second-order gradient of batch normalization ('${op.name}', ${v.gradType}) is not implemented`);
    },
    shape: (c0) => {
      const c = { ...c0, attrs: withU(c0.attrs) };
      const [dy, x, scale, r1, r2] = c.inputs;
      if (dy.dtype !== x.dtype) c.fail(`y_backprop ${describeInput(dy)} is ${dy.dtype} but x ${describeInput(x)} is ${x.dtype}`);
      let { shape, channels } = checkNormInputs(c, x, [[scale, 'scale', true], [r1, 'reserve_space_1', true], [r2, 'reserve_space_2', true]]);
      if (dy.shape !== null && shape !== null) {
        const merged = dy.shape.length === 4 ? shape.map((d, i) => mergeDim(d, dy.shape![i])) : [undefined];
        if (merged.some((d) => d === undefined)) c.fail(`y_backprop ${describeInput(dy)} and x ${describeInput(x)} must have the same shape`);
        shape = merged as Dim[];
      } else shape ??= dy.shape;
      const u = c.attrs.U as DType;
      return [{ dtype: x.dtype, shape }, { dtype: u, shape: [channels] }, { dtype: u, shape: [channels] }, { dtype: u, shape: [0] }, { dtype: u, shape: [0] }];
    },
    cpu: ([dy, x, scale, r1, r2], attrs0, ctx) => {
      const attrs = withU(attrs0);
      const format = attrs.data_format as string;
      checkConcrete(ctx.name, v.gradType, x, [[scale, 'scale'], [r1, 'reserve_space_1'], [r2, 'reserve_space_2']], format);
      if (formatShape(dy.shape) !== formatShape(x.shape)) {
        throw new InvalidArgumentError(`${v.gradType} node '${ctx.name}': y_backprop ${formatShape(dy.shape)} and x ${formatShape(x.shape)} must have the same shape`);
      }
      const { C, M, channel } = channelIndex(x.shape, format);
      const eps = attrs.epsilon as number;
      const u = attrs.U as DType;
      const a = new Float64Array(C), b = new Float64Array(C);
      for (let i = 0; i < x.size; i++) {
        const c = channel(i);
        a[c] += dy.data[i];
        b[c] += dy.data[i] * (x.data[i] - r1.data[c]);
      }
      const dx = empty(x.dtype, x.shape);
      for (let i = 0; i < x.size; i++) {
        const c = channel(i);
        const ve = r2.data[c] + eps;
        dx.data[i] = attrs.is_training
          ? (scale.data[c] / Math.sqrt(ve)) * (dy.data[i] - a[c] / M - ((x.data[i] - r1.data[c]) * b[c]) / (M * ve))
          : (dy.data[i] * scale.data[c]) / Math.sqrt(ve);
      }
      const dscale = empty(u, [C]), doffset = empty(u, [C]);
      for (let c = 0; c < C; c++) {
        dscale.data[c] = b[c] / Math.sqrt(r2.data[c] + eps);
        doffset.data[c] = a[c];
      }
      return [dx, dscale, doffset, empty(u, [0]), empty(u, [0])];
    },
    gpu: (k) => fusedBatchNormGradGpu({ ...k, attrs: withU(k.attrs) }),
  });
}

// ---- builders ---------------------------------------------------------------------------------------------------

export interface FusedBatchNormOptions extends NameOpt {
  /** The population mean and variance: required for inference; in training, unused (TF1 passes empty tensors). */
  mean?: TensorLike;
  variance?: TensorLike;
  /** Default 0.001 (TF1's Python default), raised to at least 1.001e-5 as TF1 does. */
  epsilon?: number;
  dataFormat?: Format;
  isTraining?: boolean;
}

/**
 * `tf.nn.fusedBatchNorm(x, scale, offset, {mean?, variance?, epsilon?, dataFormat?, isTraining?, name?})`: TF1's
 * `tf.nn.fused_batch_norm`, one FusedBatchNormV3 node; returns [y, batchMean, batchVariance] (in training, the batch
 * variance is the unbiased one; y is normalised with the biased one).
 */
export function fusedBatchNorm(x: TensorLike, scale: TensorLike, offset: TensorLike, opts: FusedBatchNormOptions = {}): [Tensor, Tensor, Tensor] {
  const training = opts.isTraining ?? true;
  const what = `tf.nn.fusedBatchNorm '${opts.name ?? 'FusedBatchNormV3'}'`;
  const xt = convertToTensor(x);
  const u: DType = scale instanceof Tensor ? scale.dtype : xt.dtype;
  const per = (v: TensorLike | undefined, name: string): Tensor => {
    if (v === undefined) {
      if (!training) throw new InvalidArgumentError(`${what}: ${name} is required for inference (isTraining: false)`);
      return constant(new NDArray(u, [0], empty(u, [0]).data), { name: 'Const', graph: xt.graph });
    }
    return v instanceof Tensor ? convertToTensor(v) : convertToTensor(v, u, name, xt.graph);
  };
  const inputs = [xt, per(scale, 'scale'), per(offset, 'offset'), per(opts.mean, 'mean'), per(opts.variance, 'variance')];
  const epsilon = Math.max(opts.epsilon ?? 0.001, 1.001e-5);
  const op = addOp('FusedBatchNormV3', inputs, {
    T: xt.dtype, U: u, epsilon, data_format: opts.dataFormat ?? 'NHWC', is_training: training,
  }, { name: opts.name ?? 'FusedBatchNormV3' });
  return [op.outputs[0], op.outputs[1], op.outputs[2]];
}

/**
 * `tf.nn.batchNormalization(x, mean, variance, offset, scale, varianceEpsilon, {name?})`: TF's formula
 * `x * inv + (offset - mean * inv)` with `inv = rsqrt(variance + epsilon) * scale`, built from elementwise ops (so the
 * GPU fuser makes it one shader and the gradients come from those ops). offset and scale may be null.
 */
export function batchNormalization(
  x: TensorLike, mean: TensorLike, variance: TensorLike, offset: TensorLike | null | undefined, scale: TensorLike | null | undefined,
  varianceEpsilon: number, opts: NameOpt = {},
): Tensor {
  const xt = convertToTensor(x);
  return xt.graph.withNameScope(opts.name ?? 'batchnorm', () => {
    const dt = xt.dtype;
    const conv = (v: TensorLike): Tensor => (v instanceof Tensor ? convertToTensor(v) : convertToTensor(v, dt));
    const m = conv(mean);
    let inv = rsqrt(add(conv(variance), constant(varianceEpsilon, { dtype: m.dtype }), { name: 'add' }), { name: 'Rsqrt' });
    if (scale !== null && scale !== undefined) inv = mul(inv, conv(scale), { name: 'mul' });
    const inv2 = cast(inv, dt);
    const shift = offset !== null && offset !== undefined
      ? sub(conv(offset), mul(m, inv, { name: 'mul_2' }), { name: 'sub' })
      : neg(mul(m, inv, { name: 'mul_2' }), { name: 'Neg' });
    return add(mul(xt, inv2, { name: 'mul_1' }), cast(shift, dt), { name: 'add_1' });
  });
}

/**
 * `tf.nn.moments(x, axes, {keepDims?, name?})`: [mean, variance] over `axes` as TF1 computes them: the mean, then the
 * mean of squaredDifference(x, stopGradient(mean)) (the biased variance).
 */
export function moments(x: TensorLike, axes: readonly number[], opts: NameOpt & { keepDims?: boolean } = {}): [Tensor, Tensor] {
  const xt = convertToTensor(x);
  return xt.graph.withNameScope(opts.name ?? 'moments', () => {
    const mean = reduceMean(xt, axes, true, { name: 'mean' });
    const variance = reduceMean(squaredDifference(xt, stopGradient(mean), { name: 'SquaredDifference' }), axes, true, { name: 'variance' });
    if (opts.keepDims) return [mean, variance];
    return [squeeze(mean, axes, { name: 'Squeeze' }), squeeze(variance, axes, { name: 'Squeeze_1' })];
  });
}
