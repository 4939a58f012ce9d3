// Deterministic single-precision GEMM: see include/cgemm.h for the rule.
//
// Layout (GotoBLAS/BLIS style, arithmetic unchanged by it):
//   for jc over column blocks of NC:        pack op(B)[0..k, jc..jc+nc] into NR-wide panels
//     for ic over row blocks of MC:         pack op(A)[ic..ic+mc, 0..k] into MR-high panels
//       for pc over k blocks of KC:         (partial sums carried exactly in W between blocks)
//         for jr over NR-wide panels:
//           for ir over MR-high panels:     micro-kernel: MR×NR accumulators, p in order
// Each accumulator is one output element; the micro-kernel broadcasts
// opA[i][p] and multiplies it with a vector of opB[p][j..j+w] with one
// rounding (FMA), for p increasing. Vectorising across j never changes the
// order of the sum, so all paths give the same bits as the scalar rule.
// Padding rows/columns of the panels are zeros whose results are never stored.

#include "cgemm.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

#if defined(__x86_64__) || defined(_M_X64)
#define CGEMM_X86 1
#include <immintrin.h>
#else
#define CGEMM_X86 0
#endif

#define MODE_FIRST 1 // accumulators start at 0 (else loaded from W)
#define MODE_LAST 2  // write alpha·acc (+ beta·C) to C (else store raw acc to W)

typedef void (*kern_fn)(int kc, const float *restrict A, const float *restrict B,
                        float *restrict w, int ldw, float *restrict c, int ldc,
                        float alpha, float beta, int mv, int nv, int mode);

struct path_desc {
    int mr, nr, mc, kc, nc;
    kern_fn full; // nv in (nr/2, nr]
    kern_fn half; // nv <= nr/2 (may equal full)
};

// The end of a scalar-order tile (kern_scalar, kern_exact): the raw sums
// acc[r·stride + j] to W when more k blocks follow, else alpha·acc (+ beta·C)
// to the mv × nv corner of C.
static inline void store_tile(const float *acc, int stride, int rows, int cols, float *restrict w, int ldw,
                              float *restrict c, int ldc, float alpha, float beta, int mv, int nv, int mode) {
    if (!(mode & MODE_LAST)) {
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < cols; j++)
                w[r * ldw + j] = acc[r * stride + j];
        return;
    }
    for (int r = 0; r < mv; r++) {
        float *cr = c + (size_t)r * ldc;
        const float *ar = acc + r * stride;
        if (beta == 0.0f) {
            for (int j = 0; j < nv; j++) cr[j] = alpha * ar[j];
        } else {
            for (int j = 0; j < nv; j++) {
                float x = alpha * ar[j];
                float y = beta * cr[j];
                cr[j] = x + y;
            }
        }
    }
}

// ---------------------------------------------------------------- scalar path (not x86: fmaf is an instruction there)
#if !CGEMM_X86

#define S_MR 4
#define S_NR 8

static void kern_scalar(int kc, const float *restrict A, const float *restrict B,
                        float *restrict w, int ldw, float *restrict c, int ldc,
                        float alpha, float beta, int mv, int nv, int mode) {
    float acc[S_MR][S_NR];
    for (int r = 0; r < S_MR; r++)
        for (int j = 0; j < S_NR; j++)
            acc[r][j] = (mode & MODE_FIRST) ? 0.0f : w[r * ldw + j];
    for (int p = 0; p < kc; p++) {
        for (int r = 0; r < S_MR; r++) {
            float av = A[p * S_MR + r];
            for (int j = 0; j < S_NR; j++)
                acc[r][j] = fmaf(av, B[p * S_NR + j], acc[r][j]);
        }
    }
    store_tile(&acc[0][0], S_NR, S_MR, S_NR, w, ldw, c, ldc, alpha, beta, mv, nv, mode);
}

static const struct path_desc path_scalar = {S_MR, S_NR, 64, 256, 1024, kern_scalar, kern_scalar};
#endif

#if CGEMM_X86
// ---------------------------------------------------------------- path 0 on x86: exact FMA in SSE doubles
//
// Path 0 serves CPUs without FMA instructions (Atom / Celeron / Pentium
// Silver, Sandy and Ivy Bridge). There libm's fmaf is a software routine that
// switches the rounding mode twice per call (about 25 ns: 0.06 GFLOP/s). This
// kernel computes the same correctly rounded fl(a·b + c), two lanes per SSE2
// register, with no mode switch:
//   p = a·b is exact in double (24 + 24 significant bits);
//   s = RN(p + c) and TwoSum's e (s + e = p + c exactly; no overflow for
//   float inputs);
//   round-to-odd: when e ≠ 0, the odd one of s and its neighbour toward e,
//   that is s truncated toward zero (s, or one unit less in magnitude when e's
//   sign is not s's) with its last bit set;
//   rounding that to float is then the correctly rounded fl(p + c), because
//   double has 53 ≥ 24 + 2 bits (Boldo & Melquiond, "Emulation of FMA and
//   correctly rounded sums: proved algorithms using rounding to odd", 2008).
// Inf and NaN give e = NaN, which is neither < 0 nor > 0: s is kept, as is.
// The sum of two floats' multiples never rounds to 0 unless it is 0, so e ≠ 0
// implies s ≠ 0. The accumulators hold doubles that are always floats.
// bench/gemm/fma_exact.c and ExactFMATests compare it with the hardware fmaf,
// bench/gemm/check.c the whole kernel with the fmaf rule.
#define T_SSE __attribute__((target("sse4.2")))
#define E_MR 4
#define E_NR 4

