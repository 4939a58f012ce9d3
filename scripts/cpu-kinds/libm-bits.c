// Fingerprints of glibc libm results, to compare across CPU kinds (glibc picks
// FMA/AVX2 or SSE2 variants of expf, logf, sinf, cosf, exp, log, sin, cos, pow
// ... at load time from CPUID). Run the same command on two CPUs (or under
// qemu-x86_64 -cpu MODEL, or natively with
// GLIBC_TUNABLES=glibc.cpu.hwcaps=-AVX,-AVX2,-FMA, which makes glibc pick the
// functions a Nehalem gets) and diff the output.
//
// glibc 2.36 (Debian 12), FMA variants (this EPYC, any Haswell or later)
// against Nehalem's, December 2026:
//   expf   all 2^32 inputs: differs at 0x4202422f and 0xc27c65d9 only (so
//          gradlab uses cgemm_expf, which is the same as the SSE2 one everywhere)
//   logf, erff   all 2^32: identical
//   sinf   differs only for |x| >= 32; cosf at 10 inputs, all |x| >= 17.27;
//          gradlab's arguments are in [0, 10.3] (Synthetic, cosine schedules)
//   tanhf, log1pf, expm1f: one implementation (no ifunc)
//   normal 2^28 draws: the Float results never differ, though the doubles do
//          (of 4M draws, log differed in 453, sin in 2,707, cos in 2,772)
//   powd   10^6 steps: pow differs in the double, the Float constants never
//   powf   56M schedule-like inputs: identical
//   cc -O2 -fno-builtin -ffp-contract=off scripts/cpu-kinds/libm-bits.c Sources/CGemm/expf.c -ISources/CGemm/include -lm
//   libm-bits float FUNC [FIRST LAST]  one hash line per 2^24 float inputs (bit patterns FIRST..LAST chunks, 0..255)
//   libm-bits list FUNC CHUNK          every input of that chunk with its result's bits
//   libm-bits normal N                 gradlab's Box-Muller (RandomGenerator.normal) on N draws:
//                                      hash of the double log/sin/cos results and of the Float results, per 2^20 draws
//   libm-bits powd N                   pow(0.96|beta, t) for t = 1..N, and Nadam's and Adam's Float step constants
//   libm-bits powf N                   the schedules' powf(base, t / decay_steps) for t = 0..N
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

float cgemm_expf(float); // gradlab's (Sources/CGemm/expf.c, compiled in with this file)

typedef float (*ff)(float);
static const struct { const char *name; ff f; } funcs[] = {
    {"expf", expf}, {"logf", logf}, {"sinf", sinf}, {"cosf", cosf}, {"tanhf", tanhf},
    {"log1pf", log1pf}, {"expm1f", expm1f}, {"erff", erff}, {"exp2f", exp2f}, {"log2f", log2f},
    {"cgemm_expf", cgemm_expf},
};

static ff lookup(const char *name) {
    for (size_t i = 0; i < sizeof funcs / sizeof funcs[0]; i++)
        if (strcmp(funcs[i].name, name) == 0) return funcs[i].f;
    fprintf(stderr, "unknown function %s\n", name);
    exit(2);
}

static uint64_t mix(uint64_t h, uint64_t v) { return (h ^ v) * 0x100000001b3ULL + (h >> 29); }

static uint32_t fbits(float x) { uint32_t u; memcpy(&u, &x, 4); return u; }
static float bitsf(uint32_t u) { float x; memcpy(&x, &u, 4); return x; }
static uint64_t dbits(double x) { uint64_t u; memcpy(&u, &x, 8); return u; }

// gradlab's generator (RandomGenerator.swift, xoshiro256**-style next()).
static uint64_t s[4] = {0x9E3779B97F4A7C15ULL, 0xBF58476D1CE4E5B9ULL, 0x94D049BB133111EBULL, 0x2545F4914F6CDD1DULL};
static uint64_t next(void) {
    uint64_t s1 = s[1], r = ((s1 * 5) << 7 | (s1 * 5) >> 57) * 9, t = s1 << 17;
    s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3]; s[2] ^= t;
    s[3] = (s[3] << 45) | (s[3] >> 19);
    return r;
}

