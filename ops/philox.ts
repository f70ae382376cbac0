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

const F32_EPSILON_1E7 = Math.fround(1e-7);

/**
 * TF's BoxMullerFloat, with float32 rounding after each step as the C++ does:
 *   u1 = max(Uint32ToFloat(x0), 1e-7f); v1 = (float)(2 * M_PI * Uint32ToFloat(x1));  (M_PI is a double)
 *   u2 = sqrtf(-2 * logf(u1)); f0 = sinf(v1) * u2; f1 = cosf(v1) * u2.
 * The words are bit-exact everywhere; sin/cos/log may differ from another platform's in the last bit.
 */
export function boxMullerFloat(x0: number, x1: number, out: Float64Array | number[], offset: number): void {
  const f = Math.fround;
  let u1 = uint32ToFloat(x0);
  if (u1 < F32_EPSILON_1E7) u1 = F32_EPSILON_1E7;
  const v1 = f(2 * Math.PI * uint32ToFloat(x1));
  const u2 = f(Math.sqrt(f(-2 * f(Math.log(u1)))));
  out[offset] = f(f(Math.sin(v1)) * u2);
  out[offset + 1] = f(f(Math.cos(v1)) * u2);
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
