// Common-subexpression elimination: two nodes of one type, with equal attrs, reading the same tensors (and with the
// same control inputs) compute the same values, so the second reads the first's outputs. Stateful and random nodes
// never merge: two RandomUniform nodes draw different numbers, two Assigns are two writes.
import type { NDArray } from '../graph/ndarray.js';
import type { Operation } from '../graph/tensor.js';
import type { Pass } from './pipeline.js';
import { isStateful, rewrite } from './plan_graph.js';
import { attrKey } from './util.js';

/** Constants up to this many elements are merged by value; larger ones only by identity (hashing them costs). */
const CONST_BY_VALUE = 4096;

export const cse: Pass = (pg, ctx) => {
  const seen = new Map<string, Operation>();
  return rewrite(pg, (op, c) => {
    if (isStateful(op) || op.type === 'NoOp' || op.outputs.length === 0) return undefined;
    const key = keyOf(op, c.inputs(op).map((t) => t.op.id * 64 + t.index), c.controls(op).map((o) => o.id));
    if (key === null) return undefined;
    const prev = seen.get(key);
    if (prev === undefined) {
      const n = c.copy(op);
      seen.set(key, n);
      return n.outputs;
    }
    ctx.log(`${op.name} (${op.type}) merged into ${prev.name}`);
    return prev.outputs;
  });
};

function keyOf(op: Operation, inputs: number[], controls: number[]): string | null {
  const attrs: string[] = [];
  for (const k of Object.keys(op.attrs).sort()) {
    const v = op.attrs[k];
    if (v !== null && typeof v === 'object' && 'data' in v && (v as NDArray).size > CONST_BY_VALUE) return null;
    attrs.push(`${k}=${attrKey(v)}`);
  }
  return `${op.type}|${attrs.join(';')}|${inputs.join(',')}|${controls.sort().join(',')}`;
}
