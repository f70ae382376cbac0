// Pruning to the fetches: the first pass of the pipeline. Only the ops the fetches need run; a fed tensor cuts the
// graph above it (as in TF1, feeding any tensor replaces its value for that run).
import { InternalError } from '../graph/errors.js';
import { Operation, Tensor } from '../graph/tensor.js';
import { getOpDef } from '../ops/registry.js';

/**
 * The ops needed to compute `tensors` and run `targets`, in a topological order (every op after its inputs and
 * control inputs). Ref inputs (Assign's variable) are not edges: the variable is written, never read, there.
 */
export function pruneToFetches(tensors: readonly Tensor[], targets: readonly Operation[], fed: ReadonlySet<Tensor>): Operation[] {
  const order: Operation[] = [];
  const state = new Map<Operation, 'visiting' | 'done'>();
  // Iterative DFS (post-order) so deep graphs cannot overflow the JS stack.
  const visit = (root: Operation): void => {
    if (state.has(root)) return;
    const stack: Array<{ op: Operation; deps: Operation[]; next: number }> = [{ op: root, deps: depsOf(root, fed), next: 0 }];
    state.set(root, 'visiting');
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      if (top.next < top.deps.length) {
        const d = top.deps[top.next++];
        const s = state.get(d);
        if (s === 'visiting') throw new InternalError(`Graph has a cycle through node '${d.name}'`);
        if (s === undefined) {
          state.set(d, 'visiting');
          stack.push({ op: d, deps: depsOf(d, fed), next: 0 });
        }
      } else {
        state.set(top.op, 'done');
        order.push(top.op);
        stack.pop();
      }
    }
  };
  for (const t of tensors) if (!fed.has(t)) visit(t.op);
  for (const op of targets) visit(op);
  return order;
}

function depsOf(op: Operation, fed: ReadonlySet<Tensor>): Operation[] {
  const refs = getOpDef(op.type)?.refInputs ?? [];
  const deps: Operation[] = [];
  op.inputs.forEach((t, i) => {
    if (!refs.includes(i) && !fed.has(t)) deps.push(t.op);
  });
  for (const c of op.controlInputs) deps.push(c);
  return deps;
}
