// tf.layers: TF1's functional layers (tf.layers.dense, conv2d, max_pooling2d, average_pooling2d, flatten, dropout,
// batch_normalization), with TF1's variable names (`dense/kernel`, `batch_normalization/moving_mean`), unique layer
// scopes (dense, dense_1, ...), default initializers and update ops. TF1's keyword arguments go in an options object.
//
// A `training` flag may be a JS boolean or a bool scalar tensor. TF1 picks a branch with smart_cond (a cond op for a
// tensor); Kiln has no cond op yet, so for a tensor both branches are built and `tf.where` selects between them (the
// scalar condition broadcasts). `where` rather than multiplying by a cast mask: a NaN or Inf in the unused branch
// cannot leak into the result, and the gradient reaches only the selected branch (SelectV2's gradient).
import { DType, isFloat } from '../graph/dtypes.js';
import { InvalidArgumentError } from '../graph/errors.js';
import { getDefaultGraph, GraphKeys } from '../graph/graph.js';
import { Dim } from '../graph/shape.js';
import { Tensor } from '../graph/tensor.js';
import { concat, reshape, shape as shapeOf, slice } from '../ops/array.js';
import { avgPool, conv2d as conv2dOp, maxPool } from '../ops/conv.js';
import { dropout as dropoutOp } from '../ops/dropout.js';
import { matmul, mul, sub, where } from '../ops/math.js';
import { biasAdd } from '../ops/nn.js';
import { batchNormalization as batchNormOp, fusedBatchNorm, moments } from '../ops/norm.js';
import { addOp } from '../ops/registry.js';
import { constant, convertToTensor, identity as identityOp, TensorLike, Variable, variable } from '../ops/values.js';
import { glorotUniform, Initializer, ones, zeros } from './initializers.js';

export type Activation = (x: Tensor) => Tensor;
/** TF layers' data formats; TF ops' names are accepted too. */
export type DataFormat = 'channels_last' | 'channels_first' | 'NHWC' | 'NCHW';
type Pair = number | readonly [number, number];

// ---- scopes and variables ---------------------------------------------------------------------------------------

/**
 * Runs `fn` in the layer's scope: a fresh unique one from `defaultName` (dense, dense_1, ...), or exactly `name` when
 * given (TF1 then creates the variables under that name, and a second layer of that name is an error).
 */
function layerScope<T>(defaultName: string, name: string | undefined, fn: (scope: string) => T): T {
  const g = getDefaultGraph();
  if (name === undefined) return g.withNameScope(defaultName, fn);
  const full = g.currentScope ? `${g.currentScope}/${name}` : name;
  g.uniqueName(name); // marks the name as used, so a later default-named scope does not take it
  return g.withNameScope(`${full}/`, fn);
}

/** A variable of the current layer scope, its initial value built under `<scope>/<name>/Initializer` as TF1 does. */
function layerVariable(name: string, shape: number[], dtype: DType, init: Initializer, trainable: boolean): Variable {
  const g = getDefaultGraph();
  const full = g.currentScope ? `${g.currentScope}/${name}` : name;
  if (g.hasOperation(full)) {
    throw new InvalidArgumentError(`Variable ${full} already exists, disallowed: give the layer another name (Kiln has no variable reuse yet)`);
  }
  const initial = g.withNameScope(`${full}/Initializer/`, () => init(shape, dtype));
  return variable(initial, { name, trainable });
}

function checkInput(x: TensorLike, what: string): Tensor {
  const t = convertToTensor(x);
  if (!isFloat(t.dtype)) throw new InvalidArgumentError(`${what}: inputs '${t.name}' must be float, got ${t.dtype}`);
  return t;
}

function knownDim(t: Tensor, axis: number, what: string): number {
  const d = t.shape?.[axis < 0 ? t.shape.length + axis : axis] ?? null;
  if (d === null) throw new InvalidArgumentError(`${what}: dimension ${axis} of the inputs '${t.name}' must be known, got shape ${t.shape === null ? '<unknown>' : `[${t.shape.map((x) => x ?? '?').join(',')}]`}`);
  return d;
}

function nhwc(format: DataFormat | undefined): 'NHWC' | 'NCHW' {
  const f = format ?? 'channels_last';
  if (f === 'channels_last' || f === 'NHWC') return 'NHWC';
  if (f === 'channels_first' || f === 'NCHW') return 'NCHW';
  throw new InvalidArgumentError(`data_format must be 'channels_last' or 'channels_first', got '${String(f)}'`);
}

function paddingOf(p: string | undefined): 'SAME' | 'VALID' {
  const u = (p ?? 'valid').toUpperCase();
  if (u !== 'SAME' && u !== 'VALID') throw new InvalidArgumentError(`padding must be 'valid' or 'same', got '${p}'`);
  return u;
}

