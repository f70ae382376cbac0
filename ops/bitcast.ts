// Bitcast: the same bytes read as another dtype (TF's array_ops.cc). Elements of equal width keep the shape; a wider
// input gains a last dim of (in width / out width); a narrower one loses its last dim, which must be that ratio.
import { DType, DTYPE_BYTES } from '../graph/dtypes.js';
import { tensorBytes, tensorFromBytes } from '../graph/dtype_bytes.js';
import { InvalidArgumentError, UnimplementedError } from '../graph/errors.js';
import { formatShape, Shape } from '../graph/shape.js';
import { Tensor } from '../graph/tensor.js';
import { elementwiseKernel } from './elementwise.js';
import { wgslType } from './gpu.js';
import { addOp, defineOp } from './registry.js';
import { convertToTensor, NameOpt, TensorLike } from './values.js';

/** TF's Bitcast type list: every numeric type (no bool, no string). */
const BITCAST_DTYPES: readonly DType[] = [
  'bfloat16', 'float16', 'float32', 'float64', 'int64', 'int32', 'uint8', 'uint16', 'uint32', 'uint64', 'int8', 'int16',
  'qint8', 'quint8', 'qint32',
];

/** The output shape for an input of `shape`; `fail` gets TF's message. */
function bitcastShape(shape: Shape, from: DType, to: DType, fail: (m: string) => never): Shape {
  const a = DTYPE_BYTES[from], b = DTYPE_BYTES[to];
  if (shape === null) return null;
  if (a === b) return shape;
  if (a > b) return [...shape, a / b];
  const last = shape[shape.length - 1];
  if (shape.length === 0 || (last !== null && last !== b / a)) {
    fail(`Cannot bitcast from ${from} to ${to}: the input shape ${formatShape(shape)} must end in a dim of ${b / a} (${b} bytes per ${to}, ${a} per ${from})`);
  }
  return shape.slice(0, -1);
}

defineOp({
  type: 'Bitcast',
  inputs: ['input'],
  attrs: { T: { type: 'type' }, type: { type: 'type' } },
  shape: (c) => {
    const from = c.inputs[0].dtype, to = c.attrs.type as DType;
    for (const d of [from, to]) if (!BITCAST_DTYPES.includes(d)) c.fail(`dtype ${d} is not supported (Bitcast takes ${BITCAST_DTYPES.join(', ')})`);
    return [{ dtype: to, shape: bitcastShape(c.inputs[0].shape, from, to, c.fail) }];
  },
  cpu: ([x], attrs, ctx) => {
    const to = attrs.type as DType;
    const shape = bitcastShape(x.shape, x.dtype, to, (m) => { throw new InvalidArgumentError(`Bitcast node '${ctx.name}': ${m}`); }) as number[];
    return [tensorFromBytes(to, shape, tensorBytes(x), `Bitcast node '${ctx.name}'`)];
  },
  // On the GPU only float32 <-> int32 keep TF's bytes (int64 is narrowed to i32 there). A copy, not an alias: the
  // executor may hand back an aliased feed or constant as the host value it came from.
  gpu: (k) => {
    const from = k.inputs[0].dtype, to = k.outputs[0].dtype;
    const exact = (d: DType): boolean => d === 'float32' || d === 'int32';
    if (!exact(from) || !exact(to)) {
      throw new UnimplementedError(`Bitcast node '${k.name}': ${from} to ${to} does not run on the webgpu executor (its int64 is narrowed to 32 bits); use executor: 'cpu'`);
    }
    return elementwiseKernel(k, ([v]) => `bitcast<${wgslType(to)}>(${v})`);
  },
  grad: 'not-differentiable',
});

/** `tf.bitcast(x, type, {name?})`: x's bytes as `type` (TF's Bitcast). */
export function bitcast(x: TensorLike, type: DType, opts: NameOpt = {}): Tensor {
  const t = convertToTensor(x);
  return addOp('Bitcast', [t], { T: t.dtype, type }, { name: opts.name ?? 'Bitcast' }).outputs[0];
}
