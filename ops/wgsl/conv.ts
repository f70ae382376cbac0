// The GPU kernels of convolution and pooling (declared in ops/conv.ts). All work on NHWC; an NCHW node gets its data
// inputs transposed into scratch buffers and its result transposed back (`inNhwc`).
//
// Conv2D and Conv2DBackpropInput share one direct-convolution kernel (`convCore`) that reads a zero-padded copy of
// its input, so its loops have no bounds checks: the input gradient is the forward convolution of out_backprop,
// spread out by the stride (zeros between rows and columns) and padded, with the filter flipped and its channel axes
// swapped. Conv2DBackpropFilter is a reduction over batch * height * width, split in chunks across invocations (no
// invocation may loop 65535 times on llvmpipe) into partial sums, then summed by a second pass.
//
// Register blocking, as in ./matmul.ts (why it wins on llvmpipe is explained there): a convCore invocation computes
// `rw` neighbouring output pixels of a row times `cb` output channels (vec4s along the channels, which the NHWC filter
// [kh, kw, in, out] stores contiguously); per filter row and input channel group it loads the input row segment that
// all its taps share once, then each filter vec4 once for its rw products.
// Measured against im2col + ./matmul.ts on W5's shapes (batch 64): the matmul alone took 3.5 ms for conv2
// ([12544,200] x [200,16]) and 3.1 ms for conv1 ([50176,25] x [25,8]), before writing the patches (10 MB for conv2);
// direct: 4.3-4.6 and 1.5 ms all in, with no patch buffer. The filter gradient there took 3.1-3.5 ms (conv2).
import type { ConvGeometry } from '../conv.js';
import { binding, GpuBinding, GpuDispatch, GpuKernel, GpuKernelContext, grid, Params, WType, wgslType } from '../gpu.js';

const WG = 64;
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
const pad4 = (x: number): number => Math.ceil(x / 4) * 4;
const bytes = (elements: number): number => Math.max(4, elements * 4);
const XYZW = 'xyzw';

/**
 * A one-thread-per-element dispatch: `body` sees the flat index `i` (< count), the bindings are declared in `decls`.
 * The sizes `body` reads from `p` (and the count) are uniform parameters: only the kernel's structure is in its text.
 */
function elementwise(count: number, decls: string[], bindings: GpuBinding[], body: string, p: Params, pre = ''): GpuDispatch {
  const g = grid(count, WG);
  const n = p.u('count', count);
  const code = `${decls.map((d, k) => d.replace('@binding(#)', `@binding(${k})`)).join('\n')}
${p.decl(bindings.length)}
${pre}
@compute @workgroup_size(${WG}) fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = ${g.flatIndex};
  if (i >= ${n}) { return; }
${body}
}`;
  return { code, bindings: [...bindings, ...p.bindings()], workgroups: g.workgroups };
}
const decl = (name: string, type: string, write = false): string => binding(0, name, type, write).replace('@binding(0)', '@binding(#)');

/** dst = src (4-D, shape `s`) with its axes permuted: dst dim k is src dim perm[k]. */
function permute4(t: WType, src: GpuBinding, dst: GpuBinding, s: readonly number[], perm: readonly number[]): GpuDispatch {
  const st = [s[1] * s[2] * s[3], s[2] * s[3], s[3], 1];
  const ds = perm.map((q) => s[q]);
  const count = ds.reduce((a, b) => a * b, 1);
  const p = new Params();
  const coord = (k: number): string => `((i / ${p.u(`q${k}`, ds.slice(k + 1).reduce((a, b) => a * b, 1))}) % ${p.u(`d${k}`, ds[k])})`;
  const src0 = range(4).map((k) => `${coord(k)} * ${p.u(`s${k}`, st[perm[k]])}`).join(' + ');
  return elementwise(count, [decl('S', t), decl('D', t, true)], [src, dst], `  D[i] = S[${src0}];`, p);
}

/**
 * Runs an NHWC kernel for a node in either format: for NCHW, the 4-D data inputs listed are transposed into scratch
 * buffers first and the result (NHWC shape `outNhwc`) is transposed into the output after; `outNhwc` null: the
 * output has no data format (a filter gradient) and is written directly.
 */
function inNhwc(k: GpuKernelContext, g: ConvGeometry, data: number[], outNhwc: number[] | null, build: (input: (i: number) => GpuBinding, out: GpuBinding) => GpuDispatch[]): GpuKernel {
  if (k.outputs[0].size === 0) return { dispatches: [] };
  if (g.format === 'NHWC') return { dispatches: build((i) => ({ input: i }), { output: 0 }) };
  const t = wgslType(k.outputs[0].dtype);
  const scratch = new Map(data.map((i) => [i, { scratch: 90 + i, bytes: bytes(k.inputs[i].size) } as GpuBinding]));
  const pre = data.map((i) => permute4(t, { input: i }, scratch.get(i)!, k.inputs[i].shape, [0, 2, 3, 1]));
  const input = (i: number): GpuBinding => scratch.get(i) ?? { input: i };
  if (outNhwc === null) return { dispatches: [...pre, ...build(input, { output: 0 })] };
  const out: GpuBinding = { scratch: 99, bytes: bytes(k.outputs[0].size) };
  return { dispatches: [...pre, ...build(input, out), permute4(t, out, { output: 0 }, outNhwc, [0, 3, 1, 2])] };
}

