// LRN, local response normalization (TF's nn_ops.cc, CPU kernel lrn_op.cc): over the depth (last) axis,
// out = x / (bias + alpha * sum_{|d' - d| <= depth_radius} x[d']^2)^beta.
// Its gradient is built from the builders (nn_grad.py calls the fused LRNGrad kernel; the formula is the same): with
// N = bias + alpha * S(x^2), S the band sum over depth (symmetric), dx = dy * N^-beta - 2 alpha beta x S(dy x N^(-beta-1)).
import { InvalidArgumentError, UnimplementedError } from '../graph/errors.js';
import { Tensor } from '../graph/tensor.js';
import { reshape, shape as shapeOf } from './array.js';
import { empty } from './cpu.js';
import { FLOATS } from './elementwise.js';
import { binding, grid, literal, WG, wgslType } from './gpu.js';
import { add, matmul, mul, pow, square, sub } from './math.js';
import { addOp, defineOp, describeInput, GradFn } from './registry.js';
import { constant, convertToTensor, NameOpt, TensorLike } from './values.js';

defineOp({
  type: 'LRN',
  inputs: ['input'],
  attrs: {
    depth_radius: { type: 'int', default: 5 }, bias: { type: 'float', default: 1 }, alpha: { type: 'float', default: 1 },
    beta: { type: 'float', default: 0.5 }, T: { type: 'type', default: 'float32' },
  },
  shape: (c) => {
    const x = c.inputs[0];
    if (!FLOATS.includes(x.dtype)) c.fail(`input must be float32 or float64, got ${describeInput(x)} ${x.dtype}`);
    if (x.shape !== null && x.shape.length !== 4) c.fail(`input must be 4-dimensional, got ${describeInput(x)}`);
    const r = c.attrs.depth_radius as number;
    if (!Number.isInteger(r) || r < 0) c.fail(`depth_radius must be a non-negative integer, got ${r}`);
    return [{ dtype: x.dtype, shape: x.shape }];
  },
  cpu: ([x], a, ctx) => {
    const r = a.depth_radius as number, bias = a.bias as number, alpha = a.alpha as number, beta = a.beta as number;
    if (x.rank !== 4) throw new InvalidArgumentError(`LRN node '${ctx.name}': input must be 4-dimensional, got [${x.shape}]`);
    const d = x.shape[3];
    const out = empty(x.dtype, x.shape);
    for (let base = 0; base < x.size; base += d) for (let k = 0; k < d; k++) {
      let s = 0;
      for (let j = Math.max(0, k - r); j <= Math.min(d - 1, k + r); j++) s += x.data[base + j] ** 2;
      out.data[base + k] = x.data[base + k] / Math.pow(bias + alpha * s, beta);
    }
    return [out];
  },
  gpu: (k) => {
    const x = k.inputs[0], size = x.size, d = x.shape[3];
    if (size === 0) return { dispatches: [] };
    const t = wgslType(x.dtype), r = k.attrs.depth_radius as number;
    const lit = (v: number): string => literal(v, 'float32');
    const g = grid(size, WG);
    const code = `${binding(0, 'X', t)}
${binding(1, 'Y', t, true)}
@compute @workgroup_size(${WG}) fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = ${g.flatIndex};
  if (i >= ${size}u) { return; }
  let k = i32(i % ${d}u); let base = i - u32(k);
  var s = 0.0;
  for (var j = max(0, k - ${r}); j <= min(${d - 1}, k + ${r}); j++) { let v = X[base + u32(j)]; s += v * v; }
  Y[i] = X[i] / pow(${lit(k.attrs.bias as number)} + ${lit(k.attrs.alpha as number)} * s, ${lit(k.attrs.beta as number)});
}`;
    return { dispatches: [{ code, bindings: [{ input: 0 }, { output: 0 }], workgroups: g.workgroups }] };
  },
  grad: ((op, [dy]) => {
    const x = op.inputs[0];
    const d = x.shape?.[3];
    if (d === null || d === undefined) throw new UnimplementedError(`'${op.name}': the gradient of LRN needs the depth known while building`);
    const r = op.attrs.depth_radius as number, alpha = op.attrs.alpha as number, beta = op.attrs.beta as number;
    const band: number[] = [];
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) band.push(Math.abs(i - j) <= r ? 1 : 0);
    const S = constant(band, { dtype: x.dtype, shape: [d, d] });
    const bandSum = (v: Tensor): Tensor => reshape(matmul(reshape(v, [-1, d]), S), shapeOf(x));
    const n = add(mul(bandSum(square(x)), alpha), op.attrs.bias as number);
    const inner = bandSum(mul(mul(dy!, x), pow(n, -beta - 1)));
    return [sub(mul(dy!, pow(n, -beta)), mul(mul(x, inner), 2 * alpha * beta))];
  }) as GradFn,
});

/** `tf.nn.localResponseNormalization(input, {depthRadius?, bias?, alpha?, beta?, name?})` (tf.nn.lrn). */
export function localResponseNormalization(input: TensorLike, opts: NameOpt & { depthRadius?: number; bias?: number; alpha?: number; beta?: number } = {}): Tensor {
  const x = convertToTensor(input);
  return addOp('LRN', [x], { T: x.dtype, depth_radius: opts.depthRadius ?? 5, bias: opts.bias ?? 1, alpha: opts.alpha ?? 1, beta: opts.beta ?? 0.5 }, { name: opts.name ?? 'LRN' }).outputs[0];
}
export const lrn = localResponseNormalization;
