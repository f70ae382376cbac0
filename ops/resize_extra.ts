// tf.image resizing, continued (./image.ts has bilinear and nearest): ResizeBicubic with its gradient op
// ResizeBicubicGrad, and ResizeArea (TF's image_ops.cc; CPU kernels resize_bicubic_op.cc and resize_area_op.cc).
// Outputs are float32, as TF's.
//
// Both are separable: output (oy, ox) = sum over taps of wy * wx * input(iy, ix), with per-axis (index, weight) lists
// computed once on the host, exactly as TF's kernels compute them (bicubic: the Keys kernel sampled in a table of 1024
// steps, a = -0.75, or a = -0.5 with half_pixel_centers, whose out-of-image taps get weight 0 and the rest renormalised;
// area: each input pixel weighted by how much of it the output pixel's box covers). The GPU kernels read the same lists
// from a params buffer, so both executors use the same float32 weights.
import { InvalidArgumentError, UnimplementedError } from '../graph/errors.js';
import { NDArray } from '../graph/ndarray.js';
import { Tensor } from '../graph/tensor.js';
import { shape as shapeOf, stridedSlice } from './array.js';
import { empty } from './cpu.js';
import { binding, GpuKernel, GpuKernelContext, grid, WG, wgslType } from './gpu.js';
import { concreteSize, resizeScale, resizeShape } from './image.js';
import { addOp, defineOp, describeInput, GradFn } from './registry.js';
import { constant, convertToTensor, NameOpt, TensorLike } from './values.js';

const f = Math.fround;
const TABLE = 1024;

/** The Keys cubic kernel at the 1025 table points, [w(x), w(x + 1)] per point (TF's InitCoeffsTable, in float). */
function coeffsTable(a: number): Float32Array {
  const t = new Float32Array((TABLE + 1) * 2);
  for (let i = 0; i <= TABLE; i++) {
    let x = f(i / TABLE);
    t[2 * i] = ((a + 2) * x - (a + 3)) * x * x + 1;
    x = f(x + 1);
    t[2 * i + 1] = ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
  }
  return t;
}
const TABLES = { legacy: coeffsTable(-0.75), keys: coeffsTable(-0.5) };

/** Per output coordinate along one axis: the taps' input indices and weights. */
interface Taps { index: number[][]; weight: number[][] }

function bicubicTaps(inSize: number, outSize: number, align: boolean, half: boolean): Taps {
  const scale = resizeScale(inSize, outSize, align);
  const table = half ? TABLES.keys : TABLES.legacy;
  const bound = (v: number): number => Math.min(inSize - 1, Math.max(0, v));
  const taps: Taps = { index: [], weight: [] };
  for (let o = 0; o < outSize; o++) {
    const src = half ? f(f(f(o + 0.5) * scale) - 0.5) : f(o * scale);
    const loc = Math.floor(src);
    // lrintf: round half to even.
    const d = f(src - loc) * TABLE;
    let off = Math.round(d);
    if (Math.abs(d % 1) === 0.5 && off % 2 !== 0) off -= 1;
    const w = [table[off * 2 + 1], table[off * 2], table[(TABLE - off) * 2], table[(TABLE - off) * 2 + 1]];
    const idx = [loc - 1, loc, loc + 1, loc + 2].map(bound);
    if (half) {
      for (let k = 0; k < 4; k++) if (idx[k] !== loc - 1 + k) w[k] = 0;
      const sum = f(f(f(w[0] + w[1]) + w[2]) + w[3]);
      if (Math.abs(sum) >= 1000 * 1.1754943508222875e-38) for (let k = 0; k < 4; k++) w[k] = f(w[k] * f(1 / sum));
    }
    taps.index.push(idx);
    taps.weight.push(w);
  }
  return taps;
}

/** ResizeArea's taps: the input pixels [floor(o * s), ceil((o + 1) * s)) with their covered lengths, over s. */
function areaTaps(inSize: number, outSize: number, align: boolean): Taps {
  const scale = resizeScale(inSize, outSize, align);
  const taps: Taps = { index: [], weight: [] };
  for (let o = 0; o < outSize; o++) {
    const lo = f(o * scale), hi = f((o + 1) * scale);
    const idx: number[] = [], w: number[] = [];
    for (let i = Math.floor(lo); i < Math.ceil(hi); i++) {
      idx.push(Math.min(inSize - 1, Math.max(0, i)));
      w.push(f(Math.min(i + 1, hi) - Math.max(i, lo)));
    }
    taps.index.push(idx);
    taps.weight.push(w);
  }
  return taps;
}

