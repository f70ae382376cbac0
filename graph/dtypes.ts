// Data types. Names are TensorFlow's Python names; enum numbers are TF's DataType values (types.proto).
//
// Host representation (the reference executor and Kiln's concrete values):
//   float32 -> Float32Array, float64 -> Float64Array; float16 and bfloat16 -> Float32Array holding values already
//   rounded to the type (round to nearest even, as TensorFlow's Eigen::half and bfloat16 conversions do), so every
//   generic kernel reads them as numbers; int8/int16/int32/uint8/uint16/uint32 -> the typed array of that width
//   (stores wrap modulo 2^bits, as C++ integer arithmetic in TF's kernels does); bool -> Uint8Array (0/1);
//   int64 and uint64 -> Float64Array holding exact integers. JavaScript numbers are exact to 2^53, which covers every
//   shape and index TensorFlow uses int64 for; a BigInt64Array would make every generic kernel branch on bigint.
//   Beyond 2^53 a 64-bit integer rounds to the nearest double (a Bitcast of float64 bits to int64 keeps its top 53
//   significant bits, not all 64). The quantized types hold their integer representation: qint8 -> Int8Array,
//   quint8 -> Uint8Array, qint32 -> Int32Array. string -> NDArray.strings, one Uint8Array (the bytes) per element.
import { InvalidArgumentError } from './errors.js';

export type DType =
  | 'float16' | 'bfloat16' | 'float32' | 'float64'
  | 'int8' | 'int16' | 'int32' | 'int64' | 'uint8' | 'uint16' | 'uint32' | 'uint64'
  | 'bool' | 'qint8' | 'quint8' | 'qint32' | 'string';
export type TypedArray = Float32Array | Float64Array | Int8Array | Int16Array | Int32Array | Uint8Array | Uint16Array | Uint32Array;

export const DTYPES: readonly DType[] = [
  'float16', 'bfloat16', 'float32', 'float64', 'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64',
  'bool', 'qint8', 'quint8', 'qint32', 'string',
];

/** TensorFlow DataType enum values (types.proto). */
export const TF_DTYPE_ENUM: Record<DType, number> = {
  float32: 1, float64: 2, int32: 3, uint8: 4, int16: 5, int8: 6, string: 7, int64: 9, bool: 10, qint8: 11, quint8: 12,
  qint32: 13, bfloat16: 14, uint16: 17, float16: 19, uint32: 22, uint64: 23,
};

export function isDType(x: unknown): x is DType {
  return typeof x === 'string' && (DTYPES as readonly string[]).includes(x);
}

export function checkDType(x: unknown, what: string): DType {
  if (!isDType(x)) throw new InvalidArgumentError(`${what}: unknown dtype ${JSON.stringify(x)}; expected one of ${DTYPES.join(', ')}`);
  return x;
}

export const FLOAT_DTYPES: readonly DType[] = ['float16', 'bfloat16', 'float32', 'float64'];
export const INT_DTYPES: readonly DType[] = ['int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64'];
export const QUANTIZED_DTYPES: readonly DType[] = ['qint8', 'quint8', 'qint32'];

export function isFloat(d: DType): boolean { return FLOAT_DTYPES.includes(d); }
/** The (unquantized) integer types: their arithmetic wraps modulo 2^bits. */
export function isInt(d: DType): boolean { return INT_DTYPES.includes(d); }
export function isUnsigned(d: DType): boolean { return d === 'uint8' || d === 'uint16' || d === 'uint32' || d === 'uint64' || d === 'quint8'; }
export function isNumeric(d: DType): boolean { return d !== 'bool' && d !== 'string'; }

/** Bytes per element as TensorFlow stores them (tensor_content, checkpoints, Bitcast); 0 for string. */
export const DTYPE_BYTES: Record<DType, number> = {
  float16: 2, bfloat16: 2, float32: 4, float64: 8, int8: 1, int16: 2, int32: 4, int64: 8, uint8: 1, uint16: 2, uint32: 4,
  uint64: 8, bool: 1, qint8: 1, quint8: 1, qint32: 4, string: 0,
};

/**
 * What a kernel without string support throws when a string tensor reaches it (allocating one as numbers); the op
 * registry turns it into an UnimplementedError naming the node.
 */
export class StringTensorError extends Error {
  constructor() { super('string tensors are not supported by this op (they run through Placeholder, Const, Identity, Reshape and Assign)'); }
}

