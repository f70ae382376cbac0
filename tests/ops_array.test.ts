// Array ops against hand-computed values and plain-JS references (numpy / Python slicing semantics), written here
// independently of ops/array.ts. Every array op moves values without arithmetic, so every comparison is exact
// (atol = rtol = 0) unless stated.
import * as tf from '../index.js';
import { listOpDefs } from '../ops/registry.js';
import type { ExecutorName } from '../session/session.js';
import { EXECUTORS, evalGraph, evalTensor, expectClose, FLOAT64_EXECUTORS, makeNested, Nested, rng } from './helpers.js';

const EXACT = { atol: 0, rtol: 0 };
const int32 = (v: Nested): tf.Tensor => tf.constant(v as tf.NestedArray, { dtype: 'int32' });
const iota = (shape: number[], start = 0): Nested => makeNested(shape, (i) => i + start);

// ---- plain-JS references --------------------------------------------------------------------------------------------

function flat(x: Nested): number[] { return Array.isArray(x) ? x.flatMap(flat) : [+x]; }

/** Row-major multi-index <-> flat index, for references that work on (shape, values). */
function unravel(i: number, shape: readonly number[]): number[] {
  const out = new Array<number>(shape.length);
  for (let a = shape.length - 1; a >= 0; a--) { out[a] = i % shape[a]; i = Math.floor(i / shape[a]); }
  return out;
}
function ravel(idx: readonly number[], shape: readonly number[]): number {
  return idx.reduce((acc, v, a) => acc * shape[a] + v, 0);
}
const numel = (shape: readonly number[]): number => shape.reduce((p, d) => p * d, 1);

/** numpy's transpose: out[i_0..i_k] = x[j] with j[perm[a]] = i[a]. */
function refTranspose(shape: number[], data: number[], perm: number[]): { shape: number[]; data: number[] } {
  const outShape = perm.map((p) => shape[p]);
  const out = new Array<number>(numel(outShape));
  for (let i = 0; i < out.length; i++) {
    const oi = unravel(i, outShape);
    const src = new Array<number>(shape.length);
    perm.forEach((p, a) => { src[p] = oi[a]; });
    out[i] = data[ravel(src, shape)];
  }
  return { shape: outShape, data: out };
}

/** numpy.concatenate on nested arrays. */
function refConcat(xs: Nested[], axis: number): Nested {
  if (axis === 0) return xs.flatMap((x) => x as Nested[]);
  return (xs[0] as Nested[]).map((_, i) => refConcat(xs.map((x) => (x as Nested[])[i]), axis - 1));
}

/** numpy.stack on nested arrays. */
function refStack(xs: Nested[], axis: number): Nested {
  if (axis === 0) return xs;
  return (xs[0] as Nested[]).map((_, i) => refStack(xs.map((x) => (x as Nested[])[i]), axis - 1));
}

/** numpy.tile with len(reps) == ndim. */
function refTile(x: Nested, reps: number[]): Nested {
  if (reps.length === 0) return x;
  const inner = (x as Nested[]).map((s) => refTile(s, reps.slice(1)));
  return Array.from({ length: reps[0] }, () => inner).flat(1);
}

/** numpy.take(x, indices, axis): indices may be nested. */
function refGather(x: Nested, indices: Nested, axis: number): Nested {
  if (axis > 0) return (x as Nested[]).map((s) => refGather(s, indices, axis - 1));
  const pick = (i: Nested): Nested => (Array.isArray(i) ? i.map(pick) : (x as Nested[])[+i]);
  return pick(indices);
}

/** tf.one_hot: on where index == j, off elsewhere (out-of-range indices give all-off rows); axis inserts depth. */
function refOneHot(indices: Nested, depth: number, axis: number, on = 1, off = 0): Nested {
  const depthOf = (x: Nested): number => (Array.isArray(x) ? 1 + depthOf(x[0]) : 0);
  const r = depthOf(indices);
  const a = axis === -1 ? r : axis;
  const go = (x: Nested, level: number): Nested => {
    if (level === a) return Array.from({ length: depth }, (_, j) => mapLeaves(x, (v) => (v === j ? on : off)));
    return (x as Nested[]).map((s) => go(s, level + 1));
  };
  return go(indices, 0);
}
function mapLeaves(x: Nested, f: (v: number) => number): Nested { return Array.isArray(x) ? x.map((s) => mapLeaves(s, f)) : f(+x); }

// Python slicing: an item is a slice, an integer index, an ellipsis or a new axis (None).
type Item = { s: [number?, number?, number?] } | { i: number } | 'ellipsis' | 'newaxis';
const S = (start?: number, stop?: number, step?: number): Item => ({ s: [start, stop, step] });
const I = (i: number): Item => ({ i });

/** The indices Python's slice(start, stop, step) selects from a sequence of length n (slice.indices + range). */
function pyRange(n: number, start: number | undefined, stop: number | undefined, step = 1): number[] {
  if (step === 0) throw new Error('slice step cannot be zero');
  const norm = (v: number, lo: number, hi: number): number => { if (v < 0) v += n; return Math.min(Math.max(v, lo), hi); };
  let a: number, b: number;
  if (step > 0) { a = start === undefined ? 0 : norm(start, 0, n); b = stop === undefined ? n : norm(stop, 0, n); } else {
    a = start === undefined ? n - 1 : norm(start, -1, n - 1); b = stop === undefined ? -1 : norm(stop, -1, n - 1);
  }
  const out: number[] = [];
  for (let k = a; step > 0 ? k < b : k > b; k += step) out.push(k);
  return out;
}

/** numpy's basic indexing x[items] on (shape, values). */
function pySlice(shape: number[], data: number[], items: Item[]): { shape: number[]; data: number[] } {
  const consuming = items.filter((it) => it !== 'ellipsis' && it !== 'newaxis').length;
  const full: Item[] = [];
  let seen = false;
  for (const it of items) {
    if (it === 'ellipsis' && !seen) { for (let k = 0; k < shape.length - consuming; k++) full.push(S()); seen = true; } else full.push(it);
  }
  if (!seen) while (full.filter((it) => it !== 'newaxis').length < shape.length) full.push(S());
  const sel: number[][] = [];
  const outShape: number[] = [];
  let ax = 0;
  for (const it of full) {
    if (it === 'newaxis') { outShape.push(1); continue; }
    if (it === 'ellipsis') throw new Error('unreachable');
    const n = shape[ax++];
    if ('i' in it) {
      const i = it.i < 0 ? it.i + n : it.i;
      if (i < 0 || i >= n) throw new Error(`index ${it.i} is out of bounds for size ${n}`);
      sel.push([i]);
    } else {
      const r = pyRange(n, ...it.s);
      sel.push(r);
      outShape.push(r.length);
    }
  }
  const selShape = sel.map((s) => s.length);
  const out: number[] = [];
  for (let k = 0; k < numel(selShape); k++) {
    const pos = unravel(k, selShape);
    out.push(data[ravel(pos.map((p, a) => sel[a][p]), shape)]);
  }
  return { shape: outShape, data: out };
}

/** Python's x[items] as TF encodes it (tensorflow/python/ops/array_ops.py _slice_helper). */
function toStridedArgs(items: Item[]): { begin: number[]; end: number[]; strides: number[]; masks: Record<string, number> } {
  const begin: number[] = [], end: number[] = [], strides: number[] = [];
  const m = { beginMask: 0, endMask: 0, ellipsisMask: 0, newAxisMask: 0, shrinkAxisMask: 0 };
  items.forEach((it, k) => {
    const b = 1 << k;
    if (it === 'ellipsis') { begin.push(0); end.push(0); strides.push(1); m.ellipsisMask |= b; } else if (it === 'newaxis') {
      begin.push(0); end.push(0); strides.push(1); m.newAxisMask |= b;
    } else if ('i' in it) {
      begin.push(it.i); end.push(it.i + 1); strides.push(1); m.shrinkAxisMask |= b;
    } else {
      const [start, stop, step] = it.s;
      begin.push(start ?? 0); end.push(stop ?? 0); strides.push(step ?? 1);
      if (start === undefined) m.beginMask |= b;
      if (stop === undefined) m.endMask |= b;
    }
  });
  return { begin, end, strides, masks: m };
}

function stridedSliceOf(x: tf.Tensor, items: Item[], name?: string): tf.Tensor {
  const a = toStridedArgs(items);
  return tf.stridedSlice(x, a.begin, a.end, a.strides, { ...a.masks, name });
}

function describeItems(items: Item[]): string {
  return `[${items.map((it) => (it === 'ellipsis' ? '...' : it === 'newaxis' ? 'None' : 'i' in it ? String(it.i)
    : it.s.map((v, k) => (v === undefined ? '' : String(v))).slice(0, it.s[2] === undefined ? 2 : 3).join(':'))).join(', ')}]`;
}

// ---- fed inputs, for the kernels ------------------------------------------------------------------------------------

/** Deterministic values of a dtype: float32 values exact in f32, int32/int64 of both signs, bools. */
function randomArray(shape: number[], dtype: tf.DType, seed: number): tf.NDArray {
  const r = rng(seed);
  const n = numel(shape);
  const vals = Array.from({ length: n }, () => (dtype === 'bool' ? (r() < 0.5 ? 1 : 0) : dtype !== 'float32' ? Math.floor((r() - 0.5) * 2000)
    : Math.fround((r() - 0.5) * 200)));
  const data = dtype === 'bool' ? Uint8Array.from(vals) : dtype === 'int32' ? Int32Array.from(vals) : dtype === 'int64' ? Float64Array.from(vals)
    : Float32Array.from(vals);
  return tf.ndarray(data, shape, dtype);
}

type Arr = { shape: number[]; data: number[] };
const arr = (v: tf.NDArray): Arr => ({ shape: [...v.shape], data: Array.from(v.data, Number) });

/**
 * Builds `build` on placeholders fed with `values` and runs it: the webgpu executor computes whatever follows from
 * constants on the host, so only fed inputs make its kernels run.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function runFed(ex: ExecutorName, values: tf.NDArray[], build: (xs: tf.Tensor[]) => tf.Tensor | tf.Tensor[]): Promise<any> {
  return evalGraph(ex, () => {
    const xs = values.map((v, i) => tf.placeholder(v.dtype, v.shape, `in${i}`));
    return { xs, y: build(xs) };
  }, (b) => b.y, (b) => new Map(b.xs.map((x, i) => [x, values[i]] as [tf.Tensor, tf.NDArray])));
}

/** numpy.concatenate on (shape, values). */
function refConcatFlat(xs: Arr[], axis: number): Arr {
  const shape = [...xs[0].shape];
  shape[axis] = xs.reduce((a, x) => a + x.shape[axis], 0);
  const data: number[] = [];
  for (let i = 0; i < numel(shape); i++) {
    const c = unravel(i, shape);
    let k = 0;
    while (c[axis] >= xs[k].shape[axis]) { c[axis] -= xs[k].shape[axis]; k++; }
    data.push(xs[k].data[ravel(c, xs[k].shape)]);
  }
  return { shape, data };
}