function fillZero(t: WType, dst: GpuBinding, count: number): GpuDispatch {
  return elementwise(count, [decl('D', t, true)], [dst], `  D[i] = ${t}();`, new Params());
}

// ---- copies that prepare convCore's operands ---------------------------------------------------------------------

/**
 * P[n, py, px, ch] for ch < cp (zero for ch >= c) from src [n, h, w, c]: src[n, (py - offY) / upY, (px - offX) / upX, ch]
 * where that is a whole, in-range position, else 0. Forward: up = 1, off = padding before (the zero border). Input
 * gradient: up = stride (zeros between out_backprop's rows and columns), off = (k - 1) * dilation - padding before.
 */
function padCopy(t: WType, src: GpuBinding, dst: GpuBinding, n: number, h: number, w: number, c: number,
  ph: number, pw: number, cp: number, offY: number, offX: number, upY: number, upX: number): GpuDispatch {
  const count = n * ph * pw * cp;
  const p = new Params(count);
  const [C, H, W] = [p.u('c', c), p.u('h', h), p.u('w', w)];
  const [UY, UX] = [p.i('upY', upY), p.i('upX', upX)];
  const body = `  ${p.coords('i', [['cp', cp], ['pw', pw], ['ph', ph], ['n', n]], 'c')}
  let ch = c0;
  let px = i32(c1) - ${p.i('offX', offX)};
  let py = i32(c2) - ${p.i('offY', offY)};
  let b = c3;
  let y = py / ${UY};
  let x = px / ${UX};
  let inside = ch < ${C} && py >= 0 && px >= 0 && py % ${UY} == 0 && px % ${UX} == 0 && y < i32(${H}) && x < i32(${W});
  D[i] = select(${t}(), S[min(((b * ${H} + u32(max(y, 0))) * ${W} + u32(max(x, 0))) * ${C} + ch, ${p.u('last', n * h * w * c - 1)})], inside);`;
  return elementwise(count, [decl('S', t), decl('D', t, true)], [src, dst], body, p);
}

/**
 * F [kh, kw, cinp, coutp] (zero-padded) from a filter w [kh, kw, cin, cout]; `flip`: from w [kh, kw, cout, cin] with
 * the taps reversed and the channel axes swapped (the input gradient's filter).
 */
function filterCopy(t: WType, src: GpuBinding, dst: GpuBinding, kh: number, kw: number, cin: number, cout: number, cinp: number, coutp: number, flip: boolean): GpuDispatch {
  const count = kh * kw * cinp * coutp;
  const p = new Params();
  const [KH, KW, CIN, COUT, CINP, COUTP] = [p.u('kh', kh), p.u('kw', kw), p.u('cin', cin), p.u('cout', cout), p.u('cinp', cinp), p.u('coutp', coutp)];
  const at = flip
    ? `((${KH} - 1u - ky) * ${KW} + ${KW} - 1u - kx) * ${COUT} * ${CIN} + o * ${CIN} + c`
    : `(ky * ${KW} + kx) * ${CIN} * ${COUT} + c * ${COUT} + o`;
  const body = `  let o = i % ${COUTP};
  let c = i / ${COUTP} % ${CINP};
  let kx = i / (${COUTP} * ${CINP}) % ${KW};
  let ky = i / (${COUTP} * ${CINP} * ${KW});
  D[i] = select(${t}(), S[min(${at}, ${p.u('last', kh * kw * cin * cout - 1)})], c < ${CIN} && o < ${COUT});`;
  return elementwise(count, [decl('S', t), decl('D', t, true)], [src, dst], body, p);
}

// ---- the direct convolution kernel -------------------------------------------------------------------------------

/** out [n, oh, ow, oc] = P [n, ph, pw, cin] (padded: no bounds) convolved with F [kh, kw, cin, ocp] (ocp % 4 == 0). */
interface Core {
  t: WType;
  n: number; oh: number; ow: number; oc: number;
  ph: number; pw: number; cin: number;
  kh: number; kw: number; sh: number; sw: number; dh: number; dw: number;
  ocp: number;
  P: GpuBinding; F: GpuBinding; O: GpuBinding;
  /** A 1x1 stride-1 convolution seen as one row of n * oh * ow pixels (n = oh = ph = 1): see conv2dGpu. */
  flat?: boolean;
}

/**
 * Output pixels per invocation: a whole row up to 16, else among 16..8 the one wasting least at a row's end (28 -> 14,
 * 32 -> 16). Each filter vec4 loaded serves rw products, so longer is better until the code gets long: W5's conv2
 * ([64,14,14,8] * [5,5,8,16], SAME) measured 8.7 ms with rw 14, 11.6 with 7, 30 with 4 (16 or 8 channels per
 * invocation alike: 11.6 / 11.8); its shader compiles in about 1.6 s (once per shape: Mesa caches it on disk).
 */
function pickRw(ow: number): number {
  if (ow <= 16) return ow;
  let best = 16;
  for (const r of [16, 15, 14, 13, 12, 11, 10, 9, 8]) if (Math.ceil(ow / r) * r < Math.ceil(ow / best) * best) best = r;
  return best;
}

