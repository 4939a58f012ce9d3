// Checks path 0's exact FMA (cgemm.c, fma_exact_pd: double arithmetic with
// round-to-odd, for CPUs without FMA) against the hardware fmaf, on random
// bit patterns (NaN, Inf, subnormals included) and on built hard cases: a·b
// within a few units of half an ulp of c, where rounding p + c to double and
// then to float (double rounding) would be wrong. Built and run by
// scripts/check-gemm.sh fma [MILLIONS]; needs a CPU with FMA for the reference.
#include "../../Sources/CGemm/cgemm.c"

#include <stdio.h>

static uint64_t state = 0x2545F4914F6CDD1Dull;
static uint32_t next32(void) {
    state ^= state << 13; state ^= state >> 7; state ^= state << 17;
    return (uint32_t)(state >> 32);
}
static float bits(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }
static uint32_t word(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }

__attribute__((target("fma"))) static float hardware(float a, float b, float c) { return __builtin_fmaf(a, b, c); }

// A hard case: c with a random exponent and mantissa; a·b = (half an ulp of c)
// · (1 + 2^-u)(1 − 2^-v) with random signs, so p + c lies at or a hair off a
// midpoint between two floats; sometimes scaled into the subnormal range.
static void hard(float *a, float *b, float *c) {
    int ec = (int)(next32() % 200) - 100;          // c's exponent
    if (next32() % 8 == 0) ec = -126 - (int)(next32() % 20);
    float cm = 1.0f + (float)(next32() >> 9) * 0x1p-23f;
    *c = ldexpf(cm, ec) * ((next32() & 1) ? -1.0f : 1.0f);
    int u = 1 + (int)(next32() % 23), v = next32() % 4 == 0 ? u : 1 + (int)(next32() % 23);
    float x = 1.0f + ldexpf(1.0f, -u), y = 1.0f - ldexpf(1.0f, -v);
    if (next32() & 1) { x = 1.0f - ldexpf(1.0f, -u); y = 1.0f + ldexpf(1.0f, -v); }
    int split = (int)(next32() % 40) - 20;        // the half ulp 2^(ec−24) shared between a and b
    *a = ldexpf(x, ec - 24 - split) * ((next32() & 1) ? -1.0f : 1.0f);
    *b = ldexpf(y, split);
    if (next32() % 16 == 0) *b = ldexpf(y, split + 1); // a whole ulp: exact ties the other way
}

T_SSE static void exact(const float *a, const float *b, const float *c, float *out, int n) {
    for (int i = 0; i < n; i += 2) {
        __m128d r = fma_exact_pd(_mm_set_pd(a[i + 1], a[i]), _mm_set_pd(b[i + 1], b[i]), _mm_set_pd(c[i + 1], c[i]));
        double d[2];
        _mm_storeu_pd(d, r);
        out[i] = (float)d[0];
        out[i + 1] = (float)d[1];
    }
}

int main(int argc, char **argv) {
    long millions = argc > 1 ? atol(argv[1]) : 20;
    __builtin_cpu_init();
    if (!__builtin_cpu_supports("fma")) { printf("no FMA on this CPU: no reference to compare with, skipped\n"); return 0; }
    long total = 0, wrong = 0, naive_wrong = 0;
    enum { N = 4096 };
    static float a[N], b[N], c[N];
    for (long round = 0; round < millions * 1000000 / N; round++) {
        for (int i = 0; i < N; i++) {
            switch (next32() % 4) {
            case 0: a[i] = bits(next32()); b[i] = bits(next32()); c[i] = bits(next32()); break;
            case 1: a[i] = (float)(int)(next32() % 2001 - 1000) / 64; b[i] = (float)(int)(next32() % 2001 - 1000) / 64;
                    c[i] = -a[i] * b[i] + (float)(int)(next32() % 3 - 1) * 0x1p-30f; break;  // cancellation, signed zeros
            default: hard(&a[i], &b[i], &c[i]); break;
            }
        }
        static float out[N];
        exact(a, b, c, out, N);
        for (int i = 0; i < N; i += 2) {
            for (int l = 0; l < 2; l++) {
                float got = out[i + l], want = hardware(a[i + l], b[i + l], c[i + l]);
                float naive = (float)((double)a[i + l] * b[i + l] + c[i + l]);
                int same = word(got) == word(want) || (isnan(got) && isnan(want));
                if (!same && wrong++ < 10)
                    fprintf(stderr, "MISMATCH fma(%a, %a, %a): %a, hardware %a\n", a[i + l], b[i + l], c[i + l], got, want);
                if (!(word(naive) == word(want) || (isnan(naive) && isnan(want)))) naive_wrong++;
                total++;
            }
        }
    }
    printf("%ld triples: %ld differ from the hardware fmaf (double rounding, as a plain double sum would give: %ld)\n",
           total, wrong, naive_wrong);
    return wrong != 0 || naive_wrong == 0;   // the hard cases must be hard
}
