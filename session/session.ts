// Session: compiles the part of the graph a run needs into a plan once (cached per fetches and feed shapes), then
// runs plans on an executor. Runs on one session are queued, so concurrent `run` calls execute in call order.
import { FailedPreconditionError, InvalidArgumentError } from '../graph/errors.js';
import { getDefaultGraph, Graph } from '../graph/graph.js';
import { NDArray } from '../graph/ndarray.js';
import { Operation, Tensor } from '../graph/tensor.js';
import os from 'node:os';
import { optimize, OptimizerOptions, OptimizerSettings, resolveOptimizerOptions } from '../optimizer/pipeline.js';
import type { MemoryLimits } from '../optimizer/memory.js';
import { explainPlan, ExplainReport } from '../optimizer/report.js';
import { CpuExecutor } from './cpu/executor.js';
import { GpuStats, WebGpuExecutor } from './webgpu/executor.js';
import { Feeds, Fetch, FetchResult, flattenFetches, normalizeFeeds } from './fetches.js';
import { checkRunnable, Executor, Plan } from './plan.js';

export type ExecutorName = 'auto' | 'webgpu' | 'cpu';

export interface SessionOptions {
  graph?: Graph;
  /** 'auto' (default; overridden by the KILN_EXECUTOR environment variable), 'webgpu' or 'cpu'. */
  executor?: ExecutorName;
  /**
   * float64 on the WebGPU executor (WGSL has no f64): 'error' (default) refuses a plan that needs it, naming the node;
   * 'float32' runs it in float32 (values rounded on upload, results widened back to float64). The CPU executor always
   * computes float64 exactly.
   */
  float64?: 'error' | 'float32';
  /**
   * The graph optimizer (optimizer/pipeline.ts): true (the default) runs every pass; false runs the graph as built
   * (pruned and shape-specialised only); an object switches passes off by name (`{cse: false, fusion: false}`).
   */
  optimizer?: boolean | OptimizerOptions;
  /**
   * The most one tensor, and the plan's intermediates in all, may take. A plan over it fails with ResourceExhaustedError
   * naming the node before anything is allocated. Default: 4 GiB per tensor on the CPU (the adapter's largest binding on
   * webgpu) and half of the machine's memory in all.
   */
  memoryLimitBytes?: number;
}

export interface SessionStats extends GpuStats {
  plansCompiled: number;
  runs: number;
}

export interface DeviceInfo {
  executor: 'cpu' | 'webgpu';
  /** The GPU adapter's description; null on the CPU executor. */
  adapter: string | null;
}

export class Session {
  readonly graph: Graph;
  readonly device: DeviceInfo;
  private readonly executor: Executor;
  private readonly plans = new Map<string, Plan>();
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  private readonly counters = { plansCompiled: 0, runs: 0 };

  private readonly optimizer: OptimizerSettings;
  private readonly limits: MemoryLimits;

  private constructor(graph: Graph, executor: Executor, device: DeviceInfo, optimizer: OptimizerSettings, limits: MemoryLimits) {
    this.graph = graph;
    this.executor = executor;
    this.device = device;
    this.optimizer = optimizer;
    this.limits = limits;
  }

  static async create(opts: SessionOptions = {}): Promise<Session> {
    const graph = opts.graph ?? getDefaultGraph();
    const requested = opts.executor ?? envExecutor() ?? 'auto';
    if (requested !== 'auto' && requested !== 'cpu' && requested !== 'webgpu') {
      throw new InvalidArgumentError(`Unknown executor '${String(requested)}': expected 'auto', 'webgpu' or 'cpu'`);
    }
    if (opts.float64 !== undefined && opts.float64 !== 'error' && opts.float64 !== 'float32') {
      throw new InvalidArgumentError(`Unknown float64 option '${String(opts.float64)}': expected 'error' or 'float32'`);
    }
    const optimizer = resolveOptimizerOptions(opts.optimizer);
    const limit = opts.memoryLimitBytes;
    if (limit !== undefined && (typeof limit !== 'number' || !Number.isFinite(limit) || limit <= 0)) {
      throw new InvalidArgumentError(`Session.create: memoryLimitBytes must be a positive number of bytes, got ${String(limit)}`);
    }
    const half = Math.floor(os.totalmem() / 2);
    const cpuLimits = (): MemoryLimits => (limit !== undefined
      ? { perTensorBytes: limit, totalBytes: limit, source: 'memoryLimitBytes' }
      : { perTensorBytes: 4 * 2 ** 30, totalBytes: half, source: 'the cpu executor\'s default: 4 GiB per tensor, half of this machine\'s memory in all' });
    const cpu = (): Session => new Session(graph, new CpuExecutor(), { executor: 'cpu', adapter: null }, optimizer, cpuLimits());
    if (requested === 'cpu') return cpu();
    let gpu: WebGpuExecutor;
    try {
      gpu = await WebGpuExecutor.create({ float64: opts.float64 });
    } catch (e) {
      if (requested === 'webgpu') throw e;
      process.stderr.write(`kiln: cpu executor (${(e as Error).message})\n`);
      return cpu();
    }
    const binding = gpu.device.limits.maxStorageBufferBindingSize;
    const limits: MemoryLimits = limit !== undefined
      ? { perTensorBytes: Math.min(limit, binding), totalBytes: limit, source: limit <= binding ? 'memoryLimitBytes' : `the adapter's maxStorageBufferBindingSize, ${binding} bytes` }
      : { perTensorBytes: binding, totalBytes: half, source: `the webgpu adapter's maxStorageBufferBindingSize per tensor, half of this machine's memory in all` };
    return new Session(graph, gpu, { executor: 'webgpu', adapter: gpu.adapter }, optimizer, limits);
  }

