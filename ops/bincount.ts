// Bincount (TF's math_ops.cc, CPU kernel bincount_op.cc): bins[i] = the number of times i occurs in arr, or the sum of
// the weights at those positions when weights is not empty. Values >= size are dropped; a negative value is an
// error. TensorFlow registers no gradient for it.
import { DType } from '../graph/dtypes.js';
import { InvalidArgumentError, UnimplementedError } from '../graph/errors.js';
import { Tensor } from '../graph/tensor.js';
import { size as sizeOf } from './array.js';
import { empty } from './cpu.js';
import { add, cast, greater, maximum, minimum, mul, reduceMax } from './math.js';
import { NUMERIC } from './elementwise.js';
import { binding, grid, WG, wgslType } from './gpu.js';
import { addOp, defineOp, describeInput } from './registry.js';
import { convertToTensor, NameOpt, TensorLike } from './values.js';

defineOp({
  type: 'Bincount',
  inputs: ['arr', 'size', 'weights'],
  attrs: { T: { type: 'type' } },
  shape: (c) => {
    const [arr, size, w] = c.inputs;
    if (arr.dtype !== 'int32') c.fail(`arr must be int32, got ${describeInput(arr)} ${arr.dtype}`);
    if (size.dtype !== 'int32' || (size.shape !== null && size.shape.length !== 0)) c.fail(`size must be an int32 scalar, got ${describeInput(size)} ${size.dtype}`);
    if (!NUMERIC.includes(w.dtype)) c.fail(`weights dtype ${w.dtype} is not supported: ${describeInput(w)}`);
    const n = c.constValue(1);
    if (n !== null && n.data[0] < 0) c.fail(`size must be non-negative, got ${n.data[0]}`);
    return [{ dtype: w.dtype as DType, shape: [n === null ? null : n.data[0]] }];
  },
  cpu: ([arr, size, w], _, ctx) => {
    const n = size.data[0];
    if (n < 0) throw new InvalidArgumentError(`Bincount node '${ctx.name}': size must be non-negative, got ${n}`);
    if (w.size !== 0 && w.size !== arr.size) throw new InvalidArgumentError(`Bincount node '${ctx.name}': weights [${w.shape}] must be empty or have arr's shape [${arr.shape}]`);
    const bins = new Float64Array(n);
    for (let i = 0; i < arr.size; i++) {
      const v = arr.data[i];
      if (v < 0) throw new InvalidArgumentError(`Bincount node '${ctx.name}': Input arr must be non-negative, got ${v} at ${i}`);
      if (v < n) bins[v] += w.size === 0 ? 1 : w.data[i];
    }
    const out = empty(w.dtype, [n]);
    out.data.set(bins);
    return [out];
  },
  // One invocation per bin, scanning arr (WGSL has no float atomics); a negative value sets the status word.
  gpu: (k) => {
    const n = k.outputs[0].size, len = k.inputs[0].size, weighted = k.inputs[2].size !== 0;
    if (n === 0) return { dispatches: [] };
    const t = wgslType(k.outputs[0].dtype);
    const g = grid(n, WG);
    const code = `${binding(0, 'A', 'i32')}
${weighted ? binding(1, 'W', t) : ''}
${binding(weighted ? 2 : 1, 'B', t, true)}
${binding(weighted ? 3 : 2, 'status', 'u32', true)}
@compute @workgroup_size(${WG}) fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = ${g.flatIndex};
  if (i >= ${n}u) { return; }
  var acc = ${t}(0);
  for (var j = 0u; j < ${len}u; j++) {
    let v = A[j];
    if (v < 0) { status[0] = 1u; }
    if (v == i32(i)) { acc += ${weighted ? 'W[j]' : `${t}(1)`}; }
  }
  B[i] = acc;
}`;
    if (weighted && k.inputs[2].size !== len) k.fail(`weights [${k.inputs[2].shape}] must be empty or have arr's shape [${k.inputs[0].shape}]`);
    return {
      dispatches: [{ code, bindings: [{ input: 0 }, ...(weighted ? [{ input: 2 }] : []), { output: 0 }, { status: true }], workgroups: g.workgroups }],
      check: () => `Bincount node '${k.name}': Input arr must be non-negative`,
    };
  },
  grad: (op) => { throw new UnimplementedError(`'${op.name}': Bincount has no gradient (TensorFlow registers none)`); },
});

/**
 * `tf.math.bincount(arr, {weights?, minlength?, maxlength?, dtype?})`, TF1's tf.bincount: size is max(arr) + 1,
 * at least minlength and at most maxlength, computed in the graph.
 */
export function bincount(arr: TensorLike, opts: NameOpt & { weights?: TensorLike; minlength?: number; maxlength?: number; dtype?: DType } = {}): Tensor {
  const a = convertToTensor(arr instanceof Tensor ? arr : (arr as number[]), arr instanceof Tensor ? undefined : 'int32');
  return a.graph.withNameScope(opts.name ?? 'bincount', () => {
    const w = opts.weights === undefined ? convertToTensor([], opts.dtype ?? 'int32') : convertToTensor(opts.weights);
    // size = (arr not empty) * (max(arr) + 1), at least minlength, at most maxlength (TF1's math_ops.bincount).
    let size = mul(cast(greater(sizeOf(a), 0), 'int32'), add(reduceMax(a), 1));
    if (opts.minlength !== undefined) size = maximum(size, opts.minlength);
    if (opts.maxlength !== undefined) size = minimum(size, opts.maxlength);
    return addOp('Bincount', [a, size, w], { T: w.dtype }, { name: 'Bincount' }).outputs[0];
  });
}