/** Channels in groups of 4 (vec4 loads) when there are 4 or more: padded to a multiple of 4 then; else one at a time. */
const channelsPadded = (c: number): number => (c < 4 ? c : pad4(c));

/**
 * The tiling (rw pixels x cb channels, the filter's width and the strides, which fix the unrolled loads and fmas) is in
 * the text; the sizes are uniform parameters, so the layers with one tiling share a pipeline (MobileNet's pointwise
 * layers all do, see `flat`). Measured on llvmpipe against the same kernel with every size baked in, warm runs of
 * bench/models.js in one process: MobileNet 0.95x, MobileNetV2 0.91x (within the noise): the inner loop is fmas on
 * registers, and the few multiplies by a uniform are outside it.
 */
function convCore(c: Core): GpuDispatch {
  const { t } = c;
  const V = `vec4<${t}>`;
  const rw = c.flat ? Math.min(16, c.ow) : pickRw(c.ow), cb = Math.min(16, c.ocp), ng = cb / 4;
  const vec = c.cin % 4 === 0;
  const cinv = vec ? c.cin / 4 : c.cin, qn = vec ? 4 : 1;
  const nxb = Math.ceil(c.ow / rw), rows = c.n * c.oh, ncb = Math.ceil(c.ocp / cb);
  const total = nxb * rows * ncb;
  const p = new Params();
  const U = (name: string, v: number): string => p.u(name, v);
  // Positions along the P row segment that some (pixel r, tap kx) reads.
  const pos = [...new Set(range(rw).flatMap((r) => range(c.kw).map((kx) => r * c.sw + kx * c.dw)))].sort((a, b) => a - b);
  const L: string[] = [];
  for (const r of range(rw)) for (const g of range(ng)) L.push(`var a${r}_${g} = ${V}();`);
  L.push(`for (var ky = 0u; ky < ${U('kh', c.kh)}; ky++) {`);
  L.push(`  let prow = pbase + ky * ${U('dhpw', c.dh * c.pw)};`);
  L.push(`  for (var ci = 0u; ci < ${U('cinv', cinv)}; ci++) {`);
  for (const j of pos) L.push(`    let p${j} = P[(prow + ${j}u) * ${U('cinv', cinv)} + ci];`);
  for (const kx of range(c.kw)) for (const q of range(qn)) {
    L.push(`    let f${kx}_${q} = ((ky * ${c.kw}u + ${kx}u) * ${U('cin', c.cin)} + ci * ${qn}u + ${q}u) * ${U('ocp4', c.ocp / 4)} + oc0 / 4u;`);
    for (const g of range(ng)) {
      L.push(`    { let f = F[f${kx}_${q} + ${g}u];`);
      for (const r of range(rw)) L.push(`      a${r}_${g} = fma(${V}(p${r * c.sw + kx * c.dw}${vec ? `.${XYZW[q]}` : ''}), f, a${r}_${g});`);
      L.push('    }');
    }
  }
  L.push('  }', '}');
  // Stores: vec4s when the output's rows are (oc % 4 == 0), else each channel below oc.
  for (const r of range(rw)) for (const g of range(ng)) {
    const at = `(row * ${U('ow', c.ow)} + ox0 + ${r}u) * ${U('oc', c.oc)} + oc0 + ${4 * g}u`;
    if (c.oc % 4 === 0) L.push(`O[(${at}) / 4u] = a${r}_${g};`);
    else for (const j of range(4)) L.push(`if (oc0 + ${4 * g + j}u < ${U('oc', c.oc)}) { O[${at} + ${j}u] = a${r}_${g}.${XYZW[j]}; }`);
  }
  const g = grid(total, WG);
  const head = `  let i = ${g.flatIndex};
  if (i >= ${U('total', total)}) { return; }
  // Blocks at a row's end or the channels' end start earlier and overlap their neighbour: same values, no guards.
  let ox0 = min(i % ${U('nxb', nxb)} * ${rw}u, ${U('owr', c.ow - rw)});
  let row = i / ${U('nxb', nxb)} % ${U('rows', rows)};
  let oc0 = min(i / (${U('nxb', nxb)} * ${U('rows', rows)}) * ${cb}u, ${U('ocpcb', c.ocp - cb)});
  let pbase = (row / ${U('oh', c.oh)} * ${U('ph', c.ph)} + row % ${U('oh', c.oh)} * ${U('sh', c.sh)}) * ${U('pw', c.pw)} + ox0 * ${c.sw}u;`;
  const code = `${binding(0, 'P', vec ? V : t)}
${binding(1, 'F', V)}
${binding(2, 'O', c.oc % 4 === 0 ? V : t, true)}
${p.decl(3)}
@compute @workgroup_size(${WG}) fn main(@builtin(global_invocation_id) gid: vec3u) {
${head}
${L.map((s) => `  ${s}`).join('\n')}
}`;
  return { code, bindings: [c.P, c.F, c.O, ...p.bindings()], workgroups: g.workgroups };
}

/**
 * The input as the window kernels read it: zero-padded to the windows' extent and to `cp` channels (a padding copy
 * into scratch 0 appended to `ds`), or the input itself when it already fits.
 */
