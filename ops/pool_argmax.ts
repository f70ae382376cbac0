// MaxPoolWithArgmax and its gradients MaxPoolGradWithArgmax / MaxPoolGradGradWithArgmax (TF's nn_ops.cc; gradients
// as nn_grad.py's). NHWC only, as TF's op. argmax is the flat index of the chosen element, ((b * h + y) * w + x) * c + ch
// with include_batch_in_index, else (y * w + x) * c + ch; the choice is the first maximum in row-major window order
// (TF's CPU kernel), as MaxPool's (ops/conv.ts argmaxes).
import { DType } from '../graph/dtypes.js';
import { InvalidArgumentError } from '../graph/errors.js';
import { Attrs, Operation, Tensor } from '../graph/tensor.js';
import { argmaxes, concreteGeometry, ConvGeometry } from './conv.js';
import { empty } from './cpu.js';
import { NUMERIC } from './elementwise.js';
import { addOp, defineOp, describeInput, GradFn, ShapeContext } from './registry.js';
import { convertToTensor, NameOpt, TensorLike } from './values.js';
import { argmaxPoolGpu } from './wgsl/pool_argmax.js';

const ATTRS = {
  ksize: { type: 'list(int)' as const },
  strides: { type: 'list(int)' as const },
  padding: { type: 'string' as const },
  include_batch_in_index: { type: 'bool' as const, default: false },
  T: { type: 'type' as const },
};

/** The NHWC pooling geometry (MaxPool's rules; this op has no data_format attr). */
function geo(type: string, name: string, a: Readonly<Attrs>, x: readonly number[]): ConvGeometry {
  return concreteGeometry('pool', { ...a, data_format: 'NHWC' }, x, null, (m) => { throw new InvalidArgumentError(`${type} node '${name}': ${m}`); });
}

function staticGeo(c: ShapeContext): { shape: Array<number | null> | null } {
  const x = c.inputs[0];
  if (!NUMERIC.includes(x.dtype)) c.fail(`input dtype ${x.dtype} is not supported: ${describeInput(x)}`);
  if (x.shape === null) return { shape: null };
  if (x.shape.length !== 4) c.fail(`input must be 4-dimensional, got ${describeInput(x)}`);
  const [n, h, w, ch] = x.shape;
  const s = c.attrs.strides as number[], k = c.attrs.ksize as number[];
  for (const [nm, v] of [['ksize', k], ['strides', s]] as const) {
    if (!Array.isArray(v) || v.length !== 4 || v.some((d) => !Number.isInteger(d) || d < 1)) c.fail(`${nm} must be 4 positive integers, got [${v}]`);
    if (v[0] !== 1 || v[3] !== 1) c.fail(`${nm} must be 1 in the batch and depth dimensions, got [${v}]`);
  }
  const pad = c.attrs.padding as string;
  if (pad !== 'SAME' && pad !== 'VALID') c.fail(`padding must be 'SAME' or 'VALID', got '${pad}'`);
  const dim = (i: number | null, kk: number, ss: number): number | null => {
    if (i === null) return null;
    if (pad === 'SAME') return Math.ceil(i / ss);
    if (i < kk) c.fail(`Computed output size would be negative: input ${i}, window ${kk}, padding VALID`);
    return Math.floor((i - kk) / ss) + 1;
  };
  return { shape: [n, dim(h, k[1], s[1]), dim(w, k[2], s[2]), ch] };
}

/** Argmax indices as the op stores them (batch offset removed unless include_batch_in_index). */
function argmaxIndices(g: ConvGeometry, argmax: Int32Array, withBatch: boolean): Int32Array {
  const arg = Int32Array.from(argmax);
  const per = g.h * g.w * g.c, outPer = g.oh * g.ow * g.c;
  if (!withBatch) for (let i = 0; i < arg.length; i++) arg[i] -= Math.floor(i / outPer) * per;
  return arg;
}

/** The input index of argmax entry i: the stored value, plus its batch's offset when the batch is not included. */
function inputIndex(g: ConvGeometry, arg: ArrayLike<number>, i: number, withBatch: boolean, name: string, type: string): number {
  const per = g.h * g.w * g.c;
  const j = withBatch ? arg[i] : arg[i] + Math.floor(i / (g.oh * g.ow * g.c)) * per;
  if (!(j >= 0 && j < g.n * per)) throw new InvalidArgumentError(`${type} node '${name}': argmax value ${arg[i]} at ${i} is out of range`);
  return j;
}

const gradAttrs = (op: Operation): Attrs => ({
  ksize: op.attrs.ksize, strides: op.attrs.strides, padding: op.attrs.padding, include_batch_in_index: op.attrs.include_batch_in_index,
  Targmax: op.attrs.Targmax, T: op.attrs.T,
});

defineOp({
  type: 'MaxPoolWithArgmax',
  inputs: ['input'],
  attrs: { ksize: ATTRS.ksize, strides: ATTRS.strides, Targmax: { type: 'type', default: 'int64' }, padding: ATTRS.padding, include_batch_in_index: ATTRS.include_batch_in_index, T: ATTRS.T },
  shape: (c) => {
    const { shape } = staticGeo(c);
    const ta = c.attrs.Targmax as DType;
    if (ta !== 'int32' && ta !== 'int64') c.fail(`Targmax must be int32 or int64, got ${ta}`);
    return [{ dtype: c.inputs[0].dtype, shape }, { dtype: ta, shape }];
  },
  cpu: ([x], a, ctx) => {
    const g = geo('MaxPoolWithArgmax', ctx.name, a, x.shape);
    const shape = [g.n, g.oh, g.ow, g.c];
    const arg = argmaxes(g, x.data);
    const out = empty(x.dtype, shape), am = empty(a.Targmax as DType, shape);
    const idx = argmaxIndices(g, arg, a.include_batch_in_index as boolean);
    for (let i = 0; i < arg.length; i++) { out.data[i] = x.data[arg[i]]; am.data[i] = idx[i]; }
    return [out, am];
  },
  gpu: (k) => argmaxPoolGpu(k, geo('MaxPoolWithArgmax', k.name, k.attrs, k.inputs[0].shape), 'forward', k.attrs.include_batch_in_index as boolean),
  // nn_grad.py's _MaxPoolGradWithArgmax.
  grad: ((op, [dy]) => [addOp('MaxPoolGradWithArgmax', [op.inputs[0], dy!, op.outputs[1]], gradAttrs(op), { name: 'MaxPoolGradWithArgmax' }).outputs[0]]) as GradFn,
});

