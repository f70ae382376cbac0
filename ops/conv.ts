// tf.nn convolution and pooling: Conv2D and its two backprops, DepthwiseConv2dNative and its two backprops, MaxPool,
// AvgPool and their gradients, with TensorFlow's op names, inputs and attrs (nn_ops.cc) and gradients (nn_grad.py).
//
// Geometry, as TF computes it (tensorflow/core/framework/kernel_shape_util.cc), per spatial dim with effective filter
// size ek = (k - 1) * dilation + 1: VALID gives out = (in - ek + s) / s (truncated; an error when negative), SAME gives
// out = ceil(in / s) with total padding max((out - 1) * s + ek - in, 0), floor(total / 2) of it before; EXPLICIT takes
// the paddings given. Kernels work in NHWC; NCHW inputs are transposed in and the output back (both executors).
import { DType } from '../graph/dtypes.js';
import { InvalidArgumentError } from '../graph/errors.js';
import { NDArray } from '../graph/ndarray.js';
import { Dim, Shape } from '../graph/shape.js';
import { Attrs, Operation, Tensor } from '../graph/tensor.js';
import { empty } from './cpu.js';
import { shape as shapeOf } from './array.js';
import { FLOATS } from './elementwise.js';
import { addOp, defineOp, describeInput, GradFn, ShapeContext } from './registry.js';
import { convertSameType, convertToTensor, NameOpt, TensorLike } from './values.js';
import { conv2dBackpropFilterGpu, conv2dBackpropInputGpu, conv2dGpu, depthwiseGpu, poolGpu } from './wgsl/conv.js';

// ---- geometry -----------------------------------------------------------------------------------------------------

type Format = 'NHWC' | 'NCHW';

/** Everything a convolution or pooling kernel needs, NHWC, all known: x [n, h, w, c] -> y [n, oh, ow, oc]. */
export interface ConvGeometry {
  n: number; h: number; w: number; c: number;
  kh: number; kw: number; oc: number;
  oh: number; ow: number;
  sh: number; sw: number; dh: number; dw: number;
  /** Padding before the first row / column. */
  pt: number; pl: number;
  /** Depthwise: output channel o reads input channel floor(o / mult) (Conv2D: every input channel). */
  mult: number;
  format: Format;
}

/** Axes of H, W and C in a 4-D shape of the format. */
const axes = (f: Format): { h: number; w: number; c: number } => (f === 'NHWC' ? { h: 1, w: 2, c: 3 } : { h: 2, w: 3, c: 1 });

/** A 4-D shape of `format` as [n, h, w, c], and back. */
export function toNhwc<T>(s: readonly T[], f: Format): T[] { return f === 'NHWC' ? [...s] : [s[0], s[2], s[3], s[1]]; }
export function fromNhwc<T>(s: readonly T[], f: Format): T[] { return f === 'NHWC' ? [...s] : [s[0], s[3], s[1], s[2]]; }

/** Output size and padding before, along one spatial dim; `fail` for a negative output size. */
function outDim(inSize: Dim, k: Dim, s: number, d: number, padding: string, explicit: [number, number], fail: (m: string) => never): { out: Dim; before: number } {
  if (inSize === null || k === null) return { out: padding === 'SAME' && inSize !== null ? Math.ceil(inSize / s) : null, before: 0 };
  const ek = (k - 1) * d + 1;
  if (padding === 'SAME') {
    const out = Math.ceil(inSize / s);
    return { out, before: Math.floor(Math.max((out - 1) * s + ek - inSize, 0) / 2) };
  }
  const [pb, pa] = padding === 'EXPLICIT' ? explicit : [0, 0];
  const out = Math.trunc((inSize + pb + pa - ek + s) / s);
  if (inSize + pb + pa - ek + s < 0) fail(`Computed output size would be negative: input ${inSize}, filter ${k} (effective ${ek}), stride ${s}, padding ${padding}`);
  return { out, before: pb };
}

