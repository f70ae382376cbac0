// tf.initializers: TF1's init_ops. Each is a factory returning `(shape, dtype?) => Tensor`, which builds the graph of
// an initial value (a variable's `initialValue`), with TF1's defaults and formulas.
import { DType, isFloat } from '../graph/dtypes.js';
import { InvalidArgumentError } from '../graph/errors.js';
import { NDArray } from '../graph/ndarray.js';
import { Tensor } from '../graph/tensor.js';
import { zeros as zerosOp, ones as onesOp } from '../ops/array.js';
import { normal, truncatedNormal as truncatedNormalOp, uniform } from '../ops/random.js';
import { constant as constantOp } from '../ops/values.js';

export type Initializer = (shape: readonly number[], dtype?: DType) => Tensor;

function checkShape(shape: readonly number[], what: string): void {
  if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new InvalidArgumentError(`${what}: shape must be a list of non-negative integers, got ${JSON.stringify(shape)}`);
  }
}

function checkFloat(dtype: DType, what: string): void {
  if (!isFloat(dtype)) throw new InvalidArgumentError(`${what}: expected a float dtype, got ${dtype}`);
}

/** `tf.initializers.zeros()`. */
export function zeros(): Initializer {
  return (shape, dtype = 'float32') => { checkShape(shape, 'zeros initializer'); return zerosOp([...shape], { dtype }); };
}

/** `tf.initializers.ones()`. */
export function ones(): Initializer {
  return (shape, dtype = 'float32') => { checkShape(shape, 'ones initializer'); return onesOp([...shape], { dtype }); };
}

/**
 * `tf.initializers.constant(value)`: TF1's constant_initializer. A number fills the shape; a list is laid out
 * row-major, and a shorter list is padded with its last value (TF1's constant_v1); a longer one is an error.
 */
export function constant(value: number | readonly number[]): Initializer {
  return (shape, dtype = 'float32') => {
    checkShape(shape, 'constant initializer');
    const n = shape.reduce((a, b) => a * b, 1);
    if (typeof value === 'number') return constantOp(new Array<number>(n).fill(value), { dtype, shape: [...shape] });
    const flat = value.flat(Infinity as 1) as number[];
    if (flat.length > n) throw new InvalidArgumentError(`constant initializer: ${flat.length} values are too many for shape [${shape.join(',')}]`);
    if (flat.length === 0 && n > 0) throw new InvalidArgumentError('constant initializer: an empty list cannot fill a non-empty shape');
    const data = Array.from({ length: n }, (_, i) => flat[Math.min(i, flat.length - 1)]);
    return constantOp(data, { dtype, shape: [...shape] });
  };
}

interface SeedOpt { seed?: number }

/** `tf.initializers.randomUniform({minval = 0, maxval = 1, seed})`: TF1's random_uniform_initializer. */
export function randomUniform(opts: SeedOpt & { minval?: number; maxval?: number } = {}): Initializer {
  return (shape, dtype = 'float32') => {
    checkShape(shape, 'randomUniform initializer');
    return uniform([...shape], { minval: opts.minval ?? 0, maxval: opts.maxval ?? (isFloat(dtype) ? 1 : undefined), dtype, seed: opts.seed });
  };
}

/** `tf.initializers.randomNormal({mean = 0, stddev = 1, seed})`: TF1's random_normal_initializer. */
export function randomNormal(opts: SeedOpt & { mean?: number; stddev?: number } = {}): Initializer {
  return (shape, dtype = 'float32') => {
    checkShape(shape, 'randomNormal initializer');
    checkFloat(dtype, 'randomNormal initializer');
    return normal([...shape], { mean: opts.mean ?? 0, stddev: opts.stddev ?? 1, dtype, seed: opts.seed });
  };
}

/** `tf.initializers.truncatedNormal({mean = 0, stddev = 1, seed})`: values beyond 2 stddevs are redrawn. */
export function truncatedNormal(opts: SeedOpt & { mean?: number; stddev?: number } = {}): Initializer {
  return (shape, dtype = 'float32') => {
    checkShape(shape, 'truncatedNormal initializer');
    checkFloat(dtype, 'truncatedNormal initializer');
    return truncatedNormalOp([...shape], { mean: opts.mean ?? 0, stddev: opts.stddev ?? 1, dtype, seed: opts.seed });
  };
}

/**
 * TF's _compute_fans: a vector has fan_in = fan_out = its length; a matrix [in, out]; a convolution kernel
 * [..., in, out] multiplies both by the receptive field size (the product of the leading dims); a scalar 1, 1.
 */
export function computeFans(shape: readonly number[]): { fanIn: number; fanOut: number } {
  if (shape.length < 1) return { fanIn: 1, fanOut: 1 };
  if (shape.length === 1) return { fanIn: shape[0], fanOut: shape[0] };
  if (shape.length === 2) return { fanIn: shape[0], fanOut: shape[1] };
  const receptive = shape.slice(0, -2).reduce((a, b) => a * b, 1);
  return { fanIn: shape[shape.length - 2] * receptive, fanOut: shape[shape.length - 1] * receptive };
}