export function allocArray(dtype: DType, size: number): TypedArray {
  switch (dtype) {
    case 'float32': case 'float16': case 'bfloat16': return new Float32Array(size);
    case 'float64': case 'int64': case 'uint64': return new Float64Array(size);
    case 'int32': case 'qint32': return new Int32Array(size);
    case 'int8': case 'qint8': return new Int8Array(size);
    case 'int16': return new Int16Array(size);
    case 'uint8': case 'quint8': case 'bool': return new Uint8Array(size);
    case 'uint16': return new Uint16Array(size);
    case 'uint32': return new Uint32Array(size);
    case 'string': throw new StringTensorError();
  }
}

/** The dtype a typed array stands for when the user did not say (a Uint8Array is bool, as before uint8 existed). */
export function dtypeOfArray(a: TypedArray): DType {
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Float64Array) return 'float64';
  if (a instanceof Int32Array) return 'int32';
  if (a instanceof Int8Array) return 'int8';
  if (a instanceof Int16Array) return 'int16';
  if (a instanceof Uint16Array) return 'uint16';
  if (a instanceof Uint32Array) return 'uint32';
  return 'bool';
}

export function isTypedArray(x: unknown): x is TypedArray {
  return x instanceof Float32Array || x instanceof Float64Array || x instanceof Int32Array || x instanceof Uint8Array
    || x instanceof Int8Array || x instanceof Int16Array || x instanceof Uint16Array || x instanceof Uint32Array;
}

/** Round half to even of a non-negative number. */
function rint(q: number): number {
  const f = Math.floor(q), d = q - f;
  return d > 0.5 || (d === 0.5 && f % 2 !== 0) ? f + 1 : f;
}

/**
 * Rounds a float32 value to a binary format with `mant` stored mantissa bits, minimum normal exponent `emin` and
 * largest finite value `max` (round to nearest even; overflow to infinity). Works on values: v / ulp is exact.
 */
function roundToFormat(v: number, mant: number, emin: number, max: number): number {
  if (v === 0 || !Number.isFinite(v)) return v;
  const a = Math.abs(v);
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--; else if (2 ** (e + 1) <= a) e++;
  const ulp = 2 ** (Math.max(e, emin) - mant);
  const r = rint(a / ulp) * ulp;
  const out = r > max ? Infinity : r;
  return v < 0 ? -out : out;
}

/**
 * float16 (IEEE binary16) of a number. A float64 goes through float32 first, as TF's Eigen::half(double) does; for
 * results of + - * / of float16 values that double rounding is what TF's float computation gives.
 */
export function roundFloat16(v: number): number { return roundToFormat(Math.fround(v), 10, -14, 65504); }
/** bfloat16 (float32's exponent, 7 mantissa bits) of a number, through float32 as TF does. */
export function roundBfloat16(v: number): number { return roundToFormat(Math.fround(v), 7, -126, 3.3895313892515355e38); }

/** A JS number as the integer type of `bits` bits (signed or not): truncated toward zero, then wrapped. */
function wrapInt(v: number, bits: 8 | 16 | 32, signed: boolean): number {
  if (!Number.isFinite(v)) return 0;
  const t = Math.trunc(v);
  const s = 32 - bits;
  // `| 0` and `>>> 0` reduce any finite double modulo 2^32 exactly (ToInt32); the shifts then keep the low `bits`.
  if (bits === 32) return signed ? t | 0 : t >>> 0;
  return signed ? (t << s) >> s : (t << s) >>> s;
}

/**
 * Rounds a JS number to what `dtype` can hold, TF's way: float -> int truncates toward zero and wraps modulo 2^bits
 * (NaN and infinities give 0); float16/bfloat16 round to nearest even. int64/uint64 truncate (exact below 2^53);
 * uint64 maps a negative value v to 2^64 + v (rounded, as a double must).
 */
export function castScalar(v: number, dtype: DType): number {
  switch (dtype) {
    case 'float32': return Math.fround(v);
    case 'float64': return v;
    case 'float16': return roundFloat16(v);
    case 'bfloat16': return roundBfloat16(v);
    case 'int8': case 'qint8': return wrapInt(v, 8, true);
    case 'int16': return wrapInt(v, 16, true);
    case 'int32': case 'qint32': return wrapInt(v, 32, true);
    case 'uint8': case 'quint8': return wrapInt(v, 8, false);
    case 'uint16': return wrapInt(v, 16, false);
    case 'uint32': return wrapInt(v, 32, false);
    case 'int64': return Number.isFinite(v) ? Math.trunc(v) + 0 : 0; // + 0: no -0 in an integer
    case 'uint64': { if (!Number.isFinite(v)) return 0; const t = Math.trunc(v) + 0; return t < 0 ? 2 ** 64 + t : t; }
    case 'bool': return v !== 0 ? 1 : 0;
    case 'string': throw new InvalidArgumentError('a number cannot be a string element');
  }
}

