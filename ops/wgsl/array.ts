// The GPU kernels of the array ops (declared in ops/array.ts). Every one is data movement written as index math: one
// thread per element it writes, the element's coordinates turned into a flat source index with the shapes and
// strides baked into the shader text, so the WGSL compiler folds the constants. A handful of generic templates cover
// every op: an affine gather (Transpose, Slice, StridedSlice, Tile), a join (ConcatV2, Pack), a split (Unpack), a
// gather through an index tensor (GatherV2), OneHot, and a fill (Fill, ZerosLike, OnesLike, Range).
//
// Where a tensor's innermost run is a multiple of 4 elements, the kernels move vec4s: one thread per 4 elements, 2-3x
// faster on llvmpipe (as for Assign and the fused elementwise kernels).
import type { DType } from '../../graph/dtypes.js';
import { stridesOf } from '../../graph/shape.js';
import { binding, GpuBinding, GpuDispatch, GpuKernel, GpuKernelContext, grid, literal, Params, WG, wgslType } from '../gpu.js';

/** At most 8 storage bindings per dispatch: 7 for one side of a join or split, 1 for the other. */
const MAX_PARTS = 7;

const u = (n: number): string => `${n}u`;

/**
 * The `main` of a 1-D kernel over `count` threads: `i` is the thread's index, threads past the end return. With `p`,
 * the count is a uniform parameter too.
 */
function main1d(count: number, body: string, p?: Params): { code: string; workgroups: [number, number, number] } {
  const g = grid(count);
  return {
    workgroups: g.workgroups,
    code: `@compute @workgroup_size(${WG}) fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = ${g.flatIndex};
  if (i >= ${p === undefined ? u(count) : p.u('count', count)}) { return; }
  ${body}
}`,
  };
}

/** A 1-D dispatch; `p`: the sizes `body` reads from uniform parameters (their binding goes after `bindings`). */
export function dispatch(decls: string[], count: number, body: string, bindings: GpuBinding[], p?: Params): GpuDispatch {
  const m = main1d(count, body, p);
  if (p === undefined) return { code: `${decls.join('\n')}\n${m.code}`, bindings, workgroups: m.workgroups };
  const all = [...bindings];
  const d = [...decls];
  p.addTo(d, all);
  return { code: `${d.join('\n')}\n${m.code}`, bindings: all, workgroups: m.workgroups };
}

/** A storage element type: the dtype's WGSL type, or a vec4 of it. */
function elemType(dtype: DType, vec4: boolean): string {
  const t = wgslType(dtype);
  return vec4 ? `vec4<${t}>` : t;
}

/** A compile-time scalar as a WGSL literal, or null (unknown, or an int64 outside int32 whose upload must refuse it). */
function scalarLiteral(k: GpuKernelContext, i: number): string | null {
  const v = k.constValue(i);
  const x = k.inputs[i];
  if (v === null || v.size !== 1 || (x.dtype === 'int64' && (v.data[0] | 0) !== v.data[0])) return null;
  return literal(v.data[0], x.dtype);
}

// ---- the affine gather --------------------------------------------------------------------------------------------

/**
 * One axis of a copy's thread space (row-major, the output's order): `n` positions, each moving the source index by
 * `stride` elements (negative for a reversed axis, 0 for a broadcast one). With `mod`, the source coordinate is the
 * thread coordinate modulo `mod` (Tile; `mod` divides `n`).
 */
export interface CopyAxis { n: number; stride: number; mod?: number }

/** Drops axes of 1 and merges neighbours that walk the source contiguously, so the shader does fewer divisions. */
export function simplifyAxes(axes: readonly CopyAxis[]): CopyAxis[] {
  const out: CopyAxis[] = [];
  for (const a0 of axes) {
    const a: CopyAxis = a0.mod === 1 ? { n: a0.n, stride: 0 } : a0.mod !== undefined && a0.mod >= a0.n ? { n: a0.n, stride: a0.stride } : { ...a0 };
    if (a.n === 1) continue;
    const prev = out[out.length - 1];
    if (prev !== undefined && prev.mod === undefined && a.mod === undefined && prev.stride === a.stride * a.n) {
      prev.n *= a.n;
      prev.stride = a.stride;
      continue;
    }
    out.push(a);
  }
  return out;
}

