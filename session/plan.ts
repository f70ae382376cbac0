// A plan: what one (fetches, feeds) signature runs, compiled once and cached by the Session.
import { UnimplementedError } from '../graph/errors.js';
import type { NDArray } from '../graph/ndarray.js';
import type { Operation, Tensor } from '../graph/tensor.js';
import type { MemoryPlan } from '../optimizer/memory.js';
import type { PassReport } from '../optimizer/pipeline.js';
import type { FedTensor } from '../optimizer/plan_graph.js';
import { getOpDef } from '../ops/registry.js';

/**
 * What an executor runs: the optimized plan graph's nodes (optimizer/), in the scheduled order. Its tensors belong to
 * the plan graph, not the user's: the Session maps feeds and fetches between the two.
 */
export interface Plan {
  /** Cache key: fetch and target ids, fed tensor ids and their concrete shapes. */
  readonly key: string;
  /** Ops to run, in order (fed placeholders excluded). */
  readonly ops: readonly Operation[];
  /** Plan tensors whose values the run returns, in order. */
  readonly fetches: readonly Tensor[];
  /** Ops run for their effect only. */
  readonly targets: readonly Operation[];
  /** The plan's placeholders for the run's fed tensors. */
  readonly feeds: readonly FedTensor[];
  readonly memory: MemoryPlan;
  /** What each pass did (sess.explain). */
  readonly passes: readonly PassReport[];
  /** The user's node names each plan node stands for. */
  readonly origins: ReadonlyMap<Operation, readonly string[]>;
}

/** What a Session drives: the CPU reference executor now, the WebGPU executor next. */
export interface Executor {
  readonly kind: 'cpu' | 'webgpu';
  run(plan: Plan, feeds: ReadonlyMap<Tensor, NDArray>): Promise<NDArray[]>;
  close(): Promise<void>;
}

/**
 * Before a plan is built: every node it would run must be one Kiln can run. An imported graph may hold op types Kiln
 * lacks (TF1 control flow: Switch, Merge, ...) or dtypes it lacks (string, uint8, half, ...); the error names all of
 * them at once. Walks inputs without assuming a DAG (imported while loops have cycles).
 */
export function checkRunnable(roots: ReadonlyArray<Tensor | Operation>, fed: ReadonlySet<Tensor>): void {
  const seen = new Set<Operation>();
  const stack: Operation[] = [];
  for (const r of roots) {
    if ('op' in r) { if (!fed.has(r)) stack.push(r.op); } else stack.push(r);
  }
  const missing = new Map<string, string[]>();
  const other: string[] = [];
  while (stack.length > 0) {
    const op = stack.pop()!;
    if (seen.has(op)) continue;
    seen.add(op);
    if (getOpDef(op.type) === undefined) {
      const names = missing.get(op.type) ?? [];
      names.push(`'${op.name}'`);
      missing.set(op.type, names);
    } else {
      const reason = op.graph.opaqueReason(op);
      if (reason !== undefined) other.push(`'${op.name}' (${op.type}): ${reason}`);
    }
    for (const t of op.inputs) if (t !== undefined && !fed.has(t)) stack.push(t.op);
    for (const c of op.controlInputs) stack.push(c);
  }
  if (missing.size === 0 && other.length === 0) return;
  const parts: string[] = [];
  if (missing.size > 0) {
    const types = [...missing.keys()].sort();
    const nodes = types.flatMap((t) => missing.get(t)!);
    const shown = nodes.length > 12 ? `${nodes.slice(0, 12).join(', ')}, ... ${nodes.length - 12} more` : nodes.join(', ');
    parts.push(`the plan needs op types Kiln does not have: ${types.join(', ')} (nodes ${shown})`);
  }
  if (other.length > 0) parts.push(`nodes Kiln cannot run: ${other.slice(0, 12).join('; ')}${other.length > 12 ? `; ... ${other.length - 12} more` : ''}`);
  throw new UnimplementedError(`Cannot run: ${parts.join('; and ')}`);
}