T_SSE static inline __attribute__((always_inline)) __m128d fma_exact_pd(__m128d a, __m128d b, __m128d c) {
    const __m128i one = _mm_set1_epi64x(1);
    const __m128d magnitude = _mm_castsi128_pd(_mm_set1_epi64x(0x7fffffffffffffffll));
    __m128d p = _mm_mul_pd(a, b);
    __m128d s = _mm_add_pd(p, c);
    __m128d bb = _mm_sub_pd(s, p);
    __m128d e = _mm_add_pd(_mm_sub_pd(p, _mm_sub_pd(s, bb)), _mm_sub_pd(c, bb));
    __m128d inexact = _mm_cmpgt_pd(_mm_and_pd(e, magnitude), _mm_setzero_pd());
    // s truncated toward zero: one unit less (in magnitude) when e's sign is not s's; made odd.
    __m128i si = _mm_castpd_si128(s);
    __m128i down = _mm_cmpgt_epi64(_mm_setzero_si128(), _mm_xor_si128(si, _mm_castpd_si128(e)));
    __m128d odd = _mm_castsi128_pd(_mm_or_si128(_mm_add_epi64(si, down), one));
    return _mm_cvtps_pd(_mm_cvtpd_ps(_mm_blendv_pd(s, odd, inexact)));
}

T_SSE static inline __attribute__((always_inline)) __m128d load2(const float *p) {
    return _mm_cvtps_pd(_mm_castsi128_ps(_mm_loadl_epi64((const __m128i *)p)));
}

T_SSE static void kern_exact(int kc, const float *restrict A, const float *restrict B,
                             float *restrict w, int ldw, float *restrict c, int ldc,
                             float alpha, float beta, int mv, int nv, int mode) {
    __m128d acc[E_MR][E_NR / 2];
    for (int r = 0; r < E_MR; r++)
        for (int v = 0; v < E_NR / 2; v++)
            acc[r][v] = (mode & MODE_FIRST) ? _mm_setzero_pd() : load2(w + r * ldw + 2 * v);
    for (int p = 0; p < kc; p++) {
        __m128d b0 = load2(B), b1 = load2(B + 2);
        for (int r = 0; r < E_MR; r++) {
            __m128d av = _mm_set1_pd((double)A[r]);
            acc[r][0] = fma_exact_pd(av, b0, acc[r][0]);
            acc[r][1] = fma_exact_pd(av, b1, acc[r][1]);
        }
        A += E_MR;
        B += E_NR;
    }
    float out[E_MR][E_NR];
    for (int r = 0; r < E_MR; r++)
        for (int v = 0; v < E_NR / 2; v++)
            _mm_storel_epi64((__m128i *)&out[r][2 * v], _mm_castps_si128(_mm_cvtpd_ps(acc[r][v])));
    store_tile(&out[0][0], E_NR, E_MR, E_NR, w, ldw, c, ldc, alpha, beta, mv, nv, mode);
}

static const struct path_desc path_exact = {E_MR, E_NR, 64, 256, 1024, kern_exact, kern_exact};
#endif

#if CGEMM_X86
// ---------------------------------------------------------------- AVX2 + FMA path: 6×16

#define H_MR 6
#define H_NR 16

#define T_AVX2 __attribute__((target("avx2,fma")))
#define T_AVX512 __attribute__((target("avx512f")))
#define INLINE static inline __attribute__((always_inline))

T_AVX2 INLINE void kern_avx2_body(const int NV, int kc, const float *restrict A,
                                  const float *restrict B, float *restrict w, int ldw,
                                  float *restrict c, int ldc, float alpha, float beta,
                                  int mv, int nv, int mode) {
    __m256 acc[H_MR][2];
    for (int r = 0; r < H_MR; r++)
        for (int v = 0; v < NV; v++)
            acc[r][v] = (mode & MODE_FIRST) ? _mm256_setzero_ps()
                                            : _mm256_loadu_ps(w + r * ldw + 8 * v);
    for (int p = 0; p < kc; p++) {
        __m256 b0 = _mm256_loadu_ps(B);
        __m256 b1 = NV > 1 ? _mm256_loadu_ps(B + 8) : b0;
        for (int r = 0; r < H_MR; r++) {
            __m256 av = _mm256_broadcast_ss(A + r);
            acc[r][0] = _mm256_fmadd_ps(av, b0, acc[r][0]);
            if (NV > 1) acc[r][1] = _mm256_fmadd_ps(av, b1, acc[r][1]);
        }
        A += H_MR;
        B += H_NR;
    }
    if (!(mode & MODE_LAST)) {
        for (int r = 0; r < H_MR; r++)
            for (int v = 0; v < NV; v++)
                _mm256_storeu_ps(w + r * ldw + 8 * v, acc[r][v]);
        return;
    }
    const __m256i iota = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    __m256i mask[2];
    mask[0] = _mm256_cmpgt_epi32(_mm256_set1_epi32(nv), iota);
    mask[1] = _mm256_cmpgt_epi32(_mm256_set1_epi32(nv - 8), iota);
    const __m256 va = _mm256_set1_ps(alpha), vb = _mm256_set1_ps(beta);
    const int full = nv >= 8 * NV;
    for (int r = 0; r < H_MR; r++) {
        if (r >= mv) break;
        float *cr = c + (size_t)r * ldc;
        for (int v = 0; v < NV; v++) {
            __m256 x = _mm256_mul_ps(va, acc[r][v]);
            if (full) {
                if (beta != 0.0f)
                    x = _mm256_add_ps(x, _mm256_mul_ps(vb, _mm256_loadu_ps(cr + 8 * v)));
                _mm256_storeu_ps(cr + 8 * v, x);
            } else {
                if (beta != 0.0f)
                    x = _mm256_add_ps(x, _mm256_mul_ps(vb, _mm256_maskload_ps(cr + 8 * v, mask[v])));
                _mm256_maskstore_ps(cr + 8 * v, mask[v], x);
            }
        }
    }
}

