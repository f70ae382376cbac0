// tf.nn 3-D convolution and pooling: Conv3D, Conv3DBackpropInputV2, Conv3DBackpropFilterV2, MaxPool3D, AvgPool3D,
// MaxPool3DGrad, MaxPool3DGradGrad, AvgPool3DGrad (TF's nn_ops.cc), gradients as nn_grad.py builds them.
//
// Geometry per spatial dim as in ./conv.ts (TF's kernel_shape_util.cc): effective filter ek = (k - 1) * d + 1; VALID
// out = floor((in - ek) / s) + 1, SAME out = ceil(in / s) with floor(total / 2) of the padding before. The kernels
// index both layouts directly (`Geometry3.at`), so NCDHW needs no transposes.
import { DType } from '../graph/dtypes.js';
import { InvalidArgumentError } from '../graph/errors.js';
import { NDArray } from '../graph/ndarray.js';
import { Dim, Shape } from '../graph/shape.js';
import { Attrs, Operation, Tensor } from '../graph/tensor.js';
import { shape as shapeOf } from './array.js';
import { empty } from './cpu.js';
import { FLOATS } from './elementwise.js';
import { addOp, defineOp, describeInput, GradFn, ShapeContext } from './registry.js';
import { convertSameType, convertToTensor, NameOpt, TensorLike } from './values.js';
import { conv3dGpu, pool3dGpu } from './wgsl/conv3d.js';

type Format = 'NDHWC' | 'NCDHW';

/** A 3-D convolution or pooling, every dim known: x [n, in..., c] -> y [n, out..., oc] (in the node's layout). */
export interface Geometry3 {
  n: number; c: number; oc: number;
  /** Per spatial dim (depth, rows, cols): input and output sizes, filter size, stride, dilation, padding before. */
  in: number[]; out: number[]; k: number[]; s: number[]; d: number[]; pad: number[];
  format: Format;
}

/** The flat index of (batch b, spatial position p, channel ch) in a tensor of spatial sizes `sp` and `c` channels. */
function flatIndex(format: Format, sp: readonly number[], c: number, b: number, p: readonly number[], ch: number): number {
  const s = (p[0] * sp[1] + p[1]) * sp[2] + p[2];
  return format === 'NDHWC' ? (b * sp[0] * sp[1] * sp[2] + s) * c + ch : (b * c + ch) * sp[0] * sp[1] * sp[2] + s;
}

const spatialAxes = (f: Format): number[] => (f === 'NDHWC' ? [1, 2, 3] : [2, 3, 4]);
const channelAxis = (f: Format): number => (f === 'NDHWC' ? 4 : 1);
/** A 5-D shape of the format from n, spatial dims and channels. */
function toFormat<T>(f: Format, n: T, sp: readonly T[], c: T): T[] { return f === 'NDHWC' ? [n, ...sp, c] : [n, c, ...sp]; }

interface Partial3 { n: Dim; c: Dim; oc: Dim; in: Dim[]; out: Dim[]; k: Dim[]; s: number[]; d: number[]; pad: number[]; format: Format }

type Kind = 'conv' | 'pool';

