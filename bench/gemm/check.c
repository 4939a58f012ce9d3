// Checks cgemm_sgemm: every path gives the same bytes as a literal reference
// of the rule (fmaf over p in order, then alpha/beta), splitting the output
// columns between calls changes nothing, and the result is close to OpenBLAS.
// Built and run by scripts/check-gemm.sh.
#include <cblas.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgemm.h"

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint32_t next_u32(void) {
    rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17;
    return (uint32_t)(rng >> 32);
}
static float next_f(void) { return ((float)(next_u32() >> 8) / 16777216.0f) * 2.0f - 1.0f; }

static void reference(int ta, int tb, int m, int n, int k, float alpha, const float *a, int lda,
                      const float *b, int ldb, float beta, float *c, int ldc) {
    for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++) {
            float acc = 0.0f;
            for (int p = 0; p < k; p++) {
                float x = ta ? a[(size_t)p * lda + i] : a[(size_t)i * lda + p];
                float y = tb ? b[(size_t)j * ldb + p] : b[(size_t)p * ldb + j];
                acc = fmaf(x, y, acc);
            }
            float *cij = &c[(size_t)i * ldc + j];
            if (beta == 0.0f) *cij = alpha * acc;
            else { float u = alpha * acc; float v = beta * *cij; *cij = u + v; }
        }
}

static const int sizes[] = {1, 2, 3, 7, 15, 16, 17, 31, 32, 33, 64, 100, 127, 128, 256, 300, 784, 1000};
#define NSIZES ((int)(sizeof sizes / sizeof sizes[0]))

static long cases = 0, failures = 0, blas_bad = 0;

static void run_case(int ta, int tb, int m, int n, int k, float alpha, float beta) {
    int arows = ta ? k : m, acols = ta ? m : k;
    int brows = tb ? n : k, bcols = tb ? k : n;
    int lda = acols + 1 + 2 * (int)(next_u32() % 3);  // odd offsets beyond the minimum
    int ldb = bcols + 1 + 2 * (int)(next_u32() % 3);
    int ldc = n + 3 + 2 * (int)(next_u32() % 2);
    size_t asz = (size_t)arows * lda, bsz = (size_t)brows * ldb, csz = (size_t)m * ldc;
    float *a = malloc(asz * sizeof(float)), *b = malloc(bsz * sizeof(float));
    float *c0 = malloc(csz * sizeof(float)), *ref = malloc(csz * sizeof(float));
    float *got[3], *blas = malloc(csz * sizeof(float)), *split = malloc(csz * sizeof(float));
    for (size_t i = 0; i < asz; i++) a[i] = next_f();
    for (size_t i = 0; i < bsz; i++) b[i] = next_f();
    for (size_t i = 0; i < csz; i++) c0[i] = next_f();
    if (beta == 0.0f) // C must not be read: NaN in C must not reach the result
        for (size_t i = 0; i < csz; i++) c0[i] = NAN;
    memcpy(ref, c0, csz * sizeof(float));
    reference(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, ref, ldc);
    int bad = 0;
    // 0..2: scalar, AVX2, AVX-512 as chosen by shape; 3..6: AVX-512 then AVX2 with the
    // strategy forced to packed (0) and to the direct kernels (1).
    for (int path = 0; path < 7; path++) {
        if (path < 3) got[path] = malloc(csz * sizeof(float));
        float *g = got[path < 3 ? path : 2]; // got[2] is compared already, reuse it
        int xpath = path < 3 ? path : path < 5 ? 2 : 1, xstrat = path < 3 ? -1 : (path - 3) % 2;
        memcpy(g, c0, csz * sizeof(float));
        cgemm_set_strategy(xstrat);
        cgemm_set_path(xpath);
        if (path >= 3) {
            cgemm_sgemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, g, ldc);
            if (memcmp(g, ref, csz * sizeof(float)) != 0) {
                fprintf(stderr, "MISMATCH path %d strategy %d: ta=%d tb=%d m=%d n=%d k=%d alpha=%g beta=%g\n",
                        xpath, xstrat, ta, tb, m, n, k, alpha, beta);
                bad = 1;
            }
            cgemm_set_strategy(-1);
            continue;
        }
        if (cgemm_path() != path) { fprintf(stderr, "path %d not available on this CPU\n", path); exit(2); }
        cgemm_sgemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, got[path], ldc);
        if (memcmp(got[path], ref, csz * sizeof(float)) != 0) {
            size_t i = 0;
            while (memcmp(&got[path][i], &ref[i], sizeof(float)) == 0) i++;
            fprintf(stderr, "MISMATCH path %d: ta=%d tb=%d m=%d n=%d k=%d alpha=%g beta=%g at C[%zu][%zu]: %a vs ref %a\n",
                    path, ta, tb, m, n, k, alpha, beta, i / ldc, i % ldc, got[path][i], ref[i]);
            bad = 1;
        }
    }
    // Column split (what a multi-threaded caller does): two calls on column ranges.
    {
        cgemm_set_path(2);
        memcpy(split, c0, csz * sizeof(float));
        int n1 = n > 1 ? 1 + (int)(next_u32() % (unsigned)(n - 1)) : n;
        cgemm_sgemm(ta, tb, m, n1, k, alpha, a, lda, b, ldb, beta, split, ldc);
        if (n1 < n) {
            const float *b2 = tb ? b + (size_t)n1 * ldb : b + n1;
            cgemm_sgemm(ta, tb, m, n - n1, k, alpha, a, lda, b2, ldb, beta, split + n1, ldc);
        }
        if (memcmp(split, ref, csz * sizeof(float)) != 0) {
            fprintf(stderr, "MISMATCH column split at %d: ta=%d tb=%d m=%d n=%d k=%d\n", n1, ta, tb, m, n, k);
            bad = 1;
        }
    }
    // Sanity against OpenBLAS (different summation order: close, not equal).
    memcpy(blas, c0, csz * sizeof(float));
    if (beta == 0.0f) for (size_t i = 0; i < csz; i++) blas[i] = 0.0f;
    cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
                m, n, k, alpha, a, lda, b, ldb, beta, blas, ldc);
    for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++) {
            // scale: alpha·Σ|a||b| + |beta·c|, computed from the operands
            double s = 0;
            for (int p = 0; p < k; p++) {
                double x = ta ? a[(size_t)p * lda + i] : a[(size_t)i * lda + p];
                double y = tb ? b[(size_t)j * ldb + p] : b[(size_t)p * ldb + j];
                s += fabs(x * y);
            }
            s = fabs(alpha) * s + (beta == 0.0f ? 0.0 : fabs(beta * c0[(size_t)i * ldc + j]));
            double d = fabs((double)ref[(size_t)i * ldc + j] - (double)blas[(size_t)i * ldc + j]);
            if (!(d <= 1e-4 * s + 1e-30)) {
                if (blas_bad < 10)
                    fprintf(stderr, "OPENBLAS DIFF ta=%d tb=%d m=%d n=%d k=%d C[%d][%d]: %g vs %g\n",
                            ta, tb, m, n, k, i, j, ref[(size_t)i * ldc + j], blas[(size_t)i * ldc + j]);
                blas_bad++;
                bad = 1;
                i = m; break;
            }
        }
    cases++;
    failures += bad;
    free(a); free(b); free(c0); free(ref); free(blas); free(split);
    for (int p = 0; p < 3; p++) free(got[p]);
}