T_AVX2 static void kern_avx2_2(int kc, const float *restrict A, const float *restrict B,
                               float *restrict w, int ldw, float *restrict c, int ldc,
                               float alpha, float beta, int mv, int nv, int mode) {
    kern_avx2_body(2, kc, A, B, w, ldw, c, ldc, alpha, beta, mv, nv, mode);
}
T_AVX2 static void kern_avx2_1(int kc, const float *restrict A, const float *restrict B,
                               float *restrict w, int ldw, float *restrict c, int ldc,
                               float alpha, float beta, int mv, int nv, int mode) {
    kern_avx2_body(1, kc, A, B, w, ldw, c, ldc, alpha, beta, mv, nv, mode);
}


// Direct (unpacked) AVX2 kernel for small problems with op(B) = B (see the
// AVX-512 one below): MRD rows × NV vectors of 8 columns, B rows read in place
// (masked loads on the last panel), rows past mv repeat row 0 and are not stored.
T_AVX2 INLINE void direct256_body(const int NV, const int MRD, const int FULL, int k,
                                  const float *restrict a, size_t ars, size_t aps,
                                  const float *restrict b, int ldb, float *restrict c, int ldc,
                                  float alpha, float beta, int mv, int nv) {
    const __m256i iota = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    __m256i mask[2];
    mask[0] = _mm256_cmpgt_epi32(_mm256_set1_epi32(nv), iota);
    mask[1] = _mm256_cmpgt_epi32(_mm256_set1_epi32(nv - 8), iota);
    const float *ar[8];
    for (int r = 0; r < MRD; r++) ar[r] = a + (r < mv ? (size_t)r * ars : 0);
    __m256 acc[8][2];
    for (int r = 0; r < MRD; r++)
        for (int v = 0; v < NV; v++) acc[r][v] = _mm256_setzero_ps();
    for (int p = 0; p < k; p++) {
        const float *bp = b + (size_t)p * ldb;
        __m256 b0 = FULL ? _mm256_loadu_ps(bp) : _mm256_maskload_ps(bp, mask[0]);
        __m256 b1 = NV < 2 ? b0 : FULL ? _mm256_loadu_ps(bp + 8) : _mm256_maskload_ps(bp + 8, mask[1]);
        size_t off = (size_t)p * aps;
        for (int r = 0; r < MRD; r++) {
            __m256 av = _mm256_broadcast_ss(ar[r] + off);
            acc[r][0] = _mm256_fmadd_ps(av, b0, acc[r][0]);
            if (NV > 1) acc[r][1] = _mm256_fmadd_ps(av, b1, acc[r][1]);
        }
    }
    const __m256 va = _mm256_set1_ps(alpha), vb = _mm256_set1_ps(beta);
    for (int r = 0; r < MRD; r++) {
        if (r >= mv) break;
        float *cr = c + (size_t)r * ldc;
        for (int v = 0; v < NV; v++) {
            __m256 x = _mm256_mul_ps(va, acc[r][v]);
            if (FULL) {
                if (beta != 0.0f) x = _mm256_add_ps(x, _mm256_mul_ps(vb, _mm256_loadu_ps(cr + 8 * v)));
                _mm256_storeu_ps(cr + 8 * v, x);
            } else {
                if (beta != 0.0f)
                    x = _mm256_add_ps(x, _mm256_mul_ps(vb, _mm256_maskload_ps(cr + 8 * v, mask[v])));
                _mm256_maskstore_ps(cr + 8 * v, mask[v], x);
            }
        }
    }
}

#define DIRECT256(NAME, NV, MRD, FULL)                                                             \
    T_AVX2 static void NAME(int k, const float *a, size_t ars, size_t aps, const float *b, int ldb, \
                            float *c, int ldc, float alpha, float beta, int mv, int nv) {          \
        direct256_body(NV, MRD, FULL, k, a, ars, aps, b, ldb, c, ldc, alpha, beta, mv, nv);       \
    }
DIRECT256(direct256_2f, 2, 6, 1)
DIRECT256(direct256_2m, 2, 6, 0)
DIRECT256(direct256_1m, 1, 8, 0)