  /**
   * Runs the subgraph that `fetches` need. Fetches: a Tensor, an Operation, a name (`'x'` or `'x:0'`), or arrays and
   * objects of them; the result has the same structure, with NDArrays for tensors and null for operations.
   * Feeds: `{name: value}` or a Map keyed by Tensor (or name); any tensor may be fed.
   */
  run<F extends Fetch>(fetches: F, feeds?: Feeds): Promise<FetchResult<F>> {
    const next = this.queue.then(() => this.runNow(fetches, feeds));
    this.queue = next.catch(() => undefined);
    return next as Promise<FetchResult<F>>;
  }

  private async runNow(fetches: Fetch, feeds?: Feeds): Promise<unknown> {
    if (this.closed) throw new FailedPreconditionError('Attempted to use a closed Session');
    const flat = flattenFetches(this.graph, fetches);
    const feedMap = normalizeFeeds(this.graph, feeds);
    const plan = this.planFor(flat.leaves, feedMap);
    const planFeeds = new Map<Tensor, NDArray>(plan.feeds.map((f) => [f.tensor, feedMap.get(f.source)!]));
    const values = await this.executor.run(plan, planFeeds);
    this.counters.runs++;
    const fetched = flat.leaves.filter((l): l is Tensor => l instanceof Tensor);
    const byTensor = new Map<Tensor, NDArray>();
    [...new Set(fetched)].forEach((t, i) => byTensor.set(t, values[i]));
    return flat.rebuild(flat.leaves.map((l) => (l instanceof Tensor ? byTensor.get(l)! : null)));
  }

  /**
   * What the optimizer does to the part of the graph that `fetches` need (with `feeds`' shapes, when given), without
   * running anything: per pass, nodes before and after and what changed; the kernels that would run, with FLOPs and
   * bytes moved; the memory plan. A plain JSON-serialisable object.
   */
  explain(fetches: Fetch, feeds?: Feeds): ExplainReport {
    if (this.closed) throw new FailedPreconditionError('Attempted to use a closed Session');
    const flat = flattenFetches(this.graph, fetches);
    const feedMap = normalizeFeeds(this.graph, feeds);
    return explainPlan(this.planFor(flat.leaves, feedMap));
  }

  private planFor(leaves: ReadonlyArray<Tensor | Operation>, feeds: ReadonlyMap<Tensor, NDArray>): Plan {
    const fetches = [...new Set(leaves.filter((l): l is Tensor => l instanceof Tensor))];
    const targets = [...new Set(leaves.filter((l): l is Operation => l instanceof Operation))];
    const feedKey = [...feeds.entries()].map(([t, v]) => `${t.id}[${v.shape.join(',')}]`).sort().join(';');
    const key = `${fetches.map((t) => t.id).join(',')}|${targets.map((o) => o.id).join(',')}|${feedKey}`;
    let plan = this.plans.get(key);
    if (plan === undefined) {
      checkRunnable(leaves, new Set(feeds.keys()));
      const o = optimize(fetches, targets, feeds, this.optimizer, this.limits);
      plan = { key, ops: o.plan.order, fetches: o.plan.fetches, targets: o.plan.targets, feeds: o.plan.feeds, memory: o.memory, passes: o.passes, origins: o.plan.origins };
      this.plans.set(key, plan);
      this.counters.plansCompiled++;
    }
    return plan;
  }

  /**
   * Cumulative counters: plans compiled (one per fetch set and feed shapes), successful runs, and the executor's work:
   * pipelines created, queue submits, dispatches, bytes uploaded and read back (zero on the CPU executor).
   */
  stats(): SessionStats {
    const gpu = this.executor instanceof WebGpuExecutor ? this.executor.stats() : { pipelinesCreated: 0, submits: 0, dispatches: 0, bytesUploaded: 0, bytesDownloaded: 0 };
    return { ...this.counters, ...gpu };
  }

  /** Releases the executor's memory (variables included); later runs fail. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue;
    await this.executor.close();
    this.plans.clear();
  }
}

function envExecutor(): ExecutorName | undefined {
  const v = process.env.KILN_EXECUTOR;
  return v === undefined || v === '' ? undefined : (v as ExecutorName);
}
