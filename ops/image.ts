// tf.image resizing: ResizeBilinear, ResizeNearestNeighbor and their gradients ResizeBilinearGrad and
// ResizeNearestNeighborGrad (TF's image_ops.cc, with TF's CPU kernels' coordinate rules: align_corners and
// half_pixel_centers). Images are 4-D NHWC.
//
// Coordinates are computed in float32 as TF's kernels do: scale = in / out (or (in - 1) / (out - 1) with align_corners),
// the source coordinate of output o is o * scale (legacy) or (o + 0.5) * scale - 0.5 (half-pixel; nearest neighbour
// uses (o + 0.5) * scale). The scale is computed once on the host and baked into the shaders, so both executors use the
// same float32 value.
import { DType } from '../graph/dtypes.js';
import { InvalidArgumentError, UnimplementedError } from '../graph/errors.js';
import { NDArray } from '../graph/ndarray.js';
import { Dim, formatShape } from '../graph/shape.js';
import { Tensor } from '../graph/tensor.js';
import { empty, intList } from './cpu.js';
import { binding, GpuKernel, GpuKernelContext, grid, literal, WG, wgslType } from './gpu.js';
import { shape as shapeOf, stridedSlice } from './array.js';
import { addOp, defineOp, ShapeContext } from './registry.js';
import { constant, convertToTensor, NameOpt, TensorLike } from './values.js';

const IMAGE_DTYPES: readonly DType[] = ['float32', 'float64', 'int32', 'int64'];
const f = Math.fround;

/** TF's CalculateResizeScale, in float32. */
export function resizeScale(inSize: number, outSize: number, alignCorners: boolean): number {
  return alignCorners && outSize > 1 ? f((inSize - 1) / (outSize - 1)) : f(inSize / outSize);
}

/** TF's compute_interpolation_weights for one output coordinate. */
function bilinearWeights(o: number, scale: number, inSize: number, half: boolean): { lo: number; hi: number; lerp: number } {
  const src = half ? f(f(f(o + 0.5) * scale) - 0.5) : f(o * scale);
  const fl = Math.floor(src);
  return { lo: Math.max(fl, 0), hi: Math.min(Math.ceil(src), inSize - 1), lerp: f(src - fl) };
}

/** TF's nearest-neighbour source coordinate. */
function nearest(o: number, scale: number, inSize: number, align: boolean, half: boolean): number {
  const src = half ? f(f(o + 0.5) * scale) : f(o * scale);
  // roundf: half away from zero (src >= 0 here).
  let i = Math.min(align ? Math.floor(src + 0.5) : Math.floor(src), inSize - 1);
  if (half) i = Math.max(0, i);
  return i;
}

interface Geo { N: number; H: number; W: number; C: number; OH: number; OW: number; sy: number; sx: number; align: boolean; half: boolean }

function geometry(inShape: readonly number[], outH: number, outW: number, attrs: Readonly<Record<string, unknown>>): Geo {
  const [N, H, W, C] = inShape;
  const align = attrs.align_corners as boolean, half = attrs.half_pixel_centers as boolean;
  return { N, H, W, C, OH: outH, OW: outW, sy: resizeScale(H, outH, align), sx: resizeScale(W, outW, align), align, half };
}

function checkAttrs(c: { attrs: Readonly<Record<string, unknown>>; fail(m: string): never }): void {
  if (c.attrs.align_corners && c.attrs.half_pixel_centers) c.fail('If half_pixel_centers is True, align_corners must be False.');
}

/** The shape rule of the forward ops: images [N, H, W, C], size a 2-vector of int32. */
export function resizeShape(c: ShapeContext, outDtype: DType): [{ dtype: DType; shape: Dim[] | null }] {
  const [x, size] = c.inputs;
  checkAttrs(c);
  if (!IMAGE_DTYPES.includes(x.dtype)) c.fail(`images '${x.name}' has dtype ${x.dtype}; allowed: ${IMAGE_DTYPES.join(', ')}`);
  if (size.dtype !== 'int32') c.fail(`size '${size.name}' must be int32, got ${size.dtype}`);
  if (size.shape !== null && (size.shape.length !== 1 || (size.shape[0] !== null && size.shape[0] !== 2))) c.fail(`size must be a 1-D int32 Tensor of 2 elements, got shape ${formatShape(size.shape)}`);
  if (x.shape !== null && x.shape.length !== 4) c.fail(`images must be 4-dimensional, got ${formatShape(x.shape)}`);
  const s = c.constShape(1);
  if (s !== null && s.some((d) => d !== null && d <= 0)) c.fail(`output dimensions must be positive, got [${s.join(',')}]`);
  return [{ dtype: outDtype, shape: [x.shape?.[0] ?? null, s?.[0] ?? null, s?.[1] ?? null, x.shape?.[3] ?? null] }];
}