int main(int argc, char **argv) {
    long shapes = argc > 1 ? atol(argv[1]) : 300;
    openblas_set_num_threads(1);
    const float alphas[] = {1.0f, -0.5f}, betas[] = {0.0f, 1.0f, 0.5f};
    long nshapes = 0;
    // A few fixed shapes (edges, k blocks, gradlab's layers), then random ones from the size set.
    const int fixed[][3] = {{1, 1, 1}, {1, 1000, 1}, {1000, 1, 1}, {7, 33, 1000}, {17, 31, 784},
                            {32, 300, 784}, {256, 10, 100}, {300, 784, 32}, {33, 17, 257}, {127, 129, 513}};
    for (long s = 0; s < shapes; s++) {
        int m, n, k;
        if (s < (long)(sizeof fixed / sizeof fixed[0])) {
            m = fixed[s][0]; n = fixed[s][1]; k = fixed[s][2];
        } else {
            do {
                m = sizes[next_u32() % NSIZES];
                n = sizes[next_u32() % NSIZES];
                k = sizes[next_u32() % NSIZES];
            } while ((double)m * n * k > 4e7); // keep the literal reference affordable
        }
        nshapes++;
        for (int t = 0; t < 4; t++)
            for (int ai = 0; ai < 2; ai++)
                for (int bi = 0; bi < 3; bi++)
                    run_case(t >> 1, t & 1, m, n, k, alphas[ai], betas[bi]);
    }
    printf("%ld shapes, %ld cases (4 transposes x 2 alphas x 3 betas each): %ld failing; "
           "paths avx512/avx2 (each with auto, packed and direct strategies)/scalar compared byte for byte with the fmaf reference and a column split; "
           "OpenBLAS (%s) relative-error outliers: %ld\n",
           nshapes, cases, failures, openblas_get_corename(), blas_bad);
    return failures ? 1 : 0;
}
