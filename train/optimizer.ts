// The optimizer base class, TF1's `tf.train.Optimizer`: computeGradients -> Array<[grad | null, variable]> (TF's
// pairs, gradient first), applyGradients -> one Operation that runs an Apply op per variable (and increments the global
// step after them), minimize = both. Subclasses (optimizers.ts) say which slots they keep and which Apply op they use.
//
// Names follow TF1: slots are non-trainable variables `<var>/<OptimizerName>` (then `_1`, ... for a second slot),
// created at the top name scope; the updates are `<name>/update_<var>/Apply*`; the returned op is named `<name>`.
import { DType, isFloat } from '../graph/dtypes.js';
import { InvalidArgumentError } from '../graph/errors.js';
import { Graph, GraphKeys } from '../graph/graph.js';
import { NDArray } from '../graph/ndarray.js';
import { formatShape, isFullyDefined } from '../graph/shape.js';
import { Operation, Tensor } from '../graph/tensor.js';
import { gradients } from '../ops/gradients.js';
import { cast } from '../ops/math.js';
import { addOp } from '../ops/registry.js';
import { constant, convertToTensor, group, TensorLike, Variable, variable } from '../ops/values.js';
import { assertGlobalStep, inInitScope } from './global_step.js';

export interface OptimizerOptions {
  /** TF's `use_locking`, kept in the Apply ops' attrs; runs of one session never overlap, so there is nothing to lock. */
  useLocking?: boolean;
  name?: string;
}
/** A hyper-parameter: a number, or a Tensor (a decayed learning rate, a placeholder). */
export type HyperParam = number | Tensor;
export type GradAndVar = readonly [Tensor | null, Variable];

export interface ComputeGradientsOptions {
  /** The variables to differentiate against (default: the graph's TRAINABLE_VARIABLES). */
  varList?: readonly Variable[];
  /** The gradient of the loss itself (TF's `grad_loss`; default ones). */
  gradLoss?: TensorLike;
}

export interface ApplyGradientsOptions {
  /** Incremented by one after the updates (`tf.train.getOrCreateGlobalStep()`). */
  globalStep?: Variable;
  /** The name scope of the updates and the name of the returned op (default: the optimizer's name). */
  name?: string;
}

export abstract class Optimizer {
  readonly useLocking: boolean;
  readonly name: string;
  /** slot name -> variable -> slot variable. */
  private readonly slots = new Map<string, Map<Variable, Variable>>();
  /** Variables not tied to one variable (Adam's beta powers), per graph. */
  private readonly nonSlots = new Map<Graph, Map<string, Variable>>();

  constructor(opts: OptimizerOptions, defaultName: string) {
    this.useLocking = opts.useLocking ?? false;
    this.name = opts.name ?? defaultName;
    if (this.name === '') throw new InvalidArgumentError('Must specify the optimizer name');
  }

  getName(): string { return this.name; }

  /** Slots are created once per variable, before the first update: TF's `_create_slots`. */
  protected abstract createSlots(vars: readonly Variable[]): void;
  /** Turns hyper-parameters into tensors, inside the update's name scope: TF's `_prepare`. */
  protected abstract prepare(): void;
  /** The update of one variable: TF's `_apply_dense`. */
  protected abstract applyDense(grad: Tensor, v: Variable): Tensor;
  /** Ops to run after every update (Adam's beta powers): TF's `_finish`. */
  protected finish(_updates: readonly Operation[]): Operation[] { return []; }

  computeGradients(loss: Tensor, opts: ComputeGradientsOptions = {}): Array<[Tensor | null, Variable]> {
    if (!(loss instanceof Tensor)) throw new InvalidArgumentError(`${this.name}: the loss must be a Tensor, got ${String(loss)}`);
    assertFloat(loss);
    const varList = opts.varList ?? loss.graph.getCollection<Variable>(GraphKeys.TRAINABLE_VARIABLES);
    varList.forEach((v) => checkVariable(v, this.name));
    if (varList.length === 0) throw new InvalidArgumentError('No variables to optimize.');
    let gradLoss: Tensor | undefined;
    if (opts.gradLoss !== undefined) {
      gradLoss = convertToTensor(opts.gradLoss, loss.dtype, 'grad_loss', loss.graph);
      assertFloat(gradLoss);
    }
    const grads = gradients(loss, varList, gradLoss);
    const pairs = varList.map((v, i): [Tensor | null, Variable] => [grads[i], v]);
    for (const [g, v] of pairs) if (g !== null) assertFloat(v);
    return pairs;
  }

