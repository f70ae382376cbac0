// The graph: nodes, unique names, name scopes, control-dependency scopes and collections, as in TF1.
import { InvalidArgumentError, NotFoundError } from './errors.js';
import type { DType } from './dtypes.js';
import type { Shape } from './shape.js';
import { Attrs, Operation, Tensor } from './tensor.js';

/**
 * An imported node Kiln cannot run (an op type it lacks, a dtype it lacks): why, and its outputs' dtype and shape,
 * which are created as consumers name them ('node:k') because the number of outputs is not known.
 */
export interface OpaqueInfo {
  reason: string;
  output(index: number): { dtype: DType; shape: Shape };
}

/** Standard collection names (TF's `tf.GraphKeys`). */
export const GraphKeys = {
  GLOBAL_VARIABLES: 'variables',
  LOCAL_VARIABLES: 'local_variables',
  TRAINABLE_VARIABLES: 'trainable_variables',
  UPDATE_OPS: 'update_ops',
  SUMMARIES: 'summaries',
  LOSSES: 'losses',
  TRAIN_OP: 'train_op',
  GLOBAL_STEP: 'global_step',
} as const;

export class Graph {
  private readonly ops: Operation[] = [];
  private readonly byName = new Map<string, Operation>();
  /** TF's `_names_in_use`: lower-cased name -> next suffix to try. Scopes and ops share it. */
  private readonly namesInUse = new Map<string, number>();
  private readonly collections = new Map<string, unknown[]>();
  private readonly opaque = new Map<Operation, OpaqueInfo>();
  private scope = '';
  private controlStack: Operation[][] = [];
  private gradientOverrides: Readonly<Record<string, string>> = {};
  /** Graph-level random seed (`tf.setRandomSeed`); null when unset. */
  seed: number | null = null;

  /** Grows with every op added: a cheap way to tell that the graph changed. */
  get version(): number { return this.ops.length; }

  getOperations(): Operation[] { return [...this.ops]; }

  getOperationByName(name: string): Operation {
    const op = this.byName.get(name);
    if (op === undefined) throw new NotFoundError(`The name '${name}' refers to an Operation not in the graph`);
    return op;
  }

  hasOperation(name: string): boolean { return this.byName.has(name); }

  /** `'x:0'` -> the tensor. */
  getTensorByName(name: string): Tensor {
    const m = /^(.+):(\d+)$/.exec(name);
    if (m === null) throw new InvalidArgumentError(`The name '${name}' looks like an Operation name, not a Tensor name ('op:index')`);
    const op = this.byName.get(m[1]);
    if (op === undefined) throw new NotFoundError(`The name '${name}' refers to a Tensor which does not exist: operation '${m[1]}' is not in the graph`);
    if (this.opaque.has(op)) return this.opaqueOutput(op, Number(m[2]));
    const t = op.outputs[Number(m[2])];
    if (t === undefined) throw new NotFoundError(`The name '${name}' refers to a Tensor which does not exist: '${m[1]}' has ${op.outputs.length} outputs`);
    return t;
  }

  /** Runs `fn` with this graph as the default graph. */
  asDefault<T>(fn: () => T): T {
    graphStack.push(this);
    let async = false;
    try {
      const r = fn();
      if (r instanceof Promise) {
        async = true;
        return r.finally(() => popGraph(this)) as T;
      }
      return r;
    } finally {
      if (!async) popGraph(this);
    }
  }

  // ---- names ----

  /** TF's `Graph.unique_name`: `name`, else `name_1`, `name_2`, ... (case-insensitive, shared with scopes). */
  uniqueName(name: string, markAsUsed = true): string {
    const full = this.scope ? `${this.scope}/${name}` : name;
    const key = full.toLowerCase();
    let i = this.namesInUse.get(key) ?? 0;
    if (markAsUsed) this.namesInUse.set(key, i + 1);
    if (i === 0) return full;
    let candidate = `${full}_${i}`;
    while (this.namesInUse.has(candidate.toLowerCase())) candidate = `${full}_${++i}`;
    if (markAsUsed) this.namesInUse.set(candidate.toLowerCase(), 1);
    return candidate;
  }