/** Checks the list attrs of a convolution or pooling node (`ctx.fail` or a kernel's error); returns the spatial values. */
function spatialAttrs(attrs: Readonly<Attrs>, fail: (m: string) => never, pooling: boolean) {
  const format = attrs.data_format as string;
  if (format !== 'NHWC' && format !== 'NCHW') fail(`data_format must be 'NHWC' or 'NCHW', got '${format}'`);
  const f = format as Format;
  const ax = axes(f);
  const list = (name: string): number[] => {
    const v = attrs[name] as number[];
    if (!Array.isArray(v) || v.length !== 4) fail(`${name} must have 4 elements (one per dim of ${f}), got [${v}]`);
    if (v.some((x) => !Number.isInteger(x) || x < 1)) fail(`${name} must be positive integers, got [${v}]`);
    if (v[0] !== 1 || v[ax.c] !== 1) fail(`${name} must be 1 in the batch and depth dimensions (${f}), got [${v}]`);
    return [v[ax.h], v[ax.w]];
  };
  const padding = attrs.padding as string;
  const allowed = pooling ? ['SAME', 'VALID'] : ['SAME', 'VALID', 'EXPLICIT'];
  if (!allowed.includes(padding)) fail(`padding must be one of ${allowed.join(', ')}, got '${padding}'`);
  let explicit: [[number, number], [number, number]] = [[0, 0], [0, 0]];
  if (padding === 'EXPLICIT') {
    const p = attrs.explicit_paddings as number[];
    if (!Array.isArray(p) || p.length !== 8 || p.some((x) => !Number.isInteger(x) || x < 0)) fail(`explicit_paddings must be 8 non-negative integers with padding 'EXPLICIT', got [${p}]`);
    if (p[0] !== 0 || p[1] !== 0 || p[2 * ax.c] !== 0 || p[2 * ax.c + 1] !== 0) fail(`explicit_paddings must be 0 in the batch and depth dimensions, got [${p}]`);
    explicit = [[p[2 * ax.h], p[2 * ax.h + 1]], [p[2 * ax.w], p[2 * ax.w + 1]]];
  } else if (!pooling && Array.isArray(attrs.explicit_paddings) && (attrs.explicit_paddings as number[]).length > 0) {
    fail(`explicit_paddings must be empty unless padding is 'EXPLICIT', got [${attrs.explicit_paddings}]`);
  }
  const [sh, sw] = list('strides');
  const [dh, dw] = pooling ? [1, 1] : list('dilations');
  const [kh, kw] = pooling ? list('ksize') : [0, 0];
  return { format: f, sh, sw, dh, dw, kh, kw, padding, explicit };
}

type Kind = 'conv' | 'depthwise' | 'pool';

/**
 * The geometry from x's shape (in its format) and the filter's [kh, kw, in, out-or-multiplier] (pooling: from ksize),
 * with unknown dims as null; checks everything a shape rule checks. `fail` names the node.
 */
function geometry(kind: Kind, attrs: Readonly<Attrs>, xShape: Shape, fShape: Shape, fail: (m: string) => never) {
  const a = spatialAttrs(attrs, fail, kind === 'pool');
  if (xShape !== null && xShape.length !== 4) fail(`input must be 4-dimensional, got shape [${xShape.map((d) => d ?? '?')}]`);
  if (fShape !== null && fShape.length !== 4) fail(`filter must be 4-dimensional, got shape [${fShape.map((d) => d ?? '?')}]`);
  const [n, h, w, c] = xShape === null ? [null, null, null, null] : toNhwc(xShape, a.format);
  const [kh, kw, fin, fout] = kind === 'pool' ? [a.kh, a.kw, c, 1] : fShape ?? [null, null, null, null];
  if (c !== null && fin !== null && c !== fin) {
    fail(`input depth must equal the filter's input depth: input has ${c} channels, filter [${fShape?.map((d) => d ?? '?')}] has ${fin}`);
  }
  const rows = outDim(h, kh, a.sh, a.dh, a.padding, a.explicit[0], fail);
  const cols = outDim(w, kw, a.sw, a.dw, a.padding, a.explicit[1], fail);
  const oc: Dim = kind === 'pool' ? c : kind === 'conv' ? fout : c !== null && fout !== null ? c * fout : null;
  return { ...a, n, h, w, c, kh, kw, oc, mult: kind === 'depthwise' ? fout : 1, oh: rows.out, ow: cols.out, pt: rows.before, pl: cols.before };
}

/** The geometry with every dim known (kernels): from concrete shapes. */
export function concreteGeometry(kind: Kind, attrs: Readonly<Attrs>, xShape: readonly number[], fShape: readonly number[] | null, fail: (m: string) => never): ConvGeometry {
  return geometry(kind, attrs, [...xShape], fShape === null ? null : [...fShape], fail) as ConvGeometry;
}

function kernelFail(type: string, name: string): (m: string) => never {
  return (m) => { throw new InvalidArgumentError(`${type} node '${name}': ${m}`); };
}

function checkDtypes(c: ShapeContext, ts: Tensor[]): DType {
  const dt = ts[0].dtype;
  if (!FLOATS.includes(dt)) c.fail(`dtype ${dt} is not supported (float32 or float64): ${describeInput(ts[0])}`);
  for (const t of ts) if (t.dtype !== dt) c.fail(`inputs must have one dtype: ${ts.map((x) => `${describeInput(x)} ${x.dtype}`).join(', ')}`);
  return dt;
}

/** A 1-D int32 size input (input_sizes, filter_sizes) as a shape of 4 dims, partly known. */
function sizesInput(c: ShapeContext, i: number, what: string): Shape {
  const t = c.inputs[i];
  if (t.dtype !== 'int32' && t.dtype !== 'int64') c.fail(`${what} must be int32, got ${describeInput(t)} ${t.dtype}`);
  if (t.shape !== null && (t.shape.length !== 1 || (t.shape[0] !== null && t.shape[0] !== 4))) c.fail(`${what} must be a 1-D tensor of 4 elements, got ${describeInput(t)}`);
  const v = c.constShape(i);
  if (v !== null && v.some((d) => d !== null && d < 0)) c.fail(`${what} must be non-negative, got [${v}]`);
  return v ?? [null, null, null, null];
}

