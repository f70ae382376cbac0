// tf.data: Dataset's transformations against hand-computed expectations, shuffling's uniformity by a chi-square
// test, map in worker threads against the serial map, batches fed to a Session against the arrays fed by hand, and
// the IDX / .npz readers on files written by hand here (and .npz files numpy wrote: tests/testdata/npz/make.py).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32, deflateRawSync, gzipSync } from 'node:zlib';
import * as tf from '../index.js';
import type { Element } from '../data/structure.js';
import { writeNpy } from '../serialization/npy.js';

const { Dataset } = tf.data;
const here = path.dirname(fileURLToPath(import.meta.url));

async function collect<T>(ds: AsyncIterable<T>, limit = 100000): Promise<T[]> {
  const out: T[] = [];
  for await (const e of ds) {
    out.push(e);
    if (out.length >= limit) throw new Error('collect: runaway dataset');
  }
  return out;
}

/** The values of scalar elements. */
const scalars = (xs: tf.NDArray[]): number[] => xs.map((x) => x.scalar());
const range = (n: number) => Dataset.fromTensorSlices(Int32Array.from({ length: n }, (_, i) => i));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A zip archive written by hand: local headers, central directory, end record; `method` 0 stores, 8 deflates. */
const zip = (entries: Array<{ name: string; data: Uint8Array; method: 0 | 8 }>) => {
  const parts: Uint8Array[] = [], central: Uint8Array[] = [];
  let offset = 0;
  for (const e of entries) {
    const body = e.method === 8 ? deflateRawSync(e.data) : e.data;
    const name = new TextEncoder().encode(e.name);
    const local = new Uint8Array(30 + name.length), lv = new DataView(local.buffer);
    const crc = crc32(e.data) >>> 0;
    lv.setUint32(0, 0x04034b50, true); lv.setUint16(4, 20, true); lv.setUint16(8, e.method, true);
    lv.setUint32(14, crc, true); lv.setUint32(18, body.length, true); lv.setUint32(22, e.data.length, true);
    lv.setUint16(26, name.length, true); local.set(name, 30);
    const c = new Uint8Array(46 + name.length), cv = new DataView(c.buffer);
    cv.setUint32(0, 0x02014b50, true); cv.setUint16(4, 20, true); cv.setUint16(6, 20, true); cv.setUint16(10, e.method, true);
    cv.setUint32(16, crc, true); cv.setUint32(20, body.length, true); cv.setUint32(24, e.data.length, true);
    cv.setUint16(28, name.length, true); cv.setUint32(42, offset, true); c.set(name, 46);
    parts.push(local, body); central.push(c);
    offset += local.length + body.length;
  }
  const cdSize = central.reduce((s, c) => s + c.length, 0);
  const end = new Uint8Array(22), ev = new DataView(end.buffer);
  ev.setUint32(0, 0x06054b50, true); ev.setUint16(8, entries.length, true); ev.setUint16(10, entries.length, true);
  ev.setUint32(12, cdSize, true); ev.setUint32(16, offset, true);
  return Buffer.concat([...parts, ...central, end]);
};

describe('Dataset.fromTensorSlices', () => {
  test('slices NDArrays, typed arrays and nested arrays along axis 0; objects stay objects', async () => {
    const xs = tf.ndarray(new Float32Array([1, 2, 3, 4, 5, 6]), [3, 2]);
    const rows = await collect(Dataset.fromTensorSlices(xs));
    expect(rows.map((r) => r.shape)).toEqual([[2], [2], [2]]);
    expect(rows.map((r) => r.toArray())).toEqual([[1, 2], [3, 4], [5, 6]]);
    expect(scalars(await collect(Dataset.fromTensorSlices(new Int32Array([7, 8]))))).toEqual([7, 8]);
    const nested = await collect(Dataset.fromTensorSlices([[1, 2], [3, 4]]));
    expect(nested.map((r) => [r.dtype, r.toArray()])).toEqual([['float32', [1, 2]], ['float32', [3, 4]]]);
    const dict = await collect(Dataset.fromTensorSlices({ x: xs, y: new Int32Array([0, 1, 2]) }));
    expect(dict.map((d) => [d.x.toArray(), d.y.dtype, d.y.scalar()])).toEqual([[[1, 2], 'int32', 0], [[3, 4], 'int32', 1], [[5, 6], 'int32', 2]]);
    expect(Dataset.fromTensorSlices(xs).cardinality()).toBe(3);
  });

  test('mismatched first dims name the keys; scalars and empty input are refused', () => {
    expect(() => Dataset.fromTensorSlices({ images: tf.ndarray(new Float32Array(6), [3, 2]), labels: new Int32Array(2) }))
      .toThrow(tf.errors.InvalidArgumentError);
    expect(() => Dataset.fromTensorSlices({ images: tf.ndarray(new Float32Array(6), [3, 2]), labels: new Int32Array(2) }))
      .toThrow(/'images' has 3, 'labels' has 2/);
    expect(() => Dataset.fromTensorSlices({ a: 5 })).toThrow(/'a' is a scalar/);
    expect(() => Dataset.fromTensorSlices({})).toThrow(tf.errors.InvalidArgumentError);
    expect(() => Dataset.fromTensorSlices({ a: 'text' } as never)).toThrow(tf.errors.InvalidArgumentError);
  });
});

