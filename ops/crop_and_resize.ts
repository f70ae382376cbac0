// CropAndResize and its gradients CropAndResizeGradImage / CropAndResizeGradBoxes (TF's image_ops.cc, CPU kernel
// crop_and_resize_op.cc; gradients as image_grad.py's). Boxes are [y1, x1, y2, x2] in normalised coordinates: crop row
// y samples image row y1 * (h - 1) + y * (y2 - y1) * (h - 1) / (crop_h - 1) (the box centre when crop_h is 1), and a
// sample outside the image is extrapolation_value. Coordinates are float32 as in TF's kernel. Crops are float32.
//
// GPU: CropAndResize runs one invocation per crop element; the two gradients scatter into shared elements (WGSL has
// no float atomics), so they have no GPU kernel yet and throw UnimplementedError naming the node.
import { InvalidArgumentError, UnimplementedError } from '../graph/errors.js';
import { Attrs, Tensor } from '../graph/tensor.js';
import { shape as shapeOf } from './array.js';
import { empty } from './cpu.js';
import { NUMERIC } from './elementwise.js';
import { binding, GpuKernelBuilder, grid, literal, WG, wgslType } from './gpu.js';
import { addOp, defineOp, describeInput, GradFn, ShapeContext } from './registry.js';
import { constant, convertToTensor, NameOpt, TensorLike } from './values.js';

const f = Math.fround;

/** One sample position along an axis: the input coordinate, or null when it falls outside [0, size - 1]. */
function sampleAt(lo: number, hi: number, o: number, crop: number, size: number): number | null {
  const v = crop > 1 ? f(f(lo * (size - 1)) + f(o * f(f(f(hi - lo) * (size - 1)) / (crop - 1)))) : f(f(0.5 * f(lo + hi)) * (size - 1));
  return v < 0 || v > size - 1 ? null : v;
}

interface Geo { b: number; h: number; w: number; d: number; n: number; ch: number; cw: number }

/**
 * For every crop element inside the image: fn(out index, image batch, y positions, x positions, lerps) with the
 * four neighbours (top/bottom rows, left/right columns). Elements outside are reported with `outside(i)`.
 */
function forEachSample(g: Geo, boxes: ArrayLike<number>, boxInd: ArrayLike<number>, node: string, type: string,
  fn: (box: number, i: number, bi: number, ty: number, by: number, lx: number, rx: number, yl: number, xl: number, iy: number, ix: number, y: number, x: number) => void,
  outside: (i: number) => void): void {
  for (let box = 0; box < g.n; box++) {
    const bi = boxInd[box];
    if (!(bi >= 0 && bi < g.b)) throw new InvalidArgumentError(`${type} node '${node}': box_ind[${box}] = ${bi} is outside [0, ${g.b})`);
    const [y1, x1, y2, x2] = [boxes[4 * box], boxes[4 * box + 1], boxes[4 * box + 2], boxes[4 * box + 3]];
    for (let y = 0; y < g.ch; y++) {
      const iy = sampleAt(y1, y2, y, g.ch, g.h);
      for (let x = 0; x < g.cw; x++) {
        const ix = sampleAt(x1, x2, x, g.cw, g.w);
        const base = ((box * g.ch + y) * g.cw + x) * g.d;
        if (iy === null || ix === null) { for (let c = 0; c < g.d; c++) outside(base + c); continue; }
        const ty = Math.floor(iy), by = Math.ceil(iy), lx = Math.floor(ix), rx = Math.ceil(ix);
        fn(box, base, bi, ty, by, lx, rx, f(iy - ty), f(ix - lx), iy, ix, y, x);
      }
    }
  }
}

function checkBoxes(c: ShapeContext, boxes: Tensor, boxInd: Tensor): void {
  if (boxes.dtype !== 'float32') c.fail(`boxes must be float32, got ${describeInput(boxes)} ${boxes.dtype}`);
  if (boxes.shape !== null && (boxes.shape.length !== 2 || (boxes.shape[1] !== null && boxes.shape[1] !== 4))) c.fail(`boxes must be [num_boxes, 4], got ${describeInput(boxes)}`);
  if (boxInd.dtype !== 'int32' || (boxInd.shape !== null && boxInd.shape.length !== 1)) c.fail(`box_ind must be a 1-D int32 tensor, got ${describeInput(boxInd)} ${boxInd.dtype}`);
  if (boxes.shape?.[0] != null && boxInd.shape?.[0] != null && boxes.shape[0] !== boxInd.shape[0]) c.fail(`boxes ${describeInput(boxes)} and box_ind ${describeInput(boxInd)} must have the same number of boxes`);
}