/** Checks that out_backprop's shape matches the forward output the geometry gives. */
function checkOutBackprop(c: ShapeContext, g: ReturnType<typeof geometry>, dy: Tensor): void {
  if (dy.shape === null) return;
  if (dy.shape.length !== 4) c.fail(`out_backprop must be 4-dimensional, got ${describeInput(dy)}`);
  const want = fromNhwc([g.n, g.oh, g.ow, g.oc], g.format);
  if (want.some((d, i) => d !== null && dy.shape![i] !== null && d !== dy.shape![i])) {
    c.fail(`out_backprop ${describeInput(dy)} does not match the forward output [${want.map((d) => d ?? '?')}] (${g.format})`);
  }
}

// ---- reference kernels (float64 accumulation, NHWC) ------------------------------------------------------------------

/** NHWC <-> NCHW copies of concrete arrays, for the reference kernels. */
function transposed(x: NDArray, perm: readonly number[]): NDArray {
  const s = x.shape;
  const out = empty(x.dtype, perm.map((p) => s[p]));
  const st = [s[1] * s[2] * s[3], s[2] * s[3], s[3], 1];
  const os = out.shape;
  let o = 0;
  for (let a = 0; a < os[0]; a++) for (let b = 0; b < os[1]; b++) for (let c = 0; c < os[2]; c++) for (let d = 0; d < os[3]; d++) {
    const idx = [a, b, c, d];
    let src = 0;
    for (let k = 0; k < 4; k++) src += idx[k] * st[perm[k]];
    out.data[o++] = x.data[src];
  }
  return out;
}
const inNhwc = (x: NDArray, f: Format): NDArray => (f === 'NHWC' ? x : transposed(x, [0, 2, 3, 1]));
const outFormat = (x: NDArray, f: Format): NDArray => (f === 'NHWC' ? x : transposed(x, [0, 3, 1, 2]));

/**
 * The one loop of every convolution reference kernel: for each output pixel and filter tap that lands inside the
 * input, each connected (input channel, output channel) pair. With offsets xo (into x / dx), yo (into y / dy) and
 * wo (into w / dw), the three kernels are
 *   forward:  y[yo + oc] += x[xo + ic] * w[wo]      input:  dx[xo + ic] += dy[yo + oc] * w[wo]
 *   filter:   dw[wo] += x[xo + ic] * dy[yo + oc]
 */
function convReference(mode: 'forward' | 'input' | 'filter', depthwise: boolean, g: ConvGeometry, a: ArrayLike<number>, b: ArrayLike<number>, outSize: number): Float64Array {
  const acc = new Float64Array(outSize);
  // Connected pairs: Conv2D all (ic, oc), w at ic * oc + oc; depthwise (ic, ic * mult + m), w at ic * mult + m.
  const pic: number[] = [], poc: number[] = [], pw: number[] = [];
  for (let ic = 0; ic < g.c; ic++) {
    if (depthwise) for (let m = 0; m < g.mult; m++) { pic.push(ic); poc.push(ic * g.mult + m); pw.push(ic * g.mult + m); }
    else for (let oc = 0; oc < g.oc; oc++) { pic.push(ic); poc.push(oc); pw.push(ic * g.oc + oc); }
  }
  const np = pic.length;
  const tap = depthwise ? g.oc : g.c * g.oc;
  for (let n = 0; n < g.n; n++) for (let oy = 0; oy < g.oh; oy++) for (let ox = 0; ox < g.ow; ox++) {
    const yo = ((n * g.oh + oy) * g.ow + ox) * g.oc;
    for (let ky = 0; ky < g.kh; ky++) {
      const iy = oy * g.sh + ky * g.dh - g.pt;
      if (iy < 0 || iy >= g.h) continue;
      for (let kx = 0; kx < g.kw; kx++) {
        const ix = ox * g.sw + kx * g.dw - g.pl;
        if (ix < 0 || ix >= g.w) continue;
        const xo = ((n * g.h + iy) * g.w + ix) * g.c;
        const wo = (ky * g.kw + kx) * tap;
        for (let p = 0; p < np; p++) {
          if (mode === 'forward') acc[yo + poc[p]] += a[xo + pic[p]] * b[wo + pw[p]];
          else if (mode === 'input') acc[xo + pic[p]] += a[yo + poc[p]] * b[wo + pw[p]];
          else acc[wo + pw[p]] += a[xo + pic[p]] * b[yo + poc[p]];
        }
      }
    }
  }
  return acc;
}

function fromF64(dtype: DType, shape: number[], acc: Float64Array): NDArray {
  const out = empty(dtype, shape);
  out.data.set(acc);
  return out;
}

// ---- Conv2D and DepthwiseConv2dNative, with their backprops ----------------------------------------------------------

