// Symbolic gradients, TF1's `tf.gradients`: the backward pass is built as more nodes of the same graph (under the name
// scope `gradients/`), from the gradient function declared beside each op (`grad` in its OpDef), so a Session runs it
// like any other part of the graph and the GPU executor fuses and plans it like the forward pass.
//
// Also here: the ops the gradient builder itself needs (AddN to sum gradients, StopGradient, BroadcastGradientArgs),
// `tf.registerGradient` and the lookup that honours `graph.gradientOverrideMap`.
import { DType, isFloat } from '../graph/dtypes.js';
import { InternalError, InvalidArgumentError, NotFoundError } from '../graph/errors.js';
import { Graph } from '../graph/graph.js';
import { NDArray } from '../graph/ndarray.js';
import { Dim, formatShape, mergeDim, Shape } from '../graph/shape.js';
import { Operation, Tensor } from '../graph/tensor.js';
import { fill, reshape, shape as shapeOf, zerosLike } from './array.js';
import { reduceSum } from './math.js';
import { binding, GpuKernel, grid, wgslType } from './gpu.js';
import { addOp, defineOp, getOpDef, GradFn } from './registry.js';
import { constant, convertToTensor, NameOpt, TensorLike } from './values.js';

// ---- ops the gradient builder needs -----------------------------------------------------------------------------

/** Inputs per AddN dispatch: 7 read bindings and the output stay within compatibility mode's 8 storage buffers. */
const ADDN_PER_DISPATCH = 7;

defineOp({
  type: 'AddN',
  inputs: ['inputs*'],
  attrs: { N: { type: 'int' }, T: { type: 'type' } },
  shape: (c) => {
    if (c.inputs.length === 0) c.fail('needs at least one input');
    let shape: Shape = c.inputs[0].shape;
    for (const t of c.inputs) {
      if (t.dtype !== c.inputs[0].dtype) c.fail(`inputs must share one dtype: '${c.inputs[0].name}' is ${c.inputs[0].dtype}, '${t.name}' is ${t.dtype}`);
      if (!compatible(shape, t.shape)) c.fail(`inputs must have the same shape: ${formatShape(shape)} vs '${t.name}' ${formatShape(t.shape)}`);
      if (shape !== null && t.shape !== null) shape = shape.map((d, i) => mergeDim(d, t.shape![i]) as Dim);
      else shape ??= t.shape;
    }
    return [{ dtype: c.inputs[0].dtype, shape }];
  },
  cpu: (xs) => {
    const out = new NDArray(xs[0].dtype, xs[0].shape, xs[0].data.slice());
    const d = out.data as Float32Array; // an Int32Array for int32: its += wraps as TF's does
    for (let k = 1; k < xs.length; k++) {
      const s = xs[k].data as Float32Array;
      for (let i = 0; i < d.length; i++) d[i] += s[i];
    }
    return [out];
  },
  gpu: (k): GpuKernel => {
    // The first dispatch sums up to 7 inputs into the output; each later one adds up to 6 more to it in place.
    const t = wgslType(k.outputs[0].dtype);
    const g = grid(k.outputs[0].size);
    const dispatches = [];
    for (let start = 0; start < k.inputs.length;) {
      const first = start === 0;
      const take = Math.min(k.inputs.length - start, first ? ADDN_PER_DISPATCH : ADDN_PER_DISPATCH - 1);
      const ins = Array.from({ length: take }, (_, j) => start + j);
      const decls = ins.map((i, j) => binding(j, `x${j}`, t)).join('\n');
      const sum = ins.map((_, j) => `x${j}[i]`).join(' + ');
      dispatches.push({
        code: `${decls}
${binding(take, 'y', t, true)}
@compute @workgroup_size(64) fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = ${g.flatIndex};
  if (i >= ${k.outputs[0].size}u) { return; }
  y[i] = ${first ? sum : `y[i] + ${sum}`};
}`,
        bindings: [...ins.map((i) => ({ input: i })), { output: 0 }],
        workgroups: g.workgroups,
      });
      start += take;
    }
    return { dispatches };
  },
  grad: (op, [dy]) => op.inputs.map(() => dy),
});

/** `tf.addN(inputs, {name?})`: the elementwise sum of tensors of one shape and dtype. */
export function addN(inputs: readonly TensorLike[], opts: NameOpt = {}): Tensor {
  if (inputs.length === 0) throw new InvalidArgumentError('tf.addN: needs at least one input');
  const ts = inputs.map((x) => convertToTensor(x));
  return addOp('AddN', ts, { N: ts.length, T: ts[0].dtype }, { name: opts.name ?? 'AddN' }).outputs[0];
}

