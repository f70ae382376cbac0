// The CPU executor: the reference. It walks the plan in order and calls each op's reference kernel. Variable writes
// are staged and committed only when the whole run succeeds, so a failed run changes no variable.
import { FailedPreconditionError, InternalError, KilnError } from '../../graph/errors.js';
import { NDArray } from '../../graph/ndarray.js';
import { formatShape, shapeMatches } from '../../graph/shape.js';
import { Tensor } from '../../graph/tensor.js';
import { getOpDef, KernelContext } from '../../ops/registry.js';
import type { Executor, Plan } from '../plan.js';

export class CpuExecutor implements Executor {
  readonly kind = 'cpu' as const;
  private readonly variables = new Map<string, NDArray>();
  private readonly opState = new Map<string, unknown>();

  async run(plan: Plan, feeds: ReadonlyMap<Tensor, NDArray>): Promise<NDArray[]> {
    return this.runSync(plan, feeds);
  }

  runSync(plan: Plan, feeds: ReadonlyMap<Tensor, NDArray>): NDArray[] {
    const values = new Map<Tensor, NDArray>(feeds);
    const pending = new Map<string, NDArray>();
    for (const op of plan.ops) {
      const def = getOpDef(op.type);
      if (def === undefined) throw new InternalError(`No kernel for '${op.name}' (${op.type})`);
      const refs = def.refInputs ?? [];
      const inputs = op.inputs.map((t, i) => {
        if (refs.includes(i)) return undefined as unknown as NDArray;
        const v = values.get(t);
        if (v === undefined) throw new InternalError(`Input '${t.name}' of '${op.name}' was not computed before it`);
        return v;
      });
      const ctx: KernelContext = {
        name: op.name,
        readVariable: (name) => {
          const v = pending.get(name) ?? this.variables.get(name);
          if (v === undefined) throw new FailedPreconditionError(`Attempting to use uninitialized value ${name} (read by '${op.name}')`);
          return v;
        },
        writeVariable: (name, v) => { pending.set(name, v); },
        refName: (i) => op.inputs[i].op.name,
        state: <T>(init: () => T): T => {
          if (!this.opState.has(op.name)) this.opState.set(op.name, init());
          return this.opState.get(op.name) as T;
        },
      };
      let outs: NDArray[];
      try {
        outs = def.cpu(inputs, op.attrs, ctx);
      } catch (e) {
        if (e instanceof KilnError) throw e;
        throw new InternalError(`Kernel for '${op.name}' (${op.type}) failed: ${(e as Error).message}`);
      }
      if (outs.length !== op.outputs.length) {
        throw new InternalError(`Kernel for '${op.name}' (${op.type}) returned ${outs.length} outputs, expected ${op.outputs.length}`);
      }
      op.outputs.forEach((t, i) => {
        const v = outs[i];
        // The shape rules and the kernels must agree: this check makes every kernel test a shape-rule test too.
        if (v.dtype !== t.dtype || !shapeMatches(t.shape, v.shape)) {
          throw new InternalError(`Kernel for '${op.name}' (${op.type}) output ${i} is ${v.dtype} ${formatShape(v.shape)}, but the graph says ${t.dtype} ${formatShape(t.shape)}`);
        }
        if (!values.has(t)) values.set(t, v);
      });
    }
    for (const [name, v] of pending) this.variables.set(name, v);
    // A fetched value must never alias a variable's storage, or the caller could change the variable by writing to it.
    const stored = new Set<NDArray>(this.variables.values());
    return plan.fetches.map((t) => {
      const v = values.get(t);
      if (v === undefined) throw new InternalError(`Fetch '${t.name}' was not computed`);
      return stored.has(v) ? new NDArray(v.dtype, v.shape, v.data.slice()) : v;
    });
  }

  async close(): Promise<void> {
    this.variables.clear();
    this.opState.clear();
  }
}
