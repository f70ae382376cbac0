// Kiln's concrete value: what `Session.run` returns and what feeds and constants are made of. It is deliberately a
// different type from the symbolic `Tensor`, so the two can never be confused.
import {
  allocArray, castScalar, checkDType, DType, dtypeOfArray, intRange, isInt, isTypedArray, QUANTIZED_DTYPES, StringTensorError, TypedArray,
} from './dtypes.js';
import { InvalidArgumentError } from './errors.js';
import { formatShape, sizeOf } from './shape.js';

/** Nested JS values: numbers, booleans (bool), and for string tensors byte strings (Uint8Array) or JS strings (UTF-8). */
export type NestedArray = number | boolean | string | Uint8Array | NestedArray[];

const NO_DATA = new Uint8Array(0);

export class NDArray {
  readonly dtype: DType;
  readonly shape: number[];
  /** The elements, row-major (see graph/dtypes.ts for each dtype's array); empty for string tensors. */
  readonly data: TypedArray;
  /** A string tensor's elements, row-major: each one's bytes, as TensorFlow's strings are. Empty for other dtypes. */
  readonly strings: readonly Uint8Array[];
  readonly size: number;

  /** `data` is a typed array, or for dtype 'string' an array of Uint8Arrays. */
  constructor(dtype: DType, shape: readonly number[], data: TypedArray | readonly Uint8Array[]) {
    const n = sizeOf(shape);
    if (dtype === 'string' && !Array.isArray(data)) throw new StringTensorError(); // a numeric kernel's output
    if ((dtype === 'string') !== Array.isArray(data)) {
      throw new InvalidArgumentError(`NDArray: a ${dtype} tensor needs ${dtype === 'string' ? 'an array of Uint8Arrays (bytes)' : 'a typed array'}`);
    }
    if (data.length !== n) {
      throw new InvalidArgumentError(`NDArray: ${data.length} values do not fill shape ${formatShape(shape)} (${n} values)`);
    }
    this.dtype = dtype;
    this.shape = [...shape];
    this.size = n;
    if (Array.isArray(data)) {
      if (!data.every((e) => e instanceof Uint8Array)) throw new InvalidArgumentError('NDArray: a string tensor\'s elements must be Uint8Arrays');
      this.data = NO_DATA;
      this.strings = data;
    } else {
      this.data = data as TypedArray;
      this.strings = [];
    }
  }

  get rank(): number { return this.shape.length; }

  /** Nested JS arrays (numbers; booleans for bool; Uint8Arrays for string), or a plain value for a scalar. */
  toArray(): NestedArray {
    const d = this.data;
    const asJs = (i: number): NestedArray => (this.dtype === 'string' ? this.strings[i] : this.dtype === 'bool' ? d[i] !== 0 : d[i]);
    if (this.shape.length === 0) return asJs(0);
    let pos = 0;
    const build = (axis: number): NestedArray[] => {
      const out: NestedArray[] = [];
      for (let i = 0; i < this.shape[axis]; i++) out.push(axis === this.shape.length - 1 ? asJs(pos++) : build(axis + 1));
      return out;
    };
    return build(0);
  }

  /** The single value of a one-element array. */
  scalar(): number {
    if (this.size !== 1) throw new InvalidArgumentError(`scalar(): array of shape ${formatShape(this.shape)} has ${this.size} values`);
    if (this.dtype === 'string') throw new InvalidArgumentError('scalar(): a string tensor has no number; read .strings');
    return this.data[0];
  }

  /** A copy that shares no storage with this one. */
  copy(): NDArray { return new NDArray(this.dtype, this.shape, this.dtype === 'string' ? [...this.strings] : this.data.slice()); }

  reshape(shape: readonly number[]): NDArray { return new NDArray(this.dtype, shape, this.dtype === 'string' ? this.strings : this.data); }

  toString(): string {
    const v = this.dtype === 'string' ? this.strings.map((b) => new TextDecoder().decode(b)) : this.toArray();
    return `NDArray(${this.dtype}, ${formatShape(this.shape)}, ${JSON.stringify(v)})`;
  }
}

/** Shape of a nested JS array; throws on ragged input. */
export function inferShape(value: NestedArray, what = 'value'): number[] {
  const shape: number[] = [];
  let v: NestedArray = value;
  while (Array.isArray(v)) { shape.push(v.length); v = v[0]; if (v === undefined) break; }
  // Verify rectangular.
  const check = (x: NestedArray, axis: number): void => {
    if (axis === shape.length) {
      if (Array.isArray(x)) throw new InvalidArgumentError(`${what}: ragged nested array (expected shape ${formatShape(shape)})`);
      return;
    }
    if (!Array.isArray(x) || x.length !== shape[axis]) {
      throw new InvalidArgumentError(`${what}: ragged nested array (expected shape ${formatShape(shape)})`);
    }
    for (const e of x) check(e, axis + 1);
  };
  check(value, 0);
  return shape;
}

function flatten(value: NestedArray, out: NestedArray[]): void {
  if (Array.isArray(value)) for (const e of value) flatten(e, out);
  else out.push(value);
}

/** The first leaf of a nested array (undefined when empty). */
function firstLeaf(value: NestedArray): NestedArray | undefined {
  if (Array.isArray(value)) return value.length > 0 ? firstLeaf(value[0]) : undefined;
  return value;
}

