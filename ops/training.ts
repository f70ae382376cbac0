// Training updates: TF's ApplyGradientDescent, ApplyMomentum, ApplyAdam, ApplyRMSProp and ApplyAdagrad (training_ops.cc).
// Each updates a variable and its slots (momentum accumulator, Adam's m and v, ...) in place from a gradient and scalar
// hyper-parameters; output 0 is the variable's new value (a ref in TF; here the value, like Assign's output).
//
// One table entry per op holds TF's exact formula twice, side by side: as JS over one element (the reference kernel,
// which writes every slot through ctx.writeVariable, so a failed run commits nothing) and as WGSL statements (one
// dispatch that updates the variable and all its slots, vec4 when the size allows).
import { allocArray, isFloat } from '../graph/dtypes.js';
import { InvalidArgumentError } from '../graph/errors.js';
import { NDArray } from '../graph/ndarray.js';
import { formatShape, mergeDim, Shape } from '../graph/shape.js';
import { Attrs, Tensor } from '../graph/tensor.js';
import { binding, GpuBinding, GpuDispatch, GpuKernel, GpuKernelContext, grid, literal } from './gpu.js';
import { addOp, AttrSpec, defineOp, KernelContext, OutputSpec, ShapeContext } from './registry.js';
import { convertToTensor, TensorLike } from './values.js';

interface ApplySpec {
  type: string;
  /** TF's input names, in TF's order. */
  inputs: readonly string[];
  /** The variable (input 0) and its slots: ref inputs, updated in place. */
  refs: readonly number[];
  /** The gradient: same shape as the variable. Every other input is a scalar hyper-parameter. */
  grad: number;
  attrs: Readonly<Record<string, AttrSpec>>;
  /** One element's update: reads and writes `s`, which holds every input's value by TF name. */
  cpu: (s: Record<string, number>, attrs: Readonly<Attrs>) => void;
  /** The same update as WGSL statements over locals named as the inputs (`var_` for `var`, a WGSL keyword). */
  wgsl: (attrs: Readonly<Attrs>) => string;
}

const LOCKING: Record<string, AttrSpec> = { T: { type: 'type' }, use_locking: { type: 'bool', default: false } };

const SPECS: ApplySpec[] = [
  {
    type: 'ApplyGradientDescent',
    inputs: ['var', 'alpha', 'delta'],
    refs: [0],
    grad: 2,
    attrs: LOCKING,
    cpu: (s) => { s.var -= s.alpha * s.delta; },
    wgsl: () => 'var_ -= alpha * delta;',
  },
  {
    type: 'ApplyMomentum',
    inputs: ['var', 'accum', 'lr', 'grad', 'momentum'],
    refs: [0, 1],
    grad: 3,
    attrs: { ...LOCKING, use_nesterov: { type: 'bool', default: false } },
    cpu: (s, a) => {
      s.accum = s.accum * s.momentum + s.grad;
      s.var -= a.use_nesterov === true ? s.grad * s.lr + s.accum * s.momentum * s.lr : s.accum * s.lr;
    },
    wgsl: (a) => `accum = accum * momentum + grad;
  ${a.use_nesterov === true ? 'var_ -= grad * lr + accum * momentum * lr;' : 'var_ -= accum * lr;'}`,
  },
  {
    type: 'ApplyAdam',
    inputs: ['var', 'm', 'v', 'beta1_power', 'beta2_power', 'lr', 'beta1', 'beta2', 'epsilon', 'grad'],
    refs: [0, 1, 2],
    grad: 9,
    attrs: { ...LOCKING, use_nesterov: { type: 'bool', default: false } },
    cpu: (s, a) => {
      const alpha = (s.lr * Math.sqrt(1 - s.beta2_power)) / (1 - s.beta1_power);
      s.m += (s.grad - s.m) * (1 - s.beta1);
      s.v += (s.grad * s.grad - s.v) * (1 - s.beta2);
      const step = a.use_nesterov === true ? (s.grad * (1 - s.beta1) + s.beta1 * s.m) * alpha : s.m * alpha;
      s.var -= step / (Math.sqrt(s.v) + s.epsilon);
    },
    wgsl: (a) => `let alpha = lr * sqrt(1.0 - beta2_power) / (1.0 - beta1_power);
  m += (grad - m) * (1.0 - beta1);
  v += (grad * grad - v) * (1.0 - beta2);
  var_ -= (${a.use_nesterov === true ? '(grad * (1.0 - beta1) + beta1 * m) * alpha' : 'm * alpha'}) / (sqrt(v) + epsilon);`,
  },
  {
    type: 'ApplyRMSProp',
    inputs: ['var', 'ms', 'mom', 'lr', 'rho', 'momentum', 'epsilon', 'grad'],
    refs: [0, 1, 2],
    grad: 7,
    attrs: LOCKING,
    cpu: (s) => {
      s.ms += (s.grad * s.grad - s.ms) * (1 - s.rho);
      s.mom = s.mom * s.momentum + (s.grad * s.lr) / Math.sqrt(s.ms + s.epsilon);
      s.var -= s.mom;
    },
    wgsl: () => `ms += (grad * grad - ms) * (1.0 - rho);
  mom = mom * momentum + (grad * lr) / sqrt(ms + epsilon);
  var_ -= mom;`,
  },
  {
    type: 'ApplyAdagrad',
    inputs: ['var', 'accum', 'lr', 'grad'],
    refs: [0, 1],
    grad: 3,
    attrs: { ...LOCKING, update_slots: { type: 'bool', default: true } },
    cpu: (s, a) => {
      if (a.update_slots !== false) s.accum += s.grad * s.grad;
      s.var -= s.grad * s.lr * (1 / Math.sqrt(s.accum));
    },
    wgsl: (a) => `${a.update_slots !== false ? 'accum += grad * grad;' : ''}
  var_ -= grad * lr * inverseSqrt(accum);`,
  },
];

