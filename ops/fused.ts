// Nodes the optimizer's fusion pass makes (optimizer/fusion.ts); executors run them like any other node.
// - `_KilnFusedElementwise`: a chain of elementwise ops as one node (its `expr` attr, optimizer/expr.ts): one pass over
//   the output, no intermediates, one GPU dispatch.
// - TensorFlow's own `_FusedMatMul`, `_FusedConv2D` and `_FusedDepthwiseConv2dNative` (a contraction, then the
//   `fused_ops` epilogue: BiasAdd or FusedBatchNorm, an optional residual Add, an optional activation), with TF's
//   attrs, so an optimized graph written to a .pb stays readable by TensorFlow and TF's own fused graphs import.
import { castScalar, DType, isInt } from '../graph/dtypes.js';
import { InvalidArgumentError, UnimplementedError } from '../graph/errors.js';
import { NDArray } from '../graph/ndarray.js';
import type { Attrs } from '../graph/tensor.js';
import { broadcastStatic, formatShape, Shape, sizeOf } from '../graph/shape.js';
import { ExprArg, FusedExpr, parseExpr } from '../optimizer/expr.js';
import { broadcastIndex, broadcastShapes, empty } from './cpu.js';
import { WGSL_PRELUDE } from './elementwise.js';
// The contractions are declared there; the fused forms are built from their declarations at load time.
import './math.js';
import './conv.js';
import './nn.js';
import { binding, GpuKernel, GpuKernelContext, grid, literal, Params, WG, wgslType } from './gpu.js';
import { AttrSpec, defineOp, getOpDef, ShapeContext } from './registry.js';
import { chainKernel } from './wgsl/chain.js';

// ---- _KilnFusedElementwise ----------------------------------------------------------------------------------------

