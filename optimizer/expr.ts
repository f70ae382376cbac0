// The expression form of a fused elementwise node (`_KilnFusedElementwise`): the ops it replaced, in order, each
// reading leaves (the node's inputs, broadcast to its output), earlier steps, or scalar literals. It is plain JSON in
// the node's `expr` attr, so both executors run it (the WebGPU executor generates WGSL from each op's expression, the
// CPU executor one loop with no intermediates) and a GraphDef writer can put the original ops back.
import type { DType } from '../graph/dtypes.js';
import type { Attrs } from '../graph/tensor.js';

export type ExprArg =
  | { leaf: number }
  | { step: number }
  /** A scalar constant, inlined; `shape` is the Const's (a [1, 1] literal still broadcasts the rank up). */
  | { literal: number; dtype: DType; shape: number[] };

export interface ExprStep {
  /** The original node's type, name and attrs (T ...). */
  op: string;
  name: string;
  attrs: Attrs;
  args: ExprArg[];
  /** The step's input and output dtypes. */
  in: DType;
  out: DType;
}

export interface FusedExpr {
  steps: ExprStep[];
}

export function parseExpr(text: string, node: string): FusedExpr {
  let e: FusedExpr;
  try {
    e = JSON.parse(text) as FusedExpr;
  } catch {
    throw new Error(`'${node}': the expr attr is not JSON`);
  }
  if (!Array.isArray(e.steps) || e.steps.length === 0) throw new Error(`'${node}': the expr attr has no steps`);
  return e;
}