describe('shuffle', () => {
  const epochs = async (ds: tf.data.Dataset<tf.NDArray>, n: number, k: number) => {
    const all = scalars(await collect(ds.repeat(k)));
    return Array.from({ length: k }, (_, e) => all.slice(e * n, (e + 1) * n));
  };
  const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
  const identity = (n: number) => Array.from({ length: n }, (_, i) => i);

  test.each([1, 7, 50, 1000])('every element exactly once per epoch (buffer %i)', async (buffer) => {
    const es = await epochs(range(50).shuffle(buffer, { seed: 3 }), 50, 4);
    for (const e of es) expect(sorted(e)).toEqual(identity(50));
    if (buffer === 1) for (const e of es) expect(e).toEqual(identity(50)); // a buffer of one cannot reorder
    else expect(new Set(es.map((e) => e.join())).size).toBe(4); // reshuffled each epoch
  });

  test('the order depends on the seed only: same seed, same epochs; another seed, other epochs', async () => {
    const a = await epochs(range(30).shuffle(30, { seed: 11 }), 30, 3);
    const b = await epochs(range(30).shuffle(30, { seed: 11 }), 30, 3);
    const c = await epochs(range(30).shuffle(30, { seed: 12 }), 30, 3);
    expect(b).toEqual(a);
    expect(c[0]).not.toEqual(a[0]);
    // Pass k's order does not depend on how much of the earlier passes was read.
    const d = range(30).shuffle(30, { seed: 11 });
    expect(scalars(await collect(d.take(3)))).toEqual(a[0].slice(0, 3));
    expect(scalars(await collect(d))).toEqual(a[1]);
  });

  test('reshuffleEachIteration: false repeats one order', async () => {
    const es = await epochs(range(20).shuffle(20, { seed: 5, reshuffleEachIteration: false }), 20, 3);
    expect(es[1]).toEqual(es[0]);
    expect(es[2]).toEqual(es[0]);
    expect(es[0]).not.toEqual(identity(20));
  });

  // Uniformity: with a buffer holding the whole dataset, every element is equally likely at every position. Over R
  // passes the counts c[element][position] have expectation E = R/n; X^2 = sum (c - E)^2 / E is chi-square with
  // (n-1)^2 degrees of freedom (rows and columns each sum to R). Wilson-Hilferty gives the 0.999 quantile:
  // k * (1 - 2/(9k) + z * sqrt(2/(9k)))^3 with z = 3.09. Seeds are fixed, so the test is deterministic; the
  // negative control (a buffer of 2, far from uniform) shows the statistic would catch a biased shuffle.
  const chiSquare = async (n: number, buffer: number, passes: number, seed: number) => {
    const counts = Array.from({ length: n }, () => new Array<number>(n).fill(0));
    const all = scalars(await collect(range(n).shuffle(buffer, { seed }).repeat(passes), n * passes + 1));
    all.forEach((v, i) => { counts[v][i % n]++; });
    const expected = passes / n;
    return counts.flat().reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
  };
  const quantile999 = (k: number) => k * (1 - 2 / (9 * k) + 3.09 * Math.sqrt(2 / (9 * k))) ** 3;

  test('positions are uniform (chi-square over element x position, p = 0.001)', async () => {
    const n = 8, passes = 4000, threshold = quantile999((n - 1) ** 2); // about 84.3 for 49 dof
    expect(threshold).toBeGreaterThan(80);
    expect(threshold).toBeLessThan(90);
    for (const seed of [1, 2]) expect(await chiSquare(n, n, passes, seed)).toBeLessThan(threshold);
    expect(await chiSquare(n, 2, passes, 1)).toBeGreaterThan(10 * threshold);
  });

  test("TF's buffer semantics: the first output is drawn uniformly from the first bufferSize elements", async () => {
    const n = 20, b = 5, passes = 3000;
    const counts = new Array<number>(n).fill(0);
    const ds = range(n).shuffle(b, { seed: 9 });
    for (let p = 0; p < passes; p++) counts[(await collect(ds.take(1)))[0].scalar()]++;
    expect(counts.slice(b).every((c) => c === 0)).toBe(true);
    // chi-square over the b possible first elements, b - 1 = 4 dof: the 0.999 quantile is 18.47
    const e = passes / b;
    expect(counts.slice(0, b).reduce((s, c) => s + (c - e) ** 2 / e, 0)).toBeLessThan(18.47);
  });

  test('bad buffer sizes and seeds are InvalidArgumentErrors', () => {
    for (const bad of [0, -1, 2.5, NaN]) expect(() => range(3).shuffle(bad)).toThrow(tf.errors.InvalidArgumentError);
    expect(() => range(3).shuffle(2.5)).toThrow(/bufferSize must be an integer >= 1, got 2.5/);
    expect(() => range(3).shuffle(2, { seed: -1 })).toThrow(tf.errors.InvalidArgumentError);
  });
});

