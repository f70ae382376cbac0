// Elementwise f32 kernels over contiguous arrays. Either operand of a binary op may be broadcast, in the two forms
// that cover most of TF's: a scalar, or a suffix operand repeated every `period` values (BiasAdd's [n, c] + [c],
// [n, h, w, c] * [h, w, c]); other broadcasts are the executor's to lower. Memory-bound: one pass, 4 lanes per
// instruction, the threads splitting the array into contiguous ranges. The last partial vector goes through a
// stack copy and the same vector code, so the tail rounds exactly like the body.
// Reaches (one thread, 4M floats, bytes read + written per second): Add 12 GB/s, Mul by a scalar 10 GB/s, Relu
// 10 GB/s (the 48 MB working set streams from DRAM, which is the limit; two threads get no more), Tanh 3.5-5.5 GB/s,
// Exp 3.7 GB/s (compute-bound: about 2 ns a value). Numbers per CPU-second, from a machine shared with other work.
#include "simd_math.h"

// Op numbers are part of the host ABI (session/cpu/kernels.ts: BINARY_OPS, UNARY_OPS).
enum { BIN_ADD = 0, BIN_SUB, BIN_MUL, BIN_DIV, BIN_MAX, BIN_MIN, BIN_SQUARED_DIFFERENCE };
// Unary ops 0..6 are the epilogue activations (kiln.h: ACT_*), then:
enum { UN_EXP = 7, UN_NEG, UN_ABS, UN_SQRT, UN_SQUARE, UN_RECIPROCAL };

enum { OPERAND_FULL = 0, OPERAND_SCALAR = 1, OPERAND_PERIODIC = 2 };

typedef struct {
  int32_t op, n;
  uint32_t a, b, out;
  int32_t a_kind, b_kind;  // OPERAND_*: n floats, one float, or `period` floats repeated
  int32_t period;          // the repeat of an OPERAND_PERIODIC operand (n is a multiple of it)
} binary_args_t;

typedef struct {
  int32_t op, n;
  uint32_t x, out;
  float alpha;  // LeakyRelu's slope
} unary_args_t;

KILN_INLINE v128_t binary_op(int op, v128_t a, v128_t b) {
  switch (op) {
    case BIN_ADD: return wasm_f32x4_add(a, b);
    case BIN_SUB: return wasm_f32x4_sub(a, b);
    case BIN_MUL: return wasm_f32x4_mul(a, b);
    case BIN_DIV: return wasm_f32x4_div(a, b);
    case BIN_MAX: return wasm_f32x4_max(a, b);  // NaN in either gives NaN, as TF's Maximum
    case BIN_MIN: return wasm_f32x4_min(a, b);
    default: { v128_t d = wasm_f32x4_sub(a, b); return wasm_f32x4_mul(d, d); }
  }
}

KILN_INLINE v128_t unary_op(int op, v128_t x, v128_t alpha, const kiln_math_t *m) {
  switch (op) {
    case UN_EXP: return kiln_exp_f32x4(x, m);
    case UN_NEG: return wasm_f32x4_neg(x);
    case UN_ABS: return wasm_f32x4_abs(x);
    case UN_SQRT: return wasm_f32x4_sqrt(x);
    case UN_SQUARE: return wasm_f32x4_mul(x, x);
    case UN_RECIPROCAL: return wasm_f32x4_div(wasm_f32x4_splat(1.0f), x);
    default: return kiln_activate_f32x4(x, op, alpha, m);
  }
}

// [lo, hi) in floats for thread tid: whole vectors, the last thread also takes the partial one.
KILN_INLINE void vector_share(int n, int tid, int nthreads, int *lo, int *hi) {
  const int vectors = (n + 3) / 4;
  kiln_share(vectors, tid, nthreads, lo, hi);
  *lo *= 4;
  *hi = KILN_MIN(*hi * 4, n);
}

// One loop per (op, broadcast) pair so the op's switch and the scalar test stay out of the loop body.
#define BINARY_LOOPS(OP)                                                                                      \
  if (a_scalar) {                                                                                             \
    const v128_t va = wasm_v128_load32_splat(a);                                                              \
    for (; i + 4 <= len; i += 4) wasm_v128_store(out + i, binary_op(OP, va, wasm_v128_load(b + i)));          \
  } else if (b_scalar) {                                                                                      \
    const v128_t vb = wasm_v128_load32_splat(b);                                                              \
    for (; i + 4 <= len; i += 4) wasm_v128_store(out + i, binary_op(OP, wasm_v128_load(a + i), vb));          \
  } else {                                                                                                    \
    for (; i + 4 <= len; i += 4) wasm_v128_store(out + i, binary_op(OP, wasm_v128_load(a + i), wasm_v128_load(b + i))); \
  }

