// Scheduling: a topological order that lowers peak memory. List scheduling: of the nodes whose inputs are ready, run
// the one that frees the most bytes net of what it allocates (ties: the order as built). Stateful nodes keep their
// order among themselves and with respect to control edges, so reads and writes of a variable happen as written.
import type { Operation, Tensor } from '../graph/tensor.js';
import type { Pass } from './pipeline.js';
import { isStateful, PlanGraph, rewrite } from './plan_graph.js';
import { tensorBytes } from './util.js';

/** Outputs that share their input's storage: they allocate nothing. */
export const ALIAS_TYPES = new Set(['Identity', 'Reshape', 'Squeeze', 'ExpandDims', 'StopGradient', 'Snapshot', 'PlaceholderWithDefault', 'VariableV2', 'Const', 'Placeholder']);

export function scheduleOrder(pg: PlanGraph): Operation[] {
  const ops = pg.order;
  const index = new Map(ops.map((o, i) => [o, i]));
  const deps = new Map<Operation, Set<Operation>>();
  const users = new Map<Operation, Operation[]>();
  let prevStateful: Operation | null = null;
  for (const op of ops) {
    const d = new Set<Operation>();
    for (const t of op.inputs) if (index.has(t.op)) d.add(t.op);
    for (const c of op.controlInputs) if (index.has(c)) d.add(c);
    if (isStateful(op) && op.type !== 'Placeholder') {
      if (prevStateful !== null) d.add(prevStateful);
      prevStateful = op;
    }
    deps.set(op, d);
    for (const x of d) users.set(x, [...(users.get(x) ?? []), op]);
  }
  // Unread readers left per tensor: a tensor's bytes are freed when its last reader runs.
  const left = new Map<Tensor, number>();
  for (const op of ops) for (const t of op.inputs) left.set(t, (left.get(t) ?? 0) + 1);
  const bytes = (t: Tensor): number => (ALIAS_TYPES.has(t.op.type) ? 0 : tensorBytes(t.dtype, t.shape) ?? 0);
  const score = (op: Operation): number => {
    let s = op.outputs.reduce((a, t) => a + bytes(t), 0);
    for (const t of new Set(op.inputs)) if (left.get(t) === op.inputs.filter((x) => x === t).length) s -= bytes(t);
    return s;
  };
  const waiting = new Map<Operation, number>();
  const ready: Operation[] = [];
  const out: Operation[] = [];
  const done = (op: Operation): void => {
    out.push(op);
    for (const t of op.inputs) left.set(t, left.get(t)! - 1);
    for (const u of users.get(op) ?? []) {
      const w = waiting.get(u)! - 1;
      waiting.set(u, w);
      if (w === 0) ready.push(u);
    }
  };
  for (const op of ops) waiting.set(op, deps.get(op)!.size);
  // Constants (and unfed placeholders) allocate nothing: they go first, so the ready set holds only real choices.
  for (const op of ops) {
    if (deps.get(op)!.size > 0) continue;
    if (ALIAS_TYPES.has(op.type) && !isStateful(op)) done(op);
    else ready.push(op);
  }
  while (ready.length > 0) {
    // Ready sets stay small in practice (the graph's width), so a scan is cheaper than keeping a heap up to date.
    let best = 0, bestScore = Infinity;
    for (let i = 0; i < ready.length; i++) {
      const s = score(ready[i]);
      if (s < bestScore || (s === bestScore && index.get(ready[i])! < index.get(ready[best])!)) { best = i; bestScore = s; }
    }
    done(ready.splice(best, 1)[0]);
  }
  return out;
}

export const schedule: Pass = (pg, ctx) => {
  const order = scheduleOrder(pg);
  // Constants moved to the front change nothing worth reporting: count the nodes that compute.
  const computing = (ops: readonly Operation[]): Operation[] => ops.filter((o) => !ALIAS_TYPES.has(o.type));
  const before = computing(pg.order), after = computing(order);
  const moved = after.filter((o, i) => before[i] !== o).length;
  if (order.every((o, i) => pg.order[i] === o)) return pg;
  if (moved > 0) ctx.log(`${moved} of ${after.length} computing nodes reordered`);
  return rewrite({ ...pg, order }, () => undefined);
};
