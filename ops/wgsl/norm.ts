// The GPU kernels of FusedBatchNormV3 and FusedBatchNormGradV3 (declared in ops/norm.ts; V1 and V2 reuse them).
//
// Both reduce per channel over the other dims (N*H*W values, M below), then write one value per element. llvmpipe
// silently ends any loop after 65535 iterations of one invocation, and one invocation per channel would also leave
// most of the device idle, so the reduction is split: a partial pass with an invocation per (chunk of CHUNK values,
// channel), then a combine pass with an invocation per channel looping over the chunks (at most MAX_CHUNKS), then an
// elementwise pass. Adjacent invocations of the partial pass take adjacent channels, which are adjacent in memory for
// NHWC. The forward pass combines (count, mean, sum of squared deviations) triples with Chan et al.'s formula, so the
// variance never comes from a difference of large sums (float32 would lose it to cancellation).
import { binding, GpuBinding, GpuDispatch, GpuKernel, GpuKernelContext, grid, literal, Params } from '../gpu.js';

/** Values per channel that one partial-pass invocation reduces (it loops over them twice: 2 * CHUNK < 65535). */
const CHUNK = 256;
/** Chunks a combine-pass invocation may loop over (llvmpipe's loop budget, above). */
const MAX_CHUNKS = 16384;
const WG = 128;

/** Where channel c's m-th value (m in [0, M)) lives, for x of the given 4-D shape and format. */
interface Layout { C: number; M: number; HW: number; nchw: boolean }

export function layoutOf(shape: readonly number[], format: string): Layout {
  const nchw = format === 'NCHW';
  const C = nchw ? shape[1] : shape[3];
  const HW = nchw ? shape[2] * shape[3] : shape[1] * shape[2];
  return { C, M: shape[0] * HW, HW, nchw };
}

/** WGSL: the flat address of value m of channel c (u32 expressions). */
function addr(l: Layout, m: string, c: string): string {
  return l.nchw ? `(${m} / ${l.HW}u) * ${l.C * l.HW}u + ${c} * ${l.HW}u + ${m} % ${l.HW}u` : `${m} * ${l.C}u + ${c}`;
}

/** WGSL: the channel of flat element index i (of vec4 i when `vec`: NHWC, C % 4 == 0), sizes from `p`. */
function channelOf(l: Layout, i: string, p: Params, vec: boolean): string {
  if (vec) return p.mod(i, 'c4', l.C / 4);
  return l.nchw ? `(${i} / ${p.u('hw', l.HW)}) % ${p.u('c', l.C)}` : `${i} % ${p.u('c', l.C)}`;
}

function chunking(M: number): { chunk: number; nc: number } {
  let chunk = CHUNK;
  while (Math.ceil(M / chunk) > MAX_CHUNKS) chunk *= 2;
  if (2 * chunk >= 65535) throw new Error('batch norm: too many values per channel for the GPU kernel');
  return { chunk, nc: Math.ceil(M / chunk) };
}

/** Declarations for a dispatch's bindings: [binding, WGSL name, read_write]; `vec`: those named are vec4<f32>. */
function decls(list: Array<[GpuBinding, string, boolean]>, vec: ReadonlySet<string> = new Set()): { bindings: GpuBinding[]; code: string } {
  return {
    bindings: list.map(([b]) => b),
    code: list.map(([, name, write], k) => binding(k, name, vec.has(name) ? 'vec4<f32>' : 'f32', write)).join('\n'),
  };
}

/**
 * The partial pass: invocation t = k * C + c reduces chunk k of channel c and writes `width` floats at part[t * width].
 * `body` runs per value with `e` (its address) in scope and accumulates; `finish` writes the results.
 */
function partialPass(l: Layout, ins: Array<[GpuBinding, string]>, width: number, chunk: number, nc: number, body: string, finish: string): GpuDispatch {
  const part: GpuBinding = { scratch: 0, bytes: nc * l.C * width * 4 };
  const { bindings, code: d } = decls([...ins.map(([b, n]): [GpuBinding, string, boolean] => [b, n, false]), [part, 'part', true]]);
  const g = grid(nc * l.C, WG);
  const code = `${d}
@compute @workgroup_size(${WG}) fn main(@builtin(global_invocation_id) gid: vec3u) {
  let t = ${g.flatIndex};
  if (t >= ${nc * l.C}u) { return; }
  let c = t % ${l.C}u;
  let m0 = (t / ${l.C}u) * ${chunk}u;
  let m1 = min(m0 + ${chunk}u, ${l.M}u);
  ${body}
  let p = t * ${width}u;
  ${finish}
}`;
  return { code, bindings, workgroups: g.workgroups };
}

