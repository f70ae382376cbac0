// The elements a Dataset yields: an NDArray, or a structure of them, TF's way (a tuple is a JS array, a dict a plain
// object). What users hand in (numbers, nested arrays, typed arrays, NDArray-like objects from a worker) is normalised
// here once, so every transformation after it sees only NDArrays in tuples and dicts.
import { allocArray, DType, isDType, isTypedArray, TypedArray } from '../graph/dtypes.js';
import { InvalidArgumentError } from '../graph/errors.js';
import { NDArray, NestedArray, toNDArray } from '../graph/ndarray.js';
import { formatShape, sizeOf } from '../graph/shape.js';

export type Element = NDArray | readonly Element[] | { readonly [key: string]: Element };

/** What a value normalises to: leaves become NDArrays; tuples and dicts keep their structure. */
export type ElementOf<U> =
  U extends NDArray | TypedArray | number | boolean | NestedArray | NDArrayLike ? NDArray
  : U extends readonly unknown[] ? { -readonly [K in keyof U]: ElementOf<U[K]> }
  : U extends object ? { -readonly [K in keyof U]: ElementOf<U[K]> }
  : never;

/** The fields of an NDArray, as a map function running in a worker thread sees and returns them. */
export interface NDArrayLike {
  dtype: DType;
  shape: readonly number[];
  data: TypedArray;
}

export function isNDArrayLike(x: unknown): x is NDArrayLike {
  if (x === null || typeof x !== 'object') return false;
  const o = x as Record<string, unknown>;
  return isDType(o.dtype) && Array.isArray(o.shape) && isTypedArray(o.data);
}

function isNumericNested(x: unknown): x is NestedArray {
  if (typeof x === 'number' || typeof x === 'boolean') return true;
  return Array.isArray(x) && x.every(isNumericNested);
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (x === null || typeof x !== 'object') return false;
  const p = Object.getPrototypeOf(x);
  return p === Object.prototype || p === null;
}

/**
 * A value as an element. Numbers, booleans, nested number arrays and typed arrays become NDArrays (numbers float32,
 * as everywhere in Kiln); an array holding anything else is a tuple; a plain object is a dict.
 */
export function normalizeElement(x: unknown, what: string): Element {
  if (x instanceof NDArray) return x;
  if (isTypedArray(x) || typeof x === 'number' || typeof x === 'boolean') return toNDArray(x, undefined, undefined, what);
  if (Array.isArray(x)) {
    if (x.length > 0 && isNumericNested(x)) return toNDArray(x, undefined, undefined, what);
    return x.map((e, i) => normalizeElement(e, `${what}[${i}]`));
  }
  if (isNDArrayLike(x)) return new NDArray(x.dtype, x.shape, x.data);
  if (isPlainObject(x)) return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, normalizeElement(v, `${what}.${k}`)]));
  throw new InvalidArgumentError(`${what}: expected an NDArray, number, boolean, typed array, nested array, or an array/object of them; got ${x === null ? 'null' : typeof x === 'object' ? (x as object).constructor?.name ?? 'object' : typeof x}`);
}

/** The NDArrays of an element with their paths (`''` for a bare NDArray, `'images'`, `'[1].x'`), in a fixed order. */
export function leavesOf(e: Element, path = ''): Array<[string, NDArray]> {
  if (e instanceof NDArray) return [[path, e]];
  if (Array.isArray(e)) return e.flatMap((c, i) => leavesOf(c, `${path}[${i}]`));
  return Object.entries(e).flatMap(([k, c]) => leavesOf(c, path === '' ? k : `${path}.${k}`));
}

/** Rebuilds `e`'s structure with each NDArray replaced by `f(leaf, path)`. */
export function mapLeaves(e: Element, f: (leaf: NDArray, path: string) => Element, path = ''): Element {
  if (e instanceof NDArray) return f(e, path);
  if (Array.isArray(e)) return e.map((c, i) => mapLeaves(c, f, `${path}[${i}]`));
  return Object.fromEntries(Object.entries(e).map(([k, c]) => [k, mapLeaves(c, f, path === '' ? k : `${path}.${k}`)]));
}

/** The structure of an element as text, for messages: `{images: float32[28,28], labels: int32[]}`. */
function signature(e: Element): string {
  if (e instanceof NDArray) return `${e.dtype}${formatShape(e.shape)}`;
  if (Array.isArray(e)) return `(${e.map(signature).join(', ')})`;
  return `{${Object.entries(e).map(([k, c]) => `${k}: ${signature(c)}`).join(', ')}}`;
}

/**
 * Stacks elements of one structure into one with a leading dim of `elements.length` (TF's batch). Every element must
 * have the first one's structure, dtypes and shapes; the error names the element and the component that differ.
 */
export function stackElements(elements: readonly Element[], what: string): Element {
  const first = elements[0];
  const firstSig = signature(first);
  elements.forEach((e, i) => {
    if (signature(e) !== firstSig) {
      throw new InvalidArgumentError(`${what}: element ${i} of the batch is ${signature(e)}, element 0 is ${firstSig}: batching needs equal structures, dtypes and shapes`);
    }
  });
  const columns = elements.map((e) => leavesOf(e).map(([, a]) => a));
  let k = 0;
  return mapLeaves(first, (leaf) => {
    const col = k++;
    const size = leaf.size;
    const out = allocArray(leaf.dtype, size * elements.length);
    for (let i = 0; i < elements.length; i++) out.set(columns[i][col].data, i * size);
    return new NDArray(leaf.dtype, [elements.length, ...leaf.shape], out);
  });
}

/** Row `i` of `a` along axis 0, sharing `a`'s memory. */
export function sliceRow(a: NDArray, i: number): NDArray {
  const rowShape = a.shape.slice(1);
  const size = sizeOf(rowShape);
  return new NDArray(a.dtype, rowShape, a.data.subarray(i * size, (i + 1) * size));
}
