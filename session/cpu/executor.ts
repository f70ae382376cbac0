// The CPU executor: the reference. It walks the plan in order and calls each op's reference kernel.
//
// Variables follow TF1's ref semantics: a read (VariableV2, `w/read`) aliases the variable's buffer and an assignment
// writes into that buffer in place, so a read ordered after an assignment by a control edge sees the new value, as
// `with tf.control_dependencies([assign]): tf.identity(w)` does in TF1. Before its first write in a run, a variable's
// old value is copied aside; if the run fails, every written variable is restored, so a failed run changes nothing.
import { roundInPlace } from '../../graph/dtypes.js';
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
    const backup = new Map<string, NDArray | undefined>();
    try {
      return this.execute(plan, feeds, backup);
    } catch (e) {
      for (const [name, old] of backup) {
        const cur = this.variables.get(name);
        if (old === undefined) this.variables.delete(name);
        else if (cur !== undefined && sameLayout(cur, old)) cur.data.set(old.data);
        else this.variables.set(name, old);
      }
      throw e;
    }
  }

  private execute(plan: Plan, feeds: ReadonlyMap<Tensor, NDArray>, backup: Map<string, NDArray | undefined>): NDArray[] {
    const values = new Map<Tensor, NDArray>(feeds);
    // The memory plan's liveness: a value nothing reads any more is dropped, so the garbage collector can take it.
    const left = new Map<Tensor, number>();
    if (plan.memory.reuse) {
      for (const op of plan.ops) for (const t of op.inputs) left.set(t, (left.get(t) ?? 0) + 1);
      for (const t of plan.fetches) left.set(t, Infinity);
    }
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
          const v = this.variables.get(name);
          if (v === undefined) throw new FailedPreconditionError(`Attempting to use uninitialized value ${name} (read by '${op.name}')`);
          return v;
        },
        writeVariable: (name, v) => {
          const cur = this.variables.get(name);
          if (!backup.has(name)) backup.set(name, cur === undefined ? undefined : copyOf(cur));
          if (cur !== undefined && sameLayout(cur, v)) {
            if (cur !== v) cur.data.set(v.data);
          } else {
            this.variables.set(name, copyOf(v));
          }
        },
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
        roundInPlace(v.dtype, v.data); // float16/bfloat16 kernels compute in float32/64: hold the rounded values
        if (!values.has(t)) values.set(t, v);
      });
      if (plan.memory.reuse) {
        for (const t of op.inputs) {
          const n = left.get(t)! - 1;
          left.set(t, n);
          if (n === 0) values.delete(t);
        }
      }
    }
    // A fetched value must never alias a variable's storage, or the caller could change the variable by writing to it.
    // Nor a feed: the caller's own array must not come back as the result (a simplified `x * 1` fetches x itself).
    const stored = new Set<NDArray>([...this.variables.values(), ...feeds.values()]);
    return plan.fetches.map((t) => {
      const v = values.get(t);
      if (v === undefined) throw new InternalError(`Fetch '${t.name}' was not computed`);
      return stored.has(v) ? copyOf(v) : v;
    });
  }

  /** The current value of a variable (a copy), or undefined when it was never initialised. */
  variableValue(name: string): NDArray | undefined {
    const v = this.variables.get(name);
    return v === undefined ? undefined : copyOf(v);
  }

  async close(): Promise<void> {
    this.variables.clear();
    this.opState.clear();
  }
}

function copyOf(v: NDArray): NDArray { return v.copy(); }

function sameLayout(a: NDArray, b: NDArray): boolean {
  return a.dtype === b.dtype && a.dtype !== 'string' && a.shape.length === b.shape.length && a.shape.every((d, i) => d === b.shape[i]);
}