static void drive_direct256(int transA, int m, int n, int k, float alpha, const float *a, int lda,
                            const float *b, int ldb, float beta, float *c, int ldc) {
    size_t ars = transA ? 1 : (size_t)lda, aps = transA ? (size_t)lda : 1;
    for (int jr = 0; jr < n; jr += 16) {
        int nv = n - jr < 16 ? n - jr : 16;
        int mrd = nv > 8 ? 6 : 8;
        for (int ir = 0; ir < m; ir += mrd) {
            int mv = m - ir < mrd ? m - ir : mrd;
            const float *ai = a + (size_t)ir * ars;
            float *ct = c + (size_t)ir * ldc + jr;
            if (nv == 16) direct256_2f(k, ai, ars, aps, b + jr, ldb, ct, ldc, alpha, beta, mv, nv);
            else if (nv > 8) direct256_2m(k, ai, ars, aps, b + jr, ldb, ct, ldc, alpha, beta, mv, nv);
            else direct256_1m(k, ai, ars, aps, b + jr, ldb, ct, ldc, alpha, beta, mv, nv);
        }
    }
}

// op(B) = Bᵀ with few rows of C, AVX2: lanes across 16 rows (two vectors of 8),
// op(B)[p][j] = b[j*ldb + p] broadcast in place, up to 6 columns at a time.
T_AVX2 INLINE void rowlane256_body(const int NJ, int k, const float *restrict A,
                                   const float *restrict B, size_t bjs, float *restrict c, int ldc,
                                   float alpha, float beta, int mv) {
    __m256 acc[6][2];
    for (int j = 0; j < NJ; j++) acc[j][0] = acc[j][1] = _mm256_setzero_ps();
    for (int p = 0; p < k; p++) {
        __m256 a0 = _mm256_loadu_ps(A), a1 = _mm256_loadu_ps(A + 8);
        for (int j = 0; j < NJ; j++) {
            __m256 bj = _mm256_broadcast_ss(B + j * bjs);
            acc[j][0] = _mm256_fmadd_ps(a0, bj, acc[j][0]);
            acc[j][1] = _mm256_fmadd_ps(a1, bj, acc[j][1]);
        }
        A += 16;
        B += 1;
    }
    float tmp[6][16] __attribute__((aligned(32)));
    for (int j = 0; j < NJ; j++) {
        _mm256_store_ps(&tmp[j][0], acc[j][0]);
        _mm256_store_ps(&tmp[j][8], acc[j][1]);
    }
    for (int r = 0; r < mv; r++) {
        float *cr = c + (size_t)r * ldc;
        if (beta == 0.0f) {
            for (int j = 0; j < NJ; j++) cr[j] = alpha * tmp[j][r];
        } else {
            for (int j = 0; j < NJ; j++) {
                float x = alpha * tmp[j][r];
                float y = beta * cr[j];
                cr[j] = x + y;
            }
        }
    }
}

#define ROWLANE256(NJ)                                                                       \
    T_AVX2 static void rowlane256_##NJ(int k, const float *A, const float *B, size_t bjs,   \
                                       float *c, int ldc, float alpha, float beta, int mv) { \
        rowlane256_body(NJ, k, A, B, bjs, c, ldc, alpha, beta, mv);                          \
    }
ROWLANE256(1) ROWLANE256(2) ROWLANE256(3) ROWLANE256(4) ROWLANE256(5) ROWLANE256(6)

typedef void (*rowlane256_fn)(int k, const float *A, const float *B, size_t bjs, float *c, int ldc,
                              float alpha, float beta, int mv);
static const rowlane256_fn rowlane256_tab[7] = {NULL, rowlane256_1, rowlane256_2, rowlane256_3,
                                                rowlane256_4, rowlane256_5, rowlane256_6};

static const struct path_desc path_avx2 = {H_MR, H_NR, 120, 256, 2048, kern_avx2_2, kern_avx2_1};

// ---------------------------------------------------------------- AVX-512 path: 8×32

#define Z_MR 8
#define Z_NR 32

T_AVX512 INLINE void kern_avx512_body(const int NV, int kc, const float *restrict A,
                                      const float *restrict B, float *restrict w, int ldw,
                                      float *restrict c, int ldc, float alpha, float beta,
                                      int mv, int nv, int mode) {
    __m512 acc[Z_MR][2];
    for (int r = 0; r < Z_MR; r++)
        for (int v = 0; v < NV; v++)
            acc[r][v] = (mode & MODE_FIRST) ? _mm512_setzero_ps()
                                            : _mm512_loadu_ps(w + r * ldw + 16 * v);
    for (int p = 0; p < kc; p++) {
        __m512 b0 = _mm512_loadu_ps(B);
        __m512 b1 = NV > 1 ? _mm512_loadu_ps(B + 16) : b0;
        for (int r = 0; r < Z_MR; r++) {
            __m512 av = _mm512_set1_ps(A[r]);
            acc[r][0] = _mm512_fmadd_ps(av, b0, acc[r][0]);
            if (NV > 1) acc[r][1] = _mm512_fmadd_ps(av, b1, acc[r][1]);
        }
        A += Z_MR;
        B += Z_NR;
    }
    if (!(mode & MODE_LAST)) {
        for (int r = 0; r < Z_MR; r++)
            for (int v = 0; v < NV; v++)
                _mm512_storeu_ps(w + r * ldw + 16 * v, acc[r][v]);
        return;
    }
    __mmask16 mask[2];
    mask[0] = nv >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << nv) - 1u);
    mask[1] = nv >= 32 ? (__mmask16)0xFFFF : nv > 16 ? (__mmask16)((1u << (nv - 16)) - 1u) : 0;
    const __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
    for (int r = 0; r < Z_MR; r++) {
        if (r >= mv) break;
        float *cr = c + (size_t)r * ldc;
        for (int v = 0; v < NV; v++) {
            __m512 x = _mm512_mul_ps(va, acc[r][v]);
            if (beta != 0.0f)
                x = _mm512_add_ps(x, _mm512_mul_ps(vb, _mm512_maskz_loadu_ps(mask[v], cr + 16 * v)));
            _mm512_mask_storeu_ps(cr + 16 * v, mask[v], x);
        }
    }
}