int main(int argc, char **argv) {
    if (argc >= 3 && strcmp(argv[1], "float") == 0) {
        ff volatile f = lookup(argv[2]);
        unsigned first = argc > 3 ? (unsigned)atoi(argv[3]) : 0, last = argc > 4 ? (unsigned)atoi(argv[4]) : 255;
        for (unsigned c = first; c <= last; c++) {
            uint64_t h = 0xcbf29ce484222325ULL;
            for (uint32_t i = 0; i < (1u << 24); i++) h = mix(h, fbits(f(bitsf((c << 24) | i))));
            printf("%s %3u %016llx\n", argv[2], c, (unsigned long long)h);
            fflush(stdout);
        }
        return 0;
    }
    if (argc == 4 && strcmp(argv[1], "list") == 0) {
        ff volatile f = lookup(argv[2]);
        unsigned c = (unsigned)atoi(argv[3]);
        for (uint32_t i = 0; i < (1u << 24); i++) {
            uint32_t x = (c << 24) | i;
            printf("%08x %08x\n", x, fbits(f(bitsf(x))));
        }
        return 0;
    }
    if (argc == 3 && strcmp(argv[1], "normal") == 0) {
        long n = atol(argv[2]);
        double (*volatile lg)(double) = log, (*volatile sn)(double) = sin, (*volatile cs)(double) = cos;
        uint64_t hd = 0xcbf29ce484222325ULL, hf = hd;
        for (long k = 1; k <= n; k++) {
            double u1;
            do { u1 = (double)(next() >> 11) * 0x1.0p-53; } while (u1 <= 0);
            double u2 = (double)(next() >> 11) * 0x1.0p-53;
            double l = lg(u1), r = sqrt(-2 * l), a = sn(2 * M_PI * u2), b = cs(2 * M_PI * u2);
            hd = mix(mix(mix(hd, dbits(l)), dbits(a)), dbits(b));
            hf = mix(mix(hf, fbits((float)(r * a))), fbits((float)(r * b)));
            if (getenv("LIBM_BITS_DUMP"))
                printf("%ld %016llx %016llx %016llx %08x %08x\n", k, (unsigned long long)dbits(l), (unsigned long long)dbits(a),
                       (unsigned long long)dbits(b), fbits((float)(r * a)), fbits((float)(r * b)));
            else if (k % (1L << 20) == 0 || k == n) {
                printf("normal %ld double %016llx float %016llx\n", k, (unsigned long long)hd, (unsigned long long)hf);
                fflush(stdout);
            }
        }
        return 0;
    }
    if (argc == 3 && strcmp(argv[1], "powd") == 0) {
        long n = atol(argv[2]);
        double (*volatile pw)(double, double) = pow;
        const double bases[] = {0.96, 0.9f, 0.999f, 0.99f, 0.95f};
        for (size_t b = 0; b < sizeof bases / sizeof bases[0]; b++) {
            uint64_t hd = 0xcbf29ce484222325ULL, hf = hd;
            for (long t = 1; t <= n; t++) {
                double p = pw(bases[b], (double)t);
                hd = mix(hd, dbits(p));
                hf = mix(hf, fbits((float)p));
            }
            printf("pow %g^1..%ld double %016llx float %016llx\n", bases[b], n, (unsigned long long)hd, (unsigned long long)hf);
        }
        // The Float step constants of Nadam.prepare and Adam.prepare (GradNN), t = 1..n, beta1 0.9, beta2 0.999, lr 0.001.
        double b1 = 0.9f, b2 = 0.999f, lr = 0.001f, prod = 1;
        uint64_t hn = 0xcbf29ce484222325ULL, ha = hn;
        for (long t = 1; t <= n; t++) {
            double uT = b1 * (1 - 0.5 * pw(0.96, (double)t)), uT1 = b1 * (1 - 0.5 * pw(0.96, (double)t + 1));
            prod = prod * uT;
            hn = mix(mix(mix(mix(mix(hn, fbits((float)uT)), fbits((float)uT1)), fbits((float)prod)), fbits((float)(prod * uT1))),
                     fbits((float)pw(b2, (double)t)));
            ha = mix(ha, fbits((float)(lr * sqrt(1 - pw(b2, (double)t)) / (1 - pw(b1, (double)t)))));
        }
        printf("nadam constants t=1..%ld %016llx adam alpha %016llx\n", n, (unsigned long long)hn, (unsigned long long)ha);
        return 0;
    }
    if (argc == 3 && strcmp(argv[1], "powf") == 0) {
        // The schedules' powf(base, step / decay_steps) (LearningRateSchedule.swift), steps 0..N.
        long n = atol(argv[2]);
        float (*volatile pw)(float, float) = powf;
        const float bases[] = {0.1f, 0.5f, 0.9f, 0.96f, 0.99f, 0.999f, 2.0f, 0.3f};
        const float decays[] = {1, 10, 100, 1000, 10000, 3, 7};
        for (size_t b = 0; b < sizeof bases / sizeof bases[0]; b++) {
            uint64_t h = 0xcbf29ce484222325ULL;
            for (size_t d = 0; d < sizeof decays / sizeof decays[0]; d++)
                for (long t = 0; t <= n; t++) h = mix(h, fbits(pw(bases[b], (float)t / decays[d])));
            printf("powf %g^(t/d) t=0..%ld %016llx\n", bases[b], n, (unsigned long long)h);
        }
        return 0;
    }
    fprintf(stderr, "usage: libm-bits float FUNC [FIRST LAST] | list FUNC CHUNK | normal N | powd N | powf N\n");
    return 2;
}