export function concreteSize(type: string, node: string, x: NDArray, size: NDArray): [number, number] {
  const fail = (m: string): never => { throw new InvalidArgumentError(`${type} node '${node}': ${m}`); };
  if (x.rank !== 4) fail(`input must be 4-dimensional, got ${formatShape(x.shape)}`);
  if (size.rank !== 1 || size.size !== 2) fail(`shape_t must have two elements, got shape ${formatShape(size.shape)}`);
  const [h, w] = intList(size);
  if (!(h > 0 && w > 0)) fail(`output dimensions must be positive, got [${h},${w}]`);
  if (x.shape[1] <= 0 || x.shape[2] <= 0) fail(`input image must be of non-zero size, got ${formatShape(x.shape)}`);
  return [h, w];
}

/** Calls fn(outIndex, n, oy, ox, c) over the output [N, OH, OW, C]. */
function forOut(g: Geo, fn: (i: number, n: number, oy: number, ox: number, c: number) => void): void {
  let i = 0;
  for (let n = 0; n < g.N; n++) for (let oy = 0; oy < g.OH; oy++) for (let ox = 0; ox < g.OW; ox++) for (let c = 0; c < g.C; c++) fn(i++, n, oy, ox, c);
}

const at = (g: Geo, n: number, y: number, x: number, c: number): number => ((n * g.H + y) * g.W + x) * g.C + c;

// ---- WGSL ---------------------------------------------------------------------------------------------------------

/** WGSL statements giving n, oy, ox, c of output element i (of [N, OH, OW, C]). */
function outCoords(g: Geo): string {
  return `let c = i % ${g.C}u;
  let ox = (i / ${g.C}u) % ${g.OW}u;
  let oy = (i / ${g.C * g.OW}u) % ${g.OH}u;
  let n = i / ${g.C * g.OW * g.OH}u;`;
}

/** WGSL functions of an output coordinate: the bilinear lower/upper/lerp (as bl_lo_y...), or the nearest source. */
function coordFns(g: Geo, kind: 'bilinear' | 'nearest'): string {
  const fns: string[] = [];
  for (const [ax, scale, inSize] of [['y', g.sy, g.H], ['x', g.sx, g.W]] as const) {
    const s = literal(scale, 'float32');
    if (kind === 'bilinear') {
      const src = g.half ? `(f32(o) + 0.5) * ${s} - 0.5` : `f32(o) * ${s}`;
      fns.push(`fn src_${ax}(o: u32) -> f32 { return ${src}; }
fn lo_${ax}(o: u32) -> i32 { return max(i32(floor(src_${ax}(o))), 0); }
fn hi_${ax}(o: u32) -> i32 { return min(i32(ceil(src_${ax}(o))), ${inSize - 1}); }
fn lerp_${ax}(o: u32) -> f32 { let v = src_${ax}(o); return v - floor(v); }`);
    } else {
      const src = g.half ? `(f32(o) + 0.5) * ${s}` : `f32(o) * ${s}`;
      const idx = g.align ? `i32(floor(${src} + 0.5))` : `i32(floor(${src}))`;
      fns.push(`fn nn_${ax}(o: u32) -> i32 { return ${g.half ? `max(0, min(${idx}, ${inSize - 1}))` : `min(${idx}, ${inSize - 1})`}; }`);
    }
  }
  return fns.join('\n');
}

function resizeGpu(k: GpuKernelContext, kind: 'bilinear' | 'nearest'): GpuKernel {
  const x = k.inputs[0], out = k.outputs[0];
  if (out.size === 0) return { dispatches: [] };
  const g = geometry(x.shape, out.shape[1], out.shape[2], k.attrs);
  const tin = wgslType(x.dtype), tout = wgslType(out.dtype);
  const idx = (y: string, xx: string): string => `((n * ${g.H}u + u32(${y})) * ${g.W}u + u32(${xx})) * ${g.C}u + c`;
  const body = kind === 'bilinear'
    ? `let y0 = lo_y(oy); let y1 = hi_y(oy); let ly = lerp_y(oy);
  let x0 = lo_x(ox); let x1 = hi_x(ox); let lx = lerp_x(ox);
  let tl = f32(x[${idx('y0', 'x0')}]); let tr = f32(x[${idx('y0', 'x1')}]);
  let bl = f32(x[${idx('y1', 'x0')}]); let br = f32(x[${idx('y1', 'x1')}]);
  let top = tl + (tr - tl) * lx;
  let bottom = bl + (br - bl) * lx;
  y[i] = top + (bottom - top) * ly;`
    : `y[i] = x[${idx('nn_y(oy)', 'nn_x(ox)')}];`;
  const gr = grid(out.size);
  const code = `${binding(0, 'x', tin)}
${binding(1, 'y', tout, true)}
${coordFns(g, kind)}
@compute @workgroup_size(${WG}) fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = ${gr.flatIndex};
  if (i >= ${out.size}u) { return; }
  ${outCoords(g)}
  ${body}
}`;
  return { dispatches: [{ code, bindings: [{ input: 0 }, { output: 0 }], workgroups: gr.workgroups }] };
}