for (const spec of SPECS) {
  defineOp({
    type: spec.type,
    inputs: spec.inputs,
    attrs: spec.attrs,
    refInputs: spec.refs,
    stateful: true,
    shape: (c) => applyShape(spec, c),
    cpu: (inputs, attrs, ctx) => applyCpu(spec, inputs, attrs, ctx),
    gpu: (k) => applyGpu(spec, k),
    grad: 'not-differentiable',
  });
}

function applyShape(spec: ApplySpec, c: ShapeContext): OutputSpec[] {
  const v = c.inputs[0];
  for (const i of spec.refs) {
    const t = c.inputs[i];
    if (t.op.type !== 'VariableV2') c.fail(`${spec.inputs[i]} must be a variable, got '${t.name}' (${t.op.type})`);
  }
  if (!isFloat(v.dtype)) c.fail(`var '${v.op.name}' is ${v.dtype}: updates need a float variable`);
  c.inputs.forEach((t, i) => {
    if (t.dtype !== v.dtype) c.fail(`${spec.inputs[i]} '${t.name}' is ${t.dtype}, var '${v.op.name}' is ${v.dtype}`);
  });
  let shape: Shape = v.shape;
  for (const i of [...spec.refs.slice(1), spec.grad]) {
    const s = c.inputs[i].shape;
    if (shape === null || s === null) { shape ??= s; continue; }
    const merged = s.length === shape.length ? shape.map((d, j) => mergeDim(d, s[j])) : null;
    if (merged === null || merged.some((d) => d === undefined)) {
      c.fail(`var '${v.op.name}' ${formatShape(v.shape)} and ${spec.inputs[i]} '${c.inputs[i].name}' ${formatShape(s)} do not have the same shape`);
    }
    shape = merged as Shape;
  }
  spec.inputs.forEach((name, i) => {
    const s = c.inputs[i].shape;
    if (isScalarInput(spec, i) && s !== null && s.length !== 0) c.fail(`${name} '${c.inputs[i].name}' is not a scalar: ${formatShape(s)}`);
  });
  return [{ dtype: v.dtype, shape }];
}

function isScalarInput(spec: ApplySpec, i: number): boolean { return i !== spec.grad && !spec.refs.includes(i); }