/** Separable resampling on the host: out[n, oy, ox, c] = norm * sum wy * sum wx * x[n, iy, ix, c], in float32 steps. */
function resample(x: NDArray, ty: Taps, tx: Taps, norm: number): NDArray {
  const [n, h, w, c] = x.shape;
  const oh = ty.index.length, ow = tx.index.length;
  const out = empty('float32', [n, oh, ow, c]);
  let o = 0;
  for (let b = 0; b < n; b++) for (let oy = 0; oy < oh; oy++) for (let ox = 0; ox < ow; ox++) for (let ch = 0; ch < c; ch++) {
    let acc = 0;
    for (let p = 0; p < ty.index[oy].length; p++) {
      let row = 0;
      for (let q = 0; q < tx.index[ox].length; q++) row = f(row + f(tx.weight[ox][q] * x.data[((b * h + ty.index[oy][p]) * w + tx.index[ox][q]) * c + ch]));
      acc = f(acc + f(ty.weight[oy][p] * row));
    }
    out.data[o++] = f(acc * norm);
  }
  return out;
}

/** The adjoint of resample (ResizeBicubicGrad): each output gradient spread back over its taps. */
function resampleAdjoint(dy: NDArray, ty: Taps, tx: Taps, h: number, w: number): NDArray {
  const [n, oh, ow, c] = dy.shape;
  const acc = new Float64Array(n * h * w * c);
  let o = 0;
  for (let b = 0; b < n; b++) for (let oy = 0; oy < oh; oy++) for (let ox = 0; ox < ow; ox++) for (let ch = 0; ch < c; ch++) {
    const g = dy.data[o++];
    for (let p = 0; p < ty.index[oy].length; p++) for (let q = 0; q < tx.index[ox].length; q++) {
      acc[((b * h + ty.index[oy][p]) * w + tx.index[ox][q]) * c + ch] += ty.weight[oy][p] * tx.weight[ox][q] * g;
    }
  }
  const out = empty('float32', [n, h, w, c]);
  out.data.set(acc);
  return out;
}

// ---- GPU: the tap lists in a params buffer --------------------------------------------------------------------------

/** Flattens taps into [start offsets (len + 1), then (index, weight) pairs], as f32 (indices are exact). */
function packTaps(t: Taps): Float32Array {
  const starts = [0];
  for (const l of t.index) starts.push(starts[starts.length - 1] + l.length);
  const out = new Float32Array(starts.length + 2 * starts[starts.length - 1]);
  out.set(starts);
  let k = starts.length;
  t.index.forEach((l, o) => l.forEach((idx, p) => { out[k++] = idx; out[k++] = t.weight[o][p]; }));
  return out;
}

/** out[n, oy, ox, c] = norm * the separable sum over the tap lists of input `inputIndex` (any [n, ih, iw, c]). */
function resampleGpu(k: GpuKernelContext, ty: Taps, tx: Taps, norm: number, inputIndex: number): GpuKernel {
  const x = k.inputs[inputIndex], out = k.outputs[0];
  if (out.size === 0) return { dispatches: [] };
  const [, ih, iw, c] = x.shape;
  const [, oh, ow] = out.shape;
  const py = packTaps(ty), px = packTaps(tx);
  const params = new Float32Array(py.length + px.length);
  params.set(py); params.set(px, py.length);
  const yBase = 0, xBase = py.length, yPairs = oh + 1, xPairs = xBase + ow + 1;
  const g = grid(out.size, WG);
  const code = `${binding(0, 'X', wgslType(x.dtype))}
${binding(1, 'Y', 'f32', true)}
${binding(2, 'T', 'f32')}
@compute @workgroup_size(${WG}) fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = ${g.flatIndex};
  if (i >= ${out.size}u) { return; }
  let ch = i % ${c}u; let ox = i / ${c}u % ${ow}u; let oy = i / ${c * ow}u % ${oh}u; let b = i / ${c * ow * oh}u;
  var acc = 0.0;
  for (var p = u32(T[${yBase}u + oy]); p < u32(T[${yBase}u + oy + 1u]); p++) {
    let iy = u32(T[${yPairs}u + 2u * p]); let wy = T[${yPairs}u + 2u * p + 1u];
    var row = 0.0;
    for (var q = u32(T[${xBase}u + ox]); q < u32(T[${xBase}u + ox + 1u]); q++) {
      let ix = u32(T[${xPairs}u + 2u * q]);
      row += T[${xPairs}u + 2u * q + 1u] * f32(X[((b * ${ih}u + iy) * ${iw}u + ix) * ${c}u + ch]);
    }
    acc += wy * row;
  }
  Y[i] = acc * ${norm.toPrecision(9)};
}`;
  return { dispatches: [{ code, bindings: [{ input: inputIndex }, { output: 0 }, { params: () => params }], workgroups: g.workgroups }] };
}