  /** The current name scope, without trailing slash ('' at the top). */
  get currentScope(): string { return this.scope; }

  /**
   * Enters a name scope. `name` is made unique as in TF (`a`, then `a_1`); a name ending in `/` re-enters that exact
   * scope. `fn` receives the scope's full name.
   */
  withNameScope<T>(name: string, fn: (scope: string) => T): T {
    const saved = this.scope;
    let scope: string;
    if (name === '') scope = '';
    else if (name.endsWith('/')) scope = name.slice(0, -1);
    else scope = this.uniqueName(name);
    this.scope = scope;
    try {
      return fn(scope);
    } finally {
      this.scope = saved;
    }
  }

  /**
   * TF's `graph.gradient_override_map`: nodes of the mapped op types built inside `fn` take their gradient from the
   * one registered under the mapped name (`tf.registerGradient('MyGrad', ...)`), recorded in the node's
   * `_gradient_op_type` attr as TF does.
   */
  gradientOverrideMap<T>(map: Readonly<Record<string, string>>, fn: () => T): T {
    for (const [type, name] of Object.entries(map)) {
      if (typeof name !== 'string' || name === '') throw new InvalidArgumentError(`gradientOverrideMap: the override of '${type}' must be a gradient name, got ${String(name)}`);
    }
    const saved = this.gradientOverrides;
    this.gradientOverrides = { ...saved, ...map };
    try {
      return this.asDefault(fn);
    } finally {
      this.gradientOverrides = saved;
    }
  }

  withControlDependencies<T>(deps: readonly Operation[] | null, fn: () => T): T {
    const saved = this.controlStack;
    this.controlStack = deps === null ? [] : [...saved, [...deps]];
    try {
      return fn();
    } finally {
      this.controlStack = saved;
    }
  }

  // ---- nodes ----

  /**
   * Adds a node. Called by the op builders (ops/registry.ts `addOp`), which have already run the shape rule.
   * `name` is made unique unless `exactName` is set (a variable's op takes its scope's name, as in TF).
   */
  addNode(
    type: string,
    name: string,
    inputs: readonly Tensor[],
    attrs: Attrs,
    outputs: ReadonlyArray<{ dtype: Tensor['dtype']; shape: Tensor['shape'] }>,
    opts: { exactName?: boolean; controlInputs?: readonly Operation[] } = {},
  ): Operation {
    for (const t of inputs) {
      if (t.graph !== this) throw new InvalidArgumentError(`Input '${t.name}' of node '${name}' belongs to another graph`);
    }
    let unique: string;
    if (opts.exactName) {
      if (this.byName.has(name)) throw new InvalidArgumentError(`Duplicate node name in graph: '${name}'`);
      unique = name;
      this.namesInUse.set(name.toLowerCase(), Math.max(this.namesInUse.get(name.toLowerCase()) ?? 0, 1));
    } else {
      unique = this.uniqueName(name);
    }
    const control = new Set<Operation>(opts.controlInputs ?? []);
    for (const frame of this.controlStack) for (const op of frame) control.add(op);
    for (const op of control) {
      if (op.graph !== this) throw new InvalidArgumentError(`Control input '${op.name}' of node '${unique}' belongs to another graph`);
    }
    const override = Object.prototype.hasOwnProperty.call(this.gradientOverrides, type) ? this.gradientOverrides[type] : undefined;
    const op = new Operation(this, unique, type, inputs, [...control], override === undefined ? attrs : { ...attrs, _gradient_op_type: override });
    outputs.forEach((o, i) => op.outputs.push(new Tensor(op, i, o.dtype, o.shape)));
    this.ops.push(op);
    this.byName.set(unique, op);
    return op;
  }