function paddedInput(t: WType, g: ConvGeometry, input: GpuBinding, cp: number, ds: GpuDispatch[]): { P: GpuBinding; PH: number; PW: number } {
  const ph = (g.oh - 1) * g.sh + (g.kh - 1) * g.dh + 1, pw = (g.ow - 1) * g.sw + (g.kw - 1) * g.dw + 1;
  if (g.pt === 0 && g.pl === 0 && ph <= g.h && pw <= g.w && cp === g.c) return { P: input, PH: g.h, PW: g.w };
  const P: GpuBinding = { scratch: 0, bytes: bytes(g.n * ph * pw * cp) };
  ds.push(padCopy(t, input, P, g.n, g.h, g.w, g.c, ph, pw, cp, g.pt, g.pl, 1, 1));
  return { P, PH: ph, PW: pw };
}

/** Conv2D: pad the input (skipped when VALID already fits), pad the filter's channels when needed, convolve. */
export function conv2dGpu(k: GpuKernelContext, g: ConvGeometry): GpuKernel {
  const t = wgslType(k.outputs[0].dtype);
  return inNhwc(k, g, [0], [g.n, g.oh, g.ow, g.oc], (input, out) => {
    if (g.c === 0 || g.kh === 0 || g.kw === 0) return [fillZero(t, out, k.outputs[0].size)];
    const ds: GpuDispatch[] = [];
    const cp = channelsPadded(g.c), ocp = pad4(g.oc);
    const { P, PH, PW } = paddedInput(t, g, input(0), cp, ds);
    let F = input(1);
    if (cp !== g.c || ocp !== g.oc) {
      F = { scratch: 1, bytes: bytes(g.kh * g.kw * cp * ocp) };
      ds.push(filterCopy(t, input(1), F, g.kh, g.kw, g.c, g.oc, cp, ocp, false));
    }
    // A 1x1 stride-1 convolution (MobileNet's pointwise layers, ResNet's bottlenecks) reads P and writes O as one long
    // row of pixels: every such layer gets the same register blocking, so they share one pipeline, and small feature
    // maps (4x4, 7x7) still fill whole 16-pixel blocks.
    const flat = g.kh === 1 && g.kw === 1 && g.sh === 1 && g.sw === 1 && PH === g.oh && PW === g.ow;
    ds.push(flat
      ? convCore({ t, n: 1, oh: 1, ow: g.n * g.oh * g.ow, oc: g.oc, ph: 1, pw: g.n * g.oh * g.ow, cin: cp, kh: 1, kw: 1, sh: 1, sw: 1, dh: 1, dw: 1, ocp, P, F, O: out, flat })
      : convCore({ t, n: g.n, oh: g.oh, ow: g.ow, oc: g.oc, ph: PH, pw: PW, cin: cp, kh: g.kh, kw: g.kw, sh: g.sh, sw: g.sw, dh: g.dh, dw: g.dw, ocp, P, F, O: out }));
    return ds;
  });
}

/**
 * Conv2DBackpropInput: dx[iy] = sum_ky U[iy + ky * d - off] * w[kh - 1 - ky] with U out_backprop spread out by the
 * stride and off = (kh - 1) * d - padding before: a stride-1 convolution of a padded copy of U with the flipped
 * filter. A stride s > 1 spends s^2 times the work on the zeros; the models here use stride 1 with pooling.
 */
export function conv2dBackpropInputGpu(k: GpuKernelContext, g: ConvGeometry): GpuKernel {
  const t = wgslType(k.outputs[0].dtype);
  return inNhwc(k, g, [2], [g.n, g.h, g.w, g.c], (input, out) => {
    if (g.oc === 0 || g.oh === 0 || g.ow === 0) return [fillZero(t, out, k.outputs[0].size)];
    const cp = channelsPadded(g.oc), ocp = pad4(g.c);
    const ph = g.h + (g.kh - 1) * g.dh, pw = g.w + (g.kw - 1) * g.dw;
    const P: GpuBinding = { scratch: 0, bytes: bytes(g.n * ph * pw * cp) };
    const F: GpuBinding = { scratch: 1, bytes: bytes(g.kh * g.kw * cp * ocp) };
    return [
      padCopy(t, input(2), P, g.n, g.oh, g.ow, g.oc, ph, pw, cp, (g.kh - 1) * g.dh - g.pt, (g.kw - 1) * g.dw - g.pl, g.sh, g.sw),
      filterCopy(t, input(1), F, g.kh, g.kw, g.oc, g.c, cp, ocp, true),
      convCore({ t, n: g.n, oh: g.h, ow: g.w, oc: g.c, ph, pw, cin: cp, kh: g.kh, kw: g.kw, sh: 1, sw: 1, dh: g.dh, dw: g.dw, ocp, P, F, O: out }),
    ];
  });
}

// ---- the filter gradient -----------------------------------------------------------------------------------------

/** Loop steps per invocation of a chunked reduction: far below llvmpipe's 65535, and many chunks to spread. */
const CHUNK_STEPS = 1024;

/** Sums S partial results: out[i] = sum_s part[s * stride + at(i)] (`at`: a WGSL expression of i, sizes from p). */
function sumPartials(t: WType, part: GpuBinding, out: GpuBinding, count: number, s: number, stride: number, at: (p: Params) => string): GpuDispatch {
  const p = new Params();
  const body = `  let j = ${at(p)};
  var acc = ${t}();
  for (var s = 0u; s < ${p.u('parts', s)}; s++) { acc += Q[s * ${p.u('stride', stride)} + j]; }
  O[i] = acc;`;
  return elementwise(count, [decl('Q', t), decl('O', t, true)], [part, out], body, p);
}