defineOp({
  type: 'StopGradient',
  inputs: ['input'],
  attrs: { T: { type: 'type' } },
  shape: (c) => [{ dtype: c.inputs[0].dtype, shape: c.inputs[0].shape }],
  cpu: ([x]) => [x],
  gpu: () => ({ dispatches: [], alias: { 0: 0 } }),
  grad: 'not-differentiable',
});

/** `tf.stopGradient(x, {name?})`: x's value; no gradient flows back through it. */
export function stopGradient(x: TensorLike, opts: NameOpt = {}): Tensor {
  const t = convertToTensor(x);
  return addOp('StopGradient', [t], { T: t.dtype }, { name: opts.name ?? 'StopGradient' }).outputs[0];
}

/**
 * TF's BroadcastGradientArgs: for shapes s0 and s1 broadcast together, the axes (of the broadcast shape) each input
 * was broadcast along, which its gradient must be summed over. Its inputs are shapes, so the WebGPU executor always
 * computes it on the host when it compiles a plan.
 */
defineOp({
  type: 'BroadcastGradientArgs',
  inputs: ['s0', 's1'],
  attrs: { T: { type: 'type', default: 'int32' } },
  shape: (c) => [{ dtype: c.inputs[0].dtype, shape: [null] }, { dtype: c.inputs[0].dtype, shape: [null] }],
  cpu: ([a, b], attrs) => {
    const [r0, r1] = broadcastReductionAxes(Array.from(a.data), Array.from(b.data), (m) => {
      throw new InvalidArgumentError(`BroadcastGradientArgs: ${m}`);
    });
    const dt = attrs.T as DType;
    return [r0, r1].map((r) => new NDArray(dt, [r.length], dt === 'int64' ? Float64Array.from(r) : Int32Array.from(r)));
  },
  gpu: (k) => {
    k.requireConst(0, 'the first shape');
    k.requireConst(1, 'the second shape');
    throw new InternalError(`BroadcastGradientArgs node '${k.name}' has constant inputs and should have been computed on the host`);
  },
  grad: 'not-differentiable',
});

/** The axes of broadcast(s0, s1) along which s0 and s1 were broadcast (TF's BCast::GradReduceIdx), numpy rules. */
export function broadcastReductionAxes(s0: readonly number[], s1: readonly number[], fail: (m: string) => never): [number[], number[]] {
  const n = Math.max(s0.length, s1.length);
  const r0: number[] = [];
  const r1: number[] = [];
  for (let i = 0; i < n; i++) {
    // Right-aligned; a missing leading dim is 1. An axis where both are 1 is reduced for both, as TF does (a no-op).
    const a = s0[i - (n - s0.length)] ?? 1;
    const b = s1[i - (n - s1.length)] ?? 1;
    if (a !== b && a !== 1 && b !== 1) fail(`incompatible shapes [${s0.join(',')}] and [${s1.join(',')}]`);
    if (a === 1) r0.push(i);
    if (b === 1) r1.push(i);
  }
  return [r0, r1];
}

/** Whether two static shapes can describe the same tensor (unknown dims and ranks match anything). */
function compatible(a: Shape, b: Shape): boolean {
  if (a === null || b === null) return true;
  return a.length === b.length && a.every((d, i) => mergeDim(d, b[i]) !== undefined);
}

/**
 * The gradients of a broadcasting binary op's two operands: `gx` and `gy` (each of the broadcast shape, or null) summed
 * over the axes x and y were broadcast along and reshaped to their shapes. Fully known shapes give constant axes (and
 * nothing at all when no broadcast happened); otherwise the graph computes them with Shape and BroadcastGradientArgs,
 * as TF builds it.
 */
export function unbroadcast(x: Tensor, y: Tensor, gx: Tensor | null, gy: Tensor | null): [Tensor | null, Tensor | null] {
  const xs = x.shape;
  const ys = y.shape;
  if (isFullyDefinedShape(xs) && isFullyDefinedShape(ys)) {
    const [rx, ry] = broadcastReductionAxes(xs, ys, (m) => { throw new InternalError(`unbroadcast '${x.name}', '${y.name}': ${m}`); });
    const n = Math.max(xs.length, ys.length);
    const out = Array.from({ length: n }, (_, i) => Math.max(xs[i - (n - xs.length)] ?? 1, ys[i - (n - ys.length)] ?? 1));
    const reduce = (g: Tensor | null, s: number[], axes: number[]): Tensor | null => {
      if (g === null) return null;
      if (s.length === n && s.every((d, i) => d === out[i])) return g; // not broadcast
      return reshape(reduceSum(g, axes), s);
    };
    return [reduce(gx, xs, rx), reduce(gy, ys, ry)];
  }
  const sx = shapeOf(x);
  const sy = shapeOf(y);
  const args = addOp('BroadcastGradientArgs', [sx, sy], { T: 'int32' }, { name: 'BroadcastGradientArgs' });
  return [
    gx === null ? null : reshape(reduceSum(gx, args.outputs[0]), sx),
    gy === null ? null : reshape(reduceSum(gy, args.outputs[1]), sy),
  ];
}

