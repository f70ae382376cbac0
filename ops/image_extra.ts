// tf.image colour ops: AdjustContrastv2, RGBToHSV, HSVToRGB, AdjustSaturation, AdjustHue (TF's image_ops.cc and
// its CPU kernels adjust_contrast_op.cc, colorspace_op.h, adjust_saturation_op.cc, adjust_hue_op.cc). Images are
// [..., height, width, channels]; the colour ops need 3 channels (RGB or HSV, in [0, 1]).
//
// RGB -> HSV as TF: v = max, s = range / v (0 when v is 0), h from the maximal channel in sixths, 0 for grey, wrapped
// into [0, 1). HSV -> RGB as TF's colorspace_op.h: per channel a clamped triangle of h * 6. The GPU side runs the same
// formulas per pixel in f32 (./wgsl/image_extra.ts).
import { DType } from '../graph/dtypes.js';
import { UnimplementedError } from '../graph/errors.js';
import { NDArray } from '../graph/ndarray.js';
import { Operation, Tensor } from '../graph/tensor.js';
import { concat, slice } from './array.js';
import { gradients } from './gradients.js';
import { add, equal, greater, less, maximum, minimum, mul, realDiv, reduceMean, reduceSum, sub, where } from './math.js';
import { empty } from './cpu.js';
import { FLOATS } from './elementwise.js';
import { addOp, defineOp, describeInput, GradFn, ShapeContext } from './registry.js';
import { convertToTensor, NameOpt, TensorLike } from './values.js';
import { adjustContrastGpu, pixelGpu, PixelOp } from './wgsl/image_extra.js';

function imageInput(c: ShapeContext, minRank: number, channels?: number): DType {
  const x = c.inputs[0];
  if (!FLOATS.includes(x.dtype)) c.fail(`images must be float32 or float64, got ${describeInput(x)} ${x.dtype}`);
  if (x.shape === null) return x.dtype;
  if (x.shape.length < minRank) c.fail(`images must be at least ${minRank}-D, got ${describeInput(x)}`);
  const last = x.shape[x.shape.length - 1];
  if (channels !== undefined && last !== null && last !== channels) c.fail(`images must have ${channels} channels (the last dimension), got ${describeInput(x)}`);
  return x.dtype;
}

function scalarInput(c: ShapeContext, i: number, what: string): void {
  const t = c.inputs[i];
  if (t.dtype !== 'float32') c.fail(`${what} must be float32, got ${describeInput(t)} ${t.dtype}`);
  if (t.shape !== null && t.shape.length !== 0) c.fail(`${what} must be a scalar, got ${describeInput(t)}`);
}

// ---- per-pixel colour conversions ---------------------------------------------------------------------------------

export function rgbToHsvPixel(r: number, g: number, b: number): [number, number, number] {
  const v = Math.max(r, g, b), range = v - Math.min(r, g, b);
  const s = v > 0 ? range / v : 0;
  const norm = 1 / (6 * range);
  let h = r === v ? norm * (g - b) : g === v ? norm * (b - r) + 2 / 6 : norm * (r - g) + 4 / 6;
  if (!(range > 0)) h = 0;
  if (h < 0) h += 1;
  return [h, s, v];
}

export function hsvToRgbPixel(h: number, s: number, v: number): [number, number, number] {
  const dh = h * 6;
  const clamp = (x: number): number => Math.min(Math.max(x, 0), 1);
  const dr = clamp(Math.abs(dh - 3) - 1), dg = clamp(2 - Math.abs(dh - 2)), db = clamp(2 - Math.abs(dh - 4));
  const oms = 1 - s;
  return [v * (oms + s * dr), v * (oms + s * dg), v * (oms + s * db)];
}

/** Maps every pixel (3 channels along the last axis) through `f`, in float64. */
function mapPixels(x: NDArray, f: (a: number, b: number, c: number) => [number, number, number]): NDArray {
  const out = empty(x.dtype, x.shape);
  for (let i = 0; i + 2 < x.size; i += 3) out.data.set(f(x.data[i], x.data[i + 1], x.data[i + 2]), i);
  return out;
}

