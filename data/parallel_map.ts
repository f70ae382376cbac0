// Dataset.map(fn, {numParallelCalls}) runs `fn` in worker_threads. A function cannot be sent to another thread, so its
// source text is: the worker compiles it alone, with its arguments, the worker's globals, `require` and `import()`,
// and nothing from the scope where it was written (a captured variable is a ReferenceError there, which the error
// message points out). Elements cross as structured clones of fresh copies (a row of a big array is copied alone:
// cloning a typed-array view would clone its whole buffer); results come back by transfer.
import { Worker } from 'node:worker_threads';
import { TypedArray } from '../graph/dtypes.js';
import { InvalidArgumentError } from '../graph/errors.js';
import { NDArray } from '../graph/ndarray.js';
import { Element, mapLeaves } from './structure.js';

/** The worker: a CommonJS script (`eval: true`). Its NDArray carries the fields and helpers of Kiln's. */
const WORKER_SOURCE = String.raw`
const { parentPort, workerData } = require('node:worker_threads');
class NDArray {
  constructor(dtype, shape, data) { this.dtype = dtype; this.shape = [...shape]; this.data = data; }
  get size() { return this.data.length; }
  get rank() { return this.shape.length; }
  scalar() { if (this.data.length !== 1) throw new Error('scalar(): array of shape [' + this.shape + '] has ' + this.data.length + ' values'); return this.data[0]; }
  reshape(shape) { return new NDArray(this.dtype, shape, this.data); }
  toArray() {
    const at = (i) => (this.dtype === 'bool' ? this.data[i] !== 0 : this.data[i]);
    let pos = 0;
    const build = (axis) => Array.from({ length: this.shape[axis] }, () => (axis === this.shape.length - 1 ? at(pos++) : build(axis + 1)));
    return this.shape.length === 0 ? at(0) : build(0);
  }
}
globalThis.NDArray = NDArray;
const fn = new Function('require', 'return (' + workerData.source + ');')(require);
const decode = (x) => x !== null && typeof x === 'object' && x.kilnNDArray === true ? new NDArray(x.dtype, x.shape, x.data)
  : Array.isArray(x) ? x.map(decode) : x !== null && typeof x === 'object' ? Object.fromEntries(Object.entries(x).map(([k, v]) => [k, decode(v)])) : x;
const buffers = (x, out) => {
  if (ArrayBuffer.isView(x)) { if (x.buffer instanceof ArrayBuffer) out.add(x.buffer); }
  else if (x !== null && typeof x === 'object') for (const v of Object.values(x)) buffers(v, out);
  return out;
};
parentPort.on('message', async ({ id, element }) => {
  try {
    const result = await fn(decode(element));
    parentPort.postMessage({ id, result }, [...buffers(result, new Set())]);
  } catch (e) {
    const err = e instanceof Error ? { name: e.name, message: e.message, stack: e.stack } : { name: 'Error', message: String(e) };
    parentPort.postMessage({ id, error: err });
  }
});
`;

/** The function's source as an expression the worker can compile; an InvalidArgumentError when it has none. */
export function functionSource(fn: (...args: never[]) => unknown): string {
  const src = Function.prototype.toString.call(fn);
  if (/\{\s*\[native code\]\s*\}\s*$/.test(src)) {
    throw new InvalidArgumentError('Dataset.map: with numParallelCalls the function runs in a worker from its source text, and this one has none (a native or bound function): pass an arrow function or a function expression');
  }
  // A method (`{ f(x) { ... } }.f`) prints as `f(x) { ... }`, which is not an expression; an object literal makes it one.
  const candidates = [src, `({ ${src} })[${JSON.stringify(fn.name)}]`];
  for (const c of candidates) {
    try {
      new Function(`return (${c});`); // eslint-disable-line no-new-func -- compiles only: checks the syntax
      return c;
    } catch { /* try the next form */ }
  }
  throw new InvalidArgumentError(`Dataset.map: the function's source text does not compile on its own: ${src.slice(0, 80)}`);
}

