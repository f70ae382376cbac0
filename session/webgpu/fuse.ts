// Elementwise fusion, done while a plan is lowered for the GPU: a chain of elementwise ops (`relu(x * a + b) * c - d`)
// becomes one shader that reads each leaf once and writes only the chain's last value, instead of one dispatch and one
// full-size intermediate per op. On this device a dispatch costs about 0.05 ms and every intermediate a full round
// trip through memory, so this is the largest single win for small graphs and for memory-bound ones alike.
//
// Why here and not as a graph pass in optimizer/ (DESIGN.md puts fusion there): fusing needs the concrete shapes of
// a plan (only equal-shaped intermediates are folded in) and produces a shader, not a graph node TensorFlow knows.
import type { DType } from '../../graph/dtypes.js';
import type { NDArray } from '../../graph/ndarray.js';
import type { Operation, Tensor } from '../../graph/tensor.js';
import { elementwisePrelude } from '../../ops/elementwise.js';
import { binding, broadcastIndexParams, GpuKernel, grid, literal, Params, wgslType, WType } from '../../ops/gpu.js';

/** A value computed by a fused chain that is not written anywhere yet. */
export interface Pending {
  tensor: Tensor;
  dtype: DType;
  shape: number[];
  /** Tensors read from memory, each once; index = position here. */
  leaves: Tensor[];
  leafShapes: number[][];
  /** `let` statements in order; the last defines `result`. */
  lets: string[];
  result: string;
  ops: Operation[];
}

/** Storage bindings a fused shader may use besides its output (compatibility mode allows 8 in all). */
export const MAX_LEAVES = 7;

let nextLet = 0;

/** One input of an elementwise op being added to a chain. */
export interface ChainInput {
  tensor: Tensor;
  shape: number[];
  /** The pending chain that computes this input, when it is folded in (its only reader, same shape). */
  absorb: Pending | null;
  /** The value, when it is a scalar known at compile time: baked in as a literal. */
  scalar: NDArray | null;
}

/**
 * The pending value of elementwise `op` (output shape `shape`). Leaves are written `@L<tensor id>@` in the lets until
 * the kernel is made, so chains merge without renaming and a leaf shared by both sides is read once.
 */
export function extendChain(op: Operation, expr: (vals: string[], t: WType) => string, shape: number[], inputs: ChainInput[]): Pending {
  const leaves: Tensor[] = [];
  const leafShapes: number[][] = [];
  const lets: string[] = [];
  const ops: Operation[] = [];
  const addLeaf = (t: Tensor, s: number[]): void => { if (!leaves.includes(t)) { leaves.push(t); leafShapes.push(s); } };
  const vals = inputs.map((x) => {
    if (x.absorb !== null) {
      x.absorb.leaves.forEach((t, j) => addLeaf(t, x.absorb!.leafShapes[j]));
      for (const l of x.absorb.lets) if (!lets.includes(l)) lets.push(l);
      ops.push(...x.absorb.ops.filter((o) => !ops.includes(o)));
      return x.absorb.result;
    }
    if (x.scalar !== null && x.scalar.size === 1 && isInt32Safe(x.scalar)) return literal(x.scalar.data[0], x.tensor.dtype);
    addLeaf(x.tensor, x.shape);
    return `@L${x.tensor.id}@`;
  });
  const result = `t${nextLet++}`;
  lets.push(`let ${result} = ${expr(vals, wgslType(inputs[0].tensor.dtype))};`);
  ops.push(op);
  return { tensor: op.outputs[0], dtype: op.outputs[0].dtype, shape, leaves, leafShapes, lets, result, ops };
}

/** An int64 scalar outside the int32 range stays a leaf, whose upload refuses it by name. */
function isInt32Safe(v: NDArray): boolean { return v.dtype !== 'int64' || (v.data[0] | 0) === v.data[0]; }

/** The leaves `inputs` would have together: a chain may not outgrow the storage bindings a shader can have. */
export function leafCount(inputs: ChainInput[]): number {
  const set = new Set<Tensor>();
  for (const x of inputs) {
    if (x.absorb !== null) x.absorb.leaves.forEach((t) => set.add(t));
    else if (!(x.scalar !== null && x.scalar.size === 1 && isInt32Safe(x.scalar))) set.add(x.tensor);
  }
  return set.size;
}

