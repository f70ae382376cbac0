// Lowering an optimized plan (optimizer/) for the GPU, once per (fetches, feed shapes): every shape made concrete, what
// can be known without the feeds computed on the host (the kernels need shapes and some inputs at compile time, and a
// plan built with `optimizer: false` still has them as nodes), a kernel chosen for every other node, then buffers given
// by lifetime. No rewrites happen here: fusion and folding are the optimizer's (a fused node is lowered like any other).
import { DType } from '../../graph/dtypes.js';
import { InternalError, InvalidArgumentError, KilnError, UnimplementedError } from '../../graph/errors.js';
import { NDArray } from '../../graph/ndarray.js';
import { Dim, formatShape, isFullyDefined, sizeOf } from '../../graph/shape.js';
import { Operation, Tensor } from '../../graph/tensor.js';
import { binding, GpuBinding, GpuDispatch, GpuKernel, GpuKernelContext, GpuTensor, grid, WG } from '../../ops/gpu.js';
import { getOpDef, KernelContext, ShapeContext } from '../../ops/registry.js';
import { DEFAULT_FOLD_LIMIT } from '../../optimizer/pipeline.js';
import type { Plan } from '../plan.js';

/** A logical buffer: what a tensor's value lives in. Temporaries get physical buffers from the memory plan. */
export type Buf =
  | { kind: 'temp'; id: number; bytes: number; first: number; last: number }
  | { kind: 'feed'; tensor: Tensor; bytes: number }
  | { kind: 'const'; value: NDArray; bytes: number; name: string }
  | { kind: 'var'; name: string; dtype: DType; shape: number[] }
  | { kind: 'scratch'; id: number; bytes: number; first: number; last: number };

export interface Step {
  op: Operation;
  dispatch: GpuDispatch;
  /** The logical buffer of each binding, in binding order (null for params, uniforms and status, which the executor owns). */
  bufs: Array<Buf | null>;
  /** The status slot this dispatch writes, when it has a `status` binding. */
  statusSlot: number;
}

export interface Lowered {
  steps: Step[];
  /** For each fetch, where its value is: a host value, a feed, or a GPU buffer with its concrete info. */
  fetches: Array<{ host: NDArray } | { buf: Buf; dtype: DType; shape: number[] }>;
  feeds: Array<{ tensor: Tensor; buf: Buf & { kind: 'feed' } }>;
  temps: Array<Buf & { kind: 'temp' | 'scratch' }>;
  /** Variables the plan needs: their shape and dtype, so the executor can allocate them. */
  variables: Map<string, { dtype: DType; shape: number[] }>;
  /** Variables read (by a VariableV2 value read or an op updating a ref: AssignAdd, Apply*) before the plan assigns them. */
  readsBeforeWrite: Array<{ variable: string; reader: string }>;
  written: string[];
  /** One message builder per status slot. */
  checks: Array<(code: number, words: Uint32Array) => string>;
}

interface Info { dtype: DType; shape: number[] }

/** Ops that write their ref inputs without reading them first; the others (AssignAdd, Apply*) read them. */
const WRITES_WITHOUT_READING = new Set(['Assign']);