// out[0, len) = a op b, each operand either contiguous or one value (a_scalar / b_scalar).
static void binary_span(int op, const float *a, int a_scalar, const float *b, int b_scalar, float *out, int len) {
  int i = 0;
  switch (op) {
    case BIN_ADD: BINARY_LOOPS(BIN_ADD); break;
    case BIN_SUB: BINARY_LOOPS(BIN_SUB); break;
    case BIN_MUL: BINARY_LOOPS(BIN_MUL); break;
    case BIN_DIV: BINARY_LOOPS(BIN_DIV); break;
    case BIN_MAX: BINARY_LOOPS(BIN_MAX); break;
    case BIN_MIN: BINARY_LOOPS(BIN_MIN); break;
    default: BINARY_LOOPS(BIN_SQUARED_DIFFERENCE); break;
  }
  if (i < len) {
    float ta[4] = {0}, tb[4] = {0}, to[4];
    for (int j = 0; j < len - i; j++) { ta[j] = a_scalar ? a[0] : a[i + j]; tb[j] = b_scalar ? b[0] : b[i + j]; }
    wasm_v128_store(to, binary_op(op, wasm_v128_load(ta), wasm_v128_load(tb)));
    for (int j = 0; j < len - i; j++) out[i + j] = to[j];
  }
}

KILN_EXPORT void binary_f32(const binary_args_t *g, int tid, int nthreads) {
  const float *a = (const float *)g->a, *b = (const float *)g->b;
  float *out = (float *)g->out;
  if (g->a_kind == OPERAND_PERIODIC || g->b_kind == OPERAND_PERIODIC) {
    // Rows of `period` values; the periodic operand is the same row every time.
    const int p = g->period;
    int lo, hi;
    kiln_share(p > 0 ? g->n / p : 0, tid, nthreads, &lo, &hi);
    for (int r = lo; r < hi; r++) {
      const float *ar = g->a_kind == OPERAND_PERIODIC ? a : g->a_kind == OPERAND_SCALAR ? a : a + (int64_t)r * p;
      const float *br = g->b_kind == OPERAND_PERIODIC ? b : g->b_kind == OPERAND_SCALAR ? b : b + (int64_t)r * p;
      binary_span(g->op, ar, g->a_kind == OPERAND_SCALAR, br, g->b_kind == OPERAND_SCALAR, out + (int64_t)r * p, p);
    }
    return;
  }
  int lo, hi;
  vector_share(g->n, tid, nthreads, &lo, &hi);
  const int as = g->a_kind == OPERAND_SCALAR, bs = g->b_kind == OPERAND_SCALAR;
  if (lo < hi) binary_span(g->op, as ? a : a + lo, as, bs ? b : b + lo, bs, out + lo, hi - lo);
}

#define UNARY_LOOP(OP) for (; i + 4 <= hi; i += 4) wasm_v128_store(out + i, unary_op(OP, wasm_v128_load(x + i), alpha, &m));

KILN_EXPORT void unary_f32(const unary_args_t *g, int tid, int nthreads) {
  const float *x = (const float *)g->x;
  float *out = (float *)g->out;
  const v128_t alpha = wasm_f32x4_splat(g->alpha);
  kiln_math_t m;
  KILN_MATH_LOAD(m);
  int i, hi;
  vector_share(g->n, tid, nthreads, &i, &hi);
  switch (g->op) {
    case ACT_RELU: UNARY_LOOP(ACT_RELU); break;
    case ACT_RELU6: UNARY_LOOP(ACT_RELU6); break;
    case ACT_ELU: UNARY_LOOP(ACT_ELU); break;
    case ACT_LEAKY_RELU: UNARY_LOOP(ACT_LEAKY_RELU); break;
    case ACT_SIGMOID: UNARY_LOOP(ACT_SIGMOID); break;
    case ACT_TANH: UNARY_LOOP(ACT_TANH); break;
    case UN_EXP: UNARY_LOOP(UN_EXP); break;
    case UN_NEG: UNARY_LOOP(UN_NEG); break;
    case UN_ABS: UNARY_LOOP(UN_ABS); break;
    case UN_SQRT: UNARY_LOOP(UN_SQRT); break;
    case UN_SQUARE: UNARY_LOOP(UN_SQUARE); break;
    case UN_RECIPROCAL: UNARY_LOOP(UN_RECIPROCAL); break;
    default: UNARY_LOOP(ACT_NONE); break;
  }
  if (i < hi) {
    float tx[4] = {0}, to[4];
    for (int j = 0; j < hi - i; j++) tx[j] = x[i + j];
    wasm_v128_store(to, unary_op(g->op, wasm_v128_load(tx), alpha, &m));
    for (int j = 0; j < hi - i; j++) out[i + j] = to[j];
  }
}
