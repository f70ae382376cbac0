// The op registry: one declaration per op (TF type name, inputs, attrs with defaults, shape rule, reference CPU kernel;
// the GPU side and the gradient), and `addOp`, the one way a builder adds a node to a graph.
import { DType, StringTensorError } from '../graph/dtypes.js';
import { InvalidArgumentError, NotFoundError, UnimplementedError } from '../graph/errors.js';
import { getDefaultGraph, Graph } from '../graph/graph.js';
import { NDArray } from '../graph/ndarray.js';
import { Dim, formatShape, isFullyDefined, Shape } from '../graph/shape.js';
import { Attrs, AttrValue, Operation, Tensor } from '../graph/tensor.js';
import type { ElementwiseGpu, GpuKernelBuilder } from './gpu.js';

/** TensorFlow's attr types (op_def.proto), so a GraphDef writer knows how to encode each attr. */
export type AttrType =
  | 'type' | 'shape' | 'int' | 'float' | 'bool' | 'string' | 'tensor'
  | 'list(int)' | 'list(type)' | 'list(shape)' | 'list(float)' | 'list(string)';

export interface AttrSpec { type: AttrType; default?: AttrValue }
export interface OutputSpec { dtype: DType; shape: Shape }

export interface ShapeContext {
  /** The node being built, for error messages. */
  readonly name: string;
  readonly type: string;
  readonly inputs: readonly Tensor[];
  readonly attrs: Readonly<Attrs>;
  /** The value of input i when it is known while building (a Const, or computable from static shapes). */
  constValue(i: number): NDArray | null;
  /** A 1-D int input read as a shape, with `null` for entries not known while building; null if nothing is known. */
  constShape(i: number): Dim[] | null;
  /** Throws InvalidArgumentError naming this node. */
  fail(message: string): never;
}

export interface KernelContext {
  readonly name: string;
  /** The current value of a variable (seeing this run's earlier writes); FailedPreconditionError if uninitialised. */
  readVariable(varName: string): NDArray;
  /** Stages a variable write; it becomes visible to later runs only if this run succeeds. */
  writeVariable(varName: string, value: NDArray): void;
  /** The variable behind ref input i (its VariableV2 node's name). */
  refName(i: number): string;
  /** Per-session, per-node mutable state (a random op's run counter). */
  state<T>(init: () => T): T;
}

/**
 * A gradient: given the op and d(ys)/d(output i) for each output, builds (with ordinary builders, in the op's graph,
 * inside the name scope `gradients/<op>_grad`) d(ys)/d(input i) for each input, `null` where none flows (an int index,
 * a shape input). `grads[i]` is a Tensor for every float output (zeros when nothing flows into that output, as TF
 * does), `null` for other outputs. Declared beside the op (`grad` in its OpDef) or with `tf.registerGradient`.
 */
export type GradFn = (op: Operation, grads: ReadonlyArray<Tensor | null>) => Array<Tensor | null>;

/** A reference kernel: plain typed-array code, the semantics every other executor must match. */
export type CpuKernel = (inputs: NDArray[], attrs: Readonly<Attrs>, ctx: KernelContext) => NDArray[];

export interface OpDef {
  /** TensorFlow's op type name. */
  type: string;
  /** TF's input arg names; a name ending in '*' is a variadic list (attr N), and must be last. */
  inputs: readonly string[];
  attrs?: Readonly<Record<string, AttrSpec>>;
  shape: (ctx: ShapeContext) => OutputSpec[];
  cpu: CpuKernel;
  /** Inputs that are variable references, not values (Assign's `ref`): never read, so never need initialising. */
  refInputs?: readonly number[];
  /**
   * What the op computes when a ref input is a value, not a variable: a frozen graph's variables are Consts, and the
   * graphs TF wrote still run Assign or Scatter* on them (TF then updates a copy). The GraphDef importer calls it for
   * such a node and uses the op it returns (named `opts.name` exactly, with the node's outputs) in its place.
   */
  refAsValue?: (inputs: readonly Tensor[], attrs: Readonly<Attrs>, opts: AddOpOptions & { name: string }) => Operation;
  /** Has effects or differs between runs: never folded, merged or reordered past its control edges. */
  stateful?: boolean;
  /** Reads only its inputs' shapes (Shape, Size, Rank): computed when a plan is compiled, never on a device. */
  shapeOnly?: boolean;
  /** Elementwise ops: the WGSL expression the GPU compiler fuses (ops/gpu.ts). `gpu` is still the unfused kernel. */
  elementwise?: ElementwiseGpu;
  /** The GPU side: a kernel builder called once per node when a WebGPU plan is compiled (ops/gpu.ts). */
  gpu?: GpuKernelBuilder;
  /** The gradient (graph/gradients.ts calls it), or 'not-differentiable' (TF's `ops.NotDifferentiable`). */
  grad?: GradFn | 'not-differentiable';
}

const registry = new Map<string, OpDef>();

