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

// Zeros standing in for the input where a tap falls in the padding (or a row past M): a run is at most KC long.
static const float zeros[GEMM_KC];

// One micro-tile (MR output pixels) of the implicit im2col matrix: columns [k0, k0 + kc) run (kh, kw, c) with c
// fastest, so each (kh, kw) tap is, for each of the MR rows, one contiguous run of input channels (or zeros). The
// tap arithmetic is done once per tap for the whole tile, and each column is one v128 store of the MR rows' values:
// with few channels (a first layer's 1 or 3) the packing would otherwise cost more than the product.
static void pack_conv_tile(const a_source_t *s, int row0, int mr, int k0, int kc, float *dst) {
  int ih0[GEMM_MR], iw0[GEMM_MR];
  const float *img[GEMM_MR];
  for (int r = 0; r < GEMM_MR; r++) {
    const int row = row0 + KILN_MIN(r, mr - 1);
    const int ow = row % s->ow, t = row / s->ow, oh = t % s->oh;
    ih0[r] = oh * s->sh - s->pad_t;
    iw0[r] = ow * s->sw - s->pad_l;
    img[r] = s->a + (int64_t)(t / s->oh) * s->h * s->w * s->c;
  }
  int c = k0 % s->c, tap = k0 / s->c;
  int kw = tap % s->kw, kh = tap / s->kw;
  // One input channel, stride 1 and the tile's 4 pixels side by side in one output row (a first layer on
  // grayscale images): a tap's 4 values are 4 adjacent input pixels, one v128 load when none is padding.
  // 64x28x28x1 * 5x5x1x32: 6.8 -> 14.5 GFLOP per CPU-second.
  if (s->c == 1 && s->sw == 1 && mr == GEMM_MR && img[0] == img[GEMM_MR - 1] && ih0[0] == ih0[GEMM_MR - 1] &&
      iw0[GEMM_MR - 1] == iw0[0] + GEMM_MR - 1) {
    for (int done = 0; done < kc; done++, dst += GEMM_MR) {
      const int ih = ih0[0] + kh * s->dh, iw = iw0[0] + kw * s->dw;
      if (ih >= 0 && ih < s->h && iw >= 0 && iw + GEMM_MR <= s->w) {
        wasm_v128_store(dst, wasm_v128_load(img[0] + (int64_t)ih * s->w + iw));
      } else {
        const int in_row = ih >= 0 && ih < s->h;
        for (int r = 0; r < GEMM_MR; r++) dst[r] = in_row && iw + r >= 0 && iw + r < s->w ? img[0][(int64_t)ih * s->w + iw + r] : 0.0f;
      }
      if (++kw == s->kw) { kw = 0; kh++; }
    }
    return;
  }
  for (int done = 0; done < kc;) {
    const int run = KILN_MIN(s->c - c, kc - done);
    const float *src[GEMM_MR];
    for (int r = 0; r < GEMM_MR; r++) {
      const int ih = ih0[r] + kh * s->dh, iw = iw0[r] + kw * s->dw;
      src[r] = r < mr && ih >= 0 && ih < s->h && iw >= 0 && iw < s->w ? img[r] + ((int64_t)ih * s->w + iw) * s->c + c : zeros;
    }
    float *d = dst + done * GEMM_MR;
    for (int i = 0; i < run; i++, d += GEMM_MR) wasm_v128_store(d, wasm_f32x4_make(src[0][i], src[1][i], src[2][i], src[3][i]));
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
    if (s->kind == A_CONV) {
      pack_conv_tile(s, row0 + t, mr, k0, kc, ap);
      continue;
    }
    for (int r = 0; r < GEMM_MR; r++) {
      float *dst = ap + r;
      const int i = row0 + t + r;
      if (r >= mr) {
        for (int p = 0; p < kc; p++) dst[p * GEMM_MR] = 0.0f;
      } else if (s->kind == A_DENSE) {
        const float *src = a + (int64_t)i * s->k + k0;
        for (int p = 0; p < kc; p++) dst[p * GEMM_MR] = src[p];
      } else {
        const float *src = a + (int64_t)k0 * s->m + i;
        for (int p = 0; p < kc; p++) dst[p * GEMM_MR] = src[(int64_t)p * s->m];
      }
    }
  }
}
