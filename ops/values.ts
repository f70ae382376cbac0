// Values and state: Const, Placeholder, PlaceholderWithDefault, VariableV2 and its Assign ops, Identity, NoOp.
import { checkDType, DType, isTypedArray, TypedArray } from '../graph/dtypes.js';
import { InvalidArgumentError } from '../graph/errors.js';
import { getDefaultGraph, Graph, GraphKeys } from '../graph/graph.js';
import { NDArray, NestedArray, toNDArray } from '../graph/ndarray.js';
import { formatShape, isFullyDefined, mergeDim, Shape } from '../graph/shape.js';
import { Operation, Tensor } from '../graph/tensor.js';
import { mapBroadcast } from './cpu.js';
import { binding, GpuKernel, GpuKernelContext, grid, HANDLED_BY_EXECUTOR, wgslType } from './gpu.js';
import { addOp, defineOp } from './registry.js';

/** Anything a builder accepts where TF1 takes a tensor: a Tensor (a Variable is one), a concrete value, JS numbers. */
export type TensorLike = Tensor | NDArray | NestedArray | TypedArray;
export interface NameOpt { name?: string }

// ---------------------------------------------------------------------------------------------------------------
// Const

defineOp({
  type: 'Const',
  inputs: [],
  attrs: { value: { type: 'tensor' }, dtype: { type: 'type' } },
  shape: (c) => {
    const v = c.attrs.value as NDArray;
    return [{ dtype: v.dtype, shape: [...v.shape] }];
  },
  cpu: (_, attrs) => [attrs.value as NDArray],
  gpu: HANDLED_BY_EXECUTOR,
  grad: 'not-differentiable',
});

/** `tf.constant(value, {dtype?, shape?, name?})`: value is a number, boolean, nested array, typed array or NDArray. */
export function constant(
  value: NestedArray | TypedArray | NDArray,
  opts: { dtype?: DType; shape?: readonly number[]; name?: string; graph?: Graph } = {},
): Tensor {
  const v = toNDArray(value, opts.dtype, opts.shape, `tf.constant${opts.name ? ` '${opts.name}'` : ''}`);
  return addOp('Const', [], { value: v, dtype: v.dtype }, { name: opts.name ?? 'Const', graph: opts.graph }).outputs[0];
}

/**
 * Converts a TensorLike to a Tensor. A JS value becomes a Const of `dtype` when given, else of its natural dtype
 * (numbers: float32). A Variable becomes its `read` value, as TF1's conversion function does.
 */
export function convertToTensor(x: TensorLike, dtype?: DType, name = 'Const', graph?: Graph): Tensor {
  if (x instanceof Variable) return x.value();
  if (x instanceof Tensor) {
    if (dtype !== undefined && x.dtype !== dtype) {
      throw new InvalidArgumentError(`Tensor '${x.name}' has dtype ${x.dtype}, expected ${dtype}`);
    }
    return x;
  }
  return constant(x as NestedArray, { dtype, name, graph });
}

/**
 * Converts the inputs of an op that needs one dtype for all of them (TF's attr T): JS values take the dtype of the
 * first Tensor among the inputs; a mismatch between Tensors is an error naming the node.
 */
export function convertSameType(xs: readonly TensorLike[], node: string): Tensor[] {
  const firstTensor = xs.find((x) => x instanceof Tensor) as Tensor | undefined;
  const dtype = firstTensor?.dtype;
  // JS values become Consts in the graph of the Tensors they combine with, even outside graph.asDefault().
  const out = xs.map((x) => (x instanceof Tensor ? convertToTensor(x) : convertToTensor(x, dtype ?? inferDType(x), 'Const', firstTensor?.graph)));
  for (const t of out) {
    if (t.dtype !== out[0].dtype) {
      throw new InvalidArgumentError(`${node}: inputs must have one dtype, got ${out.map((x) => `'${x.name}' ${x.dtype}`).join(', ')}`);
    }
  }
  return out;
}