/** WGSL for `offset + sum(coord_d * stride_d)` of thread `idx` (u32 arithmetic: it wraps, so negative steps are exact). */
function sourceIndex(idx: string, axes: readonly CopyAxis[], offset: number): string {
  const threadStrides = stridesOf(axes.map((a) => a.n));
  const terms: string[] = [];
  axes.forEach((a, d) => {
    if (a.stride === 0 || a.n === 1) return;
    const q = threadStrides[d] === 1 ? idx : `(${idx} / ${u(threadStrides[d])})`;
    const m = a.mod ?? (d === 0 ? null : a.n);
    const coord = m === null ? q : `(${q} % ${u(m)})`;
    const mag = Math.abs(a.stride);
    terms.push(`${a.stride < 0 ? '-' : '+'} ${mag === 1 ? coord : `${coord} * ${u(mag)}`}`);
  });
  if (terms.length === 0) return u(offset);
  const first = terms[0].startsWith('+ ') && offset === 0 ? terms.shift()!.slice(2) : u(offset);
  return [first, ...terms].join(' ');
}

/**
 * out[i] = x[offset + sum(coord_d(i) * stride_d)] over the thread space `axes` (whose size is the output's). A copy
 * that takes the input as it is (an identity transpose, a full slice, multiples of 1) is an alias, not a dispatch.
 */
export function affineCopy(k: GpuKernelContext, input: number, axes0: readonly CopyAxis[], offset0: number): GpuKernel {
  const x = k.inputs[input];
  const out = k.outputs[0];
  if (out.size === 0) return { dispatches: [] };
  let axes = simplifyAxes(axes0);
  let offset = offset0;
  if (offset === 0 && out.size === x.size && (axes.length === 0 || (axes.length === 1 && axes[0].stride === 1 && axes[0].mod === undefined))) {
    return { dispatches: [], alias: { 0: input } };
  }
  const block = transposeBlocks(k, input, axes, offset);
  if (block !== null) return block;
  // vec4s when the innermost axis walks whole aligned vec4s, forwards (slices, concats of rows) or backwards (x[..., ::-1],
  // each vec4 read reversed).
  const last = axes[axes.length - 1];
  const others = (a: CopyAxis, d: number): boolean => d === axes.length - 1 || a.stride % 4 === 0;
  const forward = last !== undefined && last.stride === 1 && last.n % 4 === 0 && (last.mod === undefined || last.mod % 4 === 0)
    && offset % 4 === 0 && axes.every(others);
  const backward = last !== undefined && last.stride === -1 && last.n % 4 === 0 && last.mod === undefined && offset % 4 === 3
    && axes.every(others);
  if (forward || backward) {
    axes = simplifyAxes(axes.map((a, d) => (d === axes.length - 1
      ? { n: a.n / 4, stride: a.stride, mod: a.mod === undefined ? undefined : a.mod / 4 }
      : { n: a.n, stride: a.stride / 4, mod: a.mod })));
    offset = Math.floor(offset / 4);
  }
  const t = elemType(out.dtype, forward || backward);
  const count = forward || backward ? out.size / 4 : out.size;
  return {
    dispatches: [dispatch([binding(0, 'x', t), binding(1, 'y', t, true)], count, `y[i] = x[${sourceIndex('i', axes, offset)}]${backward ? '.wzyx' : ''};`,
      [{ input }, { output: 0 }])],
  };
}