T_AVX512 static void kern_avx512_2(int kc, const float *restrict A, const float *restrict B,
                                   float *restrict w, int ldw, float *restrict c, int ldc,
                                   float alpha, float beta, int mv, int nv, int mode) {
    kern_avx512_body(2, kc, A, B, w, ldw, c, ldc, alpha, beta, mv, nv, mode);
}
T_AVX512 static void kern_avx512_1(int kc, const float *restrict A, const float *restrict B,
                                   float *restrict w, int ldw, float *restrict c, int ldc,
                                   float alpha, float beta, int mv, int nv, int mode) {
    kern_avx512_body(1, kc, A, B, w, ldw, c, ldc, alpha, beta, mv, nv, mode);
}


// Narrow outputs (n <= 16): lanes run across 16 rows of C instead of columns
// (the accumulators are still one output element per lane, summed over p in
// order with one FMA each, so the bits are the same). A panel of 16·RV rows:
// load op(A)[i..i+16·RV][p] from the packed panel, broadcast op(B)[p][j].
T_AVX512 INLINE void narrow512_body(const int NJ, const int RV, int k, const float *restrict A, size_t aps,
                                    const float *restrict B, size_t bps, size_t bjs,
                                    float *restrict c, int ldc,
                                    float alpha, float beta, int mv) {
    __m512 acc[16][2];
    for (int j = 0; j < NJ; j++)
        for (int v = 0; v < RV; v++) acc[j][v] = _mm512_setzero_ps();
    for (int p = 0; p < k; p++) {
        __m512 a0 = _mm512_loadu_ps(A);
        __m512 a1 = RV > 1 ? _mm512_loadu_ps(A + 16) : a0;
        for (int j = 0; j < NJ; j++) {
            __m512 bj = _mm512_set1_ps(B[j * bjs]);
            acc[j][0] = _mm512_fmadd_ps(a0, bj, acc[j][0]);
            if (RV > 1) acc[j][1] = _mm512_fmadd_ps(a1, bj, acc[j][1]);
        }
        A += aps;
        B += bps;
    }
    float tmp[16][32] __attribute__((aligned(64)));
    for (int j = 0; j < NJ; j++)
        for (int v = 0; v < RV; v++) _mm512_store_ps(&tmp[j][16 * v], acc[j][v]);
    for (int r = 0; r < mv; r++) {
        float *cr = c + (size_t)r * ldc;
        if (beta == 0.0f) {
            for (int j = 0; j < NJ; j++) cr[j] = alpha * tmp[j][r];
        } else {
            for (int j = 0; j < NJ; j++) {
                float x = alpha * tmp[j][r];
                float y = beta * cr[j];
                cr[j] = x + y;
            }
        }
    }
}

#define NARROW512(NJ, RV)                                                                        \
    T_AVX512 static void narrow512_##NJ(int k, const float *A, size_t aps, const float *B,     \
                                        size_t bps, size_t bjs, float *c, int ldc,              \
                                        float alpha, float beta, int mv) {                      \
        narrow512_body(NJ, RV, k, A, aps, B, bps, bjs, c, ldc, alpha, beta, mv);                \
    }
NARROW512(1, 2) NARROW512(2, 2) NARROW512(3, 2) NARROW512(4, 2)
NARROW512(5, 2) NARROW512(6, 2) NARROW512(7, 2) NARROW512(8, 2)
NARROW512(9, 1) NARROW512(10, 1) NARROW512(11, 1) NARROW512(12, 1)
NARROW512(13, 1) NARROW512(14, 1) NARROW512(15, 1) NARROW512(16, 1)

typedef void (*narrow_fn)(int k, const float *A, size_t aps, const float *B, size_t bps,
                          size_t bjs, float *c, int ldc,
                          float alpha, float beta, int mv);
static const narrow_fn narrow512_tab[17] = {
    NULL, narrow512_1, narrow512_2, narrow512_3, narrow512_4, narrow512_5, narrow512_6,
    narrow512_7, narrow512_8, narrow512_9, narrow512_10, narrow512_11, narrow512_12,
    narrow512_13, narrow512_14, narrow512_15, narrow512_16};


