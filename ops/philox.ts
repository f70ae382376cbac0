// Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC'11), exactly as TensorFlow's
// tensorflow/core/lib/random/philox_random.h, and TF's conversions of its 32-bit words to floats
// (tensorflow/core/lib/random/random_distributions.h). The random ops (random.ts) are built on these; the layout of
// counters they use is documented at the top of random.ts.
//
// Everything here is written as 32-bit unsigned integer arithmetic that maps 1:1 onto WGSL `u32` operations, so a
// shader port is bit-identical: values are kept in [0, 2^32) with `>>> 0` after every operation that could leave that
// range (WGSL's u32 wraps there), and the 32x32 -> 64-bit multiply is built from 16-bit halves (no BigInt, no
// floating-point products beyond 2^32, which are exact in a double).

/** Philox's round multipliers and key increments (the Weyl sequence constants). */
export const PHILOX_M4x32A = 0xd2511f53;
export const PHILOX_M4x32B = 0xcd9e8d57;
export const PHILOX_W32A = 0x9e3779b9;
export const PHILOX_W32B = 0xbb67ae85;
export const PHILOX_ROUNDS = 10;

/** TruncatedNormal's element i draws its candidates from blocks 8i .. 8i+7 of its run (see random.ts). */
export const TRUNCATED_BLOCKS_PER_ELEMENT = 8;

/**
 * The full 64-bit product of two u32 values, as [hi, lo], from 16-bit halves. WGSL, step for step:
 *   let al = a & 0xffffu; let ah = a >> 16u; let bl = b & 0xffffu; let bh = b >> 16u;
 *   let ll = al * bl; let lh = al * bh; let hl = ah * bl; let hh = ah * bh;   // each < 2^32: no wrap
 *   let mid = (ll >> 16u) + (lh & 0xffffu) + (hl & 0xffffu);                   // < 3 * 2^16
 *   let hi = hh + (lh >> 16u) + (hl >> 16u) + (mid >> 16u);                    // < 2^32 (the product is < 2^64)
 *   let lo = (mid << 16u) | (ll & 0xffffu);
 */
export function mulhilo32(a: number, b: number, out: Uint32Array | number[], hiIndex: number, loIndex: number): void {
  const al = a & 0xffff, ah = a >>> 16;
  const bl = b & 0xffff, bh = b >>> 16;
  // Products of two 16-bit values are below 2^32, so exact in a double and equal to WGSL's u32 product.
  const ll = (al * bl) >>> 0;
  const lh = (al * bh) >>> 0;
  const hl = (ah * bl) >>> 0;
  const hh = (ah * bh) >>> 0;
  const mid = ((ll >>> 16) + (lh & 0xffff) + (hl & 0xffff)) >>> 0;
  out[hiIndex] = (hh + (lh >>> 16) + (hl >>> 16) + (mid >>> 16)) >>> 0;
  out[loIndex] = ((mid << 16) | (ll & 0xffff)) >>> 0;
}

const scratch = new Uint32Array(4);

/**
 * One Philox4x32-10 block: the 4 output words for a 128-bit counter (c0 least significant) and a 64-bit key.
 * Writes them to `out[offset .. offset + 3]`. Each round (TF's ComputeSingleRound):
 *   (hi0, lo0) = M_A * c0;  (hi1, lo1) = M_B * c2;
 *   c' = [hi1 ^ c1 ^ k0, lo1, hi0 ^ c3 ^ k1, lo0];
 * and between rounds the key is raised: k0 += W_A, k1 += W_B (mod 2^32).
 */