/**
 * An elementwise pass over the `count` elements of x, with `c` the element's channel; sizes are uniform parameters, so
 * the batch norms of a model share a pipeline. With `vec` (the names of bindings read and written per channel: NHWC,
 * C % 4 == 0) a thread does four channels with vec4s, 2-3x faster on llvmpipe (as for BiasAdd).
 */
function elementPass(l: Layout, count: number, list: Array<[GpuBinding, string, boolean]>, body: string, vec: ReadonlySet<string> = new Set()): GpuDispatch {
  const { bindings, code: d } = decls(list, vec);
  const per = vec.size > 0 ? 4 : 1;
  const g = grid(count / per, WG);
  const p = new Params(count);
  const c = channelOf(l, 'i', p, vec.size > 0);
  const n = p.u('n', count / per);
  const code = `${d}
${p.decl(bindings.length)}
@compute @workgroup_size(${WG}) fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = ${g.flatIndex};
  if (i >= ${n}) { return; }
  let c = ${c};
  ${body}
}`;
  return { code, bindings: [...bindings, ...p.bindings()], workgroups: g.workgroups };
}

/**
 * FusedBatchNormV3. Inputs x, scale, offset, mean, variance; outputs y, batch_mean, batch_variance, reserve_space_1
 * (the batch mean), reserve_space_2 (the biased batch variance), reserve_space_3 (a scalar 0). Inference reads the
 * given mean and variance, and its statistics outputs are those inputs (aliases, no copy).
 */
export function fusedBatchNormGpu(k: GpuKernelContext): GpuKernel {
  const x = k.inputs[0];
  const l = layoutOf(x.shape, k.attrs.data_format as string);
  const eps = literal(k.attrs.epsilon as number, 'float32');
  const training = k.attrs.is_training as boolean;
  // FusedBatchNorm and FusedBatchNormV2 have no reserve_space_3 (output 5).
  const r3 = k.outputs.length > 5;
  const normalise = `out0[i] = (x[i] - mu[c]) * (scale[c] * inverseSqrt(v[c] + ${eps})) + offset[c];${r3 ? '\n  if (i == 0u) { out5[0] = 0.0; }' : ''}`;
  const out5: Array<[GpuBinding, string, boolean]> = r3 ? [[{ output: 5 }, 'out5', true]] : [];
  if (!training) {
    const vec = !l.nchw && l.C % 4 === 0 ? new Set(['x', 'scale', 'offset', 'mu', 'v', 'out0']) : undefined;
    const y = elementPass(l, x.size, [
      [{ input: 0 }, 'x', false], [{ input: 1 }, 'scale', false], [{ input: 2 }, 'offset', false],
      [{ input: 3 }, 'mu', false], [{ input: 4 }, 'v', false], [{ output: 0 }, 'out0', true], ...out5,
    ], normalise, vec);
    return { dispatches: [y], alias: { 1: 3, 2: 4, 3: 3, 4: 4 } };
  }
  const { chunk, nc } = chunking(l.M);
  const partial = partialPass(l, [[{ input: 0 }, 'x']], 2, chunk, nc, `var s = 0.0;
  for (var m = m0; m < m1; m++) { s += x[${addr(l, 'm', 'c')}]; }
  let mu = s / f32(m1 - m0);
  var q = 0.0;
  for (var m = m0; m < m1; m++) { let d = x[${addr(l, 'm', 'c')}] - mu; q += d * d; }`, 'part[p] = mu;\n  part[p + 1u] = q;');

  const factor = k.attrs.exponential_avg_factor as number;
  const running = factor !== 1;
  const f = literal(factor, 'float32');
  const g1 = literal(1 - factor, 'float32');
  // TF's rest_size_adjust: M / (M - 1), or 1 for M = 1.
  const adjust = literal(l.M / Math.max(l.M - 1, 1), 'float32');
  const combineList: Array<[GpuBinding, string, boolean]> = [[{ scratch: 0, bytes: nc * l.C * 8 }, 'part', false]];
  if (running) combineList.push([{ input: 3 }, 'old_mean', false], [{ input: 4 }, 'old_var', false]);
  combineList.push([{ output: 1 }, 'out1', true], [{ output: 2 }, 'out2', true], [{ output: 3 }, 'out3', true], [{ output: 4 }, 'out4', true]);
  const cd = decls(combineList);
  const gc = grid(l.C, WG);
  const combine: GpuDispatch = {
    code: `${cd.code}
@compute @workgroup_size(${WG}) fn main(@builtin(global_invocation_id) gid: vec3u) {
  let c = ${gc.flatIndex};
  if (c >= ${l.C}u) { return; }
  var n = 0.0;
  var mu = 0.0;
  var q = 0.0;
  for (var k = 0u; k < ${nc}u; k++) {
    let nb = f32(min(${chunk}u, ${l.M}u - k * ${chunk}u));
    let p = (k * ${l.C}u + c) * 2u;
    let nn = n + nb;
    let d = part[p] - mu;
    mu += d * (nb / nn);
    q += part[p + 1u] + d * d * (n * nb / nn);
    n = nn;
  }
  let vb = q / ${literal(l.M, 'float32')};
  let vu = vb * ${adjust};
  out1[c] = ${running ? `${g1} * old_mean[c] + ${f} * mu` : 'mu'};
  out2[c] = ${running ? `${g1} * old_var[c] + ${f} * vu` : 'vu'};
  out3[c] = mu;
  out4[c] = vb;
}`,
    bindings: cd.bindings,
    workgroups: gc.workgroups,
  };
  const y = elementPass(l, x.size, [
    [{ input: 0 }, 'x', false], [{ input: 1 }, 'scale', false], [{ input: 2 }, 'offset', false],
    [{ output: 3 }, 'mu', true], [{ output: 4 }, 'v', true], [{ output: 0 }, 'out0', true], ...out5,
  ], normalise);
  return { dispatches: [partial, combine, y] };
}