// Direct (unpacked) kernel for small problems with op(B) = B: rows of B are
// read in place with masked loads, op(A)[i][p] broadcast from a[i*ars + p*aps].
// MRD rows × NV vectors of 16 columns; rows past mv repeat row 0 and are not stored.
T_AVX512 INLINE void direct512_body(const int NV, const int MRD, int k, const float *restrict a,
                                    size_t ars, size_t aps, const float *restrict b, int ldb,
                                    float *restrict c, int ldc, float alpha, float beta,
                                    int mv, int nv) {
    __mmask16 mask[2];
    mask[0] = nv >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << nv) - 1u);
    mask[1] = nv >= 32 ? (__mmask16)0xFFFF : nv > 16 ? (__mmask16)((1u << (nv - 16)) - 1u) : 0;
    const float *ar[16];
    for (int r = 0; r < MRD; r++) ar[r] = a + (r < mv ? (size_t)r * ars : 0);
    __m512 acc[16][2];
    for (int r = 0; r < MRD; r++)
        for (int v = 0; v < NV; v++) acc[r][v] = _mm512_setzero_ps();
    for (int p = 0; p < k; p++) {
        const float *bp = b + (size_t)p * ldb;
        __m512 b0 = _mm512_maskz_loadu_ps(mask[0], bp);
        __m512 b1 = NV > 1 ? _mm512_maskz_loadu_ps(mask[1], bp + 16) : b0;
        size_t off = (size_t)p * aps;
        for (int r = 0; r < MRD; r++) {
            __m512 av = _mm512_set1_ps(ar[r][off]);
            acc[r][0] = _mm512_fmadd_ps(av, b0, acc[r][0]);
            if (NV > 1) acc[r][1] = _mm512_fmadd_ps(av, b1, acc[r][1]);
        }
    }
    const __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
    for (int r = 0; r < MRD; r++) {
        if (r >= mv) break;
        float *cr = c + (size_t)r * ldc;
        for (int v = 0; v < NV; v++) {
            __m512 x = _mm512_mul_ps(va, acc[r][v]);
            if (beta != 0.0f)
                x = _mm512_add_ps(x, _mm512_mul_ps(vb, _mm512_maskz_loadu_ps(mask[v], cr + 16 * v)));
            _mm512_mask_storeu_ps(cr + 16 * v, mask[v], x);
        }
    }
}

T_AVX512 static void direct512_2(int k, const float *a, size_t ars, size_t aps, const float *b,
                                 int ldb, float *c, int ldc, float alpha, float beta, int mv, int nv) {
    direct512_body(2, 8, k, a, ars, aps, b, ldb, c, ldc, alpha, beta, mv, nv);
}
T_AVX512 static void direct512_1(int k, const float *a, size_t ars, size_t aps, const float *b,
                                 int ldb, float *c, int ldc, float alpha, float beta, int mv, int nv) {
    direct512_body(1, 16, k, a, ars, aps, b, ldb, c, ldc, alpha, beta, mv, nv);
}

static void drive_direct512(int transA, int m, int n, int k, float alpha, const float *a, int lda,
                            const float *b, int ldb, float beta, float *c, int ldc) {
    size_t ars = transA ? 1 : (size_t)lda, aps = transA ? (size_t)lda : 1;
    for (int jr = 0; jr < n; jr += 32) {
        int nv = n - jr < 32 ? n - jr : 32;
        int mrd = nv > 16 ? 8 : 16;
        for (int ir = 0; ir < m; ir += mrd) {
            int mv = m - ir < mrd ? m - ir : mrd;
            const float *ai = a + (size_t)ir * ars;
            float *ct = c + (size_t)ir * ldc + jr;
            if (nv > 16) direct512_2(k, ai, ars, aps, b + jr, ldb, ct, ldc, alpha, beta, mv, nv);
            else direct512_1(k, ai, ars, aps, b + jr, ldb, ct, ldc, alpha, beta, mv, nv);
        }
    }
}

static const struct path_desc path_avx512 = {Z_MR, Z_NR, 128, 256, 2048, kern_avx512_2, kern_avx512_1};
#endif // CGEMM_X86

// ---------------------------------------------------------------- path selection

static int cpu_best(void) {
#if CGEMM_X86
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) return 2;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return 1;
#endif
    return 0;
}

static int chosen_path = -1;

static int clamp_path(int want) {
    int best = cpu_best();
    if (want < 0 || want > best) return best;
    return want;
}

int cgemm_path(void) {
    int p = __atomic_load_n(&chosen_path, __ATOMIC_RELAXED);
    if (p >= 0) return p;
    int want = -1;
    const char *env = getenv("GRADLAB_KERNEL");
    if (env) {
        if (strcmp(env, "avx512") == 0) want = 2;
        else if (strcmp(env, "avx2") == 0) want = 1;
        else if (strcmp(env, "scalar") == 0) want = 0;
    }
    p = clamp_path(want);
    __atomic_store_n(&chosen_path, p, __ATOMIC_RELAXED);
    return p;
}

void cgemm_set_path(int path) {
    __atomic_store_n(&chosen_path, clamp_path(path), __ATOMIC_RELAXED);
}

// ---------------------------------------------------------------- packing

// Thread-local scratch, grown on demand (64-byte aligned).
struct scratch { float *p; size_t cap; };
static _Thread_local struct scratch s_apack, s_bpack, s_w;

static float *scratch_get(struct scratch *s, size_t n) {
    if (n > s->cap) {
        free(s->p);
        size_t bytes = ((n * sizeof(float)) + 63) & ~(size_t)63;
        s->p = aligned_alloc(64, bytes);
        s->cap = s->p ? n : 0;
    }
    return s->p;
}

// op(A)[i0..i0+mc, 0..k] into panels of MR rows: dst[panel][p][r], zero padded.
static void pack_a(int transA, const float *a, int lda, int i0, int mc, int k, int MR, float *dst) {
    for (int ir = 0; ir < mc; ir += MR) {
        int mv = mc - ir < MR ? mc - ir : MR;
        float *d = dst + (size_t)(ir / MR) * MR * k;
        if (transA) { // opA[i][p] = a[p*lda + i]: rows of the panel are contiguous in a
            const float *s = a + (size_t)(i0 + ir);
            for (int p = 0; p < k; p++) {
                const float *sp = s + (size_t)p * lda;
                int r = 0;
                for (; r < mv; r++) d[(size_t)p * MR + r] = sp[r];
                for (; r < MR; r++) d[(size_t)p * MR + r] = 0.0f;
            }
        } else { // opA[i][p] = a[i*lda + p]
            for (int r = 0; r < MR; r++) {
                if (r < mv) {
                    const float *s = a + (size_t)(i0 + ir + r) * lda;
                    for (int p = 0; p < k; p++) d[(size_t)p * MR + r] = s[p];
                } else {
                    for (int p = 0; p < k; p++) d[(size_t)p * MR + r] = 0.0f;
                }
            }
        }
    }
}

