// Arithmetic simplification: a list of rules, each a node-type pattern with its preconditions beside it and the
// rewrite it makes, run over the graph until nothing changes (Grappler's arithmetic optimizer and its batch-norm
// folding, kept as data). Patterns look at the old graph (its read counts say whether an intermediate has other
// readers); rewrites build in the new one.
import { NDArray } from '../graph/ndarray.js';
import { isFullyDefined } from '../graph/shape.js';
import { Operation, Tensor } from '../graph/tensor.js';
import type { Pass, PassContext } from './pipeline.js';
import { constOf, controlDependents, PlanGraph, readCounts, rewrite, RewriteContext } from './plan_graph.js';

interface RuleEnv {
  c: RewriteContext;
  /** Reads of a tensor of the old graph: an intermediate with other readers must stay. */
  reads(t: Tensor): number;
  /** A node of the old graph that others wait for by a control edge, or that is fetched: never absorbed. */
  pinned(op: Operation): boolean;
}

interface Rule {
  name: string;
  types: readonly string[];
  /** The replacement outputs, or undefined when the rule does not apply. */
  apply(op: Operation, env: RuleEnv): Tensor[] | undefined;
}

const sameShape = (a: Tensor, b: Tensor): boolean =>
  isFullyDefined(a.shape) && isFullyDefined(b.shape) && a.shape.length === b.shape.length && a.shape.every((d, i) => d === b.shape![i]);

/** A Const input whose every element equals `v`. */
function allEqual(t: Tensor, v: number): boolean {
  const x = constOf(t);
  if (x === null || x.size === 0) return false;
  for (let i = 0; i < x.size; i++) if (x.data[i] !== v) return false;
  return true;
}

/** x op k -> x where k is the identity of op and does not change x's shape or dtype by broadcasting. */
function neutral(types: string[], value: number, commutes: boolean): Rule {
  return {
    name: `${types[0]} by ${value}`,
    types,
    apply: (op, { c }) => {
      const [a, b] = op.inputs;
      if (allEqual(b, value) && sameShape(a, op.outputs[0]) && a.dtype === op.outputs[0].dtype) return [c.map(a)];
      if (commutes && allEqual(a, value) && sameShape(b, op.outputs[0]) && b.dtype === op.outputs[0].dtype) return [c.map(b)];
      return undefined;
    },
  };
}

const perm = (t: Tensor): number[] | null => { const v = constOf(t); return v === null ? null : Array.from(v.data); };
const isIdentityPerm = (p: readonly number[]): boolean => p.every((d, i) => d === i);
/** The perm that swaps the last two axes (a matrix transpose, batched). */
const isLastTwoSwap = (p: readonly number[]): boolean =>
  p.length >= 2 && p.every((d, i) => (i < p.length - 2 ? d === i : i === p.length - 2 ? d === p.length - 1 : d === p.length - 2));

function int32(c: RewriteContext, values: number[], name: string): Tensor {
  return c.add('Const', [], { value: new NDArray('int32', [values.length], Int32Array.from(values)), dtype: 'int32' }, { name }).outputs[0];
}

function constant(c: RewriteContext, v: NDArray, name: string): Tensor {
  return c.add('Const', [], { value: v, dtype: v.dtype }, { name }).outputs[0];
}

/** A plain unary pass-through, removed when nothing orders on it: Identity, StopGradient and Snapshot copy nothing. */
const passThrough: Rule = {
  name: 'pass-through removed',
  types: ['Identity', 'StopGradient', 'Snapshot', 'PreventGradient'],
  apply: (op, { c }) => (op.controlInputs.length === 0 ? [c.map(op.inputs[0])] : undefined),
};

/** A NoOp only orders: its dependents wait for its own control inputs instead. */
const noOp: Rule = {
  name: 'NoOp removed',
  types: ['NoOp'],
  apply: (op, { c }) => { c.dependOn(c.controls(op)); return []; },
};

const doubleNeg: Rule = {
  name: 'double negation',
  types: ['Neg'],
  apply: (op, { c, reads }) => {
    const inner = op.inputs[0];
    return inner.op.type === 'Neg' && inner.op.controlInputs.length === 0 && reads(inner) >= 1 ? [c.map(inner.op.inputs[0])] : undefined;
  },
};