interface Pending { resolve(v: unknown): void; reject(e: Error): void }

/** Elements cross as `{kilnNDArray, dtype, shape, data}` with data copied into a buffer of its own. */
function encode(e: Element, transfer: ArrayBuffer[]): unknown {
  return mapLeaves(e, (a) => {
    const data = a.data.slice() as TypedArray;
    transfer.push(data.buffer as ArrayBuffer);
    return { kilnNDArray: true, dtype: a.dtype, shape: a.shape, data } as unknown as NDArray;
  });
}

/** A worker's error as an Error on this thread, to be the `cause` of the error the dataset raises. */
function reviveError(e: { name: string; message: string; stack?: string }): Error {
  const err = new Error(e.message);
  err.name = e.name;
  if (e.stack !== undefined) err.stack = e.stack;
  return err;
}

const TYPED_ARRAYS: Record<string, new (b: ArrayBufferLike, offset: number, length: number) => ArrayBufferView> = {
  Float32Array, Float64Array, Int32Array, Uint8Array, Int8Array, Int16Array, Uint16Array, Uint32Array, Uint8ClampedArray,
};

/**
 * A result as this thread's own values. Structured clones are made in the receiving thread's main realm, which is not
 * the realm a vm context (jest's) runs in, where `instanceof Float32Array` and plain-object checks would then fail.
 */
function revive(x: unknown): unknown {
  if (x === null || typeof x !== 'object') return x;
  if (Array.isArray(x)) return x.map(revive);
  if (ArrayBuffer.isView(x)) {
    const ctor = TYPED_ARRAYS[Object.prototype.toString.call(x).slice(8, -1)];
    if (ctor !== undefined) return new ctor(x.buffer, x.byteOffset, (x as unknown as { length: number }).length);
    return x;
  }
  return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, revive(v)]));
}

/** `n` workers running one function; `run` sends one element to the least busy. */
export class WorkerPool {
  private readonly workers: Worker[] = [];
  private readonly load: number[] = [];
  private readonly pending = new Map<number, { pending: Pending; worker: number }>();
  private nextId = 0;
  private failure: Error | undefined;
  private closing = false;

  constructor(source: string, n: number) {
    for (let w = 0; w < n; w++) {
      const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { source } });
      worker.unref(); // an abandoned iteration must not keep the process alive
      worker.on('message', (m: { id: number; result?: unknown; error?: { name: string; message: string; stack?: string } }) => {
        const p = this.pending.get(m.id);
        if (p === undefined) return;
        this.pending.delete(m.id);
        this.load[p.worker]--;
        if (m.error !== undefined) p.pending.reject(reviveError(m.error));
        else p.pending.resolve(revive(m.result));
      });
      // A worker that dies (out of memory, an error outside the function) fails what it was given, and the pool.
      worker.on('error', (e) => this.fail(w, e));
      worker.on('exit', (code) => { if (code !== 0 && !this.closing) this.fail(w, new Error(`map worker exited with code ${code}`)); });
      this.workers.push(worker);
      this.load.push(0);
    }
  }

  private fail(w: number, e: Error): void {
    this.failure ??= e;
    for (const [id, p] of this.pending) {
      if (p.worker === w) { this.pending.delete(id); p.pending.reject(e); }
    }
  }

  run(element: Element): Promise<unknown> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    let w = 0;
    for (let i = 1; i < this.workers.length; i++) if (this.load[i] < this.load[w]) w = i;
    const id = this.nextId++;
    const transfer: ArrayBuffer[] = [];
    const msg = { id, element: encode(element, transfer) };
    return new Promise((resolve, reject) => {
      this.pending.set(id, { pending: { resolve, reject }, worker: w });
      this.load[w]++;
      this.workers[w].postMessage(msg, transfer);
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
