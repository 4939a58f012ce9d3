// Sigmoid and tanh in place, and the formulas the engine has always used (the
// Swift SIMD8 loops of Vectorized before they moved here), with Cephes' e^x
// (cephes_exp.h): sigmoid(x) = 1 / (1 + e^−x); tanh(x) = (1 − e) / (1 + e),
// e = e^(−2·c), c = x clamped to [−40, 40]. Each element's operations in
// their order (no contraction): the same bits on every path, and as before.

#include "cephes_exp.h"
#include "paths.h"

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

#define SIGMOID_BODY                                                                       \
    for (long i = 0; i < n; i++) p[i] = 1.0f / (1.0f + cephes_exp(-p[i]));

CGEMM_PATHS(sigmoid, (float *restrict p, long n), SIGMOID_BODY)

void cgemm_sigmoid(float *p, long n) { CGEMM_DISPATCH(sigmoid, p, n); }

#define TANH_BODY                                                                          \
    for (long i = 0; i < n; i++) {                                                         \
        float x = p[i];                                                                    \
        float c = x < -40.0f ? -40.0f : x;                                                 \
        c = c > 40.0f ? 40.0f : c;                                                         \
        float e = cephes_exp(-2.0f * c);                                                   \
        p[i] = (1.0f - e) / (1.0f + e);                                                    \
    }

CGEMM_PATHS(tanh, (float *restrict p, long n), TANH_BODY)

void cgemm_tanh(float *p, long n) { CGEMM_DISPATCH(tanh, p, n); }