const CONV_ATTRS = {
  T: { type: 'type' as const },
  strides: { type: 'list(int)' as const },
  padding: { type: 'string' as const },
  explicit_paddings: { type: 'list(int)' as const, default: [] },
  data_format: { type: 'string' as const, default: 'NHWC' },
  dilations: { type: 'list(int)' as const, default: [1, 1, 1, 1] },
};

/** The attrs a gradient passes on to the ops it builds. */
function convAttrsOf(op: Operation): Attrs {
  const out: Attrs = {};
  for (const k of ['T', 'strides', 'padding', 'explicit_paddings', 'data_format', 'dilations', 'use_cudnn_on_gpu']) {
    if (op.attrs[k] !== undefined) out[k] = op.attrs[k];
  }
  return out;
}

interface ConvFamily { fwd: string; input: string; filter: string; kind: 'conv' | 'depthwise' }
const CONV: ConvFamily = { fwd: 'Conv2D', input: 'Conv2DBackpropInput', filter: 'Conv2DBackpropFilter', kind: 'conv' };
const DEPTHWISE: ConvFamily = {
  fwd: 'DepthwiseConv2dNative', input: 'DepthwiseConv2dNativeBackpropInput', filter: 'DepthwiseConv2dNativeBackpropFilter', kind: 'depthwise',
};

const op1 = (type: string, inputs: Tensor[], attrs: Attrs): Tensor => addOp(type, inputs, attrs, { name: type }).outputs[0];

function defineConvFamily(f: ConvFamily, extraAttrs: Record<string, { type: 'bool'; default: boolean }>): void {
  const attrs = { ...CONV_ATTRS, ...extraAttrs };
  // The geometry of a concrete node from x's shape (in its format) and the filter's: the kernels' view.
  const geo = (type: string, name: string, a: Readonly<Attrs>, x: readonly number[], w: readonly number[]): ConvGeometry =>
    concreteGeometry(f.kind, a, x, w, kernelFail(type, name));

  defineOp({
    type: f.fwd,
    inputs: ['input', 'filter'],
    attrs,
    shape: (c) => {
      const [x, w] = c.inputs;
      const dt = checkDtypes(c, [x, w]);
      const g = geometry(f.kind, c.attrs, x.shape, w.shape, c.fail);
      return [{ dtype: dt, shape: fromNhwc([g.n, g.oh, g.ow, g.oc], g.format) }];
    },
    cpu: ([x, w], a, ctx) => {
      const g = geo(f.fwd, ctx.name, a, x.shape, w.shape);
      const acc = convReference('forward', f.kind === 'depthwise', g, inNhwc(x, g.format).data, w.data, g.n * g.oh * g.ow * g.oc);
      return [outFormat(fromF64(x.dtype, [g.n, g.oh, g.ow, g.oc], acc), g.format)];
    },
    gpu: (k) => {
      const g = geo(f.fwd, k.name, k.attrs, k.inputs[0].shape, k.inputs[1].shape);
      return f.kind === 'conv' ? conv2dGpu(k, g) : depthwiseGpu(k, g, 'forward');
    },
    grad: ((op, [dy]) => {
      const [x, w] = op.inputs;
      const a = convAttrsOf(op);
      return [op1(f.input, [shapeOf(x), w, dy!], a), op1(f.filter, [x, shapeOf(w), dy!], a)];
    }) as GradFn,
  });

  defineOp({
    type: f.input,
    inputs: ['input_sizes', 'filter', 'out_backprop'],
    attrs,
    shape: (c) => {
      const [, w, dy] = c.inputs;
      const dt = checkDtypes(c, [w, dy]);
      const xShape = sizesInput(c, 0, 'input_sizes');
      const g = geometry(f.kind, c.attrs, xShape, w.shape, c.fail);
      checkOutBackprop(c, g, dy);
      return [{ dtype: dt, shape: xShape }];
    },
    cpu: ([sizes, w, dy], a, ctx) => {
      const xShape = Array.from(sizes.data);
      const g = geo(f.input, ctx.name, a, xShape, w.shape);
      checkConcreteOutBackprop(f.input, ctx.name, g, dy.shape);
      const acc = convReference('input', f.kind === 'depthwise', g, inNhwc(dy, g.format).data, w.data, g.n * g.h * g.w * g.c);
      return [outFormat(fromF64(w.dtype, [g.n, g.h, g.w, g.c], acc), g.format)];
    },
    gpu: (k) => {
      const g = geo(f.input, k.name, k.attrs, k.outputs[0].shape, k.inputs[1].shape);
      return f.kind === 'conv' ? conv2dBackpropInputGpu(k, g) : depthwiseGpu(k, g, 'input');
    },
    // nn_grad.py: d/d(filter) is the filter gradient of (grad, out_backprop), d/d(out_backprop) the forward conv of grad.
    grad: ((op, [grad]) => {
      const [, w, dy] = op.inputs;
      const a = convAttrsOf(op);
      return [null, op1(f.filter, [grad!, shapeOf(w), dy], a), op1(f.fwd, [grad!, w], a)];
    }) as GradFn,
  });

  defineOp({
    type: f.filter,
    inputs: ['input', 'filter_sizes', 'out_backprop'],
    attrs,
    shape: (c) => {
      const [x, , dy] = c.inputs;
      const dt = checkDtypes(c, [x, dy]);
      const fShape = sizesInput(c, 1, 'filter_sizes');
      const g = geometry(f.kind, c.attrs, x.shape, fShape, c.fail);
      checkOutBackprop(c, g, dy);
      return [{ dtype: dt, shape: fShape }];
    },
    cpu: ([x, sizes, dy], a, ctx) => {
      const fShape = Array.from(sizes.data);
      const g = geo(f.filter, ctx.name, a, x.shape, fShape);
      checkConcreteOutBackprop(f.filter, ctx.name, g, dy.shape);
      const acc = convReference('filter', f.kind === 'depthwise', g, inNhwc(x, g.format).data, inNhwc(dy, g.format).data, fShape.reduce((p, d) => p * d, 1));
      return [fromF64(x.dtype, fShape, acc)];
    },
    gpu: (k) => {
      const g = geo(f.filter, k.name, k.attrs, k.inputs[0].shape, k.outputs[0].shape);
      return f.kind === 'conv' ? conv2dBackpropFilterGpu(k, g) : depthwiseGpu(k, g, 'filter');
    },
    // nn_grad.py: d/d(input) is the input gradient of (grad, out_backprop), d/d(out_backprop) the forward conv of input.
    grad: ((op, [grad]) => {
      const [x, , dy] = op.inputs;
      const a = convAttrsOf(op);
      return [op1(f.input, [shapeOf(x), grad!, dy], a), null, op1(f.fwd, [x, grad!], a)];
    }) as GradFn,
  });
}