/**
 * Conv2DBackpropFilter: dw[ky, kx, ic, oc] = sum over (n, oy, ox) of P[n, oy*sh + ky*dh, ox*sw + kx*dw, ic] * dy[n, oy,
 * ox, oc], P the padded input. An invocation owns one filter row ky, one group of 4 input channels (1 when there are
 * fewer than 4), up to 16 output channels and a chunk of output rows; it walks its rows rw pixels at a time (rw
 * divides ow), loading the shared input segment and rw dy vec4s, then every product of the filter row's taps.
 */
export function conv2dBackpropFilterGpu(k: GpuKernelContext, g: ConvGeometry): GpuKernel {
  const t = wgslType(k.outputs[0].dtype);
  return inNhwc(k, g, [0, 2], null, (input, out) => {
    if (g.n * g.oh * g.ow === 0 || g.c === 0) return [fillZero(t, out, k.outputs[0].size)];
    const V = `vec4<${t}>`;
    const ds: GpuDispatch[] = [];
    const cp = channelsPadded(g.c), ocp = pad4(g.oc);
    const { P, PH, PW } = paddedInput(t, g, input(0), cp, ds);
    let D = input(2);
    if (ocp !== g.oc) {
      D = { scratch: 1, bytes: bytes(g.n * g.oh * g.ow * ocp) };
      ds.push(padCopy(t, input(2), D, g.n, g.oh, g.ow, g.oc, g.oh, g.ow, ocp, 0, 0, 1, 1));
    }
    const vec = cp % 4 === 0, cinv = vec ? cp / 4 : cp, qn = vec ? 4 : 1;
    const cb = Math.min(16, ocp), ng = cb / 4, ncb = Math.ceil(ocp / cb);
    let rw = 1;
    // Up to 8: the accumulators do not grow with rw, and 14 measured slower than 7 (conv2 of W5: 4.0-4.4 vs 3.1-3.5 ms).
    for (const r of [8, 7, 6, 5, 4, 3, 2]) if (g.ow % r === 0) { rw = r; break; }
    const rows = g.n * g.oh;
    const chunkRows = Math.max(1, Math.floor(CHUNK_STEPS / (g.ow / rw)));
    // Enough chunks to keep about 512 invocations busy, each at least a few rows long.
    const want = Math.ceil(512 / (g.kh * cinv * ncb));
    const rowsPer = Math.min(chunkRows, Math.max(Math.ceil(rows / want), Math.min(4, chunkRows)));
    const S = Math.ceil(rows / rowsPer);
    const fs = g.kh * g.kw * cp * ocp;
    const part: GpuBinding = { scratch: 2, bytes: bytes(S * fs) };
    const pos = [...new Set(range(rw).flatMap((r) => range(g.kw).map((kx) => r * g.sw + kx * g.dw)))].sort((a, b) => a - b);
    const L: string[] = [];
    for (const kx of range(g.kw)) for (const q of range(qn)) for (const gg of range(ng)) L.push(`var a${kx}_${q}_${gg} = ${V}();`);
    L.push(`for (var row = r0; row < r1; row++) {`);
    L.push(`  let prow = (row / ${g.oh}u * ${PH}u + row % ${g.oh}u * ${g.sh}u + ky * ${g.dh}u) * ${PW}u;`);
    L.push(`  for (var ox0 = 0u; ox0 < ${g.ow}u; ox0 += ${rw}u) {`);
    for (const j of pos) L.push(`    let p${j} = P[(prow + ox0 * ${g.sw}u + ${j}u) * ${cinv}u + ci];`);
    for (const r of range(rw)) for (const gg of range(ng)) L.push(`    let d${r}_${gg} = D[(row * ${g.ow}u + ox0 + ${r}u) * ${ocp / 4}u + oc0 / 4u + ${gg}u];`);
    for (const kx of range(g.kw)) for (const q of range(qn)) for (const gg of range(ng)) for (const r of range(rw)) {
      L.push(`    a${kx}_${q}_${gg} = fma(${V}(p${r * g.sw + kx * g.dw}${vec ? `.${XYZW[q]}` : ''}), d${r}_${gg}, a${kx}_${q}_${gg});`);
    }
    L.push('  }', '}');
    for (const kx of range(g.kw)) for (const q of range(qn)) for (const gg of range(ng)) {
      L.push(`Q[((s * ${g.kh * g.kw}u + ky * ${g.kw}u + ${kx}u) * ${cp}u + ci * ${qn}u + ${q}u) * ${ocp / 4}u + oc0 / 4u + ${gg}u] = a${kx}_${q}_${gg};`);
    }
    const total = S * g.kh * cinv * ncb;
    const gr = grid(total, WG);
    const code = `${binding(0, 'P', vec ? V : t)}
${binding(1, 'D', V)}
${binding(2, 'Q', V, true)}
@compute @workgroup_size(${WG}) fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = ${gr.flatIndex};
  if (i >= ${total}u) { return; }
  let ky = i % ${g.kh}u;
  let ci = i / ${g.kh}u % ${cinv}u;
  let oc0 = min(i / ${g.kh * cinv}u % ${ncb}u * ${cb}u, ${ocp - cb}u);
  let s = i / ${g.kh * cinv * ncb}u;
  let r0 = s * ${rowsPer}u;
  let r1 = min(r0 + ${rowsPer}u, ${rows}u);
${L.map((x) => `  ${x}`).join('\n')}
}`;
    ds.push({ code, bindings: [P, D, part], workgroups: gr.workgroups });
    // dw[tap, ic, oc] from the partials [S, tap, cp, ocp].
    const at = (p: Params): string => {
      const [C, OC] = [p.u('c', g.c), p.u('oc', g.oc)];
      return `(i / (${C} * ${OC}) * ${p.u('cp', cp)} + i / ${OC} % ${C}) * ${p.u('ocp', ocp)} + i % ${OC}`;
    };
    ds.push(sumPartials(t, part, out, k.outputs[0].size, S, fs, at));
    return ds;
  });
}