/**
 * A copy whose innermost output axis L walks the input with a stride while another axis K walks it contiguously is a
 * (batched) 2-D transpose. When both have multiples of 4 positions (and every other step keeps vec4 alignment), each
 * thread moves a 4x4 block: 4 vec4 loads along K, 4 vec4 stores along L, transposed in registers. Reads and writes
 * are both whole vec4s, with no workgroup memory or barrier (which llvmpipe runs slowly). Null when it does not apply.
 */
function transposeBlocks(k: GpuKernelContext, input: number, axes: readonly CopyAxis[], offset: number): GpuKernel | null {
  const L = axes.length - 1;
  const K = axes.findIndex((a) => a.stride === 1);
  if (L < 1 || K < 0 || K === L || offset % 4 !== 0 || axes.some((a) => a.mod !== undefined)) return null;
  if (axes[K].n % 4 !== 0 || axes[L].n % 4 !== 0 || axes.some((a, d) => d !== K && a.stride % 4 !== 0) || axes[L].stride === 0) return null;
  const outStrides = stridesOf(axes.map((a) => a.n));
  // Thread space: the axes with K and L counted in blocks of 4. Source and destination indices in vec4s.
  const n = axes.map((a, d) => (d === K || d === L ? a.n / 4 : a.n));
  const src = axes.map((a, d) => ({ n: n[d], stride: d === K ? 1 : d === L ? a.stride : a.stride / 4 }));
  const dst = axes.map((a, d) => ({ n: n[d], stride: d === L ? 1 : d === K ? outStrides[d] : outStrides[d] / 4 }));
  const rowIn = axes[L].stride / 4, rowOut = outStrides[K] / 4;
  const t = elemType(k.outputs[0].dtype, true);
  const count = k.outputs[0].size / 16;
  const plus = (e: string, m: number): string => (m === 0 ? e : `${e} + ${u(m)}`);
  const body = `let s = ${sourceIndex('i', src, offset / 4)};
  let d = ${sourceIndex('i', dst, 0)};
  let r0 = x[s]; let r1 = x[${plus('s', rowIn)}]; let r2 = x[${plus('s', 2 * rowIn)}]; let r3 = x[${plus('s', 3 * rowIn)}];
  ${['x', 'y', 'z', 'w'].map((c, p) => `y[${plus('d', p * rowOut)}] = ${t}(r0.${c}, r1.${c}, r2.${c}, r3.${c});`).join('\n  ')}`;
  return { dispatches: [dispatch([binding(0, 'x', t), binding(1, 'y', t, true)], count, body, [{ input }, { output: 0 }])] };
}

// ---- join and split -------------------------------------------------------------------------------------------------

/**
 * ConcatV2 and Pack: every input seen as [outer, width_k] rows, the output as [outer, sum(width_k)]. One thread per
 * output element, at most 7 inputs per dispatch (each dispatch writes its band of columns): one dispatch up to 7
 * inputs, and any number of inputs within the 8 storage bindings a dispatch may have.
 */