/** A string tensor from bytes (Uint8Array) or JS strings (UTF-8 encoded), nested; a bare Uint8Array is one element. */
function stringArray(value: unknown, shape: readonly number[] | undefined, what: string): NDArray {
  if (value instanceof NDArray) {
    if (value.dtype !== 'string') throw new InvalidArgumentError(`${what}: a ${value.dtype} value for a string tensor`);
    return shape === undefined ? value : value.reshape(shape);
  }
  const nested = value as NestedArray;
  const inferred = inferShape(nested, what);
  const flat: NestedArray[] = [];
  flatten(nested, flat);
  const bytes = flat.map((e) => {
    if (e instanceof Uint8Array) return e;
    if (typeof e === 'string') return new TextEncoder().encode(e);
    throw new InvalidArgumentError(`${what}: a string tensor's elements are Uint8Arrays (bytes) or strings, got ${describe(e)}`);
  });
  const shp = shape ?? inferred;
  if (sizeOf(shp) !== bytes.length) throw new InvalidArgumentError(`${what}: ${bytes.length} values do not fill shape ${formatShape(shp)}`);
  return new NDArray('string', shp, bytes);
}

/**
 * Builds an NDArray from a number, boolean, nested array, typed array (with `shape`) or NDArray.
 * Numbers default to float32 (JavaScript has no integer literals); booleans to bool. Converting a non-integer to an
 * integer dtype, or a number to bool, is an error rather than a silent truncation.
 */
export function toNDArray(value: unknown, dtype?: DType, shape?: readonly number[], what = 'value'): NDArray {
  if (dtype !== undefined) checkDType(dtype, what);
  const leaf = value instanceof NDArray || isTypedArray(value) ? undefined : firstLeaf(value as NestedArray);
  const stringLike = typeof leaf === 'string' || leaf instanceof Uint8Array || (value instanceof NDArray && value.dtype === 'string');
  if (dtype === 'string' || (dtype === undefined && stringLike)) return stringArray(value, shape, what);
  if (value instanceof NDArray) {
    if (value.dtype === 'string') throw new InvalidArgumentError(`${what}: a string value for a ${dtype} tensor`);
    const out = dtype === undefined || dtype === value.dtype ? value : convertArray(value, dtype, what);
    if (shape === undefined) return out;
    if (sizeOf(shape) !== out.size) throw new InvalidArgumentError(`${what}: cannot reshape ${formatShape(out.shape)} to ${formatShape(shape)}`);
    return out.reshape(shape);
  }
  if (isTypedArray(value)) {
    const dt = dtype ?? dtypeOfArray(value);
    const shp = shape ?? [value.length];
    if (sizeOf(shp) !== value.length) {
      throw new InvalidArgumentError(`${what}: ${value.length} values do not fill shape ${formatShape(shp)}`);
    }
    const base = new NDArray(dtypeOfArray(value), shp, value); // a Uint8Array converts by its raw values
    return base.dtype === dt ? base : convertArray(base, dt, what);
  }
  if (typeof value !== 'number' && typeof value !== 'boolean' && !Array.isArray(value)) {
    throw new InvalidArgumentError(`${what}: expected a number, boolean, nested array, typed array or NDArray, got ${describe(value)}`);
  }
  const nested = value as NestedArray;
  const inferred = inferShape(nested, what);
  const flat: NestedArray[] = [];
  flatten(nested, flat);
  const dt: DType = dtype ?? (typeof leaf === 'boolean' ? 'bool' : 'float32');
  const data = allocArray(dt, flat.length);
  for (let i = 0; i < flat.length; i++) data[i] = scalarFor(flat[i], dt, what);
  let shp = inferred;
  if (shape !== undefined) {
    if (flat.length === 1 && sizeOf(shape) !== 1) {
      const filled = allocArray(dt, sizeOf(shape));
      filled.fill(data[0]);
      return new NDArray(dt, shape, filled);
    }
    if (sizeOf(shape) !== flat.length) {
      throw new InvalidArgumentError(`${what}: ${flat.length} values do not fill shape ${formatShape(shape)}`);
    }
    shp = [...shape];
  }
  return new NDArray(dt, shp, data);
}

function scalarFor(v: NestedArray, dt: DType, what: string): number {
  if (typeof v === 'boolean') {
    if (dt !== 'bool') throw new InvalidArgumentError(`${what}: boolean value for a ${dt} tensor`);
    return v ? 1 : 0;
  }
  if (typeof v !== 'number') throw new InvalidArgumentError(`${what}: expected numbers, got ${describe(v)}`);
  if (dt === 'bool') throw new InvalidArgumentError(`${what}: number ${v} for a bool tensor (use true/false)`);
  if (isInt(dt) || QUANTIZED_DTYPES.includes(dt)) {
    if (!Number.isInteger(v)) throw new InvalidArgumentError(`${what}: ${v} is not an integer, expected ${dt}`);
    const [lo, hi] = intRange(dt);
    // int64/uint64 are not range-checked: a double cannot tell 2^63 - 1 from 2^63.
    if (dt !== 'int64' && dt !== 'uint64' && (v > hi || v < lo)) throw new InvalidArgumentError(`${what}: ${v} does not fit in ${dt}`);
    if (dt === 'uint64' && v < 0) throw new InvalidArgumentError(`${what}: ${v} does not fit in uint64`);
  }
  return castScalar(v, dt);
}

function convertArray(a: NDArray, dtype: DType, what: string): NDArray {
  const out = allocArray(dtype, a.size);
  for (let i = 0; i < a.size; i++) {
    const v = a.data[i];
    if (dtype !== 'bool' && a.dtype === 'bool') out[i] = v;
    else out[i] = scalarFor(a.dtype === 'bool' ? v !== 0 : v, dtype, what);
  }
  return new NDArray(dtype, a.shape, out);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'object') return (v as object).constructor?.name ?? 'object';
  return typeof v;
}

/** `tf.ndarray(data, shape?, dtype?)`: a concrete value, for feeds and constants. */
export function ndarray(data: NestedArray | TypedArray | NDArray, shape?: readonly number[], dtype?: DType): NDArray {
  return toNDArray(data, dtype, shape, 'tf.ndarray');
}