describe('batch, repeat, take, skip, zip', () => {
  test('batch stacks along a new first axis; the remainder is kept or dropped', async () => {
    const xs = tf.ndarray(Float32Array.from({ length: 10 }, (_, i) => i), [5, 2]);
    const ds = Dataset.fromTensorSlices({ x: xs, y: new Int32Array([10, 11, 12, 13, 14]) });
    const b = await collect(ds.batch(2));
    expect(b.map((e) => e.x.shape)).toEqual([[2, 2], [2, 2], [1, 2]]);
    expect(b.map((e) => [e.x.toArray(), e.y.toArray()])).toEqual([
      [[[0, 1], [2, 3]], [10, 11]], [[[4, 5], [6, 7]], [12, 13]], [[[8, 9]], [14]],
    ]);
    expect(b[0].y.dtype).toBe('int32');
    const dropped = await collect(ds.batch(2, { dropRemainder: true }));
    expect(dropped.map((e) => e.y.toArray())).toEqual([[10, 11], [12, 13]]);
    expect(ds.batch(2).cardinality()).toBe(3);
    expect(ds.batch(2, { dropRemainder: true }).cardinality()).toBe(2);
    expect((await collect(ds.batch(8)))[0].y.toArray()).toEqual([10, 11, 12, 13, 14]);
  });

  test('batching elements of different shapes names the batch and the element', async () => {
    const ds = Dataset.fromGenerator(function* gen() { yield [1, 2]; yield [1, 2, 3]; });
    await expect(collect(ds.batch(2))).rejects.toThrow(/batch 0: element 1 of the batch is float32\[3\], element 0 is float32\[2\]/);
  });

  test('counts: batch(0), negative and fractional counts are InvalidArgumentErrors; -1 means all, as in TF', async () => {
    const ds = range(4);
    for (const f of [() => ds.batch(0), () => ds.batch(-2), () => ds.batch(1.5), () => ds.repeat(-2), () => ds.take(-2), () => ds.skip(-3),
      () => ds.prefetch(-2), () => ds.take(0.5), () => ds.map((x) => x, { numParallelCalls: 0 })]) {
      expect(f).toThrow(tf.errors.InvalidArgumentError);
    }
    expect(() => ds.batch(0)).toThrow(/batchSize must be an integer >= 1, got 0/);
    expect(scalars(await collect(ds.take(-1)))).toEqual([0, 1, 2, 3]);
    expect(await collect(ds.skip(-1))).toEqual([]);
    expect(scalars(await collect(ds.repeat(-1).take(6)))).toEqual([0, 1, 2, 3, 0, 1]);
  });

  test('repeat, take and skip compose, with cardinalities', async () => {
    const ds = range(5);
    expect(scalars(await collect(ds.repeat(2)))).toEqual([0, 1, 2, 3, 4, 0, 1, 2, 3, 4]);
    expect(scalars(await collect(ds.skip(2).take(2)))).toEqual([2, 3]);
    expect(scalars(await collect(ds.repeat().skip(3).take(4)))).toEqual([3, 4, 0, 1]);
    expect(await collect(ds.take(0))).toEqual([]);
    expect(await collect(Dataset.fromGenerator(() => []).repeat())).toEqual([]); // an empty dataset repeated ends
    expect([ds.repeat(3).cardinality(), ds.repeat().cardinality(), ds.repeat().take(7).cardinality(), ds.skip(9).cardinality()])
      .toEqual([15, tf.data.INFINITE_CARDINALITY, 7, 0]);
    expect(Dataset.fromGenerator(() => [1]).cardinality()).toBe(tf.data.UNKNOWN_CARDINALITY);
  });

  test('zip pairs elements as a tuple or a dict and ends with the shortest', async () => {
    const t = await collect(Dataset.zip([range(3), range(5).skip(1)]));
    expect(t.map(([a, b]) => [a.scalar(), b.scalar()])).toEqual([[0, 1], [1, 2], [2, 3]]);
    const d = await collect(Dataset.zip({ a: range(2), b: Dataset.fromTensorSlices([[1, 1], [2, 2], [3, 3]]) }).batch(2));
    expect(d.map((e) => [e.a.toArray(), e.b.toArray()])).toEqual([[[0, 1], [[1, 1], [2, 2]]]]);
    expect(Dataset.zip([range(3), range(5)]).cardinality()).toBe(3);
  });

  test('fromGenerator calls the generator again for each pass; async generators work', async () => {
    let calls = 0;
    const ds = Dataset.fromGenerator(async function* gen() { calls++; yield 1; await sleep(1); yield { a: [2, 3] }; });
    const es = await collect(ds.repeat(2));
    expect(calls).toBe(2);
    expect(es.map((e) => (e instanceof tf.NDArray ? e.scalar() : (e as { a: tf.NDArray }).a.toArray()))).toEqual([1, [2, 3], 1, [2, 3]]);
  });
});