export function philox4x32(
  c0: number, c1: number, c2: number, c3: number, k0: number, k1: number,
  out: Uint32Array | number[] = new Uint32Array(4), offset = 0,
): Uint32Array | number[] {
  let x0 = c0 >>> 0, x1 = c1 >>> 0, x2 = c2 >>> 0, x3 = c3 >>> 0;
  let key0 = k0 >>> 0, key1 = k1 >>> 0;
  const m = scratch;
  for (let r = 0; r < PHILOX_ROUNDS; r++) {
    if (r > 0) {
      key0 = (key0 + PHILOX_W32A) >>> 0;
      key1 = (key1 + PHILOX_W32B) >>> 0;
    }
    mulhilo32(PHILOX_M4x32A, x0, m, 0, 1); // m[0] = hi0, m[1] = lo0
    mulhilo32(PHILOX_M4x32B, x2, m, 2, 3); // m[2] = hi1, m[3] = lo1
    const n0 = (m[2] ^ x1 ^ key0) >>> 0;
    const n1 = m[3];
    const n2 = (m[0] ^ x3 ^ key1) >>> 0;
    const n3 = m[1];
    x0 = n0; x1 = n1; x2 = n2; x3 = n3;
  }
  out[offset] = x0;
  out[offset + 1] = x1;
  out[offset + 2] = x2;
  out[offset + 3] = x3;
  return out;
}

// ---- TF's conversions of random words (random_distributions.h) --------------------------------------------------

const TWO_POW_23 = 8388608;
const TWO_POW_32 = 4294967296;
const TWO_POW_52 = 4503599627370496;

/**
 * TF's Uint32ToFloat: the float with exponent 0 and the word's low 23 bits as mantissa, minus 1 — i.e. exactly
 * (x & 0x7fffff) / 2^23, a float32 in [0, 1). (WGSL: bitcast<f32>((x & 0x7fffffu) | 0x3f800000u) - 1.0.)
 */
export function uint32ToFloat(x: number): number {
  return (x & 0x7fffff) / TWO_POW_23;
}

/** TF's Uint64ToDouble: 52 mantissa bits, the upper 20 from x0's low bits and the lower 32 from x1; in [0, 1). */
export function uint64ToDouble(x0: number, x1: number): number {
  return ((x0 & 0xfffff) * TWO_POW_32 + (x1 >>> 0)) / TWO_POW_52;
}

// ---- Box-Muller in float32, bit-identical on every executor ----------------------------------------------------
//
// TF's BoxMullerFloat calls logf, sqrtf, sinf and cosf, whose last bits differ between platforms (JS's Math works in
// double, a GPU's builtins are within a few ulp, and a shader compiler may fuse a * b + c into an FMA). So that the
// CPU and GPU executors give the same numbers, Kiln computes the same Box-Muller values with integer arithmetic only:
// 32-bit unsigned words, their 64-bit products from 16-bit halves (mulhilo32), shifts and integer division, all exact
// in JS and in WGSL, then assembles the float32 bits by hand. Every step below has a line-for-line WGSL twin in
// ops/wgsl/random.ts.
//
// For words x0, x1: u1 = max(Uint32ToFloat(x0), 1e-7f), theta = 2 pi Uint32ToFloat(x1) (exactly, not rounded to
// float32 first as TF does), r = sqrt(-2 ln u1); the outputs are r sin(theta) and r cos(theta), each within one
// float32 ulp of the exact value (tests/philox.test.ts measures it). Intermediate values are "soft floats": a
// mantissa m in [2^31, 2^32) and an exponent e, worth m * 2^e (m = 0: zero); products keep the top 32 bits.
//
//   theta: the angle's 23 bits are a quadrant (2 bits) and 21 bits t within it; folded to a in [0, 2^20] so that
//     phi = (pi/2) a / 2^21 is in [0, pi/4], where sin(phi) / phi and cos(phi) are polynomials in y = (a / 2^21)^2
//     (Taylor series to y^6, coefficients in 0.32 fixed point; truncation < 4e-13).
//   ln u1 = k ln 2 + ln f with f in [1/sqrt2, sqrt2), and ln f = -2 atanh(s), s = (1 - f) / (1 + f) an exact ratio of
//     integers (|s| <= 0.1716), divided out to 32 bits; atanh by its odd series to s^13. Where k = 0 (u1 near 1)
//     -ln u1 is 2 atanh(s) alone, so it keeps its relative accuracy however small; else -k ln 2 is added in 32.32
//     fixed point. r = sqrt(2 L) by a digit-by-digit integer square root (29-bit root).

