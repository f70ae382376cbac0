// Fetch and feed normalisation: nested fetch structures in, the same structure out; feeds checked against the
// tensors they replace, with TF's messages.
import { isTypedArray, TypedArray } from '../graph/dtypes.js';
import { InvalidArgumentError, NotFoundError } from '../graph/errors.js';
import { Graph } from '../graph/graph.js';
import { NDArray, NestedArray, toNDArray } from '../graph/ndarray.js';
import { formatShape, shapeMatches, sizeOf } from '../graph/shape.js';
import { Operation, Tensor } from '../graph/tensor.js';

export type Fetch = Tensor | Operation | string | readonly Fetch[] | { readonly [key: string]: Fetch };

/** The result of `run` mirrors the fetches: an NDArray per tensor, null per operation. */
export type FetchResult<F> =
  // The wide Fetch type itself (a fetch built at run time) has no precise result type; stop the recursion there.
  [Fetch] extends [F] ? any // eslint-disable-line @typescript-eslint/no-explicit-any
  : F extends Tensor ? NDArray
  : F extends Operation ? null
  : F extends string ? NDArray
  : F extends readonly unknown[] ? { -readonly [K in keyof F]: FetchResult<F[K]> }
  : F extends object ? { -readonly [K in keyof F]: FetchResult<F[K]> }
  : never;

export type FeedValue = NDArray | NestedArray | TypedArray;
export type Feeds = Record<string, FeedValue> | Map<Tensor | string, FeedValue>;

/**
 * Resolves a name: `'x:0'` is a tensor; `'x'` is x's first output when it has one, else the operation itself.
 * (TF1 reads a bare name as the operation; a TS user writing `'loss'` wants its value, so Kiln returns it.)
 */
export function resolveName(graph: Graph, name: string): Tensor | Operation {
  if (/:\d+$/.test(name)) return graph.getTensorByName(name);
  if (!graph.hasOperation(name)) throw new NotFoundError(`Fetch or feed name '${name}' is not in the graph`);
  const op = graph.getOperationByName(name);
  return op.outputs.length > 0 ? op.outputs[0] : op;
}

export interface FlatFetches {
  leaves: Array<Tensor | Operation>;
  rebuild(values: ReadonlyArray<NDArray | null>): unknown;
}

export function flattenFetches(graph: Graph, fetches: Fetch): FlatFetches {
  const leaves: Array<Tensor | Operation> = [];
  type Node = { leaf: number } | { array: Node[] } | { object: Array<[string, Node]> };
  const walk = (f: Fetch): Node => {
    if (f instanceof Tensor || f instanceof Operation) {
      if (f.graph !== graph) throw new InvalidArgumentError(`Fetch '${f.name}' is not an element of this session's graph`);
      leaves.push(f);
      return { leaf: leaves.length - 1 };
    }
    if (typeof f === 'string') {
      leaves.push(resolveName(graph, f));
      return { leaf: leaves.length - 1 };
    }
    if (Array.isArray(f)) return { array: f.map(walk) };
    if (f !== null && typeof f === 'object') return { object: Object.entries(f).map(([k, v]) => [k, walk(v as Fetch)]) };
    throw new InvalidArgumentError(`Fetch argument ${String(f)} has an invalid type: expected a Tensor, Operation, name, or an array/object of them`);
  };
  const root = walk(fetches);
  const build = (n: Node, values: ReadonlyArray<NDArray | null>): unknown => {
    if ('leaf' in n) return values[n.leaf];
    if ('array' in n) return n.array.map((c) => build(c, values));
    return Object.fromEntries(n.object.map(([k, c]) => [k, build(c, values)]));
  };
  return { leaves, rebuild: (values) => build(root, values) };
}

/** Feeds -> (tensor, value) pairs, each value converted to the tensor's dtype and checked against its static shape. */
export function normalizeFeeds(graph: Graph, feeds: Feeds | undefined): Map<Tensor, NDArray> {
  const out = new Map<Tensor, NDArray>();
  if (feeds === undefined) return out;
  const entries: Array<[Tensor | string, FeedValue]> = feeds instanceof Map ? [...feeds.entries()] : Object.entries(feeds);
  for (const [key, value] of entries) {
    let t: Tensor;
    if (typeof key === 'string') {
      const r = resolveName(graph, key);
      if (r instanceof Operation) throw new InvalidArgumentError(`Cannot feed '${key}': the operation has no outputs`);
      t = r;
    } else if (key instanceof Tensor) {
      if (key.graph !== graph) throw new InvalidArgumentError(`Feed key '${key.name}' is not an element of this session's graph`);
      t = key;
    } else {
      throw new InvalidArgumentError(`Feed keys must be Tensors or names, got ${String(key)}`);
    }
    out.set(t, feedValue(t, value));
  }
  return out;
}

function feedValue(t: Tensor, value: FeedValue): NDArray {
  const what = `feed for '${t.name}'`;
  if (value instanceof NDArray && value.dtype !== t.dtype) {
    throw new InvalidArgumentError(`Cannot feed a ${value.dtype} value for Tensor '${t.name}', which has dtype ${t.dtype}`);
  }
  let v: NDArray;
  if (isTypedArray(value)) {
    // A flat typed array takes the tensor's static shape; one unknown dim is inferred from the length.
    const s = t.shape;
    if (s === null) v = toNDArray(value, t.dtype, undefined, what);
    else {
      const unknown = s.filter((d) => d === null).length;
      const known = sizeOf(s.map((d) => d ?? 1));
      if (unknown > 1 || (unknown === 1 && value.length % known !== 0)) {
        throw new InvalidArgumentError(`Cannot feed a flat array of ${value.length} values for Tensor '${t.name}' of shape ${formatShape(s)}: pass an NDArray with a shape`);
      }
      v = toNDArray(value, t.dtype, s.map((d) => d ?? value.length / known), what);
    }
  } else {
    try {
      v = toNDArray(value, t.dtype, undefined, what);
    } catch (e) {
      if (e instanceof InvalidArgumentError) throw new InvalidArgumentError(`${e.message} (Tensor '${t.name}' has dtype ${t.dtype})`);
      throw e;
    }
  }
  if (!shapeMatches(t.shape, v.shape)) {
    throw new InvalidArgumentError(`Cannot feed value of shape ${formatShape(v.shape)} for Tensor '${t.name}', which has shape ${formatShape(t.shape)}`);
  }
  return v;
}
