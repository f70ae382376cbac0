// Tensors as TensorFlow's bytes: row-major, little-endian, each element DTYPE_BYTES wide (float16/bfloat16 as their
// 16-bit patterns, int64/uint64 as 8 bytes, bool as one 0/1 byte). The one encoding of tensor_content, .npy data,
// checkpoint bundles and Bitcast.
import { allocArray, DType, DTYPE_BYTES, roundBfloat16, roundFloat16 } from './dtypes.js';
import { InvalidArgumentError } from './errors.js';
import { NDArray } from './ndarray.js';
import { formatShape, sizeOf } from './shape.js';

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The binary16 bit pattern of a number (rounded to float16 first; every NaN as the quiet NaN 0x7e00). */
export function float16Bits(v: number): number {
  if (Number.isNaN(v)) return 0x7e00;
  const sign = v < 0 || Object.is(v, -0) ? 0x8000 : 0;
  const a = Math.abs(roundFloat16(v));
  if (a === Infinity) return sign | 0x7c00;
  if (a < 2 ** -14) return sign | (a / 2 ** -24); // zero and subnormals: an exact multiple of 2^-24
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--; else if (2 ** (e + 1) <= a) e++;
  return sign | ((e + 15) << 10) | ((a / 2 ** e - 1) * 1024);
}

export function float16FromBits(b: number): number {
  const s = b & 0x8000 ? -1 : 1, e = (b >> 10) & 0x1f, m = b & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m !== 0 ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

/** The bfloat16 bit pattern of a number: the top half of its float32 once rounded (NaN as 0x7fc0). */
export function bfloat16Bits(v: number): number {
  f32[0] = roundBfloat16(v);
  return Number.isNaN(v) ? 0x7fc0 : u32[0] >>> 16;
}

export function bfloat16FromBits(b: number): number {
  u32[0] = (b & 0xffff) << 16;
  return f32[0];
}

/** Writes element `v` of `dtype` at byte `p`. */
function put(view: DataView, p: number, dtype: DType, v: number): void {
  switch (dtype) {
    case 'float32': view.setFloat32(p, v, true); break;
    case 'float64': view.setFloat64(p, v, true); break;
    case 'float16': view.setUint16(p, float16Bits(v), true); break;
    case 'bfloat16': view.setUint16(p, bfloat16Bits(v), true); break;
    case 'int8': case 'qint8': view.setInt8(p, v); break;
    case 'uint8': case 'quint8': view.setUint8(p, v); break;
    case 'bool': view.setUint8(p, v !== 0 ? 1 : 0); break;
    case 'int16': view.setInt16(p, v, true); break;
    case 'uint16': view.setUint16(p, v, true); break;
    case 'int32': case 'qint32': view.setInt32(p, v, true); break;
    case 'uint32': view.setUint32(p, v, true); break;
    case 'int64': view.setBigInt64(p, BigInt(Number.isFinite(v) ? Math.trunc(v) : 0), true); break;
    // 2^64 itself (what a double rounds 2^64 - 1 to) wraps to 0 in BigInt.asUintN: clamp it to the largest uint64.
    case 'uint64': view.setBigUint64(p, v >= 2 ** 64 ? 2n ** 64n - 1n : BigInt.asUintN(64, BigInt(Number.isFinite(v) ? Math.trunc(v) : 0)), true); break;
    case 'string': throw new InvalidArgumentError('string tensors have no fixed-width bytes');
  }
}

function get(view: DataView, p: number, dtype: DType): number {
  switch (dtype) {
    case 'float32': return view.getFloat32(p, true);
    case 'float64': return view.getFloat64(p, true);
    case 'float16': return float16FromBits(view.getUint16(p, true));
    case 'bfloat16': return bfloat16FromBits(view.getUint16(p, true));
    case 'int8': case 'qint8': return view.getInt8(p);
    case 'uint8': case 'quint8': return view.getUint8(p);
    case 'bool': return view.getUint8(p) !== 0 ? 1 : 0;
    case 'int16': return view.getInt16(p, true);
    case 'uint16': return view.getUint16(p, true);
    case 'int32': case 'qint32': return view.getInt32(p, true);
    case 'uint32': return view.getUint32(p, true);
    case 'int64': return Number(view.getBigInt64(p, true));
    case 'uint64': return Number(view.getBigUint64(p, true));
    case 'string': throw new InvalidArgumentError('string tensors have no fixed-width bytes');
  }
}

/** The tensor's bytes as TensorFlow stores them. */
export function tensorBytes(a: NDArray): Uint8Array {
  const w = DTYPE_BYTES[a.dtype];
  const out = new Uint8Array(a.size * w);
  const view = new DataView(out.buffer);
  for (let i = 0; i < a.size; i++) put(view, i * w, a.dtype, a.data[i]);
  return out;
}

/** The inverse of tensorBytes: `bytes` must hold exactly shape's size times the dtype's width (`what` names the source). */
export function tensorFromBytes(dtype: DType, shape: readonly number[], bytes: Uint8Array, what: string): NDArray {
  const w = DTYPE_BYTES[dtype], n = sizeOf(shape);
  if (bytes.length !== n * w) {
    throw new InvalidArgumentError(`${what} has ${bytes.length} bytes; a ${dtype} tensor of shape ${formatShape(shape)} needs ${n * w}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new NDArray(dtype, shape, allocArray(dtype, n));
  for (let i = 0; i < n; i++) out.data[i] = get(view, i * w, dtype);
  return out;
}