function checkMethod(c: { attrs: Readonly<Attrs>; fail(m: string): never }): void {
  const m = c.attrs.method as string;
  if (m !== 'bilinear' && m !== 'nearest') c.fail(`method must be 'bilinear' or 'nearest', got '${m}'`);
}

const roundHalfAway = (v: number): number => Math.sign(v) * Math.round(Math.abs(v));

function cropGeo(image: readonly number[], n: number, ch: number, cw: number): Geo {
  return { b: image[0], h: image[1], w: image[2], d: image[3], n, ch, cw };
}

const gpuUnimplemented: GpuKernelBuilder = (k) => {
  throw new UnimplementedError(`'${k.name}': op type ${k.type} has no GPU kernel yet (a scatter into shared elements); use executor: 'cpu'`);
};

defineOp({
  type: 'CropAndResize',
  inputs: ['image', 'boxes', 'box_ind', 'crop_size'],
  attrs: { T: { type: 'type' }, method: { type: 'string', default: 'bilinear' }, extrapolation_value: { type: 'float', default: 0 } },
  shape: (c) => {
    const [img, boxes, boxInd, size] = c.inputs;
    checkMethod(c);
    if (!NUMERIC.includes(img.dtype)) c.fail(`image dtype ${img.dtype} is not supported: ${describeInput(img)}`);
    if (img.shape !== null && img.shape.length !== 4) c.fail(`image must be 4-D, got ${describeInput(img)}`);
    checkBoxes(c, boxes, boxInd);
    if (size.dtype !== 'int32') c.fail(`crop_size must be int32, got ${describeInput(size)} ${size.dtype}`);
    const s = c.constShape(3);
    if (s !== null && (s.length !== 2 || s.some((v) => v !== null && v <= 0))) c.fail(`crop_size must be two positive values, got [${s}]`);
    return [{ dtype: 'float32', shape: [boxes.shape?.[0] ?? null, s?.[0] ?? null, s?.[1] ?? null, img.shape?.[3] ?? null] }];
  },
  cpu: ([img, boxes, boxInd, size], a, ctx) => {
    const [ch, cw] = Array.from(size.data);
    if (!(ch > 0 && cw > 0)) throw new InvalidArgumentError(`CropAndResize node '${ctx.name}': crop dimensions must be positive, got [${ch},${cw}]`);
    const g = cropGeo(img.shape, boxes.shape[0], ch, cw);
    const out = empty('float32', [g.n, ch, cw, g.d]);
    const at = (bi: number, y: number, x: number, c: number): number => img.data[((bi * g.h + y) * g.w + x) * g.d + c];
    const nearest = (a.method as string) === 'nearest';
    forEachSample(g, boxes.data, boxInd.data, ctx.name, 'CropAndResize', (_box, i, bi, ty, by, lx, rx, yl, xl, iy, ix) => {
      for (let c = 0; c < g.d; c++) {
        if (nearest) { out.data[i + c] = at(bi, roundHalfAway(iy), roundHalfAway(ix), c); continue; }
        const tl = at(bi, ty, lx, c), tr = at(bi, ty, rx, c), bl = at(bi, by, lx, c), br = at(bi, by, rx, c);
        const top = f(tl + f(f(tr - tl) * xl)), bottom = f(bl + f(f(br - bl) * xl));
        out.data[i + c] = f(top + f(f(bottom - top) * yl));
      }
    }, (i) => { out.data[i] = a.extrapolation_value as number; });
    return [out];
  },
  gpu: (k) => {
    const img = k.inputs[0];
    const out = k.outputs[0];
    if (out.size === 0) return { dispatches: [] };
    const [, ch, cw, d] = out.shape, [b, h, w] = img.shape;
    const nearest = (k.attrs.method as string) === 'nearest';
    const t = wgslType(img.dtype);
    const g = grid(out.size, WG);
    const axis = (lo: string, hi: string, o: string, crop: number, size: number): string => (crop > 1
      ? `${lo} * ${size - 1}.0 + f32(${o}) * ((${hi} - ${lo}) * ${size - 1}.0 / ${crop - 1}.0)`
      : `0.5 * (${lo} + ${hi}) * ${size - 1}.0`);
    const px = (y: string, x: string): string => `f32(X[((u32(bi) * ${h}u + u32(${y})) * ${w}u + u32(${x})) * ${d}u + c])`;
    const code = `${binding(0, 'X', t)}
${binding(1, 'B', 'f32')}
${binding(2, 'I', 'i32')}
${binding(3, 'Y', 'f32', true)}
${binding(4, 'status', 'u32', true)}
@compute @workgroup_size(${WG}) fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = ${g.flatIndex};
  if (i >= ${out.size}u) { return; }
  let c = i % ${d}u; let x = i / ${d}u % ${cw}u; let y = i / ${d * cw}u % ${ch}u; let box = i / ${d * cw * ch}u;
  let bi = I[box];
  if (bi < 0 || bi >= ${b}) { status[0] = 1u; return; }
  let iy = ${axis('B[4u * box]', 'B[4u * box + 2u]', 'y', ch, h)};
  let ix = ${axis('B[4u * box + 1u]', 'B[4u * box + 3u]', 'x', cw, w)};
  if (iy < 0.0 || iy > ${h - 1}.0 || ix < 0.0 || ix > ${w - 1}.0) { Y[i] = ${literal(k.attrs.extrapolation_value as number, 'float32')}; return; }
  ${nearest
    ? `Y[i] = ${px('i32(floor(iy + 0.5))', 'i32(floor(ix + 0.5))')};` // roundf (half away from zero) of a value >= 0
    : `let ty = floor(iy); let lx = floor(ix); let yl = iy - ty; let xl = ix - lx;
  let tl = ${px('ty', 'lx')}; let tr = ${px('ty', 'ceil(ix)')}; let bl = ${px('ceil(iy)', 'lx')}; let br = ${px('ceil(iy)', 'ceil(ix)')};
  let top = tl + (tr - tl) * xl; let bottom = bl + (br - bl) * xl;
  Y[i] = top + (bottom - top) * yl;`}
}`;
    return {
      dispatches: [{ code, bindings: [{ input: 0 }, { input: 1 }, { input: 2 }, { output: 0 }, { status: true }], workgroups: g.workgroups }],
      check: () => `CropAndResize node '${k.name}': a box_ind value is outside [0, ${b})`,
    };
  },
  // image_grad.py's _CropAndResizeGrad.
  grad: ((op, [g]) => {
    const [img, boxes, boxInd] = op.inputs;
    const imageShape = img.shape !== null && img.shape.every((d) => d !== null) ? constant(img.shape as number[], { dtype: 'int32' }) : shapeOf(img);
    const float = img.dtype === 'float32' || img.dtype === 'float64';
    const gi = float ? addOp('CropAndResizeGradImage', [g!, boxes, boxInd, imageShape], { T: img.dtype, method: op.attrs.method }, { name: 'CropAndResizeGradImage' }).outputs[0] : null;
    const gb = addOp('CropAndResizeGradBoxes', [g!, img, boxes, boxInd], { T: img.dtype, method: 'bilinear' }, { name: 'CropAndResizeGradBoxes' }).outputs[0];
    return [gi, gb, null, null];
  }) as GradFn,
});

