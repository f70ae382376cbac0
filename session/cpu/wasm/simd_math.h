// Vector transcendental functions for the epilogues and elementwise kernels (no libm in the build).
#pragma once
#include "kiln.h"

// The functions' constants live in a table in memory (runtime.c), loaded into locals once per kernel call
// (KILN_MATH_LOAD): V8 has no constant pool for v128, so a v128.const inside a loop is re-materialised with several
// instructions on every iteration, which made exp cost twice its arithmetic. The table is an extern, non-const
// global, so clang cannot fold it back into v128.const.
enum {
  MC_EXP_HI, MC_EXP_LO, MC_LOG2E, MC_MAGIC, MC_LN2_HI, MC_LN2_LO, MC_P5, MC_P4, MC_P3, MC_P2, MC_P1, MC_P0, MC_ONE,
  MC_INF, MC_SIX, MC_TANH_CLAMP, MC_TANH_TINY, MC_A13, MC_A11, MC_A9, MC_A7, MC_A5, MC_A3, MC_A1, MC_B6, MC_B4, MC_B2,
  MC_B0, MC_I127, MC_COUNT
};
typedef union { float f[4]; int32_t i[4]; } kiln_math_entry_t;
extern kiln_math_entry_t kiln_math_table[MC_COUNT];
typedef struct { v128_t c[MC_COUNT]; } kiln_math_t;
#define KILN_MATH_LOAD(m) \
  for (int mc_i_ = 0; mc_i_ < MC_COUNT; mc_i_++) (m).c[mc_i_] = wasm_v128_load(&kiln_math_table[mc_i_])
#define K(i) (m->c[MC_##i])

// exp: Cephes' expf scheme. n = round(x / ln2), r = x - n ln2 (ln2 split in two so r is exact), exp(r) by a degree-5
// polynomial on |r| <= ln2/2, times 2^n built in the exponent bits. About 1 ulp on the normal range; x > 88.72
// gives +inf, x < -87.33 gives 0 (TF gives a subnormal there: an absolute error under 1.2e-38), NaN stays NaN.
KILN_INLINE v128_t kiln_exp_f32x4(v128_t x, const kiln_math_t *m) {
  v128_t xc = wasm_f32x4_pmin(wasm_f32x4_pmax(x, K(EXP_LO)), K(EXP_HI));
  // Round to an integer by adding 1.5 * 2^23 (the sum's ulp is 1, so the add rounds to nearest-even, as
  // f32x4.nearest would) and read n's bits straight from the sum (no i32x4.trunc_sat_f32x4: a long sequence in V8).
  v128_t nm = wasm_f32x4_add(wasm_f32x4_mul(xc, K(LOG2E)), K(MAGIC));
  v128_t n = wasm_f32x4_sub(nm, K(MAGIC));
  v128_t r = wasm_f32x4_sub(xc, wasm_f32x4_mul(n, K(LN2_HI)));
  r = wasm_f32x4_sub(r, wasm_f32x4_mul(n, K(LN2_LO)));
  v128_t p = K(P5);
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), K(P4));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), K(P3));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), K(P2));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), K(P1));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), K(P0));
  p = wasm_f32x4_add(wasm_f32x4_add(wasm_f32x4_mul(wasm_f32x4_mul(p, r), r), r), K(ONE));
  // n is in [-126, 128]: 2^n as two factors so n = 128 (x just under the overflow bound) does not overflow the
  // exponent field on its own.
  v128_t ni = wasm_i32x4_sub(nm, K(MAGIC));
  v128_t half = wasm_i32x4_shr(ni, 1);
  v128_t s1 = wasm_i32x4_shl(wasm_i32x4_add(half, K(I127)), 23);
  v128_t s2 = wasm_i32x4_shl(wasm_i32x4_add(wasm_i32x4_sub(ni, half), K(I127)), 23);
  v128_t y = wasm_f32x4_mul(wasm_f32x4_mul(p, s1), s2);
  y = wasm_v128_bitselect(K(INF), y, wasm_f32x4_gt(x, K(EXP_HI)));
  y = wasm_v128_andnot(y, wasm_f32x4_lt(x, K(EXP_LO)));   // underflow to 0
  return wasm_v128_bitselect(x, y, wasm_f32x4_ne(x, x));  // NaN in, NaN out
}

// tanh: Eigen's rational approximation (Eigen/src/Core/MathFunctionsImpl.h, generic_fast_tanh_float), the one TF's
// CPU Tanh kernel runs, so Kiln's numbers sit within an ulp or two of TensorFlow's rather than of libm's.
KILN_INLINE v128_t kiln_tanh_f32x4(v128_t x, const kiln_math_t *m) {
  v128_t xc = wasm_f32x4_pmin(wasm_f32x4_pmax(x, wasm_f32x4_neg(K(TANH_CLAMP))), K(TANH_CLAMP));
  v128_t x2 = wasm_f32x4_mul(xc, xc);
  v128_t p = K(A13);
  p = wasm_f32x4_add(wasm_f32x4_mul(p, x2), K(A11));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, x2), K(A9));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, x2), K(A7));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, x2), K(A5));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, x2), K(A3));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, x2), K(A1));
  p = wasm_f32x4_mul(p, xc);
  v128_t q = K(B6);
  q = wasm_f32x4_add(wasm_f32x4_mul(q, x2), K(B4));
  q = wasm_f32x4_add(wasm_f32x4_mul(q, x2), K(B2));
  q = wasm_f32x4_add(wasm_f32x4_mul(q, x2), K(B0));
  v128_t y = wasm_f32x4_div(p, q);
  // Tiny |x|: tanh(x) = x to float precision (and keeps -0).
  v128_t tiny = wasm_f32x4_lt(wasm_f32x4_abs(x), K(TANH_TINY));
  return wasm_v128_bitselect(x, y, wasm_v128_or(tiny, wasm_f32x4_ne(x, x)));
}

// sigmoid = 1 / (1 + exp(-x)): exp(-x) = inf for x < -88.7 gives exactly 0, as TF does.
KILN_INLINE v128_t kiln_sigmoid_f32x4(v128_t x, const kiln_math_t *m) {
  return wasm_f32x4_div(K(ONE), wasm_f32x4_add(K(ONE), kiln_exp_f32x4(wasm_f32x4_neg(x), m)));
}

// The fused epilogue's activation (TF: Relu, Relu6, Elu, LeakyRelu(alpha), Sigmoid, Tanh).
KILN_INLINE v128_t kiln_activate_f32x4(v128_t x, int act, v128_t alpha, const kiln_math_t *m) {
  const v128_t zero = wasm_f32x4_splat(0.0f);
  switch (act) {
    case ACT_RELU: return wasm_f32x4_pmax(x, zero);
    case ACT_RELU6: return wasm_f32x4_pmin(wasm_f32x4_pmax(x, zero), K(SIX));
    case ACT_ELU: {
      v128_t em1 = wasm_f32x4_sub(kiln_exp_f32x4(x, m), K(ONE));
      return wasm_v128_bitselect(x, em1, wasm_f32x4_gt(x, zero));
    }
    case ACT_LEAKY_RELU: return wasm_v128_bitselect(x, wasm_f32x4_mul(x, alpha), wasm_f32x4_gt(x, zero));
    case ACT_SIGMOID: return kiln_sigmoid_f32x4(x, m);
    case ACT_TANH: return kiln_tanh_f32x4(x, m);
    default: return x;
  }
}

#undef K
