// ELU and its derivative, vectorised by the compiler for the path cgemm_path()
// chose: GradTensor's `Vectorized.elu` / `eluBackward`, whose e^x is Cephes'
// single-precision polynomial, element by element with the Swift code's
// operations in its order (no contraction) and its constants' exact bits, so
// every path gives the Swift loop's bits.

#include <stdint.h>
#include <string.h>
#include "cgemm.h"

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

static inline uint32_t bits(float x) { uint32_t u; memcpy(&u, &x, sizeof u); return u; }
static inline float from_bits(uint32_t u) { float x; memcpy(&x, &u, sizeof x); return x; }

// e^x for x in [−87.3, 88.7] (clamped): round x·log2(e) to n by the 1.5·2²³
// trick, reduce by n·ln 2 in two parts, a degree-7 polynomial, then scale by 2ⁿ.
static inline float cephes_exp(float x) {
    x = x < -87.3f ? -87.3f : x;
    x = x > 88.7f ? 88.7f : x;
    const float magic = 12582912.0f;
    float shifted = x * 1.44269504088896341f + magic;
    float fx = shifted - magic;
    x = x - fx * 0.693359375f + fx * 2.12194440e-4f;
    float y = 1.9875691500e-4f;
    y = y * x + 1.3981999507e-3f;
    y = y * x + 8.3334519073e-3f;
    y = y * x + 4.1665795894e-2f;
    y = y * x + 1.6666665459e-1f;
    y = y * x + 5.0000001201e-1f;
    y = y * x * x + x + 1;
    uint32_t n = bits(shifted) - bits(magic);
    return y * from_bits((n + 127) << 23);
}

#define ELU_BODY                                                                           \
    for (long i = 0; i < n; i++) {                                                         \
        float x = p[i];                                                                    \
        float neg = sa * (cephes_exp(x > 0 ? 0 : x) - 1);                                  \
        p[i] = x <= 0 ? neg : x * scale;                                                   \
    }
#define ELU_ARGS float *restrict p, long n, float sa, float scale

#define ELU_BACKWARD_BODY                                                                  \
    for (long i = 0; i < n; i++) g[i] = y[i] <= 0 ? g[i] * (y[i] + sa) : g[i] * scale;
#define ELU_BACKWARD_ARGS const float *restrict y, float *restrict g, long n, float sa, float scale

#if defined(__x86_64__) || defined(_M_X64)
// Path 0 on x86 still has x86-64-v2, the CPU GradTensor is built for: its
// blends let the selects vectorise, as in the Swift loops.
#define BASELINE __attribute__((target("sse4.2")))
#else
#define BASELINE
#endif

BASELINE static void elu_scalar(ELU_ARGS) { ELU_BODY }
BASELINE static void elu_backward_scalar(ELU_BACKWARD_ARGS) { ELU_BACKWARD_BODY }

#if defined(__x86_64__) || defined(_M_X64)
__attribute__((target("avx512f"))) static void elu_avx512(ELU_ARGS) { ELU_BODY }
__attribute__((target("avx2,fma"))) static void elu_avx2(ELU_ARGS) { ELU_BODY }
__attribute__((target("avx512f"))) static void elu_backward_avx512(ELU_BACKWARD_ARGS) { ELU_BACKWARD_BODY }
__attribute__((target("avx2,fma"))) static void elu_backward_avx2(ELU_BACKWARD_ARGS) { ELU_BACKWARD_BODY }
#endif

void cgemm_elu(float *p, long n, float alpha, float scale) {
    float sa = alpha * scale;
#if defined(__x86_64__) || defined(_M_X64)
    switch (cgemm_path()) {
    case 2: elu_avx512(p, n, sa, scale); return;
    case 1: elu_avx2(p, n, sa, scale); return;
    default: break;
    }
#endif
    elu_scalar(p, n, sa, scale);
}

void cgemm_elu_backward(const float *y, float *g, long n, float alpha, float scale) {
    float sa = alpha * scale;
#if defined(__x86_64__) || defined(_M_X64)
    switch (cgemm_path()) {
    case 2: elu_backward_avx512(y, g, n, sa, scale); return;
    case 1: elu_backward_avx2(y, g, n, sa, scale); return;
    default: break;
    }
#endif
    elu_backward_scalar(y, g, n, sa, scale);
}