/** x[..., k, ...] with k on `axis`. */
function refUnstackFlat(x: Arr, axis: number, k: number): Arr {
  const shape = x.shape.filter((_, i) => i !== axis);
  const data: number[] = [];
  for (let i = 0; i < numel(shape); i++) {
    const c = unravel(i, shape);
    c.splice(axis, 0, k);
    data.push(x.data[ravel(c, x.shape)]);
  }
  return { shape, data };
}

/** numpy.tile on (shape, values). */
function refTileFlat(x: Arr, reps: number[]): Arr {
  const shape = x.shape.map((d, i) => d * reps[i]);
  const data: number[] = [];
  for (let i = 0; i < numel(shape); i++) data.push(x.data[ravel(unravel(i, shape).map((c, a) => c % x.shape[a]), x.shape)]);
  return { shape, data };
}

/** tf.gather(p, ind, axis, batch_dims=b): out[c] = p[c[:axis], ind[c[:b], c[axis:axis+r]], c[axis+r:]], r = rank(ind) - b. */
function refGatherFlat(p: Arr, ind: Arr, axis: number, b: number): Arr {
  const r = ind.shape.length - b;
  const shape = [...p.shape.slice(0, axis), ...ind.shape.slice(b), ...p.shape.slice(axis + 1)];
  const data: number[] = [];
  for (let i = 0; i < numel(shape); i++) {
    const c = unravel(i, shape);
    const k = ind.data[ravel([...c.slice(0, b), ...c.slice(axis, axis + r)], ind.shape)];
    data.push(p.data[ravel([...c.slice(0, axis), k, ...c.slice(axis + r)], p.shape)]);
  }
  return { shape, data };
}

// ---------------------------------------------------------------------------------------------------------------------

