// f32 GEMM micro-kernel, 4x8 tile, wasm SIMD128 without FMA: per k step 2 loads of packed B, 4 broadcast loads of
// packed A (v128.load32_splat: one vbroadcastss each on x86, no shuffle port), 8 f32x4.mul + 8 f32x4.add. The
// products are summed in k order, one rounding per mul and per add, so an element's value depends only on A and B,
// never on the tiling or the thread that computed it.
// Reaches (Node 20, one thread, the 2-core Intel Xeon @ 2.80GHz the project runs on): 26.6 GFLOP/s with the operands
// in cache (m=128, n=256, k=256), about 8 flops a cycle: the ceiling of 128-bit SIMD without FMA, where a mul and an
// add each take one of the two vector FP ports. Unrolling the k loop (tried: 4x) does not move that peak. The FMA
// build reaches 34 GFLOP/s at 256^3 (the 6 loads and loop overhead per k step, not the FP ports, then bound it).
#include "gemm.h"
#include "simd_math.h"

#ifdef KILN_RELAXED_FMA
// kernels_fma.wasm: one fused multiply-add per product (relaxed SIMD; V8 emits vfmadd on x86 with FMA3). clang 14
// knows only the pre-standard f32x4.fma (opcode 0xaf, computing x + y*z); build.sh rewrites each one to the standard
// f32x4.relaxed_madd (0x105, computing x*y + z), so the operands are passed in relaxed_madd's order: a, b, acc.
#define FMAC(acc, a, b) acc = __builtin_wasm_fma_f32x4(a, b, acc)
#else
#define FMAC(acc, a, b) acc = wasm_f32x4_add(acc, wasm_f32x4_mul(a, b))
#endif

void kiln_gemm_f32_4x8(int kc, const float *restrict a, const float *restrict b, float *restrict c, int ldc, int mr,
                       int nr, int flags, const float *restrict bias, int act, float alpha) {
  const int full = mr == GEMM_MR && nr == GEMM_NR;
  float tmp[GEMM_MR * GEMM_NR];  // partial tiles go through here (on this thread's stack)
  v128_t c00, c01, c10, c11, c20, c21, c30, c31;
  if (flags & GEMM_ACCUMULATE) {
    const float *src = c;
    int ld = ldc;
    if (!full) {
      for (int i = 0; i < GEMM_MR * GEMM_NR; i++) tmp[i] = 0.0f;
      for (int i = 0; i < mr; i++)
        for (int j = 0; j < nr; j++) tmp[i * GEMM_NR + j] = c[i * ldc + j];
      src = tmp;
      ld = GEMM_NR;
    }
    c00 = wasm_v128_load(src + 0 * ld); c01 = wasm_v128_load(src + 0 * ld + 4);
    c10 = wasm_v128_load(src + 1 * ld); c11 = wasm_v128_load(src + 1 * ld + 4);
    c20 = wasm_v128_load(src + 2 * ld); c21 = wasm_v128_load(src + 2 * ld + 4);
    c30 = wasm_v128_load(src + 3 * ld); c31 = wasm_v128_load(src + 3 * ld + 4);
  } else {
    c00 = c01 = c10 = c11 = c20 = c21 = c30 = c31 = wasm_f32x4_splat(0.0f);
  }
  for (int k = 0; k < kc; k++) {
    const v128_t b0 = wasm_v128_load(b), b1 = wasm_v128_load(b + 4);
    const v128_t a0 = wasm_v128_load32_splat(a + 0);
    FMAC(c00, a0, b0); FMAC(c01, a0, b1);
    const v128_t a1 = wasm_v128_load32_splat(a + 1);
    FMAC(c10, a1, b0); FMAC(c11, a1, b1);
    const v128_t a2 = wasm_v128_load32_splat(a + 2);
    FMAC(c20, a2, b0); FMAC(c21, a2, b1);
    const v128_t a3 = wasm_v128_load32_splat(a + 3);
    FMAC(c30, a3, b0); FMAC(c31, a3, b1);
    a += GEMM_MR;
    b += GEMM_NR;
  }
  if (flags & GEMM_LAST) {
    if (bias) {
      v128_t bias0, bias1;
      if (nr == GEMM_NR) {
        bias0 = wasm_v128_load(bias); bias1 = wasm_v128_load(bias + 4);
      } else {
        float bt[GEMM_NR] = {0};
        for (int j = 0; j < nr; j++) bt[j] = bias[j];
        bias0 = wasm_v128_load(bt); bias1 = wasm_v128_load(bt + 4);
      }
      c00 = wasm_f32x4_add(c00, bias0); c01 = wasm_f32x4_add(c01, bias1);
      c10 = wasm_f32x4_add(c10, bias0); c11 = wasm_f32x4_add(c11, bias1);
      c20 = wasm_f32x4_add(c20, bias0); c21 = wasm_f32x4_add(c21, bias1);
      c30 = wasm_f32x4_add(c30, bias0); c31 = wasm_f32x4_add(c31, bias1);
    }
    if (act != ACT_NONE) {
      const v128_t al = wasm_f32x4_splat(alpha);
      kiln_math_t mt;
      KILN_MATH_LOAD(mt);
      const kiln_math_t *m = &mt;
      c00 = kiln_activate_f32x4(c00, act, al, m); c01 = kiln_activate_f32x4(c01, act, al, m);
      c10 = kiln_activate_f32x4(c10, act, al, m); c11 = kiln_activate_f32x4(c11, act, al, m);
      c20 = kiln_activate_f32x4(c20, act, al, m); c21 = kiln_activate_f32x4(c21, act, al, m);
      c30 = kiln_activate_f32x4(c30, act, al, m); c31 = kiln_activate_f32x4(c31, act, al, m);
    }
  }
  float *dst = full ? c : tmp;
  const int ld = full ? ldc : GEMM_NR;
  wasm_v128_store(dst + 0 * ld, c00); wasm_v128_store(dst + 0 * ld + 4, c01);
  wasm_v128_store(dst + 1 * ld, c10); wasm_v128_store(dst + 1 * ld + 4, c11);
  wasm_v128_store(dst + 2 * ld, c20); wasm_v128_store(dst + 2 * ld + 4, c21);
  wasm_v128_store(dst + 3 * ld, c30); wasm_v128_store(dst + 3 * ld + 4, c31);
  if (!full)
    for (int i = 0; i < mr; i++)
      for (int j = 0; j < nr; j++) c[i * ldc + j] = tmp[i * GEMM_NR + j];
}