/** The geometry from x's shape and the filter's [kd, kh, kw, in, out] (pooling: ksize), unknown dims null. */
function geometry3(kind: Kind, attrs: Readonly<Attrs>, xShape: Shape, fShape: Shape, fail: (m: string) => never): Partial3 {
  const format = attrs.data_format as string;
  if (format !== 'NDHWC' && format !== 'NCDHW') fail(`data_format must be 'NDHWC' or 'NCDHW', got '${format}'`);
  const f = format as Format;
  const list = (name: string): number[] => {
    const v = attrs[name] as number[];
    if (!Array.isArray(v) || v.length !== 5) fail(`${name} must have 5 elements (one per dim of ${f}), got [${v}]`);
    if (v.some((x) => !Number.isInteger(x) || x < 1)) fail(`${name} must be positive integers, got [${v}]`);
    if (v[0] !== 1 || v[channelAxis(f)] !== 1) fail(`${name} must be 1 in the batch and depth dimensions (${f}), got [${v}]`);
    return spatialAxes(f).map((a) => v[a]);
  };
  const padding = attrs.padding as string;
  if (padding !== 'SAME' && padding !== 'VALID') fail(`padding must be 'SAME' or 'VALID', got '${padding}'`);
  const s = list('strides');
  const d = kind === 'pool' ? [1, 1, 1] : list('dilations');
  if (xShape !== null && xShape.length !== 5) fail(`input must be 5-dimensional, got shape [${xShape.map((x) => x ?? '?')}]`);
  if (kind === 'conv' && fShape !== null && fShape.length !== 5) fail(`filter must be 5-dimensional, got shape [${fShape.map((x) => x ?? '?')}]`);
  const n = xShape === null ? null : xShape[0];
  const c = xShape === null ? null : xShape[channelAxis(f)];
  const inSp = xShape === null ? [null, null, null] : spatialAxes(f).map((a) => xShape[a]);
  const k: Dim[] = kind === 'pool' ? list('ksize') : fShape === null ? [null, null, null] : fShape.slice(0, 3);
  const fin = kind === 'pool' ? c : fShape === null ? null : fShape[3];
  if (c !== null && fin !== null && c !== fin) fail(`input depth must equal the filter's input depth: input has ${c} channels, filter [${fShape?.map((x) => x ?? '?')}] has ${fin}`);
  const oc = kind === 'pool' ? c : fShape === null ? null : fShape[4];
  const out: Dim[] = [], pad: number[] = [];
  for (let i = 0; i < 3; i++) {
    const inI = inSp[i], kI = k[i];
    if (inI === null || kI === null) { out.push(padding === 'SAME' && inI !== null ? Math.ceil(inI / s[i]) : null); pad.push(0); continue; }
    const ek = (kI - 1) * d[i] + 1;
    if (padding === 'SAME') {
      const o = Math.ceil(inI / s[i]);
      out.push(o);
      pad.push(Math.floor(Math.max((o - 1) * s[i] + ek - inI, 0) / 2));
    } else {
      if (inI < ek) fail(`Computed output size would be negative: input ${inI}, filter ${kI} (effective ${ek}), stride ${s[i]}, padding VALID`);
      out.push(Math.floor((inI - ek) / s[i]) + 1);
      pad.push(0);
    }
  }
  return { n, c, oc, in: inSp, out, k, s, d, pad, format: f };
}

const kernelFail = (type: string, name: string) => (m: string): never => { throw new InvalidArgumentError(`${type} node '${name}': ${m}`); };

/** The geometry of a concrete node (kernels). */
function concreteGeometry3(kind: Kind, type: string, name: string, attrs: Readonly<Attrs>, x: readonly number[], w: readonly number[] | null): Geometry3 {
  return geometry3(kind, attrs, [...x], w === null ? null : [...w], kernelFail(type, name)) as Geometry3;
}

const outShape = (g: Partial3): Dim[] => toFormat(g.format, g.n, g.out, g.oc);

function checkFloat(c: ShapeContext, ts: readonly Tensor[]): DType {
  const dt = ts[0].dtype;
  if (!FLOATS.includes(dt)) c.fail(`dtype ${dt} is not supported (float32 or float64): ${describeInput(ts[0])}`);
  for (const t of ts) if (t.dtype !== dt) c.fail(`inputs must have one dtype: ${ts.map((x) => `${describeInput(x)} ${x.dtype}`).join(', ')}`);
  return dt;
}

/** A 1-D size input (input_sizes, filter_sizes, orig_input_shape) as a 5-D shape, partly known. */
function sizesInput(c: ShapeContext, i: number, what: string): Shape {
  const t = c.inputs[i];
  if (t.dtype !== 'int32' && t.dtype !== 'int64') c.fail(`${what} must be int32 or int64, got ${describeInput(t)} ${t.dtype}`);
  if (t.shape !== null && (t.shape.length !== 1 || (t.shape[0] !== null && t.shape[0] !== 5))) c.fail(`${what} must be a 1-D tensor of 5 elements, got ${describeInput(t)}`);
  const v = c.constShape(i);
  if (v !== null && v.some((x) => x !== null && x < 0)) c.fail(`${what} must be non-negative, got [${v}]`);
  return v ?? [null, null, null, null, null];
}