export function lowerPlan(
  plan: Plan, feeds: ReadonlyMap<Tensor, NDArray>, opState: Map<string, unknown>, opts: { float64AsFloat32?: boolean } = {},
): Lowered {
  // float64 tensors run as f32 only when the session asked for it (WGSL has no f64; see ops/gpu.ts wgslType).
  const f64 = opts.float64AsFloat32 === true;
  const info = new Map<Tensor, Info>();
  const host = new Map<Tensor, NDArray>();
  const bufOf = new Map<Tensor, Buf>();
  const out: Lowered = { steps: [], fetches: [], feeds: [], temps: [], variables: new Map(), readsBeforeWrite: [], written: [], checks: [] };
  const assigned = new Set<string>();
  const constBufs = new Map<NDArray, Buf>();
  let nextId = 0;

  for (const [t, v] of feeds) {
    info.set(t, { dtype: t.dtype, shape: v.shape });
    const buf: Buf & { kind: 'feed' } = { kind: 'feed', tensor: t, bytes: gpuBytes(v.size) };
    bufOf.set(t, buf);
    out.feeds.push({ tensor: t, buf });
  }

  const variableOf = (op: Operation, ref: Tensor): { name: string; dtype: DType; shape: number[] } => {
    const v = ref.op;
    const shape = v.attrs.shape as (Dim[] | null);
    if (shape === null || !isFullyDefined(shape)) {
      throw new UnimplementedError(`Variable '${v.name}' (used by '${op.name}') has shape ${formatShape(shape)}: the webgpu executor needs a fully defined variable shape`);
    }
    const entry = { name: v.name, dtype: v.attrs.dtype as DType, shape: [...shape] };
    out.variables.set(entry.name, { dtype: entry.dtype, shape: entry.shape });
    return entry;
  };

  const bufFor = (t: Tensor, op: Operation): Buf => {
    let b = bufOf.get(t);
    if (b !== undefined) return b;
    const v = host.get(t);
    if (v === undefined) throw new InternalError(`Input '${t.name}' of '${op.name}' was not computed before it`);
    b = constBufs.get(v);
    if (b === undefined) {
      b = { kind: 'const', value: v, bytes: gpuBytes(v.size), name: t.name };
      constBufs.set(v, b);
    }
    return b;
  };

  /** Adds a node's dispatches as steps, giving its outputs buffers (or its inputs' buffers, for aliases). */
  const emit = (op: Operation, kernel: GpuKernel, outputs: readonly Tensor[], outInfos: Info[], inputBuf: (i: number) => Buf): void => {
    const stepIndex = out.steps.length;
    outputs.forEach((t, i) => {
      if (feeds.has(t)) return;
      const a = kernel.alias?.[i];
      if (a !== undefined) { bufOf.set(t, inputBuf(a)); return; }
      const b: Buf = { kind: 'temp', id: nextId++, bytes: gpuBytes(sizeOf(outInfos[i].shape)), first: stepIndex, last: stepIndex };
      out.temps.push(b);
      bufOf.set(t, b);
    });
    let slot = -1;
    if (kernel.dispatches.some((d) => d.bindings.some((b) => 'status' in b))) {
      slot = out.checks.length;
      out.checks.push(kernel.check ?? ((code) => `'${op.name}' (${op.type}) failed with code ${code}`));
    }
    const scratch = new Map<number, Buf>();
    for (const d of kernel.dispatches) {
      if (d.workgroups.some((n) => n === 0)) continue;
      const bufs = d.bindings.map((b: GpuBinding): Buf | null => {
        if ('input' in b) return inputBuf(b.input);
        if ('ref' in b) return inputBuf(b.ref);
        if ('output' in b) {
          const buf = bufOf.get(outputs[b.output]);
          if (buf === undefined) throw new InternalError(`'${op.name}': output ${b.output} has no buffer`);
          return buf;
        }
        if ('scratch' in b) {
          let sb = scratch.get(b.scratch);
          if (sb === undefined) {
            sb = { kind: 'scratch', id: nextId++, bytes: Math.max(4, b.bytes), first: stepIndex, last: stepIndex };
            scratch.set(b.scratch, sb);
            out.temps.push(sb as Buf & { kind: 'scratch' });
          }
          return sb;
        }
        return null;
      });
      out.steps.push({ op, dispatch: d, bufs, statusSlot: slot });
    }
  };

  for (const op of plan.ops) {
    if (op.outputs.length > 0 && op.outputs.every((t) => feeds.has(t))) continue;
    const def = getOpDef(op.type);
    if (def === undefined) throw new UnimplementedError(`No kernel for '${op.name}': op type ${op.type} is not registered`);
    const refs = def.refInputs ?? [];

    // Concrete shapes: re-run the op's shape rule on inputs whose shapes are all known now.
    const inInfos: Info[] = op.inputs.map((t, i) => {
      if (refs.includes(i)) {
        const v = variableOf(op, t);
        return { dtype: v.dtype, shape: v.shape };
      }
      const x = info.get(t);
      if (x === undefined) throw new InternalError(`Input '${t.name}' of '${op.name}' was not computed before it`);
      return x;
    });
    // Known without the feeds: compute it now, on the host, with the reference kernel (an unfed Placeholder's kernel
    // throws the missing-feed error). Shape-only ops get stand-ins that carry just a shape.
    // A large value (a big Fill) is computed by its kernel on the device instead, as the optimizer's folder leaves it.
    const foldable = !def.stateful && refs.length === 0 && op.type !== 'Placeholder' && (def.shapeOnly === true || op.inputs.every((t) => host.has(t)))
      && (def.shapeOnly === true || !tooLargeToFold(op, inInfos, host));
    if (foldable || op.type === 'Placeholder') {
      const args = op.inputs.map((t, i) => host.get(t) ?? shapeStandIn(inInfos[i]));
      let values: NDArray[];
      try {
        values = def.cpu(args, op.attrs, hostKernelContext(op));
      } catch (e) {
        if (e instanceof KilnError) throw e;
        throw new InternalError(`'${op.name}' (${op.type}) failed while the plan was compiled: ${(e as Error).message}`);
      }
      op.outputs.forEach((t, i) => {
        if (feeds.has(t)) return;
        host.set(t, values[i]);
        info.set(t, { dtype: values[i].dtype, shape: values[i].shape });
      });
      continue;
    }
    const outInfos = concreteOutputs(op, inInfos, host);
    op.outputs.forEach((t, i) => { if (!feeds.has(t)) info.set(t, outInfos[i]); });

    if (op.type === 'VariableV2') {
      const v = variableOf(op, op.outputs[0]);
      if (!assigned.has(v.name)) out.readsBeforeWrite.push({ variable: v.name, reader: op.name });
      bufOf.set(op.outputs[0], { kind: 'var', ...v });
      continue;
    }
    // Every ref input is written in place (Assign's, and all of an Apply op's: the variable and its slots).
    for (const i of refs) {
      const v = variableOf(op, op.inputs[i]);
      if (!WRITES_WITHOUT_READING.has(op.type) && !assigned.has(v.name)) out.readsBeforeWrite.push({ variable: v.name, reader: op.name });
      assigned.add(v.name);
      if (!out.written.includes(v.name)) out.written.push(v.name);
    }

    for (const t of [...op.inputs, ...op.outputs]) {
      if (t.dtype === 'float64' && !f64) {
        throw new UnimplementedError(`'${op.name}' (${op.type}) works on float64 tensor '${t.name}': the webgpu executor has no float64 (WGSL has no f64); use executor: 'cpu', or Session.create({float64: 'float32'}) to run it in float32`);
      }
    }
    if (def.gpu === undefined) throw new UnimplementedError(`'${op.name}': op type ${op.type} has no GPU kernel yet; use executor: 'cpu'`);

    const ctx = gpuKernelContext(op, inInfos, outInfos, host, opState);
    let kernel: GpuKernel;
    try {
      kernel = def.gpu(ctx);
    } catch (e) {
      if (e instanceof KilnError) throw e;
      throw new InternalError(`GPU kernel builder for '${op.name}' (${op.type}) failed: ${(e as Error).message}`);
    }

    // A value input that is the very variable this op writes (`tf.assignAdd(w, w)`: w/read aliases w's buffer) is
    // copied first: WebGPU forbids binding one buffer as read-only and writable storage in the same dispatch.
    const refNames = new Set(refs.map((i) => variableOf(op, op.inputs[i]).name));
    const copies = new Map<number, Buf>();
    op.inputs.forEach((t, i) => {
      if (refs.includes(i)) return;
      const b = bufFor(t, op);
      if (b.kind !== 'var' || !refNames.has(b.name)) return;
      const stepIndex = out.steps.length;
      const copy: Buf = { kind: 'temp', id: nextId++, bytes: gpuBytes(sizeOf(b.shape)), first: stepIndex, last: stepIndex };
      out.temps.push(copy);
      out.steps.push({ op, dispatch: copyDispatch(sizeOf(b.shape)), bufs: [b, copy], statusSlot: -1 });
      copies.set(i, copy);
    });
    const inputBuf = (i: number): Buf => (refs.includes(i) ? { kind: 'var', ...variableOf(op, op.inputs[i]) } : copies.get(i) ?? bufFor(op.inputs[i], op));
    emit(op, kernel, op.outputs, outInfos, inputBuf);
  }
  // Liveness: a temporary lives from the step that writes it to the last step that binds it; fetched ones to the end.
  out.steps.forEach((s, i) => s.bufs.forEach((b) => {
    if (b !== null && (b.kind === 'temp' || b.kind === 'scratch')) b.last = Math.max(b.last, i);
  }));
  for (const t of plan.fetches) {
    const v = host.get(t);
    if (v !== undefined) { out.fetches.push({ host: v }); continue; }
    const buf = bufOf.get(t);
    const i = info.get(t);
    if (buf === undefined || i === undefined) throw new InternalError(`Fetch '${t.name}' was not computed`);
    if (buf.kind === 'temp') buf.last = Infinity;
    out.fetches.push({ buf, dtype: t.dtype, shape: i.shape });
  }
  return out;
}