// ---- depthwise ---------------------------------------------------------------------------------------------------

/**
 * DepthwiseConv2dNative and its backprops: one thread per output element, direct loops with bounds checks (the filter
 * gradient in chunks plus a sum of the partials). Sizes, strides and padding are uniform parameters, so the depthwise
 * layers of a model (3x3, stride 1 or 2, any size) share one pipeline; the filter's extent stays in the forward
 * kernel's text, so its loops unroll: with kh and kw read from the parameters too, 4 depthwise 3x3 layers on
 * [1,112,112,96] measured 1.9x slower on llvmpipe (a loop with a bound it cannot see is costly there).
 */
export function depthwiseGpu(k: GpuKernelContext, g: ConvGeometry, mode: 'forward' | 'input' | 'filter'): GpuKernel {
  const t = wgslType(k.outputs[0].dtype);
  const data = mode === 'forward' ? [0] : mode === 'input' ? [2] : [0, 2];
  const outNhwc = mode === 'forward' ? [g.n, g.oh, g.ow, g.oc] : mode === 'input' ? [g.n, g.h, g.w, g.c] : null;
  /** The geometry as WGSL parameters: u32 sizes, i32 where the loops compute signed positions. */
  const dims = (p: Params) => ({
    h: p.u('h', g.h), w: p.u('w', g.w), c: p.u('c', g.c), oh: p.u('oh', g.oh), ow: p.u('ow', g.ow), oc: p.u('oc', g.oc),
    mult: p.u('mult', g.mult), kh: p.i('kh', g.kh), kw: p.i('kw', g.kw), sh: p.i('sh', g.sh), sw: p.i('sw', g.sw),
    dh: p.i('dh', g.dh), dw: p.i('dw', g.dw), pt: p.i('pt', g.pt), pl: p.i('pl', g.pl),
  });
  return inNhwc(k, g, data, outNhwc, (input, out) => {
    const size = k.outputs[0].size;
    const p = new Params(Math.max(size, k.inputs[0].size));
    const d = dims(p);
    if (mode === 'forward') {
      const body = `  ${p.coords('i', [['oc', g.oc], ['ow', g.ow], ['oh', g.oh], ['n', g.n]], 'c')}
  let o = c0;
  let ox = i32(c1);
  let oy = i32(c2);
  let b = c3;
  var acc = ${t}();
  for (var ky = 0; ky < ${g.kh}; ky++) {
    let y = oy * ${d.sh} + ky * ${d.dh} - ${d.pt};
    if (y < 0 || y >= i32(${d.h})) { continue; }
    for (var kx = 0; kx < ${g.kw}; kx++) {
      let x = ox * ${d.sw} + kx * ${d.dw} - ${d.pl};
      if (x < 0 || x >= i32(${d.w})) { continue; }
      acc += X[((b * ${d.h} + u32(y)) * ${d.w} + u32(x)) * ${d.c} + ${p.div('o', 'mult', g.mult)}] * W[u32(ky * ${g.kw} + kx) * ${d.oc} + o];
    }
  }
  O[i] = acc;`;
      return [elementwise(size, [decl('X', t), decl('W', t), decl('O', t, true)], [input(0), input(1), out], body, p)];
    }
    if (mode === 'input') {
      // dx[b, y, x, ch] = sum over taps and multipliers of dy at the output pixel whose window puts that tap on (y, x).
      const body = `  let ch = i % ${d.c};
  let x = i32(i / ${d.c} % ${d.w});
  let y = i32(i / (${d.c} * ${d.w}) % ${d.h});
  let b = i / (${d.c} * ${d.w} * ${d.h});
  var acc = ${t}();
  for (var ky = 0; ky < ${d.kh}; ky++) {
    let yy = y + ${d.pt} - ky * ${d.dh};
    if (yy < 0 || yy % ${d.sh} != 0 || yy / ${d.sh} >= i32(${d.oh})) { continue; }
    for (var kx = 0; kx < ${d.kw}; kx++) {
      let xx = x + ${d.pl} - kx * ${d.dw};
      if (xx < 0 || xx % ${d.sw} != 0 || xx / ${d.sw} >= i32(${d.ow})) { continue; }
      let yo = ((b * ${d.oh} + u32(yy / ${d.sh})) * ${d.ow} + u32(xx / ${d.sw})) * ${d.oc} + ch * ${d.mult};
      let wo = u32(ky * ${d.kw} + kx) * ${d.oc} + ch * ${d.mult};
      for (var m = 0u; m < ${d.mult}; m++) { acc += DY[yo + m] * W[wo + m]; }
    }
  }
  O[i] = acc;`;
      return [elementwise(size, [decl('DY', t), decl('W', t), decl('O', t, true)], [input(2), input(1), out], body, p)];
    }
    // filter: partial sums over chunks of output rows, then their sum.
    const rows = g.n * g.oh;
    if (rows * g.ow === 0) return [fillZero(t, out, size)];
    const fsz = g.kh * g.kw * g.oc;
    const rowsPer = Math.max(1, Math.min(Math.floor(CHUNK_STEPS / g.ow), Math.ceil(rows / Math.max(1, Math.ceil(4096 / fsz)))));
    const S = Math.ceil(rows / rowsPer);
    const part: GpuBinding = { scratch: 2, bytes: bytes(S * fsz) };
    const [FSZ, RP, ROWS] = [p.u('fsz', fsz), p.u('rowsPer', rowsPer), p.u('rows', rows)];
    const body = `  let o = i % ${d.oc};
  let kx = i32(i / ${d.oc} % u32(${d.kw}));
  let ky = i32(i / (${d.oc} * u32(${d.kw})) % u32(${d.kh}));
  let s = i / ${FSZ};
  var acc = ${t}();
  for (var row = s * ${RP}; row < min((s + 1u) * ${RP}, ${ROWS}); row++) {
    let b = row / ${d.oh};
    let y = i32(row % ${d.oh}) * ${d.sh} + ky * ${d.dh} - ${d.pt};
    if (y < 0 || y >= i32(${d.h})) { continue; }
    for (var ox = 0; ox < i32(${d.ow}); ox++) {
      let x = ox * ${d.sw} + kx * ${d.dw} - ${d.pl};
      if (x < 0 || x >= i32(${d.w})) { continue; }
      acc += X[((b * ${d.h} + u32(y)) * ${d.w} + u32(x)) * ${d.c} + o / ${d.mult}] * DY[(row * ${d.ow} + u32(ox)) * ${d.oc} + o];
    }
  }
  Q[i] = acc;`;
    return [
      elementwise(S * fsz, [decl('X', t), decl('DY', t), decl('Q', t, true)], [input(0), input(2), part], body, p),
      sumPartials(t, part, out, size, S, fsz, () => 'i'),
    ];
  });
}

