// BatchNormalization's kernels, and the row pass of the dense layer that folds
// it (see GradTensor's Vectorized.swift), compiled for the path cgemm_path()
// chose. Every element is the Swift formula's operations in its order (no
// contraction), and every sum adds the same terms in the same order as the
// Swift loops these replaced, so every path gives the same bits:
//  - the fold's row sums run in 8 lanes (GCC vector extensions; lane i takes
//    columns i, i + 8, …), then the lanes left to right, then the tail; the
//    AVX-512 variant multiplies 16 columns at once and adds the two halves of
//    the products to the 8 lanes in column order;
//  - the column kernels sum each column over the rows in row order (plain
//    loops the compiler vectorises across columns).

#include "paths.h"

#include <math.h>

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

typedef float v8 __attribute__((vector_size(32)));
typedef float v8u __attribute__((vector_size(32), aligned(4)));
#define LOAD8(p) (*(const v8u *)(p))
#define STORE8(p, v) (*(v8u *)(p) = (v))
typedef float v16 __attribute__((vector_size(64)));
typedef float v16u __attribute__((vector_size(64), aligned(4)));
#define LOAD16(p) (*(const v16u *)(p))
#define STORE16(p, v) (*(v16u *)(p) = (v))
#define LOW8(v) __builtin_shufflevector(v, v, 0, 1, 2, 3, 4, 5, 6, 7)
#define HIGH8(v) __builtin_shufflevector(v, v, 8, 9, 10, 11, 12, 13, 14, 15)

// ---------------------------------------------------------------- the fold

// R rows from row j, side by side: 2·R independent sums keep the adders busy
// where one row's two sums would wait on each other's latency. UPDATE and
// WIDE (16-column products, AVX-512 only) are constants, so each
// instantiation has one store and no dead loop.
#define FOLD_ROWS(R, UPDATE, WIDE)                                                                 \
    {                                                                                              \
        v8 dots[R], sums[R];                                                                       \
        float gj[R], bj[R];                                                                        \
        for (int r = 0; r < R; r++) {                                                              \
            dots[r] = (v8){0};                                                                     \
            sums[r] = (v8){0};                                                                     \
            gj[r] = gamma[j + r];                                                                  \
            bj[r] = beta[j + r];                                                                   \
        }                                                                                          \
        long k = 0;                                                                                \
        for (; WIDE && k + 16 <= cols; k += 16) {                                                  \
            v16 sv = LOAD16(s + k);                                                                \
            for (int r = 0; r < R; r++) {                                                          \
                float *wr = w + (j + r) * cols + k, *gr = g + (j + r) * cols + k;                  \
                v16 wv = LOAD16(wr), gv = LOAD16(gr);                                              \
                v16 p = wv * gv, q = wv * sv;                                                      \
                dots[r] = dots[r] + LOW8(p);                                                       \
                dots[r] = dots[r] + HIGH8(p);                                                      \
                sums[r] = sums[r] + LOW8(q);                                                       \
                sums[r] = sums[r] + HIGH8(q);                                                      \
                v16 dw = gv * gj[r] + sv * bj[r];                                                  \
                if (UPDATE) STORE16(wr, wv + dw * step);                                           \
                else STORE16(gr, dw);                                                              \
            }                                                                                      \
        }                                                                                          \
        for (; k + 8 <= cols; k += 8) {                                                            \
            v8 sv = LOAD8(s + k);                                                                  \
            for (int r = 0; r < R; r++) {                                                          \
                float *wr = w + (j + r) * cols + k, *gr = g + (j + r) * cols + k;                  \
                v8 wv = LOAD8(wr), gv = LOAD8(gr);                                                 \
                dots[r] = dots[r] + wv * gv;                                                       \
                sums[r] = sums[r] + wv * sv;                                                       \
                v8 dw = gv * gj[r] + sv * bj[r];                                                   \
                if (UPDATE) STORE8(wr, wv + dw * step);                                            \
                else STORE8(gr, dw);                                                               \
            }                                                                                      \
        }                                                                                          \
        for (int r = 0; r < R; r++) {                                                              \
            float dot = -0.0f, sum = -0.0f;                                                        \
            for (int i = 0; i < 8; i++) { dot += dots[r][i]; sum += sums[r][i]; }                  \
            float *wr = w + (j + r) * cols, *gr = g + (j + r) * cols;                              \
            for (long c = k; c < cols; c++) {                                                      \
                float wv = wr[c], gv = gr[c];                                                      \
                dot += wv * gv;                                                                    \
                sum += wv * s[c];                                                                  \
                float dw = gv * gj[r] + s[c] * bj[r];                                              \
                if (UPDATE) wr[c] = wv + dw * step;                                                \
                else gr[c] = dw;                                                                   \
            }                                                                                      \
            gamma_gradient[j + r] = dot;                                                           \
            beta_gradient[j + r] = sum;                                                            \
        }                                                                                          \
    }