export function defineOp(decl: OpDef): OpDef {
  if (registry.has(decl.type)) throw new Error(`op ${decl.type} declared twice`);
  if (typeof decl.shape !== 'function') throw new Error(`op ${decl.type} declared without a shape rule`);
  if (typeof decl.cpu !== 'function') throw new Error(`op ${decl.type} declared without a reference kernel`);
  const kernel = decl.cpu;
  // A string tensor reaching a kernel that handles only numbers: an UnimplementedError naming the node.
  const cpu: CpuKernel = (inputs, attrs, ctx) => {
    try {
      return kernel(inputs, attrs, ctx);
    } catch (e) {
      if (e instanceof StringTensorError) throw new UnimplementedError(`${decl.type} node '${ctx.name}': ${e.message}`);
      throw e;
    }
  };
  const def = { ...decl, cpu };
  registry.set(def.type, def);
  return def;
}

export function getOpDef(type: string): OpDef | undefined { return registry.get(type); }

export function listOpDefs(): OpDef[] { return [...registry.values()]; }

/**
 * `{T: dtype}` for an op whose declaration has a T attr, else `{}`: TF's OpDefs of ops on one fixed dtype (LogicalAnd,
 * All on bool) have no T, and a GraphDef carrying one is rejected by TensorFlow's importer.
 */
export function typeAttr(type: string, dtype: DType): Attrs {
  return registry.get(type)?.attrs?.T !== undefined ? { T: dtype } : {};
}

export interface AddOpOptions {
  name?: string;
  /** Use `name` as given (already unique and scoped): a variable's node takes its name scope's name. */
  exactName?: boolean;
  controlInputs?: readonly Operation[];
  graph?: Graph;
}

/** Adds a node of a registered type: fills attr defaults, runs the shape rule, names the node uniquely. */
export function addOp(type: string, inputs: readonly Tensor[], attrs: Attrs = {}, opts: AddOpOptions = {}): Operation {
  const def = registry.get(type);
  if (def === undefined) throw new NotFoundError(`Op type not registered: '${type}'`);
  const graph = opts.graph ?? inputs[0]?.graph ?? getDefaultGraph();
  const full = withDefaults(def, attrs);
  const name = opts.exactName && opts.name !== undefined ? opts.name : graph.uniqueName(opts.name ?? type);
  for (const [k, spec] of Object.entries(def.attrs ?? {})) {
    if (full[k] === undefined) throw new InvalidArgumentError(`${type} node '${name}': attr '${k}' (${spec.type}) is required`);
  }
  const ctx = makeShapeContext(name, type, inputs, full);
  const outputs = def.shape(ctx);
  return graph.addNode(type, name, inputs, full, outputs, { exactName: true, controlInputs: opts.controlInputs });
}

/** `attrs` with the declaration's defaults filled in where it has none. */
export function withDefaults(def: OpDef, attrs: Readonly<Attrs>): Attrs {
  const full: Attrs = {};
  for (const [k, spec] of Object.entries(def.attrs ?? {})) {
    if (spec.default !== undefined) full[k] = spec.default;
  }
  return Object.assign(full, attrs);
}

function makeShapeContext(name: string, type: string, inputs: readonly Tensor[], attrs: Attrs): ShapeContext {
  return {
    name,
    type,
    inputs,
    attrs,
    constValue: (i) => staticValue(inputs[i]),
    constShape: (i) => staticShapeValue(inputs[i]),
    fail: (message) => { throw new InvalidArgumentError(`${type} node '${name}': ${message}`); },
  };
}

/** The value of a tensor when it is known without running anything. */
export function staticValue(t: Tensor | undefined): NDArray | null {
  if (t === undefined) return null;
  const op = t.op;
  switch (op.type) {
    case 'Const': return op.attrs.value as NDArray;
    case 'Identity': return staticValue(op.inputs[0]);
    case 'Shape': {
      const s = op.inputs[0].shape;
      if (!isFullyDefined(s)) return null;
      const dt = op.attrs.out_type as DType;
      return new NDArray(dt, [s.length], dt === 'int32' ? Int32Array.from(s) : Float64Array.from(s));
    }
    default: return null;
  }
}

/** Like staticValue for a 1-D shape tensor, but keeps what is known of a partly known one (TF's partial shapes). */
export function staticShapeValue(t: Tensor | undefined): Dim[] | null {
  if (t === undefined) return null;
  const v = staticValue(t);
  if (v !== null) return v.rank === 1 ? Array.from(v.data) : null;
  const op = t.op;
  if (op.type === 'Shape') return op.inputs[0].shape === null ? null : [...op.inputs[0].shape];
  if (op.type === 'Pack' && (op.attrs.axis as number) === 0) {
    return op.inputs.map((x) => {
      const s = staticValue(x);
      return s !== null && s.size === 1 ? s.data[0] : null;
    });
  }
  if (t.shape !== null && t.shape.length === 1 && t.shape[0] !== null) return new Array<Dim>(t.shape[0]).fill(null);
  return null;
}

/** Shape-rule helper: the message piece that names a tensor and its shape. */
export function describeInput(t: Tensor): string { return `'${t.name}' ${formatShape(t.shape)}`; }
