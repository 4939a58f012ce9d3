// A batch of byte samples (image pixels) as floats: out[r][j] = (float)src[rows[r]][j]·scale.
// The rows are scattered over the data set, so each one is fetched from memory
// while the row before is converted (a prefetch two rows ahead); the conversion
// is exact and the product one rounding, so every path gives the same bits.

#include "paths.h"

#define GATHER_BODY                                                                        \
    for (long r = 0; r < count; r++) {                                                     \
        if (r + 2 < count) {                                                               \
            const unsigned char *ahead = src + rows[r + 2] * f;                            \
            for (long j = 0; j < f; j += 64) __builtin_prefetch(ahead + j);                \
        }                                                                                  \
        const unsigned char *s = src + rows[r] * f;                                        \
        float *o = out + r * f;                                                            \
        for (long j = 0; j < f; j++) o[j] = (float)s[j] * scale;                           \
    }

#define GATHER_ARGS                                                                        \
    const unsigned char *restrict src, const long *restrict rows, long count, long f,     \
    float scale, float *restrict out

CGEMM_PATHS(gather, (GATHER_ARGS), GATHER_BODY)

void cgemm_gather_bytes(const unsigned char *src, const long *rows, long count, long f, float scale, float *out) {
    CGEMM_DISPATCH(gather, src, rows, count, f, scale, out);
}
