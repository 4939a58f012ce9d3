// Cephes' single-precision e^x (relative error about 2e-7), the one copy of
// it: ELU and SELU (elu.c), sigmoid and tanh (logistic.c). Inline, so each
// kernel's path vectorises it; with no contraction (FP_CONTRACT off, here and
// in the including files), every path gives the bits of the scalar formula.
#ifndef CGEMM_CEPHES_EXP_H
#define CGEMM_CEPHES_EXP_H

#include <stdint.h>
#include <string.h>

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

#endif