const transposeOfTranspose: Rule = {
  name: 'transpose of transpose',
  types: ['Transpose'],
  apply: (op, { c }) => {
    const p2 = perm(op.inputs[1]);
    if (p2 === null) return undefined;
    if (isIdentityPerm(p2) && sameShape(op.inputs[0], op.outputs[0])) return [c.map(op.inputs[0])];
    const inner = op.inputs[0].op;
    if (inner.type !== 'Transpose' || inner.controlInputs.length > 0) return undefined;
    const p1 = perm(inner.inputs[1]);
    if (p1 === null || p1.length !== p2.length) return undefined;
    const p = p2.map((d) => p1[d]);
    const x = c.map(inner.inputs[0]);
    if (isIdentityPerm(p)) return [x];
    return c.add('Transpose', [x, int32(c, p, `${op.name}/perm`)], op.attrs, { name: op.name, exactName: true, origin: [op.name, inner.name] }).outputs;
  },
};

const reshapeOfReshape: Rule = {
  name: 'reshape of reshape',
  types: ['Reshape'],
  apply: (op, { c }) => {
    const x = op.inputs[0];
    if (sameShape(x, op.outputs[0])) return [c.map(x)];
    if (x.op.type !== 'Reshape' || x.op.controlInputs.length > 0) return undefined;
    return c.add('Reshape', [c.map(x.op.inputs[0]), c.map(op.inputs[1])], op.attrs, { name: op.name, exactName: true, origin: [op.name, x.op.name] }).outputs;
  },
};

const squeezeOfExpand: Rule = {
  name: 'squeeze of expand-dims',
  types: ['Squeeze'],
  apply: (op, { c }) => {
    const x = op.inputs[0];
    if (x.op.type !== 'ExpandDims' || x.op.controlInputs.length > 0) return undefined;
    const inner = x.op.inputs[0];
    return sameShape(inner, op.outputs[0]) ? [c.map(inner)] : undefined;
  },
};

/** MatMul(Transpose(a), b) -> MatMul(a, b, transpose_a = !transpose_a); likewise b, and BatchMatMul's adj_x/adj_y. */
const transposeIntoMatMul: Rule = {
  name: 'transpose folded into matmul',
  types: ['MatMul', 'BatchMatMul', 'BatchMatMulV2'],
  apply: (op, { c, reads }) => {
    const [ka, kb] = op.type === 'MatMul' ? ['transpose_a', 'transpose_b'] : ['adj_x', 'adj_y'];
    const attrs = { ...op.attrs };
    const ins = [...op.inputs];
    const origin = [op.name];
    let changed = false;
    [ka, kb].forEach((k, i) => {
      const t = ins[i].op;
      if (t.type !== 'Transpose' || t.controlInputs.length > 0 || reads(ins[i]) !== 1) return;
      const p = perm(t.inputs[1]);
      if (p === null || !isLastTwoSwap(p) || (op.type === 'MatMul' && p.length !== 2)) return;
      ins[i] = t.inputs[0];
      attrs[k] = !(attrs[k] as boolean);
      origin.push(t.name);
      changed = true;
    });
    if (!changed) return undefined;
    return c.add(op.type, ins.map(c.map), attrs, { name: op.name, exactName: true, origin }).outputs;
  },
};

