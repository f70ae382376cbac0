// Building blocks for the reference kernels: plain loops over typed arrays, written to be obviously right.
import { allocArray, castScalar, DType, needsCast } from '../graph/dtypes.js';
import { InvalidArgumentError } from '../graph/errors.js';
import { NDArray } from '../graph/ndarray.js';
import { broadcastConcrete, formatShape, normAxis, sizeOf, stridesOf } from '../graph/shape.js';

export function empty(dtype: DType, shape: readonly number[]): NDArray {
  return new NDArray(dtype, shape, allocArray(dtype, sizeOf(shape)));
}

/** Applies `fn` to every element; the result is stored (and so rounded) in `outDtype`. */
export function mapUnary(x: NDArray, outDtype: DType, fn: (v: number) => number): NDArray {
  const out = empty(outDtype, x.shape);
  const o = out.data, d = x.data;
  const round = needsCast(outDtype);
  for (let i = 0; i < d.length; i++) o[i] = round ? castScalar(fn(d[i]), outDtype) : fn(d[i]);
  return out;
}

/** For each output index of `outShape`, the flat index into an input of `inShape` broadcast to it (numpy rules). */
export function broadcastIndex(inShape: readonly number[], outShape: readonly number[]): Int32Array {
  const n = sizeOf(outShape);
  const idx = new Int32Array(n);
  const rank = outShape.length;
  const off = rank - inShape.length;
  const inStrides = stridesOf(inShape);
  const eff = outShape.map((_, ax) => (ax < off || inShape[ax - off] === 1 ? 0 : inStrides[ax - off]));
  const counter = new Array<number>(rank).fill(0);
  let flat = 0;
  for (let i = 0; i < n; i++) {
    idx[i] = flat;
    for (let ax = rank - 1; ax >= 0; ax--) {
      counter[ax]++;
      flat += eff[ax];
      if (counter[ax] < outShape[ax]) break;
      flat -= eff[ax] * outShape[ax];
      counter[ax] = 0;
    }
  }
  return idx;
}

/** The broadcast shape of several concrete shapes, or an InvalidArgumentError naming the node. */
export function broadcastShapes(shapes: readonly (readonly number[])[], node: string): number[] {
  let out: number[] = [];
  for (const s of shapes) {
    const b = broadcastConcrete(out, s);
    if (b === undefined) {
      throw new InvalidArgumentError(`Incompatible shapes at '${node}': ${shapes.map((x) => formatShape(x)).join(' vs. ')}`);
    }
    out = b;
  }
  return out;
}

/** Elementwise op over any number of inputs with numpy broadcasting. */
export function mapBroadcast(inputs: readonly NDArray[], outDtype: DType, node: string, fn: (...v: number[]) => number): NDArray {
  const shape = broadcastShapes(inputs.map((x) => x.shape), node);
  const out = empty(outDtype, shape);
  const o = out.data;
  const round = needsCast(outDtype);
  const idx = inputs.map((x) => broadcastIndex(x.shape, shape));
  const data = inputs.map((x) => x.data);
  const args = new Array<number>(inputs.length);
  for (let i = 0; i < o.length; i++) {
    for (let k = 0; k < args.length; k++) args[k] = data[k][idx[k][i]];
    const v = fn(...args);
    o[i] = round ? castScalar(v, outDtype) : v;
  }
  return out;
}

/** Normalised, sorted, de-duplicated axes; `null` means all axes. Throws naming the node when out of range. */
export function normAxes(axes: readonly number[] | null, rank: number, node: string): number[] {
  if (axes === null) return [...Array(rank).keys()];
  const out = new Set<number>();
  for (const a of axes) {
    const n = normAxis(a, rank);
    if (n === undefined) throw new InvalidArgumentError(`'${node}': axis ${a} is out of range for a tensor of rank ${rank}`);
    out.add(n);
  }
  return [...out].sort((x, y) => x - y);
}

/**
 * Reduces `x` over `axes` (normalised): `init` is the identity, `step` folds one value in, `finish` maps the
 * accumulator and the count of reduced values to the result. An empty reduction gives finish(init, 0).
 */
export function reduce(
  x: NDArray, axes: readonly number[], keepDims: boolean, outDtype: DType,
  init: number, step: (acc: number, v: number) => number, finish: (acc: number, n: number) => number = (a) => a,
): NDArray {
  const rank = x.rank;
  const reduced = new Set(axes);
  const outShapeKeep = x.shape.map((d, i) => (reduced.has(i) ? 1 : d));
  const outShape = keepDims ? outShapeKeep : x.shape.filter((_, i) => !reduced.has(i));
  const out = empty(outDtype, outShape);
  const count = axes.reduce((n, a) => n * x.shape[a], 1);
  const acc = new Float64Array(out.size).fill(init);
  const outStrides = stridesOf(outShapeKeep);
  const counter = new Array<number>(rank).fill(0);
  const d = x.data;
  for (let i = 0; i < d.length; i++) {
    let o = 0;
    for (let ax = 0; ax < rank; ax++) if (!reduced.has(ax)) o += counter[ax] * outStrides[ax];
    acc[o] = step(acc[o], d[i]);
    for (let ax = rank - 1; ax >= 0; ax--) {
      if (++counter[ax] < x.shape[ax]) break;
      counter[ax] = 0;
    }
  }
  const round = needsCast(outDtype);
  for (let i = 0; i < acc.length; i++) {
    const v = finish(acc[i], count);
    out.data[i] = round ? castScalar(v, outDtype) : v;
  }
  return out;
}

/** Reads a 1-D (or scalar) int tensor as a list of numbers. */
export function intList(x: NDArray): number[] { return Array.from(x.data); }