describe('map', () => {
  const ds = Dataset.fromTensorSlices({ x: tf.ndarray(Float32Array.from({ length: 12 }, (_, i) => i - 3), [6, 2]) });
  // Written against the fields both an NDArray and a worker's NDArray have, so it runs the same in both places.
  const f = (e: { x: tf.NDArray }) => ({
    doubled: e.x.data.map((v: number) => v * 2),
    sum: Array.from(e.x.data).reduce((a, b) => a + b, 0),
    asList: e.x.toArray(),
    reshaped: e.x.reshape([2, 1]),
  });

  test('serial map: hand-computed values; an async function is awaited', async () => {
    const out = await collect(ds.map(f));
    expect(out.map((o) => [o.doubled.toArray(), o.sum.scalar(), o.asList.toArray(), o.reshaped.shape])).toEqual(
      Array.from({ length: 6 }, (_, i) => [[(2 * i - 3) * 2, (2 * i - 2) * 2], 4 * i - 5, [2 * i - 3, 2 * i - 2], [2, 1]]));
    const slow = await collect(range(3).map(async (x) => { await sleep(2); return x.scalar() * 10; }));
    expect(scalars(slow)).toEqual([0, 10, 20]);
  });

  test('parallel map (worker threads) gives the elements the serial map gives, in input order', async () => {
    const serial = await collect(ds.map(f));
    const parallel = await collect(ds.map(f, { numParallelCalls: 2 }));
    expect(parallel.length).toBe(serial.length);
    parallel.forEach((p, i) => {
      for (const k of ['doubled', 'sum', 'asList', 'reshaped'] as const) {
        expect([p[k].dtype, p[k].shape, Array.from(p[k].data)]).toEqual([serial[i][k].dtype, serial[i][k].shape, Array.from(serial[i][k].data)]);
      }
    });
    // Later elements finish first (shorter sleeps), yet come out in order.
    const ordered = await collect(range(8).map(async (x) => {
      await new Promise((r) => setTimeout(r, 40 - 5 * x.scalar()));
      return x.scalar();
    }, { numParallelCalls: 3 }));
    expect(scalars(ordered)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  test('an error in the map function names the element and keeps the original as cause', async () => {
    const boom = (x: tf.NDArray) => { if (x.scalar() === 3) throw new RangeError('three is not allowed'); return x; };
    const err = await collect(range(6).map(boom)).catch((e: unknown) => e) as Error;
    expect(err).toBeInstanceOf(tf.errors.UnknownError);
    expect(err.message).toMatch(/failed on element 3: RangeError: three is not allowed/);
    expect(err.cause).toBeInstanceOf(RangeError);
    // a Kiln error keeps its class
    const kiln = await collect(range(2).map(() => tf.ndarray([1.5], undefined, 'int32'))).catch((e: unknown) => e) as Error;
    expect(kiln).toBeInstanceOf(tf.errors.InvalidArgumentError);
    expect(kiln.message).toMatch(/element 0/);
    // in a worker: the same, with the worker's error as cause
    const w = await collect(range(6).map(boom, { numParallelCalls: 2 })).catch((e: unknown) => e) as Error;
    expect(w).toBeInstanceOf(tf.errors.UnknownError);
    expect(w.message).toMatch(/failed on element 3: RangeError: three is not allowed/);
    expect((w.cause as Error).message).toBe('three is not allowed');
  });

  test('a function that captures a variable fails in a worker with a message that says why', async () => {
    const factor = 3;
    const err = await collect(range(2).map((x) => x.scalar() * factor, { numParallelCalls: 1 })).catch((e: unknown) => e) as Error;
    expect(err.message).toMatch(/element 0: ReferenceError: .*factor.*cannot use variables of the scope/);
    expect(() => range(2).map(Math.abs as never, { numParallelCalls: 1 })).toThrow(/native or bound/);
  });

  test('a worker map over a large array sends only the row (not the whole buffer)', async () => {
    const big = tf.ndarray(new Float32Array(200000 * 10).fill(1), [200000, 10]);
    const out = await collect(Dataset.fromTensorSlices(big).take(4).map((x) => x.data.buffer.byteLength, { numParallelCalls: 2 }));
    expect(scalars(out)).toEqual([40, 40, 40, 40]);
  });
});

describe('prefetch', () => {
  test('keeps the order, runs ahead while the consumer waits, and delivers an error in its place', async () => {
    let produced = 0;
    const ds = Dataset.fromGenerator(async function* gen() {
      for (let i = 0; i < 20; i++) { await sleep(i % 3); produced++; yield i; }
    });
    expect(scalars(await collect(ds.prefetch(4)))).toEqual(Array.from({ length: 20 }, (_, i) => i));
    produced = 0;
    const it = ds.prefetch(3)[Symbol.asyncIterator]();
    expect((await it.next()).value.scalar()).toBe(0);
    for (let t = 0; t < 100 && produced < 4; t++) await sleep(10);
    await sleep(50);
    expect(produced).toBe(4); // the one consumed and three more, no further
    await it.return!();

    const failing = Dataset.fromGenerator(function* gen() { yield 1; yield 2; throw new Error('disk gone'); });
    const seen: number[] = [];
    const err = await (async () => { for await (const e of failing.prefetch(5)) seen.push(e.scalar()); })().catch((e: Error) => e);
    expect(seen).toEqual([1, 2]);
    expect((err as Error).message).toBe('disk gone');
  });

  test('calls to next() without waiting for each other get the elements in order, then the end, all of them', async () => {
    const it = range(3).prefetch(2)[Symbol.asyncIterator]();
    const rs = await Promise.all([it.next(), it.next(), it.next(), it.next(), it.next()]);
    expect(rs.map((r) => (r.done === true ? 'end' : r.value.scalar()))).toEqual([0, 1, 2, 'end', 'end']);
  });

  test('behind a prefetch, a map in a worker works on the next element while the consumer handles this one', async () => {
    // Each map call busy-waits 30 ms in a worker and reports when it started; the consumer takes 30 ms per element.
    // With prefetch, element k+1's map starts while the consumer still holds element k; without it, only after.
    // (An order of events, not a speed: how fast is bench/data_prefetch.js's business.)
    const busy = (x: tf.NDArray) => { const t = Date.now(); while (Date.now() - t < 30) { /* busy */ } return [x, new Float64Array([t])]; };
    const gaps = async (ds: AsyncIterable<Element>) => {
      const starts: number[] = [], ends: number[] = [];
      for await (const e of ds) {
        starts.push((e as tf.NDArray[])[1].data[0]);
        await sleep(30);
        ends.push(Date.now());
      }
      return starts.slice(1).map((s, k) => s - ends[k]); // when map k+1 started, minus when the consumer let go of k
    };
    const mapped = range(6).map(busy, { numParallelCalls: 1 });
    expect((await gaps(mapped)).every((d) => d >= 0)).toBe(true);
    expect((await gaps(mapped.prefetch(2))).every((d) => d < 0)).toBe(true);
  });
});

describe('a batch is a feed', () => {
  test('sess.run(fetch, batch) gives the numbers the same arrays fed by hand give (cpu executor)', async () => {
    const g = new tf.Graph();
    const { x, y, out } = g.asDefault(() => {
      const x = tf.placeholder('float32', [null, 3], 'x');
      const y = tf.placeholder('int32', [null], 'y');
      const out = tf.reduceSum(tf.mul(x, tf.expandDims(tf.cast(y, 'float32'), 1)), 1);
      return { x, y, out };
    });
    // column 0 is row + 0.5 (unique, so a batch row tells which input row it is); the rest varies in sign
    const xs = Float32Array.from({ length: 15 }, (_, i) => (i % 3 === 0 ? i / 3 + 0.5 : ((i * 7) % 11) - 5));
    const ys = Int32Array.from([2, -1, 3, 0, 1]);
    const ds = Dataset.fromTensorSlices({ x: tf.ndarray(xs, [5, 3]), y: ys }).shuffle(5, { seed: 2 }).batch(2);
    const sess = await tf.Session.create({ graph: g, executor: 'cpu' });
    try {
      const seen: number[] = [];
      for await (const batch of ds) {
        const viaBatch = await sess.run(out, batch);
        const n = batch.y.shape[0];
        const rows = Array.from({ length: n }, (_, r) => xs.indexOf(batch.x.data[r * 3]) / 3);
        seen.push(...rows);
        const xh = new Float32Array(n * 3), yh = new Int32Array(n);
        rows.forEach((row, r) => { xh.set(xs.subarray(row * 3, row * 3 + 3), r * 3); yh[r] = ys[row]; });
        const byHand = await sess.run(out, new Map<tf.Tensor, tf.FeedValue>([[x, tf.ndarray(xh, [n, 3])], [y, tf.ndarray(yh, [n], 'int32')]]));
        expect(Array.from(viaBatch.data)).toEqual(Array.from(byHand.data));
        // and the value itself, computed here: sum_j x[row, j] * y[row]
        expect(Array.from(viaBatch.data, (v) => v + 0)).toEqual(rows.map((row) => (xs[row * 3] + xs[row * 3 + 1] + xs[row * 3 + 2]) * ys[row] + 0)); // + 0: -0 as 0
      }
      expect([...seen].sort()).toEqual([0, 1, 2, 3, 4]);
    } finally {
      await sess.close();
    }
  });
});

describe("the README's example", () => {
  test('readNpz -> fromTensorSlices -> shuffle -> map -> batch -> prefetch feeds a training step', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kiln-readme-'));
    try {
      const n = 10;
      const pixels = tf.ndarray(Float32Array.from({ length: n * 4 }, (_, i) => (i * 37) % 256), [n, 2, 2]);
      const ys = tf.ndarray(Int32Array.from({ length: n }, (_, i) => i % 3), [n], 'int32');
      writeFileSync(path.join(dir, 'train.npz'), zip([{ name: 'images.npy', data: writeNpy(pixels), method: 8 }, { name: 'labels.npy', data: writeNpy(ys), method: 0 }]));
      const g = new tf.Graph();
      const { trainOp, loss } = g.asDefault(() => {
        const x = tf.placeholder('float32', [null, 2, 2], 'images');
        const y = tf.placeholder('int32', [null], 'labels');
        const logits = tf.layers.dense(tf.reshape(x, [-1, 4]), 3, { kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) });
        const loss = tf.losses.sparseSoftmaxCrossEntropy(y, logits);
        return { loss, trainOp: new tf.train.GradientDescentOptimizer(0.5).minimize(loss) };
      });
      const sess = await tf.Session.create({ graph: g, executor: 'cpu' });
      await sess.run(g.asDefault(() => tf.globalVariablesInitializer()));
      // the README's lines, with the file and sizes of this test
      const { images, labels } = await tf.data.readNpz(path.join(dir, 'train.npz'));
      const ds = tf.data.Dataset.fromTensorSlices({ images, labels })
        .shuffle(10000, { seed: 1 })
        .map(({ images, labels }) => ({ images: tf.ndarray(Float32Array.from(images.data, (v) => v / 255), images.shape), labels }))
        .batch(4)
        .prefetch(2);
      const losses: number[] = [];
      for (let epoch = 0; epoch < 5; epoch++) {
        for await (const batch of ds) {
          expect(Math.max(...batch.images.data)).toBeLessThanOrEqual(1);
          await sess.run(trainOp, batch);
        }
        losses.push((await sess.run(loss, { images: tf.ndarray(Float32Array.from(pixels.data, (v) => v / 255), [n, 2, 2]), labels: ys })).scalar());
      }
      await sess.close();
      expect(losses[4]).toBeLessThan(losses[0]); // it trains
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('readers', () => {
  let dir: string;
  beforeAll(() => { dir = mkdtempSync(path.join(os.tmpdir(), 'kiln-data-')); });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** An IDX file as MNIST's are written: 00 00 type rank, big-endian uint32 dims, big-endian values. */
  const idx = (type: number, shape: number[], values: number[], bytesPer: number, put: (v: DataView, p: number, x: number) => void) => {
    const head = 4 + 4 * shape.length;
    const out = new Uint8Array(head + values.length * bytesPer);
    const v = new DataView(out.buffer);
    out[2] = type; out[3] = shape.length;
    shape.forEach((d, i) => v.setUint32(4 + 4 * i, d, false));
    values.forEach((x, i) => put(v, head + i * bytesPer, x));
    return out;
  };

  test('IDX: ubyte images (plain and gzipped), labels, float and short files', async () => {
    const pixels = [0, 1, 127, 128, 200, 255, 3, 4, 5, 6, 7, 8];
    const images = idx(0x08, [3, 2, 2], pixels, 1, (v, p, x) => v.setUint8(p, x));
    writeFileSync(path.join(dir, 'train-images-idx3-ubyte'), images);
    writeFileSync(path.join(dir, 'train-images-idx3-ubyte.gz'), gzipSync(images));
    for (const name of ['train-images-idx3-ubyte', 'train-images-idx3-ubyte.gz']) {
      const a = await tf.data.readIdx(path.join(dir, name));
      expect([a.dtype, a.shape, Array.from(a.data)]).toEqual(['int32', [3, 2, 2], pixels]);
    }
    const f = await tf.data.readIdx(path.join(dir, 'train-images-idx3-ubyte'), { dtype: 'float32' });
    expect([f.dtype, Array.from(f.data)]).toEqual(['float32', pixels]);
    const floats = idx(0x0d, [2], [1.5, -2.25], 4, (v, p, x) => v.setFloat32(p, x, false));
    expect(Array.from(tf.data.parseIdx(floats, 'f').data)).toEqual([1.5, -2.25]);
    const shorts = idx(0x0b, [3], [-300, 0, 1000], 2, (v, p, x) => v.setInt16(p, x, false));
    expect(Array.from(tf.data.parseIdx(shorts, 's').data)).toEqual([-300, 0, 1000]);
  });

  test('IDX: bad magic, a short file and a missing one are errors naming the file and what was expected', async () => {
    const file = path.join(dir, 'bad-idx');
    writeFileSync(file, Uint8Array.from([0x50, 0x4b, 3, 4, 0, 0, 0, 0]));
    await expect(tf.data.readIdx(file)).rejects.toThrow(new RegExp(`${file}: not an IDX file: expected the magic 00 00 <type 08\\|09\\|0b\\|0c\\|0d\\|0e> <rank>, got 50 4b 03 04`));
    const short = idx(0x08, [60000, 28, 28], [1, 2, 3], 1, (v, p, x) => v.setUint8(p, x));
    await expect(Promise.resolve().then(() => tf.data.parseIdx(short, 'train-images-idx3-ubyte')))
      .rejects.toThrow(/train-images-idx3-ubyte: truncated data: the header says \[60000, 28, 28\] of ubyte \(47040000 bytes after the header\), the file has 3/);
    expect(() => tf.data.parseIdx(Uint8Array.from([0, 0, 8, 3, 0, 0]), 'h')).toThrow(/h: truncated header: rank 3 needs 16 bytes, the file has 6/);
    await expect(tf.data.readIdx(path.join(dir, 'nope'))).rejects.toThrow(tf.errors.NotFoundError);
    await expect(tf.data.readIdx(file)).rejects.toThrow(tf.errors.InvalidArgumentError);
  });

  test('.npz: stored and deflated entries written by hand', async () => {
    const x = tf.ndarray(Float32Array.from([0.5, -1, 2, 3.25, 4, 5]), [2, 3]);
    const y = tf.ndarray(Int32Array.from([7, -8]), [2], 'int32');
    const file = path.join(dir, 'arrays.npz');
    writeFileSync(file, zip([{ name: 'x.npy', data: writeNpy(x), method: 0 }, { name: 'y.npy', data: writeNpy(y), method: 8 }]));
    const got = await tf.data.readNpz(file);
    expect(Object.keys(got)).toEqual(['x', 'y']);
    expect([got.x.dtype, got.x.shape, Array.from(got.x.data)]).toEqual(['float32', [2, 3], [0.5, -1, 2, 3.25, 4, 5]]);
    expect([got.y.dtype, Array.from(got.y.data)]).toEqual(['int32', [7, -8]]);
    // and straight into a dataset
    const rows = await collect(Dataset.fromTensorSlices(got).batch(2));
    expect(rows[0].x.shape).toEqual([2, 3]);
  });

  test('.npz files numpy wrote (np.savez: stored, np.savez_compressed: deflated, zip64 local headers)', async () => {
    const dirData = path.join(here, 'testdata', 'npz');
    const s = await tf.data.readNpz(path.join(dirData, 'stored.npz'));
    expect([s.x.dtype, s.x.shape, Array.from(s.x.data)]).toEqual(['float32', [3, 4], Array.from({ length: 12 }, (_, i) => i / 4)]);
    expect([s.labels.dtype, Array.from(s.labels.data)]).toEqual(['int32', [3, 1, 4]]);
    const c = await tf.data.readNpz(path.join(dirData, 'compressed.npz'));
    expect(Object.keys(c).sort()).toEqual(['big', 'mask', 'x']);
    expect([c.big.dtype, Array.from(c.big.data)]).toEqual(['int64', [-5, -4, -3, -2, -1, 0, 1, 2, 3, 4]]);
    expect([c.mask.dtype, c.mask.toArray()]).toEqual(['bool', [[true, false], [false, true]]]);
  });

  test('.npz: not a zip, a corrupt entry and an unsupported method are errors naming the file', async () => {
    expect(() => tf.data.parseNpz(new Uint8Array(100), 'a.npz')).toThrow(/a\.npz: not an \.npz file/);
    const good = zip([{ name: 'x.npy', data: writeNpy(tf.ndarray([1, 2, 3])), method: 0 }]);
    const corrupt = Uint8Array.from(good);
    corrupt[30 + 'x.npy'.length + 130] ^= 0xff; // a data byte of the stored .npy
    expect(() => tf.data.parseNpz(corrupt, 'c.npz')).toThrow(/c\.npz: 'x\.npy' fails its CRC-32 check/);
    const bzip = Uint8Array.from(good);
    new DataView(bzip.buffer).setUint16(good.length - 22 - 46 - 5 + 10, 12, true); // central directory: method 12
    expect(() => tf.data.parseNpz(bzip, 'b.npz')).toThrow(tf.errors.UnimplementedError);
    await expect(tf.data.readNpyFile(path.join(dir, 'missing.npy'))).rejects.toThrow(tf.errors.NotFoundError);
  });
});
