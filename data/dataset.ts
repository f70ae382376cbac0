// tf.data's Dataset for Kiln: a description of an input pipeline (slices of arrays, a generator) and its
// transformations, each iteration (`for await`) a fresh pass. Elements are NDArrays in tuples (JS arrays) and dicts
// (plain objects); a dict of NDArrays keyed by placeholder names is a feed as it is: `sess.run(trainOp, batch)`.
//
// Semantics are TF's: shuffle draws uniformly from a buffer of `bufferSize` elements (the whole dataset when the
// buffer holds it all) and reshuffles on each pass; repeat after shuffle reshuffles every epoch; batch stacks along a
// new first axis; map keeps the input order also when its calls run in parallel; prefetch keeps up to `n` elements
// ready, produced while the consumer works (a Session run on the GPU, a map in workers, a file read).
import os from 'node:os';
import { KilnError, InvalidArgumentError, UnknownError } from '../graph/errors.js';
import { TypedArray } from '../graph/dtypes.js';
import { NDArray, NestedArray } from '../graph/ndarray.js';
import { functionSource, WorkerPool } from './parallel_map.js';
import { mixSeed, rng } from './random.js';
import { Element, ElementOf, leavesOf, mapLeaves, normalizeElement, sliceRow, stackElements } from './structure.js';

/** TF's tf.data.AUTOTUNE: numParallelCalls = the machine's cores; a prefetch buffer of 2. */
export const AUTOTUNE = -1;
/** What `cardinality()` returns for a dataset without end (`repeat()`), and for one whose length is not known. */
export const INFINITE_CARDINALITY = -1;
export const UNKNOWN_CARDINALITY = -2;

/** What fromTensorSlices slices: an NDArray (a typed array gets its shape from `tf.ndarray(data, shape)`), a typed
 * array (1-D), or nested number arrays. */
export type Sliceable = NDArray | TypedArray | NestedArray;

export interface ShuffleOptions {
  /** The same seed gives the same sequence of epochs; without one, a random seed is drawn once per dataset. */
  seed?: number;
  /** A new order on each pass (TF's default, true), or the same order every pass. */
  reshuffleEachIteration?: boolean;
}

export interface MapOptions {
  /**
   * Run the function in this many worker threads (or AUTOTUNE: one per core); the output order is still the input
   * order. The function then travels as its source text: it sees its argument, globals, `require` and `import()`,
   * not variables of the scope it was written in; its argument's NDArrays carry `dtype`, `shape`, `data`, `size`,
   * `rank`, `scalar()`, `toArray()`, `reshape()` (and `NDArray` is a global there for building results); it returns
   * what a serial map may return.
   */
  numParallelCalls?: number;
}

/** Counts: a non-negative integer; `-1` means "all"/"forever" where TF says so (repeat, take, skip). */
function checkCount(n: unknown, what: string, opts: { min: number; minusOne?: boolean }): number {
  if (typeof n !== 'number' || !Number.isInteger(n) || (n < opts.min && !(opts.minusOne === true && n === -1))) {
    const allowed = `an integer >= ${opts.min}${opts.minusOne === true ? ' (or -1)' : ''}`;
    throw new InvalidArgumentError(`Dataset.${what} must be ${allowed}, got ${String(n)}`);
  }
  return n;
}

/** An error of the map function as a Kiln error naming the element; the original is its `cause`. */
function mapError(err: unknown, index: number, inWorker: boolean): KilnError {
  const original = err instanceof Error ? err : new Error(String(err));
  const Kind = original instanceof KilnError ? (original.constructor as new (m: string) => KilnError) : UnknownError;
  const hint = inWorker && original.name === 'ReferenceError'
    ? ' (with numParallelCalls the function runs in a worker from its source text: it cannot use variables of the scope it was written in)'
    : '';
  const e = new Kind(`Dataset.map: the map function failed on element ${index}: ${original.name}: ${original.message}${hint}`);
  Object.defineProperty(e, 'cause', { value: original, enumerable: false, writable: true, configurable: true });
  return e;
}

function randomSeed(): number {
  return Math.floor(Math.random() * 4294967296);
}

export class Dataset<T extends Element = Element> implements AsyncIterable<T> {
  private constructor(
    private readonly source: () => AsyncIterator<T>,
    private readonly size: number,
  ) {}

  /** One pass over the dataset. */
  [Symbol.asyncIterator](): AsyncIterator<T> {
    return this.source();
  }

  /** The number of elements, INFINITE_CARDINALITY, or UNKNOWN_CARDINALITY (a generator, a filter-like map). */
  cardinality(): number {
    return this.size;
  }