function isFullyDefinedShape(s: Shape): s is number[] { return s !== null && s.every((d) => d !== null); }

// ---- the gradient registry --------------------------------------------------------------------------------------

/** Gradients registered with `tf.registerGradient`, by op type or by an override name (`'MyGrad'`). */
const registered = new Map<string, GradFn>();

/**
 * `tf.registerGradient(opTypeOrName, fn)`: TF's `@tf.RegisterGradient`. Registers the gradient of an op type that has
 * none, or a gradient under a new name that `graph.gradientOverrideMap({Identity: 'MyGrad'}, ...)` selects for the
 * nodes built inside it. Registering a name twice, or an op type that already declares its gradient, is an error.
 */
export function registerGradient(name: string, fn: GradFn): void {
  if (typeof fn !== 'function') throw new InvalidArgumentError(`tf.registerGradient('${name}'): expected a function`);
  if (registered.has(name)) throw new InvalidArgumentError(`tf.registerGradient: a gradient named '${name}' is already registered`);
  const def = getOpDef(name);
  if (def?.grad !== undefined) {
    throw new InvalidArgumentError(`tf.registerGradient: op type '${name}' already declares its gradient; register under a new name and select it with graph.gradientOverrideMap`);
  }
  registered.set(name, fn);
}

/** The gradient of `op`, honouring a gradient override; undefined when there is none at all. */
function gradientOf(op: Operation): GradFn | 'not-differentiable' | undefined {
  const override = op.attrs._gradient_op_type;
  if (typeof override === 'string') {
    const fn = registered.get(override) ?? getOpDef(override)?.grad;
    if (fn === undefined) {
      throw new NotFoundError(`No gradient registered under '${override}', the gradient override of '${op.name}' (${op.type}): call tf.registerGradient('${override}', fn)`);
    }
    return fn;
  }
  return registered.get(op.type) ?? getOpDef(op.type)?.grad;
}

// ---- tf.gradients ---------------------------------------------------------------------------------------------

export interface GradientsOptions {
  /** The name scope of the new nodes (default 'gradients'). */
  name?: string;
  /** Tensors treated as constants: no gradient flows through them (TF's `stop_gradients`). */
  stopGradients?: readonly Tensor[];
  /** What an x that no y depends on gets: `null` (TF's default, 'none') or zeros ('zero'). */
  unconnectedGradients?: 'none' | 'zero';
}

/**
 * `tf.gradients(ys, xs, gradYs?, opts?)`: the symbolic partial derivatives of sum(ys) with respect to each x, with
 * TF1's semantics: `gradYs` weights each y (default ones), gradients from several ys and several paths are summed,
 * and an x that no y depends on gets `null`. Only float tensors carry gradients. Returns one entry per x.
 */