const pair = (v: Pair): [number, number] => (typeof v === 'number' ? [v, v] : [v[0], v[1]]);

// ---- dense ------------------------------------------------------------------------------------------------------

export interface DenseOptions {
  activation?: Activation | null;
  useBias?: boolean;
  kernelInitializer?: Initializer;
  biasInitializer?: Initializer;
  trainable?: boolean;
  name?: string;
}

/**
 * `tf.layers.dense(inputs, units, opts)`: inputs · kernel + bias, then the activation. kernel [in, units] (default
 * glorotUniform), bias [units] (zeros). Inputs of rank > 2 are multiplied along their last axis (TF's tensordot).
 */
export function dense(inputs: TensorLike, units: number, opts: DenseOptions = {}): Tensor {
  const x = checkInput(inputs, 'tf.layers.dense');
  if (!Number.isInteger(units) || units <= 0) throw new InvalidArgumentError(`tf.layers.dense: units must be a positive integer, got ${units}`);
  if (x.rank === null || x.rank < 2) throw new InvalidArgumentError(`tf.layers.dense: inputs '${x.name}' must have a known rank of at least 2`);
  const inDim = knownDim(x, -1, 'tf.layers.dense');
  return layerScope('dense', opts.name, () => {
    const trainable = opts.trainable ?? true;
    const kernel = layerVariable('kernel', [inDim, units], x.dtype, opts.kernelInitializer ?? glorotUniform(), trainable);
    const bias = opts.useBias ?? true ? layerVariable('bias', [units], x.dtype, opts.biasInitializer ?? zeros(), trainable) : null;
    let out: Tensor;
    if (x.rank === 2) out = matmul(x, kernel, { name: 'MatMul' });
    else {
      const lead = x.shape!.slice(0, -1);
      const flat = matmul(reshape(x, [-1, inDim], { name: 'Tensordot/Reshape' }), kernel, { name: 'Tensordot/MatMul' });
      const outShape = lead.every((d) => d !== null)
        ? [...(lead as number[]), units]
        : concat([slice(shapeOf(x), [0], [x.rank! - 1]), constant([units], { dtype: 'int32' })], 0, { name: 'Tensordot/concat' });
      out = reshape(flat, outShape, { name: 'Tensordot' });
    }
    if (bias !== null) out = biasAdd(out, bias, { name: 'BiasAdd' });
    return opts.activation ? opts.activation(out) : out;
  });
}

// ---- conv2d and pooling -----------------------------------------------------------------------------------------

export interface Conv2dOptions extends DenseOptions {
  strides?: Pair;
  /** 'valid' (default, as TF) or 'same', any case. */
  padding?: string;
  dataFormat?: DataFormat;
  dilationRate?: Pair;
}

/**
 * `tf.layers.conv2d(inputs, filters, kernelSize, opts)`: tf.nn.conv2d with a kernel [kh, kw, in, filters] (default
 * glorotUniform, whose fans multiply by kh * kw), a bias [filters] (zeros), then the activation.
 */
export function conv2d(inputs: TensorLike, filters: number, kernelSize: Pair, opts: Conv2dOptions = {}): Tensor {
  const x = checkInput(inputs, 'tf.layers.conv2d');
  const format = nhwc(opts.dataFormat);
  if (x.rank !== 4) throw new InvalidArgumentError(`tf.layers.conv2d: inputs '${x.name}' must be 4-dimensional`);
  if (!Number.isInteger(filters) || filters <= 0) throw new InvalidArgumentError(`tf.layers.conv2d: filters must be a positive integer, got ${filters}`);
  const inC = knownDim(x, format === 'NHWC' ? 3 : 1, 'tf.layers.conv2d');
  const [kh, kw] = pair(kernelSize);
  return layerScope('conv2d', opts.name, () => {
    const trainable = opts.trainable ?? true;
    const kernel = layerVariable('kernel', [kh, kw, inC, filters], x.dtype, opts.kernelInitializer ?? glorotUniform(), trainable);
    const bias = opts.useBias ?? true ? layerVariable('bias', [filters], x.dtype, opts.biasInitializer ?? zeros(), trainable) : null;
    let out = conv2dOp(x, kernel, pair(opts.strides ?? 1), paddingOf(opts.padding), {
      dataFormat: format, dilations: pair(opts.dilationRate ?? 1), name: 'Conv2D',
    });
    if (bias !== null) out = biasAdd(out, bias, { dataFormat: format, name: 'BiasAdd' });
    return opts.activation ? opts.activation(out) : out;
  });
}

export interface PoolingOptions { padding?: string; dataFormat?: DataFormat; name?: string }

