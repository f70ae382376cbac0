// TF1's optimizers: each keeps TF's constructor arguments (positional as in TF1, keywords in a trailing options
// object), slots and update op; the formulas themselves live with the Apply ops (ops/training.ts).
import { InvalidArgumentError, UnimplementedError } from '../graph/errors.js';
import { controlDependencies, getDefaultGraph } from '../graph/graph.js';
import { Operation, Tensor } from '../graph/tensor.js';
import { mul } from '../ops/math.js';
import { applyAdagrad, applyAdam, applyGradientDescent, applyMomentum, applyRMSProp } from '../ops/training.js';
import { assign, Variable, variable } from '../ops/values.js';
import { asDType, HyperParam, hyperTensor, Optimizer, OptimizerOptions } from './optimizer.js';

/** `var -= lr * grad`. */
export class GradientDescentOptimizer extends Optimizer {
  private lrT!: Tensor;
  constructor(readonly learningRate: HyperParam, opts: OptimizerOptions = {}) { super(opts, 'GradientDescent'); }
  protected createSlots(): void {}
  protected prepare(): void { this.lrT = hyperTensor(this.learningRate, 'learning_rate'); }
  protected applyDense(grad: Tensor, v: Variable): Tensor {
    return applyGradientDescent(v, asDType(this.lrT, v.dtype), grad, { useLocking: this.useLocking });
  }
}

/** `accum = momentum * accum + grad; var -= lr * accum` (Nesterov: `var -= lr * (grad + momentum * accum)`). */
export class MomentumOptimizer extends Optimizer {
  readonly useNesterov: boolean;
  private lrT!: Tensor;
  private momentumT!: Tensor;
  constructor(readonly learningRate: HyperParam, readonly momentum: HyperParam, opts: OptimizerOptions & { useNesterov?: boolean } = {}) {
    super(opts, 'Momentum');
    this.useNesterov = opts.useNesterov ?? false;
  }
  protected createSlots(vars: readonly Variable[]): void { for (const v of vars) this.slot(v, 'momentum', 0); }
  protected prepare(): void {
    this.lrT = hyperTensor(this.learningRate, 'learning_rate');
    this.momentumT = hyperTensor(this.momentum, 'momentum');
  }
  protected applyDense(grad: Tensor, v: Variable): Tensor {
    return applyMomentum(v, this.getSlot(v, 'momentum')!, asDType(this.lrT, v.dtype), grad, asDType(this.momentumT, v.dtype),
      { useLocking: this.useLocking, useNesterov: this.useNesterov });
  }
}

/** Adam (Kingma & Ba), TF1's form: slots m and v, and the non-slot variables beta1_power and beta2_power. */
export class AdamOptimizer extends Optimizer {
  private lrT!: Tensor;
  private beta1T!: Tensor;
  private beta2T!: Tensor;
  private epsilonT!: Tensor;
  constructor(
    readonly learningRate: HyperParam = 0.001, readonly beta1: HyperParam = 0.9, readonly beta2: HyperParam = 0.999,
    readonly epsilon: HyperParam = 1e-8, opts: OptimizerOptions = {},
  ) { super(opts, 'Adam'); }