function applyCpu(spec: ApplySpec, inputs: NDArray[], attrs: Readonly<Attrs>, ctx: KernelContext): NDArray[] {
  const refNames = spec.refs.map((i) => ctx.refName(i));
  const olds = refNames.map((name) => ctx.readVariable(name));
  const v = olds[0];
  const same = (x: NDArray): boolean => x.shape.length === v.shape.length && x.shape.every((d, j) => d === v.shape[j]);
  const fail = (m: string): never => { throw new InvalidArgumentError(`${spec.type} '${ctx.name}': ${m}`); };
  olds.forEach((x, k) => {
    if (!same(x)) fail(`var '${refNames[0]}' ${formatShape(v.shape)} and ${spec.inputs[spec.refs[k]]} '${refNames[k]}' ${formatShape(x.shape)} do not have the same shape`);
  });
  if (!same(inputs[spec.grad])) fail(`var '${refNames[0]}' ${formatShape(v.shape)} and ${spec.inputs[spec.grad]} ${formatShape(inputs[spec.grad].shape)} do not have the same shape`);
  const s: Record<string, number> = {};
  spec.inputs.forEach((name, i) => {
    if (!isScalarInput(spec, i)) return;
    if (inputs[i].size !== 1 || inputs[i].rank !== 0) fail(`${name} is not a scalar: ${formatShape(inputs[i].shape)}`);
    s[name] = inputs[i].data[0];
  });
  const grad = inputs[spec.grad].data;
  const gradName = spec.inputs[spec.grad];
  const refInputNames = spec.refs.map((i) => spec.inputs[i]);
  const news = olds.map((x) => new NDArray(x.dtype, x.shape, allocArray(x.dtype, x.size)));
  for (let e = 0; e < v.size; e++) {
    refInputNames.forEach((name, k) => { s[name] = olds[k].data[e]; });
    s[gradName] = grad[e];
    spec.cpu(s, attrs);
    refInputNames.forEach((name, k) => { news[k].data[e] = s[name]; });
  }
  refNames.forEach((name, k) => ctx.writeVariable(name, news[k]));
  return [ctx.readVariable(refNames[0])];
}

/** The WGSL local for an input: its TF name, but `var` is a WGSL keyword. */
function local(name: string): string { return name === 'var' ? 'var_' : name; }

function applyGpu(spec: ApplySpec, k: GpuKernelContext): GpuKernel {
  const v = k.inputs[0];
  for (const i of [...spec.refs, spec.grad]) {
    if (formatShape(k.inputs[i].shape) !== formatShape(v.shape)) {
      k.fail(`var ${formatShape(v.shape)} and ${spec.inputs[i]} ${formatShape(k.inputs[i].shape)} do not have the same shape`);
    }
  }
  // Four elements per thread when the size allows: vec4 memory access is 2-3x faster on llvmpipe.
  const per = v.size % 4 === 0 ? 4 : 1;
  const t = per === 4 ? 'vec4<f32>' : 'f32';
  const decls: string[] = [];
  const loads: string[] = [];
  const stores: string[] = [];
  const bindings: GpuBinding[] = [];
  const bind = (b: GpuBinding, name: string, type: string, write: boolean): string => {
    decls.push(binding(bindings.length, name, type, write));
    bindings.push(b);
    return name;
  };
  for (const i of spec.refs) {
    const b = bind({ ref: i }, `b_${spec.inputs[i]}`, t, true);
    loads.push(`var ${local(spec.inputs[i])} = ${b}[i];`);
    stores.push(`${b}[i] = ${local(spec.inputs[i])};`);
  }
  loads.push(`let ${local(spec.inputs[spec.grad])} = ${bind({ input: spec.grad }, `b_${spec.inputs[spec.grad]}`, t, false)}[i];`);

  // Scalars known when the plan is compiled are baked in as literals; the others are read from their tensors.
  const dynamic: number[] = [];
  spec.inputs.forEach((name, i) => {
    if (!isScalarInput(spec, i)) return;
    const c = k.constValue(i);
    if (c !== null) loads.push(`let ${name} = ${literal(c.data[0], 'float32')};`);
    else dynamic.push(i);
  });
  const dispatches: GpuDispatch[] = [];
  if (bindings.length + dynamic.length <= MAX_BINDINGS) {
    for (const i of dynamic) loads.push(`let ${spec.inputs[i]} = ${bind({ input: i }, `b_${spec.inputs[i]}`, 'f32', false)}[0];`);
  } else {
    // Too many bindings for compatibility mode (Adam with every hyper-parameter a tensor): a one-thread dispatch
    // first packs the scalars into one small buffer.
    dispatches.push(packScalars(dynamic));
    const packed = bind({ scratch: 0, bytes: 4 * dynamic.length }, 'packed', 'f32', false);
    dynamic.forEach((i, j) => loads.push(`let ${spec.inputs[i]} = ${packed}[${j}];`));
  }
  const count = v.size / per;
  const g = grid(count, 128);
  dispatches.push({
    code: `${decls.join('\n')}
@compute @workgroup_size(128) fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = ${g.flatIndex};
  if (i >= ${count}u) { return; }
  ${loads.join('\n  ')}
  ${spec.wgsl(k.attrs)}
  ${stores.join('\n  ')}
}`,
    bindings,
    workgroups: g.workgroups,
  });
  return { dispatches, alias: { 0: 0 } };
}

