// ELU and SELU and their derivatives, vectorised by the compiler for the path cgemm_path() chose.
// Each element is the scalar formula's operations in its order (no
// contraction), so every path gives the same bits; the formula is the one the
// engine has always used (Cephes' single-precision e^x, written out below),
// so moving it here from Swift moved no bit either.

#include <stdint.h>
#include <string.h>
#include "paths.h"

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

#define INLINE static inline __attribute__((always_inline))

INLINE uint32_t bits(float x) { uint32_t u; memcpy(&u, &x, 4); return u; }
INLINE float from_bits(uint32_t u) { float x; memcpy(&x, &u, 4); return x; }

// Cephes' expf: x clamped to [-87.3, 88.7], n = round(x·log2 e) by the
// 1.5·2²³ trick, r = x − n·ln 2 in two parts, a degree-7 polynomial, times 2ⁿ.
INLINE float cephes_exp(float xin) {
    const float magic = 12582912.0f;
    float x = xin < -87.3f ? -87.3f : xin;
    x = x > 88.7f ? 88.7f : x;
    float shifted = x * 1.44269504088896341f + magic;
    float fx = shifted - magic;
    x = x - fx * 0.693359375f + fx * 2.12194440e-4f;
    float y = 1.9875691500e-4f;
    y = y * x + 1.3981999507e-3f;
    y = y * x + 8.3334519073e-3f;
    y = y * x + 4.1665795894e-2f;
    y = y * x + 1.6666665459e-1f;
    y = y * x + 5.0000001201e-1f;
    y = y * x * x + x + 1.0f;
    uint32_t n = bits(shifted) - bits(magic);
    return y * from_bits((n + 127u) << 23);
}

#define ELU_BODY                                                                           \
    for (long i = 0; i < n; i++) {                                                         \
        float x = p[i];                                                                    \
        float neg = sa * (cephes_exp(x > 0.0f ? 0.0f : x) - 1.0f);                         \
        p[i] = x <= 0.0f ? neg : x * scale;                                                \
    }

#define ELU_ARGS float *restrict p, long n, float sa, float scale

CGEMM_PATHS(elu, (ELU_ARGS), ELU_BODY)

void cgemm_elu(float *p, long n, float sa, float scale) { CGEMM_DISPATCH(elu, p, n, sa, scale); }

// dL/dx from dL/dy and y: x ≤ 0 exactly where y ≤ 0, and there dy/dx = y + sa.
#define ELU_BACKWARD_BODY                                                                  \
    for (long i = 0; i < n; i++) {                                                         \
        float yv = y[i], gv = g[i];                                                        \
        g[i] = yv <= 0.0f ? gv * (yv + sa) : gv * scale;                                   \
    }

// y and g may be one buffer (no restrict): each element reads both before writing g.
CGEMM_PATHS(elu_backward, (const float *y, float *g, long n, float sa, float scale), ELU_BACKWARD_BODY)

void cgemm_elu_backward(const float *y, float *g, long n, float sa, float scale) {
    CGEMM_DISPATCH(elu_backward, y, g, n, sa, scale);
}
