#ifndef CGEMM_H
#define CGEMM_H

#ifdef __cplusplus
extern "C" {
#endif

/// Single-precision row-major GEMM: C = alpha·op(A)·op(B) + beta·C, with
/// op(A) m×k, op(B) k×n, C m×n; lda/ldb/ldc are row strides (as cblas_sgemm
/// with CblasRowMajor). transA/transB non-zero mean op(X) = Xᵀ.
///
/// Every C[i][j] is computed as
///     acc = 0; for p in 0..<k (increasing): acc = fmaf(opA[i][p], opB[p][j], acc)
///     C[i][j] = (beta == 0) ? alpha*acc : alpha*acc + beta*C[i][j]
/// so the result is the same bits on every path (AVX-512, AVX2+FMA, scalar)
/// and every x86-64 CPU, and does not depend on how the caller splits the
/// output columns between calls. With beta == 0, C is not read.
/// Runs on the calling thread only.
void cgemm_sgemm(int transA, int transB, int m, int n, int k,
                 float alpha, const float *a, int lda,
                 const float *b, int ldb,
                 float beta, float *c, int ldc);

/// The code path in use: 2 = AVX-512, 1 = AVX2+FMA, 0 = no FMA instructions
/// (on x86-64, fl(a·b + c) in SSE doubles with round-to-odd; elsewhere fmaf).
/// Chosen once at first use from the CPU's features; the environment variable
/// GRADLAB_KERNEL=avx512|avx2|scalar forces one (a path the CPU lacks falls
/// back to the best one it has).
int cgemm_path(void);

/// One turn of a spin-wait loop: x86's `pause` (the core, or its other hyperthread, gets
/// the cycles, and leaving the loop does not flush the pipeline); nothing elsewhere.
static inline void cgemm_spin_pause(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

/// Forces a path (2, 1, 0; clamped to what the CPU supports), for tests.
void cgemm_set_path(int path);

/// For tests and benchmarks: -1 (default) picks the blocking strategy by
/// shape; 0 always packs (no direct or narrow kernels); 1 uses the unpacked
/// direct kernel wherever it applies. Never changes the result's bits.
void cgemm_set_strategy(int strategy);

/// Keras 3's Nadam update of n variables, in place: the formula of
/// `Nadam.apply` (GradNN), element by element in its order, vectorised for
/// the path in use; the same bits on every path.
void cgemm_nadam_update(float *w, const float *g, float *m, float *v, long n, float beta1, float beta2,
                        float epsilon, float lr, float uT, float uT1, float prodT, float prodT1, float b2Power);

/// Dropout of x[0..<n] into y: element i keeps x[i]·keep when
/// lowbias32(lowbias32(c ⊕ key.lo) + key.hi) >> 8 ≥ threshold, with the
/// counter c = (uint32)(first + i), else 0·x[i]. Integer arithmetic and one multiply: the same
/// bits on every path, and the same whether one call or several (with their `first`) cover the
/// range. With the same key, a gradient in place of x gives the backward pass.
void cgemm_dropout(const float *x, float *y, long n, long first, unsigned int threshold, float keep,
                   unsigned long long key);

/// ELU (scale 1, sa = alpha) or SELU (sa = alpha·scale) of p[0..<n] in place:
/// x > 0 ? x·scale : sa·(e^x − 1), e^x by Cephes' polynomial (elu.c). The same
/// bits on every path.
void cgemm_elu(float *p, long n, float sa, float scale);

/// Their derivative in place: g = y ≤ 0 ? g·(y + sa) : g·scale, given the
/// outputs y. The same bits on every path.
void cgemm_elu_backward(const float *y, float *g, long n, float sa, float scale);

/// Sigmoid, 1 / (1 + e^−x), of p[0..<n] in place, e^x by Cephes' polynomial
/// (logistic.c). The same bits on every path.
void cgemm_sigmoid(float *p, long n);

/// tanh of p[0..<n] in place: (1 − e) / (1 + e), e = e^(−2·c), c = x clamped
/// to [−40, 40], e^x by Cephes' polynomial (logistic.c). The same bits on every path.
void cgemm_tanh(float *p, long n);

/// Rows of byte samples as floats: out[r·f + j] = (float)src[rows[r]·f + j]·scale
/// for r < count, j < f (gather.c). The same bits on every path.
void cgemm_gather_bytes(const unsigned char *src, const long *rows, long count, long f, float scale, float *out);

/// e^x, the same bits on every x86-64 CPU: glibc's expf but at the two inputs
/// where its FMA and SSE2 variants differ (expf.c).
float cgemm_expf(float x);

/// The row pass of a dense layer's backward pass that folds the per-feature
/// affine input x = x̂·γ + β before it (GradTensor's `foldAffineRows`), for
/// `rows` rows of the [rows, cols] kernel w and g = x̂ᵀ·dz, with s = Σ_batch dz:
///     gamma_gradient[j] = Σ_k w[j][k]·g[j][k],  beta_gradient[j] = Σ_k w[j][k]·s[k]
///     dW[j][k] = gamma[j]·g[j][k] + beta[j]·s[k]
/// Each sum in 8 lanes (lane i: k = i, i + 8, …), the lanes left to right, then
/// the tail in order. dW overwrites g, or with `update` w becomes w + dW·step
/// (after the sums have read it). The same bits on every path.
void cgemm_fold_affine_rows(float *w, float *g, long rows, long cols, const float *s, const float *gamma,
                            const float *beta, float *gamma_gradient, float *beta_gradient, int update, float step);

/// BatchNormalization's training forward pass over the columns [lo, hi) of
/// the row-major [rows, cols] x, column by column as the Swift loops it
/// replaced: mean = (Σ_r x)·inv_n, variance = (Σ_r (x − mean)²)·inv_n (sums in
/// row order from 0), inv_std = 1 / sqrt(variance + epsilon), the moving
/// averages m·momentum + stat·(1 − momentum), then x̂ = (x − mean)·inv_std into
/// xh and y = x̂·gamma + beta. The same bits on every path and for any split.
void cgemm_batchnorm_forward(const float *x, float *xh, float *y, long rows, long cols, long lo, long hi,
                             float inv_n, float epsilon, float momentum, float *mean, float *variance,
                             float *inv_std, const float *gamma, const float *beta,
                             float *moving_mean, float *moving_variance);

/// BatchNormalization's training backward pass over the columns [lo, hi):
/// sum_dy = Σ_r dy and sum_dy_xh = Σ_r dy·x̂ (in row order from 0), then, when
/// dx is not NULL, dx = gamma·inv_std·(dy + (−inv_n·sum_dy) + x̂·(−inv_n·sum_dy_xh)).
/// The same bits on every path and for any split.
void cgemm_batchnorm_backward(const float *dy, const float *xh, float *dx, long rows, long cols, long lo, long hi,
                              float inv_n, const float *gamma, const float *inv_std, float *sum_dy, float *sum_dy_xh);

#ifdef __cplusplus
}
#endif

#endif
