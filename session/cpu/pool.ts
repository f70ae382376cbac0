// The thread pool of the cpu executor's wasm kernels: N-1 worker_threads plus the calling thread, all running
// instances of the same WebAssembly.Module over one shared WebAssembly.Memory.
//
// A run is synchronous: the caller writes the job (kernel, argument pointer, thread count) into a small shared
// control block, bumps a generation counter and wakes the workers with Atomics.notify, computes share 0 itself, then
// waits for the others with a short spin and then a blocking Atomics.wait. Node allows Atomics.wait on the main
// thread, and a kernel is milliseconds of work, so blocking beats Atomics.waitAsync's round trip through the event
// loop (a promise per kernel) and keeps the kernel API synchronous. Idle workers sleep in Atomics.wait and are
// unref'd, so an idle pool never keeps the process alive; close() stops them.
import { Worker } from 'node:worker_threads';
import { InternalError } from '../../graph/errors.js';

// Control block (Int32Array over its own SharedArrayBuffer, so it never moves when the wasm memory grows): shared
// slots, then one mailbox per worker. A worker's mailbox is written only while that worker is idle (the caller has
// waited for its previous job), and a worker not needed for a job is not woken at all, so a worker never sees a
// half-written or later job.
const DONE = 0, FAILED = 1, QUIT = 2, SHARED_SLOTS = 4;
const GEN = 0, KERNEL = 1, ARGS = 2, NTHREADS = 3, MAILBOX_SLOTS = 4;
const ERROR_TEXT_BYTES = 1024;
// Spins on the done counter before sleeping: about a microsecond of polling, enough for a kernel that finished on
// all threads at once without a futex round trip, short enough not to steal a shared core.
const SPIN = 2000;

export interface KernelExports {
  kiln_set_stack(top: number): void;
  [name: string]: unknown;
}

