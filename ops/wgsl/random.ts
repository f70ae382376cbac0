// The GPU kernels of tf.random (declared in ops/random.ts): the counter scheme documented there, with Philox4x32-10
// and Kiln's integer Box-Muller written in WGSL line for line as ops/philox.ts writes them in TypeScript, so both
// executors give bit-identical numbers (tests/ops_random.test.ts compares them). Only u32/i32 arithmetic is used
// before the float32 bits are assembled: it is exact everywhere, and no compiler may contract or reorder it.
import {
  BM_ATANH, BM_COS, BM_HALF_PI, BM_LN2_HI, BM_LN2_LO, BM_R_CLAMP, BM_SIN, BM_SQRT2_22, PHILOX_M4x32A, PHILOX_M4x32B,
  PHILOX_ROUNDS, PHILOX_W32A, PHILOX_W32B, TRUNCATED_BLOCKS_PER_ELEMENT,
} from '../philox.js';
import { binding, GpuBinding, GpuKernel, GpuKernelContext, grid, literal, WG } from '../gpu.js';

const hex = (x: number): string => `0x${(x >>> 0).toString(16)}u`;

/** mulhilo32 and Philox4x32-10 (ops/philox.ts). The counter is (c.x least significant .. c.w), the key (k.x, k.y). */
export const WGSL_PHILOX = `
fn mulhilo_(a: u32, b: u32) -> vec2<u32> {
  let al = a & 0xffffu; let ah = a >> 16u; let bl = b & 0xffffu; let bh = b >> 16u;
  let ll = al * bl; let lh = al * bh; let hl = ah * bl; let hh = ah * bh;
  let mid = (ll >> 16u) + (lh & 0xffffu) + (hl & 0xffffu);
  return vec2<u32>(hh + (lh >> 16u) + (hl >> 16u) + (mid >> 16u), (mid << 16u) | (ll & 0xffffu));
}
fn mulhi_(a: u32, b: u32) -> u32 { return mulhilo_(a, b).x; }
fn philox_(c: vec4<u32>, k: vec2<u32>) -> vec4<u32> {
  var x = c;
  var key = k;
  for (var r = 0u; r < ${PHILOX_ROUNDS}u; r++) {
    if (r > 0u) { key = key + vec2<u32>(${hex(PHILOX_W32A)}, ${hex(PHILOX_W32B)}); }
    let p0 = mulhilo_(${hex(PHILOX_M4x32A)}, x.x);
    let p1 = mulhilo_(${hex(PHILOX_M4x32B)}, x.z);
    x = vec4<u32>(p1.x ^ x.y ^ key.x, p1.y, p0.x ^ x.w ^ key.y, p0.y);
  }
  return x;
}`;

/** Horner's scheme unrolled: c[0] -/+ y (c[1] -/+ y (... c[last])), in 0.32 fixed point. */
function horner(y: string, c: readonly number[], op: '-' | '+'): string {
  let e = hex(c[c.length - 1]);
  for (let i = c.length - 2; i >= 0; i--) e = `(${hex(c[i])} ${op} mulhi_(${y}, ${e}))`;
  return e;
}

