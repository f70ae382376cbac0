// `sess.explain()`'s report: plain JSON (names and numbers, no Tensor objects), so it prints, diffs and serialises.
import { isFullyDefined, sizeOf } from '../graph/shape.js';
import type { Operation, Tensor } from '../graph/tensor.js';
import type { Plan } from '../session/plan.js';
import { parseExpr } from './expr.js';
import type { PassReport } from './pipeline.js';
import { ALIAS_TYPES } from './schedule.js';
import { tensorBytes } from './util.js';

export interface KernelReport {
  name: string;
  type: string;
  /** The user's nodes this kernel stands for (a fused kernel: every node it replaced). */
  nodes: string[];
  flops: number;
  /** Bytes read and written: every input once, every output once. */
  bytes: number;
}

export interface ExplainReport {
  passes: PassReport[];
  kernels: KernelReport[];
  memory: { peakBytes: number; totalBytes: number };
}

/** Nodes that run no kernel: values the executor holds, views, and ordering. */
const NOT_KERNELS = new Set([...ALIAS_TYPES, 'NoOp']);

const size = (t: Tensor): number => (isFullyDefined(t.shape) ? sizeOf(t.shape) : 0);
const dim = (t: Tensor, i: number): number => {
  const s = t.shape;
  if (s === null) return 0;
  const d = s[i < 0 ? s.length + i : i];
  return d ?? 0;
};

/** Multiply-adds count two FLOPs; an elementwise step one per element. */
export function flopsOf(op: Operation): number {
  const out = op.outputs[0];
  if (out === undefined) return 0;
  switch (op.type) {
    case 'MatMul': case '_FusedMatMul': {
      const k = op.attrs.transpose_a === true ? dim(op.inputs[0], 0) : dim(op.inputs[0], 1);
      return 2 * size(out) * k + (op.type === '_FusedMatMul' ? size(out) * (op.attrs.fused_ops as string[]).length : 0);
    }
    case 'BatchMatMul': case 'BatchMatMulV2':
      return 2 * size(out) * (op.attrs.adj_x === true ? dim(op.inputs[0], -2) : dim(op.inputs[0], -1));
    case 'Conv2D': case '_FusedConv2D': {
      const w = op.inputs[1];
      return 2 * size(out) * dim(w, 0) * dim(w, 1) * dim(w, 2);
    }
    // The same multiply-adds as the forward convolution: one per (dy element, filter tap, input channel).
    case 'Conv2DBackpropInput': return 2 * size(op.inputs[2]) * dim(op.inputs[1], 0) * dim(op.inputs[1], 1) * dim(op.inputs[1], 2);
    case 'Conv2DBackpropFilter': return 2 * size(op.inputs[2]) * dim(out, 0) * dim(out, 1) * dim(out, 2);
    case 'DepthwiseConv2dNative': case '_FusedDepthwiseConv2dNative':
      return 2 * size(out) * dim(op.inputs[1], 0) * dim(op.inputs[1], 1);
    case '_KilnFusedElementwise':
      return size(out) * parseExpr(op.attrs.expr as string, op.name).steps.length;
    default:
      return Math.max(size(out), ...op.inputs.map(size));
  }
}

export function explainPlan(plan: Plan): ExplainReport {
  const kernels: KernelReport[] = [];
  for (const op of plan.ops) {
    if (NOT_KERNELS.has(op.type)) continue;
    const bytes = [...op.inputs, ...op.outputs].reduce((a, t) => a + (tensorBytes(t.dtype, t.shape) ?? 0), 0);
    kernels.push({ name: op.name, type: op.type, nodes: [...(plan.origins.get(op) ?? [op.name])], flops: flopsOf(op), bytes });
  }
  return {
    passes: plan.passes.map((p) => ({ ...p, changes: [...p.changes] })),
    kernels,
    memory: { peakBytes: plan.memory.peakBytes, totalBytes: plan.memory.totalBytes },
  };
}
