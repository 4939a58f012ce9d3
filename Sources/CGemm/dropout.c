// Dropout, vectorised by the compiler for the path cgemm_path() chose.
// Its factors are integer arithmetic on a counter (Wellons' lowbias32 hash, twice)
// and one float multiply per element, so every path gives the same bits.

#include <stdint.h>
#include "paths.h"

static inline uint32_t lowbias32(uint32_t x) {
    x ^= x >> 16;
    x *= 0x7FEB352Du;
    x ^= x >> 15;
    x *= 0x846CA68Bu;
    x ^= x >> 16;
    return x;
}

// x[i]·factor into y[i]: the factor is keep or 0 by the hash of the element's counter. The
// backward pass is the same call on the gradient with the same key (no mask is kept).
#define DROPOUT_BODY                                                                       \
    for (long i = 0; i < n; i++) {                                                         \
        uint32_t c = (uint32_t)(first + i);                                                \
        uint32_t h = lowbias32(lowbias32(c ^ k1) + k2) >> 8;                               \
        y[i] = x[i] * (h >= threshold ? keep : 0.0f);                                      \
    }

#define DROPOUT_ARGS                                                                       \
    const float *restrict x, float *restrict y, long n, long first,                       \
    uint32_t threshold, float keep, uint32_t k1, uint32_t k2

CGEMM_PATHS(dropout, (DROPOUT_ARGS), DROPOUT_BODY)

void cgemm_dropout(const float *x, float *y, long n, long first, unsigned int threshold, float keep,
                   unsigned long long key) {
    uint32_t k1 = (uint32_t)key, k2 = (uint32_t)(key >> 32);
    CGEMM_DISPATCH(dropout, x, y, n, first, threshold, keep, k1, k2);
}
