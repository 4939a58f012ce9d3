// ELU and SELU and their derivatives, vectorised by the compiler for the path cgemm_path() chose.
// Each element is the scalar formula's operations in its order (no
// contraction), so every path gives the same bits; the formula is the one the
// engine has always used (Cephes' single-precision e^x, cephes_exp.h), so
// moving it here from Swift moved no bit either.

#include "cephes_exp.h"
#include "paths.h"

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

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