  private derive<U extends Element>(gen: () => AsyncIterator<U>, size: number): Dataset<U> {
    return new Dataset(gen, size);
  }

  /**
   * The slices of `x` along its first axis: one element per row. `x` is an array (NDArray, typed array, nested
   * numbers), a tuple of them (a JS array of NDArrays) or an object of them; all must have the same first dim.
   * Elements are views of the input's memory (no copy until a batch stacks them).
   */
  static fromTensorSlices(x: Sliceable): Dataset<NDArray>;
  static fromTensorSlices<O extends Record<string, Sliceable>>(x: O): Dataset<{ [K in keyof O]: NDArray }>;
  static fromTensorSlices(x: unknown): Dataset<Element>;
  static fromTensorSlices(x: unknown): Dataset<Element> {
    const root = normalizeElement(x, 'Dataset.fromTensorSlices');
    const leaves = leavesOf(root);
    if (leaves.length === 0) throw new InvalidArgumentError('Dataset.fromTensorSlices: nothing to slice (no arrays given)');
    const name = (p: string): string => (p === '' ? 'the array' : `'${p}'`);
    for (const [p, a] of leaves) {
      if (a.rank === 0) throw new InvalidArgumentError(`Dataset.fromTensorSlices: ${name(p)} is a scalar; slicing needs at least one dimension`);
    }
    const n = leaves[0][1].shape[0];
    const bad = leaves.filter(([, a]) => a.shape[0] !== n);
    if (bad.length > 0) {
      const dims = leaves.map(([p, a]) => `${name(p)} has ${a.shape[0]}`).join(', ');
      throw new InvalidArgumentError(`Dataset.fromTensorSlices: the arrays must have the same first dimension: ${dims}`);
    }
    return new Dataset(async function* slices() {
      for (let i = 0; i < n; i++) yield mapLeaves(root, (a) => sliceRow(a, i));
    }, n);
  }

  /**
   * The elements `fn()` yields (an iterable or async iterable; `fn` is called again for every pass, as TF calls the
   * generator). Values are normalised as map results are: numbers and nested number arrays become NDArrays.
   */
  static fromGenerator<U>(fn: () => Iterable<U> | AsyncIterable<U>): Dataset<ElementOf<U>> {
    if (typeof fn !== 'function') throw new InvalidArgumentError('Dataset.fromGenerator needs a function that returns an iterable');
    return new Dataset(async function* generated() {
      let i = 0;
      for await (const v of fn()) yield normalizeElement(v, `Dataset.fromGenerator: element ${i++}`) as ElementOf<U>;
    }, UNKNOWN_CARDINALITY);
  }

  /** Elements of several datasets side by side (a tuple, or a dict for an object); ends with the shortest. */
  static zip<D extends readonly Dataset<Element>[]>(datasets: [...D]): Dataset<{ -readonly [K in keyof D]: D[K] extends Dataset<infer E> ? E : never }>;
  static zip<D extends Record<string, Dataset<Element>>>(datasets: D): Dataset<{ -readonly [K in keyof D]: D[K] extends Dataset<infer E> ? E : never }>;
  static zip(datasets: readonly Dataset<Element>[] | Record<string, Dataset<Element>>): Dataset<Element> {
    const entries: Array<[string, Dataset<Element>]> = Array.isArray(datasets) ? datasets.map((d, i) => [String(i), d]) : Object.entries(datasets);
    if (entries.length === 0 || entries.some(([, d]) => !(d instanceof Dataset))) {
      throw new InvalidArgumentError('Dataset.zip needs an array or object of Datasets (at least one)');
    }
    const sizes = entries.map(([, d]) => d.size);
    const size = sizes.includes(UNKNOWN_CARDINALITY) ? UNKNOWN_CARDINALITY
      : sizes.every((s) => s === INFINITE_CARDINALITY) ? INFINITE_CARDINALITY : Math.min(...sizes.filter((s) => s >= 0));
    const asArray = Array.isArray(datasets);
    return new Dataset(async function* zipped() {
      const its = entries.map(([, d]) => d[Symbol.asyncIterator]());
      try {
        for (;;) {
          const rs = await Promise.all(its.map((it) => it.next()));
          if (rs.some((r) => r.done === true)) return;
          const values = rs.map((r) => r.value as Element);
          yield asArray ? values : Object.fromEntries(entries.map(([k], i) => [k, values[i]]));
        }
      } finally {
        await Promise.all(its.map((it) => it.return?.()));
      }
    }, size);
  }