// CommonJS source of each worker, run with `eval: true` so the pool works the same from src (ts-jest) and dist/.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { module, memory, ctrl, errorText, tid, stackTop, names } = workerData;
const c = new Int32Array(ctrl);
const box = ${SHARED_SLOTS} + (tid - 1) * ${MAILBOX_SLOTS};
const instance = new WebAssembly.Instance(module, { env: { memory } });
instance.exports.kiln_set_stack(stackTop);
const kernels = names.map((n) => instance.exports[n]);
let gen = 0;
parentPort.postMessage('ready');
for (;;) {
  Atomics.wait(c, box + ${GEN}, gen);
  gen = Atomics.load(c, box + ${GEN});
  if (Atomics.load(c, ${QUIT})) break;
  const n = Atomics.load(c, box + ${NTHREADS}), kernel = Atomics.load(c, box + ${KERNEL}), args = Atomics.load(c, box + ${ARGS});
  try {
    kernels[kernel](args, tid, n);
  } catch (e) {
    if (Atomics.compareExchange(c, ${FAILED}, 0, tid + 1) === 0) {
      const bytes = new TextEncoder().encode(String(e && e.message || e)).subarray(0, ${ERROR_TEXT_BYTES});
      new Uint8Array(errorText).set(bytes);
    }
  }
  if (Atomics.add(c, ${DONE}, 1) === n - 2) Atomics.notify(c, ${DONE});
}
`;

export class KernelPool {
  private readonly ctrl: Int32Array;
  private readonly errorText = new SharedArrayBuffer(ERROR_TEXT_BYTES);
  private readonly names: string[];
  private readonly local: ((args: number, tid: number, n: number) => void)[];
  private workers: Worker[] = [];
  private closed = false;

  private constructor(readonly exports: KernelExports, names: string[], workers: number) {
    this.ctrl = new Int32Array(new SharedArrayBuffer((SHARED_SLOTS + MAILBOX_SLOTS * workers) * 4));
    this.names = names;
    this.local = names.map((n) => exports[n] as (args: number, tid: number, n: number) => void);
  }

  /** Total threads, the caller's included. */
  get threads(): number { return this.workers.length + 1; }

  /**
   * `instance` is this thread's instance of `module` over `memory`; one worker starts per entry of `stackTops` (the
   * top of its C stack in `memory`). Resolves once every worker is ready to take jobs.
   */
  static async create(module: WebAssembly.Module, memory: WebAssembly.Memory, instance: WebAssembly.Instance, stackTops: number[]): Promise<KernelPool> {
    const names = WebAssembly.Module.exports(module).filter((e) => e.kind === 'function').map((e) => e.name);
    const pool = new KernelPool(instance.exports as unknown as KernelExports, names, stackTops.length);
    try {
      await Promise.all(stackTops.map((top, i) => pool.spawn(module, memory, i + 1, top)));
    } catch (e) {
      await pool.close();
      throw e;
    }
    return pool;
  }

  private spawn(module: WebAssembly.Module, memory: WebAssembly.Memory, tid: number, stackTop: number): Promise<void> {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { module, memory, ctrl: this.ctrl.buffer, errorText: this.errorText, tid, stackTop, names: this.names },
    });
    this.workers.push(worker);
    return new Promise((resolve, reject) => {
      worker.once('message', () => { worker.unref(); resolve(); });
      worker.once('error', (e) => reject(new InternalError(`cpu executor: worker thread ${tid} failed to start: ${e.message}`)));
      worker.once('exit', (code) => reject(new InternalError(`cpu executor: worker thread ${tid} exited (${code}) before it was ready`)));
    });
  }

  /** Runs exported kernel `name` on `threads` threads (at most the pool's) and returns when all are done. */
  run(name: string, args: number, threads = this.threads): void {
    if (this.closed) throw new InternalError('cpu executor: the kernel pool is closed');
    const kernel = this.names.indexOf(name);
    if (kernel < 0) throw new InternalError(`cpu executor: kernels.wasm has no kernel '${name}'`);
    const n = Math.max(1, Math.min(threads, this.threads));
    const c = this.ctrl;
    if (n > 1) {
      Atomics.store(c, DONE, 0);
      Atomics.store(c, FAILED, 0);
      for (let t = 1; t < n; t++) {
        const box = SHARED_SLOTS + (t - 1) * MAILBOX_SLOTS;
        Atomics.store(c, box + KERNEL, kernel);
        Atomics.store(c, box + ARGS, args);
        Atomics.store(c, box + NTHREADS, n);
        Atomics.add(c, box + GEN, 1);
        Atomics.notify(c, box + GEN);
      }
    }
    let failure: unknown;
    try {
      this.local[kernel](args, 0, n);
    } catch (e) {
      failure = e;
    }
    if (n > 1) {
      // The workers still use the memory: wait for them even when share 0 failed.
      for (let i = 0; i < SPIN && Atomics.load(c, DONE) !== n - 1; i++);
      for (let done = Atomics.load(c, DONE); done !== n - 1; done = Atomics.load(c, DONE)) Atomics.wait(c, DONE, done);
      const failed = Atomics.load(c, FAILED);
      if (failure === undefined && failed) {
        const bytes = new Uint8Array(this.errorText);
        const text = new TextDecoder().decode(bytes.slice()).replace(/\0+$/, '');
        bytes.fill(0);
        failure = new Error(`thread ${failed - 1}: ${text}`);
      }
    }
    if (failure !== undefined) throw new InternalError(`cpu executor: kernel ${name} failed: ${(failure as Error).message ?? failure}`);
  }

  /** Stops the workers; the pool cannot run anything afterwards. Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    Atomics.store(this.ctrl, QUIT, 1);
    for (let t = 1; t <= this.workers.length; t++) {
      Atomics.add(this.ctrl, SHARED_SLOTS + (t - 1) * MAILBOX_SLOTS + GEN, 1);
      Atomics.notify(this.ctrl, SHARED_SLOTS + (t - 1) * MAILBOX_SLOTS + GEN);
    }
    const workers = this.workers;
    this.workers = [];
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