export function joinKernel(k: GpuKernelContext, inputs: readonly number[], outer: number, widths: readonly number[]): GpuKernel {
  const out = k.outputs[0];
  if (out.size === 0) return { dispatches: [] };
  const total = widths.reduce((a, b) => a + b, 0);
  const parts = inputs.map((input, j) => ({ input, width: widths[j], start: 0 }));
  let s = 0;
  for (const p of parts) { p.start = s; s += p.width; }
  const live = parts.filter((p) => p.width > 0);
  if (live.length === 1) return affineCopy(k, live[0].input, [{ n: outer * live[0].width, stride: 1 }], 0);
  const vec4 = live.every((p) => p.width % 4 === 0);
  const v = vec4 ? 4 : 1;
  const t = elemType(out.dtype, vec4);
  const dispatches: GpuDispatch[] = [];
  for (let g = 0; g < live.length; g += MAX_PARTS) {
    const group = live.slice(g, g + MAX_PARTS);
    const start = group[0].start / v;
    const band = group.reduce((a, p) => a + p.width, 0) / v;
    const decls = group.map((_, j) => binding(j, `x${j}`, t));
    decls.push(binding(group.length, 'y', t, true));
    const bindings: GpuBinding[] = [...group.map((p) => ({ input: p.input })), { output: 0 }];
    // Thread (o, j) of the band [start, start + band): j picks the input by its column range.
    const head = outer === 1 ? 'let j = i;' : `let o = i / ${u(band)};\n  let j = i % ${u(band)};`;
    let col = 0;
    const branches = group.map((p, j) => {
      const w = p.width / v;
      const rel = col === 0 ? 'j' : `j - ${u(col)}`;
      const src = outer === 1 ? rel : `o * ${u(w)} + ${rel}`;
      col += w;
      const stmt = `y[d] = x${j}[${src}];`;
      if (j === group.length - 1) return j === 0 ? stmt : `{ ${stmt} }`;
      return `if (j < ${u(col)}) { ${stmt} }`;
    });
    const body = `${head}
  let d = ${outer === 1 ? '' : `o * ${u(total / v)} + `}${u(start)} + j;
  ${branches.join(' else ')}`;
    dispatches.push(dispatch(decls, outer * band, body, bindings));
  }
  return { dispatches };
}

/** Unpack: the input seen as [outer, num, inner]; output k is [outer, inner]. Each thread writes one element of up to 7 outputs. */
export function splitKernel(k: GpuKernelContext, outer: number, num: number, inner: number): GpuKernel {
  const x = k.inputs[0];
  if (outer * inner === 0) return { dispatches: [] };
  if (num === 1) return { dispatches: [], alias: { 0: 0 } };
  const vec4 = inner % 4 === 0;
  const v = vec4 ? 4 : 1;
  const t = elemType(x.dtype, vec4);
  const w = inner / v;
  const dispatches: GpuDispatch[] = [];
  for (let g = 0; g < num; g += MAX_PARTS) {
    const ks = Array.from({ length: Math.min(MAX_PARTS, num - g) }, (_, j) => g + j);
    const decls = [binding(0, 'x', t), ...ks.map((_, j) => binding(j + 1, `y${j}`, t, true))];
    const bindings: GpuBinding[] = [{ input: 0 }, ...ks.map((o) => ({ output: o }))];
    const base = outer === 1 ? 'i' : w === 1 ? `i * ${u(num)}` : `(i / ${u(w)}) * ${u(num * w)} + i % ${u(w)}`;
    const body = `let b = ${base};\n  ${ks.map((o, j) => `y${j}[i] = x[b + ${u(o * w)}];`).join('\n  ')}`;
    dispatches.push(dispatch(decls, outer * w, body, bindings));
  }
  return { dispatches };
}

// ---- GatherV2 -----------------------------------------------------------------------------------------------------

/**
 * GatherV2: params seen as [batch, outer, limit, inner], indices as [batch, n], the output as [batch, outer, n, inner].
 * One thread per output element (vec4 when inner allows), and besides, thread i < indices.size checks index i once.
 * A bad index sets status word 0; the first thread to take the lock (word 3) stores its position and value (words 1,
 * 2), so the message names a real bad index and its value, not necessarily the first in row-major order as the CPU
 * kernel's does. A bad index reads element 0 instead; the run fails anyway.
 */