function checkConcreteOutBackprop(type: string, name: string, g: ConvGeometry, dyShape: readonly number[]): void {
  const want = fromNhwc([g.n, g.oh, g.ow, g.oc], g.format);
  if (dyShape.length !== 4 || want.some((d, i) => d !== dyShape[i])) {
    kernelFail(type, name)(`out_backprop [${dyShape}] does not match the forward output [${want}] (${g.format})`);
  }
}

defineConvFamily(CONV, { use_cudnn_on_gpu: { type: 'bool', default: true } });
defineConvFamily(DEPTHWISE, {});

// ---- pooling ----------------------------------------------------------------------------------------------------------

const POOL_ATTRS = {
  T: { type: 'type' as const, default: 'float32' },
  ksize: { type: 'list(int)' as const },
  strides: { type: 'list(int)' as const },
  padding: { type: 'string' as const },
  data_format: { type: 'string' as const, default: 'NHWC' },
};

const poolGeo = (type: string, name: string, a: Readonly<Attrs>, x: readonly number[]): ConvGeometry =>
  concreteGeometry('pool', a, x, null, kernelFail(type, name));

/**
 * The window of output pixel (oy, ox), as input rows [y0, y1) and columns [x0, x1) clipped to the input, and for
 * max pooling each channel's argmax: the first maximum in row-major window order (`v > best`, starting from the
 * window's first element), TF's CPU rule. A NaN is never chosen unless it is the window's first element.
 */
function forEachWindow(g: ConvGeometry, fn: (n: number, o: number, y0: number, y1: number, x0: number, x1: number) => void): void {
  for (let n = 0; n < g.n; n++) for (let oy = 0; oy < g.oh; oy++) for (let ox = 0; ox < g.ow; ox++) {
    const ys = oy * g.sh - g.pt, xs = ox * g.sw - g.pl;
    fn(n, (n * g.oh + oy) * g.ow + ox, Math.max(ys, 0), Math.min(ys + g.kh, g.h), Math.max(xs, 0), Math.min(xs + g.kw, g.w));
  }
}

export function argmaxes(g: ConvGeometry, x: ArrayLike<number>): Int32Array {
  const arg = new Int32Array(g.n * g.oh * g.ow * g.c);
  forEachWindow(g, (n, o, y0, y1, x0, x1) => {
    for (let c = 0; c < g.c; c++) {
      let best = -1, bv = 0;
      for (let y = y0; y < y1; y++) for (let xx = x0; xx < x1; xx++) {
        const i = ((n * g.h + y) * g.w + xx) * g.c + c;
        if (best < 0 || x[i] > bv) { best = i; bv = x[i]; }
      }
      arg[o * g.c + c] = best;
    }
  });
  return arg;
}

function checkPoolInput(c: ShapeContext, t: Tensor, what: string): DType {
  if (!FLOATS.includes(t.dtype)) c.fail(`${what} dtype ${t.dtype} is not supported (float32 or float64): ${describeInput(t)}`);
  if (t.dtype !== c.attrs.T) c.fail(`${what} ${describeInput(t)} is ${t.dtype} but attr T is ${c.attrs.T}`);
  return t.dtype;
}