  protected createSlots(vars: readonly Variable[]): void {
    // Created beside the first variable by name, in its dtype, as TF does.
    const first = [...vars].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))[0];
    const power = (name: string, init: HyperParam): Variable => this.nonSlot(first.graph, name, () => (init instanceof Tensor
      ? variable(init, { name, trainable: false })
      : variable(init, { name, trainable: false, dtype: first.dtype })));
    power('beta1_power', this.beta1);
    power('beta2_power', this.beta2);
    for (const v of vars) {
      this.slot(v, 'm', 0);
      this.slot(v, 'v', 0);
    }
  }

  protected prepare(): void {
    this.lrT = hyperTensor(this.learningRate, 'learning_rate');
    this.beta1T = hyperTensor(this.beta1, 'beta1');
    this.beta2T = hyperTensor(this.beta2, 'beta2');
    this.epsilonT = hyperTensor(this.epsilon, 'epsilon');
  }

  /** [beta1_power, beta2_power] of `graph`: beta1^t and beta2^t, updated after each step. */
  getBetaAccumulators(graph = getDefaultGraph()): [Variable, Variable] {
    return [this.getNonSlot(graph, 'beta1_power'), this.getNonSlot(graph, 'beta2_power')];
  }

  protected applyDense(grad: Tensor, v: Variable): Tensor {
    const [b1p, b2p] = this.getBetaAccumulators(v.graph);
    const t = (x: Tensor): Tensor => asDType(x, v.dtype);
    return applyAdam(v, this.getSlot(v, 'm')!, this.getSlot(v, 'v')!, t(b1p.value()), t(b2p.value()), t(this.lrT), t(this.beta1T),
      t(this.beta2T), t(this.epsilonT), grad, { useLocking: this.useLocking });
  }

  protected override finish(updates: readonly Operation[]): Operation[] {
    const [b1p, b2p] = this.getBetaAccumulators(updates[0].graph);
    // After every variable's update, so each step uses beta^t of the same t.
    return controlDependencies(updates, () => [
      assign(b1p, mul(b1p.value(), asDType(this.beta1T, b1p.dtype))).op,
      assign(b2p, mul(b2p.value(), asDType(this.beta2T, b2p.dtype))).op,
    ]);
  }
}

/** RMSProp (not centered): `ms = rho*ms + (1-rho)*grad^2; mom = momentum*mom + lr*grad/sqrt(ms+eps); var -= mom`. */
export class RMSPropOptimizer extends Optimizer {
  private lrT!: Tensor;
  private decayT!: Tensor;
  private momentumT!: Tensor;
  private epsilonT!: Tensor;
  constructor(
    readonly learningRate: HyperParam, readonly decay: HyperParam = 0.9, readonly momentum: HyperParam = 0,
    readonly epsilon: HyperParam = 1e-10, opts: OptimizerOptions & { centered?: boolean } = {},
  ) {
    super(opts, 'RMSProp');
    if (opts.centered === true) throw new UnimplementedError('RMSPropOptimizer: centered RMSProp (ApplyCenteredRMSProp) is not implemented yet');
  }

  protected createSlots(vars: readonly Variable[]): void {
    for (const v of vars) {
      this.slot(v, 'rms', 1); // TF1 starts the mean square at ones
      this.slot(v, 'momentum', 0);
    }
  }

  protected prepare(): void {
    this.lrT = hyperTensor(this.learningRate, 'learning_rate');
    this.decayT = hyperTensor(this.decay, 'decay');
    this.momentumT = hyperTensor(this.momentum, 'momentum');
    this.epsilonT = hyperTensor(this.epsilon, 'epsilon');
  }

  protected applyDense(grad: Tensor, v: Variable): Tensor {
    const t = (x: Tensor): Tensor => asDType(x, v.dtype);
    return applyRMSProp(v, this.getSlot(v, 'rms')!, this.getSlot(v, 'momentum')!, t(this.lrT), t(this.decayT), t(this.momentumT),
      t(this.epsilonT), grad, { useLocking: this.useLocking });
  }
}

/** Adagrad: `accum += grad^2; var -= lr * grad / sqrt(accum)`, accum starting at initialAccumulatorValue. */
export class AdagradOptimizer extends Optimizer {
  private lrT!: Tensor;
  constructor(readonly learningRate: HyperParam, readonly initialAccumulatorValue = 0.1, opts: OptimizerOptions = {}) {
    super(opts, 'Adagrad');
    if (!(initialAccumulatorValue > 0)) throw new InvalidArgumentError(`initial_accumulator_value must be positive: ${initialAccumulatorValue}`);
  }
  protected createSlots(vars: readonly Variable[]): void { for (const v of vars) this.slot(v, 'accumulator', this.initialAccumulatorValue); }
  protected prepare(): void { this.lrT = hyperTensor(this.learningRate, 'learning_rate'); }
  protected applyDense(grad: Tensor, v: Variable): Tensor {
    return applyAdagrad(v, this.getSlot(v, 'accumulator')!, asDType(this.lrT, v.dtype), grad, { useLocking: this.useLocking });
  }
}