/**
 * The output range [lo, hi] along one axis whose source coordinates can touch input coordinate `v` (a superset, with a
 * margin: the shader tests each candidate with the forward pass's own formula).
 */
function rangeExpr(v: string, scale: number, inSize: number, outSize: number, half: boolean, kind: 'bilinear' | 'nearest'): { lo: string; hi: string; span: number } {
  if (scale === 0 || outSize <= 4) return { lo: '0', hi: `${outSize - 1}`, span: outSize };
  const inv = 1 / scale;
  const shift = half ? (kind === 'bilinear' ? 0.5 : 0) : 0;
  const off = half ? 0.5 : 0;
  const l = literal(inv, 'float32');
  const lo = `select(max(i32(floor((f32(${v}) - 1.0 + ${literal(shift, 'float32')}) * ${l} - ${literal(off, 'float32')})) - 2, 0), 0, ${v} == 0)`;
  const hi = `select(min(i32(ceil((f32(${v}) + 1.0 + ${literal(shift, 'float32')}) * ${l} - ${literal(off, 'float32')})) + 2, ${outSize - 1}), ${outSize - 1}, ${v} == ${inSize - 1})`;
  return { lo, hi, span: Math.min(outSize, Math.ceil(2 * inv) + 6) };
}

/** The gradients on the GPU: one thread per input element sums the output gradients over the range that reaches it. */
function resizeGradGpu(k: GpuKernelContext, kind: 'bilinear' | 'nearest'): GpuKernel {
  const dy = k.inputs[0], out = k.outputs[0];
  if (out.size === 0) return { dispatches: [] };
  const [, H, W, C] = out.shape;
  const g = geometry(out.shape, dy.shape[1], dy.shape[2], k.attrs);
  const ry = rangeExpr('iy', g.sy, H, g.OH, g.half, kind), rx = rangeExpr('ix', g.sx, W, g.OW, g.half, kind);
  const t = wgslType(out.dtype);
  // Each thread loops over span_y * span_x candidates: llvmpipe ends a loop after 65535 iterations.
  if (ry.span * rx.span > 60000) {
    throw new UnimplementedError(`${k.type} node '${k.name}': the webgpu kernel supports at most 60000 output pixels reaching one input pixel, got ${dy.shape[1]}x${dy.shape[2]} from ${H}x${W}`);
  }
  const dyAt = `dy[((n * ${g.OH}u + u32(oy)) * ${g.OW}u + u32(ox)) * ${C}u + c]`;
  const weight = kind === 'bilinear'
    ? `let wy = select(0.0, 1.0 - lerp_y(u32(oy)), lo_y(u32(oy)) == iy) + select(0.0, lerp_y(u32(oy)), hi_y(u32(oy)) == iy);
      let wx = select(0.0, 1.0 - lerp_x(u32(ox)), lo_x(u32(ox)) == ix) + select(0.0, lerp_x(u32(ox)), hi_x(u32(ox)) == ix);
      acc += wy * wx * ${dyAt};`
    : `if (nn_y(u32(oy)) == iy && nn_x(u32(ox)) == ix) { acc += ${dyAt}; }`;
  const gr = grid(out.size);
  const code = `${binding(0, 'dy', t)}
${binding(1, 'y', t, true)}
${coordFns(g, kind)}
@compute @workgroup_size(${WG}) fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = ${gr.flatIndex};
  if (i >= ${out.size}u) { return; }
  let c = i % ${C}u;
  let ix = i32((i / ${C}u) % ${W}u);
  let iy = i32((i / ${C * W}u) % ${H}u);
  let n = i / ${C * W * H}u;
  var acc = ${literal(0, out.dtype)};
  let y0 = ${ry.lo}; let y1 = ${ry.hi};
  let x0 = ${rx.lo}; let x1 = ${rx.hi};
  for (var oy = y0; oy <= y1; oy++) {
    for (var ox = x0; ox <= x1; ox++) {
      ${weight}
    }
  }
  y[i] = acc;
}`;
  return { dispatches: [{ code, bindings: [{ input: 0 }, { output: 0 }], workgroups: gr.workgroups }] };
}

