// ExtractImagePatches (TF's array_ops.cc): images [b, rows, cols, depth] -> [b, out_rows, out_cols, kr * kc * depth],
// each output pixel the (zero-padded) window at its position, taps in row-major order, depth fastest. Window
// geometry as Conv2D's (ops/conv.ts) with rates as dilations. The op is linear, and equals conv2d with a one-hot
// filter F[i, j, d, (i * kc + j) * depth + d] = 1, so its gradient is that conv's input gradient (the adjoint TF's
// array_grad.py builds by a scatter).
import { DType } from '../graph/dtypes.js';
import { InvalidArgumentError } from '../graph/errors.js';
import { Attrs, Tensor } from '../graph/tensor.js';
import { shape as shapeOf } from './array.js';
import { concreteGeometry, ConvGeometry } from './conv.js';
import { empty } from './cpu.js';
import { NUMERIC } from './elementwise.js';
import { binding, grid, literal, WG, wgslType } from './gpu.js';
import { addOp, defineOp, describeInput, GradFn } from './registry.js';
import { constant, convertToTensor, NameOpt, TensorLike } from './values.js';

/** The attrs as Conv2D's geometry reads them (a filter [kr, kc, depth, kr * kc * depth]). */
const asConv = (a: Readonly<Attrs>): Attrs => ({ strides: a.strides, padding: a.padding, dilations: a.rates, data_format: 'NHWC', explicit_paddings: [] });

function geo(name: string, a: Readonly<Attrs>, x: readonly (number | null)[], fail?: (m: string) => never): ConvGeometry {
  const k = a.ksizes as number[];
  const f = fail ?? ((m: string): never => { throw new InvalidArgumentError(`ExtractImagePatches node '${name}': ${m}`); });
  if (!Array.isArray(k) || k.length !== 4 || k[0] !== 1 || k[3] !== 1 || k.some((v) => !Number.isInteger(v) || v < 1)) f(`ksizes must be [1, rows, cols, 1], got [${k}]`);
  if ((a.padding as string) !== 'SAME' && (a.padding as string) !== 'VALID') f(`padding must be 'SAME' or 'VALID', got '${a.padding}'`);
  const c = x[3];
  return concreteGeometry('conv', asConv(a), x as number[], [k[1], k[2], c as number, k[1] * k[2] * (c as number)], f);
}

defineOp({
  type: 'ExtractImagePatches',
  inputs: ['images'],
  attrs: { ksizes: { type: 'list(int)' }, strides: { type: 'list(int)' }, rates: { type: 'list(int)' }, T: { type: 'type' }, padding: { type: 'string' } },
  shape: (c) => {
    const x = c.inputs[0];
    if (!NUMERIC.includes(x.dtype)) c.fail(`images dtype ${x.dtype} is not supported: ${describeInput(x)}`);
    if (x.shape !== null && x.shape.length !== 4) c.fail(`images must be 4-dimensional, got ${describeInput(x)}`);
    const s = x.shape ?? [null, null, null, null];
    const g = geo(c.name, c.attrs, s, c.fail);
    const k = c.attrs.ksizes as number[];
    return [{ dtype: x.dtype, shape: [s[0], g.oh, g.ow, s[3] === null ? null : k[1] * k[2] * s[3]] }];
  },
  cpu: ([x], a, ctx) => {
    const g = geo(ctx.name, a, x.shape);
    const out = empty(x.dtype, [g.n, g.oh, g.ow, g.kh * g.kw * g.c]);
    let o = 0;
    for (let b = 0; b < g.n; b++) for (let oy = 0; oy < g.oh; oy++) for (let ox = 0; ox < g.ow; ox++) {
      for (let i = 0; i < g.kh; i++) for (let j = 0; j < g.kw; j++) {
        const y = oy * g.sh + i * g.dh - g.pt, xx = ox * g.sw + j * g.dw - g.pl;
        const inside = y >= 0 && y < g.h && xx >= 0 && xx < g.w;
        for (let d = 0; d < g.c; d++) out.data[o++] = inside ? x.data[((b * g.h + y) * g.w + xx) * g.c + d] : 0;
      }
    }
    return [out];
  },
  gpu: (k) => {
    const g = geo(k.name, k.attrs, k.inputs[0].shape);
    const size = k.outputs[0].size;
    if (size === 0) return { dispatches: [] };
    const t = wgslType(k.inputs[0].dtype), depth = g.kh * g.kw * g.c;
    const gr = grid(size, WG);
    const code = `${binding(0, 'X', t)}
${binding(1, 'Y', t, true)}
@compute @workgroup_size(${WG}) fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = ${gr.flatIndex};
  if (i >= ${size}u) { return; }
  let q = i32(i % ${depth}u); let d = q % ${g.c}; let jj = q / ${g.c} % ${g.kw}; let ii = q / ${g.c * g.kw};
  let ox = i32(i / ${depth}u % ${g.ow}u); let oy = i32(i / ${depth * g.ow}u % ${g.oh}u); let b = i32(i / ${depth * g.ow * g.oh}u);
  let y = oy * ${g.sh} + ii * ${g.dh} - ${g.pt}; let x = ox * ${g.sw} + jj * ${g.dw} - ${g.pl};
  let inside = y >= 0 && y < ${g.h} && x >= 0 && x < ${g.w};
  Y[i] = select(${literal(0, k.inputs[0].dtype)}, X[u32(clamp(((b * ${g.h} + y) * ${g.w} + x) * ${g.c} + d, 0, ${g.n * g.h * g.w * g.c - 1}))], inside);
}`;
    return { dispatches: [{ code, bindings: [{ input: 0 }, { output: 0 }], workgroups: gr.workgroups }] };
  },
  grad: ((op, [dy]) => {
    const x = op.inputs[0];
    const c = x.shape?.[3];
    if (c === null || c === undefined) throw new InvalidArgumentError(`'${op.name}': the gradient of ExtractImagePatches needs the depth known while building`);
    const [kr, kc] = [(op.attrs.ksizes as number[])[1], (op.attrs.ksizes as number[])[2]];
    const f = oneHotFilter(kr, kc, c, x.dtype);
    const a = { T: x.dtype, ...asConv(op.attrs) };
    return [addOp('Conv2DBackpropInput', [shapeOf(x), f, dy!], a, { name: 'Conv2DBackpropInput' }).outputs[0]];
  }) as GradFn,
});

/** F[i, j, d, (i * kc + j) * depth + d] = 1: conv2d with it gives the patches. */
function oneHotFilter(kr: number, kc: number, depth: number, dtype: DType): Tensor {
  const out = kr * kc * depth;
  const v = new Array<number>(kr * kc * depth * out).fill(0);
  for (let i = 0; i < kr; i++) for (let j = 0; j < kc; j++) for (let d = 0; d < depth; d++) v[((i * kc + j) * depth + d) * out + (i * kc + j) * depth + d] = 1;
  return constant(v, { dtype, shape: [kr, kc, depth, out] });
}

type Four = readonly [number, number, number, number];

/** `tf.image.extractImagePatches(images, ksizes, strides, rates, padding)` (TF1's tf.extract_image_patches). */
export function extractImagePatches(images: TensorLike, ksizes: Four, strides: Four, rates: Four, padding: 'SAME' | 'VALID', opts: NameOpt = {}): Tensor {
  const x = convertToTensor(images);
  return addOp('ExtractImagePatches', [x], { T: x.dtype, ksizes: [...ksizes], strides: [...strides], rates: [...rates], padding }, { name: opts.name ?? 'ExtractImagePatches' }).outputs[0];
}