#define FOLD_BODY(UPDATE, WIDE)                                                                    \
    long j = 0;                                                                                    \
    for (; j + 4 <= rows; j += 4) FOLD_ROWS(4, UPDATE, WIDE)                                       \
    for (; j < rows; j++) FOLD_ROWS(1, UPDATE, WIDE)

#define FOLD_ARGS                                                                                  \
    float *w, float *g, long rows, long cols, const float *s, const float *gamma, const float *beta, \
    float *gamma_gradient, float *beta_gradient, float step

static void fold_scalar(FOLD_ARGS) { FOLD_BODY(0, 0) }
static void fold_update_scalar(FOLD_ARGS) { FOLD_BODY(1, 0) }

#if defined(__x86_64__) || defined(_M_X64)
__attribute__((target("avx512f"))) static void fold_avx512(FOLD_ARGS) { FOLD_BODY(0, 1) }
__attribute__((target("avx512f"))) static void fold_update_avx512(FOLD_ARGS) { FOLD_BODY(1, 1) }
__attribute__((target("avx2,fma"))) static void fold_avx2(FOLD_ARGS) { FOLD_BODY(0, 0) }
__attribute__((target("avx2,fma"))) static void fold_update_avx2(FOLD_ARGS) { FOLD_BODY(1, 0) }
#endif

void cgemm_fold_affine_rows(float *w, float *g, long rows, long cols, const float *s, const float *gamma,
                            const float *beta, float *gamma_gradient, float *beta_gradient, int update, float step) {
#if defined(__x86_64__) || defined(_M_X64)
    switch (cgemm_path()) {
    case 2:
        (update ? fold_update_avx512 : fold_avx512)(w, g, rows, cols, s, gamma, beta, gamma_gradient, beta_gradient, step);
        return;
    case 1:
        (update ? fold_update_avx2 : fold_avx2)(w, g, rows, cols, s, gamma, beta, gamma_gradient, beta_gradient, step);
        return;
    default: break;
    }
#endif
    (update ? fold_update_scalar : fold_scalar)(w, g, rows, cols, s, gamma, beta, gamma_gradient, beta_gradient, step);
}

// ---------------------------------------------------------------- the column kernels

// Columns per block: a block's sums stay in registers over the rows, and its
// rows stay in L1 from the first pass over them to the last.
#define BN_BLOCK 64

// Training's forward pass over columns [j, j + width) (width <= BN_BLOCK): the
// batch's mean and biased variance (two passes, as Keras), the moving
// averages, and x̂ = (x − mean)·invStd, y = x̂·γ + β.
static inline __attribute__((always_inline)) void
forward_block(const float *restrict x, float *restrict xh, float *restrict y, long rows, long cols, long j, long width,
              float inv_n, float epsilon, float momentum, float *restrict mean, float *restrict variance,
              float *restrict inv_std, const float *restrict gamma, const float *restrict beta,
              float *restrict moving_mean, float *restrict moving_variance) {
    float sum[BN_BLOCK], square[BN_BLOCK], shift[BN_BLOCK], scale[BN_BLOCK];
    for (long c = 0; c < width; c++) sum[c] = 0;
    for (long r = 0; r < rows; r++) {
        const float *xr = x + r * cols + j;
        for (long c = 0; c < width; c++) sum[c] += xr[c];
    }
    for (long c = 0; c < width; c++) {
        float m = sum[c] * inv_n;
        mean[j + c] = m;
        shift[c] = -m;
        square[c] = 0;
    }
    for (long r = 0; r < rows; r++) {
        const float *xr = x + r * cols + j;
        for (long c = 0; c < width; c++) {
            float d = xr[c] + shift[c];
            square[c] += d * d;
        }
    }
    for (long c = 0; c < width; c++) {
        float v = square[c] * inv_n;
        variance[j + c] = v;
        scale[c] = 1 / sqrtf(v + epsilon);
        inv_std[j + c] = scale[c];
        moving_mean[j + c] = moving_mean[j + c] * momentum + mean[j + c] * (1 - momentum);
        moving_variance[j + c] = moving_variance[j + c] * momentum + v * (1 - momentum);
    }
    for (long r = 0; r < rows; r++) {
        const float *xr = x + r * cols + j;
        float *hr = xh + r * cols + j, *yr = y + r * cols + j;
        for (long c = 0; c < width; c++) {
            float n = (xr[c] + shift[c]) * scale[c];
            hr[c] = n;
            yr[c] = n * gamma[j + c] + beta[j + c];
        }
    }
}

