// Kiln's concrete value: what `Session.run` returns and what feeds and constants are made of. It is deliberately a
// different type from the symbolic `Tensor`, so the two can never be confused.
import { allocArray, castScalar, DType, dtypeOfArray, isTypedArray, TypedArray, checkDType } from './dtypes.js';
import { InvalidArgumentError } from './errors.js';
import { formatShape, sizeOf } from './shape.js';

export type NestedArray = number | boolean | NestedArray[];

export class NDArray {
  readonly dtype: DType;
  readonly shape: number[];
  readonly data: TypedArray;

  constructor(dtype: DType, shape: readonly number[], data: TypedArray) {
    if (data.length !== sizeOf(shape)) {
      throw new InvalidArgumentError(`NDArray: ${data.length} values do not fill shape ${formatShape(shape)} (${sizeOf(shape)} values)`);
    }
    this.dtype = dtype;
    this.shape = [...shape];
    this.data = data;
  }

  get size(): number { return this.data.length; }
  get rank(): number { return this.shape.length; }

  /** Nested JS arrays (numbers; booleans for bool), or a plain number/boolean for a scalar. */
  toArray(): NestedArray {
    const d = this.data;
    const asJs = (i: number): number | boolean => (this.dtype === 'bool' ? d[i] !== 0 : d[i]);
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
    return this.data[0];
  }

  reshape(shape: readonly number[]): NDArray { return new NDArray(this.dtype, shape, this.data); }

  toString(): string { return `NDArray(${this.dtype}, ${formatShape(this.shape)}, ${JSON.stringify(this.toArray())})`; }
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

function flatten(value: NestedArray, out: (number | boolean)[]): void {
  if (Array.isArray(value)) for (const e of value) flatten(e, out);
  else out.push(value);
}

function containsBoolean(value: NestedArray): boolean {
  if (Array.isArray(value)) return value.length > 0 && containsBoolean(value[0]);
  return typeof value === 'boolean';
}

/**
 * Builds an NDArray from a number, boolean, nested array, typed array (with `shape`) or NDArray.
 * Numbers default to float32 (JavaScript has no integer literals); booleans to bool. Converting a non-integer to an
 * integer dtype, or a number to bool, is an error rather than a silent truncation.
 */
export function toNDArray(value: unknown, dtype?: DType, shape?: readonly number[], what = 'value'): NDArray {
  if (dtype !== undefined) checkDType(dtype, what);
  if (value instanceof NDArray) {
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
  const flat: (number | boolean)[] = [];
  flatten(nested, flat);
  const dt: DType = dtype ?? (containsBoolean(nested) ? 'bool' : 'float32');
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

function scalarFor(v: number | boolean, dt: DType, what: string): number {
  if (typeof v === 'boolean') {
    if (dt !== 'bool') throw new InvalidArgumentError(`${what}: boolean value for a ${dt} tensor`);
    return v ? 1 : 0;
  }
  if (typeof v !== 'number') throw new InvalidArgumentError(`${what}: expected numbers, got ${describe(v)}`);
  if (dt === 'bool') throw new InvalidArgumentError(`${what}: number ${v} for a bool tensor (use true/false)`);
  if ((dt === 'int32' || dt === 'int64') && !Number.isInteger(v)) {
    throw new InvalidArgumentError(`${what}: ${v} is not an integer, expected ${dt}`);
  }
  if (dt === 'int32' && (v > 2147483647 || v < -2147483648)) throw new InvalidArgumentError(`${what}: ${v} does not fit in int32`);
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
