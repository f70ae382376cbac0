// Fusion, in two steps:
// 1. contractions with their epilogue: MatMul / Conv2D / DepthwiseConv2dNative, then BiasAdd, then optionally a
//    residual Add, then optionally an activation, become TensorFlow's `_FusedMatMul` / `_FusedConv2D` /
//    `_FusedDepthwiseConv2dNative` (Grappler's remapper patterns);
// 2. chains of elementwise ops (broadcast operands and scalar constants included) become one `_KilnFusedElementwise`.
// Grappler's safety rules hold for both: never fuse across an intermediate that has other readers, a control edge, a
// fetch or a feed. Only intermediates of the chain's output shape are absorbed (a smaller one would be recomputed per
// output element).
import '../ops/fused.js';
import { isInt } from '../graph/dtypes.js';
import { isFullyDefined } from '../graph/shape.js';
import { Operation, Tensor } from '../graph/tensor.js';
import { FUSABLE_ACTIVATIONS } from '../ops/fused.js';
import { getOpDef } from '../ops/registry.js';
import { ExprArg, ExprStep, FusedExpr } from './expr.js';
import type { Pass } from './pipeline.js';
import { constOf, controlDependents, PlanGraph, readCounts, rewrite } from './plan_graph.js';

/** Storage bindings a fused shader may read (WebGPU compatibility mode allows 8 per stage, one is the output). */
export const MAX_LEAVES = 7;

const CONTRACTION_FUSED: Record<string, string> = {
  MatMul: '_FusedMatMul', Conv2D: '_FusedConv2D', DepthwiseConv2dNative: '_FusedDepthwiseConv2dNative',
};

interface Safety {
  reads: Map<Tensor, number>;
  dependents: Set<Operation>;
  fetched: Set<Tensor>;
}

/** An intermediate that may disappear into its reader: read once, not fetched, nothing waiting on its node. */
function absorbable(t: Tensor, s: Safety): boolean {
  return (s.reads.get(t) ?? 0) === 1 && !s.fetched.has(t) && !s.dependents.has(t.op) && t.op.controlInputs.length === 0 && t.op.outputs.length === 1;
}

/** The single reader of `t` among `order`, when it has exactly one. */
function soleReaders(pg: PlanGraph): Map<Tensor, Operation> {
  const m = new Map<Tensor, Operation>();
  for (const op of pg.order) for (const t of op.inputs) m.set(t, op);
  return m;
}

// ---- 1. contractions ----

interface ContractionGroup { last: Operation; contraction: Operation; bias: Tensor; residual: Tensor | null; activation: Operation | null; absorbed: Operation[] }

function findContractionGroups(pg: PlanGraph, s: Safety): Map<Operation, ContractionGroup> {
  const reader = soleReaders(pg);
  const groups = new Map<Operation, ContractionGroup>();
  for (const op of pg.order) {
    if (!(op.type in CONTRACTION_FUSED) || op.outputs[0].dtype !== 'float32' || !absorbable(op.outputs[0], s)) continue;
    if (op.type === 'DepthwiseConv2dNative' && op.attrs.padding === 'EXPLICIT') continue; // TF's fused form has no explicit_paddings
    const b = reader.get(op.outputs[0])!;
    const format = (op.attrs.data_format as string | undefined) ?? 'NHWC';
    if (b.type !== 'BiasAdd' || b.inputs[0] !== op.outputs[0] || (b.attrs.data_format ?? 'NHWC') !== format || b.controlInputs.length > 0) continue;
    const g: ContractionGroup = { last: b, contraction: op, bias: b.inputs[1], residual: null, activation: null, absorbed: [op] };
    let cur = b;
    const next = (): Operation | undefined => (absorbable(cur.outputs[0], s) ? reader.get(cur.outputs[0]) : undefined);
    const add = next();
    if (add !== undefined && (add.type === 'Add' || add.type === 'AddV2') && add.controlInputs.length === 0) {
      const other = add.inputs[0] === cur.outputs[0] ? add.inputs[1] : add.inputs[0];
      if (sameShape(other, cur.outputs[0]) && other !== cur.outputs[0]) {
        g.absorbed.push(cur);
        g.residual = other;
        cur = add;
      }
    }
    const act = next();
    if (act !== undefined && (FUSABLE_ACTIVATIONS as readonly string[]).includes(act.type) && act.controlInputs.length === 0) {
      g.absorbed.push(cur);
      g.activation = act;
      cur = act;
    }
    g.last = cur;
    groups.set(cur, g);
  }
  return groups;
}

function fuseContractions(pg: PlanGraph, log: (c: string) => void): PlanGraph {
  const safety = safetyOf(pg);
  const groups = findContractionGroups(pg, safety);
  if (groups.size === 0) return pg;
  const absorbed = new Set([...groups.values()].flatMap((g) => g.absorbed));
  return rewrite(pg, (op, c) => {
    if (absorbed.has(op)) return undefined; // copied, then pruned once the fused node no longer reads it
    const g = groups.get(op);
    if (g === undefined) return undefined;
    const conv = g.contraction;
    const fusedOps = ['BiasAdd', ...(g.residual !== null ? ['Add'] : []), ...(g.activation !== null ? [g.activation.type] : [])];
    const args = [g.bias, ...(g.residual !== null ? [g.residual] : [])];
    const attrs = {
      ...conv.attrs, num_args: args.length, fused_ops: fusedOps, epsilon: 0.0001,
      leakyrelu_alpha: g.activation?.type === 'LeakyRelu' ? (g.activation.attrs.alpha as number) : 0.2,
      ...(conv.type === 'Conv2D' ? { TArgs: args.map((t) => t.dtype), num_host_args: 0, filter_format: 'HWIO' } : {}),
    };
    const type = CONTRACTION_FUSED[conv.type];
    const spec = getOpDef(type)!.attrs ?? {};
    for (const k of Object.keys(attrs)) if (!(k in spec) && !k.startsWith('_')) delete (attrs as Record<string, unknown>)[k];
    const origin = [...g.absorbed, op].map((o) => o.name);
    log(`${origin.join(' + ')} -> ${type} [${fusedOps.join(', ')}]`);
    return c.add(type, [...conv.inputs, ...args].map((t) => c.map(t)), attrs, { name: op.name, exactName: true, origin }).outputs;
  });
}