/**
 * One thread per element of the chain's output, or per four elements when the last dim is a multiple of 4: then every
 * leaf is read as a vec4 (or one scalar it broadcasts) and the lets are evaluated lane by lane. On llvmpipe, measured
 * on `relu(x*1.5 + 0.25)*2 - 0.5` over 4M floats: 11-14 ms one element per thread (workgroup 128; 23-35 ms with 64),
 * 4.2-4.6 ms with vec4 memory access. The expressions stay scalar: WGSL builtins do not mix vectors and scalars.
 */
export function chainKernel(p: Pending): GpuKernel {
  const size = p.shape.reduce((a, b) => a * b, 1);
  const last = p.shape.length > 0 ? p.shape[p.shape.length - 1] : 1;
  const vec = size > 0 && last % 4 === 0;
  const per = vec ? 4 : 1;
  const wg = 128;
  const g = grid(size / per, wg);
  const ids = p.leaves.map((t) => t.id);
  // Let names are renumbered from 0 so equal chains give equal shader text and share one pipeline.
  const names = new Map<string, string>();
  const scalarBody = p.lets.join('\n')
    .replace(/@L(\d+)@/g, (_, id: string) => `leaf${ids.indexOf(Number(id))}`)
    .replace(/\bt(\d+)\b/g, (m) => { if (!names.has(m)) names.set(m, `r${names.size}`); return names.get(m)!; });
  const result = names.get(p.result) ?? p.result;
  const outT = wgslType(p.dtype);
  // Sizes and broadcast strides come from uniform parameters, so equal chains on other shapes share the pipeline.
  const prm = new Params(size);
  const decls: string[] = [];
  const loads: string[] = [];
  let body: string;
  let store: string;
  if (!vec) {
    p.leaves.forEach((t, k) => {
      decls.push(binding(k, `in${k}`, wgslType(t.dtype)));
      loads.push(`let leaf${k} = in${k}[${broadcastIndexParams('i', p.leafShapes[k], p.shape, prm, `l${k}`)}];`);
    });
    body = scalarBody;
    store = `out0[i] = ${result};`;
  } else {
    const lanes = ['x', 'y', 'z', 'w'];
    p.leaves.forEach((t, k) => {
      const s = p.leafShapes[k];
      const lastDim = s.length > 0 ? s[s.length - 1] : 1;
      const idx = broadcastIndexParams('(i * 4u)', s, p.shape, prm, `l${k}`);
      if (lastDim === last) {
        // The four lanes are four consecutive elements of this leaf.
        decls.push(binding(k, `in${k}`, `vec4<${wgslType(t.dtype)}>`));
        loads.push(`let v${k} = in${k}[(${idx}) / 4u];`, ...lanes.map((c) => `let leaf${k}_${c} = v${k}.${c};`));
      } else {
        // Broadcast along the last dim: one element serves all four lanes.
        decls.push(binding(k, `in${k}`, wgslType(t.dtype)));
        loads.push(`let v${k} = in${k}[${idx}];`, ...lanes.map((c) => `let leaf${k}_${c} = v${k};`));
      }
    });
    body = lanes.map((c) => scalarBody.replace(/\b(leaf\d+|r\d+)\b/g, `$1_${c}`)).join('\n');
    store = `out0[i] = vec4<${outT}>(${lanes.map((c) => `${result}_${c}`).join(', ')});`;
  }
  decls.push(binding(p.leaves.length, 'out0', vec ? `vec4<${outT}>` : outT, true));
  const count = prm.u('n', size / per);
  decls.push(prm.decl(p.leaves.length + 1));
  const code = `${decls.join('\n')}
${elementwisePrelude(body)}
@compute @workgroup_size(${wg}) fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = ${g.flatIndex};
  if (i >= ${count}) { return; }
  ${[...loads, ...body.split('\n')].join('\n  ')}
  ${store}
}`;
  const bindings: GpuKernel['dispatches'][0]['bindings'] = p.leaves.map((_, k) => ({ input: k }));
  bindings.push({ output: 0 }, ...prm.bindings());
  return { dispatches: [{ code, bindings, workgroups: g.workgroups }] };
}