export function gatherKernel(k: GpuKernelContext, b: number, axis: number): GpuKernel {
  const [p, ind] = k.inputs;
  const out = k.outputs[0];
  const prod = (s: readonly number[]): number => s.reduce((a, d) => a * d, 1);
  const batch = prod(p.shape.slice(0, b));
  const outer = prod(p.shape.slice(b, axis));
  const limit = p.shape[axis];
  const inner = prod(p.shape.slice(axis + 1));
  const n = prod(ind.shape.slice(b));
  const vec4 = inner % 4 === 0 && inner > 0;
  const v = vec4 ? 4 : 1;
  const w = inner / v;
  const t = elemType(p.dtype, vec4);
  const count = Math.max(out.size / v, ind.size);
  if (count === 0) return { dispatches: [] };
  // (An empty output still checks its indices, with a shader that binds only them: 'auto' layouts drop unused bindings.)
  const decls = [binding(0, 'indices', 'i32'), '@group(0) @binding(1) var<storage, read_write> status: array<atomic<u32>>;'];
  const bindings: GpuBinding[] = [{ input: 1 }, { status: true }];
  if (out.size > 0) {
    decls.push(binding(2, 'params', t), binding(3, 'y', t, true));
    bindings.push({ input: 0 }, { output: 0 });
  }
  // Output coordinates (bi, o, j, r) of thread i; only the dims that are not 1 cost a division.
  const coord = (name: string, stride: number, size: number, isFirst: boolean): string => {
    if (size === 1) return `let ${name} = 0u;`;
    const q = stride === 1 ? 'i' : `i / ${u(stride)}`;
    return `let ${name} = ${isFirst ? q : `${q} % ${u(size)}`};`;
  };
  // Each part in its own block (both name a `k`), guarded when it has fewer threads than the dispatch.
  const within = (n: number, body: string): string => `${n === count ? '' : `if (i < ${u(n)}) `}{\n    ${body}\n  }`;
  const gatherBody = out.size === 0 ? '' : within(out.size / v, `${coord('r', 1, w, false)}
    ${coord('j', w, n, false)}
    ${coord('o', w * n, outer, false)}
    ${coord('bi', w * n * outer, batch, true)}
    let k = indices[bi * ${u(n)} + j];
    let src = select(0u, ((bi * ${u(outer)} + o) * ${u(limit)} + u32(k)) * ${u(w)} + r, k >= 0 && k < ${limit}i);
    y[i] = params[src];`);
  const body = `${within(ind.size, `let k = indices[i];
    if (k < 0 || k >= ${limit}i) {
      if (atomicExchange(&status[3], 1u) == 0u) {
        atomicStore(&status[1], i);
        atomicStore(&status[2], bitcast<u32>(k));
      }
      atomicStore(&status[0], 1u);
    }`)}
  ${gatherBody}`;
  const indStrides = stridesOf(ind.shape);
  return {
    dispatches: [dispatch(decls, count, body, bindings)],
    check: (_code, words) => {
      const pos = indStrides.map((s, d) => Math.floor(words[1] / s) % ind.shape[d]);
      return `GatherV2 node '${k.name}': indices[${pos.join(',')}] = ${words[2] | 0} is not in [0, ${limit})`;
    },
  };
}

// ---- OneHot, Fill, Range ------------------------------------------------------------------------------------------

/** OneHot: the output seen as [outer, depth, inner], the indices as [outer, inner]; on/off are literals when known. */
export function oneHotKernel(k: GpuKernelContext, outer: number, depth: number, inner: number): GpuKernel {
  const out = k.outputs[0];
  if (out.size === 0) return { dispatches: [] };
  const t = wgslType(out.dtype);
  const decls = [binding(0, 'indices', 'i32'), binding(1, 'y', t, true)];
  const bindings: GpuBinding[] = [{ input: 0 }, { output: 0 }];
  const value = (i: number, name: string): string => {
    const lit = scalarLiteral(k, i);
    if (lit !== null) return lit;
    decls.push(binding(bindings.length, name, t));
    bindings.push({ input: i });
    return `${name}[0]`;
  };
  const on = value(2, 'on'), off = value(3, 'off');
  const body = `let r = ${inner === 1 ? '0u' : `i % ${u(inner)}`};
  let j = ${inner === 1 ? 'i' : `i / ${u(inner)}`} % ${u(depth)};
  let o = i / ${u(depth * inner)};
  y[i] = select(${off}, ${on}, indices[o * ${u(inner)} + r] == i32(j));`;
  return { dispatches: [dispatch(decls, out.size, body, bindings)] };
}