/** (x * c1) * c2 -> x * (c1 * c2) and (x + c1) + c2 -> x + (c1 + c2), for scalar constants. */
function constantChain(type: 'Mul' | 'Add' | 'AddV2'): Rule {
  const combine = type === 'Mul' ? (a: number, b: number) => a * b : (a: number, b: number) => a + b;
  return {
    name: `constant ${type === 'Mul' ? 'multiplies' : 'adds'} combined`,
    types: [type],
    apply: (op, { c, reads }) => {
      const [x, k2] = op.inputs;
      const v2 = constOf(k2);
      if (v2 === null || v2.size !== 1 || x.op.type !== type || x.op.controlInputs.length > 0 || reads(x) !== 1) return undefined;
      const [inner, k1] = x.op.inputs;
      const v1 = constOf(k1);
      if (v1 === null || v1.size !== 1 || v1.dtype !== v2.dtype || !sameShape(inner, op.outputs[0])) return undefined;
      const k = new NDArray(v1.dtype, v1.shape.length >= v2.shape.length ? v1.shape : v2.shape, v1.data.slice());
      k.data[0] = combine(v1.data[0], v2.data[0]);
      return c.add(type, [c.map(inner), constant(c, k, `${op.name}/combined`)], op.attrs, { name: op.name, exactName: true, origin: [op.name, x.op.name] }).outputs;
    },
  };
}

// ---- batch normalisation folded into the weights before it (inference: constant statistics) ----

const CONTRACTIONS = new Set(['Conv2D', 'DepthwiseConv2dNative', 'MatMul']);

/**
 * Per output channel `s` and `b` such that the contraction's output y becomes y * s + b: the weights are scaled by `s`
 * along their output-channel axis and `b` is added by a BiasAdd. Conv2D's filter is [h, w, in, out]; a depthwise
 * filter is [h, w, in, multiplier] with output channel i * multiplier + m; MatMul's b is [k, n] ([n, k] transposed).
 */
function scaleWeights(conv: Operation, s: Float64Array): NDArray | null {
  const w = constOf(conv.inputs[1]);
  if (w === null || w.dtype !== 'float32') return null;
  if (conv.type === 'Conv2D' && conv.attrs.data_format !== 'NHWC') return null;
  if (conv.type === 'DepthwiseConv2dNative' && conv.attrs.data_format !== 'NHWC') return null;
  const out = new NDArray(w.dtype, w.shape, w.data.slice());
  const n = s.length;
  if (conv.type === 'MatMul' && conv.attrs.transpose_b === true) {
    const k = w.shape[1];
    for (let j = 0; j < n; j++) for (let i = 0; i < k; i++) out.data[j * k + i] *= s[j];
  } else {
    if (w.size % n !== 0 || w.shape[w.shape.length - 1] * (conv.type === 'DepthwiseConv2dNative' ? w.shape[2] : 1) !== n) return null;
    for (let i = 0; i < w.size; i++) out.data[i] *= s[i % n];
  }
  return out;
}

function foldScaleShift(op: Operation, conv: Operation, s: Float64Array, b: Float64Array, env: RuleEnv, absorbed: string[]): Tensor[] | undefined {
  const w = scaleWeights(conv, s);
  if (w === null) return undefined;
  const { c } = env;
  const origin = [...absorbed, conv.name];
  const wt = constant(c, w, `${conv.name}/folded_weights`);
  // The old contraction was copied already (it comes first); the new one takes a fresh name and the old one is pruned.
  const y = c.add(conv.type, [c.map(conv.inputs[0]), wt], conv.attrs, { name: `${conv.name}/folded`, origin }).outputs[0];
  const bias = constant(c, new NDArray('float32', [b.length], Float32Array.from(b)), `${op.name}/folded_bias`);
  return [c.add('BiasAdd', [y, bias], { T: 'float32', data_format: 'NHWC' }, { name: op.name, exactName: true, origin }).outputs[0]];
}

/** The channel count of the contraction's output, when the rule can know it. */
function channelsOf(conv: Operation): number | null {
  const s = conv.outputs[0].shape;
  return isFullyDefined(s) && s.length >= 1 ? s[s.length - 1] : null;
}