const noGrad = (what: string): GradFn => (op: Operation) => {
  throw new UnimplementedError(`'${op.name}': ${op.type} has no gradient (TensorFlow registers none for ${what})`);
};

function definePixelOp(type: string, op: PixelOp, inputs: string[], f: (a: number, b: number, c: number, p: number) => [number, number, number], grad?: GradFn): void {
  defineOp({
    type,
    inputs,
    attrs: { T: { type: 'type', default: 'float32' } },
    shape: (c) => {
      const dt = imageInput(c, 1, 3);
      if (inputs.length > 1) scalarInput(c, 1, inputs[1]);
      return [{ dtype: dt, shape: c.inputs[0].shape }];
    },
    cpu: ([x, p]) => [mapPixels(x, (a, b, c) => f(a, b, c, p === undefined ? 0 : p.data[0]))],
    gpu: (k) => pixelGpu(k, op),
    grad: grad ?? noGrad(type),
  });
}

definePixelOp('RGBToHSV', 'rgbToHsv', ['images'], (r, g, b) => rgbToHsvPixel(r, g, b), ((op, [dy]) => [rgbToHsvGrad(op.inputs[0], dy!)]) as GradFn);
definePixelOp('HSVToRGB', 'hsvToRgb', ['images'], (h, s, v) => hsvToRgbPixel(h, s, v));
definePixelOp('AdjustSaturation', 'saturation', ['images', 'scale'], (r, g, b, scale) => {
  const [h, s, v] = rgbToHsvPixel(r, g, b);
  return hsvToRgbPixel(h, Math.min(1, Math.max(0, s * scale)), v);
});
definePixelOp('AdjustHue', 'hue', ['images', 'delta'], (r, g, b, delta) => {
  const [h, s, v] = rgbToHsvPixel(r, g, b);
  let hh = (h + delta) % 1;
  if (hh < 0) hh += 1;
  return hsvToRgbPixel(hh, s, v);
});

/**
 * RGBToHSV's gradient (TF registers one, image_grad.py): the same formulas rebuilt from the builders on the input,
 * differentiated with tf.gradients, so each piece gets its exact derivative (the guards keep 0 / 0 out of grey pixels).
 */
function rgbToHsvGrad(x: Tensor, dy: Tensor): Tensor {
  const r = x.rank;
  if (r === null) throw new UnimplementedError(`gradient of RGBToHSV needs the rank of '${x.name}' known while building`);
  const channel = (c: number): Tensor => slice(x, [...new Array<number>(r - 1).fill(0), c], [...new Array<number>(r - 1).fill(-1), 1]);
  const [red, green, blue] = [channel(0), channel(1), channel(2)];
  const v = maximum(red, maximum(green, blue));
  const range = sub(v, minimum(red, minimum(green, blue)));
  const s = where(greater(v, 0), realDiv(range, where(greater(v, 0), v, 1)), 0);
  const positive = greater(range, 0);
  const norm = realDiv(1, mul(6, where(positive, range, 1)));
  let h = where(equal(red, v), mul(norm, sub(green, blue)), where(equal(green, v), add(mul(norm, sub(blue, red)), 2 / 6), add(mul(norm, sub(red, green)), 4 / 6)));
  h = where(positive, h, 0);
  h = where(less(h, 0), add(h, 1), h);
  return gradients(concat([h, s, v], -1), [x], dy)[0]!;
}

// ---- AdjustContrastv2 ---------------------------------------------------------------------------------------------