// ---- ops ------------------------------------------------------------------------------------------------------------

const RESIZE_ATTRS = {
  T: { type: 'type' }, align_corners: { type: 'bool', default: false }, half_pixel_centers: { type: 'bool', default: false },
} as const;

defineOp({
  type: 'ResizeBilinear',
  inputs: ['images', 'size'],
  attrs: RESIZE_ATTRS,
  shape: (c) => resizeShape(c, 'float32'),
  cpu: ([x, size], attrs, ctx) => {
    const [oh, ow] = concreteSize('ResizeBilinear', ctx.name, x, size);
    const g = geometry(x.shape, oh, ow, attrs);
    const out = empty('float32', [g.N, oh, ow, g.C]);
    const wy = Array.from({ length: oh }, (_, o) => bilinearWeights(o, g.sy, g.H, g.half));
    const wx = Array.from({ length: ow }, (_, o) => bilinearWeights(o, g.sx, g.W, g.half));
    const d = x.data;
    forOut(g, (i, n, oy, ox, c) => {
      const a = wy[oy], b = wx[ox];
      const tl = d[at(g, n, a.lo, b.lo, c)], tr = d[at(g, n, a.lo, b.hi, c)];
      const bl = d[at(g, n, a.hi, b.lo, c)], br = d[at(g, n, a.hi, b.hi, c)];
      const top = tl + (tr - tl) * b.lerp, bottom = bl + (br - bl) * b.lerp;
      out.data[i] = top + (bottom - top) * a.lerp;
    });
    return [out];
  },
  gpu: (k) => resizeGpu(k, 'bilinear'),
  // TF's _ResizeBilinearGrad.
  grad: (op, [dy]) => [addOp('ResizeBilinearGrad', [dy!, op.inputs[0]], {
    T: op.inputs[0].dtype, align_corners: op.attrs.align_corners, half_pixel_centers: op.attrs.half_pixel_centers,
  }, { name: 'ResizeBilinearGrad' }).outputs[0], null],
});

defineOp({
  type: 'ResizeBilinearGrad',
  inputs: ['grads', 'original_image'],
  attrs: RESIZE_ATTRS,
  shape: (c) => {
    checkAttrs(c);
    const [dy, img] = c.inputs;
    if (dy.dtype !== 'float32') c.fail(`grads '${dy.name}' must be float32, got ${dy.dtype}`);
    if (img.dtype !== 'float32' && img.dtype !== 'float64') c.fail(`original_image '${img.name}' must be float32 or float64, got ${img.dtype}`);
    return [{ dtype: img.dtype, shape: img.shape }];
  },
  cpu: ([dy, img], attrs) => {
    const g = geometry(img.shape, dy.shape[1], dy.shape[2], attrs);
    const acc = new Float64Array(img.size);
    const wy = Array.from({ length: g.OH }, (_, o) => bilinearWeights(o, g.sy, g.H, g.half));
    const wx = Array.from({ length: g.OW }, (_, o) => bilinearWeights(o, g.sx, g.W, g.half));
    forOut(g, (i, n, oy, ox, c) => {
      const a = wy[oy], b = wx[ox], v = dy.data[i];
      acc[at(g, n, a.lo, b.lo, c)] += v * (1 - a.lerp) * (1 - b.lerp);
      acc[at(g, n, a.lo, b.hi, c)] += v * (1 - a.lerp) * b.lerp;
      acc[at(g, n, a.hi, b.lo, c)] += v * a.lerp * (1 - b.lerp);
      acc[at(g, n, a.hi, b.hi, c)] += v * a.lerp * b.lerp;
    });
    const out = empty(img.dtype, img.shape);
    out.data.set(acc);
    return [out];
  },
  gpu: (k) => resizeGradGpu(k, 'bilinear'),
  // TF registers no gradient for ResizeBilinearGrad.
  grad: 'not-differentiable',
});

