// Row reductions shared by reduce_f32.c and softmax_f32.c. The summation order is fixed by the row length alone:
// 16 lanes (4 vector accumulators, for instruction-level parallelism) over the first 16*floor(cols/16) values,
// folded pairwise to 4 lanes, then the remaining whole vectors, then the lanes pairwise, then the last cols%4
// values in order. A row is always reduced by one thread, so the thread count never changes a result.
#pragma once
#include "kiln.h"

#define KILN_ROW_REDUCE(NAME, VOP, SOP)                                                           \
  KILN_INLINE float NAME(const float *x, int cols, float identity) {                              \
    v128_t a0 = wasm_f32x4_splat(identity), a1 = a0, a2 = a0, a3 = a0;                           \
    int i = 0;                                                                                    \
    for (; i + 16 <= cols; i += 16) {                                                             \
      a0 = VOP(a0, wasm_v128_load(x + i)); a1 = VOP(a1, wasm_v128_load(x + i + 4));               \
      a2 = VOP(a2, wasm_v128_load(x + i + 8)); a3 = VOP(a3, wasm_v128_load(x + i + 12));          \
    }                                                                                             \
    a0 = VOP(VOP(a0, a1), VOP(a2, a3));                                                           \
    for (; i + 4 <= cols; i += 4) a0 = VOP(a0, wasm_v128_load(x + i));                            \
    float r = SOP(SOP(wasm_f32x4_extract_lane(a0, 0), wasm_f32x4_extract_lane(a0, 1)),           \
                  SOP(wasm_f32x4_extract_lane(a0, 2), wasm_f32x4_extract_lane(a0, 3)));          \
    for (; i < cols; i++) r = SOP(r, x[i]);                                                       \
    return r;                                                                                     \
  }

KILN_INLINE float kiln_add(float a, float b) { return a + b; }
// NaN-propagating like f32x4.max, so the tail and the lanes agree with the vector body (and with TF's Max).
KILN_INLINE float kiln_max(float a, float b) {
  if (a != a) return a;
  if (b != b) return b;
  if (a != b) return a > b ? a : b;
  return __builtin_signbit(a) ? b : a;  // max(-0, +0) = +0
}

KILN_ROW_REDUCE(kiln_row_sum, wasm_f32x4_add, kiln_add)
KILN_ROW_REDUCE(kiln_row_max, wasm_f32x4_max, kiln_max)