export function gradients(
  ys: TensorLike | readonly TensorLike[],
  xs: Tensor | readonly Tensor[],
  gradYs?: TensorLike | null | ReadonlyArray<TensorLike | null>,
  opts: GradientsOptions = {},
): Array<Tensor | null> {
  const yList = (Array.isArray(ys) ? ys : [ys]).map((y) => convertToTensor(y as TensorLike));
  const xList = (Array.isArray(xs) ? xs : [xs]) as Tensor[];
  if (yList.length === 0) throw new InvalidArgumentError('tf.gradients: ys is empty');
  for (const x of xList) {
    if (!(x instanceof Tensor)) throw new InvalidArgumentError(`tf.gradients: every x must be a Tensor or Variable, got ${String(x)}`);
  }
  const graph = yList[0].graph;
  for (const t of [...yList, ...xList]) {
    if (t.graph !== graph) throw new InvalidArgumentError(`tf.gradients: '${t.name}' belongs to another graph than '${yList[0].name}'`);
  }
  // As in TF, gradYs is a list when ys is one (entries may be null), else the one y's weight.
  let gys: Array<TensorLike | null>;
  if (gradYs === undefined || gradYs === null) gys = yList.map(() => null);
  else gys = Array.isArray(ys) ? [...(gradYs as ReadonlyArray<TensorLike | null>)] : [gradYs as TensorLike];
  if (gys.length !== yList.length) throw new InvalidArgumentError(`tf.gradients: ${yList.length} ys but ${gys.length} gradYs`);

  const stopOps = new Set((opts.stopGradients ?? []).map((t) => t.op));
  const between = opsBetween(graph, xList, yList, stopOps);

  return graph.withNameScope(opts.name ?? 'gradients', () => {
    const pending = new Map<Tensor, Tensor[]>();
    const add = (t: Tensor, g: Tensor): void => {
      const list = pending.get(t);
      if (list === undefined) pending.set(t, [g]);
      else list.push(g);
    };
    yList.forEach((y, i) => {
      const gy = gys[i];
      if (gy === null) {
        if (!isFloat(y.dtype)) return;
        const s = shapeOf(y, { name: `Shape${i === 0 ? '' : `_${i}`}` });
        add(y, fill(s, constant(1, { dtype: y.dtype, name: `grad_ys_${i}/Const` }), { name: `grad_ys_${i}` }));
      } else {
        const t = convertToTensor(gy, y.dtype, `grad_ys_${i}`, graph);
        if (!compatible(t.shape, y.shape)) {
          throw new InvalidArgumentError(`tf.gradients: gradYs[${i}] '${t.name}' ${formatShape(t.shape)} does not match y '${y.name}' ${formatShape(y.shape)}`);
        }
        add(y, t);
      }
    });
    const sum = (t: Tensor): Tensor | null => {
      const list = pending.get(t);
      if (list === undefined || list.length === 0) return null;
      if (list.length === 1) return list[0];
      const s = addN(list, { name: 'AddN' });
      pending.set(t, [s]);
      return s;
    };

    // Graph order is a topological order (a node is added after its inputs), so walking it backwards visits every
    // consumer before its producer: each op's output gradients are complete when it is reached.
    for (let k = between.order.length - 1; k >= 0; k--) {
      const op = between.order[k];
      if (stopOps.has(op)) continue;
      const propagates = op.inputs.some((t) => between.ops.has(t.op) && isFloat(t.dtype));
      if (!propagates) continue;
      const outGrads = op.outputs.map(sum);
      if (outGrads.every((g) => g === null)) continue;
      const fn = gradientOf(op);
      if (fn === 'not-differentiable') continue;
      if (fn === undefined) {
        throw new NotFoundError(`No gradient defined for operation '${op.name}' (op type: ${op.type}); declare one beside the op or call tf.registerGradient('${op.type}', fn)`);
      }
      const inGrads = graph.withNameScope(`${op.name}_grad`, () => {
        const full = op.outputs.map((t, i) => outGrads[i] ?? (isFloat(t.dtype) ? zerosLike(t) : null));
        return fn(op, full);
      });
      if (!Array.isArray(inGrads) || inGrads.length !== op.inputs.length) {
        throw new InternalError(`The gradient of '${op.name}' (${op.type}) returned ${Array.isArray(inGrads) ? inGrads.length : 'no'} gradients for ${op.inputs.length} inputs`);
      }
      op.inputs.forEach((t, i) => {
        const g = inGrads[i];
        if (g === null || g === undefined || !between.ops.has(t.op) || !isFloat(t.dtype)) return;
        if (!compatible(g.shape, t.shape)) {
          throw new InternalError(`The gradient of '${op.name}' (${op.type}) for input ${i} '${t.name}' ${formatShape(t.shape)} has shape ${formatShape(g.shape)}`);
        }
        add(t, g);
      });
    }

    return xList.map((x) => {
      const g = sum(x);
      if (g !== null || opts.unconnectedGradients !== 'zero') return g;
      return zerosLike(x);
    });
  });
}

/**
 * The ops on a data path from some x to some y, in graph order. Stop-gradient tensors' ops end paths: they are
 * included (gradients reach them) but nothing beyond them is.
 */
function opsBetween(graph: Graph, xs: readonly Tensor[], ys: readonly Tensor[], stop: ReadonlySet<Operation>): { ops: Set<Operation>; order: Operation[] } {
  const all = graph.getOperations();
  const consumers = new Map<Operation, Operation[]>();
  for (const op of all) {
    for (const t of op.inputs) {
      let c = consumers.get(t.op);
      if (c === undefined) consumers.set(t.op, (c = []));
      c.push(op);
    }
  }
  const reached = new Set<Operation>();
  const stack = xs.map((x) => x.op);
  while (stack.length > 0) {
    const op = stack.pop()!;
    if (reached.has(op)) continue;
    reached.add(op);
    for (const c of consumers.get(op) ?? []) stack.push(c);
  }
  const between = new Set<Operation>();
  const back = ys.map((y) => y.op);
  while (back.length > 0) {
    const op = back.pop()!;
    if (between.has(op) || !reached.has(op)) continue;
    between.add(op);
    if (stop.has(op)) continue;
    for (const t of op.inputs) back.push(t.op);
  }
  return { ops: between, order: all.filter((op) => between.has(op)) };
}