function inferDType(x: TensorLike): DType | undefined {
  if (x instanceof NDArray) return x.dtype;
  if (isTypedArray(x)) return undefined;
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Placeholders

defineOp({
  type: 'Placeholder',
  inputs: [],
  attrs: { dtype: { type: 'type' }, shape: { type: 'shape', default: null } },
  shape: (c) => [{ dtype: c.attrs.dtype as DType, shape: c.attrs.shape as Shape }],
  cpu: (_, attrs, ctx) => {
    throw new InvalidArgumentError(
      `You must feed a value for placeholder tensor '${ctx.name}' with dtype ${attrs.dtype as DType} and shape ${formatShape(attrs.shape as Shape)}`,
    );
  },
  gpu: HANDLED_BY_EXECUTOR,
  grad: 'not-differentiable',
});

/** `tf.placeholder(dtype, shape?, name?)`: shape undefined means unknown rank; `null` dims are unknown. */
export function placeholder(dtype: DType, shape?: Shape, name?: string): Tensor {
  checkDType(dtype, `tf.placeholder${name ? ` '${name}'` : ''}`);
  return addOp('Placeholder', [], { dtype, shape: shape == null ? null : [...shape] }, { name: name ?? 'Placeholder' }).outputs[0];
}

defineOp({
  type: 'PlaceholderWithDefault',
  inputs: ['input'],
  attrs: { dtype: { type: 'type' }, shape: { type: 'shape' } },
  shape: (c) => {
    const shape = c.attrs.shape as Shape;
    const inShape = c.inputs[0].shape;
    if (shape !== null && inShape !== null) {
      if (shape.length !== inShape.length || shape.some((d, i) => mergeDim(d, inShape[i]) === undefined)) {
        c.fail(`default value of shape ${formatShape(inShape)} is not compatible with the declared shape ${formatShape(shape)}`);
      }
    }
    return [{ dtype: c.inputs[0].dtype, shape }];
  },
  cpu: ([x]) => [x],
  gpu: () => ({ dispatches: [], alias: { 0: 0 } }),
  grad: (_, [dy]) => [dy],
});

/** `tf.placeholderWithDefault(value, shape, name?)`: the value is used when nothing is fed. */
export function placeholderWithDefault(value: TensorLike, shape: Shape, name?: string): Tensor {
  const v = convertToTensor(value);
  return addOp('PlaceholderWithDefault', [v], { dtype: v.dtype, shape: shape === null ? null : [...shape] },
    { name: name ?? 'PlaceholderWithDefault' }).outputs[0];
}

// ---------------------------------------------------------------------------------------------------------------
// Identity and grouping

defineOp({
  type: 'Identity',
  inputs: ['input'],
  attrs: { T: { type: 'type' } },
  shape: (c) => [{ dtype: c.inputs[0].dtype, shape: c.inputs[0].shape }],
  cpu: ([x]) => [x],
  gpu: () => ({ dispatches: [], alias: { 0: 0 } }),
  grad: (_, [dy]) => [dy],
});

export function identity(x: TensorLike, opts: NameOpt = {}): Tensor {
  const t = convertToTensor(x);
  return addOp('Identity', [t], { T: t.dtype }, { name: opts.name ?? 'Identity' }).outputs[0];
}

defineOp({ type: 'NoOp', inputs: [], shape: () => [], cpu: () => [], gpu: () => ({ dispatches: [] }), grad: 'not-differentiable' });

export function noOp(opts: NameOpt = {}): Operation {
  return addOp('NoOp', [], {}, { name: opts.name ?? 'NoOp' });
}

/**
 * `tf.group(...inputs, {name?})`: an op that runs all of `inputs` (TF1 semantics: a NoOp with control inputs).
 * Arrays of ops are flattened.
 */
export function group(...args: Array<Operation | Tensor | ReadonlyArray<Operation | Tensor> | NameOpt>): Operation {
  let opts: NameOpt = {};
  const deps: Operation[] = [];
  const collect = (x: unknown): void => {
    if (x instanceof Operation) deps.push(x);
    else if (x instanceof Tensor) deps.push(x.op);
    else if (Array.isArray(x)) x.forEach(collect);
    else if (x !== undefined && typeof x === 'object') opts = x as NameOpt;
    else throw new InvalidArgumentError(`tf.group: expected Operations or Tensors, got ${String(x)}`);
  };
  args.forEach(collect);
  const graph = deps[0]?.graph ?? getDefaultGraph();
  return addOp('NoOp', [], {}, { name: opts.name ?? 'group_deps', controlInputs: deps, graph });
}

// ---------------------------------------------------------------------------------------------------------------
// Variables (TF1's ref variables: VariableV2 + name/Assign + name/read)

defineOp({
  type: 'VariableV2',
  inputs: [],
  attrs: {
    shape: { type: 'shape' }, dtype: { type: 'type' },
    container: { type: 'string', default: '' }, shared_name: { type: 'string', default: '' },
  },
  stateful: true,
  shape: (c) => [{ dtype: c.attrs.dtype as DType, shape: c.attrs.shape as Shape }],
  cpu: (_, __, ctx) => [ctx.readVariable(ctx.name)],
  gpu: HANDLED_BY_EXECUTOR,
  grad: 'not-differentiable',
});

function checkAssignShape(c: { inputs: readonly Tensor[]; attrs: Record<string, unknown>; fail(m: string): never }): Shape {
  const [ref, value] = c.inputs;
  if (ref.dtype !== value.dtype) c.fail(`value has dtype ${value.dtype}, variable '${ref.op.name}' has ${ref.dtype}`);
  if (ref.shape !== null && value.shape !== null && c.attrs.validate_shape !== false) {
    const ok = ref.shape.length === value.shape.length && ref.shape.every((d, i) => mergeDim(d, value.shape![i]) !== undefined);
    if (!ok) c.fail(`value of shape ${formatShape(value.shape)} does not match variable '${ref.op.name}' of shape ${formatShape(ref.shape)}`);
  }
  return ref.shape;
}

function failFor(type: string, name: string): (m: string) => never {
  return (m) => { throw new InvalidArgumentError(`${type} node '${name}': ${m}`); };
}

function checkRef(c: { inputs: readonly Tensor[]; fail(m: string): never }): void {
  if (c.inputs[0].op.type !== 'VariableV2') c.fail(`input 0 must be a variable, got '${c.inputs[0].name}' (${c.inputs[0].op.type})`);
}

defineOp({
  type: 'Assign',
  inputs: ['ref', 'value'],
  attrs: { T: { type: 'type' }, validate_shape: { type: 'bool', default: true }, use_locking: { type: 'bool', default: true } },
  refInputs: [0],
  stateful: true,
  shape: (c) => {
    checkRef(c);
    const s = checkAssignShape(c);
    return [{ dtype: c.inputs[0].dtype, shape: c.attrs.validate_shape === false ? c.inputs[1].shape : s }];
  },
  cpu: ([, value], _, ctx) => {
    const name = ctx.refName(0);
    ctx.writeVariable(name, value);
    return [ctx.readVariable(name)];
  },
  gpu: (k) => assignKernel(k, (old, v) => v),
  // On a frozen variable (a Const), TF's Assign gives the assigned value.
  refAsValue: (inputs, attrs, opts) => {
    checkAssignShape({ inputs, attrs, fail: failFor('Assign', opts.name) });
    return addOp('Identity', [inputs[1]], { T: inputs[1].dtype }, opts);
  },
  grad: 'not-differentiable',
});

function defineAssignUpdate(type: 'AssignAdd' | 'AssignSub', sign: 1 | -1): void {
  defineOp({
    type,
    inputs: ['ref', 'value'],
    attrs: { T: { type: 'type' }, use_locking: { type: 'bool', default: false } },
    refInputs: [0],
    stateful: true,
    shape: (c) => {
      checkRef(c);
      return [{ dtype: c.inputs[0].dtype, shape: checkAssignShape(c) }];
    },
    cpu: ([, value], _, ctx) => {
      const name = ctx.refName(0);
      const old = ctx.readVariable(name);
      if (old.shape.length !== value.shape.length || old.shape.some((d, i) => d !== value.shape[i])) {
        throw new InvalidArgumentError(`${type} '${ctx.name}': value of shape ${formatShape(value.shape)} does not match variable '${name}' of shape ${formatShape(old.shape)}`);
      }
      ctx.writeVariable(name, mapBroadcast([old, value], old.dtype, ctx.name, (a, b) => a + sign * b));
      return [ctx.readVariable(name)];
    },
    gpu: (k) => assignKernel(k, (old, v) => `${old} ${sign > 0 ? '+' : '-'} ${v}`),
    // On a frozen variable (a Const): the sum or difference, as TF's kernel computes into the ref's buffer.
    refAsValue: (inputs, attrs, opts) => {
      checkAssignShape({ inputs, attrs: { ...attrs, validate_shape: true }, fail: failFor(type, opts.name) });
      return addOp(sign > 0 ? 'AddV2' : 'Sub', [inputs[0], inputs[1]], { T: inputs[0].dtype }, opts);
    },
    grad: 'not-differentiable',
  });
}
defineAssignUpdate('AssignAdd', 1);
defineAssignUpdate('AssignSub', -1);

/** Writes the variable behind ref input 0 in place, element by element; output 0 is the variable itself. */
function assignKernel(k: GpuKernelContext, expr: (old: string, value: string) => string): GpuKernel {
  const [ref, value] = k.inputs;
  if (formatShape(ref.shape) !== formatShape(value.shape)) {
    k.fail(`value of shape ${formatShape(value.shape)} does not match variable of shape ${formatShape(ref.shape)}`);
  }
  // Four elements per thread when the size allows: vec4 memory access is 2-3x faster on llvmpipe (ops/wgsl/chain.ts).
  const per = value.size % 4 === 0 ? 4 : 1;
  const t = per === 4 ? `vec4<${wgslType(value.dtype)}>` : wgslType(value.dtype);
  const g = grid(value.size / per, 128);
  const code = `${binding(0, 'variable', t, true)}
${binding(1, 'val', t)}
@compute @workgroup_size(128) fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = ${g.flatIndex};
  if (i >= ${value.size / per}u) { return; }
  variable[i] = ${expr('variable[i]', 'val[i]')};
}`;
  return { dispatches: [{ code, bindings: [{ ref: 0 }, { input: 1 }], workgroups: g.workgroups }], alias: { 0: 0 } };
}

function refOf(v: Tensor, what: string): Tensor {
  if (v.op.type !== 'VariableV2') throw new InvalidArgumentError(`${what}: '${v.name}' is not a variable`);
  return v;
}

export function assign(ref: Tensor, value: TensorLike, opts: NameOpt & { validateShape?: boolean } = {}): Tensor {
  const r = refOf(ref, 'tf.assign');
  const v = convertToTensor(value, r.dtype, 'Const', r.graph);
  return addOp('Assign', [r, v], { T: r.dtype, validate_shape: opts.validateShape ?? true }, { name: opts.name ?? 'Assign' }).outputs[0];
}

export function assignAdd(ref: Tensor, value: TensorLike, opts: NameOpt = {}): Tensor {
  const r = refOf(ref, 'tf.assignAdd');
  const v = convertToTensor(value, r.dtype, 'Const', r.graph);
  return addOp('AssignAdd', [r, v], { T: r.dtype }, { name: opts.name ?? 'AssignAdd' }).outputs[0];
}

export function assignSub(ref: Tensor, value: TensorLike, opts: NameOpt = {}): Tensor {
  const r = refOf(ref, 'tf.assignSub');
  const v = convertToTensor(value, r.dtype, 'Const', r.graph);
  return addOp('AssignSub', [r, v], { T: r.dtype }, { name: opts.name ?? 'AssignSub' }).outputs[0];
}

/**
 * A TF1 variable. It *is* its VariableV2 node's output (`v.name` is `'w:0'`, as in TF1), so it can be fetched and
 * passed anywhere a Tensor goes; ops built from it read it through `w/read`, as TF1's graphs do.
 */
export class Variable extends Tensor {
  /** The `w/Assign` op that sets the initial value. */
  initializer!: Operation;
  /** The initial value tensor (`w/initial_value` for a JS value). */
  initialValue!: Tensor;
  trainable!: boolean;
  private readTensor!: Tensor;

  /** The `w/read` tensor: what ops consume. */
  value(): Tensor { return this.readTensor; }

  assign(value: TensorLike, opts: NameOpt = {}): Tensor { return assign(this, value, opts); }
  assignAdd(value: TensorLike, opts: NameOpt = {}): Tensor { return assignAdd(this, value, opts); }
  assignSub(value: TensorLike, opts: NameOpt = {}): Tensor { return assignSub(this, value, opts); }

  /** @internal Makes the Variable the VariableV2 node's output itself, before anything consumes that output. */
  static wrap(op: Operation): Variable {
    const t = op.outputs[0];
    const v = new Variable(op, 0, t.dtype, t.shape);
    (op.outputs as Tensor[])[0] = v;
    return v;
  }

  /** @internal */
  finish(initializer: Operation, initialValue: Tensor, read: Tensor, trainable: boolean): this {
    this.initializer = initializer;
    this.initialValue = initialValue;
    this.readTensor = read;
    this.trainable = trainable;
    return this;
  }
}

/** `tf.variable(initialValue, {name?, trainable?, dtype?})`: TF1's `tf.Variable`. */
export function variable(
  initialValue: TensorLike,
  opts: { name?: string; trainable?: boolean; dtype?: DType; validateShape?: boolean } = {},
): Variable {
  const graph = initialValue instanceof Tensor ? initialValue.graph : getDefaultGraph();
  const trainable = opts.trainable ?? true;
  const v = graph.withNameScope(opts.name ?? 'Variable', (scope) => {
    let init: Tensor;
    if (initialValue instanceof Tensor) {
      init = initialValue;
      if (opts.dtype !== undefined && init.dtype !== opts.dtype) {
        throw new InvalidArgumentError(`Variable '${scope}': initial value '${init.name}' has dtype ${init.dtype}, expected ${opts.dtype}`);
      }
    } else {
      init = constant(initialValue as NestedArray, { dtype: opts.dtype, name: 'initial_value', graph });
    }
    const validate = opts.validateShape ?? true;
    if (validate && !isFullyDefined(init.shape)) {
      throw new InvalidArgumentError(
        `Variable '${scope}': initial value must have a fully defined shape, got ${formatShape(init.shape)} (pass validateShape: false)`,
      );
    }
    const op = addOp('VariableV2', [], { shape: validate ? init.shape : null, dtype: init.dtype }, { name: scope, exactName: true, graph });
    const v = Variable.wrap(op);
    const initializer = addOp('Assign', [v, init], { T: init.dtype, validate_shape: validate }, { name: 'Assign', graph });
    const read = addOp('Identity', [v], { T: init.dtype }, { name: 'read', graph }).outputs[0];
    return v.finish(initializer, init, read, trainable);
  });
  graph.addToCollection(GraphKeys.GLOBAL_VARIABLES, v);
  if (trainable) graph.addToCollection(GraphKeys.TRAINABLE_VARIABLES, v);
  return v;
}

export function globalVariables(): Variable[] { return getDefaultGraph().getCollection<Variable>(GraphKeys.GLOBAL_VARIABLES); }
export function trainableVariables(): Variable[] { return getDefaultGraph().getCollection<Variable>(GraphKeys.TRAINABLE_VARIABLES); }

/** `tf.variablesInitializer(vars, {name?})`: one op that runs every variable's initializer. */
export function variablesInitializer(vars: readonly Variable[], opts: NameOpt = {}): Operation {
  return group(vars.map((v) => v.initializer), { name: opts.name ?? 'init' });
}

export function globalVariablesInitializer(): Operation { return variablesInitializer(globalVariables()); }
