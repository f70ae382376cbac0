// TensorProto <-> NDArray, and TF's DataType numbers. Kiln writes every tensor as `tensor_content` (row-major,
// little-endian; int64 as 8 bytes, bool as 1 byte); it reads `tensor_content` or the typed `*_val` fields (a short list
// is completed by repeating its last value, as TensorFlow does).
import { DType, isDType, TF_DTYPE_ENUM } from '../graph/dtypes.js';
import { InvalidArgumentError, ResourceExhaustedError } from '../graph/errors.js';
import { NDArray } from '../graph/ndarray.js';
import { formatShape, Shape, sizeOf } from '../graph/shape.js';
import { tensorflow } from '../proto/generated/tf.js';

/** TF's names (Python spelling) of the DataTypes Kiln does not have, so errors can name them. */
const FOREIGN_DTYPE_NAMES: Record<number, string> = {
  4: 'uint8', 5: 'int16', 6: 'int8', 7: 'string', 8: 'complex64', 11: 'qint8', 12: 'quint8', 13: 'qint32',
  14: 'bfloat16', 15: 'qint16', 16: 'quint16', 17: 'uint16', 18: 'complex128', 19: 'float16', 20: 'resource',
  21: 'variant', 22: 'uint32', 23: 'uint64', 24: 'float8_e5m2', 25: 'float8_e4m3fn', 29: 'int4', 30: 'uint4',
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

const BYTES: Record<DType, number> = { float32: 4, float64: 8, int32: 4, int64: 8, bool: 1 };

export function tensorToProto(a: NDArray): tensorflow.ITensorProto {
  const n = a.size;
  const buf = new Uint8Array(n * BYTES[a.dtype]);
  const view = new DataView(buf.buffer);
  for (let i = 0; i < n; i++) {
    const v = a.data[i];
    switch (a.dtype) {
      case 'float32': view.setFloat32(i * 4, v, true); break;
      case 'float64': view.setFloat64(i * 8, v, true); break;
      case 'int32': view.setInt32(i * 4, v, true); break;
      case 'int64': view.setBigInt64(i * 8, BigInt(Number.isFinite(v) ? Math.trunc(v) : 0), true); break;
      case 'bool': buf[i] = v !== 0 ? 1 : 0; break;
    }
  }
  return { dtype: TF_DTYPE_ENUM[a.dtype], tensor_shape: shapeToProto(a.shape), tensor_content: buf };
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
  const content = p.tensor_content;
  const hasContent = content != null && content.length > 0;
  if (hasContent && content.length !== n * BYTES[dtype]) {
    throw new InvalidArgumentError(`${what}: tensor_content has ${content.length} bytes; a ${dtype} tensor of shape ${formatShape(dims)} needs ${n * BYTES[dtype]}`);
  }
  if (n > MAX_ELEMENTS) throw new InvalidArgumentError(`${what}: a tensor of shape ${formatShape(dims)} (${n} elements) is too large to hold`);
  // Values repeated from a short *_val list cost memory the file does not hold: a forged shape must not allocate gigabytes.
  if (!hasContent && n * BYTES[dtype] > MAX_EXPANDED_BYTES) {
    throw new ResourceExhaustedError(`${what}: a ${dtype} tensor of shape ${formatShape(dims)} given as a value list would expand to ${n * BYTES[dtype]} bytes (the limit is ${MAX_EXPANDED_BYTES})`);
  }
  const out = new NDArray(dtype, dims, allocFor(dtype, n));
  if (hasContent) {
    const view = new DataView(content.buffer, content.byteOffset, content.byteLength);
    for (let i = 0; i < n; i++) {
      switch (dtype) {
        case 'float32': out.data[i] = view.getFloat32(i * 4, true); break;
        case 'float64': out.data[i] = view.getFloat64(i * 8, true); break;
        case 'int32': out.data[i] = view.getInt32(i * 4, true); break;
        case 'int64': out.data[i] = Number(view.getBigInt64(i * 8, true)); break;
        case 'bool': out.data[i] = content[i] !== 0 ? 1 : 0; break;
      }
    }
    return out;
  }
  const vals: ArrayLike<number | boolean> = {
    float32: p.float_val, float64: p.double_val, int32: p.int_val, int64: p.int64_val, bool: p.bool_val,
  }[dtype] ?? [];
  if (vals.length > n) throw new InvalidArgumentError(`${what}: ${vals.length} values for a tensor of shape ${formatShape(dims)}`);
  for (let i = 0; i < n && vals.length > 0; i++) out.data[i] = Number(vals[Math.min(i, vals.length - 1)]);
  return out;
}

function allocFor(dtype: DType, n: number): NDArray['data'] {
  switch (dtype) {
    case 'float32': return new Float32Array(n);
    case 'float64': case 'int64': return new Float64Array(n);
    case 'int32': return new Int32Array(n);
    case 'bool': return new Uint8Array(n);
  }
}
