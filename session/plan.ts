// A plan: what one (fetches, feeds) signature runs, compiled once and cached by the Session.
import type { NDArray } from '../graph/ndarray.js';
import type { Operation, Tensor } from '../graph/tensor.js';

export interface Plan {
  /** Cache key: fetch and target ids, fed tensor ids and their concrete shapes. */
  readonly key: string;
  /** Ops to run, in a topological order. */
  readonly ops: readonly Operation[];
  /** Tensors whose values the run returns, in order. */
  readonly fetches: readonly Tensor[];
  /** Ops run for their effect only. */
  readonly targets: readonly Operation[];
}

/** What a Session drives: the CPU reference executor now, the WebGPU executor next. */
export interface Executor {
  readonly kind: 'cpu' | 'webgpu';
  run(plan: Plan, feeds: ReadonlyMap<Tensor, NDArray>): Promise<NDArray[]>;
  close(): Promise<void>;
}