/** Kiln's float32 Box-Muller (ops/philox.ts boxMullerFloatBits): the float32 bits of r sin(theta), r cos(theta). */
export const WGSL_BOX_MULLER = `
struct SoftF_ { m: u32, e: i32 }
fn smul_(a: SoftF_, b: SoftF_) -> SoftF_ {
  if (a.m == 0u || b.m == 0u) { return SoftF_(0u, 0); }
  let p = mulhilo_(a.m, b.m);
  if (p.x >= 0x80000000u) { return SoftF_(p.x, a.e + b.e + 32); }
  return SoftF_((p.x << 1u) | (p.y >> 31u), a.e + b.e + 31);
}
fn softbits_(a: SoftF_, negative: bool) -> u32 {
  if (a.m == 0u) { return 0u; }
  var mant = a.m >> 8u;
  let low = a.m & 0xffu;
  var ex = a.e + 8;
  if (low > 0x80u || (low == 0x80u && (mant & 1u) == 1u)) {
    mant += 1u;
    if (mant == 0x1000000u) { mant = 0x800000u; ex += 1; }
  }
  return select(0u, 0x80000000u, negative) | (u32(ex + 150) << 23u) | (mant & 0x7fffffu);
}
fn boxmuller_(x0: u32, x1: u32) -> vec2<u32> {
  let m2 = x1 & 0x7fffffu;
  let quadrant = m2 >> 21u;
  let t = m2 & 0x1fffffu;
  let swap = t > 0x100000u;
  let a = select(t, 0x200000u - t, swap);
  let y = mulhi_(a << 11u, a << 11u);
  let vs = mulhi_(y, ${horner('y', BM_SIN, '-')});
  var sn = SoftF_(0u, 0);
  if (a != 0u) {
    let c = countLeadingZeros(a);
    let phi = smul_(SoftF_(a << c, -21 - i32(c)), SoftF_(${hex(BM_HALF_PI)}, -31));
    var ps = SoftF_(0u - vs, -32);
    if (vs == 0u) { ps = SoftF_(0x80000000u, -31); }
    sn = smul_(phi, ps);
  }
  let u1m1 = ${hex(BM_COS[0])} - mulhi_(y, ${horner('y', BM_COS.slice(1), '-')});
  let vc = y + mulhi_(y, u1m1);
  var cs = SoftF_(0u - vc, -32);
  if (vc == 0u) { cs = SoftF_(0x80000000u, -31); }

  let m1 = x0 & 0x7fffffu;
  var r = SoftF_(${hex(BM_R_CLAMP)}, -29);
  if (m1 != 0u) {
    let b = 32u - countLeadingZeros(m1);
    let mm = m1 << (23u - b);
    var k: i32; var num: u32; var den: u32; var negS: bool;
    if (mm < ${BM_SQRT2_22}u) { k = i32(b) - 24; negS = true; num = mm - 0x400000u; den = 0x400000u + mm; }
    else { k = i32(b) - 23; negS = false; num = 0x800000u - mm; den = 0x800000u + mm; }
    var at = SoftF_(0u, 0);
    if (num != 0u) {
      let sh = u32(max(0, i32(countLeadingZeros(num)) - i32(countLeadingZeros(den)) - 1));
      var rem = num << sh;
      var q = 0u;
      for (var i = 0u; i < 4u; i++) { rem = rem << 8u; q = (q << 8u) | (rem / den); rem = rem % den; }
      var s2 = 0u;
      if (2u * sh < 32u) { s2 = mulhi_(q, q) >> (2u * sh); }
      let tail = mulhi_(s2, ${horner('s2', BM_ATANH, '+')});
      let cq = countLeadingZeros(q);
      let a1 = smul_(SoftF_(q << cq, -32 - i32(sh) - i32(cq)), SoftF_(0x80000000u + (tail >> 1u), -31));
      at = SoftF_(a1.m, a1.e + 1);
    }
    var lg: SoftF_;
    if (k == 0) {
      lg = at;
    } else {
      let kk = u32(-k);
      let p = mulhilo_(kk, ${hex(BM_LN2_HI)});
      var hi = p.x;
      var lo = p.y;
      let lo2 = lo + mulhi_(kk, ${hex(BM_LN2_LO)});
      if (lo2 < lo) { hi += 1u; }
      lo = lo2;
      let shA = -(at.e + 32);
      var v = 0u;
      if (at.m != 0u && shA < 32) { v = at.m >> u32(shA); }
      if (negS) { let lo3 = lo - v; if (lo3 > lo) { hi -= 1u; } lo = lo3; }
      else { let lo3 = lo + v; if (lo3 < lo) { hi += 1u; } lo = lo3; }
      if (hi != 0u) {
        let c = countLeadingZeros(hi);
        if (c == 0u) { lg = SoftF_(hi, 0); } else { lg = SoftF_((hi << c) | (lo >> (32u - c)), -i32(c)); }
      } else {
        let c = countLeadingZeros(lo);
        lg = SoftF_(lo << c, -32 - i32(c));
      }
    }
    let ee = lg.e + 1;
    let odd = (ee & 1) != 0;
    var rhi = lg.m >> 6u;
    var rlo = lg.m << 26u;
    if (odd) { rhi = lg.m >> 7u; rlo = lg.m << 25u; }
    var rem2 = 0u;
    var root = 0u;
    for (var i = 28; i >= 0; i--) {
      var bits: u32;
      if (i >= 16) { bits = (rhi >> u32(2 * i - 32)) & 3u; } else { bits = (rlo >> u32(2 * i)) & 3u; }
      rem2 = (rem2 << 2u) | bits;
      let trial = (root << 2u) | 1u;
      root = root << 1u;
      if (rem2 >= trial) { rem2 -= trial; root |= 1u; }
    }
    let c = countLeadingZeros(root);
    r = SoftF_(root << c, (select(ee - 26, ee - 25, odd) >> 1u) - i32(c));
  }
  var sa = sn;
  var ca = cs;
  if (swap) { sa = cs; ca = sn; }
  var first = sa;
  var second = ca;
  if ((quadrant & 1u) == 1u) { first = ca; second = sa; }
  return vec2<u32>(softbits_(smul_(first, r), quadrant >= 2u), softbits_(smul_(second, r), quadrant == 1u || quadrant == 2u));
}`;