defineOp({
  type: 'AdjustContrastv2',
  inputs: ['images', 'contrast_factor'],
  attrs: { T: { type: 'type', default: 'float32' } },
  shape: (c) => {
    const dt = imageInput(c, 3);
    scalarInput(c, 1, 'contrast_factor');
    return [{ dtype: dt, shape: c.inputs[0].shape }];
  },
  // Per image and channel: (x - mean) * factor + mean, the mean over height and width.
  cpu: ([x, factor]) => {
    const r = x.rank, hw = x.shape[r - 3] * x.shape[r - 2], ch = x.shape[r - 1];
    const images = hw * ch === 0 ? 0 : x.size / (hw * ch);
    const out = empty(x.dtype, x.shape);
    const f = factor.data[0];
    for (let b = 0; b < images; b++) for (let c = 0; c < ch; c++) {
      let sum = 0;
      for (let p = 0; p < hw; p++) sum += x.data[(b * hw + p) * ch + c];
      const mean = x.dtype === 'float32' ? Math.fround(sum / hw) : sum / hw;
      for (let p = 0; p < hw; p++) { const i = (b * hw + p) * ch + c; out.data[i] = (x.data[i] - mean) * f + mean; }
    }
    return [out];
  },
  gpu: adjustContrastGpu,
  // TensorFlow registers no gradient; the op is linear in images and self-adjoint (the mean is a symmetric
  // projection), so d/d images is the same contrast adjustment of the gradient, d/d factor sum(g * (x - mean)).
  grad: ((op, [g]) => {
    const [x, factor] = op.inputs;
    const r = x.rank;
    if (r === null) throw new UnimplementedError(`'${op.name}': the gradient of AdjustContrastv2 needs the images' rank known while building`);
    const centred = sub(x, reduceMean(x, [r - 3, r - 2], true));
    return [adjustContrast(g!, factor), reduceSum(mul(g!, centred))];
  }) as GradFn,
});

// ---- builders -----------------------------------------------------------------------------------------------------

const factorTensor = (v: TensorLike): Tensor => convertToTensor(v instanceof Tensor ? v : (v as number), v instanceof Tensor ? undefined : 'float32');

/** `tf.image.adjustContrast(images, contrastFactor)`: (x - mean) * factor + mean per image and channel. */
export function adjustContrast(images: TensorLike, contrastFactor: TensorLike, opts: NameOpt = {}): Tensor {
  const x = convertToTensor(images);
  return addOp('AdjustContrastv2', [x, factorTensor(contrastFactor)], { T: x.dtype }, { name: opts.name ?? 'AdjustContrastv2' }).outputs[0];
}

/** `tf.image.rgbToHsv(images)`: last dimension 3, values in [0, 1]. */
export function rgbToHsv(images: TensorLike, opts: NameOpt = {}): Tensor {
  const x = convertToTensor(images);
  return addOp('RGBToHSV', [x], { T: x.dtype }, { name: opts.name ?? 'RGBToHSV' }).outputs[0];
}

/** `tf.image.hsvToRgb(images)`. */
export function hsvToRgb(images: TensorLike, opts: NameOpt = {}): Tensor {
  const x = convertToTensor(images);
  return addOp('HSVToRGB', [x], { T: x.dtype }, { name: opts.name ?? 'HSVToRGB' }).outputs[0];
}

/** `tf.image.adjustSaturation(image, saturationFactor)`: the saturation scaled and clamped to [0, 1]. */
export function adjustSaturation(image: TensorLike, saturationFactor: TensorLike, opts: NameOpt = {}): Tensor {
  const x = convertToTensor(image);
  return addOp('AdjustSaturation', [x, factorTensor(saturationFactor)], { T: x.dtype }, { name: opts.name ?? 'AdjustSaturation' }).outputs[0];
}

/** `tf.image.adjustHue(image, delta)`: delta in [-1, 1] is added to the hue, which wraps around. */
export function adjustHue(image: TensorLike, delta: TensorLike, opts: NameOpt = {}): Tensor {
  const x = convertToTensor(image);
  return addOp('AdjustHue', [x, factorTensor(delta)], { T: x.dtype }, { name: opts.name ?? 'AdjustHue' }).outputs[0];
}