/** Checks that a gradient input has the forward output's shape. */
function checkPooled(fail: (m: string) => never, g: Partial3, t: { shape: Shape }, what: string): void {
  if (t.shape === null) return;
  const want = outShape(g);
  if (t.shape.length !== 5 || want.some((x, i) => x !== null && t.shape![i] !== null && x !== t.shape![i])) {
    fail(`${what} [${t.shape.map((x) => x ?? '?')}] does not match the forward output [${want.map((x) => x ?? '?')}] (${g.format})`);
  }
}

// ---- reference kernels (float64 accumulation) ---------------------------------------------------------------------

/**
 * Every (output position, filter tap) pair whose input position is inside: fn(b, input position, output position,
 * tap index kd*kh*kw-flat). The one loop of the three convolution kernels and the pooling kernels.
 */
function forEachTap(g: Geometry3, fn: (b: number, ip: number[], op: number[], tap: number) => void): void {
  const ip = [0, 0, 0], op = [0, 0, 0];
  for (let b = 0; b < g.n; b++) {
    for (op[0] = 0; op[0] < g.out[0]; op[0]++) for (op[1] = 0; op[1] < g.out[1]; op[1]++) for (op[2] = 0; op[2] < g.out[2]; op[2]++) {
      for (let k0 = 0; k0 < g.k[0]; k0++) {
        ip[0] = op[0] * g.s[0] + k0 * g.d[0] - g.pad[0];
        if (ip[0] < 0 || ip[0] >= g.in[0]) continue;
        for (let k1 = 0; k1 < g.k[1]; k1++) {
          ip[1] = op[1] * g.s[1] + k1 * g.d[1] - g.pad[1];
          if (ip[1] < 0 || ip[1] >= g.in[1]) continue;
          for (let k2 = 0; k2 < g.k[2]; k2++) {
            ip[2] = op[2] * g.s[2] + k2 * g.d[2] - g.pad[2];
            if (ip[2] < 0 || ip[2] >= g.in[2]) continue;
            fn(b, ip, op, (k0 * g.k[1] + k1) * g.k[2] + k2);
          }
        }
      }
    }
  }
}

/** forward: y += x * w; input: dx += dy * w; filter: dw += x * dy (w [kd, kh, kw, c, oc]). */
function conv3dReference(mode: 'forward' | 'input' | 'filter', g: Geometry3, a: ArrayLike<number>, b: ArrayLike<number>, size: number): Float64Array {
  const acc = new Float64Array(size);
  forEachTap(g, (n, ip, op, tap) => {
    for (let ic = 0; ic < g.c; ic++) {
      const xi = flatIndex(g.format, g.in, g.c, n, ip, ic);
      for (let oc = 0; oc < g.oc; oc++) {
        const yi = flatIndex(g.format, g.out, g.oc, n, op, oc);
        const wi = (tap * g.c + ic) * g.oc + oc;
        if (mode === 'forward') acc[yi] += a[xi] * b[wi];
        else if (mode === 'input') acc[xi] += a[yi] * b[wi];
        else acc[wi] += a[xi] * b[yi];
      }
    }
  });
  return acc;
}

function fromF64(dtype: DType, shape: number[], acc: Float64Array): NDArray {
  const out = empty(dtype, shape);
  out.data.set(acc);
  return out;
}

const sizeOf = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

// ---- Conv3D and its backprops -------------------------------------------------------------------------------------

const CONV3D_ATTRS = {
  T: { type: 'type' as const },
  strides: { type: 'list(int)' as const },
  padding: { type: 'string' as const },
  data_format: { type: 'string' as const, default: 'NDHWC' },
  dilations: { type: 'list(int)' as const, default: [1, 1, 1, 1, 1] },
};