// op(B)[0..k, j0..j0+nc] into panels of NR columns: dst[panel][p][j], zero padded.
static void pack_b(int transB, const float *b, int ldb, int j0, int nc, int k, int NR, float *dst) {
    for (int jr = 0; jr < nc; jr += NR) {
        int nv = nc - jr < NR ? nc - jr : NR;
        float *d = dst + (size_t)(jr / NR) * NR * k;
        if (!transB) { // opB[p][j] = b[p*ldb + j]
            const float *s = b + (size_t)(j0 + jr);
            for (int p = 0; p < k; p++) {
                const float *sp = s + (size_t)p * ldb;
                float *dp = d + (size_t)p * NR;
                if (nv == NR) {
                    memcpy(dp, sp, sizeof(float) * (size_t)NR);
                } else {
                    int j = 0;
                    for (; j < nv; j++) dp[j] = sp[j];
                    for (; j < NR; j++) dp[j] = 0.0f;
                }
            }
        } else { // opB[p][j] = b[j*ldb + p]
            for (int j = 0; j < NR; j++) {
                if (j < nv) {
                    const float *s = b + (size_t)(j0 + jr + j) * ldb;
                    for (int p = 0; p < k; p++) d[(size_t)p * NR + j] = s[p];
                } else {
                    for (int p = 0; p < k; p++) d[(size_t)p * NR + j] = 0.0f;
                }
            }
        }
    }
}

// ---------------------------------------------------------------- driver

static void drive(const struct path_desc *P, int transA, int transB, int m, int n, int k,
                  float alpha, const float *a, int lda, const float *b, int ldb,
                  float beta, float *c, int ldc) {
    const int MR = P->mr, NR = P->nr, KC = P->kc;
    const int MC = P->mc, NC = P->nc;
    const int ncmax = n < NC ? n : NC, mcmax = m < MC ? m : MC;
    const int ncpad = (ncmax + NR - 1) / NR * NR, mcpad = (mcmax + MR - 1) / MR * MR;
    float *bp = scratch_get(&s_bpack, (size_t)ncpad * k);
    float *ap = scratch_get(&s_apack, (size_t)mcpad * k);
    float *w = NULL;
    int ldw = ncpad;
    if (k > KC) w = scratch_get(&s_w, (size_t)mcpad * ncpad);
    if (!bp || !ap || (k > KC && !w)) abort();

    for (int jc = 0; jc < n; jc += NC) {
        int nc = n - jc < NC ? n - jc : NC;
        pack_b(transB, b, ldb, jc, nc, k, NR, bp);
        for (int ic = 0; ic < m; ic += MC) {
            int mc = m - ic < MC ? m - ic : MC;
            pack_a(transA, a, lda, ic, mc, k, MR, ap);
            for (int pc = 0; pc < k; pc += KC) {
                int kc = k - pc < KC ? k - pc : KC;
                int mode = (pc == 0 ? MODE_FIRST : 0) | (pc + kc == k ? MODE_LAST : 0);
                for (int jr = 0; jr < nc; jr += NR) {
                    int nv = nc - jr < NR ? nc - jr : NR;
                    kern_fn kern = nv > NR / 2 ? P->full : P->half;
                    const float *bpanel = bp + (size_t)(jr / NR) * NR * k + (size_t)pc * NR;
                    for (int ir = 0; ir < mc; ir += MR) {
                        int mv = mc - ir < MR ? mc - ir : MR;
                        const float *apanel = ap + (size_t)(ir / MR) * MR * k + (size_t)pc * MR;
                        float *wt = w ? w + (size_t)ir * ldw + jr : NULL;
                        float *ct = c + (size_t)(ic + ir) * ldc + (jc + jr);
                        kern(kc, apanel, bpanel, wt, ldw, ct, ldc, alpha, beta, mv, nv, mode);
                    }
                }
            }
        }
    }
}

static int strategy = -1;
void cgemm_set_strategy(int s) { strategy = s; }

#if CGEMM_X86
// Packing pays for itself when the packed panels are reused often enough.
// Measured on gradlab's shapes (bench/gemm/speed.c): reading B in place wins
// while op(B) (k×n) stays in L2; rows of A 2 KiB apart alias in L1 and lose.
static int use_direct(int transA, int m, int n, int k, int lda) {
    if (n <= 16) return 1;
    // Wide layers (1024 units and more, bench/gemm speed): once op(B) or C
    // outgrows L2, the packed panels win even for a batch of 32 or k = 32.
    if ((size_t)k * (size_t)n > 768 * 1024 || (size_t)m * (size_t)n > 384 * 1024) return 0;
    if (m <= 64 || k <= 64) return 1;
    if (!transA && lda % 512 == 0) return 0;
    return (size_t)k * (size_t)n <= 320 * 1024;
}