/**
 * FusedBatchNormGradV3. Inputs y_backprop, x, scale, reserve_space_1 (mean), reserve_space_2 (variance),
 * reserve_space_3; outputs x_backprop, scale_backprop, offset_backprop and two empty reserve spaces. Per channel:
 * a = sum(dy), b = sum(dy * (x - mean)); scale_backprop = b * rsqrt(var + eps), offset_backprop = a; in training
 * x_backprop = scale * rsqrt(var + eps) * (dy - a / M - (x - mean) * b / (M * (var + eps))), in inference
 * dy * scale * rsqrt(var + eps).
 */
export function fusedBatchNormGradGpu(k: GpuKernelContext): GpuKernel {
  const x = k.inputs[1];
  const l = layoutOf(x.shape, k.attrs.data_format as string);
  const eps = literal(k.attrs.epsilon as number, 'float32');
  const training = k.attrs.is_training as boolean;
  const { chunk, nc } = chunking(l.M);
  const partial = partialPass(l, [[{ input: 0 }, 'dy'], [{ input: 1 }, 'x'], [{ input: 3 }, 'mu']], 2, chunk, nc, `let mc = mu[c];
  var a = 0.0;
  var b = 0.0;
  for (var m = m0; m < m1; m++) {
    let e = ${addr(l, 'm', 'c')};
    let g = dy[e];
    a += g;
    b += g * (x[e] - mc);
  }`, 'part[p] = a;\n  part[p + 1u] = b;');
  const st: GpuBinding = { scratch: 1, bytes: l.C * 8 };
  const cd = decls([
    [{ scratch: 0, bytes: nc * l.C * 8 }, 'part', false], [{ input: 4 }, 'v', false], [st, 'st', true],
    [{ output: 1 }, 'out1', true], [{ output: 2 }, 'out2', true],
  ]);
  const gc = grid(l.C, WG);
  const combine: GpuDispatch = {
    code: `${cd.code}
@compute @workgroup_size(${WG}) fn main(@builtin(global_invocation_id) gid: vec3u) {
  let c = ${gc.flatIndex};
  if (c >= ${l.C}u) { return; }
  var a = 0.0;
  var b = 0.0;
  for (var k = 0u; k < ${nc}u; k++) {
    let p = (k * ${l.C}u + c) * 2u;
    a += part[p];
    b += part[p + 1u];
  }
  st[2u * c] = a;
  st[2u * c + 1u] = b;
  out1[c] = b * inverseSqrt(v[c] + ${eps});
  out2[c] = a;
}`,
    bindings: cd.bindings,
    workgroups: gc.workgroups,
  };
  const inv = literal(1 / l.M, 'float32');
  const dx = training
    ? elementPass(l, x.size, [
      [{ input: 0 }, 'dy', false], [{ input: 1 }, 'x', false], [{ input: 2 }, 'scale', false], [{ input: 3 }, 'mu', false],
      [{ input: 4 }, 'v', false], [st, 'st', true], [{ output: 0 }, 'out0', true],
    ], `let ve = v[c] + ${eps};
  let r = inverseSqrt(ve);
  out0[i] = scale[c] * r * (dy[i] - st[2u * c] * ${inv} - (x[i] - mu[c]) * (st[2u * c + 1u] * ${inv} / ve));`)
    : elementPass(l, x.size, [
      [{ input: 0 }, 'dy', false], [{ input: 2 }, 'scale', false], [{ input: 4 }, 'v', false], [{ output: 0 }, 'out0', true],
    ], `out0[i] = dy[i] * scale[c] * inverseSqrt(v[c] + ${eps});`);
  return { dispatches: [partial, combine, dx] };
}