// ---- pooling ----------------------------------------------------------------------------------------------------

export type PoolKind = 'max' | 'avg' | 'maxGrad' | 'maxGradGrad' | 'avgGrad';

/** Windows up to this many elements are unrolled (constant offsets, no loop): 2x2 max pooling 0.79 -> 0.40 ms here. */
const UNROLL_WINDOW = 25;

/**
 * Pooling, one thread per element of the result: MaxPool, AvgPool and MaxPoolGradGrad per output; MaxPoolGrad and
 * AvgPoolGrad per output too when windows tile the input without overlap (kernel == stride: each input element has
 * at most one window, so the window's thread writes all of its elements; 2x2 MaxPoolGrad on [64,28,28,8] 4.2 -> 1.1
 * ms), else per input element, summing over the windows that contain it (a gather: no atomics).
 * The max rule is the CPU kernel's: the first maximum in row-major window order (`v > best` from the first element).
 */
export function poolGpu(k: GpuKernelContext, g: ConvGeometry, kind: PoolKind): GpuKernel {
  const t = wgslType(k.outputs[0].dtype);
  const { kh, kw } = g;
  // Sizes baked into the text: with them (and strides, padding) read from uniform parameters, 4 3x3 max pools on
  // [1,112,112,96] measured 1.3-2x slower on llvmpipe, and models have few pools (ResNet50: one).
  const p = new Params(Math.max(k.inputs[0].size, k.outputs[0].size), { bake: true });
  const [h, w, c, oh, ow] = [p.i('h', g.h), p.i('w', g.w), p.i('c', g.c), p.i('oh', g.oh), p.i('ow', g.ow)];
  const [sh, sw, pt, pl] = [p.i('sh', g.sh), p.i('sw', g.sw), p.i('pt', g.pt), p.i('pl', g.pl)];
  const { n } = g;
  const data = kind === 'avgGrad' ? [1] : kind === 'max' || kind === 'avg' ? [0] : [0, 2];
  const tiles = kh === g.sh && kw === g.sw;
  const perInput = (kind === 'maxGrad' || kind === 'avgGrad') && !tiles;
  const isGrad = kind === 'maxGrad' || kind === 'avgGrad';
  const outNhwc = isGrad ? [n, g.h, g.w, g.c] : [n, g.oh, g.ow, g.c];
  /** The window of output (b, oy, ox) starts at input row ys, column xs. */
  const head = `let ys = oy * ${sh} - ${pt}; let xs = ox * ${sw} - ${pl};`;
  /** WGSL visiting the in-bounds elements (flat index j, channel ch) of the window at (ys, xs). */
  const forWindow = (body: string): string => {
    const at = `((b * ${h} + y) * ${w} + x) * ${c} + ch`;
    if (kh * kw > UNROLL_WINDOW) {
      return `for (var y = max(ys, 0); y < min(ys + ${kh}, ${h}); y++) {
    for (var x = max(xs, 0); x < min(xs + ${kw}, ${w}); x++) { let j = ${at}; ${body} }
  }`;
    }
    const L: string[] = [];
    for (let p = 0; p < kh; p++) for (let q = 0; q < kw; q++) {
      L.push(`{ let y = ys + ${p}; let x = xs + ${q}; if (y >= 0 && y < ${h} && x >= 0 && x < ${w}) { let j = ${at}; ${body} } }`);
    }
    return L.join('\n  ');
  };
  const count = `${t}((min(ys + ${kh}, ${h}) - max(ys, 0)) * (min(xs + ${kw}, ${w}) - max(xs, 0)))`;
  const argmax = `fn argmax(b: i32, oy: i32, ox: i32, ch: i32) -> i32 {
  var best = -1;
  var bv = ${t}();
  ${head}
  ${forWindow('let v = X[j]; if (best < 0 || v > bv) { best = j; bv = v; }')}
  return best;
}`;
  const outCoords = perInput ? '' : `  ${p.coords('i', [['C', g.c], ['OW', g.ow], ['OH', g.oh], ['N', n]], 'c')}
  let ch = i32(c0);
  let ox = i32(c1);
  let oy = i32(c2);
  let b = i32(c3);`;
  // Windows containing (y, x): oy*sh - pt <= y < oy*sh - pt + kh, so oy from ceil((y + pt - kh + 1) / sh) (a
  // numerator <= 0 truncates to <= 0, clamped to 0) to floor((y + pt) / sh); the same for columns.
  const inCoords = !perInput ? '' : `  ${p.coords('i', [['C', g.c], ['W', g.w], ['H', g.h], ['N', n]], 'c')}
  let ch = i32(c0);
  let x = i32(c1);
  let y = i32(c2);
  let b = i32(c3);
  let oyLo = max((y + ${pt} - ${kh} + ${sh}) / ${sh}, 0); let oyHi = min((y + ${pt}) / ${sh}, ${oh} - 1);
  let oxLo = max((x + ${pl} - ${kw} + ${sw}) / ${sw}, 0); let oxHi = min((x + ${pl}) / ${sw}, ${ow} - 1);
  var acc = ${t}();`;
  const outCount = n * g.oh * g.ow * g.c;
  return inNhwc(k, g, data, outNhwc, (input, out) => {
    const size = k.outputs[0].size;
    const ds: GpuDispatch[] = [];
    // Scatter form: elements outside every window (VALID's leftover rows and columns) are zeroed first.
    if (isGrad && tiles && (g.oh * g.sh - g.pt < g.h || g.ow * g.sw - g.pl < g.w)) ds.push(fillZero(t, out, size));
        switch (kind) {
      case 'max':
        ds.push(elementwise(outCount, [decl('X', t), decl('O', t, true)], [input(0), out], `${outCoords}\n  O[i] = X[argmax(b, oy, ox, ch)];`, p, argmax));
        break;
      case 'maxGradGrad':
        ds.push(elementwise(outCount, [decl('X', t), decl('G', t), decl('O', t, true)], [input(0), input(2), out], `${outCoords}\n  O[i] = G[argmax(b, oy, ox, ch)];`, p, argmax));
        break;
      case 'avg':
        ds.push(elementwise(outCount, [decl('X', t), decl('O', t, true)], [input(0), out], `${outCoords}
  var acc = ${t}();
  ${head}
  ${forWindow('acc += X[j];')}
  O[i] = acc / ${count};`, p));
        break;
      case 'maxGrad':
        ds.push(perInput
          ? elementwise(size, [decl('X', t), decl('DY', t), decl('O', t, true)], [input(0), input(2), out], `${inCoords}
  for (var oy = oyLo; oy <= oyHi; oy++) {
    for (var ox = oxLo; ox <= oxHi; ox++) {
      if (argmax(b, oy, ox, ch) == i32(i)) { acc += DY[((b * ${oh} + oy) * ${ow} + ox) * ${c} + ch]; }
    }
  }
  O[i] = acc;`, p, argmax)
          : elementwise(outCount, [decl('X', t), decl('DY', t), decl('O', t, true)], [input(0), input(2), out], `${outCoords}
  let best = argmax(b, oy, ox, ch);
  let d = DY[i];
  ${head}
  ${forWindow(`O[j] = select(${t}(), d, j == best);`)}`, p, argmax));
        break;
      case 'avgGrad':
        ds.push(perInput
          ? elementwise(size, [decl('DY', t), decl('O', t, true)], [input(1), out], `${inCoords}
  for (var oy = oyLo; oy <= oyHi; oy++) {
    for (var ox = oxLo; ox <= oxHi; ox++) {
      ${head}
      acc += DY[((b * ${oh} + oy) * ${ow} + ox) * ${c} + ch] / ${count};
    }
  }
  O[i] = acc;`, p)
          : elementwise(outCount, [decl('DY', t), decl('O', t, true)], [input(1), out], `${outCoords}
  ${head}
  let d = DY[i] / ${count};
  ${forWindow('O[j] = d;')}`, p));
        break;
    }
    return ds;
  });
}