function poolShape(c: ShapeContext, x: Shape) {
  const g = geometry('pool', c.attrs, x, null, c.fail);
  return { g, out: fromNhwc([g.n, g.oh, g.ow, g.c], g.format) };
}

/** Pool attrs a gradient passes on. */
const poolAttrsOf = (op: Operation): Attrs => ({ T: op.attrs.T, ksize: op.attrs.ksize, strides: op.attrs.strides, padding: op.attrs.padding, data_format: op.attrs.data_format });

defineOp({
  type: 'MaxPool',
  inputs: ['input'],
  attrs: POOL_ATTRS,
  shape: (c) => {
    const dt = checkPoolInput(c, c.inputs[0], 'input');
    return [{ dtype: dt, shape: poolShape(c, c.inputs[0].shape).out }];
  },
  cpu: ([x], a, ctx) => {
    const g = poolGeo('MaxPool', ctx.name, a, x.shape);
    const xd = inNhwc(x, g.format).data;
    const arg = argmaxes(g, xd);
    const out = empty(x.dtype, [g.n, g.oh, g.ow, g.c]);
    for (let i = 0; i < arg.length; i++) out.data[i] = xd[arg[i]];
    return [outFormat(out, g.format)];
  },
  gpu: (k) => poolGpu(k, poolGeo('MaxPool', k.name, k.attrs, k.inputs[0].shape), 'max'),
  grad: ((op, [dy]) => [op1('MaxPoolGrad', [op.inputs[0], op.outputs[0], dy!], poolAttrsOf(op))]) as GradFn,
});

defineOp({
  type: 'MaxPoolGrad',
  inputs: ['orig_input', 'orig_output', 'grad'],
  attrs: POOL_ATTRS,
  shape: (c) => {
    const [x, y, dy] = c.inputs;
    const dt = checkPoolInput(c, x, 'orig_input');
    checkPoolInput(c, y, 'orig_output');
    checkPoolInput(c, dy, 'grad');
    const { out } = poolShape(c, x.shape);
    for (const t of [y, dy]) {
      if (t.shape !== null && (t.shape.length !== 4 || out.some((d, i) => d !== null && t.shape![i] !== null && d !== t.shape![i]))) {
        c.fail(`${describeInput(t)} must have the pooled shape [${out.map((d) => d ?? '?')}]`);
      }
    }
    return [{ dtype: dt, shape: x.shape }];
  },
  // TF's CPU kernel recomputes the argmax from orig_input (orig_output is not read) and routes each gradient there.
  cpu: ([x, , dy], a, ctx) => {
    const g = poolGeo('MaxPoolGrad', ctx.name, a, x.shape);
    const arg = argmaxes(g, inNhwc(x, g.format).data);
    const dyd = inNhwc(dy, g.format).data;
    const acc = new Float64Array(x.size);
    for (let i = 0; i < arg.length; i++) acc[arg[i]] += dyd[i];
    return [outFormat(fromF64(x.dtype, [g.n, g.h, g.w, g.c], acc), g.format)];
  },
  gpu: (k) => poolGpu(k, poolGeo('MaxPoolGrad', k.name, k.attrs, k.inputs[0].shape), 'maxGrad'),
  // nn_grad.py's _MaxPoolGradGrad: nothing flows to orig_input and orig_output (zeros), grad's gradient is gathered.
  grad: ((op, [g]) => [null, null, op1('MaxPoolGradGrad', [op.inputs[0], op.inputs[1], g!], poolAttrsOf(op))]) as GradFn,
});

defineOp({
  type: 'MaxPoolGradGrad',
  inputs: ['orig_input', 'orig_output', 'grad'],
  attrs: POOL_ATTRS,
  shape: (c) => {
    const [x, y, gx] = c.inputs;
    const dt = checkPoolInput(c, x, 'orig_input');
    checkPoolInput(c, y, 'orig_output');
    checkPoolInput(c, gx, 'grad');
    return [{ dtype: dt, shape: poolShape(c, x.shape).out }];
  },
  cpu: ([x, , gx], a, ctx) => {
    const g = poolGeo('MaxPoolGradGrad', ctx.name, a, x.shape);
    const arg = argmaxes(g, inNhwc(x, g.format).data);
    const gd = inNhwc(gx, g.format).data;
    const out = empty(x.dtype, [g.n, g.oh, g.ow, g.c]);
    for (let i = 0; i < arg.length; i++) out.data[i] = gd[arg[i]];
    return [outFormat(out, g.format)];
  },
  gpu: (k) => poolGpu(k, poolGeo('MaxPoolGradGrad', k.name, k.attrs, k.inputs[0].shape), 'maxGradGrad'),
  // nn_grad.py's _MaxPoolGradGradGrad: MaxPoolGrad of the gradient, zeros for the original input and output.
  grad: ((op, [g]) => [null, null, op1('MaxPoolGrad', [op.inputs[0], op.inputs[1], g!], poolAttrsOf(op))]) as GradFn,
});