/** sin(phi)/phi = 1 - y (S1 - y (S2 - ... - y S6)) and cos(phi) = 1 - y (1 + C1M1 - y (C2 - ... - y C6)), 0.32 fixed. */
export const BM_SIN = [0x69469989, 0x0cfce5a0, 0x00c35472, 0x0006b1a0, 0x00002670, 0x0000009c];
export const BM_COS = [0x3bd3cc9c, 0x40f07c20, 0x05574f20, 0x003c3ea1, 0x0001a6d2, 0x000007e7];
/** 1/3, 1/5, ..., 1/13 in 0.32 fixed point (atanh's series). */
export const BM_ATANH = [0x55555555, 0x33333333, 0x24924925, 0x1c71c71c, 0x1745d174, 0x13b13b14];
/** pi/2 as a soft float's mantissa (exponent -31); ln 2 in 0.64 fixed point; sqrt(-2 ln 1e-7f) (exponent -29). */
export const BM_HALF_PI = 0xc90fdaa2;
export const BM_LN2_HI = 0xb17217f7;
export const BM_LN2_LO = 0xd1cf79ab;
export const BM_R_CLAMP = 0xb5afa807;
/** ceil(sqrt(2) * 2^22): a 23-bit mantissa M below it means M / 2^22 < sqrt(2). */
export const BM_SQRT2_22 = 5931642;

/** The high word of a * b (u32 values): mulhilo32's, inlined for speed. */
function mulhi(a: number, b: number): number {
  const al = a & 0xffff, ah = a >>> 16, bl = b & 0xffff, bh = b >>> 16;
  const ll = al * bl, lh = al * bh, hl = ah * bl;
  const mid = (ll >>> 16) + (lh & 0xffff) + (hl & 0xffff);
  return (ah * bh + (lh >>> 16) + (hl >>> 16) + (mid >>> 16)) >>> 0;
}

/** Soft float product into (sm, se): the top 32 bits of the 64-bit mantissa product. */
let sm = 0, se = 0;
function smul(m1: number, e1: number, m2: number, e2: number): void {
  if (m1 === 0 || m2 === 0) { sm = 0; se = 0; return; }
  const hi = mulhi(m1, m2);
  if (hi >= 0x80000000) { sm = hi; se = e1 + e2 + 32; } else { sm = ((hi << 1) | (Math.imul(m1, m2) >>> 31)) >>> 0; se = e1 + e2 + 31; }
}

/** The float32 bits of soft float (m, e) with a sign, rounded to nearest even. */
function softToF32Bits(m: number, e: number, negative: boolean): number {
  if (m === 0) return 0;
  let mant = m >>> 8;
  const low = m & 0xff;
  let ex = e + 8;
  if (low > 0x80 || (low === 0x80 && (mant & 1) === 1)) {
    mant += 1;
    if (mant === 0x1000000) { mant = 0x800000; ex += 1; }
  }
  return ((negative ? 0x80000000 : 0) | ((ex + 150) << 23) | (mant & 0x7fffff)) >>> 0;
}

/**
 * Kiln's float32 Box-Muller (see above): writes the float32 bits of r sin(theta) and r cos(theta) to
 * out[offset], out[offset + 1]. Integer arithmetic only, the same in ops/wgsl/random.ts.
 */