defineOp({
  type: 'ResizeNearestNeighbor',
  inputs: ['images', 'size'],
  attrs: RESIZE_ATTRS,
  shape: (c) => resizeShape(c, c.inputs[0].dtype),
  cpu: ([x, size], attrs, ctx) => {
    const [oh, ow] = concreteSize('ResizeNearestNeighbor', ctx.name, x, size);
    const g = geometry(x.shape, oh, ow, attrs);
    const out = empty(x.dtype, [g.N, oh, ow, g.C]);
    const ys = Array.from({ length: oh }, (_, o) => nearest(o, g.sy, g.H, g.align, g.half));
    const xs = Array.from({ length: ow }, (_, o) => nearest(o, g.sx, g.W, g.align, g.half));
    forOut(g, (i, n, oy, ox, c) => { out.data[i] = x.data[at(g, n, ys[oy], xs[ox], c)]; });
    return [out];
  },
  gpu: (k) => resizeGpu(k, 'nearest'),
  // TF's _ResizeNearestNeighborGrad: the image's spatial size, static when known.
  grad: (op, [dy]) => {
    const img = op.inputs[0];
    const hw = img.shape !== null && img.shape[1] !== null && img.shape[2] !== null
      ? constant([img.shape[1], img.shape[2]], { dtype: 'int32', shape: [2] })
      : stridedSlice(shapeOf(img), [1], [3], [1]);
    return [addOp('ResizeNearestNeighborGrad', [dy!, hw], {
      T: dy!.dtype, align_corners: op.attrs.align_corners, half_pixel_centers: op.attrs.half_pixel_centers,
    }, { name: 'ResizeNearestNeighborGrad' }).outputs[0], null];
  },
});

defineOp({
  type: 'ResizeNearestNeighborGrad',
  inputs: ['grads', 'size'],
  attrs: RESIZE_ATTRS,
  shape: (c) => {
    checkAttrs(c);
    const [dy] = c.inputs;
    if (!IMAGE_DTYPES.includes(dy.dtype)) c.fail(`grads '${dy.name}' has dtype ${dy.dtype}; allowed: ${IMAGE_DTYPES.join(', ')}`);
    const s = c.constShape(1);
    return [{ dtype: dy.dtype, shape: [dy.shape?.[0] ?? null, s?.[0] ?? null, s?.[1] ?? null, dy.shape?.[3] ?? null] }];
  },
  cpu: ([dy, size], attrs, ctx) => {
    const [h, w] = concreteSize('ResizeNearestNeighborGrad', ctx.name, dy, size);
    const shape = [dy.shape[0], h, w, dy.shape[3]];
    const g = geometry(shape, dy.shape[1], dy.shape[2], attrs);
    const acc = new Float64Array(shape[0] * h * w * shape[3]);
    const ys = Array.from({ length: g.OH }, (_, o) => nearest(o, g.sy, g.H, g.align, g.half));
    const xs = Array.from({ length: g.OW }, (_, o) => nearest(o, g.sx, g.W, g.align, g.half));
    forOut(g, (i, n, oy, ox, c) => { acc[at(g, n, ys[oy], xs[ox], c)] += dy.data[i]; });
    const out = empty(dy.dtype, shape);
    out.data.set(dy.dtype === 'float32' || dy.dtype === 'float64' ? acc : acc.map((v) => v | 0));
    return [out];
  },
  gpu: (k) => resizeGradGpu(k, 'nearest'),
  // TF's _ResizeNearestNeighborGradGrad... is not registered in TF1; none here either.
  grad: 'not-differentiable',
});

// ---- builders -------------------------------------------------------------------------------------------------------

export interface ResizeOptions extends NameOpt { halfPixelCenters?: boolean }

function resize(type: string, images: TensorLike, size: readonly number[] | Tensor, alignCorners: boolean, opts: ResizeOptions): Tensor {
  const x = convertToTensor(images);
  const s = size instanceof Tensor ? size : constant([...size], { dtype: 'int32', shape: [size.length], name: 'size', graph: x.graph });
  return addOp(type, [x, s], { T: x.dtype, align_corners: alignCorners, half_pixel_centers: opts.halfPixelCenters ?? false },
    { name: opts.name ?? type }).outputs[0];
}

/** `tf.image.resizeBilinear(images, size, alignCorners = false, {halfPixelCenters?, name?})`: TF1's resize_bilinear (float32 out). */
export function resizeBilinear(images: TensorLike, size: readonly number[] | Tensor, alignCorners = false, opts: ResizeOptions = {}): Tensor {
  return resize('ResizeBilinear', images, size, alignCorners, opts);
}

/** `tf.image.resizeNearestNeighbor(images, size, alignCorners = false, {halfPixelCenters?, name?})`: TF1's resize_nearest_neighbor. */
export function resizeNearestNeighbor(images: TensorLike, size: readonly number[] | Tensor, alignCorners = false, opts: ResizeOptions = {}): Tensor {
  return resize('ResizeNearestNeighbor', images, size, alignCorners, opts);
}