/** The stddev of a standard normal truncated to [-2, 2] (scipy.stats.truncnorm.std(a=-2, b=2)), as TF's constant. */
const TRUNCATED_STDDEV = 0.87962566103423978;

export interface VarianceScalingOptions extends SeedOpt {
  scale?: number;
  mode?: 'fan_in' | 'fan_out' | 'fan_avg';
  /** TF 1.15: 'normal' is the truncated normal; 'untruncated_normal' the plain one. */
  distribution?: 'normal' | 'truncated_normal' | 'untruncated_normal' | 'uniform';
}

/**
 * `tf.initializers.varianceScaling({scale = 1, mode = 'fan_in', distribution = 'truncated_normal', seed})`: TF 1.15's
 * VarianceScaling. With n = max(1, fan) for the mode: a truncated normal with stddev sqrt(scale / n) / 0.8796...
 * (so the truncated values have that stddev), a normal with stddev sqrt(scale / n), or uniform in +-sqrt(3 scale / n).
 */
export function varianceScaling(opts: VarianceScalingOptions = {}): Initializer {
  const scale = opts.scale ?? 1;
  const mode = opts.mode ?? 'fan_in';
  const distribution = opts.distribution ?? 'truncated_normal';
  if (!(scale > 0)) throw new InvalidArgumentError(`varianceScaling: scale must be positive, got ${scale}`);
  if (!['fan_in', 'fan_out', 'fan_avg'].includes(mode)) throw new InvalidArgumentError(`varianceScaling: invalid mode '${mode}'`);
  if (!['normal', 'truncated_normal', 'untruncated_normal', 'uniform'].includes(distribution)) {
    throw new InvalidArgumentError(`varianceScaling: invalid distribution '${distribution}'`);
  }
  return (shape, dtype = 'float32') => {
    checkShape(shape, 'varianceScaling initializer');
    checkFloat(dtype, 'varianceScaling initializer');
    const { fanIn, fanOut } = computeFans(shape);
    const n = Math.max(1, mode === 'fan_in' ? fanIn : mode === 'fan_out' ? fanOut : (fanIn + fanOut) / 2);
    const s = scale / n;
    if (distribution === 'normal' || distribution === 'truncated_normal') {
      return truncatedNormalOp([...shape], { mean: 0, stddev: Math.sqrt(s) / TRUNCATED_STDDEV, dtype, seed: opts.seed });
    }
    if (distribution === 'untruncated_normal') return normal([...shape], { mean: 0, stddev: Math.sqrt(s), dtype, seed: opts.seed });
    const limit = Math.sqrt(3 * s);
    return uniform([...shape], { minval: -limit, maxval: limit, dtype, seed: opts.seed });
  };
}

/** `tf.initializers.glorotUniform({seed})`: uniform in +-sqrt(6 / (fan_in + fan_out)). */
export function glorotUniform(opts: SeedOpt = {}): Initializer {
  return varianceScaling({ scale: 1, mode: 'fan_avg', distribution: 'uniform', seed: opts.seed });
}

/** `tf.initializers.glorotNormal({seed})`: truncated normal, stddev sqrt(2 / (fan_in + fan_out)) / 0.8796... */
export function glorotNormal(opts: SeedOpt = {}): Initializer {
  return varianceScaling({ scale: 1, mode: 'fan_avg', distribution: 'truncated_normal', seed: opts.seed });
}

/** `tf.initializers.heNormal({seed})`: truncated normal, stddev sqrt(2 / fan_in) / 0.8796... (TF 1.15's he_normal). */
export function heNormal(opts: SeedOpt = {}): Initializer {
  return varianceScaling({ scale: 2, mode: 'fan_in', distribution: 'truncated_normal', seed: opts.seed });
}

/** `tf.initializers.heUniform({seed})`: uniform in +-sqrt(6 / fan_in). */
export function heUniform(opts: SeedOpt = {}): Initializer {
  return varianceScaling({ scale: 2, mode: 'fan_in', distribution: 'uniform', seed: opts.seed });
}

/** An initializer given as one: a factory's result, or a concrete value (used as a constant of the variable's shape). */
export function resolveInitializer(init: Initializer | NDArray | number | undefined, fallback: Initializer): Initializer {
  if (init === undefined) return fallback;
  if (typeof init === 'function') return init;
  if (typeof init === 'number') return constant(init);
  const value = init;
  return (shape, dtype = 'float32') => {
    if (value.shape.join(',') !== shape.join(',')) throw new InvalidArgumentError(`initializer value of shape [${value.shape.join(',')}] does not match shape [${shape.join(',')}]`);
    return constantOp(value, { dtype });
  };
}
