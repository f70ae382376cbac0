// The plan graph: what the optimizer's passes work on. It is a fresh Graph holding only the nodes one run needs
// (pruned to the fetches), with every fed tensor replaced by a Placeholder of the fed shape, so that the shape rules,
// re-run as the nodes are copied, make shapes concrete (shape specialisation). Passes are pure functions from one
// PlanGraph to another, built with `rewrite`; the user's graph is never touched.
//
// Node names are kept: variables are found by their VariableV2 node's name and random ops keep their per-session state
// under their node's name, so a copied node must answer to the same name.
import type { DType } from '../graph/dtypes.js';
import { InternalError, KilnError } from '../graph/errors.js';
import { Graph } from '../graph/graph.js';
import type { NDArray } from '../graph/ndarray.js';
import { Shape } from '../graph/shape.js';
import { Attrs, Operation, Tensor } from '../graph/tensor.js';
import { addOp, getOpDef } from '../ops/registry.js';
import { pruneToFetches } from './prune.js';

export interface FedTensor {
  /** The tensor of the user's graph that the run feeds. */
  readonly source: Tensor;
  /** The Placeholder output standing for it in the plan graph. */
  readonly tensor: Tensor;
}

export interface PlanGraph {
  readonly graph: Graph;
  /** Nodes to run, in order (a topological order; the schedule pass chooses it). Fed placeholders are not in it. */
  readonly order: readonly Operation[];
  /** Plan tensors whose values the run returns, parallel to the run's fetched tensors. */
  readonly fetches: readonly Tensor[];
  /** Plan nodes run for their effect only. */
  readonly targets: readonly Operation[];
  readonly feeds: readonly FedTensor[];
  /**
   * Variables the plan writes or updates through a ref input (Assign's `ref`): they are in the graph before anything
   * else, and in `order` only where their value is also read (a ref input is not a read: see prune.ts).
   */
  readonly variables: readonly Operation[];
  /** The user's node names each plan node stands for (a fused node: all it replaced; a copy: its own). */
  readonly origins: ReadonlyMap<Operation, readonly string[]>;
}

/** What a pass may do to one node while the graph is copied. */
export interface RewriteContext {
  readonly graph: Graph;
  /** The new graph's tensor for an old graph's tensor (already copied or replaced: inputs come first). */
  map(t: Tensor): Tensor;
  /** The old node's inputs, mapped. */
  inputs(op: Operation): Tensor[];
  /** Control inputs of the old node, mapped. */
  controls(op: Operation): Operation[];
  /** Adds a node to the new graph (name made unique unless `exactName`); `origin` lists the user nodes it stands for. */
  add(type: string, inputs: readonly Tensor[], attrs: Attrs, opts: { name: string; exactName?: boolean; controls?: readonly Operation[]; origin?: readonly string[] }): Operation;
  /** Copies the old node as it is (its inputs mapped): what happens to every node a pass leaves alone. */
  copy(op: Operation): Operation;
  /**
   * For the node being replaced: what its control dependents (and a target naming it) wait for instead. By default
   * they wait for the nodes producing the replacement; a removed NoOp hands them its own control inputs.
   */
  dependOn(ops: readonly Operation[]): void;
}

/**
 * `edit` sees each old node in order; returning tensors replaces the node's outputs with them (it may add nodes
 * through the context), returning undefined copies the node. The result is pruned again, so nodes a rewrite left
 * without readers disappear.
 */