  /**
   * TF's buffer shuffle: fills a buffer of `bufferSize` elements, then repeatedly outputs one drawn uniformly from it
   * and refills its place from the input. A buffer at least as large as the dataset gives a uniform permutation.
   */
  shuffle(bufferSize: number, opts: ShuffleOptions = {}): Dataset<T> {
    checkCount(bufferSize, 'shuffle: bufferSize', { min: 1 });
    if (opts.seed !== undefined && (!Number.isInteger(opts.seed) || opts.seed < 0)) {
      throw new InvalidArgumentError(`Dataset.shuffle: seed must be a non-negative integer, got ${String(opts.seed)}`);
    }
    const seed = opts.seed ?? randomSeed();
    const reshuffle = opts.reshuffleEachIteration ?? true;
    let passes = 0;
    const input = this;
    return this.derive(() => {
      const next = rng(mixSeed(seed, reshuffle ? passes++ : 0));
      return (async function* shuffled() {
        const buffer: T[] = [];
        const it = input[Symbol.asyncIterator]();
        try {
          let exhausted = false;
          for (;;) {
            while (!exhausted && buffer.length < bufferSize) {
              const r = await it.next();
              if (r.done === true) exhausted = true;
              else buffer.push(r.value);
            }
            if (buffer.length === 0) return;
            const j = Math.floor(next() * buffer.length);
            const out = buffer[j];
            buffer[j] = buffer[buffer.length - 1];
            buffer.pop();
            yield out;
          }
        } finally {
          await it.return?.();
        }
      })();
    }, this.size);
  }

  /** Stacks `n` consecutive elements into one with a leading dim (the last batch is smaller unless `dropRemainder`). */
  batch(n: number, opts: { dropRemainder?: boolean } = {}): Dataset<T> {
    checkCount(n, 'batch: batchSize', { min: 1 });
    const drop = opts.dropRemainder ?? false;
    const input = this;
    const size = this.size < 0 ? this.size : drop ? Math.floor(this.size / n) : Math.ceil(this.size / n);
    return this.derive(async function* batched() {
      let buf: T[] = [];
      let k = 0;
      for await (const e of input) {
        buf.push(e);
        if (buf.length === n) {
          yield stackElements(buf, `Dataset.batch: batch ${k++}`) as T;
          buf = [];
        }
      }
      if (buf.length > 0 && !drop) yield stackElements(buf, `Dataset.batch: batch ${k}`) as T;
    }, size);
  }

  /** `count` passes over the dataset (forever without one, or with -1); a dataset that yields nothing ends. */
  repeat(count?: number): Dataset<T> {
    const times = count === undefined ? -1 : checkCount(count, 'repeat: count', { min: 0, minusOne: true });
    const input = this;
    const size = times === -1 ? (this.size === 0 ? 0 : this.size === UNKNOWN_CARDINALITY ? UNKNOWN_CARDINALITY : INFINITE_CARDINALITY)
      : this.size < 0 ? this.size : this.size * times;
    return this.derive(async function* repeated() {
      for (let pass = 0; times === -1 || pass < times; pass++) {
        let any = false;
        for await (const e of input) { any = true; yield e; }
        if (!any) return;
      }
    }, size);
  }

  /**
   * `fn` applied to every element (it may be async). An error it throws becomes a Kiln error naming the element's
   * index, with the original as `cause` (a Kiln error keeps its class; anything else is an UnknownError, as TF
   * reports errors of user code). With `numParallelCalls`, the calls run in worker threads: see MapOptions.
   */
  map<U>(fn: (x: T) => U | Promise<U>, opts: MapOptions = {}): Dataset<ElementOf<U>> {
    if (typeof fn !== 'function') throw new InvalidArgumentError('Dataset.map needs a function');
    const input = this;
    if (opts.numParallelCalls === undefined) {
      return this.derive(async function* mapped() {
        let i = 0;
        for await (const e of input) {
          let out: U;
          try { out = await fn(e); } catch (err) { throw mapError(err, i, false); }
          yield normalizeElement(out, `Dataset.map: the result for element ${i++}`) as ElementOf<U>;
        }
      }, this.size);
    }
    const n = opts.numParallelCalls === AUTOTUNE ? os.availableParallelism()
      : checkCount(opts.numParallelCalls, 'map: numParallelCalls', { min: 1 });
    const source = functionSource(fn);
    return this.derive(async function* mappedInWorkers() {
      const pool = new WorkerPool(source, n);
      const it = input[Symbol.asyncIterator]();
      type Done = { value: unknown } | { error: unknown };
      const inFlight: Array<{ index: number; done: Promise<Done> }> = [];
      try {
        let exhausted = false;
        for (let index = 0; ;) {
          while (!exhausted && inFlight.length < n) {
            const r = await it.next();
            if (r.done === true) { exhausted = true; break; }
            const done = pool.run(r.value).then((value) => ({ value }), (error: unknown) => ({ error }));
            inFlight.push({ index: index++, done });
          }
          const head = inFlight.shift();
          if (head === undefined) return;
          const r = await head.done;
          if ('error' in r) throw mapError(r.error, head.index, true);
          yield normalizeElement(r.value, `Dataset.map: the result for element ${head.index}`) as ElementOf<U>;
        }
      } finally {
        await it.return?.();
        await pool.close();
      }
    }, this.size);
  }