export function boxMullerFloatBits(x0: number, x1: number, out: Uint32Array, offset: number): void {
  // ---- the angle: sin and cos of phi in [0, pi/4] as soft floats
  const m2 = x1 & 0x7fffff;
  const quadrant = m2 >>> 21;
  const t = m2 & 0x1fffff;
  const swap = t > 0x100000;
  const a = swap ? 0x200000 - t : t;
  const y = mulhi(a << 11, a << 11); // (a / 2^21)^2 in 0.32
  let p = BM_SIN[5];
  for (let i = 4; i >= 0; i--) p = (BM_SIN[i] - mulhi(y, p)) >>> 0;
  const vs = mulhi(y, p); // 1 - sin(phi)/phi
  let sinM = 0, sinE = 0;
  if (a !== 0) {
    const c = Math.clz32(a);
    smul((a << c) >>> 0, -21 - c, BM_HALF_PI, -31); // phi
    const pm = vs === 0 ? 0x80000000 : (0x100000000 - vs) >>> 0;
    smul(sm, se, pm, vs === 0 ? -31 : -32);
    sinM = sm; sinE = se;
  }
  let w = BM_COS[5];
  for (let i = 4; i >= 1; i--) w = (BM_COS[i] - mulhi(y, w)) >>> 0;
  const u1m1 = (BM_COS[0] - mulhi(y, w)) >>> 0; // cos(phi) = 1 - y (1 + u1m1)
  const vc = (y + mulhi(y, u1m1)) >>> 0;
  const cosM = vc === 0 ? 0x80000000 : (0x100000000 - vc) >>> 0;
  const cosE = vc === 0 ? -31 : -32;

  // ---- the radius r = sqrt(-2 ln u1) as a soft float
  const m1 = x0 & 0x7fffff;
  let rM: number, rE: number;
  if (m1 === 0) {
    rM = BM_R_CLAMP; rE = -29; // u1 = 1e-7f
  } else {
    const b = 32 - Math.clz32(m1);
    const M = (m1 << (23 - b)) >>> 0;
    let k: number, num: number, den: number, negS: boolean;
    if (M < BM_SQRT2_22) { k = b - 24; negS = true; num = M - 0x400000; den = 0x400000 + M; } else { k = b - 23; negS = false; num = 0x800000 - M; den = 0x800000 + M; }
    // 2 atanh(|s|), |s| = num / den, as a soft float (zero when num is 0)
    let aM = 0, aE = 0;
    if (num !== 0) {
      const sh = Math.max(0, Math.clz32(num) - Math.clz32(den) - 1);
      let rem = (num << sh) >>> 0;
      let q = 0;
      for (let i = 0; i < 4; i++) {
        rem = (rem << 8) >>> 0;
        q = ((q << 8) | Math.floor(rem / den)) >>> 0;
        rem = rem % den;
      }
      const s2 = 2 * sh >= 32 ? 0 : mulhi(q, q) >>> (2 * sh); // s^2 in 0.32
      let tp = BM_ATANH[5];
      for (let i = 4; i >= 0; i--) tp = (BM_ATANH[i] + mulhi(s2, tp)) >>> 0;
      const tail = mulhi(s2, tp); // atanh(s)/s - 1
      const cq = Math.clz32(q);
      smul((q << cq) >>> 0, -32 - sh - cq, (0x80000000 + (tail >>> 1)) >>> 0, -31);
      aM = sm; aE = se + 1;
    }
    let lM: number, lE: number;
    if (k === 0) {
      lM = aM; lE = aE;
    } else {
      // -ln u1 = K ln 2 -/+ 2 atanh(|s|) in 32.32 fixed point (K = -k in 1..23), then normalised
      const K = -k;
      let hi = mulhi(K, BM_LN2_HI), lo = Math.imul(K, BM_LN2_HI) >>> 0;
      const add = mulhi(K, BM_LN2_LO);
      const lo2 = (lo + add) >>> 0;
      if (lo2 < lo) hi = (hi + 1) >>> 0;
      lo = lo2;
      const shA = -(aE + 32);
      const v = aM === 0 || shA >= 32 ? 0 : aM >>> shA;
      if (negS) {
        const lo3 = (lo - v) >>> 0;
        if (lo3 > lo) hi = (hi - 1) >>> 0;
        lo = lo3;
      } else {
        const lo3 = (lo + v) >>> 0;
        if (lo3 < lo) hi = (hi + 1) >>> 0;
        lo = lo3;
      }
      if (hi !== 0) {
        const c = Math.clz32(hi);
        lM = c === 0 ? hi : ((hi << c) | (lo >>> (32 - c))) >>> 0;
        lE = -c;
      } else {
        const c = Math.clz32(lo);
        lM = (lo << c) >>> 0;
        lE = -32 - c;
      }
    }
    // r = sqrt(2 L): radicand m * 2^26 or m * 2^25 (< 2^58) with an even exponent, 29-bit integer root
    const E = lE + 1;
    const odd = (E & 1) !== 0;
    const rhi = odd ? lM >>> 7 : lM >>> 6;
    const rlo = (odd ? lM << 25 : lM << 26) >>> 0;
    let rem = 0, root = 0;
    for (let i = 28; i >= 0; i--) {
      const bits = i >= 16 ? (rhi >>> (2 * i - 32)) & 3 : (rlo >>> (2 * i)) & 3;
      rem = ((rem << 2) | bits) >>> 0;
      const trial = ((root << 2) | 1) >>> 0;
      root = (root << 1) >>> 0;
      if (rem >= trial) { rem = (rem - trial) >>> 0; root = (root | 1) >>> 0; }
    }
    const c = Math.clz32(root);
    rM = (root << c) >>> 0;
    rE = ((odd ? E - 25 : E - 26) >> 1) - c;
  }

  // ---- the outputs: (sin, cos) of the quadrant's angle times r
  // sin and cos of the quadrant's angle: q = 0: (sa, ca); 1: (ca, -sa); 2: (-sa, -ca); 3: (-ca, sa), where
  // (sa, ca) = (sin phi, cos phi), swapped when phi was folded
  const firstIsSin = swap === ((quadrant & 1) === 1);
  smul(firstIsSin ? sinM : cosM, firstIsSin ? sinE : cosE, rM, rE);
  out[offset] = softToF32Bits(sm, se, quadrant >= 2);
  smul(firstIsSin ? cosM : sinM, firstIsSin ? cosE : sinE, rM, rE);
  out[offset + 1] = softToF32Bits(sm, se, quadrant === 1 || quadrant === 2);
}

