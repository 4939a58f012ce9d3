// Element-wise optimizer updates, vectorised by the compiler for the path
// cgemm_path() chose. Each element is the scalar formula's operations in the
// scalar formula's order (no contraction: -ffp-contract=off and the pragma
// below); IEEE division and square root are correctly rounded in every lane,
// so every path gives the same bits as the scalar one.

#include "paths.h"

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

#define NADAM_BODY                                                                         \
    for (long i = 0; i < n; i++) {                                                         \
        float gv = g[i], mo = m[i], vo = v[i];                                             \
        float mv = mo + (gv - mo) * one_minus_b1;                                          \
        float vv = vo + (gv * gv - vo) * one_minus_b2;                                     \
        m[i] = mv;                                                                         \
        v[i] = vv;                                                                         \
        float m_hat = uT1 * mv / one_minus_prodT1 + one_minus_uT * gv / one_minus_prodT;   \
        float v_hat = vv / one_minus_b2_power;                                             \
        w[i] = w[i] - lr * m_hat / (__builtin_sqrtf(v_hat) + eps);                         \
    }

#define NADAM_ARGS                                                                         \
    float *restrict w, const float *restrict g, float *restrict m, float *restrict v,     \
    long n, float one_minus_b1, float one_minus_b2, float eps, float lr, float uT1,       \
    float one_minus_prodT1, float one_minus_uT, float one_minus_prodT, float one_minus_b2_power

CGEMM_PATHS(nadam, (NADAM_ARGS), NADAM_BODY)

void cgemm_nadam_update(float *w, const float *g, float *m, float *v, long n, float beta1, float beta2,
                        float epsilon, float lr, float uT, float uT1, float prodT, float prodT1, float b2Power) {
    // The constants as the scalar formula computes them, once.
    float b1c = 1 - beta1, b2c = 1 - beta2, p1 = 1 - prodT1, u = 1 - uT, p = 1 - prodT, b2p = 1 - b2Power;
    CGEMM_DISPATCH(nadam, w, g, m, v, n, b1c, b2c, epsilon, lr, uT1, p1, u, p, b2p);
}