#define FORWARD_ARGS                                                                                \
    const float *restrict x, float *restrict xh, float *restrict y, long rows, long cols, long lo, long hi, \
    float inv_n, float epsilon, float momentum, float *restrict mean, float *restrict variance,     \
    float *restrict inv_std, const float *restrict gamma, const float *restrict beta,               \
    float *restrict moving_mean, float *restrict moving_variance
#define FORWARD_BODY                                                                                \
    for (long j = lo; j < hi; j += BN_BLOCK) {                                                      \
        if (j + BN_BLOCK <= hi)                                                                     \
            forward_block(x, xh, y, rows, cols, j, BN_BLOCK, inv_n, epsilon, momentum, mean, variance, \
                          inv_std, gamma, beta, moving_mean, moving_variance);                      \
        else                                                                                        \
            forward_block(x, xh, y, rows, cols, j, hi - j, inv_n, epsilon, momentum, mean, variance, \
                          inv_std, gamma, beta, moving_mean, moving_variance);                      \
    }

CGEMM_PATHS(forward, (FORWARD_ARGS), FORWARD_BODY)

void cgemm_batchnorm_forward(const float *x, float *xh, float *y, long rows, long cols, long lo, long hi,
                             float inv_n, float epsilon, float momentum, float *mean, float *variance,
                             float *inv_std, const float *gamma, const float *beta,
                             float *moving_mean, float *moving_variance) {
    CGEMM_DISPATCH(forward, x, xh, y, rows, cols, lo, hi, inv_n, epsilon, momentum, mean, variance, inv_std, gamma,
                   beta, moving_mean, moving_variance);
}

// Training's backward pass over columns [j, j + width): Σdy and Σdy·x̂ (the
// gradients of β and γ), then, when dx is wanted,
// dx = γ·invStd·(dy − mean(dy) − x̂·mean(dy·x̂)).
static inline __attribute__((always_inline)) void
backward_block(const float *restrict dy, const float *restrict xh, float *restrict dx, long rows, long cols, long j,
               long width, float inv_n, const float *restrict gamma, const float *restrict inv_std,
               float *restrict sum_dy, float *restrict sum_dy_xh) {
    float sums[BN_BLOCK], dots[BN_BLOCK], scale[BN_BLOCK], mean_dy[BN_BLOCK], mean_dy_xh[BN_BLOCK];
    for (long c = 0; c < width; c++) { sums[c] = 0; dots[c] = 0; }
    for (long r = 0; r < rows; r++) {
        const float *g = dy + r * cols + j, *h = xh + r * cols + j;
        for (long c = 0; c < width; c++) {
            sums[c] += g[c];
            dots[c] += g[c] * h[c];
        }
    }
    for (long c = 0; c < width; c++) {
        sum_dy[j + c] = sums[c];
        sum_dy_xh[j + c] = dots[c];
        scale[c] = gamma[j + c] * inv_std[j + c];
        mean_dy[c] = -inv_n * sums[c];
        mean_dy_xh[c] = -inv_n * dots[c];
    }
    if (!dx) return;
    for (long r = 0; r < rows; r++) {
        const float *g = dy + r * cols + j, *h = xh + r * cols + j;
        float *o = dx + r * cols + j;
        for (long c = 0; c < width; c++) o[c] = scale[c] * (g[c] + mean_dy[c] + h[c] * mean_dy_xh[c]);
    }
}

#define BACKWARD_ARGS                                                                               \
    const float *restrict dy, const float *restrict xh, float *restrict dx, long rows, long cols, long lo, long hi, \
    float inv_n, const float *restrict gamma, const float *restrict inv_std, float *restrict sum_dy, \
    float *restrict sum_dy_xh
#define BACKWARD_BODY                                                                               \
    for (long j = lo; j < hi; j += BN_BLOCK) {                                                      \
        if (j + BN_BLOCK <= hi)                                                                     \
            backward_block(dy, xh, dx, rows, cols, j, BN_BLOCK, inv_n, gamma, inv_std, sum_dy, sum_dy_xh); \
        else                                                                                        \
            backward_block(dy, xh, dx, rows, cols, j, hi - j, inv_n, gamma, inv_std, sum_dy, sum_dy_xh); \
    }

CGEMM_PATHS(backward, (BACKWARD_ARGS), BACKWARD_BODY)

void cgemm_batchnorm_backward(const float *dy, const float *xh, float *dx, long rows, long cols, long lo, long hi,
                              float inv_n, const float *gamma, const float *inv_std, float *sum_dy, float *sum_dy_xh) {
    CGEMM_DISPATCH(backward, dy, xh, dx, rows, cols, lo, hi, inv_n, gamma, inv_std, sum_dy, sum_dy_xh);
}
