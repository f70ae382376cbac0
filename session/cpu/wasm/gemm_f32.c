// The cache-blocked f32 GEMM driver and its exports: C[b] (m x n, row-major) = act(A[b] B[b] + bias).
//
// Loop nest per thread (Goto/BLIS order): for each KC slab of K, for each MC block of the thread's rows, pack that
// A block into the thread's scratch (L2), then for each packed B panel (its KC slab in L1) run the micro-kernel over
// the block's micro-tiles. The first slab starts the accumulators from zero and later slabs continue from C, so each
// element is one sequential sum over k in order: the same bits for any thread count or split.
//
// Reaches (one thread, per CPU-second, so the machine's other load does not count): 21-23 GFLOP/s at 512^3 and
// 1024^3, about 85% of the in-cache micro-kernel; 1024^3 on 2 threads, wall clock: bench/wasm_kernels.js.
//
// Threads: the output is cut into a grid of (batch x row micro-tiles) x (column panels). Row tiles are split first;
// only when there are fewer row tiles than threads (M = 1 inference, say) are the columns split too.
#include "gemm.h"

typedef struct {
  int32_t batch, m, n, k;
  uint32_t a; int32_t a_trans, a_batch_stride;    // A: batch x (m x k), or x (k x m) when a_trans
  uint32_t bp; int32_t bp_batch_stride;           // B packed by pack_b_f32; stride 0 = one B for the whole batch
  uint32_t c; int32_t c_batch_stride;
  uint32_t bias; int32_t act; float alpha;        // bias: n floats or 0
  uint32_t scratch; int32_t scratch_stride;       // per-thread scratch, GEMM_SCRATCH_BYTES each
} gemm_args_t;

typedef struct {
  int32_t batch, k, n;
  uint32_t b; int32_t b_trans, b_batch_stride;     // B: batch x (k x n), or x (n x k) when b_trans
  uint32_t bp;                                     // out: batch x ceil(n/8) x k x 8
} pack_b_args_t;

static inline int packed_b_floats(int k, int n) { return ((n + GEMM_NR - 1) / GEMM_NR) * GEMM_NR * k; }

KILN_EXPORT int gemm_scratch_bytes(void) { return GEMM_SCRATCH_BYTES; }
KILN_EXPORT int gemm_packed_b_floats(int k, int n) { return packed_b_floats(k, n); }
KILN_EXPORT int gemm_mr(void) { return GEMM_MR; }

KILN_EXPORT void pack_b_f32(const pack_b_args_t *g, int tid, int nthreads) {
  const int panels = (g->n + GEMM_NR - 1) / GEMM_NR, per = packed_b_floats(g->k, g->n);
  int lo, hi;
  kiln_share(g->batch * panels, tid, nthreads, &lo, &hi);
  for (int u = lo; u < hi; u++) {
    const int b = u / panels, p = u % panels;
    const float *src = (const float *)g->b + (int64_t)b * g->b_batch_stride;
    kiln_pack_b_panel_f32(src, g->b_trans, g->k, g->n, p, (float *)g->bp + (int64_t)b * per + (int64_t)p * g->k * GEMM_NR);
  }
}

void kiln_gemm_run(const a_source_t *src, int batch, int n, const float *bp, int bp_batch_stride, float *c,
                   int c_batch_stride, const float *bias, int act, float alpha, float *scratch, int tid,
                   int nthreads) {
  const int m = src->m, k = src->k;
  const int row_tiles = (m + GEMM_MR - 1) / GEMM_MR, panels = (n + GEMM_NR - 1) / GEMM_NR;
  const int row_units = batch * row_tiles;
  if (row_units == 0 || panels == 0) return;
  const int tm = KILN_MIN(nthreads, row_units);
  const int tn = KILN_MAX(1, KILN_MIN(panels, nthreads / tm));
  if (tid >= tm * tn) return;
  int u0, u1, p0, p1;
  kiln_share(row_units, tid / tn, tm, &u0, &u1);
  kiln_share(panels, tid % tn, tn, &p0, &p1);
  for (int b = u0 / row_tiles; b * row_tiles < u1; b++) {
    const int t_lo = KILN_MAX(u0 - b * row_tiles, 0), t_hi = KILN_MIN(u1 - b * row_tiles, row_tiles);
    const float *bpb = bp + (int64_t)b * bp_batch_stride;
    float *cb = c + (int64_t)b * c_batch_stride;
    // K = 0 still runs once (kc = 0) so the output gets bias + activation of zero.
    for (int k0 = 0;; k0 += GEMM_KC) {
      const int kc = KILN_MIN(GEMM_KC, k - k0);
      const int flags = (k0 > 0 ? GEMM_ACCUMULATE : 0) | (k0 + kc >= k ? GEMM_LAST : 0);
      for (int t0 = t_lo; t0 < t_hi; t0 += GEMM_MC / GEMM_MR) {
        const int t1 = KILN_MIN(t_hi, t0 + GEMM_MC / GEMM_MR);
        const int r0 = t0 * GEMM_MR, rows = KILN_MIN(t1 * GEMM_MR, m) - r0;
        kiln_pack_a_f32(src, b, r0, rows, k0, kc, scratch);
        for (int p = p0; p < p1; p++) {
          const int j0 = p * GEMM_NR, nr = KILN_MIN(GEMM_NR, n - j0);
          const float *bpp = bpb + (int64_t)p * k * GEMM_NR + (int64_t)k0 * GEMM_NR;
          const float *bias_p = bias ? bias + j0 : 0;
          for (int t = t0; t < t1; t++) {
            const int i0 = t * GEMM_MR, mr = KILN_MIN(GEMM_MR, m - i0);
            kiln_gemm_f32_4x8(kc, scratch + (t - t0) * kc * GEMM_MR, bpp, cb + (int64_t)i0 * n + j0, n, mr, nr,
                              flags, bias_p, act, alpha);
          }
        }
      }
      if (k0 + kc >= k) break;
    }
  }
}

KILN_EXPORT void gemm_f32(const gemm_args_t *g, int tid, int nthreads) {
  a_source_t src = {0};
  src.kind = g->a_trans ? A_DENSE_T : A_DENSE;
  src.a = (const float *)g->a;
  src.m = g->m;
  src.k = g->k;
  src.batch_stride = g->a_batch_stride;
  float *scratch = (float *)(g->scratch + (uint32_t)tid * (uint32_t)g->scratch_stride);
  kiln_gemm_run(&src, g->batch, g->n, (const float *)g->bp, g->bp_batch_stride, (float *)g->c, g->c_batch_stride,
                (const float *)g->bias, g->act, g->alpha, scratch, tid, nthreads);
}
