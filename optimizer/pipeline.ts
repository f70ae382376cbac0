// The optimizer's pipeline: this list is the order in which the passes run, and their names are the option keys of
// `Session.create({optimizer: {...}})` and the names in `sess.explain()`'s report.
import { InvalidArgumentError } from '../graph/errors.js';
import type { NDArray } from '../graph/ndarray.js';
import type { Operation, Tensor } from '../graph/tensor.js';
import { constantFolding } from './fold.js';
import { cse } from './cse.js';
import { fusion } from './fusion.js';
import { memoryPlan, MemoryLimits, MemoryPlan } from './memory.js';
import { buildPlanGraph, PlanGraph } from './plan_graph.js';
import { schedule } from './schedule.js';
import { simplify } from './simplify.js';

/** What a pass says it did: one line per change (what was folded, merged, fused into which node). */
export interface PassReport {
  name: string;
  nodesBefore: number;
  nodesAfter: number;
  changes: string[];
}

export interface PassContext {
  /** Folded values larger than this stay nodes and are computed on the device. */
  readonly foldLimitBytes: number;
  /** Training graphs keep batch-norm statistics live; only inference folds them into weights. */
  readonly log: (change: string) => void;
}

export type Pass = (pg: PlanGraph, ctx: PassContext) => PlanGraph;

/** The passes that can be switched off, in order. `prune` and `specializeShapes` always run first. */
export const PASSES: ReadonlyArray<{ name: PassName; run: Pass }> = [
  { name: 'constantFolding', run: constantFolding },
  { name: 'cse', run: cse },
  { name: 'simplify', run: simplify },
  // Simplification exposes more constants (a folded batch norm's new weights) and fusion wants them folded.
  { name: 'fusion', run: fusion },
  { name: 'schedule', run: schedule },
];

export type PassName = 'constantFolding' | 'cse' | 'simplify' | 'fusion' | 'schedule' | 'memoryPlan';
export const PASS_NAMES: readonly string[] = ['prune', 'specializeShapes', 'constantFolding', 'cse', 'simplify', 'fusion', 'schedule', 'memoryPlan'];

export interface OptimizerOptions {
  constantFolding?: boolean;
  cse?: boolean;
  simplify?: boolean;
  fusion?: boolean;
  schedule?: boolean;
  memoryPlan?: boolean;
  /** Folded values larger than this (bytes) stay nodes; default 16 MB. */
  foldLimitBytes?: number;
}

/** The resolved optimizer settings: which passes run. `false` runs the graph as built (pruned and specialised only). */
export interface OptimizerSettings {
  readonly enabled: ReadonlySet<PassName>;
  readonly foldLimitBytes: number;
}

export const DEFAULT_FOLD_LIMIT = 16 * 1024 * 1024;

/** Checks `Session.create`'s `optimizer` option: true/undefined (all passes), false (none), or per-pass switches. */
export function resolveOptimizerOptions(opt: boolean | OptimizerOptions | undefined): OptimizerSettings {
  const all: PassName[] = ['constantFolding', 'cse', 'simplify', 'fusion', 'schedule', 'memoryPlan'];
  if (opt === undefined || opt === true) return { enabled: new Set(all), foldLimitBytes: DEFAULT_FOLD_LIMIT };
  if (opt === false) return { enabled: new Set(), foldLimitBytes: DEFAULT_FOLD_LIMIT };
  if (typeof opt !== 'object' || opt === null || Array.isArray(opt)) {
    throw new InvalidArgumentError(`Session.create: optimizer must be true, false or an object of pass switches, got ${String(opt)}`);
  }
  const known = [...all, 'foldLimitBytes'];
  for (const [k, v] of Object.entries(opt)) {
    if (k === 'prune' || k === 'specializeShapes') {
      if (v === false) throw new InvalidArgumentError(`Session.create: the optimizer pass '${k}' cannot be switched off`);
      continue;
    }
    if (!known.includes(k)) throw new InvalidArgumentError(`Session.create: unknown optimizer option '${k}'; known: ${[...PASS_NAMES, 'foldLimitBytes'].join(', ')}`);
    if (k === 'foldLimitBytes') {
      if (typeof v !== 'number' || !(v >= 0)) throw new InvalidArgumentError(`Session.create: optimizer.foldLimitBytes must be a non-negative number, got ${String(v)}`);
    } else if (typeof v !== 'boolean') {
      throw new InvalidArgumentError(`Session.create: optimizer.${k} must be true or false, got ${String(v)}`);
    }
  }
  return { enabled: new Set(all.filter((p) => (opt as Record<string, unknown>)[p] !== false)), foldLimitBytes: opt.foldLimitBytes ?? DEFAULT_FOLD_LIMIT };
}

export interface Optimized {
  plan: PlanGraph;
  memory: MemoryPlan;
  passes: PassReport[];
}

/** Runs the pipeline on the part of the graph one run needs: prune, specialise shapes, then the enabled passes. */
export function optimize(
  fetches: readonly Tensor[], targets: readonly Operation[], feeds: ReadonlyMap<Tensor, NDArray>,
  settings: OptimizerSettings, limits: MemoryLimits,
): Optimized {
  const passes: PassReport[] = [];
  const nodes = (pg: PlanGraph): number => pg.order.length + pg.feeds.length;
  let pg = buildPlanGraph(fetches, targets, feeds);
  passes.push({ name: 'prune', nodesBefore: countReachableHint(fetches, targets), nodesAfter: nodes(pg), changes: [] });
  passes.push({ name: 'specializeShapes', nodesBefore: nodes(pg), nodesAfter: nodes(pg), changes: pg.feeds.map((f) => `${f.tensor.op.name}: fed as ${JSON.stringify(f.tensor.shape)}`) });
  for (const p of PASSES) {
    if (!settings.enabled.has(p.name)) continue;
    const changes: string[] = [];
    const before = nodes(pg);
    pg = p.run(pg, { foldLimitBytes: settings.foldLimitBytes, log: (c) => changes.push(c) });
    passes.push({ name: p.name, nodesBefore: before, nodesAfter: nodes(pg), changes });
  }
  const changes: string[] = [];
  const memory = memoryPlan(pg, limits, settings.enabled.has('memoryPlan'), (c) => changes.push(c));
  passes.push({ name: 'memoryPlan', nodesBefore: nodes(pg), nodesAfter: nodes(pg), changes });
  return { plan: pg, memory, passes };
}

/** The number of nodes in the user's graph the run could touch (the graph's size): prune's "before". */
function countReachableHint(fetches: readonly Tensor[], targets: readonly Operation[]): number {
  const g = fetches[0]?.graph ?? targets[0]?.graph;
  return g === undefined ? 0 : g.getOperations().length;
}