/** Average pooling's window sums: each output over the in-bounds elements of its window, divided by their count. */
function avgPoolRef(g: ConvGeometry, x: ArrayLike<number>): Float64Array {
  const out = new Float64Array(g.n * g.oh * g.ow * g.c);
  forEachWindow(g, (n, o, y0, y1, x0, x1) => {
    const count = (y1 - y0) * (x1 - x0);
    for (let c = 0; c < g.c; c++) {
      let s = 0;
      for (let y = y0; y < y1; y++) for (let xx = x0; xx < x1; xx++) s += x[((n * g.h + y) * g.w + xx) * g.c + c];
      out[o * g.c + c] = s / count;
    }
  });
  return out;
}

defineOp({
  type: 'AvgPool',
  inputs: ['value'],
  attrs: POOL_ATTRS,
  shape: (c) => {
    const dt = checkPoolInput(c, c.inputs[0], 'value');
    return [{ dtype: dt, shape: poolShape(c, c.inputs[0].shape).out }];
  },
  cpu: ([x], a, ctx) => {
    const g = poolGeo('AvgPool', ctx.name, a, x.shape);
    return [outFormat(fromF64(x.dtype, [g.n, g.oh, g.ow, g.c], avgPoolRef(g, inNhwc(x, g.format).data)), g.format)];
  },
  gpu: (k) => poolGpu(k, poolGeo('AvgPool', k.name, k.attrs, k.inputs[0].shape), 'avg'),
  grad: ((op, [dy]) => [op1('AvgPoolGrad', [shapeOf(op.inputs[0]), dy!], poolAttrsOf(op))]) as GradFn,
});

defineOp({
  type: 'AvgPoolGrad',
  inputs: ['orig_input_shape', 'grad'],
  attrs: POOL_ATTRS,
  shape: (c) => {
    const dt = checkPoolInput(c, c.inputs[1], 'grad');
    const xShape = sizesInput(c, 0, 'orig_input_shape');
    const { out } = poolShape(c, xShape);
    const dy = c.inputs[1];
    if (dy.shape !== null && (dy.shape.length !== 4 || out.some((d, i) => d !== null && dy.shape![i] !== null && d !== dy.shape![i]))) {
      c.fail(`grad ${describeInput(dy)} must have the pooled shape [${out.map((d) => d ?? '?')}]`);
    }
    return [{ dtype: dt, shape: xShape }];
  },
  cpu: ([sizes, dy], a, ctx) => {
    const g = poolGeo('AvgPoolGrad', ctx.name, a, Array.from(sizes.data));
    const dyd = inNhwc(dy, g.format).data;
    const acc = new Float64Array(g.n * g.h * g.w * g.c);
    forEachWindow(g, (n, o, y0, y1, x0, x1) => {
      const count = (y1 - y0) * (x1 - x0);
      for (let c = 0; c < g.c; c++) {
        for (let y = y0; y < y1; y++) for (let xx = x0; xx < x1; xx++) acc[((n * g.h + y) * g.w + xx) * g.c + c] += dyd[o * g.c + c] / count;
      }
    });
    return [outFormat(fromF64(dy.dtype, [g.n, g.h, g.w, g.c], acc), g.format)];
  },
  gpu: (k) => poolGpu(k, poolGeo('AvgPoolGrad', k.name, k.attrs, k.outputs[0].shape), 'avgGrad'),
  // nn_grad.py's _AvgPoolGradGrad: nothing for the shape, the average pool of the gradient for grad.
  grad: ((op, [g]) => [null, op1('AvgPool', [g!], poolAttrsOf(op))]) as GradFn,
});

// ---- builders ---------------------------------------------------------------------------------------------------------

type Ints = number | readonly number[];

/** TF2's rule for strides / dilations / ksize: one value, one per spatial dim, or all 4 (in the data format's order). */
function fourDims(v: Ints, format: Format, what: string): number[] {
  const l = typeof v === 'number' ? [v] : [...v];
  if (l.length === 4) return l;
  if (l.length !== 1 && l.length !== 2) throw new InvalidArgumentError(`${what} must have 1, 2 or 4 elements, got [${l}]`);
  const [h, w] = l.length === 1 ? [l[0], l[0]] : l;
  return format === 'NHWC' ? [1, h, w, 1] : [1, 1, h, w];
}

/** Padding: 'SAME', 'VALID', or explicit [[0, 0], [top, bottom], [left, right], [0, 0]] pairs (data format order). */
type Padding = 'SAME' | 'VALID' | ReadonlyArray<readonly [number, number]>;
function paddingAttrs(p: Padding): Attrs {
  if (typeof p === 'string') return { padding: p, explicit_paddings: [] };
  return { padding: 'EXPLICIT', explicit_paddings: p.flatMap((x) => [...x]) };
}

interface ConvOpts extends NameOpt { dataFormat?: Format; dilations?: Ints }