export function rewrite(pg: PlanGraph, edit: (op: Operation, c: RewriteContext) => Tensor[] | undefined): PlanGraph {
  const graph = new Graph();
  const tmap = new Map<Tensor, Tensor>();
  // A replaced node's control dependents depend on the nodes producing its replacement.
  const omap = new Map<Operation, Operation[]>();
  const origins = new Map<Operation, readonly string[]>();
  const feeds: FedTensor[] = [];
  const order: Operation[] = [];

  const map = (t: Tensor): Tensor => {
    const m = tmap.get(t);
    if (m === undefined) throw new InternalError(`optimizer: '${t.name}' is used before it is defined`);
    return m;
  };
  const controls = (op: Operation): Operation[] => [...new Set(op.controlInputs.flatMap((c) => omap.get(c) ?? []))];
  let standIn: Operation[] | null = null;
  const ctx: RewriteContext = {
    graph,
    map,
    inputs: (op) => op.inputs.map(map),
    controls,
    add: (type, inputs, attrs, opts) => {
      const op = addOp(type, inputs, attrs, { graph, name: opts.exactName ? opts.name : graph.uniqueName(opts.name), exactName: true, controlInputs: opts.controls });
      origins.set(op, opts.origin ?? []);
      order.push(op);
      return op;
    },
    copy: (op) => {
      const n = addOp(op.type, op.inputs.map(map), op.attrs, { graph, name: op.name, exactName: true, controlInputs: controls(op) });
      origins.set(n, pg.origins.get(op) ?? [op.name]);
      order.push(n);
      return n;
    },
    dependOn: (ops) => { standIn = [...ops]; },
  };
  for (const f of pg.feeds) {
    const p = copyPlaceholder(graph, f.tensor.op);
    tmap.set(f.tensor, p.outputs[0]);
    omap.set(f.tensor.op, [p]);
    feeds.push({ source: f.source, tensor: p.outputs[0] });
  }
  const variables = pg.variables.map((v) => {
    const n = addOp(v.type, [], v.attrs, { graph, name: v.name, exactName: true });
    origins.set(n, pg.origins.get(v) ?? [v.name]);
    tmap.set(v.outputs[0], n.outputs[0]);
    omap.set(v, [n]);
    return n;
  });
  for (const op of pg.order) {
    const pre = pg.variables.indexOf(op);
    if (pre >= 0) { order.push(variables[pre]); continue; }
    let outs: Tensor[] | undefined;
    standIn = null;
    try {
      outs = edit(op, ctx);
    } catch (e) {
      throw asKilnError(e, op);
    }
    if (outs === undefined) {
      const n = ctx.copy(op);
      op.outputs.forEach((t, i) => tmap.set(t, n.outputs[i]));
      omap.set(op, [n]);
    } else {
      if (outs.length !== op.outputs.length) throw new InternalError(`optimizer: the rewrite of '${op.name}' gave ${outs.length} outputs for ${op.outputs.length}`);
      op.outputs.forEach((t, i) => tmap.set(t, outs![i]));
      omap.set(op, (standIn as Operation[] | null) ?? [...new Set(outs.map((t) => t.op))]);
    }
  }
  const fetches = pg.fetches.map(map);
  const targets = [...new Set(pg.targets.flatMap((o) => omap.get(o) ?? []))];
  return pruned({ graph, order, fetches, targets, feeds, variables, origins });
}

/**
 * The plan graph of one run: the nodes `fetches` and `targets` need, copied into a new graph with every fed tensor
 * replaced by a Placeholder of its fed shape (prune + shape specialisation, the two passes that cannot be switched off).
 */
