// Constant folding: a node whose inputs are all constants (or, for Shape/Size/Rank, whose input's shape is known) is
// computed now with its reference kernel and replaced by a Const. As Grappler's folder does, a value larger than the
// limit stays a node and is computed on the device, and a node whose kernel fails is left for the run to report.
import { KilnError } from '../graph/errors.js';
import { isFullyDefined } from '../graph/shape.js';
import { Operation, Tensor } from '../graph/tensor.js';
import { getOpDef, KernelContext } from '../ops/registry.js';
import type { NDArray } from '../graph/ndarray.js';
import type { Pass } from './pipeline.js';
import { constOf, isStateful, rewrite, RewriteContext } from './plan_graph.js';
import { tensorBytes } from './util.js';

/** Never folded: they are what folding produces, or what a run provides. */
const NOT_FOLDED = new Set(['Const', 'Placeholder', 'PlaceholderWithDefault', 'NoOp', 'VariableV2']);

export const constantFolding: Pass = (pg, ctx) => rewrite(pg, (op, c) => {
  const folded = foldNode(op, c, ctx.foldLimitBytes);
  if (folded === null) return undefined;
  ctx.log(`${op.name} (${op.type}) -> Const ${folded.map((t) => JSON.stringify(t.shape)).join(', ')}`);
  return folded;
});

function foldNode(op: Operation, c: RewriteContext, limit: number): Tensor[] | null {
  if (NOT_FOLDED.has(op.type) || isStateful(op) || op.controlInputs.length > 0 || op.outputs.length === 0) return null;
  const def = getOpDef(op.type)!;
  const inputs = c.inputs(op);
  const shapeOnly = def.shapeOnly === true && inputs.every((t) => isFullyDefined(t.shape));
  if (!shapeOnly && !inputs.every((t) => constOf(t) !== null)) return null;
  // The size is known before anything is computed: a huge Fill stays a node (and the memory plan refuses it if it must).
  for (const t of op.outputs) {
    const bytes = tensorBytes(t.dtype, t.shape);
    if (bytes === null || bytes > limit) return null;
  }
  const args = inputs.map((t) => constOf(t) ?? standIn(t));
  let values: NDArray[];
  try {
    values = def.cpu(args, op.attrs, foldContext(op));
  } catch (e) {
    if (e instanceof KilnError) return null;
    throw e;
  }
  return values.map((v, i) => c.add('Const', [], { value: v, dtype: v.dtype }, {
    name: i === 0 ? op.name : `${op.name}/_folded_${i}`, exactName: i === 0, origin: [op.name],
  }).outputs[0]);
}

/** A shape-only kernel reads only `shape`, `rank`, `size` and `dtype`. */
function standIn(t: Tensor): NDArray {
  const shape = t.shape as number[];
  return { dtype: t.dtype, shape, rank: shape.length, size: shape.reduce((a, b) => a * b, 1) } as unknown as NDArray;
}

function foldContext(op: Operation): KernelContext {
  const none = (): never => { throw new KilnError(13, `'${op.name}' touched a variable while being folded`); };
  return { name: op.name, readVariable: none, writeVariable: none, refName: none, state: none };
}