const convAttrsOf = (op: Operation): Attrs => ({
  T: op.attrs.T, strides: op.attrs.strides, padding: op.attrs.padding, data_format: op.attrs.data_format, dilations: op.attrs.dilations,
});
const op1 = (type: string, inputs: Tensor[], attrs: Attrs): Tensor => addOp(type, inputs, attrs, { name: type }).outputs[0];
const sizesAttrs = (op: Operation, extra: Attrs): Attrs => ({ ...convAttrsOf(op), ...extra });

defineOp({
  type: 'Conv3D',
  inputs: ['input', 'filter'],
  attrs: CONV3D_ATTRS,
  shape: (c) => {
    const [x, w] = c.inputs;
    const dt = checkFloat(c, [x, w]);
    return [{ dtype: dt, shape: outShape(geometry3('conv', c.attrs, x.shape, w.shape, c.fail)) }];
  },
  cpu: ([x, w], a, ctx) => {
    const g = concreteGeometry3('conv', 'Conv3D', ctx.name, a, x.shape, w.shape);
    const shape = toFormat(g.format, g.n, g.out, g.oc);
    return [fromF64(x.dtype, shape, conv3dReference('forward', g, x.data, w.data, sizeOf(shape)))];
  },
  gpu: (k) => conv3dGpu(k, concreteGeometry3('conv', 'Conv3D', k.name, k.attrs, k.inputs[0].shape, k.inputs[1].shape), 'forward'),
  // nn_grad.py's _Conv3DGrad.
  grad: ((op, [dy]) => {
    const [x, w] = op.inputs;
    return [
      op1('Conv3DBackpropInputV2', [shapeOf(x), w, dy!], sizesAttrs(op, { Tshape: 'int32' })),
      op1('Conv3DBackpropFilterV2', [x, shapeOf(w), dy!], convAttrsOf(op)),
    ];
  }) as GradFn,
});

function checkConcreteDy(type: string, name: string, g: Geometry3, dy: readonly number[]): void {
  const want = toFormat(g.format, g.n, g.out, g.oc);
  if (dy.length !== 5 || want.some((x, i) => x !== dy[i])) kernelFail(type, name)(`out_backprop [${dy}] does not match the forward output [${want}] (${g.format})`);
}

defineOp({
  type: 'Conv3DBackpropInputV2',
  inputs: ['input_sizes', 'filter', 'out_backprop'],
  attrs: { ...CONV3D_ATTRS, Tshape: { type: 'type', default: 'int32' } },
  shape: (c) => {
    const [, w, dy] = c.inputs;
    const dt = checkFloat(c, [w, dy]);
    const xShape = sizesInput(c, 0, 'input_sizes');
    checkPooled(c.fail, geometry3('conv', c.attrs, xShape, w.shape, c.fail), dy, 'out_backprop');
    return [{ dtype: dt, shape: xShape }];
  },
  cpu: ([sizes, w, dy], a, ctx) => {
    const xShape = Array.from(sizes.data);
    const g = concreteGeometry3('conv', 'Conv3DBackpropInputV2', ctx.name, a, xShape, w.shape);
    checkConcreteDy('Conv3DBackpropInputV2', ctx.name, g, dy.shape);
    return [fromF64(w.dtype, xShape, conv3dReference('input', g, dy.data, w.data, sizeOf(xShape)))];
  },
  gpu: (k) => conv3dGpu(k, concreteGeometry3('conv', 'Conv3DBackpropInputV2', k.name, k.attrs, k.outputs[0].shape, k.inputs[1].shape), 'input'),
  // nn_grad.py's _Conv3DBackpropInputGrad.
  grad: ((op, [grad]) => {
    const [, w, dy] = op.inputs;
    return [null, op1('Conv3DBackpropFilterV2', [grad!, shapeOf(w), dy], convAttrsOf(op)), op1('Conv3D', [grad!, w], convAttrsOf(op))];
  }) as GradFn,
});