// op(B) = Bᵀ: broadcasting B in place (no transposition) wins for few rows of
// C; for tiny k the per-tile transposition of the result costs more.
static int use_rowlane(int m, int k) {
    return k >= 32 && (m <= 64 || (m <= 256 && k >= 64));
}

static void drive_narrow512(int transA, int transB, int m, int n, int k,
                            float alpha, const float *a, int lda, const float *b, int ldb,
                            float beta, float *c, int ldc) {
    const int MR = n <= 8 ? 32 : 16;
    float *bp = scratch_get(&s_bpack, (size_t)16 * k);
    float *ap = scratch_get(&s_apack, (size_t)MR * k);
    if (!bp || !ap) abort();
    pack_b(transB, b, ldb, 0, n, k, 16, bp);
    narrow_fn kern = narrow512_tab[n];
    for (int ir = 0; ir < m; ir += MR) {
        int mv = m - ir < MR ? m - ir : MR;
        if (transA && mv == MR) { // the panel's rows are contiguous in a: no packing
            kern(k, a + ir, (size_t)lda, bp, 16, 1, c + (size_t)ir * ldc, ldc, alpha, beta, mv);
            continue;
        }
        pack_a(transA, a, lda, ir, mv, k, MR, ap);
        kern(k, ap, (size_t)MR, bp, 16, 1, c + (size_t)ir * ldc, ldc, alpha, beta, mv);
    }
}

// op(B) = Bᵀ with few rows of C: lanes across 32 rows (op(A) packed, small),
// op(B)[p][j] = b[j*ldb + p] broadcast in place, 8 columns at a time: no
// transposition of B.
static void drive_rowlane256(int transA, int m, int n, int k, float alpha, const float *a, int lda,
                             const float *b, int ldb, float beta, float *c, int ldc) {
    const int MR = 16, NJ = 6;
    int mpad = (m + MR - 1) / MR * MR;
    float *ap = scratch_get(&s_apack, (size_t)mpad * k);
    if (!ap) abort();
    pack_a(transA, a, lda, 0, m, k, MR, ap);
    for (int jc = 0; jc < n; jc += NJ) {
        int nj = n - jc < NJ ? n - jc : NJ;
        rowlane256_fn kern = rowlane256_tab[nj];
        for (int ir = 0; ir < m; ir += MR) {
            int mv = m - ir < MR ? m - ir : MR;
            kern(k, ap + (size_t)ir * k, b + (size_t)jc * ldb, (size_t)ldb,
                 c + (size_t)ir * ldc + jc, ldc, alpha, beta, mv);
        }
    }
}

static void drive_rowlane512(int transA, int m, int n, int k, float alpha, const float *a, int lda,
                             const float *b, int ldb, float beta, float *c, int ldc) {
    const int MR = 32, NJ = 8;
    int mpad = (m + MR - 1) / MR * MR;
    float *ap = scratch_get(&s_apack, (size_t)mpad * k);
    if (!ap) abort();
    pack_a(transA, a, lda, 0, m, k, MR, ap);
    for (int jc = 0; jc < n; jc += NJ) {
        int nj = n - jc < NJ ? n - jc : NJ;
        narrow_fn kern = narrow512_tab[nj];
        for (int ir = 0; ir < m; ir += MR) {
            int mv = m - ir < MR ? m - ir : MR;
            kern(k, ap + (size_t)ir * k, (size_t)MR, b + (size_t)jc * ldb, 1, (size_t)ldb,
                 c + (size_t)ir * ldc + jc, ldc, alpha, beta, mv);
        }
    }
}
#endif

void cgemm_sgemm(int transA, int transB, int m, int n, int k,
                 float alpha, const float *a, int lda,
                 const float *b, int ldb,
                 float beta, float *c, int ldc) {
    if (m <= 0 || n <= 0) return;
    if (k <= 0) { // acc = 0 for every element
        for (int i = 0; i < m; i++) {
            float *cr = c + (size_t)i * ldc;
            for (int j = 0; j < n; j++) {
                float x = alpha * 0.0f;
                if (beta == 0.0f) cr[j] = x;
                else { float y = beta * cr[j]; cr[j] = x + y; }
            }
        }
        return;
    }
#if CGEMM_X86
    const struct path_desc *P = &path_exact;
    switch (cgemm_path()) {
    case 2: P = &path_avx512; break;
    case 1: P = &path_avx2; break;
    default: break;
    }
#else
    const struct path_desc *P = &path_scalar;
#endif
#if CGEMM_X86
    if (P == &path_avx512 && !transB &&
        (strategy == 1 || (strategy < 0 && use_direct(transA, m, n, k, lda)))) {
        drive_direct512(transA, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        return;
    }
    if (P == &path_avx512 && transB && (strategy == 1 || (strategy < 0 && use_rowlane(m, k)))) {
        drive_rowlane512(transA, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        return;
    }
    if (P == &path_avx2 && !transB &&
        (strategy == 1 || (strategy < 0 && use_direct(transA, m, n, k, lda)))) {
        drive_direct256(transA, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        return;
    }
    if (P == &path_avx2 && transB && (strategy == 1 || (strategy < 0 && use_rowlane(m, k)))) {
        drive_rowlane256(transA, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        return;
    }
    if (P == &path_avx512 && n <= 16 && strategy != 0) {
        drive_narrow512(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        return;
    }
#endif
    drive(P, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