  /**
   * Keeps up to `n` elements ready (AUTOTUNE: 2), produced in the background while the consumer works, so input
   * work overlaps with training. Order and errors are delivered as the input produced them.
   */
  prefetch(n: number): Dataset<T> {
    const depth = n === AUTOTUNE ? 2 : checkCount(n, 'prefetch: bufferSize', { min: 0 });
    if (depth === 0) return this;
    const input = this;
    return this.derive(() => prefetching(input[Symbol.asyncIterator](), depth), this.size);
  }

  /** The first `n` elements (all of them for -1). */
  take(n: number): Dataset<T> {
    const k = checkCount(n, 'take: count', { min: 0, minusOne: true });
    if (k === -1) return this;
    const input = this;
    const size = this.size === INFINITE_CARDINALITY ? k : this.size < 0 ? this.size : Math.min(k, this.size);
    return this.derive(async function* taken() {
      if (k === 0) return;
      let i = 0;
      for await (const e of input) {
        yield e;
        if (++i >= k) return;
      }
    }, size);
  }

  /** All but the first `n` elements (none for -1). */
  skip(n: number): Dataset<T> {
    const k = checkCount(n, 'skip: count', { min: 0, minusOne: true });
    const input = this;
    const size = k === -1 ? 0 : this.size < 0 ? this.size : Math.max(0, this.size - k);
    return this.derive(async function* skipped() {
      if (k === -1) return;
      let i = 0;
      for await (const e of input) if (i++ >= k) yield e;
    }, size);
  }
}

/** An iterator that runs `it` ahead into a queue of up to `depth` results. */
function prefetching<T>(it: AsyncIterator<T>, depth: number): AsyncIterator<T> {
  type Slot = { result: IteratorResult<T> } | { error: unknown };
  const queue: Slot[] = [];
  const consumers: Array<() => void> = []; // callers of next() waiting for a slot (for-await has one; be safe)
  let wakeProducer: (() => void) | undefined;
  let started = false;
  let stopped = false;
  let finished = false;
  const push = (s: Slot): void => { queue.push(s); for (const wake of consumers.splice(0)) wake(); };
  const pump = async (): Promise<void> => {
    try {
      while (!stopped) {
        if (queue.length >= depth) { await new Promise<void>((r) => { wakeProducer = r; }); continue; }
        const result = await it.next();
        push({ result });
        if (result.done === true) return;
      }
    } catch (error) {
      push({ error });
    }
  };
  return {
    async next(): Promise<IteratorResult<T>> {
      if (finished) return { done: true, value: undefined };
      if (!started) { started = true; void pump(); }
      while (queue.length === 0 && !finished) await new Promise<void>((r) => { consumers.push(r); });
      // The last slot (the end, or an error) stays queued, so that every later call sees the end too.
      const last = queue.length === 1 && ('error' in queue[0] || queue[0].result.done === true);
      if (finished && (queue.length === 0 || last)) return { done: true, value: undefined };
      const slot = last ? queue[0] : queue.shift()!;
      if (last) finished = true;
      wakeProducer?.();
      wakeProducer = undefined;
      // One event-loop turn before handing the element over: the producer's chain of promise jobs runs up to its
      // next real wait (a timer, a worker's reply, a read) first. Otherwise a consumer that computes synchronously
      // (the cpu executor) would run before the producer had started the next element, and nothing would overlap.
      await new Promise<void>((r) => setImmediate(r));
      if ('error' in slot) { stopped = true; throw slot.error; }
      return slot.result;
    },
    async return(): Promise<IteratorResult<T>> {
      finished = true;
      stopped = true;
      wakeProducer?.();
      for (const wake of consumers.splice(0)) wake();
      await it.return?.();
      return { done: true, value: undefined };
    },
  };
}
