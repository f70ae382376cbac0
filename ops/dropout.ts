// tf.nn.dropout, as TF 1.15's dropout_v2 (nn_ops.py): keep each value where a RandomUniform draw in [0, 1) is >= rate,
// scale the kept values by 1 / (1 - rate). Built from existing ops (RandomUniform, GreaterEqual, Cast, Mul), so its
// gradient is the Mul ops' and a seeded mask is the same on every executor (RandomUniform is bit-identical across them).
import { isFloat } from '../graph/dtypes.js';
import { InvalidArgumentError, UnimplementedError } from '../graph/errors.js';
import { Dim } from '../graph/shape.js';
import { Tensor } from '../graph/tensor.js';
import { shape as shapeOf } from './array.js';
import { cast, div, greaterEqual, mul, sub } from './math.js';
import { uniform } from './random.js';
import { constant, convertToTensor, NameOpt, TensorLike } from './values.js';

export interface DropoutOptions extends NameOpt {
  /** The probability of dropping each value: a number in [0, 1) or a float scalar tensor (a placeholderWithDefault). */
  rate?: number | Tensor;
  /** TF1's deprecated `keep_prob`: rate = 1 - keepProb. Give `rate` or `keepProb`, not both. */
  keepProb?: number | Tensor;
  /** The shape of the random mask, broadcast against x's (TF's noise_shape); a null dim takes x's dim. */
  noiseShape?: readonly Dim[] | Tensor;
  seed?: number;
}

/**
 * `tf.nn.dropout(x, {rate | keepProb, noiseShape?, seed?, name?})`: TF 1.15's `dropout(x, rate=)`. A JS rate of 0
 * returns x itself (as TF does); a tensor rate is checked to be a scalar of x's dtype.
 */
export function dropout(x: TensorLike, opts: DropoutOptions): Tensor {
  const xt = convertToTensor(x);
  const what = `tf.nn.dropout '${opts.name ?? 'dropout'}'`;
  if (!isFloat(xt.dtype)) throw new InvalidArgumentError(`${what}: x '${xt.name}' must be a float tensor, got ${xt.dtype}`);
  if ((opts.rate === undefined) === (opts.keepProb === undefined)) throw new InvalidArgumentError(`${what}: give exactly one of rate and keepProb`);
  const kp = opts.keepProb;
  const rate: number | Tensor = kp === undefined ? opts.rate! : typeof kp === 'number' ? 1 - kp : kp;
  if (typeof rate === 'number') {
    if (!(rate >= 0 && rate < 1)) throw new InvalidArgumentError(`${what}: rate must be a scalar tensor or a float in the range [0, 1), got ${rate}`);
    if (rate === 0) return xt;
  } else if (!(rate instanceof Tensor)) {
    throw new InvalidArgumentError(`${what}: rate must be a number or a scalar tensor, got ${String(rate)}`);
  }
  return xt.graph.withNameScope(opts.name ?? 'dropout', () => {
    let r: Tensor;
    if (typeof rate === 'number') r = constant(rate, { dtype: xt.dtype, name: 'rate' });
    // TF1's keep_prob tensor: rate = 1 - keep_prob.
    else if (kp !== undefined) r = sub(constant(1, { dtype: xt.dtype }), convertToTensor(rate, xt.dtype), { name: 'rate' });
    else r = convertToTensor(rate, xt.dtype);
    if (r.shape !== null && r.shape.length !== 0) throw new InvalidArgumentError(`${what}: rate '${r.name}' must be a scalar, got shape [${r.shape.join(',')}]`);
    const random = uniform(noiseShape(xt, opts.noiseShape, what), { dtype: xt.dtype, seed: opts.seed });
    const keepProb = sub(constant(1, { dtype: xt.dtype }), r, { name: 'sub' });
    const scale = div(constant(1, { dtype: xt.dtype }), keepProb, { name: 'truediv' });
    const keepMask = greaterEqual(random, r, { name: 'GreaterEqual' });
    return mul(mul(xt, scale, { name: 'mul' }), cast(keepMask, xt.dtype, { name: 'Cast' }), { name: 'mul_1' });
  });
}

/** TF's _get_noise_shape: x's shape by default; a given one's unknown dims are x's (which must be known). */
function noiseShape(x: Tensor, given: readonly Dim[] | Tensor | undefined, what: string): readonly number[] | Tensor {
  if (given instanceof Tensor) return given;
  if (given === undefined) {
    if (x.shape !== null && x.shape.every((d) => d !== null)) return x.shape as number[];
    return shapeOf(x);
  }
  if (x.shape !== null && x.shape.length !== given.length) {
    throw new InvalidArgumentError(`${what}: noiseShape [${given.join(',')}] has rank ${given.length}, x '${x.name}' has rank ${x.shape.length}`);
  }
  return given.map((d, i) => {
    if (d !== null) return d;
    const xd = x.shape?.[i] ?? null;
    if (xd === null) throw new UnimplementedError(`${what}: noiseShape's dim ${i} is null and x '${x.name}' has no known dim there; pass a shape tensor`);
    return xd;
  });
}
