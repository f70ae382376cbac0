// Data types. Names are TensorFlow's Python names; enum numbers are TF's DataType values (types.proto).
//
// Host representation (the CPU executor and Kiln's concrete values):
//   float32 -> Float32Array, float64 -> Float64Array, int32 -> Int32Array, bool -> Uint8Array (0/1),
//   int64   -> Float64Array holding exact integers. JavaScript numbers are exact to 2^53, which covers every shape
//   and index TensorFlow uses int64 for; a BigInt64Array would make every generic kernel branch on bigint.
import { InvalidArgumentError } from './errors.js';

export type DType = 'float32' | 'float64' | 'int32' | 'int64' | 'bool';
export type TypedArray = Float32Array | Float64Array | Int32Array | Uint8Array;

export const DTYPES: readonly DType[] = ['float32', 'float64', 'int32', 'int64', 'bool'];

/** TensorFlow DataType enum values (DT_FLOAT=1, DT_DOUBLE=2, DT_INT32=3, DT_INT64=9, DT_BOOL=10). */
export const TF_DTYPE_ENUM: Record<DType, number> = { float32: 1, float64: 2, int32: 3, int64: 9, bool: 10 };

export function isDType(x: unknown): x is DType {
  return typeof x === 'string' && (DTYPES as readonly string[]).includes(x);
}

export function checkDType(x: unknown, what: string): DType {
  if (!isDType(x)) throw new InvalidArgumentError(`${what}: unknown dtype ${JSON.stringify(x)}; expected one of ${DTYPES.join(', ')}`);
  return x;
}

export function isFloat(d: DType): boolean { return d === 'float32' || d === 'float64'; }
export function isInt(d: DType): boolean { return d === 'int32' || d === 'int64'; }
export function isNumeric(d: DType): boolean { return d !== 'bool'; }

export function allocArray(dtype: DType, size: number): TypedArray {
  switch (dtype) {
    case 'float32': return new Float32Array(size);
    case 'float64': case 'int64': return new Float64Array(size);
    case 'int32': return new Int32Array(size);
    case 'bool': return new Uint8Array(size);
  }
}

/** The dtype a typed array stands for when the user did not say. */
export function dtypeOfArray(a: TypedArray): DType {
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Float64Array) return 'float64';
  if (a instanceof Int32Array) return 'int32';
  return 'bool';
}

export function isTypedArray(x: unknown): x is TypedArray {
  return x instanceof Float32Array || x instanceof Float64Array || x instanceof Int32Array || x instanceof Uint8Array;
}

/** Rounds a JS number to what `dtype` can hold, TF's way: float->int truncates toward zero, int32 wraps. */
export function castScalar(v: number, dtype: DType): number {
  switch (dtype) {
    case 'float32': return Math.fround(v);
    case 'float64': return v;
    case 'int32': return Number.isFinite(v) ? Math.trunc(v) | 0 : 0;
    case 'int64': return Number.isFinite(v) ? Math.trunc(v) : 0;
    case 'bool': return v !== 0 ? 1 : 0;
  }
}

/** TF's own spelling, for messages: float32 -> "float", as TensorFlow prints it. */
export function tfTypeName(d: DType): string {
  return { float32: 'float', float64: 'double', int32: 'int32', int64: 'int64', bool: 'bool' }[d];
}