const bitsScratch = new Uint32Array(2);
const floatView = new Float32Array(bitsScratch.buffer);

/** Kiln's float32 Box-Muller as numbers: r sin(theta) -> out[offset], r cos(theta) -> out[offset + 1]. */
export function boxMullerFloat(x0: number, x1: number, out: Float64Array | number[], offset: number): void {
  boxMullerFloatBits(x0, x1, bitsScratch, 0);
  out[offset] = floatView[0];
  out[offset + 1] = floatView[1];
}

/** TF's BoxMullerDouble: two doubles from four words (u1 from x0,x1; the angle from x2,x3). */
export function boxMullerDouble(x0: number, x1: number, x2: number, x3: number, out: Float64Array | number[], offset: number): void {
  let u1 = uint64ToDouble(x0, x1);
  if (u1 < 1e-7) u1 = 1e-7;
  const v1 = 2 * Math.PI * uint64ToDouble(x2, x3);
  const u2 = Math.sqrt(-2 * Math.log(u1));
  out[offset] = Math.sin(v1) * u2;
  out[offset + 1] = Math.cos(v1) * u2;
}

/** A 64-bit seed (a JS integer, possibly negative: two's complement) as [lo32, hi32]. */
export function splitSeed(seed: number): [number, number] {
  const s = Math.trunc(seed);
  const lo = ((s % TWO_POW_32) + TWO_POW_32) % TWO_POW_32;
  const hi = ((Math.floor(s / TWO_POW_32) % TWO_POW_32) + TWO_POW_32) % TWO_POW_32;
  return [lo >>> 0, hi >>> 0];
}