function checkGradInputs(c: ShapeContext, gradIndex: number): void {
  const [x, , arg] = c.inputs;
  const g = c.inputs[gradIndex];
  if (g.dtype !== x.dtype) c.fail(`grad ${describeInput(g)} must have the input's dtype ${x.dtype}`);
  if (arg.dtype !== 'int32' && arg.dtype !== 'int64') c.fail(`argmax must be int32 or int64, got ${describeInput(arg)} ${arg.dtype}`);
}

defineOp({
  type: 'MaxPoolGradWithArgmax',
  inputs: ['input', 'grad', 'argmax'],
  attrs: { ...ATTRS, Targmax: { type: 'type' } },
  shape: (c) => {
    checkGradInputs(c, 1);
    const { shape } = staticGeo(c);
    for (const t of [c.inputs[1], c.inputs[2]]) {
      if (shape !== null && t.shape !== null && (t.shape.length !== 4 || shape.some((d, i) => d !== null && t.shape![i] !== null && d !== t.shape![i]))) {
        c.fail(`${describeInput(t)} must have the pooled shape [${shape.map((d) => d ?? '?')}]`);
      }
    }
    return [{ dtype: c.inputs[0].dtype, shape: c.inputs[0].shape }];
  },
  // Each gradient goes to the input element its argmax names.
  cpu: ([x, dy, arg], a, ctx) => {
    const g = geo('MaxPoolGradWithArgmax', ctx.name, a, x.shape);
    const acc = new Float64Array(x.size);
    for (let i = 0; i < dy.size; i++) acc[inputIndex(g, arg.data, i, a.include_batch_in_index as boolean, ctx.name, 'MaxPoolGradWithArgmax')] += dy.data[i];
    const out = empty(x.dtype, x.shape);
    out.data.set(acc);
    return [out];
  },
  gpu: (k) => argmaxPoolGpu(k, geo('MaxPoolGradWithArgmax', k.name, k.attrs, k.inputs[0].shape), 'grad', k.attrs.include_batch_in_index as boolean),
  // nn_grad.py's _MaxPoolGradGradWithArgmax: zeros for input and argmax, the gathered gradient for grad.
  grad: ((op, [g]) => [null, addOp('MaxPoolGradGradWithArgmax', [op.inputs[0], g!, op.inputs[2]], gradAttrs(op), { name: 'MaxPoolGradGradWithArgmax' }).outputs[0], null]) as GradFn,
});

defineOp({
  type: 'MaxPoolGradGradWithArgmax',
  inputs: ['input', 'grad', 'argmax'],
  attrs: { ...ATTRS, Targmax: { type: 'type' } },
  shape: (c) => {
    checkGradInputs(c, 1);
    return [{ dtype: c.inputs[0].dtype, shape: staticGeo(c).shape }];
  },
  cpu: ([x, gx, arg], a, ctx) => {
    const g = geo('MaxPoolGradGradWithArgmax', ctx.name, a, x.shape);
    const out = empty(x.dtype, [g.n, g.oh, g.ow, g.c]);
    for (let i = 0; i < out.size; i++) out.data[i] = gx.data[inputIndex(g, arg.data, i, a.include_batch_in_index as boolean, ctx.name, 'MaxPoolGradGradWithArgmax')];
    return [out];
  },
  gpu: (k) => argmaxPoolGpu(k, geo('MaxPoolGradGradWithArgmax', k.name, k.attrs, k.inputs[0].shape), 'gradGrad', k.attrs.include_batch_in_index as boolean),
  grad: ((op, [g]) => [null, addOp('MaxPoolGradWithArgmax', [op.inputs[0], g!, op.inputs[2]], gradAttrs(op), { name: 'MaxPoolGradWithArgmax' }).outputs[0], null]) as GradFn,
});

type Ints = number | readonly number[];
const four = (v: Ints): number[] => {
  const l = typeof v === 'number' ? [v] : [...v];
  return l.length === 4 ? l : l.length === 2 ? [1, l[0], l[1], 1] : [1, l[0], l[0], 1];
};

/**
 * `tf.nn.maxPoolWithArgmax(input, ksize, strides, padding, {Targmax?, includeBatchInIndex?, name?})`: [output, argmax].
 */
export function maxPoolWithArgmax(input: TensorLike, ksize: Ints, strides: Ints, padding: 'SAME' | 'VALID',
  opts: NameOpt & { Targmax?: 'int32' | 'int64'; includeBatchInIndex?: boolean } = {}): [Tensor, Tensor] {
  const x = convertToTensor(input);
  const op = addOp('MaxPoolWithArgmax', [x], {
    T: x.dtype, ksize: four(ksize), strides: four(strides), padding, Targmax: opts.Targmax ?? 'int64', include_batch_in_index: opts.includeBatchInIndex ?? false,
  }, { name: opts.name ?? 'MaxPoolWithArgmax' });
  return [op.outputs[0], op.outputs[1]];
}