/** Block p of this run: the counter (p, run, seed2 lo, seed2 hi) and key (seed lo, seed hi) from the params. */
const COUNTER = (p: string): string => `philox_(vec4<u32>(${p}, params[4], params[2], params[3]), vec2<u32>(params[0], params[1]))`;

export type RandomGpuOp = 'RandomUniform' | 'RandomUniformInt' | 'RandomStandardNormal' | 'TruncatedNormal';

export interface RandomGpuOptions {
  op: RandomGpuOp;
  /** The per-run parameters [key0, key1, c2, c3, run], advancing this node's run counter (random.ts). */
  params: () => Uint32Array;
  /** RandomUniformInt: minval and maxval as WGSL i32 expressions, and whether they are read from buffers (then the
   * kernel checks minval < maxval and fails the run through the status words: 1, minval, maxval). */
  range?: { lo: string; hi: string; bound: boolean };
}

/**
 * One random op's kernel. One thread per Philox block (four outputs, two for int64), per element for TruncatedNormal.
 * A dispatch is always made, even for an empty output, so that the run counter advances every run as on the CPU.
 */
export function randomGpu(k: GpuKernelContext, o: RandomGpuOptions): GpuKernel {
  const out = k.outputs[0];
  const n = out.size;
  const int64 = out.dtype === 'int64';
  const perThread = o.op === 'TruncatedNormal' ? 1 : int64 ? 2 : 4;
  const threads = Math.ceil(n / perThread);
  const bindings: GpuBinding[] = [];
  const decls: string[] = [];
  const add = (b: GpuBinding, name: string, type: string, write = false): void => {
    decls.push(binding(bindings.length, name, type, write));
    bindings.push(b);
  };
  const outT = out.dtype === 'float32' ? 'f32' : 'i32';
  if (n === 0) {
    // Nothing to write; the dispatch only lets the run counter advance (params are written before every run). The
    // never-taken store keeps both bindings in the pipeline's layout.
    add({ output: 0 }, 'out0', outT, true);
    add({ params: o.params }, 'params', 'u32');
    const code = `${decls.join('\n')}
@compute @workgroup_size(1) fn main(@builtin(global_invocation_id) gid: vec3u) {
  if (gid.x == 0xffffffffu) { out0[0] = ${outT}(params[4]); }
}`;
    return { dispatches: [{ code, bindings, workgroups: [1, 1, 1] }] };
  }
  // Four outputs of a block as one vec4 store when the output is a whole number of blocks.
  const vec = perThread === 4 && n % 4 === 0;
  add({ output: 0 }, 'out0', vec ? `vec4<${outT}>` : outT, true);
  add({ params: o.params }, 'params', 'u32');
  let pre = '';
  if (o.range?.bound) {
    add({ input: 1 }, 'minval', 'i32');
    add({ input: 2 }, 'maxval', 'i32');
    add({ status: true }, 'status', 'u32', true);
    pre = `if (!(${o.range.lo} < ${o.range.hi})) { status[0] = 1u; status[1] = bitcast<u32>(${o.range.lo}); status[2] = bitcast<u32>(${o.range.hi}); return; }`;
  }
  const store = (vals: string[]): string => {
    if (vec) return `out0[i] = vec4<${outT}>(${vals.join(', ')});`;
    return vals.map((v, e) => (e === 0 ? `out0[${perThread}u * i] = ${v};` : `if (${perThread}u * i + ${e}u < ${n}u) { out0[${perThread}u * i + ${e}u] = ${v}; }`)).join('\n  ');
  };
  let body: string;
  let helpers = WGSL_PHILOX;
  switch (o.op) {
    case 'RandomUniform':
      // (w & 0x7fffff) / 2^23: an integer below 2^24 and a power of two, both exact in float32.
      body = `let w = ${COUNTER('i')};
  ${store(['x', 'y', 'z', 'w'].map((c) => `f32(w.${c} & 0x7fffffu) * ${literal(2 ** -23, 'float32')}`))}`;
      break;
    case 'RandomUniformInt': {
      const { lo, hi } = o.range!;
      body = `let w = ${COUNTER('i')};
  let lo = ${lo};
  let range = bitcast<u32>(${hi}) - bitcast<u32>(lo);
  ${int64
    ? store([0, 1].map((e) => `bitcast<i32>(bitcast<u32>(lo) + mod64_(w[${2 * e + 1}], w[${2 * e}], range))`))
    : store(['x', 'y', 'z', 'w'].map((c) => `bitcast<i32>(bitcast<u32>(lo) + w.${c} % range)`))}`;
      // (hi * 2^32 + lo) mod d, one bit of lo at a time: r < d keeps 2r + 1 within 33 bits, handled without overflow.
      if (int64) {
        helpers += `
fn mod64_(hi: u32, lo: u32, d: u32) -> u32 {
  var r = hi % d;
  for (var b = 31; b >= 0; b--) {
    let bit = (lo >> u32(b)) & 1u;
    if (r >= d - r) { r = r - (d - r) + bit; } else { r = 2u * r + bit; if (r >= d) { r -= d; } }
  }
  return r;
}`;
      }
      break;
    }
    case 'RandomStandardNormal':
      helpers += WGSL_BOX_MULLER;
      body = `let w = ${COUNTER('i')};
  let z0 = boxmuller_(w.x, w.y);
  var z1 = vec2<u32>(0u);
  if (4u * i + 2u < ${n}u) { z1 = boxmuller_(w.z, w.w); }
  ${store(['z0.x', 'z0.y', 'z1.x', 'z1.y'].map((v) => `bitcast<f32>(${v})`))}`;
      break;
    case 'TruncatedNormal':
      helpers += WGSL_BOX_MULLER;
      // The first candidate with |z| < 2 (a test on the float32 bits) among the element's 8 blocks, else 0: one
      // Box-Muller pair per iteration (a block's words 0-1, then 2-3), so the first iteration does one pair and the loop
      // ends as soon as every thread of a SIMD batch has its value (99.8% take it from the first pair). llvmpipe runs
      // both sides of a divergent branch, but leaves a loop early: a straight-line first try with a fallback search
      // measured 4.7x slower (157 vs 33 ms for 1M values), two pairs per iteration 1.6x slower.
      helpers += `
fn inrange_(z: u32) -> bool { return (z & 0x7fffffffu) < 0x40000000u; }`;
      body = `var value = 0u;
  for (var k = 0u; k < ${2 * TRUNCATED_BLOCKS_PER_ELEMENT}u; k++) {
    let w = ${COUNTER(`${TRUNCATED_BLOCKS_PER_ELEMENT}u * i + k / 2u`)};
    let second = (k & 1u) == 1u;
    let z = boxmuller_(select(w.x, w.z, second), select(w.y, w.w, second));
    if (inrange_(z.x)) { value = z.x; break; }
    if (inrange_(z.y)) { value = z.y; break; }
  }
  out0[i] = bitcast<f32>(value);`;
      break;
  }
  const g = grid(threads, WG);
  const code = `${decls.join('\n')}
${helpers}
@compute @workgroup_size(${WG}) fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = ${g.flatIndex};
  if (i >= ${threads}u) { return; }
  ${pre}
  ${body}
}`;
  return {
    dispatches: [{ code, bindings, workgroups: g.workgroups }],
    check: o.range?.bound ? (_, words) => `${k.type} node '${k.name}': Need minval < maxval: got ${words[1] | 0} >= ${words[2] | 0}` : undefined,
  };
}