/** Compatibility mode's storage buffers per shader stage (session/webgpu/device.ts). */
const MAX_BINDINGS = 8;

function packScalars(inputs: readonly number[]): GpuDispatch {
  const decls = inputs.map((_, j) => binding(j, `s${j}`, 'f32'));
  const copies = inputs.map((_, j) => `packed[${j}] = s${j}[0];`);
  return {
    code: `${decls.join('\n')}
${binding(inputs.length, 'packed', 'f32', true)}
@compute @workgroup_size(1) fn main() {
  ${copies.join('\n  ')}
}`,
    bindings: [...inputs.map((i) => ({ input: i })), { scratch: 0, bytes: 4 * inputs.length }],
    workgroups: [1, 1, 1],
  };
}

// ---- builders (TF's `training_ops.apply_*`) ----------------------------------------------------------------------

export interface ApplyOptions { useLocking?: boolean; name?: string }

function applyOp(type: string, inputs: readonly TensorLike[], attrs: Attrs, name: string): Tensor {
  const v = inputs[0];
  if (!(v instanceof Tensor) || v.op.type !== 'VariableV2') {
    throw new InvalidArgumentError(`${type}: var must be a variable, got ${v instanceof Tensor ? `'${v.name}' (${v.op.type})` : String(v)}`);
  }
  // Refs stay refs (a Variable is its VariableV2 output); everything else becomes a tensor of the variable's dtype.
  const spec = SPECS.find((s) => s.type === type)!;
  const ts = inputs.map((x, i) => (spec.refs.includes(i) && x instanceof Tensor ? x : convertToTensor(x, v.dtype, spec.inputs[i], v.graph)));
  return addOp(type, ts, { T: v.dtype, ...attrs }, { name, graph: v.graph }).outputs[0];
}

export function applyGradientDescent(v: Tensor, alpha: TensorLike, delta: TensorLike, opts: ApplyOptions = {}): Tensor {
  return applyOp('ApplyGradientDescent', [v, alpha, delta], { use_locking: opts.useLocking ?? false }, opts.name ?? 'ApplyGradientDescent');
}

export function applyMomentum(
  v: Tensor, accum: Tensor, lr: TensorLike, grad: TensorLike, momentum: TensorLike,
  opts: ApplyOptions & { useNesterov?: boolean } = {},
): Tensor {
  return applyOp('ApplyMomentum', [v, accum, lr, grad, momentum],
    { use_locking: opts.useLocking ?? false, use_nesterov: opts.useNesterov ?? false }, opts.name ?? 'ApplyMomentum');
}

export function applyAdam(
  v: Tensor, m: Tensor, vSlot: Tensor, beta1Power: TensorLike, beta2Power: TensorLike, lr: TensorLike,
  beta1: TensorLike, beta2: TensorLike, epsilon: TensorLike, grad: TensorLike,
  opts: ApplyOptions & { useNesterov?: boolean } = {},
): Tensor {
  return applyOp('ApplyAdam', [v, m, vSlot, beta1Power, beta2Power, lr, beta1, beta2, epsilon, grad],
    { use_locking: opts.useLocking ?? false, use_nesterov: opts.useNesterov ?? false }, opts.name ?? 'ApplyAdam');
}

export function applyRMSProp(
  v: Tensor, ms: Tensor, mom: Tensor, lr: TensorLike, rho: TensorLike, momentum: TensorLike, epsilon: TensorLike,
  grad: TensorLike, opts: ApplyOptions = {},
): Tensor {
  return applyOp('ApplyRMSProp', [v, ms, mom, lr, rho, momentum, epsilon, grad], { use_locking: opts.useLocking ?? false }, opts.name ?? 'ApplyRMSProp');
}

export function applyAdagrad(v: Tensor, accum: Tensor, lr: TensorLike, grad: TensorLike, opts: ApplyOptions & { updateSlots?: boolean } = {}): Tensor {
  return applyOp('ApplyAdagrad', [v, accum, lr, grad],
    { use_locking: opts.useLocking ?? false, update_slots: opts.updateSlots ?? true }, opts.name ?? 'ApplyAdagrad');
}
