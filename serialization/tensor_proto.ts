// TensorProto <-> NDArray, and TF's DataType numbers. Kiln writes every tensor as `tensor_content` (graph/dtype_bytes.ts:
// row-major, little-endian; float16/bfloat16 as their 16-bit patterns, int64 as 8 bytes, bool as 1 byte) and strings as
// `string_val`; it reads `tensor_content` or the typed `*_val` fields (a short list is completed by repeating its last
// value, as TensorFlow does).
import { bfloat16FromBits, float16FromBits, tensorBytes, tensorFromBytes } from '../graph/dtype_bytes.js';
import { allocArray, DType, DTYPE_BYTES, isDType, TF_DTYPE_ENUM } from '../graph/dtypes.js';
import { InvalidArgumentError, ResourceExhaustedError } from '../graph/errors.js';
import { NDArray } from '../graph/ndarray.js';
import { formatShape, Shape, sizeOf } from '../graph/shape.js';
import { tensorflow } from '../proto/generated/tf.js';

/** TF's names (Python spelling) of the DataTypes Kiln does not have, so errors can name them. */
const FOREIGN_DTYPE_NAMES: Record<number, string> = {
  8: 'complex64', 15: 'qint16', 16: 'quint16', 18: 'complex128', 20: 'resource', 21: 'variant', 24: 'float8_e5m2',
  25: 'float8_e4m3fn', 29: 'int4', 30: 'uint4',
};

const KILN_BY_ENUM = new Map<number, DType>(Object.entries(TF_DTYPE_ENUM).map(([k, v]) => [v, k as DType]));

/**
 * A DataType number as Kiln sees it: a Kiln DType, or TF's name of a type Kiln lacks ('string', 'uint8', ...).
 * `_REF` types (+100) read as their base type: Kiln's variables are refs by construction.
 */
export function dtypeFromEnum(n: number): DType | string {
  const base = n > 100 ? n - 100 : n;
  return KILN_BY_ENUM.get(base) ?? FOREIGN_DTYPE_NAMES[base] ?? `DataType(${n})`;
}

/** A DataType number for a Kiln DType, or for a foreign type name this module produced. */
export function dtypeToEnum(d: string): number {
  if (isDType(d)) return TF_DTYPE_ENUM[d];
  for (const [k, v] of Object.entries(FOREIGN_DTYPE_NAMES)) if (v === d) return Number(k);
  const m = /^DataType\((\d+)\)$/.exec(d);
  if (m !== null) return Number(m[1]);
  throw new InvalidArgumentError(`Unknown dtype '${d}': not a TensorFlow DataType`);
}

export function shapeToProto(s: Shape): tensorflow.ITensorShapeProto {
  if (s === null) return { unknown_rank: true };
  return { dim: s.map((d) => ({ size: d === null ? -1 : d })) };
}

export function shapeFromProto(p: tensorflow.ITensorShapeProto | null | undefined): Shape {
  if (p == null) return [];
  if (p.unknown_rank) return null;
  return (p.dim ?? []).map((d) => {
    const n = Number(d.size ?? 0);
    return n < 0 ? null : n;
  });
}

/** Largest tensor a TensorProto may expand to (a forged shape must fail cleanly, not exhaust memory). */
const MAX_ELEMENTS = 2 ** 31 - 1;
/** Largest tensor written as a short value list (`float_val: 0` with a shape) that an import expands: 1 GiB. */
const MAX_EXPANDED_BYTES = 2 ** 30;

export function tensorToProto(a: NDArray): tensorflow.ITensorProto {
  const head = { dtype: TF_DTYPE_ENUM[a.dtype], tensor_shape: shapeToProto(a.shape) };
  // TF has no tensor_content encoding of strings (it is their in-memory layout): string_val holds each element.
  if (a.dtype === 'string') return { ...head, string_val: [...a.strings] };
  return { ...head, tensor_content: tensorBytes(a) };
}

/**
 * The typed `*_val` field a dtype's values are listed in when there is no tensor_content (TF's tensor.cc ProtoHelper):
 * the 8- and 16-bit integers and the quantized types in int_val; float16 and bfloat16 in half_val, as their bit
 * patterns in an int32 each.
 */
function valueList(p: tensorflow.ITensorProto, dtype: DType): ArrayLike<number | boolean> {
  switch (dtype) {
    case 'float32': return p.float_val ?? [];
    case 'float64': return p.double_val ?? [];
    case 'float16': return (p.half_val ?? []).map(float16FromBits);
    case 'bfloat16': return (p.half_val ?? []).map(bfloat16FromBits);
    case 'int64': return p.int64_val ?? [];
    case 'uint32': return p.uint32_val ?? [];
    case 'uint64': return p.uint64_val ?? [];
    case 'bool': return p.bool_val ?? [];
    default: return p.int_val ?? [];
  }
}

/** A TensorProto as an NDArray, or, for a dtype Kiln lacks, the name of that dtype (the proto is kept by the caller). */
export function tensorFromProto(p: tensorflow.ITensorProto, what: string): NDArray | { foreign: string } {
  const dtype = dtypeFromEnum(p.dtype ?? 0);
  const shape = shapeFromProto(p.tensor_shape);
  if (shape === null || shape.some((d) => d === null)) {
    throw new InvalidArgumentError(`${what}: a tensor value needs a fully defined shape, got ${formatShape(shape)}`);
  }
  if (!isDType(dtype)) return { foreign: dtype };
  const dims = shape as number[];
  const n = sizeOf(dims);
  if (n > MAX_ELEMENTS) throw new InvalidArgumentError(`${what}: a tensor of shape ${formatShape(dims)} (${n} elements) is too large to hold`);
  if (dtype === 'string') return stringsFromProto(p, dims, what);
  const width = DTYPE_BYTES[dtype];
  const content = p.tensor_content;
  if (content != null && content.length > 0) return tensorFromBytes(dtype, dims, content, `${what}: tensor_content`);
  // Values repeated from a short *_val list cost memory the file does not hold: a forged shape must not allocate gigabytes.
  if (n * width > MAX_EXPANDED_BYTES) {
    throw new ResourceExhaustedError(`${what}: a ${dtype} tensor of shape ${formatShape(dims)} given as a value list would expand to ${n * width} bytes (the limit is ${MAX_EXPANDED_BYTES})`);
  }
  const out = new NDArray(dtype, dims, allocArray(dtype, n));
  const vals = valueList(p, dtype);
  if (vals.length > n) throw new InvalidArgumentError(`${what}: ${vals.length} values for a tensor of shape ${formatShape(dims)}`);
  for (let i = 0; i < n && vals.length > 0; i++) out.data[i] = Number(vals[Math.min(i, vals.length - 1)]);
  return out;
}

/** string_val: one bytes value per element, a short list completed by repeating its last value. */
function stringsFromProto(p: tensorflow.ITensorProto, dims: number[], what: string): NDArray {
  const vals = p.string_val ?? [];
  const n = sizeOf(dims);
  if (vals.length > n) throw new InvalidArgumentError(`${what}: ${vals.length} strings for a tensor of shape ${formatShape(dims)}`);
  if (vals.length === 0 && n > 0) return new NDArray('string', dims, Array.from({ length: n }, () => new Uint8Array(0)));
  return new NDArray('string', dims, Array.from({ length: n }, (_, i) => vals[Math.min(i, vals.length - 1)].slice()));
}