/**
 * TF's CPU Cast of a float to the 8-, 16- and unsigned 32/64-bit integer types, as x86-64's scalar conversions give
 * it (C++ leaves out-of-range conversions undefined, and TF's vectorized loop differs in its lanes; these are its
 * measured results off that loop): truncation toward zero, then
 * - int8/int16/uint8/uint16 convert through int32, whose out-of-range (and NaN) result INT_MIN has low bits 0: so
 *   values outside the int32 range give 0, and the rest wrap;
 * - uint32 converts through int64 likewise: values in the int64 range wrap modulo 2^32, anything else gives 0;
 * - uint64: values in [-2^63, 2^64) wrap, anything else (NaN, infinities) gives 2^63.
 * int32 and int64 keep castScalar's rule (wrap modulo 2^32; NaN and infinities give 0), which the GPU mirrors.
 */
export function castFloatToInt(v: number, dtype: DType): number {
  const within = (lo: number, hi: number): boolean => v > lo - 1 && v < hi; // NaN fails both
  switch (dtype) {
    case 'int8': case 'int16': case 'uint8': case 'uint16': case 'qint8': case 'quint8':
      return within(-(2 ** 31), 2 ** 31) ? castScalar(v, dtype) : 0;
    case 'uint32': return v >= -(2 ** 63) && v < 2 ** 63 ? castScalar(v, dtype) : 0;
    case 'uint64': return v >= -(2 ** 63) && v < 2 ** 64 ? castScalar(v, dtype) : 2 ** 63;
    default: return castScalar(v, dtype);
  }
}

/** float32 with subnormals flushed to zero, as TF's CPU kernels compute (they run with FTZ/DAZ set). */
export function froundFlushed(v: number): number {
  const f = Math.fround(v);
  return Math.abs(f) < 2 ** -126 ? (f < 0 || Object.is(f, -0) ? -0 : 0) : f;
}

/** Whether storing a computed number into `dtype`'s array needs castScalar (the typed array alone would not round). */
export function needsCast(dtype: DType): boolean { return dtype !== 'float32' && dtype !== 'float64'; }

/** float16/bfloat16 values rounded in place (a kernel that computed in float32 or float64 wrote them). */
export function roundInPlace(dtype: DType, data: TypedArray): void {
  if (dtype !== 'float16' && dtype !== 'bfloat16') return;
  const r = dtype === 'float16' ? roundFloat16 : roundBfloat16;
  for (let i = 0; i < data.length; i++) data[i] = r(data[i]);
}

/** The representable range of an integer dtype (int64/uint64: TF's, though only values to 2^53 are exact here). */
export function intRange(d: DType): [number, number] {
  switch (d) {
    case 'int8': case 'qint8': return [-128, 127];
    case 'uint8': case 'quint8': return [0, 255];
    case 'int16': return [-32768, 32767];
    case 'uint16': return [0, 65535];
    case 'int32': case 'qint32': return [-2147483648, 2147483647];
    case 'uint32': return [0, 4294967295];
    case 'int64': return [-(2 ** 63), 2 ** 63];
    case 'uint64': return [0, 2 ** 64];
    default: return [-Infinity, Infinity];
  }
}

/** The lowest and highest values of a dtype (TF's Eigen::NumTraits): the identities of Max and Min. */
export function lowestOf(d: DType): number {
  if (d === 'int64') return -Number.MAX_SAFE_INTEGER;
  return isInt(d) || QUANTIZED_DTYPES.includes(d) ? intRange(d)[0] : -Infinity;
}
export function highestOf(d: DType): number {
  if (d === 'int64' || d === 'uint64') return Number.MAX_SAFE_INTEGER;
  return isInt(d) || QUANTIZED_DTYPES.includes(d) ? intRange(d)[1] : Infinity;
}

/** TF's own spelling, for messages: float32 -> "float", float16 -> "half", as TensorFlow prints them. */
export function tfTypeName(d: DType): string {
  return ({ float32: 'float', float64: 'double', float16: 'half' } as Partial<Record<DType, string>>)[d] ?? d;
}
