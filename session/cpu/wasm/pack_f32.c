// Packing for the f32 GEMM, separate from computing so a constant operand (a weight matrix, a conv filter) can be
// packed once by the host and reused by every run.
//   packed B: per panel of NR columns, K rows of NR contiguous floats (columns past N are zero), so the micro-kernel
//             reads B with two aligned-stride v128 loads per k;
//   packed A: per micro-tile of MR rows, KC columns of MR contiguous floats (rows past M are zero), so each A value
//             is one v128.load32_splat.
// Packing costs O(MK + KN) against the O(MNK) product: under 1% of a 1024^3 GEMM.
#include "gemm.h"

void kiln_pack_b_panel_f32(const float *b, int trans, int k, int n, int panel, float *bp) {
  const int j0 = panel * GEMM_NR, nr = KILN_MIN(GEMM_NR, n - j0);
  if (!trans) {
    const float *row = b + j0;
    if (nr == GEMM_NR) {
      for (int p = 0; p < k; p++, row += n, bp += GEMM_NR) {
        wasm_v128_store(bp, wasm_v128_load(row));
        wasm_v128_store(bp + 4, wasm_v128_load(row + 4));
      }
    } else {
      for (int p = 0; p < k; p++, row += n, bp += GEMM_NR)
        for (int j = 0; j < GEMM_NR; j++) bp[j] = j < nr ? row[j] : 0.0f;
    }
  } else {
    // B is stored N x K: column j of the logical B is row j of the stored one.
    for (int j = 0; j < GEMM_NR; j++) {
      if (j < nr) {
        const float *col = b + (int64_t)(j0 + j) * k;
        for (int p = 0; p < k; p++) bp[p * GEMM_NR + j] = col[p];
      } else {
        for (int p = 0; p < k; p++) bp[p * GEMM_NR + j] = 0.0f;
      }
    }
  }
}

// One row of the implicit im2col matrix of a convolution: columns [k0, k0 + kc) of output pixel `row`, written
// with stride MR. Columns run (kh, kw, c) with c fastest, so each (kh, kw) tap is one contiguous run of input channels
// (or zeros where the tap falls in the padding).
static void pack_conv_row(const a_source_t *s, const float *x, int row, int k0, int kc, float *dst) {
  const int ow = row % s->ow, t = row / s->ow, oh = t % s->oh, img = t / s->oh;
  const int ih0 = oh * s->sh - s->pad_t, iw0 = ow * s->sw - s->pad_l;
  const float *xi = x + (int64_t)img * s->h * s->w * s->c;
  int c = k0 % s->c, tap = k0 / s->c;
  int kw = tap % s->kw, kh = tap / s->kw;
  for (int done = 0; done < kc;) {
    const int run = KILN_MIN(s->c - c, kc - done);
    const int ih = ih0 + kh * s->dh, iw = iw0 + kw * s->dw;
    if (ih >= 0 && ih < s->h && iw >= 0 && iw < s->w) {
      const float *src = xi + ((int64_t)ih * s->w + iw) * s->c + c;
      for (int i = 0; i < run; i++) dst[(done + i) * GEMM_MR] = src[i];
    } else {
      for (int i = 0; i < run; i++) dst[(done + i) * GEMM_MR] = 0.0f;
    }
    done += run;
    c = 0;
    if (++kw == s->kw) { kw = 0; kh++; }
  }
}

// Rows [row0, row0 + rows) x columns [k0, k0 + kc) of A for batch `batch`, as ceil(rows / MR) micro-tiles.
void kiln_pack_a_f32(const a_source_t *s, int batch, int row0, int rows, int k0, int kc, float *ap) {
  const float *a = s->a + (int64_t)batch * s->batch_stride;
  for (int t = 0; t < rows; t += GEMM_MR, ap += kc * GEMM_MR) {
    const int mr = KILN_MIN(GEMM_MR, rows - t);
    for (int r = 0; r < GEMM_MR; r++) {
      float *dst = ap + r;
      const int i = row0 + t + r;
      if (r >= mr) {
        for (int p = 0; p < kc; p++) dst[p * GEMM_MR] = 0.0f;
      } else if (s->kind == A_DENSE) {
        const float *src = a + (int64_t)i * s->k + k0;
        for (int p = 0; p < kc; p++) dst[p * GEMM_MR] = src[p];
      } else if (s->kind == A_DENSE_T) {
        const float *src = a + (int64_t)k0 * s->m + i;
        for (int p = 0; p < kc; p++) dst[p * GEMM_MR] = src[(int64_t)p * s->m];
      } else {
        pack_conv_row(s, a, i, k0, kc, dst);
      }
    }
  }
}