/** Every output element set to one value: a WGSL literal, or element 0 of input `input` (computed on the GPU). */
export function fillKernel(k: GpuKernelContext, value: { literal: string } | { input: number }): GpuKernel {
  const out = k.outputs[0];
  if (out.size === 0) return { dispatches: [] };
  const t = wgslType(out.dtype);
  const vec4 = out.size % 4 === 0;
  const decls = [binding(0, 'y', elemType(out.dtype, vec4), true)];
  const bindings: GpuBinding[] = [{ output: 0 }];
  let v: string;
  if ('literal' in value) {
    v = value.literal;
  } else {
    decls.push(binding(1, 'v', t));
    bindings.push({ input: value.input });
    v = 'v[0]';
  }
  return { dispatches: [dispatch(decls, vec4 ? out.size / 4 : out.size, `y[i] = ${vec4 ? `vec4<${t}>(${v})` : v};`, bindings)] };
}

/** Fill's value: a literal when known at compile time, else read from its buffer. */
export function fillValue(k: GpuKernelContext, i: number): { literal: string } | { input: number } {
  const lit = scalarLiteral(k, i);
  return lit !== null ? { literal: lit } : { input: i };
}

/** Range from start and delta computed on the GPU: start + i * delta (TF's GPU kernel's formula; the CPU accumulates). */
export function rangeKernel(k: GpuKernelContext): GpuKernel {
  const out = k.outputs[0];
  if (out.size === 0) return { dispatches: [] };
  const t = wgslType(out.dtype);
  const decls = [binding(0, 'start', t), binding(1, 'delta', t), binding(2, 'y', t, true)];
  return { dispatches: [dispatch(decls, out.size, `y[i] = start[0] + ${t}(i) * delta[0];`, [{ input: 0 }, { input: 2 }, { output: 0 }])] };
}

// ---- PadV2, MirrorPad, MirrorPadGrad, Split, SplitV, InvertPermutation, LinSpace ----------------------------------

/**
 * PadV2 and MirrorPad: one thread per output element; along each dim d the coordinate minus `before_d` is the source
 * coordinate r, and where r falls outside [0, n_d): the constant value (CONSTANT), or r reflected about the edge
 * without repeating it (REFLECT: -r, 2(n - 1) - r) or repeating it (SYMMETRIC: -r - 1, 2n - 1 - r).
 */
export function padKernel(k: GpuKernelContext, before: readonly number[], mode: 'CONSTANT' | 'REFLECT' | 'SYMMETRIC', value?: { literal: string } | { input: number }): GpuKernel {
  const x = k.inputs[0];
  const out = k.outputs[0];
  if (out.size === 0) return { dispatches: [] };
  if (x.size === 0) return fillKernel(k, value ?? { literal: literal(0, out.dtype) });
  const t = wgslType(out.dtype);
  const outStrides = stridesOf(out.shape);
  const inStrides = stridesOf(x.shape);
  const decls = [binding(0, 'x', t), binding(1, 'y', t, true)];
  const bindings: GpuBinding[] = [{ input: 0 }, { output: 0 }];
  const lines: string[] = [];
  const inside: string[] = [];
  const terms: string[] = [];
  // Sizes, strides and paddings are uniform parameters: the pads of a model share a pipeline per rank and mode.
  const p = new Params();
  out.shape.forEach((size, d) => {
    const n = x.shape[d];
    if (size === 1 && n === 1) return;
    const q = outStrides[d] === 1 ? 'i' : `(i / ${p.u(`os${d}`, outStrides[d])})`;
    lines.push(`var r${d} = i32(${d === 0 ? q : `${q} % ${p.u(`n${d}`, size)}`}) - ${p.i(`b${d}`, before[d])};`);
    if (mode === 'CONSTANT') {
      inside.push(`r${d} >= 0`, `r${d} < ${p.i(`x${d}`, n)}`);
    } else {
      const off = mode === 'REFLECT' ? 0 : 1;
      lines.push(`if (r${d} < 0) { r${d} = -r${d} - ${off}i; } else if (r${d} >= ${p.i(`x${d}`, n)}) { r${d} = ${p.i(`m${d}`, 2 * n - 2 + off)} - r${d}; }`);
    }
    terms.push(inStrides[d] === 1 ? `u32(r${d})` : `u32(r${d}) * ${p.u(`is${d}`, inStrides[d])}`);
  });
  const src = terms.length === 0 ? '0u' : terms.join(' + ');
  let store: string;
  if (mode === 'CONSTANT') {
    let v: string;
    if (value !== undefined && 'literal' in value) {
      v = value.literal;
    } else {
      decls.push(binding(2, 'cv', t));
      bindings.push({ input: value?.input ?? 2 });
      v = 'cv[0]';
    }
    store = inside.length === 0 ? `y[i] = x[${src}];` : `if (${inside.join(' && ')}) { y[i] = x[${src}]; } else { y[i] = ${v}; }`;
  } else {
    store = `y[i] = x[${src}];`;
  }
  return { dispatches: [dispatch(decls, out.size, `${lines.join('\n  ')}\n  ${store}`, bindings, p)] };
}