/** Values over the optimizer's folding limit stay device kernels (when the op has one). */
function tooLargeToFold(op: Operation, inputs: Info[], host: Map<Tensor, NDArray>): boolean {
  if (getOpDef(op.type)?.gpu === undefined) return false;
  try {
    return concreteOutputs(op, inputs, host).some((o) => sizeOf(o.shape) * 4 > DEFAULT_FOLD_LIMIT);
  } catch {
    return false;
  }
}

/** A plain copy of `size` 32-bit words (binding 0 to binding 1). */
function copyDispatch(size: number): GpuDispatch {
  const g = grid(size);
  return {
    code: `${binding(0, 'x', 'u32')}
${binding(1, 'y', 'u32', true)}
@compute @workgroup_size(${WG}) fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = ${g.flatIndex};
  if (i < ${size}u) { y[i] = x[i]; }
}`,
    bindings: [{ input: 0 }, { output: 0 }],
    workgroups: g.workgroups,
  };
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Bytes of a GPU tensor of `size` elements: 4 per element, at least 4 (WebGPU has no empty bindings). */
export function gpuBytes(size: number): number { return Math.max(4, size * 4); }

function concreteOutputs(op: Operation, inputs: Info[], host: Map<Tensor, NDArray>): Info[] {
  const def = getOpDef(op.type)!;
  // Its declared shape may be less specific than the value it passes on.
  if (op.type === 'PlaceholderWithDefault') return [inputs[0]];
  const fakes = op.inputs.map((t, i) => new Tensor(t.op, t.index, inputs[i].dtype, inputs[i].shape));
  const ctx: ShapeContext = {
    name: op.name,
    type: op.type,
    inputs: fakes,
    attrs: op.attrs,
    constValue: (i) => host.get(op.inputs[i]) ?? null,
    constShape: (i) => {
      const v = host.get(op.inputs[i]);
      if (v !== undefined) return v.rank === 1 ? Array.from(v.data) : null;
      const s = inputs[i].shape;
      return s.length === 1 ? new Array<Dim>(s[0]).fill(null) : null;
    },
    fail: (m) => { throw new InvalidArgumentError(`${op.type} node '${op.name}': ${m}`); },
  };
  return def.shape(ctx).map((o, i) => {
    if (!isFullyDefined(o.shape)) {
      throw new UnimplementedError(`The shape of '${op.outputs[i].name}' (${op.type}) is ${formatShape(o.shape)} for the fed shapes: it depends on values known only at run time, which the webgpu executor needs when it compiles the plan; use executor: 'cpu'`);
    }
    return { dtype: o.dtype, shape: o.shape };
  });
}

function shapeStandIn(x: Info): NDArray {
  return { dtype: x.dtype, shape: x.shape, rank: x.shape.length, size: sizeOf(x.shape) } as unknown as NDArray;
}

function hostKernelContext(op: Operation): KernelContext {
  const none = (): never => { throw new InternalError(`'${op.name}' touched a variable while being folded`); };
  return { name: op.name, readVariable: none, writeVariable: none, refName: none, state: none };
}

function gpuKernelContext(op: Operation, inputs: Info[], outputs: Info[], host: Map<Tensor, NDArray>, opState: Map<string, unknown>): GpuKernelContext {
  const g = (x: Info): GpuTensor => ({ dtype: x.dtype, shape: x.shape, size: sizeOf(x.shape) });
  return {
    name: op.name,
    type: op.type,
    attrs: op.attrs,
    inputs: inputs.map(g),
    outputs: outputs.map(g),
    constValue: (i) => host.get(op.inputs[i]) ?? null,
    requireConst: (i, what) => {
      const v = host.get(op.inputs[i]);
      if (v === undefined) {
        throw new UnimplementedError(`${op.type} node '${op.name}': ${what} ('${op.inputs[i].name}') must be known when the plan is compiled on the webgpu executor (a constant or computed from shapes), but it depends on a fed or computed value`);
      }
      return v;
    },
    state: <T>(init: () => T): T => {
      if (!opState.has(op.name)) opState.set(op.name, init());
      return opState.get(op.name) as T;
    },
    fail: (m) => { throw new InvalidArgumentError(`${op.type} node '${op.name}': ${m}`); },
  };
}