export function buildPlanGraph(fetches: readonly Tensor[], targets: readonly Operation[], feeds: ReadonlyMap<Tensor, NDArray>): PlanGraph {
  const fed = new Set(feeds.keys());
  const ops = pruneToFetches(fetches, targets, fed);
  const graph = new Graph();
  const tmap = new Map<Tensor, Tensor>();
  const omap = new Map<Operation, Operation>();
  const origins = new Map<Operation, readonly string[]>();
  const planFeeds: FedTensor[] = [];
  const variables: Operation[] = [];
  for (const op of ops) {
    for (const i of getOpDef(op.type)?.refInputs ?? []) {
      const v = op.inputs[i].op;
      if (v.type === 'VariableV2' && !omap.has(v)) {
        const n = addOp(v.type, [], v.attrs, { graph, name: v.name, exactName: true });
        origins.set(n, [v.name]);
        omap.set(v, n);
        tmap.set(v.outputs[0], n.outputs[0]);
        variables.push(n);
      }
    }
  }
  for (const [t, v] of feeds) {
    // A fed Placeholder keeps its name; any other fed tensor gets a Placeholder named after it.
    const name = t.op.type === 'Placeholder' || t.op.type === 'PlaceholderWithDefault' ? t.op.name : graph.uniqueName(`${t.op.name}/_fed_${t.index}`);
    const p = addOp('Placeholder', [], { dtype: t.dtype, shape: [...v.shape] }, { graph, name, exactName: true });
    origins.set(p, [t.op.name]);
    tmap.set(t, p.outputs[0]);
    planFeeds.push({ source: t, tensor: p.outputs[0] });
  }
  const order: Operation[] = [];
  for (const op of ops) {
    const pre = omap.get(op);
    if (pre !== undefined) { order.push(pre); continue; }
    const inputs = op.inputs.map((t) => {
      const m = tmap.get(t);
      if (m === undefined) throw new InternalError(`optimizer: input '${t.name}' of '${op.name}' is not in the plan`);
      return m;
    });
    let n: Operation;
    try {
      n = addOp(op.type, inputs, op.attrs, { graph, name: op.name, exactName: true, controlInputs: op.controlInputs.map((c) => omap.get(c)!).filter((c) => c !== undefined) });
    } catch (e) {
      throw asKilnError(e, op);
    }
    origins.set(n, [op.name]);
    omap.set(op, n);
    order.push(n);
    op.outputs.forEach((t, i) => { if (!tmap.has(t)) tmap.set(t, n.outputs[i]); });
  }
  return {
    graph,
    order,
    variables,
    fetches: fetches.map((t) => tmap.get(t)!),
    targets: targets.map((o) => omap.get(o)!),
    feeds: planFeeds,
    origins,
  };
}

/** Drops nodes nothing needs any more (after a rewrite), by copying the rest; the same graph when none is dropped. */
function pruned(pg: PlanGraph): PlanGraph {
  const fed = new Set(pg.feeds.map((f) => f.tensor));
  const keep = new Set(pruneToFetches(pg.fetches, pg.targets, fed));
  if (pg.order.every((o) => keep.has(o))) return pg;
  return rewriteKeeping(pg, keep);
}

function rewriteKeeping(pg: PlanGraph, keep: ReadonlySet<Operation>): PlanGraph {
  const vars = new Set<Operation>();
  for (const op of keep) for (const i of getOpDef(op.type)?.refInputs ?? []) vars.add(op.inputs[i].op);
  return rewrite({ ...pg, order: pg.order.filter((o) => keep.has(o)), variables: pg.variables.filter((v) => vars.has(v)) }, () => undefined);
}

function copyPlaceholder(graph: Graph, op: Operation): Operation {
  return addOp('Placeholder', [], { dtype: op.attrs.dtype as DType, shape: op.attrs.shape as Shape }, { graph, name: op.name, exactName: true });
}

/** Anything that escapes a shape rule or kernel becomes a Kiln error naming the node. */
export function asKilnError(e: unknown, op: Operation): KilnError {
  if (e instanceof KilnError) return e;
  return new InternalError(`'${op.name}' (${op.type}) failed while the plan was optimized: ${(e as Error)?.message ?? String(e)}`);
}

// ---- helpers the passes share ----

/** How many times each tensor is read (data edges of `order`, plus one per fetch). */
export function readCounts(pg: PlanGraph): Map<Tensor, number> {
  const n = new Map<Tensor, number>();
  for (const op of pg.order) for (const t of op.inputs) n.set(t, (n.get(t) ?? 0) + 1);
  for (const t of pg.fetches) n.set(t, (n.get(t) ?? 0) + 1);
  return n;
}

/** Nodes that name `op` as a control input. */
export function controlDependents(pg: PlanGraph): Set<Operation> {
  const s = new Set<Operation>();
  for (const op of pg.order) for (const c of op.controlInputs) s.add(c);
  return s;
}

/** The value of a Const node's output; null for anything else. */
export function constOf(t: Tensor): NDArray | null {
  return t.op.type === 'Const' ? (t.op.attrs.value as NDArray) : null;
}

/** A node whose value may differ between runs or that has effects: never folded, merged or moved past its edges. */
export function isStateful(op: Operation): boolean {
  const def = getOpDef(op.type);
  return def === undefined || def.stateful === true || (def.refInputs?.length ?? 0) > 0 || op.type === 'Placeholder';
}