/** Inverts tap lists: for each input coordinate (of inSize), the (output, weight) pairs that read it. */
function invertTaps(t: Taps, inSize: number): Taps {
  const inv: Taps = { index: Array.from({ length: inSize }, () => []), weight: Array.from({ length: inSize }, () => []) };
  t.index.forEach((l, o) => l.forEach((idx, p) => { inv.index[idx].push(o); inv.weight[idx].push(t.weight[o][p]); }));
  return inv;
}

// ---- ops ----------------------------------------------------------------------------------------------------------

const ATTRS = { T: { type: 'type' as const }, align_corners: { type: 'bool' as const, default: false }, half_pixel_centers: { type: 'bool' as const, default: false } };

function bicubicTapsOf(attrs: Readonly<Record<string, unknown>>, inH: number, inW: number, oh: number, ow: number): [Taps, Taps] {
  const align = attrs.align_corners as boolean, half = attrs.half_pixel_centers as boolean;
  return [bicubicTaps(inH, oh, align, half), bicubicTaps(inW, ow, align, half)];
}

defineOp({
  type: 'ResizeBicubic',
  inputs: ['images', 'size'],
  attrs: ATTRS,
  shape: (c) => resizeShape(c, 'float32'),
  cpu: ([x, size], a, ctx) => {
    const [oh, ow] = concreteSize('ResizeBicubic', ctx.name, x, size);
    const [ty, tx] = bicubicTapsOf(a, x.shape[1], x.shape[2], oh, ow);
    return [resample(x, ty, tx, 1)];
  },
  gpu: (k) => {
    const [, h, w] = k.inputs[0].shape, [, oh, ow] = k.outputs[0].shape;
    const [ty, tx] = bicubicTapsOf(k.attrs, h, w, oh, ow);
    return resampleGpu(k, ty, tx, 1, 0);
  },
  // image_grad.py's _ResizeBicubicGrad: a gradient for float images only.
  grad: ((op, [g]) => {
    const x = op.inputs[0];
    if (x.dtype !== 'float32' && x.dtype !== 'float64') return [null, null];
    const dx = addOp('ResizeBicubicGrad', [g!, x], { T: x.dtype, align_corners: op.attrs.align_corners, half_pixel_centers: op.attrs.half_pixel_centers }, { name: 'ResizeBicubicGrad' }).outputs[0];
    return [dx, null];
  }) as GradFn,
});

