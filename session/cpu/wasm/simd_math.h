// Vector transcendental functions for the epilogues and elementwise kernels (no libm in the build).
#pragma once
#include "kiln.h"

// exp: Cephes' expf scheme. n = round(x / ln2), r = x - n ln2 (ln2 split in two so r is exact), exp(r) by a degree-5
// polynomial on |r| <= ln2/2, times 2^n built in the exponent bits. About 1 ulp on the normal range; x > 88.72
// gives +inf, x < -87.33 gives 0 (TF gives a subnormal there: an absolute error under 1.2e-38), NaN stays NaN.
KILN_INLINE v128_t kiln_exp_f32x4(v128_t x) {
  const v128_t hi = wasm_f32x4_splat(88.72283935546875f), lo = wasm_f32x4_splat(-87.33654022216797f);
  v128_t xc = wasm_f32x4_pmin(wasm_f32x4_pmax(x, lo), hi);
  v128_t n = wasm_f32x4_nearest(wasm_f32x4_mul(xc, wasm_f32x4_splat(1.44269504088896341f)));
  v128_t r = wasm_f32x4_sub(xc, wasm_f32x4_mul(n, wasm_f32x4_splat(0.693359375f)));
  r = wasm_f32x4_sub(r, wasm_f32x4_mul(n, wasm_f32x4_splat(-2.12194440e-4f)));
  v128_t p = wasm_f32x4_splat(1.9875691500e-4f);
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(1.3981999507e-3f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(8.3334519073e-3f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(4.1665795894e-2f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(1.6666665459e-1f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(5.0000001201e-1f));
  p = wasm_f32x4_add(wasm_f32x4_add(wasm_f32x4_mul(wasm_f32x4_mul(p, r), r), r), wasm_f32x4_splat(1.0f));
  // n is in [-126, 128]: 2^n as two factors so n = 128 (x just under the overflow bound) does not overflow the
  // exponent field on its own.
  v128_t ni = wasm_i32x4_trunc_sat_f32x4(n);
  v128_t half = wasm_i32x4_shr(ni, 1);
  v128_t s1 = wasm_i32x4_shl(wasm_i32x4_add(half, wasm_i32x4_splat(127)), 23);
  v128_t s2 = wasm_i32x4_shl(wasm_i32x4_add(wasm_i32x4_sub(ni, half), wasm_i32x4_splat(127)), 23);
  v128_t y = wasm_f32x4_mul(wasm_f32x4_mul(p, s1), s2);
  y = wasm_v128_bitselect(wasm_f32x4_splat(__builtin_inff()), y, wasm_f32x4_gt(x, hi));
  y = wasm_v128_andnot(y, wasm_f32x4_lt(x, lo));          // underflow to 0
  return wasm_v128_bitselect(x, y, wasm_f32x4_ne(x, x));  // NaN in, NaN out
}

// tanh: Eigen's rational approximation (Eigen/src/Core/MathFunctionsImpl.h, generic_fast_tanh_float), the one TF's
// CPU Tanh kernel runs, so Kiln's numbers sit within an ulp or two of TensorFlow's rather than of libm's.
KILN_INLINE v128_t kiln_tanh_f32x4(v128_t x) {
  const v128_t clamp = wasm_f32x4_splat(7.90531110763549805f);
  v128_t xc = wasm_f32x4_pmin(wasm_f32x4_pmax(x, wasm_f32x4_neg(clamp)), clamp);
  v128_t x2 = wasm_f32x4_mul(xc, xc);
  v128_t p = wasm_f32x4_splat(-2.76076847742355e-16f);
  p = wasm_f32x4_add(wasm_f32x4_mul(p, x2), wasm_f32x4_splat(2.00018790482477e-13f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, x2), wasm_f32x4_splat(-8.60467152213735e-11f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, x2), wasm_f32x4_splat(5.12229709037114e-08f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, x2), wasm_f32x4_splat(1.48572235717979e-05f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, x2), wasm_f32x4_splat(6.37261928875436e-04f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, x2), wasm_f32x4_splat(4.89352455891786e-03f));
  p = wasm_f32x4_mul(p, xc);
  v128_t q = wasm_f32x4_splat(1.19825839466702e-06f);
  q = wasm_f32x4_add(wasm_f32x4_mul(q, x2), wasm_f32x4_splat(1.18534705686654e-04f));
  q = wasm_f32x4_add(wasm_f32x4_mul(q, x2), wasm_f32x4_splat(2.26843463243900e-03f));
  q = wasm_f32x4_add(wasm_f32x4_mul(q, x2), wasm_f32x4_splat(4.89352518554385e-03f));
  v128_t y = wasm_f32x4_div(p, q);
  // Tiny |x|: tanh(x) = x to float precision (and keeps -0).
  v128_t tiny = wasm_f32x4_lt(wasm_f32x4_abs(x), wasm_f32x4_splat(0.0004f));
  return wasm_v128_bitselect(x, y, wasm_v128_or(tiny, wasm_f32x4_ne(x, x)));
}

// sigmoid = 1 / (1 + exp(-x)): exp(-x) = inf for x < -88.7 gives exactly 0, as TF does.
KILN_INLINE v128_t kiln_sigmoid_f32x4(v128_t x) {
  const v128_t one = wasm_f32x4_splat(1.0f);
  return wasm_f32x4_div(one, wasm_f32x4_add(one, kiln_exp_f32x4(wasm_f32x4_neg(x))));
}

// The fused epilogue's activation (TF: Relu, Relu6, Elu, LeakyRelu(alpha), Sigmoid, Tanh).
KILN_INLINE v128_t kiln_activate_f32x4(v128_t x, int act, v128_t alpha) {
  const v128_t zero = wasm_f32x4_splat(0.0f);
  switch (act) {
    case ACT_RELU: return wasm_f32x4_pmax(x, zero);
    case ACT_RELU6: return wasm_f32x4_pmin(wasm_f32x4_pmax(x, zero), wasm_f32x4_splat(6.0f));
    case ACT_ELU: {
      v128_t em1 = wasm_f32x4_sub(kiln_exp_f32x4(x), wasm_f32x4_splat(1.0f));
      return wasm_v128_bitselect(x, em1, wasm_f32x4_gt(x, zero));
    }
    case ACT_LEAKY_RELU: return wasm_v128_bitselect(x, wasm_f32x4_mul(x, alpha), wasm_f32x4_gt(x, zero));
    case ACT_SIGMOID: return kiln_sigmoid_f32x4(x);
    case ACT_TANH: return kiln_tanh_f32x4(x);
    default: return x;
  }
}