defineOp({
  type: 'Conv3DBackpropFilterV2',
  inputs: ['input', 'filter_sizes', 'out_backprop'],
  attrs: CONV3D_ATTRS,
  shape: (c) => {
    const [x, , dy] = c.inputs;
    const dt = checkFloat(c, [x, dy]);
    const fShape = sizesInput(c, 1, 'filter_sizes');
    checkPooled(c.fail, geometry3('conv', c.attrs, x.shape, fShape, c.fail), dy, 'out_backprop');
    return [{ dtype: dt, shape: fShape }];
  },
  cpu: ([x, sizes, dy], a, ctx) => {
    const fShape = Array.from(sizes.data);
    const g = concreteGeometry3('conv', 'Conv3DBackpropFilterV2', ctx.name, a, x.shape, fShape);
    checkConcreteDy('Conv3DBackpropFilterV2', ctx.name, g, dy.shape);
    return [fromF64(x.dtype, fShape, conv3dReference('filter', g, x.data, dy.data, sizeOf(fShape)))];
  },
  gpu: (k) => conv3dGpu(k, concreteGeometry3('conv', 'Conv3DBackpropFilterV2', k.name, k.attrs, k.inputs[0].shape, k.outputs[0].shape), 'filter'),
  // nn_grad.py's _Conv3DBackpropFilterGrad.
  grad: ((op, [grad]) => {
    const [x, , dy] = op.inputs;
    return [op1('Conv3DBackpropInputV2', [shapeOf(x), grad!, dy], sizesAttrs(op, { Tshape: 'int32' })), null, op1('Conv3D', [x, grad!], convAttrsOf(op))];
  }) as GradFn,
});

// ---- pooling ------------------------------------------------------------------------------------------------------

const POOL3D_ATTRS = {
  ksize: { type: 'list(int)' as const },
  strides: { type: 'list(int)' as const },
  padding: { type: 'string' as const },
  data_format: { type: 'string' as const, default: 'NDHWC' },
  T: { type: 'type' as const },
};
const poolAttrsOf = (op: Operation): Attrs => ({ ksize: op.attrs.ksize, strides: op.attrs.strides, padding: op.attrs.padding, data_format: op.attrs.data_format, T: op.attrs.T });
const poolGeo = (type: string, name: string, a: Readonly<Attrs>, x: readonly number[]): Geometry3 => concreteGeometry3('pool', type, name, a, x, null);

/** Per output element, the window's maximum (NaN if any element is NaN... as max over ordered values; -inf if empty). */
function windowMax(g: Geometry3, x: ArrayLike<number>): Float64Array {
  const out = new Float64Array(g.n * g.c * sizeOf(g.out)).fill(-Infinity);
  forEachTap(g, (b, ip, op) => {
    for (let ch = 0; ch < g.c; ch++) {
      const o = flatIndex(g.format, g.out, g.c, b, op, ch), v = x[flatIndex(g.format, g.in, g.c, b, ip, ch)];
      if (v > out[o]) out[o] = v;
    }
  });
  return out;
}

/**
 * MaxPool3DGrad routes each gradient to every window element equal to the window's maximum (TF's CPU kernel,
 * pooling_ops_3d.cc, masks the window with `input == output`; 2-D MaxPoolGrad picks the first maximum instead).
 * `route(o, i)` is called for each such (output, input) pair.
 */
function forEachMax(g: Geometry3, x: ArrayLike<number>, y: ArrayLike<number>, route: (o: number, i: number) => void): void {
  forEachTap(g, (b, ip, op) => {
    for (let ch = 0; ch < g.c; ch++) {
      const o = flatIndex(g.format, g.out, g.c, b, op, ch), i = flatIndex(g.format, g.in, g.c, b, ip, ch);
      if (x[i] === y[o]) route(o, i);
    }
  });
}

function checkPoolDtype(c: ShapeContext, t: Tensor, what: string): DType {
  if (!FLOATS.includes(t.dtype)) c.fail(`${what} dtype ${t.dtype} is not supported (float32 or float64): ${describeInput(t)}`);
  return t.dtype;
}