// ---- 2. elementwise chains ----

interface Chain { root: Operation; ops: Operation[]; leaves: Tensor[] }

/** The dtypes every executor holds natively (narrower ones are widened with range checks on the GPU: not fused). */
const FUSED_DTYPES = new Set(['float32', 'float64', 'int32', 'int64', 'bool']);

function fusable(op: Operation): boolean {
  const ew = getOpDef(op.type)?.elementwise;
  if (ew === undefined || ew.scalar === undefined || op.outputs.length !== 1 || op.controlInputs.length > 0) return false;
  if (ew.intDivides === true && isInt(op.inputs[0].dtype)) return false; // fails on a zero divisor: kept on its own
  return [...op.inputs, ...op.outputs].every((t) => isFullyDefined(t.shape) && FUSED_DTYPES.has(t.dtype));
}

/** A scalar constant that can be written into the expression instead of being read. */
function inlineLiteral(t: Tensor): boolean {
  const v = constOf(t);
  return v !== null && v.size === 1 && (v.dtype !== 'int64' || (v.data[0] | 0) === v.data[0]);
}

function findChains(pg: PlanGraph, s: Safety): Map<Operation, Chain> {
  const chainOf = new Map<Operation, Chain>();
  for (const op of pg.order) {
    if (!fusable(op)) continue;
    const ops: Operation[] = [];
    const leaves: Tensor[] = [];
    const addLeaf = (t: Tensor): void => { if (!leaves.includes(t)) leaves.push(t); };
    const absorbedChains: Chain[] = [];
    for (const t of op.inputs) {
      const p = chainOf.get(t.op);
      if (p !== undefined && p.root === t.op && absorbable(t, s) && sameShape(t, op.outputs[0])) absorbedChains.push(p);
    }
    // Absorbing must not outgrow the shader's bindings; if it would, this op starts a chain of its own.
    const leafSet = new Set<Tensor>();
    for (const t of op.inputs) {
      const p = absorbedChains.find((c) => c.root === t.op);
      if (p !== undefined) p.leaves.forEach((l) => leafSet.add(l));
      else if (!inlineLiteral(t)) leafSet.add(t);
    }
    const take = leafSet.size <= MAX_LEAVES ? absorbedChains : [];
    for (const t of op.inputs) {
      const p = take.find((c) => c.root === t.op);
      if (p !== undefined) {
        for (const o of p.ops) if (!ops.includes(o)) ops.push(o);
        p.leaves.forEach(addLeaf);
      } else if (!inlineLiteral(t)) {
        addLeaf(t);
      }
    }
    ops.push(op);
    const chain: Chain = { root: op, ops, leaves };
    for (const o of ops) chainOf.set(o, chain);
  }
  const roots = new Map<Operation, Chain>();
  for (const c of new Set(chainOf.values())) if (c.ops.length > 1) roots.set(c.root, c);
  return roots;
}

function exprOfChain(ch: Chain): FusedExpr {
  const order = [...ch.ops]; // already in graph order: every op after the ops it reads
  const stepOf = new Map<Tensor, number>();
  const steps: ExprStep[] = order.map((op, j) => {
    const args: ExprArg[] = op.inputs.map((t) => {
      const st = stepOf.get(t);
      if (st !== undefined) return { step: st };
      const leaf = ch.leaves.indexOf(t);
      if (leaf >= 0) return { leaf };
      const v = constOf(t)!;
      return { literal: v.data[0], dtype: v.dtype, shape: [...v.shape] };
    });
    stepOf.set(op.outputs[0], j);
    return { op: op.type, name: op.name, attrs: { ...op.attrs }, args, in: op.inputs[0].dtype, out: op.outputs[0].dtype };
  });
  return { steps };
}

function fuseElementwise(pg: PlanGraph, log: (c: string) => void): PlanGraph {
  const roots = findChains(pg, safetyOf(pg));
  if (roots.size === 0) return pg;
  return rewrite(pg, (op, c) => {
    const ch = roots.get(op);
    if (ch === undefined) return undefined;
    const expr = exprOfChain(ch);
    log(`${ch.ops.map((o) => o.name).join(' + ')} -> _KilnFusedElementwise (${ch.leaves.length} inputs)`);
    return c.add('_KilnFusedElementwise', ch.leaves.map((t) => c.map(t)), { N: ch.leaves.length, T: op.outputs[0].dtype, expr: JSON.stringify(expr) }, {
      name: op.name, exactName: true, origin: ch.ops.flatMap((o) => pg.origins.get(o) ?? [o.name]),
    }).outputs;
  });
}

function safetyOf(pg: PlanGraph): Safety {
  const fetched = new Set(pg.fetches);
  for (const f of pg.feeds) fetched.add(f.tensor);
  return { reads: readCounts(pg), dependents: controlDependents(pg), fetched };
}

function sameShape(a: Tensor, b: Tensor): boolean {
  return isFullyDefined(a.shape) && isFullyDefined(b.shape) && a.shape.length === b.shape.length && a.shape.every((d, i) => d === b.shape![i]);
}

export const fusion: Pass = (pg, ctx) => fuseElementwise(fuseContractions(pg, ctx.log), ctx.log);