function pooling(kind: 'max' | 'average', inputs: TensorLike, poolSize: Pair, strides: Pair, opts: PoolingOptions): Tensor {
  const x = checkInput(inputs, `tf.layers.${kind}Pooling2d`);
  const format = nhwc(opts.dataFormat);
  return layerScope(`${kind}_pooling2d`, opts.name, () => {
    const f = kind === 'max' ? maxPool : avgPool;
    return f(x, pair(poolSize), pair(strides), paddingOf(opts.padding), { dataFormat: format, name: kind === 'max' ? 'MaxPool' : 'AvgPool' });
  });
}

/** `tf.layers.maxPooling2d(inputs, poolSize, strides, {padding = 'valid', dataFormat, name})`. */
export function maxPooling2d(inputs: TensorLike, poolSize: Pair, strides: Pair, opts: PoolingOptions = {}): Tensor {
  return pooling('max', inputs, poolSize, strides, opts);
}

/** `tf.layers.averagePooling2d(inputs, poolSize, strides, {padding = 'valid', dataFormat, name})`. */
export function averagePooling2d(inputs: TensorLike, poolSize: Pair, strides: Pair, opts: PoolingOptions = {}): Tensor {
  return pooling('average', inputs, poolSize, strides, opts);
}

// ---- flatten ----------------------------------------------------------------------------------------------------

/** `tf.layers.flatten(inputs, {name})`: [batch, ...] -> [batch, product of the rest]. */
export function flatten(inputs: TensorLike, opts: { name?: string } = {}): Tensor {
  const x = convertToTensor(inputs);
  if (x.rank === null || x.rank < 1) throw new InvalidArgumentError(`tf.layers.flatten: inputs '${x.name}' must have a known rank of at least 1`);
  return layerScope('flatten', opts.name, () => {
    const rest = x.shape!.slice(1);
    if (rest.every((d) => d !== null)) return reshape(x, [-1, (rest as number[]).reduce((a, b) => a * b, 1)], { name: 'Reshape' });
    const batch = x.shape![0];
    if (batch !== null) return reshape(x, [batch, -1], { name: 'Reshape' });
    return reshape(x, concat([slice(shapeOf(x), [0], [1]), constant([-1], { dtype: 'int32' })], 0), { name: 'Reshape' });
  });
}

// ---- dropout ----------------------------------------------------------------------------------------------------

export interface DropoutLayerOptions {
  rate?: number | Tensor;
  /** A JS boolean (default false: the identity) or a bool scalar tensor. */
  training?: boolean | Tensor;
  seed?: number;
  noiseShape?: readonly Dim[] | Tensor;
  name?: string;
}

/** `tf.layers.dropout(inputs, {rate = 0.5, training = false, seed, noiseShape, name})`. */
export function dropout(inputs: TensorLike, opts: DropoutLayerOptions = {}): Tensor {
  const x = checkInput(inputs, 'tf.layers.dropout');
  const training = opts.training ?? false;
  return layerScope('dropout', opts.name, () => {
    const dropped = (): Tensor => dropoutOp(x, { rate: opts.rate ?? 0.5, noiseShape: opts.noiseShape, seed: opts.seed });
    if (training === true) return dropped();
    if (training === false) return identityOp(x);
    return where(checkFlag(training, 'tf.layers.dropout'), dropped(), identityOp(x));
  });
}

function checkFlag(t: Tensor, what: string): Tensor {
  if (!(t instanceof Tensor) || t.dtype !== 'bool') throw new InvalidArgumentError(`${what}: training must be a boolean or a bool tensor`);
  if (t.shape !== null && t.shape.length !== 0) throw new InvalidArgumentError(`${what}: training '${t.name}' must be a scalar`);
  return t;
}

// ---- batch normalization ----------------------------------------------------------------------------------------

export interface BatchNormOptions {
  axis?: number;
  momentum?: number;
  epsilon?: number;
  center?: boolean;
  scale?: boolean;
  betaInitializer?: Initializer;
  gammaInitializer?: Initializer;
  movingMeanInitializer?: Initializer;
  movingVarianceInitializer?: Initializer;
  /** A JS boolean (default false: normalise with the moving statistics) or a bool scalar tensor. */
  training?: boolean | Tensor;
  trainable?: boolean;
  name?: string;
  /** Use FusedBatchNormV3 (default: whenever it can, a 4-D input normalised along axis 1 or 3, as TF1). */
  fused?: boolean;
}