function convAttrs(dtype: DType, strides: Ints, padding: Padding, opts: ConvOpts, what: string): Attrs {
  const f = opts.dataFormat ?? 'NHWC';
  return {
    T: dtype, strides: fourDims(strides, f, `${what}: strides`), ...paddingAttrs(padding),
    data_format: f, dilations: fourDims(opts.dilations ?? 1, f, `${what}: dilations`),
  };
}

/** `tf.nn.conv2d(input, filter, strides, padding, {dataFormat?, dilations?, name?})`: filter [kh, kw, in, out]. */
export function conv2d(input: TensorLike, filter: TensorLike, strides: Ints, padding: Padding, opts: ConvOpts = {}): Tensor {
  const name = opts.name ?? 'Conv2D';
  const [x, w] = convertSameType([input, filter], `tf.nn.conv2d '${name}'`);
  return addOp('Conv2D', [x, w], convAttrs(x.dtype, strides, padding, opts, `tf.nn.conv2d '${name}'`), { name }).outputs[0];
}

const sizesTensor = (v: TensorLike): Tensor => convertToTensor(v instanceof Tensor ? v : (v as number[]), v instanceof Tensor ? undefined : 'int32');

/** `tf.nn.conv2dBackpropInput(inputSizes, filter, outBackprop, strides, padding, opts)`: the gradient of conv2d by its input. */
export function conv2dBackpropInput(inputSizes: TensorLike, filter: TensorLike, outBackprop: TensorLike, strides: Ints, padding: Padding, opts: ConvOpts = {}): Tensor {
  const name = opts.name ?? 'Conv2DBackpropInput';
  const [w, dy] = convertSameType([filter, outBackprop], `tf.nn.conv2dBackpropInput '${name}'`);
  return addOp('Conv2DBackpropInput', [sizesTensor(inputSizes), w, dy], convAttrs(w.dtype, strides, padding, opts, `tf.nn.conv2dBackpropInput '${name}'`), { name }).outputs[0];
}

/** `tf.nn.conv2dBackpropFilter(input, filterSizes, outBackprop, strides, padding, opts)`: the gradient by the filter. */
export function conv2dBackpropFilter(input: TensorLike, filterSizes: TensorLike, outBackprop: TensorLike, strides: Ints, padding: Padding, opts: ConvOpts = {}): Tensor {
  const name = opts.name ?? 'Conv2DBackpropFilter';
  const [x, dy] = convertSameType([input, outBackprop], `tf.nn.conv2dBackpropFilter '${name}'`);
  return addOp('Conv2DBackpropFilter', [x, sizesTensor(filterSizes), dy], convAttrs(x.dtype, strides, padding, opts, `tf.nn.conv2dBackpropFilter '${name}'`), { name }).outputs[0];
}

/**
 * `tf.nn.depthwiseConv2d(input, filter, strides, padding, {rate?, dilations?, dataFormat?, name?})`: filter
 * [kh, kw, in, multiplier]; output channel i * multiplier + m is input channel i convolved with filter[:, :, i, m].
 * TF1 takes strides of length 4; `rate` (TF1) and `dilations` (TF2) are the same thing.
 */
export function depthwiseConv2d(input: TensorLike, filter: TensorLike, strides: Ints, padding: Padding, opts: ConvOpts & { rate?: Ints } = {}): Tensor {
  const name = opts.name ?? 'depthwise';
  const [x, w] = convertSameType([input, filter], `tf.nn.depthwiseConv2d '${name}'`);
  const a = convAttrs(x.dtype, strides, padding, { ...opts, dilations: opts.dilations ?? opts.rate }, `tf.nn.depthwiseConv2d '${name}'`);
  return addOp('DepthwiseConv2dNative', [x, w], a, { name }).outputs[0];
}

interface PoolOpts extends NameOpt { dataFormat?: Format }

function pool(type: 'MaxPool' | 'AvgPool', what: string, value: TensorLike, ksize: Ints, strides: Ints, padding: 'SAME' | 'VALID', opts: PoolOpts): Tensor {
  const name = opts.name ?? type;
  const x = convertToTensor(value);
  const f = opts.dataFormat ?? 'NHWC';
  const attrs = { T: x.dtype, ksize: fourDims(ksize, f, `${what} '${name}': ksize`), strides: fourDims(strides, f, `${what} '${name}': strides`), padding, data_format: f };
  return addOp(type, [x], attrs, { name }).outputs[0];
}

/** `tf.nn.maxPool(value, ksize, strides, padding, {dataFormat?, name?})`. */
export function maxPool(value: TensorLike, ksize: Ints, strides: Ints, padding: 'SAME' | 'VALID', opts: PoolOpts = {}): Tensor {
  return pool('MaxPool', 'tf.nn.maxPool', value, ksize, strides, padding, opts);
}

/** `tf.nn.avgPool(value, ksize, strides, padding, {dataFormat?, name?})`: padding is not counted in the average. */
export function avgPool(value: TensorLike, ksize: Ints, strides: Ints, padding: 'SAME' | 'VALID', opts: PoolOpts = {}): Tensor {
  return pool('AvgPool', 'tf.nn.avgPool', value, ksize, strides, padding, opts);
}