defineOp({
  type: 'MaxPool3D',
  inputs: ['input'],
  attrs: POOL3D_ATTRS,
  shape: (c) => [{ dtype: checkPoolDtype(c, c.inputs[0], 'input'), shape: outShape(geometry3('pool', c.attrs, c.inputs[0].shape, null, c.fail)) }],
  cpu: ([x], a, ctx) => {
    const g = poolGeo('MaxPool3D', ctx.name, a, x.shape);
    return [fromF64(x.dtype, toFormat(g.format, g.n, g.out, g.c), windowMax(g, x.data))];
  },
  gpu: (k) => pool3dGpu(k, poolGeo('MaxPool3D', k.name, k.attrs, k.inputs[0].shape), 'max'),
  grad: ((op, [dy]) => [op1('MaxPool3DGrad', [op.inputs[0], op.outputs[0], dy!], { ...poolAttrsOf(op), TInput: op.attrs.T })]) as GradFn,
});

defineOp({
  type: 'MaxPool3DGrad',
  inputs: ['orig_input', 'orig_output', 'grad'],
  attrs: { ...POOL3D_ATTRS, T: { type: 'type', default: 'float32' }, TInput: { type: 'type', default: 'float32' } },
  shape: (c) => {
    const [x, y, dy] = c.inputs;
    checkPoolDtype(c, x, 'orig_input');
    const dt = checkPoolDtype(c, dy, 'grad');
    const g = geometry3('pool', c.attrs, x.shape, null, c.fail);
    checkPooled(c.fail, g, y, 'orig_output');
    checkPooled(c.fail, g, dy, 'grad');
    return [{ dtype: dt, shape: x.shape }];
  },
  cpu: ([x, y, dy], a, ctx) => {
    const g = poolGeo('MaxPool3DGrad', ctx.name, a, x.shape);
    const acc = new Float64Array(x.size);
    forEachMax(g, x.data, y.data, (o, i) => { acc[i] += dy.data[o]; });
    return [fromF64(dy.dtype, [...x.shape], acc)];
  },
  gpu: (k) => pool3dGpu(k, poolGeo('MaxPool3DGrad', k.name, k.attrs, k.inputs[0].shape), 'maxGrad'),
  // nn_grad.py's _MaxPool3DGradGrad: zeros for the original input and output.
  grad: ((op, [g]) => [null, null, op1('MaxPool3DGradGrad', [op.inputs[0], op.inputs[1], g!], poolAttrsOf(op))]) as GradFn,
});

defineOp({
  type: 'MaxPool3DGradGrad',
  inputs: ['orig_input', 'orig_output', 'grad'],
  attrs: POOL3D_ATTRS,
  shape: (c) => {
    const [x, y, gx] = c.inputs;
    const dt = checkPoolDtype(c, x, 'orig_input');
    const g = geometry3('pool', c.attrs, x.shape, null, c.fail);
    checkPooled(c.fail, g, y, 'orig_output');
    if (gx.shape !== null && x.shape !== null && gx.shape.some((d, i) => d !== null && x.shape![i] !== null && d !== x.shape![i])) {
      c.fail(`grad ${describeInput(gx)} must have orig_input's shape ${describeInput(x)}`);
    }
    return [{ dtype: dt, shape: outShape(g) }];
  },
  // Each output takes the gradient at its window's first maximum (TF's CPU kernel; with ties this is not the adjoint
  // of MaxPool3DGrad, which gives every maximum the gradient, but it is what TensorFlow computes).
  cpu: ([x, y, gx], a, ctx) => {
    const g = poolGeo('MaxPool3DGradGrad', ctx.name, a, x.shape);
    const acc = new Float64Array(y.size);
    const seen = new Uint8Array(y.size);
    forEachMax(g, x.data, y.data, (o, i) => { if (seen[o] === 0) { acc[o] = gx.data[i]; seen[o] = 1; } });
    return [fromF64(x.dtype, [...y.shape], acc)];
  },
  gpu: (k) => pool3dGpu(k, poolGeo('MaxPool3DGradGrad', k.name, k.attrs, k.inputs[0].shape), 'maxGradGrad'),
  grad: ((op, [g]) => [null, null, op1('MaxPool3DGrad', [op.inputs[0], op.inputs[1], g!], { ...poolAttrsOf(op), TInput: op.attrs.T })]) as GradFn,
});

