// The f32 GEMM family: C[b] = act(A[b] B[b] + bias), split into packing (pack_f32.c), the register-blocked
// micro-kernel (gemm_f32_4x8.c) and the cache-blocked driver (gemm_f32.c) that conv2d_f32.c reuses.
#pragma once
#include "kiln.h"

// Micro-tile: 4 rows x 8 columns = 8 accumulators of 4 lanes. With 2 B vectors, 1 broadcast A value and 1 product
// that is 12 of x86's 16 xmm registers, so V8's register allocator keeps the whole tile in registers (6x8 needs all
// 16 and V8 reserves one as scratch).
#define GEMM_MR 4
#define GEMM_NR 8
// Cache blocking: a KC-deep slab of one packed B panel is KC*NR*4 = 8 KB (stays in the 32 KB L1 while the MC/MR
// micro-tiles of one packed A block run over it); the packed A block is MC*KC*4 = 128 KB (stays in the 512 KB L2).
#ifndef GEMM_KC
#define GEMM_KC 256
#endif
#ifndef GEMM_MC
#define GEMM_MC 128
#endif
// Per-thread scratch the host must give (bytes): one packed A block.
#define GEMM_SCRATCH_BYTES (GEMM_MC * GEMM_KC * 4)

enum { GEMM_ACCUMULATE = 1, GEMM_LAST = 2 };

// Where the rows of A come from: a dense (optionally transposed) matrix, or a convolution's input read through an
// implicit im2col (so conv never materialises the im2col matrix).
typedef struct {
  int kind;  // A_DENSE, A_DENSE_T, A_CONV
  const float *a;
  int m, k;  // logical A is m x k
  int batch_stride;
  // A_CONV: input NHWC [*, h, w, c], filter [kh, kw, c, *]; rows are (image, oh, ow), columns (kh, kw, c).
  int h, w, c, oh, ow, kh, kw, sh, sw, dh, dw, pad_t, pad_l;
} a_source_t;
enum { A_DENSE = 0, A_DENSE_T = 1, A_CONV = 2 };

void kiln_gemm_f32_4x8(int kc, const float *a, const float *b, float *c, int ldc, int mr, int nr, int flags,
                       const float *bias, int act, float alpha);
void kiln_pack_a_f32(const a_source_t *src, int batch, int row0, int rows, int k0, int kc, float *ap);
void kiln_pack_b_panel_f32(const float *b, int trans, int k, int n, int panel, float *bp);
void kiln_gemm_run(const a_source_t *src, int batch, int n, const float *bp, int bp_batch_stride, float *c,
                   int c_batch_stride, const float *bias, int act, float alpha, float *scratch, int tid,
                   int nthreads);