const batchNormIntoWeights: Rule = {
  name: 'batch norm folded into weights',
  types: ['FusedBatchNorm', 'FusedBatchNormV2', 'FusedBatchNormV3'],
  apply: (op, env) => {
    if (op.attrs.is_training !== false || op.attrs.data_format !== 'NHWC') return undefined;
    if (op.outputs.slice(1).some((t) => env.reads(t) > 0)) return undefined;
    const conv = op.inputs[0].op;
    if (!CONTRACTIONS.has(conv.type) || conv.controlInputs.length > 0 || env.reads(op.inputs[0]) !== 1 || env.pinned(conv)) return undefined;
    const [scale, offset, mean, variance] = op.inputs.slice(1).map(constOf);
    if (scale === null || offset === null || mean === null || variance === null) return undefined;
    const n = channelsOf(conv);
    if (n === null || scale.size !== n) return undefined;
    const eps = op.attrs.epsilon as number;
    const s = new Float64Array(n), b = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      s[i] = scale.data[i] / Math.sqrt(variance.data[i] + eps);
      b[i] = offset.data[i] - mean.data[i] * s[i];
    }
    const outs = foldScaleShift(op, conv, s, b, env, [op.name]);
    // The other outputs (batch statistics) have no readers: any stand-in of the right kind will do.
    return outs === undefined ? undefined : [outs[0], ...op.outputs.slice(1).map(() => outs[0])];
  },
};

/** The mul/add form of inference batch norm: (conv(x, W) * k) + b with per-channel constants k and b. */
const mulAddIntoWeights: Rule = {
  name: 'scale and shift folded into weights',
  types: ['Add', 'AddV2', 'BiasAdd'],
  apply: (op, env) => {
    const [m, bias] = op.inputs;
    if (m.op.type !== 'Mul' || env.reads(m) !== 1 || m.op.controlInputs.length > 0 || env.pinned(m.op)) return undefined;
    const [y, k] = m.op.inputs;
    const conv = y.op;
    if (!CONTRACTIONS.has(conv.type) || env.reads(y) !== 1 || conv.controlInputs.length > 0 || env.pinned(conv)) return undefined;
    const n = channelsOf(conv);
    const kv = constOf(k), bv = constOf(bias);
    const perChannel = (v: NDArray | null): v is NDArray => v !== null && v.size === n && (v.shape.length === 0 || v.shape[v.shape.length - 1] === n);
    if (n === null || !perChannel(kv) || !perChannel(bv) || !sameShape(y, op.outputs[0])) return undefined;
    return foldScaleShift(op, conv, Float64Array.from(kv.data), Float64Array.from(bv.data), env, [op.name, m.op.name]);
  },
};

/** The rules, in the order they are tried on a node. */
export const SIMPLIFY_RULES: readonly Rule[] = [
  passThrough, noOp,
  neutral(['Mul'], 1, true), neutral(['Add', 'AddV2'], 0, true), neutral(['Sub'], 0, false), neutral(['RealDiv', 'Div'], 1, false),
  doubleNeg, transposeOfTranspose, reshapeOfReshape, squeezeOfExpand, transposeIntoMatMul,
  constantChain('Mul'), constantChain('Add'), constantChain('AddV2'),
  batchNormIntoWeights, mulAddIntoWeights,
];

const MAX_SWEEPS = 8;

export const simplify: Pass = (pg: PlanGraph, ctx: PassContext) => {
  const byType = new Map<string, Rule[]>();
  for (const r of SIMPLIFY_RULES) for (const t of r.types) byType.set(t, [...(byType.get(t) ?? []), r]);
  for (let sweep = 0; sweep < MAX_SWEEPS; sweep++) {
    const reads = readCounts(pg);
    const dependents = controlDependents(pg);
    const fetched = new Set(pg.fetches.map((t) => t.op));
    let changed = false;
    pg = rewrite(pg, (op, c) => {
      // Fetches and targets follow their nodes' replacements (rewrite maps them), so any node may be rewritten.
      const rules = byType.get(op.type);
      // A node with control inputs is ordered after them; replacing it by its input would lose that (NoOp hands its
      // own on: see its rule).
      if (rules === undefined || (op.controlInputs.length > 0 && op.type !== 'NoOp')) return undefined;
      const env: RuleEnv = { c, reads: (t) => reads.get(t) ?? 0, pinned: (o) => dependents.has(o) || fetched.has(o) };
      for (const r of rules) {
        const out = r.apply(op, env);
        if (out !== undefined) {
          ctx.log(`${op.name} (${op.type}): ${r.name}`);
          changed = true;
          return out;
        }
      }
      return undefined;
    });
    if (!changed) break;
  }
  return pg;
};