function exprOf(attrs: Readonly<Record<string, unknown>>, node: string): FusedExpr {
  try {
    return parseExpr(attrs.expr as string, node);
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
}

const literalShapes = (e: FusedExpr): number[][] =>
  e.steps.flatMap((s) => s.args.flatMap((a) => ('literal' in a ? [a.shape] : [])));

defineOp({
  type: '_KilnFusedElementwise',
  inputs: ['inputs*'],
  attrs: { N: { type: 'int' }, T: { type: 'type' }, expr: { type: 'string' } },
  shape: (c) => {
    const e = exprOf(c.attrs, c.name);
    let shape: Shape = [];
    for (const s of [...c.inputs.map((t) => t.shape), ...literalShapes(e)]) {
      const b = broadcastStatic(shape, s);
      if (b === undefined) return c.fail(`inputs do not broadcast: ${c.inputs.map((t) => formatShape(t.shape)).join(', ')}`);
      shape = b;
    }
    return [{ dtype: e.steps[e.steps.length - 1].out, shape }];
  },
  cpu: (inputs, attrs, ctx) => [fusedElementwiseCpu(exprOf(attrs, ctx.name), inputs, ctx.name)],
  gpu: (k) => fusedElementwiseGpu(k),
  grad: (op) => { throw new UnimplementedError(`'${op.name}' (${op.type}) is made by the optimizer and has no gradient: differentiate the graph as built`); },
});

type Compiled = (leaves: ArrayLike<number>[], index: Array<Int32Array | null>, fns: Function[], casts: Array<(x: number) => number>,
  out: { [i: number]: number; length: number }, n: number) => void;
const compiledLoops = new Map<string, Compiled>();

/**
 * One loop over the output: each step's scalar function (the reference kernel's own) applied in order, each result
 * rounded to its dtype as the unfused kernels round it, so fused and unfused give the same bits. The loop is generated
 * once per (expression, broadcast pattern): V8 then inlines the small scalar functions at their single call sites.
 */
export function fusedElementwiseCpu(e: FusedExpr, leaves: NDArray[], node: string): NDArray {
  const shape = broadcastShapes([...leaves.map((l) => l.shape), ...literalShapes(e)], node);
  const outDtype = e.steps[e.steps.length - 1].out;
  const out = empty(outDtype, shape);
  const n = out.size;
  if (n === 0) return out;
  const access = leaves.map((l) => (l.size === n && sameDims(l.shape, shape) ? 'direct' : l.size === 1 ? 'scalar' : 'indexed'));
  const index = leaves.map((l, i) => (access[i] === 'indexed' ? broadcastIndex(l.shape, shape) : null));
  const fns: Function[] = [];
  const casts: Array<(x: number) => number> = [];
  const lines: string[] = [];
  e.steps.forEach((s, j) => {
    const def = getOpDef(s.op)?.elementwise;
    if (def?.scalar === undefined) throw new InvalidArgumentError(`'${node}': step ${j} (${s.op}) is not an elementwise op with a scalar function`);
    fns.push(isInt(s.in) && def.intScalar !== undefined ? def.intScalar : def.scalar);
    const args = s.args.map((a: ExprArg) => ('leaf' in a ? `a${a.leaf}` : 'step' in a ? `s${a.step}` : String(castScalar(a.literal, a.dtype))));
    const call = `F[${j}](${args.join(', ')})`;
    lines.push(`const s${j} = ${roundExpr(call, s.out, j)};`);
    casts.push((x: number) => castScalar(x, s.out));
  });
  const key = `${access.join(',')}|${e.steps.map((s) => `${s.op}:${s.out}:${JSON.stringify(s.args)}`).join(';')}`;
  let loop = compiledLoops.get(key);
  if (loop === undefined) {
    const loads = access.map((a, k) => `const a${k} = ${a === 'direct' ? `L${k}[i]` : a === 'scalar' ? `L${k}[0]` : `L${k}[I${k}[i]]`};`);
    const body = `${access.map((_, k) => `const L${k} = leaves[${k}], I${k} = index[${k}];`).join('\n')}
const F = fns, C = casts;
for (let i = 0; i < n; i++) {
  ${loads.join('\n  ')}
  ${lines.join('\n  ')}
  out[i] = s${e.steps.length - 1};
}`;
    loop = new Function('leaves', 'index', 'fns', 'casts', 'out', 'n', body) as Compiled;
    if (compiledLoops.size > 512) compiledLoops.clear();
    compiledLoops.set(key, loop);
  }
  try {
    loop(leaves.map((l) => l.data as ArrayLike<number>), index, fns, casts, out.data as unknown as { [i: number]: number; length: number }, n);
  } catch (err) {
    // Integer division by zero, from the scalar functions: name the node.
    throw new InvalidArgumentError(`'${node}': ${(err as Error).message}`);
  }
  return out;
}

/** Each step's result rounded as the unfused kernel stores it: float32 through fround, others through castScalar. */
function roundExpr(v: string, d: DType, j: number): string {
  if (d === 'float64') return v;
  if (d === 'float32') return `Math.fround(${v})`;
  return `C[${j}](${v})`;
}

const sameDims = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((d, i) => d === b[i]);

/** WGSL from each step's expression, through the chain template the executor's fuser used (vec4 lanes and all). */
function fusedElementwiseGpu(k: GpuKernelContext): GpuKernel {
  const e = exprOf(k.attrs, k.name);
  const lets = e.steps.map((s, j) => {
    const def = getOpDef(s.op)?.elementwise;
    if (def === undefined) throw new InvalidArgumentError(`'${k.name}': step ${j} (${s.op}) is not elementwise`);
    const vals = s.args.map((a) => ('leaf' in a ? `@L${a.leaf}@` : 'step' in a ? `t${a.step}` : literal(a.literal, a.dtype)));
    return `let t${j} = ${def.expr(vals, wgslType(s.in))};`;
  });
  return chainKernel({
    dtype: k.outputs[0].dtype,
    shape: k.outputs[0].shape,
    leaves: k.inputs,
    lets,
    result: `t${e.steps.length - 1}`,
  });
}

// ---- TensorFlow's fused contractions -------------------------------------------------------------------------------

/** Activations an epilogue may end with, and the LeakyRelu alpha attr TF gives the fused node. */
export const FUSABLE_ACTIVATIONS = ['Relu', 'Relu6', 'Elu', 'LeakyRelu', 'Sigmoid', 'Tanh'] as const;

interface Epilogue {
  /** 'BiasAdd' (args: bias) or 'FusedBatchNorm' (args: scale, offset, mean, variance). */
  kind: 'BiasAdd' | 'FusedBatchNorm';
  residual: boolean;
  activation: string | null;
}

function parseFusedOps(fusedOps: readonly string[], numArgs: number, node: string, type: string): Epilogue {
  const ops = [...fusedOps];
  const kind = ops.shift();
  const bad = (): never => { throw new UnimplementedError(`${type} node '${node}': fused_ops ${JSON.stringify(fusedOps)} is not supported`); };
  if (kind !== 'BiasAdd' && kind !== 'FusedBatchNorm') return bad();
  let residual = false;
  if (ops[0] === 'Add' || ops[0] === 'AddV2') { residual = true; ops.shift(); }
  const activation = ops.shift() ?? null;
  if (ops.length > 0 || (activation !== null && !(FUSABLE_ACTIVATIONS as readonly string[]).includes(activation))) return bad();
  const want = (kind === 'BiasAdd' ? 1 : 4) + (residual ? 1 : 0);
  if (numArgs !== want) throw new InvalidArgumentError(`${type} node '${node}': fused_ops ${JSON.stringify(fusedOps)} takes ${want} args, num_args is ${numArgs}`);
  return { kind, residual, activation };
}

/** y (the contraction's output, channels last) through the epilogue, in float64 then rounded as the unfused ops round. */
function epilogueCpu(y: NDArray, args: NDArray[], ep: Epilogue, attrs: Readonly<Record<string, unknown>>, channelsLast: boolean, node: string): NDArray {
  const out = new NDArray(y.dtype, y.shape, y.data.slice());
  const c = y.shape[channelsLast ? y.shape.length - 1 : 1];
  const inner = channelsLast ? 1 : sizeOf(y.shape.slice(2));
  const per = new Float64Array(c), shift = new Float64Array(c);
  if (ep.kind === 'BiasAdd') {
    if (args[0].size !== c) throw new InvalidArgumentError(`'${node}': bias has ${args[0].size} elements for ${c} channels`);
    for (let i = 0; i < c; i++) { per[i] = 1; shift[i] = args[0].data[i]; }
  } else {
    const [scale, offset, mean, variance] = args;
    const eps = attrs.epsilon as number;
    for (let i = 0; i < c; i++) {
      per[i] = scale.data[i] / Math.sqrt(variance.data[i] + eps);
      shift[i] = offset.data[i] - mean.data[i] * per[i];
    }
  }
  const res = ep.residual ? args[ep.kind === 'BiasAdd' ? 1 : 4] : null;
  if (res !== null && res.size !== out.size) throw new InvalidArgumentError(`'${node}': the residual ${formatShape(res.shape)} does not match the output ${formatShape(y.shape)}`);
  const act = ep.activation === null ? null : activationFn(ep.activation, attrs);
  const round = (v: number): number => castScalar(v, y.dtype);
  const d = out.data;
  for (let i = 0; i < d.length; i++) {
    const ch = channelsLast ? i % c : Math.floor(i / inner) % c;
    // Rounded after each op, as BiasAdd, Add and the activation each write their own float32 result.
    let v = ep.kind === 'BiasAdd' ? round(d[i] + shift[ch]) : round(d[i] * per[ch] + shift[ch]);
    if (res !== null) v = round(v + res.data[i]);
    d[i] = act === null ? v : round(act(v));
  }
  return out;
}

function activationFn(type: string, attrs: Readonly<Record<string, unknown>>): (v: number) => number {
  if (type === 'LeakyRelu') {
    const alpha = attrs.leakyrelu_alpha as number;
    return (v) => (v > 0 ? v : v * alpha);
  }
  return getOpDef(type)!.elementwise!.scalar! as (v: number) => number;
}

function activationWgsl(type: string, v: string, attrs: Readonly<Record<string, unknown>>): string {
  if (type === 'LeakyRelu') return `select(${v} * ${literal(attrs.leakyrelu_alpha as number, 'float32')}, ${v}, ${v} > 0.0)`;
  return getOpDef(type)!.elementwise!.expr([v], 'f32');
}

/** The epilogue as one more dispatch over the contraction's output, in place (the output is bound read_write). */
function epilogueGpu(k: GpuKernelContext, base: GpuKernel, ep: Epilogue, channelsLast: boolean): GpuKernel {
  const out = k.outputs[0];
  if (out.size === 0) return base;
  const c = out.shape[channelsLast ? out.shape.length - 1 : 1];
  const inner = channelsLast ? 1 : sizeOf(out.shape.slice(2));
  const g = grid(out.size);
  const argBase = 2;
  const decls = [binding(0, 'y', 'f32', true)];
  const bindings: GpuKernel['dispatches'][0]['bindings'] = [{ output: 0 }];
  const arg = (name: string, i: number): void => { decls.push(binding(bindings.length, name, 'f32')); bindings.push({ input: argBase + i }); };
  // Sizes from a uniform (ops/gpu.ts Params), so every layer's epilogue of one kind shares a pipeline.
  const prm = new Params(out.size);
  const ch = channelsLast ? prm.mod('i', 'c', c) : prm.mod(prm.div('i', 'inner', inner), 'c', c);
  let value: string;
  if (ep.kind === 'BiasAdd') {
    arg('bias', 0);
    value = 'y[i] + bias[ch]';
  } else {
    ['scale', 'offset', 'mean', 'variance'].forEach(arg);
    value = `(y[i] - mean[ch]) * (scale[ch] * inverseSqrt(variance[ch] + ${prm.f('eps', k.attrs.epsilon as number)})) + offset[ch]`;
  }
  if (ep.residual) {
    arg('residual', ep.kind === 'BiasAdd' ? 1 : 4);
    value = `(${value}) + residual[i]`;
  }
  const body = ep.activation === null ? `y[i] = v;` : `y[i] = ${activationWgsl(ep.activation, 'v', k.attrs)};`;
  const count = prm.u('n', out.size);
  prm.addTo(decls, bindings);
  const code = `${decls.join('\n')}
${WGSL_PRELUDE}
@compute @workgroup_size(${WG}) fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = ${g.flatIndex};
  if (i >= ${count}) { return; }
  let ch = ${ch};
  let v = ${value};
  ${body}
}`;
  return { ...base, dispatches: [...base.dispatches, { code, bindings, workgroups: g.workgroups }] };
}


const FUSED_COMMON = {
  num_args: { type: 'int' as const },
  fused_ops: { type: 'list(string)' as const, default: [] as string[] },
  epsilon: { type: 'float' as const, default: 0.0001 },
  leakyrelu_alpha: { type: 'float' as const, default: 0.2 },
};

interface FusedSpec {
  type: string;
  base: string;
  channelsLast: (attrs: Readonly<Record<string, unknown>>) => boolean;
  extraAttrs: Record<string, { type: 'type' | 'int' | 'string' | 'list(type)' | 'bool'; default?: unknown }>;
  /** Attrs of the base op that TF's fused op does not have (its OpDef is the contract). */
  dropAttrs?: string[];
}

const FUSED_SPECS: FusedSpec[] = [
  { type: '_FusedMatMul', base: 'MatMul', channelsLast: () => true, extraAttrs: {} },
  {
    type: '_FusedConv2D', base: 'Conv2D', channelsLast: (a) => a.data_format !== 'NCHW',
    extraAttrs: { TArgs: { type: 'list(type)' }, num_host_args: { type: 'int', default: 0 }, filter_format: { type: 'string', default: 'HWIO' } },
  },
  // TF's _FusedDepthwiseConv2dNative has no explicit_paddings: EXPLICIT padding is not fused.
  { type: '_FusedDepthwiseConv2dNative', base: 'DepthwiseConv2dNative', channelsLast: (a) => a.data_format !== 'NCHW', extraAttrs: {}, dropAttrs: ['explicit_paddings'] },
];

/** The base op sees its own attrs; one the fused op lacks takes the base's default. */
const baseAttrs = (a: Readonly<Record<string, unknown>>): Attrs => ({ explicit_paddings: [], ...a }) as unknown as Attrs;

for (const spec of FUSED_SPECS) {
  const base = getOpDef(spec.base);
  if (base === undefined) throw new Error(`ops/fused.ts: ${spec.base} must be declared first`);
  defineOp({
    type: spec.type,
    inputs: [...base.inputs, 'args*'],
    attrs: Object.fromEntries(Object.entries({ ...base.attrs, ...FUSED_COMMON, ...(spec.extraAttrs as Record<string, AttrSpec>) })
      .filter(([k]) => !(spec.dropAttrs ?? []).includes(k))),
    shape: (c: ShapeContext) => {
      parseFusedOps(c.attrs.fused_ops as string[], c.attrs.num_args as number, c.name, spec.type);
      if (spec.type === '_FusedConv2D' && c.attrs.filter_format !== 'HWIO') c.fail(`filter_format ${String(c.attrs.filter_format)} is not supported (HWIO only)`);
      return base.shape({ ...c, type: spec.base, attrs: baseAttrs(c.attrs), inputs: c.inputs.slice(0, 2), constValue: (i) => c.constValue(i), constShape: (i) => c.constShape(i) });
    },
    cpu: (inputs, attrs, ctx) => {
      const ep = parseFusedOps(attrs.fused_ops as string[], attrs.num_args as number, ctx.name, spec.type);
      const [y] = base.cpu(inputs.slice(0, 2), baseAttrs(attrs), ctx);
      return [epilogueCpu(y, inputs.slice(2), ep, attrs, spec.channelsLast(attrs), ctx.name)];
    },
    gpu: (k) => {
      const ep = parseFusedOps(k.attrs.fused_ops as string[], k.attrs.num_args as number, k.name, spec.type);
      const inner = base.gpu!({ ...k, attrs: baseAttrs(k.attrs), inputs: k.inputs.slice(0, 2) });
      return epilogueGpu(k, inner, ep, spec.channelsLast(k.attrs));
    },
    grad: (op) => { throw new UnimplementedError(`'${op.name}' (${op.type}) has no gradient in Kiln: differentiate the graph before it is optimized`); },
  });
}