/**
 * `tf.layers.batchNormalization(inputs, opts)`: TF1's batch_normalization. Variables gamma (ones), beta (zeros),
 * moving_mean (zeros) and moving_variance (ones, both not trainable). In training the batch statistics normalise,
 * and two AssignSub ops, `moving -= (moving - batch) * (1 - momentum)`, go to the UPDATE_OPS collection: run them
 * with the train op. The fused path (FusedBatchNormV3) updates the moving variance with the unbiased batch variance,
 * the other with the biased one (moments), as TF1 does.
 */
export function batchNormalization(inputs: TensorLike, opts: BatchNormOptions = {}): Tensor {
  const x = checkInput(inputs, 'tf.layers.batchNormalization');
  const rank = x.rank;
  if (rank === null) throw new InvalidArgumentError(`tf.layers.batchNormalization: inputs '${x.name}' must have a known rank`);
  const axis = opts.axis ?? -1;
  const ax = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(axis) || ax < 0 || ax >= rank) throw new InvalidArgumentError(`tf.layers.batchNormalization: axis ${axis} is out of range for rank ${rank}`);
  const C = knownDim(x, ax, 'tf.layers.batchNormalization');
  const canFuse = rank === 4 && (ax === 1 || ax === 3);
  if (opts.fused === true && !canFuse) throw new InvalidArgumentError('tf.layers.batchNormalization: fused needs a 4-D input normalised along axis 1 or 3');
  const fused = opts.fused ?? canFuse;
  const training = opts.training ?? false;
  const momentum = opts.momentum ?? 0.99;
  const epsilon = opts.epsilon ?? 0.001;
  const dt = x.dtype;
  return layerScope('batch_normalization', opts.name, () => {
    const trainable = opts.trainable ?? true;
    const gamma = opts.scale ?? true ? layerVariable('gamma', [C], dt, opts.gammaInitializer ?? ones(), trainable) : null;
    const beta = opts.center ?? true ? layerVariable('beta', [C], dt, opts.betaInitializer ?? zeros(), trainable) : null;
    const movingMean = layerVariable('moving_mean', [C], dt, opts.movingMeanInitializer ?? zeros(), false);
    const movingVariance = layerVariable('moving_variance', [C], dt, opts.movingVarianceInitializer ?? ones(), false);
    const flag = typeof training === 'boolean' ? null : checkFlag(training, 'tf.layers.batchNormalization');
    /** The training branch's value, the inference branch's, or a where between them. */
    const pick = (train: () => Tensor, infer: () => Tensor): Tensor => {
      if (training === true) return train();
      if (training === false) return infer();
      return where(flag!, train(), infer());
    };

    let output: Tensor, mean: Tensor, variance: Tensor;
    if (fused) {
      const format = ax === 3 ? 'NHWC' : 'NCHW';
      const g = gamma ?? constant(new Array<number>(C).fill(1), { dtype: dt });
      const b = beta ?? constant(new Array<number>(C).fill(0), { dtype: dt });
      const train = training === false ? null : fusedBatchNorm(x, g, b, { epsilon, dataFormat: format });
      const infer = training === true ? null : fusedBatchNorm(x, g, b, { mean: movingMean, variance: movingVariance, epsilon, dataFormat: format, isTraining: false });
      output = pick(() => train![0], () => infer![0]);
      mean = pick(() => train![1], () => infer![1]);
      variance = pick(() => train![2], () => infer![2]);
    } else {
      const reduce = Array.from({ length: rank }, (_, i) => i).filter((i) => i !== ax);
      const batch = training === false ? null : moments(x, reduce);
      mean = pick(() => batch![0], () => movingMean.value());
      variance = pick(() => batch![1], () => movingVariance.value());
      // Per-channel values broadcast along `axis` (a reshape unless it is the last axis).
      const bshape = Array.from({ length: rank }, (_, i) => (i === ax ? C : 1));
      const bc = (t: Tensor | null): Tensor | null => (t === null || ax === rank - 1 ? t : reshape(t, bshape));
      output = batchNormOp(x, bc(mean)!, bc(variance)!, bc(beta), bc(gamma), epsilon);
    }
    if (training !== false) {
      // TF1: momentum is 1 (no change) when a training tensor is false at run time.
      const decay = flag === null ? constant(1 - momentum, { dtype: dt }) : where(flag, constant(1 - momentum, { dtype: dt }), constant(0, { dtype: dt }));
      const g = getDefaultGraph();
      for (const [v, value] of [[movingMean, mean], [movingVariance, variance]] as const) {
        const update = g.withNameScope('AssignMovingAvg', (scope) => {
          const delta = mul(sub(v, value, { name: 'sub' }), decay, { name: 'mul' });
          return addOp('AssignSub', [v, delta], { T: dt, use_locking: false }, { name: scope, exactName: true }).outputs[0];
        });
        g.addToCollection(GraphKeys.UPDATE_OPS, update);
      }
    }
    return output;
  });
}