/**
 * MirrorPadGrad: output element j (per dim) sums the input (padded) elements that MirrorPad copied from it: its own
 * position j + before, and at most one mirror in each padding. One thread per output element loops over the (at most
 * 3 per padded dim) combinations.
 */
export function mirrorPadGradKernel(k: GpuKernelContext, pads: readonly number[], mode: 'REFLECT' | 'SYMMETRIC'): GpuKernel {
  const x = k.inputs[0];
  const out = k.outputs[0];
  if (out.size === 0) return { dispatches: [] };
  const t = wgslType(out.dtype);
  const outStrides = stridesOf(out.shape);
  const inStrides = stridesOf(x.shape);
  const fns: string[] = [];
  const head: string[] = [];
  const open: string[] = [];
  const terms: string[] = [];
  out.shape.forEach((n, d) => {
    const b = pads[2 * d], a = pads[2 * d + 1];
    const q = outStrides[d] === 1 ? 'i' : `(i / ${u(outStrides[d])})`;
    head.push(`let j${d} = i32(${d === 0 ? q : `${q} % ${u(n)}`});`);
    const left = mode === 'REFLECT' ? `select(-1, ${b}i - j, j >= 1 && j <= ${b}i)` : `select(-1, ${b - 1}i - j, j < ${b}i)`;
    const r = mode === 'REFLECT' ? `${2 * n - 2}i - j` : `${2 * n - 1}i - j`;
    const right = `select(-1, ${r} + ${b}i, ${r} >= ${n}i && ${r} < ${n + a}i)`;
    fns.push(`fn cand${d}(j: i32, a: u32) -> i32 {
  if (a == 0u) { return j + ${b}i; }
  if (a == 1u) { return ${left}; }
  return ${right};
}`);
    const count = b === 0 && a === 0 ? 1 : 3;
    open.push(`for (var a${d} = 0u; a${d} < ${u(count)}; a${d}++) {
    let p${d} = cand${d}(j${d}, a${d});
    if (p${d} < 0) { continue; }`);
    terms.push(inStrides[d] === 1 ? `u32(p${d})` : `u32(p${d}) * ${u(inStrides[d])}`);
  });
  const zero = literal(0, out.dtype);
  const body = `${head.join('\n  ')}
  var acc = ${zero};
  ${open.join('\n  ')}
  acc += x[${terms.length === 0 ? '0u' : terms.join(' + ')}];
  ${open.map(() => '}').join(' ')}
  y[i] = acc;`;
  const decls = [binding(0, 'x', t), binding(1, 'y', t, true), ...fns];
  return { dispatches: [dispatch(decls, out.size, body, [{ input: 0 }, { output: 0 }])] };
}

