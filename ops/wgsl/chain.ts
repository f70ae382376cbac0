// The WGSL kernel of a fused elementwise chain (`_KilnFusedElementwise`, built by optimizer/fusion.ts): one shader
// that reads each leaf once and writes only the chain's last value, instead of one dispatch and one full-size
// intermediate per op. On this device a dispatch costs about 0.05 ms and every intermediate a full round trip through
// memory, so this is the largest single win for small graphs and for memory-bound ones alike.
import type { DType } from '../../graph/dtypes.js';
import { elementwisePrelude } from '../elementwise.js';
import { binding, broadcastIndexParams, GpuKernel, grid, Params, wgslType } from '../gpu.js';

/** A chain as the kernel needs it. */
export interface Chain {
  dtype: DType;
  shape: readonly number[];
  /** The tensors read from memory, each once, broadcast to `shape`: leaf k is written `@L<k>@` in the lets. */
  leaves: ReadonlyArray<{ dtype: DType; shape: readonly number[] }>;
  /** `let t<j> = ...;` statements in order; `result` names the last. */
  lets: readonly string[];
  result: string;
}

/**
 * One thread per element of the chain's output, or per four elements when the last dim is a multiple of 4: then every
 * leaf is read as a vec4 (or one scalar it broadcasts) and the lets are evaluated lane by lane. On llvmpipe, measured
 * on `relu(x*1.5 + 0.25)*2 - 0.5` over 4M floats: 11-14 ms one element per thread (workgroup 128; 23-35 ms with 64),
 * 4.2-4.6 ms with vec4 memory access. The expressions stay scalar: WGSL builtins do not mix vectors and scalars.
 */
export function chainKernel(p: Chain): GpuKernel {
  const size = p.shape.reduce((a, b) => a * b, 1);
  const last = p.shape.length > 0 ? p.shape[p.shape.length - 1] : 1;
  const vec = size > 0 && last % 4 === 0;
  const per = vec ? 4 : 1;
  const wg = 128;
  const g = grid(size / per, wg);
  // Let names are renumbered from 0 so equal chains give equal shader text and share one pipeline.
  const names = new Map<string, string>();
  const scalarBody = p.lets.join('\n')
    .replace(/@L(\d+)@/g, (_, k: string) => `leaf${k}`)
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
      loads.push(`let leaf${k} = in${k}[${broadcastIndexParams('i', t.shape, p.shape, prm, `l${k}`)}];`);
    });
    body = scalarBody;
    store = `out0[i] = ${result};`;
  } else {
    const lanes = ['x', 'y', 'z', 'w'];
    p.leaves.forEach((t, k) => {
      const s = t.shape;
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