defineOp({
  type: 'ResizeBicubicGrad',
  inputs: ['grads', 'original_image'],
  attrs: ATTRS,
  shape: (c) => {
    const [g, x] = c.inputs;
    if (g.dtype !== 'float32') c.fail(`grads must be float32, got ${describeInput(g)} ${g.dtype}`);
    if (x.dtype !== 'float32' && x.dtype !== 'float64') c.fail(`original_image must be float32 or float64, got ${describeInput(x)} ${x.dtype}`);
    if (g.shape !== null && g.shape.length !== 4) c.fail(`grads must be 4-dimensional, got ${describeInput(g)}`);
    return [{ dtype: x.dtype, shape: x.shape }];
  },
  cpu: ([g, x], a) => {
    const [ty, tx] = bicubicTapsOf(a, x.shape[1], x.shape[2], g.shape[1], g.shape[2]);
    const dx = resampleAdjoint(g, ty, tx, x.shape[1], x.shape[2]);
    if (x.dtype === 'float32') return [dx];
    const out = empty(x.dtype, x.shape);
    out.data.set(dx.data);
    return [out];
  },
  gpu: (k) => {
    const [, h, w] = k.inputs[1].shape, [, oh, ow] = k.inputs[0].shape;
    const [ty, tx] = bicubicTapsOf(k.attrs, h, w, oh, ow);
    // The adjoint is the same separable sum over the inverted tap lists, reading the gradient.
    return resampleGpu(k, invertTaps(ty, h), invertTaps(tx, w), 1, 0);
  },
  // The op is linear in grads: its gradient there is ResizeBicubic at grads' size.
  grad: ((op, [g]) => {
    const size = stridedSlice(shapeOf(op.inputs[0]), [1], [3], [1]);
    return [addOp('ResizeBicubic', [g!, size], { T: g!.dtype, align_corners: op.attrs.align_corners, half_pixel_centers: op.attrs.half_pixel_centers }, { name: 'ResizeBicubic' }).outputs[0], null];
  }) as GradFn,
});

defineOp({
  type: 'ResizeArea',
  inputs: ['images', 'size'],
  attrs: { T: ATTRS.T, align_corners: ATTRS.align_corners },
  shape: (c) => resizeShape(c, 'float32'),
  cpu: ([x, size], a, ctx) => {
    const [oh, ow] = concreteSize('ResizeArea', ctx.name, x, size);
    const align = a.align_corners as boolean;
    return [resample(x, areaTaps(x.shape[1], oh, align), areaTaps(x.shape[2], ow, align), areaNorm(x.shape[1], x.shape[2], oh, ow, align))];
  },
  gpu: (k) => {
    const [, h, w] = k.inputs[0].shape, [, oh, ow] = k.outputs[0].shape;
    const align = k.attrs.align_corners as boolean;
    return resampleGpu(k, areaTaps(h, oh, align), areaTaps(w, ow, align), areaNorm(h, w, oh, ow, align), 0);
  },
  grad: (op) => { throw new UnimplementedError(`'${op.name}': ResizeArea has no gradient (TensorFlow registers none)`); },
});

/** 1 / (height_scale * width_scale), in float32 as TF's kernel. */
function areaNorm(h: number, w: number, oh: number, ow: number, align: boolean): number {
  return f(1 / f(resizeScale(h, oh, align) * resizeScale(w, ow, align)));
}

// ---- builders -----------------------------------------------------------------------------------------------------

function sizeTensor(size: readonly number[] | Tensor, what: string): Tensor {
  if (size instanceof Tensor) return size;
  if (size.length !== 2) throw new InvalidArgumentError(`${what}: size must have 2 elements, got [${size}]`);
  return constant([...size], { dtype: 'int32', name: 'size' });
}

/** `tf.image.resizeBicubic(images, size, alignCorners = false, {halfPixelCenters?, name?})`. */
export function resizeBicubic(images: TensorLike, size: readonly number[] | Tensor, alignCorners = false, opts: NameOpt & { halfPixelCenters?: boolean } = {}): Tensor {
  const x = convertToTensor(images);
  return addOp('ResizeBicubic', [x, sizeTensor(size, 'tf.image.resizeBicubic')], { T: x.dtype, align_corners: alignCorners, half_pixel_centers: opts.halfPixelCenters ?? false }, { name: opts.name ?? 'ResizeBicubic' }).outputs[0];
}

/** `tf.image.resizeArea(images, size, alignCorners = false, {name?})`. */
export function resizeArea(images: TensorLike, size: readonly number[] | Tensor, alignCorners = false, opts: NameOpt = {}): Tensor {
  const x = convertToTensor(images);
  return addOp('ResizeArea', [x, sizeTensor(size, 'tf.image.resizeArea')], { T: x.dtype, align_corners: alignCorners }, { name: opts.name ?? 'ResizeArea' }).outputs[0];
}