/**
 * Split and SplitV: the input seen as [outer, total] rows, output k is the band of `widths[k]` columns starting at
 * `starts[k]`. One dispatch (a copy) per non-empty output.
 */
export function columnsKernel(k: GpuKernelContext, input: number, outer: number, total: number, starts: readonly number[], widths: readonly number[]): GpuKernel {
  const x = k.inputs[input];
  if (widths.length === 1 && widths[0] === total) return { dispatches: [], alias: { 0: input } };
  const vec4 = total % 4 === 0 && widths.every((w, j) => w % 4 === 0 && starts[j] % 4 === 0);
  const v = vec4 ? 4 : 1;
  const t = elemType(x.dtype, vec4);
  const dispatches: GpuDispatch[] = [];
  widths.forEach((w0, j) => {
    if (outer * w0 === 0) return;
    const w = w0 / v, s = starts[j] / v, tot = total / v;
    const src = outer === 1 ? (s === 0 ? 'i' : `i + ${u(s)}`) : `(i / ${u(w)}) * ${u(tot)} + ${u(s)} + i % ${u(w)}`;
    dispatches.push(dispatch([binding(0, 'x', t), binding(1, 'y', t, true)], outer * w, `y[i] = x[${src}];`, [{ input }, { output: j }]));
  });
  return { dispatches };
}

/**
 * InvertPermutation: y[x[i]] = i, in three passes: y = -1, the scatter (an x[i] outside [0, n) sets status 1), then
 * any y[j] still -1 means a value was duplicated (status 2).
 */
export function invertPermutationKernel(k: GpuKernelContext): GpuKernel {
  const n = k.inputs[0].size;
  if (n === 0) return { dispatches: [] };
  const decls = [binding(0, 'x', 'i32'), binding(1, 'y', 'i32', true), binding(2, 'status', 'u32', true)];
  const bindings: GpuBinding[] = [{ input: 0 }, { output: 0 }, { status: true }];
  const yOnly = [binding(0, 'y', 'i32', true)];
  return {
    dispatches: [
      dispatch(yOnly, n, 'y[i] = -1;', [{ output: 0 }]),
      dispatch(decls, n, `let v = x[i];\n  if (v < 0 || v >= ${n}i) { status[0] = 1u; } else { y[v] = i32(i); }`, bindings),
      dispatch([binding(0, 'y', 'i32'), binding(1, 'status', 'u32', true)], n, 'if (y[i] < 0 && status[0] == 0u) { status[0] = 2u; }', [{ output: 0 }, { status: true }]),
    ],
    check: (code) => `InvertPermutation node '${k.name}': ${code === 1 ? `a value of x is not in [0, ${n})` : 'x is not a valid permutation: a value is duplicated'}`,
  };
}

/** LinSpace: start + i * step with step = (stop - start) / (num - 1), the last value exactly stop (TF's CPU kernel). */
export function linSpaceKernel(k: GpuKernelContext): GpuKernel {
  const out = k.outputs[0];
  const num = out.size;
  if (num === 0) return { dispatches: [] };
  const decls = [binding(0, 'y', 'f32', true)];
  const bindings: GpuBinding[] = [{ output: 0 }];
  const value = (i: number, name: string): string => {
    const lit = scalarLiteral(k, i);
    if (lit !== null) return lit;
    decls.push(binding(bindings.length, name, 'f32'));
    bindings.push({ input: i });
    return `${name}[0]`;
  };
  const start = value(0, 'start');
  // (A binding the shader does not use would be dropped from its layout: stop is bound only when read.)
  const body = num === 1 ? `y[i] = ${start};` : `let stop = ${value(1, 'stop')};
  let step = (stop - ${start}) / ${literal(num - 1, 'float32')};
  y[i] = select(${start} + step * f32(i), stop, i == ${u(num - 1)});`;
  return { dispatches: [dispatch(decls, num, body, bindings)] };
}
