// Small helpers the passes share: sizes in bytes, attr equality.
import { DType, DTYPE_BYTES } from '../graph/dtypes.js';
import type { NDArray } from '../graph/ndarray.js';
import { isFullyDefined, Shape, sizeOf } from '../graph/shape.js';
import type { AttrValue } from '../graph/tensor.js';

/** Bytes one element of `dtype` takes (a string's size is not known from its shape: counted as 8). */
export function elementBytes(dtype: DType): number {
  return DTYPE_BYTES[dtype] || 8;
}

/** Bytes of a tensor of a fully known shape; null when a dim is unknown. */
export function tensorBytes(dtype: DType, shape: Shape): number | null {
  return isFullyDefined(shape) ? sizeOf(shape) * elementBytes(dtype) : null;
}

/** A stable text of an attr value, for CSE keys; large constants are keyed by identity (see cse.ts). */
export function attrKey(v: AttrValue): string {
  if (v !== null && typeof v === 'object' && 'data' in v) {
    const a = v as NDArray;
    return `nd:${a.dtype}:${a.shape.join(',')}:${Array.from(a.data as ArrayLike<number>).join(',')}`;
  }
  return JSON.stringify(v);
}
