// Conv2D, NHWC input x HWIO filter, as a GEMM: M = batch*oh*ow output pixels, K = kh*kw*c, N = output channels.
// The filter is already K x N row-major, so the host packs it with pack_b_f32 (once, for a constant filter); the
// input is read through an implicit im2col in the A packing (pack_f32.c), so no kh*kw-times-larger matrix is ever
// written and the micro-kernel, blocking, threading and fused epilogue are the GEMM's.
// Reaches (one thread, per CPU-second): 21.9 GFLOP/s on 64x14x14x32 * 5x5x32x64 SAME (K = 800: the GEMM's speed);
// 14.5 GFLOP/s on 64x28x28x1 * 5x5x1x32 (K = 25: every micro-kernel call is only 25 steps, and the packing of the
// taps costs a good part of the short product even with the one-channel fast path in pack_f32.c).
#include "gemm.h"

typedef struct {
  int32_t n, h, w, c;             // input NHWC
  int32_t oh, ow, oc;             // output NHWC
  int32_t kh, kw, sh, sw, dh, dw, pad_t, pad_l;
  uint32_t x, bp, y, bias; int32_t act; float alpha;
  uint32_t scratch; int32_t scratch_stride;
} conv_args_t;

KILN_EXPORT void conv2d_f32(const conv_args_t *g, int tid, int nthreads) {
  a_source_t s = {0};
  s.kind = A_CONV;
  s.a = (const float *)g->x;
  s.m = g->n * g->oh * g->ow;
  s.k = g->kh * g->kw * g->c;
  s.h = g->h; s.w = g->w; s.c = g->c; s.oh = g->oh; s.ow = g->ow; s.kh = g->kh; s.kw = g->kw;
  s.sh = g->sh; s.sw = g->sw; s.dh = g->dh; s.dw = g->dw; s.pad_t = g->pad_t; s.pad_l = g->pad_l;
  float *scratch = (float *)(g->scratch + (uint32_t)tid * (uint32_t)g->scratch_stride);
  kiln_gemm_run(&s, 1, g->oc, (const float *)g->bp, 0, (float *)g->y, 0, (const float *)g->bias, g->act, g->alpha,
                scratch, tid, nthreads);
}