defineOp({
  type: 'CropAndResizeGradImage',
  inputs: ['grads', 'boxes', 'box_ind', 'image_size'],
  attrs: { T: { type: 'type' }, method: { type: 'string', default: 'bilinear' } },
  shape: (c) => {
    const [g, boxes, boxInd, size] = c.inputs;
    checkMethod(c);
    if (g.dtype !== 'float32') c.fail(`grads must be float32, got ${describeInput(g)} ${g.dtype}`);
    checkBoxes(c, boxes, boxInd);
    if (size.dtype !== 'int32') c.fail(`image_size must be int32, got ${describeInput(size)}`);
    return [{ dtype: c.attrs.T as 'float32', shape: c.constShape(3) ?? [null, null, null, null] }];
  },
  // The adjoint of CropAndResize in the image: each crop gradient spread over the samples it read.
  cpu: ([grads, boxes, boxInd, size], a, ctx) => {
    const shape = Array.from(size.data);
    const g = cropGeo(shape, boxes.shape[0], grads.shape[1], grads.shape[2]);
    const acc = new Float64Array(shape.reduce((p, v) => p * v, 1));
    const at = (bi: number, y: number, x: number, c: number): number => ((bi * g.h + y) * g.w + x) * g.d + c;
    const nearest = (a.method as string) === 'nearest';
    forEachSample(g, boxes.data, boxInd.data, ctx.name, 'CropAndResizeGradImage', (_box, i, bi, ty, by, lx, rx, yl, xl, iy, ix) => {
      for (let c = 0; c < g.d; c++) {
        const d = grads.data[i + c];
        if (nearest) { acc[at(bi, roundHalfAway(iy), roundHalfAway(ix), c)] += d; continue; }
        acc[at(bi, ty, lx, c)] += (1 - yl) * (1 - xl) * d;
        acc[at(bi, ty, rx, c)] += (1 - yl) * xl * d;
        acc[at(bi, by, lx, c)] += yl * (1 - xl) * d;
        acc[at(bi, by, rx, c)] += yl * xl * d;
      }
    }, () => undefined);
    const out = empty(a.T as 'float32', shape);
    out.data.set(acc);
    return [out];
  },
  gpu: gpuUnimplemented,
  grad: 'not-differentiable',
});