  /**
   * Adds an imported node that cannot run (serialization/graphdef.ts): no shape rule, outputs created on demand by
   * `opaqueOutput`. Input slots left `undefined` (a loop's back edge, imported later) are filled by `setOpaqueInput`.
   * A plan that contains it fails with `info.reason` (session/plan.ts `checkRunnable`).
   */
  addOpaqueNode(
    type: string, name: string, inputs: Array<Tensor | undefined>, attrs: Attrs, controlInputs: readonly Operation[], info: OpaqueInfo,
  ): Operation {
    if (this.byName.has(name)) throw new InvalidArgumentError(`Duplicate node name in graph: '${name}'`);
    for (const t of [...inputs, ...controlInputs]) {
      if (t !== undefined && t.graph !== this) throw new InvalidArgumentError(`Input '${t.name}' of node '${name}' belongs to another graph`);
    }
    this.namesInUse.set(name.toLowerCase(), Math.max(this.namesInUse.get(name.toLowerCase()) ?? 0, 1));
    const op = new Operation(this, name, type, inputs as Tensor[], [...controlInputs], attrs);
    this.ops.push(op);
    this.byName.set(name, op);
    this.opaque.set(op, info);
    return op;
  }

  /** Output `index` of an opaque node, created (with the outputs before it) on first use. */
  opaqueOutput(op: Operation, index: number): Tensor {
    const info = this.opaque.get(op);
    if (info === undefined) throw new InvalidArgumentError(`'${op.name}' is not an imported node of unknown outputs`);
    while (op.outputs.length <= index) {
      const o = info.output(op.outputs.length);
      op.outputs.push(new Tensor(op, op.outputs.length, o.dtype, o.shape));
    }
    return op.outputs[index];
  }

  setOpaqueInput(op: Operation, index: number, t: Tensor): void {
    if (!this.opaque.has(op) || t.graph !== this) throw new InvalidArgumentError(`Cannot set input ${index} of '${op.name}'`);
    (op.inputs as Tensor[])[index] = t;
  }

  /** Why an imported node cannot run; undefined for every node Kiln can run. */
  opaqueReason(op: Operation): string | undefined { return this.opaque.get(op)?.reason; }

  // ---- collections ----

  addToCollection(key: string, value: unknown): void {
    let c = this.collections.get(key);
    if (c === undefined) this.collections.set(key, (c = []));
    c.push(value);
  }

  /** A copy of the collection's items, in insertion order (empty when unknown). */
  getCollection<T = unknown>(key: string): T[] { return [...(this.collections.get(key) ?? [])] as T[]; }

  getAllCollectionKeys(): string[] { return [...this.collections.keys()]; }

  clearCollection(key: string): void { this.collections.delete(key); }
}

// ---- the default graph ----

let globalDefault = new Graph();
const graphStack: Graph[] = [];

function popGraph(g: Graph): void {
  const i = graphStack.lastIndexOf(g);
  if (i >= 0) graphStack.splice(i, 1);
}

export function getDefaultGraph(): Graph {
  return graphStack.length > 0 ? graphStack[graphStack.length - 1] : globalDefault;
}

/** Replaces the global default graph with a new, empty one. */
export function resetDefaultGraph(): void {
  if (graphStack.length > 0) {
    throw new InvalidArgumentError('Do not use tf.resetDefaultGraph() inside graph.asDefault(): it would clear nested graphs');
  }
  globalDefault = new Graph();
}

export function nameScope<T>(name: string, fn: (scope: string) => T): T {
  return getDefaultGraph().withNameScope(name, fn);
}

export function controlDependencies<T>(deps: ReadonlyArray<Operation | Tensor> | null, fn: () => T): T {
  const ops = deps === null ? null : deps.map((d) => (d instanceof Tensor ? d.op : d));
  const g = ops !== null && ops.length > 0 ? ops[0].graph : getDefaultGraph();
  return g.withControlDependencies(ops, fn);
}

export function addToCollection(key: string, value: unknown): void { getDefaultGraph().addToCollection(key, value); }
export function getCollection<T = unknown>(key: string): T[] { return getDefaultGraph().getCollection<T>(key); }

/** Graph-level seed, as TF1's `tf.set_random_seed`. */
export function setRandomSeed(seed: number): void { getDefaultGraph().seed = seed; }