/** The number of in-bounds elements of each output's window: padding is not counted in the average (TF's rule). */
function windowCounts(g: Geometry3): Float64Array {
  const cnt = new Float64Array(g.n * g.c * sizeOf(g.out));
  forEachTap({ ...g, c: 1 }, (b, _ip, op) => { for (let ch = 0; ch < g.c; ch++) cnt[flatIndex(g.format, g.out, g.c, b, op, ch)]++; });
  return cnt;
}

defineOp({
  type: 'AvgPool3D',
  inputs: ['input'],
  attrs: POOL3D_ATTRS,
  shape: (c) => [{ dtype: checkPoolDtype(c, c.inputs[0], 'input'), shape: outShape(geometry3('pool', c.attrs, c.inputs[0].shape, null, c.fail)) }],
  cpu: ([x], a, ctx) => {
    const g = poolGeo('AvgPool3D', ctx.name, a, x.shape);
    const cnt = windowCounts(g);
    const acc = new Float64Array(cnt.length);
    forEachTap(g, (b, ip, op) => {
      for (let ch = 0; ch < g.c; ch++) acc[flatIndex(g.format, g.out, g.c, b, op, ch)] += x.data[flatIndex(g.format, g.in, g.c, b, ip, ch)];
    });
    for (let i = 0; i < acc.length; i++) acc[i] /= cnt[i];
    return [fromF64(x.dtype, toFormat(g.format, g.n, g.out, g.c), acc)];
  },
  gpu: (k) => pool3dGpu(k, poolGeo('AvgPool3D', k.name, k.attrs, k.inputs[0].shape), 'avg'),
  grad: ((op, [dy]) => [op1('AvgPool3DGrad', [shapeOf(op.inputs[0]), dy!], poolAttrsOf(op))]) as GradFn,
});

defineOp({
  type: 'AvgPool3DGrad',
  inputs: ['orig_input_shape', 'grad'],
  attrs: POOL3D_ATTRS,
  shape: (c) => {
    const dt = checkPoolDtype(c, c.inputs[1], 'grad');
    const xShape = sizesInput(c, 0, 'orig_input_shape');
    checkPooled(c.fail, geometry3('pool', c.attrs, xShape, null, c.fail), c.inputs[1], 'grad');
    return [{ dtype: dt, shape: xShape }];
  },
  cpu: ([sizes, dy], a, ctx) => {
    const xShape = Array.from(sizes.data);
    const g = poolGeo('AvgPool3DGrad', ctx.name, a, xShape);
    checkConcreteDy('AvgPool3DGrad', ctx.name, g, dy.shape);
    const cnt = windowCounts(g);
    const acc = new Float64Array(sizeOf(xShape));
    forEachTap(g, (b, ip, op) => {
      for (let ch = 0; ch < g.c; ch++) {
        const o = flatIndex(g.format, g.out, g.c, b, op, ch);
        acc[flatIndex(g.format, g.in, g.c, b, ip, ch)] += dy.data[o] / cnt[o];
      }
    });
    return [fromF64(dy.dtype, xShape, acc)];
  },
  gpu: (k) => pool3dGpu(k, poolGeo('AvgPool3DGrad', k.name, k.attrs, k.outputs[0].shape), 'avgGrad'),
  grad: ((op, [g]) => [null, op1('AvgPool3D', [g!], poolAttrsOf(op))]) as GradFn,
});

// ---- builders -----------------------------------------------------------------------------------------------------

type Ints = number | readonly number[];

/** One value, one per spatial dim, or all 5 (in the data format's order). */
function fiveDims(v: Ints, f: Format, what: string): number[] {
  const l = typeof v === 'number' ? [v] : [...v];
  if (l.length === 5) return l;
  if (l.length !== 1 && l.length !== 3) throw new InvalidArgumentError(`${what} must have 1, 3 or 5 elements, got [${l}]`);
  const sp = l.length === 1 ? [l[0], l[0], l[0]] : l;
  return toFormat(f, 1, sp, 1);
}