  /** Gradients may be Tensors, concrete values (made constants of the variable's dtype) or null (skipped). */
  applyGradients(gradsAndVars: ReadonlyArray<readonly [TensorLike | null | undefined, Variable]>, opts: ApplyGradientsOptions = {}): Operation {
    if (gradsAndVars.length === 0) throw new InvalidArgumentError('No variables provided.');
    const pairs = gradsAndVars.map(([g, v]): [Tensor | null, Variable] => {
      checkVariable(v, this.name);
      if (g === null || g === undefined) return [null, v];
      return [g instanceof Tensor ? convertToTensor(g) : convertToTensor(g, v.dtype, 'Const', v.graph), v];
    });
    const withGrad = pairs.filter((p): p is [Tensor, Variable] => p[0] !== null);
    if (withGrad.length === 0) {
      throw new InvalidArgumentError(`No gradients provided for any variable: [${pairs.map(([, v]) => `'${v.name}'`).join(', ')}].`);
    }
    for (const [, v] of withGrad) assertFloat(v);
    if (opts.globalStep !== undefined) assertGlobalStep(opts.globalStep);
    const graph = withGrad[0][1].graph;
    inInitScope(graph, () => this.createSlots(withGrad.map(([, v]) => v)));

    return graph.asDefault(() => graph.withNameScope(opts.name ?? this.name, (scope) => {
      this.prepare();
      const updates = withGrad.map(([g, v]) => graph.withNameScope(`update_${v.op.name}`, () => this.applyDense(g, v).op));
      const all = [...updates, ...this.finish(updates)];
      let result: Operation;
      if (opts.globalStep === undefined) {
        // The returned op takes the scope's own name, as TF's `group(name=scope)` does.
        result = addOp('NoOp', [], {}, { name: scope, exactName: true, controlInputs: all, graph });
      } else {
        const step = opts.globalStep;
        const update = group(all, { name: 'update' });
        const one = constant(1, { dtype: step.dtype, name: 'value', graph });
        result = addOp('AssignAdd', [step, one], { T: step.dtype }, { name: scope, exactName: true, controlInputs: [update], graph });
      }
      if (!graph.getCollection(GraphKeys.TRAIN_OP).includes(result)) graph.addToCollection(GraphKeys.TRAIN_OP, result);
      return result;
    }));
  }

  minimize(loss: Tensor, opts: ComputeGradientsOptions & ApplyGradientsOptions = {}): Operation {
    const pairs = this.computeGradients(loss, { varList: opts.varList, gradLoss: opts.gradLoss });
    if (pairs.every(([g]) => g === null)) {
      throw new InvalidArgumentError(`No gradients provided for any variable, check your graph for ops that do not support gradients, between variables [${pairs.map(([, v]) => `'${v.name}'`).join(', ')}] and loss '${loss.name}'.`);
    }
    return this.applyGradients(pairs, { globalStep: opts.globalStep, name: opts.name });
  }

  // ---- slots ----

  /** The slot `name` of `v` ('momentum', 'm', ...), or null. */
  getSlot(v: Variable, name: string): Variable | null { return this.slots.get(name)?.get(v) ?? null; }

  getSlotNames(): string[] { return [...this.slots.keys()].sort(); }

  /** The variables this optimizer created (slots and non-slot variables), sorted by name. */
  variables(): Variable[] {
    const all: Variable[] = [];
    for (const m of this.nonSlots.values()) all.push(...m.values());
    for (const m of this.slots.values()) all.push(...m.values());
    return all.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** The slot `slotName` of `v`, created filled with `fill` (TF's `_get_or_make_slot_with_initializer`). */
  protected slot(v: Variable, slotName: string, fill: number): Variable {
    let bySlot = this.slots.get(slotName);
    if (bySlot === undefined) this.slots.set(slotName, (bySlot = new Map()));
    let s = bySlot.get(v);
    if (s === undefined) {
      if (!isFullyDefined(v.shape)) {
        throw new InvalidArgumentError(`${this.name}: variable '${v.name}' has shape ${formatShape(v.shape)}; its '${slotName}' slot needs a fully defined shape`);
      }
      const value = new NDArray(v.dtype, v.shape, filledArray(v.dtype, v.shape.reduce((a, b) => a * b, 1), fill));
      // Called in the init scope: the name is `<var>/<optimizer>` at the top level, made unique as TF does.
      s = variable(value, { name: `${v.op.name}/${this.name}`, trainable: false });
      bySlot.set(v, s);
    }
    return s;
  }

  /** A variable of this optimizer not tied to one variable, created once per graph (TF's `_create_non_slot_variable`). */
  protected nonSlot(graph: Graph, name: string, init: () => Variable): Variable {
    let m = this.nonSlots.get(graph);
    if (m === undefined) this.nonSlots.set(graph, (m = new Map()));
    let v = m.get(name);
    if (v === undefined) m.set(name, (v = init()));
    return v;
  }

  protected getNonSlot(graph: Graph, name: string): Variable {
    const v = this.nonSlots.get(graph)?.get(name);
    if (v === undefined) throw new InvalidArgumentError(`${this.name}: no variable '${name}' in this graph yet`);
    return v;
  }
}

/** A hyper-parameter as a tensor named `name` (TF's `_prepare`: `convert_to_tensor(x, name=...)`). */
export function hyperTensor(x: HyperParam, name: string): Tensor {
  return x instanceof Tensor ? convertToTensor(x) : constant(x, { name });
}

/** `t` in the variable's dtype (TF's `math_ops.cast(t, var.dtype.base_dtype)`, a no-op when they already agree). */
export function asDType(t: Tensor, dtype: DType): Tensor { return t.dtype === dtype ? t : cast(t, dtype); }

function filledArray(dtype: DType, size: number, fill: number): Float32Array | Float64Array {
  return dtype === 'float32' ? new Float32Array(size).fill(fill) : new Float64Array(size).fill(fill);
}

function checkVariable(v: unknown, who: string): asserts v is Variable {
  if (!(v instanceof Variable)) {
    const what = v instanceof Tensor ? `'${v.name}' (${v.op.type})` : String(v);
    throw new InvalidArgumentError(`${who}: trying to optimize unsupported type: ${what} is not a Variable`);
  }
}

/** TF's `_assert_valid_dtypes`. */
function assertFloat(t: Tensor): void {
  if (!isFloat(t.dtype)) throw new InvalidArgumentError(`Invalid type ${t.dtype} for ${t.name}, expected: [float32, float64].`);
}