defineOp({
  type: 'CropAndResizeGradBoxes',
  inputs: ['grads', 'image', 'boxes', 'box_ind'],
  attrs: { T: { type: 'type' }, method: { type: 'string', default: 'bilinear' } },
  shape: (c) => {
    const [g, img, boxes, boxInd] = c.inputs;
    if ((c.attrs.method as string) !== 'bilinear') c.fail(`method must be 'bilinear', got '${c.attrs.method}'`);
    if (g.dtype !== 'float32') c.fail(`grads must be float32, got ${describeInput(g)} ${g.dtype}`);
    if (!NUMERIC.includes(img.dtype)) c.fail(`image dtype ${img.dtype} is not supported: ${describeInput(img)}`);
    checkBoxes(c, boxes, boxInd);
    return [{ dtype: 'float32', shape: boxes.shape }];
  },
  // d crop / d box: the bilinear sample's image gradient times d(sample position) / d(box coordinate).
  cpu: ([grads, img, boxes, boxInd], _a, ctx) => {
    const g = cropGeo(img.shape, boxes.shape[0], grads.shape[1], grads.shape[2]);
    const acc = new Float64Array(g.n * 4);
    const at = (bi: number, y: number, x: number, c: number): number => img.data[((bi * g.h + y) * g.w + x) * g.d + c];
    const hr = g.ch > 1 ? (g.h - 1) / (g.ch - 1) : 0, wr = g.cw > 1 ? (g.w - 1) / (g.cw - 1) : 0;
    forEachSample(g, boxes.data, boxInd.data, ctx.name, 'CropAndResizeGradBoxes', (box, i, bi, ty, by, lx, rx, yl, xl, _iy, _ix, y, x) => {
      for (let c = 0; c < g.d; c++) {
        const tl = at(bi, ty, lx, c), tr = at(bi, ty, rx, c), bl = at(bi, by, lx, c), br = at(bi, by, rx, c);
        const gy = (1 - xl) * (bl - tl) + xl * (br - tr), gx = (1 - yl) * (tr - tl) + yl * (br - bl);
        const d = grads.data[i + c];
        acc[4 * box] += d * gy * (g.ch > 1 ? g.h - 1 - y * hr : 0.5 * (g.h - 1));
        acc[4 * box + 2] += d * gy * (g.ch > 1 ? y * hr : 0.5 * (g.h - 1));
        acc[4 * box + 1] += d * gx * (g.cw > 1 ? g.w - 1 - x * wr : 0.5 * (g.w - 1));
        acc[4 * box + 3] += d * gx * (g.cw > 1 ? x * wr : 0.5 * (g.w - 1));
      }
    }, () => undefined);
    const out = empty('float32', [g.n, 4]);
    out.data.set(acc);
    return [out];
  },
  gpu: gpuUnimplemented,
  grad: 'not-differentiable',
});

/** `tf.image.cropAndResize(image, boxes, boxInd, cropSize, {method?, extrapolationValue?, name?})`: crops [n, h, w, d]. */
export function cropAndResize(image: TensorLike, boxes: TensorLike, boxInd: TensorLike, cropSize: readonly [number, number] | Tensor,
  opts: NameOpt & { method?: 'bilinear' | 'nearest'; extrapolationValue?: number } = {}): Tensor {
  const x = convertToTensor(image);
  const b = convertToTensor(boxes instanceof Tensor ? boxes : (boxes as number[][]), boxes instanceof Tensor ? undefined : 'float32');
  const bi = convertToTensor(boxInd instanceof Tensor ? boxInd : (boxInd as number[]), boxInd instanceof Tensor ? undefined : 'int32');
  const size = cropSize instanceof Tensor ? cropSize : constant([...cropSize], { dtype: 'int32' });
  return addOp('CropAndResize', [x, b, bi, size], { T: x.dtype, method: opts.method ?? 'bilinear', extrapolation_value: opts.extrapolationValue ?? 0 }, { name: opts.name ?? 'CropAndResize' }).outputs[0];
}