describe.each(EXECUTORS)('array ops on %s', (ex) => {
  describe('reshape', () => {
    test('values keep row-major order; -1 is inferred; scalars and empty tensors', async () => {
      const x = iota([2, 3]);
      expectClose(await evalTensor(ex, () => tf.reshape(tf.constant(x), [3, 2])), [[0, 1], [2, 3], [4, 5]], EXACT);
      expectClose(await evalTensor(ex, () => tf.reshape(tf.constant(x), [-1])), [0, 1, 2, 3, 4, 5], EXACT);
      expectClose(await evalTensor(ex, () => tf.reshape(tf.constant(x), [3, -1, 1])), [[[0], [1]], [[2], [3]], [[4], [5]]], EXACT);
      const s = await evalTensor(ex, () => tf.reshape(tf.constant([7]), []));
      expect(s.shape).toEqual([]);
      expect(s.toArray()).toBe(7);
      const e = await evalTensor(ex, () => {
        const t = tf.reshape(tf.zeros([0, 3]), [3, -1, 2]);
        expect(t.shape).toEqual([3, 0, 2]);
        return t;
      });
      expectClose(e, [], { shape: [3, 0, 2] });
      const i = await evalTensor(ex, () => tf.reshape(int32([[1, 2], [3, 4]]), [4]));
      expect(i.dtype).toBe('int32');
      expect(i.toArray()).toEqual([1, 2, 3, 4]);
    });

    test('static shapes: fully known, -1 inferred at build time, unknown batch dims', () => {
      tf.resetDefaultGraph();
      expect(tf.reshape(tf.zeros([2, 3, 4]), [-1, 4]).shape).toEqual([6, 4]);
      expect(tf.reshape(tf.zeros([2, 3, 4]), [4, 3, 2]).shape).toEqual([4, 3, 2]);
      const x = tf.placeholder('float32', [null, 28, 28], 'x');
      expect(tf.reshape(x, [-1, 784]).shape).toEqual([null, 784]);
      const y = tf.placeholder('float32', [null, 784], 'y');
      expect(tf.reshape(y, [-1, 28, 28, 1]).shape).toEqual([null, 28, 28, 1]);
      // Output fully known from an input with one unknown dim: known as written.
      expect(tf.reshape(tf.placeholder('float32', [null, 6]), [3, 4]).shape).toEqual([3, 4]);
      // Unknown rank in: the target decides.
      expect(tf.reshape(tf.placeholder('float32'), [-1, 5]).shape).toEqual([null, 5]);
      // Shape from a tensor: tf.shape of a known shape is known; a placeholder shape gives only the rank.
      expect(tf.reshape(tf.zeros([6]), tf.shape(tf.zeros([2, 3]))).shape).toEqual([2, 3]);
      expect(tf.reshape(tf.zeros([6]), tf.placeholder('int32', [3])).shape).toEqual([null, null, null]);
      expect(tf.reshape(tf.zeros([6]), tf.placeholder('int32')).shape).toBeNull();
      // A packed shape keeps its known entries.
      const n = tf.placeholder('int32', [], 'n');
      expect(tf.reshape(tf.placeholder('float32', [null]), tf.stack([n, 4])).shape).toEqual([null, 4]);
    });

    test('TF1 node layout: Reshape/shape (Const) feeding Reshape', () => {
      tf.resetDefaultGraph();
      const r = tf.reshape(tf.placeholder('float32', [4], 'x'), [2, 2]);
      expect(r.op.name).toBe('Reshape');
      expect(r.op.type).toBe('Reshape');
      expect(r.op.inputs[1].op.name).toBe('Reshape/shape');
      expect(r.op.inputs[1].op.type).toBe('Const');
      expect(r.op.attrs).toMatchObject({ T: 'float32', Tshape: 'int32' });
      expect(tf.reshape(r, [4]).op.name).toBe('Reshape_1');
    });

    test('build-time errors name the node', () => {
      tf.resetDefaultGraph();
      const c = tf.constant([1, 2, 3, 4, 5, 6]);
      expect(() => tf.reshape(c, [4], { name: 'r' })).toThrow(tf.errors.InvalidArgumentError);
      expect(() => tf.reshape(c, [4], { name: 'r2' }))
        .toThrow(/'r2'.*Cannot reshape a tensor with 6 elements to shape \[4\] \(4 elements\)/);
      expect(() => tf.reshape(c, [-1, 4], { name: 'r3' })).toThrow(/'r3'.*6 elements.*\[-1,4\]/);
      expect(() => tf.reshape(c, [-1, -1], { name: 'r4' })).toThrow(/'r4'.*Only one input size may be -1/);
      expect(() => tf.reshape(c, [-2, -3], { name: 'r5' })).toThrow(/'r5'.*non-negative/);
      expect(() => tf.reshape(tf.placeholder('float32', [null, 5]), [3, 4], { name: 'r6' })).toThrow(/'r6'.*not divisible/);
    });

    test('run-time size mismatch is an InvalidArgumentError naming the node', async () => {
      const build = (): tf.Tensor => tf.reshape(tf.placeholder('float32', [null, 2], 'x'), [4], { name: 'rr' });
      await expect(evalGraph(ex, build, (t) => t, () => ({ x: [[1, 2], [3, 4], [5, 6]] }))).rejects.toThrow(tf.errors.InvalidArgumentError);
      // The optimizer re-runs the shape rule with the fed shapes (shape specialisation) before any executor runs the
      // plan: the message is the shape rule's, on every executor.
      await expect(evalGraph(ex, build, (t) => t, () => ({ x: [[1, 2], [3, 4], [5, 6]] })))
        .rejects.toThrow(/Reshape node 'rr'.*6 elements to shape \[4\]/);
      await expect(evalGraph(ex, () => tf.reshape(tf.placeholder('float32', [null], 'x'), [-1, 2], { name: 'odd' }), (t) => t,
        () => ({ x: [1, 2, 3] }))).rejects.toThrow(/'odd'.*3 is not divisible by 2/);
    });

    test('unknown batch dim at run time: [?, 28, 28] -> [-1, 784]', async () => {
      const data = makeNested([2, 28, 28], (i) => i % 251);
      const r = await evalGraph(ex, () => tf.reshape(tf.placeholder('float32', [null, 28, 28], 'x'), [-1, 784]), (t) => t,
        () => ({ x: data as tf.NestedArray }));
      expect(r.shape).toEqual([2, 784]);
      expect(Array.from(r.data)).toEqual(flat(data));
    });
  });

  describe('transpose', () => {
    test('default reverses the axes; explicit permutations match numpy', async () => {
      const shape = [2, 3, 4];
      const data = flat(iota(shape));
      for (const perm of [undefined, [0, 1, 2], [1, 0, 2], [2, 0, 1], [0, 2, 1]]) {
        const ref = refTranspose(shape, data, perm ?? [2, 1, 0]);
        const r = await evalTensor(ex, () => tf.transpose(tf.constant(iota(shape) as tf.NestedArray), perm));
        expectClose(r, ref.data, { shape: ref.shape, ...EXACT });
      }
      expectClose(await evalTensor(ex, () => tf.transpose(int32([[1, 2, 3], [4, 5, 6]]))), [[1, 4], [2, 5], [3, 6]], EXACT);
      expectClose(await evalTensor(ex, () => tf.transpose(tf.zeros([0, 2]))), [], { shape: [2, 0] });
    });

    test('unknown rank: the default permutation is built from Rank and Range', async () => {
      const r = await evalGraph(ex, () => {
        const t = tf.transpose(tf.placeholder('float32', undefined, 'x'));
        expect(t.shape).toBeNull();
        return t;
      }, (t) => t, () => ({ x: [[1, 2, 3], [4, 5, 6]] }));
      expectClose(r, [[1, 4], [2, 5], [3, 6]], EXACT);
    });

    test('static shapes and errors', () => {
      tf.resetDefaultGraph();
      const x = tf.placeholder('float32', [null, 3, 5]);
      const t0 = tf.transpose(x);
      expect(t0.op.name).toBe('transpose');
      expect(t0.op.inputs[1].op.name).toBe('transpose/perm');
      expect(t0.shape).toEqual([5, 3, null]);
      expect(tf.transpose(x, [1, 0, 2]).shape).toEqual([3, null, 5]);
      expect(tf.transpose(x, tf.placeholder('int32', [3])).shape).toEqual([null, null, null]);
      expect(() => tf.transpose(x, [0, 1], { name: 'tp' })).toThrow(/'tp'.*vector of size 3/);
      expect(() => tf.transpose(x, [0, 1, 1], { name: 'tp2' })).toThrow(tf.errors.InvalidArgumentError);
      expect(() => tf.transpose(x, [0, 1, 3], { name: 'tp3' })).toThrow(/'tp3'.*out of range/);
    });
  });

  describe('expandDims and squeeze', () => {
    test('expandDims inserts a 1 at positive and negative axes', async () => {
      const x = [[1, 2, 3], [4, 5, 6]];
      expectClose(await evalTensor(ex, () => tf.expandDims(tf.constant(x), 0)), [x], EXACT);
      expectClose(await evalTensor(ex, () => tf.expandDims(tf.constant(x), 1)), [[[1, 2, 3]], [[4, 5, 6]]], EXACT);
      expectClose(await evalTensor(ex, () => tf.expandDims(tf.constant(x), -1)), x.map((r) => r.map((v) => [v])), EXACT);
      expectClose(await evalTensor(ex, () => tf.expandDims(tf.constant(x), -3)), [x], EXACT);
      expectClose(await evalTensor(ex, () => tf.expandDims(tf.constant(5), 0)), [5], EXACT);
      tf.resetDefaultGraph();
      const p = tf.placeholder('float32', [null, 4]);
      expect(tf.expandDims(p, -1).shape).toEqual([null, 4, 1]);
      expect(tf.expandDims(p, 1).shape).toEqual([null, 1, 4]);
      expect(tf.expandDims(tf.placeholder('float32'), 0).shape).toBeNull();
      expect(() => tf.expandDims(p, 3, { name: 'ed' })).toThrow(/'ed'.*expand dim index 3/);
      expect(() => tf.expandDims(p, -4, { name: 'ed2' })).toThrow(tf.errors.InvalidArgumentError);
    });

    test('squeeze removes all 1s, or the given axes', async () => {
      const x = [[[1], [2], [3]]]; // [1, 3, 1]
      expectClose(await evalTensor(ex, () => tf.squeeze(tf.constant(x))), [1, 2, 3], EXACT);
      expectClose(await evalTensor(ex, () => tf.squeeze(tf.constant(x), [0])), [[1], [2], [3]], EXACT);
      expectClose(await evalTensor(ex, () => tf.squeeze(tf.constant(x), -1)), [[1, 2, 3]], EXACT);
      expectClose(await evalTensor(ex, () => tf.squeeze(tf.constant([[5]]))), 5, EXACT);
      expectClose(await evalTensor(ex, () => tf.squeeze(tf.zeros([1, 0, 1]))), [], { shape: [0] });
    });

    test('squeeze static shapes and errors', async () => {
      tf.resetDefaultGraph();
      const p = tf.placeholder('float32', [null, 1, 3]);
      expect(tf.squeeze(p).shape).toBeNull(); // an unknown dim might be 1
      expect(tf.squeeze(p, [1]).shape).toEqual([null, 3]);
      expect(tf.squeeze(p, [0, 1]).shape).toEqual([3]);
      expect(() => tf.squeeze(p, [2], { name: 'sq' })).toThrow(/'sq'.*Can not squeeze dim\[2\], expected a dimension of 1, got 3/);
      expect(() => tf.squeeze(p, [3], { name: 'sq2' })).toThrow(/'sq2'.*squeeze dim index 3/);
      await expect(evalGraph(ex, () => tf.squeeze(tf.placeholder('float32', [null, 1], 'x'), [0], { name: 'sq3' }), (t) => t,
        () => ({ x: [[1], [2]] }))).rejects.toThrow(/'sq3'.*expected a dimension of 1, got 2/);
    });
  });

  describe('concat', () => {
    test('matches numpy.concatenate on every axis, negative axes included', async () => {
      const r = rng(1);
      const a = makeNested([2, 3, 2], () => Math.floor(r() * 100));
      const b = makeNested([2, 3, 4], () => Math.floor(r() * 100));
      const c = makeNested([2, 3, 1], () => Math.floor(r() * 100));
      for (const axis of [2, -1]) {
        expectClose(await evalTensor(ex, () => tf.concat([tf.constant(a as tf.NestedArray), tf.constant(b as tf.NestedArray),
          tf.constant(c as tf.NestedArray)], axis)), refConcat([a, b, c], 2), EXACT);
      }
      const d = makeNested([1, 3, 2], (i) => -i);
      expectClose(await evalTensor(ex, () => tf.concat([tf.constant(a as tf.NestedArray), tf.constant(d as tf.NestedArray)], 0)),
        refConcat([a, d], 0), EXACT);
      expectClose(await evalTensor(ex, () => tf.concat([tf.constant(a as tf.NestedArray), tf.constant(a as tf.NestedArray)], -2)),
        refConcat([a, a], 1), EXACT);
    });

    test('int32, empty inputs, JS values taking the tensor dtype, a single value', async () => {
      expectClose(await evalTensor(ex, () => tf.concat([int32([1, 2]), [3]], 0)), [1, 2, 3], { dtype: 'int32', ...EXACT });
      expectClose(await evalTensor(ex, () => tf.concat([tf.zeros([2, 0]), tf.ones([2, 2])], 1)), [[1, 1], [1, 1]], EXACT);
      expectClose(await evalTensor(ex, () => tf.concat([tf.zeros([0, 2]), tf.zeros([0, 2])], 0)), [], { shape: [0, 2] });
      const one = await evalTensor(ex, () => {
        const t = tf.concat([tf.constant([1, 2])], 0);
        expect(t.op.type).toBe('Identity');
        expect(t.op.name).toBe('concat');
        return t;
      });
      expectClose(one, [1, 2], EXACT);
    });

    test('static shapes with unknown dims, and errors naming the node', () => {
      tf.resetDefaultGraph();
      const a = tf.placeholder('float32', [null, 3]);
      const b = tf.placeholder('float32', [null, 4]);
      const c = tf.concat([a, b], 1);
      expect(c.op.name).toBe('concat');
      expect(c.op.inputs[2].op.name).toBe('concat/axis');
      expect(c.op.attrs).toMatchObject({ N: 2, T: 'float32', Tidx: 'int32' });
      expect(c.shape).toEqual([null, 7]);
      expect(tf.concat([a, b], -1).shape).toEqual([null, 7]);
      expect(tf.concat([tf.placeholder('float32', [2, null]), tf.placeholder('float32', [3, 5])], 0).shape).toEqual([5, 5]);
      expect(tf.concat([a, tf.placeholder('float32')], 0).shape).toEqual([null, 3]);
      expect(tf.concat([a, b], tf.placeholder('int32', [])).shape).toEqual([null, null]);
      expect(() => tf.concat([a, b], 0, { name: 'cc' })).toThrow(tf.errors.InvalidArgumentError);
      expect(() => tf.concat([a, b], 0, { name: 'cc2' })).toThrow(/'cc2'.*Dimension 1 in both shapes must be equal, but are 3 and 4/);
      expect(() => tf.concat([a, b], 2, { name: 'cc3' })).toThrow(/'cc3'.*range \[-2, 2\), but got 2/);
      expect(() => tf.concat([a, tf.placeholder('float32', [1, 2, 3])], 0, { name: 'cc4' })).toThrow(/'cc4'.*Ranks/);
      expect(() => tf.concat([a, tf.placeholder('int32', [1, 3])], 0, { name: 'cc5' })).toThrow(/cc5.*dtype/);
      expect(() => tf.concat([tf.constant(1), tf.constant(2)], 0, { name: 'cc6' })).toThrow(/'cc6'.*scalars/);
    });

    test('mismatched shapes fed at run time fail naming the node', async () => {
      await expect(evalGraph(ex, () => tf.concat([tf.placeholder('float32', [null, null], 'a'), tf.constant([[1, 2]])], 0, { name: 'cat' }),
        (t) => t, () => ({ a: [[1, 2, 3]] }))).rejects.toThrow(/ConcatV2 node 'cat'.*\[1,3\].*\[1,2\]/);
    });
  });

  describe('stack and unstack', () => {
    test('stack matches numpy.stack on every axis', async () => {
      const xs = [iota([2, 3]), iota([2, 3], 10), iota([2, 3], 20)];
      for (const [axis, refAxis] of [[0, 0], [1, 1], [2, 2], [-1, 2], [-3, 0]]) {
        expectClose(await evalTensor(ex, () => tf.stack(xs.map((x) => tf.constant(x as tf.NestedArray)), axis)), refStack(xs, refAxis), EXACT);
      }
      expectClose(await evalTensor(ex, () => tf.stack([tf.constant(1), 2, 3])), [1, 2, 3], EXACT);
      expectClose(await evalTensor(ex, () => tf.stack([tf.zeros([0]), tf.zeros([0])], 1)), [], { shape: [0, 2] });
    });

    test('stack static shapes and errors', () => {
      tf.resetDefaultGraph();
      const a = tf.placeholder('float32', [null, 3]);
      const b = tf.placeholder('float32', [2, null]);
      expect(tf.stack([a]).op.name).toBe('stack');
      expect(tf.stack([a, b]).shape).toEqual([2, 2, 3]);
      expect(tf.stack([a, a], 1).shape).toEqual([null, 2, 3]);
      expect(tf.stack([a, tf.placeholder('float32')], -1).shape).toEqual([null, 3, 2]);
      expect(() => tf.stack([a, tf.placeholder('float32', [null, 4])], 0, { name: 'st' })).toThrow(/'st'.*Shapes of all inputs must match/);
      expect(() => tf.stack([a, a], 3, { name: 'st2' })).toThrow(/'st2'.*axis = 3 not in \[-3, 3\)/);
    });

    test('unstack returns the slices along the axis', async () => {
      const x = iota([2, 3, 2]);
      const outs0 = await evalGraph(ex, () => tf.unstack(tf.constant(x as tf.NestedArray)), (ts) => ts);
      expect(outs0.length).toBe(2);
      (x as Nested[]).forEach((s, i) => expectClose(outs0[i], s, EXACT));
      const outs1 = await evalGraph(ex, () => tf.unstack(tf.constant(x as tf.NestedArray), { axis: 1 }), (ts) => ts);
      expect(outs1.length).toBe(3);
      for (let j = 0; j < 3; j++) expectClose(outs1[j], refGather(x, j, 1), EXACT);
      const outsLast = await evalGraph(ex, () => tf.unstack(tf.constant(x as tf.NestedArray), { axis: -1 }), (ts) => ts);
      expect(outsLast.length).toBe(2);
      for (let j = 0; j < 2; j++) expectClose(outsLast[j], refGather(x, j, 2), EXACT);
    });

    test('unstack infers num from the static shape, or takes it; errors', async () => {
      tf.resetDefaultGraph();
      const p = tf.placeholder('float32', [null, 3]);
      const cols = tf.unstack(p, { axis: 1 });
      expect(cols.length).toBe(3);
      expect(cols[0].shape).toEqual([null]);
      expect(cols[0].op.name).toBe('unstack');
      expect(cols.map((t) => t.name)).toEqual(['unstack:0', 'unstack:1', 'unstack:2']);
      expect(() => tf.unstack(p, { name: 'us' })).toThrow(/us.*Cannot infer num/);
      expect(tf.unstack(p, { num: 2 }).length).toBe(2);
      expect(() => tf.unstack(p, { num: 2, axis: 1, name: 'us2' })).toThrow(/'us2'.*num = 2/);
      const rows = await evalGraph(ex, () => tf.unstack(tf.placeholder('float32', [null, 2], 'x'), { num: 2 }), (ts) => ts,
        () => ({ x: [[1, 2], [3, 4]] }));
      expectClose(rows[1], [3, 4], EXACT);
      await expect(evalGraph(ex, () => tf.unstack(tf.placeholder('float32', [null, 2], 'x'), { num: 2, name: 'us3' }), (ts) => ts,
        () => ({ x: [[1, 2]] }))).rejects.toThrow(/'us3'/);
    });
  });

  describe('slice', () => {
    test('matches numpy x[b0:b0+s0, ...] with size -1 meaning to the end', async () => {
      const shape = [3, 4, 2];
      const x = iota(shape);
      const data = flat(x);
      const cases: Array<[number[], number[]]> = [
        [[0, 0, 0], [3, 4, 2]], [[1, 0, 0], [1, -1, -1]], [[1, 1, 1], [2, 2, 1]], [[2, 3, 0], [-1, -1, 2]], [[0, 4, 0], [3, 0, 2]],
      ];
      for (const [b, s] of cases) {
        const ref = pySlice(shape, data, b.map((bi, i) => S(bi, s[i] === -1 ? undefined : bi + s[i])));
        const r = await evalTensor(ex, () => tf.slice(tf.constant(x as tf.NestedArray), b, s));
        expectClose(r, ref.data, { shape: ref.shape, ...EXACT });
      }
    });

    test('static shapes and errors', async () => {
      tf.resetDefaultGraph();
      const p = tf.placeholder('float32', [null, 5]);
      expect(tf.slice(p, [0, 1], [2, -1]).shape).toEqual([2, 4]);
      expect(tf.slice(p, [1, 1], [-1, 3]).shape).toEqual([null, 3]);
      expect(tf.slice(p, tf.placeholder('int32', [2]), [-1, 3]).shape).toEqual([null, 3]);
      expect(tf.slice(tf.placeholder('float32'), [0, 0, 0], [1, 2, 3]).shape).toEqual([1, 2, 3]);
      expect(() => tf.slice(p, [0, 3], [1, 3], { name: 'sl' })).toThrow(/'sl'.*Expected size\[1\] in \[0, 2\], but got 3/);
      expect(() => tf.slice(p, [0, 6], [1, -1], { name: 'sl2' })).toThrow(/'sl2'.*begin\[1\]/);
      expect(() => tf.slice(p, [0], [1], { name: 'sl3' })).toThrow(/'sl3'.*size 2/);
      await expect(evalGraph(ex, () => tf.slice(tf.placeholder('float32', [null], 'x'), [1], [3], { name: 'sl4' }), (t) => t,
        () => ({ x: [1, 2, 3] }))).rejects.toThrow(/Slice node 'sl4'.*size\[0\]/);
    });
  });

  describe('stridedSlice', () => {
    const shape = [4, 5, 3];
    const x = iota(shape);
    const data = flat(x);

    test.each<[string, Item[]]>([
      ['x[1:-1:2, ::-1]', [S(1, -1, 2), S(undefined, undefined, -1)]],
      ['x[..., 0]', ['ellipsis', I(0)]],
      ['x[:, None]', [S(), 'newaxis']],
      ['x[-1]', [I(-1)]],
      ['x[::-2, 1:]', [S(undefined, undefined, -2), S(1)]],
      ['x[None, ..., None]', ['newaxis', 'ellipsis', 'newaxis']],
      ['x[3:0:-1, -2, ::2]', [S(3, 0, -1), I(-2), S(undefined, undefined, 2)]],
      ['x[10:1:-2]', [S(10, 1, -2)]],
      ['x[2:2]', [S(2, 2)]],
      ['x[1, ..., None, 1:]', [I(1), 'ellipsis', 'newaxis', S(1)]],
      ['x[-100:100, -3:-1:1, -1::-1]', [S(-100, 100), S(-3, -1, 1), S(-1, undefined, -1)]],
      ['x[0, 0, 0]', [I(0), I(0), I(0)]],
      ['x[...]', ['ellipsis']],
      ['x[:, :, :, None]', [S(), S(), S(), 'newaxis']],
    ])('%s matches Python slicing', async (_, items) => {
      // The input is fed, so the slice runs as a kernel (a constant input would be sliced on the host).
      const ref = pySlice(shape, data, items);
      const r = await evalGraph(ex, () => {
        const t = stridedSliceOf(tf.placeholder('float32', shape, 'x'), items);
        expect(t.shape).toEqual(ref.shape);
        return t;
      }, (t) => t, () => ({ x: x as tf.NestedArray }));
      expectClose(r, ref.data, { shape: ref.shape, ...EXACT });
    });

    test('random specs match Python slicing (shapes with empty dims included)', async () => {
      const r = rng(7);
      const ri = (lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));
      const opt = (lo: number, hi: number): number | undefined => (r() < 0.3 ? undefined : ri(lo, hi));
      const g = new tf.Graph();
      const cases: Array<{ t: tf.Tensor; ref: { shape: number[]; data: number[] }; what: string }> = [];
      const feeds = new Map<tf.Tensor, tf.NDArray>();
      g.asDefault(() => {
        for (let n = 0; n < 150; n++) {
          const rank = ri(1, 3);
          const shp = Array.from({ length: rank }, () => ri(0, 4));
          const vals = makeNested(shp, (i) => i * 3 + 1);
          const items: Item[] = [];
          let consumed = 0, ellipsis = false;
          const len = ri(0, rank + 1);
          for (let k = 0; k < len; k++) {
            const u = r();
            if (u < 0.1 && !ellipsis) { items.push('ellipsis'); ellipsis = true; } else if (u < 0.2) items.push('newaxis');
            else if (consumed < rank) {
              // Which input dim this item reads: before the ellipsis it is `consumed`; after it, counted from the end.
              const dim = ellipsis ? undefined : shp[consumed];
              if (u < 0.35 && dim !== undefined && dim > 0) items.push(I(ri(-dim, dim - 1)));
              else {
                let step = opt(-3, 3);
                if (step === 0) step = 1;
                items.push(S(opt(-6, 6), opt(-6, 6), step));
              }
              consumed++;
            }
          }
          const ref = pySlice(shp, flat(vals), items);
          // Int32 inputs, fed, so each slice runs as a kernel.
          const p = tf.placeholder('int32', shp, `x${n}`);
          feeds.set(p, tf.ndarray(Int32Array.from(flat(vals)), shp, 'int32'));
          cases.push({ t: stridedSliceOf(p, items), ref, what: `${describeItems(items)} of ${JSON.stringify(shp)}` });
        }
      });
      const sess = await tf.Session.create({ graph: g, executor: ex });
      try {
        const outs = await sess.run(cases.map((c) => c.t), feeds) as tf.NDArray[];
        cases.forEach((c, k) => {
          try {
            expect(c.t.shape).toEqual(c.ref.shape);
            expectClose(outs[k], c.ref.data, { shape: c.ref.shape, ...EXACT });
          } catch (e) {
            throw new Error(`${c.what}: ${(e as Error).message}`);
          }
        });
      } finally {
        await sess.close();
      }
    });

    test('static shapes with unknown dims and unknown begin/end', () => {
      tf.resetDefaultGraph();
      const p = tf.placeholder('float32', [null, 5]);
      expect(stridedSliceOf(p, [S(), S(1, 3)]).shape).toEqual([null, 2]);
      expect(stridedSliceOf(p, [I(0)]).shape).toEqual([5]);
      expect(stridedSliceOf(p, ['ellipsis', I(-1)]).shape).toEqual([null]);
      expect(stridedSliceOf(p, [S(), 'newaxis', S(undefined, undefined, -1)]).shape).toEqual([null, 1, 5]);
      const b = tf.placeholder('int32', [2]);
      // begin unknown: only fully masked dims (and shrunk ones) are known.
      expect(tf.stridedSlice(p, b, [0, 0], [1, 1], { endMask: 3 }).shape).toEqual([null, null]);
      expect(tf.stridedSlice(p, b, [0, 0], [1, 1], { beginMask: 2, endMask: 2, shrinkAxisMask: 1 }).shape).toEqual([5]);
      expect(tf.stridedSlice(tf.placeholder('float32'), [0], [1], [1]).shape).toBeNull();
      expect(tf.stridedSlice(p, [0], [1], tf.placeholder('int32', [1])).shape).toBeNull();
    });

    test('a tensor begin gets strides of ones (OnesLike); runs with fed begin/end', async () => {
      const run = (): Promise<tf.NDArray> => evalGraph(ex, () => tf.stridedSlice(tf.constant(x as tf.NestedArray), tf.placeholder('int32', [2], 'b'),
        tf.placeholder('int32', [2], 'e')), (t) => t, () => ({ b: tf.ndarray([1, 2], [2], 'int32'), e: tf.ndarray([3, 4], [2], 'int32') }));
      if (ex === 'webgpu') {
        // The output shape depends on the fed begin/end: the webgpu executor needs every shape when it compiles a plan.
        await expect(run()).rejects.toThrow(tf.errors.UnimplementedError);
        await expect(run()).rejects.toThrow(/'StridedSlice:0'.*depends on values known only at run time/);
        return;
      }
      const ref = pySlice(shape, data, [S(1, 3), S(2, 4)]);
      expectClose(await run(), ref.data, { shape: ref.shape, ...EXACT });
    });

    test('errors name the node, at build time and at run time', async () => {
      tf.resetDefaultGraph();
      const c = tf.constant(x as tf.NestedArray);
      expect(() => stridedSliceOf(c, [I(4)], 'ss')).toThrow(tf.errors.InvalidArgumentError);
      expect(() => stridedSliceOf(c, [I(4)], 'ss1')).toThrow(/'ss1'.*slice index 4 of dimension 0 out of bounds/);
      expect(() => stridedSliceOf(c, [I(-5)], 'ss2')).toThrow(/'ss2'.*out of bounds/);
      expect(() => tf.stridedSlice(c, [0], [1], [0], { name: 'ss3' })).toThrow(/'ss3'.*strides\[0\] must be non-zero/);
      expect(() => tf.stridedSlice(c, [0, 0], [1, 1], [1, 1], { ellipsisMask: 3, name: 'ss4' })).toThrow(/'ss4'.*Multiple ellipses/);
      expect(() => stridedSliceOf(c, [I(0), I(0), I(0), I(0)], 'ss5')).toThrow(/'ss5'.*Index out of range using input dim 3/);
      expect(() => tf.stridedSlice(c, [0, 0], [1], [1, 1], { name: 'ss6' })).toThrow(/'ss6'.*1D equal size/);
      await expect(evalGraph(ex, () => stridedSliceOf(tf.placeholder('float32', [null], 'v'), [I(2)], 'ss7'), (t) => t,
        () => ({ v: [1, 2] }))).rejects.toThrow(/StridedSlice node 'ss7'.*out of bounds/);
    });
  });

  describe('tile', () => {
    test('matches numpy.tile', async () => {
      const x = iota([2, 3]);
      for (const m of [[1, 1], [2, 1], [1, 3], [2, 2], [0, 2], [3, 0]]) {
        const ref = refTile(x, m);
        const r = await evalTensor(ex, () => tf.tile(tf.constant(x as tf.NestedArray), m));
        expectClose(r, flat(ref), { shape: [2 * m[0], 3 * m[1]], ...EXACT });
      }
      expectClose(await evalTensor(ex, () => tf.tile(int32([[1], [2]]), [2, 3])), refTile([[1], [2]], [2, 3]), { dtype: 'int32', ...EXACT });
      expectClose(await evalTensor(ex, () => tf.tile(tf.constant([true, false]), [2])), [1, 0, 1, 0], { dtype: 'bool', ...EXACT });
    });

    test('static shapes and errors', async () => {
      tf.resetDefaultGraph();
      const p = tf.placeholder('float32', [null, 3]);
      expect(tf.tile(p, [2, 2]).shape).toEqual([null, 6]);
      expect(tf.tile(p, [0, 2]).shape).toEqual([0, 6]);
      expect(tf.tile(p, tf.placeholder('int32', [2])).shape).toEqual([null, null]);
      expect(tf.tile(tf.placeholder('float32'), [1, 2]).shape).toEqual([null, null]);
      expect(() => tf.tile(p, [2], { name: 'tl' })).toThrow(/'tl'.*vector of length 2 but got length 1/);
      expect(() => tf.tile(p, [2, -1], { name: 'tl2' })).toThrow(/'tl2'.*multiples >= 0/);
      const r = await evalGraph(ex, () => tf.tile(tf.placeholder('float32', [null, 3], 'x'), [2, 1]), (t) => t, () => ({ x: [[1, 2, 3]] }));
      expectClose(r, [[1, 2, 3], [1, 2, 3]], EXACT);
    });
  });

  describe('fill, zeros, ones, zerosLike, onesLike', () => {
    test('fill takes the value dtype; shapes from numbers or tensors', async () => {
      expectClose(await evalTensor(ex, () => tf.fill([2, 3], 7)), [[7, 7, 7], [7, 7, 7]], { dtype: 'float32', ...EXACT });
      expectClose(await evalTensor(ex, () => tf.fill([2], int32(4))), [4, 4], { dtype: 'int32', ...EXACT });
      expectClose(await evalTensor(ex, () => tf.fill(tf.shape(tf.zeros([1, 2])), 1.5)), [[1.5, 1.5]], EXACT);
      expectClose(await evalTensor(ex, () => tf.fill([0, 2], 1)), [], { shape: [0, 2] });
      expectClose(await evalTensor(ex, () => tf.fill([], 3)), 3, EXACT);
      tf.resetDefaultGraph();
      expect(tf.fill([2, 3], 1).shape).toEqual([2, 3]);
      expect(tf.fill(tf.placeholder('int32', [2]), 1).shape).toEqual([null, null]);
      expect(() => tf.fill([2, -1], 1, { name: 'fl' })).toThrow(/'fl'.*non-negative/);
      expect(() => tf.fill([2], [1, 2], { name: 'fl2' })).toThrow(/'fl2'.*scalar/);
    });

    test('zeros and ones: a Const for JS shapes, a Fill for tensor shapes; dtypes', async () => {
      tf.resetDefaultGraph();
      const z = tf.zeros([2, 3]);
      expect(z.op.type).toBe('Const');
      expect(z.op.name).toBe('zeros');
      expect(z.dtype).toBe('float32');
      const f = tf.ones(tf.placeholder('int32', [2]), { dtype: 'int32' });
      expect(f.op.type).toBe('Fill');
      expect(f.op.name).toBe('ones');
      expect(f.shape).toEqual([null, null]);
      expectClose(await evalTensor(ex, () => tf.zeros([2, 2])), [[0, 0], [0, 0]], EXACT);
      expectClose(await evalTensor(ex, () => tf.ones([3], { dtype: 'int32' })), [1, 1, 1], { dtype: 'int32', ...EXACT });
      expectClose(await evalTensor(ex, () => tf.ones([2], { dtype: 'bool' })), [1, 1], { dtype: 'bool', ...EXACT });
      expectClose(await evalTensor(ex, () => tf.zeros([0, 4])), [], { shape: [0, 4] });
      expectClose(await evalTensor(ex, () => tf.ones([])), 1, EXACT);
      const run = (): Promise<tf.NDArray> => evalGraph(ex, () => tf.ones(tf.placeholder('int32', [2], 's'), { dtype: 'float64' }), (t) => t,
        () => ({ s: tf.ndarray([2, 1], [2], 'int32') }));
      // A fed shape is a shape known only at run time: the webgpu executor refuses it when it compiles the plan.
      if (ex === 'webgpu') await expect(run()).rejects.toThrow(/'ones:0' \(Fill\).*known only at run time/);
      else expectClose(await run(), [[1], [1]], { dtype: 'float64', ...EXACT });
      expect(() => tf.zeros([2, -1])).toThrow(tf.errors.InvalidArgumentError);
    });

    test('zerosLike and onesLike keep the shape, and the dtype unless given', async () => {
      expectClose(await evalTensor(ex, () => tf.zerosLike(tf.constant([[1, 2], [3, 4]]))), [[0, 0], [0, 0]], { dtype: 'float32', ...EXACT });
      expectClose(await evalTensor(ex, () => tf.onesLike(int32([5, 6, 7]))), [1, 1, 1], { dtype: 'int32', ...EXACT });
      expectClose(await evalTensor(ex, () => tf.onesLike(tf.constant([true, false]))), [1, 1], { dtype: 'bool', ...EXACT });
      expectClose(await evalTensor(ex, () => tf.onesLike(tf.constant([1.5, 2]), { dtype: 'int32' })), [1, 1], { dtype: 'int32', ...EXACT });
      expectClose(await evalTensor(ex, () => tf.zerosLike(int32([3]), { dtype: 'float64' })), [0], { dtype: 'float64', ...EXACT });
      expectClose(await evalTensor(ex, () => tf.zerosLike(tf.zeros([0, 3]))), [], { shape: [0, 3] });
      tf.resetDefaultGraph();
      const p = tf.placeholder('float32', [null, 3]);
      const z = tf.zerosLike(p);
      expect(z.shape).toEqual([null, 3]);
      expect(z.op.type).toBe('ZerosLike');
      expect(z.op.name).toBe('zeros_like');
      expect(tf.onesLike(p, { dtype: 'int32' }).shape).toEqual([null, 3]);
      const r = await evalGraph(ex, () => tf.onesLike(tf.placeholder('float32', [null, 2], 'x'), { dtype: 'int64' }), (t) => t,
        () => ({ x: [[1, 2], [3, 4], [5, 6]] }));
      expectClose(r, [[1, 1], [1, 1], [1, 1]], { dtype: 'int64', ...EXACT });
    });
  });

  describe('shape, size, rank', () => {
    test('values for known and fed shapes', async () => {
      const x = tf.ndarray(makeNested([2, 3, 4], (i) => i) as tf.NestedArray);
      const out = await evalGraph(ex, () => {
        const p = tf.placeholder('float32', [null, 3, null], 'x');
        return { s: tf.shape(p), s64: tf.shape(p, { outType: 'int64' }), n: tf.size(p), r: tf.rank(p), e: tf.shape(tf.zeros([0, 5])), sc: tf.shape(tf.constant(1)) };
      }, (b) => b, () => ({ x }));
      expectClose(out.s, [2, 3, 4], { dtype: 'int32', ...EXACT });
      expectClose(out.s64, [2, 3, 4], { dtype: 'int64', ...EXACT });
      expectClose(out.n, 24, { dtype: 'int32', ...EXACT });
      expectClose(out.r, 3, { dtype: 'int32', ...EXACT });
      expectClose(out.e, [0, 5], EXACT);
      expectClose(out.sc, [], { shape: [0] });
      const u = await evalGraph(ex, () => ({ r: tf.rank(tf.placeholder('float32', undefined, 'x')), s: tf.shape(tf.placeholder('float32', undefined, 'x_1')) }),
        (b) => b, () => ({ x: [[1, 2]], x_1: [[[1]]] }));
      expectClose(u.r, 2, EXACT);
      expectClose(u.s, [1, 1, 1], EXACT);
    });

    test('static shapes and dtypes', () => {
      tf.resetDefaultGraph();
      const p = tf.placeholder('float32', [null, 3]);
      expect(tf.shape(p).shape).toEqual([2]);
      expect(tf.shape(tf.placeholder('float32')).shape).toEqual([null]);
      expect(tf.size(p).shape).toEqual([]);
      expect(tf.size(p, { outType: 'int64' }).dtype).toBe('int64');
      expect(tf.rank(p).shape).toEqual([]);
      expect(tf.rank(p).dtype).toBe('int32');
      expect(() => tf.shape(p, { outType: 'float32' })).toThrow(tf.errors.InvalidArgumentError);
    });

    test('reductions over an unknown rank use Range and Rank', async () => {
      const r = await evalGraph(ex, () => tf.reduceSum(tf.placeholder('float32', undefined, 'x')), (t) => t, () => ({ x: [[1, 2], [3, 4]] }));
      expectClose(r, 10, EXACT);
    });
  });

  describe('range', () => {
    test('TF tf.range semantics and dtypes', async () => {
      expectClose(await evalTensor(ex, () => tf.range(5)), [0, 1, 2, 3, 4], { dtype: 'int32', ...EXACT });
      expectClose(await evalTensor(ex, () => tf.range(2, 10, 3)), [2, 5, 8], { dtype: 'int32', ...EXACT });
      expectClose(await evalTensor(ex, () => tf.range(10, 2, -3)), [10, 7, 4], { dtype: 'int32', ...EXACT });
      expectClose(await evalTensor(ex, () => tf.range(-3, 3, 2)), [-3, -1, 1], { dtype: 'int32', ...EXACT });
      expectClose(await evalTensor(ex, () => tf.range(3, 3)), [], { shape: [0], dtype: 'int32' });
      expectClose(await evalTensor(ex, () => tf.range(0, 1, 0.25)), [0, 0.25, 0.5, 0.75], { dtype: 'float32', ...EXACT });
      expectClose(await evalTensor(ex, () => tf.range(2.5)), [0, 1, 2], { dtype: 'float32', ...EXACT });
      expectClose(await evalTensor(ex, () => tf.range(1, 2, 0.3)), [1, 1.3, 1.6, 1.9], { dtype: 'float32', rtol: 1e-6 });
      expectClose(await evalTensor(ex, () => tf.range(4, undefined, undefined, { dtype: 'float64' })), [0, 1, 2, 3], { dtype: 'float64', ...EXACT });
      expectClose(await evalTensor(ex, () => tf.range(tf.constant(1, { dtype: 'int64' }), 4)), [1, 2, 3], { dtype: 'int64', ...EXACT });
      expectClose(await evalTensor(ex, () => tf.range(int32(1), tf.constant(2.5))), [1, 2], { dtype: 'float32', ...EXACT });
    });

    test('static shapes, node layout and errors', async () => {
      tf.resetDefaultGraph();
      const r = tf.range(2, 11, 3);
      expect(r.shape).toEqual([3]);
      expect(r.op.name).toBe('range');
      expect(r.op.inputs.map((t) => t.op.name)).toEqual(['range/start', 'range/limit', 'range/delta']);
      expect(tf.range(tf.placeholder('int32', [])).shape).toEqual([null]);
      expect(() => tf.range(0, 5, 0, { name: 'rg' })).toThrow(/'rg'.*delta != 0/);
      expect(() => tf.range(5, 0, 1, { name: 'rg2' })).toThrow(/'rg2'.*start <= limit/);
      expect(() => tf.range(0, 5, -1, { name: 'rg3' })).toThrow(/'rg3'.*start >= limit/);
      // A fed start gives a length known only at run time, which the webgpu executor refuses when it compiles the plan.
      await expect(evalGraph(ex, () => tf.range(tf.placeholder('int32', [], 'n'), 0, 1, { name: 'rg4' }), (t) => t,
        () => ({ n: tf.ndarray(3, [], 'int32') }))).rejects.toThrow(ex === 'cpu' ? /Range node 'rg4'.*start <= limit/ : /'rg4:0' \(Range\).*known only at run time/);
    });
  });

  describe('oneHot', () => {
    test('axis -1 and axis 0, out-of-range indices give off rows', async () => {
      const idx = [0, 2, -1, 3, 1];
      expectClose(await evalTensor(ex, () => tf.oneHot(idx, 3)), refOneHot(idx, 3, -1), { dtype: 'float32', ...EXACT });
      expectClose(await evalTensor(ex, () => tf.oneHot(idx, 3, { axis: 0 })), refOneHot(idx, 3, 0), EXACT);
      expectClose(await evalTensor(ex, () => tf.oneHot(int32(idx), 4, { onValue: 5, offValue: -1, dtype: 'int32' })),
        refOneHot(idx, 4, -1, 5, -1), { dtype: 'int32', ...EXACT });
      const idx2 = [[0, 1, 2], [2, 9, 0]];
      for (const axis of [-1, 0, 1, 2]) {
        expectClose(await evalTensor(ex, () => tf.oneHot(idx2, 3, { axis })), refOneHot(idx2, 3, axis), EXACT);
      }
      expectClose(await evalTensor(ex, () => tf.oneHot(tf.constant(1, { dtype: 'int64' }), 3)), [0, 1, 0], EXACT);
      expectClose(await evalTensor(ex, () => tf.oneHot([1, 0], 2, { onValue: tf.constant(true), offValue: false })), [[0, 1], [1, 0]], { dtype: 'bool', ...EXACT });
      expectClose(await evalTensor(ex, () => tf.oneHot([1, 0], 0)), [], { shape: [2, 0] });
    });

    test('static shapes and errors', () => {
      tf.resetDefaultGraph();
      const p = tf.placeholder('int32', [null]);
      expect(tf.oneHot(p, 10).op.name).toBe('one_hot');
      expect(tf.oneHot(p, 10).shape).toEqual([null, 10]);
      expect(tf.oneHot(p, 10, { axis: 0 }).shape).toEqual([10, null]);
      expect(tf.oneHot(p, tf.placeholder('int32', [])).shape).toEqual([null, null]);
      expect(tf.oneHot(tf.placeholder('int32'), 3).shape).toBeNull();
      expect(() => tf.oneHot(p, 3, { axis: 2, name: 'oh' })).toThrow(/'oh'.*axis.*2/);
      expect(() => tf.oneHot(p, 3, { axis: -2, name: 'oh2' })).toThrow(tf.errors.InvalidArgumentError);
      expect(() => tf.oneHot(tf.placeholder('float32', [2]), 3, { name: 'oh3' })).toThrow(/'oh3'.*int32 or int64/);
      expect(() => tf.oneHot(p, -1, { name: 'oh4' })).toThrow(/'oh4'.*non-negative/);
    });
  });

  describe('gather', () => {
    const params = iota([5, 3, 2]);

    test('matches numpy.take on axes 0, 1, -1 with 1-D, 2-D and scalar indices', async () => {
      const cases: Array<[Nested, number]> = [
        [[4, 0, 2, 2], 0], [[[1, 0], [2, 2], [0, 1]], 0], [[2, 0], 1], [[[1], [0]], 1], [[1, 1, 0], -1], [3, 0], [1, 2], [[], 1],
      ];
      for (const [ind, axis] of cases) {
        const norm = axis < 0 ? axis + 3 : axis;
        const ref = refGather(params, ind, norm);
        const indShape = Array.isArray(ind) ? (Array.isArray(ind[0]) ? [ind.length, (ind[0] as Nested[]).length] : [ind.length]) : [];
        const pShape = [5, 3, 2];
        const outShape = [...pShape.slice(0, norm), ...indShape, ...pShape.slice(norm + 1)];
        const r = await evalTensor(ex, () => {
          const t = tf.gather(tf.constant(params as tf.NestedArray), ind as tf.NestedArray, axis);
          expect(t.shape).toEqual(outShape);
          return t;
        });
        expectClose(r, flat(ref), { shape: outShape, ...EXACT });
      }
      expectClose(await evalTensor(ex, () => tf.gather(int32([10, 20, 30]), tf.constant([2, 0], { dtype: 'int64' }))), [30, 10], { dtype: 'int32', ...EXACT });
    });

    test('batchDims: one gather per batch row', async () => {
      const p = [[1, 2, 3], [4, 5, 6]];
      const ind = [[2, 0], [1, 1]];
      const r = await evalTensor(ex, () => {
        const t = tf.gather(tf.constant(p), ind, 1, { batchDims: 1 });
        expect(t.shape).toEqual([2, 2]);
        return t;
      });
      expectClose(r, ind.map((row, b) => row.map((i) => p[b][i])), EXACT);
    });

    test('out-of-range indices are an InvalidArgumentError naming the node', async () => {
      const build = (): tf.Tensor => tf.gather(tf.constant([1, 2, 3, 4, 5]), tf.placeholder('int32', [null], 'i'), 0, { name: 'g' });
      const feeds = (): tf.Feeds => ({ i: tf.ndarray([0, 7], [2], 'int32') });
      await expect(evalGraph(ex, build, (t) => t, feeds)).rejects.toThrow(tf.errors.InvalidArgumentError);
      await expect(evalGraph(ex, build, (t) => t, feeds)).rejects.toThrow(/GatherV2 node 'g'.*indices\[1\] = 7 is not in \[0, 5\)/);
      await expect(evalGraph(ex, build, (t) => t, () => ({ i: tf.ndarray([-1], [1], 'int32') }))).rejects.toThrow(/indices\[0\] = -1 is not in \[0, 5\)/);
      await expect(evalGraph(ex, () => tf.gather(tf.constant([1, 2]), tf.placeholder('int32', [null, null], 'i'), 0, { name: 'g2' }),
        (t) => t, () => ({ i: tf.ndarray([[0, 1], [2, 0]], [2, 2], 'int32') }))).rejects.toThrow(/'g2'.*indices\[1,0\] = 2 is not in \[0, 2\)/);
    });

    test('static shapes and build-time errors', () => {
      tf.resetDefaultGraph();
      const p = tf.placeholder('float32', [null, 4, 6]);
      const i = tf.placeholder('int32', [null]);
      const g = tf.gather(p, i, 2);
      expect(g.op.name).toBe('GatherV2');
      expect(g.op.inputs[2].op.name).toBe('GatherV2/axis');
      expect(g.op.attrs).toMatchObject({ Tparams: 'float32', Tindices: 'int32', Taxis: 'int32', batch_dims: 0 });
      expect(g.shape).toEqual([null, 4, null]);
      expect(tf.gather(p, i).shape).toEqual([null, 4, 6]);
      expect(tf.gather(p, [[0, 1]], 1).shape).toEqual([null, 1, 2, 6]);
      expect(tf.gather(p, i, -1).shape).toEqual([null, 4, null]);
      expect(tf.gather(p, i, tf.placeholder('int32', [])).shape).toEqual([null, null, null]);
      expect(tf.gather(tf.placeholder('float32'), i).shape).toBeNull();
      expect(() => tf.gather(p, i, 3, { name: 'ga' })).toThrow(tf.errors.InvalidArgumentError);
      expect(() => tf.gather(p, i, 3, { name: 'ga2' })).toThrow(/'ga2'.*axis in the range \[-3, 3\), but got 3/);
      expect(() => tf.gather(p, tf.placeholder('float32', [2]), 0, { name: 'ga3' })).toThrow(/ga3.*int32 or int64/);
      expect(() => tf.gather(p, [[0]], 0, { batchDims: 1, name: 'ga4' })).toThrow(/'ga4'.*batch_dims/);
    });
  });

  describe('kernels on fed inputs (constant inputs fold on the host; fed ones run the kernels)', () => {
    // int64 travels as i32 on the GPU (narrowed at upload, widened at readback).
    const DTYPES: tf.DType[] = ['float32', 'int32', 'bool', 'int64'];

    test('transpose: random permutations of ranks 1-5, every dtype, unit dims and contiguous rows', async () => {
      const r = rng(11);
      // [4, 8], [4, 3, 8], [2, 4, 1, 8]...: sides of multiples of 4 take the 4x4-block kernel for some permutations.
      const shapes = [[5], [3, 4], [2, 3, 4], [2, 1, 3, 4], [2, 3, 1, 2, 4], [3, 2, 8], [1, 6, 1], [4, 8], [4, 3, 8], [2, 4, 1, 8], [8, 4, 4]];
      let seed = 100;
      for (const shape of shapes) {
        const perms = [shape.map((_, i) => i), shape.map((_, i) => i).reverse()];
        for (let k = 0; k < 3; k++) perms.push(shape.map((_, i) => i).sort(() => r() - 0.5));
        for (const perm of perms) {
          const dtype = DTYPES[seed % DTYPES.length];
          const x = randomArray(shape, dtype, seed++);
          const ref = refTranspose(shape, Array.from(x.data, Number), perm);
          const out = await runFed(ex, [x], ([p]) => tf.transpose(p, perm));
          expectClose(out, ref.data, { shape: ref.shape, dtype, ...EXACT });
        }
      }
      // The rows stay contiguous (vec4 copies): [3, 2, 8] -> [2, 3, 8].
      const x = randomArray([3, 2, 8], 'float32', 7);
      const ref = refTranspose([3, 2, 8], Array.from(x.data), [1, 0, 2]);
      expectClose(await runFed(ex, [x], ([p]) => tf.transpose(p, [1, 0, 2])), ref.data, { shape: ref.shape, ...EXACT });
    });

    test('concat: every axis, rows of 4 and odd rows, empty inputs, a repeated input, every dtype', async () => {
      const cases: Array<[number[][], number]> = [
        [[[2, 3, 2], [2, 3, 4], [2, 3, 1]], 2], [[[2, 3, 2], [2, 3, 4], [2, 3, 1]], -1], [[[2, 4], [2, 4], [2, 8]], 1],
        [[[2, 4], [3, 4], [1, 4]], 0], [[[2, 0], [2, 3], [2, 0], [2, 1]], 1], [[[1, 2, 3], [4, 2, 3]], 0], [[[2, 2], [2, 2]], 1],
      ];
      let seed = 200;
      for (const [shapes, axis] of cases) {
        for (const dtype of DTYPES) {
          const xs = shapes.map((s) => randomArray(s, dtype, seed++));
          const ref = refConcatFlat(xs.map(arr), axis < 0 ? axis + shapes[0].length : axis);
          expectClose(await runFed(ex, xs, (ps) => tf.concat(ps, axis)), ref.data, { shape: ref.shape, dtype, ...EXACT });
        }
      }
      // One tensor twice, and a constant among fed tensors.
      const a = randomArray([2, 3], 'int32', 1), b = randomArray([2, 1], 'int32', 2);
      const ref = refConcatFlat([arr(a), arr(b), arr(a)], 1);
      expectClose(await runFed(ex, [a, b], ([pa, pb]) => tf.concat([pa, pb, pa], 1)), ref.data, { shape: ref.shape, ...EXACT });
      const c = await runFed(ex, [a], ([pa]) => tf.concat([pa, tf.constant([[7], [8]], { dtype: 'int32' })], 1));
      expectClose(c, refConcatFlat([arr(a), { shape: [2, 1], data: [7, 8] }], 1).data, { shape: [2, 4], ...EXACT });
    });

    test('concat of more than 7 inputs: several dispatches of at most 8 bindings, every axis', async () => {
      let seed = 300;
      for (const [n, axis, rows] of [[9, 1, 2], [15, 0, 3], [8, 1, 4], [22, 2, 2]] as const) {
        for (const dtype of DTYPES) {
          const shapes = Array.from({ length: n }, (_, i) => (axis === 0 ? [1 + (i % 3), rows] : axis === 1 ? [rows, i % 4] : [rows, 2, 1 + (i % 2)]));
          const xs = shapes.map((s) => randomArray(s, dtype, seed++));
          const ref = refConcatFlat(xs.map(arr), axis);
          expectClose(await runFed(ex, xs, (ps) => tf.concat(ps, axis)), ref.data, { shape: ref.shape, dtype, ...EXACT });
        }
      }
    });

    test('stack of 9 values and unstack into 9 outputs, every axis, every dtype', async () => {
      let seed = 400;
      for (const dtype of DTYPES) {
        for (const shape of [[2, 3], [4], [2, 8]]) {
          const xs = Array.from({ length: 9 }, () => randomArray(shape, dtype, seed++));
          for (let axis = -shape.length - 1; axis <= shape.length; axis++) {
            const a = axis < 0 ? axis + shape.length + 1 : axis;
            const ref = refConcatFlat(xs.map((x) => ({ shape: [...shape.slice(0, a), 1, ...shape.slice(a)], data: Array.from(x.data, Number) })), a);
            expectClose(await runFed(ex, xs, (ps) => tf.stack(ps, axis)), ref.data, { shape: ref.shape, dtype, ...EXACT });
          }
        }
        for (const [shape, axis] of [[[9, 2, 3], 0], [[2, 9, 4], 1], [[3, 9], -1], [[9], 0], [[2, 3, 9], 2]] as const) {
          const x = randomArray([...shape], dtype, seed++);
          const outs = await runFed(ex, [x], ([p]) => tf.unstack(p, { axis })) as tf.NDArray[];
          expect(outs.length).toBe(9);
          outs.forEach((o, k) => {
            const ref = refUnstackFlat(arr(x), axis < 0 ? axis + shape.length : axis, k);
            expectClose(o, ref.data, { shape: ref.shape, dtype, ...EXACT });
          });
        }
      }
    });

    test('slice and tile of fed tensors, every dtype, contiguous rows and broadcast dims', async () => {
      let seed = 500;
      for (const dtype of DTYPES) {
        const x = randomArray([3, 8, 2], dtype, seed++);
        for (const [b, s] of [[[1, 4, 0], [2, 4, 2]], [[0, 0, 0], [3, 8, 2]], [[2, 1, 1], [1, 5, 1]], [[0, 3, 0], [-1, 2, -1]], [[1, 0, 0], [1, -1, -1]]]) {
          const ref = pySlice([3, 8, 2], Array.from(x.data, Number), b.map((bi, i) => S(bi, s[i] === -1 ? undefined : bi + s[i])));
          expectClose(await runFed(ex, [x], ([p]) => tf.slice(p, b, s)), ref.data, { shape: ref.shape, dtype, ...EXACT });
        }
        for (const [shape, m] of [[[2, 3], [2, 2]], [[2, 4], [3, 2]], [[1, 3], [4, 1]], [[3], [0]], [[2, 1, 2], [1, 3, 2]], [[5], [1]]]) {
          const y = randomArray(shape, dtype, seed++);
          const ref = refTileFlat(arr(y), m);
          expectClose(await runFed(ex, [y], ([p]) => tf.tile(p, m)), ref.data, { shape: ref.shape, dtype, ...EXACT });
        }
      }
    });

    test('slice with a fed begin: the CPU runs it; webgpu needs begin when it compiles the plan, and says so', async () => {
      const x = randomArray([4, 3], 'float32', 1);
      const run = (): Promise<tf.NDArray> => runFed(ex, [x, tf.ndarray([1, 0], [2], 'int32')], ([p, b]) => tf.slice(p, b, [2, 3], { name: 'dyn' }));
      if (ex === 'cpu') expectClose(await run(), Array.from(x.data).slice(3, 9), { shape: [2, 3], ...EXACT });
      else await expect(run()).rejects.toThrow(/Slice node 'dyn': begin .*must be known when the plan is compiled/);
    });

    test('strided slices of fed tensors of every dtype, negative strides included', async () => {
      // Rows of 8 reversed whole or from an index of 3 mod 4 take the reversed-vec4 kernel.
      const items: Item[][] = [
        [S(undefined, undefined, -1)], [S(1, -1, 2), S(undefined, undefined, -1)], ['ellipsis', I(1)], [S(), 'newaxis', S(undefined, undefined, -3)],
        [S(), S(undefined, undefined, -1)], [S(undefined, undefined, -1), S(undefined, undefined, -1)], [S(), S(7, 3, -1)], [S(), S(6, 2, -1)],
        [S(1, 3), S(4, 8)],
      ];
      let seed = 550;
      for (const dtype of ['int32', 'bool', 'float32'] as const) {
        const x = randomArray([4, 8], dtype, seed++);
        for (const it of items) {
          const ref = pySlice([4, 8], Array.from(x.data, Number), it);
          expectClose(await runFed(ex, [x], ([p]) => stridedSliceOf(p, it)), ref.data, { shape: ref.shape, dtype, ...EXACT });
        }
      }
    });

    test('reshape, expandDims and squeeze of fed and computed tensors', async () => {
      const x = randomArray([2, 3, 4], 'float32', 600);
      const out = await runFed(ex, [x], ([p]) => {
        const r = tf.reshape(p, [6, 4]);
        const m = tf.mul(p, 2);
        return [r, tf.expandDims(r, 1), tf.squeeze(tf.expandDims(m, 0)), tf.transpose(tf.reshape(m, [4, 6])), tf.reshape(tf.add(r, 1), [-1])];
      }) as tf.NDArray[];
      const xs = Array.from(x.data);
      expectClose(out[0], xs, { shape: [6, 4], ...EXACT });
      expectClose(out[1], xs, { shape: [6, 1, 4], ...EXACT });
      expectClose(out[2], xs.map((v) => v * 2), { shape: [2, 3, 4], ...EXACT });
      const ref = refTranspose([4, 6], xs.map((v) => v * 2), [1, 0]);
      expectClose(out[3], ref.data, { shape: ref.shape, ...EXACT });
      expectClose(out[4], xs.map((v) => Math.fround(v + 1)), { shape: [24], ...EXACT });
      const b = randomArray([3, 1], 'bool', 601);
      expectClose(await runFed(ex, [b], ([p]) => tf.squeeze(p)), Array.from(b.data), { shape: [3], dtype: 'bool', ...EXACT });
    });

    test('fill with a value computed on the GPU; zerosLike and onesLike of fed tensors', async () => {
      const v = tf.ndarray(2.5, [], 'float32');
      expectClose(await runFed(ex, [v], ([p]) => tf.fill([2, 3], tf.add(p, 1))), [[3.5, 3.5, 3.5], [3.5, 3.5, 3.5]], EXACT);
      expectClose(await runFed(ex, [v], ([p]) => tf.fill([2, 2], tf.mul(p, 2))), [[5, 5], [5, 5]], EXACT);
      const i = tf.ndarray(-7, [], 'int32');
      expectClose(await runFed(ex, [i], ([p]) => tf.fill([5], p)), [-7, -7, -7, -7, -7], { dtype: 'int32', ...EXACT });
      const t = tf.ndarray(true, [], 'bool');
      expectClose(await runFed(ex, [t], ([p]) => tf.fill([3], tf.logicalNot(p))), [0, 0, 0], { dtype: 'bool', ...EXACT });
      expectClose(await runFed(ex, [i], ([p]) => tf.fill([0, 3], p)), [], { shape: [0, 3] });
      for (const dtype of DTYPES) {
        const x = randomArray([2, 3], dtype, 700);
        expectClose(await runFed(ex, [x], ([p]) => tf.zerosLike(p)), [[0, 0, 0], [0, 0, 0]], { dtype, ...EXACT });
        expectClose(await runFed(ex, [x], ([p]) => tf.onesLike(p)), [[1, 1, 1], [1, 1, 1]], { dtype, ...EXACT });
      }
      expectClose(await runFed(ex, [randomArray([2, 4], 'float32', 1)], ([p]) => tf.onesLike(p)), [[1, 1, 1, 1], [1, 1, 1, 1]], EXACT);
    });

    test('oneHot of fed indices on every axis; fed on/off values; int64 indices; bool', async () => {
      const idx = [[0, 1, 2], [2, 9, -1]];
      const ind = tf.ndarray(idx, [2, 3], 'int32');
      for (const axis of [-1, 0, 1, 2]) {
        expectClose(await runFed(ex, [ind], ([p]) => tf.oneHot(p, 4, { axis })), refOneHot(idx, 4, axis), { dtype: 'float32', ...EXACT });
      }
      const on = tf.ndarray(5, [], 'int32'), off = tf.ndarray(-2, [], 'int32');
      expectClose(await runFed(ex, [ind, on, off], ([p, a, b]) => tf.oneHot(p, 3, { onValue: a, offValue: b, axis: 1 })),
        refOneHot(idx, 3, 1, 5, -2), { dtype: 'int32', ...EXACT });
      const i64 = tf.ndarray([3, 0, 1], [3], 'int64');
      expectClose(await runFed(ex, [i64], ([p]) => tf.oneHot(p, 4)), refOneHot([3, 0, 1], 4, -1), EXACT);
      expectClose(await runFed(ex, [ind], ([p]) => tf.oneHot(p, 3, { onValue: true, offValue: false, dtype: 'bool' })),
        refOneHot(idx, 3, -1), { dtype: 'bool', ...EXACT });
      expectClose(await runFed(ex, [ind], ([p]) => tf.oneHot(p, 0)), [], { shape: [2, 3, 0] });
    });

    test('gather of fed params and indices: every axis, batchDims, rows of 4, int64 indices, every dtype', async () => {
      let seed = 800;
      const cases: Array<[number[], number[], number, number]> = [
        [[5, 3, 2], [4], 0, 0], [[5, 3, 2], [2, 2], 1, 0], [[5, 3, 2], [3], 2, 0], [[6, 8], [2, 2], 0, 0], [[6, 8], [5], 1, 0],
        [[2, 3, 4], [2, 2], 1, 1], [[2, 3, 4], [2, 5], 2, 1], [[2, 3, 4], [2, 3, 2], 2, 2], [[4, 4], [0], 0, 0], [[7], [], 0, 0],
      ];
      for (const [pShape, iShape, axis, batchDims] of cases) {
        for (const dtype of DTYPES) {
          const p = randomArray(pShape, dtype, seed++);
          const r = rng(seed++);
          const ind = tf.ndarray(Int32Array.from({ length: numel(iShape) }, () => Math.floor(r() * pShape[axis])), iShape, 'int32');
          const ref = refGatherFlat(arr(p), arr(ind), axis, batchDims);
          const out = await runFed(ex, [p, ind], ([pp, pi]) => tf.gather(pp, pi, axis, { batchDims }));
          expectClose(out, ref.data, { shape: ref.shape, dtype, ...EXACT });
        }
      }
      const p = randomArray([4, 4], 'float32', 1);
      const i64 = tf.ndarray([3, 0, 3], [3], 'int64');
      const ref = refGatherFlat(arr(p), arr(i64), 0, 0);
      expectClose(await runFed(ex, [p, i64], ([pp, pi]) => tf.gather(pp, pi)), ref.data, { shape: ref.shape, ...EXACT });
    });

    test('gather with an index out of range fails the run, names the node, and leaves the variables it wrote unchanged', async () => {
      const g = new tf.Graph();
      const { w, y, i } = g.asDefault(() => {
        const w = tf.variable([10, 20], { name: 'w', dtype: 'int32' });
        const i = tf.placeholder('int32', [null], 'i');
        const upd = tf.assignAdd(w, tf.constant([1, 1], { dtype: 'int32' }));
        const y = tf.controlDependencies([upd], () => tf.gather(tf.identity(w), i, 0, { name: 'gw' }));
        return { w, y, i };
      });
      const sess = await tf.Session.create({ graph: g, executor: ex });
      try {
        await sess.run(w.initializer);
        await expect(sess.run(y, new Map([[i, tf.ndarray([1, 2, 0], [3], 'int32')]]))).rejects.toThrow(tf.errors.InvalidArgumentError);
        await expect(sess.run(y, new Map([[i, tf.ndarray([-4], [1], 'int32')]]))).rejects.toThrow(/GatherV2 node 'gw'.*indices\[0\] = -4 is not in \[0, 2\)/);
        expect((await sess.run(w)).toArray()).toEqual([10, 20]);
        expect((await sess.run(y, new Map([[i, tf.ndarray([1, 1, 0], [3], 'int32')]]))).toArray()).toEqual([21, 21, 11]);
        expect((await sess.run(w)).toArray()).toEqual([11, 21]);
      } finally {
        await sess.close();
      }
    });

    test('gather errors: the failing node of two is named; an empty output still checks its indices', async () => {
      const build = (): { a: tf.Tensor; b: tf.Tensor } => {
        const p = tf.placeholder('float32', [null, 2], 'p');
        const i = tf.placeholder('int32', [null], 'i');
        const j = tf.placeholder('int32', [null, null], 'j');
        return { a: tf.gather(p, i, 0, { name: 'first' }), b: tf.gather(p, j, 0, { name: 'second' }) };
      };
      const feeds = (j: number[][]) => () => ({ p: [[1, 2], [3, 4], [5, 6]], i: tf.ndarray([2, 0], [2], 'int32'), j: tf.ndarray(j, [j.length, j[0].length], 'int32') });
      await expect(evalGraph(ex, build, (t) => [t.a, t.b], feeds([[0, 1], [2, 3]]))).rejects.toThrow(/GatherV2 node 'second'.*indices\[1,1\] = 3 is not in \[0, 3\)/);
      const ok = await evalGraph(ex, build, (t) => [t.a, t.b], feeds([[0, 1], [2, 2]]));
      expectClose(ok[0], [[5, 6], [1, 2]], EXACT);
      expectClose(ok[1], [[[1, 2], [3, 4]], [[5, 6], [5, 6]]], EXACT);
      await expect(evalGraph(ex, () => tf.gather(tf.placeholder('float32', [5, 0], 'p'), tf.placeholder('int32', [1], 'i'), 0, { name: 'ge' }),
        (t) => t, () => ({ p: tf.ndarray(new Float32Array(0), [5, 0]), i: tf.ndarray([7], [1], 'int32') }))).rejects.toThrow(/'ge'.*indices\[0\] = 7 is not in \[0, 5\)/);
    });

    test('float64 data movement runs on the CPU executor; webgpu refuses it naming the node', async () => {
      const x = tf.ndarray([[1.5, 2], [3, 4]], [2, 2], 'float64');
      const run = (): Promise<tf.NDArray> => runFed(ex, [x], ([p]) => tf.transpose(p, [1, 0], { name: 't64' }));
      if (FLOAT64_EXECUTORS.includes(ex)) expectClose(await run(), [[1.5, 3], [2, 4]], { dtype: 'float64', ...EXACT });
      else await expect(run()).rejects.toThrow(tf.errors.UnimplementedError);
    });

    if (ex === 'webgpu') {
      test('data movement is one dispatch (7 inputs or outputs at most per dispatch); reshapes are none', async () => {
        const g = new tf.Graph();
        const { xs, fetches } = g.asDefault(() => {
          const xs = Array.from({ length: 9 }, (_, k) => tf.placeholder('float32', [2, 3], `x${k}`));
          return {
            xs,
            fetches: {
              cat3: tf.concat(xs.slice(0, 3), 1), cat9: tf.concat(xs, 0), stack7: tf.stack(xs.slice(0, 7)), tp: tf.transpose(xs[0]),
              ss: tf.stridedSlice(xs[1], [0, -1], [0, 0], [1, -1], { beginMask: 1, endMask: 3 }), rs: tf.reshape(xs[2], [3, 2]),
              us: tf.unstack(xs[3], { axis: 1 }), us9: tf.unstack(tf.concat(xs, 1), { axis: 1, num: 27 }),
            },
          };
        });
        const sess = await tf.Session.create({ graph: g, executor: 'webgpu' });
        try {
          const feeds = new Map(xs.map((x, k) => [x, randomArray([2, 3], 'float32', k)] as [tf.Tensor, tf.NDArray]));
          const count = async (f: tf.Tensor | tf.Tensor[]): Promise<number> => {
            await sess.run(f, feeds);
            const before = sess.stats().dispatches;
            await sess.run(f, feeds);
            return sess.stats().dispatches - before;
          };
          expect(await count(fetches.cat3)).toBe(1);
          expect(await count(fetches.cat9)).toBe(2);
          expect(await count(fetches.stack7)).toBe(1);
          expect(await count(fetches.tp)).toBe(1);
          expect(await count(fetches.ss)).toBe(1);
          expect(await count(fetches.rs)).toBe(0);
          expect(await count(fetches.us)).toBe(1);
          expect(await count(fetches.us9)).toBe(2 + 4); // the concat of 9, then 27 outputs in 4 dispatches
        } finally {
          await sess.close();
        }
      });
    }
  });

  test('every node the builders make carries only declared attrs, every type attr included', () => {
    const g = new tf.Graph();
    g.asDefault(() => {
      const x = tf.placeholder('float32', [null, 4], 'x');
      const ix = tf.placeholder('int32', [null], 'ix');
      tf.reshape(x, [-1, 2]); tf.transpose(x); tf.transpose(tf.placeholder('float32')); tf.expandDims(x, 0); tf.squeeze(x);
      tf.concat([x, x], 1); tf.stack([x, x]); tf.unstack(x, { axis: 1 }); tf.slice(x, [0, 0], [-1, 2]);
      tf.stridedSlice(x, [0], [1], [1]); tf.stridedSlice(x, ix, ix); tf.tile(x, [1, 2]); tf.fill([2], 1); tf.zeros(tf.shape(x));
      tf.zerosLike(x); tf.onesLike(x, { dtype: 'int32' }); tf.size(x); tf.rank(x); tf.range(3); tf.range(tf.constant(1.5), 3);
      tf.oneHot(ix, 3); tf.gather(x, ix, 1);
    });
    const defs = new Map(listOpDefs().map((d) => [d.type, d]));
    const seen = new Set<string>();
    for (const op of g.getOperations()) {
      const def = defs.get(op.type)!;
      seen.add(op.type);
      const declared = Object.keys(def.attrs ?? {});
      expect(Object.keys(op.attrs).sort()).toEqual([...declared].sort());
      for (const [k, spec] of Object.entries(def.attrs ?? {})) {
        if (spec.type === 'type') expect(typeof op.attrs[k]).toBe('string');
      }
    }
    for (const t of ['Reshape', 'Transpose', 'ExpandDims', 'Squeeze', 'ConcatV2', 'Pack', 'Unpack', 'Slice', 'StridedSlice', 'Tile',
      'Fill', 'ZerosLike', 'OnesLike', 'Shape', 'Size', 'Rank', 'Range', 'OneHot', 'GatherV2']) expect(seen).toContain(t);
  });
});
