// Memory planning: every intermediate's lifetime is known from the schedule, so buffers are assigned by lifetime (a
// freed buffer of sufficient size is reused, best fit), an elementwise node may write over an input that dies at it,
// and the plan's peak is counted. The resource limits are checked here, on shapes alone, before anything is allocated.
import { DType } from '../graph/dtypes.js';
import { ResourceExhaustedError } from '../graph/errors.js';
import { formatShape } from '../graph/shape.js';
import type { Operation, Tensor } from '../graph/tensor.js';
import { getOpDef } from '../ops/registry.js';
import { PlanGraph } from './plan_graph.js';
import { ALIAS_TYPES } from './schedule.js';
import { tensorBytes } from './util.js';

export interface MemoryLimits {
  /** The most one tensor may take. */
  perTensorBytes: number;
  /** The most the plan's intermediates may take at once. */
  totalBytes: number;
  /** Where the limits come from, for the message ("the webgpu adapter's maxBufferSize", "memoryLimitBytes"). */
  source: string;
}

export interface MemoryPlan {
  /** Bytes of the buffers the plan needs at once (with reuse when planned; the sum of all intermediates when not). */
  peakBytes: number;
  /** The sum of every intermediate's bytes: what the plan would take with no reuse. */
  totalBytes: number;
  /** Elementwise nodes that may write their output over input `input` (it dies there, same size and dtype). */
  inPlace: ReadonlyMap<Operation, number>;
  /** Whether executors should reuse buffers (the memoryPlan pass is on). */
  reuse: boolean;
}

export function formatBytes(n: number): string {
  if (n >= 2 ** 30) return `${(n / 2 ** 30).toFixed(2)} GiB`;
  if (n >= 2 ** 20) return `${(n / 2 ** 20).toFixed(1)} MiB`;
  if (n >= 2 ** 10) return `${(n / 2 ** 10).toFixed(1)} KiB`;
  return `${n} bytes`;
}

function tooBig(op: Operation, t: Tensor, bytes: number, limit: number, what: string, source: string): ResourceExhaustedError {
  return new ResourceExhaustedError(
    `'${op.name}' (${op.type}) would hold a tensor of shape ${formatShape(t.shape)} ${t.dtype as DType}: ${bytes} bytes (${formatBytes(bytes)}), `
    + `over the limit of ${limit} bytes (${formatBytes(limit)}) ${what} (${source}); nothing was allocated`,
  );
}

const inPlaceCandidate = (op: Operation): boolean => op.type === '_KilnFusedElementwise' || (getOpDef(op.type)?.elementwise !== undefined && op.inputs.length === 1);

export function memoryPlan(pg: PlanGraph, limits: MemoryLimits, enabled: boolean, log: (c: string) => void): MemoryPlan {
  // Per tensor: every value the plan holds, feeds and constants included.
  for (const f of pg.feeds) {
    const b = tensorBytes(f.tensor.dtype, f.tensor.shape) ?? 0;
    if (b > limits.perTensorBytes) throw tooBig(f.tensor.op, f.tensor, b, limits.perTensorBytes, 'per tensor', limits.source);
  }
  // Variables first: they outlive the run, so they are what a user most needs to hear about.
  for (const op of [...pg.variables, ...pg.order]) {
    for (const t of op.outputs) {
      const b = tensorBytes(t.dtype, t.shape);
      if (b !== null && b > limits.perTensorBytes) throw tooBig(op, t, b, limits.perTensorBytes, 'per tensor', limits.source);
    }
  }
  // A view shares its source's storage: its readers keep the source alive.
  const root = new Map<Tensor, Tensor>();
  const rootOf = (t: Tensor): Tensor => root.get(t) ?? t;
  const owned = (t: Tensor): boolean => !ALIAS_TYPES.has(t.op.type);
  for (const op of pg.order) {
    if (ALIAS_TYPES.has(op.type) && op.inputs.length > 0) root.set(op.outputs[0], rootOf(op.inputs[0]));
  }
  const index = new Map(pg.order.map((o, i) => [o, i]));
  const last = new Map<Tensor, number>();
  pg.order.forEach((op, i) => { for (const t of op.inputs) last.set(rootOf(t), i); });
  for (const t of pg.fetches) last.set(rootOf(t), Infinity);
  // For each node, the buffers whose last reader it is (the executors count their own readers: see their liveness).
  const releaseAfter = new Map<Operation, Tensor[]>();
  for (const [t, i] of last) {
    if (i === Infinity || !owned(t) || !index.has(t.op)) continue;
    const op = pg.order[i];
    releaseAfter.set(op, [...(releaseAfter.get(op) ?? []), t]);
  }

  let total = 0, live = 0, peak = 0;
  const free: number[] = [];
  const bufOf = new Map<Tensor, number>();
  const inPlace = new Map<Operation, number>();
  let unknown = 0;
  pg.order.forEach((op, i) => {
    for (const t of op.outputs) {
      if (!owned(t)) continue;
      const b = tensorBytes(t.dtype, t.shape);
      if (b === null) { unknown++; continue; }
      total += b;
      if (!enabled) {
        live += b;
      } else {
        // In place: an input that dies here, of the same bytes and dtype, and owned by the plan (not a variable or feed).
        const k = inPlaceCandidate(op) ? op.inputs.findIndex((x) => owned(rootOf(x)) && last.get(rootOf(x)) === i && bufOf.has(rootOf(x))
          && bufOf.get(rootOf(x))! >= b && rootOf(x).dtype === t.dtype) : -1;
        if (k >= 0) {
          inPlace.set(op, k);
          const size = bufOf.get(rootOf(op.inputs[k]))!;
          bufOf.delete(rootOf(op.inputs[k]));
          bufOf.set(t, size);
          continue;
        }
        let best = -1;
        for (let j = 0; j < free.length; j++) if (free[j] >= b && (best < 0 || free[j] < free[best])) best = j;
        let size = b;
        if (best >= 0) size = free.splice(best, 1)[0]; else live += b;
        bufOf.set(t, size);
      }
      if (live > limits.totalBytes) {
        throw new ResourceExhaustedError(
          `'${op.name}' (${op.type}) would bring the plan's memory to ${live} bytes (${formatBytes(live)}), over the limit of `
          + `${limits.totalBytes} bytes (${formatBytes(limits.totalBytes)}) in all (${limits.source}); nothing was allocated`,
        );
      }
      peak = Math.max(peak, live);
    }
    if (enabled) {
      for (const t of releaseAfter.get(op) ?? []) {
        const b = bufOf.get(t);
        if (b !== undefined) { free.push(b); bufOf.delete(t); }
      }
    }
  });
  if (enabled) log(`peak ${formatBytes(peak)} of ${formatBytes(total)} intermediates; ${inPlace.size} nodes write in place`);
  if (unknown > 0) log(`${unknown} tensors of shapes known only at run time are not counted`);
  return { peakBytes: enabled ? peak : total, totalBytes: total, inPlace, reuse: enabled };
}