interface Conv3dOpts extends NameOpt { dataFormat?: Format; dilations?: Ints }

function conv3dAttrs(dtype: DType, strides: Ints, padding: 'SAME' | 'VALID', opts: Conv3dOpts, what: string): Attrs {
  const f = opts.dataFormat ?? 'NDHWC';
  return { T: dtype, strides: fiveDims(strides, f, `${what}: strides`), padding, data_format: f, dilations: fiveDims(opts.dilations ?? 1, f, `${what}: dilations`) };
}

/** `tf.nn.conv3d(input, filter, strides, padding, {dataFormat?, dilations?, name?})`: filter [kd, kh, kw, in, out]. */
export function conv3d(input: TensorLike, filter: TensorLike, strides: Ints, padding: 'SAME' | 'VALID', opts: Conv3dOpts = {}): Tensor {
  const name = opts.name ?? 'Conv3D';
  const [x, w] = convertSameType([input, filter], `tf.nn.conv3d '${name}'`);
  return addOp('Conv3D', [x, w], conv3dAttrs(x.dtype, strides, padding, opts, `tf.nn.conv3d '${name}'`), { name }).outputs[0];
}

const sizesTensor = (v: TensorLike): Tensor => convertToTensor(v instanceof Tensor ? v : (v as number[]), v instanceof Tensor ? undefined : 'int32');

/**
 * `tf.nn.conv3dTranspose(value, filter, outputShape, strides, padding, opts)`: filter [kd, kh, kw, out, in] (TF1's
 * conv3d_transpose, which builds Conv3DBackpropInputV2 with the default name 'conv3d_transpose').
 */
export function conv3dTranspose(value: TensorLike, filter: TensorLike, outputShape: TensorLike, strides: Ints, padding: 'SAME' | 'VALID' = 'SAME', opts: Conv3dOpts = {}): Tensor {
  const name = opts.name ?? 'conv3d_transpose';
  const [dy, w] = convertSameType([value, filter], `tf.nn.conv3dTranspose '${name}'`);
  const sizes = sizesTensor(outputShape);
  return addOp('Conv3DBackpropInputV2', [sizes, w, dy], { ...conv3dAttrs(dy.dtype, strides, padding, opts, `tf.nn.conv3dTranspose '${name}'`), Tshape: sizes.dtype }, { name }).outputs[0];
}

interface Pool3dOpts extends NameOpt { dataFormat?: Format }

function pool3d(type: 'MaxPool3D' | 'AvgPool3D', what: string, input: TensorLike, ksize: Ints, strides: Ints, padding: 'SAME' | 'VALID', opts: Pool3dOpts): Tensor {
  const name = opts.name ?? type;
  const x = convertToTensor(input);
  const f = opts.dataFormat ?? 'NDHWC';
  const attrs = { T: x.dtype, ksize: fiveDims(ksize, f, `${what} '${name}': ksize`), strides: fiveDims(strides, f, `${what} '${name}': strides`), padding, data_format: f };
  return addOp(type, [x], attrs, { name }).outputs[0];
}

/** `tf.nn.maxPool3d(input, ksize, strides, padding, {dataFormat?, name?})`. */
export function maxPool3d(input: TensorLike, ksize: Ints, strides: Ints, padding: 'SAME' | 'VALID', opts: Pool3dOpts = {}): Tensor {
  return pool3d('MaxPool3D', 'tf.nn.maxPool3d', input, ksize, strides, padding, opts);
}

/** `tf.nn.avgPool3d(input, ksize, strides, padding, {dataFormat?, name?})`: padding is not counted in the average. */
export function avgPool3d(input: TensorLike, ksize: Ints, strides: Ints, padding: 'SAME' | 'VALID', opts: Pool3dOpts = {}): Tensor {
  return pool3d('AvgPool3D', 'tf.nn.avgPool3d', input, ksize, strides, padding, opts);
}
